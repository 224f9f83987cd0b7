/* stats.c: see stats.h. */
#include "stats.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_roots.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>

double cu_cohen_h(double p1, double p2) { return 2 * asin(sqrt(p2)) - 2 * asin(sqrt(p1)); }

double cu_cohen_h_inverse(double p1, double h) {
  double t = asin(sqrt(p1)) + h / 2;
  if (t < 0 || t > M_PI / 2) return NAN;
  double s = sin(t);
  return s * s;
}

double cu_power_z(double h, double nobs1, double ratio, double alpha) {
  double nobs = 1 / (1 / nobs1 + 1 / (nobs1 * ratio));
  double crit = gsl_cdf_ugaussian_Qinv(alpha / 2), shift = h * sqrt(nobs);
  return gsl_cdf_ugaussian_Q(crit - shift) + gsl_cdf_ugaussian_P(-crit - shift);
}

typedef struct solve_ctx {
  double h, nobs1, ratio, alpha, power;
  int for_nobs;
} solve_ctx;

static double gap(double x, void *p) {
  solve_ctx *c = p;
  return (c->for_nobs ? cu_power_z(c->h, x, c->ratio, c->alpha)
                      : cu_power_z(x, c->nobs1, c->ratio, c->alpha)) -
         c->power;
}

/* a root of gap in [lo, hi] by Brent's method (GSL) */
static int brent(solve_ctx *c, double lo, double hi, double *x, cu_err *e) {
  gsl_function F = {gap, c};
  if (gap(lo, c) * gap(hi, c) > 0) return cu_err_set(e, CU_EARG, "no solution in range");
  gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
  int st = CU_OK;
  if (!s || gsl_root_fsolver_set(s, &F, lo, hi)) {
    st = cu_err_set(e, CU_ENOMEM, "cannot start the root finder");
  } else {
    for (int it = 0; it < 200; it++) {
      gsl_root_fsolver_iterate(s);
      double a = gsl_root_fsolver_x_lower(s), b = gsl_root_fsolver_x_upper(s);
      if (gsl_root_test_interval(a, b, 0, 1e-13) == GSL_SUCCESS) break;
    }
    *x = gsl_root_fsolver_root(s);
  }
  if (s) gsl_root_fsolver_free(s);
  return st;
}

static int check_common(double alpha, double power, double ratio, cu_err *e) {
  if (!(alpha > 0 && alpha < 1)) return cu_err_set(e, CU_EARG, "alpha must be in (0, 1)");
  if (!(power > alpha && power < 1))
    return cu_err_set(e, CU_EARG, "power must be between alpha and 1");
  if (!(ratio > 0) || !isfinite(ratio)) return cu_err_set(e, CU_EARG, "the ratio must be > 0");
  return CU_OK;
}

int cu_nobs_z(double h, double alpha, double power, double ratio, double *nobs1, cu_err *e) {
  int st = check_common(alpha, power, ratio, e);
  if (st) return st;
  if (!(fabs(h) > 0) || !isfinite(h)) return cu_err_set(e, CU_EARG, "the effect must not be 0");
  solve_ctx c = {fabs(h), 0, ratio, alpha, power, 1};
  double hi = 2;
  while (gap(hi, &c) < 0 && hi < 1e15) hi *= 4;
  return brent(&c, 1e-6, hi, nobs1, e);
}

int cu_effect_z(double nobs1, double alpha, double power, double ratio, double *h, cu_err *e) {
  int st = check_common(alpha, power, ratio, e);
  if (st) return st;
  if (!(nobs1 > 0)) return cu_err_set(e, CU_EARG, "the group size must be > 0");
  solve_ctx c = {0, nobs1, ratio, alpha, power, 0};
  double hi = 1;
  while (gap(hi, &c) < 0 && hi < 1e6) hi *= 2;
  return brent(&c, 1e-12, hi, h, e);
}

typedef struct beta_ctx {
  double at, bt, ac, bc;
  int what; /* 0 P(T > C), 1 E[max(C - T, 0)], 2 E[max(T - C, 0)] */
} beta_ctx;

/* integrand over t, the value of T */
static double beta_integrand(double t, void *p) {
  beta_ctx *c = p;
  double f = gsl_ran_beta_pdf(t, c->at, c->bt);
  if (f == 0) return 0;
  double Fc = gsl_cdf_beta_P(t, c->ac, c->bc);
  if (c->what == 0) return f * Fc;
  double mc = c->ac / (c->ac + c->bc), Fc1 = gsl_cdf_beta_P(t, c->ac + 1, c->bc);
  if (c->what == 1) /* E[max(C - t, 0)] = E[C] (1 - I_t(ac+1, bc)) - t (1 - I_t(ac, bc)) */
    return f * (mc * (1 - Fc1) - t * (1 - Fc));
  return f * (t * Fc - mc * Fc1); /* E[max(t - C, 0)] */
}

int cu_beta_compare(double at, double bt, double ac, double bc, double *p_better,
                    double *loss_treatment, double *loss_control, cu_err *e) {
  if (!(at > 0 && bt > 0 && ac > 0 && bc > 0))
    return cu_err_set(e, CU_EARG, "beta parameters must be > 0");
  gsl_integration_workspace *w = gsl_integration_workspace_alloc(1000);
  if (!w) {
    return cu_err_set(e, CU_ENOMEM, "out of memory");
  }
  /* where T's density lives */
  double lo = gsl_cdf_beta_Pinv(1e-14, at, bt), hi = gsl_cdf_beta_Qinv(1e-14, at, bt);
  if (!(lo >= 0)) lo = 0;
  if (!(hi <= 1)) hi = 1;
  double *outs[3] = {p_better, loss_treatment, loss_control};
  int st = CU_OK;
  for (int k = 0; k < 3 && !st; k++) {
    beta_ctx c = {at, bt, ac, bc, k};
    gsl_function F = {beta_integrand, &c};
    double v, err;
    if (gsl_integration_qags(&F, lo, hi, 0, 1e-11, 1000, w, &v, &err) != 0 &&
        !(err < 1e-8 * (fabs(v) + 1e-12)))
      st = cu_err_set(e, CU_ERANGE, "the integral did not converge");
    *outs[k] = v;
  }
  gsl_integration_workspace_free(w);
  return st;
}
