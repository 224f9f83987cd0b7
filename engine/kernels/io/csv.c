/* csv.c: streaming, two-threaded CSV reader on libcsv (the writer is
 * csv_write.c).
 *
 * Reading, block by block:
 *   1. read up to block_size bytes after the carried-over partial row;
 *   2. cut the block after its last newline and split it after a newline
 *      near the middle;
 *   3. parse the halves concurrently, each with its own libcsv parser and
 *      its own typed column buffers;
 *   4. accept the split only if the first parser ended between rows
 *      (libcsv's pstate 0): a newline inside a quoted field makes the guess
 *      wrong, and then the rest of the file is parsed serially by one
 *      parser, which is always right;
 *   5. append both halves to the frame's columns in order.
 * Types come from the first infer_rows rows.  A later value that does not
 * fit an inferred type widens the column (int to float in place, int to
 * string by re-formatting when every integer so far was written
 * canonically) and the block is parsed again; when the old values cannot be
 * rebuilt, the file is read again with the wider type.  Errors carry the
 * record number; the physical line is recovered only on that error path by
 * feeding libcsv the file line by line. */
#include "csv_io.h"

#include <csv.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "datetime.h"
#include "parse.h"

#define ROW_NOT_BEGUN 0 /* libcsv's parser states (libcsv.c) */
#define FIELD_BEGUN 2

enum { K_NONE, K_RAGGED, K_BADVALUE, K_CONFLICT, K_NOMEM };

/* Candidate types during inference. */
enum { C_BOOL = 1, C_I64 = 2, C_F64 = 4, C_ISO = 8, C_MDY = 16, C_DMY = 32, C_YMD8 = 64 };

typedef struct gcol {
  char *name;
  cu_type type;
  int declared; /* the user named the type: a misfit is an error */
  cu_ts_format tsf;
  const char *pattern;
  void *data;
  uint8_t *valid;
  size_t cap;
  cu_dict *dict;
  int32_t *remap[2]; /* thread-local dictionary code -> global code */
  int32_t nremap[2];
  int noncanon;
  int skip; /* not in `columns`: parsed by libcsv, never converted */
} gcol;

typedef struct colbuf {
  void *data;
  uint8_t *valid;
  cu_dict *ldict;
  int32_t last; /* code of the previous row's string: order lines repeat
                   invoice numbers and countries, so most lookups hit here */
  int noncanon;
} colbuf;

struct reader;

typedef struct tctx {
  struct reader *rd;
  int id;
  struct csv_parser p;
  int p_ok;
  colbuf *cols;
  size_t cap, nrows, field, records;
  int row_bad, stop;
  size_t nskipped;
  size_t skipped_rec[CU_CSV_MAX_SKIPPED_LINES];
  int kind;
  size_t err_rec;
  size_t err_field, err_nfields;
  char err_text[48];
  cu_type conflict_to;
  const char *piece;
  size_t piece_len;
  int final;
  int fini_failed;
} tctx;

typedef struct reader {
  const cu_csv_options *o;
  const char *path, *shown;
  char delim, quote;
  size_t ncols;
  gcol *cols;
  size_t nrows, records; /* committed rows (this chunk) and libcsv records */
  size_t delivered;      /* rows already handed to on_chunk */
  tctx t[2];
  cu_csv_info *info;
} reader;

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

static int is_na(const reader *rd, const char *s, size_t len) {
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
  if (is_na(rd, s, len)) {
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

static void *parse_piece(void *arg) {
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
static int parser_init(struct csv_parser *p, unsigned char options) {
  if (csv_init(p, options)) return -1;
  csv_set_realloc_func(p, field_realloc);
  csv_set_free_func(p, field_free);
  return 0;
}

static int tctx_init(tctx *t, reader *rd, int id, size_t cap) {
  memset(t, 0, sizeof *t);
  t->rd = rd;
  t->id = id;
  if (parser_init(&t->p, CSV_APPEND_NULL)) return -1;
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

static void tctx_free(tctx *t) {
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
static void tctx_reset(tctx *t, int keep_partial) {
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
static int tctx_new_parser(tctx *t) {
  reader *rd = t->rd;
  if (t->p_ok) csv_free(&t->p);
  t->p_ok = 0;
  if (parser_init(&t->p, CSV_APPEND_NULL)) return -1;
  t->p_ok = 1;
  csv_set_delim(&t->p, (unsigned char)rd->delim);
  csv_set_quote(&t->p, (unsigned char)rd->quote);
  t->field = 0;
  t->row_bad = 0;
  return 0;
}

/* ------------------------------------------------------------- commit -- */

static int gcol_reserve(gcol *g, size_t need) {
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
    if (gcol_reserve(g, at + n)) return -1;
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
static int commit(reader *rd, tctx *a, tctx *b) {
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
static int promote(reader *rd, size_t c, cu_type to) {
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

/* -------------------------------------------------- locating an error -- */

typedef struct locate_ctx {
  size_t rec;
} locate_ctx;
static void loc_field(void *s, size_t l, void *d) { (void)s, (void)l, (void)d; }
static void loc_row(int c, void *d) {
  (void)c;
  ((locate_ctx *)d)->rec++;
}

/* Physical line (1-based) where each of the records starts; a record past
 * the end gives the line where the unfinished last record starts. */
static void locate_lines(const reader *rd, const size_t *recs, size_t n, long *lines) {
  for (size_t k = 0; k < n; k++) lines[k] = 0;
  gzFile fh = gzopen(rd->path, "rb");
  if (!fh) return;
  struct csv_parser p;
  if (parser_init(&p, 0)) {
    gzclose(fh);
    return;
  }
  csv_set_delim(&p, (unsigned char)rd->delim);
  csv_set_quote(&p, (unsigned char)rd->quote);
  locate_ctx lc = {0};
  char *line = NULL;
  size_t cap = 0, len = 0, found = 0;
  long lineno = 0, start = 1;
  char buf[65536];
  int got, done = 0;
  while (!done && found < n) {
    got = gzread(fh, buf, sizeof buf);
    if (got <= 0) {
      done = 1;
      got = 0;
    }
    for (int i = 0; i < got || (done && len > 0 && i == got); i++) {
      int eol = i < got && buf[i] == '\n';
      if (i < got) {
        if (len + 1 > cap) {
          size_t nc = cap ? cap * 2 : 4096;
          char *nl = realloc(line, nc);
          if (!nl) goto out;
          line = nl;
          cap = nc;
        }
        line[len++] = rd->o->whitespace && buf[i] == '\t' ? ' ' : buf[i];
      }
      if (!eol && i < got) continue;
      lineno++;
      if (p.pstate == ROW_NOT_BEGUN) start = lineno;
      size_t before = lc.rec;
      csv_parse(&p, line, len, loc_field, loc_row, &lc);
      len = 0;
      for (size_t r = before; r < lc.rec; r++)
        for (size_t k = 0; k < n; k++)
          if (recs[k] == r && !lines[k]) lines[k] = start, found++;
      if (i == got) break;
    }
  }
  for (size_t k = 0; k < n; k++)
    if (!lines[k]) lines[k] = start;
out:
  free(line);
  csv_free(&p);
  gzclose(fh);
}

static int report(reader *rd, tctx *t, size_t rec_base, cu_err *e) {
  size_t rec = rec_base + t->err_rec + !rd->o->no_header;
  long line;
  locate_lines(rd, &rec, 1, &line);
  size_t c = t->err_field;
  e->line = line;
  e->column = (int)c + 1;
  switch (t->kind) {
  case K_RAGGED:
    e->column = 0;
    return cu_err_set(e, CU_EPARSE, "%s:%ld: expected %zu fields, found %zu", rd->shown, line,
                      rd->ncols, t->err_nfields);
  case K_BADVALUE: {
    const gcol *g = &rd->cols[c];
    return cu_err_set(e, CU_EPARSE, "%s:%ld: column %zu (%s): cannot read '%s' as %s%s%s",
                      rd->shown, line, c + 1, g->name, t->err_text, cu_type_name(g->type),
                      g->pattern ? " with format " : "", g->pattern ? g->pattern : "");
  }
  default: return cu_err_set(e, CU_ENOMEM, "%s: out of memory", rd->shown);
  }
}

/* ------------------------------------------------------ header & types -- */

/* End of the first record (after its newline), honouring quotes. */
static size_t record_end(const char *s, size_t n, char quote) {
  int inq = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == quote)
      inq = !inq;
    else if (s[i] == '\n' && !inq)
      return i + 1;
  }
  return n;
}

static char guess_delim(const char *s, size_t n, char quote) {
  static const char cand[] = {',', '\t', ';', '|'};
  size_t count[4] = {0};
  int inq = 0;
  for (size_t i = 0; i < n && s[i] != '\n'; i++) {
    if (s[i] == quote) inq = !inq;
    if (inq) continue;
    for (int k = 0; k < 4; k++) count[k] += s[i] == cand[k];
  }
  int best = 0;
  for (int k = 1; k < 4; k++)
    if (count[k] > count[best]) best = k;
  return cand[best];
}

typedef struct names_ctx {
  char **names;
  size_t n, cap;
  int whitespace, failed;
} names_ctx;

static void names_field(void *s, size_t len, void *ud) {
  names_ctx *nc = ud;
  if (nc->whitespace && len == 0) return;
  if (nc->n == nc->cap) {
    size_t cap = nc->cap ? nc->cap * 2 : 16;
    char **nn = realloc(nc->names, cap * sizeof *nn);
    if (!nn) {
      nc->failed = 1;
      return;
    }
    nc->names = nn;
    nc->cap = cap;
  }
  char *copy = strndup(s ? s : "", len);
  if (!copy) {
    nc->failed = 1;
    return;
  }
  nc->names[nc->n++] = copy;
}
static void names_row(int c, void *ud) { (void)c, (void)ud; }

typedef struct infer_ctx {
  reader *rd;
  unsigned *cand;
  int *seen;
  size_t field;
} infer_ctx;

static void infer_field(void *sv, size_t len, void *ud) {
  infer_ctx *ic = ud;
  const char *s = sv ? sv : "";
  if (ic->rd->o->whitespace && len == 0) return;
  size_t c = ic->field++;
  if (c >= ic->rd->ncols || ic->rd->cols[c].skip || is_na(ic->rd, s, len)) return;
  unsigned m = ic->cand[c];
  int64_t iv;
  double fv;
  int bv;
  if ((m & C_I64) && cu_parse_i64(s, len, &iv)) m &= ~(unsigned)C_I64;
  if ((m & C_F64) && cu_parse_f64(s, len, &fv)) m &= ~(unsigned)C_F64;
  if ((m & C_BOOL) && cu_parse_bool(s, len, &bv)) m &= ~(unsigned)C_BOOL;
  if ((m & C_ISO) && cu_ts_parse(s, len, CU_TSF_ISO, &iv)) m &= ~(unsigned)C_ISO;
  if ((m & C_MDY) && cu_ts_parse(s, len, CU_TSF_MDY, &iv)) m &= ~(unsigned)C_MDY;
  if ((m & C_DMY) && cu_ts_parse(s, len, CU_TSF_DMY, &iv)) m &= ~(unsigned)C_DMY;
  if ((m & C_YMD8) && cu_ts_parse(s, len, CU_TSF_YMD8, &iv)) m &= ~(unsigned)C_YMD8;
  ic->cand[c] = m;
  ic->seen[c] = 1;
}
static void infer_row(int c, void *ud) {
  (void)c;
  ((infer_ctx *)ud)->field = 0;
}

static const cu_csv_coltype *find_override(const cu_csv_options *o, const char *name) {
  for (size_t k = 0; k < o->ntypes; k++)
    if (!strcmp(o->types[k].name, name)) return &o->types[k];
  return NULL;
}

/* Chooses each column's type from the sample s[0..n). */
static int infer_types(reader *rd, const char *s, size_t n, cu_err *e) {
  unsigned *cand = malloc(rd->ncols * sizeof *cand);
  int *seen = calloc(rd->ncols, sizeof *seen);
  if (!cand || !seen) {
    free(cand);
    free(seen);
    return cu_err_set(e, CU_ENOMEM, "out of memory");
  }
  for (size_t c = 0; c < rd->ncols; c++)
    cand[c] = C_BOOL | C_I64 | C_F64 | C_ISO | C_MDY | C_DMY | C_YMD8;
  infer_ctx ic = {rd, cand, seen, 0};
  struct csv_parser p;
  if (parser_init(&p, CSV_APPEND_NULL) == 0) {
    csv_set_delim(&p, (unsigned char)rd->delim);
    csv_set_quote(&p, (unsigned char)rd->quote);
    csv_parse(&p, s, n, infer_field, infer_row, &ic);
    csv_free(&p);
  }
  int st = CU_OK;
  for (size_t c = 0; c < rd->ncols && !st; c++) {
    gcol *g = &rd->cols[c];
    unsigned m = cand[c];
    const cu_csv_coltype *ov = find_override(rd->o, g->name);
    if (ov) {
      g->type = ov->type;
      g->declared = 1;
      g->pattern = ov->pattern;
      if (ov->type == CU_TS && !ov->pattern) {
        if (m & C_ISO)
          g->tsf = CU_TSF_ISO;
        else if (m & C_MDY)
          g->tsf = CU_TSF_MDY;
        else if (m & C_DMY)
          g->tsf = CU_TSF_DMY;
        else if (m & C_YMD8)
          g->tsf = CU_TSF_YMD8;
        else if (seen[c])
          st = cu_err_set(e, CU_EPARSE,
                          "%s: column %zu (%s): no known date format fits "
                          "(give one, e.g. \"timestamp:%%d.%%m.%%Y\")",
                          rd->shown, c + 1, g->name);
      }
      continue;
    }
    if (!seen[c])
      g->type = CU_STR;
    else if (m & C_I64)
      g->type = CU_I64;
    else if (m & C_F64)
      g->type = CU_F64;
    else if (m & C_BOOL)
      g->type = CU_BOOL;
    else if (m & C_ISO)
      g->type = CU_TS, g->tsf = CU_TSF_ISO;
    else if (m & C_MDY)
      g->type = CU_TS, g->tsf = CU_TSF_MDY;
    else if (m & C_DMY)
      g->type = CU_TS, g->tsf = CU_TSF_DMY;
    else
      g->type = CU_STR;
  }
  free(cand);
  free(seen);
  return st;
}

/* ------------------------------------------------------------- reading -- */

static void reader_free_cols(reader *rd) {
  for (int k = 0; k < 2; k++)
    if (rd->t[k].rd) tctx_free(&rd->t[k]);
  for (size_t c = 0; c < rd->ncols; c++) {
    gcol *g = &rd->cols[c];
    free(g->data);
    free(g->valid);
    cu_dict_release(g->dict);
    free(g->remap[0]);
    free(g->remap[1]);
    g->data = NULL;
    g->valid = NULL;
    g->dict = NULL;
    g->remap[0] = g->remap[1] = NULL;
    g->nremap[0] = g->nremap[1] = 0;
    g->cap = 0;
    g->noncanon = 0;
  }
  rd->nrows = rd->records = 0;
}

static int read_more(gzFile fh, char *buf, size_t want, size_t *got, const reader *rd, cu_err *e) {
  size_t n = 0;
  while (n < want) {
    unsigned chunk = want - n > (1u << 30) ? (1u << 30) : (unsigned)(want - n);
    int r = gzread(fh, buf + n, chunk);
    if (r < 0) {
      int zerr;
      const char *msg = gzerror(fh, &zerr);
      return cu_err_set(e, CU_EIO, "%s: %s", rd->shown, zerr == Z_ERRNO ? strerror(errno) : msg);
    }
    if (r == 0) break;
    n += (size_t)r;
  }
  *got = n;
  return CU_OK;
}

/* Moves the rows read so far into a new frame.  With renew, the columns
 * start empty again for the next chunk, with fresh dictionaries. */
static int take_frame(reader *rd, cu_frame **out, int renew, cu_err *e) {
  cu_frame *f = cu_frame_new(rd->nrows);
  if (!f) return cu_err_set(e, CU_ENOMEM, "out of memory");
  for (size_t c = 0; c < rd->ncols; c++) {
    gcol *g = &rd->cols[c];
    if (g->skip) continue;
    cu_column *col = calloc(1, sizeof *col);
    if (!col) goto oom;
    col->refs = 1;
    col->type = g->type;
    col->n = rd->nrows;
    size_t w = cu_type_width(g->type), bytes = rd->nrows ? rd->nrows * w : w;
    col->data = g->data ? realloc(g->data, bytes) : calloc(1, bytes); /* give back the slack */
    if (!col->data) col->data = g->data;
    g->data = NULL;
    g->cap = 0;
    if (g->valid) {
      col->valid = realloc(g->valid, rd->nrows ? rd->nrows : 1);
      if (!col->valid) col->valid = g->valid;
      g->valid = NULL;
      cu_column_compact_mask(col);
    }
    if (g->type == CU_STR) {
      col->dict = g->dict ? g->dict : cu_dict_new();
      g->dict = renew ? cu_dict_new() : NULL;
      g->nremap[0] = g->nremap[1] = 0; /* codes of the old dictionary */
      if (!col->dict || (renew && !g->dict)) {
        cu_column_release(col);
        goto oom;
      }
    }
    g->noncanon = 0;
    int st = cu_frame_set(f, g->name, col, e);
    cu_column_release(col);
    if (st) {
      cu_frame_release(f);
      return st;
    }
  }
  rd->delivered += rd->nrows;
  rd->nrows = 0;
  *out = f;
  return CU_OK;
oom:
  cu_frame_release(f);
  return cu_err_set(e, CU_ENOMEM, "out of memory");
}

/* Streaming: hands the block's rows to the callback and starts the next
 * chunk with empty columns and, where no record is half read, empty
 * thread dictionaries (so memory does not grow with distinct values). */
static int deliver(reader *rd, cu_err *e) {
  cu_frame *chunk;
  int st = take_frame(rd, &chunk, 1, e);
  if (st) return st;
  if (rd->info) rd->info->chunks++;
  st = rd->o->on_chunk(chunk, rd->o->chunk_ud, e);
  cu_frame_release(chunk);
  if (st) return st;
  for (int k = 0; k < 2; k++) {
    tctx *t = &rd->t[k];
    if (!t->cols || t->field != 0) continue;
    for (size_t c = 0; c < rd->ncols; c++) {
      cu_dict *d = cu_dict_new();
      if (!d) return cu_err_set(e, CU_ENOMEM, "out of memory");
      cu_dict_release(t->cols[c].ldict);
      t->cols[c].ldict = d;
      t->cols[c].last = -1;
    }
  }
  return CU_OK;
}

/* Line on which the NUL byte at buf + at sits, for the message. */
static long nul_line(const reader *rd, const char *buf, size_t at) {
  size_t rec = rd->records + !rd->o->no_header;
  long line;
  locate_lines(rd, &rec, 1, &line);
  for (size_t i = 0; i < at; i++) line += buf[i] == '\n';
  return line;
}

/* Parses buf[0..end) as one or two pieces and commits the rows.  Returns
 * CU_OK, an error, or -1 when the file must be read again. */
static int parse_block(reader *rd, char *buf, size_t end, int eof, int nthreads, int *serial,
                       cu_err *e) {
  int was_serial = *serial;
  size_t rec_base = rd->records;
  for (;;) {
    tctx *a = &rd->t[0], *b = &rd->t[1];
    size_t split = end;
    if (!*serial && nthreads > 1 && end > 65536) {
      const char *mid = memchr(buf + end / 2, '\n', end - end / 2);
      if (mid && (size_t)(mid - buf) + 1 < end) split = (size_t)(mid - buf) + 1;
    }
    int two = split < end;
    pthread_t th;
    a->piece = buf;
    a->piece_len = split;
    a->final = eof && !two;
    if (two) {
      b->piece = buf + split;
      b->piece_len = end - split;
      b->final = eof;
      if (pthread_create(&th, NULL, parse_piece, b)) {
        two = 0;
        a->piece_len = end;
        a->final = eof;
      }
    }
    parse_piece(a);
    if (two) pthread_join(th, NULL);
    if (!a->stop && !a->final && a->p.pstate != ROW_NOT_BEGUN) {
      /* a quoted newline: piece a ends inside a record */
      if (two) { /* b started in the wrong place: a goes on over its bytes */
        tctx_reset(b, 0);
        if (tctx_new_parser(b)) return cu_err_set(e, CU_ENOMEM, "out of memory");
        b->stop = 0;
        a->piece = buf + split;
        a->piece_len = end - split;
        a->final = eof;
        parse_piece(a);
        two = 0;
      }
      if (!eof) *serial = 1;
      if (rd->info) rd->info->serial_fallback = 1;
    }
    tctx *bad = a->stop ? a : (two && b->stop) ? b : NULL;
    if (bad && bad->kind == K_CONFLICT) {
      size_t c = bad->err_field;
      int pr = promote(rd, c, bad->conflict_to);
      if (pr == -2) return cu_err_set(e, CU_ENOMEM, "out of memory");
      if (pr == -1) {
        rd->cols[c].type = bad->conflict_to;
        if (rd->delivered)
          return cu_err_set(e, CU_EPARSE,
                            "%s: column %zu (%s) turned out to be %s after %zu rows were "
                            "delivered; declare its type (types = {%s = \"%s\"})",
                            rd->shown, c + 1, rd->cols[c].name, cu_type_name(bad->conflict_to),
                            rd->delivered, rd->cols[c].name, cu_type_name(bad->conflict_to));
      }
      /* A block can be parsed again only if it starts between records. */
      if (pr == -1 || was_serial) return -1;
      for (int k = 0; k < nthreads; k++) {
        tctx_reset(&rd->t[k], 0);
        rd->t[k].stop = 0;
        rd->t[k].kind = K_NONE;
        if (tctx_new_parser(&rd->t[k])) return cu_err_set(e, CU_ENOMEM, "out of memory");
      }
      *serial = 0;
      continue;
    }
    if (bad) return report(rd, bad, rec_base + (bad == b ? a->records : 0), e);
    tctx *unfinished = a->fini_failed ? a : (two && b->fini_failed) ? b : NULL;
    if (unfinished) {
      size_t rec =
          rec_base + (unfinished == b ? a->records : 0) + unfinished->records + !rd->o->no_header;
      long line;
      locate_lines(rd, &rec, 1, &line);
      e->line = line;
      return cu_err_set(e, CU_EPARSE,
                        "%s:%ld: unterminated quoted field (the quote opened "
                        "here is never closed)",
                        rd->shown, line);
    }
    int b_open = two && !eof && b->p.pstate != ROW_NOT_BEGUN;
    if (commit(rd, a, two ? b : NULL)) return cu_err_set(e, CU_ENOMEM, "out of memory");
    tctx_reset(a, *serial && !two);
    if (two) {
      tctx_reset(b, b_open);
      if (b_open) { /* b holds a started record: it becomes the serial parser */
        tctx tmp = rd->t[0];
        rd->t[0] = rd->t[1];
        rd->t[1] = tmp;
        *serial = 1;
        if (rd->info) rd->info->serial_fallback = 1;
      }
    }
    return CU_OK;
  }
}

/* One pass over the file with the current column types.  Returns CU_OK,
 * an error, or -1 when a column must widen in a way that needs a re-read
 * (the new type is already set). */
static int read_pass(reader *rd, gzFile fh, size_t data_off, size_t est_rows, int nthreads,
                     cu_err *e) {
  const cu_csv_options *o = rd->o;
  size_t bs = o->block_size ? o->block_size : ((size_t)4 << 20);
  size_t cap = bs * 2, carry = 0, nread;
  char *buf = cu_alloc_large(cap);
  int st = CU_OK, serial = 0, eof = 0;
  if (!buf) return cu_err_set(e, CU_ENOMEM, "out of memory");
  if (gzrewind(fh) != 0) {
    free(buf);
    return cu_err_set(e, CU_EIO, "%s: cannot rewind", rd->shown);
  }
  /* skip the byte-order mark and the header */
  size_t skipped = 0;
  while (skipped < data_off && !st) {
    size_t want = data_off - skipped < cap ? data_off - skipped : cap;
    st = read_more(fh, buf, want, &nread, rd, e);
    if (!st && nread != want) st = cu_err_set(e, CU_EIO, "%s: short read", rd->shown);
    skipped += nread;
  }
  for (size_t c = 0; c < rd->ncols && !st; c++) {
    gcol *g = &rd->cols[c];
    if (g->skip) continue;
    if ((g->type == CU_STR && !(g->dict = cu_dict_new())) || gcol_reserve(g, est_rows))
      st = cu_err_set(e, CU_ENOMEM, "out of memory");
  }
  /* Rows a thread's buffers start with: a block's worth at 64 bytes a row,
   * but no more than a block can hold (each field takes at least its
   * delimiter), so a very wide file does not reserve gigabytes. */
  size_t start_rows = bs / 64, most = bs / (2 * (rd->ncols ? rd->ncols : 1)) + 16;
  if (start_rows > most) start_rows = most;
  for (int k = 0; k < nthreads && !st; k++)
    if (tctx_init(&rd->t[k], rd, k, start_rows)) st = cu_err_set(e, CU_ENOMEM, "out of memory");

  while (!st && !eof) {
    if (cu_interrupted) {
      st = cu_err_set(e, CU_EINTR, "%s: interrupted", rd->shown);
      break;
    }
    if (cap - carry < bs) { /* a record longer than the buffer: room for one more block */
      size_t ncap = cap * 2 > carry + bs ? cap * 2 : carry + bs;
      char *nb = realloc(buf, ncap);
      if (!nb) {
        st = cu_err_set(e, CU_ENOMEM, "out of memory");
        break;
      }
      buf = nb;
      cap = ncap;
    } else if (cap > 4 * bs && carry < bs) { /* the long record is done: give the room back */
      char *nb = realloc(buf, 2 * bs);
      if (nb) buf = nb, cap = 2 * bs;
    }
    size_t req = bs;
    if ((st = read_more(fh, buf + carry, req, &nread, rd, e))) break;
    eof = nread < req;
    size_t len = carry + nread;
    if (o->whitespace)
      for (size_t i = carry; i < len; i++)
        if (buf[i] == '\t') buf[i] = ' ';
    const char *z = memchr(buf + carry, 0, nread);
    if (z) {
      e->line = nul_line(rd, buf, (size_t)(z - buf));
      st = cu_err_set(e, CU_EPARSE, "%s:%ld: binary data (a NUL byte): not a text file", rd->shown,
                      e->line);
      break;
    }
    size_t end = len;
    if (!eof && !serial) {
      const char *nl = memrchr(buf, '\n', len);
      if (!nl) { /* no record ends in the buffer yet: read on */
        carry = len;
        continue;
      }
      end = (size_t)(nl - buf) + 1;
    }
    if ((st = parse_block(rd, buf, end, eof, nthreads, &serial, e))) break;
    if (o->on_chunk && rd->nrows > 0 && (st = deliver(rd, e))) break;
    carry = len - end;
    memmove(buf, buf + end, carry);
  }
  free(buf);
  return st;
}

int cu_csv_read(cu_frame **out, const char *path, const cu_csv_options *o, cu_csv_info *info,
                cu_err *e) {
  cu_csv_options defaults = {0};
  if (!o) o = &defaults;
  reader rd = {0};
  rd.o = o;
  rd.path = path;
  rd.shown = o->display_name ? o->display_name : path;
  rd.quote = o->quote ? o->quote : '"';
  rd.info = info;
  if (info) memset(info, 0, sizeof *info);
  int st = CU_OK;
  names_ctx nc = {0};
  cu_dict *names = NULL;

  gzFile fh = gzopen(path, "rb");
  if (!fh)
    return cu_err_set(e, CU_EIO, "%s: cannot open: %s", rd.shown,
                      errno ? strerror(errno) : "out of memory");
  gzbuffer(fh, 1 << 20);
  /* The first block: header, delimiter and types come from it. */
  size_t bs = o->block_size ? o->block_size : ((size_t)4 << 20), n;
  size_t hs = bs < ((size_t)1 << 20) ? ((size_t)1 << 20) : bs; /* at least 1 MiB */
  char *head = malloc(hs + 1);
  if (!head) {
    gzclose(fh);
    return cu_err_set(e, CU_ENOMEM, "out of memory");
  }
  if ((st = read_more(fh, head, hs, &n, &rd, e))) goto done;
  while (n == hs && !memchr(head, '\n', n)) { /* a header longer than that */
    char *bigger = realloc(head, hs * 2 + 1);
    size_t more;
    if (!bigger) {
      st = cu_err_set(e, CU_ENOMEM, "out of memory");
      goto done;
    }
    head = bigger;
    if ((st = read_more(fh, head + n, hs, &more, &rd, e))) goto done;
    n += more;
    hs *= 2;
  }
  size_t off = 0;
  if (n >= 3 && !memcmp(head, "\xEF\xBB\xBF", 3)) off = 3;
  if (n == off) {
    st = cu_err_set(e, CU_EPARSE, "%s: the file is empty", rd.shown);
    goto done;
  }
  if (memchr(head, 0, n)) {
    const char *z = memchr(head, 0, n);
    long line = 1;
    for (const char *p = head; p < z; p++) line += *p == '\n';
    e->line = line;
    st = cu_err_set(e, CU_EPARSE, "%s:%ld: binary data (a NUL byte): not a text file", rd.shown,
                    line);
    goto done;
  }
  if (o->whitespace) {
    rd.delim = ' ';
    for (size_t i = 0; i < n; i++)
      if (head[i] == '\t') head[i] = ' ';
  } else {
    rd.delim = o->delim ? o->delim : guess_delim(head + off, n - off, rd.quote);
  }
  /* column names */
  size_t hend = record_end(head + off, n - off, rd.quote) + off;
  if (!o->no_header) {
    struct csv_parser p;
    nc.whitespace = o->whitespace;
    if (parser_init(&p, CSV_APPEND_NULL)) {
      st = cu_err_set(e, CU_ENOMEM, "out of memory");
      goto done;
    }
    csv_set_delim(&p, (unsigned char)rd.delim);
    csv_set_quote(&p, (unsigned char)rd.quote);
    csv_parse(&p, head + off, hend - off, names_field, names_row, &nc);
    csv_fini(&p, names_field, names_row, &nc);
    csv_free(&p);
    if (nc.failed) {
      st = cu_err_set(e, CU_ENOMEM, "out of memory");
      goto done;
    }
    if (nc.n == 0) {
      st = cu_err_set(e, CU_EPARSE, "%s:1: the header line is empty", rd.shown);
      e->line = 1;
      goto done;
    }
    off = hend;
  }
  if (o->names) {
    if (!o->no_header && o->nnames != nc.n) {
      st = cu_err_set(e, CU_EARG, "%s: %zu names given for %zu columns", rd.shown, o->nnames, nc.n);
      goto done;
    }
    rd.ncols = o->nnames;
  } else if (!o->no_header) {
    rd.ncols = nc.n;
  } else {
    /* count the fields of the first record */
    struct csv_parser p;
    names_ctx first = {0};
    first.whitespace = o->whitespace;
    if (!parser_init(&p, CSV_APPEND_NULL)) {
      csv_set_delim(&p, (unsigned char)rd.delim);
      csv_set_quote(&p, (unsigned char)rd.quote);
      csv_parse(&p, head + off, hend - off, names_field, names_row, &first);
      csv_fini(&p, names_field, names_row, &first);
      csv_free(&p);
    }
    rd.ncols = first.n;
    for (size_t i = 0; i < first.n; i++) free(first.names[i]);
    free(first.names);
  }
  rd.cols = calloc(rd.ncols ? rd.ncols : 1, sizeof *rd.cols);
  names = cu_dict_new(); /* code c = column c: duplicates and lookups by name in linear time */
  if (!rd.cols || !names) {
    st = cu_err_set(e, CU_ENOMEM, "out of memory");
    goto done;
  }
  for (size_t c = 0; c < rd.ncols; c++) {
    char tmp[32];
    const char *name;
    if (o->names)
      name = o->names[c];
    else if (!o->no_header)
      name = nc.names[c];
    else {
      snprintf(tmp, sizeof tmp, "V%zu", c + 1);
      name = tmp;
    }
    int32_t code = cu_dict_intern(names, name, strlen(name));
    if (code < 0) {
      st = cu_err_set(e, CU_ENOMEM, "out of memory");
      goto done;
    }
    if ((size_t)code != c) {
      st = cu_err_set(e, CU_EPARSE, "%s:1: column name '%s' appears twice", rd.shown, name);
      e->line = 1;
      goto done;
    }
    if (!(rd.cols[c].name = strdup(name))) {
      st = cu_err_set(e, CU_ENOMEM, "out of memory");
      goto done;
    }
  }
  if (o->columns) {
    for (size_t c = 0; c < rd.ncols; c++) rd.cols[c].skip = 1;
    for (size_t k = 0; k < o->ncolumns; k++) {
      long found = cu_dict_find(names, o->columns[k], strlen(o->columns[k]));
      if (found < 0) {
        st = cu_err_set(e, CU_EARG, "%s: no column named '%s' (the file has %s%s)", rd.shown,
                        o->columns[k], rd.cols[0].name, rd.ncols > 1 ? ", ..." : "");
        goto done;
      }
      rd.cols[found].skip = 0;
    }
  }
  for (size_t k = 0; k < o->ntypes; k++) {
    if (cu_dict_find(names, o->types[k].name, strlen(o->types[k].name)) < 0) {
      st = cu_err_set(e, CU_EARG,
                      "%s: a type is given for column '%s', which the file does not have", rd.shown,
                      o->types[k].name);
      goto done;
    }
  }
  /* types from the first infer_rows rows */
  size_t want = o->infer_rows ? o->infer_rows : 20000, sample_end = off;
  {
    size_t rows = 0;
    while (sample_end < n && rows < want) {
      const char *nl = memchr(head + sample_end, '\n', n - sample_end);
      sample_end = nl ? (size_t)(nl - head) + 1 : n;
      rows++;
    }
  }
  if ((st = infer_types(&rd, head + off, sample_end - off, e))) goto done;
  /* Size the columns from the sample's bytes per row, so an uncompressed
   * file is read without regrowing them. */
  size_t est = 1024;
  {
    size_t rows = 0;
    for (size_t i = off; i < sample_end; i++) rows += head[i] == '\n';
    off_t fsize = 0;
    FILE *raw = fopen(path, "rb");
    if (raw) {
      unsigned char magic[2] = {0};
      if (fread(magic, 1, 2, raw) == 2 && !(magic[0] == 0x1f && magic[1] == 0x8b) &&
          !fseeko(raw, 0, SEEK_END))
        fsize = ftello(raw);
      fclose(raw);
    }
    double per_row = rows ? (double)(sample_end - off) / (double)rows : 0;
    if (per_row > 0 && fsize > 0)
      est = (size_t)((double)(fsize - (off_t)off) / per_row * 1.02) + 16;
    if (o->on_chunk) { /* a chunk is about one block */
      size_t block_rows = per_row > 0 ? (size_t)((double)bs / per_row * 1.25) + 16 : 65536;
      if (fsize <= 0 || est > block_rows) est = block_rows;
    }
  }
  free(head);
  head = NULL;

  int nthreads = o->threads > 0 ? o->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
  if (nthreads > 2) nthreads = 2;
  if (nthreads < 1) nthreads = 1;
  if (info) info->threads_used = nthreads;
  for (int attempt = 0;; attempt++) {
    st = read_pass(&rd, fh, off, est, nthreads, e);
    if (st != -1) break;
    /* a column widened past what its old values allow: read again */
    reader_free_cols(&rd);
    if (info) info->restarts++;
    if (attempt > (int)rd.ncols * 3) {
      st = cu_err_set(e, CU_EPARSE, "%s: column types do not settle", rd.shown);
      break;
    }
  }
  if (!st && info && info->skipped) {
    size_t k = info->skipped < CU_CSV_MAX_SKIPPED_LINES ? info->skipped : CU_CSV_MAX_SKIPPED_LINES;
    size_t recs[CU_CSV_MAX_SKIPPED_LINES];
    for (size_t i = 0; i < k; i++) recs[i] = (size_t)info->skipped_lines[i] + !o->no_header;
    locate_lines(&rd, recs, k, info->skipped_lines);
  }
  if (!st && info) info->rows = rd.delivered + rd.nrows;
  if (!st && o->on_chunk)
    *out = NULL;
  else if (!st)
    st = take_frame(&rd, out, 0, e);
done:
  free(head);
  cu_dict_release(names);
  gzclose(fh);
  reader_free_cols(&rd);
  for (size_t c = 0; c < rd.ncols; c++) free(rd.cols[c].name);
  free(rd.cols);
  for (size_t i = 0; i < nc.n; i++) free(nc.names[i]);
  free(nc.names);
  return st;
}
