/* sort.c: stable multi-key argsort (bottom-up merge sort on row indices).
 * String keys compare through the dictionary's byte-order ranks, so each
 * comparison is an integer comparison.  Missing values sort last whatever
 * the direction, as pandas' na_position="last". */
#include <stdlib.h>
#include <string.h>

#include "frame.h"

typedef struct {
  const cu_column *const *keys;
  const int *desc;
  size_t nkeys;
} sort_ctx;

static int cmp_rows(const sort_ctx *s, size_t i, size_t j) {
  for (size_t k = 0; k < s->nkeys; k++) {
    const cu_column *c = s->keys[k];
    int vi = cu_is_valid(c, i), vj = cu_is_valid(c, j), r;
    if (!vi || !vj) {
      if (vi == vj) continue;
      return vi ? -1 : 1;
    }
    switch (c->type) {
    case CU_F64: {
      double a = ((const double *)c->data)[i], b = ((const double *)c->data)[j];
      r = (a > b) - (a < b);
      break;
    }
    case CU_I64:
    case CU_TS: {
      int64_t a = ((const int64_t *)c->data)[i], b = ((const int64_t *)c->data)[j];
      r = (a > b) - (a < b);
      break;
    }
    case CU_BOOL: {
      int a = ((const uint8_t *)c->data)[i], b = ((const uint8_t *)c->data)[j];
      r = (a > b) - (a < b);
      break;
    }
    default: {
      const int32_t *rank = c->dict->rank, *codes = c->data;
      int32_t a = rank[codes[i]], b = rank[codes[j]];
      r = (a > b) - (a < b);
      break;
    }
    }
    if (r) return s->desc && s->desc[k] ? -r : r;
  }
  return 0;
}

int cu_argsort(size_t **idx, const cu_column *const *keys, const int *desc, size_t nkeys,
               size_t nrows, cu_err *e) {
  for (size_t k = 0; k < nkeys; k++) {
    if (keys[k]->n != nrows)
      return cu_err_set(e, CU_EARG, "sort key %zu has %zu rows, expected %zu", k + 1, keys[k]->n,
                        nrows);
    if (keys[k]->type == CU_STR && cu_dict_ranks(keys[k]->dict))
      return cu_err_set(e, CU_ENOMEM, "out of memory");
  }
  size_t *a = malloc((nrows ? nrows : 1) * sizeof *a);
  size_t *b = malloc((nrows ? nrows : 1) * sizeof *b);
  if (!a || !b) {
    free(a);
    free(b);
    return cu_err_set(e, CU_ENOMEM, "out of memory");
  }
  sort_ctx s = {keys, desc, nkeys};
  for (size_t i = 0; i < nrows; i++) a[i] = i;
  /* Insertion sort on runs of 16, then merge: stable throughout. */
  const size_t run = 16;
  for (size_t lo = 0; lo < nrows; lo += run) {
    size_t hi = lo + run < nrows ? lo + run : nrows;
    for (size_t i = lo + 1; i < hi; i++) {
      size_t v = a[i], j = i;
      while (j > lo && cmp_rows(&s, a[j - 1], v) > 0) {
        a[j] = a[j - 1];
        j--;
      }
      a[j] = v;
    }
  }
  for (size_t width = run; width < nrows; width *= 2) {
    for (size_t lo = 0; lo < nrows; lo += 2 * width) {
      size_t mid = lo + width < nrows ? lo + width : nrows;
      size_t hi = lo + 2 * width < nrows ? lo + 2 * width : nrows;
      size_t i = lo, j = mid, k = lo;
      if (mid == hi || cmp_rows(&s, a[mid - 1], a[mid]) <= 0) {
        memcpy(b + lo, a + lo, (hi - lo) * sizeof *a); /* already in order */
        continue;
      }
      while (i < mid && j < hi) b[k++] = cmp_rows(&s, a[j], a[i]) < 0 ? a[j++] : a[i++];
      while (i < mid) b[k++] = a[i++];
      while (j < hi) b[k++] = a[j++];
    }
    size_t *t = a;
    a = b;
    b = t;
  }
  free(b);
  *idx = a;
  return CU_OK;
}

int cu_rank(cu_column **out, const cu_column *c, int desc, cu_err *e) {
  size_t *idx;
  const cu_column *keys[] = {c};
  int st = cu_argsort(&idx, keys, &desc, 1, c->n, e);
  if (st) return st;
  cu_column *r = cu_column_new(CU_I64, c->n, NULL);
  if (!r || (c->valid && cu_column_ensure_mask(r))) {
    free(idx);
    cu_column_release(r);
    return cu_err_set(e, CU_ENOMEM, "out of memory");
  }
  int64_t *rank = r->data;
  for (size_t k = 0; k < c->n; k++) {
    rank[idx[k]] = (int64_t)k + 1;
    if (r->valid) r->valid[idx[k]] = (uint8_t)cu_is_valid(c, idx[k]);
  }
  free(idx);
  *out = r;
  return CU_OK;
}
