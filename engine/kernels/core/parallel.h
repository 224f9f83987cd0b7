/* parallel.h: run a function over fixed blocks of rows on a few threads.
 *
 * Work is cut into blocks whose boundaries depend only on the row count,
 * never on the thread count, and per-block partial results are combined
 * in block order by the caller: the same input gives the same bits with
 * 1 or 2 threads. */
#ifndef CU_PARALLEL_H
#define CU_PARALLEL_H

#include <stddef.h>

#define CU_BLOCK_ROWS 16384

/* Blocks of CU_BLOCK_ROWS rows covering n rows. */
static inline size_t cu_nblocks(size_t n) { return (n + CU_BLOCK_ROWS - 1) / CU_BLOCK_ROWS; }

/* fn(ctx, block, thread) for every block in [0, nblocks); threads <= 0
 * means the default (2). Blocks are handed out in order from a shared
 * counter. Returns 0, or -1 if no thread could be started (then it ran
 * everything on the calling thread). */
typedef void (*cu_block_fn)(void *ctx, size_t block, int thread);
int cu_parallel_blocks(size_t nblocks, int threads, cu_block_fn fn, void *ctx);

/* The CPUs this process may use: its affinity mask, capped by its
 * cgroup's CPU quota (containers, Slurm, systemd slices). */
int cu_available_cpus(void);

/* The default thread count: CUSTAN_THREADS if set (1..64), else 2, or
 * fewer when fewer CPUs are available. */
int cu_default_threads(void);

/* Threads for work that synchronises often (XGBoost's OpenMP loops): up to
 * `want` (<= 0: the default), but no more than the available CPUs other
 * runnable tasks leave idle right now, and at least 1.  Such work waits at
 * every barrier for its slowest thread, so on a busy machine one thread
 * finishes sooner than two that take turns.  CUSTAN_THREADS, when set,
 * wins. */
int cu_idle_threads(int want);
/* The rule itself: `available` CPUs, `running` runnable tasks counting
 * the caller, up to `want` threads. */
int cu_idle_threads_for(int available, int running, int want);

#endif
