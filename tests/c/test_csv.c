/* test_csv.c: the CSV reader and writer, including the parallel path, the
 * serial fallback, type widening and every bad-input error. */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "csv_io.h"
#include "datetime.h"

static char dir[] = "/tmp/custan_test_csvXXXXXX";

static const char *put(const char *name, const char *text) {
  static char path[256];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  fwrite(text, 1, strlen(text), f);
  fclose(f);
  return path;
}

static cu_column *col(cu_frame *f, const char *name) {
  long j = cu_frame_find(f, name);
  return j >= 0 ? f->cols[j] : NULL;
}

static const char *sval(const cu_column *c, size_t i) {
  size_t len;
  return cu_dict_str(c->dict, ((int32_t *)c->data)[i], &len);
}

static void test_basic_types(void) {
  const char *p = put("basic.csv", "\xEF\xBB\xBFid,price,name,when,flag,qty\r\n"
                                   "1,2.5,\"Smith, J\",2010-12-01 08:26:00,true,3\r\n"
                                   "2,,\"say \"\"hi\"\"\",2010-12-02 09:00:00,false,\r\n"
                                   "3,4,\"two\nlines\",2011-01-01 00:00:00,TRUE,5\r\n");
  cu_frame *f = NULL;
  cu_err e = {0};
  CHECK(cu_csv_read(&f, p, NULL, NULL, &e) == 0);
  if (!f) return;
  CHECK(f->nrows == 3 && f->ncols == 6);
  CHECK(col(f, "id") && col(f, "id")->type == CU_I64); /* the BOM is not in the name */
  CHECK(col(f, "price")->type == CU_F64 && !cu_is_valid(col(f, "price"), 1));
  CHECK(col(f, "name")->type == CU_STR);
  CHECK_STR(sval(col(f, "name"), 0), "Smith, J");
  CHECK_STR(sval(col(f, "name"), 1), "say \"hi\"");
  CHECK_STR(sval(col(f, "name"), 2), "two\nlines");
  CHECK(col(f, "when")->type == CU_TS);
  CHECK(((int64_t *)col(f, "when")->data)[0] == INT64_C(1291191960) * CU_US_PER_SEC);
  CHECK(col(f, "flag")->type == CU_BOOL && ((uint8_t *)col(f, "flag")->data)[2] == 1);
  CHECK(col(f, "qty")->type == CU_I64 && !cu_is_valid(col(f, "qty"), 1));
  cu_frame_release(f);
}

static void test_delimiters(void) {
  cu_frame *f = NULL;
  cu_err e = {0};
  CHECK(cu_csv_read(&f, put("semi.csv", "a;b\n1;x\n2;y\n"), NULL, NULL, &e) == 0);
  CHECK(f && f->ncols == 2 && f->nrows == 2);
  cu_frame_release(f);
  CHECK(cu_csv_read(&f, put("tab.tsv", "a\tb\tc\n1\t2\t3\n"), NULL, NULL, &e) == 0);
  CHECK(f && f->ncols == 3);
  cu_frame_release(f);
  CHECK(cu_csv_read(&f, put("pipe.txt", "a|b\n1|2\n"), NULL, NULL, &e) == 0);
  CHECK(f && f->ncols == 2);
  cu_frame_release(f);
  /* the CDNOW sample's layout: runs of blanks, no header, YYYYMMDD dates */
  const char *names[] = {"master", "id", "date", "cds", "amount"};
  cu_csv_coltype types[] = {{"date", CU_TS, NULL}};
  cu_csv_options o = {
      .whitespace = 1, .no_header = 1, .names = names, .nnames = 5, .types = types, .ntypes = 1};
  CHECK(cu_csv_read(&f,
                    put("cdnow.txt", " 00004 0001 19970101  2   29.33\n"
                                     " 00004 0001 19970118  2   29.73\n"
                                     "\n"
                                     " 00018 0002 19970101\t2   29.33\n"),
                    &o, NULL, &e) == 0);
  CHECK(f && f->nrows == 3 && f->ncols == 5);
  if (f) {
    CHECK(col(f, "date")->type == CU_TS);
    CHECK(((int64_t *)col(f, "date")->data)[1] == cu_days_from_civil(1997, 1, 18) * CU_US_PER_DAY);
    CHECK(((int64_t *)col(f, "id")->data)[2] == 2);
    CHECK(((double *)col(f, "amount")->data)[0] == 29.33);
  }
  cu_frame_release(f);
}

/* A column that looks like integers for the sample and then holds text:
 * Online Retail's InvoiceNo (536365 ... C536379). */
static void test_widening(void) {
  char *text = malloc(200000);
  size_t n = (size_t)sprintf(text, "inv,qty\n");
  for (int i = 0; i < 3000; i++) n += (size_t)sprintf(text + n, "%d,%d\n", 536365 + i, i);
  n += (size_t)sprintf(text + n, "C536379,1.5\n");
  for (int i = 0; i < 10; i++) n += (size_t)sprintf(text + n, "%d,%d\n", 600000 + i, i);
  const char *p = put("widen.csv", text);
  cu_csv_options o = {.infer_rows = 100, .block_size = 4096, .threads = 2};
  cu_csv_info info;
  cu_frame *f = NULL;
  cu_err e = {0};
  CHECK(cu_csv_read(&f, p, &o, &info, &e) == 0);
  CHECK(f && f->nrows == 3011);
  if (f) {
    CHECK(col(f, "inv")->type == CU_STR);
    CHECK_STR(sval(col(f, "inv"), 0), "536365");
    CHECK_STR(sval(col(f, "inv"), 3000), "C536379");
    CHECK(col(f, "qty")->type == CU_F64);
    CHECK(((double *)col(f, "qty")->data)[2999] == 2999);
    CHECK(((double *)col(f, "qty")->data)[3000] == 1.5);
    CHECK(info.restarts == 0); /* both widened in place */
  }
  cu_frame_release(f);
  /* zero-padded codes cannot be rebuilt from integers: the file is read again */
  n = (size_t)sprintf(text, "code\n");
  for (int i = 0; i < 3000; i++) n += (size_t)sprintf(text + n, "%05d\n", i);
  n += (size_t)sprintf(text + n, "X1\n");
  p = put("widen2.csv", text);
  CHECK(cu_csv_read(&f, p, &o, &info, &e) == 0);
  CHECK(f && col(f, "code")->type == CU_STR && info.restarts == 1);
  if (f) CHECK_STR(sval(col(f, "code"), 7), "00007");
  cu_frame_release(f);
  free(text);
}

/* The same file read with one thread, two threads and tiny blocks must give
 * identical frames, also when quoted newlines defeat the parallel split. */
static int frames_equal(const cu_frame *a, const cu_frame *b) {
  if (a->nrows != b->nrows || a->ncols != b->ncols) return 0;
  for (size_t j = 0; j < a->ncols; j++) {
    const cu_column *x = a->cols[j], *y = b->cols[j];
    if (x->type != y->type) return 0;
    for (size_t i = 0; i < a->nrows; i++) {
      if (cu_is_valid(x, i) != cu_is_valid(y, i)) return 0;
      if (!cu_is_valid(x, i)) continue;
      if (x->type == CU_STR) {
        if (strcmp(sval(x, i), sval(y, i))) return 0;
      } else if (memcmp((char *)x->data + i * cu_type_width(x->type),
                        (char *)y->data + i * cu_type_width(y->type), cu_type_width(x->type))) {
        return 0;
      }
    }
  }
  return 1;
}

static void test_parallel_equivalence(int multiline) {
  size_t cap = 8 << 20, n = 0;
  char *text = malloc(cap);
  n += (size_t)sprintf(text, "id,city,amount,when\n");
  for (int i = 0; i < 60000; i++) {
    const char *city =
        multiline && i % 7 == 0 ? "\"New\nYork\"" : (i % 3 ? "Paris" : "\"Lyon, FR\"");
    n += (size_t)sprintf(text + n, "%d,%s,%d.%02d,2011-%02d-%02d 10:%02d:00\n", i, city, i % 997,
                         i % 100, 1 + i % 12, 1 + i % 28, i % 60);
  }
  const char *p = put(multiline ? "par_ml.csv" : "par.csv", text);
  free(text);
  cu_csv_options one = {.threads = 1}, two = {.threads = 2, .block_size = 100000};
  cu_frame *a = NULL, *b = NULL;
  cu_csv_info ia, ib;
  cu_err e = {0};
  CHECK(cu_csv_read(&a, p, &one, &ia, &e) == 0);
  CHECK(cu_csv_read(&b, p, &two, &ib, &e) == 0);
  CHECK(a && b && a->nrows == 60000 && frames_equal(a, b));
  CHECK(ib.threads_used == 2);
  if (multiline) CHECK(ib.serial_fallback); /* this data puts a split inside "New\nYork" */
  cu_frame_release(a);
  cu_frame_release(b);
}

static void expect_error(const char *name, const char *text, const cu_csv_options *o, int code,
                         long line, const char *needle) {
  const char *p = put(name, text);
  cu_frame *f = NULL;
  cu_err e = {0};
  int st = cu_csv_read(&f, p, o, NULL, &e);
  CHECK(st == code);
  CHECK(f == NULL);
  if (line && e.line != line) {
    check_failures++;
    fprintf(stderr, "%s: line %ld, expected %ld (%s)\n", name, e.line, line, e.msg);
  }
  if (!strstr(e.msg, needle)) {
    check_failures++;
    fprintf(stderr, "%s: message \"%s\" lacks \"%s\"\n", name, e.msg, needle);
  }
  if (f) cu_frame_release(f);
}

static void test_errors(void) {
  cu_frame *f = NULL;
  cu_err e = {0};
  CHECK(cu_csv_read(&f, "/nonexistent/x.csv", NULL, NULL, &e) == CU_EIO);
  CHECK(strstr(e.msg, "/nonexistent/x.csv") && strstr(e.msg, "No such file"));
  expect_error("empty.csv", "", NULL, CU_EPARSE, 0, "empty");
  expect_error("ragged.csv", "a,b,c\n1,2,3\n4,5\n6,7,8\n", NULL, CU_EPARSE, 3,
               "ragged.csv:3: expected 3 fields, found 2");
  expect_error("quote.csv", "a,b\n1,2\n3,\"open\n4,5\n", NULL, CU_EPARSE, 3,
               "quote.csv:3: unterminated quoted field");
  cu_csv_coltype t[] = {{"qty", CU_I64, NULL}};
  cu_csv_options o = {.types = t, .ntypes = 1};
  expect_error("nonnum.csv", "id,qty\n1,2\n2,abc\n", &o, CU_EPARSE, 3,
               "nonnum.csv:3: column 2 (qty): cannot read 'abc' as int64");
  cu_csv_coltype td[] = {{"d", CU_TS, "%Y-%m-%d"}};
  cu_csv_options od = {.types = td, .ntypes = 1};
  expect_error("baddate.csv", "d\n2010-01-01\n2010-13-01\n", &od, CU_EPARSE, 3,
               "column 1 (d): cannot read '2010-13-01' as timestamp with format %Y-%m-%d");
  expect_error("binary.csv", "a,b\n1,2\n\x01\x02\x00\xff\n", NULL, CU_EPARSE, 3, "binary");
  expect_error("dupname.csv", "a,a\n1,2\n", NULL, CU_EPARSE, 1, "appears twice");
  cu_csv_coltype tx[] = {{"nope", CU_I64, NULL}};
  cu_csv_options ox = {.types = tx, .ntypes = 1};
  expect_error("unknown_col.csv", "a\n1\n", &ox, CU_EARG, 0, "'nope'");
  /* the line is right after a multi-line quoted field */
  expect_error("ml_ragged.csv", "a,b\n\"x\ny\",1\n2\n", NULL, CU_EPARSE, 4,
               ":4: expected 2 fields");
  /* in a big file, the error is found in the second thread's piece */
  size_t cap = 4 << 20, n = 0;
  char *text = malloc(cap);
  n += (size_t)sprintf(text, "id,v\n");
  for (int i = 0; i < 50000; i++) n += (size_t)sprintf(text + n, "%d,%d\n", i, i);
  sprintf(text + n, "oops\n");
  cu_csv_options o2 = {.threads = 2};
  expect_error("big_ragged.csv", text, &o2, CU_EPARSE, 50002, "big_ragged.csv:50002:");
  free(text);
}

static void test_skip_bad_rows(void) {
  cu_csv_coltype t[] = {{"qty", CU_I64, NULL}};
  cu_csv_options o = {.types = t, .ntypes = 1, .skip_bad_rows = 1};
  cu_csv_info info;
  cu_frame *f = NULL;
  cu_err e = {0};
  CHECK(cu_csv_read(&f, put("skip.csv", "id,qty\n1,2\n2,abc\n3\n4,5\n"), &o, &info, &e) == 0);
  CHECK(f && f->nrows == 2 && info.skipped == 2);
  CHECK(info.skipped_lines[0] == 3 && info.skipped_lines[1] == 4);
  cu_frame_release(f);
}

static void test_write_roundtrip(void) {
  const char *p = put("rt.csv", "s,x,t,b\n\"a,b\",1.25,2010-12-01 08:26:00,true\n"
                                "\"q\"\"q\",,2010-12-02 00:00:00,false\n"
                                "\" pad \",3,,true\n");
  cu_frame *f = NULL, *g = NULL;
  cu_err e = {0};
  CHECK(cu_csv_read(&f, p, NULL, NULL, &e) == 0);
  char out[256];
  for (int gz = 0; gz < 2 && f; gz++) {
    snprintf(out, sizeof out, "%s/out.csv%s", dir, gz ? ".gz" : "");
    CHECK(cu_csv_write(out, f, NULL, &e) == 0);
    CHECK(cu_csv_read(&g, out, NULL, NULL, &e) == 0);
    CHECK(g && frames_equal(f, g));
    cu_frame_release(g);
    g = NULL;
  }
  /* a directory that does not exist: an error, and no file left behind */
  CHECK(cu_csv_write("/nonexistent/dir/out.csv", f, NULL, &e) == CU_EIO);
  cu_frame_release(f);
}

typedef struct chunk_sum {
  size_t rows, chunks;
  double amount;
  int stop_after;
} chunk_sum;

static int sum_chunk(cu_frame *f, void *ud, cu_err *e) {
  chunk_sum *cs = ud;
  cs->rows += f->nrows;
  cs->chunks++;
  const cu_column *a = col(f, "amount");
  for (size_t i = 0; i < f->nrows; i++) cs->amount += ((double *)a->data)[i];
  if (cs->stop_after && (int)cs->chunks >= cs->stop_after)
    return cu_err_set(e, CU_EINTR, "stopped by the callback");
  return 0;
}

/* Streaming gives the same rows as a whole read, in several chunks, and
 * `columns` leaves the other columns out. */
static void test_streaming_and_columns(void) {
  size_t cap = 8 << 20, n = 0;
  char *text = malloc(cap);
  n += (size_t)sprintf(text, "id,city,amount\n");
  for (int i = 0; i < 100000; i++)
    n += (size_t)sprintf(text + n, "%d,%s,%d.25\n", i, i % 5 ? "Paris" : "\"New\nYork\"", i % 1000);
  const char *p = put("stream.csv", text);
  free(text);
  const char *cols[] = {"amount", "id"};
  cu_csv_options whole = {.columns = cols, .ncolumns = 2};
  cu_frame *f = NULL;
  cu_err e = {0};
  CHECK(cu_csv_read(&f, p, &whole, NULL, &e) == 0);
  CHECK(f && f->ncols == 2 && cu_frame_find(f, "city") < 0 && f->nrows == 100000);
  double total = 0;
  for (size_t i = 0; f && i < f->nrows; i++) total += ((double *)col(f, "amount")->data)[i];
  cu_frame_release(f);
  for (int threads = 1; threads <= 2; threads++) {
    chunk_sum cs = {0};
    cu_csv_options o = {
        .threads = threads, .block_size = 200000, .on_chunk = sum_chunk, .chunk_ud = &cs};
    cu_csv_info info;
    f = (cu_frame *)1;
    CHECK(cu_csv_read(&f, p, &o, &info, &e) == 0);
    CHECK(f == NULL);
    CHECK(cs.rows == 100000 && info.rows == 100000);
    CHECK(cs.chunks > 5 && info.chunks == cs.chunks);
    CHECK(cs.amount == total);
  }
  chunk_sum stop = {.stop_after = 2};
  cu_csv_options os = {.block_size = 200000, .on_chunk = sum_chunk, .chunk_ud = &stop};
  CHECK(cu_csv_read(&f, p, &os, NULL, &e) == CU_EINTR && stop.chunks == 2);
  CHECK_STR(e.msg, "stopped by the callback");
  /* blocks smaller than the header line */
  cu_csv_options tiny = {.block_size = 8};
  CHECK(cu_csv_read(&f, p, &tiny, NULL, &e) == 0 && f && f->ncols == 3 && f->nrows == 100000);
  cu_frame_release(f);
  const char *bad[] = {"nope"};
  cu_csv_options ob = {.columns = bad, .ncolumns = 1};
  CHECK(cu_csv_read(&f, p, &ob, NULL, &e) == CU_EARG && strstr(e.msg, "no column named 'nope'"));
}

/* Regression (hardening issue, F1 and F9b): streaming with skip_bad_rows,
 * where a stretch of bad rows longer than a block follows a delivered
 * chunk.  The next block kept no rows in its first piece but made a
 * validity mask, and the second piece then copied into a 0-byte mask (a
 * heap overflow ASan reports; glibc aborted with "realloc(): invalid next
 * size").  One thread reached memcpy(NULL, ..., 0) the same way. */
static void test_streaming_skip_bad_stretch(void) {
  size_t cap = 16 << 20, n = 0;
  char *text = malloc(cap);
  n += (size_t)sprintf(text, "id,city,amount\n");
  for (int i = 0; i < 180000; i++) {
    const char *extra = i >= 20000 && i < 100000 ? ",x" : ""; /* one field too many */
    n += (size_t)sprintf(text + n, "%d,%s,%d.5%s\n", i, i % 3 ? "Paris" : "", i % 100, extra);
  }
  const char *p = put("stretch.csv", text);
  free(text);
  for (int threads = 1; threads <= 2; threads++) {
    chunk_sum cs = {0};
    cu_csv_options o = {.threads = threads, .block_size = 100000, .skip_bad_rows = 1,
                        .on_chunk = sum_chunk, .chunk_ud = &cs};
    cu_csv_info info;
    cu_frame *f = NULL;
    cu_err e = {0};
    CHECK(cu_csv_read(&f, p, &o, &info, &e) == 0);
    CHECK(cs.rows == 100000 && info.skipped == 80000);
  }
}

/* Regression (hardening issue, F2): the read buffer doubled for every block
 * of a record longer than a block, so 64-byte blocks over 80-byte rows ran
 * out of memory, and a 60 MiB field (or eight 10 MiB fields) did with the
 * default blocks. */
static void test_long_records(void) {
  char text[20000];
  size_t n = (size_t)sprintf(text, "id,description,amount\n");
  for (int i = 0; i < 99; i++)
    n += (size_t)sprintf(text + n, "%d,a description long enough to span two blocks %d,%d.5\n", i,
                         i, i);
  const char *p = put("rows80.csv", text);
  cu_csv_options tiny = {.block_size = 64};
  cu_frame *f = NULL;
  cu_err e = {0};
  CHECK(cu_csv_read(&f, p, &tiny, NULL, &e) == 0 && f && f->nrows == 99);
  cu_frame_release(f);

  size_t big = (size_t)60 << 20;
  char *field = malloc(big + 64);
  size_t m = (size_t)sprintf(field, "id,text\n1,");
  memset(field + m, 'x', big);
  m += big;
  m += (size_t)sprintf(field + m, "\n2,short\n");
  char path[256];
  snprintf(path, sizeof path, "%s/field60m.csv", dir);
  FILE *fp = fopen(path, "wb");
  fwrite(field, 1, m, fp);
  fclose(fp);
  free(field);
  f = NULL;
  CHECK(cu_csv_read(&f, path, NULL, NULL, &e) == 0 && f && f->nrows == 2);
  if (f) {
    size_t len;
    cu_dict_str(col(f, "text")->dict, ((int32_t *)col(f, "text")->data)[0], &len);
    CHECK(len == big);
  }
  cu_frame_release(f);
  remove(path);

  /* eight 10 MiB fields, one per row (the second failing file) */
  size_t ten = (size_t)10 << 20;
  fp = fopen(path, "wb");
  fputs("id,text\n", fp);
  char *chunk = malloc(ten);
  memset(chunk, 'y', ten);
  for (int r = 0; r < 8; r++) {
    fprintf(fp, "%d,", r);
    chunk[0] = (char)('a' + r); /* distinct values: none shares the dictionary */
    fwrite(chunk, 1, ten, fp);
    fputc('\n', fp);
  }
  fclose(fp);
  free(chunk);
  f = NULL;
  CHECK(cu_csv_read(&f, path, NULL, NULL, &e) == 0 && f && f->nrows == 8);
  if (f) {
    size_t len;
    cu_dict_str(col(f, "text")->dict, ((int32_t *)col(f, "text")->data)[7], &len);
    CHECK(len == ten);
  }
  cu_frame_release(f);
  remove(path);
}

/* Regression (hardening issue, F10): a header of 100,000 names took 91 s
 * (each name compared with every earlier one, twice).  Linear now; the
 * CLI test times the whole file. */
static void test_wide_header(void) {
  size_t cols = 100000, cap = cols * 16, n = 0;
  char *text = malloc(cap);
  for (size_t c = 0; c < cols; c++) n += (size_t)sprintf(text + n, "%sc%zu", c ? "," : "", c);
  n += (size_t)sprintf(text + n, "\n");
  for (size_t c = 0; c < cols; c++) n += (size_t)sprintf(text + n, "%s%zu", c ? "," : "", c % 7);
  n += (size_t)sprintf(text + n, "\n");
  const char *p = put("wide.csv", text);
  cu_frame *f = NULL;
  cu_err e = {0};
  CHECK(cu_csv_read(&f, p, NULL, NULL, &e) == 0 && f && f->ncols == cols && f->nrows == 1);
  CHECK(f && cu_frame_find(f, "c99999") == 99999 && cu_frame_find(f, "c0") == 0);
  CHECK(f && cu_frame_find(f, "nope") < 0);
  cu_frame_release(f);
  /* a duplicate far from its twin is still found */
  n = 0;
  for (size_t c = 0; c < cols; c++) n += (size_t)sprintf(text + n, "c%zu,", c);
  n += (size_t)sprintf(text + n, "c5\n");
  p = put("wide_dup.csv", text);
  CHECK(cu_csv_read(&f, p, NULL, NULL, &e) == CU_EPARSE);
  CHECK(strstr(e.msg, "column name 'c5' appears twice") != NULL);
  free(text);
}

/* Regression (hardening issue, F6): a file truncated, rewritten or
 * appended to while it was read gave a silent part of it, or a mix.  The
 * callback of the first chunk appends to the file being read. */
static const char *growing_path;
static int append_once(cu_frame *chunk, void *ud, cu_err *e) {
  (void)chunk, (void)e;
  int *done = ud;
  if (!*done) {
    FILE *fp = fopen(growing_path, "ab");
    fputs("999999,x,1.5\n", fp);
    fclose(fp);
    *done = 1;
  }
  return 0;
}

static void test_changed_while_read(void) {
  size_t cap = 4 << 20, n = 0;
  char *text = malloc(cap);
  n += (size_t)sprintf(text, "id,city,amount\n");
  for (int i = 0; i < 50000; i++) n += (size_t)sprintf(text + n, "%d,Paris,%d.5\n", i, i % 100);
  static char path[256];
  snprintf(path, sizeof path, "%s/growing.csv", dir);
  FILE *fp = fopen(path, "wb");
  fwrite(text, 1, n, fp);
  fclose(fp);
  free(text);
  growing_path = path;
  int done = 0;
  cu_csv_options o = {.block_size = 100000, .on_chunk = append_once, .chunk_ud = &done};
  cu_frame *f = NULL;
  cu_err e = {0};
  CHECK(cu_csv_read(&f, path, &o, NULL, &e) == CU_EIO && done);
  CHECK(strstr(e.msg, "growing.csv: the file changed while it was read") != NULL);
  /* unchanged, it reads */
  done = 1;
  CHECK(cu_csv_read(&f, path, &o, NULL, &e) == CU_OK);
}

/* Regression (hardening issue): a file whose lines end with a lone CR (old
 * Mac exports) was read as one header line; it was then refused.  It is
 * read now, each CR a line end, at block sizes that split across threads,
 * with errors on the right line. */
static void test_lone_cr(void) {
  size_t cap = 4 << 20, n = 0, m = 0;
  char *cr = malloc(cap), *lf = malloc(cap);
  n += (size_t)sprintf(cr, "id,city,amount\r");
  m += (size_t)sprintf(lf, "id,city,amount\n");
  for (int i = 0; i < 60000; i++) {
    const char *city = i % 1000 == 0 ? "\"New\rYork\"" : "Paris";
    n += (size_t)sprintf(cr + n, "%d,%s,%d.5\r", i, city, i % 100);
    m += (size_t)sprintf(lf + m, "%d,%s,%d.5\n", i, i % 1000 == 0 ? "\"New\nYork\"" : city,
                         i % 100);
  }
  const char *p = put("lone_cr.csv", cr);
  cu_csv_options o = {.block_size = 100000};
  cu_frame *a = NULL, *b = NULL;
  cu_err e = {0};
  CHECK(cu_csv_read(&a, p, &o, NULL, &e) == CU_OK && a && a->nrows == 60000 && a->ncols == 3);
  p = put("lf.csv", lf);
  CHECK(cu_csv_read(&b, p, &o, NULL, &e) == CU_OK && b && b->nrows == 60000);
  if (a && b) {
    const double *x = col(a, "amount")->data, *y = col(b, "amount")->data;
    int same = 1;
    for (size_t i = 0; i < 60000; i++) same &= x[i] == y[i];
    CHECK(same);
    size_t len;
    const char *ny = cu_dict_str(col(a, "city")->dict, ((int32_t *)col(a, "city")->data)[1000], &len);
    CHECK(len == 8 && !memcmp(ny, "New\nYork", 8));
  }
  cu_frame_release(a);
  cu_frame_release(b);
  /* a bad id in row 40,001: line 40,001 + 2 (the header is line 1) + 41
   * (each New York row before it, 0, 1000, ..., 40000, spans two lines) */
  char *bad = strstr(cr, "\r40001,Paris,1.5\r");
  CHECK(bad != NULL);
  if (bad) memcpy(bad + 1, "4000x", 5);
  p = put("lone_cr_bad.csv", cr);
  cu_csv_coltype t[] = {{"id", CU_I64, NULL}};
  cu_csv_options typed = {.block_size = 100000, .types = t, .ntypes = 1};
  a = NULL;
  CHECK(cu_csv_read(&a, p, &typed, NULL, &e) == CU_EPARSE);
  CHECK(e.line == 40001 + 2 + 41);
  cu_frame_release(a);
  /* and skipped with --skip-bad-rows, on the same line */
  cu_csv_info info;
  typed.skip_bad_rows = 1;
  a = NULL;
  CHECK(cu_csv_read(&a, p, &typed, &info, &e) == CU_OK && a && a->nrows == 59999);
  CHECK(info.skipped == 1 && info.skipped_lines[0] == 40001 + 2 + 41);
  cu_frame_release(a);
  free(cr);
  free(lf);
}

int main(void) {
  if (!mkdtemp(dir)) return 1;
  test_streaming_and_columns();
  test_basic_types();
  test_delimiters();
  test_widening();
  test_parallel_equivalence(0);
  test_parallel_equivalence(1);
  test_errors();
  test_skip_bad_rows();
  test_write_roundtrip();
  test_streaming_skip_bad_stretch();
  test_long_records();
  test_wide_header();
  test_changed_while_read();
  test_lone_cr();
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) return 1;
  return check_done("csv");
}
