/* csv_parse.c: the CSV reader's inner work (csv.c drives it): the libcsv
 * callbacks that parse one piece of a block into a thread's typed column
 * buffers, the thread contexts, the commit that appends both threads'
 * rows to the frame's columns in order (in two threads), and the widening
 * of committed values when a later value does not fit the inferred type.
 * Private to io/: declared in csv_reader.h. */
#include <csv.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv_io.h"
#include "csv_reader.h"
#include "datetime.h"
#include "parse.h"

/* ------------------------------------------------------------ helpers -- */

static int grow_colbuf(tctx *t, size_t cap) {
  reader *rd = t->rd;
  for (size_t c = 0; c < rd->ncols; c++) {
    colbuf *b = &t->cols[c];
    void *d = realloc(b->data, cap * cu_type_width(rd->cols[c].type));
    if (!d) return -1;
    b->data = d;
    if (b->valid) {
      uint8_t *v = realloc(b->valid, cap);
      if (!v) return -1;
      b->valid = v;
    }
  }
  t->cap = cap;
  return 0;
}

static void tctx_fail(tctx *t, int kind, size_t field, const char *s, size_t len) {
  if (t->stop) return;
  t->stop = 1;
  t->kind = kind;
  t->err_rec = t->records;
  t->err_field = field;
  size_t n = len < sizeof t->err_text - 1 ? len : sizeof t->err_text - 1;
  if (s) memcpy(t->err_text, s, n);
  t->err_text[s ? n : 0] = 0;
}

int cu_csvr_is_na(const reader *rd, const char *s, size_t len) {
  if (len == 0) return 1;
  for (size_t k = 0; k < rd->o->nna; k++)
    if (strlen(rd->o->na[k]) == len && !memcmp(rd->o->na[k], s, len)) return 1;
  return 0;
}

static int parse_ts(const gcol *g, const char *s, size_t len, int64_t *v) {
  if (g->pattern) return cu_ts_parse_pattern(s, len, g->pattern, v);
  return cu_ts_parse(s, len, g->tsf, v);
}

/* Widest type a value that failed column g's type needs. */
static cu_type widen_for(const gcol *g, const char *s, size_t len) {
  double f;
  if (g->type == CU_I64 && !cu_parse_f64(s, len, &f)) return CU_F64;
  return CU_STR;
}

/* ---------------------------------------------------- libcsv callbacks -- */

static void on_field(void *sv, size_t len, void *ud) {
  tctx *t = ud;
  reader *rd = t->rd;
  const char *s = sv ? sv : "";
  if (t->stop) return;
  if (rd->o->whitespace && len == 0) return; /* runs of blanks */
  size_t c = t->field++;
  if (c >= rd->ncols || t->row_bad || rd->cols[c].skip) return;
  gcol *g = &rd->cols[c];
  colbuf *b = &t->cols[c];
  size_t r = t->nrows;
  if (cu_csvr_is_na(rd, s, len)) {
    if (!b->valid) {
      b->valid = malloc(t->cap);
      if (!b->valid) {
        tctx_fail(t, K_NOMEM, c, NULL, 0);
        return;
      }
      memset(b->valid, 1, t->cap);
    }
    b->valid[r] = 0;
    if (g->type == CU_STR) ((int32_t *)b->data)[r] = 0;
    return;
  }
  int ok = 1;
  switch (g->type) {
  case CU_F64: ok = !cu_parse_f64(s, len, (double *)b->data + r); break;
  case CU_I64:
    ok = !cu_parse_i64(s, len, (int64_t *)b->data + r);
    if (ok && !b->noncanon && !cu_i64_is_canonical(s, len)) b->noncanon = 1;
    break;
  case CU_TS: ok = !parse_ts(g, s, len, (int64_t *)b->data + r); break;
  case CU_BOOL: {
    int v;
    ok = !cu_parse_bool(s, len, &v);
    ((uint8_t *)b->data)[r] = (uint8_t)v;
    break;
  }
  case CU_STR: {
    int32_t code = b->last;
    if (code < 0 || b->ldict->len[code] != len ||
        memcmp(b->ldict->arena + b->ldict->off[code], s, len))
      b->last = code = cu_dict_intern(b->ldict, s, len);
    if (code < 0) {
      tctx_fail(t, K_NOMEM, c, NULL, 0);
      return;
    }
    ((int32_t *)b->data)[r] = code;
    break;
  }
  }
  if (!ok) {
    if (!g->declared) {
      t->conflict_to = widen_for(g, s, len);
      tctx_fail(t, K_CONFLICT, c, s, len);
    } else if (rd->o->skip_bad_rows) {
      t->row_bad = 1;
    } else {
      tctx_fail(t, K_BADVALUE, c, s, len);
    }
    return;
  }
  if (b->valid) b->valid[r] = 1;
}

static void on_row(int term, void *ud) {
  tctx *t = ud;
  reader *rd = t->rd;
  (void)term;
  if (t->stop) return;
  size_t nf = t->field;
  t->field = 0;
  if (rd->o->whitespace && nf == 0) return; /* a blank line */
  if (nf != rd->ncols && !t->row_bad) {
    if (!rd->o->skip_bad_rows) {
      t->err_nfields = nf;
      tctx_fail(t, K_RAGGED, nf < rd->ncols ? nf : rd->ncols, NULL, 0);
      return;
    }
    t->row_bad = 1;
  }
  if (t->row_bad) {
    if (t->nskipped < CU_CSV_MAX_SKIPPED_LINES) t->skipped_rec[t->nskipped] = t->records;
    t->nskipped++;
    t->row_bad = 0;
    t->records++;
    return;
  }
  t->records++;
  if (++t->nrows == t->cap && grow_colbuf(t, t->cap * 2)) tctx_fail(t, K_NOMEM, 0, NULL, 0);
}

/* -------------------------------------------------------- thread work -- */

void *cu_csvr_parse_piece(void *arg) {
  tctx *t = arg;
  csv_parse(&t->p, t->piece, t->piece_len, on_field, on_row, t);
  if (t->final && !t->stop) {
    /* libcsv reports an open quote at the end only in strict mode, which
     * would also reject stray quotes inside fields; check it here. */
    if (t->p.pstate == FIELD_BEGUN && t->p.quoted)
      t->fini_failed = 1;
    else
      csv_fini(&t->p, on_field, on_row, t);
  }
  return NULL;
}

/* libcsv grows a field's buffer by a fixed 128 bytes per call, so a long
 * field costs a realloc every 128 bytes (quadratic where realloc copies, as
 * under AddressSanitizer).  These keep the buffer's capacity in a header
 * and grow it geometrically; libcsv's small steps then cost nothing. */
#define FIELD_HDR 16 /* keeps the buffer max_align_t aligned */
static void *field_realloc(void *p, size_t size) {
  size_t *h = p ? (size_t *)((char *)p - FIELD_HDR) : NULL;
  if (h && h[0] >= size) return p;
  size_t cap = h ? h[0] * 2 : 256;
  if (cap < size) cap = size;
  if (cap > SIZE_MAX - FIELD_HDR) return NULL;
  size_t *n = realloc(h, cap + FIELD_HDR);
  if (!n) return NULL;
  n[0] = cap;
  return (char *)n + FIELD_HDR;
}
static void field_free(void *p) {
  if (p) free((char *)p - FIELD_HDR);
}

/* csv_init with the growth above; 0 ok. */
int cu_csvr_parser_init(struct csv_parser *p, unsigned char options) {
  if (csv_init(p, options)) return -1;
  csv_set_realloc_func(p, field_realloc);
  csv_set_free_func(p, field_free);
  return 0;
}

int cu_csvr_tctx_init(tctx *t, reader *rd, int id, size_t cap) {
  memset(t, 0, sizeof *t);
  t->rd = rd;
  t->id = id;
  if (cu_csvr_parser_init(&t->p, CSV_APPEND_NULL)) return -1;
  t->p_ok = 1;
  csv_set_delim(&t->p, (unsigned char)rd->delim);
  csv_set_quote(&t->p, (unsigned char)rd->quote);
  t->cols = calloc(rd->ncols ? rd->ncols : 1, sizeof *t->cols);
  if (!t->cols) return -1;
  for (size_t c = 0; c < rd->ncols; c++) {
    if (!(t->cols[c].ldict = cu_dict_new())) return -1;
    t->cols[c].last = -1;
  }
  return grow_colbuf(t, cap < 16 ? 16 : cap);
}

void cu_csvr_tctx_free(tctx *t) {
  if (t->p_ok) csv_free(&t->p);
  if (t->cols)
    for (size_t c = 0; c < t->rd->ncols; c++) {
      free(t->cols[c].data);
      free(t->cols[c].valid);
      cu_dict_release(t->cols[c].ldict);
    }
  free(t->cols);
  memset(t, 0, sizeof *t);
}

/* Forgets parsed rows; keep_partial moves the row being parsed to row 0. */
void cu_csvr_tctx_reset(tctx *t, int keep_partial) {
  reader *rd = t->rd;
  for (size_t c = 0; c < rd->ncols; c++) {
    colbuf *b = &t->cols[c];
    size_t w = cu_type_width(rd->cols[c].type);
    if (keep_partial && t->nrows) {
      memcpy(b->data, (char *)b->data + t->nrows * w, w);
      if (b->valid) b->valid[0] = b->valid[t->nrows];
    }
    b->noncanon = 0;
  }
  t->nrows = 0;
  t->records = 0;
  t->nskipped = 0;
  if (!keep_partial) t->field = 0, t->row_bad = 0;
}

/* Restarts a parser that ended in the middle of a row. */
int cu_csvr_tctx_new_parser(tctx *t) {
  reader *rd = t->rd;
  if (t->p_ok) csv_free(&t->p);
  t->p_ok = 0;
  if (cu_csvr_parser_init(&t->p, CSV_APPEND_NULL)) return -1;
  t->p_ok = 1;
  csv_set_delim(&t->p, (unsigned char)rd->delim);
  csv_set_quote(&t->p, (unsigned char)rd->quote);
  t->field = 0;
  t->row_bad = 0;
  return 0;
}

/* ------------------------------------------------------------- commit -- */

int cu_csvr_gcol_reserve(gcol *g, size_t need) {
  if (need <= g->cap) return 0;
  if (g->cap == 0 && !g->data) { /* first, presized allocation */
    if (!(g->data = cu_alloc_large(need * cu_type_width(g->type)))) return -1;
    if (g->valid) { /* a mask made while the column had no room grows with it */
      uint8_t *v = realloc(g->valid, need);
      if (!v) return -1;
      g->valid = v;
    }
    g->cap = need;
    return 0;
  }
  size_t cap = g->cap ? g->cap + g->cap / 2 : 1024;
  if (cap < need) cap = need;
  void *d = realloc(g->data, cap * cu_type_width(g->type));
  if (!d) return -1;
  g->data = d;
  if (g->valid) {
    uint8_t *v = realloc(g->valid, cap);
    if (!v) return -1;
    g->valid = v;
  }
  g->cap = cap;
  return 0;
}

/* Appending a thread's rows to the frame's columns has a serial part (room,
 * dictionary codes for strings new to the frame, validity masks) and a copy
 * that two threads can do at once into disjoint rows. */
static int commit_prepare(reader *rd, tctx *t, size_t at) {
  size_t n = t->nrows;
  for (size_t c = 0; c < rd->ncols; c++) {
    gcol *g = &rd->cols[c];
    colbuf *b = &t->cols[c];
    if (g->skip) continue;
    if (cu_csvr_gcol_reserve(g, at + n)) return -1;
    if (g->type == CU_STR && g->nremap[t->id] < b->ldict->n) {
      cu_dict *ld = b->ldict;
      int32_t have = g->nremap[t->id];
      int32_t *m = realloc(g->remap[t->id], (size_t)ld->n * sizeof *m);
      if (!m) return -1;
      g->remap[t->id] = m;
      for (int32_t k = have; k < ld->n; k++) {
        size_t len;
        const char *s = cu_dict_str(ld, k, &len);
        if ((m[k] = cu_dict_intern_h(g->dict, s, len, ld->hash[k])) < 0) return -1;
      }
      g->nremap[t->id] = ld->n;
    }
    if (b->valid && !g->valid) {
      if (!(g->valid = malloc(g->cap ? g->cap : 1))) return -1;
      memset(g->valid, 1, at);
    }
    g->noncanon |= b->noncanon;
  }
  return 0;
}

static void commit_copy(reader *rd, tctx *t, size_t at) {
  size_t n = t->nrows;
  if (n == 0) return; /* the columns may have no buffers yet */
  for (size_t c = 0; c < rd->ncols; c++) {
    gcol *g = &rd->cols[c];
    colbuf *b = &t->cols[c];
    if (g->skip) continue;
    size_t w = cu_type_width(g->type);
    if (g->type == CU_STR) {
      const int32_t *src = b->data, *m = g->remap[t->id];
      int32_t *dst = (int32_t *)g->data + at;
      if (b->valid) /* a missing row's local code may not exist */
        for (size_t i = 0; i < n; i++) dst[i] = b->valid[i] ? m[src[i]] : 0;
      else
        for (size_t i = 0; i < n; i++) dst[i] = m[src[i]];
    } else {
      memcpy((char *)g->data + at * w, b->data, n * w);
    }
    if (g->valid) {
      if (b->valid)
        memcpy(g->valid + at, b->valid, n);
      else
        memset(g->valid + at, 1, n);
    }
  }
}

static void commit_count(reader *rd, tctx *t) {
  rd->nrows += t->nrows;
  rd->records += t->records;
  if (rd->info) {
    for (size_t k = 0; k < t->nskipped && k < CU_CSV_MAX_SKIPPED_LINES; k++) {
      size_t slot = rd->info->skipped + k;
      if (slot < CU_CSV_MAX_SKIPPED_LINES)
        rd->info->skipped_lines[slot] = (long)(rd->records - t->records + t->skipped_rec[k]);
    }
    rd->info->skipped += t->nskipped;
  }
}

typedef struct copy_job {
  reader *rd;
  tctx *t;
  size_t at;
} copy_job;

static void *copy_thread(void *arg) {
  copy_job *j = arg;
  commit_copy(j->rd, j->t, j->at);
  return NULL;
}

/* Appends the rows of a (and of b when given) in that order. */
int cu_csvr_commit(reader *rd, tctx *a, tctx *b) {
  size_t at_a = rd->nrows, at_b = at_a + a->nrows;
  if (commit_prepare(rd, a, at_a) || (b && commit_prepare(rd, b, at_b))) return -1;
  pthread_t th;
  copy_job job = {rd, b, at_b};
  int threaded = b && pthread_create(&th, NULL, copy_thread, &job) == 0;
  commit_copy(rd, a, at_a);
  if (threaded)
    pthread_join(th, NULL);
  else if (b)
    commit_copy(rd, b, at_b);
  commit_count(rd, a);
  if (b) commit_count(rd, b);
  return 0;
}

/* Widens committed values of column c in place; -1 when they cannot be
 * rebuilt (the caller re-reads the file). */
int cu_csvr_promote(reader *rd, size_t c, cu_type to) {
  gcol *g = &rd->cols[c];
  if (g->type == CU_I64 && to == CU_F64) {
    int64_t *src = g->data;
    double *dst = g->data; /* same width: convert in place */
    for (size_t i = 0; i < rd->nrows; i++) dst[i] = (double)src[i];
  } else if (g->type == CU_I64 && to == CU_STR && !g->noncanon) {
    int32_t *codes = malloc((g->cap ? g->cap : 1) * sizeof *codes);
    cu_dict *d = cu_dict_new();
    if (!codes || !d) {
      free(codes);
      cu_dict_release(d);
      return -2;
    }
    const int64_t *src = g->data;
    for (size_t i = 0; i < rd->nrows; i++) {
      char buf[32];
      int len = snprintf(buf, sizeof buf, "%lld", (long long)src[i]);
      codes[i] = (g->valid && !g->valid[i]) ? 0 : cu_dict_intern(d, buf, (size_t)len);
      if (codes[i] < 0) {
        free(codes);
        cu_dict_release(d);
        return -2;
      }
    }
    free(g->data);
    g->data = codes;
    g->dict = d;
  } else {
    return -1;
  }
  g->type = to;
  /* thread buffers hold the old width: resize them */
  for (int k = 0; k < 2; k++) {
    tctx *t = &rd->t[k];
    if (!t->cols) continue;
    void *nd = realloc(t->cols[c].data, t->cap * cu_type_width(to));
    if (!nd) return -2;
    t->cols[c].data = nd;
  }
  return 0;
}

