/* host.h - embedding API of rwkv-lua (prefix rwkvh_).
 *
 * A host owns one Lua 5.4 state with the standard libraries, the `rwkv` module
 * (preloaded and also set as the global `rwkv`), package.path pointing at the
 * project's lua/ folder, an optional instruction/time limit for the code it
 * runs, and Ctrl-C handling. Typical use:
 *
 *   rwkvh_opts o;
 *   rwkvh_opts_default(&o);
 *   o.instruction_limit = 1000000;
 *   rwkvh *h;
 *   rwkv_error err;
 *   if (rwkvh_new(&o, &h, &err) != RWKV_OK) { fprintf(stderr, "%s\n", err.msg); ... }
 *   if (rwkvh_dostring(h, "print(rwkv.version)", "=init") != LUA_OK)
 *     fprintf(stderr, "%s\n", rwkvh_errmsg(h));
 *   rwkvh_free(h);
 *
 * Running code returns Lua status codes (LUA_OK == RWKV_OK == 0, LUA_ERRRUN,
 * LUA_ERRSYNTAX, LUA_ERRMEM, LUA_ERRERR, and LUA_ERRFILE for rwkvh_dofile);
 * the error message with its traceback stays readable through rwkvh_errmsg()
 * until the next call that runs code. A host is not thread-safe: use it from
 * one thread at a time. */
#ifndef RWKV_HOST_H
#define RWKV_HOST_H

#include <lua.h>

#include "lvector.h"
#include "rwkv_error.h"

typedef struct rwkvh rwkvh;

typedef struct rwkvh_opts {
  /* Model file the `rwkv` module loads when a script asks for the default
   * model (rwkv.model_path in Lua). NULL: none. Never opened by rwkvh_new. */
  const char *model_path;
  /* GPU choice, used the first time Lua code needs the GPU: EGL device index
   * (-1 = automatic / env RWKV_GPU_DEVICE) and 1 to force the software device. */
  int device;
  int software;
  /* Limits for each top-level rwkvh_pcall / rwkvh_dostring / rwkvh_dofile:
   * the number of Lua VM instructions (0 = none; counted in steps of 1000) and
   * wall-clock seconds (0 = none). Exceeding one raises a Lua error
   * "instruction limit (N) exceeded" / "time limit (S s) exceeded". Time spent
   * inside one C call (a long GPU dispatch) is only noticed when it returns. */
  long long instruction_limit;
  double time_limit;
  /* 1: ignore LUA_PATH, LUA_CPATH and friends, like `lua -E`. */
  int no_env;
} rwkvh_opts;

/* Fill *o with the defaults: no model, device -1, software 0, no limits, env on. */
void rwkvh_opts_default(rwkvh_opts *o);

/* Create a host. opts may be NULL (defaults). On failure *out is NULL and err
 * says why (RWKV_ERR_NOMEM when the Lua state cannot be made). */
int rwkvh_new(const rwkvh_opts *opts, rwkvh **out, rwkv_error *err);

/* Close the Lua state (finalizing models and the GPU it owns) and free the
 * host. NULL is a no-op. */
void rwkvh_free(rwkvh *h);

/* The host's Lua state, for lua_* calls of the embedder. */
lua_State *rwkvh_lua(rwkvh *h);

/* Load and run a Lua file (path NULL: standard input), discarding its
 * results. Returns a Lua status; on error see rwkvh_errmsg. */
int rwkvh_dofile(rwkvh *h, const char *path);

/* Load and run a string. chunkname is used in messages (NULL: the code
 * itself, like luaL_dostring; "=name" shows "name"). Returns a Lua status. */
int rwkvh_dostring(rwkvh *h, const char *code, const char *chunkname);

/* lua_pcall the function below nargs arguments on the host's stack with a
 * message handler that appends a traceback, under the host's limits and
 * Ctrl-C handling. Like lua_pcall it leaves nresults values (or the error
 * message) on the stack; the message is also copied for rwkvh_errmsg. */
int rwkvh_pcall(rwkvh *h, int nargs, int nresults);

/* Message (with traceback) of the last failed call; "" if none. */
const char *rwkvh_errmsg(const rwkvh *h);

/* Add a C function to the `rwkv` module as rwkv.<name>. name must be a valid
 * Lua identifier; RWKV_ERR_ARG otherwise. */
int rwkvh_register(rwkvh *h, const char *name, lua_CFunction fn, rwkv_error *err);

/* Change the limits (see rwkvh_opts); they apply from the next top-level call. */
void rwkvh_set_limits(rwkvh *h, long long instructions, double seconds);

/* Ask running Lua code to stop with the error "interrupted!" at its next
 * instruction (via lua_sethook: this is async-signal-safe, like lua.c's
 * laction). If no code runs, the request is remembered for
 * rwkvh_take_interrupt and does not affect the next call. */
void rwkvh_interrupt(rwkvh *h);

/* Returns 1 (and clears it) if an interrupt arrived while no Lua code ran,
 * e.g. Ctrl-C at the REPL prompt. */
int rwkvh_take_interrupt(rwkvh *h);

/* Install (on=1) or remove (on=0) a SIGINT handler that calls
 * rwkvh_interrupt(h). One host per process can hold it; installing for
 * another host takes it over. The handler does not use SA_RESTART, so a
 * blocking read (the REPL's readline) returns with EINTR. */
int rwkvh_catch_sigint(rwkvh *h, int on, rwkv_error *err);

/* Start the interactive REPL on the terminal (see repl.c); returns when the
 * user types Ctrl-D. History lives in ~/.rwkv_lua_history (capped). */
int rwkvh_repl(rwkvh *h);

/* Version string of rwkv-lua ("0.1.0"). */
const char *rwkvh_version(void);

#endif
