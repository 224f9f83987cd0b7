"""Reference numbers for --penalizer: lifetimes' own fits on the CDNOW summary.

lifetimes is on no package registry this machine reaches, and it imports
autograd, which Debian does not package.  To reproduce:

  1. get lifetimes' source (github.com/CamDavidsonPilon/lifetimes, commit
     4f2833f) into DIR, so that DIR/lifetimes is the package;
  2. apt-get install python3-pandas python3-scipy;
  3. python3 tests/reference/penalizer_lifetimes.py DIR

This script puts a stand-in for autograd on the path (central differences
for value_and_grad and hessian, numpy and scipy.special for the rest) and a
stand-in for dill (imported only to save models), then fits.  Printed on
2026-11-30 (used in tests/spec/clv_spec.lua):

  bgnbd 0.01  0.242940 4.432437 0.285642 0.658454
  mbgnbd 0.01 0.615245 6.738469 0.499079 0.672276
  pareto 0.01 0.553296 10.577650 0.605646 11.650217  (Nelder-Mead: +-1e-4)
  pareto 1.0  0.554973 10.571120 0.564864 10.372847
  pareto 10.0 0.545531 10.312347 0.448375 7.118832
"""
import os
import sys
import tempfile
import types

import numpy as np
import scipy.special


def stand_ins():
    def grad(f, x, args, h=1e-6):
        x = np.asarray(x, float)
        g = np.zeros_like(x)
        for i in range(len(x)):
            e = np.zeros_like(x)
            e[i] = h * max(1.0, abs(x[i]))
            g[i] = (f(x + e, *args) - f(x - e, *args)) / (2 * e[i])
        return g

    def value_and_grad(f):
        return lambda x, *args: (f(x, *args), grad(f, x, args))

    def hessian(f):
        def h(x, *args):
            x = np.asarray(x, float)
            n = len(x)
            out = np.zeros((n, n))
            for i in range(n):
                e = np.zeros(n)
                e[i] = 1e-4 * max(1.0, abs(x[i]))
                out[:, i] = (grad(f, x + e, args) - grad(f, x - e, args)) / (2 * e[i])
            return (out + out.T) / 2
        return h

    ag = types.ModuleType("autograd")
    ag.value_and_grad, ag.hessian, ag.numpy = value_and_grad, hessian, np
    sp = types.ModuleType("autograd.scipy")
    sp.special = scipy.special
    ag.scipy = sp
    sys.modules.update({"autograd": ag, "autograd.numpy": np, "autograd.scipy": sp,
                        "autograd.scipy.special": scipy.special,
                        "dill": types.ModuleType("dill")})


def main(lifetimes_dir):
    stand_ins()
    sys.path.insert(0, lifetimes_dir)
    import pandas as pd
    from lifetimes import BetaGeoFitter, ModifiedBetaGeoFitter, ParetoNBDFitter

    here = os.path.dirname(os.path.abspath(__file__))
    d = pd.read_csv(os.path.join(here, "..", "..", "examples", "data", "cdnow_summary.csv"))
    fits = [("bgnbd", BetaGeoFitter, 0.01), ("mbgnbd", ModifiedBetaGeoFitter, 0.01),
            ("pareto", ParetoNBDFitter, 0.01), ("pareto", ParetoNBDFitter, 1.0),
            ("pareto", ParetoNBDFitter, 10.0)]
    for name, fitter, pen in fits:
        m = fitter(penalizer_coef=pen).fit(d.frequency, d.recency, d["T"])
        print(name, pen, " ".join("%.6f" % v for v in m.params_.values))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else tempfile.gettempdir())
