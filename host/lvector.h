/* lvector.h - the `rwkv.vector` Lua type: one contiguous float32 buffer.
 *
 * A vector is a full userdata whose memory holds its length followed by the
 * floats themselves (lua_newuserdatauv), so there is no second allocation and
 * the garbage collector frees everything at once. Lua sees 1-based indices.
 *
 * From Lua:
 *   rwkv.vector(n | {x1, x2, ...} | vector)   zeros, values or a copy
 *   #v, v[i], v[i] = x                        out-of-range i raises an error
 *   v:totable() v:dot(w) v:cosine(w) v:norm() v:argmax() v:topk(k) v:slice(i [, j])
 *   tostring(v)                               "vector(3): [0.1, 0.2, 0.3]"
 * Sums run in double. Mismatched lengths raise an error naming both lengths. */
#ifndef RWKV_LVECTOR_H
#define RWKV_LVECTOR_H

#include <stddef.h>

#include <lua.h>

/* Metatable name (luaL_checkudata). */
#define RWKVL_VECTOR "rwkv.vector"

/* Push a new vector holding a copy of data[0..n) (data may be NULL: zeros).
 * Raises a Lua memory error when the allocation fails. */
void rwkvl_pushvector(lua_State *L, const float *data, size_t n);

/* Push a new zero vector of n floats and return its buffer, for C code that
 * fills it in place (e.g. logits). The pointer stays valid while the vector
 * is reachable from Lua. */
float *rwkvl_newvector(lua_State *L, size_t n);

/* The floats of the vector at stack index idx (a Lua argument error if it is
 * not a vector); *n receives the length (n may be NULL). */
float *rwkvl_checkvector(lua_State *L, int idx, size_t *n);

/* Like rwkvl_checkvector but returns NULL (and leaves *n alone) when the value
 * is not a vector. */
float *rwkvl_tovector(lua_State *L, int idx, size_t *n);

/* Register the metatable (idempotent) and push the constructor function
 * `rwkv.vector`. Called by luaopen_rwkv. */
void rwkvl_open_vector(lua_State *L);

#endif
