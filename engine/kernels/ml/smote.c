/* smote.c: synthetic minority oversampling (see ml.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ml.h"
#include "parallel.h"
#include "random.h"

typedef struct knn {
  const double *Z; /* m x d scaled minority rows */
  size_t m, d;
  int k;
  int32_t *nb; /* m x k neighbours */
} knn;

/* The k nearest other rows of each row in the block (ties by index). */
static void knn_block(void *ctx, size_t blk, int thread) {
  (void)thread;
  knn *K = ctx;
  size_t lo = blk * CU_BLOCK_ROWS, hi = lo + CU_BLOCK_ROWS, d = K->d;
  if (hi > K->m) hi = K->m;
  int k = K->k;
  double best[k];
  int32_t who[k];
  for (size_t i = lo; i < hi; i++) {
    int have = 0;
    const double *zi = K->Z + i * d;
    for (size_t j = 0; j < K->m; j++) {
      if (j == i) continue;
      const double *zj = K->Z + j * d;
      double s = 0;
      for (size_t c = 0; c < d; c++) s += (zi[c] - zj[c]) * (zi[c] - zj[c]);
      if (have == k && s >= best[k - 1]) continue;
      int at = have < k ? have++ : k - 1; /* insertion into the sorted list */
      while (at > 0 && best[at - 1] > s) {
        best[at] = best[at - 1];
        who[at] = who[at - 1];
        at--;
      }
      best[at] = s;
      who[at] = (int32_t)j;
    }
    memcpy(K->nb + i * (size_t)k, who, (size_t)k * sizeof *who);
  }
}

int cu_smote(const double *X, size_t n, size_t d, const uint8_t *minority, int k, size_t n_new,
             uint64_t seed, int threads, double *out, cu_err *e) {
  size_t m = 0;
  for (size_t i = 0; i < n; i++) m += minority[i] != 0;
  if (k < 1) return cu_err_set(e, CU_EARG, "SMOTE needs k >= 1 neighbours, got %d", k);
  if (m < (size_t)k + 1)
    return cu_err_set(e, CU_EARG, "SMOTE with k = %d needs at least %d minority rows, got %zu", k,
                      k + 1, m);
  if (n_new == 0) return CU_OK;
  size_t *rows = malloc(m * sizeof *rows);
  double *Z = malloc(m * d * sizeof *Z), *sd = calloc(d ? d : 1, sizeof *sd);
  int32_t *nb = malloc(m * (size_t)k * sizeof *nb);
  gsl_rng *r = cu_rng_for(seed, 0x5307e);
  int st = CU_OK;
  if (!rows || !Z || !sd || !nb || !r) {
    st = cu_err_set(e, CU_ENOMEM, "out of memory");
    goto done;
  }
  m = 0;
  for (size_t i = 0; i < n; i++)
    if (minority[i]) rows[m++] = i;
  for (size_t c = 0; c < d; c++) {
    double mu = 0, v = 0;
    for (size_t a = 0; a < m; a++) mu += X[rows[a] * d + c];
    mu /= (double)m;
    for (size_t a = 0; a < m; a++) v += (X[rows[a] * d + c] - mu) * (X[rows[a] * d + c] - mu);
    sd[c] = sqrt(v / (double)m);
    if (!(sd[c] > 0)) sd[c] = 1;
  }
  for (size_t a = 0; a < m; a++)
    for (size_t c = 0; c < d; c++) Z[a * d + c] = X[rows[a] * d + c] / sd[c];
  knn K = {Z, m, d, k, nb};
  cu_parallel_blocks(cu_nblocks(m), threads, knn_block, &K);
  if (cu_interrupted) {
    st = cu_err_set(e, CU_EINTR, "interrupted");
    goto done;
  }
  for (size_t s = 0; s < n_new; s++) {
    size_t a = (size_t)gsl_rng_uniform_int(r, (unsigned long)m);
    size_t b = (size_t)nb[a * (size_t)k + gsl_rng_uniform_int(r, (unsigned long)k)];
    double step = gsl_rng_uniform(r);
    const double *xa = X + rows[a] * d, *xb = X + rows[b] * d;
    for (size_t c = 0; c < d; c++) out[s * d + c] = xa[c] + step * (xb[c] - xa[c]);
  }
done:
  free(rows);
  free(Z);
  free(sd);
  free(nb);
  if (r) gsl_rng_free(r);
  return st;
}
