/* cluster_internal.h: what the clustering files share (not for bindings). */
#ifndef CU_CLUSTER_INTERNAL_H
#define CU_CLUSTER_INTERNAL_H

#include <stddef.h>

#include "parallel.h"
#include "status.h"

static inline int nomem(cu_err *e) { return cu_err_set(e, CU_ENOMEM, "out of memory"); }

static inline double dist2(const double *a, const double *b, size_t d) {
  double s = 0;
  for (size_t j = 0; j < d; j++) {
    double t = a[j] - b[j];
    s += t * t;
  }
  return s;
}

static inline size_t block_end(size_t b, size_t n) {
  size_t end = (b + 1) * CU_BLOCK_ROWS;
  return end < n ? end : n;
}

/* Every value of a row-major n x d matrix finite; else an error naming
 * the row and column. */
int cu_cluster_check_matrix(const double *X, size_t n, size_t d, cu_err *e);

#endif
