/* policy.c: see policy.h. */
#include "policy.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "parallel.h"
#include "random.h"

#define DRAW_BLOCK 64

static int check(const cu_policy_groups *g, const cu_policy_draws *a, cu_err *e) {
  for (size_t i = 0; i < g->n; i++) {
    if (!(g->count[i] >= 0) || g->count[i] != floor(g->count[i]) || g->count[i] > 4e9)
      return cu_err_set(e, CU_EARG, "group %zu: the customer count must be a whole number", i + 1);
    if (!(g->retain[i] >= 0 && g->retain[i] <= 1))
      return cu_err_set(e, CU_EARG, "group %zu: retention %g is not a probability", i + 1,
                        g->retain[i]);
    if (!isfinite(g->orders[i]) || !isfinite(g->ovalue[i]))
      return cu_err_set(e, CU_EARG, "group %zu: orders and value must be finite", i + 1);
    if (g->segment[i] < 0 || g->segment[i] >= g->nsegments)
      return cu_err_set(e, CU_EARG, "group %zu: segment out of range", i + 1);
  }
  for (size_t d = 0; d < a->n; d++) {
    if (!(a->uptake[d] >= 0 && a->uptake[d] <= 1))
      return cu_err_set(e, CU_EARG, "draw %zu: uptake %g is not a probability", d + 1,
                        a->uptake[d]);
    if (!isfinite(a->save[d]))
      return cu_err_set(e, CU_EARG, "draw %zu: an assumption is not a finite number", d + 1);
  }
  return CU_OK;
}

/* r' of a group under the draw's save effect, within [0, 1] */
static inline double treated(double r, double s, int absolute) {
  double t = absolute ? r + s : r + (1 - r) * s;
  return t < 0 ? 0 : t > 1 ? 1 : t;
}

static void add(double *o, double n, double k, double m, double r, double orders, double ov) {
  o[CU_POLICY_CONTACTED] += n;
  o[CU_POLICY_CONVERSIONS] += k;
  o[CU_POLICY_STAYED] += m;
  o[CU_POLICY_BASE_STAYED] += k * r;
  o[CU_POLICY_STAYED_ORDERS] += m * orders;
  o[CU_POLICY_BASE_ORDERS] += k * r * orders;
  o[CU_POLICY_STAYED_VALUE] += m * ov;
  o[CU_POLICY_BASE_VALUE] += k * r * ov;
}

typedef struct sim {
  const cu_policy_groups *g;
  const cu_policy_draws *a;
  uint64_t seed;
  double *out;
  int failed;
} sim;

static void sim_block(void *ctx, size_t blk, int thread) {
  (void)thread;
  sim *S = ctx;
  const cu_policy_groups *g = S->g;
  const cu_policy_draws *a = S->a;
  gsl_rng *r = cu_rng_for(S->seed, 0x9011c7000000ULL + blk);
  if (!r) {
    S->failed = 1;
    return;
  }
  size_t lo = blk * DRAW_BLOCK, hi = lo + DRAW_BLOCK < a->n ? lo + DRAW_BLOCK : a->n;
  for (size_t d = lo; d < hi; d++) {
    double *o = S->out + d * (size_t)g->nsegments * CU_POLICY_NOUT;
    memset(o, 0, (size_t)g->nsegments * CU_POLICY_NOUT * sizeof *o);
    for (size_t i = 0; i < g->n; i++) {
      unsigned n = (unsigned)g->count[i];
      unsigned k = a->uptake[d] > 0 ? gsl_ran_binomial(r, a->uptake[d], n) : 0;
      double rt = treated(g->retain[i], a->save[d], a->save_absolute);
      unsigned m = k ? gsl_ran_binomial(r, rt, k) : 0;
      add(o + (size_t)g->segment[i] * CU_POLICY_NOUT, n, k, m, g->retain[i], g->orders[i],
          g->ovalue[i]);
    }
  }
  gsl_rng_free(r);
}

int cu_policy_simulate(const cu_policy_groups *g, const cu_policy_draws *a, uint64_t seed,
                       int threads, double *out, cu_err *e) {
  int st = check(g, a, e);
  if (st) return st;
  sim S = {g, a, seed, out, 0};
  /* each rank draws its blocks of draws (each block its own stream); every
   * rank then holds all draws, the same bits for any rank count */
  size_t per = (size_t)g->nsegments * CU_POLICY_NOUT;
  if (cu_dist_blocks((a->n + DRAW_BLOCK - 1) / DRAW_BLOCK, threads, sim_block, &S, out,
                     DRAW_BLOCK * per, a->n * per))
    return cu_err_set(e, CU_EIO, "the ranks could not exchange the draws");
  if (S.failed) return cu_err_set(e, CU_ENOMEM, "out of memory");
  return cu_interrupted ? cu_err_set(e, CU_EINTR, "interrupted") : CU_OK;
}

void cu_policy_expect(const cu_policy_groups *g, const cu_policy_draws *a, size_t d, double *out) {
  memset(out, 0, (size_t)g->nsegments * CU_POLICY_NOUT * sizeof *out);
  for (size_t i = 0; i < g->n; i++) {
    double n = g->count[i], k = n * a->uptake[d];
    double m = k * treated(g->retain[i], a->save[d], a->save_absolute);
    add(out + (size_t)g->segment[i] * CU_POLICY_NOUT, n, k, m, g->retain[i], g->orders[i],
        g->ovalue[i]);
  }
}
