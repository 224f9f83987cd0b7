/* host.h: the embedded Lua runtime of custan. */
#ifndef CU_HOST_H
#define CU_HOST_H

#include <lua.h>

typedef struct cu_host {
  lua_State *L;
  int trace;             /* print tracebacks with errors */
  char lua_dir[4400];    /* lua/ of the source or install tree */
  char script_dir[4400]; /* prepared scripts */
} cu_host;

/* Creates the state: standard libraries, custan's C modules in
 * package.preload, package.path/cpath from the build or install tree.
 * Returns 0 or -1 (message on stderr). */
int cu_host_open(cu_host *h, const char *argv0, int with_busted);
void cu_host_close(cu_host *h);

/* Finds a script as a path, then among the prepared scripts (with or
 * without .lua); writes the path found into out.  0 ok, -1 not found. */
int cu_host_find_script(const cu_host *h, const char *name, char *out, size_t outsz);

/* Runs a file or a string with arguments; returns the process exit code
 * (0 ok, 1 error, or what the script passed to os.exit). */
int cu_host_run_file(cu_host *h, const char *path, int argc, char **argv, int arg0);
int cu_host_run_string(cu_host *h, const char *code, const char *name);
int cu_host_repl(cu_host *h);

#endif
