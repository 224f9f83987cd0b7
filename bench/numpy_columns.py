"""bench/numpy_columns.py N [REPS]: the numpy peer of bench/column_bench.lua,
the same operations on the same values, timed in-process and warm (3
unmeasured runs, then the median of REPS), one "name ms" line each."""
import sys
import time

import numpy as np

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 21
p = (np.arange(1, n + 1) % 1000) / 100.0
b, c = p > 3, p < 7
ops = [
    ("p + 1", lambda: p + 1), ("p * p", lambda: p * p), ("p / 3", lambda: p / 3),
    ("p > 3", lambda: p > 3), ("p == q", lambda: p == p), ("b & c", lambda: b & c),
    ("b | c", lambda: b | c), ("sum", lambda: p.sum()), ("mean", lambda: p.mean()),
    ("min", lambda: p.min()),
]
for name, f in ops:
    for _ in range(3):
        f()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t0)
    ts.sort()
    print(f"{name} {ts[(reps - 1) // 2] * 1000:.4f}")
