/* tsne.c: t-SNE (van der Maaten & Hinton 2008), exact gradient, and the
 * trustworthiness of an embedding (Venna & Kaski 2001).
 *
 * As scikit-learn's TSNE (1.2, method="exact" with its defaults): input
 * affinities by a binary search for each point's Gaussian width matching
 * the perplexity over all other points, symmetrised and normalised; an
 * initial embedding of the first two principal components scaled to a
 * standard deviation of 1e-4 in the first; gradient descent with momentum
 * 0.5 for the first 250 iterations (with early exaggeration 12) and 0.8
 * after, per-coordinate gains (+0.2 when the gradient changes sign, x0.8
 * otherwise, at least 0.01), and a learning rate of max(n / 12 / 4, 50).
 * The gradient is O(n^2) per iteration, computed by rows on the worker
 * threads; each row's sums are its own, so the result does not depend on
 * the thread count. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "parallel.h"

/* Squared distances of row i to every row. */
static void sq_dist_row(const double *X, size_t n, size_t d, size_t i, double *out) {
  const double *xi = X + i * d;
  for (size_t j = 0; j < n; j++) {
    const double *xj = X + j * d;
    double s = 0;
    for (size_t k = 0; k < d; k++) {
      double t = xi[k] - xj[k];
      s += t * t;
    }
    out[j] = s;
  }
}

typedef struct pctx {
  const double *X;
  size_t n, d;
  double perplexity;
  double *P; /* n x n, conditional p_{j|i} by rows */
  double **scratch;
} pctx;

/* p_{j|i} for the rows of one block: the precision beta found by bisection
 * so that the entropy of row i is log(perplexity). */
static void p_block(void *ctx, size_t b, int thread) {
  pctx *c = ctx;
  size_t from = b * 64, to = from + 64;
  if (to > c->n) to = c->n;
  double *dist = c->scratch[thread];
  double target = log(c->perplexity);
  for (size_t i = from; i < to; i++) {
    sq_dist_row(c->X, c->n, c->d, i, dist);
    double beta = 1, lo = 0, hi = INFINITY;
    double *p = c->P + i * c->n;
    for (int it = 0; it < 100; it++) {
      double sum = 0, dsum = 0;
      for (size_t j = 0; j < c->n; j++) {
        double v = j == i ? 0 : exp(-dist[j] * beta);
        p[j] = v;
        sum += v;
        dsum += dist[j] * v;
      }
      if (sum <= 0) sum = 1e-300;
      double H = log(sum) + beta * dsum / sum; /* entropy in nats */
      for (size_t j = 0; j < c->n; j++) p[j] /= sum;
      if (fabs(H - target) < 1e-5) break;
      if (H > target) { /* too flat: narrower */
        lo = beta;
        beta = isinf(hi) ? beta * 2 : (beta + hi) / 2;
      } else {
        hi = beta;
        beta = (beta + lo) / 2;
      }
    }
  }
}

typedef struct gctx {
  const double *P, *Y;
  size_t n;
  double exaggeration;
  double *grad;  /* n x 2 */
  double *zrow;  /* per row: sum of w_ij */
  double *rep;   /* n x 2: sum w^2 (y_i - y_j) */
} gctx;

static void grad_block(void *ctx, size_t b, int thread) {
  (void)thread;
  gctx *c = ctx;
  size_t from = b * 64, to = from + 64;
  if (to > c->n) to = c->n;
  for (size_t i = from; i < to; i++) {
    double yi0 = c->Y[2 * i], yi1 = c->Y[2 * i + 1];
    double a0 = 0, a1 = 0, r0 = 0, r1 = 0, z = 0;
    const double *p = c->P + i * c->n;
    for (size_t j = 0; j < c->n; j++) {
      if (j == i) continue;
      double d0 = yi0 - c->Y[2 * j], d1 = yi1 - c->Y[2 * j + 1];
      double w = 1 / (1 + d0 * d0 + d1 * d1);
      z += w;
      double pw = p[j] * c->exaggeration * w;
      a0 += pw * d0, a1 += pw * d1;
      r0 += w * w * d0, r1 += w * w * d1;
    }
    c->zrow[i] = z;
    c->grad[2 * i] = a0, c->grad[2 * i + 1] = a1;
    c->rep[2 * i] = r0, c->rep[2 * i + 1] = r1;
  }
}

int cu_tsne(double *Y, const double *X, size_t n, size_t d, double perplexity, int iterations,
            int threads, cu_err *e) {
  if (n < 4) return cu_err_set(e, CU_EARG, "t-SNE needs at least 4 rows, not %zu", n);
  if (!(perplexity > 0) || perplexity >= (double)n)
    return cu_err_set(e, CU_EARG, "the perplexity (%g) must be between 0 and the rows (%zu)",
                      perplexity, n);
  if (iterations < 250) iterations = 250;
  int nthreads = threads > 0 ? threads : cu_default_threads();
  double *P = malloc(n * n * sizeof *P);
  double **scratch = calloc((size_t)nthreads, sizeof *scratch);
  double *grad = malloc(2 * n * sizeof *grad), *zrow = malloc(n * sizeof *zrow);
  double *rep = malloc(2 * n * sizeof *rep), *upd = calloc(2 * n, sizeof *upd);
  double *gains = malloc(2 * n * sizeof *gains);
  double *mean = NULL, *comp = NULL, *var = NULL, *ratio = NULL, *scores = NULL;
  int st = CU_OK;
  if (!P || !scratch || !grad || !zrow || !rep || !upd || !gains) goto oom;
  for (int t = 0; t < nthreads; t++)
    if (!(scratch[t] = malloc(n * sizeof(double)))) goto oom;
  size_t nb = (n + 63) / 64;
  pctx pc = {X, n, d, perplexity, P, scratch};
  cu_parallel_blocks(nb, nthreads, p_block, &pc);
  /* symmetrise: p_ij = (p_{j|i} + p_{i|j}) / 2n */
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++) {
      double v = (P[i * n + j] + P[j * n + i]) / (2.0 * (double)n);
      P[i * n + j] = P[j * n + i] = v;
    }
  for (size_t i = 0; i < n; i++) P[i * n + i] = 0;
  /* PCA initialisation, the first component's standard deviation 1e-4 */
  size_t m = d >= 2 ? 2 : 1;
  mean = malloc(d * sizeof *mean), comp = malloc(m * d * sizeof *comp);
  var = malloc(m * sizeof *var), ratio = malloc(m * sizeof *ratio), scores = malloc(n * m * sizeof *scores);
  if (!mean || !comp || !var || !ratio || !scores) goto oom;
  if ((st = cu_pca(X, n, d, m, mean, comp, var, ratio, scores, e))) goto done;
  double s0 = 0, mu = 0;
  for (size_t i = 0; i < n; i++) mu += scores[i * m];
  mu /= (double)n;
  for (size_t i = 0; i < n; i++) s0 += (scores[i * m] - mu) * (scores[i * m] - mu);
  s0 = sqrt(s0 / (double)n);
  if (!(s0 > 0)) s0 = 1;
  for (size_t i = 0; i < n; i++) {
    Y[2 * i] = scores[i * m] / s0 * 1e-4;
    Y[2 * i + 1] = m > 1 ? scores[i * m + 1] / s0 * 1e-4 : 0;
  }
  for (size_t k = 0; k < 2 * n; k++) gains[k] = 1;
  double lr = fmax((double)n / 12.0 / 4.0, 50.0);
  gctx gc = {P, Y, n, 12.0, grad, zrow, rep};
  for (int it = 0; it < iterations; it++) {
    int early = it < 250;
    gc.exaggeration = early ? 12.0 : 1.0;
    double momentum = early ? 0.5 : 0.8;
    cu_parallel_blocks(nb, nthreads, grad_block, &gc);
    double Z = 0;
    for (size_t i = 0; i < n; i++) Z += zrow[i];
    for (size_t k = 0; k < 2 * n; k++) {
      double g = 4 * (grad[k] - rep[k] / Z);
      /* gains, as sklearn: up where the gradient's sign differs from the
       * last update's, down elsewhere */
      if (upd[k] * g < 0) gains[k] += 0.2;
      else gains[k] *= 0.8;
      if (gains[k] < 0.01) gains[k] = 0.01;
      upd[k] = momentum * upd[k] - lr * gains[k] * g;
      Y[k] += upd[k];
    }
  }
  goto done;
oom:
  st = cu_err_set(e, CU_ENOMEM, "out of memory (t-SNE keeps an n x n matrix: %zu rows)", n);
done:
  if (scratch)
    for (int t = 0; t < nthreads; t++) free(scratch[t]);
  free(scratch), free(P), free(grad), free(zrow), free(rep), free(upd), free(gains);
  free(mean), free(comp), free(var), free(ratio), free(scores);
  return st;
}

typedef struct rank_item {
  double v;
  size_t j;
} rank_item;

static int item_cmp(const void *a, const void *b) {
  const rank_item *x = a, *y = b;
  if (x->v != y->v) return x->v < y->v ? -1 : 1;
  return (x->j > y->j) - (x->j < y->j);
}

int cu_trustworthiness(double *out, const double *X, size_t d, const double *Y, size_t dy, size_t n,
                       size_t k, cu_err *e) {
  if (!(k >= 1 && 2 * k < n)) return cu_err_set(e, CU_EARG, "trustworthiness needs 1 <= k < n / 2");
  rank_item *items = malloc(n * sizeof *items);
  size_t *rank = malloc(n * sizeof *rank);
  double *dist = malloc(n * sizeof *dist);
  if (!items || !rank || !dist) {
    free(items), free(rank), free(dist);
    return cu_err_set(e, CU_ENOMEM, "out of memory");
  }
  double t = 0;
  for (size_t i = 0; i < n; i++) {
    /* ranks of every point by distance from i in the input space (1 = nearest) */
    sq_dist_row(X, n, d, i, dist);
    for (size_t j = 0; j < n; j++) items[j] = (rank_item){j == i ? -1 : dist[j], j};
    qsort(items, n, sizeof *items, item_cmp);
    for (size_t r = 0; r < n; r++) rank[items[r].j] = r; /* i itself is rank 0 */
    /* the k nearest in the embedding */
    sq_dist_row(Y, n, dy, i, dist);
    for (size_t j = 0; j < n; j++) items[j] = (rank_item){j == i ? -1 : dist[j], j};
    qsort(items, n, sizeof *items, item_cmp);
    for (size_t r = 1; r <= k; r++) {
      size_t ri = rank[items[r].j];
      if (ri > k) t += (double)(ri - k);
    }
  }
  free(items), free(rank), free(dist);
  double nn = (double)n, kk = (double)k;
  *out = 1 - 2.0 / (nn * kk * (2 * nn - 3 * kk - 1)) * t;
  return CU_OK;
}
