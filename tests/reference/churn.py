"""Peer numbers for the churn tests (issue 6): scikit-learn and the xgboost
Python package on exactly the features and split churn.lua used.

    build/custan run churn.lua --input examples/data/online_retail.csv.gz \
        --cutoff 2011-09-09 --window 91 [--features F] --output DIR
    /usr/bin/python3 tests/reference/churn.py DIR/features.csv

features.csv holds the customer id, every feature as the models saw it,
`churned` and `set` (train/test).  Printed: test ROC AUC of scikit-learn's
LogisticRegression (StandardScaler, C=1, class_weight="balanced", lbfgs)
and of xgboost.train with custan's default parameters and balanced sample
weights, the BG/NBD expected purchases alone (when present), and
scikit-learn's metrics on a fixed set of predictions.

Debian bookworm: python3-sklearn 1.2.1, python3-xgboost 1.7.4.
"""
import sys

import numpy as np
import pandas as pd
import sklearn
import xgboost as xgb
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler

f = pd.read_csv(sys.argv[1])
feats = [c for c in f.columns[1:] if c not in ("churned", "set")]
tr, te = f[f.set == "train"], f[f.set == "test"]
Xtr, Xte = tr[feats].to_numpy(float), te[feats].to_numpy(float)
ytr, yte = tr.churned.to_numpy(float), te.churned.to_numpy(float)
print("sklearn", sklearn.__version__, "xgboost", xgb.__version__)
print("features", feats)
print("train", len(ytr), "test", len(yte))

sc = StandardScaler().fit(Xtr)
for solver in ["lbfgs", "newton-cg"]:  # lbfgs stops early on its objective test
    lr = LogisticRegression(C=1.0, class_weight="balanced", max_iter=10000, tol=1e-10,
                            solver=solver)
    lr.fit(sc.transform(Xtr), ytr)
    print("sklearn logistic (%s) test AUC %.9f" % (
        solver, roc_auc_score(yte, lr.predict_proba(sc.transform(Xte))[:, 1])))

w = np.where(ytr == 1, len(ytr) / (2 * ytr.sum()), len(ytr) / (2 * (len(ytr) - ytr.sum())))
params = {"objective": "binary:logistic", "eta": 0.05, "max_depth": 4, "subsample": 0.8,
          "colsample_bytree": 0.8, "min_child_weight": 1, "lambda": 1, "tree_method": "hist",
          "seed": 1, "nthread": 2}
bst = xgb.train(params, xgb.DMatrix(Xtr, label=ytr, weight=w), num_boost_round=200)
print("xgboost test AUC %.9f" % roc_auc_score(yte, bst.predict(xgb.DMatrix(Xte))))
rf = {"objective": "binary:logistic", "num_parallel_tree": 100, "eta": 1, "max_depth": 6,
      "subsample": 0.632, "colsample_bynode": 0.6, "min_child_weight": 1, "lambda": 1e-5,
      "max_bin": 64, "tree_method": "hist", "seed": 1, "nthread": 2}
rfb = xgb.train(rf, xgb.DMatrix(Xtr, label=ytr, weight=w), num_boost_round=1)
print("xgboost forest test AUC %.9f" % roc_auc_score(yte, rfb.predict(xgb.DMatrix(Xte))))
if "expected_purchases" in feats:
    print("BG/NBD expected purchases alone test AUC %.9f" % roc_auc_score(yte, -te.expected_purchases))
