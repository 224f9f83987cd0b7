/* random.c: seeded streams, shuffles and stratified splits. */
#include "random.h"

#include <math.h>
#include <stdlib.h>

gsl_rng *cu_rng_for(uint64_t seed, uint64_t stream) {
  uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (stream + 1); /* splitmix64 */
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  if (r) gsl_rng_set(r, (unsigned long)(z ? z : 1));
  return r;
}

void cu_shuffle(size_t *idx, size_t n, gsl_rng *r) {
  for (size_t i = 0; i < n; i++) idx[i] = i;
  for (size_t i = n; i > 1; i--) {
    size_t j = (size_t)gsl_rng_uniform_int(r, (unsigned long)i), t = idx[i - 1];
    idx[i - 1] = idx[j];
    idx[j] = t;
  }
}

/* Rows of each class in a shuffled order: order[start[c] .. start[c + 1]). */
static int class_orders(const int32_t *cls, size_t n, int ncls, uint64_t seed, size_t **order,
                        size_t **start, cu_err *e) {
  size_t *st = calloc((size_t)ncls + 1, sizeof *st), *ord = malloc((n ? n : 1) * sizeof *ord);
  size_t *tmp = malloc((n ? n : 1) * sizeof *tmp), *fill = calloc((size_t)ncls, sizeof *fill);
  gsl_rng *r = cu_rng_for(seed, 0x5b117);
  if (!st || !ord || !tmp || !fill || !r) {
    free(st), free(ord), free(tmp), free(fill);
    if (r) gsl_rng_free(r);
    return cu_err_set(e, CU_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < n; i++) {
    if (cls[i] < 0 || cls[i] >= ncls) {
      free(st), free(ord), free(tmp), free(fill);
      gsl_rng_free(r);
      return cu_err_set(e, CU_EARG, "row %zu: class %d out of range", i + 1, (int)cls[i]);
    }
    st[cls[i] + 1]++;
  }
  for (int c = 0; c < ncls; c++) st[c + 1] += st[c];
  for (size_t i = 0; i < n; i++) ord[st[cls[i]] + fill[cls[i]]++] = i;
  for (int c = 0; c < ncls; c++) { /* one shuffle per class, in class order */
    size_t m = st[c + 1] - st[c];
    cu_shuffle(tmp, m, r);
    for (size_t k = 0; k < m; k++) tmp[k] = ord[st[c] + tmp[k]];
    for (size_t k = 0; k < m; k++) ord[st[c] + k] = tmp[k];
  }
  free(tmp);
  free(fill);
  gsl_rng_free(r);
  *order = ord;
  *start = st;
  return CU_OK;
}

int cu_stratified_split(const int32_t *cls, size_t n, int ncls, double test_fraction, uint64_t seed,
                        uint8_t *is_test, cu_err *e) {
  if (!(test_fraction > 0 && test_fraction < 1))
    return cu_err_set(e, CU_EARG, "the test fraction must be between 0 and 1, got %g",
                      test_fraction);
  size_t *ord, *st;
  int rc = class_orders(cls, n, ncls, seed, &ord, &st, e);
  if (rc) return rc;
  for (size_t i = 0; i < n; i++) is_test[i] = 0;
  for (int c = 0; c < ncls; c++) {
    size_t m = st[c + 1] - st[c], t = (size_t)floor(test_fraction * (double)m + 0.5);
    for (size_t k = 0; k < t; k++) is_test[ord[st[c] + k]] = 1;
  }
  free(ord);
  free(st);
  return CU_OK;
}

int cu_stratified_folds(const int32_t *cls, size_t n, int ncls, int k, uint64_t seed, int32_t *fold,
                        cu_err *e) {
  if (k < 2 || (size_t)k > n)
    return cu_err_set(e, CU_EARG, "%d folds need between 2 and %zu rows per fold", k, n);
  size_t *ord, *st;
  int rc = class_orders(cls, n, ncls, seed, &ord, &st, e);
  if (rc) return rc;
  for (size_t i = 0; i < n; i++) fold[ord[i]] = (int32_t)(i % (size_t)k);
  free(ord);
  free(st);
  return CU_OK;
}
