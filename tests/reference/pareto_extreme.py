"""Pareto/NBD single-customer log-likelihoods to 17 digits, for
tests/c/test_clv.c.  Run: /usr/bin/python3 tests/reference/pareto_extreme.py

The likelihood (Fader & Hardie, "A note on deriving the Pareto/NBD model"):
  L = G(r+x) a^r b^s / G(r) [ (a+T)^-(r+x) (b+T)^-s + D ],
  D = s/k [F(z_tx) (m+t_x)^-k - F(z_T) (m+T)^-k],  k = r+s+x,
  F(z) = 2F1(k, b'; k+1; z), with m = max(a, b), z_t = |a-b|/(m+t) and
  b' = s+1 if a >= b else r+x,
evaluated with mpmath's arbitrary-precision 2F1 at 50 digits (mpmath's
tanh-sinh quadrature of D's integral, split geometrically towards t_x,
agrees to 1e-20 or better).  Independent of both of custan's evaluations
(its own 2F1 series and its Gauss-Legendre quadrature)."""
import mpmath as mp

mp.mp.dps = 50

PARAMS = [(0.553, 10.578, 0.606, 11.669), (0.553, 11.669, 0.606, 10.578),
          (0.5, 100, 0.8, 0.1), (0.5, 0.1, 0.8, 100), (2, 3, 0.2, 40)]
CASES = [(0, 0, 38.86), (2, 30.43, 38.86), (1, 1.71, 38.86), (29, 35.1, 36.0),
         (5, 10, 38), (3, 38, 38.5), (200, 20, 39), (4, 38.85, 38.86)]


def loglik(p, c):
    r, a, s, b = (mp.mpf(v) for v in p)
    x, tx, T = (mp.mpf(v) for v in c)
    k = r + s + x
    m, bb = (a, s + 1) if a >= b else (b, r + x)
    A = lambda t: mp.hyp2f1(k, bb, k + 1, abs(a - b) / (m + t)) / (m + t) ** k
    D = s / k * (A(tx) - A(T))
    L = (a + T) ** -(r + x) * (b + T) ** -s + D
    return mp.loggamma(r + x) - mp.loggamma(r) + r * mp.log(a) + s * mp.log(b) + mp.log(L)


for p in PARAMS:
    print("{" + ", ".join(mp.nstr(loglik(p, c), 17) for c in CASES) + "},")
