/* status.h: how kernels report failure.
 *
 * A kernel returns 0 on success or one of the CU_E* codes below, and fills a
 * cu_err with a message (and, for data errors, the line and column) that the
 * binding turns into `nil, message` or a Lua error.  Kernels never print,
 * exit or longjmp.
 *
 * GSL: the program that links the kernels turns GSL's error handler off
 * once, before any kernel runs (gsl_set_error_handler_off(); the host's
 * main and the C tests' check.h do), and kernels check every GSL status.
 * Kernels never touch the handler: it is process-wide state, and a kernel
 * switching it off and back would race with another thread's kernel. */
#ifndef CU_STATUS_H
#define CU_STATUS_H

#include <stddef.h>

enum {
  CU_OK = 0,
  CU_EIO,      /* file missing, unreadable, not writable */
  CU_EPARSE,   /* malformed data: ragged row, bad quote, bad value */
  CU_ETYPE,    /* operation not defined for a column type */
  CU_EARG,     /* bad argument (length mismatch, unknown option) */
  CU_ENOMEM,   /* allocation failed */
  CU_ERANGE,   /* integer overflow or value out of range */
  CU_EINTR,    /* interrupted by the user, or stopped by a callback */
  CU_ECALLBACK /* a caller-supplied callback failed (binding-specific) */
};

typedef struct cu_err {
  int code;
  long line;  /* 1-based line in the input file, 0 when not applicable */
  int column; /* 1-based field number, 0 when not applicable */
  char msg[512];
} cu_err;

/* Sets code and a printf-style message; returns code so callers can write
 * `return cu_err_set(e, CU_EARG, "...")`.  e may be NULL. */
int cu_err_set(cu_err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void cu_err_clear(cu_err *e);
const char *cu_strerror(int code);

/* Checked by long loops; set from a signal handler by the host. */
extern volatile int cu_interrupted;

#endif
