/* test_dist.c: the pieces a distributed run rests on, in one process: the
 * block split (every block runs, results in place), exact sums and what
 * their rounding leaves out (partial sums made apart add up to the whole's
 * bits), and fits that are the same bits on 1 and 2 threads.  The runs
 * across MPI ranks are tested by tests/cli/dist.sh. */
#include <stdlib.h>

#include "check.h"
#include "clv.h"
#include "dist.h"
#include "frame.h"
#include "xsum.h"

/* a block writes its number and its square into its two slots */
static void fill_block(void *ctx, size_t b, int thread) {
  (void)thread;
  double *slots = ctx;
  slots[2 * b] = (double)b;
  slots[2 * b + 1] = (double)(b * b);
}

static void test_blocks(void) {
  double slots[2 * 37];
  for (size_t i = 0; i < 2 * 37; i++) slots[i] = -1;
  uint64_t ran0, total0, ran1, total1;
  cu_dist_block_counts(&ran0, &total0);
  CHECK(cu_dist_blocks(37, 2, fill_block, slots, slots, 2, 2 * 37) == 0);
  int ok = 1;
  for (size_t b = 0; b < 37; b++) ok &= slots[2 * b] == (double)b && slots[2 * b + 1] == (double)(b * b);
  CHECK(ok);
  cu_dist_block_counts(&ran1, &total1);
  CHECK(ran1 - ran0 == 37 && total1 - total0 == 37); /* one rank runs every block */
  size_t lo, hi;
  cu_dist_block_range(37, &lo, &hi);
  CHECK(lo == 0 && hi == 37);
  CHECK(cu_dist_set_split(0) == 1 && cu_dist_split() == 0);
  cu_dist_set_split(1);
}

/* random doubles of every magnitude and sign, some of them cancelling */
static double draw(unsigned long long *s) {
  *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
  double u = (double)(*s >> 11) / 9007199254740992.0;
  double mag = ldexp(1.0, (int)(*s % 40) - 20); /* 2^-73 to 2^34 in all: __float128 holds the sum */
  return (*s & 1 ? -1 : 1) * u * mag;
}

static void test_exact_sums(void) {
  enum { N = 20000, G = 7 };
  unsigned long long s = 42;
  cu_column *x = cu_column_new(CU_F64, N, NULL), *rx = cu_column_new(CU_F64, N, NULL);
  cu_column *k = cu_column_new(CU_I64, N, NULL), *rk = cu_column_new(CU_I64, N, NULL);
  for (size_t i = 0; i < N; i++) {
    double v = draw(&s);
    ((double *)x->data)[i] = ((double *)rx->data)[N - 1 - i] = v;
    ((int64_t *)k->data)[i] = ((int64_t *)rk->data)[N - 1 - i] = (int64_t)(i % G);
  }
  /* the column's exact sum against __float128 (113 bits hold this one) */
  __float128 q = 0;
  for (size_t i = 0; i < N; i++) q += ((double *)x->data)[i];
  double ex, rex;
  cu_err e = {0};
  CHECK(cu_exact_sum(&ex, x, &e) == 0 && cu_exact_sum(&rex, rx, &e) == 0);
  CHECK(ex == (double)q && ex == rex);
  double dist_sum;
  CHECK(cu_dist_exact_sum(x->data, NULL, N, &dist_sum) == 0 && dist_sum == ex);

  /* group sums: the same bits in reverse order */
  cu_groups g, rg;
  const cu_column *kk[] = {k}, *rkk[] = {rk};
  CHECK(cu_group(&g, kk, 1, N, &e) == 0 && cu_group(&rg, rkk, 1, N, &e) == 0);
  cu_column *sum, *rsum, *err[3];
  CHECK(cu_group_agg(&sum, &g, x, CU_AGG_SUM, &e) == 0 && cu_group_agg(&rsum, &rg, rx, CU_AGG_SUM, &e) == 0);
  CHECK(cu_group_agg(&err[0], &g, x, CU_AGG_SUM_ERR1, &e) == 0);
  CHECK(cu_group_agg(&err[1], &g, x, CU_AGG_SUM_ERR2, &e) == 0);
  CHECK(cu_group_agg(&err[2], &g, x, CU_AGG_SUM_ERR3, &e) == 0);
  int same = 1;
  for (size_t j = 0; j < G; j++) { /* group j is key j here; reversed, key (N-1-j) % G first */
    size_t rj = 0;
    while (((int64_t *)rk->data)[rg.first[rj]] != (int64_t)j) rj++;
    same &= ((double *)sum->data)[j] == ((double *)rsum->data)[rj];
  }
  CHECK(same);
  /* sum + err1 + err2 + err3 is the group's exact sum: halves summed apart
   * and their parts added exactly give the whole's sum */
  double half[2][4][G]; /* per half, per part, per key */
  for (int h = 0; h < 2; h++) {
    cu_column *hx = cu_column_new(CU_F64, N / 2, NULL), *hk = cu_column_new(CU_I64, N / 2, NULL);
    memcpy(hx->data, (double *)x->data + h * (N / 2), (N / 2) * sizeof(double));
    memcpy(hk->data, (int64_t *)k->data + h * (N / 2), (N / 2) * sizeof(int64_t));
    cu_groups hg;
    const cu_column *hkk[] = {hk};
    CHECK(cu_group(&hg, hkk, 1, N / 2, &e) == 0 && hg.ngroups == G);
    cu_agg_fn fns[] = {CU_AGG_SUM, CU_AGG_SUM_ERR1, CU_AGG_SUM_ERR2, CU_AGG_SUM_ERR3};
    for (int c = 0; c < 4; c++) {
      cu_column *r;
      CHECK(cu_group_agg(&r, &hg, hx, fns[c], &e) == 0);
      for (size_t gi = 0; gi < G; gi++) half[h][c][((int64_t *)hk->data)[hg.first[gi]]] = ((double *)r->data)[gi];
      cu_column_release(r);
    }
    cu_groups_free(&hg);
    cu_column_release(hx);
    cu_column_release(hk);
  }
  int merged = 1, parts_exact = 1;
  for (size_t j = 0; j < G; j++) {
    cu_xsum m, whole;
    cu_xsum_zero(&m);
    cu_xsum_zero(&whole);
    for (int h = 0; h < 2; h++)
      for (int c = 0; c < 4; c++) cu_xsum_add(&m, half[h][c][j]);
    merged &= cu_xsum_value(&m) == ((double *)sum->data)[j];
    cu_xsum_add(&whole, ((double *)sum->data)[j]);
    for (int c = 0; c < 3; c++) cu_xsum_add(&whole, ((double *)err[c]->data)[j]);
    for (size_t i = j; i < N; i += G) cu_xsum_add(&whole, -((double *)x->data)[i]);
    parts_exact &= cu_xsum_value(&whole) == 0; /* the parts are the sum, exactly */
  }
  CHECK(merged);
  CHECK(parts_exact);
  for (int c = 0; c < 3; c++) cu_column_release(err[c]);
  /* only float64 has the rests */
  cu_column *bad;
  CHECK(cu_group_agg(&bad, &g, k, CU_AGG_SUM_ERR1, &e) == CU_ETYPE);
  cu_column_release(sum);
  cu_column_release(rsum);
  cu_groups_free(&g);
  cu_groups_free(&rg);
  cu_column_release(x);
  cu_column_release(rx);
  cu_column_release(k);
  cu_column_release(rk);
}

/* a BG/NBD fit over many blocks of rows: the same bits on 1 and 2 threads */
static void test_blocked_fit(void) {
  enum { N = 5000 };
  double *x = malloc(N * sizeof *x), *tx = malloc(N * sizeof *tx), *T = malloc(N * sizeof *T);
  double p[4] = {0.25, 4.0, 0.8, 2.4};
  for (size_t i = 0; i < N; i++) T[i] = 20 + (double)(i % 17);
  cu_err e = {0};
  CHECK(cu_bgnbd_simulate(x, tx, NULL, T, N, p, 0, 0, 1.0 / 7, 11, &e) == 0);
  cu_clv_data d;
  CHECK(cu_clv_data_make(&d, x, tx, T, NULL, NULL, N, &e) == 0);
  CHECK(d.n > 2 * CU_CLV_BLOCK); /* several blocks */
  cu_fit f1, f2;
  setenv("CUSTAN_THREADS", "1", 1);
  CHECK(cu_bgnbd_fit(&f1, &d, NULL, &e) == 0);
  setenv("CUSTAN_THREADS", "2", 1);
  CHECK(cu_bgnbd_fit(&f2, &d, NULL, &e) == 0);
  unsetenv("CUSTAN_THREADS");
  CHECK(f1.converged && memcmp(f1.p, f2.p, 4 * sizeof(double)) == 0 && f1.loglik == f2.loglik);
  /* and close to the truth it was drawn from */
  CHECK_NEAR(f1.p[0], p[0], 0.05);
  cu_fit_free(&f1);
  cu_fit_free(&f2);
  cu_clv_data_free(&d);
  free(x), free(tx), free(T);
}

int main(void) {
  test_blocks();
  test_exact_sums();
  test_blocked_fit();
  return check_done("dist");
}
