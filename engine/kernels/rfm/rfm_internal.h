/* rfm_internal.h: the summary accumulator's state, shared by the per-row
 * work (rfm.c) and the result builder (rfm_result.c).  Private to rfm/. */
#ifndef CU_RFM_INTERNAL_H
#define CU_RFM_INTERNAL_H

#include <stdint.h>

#include "datetime.h"
#include "rfm.h"
#include "rfm_pairs.h"

/* marks a customer, order or product key that is a dictionary index of
 * text, not an integer id */
#define STR_TAG (UINT64_C(1) << 63)

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

/* the start of the period holding ts */
static inline int64_t period_start(const cu_rfm *a, int64_t ts) {
  return cu_ts_floor(ts, a->o.period == CU_PERIOD_WEEK    ? CU_FLOOR_WEEK
                         : a->o.period == CU_PERIOD_MONTH ? CU_FLOOR_MONTH
                                                          : CU_FLOOR_DAY);
}

#endif
