/* repl.c - the interactive read-eval-print loop of rwkv-lua.
 *
 * Behaviour of Lua 5.4's lua.c doREPL/loadline/multiline/l_print, written
 * anew: a line is first tried as "return <line>" so bare expressions print
 * their values; "= expr" is "return expr"; a chunk whose syntax error ends in
 * "<eof>" is incomplete and continues on the next line (prompt ">> ");
 * errors print with their traceback and the session goes on. Lines come from
 * libedit's readline with history in ~/.rwkv_lua_history (capped).
 * Ctrl-C while code runs raises "interrupted!" (rwkvh_catch_sigint); at the
 * prompt it drops the line being typed; Ctrl-D at an empty prompt exits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <editline/readline.h>
#include <lauxlib.h>

#include "host.h"

#define HISTORY_MAX 1000
#define EOFMARK "<eof>"

/* Prompt from the globals _PROMPT / _PROMPT2 when they are strings. */
static const char *get_prompt(lua_State *L, int first) {
  const char *p = NULL;
  if (lua_getglobal(L, first ? "_PROMPT" : "_PROMPT2") == LUA_TSTRING) p = lua_tostring(L, -1);
  lua_pop(L, 1); /* the string is still referenced by the global */
  return p ? p : (first ? "> " : ">> ");
}

enum { LINE_OK, LINE_EOF, LINE_INTERRUPTED };

/* Read one line into a malloc'ed string (*out). */
static int read_line(rwkvh *h, int first, char **out) {
  lua_State *L = rwkvh_lua(h);
  rwkvh_take_interrupt(h); /* forget a Ctrl-C from before this prompt */
  char *line = readline(get_prompt(L, first));
  if (rwkvh_take_interrupt(h)) { /* Ctrl-C while typing: drop the line */
    free(line);
    fputc('\n', stdout);
    fflush(stdout);
    return LINE_INTERRUPTED;
  }
  if (!line) return LINE_EOF;
  *out = line;
  return LINE_OK;
}

static int incomplete(lua_State *L, int status) {
  if (status != LUA_ERRSYNTAX) return 0;
  size_t n = 0;
  const char *msg = lua_tolstring(L, -1, &n);
  size_t m = sizeof(EOFMARK) - 1;
  return msg && n >= m && strcmp(msg + n - m, EOFMARK) == 0;
}

static void report(const char *msg) {
  fprintf(stderr, "%s\n", msg ? msg : "(error object is not a string)");
  fflush(stderr);
}

/* Read and compile one chunk; pushes the function. Returns LUA_OK, a load
 * error status (message pushed), or -1 for EOF / -2 for an interrupted chunk
 * (nothing pushed). *text gets the chunk for the history. */
static int load_chunk(rwkvh *h, char **text) {
  lua_State *L = rwkvh_lua(h);
  char *line = NULL;
  int r = read_line(h, 1, &line);
  if (r == LINE_EOF) return -1;
  if (r == LINE_INTERRUPTED) return -2;
  *text = line;
  /* "= expr" and bare expressions: try "return <line>" first */
  const char *src = line[0] == '=' ? line + 1 : line;
  lua_pushfstring(L, "return %s", src);
  int st = luaL_loadbuffer(L, lua_tostring(L, -1), lua_rawlen(L, -1), "=stdin");
  lua_remove(L, -2);
  if (st == LUA_OK || line[0] == '=') return st;
  lua_pop(L, 1);
  /* a statement, possibly spread over several lines */
  lua_pushstring(L, line);
  for (;;) {
    size_t len = 0;
    const char *chunk = lua_tolstring(L, -1, &len);
    st = luaL_loadbuffer(L, chunk, len, "=stdin");
    if (!incomplete(L, st)) {
      /* keep the whole chunk text for the history */
      char *all = (char *)malloc(len + 1);
      if (all) {
        memcpy(all, chunk, len + 1);
        free(*text);
        *text = all;
      }
      lua_remove(L, -2);
      return st;
    }
    char *more = NULL;
    r = read_line(h, 0, &more);
    if (r == LINE_EOF) { /* report the incomplete chunk, like lua.c */
      lua_remove(L, -2);
      return st;
    }
    lua_pop(L, 1); /* the <eof> error */
    if (r == LINE_INTERRUPTED) {
      lua_pop(L, 1);
      return -2;
    }
    lua_pushliteral(L, "\n");
    lua_pushstring(L, more);
    free(more);
    lua_concat(L, 3);
  }
}

/* Call print with the values on the stack (lua.c's l_print). */
static void print_results(rwkvh *h) {
  lua_State *L = rwkvh_lua(h);
  int n = lua_gettop(L);
  if (n == 0) return;
  luaL_checkstack(L, LUA_MINSTACK, "too many results to print");
  lua_getglobal(L, "print");
  lua_insert(L, 1);
  if (lua_pcall(L, n, 0, 0) != LUA_OK) {
    fprintf(stderr, "error calling 'print' (%s)\n", lua_tostring(L, -1));
    lua_pop(L, 1);
  }
  fflush(stdout);
}

static const char *history_path(char *buf, size_t cap) {
  const char *home = getenv("HOME");
  if (!home || !*home) return NULL;
  int n = snprintf(buf, cap, "%s/.rwkv_lua_history", home);
  return (n > 0 && (size_t)n < cap) ? buf : NULL;
}

int rwkvh_repl(rwkvh *h) {
  lua_State *L = rwkvh_lua(h);
  rwkv_error err;
  rwkvh_catch_sigint(h, 1, &err);
  char hbuf[4096];
  const char *hist = history_path(hbuf, sizeof hbuf);
  rl_readline_name = "rwkv-lua";
  using_history();
  stifle_history(HISTORY_MAX);
  if (hist) read_history(hist);
  lua_settop(L, 0);
  for (;;) {
    char *text = NULL;
    int st = load_chunk(h, &text);
    if (st == -1 || st == -2) {
      free(text);
      if (st == -1) break;
      continue;
    }
    if (text && text[0]) add_history(text);
    free(text);
    if (st == LUA_OK) st = rwkvh_pcall(h, 0, LUA_MULTRET);
    if (st == LUA_OK) print_results(h);
    else report(lua_tostring(L, -1));
    lua_settop(L, 0);
  }
  fputc('\n', stdout);
  fflush(stdout);
  if (hist) {
    write_history(hist);
    history_truncate_file(hist, HISTORY_MAX);
  }
  return LUA_OK;
}
