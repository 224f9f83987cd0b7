/* rfm_internal.h: the summary accumulator's state, shared by the per-row
 * work (rfm.c) and the result builder (rfm_result.c).  Private to rfm/. */
#ifndef CU_RFM_INTERNAL_H
#define CU_RFM_INTERNAL_H

#include <stdint.h>
#include <string.h>

#include "datetime.h"
#include "parse.h"
#include "rfm.h"
#include "rfm_pairs.h"
#include "xsum.h"

/* marks a customer, order or product key that is a dictionary index of
 * text, not an integer id */
#define STR_TAG (UINT64_C(1) << 63)

typedef struct cslot {
  uint64_t key;
  uint32_t idx;
} cslot;

struct cu_rfm {
  cu_rfm_options o;
  /* customers */
  size_t n, cap, nslots;
  cslot *slots; /* the customer hash table: key and index + 1 (0 free) in
                   one slot, so a lookup touches one cache line */
  uint64_t *key;
  int64_t *first_ts, *last_ts, *first_p, *last_p;
  /* exact sums (xsum.h), so every field is the same bits in any row order */
  cu_xsum *revenue;   /* calibration purchases */
  cu_xsum *first_sum; /* the rows of the first purchase period */
  int64_t *purchase_rows;
  int64_t *h_rows;
  cu_xsum *h_sum;
  uint8_t *buyer; /* has a purchase in the (calibration) window */
  cu_dict *strs;  /* text of string keys (customers, orders, products) */
  pmap periods, h_periods, orders, products;
  int has_orders, has_products, has_cancel;
  int64_t max_p, max_ts; /* latest purchase seen: the default end */
  size_t budget;         /* bytes the pair tables may hold before spilling */
  int32_t *scratch;      /* add_rows' customer per row */
  size_t scratch_cap;
  cu_rfm_info info;
};

/* An id that is a canonical non-negative integer, also when written as a
 * float ("17850.0"), is that integer (1, *k set); other text is not (0). */
static inline int rfm_int_key(const char *s, size_t len, uint64_t *k) {
  size_t int_len = len;
  const char *dot = memchr(s, '.', len);
  if (dot && dot > s) {
    size_t j = (size_t)(dot - s) + 1;
    while (j < len && s[j] == '0') j++;
    if (j == len && j > (size_t)(dot - s) + 1) int_len = (size_t)(dot - s);
  }
  int64_t v;
  if (cu_i64_is_canonical(s, int_len) && !cu_parse_i64(s, int_len, &v) && v >= 0) {
    *k = (uint64_t)v;
    return 1;
  }
  return 0;
}

/* the start of the period holding ts */
static inline int64_t period_start(const cu_rfm *a, int64_t ts) {
  return cu_ts_floor(ts, a->o.period == CU_PERIOD_WEEK    ? CU_FLOOR_WEEK
                         : a->o.period == CU_PERIOD_MONTH ? CU_FLOOR_MONTH
                                                          : CU_FLOOR_DAY);
}

/* A transaction already keyed (the file scanner's rows, rfm_scan.c): the
 * customer's key, or its text when it is not an integer id (interned by
 * the accumulator that owns the customer); order and product keys as
 * key_at gives them, or STR_TAG | a 63-bit hash of their text, which no
 * output shows (only distinct counts use them). */
typedef struct cu_rfm_row {
  int64_t ts;
  double amount;
  uint64_t ck, ok, pk;
  const char *ctext;
  uint32_t clen;
  uint32_t flags;
} cu_rfm_row;
enum {
  CU_RROW_CANCEL = 1,  /* a cancellation */
  CU_RROW_BUY = 2,     /* a purchase (when not cancelled) */
  CU_RROW_ORDER = 4,   /* ok is set */
  CU_RROW_PRODUCT = 8, /* pk is set */
  CU_RROW_CTEXT = 16   /* ctext, not ck, names the customer */
};

/* Adds rows that have a customer and a timestamp, in order. */
int cu_rfm_add_rows(cu_rfm *a, const cu_rfm_row *rows, size_t n, cu_err *e);
/* Counts rows without a customer or timestamp (never passed to add_rows). */
void cu_rfm_count_skipped(cu_rfm *a, size_t rows);
/* Which optional columns the log has (add_rows cannot tell). */
void cu_rfm_set_columns(cu_rfm *a, int orders, int products, int cancel);

#endif
