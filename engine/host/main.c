/* main.c: the custan command line.  Only parses the command and hands the
 * work to the host; every Lua call runs protected (host.c). */
#include <csv.h>
#include <dirent.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_version.h>
#include <lua.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "dist.h"
#include "host.h"

static const char *usage_text =
    "usage: custan [--trace] COMMAND [ARGS...]\n"
    "\n"
    "commands:\n"
    "  run SCRIPT [ARGS...]  run a Lua script (a path, or a prepared script such\n"
    "                        as rfm.lua); the script sees its arguments in `arg`\n"
    "  SCRIPT.lua [ARGS...]  the same as run\n"
    "  -e CODE               run a line of Lua with custan loaded\n"
    "  repl                  interactive Lua with custan loaded\n"
    "  test [PATH...]        run busted specs inside custan (default tests/spec)\n"
    "  scripts               list the prepared scripts\n"
    "  version               versions of custan, Lua, GSL, libcsv and zlib\n"
    "  help                  this text\n"
    "\n"
    "options:\n"
    "  --trace               print a Lua traceback with an error\n"
    "\n"
    "exit codes: 0 success, 1 a failing script or bad data, 2 bad usage\n";

static int usage_error(const char *fmt, const char *arg) {
  fprintf(stderr, "custan: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\n\n%s", usage_text);
  return 2;
}

static int is_file(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int cmd_run(cu_host *h, int argc, char **argv, int at) {
  char path[8800];
  if (at >= argc) return usage_error("%s", "run needs a script");
  if (cu_host_find_script(h, argv[at], path, sizeof path)) {
    fprintf(stderr, "custan: cannot find script '%s' (looked for it as a path and in %s)\n",
            argv[at], h->script_dir);
    return 1;
  }
  char *saved = argv[at];
  argv[at] = path;
  int rc = cu_host_run_file(h, path, argc, argv, at);
  argv[at] = saved;
  return rc;
}

static int cmd_test(cu_host *h, int argc, char **argv, int at) {
  /* busted reads its options from `arg`; default to the spec folder */
  int n = argc - at;
  char **args = calloc((size_t)n + 4, sizeof *args);
  if (!args) return 1;
  int k = 0;
  args[k++] = argv[0];
  args[k++] = "busted";
  for (int i = at; i < argc; i++) args[k++] = argv[i];
  int has_path = 0;
  for (int i = at; i < argc; i++) has_path |= argv[i][0] != '-';
  if (!has_path) args[k++] = "tests/spec";
  const char *code = "local ok, runner = pcall(require, 'busted.runner')\n"
                     "if not ok then error('busted is not installed (apt-get install lua-busted): "
                     "' .. tostring(runner), 0) end\n"
                     "runner({ standalone = false })\n";
  lua_State *L = h->L;
  lua_createtable(L, k, 2);
  for (int i = 0; i < k; i++) {
    lua_pushstring(L, args[i]);
    lua_rawseti(L, -2, i - 1);
  }
  lua_setglobal(L, "arg");
  free(args);
  return cu_host_run_string(h, code, "=custan test");
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmd_scripts(cu_host *h) {
  DIR *d = opendir(h->script_dir);
  if (!d) {
    fprintf(stderr, "custan: cannot list %s\n", h->script_dir);
    return 1;
  }
  char *names[256];
  size_t n = 0;
  struct dirent *ent;
  while ((ent = readdir(d)) && n < 256) {
    size_t len = strlen(ent->d_name);
    if (len > 4 && !strcmp(ent->d_name + len - 4, ".lua")) names[n++] = strdup(ent->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof *names, cmp_names);
  printf("prepared scripts (%s):\n", h->script_dir);
  for (size_t i = 0; i < n; i++) {
    printf("  %s\n", names[i] ? names[i] : "?");
    free(names[i]);
  }
  return 0;
}

/* OpenMP's threads (XGBoost's) spin up to 300,000 times at every barrier
 * before they sleep.  On a machine where other processes compete for the
 * cores, a spinning thread takes the time slice the thread it waits for
 * needs, and a 2-second training took 16 to 117 s.  GNU OpenMP reads its
 * spin count once, when it loads, before main; so custan sets a short one
 * (about 10 microseconds, then a futex sleep) and starts itself again,
 * once, unless the user chose a wait policy.  Quiet runs keep their speed
 * (docs/benchmarks.md, "Busy machines"). */
static void short_openmp_spin(char **argv) {
  if (getenv("OMP_WAIT_POLICY") || getenv("GOMP_SPINCOUNT")) return;
  if (setenv("GOMP_SPINCOUNT", "10000", 1)) return;
  execv("/proc/self/exe", argv); /* returns only on failure: then run as we are */
}

/* Runs the command; in a distributed run, a failing rank stops every rank
 * (after its message), so none waits for it in a collective, and ranks
 * other than 0 print nothing to stdout (their errors still reach stderr). */
static int run_command(int argc, char **argv);

int main(int argc, char **argv) {
  short_openmp_spin(argv);
  if (cu_dist_init(&argc, &argv)) {
    fprintf(stderr, "custan: MPI could not start\n");
    return 1;
  }
  if (cu_dist_rank() > 0 && !freopen("/dev/null", "w", stdout)) return 1;
  int rc = run_command(argc, argv);
  if (rc && cu_dist_size() > 1) {
    fflush(stderr);
    cu_dist_abort(rc);
  }
  cu_dist_finalize();
  return rc;
}

static int run_command(int argc, char **argv) {
  cu_host h;
  memset(&h, 0, sizeof h);
  gsl_set_error_handler_off(); /* every GSL status is checked */
  int at = 1;
  while (at < argc && !strcmp(argv[at], "--trace")) {
    h.trace = 1;
    at++;
  }
  if (at >= argc) {
    fputs(usage_text, stderr);
    return 2;
  }
  const char *cmd = argv[at];
  if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
    fputs(usage_text, stdout);
    return 0;
  }
  if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
    printf("custan %s\n%s\nGSL %s\nlibcsv %d.%d.%d\nMPI %s\n", CUSTAN_VERSION, LUA_RELEASE,
           GSL_VERSION, CSV_MAJOR, CSV_MINOR, CSV_RELEASE, cu_dist_library());
    return 0;
  }
  int is_test = !strcmp(cmd, "test");
  int known = is_test || !strcmp(cmd, "run") || !strcmp(cmd, "-e") || !strcmp(cmd, "repl") ||
              !strcmp(cmd, "scripts") || is_file(cmd);
  if (!known) return usage_error("unknown command '%s'", cmd);
  if (cu_host_open(&h, argv[0], is_test)) return 1;
  int rc;
  if (!strcmp(cmd, "run"))
    rc = cmd_run(&h, argc, argv, at + 1);
  else if (!strcmp(cmd, "-e")) {
    if (at + 1 >= argc)
      rc = usage_error("%s", "-e needs a line of Lua");
    else
      rc = cu_host_run_string(&h, argv[at + 1], "=(command line)");
  } else if (!strcmp(cmd, "repl"))
    rc = cu_host_repl(&h);
  else if (is_test)
    rc = cmd_test(&h, argc, argv, at + 1);
  else if (!strcmp(cmd, "scripts"))
    rc = cmd_scripts(&h);
  else
    rc = cmd_run(&h, argc, argv, at); /* custan FILE.lua ARGS, as lua does */
  cu_host_close(&h);
  return rc;
}
