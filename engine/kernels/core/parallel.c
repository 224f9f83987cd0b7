/* parallel.c: see parallel.h. */
#include "parallel.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

typedef struct job {
  size_t nblocks;
  atomic_size_t next;
  cu_block_fn fn;
  void *ctx;
} job;

typedef struct worker {
  job *j;
  int id;
} worker;

static void *run(void *arg) {
  worker *w = arg;
  for (;;) {
    size_t b = atomic_fetch_add(&w->j->next, 1);
    if (b >= w->j->nblocks) break;
    w->j->fn(w->j->ctx, b, w->id);
  }
  return NULL;
}

int cu_default_threads(void) {
  const char *s = getenv("CUSTAN_THREADS");
  int t = s ? atoi(s) : 0;
  return t >= 1 && t <= 64 ? t : 2;
}

int cu_parallel_blocks(size_t nblocks, int threads, cu_block_fn fn, void *ctx) {
  if (threads <= 0) threads = cu_default_threads();
  if ((size_t)threads > nblocks) threads = nblocks ? (int)nblocks : 1;
  job j = {nblocks, 0, fn, ctx};
  atomic_init(&j.next, 0);
  worker ws[64];
  pthread_t th[64];
  int started = 0, st = 0;
  for (int t = 1; t < threads && t < 64; t++) {
    ws[t] = (worker){&j, t};
    if (pthread_create(&th[t], NULL, run, &ws[t])) {
      st = -1;
      break;
    }
    started = t;
  }
  ws[0] = (worker){&j, 0};
  run(&ws[0]);
  for (int t = 1; t <= started; t++) pthread_join(th[t], NULL);
  return st;
}
