/* test_cluster.c: k-means, GMM, metrics and PCA against scikit-learn 1.2.1
 * (Debian's python3-sklearn) on the Online Retail RFM table
 * (tests/fixtures/online_retail_rfm.csv: recency days, orders, revenue of
 * 4,339 customers), log1p-transformed and standardised.  The reference
 * numbers come from tests/reference/cluster.py, run here:
 *   KMeans(4, n_init=10, random_state=0).inertia_       3976.544616449871
 *   GaussianMixture(4, 'full', random_state=0).score    -0.4050616101769112
 *                   'diag'                              -1.4371652898983467
 *                   'spherical'                         -3.5442562836815203
 *   on KMeans's labels (tests/fixtures/online_retail_rfm_labels.csv):
 *   silhouette_score 0.33648339164049684, calinski_harabasz_score
 *   3285.1773611708877, davies_bouldin_score 1.0129699031652284
 *   PCA(2): components [-0.51265376950747, 0.61795536573038,
 *   0.59608495919191], [-0.84860408429586, -0.25907256009591,
 *   -0.46125103438554], explained_variance 2.253307683237162,
 *   0.5622210276311156.
 * Also: planted clusters are recovered (adjusted Rand index), results do
 * not depend on the thread count, and bad input is refused. */
#include <stdlib.h>

#include "check.h"
#include "cluster.h"
#include "csv_io.h"

static double *load_rfm(size_t *pn) {
  cu_frame *f = NULL;
  cu_err e = {0};
  CHECK(cu_csv_read(&f, CUSTAN_FIXTURES "/online_retail_rfm.csv", NULL, NULL, &e) == 0);
  if (!f) return NULL;
  size_t n = f->nrows, d = 3;
  const char *names[3] = {"recency_days", "orders", "revenue"};
  double *X = malloc(n * d * sizeof *X);
  for (size_t j = 0; j < d; j++) {
    const cu_column *c = f->cols[cu_frame_find(f, names[j])];
    double mu = 0, m2 = 0;
    for (size_t i = 0; i < n; i++) mu += X[i * d + j] = log1p(cu_column_get_f(c, i));
    mu /= (double)n;
    for (size_t i = 0; i < n; i++) m2 += (X[i * d + j] - mu) * (X[i * d + j] - mu);
    double sd = sqrt(m2 / (double)n);
    for (size_t i = 0; i < n; i++) X[i * d + j] = (X[i * d + j] - mu) / sd;
  }
  cu_frame_release(f);
  *pn = n;
  return X;
}

static int32_t *load_labels(size_t n) {
  cu_frame *f = NULL;
  cu_err e = {0};
  CHECK(cu_csv_read(&f, CUSTAN_FIXTURES "/online_retail_rfm_labels.csv", NULL, NULL, &e) == 0);
  if (!f) return NULL;
  CHECK(f->nrows == n);
  int32_t *lab = malloc(n * sizeof *lab);
  for (size_t i = 0; i < n; i++) lab[i] = (int32_t)cu_column_get_f(f->cols[0], i) - 1;
  cu_frame_release(f);
  return lab;
}

/* Hubert & Arabie's adjusted Rand index of two labellings with k values */
static double ari(const int32_t *a, const int32_t *b, size_t n, size_t k) {
  double *t = calloc(k * k, sizeof *t), *ra = calloc(k, sizeof *ra), *rb = calloc(k, sizeof *rb);
  for (size_t i = 0; i < n; i++) t[a[i] * k + b[i]]++, ra[a[i]]++, rb[b[i]]++;
  double s = 0, sa = 0, sb = 0;
  for (size_t i = 0; i < k * k; i++) s += t[i] * (t[i] - 1) / 2;
  for (size_t i = 0; i < k; i++) sa += ra[i] * (ra[i] - 1) / 2, sb += rb[i] * (rb[i] - 1) / 2;
  double expected = sa * sb / ((double)n * (n - 1) / 2), max = (sa + sb) / 2;
  free(t);
  free(ra);
  free(rb);
  return (s - expected) / (max - expected);
}

static void check_reference(void) {
  size_t n = 0, d = 3;
  double *X = load_rfm(&n);
  int32_t *sk = load_labels(n);
  if (!X || !sk) return;
  cu_err e = {0};
  cu_kmeans km;
  cu_kmeans_options ko = {.k = 4, .n_init = 10, .seed = 0};
  CHECK(cu_kmeans_fit(&km, X, NULL, n, d, &ko, &e) == 0);
  CHECK(km.converged);
  CHECK(fabs(km.inertia / 3976.544616449871 - 1) < 0.005);
  /* the labels' own centroids can only lower the sum of squares (the fit
   * stops when the centres move less than tol, not at a fixed point) */
  cu_cluster_metrics q;
  CHECK(cu_cluster_metrics_compute(&q, X, n, d, km.labels, 4, 0, 0, 0, &e) == 0);
  CHECK(q.inertia <= km.inertia && q.inertia > 0.999 * km.inertia);
  CHECK(!q.silhouette_sampled && q.silhouette_rows == n);
  /* metrics on scikit-learn's own labels equal its numbers */
  CHECK(cu_cluster_metrics_compute(&q, X, n, d, sk, 4, 0, 0, 0, &e) == 0);
  CHECK_NEAR(q.silhouette, 0.33648339164049684, 1e-9 * 0.3365);
  CHECK_NEAR(q.calinski_harabasz, 3285.1773611708877, 1e-9 * 3285.18);
  CHECK_NEAR(q.davies_bouldin, 1.0129699031652284, 1e-9 * 1.013);
  /* a sampled silhouette is seeded and says so */
  cu_cluster_metrics q1, q2;
  CHECK(cu_cluster_metrics_compute(&q1, X, n, d, sk, 4, 1000, 7, 0, &e) == 0);
  CHECK(cu_cluster_metrics_compute(&q2, X, n, d, sk, 4, 1000, 7, 1, &e) == 0);
  CHECK(q1.silhouette_sampled && q1.silhouette_rows == 1000);
  CHECK(q1.silhouette == q2.silhouette && fabs(q1.silhouette - 0.3365) < 0.03);
  /* mixtures */
  const double want[3] = {-0.4050616101769112, -1.4371652898983467, -3.5442562836815203};
  for (int c = 0; c < 3; c++) {
    cu_gmm g;
    cu_gmm_options go = {.k = 4, .cov = (cu_cov_type)c, .seed = 0};
    CHECK(cu_gmm_fit(&g, X, n, d, &go, &e) == 0);
    CHECK(g.converged);
    if (fabs(g.mean_loglik / want[c] - 1) >= 0.005)
      fprintf(stderr, "gmm %d: %.10g vs %.10g\n", c, g.mean_loglik, want[c]);
    CHECK(fabs(g.mean_loglik / want[c] - 1) < 0.005);
    double w = 0;
    for (int j = 0; j < 4; j++) w += g.weights[j];
    CHECK_NEAR(w, 1, 1e-12);
    /* predictions reproduce the fit's labels and mean log-likelihood */
    int32_t *lab = malloc(n * sizeof *lab);
    double *resp = malloc(n * 4 * sizeof *resp), *lp = malloc(n * sizeof *lp), s = 0;
    CHECK(cu_gmm_predict(&g, X, n, lab, resp, lp, 0, &e) == 0);
    int same = 1;
    for (size_t i = 0; i < n; i++) {
      same &= lab[i] == g.labels[i];
      s += lp[i];
    }
    CHECK(same);
    CHECK_NEAR(s / (double)n, g.mean_loglik, 1e-12);
    CHECK_NEAR(resp[0] + resp[1] + resp[2] + resp[3], 1, 1e-12);
    free(lab);
    free(resp);
    free(lp);
    cu_gmm_free(&g);
  }
  /* PCA */
  double mean[3], comp[6], var[2], ratio[2];
  CHECK(cu_pca(X, n, d, 2, mean, comp, var, ratio, NULL, &e) == 0);
  const double pc[6] = {-0.51265376950747, 0.61795536573038,  0.59608495919191,
                        -0.84860408429586, -0.25907256009591, -0.46125103438554};
  for (int j = 0; j < 6; j++) CHECK_NEAR(comp[j], pc[j], 1e-9);
  CHECK_NEAR(var[0], 2.253307683237162, 1e-9);
  CHECK_NEAR(var[1], 0.5622210276311156, 1e-9);
  cu_kmeans_free(&km);
  free(X);
  free(sk);
}

/* Four well separated blobs: k-means and the GMM find them (ARI > 0.99),
 * with 1 thread and 2 alike. */
static void check_planted(void) {
  size_t n = 20000, d = 2;
  double *X = malloc(n * d * sizeof *X);
  int32_t *truth = malloc(n * sizeof *truth);
  const double c[4][2] = {{0, 0}, {10, 0}, {0, 10}, {10, 10}};
  unsigned long long s = 42;
  for (size_t i = 0; i < n; i++) {
    truth[i] = (int32_t)(i % 4);
    for (size_t j = 0; j < d; j++) {
      double u = 0; /* Irwin-Hall: sum of 12 uniforms - 6 is close to N(0, 1) */
      for (int r = 0; r < 12; r++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        u += (double)(s >> 11) / 9007199254740992.0;
      }
      X[i * d + j] = c[truth[i]][j] + (u - 6);
    }
  }
  cu_err e = {0};
  cu_kmeans a, b;
  cu_kmeans_options o1 = {.k = 4, .n_init = 3, .seed = 5, .threads = 1};
  cu_kmeans_options o2 = {.k = 4, .n_init = 3, .seed = 5, .threads = 2};
  CHECK(cu_kmeans_fit(&a, X, NULL, n, d, &o1, &e) == 0);
  CHECK(cu_kmeans_fit(&b, X, NULL, n, d, &o2, &e) == 0);
  CHECK(ari(a.labels, truth, n, 4) > 0.99);
  CHECK(a.inertia == b.inertia && memcmp(a.labels, b.labels, n * sizeof *a.labels) == 0);
  cu_gmm g;
  cu_gmm_options go = {.k = 4, .cov = CU_COV_FULL, .seed = 5};
  CHECK(cu_gmm_fit(&g, X, n, d, &go, &e) == 0);
  CHECK(ari(g.labels, truth, n, 4) > 0.99);
  /* weights: every point twice as heavy gives the same centres */
  double *w = malloc(n * sizeof *w);
  for (size_t i = 0; i < n; i++) w[i] = 2;
  cu_kmeans c2;
  CHECK(cu_kmeans_fit(&c2, X, w, n, d, &o1, &e) == 0);
  CHECK_NEAR(c2.inertia, 2 * a.inertia, 1e-9 * a.inertia);
  cu_kmeans_free(&a);
  cu_kmeans_free(&b);
  cu_kmeans_free(&c2);
  cu_gmm_free(&g);
  free(w);
  free(X);
  free(truth);
}

static void check_errors(void) {
  double X[6] = {1, 2, 3, NAN, 5, 6};
  cu_err e = {0};
  cu_kmeans km;
  cu_kmeans_options o = {.k = 2};
  CHECK(cu_kmeans_fit(&km, X, NULL, 3, 2, &o, &e) == CU_EPARSE);
  CHECK(strstr(e.msg, "row 2, column 2") != NULL);
  o.k = 5;
  X[3] = 4;
  CHECK(cu_kmeans_fit(&km, X, NULL, 3, 2, &o, &e) == CU_EARG);
  int32_t one[3] = {0, 0, 0};
  cu_cluster_metrics q;
  CHECK(cu_cluster_metrics_compute(&q, X, 3, 2, one, 2, 0, 0, 0, &e) == CU_EARG);
  /* duplicates: an empty cluster is refilled and nothing is NaN */
  double dup[8] = {1, 1, 1, 1, 1, 1, 2, 2};
  o.k = 3;
  CHECK(cu_kmeans_fit(&km, dup, NULL, 4, 2, &o, &e) == 0);
  CHECK(isfinite(km.inertia));
  cu_kmeans_free(&km);
}

int main(void) {
  check_reference();
  check_planted();
  check_errors();
  return check_done("cluster");
}
