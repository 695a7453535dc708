/* main.c - rwkv-lua, the standalone interpreter.
 *
 *   rwkv-lua [options] [script [args]]
 *
 * Follows the conventions of Lua 5.4's standalone `lua` (lua.c: collectargs,
 * createargtable, handle_luainit, runargs, handle_script, doREPL), re-written
 * here: the `arg` table holds the script at 0, the interpreter and options at
 * negative indices and the script's arguments at 1..n, which the script also
 * receives as `...`. Options run in order (-e, -l, -W) before the script.
 * Errors print "<progname>: <message + traceback>" on stderr and exit 1. Added
 * on top of lua's options: --info prints the GPU / EGL facts (engine/gpu.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lualib.h>

#include "gpu.h"
#include "host.h"

enum { HAS_ERROR = 1, HAS_I = 2, HAS_V = 4, HAS_E = 8, HAS_LOWER_E = 16, HAS_INFO = 32 };

static void print_usage(const char *prog, const char *badoption) {
  if (badoption) {
    if (badoption[1] == 'e' || badoption[1] == 'l')
      fprintf(stderr, "%s: '%s' needs argument\n", prog, badoption);
    else
      fprintf(stderr, "%s: unrecognized option '%s'\n", prog, badoption);
  }
  fprintf(stderr,
          "usage: %s [options] [script [args]]\n"
          "Available options are:\n"
          "  -e stat   execute string 'stat'\n"
          "  -i        enter interactive mode after executing 'script'\n"
          "  -l mod    require library 'mod' into global 'mod'\n"
          "  -l g=mod  require library 'mod' into global 'g'\n"
          "  -v        show version information\n"
          "  -E        ignore environment variables\n"
          "  -W        turn warnings on\n"
          "  --info    show GPU / EGL information\n"
          "  --help    show this help\n"
          "  --        stop handling options\n"
          "  -         stop handling options and execute stdin\n",
          prog);
}

static void print_version(void) {
  printf("rwkv-lua %s\n%s\n", rwkvh_version(), LUA_COPYRIGHT);
  fflush(stdout);
}

/* Scan options (lua.c's collectargs). *first gets the index of the script
 * (0 when there is none); *bad the offending argv index on HAS_ERROR. */
static int collect_args(char **argv, int *first, int *bad) {
  int args = 0;
  int i;
  for (i = 1; argv[i] != NULL; i++) {
    *first = i;
    const char *a = argv[i];
    if (a[0] != '-') return args; /* the script */
    *bad = i;
    switch (a[1]) {
    case '-':
      if (strcmp(a, "--info") == 0) {
        args |= HAS_INFO;
        break;
      }
      if (a[2] != '\0') return args | HAS_ERROR;
      *first = i + 1;
      return args;
    case '\0': /* "-": the script is stdin */
      return args;
    case 'E':
    case 'W':
      if (a[2] != '\0') return args | HAS_ERROR;
      if (a[1] == 'E') args |= HAS_E;
      break;
    case 'i':
    case 'v':
      if (a[2] != '\0') return args | HAS_ERROR;
      args |= (a[1] == 'i') ? (HAS_I | HAS_V) : HAS_V; /* -i implies -v, as in lua */
      break;
    case 'e':
    case 'l':
      if (a[1] == 'e') args |= HAS_LOWER_E;
      if (a[2] == '\0') { /* argument in the next word */
        i++;
        if (argv[i] == NULL || argv[i][0] == '-') return args | HAS_ERROR;
      }
      break;
    default:
      return args | HAS_ERROR;
    }
  }
  *first = 0;
  return args;
}

static void message(const char *prog, const char *msg) {
  if (prog) fprintf(stderr, "%s: ", prog);
  fprintf(stderr, "%s\n", msg);
  fflush(stderr);
}

/* Print the host's last error; returns st. */
static int report(rwkvh *h, const char *prog, int st) {
  if (st != LUA_OK) message(prog, rwkvh_errmsg(h));
  return st;
}

/* arg = { [-n..-1] = interpreter and options, [0] = script, [1..] = args } */
static void create_arg_table(lua_State *L, char **argv, int argc, int script) {
  /* no script (0): arg[0] is the interpreter and options get 1..n, as in lua */
  lua_createtable(L, argc - script - 1 > 0 ? argc - script - 1 : 0, script + 1);
  for (int i = 0; i < argc; i++) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, (lua_Integer)i - script);
  }
  lua_setglobal(L, "arg");
}

static int do_library(rwkvh *h, const char *prog, const char *spec) {
  lua_State *L = rwkvh_lua(h);
  const char *eq = strchr(spec, '=');
  if (eq) lua_pushlstring(L, spec, (size_t)(eq - spec)); /* global name */
  else lua_pushstring(L, spec);
  lua_getglobal(L, "require");
  lua_pushstring(L, eq ? eq + 1 : spec);
  int st = rwkvh_pcall(h, 1, 1);
  if (st == LUA_OK) {
    lua_setglobal(L, lua_tostring(L, -2));
    lua_pop(L, 1);
  } else {
    lua_pop(L, 2);
  }
  return report(h, prog, st);
}

/* Options -e, -l, -W in order (lua.c's runargs). */
static int run_args(rwkvh *h, const char *prog, char **argv, int n) {
  for (int i = 1; i < n; i++) {
    const char *a = argv[i];
    if (a[0] != '-') continue;
    int opt = a[1];
    if (opt == 'e' || opt == 'l') {
      const char *extra = a[2] ? a + 2 : argv[++i];
      int st = opt == 'e' ? report(h, prog, rwkvh_dostring(h, extra, "=(command line)"))
                          : do_library(h, prog, extra);
      if (st != LUA_OK) return st;
    } else if (opt == 'W') {
      lua_warning(rwkvh_lua(h), "@on", 0);
    }
  }
  return LUA_OK;
}

/* LUA_INIT_5_4 or LUA_INIT: "@file" runs a file, else the string itself. */
static int handle_luainit(rwkvh *h, const char *prog) {
  const char *name = "=LUA_INIT_5_4";
  const char *init = getenv("LUA_INIT_5_4");
  if (!init) {
    name = "=LUA_INIT";
    init = getenv("LUA_INIT");
  }
  if (!init) return LUA_OK;
  if (init[0] == '@') return report(h, prog, rwkvh_dofile(h, init + 1));
  return report(h, prog, rwkvh_dostring(h, init, name));
}

static int handle_script(rwkvh *h, const char *prog, char **argv) {
  lua_State *L = rwkvh_lua(h);
  const char *fname = argv[0];
  if (strcmp(fname, "-") == 0 && strcmp(argv[-1], "--") != 0) fname = NULL; /* stdin */
  int st = luaL_loadfile(L, fname);
  if (st != LUA_OK) {
    message(prog, lua_tostring(L, -1));
    lua_pop(L, 1);
    return st;
  }
  if (lua_getglobal(L, "arg") != LUA_TTABLE) {
    lua_pop(L, 2);
    message(prog, "'arg' is not a table");
    return LUA_ERRRUN;
  }
  lua_Integer n = luaL_len(L, -1);
  luaL_checkstack(L, (int)n + 3, "too many arguments to script");
  for (lua_Integer i = 1; i <= n; i++) lua_rawgeti(L, -(int)i, i);
  lua_remove(L, -(int)n - 1);
  st = rwkvh_pcall(h, (int)n, LUA_MULTRET);
  if (st != LUA_OK) lua_pop(L, 1);
  lua_settop(L, 0);
  return report(h, prog, st);
}

static int print_info(const char *prog) {
  rwkv_gpu *g = NULL;
  rwkv_error err;
  rwkv_error_clear(&err);
  if (rwkv_gpu_open(NULL, &g, &err) != RWKV_OK) {
    fprintf(stderr, "%s: cannot open the GPU: %s\n", prog, err.msg);
    return 1;
  }
  const rwkv_gpu_info *i = rwkv_gpu_get_info(g);
  if (i) {
    printf("platform:          %s\n", i->platform);
    printf("device:            %s\n", i->device);
    printf("vendor:            %s\n", i->vendor);
    printf("renderer:          %s\n", i->renderer);
    printf("version:           %s\n", i->version);
    printf("glsl:              %s\n", i->glsl);
    printf("gles:              3.%d\n", i->gles_minor);
    printf("software:          %s\n", i->software ? "yes" : "no");
    printf("subgroups:         %s (size %d)\n", i->has_subgroup ? "yes" : "no", i->subgroup_size);
    printf("max shared:        %d bytes\n", i->max_shared);
    printf("max invocations:   %d\n", i->max_invocations);
    printf("max groups x:      %d\n", i->max_groups_x);
    printf("max ssbo:          %lld bytes\n", i->max_ssbo);
    printf("max ssbo bindings: %d\n", i->max_ssbo_bindings);
  }
  fflush(stdout);
  rwkv_gpu_close(g);
  return 0;
}

int main(int argc, char **argv) {
  const char *prog = (argc > 0 && argv[0] && argv[0][0]) ? argv[0] : "rwkv-lua";
  if (argc < 1 || !argv[0]) {
    static char *fake[] = {"rwkv-lua", NULL};
    argv = fake;
    argc = 1;
  }
  if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
    print_usage(prog, NULL);
    return 0;
  }
  int script = 0, bad = 0;
  int args = collect_args(argv, &script, &bad);
  if (args & HAS_ERROR) {
    print_usage(prog, argv[bad]);
    return 1;
  }
  if (args & HAS_V) print_version();
  if ((args & HAS_INFO) && print_info(prog) != 0) return 1;

  rwkvh_opts o;
  rwkvh_opts_default(&o);
  o.no_env = (args & HAS_E) != 0;
  rwkvh *h = NULL;
  rwkv_error err;
  if (rwkvh_new(&o, &h, &err) != RWKV_OK) {
    message(prog, err.msg);
    return 1;
  }
  lua_State *L = rwkvh_lua(h);
  lua_gc(L, LUA_GCGEN, 0, 0); /* as lua.c: generational mode */
  create_arg_table(L, argv, argc, script);
  rwkvh_catch_sigint(h, 1, &err); /* Ctrl-C interrupts the running Lua code */

  int st = LUA_OK;
  if (!(args & HAS_E)) st = handle_luainit(h, prog);
  if (st == LUA_OK) st = run_args(h, prog, argv, script > 0 ? script : argc);
  if (st == LUA_OK && script > 0) st = handle_script(h, prog, argv + script);
  if (st == LUA_OK) {
    if (args & HAS_I) {
      rwkvh_repl(h);
    } else if (script == 0 && !(args & (HAS_LOWER_E | HAS_V | HAS_INFO))) {
      if (isatty(STDIN_FILENO)) {
        print_version();
        rwkvh_repl(h);
      } else {
        st = report(h, prog, rwkvh_dofile(h, NULL));
      }
    }
  }
  rwkvh_free(h);
  return st == LUA_OK ? 0 : 1;
}
