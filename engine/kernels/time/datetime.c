/* datetime.c: timestamp parsing and formatting without libc's locale and
 * time-zone machinery (strptime/mktime are slow and depend on TZ).
 * Algorithms: H. Hinnant, "chrono-Compatible Low-Level Date Algorithms". */
#include "datetime.h"

#include <stdio.h>
#include <string.h>

int64_t cu_days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = (unsigned)(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

void cu_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = (unsigned)(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int64_t y, unsigned m) {
  static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
  return dm[m - 1];
}

/* Reads 1..maxd digits; returns digits read (0 if none). */
static int digits(const char *s, const char *end, int mind, int maxd, int64_t *v) {
  int k = 0;
  int64_t x = 0;
  while (s + k < end && k < maxd && s[k] >= '0' && s[k] <= '9') {
    x = x * 10 + (s[k] - '0');
    k++;
  }
  if (k < mind) return 0;
  *v = x;
  return k;
}

static int make_ts(int64_t y, int64_t mo, int64_t d, int64_t h, int64_t mi, int64_t sec, int64_t us,
                   int64_t *out) {
  if (y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, (unsigned)mo) ||
      h > 23 || mi > 59 || sec > 60)
    return -1;
  int64_t days = cu_days_from_civil(y, (unsigned)mo, (unsigned)d);
  *out = ((days * 24 + h) * 60 + mi) * 60 * CU_US_PER_SEC + sec * CU_US_PER_SEC + us;
  return 0;
}

/* [H]H:MM[:SS[.ffffff]] ; returns chars consumed or -1 */
static int parse_clock(const char *p, const char *end, int64_t *h, int64_t *mi, int64_t *sec,
                       int64_t *us) {
  const char *s = p;
  int k = digits(p, end, 1, 2, h);
  if (!k) return -1;
  p += k;
  if (p >= end || *p != ':') return -1;
  p++;
  if (digits(p, end, 2, 2, mi) != 2) return -1;
  p += 2;
  *sec = 0;
  *us = 0;
  if (p < end && *p == ':') {
    p++;
    if (digits(p, end, 2, 2, sec) != 2) return -1;
    p += 2;
    if (p < end && (*p == '.' || *p == ',')) {
      p++;
      int64_t frac = 0;
      int n = 0;
      while (p < end && *p >= '0' && *p <= '9') {
        if (n < 6) {
          frac = frac * 10 + (*p - '0');
          n++;
        }
        p++;
      }
      if (n == 0) return -1;
      while (n < 6) {
        frac *= 10;
        n++;
      }
      *us = frac;
    }
  }
  return (int)(p - s);
}

/* Z, +HH:MM, +HHMM, -HH; returns chars consumed or -1 and the offset. */
static int parse_zone(const char *p, const char *end, int64_t *off_us) {
  *off_us = 0;
  if (p >= end) return 0;
  if (*p == 'Z' || *p == 'z') return 1;
  if (*p != '+' && *p != '-') return -1;
  int sign = *p == '-' ? -1 : 1;
  const char *s = p + 1;
  int64_t hh, mm = 0;
  if (digits(s, end, 2, 2, &hh) != 2) return -1;
  s += 2;
  if (s < end && *s == ':') s++;
  if (s < end) {
    if (digits(s, end, 2, 2, &mm) != 2) return -1;
    s += 2;
  }
  if (hh > 23 || mm > 59) return -1;
  *off_us = sign * (hh * 3600 + mm * 60) * CU_US_PER_SEC;
  return (int)(s - p);
}

static int parse_iso(const char *p, const char *end, int64_t *out) {
  int64_t y, mo, d, h = 0, mi = 0, sec = 0, us = 0, off = 0;
  if (digits(p, end, 4, 4, &y) != 4) return -1;
  p += 4;
  if (p >= end || *p != '-') return -1;
  p++;
  int k = digits(p, end, 1, 2, &mo);
  if (!k) return -1;
  p += k;
  if (p >= end || *p != '-') return -1;
  p++;
  k = digits(p, end, 1, 2, &d);
  if (!k) return -1;
  p += k;
  if (p < end) {
    if (*p != ' ' && *p != 'T') return -1;
    p++;
    k = parse_clock(p, end, &h, &mi, &sec, &us);
    if (k < 0) return -1;
    p += k;
    k = parse_zone(p, end, &off);
    if (k < 0) return -1;
    p += k;
    if (p != end) return -1;
  }
  if (make_ts(y, mo, d, h, mi, sec, us, out)) return -1;
  *out -= off;
  return 0;
}

static int parse_slash(const char *p, const char *end, int month_first, int64_t *out) {
  int64_t a, b, y, h = 0, mi = 0, sec = 0, us = 0;
  int k = digits(p, end, 1, 2, &a);
  if (!k) return -1;
  p += k;
  if (p >= end || *p != '/') return -1;
  p++;
  k = digits(p, end, 1, 2, &b);
  if (!k) return -1;
  p += k;
  if (p >= end || *p != '/') return -1;
  p++;
  if (digits(p, end, 4, 4, &y) != 4) return -1;
  p += 4;
  if (p < end) {
    if (*p != ' ') return -1;
    p++;
    k = parse_clock(p, end, &h, &mi, &sec, &us);
    if (k < 0) return -1;
    p += k;
    if (p < end && *p == ' ' && p + 3 == end) { /* 12-hour clock */
      if ((p[1] == 'P' || p[1] == 'p') && (p[2] == 'M' || p[2] == 'm')) {
        if (h < 12) h += 12;
      } else if ((p[1] == 'A' || p[1] == 'a') && (p[2] == 'M' || p[2] == 'm')) {
        if (h == 12) h = 0;
      } else
        return -1;
      p = end;
    }
    if (p != end) return -1;
  }
  return make_ts(y, month_first ? a : b, month_first ? b : a, h, mi, sec, us, out);
}

int cu_ts_parse(const char *s, size_t len, cu_ts_format fmt, int64_t *out) {
  const char *end = s + len;
  int64_t y, m, d;
  switch (fmt) {
  case CU_TSF_ISO: return parse_iso(s, end, out);
  case CU_TSF_MDY: return parse_slash(s, end, 1, out);
  case CU_TSF_DMY: return parse_slash(s, end, 0, out);
  case CU_TSF_YMD8:
    if (len != 8 || digits(s, end, 4, 4, &y) != 4 || digits(s + 4, end, 2, 2, &m) != 2 ||
        digits(s + 6, end, 2, 2, &d) != 2)
      return -1;
    return make_ts(y, m, d, 0, 0, 0, 0, out);
  default: return -1;
  }
}

static const char *const month_names[] = {"january",   "february", "march",    "april",
                                          "may",       "june",     "july",     "august",
                                          "september", "october",  "november", "december"};

static int lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

int cu_ts_parse_pattern(const char *s, size_t len, const char *pat, int64_t *out) {
  const char *p = s, *end = s + len;
  int64_t y = 1970, mo = 1, d = 1, h = 0, mi = 0, sec = 0, us = 0, off = 0;
  int64_t yday = -1;
  int pm = -1, k;
  for (; *pat; pat++) {
    if (*pat != '%') {
      if (p >= end || *p != *pat) return -1;
      p++;
      continue;
    }
    pat++;
    switch (*pat) {
    case 'Y': k = digits(p, end, 4, 4, &y); break;
    case 'y':
      k = digits(p, end, 2, 2, &y);
      y += y < 69 ? 2000 : 1900; /* POSIX strptime's pivot */
      break;
    case 'm': k = digits(p, end, 1, 2, &mo); break;
    case 'd':
    case 'e':
      while (*pat == 'e' && p < end && *p == ' ') p++;
      k = digits(p, end, 1, 2, &d);
      break;
    case 'H': k = digits(p, end, 1, 2, &h); break;
    case 'I':
      k = digits(p, end, 1, 2, &h);
      if (pm < 0) pm = 0;
      break;
    case 'M': k = digits(p, end, 1, 2, &mi); break;
    case 'S': k = digits(p, end, 1, 2, &sec); break;
    case 'j': k = digits(p, end, 1, 3, &yday); break;
    case 'f': {
      int64_t frac = 0;
      k = 0;
      while (p + k < end && p[k] >= '0' && p[k] <= '9') {
        if (k < 6) frac = frac * 10 + (p[k] - '0');
        k++;
      }
      for (int n = k; n < 6; n++) frac *= 10;
      us = frac;
      break;
    }
    case 'b':
    case 'B': {
      k = 0;
      for (int i = 0; i < 12 && !k; i++) {
        size_t full = strlen(month_names[i]), n = 0;
        while (p + n < end && n < full && lower(p[n]) == month_names[i][n]) n++;
        if (n == full || n == 3) {
          mo = i + 1;
          k = (int)n;
        }
      }
      break;
    }
    case 'p':
      if (p + 2 > end) return -1;
      if (lower(p[0]) == 'p' && lower(p[1]) == 'm')
        pm = 1;
      else if (lower(p[0]) == 'a' && lower(p[1]) == 'm')
        pm = 0;
      else
        return -1;
      k = 2;
      break;
    case 'z':
      k = parse_zone(p, end, &off);
      if (k <= 0) return -1;
      break;
    case '%': k = (p < end && *p == '%') ? 1 : 0; break;
    default: return -1;
    }
    if (k <= 0) return -1;
    p += k;
  }
  if (p != end) return -1;
  if (pm == 1 && h < 12) h += 12;
  if (pm == 0 && h == 12) h = 0;
  if (yday > 0) {
    int64_t base = cu_days_from_civil(y, 1, 1) + yday - 1;
    int64_t yy;
    unsigned mm, dd;
    cu_civil_from_days(base, &yy, &mm, &dd);
    if (yy != y) return -1;
    mo = mm;
    d = dd;
  }
  if (make_ts(y, mo, d, h, mi, sec, us, out)) return -1;
  *out -= off;
  return 0;
}

int64_t cu_ts_floor(int64_t ts, cu_floor_unit unit) {
  int64_t days = cu_floordiv(ts, CU_US_PER_DAY), y;
  unsigned m, d;
  switch (unit) {
  case CU_FLOOR_DAY: break;
  case CU_FLOOR_WEEK: days -= cu_weekday_index(days); break;
  case CU_FLOOR_MONTH:
    cu_civil_from_days(days, &y, &m, &d);
    days = cu_days_from_civil(y, m, 1);
    break;
  case CU_FLOOR_YEAR:
    cu_civil_from_days(days, &y, &m, &d);
    days = cu_days_from_civil(y, 1, 1);
    break;
  }
  return days * CU_US_PER_DAY;
}

int cu_ts_format_iso(int64_t us, int date_only, char *buf) {
  int64_t days = cu_floordiv(us, CU_US_PER_DAY);
  int64_t rem = us - days * CU_US_PER_DAY;
  int64_t y;
  unsigned m, d;
  cu_civil_from_days(days, &y, &m, &d);
  if (date_only && rem == 0) return snprintf(buf, 32, "%04lld-%02u-%02u", (long long)y, m, d);
  int64_t sec = rem / CU_US_PER_SEC, frac = rem % CU_US_PER_SEC;
  int n = snprintf(buf, 32, "%04lld-%02u-%02u %02d:%02d:%02d", (long long)y, m, d,
                   (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60));
  if (frac) n += snprintf(buf + n, 32 - (size_t)n, ".%06d", (int)frac);
  return n;
}
