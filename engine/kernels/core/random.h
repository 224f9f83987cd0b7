/* random.h: seeded random streams and the sampling the models share.
 *
 * Every random result in custan comes from a GSL Mersenne Twister seeded
 * from (seed, stream): splitmix64 mixes the two, so streams of one seed are
 * independent, and work cut into fixed blocks can give each block its own
 * stream and the same draws with any number of threads. */
#ifndef CU_RANDOM_H
#define CU_RANDOM_H

#include <gsl/gsl_rng.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

/* A new generator for (seed, stream); NULL when out of memory.  Free with
 * gsl_rng_free. */
gsl_rng *cu_rng_for(uint64_t seed, uint64_t stream);

/* idx[0..n) = a uniform random permutation of 0..n-1 (Fisher-Yates). */
void cu_shuffle(size_t *idx, size_t n, gsl_rng *r);

/* Stratified split: for each class (cls[i] in 0..ncls-1), a shuffled
 * round(test_fraction x class size) of its rows go to the test set
 * (is_test[i] = 1).  0 ok. */
int cu_stratified_split(const int32_t *cls, size_t n, int ncls, double test_fraction, uint64_t seed,
                        uint8_t *is_test, cu_err *e);

/* Stratified k folds: each class's rows are shuffled and dealt to folds
 * 0..k-1 in turn, continuing the deal from one class to the next, so fold
 * sizes differ by at most one and every class is spread evenly.  0 ok. */
int cu_stratified_folds(const int32_t *cls, size_t n, int ncls, int k, uint64_t seed, int32_t *fold,
                        cu_err *e);

/* ------------------------------------------------------------ samplers -- */

typedef enum {
  CU_DIST_CONSTANT,    /* a */
  CU_DIST_UNIFORM,     /* lo a, hi b */
  CU_DIST_NORMAL,      /* mean a, sd b */
  CU_DIST_LOGNORMAL,   /* meanlog a, sdlog b (of the log) */
  CU_DIST_BETA,        /* alpha a, beta b */
  CU_DIST_GAMMA,       /* shape a, scale b */
  CU_DIST_POISSON,     /* mean a */
  CU_DIST_BINOMIAL,    /* trials a, p b */
  CU_DIST_NEGBIN,      /* successes r a (> 0), p b: failures before the r-th success */
  CU_DIST_TRIANGULAR,  /* lo a, mode b, hi c */
  CU_DIST_TRUNCNORMAL, /* mean a, sd b, lo c, hi d */
  CU_DIST_DISCRETE     /* values with weights (empirical: equal weights) */
} cu_dist_kind;

typedef struct cu_dist {
  cu_dist_kind kind;
  double a, b, c, d;
  const double *values, *weights; /* DISCRETE: nvalues each (weights may be NULL) */
  size_t nvalues;
  double *cum; /* DISCRETE: cumulative weights, made by cu_dist_check */
} cu_dist;

/* Checks the parameters (naming the bad one in e) and prepares DISCRETE's
 * table; 0 ok.  Release with cu_dist_free. */
int cu_dist_check(cu_dist *d, cu_err *e);
void cu_dist_free(cu_dist *d);
const char *cu_dist_name(cu_dist_kind k);
double cu_dist_draw(const cu_dist *d, gsl_rng *r);
double cu_dist_mean(const cu_dist *d);
double cu_dist_variance(const cu_dist *d);
/* The q-quantile (0 < q < 1); for discrete distributions the smallest
 * value whose cumulative probability reaches q. */
double cu_dist_quantile(const cu_dist *d, double q);

/* n draws into out: blocks of CU_BLOCK_ROWS draws, each from its own
 * stream (seed, stream x 2^20 + block), on threads: the same values with
 * any number of threads. */
/* n draws of a k-variate normal N(mean, cov) (cov row-major, positive
 * definite) into out (n x k, row-major), from the stream (seed, stream):
 * GSL's Cholesky factor and its Gaussian sampler.  CU_ERANGE when cov is
 * not positive definite. */
int cu_mvnormal(double *out, size_t n, size_t k, const double *mean, const double *cov,
                uint64_t seed, uint64_t stream, cu_err *e);
int cu_dist_fill(const cu_dist *d, uint64_t seed, uint64_t stream, double *out, size_t n,
                 int threads, cu_err *e);

#endif
