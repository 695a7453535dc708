/* host.c - embedding API (see host.h).
 *
 * Behaviour follows Lua 5.4's standalone interpreter lua.c (msghandler, docall,
 * the SIGINT -> lua_sethook trick of laction/lstop, LUA_NOENV for -E); this is
 * our own code written from its description. */
#include "host.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lualib.h>

#include "lrwkv.h"

#define HOOK_STEP 1000 /* instructions between limit checks */

struct rwkvh {
  lua_State *L;
  char *errmsg;
  long long instr_limit;
  double time_limit;
  long long used;   /* instructions counted in the current top-level call */
  double start;     /* monotonic seconds at its start */
  int depth;        /* nesting of rwkvh_pcall */
  int exceeded;     /* 1: instruction limit, 2: time limit hit in this call */
  volatile sig_atomic_t running;   /* Lua code runs under rwkvh_pcall */
  volatile sig_atomic_t interrupt; /* stop the running code at the next hook */
  volatile sig_atomic_t idle_interrupt; /* interrupt that came while nothing ran */
  int sigint_installed;
  struct sigaction old_sigint;
};

/* The only process-wide variable: a signal handler has no other way to find
 * the host it must interrupt (lua.c keeps `globalL` for the same reason). */
static rwkvh *volatile sigint_host;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static rwkvh *host_of(lua_State *L) { return *(rwkvh **)lua_getextraspace(L); }

static void hook(lua_State *L, lua_Debug *ar);
static int install_sigint(rwkvh *h, struct sigaction *old);

/* The hook matching the host's limits (none when there are no limits). */
static void set_normal_hook(rwkvh *h) {
  if (h->instr_limit > 0 || h->time_limit > 0) lua_sethook(h->L, hook, LUA_MASKCOUNT, HOOK_STEP);
  else lua_sethook(h->L, NULL, 0, 0);
}

static void hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  rwkvh *h = host_of(L);
  if (!h) return;
  if (h->interrupt) {
    h->interrupt = 0;
    set_normal_hook(h);
    luaL_error(L, "interrupted!");
  }
  if (h->instr_limit > 0 && !h->exceeded) {
    h->used += HOOK_STEP;
    if (h->used > h->instr_limit) h->exceeded = 1;
  }
  if (h->time_limit > 0 && !h->exceeded && now_s() - h->start > h->time_limit) h->exceeded = 2;
  if (h->exceeded) {
    /* From now on every instruction raises, so a script cannot swallow the
       error with pcall and go on: the code after each pcall fails at once. */
    lua_sethook(L, hook, LUA_MASKCOUNT, 1);
    if (h->exceeded == 1) luaL_error(L, "instruction limit (%I) exceeded", (lua_Integer)h->instr_limit);
    luaL_error(L, "time limit (%f s) exceeded", (lua_Number)h->time_limit);
  }
}

void rwkvh_interrupt(rwkvh *h) {
  if (!h) return;
  if (h->running) {
    /* a second Ctrl-C while this one is pending kills the process (lua.c does
       the same), so a long C call cannot make the program unkillable */
    if (h->sigint_installed) signal(SIGINT, SIG_DFL);
    h->interrupt = 1;
    /* lua_sethook is the one Lua call that is safe here (see lua.c's laction) */
    lua_sethook(h->L, hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
  } else {
    h->idle_interrupt = 1;
  }
}

int rwkvh_take_interrupt(rwkvh *h) {
  if (!h || !h->idle_interrupt) return 0;
  h->idle_interrupt = 0;
  return 1;
}

static void on_sigint(int sig) {
  (void)sig;
  rwkvh_interrupt(sigint_host);
}

static int install_sigint(rwkvh *h, struct sigaction *old) {
  struct sigaction sa;
  (void)h;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0; /* no SA_RESTART: readline's read() must return */
  return sigaction(SIGINT, &sa, old);
}

int rwkvh_catch_sigint(rwkvh *h, int on, rwkv_error *err) {
  if (!h) return rwkv_errorf(err, RWKV_ERR_ARG, "rwkvh_catch_sigint: no host");
  if (on) {
    if (h->sigint_installed) return RWKV_OK;
    sigint_host = h;
    if (install_sigint(h, &h->old_sigint) != 0)
      return rwkv_errorf(err, RWKV_ERR_ARG, "sigaction(SIGINT): %s", strerror(errno));
    h->sigint_installed = 1;
  } else if (h->sigint_installed) {
    sigaction(SIGINT, &h->old_sigint, NULL);
    h->sigint_installed = 0;
    if (sigint_host == h) sigint_host = NULL;
  }
  return RWKV_OK;
}

/* Message handler: add a traceback to the error (lua.c's msghandler). */
static int msghandler(lua_State *L) {
  const char *msg = lua_tostring(L, 1);
  if (msg == NULL) {
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
    msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  }
  luaL_traceback(L, L, msg, 1);
  return 1;
}

static void set_errmsg(rwkvh *h, const char *msg) {
  free(h->errmsg);
  h->errmsg = NULL;
  if (!msg) msg = "(error object is not a string)";
  size_t n = strlen(msg);
  h->errmsg = (char *)malloc(n + 1);
  if (h->errmsg) memcpy(h->errmsg, msg, n + 1);
}

int rwkvh_pcall(rwkvh *h, int nargs, int nresults) {
  lua_State *L = h->L;
  int base = lua_gettop(L) - nargs;
  lua_pushcfunction(L, msghandler);
  lua_insert(L, base);
  int top = h->depth++ == 0;
  if (top) {
    h->used = 0;
    h->exceeded = 0;
    h->start = now_s();
    h->interrupt = 0;
    h->idle_interrupt = 0;
    set_normal_hook(h);
    h->running = 1;
  }
  int st = lua_pcall(L, nargs, nresults, base);
  if (top) {
    h->running = 0;
    h->interrupt = 0;
    h->exceeded = 0;
    set_normal_hook(h);
    if (h->sigint_installed) install_sigint(h, NULL);
  }
  h->depth--;
  lua_remove(L, base);
  if (st != LUA_OK) set_errmsg(h, lua_tostring(L, -1));
  return st;
}

static int run_loaded(rwkvh *h, int st) {
  if (st == LUA_OK) st = rwkvh_pcall(h, 0, 0);
  else set_errmsg(h, lua_tostring(h->L, -1));
  if (st != LUA_OK) lua_pop(h->L, 1);
  return st;
}

int rwkvh_dofile(rwkvh *h, const char *path) {
  return run_loaded(h, luaL_loadfile(h->L, path));
}

int rwkvh_dostring(rwkvh *h, const char *code, const char *chunkname) {
  if (!code) code = "";
  return run_loaded(h, luaL_loadbuffer(h->L, code, strlen(code), chunkname ? chunkname : code));
}

const char *rwkvh_errmsg(const rwkvh *h) { return (h && h->errmsg) ? h->errmsg : ""; }

lua_State *rwkvh_lua(rwkvh *h) { return h ? h->L : NULL; }

const char *rwkvh_version(void) { return RWKV_LUA_VERSION; }

void rwkvh_set_limits(rwkvh *h, long long instructions, double seconds) {
  h->instr_limit = instructions > 0 ? instructions : 0;
  h->time_limit = seconds > 0 ? seconds : 0;
  if (!h->running) set_normal_hook(h);
}

void rwkvh_opts_default(rwkvh_opts *o) {
  memset(o, 0, sizeof *o);
  o->device = -1;
}

static int valid_name(const char *s) {
  if (!s || !*s) return 0;
  if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))) return 0;
  for (s++; *s; s++)
    if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
      return 0;
  return 1;
}

/* Push package.loaded.rwkv (loading it if needed); protected. */
static int push_module(lua_State *L) {
  luaL_requiref(L, "rwkv", luaopen_rwkv, 0);
  return 1;
}

int rwkvh_register(rwkvh *h, const char *name, lua_CFunction fn, rwkv_error *err) {
  if (!h || !fn) return rwkv_errorf(err, RWKV_ERR_ARG, "rwkvh_register: no host or no function");
  if (!valid_name(name))
    return rwkv_errorf(err, RWKV_ERR_ARG, "rwkvh_register: \"%s\" is not a Lua identifier", name ? name : "(null)");
  lua_State *L = h->L;
  lua_pushcfunction(L, push_module);
  if (lua_pcall(L, 0, 1, 0) != LUA_OK) {
    int rc = rwkv_errorf(err, RWKV_ERR_NOMEM, "rwkvh_register: cannot load the rwkv module: %s",
                         lua_tostring(L, -1));
    lua_pop(L, 1);
    return rc;
  }
  if (!lua_istable(L, -1)) {
    lua_pop(L, 1);
    return rwkv_errorf(err, RWKV_ERR_STATE, "rwkvh_register: package.loaded.rwkv is not a table");
  }
  lua_pushcfunction(L, fn);
  lua_setfield(L, -2, name);
  lua_pop(L, 1);
  return RWKV_OK;
}

/* Folder of lua/ libraries: <exe dir>/../share/rwkv-lua/lua when it exists
 * (installed), else the source tree's lua/. */
static void lua_dir(char *out, size_t cap) {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) {
      *slash = '\0';
      struct stat st;
      int w = snprintf(out, cap, "%s/../share/rwkv-lua/lua", exe);
      if (w > 0 && (size_t)w < cap && stat(out, &st) == 0 && S_ISDIR(st.st_mode)) return;
    }
  }
#ifdef RWKV_LUA_SRCDIR
  snprintf(out, cap, "%s", RWKV_LUA_SRCDIR);
#else
  snprintf(out, cap, "%s", "./lua");
#endif
}

/* Everything after lua_newstate, protected (may raise memory errors). */
static int setup(lua_State *L) {
  rwkvh *h = (rwkvh *)lua_touserdata(L, 1);
  const rwkvh_opts *o = (const rwkvh_opts *)lua_touserdata(L, 2);
  if (o->no_env) { /* like lua -E: the package library then ignores LUA_PATH... */
    lua_pushboolean(L, 1);
    lua_setfield(L, LUA_REGISTRYINDEX, "LUA_NOENV");
  }
  luaL_openlibs(L);
  (void)h;

  /* package.path = "<lua dir>/?.lua;<lua dir>/?/init.lua;" .. package.path */
  char dir[PATH_MAX + 64];
  lua_dir(dir, sizeof dir);
  lua_getglobal(L, "package");
  lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;", dir, dir);
  lua_getfield(L, -2, "path");
  lua_concat(L, 2);
  lua_setfield(L, -2, "path");

  /* package.preload.rwkv and the global `rwkv` */
  lua_getfield(L, -1, "preload");
  lua_pushcfunction(L, luaopen_rwkv);
  lua_setfield(L, -2, "rwkv");
  lua_pop(L, 2);

  if (o->model_path) {
    lua_pushstring(L, o->model_path);
    lua_setfield(L, LUA_REGISTRYINDEX, RWKVL_MODEL_PATH_KEY);
  }
  rwkv_gpu_opts go = {o->device, o->software, 0};
  rwkvl_set_gpu_opts(L, &go);

  luaL_requiref(L, "rwkv", luaopen_rwkv, 1);
  lua_pop(L, 1);
  return 0;
}

int rwkvh_new(const rwkvh_opts *opts, rwkvh **out, rwkv_error *err) {
  if (!out) return rwkv_errorf(err, RWKV_ERR_ARG, "rwkvh_new: out is NULL");
  *out = NULL;
  rwkvh_opts def;
  if (!opts) {
    rwkvh_opts_default(&def);
    opts = &def;
  }
  rwkvh *h = (rwkvh *)calloc(1, sizeof *h);
  if (!h) return rwkv_errorf(err, RWKV_ERR_NOMEM, "rwkvh_new: out of memory");
  h->L = luaL_newstate();
  if (!h->L) {
    free(h);
    return rwkv_errorf(err, RWKV_ERR_NOMEM, "rwkvh_new: cannot create a Lua state");
  }
  *(rwkvh **)lua_getextraspace(h->L) = h; /* copied into every new coroutine */
  h->instr_limit = opts->instruction_limit > 0 ? opts->instruction_limit : 0;
  h->time_limit = opts->time_limit > 0 ? opts->time_limit : 0;
  lua_pushcfunction(h->L, setup);
  lua_pushlightuserdata(h->L, h);
  lua_pushlightuserdata(h->L, (void *)opts);
  if (lua_pcall(h->L, 2, 0, 0) != LUA_OK) {
    rwkv_errorf(err, RWKV_ERR_NOMEM, "rwkvh_new: setting up Lua failed: %s", lua_tostring(h->L, -1));
    lua_close(h->L);
    free(h);
    return RWKV_ERR_NOMEM;
  }
  *out = h;
  return RWKV_OK;
}

void rwkvh_free(rwkvh *h) {
  if (!h) return;
  rwkvh_catch_sigint(h, 0, NULL);
  lua_close(h->L);
  free(h->errmsg);
  free(h);
}
