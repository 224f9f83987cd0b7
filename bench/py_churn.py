"""bench/py_churn.py FILE ROUNDS THREADS: the peers of bench/churn_bench.lua on
the same file: scikit-learn's LogisticRegression (lbfgs, C=1, on the raw
features, which are already on one scale) and xgboost.train with the same
parameters (hist, eta 0.1, depth 6, the same rounds and threads).  The fits
alone are timed (the DMatrix built inside the timing, as custan's is).
Prints: logistic_seconds iterations auc xgboost_seconds xgboost_auc"""
import sys
import time

import pandas as pd
import xgboost as xgb
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

f = pd.read_csv(sys.argv[1])
rounds, threads = int(sys.argv[2]), int(sys.argv[3])
X, y = f.drop(columns="y").to_numpy(float), f.y.to_numpy(float)
t0 = time.perf_counter()
lr = LogisticRegression(C=1.0, max_iter=1000).fit(X, y)
t1 = time.perf_counter()
lr_auc = roc_auc_score(y, lr.predict_proba(X)[:, 1])
xs, xa = 0.0, 0.0
if rounds > 0:
    t2 = time.perf_counter()
    d = xgb.DMatrix(X, label=y, nthread=threads)
    params = {"objective": "binary:logistic", "tree_method": "hist", "eta": 0.1, "max_depth": 6,
              "subsample": 1, "colsample_bytree": 1, "min_child_weight": 1, "lambda": 1,
              "seed": 1, "nthread": threads}
    b = xgb.train(params, d, num_boost_round=rounds)
    xs = time.perf_counter() - t2
    xa = roc_auc_score(y, b.predict(d))
print("%.4f %d %.6f %.4f %.6f" % (t1 - t0, lr.n_iter_[0], lr_auc, xs, xa))
