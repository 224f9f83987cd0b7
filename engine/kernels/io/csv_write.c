/* csv_write.c: the CSV writer (csv_io.h): a frame written whole or not at
 * all, through a temporary file beside the target and a rename; gzip when
 * the name ends in .gz.  Split from csv.c, the reader. */
#include "csv_io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "datetime.h"
#include "parse.h"

typedef struct out_stream {
  FILE *fp;
  gzFile gz;
  char *buf;
  size_t len, cap;
  int failed;
} out_stream;

static void out_flush(out_stream *s) {
  if (s->failed || s->len == 0) return;
  if (s->gz) {
    if (gzwrite(s->gz, s->buf, (unsigned)s->len) != (int)s->len) s->failed = 1;
  } else if (fwrite(s->buf, 1, s->len, s->fp) != s->len) {
    s->failed = 1;
  }
  s->len = 0;
}

static void out_put(out_stream *s, const char *p, size_t n) {
  if (s->len + n > s->cap) out_flush(s);
  if (n > s->cap) {
    if (s->gz ? gzwrite(s->gz, p, (unsigned)n) != (int)n : fwrite(p, 1, n, s->fp) != n)
      s->failed = 1;
    return;
  }
  memcpy(s->buf + s->len, p, n);
  s->len += n;
}

static void out_field(out_stream *s, const char *p, size_t n, char delim) {
  int quote = n > 0 && (p[0] == ' ' || p[n - 1] == ' ');
  for (size_t i = 0; i < n && !quote; i++)
    quote = p[i] == delim || p[i] == '"' || p[i] == '\n' || p[i] == '\r';
  if (!quote) {
    out_put(s, p, n);
    return;
  }
  out_put(s, "\"", 1);
  size_t from = 0;
  for (size_t i = 0; i < n; i++)
    if (p[i] == '"') {
      out_put(s, p + from, i - from + 1);
      out_put(s, "\"", 1);
      from = i + 1;
    }
  out_put(s, p + from, n - from);
  out_put(s, "\"", 1);
}

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && !strcmp(s + n - m, suffix);
}

int cu_csv_write(const char *path, const cu_frame *f, const cu_csv_write_options *o, cu_err *e) {
  char delim = o && o->delim ? o->delim : ',';
  const char *na = o && o->na ? o->na : "";
  size_t nalen = strlen(na);
  size_t plen = strlen(path);
  char *tmp = malloc(plen + 16);
  if (!tmp) return cu_err_set(e, CU_ENOMEM, "out of memory");
  snprintf(tmp, plen + 16, "%s.tmpXXXXXX", path);
  int fd = mkstemp(tmp);
  if (fd < 0) {
    int err = errno;
    free(tmp);
    return cu_err_set(e, CU_EIO, "%s: cannot write: %s", path, strerror(err));
  }
  /* mkstemp makes the file 0600; give it the mode any new file gets (0666
   * less the umask), as the JSON files written through fopen have.  umask
   * can only be read by setting it: no custan thread creates files. */
  mode_t um = umask(0);
  umask(um);
  (void)fchmod(fd, 0666 & ~um); /* a failure leaves 0600: not worth failing the write */
  out_stream s = {0};
  s.cap = 1 << 20;
  s.buf = malloc(s.cap);
  if (ends_with(path, ".gz"))
    s.gz = gzdopen(fd, "wb6");
  else
    s.fp = fdopen(fd, "wb");
  if (!s.buf || (!s.gz && !s.fp)) {
    if (!s.gz && !s.fp) close(fd);
    free(s.buf);
    unlink(tmp);
    free(tmp);
    return cu_err_set(e, CU_ENOMEM, "out of memory");
  }
  for (size_t c = 0; c < f->ncols; c++) {
    if (c) out_put(&s, &delim, 1);
    out_field(&s, f->names[c], strlen(f->names[c]), delim);
  }
  out_put(&s, "\n", 1);
  /* A timestamp column is written as dates when every value is midnight. */
  int *date_only = calloc(f->ncols ? f->ncols : 1, sizeof *date_only);
  for (size_t c = 0; date_only && c < f->ncols; c++) {
    const cu_column *col = f->cols[c];
    if (col->type != CU_TS) continue;
    date_only[c] = 1;
    for (size_t i = 0; i < col->n && date_only[c]; i++)
      if (cu_is_valid(col, i) && ((const int64_t *)col->data)[i] % CU_US_PER_DAY) date_only[c] = 0;
  }
  for (size_t i = 0; i < f->nrows && !s.failed && date_only; i++) {
    for (size_t c = 0; c < f->ncols; c++) {
      const cu_column *col = f->cols[c];
      char num[40];
      int n = 0;
      if (c) out_put(&s, &delim, 1);
      if (!cu_is_valid(col, i)) {
        out_put(&s, na, nalen);
        continue;
      }
      switch (col->type) {
      case CU_F64: n = cu_format_f64(((const double *)col->data)[i], num); break;
      case CU_I64:
        n = snprintf(num, sizeof num, "%lld", (long long)((const int64_t *)col->data)[i]);
        break;
      case CU_TS: n = cu_ts_format_iso(((const int64_t *)col->data)[i], date_only[c], num); break;
      case CU_BOOL:
        n = snprintf(num, sizeof num, "%s", ((const uint8_t *)col->data)[i] ? "true" : "false");
        break;
      case CU_STR: {
        size_t len;
        const char *str = cu_dict_str(col->dict, ((const int32_t *)col->data)[i], &len);
        out_field(&s, str, len, delim);
        continue;
      }
      }
      out_put(&s, num, (size_t)n);
    }
    out_put(&s, "\n", 1);
  }
  int failed = !date_only;
  free(date_only);
  out_flush(&s);
  failed |= s.failed;
  if (s.gz)
    failed |= gzclose(s.gz) != Z_OK;
  else
    failed |= fclose(s.fp) != 0;
  free(s.buf);
  if (!failed && rename(tmp, path) != 0) failed = 1;
  if (failed) {
    int err = errno;
    unlink(tmp);
    free(tmp);
    return cu_err_set(e, CU_EIO, "%s: cannot write: %s", path,
                      err ? strerror(err) : "write failed");
  }
  free(tmp);
  return CU_OK;
}
