/* status.c: error reporting helpers shared by every kernel. */
#include "status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

volatile int cu_interrupted = 0;

int cu_err_set(cu_err *e, int code, const char *fmt, ...) {
  if (e) {
    va_list ap;
    e->code = code;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
  }
  return code;
}

void cu_err_clear(cu_err *e) {
  if (e) memset(e, 0, sizeof *e);
}

const char *cu_strerror(int code) {
  switch (code) {
  case CU_OK: return "ok";
  case CU_EIO: return "i/o error";
  case CU_EPARSE: return "parse error";
  case CU_ETYPE: return "type error";
  case CU_EARG: return "bad argument";
  case CU_ENOMEM: return "out of memory";
  case CU_ERANGE: return "out of range";
  case CU_EINTR: return "interrupted";
  case CU_ECALLBACK: return "callback failed";
  default: return "unknown error";
  }
}
