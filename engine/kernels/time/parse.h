/* parse.h: number and boolean text conversion shared by the CSV reader,
 * casts and the writer. */
#ifndef CU_PARSE_H
#define CU_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* Each returns 0 when all of s[0..len) is a value of the type, -1 otherwise.
 * Leading/trailing blanks are not accepted (the CSV reader trims them). */
int cu_parse_i64(const char *s, size_t len, int64_t *out);
/* Finite decimal or exponent notation; correctly rounded. */
int cu_parse_f64(const char *s, size_t len, double *out);
/* true/false, TRUE/FALSE, True/False. */
int cu_parse_bool(const char *s, size_t len, int *out);
/* Shortest text that reads back as the same double; returns the length.
 * buf needs 32 bytes. */
int cu_format_f64(double v, char *buf);
/* 1 when formatting the integer gives back exactly s (no sign, leading
 * zeros or plus), so a column can become text again without losing it. */
int cu_i64_is_canonical(const char *s, size_t len);

#endif
