"""Reference fits for the logistic regression kernel (tests/spec/ml_spec.lua).

    /usr/bin/python3 tests/reference/logistic.py

On tests/fixtures/churn_features.csv.gz (churn.lua's base features of
Online Retail, training rows): scikit-learn 1.2.1's LogisticRegression on
StandardScaler'd features, L2 (newton-cg: lbfgs stops on its 64-epsilon
objective test about 1e-4 short of the optimum here) and L1 (saga), class_weight
"balanced", C = 1 and 0.1, tolerances far below the test's; and
statsmodels 0.13's unpenalised Logit (coefficients and standard errors on
the original scale).
"""
import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

warnings.simplefilter("ignore")
f = pd.read_csv("tests/fixtures/churn_features.csv.gz")
f = f[f.set == "train"]
feats = ["recency", "frequency", "monetary", "mean_order_value", "tenure", "products",
         "cancel_share", "country=United Kingdom"]
X, y = f[feats].to_numpy(float), f.churned.to_numpy(float)
Z = StandardScaler().fit_transform(X)
np.set_printoptions(precision=12, linewidth=200)
for pen, C, solver in [("l2", 1.0, "newton-cg"), ("l2", 0.1, "newton-cg"), ("l1", 0.1, "saga")]:
    m = LogisticRegression(penalty=pen, C=C, solver=solver, class_weight="balanced",
                           tol=1e-12, max_iter=200000).fit(Z, y)
    print(pen, C, "intercept %.12f" % m.intercept_[0], "coef_std", m.coef_[0])
r = sm.Logit(y, sm.add_constant(X)).fit(disp=0, method="newton", tol=1e-12)
print("statsmodels params", r.params)
print("statsmodels bse", r.bse)
