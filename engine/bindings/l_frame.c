/* l_frame.c: Lua binding of frames (module custan.core.frame, which also
 * registers the column type of l_column.c).
 *
 * Three registration tables per type, as liolib.c does: module functions,
 * methods, metamethods.  Every binding checks its arguments, pushes an empty
 * result box, runs the kernel into it, and only then raises on failure. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bindings.h"
#include "datetime.h"

/* __gc and __close of frames: safe to call twice. */
static int frame_release(lua_State *L) {
  l_frame_box *b = luaL_checkudata(L, 1, CU_FRAME_MT);
  cu_frame_release(b->f);
  b->f = NULL;
  return 0;
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
    size_t m = c ? c->n : lua_istable(L, -1) ? l_table_extent(L, lua_gettop(L)) : 0;
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
      c = l_column_from_table(L, -1, -1, n, name);
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
  return l_finish_frame(L, box, st, &e);
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
  size_t i = l_check_row(L, 2, f->nrows);
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

int luaopen_custan_frame(lua_State *L) {
  luaL_newlib(L, module_fns);
  l_createmeta(L, CU_FRAME_MT, frame_meta, frame_methods);
  lua_setfield(L, -2, "Frame");
  l_column_createmeta(L);
  lua_setfield(L, -2, "Column");
  return 1;
}
