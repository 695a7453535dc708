/* lrwkv.c - the `rwkv` Lua module (see lrwkv.h). */
#include "lrwkv.h"

#include <stdint.h>
#include <string.h>

#include <lauxlib.h>

#include "lmodel.h"
#include "lvector.h"
#include "tokenizer.h"

int rwkvl_error(lua_State *L, const char *what, const rwkv_error *err) {
  return luaL_error(L, "%s: %s", what, (err && err->msg[0]) ? err->msg : "unknown error");
}

/* ---- GPU, one per Lua state --------------------------------------------------- */

typedef struct gpu_holder {
  rwkv_gpu *g;
  rwkv_gpu_opts opts;
} gpu_holder;

#define GPU_HOLDER_MT "rwkv.gpu_holder"

static int holder_close(lua_State *L) {
  gpu_holder *h = (gpu_holder *)luaL_checkudata(L, 1, GPU_HOLDER_MT);
  if (h->g) {
    rwkv_gpu_close(h->g);
    h->g = NULL;
  }
  return 0;
}

/* Push the registry's holder, creating it (with default options) if needed. */
static gpu_holder *get_holder(lua_State *L) {
  if (lua_getfield(L, LUA_REGISTRYINDEX, RWKVL_GPU_KEY) == LUA_TUSERDATA)
    return (gpu_holder *)luaL_checkudata(L, -1, GPU_HOLDER_MT);
  lua_pop(L, 1);
  gpu_holder *h = (gpu_holder *)lua_newuserdatauv(L, sizeof *h, 0);
  h->g = NULL;
  h->opts.device = -1;
  h->opts.software = 0;
  if (luaL_newmetatable(L, GPU_HOLDER_MT)) {
    lua_pushcfunction(L, holder_close);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, holder_close);
    lua_setfield(L, -2, "__close");
  }
  lua_setmetatable(L, -2);
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, RWKVL_GPU_KEY);
  return h;
}

void rwkvl_set_gpu_opts(lua_State *L, const rwkv_gpu_opts *opts) {
  gpu_holder *h = get_holder(L);
  if (opts && !h->g) h->opts = *opts;
  lua_pop(L, 1);
}

rwkv_gpu *rwkvl_gpu(lua_State *L) {
  gpu_holder *h = get_holder(L);
  lua_pop(L, 1); /* the registry keeps it alive */
  if (!h->g) {
    rwkv_error err;
    rwkv_error_clear(&err);
    rwkv_gpu *g = NULL;
    if (rwkv_gpu_open(&h->opts, &g, &err) != RWKV_OK) rwkvl_error(L, "rwkv: cannot open the GPU", &err);
    h->g = g;
  }
  return h->g;
}

static void setstr(lua_State *L, const char *k, const char *v) {
  lua_pushstring(L, v);
  lua_setfield(L, -2, k);
}
static void setint(lua_State *L, const char *k, long long v) {
  lua_pushinteger(L, (lua_Integer)v);
  lua_setfield(L, -2, k);
}
static void setbool(lua_State *L, const char *k, int v) {
  lua_pushboolean(L, v);
  lua_setfield(L, -2, k);
}

/* rwkv.gpu_info() -> table of rwkv_gpu_info fields */
static int l_gpu_info(lua_State *L) {
  const rwkv_gpu_info *gi = rwkv_gpu_get_info(rwkvl_gpu(L));
  if (!gi) return luaL_error(L, "rwkv.gpu_info: the GPU has no info");
  lua_createtable(L, 0, 16);
  setstr(L, "platform", gi->platform);
  setstr(L, "device", gi->device);
  setstr(L, "vendor", gi->vendor);
  setstr(L, "renderer", gi->renderer);
  setstr(L, "version", gi->version);
  setstr(L, "glsl", gi->glsl);
  setint(L, "gles_minor", gi->gles_minor);
  setbool(L, "software", gi->software);
  setbool(L, "has_subgroup", gi->has_subgroup);
  setint(L, "subgroup_size", gi->subgroup_size);
  setint(L, "max_shared", gi->max_shared);
  setint(L, "max_invocations", gi->max_invocations);
  setint(L, "max_groups_x", gi->max_groups_x);
  setint(L, "max_ssbo", gi->max_ssbo);
  setint(L, "max_ssbo_bindings", gi->max_ssbo_bindings);
  return 1;
}

/* ---- tokenizer ------------------------------------------------------------------ */

typedef struct tok_ud {
  rwkv_tokenizer *t;
} tok_ud;

static rwkv_tokenizer *checktok(lua_State *L, int idx) {
  tok_ud *u = (tok_ud *)luaL_checkudata(L, idx, RWKVL_TOKENIZER);
  if (!u->t) luaL_error(L, "tokenizer is closed");
  return u->t;
}

static int tok_close(lua_State *L) {
  tok_ud *u = (tok_ud *)luaL_checkudata(L, 1, RWKVL_TOKENIZER);
  if (u->t) {
    rwkv_tokenizer_free(u->t);
    u->t = NULL;
  }
  return 0;
}

/* t:tokenize(s) -> {ids} */
static int tok_tokenize(lua_State *L) {
  rwkv_tokenizer *t = checktok(L, 1);
  size_t len = 0;
  const char *s = luaL_checklstring(L, 2, &len);
  if (len > (size_t)INT32_MAX) return luaL_error(L, "tokenize: text of %I bytes is too long", (lua_Integer)len);
  /* scratch in a userdata so a Lua error cannot leak it */
  int32_t *ids = (int32_t *)lua_newuserdatauv(L, (len ? len : 1) * sizeof(int32_t), 0);
  size_t n = 0;
  rwkv_error err;
  rwkv_error_clear(&err);
  if (rwkv_tokenize(t, s, len, ids, &n, &err) != RWKV_OK) return rwkvl_error(L, "tokenize", &err);
  if (n > len) return luaL_error(L, "tokenize: tokenizer returned %I ids for %I bytes", (lua_Integer)n, (lua_Integer)len);
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    lua_pushinteger(L, ids[i]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

static int32_t checkid(lua_State *L, int idx, lua_Integer pos) {
  int isint = 0;
  lua_Integer v = lua_tointegerx(L, idx, &isint);
  if (!isint) {
    if (pos) luaL_error(L, "detokenize: element %I is a %s, not an integer token id", pos, luaL_typename(L, idx));
    else luaL_error(L, "detokenize: token id must be an integer, got %s", luaL_typename(L, idx));
  }
  if (v < INT32_MIN || v > INT32_MAX) luaL_error(L, "detokenize: token id %I out of range", v);
  return (int32_t)v;
}

/* t:detokenize({ids} | id) -> string */
static int tok_detokenize(lua_State *L) {
  rwkv_tokenizer *t = checktok(L, 1);
  size_t n = 0;
  int32_t one = 0, *ids = &one;
  if (lua_type(L, 2) == LUA_TNUMBER) {
    one = checkid(L, 2, 0);
    n = 1;
  } else {
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_Integer len = luaL_len(L, 2);
    if (len < 0 || len > INT32_MAX) return luaL_error(L, "detokenize: bad table length %I", len);
    n = (size_t)len;
    ids = (int32_t *)lua_newuserdatauv(L, (n ? n : 1) * sizeof(int32_t), 0);
    for (size_t i = 0; i < n; i++) {
      lua_geti(L, 2, (lua_Integer)i + 1);
      ids[i] = checkid(L, -1, (lua_Integer)i + 1);
      lua_pop(L, 1);
    }
  }
  size_t cap = n * 8 + 16, out_len = 0;
  rwkv_error err;
  for (int attempt = 0; attempt < 2; attempt++) {
    char *out = (char *)lua_newuserdatauv(L, cap, 0);
    rwkv_error_clear(&err);
    out_len = 0;
    int rc = rwkv_detokenize(t, ids, n, out, cap, &out_len, &err);
    if (rc == RWKV_OK) {
      if (out_len > cap) return luaL_error(L, "detokenize: tokenizer reported %I bytes for a %I-byte buffer", (lua_Integer)out_len, (lua_Integer)cap);
      lua_pushlstring(L, out, out_len);
      return 1;
    }
    if (rc != RWKV_ERR_ARG || out_len <= cap) break; /* a real error, not "buffer too small" */
    lua_pop(L, 1);
    cap = out_len;
  }
  return rwkvl_error(L, "detokenize", &err);
}

static int tok_vocab_size(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)rwkv_tokenizer_vocab_size(checktok(L, 1)));
  return 1;
}

static int tok_tostring(lua_State *L) {
  tok_ud *u = (tok_ud *)luaL_checkudata(L, 1, RWKVL_TOKENIZER);
  if (u->t) lua_pushfstring(L, "rwkv.tokenizer(%I tokens)", (lua_Integer)rwkv_tokenizer_vocab_size(u->t));
  else lua_pushliteral(L, "rwkv.tokenizer(closed)");
  return 1;
}

static const luaL_Reg tok_methods[] = {{"tokenize", tok_tokenize},
                                       {"detokenize", tok_detokenize},
                                       {"vocab_size", tok_vocab_size},
                                       {"close", tok_close},
                                       {NULL, NULL}};

/* rwkv.tokenizer(vocab_path) -> tokenizer */
static int l_tokenizer(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  tok_ud *u = (tok_ud *)lua_newuserdatauv(L, sizeof *u, 0);
  u->t = NULL;
  if (luaL_newmetatable(L, RWKVL_TOKENIZER)) {
    lua_pushcfunction(L, tok_close);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, tok_close);
    lua_setfield(L, -2, "__close");
    lua_pushcfunction(L, tok_tostring);
    lua_setfield(L, -2, "__tostring");
    luaL_newlib(L, tok_methods);
    lua_setfield(L, -2, "__index");
  }
  lua_setmetatable(L, -2);
  rwkv_error err;
  rwkv_error_clear(&err);
  if (rwkv_tokenizer_load_vocab(path, &u->t, &err) != RWKV_OK) {
    u->t = NULL;
    return rwkvl_error(L, "rwkv.tokenizer", &err);
  }
  return 1;
}

/* ---- models: host/lmodel.c adds rwkv.load, rwkv.load_state, rwkv.default_model ---- */

static const luaL_Reg funcs[] = {{"gpu_info", l_gpu_info},
                                 {"tokenizer", l_tokenizer},
                                 {NULL, NULL}};

int luaopen_rwkv(lua_State *L) {
  luaL_newlib(L, funcs);
  lua_pushliteral(L, RWKV_LUA_VERSION);
  lua_setfield(L, -2, "version");
  lua_getfield(L, LUA_REGISTRYINDEX, RWKVL_MODEL_PATH_KEY);
  lua_setfield(L, -2, "model_path");
  rwkvl_open_vector(L);
  lua_setfield(L, -2, "vector");
  rwkvl_open_model(L);
  return 1;
}
