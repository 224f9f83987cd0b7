/* rfm.c: the customer summary accumulator (see rfm.h).
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
#include "rfm_pairs.h"

#define STR_TAG (UINT64_C(1) << 63)

/* ------------------------------------------------------------ customers -- */

struct cu_rfm {
  cu_rfm_options o;
  /* customers */
  size_t n, cap, nslots;
  uint32_t *slots; /* customer index + 1, 0 free */
  uint64_t *key;
  int64_t *first_ts, *last_ts, *first_p, *last_p;
  double *revenue, *revenue_c; /* Neumaier sum and its compensation */
  int64_t *purchase_rows;
  int64_t *h_rows;
  double *h_sum;
  uint8_t *buyer; /* has a purchase in the (calibration) window */
  cu_dict *strs;  /* text of string keys (customers, orders, products) */
  pmap periods, h_periods, orders, products;
  int has_orders, has_products, has_cancel;
  int64_t max_p, max_ts; /* latest purchase seen: the default end */
  size_t budget;         /* bytes the pair tables may hold before spilling */
  cu_rfm_info info;
};

static int64_t period_start(const cu_rfm *a, int64_t ts) {
  return cu_ts_floor(ts, a->o.period == CU_PERIOD_WEEK    ? CU_FLOOR_WEEK
                         : a->o.period == CU_PERIOD_MONTH ? CU_FLOOR_MONTH
                                                          : CU_FLOOR_DAY);
}

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
    size_t j = mix64(a->key[c]) & (ns - 1);
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
  size_t j = mix64(k) & (a->nslots - 1);
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

/* ---------------------------------------------------------------- result -- */

/* How customers are ordered in the result: by id, as text when any id is
 * text (the context of qsort_r). */
typedef struct order_ctx {
  const cu_rfm *acc;
  int text;
} order_ctx;

static const char *key_text(const cu_rfm *a, uint64_t k, char *buf, size_t *len) {
  if (k & STR_TAG) return cu_dict_str(a->strs, (int32_t)(k & ~STR_TAG), len);
  *len = (size_t)snprintf(buf, 32, "%llu", (unsigned long long)k);
  return buf;
}

static int cmp_customers(const void *x, const void *y, void *ctx) {
  const order_ctx *oc = ctx;
  uint64_t a = oc->acc->key[*(const uint32_t *)x], b = oc->acc->key[*(const uint32_t *)y];
  if (!oc->text) return (a > b) - (a < b);
  char ba[32], bb[32];
  size_t la, lb;
  const char *pa = key_text(oc->acc, a, ba, &la), *pb = key_text(oc->acc, b, bb, &lb);
  int r = memcmp(pa, pb, la < lb ? la : lb);
  return r ? r : (la > lb) - (la < lb);
}

typedef struct out_cols {
  cu_frame *f;
  cu_err *e;
  int st;
} out_cols;

static void *add_col(out_cols *oc, const char *name, cu_type t, size_t n) {
  cu_column *c = cu_column_new(t, n, NULL);
  if (!c) {
    oc->st = cu_err_set(oc->e, CU_ENOMEM, "out of memory");
    return NULL;
  }
  int st = cu_frame_set(oc->f, name, c, oc->e);
  cu_column_release(c);
  if (st) {
    oc->st = st;
    return NULL;
  }
  return c->data;
}

/* per-customer counts gathered from the pair tables */
typedef struct counts {
  const cu_rfm *a;
  int64_t *nper, *hper, *norders, *ncancel, *nprod;
  double *first_val, *per_sum, *per_comp;
} counts;

static void on_period(void *ud, uint32_t c, uint64_t p, uint32_t flags, double v) {
  counts *cn = ud;
  (void)flags;
  cn->nper[c]++;
  neumaier(&cn->per_sum[c], &cn->per_comp[c], v);
  if ((int64_t)p == cn->a->first_p[c]) cn->first_val[c] = v;
}
static void on_hperiod(void *ud, uint32_t c, uint64_t p, uint32_t flags, double v) {
  (void)p, (void)flags, (void)v;
  ((counts *)ud)->hper[c]++;
}
static void on_order(void *ud, uint32_t c, uint64_t k, uint32_t flags, double v) {
  counts *cn = ud;
  (void)k, (void)v;
  if (flags & 1) cn->norders[c]++;
  if (flags & 2) cn->ncancel[c]++;
}
static void on_product(void *ud, uint32_t c, uint64_t k, uint32_t flags, double v) {
  (void)k, (void)flags, (void)v;
  ((counts *)ud)->nprod[c]++;
}

/* every customer's purchase periods, in one array cut by customer */
typedef struct period_lists {
  size_t *start, *fill;
  int64_t *p;
} period_lists;

static void on_period_list(void *ud, uint32_t c, uint64_t p, uint32_t flags, double v) {
  period_lists *pl = ud;
  (void)flags, (void)v;
  pl->p[pl->start[c] + pl->fill[c]++] = (int64_t)p;
}

static int cmp_i64(const void *x, const void *y) {
  int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
  return (a > b) - (a < b);
}

static int activity_columns(cu_rfm *a, out_cols *oc, const uint32_t *order, size_t m,
                            const int64_t *nper, int64_t win_p, cu_err *e) {
  period_lists pl = {calloc(a->n + 1, sizeof(size_t)), calloc(a->n + 1, sizeof(size_t)), NULL};
  int st = CU_OK;
  if (!pl.start || !pl.fill) goto oom;
  for (size_t c = 0; c < a->n; c++) pl.start[c + 1] = pl.start[c] + (size_t)nper[c];
  if (!(pl.p = malloc((pl.start[a->n] + 1) * sizeof *pl.p))) goto oom;
  if (cu_pmap_each(&a->periods, on_period_list, &pl)) {
    st = cu_err_set(e, CU_EIO, "cannot read the temporary file back");
    goto out;
  }
  double *mean = add_col(oc, "ipt_mean_days", CU_F64, m);
  double *sd = add_col(oc, "ipt_std_days", CU_F64, m);
  int64_t *recent = add_col(oc, "recent_periods", CU_I64, m);
  double *trend = add_col(oc, "activity_trend", CU_F64, m);
  if (oc->st) {
    st = oc->st;
    goto out;
  }
  cu_column *mc = oc->f->cols[cu_frame_find(oc->f, "ipt_mean_days")];
  cu_column *sc = oc->f->cols[cu_frame_find(oc->f, "ipt_std_days")];
  if (cu_column_ensure_mask(mc) || cu_column_ensure_mask(sc)) goto oom;
  double W = a->o.activity_days, day = (double)CU_US_PER_DAY;
  for (size_t r = 0; r < m; r++) {
    size_t c = order[r], k = (size_t)nper[c];
    int64_t *p = pl.p + pl.start[c];
    qsort(p, k, sizeof *p, cmp_i64);
    if (k >= 2) {
      double s = 0, s2 = 0;
      for (size_t i = 1; i < k; i++) s += (double)(p[i] - p[i - 1]) / day;
      double mu = s / (double)(k - 1);
      for (size_t i = 1; i < k; i++) {
        double g = (double)(p[i] - p[i - 1]) / day - mu;
        s2 += g * g;
      }
      mean[r] = mu;
      sd[r] = sqrt(s2 / (double)(k - 1));
    } else {
      mc->valid[r] = sc->valid[r] = 0;
    }
    int64_t n_recent = 0;
    for (size_t i = 0; i < k; i++) n_recent += (double)(win_p - p[i]) / day < W;
    double age = (double)(win_p - p[0]) / day + 1;
    recent[r] = n_recent;
    trend[r] = k ? (double)n_recent / (double)k - (W < age ? W : age) / age : 0;
  }
  cu_column_compact_mask(mc);
  cu_column_compact_mask(sc);
  goto out;
oom:
  st = cu_err_set(e, CU_ENOMEM, "out of memory");
out:
  free(pl.start);
  free(pl.fill);
  free(pl.p);
  return st;
}

int cu_rfm_result(cu_rfm *a, cu_frame **out, cu_rfm_info *info, cu_err *e) {
  int64_t end_p = a->o.has_end ? period_start(a, a->o.end) : a->max_p;
  int64_t end_ts = a->o.has_end ? a->o.end : a->max_ts;
  /* the calibration summary ends at the calibration end, as lifetimes
   * computes it with observation_period_end = calibration_period_end */
  int64_t win_p = a->o.has_cal_end ? period_start(a, a->o.cal_end) : end_p;
  int64_t win_ts = a->o.has_cal_end ? a->o.cal_end : end_ts;
  int64_t end_day = cu_floordiv(win_ts, CU_US_PER_DAY);
  double unit_us = a->o.unit_days * (double)CU_US_PER_DAY;
  /* per-customer counts from the pair maps */
  int64_t *nper = calloc(a->n + 1, sizeof *nper), *hper = calloc(a->n + 1, sizeof *hper);
  int64_t *norders = calloc(a->n + 1, sizeof *norders),
          *ncancel = calloc(a->n + 1, sizeof *ncancel);
  int64_t *nprod = calloc(a->n + 1, sizeof *nprod);
  double *first_val = calloc(a->n + 1, sizeof *first_val);
  double *per_sum = calloc(a->n + 1, sizeof *per_sum);
  double *per_comp = calloc(a->n + 1, sizeof *per_comp);
  uint32_t *order = malloc((a->n + 1) * sizeof *order);
  cu_frame *f = cu_frame_new(0);
  int st = CU_OK;
  if (!nper || !hper || !norders || !ncancel || !nprod || !first_val || !per_sum || !per_comp ||
      !order || !f) {
    st = cu_err_set(e, CU_ENOMEM, "out of memory");
    goto done;
  }
  counts cn = {a, nper, hper, norders, ncancel, nprod, first_val, per_sum, per_comp};
  if (cu_pmap_each(&a->periods, on_period, &cn) || cu_pmap_each(&a->h_periods, on_hperiod, &cn) ||
      cu_pmap_each(&a->orders, on_order, &cn) || cu_pmap_each(&a->products, on_product, &cn)) {
    st = cu_err_set(e, CU_EIO, "cannot read the temporary file back");
    goto done;
  }
  size_t m = 0;
  int any_str = 0;
  for (size_t c = 0; c < a->n; c++)
    if (a->buyer[c]) {
      order[m++] = (uint32_t)c;
      any_str |= (a->key[c] & STR_TAG) != 0;
    }
  order_ctx octx = {a, any_str};
  qsort_r(order, m, sizeof *order, cmp_customers, &octx);

  out_cols oc = {f, e, 0};
  f->nrows = m;
  /* the customer column: integers, or text when any id is not one */
  if (any_str) {
    cu_column *c = cu_column_new(CU_STR, m, NULL);
    if (!c) {
      st = cu_err_set(e, CU_ENOMEM, "out of memory");
      goto done;
    }
    for (size_t r = 0; r < m; r++) {
      uint64_t k = a->key[order[r]];
      char buf[32];
      size_t len;
      const char *s = key_text(a, k, buf, &len);
      int32_t code = cu_dict_intern(c->dict, s, len);
      if (code < 0) {
        cu_column_release(c);
        st = cu_err_set(e, CU_ENOMEM, "out of memory");
        goto done;
      }
      ((int32_t *)c->data)[r] = code;
    }
    st = cu_frame_set(f, "customer", c, e);
    cu_column_release(c);
    if (st) goto done;
  } else {
    int64_t *id = add_col(&oc, "customer", CU_I64, m);
    if (!id) goto fail;
    for (size_t r = 0; r < m; r++) id[r] = (int64_t)a->key[order[r]];
  }
  double *freq = add_col(&oc, "frequency", CU_F64, m);
  double *rec = add_col(&oc, "recency", CU_F64, m);
  double *T = add_col(&oc, "T", CU_F64, m);
  double *mon = add_col(&oc, "monetary_value", CU_F64, m);
  if (oc.st) goto fail;
  for (size_t r = 0; r < m; r++) {
    size_t c = order[r];
    freq[r] = (double)(nper[c] - 1);
    rec[r] = (double)(a->last_p[c] - a->first_p[c]) / unit_us;
    T[r] = (double)(win_p - a->first_p[c]) / unit_us;
    mon[r] = nper[c] > 1 ? ((per_sum[c] - first_val[c]) + per_comp[c]) / (double)(nper[c] - 1) : 0;
  }
  if (a->o.has_cal_end) {
    double *fh = add_col(&oc, "frequency_holdout", CU_F64, m);
    double *mh = add_col(&oc, "monetary_value_holdout", CU_F64, m);
    double *dh = add_col(&oc, "duration_holdout", CU_F64, m);
    if (oc.st) goto fail;
    int64_t cal_p = period_start(a, a->o.cal_end);
    double periods; /* whole periods, as lifetimes' Period difference .n */
    double period_days = 1;
    if (a->o.period == CU_PERIOD_MONTH) {
      int64_t y1, y2;
      unsigned m1, m2, d;
      cu_civil_from_days(cu_floordiv(cal_p, CU_US_PER_DAY), &y1, &m1, &d);
      cu_civil_from_days(cu_floordiv(end_p, CU_US_PER_DAY), &y2, &m2, &d);
      periods = (double)((y2 - y1) * 12 + ((int64_t)m2 - (int64_t)m1));
      period_days = CU_DAYS_PER_MONTH;
    } else {
      period_days = a->o.period == CU_PERIOD_WEEK ? 7 : 1;
      periods = (double)(end_p - cal_p) / (double)CU_US_PER_DAY / period_days;
    }
    for (size_t r = 0; r < m; r++) {
      size_t c = order[r];
      fh[r] = (double)hper[c];
      mh[r] = a->h_rows[c] ? a->h_sum[c] / (double)a->h_rows[c] : 0;
      dh[r] = periods * period_days / a->o.unit_days;
    }
  }
  int64_t *rdays = add_col(&oc, "recency_days", CU_I64, m);
  int64_t *ords = add_col(&oc, "orders", CU_I64, m);
  double *rev = add_col(&oc, "revenue", CU_F64, m);
  double *aov = add_col(&oc, "mean_order_value", CU_F64, m);
  int64_t *fp = add_col(&oc, "first_purchase", CU_TS, m);
  int64_t *lp = add_col(&oc, "last_purchase", CU_TS, m);
  int64_t *ten = add_col(&oc, "tenure_days", CU_I64, m);
  if (oc.st) goto fail;
  for (size_t r = 0; r < m; r++) {
    size_t c = order[r];
    rdays[r] = end_day - cu_floordiv(a->last_ts[c], CU_US_PER_DAY);
    ords[r] = norders[c];
    rev[r] = a->revenue[c] + a->revenue_c[c];
    aov[r] = norders[c] ? rev[r] / (double)norders[c] : 0;
    fp[r] = a->first_ts[c];
    lp[r] = a->last_ts[c];
    ten[r] = end_day - cu_floordiv(a->first_ts[c], CU_US_PER_DAY);
  }
  if (a->has_products) {
    int64_t *np = add_col(&oc, "products", CU_I64, m);
    if (oc.st) goto fail;
    for (size_t r = 0; r < m; r++) np[r] = nprod[order[r]];
  }
  if (a->has_cancel) {
    int64_t *nc = add_col(&oc, "cancelled_orders", CU_I64, m);
    double *cs = add_col(&oc, "cancel_share", CU_F64, m);
    if (oc.st) goto fail;
    for (size_t r = 0; r < m; r++) {
      size_t c = order[r];
      nc[r] = ncancel[c];
      cs[r] = (double)ncancel[c] / (double)(norders[c] + ncancel[c]);
    }
  }
  if (a->o.activity_days > 0 && (st = activity_columns(a, &oc, order, m, nper, win_p, e)))
    goto done;
  if (info) {
    *info = a->info;
    info->end = win_p;
    /* with no purchase and no given end, win_ts is the "no date" sentinel,
     * whose day does not fit back into microseconds */
    info->end_day = end_day > INT64_MIN / CU_US_PER_DAY ? end_day * CU_US_PER_DAY : 0;
  }
  *out = f;
  f = NULL;
  goto done;
fail:
  st = oc.st;
done:
  cu_frame_release(f);
  free(nper);
  free(hper);
  free(norders);
  free(ncancel);
  free(nprod);
  free(first_val);
  free(per_sum);
  free(per_comp);
  free(order);
  return st;
}
