/* column.c: column and dictionary storage, gathers, concatenation, casts
 * and the frame container. */
#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "datetime.h"
#include "frame.h"
#include "parse.h"

static const char *const type_names[CU_NTYPES] = {"float64", "int64", "timestamp", "bool",
                                                  "string"};

const char *cu_type_name(cu_type t) { return type_names[t]; }

void *cu_alloc_large(size_t bytes) {
  const size_t huge = (size_t)2 << 20;
  void *p = NULL;
  if (bytes < 2 * huge) return malloc(bytes);
  if (posix_memalign(&p, huge, bytes)) return NULL;
  madvise(p, bytes & ~(huge - 1), MADV_HUGEPAGE);
  return p;
}

/* A few freed column buffers of 1 MB or more are kept for the next column
 * of about their size.  Element-wise expressions make one column and drop
 * another at every step; memory fresh from the kernel (a page fault and a
 * cleared page per 4 KB) costs more than the loop that fills it. */
#define CACHE_SLOTS 16
#define CACHE_MIN ((size_t)64 << 10)
#define CACHE_MAX ((size_t)256 << 20)
static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
  void *p;
  size_t bytes;
  unsigned long stamp; /* when it came back: the newest fit is reused (warm in the caches) */
} cache[CACHE_SLOTS];
static unsigned long cache_clock;

void *cu_data_alloc(size_t bytes) {
  if (bytes >= CACHE_MIN) {
    void *p = NULL;
    pthread_mutex_lock(&cache_mu);
    int best = -1;
    for (int i = 0; i < CACHE_SLOTS; i++)
      if (cache[i].p && cache[i].bytes >= bytes && cache[i].bytes - bytes <= bytes / 8 &&
          (best < 0 || cache[i].stamp > cache[best].stamp))
        best = i;
    if (best >= 0) {
      p = cache[best].p;
      cache[best].p = NULL;
    }
    pthread_mutex_unlock(&cache_mu);
    if (p) return p;
  }
  return malloc(bytes ? bytes : 1);
}

void cu_data_free(void *p, size_t bytes) {
  if (p && bytes >= CACHE_MIN && bytes <= CACHE_MAX) {
    pthread_mutex_lock(&cache_mu);
    int slot = -1;
    for (int i = 0; i < CACHE_SLOTS && slot < 0; i++)
      if (!cache[i].p) slot = i;
    void *old = NULL;
    if (slot < 0) { /* full: the buffer that came back longest ago goes */
      slot = 0;
      for (int i = 1; i < CACHE_SLOTS; i++)
        if (cache[i].stamp < cache[slot].stamp) slot = i;
      old = cache[slot].p;
    }
    cache[slot].p = p;
    cache[slot].bytes = bytes;
    cache[slot].stamp = ++cache_clock;
    pthread_mutex_unlock(&cache_mu);
    free(old);
    return;
  }
  free(p);
}

void cu_data_cache_clear(void) {
  pthread_mutex_lock(&cache_mu);
  for (int i = 0; i < CACHE_SLOTS; i++) {
    free(cache[i].p);
    cache[i].p = NULL;
  }
  pthread_mutex_unlock(&cache_mu);
}

int cu_type_parse(const char *name, cu_type *out) {
  static const struct {
    const char *name;
    cu_type t;
  } alias[] = {{"float64", CU_F64}, {"float", CU_F64},   {"number", CU_F64},   {"int64", CU_I64},
               {"int", CU_I64},     {"integer", CU_I64}, {"timestamp", CU_TS}, {"date", CU_TS},
               {"datetime", CU_TS}, {"bool", CU_BOOL},   {"boolean", CU_BOOL}, {"string", CU_STR},
               {"str", CU_STR}};
  for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++)
    if (!strcmp(name, alias[i].name)) {
      *out = alias[i].t;
      return 0;
    }
  return -1;
}

size_t cu_type_width(cu_type t) {
  switch (t) {
  case CU_F64: return sizeof(double);
  case CU_I64:
  case CU_TS: return sizeof(int64_t);
  case CU_BOOL: return 1;
  case CU_STR: return sizeof(int32_t);
  }
  return 0;
}

/* ---------------------------------------------------------------- dict -- */

uint64_t cu_hash_bytes(const void *p, size_t len) {
  /* 64-bit multiply-xorshift over 8-byte words; good enough for hashing
   * short strings into a power-of-two table. */
  const unsigned char *s = p;
  uint64_t h = 0x9e3779b97f4a7c15ull ^ (len * 0xff51afd7ed558ccdull);
  while (len >= 8) {
    uint64_t w;
    memcpy(&w, s, 8);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 29;
    s += 8;
    len -= 8;
  }
  uint64_t w = 0;
  memcpy(&w, s, len);
  h = (h ^ w ^ (len << 56)) * 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 32;
  return h;
}

cu_dict *cu_dict_new(void) {
  cu_dict *d = calloc(1, sizeof *d);
  if (!d) return NULL;
  d->refs = 1;
  d->nslots = 64;
  d->slots = malloc(d->nslots * sizeof *d->slots);
  if (!d->slots) {
    free(d);
    return NULL;
  }
  memset(d->slots, 0xff, d->nslots * sizeof *d->slots);
  return d;
}

cu_dict *cu_dict_retain(cu_dict *d) {
  if (d) d->refs++;
  return d;
}

void cu_dict_release(cu_dict *d) {
  if (!d || --d->refs > 0) return;
  free(d->off);
  free(d->len);
  free(d->hash);
  free(d->arena);
  free(d->slots);
  free(d->rank);
  free(d);
}

static int dict_rehash(cu_dict *d) {
  uint32_t ns = d->nslots * 2;
  int32_t *slots = malloc(ns * sizeof *slots);
  if (!slots) return -1;
  memset(slots, 0xff, ns * sizeof *slots);
  for (int32_t c = 0; c < d->n; c++) {
    uint32_t j = (uint32_t)d->hash[c] & (ns - 1);
    while (slots[j] >= 0) j = (j + 1) & (ns - 1);
    slots[j] = c;
  }
  free(d->slots);
  d->slots = slots;
  d->nslots = ns;
  return 0;
}

int32_t cu_dict_find(const cu_dict *d, const char *s, size_t len) {
  uint64_t h = cu_hash_bytes(s, len);
  uint32_t j = (uint32_t)h & (d->nslots - 1);
  for (;;) {
    int32_t c = d->slots[j];
    if (c < 0) return -1;
    if (d->hash[c] == h && d->len[c] == len && !memcmp(d->arena + d->off[c], s, len)) return c;
    j = (j + 1) & (d->nslots - 1);
  }
}

int32_t cu_dict_intern_h(cu_dict *d, const char *s, size_t len, uint64_t h) {
  uint32_t j = (uint32_t)h & (d->nslots - 1);
  for (;;) {
    int32_t c = d->slots[j];
    if (c < 0) break;
    if (d->hash[c] == h && d->len[c] == len && !memcmp(d->arena + d->off[c], s, len)) return c;
    j = (j + 1) & (d->nslots - 1);
  }
  if (len > UINT32_MAX || d->n == INT32_MAX) return -1;
  if (d->n == d->cap) {
    int32_t cap = d->cap ? d->cap * 2 : 64;
    size_t *off = realloc(d->off, (size_t)cap * sizeof *off);
    if (!off) return -1;
    d->off = off;
    uint32_t *ln = realloc(d->len, (size_t)cap * sizeof *ln);
    if (!ln) return -1;
    d->len = ln;
    uint64_t *hs = realloc(d->hash, (size_t)cap * sizeof *hs);
    if (!hs) return -1;
    d->hash = hs;
    d->cap = cap;
  }
  if (d->used + len + 1 > d->acap) {
    size_t acap = d->acap ? d->acap : 1024;
    while (acap < d->used + len + 1) acap *= 2;
    char *a = realloc(d->arena, acap);
    if (!a) return -1;
    d->arena = a;
    d->acap = acap;
  }
  int32_t c = d->n++;
  d->off[c] = d->used;
  d->len[c] = (uint32_t)len;
  d->hash[c] = h;
  memcpy(d->arena + d->used, s, len);
  d->arena[d->used + len] = 0;
  d->used += len + 1;
  d->slots[j] = c;
  free(d->rank); /* any cached order is stale now */
  d->rank = NULL;
  if ((uint32_t)d->n * 2 > d->nslots && dict_rehash(d)) return -1;
  return c;
}

int32_t cu_dict_intern(cu_dict *d, const char *s, size_t len) {
  return cu_dict_intern_h(d, s, len, cu_hash_bytes(s, len));
}

/* codes by their strings, bytewise (qsort_r: the dictionary is the context) */
static int cmp_codes(const void *a, const void *b, void *ctx) {
  const cu_dict *d = ctx;
  int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  size_t lx = d->len[x], ly = d->len[y];
  int r = memcmp(d->arena + d->off[x], d->arena + d->off[y], lx < ly ? lx : ly);
  if (r) return r;
  return (lx > ly) - (lx < ly);
}

int cu_dict_ranks(cu_dict *d) {
  if (d->rank) return 0;
  int32_t *order = malloc(((size_t)d->n + 1) * sizeof *order);
  int32_t *rank = malloc(((size_t)d->n + 1) * sizeof *rank);
  if (!order || !rank) {
    free(order);
    free(rank);
    return -1;
  }
  for (int32_t i = 0; i < d->n; i++) order[i] = i;
  qsort_r(order, (size_t)d->n, sizeof *order, cmp_codes, d);
  for (int32_t i = 0; i < d->n; i++) rank[order[i]] = i;
  free(order);
  d->rank = rank;
  return 0;
}

/* -------------------------------------------------------------- column -- */

cu_column *cu_column_new(cu_type type, size_t n, cu_dict *dict) {
  cu_column *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->refs = 1;
  c->type = type;
  c->n = n;
  c->data = calloc(n ? n : 1, cu_type_width(type));
  if (!c->data) {
    free(c);
    return NULL;
  }
  if (type == CU_STR) {
    c->dict = dict ? cu_dict_retain(dict) : cu_dict_new();
    if (!c->dict) {
      free(c->data);
      free(c);
      return NULL;
    }
  }
  return c;
}

cu_column *cu_column_retain(cu_column *c) {
  if (c) c->refs++;
  return c;
}

void cu_column_release(cu_column *c) {
  if (!c || --c->refs > 0) return;
  cu_data_free(c->data, c->n * cu_type_width(c->type));
  free(c->valid);
  cu_dict_release(c->dict);
  free(c);
}

int cu_column_ensure_mask(cu_column *c) {
  if (c->valid) return 0;
  c->valid = malloc(c->n ? c->n : 1);
  if (!c->valid) return -1;
  memset(c->valid, 1, c->n);
  return 0;
}

void cu_column_compact_mask(cu_column *c) {
  if (!c->valid) return;
  if (memchr(c->valid, 0, c->n)) return;
  free(c->valid);
  c->valid = NULL;
}

size_t cu_column_nmissing(const cu_column *c) {
  if (!c->valid) return 0;
  size_t k = 0;
  for (size_t i = 0; i < c->n; i++) k += !c->valid[i];
  return k;
}

size_t cu_column_bytes(const cu_column *c) {
  size_t b = c->n * cu_type_width(c->type) + (c->valid ? c->n : 0);
  if (c->dict)
    b += c->dict->acap + (size_t)c->dict->cap * (sizeof(size_t) + 12) + c->dict->nslots * 4;
  return b;
}

double cu_column_get_f(const cu_column *c, size_t i) {
  switch (c->type) {
  case CU_F64: return ((const double *)c->data)[i];
  case CU_I64:
  case CU_TS: return (double)((const int64_t *)c->data)[i];
  case CU_BOOL: return ((const uint8_t *)c->data)[i];
  default: return 0;
  }
}

int cu_column_take(cu_column **out, const cu_column *c, const size_t *idx, size_t n, cu_err *e) {
  cu_column *r = cu_column_new(c->type, n, c->dict);
  if (!r) return cu_err_set(e, CU_ENOMEM, "out of memory");
  size_t w = cu_type_width(c->type);
  int need_mask = c->valid != NULL;
  for (size_t k = 0; k < n && !need_mask; k++) need_mask = idx[k] == SIZE_MAX;
  if (need_mask && cu_column_ensure_mask(r)) {
    cu_column_release(r);
    return cu_err_set(e, CU_ENOMEM, "out of memory");
  }
  const char *src = c->data;
  char *dst = r->data;
  for (size_t k = 0; k < n; k++) {
    size_t i = idx[k];
    if (i == SIZE_MAX) {
      r->valid[k] = 0;
      continue;
    }
    assert(i < c->n);
    switch (w) { /* fixed-size copies compile to single moves */
    case 8: memcpy(dst + k * 8, src + i * 8, 8); break;
    case 4: memcpy(dst + k * 4, src + i * 4, 4); break;
    default: dst[k] = src[i];
    }
    if (r->valid) r->valid[k] = c->valid ? c->valid[i] : 1;
  }
  if (r->valid) cu_column_compact_mask(r);
  *out = r;
  return CU_OK;
}

int cu_column_slice(cu_column **out, const cu_column *c, size_t from, size_t to, cu_err *e) {
  if (from > to || to > c->n)
    return cu_err_set(e, CU_EARG, "slice [%zu, %zu) out of range", from, to);
  size_t n = to - from, w = cu_type_width(c->type);
  cu_column *r = cu_column_new(c->type, n, c->dict);
  if (!r) return cu_err_set(e, CU_ENOMEM, "out of memory");
  memcpy(r->data, (const char *)c->data + from * w, n * w);
  if (c->valid) {
    if (cu_column_ensure_mask(r)) {
      cu_column_release(r);
      return cu_err_set(e, CU_ENOMEM, "out of memory");
    }
    memcpy(r->valid, c->valid + from, n);
    cu_column_compact_mask(r);
  }
  *out = r;
  return CU_OK;
}

int cu_column_concat(cu_column **out, const cu_column *const *parts, size_t nparts, cu_err *e) {
  if (nparts == 0) return cu_err_set(e, CU_EARG, "nothing to concatenate");
  cu_type t = parts[0]->type;
  size_t n = 0;
  int any_missing = 0;
  for (size_t p = 0; p < nparts; p++) {
    cu_type u = parts[p]->type;
    if (u != t) {
      if ((t == CU_I64 || t == CU_F64) && (u == CU_I64 || u == CU_F64))
        t = CU_F64;
      else
        return cu_err_set(e, CU_ETYPE, "cannot concatenate %s and %s", cu_type_name(t),
                          cu_type_name(u));
    }
    n += parts[p]->n;
    any_missing |= parts[p]->valid != NULL;
  }
  /* Keep the first dictionary when every part shares it. */
  cu_dict *dict = NULL;
  if (t == CU_STR) {
    dict = parts[0]->dict;
    for (size_t p = 1; p < nparts; p++)
      if (parts[p]->dict != dict) dict = NULL;
  }
  cu_column *r = cu_column_new(t, n, dict);
  if (!r || (any_missing && cu_column_ensure_mask(r))) {
    cu_column_release(r);
    return cu_err_set(e, CU_ENOMEM, "out of memory");
  }
  size_t at = 0;
  for (size_t p = 0; p < nparts; p++) {
    const cu_column *c = parts[p];
    for (size_t i = 0; i < c->n; i++, at++) {
      if (r->valid) r->valid[at] = cu_is_valid(c, i);
      switch (t) {
      case CU_F64: ((double *)r->data)[at] = cu_column_get_f(c, i); break;
      case CU_I64:
      case CU_TS: ((int64_t *)r->data)[at] = ((const int64_t *)c->data)[i]; break;
      case CU_BOOL: ((uint8_t *)r->data)[at] = ((const uint8_t *)c->data)[i]; break;
      case CU_STR: {
        int32_t code = ((const int32_t *)c->data)[i];
        if (!dict && cu_is_valid(c, i)) {
          size_t len;
          const char *s = cu_dict_str(c->dict, code, &len);
          code = cu_dict_intern_h(r->dict, s, len, c->dict->hash[code]);
          if (code < 0) {
            cu_column_release(r);
            return cu_err_set(e, CU_ENOMEM, "out of memory");
          }
        } else if (!dict) {
          code = 0;
        }
        ((int32_t *)r->data)[at] = code;
        break;
      }
      }
    }
  }
  *out = r;
  return CU_OK;
}

/* Text of row i of a non-string column, for casts to string. */
static int format_value(const cu_column *c, size_t i, char *buf) {
  switch (c->type) {
  case CU_F64: return cu_format_f64(((const double *)c->data)[i], buf);
  case CU_I64: return snprintf(buf, 32, "%lld", (long long)((const int64_t *)c->data)[i]);
  case CU_TS: return cu_ts_format_iso(((const int64_t *)c->data)[i], 1, buf);
  case CU_BOOL: return snprintf(buf, 32, "%s", ((const uint8_t *)c->data)[i] ? "true" : "false");
  default: return 0;
  }
}

int cu_column_cast(cu_column **out, const cu_column *c, cu_type to, cu_err *e) {
  if (c->type == to) {
    *out = cu_column_retain((cu_column *)c);
    return CU_OK;
  }
  cu_column *r = cu_column_new(to, c->n, NULL);
  if (!r || cu_column_ensure_mask(r)) {
    cu_column_release(r);
    return cu_err_set(e, CU_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < c->n; i++) {
    r->valid[i] = (uint8_t)cu_is_valid(c, i);
    if (!r->valid[i]) continue;
    int ok = 1;
    if (c->type == CU_STR) {
      size_t len;
      const char *s = cu_dict_str(c->dict, ((const int32_t *)c->data)[i], &len);
      int b;
      switch (to) {
      case CU_F64: ok = !cu_parse_f64(s, len, (double *)r->data + i); break;
      case CU_I64: ok = !cu_parse_i64(s, len, (int64_t *)r->data + i); break;
      case CU_TS: ok = !cu_ts_parse(s, len, CU_TSF_ISO, (int64_t *)r->data + i); break;
      case CU_BOOL:
        ok = !cu_parse_bool(s, len, &b);
        ((uint8_t *)r->data)[i] = (uint8_t)b;
        break;
      default: break;
      }
      if (!ok) {
        cu_column_release(r);
        return cu_err_set(e, CU_EPARSE, "row %zu: cannot convert '%.40s' to %s", i + 1, s,
                          cu_type_name(to));
      }
    } else if (to == CU_STR) {
      char buf[32];
      int len = format_value(c, i, buf);
      int32_t code = cu_dict_intern(r->dict, buf, (size_t)len);
      if (code < 0) {
        cu_column_release(r);
        return cu_err_set(e, CU_ENOMEM, "out of memory");
      }
      ((int32_t *)r->data)[i] = code;
    } else {
      double v = cu_column_get_f(c, i);
      switch (to) {
      case CU_F64: ((double *)r->data)[i] = v; break;
      case CU_BOOL: ((uint8_t *)r->data)[i] = v != 0; break;
      case CU_I64:
      case CU_TS:
        /* range first: converting an out-of-range double is undefined */
        if (c->type == CU_F64 && !(v < 9.2e18 && v > -9.2e18 && v == trunc(v))) {
          cu_column_release(r);
          return cu_err_set(e, CU_ERANGE, "row %zu: %.17g is not a whole number", i + 1, v);
        }
        ((int64_t *)r->data)[i] = c->type == CU_I64 || c->type == CU_TS
                                      ? ((const int64_t *)c->data)[i]
                                      : (int64_t)v; /* F64 checked above, or BOOL */
        break;
      default: break;
      }
    }
  }
  cu_column_compact_mask(r);
  *out = r;
  return CU_OK;
}

int cu_column_fill_scalar(cu_column **out, const cu_scalar *s, size_t n, cu_err *e) {
  cu_column *r = cu_column_new(s->type, n, NULL);
  if (!r) return cu_err_set(e, CU_ENOMEM, "out of memory");
  if (s->missing) {
    if (cu_column_ensure_mask(r)) {
      cu_column_release(r);
      return cu_err_set(e, CU_ENOMEM, "out of memory");
    }
    memset(r->valid, 0, n);
  } else {
    int32_t code = 0;
    if (s->type == CU_STR && (code = cu_dict_intern(r->dict, s->s, s->len)) < 0) {
      cu_column_release(r);
      return cu_err_set(e, CU_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) switch (s->type) {
      case CU_F64: ((double *)r->data)[i] = s->f; break;
      case CU_I64:
      case CU_TS: ((int64_t *)r->data)[i] = s->i; break;
      case CU_BOOL: ((uint8_t *)r->data)[i] = (uint8_t)s->i; break;
      case CU_STR: ((int32_t *)r->data)[i] = code; break;
      }
  }
  *out = r;
  return CU_OK;
}

/* --------------------------------------------------------------- frame -- */

cu_frame *cu_frame_new(size_t nrows) {
  cu_frame *f = calloc(1, sizeof *f);
  if (f) {
    f->refs = 1;
    f->nrows = nrows;
  }
  return f;
}

cu_frame *cu_frame_retain(cu_frame *f) {
  if (f) f->refs++;
  return f;
}

void cu_frame_release(cu_frame *f) {
  if (!f || --f->refs > 0) return;
  for (size_t i = 0; i < f->ncols; i++) {
    free(f->names[i]);
    cu_column_release(f->cols[i]);
  }
  free(f->names);
  free(f->cols);
  cu_dict_release(f->index);
  free(f);
}

/* Past this many columns a frame keeps a hash of its names, so that
 * building a frame of n columns is linear in n, not quadratic. */
#define FRAME_INDEX_MIN 32

/* Rebuilds the name index from scratch (after a drop or rename).  The
 * index only speeds lookups up: without memory for it (or for a narrow
 * frame) there is none, and cu_frame_find searches the names in turn. */
static void frame_reindex(cu_frame *f) {
  cu_dict_release(f->index);
  f->index = NULL;
  if (f->ncols < FRAME_INDEX_MIN || !(f->index = cu_dict_new())) return;
  for (size_t i = 0; i < f->ncols; i++)
    if (cu_dict_intern(f->index, f->names[i], strlen(f->names[i])) != (int32_t)i) {
      cu_dict_release(f->index);
      f->index = NULL;
      return;
    }
}

long cu_frame_find(const cu_frame *f, const char *name) {
  if (f->index) return cu_dict_find(f->index, name, strlen(name));
  for (size_t i = 0; i < f->ncols; i++)
    if (!strcmp(f->names[i], name)) return (long)i;
  return -1;
}

int cu_frame_set(cu_frame *f, const char *name, cu_column *c, cu_err *e) {
  if (f->ncols > 0 && c->n != f->nrows)
    return cu_err_set(e, CU_EARG, "column '%s' has %zu rows, the frame has %zu", name, c->n,
                      f->nrows);
  if (f->ncols == 0) f->nrows = c->n;
  long at = cu_frame_find(f, name);
  if (at >= 0) {
    cu_column_retain(c);
    cu_column_release(f->cols[at]);
    f->cols[at] = c;
    return CU_OK;
  }
  if (f->ncols == f->cap) {
    size_t cap = f->cap ? f->cap * 2 : 8;
    char **names = realloc(f->names, cap * sizeof *names);
    if (!names) return cu_err_set(e, CU_ENOMEM, "out of memory");
    f->names = names;
    cu_column **cols = realloc(f->cols, cap * sizeof *cols);
    if (!cols) return cu_err_set(e, CU_ENOMEM, "out of memory");
    f->cols = cols;
    f->cap = cap;
  }
  char *copy = strdup(name);
  if (!copy) return cu_err_set(e, CU_ENOMEM, "out of memory");
  f->names[f->ncols] = copy;
  f->cols[f->ncols++] = cu_column_retain(c);
  if (!f->index || cu_dict_intern(f->index, copy, strlen(copy)) != (int32_t)(f->ncols - 1))
    frame_reindex(f);
  return CU_OK;
}

int cu_frame_drop(cu_frame *f, size_t i) {
  if (i >= f->ncols) return CU_EARG;
  free(f->names[i]);
  cu_column_release(f->cols[i]);
  memmove(f->names + i, f->names + i + 1, (f->ncols - i - 1) * sizeof *f->names);
  memmove(f->cols + i, f->cols + i + 1, (f->ncols - i - 1) * sizeof *f->cols);
  f->ncols--;
  frame_reindex(f);
  return CU_OK;
}

int cu_frame_rename(cu_frame *f, size_t i, const char *name, cu_err *e) {
  long other = cu_frame_find(f, name);
  if (other >= 0 && (size_t)other != i)
    return cu_err_set(e, CU_EARG, "a column named '%s' exists already", name);
  char *copy = strdup(name);
  if (!copy) return cu_err_set(e, CU_ENOMEM, "out of memory");
  free(f->names[i]);
  f->names[i] = copy;
  frame_reindex(f);
  return CU_OK;
}

int cu_frame_take(cu_frame **out, const cu_frame *f, const size_t *idx, size_t n, cu_err *e) {
  cu_frame *r = cu_frame_new(n);
  if (!r) return cu_err_set(e, CU_ENOMEM, "out of memory");
  for (size_t j = 0; j < f->ncols; j++) {
    cu_column *c;
    int st = cu_column_take(&c, f->cols[j], idx, n, e);
    if (!st) {
      st = cu_frame_set(r, f->names[j], c, e);
      cu_column_release(c);
    }
    if (st) {
      cu_frame_release(r);
      return st;
    }
  }
  *out = r;
  return CU_OK;
}

int cu_mask_indices(size_t **idx, size_t *n, const cu_column *mask, cu_err *e) {
  if (mask->type != CU_BOOL)
    return cu_err_set(e, CU_ETYPE, "a filter needs a bool column, got %s",
                      cu_type_name(mask->type));
  const uint8_t *m = mask->data;
  size_t k = 0;
  for (size_t i = 0; i < mask->n; i++) k += m[i] && cu_is_valid(mask, i);
  size_t *r = malloc((k ? k : 1) * sizeof *r);
  if (!r) return cu_err_set(e, CU_ENOMEM, "out of memory");
  k = 0;
  for (size_t i = 0; i < mask->n; i++)
    if (m[i] && cu_is_valid(mask, i)) r[k++] = i;
  *idx = r;
  *n = k;
  return CU_OK;
}
