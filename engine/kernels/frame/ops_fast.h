/* ops_fast.h: ops.c's fast paths for columns without missing values
 * (ops_fast.c).  Each returns 1 when it did the work (*out set), 0 when the
 * operands are not its case (ops.c's general loop then runs), -1 when out
 * of memory. */
#ifndef CU_OPS_FAST_H
#define CU_OPS_FAST_H

#include "frame.h"

int cu_fast_arith(cu_column **out, const cu_column *a, const cu_scalar *as, const cu_column *b,
                  const cu_scalar *bs, cu_arith_op op);
int cu_fast_compare(cu_column **out, const cu_column *a, const cu_column *b, const cu_scalar *bs,
                    cu_cmp_op op);
int cu_fast_logic(cu_column **out, const cu_column *a, const cu_column *b, int and);
/* The compensated sum of n values (16 lanes, combined in order). */
double cu_fast_sum(const double *x, size_t n);
/* The smallest (want_max 0) or largest of n >= 1 values. */
double cu_fast_minmax(const double *x, size_t n, int want_max);

#endif
