/* test_datetime.c: calendar conversions and timestamp parsing. */
#include "check.h"
#include "datetime.h"

static int64_t ts(int y, int m, int d, int hh, int mm, int ss) {
  return ((cu_days_from_civil(y, (unsigned)m, (unsigned)d) * 24 + hh) * 60 + mm) * 60 *
             CU_US_PER_SEC +
         ss * CU_US_PER_SEC;
}

int main(void) {
  /* days_from_civil: 1970-01-01 is day 0; 2000-03-01 is 11017 (date -d). */
  CHECK(cu_days_from_civil(1970, 1, 1) == 0);
  CHECK(cu_days_from_civil(2000, 3, 1) == 11017);
  CHECK(cu_days_from_civil(1969, 12, 31) == -1);
  for (int64_t z = -800000; z < 800000; z += 997) {
    int64_t y;
    unsigned m, d;
    cu_civil_from_days(z, &y, &m, &d);
    CHECK(cu_days_from_civil(y, m, d) == z);
  }
  int64_t v;
  /* Online Retail's ISO form; 2010-12-01 08:26:00 UTC is 1291191960 s. */
  CHECK(cu_ts_parse("2010-12-01 08:26:00", 19, CU_TSF_ISO, &v) == 0);
  CHECK(v == INT64_C(1291191960) * CU_US_PER_SEC);
  CHECK(cu_ts_parse("2010-12-01T08:26:00Z", 20, CU_TSF_ISO, &v) == 0);
  CHECK(v == INT64_C(1291191960) * CU_US_PER_SEC);
  CHECK(cu_ts_parse("2010-12-01T09:26:00+01:00", 25, CU_TSF_ISO, &v) == 0);
  CHECK(v == INT64_C(1291191960) * CU_US_PER_SEC);
  CHECK(cu_ts_parse("2010-12-01 08:26:00.5", 21, CU_TSF_ISO, &v) == 0);
  CHECK(v == INT64_C(1291191960) * CU_US_PER_SEC + 500000);
  CHECK(cu_ts_parse("2010-12-01", 10, CU_TSF_ISO, &v) == 0 && v == ts(2010, 12, 1, 0, 0, 0));
  /* the UCI Excel export's form, month first */
  CHECK(cu_ts_parse("12/1/2010 8:26", 14, CU_TSF_MDY, &v) == 0 && v == ts(2010, 12, 1, 8, 26, 0));
  CHECK(cu_ts_parse("1/12/2010 8:26", 14, CU_TSF_DMY, &v) == 0 && v == ts(2010, 12, 1, 8, 26, 0));
  CHECK(cu_ts_parse("13/1/2010", 9, CU_TSF_MDY, &v) != 0);
  CHECK(cu_ts_parse("12/1/2010 1:05 PM", 17, CU_TSF_MDY, &v) == 0 &&
        v == ts(2010, 12, 1, 13, 5, 0));
  CHECK(cu_ts_parse("19970101", 8, CU_TSF_YMD8, &v) == 0 && v == ts(1997, 1, 1, 0, 0, 0));
  CHECK(cu_ts_parse("19970230", 8, CU_TSF_YMD8, &v) != 0); /* no Feb 30 */
  CHECK(cu_ts_parse("2011-02-29", 10, CU_TSF_ISO, &v) != 0);
  CHECK(cu_ts_parse("2012-02-29", 10, CU_TSF_ISO, &v) == 0);
  CHECK(cu_ts_parse("2010-12-01 25:00", 16, CU_TSF_ISO, &v) != 0);
  CHECK(cu_ts_parse("hello", 5, CU_TSF_ISO, &v) != 0);
  /* strftime-style patterns */
  CHECK(cu_ts_parse_pattern("01.12.2010", 10, "%d.%m.%Y", &v) == 0 &&
        v == ts(2010, 12, 1, 0, 0, 0));
  CHECK(cu_ts_parse_pattern("Dec 1 2010 08:26", 16, "%b %d %Y %H:%M", &v) == 0 &&
        v == ts(2010, 12, 1, 8, 26, 0));
  CHECK(cu_ts_parse_pattern("19970101", 8, "%Y%m%d", &v) == 0 && v == ts(1997, 1, 1, 0, 0, 0));
  CHECK(cu_ts_parse_pattern("1997-001", 8, "%Y-%j", &v) == 0 && v == ts(1997, 1, 1, 0, 0, 0));
  CHECK(cu_ts_parse_pattern("01.12.2010x", 11, "%d.%m.%Y", &v) != 0);
  char buf[32];
  cu_ts_format_iso(ts(2010, 12, 1, 8, 26, 0), 0, buf);
  CHECK_STR(buf, "2010-12-01 08:26:00");
  cu_ts_format_iso(ts(1997, 1, 1, 0, 0, 0), 1, buf);
  CHECK_STR(buf, "1997-01-01");
  cu_ts_format_iso(ts(1969, 12, 31, 23, 59, 59), 0, buf);
  CHECK_STR(buf, "1969-12-31 23:59:59");
  return check_done("datetime");
}
