/* cluster.c: k-means, Gaussian mixtures by EM, clustering metrics and PCA.
 * See cluster.h.  Per-row work runs over the fixed blocks of parallel.h;
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

#include "parallel.h"

static int nomem(cu_err *e) { return cu_err_set(e, CU_ENOMEM, "out of memory"); }

static inline double dist2(const double *a, const double *b, size_t d) {
  double s = 0;
  for (size_t j = 0; j < d; j++) {
    double t = a[j] - b[j];
    s += t * t;
  }
  return s;
}

static size_t block_end(size_t b, size_t n) {
  size_t end = (b + 1) * CU_BLOCK_ROWS;
  return end < n ? end : n;
}

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
  size_t *bchanged;
  /* seeding */
  double *closest; /* n: squared distance to the nearest chosen centre */
  const double *cand;
  size_t ncand;
  double *bpot; /* nb x ncand */
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
  m->bchanged[b] = changed;
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
  cu_parallel_blocks(m->nb, threads, km_closest_block, m);
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
    cu_parallel_blocks(m->nb, threads, km_pot_block, m);
    size_t best = 0;
    double best_pot = INFINITY;
    for (size_t t = 0; t < trials; t++) {
      double pot = 0;
      for (size_t b = 0; b < m->nb; b++) pot += bpot[b * trials + t];
      if (pot < best_pot) best_pot = pot, best = t;
    }
    memcpy(m->C + c * d, cand + best * d, d * sizeof *m->C);
    m->cand = m->C + c * d;
    cu_parallel_blocks(m->nb, threads, km_closest_block, m);
  }
  free(cand);
  free(bpot);
  m->bpot = NULL;
  return 0;
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

static int km_lloyd(km *m, int max_iter, double tol, int threads, double *newC, double *far,
                    km_run *run) {
  size_t k = m->k, d = m->d, nb = m->nb;
  memset(run, 0, sizeof *run);
  m->first = 1;
  int strict = 0;
  for (int it = 0; it < max_iter; it++) {
    cu_parallel_blocks(nb, threads, km_assign_block, m);
    size_t changed = 0;
    memset(newC, 0, k * d * sizeof *newC);
    double *wsum = m->p; /* reused: the weights, then the movements */
    memset(wsum, 0, k * sizeof *wsum);
    for (size_t b = 0; b < nb; b++) {
      changed += m->bchanged[b];
      for (size_t q = 0; q < k * d; q++) newC[q] += m->bsum[b * k * d + q];
      for (size_t j = 0; j < k; j++) wsum[j] += m->bw[b * k + j];
    }
    int any_empty = 0;
    for (size_t j = 0; j < k; j++) any_empty |= !(wsum[j] > 0);
    if (any_empty) {
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
    cu_parallel_blocks(nb, threads, km_assign_block, m);
    m->first = 0;
  }
  double inertia = 0;
  for (size_t i = 0; i < m->n; i++)
    inertia += weight(m, i) * dist2(m->X + i * d, m->C + (size_t)m->a[i] * d, d);
  run->inertia = inertia;
  return 0;
}

static int check_matrix(const double *X, size_t n, size_t d, cu_err *e) {
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
  if (check_matrix(X, n, d, e)) return e->code;
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
    km_lloyd(&m, max_iter, tol, o->threads, newC, cum, &run);
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

/* ---------------------------------------------------- Gaussian mixture -- */

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
  cu_parallel_blocks(g->nb, threads, gm_mstep_block, g);
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
  cu_parallel_blocks(g->nb, threads, gm_mstep_block, g);
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
  cu_parallel_blocks(g->nb, threads, gm_estep_block, g);
  double s = 0;
  for (size_t b = 0; b < g->nb; b++) s += g->bsum[b];
  return s / (double)g->n;
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
  if (check_matrix(X, n, d, e)) return e->code;
  int n_init = o->n_init > 0 ? o->n_init : 1, max_iter = o->max_iter > 0 ? o->max_iter : 100;
  double tol = o->tol > 0 ? o->tol : 1e-3;
  double reg = o->reg_covar > 0 ? o->reg_covar : o->reg_covar < 0 ? 0 : 1e-6;
  size_t cl = cov_len(o->cov, k, d);
  gm g = {.X = X, .n = n, .d = d, .k = k, .nb = cu_nblocks(n), .cov = o->cov};
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
  if (check_matrix(X, n, m->d, e)) return e->code;
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

/* ------------------------------------------------------------- metrics -- */

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
  if (check_matrix(X, n, d, e)) return e->code;
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
  if (check_matrix(X, n, d, e)) return e->code;
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
