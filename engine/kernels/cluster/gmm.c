/* gmm.c: Gaussian mixtures by EM (full, diagonal and spherical
 * covariances), started from k-means.  Split from cluster.c. */
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
#include "dist.h"
#include "parallel.h"

static const double LOG_2PI = 1.83787706640934548356;

typedef struct gm {
  const double *X;
  size_t n, d, k, nb;
  cu_cov_type cov;
  double *weights, *means, *covs, *chol, *log_det;
  double *resp; /* n x k, or NULL when only labels or ln p are wanted */
  int32_t *labels;
  double *logp;    /* n, may be NULL */
  double *bsum;    /* nb: sum of ln p(x) */
  double *bacc;    /* nb x k x (1 + d + d*d): M-step partial sums */
  double *scratch; /* 64 threads x k x (1 + d + d*d) */
  int pass;        /* M-step pass: 1 weights and means, 2 covariances */
  int split;       /* a fit: blocks split across ranks (dist.h); predictions are not */
  int failed;      /* an exchange between ranks failed */
} gm;

/* ln w_j + ln N(x | mean_j, cov_j) for every j */
static void gm_log_prob(const gm *g, const double *x, double *lp, double *z) {
  size_t d = g->d;
  for (size_t j = 0; j < g->k; j++) {
    const double *mu = g->means + j * d;
    double q = 0;
    if (g->cov == CU_COV_FULL) { /* solve L z = x - mu: q = |z|^2 */
      const double *L = g->chol + j * d * d;
      for (size_t r = 0; r < d; r++) {
        double t = x[r] - mu[r];
        for (size_t c = 0; c < r; c++) t -= L[r * d + c] * z[c];
        z[r] = t / L[r * d + r];
        q += z[r] * z[r];
      }
    } else if (g->cov == CU_COV_DIAG) {
      const double *v = g->covs + j * d;
      for (size_t r = 0; r < d; r++) q += (x[r] - mu[r]) * (x[r] - mu[r]) / v[r];
    } else {
      q = dist2(x, mu, d) / g->covs[j];
    }
    lp[j] = log(g->weights[j]) - 0.5 * ((double)d * LOG_2PI + g->log_det[j] + q);
  }
}

static void gm_estep_block(void *v, size_t b, int thread) {
  (void)thread;
  gm *g = v;
  size_t k = g->k, d = g->d;
  double lp[256], z[256], total = 0;
  for (size_t i = b * CU_BLOCK_ROWS, end = block_end(b, g->n); i < end; i++) {
    gm_log_prob(g, g->X + i * d, lp, z);
    double mx = -INFINITY;
    size_t arg = 0;
    for (size_t j = 0; j < k; j++)
      if (lp[j] > mx) mx = lp[j], arg = j;
    double s = 0;
    for (size_t j = 0; j < k; j++) s += exp(lp[j] - mx);
    double lse = mx + log(s);
    total += lse;
    if (g->resp)
      for (size_t j = 0; j < k; j++) g->resp[i * k + j] = exp(lp[j] - lse);
    if (g->labels) g->labels[i] = (int32_t)arg;
    if (g->logp) g->logp[i] = lse;
  }
  g->bsum[b] = total;
}

static size_t gm_stride(const gm *g) { return 1 + g->d + g->d * g->d; }

static void gm_mstep_block(void *v, size_t b, int thread) {
  (void)thread;
  gm *g = v;
  size_t k = g->k, d = g->d, st = gm_stride(g);
  double *acc = g->scratch + (size_t)thread * k * st; /* per thread: no shared cache lines */
  memset(acc, 0, k * st * sizeof *acc);
  for (size_t i = b * CU_BLOCK_ROWS, end = block_end(b, g->n); i < end; i++) {
    const double *x = g->X + i * d;
    for (size_t j = 0; j < k; j++) {
      double r = g->resp[i * k + j];
      double *a = acc + j * st;
      if (g->pass == 1) {
        a[0] += r;
        for (size_t q = 0; q < d; q++) a[1 + q] += r * x[q];
      } else {
        const double *mu = g->means + j * d;
        double *c = a + 1 + d;
        if (g->cov == CU_COV_FULL) {
          for (size_t p = 0; p < d; p++) {
            double dp = r * (x[p] - mu[p]);
            for (size_t q = 0; q <= p; q++) c[p * d + q] += dp * (x[q] - mu[q]);
          }
        } else {
          for (size_t p = 0; p < d; p++) c[p] += r * (x[p] - mu[p]) * (x[p] - mu[p]);
        }
      }
    }
  }
  memcpy(g->bacc + b * k * st, acc, k * st * sizeof *acc);
}

/* Cholesky factors and log determinants of the covariances. */
static int gm_factor(gm *g, cu_err *e) {
  size_t d = g->d;
  gsl_matrix *M = gsl_matrix_alloc(d, d);
  if (!M) return nomem(e);
  for (size_t j = 0; j < g->k; j++) {
    if (g->cov != CU_COV_FULL) {
      double ld = 0;
      for (size_t p = 0; p < (g->cov == CU_COV_DIAG ? d : 1); p++) {
        double v = g->covs[j * (g->cov == CU_COV_DIAG ? d : 1) + p];
        if (!(v > 0)) {
          gsl_matrix_free(M);
          return cu_err_set(e, CU_ERANGE,
                            "component %zu has zero variance: increase reg_covar or lower k",
                            j + 1);
        }
        ld += log(v);
      }
      g->log_det[j] = g->cov == CU_COV_DIAG ? ld : (double)d * ld;
      continue;
    }
    for (size_t p = 0; p < d; p++)
      for (size_t q = 0; q < d; q++) gsl_matrix_set(M, p, q, g->covs[j * d * d + p * d + q]);
    if (gsl_linalg_cholesky_decomp1(M) != GSL_SUCCESS) {
      gsl_matrix_free(M);
      return cu_err_set(e, CU_ERANGE,
                        "the covariance of component %zu is not positive definite: increase "
                        "reg_covar, lower k or scale the features",
                        j + 1);
    }
    double ld = 0;
    for (size_t p = 0; p < d; p++) {
      for (size_t q = 0; q < d; q++)
        g->chol[j * d * d + p * d + q] = q <= p ? gsl_matrix_get(M, p, q) : 0;
      ld += 2 * log(gsl_matrix_get(M, p, p));
    }
    g->log_det[j] = ld;
  }
  gsl_matrix_free(M);
  return CU_OK;
}

/* The M-step from g->resp (two passes: weights and means, then the
 * covariances about the new means), then the factors. */
static int gm_mstep(gm *g, double reg, int threads, cu_err *e) {
  size_t k = g->k, d = g->d, st = gm_stride(g);
  double nk[256];
  g->pass = 1;
  /* each rank sums its own blocks' rows (whose responsibilities its E-step
   * computed); every rank gets every block's sums */
  g->failed |= cu_dist_blocks(g->nb, threads, gm_mstep_block, g, g->bacc, k * st, g->nb * k * st);
  for (size_t j = 0; j < k; j++) {
    double s = 0, m[256];
    for (size_t q = 0; q < d; q++) m[q] = 0;
    for (size_t b = 0; b < g->nb; b++) {
      const double *a = g->bacc + (b * k + j) * st;
      s += a[0];
      for (size_t q = 0; q < d; q++) m[q] += a[1 + q];
    }
    nk[j] = s + 10 * DBL_EPSILON; /* as scikit-learn: no division by zero */
    g->weights[j] = nk[j] / (double)g->n;
    for (size_t q = 0; q < d; q++) g->means[j * d + q] = m[q] / nk[j];
  }
  double wsum = 0;
  for (size_t j = 0; j < k; j++) wsum += g->weights[j];
  for (size_t j = 0; j < k; j++) g->weights[j] /= wsum;
  g->pass = 2;
  g->failed |= cu_dist_blocks(g->nb, threads, gm_mstep_block, g, g->bacc, k * st, g->nb * k * st);
  for (size_t j = 0; j < k; j++) {
    double c[64 * 64];
    size_t len = g->cov == CU_COV_FULL ? d * d : d;
    double *cc = len <= sizeof c / sizeof c[0] ? c : NULL;
    if (!cc) return cu_err_set(e, CU_EARG, "too many features for a full covariance");
    for (size_t q = 0; q < len; q++) cc[q] = 0;
    for (size_t b = 0; b < g->nb; b++) {
      const double *a = g->bacc + (b * k + j) * st + 1 + d;
      for (size_t q = 0; q < len; q++) cc[q] += a[q];
    }
    if (g->cov == CU_COV_FULL) {
      double *S = g->covs + j * d * d;
      for (size_t p = 0; p < d; p++)
        for (size_t q = 0; q <= p; q++)
          S[p * d + q] = S[q * d + p] = cc[p * d + q] / nk[j] + (p == q ? reg : 0);
    } else if (g->cov == CU_COV_DIAG) {
      for (size_t p = 0; p < d; p++) g->covs[j * d + p] = cc[p] / nk[j] + reg;
    } else {
      double s = 0;
      for (size_t p = 0; p < d; p++) s += cc[p] / nk[j] + reg;
      g->covs[j] = s / (double)d;
    }
  }
  return gm_factor(g, e);
}

static double gm_estep(gm *g, int threads) {
  if (g->split)
    g->failed |= cu_dist_blocks(g->nb, threads, gm_estep_block, g, g->bsum, 1, g->nb);
  else
    cu_parallel_blocks(g->nb, threads, gm_estep_block, g);
  double s = 0;
  for (size_t b = 0; b < g->nb; b++) s += g->bsum[b];
  return s / (double)g->n;
}

/* The labels of rows other ranks' E-steps computed (tmp: n doubles). */
static void share_labels(gm *g, double *tmp) {
  if (cu_dist_size() == 1 || !cu_dist_split()) return;
  size_t lo, hi;
  cu_dist_block_range(g->nb, &lo, &hi);
  for (size_t i = lo * CU_BLOCK_ROWS; i < g->n && i < hi * CU_BLOCK_ROWS; i++) tmp[i] = g->labels[i];
  g->failed |= cu_dist_share(g->nb, tmp, CU_BLOCK_ROWS, g->n);
  for (size_t i = 0; i < g->n; i++) g->labels[i] = (int32_t)tmp[i];
}

static size_t cov_len(cu_cov_type c, size_t k, size_t d) {
  return c == CU_COV_FULL ? k * d * d : c == CU_COV_DIAG ? k * d : k;
}

void cu_gmm_free(cu_gmm *m) {
  free(m->weights);
  free(m->means);
  free(m->covs);
  free(m->chol);
  free(m->log_det);
  free(m->labels);
  memset(m, 0, sizeof *m);
}

int cu_gmm_fit(cu_gmm *out, const double *X, size_t n, size_t d, const cu_gmm_options *o,
               cu_err *e) {
  memset(out, 0, sizeof *out);
  size_t k = o->k > 0 ? (size_t)o->k : 0;
  if (k < 1 || k > 256) return cu_err_set(e, CU_EARG, "k must be between 1 and 256");
  if (d < 1 || d > 64) return cu_err_set(e, CU_EARG, "a mixture needs 1 to 64 features");
  if (n < k) return cu_err_set(e, CU_EARG, "%zu rows cannot make %zu components", n, k);
  if (cu_cluster_check_matrix(X, n, d, e)) return e->code;
  int n_init = o->n_init > 0 ? o->n_init : 1, max_iter = o->max_iter > 0 ? o->max_iter : 100;
  double tol = o->tol > 0 ? o->tol : 1e-3;
  double reg = o->reg_covar > 0 ? o->reg_covar : o->reg_covar < 0 ? 0 : 1e-6;
  size_t cl = cov_len(o->cov, k, d);
  gm g = {.X = X, .n = n, .d = d, .k = k, .nb = cu_nblocks(n), .cov = o->cov, .split = 1};
  g.weights = malloc(k * sizeof *g.weights);
  g.means = malloc(k * d * sizeof *g.means);
  g.covs = malloc(cl * sizeof *g.covs);
  g.chol = calloc(k * d * d, sizeof *g.chol);
  g.log_det = malloc(k * sizeof *g.log_det);
  g.resp = malloc(n * k * sizeof *g.resp);
  g.labels = malloc(n * sizeof *g.labels);
  g.bsum = malloc(g.nb * sizeof *g.bsum);
  g.bacc = malloc(g.nb * k * gm_stride(&g) * sizeof *g.bacc);
  g.scratch = malloc(64 * k * gm_stride(&g) * sizeof *g.scratch);
  out->weights = malloc(k * sizeof *out->weights);
  out->means = malloc(k * d * sizeof *out->means);
  out->covs = malloc(cl * sizeof *out->covs);
  out->chol = calloc(k * d * d, sizeof *out->chol);
  out->log_det = malloc(k * sizeof *out->log_det);
  out->labels = malloc(n * sizeof *out->labels);
  int st = CU_OK;
  if (!g.weights || !g.means || !g.covs || !g.chol || !g.log_det || !g.resp || !g.labels ||
      !g.bsum || !g.bacc || !g.scratch || !out->weights || !out->means || !out->covs ||
      !out->chol || !out->log_det || !out->labels) {
    st = nomem(e);
    goto done;
  }
  out->k = k;
  out->d = d;
  out->cov = o->cov;
  out->n_init = n_init;
  out->mean_loglik = -INFINITY;
  for (int r = 0; r < n_init && !st; r++) {
    /* start: responsibilities from one k-means++ run, as scikit-learn */
    cu_kmeans km0;
    cu_kmeans_options ko = {
        .k = (int)k, .n_init = 1, .seed = o->seed + (unsigned long)r, .threads = o->threads};
    if ((st = cu_kmeans_fit(&km0, X, NULL, n, d, &ko, e))) break;
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < k; j++) g.resp[i * k + j] = km0.labels[i] == (int32_t)j;
    cu_kmeans_free(&km0);
    if ((st = gm_mstep(&g, reg, o->threads, e))) break;
    double lower = -INFINITY;
    int converged = 0, it = 0;
    while (it < max_iter) {
      if (cu_interrupted) {
        st = cu_err_set(e, CU_EINTR, "interrupted");
        break;
      }
      it++;
      double prev = lower;
      lower = gm_estep(&g, o->threads);
      if ((st = gm_mstep(&g, reg, o->threads, e))) break;
      if (fabs(lower - prev) < tol) {
        converged = 1;
        break;
      }
    }
    if (st) break;
    double ll = gm_estep(&g, o->threads); /* at the final parameters; labels too */
    share_labels(&g, g.resp);
    if (g.failed) {
      st = cu_err_set(e, CU_EIO, "the ranks could not exchange the mixture's sums");
      break;
    }
    if (!isfinite(ll)) {
      st = cu_err_set(e, CU_ERANGE, "the log-likelihood is not finite");
      break;
    }
    if (ll > out->mean_loglik) {
      out->mean_loglik = ll;
      out->iterations = it;
      out->converged = converged;
      out->best_init = r;
      memcpy(out->weights, g.weights, k * sizeof *g.weights);
      memcpy(out->means, g.means, k * d * sizeof *g.means);
      memcpy(out->covs, g.covs, cl * sizeof *g.covs);
      memcpy(out->chol, g.chol, k * d * d * sizeof *g.chol);
      memcpy(out->log_det, g.log_det, k * sizeof *g.log_det);
      memcpy(out->labels, g.labels, n * sizeof *g.labels);
    }
  }
  if (!st) {
    size_t cov_params = o->cov == CU_COV_FULL   ? k * d * (d + 1) / 2
                        : o->cov == CU_COV_DIAG ? k * d
                                                : k;
    out->n_params = cov_params + k * d + k - 1;
    out->loglik = out->mean_loglik * (double)n;
    out->aic = -2 * out->loglik + 2 * (double)out->n_params;
    out->bic = -2 * out->loglik + (double)out->n_params * log((double)n);
  }
done:
  free(g.weights);
  free(g.means);
  free(g.covs);
  free(g.chol);
  free(g.log_det);
  free(g.resp);
  free(g.labels);
  free(g.bsum);
  free(g.bacc);
  free(g.scratch);
  if (st) cu_gmm_free(out);
  return st;
}

int cu_gmm_predict(const cu_gmm *m, const double *X, size_t n, int32_t *labels, double *resp,
                   double *logp, int threads, cu_err *e) {
  if (cu_cluster_check_matrix(X, n, m->d, e)) return e->code;
  gm g = {.X = X,
          .n = n,
          .d = m->d,
          .k = m->k,
          .nb = cu_nblocks(n),
          .cov = m->cov,
          .weights = m->weights,
          .means = m->means,
          .covs = m->covs,
          .chol = m->chol,
          .log_det = m->log_det,
          .resp = resp,
          .labels = labels,
          .logp = logp};
  g.bsum = malloc((g.nb ? g.nb : 1) * sizeof *g.bsum);
  if (!g.bsum) return nomem(e);
  gm_estep(&g, threads);
  free(g.bsum);
  return CU_OK;
}

