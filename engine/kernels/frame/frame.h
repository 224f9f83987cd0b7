/* frame.h: typed columns, string dictionaries and frames.
 *
 * A column is an immutable typed array with an optional validity mask
 * (valid[i] == 0 marks row i missing; valid == NULL means nothing is
 * missing).  Columns and dictionaries are reference counted so frames can
 * share them without copying, as Arrow arrays are; they are never written
 * after construction, so sharing is safe.  All functions here are plain C
 * over plain arrays: no Lua. */
#ifndef CU_FRAME_H
#define CU_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "datetime.h"
#include "status.h"

typedef enum { CU_F64, CU_I64, CU_TS, CU_BOOL, CU_STR } cu_type;
#define CU_NTYPES 5

/* Dictionary of distinct strings; codes are 0..n-1 in insertion order. */
typedef struct cu_dict {
  int refs;
  int32_t n, cap;
  size_t *off;   /* start of string i in arena (NUL terminated there) */
  uint32_t *len; /* byte length of string i */
  uint64_t *hash;
  char *arena;
  size_t used, acap;
  int32_t *slots; /* open addressing table of codes, -1 = empty */
  uint32_t nslots;
  int32_t *rank; /* rank[code] in byte order; built on demand */
} cu_dict;

typedef struct cu_column {
  int refs;
  cu_type type;
  size_t n;
  void *data;     /* double, int64_t (I64, TS: microseconds since 1970 UTC),
                     uint8_t (BOOL), int32_t dictionary codes (STR) */
  uint8_t *valid; /* NULL = no missing values */
  cu_dict *dict;  /* STR only */
} cu_column;

typedef struct cu_frame {
  int refs;
  size_t nrows, ncols, cap;
  char **names;
  cu_column **cols;
  cu_dict *index; /* names by position, once a frame is wide (code i = column i) */
} cu_frame;

/* A scalar operand for column operations. */
typedef struct cu_scalar {
  cu_type type; /* F64, I64, TS, BOOL or STR */
  int missing;
  double f;
  int64_t i; /* I64, TS, BOOL */
  const char *s;
  size_t len;
} cu_scalar;

/* malloc for large buffers, on transparent huge pages where the system
 * offers them (madvise): loads touch tens of MB of fresh memory, and on
 * virtual machines each 4 KB page fault is costly.  Release with free(). */
void *cu_alloc_large(size_t bytes);
/* Column data of `bytes`, uninitialised: a cached buffer of about that
 * size when there is one (1 MB and up), else malloc.  cu_data_free gives
 * a buffer of `bytes` (at least that many) back to the cache or frees it;
 * cu_data_cache_clear frees the cache (at exit, for leak checkers). */
void *cu_data_alloc(size_t bytes);
void cu_data_free(void *p, size_t bytes);
void cu_data_cache_clear(void);

const char *cu_type_name(cu_type t);
int cu_type_parse(const char *name, cu_type *out); /* 0 ok, -1 unknown */
size_t cu_type_width(cu_type t);

/* ---- dictionaries ---- */
cu_dict *cu_dict_new(void);
cu_dict *cu_dict_retain(cu_dict *d);
void cu_dict_release(cu_dict *d);
uint64_t cu_hash_bytes(const void *p, size_t len);
/* Returns the code of s, adding it when absent; -1 when out of memory. */
int32_t cu_dict_intern(cu_dict *d, const char *s, size_t len);
int32_t cu_dict_intern_h(cu_dict *d, const char *s, size_t len, uint64_t h);
int32_t cu_dict_find(const cu_dict *d, const char *s, size_t len);
static inline const char *cu_dict_str(const cu_dict *d, int32_t code, size_t *len) {
  if (len) *len = d->len[code];
  return d->arena + d->off[code];
}
/* rank[code] orders the strings bytewise; 0 ok. */
int cu_dict_ranks(cu_dict *d);

/* ---- columns ---- */
/* New column of n rows, data zeroed, no mask; STR columns get `dict`
 * (retained) or a new empty one when dict is NULL. */
cu_column *cu_column_new(cu_type type, size_t n, cu_dict *dict);
cu_column *cu_column_retain(cu_column *c);
void cu_column_release(cu_column *c);
/* Allocates the validity mask (all valid); 0 ok. */
int cu_column_ensure_mask(cu_column *c);
/* Drops the mask when every row is valid. */
void cu_column_compact_mask(cu_column *c);
static inline int cu_is_valid(const cu_column *c, size_t i) {
  return c->valid == NULL || c->valid[i];
}
size_t cu_column_nmissing(const cu_column *c);
size_t cu_column_bytes(const cu_column *c);
/* Value as double (F64, I64, TS in microseconds, BOOL). */
double cu_column_get_f(const cu_column *c, size_t i);

/* Gathers rows idx[0..n) (idx[k] == SIZE_MAX gives a missing row). */
int cu_column_take(cu_column **out, const cu_column *c, const size_t *idx, size_t n, cu_err *e);
/* Rows [from, to). */
int cu_column_slice(cu_column **out, const cu_column *c, size_t from, size_t to, cu_err *e);
/* Concatenation; I64 and F64 combine to F64, STR dictionaries merge. */
int cu_column_concat(cu_column **out, const cu_column *const *parts, size_t nparts, cu_err *e);
/* Conversion between types (STR to number parses, number to STR formats). */
int cu_column_cast(cu_column **out, const cu_column *c, cu_type to, cu_err *e);
/* Column of n copies of a scalar. */
int cu_column_fill_scalar(cu_column **out, const cu_scalar *s, size_t n, cu_err *e);

/* ---- element-wise operations (ops.c) ---- */
typedef enum { CU_ADD, CU_SUB, CU_MUL, CU_DIV, CU_MOD, CU_POW } cu_arith_op;
typedef enum { CU_EQ, CU_NE, CU_LT, CU_LE, CU_GT, CU_GE } cu_cmp_op;
typedef enum { CU_AND, CU_OR } cu_logic_op;
typedef enum {
  CU_PART_YEAR,
  CU_PART_MONTH,
  CU_PART_DAY,
  CU_PART_WEEKDAY, /* ISO: Monday 1 .. Sunday 7 */
  CU_PART_HOUR,
  CU_PART_MINUTE,
  CU_PART_SECOND,
  CU_PART_YEARDAY,
  CU_PART_QUARTER
} cu_date_part_t;
typedef enum { CU_STR_STARTS, CU_STR_ENDS, CU_STR_CONTAINS } cu_str_test_t;

/* a op b where either side may be a scalar (pass the column as NULL).
 * Missing in, missing out; division or modulo by zero gives missing.
 * TS - TS gives F64 days; TS +/- number of days gives TS. */
int cu_arith(cu_column **out, const cu_column *a, const cu_scalar *as, const cu_column *b,
             const cu_scalar *bs, cu_arith_op op, cu_err *e);
int cu_negate(cu_column **out, const cu_column *a, cu_err *e);
/* Comparison producing BOOL; missing compares to missing. */
int cu_compare(cu_column **out, const cu_column *a, const cu_column *b, const cu_scalar *bs,
               cu_cmp_op op, cu_err *e);
/* Kleene logic on BOOL columns: false & missing = false,
 * true | missing = true, otherwise missing propagates. */
int cu_logic(cu_column **out, const cu_column *a, const cu_column *b, const cu_scalar *bs,
             cu_logic_op op, cu_err *e);
int cu_not(cu_column **out, const cu_column *a, cu_err *e);
int cu_is_missing(cu_column **out, const cu_column *a, cu_err *e);
/* Replaces missing values by a scalar of a compatible type. */
int cu_fill_missing(cu_column **out, const cu_column *a, const cu_scalar *v, cu_err *e);
int cu_str_test(cu_column **out, const cu_column *a, const char *pat, size_t len,
                cu_str_test_t test, cu_err *e);
int cu_str_case(cu_column **out, const cu_column *a, int upper, cu_err *e);
int cu_str_length(cu_column **out, const cu_column *a, cu_err *e);
int cu_date_part(cu_column **out, const cu_column *a, cu_date_part_t part, cu_err *e);
int cu_date_floor(cu_column **out, const cu_column *a, cu_floor_unit unit, cu_err *e);
/* Element-wise math on numeric columns: 0 log, 1 log1p, 2 exp, 3 sqrt,
 * 4 abs, 5 round, 6 floor, 7 ceil; out of domain gives missing. */
int cu_math(cu_column **out, const cu_column *a, int fn, cu_err *e);
/* Rounds half away from zero to `digits` decimal places (negative: tens,
 * hundreds, ...), as x * 10^d rounded, over 10^d; |digits| <= 15. */
int cu_round(cu_column **out, const cu_column *a, int digits, cu_err *e);
/* Values below lo become lo, above hi hi (float64; missing stays missing). */
int cu_clip(cu_column **out, const cu_column *a, double lo, double hi, cu_err *e);

/* ---- reductions (ops.c); they skip missing values ---- */
typedef struct cu_stat {
  size_t count; /* non-missing values */
  int is_int;   /* value held in i (I64, TS, BOOL) rather than f */
  double f;
  int64_t i;
} cu_stat;
int cu_sum(cu_stat *out, const cu_column *a, cu_err *e); /* compensated */
/* A float64 column's exact sum, rounded once (xsum.h): the same bits in
 * any order; NaN when a value is not finite or beyond 2^95. */
int cu_exact_sum(double *out, const cu_column *a, cu_err *e);
int cu_mean(cu_stat *out, const cu_column *a, cu_err *e);
int cu_min(cu_stat *out, const cu_column *a, cu_err *e);
int cu_max(cu_stat *out, const cu_column *a, cu_err *e);
int cu_var(cu_stat *out, const cu_column *a, int ddof, cu_err *e);
/* Linear interpolation between order statistics (numpy's default).
 * For STR columns min/max give a dictionary code in out->i. */
int cu_quantile(cu_stat *out, const cu_column *a, double q, cu_err *e);
/* Several quantiles from one sort: out[j] for q[j], as numpy's default
 * (linear interpolation); NaN for a column with no values. */
int cu_quantiles(double *out, const cu_column *a, const double *q, size_t nq, cu_err *e);
int cu_n_unique(size_t *out, const cu_column *a, cu_err *e);

/* ---- frames ---- */
cu_frame *cu_frame_new(size_t nrows);
cu_frame *cu_frame_retain(cu_frame *f);
void cu_frame_release(cu_frame *f);
/* Index of the column named `name`, or -1. */
long cu_frame_find(const cu_frame *f, const char *name);
/* Adds or replaces a column (retained); its length must match. */
int cu_frame_set(cu_frame *f, const char *name, cu_column *c, cu_err *e);
int cu_frame_drop(cu_frame *f, size_t i);
int cu_frame_rename(cu_frame *f, size_t i, const char *name, cu_err *e);
/* New frame with the given rows of every column. */
int cu_frame_take(cu_frame **out, const cu_frame *f, const size_t *idx, size_t n, cu_err *e);
/* A frame as one malloc'd buffer of bytes and back (pack.c), to move it
 * between the ranks of a distributed run (same build, same byte order). */
int cu_frame_pack(const cu_frame *f, char **out, size_t *n, cu_err *e);
int cu_frame_unpack(const char *buf, size_t n, cu_frame **out, cu_err *e);
/* Row indices where mask is true (missing counts as false). */
int cu_mask_indices(size_t **idx, size_t *n, const cu_column *mask, cu_err *e);

/* ---- sorting (sort.c) ---- */
/* Stable order of rows by keys; desc[k] reverses key k; missing last. */
int cu_argsort(size_t **idx, const cu_column *const *keys, const int *desc, size_t nkeys,
               size_t nrows, cu_err *e);

/* Running sum of a numeric column (compensated); missing values count as
 * zero and stay missing in the result. */
int cu_cumsum(cu_column **out, const cu_column *a, cu_err *e);

/* Ranks 1..n in sort order (desc reverses), ties in row order ("first",
 * as pandas' rank(method="first")); missing values get missing ranks. */
int cu_rank(cu_column **out, const cu_column *c, int desc, cu_err *e);

/* Text in Latin-1 (enc 1) or Windows-1252 (enc 2) to UTF-8, per
 * dictionary entry. */
int cu_str_transcode(cu_column **out, const cu_column *a, int enc, cu_err *e);

/* ---- group-by (groupby.c) ---- */
typedef enum {
  CU_AGG_COUNT, /* non-missing values */
  CU_AGG_SIZE,  /* rows in the group */
  CU_AGG_SUM,
  CU_AGG_MEAN,
  CU_AGG_MIN,
  CU_AGG_MAX,
  CU_AGG_FIRST, /* first non-missing value in row order */
  CU_AGG_LAST,
  CU_AGG_NUNIQUE,
  CU_AGG_STD,
  CU_AGG_VAR,
  /* A float64 sum is exact, rounded once (xsum.h): the same bits in any
   * row order.  sum_err1..3 are what rounding left out: the exact sum is
   * sum + err1 + err2 + err3 (each the rounded rest of the one before),
   * so partial sums made apart (on MPI ranks) add up exactly. */
  CU_AGG_SUM_ERR1,
  CU_AGG_SUM_ERR2,
  CU_AGG_SUM_ERR3
} cu_agg_fn;
int cu_agg_parse(const char *name, cu_agg_fn *out);
const char *cu_agg_name(cu_agg_fn fn);

typedef struct cu_groups {
  size_t ngroups, nrows;
  size_t *gid;   /* group of each row */
  size_t *first; /* first row of each group */
} cu_groups;
/* Groups rows by equal key tuples (missing equals missing), numbered in
 * order of first appearance. */
int cu_group(cu_groups *g, const cu_column *const *keys, size_t nkeys, size_t nrows, cu_err *e);
void cu_groups_free(cu_groups *g);
int cu_group_agg(cu_column **out, const cu_groups *g, const cu_column *src, cu_agg_fn fn,
                 cu_err *e);

/* ---- joins and reshaping (join.c) ---- */
typedef enum { CU_JOIN_INNER, CU_JOIN_LEFT } cu_join_how;
/* Row pairs of an equi-join on nkeys key columns: left row li[k] with
 * right row ri[k] for k < *n (ri[k] == SIZE_MAX: a left row with no match,
 * left joins only).  Pairs come in left-row order and, for one left row,
 * in right-row order.  A missing key matches nothing.  Keys must be of
 * comparable types (int64 with float64 compares as numbers; text with
 * text; timestamp with timestamp); CU_EARG names the key otherwise. */
int cu_join_index(size_t **li, size_t **ri, size_t *n, const cu_column *const *lk,
                  const cu_column *const *rk, size_t nkeys, cu_join_how how, cu_err *e);
/* As-of join: for each left row, the right row with equal keys (nkeys may
 * be 0) whose time is the latest at or before the left row's time (the
 * last such row in row order among equal times); ri[i] == SIZE_MAX when
 * there is none.  Times are both timestamps or both numbers. */
int cu_join_asof(size_t **ri, const cu_column *const *lk, const cu_column *const *rk,
                 size_t nkeys, const cu_column *lt, const cu_column *rt, cu_err *e);
/* Pivot (long to wide): out[j] (names->ngroups columns) holds, for each
 * row group of `rows`, the values of the rows in name group j summarised
 * by fn (first, last, sum, mean, min, max, count, size); an empty cell is
 * missing (0 for count and size). */
int cu_pivot(cu_column **out, const cu_groups *rows, const cu_groups *names,
             const cu_column *values, cu_agg_fn fn, cu_err *e);
/* 1 and the first two rows that fall in one pivot cell, 0 when none, -1
 * out of memory. */
int cu_pivot_duplicates(size_t *row_a, size_t *row_b, const cu_groups *rows,
                        const cu_groups *names);
/* Unpivot (wide to long): the id columns repeated once per value column,
 * a text column `names_to` with the value column's name and `values_to`
 * with its values (types combined as cu_column_concat does). */
int cu_unpivot(cu_frame **out, const cu_frame *f, const size_t *ids, size_t nids,
               const size_t *vals, size_t nvals, const char *names_to, const char *values_to,
               cu_err *e);

#endif
