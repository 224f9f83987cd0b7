/* clv.c: the customer data, BG/NBD, MBG/NBD and Gamma-Gamma likelihoods,
 * predictions and simulators (Pareto/NBD: pareto.c; BG/BB: bgbb.c; sBG:
 * sbg.c; the maximum-likelihood driver: clv_mle.c).
 *
 * BG/NBD: Fader, Hardie & Lee (2005), "Counting your customers the easy
 * way", Marketing Science 24(2), eq. 6 for the likelihood, eq. 8 for
 * P(X(t) = x), eq. 9 for E[X(t)], eq. 10 for the conditional expectation;
 * log-space form and gradients as in Fader, Hardie & Lee, "Implementing the
 * BG/NBD model" (2005 note).  Gamma-Gamma: Fader, Hardie & Lee (2005b),
 * "RFM and CLV: using iso-value curves", and Fader & Hardie, "The
 * Gamma-Gamma model of monetary value" (2013 note).
 *
 * Each model's fit hands its log-likelihood to cu_fit_mle (clv_mle.c). */
#include "clv.h"
#include "clv_internal.h"

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
  double psr = cu_psi(r), psab = cu_psi(a + b), psb = cu_psi(b);
  double s = 0, g[4] = {0, 0, 0, 0};
  double cur_x = -1, A1x = 0, A2x = 0, dr_x = 0, da_x = 0, db_x = 0, c4 = 0, inv_bx = 0;
  double cur_T = -1, lT = 0, la = log(a);
  for (size_t i = 0; i < d->n; i++) {
    double x = d->x[i], tx = d->tx[i], T = d->T[i], w = d->w[i];
    if (x != cur_x) { /* rows are sorted by x, then T: work shared by a group once */
      cur_x = x;
      A1x = lgamma(r + x) - lgr;
      A2x = lab + lgamma(b + x) - lb - lgamma(a + b + x);
      dr_x = cu_psi(r + x) - psr;
      da_x = psab - cu_psi(a + b + x);
      db_x = psab + cu_psi(b + x) - psb - cu_psi(a + b + x);
      c4 = x > 0 ? la - log(b + x - 1) : 0;
      inv_bx = x > 0 ? 1 / (b + x - 1) : 0;
      cur_T = -1;
    }
    if (T != cur_T) {
      cur_T = T;
      lT = log(al + T);
    }
    double A3 = -(r + x) * lT, L = A3, w4 = 0, ltx = 0;
    if (x > 0) { /* L = log(e^A3 + e^A4), w4 = e^(A4 - L) */
      ltx = log(al + tx);
      L = cu_log_add(A3, c4 - (r + x) * ltx, &w4);
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
double cu_clv_nbd_log_pmf(double r, double al, double t, double n) {
  return lgamma(r + n) - lgamma(r) - lgamma(n + 1) + r * log(al / (al + t)) +
         (n > 0 ? n * log(t / (al + t)) : 0);
}

static double nbd_tail(double r, double al, double t, double n) {
  if (n <= 0) return 1;
  gsl_sf_result res;
  int st = gsl_sf_beta_inc_e(n, r, t / (al + t), &res);
  return st == GSL_SUCCESS ? res.val : st == GSL_EUNDRFLW ? 0 : NAN;
}


/* P(X(t) = n) = B(a, b+n)/B(a,b) NBD(n) + B(a+1, b+n-1)/B(a,b) P(N >= n),
 * the second for n > 0: alive after all n purchases, or died after the
 * n-th (eq. 8 of the paper). */
double cu_bgnbd_pmf(const double *p, double t, int n) {
  double r = p[0], al = p[1], a = p[2], b = p[3], lb = cu_lbeta(a, b);
  double v = exp(cu_lbeta(a, b + n) - lb + cu_clv_nbd_log_pmf(r, al, t, n));
  if (n > 0) v += exp(cu_lbeta(a + 1, b + n - 1) - lb) * nbd_tail(r, al, t, n);
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
  double psr = cu_psi(r), psab = cu_psi(a + b), psb = cu_psi(b);
  double s = 0, g[4] = {0, 0, 0, 0};
  double cur_x = -1, A1x = 0, dr_x = 0, B3 = 0, B4 = 0, da3 = 0, db3 = 0, da4 = 0, db4 = 0;
  double cur_T = -1, lT = 0;
  for (size_t i = 0; i < d->n; i++) {
    double x = d->x[i], tx = d->tx[i], T = d->T[i], w = d->w[i];
    if (x != cur_x) {
      cur_x = x;
      A1x = lgamma(r + x) - lgr;
      dr_x = cu_psi(r + x) - psr;
      /* ln B(a, b+x+1) - ln B(a, b) and ln B(a+1, b+x) - ln B(a, b) */
      B3 = lgamma(b + x + 1) - lgamma(a + b + x + 1) + lgamma(a + b) - lgamma(b);
      B4 = la + lgamma(b + x) - lgamma(a + b + x + 1) + lgamma(a + b) - lgamma(b);
      double ps1 = cu_psi(a + b + x + 1);
      da3 = -ps1 + psab;
      db3 = cu_psi(b + x + 1) - ps1 + psab - psb;
      da4 = 1 / a - ps1 + psab;
      db4 = cu_psi(b + x) - ps1 + psab - psb;
      cur_T = -1;
    }
    if (T != cur_T) {
      cur_T = T;
      lT = log(al + T);
    }
    double ltx = log(al + tx);
    double w4, L = cu_log_add(B3 - (r + x) * lT, B4 - (r + x) * ltx, &w4);
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
  double r = p[0], al = p[1], a = p[2], b = p[3], lb = cu_lbeta(a, b);
  return exp(cu_lbeta(a, b + n + 1) - lb + cu_clv_nbd_log_pmf(r, al, t, n)) +
         exp(cu_lbeta(a + 1, b + n) - lb) * nbd_tail(r, al, t, n);
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
void cu_clv_nbd_start(const cu_clv_data *d, double *p) {
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
int cu_clv_fit_from(cu_fit *out, cu_loglik_fn fn, const cu_clv_data *d, const cu_fit_options *o,
                    const double *start, cu_err *e) {
  cu_fit_options oo = o ? *o : (cu_fit_options){0};
  if (!oo.start) oo.start = start;
  return cu_clv_fit_mle(out, 4, fn, d, d->total_w, &oo, e);
}

/* ------------------------------------------------------------ Gamma-Gamma -- */

int cu_gg_loglik(const double *pp, double *ll, double *grad, void *data) {
  const cu_clv_data *d = data;
  double p = pp[0], q = pp[1], g = pp[2];
  if (!(p > 0 && q > 0 && g > 0) || !d->m) return -1;
  double lq = lgamma(q), psq = cu_psi(q), lg = log(g);
  double s = 0, gr[3] = {0, 0, 0};
  double cur_x = -1, lgx = 0, dpsi = 0, psx = 0, lx = 0;
  for (size_t i = 0; i < d->n; i++) {
    double x = d->x[i], m = d->m[i], w = d->w[i];
    if (x <= 0 || m <= 0) continue; /* the model is for repeat buyers */
    if (x != cur_x) {
      cur_x = x;
      lgx = lgamma(p * x + q) - lgamma(p * x) - lq;
      psx = cu_psi(p * x + q);
      dpsi = psx - cu_psi(p * x);
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

int cu_bgnbd_fit(cu_fit *out, const cu_clv_data *d, const cu_fit_options *o, cu_err *e) {
  double start[4];
  cu_clv_nbd_start(d, start);
  return cu_clv_fit_from(out, cu_bgnbd_loglik, d, o, start, e);
}

int cu_gg_fit(cu_fit *out, const cu_clv_data *d, const cu_fit_options *o, cu_err *e) {
  if (!d->m) return cu_err_set(e, CU_EARG, "Gamma-Gamma needs the monetary values");
  double n = 0;
  for (size_t i = 0; i < d->n; i++)
    if (d->x[i] > 0 && d->m[i] > 0) n += d->w[i];
  if (n == 0) return cu_err_set(e, CU_EARG, "Gamma-Gamma needs customers with repeat purchases");
  return cu_clv_fit_mle(out, 3, cu_gg_loglik, d, n, o, e);
}

int cu_mbgnbd_fit(cu_fit *out, const cu_clv_data *d, const cu_fit_options *o, cu_err *e) {
  double start[4];
  cu_clv_nbd_start(d, start);
  return cu_clv_fit_from(out, cu_mbgnbd_loglik, d, o, start, e);
}
