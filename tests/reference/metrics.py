"""Reference values of the classifier metrics (tests/spec/ml_spec.lua).

    /usr/bin/python3 tests/reference/metrics.py

Writes tests/fixtures/scores.csv (y, p, w: 300 rows, scores rounded to two
decimals so there are many ties) and prints scikit-learn 1.2.1's metrics.
"""
import numpy as np
import pandas as pd
from sklearn.calibration import calibration_curve
from sklearn.metrics import (average_precision_score, brier_score_loss, f1_score, log_loss,
                             roc_auc_score)

rng = np.random.RandomState(7)
n = 300
y = rng.binomial(1, 0.35, n)
p = np.clip(np.round(0.35 + 0.25 * (y - 0.35) + rng.normal(0, 0.2, n), 2), 0, 1)
p[:3] = [0.0, 1.0, 1.0]
w = np.round(rng.uniform(0.2, 3, n), 3)
pd.DataFrame({"y": y, "p": p, "w": w}).to_csv("tests/fixtures/scores.csv", index=False)
print("roc_auc %.17g" % roc_auc_score(y, p))
print("roc_auc_w %.17g" % roc_auc_score(y, p, sample_weight=w))
print("ap %.17g" % average_precision_score(y, p))
print("ap_w %.17g" % average_precision_score(y, p, sample_weight=w))
print("log_loss %.17g" % log_loss(y, p))
print("log_loss_w %.17g" % log_loss(y, p, sample_weight=w))
print("brier %.17g" % brier_score_loss(y, p))
print("f1@0.5 %.17g" % f1_score(y, p >= 0.5))
pt, pp = calibration_curve(y, p, n_bins=10)
print("calibration prob_true", list(pt))
print("calibration prob_pred", list(pp))
