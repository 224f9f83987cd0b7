/* pack.c: a frame as one buffer of bytes and back (frame.h), to move
 * tables between the ranks of a distributed run.
 *
 * Layout (native byte order: every rank of a run is the same build on the
 * same kind of machine): "CUF1", rows, columns; then per column its name
 * (length, bytes), type, a mask flag and the mask (one byte a row), and
 * the values: 8 or 1 bytes a row, or for text a length and the bytes of
 * each row's string. */
#include <stdlib.h>
#include <string.h>

#include "frame.h"

typedef struct sink {
  char *p;
  size_t n, cap;
  int failed;
} sink;

static void put(sink *s, const void *x, size_t n) {
  if (s->failed) return;
  if (s->n + n > s->cap) {
    size_t cap = s->cap ? s->cap : 4096;
    while (cap < s->n + n) cap *= 2;
    char *p = realloc(s->p, cap);
    if (!p) {
      s->failed = 1;
      return;
    }
    s->p = p;
    s->cap = cap;
  }
  memcpy(s->p + s->n, x, n);
  s->n += n;
}

static void put_u64(sink *s, uint64_t v) { put(s, &v, 8); }

int cu_frame_pack(const cu_frame *f, char **out, size_t *n, cu_err *e) {
  sink s = {0};
  put(&s, "CUF1", 4);
  put_u64(&s, f->nrows);
  put_u64(&s, f->ncols);
  for (size_t j = 0; j < f->ncols; j++) {
    const cu_column *c = f->cols[j];
    size_t len = strlen(f->names[j]);
    put_u64(&s, len);
    put(&s, f->names[j], len);
    put_u64(&s, (uint64_t)c->type);
    put_u64(&s, c->valid != NULL);
    if (c->valid) put(&s, c->valid, c->n);
    if (c->type == CU_STR) {
      for (size_t r = 0; r < c->n; r++) {
        size_t sl;
        const char *str = cu_dict_str(c->dict, ((const int32_t *)c->data)[r], &sl);
        put_u64(&s, sl);
        put(&s, str, sl);
      }
    } else {
      put(&s, c->data, c->n * cu_type_width(c->type));
    }
  }
  if (s.failed) {
    free(s.p);
    return cu_err_set(e, CU_ENOMEM, "out of memory");
  }
  *out = s.p;
  *n = s.n;
  return CU_OK;
}

typedef struct source {
  const char *p;
  size_t n, at;
  int bad;
} source;

static const char *take(source *s, size_t n) {
  if (s->bad || n > s->n - s->at) {
    s->bad = 1;
    return NULL;
  }
  const char *p = s->p + s->at;
  s->at += n;
  return p;
}

static uint64_t take_u64(source *s) {
  const char *p = take(s, 8);
  uint64_t v = 0;
  if (p) memcpy(&v, p, 8);
  return v;
}

int cu_frame_unpack(const char *buf, size_t n, cu_frame **out, cu_err *e) {
  source s = {buf, n, 0, 0};
  const char *magic = take(&s, 4);
  if (!magic || memcmp(magic, "CUF1", 4)) return cu_err_set(e, CU_EPARSE, "not a packed frame");
  uint64_t nrows = take_u64(&s), ncols = take_u64(&s);
  if (s.bad || nrows > n || ncols > n) return cu_err_set(e, CU_EPARSE, "a packed frame is cut short");
  cu_frame *f = cu_frame_new((size_t)nrows);
  if (!f) return cu_err_set(e, CU_ENOMEM, "out of memory");
  int st = CU_OK;
  for (uint64_t j = 0; j < ncols && !st; j++) {
    uint64_t len = take_u64(&s);
    const char *name = take(&s, (size_t)len);
    uint64_t type = take_u64(&s), masked = take_u64(&s);
    if (s.bad || type >= CU_NTYPES) {
      st = cu_err_set(e, CU_EPARSE, "a packed frame is cut short");
      break;
    }
    cu_column *c = cu_column_new((cu_type)type, (size_t)nrows, NULL);
    if (!c) {
      st = cu_err_set(e, CU_ENOMEM, "out of memory");
      break;
    }
    if (masked) {
      const char *m = take(&s, (size_t)nrows);
      if (m && !cu_column_ensure_mask(c)) memcpy(c->valid, m, (size_t)nrows);
    }
    if (type == CU_STR) {
      for (uint64_t r = 0; r < nrows && !s.bad; r++) {
        uint64_t sl = take_u64(&s);
        const char *str = take(&s, (size_t)sl);
        int32_t code = str ? cu_dict_intern(c->dict, str, (size_t)sl) : 0;
        if (code < 0) s.bad = 1;
        ((int32_t *)c->data)[r] = code;
      }
    } else {
      size_t bytes = (size_t)nrows * cu_type_width((cu_type)type);
      const char *v = take(&s, bytes);
      if (v && bytes) memcpy(c->data, v, bytes);
    }
    char nm[256];
    size_t nl = len < sizeof nm - 1 ? (size_t)len : sizeof nm - 1;
    if (!s.bad) {
      memcpy(nm, name, nl);
      nm[nl] = 0;
      st = cu_frame_set(f, nm, c, e);
    } else {
      st = cu_err_set(e, CU_EPARSE, "a packed frame is cut short");
    }
    cu_column_release(c);
  }
  if (st) {
    cu_frame_release(f);
    return st;
  }
  *out = f;
  return CU_OK;
}
