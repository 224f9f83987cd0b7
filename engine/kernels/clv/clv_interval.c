/* clv_interval.c: the CLV interval over parameter draws, in C.
 *
 * For draw d of the purchase model's parameters p_d and the spend model's
 * q_d, customer i's CLV is
 *
 *   CLV_d(i) = margin * E(M | x, m; q_d) * sum_{k=1..H} [E(X(k f) | .) - E(X((k-1) f) | .)] / (1+disc)^k
 *
 * (lifetimes' customer_lifetime_value; f = units per month), and the
 * interval is the low and high quantiles of CLV_d(i) over the draws
 * (numpy's linear interpolation, as column:quantiles).
 *
 * The work is shared.  For BG/NBD, MBG/NBD and Pareto/NBD the conditional
 * expectation factors as P(alive | x, t_x, T) * E(X(t) | alive, x, T):
 * given that the customer is alive at T, the likelihood no longer depends
 * on t_x (Fader, Hardie & Lee 2005, eq. 10 and its derivation).  So the
 * discounted sum of expected purchases of an alive customer, the costly
 * part (a hypergeometric function per month), is computed once per
 * distinct (x, T) and draw, P(alive) once per distinct (x, t_x, T) and
 * draw, and the quantiles once per distinct (x, t_x, T, m).  Memory is
 * (distinct rows + distinct (x, T)) x draws doubles, at most proportional
 * to customers.  tests/c/test_clv.c checks the factored sum against the
 * direct one. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clv_model.h"
#include "hash.h"
#include "dist.h"
#include "parallel.h"

/* Distinct tuples of up to 4 doubles: id[i] for each row, and the first
 * row of each id. */
typedef struct distinct {
  size_t n, *id, *first;
} distinct;

static int find_distinct(distinct *out, const double *const *cols, size_t ncols, size_t n) {
  size_t nslots = 16;
  while (nslots < n * 2) nslots *= 2;
  size_t *slots = calloc(nslots, sizeof *slots);
  uint64_t *hash = malloc((n ? n : 1) * sizeof *hash);
  out->id = malloc((n ? n : 1) * sizeof *out->id);
  out->first = malloc((n ? n : 1) * sizeof *out->first);
  out->n = 0;
  if (!slots || !hash || !out->id || !out->first) {
    free(slots), free(hash), free(out->id), free(out->first);
    out->id = out->first = NULL;
    return -1;
  }
  for (size_t i = 0; i < n; i++) {
    uint64_t h = 0x243f6a8885a308d3ull;
    for (size_t c = 0; c < ncols; c++) h = cu_mix64(h ^ cu_double_key(cols[c][i])) + c;
    size_t j = h & (nslots - 1);
    for (;;) {
      size_t s = slots[j];
      if (s == 0) {
        size_t g = out->n++;
        slots[j] = g + 1;
        hash[g] = h;
        out->first[g] = i;
        out->id[i] = g;
        break;
      }
      size_t f = out->first[s - 1];
      int same = hash[s - 1] == h;
      for (size_t c = 0; same && c < ncols; c++)
        same = cu_double_key(cols[c][f]) == cu_double_key(cols[c][i]);
      if (same) {
        out->id[i] = s - 1;
        break;
      }
      j = (j + 1) & (nslots - 1);
    }
  }
  free(slots), free(hash);
  return 0;
}

static void distinct_free(distinct *d) { free(d->id), free(d->first); }

/* The element of rank k (0-based) of a[0..n), partly reordering a so that
 * a[k] holds it and every later element is at least as large (Hoare's
 * selection). */
static double select_rank(double *a, size_t n, size_t k) {
  ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;
  while (lo < hi) {
    double pivot = a[lo + (hi - lo) / 2];
    ptrdiff_t i = lo, j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        double t = a[i];
        a[i] = a[j], a[j] = t;
        i++, j--;
      }
    }
    if (kk <= j) hi = j;
    else if (kk >= i) lo = i;
    else break; /* j < k < i: a[k] equals the pivot and is in place */
  }
  return a[k];
}

/* numpy's linear-interpolation quantile q of a[0..n), n > 0. */
static double quantile(double *a, size_t n, double q) {
  double h = (double)(n - 1) * q;
  size_t k = (size_t)floor(h);
  if (k >= n - 1) return select_rank(a, n, n - 1);
  double lo = select_rank(a, n, k);
  double hi = a[k + 1]; /* after selection every element past k is >= lo */
  for (size_t j = k + 2; j < n; j++)
    if (a[j] < hi) hi = a[j];
  return lo + (h - (double)k) * (hi - lo);
}

typedef struct job {
  const cu_clv_model *tx, *spend;
  double *ptx, *psp; /* (draws + 1) x k: the draws, then the point estimate */
  size_t draws, ktx, ksp;
  const double *x, *t_x, *T, *m;
  size_t n;
  int horizon;
  double per_month, discount, margin, qlow, qhigh;
  distinct xt, rows, full; /* by (x, T), (x, t_x, T), (x, t_x, T, m) */
  double *alive_sum;       /* xt.n x draws: discounted purchases of an alive customer */
  double *p_alive;         /* rows.n x draws */
  double *point, *low, *high; /* per full tuple */
  size_t *weight;             /* customers per full tuple */
  double *block_sums;         /* per block of stage 2: draws sums of CLV (NULL: none) */
  double **scratch;        /* per thread: draws doubles */
  int stage;
} job;

static void stage_block(void *ctx, size_t b, int thread) {
  job *j = ctx;
  size_t from = b * CU_BLOCK_ROWS / 64, to = from + CU_BLOCK_ROWS / 64; /* small blocks: costly rows */
  if (j->stage == 0) { /* discounted expected purchases of an alive customer, per (x, T) */
    if (to > j->xt.n) to = j->xt.n;
    for (size_t g = from; g < to; g++) {
      size_t i = j->xt.first[g];
      double x = j->x[i], T = j->T[i], tx0 = x > 0 ? T : 0;
      for (size_t d = 0; d <= j->draws; d++) {
        const double *p = j->ptx + d * j->ktx;
        double pa = j->tx->p_alive(p, x, tx0, T), sum = 0, before = 0;
        for (int k = 1; k <= j->horizon; k++) {
          double upto = j->tx->conditional(p, k * j->per_month, x, tx0, T);
          sum += (upto - before) / pow(1 + j->discount, k);
          before = upto;
        }
        j->alive_sum[g * (j->draws + 1) + d] = pa > 0 ? sum / pa : NAN;
      }
    }
  } else if (j->stage == 1) { /* P(alive) per (x, t_x, T) */
    if (to > j->rows.n) to = j->rows.n;
    for (size_t r = from; r < to; r++) {
      size_t i = j->rows.first[r];
      for (size_t d = 0; d <= j->draws; d++)
        j->p_alive[r * (j->draws + 1) + d] = j->tx->p_alive(j->ptx + d * j->ktx, j->x[i], j->t_x[i], j->T[i]);
    }
  } else { /* the quantiles per (x, t_x, T, m) */
    if (to > j->full.n) to = j->full.n;
    double *v = j->scratch[thread];
    for (size_t u = from; u < to; u++) {
      size_t i = j->full.first[u], r = j->rows.id[i], g = j->xt.id[i], n = 0;
      double x = j->x[i] > 0 ? j->x[i] : 0;
      const double *pa = j->p_alive + r * (j->draws + 1), *as = j->alive_sum + g * (j->draws + 1);
      double *sums = j->block_sums ? j->block_sums + b * j->draws : NULL;
      for (size_t d = 0; d < j->draws; d++) {
        double c = j->margin * j->spend->spend(j->psp + d * j->ksp, x, j->m[i]) * pa[d] * as[d];
        if (isfinite(c)) {
          v[n++] = c;
          if (sums) sums[d] += c * (double)j->weight[u];
        }
      }
      size_t D = j->draws;
      j->point[u] = j->margin * j->spend->spend(j->psp + D * j->ksp, x, j->m[i]) * pa[D] * as[D];
      j->low[u] = n ? quantile(v, n, j->qlow) : NAN;
      j->high[u] = n ? quantile(v, n, j->qhigh) : NAN;
    }
  }
}

/* A stage's blocks, split across ranks (dist.h); every rank then holds the
 * whole of the stage's results, as one process would. */
static int run_stage(job *j, int stage, size_t items, int threads) {
  j->stage = stage;
  size_t per = CU_BLOCK_ROWS / 64, nb = (items + per - 1) / per, w = j->draws + 1;
  if (stage == 0) return cu_dist_blocks(nb, threads, stage_block, j, j->alive_sum, per * w, items * w);
  if (stage == 1) return cu_dist_blocks(nb, threads, stage_block, j, j->p_alive, per * w, items * w);
  if (cu_dist_blocks(nb, threads, stage_block, j, j->point, per, items) ||
      cu_dist_share(nb, j->low, per, items) || cu_dist_share(nb, j->high, per, items))
    return -1;
  return j->block_sums ? cu_dist_share(nb, j->block_sums, j->draws, nb * j->draws) : 0;
}

int cu_clv_interval(double *point, double *low, double *high, double *totals, const cu_clv_model *tx,
                    const double *ptx0, const double *ptx, const cu_clv_model *spend,
                    const double *psp0, const double *psp, size_t draws, const double *x,
                    const double *t_x, const double *T, const double *m, size_t n, int horizon,
                    double per_month, double discount, double margin, double qlow, double qhigh,
                    int threads, cu_err *e) {
  if (!tx->conditional || !tx->p_alive)
    return cu_err_set(e, CU_EARG, "%s makes no conditional expectation", tx->name);
  if (!spend->spend) return cu_err_set(e, CU_EARG, "%s is not a spend model", spend->name);
  if (draws == 0 || horizon < 1 || !(per_month > 0) || !(qlow >= 0 && qlow <= qhigh && qhigh <= 1))
    return cu_err_set(e, CU_EARG, "CLV interval: bad draws, horizon, unit or quantiles");
  job j;
  memset(&j, 0, sizeof j);
  j.tx = tx, j.spend = spend, j.draws = draws;
  j.ktx = tx->k, j.ksp = spend->k, j.x = x, j.t_x = t_x, j.T = T, j.m = m, j.n = n;
  j.horizon = horizon, j.per_month = per_month, j.discount = discount, j.margin = margin;
  j.qlow = qlow, j.qhigh = qhigh;
  int nthreads = threads > 0 ? threads : cu_default_threads();
  const double *xt_cols[] = {x, T}, *row_cols[] = {x, t_x, T}, *full_cols[] = {x, t_x, T, m};
  int st = CU_OK;
  if (find_distinct(&j.xt, xt_cols, 2, n) || find_distinct(&j.rows, row_cols, 3, n) ||
      find_distinct(&j.full, full_cols, 4, n)) {
    st = cu_err_set(e, CU_ENOMEM, "out of memory");
    goto done;
  }
  j.ptx = malloc((draws + 1) * j.ktx * sizeof(double));
  j.psp = malloc((draws + 1) * j.ksp * sizeof(double));
  j.alive_sum = malloc((j.xt.n ? j.xt.n : 1) * (draws + 1) * sizeof(double));
  j.p_alive = malloc((j.rows.n ? j.rows.n : 1) * (draws + 1) * sizeof(double));
  j.point = malloc((j.full.n ? j.full.n : 1) * sizeof(double));
  j.weight = calloc(j.full.n ? j.full.n : 1, sizeof(size_t));
  size_t per = CU_BLOCK_ROWS / 64, nb = (j.full.n + per - 1) / per;
  if (totals) j.block_sums = calloc((nb ? nb : 1) * draws, sizeof(double));
  j.low = malloc((j.full.n ? j.full.n : 1) * sizeof(double));
  j.high = malloc((j.full.n ? j.full.n : 1) * sizeof(double));
  j.scratch = calloc((size_t)nthreads, sizeof *j.scratch);
  if (!j.ptx || !j.psp || !j.alive_sum || !j.p_alive || !j.point || !j.low || !j.high ||
      !j.scratch || !j.weight || (totals && !j.block_sums)) {
    st = cu_err_set(e, CU_ENOMEM, "out of memory");
    goto done;
  }
  for (int t = 0; t < nthreads; t++)
    if (!(j.scratch[t] = malloc(draws * sizeof(double)))) {
      st = cu_err_set(e, CU_ENOMEM, "out of memory");
      goto done;
    }
  memcpy(j.ptx, ptx, draws * j.ktx * sizeof(double));
  memcpy(j.ptx + draws * j.ktx, ptx0, j.ktx * sizeof(double));
  memcpy(j.psp, psp, draws * j.ksp * sizeof(double));
  memcpy(j.psp + draws * j.ksp, psp0, j.ksp * sizeof(double));
  for (size_t i = 0; i < n; i++) j.weight[j.full.id[i]]++;
  if (run_stage(&j, 0, j.xt.n, nthreads) || run_stage(&j, 1, j.rows.n, nthreads) ||
      run_stage(&j, 2, j.full.n, nthreads)) {
    st = cu_err_set(e, CU_EIO, "the ranks could not exchange the CLV interval's blocks");
    goto done;
  }
  for (size_t i = 0; i < n; i++) {
    if (point) point[i] = j.point[j.full.id[i]];
    low[i] = j.low[j.full.id[i]];
    high[i] = j.high[j.full.id[i]];
  }
  if (totals) { /* block order: the same sums at any thread count */
    for (size_t d = 0; d < draws; d++) totals[d] = 0;
    for (size_t b = 0; b < nb; b++)
      for (size_t d = 0; d < draws; d++) totals[d] += j.block_sums[b * draws + d];
  }
done:
  if (j.scratch)
    for (int t = 0; t < nthreads; t++) free(j.scratch[t]);
  free(j.scratch);
  free(j.ptx), free(j.psp), free(j.alive_sum), free(j.p_alive);
  free(j.point), free(j.low), free(j.high), free(j.weight), free(j.block_sums);
  distinct_free(&j.xt), distinct_free(&j.rows), distinct_free(&j.full);
  return st;
}
