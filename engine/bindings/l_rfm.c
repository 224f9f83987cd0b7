/* l_rfm.c: Lua binding of the customer summary accumulator
 * (module custan.core.rfm). */
#include <string.h>

#include "bindings.h"
#include "datetime.h"
#include "rfm.h"

#define CU_RFM_MT "custan.RFM"

typedef struct {
  cu_rfm *a;
} l_rfm_box;

static int rfm_release(lua_State *L) {
  l_rfm_box *b = luaL_checkudata(L, 1, CU_RFM_MT);
  cu_rfm_free(b->a);
  b->a = NULL;
  return 0;
}

static cu_rfm *check_open_rfm(lua_State *L, int i) {
  l_rfm_box *b = luaL_checkudata(L, i, CU_RFM_MT);
  luaL_argcheck(L, b->a != NULL, i, "summary accumulator is closed");
  return b->a;
}

static int64_t opt_time(lua_State *L, int t, const char *k, int *has) {
  int64_t v = 0;
  *has = 0;
  if (lua_getfield(L, t, k) != LUA_TNIL) {
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    if (!s || cu_ts_parse(s, len, CU_TSF_ISO, &v))
      luaL_error(L, "option '%s': expected a date as YYYY-MM-DD[ HH:MM:SS], got '%s'", k,
                 s ? s : luaL_typename(L, -1));
    *has = 1;
  }
  lua_pop(L, 1);
  return v;
}

static double unit_days(lua_State *L, int idx, const char *what) {
  if (lua_type(L, idx) == LUA_TNUMBER) return lua_tonumber(L, idx);
  const char *s = lua_tostring(L, idx);
  if (s && !strcmp(s, "day")) return 1;
  if (s && !strcmp(s, "week")) return 7;
  if (s && !strcmp(s, "month")) return CU_DAYS_PER_MONTH;
  return luaL_error(L, "option '%s': expected day, week or month", what), 0;
}

/* new{period = "day", unit = "day" | days, end = ISO, calibration_end = ISO} */
/* The accumulator's options from the table at index 1 (or none). */
static void check_options(lua_State *L, cu_rfm_options *out) {
  cu_rfm_options o;
  memset(&o, 0, sizeof o);
  o.unit_days = 1;
  if (!lua_isnoneornil(L, 1)) {
    luaL_checktype(L, 1, LUA_TTABLE);
    if (lua_getfield(L, 1, "period") != LUA_TNIL) {
      static const char *const names[] = {"day", "week", "month", NULL};
      const char *s = lua_tostring(L, -1);
      int k = -1;
      for (int i = 0; s && names[i]; i++)
        if (!strcmp(s, names[i])) k = i;
      if (k < 0) luaL_error(L, "option 'period': expected day, week or month");
      o.period = (cu_period)k;
      o.unit_days = k == 0 ? 1 : k == 1 ? 7 : CU_DAYS_PER_MONTH;
    }
    lua_pop(L, 1);
    if (lua_getfield(L, 1, "unit") != LUA_TNIL) o.unit_days = unit_days(L, -1, "unit");
    lua_pop(L, 1);
    if (lua_getfield(L, 1, "memory_mb") != LUA_TNIL) {
      lua_Number mb = lua_tonumber(L, -1);
      if (!(mb > 0)) luaL_error(L, "option 'memory_mb': expected a positive number");
      o.memory_bytes = (size_t)(mb * 1048576.0);
    }
    lua_pop(L, 1);
    if (lua_getfield(L, 1, "activity_days") != LUA_TNIL) {
      lua_Number w = lua_tonumber(L, -1);
      if (!(w > 0)) luaL_error(L, "option 'activity_days': expected a positive number");
      o.activity_days = w;
    }
    lua_pop(L, 1);
    o.end = opt_time(L, 1, "end", &o.has_end);
    o.cal_end = opt_time(L, 1, "calibration_end", &o.has_cal_end);
    if (o.has_end && o.has_cal_end && o.cal_end >= o.end)
      luaL_error(L, "the calibration end must come before the observation end");
  }
  *out = o;
}

static int l_rfm_new(lua_State *L) {
  cu_rfm_options o;
  check_options(L, &o);
  l_rfm_box *b = lua_newuserdatauv(L, sizeof *b, 0);
  b->a = NULL;
  luaL_setmetatable(L, CU_RFM_MT);
  cu_err e = {0};
  if (cu_rfm_new(&b->a, &o, &e)) return l_raise(L, &e);
  return 1;
}

static const cu_column *opt_column(lua_State *L, int i) {
  if (lua_isnoneornil(L, i)) return NULL;
  return l_checkcolumn(L, i);
}

/* acc:add(customer, date, amount, order, product, cancelled, purchase) */
static int l_rfm_add(lua_State *L) {
  cu_rfm *a = check_open_rfm(L, 1);
  const cu_column *cust = l_checkcolumn(L, 2), *ts = l_checkcolumn(L, 3);
  const cu_column *amount = opt_column(L, 4), *order = opt_column(L, 5);
  const cu_column *product = opt_column(L, 6), *cancelled = opt_column(L, 7);
  const cu_column *purchase = opt_column(L, 8);
  cu_err e = {0};
  if (cu_rfm_add(a, cust, ts, amount, order, product, cancelled, purchase, &e))
    return l_raise(L, &e);
  lua_settop(L, 1);
  return 1;
}

/* Pushes the info table of a result. */
static void push_info(lua_State *L, const cu_rfm_info info) {
  lua_createtable(L, 0, 8);
  l_setint(L, "rows", (lua_Integer)info.rows);
  l_setint(L, "skipped", (lua_Integer)info.skipped);
  l_setint(L, "excluded", (lua_Integer)info.excluded);
  l_setint(L, "ignored", (lua_Integer)info.ignored);
  l_setint(L, "purchase_rows", (lua_Integer)info.purchase_rows);
  char buf[32];
  if (info.purchase_rows) {
    lua_pushlstring(L, buf, (size_t)cu_ts_format_iso(info.end, 0, buf));
    lua_setfield(L, -2, "end");
    lua_pushlstring(L, buf, (size_t)cu_ts_format_iso(info.end_day, 1, buf));
    lua_setfield(L, -2, "end_day");
  }
}

static int l_rfm_result(lua_State *L) {
  cu_rfm *a = check_open_rfm(L, 1);
  cu_rfm_info info;
  cu_err e = {0};
  l_frame_box *box = l_newframe(L);
  if (cu_rfm_result(a, &box->f, &info, &e)) return l_raise(L, &e);
  push_info(L, info);
  return 2;
}

static const char *opt_string(lua_State *L, int t, const char *k) {
  const char *s = NULL;
  if (lua_getfield(L, t, k) == LUA_TSTRING) s = lua_tostring(L, -1);
  lua_pop(L, 1); /* the string stays alive in the table */
  return s;
}

/* core.summary_file(options, layout): the summary of a file on every core.
 * layout: path, customer, date, quantity, price, amount, order, product
 * (column names), delimiter, date_pattern, cancel_prefix, threads,
 * block_size.  Returns frame, info, read ({rows, threads}); or nil and why
 * the general reader must read the file. */
static int l_rfm_summary_file(lua_State *L) {
  cu_rfm_options o;
  check_options(L, &o);
  luaL_checktype(L, 2, LUA_TTABLE);
  cu_rfm_scan so;
  memset(&so, 0, sizeof so);
  so.path = opt_string(L, 2, "path");
  const char **paths = NULL;
  if (lua_getfield(L, 2, "paths") == LUA_TTABLE) { /* a list of files, read as one log */
    so.npaths = lua_rawlen(L, -1);
    paths = lua_newuserdatauv(L, (so.npaths + 1) * sizeof *paths, 0);
    lua_insert(L, -2); /* keep the list's userdata below the table */
    for (size_t i = 0; i < so.npaths; i++) {
      lua_rawgeti(L, -1, (lua_Integer)i + 1);
      paths[i] = luaL_checkstring(L, -1); /* alive in the table */
      lua_pop(L, 1);
    }
    so.paths = paths;
    if (so.npaths) so.path = paths[0];
  }
  lua_pop(L, 1);
  if (!so.path) return luaL_error(L, "summary_file: no path");
  lua_getfield(L, 2, "distributed");
  so.distributed = lua_toboolean(L, -1);
  lua_getfield(L, 2, "gather");
  so.gather = lua_isnil(L, -1) || lua_toboolean(L, -1);
  lua_pop(L, 2);
  so.customer = opt_string(L, 2, "customer");
  so.date = opt_string(L, 2, "date");
  so.quantity = opt_string(L, 2, "quantity");
  so.price = opt_string(L, 2, "price");
  so.amount = opt_string(L, 2, "amount");
  so.order = opt_string(L, 2, "order");
  so.product = opt_string(L, 2, "product");
  so.ts_pattern = opt_string(L, 2, "date_pattern");
  so.cancel_prefix = opt_string(L, 2, "cancel_prefix");
  const char *d = opt_string(L, 2, "delimiter");
  if (d && strlen(d) != 1) return luaL_error(L, "summary_file: the delimiter must be one character");
  so.delim = d ? d[0] : 0;
  lua_getfield(L, 2, "threads");
  so.threads = (int)luaL_optinteger(L, -1, 0);
  lua_getfield(L, 2, "block_size");
  so.block_size = (size_t)luaL_optinteger(L, -1, 0);
  lua_pop(L, 2);
  cu_rfm_info info;
  cu_rfm_scan_info si;
  cu_err e = {0};
  l_frame_box *box = l_newframe(L);
  if (cu_rfm_scan_file(&so, &o, &box->f, &info, &si, &e)) return l_raise(L, &e);
  if (!box->f) {
    lua_pushnil(L);
    lua_pushstring(L, si.fallback ? si.fallback : "unknown");
    if (si.file) lua_pushstring(L, si.file);
    else lua_pushnil(L);
    lua_pushboolean(L, si.elsewhere);
    return 4;
  }
  push_info(L, info);
  lua_createtable(L, 0, 2);
  l_setint(L, "rows", (lua_Integer)si.rows);
  l_setint(L, "threads", (lua_Integer)si.threads);
  return 3;
}

/* merge(list of frames): summaries of disjoint customers as one, in
 * customer order (the order of one summary) */
static int l_rfm_merge(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  size_t k = lua_rawlen(L, 1);
  cu_frame **parts = lua_newuserdatauv(L, (k ? k : 1) * sizeof *parts, 0);
  for (size_t i = 0; i < k; i++) {
    lua_rawgeti(L, 1, (lua_Integer)i + 1);
    parts[i] = l_checkframe(L, -1);
    lua_pop(L, 1); /* the list keeps it */
  }
  l_frame_box *box = l_newframe(L);
  cu_err e = {0};
  if (cu_rfm_merge_frames(parts, k, &box->f, &e)) return l_raise(L, &e);
  return 1;
}

static const luaL_Reg rfm_methods[] = {
    {"add", l_rfm_add}, {"result", l_rfm_result}, {"close", rfm_release}, {NULL, NULL}};
static const luaL_Reg rfm_meta[] = {{"__gc", rfm_release}, {"__close", rfm_release}, {NULL, NULL}};
static const luaL_Reg rfm_fns[] = {
    {"new", l_rfm_new}, {"summary_file", l_rfm_summary_file},
    {"merge", l_rfm_merge},  {NULL, NULL}};

int luaopen_custan_rfm(lua_State *L) {
  luaL_requiref(L, "custan.core.frame", luaopen_custan_frame, 0);
  lua_pop(L, 1);
  luaL_newmetatable(L, CU_RFM_MT);
  luaL_setfuncs(L, rfm_meta, 0);
  luaL_newlib(L, rfm_methods);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  luaL_newlib(L, rfm_fns);
  return 1;
}
