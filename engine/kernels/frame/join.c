/* join.c: equi-joins, as-of joins, pivot and unpivot.
 *
 * Keys of the two sides are first normalised into one 64-bit value per
 * row and key (key_values): text as a code of the left side's dictionary
 * (a right-side string the left side lacks gets a value no left code
 * has), integers and timestamps as themselves, a float key or a key that
 * is integer on one side and float on the other as the double's bits.
 * A row with a missing key matches nothing, as in SQL (pandas matches
 * NaN to NaN; dplyr's default too; docs/api.md says so).
 *
 * The equi-join builds a chained hash table on the right side and probes
 * it with the left rows in order, so the pairs come out in left-row order
 * and, for one left row, in right-row order: pandas' and dplyr's order.
 * Counting first and filling second allocates the pairs exactly. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "hash.h"
#include "parallel.h"

static int numeric(cu_type t) { return t == CU_F64 || t == CU_I64; }

/* Whether two key columns can be compared; an error names the pair. */
static int check_pair(const cu_column *l, const cu_column *r, size_t k, const char *what,
                      cu_err *e) {
  if (l->type == r->type || (numeric(l->type) && numeric(r->type))) return CU_OK;
  return cu_err_set(e, CU_EARG, "%s %zu: cannot match %s keys with %s keys", what, k + 1,
                    cu_type_name(l->type), cu_type_name(r->type));
}

/* The normalised values of key column c (side 0 left, 1 right) into
 * v[i * stride + k]; a row with a missing key is marked in `missing`
 * (and its values left unset). */
static int key_values(uint64_t *v, uint8_t *missing, size_t stride, size_t k, const cu_column *c,
                      const cu_column *other, int side, cu_err *e) {
  size_t n = c->n;
  int as_double = c->type != other->type || c->type == CU_F64;
  int32_t *map = NULL;
  if (c->type == CU_STR && side == 1 && c->dict != other->dict) {
    /* right codes in the left dictionary; absent strings get values no
     * left code can have */
    map = malloc(((size_t)c->dict->n + 1) * sizeof *map);
    if (!map) return cu_err_set(e, CU_ENOMEM, "out of memory");
    for (int32_t j = 0; j < c->dict->n; j++) {
      size_t len;
      const char *s = cu_dict_str(c->dict, j, &len);
      map[j] = cu_dict_find(other->dict, s, len);
    }
  }
  for (size_t i = 0; i < n; i++) {
    if (!cu_is_valid(c, i)) {
      missing[i] = 1;
      continue;
    }
    uint64_t u;
    switch (c->type) {
    case CU_F64: u = cu_double_key(((const double *)c->data)[i]); break;
    case CU_I64:
    case CU_TS: {
      int64_t x = ((const int64_t *)c->data)[i];
      u = as_double ? cu_double_key((double)x) : (uint64_t)x;
      break;
    }
    case CU_BOOL: u = ((const uint8_t *)c->data)[i]; break;
    default: {
      int32_t code = ((const int32_t *)c->data)[i];
      if (map) u = map[code] >= 0 ? (uint64_t)map[code] : ((uint64_t)1 << 40) + (uint64_t)code;
      else u = (uint64_t)code;
    }
    }
    v[i * stride + k] = u;
  }
  free(map);
  return CU_OK;
}

/* Normalised keys of both sides: lv (nl x nkeys), rv (nr x nkeys), and
 * per row whether a key is missing. */
typedef struct keys {
  uint64_t *lv, *rv;
  uint8_t *lmiss, *rmiss;
  size_t nl, nr, nkeys;
} keys;

static void keys_free(keys *k) {
  free(k->lv);
  free(k->rv);
  free(k->lmiss);
  free(k->rmiss);
}

static int keys_build(keys *out, const cu_column *const *lk, const cu_column *const *rk,
                      size_t nkeys, cu_err *e) {
  memset(out, 0, sizeof *out);
  if (nkeys == 0) return cu_err_set(e, CU_EARG, "a join needs at least one key");
  size_t nl = lk[0]->n, nr = rk[0]->n;
  for (size_t k = 0; k < nkeys; k++) {
    if (lk[k]->n != nl || rk[k]->n != nr)
      return cu_err_set(e, CU_EARG, "join key %zu has a different length", k + 1);
    if (check_pair(lk[k], rk[k], k, "join key", e)) return e->code;
  }
  out->nl = nl, out->nr = nr, out->nkeys = nkeys;
  out->lv = malloc((nl ? nl : 1) * nkeys * sizeof *out->lv);
  out->rv = malloc((nr ? nr : 1) * nkeys * sizeof *out->rv);
  out->lmiss = calloc(nl ? nl : 1, 1);
  out->rmiss = calloc(nr ? nr : 1, 1);
  if (!out->lv || !out->rv || !out->lmiss || !out->rmiss) {
    keys_free(out);
    return cu_err_set(e, CU_ENOMEM, "out of memory");
  }
  for (size_t k = 0; k < nkeys; k++) {
    if (key_values(out->lv, out->lmiss, nkeys, k, lk[k], rk[k], 0, e) ||
        key_values(out->rv, out->rmiss, nkeys, k, rk[k], lk[k], 1, e)) {
      keys_free(out);
      return e->code;
    }
  }
  return CU_OK;
}

static uint64_t row_hash(const uint64_t *v, size_t nkeys) {
  uint64_t h = 0x243f6a8885a308d3ull;
  for (size_t k = 0; k < nkeys; k++) h = cu_mix64(h ^ v[k]) + k;
  return h;
}

/* The right rows grouped by distinct key: an open-addressing table of
 * slots (hash, first key value, group + 1), and per group its first row,
 * its row count and a chain of its rows in row order (next[row] = next
 * row + 1, 0 at the end). */
typedef struct slot {
  uint64_t hash, key0;
  size_t group; /* group + 1; 0 marks a free slot */
} slot;

typedef struct table {
  slot *slots;
  size_t mask, ngroups;
  size_t *first, *count, *next, *last;
} table;

static void table_free(table *t) {
  free(t->slots);
  free(t->first);
  free(t->count);
  free(t->next);
  free(t->last);
}

/* The group of the key values v (hash h), or SIZE_MAX. */
static size_t table_find(const table *t, const keys *k, const uint64_t *v, uint64_t h) {
  for (size_t j = h & t->mask;; j = (j + 1) & t->mask) {
    const slot *s = &t->slots[j];
    if (s->group == 0) return SIZE_MAX;
    if (s->hash == h && s->key0 == v[0] &&
        (k->nkeys == 1 ||
         !memcmp(v + 1, k->rv + t->first[s->group - 1] * k->nkeys + 1, (k->nkeys - 1) * 8)))
      return s->group - 1;
  }
}

static int table_build(table *t, const keys *k, cu_err *e) {
  memset(t, 0, sizeof *t);
  size_t nslots = 16, nr = k->nr ? k->nr : 1;
  while (nslots < k->nr * 2) nslots *= 2;
  t->mask = nslots - 1;
  t->slots = calloc(nslots, sizeof *t->slots);
  t->first = malloc(nr * sizeof *t->first);
  t->count = malloc(nr * sizeof *t->count);
  t->last = malloc(nr * sizeof *t->last);
  t->next = calloc(nr, sizeof *t->next);
  if (!t->slots || !t->first || !t->count || !t->next || !t->last) {
    table_free(t);
    return cu_err_set(e, CU_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < k->nr; i++) {
    if (k->rmiss[i]) continue;
    const uint64_t *v = k->rv + i * k->nkeys;
    uint64_t h = row_hash(v, k->nkeys);
    size_t g = table_find(t, k, v, h);
    if (g == SIZE_MAX) {
      size_t j = h & t->mask;
      while (t->slots[j].group) j = (j + 1) & t->mask;
      g = t->ngroups++;
      t->slots[j] = (slot){h, v[0], g + 1};
      t->first[g] = i, t->count[g] = 1, t->last[g] = i;
    } else {
      t->next[t->last[g]] = i + 1;
      t->last[g] = i;
      t->count[g]++;
    }
  }
  return CU_OK;
}

/* The probe, over blocks of left rows on the worker threads: pass 0 finds
 * each left row's group and counts its block's pairs; pass 1 writes the
 * pairs from the block's offset. */
typedef struct probe {
  const keys *k;
  const table *t;
  cu_join_how how;
  size_t *group;  /* per left row, SIZE_MAX: no match */
  size_t *offset; /* per block: pairs (pass 0), then where they start */
  size_t *li, *ri;
  int pass;
} probe;

static void probe_block(void *ctx, size_t b, int thread) {
  (void)thread;
  probe *p = ctx;
  const keys *k = p->k;
  size_t from = b * CU_BLOCK_ROWS, to = from + CU_BLOCK_ROWS;
  if (to > k->nl) to = k->nl;
  if (p->pass == 0) {
    size_t pairs = 0;
    for (size_t i = from; i < to; i++) {
      size_t g = SIZE_MAX;
      if (!k->lmiss[i]) {
        const uint64_t *v = k->lv + i * k->nkeys;
        g = table_find(p->t, k, v, row_hash(v, k->nkeys));
      }
      p->group[i] = g;
      pairs += g != SIZE_MAX ? p->t->count[g] : (p->how == CU_JOIN_LEFT);
    }
    p->offset[b] = pairs;
    return;
  }
  size_t o = p->offset[b];
  for (size_t i = from; i < to; i++) {
    size_t g = p->group[i];
    if (g == SIZE_MAX) {
      if (p->how == CU_JOIN_LEFT) p->li[o] = i, p->ri[o] = SIZE_MAX, o++;
      continue;
    }
    for (size_t r = p->t->first[g] + 1; r; r = p->t->next[r - 1]) p->li[o] = i, p->ri[o] = r - 1, o++;
  }
}

int cu_join_index(size_t **li, size_t **ri, size_t *n, const cu_column *const *lk,
                  const cu_column *const *rk, size_t nkeys, cu_join_how how, cu_err *e) {
  *li = *ri = NULL;
  *n = 0;
  keys k;
  table t;
  if (keys_build(&k, lk, rk, nkeys, e)) return e->code;
  if (table_build(&t, &k, e)) {
    keys_free(&k);
    return e->code;
  }
  size_t nb = cu_nblocks(k.nl);
  probe p = {&k, &t, how, malloc((k.nl ? k.nl : 1) * sizeof(size_t)),
             malloc((nb ? nb : 1) * sizeof(size_t)), NULL, NULL, 0};
  if (!p.group || !p.offset) goto oom;
  cu_parallel_blocks(nb, 0, probe_block, &p);
  size_t total = 0;
  for (size_t b = 0; b < nb; b++) {
    size_t c = p.offset[b];
    p.offset[b] = total;
    total += c;
  }
  p.li = malloc((total ? total : 1) * sizeof *p.li);
  p.ri = malloc((total ? total : 1) * sizeof *p.ri);
  if (!p.li || !p.ri) goto oom;
  p.pass = 1;
  cu_parallel_blocks(nb, 0, probe_block, &p);
  *li = p.li, *ri = p.ri, *n = total;
  free(p.group);
  free(p.offset);
  table_free(&t);
  keys_free(&k);
  return CU_OK;
oom:
  free(p.group);
  free(p.offset);
  free(p.li);
  free(p.ri);
  table_free(&t);
  keys_free(&k);
  return cu_err_set(e, CU_ENOMEM, "out of memory");
}

/* ----------------------------------------------------------- as-of -- */

static double time_value(const cu_column *c, size_t i) {
  return c->type == CU_F64 ? ((const double *)c->data)[i]
                           : (double)((const int64_t *)c->data)[i];
}

/* Sort context: right rows by (group, time, row). */
typedef struct asof_item {
  size_t group;
  double t;
  size_t row;
} asof_item;

static int item_cmp(const void *a, const void *b) {
  const asof_item *x = a, *y = b;
  if (x->group != y->group) return x->group < y->group ? -1 : 1;
  if (x->t != y->t) return x->t < y->t ? -1 : 1;
  return (x->row > y->row) - (x->row < y->row);
}

int cu_join_asof(size_t **ri, const cu_column *const *lk, const cu_column *const *rk,
                 size_t nkeys, const cu_column *lt, const cu_column *rt, cu_err *e) {
  *ri = NULL;
  int ok_time = (lt->type == CU_TS && rt->type == CU_TS) || (numeric(lt->type) && numeric(rt->type));
  if (!ok_time)
    return cu_err_set(e, CU_EARG, "as-of join: cannot order %s times against %s times",
                      cu_type_name(lt->type), cu_type_name(rt->type));
  size_t nl = lt->n, nr = rt->n;
  keys k = {0};
  table t = {0};
  asof_item *items = NULL;
  size_t *start = NULL;
  if (nkeys > 0) {
    if (keys_build(&k, lk, rk, nkeys, e)) return e->code;
    if (k.nl != nl || k.nr != nr) {
      keys_free(&k);
      return cu_err_set(e, CU_EARG, "as-of join: the time columns and keys differ in length");
    }
    if (table_build(&t, &k, e)) {
      keys_free(&k);
      return e->code;
    }
  }
  items = malloc((nr ? nr : 1) * sizeof *items);
  *ri = malloc((nl ? nl : 1) * sizeof **ri);
  if (!items || !*ri) goto oom;
  size_t m = 0;
  for (size_t i = 0; i < nr; i++) { /* right rows with a key and a time, by group */
    if ((nkeys && k.rmiss[i]) || !cu_is_valid(rt, i)) continue;
    double tv = time_value(rt, i);
    if (isnan(tv)) continue;
    size_t g = 0;
    if (nkeys) {
      const uint64_t *v = k.rv + i * nkeys;
      g = table_find(&t, &k, v, row_hash(v, nkeys));
    }
    items[m++] = (asof_item){g, tv, i};
  }
  qsort(items, m, sizeof *items, item_cmp);
  size_t ng = nkeys ? t.ngroups : 1;
  start = malloc((ng ? ng : 1) * 2 * sizeof *start); /* each group's run of items */
  if (!start) goto oom;
  for (size_t g = 0; g < ng; g++) start[2 * g] = start[2 * g + 1] = 0;
  for (size_t j = 0; j < m; j++) {
    if (j == 0 || items[j].group != items[j - 1].group) start[2 * items[j].group] = j;
    start[2 * items[j].group + 1] = j + 1;
  }
  for (size_t i = 0; i < nl; i++) {
    (*ri)[i] = SIZE_MAX;
    if ((nkeys && k.lmiss[i]) || !cu_is_valid(lt, i)) continue;
    double tv = time_value(lt, i);
    if (isnan(tv)) continue;
    size_t g = 0;
    if (nkeys) {
      const uint64_t *v = k.lv + i * nkeys;
      g = table_find(&t, &k, v, row_hash(v, nkeys));
      if (g == SIZE_MAX) continue;
    }
    size_t lo = start[2 * g], hi = start[2 * g + 1]; /* the last item with t <= tv */
    if (lo == hi || items[lo].t > tv) continue;
    while (hi - lo > 1) {
      size_t mid = lo + (hi - lo) / 2;
      if (items[mid].t <= tv) lo = mid;
      else hi = mid;
    }
    (*ri)[i] = items[lo].row;
  }
  free(items);
  free(start);
  if (nkeys) table_free(&t);
  keys_free(&k);
  return CU_OK;
oom:
  free(items);
  free(start);
  free(*ri);
  *ri = NULL;
  if (nkeys) table_free(&t);
  keys_free(&k);
  return cu_err_set(e, CU_ENOMEM, "out of memory");
}

/* ----------------------------------------------------------- pivot -- */

int cu_pivot(cu_column **out, const cu_groups *rows, const cu_groups *names,
             const cu_column *values, cu_agg_fn fn, cu_err *e) {
  size_t nr = rows->ngroups, nn = names->ngroups, n = rows->nrows;
  if (names->nrows != n || values->n != n)
    return cu_err_set(e, CU_EARG, "pivot: index, names and values differ in length");
  int pick = fn == CU_AGG_FIRST || fn == CU_AGG_LAST;
  int counts = fn == CU_AGG_COUNT || fn == CU_AGG_SIZE;
  if (!pick && !counts && fn != CU_AGG_SUM && fn != CU_AGG_MEAN && fn != CU_AGG_MIN &&
      fn != CU_AGG_MAX)
    return cu_err_set(e, CU_EARG, "pivot: the values can be summarised by first, last, sum, "
                                  "mean, min, max, count or size, not %s",
                      cu_agg_name(fn));
  if (!pick && !counts && !numeric(values->type) && values->type != CU_BOOL)
    return cu_err_set(e, CU_EARG, "pivot: %s needs numeric values, not %s", cu_agg_name(fn),
                      cu_type_name(values->type));
  size_t cells = nr * nn;
  double *acc = calloc(cells ? cells : 1, sizeof *acc);
  size_t *cnt = calloc(cells ? cells : 1, sizeof *cnt), *row = NULL;
  if (pick) row = malloc((cells ? cells : 1) * sizeof *row);
  if (!acc || !cnt || (pick && !row)) {
    free(acc), free(cnt), free(row);
    return cu_err_set(e, CU_ENOMEM, "out of memory");
  }
  if (pick)
    for (size_t c = 0; c < cells; c++) row[c] = SIZE_MAX;
  for (size_t i = 0; i < n; i++) {
    size_t c = names->gid[i] * nr + rows->gid[i];
    if (fn == CU_AGG_SIZE) {
      cnt[c]++;
      continue;
    }
    if (!cu_is_valid(values, i)) continue;
    if (pick) {
      if (fn == CU_AGG_LAST || row[c] == SIZE_MAX) row[c] = i;
      cnt[c]++;
      continue;
    }
    double x = cu_column_get_f(values, i);
    if (fn == CU_AGG_MIN) acc[c] = cnt[c] ? fmin(acc[c], x) : x;
    else if (fn == CU_AGG_MAX) acc[c] = cnt[c] ? fmax(acc[c], x) : x;
    else acc[c] += x;
    cnt[c]++;
  }
  int st = CU_OK;
  size_t made = 0;
  for (size_t j = 0; j < nn && st == CU_OK; j++, made++) {
    cu_column *r = NULL;
    if (pick) {
      st = cu_column_take(&r, values, row + j * nr, nr, e);
    } else {
      r = cu_column_new(counts ? CU_I64 : CU_F64, nr, NULL);
      if (!r || (!counts && cu_column_ensure_mask(r))) {
        cu_column_release(r);
        r = NULL;
        st = cu_err_set(e, CU_ENOMEM, "out of memory");
      } else {
        for (size_t g = 0; g < nr; g++) {
          size_t c = j * nr + g;
          if (counts) ((int64_t *)r->data)[g] = (int64_t)cnt[c];
          else if (cnt[c] == 0) r->valid[g] = 0;
          else ((double *)r->data)[g] = fn == CU_AGG_MEAN ? acc[c] / (double)cnt[c] : acc[c];
        }
        if (!counts) cu_column_compact_mask(r);
      }
    }
    out[j] = r;
  }
  if (st != CU_OK)
    for (size_t j = 0; j < made; j++) cu_column_release(out[j]), out[j] = NULL;
  free(acc), free(cnt), free(row);
  return st;
}

int cu_pivot_duplicates(size_t *row_a, size_t *row_b, const cu_groups *rows,
                        const cu_groups *names) {
  size_t nr = rows->ngroups, cells = nr * names->ngroups;
  size_t *seen = malloc((cells ? cells : 1) * sizeof *seen);
  if (!seen) return -1;
  for (size_t c = 0; c < cells; c++) seen[c] = SIZE_MAX;
  int found = 0;
  for (size_t i = 0; i < rows->nrows && !found; i++) {
    size_t c = names->gid[i] * nr + rows->gid[i];
    if (seen[c] != SIZE_MAX) *row_a = seen[c], *row_b = i, found = 1;
    seen[c] = i;
  }
  free(seen);
  return found;
}

/* --------------------------------------------------------- unpivot -- */

int cu_unpivot(cu_frame **out, const cu_frame *f, const size_t *ids, size_t nids,
               const size_t *vals, size_t nvals, const char *names_to, const char *values_to,
               cu_err *e) {
  *out = NULL;
  if (nvals == 0) return cu_err_set(e, CU_EARG, "unpivot: no value columns");
  size_t n = f->nrows, total = n * nvals;
  if (nvals && total / nvals != n) return cu_err_set(e, CU_EARG, "unpivot: too many rows");
  size_t *idx = malloc((total ? total : 1) * sizeof *idx);
  cu_frame *r = cu_frame_new(total);
  cu_column *names = cu_column_new(CU_STR, total, NULL), *value = NULL, *c = NULL;
  if (!idx || !r || !names) goto oom;
  for (size_t j = 0; j < nvals; j++) {
    const char *name = f->names[vals[j]];
    int32_t code = cu_dict_intern(names->dict, name, strlen(name));
    if (code < 0) goto oom;
    for (size_t i = 0; i < n; i++) {
      idx[j * n + i] = i;
      ((int32_t *)names->data)[j * n + i] = code;
    }
  }
  for (size_t k = 0; k < nids; k++) {
    if (cu_column_take(&c, f->cols[ids[k]], idx, total, e)) goto fail;
    if (cu_frame_set(r, f->names[ids[k]], c, e)) goto fail;
    cu_column_release(c);
    c = NULL;
  }
  const cu_column **parts = malloc(nvals * sizeof *parts);
  if (!parts) goto oom;
  for (size_t j = 0; j < nvals; j++) parts[j] = f->cols[vals[j]];
  int st = cu_column_concat(&value, (const cu_column *const *)parts, nvals, e);
  free(parts);
  if (st) goto fail;
  if (cu_frame_set(r, names_to, names, e) || cu_frame_set(r, values_to, value, e)) goto fail;
  cu_column_release(names);
  cu_column_release(value);
  free(idx);
  *out = r;
  return CU_OK;
oom:
  cu_err_set(e, CU_ENOMEM, "out of memory");
fail:
  free(idx);
  cu_column_release(c);
  cu_column_release(names);
  cu_column_release(value);
  cu_frame_release(r);
  return e->code;
}
