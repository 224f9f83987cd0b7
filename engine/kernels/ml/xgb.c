/* xgb.c: the XGBoost C API behind xgb.h. */
#include "xgb.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xgboost/c_api.h>

#include "parallel.h"

struct cu_xgb {
  BoosterHandle h;
};

static int xgb_fail(cu_err *e, const char *what) {
  return cu_err_set(e, CU_EARG, "XGBoost %s: %s", what, XGBGetLastError());
}

/* A DMatrix of the rows (float32, NaN missing). */
static int make_dmatrix(DMatrixHandle *out, const double *X, size_t n, size_t d, int threads,
                        cu_err *e) {
  float *f = malloc((n * d > 0 ? n * d : 1) * sizeof *f);
  if (!f) return cu_err_set(e, CU_ENOMEM, "out of memory");
  for (size_t i = 0; i < n * d; i++) f[i] = (float)X[i];
  int rc = XGDMatrixCreateFromMat_omp(f, (bst_ulong)n, (bst_ulong)d, NAN, out, threads);
  free(f);
  return rc ? xgb_fail(e, "cannot make its matrix") : CU_OK;
}

static int set_floats(DMatrixHandle dm, const char *field, const double *v, size_t n, cu_err *e) {
  float *f = malloc((n ? n : 1) * sizeof *f);
  if (!f) return cu_err_set(e, CU_ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) f[i] = (float)v[i];
  int rc = XGDMatrixSetFloatInfo(dm, field, f, (bst_ulong)n);
  free(f);
  return rc ? xgb_fail(e, "rejected the labels or weights") : CU_OK;
}

/* The nthread parameter when given, else the threads idle right now
 * (parallel.h: XGBoost's OpenMP loops meet at a barrier many times a
 * round, and on a busy machine two threads that take turns are slower
 * than one).  The trees do not depend on it. */
static int threads_of(const char *const *keys, const char *const *vals, size_t np) {
  int t = 0;
  for (size_t i = 0; i < np; i++)
    if (strcmp(keys[i], "nthread") == 0) t = atoi(vals[i]);
  return t > 0 ? t : cu_idle_threads(0);
}

static int set_threads(cu_xgb *m, int threads, cu_err *e) {
  char buf[16];
  snprintf(buf, sizeof buf, "%d", threads);
  return XGBoosterSetParam(m->h, "nthread", buf) ? xgb_fail(e, "nthread") : CU_OK;
}

int cu_xgb_train(cu_xgb **out, const double *X, size_t n, size_t d, const double *y,
                 const double *w, const char *const *keys, const char *const *vals, size_t nparams,
                 int rounds, const char *const *names, cu_err *e) {
  *out = NULL;
  if (n == 0 || d == 0) return cu_err_set(e, CU_EARG, "no rows or no features to train on");
  if (rounds < 1) return cu_err_set(e, CU_EARG, "rounds must be at least 1, got %d", rounds);
  DMatrixHandle dm = NULL;
  cu_xgb *m = calloc(1, sizeof *m);
  if (!m) return cu_err_set(e, CU_ENOMEM, "out of memory");
  int threads = threads_of(keys, vals, nparams);
  int st = make_dmatrix(&dm, X, n, d, threads, e);
  if (!st) st = set_floats(dm, "label", y, n, e);
  if (!st && w) st = set_floats(dm, "weight", w, n, e);
  if (!st && XGBoosterCreate(&dm, 1, &m->h)) st = xgb_fail(e, "cannot create a booster");
  if (!st && XGBoosterSetParam(m->h, "objective", "binary:logistic")) st = xgb_fail(e, "objective");
  if (!st) st = set_threads(m, threads, e);
  for (size_t i = 0; i < nparams && !st; i++)
    if (XGBoosterSetParam(m->h, keys[i], vals[i])) {
      char what[160];
      snprintf(what, sizeof what, "parameter %s = %s", keys[i], vals[i]);
      st = xgb_fail(e, what);
    }
  if (!st && names && XGBoosterSetStrFeatureInfo(m->h, "feature_name", (const char **)names, d))
    st = xgb_fail(e, "feature names");
  for (int r = 0; r < rounds && !st; r++) {
    if (cu_interrupted)
      st = cu_err_set(e, CU_EINTR, "interrupted");
    else if (XGBoosterUpdateOneIter(m->h, r, dm))
      st = xgb_fail(e, "training");
  }
  if (dm) XGDMatrixFree(dm);
  if (st) {
    cu_xgb_free(m);
    return st;
  }
  *out = m;
  return CU_OK;
}

int cu_xgb_collective_start(const char *config, cu_err *e) {
  if (XGCommunicatorInit(config)) return xgb_fail(e, "collective");
  return CU_OK;
}

void cu_xgb_collective_stop(void) { XGCommunicatorFinalize(); }

void cu_xgb_free(cu_xgb *m) {
  if (!m) return;
  if (m->h) XGBoosterFree(m->h);
  free(m);
}

int cu_xgb_predict_k(cu_xgb *m, const double *X, size_t n, size_t d, size_t k, double *p,
                     int threads, cu_err *e) {
  size_t nf = 0;
  int rounds = 0;
  int st = cu_xgb_shape(m, &nf, &rounds, e);
  if (st) return st;
  if (nf != d) return cu_err_set(e, CU_EARG, "the model has %zu features, the data %zu", nf, d);
  if (n == 0) return CU_OK;
  if (threads <= 0) threads = cu_idle_threads(0);
  if ((st = set_threads(m, threads, e))) return st;
  DMatrixHandle dm;
  if ((st = make_dmatrix(&dm, X, n, d, threads, e))) return st;
  bst_ulong len = 0;
  const float *r = NULL;
  if (XGBoosterPredict(m->h, dm, 0, 0, 0, &len, &r)) {
    st = xgb_fail(e, "prediction");
  } else if (len != n * k) {
    st = cu_err_set(e, CU_EARG, "XGBoost gave %llu predictions for %zu rows x %zu outputs",
                    (unsigned long long)len, n, k);
  } else {
    for (size_t i = 0; i < n * k; i++) p[i] = r[i];
  }
  XGDMatrixFree(dm);
  return st;
}

int cu_xgb_predict(cu_xgb *m, const double *X, size_t n, size_t d, double *p, int threads,
                   cu_err *e) {
  return cu_xgb_predict_k(m, X, n, d, 1, p, threads, e);
}

int cu_xgb_save(cu_xgb *m, char **json, size_t *len, cu_err *e) {
  bst_ulong n = 0;
  const char *buf = NULL;
  if (XGBoosterSaveModelToBuffer(m->h, "{\"format\": \"json\"}", &n, &buf))
    return xgb_fail(e, "cannot save the model");
  *json = malloc(n + 1);
  if (!*json) return cu_err_set(e, CU_ENOMEM, "out of memory");
  memcpy(*json, buf, n);
  (*json)[n] = 0;
  *len = n;
  return CU_OK;
}

int cu_xgb_load(cu_xgb **out, const char *buf, size_t len, cu_err *e) {
  *out = NULL;
  cu_xgb *m = calloc(1, sizeof *m);
  if (!m) return cu_err_set(e, CU_ENOMEM, "out of memory");
  if (XGBoosterCreate(NULL, 0, &m->h) || XGBoosterLoadModelFromBuffer(m->h, buf, len)) {
    int st = xgb_fail(e, "cannot read the model");
    cu_xgb_free(m);
    return st;
  }
  *out = m;
  return CU_OK;
}

int cu_xgb_set_attr(cu_xgb *m, const char *key, const char *value, cu_err *e) {
  return XGBoosterSetAttr(m->h, key, value) ? xgb_fail(e, "attribute") : CU_OK;
}

int cu_xgb_get_attr(cu_xgb *m, const char *key, char **value, cu_err *e) {
  const char *v = NULL;
  int ok = 0;
  *value = NULL;
  if (XGBoosterGetAttr(m->h, key, &v, &ok)) return xgb_fail(e, "attribute");
  if (ok && v && !(*value = strdup(v))) return cu_err_set(e, CU_ENOMEM, "out of memory");
  return CU_OK;
}

int cu_xgb_shape(cu_xgb *m, size_t *features, int *rounds, cu_err *e) {
  bst_ulong nf = 0;
  if (XGBoosterGetNumFeature(m->h, &nf) || XGBoosterBoostedRounds(m->h, rounds))
    return xgb_fail(e, "model shape");
  *features = (size_t)nf;
  return CU_OK;
}

int cu_xgb_importance(cu_xgb *m, const char *type, size_t *count, char ***names, double **scores,
                      cu_err *e) {
  char config[128];
  snprintf(config, sizeof config, "{\"importance_type\": \"%s\", \"feature_map\": \"\"}", type);
  bst_ulong nf = 0, dim = 0;
  const char **fn = NULL;
  const bst_ulong *shape = NULL;
  const float *sc = NULL;
  *count = 0;
  *names = NULL;
  *scores = NULL;
  if (XGBoosterFeatureScore(m->h, config, &nf, &fn, &dim, &shape, &sc))
    return xgb_fail(e, "feature importance");
  char **nm = calloc(nf ? nf : 1, sizeof *nm);
  double *s = malloc((nf ? nf : 1) * sizeof *s);
  if (!nm || !s) {
    free(nm);
    free(s);
    return cu_err_set(e, CU_ENOMEM, "out of memory");
  }
  for (bst_ulong i = 0; i < nf; i++) {
    if (!(nm[i] = strdup(fn[i]))) {
      for (bst_ulong j = 0; j < i; j++) free(nm[j]);
      free(nm);
      free(s);
      return cu_err_set(e, CU_ENOMEM, "out of memory");
    }
    s[i] = sc[i];
  }
  *count = nf;
  *names = nm;
  *scores = s;
  return CU_OK;
}

const char *cu_xgb_version(void) {
  static char v[32];
  int a, b, c;
  XGBoostVersion(&a, &b, &c);
  snprintf(v, sizeof v, "%d.%d.%d", a, b, c);
  return v;
}
