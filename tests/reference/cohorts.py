#!/usr/bin/python3
"""Reference numbers for custan.cohort (issue 3), computed with pandas.

    /usr/bin/python3 tests/reference/cohorts.py examples/data/online_retail.csv.gz

Purchases: not cancelled (InvoiceNo starting with C) and Quantity > 0;
cohorts, customers and concentration use rows with a CustomerID.
"""
import sys

import numpy as np
import pandas as pd

tx = pd.read_csv(sys.argv[1], dtype={"InvoiceNo": str, "StockCode": str})
tx["InvoiceDate"] = pd.to_datetime(tx["InvoiceDate"])
p = tx[~tx["InvoiceNo"].str.startswith("C") & (tx["Quantity"] > 0)].copy()
p["amount"] = p["Quantity"] * p["UnitPrice"]
print("purchase rows", len(p))
k = p[p["CustomerID"].notna()].copy()
k["month"] = k["InvoiceDate"].dt.to_period("M")
k["cohort"] = k.groupby("CustomerID")["month"].transform("min")
k["age"] = (k["month"] - k["cohort"]).apply(lambda d: d.n)
c = k.groupby(["cohort", "age"])["CustomerID"].nunique()
print("cohort 2010-12 size", c.loc[("2010-12", 0)], "active at +1", c.loc[("2010-12", 1)],
      "at +11", c.loc[("2010-12", 11)], "cohort 2011-03 +4", c.loc[("2011-03", 4)], "cells", len(c))
rev = k.groupby("CustomerID")["amount"].sum().sort_values()
n = len(rev)
top = int(np.ceil(0.2 * n))
print("customers", n, "top 20%% share %.12f" % (rev.iloc[-top:].sum() / rev.sum()))
L = rev.cumsum() / rev.sum()
print("gini %.12f" % (1 - (2 * L.sum() - L.iloc[-1]) / n))
prod = p.groupby("StockCode")["amount"].sum().reset_index().sort_values(["amount", "StockCode"], ascending=[False, True])
share = prod["amount"] / prod["amount"].sum()
before = share.cumsum() - share
cls = np.where(before < 0.8, "A", np.where(before < 0.95, "B", "C"))
print("abc", {x: int((cls == x).sum()) for x in "ABC"})
p["month"] = p["InvoiceDate"].dt.to_period("M")
m = p.groupby("month").agg(revenue=("amount", "sum"), orders=("InvoiceNo", "nunique"))
first = k.groupby("CustomerID")["month"].min()
new = first.value_counts().sort_index()
print("2011-11 revenue %.2f orders %d new %d" % (m.loc["2011-11", "revenue"], m.loc["2011-11", "orders"], new.loc["2011-11"]))
wd = p.assign(wd=p["InvoiceDate"].dt.weekday + 1, h=p["InvoiceDate"].dt.hour).groupby(["wd", "h"])["InvoiceNo"].nunique()
print("orders Wed 12h", wd.loc[(3, 12)], "Saturday orders", int(wd.loc[6].sum()) if 6 in wd.index.get_level_values(0) else 0)
