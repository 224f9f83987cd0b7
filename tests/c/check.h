/* check.h: a minimal assertion harness for the C tests.  Each failed check
 * prints file:line and the expression; main returns the failure count. */
#ifndef CU_CHECK_H
#define CU_CHECK_H

#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* As the host's main does: GSL's handler off once, every status checked by
 * the kernels (see status.h). */
__attribute__((constructor)) static void check_gsl_handler_off(void) { gsl_set_error_handler_off(); }

static int check_failures = 0, check_count = 0;

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    check_count++;                                                                                 \
    if (!(cond)) {                                                                                 \
      check_failures++;                                                                            \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                     \
    }                                                                                              \
  } while (0)

#define CHECK_NEAR(a, b, tol)                                                                      \
  do {                                                                                             \
    check_count++;                                                                                 \
    double a_ = (a), b_ = (b);                                                                     \
    if (!(fabs(a_ - b_) <= (tol))) {                                                               \
      check_failures++;                                                                            \
      fprintf(stderr, "%s:%d: %s = %.17g, expected %.17g\n", __FILE__, __LINE__, #a, a_, b_);      \
    }                                                                                              \
  } while (0)

#define CHECK_STR(a, b)                                                                            \
  do {                                                                                             \
    check_count++;                                                                                 \
    const char *a_ = (a), *b_ = (b);                                                               \
    if (!a_ || strcmp(a_, b_)) {                                                                   \
      check_failures++;                                                                            \
      fprintf(stderr, "%s:%d: %s = \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a,             \
              a_ ? a_ : "(null)", b_);                                                             \
    }                                                                                              \
  } while (0)

static int check_done(const char *name) {
  printf("%s: %d checks, %d failed\n", name, check_count, check_failures);
  return check_failures != 0;
}

#endif
