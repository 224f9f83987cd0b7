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
  a->budget = o->memory_bytes ? o->memory_bytes : ((size_t)256 << 20);
  a->nslots = 1024;
  a->slots = calloc(a->nslots, sizeof *a->slots);
  a->strs = cu_dict_new();
  if (!a->slots || !a->strs || cu_pmap_alloc(&a->periods, 1024, 1) ||
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
  free(a->key);
  free(a->first_ts);
  free(a->last_ts);
  free(a->first_p);
  free(a->last_p);
  free(a->revenue);
  free(a->revenue_c);
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
  GROW(revenue_c);
  GROW(purchase_rows);
  GROW(h_rows);
  GROW(h_sum);
  GROW(buyer);
  a->cap = cap;
  return 0;
}

static int rehash_customers(cu_rfm *a) {
  size_t ns = a->nslots * 2;
  uint32_t *slots = calloc(ns, sizeof *slots);
  if (!slots) return -1;
  for (size_t c = 0; c < a->n; c++) {
    size_t j = cu_mix64(a->key[c]) & (ns - 1);
    while (slots[j]) j = (j + 1) & (ns - 1);
    slots[j] = (uint32_t)c + 1;
  }
  free(a->slots);
  a->slots = slots;
  a->nslots = ns;
  return 0;
}

/* Index of the customer with key k, added when new; -1 out of memory. */
static long customer(cu_rfm *a, uint64_t k) {
  size_t j = cu_mix64(k) & (a->nslots - 1);
  while (a->slots[j]) {
    uint32_t c = a->slots[j] - 1;
    if (a->key[c] == k) return c;
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
  a->revenue[c] = 0;
  a->revenue_c[c] = 0;
  a->purchase_rows[c] = 0;
  a->h_rows[c] = 0;
  a->h_sum[c] = 0;
  a->buyer[c] = 0;
  a->slots[j] = (uint32_t)c + 1;
  if (a->n * 2 > a->nslots && rehash_customers(a)) return -1;
  return (long)c;
}

/* ------------------------------------------------------------------ keys -- */

/* Integer-looking ids unify whatever their column type; other text is
 * interned.  Returns 0 or -1 (out of memory). */
static int text_key(cu_rfm *a, const char *s, size_t len, uint64_t *k) {
  int64_t v;
  size_t int_len = len; /* "17850.0", as a float column writes an id, is 17850 */
  const char *dot = memchr(s, '.', len);
  if (dot && dot > s) {
    size_t j = (size_t)(dot - s) + 1;
    while (j < len && s[j] == '0') j++;
    if (j == len && j > (size_t)(dot - s) + 1) int_len = (size_t)(dot - s);
  }
  if (cu_i64_is_canonical(s, int_len) && !cu_parse_i64(s, int_len, &v) && v >= 0) {
    *k = (uint64_t)v;
    return 0;
  }
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
  int64_t end_p = a->o.has_end ? period_start(a, a->o.end) : INT64_MAX;
  /* The calibration window ends with the calibration end's day, whatever
   * the period: a week that straddles it is cut there, so no holdout
   * purchase counts in calibration (lifetimes splits the same way, by
   * date, before summarising). */
  int64_t cal_day = a->o.has_cal_end ? cu_floordiv(a->o.cal_end, CU_US_PER_DAY) : INT64_MAX;
  keyer kc, ko, kp;
  int st = CU_OK;
  if (keyer_init(&kc, customer_col) || keyer_init(&ko, order) || keyer_init(&kp, product)) {
    st = cu_err_set(e, CU_ENOMEM, "out of memory");
    goto out;
  }
  /* Past the memory budget, the tables go to disk as sorted runs. */
  {
    pmap *maps[] = {&a->periods, &a->h_periods, &a->orders, &a->products};
    size_t more[] = {n / 4, 0, n / 4, product ? n / 2 : 0}, bytes = 0;
    for (int k = 0; k < 4; k++) {
      size_t cap = maps[k]->cap;
      while (PMAP_FULL(maps[k]->n + more[k], cap)) cap *= 2;
      bytes += cap * (sizeof(pslot) + (maps[k]->with_val ? 2 * sizeof(double) : 0));
    }
    if (bytes > a->budget)
      for (int k = 0; k < 4; k++)
        if (cu_pmap_spill(maps[k])) {
          st = cu_err_set(e, CU_EIO, "cannot write the temporary file: %s", strerror(errno));
          goto out;
        }
  }
  /* Room up front: a chunk's rows bound its new entries, and tables that
   * do not move let consecutive rows of one order reuse their slots. */
  if (cu_pmap_reserve(&a->periods, n / 4) || cu_pmap_reserve(&a->orders, n / 4) ||
      (product && cu_pmap_reserve(&a->products, n / 2))) {
    st = cu_err_set(e, CU_ENOMEM, "out of memory");
    goto out;
  }
  /* the previous row's customer, period, order and slots */
  long last_c = -1, last_cust = -1;
  uint64_t last_ck = 0;
  int64_t last_p = INT64_MIN;
  uint64_t last_ok = 0;
  size_t per_slot = SIZE_MAX, ord_slot = SIZE_MAX;
  unsigned per_gen = a->periods.gen, ord_gen = a->orders.gen;
  const int64_t *t = ts->data;
  for (size_t i = 0; i < n; i++) {
    a->info.rows++;
    if (!cu_is_valid(customer_col, i) || !cu_is_valid(ts, i)) {
      a->info.skipped++;
      continue;
    }
    int64_t p = period_start(a, t[i]);
    if (p > end_p) {
      a->info.excluded++;
      continue;
    }
    uint64_t ck;
    long c;
    if (key_at(a, &kc, i, &ck)) goto oom;
    if (ck == last_ck && last_cust >= 0)
      c = last_cust; /* lines of one order */
    else if ((c = customer(a, ck)) < 0)
      goto oom;
    last_ck = ck;
    last_cust = c;
    int is_cancel = cancelled && cu_is_valid(cancelled, i) && ((const uint8_t *)cancelled->data)[i];
    int in_cal = cu_floordiv(t[i], CU_US_PER_DAY) <= cal_day;
    if (is_cancel) { /* counts towards cancelled orders only */
      if (in_cal && order && cu_is_valid(order, i)) {
        uint64_t ok;
        size_t s;
        if (key_at(a, &ko, i, &ok) || (s = pmap_put(&a->orders, (uint32_t)c, ok)) == SIZE_MAX)
          goto oom;
        a->orders.s[s].flags |= 2;
      }
      continue;
    }
    if (purchase && !(cu_is_valid(purchase, i) && ((const uint8_t *)purchase->data)[i])) {
      a->info.ignored++;
      continue;
    }
    double v = amount && cu_is_valid(amount, i) ? cu_column_get_f(amount, i) : 0;
    if (p > a->max_p) a->max_p = p;
    if (t[i] > a->max_ts) a->max_ts = t[i];
    a->info.purchase_rows++;
    if (!in_cal) { /* holdout */
      size_t s = pmap_put(&a->h_periods, (uint32_t)c, (uint64_t)p);
      if (s == SIZE_MAX) goto oom;
      a->h_rows[c]++;
      a->h_sum[c] += v;
      continue;
    }
    a->buyer[c] = 1;
    if (t[i] < a->first_ts[c]) a->first_ts[c] = t[i];
    if (t[i] > a->last_ts[c]) a->last_ts[c] = t[i];
    if (p < a->first_p[c]) a->first_p[c] = p;
    if (p > a->last_p[c]) a->last_p[c] = p;
    neumaier(&a->revenue[c], &a->revenue_c[c], v);
    a->purchase_rows[c]++;
    size_t s;
    if (c != last_c || p != last_p || per_gen != a->periods.gen) {
      if ((s = pmap_put(&a->periods, (uint32_t)c, (uint64_t)p)) == SIZE_MAX) goto oom;
      per_slot = s;
      per_gen = a->periods.gen;
    }
    neumaier(&a->periods.val[per_slot], &a->periods.comp[per_slot], v);
    uint64_t ok = (uint64_t)t[i]; /* without order ids, a timestamp is an order */
    if (order && cu_is_valid(order, i) && key_at(a, &ko, i, &ok)) goto oom;
    if (c != last_c || ok != last_ok || ord_gen != a->orders.gen) {
      if ((s = pmap_put(&a->orders, (uint32_t)c, ok)) == SIZE_MAX) goto oom;
      ord_slot = s;
      ord_gen = a->orders.gen;
    }
    a->orders.s[ord_slot].flags |= 1;
    last_c = c;
    last_p = p;
    last_ok = ok;
    if (product && cu_is_valid(product, i)) {
      uint64_t pk;
      if (key_at(a, &kp, i, &pk) || pmap_put(&a->products, (uint32_t)c, pk) == SIZE_MAX) goto oom;
    }
  }
  goto out;
oom:
  st = cu_err_set(e, CU_ENOMEM, "out of memory");
out:
  free(kc.cache);
  free(ko.cache);
  free(kp.cache);
  return st;
}
