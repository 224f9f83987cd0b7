/* l_clv.c: Lua binding of the CLV kernels (module custan.core.clv).
 * fit() returns a plain table of estimates and diagnostics; the
 * prediction functions take columns and return a column. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bindings.h"
#include "clv.h"

typedef struct model_info {
  const char *name;
  size_t k;
  const char *params[CU_MAX_PARAMS];
  int needs_m;
  int (*fit)(cu_fit *, const cu_clv_data *, const cu_fit_options *, cu_err *);
} model_info;

static const model_info models[] = {
    {"bgnbd", 4, {"r", "alpha", "a", "b"}, 0, cu_bgnbd_fit},
    {"gamma_gamma", 3, {"p", "q", "gamma"}, 1, cu_gg_fit},
    {"mbgnbd", 4, {"r", "alpha", "a", "b"}, 0, cu_mbgnbd_fit},
    {"pareto", 4, {"r", "alpha", "s", "beta"}, 0, cu_pareto_fit},
    {"bgbb", 4, {"alpha", "beta", "gamma", "delta"}, 0, cu_bgbb_fit},
};

static const model_info *check_model(lua_State *L, int i) {
  const char *name = luaL_checkstring(L, i);
  for (size_t k = 0; k < sizeof models / sizeof models[0]; k++)
    if (!strcmp(models[k].name, name)) return &models[k];
  luaL_argerror(
      L, i,
      lua_pushfstring(L, "unknown model '%s' (bgnbd, mbgnbd, pareto, bgbb, gamma_gamma)", name));
  return NULL;
}

/* Column i as doubles in a scratch userdata (missing values are an error). */
static double *doubles(lua_State *L, int i, size_t n, const char *what) {
  cu_column *c = l_checkcolumn(L, i);
  if (c->n != n) luaL_error(L, "%s has %d rows, expected %d", what, (int)c->n, (int)n);
  if (c->type != CU_F64 && c->type != CU_I64 && c->type != CU_BOOL)
    luaL_error(L, "%s must be numeric, got %s", what, cu_type_name(c->type));
  double *v = lua_newuserdatauv(L, (n ? n : 1) * sizeof *v, 0);
  for (size_t r = 0; r < n; r++) {
    if (!cu_is_valid(c, r)) luaL_error(L, "%s is missing in row %d", what, (int)r + 1);
    v[r] = cu_column_get_f(c, r);
  }
  return v;
}

static void read_params(lua_State *L, int i, const model_info *mi, double *p) {
  luaL_checktype(L, i, LUA_TTABLE);
  for (size_t j = 0; j < mi->k; j++) {
    lua_getfield(L, i, mi->params[j]);
    int ok;
    p[j] = lua_tonumberx(L, -1, &ok);
    if (!ok || !(p[j] > 0))
      luaL_error(L, "%s: parameter '%s' must be a positive number", mi->name, mi->params[j]);
    lua_pop(L, 1);
  }
}

/* fit(model, x, tx, T, m|nil, w|nil, {penalizer, max_iter, tol, start}) */
static int l_fit(lua_State *L) {
  lua_settop(L, 7); /* scratch arrays go above the arguments */
  const model_info *mi = check_model(L, 1);
  size_t n = l_checkcolumn(L, 2)->n;
  double *x = doubles(L, 2, n, "frequency");
  double *tx = lua_isnoneornil(L, 3) ? x : doubles(L, 3, n, "recency");
  double *T = lua_isnoneornil(L, 4) ? x : doubles(L, 4, n, "T");
  double *m = lua_isnoneornil(L, 5) ? NULL : doubles(L, 5, n, "monetary value");
  double *w = lua_isnoneornil(L, 6) ? NULL : doubles(L, 6, n, "weight");
  if (mi->needs_m && !m) return luaL_error(L, "%s needs monetary values", mi->name);
  cu_fit_options o = {0};
  double start[CU_MAX_PARAMS];
  if (lua_istable(L, 7)) {
    lua_getfield(L, 7, "penalizer");
    o.penalizer = luaL_optnumber(L, -1, 0);
    lua_getfield(L, 7, "max_iter");
    o.max_iter = (int)luaL_optinteger(L, -1, 0);
    lua_getfield(L, 7, "tol");
    o.tol = luaL_optnumber(L, -1, 0);
    if (lua_getfield(L, 7, "start") == LUA_TTABLE) {
      read_params(L, lua_gettop(L), mi, start);
      o.start = start;
    }
    lua_settop(L, 7);
    luaL_argcheck(L, o.penalizer >= 0, 7, "penalizer must be >= 0");
  }
  cu_clv_data d;
  cu_err e = {0};
  if (mi->needs_m) { /* recency and T do not matter to a spend model */
    tx = x;
    T = x;
  }
  if (cu_clv_data_make(&d, x, tx, T, m, w, n, &e)) return l_raise(L, &e);
  cu_fit f;
  int st = mi->fit(&f, &d, &o, &e);
  size_t rows = d.n;
  cu_clv_data_free(&d);
  if (st) return l_raise(L, &e);
  lua_createtable(L, 0, 16);
  l_setstr(L, "model", mi->name);
  lua_createtable(L, 0, (int)mi->k);
  for (size_t j = 0; j < mi->k; j++) {
    lua_pushnumber(L, f.p[j]);
    lua_setfield(L, -2, mi->params[j]);
  }
  lua_setfield(L, -2, "params");
  if (f.has_se) {
    lua_createtable(L, 0, (int)mi->k);
    for (size_t j = 0; j < mi->k; j++) {
      lua_pushnumber(L, f.se[j]);
      lua_setfield(L, -2, mi->params[j]);
    }
    lua_setfield(L, -2, "se");
    lua_createtable(L, (int)mi->k, 0); /* covariance, row-major, in param order */
    for (size_t j = 0; j < mi->k * mi->k; j++) {
      lua_pushnumber(L, f.cov[j]);
      lua_rawseti(L, -2, (lua_Integer)j + 1);
    }
    lua_setfield(L, -2, "cov");
  }
  lua_createtable(L, (int)mi->k, 0);
  for (size_t j = 0; j < mi->k; j++) {
    lua_pushstring(L, mi->params[j]);
    lua_rawseti(L, -2, (lua_Integer)j + 1);
  }
  lua_setfield(L, -2, "param_names");
  l_setnum(L, "loglik", f.loglik);
  l_setnum(L, "aic", f.aic);
  l_setnum(L, "bic", f.bic);
  l_setnum(L, "customers", f.n_obs);
  l_setint(L, "distinct_rows", (lua_Integer)rows);
  l_setnum(L, "gradient_norm", f.grad_norm);
  l_setint(L, "iterations", f.iterations);
  l_setint(L, "starts", f.starts);
  l_setbool(L, "converged", f.converged);
  l_setstr(L, "method", f.method);
  if (f.message[0]) {
    l_setstr(L, "message", f.message);
  }
  return 1;
}

/* The result column of a prediction, filled by fn for each row. */
static cu_column *result_column(lua_State *L, size_t n) {
  l_column_box *box = l_newcolumn(L);
  if (!(box->c = cu_column_new(CU_F64, n, NULL)) || cu_column_ensure_mask(box->c))
    luaL_error(L, "out of memory");
  return box->c;
}

static void finish(cu_column *c) {
  double *v = c->data;
  for (size_t r = 0; r < c->n; r++)
    if (!isfinite(v[r])) c->valid[r] = 0; /* never NaN as a result */
  cu_column_compact_mask(c);
}

/* predict(model, what, params, ...) */
static int l_predict(lua_State *L) {
  lua_settop(L, 7);
  const model_info *mi = check_model(L, 1);
  static const char *const whats[] = {"expected", "conditional", "p_alive", "pmf", "spend", NULL};
  int what = luaL_checkoption(L, 2, NULL, whats);
  double p[CU_MAX_PARAMS];
  read_params(L, 3, mi, p);
  if (mi->fit == cu_gg_fit) {
    luaL_argcheck(L, what == 4, 2, "gamma_gamma predicts spend");
    size_t n = l_checkcolumn(L, 4)->n;
    double *x = doubles(L, 4, n, "frequency"), *m = doubles(L, 5, n, "monetary value");
    cu_column *c = result_column(L, n);
    for (size_t r = 0; r < n; r++) {
      /* no repeat purchase: the population mean spend, p gamma / (q - 1) */
      ((double *)c->data)[r] =
          x[r] > 0 ? cu_gg_expected_spend(p, x[r], m[r]) : p[0] * p[2] / (p[1] - 1);
    }
    finish(c);
    return 1;
  }
  int mbg = mi->fit == cu_mbgnbd_fit, par = mi->fit == cu_pareto_fit, bb = mi->fit == cu_bgbb_fit;
  switch (what) {
  case 0:
    lua_pushnumber(L, (mbg   ? cu_mbgnbd_expected
                       : par ? cu_pareto_expected
                       : bb  ? cu_bgbb_expected
                             : cu_bgnbd_expected)(p, luaL_checknumber(L, 4)));
    return 1;
  case 3: {
    double t = luaL_checknumber(L, 4);
    lua_Integer n = luaL_checkinteger(L, 5);
    luaL_argcheck(L, t >= 0, 4, "the time must not be negative");
    luaL_argcheck(L, n >= 0 && n <= INT_MAX, 5, "the number of purchases must be 0 or more");
    double v = (mbg   ? cu_mbgnbd_pmf
                : par ? cu_pareto_pmf
                : bb  ? cu_bgbb_pmf
                      : cu_bgnbd_pmf)(p, t, (int)n);
    if (!isfinite(v)) return luaL_error(L, "P(X(%g) = %d) could not be computed", t, (int)n);
    lua_pushnumber(L, v);
    return 1;
  }
  case 4: return luaL_argerror(L, 2, "purchase models do not predict spend");
  default: break;
  }
  double t = what == 1 ? luaL_checknumber(L, 4) : 0;
  int base = what == 1 ? 5 : 4;
  size_t n = l_checkcolumn(L, base)->n;
  double *x = doubles(L, base, n, "frequency"), *tx = doubles(L, base + 1, n, "recency");
  double *T = doubles(L, base + 2, n, "T");
  cu_column *c = result_column(L, n);
  double *v = c->data;
  for (size_t r = 0; r < n; r++) {
    if (bb)
      v[r] = what == 1 ? cu_bgbb_conditional(p, t, x[r], tx[r], T[r])
                       : cu_bgbb_p_alive(p, x[r], tx[r], T[r]);
    else if (par)
      v[r] = what == 1 ? cu_pareto_conditional(p, t, x[r], tx[r], T[r])
                       : cu_pareto_p_alive(p, x[r], tx[r], T[r]);
    else if (mbg)
      v[r] = what == 1 ? cu_mbgnbd_conditional(p, t, x[r], tx[r], T[r])
                       : cu_mbgnbd_p_alive(p, x[r], tx[r], T[r]);
    else
      v[r] = what == 1 ? cu_bgnbd_conditional(p, t, x[r], tx[r], T[r])
                       : cu_bgnbd_p_alive(p, x[r], tx[r], T[r]);
  }
  finish(c);
  return 1;
}

/* simulate(model, params, T, seed, holdout) -> x, tx, xh columns */
static int l_simulate(lua_State *L) {
  lua_settop(L, 7);
  const model_info *mi = check_model(L, 1);
  luaL_argcheck(L, mi->fit == cu_bgnbd_fit || mi->fit == cu_mbgnbd_fit || mi->fit == cu_pareto_fit,
                1, "simulation is for bgnbd, mbgnbd and pareto");
  double p[CU_MAX_PARAMS];
  read_params(L, 2, mi, p);
  size_t n = l_checkcolumn(L, 3)->n;
  lua_Integer seed = luaL_checkinteger(L, 4);
  double holdout = luaL_optnumber(L, 5, 0), resolution = luaL_optnumber(L, 6, 0);
  double *T = doubles(L, 3, n, "T");
  cu_column *x = result_column(L, n), *tx = result_column(L, n), *xh = result_column(L, n);
  cu_err e = {0};
  int st = mi->fit == cu_pareto_fit
               ? cu_pareto_simulate(x->data, tx->data, xh->data, T, n, p, holdout,
                                    (unsigned long)seed, &e)
               : cu_bgnbd_simulate(x->data, tx->data, xh->data, T, n, p, mi->fit == cu_mbgnbd_fit,
                                   holdout, resolution, (unsigned long)seed, &e);
  if (st) return l_raise(L, &e);
  finish(x);
  finish(tx);
  finish(xh);
  return 3;
}

/* simulate_bgbb(params, count, n, seed, holdout) -> x, tx, xh */
static int l_simulate_bgbb(lua_State *L) {
  lua_settop(L, 5);
  const model_info *mi = NULL;
  for (size_t k = 0; k < sizeof models / sizeof models[0]; k++)
    if (!strcmp(models[k].name, "bgbb")) mi = &models[k];
  double p[CU_MAX_PARAMS];
  read_params(L, 1, mi, p);
  lua_Integer count = luaL_checkinteger(L, 2), n = luaL_checkinteger(L, 3);
  lua_Integer seed = luaL_checkinteger(L, 4), holdout = luaL_optinteger(L, 5, 0);
  luaL_argcheck(L, count >= 0 && n >= 1 && n < 4096 && holdout >= 0, 2, "bad sizes");
  cu_column *x = result_column(L, (size_t)count), *tx = result_column(L, (size_t)count),
            *xh = result_column(L, (size_t)count);
  cu_err e = {0};
  if (cu_bgbb_simulate(x->data, tx->data, xh->data, (size_t)count, p, (int)n, (int)holdout,
                       (unsigned long)seed, &e))
    return l_raise(L, &e);
  finish(x);
  finish(tx);
  finish(xh);
  return 3;
}

static const luaL_Reg clv_fns[] = {{"simulate_bgbb", l_simulate_bgbb},
                                   {"fit", l_fit},
                                   {"predict", l_predict},
                                   {"simulate", l_simulate},
                                   {NULL, NULL}};

int luaopen_custan_clv(lua_State *L) {
  luaL_requiref(L, "custan.core.frame", luaopen_custan_frame, 0);
  lua_pop(L, 1);
  luaL_newlib(L, clv_fns);
  return 1;
}
