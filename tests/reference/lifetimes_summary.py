#!/usr/bin/python3
"""Reference numbers for custan's customer summary (issue 3).

A pandas transcription of lifetimes' summary_data_from_transaction_data and
calibration_and_holdout_data (lifetimes 0.11, lifetimes/utils.py): timestamps
floored to the period (to_period(freq).to_timestamp()), purchases in one
period merged, frequency = periods - 1, recency and T in units of
np.timedelta64(1, freq) / freq_multiplier, monetary_value = mean of the
repeat periods' summed values.  lifetimes itself is not packaged by Debian;
pandas is (python3-pandas).  Run:

    /usr/bin/python3 tests/reference/lifetimes_summary.py examples/data/online_retail.csv.gz

It prints the totals and the customers whose values tests/spec/rfm_spec.lua
pins.
"""
import sys

import numpy as np
import pandas as pd


def summary(tx, cust, date, money, end, freq="D", mult=1.0):
    end = pd.Timestamp(end).to_period(freq).to_timestamp()
    t = tx[[cust, date, money]].sort_values([cust, date, money]).copy()
    t[date] = t[date].dt.to_period(freq).dt.to_timestamp()
    t = t[t[date] <= end]
    per = t.groupby([date, cust], sort=False, as_index=False)[money].sum()
    per = per.sort_values([cust, date])
    per["first"] = ~per.duplicated(cust)
    g = per.groupby(cust)[date].agg(["min", "max", "count"])
    out = pd.DataFrame(index=g.index)
    unit = np.timedelta64(1, freq if freq != "W" else "W")
    out["frequency"] = g["count"] - 1
    out["recency"] = (g["max"] - g["min"]) / unit / mult
    out["T"] = (end - g["min"]) / unit / mult
    rep = per.copy()
    rep.loc[rep["first"], money] = np.nan
    out["monetary_value"] = rep.groupby(cust)[money].mean().fillna(0)
    return out.astype(float)


def main(path):
    tx = pd.read_csv(path, dtype={"InvoiceNo": str, "StockCode": str})
    tx["InvoiceDate"] = pd.to_datetime(tx["InvoiceDate"])
    tx = tx[tx["CustomerID"].notna() & ~tx["InvoiceNo"].str.startswith("C") & (tx["Quantity"] > 0)]
    tx = tx.assign(amount=tx["Quantity"] * tx["UnitPrice"])
    print("purchase rows", len(tx))
    s = summary(tx, "CustomerID", "InvoiceDate", "amount", "2011-12-09")
    print("customers", len(s), "total frequency", int(s["frequency"].sum()))
    print("sum recency %.10f sum T %.10f sum monetary %.10f" % (s["recency"].sum(), s["T"].sum(), s["monetary_value"].sum()))
    for c in [12346.0, 12347.0, 12748.0, 14646.0, 15311.0, 17850.0, 18283.0, 18287.0]:
        r = s.loc[c]
        print("%d frequency=%d recency=%.1f T=%.1f monetary_value=%.17g" % (c, r.frequency, r.recency, r["T"], r.monetary_value))
    # RFM scores as pandas computes them: qcut of rank(method="first")
    g = tx.groupby("CustomerID")
    last = g["InvoiceDate"].max().dt.normalize()
    rfm = pd.DataFrame({
        "recency_days": (pd.Timestamp("2011-12-09") - last).dt.days,
        "orders": g["InvoiceNo"].nunique(),
        "revenue": g["amount"].sum(),
    }).sort_index()
    rfm["R"] = pd.qcut(rfm["recency_days"].rank(method="first"), 5, labels=[5, 4, 3, 2, 1]).astype(int)
    rfm["F"] = pd.qcut(rfm["orders"].rank(method="first"), 5, labels=[1, 2, 3, 4, 5]).astype(int)
    rfm["M"] = pd.qcut(rfm["revenue"].rank(method="first"), 5, labels=[1, 2, 3, 4, 5]).astype(int)
    for c in [12346.0, 12347.0, 12348.0, 14646.0, 16446.0, 17850.0, 18287.0]:
        r = rfm.loc[c]
        print("%d R=%d F=%d M=%d recency_days=%d orders=%d" % (c, r.R, r.F, r.M, r.recency_days, r.orders))
    print("RFM=555 customers", int(((rfm.R == 5) & (rfm.F == 5) & (rfm.M == 5)).sum()),
          "RFM=111 customers", int(((rfm.R == 1) & (rfm.F == 1) & (rfm.M == 1)).sum()))
    # weekly periods in weeks, monthly periods in average months
    w = summary(tx, "CustomerID", "InvoiceDate", "amount", "2011-12-09", freq="W")
    print("weekly: total frequency", int(w["frequency"].sum()), "14646:", w.loc[14646.0].to_dict())
    m = summary(tx, "CustomerID", "InvoiceDate", "amount", "2011-12-09", freq="M")
    print("monthly: total frequency", int(m["frequency"].sum()), "14646:", m.loc[14646.0].to_dict())


def cdnow(path):
    """lifetimes' calibration_and_holdout_data on the CDNOW sample: daily
    periods in weeks (freq="D", freq_multiplier=7), calibration to
    1997-09-30, observation to 1998-06-30."""
    cd = pd.read_csv(path, sep=r"\s+", header=None, names=["master", "id", "date", "cds", "amount"])
    cd["date"] = pd.to_datetime(cd["date"].astype(str), format="%Y%m%d")
    cal_end, obs_end = pd.Timestamp("1997-09-30"), pd.Timestamp("1998-06-30")
    cal = summary(cd[cd["date"] <= cal_end], "id", "date", "amount", cal_end, "D", 7.0)
    hold = cd[(cd["date"] > cal_end) & (cd["date"] <= obs_end)].copy()
    hold["date"] = hold["date"].dt.to_period("D")
    fh = hold.groupby(["id", "date"]).size().groupby(level="id").count()
    mh = hold.groupby("id")["amount"].mean()
    cal["frequency_holdout"] = fh.reindex(cal.index).fillna(0)
    cal["monetary_value_holdout"] = mh.reindex(cal.index).fillna(0)
    cal["duration_holdout"] = (obs_end - cal_end).days / 7.0
    print("cdnow customers", len(cal), "frequency_holdout total", int(cal["frequency_holdout"].sum()),
          "monetary_value_holdout sum %.10f" % cal["monetary_value_holdout"].sum())
    for c in [1, 2, 18, 1108]:
        print(c, {k: round(v, 10) for k, v in cal.loc[c].to_dict().items()})


if __name__ == "__main__":
    main(sys.argv[1])
    if len(sys.argv) > 2:
        cdnow(sys.argv[2])
