/* groupby.c: hash grouping of rows by key tuples and per-group reductions.
 *
 * cu_group numbers groups in order of first appearance with an
 * open-addressing table of (hash, first row); key equality treats missing
 * as equal to missing.  Aggregations are single passes over the rows, so a
 * group-by costs O(rows) whatever the number of groups (n_unique sorts). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "xsum.h"

static const char *const agg_names[] = {"count",    "size",     "sum",     "mean",
                                        "min",      "max",      "first",   "last",
                                        "n_unique", "std",      "var",     "sum_err1",
                                        "sum_err2", "sum_err3"};

int cu_agg_parse(const char *name, cu_agg_fn *out) {
  for (size_t i = 0; i < sizeof agg_names / sizeof agg_names[0]; i++)
    if (!strcmp(name, agg_names[i])) {
      *out = (cu_agg_fn)i;
      return 0;
    }
  return -1;
}

const char *cu_agg_name(cu_agg_fn fn) { return agg_names[fn]; }

static uint64_t mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

static uint64_t key_bits(const cu_column *c, size_t i) {
  if (!cu_is_valid(c, i)) return 0x5bd1e9955bd1e995ull;
  switch (c->type) {
  case CU_F64: {
    double d = ((const double *)c->data)[i];
    uint64_t u;
    if (d == 0) d = 0;
    memcpy(&u, &d, 8);
    return u;
  }
  case CU_I64:
  case CU_TS: return (uint64_t)((const int64_t *)c->data)[i];
  case CU_BOOL: return ((const uint8_t *)c->data)[i];
  default: return (uint64_t)((const int32_t *)c->data)[i];
  }
}

static int rows_equal(const cu_column *const *keys, size_t nkeys, size_t i, size_t j) {
  for (size_t k = 0; k < nkeys; k++) {
    const cu_column *c = keys[k];
    int vi = cu_is_valid(c, i), vj = cu_is_valid(c, j);
    if (vi != vj) return 0;
    if (vi && key_bits(c, i) != key_bits(c, j)) return 0;
  }
  return 1;
}

void cu_groups_free(cu_groups *g) {
  free(g->gid);
  free(g->first);
  memset(g, 0, sizeof *g);
}

int cu_group(cu_groups *g, const cu_column *const *keys, size_t nkeys, size_t nrows, cu_err *e) {
  memset(g, 0, sizeof *g);
  for (size_t k = 0; k < nkeys; k++)
    if (keys[k]->n != nrows)
      return cu_err_set(e, CU_EARG, "group key %zu has %zu rows, expected %zu", k + 1, keys[k]->n,
                        nrows);
  size_t nslots = 64;
  while (nslots < nrows * 2) nslots *= 2;
  size_t *slots = malloc(nslots * sizeof *slots); /* group id + 1, 0 empty */
  uint64_t *ghash = malloc((nrows ? nrows : 1) * sizeof *ghash);
  g->gid = malloc((nrows ? nrows : 1) * sizeof *g->gid);
  g->first = malloc((nrows ? nrows : 1) * sizeof *g->first);
  if (!slots || !ghash || !g->gid || !g->first) {
    free(slots);
    free(ghash);
    cu_groups_free(g);
    return cu_err_set(e, CU_ENOMEM, "out of memory");
  }
  memset(slots, 0, nslots * sizeof *slots);
  g->nrows = nrows;
  for (size_t i = 0; i < nrows; i++) {
    uint64_t h = 0x243f6a8885a308d3ull;
    for (size_t k = 0; k < nkeys; k++) h = mix(h ^ key_bits(keys[k], i)) + k;
    size_t j = h & (nslots - 1);
    for (;;) {
      size_t s = slots[j];
      if (s == 0) {
        size_t id = g->ngroups++;
        g->first[id] = i;
        ghash[id] = h;
        slots[j] = id + 1;
        g->gid[i] = id;
        break;
      }
      if (ghash[s - 1] == h && rows_equal(keys, nkeys, g->first[s - 1], i)) {
        g->gid[i] = s - 1;
        break;
      }
      j = (j + 1) & (nslots - 1);
    }
  }
  free(slots);
  free(ghash);
  return CU_OK;
}

/* Distinct values per group: one pass with a hash set of (group, value)
 * that grows with the distinct pairs, not the rows. */
typedef struct gvset {
  size_t cap, n;
  size_t *g; /* group + 1; 0 marks a free slot */
  uint64_t *v;
} gvset;

static size_t gv_slot(const gvset *s, size_t grp, uint64_t v) {
  size_t j = mix(v ^ (grp * 0x9e3779b97f4a7c15ull)) & (s->cap - 1);
  while (s->g[j] && (s->g[j] != grp || s->v[j] != v)) j = (j + 1) & (s->cap - 1);
  return j;
}

static int gv_grow(gvset *s) {
  gvset t = {s->cap * 2, s->n, calloc(s->cap * 2, sizeof(size_t)),
             malloc(s->cap * 2 * sizeof(uint64_t))};
  if (!t.g || !t.v) {
    free(t.g);
    free(t.v);
    return -1;
  }
  for (size_t j = 0; j < s->cap; j++)
    if (s->g[j]) {
      size_t k = gv_slot(&t, s->g[j], s->v[j]);
      t.g[k] = s->g[j];
      t.v[k] = s->v[j];
    }
  free(s->g);
  free(s->v);
  *s = t;
  return 0;
}

static int agg_nunique(cu_column *r, const cu_groups *g, const cu_column *src) {
  gvset s = {1024, 0, calloc(1024, sizeof(size_t)), malloc(1024 * sizeof(uint64_t))};
  int st = 0;
  int64_t *out = r->data;
  for (size_t i = 0; i < g->nrows && s.g && s.v; i++) {
    if (!cu_is_valid(src, i)) continue;
    size_t grp = g->gid[i] + 1;
    uint64_t v = key_bits(src, i);
    size_t j = gv_slot(&s, grp, v);
    if (s.g[j]) continue;
    s.g[j] = grp;
    s.v[j] = v;
    out[grp - 1]++;
    if (++s.n * 2 > s.cap && gv_grow(&s)) {
      st = -1;
      break;
    }
  }
  if (!s.g || !s.v) st = -1;
  free(s.g);
  free(s.v);
  return st;
}

/* Float64 sums per group, exact (one xsum per group), or what rounding
 * them left out (sum_err1..3). */
static int exact_sums(cu_column **out, const cu_groups *g, const cu_column *src, cu_agg_fn fn,
                      cu_err *e) {
  size_t ng = g->ngroups;
  cu_column *r = cu_column_new(CU_F64, ng, NULL);
  cu_xsum *acc = calloc(ng ? ng : 1, sizeof *acc);
  double *naive = calloc(ng ? ng : 1, sizeof *naive); /* for sums xsum cannot hold */
  if (!r || !acc || !naive) {
    cu_column_release(r);
    free(acc), free(naive);
    return cu_err_set(e, CU_ENOMEM, "out of memory");
  }
  const double *x = src->data;
  for (size_t i = 0; i < g->nrows; i++) {
    if (!cu_is_valid(src, i)) continue;
    cu_xsum_add(&acc[g->gid[i]], x[i]);
    naive[g->gid[i]] += x[i];
  }
  int rests = fn == CU_AGG_SUM ? 0 : fn == CU_AGG_SUM_ERR1 ? 1 : fn == CU_AGG_SUM_ERR2 ? 2 : 3;
  double *v = r->data;
  for (size_t k = 0; k < ng; k++) {
    if (acc[k].bad) { /* an infinity, a NaN or beyond 2^95: as plain addition gives it */
      v[k] = rests ? 0 : naive[k];
      continue;
    }
    double part = cu_xsum_value(&acc[k]);
    for (int j = 0; j < rests; j++) {
      cu_xsum_add(&acc[k], -part); /* exact: part's bits are the sum's */
      part = cu_xsum_value(&acc[k]);
    }
    v[k] = part;
  }
  free(acc);
  free(naive);
  *out = r;
  return CU_OK;
}

int cu_group_agg(cu_column **out, const cu_groups *g, const cu_column *src, cu_agg_fn fn,
                 cu_err *e) {
  size_t ng = g->ngroups;
  cu_type st = src->type;
  int numeric = st == CU_F64 || st == CU_I64 || st == CU_BOOL;
  if (src->n != g->nrows)
    return cu_err_set(e, CU_EARG, "column has %zu rows, the groups %zu", src->n, g->nrows);
  int exact = fn == CU_AGG_SUM_ERR1 || fn == CU_AGG_SUM_ERR2 || fn == CU_AGG_SUM_ERR3;
  if (exact && st != CU_F64)
    return cu_err_set(e, CU_ETYPE, "%s is defined for a float64 column", cu_agg_name(fn));
  exact |= fn == CU_AGG_SUM && st == CU_F64;
  if ((fn == CU_AGG_SUM || fn == CU_AGG_STD || fn == CU_AGG_VAR) && !numeric)
    return cu_err_set(e, CU_ETYPE, "%s is not defined for a %s column", cu_agg_name(fn),
                      cu_type_name(st));
  if (fn == CU_AGG_MEAN && !numeric && st != CU_TS)
    return cu_err_set(e, CU_ETYPE, "mean is not defined for a %s column", cu_type_name(st));
  cu_type rt;
  switch (fn) {
  case CU_AGG_COUNT:
  case CU_AGG_SIZE:
  case CU_AGG_NUNIQUE: rt = CU_I64; break;
  case CU_AGG_SUM: rt = st == CU_F64 ? CU_F64 : CU_I64; break;
  case CU_AGG_MEAN: rt = st == CU_TS ? CU_TS : CU_F64; break;
  case CU_AGG_STD:
  case CU_AGG_VAR: rt = CU_F64; break;
  case CU_AGG_SUM_ERR1:
  case CU_AGG_SUM_ERR2:
  case CU_AGG_SUM_ERR3: rt = CU_F64; break;
  default: rt = st; break;
  }
  if (exact) return exact_sums(out, g, src, fn, e);
  cu_column *r = cu_column_new(rt, ng, st == CU_STR && rt == CU_STR ? src->dict : NULL);
  size_t *cnt = calloc(ng ? ng : 1, sizeof *cnt);
  double *acc = calloc(ng ? ng : 1, sizeof *acc);
  double *comp = calloc(ng ? ng : 1, sizeof *comp);
  if (!r || !cnt || !acc || !comp || cu_column_ensure_mask(r)) goto oom;
  if (st == CU_STR && (fn == CU_AGG_MIN || fn == CU_AGG_MAX) && cu_dict_ranks(src->dict)) goto oom;
  if (fn == CU_AGG_NUNIQUE && agg_nunique(r, g, src)) goto oom;
  for (size_t i = 0; i < g->nrows; i++) {
    size_t k = g->gid[i];
    if (fn == CU_AGG_SIZE) {
      ((int64_t *)r->data)[k]++;
      continue;
    }
    if (!cu_is_valid(src, i)) continue;
    size_t w = cu_type_width(st);
    const char *cell = (const char *)src->data + i * w;
    char *dst = (char *)r->data + k * cu_type_width(rt);
    switch (fn) {
    case CU_AGG_COUNT: ((int64_t *)r->data)[k]++; break;
    case CU_AGG_SUM:
      if (rt == CU_I64) {
        int64_t v = st == CU_BOOL ? *(const uint8_t *)cell : *(const int64_t *)cell;
        if (__builtin_add_overflow(((int64_t *)r->data)[k], v, (int64_t *)r->data + k)) {
          cu_column_release(r);
          free(cnt), free(acc), free(comp);
          return cu_err_set(e, CU_ERANGE, "integer overflow in sum");
        }
      } else {
        double x = *(const double *)cell, s = acc[k], t = s + x;
        comp[k] += fabs(s) >= fabs(x) ? (s - t) + x : (x - t) + s;
        acc[k] = t;
      }
      break;
    case CU_AGG_MEAN:
    case CU_AGG_STD:
    case CU_AGG_VAR: { /* Welford: acc = mean, comp = M2 */
      double x = cu_column_get_f(src, i), d = x - acc[k];
      acc[k] += d / (double)(cnt[k] + 1);
      comp[k] += d * (x - acc[k]);
      break;
    }
    case CU_AGG_MIN:
    case CU_AGG_MAX: {
      int better;
      if (cnt[k] == 0)
        better = 1;
      else if (st == CU_F64) {
        double a = *(const double *)cell, b = *(const double *)dst;
        better = fn == CU_AGG_MIN ? a < b : a > b;
      } else if (st == CU_STR) {
        const int32_t *rk = src->dict->rank;
        int32_t a = rk[*(const int32_t *)cell], b = rk[*(const int32_t *)dst];
        better = fn == CU_AGG_MIN ? a < b : a > b;
      } else if (st == CU_BOOL) {
        better = fn == CU_AGG_MIN ? *cell < *dst : *cell > *dst;
      } else {
        int64_t a = *(const int64_t *)cell, b = *(const int64_t *)dst;
        better = fn == CU_AGG_MIN ? a < b : a > b;
      }
      if (better) memcpy(dst, cell, w);
      break;
    }
    case CU_AGG_FIRST:
      if (cnt[k] == 0) memcpy(dst, cell, w);
      break;
    case CU_AGG_LAST: memcpy(dst, cell, w); break;
    default: break;
    }
    cnt[k]++;
  }
  for (size_t k = 0; k < ng; k++) {
    switch (fn) {
    case CU_AGG_SUM:
      if (rt == CU_F64) ((double *)r->data)[k] = acc[k] + comp[k];
      break;
    case CU_AGG_MEAN:
      if (rt == CU_TS)
        ((int64_t *)r->data)[k] = (int64_t)llround(acc[k]);
      else
        ((double *)r->data)[k] = acc[k];
      r->valid[k] = cnt[k] > 0;
      break;
    case CU_AGG_VAR:
    case CU_AGG_STD: {
      double v = cnt[k] > 1 ? comp[k] / (double)(cnt[k] - 1) : 0;
      ((double *)r->data)[k] = fn == CU_AGG_STD ? sqrt(v) : v;
      r->valid[k] = cnt[k] > 1;
      break;
    }
    case CU_AGG_MIN:
    case CU_AGG_MAX:
    case CU_AGG_FIRST:
    case CU_AGG_LAST: r->valid[k] = cnt[k] > 0; break;
    default: break;
    }
  }
  free(cnt);
  free(acc);
  free(comp);
  cu_column_compact_mask(r);
  *out = r;
  return CU_OK;
oom:
  free(cnt);
  free(acc);
  free(comp);
  cu_column_release(r);
  return cu_err_set(e, CU_ENOMEM, "out of memory");
}
