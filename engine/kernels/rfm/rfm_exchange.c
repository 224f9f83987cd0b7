/* rfm_exchange.c: the summary scanner across the ranks of a distributed
 * run (see rfm_scan.c and docs/architecture.md, "Across MPI ranks"): the
 * rows each rank sends the ranks that own their customers, and the
 * summary put together from every rank's partitions. */
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "rfm_scan.h"

/* ----------------------------------------------------------- exchange -- */

/* A row on the wire: the fixed fields, then the customer's text padded to
 * 8 bytes. */
typedef struct wire {
  int64_t ts;
  double amount;
  uint64_t ck, ok, pk;
  uint32_t flags, clen;
} wire;

static size_t wire_size(const cu_rfm_row *r) {
  size_t text = r->flags & CU_RROW_CTEXT ? r->clen : 0;
  return sizeof(wire) + ((text + 7) & ~(size_t)7);
}

/* Sends every rank its rows and files the rows received by partition. */
int cu_rfm_exchange(scanner *sc, cu_err *e) {
  size_t *count = calloc(2 * (size_t)sc->size, sizeof *count), total = 0;
  if (!count) return cu_err_set(e, CU_ENOMEM, "out of memory");
  size_t *rcount = count + sc->size;
  for (int r = 0; r < sc->size; r++)
    for (int p = 0; p < sc->nthreads; p++) {
      const bucket *b = &sc->pc[p].remote[r];
      for (size_t i = 0; i < b->n; i++) count[r] += wire_size(&b->rows[i]);
    }
  for (int r = 0; r < sc->size; r++) total += count[r];
  char *send = malloc(total + 1), *at = send;
  if (!send) {
    free(count);
    return cu_err_set(e, CU_ENOMEM, "out of memory");
  }
  for (int r = 0; r < sc->size; r++)
    for (int p = 0; p < sc->nthreads; p++) {
      const bucket *b = &sc->pc[p].remote[r];
      for (size_t i = 0; i < b->n; i++) {
        const cu_rfm_row *x = &b->rows[i];
        wire w = {x->ts, x->amount, x->ck, x->ok, x->pk, x->flags,
                  x->flags & CU_RROW_CTEXT ? x->clen : 0};
        memcpy(at, &w, sizeof w);
        size_t pad = (w.clen + 7) & ~(size_t)7;
        if (w.clen) memcpy(at + sizeof w, x->ctext, w.clen);
        if (pad > w.clen) memset(at + sizeof w + w.clen, 0, pad - w.clen);
        at += sizeof w + pad;
      }
    }
  free(sc->recv);
  sc->recv = NULL;
  int rc = cu_dist_alltoallv(send, count, &sc->recv, rcount);
  free(send);
  for (int t = 0; t < sc->nthreads; t++) sc->inbox[t].n = 0;
  size_t got = 0;
  for (int r = 0; r < sc->size; r++) got += rcount[r];
  free(count);
  if (rc) return cu_err_set(e, CU_EIO, "the exchange of rows between ranks failed");
  for (const char *p = sc->recv, *end = sc->recv + got; p < end;) {
    wire w;
    memcpy(&w, p, sizeof w);
    cu_rfm_row row = {w.ts, w.amount, w.ck, w.ok, w.pk, NULL, w.clen, w.flags};
    if (w.flags & CU_RROW_CTEXT) row.ctext = p + sizeof w;
    p += sizeof w + ((w.clen + 7) & ~(size_t)7);
    uint32_t part = (uint32_t)cu_rfm_row_hash(&row) % (uint32_t)sc->nthreads;
    if (cu_rfm_bucket_push(&sc->inbox[part], &row))
      return cu_err_set(e, CU_ENOMEM, "out of memory");
  }
  return CU_OK;
}

/* The summary of the parts on every rank: the latest purchase, the
 * optional columns and the counts of all ranks; each rank's customers
 * gathered on rank 0, merged in customer order, and sent back to all. */
int cu_rfm_distributed_result(scanner *sc, cu_frame **out, cu_rfm_info *info,
                              cu_rfm_scan_info *si, cu_err *e) {
  int64_t g[5] = {INT64_MIN, INT64_MIN, 0, 0, 0};
  for (int t = 0; t < sc->nthreads; t++) {
    cu_rfm *a = sc->acc[t];
    if (a->max_p > g[0]) g[0] = a->max_p;
    if (a->max_ts > g[1]) g[1] = a->max_ts;
    g[2] |= a->has_orders;
    g[3] |= a->has_products;
    g[4] |= a->has_cancel;
  }
  if (cu_dist_max_i64(g, 5)) return cu_err_set(e, CU_EIO, "an exchange between ranks failed");
  for (int t = 0; t < sc->nthreads; t++) {
    cu_rfm *a = sc->acc[t];
    a->max_p = g[0];
    a->max_ts = g[1];
    a->has_orders = (int)g[2];
    a->has_products = (int)g[3];
    a->has_cancel = (int)g[4];
  }
  cu_frame *mine = NULL, *all = NULL;
  int st = cu_rfm_result_parts(sc->acc, (size_t)sc->nthreads, &mine, info, e);
  if (st) return st; /* an error on one rank stops them all (the host aborts) */
  uint64_t n[6] = {info->rows, info->skipped, info->excluded, info->ignored,
                   info->purchase_rows, si->rows};
  char *packed = NULL, *recv = NULL;
  size_t plen = 0;
  size_t *rcount = calloc((size_t)sc->size, sizeof *rcount);
  cu_frame **frames = calloc((size_t)sc->size, sizeof *frames);
  if (!rcount || !frames) {
    st = cu_err_set(e, CU_ENOMEM, "out of memory");
    goto out;
  }
  if (cu_dist_sum_u64(n, 6)) goto comm;
  info->rows = n[0];
  info->skipped = n[1];
  info->excluded = n[2];
  info->ignored = n[3];
  info->purchase_rows = n[4];
  si->rows = n[5];
  if (!sc->o->gather) { /* each rank keeps its own customers */
    *out = mine;
    mine = NULL;
    goto out;
  }
  if ((st = cu_frame_pack(mine, &packed, &plen, e))) goto out;
  cu_frame_release(mine); /* it travels packed */
  mine = NULL;
  if (cu_dist_gatherv(packed, plen, &recv, rcount)) goto comm;
  free(packed);
  packed = NULL;
  if (sc->rank == 0) {
    size_t at = 0;
    for (int r = 0; r < sc->size && !st; r++) {
      st = cu_frame_unpack(recv + at, rcount[r], &frames[r], e);
      at += rcount[r];
    }
    free(recv);
    recv = NULL;
    if (!st) st = cu_rfm_merge_frames(frames, (size_t)sc->size, &all, e);
    for (int r = 0; r < sc->size; r++) {
      cu_frame_release(frames[r]);
      frames[r] = NULL;
    }
    if (!st) st = cu_frame_pack(all, &packed, &plen, e);
    if (st) goto out;
  }
  if (cu_dist_bcast(&packed, &plen)) goto comm;
  if (sc->rank != 0 && (st = cu_frame_unpack(packed, plen, &all, e))) goto out;
  *out = all;
  all = NULL;
  goto out;
comm:
  st = cu_err_set(e, CU_EIO, "an exchange between ranks failed");
out:
  for (int r = 0; frames && r < sc->size; r++) cu_frame_release(frames[r]);
  free(frames);
  free(rcount);
  free(packed);
  free(recv);
  cu_frame_release(mine);
  cu_frame_release(all);
  return st;
}
