/* dist.h: the ranks of a distributed run.
 *
 * custan built with MPI (CMake option CUSTAN_MPI, on when MPI is found)
 * and started by mpirun or srun runs one rank per process; otherwise
 * there is one rank and every call below is the identity.  Kernels call
 * these functions, never MPI itself, so they build either way.
 *
 * Every collective must be called by every rank, in the same order.  A
 * rank that fails calls cu_dist_abort, which stops all of them: no rank is
 * left waiting in a collective for one that has gone. */
#ifndef CU_DIST_H
#define CU_DIST_H

#include <stddef.h>
#include <stdint.h>

#include "parallel.h"

/* Starts MPI when the process was launched as a rank (mpirun, srun);
 * 0 ok, -1 when MPI could not start. */
int cu_dist_init(int *argc, char ***argv);
void cu_dist_finalize(void);
/* 1 when custan was built with MPI. */
int cu_dist_built(void);
/* The MPI library's version text, or "none". */
const char *cu_dist_library(void);
int cu_dist_rank(void);
int cu_dist_size(void);
/* Stops every rank with this exit code (after the caller printed why). */
void cu_dist_abort(int code);

/* The collectives: 0 ok, -1 an MPI error (the run should abort). */
int cu_dist_barrier(void);
/* x[i] becomes the sum over ranks, exactly (xsum.h): the same bits for
 * any number of ranks and any order. */
int cu_dist_sum(double *x, size_t n);
/* The sum of n values on every rank (those with valid[i] != 0 when valid
 * is given), exactly, rounded once: the same bits however the values are
 * spread over the ranks and in whatever order. */
int cu_dist_exact_sum(const double *x, const uint8_t *valid, size_t n, double *out);
int cu_dist_sum_u64(uint64_t *x, size_t n);
int cu_dist_max_i64(int64_t *x, size_t n);
int cu_dist_min_i64(int64_t *x, size_t n);
/* 1 when flag is nonzero on any rank. */
int cu_dist_any(int flag, int *out);
/* Each rank sends send[from scount[0] ... ] to every rank in rank order
 * (scount: bytes per destination) and receives *recv (malloc'd, free it)
 * with rcount[r] bytes from rank r, in rank order. */
int cu_dist_alltoallv(const char *send, const size_t *scount, char **recv, size_t *rcount);
/* Rank 0 receives every rank's bytes in rank order (*recv, rcount per
 * rank); other ranks get NULL. */
int cu_dist_gatherv(const char *send, size_t n, char **recv, size_t *rcount);
/* Every rank gets every rank's bytes in rank order (*recv, rcount per
 * rank; malloc'd). */
int cu_dist_allgatherv(const char *send, size_t n, char **recv, size_t *rcount);
/* Rank 0's bytes to every rank: *buf and *n on rank 0 in, on others out
 * (malloc'd). */
int cu_dist_bcast(char **buf, size_t *n);
/* The rank that owns each row's key (a customer id): a hash of the value,
 * the same for an id read as int64, as a whole float64 or by any rank;
 * text by its bytes.  A missing key stays on this rank.  The frame
 * column type is frame.h's. */
struct cu_column;
void cu_dist_owners(const struct cu_column *key, int64_t *owner);
/* As cu_dist_owners, and a row whose key is missing goes by `fallback`
 * (an order id: an order's rows without a customer stay together). */
void cu_dist_owners2(const struct cu_column *key, const struct cu_column *fallback,
                     int64_t *owner);

/* ---- Work split across ranks by fixed blocks ----
 *
 * The fits and the Monte Carlo samplers already cut their work into
 * blocks whose bounds depend only on the data (parallel.h) and combine the
 * blocks' results in block order.  cu_dist_blocks runs each rank's share
 * of the blocks (one contiguous range per rank) on its threads, then the
 * ranks swap results, so every rank holds every block's result and combines
 * them as one process would: the same bits for any number of ranks and
 * threads, with the work divided.  Every rank must hold the same input
 * (the gathered customer table every prepared script uses).  A script
 * whose ranks hold different rows turns splitting off with
 * cu_dist_set_split(0): each rank then computes all blocks of its own rows
 * and makes no collective call. */

/* This rank's blocks of nblocks: [lo, hi). */
void cu_dist_block_range(size_t nblocks, size_t *lo, size_t *hi);
/* fn(ctx, block, thread) for this rank's blocks, then every rank gets all
 * of slots: stride doubles a block, total doubles in all (the last block
 * may be short).  With one rank or splitting off, cu_parallel_blocks over
 * every block.  0 ok, -1 an MPI error. */
int cu_dist_blocks(size_t nblocks, int threads, cu_block_fn fn, void *ctx, double *slots,
                   size_t stride, size_t total);
/* The sharing step alone, for kernels whose blocks fill several arrays:
 * after this rank filled its blocks' part of slots, every rank gets all of
 * it. */
int cu_dist_share(size_t nblocks, double *slots, size_t stride, size_t total);
/* Whether kernels split blocks across ranks (default 1); returns the old
 * setting. */
int cu_dist_set_split(int on);
int cu_dist_split(void);
/* Blocks this process has run through cu_dist_blocks and the blocks they
 * belonged to, so tests can see that the work was divided. */
void cu_dist_block_counts(uint64_t *ran, uint64_t *total);
/* Exchanges of blocks' results so far (cu_dist_share calls, one
 * MPI_Allgatherv each under mpirun; counted with one rank too). */
uint64_t cu_dist_block_rounds(void);

/* Bytes exchanged by this rank so far (sent and received), for the
 * benchmark's record. */
uint64_t cu_dist_bytes_moved(void);

#endif
