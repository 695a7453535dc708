/* test_host.c - the embedding API (host/host.h): running code, error messages
 * with tracebacks, registering C functions, instruction / time limits,
 * interrupts, options reaching the `rwkv` module, and the C side of vectors. */
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host.h"
#include "testutil.h"

static int c_add(lua_State *L) {
  lua_pushnumber(L, luaL_checknumber(L, 1) + luaL_checknumber(L, 2));
  return 1;
}

/* rwkv.ones(n) -> vector of n ones, built in C */
static int c_ones(lua_State *L) {
  lua_Integer n = luaL_checkinteger(L, 1);
  float *v = rwkvl_newvector(L, (size_t)n);
  for (lua_Integer i = 0; i < n; i++) v[i] = 1.0f;
  return 1;
}

/* rwkv.sum(v) -> sum of a vector, read in C */
static int c_sum(lua_State *L) {
  size_t n = 0;
  const float *v = rwkvl_checkvector(L, 1, &n);
  double s = 0;
  for (size_t i = 0; i < n; i++) s += v[i];
  lua_pushnumber(L, s);
  return 1;
}

/* rwkv.self_interrupt(): what a SIGINT handler does, from inside running code */
static int c_self_interrupt(lua_State *L) {
  lua_getfield(L, LUA_REGISTRYINDEX, "test.host");
  rwkvh *h = (rwkvh *)lua_touserdata(L, -1);
  lua_pop(L, 1);
  rwkvh_interrupt(h);
  return 0;
}

static int c_nested(lua_State *L) {
  lua_getfield(L, LUA_REGISTRYINDEX, "test.host");
  rwkvh *h = (rwkvh *)lua_touserdata(L, -1);
  lua_pop(L, 1);
  int st = rwkvh_dostring(h, "error('inner')", "=nested");
  lua_pushinteger(L, st);
  lua_pushstring(L, rwkvh_errmsg(h));
  return 2;
}

int main(void) {
  rwkv_error err;
  rwkvh *h = NULL;

  /* defaults, basic code, the rwkv global */
  CHECK_OK(rwkvh_new(NULL, &h, &err), &err);
  CHECK(rwkvh_lua(h) != NULL);
  CHECK(strcmp(rwkvh_version(), "0.1.0") == 0);
  CHECK(rwkvh_dostring(h, "x = 40 + 2; assert(rwkv.version == '0.1.0')", "=t") == LUA_OK);
  lua_State *L = rwkvh_lua(h);
  lua_getglobal(L, "x");
  CHECK(lua_tointeger(L, -1) == 42);
  lua_pop(L, 1);
  CHECK(strcmp(rwkvh_errmsg(h), "") == 0);
  CHECK(rwkvh_dostring(h, "assert(require('rwkv') == rwkv and rwkv.model_path == nil)", NULL) == LUA_OK);

  /* errors: status, message and traceback */
  CHECK(rwkvh_dostring(h, "local function f() error('deep') end\nf()", "=chunk") == LUA_ERRRUN);
  CHECK_MSG(strstr(rwkvh_errmsg(h), "chunk:1: deep") != NULL, "%s", rwkvh_errmsg(h));
  CHECK_MSG(strstr(rwkvh_errmsg(h), "stack traceback:") != NULL, "%s", rwkvh_errmsg(h));
  CHECK(rwkvh_dostring(h, "x = = 1", "=syn") == LUA_ERRSYNTAX);
  CHECK(strstr(rwkvh_errmsg(h), "syn:1:") != NULL);
  CHECK(rwkvh_dofile(h, "/no/such/file.lua") == LUA_ERRFILE);
  CHECK(strstr(rwkvh_errmsg(h), "/no/such/file.lua") != NULL);
  CHECK(rwkvh_dostring(h, "error({})", "=obj") == LUA_ERRRUN);
  CHECK(strstr(rwkvh_errmsg(h), "error object is a table value") != NULL);
  CHECK(lua_gettop(L) == 0);

  /* dofile */
  char path[] = "/tmp/rwkv_test_host_XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  if (fd >= 0) {
    const char *code = "y = (y or 0) + 1\n";
    CHECK(write(fd, code, strlen(code)) == (ssize_t)strlen(code));
    close(fd);
    CHECK(rwkvh_dofile(h, path) == LUA_OK);
    CHECK(rwkvh_dofile(h, path) == LUA_OK);
    CHECK(rwkvh_dostring(h, "assert(y == 2)", NULL) == LUA_OK);
    unlink(path);
  }

  /* register C functions into rwkv */
  CHECK_OK(rwkvh_register(h, "add", c_add, &err), &err);
  CHECK_OK(rwkvh_register(h, "ones", c_ones, &err), &err);
  CHECK_OK(rwkvh_register(h, "sum", c_sum, &err), &err);
  CHECK(rwkvh_dostring(h, "assert(rwkv.add(2, 3) == 5)", NULL) == LUA_OK);
  CHECK(rwkvh_dostring(h, "rwkv.add(2, {})", "=reg") == LUA_ERRRUN);
  CHECK(strstr(rwkvh_errmsg(h), "number expected") != NULL);
  CHECK_ERR(rwkvh_register(h, "bad name", c_add, &err), &err, RWKV_ERR_ARG, "bad name");
  CHECK_ERR(rwkvh_register(h, "9x", c_add, &err), &err, RWKV_ERR_ARG, "9x");
  CHECK_ERR(rwkvh_register(h, NULL, c_add, &err), &err, RWKV_ERR_ARG, "identifier");
  CHECK_ERR(rwkvh_register(h, "f", NULL, &err), &err, RWKV_ERR_ARG, "no function");

  /* vectors from and to C */
  CHECK(rwkvh_dostring(h, "local v = rwkv.ones(5); assert(#v == 5 and v[5] == 1)\n"
                          "assert(rwkv.sum(rwkv.vector{1, 2, 3.5}) == 6.5)", "=vec") == LUA_OK);
  CHECK(rwkvh_dostring(h, "rwkv.sum({1, 2})", "=vec") == LUA_ERRRUN);
  CHECK_MSG(strstr(rwkvh_errmsg(h), "rwkv.vector expected") != NULL, "%s", rwkvh_errmsg(h));
  float data[3] = {1.5f, -2.0f, 4.0f};
  rwkvl_pushvector(L, data, 3);
  size_t n = 0;
  float *p = rwkvl_checkvector(L, -1, &n);
  CHECK(n == 3 && p != data && p[0] == 1.5f && p[2] == 4.0f);
  lua_setglobal(L, "cv");
  CHECK(rwkvh_dostring(h, "assert(cv:argmax() == 3 and tostring(cv) == 'vector(3): [1.5, -2, 4]')", NULL) == LUA_OK);
  lua_pushinteger(L, 1);
  CHECK(rwkvl_tovector(L, -1, &n) == NULL);
  lua_pop(L, 1);

  /* nested calls keep their own errors */
  lua_pushlightuserdata(L, h);
  lua_setfield(L, LUA_REGISTRYINDEX, "test.host");
  CHECK_OK(rwkvh_register(h, "nested", c_nested, &err), &err);
  CHECK(rwkvh_dostring(h, "local st, msg = rwkv.nested(); assert(st ~= 0 and msg:find('nested:1: inner'))", "=outer") == LUA_OK);

  /* interrupts: from running code, and while idle */
  CHECK_OK(rwkvh_register(h, "self_interrupt", c_self_interrupt, &err), &err);
  CHECK(rwkvh_dostring(h, "rwkv.self_interrupt(); local i = 0; while true do i = i + 1 end", "=loop") == LUA_ERRRUN);
  CHECK_MSG(strstr(rwkvh_errmsg(h), "interrupted!") != NULL, "%s", rwkvh_errmsg(h));
  CHECK(rwkvh_dostring(h, "for i = 1, 100000 do end", NULL) == LUA_OK); /* hook gone */
  rwkvh_interrupt(h);
  CHECK(rwkvh_dostring(h, "for i = 1, 100000 do end", NULL) == LUA_OK); /* idle interrupt ignored */
  rwkvh_interrupt(h);
  CHECK(rwkvh_take_interrupt(h) == 1);
  CHECK(rwkvh_take_interrupt(h) == 0);

  /* instruction limit, also inside coroutines and through pcall */
  rwkvh_set_limits(h, 100000, 0);
  CHECK(rwkvh_dostring(h, "for i = 1, 1000 do end", NULL) == LUA_OK);
  CHECK(rwkvh_dostring(h, "while true do end", "=inf") == LUA_ERRRUN);
  CHECK_MSG(strstr(rwkvh_errmsg(h), "instruction limit (100000) exceeded") != NULL, "%s", rwkvh_errmsg(h));
  CHECK(rwkvh_dostring(h, "for i = 1, 1000 do end", NULL) == LUA_OK); /* the count restarts */
  CHECK(rwkvh_dostring(h, "coroutine.wrap(function() while true do end end)()", "=co") == LUA_ERRRUN);
  CHECK(strstr(rwkvh_errmsg(h), "instruction limit") != NULL);
  CHECK(rwkvh_dostring(h, "while true do pcall(function() while true do end end) end", "=pc") == LUA_ERRRUN);
  CHECK(strstr(rwkvh_errmsg(h), "instruction limit") != NULL);
  /* time limit */
  rwkvh_set_limits(h, 0, 0.2);
  CHECK(rwkvh_dostring(h, "while true do end", "=slow") == LUA_ERRRUN);
  CHECK_MSG(strstr(rwkvh_errmsg(h), "time limit") != NULL, "%s", rwkvh_errmsg(h));
  rwkvh_set_limits(h, 0, 0);
  CHECK(rwkvh_dostring(h, "for i = 1, 300000 do end", NULL) == LUA_OK);
  rwkvh_free(h);
  rwkvh_free(NULL);

  /* options: model path, limits from rwkvh_opts, -E equivalent */
  rwkvh_opts o;
  rwkvh_opts_default(&o);
  CHECK(o.device == -1 && o.software == 0 && o.model_path == NULL && o.instruction_limit == 0);
  o.model_path = "/models/x.gguf";
  o.instruction_limit = 50000;
  o.no_env = 1;
  CHECK_OK(rwkvh_new(&o, &h, &err), &err);
  CHECK(rwkvh_dostring(h, "assert(rwkv.model_path == '/models/x.gguf')", NULL) == LUA_OK);
  CHECK(rwkvh_dostring(h, "while true do end", NULL) == LUA_ERRRUN);
  CHECK(strstr(rwkvh_errmsg(h), "instruction limit (50000)") != NULL);
  CHECK(rwkvh_dostring(h, "rwkv.load('x')", NULL) == LUA_ERRRUN);
  CHECK(strstr(rwkvh_errmsg(h), "rwkv.load") != NULL);
  rwkvh_free(h);

  CHECK_ERR(rwkvh_new(NULL, NULL, &err), &err, RWKV_ERR_ARG, "out");
  return test_result("test_host");
}
