/* lmodel.h - models, states, forward, embeddings and generation in the `rwkv`
 * Lua module (host/lmodel.c; the Lua API is docs/LUA_API.md).
 *
 * Lifetimes: a state or generator keeps its model userdata alive (uservalue);
 * the model tracks its live states and generators so that model:close() (or
 * its __gc) frees them on the GPU before the model itself. Later use of a
 * closed model or of its states raises "model is closed" / "state is closed". */
#ifndef RWKV_LMODEL_H
#define RWKV_LMODEL_H

#include <lua.h>

#define RWKVL_MODEL "rwkv.model"         /* metatable names */
#define RWKVL_STATE "rwkv.state"
#define RWKVL_GENERATOR "rwkv.generator"

/* Add rwkv.load, rwkv.load_state and rwkv.default_model to the module table on
 * top of the stack. */
void rwkvl_open_model(lua_State *L);

/* Path of the shipped tiny model: <exe dir>/../share/rwkv-lua/models/... when
 * installed, else the source tree's models/ folder. Writes at most cap bytes. */
void rwkvl_default_model_path(char *out, size_t cap);

#endif
