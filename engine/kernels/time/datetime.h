/* datetime.h: calendar arithmetic and timestamp text.
 *
 * Timestamps are int64 microseconds since 1970-01-01 00:00:00 in the
 * proleptic Gregorian calendar, with no time zone (times in a file are taken
 * as written; a trailing Z or offset is applied).  Day/civil conversions use
 * Howard Hinnant's days_from_civil algorithm. */
#ifndef CU_DATETIME_H
#define CU_DATETIME_H

#include <stddef.h>
#include <stdint.h>

#define CU_US_PER_SEC INT64_C(1000000)
#define CU_US_PER_DAY INT64_C(86400000000)

/* Built-in formats, tried in this order when inferring. */
typedef enum {
  CU_TSF_ISO,   /* 2010-12-01, 2010-12-01 08:26[:00[.123]], T, Z, +01:00 */
  CU_TSF_MDY,   /* 12/1/2010, 12/1/2010 8:26[:00] (US, as Excel exports) */
  CU_TSF_DMY,   /* 1/12/2010 13:05 (day first) */
  CU_TSF_YMD8,  /* 20101201 (only when asked for: it looks like an int) */
  CU_TSF_CUSTOM /* strftime-style pattern */
} cu_ts_format;
#define CU_TSF_INFER_MASK ((1u << CU_TSF_ISO) | (1u << CU_TSF_MDY) | (1u << CU_TSF_DMY))

int64_t cu_days_from_civil(int64_t y, unsigned m, unsigned d);
void cu_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);
static inline int64_t cu_floordiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* Calendar units for truncating timestamps. */
typedef enum { CU_FLOOR_DAY, CU_FLOOR_WEEK, CU_FLOOR_MONTH, CU_FLOOR_YEAR } cu_floor_unit;

/* Day of the week of a day number: 0 = Monday .. 6 = Sunday. */
static inline int cu_weekday_index(int64_t days) { return (int)((days % 7 + 7 + 3) % 7); }
/* The start of the day, week (Monday), month or year holding ts. */
int64_t cu_ts_floor(int64_t ts, cu_floor_unit unit);

/* Parses s[0..len) in a built-in format; 0 ok, -1 no match. */
int cu_ts_parse(const char *s, size_t len, cu_ts_format fmt, int64_t *out);
/* Parses with a pattern of %Y %m %d %H %M %S %f %y %b %B %e %j %p %z %%
 * and literal characters; 0 ok, -1 no match. */
int cu_ts_parse_pattern(const char *s, size_t len, const char *pattern, int64_t *out);
/* Writes "YYYY-MM-DD HH:MM:SS[.ffffff]" (or just the date at midnight when
 * date_only); returns the length.  buf needs 32 bytes. */
int cu_ts_format_iso(int64_t us, int date_only, char *buf);

#endif
