/* rfm.h: per-customer summaries of a transaction log.
 *
 * An accumulator takes transactions in any order and in any number of
 * chunks, and gives one row per customer: the lifetimes fields (frequency,
 * recency, T, monetary_value; Fader, Hardie & Lee 2005 and the lifetimes
 * package's summary_data_from_transaction_data), optionally the holdout
 * fields of calibration_and_holdout_data, and classic RFM fields.  Memory
 * grows with the customers: the tables of distinct (customer, period),
 * (customer, order) and (customer, product) pairs are written to a
 * temporary file as sorted runs when they pass a budget, and merged at the
 * end, so a log larger than memory is summarised exactly. */
#ifndef CU_RFM_H
#define CU_RFM_H

#include "frame.h"

typedef enum { CU_PERIOD_DAY, CU_PERIOD_WEEK, CU_PERIOD_MONTH } cu_period;

/* numpy's np.timedelta64(1, "M"): 365.2425 / 12 days, lifetimes' month */
#define CU_DAYS_PER_MONTH 30.436875

/* 16 MiB: tables that stay in the processor's caches are probed several
 * times faster than large ones, and spilling sorted runs costs less than
 * it saves (docs/benchmarks.md, the summary at scale) */
#define CU_RFM_DEFAULT_BUDGET ((size_t)16 << 20)

typedef struct cu_rfm_options {
  cu_period period; /* purchases in one period count once (day: calendar
                       day; week: Monday to Sunday; month) */
  double unit_days; /* length of the reporting unit in days: 1, 7,
                       CU_DAYS_PER_MONTH */
  int has_end;      /* observation end given: later periods are excluded */
  int64_t end;      /* timestamp (microseconds) */
  int has_cal_end;  /* calibration end: adds the holdout fields */
  int64_t cal_end;
  size_t memory_bytes; /* budget of the distinct-pair tables before they are
                          spilled to a temporary file (0: CU_RFM_DEFAULT_BUDGET) */
  double activity_days; /* > 0 adds the activity columns (see result) with
                           this recent window in days */
} cu_rfm_options;

typedef struct cu_rfm cu_rfm;

int cu_rfm_new(cu_rfm **out, const cu_rfm_options *o, cu_err *e);
void cu_rfm_free(cu_rfm *a);

/* Adds rows.  customer: any type (integer ids unify across types, so
 * 17850, 17850.0 and "17850" are one customer); ts: timestamp; amount:
 * numeric or NULL (missing counts as 0); order, product: any type or NULL;
 * cancelled, purchase: bool or NULL.  A row with cancelled true counts
 * only towards the customer's cancelled orders; otherwise it is a purchase
 * when purchase is NULL or true there, and ignored (counted) when not.
 * Rows with a missing customer or timestamp are skipped and counted. */
int cu_rfm_add(cu_rfm *a, const cu_column *customer, const cu_column *ts, const cu_column *amount,
               const cu_column *order, const cu_column *product, const cu_column *cancelled,
               const cu_column *purchase, cu_err *e);

typedef struct cu_rfm_info {
  size_t rows;          /* rows added */
  size_t skipped;       /* missing customer or timestamp */
  size_t excluded;      /* after the observation end */
  size_t ignored;       /* neither a purchase nor a cancellation */
  size_t purchase_rows; /* purchases within the window */
  int64_t end;          /* observation end used (period start) */
  int64_t end_day;      /* its calendar day (for day counts) */
} cu_rfm_info;

/* One row per customer with a purchase in the (calibration) window, in
 * customer order.  Columns: customer, frequency, recency, T,
 * monetary_value, [frequency_holdout, monetary_value_holdout,
 * duration_holdout], recency_days, orders, revenue, mean_order_value,
 * first_purchase, last_purchase, tenure_days, [products],
 * [cancelled_orders, cancel_share], and with activity_days = W:
 *   ipt_mean_days, ipt_std_days: mean and population standard deviation of
 *     the days between consecutive purchase periods (missing with fewer
 *     than two);
 *   recent_periods: purchase periods in the last W days of the window;
 *   activity_trend: recent_periods / periods - min(W, age) / age, where age
 *     is the days from the first purchase period to the window end, plus
 *     one: the share of the customer's purchases in the recent window less
 *     the share of its time there, from -1 (stopped) through 0 (steady) to
 *     positive (speeding up). */
int cu_rfm_result(cu_rfm *a, cu_frame **out, cu_rfm_info *info, cu_err *e);

/* The result of accumulators that saw disjoint customers (each customer's
 * rows all in one of them, in order): the frame and info one accumulator
 * over all the rows gives (rfm_merge.c).  The accumulators' default end
 * becomes the latest purchase of all. */
int cu_rfm_result_parts(cu_rfm *const *parts, size_t k, cu_frame **out, cu_rfm_info *info,
                        cu_err *e);
/* Summaries of disjoint customers as one, in customer order (by id, as
 * text when any id is text); every part has the same columns, the
 * customer first. */
int cu_rfm_merge_frames(cu_frame *const *parts, size_t k, cu_frame **out, cu_err *e);

/* The summary of a transaction file on every core (rfm_scan.c): the
 * columns are named by role; the purchase rule is the library's default
 * (a cancellation: quantity, or without one amount, below zero, or an
 * order id starting with cancel_prefix; a purchase: not cancelled, and
 * quantity above zero where there is one); amount is quantity x price
 * unless an amount column is named. */
typedef struct cu_rfm_scan {
  const char *path;         /* one file, or: */
  const char *const *paths; /* npaths files, read as one log (in a distributed
                               run each rank reads every size-th from its rank) */
  size_t npaths;
  int distributed; /* with several ranks (dist.h): each reads its share of the
                      files and rows go to the rank owning their customer */
  int gather;      /* distributed: every rank gets the whole summary (else
                      each its own customers, in id order) */
  char delim; /* 0: guessed from the header as the general reader does */
  const char *customer, *date, *quantity, *price, *amount, *order, *product; /* NULL: none */
  const char *ts_pattern;    /* NULL: the format inferred as the reader infers it */
  const char *cancel_prefix; /* NULL or "": none */
  int threads;               /* <= 0: cu_default_threads() */
  size_t block_size;         /* 0: 8 MiB */
  size_t infer_rows;         /* 0: 20000, as the reader */
} cu_rfm_scan;

typedef struct cu_rfm_scan_info {
  size_t rows;          /* records read (by all ranks) */
  int threads;          /* threads used (per rank) */
  const char *fallback; /* set (with no frame) when a file needs the general reader */
  const char *file;     /* that file (NULL: one on another rank) */
  int elsewhere;        /* the file is another rank's */
} cu_rfm_scan_info;

/* CU_OK with *out the summary; or CU_OK with *out NULL and
 * si->fallback saying why the general reader must read this file (a
 * layout the fast tokenizer does not take, or a value the general reader
 * reports as an error or treats as missing); or an error. */
int cu_rfm_scan_file(const cu_rfm_scan *o, const cu_rfm_options *ro, cu_frame **out,
                     cu_rfm_info *info, cu_rfm_scan_info *si, cu_err *e);

#endif
