"""bench/lifetimes_fit.py REPS: the lifetimes package (Davidson-Pilon), run
from its public source, fitting BG/NBD and Pareto/NBD to the CDNOW summary
(examples/data/cdnow_summary.csv), median of REPS fits inside the process,
as Markdown rows beside custan's (bench/run.sh clv).

lifetimes is not in Debian and PyPI is not reachable here, so the benchmark
imports it from a folder PEERS holding the source trees of lifetimes and of
autograd (its one dependency Debian lacks); numpy, scipy and pandas are
Debian's.  lifetimes imports dill only to save models: an empty module
stands in (bench/run.sh writes it).  Nothing of either package is in this
repository.
"""
import sys
import time

import pandas as pd
import lifetimes
from lifetimes import BetaGeoFitter, ParetoNBDFitter

reps = int(sys.argv[1]) if len(sys.argv) > 1 else 7
d = pd.read_csv("examples/data/cdnow_summary.csv")
for name, cls in (("bgnbd", BetaGeoFitter), ("pareto", ParetoNBDFitter)):
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        m = cls().fit(d["frequency"], d["recency"], d["T"])
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    params = ", ".join(f"{k} {v:.4f}" for k, v in m.params_.items())
    print(f"| {name} | lifetimes {lifetimes.__version__} (from source), 1 thread | "
          f"{times[len(times) // 2]:.1f} | {params} |")
