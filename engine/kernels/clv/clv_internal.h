/* clv_internal.h: what the CLV model files share and nothing else sees
 * (not installed, not for bindings). */
#ifndef CU_CLV_INTERNAL_H
#define CU_CLV_INTERNAL_H

#include <gsl/gsl_sf_psi.h>
#include <math.h>

#include "clv.h"

static inline double cu_psi(double v) { return gsl_sf_psi(v); }
static inline double cu_lbeta(double a, double b) { return lgamma(a) + lgamma(b) - lgamma(a + b); }

/* log(e^a + e^b) with one exp and one log, and *wb = e^(b - result), the
 * weight of the b term (the likelihoods' two-term mixtures and their
 * gradients).  log1p buys nothing here: the argument is in (1, 2]. */
static inline double cu_log_add(double a, double b, double *wb) {
  double d = b - a;
  if (d < 0) {
    double ex = exp(d);
    *wb = ex / (1 + ex);
    return a + log(1 + ex);
  }
  double ex = exp(-d);
  *wb = 1 / (1 + ex);
  return b + log(1 + ex);
}

/* ln P(N(t) = n) of the NBD: purchases in (0, t] of a customer alive
 * throughout, lambda ~ Gamma(r, alpha). */
double cu_clv_nbd_log_pmf(double r, double al, double t, double n);
/* A start for BG/NBD-like models by moments (r, alpha, a = 1, b = 2). */
void cu_clv_nbd_start(const cu_clv_data *d, double *p);
/* Fits a four-parameter model from `start` unless the options give one. */
int cu_clv_fit_from(cu_fit *out, cu_loglik_fn fn, const cu_clv_data *d, const cu_fit_options *o,
                    const double *start, cu_err *e);

#endif
