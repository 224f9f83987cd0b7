#!/usr/bin/python3
"""Reference numbers for custan.clv, from an independent transcription of
lifetimes' BetaGeoFitter and GammaGammaFitter (lifetimes 0.11,
lifetimes/fitters/beta_geo_fitter.py and gamma_gamma_fitter.py) and
lifetimes.utils._customer_lifetime_value, fitted with scipy
(Debian's python3-scipy and python3-pandas):

    /usr/bin/python3 tests/reference/clv.py examples/data/cdnow_sample.txt

CDNOW sample, sample ids, daily periods in weeks, calibration to 1997-09-30.
"""
import sys

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import betaln, gammaln, hyp2f1, logsumexp

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from lifetimes_summary import summary  # noqa: E402


def bgnbd_ll(params, x, tx, T):
    r, alpha, a, b = params
    A1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    A2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    A3 = -(r + x) * np.log(alpha + T)
    A4 = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + tx), -np.inf)
    return A1 + A2 + logsumexp([A3, A4], axis=0)


def conditional(params, t, x, tx, T):
    r, alpha, a, b = params
    h = hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t))
    num = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * h)
    den = 1 + (x > 0) * (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x)
    return num / den


def gg_ll(params, x, m):
    p, q, v = params
    return (gammaln(p * x + q) - gammaln(p * x) - gammaln(q) + q * np.log(v) + (p * x - 1) * np.log(m)
            + (p * x) * np.log(x) - (p * x + q) * np.log(x * m + v))


def fit(ll, k, *data):
    res = minimize(lambda th: -ll(np.exp(th), *data).mean(), np.zeros(k), method="Nelder-Mead",
                   options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000, "maxfev": 40000})
    return np.exp(res.x), ll(np.exp(res.x), *data).sum()


cd = pd.read_csv(sys.argv[1], sep=r"\s+", header=None, names=["master", "id", "date", "cds", "amount"])
cd["date"] = pd.to_datetime(cd["date"].astype(str), format="%Y%m%d")
end = pd.Timestamp("1997-09-30")
s = summary(cd[cd["date"] <= end], "id", "date", "amount", end, "D", 7.0)
x, tx, T, m = (s[c].values for c in ["frequency", "recency", "T", "monetary_value"])
bg, bg_ll = fit(bgnbd_ll, 4, x, tx, T)
print("bgnbd", bg, "loglik %.4f" % bg_ll)
rep = x > 0
gg, gg_ll_total = fit(gg_ll, 3, x[rep], m[rep])
print("gamma_gamma", gg, "loglik %.4f" % gg_ll_total)
p, q, v = gg
spend = np.where(x > 0, (p * (v + x * m)) / (p * x + q - 1), p * v / (q - 1))
# lifetimes.utils._customer_lifetime_value with freq "W": 12 months, 1% a month
clv = np.zeros(len(x))
factor = 4.345
for i in np.arange(1, 13) * factor:
    prev = conditional(bg, i - factor, x, tx, T) if i > factor else 0
    clv += spend * (conditional(bg, i, x, tx, T) - prev) / 1.01 ** (i / factor)
out = pd.DataFrame({"clv": clv, "p_alive": 1 / (1 + (x > 0) * (bg[2] / (bg[3] + x - 1)) * ((bg[1] + T) / (bg[1] + tx)) ** (bg[0] + x)),
                    "spend": spend}, index=s.index)
print("clv total %.6f" % clv.sum())
for c in [1, 2, 3, 18, 1108]:
    print(c, {k: round(val, 8) for k, val in out.loc[c].to_dict().items()})

# The same quantities at fixed parameters (the published, rounded ones),
# so the formulas are compared without the optimiser in between.
bg, gg = np.array([0.243, 4.414, 0.793, 2.426]), np.array([6.25, 3.74, 15.44])
p, q, v = gg
spend = np.where(x > 0, (p * (v + x * m)) / (p * x + q - 1), p * v / (q - 1))
clv = np.zeros(len(x))
for i in np.arange(1, 13) * factor:
    prev = conditional(bg, i - factor, x, tx, T) if i > factor else 0
    clv += spend * (conditional(bg, i, x, tx, T) - prev) / 1.01 ** (i / factor)
out = pd.DataFrame({"clv": clv, "cond39": conditional(bg, 39, x, tx, T), "spend": spend}, index=s.index)
print("at published parameters: clv total %.8f" % clv.sum())
for c in [1, 2, 3, 18, 1108]:
    print(c, {k: round(val, 10) for k, val in out.loc[c].to_dict().items()})
