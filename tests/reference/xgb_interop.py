"""A model trained by the xgboost Python package, for custan to load
(tests/spec/ml_spec.lua), and the check the other way round.

    /usr/bin/python3 tests/reference/xgb_interop.py [CUSTAN_MODEL.json]

Trains xgboost 1.7.4 (Debian's python3-xgboost) on the training rows of
tests/fixtures/churn_features.csv.gz (the base features, 20 rounds, depth
3), saves tests/fixtures/xgb_python_model.json, and prints its predictions
for the first five test rows.  Given a model saved by custan
(churn.lua --save), it loads it and prints its feature names, rounds and
custan attribute.
"""
import json
import sys

import pandas as pd
import xgboost as xgb

f = pd.read_csv("tests/fixtures/churn_features.csv.gz")
feats = ["recency", "frequency", "monetary", "mean_order_value", "tenure", "products",
         "cancel_share", "country=United Kingdom"]
tr, te = f[f.set == "train"], f[f.set == "test"]
d = xgb.DMatrix(tr[feats].to_numpy(float), label=tr.churned.to_numpy(float), feature_names=feats)
b = xgb.train({"objective": "binary:logistic", "max_depth": 3, "eta": 0.3, "seed": 1,
               "tree_method": "hist", "nthread": 1}, d, num_boost_round=20)
b.save_model("tests/fixtures/xgb_python_model.json")
p = b.predict(xgb.DMatrix(te[feats].to_numpy(float)[:5], feature_names=feats))
print("first five test predictions:", ", ".join("%.9g" % v for v in p))
if len(sys.argv) > 1:
    c = xgb.Booster(model_file=sys.argv[1])
    print("custan model:", c.feature_names, c.num_boosted_rounds(),
          json.loads(c.attr("custan"))["kind"])
