/* cluster_metrics.c: silhouette, Calinski-Harabasz, Davies-Bouldin and
 * PCA.  Split from cluster.c. */
#include "cluster.h"
#include "random.h"

#include <float.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_internal.h"
#include "parallel.h"

#define SIL_BLOCK 128

typedef struct sil {
  const double *X;
  const int32_t *lab;
  size_t n, d, k;
  const size_t *count;
  double *s; /* per row */
} sil;

static void sil_block(void *v, size_t b, int thread) {
  (void)thread;
  sil *c = v;
  double sums[1024];
  double *sum = c->k <= 1024 ? sums : malloc(c->k * sizeof *sum);
  if (!sum) return;
  size_t end = (b + 1) * SIL_BLOCK < c->n ? (b + 1) * SIL_BLOCK : c->n;
  for (size_t i = b * SIL_BLOCK; i < end; i++) {
    for (size_t j = 0; j < c->k; j++) sum[j] = 0;
    const double *x = c->X + i * c->d;
    for (size_t q = 0; q < c->n; q++) sum[c->lab[q]] += sqrt(dist2(x, c->X + q * c->d, c->d));
    size_t own = (size_t)c->lab[i];
    if (c->count[own] <= 1) {
      c->s[i] = 0; /* a cluster of one: 0 by convention */
      continue;
    }
    double a = sum[own] / (double)(c->count[own] - 1), bmin = INFINITY;
    for (size_t j = 0; j < c->k; j++)
      if (j != own && c->count[j] > 0 && sum[j] / (double)c->count[j] < bmin)
        bmin = sum[j] / (double)c->count[j];
    double den = fmax(a, bmin);
    c->s[i] = den > 0 ? (bmin - a) / den : 0;
  }
  if (sum != sums) free(sum);
}

int cu_cluster_metrics_compute(cu_cluster_metrics *out, const double *X, size_t n, size_t d,
                               const int32_t *labels, size_t k, size_t silhouette_max,
                               unsigned long seed, int threads, cu_err *e) {
  memset(out, 0, sizeof *out);
  if (cu_cluster_check_matrix(X, n, d, e)) return e->code;
  for (size_t i = 0; i < n; i++)
    if (labels[i] < 0 || (size_t)labels[i] >= k)
      return cu_err_set(e, CU_EPARSE, "row %zu: label %d is outside 0..%zu", i + 1, labels[i],
                        k - 1);
  size_t *count = calloc(k, sizeof *count);
  double *cent = calloc(k * d, sizeof *cent), *mean = calloc(d, sizeof *mean);
  double *intra = calloc(k, sizeof *intra);
  if (!count || !cent || !mean || !intra) {
    free(count);
    free(cent);
    free(mean);
    free(intra);
    return nomem(e);
  }
  for (size_t i = 0; i < n; i++) {
    count[labels[i]]++;
    for (size_t q = 0; q < d; q++) {
      cent[(size_t)labels[i] * d + q] += X[i * d + q];
      mean[q] += X[i * d + q];
    }
  }
  size_t nl = 0;
  for (size_t j = 0; j < k; j++) {
    nl += count[j] > 0;
    for (size_t q = 0; q < d; q++) cent[j * d + q] /= count[j] ? (double)count[j] : 1;
  }
  for (size_t q = 0; q < d; q++) mean[q] /= (double)n;
  out->clusters = nl;
  int st = CU_OK;
  if (nl < 2 || nl > n - 1) {
    st = cu_err_set(e, CU_EARG,
                    "the metrics need between 2 and n - 1 clusters, got %zu for %zu rows", nl, n);
    goto done;
  }
  /* Calinski-Harabasz, Davies-Bouldin, inertia */
  double within = 0, between = 0;
  for (size_t i = 0; i < n; i++) {
    double t = dist2(X + i * d, cent + (size_t)labels[i] * d, d);
    within += t;
    intra[labels[i]] += sqrt(t);
  }
  for (size_t j = 0; j < k; j++) {
    between += (double)count[j] * dist2(cent + j * d, mean, d);
    if (count[j]) intra[j] /= (double)count[j];
  }
  out->inertia = within;
  out->calinski_harabasz =
      within == 0 ? 1.0 : between * (double)(n - nl) / (within * (double)(nl - 1));
  double db = 0;
  for (size_t i = 0; i < k; i++) {
    if (!count[i]) continue;
    double worst = 0;
    for (size_t j = 0; j < k; j++) {
      if (j == i || !count[j]) continue;
      double m = sqrt(dist2(cent + i * d, cent + j * d, d));
      double r = m > 0 ? (intra[i] + intra[j]) / m : 0;
      if (r > worst) worst = r;
    }
    db += worst;
  }
  out->davies_bouldin = db / (double)nl;
  /* silhouette, exact or on a seeded sample */
  size_t cap = silhouette_max ? silhouette_max : 10000, m = n;
  const double *SX = X;
  const int32_t *SL = labels;
  double *sx = NULL;
  int32_t *sl = NULL;
  size_t *scount = count;
  if (n > cap) {
    m = cap;
    size_t *idx = malloc(n * sizeof *idx);
    sx = malloc(m * d * sizeof *sx);
    sl = malloc(m * sizeof *sl);
    scount = calloc(k, sizeof *scount);
    gsl_rng *rng = cu_rng_for(seed, 0x5115);
    if (!idx || !sx || !sl || !scount || !rng) {
      free(idx);
      gsl_rng_free(rng);
      st = nomem(e);
      goto sil_done;
    }
    for (size_t i = 0; i < n; i++) idx[i] = i;
    for (size_t i = 0; i < m; i++) { /* partial Fisher-Yates */
      size_t j = i + gsl_rng_uniform_int(rng, n - i), t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
      memcpy(sx + i * d, X + idx[i] * d, d * sizeof *sx);
      sl[i] = labels[idx[i]];
      scount[sl[i]]++;
    }
    free(idx);
    gsl_rng_free(rng);
    SX = sx;
    SL = sl;
    out->silhouette_sampled = 1;
  }
  {
    size_t used = 0;
    for (size_t j = 0; j < k; j++) used += scount[j] > 0;
    double *s = malloc(m * sizeof *s);
    if (!s) {
      st = nomem(e);
      goto sil_done;
    }
    sil c = {SX, SL, m, d, k, scount, s};
    cu_parallel_blocks((m + SIL_BLOCK - 1) / SIL_BLOCK, threads, sil_block, &c);
    double total = 0;
    for (size_t i = 0; i < m; i++) total += s[i];
    out->silhouette = used >= 2 && used <= m - 1 ? total / (double)m : NAN;
    out->silhouette_rows = m;
    free(s);
  }
sil_done:
  free(sx);
  free(sl);
  if (scount != count) free(scount);
done:
  free(count);
  free(cent);
  free(mean);
  free(intra);
  return st;
}

/* ----------------------------------------------------------------- PCA -- */

int cu_pca(const double *X, size_t n, size_t d, size_t m, double *mean, double *components,
           double *variance, double *ratio, double *scores, cu_err *e) {
  if (m < 1 || m > d) return cu_err_set(e, CU_EARG, "PCA: 1 to %zu components, not %zu", d, m);
  if (n < 2) return cu_err_set(e, CU_EARG, "PCA needs at least 2 rows");
  if (cu_cluster_check_matrix(X, n, d, e)) return e->code;
  gsl_matrix *S = gsl_matrix_calloc(d, d), *V = gsl_matrix_alloc(d, d);
  gsl_vector *ev = gsl_vector_alloc(d);
  gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc(d);
  int st = CU_OK;
  if (!S || !V || !ev || !w) {
    st = nomem(e);
    goto done;
  }
  for (size_t q = 0; q < d; q++) {
    mean[q] = 0;
    for (size_t i = 0; i < n; i++) mean[q] += X[i * d + q];
    mean[q] /= (double)n;
  }
  for (size_t i = 0; i < n; i++)
    for (size_t p = 0; p < d; p++) {
      double dp = X[i * d + p] - mean[p];
      for (size_t q = 0; q <= p; q++)
        *gsl_matrix_ptr(S, p, q) += dp * (X[i * d + q] - mean[q]) / (double)(n - 1);
    }
  for (size_t p = 0; p < d; p++)
    for (size_t q = p + 1; q < d; q++) gsl_matrix_set(S, p, q, gsl_matrix_get(S, q, p));
  double total = 0;
  for (size_t p = 0; p < d; p++) total += gsl_matrix_get(S, p, p);
  if (gsl_eigen_symmv(S, ev, V, w) != GSL_SUCCESS) {
    st = cu_err_set(e, CU_ERANGE, "PCA: the eigen decomposition failed");
    goto done;
  }
  gsl_eigen_symmv_sort(ev, V, GSL_EIGEN_SORT_VAL_DESC);
  for (size_t c = 0; c < m; c++) {
    /* sign: the row with the largest |score| scores positive (scikit-learn
     * 1.2's svd_flip on U) */
    double big = 0;
    for (size_t i = 0; i < n; i++) {
      double sc = 0;
      for (size_t q = 0; q < d; q++) sc += (X[i * d + q] - mean[q]) * gsl_matrix_get(V, q, c);
      if (fabs(sc) > fabs(big)) big = sc;
    }
    double sign = big < 0 ? -1 : 1;
    for (size_t q = 0; q < d; q++) components[c * d + q] = sign * gsl_matrix_get(V, q, c);
    variance[c] = fmax(gsl_vector_get(ev, c), 0);
    ratio[c] = total > 0 ? variance[c] / total : 0;
  }
  if (scores)
    for (size_t i = 0; i < n; i++)
      for (size_t c = 0; c < m; c++) {
        double s = 0;
        for (size_t q = 0; q < d; q++) s += (X[i * d + q] - mean[q]) * components[c * d + q];
        scores[i * m + c] = s;
      }
done:
  gsl_matrix_free(S);
  gsl_matrix_free(V);
  gsl_vector_free(ev);
  gsl_eigen_symmv_free(w);
  return st;
}

/* ------------------------------------------------- adjusted Rand index -- */

static double pairs(double x) { return x * (x - 1) / 2; }

int cu_adjusted_rand(const int32_t *a, const int32_t *b, size_t n, double *ari, cu_err *e) {
  int32_t ka = 0, kb = 0;
  for (size_t i = 0; i < n; i++) {
    if (a[i] < 0 || b[i] < 0) return cu_err_set(e, CU_EARG, "row %zu: a negative label", i + 1);
    if (a[i] >= ka) ka = a[i] + 1;
    if (b[i] >= kb) kb = b[i] + 1;
  }
  if ((double)ka * kb > 1e8)
    return cu_err_set(e, CU_EARG, "adjusted Rand index: %d x %d labels is too many", ka, kb);
  size_t cells = (size_t)ka * (size_t)kb;
  double *t = calloc(cells + (size_t)ka + (size_t)kb + 1, sizeof *t);
  if (!t) return cu_err_set(e, CU_ENOMEM, "out of memory");
  double *ra = t + cells, *rb = ra + ka;
  for (size_t i = 0; i < n; i++) {
    t[(size_t)a[i] * (size_t)kb + (size_t)b[i]] += 1;
    ra[a[i]] += 1;
    rb[b[i]] += 1;
  }
  double index = 0, sa = 0, sb = 0;
  for (size_t c = 0; c < cells; c++) index += pairs(t[c]);
  for (int32_t i = 0; i < ka; i++) sa += pairs(ra[i]);
  for (int32_t j = 0; j < kb; j++) sb += pairs(rb[j]);
  free(t);
  double expected = n > 1 ? sa * sb / pairs((double)n) : 0, max = (sa + sb) / 2;
  /* as scikit-learn: identical trivial partitions (one class each, or all
   * singletons) agree fully */
  *ari = max == expected ? 1.0 : (index - expected) / (max - expected);
  return CU_OK;
}
