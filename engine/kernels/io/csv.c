/* csv.c: streaming, two-threaded CSV reader on libcsv: the block loop
 * and the public entry (the per-piece parsing and the commit are in
 * csv_parse.c, type inference in csv_infer.c, the writer in csv_write.c).
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
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "csv_reader.h"
#include "datetime.h"
#include "parse.h"

/* ------------------------------------------------------------- reading -- */

static void reader_free_cols(reader *rd) {
  for (int k = 0; k < 2; k++)
    if (rd->t[k].rd) cu_csvr_tctx_free(&rd->t[k]);
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
    if (r == 0) {
      /* zlib returns what it could from a gzip stream cut short (a broken
       * download) and says so only through gzerror */
      int zerr;
      gzerror(fh, &zerr);
      if (zerr == Z_BUF_ERROR)
        return cu_err_set(e, CU_EIO,
                          "%s: the compressed file is truncated (it ends before its gzip trailer)",
                          rd->shown);
      break;
    }
    if (rd->cr_lines) /* a lone CR ends a line: make it the LF the block splitter cuts at */
      for (char *c = buf + n, *end = buf + n + r; (c = memchr(c, '\r', (size_t)(end - c))); c++)
        *c = '\n';
    n += (size_t)r;
  }
  *got = n;
  return CU_OK;
}

/* Lines end with a lone CR: a CR before more text, and no LF at all. */
static int lone_cr(const char *s, size_t n) {
  const char *cr = memchr(s, '\r', n);
  return cr && cr + 1 < s + n && !memchr(s, '\n', n);
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
  cu_csvr_locate_lines(rd, &rec, 1, &line);
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
      if (pthread_create(&th, NULL, cu_csvr_parse_piece, b)) {
        two = 0;
        a->piece_len = end;
        a->final = eof;
      }
    }
    cu_csvr_parse_piece(a);
    if (two) pthread_join(th, NULL);
    if (!a->stop && !a->final && a->p.pstate != ROW_NOT_BEGUN) {
      /* a quoted newline: piece a ends inside a record */
      if (two) { /* b started in the wrong place: a goes on over its bytes */
        cu_csvr_tctx_reset(b, 0);
        if (cu_csvr_tctx_new_parser(b)) return cu_err_set(e, CU_ENOMEM, "out of memory");
        b->stop = 0;
        a->piece = buf + split;
        a->piece_len = end - split;
        a->final = eof;
        cu_csvr_parse_piece(a);
        two = 0;
      }
      if (!eof) *serial = 1;
      if (rd->info) rd->info->serial_fallback = 1;
    }
    tctx *bad = a->stop ? a : (two && b->stop) ? b : NULL;
    if (bad && bad->kind == K_CONFLICT) {
      size_t c = bad->err_field;
      int pr = cu_csvr_promote(rd, c, bad->conflict_to);
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
        cu_csvr_tctx_reset(&rd->t[k], 0);
        rd->t[k].stop = 0;
        rd->t[k].kind = K_NONE;
        if (cu_csvr_tctx_new_parser(&rd->t[k])) return cu_err_set(e, CU_ENOMEM, "out of memory");
      }
      *serial = 0;
      continue;
    }
    if (bad) return cu_csvr_report(rd, bad, rec_base + (bad == b ? a->records : 0), e);
    tctx *unfinished = a->fini_failed ? a : (two && b->fini_failed) ? b : NULL;
    if (unfinished) {
      size_t rec =
          rec_base + (unfinished == b ? a->records : 0) + unfinished->records + !rd->o->no_header;
      long line;
      cu_csvr_locate_lines(rd, &rec, 1, &line);
      e->line = line;
      return cu_err_set(e, CU_EPARSE,
                        "%s:%ld: unterminated quoted field (the quote opened "
                        "here is never closed)",
                        rd->shown, line);
    }
    int b_open = two && !eof && b->p.pstate != ROW_NOT_BEGUN;
    if (cu_csvr_commit(rd, a, two ? b : NULL)) return cu_err_set(e, CU_ENOMEM, "out of memory");
    cu_csvr_tctx_reset(a, *serial && !two);
    if (two) {
      cu_csvr_tctx_reset(b, b_open);
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
    if ((g->type == CU_STR && !(g->dict = cu_dict_new())) || cu_csvr_gcol_reserve(g, est_rows))
      st = cu_err_set(e, CU_ENOMEM, "out of memory");
  }
  /* Rows a thread's buffers start with: a block's worth at 64 bytes a row,
   * but no more than a block can hold (each field takes at least its
   * delimiter), so a very wide file does not reserve gigabytes. */
  size_t start_rows = bs / 64, most = bs / (2 * (rd->ncols ? rd->ncols : 1)) + 16;
  if (start_rows > most) start_rows = most;
  for (int k = 0; k < nthreads && !st; k++)
    if (cu_csvr_tctx_init(&rd->t[k], rd, k, start_rows)) st = cu_err_set(e, CU_ENOMEM, "out of memory");

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

  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return cu_err_set(e, CU_EIO, "%s: cannot open: %s", rd.shown, strerror(errno));
  /* A file truncated, rewritten or appended to while it is read gives a
   * silent part of it or a mix of two: the open file's size and time are
   * compared at the end.  (Renamed over or deleted, the open file is still
   * the one being read.  A pipe or /proc entry has no stable size.) */
  struct stat before;
  int watch = fstat(fd, &before) == 0 && S_ISREG(before.st_mode);
  gzFile fh = gzdopen(fd, "rb"); /* closes fd on gzclose */
  if (!fh) {
    close(fd);
    return cu_err_set(e, CU_ENOMEM, "%s: out of memory", rd.shown);
  }
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
  while (n == hs && !memchr(head, '\n', n) && !lone_cr(head, n)) { /* a header longer than that */
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
  if (lone_cr(head + off, n - off)) {
    /* Lines ended by a lone CR (classic Mac OS exports) would read as one
     * endless header line: read every CR as a line end (a CR inside a
     * quoted field becomes an LF, the same line break). */
    rd.cr_lines = 1;
    for (size_t i = off; i < n; i++)
      if (head[i] == '\r') head[i] = '\n';
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
    rd.delim = o->delim ? o->delim : cu_csvr_guess_delim(head + off, n - off, rd.quote);
  }
  /* column names */
  size_t hend = cu_csvr_record_end(head + off, n - off, rd.quote) + off;
  if (!o->no_header) {
    struct csv_parser p;
    nc.whitespace = o->whitespace;
    if (cu_csvr_parser_init(&p, CSV_APPEND_NULL)) {
      st = cu_err_set(e, CU_ENOMEM, "out of memory");
      goto done;
    }
    csv_set_delim(&p, (unsigned char)rd.delim);
    csv_set_quote(&p, (unsigned char)rd.quote);
    csv_parse(&p, head + off, hend - off, cu_csvr_names_field, cu_csvr_names_row, &nc);
    csv_fini(&p, cu_csvr_names_field, cu_csvr_names_row, &nc);
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
    if (!cu_csvr_parser_init(&p, CSV_APPEND_NULL)) {
      csv_set_delim(&p, (unsigned char)rd.delim);
      csv_set_quote(&p, (unsigned char)rd.quote);
      csv_parse(&p, head + off, hend - off, cu_csvr_names_field, cu_csvr_names_row, &first);
      csv_fini(&p, cu_csvr_names_field, cu_csvr_names_row, &first);
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
  if ((st = cu_csvr_infer_types(&rd, head + off, sample_end - off, e))) goto done;
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
    cu_csvr_locate_lines(&rd, recs, k, info->skipped_lines);
  }
  if (!st && watch) {
    struct stat after;
    if (fstat(fd, &after) != 0 || after.st_size != before.st_size ||
        after.st_mtim.tv_sec != before.st_mtim.tv_sec ||
        after.st_mtim.tv_nsec != before.st_mtim.tv_nsec)
      st = cu_err_set(e, CU_EIO,
                      "%s: the file changed while it was read (another program is writing "
                      "it?); read it again once it is complete",
                      rd.shown);
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
