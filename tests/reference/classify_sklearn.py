"""The segment classifier's peer: scikit-learn's RandomForestClassifier with
the same number of trees and depth on the same split.

    build/custan run generate.lua --customers 20000 --seed 21 --output /tmp/w
    build/custan run classify.lua --input /tmp/w/truth.csv --id customer_id --label segment \
        --join /tmp/w/customers.csv --orders /tmp/w/orders.csv --output /tmp/clf
    /usr/bin/python3 tests/reference/classify_sklearn.py /tmp/clf/features.csv [TREES DEPTH]

prints the test accuracy and macro F1 (tests/cli/world.sh holds the result
for the world above, with the scikit-learn version that gave it).
"""
import sys

import numpy as np
import pandas as pd
import sklearn
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score, f1_score

path = sys.argv[1]
trees = int(sys.argv[2]) if len(sys.argv) > 2 else 100
depth = int(sys.argv[3]) if len(sys.argv) > 3 else 6
d = pd.read_csv(path)
features = [c for c in d.columns[1:] if c not in ("label", "test")]
train, test = d[d.test == 0], d[d.test == 1]
accs, f1s = [], []
for seed in range(5):
    rf = RandomForestClassifier(n_estimators=trees, max_depth=depth, random_state=seed, n_jobs=1)
    rf.fit(train[features].to_numpy(), train.label.to_numpy())
    p = rf.predict(test[features].to_numpy())
    accs.append(accuracy_score(test.label, p))
    f1s.append(f1_score(test.label, p, average="macro"))
print(f"scikit-learn {sklearn.__version__}: RandomForestClassifier({trees} trees, depth {depth}) "
      f"on {len(train)} train / {len(test)} test rows, 5 seeds")
print(f"accuracy {np.mean(accs):.4f} (seeds {min(accs):.4f}..{max(accs):.4f}); macro F1 {np.mean(f1s):.4f}")
