/* fuzz_lua.c: libFuzzer target for the two loaders that read other
 * people's text through Lua: a saved model's JSON (custan.ml.from_json, the
 * custan-model format; XGBoost's own JSON goes to XGBoost's parser, which is
 * not ours to fuzz) and a policy file (run in custan.sandbox, then
 * custan.policy.check).  The first byte picks the loader.  A Lua error is
 * an expected rejection; a crash, a sanitizer report or a hang is a finding.
 * The sandbox's limits are lowered so a runaway input stops at once. */
#include <gsl/gsl_errno.h>
#include <lauxlib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "host.h"

static cu_host host;
static int harness_ref = LUA_NOREF;

static const char *const harness =
    "local ml = require 'custan.ml'\n"
    "local json = require 'custan.json'\n"
    "local sandbox = require 'custan.sandbox'\n"
    "local policy = require 'custan.policy'\n"
    "sandbox.limits.instructions = 1e6\n"
    "sandbox.limits.memory_mb = 64\n"
    "return function(kind, text)\n"
    "  if kind == 0 then\n"
    "    local ok, doc = pcall(json.decode, text)\n"
    "    if ok and type(doc) == 'table' and doc.learner ~= nil then return end\n"
    "    ml.from_json(text, 'fuzz.json')\n"
    "  else\n"
    "    policy.check(sandbox.run_text(text, 'fuzz.lua', 'policy'), 'fuzz.lua')\n"
    "  end\n"
    "end\n";

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  gsl_set_error_handler_off(); /* as the host's main does: statuses are checked */
  if (cu_host_open(&host, (*argv)[0], 0)) abort();
  lua_State *L = host.L;
  if (luaL_loadstring(L, harness) || lua_pcall(L, 0, 1, 0)) {
    fprintf(stderr, "fuzz_lua: %s\n", lua_tostring(L, -1));
    abort();
  }
  harness_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  lua_State *L = host.L;
  lua_rawgeti(L, LUA_REGISTRYINDEX, harness_ref);
  lua_pushinteger(L, data[0] & 1);
  lua_pushlstring(L, (const char *)data + 1, size - 1);
  (void)lua_pcall(L, 2, 0, 0); /* an error is a rejection, not a finding */
  lua_settop(L, 0);
  lua_gc(L, LUA_GCCOLLECT);
  return 0;
}
