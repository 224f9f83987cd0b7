/* rfm_result.c: the customer summary's result (see rfm.h): customers in
 * id order, their counts gathered from the pair tables (rfm_pairs.c), and
 * the lifetimes fields and activity columns built as a frame. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "rfm_internal.h"

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
} counts;

static void on_period(void *ud, uint32_t c, uint64_t p, uint32_t flags, double v) {
  counts *cn = ud;
  (void)flags;
  (void)p, (void)v;
  cn->nper[c]++;
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

/* every customer's purchase periods, in one array cut by customer, each
 * customer's in order */
typedef struct pv {
  int64_t p;
} pv;
typedef struct period_lists {
  size_t *start, *fill;
  pv *e;
} period_lists;

static void on_period_list(void *ud, uint32_t c, uint64_t p, uint32_t flags, double v) {
  period_lists *pl = ud;
  (void)flags, (void)v;
  pl->e[pl->start[c] + pl->fill[c]++].p = (int64_t)p;
}

static int cmp_pv(const void *x, const void *y) {
  int64_t a = ((const pv *)x)->p, b = ((const pv *)y)->p;
  return (a > b) - (a < b);
}

static void free_lists(period_lists *pl) {
  free(pl->start);
  free(pl->fill);
  free(pl->e);
}

/* The lists, each customer's in period order. */
static int period_lists_of(cu_rfm *a, const int64_t *nper, period_lists *pl) {
  pl->start = calloc(a->n + 1, sizeof(size_t));
  pl->fill = calloc(a->n + 1, sizeof(size_t));
  pl->e = NULL;
  if (!pl->start || !pl->fill) return CU_ENOMEM;
  for (size_t c = 0; c < a->n; c++) pl->start[c + 1] = pl->start[c] + (size_t)nper[c];
  if (!(pl->e = malloc((pl->start[a->n] + 1) * sizeof *pl->e))) return CU_ENOMEM;
  if (cu_pmap_each(&a->periods, on_period_list, pl)) return CU_EIO;
  for (size_t c = 0; c < a->n; c++) {
    pv *x = pl->e + pl->start[c];
    size_t k = (size_t)nper[c], i = 1;
    while (i < k && x[i - 1].p < x[i].p) i++;
    if (i < k) qsort(x, k, sizeof *x, cmp_pv);
  }
  return CU_OK;
}

static int activity_columns(cu_rfm *a, out_cols *oc, const uint32_t *order, size_t m,
                            const int64_t *nper, const period_lists *pl, int64_t win_p,
                            cu_err *e) {
  double *mean = add_col(oc, "ipt_mean_days", CU_F64, m);
  double *sd = add_col(oc, "ipt_std_days", CU_F64, m);
  int64_t *recent = add_col(oc, "recent_periods", CU_I64, m);
  double *trend = add_col(oc, "activity_trend", CU_F64, m);
  if (oc->st) return oc->st;
  cu_column *mc = oc->f->cols[cu_frame_find(oc->f, "ipt_mean_days")];
  cu_column *sc = oc->f->cols[cu_frame_find(oc->f, "ipt_std_days")];
  if (cu_column_ensure_mask(mc) || cu_column_ensure_mask(sc)) goto oom;
  double W = a->o.activity_days, day = (double)CU_US_PER_DAY;
  for (size_t r = 0; r < m; r++) {
    size_t c = order[r], k = (size_t)nper[c];
    const pv *p = pl->e + pl->start[c];
    if (k >= 2) {
      double s = 0, s2 = 0;
      for (size_t i = 1; i < k; i++) s += (double)(p[i].p - p[i - 1].p) / day;
      double mu = s / (double)(k - 1);
      for (size_t i = 1; i < k; i++) {
        double g = (double)(p[i].p - p[i - 1].p) / day - mu;
        s2 += g * g;
      }
      mean[r] = mu;
      sd[r] = sqrt(s2 / (double)(k - 1));
    } else {
      mc->valid[r] = sc->valid[r] = 0;
    }
    int64_t n_recent = 0;
    for (size_t i = 0; i < k; i++) n_recent += (double)(win_p - p[i].p) / day < W;
    double age = k ? (double)(win_p - p[0].p) / day + 1 : 1;
    recent[r] = n_recent;
    trend[r] = k ? (double)n_recent / (double)k - (W < age ? W : age) / age : 0;
  }
  cu_column_compact_mask(mc);
  cu_column_compact_mask(sc);
  return CU_OK;
oom:
  return cu_err_set(e, CU_ENOMEM, "out of memory");
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
  uint32_t *order = malloc((a->n + 1) * sizeof *order);
  cu_frame *f = cu_frame_new(0);
  period_lists pl = {NULL, NULL, NULL};
  int st = CU_OK;
  if (!nper || !hper || !norders || !ncancel || !nprod ||
      !order || !f) {
    st = cu_err_set(e, CU_ENOMEM, "out of memory");
    goto done;
  }
  counts cn = {a, nper, hper, norders, ncancel, nprod};
  if (cu_pmap_each(&a->periods, on_period, &cn) || cu_pmap_each(&a->h_periods, on_hperiod, &cn) ||
      cu_pmap_each(&a->orders, on_order, &cn) || cu_pmap_each(&a->products, on_product, &cn)) {
    st = cu_err_set(e, CU_EIO, "cannot read the temporary file back");
    goto done;
  }
  int ps = a->o.activity_days > 0 ? period_lists_of(a, nper, &pl) : CU_OK;
  if (ps) {
    st = ps == CU_EIO ? cu_err_set(e, CU_EIO, "cannot read the temporary file back")
                      : cu_err_set(e, CU_ENOMEM, "out of memory");
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
    /* the periods after the first: all the purchases less the first
     * period's, exactly (xsum.h), so the same bits in any row order */
    cu_xsum after_first = cu_xsum_minus(&a->revenue[c], &a->first_sum[c]);
    mon[r] = nper[c] > 1 ? cu_xsum_value(&after_first) / (double)(nper[c] - 1) : 0;
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
      mh[r] = a->h_rows[c] ? cu_xsum_value(&a->h_sum[c]) / (double)a->h_rows[c] : 0;
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
    rev[r] = cu_xsum_value(&a->revenue[c]);
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
  if (a->o.activity_days > 0 && (st = activity_columns(a, &oc, order, m, nper, &pl, win_p, e)))
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
  free_lists(&pl);
  cu_frame_release(f);
  free(nper);
  free(hper);
  free(norders);
  free(ncancel);
  free(nprod);
  free(order);
  return st;
}
