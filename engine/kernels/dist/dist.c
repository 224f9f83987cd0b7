/* dist.c: the ranks of a distributed run (see dist.h): MPI when built with
 * CUSTAN_HAVE_MPI, one rank otherwise. */
#include "dist.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "hash.h"
#include "parallel.h"
#include "xsum.h"

static uint64_t moved;                    /* bytes to and from other ranks */
static int split = 1;                     /* cu_dist_set_split */
static uint64_t blocks_ran, blocks_total; /* cu_dist_block_counts */
static uint64_t rounds;                   /* exchanges of blocks' results */

/* What one rank gathers from itself: a copy of its bytes. */
static int copy_self(const char *send, size_t n, char **recv, size_t *rcount) {
  rcount[0] = n;
  if (!(*recv = malloc(n + 1))) return -1;
  if (n) memcpy(*recv, send, n);
  return 0;
}

#ifdef CUSTAN_HAVE_MPI
#include <mpi.h>

static int started, rank_, size_ = 1;
static MPI_Datatype xsum_type;
static MPI_Op xsum_op;

static void merge_xsums(void *in, void *inout, int *len, MPI_Datatype *type) {
  (void)type;
  cu_xsum *a = in, *b = inout;
  for (int i = 0; i < *len; i++) cu_xsum_merge(&b[i], &a[i]);
}

int cu_dist_init(int *argc, char ***argv) {
  /* a rank of mpirun (Open MPI, MPICH's hydra) or srun (PMI, PMIx) */
  if (!getenv("OMPI_COMM_WORLD_SIZE") && !getenv("PMI_SIZE") && !getenv("PMIX_RANK")) return 0;
  int provided;
  if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) return -1;
  started = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  MPI_Type_contiguous(4, MPI_UINT64_T, &xsum_type);
  MPI_Type_commit(&xsum_type);
  MPI_Op_create(merge_xsums, 1, &xsum_op);
  return 0;
}

void cu_dist_finalize(void) {
  if (!started) return;
  MPI_Op_free(&xsum_op);
  MPI_Type_free(&xsum_type);
  MPI_Finalize();
  started = 0;
}

int cu_dist_built(void) { return 1; }

const char *cu_dist_library(void) {
  static char text[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  MPI_Get_library_version(text, &len);
  char *nl = strchr(text, ','); /* "Open MPI v4.1.4, package: ..." */
  if (nl) *nl = 0;
  return text;
}

int cu_dist_rank(void) { return rank_; }
int cu_dist_size(void) { return size_; }

void cu_dist_abort(int code) {
  if (started && size_ > 1) MPI_Abort(MPI_COMM_WORLD, code);
}

static int ok(int rc) { return rc == MPI_SUCCESS ? 0 : -1; }

int cu_dist_barrier(void) { return size_ > 1 ? ok(MPI_Barrier(MPI_COMM_WORLD)) : 0; }

int cu_dist_sum(double *x, size_t n) {
  if (size_ == 1 || n == 0) return 0;
  if (n > INT_MAX) return -1;
  cu_xsum *s = calloc(n, sizeof *s);
  if (!s) return -1;
  for (size_t i = 0; i < n; i++) cu_xsum_add(&s[i], x[i]);
  int rc = ok(MPI_Allreduce(MPI_IN_PLACE, s, (int)n, xsum_type, xsum_op, MPI_COMM_WORLD));
  for (size_t i = 0; i < n && !rc; i++) x[i] = cu_xsum_value(&s[i]);
  free(s);
  return rc;
}

int cu_dist_exact_sum(const double *x, const uint8_t *valid, size_t n, double *out) {
  cu_xsum s;
  cu_xsum_zero(&s);
  for (size_t i = 0; i < n; i++)
    if (!valid || valid[i]) cu_xsum_add(&s, x[i]);
  int rc = size_ == 1 ? 0 : ok(MPI_Allreduce(MPI_IN_PLACE, &s, 1, xsum_type, xsum_op, MPI_COMM_WORLD));
  *out = cu_xsum_value(&s);
  return rc;
}

int cu_dist_sum_u64(uint64_t *x, size_t n) {
  if (size_ == 1 || n == 0) return 0;
  if (n > INT_MAX) return -1;
  return ok(MPI_Allreduce(MPI_IN_PLACE, x, (int)n, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD));
}

int cu_dist_max_i64(int64_t *x, size_t n) {
  if (size_ == 1 || n == 0) return 0;
  if (n > INT_MAX) return -1;
  return ok(MPI_Allreduce(MPI_IN_PLACE, x, (int)n, MPI_INT64_T, MPI_MAX, MPI_COMM_WORLD));
}

int cu_dist_min_i64(int64_t *x, size_t n) {
  if (size_ == 1 || n == 0) return 0;
  if (n > INT_MAX) return -1;
  return ok(MPI_Allreduce(MPI_IN_PLACE, x, (int)n, MPI_INT64_T, MPI_MIN, MPI_COMM_WORLD));
}

int cu_dist_any(int flag, int *out) {
  int v = flag != 0;
  if (size_ == 1) {
    *out = v;
    return 0;
  }
  return ok(MPI_Allreduce(&v, out, 1, MPI_INT, MPI_LOR, MPI_COMM_WORLD));
}

/* byte counts and displacements for a v-collective; -1 past INT_MAX */
static int displs(const size_t *count, int *c, int *d, size_t *total) {
  size_t at = 0;
  for (int r = 0; r < size_; r++) {
    if (count[r] > INT_MAX || at > INT_MAX) return -1;
    c[r] = (int)count[r];
    d[r] = (int)at;
    at += count[r];
  }
  *total = at;
  return at > INT_MAX ? -1 : 0;
}

int cu_dist_alltoallv(const char *send, const size_t *scount, char **recv, size_t *rcount) {
  *recv = NULL;
  if (size_ == 1) return copy_self(send, scount[0], recv, rcount);
  uint64_t *s64 = malloc(2 * (size_t)size_ * sizeof *s64);
  int *sc = malloc(4 * (size_t)size_ * sizeof *sc);
  int rc = -1;
  size_t stotal, rtotal;
  if (!s64 || !sc) goto out;
  uint64_t *r64 = s64 + size_;
  for (int r = 0; r < size_; r++) s64[r] = scount[r];
  if (ok(MPI_Alltoall(s64, 1, MPI_UINT64_T, r64, 1, MPI_UINT64_T, MPI_COMM_WORLD))) goto out;
  for (int r = 0; r < size_; r++) rcount[r] = (size_t)r64[r];
  int *sd = sc + size_, *rcn = sc + 2 * size_, *rd = sc + 3 * size_;
  if (displs(scount, sc, sd, &stotal) || displs(rcount, rcn, rd, &rtotal)) goto out;
  if (!(*recv = malloc(rtotal + 1))) goto out;
  rc = ok(MPI_Alltoallv(send, sc, sd, MPI_BYTE, *recv, rcn, rd, MPI_BYTE, MPI_COMM_WORLD));
  for (int r = 0; r < size_; r++)
    if (r != rank_) moved += scount[r] + rcount[r];
out:
  free(s64);
  free(sc);
  if (rc) {
    free(*recv);
    *recv = NULL;
  }
  return rc;
}

int cu_dist_gatherv(const char *send, size_t n, char **recv, size_t *rcount) {
  *recv = NULL;
  if (size_ == 1) return copy_self(send, n, recv, rcount);
  if (n > INT_MAX) return -1;
  uint64_t mine = n, *all = rank_ == 0 ? malloc((size_t)size_ * sizeof *all) : NULL;
  int *c = rank_ == 0 ? malloc(2 * (size_t)size_ * sizeof *c) : NULL;
  int rc = -1;
  if (rank_ == 0 && (!all || !c)) goto out;
  if (ok(MPI_Gather(&mine, 1, MPI_UINT64_T, all, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD))) goto out;
  size_t total = 0;
  if (rank_ == 0) {
    for (int r = 0; r < size_; r++) rcount[r] = (size_t)all[r];
    if (displs(rcount, c, c + size_, &total)) goto out; /* every rank then aborts */
    if (!(*recv = malloc(total + 1))) goto out;
  }
  rc = ok(MPI_Gatherv(send, (int)n, MPI_BYTE, *recv, c, c ? c + size_ : NULL, MPI_BYTE, 0,
                      MPI_COMM_WORLD));
  moved += rank_ == 0 ? total - n : n;
out:
  free(all);
  free(c);
  if (rc && *recv) {
    free(*recv);
    *recv = NULL;
  }
  return rc;
}

int cu_dist_allgatherv(const char *send, size_t n, char **recv, size_t *rcount) {
  *recv = NULL;
  if (size_ == 1) return copy_self(send, n, recv, rcount);
  if (n > INT_MAX) return -1;
  uint64_t mine = n, *all = malloc((size_t)size_ * sizeof *all);
  int *c = malloc(2 * (size_t)size_ * sizeof *c), rc = -1;
  size_t total = 0;
  if (!all || !c) goto out;
  if (ok(MPI_Allgather(&mine, 1, MPI_UINT64_T, all, 1, MPI_UINT64_T, MPI_COMM_WORLD))) goto out;
  for (int r = 0; r < size_; r++) rcount[r] = (size_t)all[r];
  if (displs(rcount, c, c + size_, &total)) goto out;
  if (!(*recv = malloc(total + 1))) goto out;
  rc = ok(MPI_Allgatherv(send, (int)n, MPI_BYTE, *recv, c, c + size_, MPI_BYTE, MPI_COMM_WORLD));
  moved += total - n;
out:
  free(all);
  free(c);
  if (rc && *recv) {
    free(*recv);
    *recv = NULL;
  }
  return rc;
}

int cu_dist_bcast(char **buf, size_t *n) {
  if (size_ == 1) return 0;
  uint64_t len = rank_ == 0 ? *n : 0;
  if (ok(MPI_Bcast(&len, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD))) return -1;
  if (len > INT_MAX) return -1;
  if (rank_ != 0) {
    *n = (size_t)len;
    if (!(*buf = malloc(*n + 1))) return -1;
  }
  moved += len;
  return ok(MPI_Bcast(*buf, (int)len, MPI_BYTE, 0, MPI_COMM_WORLD));
}

#else /* one rank */

int cu_dist_init(int *argc, char ***argv) {
  (void)argc, (void)argv;
  return 0;
}
void cu_dist_finalize(void) {}
int cu_dist_built(void) { return 0; }
const char *cu_dist_library(void) { return "none"; }
int cu_dist_rank(void) { return 0; }
int cu_dist_size(void) { return 1; }
void cu_dist_abort(int code) { (void)code; }
int cu_dist_barrier(void) { return 0; }
int cu_dist_sum(double *x, size_t n) {
  (void)x, (void)n;
  return 0;
}
int cu_dist_sum_u64(uint64_t *x, size_t n) {
  (void)x, (void)n;
  return 0;
}
int cu_dist_exact_sum(const double *x, const uint8_t *valid, size_t n, double *out) {
  cu_xsum s;
  cu_xsum_zero(&s);
  for (size_t i = 0; i < n; i++)
    if (!valid || valid[i]) cu_xsum_add(&s, x[i]);
  *out = cu_xsum_value(&s);
  return 0;
}
int cu_dist_max_i64(int64_t *x, size_t n) {
  (void)x, (void)n;
  return 0;
}
int cu_dist_min_i64(int64_t *x, size_t n) {
  (void)x, (void)n;
  return 0;
}
int cu_dist_any(int flag, int *out) {
  *out = flag != 0;
  return 0;
}
int cu_dist_alltoallv(const char *send, const size_t *scount, char **recv, size_t *rcount) {
  return copy_self(send, scount[0], recv, rcount);
}
int cu_dist_gatherv(const char *send, size_t n, char **recv, size_t *rcount) {
  return copy_self(send, n, recv, rcount);
}
int cu_dist_bcast(char **buf, size_t *n) {
  (void)buf, (void)n;
  return 0;
}
int cu_dist_allgatherv(const char *send, size_t n, char **recv, size_t *rcount) {
  return cu_dist_gatherv(send, n, recv, rcount);
}
#endif

uint64_t cu_dist_bytes_moved(void) { return moved; }

/* a value's hash, the same for an id as int64, whole float64 or text bytes */
static uint64_t key_hash(const cu_column *key, size_t i) {
  if (key->type == CU_STR) {
    const cu_dict *d = key->dict;
    int32_t code = ((const int32_t *)key->data)[i];
    return cu_hash_bytes(d->arena + d->off[code], d->len[code]);
  }
  if (key->type == CU_F64) {
    double v = ((const double *)key->data)[i];
    /* a whole number as the int64 it is, so 12346.0 and 12346 agree */
    return v == floor(v) && fabs(v) < 9.2e18 ? (uint64_t)(int64_t)v : cu_double_key(v);
  }
  if (key->type == CU_BOOL) return ((const uint8_t *)key->data)[i];
  return (uint64_t)((const int64_t *)key->data)[i];
}

void cu_dist_owners2(const cu_column *key, const cu_column *fallback, int64_t *owner) {
  int size = cu_dist_size(), me = cu_dist_rank();
  for (size_t i = 0; i < key->n; i++) {
    const cu_column *k = key;
    if (key->valid && !key->valid[i]) k = fallback;
    if (!k || (k->valid && !k->valid[i])) {
      owner[i] = me;
      continue;
    }
    owner[i] = (int64_t)((cu_mix64(key_hash(k, i)) >> 32) % (uint64_t)size);
  }
}

void cu_dist_owners(const cu_column *key, int64_t *owner) { cu_dist_owners2(key, NULL, owner); }

int cu_dist_set_split(int on) {
  int old = split;
  split = on != 0;
  return old;
}
int cu_dist_split(void) { return split; }

void cu_dist_block_counts(uint64_t *ran, uint64_t *total) {
  *ran = blocks_ran;
  *total = blocks_total;
}

/* ranks that split: all of them, or just this one */
static int parts(void) { return split ? cu_dist_size() : 1; }
static int part(void) { return split ? cu_dist_rank() : 0; }

static void range_of(size_t nblocks, int r, int n, size_t *lo, size_t *hi) {
  *lo = nblocks * (size_t)r / (size_t)n;
  *hi = nblocks * (size_t)(r + 1) / (size_t)n;
}

void cu_dist_block_range(size_t nblocks, size_t *lo, size_t *hi) {
  range_of(nblocks, part(), parts(), lo, hi);
}

typedef struct shifted {
  cu_block_fn fn;
  void *ctx;
  size_t lo;
} shifted;

static void run_shifted(void *ctx, size_t block, int thread) {
  shifted *s = ctx;
  s->fn(s->ctx, s->lo + block, thread);
}

uint64_t cu_dist_block_rounds(void) { return rounds; }

int cu_dist_share(size_t nblocks, double *slots, size_t stride, size_t total) {
  rounds++; /* counted with one rank too: what a run on many would exchange */
  if (parts() == 1) return 0;
#ifdef CUSTAN_HAVE_MPI
  /* each rank's results are a contiguous run of slots: gathered, never
   * added, so every rank has exactly the bits their rank computed */
  int n = size_, *count = malloc(2 * (size_t)n * sizeof *count);
  if (!count) return -1;
  int *at = count + n, rc = 0;
  for (int r = 0; r < n; r++) {
    size_t a, b;
    range_of(nblocks, r, n, &a, &b);
    a *= stride, b *= stride;
    if (a > total) a = total;
    if (b > total) b = total;
    if (b > INT_MAX) rc = -1;
    count[r] = (int)(b - a);
    at[r] = (int)a;
    if (r != rank_) moved += (uint64_t)(b - a) * sizeof(double);
  }
  if (!rc)
    rc = ok(MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, slots, count, at, MPI_DOUBLE,
                           MPI_COMM_WORLD));
  free(count);
  return rc;
#else
  (void)nblocks, (void)slots, (void)stride, (void)total;
  return 0;
#endif
}

int cu_dist_blocks(size_t nblocks, int threads, cu_block_fn fn, void *ctx, double *slots,
                   size_t stride, size_t total) {
  size_t lo, hi;
  cu_dist_block_range(nblocks, &lo, &hi);
  shifted s = {fn, ctx, lo};
  if (hi > lo) cu_parallel_blocks(hi - lo, threads, run_shifted, &s);
  blocks_ran += hi - lo;
  blocks_total += nblocks;
  return cu_dist_share(nblocks, slots, stride, total);
}
