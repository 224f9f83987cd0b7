/* l_join.c: custan.core.join, the joins and reshaping of join.c.  The
 * Lua side (lua/custan/join.lua) checks names and picks the output names;
 * these functions build the output frames. */
#include <stdlib.h>
#include <string.h>

#include "bindings.h"

/* The columns named in the array at i (a string or an array of strings). */
static size_t names_arg(lua_State *L, int i, cu_frame *f, const cu_column **cols, size_t max,
                        const char *what) {
  luaL_checktype(L, i, LUA_TTABLE);
  size_t n = lua_rawlen(L, i);
  if (n > max) luaL_error(L, "%s: at most %d key columns", what, (int)max);
  for (size_t k = 0; k < n; k++) {
    lua_rawgeti(L, i, (lua_Integer)k + 1);
    const char *name = luaL_checkstring(L, -1);
    long j = cu_frame_find(f, name);
    if (j < 0) luaL_error(L, "%s: no column '%s'", what, name);
    cols[k] = f->cols[j];
    lua_pop(L, 1);
  }
  return n;
}

/* Adds columns of src taken at idx to out: the names in the array at
 * `names` (source names) and `as` (output names). */
static int add_taken(lua_State *L, cu_frame *out, const cu_frame *src, const size_t *idx, size_t n,
                     int names, int as, cu_err *e) {
  size_t m = lua_rawlen(L, names);
  for (size_t k = 0; k < m; k++) {
    lua_rawgeti(L, names, (lua_Integer)k + 1);
    lua_rawgeti(L, as, (lua_Integer)k + 1);
    long j = cu_frame_find(src, lua_tostring(L, -2));
    const char *to = lua_tostring(L, -1);
    if (j < 0 || !to) {
      lua_pop(L, 2);
      return cu_err_set(e, CU_EARG, "join: bad output column %zu", k + 1);
    }
    cu_column *c = NULL;
    int st = idx ? cu_column_take(&c, src->cols[j], idx, n, e)
                 : (c = cu_column_retain(src->cols[j]), CU_OK);
    if (st == CU_OK) st = cu_frame_set(out, to, c, e);
    cu_column_release(c);
    lua_pop(L, 2);
    if (st) return st;
  }
  return CU_OK;
}

#define MAXKEYS 32

/* join(left, right, lkeys, rkeys, how, lnames, lout, rnames, rout) */
static int l_join(lua_State *L) {
  cu_frame *l = l_checkframe(L, 1), *r = l_checkframe(L, 2);
  const cu_column *lk[MAXKEYS], *rk[MAXKEYS];
  size_t nk = names_arg(L, 3, l, lk, MAXKEYS, "join");
  if (names_arg(L, 4, r, rk, MAXKEYS, "join") != nk) luaL_error(L, "join: key counts differ");
  const char *how = luaL_checkstring(L, 5);
  for (int i = 6; i <= 9; i++) luaL_checktype(L, i, LUA_TTABLE);
  cu_join_how h = !strcmp(how, "left") ? CU_JOIN_LEFT : CU_JOIN_INNER;
  size_t *li, *ri, n;
  cu_err e = {0};
  if (cu_join_index(&li, &ri, &n, lk, rk, nk, h, &e)) return l_raise(L, &e);
  l_frame_box *box = l_newframe(L);
  box->f = cu_frame_new(n);
  int st = box->f ? CU_OK : cu_err_set(&e, CU_ENOMEM, "out of memory");
  if (st == CU_OK) st = add_taken(L, box->f, l, li, n, 6, 7, &e);
  if (st == CU_OK) st = add_taken(L, box->f, r, ri, n, 8, 9, &e);
  free(li);
  free(ri);
  if (st) return l_raise(L, &e);
  return l_finish_frame(L, box, st, &e);
}

/* asof(left, right, lkeys, rkeys, ltime, rtime, lnames, lout, rnames, rout) */
static int l_asof(lua_State *L) {
  cu_frame *l = l_checkframe(L, 1), *r = l_checkframe(L, 2);
  const cu_column *lk[MAXKEYS], *rk[MAXKEYS];
  size_t nk = names_arg(L, 3, l, lk, MAXKEYS, "asof_join");
  if (names_arg(L, 4, r, rk, MAXKEYS, "asof_join") != nk)
    luaL_error(L, "asof_join: key counts differ");
  long lt = cu_frame_find(l, luaL_checkstring(L, 5)), rt = cu_frame_find(r, luaL_checkstring(L, 6));
  if (lt < 0 || rt < 0) luaL_error(L, "asof_join: no time column '%s'", lua_tostring(L, lt < 0 ? 5 : 6));
  for (int i = 7; i <= 10; i++) luaL_checktype(L, i, LUA_TTABLE);
  size_t *ri;
  cu_err e = {0};
  if (cu_join_asof(&ri, lk, rk, nk, l->cols[lt], r->cols[rt], &e)) return l_raise(L, &e);
  l_frame_box *box = l_newframe(L);
  box->f = cu_frame_new(l->nrows);
  int st = box->f ? CU_OK : cu_err_set(&e, CU_ENOMEM, "out of memory");
  if (st == CU_OK) st = add_taken(L, box->f, l, NULL, l->nrows, 7, 8, &e);
  if (st == CU_OK) st = add_taken(L, box->f, r, ri, l->nrows, 9, 10, &e);
  free(ri);
  if (st) return l_raise(L, &e);
  return l_finish_frame(L, box, st, &e);
}

/* pivot(frame, index_names, names_column, values_column, fn or nil):
 * a frame of the index columns (first row of each group) and one column per
 * distinct name, in order of first appearance.  fn nil: a cell holding two
 * rows is an error naming them. */
static int l_pivot(lua_State *L) {
  cu_frame *f = l_checkframe(L, 1);
  const cu_column *ik[MAXKEYS];
  size_t nk = names_arg(L, 2, f, ik, MAXKEYS, "pivot");
  long nc = cu_frame_find(f, luaL_checkstring(L, 3)), vc = cu_frame_find(f, luaL_checkstring(L, 4));
  if (nc < 0 || vc < 0) luaL_error(L, "pivot: no column '%s'", lua_tostring(L, nc < 0 ? 3 : 4));
  int strict = lua_isnoneornil(L, 5);
  cu_agg_fn fn = CU_AGG_FIRST;
  if (!strict && cu_agg_parse(luaL_checkstring(L, 5), &fn))
    luaL_error(L, "pivot: unknown summary '%s'", lua_tostring(L, 5));
  cu_err e = {0};
  cu_groups rows = {0}, names = {0};
  const cu_column *namecol[1] = {f->cols[nc]};
  if (cu_group(&rows, ik, nk, f->nrows, &e) || cu_group(&names, namecol, 1, f->nrows, &e)) {
    cu_groups_free(&rows);
    cu_groups_free(&names);
    return l_raise(L, &e);
  }
  if (strict) {
    size_t a, b;
    int dup = cu_pivot_duplicates(&a, &b, &rows, &names);
    if (dup) {
      cu_groups_free(&rows);
      cu_groups_free(&names);
      if (dup < 0) return luaL_error(L, "out of memory");
      return luaL_error(L, "pivot: rows %d and %d fall in the same cell (the same index and "
                        "name); give a summary (agg = \"sum\", \"mean\", \"first\", ...)",
                        (int)a + 1, (int)b + 1);
    }
  }
  lua_settop(L, 5); /* the frame box goes to 6 */
  cu_column **cols = calloc(names.ngroups ? names.ngroups : 1, sizeof *cols);
  l_frame_box *box = l_newframe(L);
  int st = cols ? cu_pivot(cols, &rows, &names, f->cols[vc], fn, &e)
                : cu_err_set(&e, CU_ENOMEM, "out of memory");
  if (st == CU_OK) {
    box->f = cu_frame_new(rows.ngroups);
    if (!box->f) st = cu_err_set(&e, CU_ENOMEM, "out of memory");
  }
  for (size_t k = 0; k < nk && st == CU_OK; k++) {
    cu_column *c = NULL;
    st = cu_column_take(&c, ik[k], rows.first, rows.ngroups, &e);
    lua_rawgeti(L, 2, (lua_Integer)k + 1);
    if (st == CU_OK) st = cu_frame_set(box->f, lua_tostring(L, -1), c, &e);
    lua_pop(L, 1);
    cu_column_release(c);
  }
  for (size_t j = 0; j < names.ngroups && st == CU_OK; j++) {
    l_pushcell(L, f->cols[nc], names.first[j]);
    const char *name = lua_isnil(L, -1) ? "NA" : luaL_tolstring(L, -1, NULL);
    if (cu_frame_find(box->f, name) >= 0)
      st = cu_err_set(&e, CU_EARG, "pivot: the name '%s' is also an index column", name);
    else
      st = cu_frame_set(box->f, name, cols[j], &e);
    lua_settop(L, 6);
  }
  for (size_t j = 0; cols && j < names.ngroups; j++) cu_column_release(cols[j]);
  free(cols);
  cu_groups_free(&rows);
  cu_groups_free(&names);
  if (st) return l_raise(L, &e);
  return l_finish_frame(L, box, st, &e);
}

/* unpivot(frame, ids, values, names_to, values_to) */
static int l_unpivot(lua_State *L) {
  cu_frame *f = l_checkframe(L, 1);
  size_t idx[2][256], n[2];
  for (int a = 0; a < 2; a++) {
    luaL_checktype(L, 2 + a, LUA_TTABLE);
    n[a] = lua_rawlen(L, 2 + a);
    if (n[a] > 256) return luaL_error(L, "unpivot: at most 256 columns of each kind");
    for (size_t k = 0; k < n[a]; k++) {
      lua_rawgeti(L, 2 + a, (lua_Integer)k + 1);
      long j = cu_frame_find(f, luaL_checkstring(L, -1));
      if (j < 0) return luaL_error(L, "unpivot: no column '%s'", lua_tostring(L, -1));
      idx[a][k] = (size_t)j;
      lua_pop(L, 1);
    }
  }
  const char *names_to = luaL_checkstring(L, 4), *values_to = luaL_checkstring(L, 5);
  cu_err e = {0};
  l_frame_box *box = l_newframe(L);
  int st = cu_unpivot(&box->f, f, idx[0], n[0], idx[1], n[1], names_to, values_to, &e);
  return l_finish_frame(L, box, st, &e);
}

static const luaL_Reg fns[] = {{"join", l_join},
                               {"asof", l_asof},
                               {"pivot", l_pivot},
                               {"unpivot", l_unpivot},
                               {NULL, NULL}};

int luaopen_custan_join(lua_State *L) {
  luaL_newlib(L, fns);
  return 1;
}
