/* rfm_scan.h: the summary file scanner's state, shared by the scanner
 * (rfm_scan.c: tokenizing, blocks, threads) and the exchange between ranks
 * (rfm_exchange.c).  Private to rfm/. */
#ifndef CU_RFM_SCAN_H
#define CU_RFM_SCAN_H

#include "rfm_internal.h"

#define MAX_THREADS 64

/* ---------------------------------------------------------- tokenizer -- */

enum { R_NONE = 0, R_CUSTOMER, R_DATE, R_QUANTITY, R_PRICE, R_AMOUNT, R_ORDER, R_PRODUCT };

typedef struct bucket {
  cu_rfm_row *rows;
  size_t n, cap;
} bucket;

typedef struct scanner scanner;

/* one thread's piece of a block and what it made of it */
typedef struct piece {
  scanner *sc;
  int id;
  const char *s, *end;
  bucket part[MAX_THREADS]; /* this rank's rows, by the partition that adds them */
  bucket *remote;           /* in a distributed run: rows for each other rank */
  size_t records, skipped;
  const char *fallback; /* why the general reader must read the file */
  cu_err err;
  int st;
} piece;

struct scanner {
  const cu_rfm_scan *o;
  char delim, quote;
  size_t ncols;
  unsigned char role[256]; /* by field number, up to 255 fields */
  int has_qty, has_price, has_amount, has_order, has_product;
  cu_ts_format tsf;
  size_t prefix_len;
  int nthreads;
  cu_rfm *acc[MAX_THREADS];
  piece pc[MAX_THREADS];
  unsigned char stop[256]; /* bytes that end an unquoted field */
  int rank, size;          /* the ranks of a distributed run (1 rank otherwise) */
  bucket inbox[MAX_THREADS]; /* rows other ranks sent, by partition */
  char *recv;                /* the bytes they came in (the rows' text points there) */
};

int cu_rfm_bucket_push(bucket *b, const cu_rfm_row *r);
/* The hash that places a row: its high 32 bits pick the rank that owns the
 * customer, its low bits the partition there. */
static inline uint64_t cu_rfm_row_hash(const cu_rfm_row *r) {
  return cu_mix64(r->flags & CU_RROW_CTEXT ? cu_hash_bytes(r->ctext, r->clen) : r->ck);
}
/* Sends every rank the rows routed to it and files the rows received in
 * sc->inbox by partition (a collective). */
int cu_rfm_exchange(scanner *sc, cu_err *e);
/* The summary of the partitions of every rank (a collective): see
 * rfm_exchange.c. */
int cu_rfm_distributed_result(scanner *sc, cu_frame **out, cu_rfm_info *info,
                              cu_rfm_scan_info *si, cu_err *e);

#endif
