/* l_world.c: custan.core.sim.world(spec, n, seed, threads, files), the thin
 * layer over world.c.  spec is custan.analysis.generate's flat table (its
 * names are world.h's); arrays are copied into Lua-owned buffers anchored
 * in a table on the stack, so an error anywhere leaks nothing. */
#include <string.h>

#include "bindings.h"
#include "world.h"

/* a buffer owned by the anchor table at index a */
static void *anchored(lua_State *L, int a, size_t bytes) {
  void *p = lua_newuserdatauv(L, bytes ? bytes : 1, 0);
  memset(p, 0, bytes ? bytes : 1);
  lua_rawseti(L, a, (lua_Integer)lua_rawlen(L, a) + 1);
  return p;
}

/* t[k] as an array of n numbers (n = 0: its own length, stored in *len) */
static double *numbers(lua_State *L, int a, int t, const char *k, size_t n, size_t *len) {
  lua_getfield(L, t, k);
  if (!lua_istable(L, -1)) luaL_error(L, "world: '%s' must be a list of numbers", k);
  size_t m = (size_t)lua_rawlen(L, -1);
  if (n && m != n) luaL_error(L, "world: '%s' needs %d values (got %d)", k, (int)n, (int)m);
  double *v = anchored(L, a, m * sizeof *v);
  for (size_t i = 0; i < m; i++) {
    lua_rawgeti(L, -1, (lua_Integer)i + 1);
    if (!lua_isnumber(L, -1)) luaL_error(L, "world: '%s'[%d] must be a number", k, (int)i + 1);
    v[i] = lua_tonumber(L, -1);
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  if (len) *len = m;
  return v;
}

/* t[k] as an array of strings (kept alive by spec, which the caller holds) */
static const char **strings(lua_State *L, int a, int t, const char *k, size_t *len) {
  lua_getfield(L, t, k);
  if (!lua_istable(L, -1)) luaL_error(L, "world: '%s' must be a list of names", k);
  size_t m = (size_t)lua_rawlen(L, -1);
  const char **v = anchored(L, a, m * sizeof *v);
  for (size_t i = 0; i < m; i++) {
    lua_rawgeti(L, -1, (lua_Integer)i + 1);
    if (lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "world: '%s'[%d] must be a string", k, (int)i + 1);
    v[i] = lua_tostring(L, -1);
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  *len = m;
  return v;
}

static const char *opt_path(lua_State *L, int t, const char *k) {
  lua_getfield(L, t, k);
  const char *s = lua_isnil(L, -1) ? NULL : luaL_checkstring(L, -1);
  lua_pop(L, 1); /* the files table holds the string */
  return s;
}

static int l_world(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  size_t n = (size_t)luaL_checkinteger(L, 2);
  uint64_t seed = (uint64_t)luaL_checkinteger(L, 3);
  int threads = (int)luaL_optinteger(L, 4, 0);
  luaL_checktype(L, 5, LUA_TTABLE);
  lua_newtable(L);
  int a = lua_gettop(L);
  cu_world w;
  memset(&w, 0, sizeof w);
  size_t k;
  w.countries = strings(L, a, 1, "countries", &w.ncountries);
  w.regions = strings(L, a, 1, "regions", &k);
  if (k != w.ncountries) return luaL_error(L, "world: one region per country");
  w.ages = strings(L, a, 1, "ages", &w.nages);
  w.channels = strings(L, a, 1, "channels", &w.nchannels);
  memcpy(w.weekday, numbers(L, a, 1, "weekday", 7, NULL), sizeof w.weekday);
  memcpy(w.month, numbers(L, a, 1, "month", 12, NULL), sizeof w.month);
  w.cancel_rate = l_optnumber_field(L, 1, "cancel_rate", 0);
  w.return_rate = l_optnumber_field(L, 1, "return_rate", 0);
  w.start_day = (int64_t)l_optnumber_field(L, 1, "start_day", 0);
  w.days = (int)l_optnumber_field(L, 1, "days", 0);
  w.holdout_days = (int)l_optnumber_field(L, 1, "holdout_days", 0);
  w.layout = (int)l_optnumber_field(L, 1, "layout", 0);
  lua_getfield(L, 1, "experiment");
  if (lua_istable(L, -1)) {
    int x = lua_gettop(L);
    w.experiment = 1;
    w.exp_start = (int)l_optnumber_field(L, x, "start", 0);
    w.exp_days = (int)l_optnumber_field(L, x, "days", 0);
    w.exp_share = l_optnumber_field(L, x, "share", 0.5);
    w.exp_lift = l_optnumber_field(L, x, "lift", 0);
  }
  lua_pop(L, 1);

  lua_getfield(L, 1, "categories");
  luaL_checktype(L, -1, LUA_TTABLE);
  w.ncategories = (size_t)lua_rawlen(L, -1);
  cu_world_category *cats = anchored(L, a, w.ncategories * sizeof *cats);
  for (size_t i = 0; i < w.ncategories; i++) {
    lua_rawgeti(L, -1, (lua_Integer)i + 1);
    int g = lua_gettop(L);
    lua_getfield(L, g, "name");
    cats[i].name = luaL_checkstring(L, -1);
    lua_pop(L, 1);
    cats[i].products = (size_t)l_optnumber_field(L, g, "products", 0);
    cats[i].median_price = l_optnumber_field(L, g, "median_price", 0);
    cats[i].price_spread = l_optnumber_field(L, g, "price_spread", 0);
    cats[i].popularity = l_optnumber_field(L, g, "popularity", 0);
    cats[i].margin = l_optnumber_field(L, g, "margin", 0);
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  w.categories = cats;

  lua_getfield(L, 1, "segments");
  luaL_checktype(L, -1, LUA_TTABLE);
  w.nsegments = (size_t)lua_rawlen(L, -1);
  cu_world_segment *segs = anchored(L, a, w.nsegments * sizeof *segs);
  const char **names = anchored(L, a, w.nsegments * sizeof *names);
  for (size_t i = 0; i < w.nsegments; i++) {
    lua_rawgeti(L, -1, (lua_Integer)i + 1);
    int t = lua_gettop(L);
    cu_world_segment *s = &segs[i];
    lua_getfield(L, t, "name");
    names[i] = luaL_checkstring(L, -1);
    lua_pop(L, 1);
    lua_getfield(L, t, "process");
    s->process = strcmp(luaL_checkstring(L, -1), "pareto") == 0 ? CU_WORLD_PARETO : CU_WORLD_BGNBD;
    lua_pop(L, 1);
    s->share = l_optnumber_field(L, t, "share", 0);
    s->r = l_optnumber_field(L, t, "r", 0);
    s->alpha = l_optnumber_field(L, t, "alpha", 0);
    s->a = l_optnumber_field(L, t, "a", 0);
    s->b = l_optnumber_field(L, t, "b", 0);
    s->p = l_optnumber_field(L, t, "p", 0);
    s->q = l_optnumber_field(L, t, "q", 0);
    s->gamma = l_optnumber_field(L, t, "gamma", 0);
    s->lines_mean = l_optnumber_field(L, t, "lines", 1);
    s->quantity_mean = l_optnumber_field(L, t, "quantity", 1);
    s->views_mean = l_optnumber_field(L, t, "views", 1);
    s->view_to_cart = l_optnumber_field(L, t, "view_to_cart", 0);
    s->cart_to_purchase = l_optnumber_field(L, t, "cart_to_purchase", 0);
    s->signup_from = l_optnumber_field(L, t, "signup_from", 0);
    s->signup_to = l_optnumber_field(L, t, "signup_to", 0);
    s->categories = numbers(L, a, t, "categories", w.ncategories, NULL);
    s->countries = numbers(L, a, t, "countries", w.ncountries, NULL);
    s->ages = numbers(L, a, t, "ages", w.nages, NULL);
    s->channels = numbers(L, a, t, "channels", w.nchannels, NULL);
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  w.segments = segs;
  w.segment_names = names;

  cu_world_files f = {opt_path(L, 5, "orders"),    opt_path(L, 5, "events"),
                      opt_path(L, 5, "customers"), opt_path(L, 5, "products"),
                      opt_path(L, 5, "truth"),     opt_path(L, 5, "experiment")};
  cu_world_counts c;
  cu_err e = {0};
  int st = cu_world_generate(&w, n, seed, threads, &f, &c, &e);
  if (st) return l_raise(L, &e);
  const struct {
    const char *name;
    uint64_t v;
  } out[] = {{"customers", c.customers}, {"orders", c.orders},         {"lines", c.lines},
             {"cancel_lines", c.cancel_lines}, {"return_lines", c.return_lines},
             {"events", c.events},       {"holdout_orders", c.holdout_orders}};
  lua_createtable(L, 0, (int)(sizeof out / sizeof *out));
  for (size_t i = 0; i < sizeof out / sizeof *out; i++) {
    lua_pushinteger(L, (lua_Integer)out[i].v);
    lua_setfield(L, -2, out[i].name);
  }
  return 1;
}

void l_world_register(lua_State *L) {
  lua_pushcfunction(L, l_world);
  lua_setfield(L, -2, "world");
}
