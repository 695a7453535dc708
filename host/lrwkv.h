/* lrwkv.h - the `rwkv` Lua module (host/lrwkv.c) and helpers for C code that
 * adds bindings to it.
 *
 * Lua API (for now):
 *   rwkv.version            "0.1.0"
 *   rwkv.model_path         the host's default model path, or nil
 *   rwkv.gpu_info()         table with the rwkv_gpu_info fields (opens the GPU once)
 *   rwkv.tokenizer(path)    world-vocabulary tokenizer: t:tokenize(s) -> {ids},
 *                           t:detokenize({ids} | id) -> string, t:vocab_size()
 *   rwkv.vector(...)        see lvector.h
 *   rwkv.load(...)          reserved for the model binding (engine/rwkv.h)
 *
 * The GPU is opened lazily, once per Lua state, and owned by a userdata in the
 * registry (key RWKVL_GPU_KEY) whose __gc/__close closes it. Because it is
 * created before any model userdata, Lua finalizes it after them. */
#ifndef RWKV_LRWKV_H
#define RWKV_LRWKV_H

#include <lua.h>

#include "gpu.h"
#include "rwkv_error.h"

#define RWKV_LUA_VERSION "0.1.0"             /* rwkv.version, rwkv-lua -v */
#define RWKVL_GPU_KEY "rwkv.gpu"             /* registry: GPU holder userdata */
#define RWKVL_MODEL_PATH_KEY "rwkv.model_path" /* registry: default model path */
#define RWKVL_TOKENIZER "rwkv.tokenizer"      /* tokenizer metatable name */

/* lua_CFunction opening the module (package.preload["rwkv"]). */
int luaopen_rwkv(lua_State *L);

/* GPU options used when the GPU is first opened (before that; ignored after). */
void rwkvl_set_gpu_opts(lua_State *L, const rwkv_gpu_opts *opts);

/* The state's GPU, opened on first use. Raises a Lua error with the engine's
 * message when it cannot be opened (and tries again on the next call). */
rwkv_gpu *rwkvl_gpu(lua_State *L);

/* Raise a Lua error "<what>: <err->msg>" (never returns). */
int rwkvl_error(lua_State *L, const char *what, const rwkv_error *err);

#endif
