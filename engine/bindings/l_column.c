/* l_column.c: Lua binding of columns: construction from Lua arrays,
 * element-wise arithmetic, comparisons and logic, text and date parts,
 * math, casts, reductions and quantiles.  Registered by custan.core.frame
 * (l_column_createmeta).  Every binding checks its arguments, pushes an
 * empty result box, runs the kernel into it, and only then raises. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bindings.h"
#include "datetime.h"

/* __gc and __close of columns: safe to call twice. */
static int column_release(lua_State *L) {
  l_column_box *b = luaL_checkudata(L, 1, CU_COLUMN_MT);
  cu_column_release(b->c);
  b->c = NULL;
  return 0;
}

int l_column_new(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  int want = lua_isnoneornil(L, 2) ? -1 : (int)l_check_type_name(L, 2);
  size_t n = l_table_extent(L, 1);
  lua_Integer given = luaL_optinteger(L, 3, -1);
  if (given >= 0) n = (size_t)given;
  l_column_from_table(L, 1, want, n, "custan.column");
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


static int col_get(lua_State *L) {
  cu_column *c = l_checkcolumn(L, 1);
  l_pushcell(L, c, l_check_row(L, 2, c->n));
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

/* Element-wise results are accounted to the collector before they are
 * made (l_finish_column accounts after): its step then finalizes the
 * result an expression dropped a moment ago, so column.c's buffer cache
 * hands that buffer, still warm, to the new one, as numpy's reference
 * counting reuses memory at once. */
static int prepaid(lua_State *L, int st, cu_err *e) { return st ? l_raise(L, e) : 1; }

static int arith(lua_State *L, cu_arith_op op) {
  const cu_column *a, *b;
  cu_scalar as, bs;
  operand(L, 1, &a, &as);
  operand(L, 2, &b, &bs);
  if (!a && !b) return luaL_error(L, "arithmetic needs a column");
  l_account(L, (a ? a->n : b->n) * sizeof(double));
  cu_err e = {0};
  l_column_box *box = l_newcolumn(L);
  return prepaid(L, cu_arith(&box->c, a, &as, b, &bs, op, &e), &e);
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
  return l_finish_column(L, box, cu_negate(&box->c, a, &e), &e);
}

static int compare(lua_State *L, cu_cmp_op op) {
  cu_column *a = l_checkcolumn(L, 1);
  const cu_column *b;
  cu_scalar bs;
  operand(L, 2, &b, &bs);
  l_account(L, a->n);
  cu_err e = {0};
  l_column_box *box = l_newcolumn(L);
  return prepaid(L, cu_compare(&box->c, a, b, &bs, op, &e), &e);
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
  l_account(L, a->n);
  cu_err e = {0};
  l_column_box *box = l_newcolumn(L);
  return prepaid(L, cu_logic(&box->c, a, b, &bs, op, &e), &e);
}
static int col_and(lua_State *L) { return logic(L, CU_AND); }
static int col_or(lua_State *L) { return logic(L, CU_OR); }

static int col_not(lua_State *L) {
  cu_column *a = l_checkcolumn(L, 1);
  cu_err e = {0};
  l_column_box *box = l_newcolumn(L);
  return l_finish_column(L, box, cu_not(&box->c, a, &e), &e);
}

static int col_is_missing(lua_State *L) {
  cu_column *a = l_checkcolumn(L, 1);
  cu_err e = {0};
  l_column_box *box = l_newcolumn(L);
  return l_finish_column(L, box, cu_is_missing(&box->c, a, &e), &e);
}

static int col_fill(lua_State *L) {
  cu_column *a = l_checkcolumn(L, 1);
  cu_scalar s;
  luaL_argcheck(L, !lua_isnoneornil(L, 2) && l_toscalar(L, 2, &s), 2, "expected a fill value");
  cu_err e = {0};
  l_column_box *box = l_newcolumn(L);
  return l_finish_column(L, box, cu_fill_missing(&box->c, a, &s, &e), &e);
}

static int str_test(lua_State *L, cu_str_test_t t) {
  cu_column *a = l_checkcolumn(L, 1);
  size_t len;
  const char *pat = luaL_checklstring(L, 2, &len);
  cu_err e = {0};
  l_column_box *box = l_newcolumn(L);
  return l_finish_column(L, box, cu_str_test(&box->c, a, pat, len, t, &e), &e);
}
static int col_startswith(lua_State *L) { return str_test(L, CU_STR_STARTS); }
static int col_endswith(lua_State *L) { return str_test(L, CU_STR_ENDS); }
static int col_contains(lua_State *L) { return str_test(L, CU_STR_CONTAINS); }

static int str_case(lua_State *L, int upper) {
  cu_column *a = l_checkcolumn(L, 1);
  cu_err e = {0};
  l_column_box *box = l_newcolumn(L);
  return l_finish_column(L, box, cu_str_case(&box->c, a, upper, &e), &e);
}
static int col_lower(lua_State *L) { return str_case(L, 0); }
static int col_upper(lua_State *L) { return str_case(L, 1); }

static int col_length(lua_State *L) {
  cu_column *a = l_checkcolumn(L, 1);
  cu_err e = {0};
  l_column_box *box = l_newcolumn(L);
  return l_finish_column(L, box, cu_str_length(&box->c, a, &e), &e);
}

static int date_part(lua_State *L, cu_date_part_t p) {
  cu_column *a = l_checkcolumn(L, 1);
  cu_err e = {0};
  l_column_box *box = l_newcolumn(L);
  return l_finish_column(L, box, cu_date_part(&box->c, a, p, &e), &e);
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
  return l_finish_column(L, box, cu_math(&box->c, a, fn, &e), &e);
}
/* col:clip(lo, hi): either bound may be nil */
static int col_clip(lua_State *L) {
  cu_column *a = l_checkcolumn(L, 1);
  double lo = luaL_optnumber(L, 2, -HUGE_VAL), hi = luaL_optnumber(L, 3, HUGE_VAL);
  cu_err e = {0};
  l_column_box *box = l_newcolumn(L);
  return l_finish_column(L, box, cu_clip(&box->c, a, lo, hi, &e), &e);
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
  return l_finish_column(L, box, cu_round(&box->c, a, (int)digits, &e), &e);
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
  return l_finish_column(L, box, cu_date_floor(&box->c, a, (cu_floor_unit)u, &e), &e);
}

static int col_cast(lua_State *L) {
  cu_column *a = l_checkcolumn(L, 1);
  cu_type t = l_check_type_name(L, 2);
  cu_err e = {0};
  l_column_box *box = l_newcolumn(L);
  return l_finish_column(L, box, cu_column_cast(&box->c, a, t, &e), &e);
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

/* exact_sum(): a float64 column's sum, exact and rounded once */
static int col_exact_sum(lua_State *L) {
  cu_column *a = l_checkcolumn(L, 1);
  double v;
  cu_err e = {0};
  if (cu_exact_sum(&v, a, &e)) return l_raise(L, &e);
  lua_pushnumber(L, v);
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
  return l_finish_column(L, box, cu_column_slice(&box->c, a, (size_t)i - 1, (size_t)j, &e), &e);
}

static int col_cumsum(lua_State *L) {
  cu_column *a = l_checkcolumn(L, 1);
  cu_err e = {0};
  l_column_box *box = l_newcolumn(L);
  return l_finish_column(L, box, cu_cumsum(&box->c, a, &e), &e);
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
  return l_finish_column(L, box, st, &e);
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
  return l_finish_column(L, box, cu_rank(&box->c, a, desc, &e), &e);
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
  return l_finish_column(L, box, cu_str_transcode(&box->c, a, k, &e), &e);
}

static int col_index(lua_State *L) {
  if (lua_type(L, 2) == LUA_TNUMBER) return col_get(L);
  lua_getmetatable(L, 1);
  lua_getfield(L, -1, "methods");
  lua_pushvalue(L, 2);
  lua_rawget(L, -2);
  return 1;
}


/* -------------------------------------------------------- registration -- */

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
                                          {"exact_sum", col_exact_sum},
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

void l_column_createmeta(lua_State *L) { l_createmeta(L, CU_COLUMN_MT, column_meta, column_methods); }
