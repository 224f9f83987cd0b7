/* cluster.h: k-means, Gaussian mixtures by EM, clustering quality metrics
 * and PCA over a dense row-major matrix X (n rows, d columns).
 *
 * Everything random takes a seed and gives the same result on every run
 * and with any number of threads (see parallel.h). */
#ifndef CU_CLUSTER_H
#define CU_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

/* ------------------------------------------------------------- k-means -- */

typedef struct cu_kmeans_options {
  int k;
  int n_init;         /* restarts; the best inertia wins (0: 10) */
  int max_iter;       /* Lloyd iterations per restart (0: 300) */
  double tol;         /* on the centres' total squared shift, relative to
                         the mean per-column variance, as scikit-learn (0: 1e-4) */
  unsigned long seed; /* k-means++ seeding */
  int threads;        /* 0: the default */
  const double *init; /* k x d starting centres instead of k-means++ (n_init 1) */
} cu_kmeans_options;

typedef struct cu_kmeans {
  size_t k, d;
  double *centers; /* k x d */
  int32_t *labels; /* n, 0-based */
  double inertia;  /* weighted sum of squared distances to the centres */
  int iterations;  /* of the best restart */
  int converged;   /* of the best restart */
  int best_init;   /* 0-based */
  int n_init;
  size_t relocated; /* empty clusters moved to far points, all restarts */
} cu_kmeans;

/* Lloyd's algorithm with k-means++ seeding (greedy, 2 + ln k candidates per
 * centre, as scikit-learn) and Hamerly's bounds, which skip the distance
 * computations a point cannot need.  w may be NULL (all 1). */
int cu_kmeans_fit(cu_kmeans *out, const double *X, const double *w, size_t n, size_t d,
                  const cu_kmeans_options *o, cu_err *e);
void cu_kmeans_free(cu_kmeans *m);

/* The nearest of k centres for each row; dist2 (may be NULL) its squared
 * distance. */
void cu_nearest(const double *X, size_t n, size_t d, const double *centers, size_t k,
                int32_t *labels, double *dist2, int threads);

/* ---------------------------------------------------- Gaussian mixture -- */

typedef enum { CU_COV_FULL, CU_COV_DIAG, CU_COV_SPHERICAL } cu_cov_type;

typedef struct cu_gmm_options {
  int k;
  cu_cov_type cov;
  int n_init;       /* restarts from different k-means seeds (0: 1) */
  int max_iter;     /* EM iterations (0: 100) */
  double tol;       /* on the change of the mean log-likelihood (0: 1e-3) */
  double reg_covar; /* added to every variance (0: 1e-6; < 0: none) */
  unsigned long seed;
  int threads;
} cu_gmm_options;

typedef struct cu_gmm {
  size_t k, d;
  cu_cov_type cov;
  double *weights; /* k */
  double *means;   /* k x d */
  double *covs;    /* full: k x d x d; diag: k x d; spherical: k */
  double *chol;    /* k x d x d: Cholesky factors of the covariances */
  double *log_det; /* k: ln det of each covariance */
  double mean_loglik, loglik, aic, bic;
  size_t n_params;
  int iterations, converged, best_init, n_init;
  int32_t *labels; /* n: most probable component */
} cu_gmm;

/* EM from a k-means start (n_init 1 per restart), E-step in log space;
 * convergence when the mean log-likelihood changes by less than tol.
 * The reported log-likelihood is at the final parameters. */
int cu_gmm_fit(cu_gmm *out, const double *X, size_t n, size_t d, const cu_gmm_options *o,
               cu_err *e);
void cu_gmm_free(cu_gmm *m);

/* Per row: the most probable component (labels, may be NULL), posterior
 * probabilities (resp, n x k, may be NULL) and ln p(x) (logp, may be
 * NULL). */
int cu_gmm_predict(const cu_gmm *m, const double *X, size_t n, int32_t *labels, double *resp,
                   double *logp, int threads, cu_err *e);

/* ------------------------------------------------------------- metrics -- */

typedef struct cu_cluster_metrics {
  double silhouette;        /* mean silhouette (NaN if undefined) */
  size_t silhouette_rows;   /* rows it was computed on */
  int silhouette_sampled;   /* 1 if on a seeded sample */
  double calinski_harabasz; /* between / within dispersion, scaled */
  double davies_bouldin;
  double inertia;  /* squared distances to the labels' centroids */
  size_t clusters; /* non-empty */
} cu_cluster_metrics;

/* Labels in [0, k).  The silhouette is exact up to silhouette_max rows
 * (0: 10,000), above that on silhouette_max rows drawn with the seed. */
int cu_cluster_metrics_compute(cu_cluster_metrics *out, const double *X, size_t n, size_t d,
                               const int32_t *labels, size_t k, size_t silhouette_max,
                               unsigned long seed, int threads, cu_err *e);

/* ----------------------------------------------------------------- PCA -- */

/* The first m principal components of X: mean (d), components (m x d, unit
 * rows; signed so that the row with the largest |score| scores positive, as scikit-learn 1.2),
 * variance along each (m, with n - 1 as divisor) and its share of the total (m); scores (n x m, may
 * be NULL) are the centred rows projected. */
int cu_pca(const double *X, size_t n, size_t d, size_t m, double *mean, double *components,
           double *variance, double *ratio, double *scores, cu_err *e);

/* t-SNE (tsne.c): Y (n x 2, row-major) embeds the n x d rows of X, as
 * scikit-learn's TSNE(method="exact") with its defaults: perplexity,
 * `iterations` (at least 250; 1000 as sklearn), PCA initialisation,
 * early exaggeration 12 for 250 iterations, learning rate max(n/48, 50).
 * Deterministic (no random draw) and the same at any thread count.
 * Memory: an n x n matrix. */
int cu_tsne(double *Y, const double *X, size_t n, size_t d, double perplexity, int iterations,
            int threads, cu_err *e);
/* Trustworthiness of an embedding Y (n x dy) of X (n x d) with k
 * neighbours, as sklearn.manifold.trustworthiness (Venna & Kaski 2001). */
int cu_trustworthiness(double *out, const double *X, size_t d, const double *Y, size_t dy, size_t n,
                       size_t k, cu_err *e);

/* Adjusted Rand index (Hubert and Arabie 1985) of two labelings of n rows
 * (labels 0, 1, ...), as scikit-learn's adjusted_rand_score. */
int cu_adjusted_rand(const int32_t *a, const int32_t *b, size_t n, double *ari, cu_err *e);

#endif
