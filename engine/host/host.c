/* host.c: Lua state, module preload, script search path, errors and
 * tracebacks, SIGINT and SIGTERM.  Modelled on lua.c: everything runs under lua_pcall
 * with a message handler; a signal only sets a hook. */
#include "host.h"
#include "frame.h"

#include <errno.h>
#include <fcntl.h>
#include <gsl/gsl_version.h>
#include <lauxlib.h>
#include <limits.h>
#include <lualib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <csv.h>
#include <zlib.h>

#include "bindings.h"
#include "status.h"

static lua_State *active_L = NULL;

static void lstop(lua_State *L, lua_Debug *ar) {
  (void)ar;
  lua_sethook(L, NULL, 0, 0);
  /* no position: where the hook lands is chance, the message should not be */
  lua_pushliteral(L, "interrupted");
  lua_error(L);
}

/* SIGINT and SIGTERM (what timeout, CI and service managers send): kernels
 * see cu_interrupted; Lua code stops at the next hook, so an output set
 * being written is abandoned and the old one stays (custan.report.files). */
static void laction(int sig) {
  int flag = LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT;
  signal(sig, SIG_DFL); /* a second Ctrl-C kills */
  cu_interrupted = 1;
  if (active_L) lua_sethook(active_L, lstop, flag, 1);
}

static int is_dir(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* The executable's directory, from /proc/self/exe or argv[0]. */
static void exe_dir(const char *argv0, char *out, size_t n) {
  char buf[PATH_MAX];
  ssize_t k = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (k > 0)
    buf[k] = 0;
  else if (!realpath(argv0, buf))
    snprintf(buf, sizeof buf, "%s", argv0);
  char *slash = strrchr(buf, '/');
  if (slash)
    *slash = 0;
  else
    snprintf(buf, sizeof buf, ".");
  snprintf(out, n, "%s", buf);
}

/* The installed layout (bin/custan beside share/custan) wins; the build
 * tree falls back to the source tree it was configured from. */
static void find_trees(cu_host *h, const char *argv0) {
  char dir[4096], cand[4160];
  exe_dir(argv0, dir, sizeof dir);
  snprintf(cand, sizeof cand, "%s/../share/custan/lua", dir);
  if (is_dir(cand)) {
    snprintf(h->lua_dir, sizeof h->lua_dir, "%s", cand);
    snprintf(h->script_dir, sizeof h->script_dir, "%s/../share/custan/scripts", dir);
    return;
  }
  snprintf(h->lua_dir, sizeof h->lua_dir, "%s/lua", CUSTAN_SOURCE_DIR);
  snprintf(h->script_dir, sizeof h->script_dir, "%s/scripts", CUSTAN_SOURCE_DIR);
  if (!is_dir(h->lua_dir)) { /* last resort: the configured install prefix */
    snprintf(h->lua_dir, sizeof h->lua_dir, "%s", CUSTAN_INSTALL_LUA_DIR);
    snprintf(h->script_dir, sizeof h->script_dir, "%s", CUSTAN_INSTALL_SCRIPT_DIR);
  }
}

static int l_host_interrupted(lua_State *L) {
  lua_pushboolean(L, cu_interrupted);
  return 1;
}

static int l_host_now(lua_State *L) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  lua_pushnumber(L, (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9);
  return 1;
}

static int l_host_isatty(lua_State *L) {
  lua_pushboolean(L, isatty((int)luaL_optinteger(L, 1, 2)));
  return 1;
}

/* exchange(a, b): swaps two paths in one step (renameat2 with
 * RENAME_EXCHANGE), so a reader sees the old folder or the new one, never
 * neither.  Returns true, or nil, message, errno (EINVAL or ENOSYS where the
 * file system cannot; the caller then renames twice). */
static int l_host_exchange(lua_State *L) {
  const char *a = luaL_checkstring(L, 1), *b = luaL_checkstring(L, 2);
  if (renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) == 0) {
    lua_pushboolean(L, 1);
    return 1;
  }
  int err = errno;
  luaL_pushfail(L);
  lua_pushfstring(L, "%s: %s", b, strerror(err));
  lua_pushinteger(L, err);
  return 3;
}

/* alive(pid): whether a process with that id exists (kill with signal 0),
 * to tell a live lock or temporary folder from one a killed run left. */
static int l_host_alive(lua_State *L) {
  lua_Integer pid = luaL_checkinteger(L, 1);
  lua_pushboolean(L, pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM));
  return 1;
}

/* pid(): this process's id, for names of temporary folders and locks. */
static int l_host_pid(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)getpid());
  return 1;
}

static int luaopen_custan_host(lua_State *L) {
  static const luaL_Reg fns[] = {{"alive", l_host_alive},
                                 {"exchange", l_host_exchange},
                                 {"pid", l_host_pid},
                                 {"interrupted", l_host_interrupted},
                                 {"isatty", l_host_isatty},
                                 {"now", l_host_now},
                                 {NULL, NULL}};
  cu_host *h = lua_touserdata(L, lua_upvalueindex(1));
  luaL_newlib(L, fns);
  l_setstr(L, "version", CUSTAN_VERSION);
  l_setstr(L, "lua_version", LUA_RELEASE);
  l_setstr(L, "gsl_version", GSL_VERSION);
  lua_pushfstring(L, "%d.%d.%d", CSV_MAJOR, CSV_MINOR, CSV_RELEASE);
  lua_setfield(L, -2, "libcsv_version");
  l_setstr(L, "zlib_version", ZLIB_VERSION);
  l_setstr(L, "lua_dir", h->lua_dir);
  l_setstr(L, "script_dir", h->script_dir);
  return 1;
}

static void preload(lua_State *L, const char *name, lua_CFunction f, void *up) {
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  if (up) {
    lua_pushlightuserdata(L, up);
    lua_pushcclosure(L, f, 1);
  } else {
    lua_pushcfunction(L, f);
  }
  lua_setfield(L, -2, name);
  lua_pop(L, 1);
}

/* Lua does not check precompiled chunks: crafted bytecode can crash the
 * host or worse.  custan never needs it, so load, loadfile and dofile read
 * text only, for every chunk, trusted or not. */
/* load(chunk [, name [, mode [, env]]]) and loadfile([filename [, mode [,
 * env]]]) with their mode argument (at upvalue 2's position) forced to "t" */
static int text_only(lua_State *L) {
  int mode_at = (int)lua_tointeger(L, lua_upvalueindex(2));
  if (lua_gettop(L) < mode_at) lua_settop(L, mode_at); /* no env given stays no env */
  lua_pushliteral(L, "t");
  lua_replace(L, mode_at);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

static int text_dofile(lua_State *L) { /* dofile([filename]) */
  const char *fname = luaL_optstring(L, 1, NULL);
  lua_settop(L, 1);
  if (luaL_loadfilex(L, fname, "t") != LUA_OK) return lua_error(L);
  lua_call(L, 0, LUA_MULTRET);
  return lua_gettop(L) - 1;
}

static void text_only_loaders(lua_State *L) {
  lua_getglobal(L, "load");
  lua_pushinteger(L, 3);
  lua_pushcclosure(L, text_only, 2);
  lua_setglobal(L, "load");
  lua_getglobal(L, "loadfile");
  lua_pushinteger(L, 2);
  lua_pushcclosure(L, text_only, 2);
  lua_setglobal(L, "loadfile");
  lua_pushcfunction(L, text_dofile);
  lua_setglobal(L, "dofile");
}

int cu_host_open(cu_host *h, const char *argv0, int with_busted) {
  find_trees(h, argv0);
  lua_State *L = luaL_newstate();
  if (!L) {
    fprintf(stderr, "custan: cannot create the Lua state: out of memory\n");
    return -1;
  }
  h->L = L;
  luaL_openlibs(L);
  text_only_loaders(L);
  preload(L, "custan.core.frame", luaopen_custan_frame, NULL);
  preload(L, "custan.core.io", luaopen_custan_io, NULL);
  preload(L, "custan.core.rfm", luaopen_custan_rfm, NULL);
  preload(L, "custan.core.clv", luaopen_custan_clv, NULL);
  preload(L, "custan.core.cluster", luaopen_custan_cluster, NULL);
  preload(L, "custan.core.ml", luaopen_custan_ml, NULL);
  preload(L, "custan.core.sim", luaopen_custan_sim, NULL);
  preload(L, "custan.core.join", luaopen_custan_join, NULL);
  preload(L, "custan.core.dist", luaopen_custan_dist, NULL);
  preload(L, "custan.core.host", luaopen_custan_host, h);
  /* Paths from our trees and the system's Lua 5.4 directories, never from
   * LUA_PATH: a user's environment must not change which code runs. */
  lua_getglobal(L, "package");
  lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;" LUA_PATH_DEFAULT "%s", h->lua_dir, h->lua_dir,
                  with_busted ? ";/usr/share/lua/5.1/?.lua;/usr/share/lua/5.1/?/init.lua" : "");
  lua_setfield(L, -2, "path");
  l_setstr(L, "cpath", LUA_CPATH_DEFAULT);
  lua_pop(L, 1);
  return 0;
}

void cu_host_close(cu_host *h) {
  if (h->L) lua_close(h->L);
  cu_data_cache_clear();
  h->L = NULL;
}

int cu_host_find_script(const cu_host *h, const char *name, char *out, size_t outsz) {
  const char *ext = strlen(name) > 4 && !strcmp(name + strlen(name) - 4, ".lua") ? "" : ".lua";
  snprintf(out, outsz, "%s", name);
  if (is_file(out)) return 0;
  if (strchr(name, '/')) return -1; /* a path that is not there */
  snprintf(out, outsz, "%s/%s", h->script_dir, name);
  if (is_file(out)) return 0;
  snprintf(out, outsz, "%s/%s%s", h->script_dir, name, ext);
  return is_file(out) ? 0 : -1;
}

/* Message handler: adds a traceback when --trace asked for one. */
static int msghandler(lua_State *L) {
  const char *msg = lua_tostring(L, 1);
  if (msg == NULL) {
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
      msg = lua_tostring(L, -1);
    else
      msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  }
  lua_getfield(L, LUA_REGISTRYINDEX, "custan.trace");
  int trace = lua_toboolean(L, -1);
  lua_pop(L, 1);
  if (trace)
    luaL_traceback(L, L, msg, 1);
  else
    lua_pushstring(L, msg);
  return 1;
}

static int report(lua_State *L, int status) {
  if (status != LUA_OK) {
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "custan: %s\n", msg ? msg : "(error without a message)");
    fflush(stderr);
    lua_pop(L, 1);
  }
  return status;
}

static int docall(cu_host *h, int narg, int nres) {
  lua_State *L = h->L;
  int base = lua_gettop(L) - narg;
  lua_pushboolean(L, h->trace);
  lua_setfield(L, LUA_REGISTRYINDEX, "custan.trace");
  lua_pushcfunction(L, msghandler);
  lua_insert(L, base);
  active_L = L;
  cu_interrupted = 0;
  signal(SIGINT, laction);
  signal(SIGTERM, laction);
  int status = lua_pcall(L, narg, nres, base);
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  active_L = NULL;
  lua_remove(L, base);
  return status;
}

/* arg as lua.c builds it: script at 0, its arguments at 1.., the
 * interpreter's words at negative indices. */
static void create_arg(lua_State *L, int argc, char **argv, int arg0) {
  lua_createtable(L, argc - arg0 - 1, arg0 + 1);
  for (int i = 0; i < argc; i++) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, i - arg0);
  }
  lua_setglobal(L, "arg");
}

int cu_host_run_file(cu_host *h, const char *path, int argc, char **argv, int arg0) {
  lua_State *L = h->L;
  create_arg(L, argc, argv, arg0);
  int status = luaL_loadfilex(L, path, "t");
  if (status == LUA_OK) {
    int n = argc - arg0 - 1;
    luaL_checkstack(L, n + 1, "too many arguments");
    for (int i = arg0 + 1; i < argc; i++) lua_pushstring(L, argv[i]);
    status = docall(h, n, 0);
  }
  return report(L, status) == LUA_OK ? 0 : 1;
}

static void preload_custan_global(cu_host *h) {
  lua_State *L = h->L;
  lua_getglobal(L, "require");
  lua_pushstring(L, "custan");
  if (docall(h, 1, 1) == LUA_OK)
    lua_setglobal(L, "custan");
  else
    report(L, 1);
}

int cu_host_run_string(cu_host *h, const char *code, const char *name) {
  lua_State *L = h->L;
  preload_custan_global(h);
  int status = luaL_loadbufferx(L, code, strlen(code), name, "t");
  if (status == LUA_OK) status = docall(h, 0, 0);
  return report(L, status) == LUA_OK ? 0 : 1;
}

/* ------------------------------------------------------------------ repl -- */

static int incomplete(lua_State *L, int status) {
  if (status == LUA_ERRSYNTAX) {
    size_t lmsg;
    const char *msg = lua_tolstring(L, -1, &lmsg);
    if (lmsg >= 5 && strcmp(msg + lmsg - 5, "<eof>") == 0) {
      lua_pop(L, 1);
      return 1;
    }
  }
  return 0;
}

int cu_host_repl(cu_host *h) {
  lua_State *L = h->L;
  char line[8192];
  luaL_Buffer b;
  preload_custan_global(h);
  int tty = isatty(0);
  if (tty) printf("custan %s (%s); custan is loaded; Ctrl-D leaves\n", CUSTAN_VERSION, LUA_RELEASE);
  for (;;) {
    if (tty) {
      fputs("> ", stdout);
      fflush(stdout);
    }
    if (!fgets(line, sizeof line, stdin)) break;
    lua_settop(L, 0);
    luaL_buffinit(L, &b);
    luaL_addstring(&b, line);
    luaL_pushresult(&b);
    for (;;) {
      /* try as an expression first, as lua.c does */
      const char *src = lua_tostring(L, 1);
      const char *ret = lua_pushfstring(L, "return %s", src);
      int status = luaL_loadbuffer(L, ret, strlen(ret), "=stdin");
      if (status == LUA_OK) {
        lua_remove(L, -2);
      } else {
        lua_pop(L, 2);
        status = luaL_loadbuffer(L, src, strlen(src), "=stdin");
        if (incomplete(L, status)) {
          if (tty) {
            fputs(">> ", stdout);
            fflush(stdout);
          }
          if (!fgets(line, sizeof line, stdin)) break;
          lua_pushstring(L, line);
          lua_concat(L, 2);
          continue;
        }
      }
      if (status == LUA_OK) {
        int base = lua_gettop(L);
        status = docall(h, 0, LUA_MULTRET);
        if (status == LUA_OK) {
          int n = lua_gettop(L) - base + 1;
          if (n > 0) {
            lua_getglobal(L, "print");
            lua_insert(L, -(n + 1));
            if (lua_pcall(L, n, 0, 0) != LUA_OK) report(L, 1);
          }
        }
      }
      report(L, status);
      break;
    }
  }
  if (tty) putchar('\n');
  return 0;
}
