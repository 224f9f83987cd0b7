/* bindings.c: the helpers every binding shares (boxes, argument checks,
 * conversions, errors), so each l_<family>.c stays a thin layer. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bindings.h"

l_frame_box *l_newframe(lua_State *L) {
  l_frame_box *b = lua_newuserdatauv(L, sizeof *b, 0);
  b->f = NULL;
  luaL_setmetatable(L, CU_FRAME_MT);
  return b;
}

l_column_box *l_newcolumn(lua_State *L) {
  l_column_box *b = lua_newuserdatauv(L, sizeof *b, 0);
  b->c = NULL;
  luaL_setmetatable(L, CU_COLUMN_MT);
  return b;
}

cu_frame *l_checkframe(lua_State *L, int i) {
  l_frame_box *b = luaL_checkudata(L, i, CU_FRAME_MT);
  luaL_argcheck(L, b->f != NULL, i, "frame is closed");
  return b->f;
}

cu_column *l_tocolumn(lua_State *L, int i) {
  l_column_box *b = luaL_testudata(L, i, CU_COLUMN_MT);
  return b ? b->c : NULL;
}

cu_column *l_checkcolumn(lua_State *L, int i) {
  l_column_box *b = luaL_testudata(L, i, CU_COLUMN_MT);
  if (!b) luaL_typeerror(L, i, "column");
  luaL_argcheck(L, b->c != NULL, i, "column is closed");
  return b->c;
}

/* The name of feature j (0-based) from the names table at i, or "?". */
static const char *gather_name(lua_State *L, int i, size_t j) {
  if (!lua_istable(L, i)) return "?";
  lua_rawgeti(L, i, (lua_Integer)j + 1);
  const char *s = lua_isstring(L, -1) ? lua_tostring(L, -1) : "?";
  lua_pop(L, 1); /* the names table keeps the string alive */
  return s;
}

double *l_gather(lua_State *L, int i, size_t *pn, size_t *pd, int allow_missing) {
  luaL_checktype(L, i, LUA_TTABLE);
  size_t d = (size_t)lua_rawlen(L, i), n = 0;
  if (d == 0) luaL_argerror(L, i, "no feature columns");
  for (size_t j = 0; j < d; j++) {
    lua_rawgeti(L, i, (lua_Integer)j + 1);
    cu_column *c = l_tocolumn(L, -1);
    if (!c) luaL_error(L, "feature %d is not a column", (int)j + 1);
    if (j == 0) n = c->n;
    if (c->n != n)
      luaL_error(L, "the feature columns differ in length (%d and %d)", (int)n, (int)c->n);
    lua_pop(L, 1);
  }
  double *X = lua_newuserdatauv(L, (n ? n : 1) * d * sizeof *X, 0);
  const cu_column **cols = lua_newuserdatauv(L, d * sizeof *cols, 0);
  lua_insert(L, -2); /* X stays on top */
  for (size_t j = 0; j < d; j++) {
    lua_rawgeti(L, i, (lua_Integer)j + 1);
    cols[j] = l_tocolumn(L, -1);
    lua_pop(L, 1);
    if (cols[j]->type != CU_F64 && cols[j]->type != CU_I64 && cols[j]->type != CU_BOOL)
      luaL_error(L, "feature '%s' is not numeric (%s)", gather_name(L, i + 1, j),
                 cu_type_name(cols[j]->type));
  }
  /* in blocks of rows, so the block of X being written stays in cache */
  for (size_t r0 = 0; r0 < n; r0 += 1024) {
    size_t r1 = r0 + 1024 < n ? r0 + 1024 : n;
    for (size_t j = 0; j < d; j++) {
      const cu_column *c = cols[j];
      for (size_t r = r0; r < r1; r++) {
        double v = c->type == CU_F64   ? ((const double *)c->data)[r]
                   : c->type == CU_I64 ? (double)((const int64_t *)c->data)[r]
                                       : (double)((const uint8_t *)c->data)[r];
        if (c->valid && !c->valid[r]) v = NAN;
        if (!isfinite(v) && !(allow_missing && isnan(v)))
          luaL_error(L, "feature '%s', row %d: %s value", gather_name(L, i + 1, j), (int)r + 1,
                     isnan(v) ? "missing" : "infinite");
        X[r * d + j] = v;
      }
    }
  }
  *pn = n;
  *pd = d;
  return X;
}

void l_account(lua_State *L, size_t bytes) {
  if (bytes >= 1024) lua_gc(L, LUA_GCSTEP, (int)(bytes >> 10 > 1 << 20 ? 1 << 20 : bytes >> 10));
}

int l_raise(lua_State *L, const cu_err *e) { return luaL_error(L, "%s", e->msg); }

int l_fail(lua_State *L, const cu_err *e) {
  luaL_pushfail(L);
  lua_pushstring(L, e->msg);
  lua_pushinteger(L, e->code);
  return 3;
}

void l_pushcell(lua_State *L, const cu_column *c, size_t i) {
  if (!cu_is_valid(c, i)) {
    lua_pushnil(L);
    return;
  }
  switch (c->type) {
  case CU_F64: lua_pushnumber(L, ((const double *)c->data)[i]); break;
  case CU_I64: lua_pushinteger(L, ((const int64_t *)c->data)[i]); break;
  case CU_BOOL: lua_pushboolean(L, ((const uint8_t *)c->data)[i]); break;
  case CU_TS: {
    char buf[32];
    int n = cu_ts_format_iso(((const int64_t *)c->data)[i], 0, buf);
    lua_pushlstring(L, buf, (size_t)n);
    break;
  }
  case CU_STR: {
    size_t len;
    const char *s = cu_dict_str(c->dict, ((const int32_t *)c->data)[i], &len);
    lua_pushlstring(L, s, len);
    break;
  }
  }
}

int l_toscalar(lua_State *L, int i, cu_scalar *s) {
  memset(s, 0, sizeof *s);
  switch (lua_type(L, i)) {
  case LUA_TNIL:
    s->missing = 1;
    s->type = CU_F64;
    return 1;
  case LUA_TBOOLEAN:
    s->type = CU_BOOL;
    s->i = lua_toboolean(L, i);
    return 1;
  case LUA_TNUMBER:
    if (lua_isinteger(L, i)) {
      s->type = CU_I64;
      s->i = lua_tointeger(L, i);
      s->f = (double)s->i;
    } else {
      s->type = CU_F64;
      s->f = lua_tonumber(L, i);
    }
    return 1;
  case LUA_TSTRING:
    s->type = CU_STR;
    s->s = lua_tolstring(L, i, &s->len);
    return 1;
  default: return 0;
  }
}


double *l_doubles(lua_State *L, int i, size_t n, const char *what) {
  cu_column *c = l_checkcolumn(L, i);
  if (n != (size_t)-1 && c->n != n)
    luaL_error(L, "%s has %d rows, expected %d", what, (int)c->n, (int)n);
  if (c->type != CU_F64 && c->type != CU_I64 && c->type != CU_BOOL)
    luaL_error(L, "%s must be numeric, got %s", what, cu_type_name(c->type));
  double *v = lua_newuserdatauv(L, (c->n ? c->n : 1) * sizeof *v, 0);
  for (size_t r = 0; r < c->n; r++) {
    if (!cu_is_valid(c, r)) luaL_error(L, "%s is missing in row %d", what, (int)r + 1);
    v[r] = cu_column_get_f(c, r);
  }
  return v;
}

lua_Number l_optnumber_field(lua_State *L, int t, const char *k, lua_Number def) {
  lua_getfield(L, t, k);
  lua_Number v = lua_isnil(L, -1) ? def : luaL_checknumber(L, -1);
  lua_pop(L, 1);
  return v;
}

lua_Integer l_optinteger_field(lua_State *L, int t, const char *k, lua_Integer def) {
  lua_getfield(L, t, k);
  lua_Integer v = lua_isnil(L, -1) ? def : luaL_checkinteger(L, -1);
  lua_pop(L, 1);
  return v;
}

/* Pushes a kernel's column result or raises. */
int l_finish_column(lua_State *L, l_column_box *box, int st, cu_err *e) {
  if (st) return l_raise(L, e);
  l_account(L, cu_column_bytes(box->c));
  return 1;
}

int l_finish_frame(lua_State *L, l_frame_box *box, int st, cu_err *e) {
  if (st) return l_raise(L, e);
  size_t bytes = 0;
  for (size_t j = 0; j < box->f->ncols; j++) bytes += cu_column_bytes(box->f->cols[j]);
  l_account(L, bytes);
  return 1;
}

cu_type l_check_type_name(lua_State *L, int i) {
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
size_t l_table_extent(lua_State *L, int i) {
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
cu_column *l_column_from_table(lua_State *L, int i, int want, size_t n, const char *what) {
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

size_t l_check_row(lua_State *L, int i, size_t n) {
  lua_Integer k = luaL_checkinteger(L, i);
  luaL_argcheck(L, k >= 1 && (size_t)k <= n, i, "row index out of range");
  return (size_t)(k - 1);
}


void l_createmeta(lua_State *L, const char *name, const luaL_Reg *meta,
                       const luaL_Reg *methods) {
  luaL_newmetatable(L, name);
  luaL_setfuncs(L, meta, 0);
  lua_newtable(L);
  luaL_setfuncs(L, methods, 0);
  lua_setfield(L, -2, "methods");
}
