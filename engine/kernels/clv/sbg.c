/* sbg.c: the shifted-beta-geometric (sBG) retention model of Fader and
 * Hardie (2007), "How to project customer retention", Journal of
 * Interactive Marketing 21(1), 76-90.
 *
 * Each customer of a cohort leaves at the end of any period with a churn
 * probability theta, which varies over customers as Beta(alpha, beta).
 * With B the beta function:
 *   P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta)          (eq. 3)
 *   S(t)     = B(alpha, beta + t) / B(alpha, beta)                  (eq. 4)
 *   r(t)     = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1)
 * and a cohort whose survivors n_0, n_1, ..., n_T are known has
 *   LL = sum_t (n_{t-1} - n_t) ln P(T = t) + n_T ln S(T)            (eq. 6)
 * The data rows are (x = t, t_x = 1) weighted by the customers lost in
 * period t, and (x = T, t_x = 0) weighted by those still there: several
 * cohorts observed for different lengths pool into one likelihood.  The
 * derivatives are digamma differences. */
#include <gsl/gsl_sf_psi.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clv_internal.h"
#include "clv_model.h"

int cu_sbg_loglik(const double *p, double *ll, double *grad, void *data) {
  const cu_clv_data *d = data;
  double al = p[0], be = p[1];
  if (!(al > 0 && be > 0)) return -1;
  double lB = cu_lbeta(al, be), ps_a = cu_psi(al), ps_b = cu_psi(be),
         ps_ab = cu_psi(al + be);
  double tot = 0, ga = 0, gb = 0;
  for (size_t i = 0; i < d->n; i++) {
    double t = d->x[i], w = d->w[i];
    double ps_abt = cu_psi(al + be + t);
    if (d->tx[i] > 0) { /* lost in period t */
      tot += w * (cu_lbeta(al + 1, be + t - 1) - lB);
      ga += w * (cu_psi(al + 1) - ps_abt - ps_a + ps_ab);
      gb += w * (cu_psi(be + t - 1) - ps_abt - ps_b + ps_ab);
    } else { /* still there after period t */
      tot += w * (cu_lbeta(al, be + t) - lB);
      ga += w * (ps_ab - ps_abt);
      gb += w * (cu_psi(be + t) - ps_abt - ps_b + ps_ab);
    }
  }
  if (!isfinite(tot)) return -1;
  *ll = tot;
  if (grad) {
    grad[0] = ga;
    grad[1] = gb;
  }
  return 0;
}

int cu_sbg_fit(cu_fit *out, const cu_clv_data *d, const cu_fit_options *o, cu_err *e) {
  double lost = 0;
  for (size_t i = 0; i < d->n; i++) {
    if (d->x[i] < 1) return cu_err_set(e, CU_EARG, "sBG: periods start at 1");
    if (d->tx[i] > 0) lost += d->w[i];
  }
  if (lost == 0)
    return cu_err_set(e, CU_EARG, "sBG: no customer was lost in any period: nothing to fit");
  return cu_clv_fit_mle(out, 2, cu_sbg_loglik, d, d->total_w, o, e);
}

double cu_sbg_survival(const double *p, double t) {
  if (t <= 0) return 1;
  return exp(cu_lbeta(p[0], p[1] + t) - cu_lbeta(p[0], p[1]));
}

double cu_sbg_retention(const double *p, double t) {
  if (t < 1) return NAN;
  return (p[1] + t - 1) / (p[0] + p[1] + t - 1);
}

double cu_sbg_lost(const double *p, int t) {
  if (t < 1) return 0;
  return exp(cu_lbeta(p[0] + 1, p[1] + t - 1) - cu_lbeta(p[0], p[1]));
}

int cu_sbg_data(cu_clv_data *out, const double *survivors, size_t periods, cu_err *e) {
  memset(out, 0, sizeof *out);
  if (periods == 0) return cu_err_set(e, CU_EARG, "sBG: survivors after at least one period are needed");
  size_t n = periods + 1;
  double *x = malloc(n * sizeof *x), *tx = malloc(n * sizeof *tx), *w = malloc(n * sizeof *w);
  int st = CU_OK;
  if (!x || !tx || !w) {
    st = cu_err_set(e, CU_ENOMEM, "out of memory");
    goto done;
  }
  for (size_t t = 0; t <= periods; t++) {
    if (!(survivors[t] >= 0) || !isfinite(survivors[t])) {
      st = cu_err_set(e, CU_EARG, "sBG: survivors after period %zu are not a count (%g)", t,
                      survivors[t]);
      goto done;
    }
    if (t > 0 && survivors[t] > survivors[t - 1]) {
      st = cu_err_set(e, CU_EARG,
                      "sBG: survivors grow from %g to %g in period %zu; a cohort only shrinks",
                      survivors[t - 1], survivors[t], t);
      goto done;
    }
  }
  for (size_t t = 1; t <= periods; t++) { /* lost in period t */
    x[t - 1] = (double)t;
    tx[t - 1] = 1;
    w[t - 1] = survivors[t - 1] - survivors[t];
  }
  x[periods] = (double)periods; /* still there at the end */
  tx[periods] = 0;
  w[periods] = survivors[periods];
  st = cu_clv_data_make(out, x, tx, x, NULL, w, n, e);
done:
  free(x);
  free(tx);
  free(w);
  return st;
}
