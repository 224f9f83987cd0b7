/* ops_fast.c: the element-wise operations and sums of columns without
 * missing values, as plain loops the compiler vectorises (this file is
 * built with -O3).  ops.c calls these first and keeps its general loops
 * for masks, mixed types, timestamps and text.
 *
 * The results are the same bits as the general loops': each element is one
 * IEEE operation either way.  A result that is not finite (x / 0) is found
 * after the loop by its exponent bits and becomes missing, as in ops.c.
 * The sum is compensated in 16 independent lanes combined in a fixed
 * order, so it is as accurate as one compensated pass and the same on
 * every machine. */
#include "ops_fast.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
/* an AVX2 copy of the hot loops beside the baseline one, chosen at load */
#define CU_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define CU_CLONES
#endif

/* a column of n values whose data the caller fills completely */
static cu_column *new_plain(cu_type t, size_t n) {
  cu_column *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->refs = 1;
  c->type = t;
  c->n = n;
  c->data = cu_data_alloc(n * cu_type_width(t));
  if (!c->data) {
    free(c);
    return NULL;
  }
  return c;
}

/* non-finite results become missing */
static int mask_nonfinite(cu_column *r) {
  double *v = r->data;
  r->valid = malloc(r->n ? r->n : 1);
  if (!r->valid) return -1;
  for (size_t i = 0; i < r->n; i++) {
    r->valid[i] = isfinite(v[i]) != 0;
    if (!r->valid[i]) v[i] = 0;
  }
  return 0;
}

#define LOOP(EXPR)                                                                                 \
  do {                                                                                             \
    for (size_t i = 0; i < n; i++) r[i] = (EXPR);                                                  \
  } while (0)

/* r[i] = EXPR for every i; the result is 1 when some r[i] is not finite */
#define LOOPF(EXPR)                                                                                \
  do {                                                                                             \
    for (size_t i = 0; i < n; i++) {                                                               \
      double v_ = (EXPR);                                                                          \
      uint64_t u_;                                                                                 \
      memcpy(&u_, &v_, sizeof u_);                                                                 \
      bad |= (u_ & EXP) == EXP;                                                                    \
      r[i] = v_;                                                                                   \
    }                                                                                              \
  } while (0)
#define EXP 0x7ff0000000000000ULL

CU_CLONES static int f64_vv(double *restrict r, const double *restrict a, const double *restrict b,
                            size_t n, cu_arith_op op) {
  uint64_t bad = 0;
  switch (op) {
  case CU_ADD: LOOPF(a[i] + b[i]); break;
  case CU_SUB: LOOPF(a[i] - b[i]); break;
  case CU_MUL: LOOPF(a[i] * b[i]); break;
  default: LOOPF(a[i] / b[i]); break;
  }
  return bad != 0;
}

CU_CLONES static int f64_vs(double *restrict r, const double *restrict a, double s, size_t n,
                            cu_arith_op op, int scalar_first) {
  uint64_t bad = 0;
  if (scalar_first) {
    switch (op) {
    case CU_ADD: LOOPF(s + a[i]); break;
    case CU_SUB: LOOPF(s - a[i]); break;
    case CU_MUL: LOOPF(s * a[i]); break;
    default: LOOPF(s / a[i]); break;
    }
  } else {
    switch (op) {
    case CU_ADD: LOOPF(a[i] + s); break;
    case CU_SUB: LOOPF(a[i] - s); break;
    case CU_MUL: LOOPF(a[i] * s); break;
    default: LOOPF(a[i] / s); break;
    }
  }
  return bad != 0;
}

int cu_fast_arith(cu_column **out, const cu_column *a, const cu_scalar *as, const cu_column *b,
                  const cu_scalar *bs, cu_arith_op op) {
  if (op != CU_ADD && op != CU_SUB && op != CU_MUL && op != CU_DIV) return 0;
  int a_col = a && a->type == CU_F64 && !a->valid;
  int b_col = b && b->type == CU_F64 && !b->valid;
  int a_num = !a && !as->missing && (as->type == CU_F64 || as->type == CU_I64);
  int b_num = !b && !bs->missing && (bs->type == CU_F64 || bs->type == CU_I64);
  if (!((a_col && (b_col || b_num)) || (a_num && b_col))) return 0;
  if (a_col && b_col && a->n != b->n) return 0; /* ops.c reports it */
  size_t n = a_col ? a->n : b->n;
  cu_column *r = new_plain(CU_F64, n);
  if (!r) return -1;
  int bad;
  if (a_col && b_col) {
    bad = f64_vv(r->data, a->data, b->data, n, op);
  } else if (a_col) {
    bad = f64_vs(r->data, a->data, bs->type == CU_F64 ? bs->f : (double)bs->i, n, op, 0);
  } else {
    bad = f64_vs(r->data, b->data, as->type == CU_F64 ? as->f : (double)as->i, n, op, 1);
  }
  if (bad && mask_nonfinite(r)) {
    cu_column_release(r);
    return -1;
  }
  *out = r;
  return 1;
}

CU_CLONES static void cmp_vs(uint8_t *restrict r, const double *restrict a, double s, size_t n,
                             cu_cmp_op op) {
  switch (op) {
  case CU_EQ: LOOP(a[i] == s); break;
  case CU_NE: LOOP(a[i] != s); break;
  case CU_LT: LOOP(a[i] < s); break;
  case CU_LE: LOOP(a[i] <= s); break;
  case CU_GT: LOOP(a[i] > s); break;
  default: LOOP(a[i] >= s); break;
  }
}

CU_CLONES static void cmp_vv(uint8_t *restrict r, const double *restrict a,
                             const double *restrict b, size_t n, cu_cmp_op op) {
  switch (op) {
  case CU_EQ: LOOP(a[i] == b[i]); break;
  case CU_NE: LOOP(a[i] != b[i]); break;
  case CU_LT: LOOP(a[i] < b[i]); break;
  case CU_LE: LOOP(a[i] <= b[i]); break;
  case CU_GT: LOOP(a[i] > b[i]); break;
  default: LOOP(a[i] >= b[i]); break;
  }
}

int cu_fast_compare(cu_column **out, const cu_column *a, const cu_column *b, const cu_scalar *bs,
                    cu_cmp_op op) {
  if (!a || a->type != CU_F64 || a->valid) return 0;
  int b_col = b && b->type == CU_F64 && !b->valid && b->n == a->n;
  int b_num = !b && !bs->missing && (bs->type == CU_F64 || bs->type == CU_I64);
  if (!b_col && !b_num) return 0;
  cu_column *r = new_plain(CU_BOOL, a->n);
  if (!r) return -1;
  if (b_col)
    cmp_vv(r->data, a->data, b->data, a->n, op);
  else
    cmp_vs(r->data, a->data, bs->type == CU_F64 ? bs->f : (double)bs->i, a->n, op);
  *out = r;
  return 1;
}

CU_CLONES static void logic_vv(uint8_t *restrict r, const uint8_t *restrict a,
                               const uint8_t *restrict b, size_t n, int and) {
  if (and)
    LOOP(a[i] & b[i]);
  else
    LOOP(a[i] | b[i]);
}

int cu_fast_logic(cu_column **out, const cu_column *a, const cu_column *b, int and) {
  if (!a || !b || a->type != CU_BOOL || b->type != CU_BOOL || a->valid || b->valid ||
      a->n != b->n)
    return 0;
  cu_column *r = new_plain(CU_BOOL, a->n);
  if (!r) return -1;
  logic_vv(r->data, a->data, b->data, a->n, and);
  *out = r;
  return 1;
}

/* Neumaier's step: s += v, with the lost low part added to c */
#define NEUMAIER(s, c, v)                                                                          \
  do {                                                                                             \
    double t_ = (s) + (v);                                                                         \
    (c) += fabs(s) >= fabs(v) ? ((s)-t_) + (v) : ((v)-t_) + (s);                                   \
    (s) = t_;                                                                                      \
  } while (0)

/* 16 lanes as four vectors of 4 (GCC's and clang's vector extensions:
 * SSE2 pairs in the baseline copy, AVX2 in the other); lane k adds the
 * elements i + k, the same operations in the same order on every copy.
 * Each lane keeps the exact rounding error of every addition (Knuth's
 * TwoSum, which needs no comparison: the same error Neumaier's branch
 * finds), so the sum is as accurate as one compensated pass. */
typedef double v4d __attribute__((vector_size(32)));

#define TWOSUM4(s, c, x)                                                                           \
  do {                                                                                             \
    v4d t_ = (s) + (x), z_ = t_ - (s);                                                             \
    (c) += ((s) - (t_ - z_)) + ((x)-z_);                                                           \
    (s) = t_;                                                                                      \
  } while (0)

CU_CLONES double cu_fast_sum(const double *restrict x, size_t n) {
  v4d s[4] = {{0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}};
  v4d c[4] = {{0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}};
  size_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int v = 0; v < 4; v++) {
      v4d xv;
      memcpy(&xv, x + i + 4 * v, sizeof xv);
      TWOSUM4(s[v], c[v], xv);
    }
  double ls[16], lc[16];
  memcpy(ls, s, sizeof ls);
  memcpy(lc, c, sizeof lc);
  for (; i < n; i++) NEUMAIER(ls[0], lc[0], x[i]);
  double S = 0, C = 0;
  for (int k = 0; k < 16; k++) NEUMAIER(S, C, ls[k]);
  for (int k = 0; k < 16; k++) C += lc[k];
  return S + C;
}

CU_CLONES double cu_fast_minmax(const double *restrict x, size_t n, int want_max) {
  /* 8 lanes, then the lanes in order: the same value as one pass (min and
   * max are exact), found at vector speed */
  double m[8];
  for (int k = 0; k < 8; k++) m[k] = x[0];
  size_t i = 0;
  if (want_max) {
    for (; i + 8 <= n; i += 8)
      for (int k = 0; k < 8; k++) m[k] = x[i + k] > m[k] ? x[i + k] : m[k];
    for (; i < n; i++) m[0] = x[i] > m[0] ? x[i] : m[0];
    for (int k = 1; k < 8; k++) m[0] = m[k] > m[0] ? m[k] : m[0];
  } else {
    for (; i + 8 <= n; i += 8)
      for (int k = 0; k < 8; k++) m[k] = x[i + k] < m[k] ? x[i + k] : m[k];
    for (; i < n; i++) m[0] = x[i] < m[0] ? x[i] : m[0];
    for (int k = 1; k < 8; k++) m[0] = m[k] < m[0] ? m[k] : m[0];
  }
  return m[0];
}
