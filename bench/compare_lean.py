"""bench/compare_lean.py CUSTAN.csv DUCKDB.csv: checks that custan's lean
summary (bench/rfm_lean.lua) and DuckDB's (bench/duckdb_lean.mjs) agree:
the same customers, equal frequency, recency and T, and monetary value
to within 1e-12 relative.  Prints one line; exits 1 when they differ."""
import csv
import sys


def load(path):
    rows = {}
    for row in csv.DictReader(open(path)):
        cid = row.get("customer") or row.get("CustomerID")
        rows[int(float(cid))] = row
    return rows


a, b = load(sys.argv[1]), load(sys.argv[2])
if a.keys() != b.keys():
    print(f"different customers: {len(a)} against {len(b)}")
    sys.exit(1)
worst = 0.0
for k in a:
    for f in ("frequency", "recency", "T"):
        if float(a[k][f]) != float(b[k][f]):
            print(f"customer {k}: {f} {a[k][f]} against {b[k][f]}")
            sys.exit(1)
    x, y = float(a[k]["monetary_value"]), float(b[k]["monetary_value"])
    worst = max(worst, abs(x - y) / abs(y) if y else abs(x))
print(f"{len(a)} customers agree; monetary value within {worst:.1e} relative")
sys.exit(0 if worst < 1e-12 else 1)
