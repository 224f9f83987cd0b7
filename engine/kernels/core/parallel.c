/* parallel.c: see parallel.h. */
#include "parallel.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* the cgroup's CPU quota in whole CPUs (rounded up), 0 when none: cgroup
 * v2's cpu.max ("max 100000" or "150000 100000"), else v1's cfs files */
static int cgroup_cpus(void) {
  long quota = -1, period = 0;
  FILE *f = fopen("/sys/fs/cgroup/cpu.max", "r");
  if (f) {
    char q[32] = {0};
    if (fscanf(f, "%31s %ld", q, &period) == 2 && strcmp(q, "max") != 0) quota = atol(q);
    fclose(f);
  } else if ((f = fopen("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "r"))) {
    if (fscanf(f, "%ld", &quota) != 1) quota = -1;
    fclose(f);
    if ((f = fopen("/sys/fs/cgroup/cpu/cpu.cfs_period_us", "r"))) {
      if (fscanf(f, "%ld", &period) != 1) period = 0;
      fclose(f);
    }
  }
  if (quota <= 0 || period <= 0) return 0;
  return (int)((quota + period - 1) / period);
}

int cu_available_cpus(void) {
  static atomic_int cached;
  int n = atomic_load(&cached);
  if (n > 0) return n;
#ifdef CPU_COUNT
  cpu_set_t set;
  n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 0;
#endif
  if (n <= 0) n = 1;
  int q = cgroup_cpus();
  if (q > 0 && q < n) n = q;
  atomic_store(&cached, n);
  return n;
}

static int env_threads(void) {
  const char *s = getenv("CUSTAN_THREADS");
  int t = s ? atoi(s) : 0;
  return t >= 1 && t <= 64 ? t : 0;
}

int cu_default_threads(void) {
  int t = env_threads();
  if (t) return t;
  int n = cu_available_cpus();
  return n < 2 ? n : 2;
}

int cu_idle_threads(int want) {
  int t = env_threads();
  if (t) return t;
  if (want <= 0) want = cu_default_threads();
  /* the 4th field of /proc/loadavg: runnable tasks now / all tasks; the
   * caller is one of them */
  FILE *f = fopen("/proc/loadavg", "r");
  int running = 0;
  if (f) {
    double l1, l5, l15;
    if (fscanf(f, "%lf %lf %lf %d/", &l1, &l5, &l15, &running) != 4) running = 0;
    fclose(f);
  }
  return cu_idle_threads_for(cu_available_cpus(), running, want);
}

int cu_idle_threads_for(int available, int running, int want) {
  int idle = available - (running > 1 ? running - 1 : 0);
  if (idle < 1) idle = 1;
  return idle < want ? idle : want;
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
