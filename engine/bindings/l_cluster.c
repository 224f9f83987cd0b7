/* l_cluster.c: custan.core.cluster, the thin layer over cluster.c.
 *
 * Features arrive as an array of numeric columns (with names for the
 * messages) and become one row-major matrix (l_gather).  Cluster numbers
 * are 1-based in Lua. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bindings.h"
#include "cluster.h"

#define GMM_MT "custan.GMM"

typedef struct {
  cu_gmm m;
} gmm_box;

/* An int64 column of 1-based labels. */
static void push_labels(lua_State *L, const int32_t *lab, size_t n) {
  l_column_box *box = l_newcolumn(L);
  if (!(box->c = cu_column_new(CU_I64, n, NULL))) luaL_error(L, "out of memory");
  int64_t *v = box->c->data;
  for (size_t i = 0; i < n; i++) v[i] = (int64_t)lab[i] + 1;
}

static void push_rows(lua_State *L, const double *A, size_t rows, size_t cols) {
  lua_createtable(L, (int)rows, 0);
  for (size_t r = 0; r < rows; r++) {
    lua_createtable(L, (int)cols, 0);
    for (size_t c = 0; c < cols; c++) {
      lua_pushnumber(L, A[r * cols + c]);
      lua_rawseti(L, -2, (lua_Integer)c + 1);
    }
    lua_rawseti(L, -2, (lua_Integer)r + 1);
  }
}

/* k x d centres from a Lua table of rows */
static double *read_rows(lua_State *L, int i, size_t k, size_t d) {
  luaL_checktype(L, i, LUA_TTABLE);
  if ((size_t)lua_rawlen(L, i) != k) luaL_error(L, "expected %d centres", (int)k);
  double *C = lua_newuserdatauv(L, k * d * sizeof *C, 0);
  for (size_t r = 0; r < k; r++) {
    lua_rawgeti(L, i, (lua_Integer)r + 1);
    luaL_checktype(L, -1, LUA_TTABLE);
    if ((size_t)lua_rawlen(L, -1) != d)
      luaL_error(L, "centre %d has %d values for %d features", (int)r + 1, (int)lua_rawlen(L, -1),
                 (int)d);
    for (size_t c = 0; c < d; c++) {
      lua_rawgeti(L, -1, (lua_Integer)c + 1);
      C[r * d + c] = luaL_checknumber(L, -1);
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
  return C;
}

/* kmeans(columns, names, {k, n_init, max_iter, tol, seed, threads, weights, init}) */
static int l_kmeans(lua_State *L) {
  size_t n, d;
  double *X = l_gather(L, 1, &n, &d, 0);
  luaL_checktype(L, 3, LUA_TTABLE);
  cu_kmeans_options o = {.k = (int)l_optinteger_field(L, 3, "k", 0),
                         .n_init = (int)l_optinteger_field(L, 3, "n_init", 10),
                         .max_iter = (int)l_optinteger_field(L, 3, "max_iter", 300),
                         .tol = l_optnumber_field(L, 3, "tol", 1e-4),
                         .seed = (unsigned long)(int)l_optinteger_field(L, 3, "seed", 0),
                         .threads = (int)l_optinteger_field(L, 3, "threads", 0)};
  double *w = NULL;
  lua_getfield(L, 3, "weights");
  if (!lua_isnil(L, -1)) {
    cu_column *c = l_checkcolumn(L, -1);
    if (c->n != n) luaL_error(L, "weights: %d values for %d rows", (int)c->n, (int)n);
    w = lua_newuserdatauv(L, (n ? n : 1) * sizeof *w, 0);
    for (size_t r = 0; r < n; r++) w[r] = cu_is_valid(c, r) ? cu_column_get_f(c, r) : NAN;
  }
  lua_getfield(L, 3, "init");
  if (!lua_isnil(L, -1)) o.init = read_rows(L, lua_gettop(L), (size_t)o.k, d);
  cu_kmeans m;
  cu_err e = {0};
  if (cu_kmeans_fit(&m, X, w, n, d, &o, &e)) return l_raise(L, &e);
  lua_createtable(L, 0, 10);
  push_rows(L, m.centers, m.k, m.d);
  lua_setfield(L, -2, "centers");
  push_labels(L, m.labels, n);
  lua_setfield(L, -2, "labels");
  l_setnum(L, "inertia", m.inertia);
  l_setint(L, "iterations", m.iterations);
  l_setbool(L, "converged", m.converged);
  l_setint(L, "best_init", m.best_init + 1);
  l_setint(L, "n_init", m.n_init);
  l_setint(L, "relocated", (lua_Integer)m.relocated);
  cu_kmeans_free(&m);
  return 1;
}

/* nearest(columns, names, centres) -> labels, squared distances */
static int l_nearest(lua_State *L) {
  size_t n, d;
  double *X = l_gather(L, 1, &n, &d, 0);
  luaL_checktype(L, 3, LUA_TTABLE);
  size_t k = (size_t)lua_rawlen(L, 3);
  if (k == 0) luaL_argerror(L, 3, "no centres");
  double *C = read_rows(L, 3, k, d);
  int32_t *lab = lua_newuserdatauv(L, (n ? n : 1) * sizeof *lab, 0);
  l_column_box *dist = l_newcolumn(L);
  if (!(dist->c = cu_column_new(CU_F64, n, NULL))) luaL_error(L, "out of memory");
  cu_nearest(X, n, d, C, k, lab, dist->c->data, 0);
  push_labels(L, lab, n);
  lua_insert(L, -2);
  return 2;
}

static const char *const cov_names[] = {"full", "diag", "spherical", NULL};

static void push_gmm_params(lua_State *L, const cu_gmm *m) {
  size_t k = m->k, d = m->d;
  lua_createtable(L, (int)k, 0);
  for (size_t j = 0; j < k; j++) {
    lua_pushnumber(L, m->weights[j]);
    lua_rawseti(L, -2, (lua_Integer)j + 1);
  }
  lua_setfield(L, -2, "weights");
  push_rows(L, m->means, k, d);
  lua_setfield(L, -2, "means");
  lua_createtable(L, (int)k, 0);
  for (size_t j = 0; j < k; j++) {
    if (m->cov == CU_COV_FULL) {
      push_rows(L, m->covs + j * d * d, d, d); /* a d x d matrix */
    } else if (m->cov == CU_COV_DIAG) {
      lua_createtable(L, (int)d, 0); /* the d variances */
      for (size_t q = 0; q < d; q++) {
        lua_pushnumber(L, m->covs[j * d + q]);
        lua_rawseti(L, -2, (lua_Integer)q + 1);
      }
    } else {
      lua_pushnumber(L, m->covs[j]); /* one variance */
    }
    lua_rawseti(L, -2, (lua_Integer)j + 1);
  }
  lua_setfield(L, -2, "covariances");
}

/* gmm(columns, names, {k, covariance, n_init, max_iter, tol, reg_covar, seed, threads}) */
static int l_gmm(lua_State *L) {
  size_t n, d;
  double *X = l_gather(L, 1, &n, &d, 0);
  luaL_checktype(L, 3, LUA_TTABLE);
  lua_getfield(L, 3, "covariance");
  int cov = luaL_checkoption(L, -1, "full", cov_names);
  lua_pop(L, 1);
  cu_gmm_options o = {.k = (int)l_optinteger_field(L, 3, "k", 0),
                      .cov = (cu_cov_type)cov,
                      .n_init = (int)l_optinteger_field(L, 3, "n_init", 1),
                      .max_iter = (int)l_optinteger_field(L, 3, "max_iter", 100),
                      .tol = l_optnumber_field(L, 3, "tol", 1e-3),
                      .reg_covar = l_optnumber_field(L, 3, "reg_covar", 1e-6),
                      .seed = (unsigned long)(int)l_optinteger_field(L, 3, "seed", 0),
                      .threads = (int)l_optinteger_field(L, 3, "threads", 0)};
  if (o.reg_covar == 0) o.reg_covar = -1; /* 0 in Lua means none */
  gmm_box *box = lua_newuserdatauv(L, sizeof *box, 0);
  memset(box, 0, sizeof *box);
  luaL_setmetatable(L, GMM_MT);
  cu_err e = {0};
  if (cu_gmm_fit(&box->m, X, n, d, &o, &e)) return l_raise(L, &e);
  l_account(L, box->m.k * box->m.d * box->m.d * 16 + n * sizeof(int32_t));
  lua_createtable(L, 0, 16);
  lua_pushvalue(L, -2);
  lua_setfield(L, -2, "handle");
  push_gmm_params(L, &box->m);
  l_setstr(L, "covariance", cov_names[cov]);
  push_labels(L, box->m.labels, n);
  lua_setfield(L, -2, "labels");
  l_setnum(L, "mean_loglik", box->m.mean_loglik);
  l_setnum(L, "loglik", box->m.loglik);
  l_setnum(L, "aic", box->m.aic);
  l_setnum(L, "bic", box->m.bic);
  l_setint(L, "n_params", (lua_Integer)box->m.n_params);
  l_setint(L, "iterations", box->m.iterations);
  l_setbool(L, "converged", box->m.converged);
  l_setint(L, "best_init", box->m.best_init + 1);
  return 1;
}

/* gmm_predict(handle, columns, names) -> labels, {probability columns}, ln p */
static int l_gmm_predict(lua_State *L) {
  gmm_box *box = luaL_checkudata(L, 1, GMM_MT);
  size_t n, d, k = box->m.k;
  double *X = l_gather(L, 2, &n, &d, 0);
  if (d != box->m.d) luaL_error(L, "the model has %d features, got %d", (int)box->m.d, (int)d);
  int32_t *lab = lua_newuserdatauv(L, (n ? n : 1) * sizeof *lab, 0);
  double *resp = lua_newuserdatauv(L, (n ? n : 1) * k * sizeof *resp, 0);
  l_column_box *lp = l_newcolumn(L);
  if (!(lp->c = cu_column_new(CU_F64, n, NULL))) luaL_error(L, "out of memory");
  cu_err e = {0};
  if (cu_gmm_predict(&box->m, X, n, lab, resp, lp->c->data, 0, &e)) return l_raise(L, &e);
  push_labels(L, lab, n);
  lua_createtable(L, (int)k, 0);
  for (size_t j = 0; j < k; j++) {
    l_column_box *c = l_newcolumn(L);
    if (!(c->c = cu_column_new(CU_F64, n, NULL))) luaL_error(L, "out of memory");
    double *v = c->c->data;
    for (size_t i = 0; i < n; i++) v[i] = resp[i * k + j];
    lua_rawseti(L, -2, (lua_Integer)j + 1);
  }
  lua_pushvalue(L, -4); /* ln p */
  return 3;
}

static int gmm_gc(lua_State *L) {
  gmm_box *box = luaL_checkudata(L, 1, GMM_MT);
  cu_gmm_free(&box->m);
  return 0;
}

/* metrics(columns, names, labels (1-based), k, {silhouette_max, seed, threads}) */
static int l_metrics(lua_State *L) {
  size_t n, d;
  double *X = l_gather(L, 1, &n, &d, 0);
  cu_column *lc = l_checkcolumn(L, 3);
  lua_Integer k = luaL_checkinteger(L, 4);
  luaL_argcheck(L, k >= 1 && k <= 1000000, 4, "bad number of clusters");
  if (lc->n != n) luaL_error(L, "%d labels for %d rows", (int)lc->n, (int)n);
  int32_t *lab = lua_newuserdatauv(L, (n ? n : 1) * sizeof *lab, 0);
  for (size_t i = 0; i < n; i++) {
    double v = cu_is_valid(lc, i) ? cu_column_get_f(lc, i) : NAN;
    if (!(v >= 1 && v <= (double)k && v == floor(v)))
      luaL_error(L, "row %d: cluster %s is not in 1..%d", (int)i + 1,
                 isnan(v) ? "missing" : lua_pushfstring(L, "%f", v), (int)k);
    lab[i] = (int32_t)v - 1;
  }
  int t = lua_istable(L, 5) ? 5 : 0;
  size_t smax = t ? (size_t)(int)l_optinteger_field(L, 5, "silhouette_max", 10000) : 10000;
  unsigned long seed = t ? (unsigned long)(int)l_optinteger_field(L, 5, "seed", 0) : 0;
  int threads = t ? (int)l_optinteger_field(L, 5, "threads", 0) : 0;
  cu_cluster_metrics m;
  cu_err e = {0};
  if (cu_cluster_metrics_compute(&m, X, n, d, lab, (size_t)k, smax, seed, threads, &e))
    return l_raise(L, &e);
  lua_createtable(L, 0, 7);
  if (!isnan(m.silhouette)) l_setnum(L, "silhouette", m.silhouette);
  l_setint(L, "silhouette_rows", (lua_Integer)m.silhouette_rows);
  l_setbool(L, "silhouette_sampled", m.silhouette_sampled);
  l_setnum(L, "calinski_harabasz", m.calinski_harabasz);
  l_setnum(L, "davies_bouldin", m.davies_bouldin);
  l_setnum(L, "inertia", m.inertia);
  l_setint(L, "clusters", (lua_Integer)m.clusters);
  return 1;
}

/* adjusted_rand(a, b): two columns of labels 1, 2, ... (custan.cluster
 * codes any labels first) */
static int l_adjusted_rand(lua_State *L) {
  cu_column *ca = l_checkcolumn(L, 1), *cb = l_checkcolumn(L, 2);
  if (ca->n != cb->n) return luaL_error(L, "adjusted_rand: %d labels against %d", (int)ca->n, (int)cb->n);
  size_t n = ca->n;
  int32_t *lab = lua_newuserdatauv(L, (n ? 2 * n : 1) * sizeof *lab, 0);
  for (size_t i = 0; i < n; i++) {
    double x = cu_is_valid(ca, i) ? cu_column_get_f(ca, i) : NAN;
    double y = cu_is_valid(cb, i) ? cu_column_get_f(cb, i) : NAN;
    if (!(x >= 1 && y >= 1 && x < 2e9 && y < 2e9))
      return luaL_error(L, "adjusted_rand: row %d has a missing or bad label", (int)i + 1);
    lab[i] = (int32_t)x - 1;
    lab[n + i] = (int32_t)y - 1;
  }
  double ari;
  cu_err e = {0};
  if (cu_adjusted_rand(lab, lab + n, n, &ari, &e)) return l_raise(L, &e);
  lua_pushnumber(L, ari);
  return 1;
}

/* pca(columns, names, m) */
static int l_pca(lua_State *L) {
  size_t n, d;
  double *X = l_gather(L, 1, &n, &d, 0);
  lua_Integer m = luaL_optinteger(L, 3, 2);
  luaL_argcheck(L, m >= 1 && (size_t)m <= d, 3, "components must be between 1 and the features");
  size_t M = (size_t)m;
  double *buf = lua_newuserdatauv(L, (d + M * d + 2 * M + (n ? n : 1) * M) * sizeof *buf, 0);
  double *mean = buf, *comp = mean + d, *var = comp + M * d, *ratio = var + M, *scores = ratio + M;
  cu_err e = {0};
  if (cu_pca(X, n, d, M, mean, comp, var, ratio, scores, &e)) return l_raise(L, &e);
  lua_createtable(L, 0, 5);
  push_rows(L, mean, 1, d);
  lua_rawgeti(L, -1, 1);
  lua_setfield(L, -3, "mean");
  lua_pop(L, 1);
  push_rows(L, comp, M, d);
  lua_setfield(L, -2, "components");
  push_rows(L, var, 1, M);
  lua_rawgeti(L, -1, 1);
  lua_setfield(L, -3, "variance");
  lua_pop(L, 1);
  push_rows(L, ratio, 1, M);
  lua_rawgeti(L, -1, 1);
  lua_setfield(L, -3, "variance_ratio");
  lua_pop(L, 1);
  lua_createtable(L, (int)M, 0);
  for (size_t c = 0; c < M; c++) {
    l_column_box *box = l_newcolumn(L);
    if (!(box->c = cu_column_new(CU_F64, n, NULL))) luaL_error(L, "out of memory");
    double *v = box->c->data;
    for (size_t i = 0; i < n; i++) v[i] = scores[i * M + c];
    lua_rawseti(L, -2, (lua_Integer)c + 1);
  }
  lua_setfield(L, -2, "scores");
  return 1;
}

/* tsne(columns, names, perplexity, iterations, threads) -> x, y columns */
static int l_tsne(lua_State *L) {
  size_t n, d;
  double *X = l_gather(L, 1, &n, &d, 0);
  double perplexity = luaL_optnumber(L, 3, 30);
  lua_Integer iterations = luaL_optinteger(L, 4, 1000), threads = luaL_optinteger(L, 5, 0);
  luaL_argcheck(L, iterations >= 250 && iterations <= 100000, 4, "iterations must be 250 to 100,000");
  double *Y = lua_newuserdatauv(L, 2 * (n ? n : 1) * sizeof *Y, 0);
  cu_err e = {0};
  if (cu_tsne(Y, X, n, d, perplexity, (int)iterations, (int)threads, &e)) return l_raise(L, &e);
  for (int c = 0; c < 2; c++) {
    l_column_box *box = l_newcolumn(L);
    if (!(box->c = cu_column_new(CU_F64, n, NULL))) return luaL_error(L, "out of memory");
    double *v = box->c->data;
    for (size_t i = 0; i < n; i++) v[i] = Y[2 * i + (size_t)c];
  }
  return 2;
}

/* trustworthiness(columns, names, embedded_columns, embedded_names, k) -> number */
static int l_trustworthiness(lua_State *L) {
  size_t n, d, n2, d2;
  double *X = l_gather(L, 1, &n, &d, 0);
  double *Y = l_gather(L, 3, &n2, &d2, 0);
  luaL_argcheck(L, n == n2, 3, "the embedding has another number of rows");
  lua_Integer k = luaL_optinteger(L, 5, 5);
  luaL_argcheck(L, k >= 1, 5, "k must be at least 1");
  double t;
  cu_err e = {0};
  if (cu_trustworthiness(&t, X, d, Y, d2, n, (size_t)k, &e)) return l_raise(L, &e);
  lua_pushnumber(L, t);
  return 1;
}

int luaopen_custan_cluster(lua_State *L) {
  luaL_requiref(L, "custan.core.frame", luaopen_custan_frame, 0); /* column metatables */
  lua_pop(L, 1);
  if (luaL_newmetatable(L, GMM_MT)) {
    lua_pushcfunction(L, gmm_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_pop(L, 1);
  static const luaL_Reg fns[] = {{"kmeans", l_kmeans},
                                 {"nearest", l_nearest},
                                 {"gmm", l_gmm},
                                 {"gmm_predict", l_gmm_predict},
                                 {"metrics", l_metrics},
                                 {"adjusted_rand", l_adjusted_rand},
                                 {"pca", l_pca},
                                 {"tsne", l_tsne},
                                 {"trustworthiness", l_trustworthiness},
                                 {NULL, NULL}};
  luaL_newlib(L, fns);
  return 1;
}
