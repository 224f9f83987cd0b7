/* l_frame.c: Lua binding of frames and columns (module custan.core.frame).
 *
 * Three registration tables per type, as liolib.c does: module functions,
 * methods, metamethods.  Every binding checks its arguments, pushes an empty
 * result box, runs the kernel into it, and only then raises on failure. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bindings.h"
#include "datetime.h"

/* __gc and __close of frames and columns: safe to call twice. */
static int frame_release(lua_State *L) {
  l_frame_box *b = luaL_checkudata(L, 1, CU_FRAME_MT);
  cu_frame_release(b->f);
  b->f = NULL;
  return 0;
}

static int column_release(lua_State *L) {
  l_column_box *b = luaL_checkudata(L, 1, CU_COLUMN_MT);
  cu_column_release(b->c);
  b->c = NULL;
  return 0;
}

/* Pushes a kernel's column result or raises. */
static int finish_column(lua_State *L, l_column_box *box, int st, cu_err *e) {
  if (st) return l_raise(L, e);
  l_account(L, cu_column_bytes(box->c));
  return 1;
}

static int finish_frame(lua_State *L, l_frame_box *box, int st, cu_err *e) {
  if (st) return l_raise(L, e);
  size_t bytes = 0;
  for (size_t j = 0; j < box->f->ncols; j++) bytes += cu_column_bytes(box->f->cols[j]);
  l_account(L, bytes);
  return 1;
}

static cu_type check_type_name(lua_State *L, int i) {
  const char *name = luaL_checkstring(L, i);
  cu_type t;
  if (cu_type_parse(name, &t))
    luaL_argerror(L, i,
                  lua_pushfstring(L,
                                  "unknown type '%s' (float64, int64, "
                                  "timestamp, bool, string)",
                                  name));
  return t;
}

/* Largest positive integer key of the table at i (tables with holes). */
static size_t table_extent(lua_State *L, int i) {
  size_t n = lua_rawlen(L, i);
  lua_pushnil(L);
  while (lua_next(L, i)) {
    lua_pop(L, 1);
    if (lua_isinteger(L, -1)) {
      lua_Integer k = lua_tointeger(L, -1);
      if (k > 0 && (size_t)k > n) n = (size_t)k;
    }
  }
  return n;
}

/* Builds a column from the Lua array at index i, inferring the type from the
 * values unless `want` >= 0.  Leaves the new column on the stack. */
static cu_column *column_from_table(lua_State *L, int i, int want, size_t n, const char *what) {
  i = lua_absindex(L, i);
  int has_int = 0, has_float = 0, has_bool = 0, has_str = 0;
  for (size_t k = 1; k <= n; k++) {
    int t = lua_rawgeti(L, i, (lua_Integer)k);
    if (t == LUA_TNUMBER) {
      if (lua_isinteger(L, -1))
        has_int = 1;
      else
        has_float = 1;
    } else if (t == LUA_TBOOLEAN)
      has_bool = 1;
    else if (t == LUA_TSTRING)
      has_str = 1;
    else if (t != LUA_TNIL)
      luaL_error(L, "%s: value %d is a %s", what, (int)k, luaL_typename(L, -1));
    lua_pop(L, 1);
  }
  cu_type type;
  if (want >= 0)
    type = (cu_type)want;
  else if (has_str + has_bool + (has_int || has_float) > 1)
    return (void)luaL_error(L, "%s mixes value types; give the type explicitly", what), NULL;
  else if (has_str)
    type = CU_STR;
  else if (has_bool)
    type = CU_BOOL;
  else if (has_float)
    type = CU_F64;
  else if (has_int)
    type = CU_I64;
  else
    type = CU_F64; /* all missing */
  l_column_box *box = l_newcolumn(L);
  if (!(box->c = cu_column_new(type, n, NULL)) || cu_column_ensure_mask(box->c))
    luaL_error(L, "out of memory");
  cu_column *c = box->c;
  for (size_t k = 1; k <= n; k++) {
    int t = lua_rawgeti(L, i, (lua_Integer)k);
    size_t r = k - 1;
    if (t == LUA_TNIL) {
      c->valid[r] = 0;
      lua_pop(L, 1);
      continue;
    }
    int ok = 1;
    switch (type) {
    case CU_F64:
      ok = t == LUA_TNUMBER;
      ((double *)c->data)[r] = lua_tonumber(L, -1);
      break;
    case CU_I64: {
      int isnum;
      ((int64_t *)c->data)[r] = lua_tointegerx(L, -1, &isnum);
      ok = isnum && t == LUA_TNUMBER;
      break;
    }
    case CU_BOOL:
      ok = t == LUA_TBOOLEAN;
      ((uint8_t *)c->data)[r] = (uint8_t)lua_toboolean(L, -1);
      break;
    case CU_TS: {
      size_t len;
      const char *s = lua_tolstring(L, -1, &len);
      ok = t == LUA_TSTRING && !cu_ts_parse(s, len, CU_TSF_ISO, (int64_t *)c->data + r);
      break;
    }
    case CU_STR: {
      size_t len;
      if (t == LUA_TSTRING || t == LUA_TNUMBER) {
        const char *s = lua_tolstring(L, -1, &len);
        int32_t code = cu_dict_intern(c->dict, s, len);
        if (code < 0) luaL_error(L, "out of memory");
        ((int32_t *)c->data)[r] = code;
      } else {
        ok = 0;
      }
      break;
    }
    }
    if (!ok)
      luaL_error(L, "%s: value %d (%s) is not a %s", what, (int)k, luaL_tolstring(L, -1, NULL),
                 cu_type_name(type));
    lua_pop(L, 1);
  }
  cu_column_compact_mask(c);
  return c;
}

/* ------------------------------------------------------------- columns -- */

static int l_column_new(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  int want = lua_isnoneornil(L, 2) ? -1 : (int)check_type_name(L, 2);
  size_t n = table_extent(L, 1);
  lua_Integer given = luaL_optinteger(L, 3, -1);
  if (given >= 0) n = (size_t)given;
  column_from_table(L, 1, want, n, "custan.column");
  return 1;
}

static int col_type(lua_State *L) {
  lua_pushstring(L, cu_type_name(l_checkcolumn(L, 1)->type));
  return 1;
}

static int col_len(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)l_checkcolumn(L, 1)->n);
  return 1;
}

static int col_nmissing(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)cu_column_nmissing(l_checkcolumn(L, 1)));
  return 1;
}

static int col_count(lua_State *L) {
  cu_column *c = l_checkcolumn(L, 1);
  lua_pushinteger(L, (lua_Integer)(c->n - cu_column_nmissing(c)));
  return 1;
}

static size_t check_row(lua_State *L, int i, size_t n) {
  lua_Integer k = luaL_checkinteger(L, i);
  luaL_argcheck(L, k >= 1 && (size_t)k <= n, i, "row index out of range");
  return (size_t)(k - 1);
}

static int col_get(lua_State *L) {
  cu_column *c = l_checkcolumn(L, 1);
  l_pushcell(L, c, check_row(L, 2, c->n));
  return 1;
}

static int col_to_table(lua_State *L) {
  cu_column *c = l_checkcolumn(L, 1);
  lua_createtable(L, (int)c->n, 0);
  for (size_t i = 0; i < c->n; i++) {
    l_pushcell(L, c, i);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

/* Operand at index i: a column or a scalar. */
static void operand(lua_State *L, int i, const cu_column **c, cu_scalar *s) {
  *c = l_tocolumn(L, i);
  if (*c) return;
  if (!l_toscalar(L, i, s)) luaL_typeerror(L, i, "column, number, string, boolean or nil");
}

static int arith(lua_State *L, cu_arith_op op) {
  const cu_column *a, *b;
  cu_scalar as, bs;
  operand(L, 1, &a, &as);
  operand(L, 2, &b, &bs);
  if (!a && !b) return luaL_error(L, "arithmetic needs a column");
  cu_err e = {0};
  l_column_box *box = l_newcolumn(L);
  return finish_column(L, box, cu_arith(&box->c, a, &as, b, &bs, op, &e), &e);
}
static int col_add(lua_State *L) { return arith(L, CU_ADD); }
static int col_sub(lua_State *L) { return arith(L, CU_SUB); }
static int col_mul(lua_State *L) { return arith(L, CU_MUL); }
static int col_div(lua_State *L) { return arith(L, CU_DIV); }
static int col_mod(lua_State *L) { return arith(L, CU_MOD); }
static int col_pow(lua_State *L) { return arith(L, CU_POW); }

static int col_unm(lua_State *L) {
  cu_column *a = l_checkcolumn(L, 1);
  cu_err e = {0};
  l_column_box *box = l_newcolumn(L);
  return finish_column(L, box, cu_negate(&box->c, a, &e), &e);
}

static int compare(lua_State *L, cu_cmp_op op) {
  cu_column *a = l_checkcolumn(L, 1);
  const cu_column *b;
  cu_scalar bs;
  operand(L, 2, &b, &bs);
  cu_err e = {0};
  l_column_box *box = l_newcolumn(L);
  return finish_column(L, box, cu_compare(&box->c, a, b, &bs, op, &e), &e);
}
static int col_eq(lua_State *L) { return compare(L, CU_EQ); }
static int col_ne(lua_State *L) { return compare(L, CU_NE); }
static int col_lt(lua_State *L) { return compare(L, CU_LT); }
static int col_le(lua_State *L) { return compare(L, CU_LE); }
static int col_gt(lua_State *L) { return compare(L, CU_GT); }
static int col_ge(lua_State *L) { return compare(L, CU_GE); }

static int logic(lua_State *L, cu_logic_op op) {
  const cu_column *a, *b;
  cu_scalar as, bs;
  operand(L, 1, &a, &as);
  operand(L, 2, &b, &bs);
  if (!a) { /* scalar & column: swap, the operation is symmetric */
    const cu_column *t = a;
    a = b;
    b = t;
    bs = as;
  }
  if (!a) return luaL_error(L, "and/or need a column");
  cu_err e = {0};
  l_column_box *box = l_newcolumn(L);
  return finish_column(L, box, cu_logic(&box->c, a, b, &bs, op, &e), &e);
}
static int col_and(lua_State *L) { return logic(L, CU_AND); }
static int col_or(lua_State *L) { return logic(L, CU_OR); }

static int col_not(lua_State *L) {
  cu_column *a = l_checkcolumn(L, 1);
  cu_err e = {0};
  l_column_box *box = l_newcolumn(L);
  return finish_column(L, box, cu_not(&box->c, a, &e), &e);
}

static int col_is_missing(lua_State *L) {
  cu_column *a = l_checkcolumn(L, 1);
  cu_err e = {0};
  l_column_box *box = l_newcolumn(L);
  return finish_column(L, box, cu_is_missing(&box->c, a, &e), &e);
}

static int col_fill(lua_State *L) {
  cu_column *a = l_checkcolumn(L, 1);
  cu_scalar s;
  luaL_argcheck(L, !lua_isnoneornil(L, 2) && l_toscalar(L, 2, &s), 2, "expected a fill value");
  cu_err e = {0};
  l_column_box *box = l_newcolumn(L);
  return finish_column(L, box, cu_fill_missing(&box->c, a, &s, &e), &e);
}

static int str_test(lua_State *L, cu_str_test_t t) {
  cu_column *a = l_checkcolumn(L, 1);
  size_t len;
  const char *pat = luaL_checklstring(L, 2, &len);
  cu_err e = {0};
  l_column_box *box = l_newcolumn(L);
  return finish_column(L, box, cu_str_test(&box->c, a, pat, len, t, &e), &e);
}
static int col_startswith(lua_State *L) { return str_test(L, CU_STR_STARTS); }
static int col_endswith(lua_State *L) { return str_test(L, CU_STR_ENDS); }
static int col_contains(lua_State *L) { return str_test(L, CU_STR_CONTAINS); }

static int str_case(lua_State *L, int upper) {
  cu_column *a = l_checkcolumn(L, 1);
  cu_err e = {0};
  l_column_box *box = l_newcolumn(L);
  return finish_column(L, box, cu_str_case(&box->c, a, upper, &e), &e);
}
static int col_lower(lua_State *L) { return str_case(L, 0); }
static int col_upper(lua_State *L) { return str_case(L, 1); }

static int col_length(lua_State *L) {
  cu_column *a = l_checkcolumn(L, 1);
  cu_err e = {0};
  l_column_box *box = l_newcolumn(L);
  return finish_column(L, box, cu_str_length(&box->c, a, &e), &e);
}

static int date_part(lua_State *L, cu_date_part_t p) {
  cu_column *a = l_checkcolumn(L, 1);
  cu_err e = {0};
  l_column_box *box = l_newcolumn(L);
  return finish_column(L, box, cu_date_part(&box->c, a, p, &e), &e);
}
static int col_year(lua_State *L) { return date_part(L, CU_PART_YEAR); }
static int col_month(lua_State *L) { return date_part(L, CU_PART_MONTH); }
static int col_day(lua_State *L) { return date_part(L, CU_PART_DAY); }
static int col_weekday(lua_State *L) { return date_part(L, CU_PART_WEEKDAY); }
static int col_hour(lua_State *L) { return date_part(L, CU_PART_HOUR); }
static int col_minute(lua_State *L) { return date_part(L, CU_PART_MINUTE); }
static int col_second(lua_State *L) { return date_part(L, CU_PART_SECOND); }
static int col_quarter(lua_State *L) { return date_part(L, CU_PART_QUARTER); }
static int col_yearday(lua_State *L) { return date_part(L, CU_PART_YEARDAY); }

static int math_fn(lua_State *L, int fn) {
  cu_column *a = l_checkcolumn(L, 1);
  cu_err e = {0};
  l_column_box *box = l_newcolumn(L);
  return finish_column(L, box, cu_math(&box->c, a, fn, &e), &e);
}
/* col:clip(lo, hi): either bound may be nil */
static int col_clip(lua_State *L) {
  cu_column *a = l_checkcolumn(L, 1);
  double lo = luaL_optnumber(L, 2, -HUGE_VAL), hi = luaL_optnumber(L, 3, HUGE_VAL);
  cu_err e = {0};
  l_column_box *box = l_newcolumn(L);
  return finish_column(L, box, cu_clip(&box->c, a, lo, hi, &e), &e);
}
static int col_log(lua_State *L) { return math_fn(L, 0); }
static int col_log1p(lua_State *L) { return math_fn(L, 1); }
static int col_exp(lua_State *L) { return math_fn(L, 2); }
static int col_sqrt(lua_State *L) { return math_fn(L, 3); }
static int col_abs(lua_State *L) { return math_fn(L, 4); }
/* col:round([digits]): half away from zero, to whole numbers by default */
static int col_round(lua_State *L) {
  cu_column *a = l_checkcolumn(L, 1);
  lua_Integer digits = luaL_optinteger(L, 2, 0);
  luaL_argcheck(L, digits >= -15 && digits <= 15, 2, "digits must be within [-15, 15]");
  cu_err e = {0};
  l_column_box *box = l_newcolumn(L);
  return finish_column(L, box, cu_round(&box->c, a, (int)digits, &e), &e);
}
static int col_ceil(lua_State *L) { return math_fn(L, 7); }

/* floor(): numbers round down; floor("day"|"week"|"month"|"year") truncates
 * timestamps. */
static int col_floor(lua_State *L) {
  cu_column *a = l_checkcolumn(L, 1);
  if (a->type != CU_TS) return math_fn(L, 6);
  static const char *const units[] = {"day", "week", "month", "year", NULL};
  int u = luaL_checkoption(L, 2, "day", units);
  cu_err e = {0};
  l_column_box *box = l_newcolumn(L);
  return finish_column(L, box, cu_date_floor(&box->c, a, (cu_floor_unit)u, &e), &e);
}

static int col_cast(lua_State *L) {
  cu_column *a = l_checkcolumn(L, 1);
  cu_type t = check_type_name(L, 2);
  cu_err e = {0};
  l_column_box *box = l_newcolumn(L);
  return finish_column(L, box, cu_column_cast(&box->c, a, t, &e), &e);
}

/* Pushes a reduction's value: nil when there was nothing to reduce. */
static int push_stat(lua_State *L, const cu_column *a, const cu_stat *s, cu_type as) {
  if (!s->count) {
    lua_pushnil(L);
    return 1;
  }
  if (as == CU_TS) {
    char buf[32];
    lua_pushlstring(L, buf, (size_t)cu_ts_format_iso(s->i, 0, buf));
  } else if (as == CU_STR) {
    size_t len;
    const char *str = cu_dict_str(a->dict, (int32_t)s->i, &len);
    lua_pushlstring(L, str, len);
  } else if (s->is_int) {
    lua_pushinteger(L, s->i);
  } else {
    lua_pushnumber(L, s->f);
  }
  return 1;
}

static int col_sum(lua_State *L) {
  cu_column *a = l_checkcolumn(L, 1);
  cu_stat s;
  cu_err e = {0};
  if (cu_sum(&s, a, &e)) return l_raise(L, &e);
  if (!s.count) { /* the sum of nothing is zero */
    if (s.is_int)
      lua_pushinteger(L, 0);
    else
      lua_pushnumber(L, 0);
    return 1;
  }
  return push_stat(L, a, &s, CU_F64);
}

static int col_mean(lua_State *L) {
  cu_column *a = l_checkcolumn(L, 1);
  cu_stat s;
  cu_err e = {0};
  if (cu_mean(&s, a, &e)) return l_raise(L, &e);
  return push_stat(L, a, &s, a->type == CU_TS ? CU_TS : CU_F64);
}

static int col_minmax(lua_State *L, int max) {
  cu_column *a = l_checkcolumn(L, 1);
  cu_stat s;
  cu_err e = {0};
  if ((max ? cu_max : cu_min)(&s, a, &e)) return l_raise(L, &e);
  if (a->type == CU_BOOL && s.count) {
    lua_pushboolean(L, (int)s.i);
    return 1;
  }
  return push_stat(L, a, &s, a->type == CU_TS || a->type == CU_STR ? a->type : CU_F64);
}
static int col_min(lua_State *L) { return col_minmax(L, 0); }
static int col_max(lua_State *L) { return col_minmax(L, 1); }

static int col_var_std(lua_State *L, int std) {
  cu_column *a = l_checkcolumn(L, 1);
  int ddof = (int)luaL_optinteger(L, 2, 1);
  cu_stat s;
  cu_err e = {0};
  if (cu_var(&s, a, ddof, &e)) return l_raise(L, &e);
  if (std) s.f = sqrt(s.f);
  return push_stat(L, a, &s, CU_F64);
}
static int col_var(lua_State *L) { return col_var_std(L, 0); }
static int col_std(lua_State *L) { return col_var_std(L, 1); }

static int col_quantile(lua_State *L) {
  cu_column *a = l_checkcolumn(L, 1);
  double q = luaL_checknumber(L, 2);
  cu_stat s;
  cu_err e = {0};
  if (cu_quantile(&s, a, q, &e)) return l_raise(L, &e);
  return push_stat(L, a, &s, a->type == CU_TS ? CU_TS : CU_F64);
}

/* col:quantiles{q1, q2, ...} -> {v1, v2, ...} from one sort (nil for an
 * empty column) */
static int col_quantiles(lua_State *L) {
  cu_column *a = l_checkcolumn(L, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  size_t nq = (size_t)lua_rawlen(L, 2);
  double *q = lua_newuserdatauv(L, (nq ? nq : 1) * 2 * sizeof *q, 0), *out = q + nq;
  for (size_t j = 0; j < nq; j++) {
    lua_rawgeti(L, 2, (lua_Integer)j + 1);
    q[j] = luaL_checknumber(L, -1);
    lua_pop(L, 1);
  }
  cu_err e = {0};
  if (cu_quantiles(out, a, q, nq, &e)) return l_raise(L, &e);
  lua_createtable(L, (int)nq, 0);
  for (size_t j = 0; j < nq; j++) {
    if (isnan(out[j])) continue;
    lua_pushnumber(L, out[j]);
    lua_rawseti(L, -2, (lua_Integer)j + 1);
  }
  return 1;
}

static int col_median(lua_State *L) {
  lua_settop(L, 1);
  lua_pushnumber(L, 0.5);
  return col_quantile(L);
}

static int col_n_unique(lua_State *L) {
  cu_column *a = l_checkcolumn(L, 1);
  size_t n;
  cu_err e = {0};
  if (cu_n_unique(&n, a, &e)) return l_raise(L, &e);
  lua_pushinteger(L, (lua_Integer)n);
  return 1;
}

static int col_slice(lua_State *L) {
  cu_column *a = l_checkcolumn(L, 1);
  lua_Integer i = luaL_optinteger(L, 2, 1), j = luaL_optinteger(L, 3, (lua_Integer)a->n);
  if (i < 1) i = 1;
  if (j > (lua_Integer)a->n) j = (lua_Integer)a->n;
  if (j < i - 1) j = i - 1;
  cu_err e = {0};
  l_column_box *box = l_newcolumn(L);
  return finish_column(L, box, cu_column_slice(&box->c, a, (size_t)i - 1, (size_t)j, &e), &e);
}

static int col_cumsum(lua_State *L) {
  cu_column *a = l_checkcolumn(L, 1);
  cu_err e = {0};
  l_column_box *box = l_newcolumn(L);
  return finish_column(L, box, cu_cumsum(&box->c, a, &e), &e);
}

/* c:take(indices): values at the 1-based positions of an int64 column
 * (missing positions give missing values) */
static int col_take(lua_State *L) {
  cu_column *a = l_checkcolumn(L, 1);
  cu_column *ix = l_checkcolumn(L, 2);
  luaL_argcheck(L, ix->type == CU_I64, 2, "expected an int64 column of positions");
  size_t *idx = malloc((ix->n ? ix->n : 1) * sizeof *idx);
  if (!idx) return luaL_error(L, "out of memory");
  for (size_t k = 0; k < ix->n; k++) {
    int64_t v = ((const int64_t *)ix->data)[k];
    if (!cu_is_valid(ix, k)) {
      idx[k] = SIZE_MAX;
    } else if (v < 1 || (uint64_t)v > a->n) {
      free(idx);
      return luaL_error(L, "take: position %d is not in 1..%d", (int)v, (int)a->n);
    } else {
      idx[k] = (size_t)v - 1;
    }
  }
  cu_err e = {0};
  l_column_box *box = l_newcolumn(L);
  int st = cu_column_take(&box->c, a, idx, ix->n, &e);
  free(idx);
  return finish_column(L, box, st, &e);
}

/* c:rank([desc]): ranks 1..n, ties in row order */
static int col_rank(lua_State *L) {
  cu_column *a = l_checkcolumn(L, 1);
  int desc = 0;
  if (lua_istable(L, 2)) {
    lua_getfield(L, 2, "desc");
    desc = lua_toboolean(L, -1);
    lua_pop(L, 1);
  } else {
    desc = lua_toboolean(L, 2);
  }
  cu_err e = {0};
  l_column_box *box = l_newcolumn(L);
  return finish_column(L, box, cu_rank(&box->c, a, desc, &e), &e);
}

/* c:transcode("latin-1" | "cp1252" | "utf-8") */
static int col_transcode(lua_State *L) {
  cu_column *a = l_checkcolumn(L, 1);
  static const char *const encs[] = {"utf-8",  "latin-1",    "cp1252",       "utf8",
                                     "latin1", "iso-8859-1", "windows-1252", NULL};
  static const int code[] = {0, 1, 2, 0, 1, 1, 2};
  int k = code[luaL_checkoption(L, 2, NULL, encs)];
  if (k == 0) {
    lua_settop(L, 1);
    return 1;
  }
  cu_err e = {0};
  l_column_box *box = l_newcolumn(L);
  return finish_column(L, box, cu_str_transcode(&box->c, a, k, &e), &e);
}

static int col_index(lua_State *L) {
  if (lua_type(L, 2) == LUA_TNUMBER) return col_get(L);
  lua_getmetatable(L, 1);
  lua_getfield(L, -1, "methods");
  lua_pushvalue(L, 2);
  lua_rawget(L, -2);
  return 1;
}

/* --------------------------------------------------------------- frames -- */

static int l_frame_new(lua_State *L) {
  /* new(columns, order): columns maps names to arrays or columns; order
   * lists the names (custan.frame in Lua defaults it). */
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checktype(L, 2, LUA_TTABLE); /* order of the names */
  size_t ncol = lua_rawlen(L, 2), n = 0;
  for (size_t j = 1; j <= ncol; j++) { /* row count: the longest column */
    lua_rawgeti(L, 2, (lua_Integer)j);
    lua_gettable(L, 1);
    cu_column *c = l_tocolumn(L, -1);
    size_t m = c ? c->n : lua_istable(L, -1) ? table_extent(L, lua_gettop(L)) : 0;
    if (m > n) n = m;
    lua_pop(L, 1);
  }
  l_frame_box *box = l_newframe(L);
  int fi = lua_gettop(L);
  if (!(box->f = cu_frame_new(n))) return luaL_error(L, "out of memory");
  for (size_t j = 1; j <= ncol; j++) {
    lua_rawgeti(L, 2, (lua_Integer)j);
    const char *name = luaL_checkstring(L, -1);
    lua_gettable(L, 1);
    cu_column *c = l_tocolumn(L, -1);
    if (!c) {
      if (!lua_istable(L, -1))
        return luaL_error(L, "column '%s' is neither a table nor a column", name);
      c = column_from_table(L, -1, -1, n, name);
    }
    cu_err e = {0};
    if (cu_frame_set(box->f, name, c, &e)) return l_raise(L, &e);
    lua_settop(L, fi);
  }
  return 1;
}

static int fr_nrows(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)l_checkframe(L, 1)->nrows);
  return 1;
}

static int fr_ncols(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)l_checkframe(L, 1)->ncols);
  return 1;
}

static int fr_names(lua_State *L) {
  cu_frame *f = l_checkframe(L, 1);
  lua_createtable(L, (int)f->ncols, 0);
  for (size_t j = 0; j < f->ncols; j++) {
    lua_pushstring(L, f->names[j]);
    lua_rawseti(L, -2, (lua_Integer)j + 1);
  }
  return 1;
}

static int fr_types(lua_State *L) {
  cu_frame *f = l_checkframe(L, 1);
  lua_createtable(L, 0, (int)f->ncols);
  for (size_t j = 0; j < f->ncols; j++) {
    lua_pushstring(L, cu_type_name(f->cols[j]->type));
    lua_setfield(L, -2, f->names[j]);
  }
  return 1;
}

static size_t check_colindex(lua_State *L, cu_frame *f, int i) {
  const char *name = luaL_checkstring(L, i);
  long j = cu_frame_find(f, name);
  if (j < 0) luaL_error(L, "no column named '%s'", name);
  return (size_t)j;
}

static void push_column_ref(lua_State *L, cu_column *c) {
  l_column_box *box = l_newcolumn(L);
  box->c = cu_column_retain(c);
}

static int fr_col(lua_State *L) {
  cu_frame *f = l_checkframe(L, 1);
  push_column_ref(L, f->cols[check_colindex(L, f, 2)]);
  return 1;
}

static int fr_has(lua_State *L) {
  cu_frame *f = l_checkframe(L, 1);
  lua_pushboolean(L, cu_frame_find(f, luaL_checkstring(L, 2)) >= 0);
  return 1;
}

/* Names from a table argument or the remaining string arguments. */
static int names_arg(lua_State *L, int i) {
  if (lua_istable(L, i)) return i;
  int top = lua_gettop(L);
  lua_createtable(L, top - i + 1, 0);
  for (int k = i; k <= top; k++) {
    luaL_checkstring(L, k);
    lua_pushvalue(L, k);
    lua_rawseti(L, -2, k - i + 1);
  }
  return lua_gettop(L);
}

static int fr_select(lua_State *L) {
  cu_frame *f = l_checkframe(L, 1);
  int t = names_arg(L, 2);
  size_t n = lua_rawlen(L, t);
  l_frame_box *box = l_newframe(L);
  if (!(box->f = cu_frame_new(f->nrows))) return luaL_error(L, "out of memory");
  for (size_t k = 1; k <= n; k++) {
    lua_rawgeti(L, t, (lua_Integer)k);
    size_t j = check_colindex(L, f, -1);
    cu_err e = {0};
    if (cu_frame_set(box->f, f->names[j], f->cols[j], &e)) return l_raise(L, &e);
    lua_pop(L, 1);
  }
  return 1;
}

static int fr_copy(lua_State *L) {
  cu_frame *f = l_checkframe(L, 1);
  l_frame_box *box = l_newframe(L);
  if (!(box->f = cu_frame_new(f->nrows))) return luaL_error(L, "out of memory");
  for (size_t j = 0; j < f->ncols; j++) {
    cu_err e = {0};
    if (cu_frame_set(box->f, f->names[j], f->cols[j], &e)) return l_raise(L, &e);
  }
  return 1;
}

static int fr_drop(lua_State *L) {
  cu_frame *f = l_checkframe(L, 1);
  int t = names_arg(L, 2);
  fr_copy(L);
  cu_frame *r = l_checkframe(L, -1);
  for (size_t k = 1; k <= lua_rawlen(L, t); k++) {
    lua_rawgeti(L, t, (lua_Integer)k);
    cu_frame_drop(r, check_colindex(L, r, -1));
    lua_pop(L, 1);
  }
  (void)f;
  return 1;
}

static int fr_rename(lua_State *L) {
  l_checkframe(L, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  fr_copy(L);
  cu_frame *r = l_checkframe(L, -1);
  lua_pushnil(L);
  while (lua_next(L, 2)) {
    size_t j = check_colindex(L, r, -2);
    cu_err e = {0};
    if (cu_frame_rename(r, j, luaL_checkstring(L, -1), &e)) return l_raise(L, &e);
    lua_pop(L, 1);
  }
  return 1;
}

/* t:set(name, column | scalar): adds or replaces a column in place. */
static int fr_set(lua_State *L) {
  cu_frame *f = l_checkframe(L, 1);
  const char *name = luaL_checkstring(L, 2);
  cu_column *c = l_tocolumn(L, 3);
  cu_err e = {0};
  if (!c) {
    if (lua_isnil(L, 3)) {
      long j = cu_frame_find(f, name);
      if (j >= 0) cu_frame_drop(f, (size_t)j);
      lua_settop(L, 1);
      return 1;
    }
    cu_scalar s;
    if (!l_toscalar(L, 3, &s)) return luaL_typeerror(L, 3, "column or scalar");
    l_column_box *box = l_newcolumn(L);
    if (cu_column_fill_scalar(&box->c, &s, f->nrows, &e)) return l_raise(L, &e);
    c = box->c;
  }
  if (cu_frame_set(f, name, c, &e)) return l_raise(L, &e);
  lua_settop(L, 1);
  return 1;
}

static int fr_newindex(lua_State *L) {
  lua_settop(L, 3);
  fr_set(L);
  return 0;
}

static int fr_take_idx(lua_State *L, cu_frame *f, size_t *idx, size_t n) {
  cu_err e = {0};
  l_frame_box *box = l_newframe(L);
  int st = cu_frame_take(&box->f, f, idx, n, &e);
  free(idx);
  return finish_frame(L, box, st, &e);
}

static int fr_filter(lua_State *L) {
  cu_frame *f = l_checkframe(L, 1);
  cu_column *m = l_checkcolumn(L, 2);
  luaL_argcheck(L, m->n == f->nrows, 2, "mask length differs from the frame's rows");
  size_t *idx, n;
  cu_err e = {0};
  if (cu_mask_indices(&idx, &n, m, &e)) return l_raise(L, &e);
  return fr_take_idx(L, f, idx, n);
}

static int fr_take(lua_State *L) {
  cu_frame *f = l_checkframe(L, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  size_t n = lua_rawlen(L, 2);
  size_t *idx = malloc((n ? n : 1) * sizeof *idx);
  if (!idx) return luaL_error(L, "out of memory");
  for (size_t k = 0; k < n; k++) {
    lua_rawgeti(L, 2, (lua_Integer)k + 1);
    int ok;
    lua_Integer i = lua_tointegerx(L, -1, &ok);
    lua_pop(L, 1);
    if (!ok || i < 1 || (size_t)i > f->nrows) {
      free(idx);
      return luaL_error(L, "take: index %d is not a row of the frame", (int)k + 1);
    }
    idx[k] = (size_t)i - 1;
  }
  return fr_take_idx(L, f, idx, n);
}

static int fr_slice(lua_State *L) {
  cu_frame *f = l_checkframe(L, 1);
  lua_Integer n = (lua_Integer)f->nrows;
  lua_Integer i = luaL_optinteger(L, 2, 1), j = luaL_optinteger(L, 3, n);
  if (i < 0) i = n + i + 1; /* negative counts from the end, as string.sub */
  if (j < 0) j = n + j + 1;
  if (i < 1) i = 1;
  if (j > n) j = n;
  size_t m = j >= i ? (size_t)(j - i + 1) : 0;
  size_t *idx = malloc((m ? m : 1) * sizeof *idx);
  if (!idx) return luaL_error(L, "out of memory");
  for (size_t k = 0; k < m; k++) idx[k] = (size_t)(i - 1) + k;
  return fr_take_idx(L, f, idx, m);
}

static int fr_head(lua_State *L) {
  cu_frame *f = l_checkframe(L, 1);
  lua_Integer k = luaL_optinteger(L, 2, 10);
  lua_settop(L, 1);
  lua_pushinteger(L, 1);
  lua_pushinteger(L, k < (lua_Integer)f->nrows ? k : (lua_Integer)f->nrows);
  return fr_slice(L);
}

static int fr_tail(lua_State *L) {
  cu_frame *f = l_checkframe(L, 1);
  lua_Integer k = luaL_optinteger(L, 2, 10), n = (lua_Integer)f->nrows;
  lua_settop(L, 1);
  lua_pushinteger(L, k >= n ? 1 : n - k + 1);
  lua_pushinteger(L, n);
  return fr_slice(L);
}

/* Key columns named by a string or an array of strings at index i. */
static size_t key_columns(lua_State *L, cu_frame *f, int i, const cu_column **keys, size_t max) {
  if (lua_type(L, i) == LUA_TSTRING) {
    keys[0] = f->cols[check_colindex(L, f, i)];
    return 1;
  }
  luaL_checktype(L, i, LUA_TTABLE);
  size_t n = lua_rawlen(L, i);
  luaL_argcheck(L, n >= 1 && n <= max, i, "expected 1 to 16 column names");
  for (size_t k = 0; k < n; k++) {
    lua_rawgeti(L, i, (lua_Integer)k + 1);
    keys[k] = f->cols[check_colindex(L, f, -1)];
    lua_pop(L, 1);
  }
  return n;
}

/* t:sort(keys [, {desc = bool | {bool...}}]) */
static int fr_sort(lua_State *L) {
  cu_frame *f = l_checkframe(L, 1);
  const cu_column *keys[16];
  int desc[16] = {0};
  size_t nk = key_columns(L, f, 2, keys, 16);
  if (lua_istable(L, 3)) {
    int t = lua_getfield(L, 3, "desc");
    for (size_t k = 0; k < nk; k++) {
      if (t == LUA_TBOOLEAN)
        desc[k] = lua_toboolean(L, -1);
      else if (t == LUA_TTABLE) {
        lua_rawgeti(L, -1, (lua_Integer)k + 1);
        desc[k] = lua_toboolean(L, -1);
        lua_pop(L, 1);
      }
    }
    lua_pop(L, 1);
  } else if (lua_isboolean(L, 3)) {
    for (size_t k = 0; k < nk; k++) desc[k] = lua_toboolean(L, 3);
  }
  size_t *idx;
  cu_err e = {0};
  if (cu_argsort(&idx, keys, desc, nk, f->nrows, &e)) return l_raise(L, &e);
  return fr_take_idx(L, f, idx, f->nrows);
}

static int fr_row(lua_State *L) {
  cu_frame *f = l_checkframe(L, 1);
  size_t i = check_row(L, 2, f->nrows);
  lua_createtable(L, 0, (int)f->ncols);
  for (size_t j = 0; j < f->ncols; j++) {
    l_pushcell(L, f->cols[j], i);
    lua_setfield(L, -2, f->names[j]);
  }
  return 1;
}

static int fr_nbytes(lua_State *L) {
  cu_frame *f = l_checkframe(L, 1);
  size_t b = 0;
  for (size_t j = 0; j < f->ncols; j++) b += cu_column_bytes(f->cols[j]);
  lua_pushinteger(L, (lua_Integer)b);
  return 1;
}

/* concat(frame, ...) or concat{frames}: rows of each, columns by name. */
static int l_concat(lua_State *L) {
  int t = 1;
  if (!lua_istable(L, 1)) {
    int top = lua_gettop(L);
    lua_createtable(L, top, 0);
    for (int k = 1; k <= top; k++) {
      lua_pushvalue(L, k);
      lua_rawseti(L, -2, k);
    }
    t = lua_gettop(L);
  }
  size_t nf = lua_rawlen(L, t);
  luaL_argcheck(L, nf >= 1, 1, "expected frames to concatenate");
  cu_frame **fs = lua_newuserdatauv(L, nf * sizeof *fs, 0); /* scratch, GC'd */
  const cu_column **parts = lua_newuserdatauv(L, nf * sizeof *parts, 0);
  for (size_t k = 0; k < nf; k++) {
    lua_rawgeti(L, t, (lua_Integer)k + 1);
    l_frame_box *b = luaL_testudata(L, -1, CU_FRAME_MT);
    if (!b || !b->f) return luaL_error(L, "concat: item %d is not a frame", (int)k + 1);
    fs[k] = b->f;
    lua_pop(L, 1);
  }
  size_t rows = 0;
  for (size_t k = 0; k < nf; k++) {
    rows += fs[k]->nrows;
    if (fs[k]->ncols != fs[0]->ncols)
      return luaL_error(L, "concat: frame %d has %d columns, frame 1 has %d", (int)k + 1,
                        (int)fs[k]->ncols, (int)fs[0]->ncols);
  }
  l_frame_box *box = l_newframe(L);
  if (!(box->f = cu_frame_new(rows))) return luaL_error(L, "out of memory");
  for (size_t j = 0; j < fs[0]->ncols; j++) {
    const char *name = fs[0]->names[j];
    for (size_t k = 0; k < nf; k++) {
      long at = cu_frame_find(fs[k], name);
      if (at < 0) return luaL_error(L, "concat: frame %d has no column '%s'", (int)k + 1, name);
      parts[k] = fs[k]->cols[at];
    }
    l_column_box *cb = l_newcolumn(L);
    cu_err e = {0};
    if (cu_column_concat(&cb->c, parts, nf, &e)) {
      lua_pushfstring(L, "concat: column '%s': %s", name, e.msg);
      return lua_error(L);
    }
    if (cu_frame_set(box->f, name, cb->c, &e)) return l_raise(L, &e);
    lua_pop(L, 1);
  }
  return 1;
}

/* t:group_ids(keys): each row's group, numbered 1.. in order of first
 * appearance (as aggregate(keys, specs, false) orders its rows), and the
 * number of groups. */
static int fr_group_ids(lua_State *L) {
  cu_frame *f = l_checkframe(L, 1);
  const cu_column *keys[16];
  size_t nk = key_columns(L, f, 2, keys, 16);
  cu_groups g;
  cu_err e = {0};
  l_column_box *box = l_newcolumn(L);
  if (cu_group(&g, keys, nk, f->nrows, &e)) return l_raise(L, &e);
  box->c = cu_column_new(CU_I64, f->nrows, NULL);
  if (!box->c) {
    cu_groups_free(&g);
    return luaL_error(L, "out of memory");
  }
  for (size_t i = 0; i < f->nrows; i++) ((int64_t *)box->c->data)[i] = (int64_t)g.gid[i] + 1;
  lua_pushinteger(L, (lua_Integer)g.ngroups);
  cu_groups_free(&g);
  return 2;
}

/* aggregate(t, keys, specs [, sort]): specs is an array of
 * {column, function, name}; the result has the key columns, then one
 * column per spec, one row per group (sorted by the keys unless sort is
 * false, else in order of first appearance). */
static int fr_aggregate(lua_State *L) {
  cu_frame *f = l_checkframe(L, 1);
  const cu_column *keys[16];
  size_t nk = key_columns(L, f, 2, keys, 16);
  luaL_checktype(L, 3, LUA_TTABLE);
  int sorted = lua_isnoneornil(L, 4) || lua_toboolean(L, 4);
  cu_groups g;
  cu_err e = {0};
  if (cu_group(&g, keys, nk, f->nrows, &e)) return l_raise(L, &e);
  /* the groups' memory is released by a to-be-closed guard on error */
  cu_groups *gp = lua_newuserdatauv(L, sizeof g, 0);
  *gp = g;
  int gi = lua_gettop(L);
  l_frame_box *box = l_newframe(L);
  int fi = lua_gettop(L);
  if (!(box->f = cu_frame_new(g.ngroups))) {
    cu_groups_free(gp);
    return luaL_error(L, "out of memory");
  }
  int st = CU_OK;
  for (size_t k = 0; k < nk && !st; k++) {
    cu_column *c;
    if (lua_type(L, 2) == LUA_TSTRING)
      lua_pushvalue(L, 2);
    else
      lua_rawgeti(L, 2, (lua_Integer)k + 1);
    const char *name = lua_tostring(L, -1);
    if ((st = cu_column_take(&c, keys[k], gp->first, gp->ngroups, &e)) == 0) {
      st = cu_frame_set(box->f, name, c, &e);
      cu_column_release(c);
    }
    lua_pop(L, 1);
  }
  size_t ns = lua_rawlen(L, 3);
  for (size_t s = 1; s <= ns && !st; s++) {
    lua_rawgeti(L, 3, (lua_Integer)s);
    if (!lua_istable(L, -1)) {
      cu_groups_free(gp);
      return luaL_error(L, "aggregation %d is not a table {column, function, name}", (int)s);
    }
    lua_rawgeti(L, -1, 1);
    lua_rawgeti(L, -2, 2);
    lua_rawgeti(L, -3, 3);
    const char *col = lua_tostring(L, -3), *fn = lua_tostring(L, -2), *as = lua_tostring(L, -1);
    cu_agg_fn af;
    long j = col ? cu_frame_find(f, col) : -1;
    if (!fn || cu_agg_parse(fn, &af)) {
      cu_groups_free(gp);
      return luaL_error(L,
                        "unknown aggregation '%s' (count, size, sum, mean, min, max, "
                        "first, last, n_unique, std, var)",
                        fn ? fn : "?");
    }
    if (j < 0 && af != CU_AGG_SIZE) {
      cu_groups_free(gp);
      return luaL_error(L, "no column named '%s'", col ? col : "?");
    }
    cu_column *c;
    const cu_column *src = j >= 0 ? f->cols[j] : keys[0];
    if ((st = cu_group_agg(&c, gp, src, af, &e)) == 0) {
      st = cu_frame_set(box->f, as ? as : col, c, &e);
      cu_column_release(c);
    }
    lua_pop(L, 4);
  }
  cu_groups_free(gp);
  if (st) return l_raise(L, &e);
  if (sorted && nk > 0) {
    const cu_column *rk[16];
    for (size_t k = 0; k < nk; k++) rk[k] = box->f->cols[k];
    size_t *idx;
    if (cu_argsort(&idx, rk, NULL, nk, box->f->nrows, &e)) return l_raise(L, &e);
    return fr_take_idx(L, box->f, idx, box->f->nrows);
  }
  lua_settop(L, fi);
  (void)gi;
  return 1;
}

static int fr_index(lua_State *L) {
  lua_getmetatable(L, 1);
  lua_getfield(L, -1, "methods");
  lua_pushvalue(L, 2);
  if (lua_rawget(L, -2) != LUA_TNIL) return 1;
  l_frame_box *b = luaL_checkudata(L, 1, CU_FRAME_MT);
  if (b->f && lua_type(L, 2) == LUA_TSTRING) {
    long j = cu_frame_find(b->f, lua_tostring(L, 2));
    if (j >= 0) {
      push_column_ref(L, b->f->cols[j]);
      return 1;
    }
  }
  return luaL_error(L, "frame has no column or method '%s'", luaL_tolstring(L, 2, NULL));
}

static int fr_len(lua_State *L) { return fr_nrows(L); }

/* -------------------------------------------------------- registration -- */

static const luaL_Reg frame_methods[] = {{"nrows", fr_nrows},
                                         {"ncols", fr_ncols},
                                         {"names", fr_names},
                                         {"types", fr_types},
                                         {"col", fr_col},
                                         {"has", fr_has},
                                         {"select", fr_select},
                                         {"drop", fr_drop},
                                         {"rename", fr_rename},
                                         {"set", fr_set},
                                         {"filter", fr_filter},
                                         {"take", fr_take},
                                         {"slice", fr_slice},
                                         {"head", fr_head},
                                         {"tail", fr_tail},
                                         {"sort", fr_sort},
                                         {"row", fr_row},
                                         {"copy", fr_copy},
                                         {"nbytes", fr_nbytes},
                                         {"aggregate", fr_aggregate},
                                         {"group_ids", fr_group_ids},
                                         {"close", frame_release},
                                         {NULL, NULL}};

static const luaL_Reg frame_meta[] = {{"__index", fr_index},      {"__newindex", fr_newindex},
                                      {"__len", fr_len},          {"__gc", frame_release},
                                      {"__close", frame_release}, {NULL, NULL}};

static const luaL_Reg column_methods[] = {{"type", col_type},
                                          {"len", col_len},
                                          {"nmissing", col_nmissing},
                                          {"count", col_count},
                                          {"get", col_get},
                                          {"to_table", col_to_table},
                                          {"eq", col_eq},
                                          {"ne", col_ne},
                                          {"lt", col_lt},
                                          {"le", col_le},
                                          {"gt", col_gt},
                                          {"ge", col_ge},
                                          {"and_", col_and},
                                          {"or_", col_or},
                                          {"not_", col_not},
                                          {"is_missing", col_is_missing},
                                          {"fill", col_fill},
                                          {"startswith", col_startswith},
                                          {"endswith", col_endswith},
                                          {"contains", col_contains},
                                          {"lower", col_lower},
                                          {"upper", col_upper},
                                          {"length", col_length},
                                          {"year", col_year},
                                          {"month", col_month},
                                          {"day", col_day},
                                          {"weekday", col_weekday},
                                          {"hour", col_hour},
                                          {"minute", col_minute},
                                          {"second", col_second},
                                          {"quarter", col_quarter},
                                          {"yearday", col_yearday},
                                          {"floor", col_floor},
                                          {"log", col_log},
                                          {"log1p", col_log1p},
                                          {"clip", col_clip},
                                          {"exp", col_exp},
                                          {"sqrt", col_sqrt},
                                          {"abs", col_abs},
                                          {"round", col_round},
                                          {"ceil", col_ceil},
                                          {"cast", col_cast},
                                          {"sum", col_sum},
                                          {"mean", col_mean},
                                          {"min", col_min},
                                          {"max", col_max},
                                          {"var", col_var},
                                          {"std", col_std},
                                          {"quantile", col_quantile},
                                          {"quantiles", col_quantiles},
                                          {"median", col_median},
                                          {"n_unique", col_n_unique},
                                          {"slice", col_slice},
                                          {"close", column_release},
                                          {"rank", col_rank},
                                          {"cumsum", col_cumsum},
                                          {"take", col_take},
                                          {"transcode", col_transcode},
                                          {NULL, NULL}};

static const luaL_Reg column_meta[] = {
    {"__index", col_index},   {"__len", col_len},          {"__add", col_add}, {"__sub", col_sub},
    {"__mul", col_mul},       {"__div", col_div},          {"__mod", col_mod}, {"__pow", col_pow},
    {"__unm", col_unm},       {"__band", col_and},         {"__bor", col_or},  {"__bnot", col_not},
    {"__gc", column_release}, {"__close", column_release}, {NULL, NULL}};

/* parse_date(s): microseconds since 1970 UTC of an ISO date or date-time,
 * or nil.  Every date custan computes with goes through the datetime
 * kernel, never through os.time, so no result depends on the time zone. */
static int l_parse_date(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  int64_t us;
  if (cu_ts_parse(s, len, CU_TSF_ISO, &us)) {
    luaL_pushfail(L);
    return 1;
  }
  lua_pushinteger(L, (lua_Integer)us);
  return 1;
}

/* format_date(us [, date_only]): "YYYY-MM-DD HH:MM:SS" or "YYYY-MM-DD", UTC. */
static int l_format_date(lua_State *L) {
  int64_t us = (int64_t)luaL_checkinteger(L, 1);
  char buf[32];
  lua_pushlstring(L, buf, (size_t)cu_ts_format_iso(us, lua_toboolean(L, 2), buf));
  return 1;
}

static const luaL_Reg module_fns[] = {{"new", l_frame_new},
                                      {"column", l_column_new},
                                      {"concat", l_concat},
                                      {"parse_date", l_parse_date},
                                      {"format_date", l_format_date},
                                      {NULL, NULL}};

/* Metatable with metamethods and a `methods` table, as liolib's
 * createmeta(); Lua code adds more methods to the same table. */
static void createmeta(lua_State *L, const char *name, const luaL_Reg *meta,
                       const luaL_Reg *methods) {
  luaL_newmetatable(L, name);
  luaL_setfuncs(L, meta, 0);
  lua_newtable(L);
  luaL_setfuncs(L, methods, 0);
  lua_setfield(L, -2, "methods");
}

int luaopen_custan_frame(lua_State *L) {
  luaL_newlib(L, module_fns);
  createmeta(L, CU_FRAME_MT, frame_meta, frame_methods);
  lua_setfield(L, -2, "Frame");
  createmeta(L, CU_COLUMN_MT, column_meta, column_methods);
  lua_setfield(L, -2, "Column");
  return 1;
}
