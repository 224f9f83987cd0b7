/* rfm_pairs.h: hash maps of (customer, key) pairs for the summary
 * accumulator, which spill sorted runs to a temporary file when they
 * outgrow the memory budget (rfm_pairs.c); the per-row lookups are inline
 * here.  Private to rfm/. */
#ifndef CU_RFM_PAIRS_H
#define CU_RFM_PAIRS_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "hash.h"

#define EMPTY UINT32_MAX

/* One slot is 16 bytes, so a probe touches one cache line. */
typedef struct pslot {
  uint32_t a;     /* customer index; EMPTY marks a free slot */
  uint32_t flags; /* orders: 1 purchase, 2 cancellation */
  uint64_t b;     /* period start, order key or product key */
} pslot;

typedef struct pmap {
  size_t n, cap;
  pslot *s;
  double *val;  /* per slot, for maps that sum values (periods) */
  double *comp; /* their Neumaier compensation */
  int with_val;
  unsigned gen; /* bumped when slots move, so a remembered slot is stale */
  /* runs spilled to a temporary file when the tables outgrow the memory
   * budget: each run is sorted by (customer, key) */
  FILE *spill;
  size_t nruns, run_cap;
  long *run_off;
  size_t *run_len;
} pmap;

/* A spilled entry. */
typedef struct prec {
  uint32_t a, flags;
  uint64_t b;
  double val;
} prec;

/* at most 70% full: linear probing stays short */
#define PMAP_FULL(n, cap) ((n)*10 > (cap)*7)

static inline uint64_t pmap_hash(uint32_t a, uint64_t b) {
  return cu_mix64(b ^ ((uint64_t)a << 40) ^ a);
}

static inline size_t pmap_find(const pmap *m, uint32_t a, uint64_t b) {
  size_t j = pmap_hash(a, b) & (m->cap - 1);
  while (m->s[j].a != EMPTY && (m->s[j].a != a || m->s[j].b != b)) j = (j + 1) & (m->cap - 1);
  return j;
}

/* s += v with Neumaier's compensation kept in *c (read as s + c). */
static inline void neumaier(double *s, double *c, double v) {
  double t = *s + v;
  *c += fabs(*s) >= fabs(v) ? (*s - t) + v : (v - t) + *s;
  *s = t;
}

void cu_pmap_free(pmap *m);
int cu_pmap_alloc(pmap *m, size_t cap, int with_val);
int cu_pmap_resize(pmap *m, size_t cap);
/* Makes room for `more` entries without moving slots during them. */
int cu_pmap_reserve(pmap *m, size_t more);
/* Writes the table's entries as one sorted run and empties the table. */
int cu_pmap_spill(pmap *m);

/* Slot of (a, b), inserted when new; SIZE_MAX when out of memory. */
static inline size_t pmap_put(pmap *m, uint32_t a, uint64_t b) {
  if (PMAP_FULL(m->n + 1, m->cap) && cu_pmap_resize(m, m->cap * 2)) return SIZE_MAX;
  size_t j = pmap_find(m, a, b);
  if (m->s[j].a == EMPTY) {
    m->s[j].a = a;
    m->s[j].b = b;
    m->n++;
  }
  return j;
}

typedef void (*entry_fn)(void *ud, uint32_t a, uint64_t b, uint32_t flags, double val);
/* Calls fn for every entry, merging the spilled runs with the table in
 * (customer, key) order; 0 ok, -1 out of memory or disk. */
int cu_pmap_each(pmap *m, entry_fn fn, void *ud);

#endif
