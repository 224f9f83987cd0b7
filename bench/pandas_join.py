# bench/pandas_join.py OUTDIR [REPS]: pandas' side of the join benchmark
# (bench/join_bench.lua writes the tables): the same many-to-one inner and
# left merges, timed warm in this process.  pandas' merge runs on one thread.
import sys, time, statistics
import pandas as pd

d, reps = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 7
orders = pd.read_csv(d + "/orders.csv")
customers = pd.read_csv(d + "/customers.csv")
t = {"inner": [], "left": []}
rows = {}
for _ in range(reps):
    for how in ("inner", "left"):
        t0 = time.perf_counter()
        j = orders.merge(customers, on="customer", how=how)
        t[how].append((time.perf_counter() - t0) * 1000)
        rows[how] = len(j)
        if how == "inner":
            s = j["score"].sum()
print("%.1f %.1f %d %d %.6f" % (statistics.median(t["inner"]), statistics.median(t["left"]),
                                rows["inner"], rows["left"], s))
