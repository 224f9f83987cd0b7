/* bgbb.c: the BG/BB model for discrete opportunities (Fader, Hardie &
 * Shang 2010): likelihood with gradient, predictions, P(X(n) = x) and the
 * simulator.  Split from clv.c. */
#include "clv.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_hyperg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clv_internal.h"

/* L = B(a+x, b+n-x)/B(a,b) B(g, d+n)/B(g,d)
 *   + sum_{i=0}^{n-t_x-1} B(a+x, b+t_x-x+i)/B(a,b) B(g+1, d+t_x+i)/B(g,d)
 * (alive through n; or died before opportunity t_x+i+1), as a log-sum-exp;
 * each term's derivatives are digamma differences. */
int cu_bgbb_loglik(const double *p, double *ll, double *grad, void *data) {
  const cu_clv_data *d = data;
  double al = p[0], be = p[1], ga = p[2], de = p[3];
  if (!(al > 0 && be > 0 && ga > 0 && de > 0)) return -1;
  double lB1 = cu_lbeta(al, be), lB2 = cu_lbeta(ga, de);
  double ps_a = cu_psi(al), ps_b = cu_psi(be), ps_ab = cu_psi(al + be), ps_g = cu_psi(ga), ps_d = cu_psi(de),
         ps_gd = cu_psi(ga + de);
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
      lt[j] = cu_lbeta(al + x, bb) - lB1 + cu_lbeta(gg, dd) - lB2;
      if (lt[j] > mx) mx = lt[j];
      if (grad) {
        double s1 = cu_psi(al + x + bb), s2 = cu_psi(gg + dd);
        dt[j][0] = cu_psi(al + x) - s1 - ps_a + ps_ab;
        dt[j][1] = cu_psi(bb) - s1 - ps_b + ps_ab;
        dt[j][2] = cu_psi(gg) - s2 - ps_g + ps_gd;
        dt[j][3] = cu_psi(dd) - s2 - ps_d + ps_gd;
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
  return cu_clv_fit_mle(out, 4, cu_bgbb_loglik, d, d->total_w, o, e);
}

static double bgbb_l(const double *p, double x, double tx, double n) {
  double ll, one = 1;
  cu_clv_data d = {1, &x, &tx, &n, NULL, &one, 1};
  return cu_bgbb_loglik(p, &ll, NULL, &d) ? NAN : ll;
}

double cu_bgbb_p_alive(const double *p, double x, double tx, double n) {
  double al = p[0], be = p[1], ga = p[2], de = p[3];
  double la = cu_lbeta(al + x, be + n - x) - cu_lbeta(al, be) + cu_lbeta(ga, de + n + 1) - cu_lbeta(ga, de);
  return exp(la - bgbb_l(p, x, tx, n));
}

/* Fader, Hardie & Shang (2010), eq. 13 and 7 */
double cu_bgbb_conditional(const double *p, double m, double x, double tx, double n) {
  double al = p[0], be = p[1], ga = p[2], de = p[3];
  double lead = cu_lbeta(al + x + 1, be + n - x) - cu_lbeta(al, be) - bgbb_l(p, x, tx, n);
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
  double lab = cu_lbeta(al, be), lgd = cu_lbeta(ga, de);
  double lc = lgamma(n + 1) - lgamma(x + 1.0) - lgamma(n - x + 1);
  double v = exp(lc + cu_lbeta(al + x, be + n - x) - lab + cu_lbeta(ga, de + n) - lgd);
  for (double i = x; i < n; i++) {
    lc = lgamma(i + 1) - lgamma(x + 1.0) - lgamma(i - x + 1);
    v += exp(lc + cu_lbeta(al + x, be + i - x) - lab + cu_lbeta(ga + 1, de + i) - lgd);
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

