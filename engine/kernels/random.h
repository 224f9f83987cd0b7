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

#endif
