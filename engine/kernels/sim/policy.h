/* policy.h: Monte Carlo of a retention or growth policy over customer groups.
 *
 * Customers are grouped by segment and by their (rounded) baseline
 * probability of staying active over the horizon; within a group they
 * share that probability, so each draw takes a few binomial draws per
 * group instead of one Bernoulli per customer: the cost grows with draws x
 * groups, not draws x customers.
 *
 * Per draw d the caller supplies the two assumptions that decide who is
 * drawn: the uptake and the save effect s.  Per group with n contacted
 * customers, baseline retention r, mean expected orders o of a retained
 * customer over the horizon and mean o x order value ov:
 *   responders   k ~ Binomial(n, uptake)
 *   retained     m ~ Binomial(k, r')   r' = r + (1 - r) s      (relative s)
 *                                      r' = min(1, r + s)       (absolute s)
 * and the kernel returns, per draw and segment, the sums the economics
 * need: n, k, m, k r, m o, k r o, m ov, k r ov.  Revenue, cost and net are
 * linear in these sums, so they are computed once, in Lua, from the sums
 * and the other assumptions (custan.policy.economics): a new assumption is
 * one entry of its registry, and the formula lives in one place. */
#ifndef CU_POLICY_H
#define CU_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef struct cu_policy_groups {
  size_t n;               /* groups */
  const double *count;    /* contacted customers */
  const double *retain;   /* baseline retention probability */
  const double *orders;   /* mean expected orders of a retained customer */
  const double *ovalue;   /* mean orders x order value of a retained customer */
  const int32_t *segment; /* 0..nsegments-1 */
  int nsegments;
} cu_policy_groups;

/* Sampled assumptions, one value per draw each. */
typedef struct cu_policy_draws {
  size_t n;
  const double *uptake, *save;
  int save_absolute; /* s is an absolute change in retention probability */
} cu_policy_draws;

/* Sums per draw and segment: out[(d * nsegments + s) * CU_POLICY_NOUT + k]. */
enum {
  CU_POLICY_CONTACTED,       /* n */
  CU_POLICY_CONVERSIONS,     /* k */
  CU_POLICY_STAYED,          /* m */
  CU_POLICY_BASE_STAYED,     /* k r: responders who would have stayed anyway */
  CU_POLICY_STAYED_ORDERS,   /* m o */
  CU_POLICY_BASE_ORDERS,     /* k r o */
  CU_POLICY_STAYED_VALUE,    /* m ov */
  CU_POLICY_BASE_VALUE,      /* k r ov */
  CU_POLICY_NOUT
};

/* Draws in blocks of 64, each block from its own stream of the seed, on
 * threads: the same results with any number of threads.  0 ok. */
int cu_policy_simulate(const cu_policy_groups *g, const cu_policy_draws *a, uint64_t seed,
                       int threads, double *out, cu_err *e);

/* The expectation of the sums of one draw given its assumption values
 * (index d of a), per segment, without sampling customers: out[s *
 * CU_POLICY_NOUT + k]. */
void cu_policy_expect(const cu_policy_groups *g, const cu_policy_draws *a, size_t d, double *out);

#endif
