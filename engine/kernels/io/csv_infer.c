/* csv_infer.c: the CSV reader's header and type inference (delimiter,
 * names, types from a sample of rows) and the lookup of physical lines for
 * error messages, which re-reads the file line by line only on that error
 * path.  Split from csv.c. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "csv_reader.h"
#include "parse.h"

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
void cu_csvr_locate_lines(const reader *rd, const size_t *recs, size_t n, long *lines) {
  for (size_t k = 0; k < n; k++) lines[k] = 0;
  gzFile fh = gzopen(rd->path, "rb");
  if (!fh) return;
  struct csv_parser p;
  if (cu_csvr_parser_init(&p, 0)) {
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
      if (i < got && rd->cr_lines && buf[i] == '\r') buf[i] = '\n'; /* as the reader reads it */
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

int cu_csvr_report(reader *rd, tctx *t, size_t rec_base, cu_err *e) {
  size_t rec = rec_base + t->err_rec + !rd->o->no_header;
  long line;
  cu_csvr_locate_lines(rd, &rec, 1, &line);
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
size_t cu_csvr_record_end(const char *s, size_t n, char quote) {
  int inq = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == quote)
      inq = !inq;
    else if (s[i] == '\n' && !inq)
      return i + 1;
  }
  return n;
}

char cu_csvr_guess_delim(const char *s, size_t n, char quote) {
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


char cu_csv_guess_delim(const char *s, size_t n) { return cu_csvr_guess_delim(s, n, '"'); }

void cu_csvr_names_field(void *s, size_t len, void *ud) {
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
void cu_csvr_names_row(int c, void *ud) { (void)c, (void)ud; }

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
  if (c >= ic->rd->ncols || ic->rd->cols[c].skip || cu_csvr_is_na(ic->rd, s, len)) return;
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
int cu_csvr_infer_types(reader *rd, const char *s, size_t n, cu_err *e) {
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
  if (cu_csvr_parser_init(&p, CSV_APPEND_NULL) == 0) {
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

