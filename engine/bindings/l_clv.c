/* l_clv.c: Lua binding of the CLV kernels (module custan.core.clv).
 * Every function looks its model up in the registry (clv_model.h), so a
 * model added there is here too.  fit() returns a plain table of estimates
 * and diagnostics; the prediction functions take columns and return a
 * column. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bindings.h"
#include "clv_model.h"

static const char *const shape_names[] = {"counts", "opportunities", "spend", "survival"};

/* The registered model named at i; the error lists the registry. */
static const cu_clv_model *check_model(lua_State *L, int i) {
  const char *name = luaL_checkstring(L, i);
  const cu_clv_model *m = cu_clv_model_find(name);
  if (m) return m;
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  lua_pushfstring(L, "unknown model '%s' (", name);
  luaL_addvalue(&b);
  for (size_t k = 0; cu_clv_model_at(k); k++) {
    if (k) luaL_addstring(&b, ", ");
    luaL_addstring(&b, cu_clv_model_at(k)->name);
  }
  luaL_addstring(&b, ")");
  luaL_pushresult(&b);
  return luaL_argerror(L, i, lua_tostring(L, -1)), NULL;
}

/* models() -> {{name, title, params = {...}, shape, predicts = {...}}, ...} */
static int l_models(lua_State *L) {
  lua_newtable(L);
  for (size_t k = 0; cu_clv_model_at(k); k++) {
    const cu_clv_model *m = cu_clv_model_at(k);
    lua_createtable(L, 0, 6);
    l_setstr(L, "name", m->name);
    l_setstr(L, "title", m->title);
    l_setstr(L, "shape", shape_names[m->shape]);
    lua_createtable(L, (int)m->k, 0);
    for (size_t j = 0; j < m->k; j++) {
      lua_pushstring(L, m->params[j]);
      lua_rawseti(L, -2, (lua_Integer)j + 1);
    }
    lua_setfield(L, -2, "params");
    lua_createtable(L, 0, 8);
    l_setbool(L, "expected", m->expected != NULL);
    l_setbool(L, "conditional", m->conditional != NULL);
    l_setbool(L, "p_alive", m->p_alive != NULL);
    l_setbool(L, "pmf", m->pmf != NULL);
    l_setbool(L, "spend", m->spend != NULL);
    l_setbool(L, "survival", m->survival != NULL);
    l_setbool(L, "simulate", m->simulate != NULL);
    lua_setfield(L, -2, "predicts");
    lua_rawseti(L, -2, (lua_Integer)k + 1);
  }
  return 1;
}

/* The model's k parameters from a table {name = value}, into p. */
static void read_params(lua_State *L, int i, const cu_clv_model *mi, double *p) {
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

/* A scratch array of k doubles that the GC frees. */
static double *params_box(lua_State *L, size_t k) {
  return lua_newuserdatauv(L, (k ? k : 1) * sizeof(double), 0);
}

/* Pushes {name = values[j]} for the model's parameters. */
static void push_named(lua_State *L, const cu_clv_model *mi, const double *values) {
  lua_createtable(L, 0, (int)mi->k);
  for (size_t j = 0; j < mi->k; j++) {
    lua_pushnumber(L, values[j]);
    lua_setfield(L, -2, mi->params[j]);
  }
}

/* fit(model, x, tx, T, m|nil, w|nil, {penalizer, max_iter, tol, start}):
 * survival models take x = the period and tx = 1 (lost in it) or 0 (still
 * there at its end), with w the customers of each row. */
static int l_fit(lua_State *L) {
  lua_settop(L, 7); /* scratch arrays go above the arguments */
  const cu_clv_model *mi = check_model(L, 1);
  size_t n = l_checkcolumn(L, 2)->n;
  double *x = l_doubles(L, 2, n, "frequency");
  double *tx = lua_isnoneornil(L, 3) ? x : l_doubles(L, 3, n, "recency");
  double *T = lua_isnoneornil(L, 4) ? x : l_doubles(L, 4, n, "T");
  double *m = lua_isnoneornil(L, 5) ? NULL : l_doubles(L, 5, n, "monetary value");
  double *w = lua_isnoneornil(L, 6) ? NULL : l_doubles(L, 6, n, "weight");
  if (mi->shape == CU_CLV_DATA_SPEND && !m) return luaL_error(L, "%s needs monetary values", mi->name);
  cu_fit_options o = {0};
  double *start = params_box(L, mi->k);
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
    lua_pop(L, 4);
    luaL_argcheck(L, o.penalizer >= 0, 7, "penalizer must be >= 0");
  }
  if (mi->shape == CU_CLV_DATA_SPEND) { /* recency and T do not matter to a spend model */
    tx = x;
    T = x;
  } else if (mi->shape == CU_CLV_DATA_SURVIVAL) {
    T = x; /* a row's period is its age */
  }
  /* scratch for the fit's numbers, then the result, both made before C
   * owns memory; the scratch stays on the stack under the result until the
   * function returns (popping it let the collector free it while it was
   * still being read: the pipeline's --as-of run under AddressSanitizer) */
  double *est = params_box(L, mi->k), *se = params_box(L, mi->k);
  double *cov = lua_newuserdatauv(L, mi->k * mi->k * sizeof(double), 0);
  lua_createtable(L, 0, 16);
  cu_clv_data d;
  cu_err e = {0};
  if (cu_clv_data_make(&d, x, tx, T, m, w, n, &e)) return l_raise(L, &e);
  cu_fit f = {0}; /* a fit that fails early leaves it untouched: freeing it is safe */
  int st = mi->fit(&f, &d, &o, &e);
  size_t rows = d.n;
  cu_clv_data_free(&d);
  if (st) {
    cu_fit_free(&f);
    return l_raise(L, &e);
  }
  /* copy the fit into the scratch, then free C's before any push can raise */
  memcpy(est, f.p, mi->k * sizeof *est);
  memcpy(se, f.se, mi->k * sizeof *se);
  memcpy(cov, f.cov, mi->k * mi->k * sizeof *cov);
  cu_fit cf = f;
  cu_fit_free(&f);
  l_setstr(L, "model", mi->name);
  push_named(L, mi, est);
  lua_setfield(L, -2, "params");
  if (cf.has_se) {
    push_named(L, mi, se);
    lua_setfield(L, -2, "se");
    lua_createtable(L, (int)(mi->k * mi->k), 0); /* covariance, row-major, in param order */
    for (size_t j = 0; j < mi->k * mi->k; j++) {
      lua_pushnumber(L, cov[j]);
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
  l_setnum(L, "loglik", cf.loglik);
  l_setnum(L, "aic", cf.aic);
  l_setnum(L, "bic", cf.bic);
  l_setnum(L, "customers", cf.n_obs);
  l_setint(L, "distinct_rows", (lua_Integer)rows);
  l_setnum(L, "gradient_norm", cf.grad_norm);
  l_setint(L, "iterations", cf.iterations);
  l_setint(L, "starts", cf.starts);
  l_setbool(L, "converged", cf.converged);
  l_setstr(L, "method", cf.method);
  if (cf.message[0]) l_setstr(L, "message", cf.message);
  return 1;
}

/* loglik(model, params, x, tx, T, m|nil, w|nil) -> the total weighted
 * log-likelihood at those parameters (nil where it cannot be computed) */
static int l_loglik(lua_State *L) {
  lua_settop(L, 7);
  const cu_clv_model *mi = check_model(L, 1);
  double *p = params_box(L, mi->k);
  read_params(L, 2, mi, p);
  size_t n = l_checkcolumn(L, 3)->n;
  double *x = l_doubles(L, 3, n, "frequency");
  double *tx = lua_isnil(L, 4) ? x : l_doubles(L, 4, n, "recency");
  double *T = lua_isnil(L, 5) ? x : l_doubles(L, 5, n, "T");
  double *m = lua_isnil(L, 6) ? NULL : l_doubles(L, 6, n, "monetary value");
  double *w = lua_isnil(L, 7) ? NULL : l_doubles(L, 7, n, "weight");
  cu_clv_data d;
  cu_err e = {0};
  if (cu_clv_data_make(&d, x, tx, T, m, w, n, &e)) return l_raise(L, &e);
  double ll;
  int bad = mi->loglik(p, &ll, NULL, &d);
  cu_clv_data_free(&d);
  if (bad) luaL_pushfail(L);
  else lua_pushnumber(L, ll);
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

/* predict(model, what, params, ...):
 *   "expected", t | "pmf", t, n | "survival", t | "retention", t -> number
 *   "conditional", t, x, tx, T | "p_alive", x, tx, T | "spend", x, m -> column */
static int l_predict(lua_State *L) {
  lua_settop(L, 7);
  const cu_clv_model *mi = check_model(L, 1);
  static const char *const whats[] = {"expected", "conditional", "p_alive", "pmf",
                                      "spend",    "survival",    "retention", NULL};
  int what = luaL_checkoption(L, 2, NULL, whats);
  double *p = params_box(L, mi->k); /* at 8 */
  read_params(L, 3, mi, p);
  double (*scalar)(const double *, double) = what == 0   ? mi->expected
                                             : what == 5 ? mi->survival
                                             : what == 6 ? mi->retention
                                                         : NULL;
  if (what == 0 || what == 5 || what == 6) {
    if (!scalar) return luaL_argerror(L, 2, lua_pushfstring(L, "%s does not predict that", mi->name));
    lua_pushnumber(L, scalar(p, luaL_checknumber(L, 4)));
    return 1;
  }
  if (what == 3) {
    if (!mi->pmf) return luaL_argerror(L, 2, lua_pushfstring(L, "%s has no pmf", mi->name));
    double t = luaL_checknumber(L, 4);
    lua_Integer n = luaL_checkinteger(L, 5);
    luaL_argcheck(L, t >= 0, 4, "the time must not be negative");
    luaL_argcheck(L, n >= 0 && n <= INT_MAX, 5, "the number of purchases must be 0 or more");
    double v = mi->pmf(p, t, (int)n);
    if (!isfinite(v)) return luaL_error(L, "P(X(%g) = %d) could not be computed", t, (int)n);
    lua_pushnumber(L, v);
    return 1;
  }
  cu_err e = {0};
  if (what == 4) {
    if (!mi->spend) return luaL_argerror(L, 2, "purchase models do not predict spend");
    size_t n = l_checkcolumn(L, 4)->n;
    double *x = l_doubles(L, 4, n, "frequency"), *m = l_doubles(L, 5, n, "monetary value");
    cu_column *c = result_column(L, n);
    if (cu_clv_predict(c->data, mi, CU_CLV_SPEND, p, 0, x, NULL, NULL, m, n, &e))
      return l_raise(L, &e);
    finish(c);
    return 1;
  }
  double t = what == 1 ? luaL_checknumber(L, 4) : 0;
  int base = what == 1 ? 5 : 4;
  size_t n = l_checkcolumn(L, base)->n;
  double *x = l_doubles(L, base, n, "frequency"), *tx = l_doubles(L, base + 1, n, "recency");
  double *T = l_doubles(L, base + 2, n, "T");
  cu_column *c = result_column(L, n);
  if (cu_clv_predict(c->data, mi, what == 1 ? CU_CLV_CONDITIONAL : CU_CLV_P_ALIVE, p, t, x, tx, T,
                     NULL, n, &e))
    return l_raise(L, &e);
  finish(c);
  return 1;
}

/* simulate(model, params, T, seed, holdout, resolution) -> x, tx, xh columns */
static int l_simulate(lua_State *L) {
  lua_settop(L, 7);
  const cu_clv_model *mi = check_model(L, 1);
  luaL_argcheck(L, mi->simulate != NULL, 1, "this model has no simulator");
  double *p = params_box(L, mi->k);
  read_params(L, 2, mi, p);
  size_t n = l_checkcolumn(L, 3)->n;
  lua_Integer seed = luaL_checkinteger(L, 4);
  double holdout = luaL_optnumber(L, 5, 0), resolution = luaL_optnumber(L, 6, 0);
  double *T = l_doubles(L, 3, n, "T");
  cu_column *x = result_column(L, n), *tx = result_column(L, n), *xh = result_column(L, n);
  cu_err e = {0};
  if (mi->simulate(x->data, tx->data, xh->data, T, n, p, holdout, resolution, (unsigned long)seed,
                   &e))
    return l_raise(L, &e);
  finish(x);
  finish(tx);
  finish(xh);
  return 3;
}

/* simulate_bgbb(params, count, n, seed, holdout) -> x, tx, xh */
static int l_simulate_bgbb(lua_State *L) {
  lua_settop(L, 5);
  const cu_clv_model *mi = cu_clv_model_find("bgbb");
  double *p = params_box(L, mi->k);
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

/* A flat array of `count` numbers at i (parameter draws, row-major). */
static double *flat_numbers(lua_State *L, int i, size_t count, const char *what) {
  luaL_checktype(L, i, LUA_TTABLE);
  if (lua_rawlen(L, i) != count)
    luaL_error(L, "%s: expected %d numbers, got %d", what, (int)count, (int)lua_rawlen(L, i));
  double *v = lua_newuserdatauv(L, (count ? count : 1) * sizeof *v, 0);
  for (size_t k = 0; k < count; k++) {
    lua_rawgeti(L, i, (lua_Integer)k + 1);
    int ok;
    v[k] = lua_tonumberx(L, -1, &ok);
    lua_pop(L, 1);
    if (!ok || !isfinite(v[k])) luaL_error(L, "%s: value %d is not a finite number", what, (int)k + 1);
  }
  return v;
}

/* interval(tx_model, spend_model, draws, ptx, psp, x, tx, T, m, options)
 * -> point, low, high columns, and a column of each draw's total CLV:
 * the CLV at the point estimates (the last
 * row of ptx and psp, which hold draws + 1 rows) and its quantiles over
 * the draws
 * (cu_clv_interval); options horizon, per_month, discount, margin, low,
 * high, threads. */
static int l_interval(lua_State *L) {
  lua_settop(L, 10);
  const cu_clv_model *mt = check_model(L, 1), *ms = check_model(L, 2);
  lua_Integer draws = luaL_checkinteger(L, 3);
  luaL_argcheck(L, draws > 0 && draws <= 1000000, 3, "draws must be 1 to 1,000,000");
  luaL_checktype(L, 10, LUA_TTABLE);
  double *ptx = flat_numbers(L, 4, (size_t)(draws + 1) * mt->k, "purchase model draws");
  double *psp = flat_numbers(L, 5, (size_t)(draws + 1) * ms->k, "spend model draws");
  size_t n = l_checkcolumn(L, 6)->n;
  double *x = l_doubles(L, 6, n, "frequency"), *tx = l_doubles(L, 7, n, "recency");
  double *T = l_doubles(L, 8, n, "T"), *m = l_doubles(L, 9, n, "monetary value");
  int horizon = (int)l_optinteger_field(L, 10, "horizon", 12);
  double per_month = l_optnumber_field(L, 10, "per_month", 4.345);
  double discount = l_optnumber_field(L, 10, "discount", 0.01);
  double margin = l_optnumber_field(L, 10, "margin", 1);
  double qlo = l_optnumber_field(L, 10, "low", 0.05), qhi = l_optnumber_field(L, 10, "high", 0.95);
  int threads = (int)l_optinteger_field(L, 10, "threads", 0);
  cu_column *pt = result_column(L, n), *lo = result_column(L, n), *hi = result_column(L, n);
  cu_column *tot = result_column(L, (size_t)draws);
  cu_err e = {0};
  size_t D = (size_t)draws;
  if (cu_clv_interval(pt->data, lo->data, hi->data, tot->data, mt, ptx + D * mt->k, ptx, ms, psp + D * ms->k,
                      psp, D, x, tx, T, m, n, horizon, per_month, discount, margin, qlo, qhi,
                      threads, &e))
    return l_raise(L, &e);
  finish(pt);
  finish(lo);
  finish(hi);
  finish(tot);
  return 4;
}

static const luaL_Reg clv_fns[] = {{"models", l_models},
                                   {"interval", l_interval},
                                   {"loglik", l_loglik},
                                   {"simulate_bgbb", l_simulate_bgbb},
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
