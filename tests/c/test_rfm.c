/* test_rfm.c: the customer summary kernel on a log small enough to work
 * out by hand (the comments give the arithmetic), in one add and in
 * chunks, with periods of a day, a week and a month, and with a holdout. */
#include <stdlib.h>

#include "check.h"
#include "datetime.h"
#include "rfm.h"
#include "xsum.h"

static int64_t day(int y, int m, int d, int h) {
  return (cu_days_from_civil(y, (unsigned)m, (unsigned)d) * 24 + h) * 3600 * CU_US_PER_SEC;
}

/* customer, timestamp, amount, order, product, cancelled */
typedef struct {
  const char *cust;
  int64_t ts;
  double amount;
  int64_t order;
  const char *product;
  int cancelled;
} row;

static row rows[12];
static size_t nrows;

static void build(void) {
  row r[] = {
      {"17850", day(2011, 1, 3, 9), 10, 1, "A", 0},  /* b: first day, two orders */
      {"17850", day(2011, 1, 3, 15), 5, 2, "B", 0},  /*    same day: merged (15) */
      {"17850", day(2011, 1, 10, 9), 20, 3, "A", 0}, /*    +7 days */
      {"17850", day(2011, 1, 31, 9), 40, 4, "C", 0}, /*    +28 days */
      {"17850", day(2011, 2, 1, 9), -5, 5, "C", 1},  /*    a cancelled order */
      {"x9", day(2011, 1, 5, 12), 7, 6, "A", 0},     /* a text id, one purchase */
      {"00012", day(2011, 1, 20, 8), 3, 7, "D", 0},  /* zero-padded: stays text */
      {"00012", day(2011, 3, 2, 8), 9, 8, "D", 0},   /* after the end: excluded */
  };
  nrows = sizeof r / sizeof r[0];
  memcpy(rows, r, sizeof r);
}

typedef struct cols {
  cu_column *cust, *ts, *amount, *order, *product, *cancelled;
} cols;

static cols make(size_t from, size_t to) {
  size_t n = to - from;
  cols c = {cu_column_new(CU_STR, n, NULL), cu_column_new(CU_TS, n, NULL),
            cu_column_new(CU_F64, n, NULL), cu_column_new(CU_I64, n, NULL),
            cu_column_new(CU_STR, n, NULL), cu_column_new(CU_BOOL, n, NULL)};
  for (size_t i = 0; i < n; i++) {
    const row *r = &rows[from + i];
    ((int32_t *)c.cust->data)[i] = cu_dict_intern(c.cust->dict, r->cust, strlen(r->cust));
    ((int64_t *)c.ts->data)[i] = r->ts;
    ((double *)c.amount->data)[i] = r->amount;
    ((int64_t *)c.order->data)[i] = r->order;
    ((int32_t *)c.product->data)[i] = cu_dict_intern(c.product->dict, r->product, 1);
    ((uint8_t *)c.cancelled->data)[i] = (uint8_t)r->cancelled;
  }
  return c;
}

static void drop(cols c) {
  cu_column_release(c.cust);
  cu_column_release(c.ts);
  cu_column_release(c.amount);
  cu_column_release(c.order);
  cu_column_release(c.product);
  cu_column_release(c.cancelled);
}

static const cu_column *col(const cu_frame *f, const char *name) {
  long j = cu_frame_find(f, name);
  return j >= 0 ? f->cols[j] : NULL;
}
static double F(const cu_frame *f, const char *name, size_t r) {
  return cu_column_get_f(col(f, name), r);
}

static cu_frame *run(cu_rfm_options o, size_t chunk) {
  cu_rfm *a;
  cu_err e = {0};
  CHECK(cu_rfm_new(&a, &o, &e) == 0);
  for (size_t from = 0; from < nrows; from += chunk) {
    size_t to = from + chunk < nrows ? from + chunk : nrows;
    cols c = make(from, to);
    CHECK(cu_rfm_add(a, c.cust, c.ts, c.amount, c.order, c.product, c.cancelled, NULL, &e) == 0);
    drop(c);
  }
  cu_frame *f = NULL;
  cu_rfm_info info;
  CHECK(cu_rfm_result(a, &f, &info, &e) == 0);
  cu_rfm_free(a);
  return f;
}

/* Both frames the same: names, types, every value (text as text). */
static int same_frame(const cu_frame *x, const cu_frame *y) {
  if (!x || !y || x->nrows != y->nrows || x->ncols != y->ncols) return 0;
  for (size_t j = 0; j < x->ncols; j++) {
    const cu_column *a = x->cols[j], *b = y->cols[j];
    if (strcmp(x->names[j], y->names[j]) || a->type != b->type) return 0;
    for (size_t r = 0; r < x->nrows; r++) {
      if (cu_is_valid(a, r) != cu_is_valid(b, r)) return 0;
      if (!cu_is_valid(a, r)) continue;
      if (a->type == CU_STR) {
        size_t la, lb;
        const char *sa = cu_dict_str(a->dict, ((int32_t *)a->data)[r], &la);
        const char *sb = cu_dict_str(b->dict, ((int32_t *)b->data)[r], &lb);
        if (la != lb || memcmp(sa, sb, la)) return 0;
      } else if (cu_column_get_f(a, r) != cu_column_get_f(b, r)) {
        return 0;
      }
    }
  }
  return 1;
}

/* The log's customers split across k accumulators (each customer's rows in
 * one of them, in order) and merged: rfm_merge.c, as the threads of the
 * file scanner and the ranks of a distributed run use it. */
static cu_frame *run_parts(cu_rfm_options o, size_t k) {
  cu_rfm *parts[3];
  cu_err e = {0};
  for (size_t p = 0; p < k; p++) CHECK(cu_rfm_new(&parts[p], &o, &e) == 0);
  for (size_t i = 0; i < nrows; i++) {
    size_t p = (size_t)rows[i].cust[strlen(rows[i].cust) - 1] % k; /* by the id's last digit */
    cols c = make(i, i + 1);
    CHECK(cu_rfm_add(parts[p], c.cust, c.ts, c.amount, c.order, c.product, c.cancelled, NULL,
                     &e) == 0);
    drop(c);
  }
  cu_frame *f = NULL;
  cu_rfm_info info;
  CHECK(cu_rfm_result_parts(parts, k, &f, &info, &e) == 0);
  CHECK(info.rows == nrows);
  for (size_t p = 0; p < k; p++) cu_rfm_free(parts[p]);
  return f;
}

static void test_merge(void) {
  cu_rfm_options o = {.period = CU_PERIOD_DAY, .unit_days = 1, .activity_days = 30};
  /* no end given: every part's T runs to the latest purchase of all */
  cu_frame *one = run(o, nrows);
  for (size_t k = 1; k <= 3; k++) {
    cu_frame *f = run_parts(o, k);
    CHECK(same_frame(one, f));
    cu_frame_release(f);
  }
  cu_frame_release(one);
  /* integer ids in one part, text in another: text order over all, as one
   * accumulator orders them (bytewise: "100" < "12" < "5" < "a") */
  cu_frame *a = cu_frame_new(2), *b = cu_frame_new(2), *m = NULL;
  cu_err e = {0};
  cu_column *ia = cu_column_new(CU_I64, 2, NULL), *sb = cu_column_new(CU_STR, 2, NULL);
  ((int64_t *)ia->data)[0] = 5;
  ((int64_t *)ia->data)[1] = 100;
  ((int32_t *)sb->data)[0] = cu_dict_intern(sb->dict, "12", 2);
  ((int32_t *)sb->data)[1] = cu_dict_intern(sb->dict, "a", 1);
  CHECK(cu_frame_set(a, "customer", ia, &e) == 0);
  CHECK(cu_frame_set(b, "customer", sb, &e) == 0);
  cu_frame *both[2] = {a, b};
  CHECK(cu_rfm_merge_frames(both, 2, &m, &e) == 0);
  CHECK(m && m->nrows == 4 && m->cols[0]->type == CU_STR);
  if (m && m->nrows == 4) {
    const char *want[4] = {"100", "12", "5", "a"};
    for (size_t r = 0; r < 4; r++) {
      size_t len;
      const char *got = cu_dict_str(m->cols[0]->dict, ((int32_t *)m->cols[0]->data)[r], &len);
      CHECK(len == strlen(want[r]) && !memcmp(got, want[r], len));
    }
  }
  /* parts with other columns are refused */
  cu_column *extra = cu_column_new(CU_F64, 2, NULL);
  CHECK(cu_frame_set(b, "revenue", extra, &e) == 0);
  cu_frame *m2 = NULL;
  CHECK(cu_rfm_merge_frames(both, 2, &m2, &e) == CU_EARG);
  cu_column_release(ia);
  cu_column_release(sb);
  cu_column_release(extra);
  cu_frame_release(a);
  cu_frame_release(b);
  cu_frame_release(m);
}

/* xsum.h: exact, order-free sums, checked against __float128, whose 113
 * bits hold these sums exactly (values 2^-20..2^20, 1,000 of them, need
 * at most 102 bits), rounded once to double. */
static void test_xsum(void) {
  cu_xsum s;
  cu_xsum_zero(&s);
  cu_xsum_add(&s, 1e16);
  cu_xsum_add(&s, 1);
  cu_xsum_add(&s, -1e16);
  CHECK(cu_xsum_value(&s) == 1); /* a plain sum gives 0 */
  cu_xsum_zero(&s); /* ties to even: 2^53 + 1 is 2^53; a bit more rounds up */
  cu_xsum_add(&s, 9007199254740992.0);
  cu_xsum_add(&s, 1);
  CHECK(cu_xsum_value(&s) == 9007199254740992.0);
  cu_xsum_add(&s, ldexp(1, -90));
  CHECK(cu_xsum_value(&s) == 9007199254740994.0);
  uint64_t seed = 42;
  double v[1000];
  __float128 exact = 0;
  for (int i = 0; i < 1000; i++) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    double m = (double)(seed >> 11) / 9007199254740992.0; /* [0, 1) */
    v[i] = ldexp(m, (int)((seed >> 3) % 41) - 20) * ((seed & 1) ? -1 : 1);
    exact += v[i];
  }
  cu_xsum fwd, back, half1, half2;
  cu_xsum_zero(&fwd);
  cu_xsum_zero(&back);
  cu_xsum_zero(&half1);
  cu_xsum_zero(&half2);
  for (int i = 0; i < 1000; i++) {
    cu_xsum_add(&fwd, v[i]);
    cu_xsum_add(&back, v[999 - i]);
    cu_xsum_add(i < 500 ? &half1 : &half2, v[i]);
  }
  cu_xsum_merge(&half1, &half2);
  CHECK(cu_xsum_value(&fwd) == (double)exact);
  CHECK(cu_xsum_value(&back) == cu_xsum_value(&fwd));
  CHECK(cu_xsum_value(&half1) == cu_xsum_value(&fwd));
  cu_xsum d = cu_xsum_minus(&fwd, &fwd);
  CHECK(cu_xsum_value(&d) == 0);
  cu_xsum_zero(&s); /* out of range, not finite: not a number, never wrong */
  cu_xsum_add(&s, 1e30);
  CHECK(isnan(cu_xsum_value(&s)));
  cu_xsum_zero(&s);
  cu_xsum_add(&s, INFINITY);
  CHECK(isnan(cu_xsum_value(&s)));
}

int main(void) {
  build();
  test_xsum();
  test_merge();
  cu_rfm_options o = {
      .period = CU_PERIOD_DAY, .unit_days = 1, .has_end = 1, .end = day(2011, 2, 28, 0)};
  for (size_t chunk = 1; chunk <= nrows; chunk += 3) {
    cu_frame *f = run(o, chunk);
    CHECK(f && f->nrows == 3);
    if (!f) continue;
    /* text ids, so the column is text, sorted bytewise: 00012, 17850, x9 */
    const cu_column *id = col(f, "customer");
    size_t len;
    CHECK(id->type == CU_STR);
    CHECK_STR(cu_dict_str(id->dict, ((int32_t *)id->data)[1], &len), "17850");
    /* 17850: days Jan 3 (15), Jan 10 (20), Jan 31 (40): frequency 2,
     * recency 28, T = Feb 28 - Jan 3 = 56, monetary (20 + 40) / 2 = 30 */
    CHECK_NEAR(F(f, "frequency", 1), 2, 0);
    CHECK_NEAR(F(f, "recency", 1), 28, 0);
    CHECK_NEAR(F(f, "T", 1), 56, 0);
    CHECK_NEAR(F(f, "monetary_value", 1), 30, 1e-12);
    /* four purchase orders worth 75; one cancelled of five orders */
    CHECK_NEAR(F(f, "orders", 1), 4, 0);
    CHECK_NEAR(F(f, "revenue", 1), 75, 1e-12);
    CHECK_NEAR(F(f, "mean_order_value", 1), 18.75, 1e-12);
    CHECK_NEAR(F(f, "products", 1), 3, 0);
    CHECK_NEAR(F(f, "cancelled_orders", 1), 1, 0);
    CHECK_NEAR(F(f, "cancel_share", 1), 0.2, 1e-15);
    CHECK_NEAR(F(f, "recency_days", 1), 28, 0); /* Feb 28 - Jan 31 */
    CHECK_NEAR(F(f, "tenure_days", 1), 56, 0);
    /* x9: one purchase: frequency 0, monetary 0, T = Feb 28 - Jan 5 = 54 */
    CHECK_NEAR(F(f, "frequency", 2), 0, 0);
    CHECK_NEAR(F(f, "monetary_value", 2), 0, 0);
    CHECK_NEAR(F(f, "T", 2), 54, 0);
    /* 00012: its March purchase is after the end */
    CHECK_NEAR(F(f, "revenue", 0), 3, 0);
    cu_frame_release(f);
  }
  /* weeks (Monday starts) in weeks: 17850's days fall in the weeks of
   * Jan 3, Jan 10 and Jan 31; end week Feb 28: T = 8, recency = 4 */
  o.period = CU_PERIOD_WEEK;
  o.unit_days = 7;
  cu_frame *f = run(o, nrows);
  CHECK_NEAR(F(f, "frequency", 1), 2, 0);
  CHECK_NEAR(F(f, "recency", 1), 4, 0);
  CHECK_NEAR(F(f, "T", 1), 8, 0);
  cu_frame_release(f);
  /* days in weeks, as the CDNOW summary: recency 28 / 7 = 4, T 56 / 7 = 8 */
  o.period = CU_PERIOD_DAY;
  f = run(o, nrows);
  CHECK_NEAR(F(f, "T", 2), 54.0 / 7, 1e-15);
  cu_frame_release(f);
  /* months in numpy's average months: Jan -> Feb 1 is 31 / 30.436875 */
  o.period = CU_PERIOD_MONTH;
  o.unit_days = CU_DAYS_PER_MONTH;
  f = run(o, nrows);
  CHECK_NEAR(F(f, "frequency", 1), 0, 0); /* all in January */
  CHECK_NEAR(F(f, "T", 1), 31 / CU_DAYS_PER_MONTH, 1e-15);
  cu_frame_release(f);
  /* calibration to Jan 9, holdout to Feb 28: 17850 has one calibration
   * day (Jan 3) and two holdout days (Jan 10, Jan 31), holdout rows worth
   * 20 and 40 (mean 30); 00012 has no holdout purchase in the window */
  o.period = CU_PERIOD_DAY;
  o.unit_days = 1;
  o.has_cal_end = 1;
  o.cal_end = day(2011, 1, 9, 0);
  f = run(o, nrows);
  CHECK(f && f->nrows == 2); /* 00012 first bought after the calibration end */
  if (f) {
    CHECK_NEAR(F(f, "frequency", 0), 0, 0);
    CHECK_NEAR(F(f, "T", 0), 6, 0);
    CHECK_NEAR(F(f, "frequency_holdout", 0), 2, 0);
    CHECK_NEAR(F(f, "monetary_value_holdout", 0), 30, 1e-12);
    CHECK_NEAR(F(f, "duration_holdout", 0), 50, 0); /* Jan 9 -> Feb 28 */
    CHECK_NEAR(F(f, "revenue", 0), 15, 1e-12);
  }
  cu_frame_release(f);
  /* spilling: a budget of one byte writes every chunk's pairs to disk; the
   * merged result must equal the in-memory one */
  o.has_cal_end = 1;
  cu_frame *mem = run(o, nrows);
  o.memory_bytes = 1;
  for (size_t chunk = 1; chunk <= 4; chunk++) {
    cu_frame *sp = run(o, chunk);
    int same = sp && mem && sp->nrows == mem->nrows && sp->ncols == mem->ncols;
    for (size_t j = 0; same && j < mem->ncols; j++)
      for (size_t r = 0; r < mem->nrows; r++)
        if (mem->cols[j]->type != CU_STR &&
            cu_column_get_f(mem->cols[j], r) != cu_column_get_f(sp->cols[j], r))
          same = 0;
    CHECK(same);
    cu_frame_release(sp);
  }
  cu_frame_release(mem);
  o.memory_bytes = 0;
  /* integer ids in any type unify: 17850 as int64 and "17850" as text */
  cu_rfm *a;
  cu_err e = {0};
  o.has_cal_end = 0;
  CHECK(cu_rfm_new(&a, &o, &e) == 0);
  cols c = make(0, 2);
  cu_column *ids = cu_column_new(CU_F64, 2, NULL);
  ((double *)ids->data)[0] = ((double *)ids->data)[1] = 17850.0;
  CHECK(cu_rfm_add(a, ids, c.ts, c.amount, NULL, NULL, NULL, NULL, &e) == 0);
  CHECK(cu_rfm_add(a, c.cust, c.ts, c.amount, NULL, NULL, NULL, NULL, &e) == 0);
  cu_column *as_text = cu_column_new(CU_STR, 2, NULL); /* a float id written as text */
  ((int32_t *)as_text->data)[0] = ((int32_t *)as_text->data)[1] =
      cu_dict_intern(as_text->dict, "17850.0", 7);
  CHECK(cu_rfm_add(a, as_text, c.ts, c.amount, NULL, NULL, NULL, NULL, &e) == 0);
  cu_column_release(as_text);
  CHECK(cu_rfm_add(a, c.ts, c.cust, NULL, NULL, NULL, NULL, NULL, &e) == CU_ETYPE);
  CHECK(cu_rfm_result(a, &f, NULL, &e) == 0 && f->nrows == 1 && col(f, "customer")->type == CU_I64);
  cu_frame_release(f);
  cu_rfm_free(a);
  cu_column_release(ids);
  drop(c);
  /* Regression (hardening issue, F9a): a log with no purchase (here one
   * cancelled order) and no given end overflowed a signed multiply in
   * cu_rfm_result (UBSan: -106751992 * 86400000000). */
  cu_rfm_options none = {.period = CU_PERIOD_DAY, .unit_days = 1};
  CHECK(cu_rfm_new(&a, &none, &e) == 0);
  c = make(4, 5);
  CHECK(cu_rfm_add(a, c.cust, c.ts, c.amount, c.order, c.product, c.cancelled, NULL, &e) == 0);
  cu_rfm_info info;
  CHECK(cu_rfm_result(a, &f, &info, &e) == 0 && f->nrows == 0 && info.purchase_rows == 0);
  cu_frame_release(f);
  cu_rfm_free(a);
  drop(c);
  return check_done("rfm");
}
