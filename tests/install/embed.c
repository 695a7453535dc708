/* embed.c - a C program embedding rwkv-lua, built against the installed
 * headers and libraries (tests/install/run.sh). It uses both faces of the
 * library: the direct engine API and a scripted host with a C function. */
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include <generate.h>
#include <host.h>
#include <rwkv.h>

static int c_twice(lua_State *L) {
  lua_pushinteger(L, 2 * luaL_checkinteger(L, 1));
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  rwkv_error err;
  /* 1. the engine without Lua: load, tokenize, forward, generate */
  rwkv_model *m;
  if (rwkv_model_load(argv[1], NULL, &m, &err)) {
    fprintf(stderr, "load: %s\n", err.msg);
    return 1;
  }
  rwkv_state *s;
  int32_t ids[64];
  size_t n;
  const char *prompt = "Hello";
  if (rwkv_state_new(m, &s, &err) ||
      rwkv_tokenize(rwkv_model_tokenizer(m), prompt, strlen(prompt), ids, &n, &err)) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  rwkv_gen_opts go = rwkv_gen_default_opts();
  go.max_tokens = 8;
  go.sampler.temperature = 0;
  rwkv_gen *g;
  if (rwkv_gen_new(m, s, ids, n, &go, &g, &err)) {
    fprintf(stderr, "generate: %s\n", err.msg);
    return 1;
  }
  int done = 0;
  size_t total = 0;
  while (!done) {
    const char *t;
    size_t l;
    if (rwkv_gen_next(g, &t, &l, &done, &err)) return 1;
    total += l;
  }
  printf("engine: generated %zu bytes\n", total);
  rwkv_gen_free(g);
  rwkv_state_free(s);
  rwkv_model_free(m);

  /* 2. a scripted host with a registered C function */
  rwkvh_opts o;
  rwkvh_opts_default(&o);
  o.instruction_limit = 100000000;
  rwkvh *h;
  if (rwkvh_new(&o, &h, &err) || rwkvh_register(h, "twice", c_twice, &err)) {
    fprintf(stderr, "host: %s\n", err.msg);
    return 1;
  }
  char code[2048];
  snprintf(code, sizeof code,
           "assert(rwkv.twice(21) == 42)\n"
           "local m = rwkv.load([[%s]])\n"
           "local ids = m:tokenize('Hi')\n"
           "assert(#ids == 2 and m:detokenize(ids) == 'Hi')\n"
           "print('host: ok, ' .. m.info.n_layer .. ' layers')\n",
           argv[1]);
  if (rwkvh_dostring(h, code, "=embed") != 0) {
    fprintf(stderr, "script: %s\n", rwkvh_errmsg(h));
    return 1;
  }
  /* the limit stops a runaway script, and the host stays usable */
  rwkvh_set_limits(h, 100000, 0);
  if (rwkvh_dostring(h, "while true do end", "=loop") == 0) return 1;
  printf("limited: %s\n", strstr(rwkvh_errmsg(h), "limit") ? "yes" : rwkvh_errmsg(h));
  if (rwkvh_dostring(h, "assert(rwkv.twice(1) == 2)", "=after")) return 1;
  rwkvh_free(h);
  return 0;
}
