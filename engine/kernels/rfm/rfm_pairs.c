/* rfm_pairs.c: the (customer, key) pair maps of the summary accumulator:
 * allocation, growth, spilling sorted runs to a temporary file, and the
 * merged walk over table and runs (see rfm_pairs.h).  Split from rfm.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "rfm_pairs.h"



void cu_pmap_free(pmap *m) {
  if (m->spill) fclose(m->spill);
  free(m->run_off);
  free(m->run_len);
  m->spill = NULL;
  m->run_off = NULL;
  m->run_len = NULL;
  m->nruns = m->run_cap = 0;
  free(m->s);
  free(m->val);
  free(m->comp);
  m->s = NULL;
  m->val = m->comp = NULL;
  m->n = m->cap = 0;
}

int cu_pmap_alloc(pmap *m, size_t cap, int with_val) {
  m->cap = cap;
  m->n = 0;
  m->with_val = with_val;
  m->s = cu_alloc_large(cap * sizeof *m->s);
  m->val = with_val ? cu_alloc_large(cap * sizeof *m->val) : NULL;
  m->comp = with_val ? cu_alloc_large(cap * sizeof *m->comp) : NULL;
  if (!m->s || (with_val && (!m->val || !m->comp))) return -1;
  for (size_t j = 0; j < cap; j++) {
    m->s[j].a = EMPTY;
    m->s[j].flags = 0;
  }
  if (with_val) {
    memset(m->val, 0, cap * sizeof *m->val);
    memset(m->comp, 0, cap * sizeof *m->comp);
  }
  return 0;
}


int cu_pmap_resize(pmap *m, size_t cap) {
  pmap big = {0};
  if (cu_pmap_alloc(&big, cap, m->with_val)) {
    cu_pmap_free(&big);
    return -1;
  }
  for (size_t j = 0; j < m->cap; j++) {
    if (m->s[j].a == EMPTY) continue;
    size_t k = pmap_find(&big, m->s[j].a, m->s[j].b);
    big.s[k] = m->s[j];
    if (m->with_val) {
      big.val[k] = m->val[j];
      big.comp[k] = m->comp[j];
    }
  }
  big.n = m->n;
  big.gen = m->gen + 1;
  big.spill = m->spill, big.nruns = m->nruns, big.run_cap = m->run_cap;
  big.run_off = m->run_off, big.run_len = m->run_len;
  m->spill = NULL, m->run_off = NULL, m->run_len = NULL;
  cu_pmap_free(m);
  *m = big;
  return 0;
}

/* Makes room for `more` entries without moving slots during them. */
int cu_pmap_reserve(pmap *m, size_t more) {
  size_t cap = m->cap;
  while (PMAP_FULL(m->n + more, cap)) cap *= 2;
  return cap == m->cap ? 0 : cu_pmap_resize(m, cap);
}



/* --------------------------------------------------- spilling to disk -- */

static int cmp_prec(const void *x, const void *y) {
  const prec *p = x, *q = y;
  if (p->a != q->a) return p->a < q->a ? -1 : 1;
  return (p->b > q->b) - (p->b < q->b);
}

/* slot indices by their keys, within one customer (qsort_r: the slots are
 * the context) */
static int cmp_index_b(const void *x, const void *y, void *ctx) {
  const pslot *slots = ctx;
  uint64_t p = slots[*(const uint32_t *)x].b, q = slots[*(const uint32_t *)y].b;
  return (p > q) - (p < q);
}

/* Slot indices in (customer, key) order: a counting sort by customer (one
 * pass to count, one to place), then each customer's few keys sorted. */
static uint32_t *sorted_index(const pslot *s, size_t k, uint32_t max_a) {
  uint32_t *idx = malloc((k + 1) * sizeof *idx);
  size_t *at = calloc((size_t)max_a + 2, sizeof *at);
  if (!idx || !at) {
    free(idx);
    free(at);
    return NULL;
  }
  for (size_t i = 0; i < k; i++) at[s[i].a + 1]++;
  for (size_t c = 0; c <= max_a; c++) at[c + 1] += at[c];
  for (size_t i = 0; i < k; i++) idx[at[s[i].a]++] = (uint32_t)i;
  /* at[c] is now the end of customer c's run */
  for (size_t c = 0, from = 0; c <= max_a; c++) {
    size_t to = at[c], len = to - from;
    uint32_t *r = idx + from;
    if (len > 24) {
      qsort_r(r, len, sizeof *r, cmp_index_b, (void *)s);
    } else {
      for (size_t i = 1; i < len; i++) { /* insertion sort */
        uint32_t x = r[i];
        size_t j = i;
        while (j > 0 && s[r[j - 1]].b > s[x].b) {
          r[j] = r[j - 1];
          j--;
        }
        r[j] = x;
      }
    }
    from = to;
  }
  free(at);
  return idx;
}

/* Writes the table's entries as one sorted run and empties the table
 * (keeping its capacity).  The entries are packed to the front of the
 * table in place and a 4-byte index is sorted, so a spill needs little
 * memory beyond the table.  0 ok, -1 out of memory or disk. */
int cu_pmap_spill(pmap *m) {
  if (m->n == 0) return 0;
  size_t k = 0;
  uint32_t max_a = 0;
  for (size_t j = 0; j < m->cap; j++) {
    if (m->s[j].a == EMPTY) continue;
    if (m->s[j].a > max_a) max_a = m->s[j].a;
    if (k != j) {
      m->s[k] = m->s[j];
      if (m->with_val) {
        m->val[k] = m->val[j];
        m->comp[k] = m->comp[j];
      }
    }
    k++;
  }
  uint32_t *idx = sorted_index(m->s, k, max_a);
  int st = idx ? 0 : -1;
  if (!st && !m->spill && !(m->spill = tmpfile())) st = -1;
  if (!st && m->nruns == m->run_cap) {
    size_t cap = m->run_cap ? m->run_cap * 2 : 16;
    long *off = realloc(m->run_off, cap * sizeof *off);
    size_t *len = off ? realloc(m->run_len, cap * sizeof *len) : NULL;
    if (off) m->run_off = off;
    if (len) m->run_len = len;
    if (!off || !len)
      st = -1;
    else
      m->run_cap = cap;
  }
  if (!st && fseek(m->spill, 0, SEEK_END)) st = -1;
  if (!st) {
    m->run_off[m->nruns] = ftell(m->spill);
    m->run_len[m->nruns] = k;
    prec buf[1024];
    size_t nb = 0;
    for (size_t i = 0; i < k && !st; i++) {
      const pslot *ps = &m->s[idx[i]];
      prec r = {ps->a, ps->flags, ps->b, m->with_val ? m->val[idx[i]] + m->comp[idx[i]] : 0};
      buf[nb++] = r;
      if (nb == 1024 || i + 1 == k) {
        if (fwrite(buf, sizeof *buf, nb, m->spill) != nb) st = -1;
        nb = 0;
      }
    }
    if (!st) m->nruns++;
  }
  free(idx);
  if (st) return -1;
  for (size_t j = 0; j < m->cap; j++) {
    m->s[j].a = EMPTY;
    m->s[j].flags = 0;
  }
  if (m->with_val) {
    memset(m->val, 0, m->cap * sizeof *m->val);
    memset(m->comp, 0, m->cap * sizeof *m->comp);
  }
  m->n = 0;
  m->gen++;
  return 0;
}


typedef struct run_reader {
  size_t left; /* records not yet read from the file */
  long off;
  prec buf[1024];
  size_t pos, len;
} run_reader;

static int run_next(FILE *f, run_reader *r, prec *out) {
  if (r->pos == r->len) {
    if (r->left == 0) return 0;
    size_t want = r->left < 1024 ? r->left : 1024;
    if (fseek(f, r->off, SEEK_SET) || fread(r->buf, sizeof(prec), want, f) != want) return -1;
    r->off += (long)(want * sizeof(prec));
    r->left -= want;
    r->pos = 0;
    r->len = want;
  }
  *out = r->buf[r->pos++];
  return 1;
}

/* Calls fn once per distinct (customer, key), with flags OR-ed and values
 * summed over every run and the table.  0 ok, -1 on a read error. */
int cu_pmap_each(pmap *m, entry_fn fn, void *ud) {
  if (m->nruns == 0) { /* all in memory: no order needed */
    for (size_t j = 0; j < m->cap; j++)
      if (m->s[j].a != EMPTY)
        fn(ud, m->s[j].a, m->s[j].b, m->s[j].flags, m->with_val ? m->val[j] + m->comp[j] : 0);
    return 0;
  }
  if (cu_pmap_spill(m)) return -1; /* the rest becomes the last run */
  size_t k = m->nruns;
  run_reader *rr = calloc(k, sizeof *rr);
  prec *head = malloc(k * sizeof *head);
  size_t *heap = malloc(k * sizeof *heap); /* run numbers, min-heap on head */
  int st = 0;
  size_t hn = 0;
  if (!rr || !head || !heap) st = -1;
  for (size_t i = 0; i < k && !st; i++) {
    rr[i].left = m->run_len[i];
    rr[i].off = m->run_off[i];
    int got = run_next(m->spill, &rr[i], &head[i]);
    if (got < 0)
      st = -1;
    else if (got) {
      size_t c = hn++; /* sift up */
      heap[c] = i;
      while (c > 0 && cmp_prec(&head[heap[(c - 1) / 2]], &head[heap[c]]) > 0) {
        size_t t = heap[c];
        heap[c] = heap[(c - 1) / 2];
        heap[(c - 1) / 2] = t;
        c = (c - 1) / 2;
      }
    }
  }
  int have = 0;
  prec cur = {0};
  while (!st && hn > 0) {
    size_t top = heap[0];
    prec x = head[top];
    if (have && x.a == cur.a && x.b == cur.b) {
      cur.flags |= x.flags;
      cur.val += x.val;
    } else {
      if (have) fn(ud, cur.a, cur.b, cur.flags, cur.val);
      cur = x;
      have = 1;
    }
    int got = run_next(m->spill, &rr[top], &head[top]);
    if (got < 0) {
      st = -1;
      break;
    }
    if (!got) heap[0] = heap[--hn];
    for (size_t c = 0;;) { /* sift down */
      size_t l = 2 * c + 1, r = l + 1, s = c;
      if (l < hn && cmp_prec(&head[heap[l]], &head[heap[s]]) < 0) s = l;
      if (r < hn && cmp_prec(&head[heap[r]], &head[heap[s]]) < 0) s = r;
      if (s == c) break;
      size_t t = heap[c];
      heap[c] = heap[s];
      heap[s] = t;
      c = s;
    }
  }
  if (!st && have) fn(ud, cur.a, cur.b, cur.flags, cur.val);
  free(rr);
  free(head);
  free(heap);
  return st;
}

