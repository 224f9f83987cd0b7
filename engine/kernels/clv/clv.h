/* clv.h: customer lifetime value models and their maximum-likelihood fit.
 *
 * Models take customer summaries (frequency x, recency t_x, age T, in one
 * time unit; for Gamma-Gamma also the mean repeat spend m) as plain arrays.
 * Identical customers are compressed into weighted rows.  The fit driver
 * sees a model only through its log-likelihood and gradient in natural
 * parameters; it optimises on log parameters with GSL's BFGS, adds the
 * optional L2 penalty as a wrapper, restarts from other points when a
 * start fails, and reports diagnostics and standard errors. */
#ifndef CU_CLV_H
#define CU_CLV_H

#include <stddef.h>

#include "status.h"

/* Customers with their weights (how many customers a row stands for). */
typedef struct cu_clv_data {
  size_t n;
  double *x, *tx, *T, *m, *w; /* m may be NULL */
  double total_w;
} cu_clv_data;

/* Validates and compresses: rows with equal (x, t_x, T[, m]) become one
 * row with summed weight.  w may be NULL (weight 1); m may be NULL. */
int cu_clv_data_make(cu_clv_data *out, const double *x, const double *tx, const double *T,
                     const double *m, const double *w, size_t n, cu_err *e);
void cu_clv_data_free(cu_clv_data *d);

/* A model's total weighted log-likelihood and its gradient in natural
 * parameters; returns 0, or -1 where it cannot be computed. */
typedef int (*cu_loglik_fn)(const double *p, double *ll, double *grad, void *ud);

typedef struct cu_fit_options {
  double penalizer;    /* L2 on the parameters, as lifetimes' penalizer_coef */
  int max_iter;        /* per start (0: 500) */
  double tol;          /* gradient norm of the mean log-likelihood (0: 1e-7) */
  const double *start; /* first start, natural parameters (NULL: all 1) */
} cu_fit_options;

/* A fit's result.  Its arrays are allocated by cu_fit_mle for any number
 * of parameters; cu_fit_free releases them (after any return, success or
 * not). */
typedef struct cu_fit {
  size_t k;
  double *p;   /* estimates [k] */
  double *se;  /* standard errors [k] (0 when has_se is 0) */
  double *cov; /* covariance [k * k], row-major */
  int has_se;
  double loglik; /* total, unpenalised */
  double aic, bic;
  double n_obs;     /* customers (sum of weights) */
  double grad_norm; /* of the mean log-likelihood in log parameters */
  int iterations, converged, starts;
  char method[24];
  char message[160];
} cu_fit;

int cu_fit_mle(cu_fit *out, size_t k, cu_loglik_fn fn, void *ud, double n_obs,
               const cu_fit_options *o, cu_err *e);
void cu_fit_free(cu_fit *f);

/* cu_fit_mle for a model whose log-likelihood is a sum over the rows of d
 * (every model here): each evaluation runs fn over fixed blocks of
 * CU_CLV_BLOCK rows, on threads and split across MPI ranks (dist.h), and
 * adds the blocks in order, so the fit is the same bits on any number of
 * threads and ranks. */
#define CU_CLV_BLOCK 256
int cu_clv_fit_mle(cu_fit *out, size_t k, cu_loglik_fn fn, const cu_clv_data *d, double n_obs,
                   const cu_fit_options *o, cu_err *e);

/* ---- BG/NBD (Fader, Hardie & Lee 2005); p = {r, alpha, a, b} ---- */
int cu_bgnbd_loglik(const double *p, double *ll, double *grad, void *data);
int cu_bgnbd_fit(cu_fit *out, const cu_clv_data *d, const cu_fit_options *o, cu_err *e);
/* Expected purchases in (0, t] of a new customer. */
double cu_bgnbd_expected(const double *p, double t);
/* Expected purchases in the next t of a customer with (x, tx, T). */
double cu_bgnbd_conditional(const double *p, double t, double x, double tx, double T);
double cu_bgnbd_p_alive(const double *p, double x, double tx, double T);
/* P(X(t) = n) for a new customer. */
double cu_bgnbd_pmf(const double *p, double t, int n);

/* ---- MBG/NBD (Batislam, Denizel & Filiztekin 2007); p = {r, alpha, a, b}:
 * as BG/NBD, but a customer may also drop out right after the first
 * purchase ---- */
int cu_mbgnbd_loglik(const double *p, double *ll, double *grad, void *data);
int cu_mbgnbd_fit(cu_fit *out, const cu_clv_data *d, const cu_fit_options *o, cu_err *e);
double cu_mbgnbd_expected(const double *p, double t);
double cu_mbgnbd_conditional(const double *p, double t, double x, double tx, double T);
double cu_mbgnbd_p_alive(const double *p, double x, double tx, double T);
double cu_mbgnbd_pmf(const double *p, double t, int n);

/* Simulates n customers of BG/NBD (mbg = 0) or MBG/NBD (mbg = 1) with the
 * given parameters, each observed for T[i] after a first purchase at 0;
 * writes x and tx.  Seeded (GSL's mt19937): the same seed, the same
 * customers.  If holdout > 0, also writes the purchases in (T, T +
 * holdout] into xh.  With resolution > 0 (1/7 for days in weeks), times
 * are recorded rounded down to whole multiples of it (every purchase still
 * counts), so customers compress as real daily data do. */
int cu_bgnbd_simulate(double *x, double *tx, double *xh, const double *T, size_t n, const double *p,
                      int mbg, double holdout, double resolution, unsigned long seed, cu_err *e);

/* ---- Pareto/NBD (Schmittlein, Morrison & Colombo 1987); p = {r, alpha,
 * s, beta}: purchases at rate lambda ~ Gamma(r, alpha) while alive, an
 * exponential lifetime with rate mu ~ Gamma(s, beta) ---- */
int cu_pareto_loglik(const double *p, double *ll, double *grad, void *data);
int cu_pareto_fit(cu_fit *out, const cu_clv_data *d, const cu_fit_options *o, cu_err *e);
double cu_pareto_expected(const double *p, double t);
double cu_pareto_conditional(const double *p, double t, double x, double tx, double T);
double cu_pareto_p_alive(const double *p, double x, double tx, double T);
/* P(X(t) = n) for a new customer; NaN if the integral fails. */
double cu_pareto_pmf(const double *p, double t, int n);
/* Simulated Pareto/NBD customers, as cu_bgnbd_simulate. */
int cu_pareto_simulate(double *x, double *tx, double *xh, const double *T, size_t n,
                       const double *p, double holdout, unsigned long seed, cu_err *e);
/* ln D, the "died between t_x and T" term of the likelihood, and if grad
 * its derivatives in the parameters: method 0 as the likelihood does it,
 * 1 by 2F1's series only (NaN where it does not apply), 2 by quadrature
 * only.  For tests. */
double cu_pareto_log_d(const double *p, double x, double tx, double T, int method, double *grad);

/* ---- BG/BB (Fader, Hardie & Shang 2010) for discrete opportunities;
 * p = {alpha, beta, gamma, delta}: a living customer buys at each
 * opportunity with probability p ~ Beta(alpha, beta) and dies before each
 * with probability theta ~ Beta(gamma, delta).  Data: x purchases, t_x
 * the opportunity of the last (0 if none) and n opportunities, in the
 * x, tx and T arrays ---- */
int cu_bgbb_loglik(const double *p, double *ll, double *grad, void *data);
int cu_bgbb_fit(cu_fit *out, const cu_clv_data *d, const cu_fit_options *o, cu_err *e);
/* Expected purchases in the first n opportunities of a new customer. */
double cu_bgbb_expected(const double *p, double n);
/* Expected purchases in the next m opportunities; P(alive at n + 1). */
double cu_bgbb_conditional(const double *p, double m, double x, double tx, double n);
double cu_bgbb_p_alive(const double *p, double x, double tx, double n);
/* P(X(n) = x): x purchases in a new customer's first n opportunities. */
double cu_bgbb_pmf(const double *p, double n, int x);
int cu_bgbb_simulate(double *x, double *tx, double *xh, size_t count, const double *p, int n,
                     int holdout, unsigned long seed, cu_err *e);

/* ---- Gamma-Gamma spend (Fader, Hardie & Lee 2005b); p = {p, q, gamma};
 * rows with x > 0 only ---- */
int cu_gg_loglik(const double *p, double *ll, double *grad, void *data);
int cu_gg_fit(cu_fit *out, const cu_clv_data *d, const cu_fit_options *o, cu_err *e);
/* E(M | x, m): the expected mean spend of a customer's future purchases. */
double cu_gg_expected_spend(const double *p, double x, double m);

/* Gauss hypergeometric 2F1(a, b; c; z) for 0 <= z < 1 (GSL, with a series
 * fallback); NaN when it does not converge. */
double cu_hyp2f1(double a, double b, double c, double z);

#endif
