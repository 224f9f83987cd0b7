/* parse.c: fast paths for the common shapes of numbers in CSV files.
 *
 * Decimal numbers with at most 15 significant digits and a small exponent
 * are converted exactly by Clinger's fast path (one correctly rounded
 * multiplication or division of two exact doubles); everything else goes to
 * strtod, which is correctly rounded in glibc. */
#include "parse.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cu_parse_i64(const char *s, size_t len, int64_t *out) {
  size_t i = 0;
  int neg = 0;
  if (len == 0) return -1;
  if (s[0] == '-' || s[0] == '+') {
    neg = s[0] == '-';
    i = 1;
    if (len == 1) return -1;
  }
  uint64_t v = 0;
  for (; i < len; i++) {
    unsigned d = (unsigned char)s[i] - '0';
    if (d > 9) return -1;
    if (v > (UINT64_MAX - d) / 10) return -1;
    v = v * 10 + d;
  }
  if (neg) {
    if (v > (uint64_t)INT64_MAX + 1) return -1;
    *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
  } else {
    if (v > (uint64_t)INT64_MAX) return -1;
    *out = (int64_t)v;
  }
  return 0;
}

static const double pow10_exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static int slow_f64(const char *s, size_t len, double *out) {
  char tmp[128];
  char *buf = tmp, *end;
  if (len >= sizeof tmp) {
    buf = malloc(len + 1);
    if (!buf) return -1;
  }
  memcpy(buf, s, len);
  buf[len] = 0;
  /* strtod also takes hex, inf and nan: only plain decimals are numbers. */
  for (size_t i = 0; i < len; i++) {
    char c = buf[i];
    if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+')) {
      if (buf != tmp) free(buf);
      return -1;
    }
  }
  double v = strtod(buf, &end);
  int ok = end == buf + len && isfinite(v);
  if (buf != tmp) free(buf);
  if (!ok) return -1;
  *out = v;
  return 0;
}

int cu_parse_f64(const char *s, size_t len, double *out) {
  size_t i = 0;
  int neg = 0, ndig = 0, nint = 0, seen_dot = 0;
  uint64_t m = 0;
  int exp10 = 0;
  if (len == 0) return -1;
  if (s[0] == '-' || s[0] == '+') {
    neg = s[0] == '-';
    i = 1;
  }
  for (; i < len; i++) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      if (ndig == 0 && c == '0') { /* leading zeros do not count */
        if (seen_dot) exp10--;
        nint++;
        continue;
      }
      if (ndig >= 19) return slow_f64(s, len, out);
      m = m * 10 + (uint64_t)(c - '0');
      ndig++;
      nint++;
      if (seen_dot) exp10--;
    } else if (c == '.' && !seen_dot) {
      seen_dot = 1;
    } else if (c == 'e' || c == 'E') {
      return slow_f64(s, len, out);
    } else {
      return -1;
    }
  }
  if (nint == 0) return -1; /* "", "-", "." */
  if (ndig <= 15 && exp10 >= -22) {
    double v = (double)m;
    v = exp10 < 0 ? v / pow10_exact[-exp10] : v;
    *out = neg ? -v : v;
    return 0;
  }
  return slow_f64(s, len, out);
}

int cu_parse_bool(const char *s, size_t len, int *out) {
  if (len == 4 && (!memcmp(s, "true", 4) || !memcmp(s, "TRUE", 4) || !memcmp(s, "True", 4))) {
    *out = 1;
    return 0;
  }
  if (len == 5 && (!memcmp(s, "false", 5) || !memcmp(s, "FALSE", 5) || !memcmp(s, "False", 5))) {
    *out = 0;
    return 0;
  }
  return -1;
}

int cu_format_f64(double v, char *buf) {
  int n = 0;
  for (int prec = 15; prec <= 17; prec++) {
    n = snprintf(buf, 32, "%.*g", prec, v);
    if (strtod(buf, NULL) == v) break;
  }
  /* "12346.0", not "12346": text written from a float column reads back as
   * a float column, as pandas does it */
  if (!strpbrk(buf, ".eEn")) n += snprintf(buf + n, 32 - (size_t)n, ".0");
  return n;
}

int cu_i64_is_canonical(const char *s, size_t len) {
  if (len == 0 || s[0] == '+') return 0;
  size_t i = s[0] == '-';
  if (i == len) return 0;
  if (s[i] == '0') return len == 1; /* "0" only; no "-0", no "007" */
  return 1;
}
