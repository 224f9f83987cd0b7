/* cluster.c: nearest centres and k-means (Gaussian mixtures: gmm.c;
 * metrics and PCA: cluster_metrics.c).  See cluster.h.  Per-row work runs over the fixed blocks of parallel.h;
 * partial sums are combined in block order, so results do not depend on
 * the number of threads. */
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

/* ------------------------------------------------------------- nearest -- */

typedef struct near_ctx {
  const double *X, *C;
  size_t n, d, k;
  int32_t *labels;
  double *dist2;
} near_ctx;

static void near_block(void *v, size_t b, int thread) {
  (void)thread;
  near_ctx *c = v;
  for (size_t i = b * CU_BLOCK_ROWS, end = block_end(b, c->n); i < end; i++) {
    const double *x = c->X + i * c->d;
    double best = INFINITY;
    int32_t arg = 0;
    for (size_t j = 0; j < c->k; j++) {
      double t = dist2(x, c->C + j * c->d, c->d);
      if (t < best) best = t, arg = (int32_t)j;
    }
    if (c->labels) c->labels[i] = arg;
    if (c->dist2) c->dist2[i] = best;
  }
}

void cu_nearest(const double *X, size_t n, size_t d, const double *centers, size_t k,
                int32_t *labels, double *d2, int threads) {
  near_ctx c = {X, centers, n, d, k, labels, d2};
  cu_parallel_blocks(cu_nblocks(n), threads, near_block, &c);
}

/* ------------------------------------------------------------- k-means -- */

#define KM_MAX_K 1024   /* clusters */
#define KM_MAX_KD 16384 /* clusters x features */

typedef struct km {
  const double *X, *w;
  size_t n, d, k, nb;
  double *C;  /* k x d centres */
  int32_t *a; /* labels */
  double *u;  /* upper bound on the distance to the own centre */
  double *l;  /* lower bound on the distance to any other centre */
  double *s;  /* k: half the distance to the nearest other centre */
  double *p;  /* k: how far each centre moved last */
  double maxp[2];
  size_t argmaxp;
  int first;
  double *bsum; /* nb x k x d */
  double *bw;   /* nb x k */
  double *bchanged; /* nb: labels changed (a double, to travel with the sums) */
  /* seeding */
  double *closest; /* n: squared distance to the nearest chosen centre */
  const double *cand;
  size_t ncand;
  double *bpot; /* nb x ncand */
  int failed;   /* an exchange between ranks failed */
} km;

static double weight(const km *m, size_t i) { return m->w ? m->w[i] : 1.0; }

/* Assignment with Hamerly's bounds, then this block's sums per centre. */
static void km_assign_block(void *v, size_t b, int thread) {
  (void)thread;
  km *m = v;
  size_t d = m->d, k = m->k, changed = 0;
  /* sums on the stack, copied out at the end: blocks next to each other
   * run on different threads, and shared cache lines would cost more than
   * the arithmetic */
  double sum[KM_MAX_KD], wsum[KM_MAX_K];
  memset(sum, 0, k * d * sizeof *sum);
  memset(wsum, 0, k * sizeof *wsum);
  for (size_t i = b * CU_BLOCK_ROWS, end = block_end(b, m->n); i < end; i++) {
    const double *x = m->X + i * d;
    int32_t ai = m->a[i];
    int scan = m->first;
    if (!scan) {
      m->u[i] += m->p[ai];
      m->l[i] -= (size_t)ai == m->argmaxp ? m->maxp[1] : m->maxp[0];
      double bound = m->s[ai] > m->l[i] ? m->s[ai] : m->l[i];
      if (m->u[i] > bound) {
        m->u[i] = sqrt(dist2(x, m->C + (size_t)ai * d, d));
        scan = m->u[i] > bound;
      }
    }
    if (scan) {
      double d1 = INFINITY, d2 = INFINITY;
      int32_t best = 0;
      for (size_t j = 0; j < k; j++) {
        double t = dist2(x, m->C + j * d, d);
        if (t < d1) {
          d2 = d1;
          d1 = t;
          best = (int32_t)j;
        } else if (t < d2) {
          d2 = t;
        }
      }
      if (best != ai || m->first) changed++;
      m->a[i] = ai = best;
      m->u[i] = sqrt(d1);
      m->l[i] = sqrt(d2);
    }
    double wi = weight(m, i);
    double *s = sum + (size_t)ai * d;
    for (size_t j = 0; j < d; j++) s[j] += wi * x[j];
    wsum[ai] += wi;
  }
  memcpy(m->bsum + b * k * d, sum, k * d * sizeof *sum);
  memcpy(m->bw + b * k, wsum, k * sizeof *wsum);
  m->bchanged[b] = (double)changed;
}

/* Seeding: this block's potential for each candidate centre. */
static void km_pot_block(void *v, size_t b, int thread) {
  (void)thread;
  km *m = v;
  double pot[KM_MAX_K];
  for (size_t t = 0; t < m->ncand; t++) pot[t] = 0;
  for (size_t i = b * CU_BLOCK_ROWS, end = block_end(b, m->n); i < end; i++) {
    const double *x = m->X + i * m->d;
    double wi = weight(m, i), c = m->closest[i];
    for (size_t t = 0; t < m->ncand; t++) {
      double q = dist2(x, m->cand + t * m->d, m->d);
      pot[t] += wi * (q < c ? q : c);
    }
  }
  memcpy(m->bpot + b * m->ncand, pot, m->ncand * sizeof *pot);
}

/* Seeding: closest distances after adding centre cand[0]. */
static void km_closest_block(void *v, size_t b, int thread) {
  (void)thread;
  km *m = v;
  for (size_t i = b * CU_BLOCK_ROWS, end = block_end(b, m->n); i < end; i++) {
    double t = dist2(m->X + i * m->d, m->cand, m->d);
    if (m->first || t < m->closest[i]) m->closest[i] = t;
  }
}

/* The row whose cumulative weight first exceeds target. */
static size_t pick(const double *cum, size_t n, double target) {
  size_t lo = 0, hi = n - 1;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (cum[mid] > target)
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
}

/* Greedy k-means++ (Arthur & Vassilvitskii 2007, with scikit-learn's
 * 2 + ln k candidates per centre, keeping the one that lowers the
 * potential most). */
static int km_seed(km *m, gsl_rng *rng, int threads, double *cum) {
  size_t n = m->n, d = m->d, k = m->k, trials = 2 + (size_t)log((double)k);
  double *cand = malloc(trials * d * sizeof *cand);
  double *bpot = malloc(m->nb * trials * sizeof *bpot);
  if (!cand || !bpot) {
    free(cand);
    free(bpot);
    return -1;
  }
  double acc = 0;
  for (size_t i = 0; i < n; i++) cum[i] = acc += weight(m, i);
  size_t first = pick(cum, n, gsl_rng_uniform(rng) * acc);
  memcpy(m->C, m->X + first * d, d * sizeof *m->C);
  m->cand = m->C;
  m->first = 1;
  m->failed |= cu_dist_blocks(m->nb, threads, km_closest_block, m, m->closest, CU_BLOCK_ROWS, n);
  m->first = 0;
  m->bpot = bpot;
  for (size_t c = 1; c < k; c++) {
    acc = 0;
    for (size_t i = 0; i < n; i++) cum[i] = acc += weight(m, i) * m->closest[i];
    for (size_t t = 0; t < trials; t++) {
      size_t r = acc > 0 ? pick(cum, n, gsl_rng_uniform(rng) * acc) : gsl_rng_uniform_int(rng, n);
      memcpy(cand + t * d, m->X + r * d, d * sizeof *cand);
    }
    m->cand = cand;
    m->ncand = trials;
    m->failed |= cu_dist_blocks(m->nb, threads, km_pot_block, m, bpot, trials, m->nb * trials);
    size_t best = 0;
    double best_pot = INFINITY;
    for (size_t t = 0; t < trials; t++) {
      double pot = 0;
      for (size_t b = 0; b < m->nb; b++) pot += bpot[b * trials + t];
      if (pot < best_pot) best_pot = pot, best = t;
    }
    memcpy(m->C + c * d, cand + best * d, d * sizeof *m->C);
    m->cand = m->C + c * d;
    m->failed |= cu_dist_blocks(m->nb, threads, km_closest_block, m, m->closest, CU_BLOCK_ROWS, n);
  }
  free(cand);
  free(bpot);
  m->bpot = NULL;
  return m->failed ? -1 : 0;
}

/* Half the distance from each centre to its nearest other centre. */
static void km_separation(km *m) {
  for (size_t j = 0; j < m->k; j++) m->s[j] = INFINITY;
  for (size_t j = 0; j < m->k; j++)
    for (size_t q = j + 1; q < m->k; q++) {
      double t = 0.5 * sqrt(dist2(m->C + j * m->d, m->C + q * m->d, m->d));
      if (t < m->s[j]) m->s[j] = t;
      if (t < m->s[q]) m->s[q] = t;
    }
}

/* An empty cluster takes the point farthest from its centre (as
 * scikit-learn), whose weight leaves its old cluster's sums. */
static size_t km_relocate(km *m, double *sum, double *wsum, double *far) {
  size_t empty = 0, d = m->d;
  for (size_t j = 0; j < m->k; j++) {
    if (wsum[j] > 0) continue;
    size_t arg = 0;
    double best = -1;
    for (size_t i = 0; i < m->n; i++) {
      if (far[i] < 0) far[i] = dist2(m->X + i * d, m->C + (size_t)m->a[i] * d, d);
      if (far[i] > best) best = far[i], arg = i;
    }
    far[arg] = 0; /* not chosen twice */
    double wi = weight(m, arg);
    const double *x = m->X + arg * d;
    int32_t old = m->a[arg];
    for (size_t q = 0; q < d; q++) {
      sum[(size_t)old * d + q] -= wi * x[q];
      sum[j * d + q] = wi * x[q];
    }
    wsum[old] -= wi;
    wsum[j] = wi;
    empty++;
  }
  return empty;
}

typedef struct km_run {
  double inertia;
  int iterations, converged;
  size_t relocated;
} km_run;

/* Labels of rows other ranks assigned (dist.h): each rank keeps the bounds
 * of its own blocks' rows, and shares labels only where every row's is
 * needed (relocation, the inertia, the result). */
static void km_share_labels(km *m, double *tmp) {
  if (cu_dist_size() == 1 || !cu_dist_split()) return;
  size_t lo, hi;
  cu_dist_block_range(m->nb, &lo, &hi);
  for (size_t i = lo * CU_BLOCK_ROWS; i < m->n && i < hi * CU_BLOCK_ROWS; i++) tmp[i] = m->a[i];
  m->failed |= cu_dist_share(m->nb, tmp, CU_BLOCK_ROWS, m->n);
  for (size_t i = 0; i < m->n; i++) m->a[i] = (int32_t)tmp[i];
}

/* Each rank assigns its blocks' rows; every rank gets every block's sums. */
static void km_assign(km *m, int threads) {
  size_t nb = m->nb, k = m->k;
  m->failed |= cu_dist_blocks(nb, threads, km_assign_block, m, m->bsum, k * m->d, nb * k * m->d) ||
               cu_dist_share(nb, m->bw, k, nb * k) || cu_dist_share(nb, m->bchanged, 1, nb);
}

static int km_lloyd(km *m, int max_iter, double tol, int threads, double *newC, double *far,
                    km_run *run) {
  size_t k = m->k, d = m->d, nb = m->nb;
  memset(run, 0, sizeof *run);
  m->first = 1;
  int strict = 0;
  for (int it = 0; it < max_iter; it++) {
    km_assign(m, threads);
    size_t changed = 0;
    memset(newC, 0, k * d * sizeof *newC);
    double *wsum = m->p; /* reused: the weights, then the movements */
    memset(wsum, 0, k * sizeof *wsum);
    for (size_t b = 0; b < nb; b++) {
      changed += (size_t)m->bchanged[b];
      for (size_t q = 0; q < k * d; q++) newC[q] += m->bsum[b * k * d + q];
      for (size_t j = 0; j < k; j++) wsum[j] += m->bw[b * k + j];
    }
    int any_empty = 0;
    for (size_t j = 0; j < k; j++) any_empty |= !(wsum[j] > 0);
    if (any_empty) {
      km_share_labels(m, far);
      for (size_t i = 0; i < m->n; i++) far[i] = -1;
      run->relocated += km_relocate(m, newC, wsum, far);
    }
    for (size_t j = 0; j < k; j++)
      for (size_t q = 0; q < d; q++) newC[j * d + q] /= wsum[j];
    run->iterations = it + 1;
    if (!m->first && changed == 0 && !any_empty) { /* labels as before: so are the centres */
      strict = 1;
      run->converged = 1;
      memset(m->p, 0, k * sizeof *m->p);
      break;
    }
    double shift = 0;
    m->maxp[0] = m->maxp[1] = 0;
    m->argmaxp = 0;
    for (size_t j = 0; j < k; j++) {
      double s2 = dist2(newC + j * d, m->C + j * d, d);
      shift += s2;
      m->p[j] = sqrt(s2);
      if (m->p[j] > m->maxp[0]) {
        m->maxp[1] = m->maxp[0];
        m->maxp[0] = m->p[j];
        m->argmaxp = j;
      } else if (m->p[j] > m->maxp[1]) {
        m->maxp[1] = m->p[j];
      }
    }
    memcpy(m->C, newC, k * d * sizeof *newC);
    km_separation(m);
    m->first = 0;
    if (shift <= tol) {
      run->converged = 1;
      break;
    }
  }
  if (!strict) { /* labels for the final centres */
    km_assign(m, threads);
    m->first = 0;
  }
  km_share_labels(m, far);
  double inertia = 0;
  for (size_t i = 0; i < m->n; i++)
    inertia += weight(m, i) * dist2(m->X + i * d, m->C + (size_t)m->a[i] * d, d);
  run->inertia = inertia;
  return m->failed ? -1 : 0;
}

int cu_cluster_check_matrix(const double *X, size_t n, size_t d, cu_err *e) {
  for (size_t i = 0; i < n * d; i++)
    if (!isfinite(X[i]))
      return cu_err_set(e, CU_EPARSE, "row %zu, column %zu: %s value", i / d + 1, i % d + 1,
                        isnan(X[i]) ? "missing or NaN" : "infinite");
  return CU_OK;
}

void cu_kmeans_free(cu_kmeans *m) {
  free(m->centers);
  free(m->labels);
  memset(m, 0, sizeof *m);
}

int cu_kmeans_fit(cu_kmeans *out, const double *X, const double *w, size_t n, size_t d,
                  const cu_kmeans_options *o, cu_err *e) {
  memset(out, 0, sizeof *out);
  size_t k = o->k > 0 ? (size_t)o->k : 0;
  if (k < 1) return cu_err_set(e, CU_EARG, "k must be at least 1");
  if (d < 1) return cu_err_set(e, CU_EARG, "no features to cluster on");
  if (n < k) return cu_err_set(e, CU_EARG, "%zu rows cannot make %zu clusters", n, k);
  if (k > KM_MAX_K || k * d > KM_MAX_KD)
    return cu_err_set(e, CU_EARG, "k-means: at most %d clusters and %d clusters x features",
                      KM_MAX_K, KM_MAX_KD);
  if (cu_cluster_check_matrix(X, n, d, e)) return e->code;
  if (w)
    for (size_t i = 0; i < n; i++)
      if (!(w[i] > 0) || !isfinite(w[i]))
        return cu_err_set(e, CU_EPARSE, "row %zu: weights must be positive, got %g", i + 1, w[i]);
  int n_init = o->init ? 1 : o->n_init > 0 ? o->n_init : 10;
  int max_iter = o->max_iter > 0 ? o->max_iter : 300;
  /* scikit-learn's tolerance: tol times the mean of the columns' variances */
  double var = 0;
  for (size_t j = 0; j < d; j++) {
    double mu = 0, m2 = 0;
    for (size_t i = 0; i < n; i++) mu += X[i * d + j];
    mu /= (double)n;
    for (size_t i = 0; i < n; i++) m2 += (X[i * d + j] - mu) * (X[i * d + j] - mu);
    var += m2 / (double)n;
  }
  double tol = (o->tol > 0 ? o->tol : 1e-4) * var / (double)d;
  km m = {.X = X, .w = w, .n = n, .d = d, .k = k, .nb = cu_nblocks(n)};
  size_t nb = m.nb;
  m.C = malloc(k * d * sizeof *m.C);
  m.a = malloc(n * sizeof *m.a);
  m.u = malloc(n * sizeof *m.u);
  m.l = malloc(n * sizeof *m.l);
  m.s = malloc(k * sizeof *m.s);
  m.p = malloc(k * sizeof *m.p);
  m.bsum = malloc(nb * k * d * sizeof *m.bsum);
  m.bw = malloc(nb * k * sizeof *m.bw);
  m.bchanged = malloc(nb * sizeof *m.bchanged);
  m.closest = malloc(n * sizeof *m.closest);
  double *cum = malloc(n * sizeof *cum), *newC = malloc(k * d * sizeof *newC);
  out->centers = malloc(k * d * sizeof *out->centers);
  out->labels = malloc(n * sizeof *out->labels);
  int st = CU_OK;
  if (!m.C || !m.a || !m.u || !m.l || !m.s || !m.p || !m.bsum || !m.bw || !m.bchanged ||
      !m.closest || !cum || !newC || !out->centers || !out->labels) {
    st = nomem(e);
    goto done;
  }
  out->k = k;
  out->d = d;
  out->n_init = n_init;
  out->inertia = INFINITY;
  for (int r = 0; r < n_init; r++) {
    if (cu_interrupted) {
      st = cu_err_set(e, CU_EINTR, "interrupted");
      goto done;
    }
    if (o->init) {
      memcpy(m.C, o->init, k * d * sizeof *m.C);
    } else {
      gsl_rng *rng = cu_rng_for(o->seed, (unsigned long)r);
      int bad = !rng || km_seed(&m, rng, o->threads, cum);
      gsl_rng_free(rng);
      if (bad) {
        st = nomem(e);
        goto done;
      }
    }
    km_run run;
    if (km_lloyd(&m, max_iter, tol, o->threads, newC, cum, &run)) {
      st = cu_err_set(e, CU_EIO, "k-means: the ranks could not exchange their sums");
      goto done;
    }
    out->relocated += run.relocated;
    if (run.inertia < out->inertia) {
      out->inertia = run.inertia;
      out->iterations = run.iterations;
      out->converged = run.converged;
      out->best_init = r;
      memcpy(out->centers, m.C, k * d * sizeof *m.C);
      memcpy(out->labels, m.a, n * sizeof *m.a);
    }
  }
done:
  free(m.C);
  free(m.a);
  free(m.u);
  free(m.l);
  free(m.s);
  free(m.p);
  free(m.bsum);
  free(m.bw);
  free(m.bchanged);
  free(m.closest);
  free(cum);
  free(newC);
  if (st) cu_kmeans_free(out);
  return st;
}

