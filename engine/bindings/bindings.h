/* bindings.h: shared helpers of the thin Lua layer over the kernels
 * (bindings.c).  Metatable names are defined here once. */
#ifndef CU_BINDINGS_H
#define CU_BINDINGS_H

#include <lauxlib.h>
#include <lua.h>

#include "frame.h"

#define CU_FRAME_MT "custan.Frame"
#define CU_COLUMN_MT "custan.Column"

typedef struct {
  cu_frame *f;
} l_frame_box;
typedef struct {
  cu_column *c;
} l_column_box;

/* Push an empty box first, then fill it: if anything raises in between,
 * __gc frees what the box holds and nothing leaks. */
l_frame_box *l_newframe(lua_State *L);
l_column_box *l_newcolumn(lua_State *L);
cu_frame *l_checkframe(lua_State *L, int i);
cu_column *l_checkcolumn(lua_State *L, int i);
cu_column *l_tocolumn(lua_State *L, int i); /* NULL when not a column */
/* The columns in the table at i (their names in the table at i + 1, or
 * nil) as one row-major n x d matrix of doubles, owned by a full userdata
 * left on the stack.  Raises, naming the feature and row, for a column
 * that is not numeric and for a missing or infinite value (missing values
 * become NaN when allow_missing). */
double *l_gather(lua_State *L, int i, size_t *n, size_t *d, int allow_missing);
/* Column i as n doubles (n = (size_t)-1: any length) in a Lua-owned
 * buffer left on the stack: the one column-to-double conversion.  Raises
 * naming `what` for a column that is not numeric, of another length, or
 * with a missing value. */
double *l_doubles(lua_State *L, int i, size_t n, const char *what);
/* Field k of the options table at t, or def when nil; raises when it is
 * there but not a number (the one options reader). */
lua_Number l_optnumber_field(lua_State *L, int t, const char *k, lua_Number def);
lua_Integer l_optinteger_field(lua_State *L, int t, const char *k, lua_Integer def);
/* Tells the collector about memory a kernel allocated outside Lua. */
void l_account(lua_State *L, size_t bytes);
/* Raises e's message as a Lua error at the caller's line. */
int l_raise(lua_State *L, const cu_err *e);
/* Pushes nil, message, code; returns 3. */
int l_fail(lua_State *L, const cu_err *e);
/* Pushes row i of c as a Lua value (nil when missing). */
void l_pushcell(lua_State *L, const cu_column *c, size_t i);
/* Reads a Lua value as a scalar operand; returns 0 if it is not one. */
int l_toscalar(lua_State *L, int i, cu_scalar *s);

/* A type's metatable (liolib.c's createmeta): metamethods from `meta`,
 * and a `methods` table from `methods`; left on the stack. */
void l_createmeta(lua_State *L, const char *name, const luaL_Reg *meta, const luaL_Reg *methods);
/* The column type's metatable (l_column.c), left on the stack; and the
 * module function custan.core.frame.column. */
void l_column_createmeta(lua_State *L);
int l_column_new(lua_State *L);
/* A kernel's result box: raises on a bad status, else tells the collector
 * its size and returns 1. */
int l_finish_column(lua_State *L, l_column_box *box, int st, cu_err *e);
int l_finish_frame(lua_State *L, l_frame_box *box, int st, cu_err *e);
/* The type named at i ("float64", "int64", "timestamp", "bool", "string"). */
cu_type l_check_type_name(lua_State *L, int i);
/* Largest positive integer key of the table at i (tables with holes). */
size_t l_table_extent(lua_State *L, int i);
/* A column from the Lua array at i (type `want`, or inferred when want is
 * -1; n rows, or the array's extent when 0); `what` names it in errors. */
cu_column *l_column_from_table(lua_State *L, int i, int want, size_t n, const char *what);
/* A 1-based row index at i, checked against n; 0-based. */
size_t l_check_row(lua_State *L, int i, size_t n);

/* t[k] = v for the table on top of the stack. */
static inline void l_setnum(lua_State *L, const char *k, lua_Number v) {
  lua_pushnumber(L, v);
  lua_setfield(L, -2, k);
}
static inline void l_setint(lua_State *L, const char *k, lua_Integer v) {
  lua_pushinteger(L, v);
  lua_setfield(L, -2, k);
}
static inline void l_setbool(lua_State *L, const char *k, int v) {
  lua_pushboolean(L, v);
  lua_setfield(L, -2, k);
}
static inline void l_setstr(lua_State *L, const char *k, const char *v) {
  lua_pushstring(L, v);
  lua_setfield(L, -2, k);
}

int luaopen_custan_frame(lua_State *L);
int luaopen_custan_io(lua_State *L);
int luaopen_custan_rfm(lua_State *L);
int luaopen_custan_clv(lua_State *L);
int luaopen_custan_cluster(lua_State *L);
int luaopen_custan_ml(lua_State *L);
int luaopen_custan_sim(lua_State *L);
int luaopen_custan_join(lua_State *L);
int luaopen_custan_dist(lua_State *L);

/* Adds world() (l_world.c) to the table on top: custan.core.sim.world. */
void l_world_register(lua_State *L);

#endif
