/* rfm.c: the customer summary accumulator (see rfm.h): its per-row work;
 * the result is built in rfm_result.c.
 *
 * Per row: find the customer (hash map), floor the timestamp to its period,
 * and record (customer, period), (customer, order) and (customer, product)
 * in hash maps keyed by pairs.  The lifetimes fields follow
 * summary_data_from_transaction_data: purchases in one period are merged
 * (their values summed); frequency = distinct periods - 1; recency = last
 * minus first period; T = observation end minus first period, both in
 * units of unit_days; monetary_value = mean value of the periods after the
 * first, 0 when there are none.  Holdout fields follow
 * calibration_and_holdout_data: frequency_holdout = distinct holdout
 * periods, monetary_value_holdout = mean of the holdout rows' values (not
 * of merged periods, as lifetimes computes it), duration_holdout = periods
 * from calibration end to observation end, in units.  A row belongs to the
 * calibration window when its day is at most the calibration end's day:
 * a week or month that straddles the calibration end is cut there, so no
 * holdout purchase counts in calibration (lifetimes compares raw
 * timestamps with the end's midnight, which puts a purchase at 10:00 on
 * the last calibration day into the holdout; days avoid that; for dates
 * without times both agree). */
#include "rfm.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "datetime.h"
#include "parse.h"
#include "rfm_internal.h"
#include "rfm_pairs.h"

/* ------------------------------------------------------------ customers -- */

int cu_rfm_new(cu_rfm **out, const cu_rfm_options *o, cu_err *e) {
  if (!(o->unit_days > 0))
    return cu_err_set(e, CU_EARG, "the time unit must be a positive number of days");
  cu_rfm *a = calloc(1, sizeof *a);
  if (!a) return cu_err_set(e, CU_ENOMEM, "out of memory");
  a->o = *o;
  a->max_p = a->max_ts = INT64_MIN;
  a->budget = o->memory_bytes ? o->memory_bytes : CU_RFM_DEFAULT_BUDGET;
  a->nslots = 1024;
  a->slots = calloc(a->nslots, sizeof *a->slots);
  a->strs = cu_dict_new();
  if (!a->slots || !a->strs || cu_pmap_alloc(&a->periods, 1024, 0) ||
      cu_pmap_alloc(&a->h_periods, 64, 0) || cu_pmap_alloc(&a->orders, 1024, 0) ||
      cu_pmap_alloc(&a->products, 1024, 0)) {
    cu_rfm_free(a);
    return cu_err_set(e, CU_ENOMEM, "out of memory");
  }
  *out = a;
  return CU_OK;
}

void cu_rfm_free(cu_rfm *a) {
  if (!a) return;
  free(a->slots);
  free(a->scratch);
  free(a->key);
  free(a->first_ts);
  free(a->last_ts);
  free(a->first_p);
  free(a->last_p);
  free(a->revenue);
  free(a->first_sum);
  free(a->purchase_rows);
  free(a->h_rows);
  free(a->h_sum);
  free(a->buyer);
  cu_dict_release(a->strs);
  cu_pmap_free(&a->periods);
  cu_pmap_free(&a->h_periods);
  cu_pmap_free(&a->orders);
  cu_pmap_free(&a->products);
  free(a);
}

#define GROW(field)                                                                                \
  do {                                                                                             \
    void *p_ = realloc(a->field, cap * sizeof *a->field);                                          \
    if (!p_) return -1;                                                                            \
    a->field = p_;                                                                                 \
  } while (0)

static int grow_customers(cu_rfm *a) {
  size_t cap = a->cap ? a->cap * 2 : 1024;
  GROW(key);
  GROW(first_ts);
  GROW(last_ts);
  GROW(first_p);
  GROW(last_p);
  GROW(revenue);
  GROW(first_sum);
  GROW(purchase_rows);
  GROW(h_rows);
  GROW(h_sum);
  GROW(buyer);
  a->cap = cap;
  return 0;
}

static int rehash_customers(cu_rfm *a) {
  size_t ns = a->nslots * 2;
  cslot *slots = calloc(ns, sizeof *slots);
  if (!slots) return -1;
  for (size_t c = 0; c < a->n; c++) {
    size_t j = cu_mix64(a->key[c]) & (ns - 1);
    while (slots[j].idx) j = (j + 1) & (ns - 1);
    slots[j].key = a->key[c];
    slots[j].idx = (uint32_t)c + 1;
  }
  free(a->slots);
  a->slots = slots;
  a->nslots = ns;
  return 0;
}

/* Index of the customer with key k, added when new; -1 out of memory. */
static long customer(cu_rfm *a, uint64_t k) {
  size_t j = cu_mix64(k) & (a->nslots - 1);
  while (a->slots[j].idx) {
    if (a->slots[j].key == k) return a->slots[j].idx - 1;
    j = (j + 1) & (a->nslots - 1);
  }
  if (a->n == a->cap && grow_customers(a)) return -1;
  if (a->n >= UINT32_MAX - 1) return -1;
  size_t c = a->n++;
  a->key[c] = k;
  a->first_ts[c] = INT64_MAX;
  a->last_ts[c] = INT64_MIN;
  a->first_p[c] = INT64_MAX;
  a->last_p[c] = INT64_MIN;
  cu_xsum_zero(&a->revenue[c]);
  cu_xsum_zero(&a->first_sum[c]);
  a->purchase_rows[c] = 0;
  a->h_rows[c] = 0;
  cu_xsum_zero(&a->h_sum[c]);
  a->buyer[c] = 0;
  a->slots[j].key = k;
  a->slots[j].idx = (uint32_t)c + 1;
  if (a->n * 2 > a->nslots && rehash_customers(a)) return -1;
  return (long)c;
}

/* ------------------------------------------------------------------ keys -- */

/* Integer-looking ids unify whatever their column type; other text is
 * interned.  Returns 0 or -1 (out of memory). */
static int text_key(cu_rfm *a, const char *s, size_t len, uint64_t *k) {
  if (rfm_int_key(s, len, k)) return 0;
  int32_t code = cu_dict_intern(a->strs, s, len);
  if (code < 0) return -1;
  *k = STR_TAG | (uint64_t)code;
  return 0;
}

typedef struct keyer {
  const cu_column *c;
  uint64_t *cache; /* per dictionary code of a string column; UINT64_MAX unset */
} keyer;

static int keyer_init(keyer *kr, const cu_column *c) {
  kr->c = c;
  kr->cache = NULL;
  if (c && c->type == CU_STR) {
    kr->cache = malloc(((size_t)c->dict->n + 1) * sizeof *kr->cache);
    if (!kr->cache) return -1;
    memset(kr->cache, 0xff, ((size_t)c->dict->n + 1) * sizeof *kr->cache);
  }
  return 0;
}

static int key_at(cu_rfm *a, keyer *kr, size_t i, uint64_t *k) {
  const cu_column *c = kr->c;
  char buf[40];
  switch (c->type) {
  case CU_STR: {
    int32_t code = ((const int32_t *)c->data)[i];
    if (kr->cache[code] != UINT64_MAX) {
      *k = kr->cache[code];
      return 0;
    }
    size_t len;
    const char *s = cu_dict_str(c->dict, code, &len);
    if (text_key(a, s, len, k)) return -1;
    kr->cache[code] = *k;
    return 0;
  }
  case CU_F64: {
    double v = ((const double *)c->data)[i];
    if (v >= 0 && v < 9007199254740992.0 && v == floor(v)) {
      *k = (uint64_t)v;
      return 0;
    }
    int n = cu_format_f64(v, buf);
    return text_key(a, buf, (size_t)n, k);
  }
  default: {
    int64_t v = c->type == CU_BOOL ? ((const uint8_t *)c->data)[i] : ((const int64_t *)c->data)[i];
    if (v >= 0) {
      *k = (uint64_t)v;
      return 0;
    }
    int n = snprintf(buf, sizeof buf, "%lld", (long long)v);
    return text_key(a, buf, (size_t)n, k);
  }
  }
}

/* ------------------------------------------------------------------- add -- */

/* Slots a table needs for `entries` (a power of two, at most 70% full). */
static size_t need_cap(size_t entries) {
  size_t cap = 1024;
  while (PMAP_FULL(entries, cap)) cap *= 2;
  return cap;
}

static size_t map_bytes(const pmap *m, size_t cap) {
  return cap * (sizeof(pslot) + (m->with_val ? 2 * sizeof(double) : 0));
}

/* The budget check and the room for a batch of n rows.  Past the memory
 * budget the largest table goes to disk as a sorted run and starts again
 * small, until the tables fit (spilling only the one that outgrew it keeps
 * the small tables' runs few, and the merge at the end short); then room
 * up front (a batch's rows bound its new entries, and tables that do not
 * move let consecutive rows of one order reuse their slots). */
static int prepare(cu_rfm *a, size_t n, int has_product, cu_err *e) {
  pmap *maps[] = {&a->periods, &a->h_periods, &a->orders, &a->products};
  size_t more[] = {n / 4, 0, n / 4, has_product ? n / 2 : 0};
  for (;;) {
    size_t bytes = 0, most = 0;
    int big = -1;
    for (int k = 0; k < 4; k++) {
      bytes += map_bytes(maps[k], need_cap(maps[k]->n + more[k]));
      if (maps[k]->n > most) most = maps[k]->n, big = k;
    }
    if (bytes <= a->budget || big < 0) break;
    if (cu_pmap_spill(maps[big]))
      return cu_err_set(e, CU_EIO, "cannot write the temporary file: %s", strerror(errno));
    if (maps[big]->cap > need_cap(more[big]) && cu_pmap_resize(maps[big], need_cap(more[big])))
      return cu_err_set(e, CU_ENOMEM, "out of memory");
  }
  if (cu_pmap_reserve(&a->periods, n / 4) || cu_pmap_reserve(&a->orders, n / 4) ||
      (has_product && cu_pmap_reserve(&a->products, n / 2)))
    return cu_err_set(e, CU_ENOMEM, "out of memory");
  return CU_OK;
}

/* What the previous rows left for the next: their customer, period, order
 * and slots (order lines repeat all of them). */
typedef struct cursor {
  int64_t end_p, cal_day;
  long last_c, last_cust;
  uint64_t last_ck, last_ok;
  int64_t last_p;
  size_t ord_slot;
  unsigned ord_gen;
} cursor;

static void cursor_init(const cu_rfm *a, cursor *r) {
  r->end_p = a->o.has_end ? period_start(a, a->o.end) : INT64_MAX;
  /* The calibration window ends with the calibration end's day, whatever
   * the period: a week that straddles it is cut there, so no holdout
   * purchase counts in calibration (lifetimes splits the same way, by
   * date, before summarising). */
  r->cal_day = a->o.has_cal_end ? cu_floordiv(a->o.cal_end, CU_US_PER_DAY) : INT64_MAX;
  r->last_c = r->last_cust = -1;
  r->last_ck = r->last_ok = 0;
  r->last_p = INT64_MIN;
  r->ord_slot = SIZE_MAX;
  r->ord_gen = a->orders.gen;
}

/* Keys are resolved lazily: a row after the end never creates its
 * customer, and a cancellation outside the calibration window never keys
 * its order. */
typedef int (*key_fn)(cu_rfm *a, void *src, size_t i, uint64_t *k);

/* One row with a customer and a timestamp (the caller counted it in
 * rows and skipped the others).  v: its amount (missing: 0); cancel and
 * buy: resolved flags; has_order, has_product: the row has those keys.
 * 0 ok, -1 out of memory. */
static inline int add_row(cu_rfm *a, cursor *r, int64_t t, double v, int cancel, int buy,
                          int has_order, int has_product, key_fn key, void *src, size_t i,
                          long known) {
  int64_t p = period_start(a, t);
  if (p > r->end_p) {
    a->info.excluded++;
    return 0;
  }
  long c = known; /* the customer's index when the caller looked it up */
  if (c < 0) {
    uint64_t ck;
    if (key(a, src, 3 * i, &ck)) return -1;
    if (ck == r->last_ck && r->last_cust >= 0)
      c = r->last_cust; /* lines of one order */
    else if ((c = customer(a, ck)) < 0)
      return -1;
    r->last_ck = ck;
    r->last_cust = c;
  }
  int in_cal = cu_floordiv(t, CU_US_PER_DAY) <= r->cal_day;
  if (cancel) { /* counts towards cancelled orders only */
    if (in_cal && has_order) {
      uint64_t ok;
      size_t s;
      if (key(a, src, 3 * i + 1, &ok) || (s = pmap_put(&a->orders, (uint32_t)c, ok)) == SIZE_MAX)
        return -1;
      a->orders.s[s].flags |= 2;
    }
    return 0;
  }
  if (!buy) {
    a->info.ignored++;
    return 0;
  }
  if (p > a->max_p) a->max_p = p;
  if (t > a->max_ts) a->max_ts = t;
  a->info.purchase_rows++;
  if (!in_cal) { /* holdout */
    if (pmap_put(&a->h_periods, (uint32_t)c, (uint64_t)p) == SIZE_MAX) return -1;
    a->h_rows[c]++;
    cu_xsum_add(&a->h_sum[c], v);
    return 0;
  }
  a->buyer[c] = 1;
  if (t < a->first_ts[c]) a->first_ts[c] = t;
  if (t > a->last_ts[c]) a->last_ts[c] = t;
  if (p < a->first_p[c]) { /* an earlier first period: its value starts over */
    a->first_p[c] = p;
    cu_xsum_zero(&a->first_sum[c]);
    cu_xsum_add(&a->first_sum[c], v);
  } else if (p == a->first_p[c]) {
    cu_xsum_add(&a->first_sum[c], v);
  }
  if (p > a->last_p[c]) a->last_p[c] = p;
  cu_xsum_add(&a->revenue[c], v);
  a->purchase_rows[c]++;
  size_t s;
  if ((c != r->last_c || p != r->last_p) &&
      pmap_put(&a->periods, (uint32_t)c, (uint64_t)p) == SIZE_MAX)
    return -1;
  uint64_t ok = (uint64_t)t; /* without order ids, a timestamp is an order */
  if (has_order && key(a, src, 3 * i + 1, &ok)) return -1;
  if (c != r->last_c || ok != r->last_ok || r->ord_gen != a->orders.gen) {
    if ((s = pmap_put(&a->orders, (uint32_t)c, ok)) == SIZE_MAX) return -1;
    r->ord_slot = s;
    r->ord_gen = a->orders.gen;
  }
  a->orders.s[r->ord_slot].flags |= 1;
  r->last_c = c;
  r->last_p = p;
  r->last_ok = ok;
  if (has_product) {
    uint64_t pk;
    if (key(a, src, 3 * i + 2, &pk) || pmap_put(&a->products, (uint32_t)c, pk) == SIZE_MAX)
      return -1;
  }
  return 0;
}

/* the keys of column rows: 3i customer, 3i + 1 order, 3i + 2 product */
typedef struct col_keys {
  keyer c, o, p;
} col_keys;

static int col_key(cu_rfm *a, void *src, size_t j, uint64_t *k) {
  col_keys *ck = src;
  keyer *kr = j % 3 == 0 ? &ck->c : j % 3 == 1 ? &ck->o : &ck->p;
  return key_at(a, kr, j / 3, k);
}

int cu_rfm_add(cu_rfm *a, const cu_column *customer_col, const cu_column *ts,
               const cu_column *amount, const cu_column *order, const cu_column *product,
               const cu_column *cancelled, const cu_column *purchase, cu_err *e) {
  size_t n = customer_col->n;
  if (ts->type != CU_TS)
    return cu_err_set(e, CU_ETYPE, "the date column must be a timestamp, got %s",
                      cu_type_name(ts->type));
  if (amount && amount->type != CU_F64 && amount->type != CU_I64 && amount->type != CU_BOOL)
    return cu_err_set(e, CU_ETYPE, "the amount column must be numeric, got %s",
                      cu_type_name(amount->type));
  if ((cancelled && cancelled->type != CU_BOOL) || (purchase && purchase->type != CU_BOOL))
    return cu_err_set(e, CU_ETYPE, "the cancellation and purchase flags must be bool columns");
  const cu_column *all[] = {ts, amount, order, product, cancelled, purchase};
  for (size_t k = 0; k < 6; k++)
    if (all[k] && all[k]->n != n)
      return cu_err_set(e, CU_EARG, "columns differ in length (%zu and %zu)", n, all[k]->n);
  a->has_orders |= order != NULL;
  a->has_products |= product != NULL;
  a->has_cancel |= cancelled != NULL;
  col_keys keys;
  memset(&keys, 0, sizeof keys);
  int st = CU_OK;
  if (keyer_init(&keys.c, customer_col) || keyer_init(&keys.o, order) ||
      keyer_init(&keys.p, product)) {
    st = cu_err_set(e, CU_ENOMEM, "out of memory");
    goto out;
  }
  if ((st = prepare(a, n, product != NULL, e))) goto out;
  cursor cur;
  cursor_init(a, &cur);
  const int64_t *t = ts->data;
  const uint8_t *cf = cancelled ? cancelled->data : NULL, *pf = purchase ? purchase->data : NULL;
  for (size_t i = 0; i < n; i++) {
    a->info.rows++;
    if (!cu_is_valid(customer_col, i) || !cu_is_valid(ts, i)) {
      a->info.skipped++;
      continue;
    }
    double v = amount && cu_is_valid(amount, i) ? cu_column_get_f(amount, i) : 0;
    int cancel = cf && cu_is_valid(cancelled, i) && cf[i];
    int buy = !pf || (cu_is_valid(purchase, i) && pf[i]);
    if (add_row(a, &cur, t[i], v, cancel, buy, order && cu_is_valid(order, i),
                product && cu_is_valid(product, i), col_key, &keys, i, -1))
      goto oom;
  }
  goto out;
oom:
  st = cu_err_set(e, CU_ENOMEM, "out of memory");
out:
  free(keys.c.cache);
  free(keys.o.cache);
  free(keys.p.cache);
  return st;
}

/* ------------------------------------------------------- keyed rows -- */

typedef struct row_keys {
  const cu_rfm_row *rows;
  const char *text; /* the previous text id and its key */
  uint32_t len;
  uint64_t key;
} row_keys;

static int row_key(cu_rfm *a, void *src, size_t j, uint64_t *k) {
  row_keys *rk = src;
  const cu_rfm_row *r = &rk->rows[j / 3];
  if (j % 3 == 1) {
    *k = r->ok;
  } else if (j % 3 == 2) {
    *k = r->pk;
  } else if (!(r->flags & CU_RROW_CTEXT)) {
    *k = r->ck;
  } else if (rk->text && rk->len == r->clen && !memcmp(rk->text, r->ctext, r->clen)) {
    *k = rk->key;
  } else {
    int32_t code = cu_dict_intern(a->strs, r->ctext, r->clen);
    if (code < 0) return -1;
    *k = rk->key = STR_TAG | (uint64_t)code;
    rk->text = r->ctext;
    rk->len = r->clen;
  }
  return 0;
}

void cu_rfm_set_columns(cu_rfm *a, int orders, int products, int cancel) {
  a->has_orders |= orders;
  a->has_products |= products;
  a->has_cancel |= cancel;
}

void cu_rfm_count_skipped(cu_rfm *a, size_t rows) {
  a->info.rows += rows;
  a->info.skipped += rows;
}

static inline void prefetch_pair(const pmap *m, uint32_t c, uint64_t b) {
  size_t j = pmap_hash(c, b) & (m->cap - 1);
  __builtin_prefetch(&m->s[j]);
  if (m->with_val) {
    __builtin_prefetch(&m->val[j]);
    __builtin_prefetch(&m->comp[j]);
  }
}

/* Rows in two passes: their customers first (each lookup's slot fetched
 * ahead), then the rows with their customers known, which lets the pair
 * tables' slots be fetched a few rows ahead: the tables are larger than
 * the caches, and a lookup that waits for memory is most of a row's cost.
 * Customers are created in row order, as one pass creates them. */
int cu_rfm_add_rows(cu_rfm *a, const cu_rfm_row *rows, size_t n, cu_err *e) {
  int st = prepare(a, n, a->has_products, e);
  if (st) return st;
  if (n > a->scratch_cap) {
    int32_t *c = realloc(a->scratch, n * sizeof *c);
    if (!c) return cu_err_set(e, CU_ENOMEM, "out of memory");
    a->scratch = c;
    a->scratch_cap = n;
  }
  int32_t *cust = a->scratch;
  cursor cur;
  cursor_init(a, &cur);
  row_keys keys = {rows, NULL, 0, 0};
  enum { AHEAD = 12 };
  uint64_t last_ck = 0;
  long last_c = -1;
  for (size_t i = 0; i < n; i++) {
    const cu_rfm_row *r = &rows[i];
    if (i + AHEAD < n && !(r[AHEAD].flags & CU_RROW_CTEXT))
      __builtin_prefetch(&a->slots[cu_mix64(r[AHEAD].ck) & (a->nslots - 1)]);
    cust[i] = -1;
    if (period_start(a, r->ts) > cur.end_p) continue; /* never creates its customer */
    uint64_t ck;
    if (row_key(a, &keys, 3 * i, &ck)) return cu_err_set(e, CU_ENOMEM, "out of memory");
    long c = ck == last_ck && last_c >= 0 ? last_c : customer(a, ck);
    if (c < 0) return cu_err_set(e, CU_ENOMEM, "out of memory");
    cust[i] = (int32_t)c;
    last_ck = ck;
    last_c = c;
  }
  for (size_t i = 0; i < n; i++) {
    const cu_rfm_row *r = &rows[i];
    if (i + AHEAD < n && cust[i + AHEAD] >= 0) {
      const cu_rfm_row *q = &rows[i + AHEAD];
      uint32_t c = (uint32_t)cust[i + AHEAD];
      if (q->flags & CU_RROW_PRODUCT) prefetch_pair(&a->products, c, q->pk);
      if (q->flags & CU_RROW_ORDER) prefetch_pair(&a->orders, c, q->ok);
      prefetch_pair(&a->periods, c, (uint64_t)period_start(a, q->ts));
    }
    a->info.rows++;
    if (add_row(a, &cur, r->ts, r->amount, r->flags & CU_RROW_CANCEL, r->flags & CU_RROW_BUY,
                r->flags & CU_RROW_ORDER, r->flags & CU_RROW_PRODUCT, row_key, &keys, i, cust[i]))
      return cu_err_set(e, CU_ENOMEM, "out of memory");
  }
  return CU_OK;
}
