/* l_sim.c: custan.core.sim, the thin layer over random.c's samplers,
 * policy.c's simulation and stats.c's experiment statistics.
 *
 * A distribution arrives as a table {kind = "beta", a = ..., b = ..., c,
 * d, values = {...}, weights = {...}}, custan.sim's constructors' output. */
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bindings.h"
#include "policy.h"
#include "random.h"
#include "stats.h"

/* The distribution at i, checked; arrays live in Lua-owned buffers left on
 * the stack; cum is freed by the caller through cu_dist_free (a __gc box
 * would be needed if anything could raise after check; nothing does). */
static double *read_array(lua_State *L, int t, const char *k, size_t *n) {
  lua_getfield(L, t, k);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    *n = 0;
    return NULL;
  }
  luaL_checktype(L, -1, LUA_TTABLE);
  size_t m = (size_t)lua_rawlen(L, -1);
  double *v = lua_newuserdatauv(L, (m ? m : 1) * sizeof *v, 0);
  for (size_t i = 0; i < m; i++) {
    lua_rawgeti(L, -2, (lua_Integer)i + 1);
    v[i] = luaL_checknumber(L, -1);
    lua_pop(L, 1);
  }
  lua_insert(L, -2); /* keep the buffer below the table, drop the table */
  lua_pop(L, 1);
  *n = m;
  return v;
}

static const char *const kinds[] = {
    "constant", "uniform", "normal",     "lognormal",   "beta",     "gamma", "poisson",
    "binomial", "negbin",  "triangular", "truncnormal", "discrete", NULL};

static void read_dist(lua_State *L, int t, cu_dist *d) {
  t = lua_absindex(L, t);
  luaL_checktype(L, t, LUA_TTABLE);
  memset(d, 0, sizeof *d);
  lua_getfield(L, t, "kind");
  d->kind = (cu_dist_kind)luaL_checkoption(L, -1, NULL, kinds);
  lua_pop(L, 1);
  d->a = l_optnumber_field(L, t, "a", 0);
  d->b = l_optnumber_field(L, t, "b", 0);
  d->c = l_optnumber_field(L, t, "c", 0);
  d->d = l_optnumber_field(L, t, "d", 0);
  if (d->kind == CU_DIST_DISCRETE) {
    size_t nw = 0;
    d->values = read_array(L, t, "values", &d->nvalues);
    d->weights = read_array(L, t, "weights", &nw);
    if (d->weights && nw != d->nvalues)
      luaL_error(L, "discrete: %d values but %d weights", (int)d->nvalues, (int)nw);
  }
  cu_err e = {0};
  if (cu_dist_check(d, &e)) l_raise(L, &e);
}

/* draw(dist, n, seed, [stream], [threads]) -> float64 column */
static int l_draw(lua_State *L) {
  lua_settop(L, 5);
  lua_Integer n = luaL_checkinteger(L, 2);
  luaL_argcheck(L, n >= 0, 2, "must be >= 0");
  uint64_t seed = (uint64_t)luaL_checkinteger(L, 3), stream = (uint64_t)luaL_optinteger(L, 4, 0);
  int threads = (int)luaL_optinteger(L, 5, 0);
  l_column_box *box = l_newcolumn(L); /* before read_dist allocates */
  cu_dist d;
  read_dist(L, 1, &d);
  if (!(box->c = cu_column_new(CU_F64, (size_t)n, NULL))) {
    cu_dist_free(&d);
    return luaL_error(L, "out of memory");
  }
  cu_err e = {0};
  int st = cu_dist_fill(&d, seed, stream, box->c->data, (size_t)n, threads, &e);
  cu_dist_free(&d);
  if (st) return l_raise(L, &e);
  lua_settop(L, 6); /* the column, above read_dist's buffers */
  return 1;
}

/* A Lua array of numbers at i, in a Lua-owned buffer; *n its length. */
static double *number_array(lua_State *L, int i, size_t *n) {
  luaL_checktype(L, i, LUA_TTABLE);
  *n = (size_t)lua_rawlen(L, i);
  double *v = lua_newuserdatauv(L, (*n ? *n : 1) * sizeof *v, 0);
  for (size_t j = 0; j < *n; j++) {
    lua_rawgeti(L, i, (lua_Integer)j + 1);
    v[j] = luaL_checknumber(L, -1);
    lua_pop(L, 1);
  }
  return v;
}

/* mvnormal(mean, cov, n, seed, [stream]) -> {{x1..xk}, ...}: n draws of
 * N(mean, cov) (cov a row-major array of k * k) */
static int l_mvnormal(lua_State *L) {
  lua_settop(L, 5);
  size_t k, kk;
  double *mean = number_array(L, 1, &k), *cov = number_array(L, 2, &kk);
  luaL_argcheck(L, kk == k * k, 2, "the covariance must have k * k entries");
  lua_Integer n = luaL_checkinteger(L, 3);
  luaL_argcheck(L, n >= 0, 3, "must be >= 0");
  uint64_t seed = (uint64_t)luaL_checkinteger(L, 4), stream = (uint64_t)luaL_optinteger(L, 5, 0);
  double *out = lua_newuserdatauv(L, ((size_t)n * k + 1) * sizeof *out, 0);
  cu_err e = {0};
  if (cu_mvnormal(out, (size_t)n, k, mean, cov, seed, stream, &e)) return l_raise(L, &e);
  lua_createtable(L, (int)n, 0);
  for (lua_Integer d = 0; d < n; d++) {
    lua_createtable(L, (int)k, 0);
    for (size_t j = 0; j < k; j++) {
      lua_pushnumber(L, out[(size_t)d * k + j]);
      lua_rawseti(L, -2, (lua_Integer)j + 1);
    }
    lua_rawseti(L, -2, d + 1);
  }
  return 1;
}

/* describe(dist, [q...]) -> mean, variance, {quantiles} */
static int l_describe(lua_State *L) {
  int top = lua_gettop(L);
  /* every argument is checked before read_dist allocates: nothing may
   * raise while C owns memory */
  for (int i = 2; i <= top; i++) {
    double q = luaL_checknumber(L, i);
    if (!(q > 0 && q < 1)) return luaL_error(L, "quantile %g: must be between 0 and 1", q);
  }
  lua_createtable(L, top - 1, 0);
  lua_checkstack(L, 4);
  cu_dist d;
  read_dist(L, 1, &d);
  for (int i = 2; i <= top; i++) {
    lua_pushnumber(L, cu_dist_quantile(&d, lua_tonumber(L, i)));
    lua_rawseti(L, top + 1, i - 1);
  }
  double mean = cu_dist_mean(&d), variance = cu_dist_variance(&d);
  cu_dist_free(&d);
  lua_pushnumber(L, mean);
  lua_pushnumber(L, variance);
  lua_pushvalue(L, top + 1);
  return 3;
}

/* A float64 column at field k of table t, of length n (or any when n is 0
 * and *pn is set). */
static const double *col_field(lua_State *L, int t, const char *k, size_t *pn) {
  lua_getfield(L, t, k);
  cu_column *c = l_tocolumn(L, -1);
  lua_pop(L, 1); /* the table keeps it */
  if (!c || c->type != CU_F64 || c->valid)
    luaL_error(L, "'%s' must be a float64 column without missing values", k);
  if (*pn && c->n != *pn) luaL_error(L, "'%s' has %d rows, expected %d", k, (int)c->n, (int)*pn);
  *pn = c->n;
  return c->data;
}

static void read_groups(lua_State *L, int t, cu_policy_groups *g) {
  luaL_checktype(L, t, LUA_TTABLE);
  size_t n = 0;
  g->count = col_field(L, t, "count", &n);
  g->retain = col_field(L, t, "retain", &n);
  g->orders = col_field(L, t, "orders", &n);
  g->ovalue = col_field(L, t, "ovalue", &n);
  g->n = n;
  lua_getfield(L, t, "segment");
  cu_column *s = l_tocolumn(L, -1);
  lua_pop(L, 1);
  if (!s || s->type != CU_I64 || s->n != n || s->valid)
    luaL_error(L, "'segment' must be an int64 column of segment numbers 1..k");
  g->nsegments = (int)l_optnumber_field(L, t, "nsegments", 1);
  int32_t *seg = lua_newuserdatauv(L, (n ? n : 1) * sizeof *seg, 0);
  for (size_t i = 0; i < n; i++) seg[i] = (int32_t)(((int64_t *)s->data)[i] - 1);
  g->segment = seg;
}

static void read_draws(lua_State *L, int t, cu_policy_draws *a) {
  luaL_checktype(L, t, LUA_TTABLE);
  size_t n = 0;
  a->uptake = col_field(L, t, "uptake", &n);
  a->save = col_field(L, t, "save", &n);
  a->n = n;
  lua_getfield(L, t, "save_absolute");
  a->save_absolute = lua_toboolean(L, -1);
  lua_pop(L, 1);
}

static const char *const out_names[CU_POLICY_NOUT] = {
    "contacted",     "conversions",     "stayed",       "baseline_stayed",
    "stayed_orders", "baseline_orders", "stayed_value", "baseline_value"};

/* simulate(groups, {uptake, save, save_absolute}, seed, [threads]) -> array
 * per segment of the sums {contacted = column, conversions, stayed, ...} */
static int l_simulate(lua_State *L) {
  lua_settop(L, 4);
  cu_policy_groups g;
  cu_policy_draws a;
  read_groups(L, 1, &g);
  read_draws(L, 2, &a);
  uint64_t seed = (uint64_t)luaL_checkinteger(L, 3);
  int threads = (int)luaL_optinteger(L, 4, 0);
  size_t S = (size_t)g.nsegments;
  double *out = lua_newuserdatauv(L, (a.n * S * CU_POLICY_NOUT + 1) * sizeof *out, 0);
  cu_err e = {0};
  if (cu_policy_simulate(&g, &a, seed, threads, out, &e)) return l_raise(L, &e);
  lua_createtable(L, (int)S, 0);
  for (size_t s = 0; s < S; s++) {
    lua_createtable(L, 0, CU_POLICY_NOUT);
    for (int k = 0; k < CU_POLICY_NOUT; k++) {
      l_column_box *box = l_newcolumn(L);
      if (!(box->c = cu_column_new(CU_F64, a.n, NULL))) return luaL_error(L, "out of memory");
      double *v = box->c->data;
      for (size_t d = 0; d < a.n; d++) v[d] = out[(d * S + s) * CU_POLICY_NOUT + k];
      lua_setfield(L, -2, out_names[k]);
    }
    lua_rawseti(L, -2, (lua_Integer)s + 1);
  }
  return 1;
}

/* expect(groups, draws, d) -> array per segment of the sums {contacted = number, ...} */
static int l_expect(lua_State *L) {
  lua_settop(L, 3);
  cu_policy_groups g;
  cu_policy_draws a;
  read_groups(L, 1, &g);
  read_draws(L, 2, &a);
  lua_Integer d = luaL_checkinteger(L, 3);
  luaL_argcheck(L, d >= 1 && (size_t)d <= a.n, 3, "no such draw");
  size_t S = (size_t)g.nsegments;
  double *out = lua_newuserdatauv(L, (S * CU_POLICY_NOUT + 1) * sizeof *out, 0);
  cu_policy_expect(&g, &a, (size_t)d - 1, out);
  lua_createtable(L, (int)S, 0);
  for (size_t s = 0; s < S; s++) {
    lua_createtable(L, 0, CU_POLICY_NOUT);
    for (int k = 0; k < CU_POLICY_NOUT; k++) l_setnum(L, out_names[k], out[s * CU_POLICY_NOUT + k]);
    lua_rawseti(L, -2, (lua_Integer)s + 1);
  }
  return 1;
}

/* ----------------------------------------------------------- statistics -- */

static int l_cohen_h(lua_State *L) {
  lua_pushnumber(L, cu_cohen_h(luaL_checknumber(L, 1), luaL_checknumber(L, 2)));
  return 1;
}

static int l_cohen_h_inverse(lua_State *L) {
  lua_pushnumber(L, cu_cohen_h_inverse(luaL_checknumber(L, 1), luaL_checknumber(L, 2)));
  return 1;
}

/* power_z(h, nobs1, ratio, alpha) */
static int l_power_z(lua_State *L) {
  lua_pushnumber(L, cu_power_z(luaL_checknumber(L, 1), luaL_checknumber(L, 2),
                               luaL_checknumber(L, 3), luaL_checknumber(L, 4)));
  return 1;
}

/* nobs_z(h, alpha, power, ratio) -> nobs1 */
static int l_nobs_z(lua_State *L) {
  double n;
  cu_err e = {0};
  if (cu_nobs_z(luaL_checknumber(L, 1), luaL_checknumber(L, 2), luaL_checknumber(L, 3),
                luaL_checknumber(L, 4), &n, &e))
    return l_raise(L, &e);
  lua_pushnumber(L, n);
  return 1;
}

/* effect_z(nobs1, alpha, power, ratio) -> h */
static int l_effect_z(lua_State *L) {
  double h;
  cu_err e = {0};
  if (cu_effect_z(luaL_checknumber(L, 1), luaL_checknumber(L, 2), luaL_checknumber(L, 3),
                  luaL_checknumber(L, 4), &h, &e))
    return l_raise(L, &e);
  lua_pushnumber(L, h);
  return 1;
}

/* beta_compare(at, bt, ac, bc) -> P(T > C), loss of T, loss of C */
static int l_beta_compare(lua_State *L) {
  double p, lt, lc;
  cu_err e = {0};
  if (cu_beta_compare(luaL_checknumber(L, 1), luaL_checknumber(L, 2), luaL_checknumber(L, 3),
                      luaL_checknumber(L, 4), &p, &lt, &lc, &e))
    return l_raise(L, &e);
  lua_pushnumber(L, p);
  lua_pushnumber(L, lt);
  lua_pushnumber(L, lc);
  return 3;
}

/* normal_q(p): the standard normal p-quantile; normal_sf(z) */
static int l_normal_q(lua_State *L) {
  lua_pushnumber(L, gsl_cdf_ugaussian_Pinv(luaL_checknumber(L, 1)));
  return 1;
}
static int l_normal_sf(lua_State *L) {
  lua_pushnumber(L, gsl_cdf_ugaussian_Q(luaL_checknumber(L, 1)));
  return 1;
}
/* t_q(p, df), t_sf(t, df) */
static int l_t_q(lua_State *L) {
  lua_pushnumber(L, gsl_cdf_tdist_Pinv(luaL_checknumber(L, 1), luaL_checknumber(L, 2)));
  return 1;
}
static int l_t_sf(lua_State *L) {
  lua_pushnumber(L, gsl_cdf_tdist_Q(luaL_checknumber(L, 1), luaL_checknumber(L, 2)));
  return 1;
}

static const luaL_Reg module_fns[] = {{"draw", l_draw},
                                      {"mvnormal", l_mvnormal},
                                      {"describe", l_describe},
                                      {"simulate", l_simulate},
                                      {"expect", l_expect},
                                      {"cohen_h", l_cohen_h},
                                      {"cohen_h_inverse", l_cohen_h_inverse},
                                      {"power_z", l_power_z},
                                      {"nobs_z", l_nobs_z},
                                      {"effect_z", l_effect_z},
                                      {"beta_compare", l_beta_compare},
                                      {"normal_q", l_normal_q},
                                      {"normal_sf", l_normal_sf},
                                      {"t_q", l_t_q},
                                      {"t_sf", l_t_sf},
                                      {NULL, NULL}};

int luaopen_custan_sim(lua_State *L) {
  /* the columns this module returns need their metatable even when no one
   * required custan.core.frame first */
  luaL_requiref(L, "custan.core.frame", luaopen_custan_frame, 0);
  lua_pop(L, 1);
  luaL_newlib(L, module_fns);
  l_world_register(L);
  return 1;
}
