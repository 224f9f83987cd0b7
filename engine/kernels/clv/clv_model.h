/* clv_model.h: the registry of CLV models.
 *
 * A model is one descriptor: its name, parameter names, the shape of its
 * data, its log-likelihood (with gradient) and fit, and whatever
 * predictions it makes (NULL where it makes none).  The binding and the
 * Lua API iterate the registry, so a new model is one file with its
 * descriptor plus one line in clv_registry.c (see docs/architecture.md,
 * "Add a CLV model").  Prediction loops over customers live here, not in
 * the binding. */
#ifndef CU_CLV_MODEL_H
#define CU_CLV_MODEL_H

#include <stddef.h>

#include "clv.h"

/* What a model's data rows hold (all in cu_clv_data's x, tx, T, m, w). */
typedef enum {
  CU_CLV_DATA_COUNTS,        /* x repeat purchases, t_x recency, T age (BG/NBD and kin) */
  CU_CLV_DATA_OPPORTUNITIES, /* x purchases, t_x last opportunity, T = n opportunities (BG/BB) */
  CU_CLV_DATA_SPEND,         /* x repeat purchases, m mean repeat spend (Gamma-Gamma) */
  CU_CLV_DATA_SURVIVAL       /* x period, t_x 1 = lost in it, 0 = still there at its end (sBG) */
} cu_clv_shape;

typedef struct cu_clv_model {
  const char *name;  /* "bgnbd": the name in Lua and on the command line */
  const char *title; /* "BG/NBD (Fader, Hardie & Lee 2005)" */
  size_t k;
  const char *const *params; /* k names, in the paper's order */
  cu_clv_shape shape;
  int (*loglik)(const double *p, double *ll, double *grad, void *data);
  int (*fit)(cu_fit *out, const cu_clv_data *d, const cu_fit_options *o, cu_err *e);
  /* Expected purchases in (0, t] of a new customer. */
  double (*expected)(const double *p, double t);
  /* Expected purchases in the next t of a customer with (x, t_x, T). */
  double (*conditional)(const double *p, double t, double x, double tx, double T);
  double (*p_alive)(const double *p, double x, double tx, double T);
  /* P(X(t) = n) for a new customer. */
  double (*pmf)(const double *p, double t, int n);
  /* Survival models: S(t), the share of a cohort still there after t
   * periods, and r(t) = S(t) / S(t - 1), the retention rate of period t. */
  double (*survival)(const double *p, double t);
  double (*retention)(const double *p, double t);
  /* Spend models: E(M | x, m). */
  double (*spend)(const double *p, double x, double m);
  /* Simulated customers observed for T[i] (NULL: none): x, t_x and the
   * holdout purchases xh. */
  int (*simulate)(double *x, double *tx, double *xh, const double *T, size_t n, const double *p,
                  double holdout, double resolution, unsigned long seed, cu_err *e);
} cu_clv_model;

/* The registered models, in table order; NULL past the end. */
const cu_clv_model *cu_clv_model_at(size_t i);
/* The model of that name, or NULL. */
const cu_clv_model *cu_clv_model_find(const char *name);

typedef enum {
  CU_CLV_CONDITIONAL, /* needs x, tx, T and t */
  CU_CLV_P_ALIVE,     /* needs x, tx, T */
  CU_CLV_SPEND        /* needs x and m */
} cu_clv_what;

/* out[i] for each of n customers; NaN where the model cannot say (the
 * binding turns it into a missing value).  CU_EARG when the model does not
 * make that prediction. */
int cu_clv_predict(double *out, const cu_clv_model *m, cu_clv_what what, const double *p, double t,
                   const double *x, const double *tx, const double *T, const double *money,
                   size_t n, cu_err *e);

/* Each customer's CLV at the point estimates (ptx0, psp0; point may be
 * NULL) and its low and high quantiles over `draws` parameter draws (ptx:
 * draws x tx->k, psp: draws x spend->k): margin
 * times E(M | x, m) times the purchases expected in each of `horizon`
 * months (per_month units each), discounted monthly, as lifetimes'
 * customer_lifetime_value.  Work is shared between customers with equal
 * (x, T), (x, t_x, T) and (x, t_x, T, m) (clv_interval.c); valid for
 * models whose conditional expectation is P(alive) times a function of
 * (x, T): BG/NBD, MBG/NBD, Pareto/NBD.  NaN where no draw gives a finite
 * value.  totals (draws doubles, or NULL): each draw's CLV summed over the
 * customers, added in a fixed order (the same at any thread count). */
int cu_clv_interval(double *point, double *low, double *high, double *totals, const cu_clv_model *tx,
                    const double *ptx0, const double *ptx, const cu_clv_model *spend,
                    const double *psp0, const double *psp, size_t draws, const double *x,
                    const double *t_x, const double *T, const double *m, size_t n, int horizon,
                    double per_month, double discount, double margin, double qlow, double qhigh,
                    int threads, cu_err *e);

/* ---- sBG: the shifted-beta-geometric retention model (Fader & Hardie
 * 2007, "How to project customer retention"); p = {alpha, beta}: each
 * customer leaves at the end of a period with probability theta ~
 * Beta(alpha, beta) ---- */
int cu_sbg_loglik(const double *p, double *ll, double *grad, void *data);
int cu_sbg_fit(cu_fit *out, const cu_clv_data *d, const cu_fit_options *o, cu_err *e);
/* S(t): the share of a cohort still there after t periods. */
double cu_sbg_survival(const double *p, double t);
/* r(t) = S(t) / S(t - 1): the retention rate of period t (t >= 1). */
double cu_sbg_retention(const double *p, double t);
/* P(T = t): the share lost in period t (t >= 1). */
double cu_sbg_lost(const double *p, int t);
/* Survival data from survivor counts: survivors[0] at the start, then
 * after each of `periods` periods; out holds one row per period with the
 * customers lost in it, and one for those still there at the end.  Counts
 * must not grow. */
int cu_sbg_data(cu_clv_data *out, const double *survivors, size_t periods, cu_err *e);

#endif
