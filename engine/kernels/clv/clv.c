/* clv.c: BG/NBD and Gamma-Gamma likelihoods, predictions, and the
 * maximum-likelihood driver.
 *
 * BG/NBD: Fader, Hardie & Lee (2005), "Counting your customers the easy
 * way", Marketing Science 24(2), eq. 6 for the likelihood, eq. 8 for
 * P(X(t) = x), eq. 9 for E[X(t)], eq. 10 for the conditional expectation;
 * log-space form and gradients as in Fader, Hardie & Lee, "Implementing the
 * BG/NBD model" (2005 note).  Gamma-Gamma: Fader, Hardie & Lee (2005b),
 * "RFM and CLV: using iso-value curves", and Fader & Hardie, "The
 * Gamma-Gamma model of monetary value" (2013 note).
 *
 * The driver minimises the negative mean log-likelihood (plus an optional
 * L2 penalty, lifetimes' penalizer_coef) over log parameters with GSL's
 * vector_bfgs2, falling back to nmsimplex2 and to other starts; standard
 * errors come from the inverse of a central-difference Hessian of the
 * analytic gradient. */
#include "clv.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_hyperg.h>
#include <gsl/gsl_sf_psi.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ data -- */

typedef struct row {
  double x, tx, T, m, w;
} row;

static int cmp_row(const void *p, const void *q) {
  const row *a = p, *b = q;
  if (a->x != b->x) return a->x < b->x ? -1 : 1;
  if (a->T != b->T) return a->T < b->T ? -1 : 1;
  if (a->tx != b->tx) return a->tx < b->tx ? -1 : 1;
  return (a->m > b->m) - (a->m < b->m);
}

void cu_clv_data_free(cu_clv_data *d) {
  free(d->x);
  free(d->tx);
  free(d->T);
  free(d->m);
  free(d->w);
  memset(d, 0, sizeof *d);
}

int cu_clv_data_make(cu_clv_data *out, const double *x, const double *tx, const double *T,
                     const double *m, const double *w, size_t n, cu_err *e) {
  memset(out, 0, sizeof *out);
  row *r = malloc((n ? n : 1) * sizeof *r);
  if (!r) return cu_err_set(e, CU_ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    row v = {x[i], tx[i], T[i], m ? m[i] : 0, w ? w[i] : 1};
    const char *bad = NULL;
    if (!isfinite(v.x) || !isfinite(v.tx) || !isfinite(v.T) || !isfinite(v.m) || !isfinite(v.w))
      bad = "a value is missing or not finite";
    else if (v.x < 0 || v.x != floor(v.x))
      bad = "frequency must be a whole number >= 0";
    else if (v.tx < 0 || v.T < 0)
      bad = "recency and T must be >= 0";
    else if (v.tx > v.T * (1 + 1e-12) + 1e-12)
      bad = "recency is greater than T";
    else if (v.w < 0)
      bad = "weight must be >= 0";
    else if (m && v.m < 0)
      bad = "monetary value must be >= 0";
    if (bad) {
      free(r);
      return cu_err_set(e, CU_EARG, "customer row %zu: %s (frequency %g, recency %g, T %g)", i + 1,
                        bad, v.x, v.tx, v.T);
    }
    r[i] = v;
  }
  qsort(r, n, sizeof *r, cmp_row);
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (r[i].w == 0) continue;
    if (k > 0 && cmp_row(&r[k - 1], &r[i]) == 0)
      r[k - 1].w += r[i].w;
    else
      r[k++] = r[i];
  }
  out->n = k;
  out->x = malloc((k ? k : 1) * sizeof(double));
  out->tx = malloc((k ? k : 1) * sizeof(double));
  out->T = malloc((k ? k : 1) * sizeof(double));
  out->w = malloc((k ? k : 1) * sizeof(double));
  out->m = m ? malloc((k ? k : 1) * sizeof(double)) : NULL;
  if (!out->x || !out->tx || !out->T || !out->w || (m && !out->m)) {
    free(r);
    cu_clv_data_free(out);
    return cu_err_set(e, CU_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < k; i++) {
    out->x[i] = r[i].x;
    out->tx[i] = r[i].tx;
    out->T[i] = r[i].T;
    out->w[i] = r[i].w;
    if (m) out->m[i] = r[i].m;
    out->total_w += r[i].w;
  }
  free(r);
  return CU_OK;
}

/* ---------------------------------------------------------------- helpers -- */

static double psi(double v) { return gsl_sf_psi(v); }

double cu_hyp2f1(double a, double b, double c, double z) {
  gsl_sf_result res;
  if (z == 0) return 1;
  if (gsl_sf_hyperg_2F1_e(a, b, c, z, &res) == GSL_SUCCESS && isfinite(res.val)) return res.val;
  /* the series: term ratio (a+k)(b+k) z / ((c+k)(k+1)) */
  double term = 1, sum = 1;
  for (int k = 0; k < 100000; k++) {
    term *= (a + k) * (b + k) / ((c + k) * (k + 1)) * z;
    sum += term;
    if (fabs(term) < 1e-16 * fabs(sum)) return sum;
  }
  return NAN;
}

/* ------------------------------------------------------------------ BG/NBD -- */

int cu_bgnbd_loglik(const double *p, double *ll, double *grad, void *data) {
  const cu_clv_data *d = data;
  double r = p[0], al = p[1], a = p[2], b = p[3];
  if (!(r > 0 && al > 0 && a > 0 && b > 0)) return -1;
  double lgr = lgamma(r), lab = lgamma(a + b), lb = lgamma(b), lal = log(al);
  double psr = psi(r), psab = psi(a + b), psb = psi(b);
  double s = 0, g[4] = {0, 0, 0, 0};
  double cur_x = -1, A1x = 0, A2x = 0, dr_x = 0, da_x = 0, db_x = 0, c4 = 0, inv_bx = 0;
  double cur_T = -1, lT = 0, la = log(a);
  for (size_t i = 0; i < d->n; i++) {
    double x = d->x[i], tx = d->tx[i], T = d->T[i], w = d->w[i];
    if (x != cur_x) { /* rows are sorted by x, then T: work shared by a group once */
      cur_x = x;
      A1x = lgamma(r + x) - lgr;
      A2x = lab + lgamma(b + x) - lb - lgamma(a + b + x);
      dr_x = psi(r + x) - psr;
      da_x = psab - psi(a + b + x);
      db_x = psab + psi(b + x) - psb - psi(a + b + x);
      c4 = x > 0 ? la - log(b + x - 1) : 0;
      inv_bx = x > 0 ? 1 / (b + x - 1) : 0;
      cur_T = -1;
    }
    if (T != cur_T) {
      cur_T = T;
      lT = log(al + T);
    }
    double A3 = -(r + x) * lT, L = A3, w4 = 0, ltx = 0;
    if (x > 0) { /* L = log(e^A3 + e^A4), w4 = e^(A4 - L), with one exp and one log1p */
      ltx = log(al + tx);
      double A4 = c4 - (r + x) * ltx, dlt = A4 - A3;
      if (dlt < 0) {
        double ex = exp(dlt);
        L = A3 + log(1 + ex); /* ex in (0, 1]: log1p buys nothing here and is slow */
        w4 = ex / (1 + ex);
      } else {
        double ex = exp(-dlt);
        L = A4 + log(1 + ex);
        w4 = 1 / (1 + ex);
      }
    }
    double w3 = 1 - w4;
    s += w * (A1x + r * lal + A2x + L);
    if (grad) {
      g[0] += w * (dr_x + lal - w3 * lT - w4 * ltx);
      g[1] += w * (r / al - w3 * (r + x) / (al + T) - (x > 0 ? w4 * (r + x) / (al + tx) : 0));
      g[2] += w * (da_x + (x > 0 ? w4 / a : 0));
      g[3] += w * (db_x - w4 * inv_bx);
    }
  }
  if (!isfinite(s)) return -1;
  *ll = s;
  if (grad) memcpy(grad, g, sizeof g);
  return 0;
}

double cu_bgnbd_expected(const double *p, double t) {
  double r = p[0], al = p[1], a = p[2], b = p[3];
  double z = t / (al + t); /* (a + b - 1) / (a - 1): a = 1 is a removable point */
  return (a + b - 1) / (a - 1) * (1 - pow(al / (al + t), r) * cu_hyp2f1(r, b, a + b - 1, z));
}

double cu_bgnbd_p_alive(const double *p, double x, double tx, double T) {
  double r = p[0], al = p[1], a = p[2], b = p[3];
  if (x == 0) return 1;
  double lodds = log(a) - log(b + x - 1) + (r + x) * (log(al + T) - log(al + tx));
  return 1 / (1 + exp(lodds));
}

double cu_bgnbd_conditional(const double *p, double t, double x, double tx, double T) {
  double r = p[0], al = p[1], a = p[2], b = p[3];
  double z = t / (al + T + t);
  double h = cu_hyp2f1(r + x, b + x, a + b + x - 1, z);
  double lead = (a + b + x - 1) / (a - 1);
  double part = 1 - exp((r + x) * (log(al + T) - log(al + T + t))) * h;
  return lead * part * cu_bgnbd_p_alive(p, x, tx, T);
}

/* The NBD: purchases in (0, t] of a customer alive throughout, lambda ~
 * Gamma(r, alpha).  ln P(N(t) = n), and P(N(t) >= n) as a regularised
 * incomplete beta function (exact in the tail, where 1 - cdf cancels). */
static double nbd_log_pmf(double r, double al, double t, double n) {
  return lgamma(r + n) - lgamma(r) - lgamma(n + 1) + r * log(al / (al + t)) +
         (n > 0 ? n * log(t / (al + t)) : 0);
}

static double nbd_tail(double r, double al, double t, double n) {
  if (n <= 0) return 1;
  gsl_sf_result res;
  int st = gsl_sf_beta_inc_e(n, r, t / (al + t), &res);
  return st == GSL_SUCCESS ? res.val : st == GSL_EUNDRFLW ? 0 : NAN;
}

static double lbeta(double a, double b) { return lgamma(a) + lgamma(b) - lgamma(a + b); }

/* P(X(t) = n) = B(a, b+n)/B(a,b) NBD(n) + B(a+1, b+n-1)/B(a,b) P(N >= n),
 * the second for n > 0: alive after all n purchases, or died after the
 * n-th (eq. 8 of the paper). */
double cu_bgnbd_pmf(const double *p, double t, int n) {
  double r = p[0], al = p[1], a = p[2], b = p[3], lb = lbeta(a, b);
  double v = exp(lbeta(a, b + n) - lb + nbd_log_pmf(r, al, t, n));
  if (n > 0) v += exp(lbeta(a + 1, b + n - 1) - lb) * nbd_tail(r, al, t, n);
  return v;
}

/* ----------------------------------------------------------------- MBG/NBD -- */

/* LL = ln G(r+x) - ln G(r) + r ln alpha
 *    + ln[ B(a, b+x+1)/B(a,b) (alpha+T)^-(r+x) + B(a+1, b+x)/B(a,b) (alpha+t_x)^-(r+x) ]
 * (the second term for every x: the customer may drop right after the
 * first purchase, at t_x = 0 when x = 0). */
int cu_mbgnbd_loglik(const double *p, double *ll, double *grad, void *data) {
  const cu_clv_data *d = data;
  double r = p[0], al = p[1], a = p[2], b = p[3];
  if (!(r > 0 && al > 0 && a > 0 && b > 0)) return -1;
  double lgr = lgamma(r), lal = log(al), la = log(a);
  double psr = psi(r), psab = psi(a + b), psb = psi(b);
  double s = 0, g[4] = {0, 0, 0, 0};
  double cur_x = -1, A1x = 0, dr_x = 0, B3 = 0, B4 = 0, da3 = 0, db3 = 0, da4 = 0, db4 = 0;
  double cur_T = -1, lT = 0;
  for (size_t i = 0; i < d->n; i++) {
    double x = d->x[i], tx = d->tx[i], T = d->T[i], w = d->w[i];
    if (x != cur_x) {
      cur_x = x;
      A1x = lgamma(r + x) - lgr;
      dr_x = psi(r + x) - psr;
      /* ln B(a, b+x+1) - ln B(a, b) and ln B(a+1, b+x) - ln B(a, b) */
      B3 = lgamma(b + x + 1) - lgamma(a + b + x + 1) + lgamma(a + b) - lgamma(b);
      B4 = la + lgamma(b + x) - lgamma(a + b + x + 1) + lgamma(a + b) - lgamma(b);
      double ps1 = psi(a + b + x + 1);
      da3 = -ps1 + psab;
      db3 = psi(b + x + 1) - ps1 + psab - psb;
      da4 = 1 / a - ps1 + psab;
      db4 = psi(b + x) - ps1 + psab - psb;
      cur_T = -1;
    }
    if (T != cur_T) {
      cur_T = T;
      lT = log(al + T);
    }
    double ltx = log(al + tx);
    double A3 = B3 - (r + x) * lT, A4 = B4 - (r + x) * ltx, dlt = A4 - A3, L, w4;
    if (dlt < 0) {
      double ex = exp(dlt);
      L = A3 + log(1 + ex);
      w4 = ex / (1 + ex);
    } else {
      double ex = exp(-dlt);
      L = A4 + log(1 + ex);
      w4 = 1 / (1 + ex);
    }
    double w3 = 1 - w4;
    s += w * (A1x + r * lal + L);
    if (grad) {
      g[0] += w * (dr_x + lal - w3 * lT - w4 * ltx);
      g[1] += w * (r / al - w3 * (r + x) / (al + T) - w4 * (r + x) / (al + tx));
      g[2] += w * (w3 * da3 + w4 * da4);
      g[3] += w * (w3 * db3 + w4 * db4);
    }
  }
  if (!isfinite(s)) return -1;
  *ll = s;
  if (grad) memcpy(grad, g, sizeof g);
  return 0;
}

double cu_mbgnbd_p_alive(const double *p, double x, double tx, double T) {
  double r = p[0], al = p[1], a = p[2], b = p[3];
  double lodds = log(a) - log(b + x) + (r + x) * (log(al + T) - log(al + tx));
  return 1 / (1 + exp(lodds));
}

/* E[X(t)] = b/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, a+b-1... )]: derived as
 * for BG/NBD with one more dropout chance; here by the same route as the
 * conditional expectation with x = 0, t_x = 0, T = 0 and P(alive) = b/(a+b). */
double cu_mbgnbd_conditional(const double *p, double t, double x, double tx, double T) {
  double r = p[0], al = p[1], a = p[2], b = p[3];
  double z = t / (al + T + t);
  double h = cu_hyp2f1(r + x, b + x + 1, a + b + x, z);
  double lead = (a + b + x) / (a - 1);
  double part = 1 - exp((r + x) * (log(al + T) - log(al + T + t))) * h;
  return lead * part * cu_mbgnbd_p_alive(p, x, tx, T);
}

double cu_mbgnbd_expected(const double *p, double t) {
  return cu_mbgnbd_conditional(p, t, 0, 0, 0);
}

/* As BG/NBD's, with the drop-out chance also at time 0: alive after the
 * start and all n purchases, B(a, b+n+1)/B(a,b) NBD(n), or dropped after
 * the n-th (the start when n = 0), B(a+1, b+n)/B(a,b) P(N >= n). */
double cu_mbgnbd_pmf(const double *p, double t, int n) {
  double r = p[0], al = p[1], a = p[2], b = p[3], lb = lbeta(a, b);
  return exp(lbeta(a, b + n + 1) - lb + nbd_log_pmf(r, al, t, n)) +
         exp(lbeta(a + 1, b + n) - lb) * nbd_tail(r, al, t, n);
}

/* -------------------------------------------------------------- simulation -- */

int cu_bgnbd_simulate(double *x, double *tx, double *xh, const double *T, size_t n, const double *p,
                      int mbg, double holdout, double resolution, unsigned long seed, cu_err *e) {
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  if (!rng) return cu_err_set(e, CU_ENOMEM, "out of memory");
  gsl_rng_set(rng, seed ? seed : 1);
  for (size_t i = 0; i < n; i++) {
    double lambda = gsl_ran_gamma(rng, p[0], 1 / p[1]); /* shape r, rate alpha */
    double drop = gsl_ran_beta(rng, p[2], p[3]);
    double t = 0, last = 0, end = T[i] + (holdout > 0 ? holdout : 0);
    int alive = !(mbg && gsl_rng_uniform(rng) < drop), k = 0, kh = 0;
    /* the first purchase falls at a random time of its day, so recency
     * recorded in whole days is right on average (E floor(u + t) = t) */
    double u0 = resolution > 0 ? gsl_rng_uniform(rng) * resolution : 0;
    while (alive) {
      t += gsl_ran_exponential(rng, 1 / lambda);
      if (t > end) break;
      double at = resolution > 0 ? fmin(floor((u0 + t) / resolution) * resolution, T[i]) : t;
      if (t <= T[i]) {
        k++;
        last = at;
      } else {
        kh++;
      }
      if (gsl_rng_uniform(rng) < drop) alive = 0;
    }
    x[i] = k;
    tx[i] = last;
    if (xh) xh[i] = kh;
  }
  gsl_rng_free(rng);
  return CU_OK;
}

/* A start for BG/NBD-like models by moments: the purchase rates x / T
 * have mean r / alpha and, net of Poisson noise (mean / T), variance
 * r / alpha^2; the dropout parameters start at a = 1, b = 2.  A start near
 * the optimum saves most iterations; the driver still tries others. */
static void nbd_start(const cu_clv_data *d, double *p) {
  double sw = 0, m = 0, m2 = 0, tsum = 0;
  for (size_t i = 0; i < d->n; i++) {
    if (!(d->T[i] > 0)) continue;
    double rate = d->x[i] / d->T[i];
    sw += d->w[i];
    m += d->w[i] * rate;
    m2 += d->w[i] * rate * rate;
    tsum += d->w[i] * d->T[i];
  }
  p[0] = 1, p[1] = 1, p[2] = 1, p[3] = 2;
  if (!(sw > 0 && m > 0)) return;
  m /= sw;
  double v = m2 / sw - m * m - m / (tsum / sw);
  if (!(v > 0)) v = m * m; /* r = 1 */
  double alpha = m / v, r = m * alpha;
  p[0] = fmin(fmax(r, 0.01), 100);
  p[1] = fmin(fmax(alpha, 0.01), 1e4);
}

/* Fits a four-parameter model from `start` unless the options give one. */
static int fit_from(cu_fit *out, cu_loglik_fn fn, const cu_clv_data *d, const cu_fit_options *o,
                    const double *start, cu_err *e) {
  cu_fit_options oo = o ? *o : (cu_fit_options){0};
  if (!oo.start) oo.start = start;
  return cu_fit_mle(out, 4, fn, (void *)d, d->total_w, &oo, e);
}

/* -------------------------------------------------------------- Pareto/NBD -- */

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
  double gx[GL_N], gw[GL_N];
  gauss_legendre(gx, gw);
  double lgr = lgamma(r), lal = log(al), lbe = log(be), psr = psi(r);
  double tot = 0, g[4] = {0, 0, 0, 0};
  double cur_x = -1, A1x = 0, dr_x = 0;
  pareto_series ps = {0};
  for (size_t i = 0; i < d->n; i++) {
    double x = d->x[i], tx = d->tx[i], T = d->T[i], w = d->w[i];
    if (x != cur_x) {
      cur_x = x;
      A1x = lgamma(r + x) - lgr;
      dr_x = psi(r + x) - psr;
      series_prepare(&ps, p, x);
    }
    double laT = log(al + T), lbT = log(be + T);
    double C1 = -(r + x) * laT - s * lbT, gd[4];
    double D = tx < T ? pareto_log_d_series(&ps, p, x, tx, T, grad ? gd : NULL) : -INFINITY;
    if (isnan(D)) D = pareto_log_d(p, x, tx, T, gx, gw, grad ? gd : NULL);
    double L, w2 = 0;
    if (D == -INFINITY) {
      L = C1;
    } else if (D < C1) {
      double ex = exp(D - C1);
      L = C1 + log(1 + ex);
      w2 = ex / (1 + ex);
    } else {
      double ex = exp(C1 - D);
      L = D + log(1 + ex);
      w2 = 1 / (1 + ex);
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
  double gx[GL_N], gw[GL_N], D = NAN;
  if (!(tx < T)) return -INFINITY;
  if (method != 2) {
    pareto_series ps;
    series_prepare(&ps, p, x);
    D = pareto_log_d_series(&ps, p, x, tx, T, grad);
  }
  if (isnan(D) && method != 1) {
    gauss_legendre(gx, gw);
    D = pareto_log_d(p, x, tx, T, gx, gw, grad);
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
  return exp(nbd_log_pmf(c->r, c->al, tau, c->n) + log(c->s) + c->s * log(c->be) -
             (c->s + 1) * log(c->be + tau));
}

/* P(X(t) = n): alive at t (probability (beta/(beta+t))^s) with NBD(n; t)
 * purchases, or died at tau in (0, t] with NBD(n; tau); the integral by
 * GSL's adaptive Gauss-Kronrod.  NaN if it does not reach 1e-10. */
double cu_pareto_pmf(const double *p, double t, int n) {
  pmf_ctx c = {p[0], p[1], p[2], p[3], n};
  double alive = exp(nbd_log_pmf(c.r, c.al, t, n) + c.s * log(c.be / (c.be + t)));
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
  nbd_start(d, start);
  start[2] = 1; /* lifetimes of about a year in weekly units */
  start[3] = 10;
  return fit_from(out, cu_pareto_loglik, d, o, start, e);
}

/* ------------------------------------------------------------------- BG/BB -- */

/* L = B(a+x, b+n-x)/B(a,b) B(g, d+n)/B(g,d)
 *   + sum_{i=0}^{n-t_x-1} B(a+x, b+t_x-x+i)/B(a,b) B(g+1, d+t_x+i)/B(g,d)
 * (alive through n; or died before opportunity t_x+i+1), as a log-sum-exp;
 * each term's derivatives are digamma differences. */
int cu_bgbb_loglik(const double *p, double *ll, double *grad, void *data) {
  const cu_clv_data *d = data;
  double al = p[0], be = p[1], ga = p[2], de = p[3];
  if (!(al > 0 && be > 0 && ga > 0 && de > 0)) return -1;
  double lB1 = lbeta(al, be), lB2 = lbeta(ga, de);
  double ps_a = psi(al), ps_b = psi(be), ps_ab = psi(al + be), ps_g = psi(ga), ps_d = psi(de),
         ps_gd = psi(ga + de);
  double tot = 0, g[4] = {0, 0, 0, 0};
  for (size_t i = 0; i < d->n; i++) {
    double x = d->x[i], tx = d->tx[i], n = d->T[i], w = d->w[i];
    int terms = (int)(n - tx) + 1;
    double mx = -INFINITY, lt[4096], dt[4096][4];
    if (terms > 4096) return -1;
    for (int j = 0; j < terms; j++) {
      /* j = 0: alive through n; j > 0: died before opportunity t_x + j */
      double bb = j == 0 ? be + n - x : be + tx - x + (j - 1);
      double gg = j == 0 ? ga : ga + 1, dd = j == 0 ? de + n : de + tx + (j - 1);
      lt[j] = lbeta(al + x, bb) - lB1 + lbeta(gg, dd) - lB2;
      if (lt[j] > mx) mx = lt[j];
      if (grad) {
        double s1 = psi(al + x + bb), s2 = psi(gg + dd);
        dt[j][0] = psi(al + x) - s1 - ps_a + ps_ab;
        dt[j][1] = psi(bb) - s1 - ps_b + ps_ab;
        dt[j][2] = psi(gg) - s2 - ps_g + ps_gd;
        dt[j][3] = psi(dd) - s2 - ps_d + ps_gd;
      }
    }
    double sum = 0;
    for (int j = 0; j < terms; j++) sum += exp(lt[j] - mx);
    double L = mx + log(sum);
    tot += w * L;
    if (grad)
      for (int j = 0; j < terms; j++) {
        double wj = exp(lt[j] - L);
        for (int k = 0; k < 4; k++) g[k] += w * wj * dt[j][k];
      }
  }
  if (!isfinite(tot)) return -1;
  *ll = tot;
  if (grad) memcpy(grad, g, sizeof g);
  return 0;
}

int cu_bgbb_fit(cu_fit *out, const cu_clv_data *d, const cu_fit_options *o, cu_err *e) {
  for (size_t i = 0; i < d->n; i++) {
    double x = d->x[i], tx = d->tx[i], n = d->T[i];
    if (tx != floor(tx) || n != floor(n) || x > tx || tx > n || n > 4095)
      return cu_err_set(e, CU_EARG,
                        "BG/BB needs whole opportunities with frequency <= recency <= n "
                        "(n at most 4095); got frequency %g, recency %g, n %g",
                        x, tx, n);
  }
  return cu_fit_mle(out, 4, cu_bgbb_loglik, (void *)d, d->total_w, o, e);
}

static double bgbb_l(const double *p, double x, double tx, double n) {
  double ll, one = 1;
  cu_clv_data d = {1, &x, &tx, &n, NULL, &one, 1};
  return cu_bgbb_loglik(p, &ll, NULL, &d) ? NAN : ll;
}

double cu_bgbb_p_alive(const double *p, double x, double tx, double n) {
  double al = p[0], be = p[1], ga = p[2], de = p[3];
  double la = lbeta(al + x, be + n - x) - lbeta(al, be) + lbeta(ga, de + n + 1) - lbeta(ga, de);
  return exp(la - bgbb_l(p, x, tx, n));
}

/* Fader, Hardie & Shang (2010), eq. 13 and 7 */
double cu_bgbb_conditional(const double *p, double m, double x, double tx, double n) {
  double al = p[0], be = p[1], ga = p[2], de = p[3];
  double lead = lbeta(al + x + 1, be + n - x) - lbeta(al, be) - bgbb_l(p, x, tx, n);
  double c = de / (ga - 1) * exp(lgamma(ga + de) - lgamma(1 + de));
  double part = exp(lgamma(1 + de + n) - lgamma(ga + de + n)) -
                exp(lgamma(1 + de + n + m) - lgamma(ga + de + n + m));
  return exp(lead) * c * part;
}

double cu_bgbb_expected(const double *p, double n) {
  double al = p[0], be = p[1], ga = p[2], de = p[3];
  double ratio = exp(lgamma(ga + de) + lgamma(1 + de + n) - lgamma(ga + de + n) - lgamma(1 + de));
  return al / (al + be) * de / (ga - 1) * (1 - ratio);
}

/* P(X(n) = x) for a new customer over n opportunities (Fader, Hardie &
 * Shang 2010): alive for all n and x of them bought, or alive for i < n
 * (died before opportunity i+1) and x of those i bought. */
double cu_bgbb_pmf(const double *p, double n, int x) {
  double al = p[0], be = p[1], ga = p[2], de = p[3];
  if (x < 0 || x > n) return 0;
  double lab = lbeta(al, be), lgd = lbeta(ga, de);
  double lc = lgamma(n + 1) - lgamma(x + 1.0) - lgamma(n - x + 1);
  double v = exp(lc + lbeta(al + x, be + n - x) - lab + lbeta(ga, de + n) - lgd);
  for (double i = x; i < n; i++) {
    lc = lgamma(i + 1) - lgamma(x + 1.0) - lgamma(i - x + 1);
    v += exp(lc + lbeta(al + x, be + i - x) - lab + lbeta(ga + 1, de + i) - lgd);
  }
  return v;
}

int cu_bgbb_simulate(double *x, double *tx, double *xh, size_t count, const double *p, int n,
                     int holdout, unsigned long seed, cu_err *e) {
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  if (!rng) return cu_err_set(e, CU_ENOMEM, "out of memory");
  gsl_rng_set(rng, seed ? seed : 1);
  for (size_t i = 0; i < count; i++) {
    double buy = gsl_ran_beta(rng, p[0], p[1]), die = gsl_ran_beta(rng, p[2], p[3]);
    int k = 0, last = 0, kh = 0;
    for (int t = 1; t <= n + holdout; t++) {
      if (gsl_rng_uniform(rng) < die) break; /* dies before opportunity t */
      if (gsl_rng_uniform(rng) < buy) {
        if (t <= n) {
          k++;
          last = t;
        } else {
          kh++;
        }
      }
    }
    x[i] = k;
    tx[i] = last;
    if (xh) xh[i] = kh;
  }
  gsl_rng_free(rng);
  return CU_OK;
}

/* ------------------------------------------------------------ Gamma-Gamma -- */

int cu_gg_loglik(const double *pp, double *ll, double *grad, void *data) {
  const cu_clv_data *d = data;
  double p = pp[0], q = pp[1], g = pp[2];
  if (!(p > 0 && q > 0 && g > 0) || !d->m) return -1;
  double lq = lgamma(q), psq = psi(q), lg = log(g);
  double s = 0, gr[3] = {0, 0, 0};
  double cur_x = -1, lgx = 0, dpsi = 0, psx = 0, lx = 0;
  for (size_t i = 0; i < d->n; i++) {
    double x = d->x[i], m = d->m[i], w = d->w[i];
    if (x <= 0 || m <= 0) continue; /* the model is for repeat buyers */
    if (x != cur_x) {
      cur_x = x;
      lgx = lgamma(p * x + q) - lgamma(p * x) - lq;
      psx = psi(p * x + q);
      dpsi = psx - psi(p * x);
      lx = log(x);
    }
    double lm = log(m), lxm = log(g + m * x);
    s += w * (lgx + q * lg + (p * x - 1) * lm + p * x * lx - (p * x + q) * lxm);
    if (grad) {
      gr[0] += w * x * (dpsi + lm + lx - lxm);
      gr[1] += w * (psx - psq + lg - lxm);
      gr[2] += w * (q / g - (p * x + q) / (g + m * x));
    }
  }
  if (!isfinite(s)) return -1;
  *ll = s;
  if (grad) memcpy(grad, gr, sizeof gr);
  return 0;
}

double cu_gg_expected_spend(const double *pp, double x, double m) {
  double p = pp[0], q = pp[1], g = pp[2];
  return (p * (g + x * m)) / (p * x + q - 1);
}

/* -------------------------------------------------------------- the driver -- */

typedef struct objctx {
  size_t k;
  cu_loglik_fn fn;
  void *ud;
  double n_obs, pen;
  double *p, *g; /* scratch [k] each: parameters and gradient of one evaluation */
} objctx;

/* f and gradient in log parameters; NaN where the model cannot say */
static void objective(const gsl_vector *v, void *params, double *f, gsl_vector *df) {
  objctx *c = params;
  double *p = c->p, *g = c->g, ll;
  for (size_t j = 0; j < c->k; j++) {
    double th = gsl_vector_get(v, j);
    if (!(fabs(th) < 700)) {
      *f = GSL_NAN;
      if (df) gsl_vector_set_all(df, GSL_NAN);
      return;
    }
    p[j] = exp(th);
  }
  if (c->fn(p, &ll, g, c->ud)) {
    *f = GSL_NAN;
    if (df) gsl_vector_set_all(df, GSL_NAN);
    return;
  }
  double pen = 0;
  for (size_t j = 0; j < c->k; j++) pen += p[j] * p[j];
  *f = -ll / c->n_obs + c->pen * pen;
  if (df)
    for (size_t j = 0; j < c->k; j++)
      gsl_vector_set(df, j, p[j] * (-g[j] / c->n_obs + 2 * c->pen * p[j]));
}

static double obj_f(const gsl_vector *v, void *params) {
  double f;
  objective(v, params, &f, NULL);
  return f;
}
static void obj_df(const gsl_vector *v, void *params, gsl_vector *df) {
  double f;
  objective(v, params, &f, df);
}
static void obj_fdf(const gsl_vector *v, void *params, double *f, gsl_vector *df) {
  objective(v, params, f, df);
}

/* BFGS from theta (updated in place); returns the gradient norm reached. */
static double run_bfgs(objctx *c, gsl_vector *theta, int max_iter, double tol, int *iters) {
  gsl_multimin_function_fdf F = {obj_f, obj_df, obj_fdf, c->k, c};
  gsl_multimin_fdfminimizer *s =
      gsl_multimin_fdfminimizer_alloc(gsl_multimin_fdfminimizer_vector_bfgs2, c->k);
  if (!s) return INFINITY;
  double gnorm = INFINITY;
  if (gsl_multimin_fdfminimizer_set(s, &F, theta, 0.1, 0.1) == GSL_SUCCESS && isfinite(s->f)) {
    for (int it = 0; it < max_iter; it++) {
      (*iters)++;
      int st = gsl_multimin_fdfminimizer_iterate(s);
      if (!isfinite(s->f)) break;
      gnorm = gsl_blas_dnrm2(s->gradient);
      if (gnorm < tol || st) break;
    }
    if (isfinite(s->f)) {
      gsl_vector_memcpy(theta, s->x);
      gnorm = gsl_blas_dnrm2(s->gradient);
    }
  }
  gsl_multimin_fdfminimizer_free(s);
  return gnorm;
}

/* Damped Newton from theta, with the Hessian from differences of the
 * analytic gradient.  BFGS gets near the optimum in a few iterations but
 * then creeps along flat ridges (Pareto/NBD's s and beta take it 30 more);
 * Newton's steps follow the ridge, so a handful finish the job.  Returns
 * the gradient norm reached; theta only moves to points that lower f. */
static double run_newton(objctx *c, gsl_vector *theta, int max_iter, double tol, int *iters) {
  size_t k = c->k;
  gsl_vector *g = gsl_vector_alloc(k), *gh = gsl_vector_alloc(k), *d = gsl_vector_alloc(k);
  gsl_vector *trial = gsl_vector_alloc(k);
  gsl_matrix *H = gsl_matrix_alloc(k, k), *A = gsl_matrix_alloc(k, k);
  double f, gnorm = INFINITY, lambda = 1e-6;
  if (!g || !gh || !d || !trial || !H || !A) goto done;
  objective(theta, c, &f, g);
  for (int it = 0; it < max_iter && isfinite(f); it++) {
    gnorm = gsl_blas_dnrm2(g);
    if (!(gnorm >= tol)) break;
    (*iters)++;
    for (size_t j = 0; j < k; j++) { /* forward differences of the gradient */
      double fh, h = 1e-6 * (1 + fabs(gsl_vector_get(theta, j)));
      gsl_vector_memcpy(trial, theta);
      gsl_vector_set(trial, j, gsl_vector_get(theta, j) + h);
      objective(trial, c, &fh, gh);
      for (size_t i = 0; i < k; i++)
        gsl_matrix_set(H, i, j, (gsl_vector_get(gh, i) - gsl_vector_get(g, i)) / h);
    }
    int moved = 0;
    for (int tries = 0; tries < 12 && !moved; tries++, lambda *= 10) {
      for (size_t i = 0; i < k; i++) /* symmetrised, with a Levenberg-Marquardt shift */
        for (size_t j = 0; j < k; j++)
          gsl_matrix_set(A, i, j,
                         0.5 * (gsl_matrix_get(H, i, j) + gsl_matrix_get(H, j, i)) +
                             (i == j ? lambda * (1 + fabs(gsl_matrix_get(H, i, i))) : 0));
      if (gsl_linalg_cholesky_decomp1(A) != GSL_SUCCESS) continue;
      gsl_linalg_cholesky_solve(A, g, d);
      gsl_vector_memcpy(trial, theta);
      gsl_vector_sub(trial, d);
      double ft;
      objective(trial, c, &ft, gh);
      if (isfinite(ft) && ft <= f) {
        gsl_vector_memcpy(theta, trial);
        gsl_vector_memcpy(g, gh);
        f = ft;
        moved = 1;
        lambda = fmax(lambda / 100, 1e-9);
      }
    }
    if (!moved) break;
  }
  gnorm = isfinite(f) ? gsl_blas_dnrm2(g) : INFINITY;
done:
  gsl_vector_free(g);
  gsl_vector_free(gh);
  gsl_vector_free(d);
  gsl_vector_free(trial);
  gsl_matrix_free(H);
  gsl_matrix_free(A);
  return gnorm;
}

/* Nelder-Mead from theta, for when BFGS stalls on a bad start. */
static void run_simplex(objctx *c, gsl_vector *theta, int max_iter, int *iters) {
  gsl_multimin_function F = {obj_f, c->k, c};
  gsl_multimin_fminimizer *s =
      gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, c->k);
  gsl_vector *step = gsl_vector_alloc(c->k);
  if (s && step) {
    gsl_vector_set_all(step, 0.5);
    if (gsl_multimin_fminimizer_set(s, &F, theta, step) == GSL_SUCCESS && isfinite(s->fval)) {
      for (int it = 0; it < max_iter; it++) {
        (*iters)++;
        if (gsl_multimin_fminimizer_iterate(s)) break;
        if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(s), 1e-9) == GSL_SUCCESS) break;
      }
      if (isfinite(s->fval)) gsl_vector_memcpy(theta, s->x);
    }
  }
  gsl_vector_free(step);
  gsl_multimin_fminimizer_free(s);
}

static void standard_errors(cu_fit *out, objctx *c) {
  size_t k = c->k;
  double ll, *H = malloc((k * k + 3 * k) * sizeof *H);
  if (!H) {
    snprintf(out->message, sizeof out->message, "out of memory for the Hessian");
    return;
  }
  double *gp = H + k * k, *gm = gp + k, *p = gm + k;
  for (size_t j = 0; j < k; j++) {
    memcpy(p, out->p, k * sizeof *p);
    double h = 1e-5 * out->p[j];
    p[j] = out->p[j] + h;
    int bad = c->fn(p, &ll, gp, c->ud);
    p[j] = out->p[j] - h;
    bad |= c->fn(p, &ll, gm, c->ud);
    if (bad) {
      snprintf(out->message, sizeof out->message, "the Hessian could not be computed");
      free(H);
      return;
    }
    for (size_t i = 0; i < k; i++) H[i * k + j] = -(gp[i] - gm[i]) / (2 * h); /* of -LL */
  }
  gsl_matrix *M = gsl_matrix_alloc(k, k);
  if (!M) {
    free(H);
    return;
  }
  for (size_t i = 0; i < k; i++)
    for (size_t j = 0; j < k; j++) gsl_matrix_set(M, i, j, 0.5 * (H[i * k + j] + H[j * k + i]));
  free(H);
  if (gsl_linalg_cholesky_decomp1(M) == GSL_SUCCESS &&
      gsl_linalg_cholesky_invert(M) == GSL_SUCCESS) {
    int ok = 1;
    for (size_t i = 0; i < k; i++) {
      for (size_t j = 0; j < k; j++) out->cov[i * k + j] = gsl_matrix_get(M, i, j);
      ok &= out->cov[i * k + i] > 0;
      out->se[i] = ok ? sqrt(out->cov[i * k + i]) : 0;
    }
    out->has_se = ok;
  }
  if (!out->has_se)
    snprintf(out->message, sizeof out->message,
             "the Hessian is not positive definite: no standard errors");
  gsl_matrix_free(M);
}

int cu_fit_mle(cu_fit *out, size_t k, cu_loglik_fn fn, void *ud, double n_obs,
               const cu_fit_options *o, cu_err *e) {
  cu_fit_options defaults = {0};
  if (!o) o = &defaults;
  memset(out, 0, sizeof *out);
  out->k = k;
  out->n_obs = n_obs;
  if (k == 0 || !(n_obs > 0)) return cu_err_set(e, CU_EARG, "nothing to fit (%g customers)", n_obs);
  out->p = calloc(k, sizeof *out->p);
  out->se = calloc(k, sizeof *out->se);
  out->cov = calloc(k * k, sizeof *out->cov);
  double *scratch = malloc(2 * k * sizeof *scratch);
  int max_iter = o->max_iter > 0 ? o->max_iter : 500;
  double tol = o->tol > 0 ? o->tol : 1e-7;
  objctx c = {k, fn, ud, n_obs, o->penalizer, scratch, scratch ? scratch + k : NULL};
  gsl_vector *theta = gsl_vector_alloc(k), *best = gsl_vector_alloc(k);
  if (!theta || !best || !out->p || !out->se || !out->cov || !scratch) {
    gsl_vector_free(theta);
    gsl_vector_free(best);
    free(scratch);
    return cu_err_set(e, CU_ENOMEM, "out of memory");
  }
  static const double scales[] = {1, 0.5, 2, 0.1, 10};
  double best_f = INFINITY, best_g = INFINITY;
  int iters = 0, starts = 0;
  for (size_t s = 0; s < sizeof scales / sizeof scales[0]; s++) {
    starts++;
    for (size_t j = 0; j < k; j++)
      gsl_vector_set(theta, j, log((o->start ? o->start[j] : 1.0) * scales[s]));
    double g = run_bfgs(&c, theta, max_iter, fmax(tol, 1e-2), &iters);
    if (!(g < tol)) g = run_newton(&c, theta, 50, tol, &iters);
    if (!(g < tol)) g = run_bfgs(&c, theta, max_iter, tol, &iters);
    for (int round = 0; round < 3 && !(g < tol); round++) { /* stalled: shake and retry */
      run_simplex(&c, theta, 2000, &iters);
      g = run_bfgs(&c, theta, max_iter, tol, &iters);
    }
    double f = obj_f(theta, &c);
    if (isfinite(f) && (f < best_f - 1e-12 || (g < tol && !(best_g < tol)))) {
      best_f = f;
      best_g = g;
      gsl_vector_memcpy(best, theta);
    }
    if (g < tol) break; /* a converged start is enough */
  }
  out->iterations = iters;
  out->starts = starts;
  snprintf(out->method, sizeof out->method, "bfgs2");
  int st = CU_OK;
  if (!isfinite(best_f)) {
    st = cu_err_set(e, CU_ERANGE, "the likelihood could not be evaluated from any start");
  } else {
    for (size_t j = 0; j < k; j++) out->p[j] = exp(gsl_vector_get(best, j));
    double ll;
    fn(out->p, &ll, c.g, ud);
    out->loglik = ll;
    out->grad_norm = best_g;
    out->converged = best_g < tol;
    out->aic = 2.0 * (double)k - 2 * ll;
    out->bic = (double)k * log(n_obs) - 2 * ll;
    if (!out->converged)
      snprintf(out->message, sizeof out->message,
               "did not converge: gradient norm %.3g after %d iterations from %d starts", best_g,
               iters, starts);
    standard_errors(out, &c);
  }
  gsl_vector_free(theta);
  gsl_vector_free(best);
  free(scratch);
  return st;
}

void cu_fit_free(cu_fit *f) {
  if (!f) return;
  free(f->p);
  free(f->se);
  free(f->cov);
  f->p = f->se = f->cov = NULL;
}

int cu_bgnbd_fit(cu_fit *out, const cu_clv_data *d, const cu_fit_options *o, cu_err *e) {
  double start[4];
  nbd_start(d, start);
  return fit_from(out, cu_bgnbd_loglik, d, o, start, e);
}

int cu_gg_fit(cu_fit *out, const cu_clv_data *d, const cu_fit_options *o, cu_err *e) {
  if (!d->m) return cu_err_set(e, CU_EARG, "Gamma-Gamma needs the monetary values");
  double n = 0;
  for (size_t i = 0; i < d->n; i++)
    if (d->x[i] > 0 && d->m[i] > 0) n += d->w[i];
  if (n == 0) return cu_err_set(e, CU_EARG, "Gamma-Gamma needs customers with repeat purchases");
  return cu_fit_mle(out, 3, cu_gg_loglik, (void *)d, n, o, e);
}

int cu_mbgnbd_fit(cu_fit *out, const cu_clv_data *d, const cu_fit_options *o, cu_err *e) {
  double start[4];
  nbd_start(d, start);
  return fit_from(out, cu_mbgnbd_loglik, d, o, start, e);
}
