/* pareto.c: the Pareto/NBD model (Schmittlein, Morrison & Colombo 1987):
 * likelihood with gradient, predictions, P(X(t) = n) and the simulator.
 * Split from clv.c. */
#include "clv.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_hyperg.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "clv_internal.h"

/* The likelihood (Fader & Hardie, "A note on deriving the Pareto/NBD
 * model", 2005):
 *   L = G(r+x) a^r b^s / G(r) [ (a+T)^-(r+x) (b+T)^-s + D ],
 *   D = s Int_{t_x}^{T} (a+u)^-(r+x) (b+u)^-(s+1) du
 * (alive throughout, or died at u in (t_x, T]); D is what the published
 * 2F1 expressions (A_0) evaluate in closed form, where large x or alpha
 * near beta cost precision.  With k = r+s+x and v = (a+u)^-k the integral
 * becomes (a+t_x)^-k / k Int_rho^1 h(y) dy with h = ((a+u)/(b+u))^(s+1),
 * u = (a+t_x) y^(-1/k) - a, rho = ((a+t_x)/(a+T))^k: a smooth, bounded
 * integrand that 16-point Gauss-Legendre integrates to double precision
 * on data like CDNOW, and whose parameter derivatives use the same
 * nodes. */
#define GL_N 16

static void gauss_legendre(double *x, double *w) { /* nodes and weights on [0, 1] */
  for (int i = 0; i < (GL_N + 1) / 2; i++) {
    double z = cos(M_PI * (i + 0.75) / (GL_N + 0.5)), pp = 1, z1;
    do {
      double p1 = 1, p2 = 0;
      for (int j = 1; j <= GL_N; j++) {
        double p3 = p2;
        p2 = p1;
        p1 = ((2.0 * j - 1) * z * p2 - (j - 1.0) * p3) / j;
      }
      pp = GL_N * (z * p1 - p2) / (z * z - 1);
      z1 = z;
      z = z1 - p1 / pp;
    } while (fabs(z - z1) > 1e-15);
    x[i] = (1 - z) / 2;
    x[GL_N - 1 - i] = (1 + z) / 2;
    w[i] = w[GL_N - 1 - i] = 1 / ((1 - z * z) * pp * pp);
  }
}

/* The nodes and weights, computed once (every likelihood and P(alive)
 * call needs them; the CLV interval makes millions of such calls). */
static double GL_X[GL_N], GL_W[GL_N];
static pthread_once_t gl_once = PTHREAD_ONCE_INIT;
static void gl_init(void) { gauss_legendre(GL_X, GL_W); }

/* ln D and, if g, its derivatives in r, alpha, s, beta.  The change of
 * variables is made on the smaller of alpha and beta: (w+u)^-k with w =
 * min(alpha, beta).  The remaining factor ((w+u)/(o+u))^p_o then behaves
 * as a power of y, which is a smooth exponential in z = ln y; made on the
 * larger offset, the smaller one's factor would change by orders of
 * magnitude over a sliver of the interval.  The derivatives are the
 * integrand-weighted means of the derivatives under the integral,
 * -ln(alpha+u), -(r+x)/(alpha+u), -ln(beta+u), -(s+1)/(beta+u). */
static double pareto_log_d(const double *p, double x, double tx, double T, const double *gx,
                           const double *gw, double *g) {
  double r = p[0], al = p[1], s = p[2], be = p[3], k = r + s + x;
  int on_alpha = al <= be;
  double w = on_alpha ? al : be, o = on_alpha ? be : al, po = on_alpha ? s + 1 : r + x;
  double lw_tx = log(w + tx);
  double lrho = k * (lw_tx - log(w + T));
  if (tx >= T || lrho > -1e-15) return -INFINITY; /* nothing between t_x and T */
  /* y = e^z, z in [ln rho, 0]: Int h(y) dy = Int h e^z dz, smooth in z.
   * h rises with u towards 1, so below z = -(40 - ln h(0)) the rest of
   * the integral is under e^-40 of it and is dropped; what is left is
   * cut into panels of width at most 6, where 16 nodes integrate e^z to
   * double precision (large x makes the span long). */
  double span = fmin(-lrho, 40 - po * (lw_tx - log(o + tx)));
  int panels = (int)ceil(span / 6);
  double width = span / panels;
  double sh = 0, sr = 0, sa = 0, ss = 0, sb = 0;
  for (int q = 0; q < panels; q++) {
    for (int j = 0; j < GL_N; j++) {
      double z = -span + width * (q + gx[j]);
      double lwu = lw_tx - z / k; /* ln(w + u) */
      double u = exp(lwu) - w, lou = log(o + u);
      double h = gw[j] * exp(po * (lwu - lou) + z);
      sh += h;
      if (g) {
        double lau = on_alpha ? lwu : lou, lbu = on_alpha ? lou : lwu;
        sr += h * -lau;
        sa += h * -(r + x) / (al + u);
        ss += h * -lbu;
        sb += h * -(s + 1) / (be + u);
      }
    }
  }
  if (g) {
    g[0] = sr / sh;
    g[1] = sa / sh;
    g[2] = 1 / s + ss / sh;
    g[3] = sb / sh;
  }
  return log(s) - log(k) - k * lw_tx + log(width * sh);
}

/* The same D by the published closed form, where it is cheap: with
 * F(z) = 2F1(k, b; k+1; z) and, for alpha >= beta, b = s+1, m = alpha,
 * z_t = (alpha-beta)/(alpha+t) (else b = r+x, m = beta, z_t =
 * (beta-alpha)/(beta+t)),
 *   D = s/k [F(z_tx) (m+t_x)^-k - F(z_T) (m+T)^-k].
 * Near the optimum z is small and F's power series converges in a dozen
 * terms; its coefficients depend on x only through k and b, so they are
 * built once per frequency, and the terms' derivatives in k, b and z come
 * in the same pass.  Where the series would be slow (z near 1, or large b
 * before its terms start to fall) or the difference cancels (t_x near T),
 * the quadrature above takes over; both are exact to about 1e-13. */
#define PS_N 64

typedef struct pareto_series {
  int case_alpha;  /* alpha >= beta */
  double c[PS_N];  /* t_{n+1} / (t_n z) */
  double ak[PS_N]; /* d ln t_n / dk */
  double ab[PS_N]; /* d ln t_n / db */
} pareto_series;

static void series_prepare(pareto_series *ps, const double *p, double x) {
  double r = p[0], s = p[2], k = r + s + x;
  ps->case_alpha = p[1] >= p[3];
  double b = ps->case_alpha ? s + 1 : r + x, ak = 0, ab = 0;
  for (int n = 0; n < PS_N; n++) {
    ps->ak[n] = ak;
    ps->ab[n] = ab;
    ps->c[n] = (k + n) / (k + 1 + n) * (b + n) / (n + 1);
    ak += 1 / (k + n) - 1 / (k + 1 + n);
    ab += 1 / (b + n);
  }
}

/* ln F(z) and d ln F / dk, db, dz; NAN if PS_N terms are not enough. */
static double series_eval(const pareto_series *ps, double z, double *dk, double *db, double *dz) {
  double t = 1, F = 1, Fk = 0, Fb = 0, Fz = 0;
  for (int n = 0; n < PS_N - 1; n++) {
    t *= ps->c[n] * z; /* term n+1 */
    F += t;
    Fk += t * ps->ak[n + 1];
    Fb += t * ps->ab[n + 1];
    Fz += t * (n + 1);
    if (t < 1e-17 * F && ps->c[n] * z < 0.75) {
      *dk = Fk / F;
      *db = Fb / F;
      *dz = z > 0 ? Fz / (z * F) : ps->c[0];
      return log(F);
    }
  }
  return NAN;
}

/* ln D (and, if g, its derivatives) by the series, or NAN to say "use the
 * quadrature". */
static double pareto_log_d_series(const pareto_series *ps, const double *p, double x, double tx,
                                  double T, double *g) {
  double r = p[0], al = p[1], s = p[2], be = p[3], k = r + s + x;
  int ca = ps->case_alpha;
  double mx = ca ? al : be, dd = fabs(al - be), m[2] = {mx + tx, mx + T};
  double l[2], dl[2][4];
  for (int i = 0; i < 2; i++) {
    double fk, fb, fz, lm = log(m[i]);
    double lf = series_eval(ps, dd / m[i], &fk, &fb, &fz);
    if (isnan(lf)) return NAN;
    l[i] = lf - k * lm;
    double t = i ? T : tx;
    if (ca) { /* z = (alpha-beta)/(alpha+t), b = s+1 */
      dl[i][0] = fk - lm;
      dl[i][1] = fz * (be + t) / (m[i] * m[i]) - k / m[i];
      dl[i][2] = fk + fb - lm;
      dl[i][3] = -fz / m[i];
    } else { /* z = (beta-alpha)/(beta+t), b = r+x */
      dl[i][0] = fk + fb - lm;
      dl[i][1] = -fz / m[i];
      dl[i][2] = fk - lm;
      dl[i][3] = fz * (al + t) / (m[i] * m[i]) - k / m[i];
    }
  }
  double q = exp(l[1] - l[0]);
  if (!(q < 0.999)) return NAN; /* t_x near T: the difference cancels */
  if (g) {
    for (int j = 0; j < 4; j++) g[j] = (dl[0][j] - q * dl[1][j]) / (1 - q);
    g[0] -= 1 / k;
    g[2] += 1 / s - 1 / k;
  }
  return log(s / k) + l[0] + log1p(-q);
}

int cu_pareto_loglik(const double *p, double *ll, double *grad, void *data) {
  const cu_clv_data *d = data;
  double r = p[0], al = p[1], s = p[2], be = p[3];
  if (!(r > 0 && al > 0 && s > 0 && be > 0)) return -1;
  pthread_once(&gl_once, gl_init);
  const double *gx = GL_X, *gw = GL_W;
  double lgr = lgamma(r), lal = log(al), lbe = log(be), psr = cu_psi(r);
  double tot = 0, g[4] = {0, 0, 0, 0};
  double cur_x = -1, A1x = 0, dr_x = 0;
  pareto_series ps = {0};
  for (size_t i = 0; i < d->n; i++) {
    double x = d->x[i], tx = d->tx[i], T = d->T[i], w = d->w[i];
    if (x != cur_x) {
      cur_x = x;
      A1x = lgamma(r + x) - lgr;
      dr_x = cu_psi(r + x) - psr;
      series_prepare(&ps, p, x);
    }
    double laT = log(al + T), lbT = log(be + T);
    double C1 = -(r + x) * laT - s * lbT, gd[4];
    double D = tx < T ? pareto_log_d_series(&ps, p, x, tx, T, grad ? gd : NULL) : -INFINITY;
    if (isnan(D)) D = pareto_log_d(p, x, tx, T, gx, gw, grad ? gd : NULL);
    double L, w2 = 0;
    if (D == -INFINITY) {
      L = C1;
    } else {
      L = cu_log_add(C1, D, &w2);
    }
    double w1 = 1 - w2;
    tot += w * (A1x + r * lal + s * lbe + L);
    if (grad) {
      g[0] += w * (dr_x + lal - w1 * laT + (w2 > 0 ? w2 * gd[0] : 0));
      g[1] += w * (r / al - w1 * (r + x) / (al + T) + (w2 > 0 ? w2 * gd[1] : 0));
      g[2] += w * (lbe - w1 * lbT + (w2 > 0 ? w2 * gd[2] : 0));
      g[3] += w * (s / be - w1 * s / (be + T) + (w2 > 0 ? w2 * gd[3] : 0));
    }
  }
  if (!isfinite(tot)) return -1;
  *ll = tot;
  if (grad) memcpy(grad, g, sizeof g);
  return 0;
}

double cu_pareto_log_d(const double *p, double x, double tx, double T, int method, double *grad) {
  double D = NAN;
  if (!(tx < T)) return -INFINITY;
  if (method != 2) {
    pareto_series ps;
    series_prepare(&ps, p, x);
    D = pareto_log_d_series(&ps, p, x, tx, T, grad);
  }
  if (isnan(D) && method != 1) {
    pthread_once(&gl_once, gl_init);
    D = pareto_log_d(p, x, tx, T, GL_X, GL_W, grad);
  }
  return D;
}

double cu_pareto_p_alive(const double *p, double x, double tx, double T) {
  double r = p[0], al = p[1], s = p[2], be = p[3];
  double C1 = -(r + x) * log(al + T) - s * log(be + T);
  double D = cu_pareto_log_d(p, x, tx, T, 0, NULL);
  return D == -INFINITY ? 1 : 1 / (1 + exp(D - C1));
}

/* E[X(t)] = r beta / (alpha (s-1)) [1 - (beta/(beta+t))^(s-1)] (s = 1 by
 * its limit, r beta / alpha ln(1 + t/beta)) */
double cu_pareto_expected(const double *p, double t) {
  double r = p[0], al = p[1], s = p[2], be = p[3];
  if (fabs(s - 1) < 1e-10) return r * be / al * log1p(t / be);
  return r * be / (al * (s - 1)) * -expm1((s - 1) * log(be / (be + t)));
}

double cu_pareto_conditional(const double *p, double t, double x, double tx, double T) {
  double r = p[0], al = p[1], s = p[2], be = p[3];
  double pa = cu_pareto_p_alive(p, x, tx, T), rate = (r + x) / (al + T);
  if (fabs(s - 1) < 1e-10) return rate * (be + T) * log1p(t / (be + T)) * pa;
  return rate * (be + T) / (s - 1) * -expm1((s - 1) * log((be + T) / (be + T + t))) * pa;
}

typedef struct pmf_ctx {
  double r, al, s, be, n;
} pmf_ctx;

/* NBD(n; tau) times the lifetime's density s beta^s (beta+tau)^-(s+1) */
static double pareto_pmf_integrand(double tau, void *v) {
  const pmf_ctx *c = v;
  return exp(cu_clv_nbd_log_pmf(c->r, c->al, tau, c->n) + log(c->s) + c->s * log(c->be) -
             (c->s + 1) * log(c->be + tau));
}

/* P(X(t) = n): alive at t (probability (beta/(beta+t))^s) with NBD(n; t)
 * purchases, or died at tau in (0, t] with NBD(n; tau); the integral by
 * GSL's adaptive Gauss-Kronrod.  NaN if it does not reach 1e-10. */
double cu_pareto_pmf(const double *p, double t, int n) {
  pmf_ctx c = {p[0], p[1], p[2], p[3], n};
  double alive = exp(cu_clv_nbd_log_pmf(c.r, c.al, t, n) + c.s * log(c.be / (c.be + t)));
  if (!(t > 0)) return n == 0 ? 1 : 0;
  gsl_integration_workspace *w = gsl_integration_workspace_alloc(200);
  if (!w) return NAN;
  gsl_function F = {pareto_pmf_integrand, &c};
  double died, err;
  int st = gsl_integration_qag(&F, 0, t, 1e-15, 1e-10, 200, GSL_INTEG_GAUSS31, w, &died, &err);
  gsl_integration_workspace_free(w);
  return st == GSL_SUCCESS ? alive + died : NAN;
}

int cu_pareto_simulate(double *x, double *tx, double *xh, const double *T, size_t n,
                       const double *p, double holdout, unsigned long seed, cu_err *e) {
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  if (!rng) return cu_err_set(e, CU_ENOMEM, "out of memory");
  gsl_rng_set(rng, seed ? seed : 1);
  for (size_t i = 0; i < n; i++) {
    double lambda = gsl_ran_gamma(rng, p[0], 1 / p[1]), mu = gsl_ran_gamma(rng, p[2], 1 / p[3]);
    double death = gsl_ran_exponential(rng, 1 / mu);
    double end = fmin(death, T[i] + (holdout > 0 ? holdout : 0)), t = 0, last = 0;
    int k = 0, kh = 0;
    for (;;) {
      t += gsl_ran_exponential(rng, 1 / lambda);
      if (t > end) break;
      if (t <= T[i]) {
        k++;
        last = t;
      } else {
        kh++;
      }
    }
    x[i] = k;
    tx[i] = last;
    if (xh) xh[i] = kh;
  }
  gsl_rng_free(rng);
  return CU_OK;
}

int cu_pareto_fit(cu_fit *out, const cu_clv_data *d, const cu_fit_options *o, cu_err *e) {
  double start[4];
  cu_clv_nbd_start(d, start);
  start[2] = 1; /* lifetimes of about a year in weekly units */
  start[3] = 10;
  return cu_clv_fit_from(out, cu_pareto_loglik, d, o, start, e);
}

