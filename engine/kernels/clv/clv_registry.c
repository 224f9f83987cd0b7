/* clv_registry.c: the table of CLV models and the prediction loop every
 * model shares.  Adding a model: its file (likelihood, fit, predictions),
 * its descriptor below, one line in `models`. */
#include <math.h>
#include <string.h>

#include "clv_model.h"

/* The simulators share one signature here. */
static int sim_bgnbd(double *x, double *tx, double *xh, const double *T, size_t n, const double *p,
                     double holdout, double resolution, unsigned long seed, cu_err *e) {
  return cu_bgnbd_simulate(x, tx, xh, T, n, p, 0, holdout, resolution, seed, e);
}
static int sim_mbgnbd(double *x, double *tx, double *xh, const double *T, size_t n, const double *p,
                      double holdout, double resolution, unsigned long seed, cu_err *e) {
  return cu_bgnbd_simulate(x, tx, xh, T, n, p, 1, holdout, resolution, seed, e);
}
static int sim_pareto(double *x, double *tx, double *xh, const double *T, size_t n,
                      const double *p, double holdout, double resolution, unsigned long seed,
                      cu_err *e) {
  (void)resolution; /* Pareto/NBD records exact times */
  return cu_pareto_simulate(x, tx, xh, T, n, p, holdout, seed, e);
}

static const char *const nbd_params[] = {"r", "alpha", "a", "b"};
static const char *const pareto_params[] = {"r", "alpha", "s", "beta"};
static const char *const bgbb_params[] = {"alpha", "beta", "gamma", "delta"};
static const char *const gg_params[] = {"p", "q", "gamma"};
static const char *const sbg_params[] = {"alpha", "beta"};

static const cu_clv_model bgnbd = {
    .name = "bgnbd", .title = "BG/NBD (Fader, Hardie & Lee 2005)", .k = 4, .params = nbd_params,
    .shape = CU_CLV_DATA_COUNTS, .loglik = cu_bgnbd_loglik, .fit = cu_bgnbd_fit,
    .expected = cu_bgnbd_expected, .conditional = cu_bgnbd_conditional,
    .p_alive = cu_bgnbd_p_alive, .pmf = cu_bgnbd_pmf, .simulate = sim_bgnbd};

static const cu_clv_model mbgnbd = {
    .name = "mbgnbd", .title = "MBG/NBD (Batislam, Denizel & Filiztekin 2007)", .k = 4,
    .params = nbd_params, .shape = CU_CLV_DATA_COUNTS, .loglik = cu_mbgnbd_loglik,
    .fit = cu_mbgnbd_fit, .expected = cu_mbgnbd_expected, .conditional = cu_mbgnbd_conditional,
    .p_alive = cu_mbgnbd_p_alive, .pmf = cu_mbgnbd_pmf, .simulate = sim_mbgnbd};

static const cu_clv_model pareto = {
    .name = "pareto", .title = "Pareto/NBD (Schmittlein, Morrison & Colombo 1987)", .k = 4,
    .params = pareto_params, .shape = CU_CLV_DATA_COUNTS, .loglik = cu_pareto_loglik,
    .fit = cu_pareto_fit, .expected = cu_pareto_expected, .conditional = cu_pareto_conditional,
    .p_alive = cu_pareto_p_alive, .pmf = cu_pareto_pmf, .simulate = sim_pareto};

static const cu_clv_model bgbb = {
    .name = "bgbb", .title = "BG/BB (Fader, Hardie & Shang 2010)", .k = 4, .params = bgbb_params,
    .shape = CU_CLV_DATA_OPPORTUNITIES, .loglik = cu_bgbb_loglik, .fit = cu_bgbb_fit,
    .expected = cu_bgbb_expected, .conditional = cu_bgbb_conditional, .p_alive = cu_bgbb_p_alive,
    .pmf = cu_bgbb_pmf};

static const cu_clv_model gamma_gamma = {
    .name = "gamma_gamma", .title = "Gamma-Gamma spend (Fader, Hardie & Lee 2005)", .k = 3,
    .params = gg_params, .shape = CU_CLV_DATA_SPEND, .loglik = cu_gg_loglik, .fit = cu_gg_fit,
    .spend = cu_gg_expected_spend};

static const cu_clv_model sbg = {
    .name = "sbg", .title = "sBG retention (Fader & Hardie 2007)", .k = 2, .params = sbg_params,
    .shape = CU_CLV_DATA_SURVIVAL, .loglik = cu_sbg_loglik, .fit = cu_sbg_fit,
    .survival = cu_sbg_survival, .retention = cu_sbg_retention};

static const cu_clv_model *const models[] = {&bgnbd, &mbgnbd, &pareto, &bgbb, &gamma_gamma, &sbg};

const cu_clv_model *cu_clv_model_at(size_t i) {
  return i < sizeof models / sizeof models[0] ? models[i] : NULL;
}

const cu_clv_model *cu_clv_model_find(const char *name) {
  for (size_t i = 0; i < sizeof models / sizeof models[0]; i++)
    if (!strcmp(models[i]->name, name)) return models[i];
  return NULL;
}

int cu_clv_predict(double *out, const cu_clv_model *m, cu_clv_what what, const double *p, double t,
                   const double *x, const double *tx, const double *T, const double *money,
                   size_t n, cu_err *e) {
  switch (what) {
  case CU_CLV_CONDITIONAL:
    if (!m->conditional) break;
    for (size_t i = 0; i < n; i++) out[i] = m->conditional(p, t, x[i], tx[i], T[i]);
    return CU_OK;
  case CU_CLV_P_ALIVE:
    if (!m->p_alive) break;
    for (size_t i = 0; i < n; i++) out[i] = m->p_alive(p, x[i], tx[i], T[i]);
    return CU_OK;
  case CU_CLV_SPEND:
    if (!m->spend) break;
    /* no repeat purchase: the population mean spend (for Gamma-Gamma,
     * p gamma / (q - 1), the limit of E(M | x, m) as x -> 0) */
    for (size_t i = 0; i < n; i++) out[i] = m->spend(p, x[i] > 0 ? x[i] : 0, money[i]);
    return CU_OK;
  }
  return cu_err_set(e, CU_EARG, "%s does not make that prediction", m->name);
}
