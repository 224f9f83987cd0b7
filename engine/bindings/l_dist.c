/* l_dist.c: Lua binding of the ranks of a distributed run (module
 * custan.core.dist; custan.dist is the Lua face).  One rank, and every
 * collective the identity, when custan runs without mpirun. */
#include <stdlib.h>
#include <string.h>

#include "bindings.h"
#include "dist.h"

static int l_rank(lua_State *L) {
  lua_pushinteger(L, cu_dist_rank());
  return 1;
}
static int l_size(lua_State *L) {
  lua_pushinteger(L, cu_dist_size());
  return 1;
}
static int l_built(lua_State *L) {
  lua_pushboolean(L, cu_dist_built());
  return 1;
}
static int l_library(lua_State *L) {
  lua_pushstring(L, cu_dist_library());
  return 1;
}
static int l_bytes(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)cu_dist_bytes_moved());
  return 1;
}

/* split([on]): whether fits and samplers split their blocks across ranks;
 * returns the setting before (and sets it when on is given). */
static int l_split(lua_State *L) {
  int old = cu_dist_split();
  if (!lua_isnoneornil(L, 1)) cu_dist_set_split(lua_toboolean(L, 1));
  lua_pushboolean(L, old);
  return 1;
}

/* blocks(): blocks this rank ran through the split, blocks in all, and
 * the rounds of exchanging their results */
static int l_blocks(lua_State *L) {
  uint64_t ran, total;
  cu_dist_block_counts(&ran, &total);
  lua_pushinteger(L, (lua_Integer)ran);
  lua_pushinteger(L, (lua_Integer)total);
  lua_pushinteger(L, (lua_Integer)cu_dist_block_rounds());
  return 3;
}

static int failed(lua_State *L, const char *what) {
  return luaL_error(L, "%s across the ranks failed", what);
}

/* Pushes a list of the byte pieces in recv (count[r] bytes from rank r,
 * in rank order) and frees recv. */
static void push_pieces(lua_State *L, char *recv, const size_t *count, int size) {
  lua_createtable(L, size, 0);
  size_t at = 0;
  for (int r = 0; r < size; r++) {
    lua_pushlstring(L, recv + at, count[r]);
    lua_rawseti(L, -2, r + 1);
    at += count[r];
  }
  free(recv);
}

/* pack(frame) -> bytes, to send to another rank (same build) */
static int l_pack(lua_State *L) {
  cu_frame *f = l_checkframe(L, 1);
  char *buf = NULL;
  size_t n = 0;
  cu_err e = {0};
  if (cu_frame_pack(f, &buf, &n, &e)) return l_raise(L, &e);
  lua_pushlstring(L, buf, n);
  free(buf);
  return 1;
}

/* unpack(bytes) -> frame */
static int l_unpack(lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  l_frame_box *box = l_newframe(L);
  cu_err e = {0};
  if (cu_frame_unpack(s, n, &box->f, &e)) return l_raise(L, &e);
  return 1;
}

/* alltoall(list): list[r + 1] (bytes) goes to rank r; returns the bytes
 * every rank sent this one, in rank order */
static int l_alltoall(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  int size = cu_dist_size();
  size_t *count = lua_newuserdatauv(L, 2 * (size_t)size * sizeof *count, 0), *rcount = count + size;
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (int r = 0; r < size; r++) {
    lua_rawgeti(L, 1, r + 1);
    count[r] = 0;
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      continue;
    }
    if (lua_type(L, -1) != LUA_TSTRING) return luaL_error(L, "alltoall: item %d is not bytes", r + 1);
    count[r] = lua_rawlen(L, -1);
    luaL_addvalue(&b); /* adds the value on top and pops it */
  }
  luaL_pushresult(&b);
  const char *send = lua_tostring(L, -1);
  char *recv = NULL;
  if (cu_dist_alltoallv(send, count, &recv, rcount)) return failed(L, "the exchange");
  push_pieces(L, recv, rcount, size);
  return 1;
}

/* allgather(bytes): every rank's bytes on every rank, in rank order */
static int l_allgather(lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  int size = cu_dist_size();
  size_t *count = lua_newuserdatauv(L, (size_t)size * sizeof *count, 0);
  char *recv = NULL;
  if (cu_dist_allgatherv(s, n, &recv, count)) return failed(L, "allgather");
  push_pieces(L, recv, count, size);
  return 1;
}

/* exact_sum(column) -> number: the exact sum over every rank of a float64
 * column's values (missing ones left out), rounded once */
static int l_exact_sum(lua_State *L) {
  cu_column *c = l_checkcolumn(L, 1);
  if (c->type != CU_F64) return luaL_error(L, "exact_sum: the column must be float64");
  double out;
  if (cu_dist_exact_sum(c->data, c->valid, c->n, &out)) return failed(L, "the sum");
  lua_pushnumber(L, out);
  return 1;
}

/* owners(column[, fallback]) -> int64 column: the rank owning each row's
 * key (by the fallback column where the key is missing) */
static int l_owners(lua_State *L) {
  cu_column *key = l_checkcolumn(L, 1);
  cu_column *fallback = lua_isnoneornil(L, 2) ? NULL : l_checkcolumn(L, 2);
  if (fallback && fallback->n != key->n) return luaL_error(L, "owners: columns of different lengths");
  l_column_box *box = l_newcolumn(L);
  if (!(box->c = cu_column_new(CU_I64, key->n, NULL))) return luaL_error(L, "out of memory");
  cu_dist_owners2(key, fallback, box->c->data);
  return 1;
}

static int l_barrier(lua_State *L) {
  if (cu_dist_barrier()) return failed(L, "the barrier");
  return 0;
}

/* reduce(op, values): op "sum" (exact), "max" or "min"; values a number,
 * a list of numbers or a float64 column without missing values.  Returns
 * the same shape. */
static int l_reduce(lua_State *L) {
  static const char *const ops[] = {"sum", "max", "min", NULL};
  int op = luaL_checkoption(L, 1, NULL, ops);
  cu_column *c = l_tocolumn(L, 2);
  size_t n;
  int scalar = lua_type(L, 2) == LUA_TNUMBER;
  if (c) {
    if (c->type != CU_F64 || c->valid)
      return luaL_error(L, "reduce: the column must be float64 without missing values");
    n = c->n;
  } else if (scalar) {
    n = 1;
  } else {
    luaL_checktype(L, 2, LUA_TTABLE);
    n = lua_rawlen(L, 2);
  }
  double *x = lua_newuserdatauv(L, (n ? n : 1) * sizeof *x, 0); /* freed by the collector */
  for (size_t i = 0; i < n; i++) {
    if (c) {
      x[i] = ((const double *)c->data)[i];
    } else if (scalar) {
      x[i] = lua_tonumber(L, 2);
    } else {
      lua_rawgeti(L, 2, (lua_Integer)i + 1);
      if (!lua_isnumber(L, -1)) return luaL_error(L, "reduce: item %d is not a number", (int)i + 1);
      x[i] = lua_tonumber(L, -1);
      lua_pop(L, 1);
    }
  }
  int rc;
  if (op == 0) {
    rc = cu_dist_sum(x, n);
  } else { /* max and min through the order of doubles (no NaN here) */
    int64_t *k = lua_newuserdatauv(L, (n ? n : 1) * sizeof *k, 0);
    for (size_t i = 0; i < n; i++) {
      int64_t b;
      memcpy(&b, &x[i], 8);
      k[i] = b < 0 ? (int64_t)(UINT64_C(0x8000000000000000) - (uint64_t)b) : b;
    }
    rc = op == 1 ? cu_dist_max_i64(k, n) : cu_dist_min_i64(k, n);
    for (size_t i = 0; i < n; i++) {
      int64_t b = k[i] < 0 ? (int64_t)(UINT64_C(0x8000000000000000) - (uint64_t)k[i]) : k[i];
      memcpy(&x[i], &b, 8);
    }
    lua_pop(L, 1);
  }
  if (rc) return failed(L, "reduce");
  if (scalar) {
    lua_pushnumber(L, x[0]);
  } else if (c) {
    l_column_box *box = l_newcolumn(L);
    if (!(box->c = cu_column_new(CU_F64, n, NULL))) return luaL_error(L, "out of memory");
    if (n) memcpy(box->c->data, x, n * sizeof *x);
  } else {
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
      lua_pushnumber(L, x[i]);
      lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
  }
  return 1;
}

static int l_any(lua_State *L) {
  int out;
  if (cu_dist_any(lua_toboolean(L, 1), &out)) return failed(L, "any");
  lua_pushboolean(L, out);
  return 1;
}

/* gather(bytes): on rank 0 a list of every rank's bytes, in rank order;
 * nil on the others */
static int l_gather_bytes(lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  int size = cu_dist_size();
  size_t *count = lua_newuserdatauv(L, (size_t)size * sizeof *count, 0);
  char *recv = NULL;
  if (cu_dist_gatherv(s, n, &recv, count)) return failed(L, "gather");
  if (cu_dist_rank() != 0) {
    free(recv);
    lua_pushnil(L);
    return 1;
  }
  push_pieces(L, recv, count, size);
  return 1;
}

/* broadcast(bytes): rank 0's bytes on every rank (others pass anything) */
static int l_broadcast(lua_State *L) {
  size_t n = 0;
  const char *s = cu_dist_rank() == 0 ? luaL_checklstring(L, 1, &n) : NULL;
  char *buf = (char *)s;
  if (cu_dist_bcast(&buf, &n)) return failed(L, "broadcast");
  lua_pushlstring(L, buf ? buf : "", n);
  if (cu_dist_rank() != 0) free(buf);
  return 1;
}

/* abort(code): stops every rank (print the reason first) */
static int l_abort(lua_State *L) {
  cu_dist_abort((int)luaL_optinteger(L, 1, 1));
  return 0;
}

static const luaL_Reg dist_fns[] = {
    {"rank", l_rank},       {"size", l_size},           {"built", l_built},
    {"library", l_library}, {"bytes_moved", l_bytes},   {"barrier", l_barrier},
    {"reduce", l_reduce},   {"any", l_any},             {"gather", l_gather_bytes},
    {"broadcast", l_broadcast}, {"abort", l_abort},     {"split", l_split},
    {"blocks", l_blocks},   {"pack", l_pack},           {"unpack", l_unpack},
    {"alltoall", l_alltoall}, {"allgather", l_allgather}, {"owners", l_owners},
    {"exact_sum", l_exact_sum},
    {NULL, NULL}};

int luaopen_custan_dist(lua_State *L) {
  luaL_requiref(L, "custan.core.frame", luaopen_custan_frame, 0);
  lua_pop(L, 1);
  luaL_newlib(L, dist_fns);
  return 1;
}
