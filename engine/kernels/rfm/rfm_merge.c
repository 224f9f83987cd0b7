/* rfm_merge.c: one customer summary from accumulators that hold disjoint
 * customers: the threads of the file scanner, each owning the customers
 * of its hash partition (rfm_scan.c), and, in a distributed run, the
 * ranks.
 *
 * Every per-customer field depends only on that customer's rows, which
 * one accumulator saw in file order, so its sums are the same bits as a
 * single accumulator's.  What is global is merged here: the default end
 * (the latest purchase across all parts), which optional columns exist,
 * the counts, and the order of the rows (by id, as text when any id is). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "rfm_internal.h"

typedef struct sort_ctx {
  const cu_column *c;
} sort_ctx;

static int cmp_rows(const void *x, const void *y, void *ud) {
  const cu_column *c = ((const sort_ctx *)ud)->c;
  size_t i = *(const size_t *)x, j = *(const size_t *)y;
  if (c->type != CU_STR) {
    int64_t a = ((const int64_t *)c->data)[i], b = ((const int64_t *)c->data)[j];
    return (a > b) - (a < b);
  }
  size_t la, lb;
  const char *pa = cu_dict_str(c->dict, ((const int32_t *)c->data)[i], &la);
  const char *pb = cu_dict_str(c->dict, ((const int32_t *)c->data)[j], &lb);
  int r = memcmp(pa, pb, la < lb ? la : lb);
  return r ? r : (la > lb) - (la < lb);
}

int cu_rfm_merge_frames(cu_frame *const *parts, size_t k, cu_frame **out, cu_err *e) {
  if (k == 0) return cu_err_set(e, CU_EARG, "no summaries to merge");
  const cu_frame *f0 = parts[0];
  for (size_t p = 1; p < k; p++) {
    int same = parts[p]->ncols == f0->ncols;
    for (size_t j = 0; same && j < f0->ncols; j++)
      same = !strcmp(parts[p]->names[j], f0->names[j]);
    if (!same) return cu_err_set(e, CU_EARG, "the summaries to merge have different columns");
  }
  if (f0->ncols == 0 || strcmp(f0->names[0], "customer"))
    return cu_err_set(e, CU_EARG, "a summary's first column must be the customer");
  int any_str = 0;
  size_t total = 0;
  for (size_t p = 0; p < k; p++) {
    any_str |= parts[p]->cols[0]->type == CU_STR;
    total += parts[p]->nrows;
  }
  cu_column **pieces = calloc(k, sizeof *pieces);
  cu_column **merged = calloc(f0->ncols, sizeof *merged);
  size_t *perm = malloc((total + 1) * sizeof *perm);
  cu_frame *f = cu_frame_new(total);
  int st = CU_OK;
  if (!pieces || !merged || !perm || !f) {
    st = cu_err_set(e, CU_ENOMEM, "out of memory");
    goto done;
  }
  for (size_t j = 0; j < f0->ncols && !st; j++) {
    for (size_t p = 0; p < k && !st; p++) {
      const cu_column *c = parts[p]->cols[j];
      if (j == 0 && any_str && c->type != CU_STR)
        st = cu_column_cast(&pieces[p], c, CU_STR, e); /* ids as the text sort compares them */
      else
        pieces[p] = cu_column_retain((cu_column *)c);
    }
    if (!st) st = cu_column_concat(&merged[j], (const cu_column *const *)pieces, k, e);
    for (size_t p = 0; p < k; p++) {
      cu_column_release(pieces[p]);
      pieces[p] = NULL;
    }
  }
  if (st) goto done;
  for (size_t i = 0; i < total; i++) perm[i] = i;
  sort_ctx sc = {merged[0]};
  qsort_r(perm, total, sizeof *perm, cmp_rows, &sc);
  for (size_t j = 0; j < f0->ncols && !st; j++) {
    cu_column *c = NULL;
    if (!(st = cu_column_take(&c, merged[j], perm, total, e))) {
      st = cu_frame_set(f, f0->names[j], c, e);
      cu_column_release(c);
    }
  }
  if (!st) {
    *out = f;
    f = NULL;
  }
done:
  if (merged)
    for (size_t j = 0; j < f0->ncols; j++) cu_column_release(merged[j]);
  free(pieces);
  free(merged);
  free(perm);
  cu_frame_release(f);
  return st;
}

/* one part's result, on its own thread */
typedef struct part_job {
  cu_rfm *a;
  cu_frame *f;
  cu_rfm_info info;
  cu_err err;
  int st;
} part_job;

static void *part_result(void *arg) {
  part_job *j = arg;
  j->st = cu_rfm_result(j->a, &j->f, &j->info, &j->err);
  return NULL;
}

int cu_rfm_result_parts(cu_rfm *const *parts, size_t k, cu_frame **out, cu_rfm_info *info,
                        cu_err *e) {
  if (k == 0) return cu_err_set(e, CU_EARG, "no summaries to merge");
  if (k == 1) return cu_rfm_result(parts[0], out, info, e);
  int64_t max_p = INT64_MIN, max_ts = INT64_MIN;
  int orders = 0, products = 0, cancel = 0;
  for (size_t p = 0; p < k; p++) {
    if (parts[p]->max_p > max_p) max_p = parts[p]->max_p;
    if (parts[p]->max_ts > max_ts) max_ts = parts[p]->max_ts;
    orders |= parts[p]->has_orders;
    products |= parts[p]->has_products;
    cancel |= parts[p]->has_cancel;
  }
  part_job *jobs = calloc(k, sizeof *jobs);
  pthread_t *tid = calloc(k, sizeof *tid);
  int *started = calloc(k, sizeof *started);
  cu_frame **frames = calloc(k, sizeof *frames);
  if (!jobs || !tid || !started || !frames) {
    free(jobs);
    free(tid);
    free(started);
    free(frames);
    return cu_err_set(e, CU_ENOMEM, "out of memory");
  }
  for (size_t p = 0; p < k; p++) {
    cu_rfm *a = parts[p];
    a->max_p = max_p; /* the default end is the latest purchase of all */
    a->max_ts = max_ts;
    a->has_orders = orders;
    a->has_products = products;
    a->has_cancel = cancel;
    jobs[p].a = a;
  }
  /* the parts' results are independent: each on a thread (merging a
   * part's spilled runs is most of the work on a large log) */
  for (size_t p = 1; p < k; p++) started[p] = !pthread_create(&tid[p], NULL, part_result, &jobs[p]);
  part_result(&jobs[0]);
  for (size_t p = 1; p < k; p++) {
    if (started[p])
      pthread_join(tid[p], NULL);
    else
      part_result(&jobs[p]);
  }
  cu_rfm_info sum;
  memset(&sum, 0, sizeof sum);
  int st = CU_OK;
  for (size_t p = 0; p < k; p++) {
    frames[p] = jobs[p].f;
    if (jobs[p].st && !st) {
      st = jobs[p].st;
      if (e) *e = jobs[p].err;
    }
    sum.rows += jobs[p].info.rows;
    sum.skipped += jobs[p].info.skipped;
    sum.excluded += jobs[p].info.excluded;
    sum.ignored += jobs[p].info.ignored;
    sum.purchase_rows += jobs[p].info.purchase_rows;
    sum.end = jobs[p].info.end;
    sum.end_day = jobs[p].info.end_day;
  }
  if (!st) st = cu_rfm_merge_frames(frames, k, out, e);
  if (!st && info) *info = sum;
  for (size_t p = 0; p < k; p++) cu_frame_release(frames[p]);
  free(jobs);
  free(tid);
  free(started);
  free(frames);
  return st;
}
