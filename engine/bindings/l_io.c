/* l_io.c: Lua binding of CSV reading and writing (module custan.core.io).
 * read_csv returns a frame and an info table, or nil, message, code: a bad
 * file is an expected failure that scripts report, not a crash. */
#include <string.h>

#include "bindings.h"
#include "csv_io.h"

static void push_info(lua_State *L, const cu_csv_info *pi);

static int opt_bool(lua_State *L, int t, const char *k, int dflt) {
  int ty = lua_getfield(L, t, k);
  int v = ty == LUA_TNIL ? dflt : lua_toboolean(L, -1);
  lua_pop(L, 1);
  return v;
}

static lua_Integer opt_int(lua_State *L, int t, const char *k, lua_Integer d) {
  lua_Integer v = d;
  if (lua_getfield(L, t, k) != LUA_TNIL) {
    int ok;
    v = lua_tointegerx(L, -1, &ok);
    if (!ok || v < 0) luaL_error(L, "read_csv: option '%s' must be a non-negative integer", k);
  }
  lua_pop(L, 1);
  return v;
}

/* Reads an array of strings from option k into a scratch userdata left on
 * the stack (so the pointers live as long as the call). */
static const char **opt_strings(lua_State *L, int t, const char *k, size_t *n) {
  *n = 0;
  if (lua_getfield(L, t, k) == LUA_TNIL) {
    lua_pop(L, 1);
    return NULL;
  }
  if (!lua_istable(L, -1)) luaL_error(L, "read_csv: option '%s' must be an array of strings", k);
  int arr = lua_gettop(L);
  size_t m = lua_rawlen(L, arr);
  const char **v = lua_newuserdatauv(L, (m ? m : 1) * sizeof *v, 1);
  lua_pushvalue(L, arr); /* keep the strings alive with the scratch */
  lua_setiuservalue(L, -2, 1);
  for (size_t i = 0; i < m; i++) {
    lua_rawgeti(L, arr, (lua_Integer)i + 1);
    if (lua_type(L, -1) != LUA_TSTRING)
      luaL_error(L, "read_csv: option '%s' item %d is not a string", k, (int)i + 1);
    v[i] = lua_tostring(L, -1);
    lua_pop(L, 1);
  }
  lua_remove(L, arr);
  *n = m;
  return v;
}

/* Reads the options table at index 2 into o; scratch userdata holding
 * the option strings stay on the stack for the call. */
static void read_options(lua_State *L, cu_csv_options *po) {
  cu_csv_options o;
  memset(&o, 0, sizeof o);
  if (!lua_isnoneornil(L, 2)) {
    luaL_checktype(L, 2, LUA_TTABLE);
    if (lua_getfield(L, 2, "delimiter") == LUA_TSTRING) {
      const char *d = lua_tostring(L, -1);
      if (!strcmp(d, "whitespace") || !strcmp(d, " "))
        o.whitespace = 1;
      else if (!strcmp(d, "tab") || !strcmp(d, "\\t"))
        o.delim = '\t';
      else if (strlen(d) == 1)
        o.delim = d[0];
      else
        luaL_error(L, "read_csv: delimiter must be one character, \"tab\" or \"whitespace\"");
    }
    lua_pop(L, 1);
    if (lua_getfield(L, 2, "quote") == LUA_TSTRING) o.quote = lua_tostring(L, -1)[0];
    lua_pop(L, 1);
    o.no_header = !opt_bool(L, 2, "header", 1);
    o.skip_bad_rows = opt_bool(L, 2, "skip_bad_rows", 0);
    o.threads = (int)opt_int(L, 2, "threads", 0);
    o.block_size = (size_t)opt_int(L, 2, "block_size", 0);
    o.infer_rows = (size_t)opt_int(L, 2, "infer_rows", 0);
    o.names = opt_strings(L, 2, "names", &o.nnames);
    o.na = opt_strings(L, 2, "na", &o.nna);
    o.columns = opt_strings(L, 2, "columns", &o.ncolumns);
    if (lua_getfield(L, 2, "name") == LUA_TSTRING) o.display_name = lua_tostring(L, -1);
    lua_pop(L, 1);
    if (lua_getfield(L, 2, "types") != LUA_TNIL) {
      int tt = lua_gettop(L);
      luaL_argcheck(L, lua_istable(L, tt), 2, "types must map column names to type names");
      size_t n = 0;
      lua_pushnil(L);
      while (lua_next(L, tt)) n++, lua_pop(L, 1);
      cu_csv_coltype *ct = lua_newuserdatauv(L, (n ? n : 1) * sizeof *ct, 0);
      size_t k = 0;
      lua_pushnil(L);
      while (lua_next(L, tt)) {
        const char *name = lua_tostring(L, -2), *spec = lua_tostring(L, -1);
        if (!name || !spec) luaL_error(L, "read_csv: types must map names to strings");
        const char *colon = strchr(spec, ':');
        char tname[32];
        size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
        if (len >= sizeof tname) len = sizeof tname - 1;
        memcpy(tname, spec, len);
        tname[len] = 0;
        if (cu_type_parse(tname, &ct[k].type))
          luaL_error(L,
                     "read_csv: unknown type '%s' for column '%s' (float64, int64, "
                     "timestamp[:format], bool, string)",
                     spec, name);
        if (colon && ct[k].type != CU_TS)
          luaL_error(L, "read_csv: a format is only for timestamp columns ('%s')", name);
        ct[k].name = name;
        ct[k].pattern = colon ? colon + 1 : NULL;
        k++;
        lua_pop(L, 1);
      }
      o.types = ct;
      o.ntypes = k;
      /* leave the table and scratch on the stack for the call */
    } else {
      lua_pop(L, 1);
    }
  }
  *po = o;
}

static int l_read_csv(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  cu_csv_options o;
  read_options(L, &o);
  cu_csv_info info;
  cu_err e = {0};
  l_frame_box *box = l_newframe(L);
  if (cu_csv_read(&box->f, path, &o, &info, &e)) return l_fail(L, &e);
  size_t bytes = 0;
  for (size_t j = 0; j < box->f->ncols; j++) bytes += cu_column_bytes(box->f->cols[j]);
  l_account(L, bytes);
  push_info(L, &info);
  return 2;
}

static void push_info(lua_State *L, const cu_csv_info *pi) {
  cu_csv_info info = *pi;
  lua_createtable(L, 0, 8);
  l_setint(L, "rows", (lua_Integer)info.rows);
  l_setint(L, "chunks", (lua_Integer)info.chunks);
  l_setint(L, "skipped", (lua_Integer)info.skipped);
  lua_createtable(L, CU_CSV_MAX_SKIPPED_LINES, 0);
  for (size_t k = 0; k < info.skipped && k < CU_CSV_MAX_SKIPPED_LINES; k++) {
    lua_pushinteger(L, info.skipped_lines[k]);
    lua_rawseti(L, -2, (lua_Integer)k + 1);
  }
  lua_setfield(L, -2, "skipped_lines");
  l_setint(L, "threads", info.threads_used);
  l_setbool(L, "serial_fallback", info.serial_fallback);
  l_setint(L, "restarts", info.restarts);
}

typedef struct chunk_call {
  lua_State *L;
  int fn, errslot;
} chunk_call;

static int chunk_msgh(lua_State *L) {
  lua_getfield(L, LUA_REGISTRYINDEX, "custan.trace");
  int trace = lua_toboolean(L, -1);
  lua_pop(L, 1);
  if (trace && lua_type(L, 1) == LUA_TSTRING)
    luaL_traceback(L, L, lua_tostring(L, 1), 1);
  else
    lua_settop(L, 1);
  return 1;
}

/* Calls the Lua function with each chunk, protected: an error is kept and
 * re-raised once the reader has released its memory. */
static int on_chunk(cu_frame *chunk, void *ud, cu_err *e) {
  chunk_call *cc = ud;
  lua_State *L = cc->L;
  lua_pushcfunction(L, chunk_msgh);
  lua_pushvalue(L, cc->fn);
  l_frame_box *box = l_newframe(L);
  box->f = cu_frame_retain(chunk);
  if (lua_pcall(L, 1, 0, -3) != LUA_OK) {
    lua_replace(L, cc->errslot);
    lua_pop(L, 1);
    return cu_err_set(e, CU_ECALLBACK, "error in the chunk function");
  }
  lua_pop(L, 1);
  return 0;
}

/* read_csv_chunks(path, options, fn): streams the file, calling fn(chunk)
 * for each block of rows; returns the info table. */
static int l_read_csv_chunks(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  luaL_checktype(L, 3, LUA_TFUNCTION);
  cu_csv_options o;
  lua_settop(L, 3);
  lua_pushnil(L); /* 4: error slot */
  lua_pushvalue(L, 2);
  lua_replace(L, 2);
  read_options(L, &o);
  chunk_call cc = {L, 3, 4};
  o.on_chunk = on_chunk;
  o.chunk_ud = &cc;
  cu_csv_info info;
  cu_err e = {0};
  cu_frame *none = NULL;
  int st = cu_csv_read(&none, path, &o, &info, &e);
  if (st == CU_ECALLBACK) {
    lua_pushvalue(L, 4);
    return lua_error(L);
  }
  if (st) return l_fail(L, &e);
  push_info(L, &info);
  return 1;
}

static int l_write_csv(lua_State *L) {
  cu_frame *f = l_checkframe(L, 1);
  const char *path = luaL_checkstring(L, 2);
  cu_csv_write_options o = {0};
  if (lua_istable(L, 3)) {
    if (lua_getfield(L, 3, "delimiter") == LUA_TSTRING) {
      const char *d = lua_tostring(L, -1);
      o.delim = !strcmp(d, "tab") ? '\t' : d[0];
    }
    if (lua_getfield(L, 3, "na") == LUA_TSTRING) o.na = lua_tostring(L, -1);
  }
  cu_err e = {0};
  if (cu_csv_write(path, f, &o, &e)) return l_fail(L, &e);
  lua_pushboolean(L, 1);
  return 1;
}

static const luaL_Reg io_fns[] = {{"read_csv", l_read_csv},
                                  {"read_csv_chunks", l_read_csv_chunks},
                                  {"write_csv", l_write_csv},
                                  {NULL, NULL}};

int luaopen_custan_io(lua_State *L) {
  /* frames need their metatables before read_csv makes one */
  luaL_requiref(L, "custan.core.frame", luaopen_custan_frame, 0);
  lua_pop(L, 1);
  luaL_newlib(L, io_fns);
  return 1;
}
