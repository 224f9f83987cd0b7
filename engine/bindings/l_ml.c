/* l_ml.c: custan.core.ml, the thin layer over logistic.c, metrics.c,
 * smote.c, random.c's splits and xgb.c.
 *
 * Features arrive as an array of numeric columns with their names
 * (l_gather); labels as a bool or 0/1 numeric column; scores as a numeric
 * column.  Results come back as columns or plain tables. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bindings.h"
#include "ml.h"
#include "parallel.h"
#include "random.h"
#include "xgb.h"

#define BOOSTER_MT "custan.Booster"

typedef struct {
  cu_xgb *m;
} booster_box;

/* Column i as doubles (l_doubles), with its length. */
static double *column_doubles(lua_State *L, int i, const char *what, size_t *pn) {
  *pn = l_checkcolumn(L, i)->n;
  return l_doubles(L, i, *pn, what);
}

static double *labels(lua_State *L, int i, size_t n) {
  double *y = l_doubles(L, i, n, "the label");
  for (size_t r = 0; r < n; r++)
    if (y[r] != 0 && y[r] != 1)
      luaL_error(L, "row %d: the label must be 0 or 1, got %g", (int)r + 1, y[r]);
  return y;
}

/* xgb_train's labels: 0/1, or classes 0..k-1 for a multi-class objective
 * (XGBoost checks them against its objective) */
static double *class_labels(lua_State *L, int i, size_t n) {
  double *y = l_doubles(L, i, n, "the label");
  for (size_t r = 0; r < n; r++)
    if (!(y[r] >= 0 && y[r] < 10000 && y[r] == floor(y[r])))
      luaL_error(L, "row %d: the label must be a class 0, 1, ..., got %g", (int)r + 1, y[r]);
  return y;
}

static double *opt_weights(lua_State *L, int i, size_t n) {
  if (lua_isnoneornil(L, i)) return NULL;
  return l_doubles(L, i, n, "the weight");
}

static void push_f64(lua_State *L, const double *v, size_t n) {
  l_column_box *box = l_newcolumn(L);
  if (!(box->c = cu_column_new(CU_F64, n, NULL))) luaL_error(L, "out of memory");
  if (n) memcpy(box->c->data, v, n * sizeof *v);
}

static void push_array(lua_State *L, const double *v, size_t n) {
  lua_createtable(L, (int)n, 0);
  for (size_t j = 0; j < n; j++) {
    lua_pushnumber(L, v[j]);
    lua_rawseti(L, -2, (lua_Integer)j + 1);
  }
}

/* ------------------------------------------------- logistic regression -- */

/* The feature columns at i (names at i + 1) as d pointers to n doubles:
 * float64 columns without missing values are used as they are; others are
 * converted into Lua-owned buffers left on the stack.  Raises for a
 * missing or infinite value. */
static const double **column_pointers(lua_State *L, int i, size_t *pn, size_t *pd) {
  luaL_checktype(L, i, LUA_TTABLE);
  size_t d = (size_t)lua_rawlen(L, i), n = 0;
  if (d == 0) luaL_argerror(L, i, "no feature columns");
  luaL_checkstack(L, (int)d + 8, "too many features");
  const double **X = lua_newuserdatauv(L, d * sizeof *X, 0);
  for (size_t j = 0; j < d; j++) {
    lua_rawgeti(L, i, (lua_Integer)j + 1);
    cu_column *c = l_tocolumn(L, -1);
    lua_pop(L, 1); /* the table keeps the column alive */
    if (!c) luaL_error(L, "feature %d is not a column", (int)j + 1);
    if (j == 0) n = c->n;
    if (c->n != n)
      luaL_error(L, "the feature columns differ in length (%d and %d)", (int)n, (int)c->n);
    lua_rawgeti(L, i + 1, (lua_Integer)j + 1);
    const char *name = lua_isstring(L, -1) ? lua_tostring(L, -1) : "?";
    lua_pop(L, 1); /* the names table keeps the string alive */
    if (c->type != CU_F64 && c->type != CU_I64 && c->type != CU_BOOL)
      luaL_error(L, "feature '%s' is not numeric (%s)", name, cu_type_name(c->type));
    double *v = c->type == CU_F64 ? c->data : NULL;
    if (!v || c->valid) {
      v = lua_newuserdatauv(L, (n ? n : 1) * sizeof *v, 0);
      for (size_t r = 0; r < n; r++) v[r] = cu_is_valid(c, r) ? cu_column_get_f(c, r) : NAN;
    }
    for (size_t r = 0; r < n; r++)
      if (!isfinite(v[r]))
        luaL_error(L, "feature '%s', row %d: %s value", name, (int)r + 1,
                   isnan(v[r]) ? "missing" : "infinite");
    X[j] = v;
  }
  *pn = n;
  *pd = d;
  return X;
}

/* logistic_fit(columns, names, y, w, {penalty, C, standardize,
 * fit_intercept, max_iter, tol, threads}) -> table */
static int l_logistic_fit(lua_State *L) {
  lua_settop(L, 5); /* optional arguments before the buffers pushed below */
  size_t n, d;
  const double **X = column_pointers(L, 1, &n, &d);
  double *y = labels(L, 3, n), *w = opt_weights(L, 4, n);
  luaL_checktype(L, 5, LUA_TTABLE);
  cu_logit_options o = {CU_PENALTY_L2, 1, 1, 1, 100, 1e-10, 0};
  lua_getfield(L, 5, "penalty");
  static const char *const pens[] = {"none", "l2", "l1", NULL};
  if (!lua_isnil(L, -1)) o.penalty = (cu_penalty)luaL_checkoption(L, -1, NULL, pens);
  lua_pop(L, 1);
  o.C = l_optnumber_field(L, 5, "C", 1);
  lua_getfield(L, 5, "standardize");
  if (!lua_isnil(L, -1)) o.standardize = lua_toboolean(L, -1);
  lua_getfield(L, 5, "fit_intercept");
  if (!lua_isnil(L, -1)) o.fit_intercept = lua_toboolean(L, -1);
  lua_pop(L, 2);
  o.max_iter = (int)l_optnumber_field(L, 5, "max_iter", 100);
  o.tol = l_optnumber_field(L, 5, "tol", 1e-10);
  o.threads = (int)l_optnumber_field(L, 5, "threads", 0);
  cu_logit m;
  cu_err e = {0};
  if (cu_logit_fit(&m, X, n, d, y, w, &o, &e)) return l_raise(L, &e);
  lua_createtable(L, 0, 12);
  push_array(L, m.coef, d);
  lua_setfield(L, -2, "coef");
  push_array(L, m.coef_std, d);
  lua_setfield(L, -2, "coef_std");
  push_array(L, m.mean, d);
  lua_setfield(L, -2, "mean");
  push_array(L, m.scale, d);
  lua_setfield(L, -2, "scale");
  if (m.se) {
    push_array(L, m.se, d + 1);
    lua_setfield(L, -2, "se");
  }
  l_setnum(L, "intercept", m.intercept);
  l_setnum(L, "intercept_std", m.intercept_std);
  l_setnum(L, "objective", m.objective);
  l_setnum(L, "loglik", m.loglik);
  l_setnum(L, "violation", m.violation);
  l_setint(L, "iterations", m.iterations);
  l_setbool(L, "converged", m.converged);
  cu_logit_free(&m);
  return 1;
}

/* logistic_predict(columns, names, coef, intercept) -> column */
static int l_logistic_predict(lua_State *L) {
  lua_settop(L, 4); /* optional arguments before the buffers pushed below */
  size_t n, d;
  const double **X = column_pointers(L, 1, &n, &d);
  luaL_checktype(L, 3, LUA_TTABLE);
  if ((size_t)lua_rawlen(L, 3) != d)
    luaL_error(L, "%d coefficients for %d features", (int)lua_rawlen(L, 3), (int)d);
  double *coef = lua_newuserdatauv(L, d * sizeof *coef, 0);
  for (size_t j = 0; j < d; j++) {
    lua_rawgeti(L, 3, (lua_Integer)j + 1);
    coef[j] = luaL_checknumber(L, -1);
    lua_pop(L, 1);
  }
  cu_logit m = {0};
  m.d = d;
  m.coef = coef;
  m.intercept = luaL_checknumber(L, 4);
  l_column_box *box = l_newcolumn(L);
  if (!(box->c = cu_column_new(CU_F64, n, NULL))) return luaL_error(L, "out of memory");
  cu_logit_predict(&m, X, n, box->c->data, 0);
  return 1;
}

/* ------------------------------------------------------------- metrics -- */

/* The scores at i as doubles, n of them. */
static double *scores(lua_State *L, int i, size_t n) {
  size_t m;
  double *p = column_doubles(L, i, "the score", &m);
  if (m != n) luaL_error(L, "%d scores for %d labels", (int)m, (int)n);
  return p;
}

/* metrics(y, p, [w], [eps]) -> {roc_auc, average_precision, log_loss, brier,
 * positives, negatives} */
static int l_metrics(lua_State *L) {
  lua_settop(L, 4); /* optional arguments before the buffers pushed below */
  size_t n;
  double *y = column_doubles(L, 1, "the label", &n);
  double *p = scores(L, 2, n), *w = opt_weights(L, 3, n);
  double eps = luaL_optnumber(L, 4, 2.220446049250313e-16); /* scikit-learn 1.2 "auto" */
  cu_err e = {0};
  cu_curve c;
  double ll, bs;
  if (cu_binary_curve(&c, y, p, w, n, &e)) return l_raise(L, &e);
  double auc = cu_curve_roc_auc(&c), ap = cu_curve_average_precision(&c);
  double P = c.m ? c.tp[c.m - 1] : 0, N = c.m ? c.fp[c.m - 1] : 0;
  cu_curve_free(&c);
  if (cu_prob_scores(y, p, w, n, eps, &ll, &bs, &e)) {
    ll = NAN; /* scores that are not probabilities still rank */
    bs = NAN;
  }
  lua_createtable(L, 0, 6);
  l_setnum(L, "roc_auc", auc);
  l_setnum(L, "average_precision", ap);
  l_setnum(L, "log_loss", ll);
  l_setnum(L, "brier", bs);
  l_setnum(L, "positives", P);
  l_setnum(L, "negatives", N);
  return 1;
}

/* curve(y, p, [w]) -> thresholds, tp, fp columns */
static int l_curve(lua_State *L) {
  lua_settop(L, 3); /* optional arguments before the buffers pushed below */
  size_t n;
  double *y = column_doubles(L, 1, "the label", &n);
  double *p = scores(L, 2, n), *w = opt_weights(L, 3, n);
  cu_err e = {0};
  cu_curve c;
  if (cu_binary_curve(&c, y, p, w, n, &e)) return l_raise(L, &e);
  /* copy into Lua-owned buffers before anything can raise */
  double *buf = lua_newuserdatauv(L, (3 * c.m + 1) * sizeof *buf, 0);
  size_t m = c.m;
  memcpy(buf, c.thr, m * sizeof *buf);
  memcpy(buf + m, c.tp, m * sizeof *buf);
  memcpy(buf + 2 * m, c.fp, m * sizeof *buf);
  cu_curve_free(&c);
  push_f64(L, buf, m);
  push_f64(L, buf + m, m);
  push_f64(L, buf + 2 * m, m);
  return 3;
}

/* confusion(y, p, threshold, [w]) -> tp, fp, tn, fn */
static int l_confusion(lua_State *L) {
  lua_settop(L, 4); /* optional arguments before the buffers pushed below */
  size_t n;
  double *y = column_doubles(L, 1, "the label", &n);
  double *p = scores(L, 2, n);
  double thr = luaL_checknumber(L, 3), *w = opt_weights(L, 4, n), cm[4];
  cu_confusion(y, p, w, n, thr, cm);
  for (int k = 0; k < 4; k++) lua_pushnumber(L, cm[k]);
  return 4;
}

/* score_groups(y, p, k) -> array of {rows, positives, mean_score, min_score} */
static int l_score_groups(lua_State *L) {
  lua_settop(L, 3); /* optional arguments before the buffers pushed below */
  size_t n;
  double *y = column_doubles(L, 1, "the label", &n);
  double *p = scores(L, 2, n);
  int k = (int)luaL_checkinteger(L, 3);
  luaL_argcheck(L, k >= 1 && k <= 1000, 3, "groups must be 1 to 1000");
  double *out = lua_newuserdatauv(L, (size_t)k * 4 * sizeof *out, 0);
  cu_err e = {0};
  if (cu_score_groups(y, p, n, k, out, &e)) return l_raise(L, &e);
  lua_createtable(L, k, 0);
  for (int g = 0; g < k; g++) {
    lua_createtable(L, 0, 4);
    l_setnum(L, "rows", out[4 * g]);
    l_setnum(L, "positives", out[4 * g + 1]);
    l_setnum(L, "mean_score", out[4 * g + 2]);
    l_setnum(L, "min_score", out[4 * g + 3]);
    lua_rawseti(L, -2, g + 1);
  }
  return 1;
}

/* calibration(y, p, bins) -> array of {rows, mean_predicted, positives} */
static int l_calibration(lua_State *L) {
  lua_settop(L, 3); /* optional arguments before the buffers pushed below */
  size_t n;
  double *y = column_doubles(L, 1, "the label", &n);
  double *p = scores(L, 2, n);
  int k = (int)luaL_checkinteger(L, 3);
  luaL_argcheck(L, k >= 1 && k <= 1000, 3, "bins must be 1 to 1000");
  double *out = lua_newuserdatauv(L, (size_t)k * 3 * sizeof *out, 0);
  cu_calibration_bins(y, p, n, k, out);
  lua_createtable(L, k, 0);
  for (int g = 0; g < k; g++) {
    lua_createtable(L, 0, 3);
    l_setnum(L, "rows", out[3 * g]);
    l_setnum(L, "mean_predicted", out[3 * g + 1]);
    l_setnum(L, "positives", out[3 * g + 2]);
    lua_rawseti(L, -2, g + 1);
  }
  return 1;
}

/* ------------------------------------------------------------- splits -- */

/* class labels 0, 1, ... (0/1 for a binary label); *ncls = largest + 1 */
static int32_t *classes(lua_State *L, int i, size_t *pn, int *ncls) {
  size_t n;
  double *y = column_doubles(L, i, "the label", &n);
  int32_t *cls = lua_newuserdatauv(L, (n ? n : 1) * sizeof *cls, 0);
  *ncls = 2;
  for (size_t r = 0; r < n; r++) {
    if (!(y[r] >= 0 && y[r] < 10000 && y[r] == floor(y[r])))
      luaL_error(L, "row %d: the label must be a class 0, 1, ..., got %g", (int)r + 1, y[r]);
    cls[r] = (int32_t)y[r];
    if (cls[r] + 1 > *ncls) *ncls = cls[r] + 1;
  }
  *pn = n;
  return cls;
}

/* stratified_split(y, test_fraction, seed) -> bool column (true: test) */
static int l_stratified_split(lua_State *L) {
  lua_settop(L, 3); /* optional arguments before the buffers pushed below */
  size_t n;
  int ncls;
  int32_t *cls = classes(L, 1, &n, &ncls);
  double frac = luaL_checknumber(L, 2);
  uint64_t seed = (uint64_t)luaL_checkinteger(L, 3);
  l_column_box *box = l_newcolumn(L);
  if (!(box->c = cu_column_new(CU_BOOL, n, NULL))) return luaL_error(L, "out of memory");
  cu_err e = {0};
  if (cu_stratified_split(cls, n, ncls, frac, seed, box->c->data, &e)) return l_raise(L, &e);
  return 1;
}

/* stratified_folds(y, k, seed) -> int column of folds 1..k */
static int l_stratified_folds(lua_State *L) {
  lua_settop(L, 3); /* optional arguments before the buffers pushed below */
  size_t n;
  int ncls;
  int32_t *cls = classes(L, 1, &n, &ncls);
  int k = (int)luaL_checkinteger(L, 2);
  uint64_t seed = (uint64_t)luaL_checkinteger(L, 3);
  int32_t *fold = lua_newuserdatauv(L, (n ? n : 1) * sizeof *fold, 0);
  cu_err e = {0};
  if (cu_stratified_folds(cls, n, ncls, k, seed, fold, &e)) return l_raise(L, &e);
  l_column_box *box = l_newcolumn(L);
  if (!(box->c = cu_column_new(CU_I64, n, NULL))) return luaL_error(L, "out of memory");
  for (size_t r = 0; r < n; r++) ((int64_t *)box->c->data)[r] = fold[r] + 1;
  return 1;
}

/* permutation(n, seed, [stream]) -> int column, a shuffle of 1..n */
static int l_permutation(lua_State *L) {
  lua_settop(L, 3); /* optional arguments before the buffers pushed below */
  lua_Integer n = luaL_checkinteger(L, 1);
  luaL_argcheck(L, n >= 0, 1, "must be >= 0");
  uint64_t seed = (uint64_t)luaL_checkinteger(L, 2), stream = (uint64_t)luaL_optinteger(L, 3, 0);
  size_t *idx = lua_newuserdatauv(L, ((size_t)n ? (size_t)n : 1) * sizeof *idx, 0);
  gsl_rng *r = cu_rng_for(seed, 0x9e3 + stream);
  if (!r) return luaL_error(L, "out of memory");
  cu_shuffle(idx, (size_t)n, r);
  gsl_rng_free(r);
  l_column_box *box = l_newcolumn(L);
  if (!(box->c = cu_column_new(CU_I64, (size_t)n, NULL))) return luaL_error(L, "out of memory");
  for (size_t i = 0; i < (size_t)n; i++) ((int64_t *)box->c->data)[i] = (int64_t)idx[i] + 1;
  return 1;
}

/* --------------------------------------------------------------- SMOTE -- */

/* smote(columns, names, minority (bool column), k, n_new, seed) -> array of
 * n_new-row float64 columns */
static int l_smote(lua_State *L) {
  lua_settop(L, 6); /* optional arguments before the buffers pushed below */
  size_t n, d;
  double *X = l_gather(L, 1, &n, &d, 0);
  cu_column *mc = l_checkcolumn(L, 3);
  if (mc->type != CU_BOOL || mc->n != n)
    luaL_error(L, "the minority flags must be a bool column of %d rows", (int)n);
  int k = (int)luaL_checkinteger(L, 4);
  lua_Integer nn = luaL_checkinteger(L, 5);
  luaL_argcheck(L, nn >= 0, 5, "must be >= 0");
  uint64_t seed = (uint64_t)luaL_checkinteger(L, 6);
  uint8_t *minority = lua_newuserdatauv(L, n ? n : 1, 0);
  for (size_t r = 0; r < n; r++) minority[r] = cu_is_valid(mc, r) && ((uint8_t *)mc->data)[r];
  double *out = lua_newuserdatauv(L, ((size_t)nn * d > 0 ? (size_t)nn * d : 1) * sizeof *out, 0);
  cu_err e = {0};
  if (cu_smote(X, n, d, minority, k, (size_t)nn, seed, 0, out, &e)) return l_raise(L, &e);
  lua_createtable(L, (int)d, 0);
  for (size_t j = 0; j < d; j++) {
    l_column_box *box = l_newcolumn(L);
    if (!(box->c = cu_column_new(CU_F64, (size_t)nn, NULL))) return luaL_error(L, "out of memory");
    double *v = box->c->data;
    for (size_t r = 0; r < (size_t)nn; r++) v[r] = out[r * d + j];
    lua_rawseti(L, -2, (lua_Integer)j + 1);
  }
  return 1;
}

/* ------------------------------------------------------------- XGBoost -- */

static booster_box *check_booster(lua_State *L, int i) {
  booster_box *b = luaL_checkudata(L, i, BOOSTER_MT);
  luaL_argcheck(L, b->m != NULL, i, "booster is closed");
  return b;
}

static booster_box *new_booster(lua_State *L) {
  booster_box *b = lua_newuserdatauv(L, sizeof *b, 0);
  b->m = NULL;
  luaL_setmetatable(L, BOOSTER_MT);
  return b;
}

/* The strings of the array at i (kept alive by it). */
static const char **strings(lua_State *L, int i, size_t *pn) {
  luaL_checktype(L, i, LUA_TTABLE);
  size_t n = (size_t)lua_rawlen(L, i);
  const char **v = lua_newuserdatauv(L, (n + 1) * sizeof *v, 0);
  for (size_t k = 0; k < n; k++) {
    lua_rawgeti(L, i, (lua_Integer)k + 1);
    if (lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "item %d is not a string", (int)k + 1);
    v[k] = lua_tostring(L, -1);
    lua_pop(L, 1);
  }
  v[n] = NULL;
  *pn = n;
  return v;
}

/* xgb_train(columns, names, y, w, keys, values, rounds) -> booster; keys
 * and values are arrays of strings */
static int l_xgb_train(lua_State *L) {
  lua_settop(L, 7); /* optional arguments before the buffers pushed below */
  size_t n, d, nk, nv, nn;
  double *X = l_gather(L, 1, &n, &d, 1);
  double *y = class_labels(L, 3, n), *w = opt_weights(L, 4, n);
  const char **keys = strings(L, 5, &nk), **vals = strings(L, 6, &nv);
  int rounds = (int)luaL_checkinteger(L, 7);
  if (nk != nv) luaL_error(L, "%d parameter names for %d values", (int)nk, (int)nv);
  const char **names = strings(L, 2, &nn);
  if (nn != d) luaL_error(L, "%d names for %d features", (int)nn, (int)d);
  booster_box *b = new_booster(L);
  cu_err e = {0};
  if (cu_xgb_train(&b->m, X, n, d, y, w, keys, vals, nk, rounds, names, &e)) return l_raise(L, &e);
  return 1;
}

/* xgb_load(json) -> booster */
/* xgb_collective(config | nil): starts XGBoost's collective with a JSON
 * config, or stops it when given nil */
static int l_xgb_collective(lua_State *L) {
  if (lua_isnoneornil(L, 1)) {
    cu_xgb_collective_stop();
    return 0;
  }
  cu_err e = {0};
  if (cu_xgb_collective_start(luaL_checkstring(L, 1), &e)) return l_raise(L, &e);
  return 0;
}

static int l_xgb_load(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  booster_box *b = new_booster(L);
  cu_err e = {0};
  if (cu_xgb_load(&b->m, s, len, &e)) return l_raise(L, &e);
  return 1;
}

/* booster:predict(columns, names) -> column */
static int bo_predict(lua_State *L) {
  lua_settop(L, 3); /* optional arguments before the buffers pushed below */
  booster_box *b = check_booster(L, 1);
  size_t n, d;
  double *X = l_gather(L, 2, &n, &d, 1);
  l_column_box *box = l_newcolumn(L);
  if (!(box->c = cu_column_new(CU_F64, n, NULL))) return luaL_error(L, "out of memory");
  cu_err e = {0};
  if (cu_xgb_predict(b->m, X, n, d, box->c->data, 0, &e)) return l_raise(L, &e);
  return 1;
}

/* booster:predict_classes(columns, names, k) -> array of k columns, the
 * probability of each class (a multi:softprob model) */
static int bo_predict_classes(lua_State *L) {
  lua_settop(L, 4);
  booster_box *b = check_booster(L, 1);
  lua_Integer k = luaL_checkinteger(L, 4);
  luaL_argcheck(L, k >= 1 && k <= 10000, 4, "classes must be 1..10000");
  size_t n, d;
  double *X = l_gather(L, 2, &n, &d, 1);
  double *p = lua_newuserdatauv(L, (n ? n : 1) * (size_t)k * sizeof *p, 0);
  cu_err e = {0};
  if (cu_xgb_predict_k(b->m, X, n, d, (size_t)k, p, 0, &e)) return l_raise(L, &e);
  lua_createtable(L, (int)k, 0);
  for (lua_Integer j = 0; j < k; j++) {
    l_column_box *box = l_newcolumn(L);
    if (!(box->c = cu_column_new(CU_F64, n, NULL))) return luaL_error(L, "out of memory");
    double *out = box->c->data;
    for (size_t i = 0; i < n; i++) out[i] = p[i * (size_t)k + (size_t)j];
    lua_rawseti(L, -2, j + 1);
  }
  return 1;
}

/* booster:save() -> the model as XGBoost JSON text */
static int bo_save(lua_State *L) {
  booster_box *b = check_booster(L, 1);
  char *json;
  size_t len;
  cu_err e = {0};
  if (cu_xgb_save(b->m, &json, &len, &e)) return l_raise(L, &e);
  lua_pushlstring(L, json, len); /* can raise only for memory; then it leaks once */
  free(json);
  return 1;
}

static int bo_set_attr(lua_State *L) {
  booster_box *b = check_booster(L, 1);
  cu_err e = {0};
  if (cu_xgb_set_attr(b->m, luaL_checkstring(L, 2), luaL_checkstring(L, 3), &e))
    return l_raise(L, &e);
  return 0;
}

static int bo_attr(lua_State *L) {
  booster_box *b = check_booster(L, 1);
  char *v;
  cu_err e = {0};
  if (cu_xgb_get_attr(b->m, luaL_checkstring(L, 2), &v, &e)) return l_raise(L, &e);
  if (v)
    lua_pushstring(L, v);
  else
    lua_pushnil(L);
  free(v);
  return 1;
}

/* booster:shape() -> features, rounds */
static int bo_shape(lua_State *L) {
  booster_box *b = check_booster(L, 1);
  size_t nf;
  int rounds;
  cu_err e = {0};
  if (cu_xgb_shape(b->m, &nf, &rounds, &e)) return l_raise(L, &e);
  lua_pushinteger(L, (lua_Integer)nf);
  lua_pushinteger(L, rounds);
  return 2;
}

/* booster:importance(type) -> {feature name = score} */
static int bo_importance(lua_State *L) {
  booster_box *b = check_booster(L, 1);
  static const char *const types[] = {"gain", "total_gain", "weight", "cover", "total_cover", NULL};
  const char *type = types[luaL_checkoption(L, 2, "total_gain", types)];
  size_t count;
  char **names;
  double *sc;
  cu_err e = {0};
  if (cu_xgb_importance(b->m, type, &count, &names, &sc, &e)) return l_raise(L, &e);
  lua_createtable(L, 0, (int)count);
  for (size_t i = 0; i < count; i++) {
    lua_pushnumber(L, sc[i]);
    lua_setfield(L, -2, names[i]);
    free(names[i]);
  }
  free(names);
  free(sc);
  return 1;
}

static int bo_close(lua_State *L) {
  booster_box *b = luaL_checkudata(L, 1, BOOSTER_MT);
  cu_xgb_free(b->m);
  b->m = NULL;
  return 0;
}

/* normal_sf(z): P(Z > z) for a standard normal Z */
static int l_normal_sf(lua_State *L) {
  lua_pushnumber(L, 0.5 * erfc(luaL_checknumber(L, 1) / sqrt(2.0)));
  return 1;
}

static int l_xgb_version(lua_State *L) {
  lua_pushstring(L, cu_xgb_version());
  return 1;
}

static const luaL_Reg booster_methods[] = {{"predict", bo_predict},
                                           {"predict_classes", bo_predict_classes},   {"save", bo_save},
                                           {"set_attr", bo_set_attr}, {"attr", bo_attr},
                                           {"shape", bo_shape},       {"importance", bo_importance},
                                           {"close", bo_close},       {NULL, NULL}};

static const luaL_Reg module_fns[] = {{"logistic_fit", l_logistic_fit},
                                      {"logistic_predict", l_logistic_predict},
                                      {"metrics", l_metrics},
                                      {"curve", l_curve},
                                      {"confusion", l_confusion},
                                      {"score_groups", l_score_groups},
                                      {"calibration", l_calibration},
                                      {"stratified_split", l_stratified_split},
                                      {"stratified_folds", l_stratified_folds},
                                      {"permutation", l_permutation},
                                      {"smote", l_smote},
                                      {"xgb_train", l_xgb_train},
                                      {"xgb_load", l_xgb_load},
                                      {"xgb_collective", l_xgb_collective},
                                      {"xgb_version", l_xgb_version},
                                      {"normal_sf", l_normal_sf},
                                      {NULL, NULL}};

int luaopen_custan_ml(lua_State *L) {
  luaL_requiref(L, "custan.core.frame", luaopen_custan_frame, 0); /* column metatables */
  lua_pop(L, 1);
  luaL_newmetatable(L, BOOSTER_MT);
  luaL_newlib(L, booster_methods);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, bo_close);
  lua_setfield(L, -2, "__gc");
  lua_pushcfunction(L, bo_close);
  lua_setfield(L, -2, "__close");
  lua_pop(L, 1);
  luaL_newlib(L, module_fns);
  return 1;
}
