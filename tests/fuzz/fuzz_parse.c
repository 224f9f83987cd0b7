/* fuzz_parse.c: libFuzzer target for the number, bool and date parsers
 * (parse.h, datetime.h), with round trips: a date parsed in ISO form,
 * formatted and parsed again gives the same instant; a number formatted by
 * cu_format_f64 parses back to itself. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "parse.h"

static const char *const patterns[] = {"%Y-%m-%d", "%d/%m/%Y %H:%M", "%Y%m%d",
                                       "%b %e %Y %I:%M %p", "%Y-%j", "%Y-%m-%dT%H:%M:%S%z"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *s = (const char *)data;
  double f;
  int64_t i, ts, back;
  int b;
  if (cu_parse_f64(s, size, &f) == 0 && isfinite(f)) {
    char buf[64];
    int len = cu_format_f64(f, buf);
    double g;
    if (cu_parse_f64(buf, (size_t)len, &g) != 0 || g != f) abort();
  }
  (void)cu_parse_i64(s, size, &i);
  (void)cu_parse_bool(s, size, &b);
  for (int fmt = CU_TSF_ISO; fmt <= CU_TSF_YMD8; fmt++) {
    if (cu_ts_parse(s, size, (cu_ts_format)fmt, &ts) == 0 && fmt == CU_TSF_ISO) {
      char buf[40];
      int len = cu_ts_format_iso(ts, 0, buf);
      if (cu_ts_parse(buf, (size_t)len, CU_TSF_ISO, &back) != 0 || back != ts) abort();
    }
  }
  for (size_t k = 0; k < sizeof patterns / sizeof patterns[0]; k++)
    (void)cu_ts_parse_pattern(s, size, patterns[k], &ts);
  return 0;
}
