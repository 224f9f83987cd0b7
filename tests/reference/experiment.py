"""Reference numbers for experiment design and analysis (tests/spec/sim_spec.lua).

    /usr/bin/python3 tests/reference/experiment.py

statsmodels 0.13.5 (Debian's python3-statsmodels): NormalIndPower on
proportion_effectsize (Cohen's h) and on standardised mean differences;
proportions_ztest and the Wald interval for a difference in proportions;
scipy's Welch t-test for means.  P(T > C) for two Beta posteriors by a
2,000,000-draw numpy Monte Carlo (seed 0) as a rough check of the
quadrature.
"""
import numpy as np
import statsmodels
from scipy import stats
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize, proportions_ztest

print("statsmodels", statsmodels.__version__)
P = NormalIndPower()
cases = [(0.10, 0.12, 0.05, 0.8, 1.0), (0.05, 0.06, 0.05, 0.9, 1.0), (0.30, 0.27, 0.01, 0.8, 2.0),
         (0.02, 0.025, 0.1, 0.8, 0.5)]
for p1, p2, a, pw, r in cases:
    h = proportion_effectsize(p2, p1)
    n = P.solve_power(effect_size=h, alpha=a, power=pw, ratio=r)
    print("proportions p1=%g p2=%g alpha=%g power=%g ratio=%g nobs1=%.10f" % (p1, p2, a, pw, r, n))
for d, a, pw, r in [(0.1, 0.05, 0.8, 1.0), (0.05, 0.05, 0.9, 3.0)]:
    print("means d=%g alpha=%g power=%g ratio=%g nobs1=%.10f" % (
        d, a, pw, r, P.solve_power(effect_size=d, alpha=a, power=pw, ratio=r)))
print("power h=0.05 n1=5000 ratio=1 alpha=0.05: %.12f" % P.power(0.05, 5000, 0.05, ratio=1))
h = P.solve_power(nobs1=2000, alpha=0.05, power=0.8, ratio=1)
print("mde at n1=2000 from p1=0.1: h=%.12f" % h)

# a finished test: 1000 of 10000 converted in control, 1100 of 10000 in treatment
z, p = proportions_ztest([1100, 1000], [10000, 10000])
print("ztest z=%.12f p=%.12f" % (z, p))
pt, pc = 0.11, 0.10
se = np.sqrt(pt * (1 - pt) / 10000 + pc * (1 - pc) / 10000)
print("wald ci %.12f %.12f" % (pt - pc - stats.norm.isf(0.025) * se, pt - pc + stats.norm.isf(0.025) * se))
rng = np.random.default_rng(0)
T = rng.beta(1101, 8901, 2_000_000)
C = rng.beta(1001, 9001, 2_000_000)
print("P(T>C) mc %.5f loss_T %.7f loss_C %.7f" % ((T > C).mean(), np.maximum(C - T, 0).mean(),
                                                   np.maximum(T - C, 0).mean()))
# Welch on tests/fixtures/experiment_means.csv-like data
t = np.array([12.0, 15.5, 9.0, 20.0, 13.5, 18.0, 11.0, 16.5])
c = np.array([10.0, 12.5, 8.0, 14.0, 11.5, 9.5, 13.0])
r = stats.ttest_ind(t, c, equal_var=False)
print("welch t=%.12f p=%.12f" % (r.statistic, r.pvalue))
