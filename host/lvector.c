/* lvector.c - the rwkv.vector userdata (see lvector.h). */
#include "lvector.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include <lauxlib.h>

typedef struct vec {
  size_t n;
  float v[]; /* n floats follow, inside the same userdata block */
} vec;

/* Longest vector whose block size still fits in size_t / lua allocation. */
#define VEC_MAX ((SIZE_MAX - sizeof(vec)) / sizeof(float) / 2)

static void push_meta(lua_State *L);

static vec *newvec(lua_State *L, size_t n) {
  if (n > VEC_MAX) luaL_error(L, "rwkv.vector: length %I is too large", (lua_Integer)n);
  vec *v = (vec *)lua_newuserdatauv(L, sizeof(vec) + n * sizeof(float), 0);
  v->n = n;
  if (n) memset(v->v, 0, n * sizeof(float));
  push_meta(L);
  lua_setmetatable(L, -2);
  return v;
}

static vec *checkvec(lua_State *L, int idx) {
  return (vec *)luaL_checkudata(L, idx, RWKVL_VECTOR);
}

void rwkvl_pushvector(lua_State *L, const float *data, size_t n) {
  vec *v = newvec(L, n);
  if (data && n) memcpy(v->v, data, n * sizeof(float));
}

float *rwkvl_newvector(lua_State *L, size_t n) { return newvec(L, n)->v; }

float *rwkvl_checkvector(lua_State *L, int idx, size_t *n) {
  vec *v = checkvec(L, idx);
  if (n) *n = v->n;
  return v->v;
}

float *rwkvl_tovector(lua_State *L, int idx, size_t *n) {
  vec *v = (vec *)luaL_testudata(L, idx, RWKVL_VECTOR);
  if (!v) return NULL;
  if (n) *n = v->n;
  return v->v;
}

/* 1-based index argument at idx, checked against the length. */
static size_t checkindex(lua_State *L, const vec *v, int idx) {
  int isint = 0;
  lua_Integer i = lua_tointegerx(L, idx, &isint);
  if (!isint) {
    return (size_t)luaL_error(L, "vector index must be an integer, got %s",
                              lua_isnumber(L, idx) ? "a non-integral number" : luaL_typename(L, idx));
  }
  if (i < 1 || (lua_Unsigned)i > (lua_Unsigned)v->n)
    return (size_t)luaL_error(L, "vector index %I out of range (length %I)", i, (lua_Integer)v->n);
  return (size_t)(i - 1);
}

static void checksame(lua_State *L, const vec *a, const vec *b, const char *what) {
  if (a->n != b->n)
    luaL_error(L, "vector:%s: length mismatch (%I vs %I)", what, (lua_Integer)a->n,
               (lua_Integer)b->n);
}

/* ---- metamethods ---------------------------------------------------------- */

static int v_len(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)checkvec(L, 1)->n);
  return 1;
}

static int v_index(lua_State *L) {
  vec *v = checkvec(L, 1);
  if (lua_type(L, 2) == LUA_TNUMBER) {
    lua_pushnumber(L, (lua_Number)v->v[checkindex(L, v, 2)]);
    return 1;
  }
  /* methods live in the metatable's "methods" table, upvalue 1 */
  lua_pushvalue(L, 2);
  lua_rawget(L, lua_upvalueindex(1));
  return 1;
}

static int v_newindex(lua_State *L) {
  vec *v = checkvec(L, 1);
  if (lua_type(L, 2) != LUA_TNUMBER)
    return luaL_error(L, "vector index must be an integer, got %s", luaL_typename(L, 2));
  size_t i = checkindex(L, v, 2);
  v->v[i] = (float)luaL_checknumber(L, 3);
  return 0;
}

static void fmtnum(luaL_Buffer *b, float x) {
  char tmp[48];
  snprintf(tmp, sizeof tmp, "%.6g", (double)x);
  luaL_addstring(b, tmp);
}

/* "vector(3): [0.1, 0.2, 0.3]"; long vectors show the first 6 and last 2. */
static int v_tostring(lua_State *L) {
  vec *v = checkvec(L, 1);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  char head[64];
  snprintf(head, sizeof head, "vector(%zu): [", v->n);
  luaL_addstring(&b, head);
  const size_t first = 6, last = 2;
  for (size_t i = 0; i < v->n; i++) {
    if (v->n > first + last + 1 && i == first) {
      luaL_addstring(&b, ", ...");
      i = v->n - last - 1;
      continue;
    }
    if (i) luaL_addstring(&b, ", ");
    fmtnum(&b, v->v[i]);
  }
  luaL_addchar(&b, ']');
  luaL_pushresult(&b);
  return 1;
}

/* ---- methods ---------------------------------------------------------------- */

static int m_totable(lua_State *L) {
  vec *v = checkvec(L, 1);
  if (v->n > (size_t)INT32_MAX) return luaL_error(L, "vector:totable: vector too long");
  lua_createtable(L, (int)v->n, 0);
  for (size_t i = 0; i < v->n; i++) {
    lua_pushnumber(L, (lua_Number)v->v[i]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

static double dot(const vec *a, const vec *b) {
  double s = 0.0;
  for (size_t i = 0; i < a->n; i++) s += (double)a->v[i] * (double)b->v[i];
  return s;
}

static int m_dot(lua_State *L) {
  vec *a = checkvec(L, 1), *b = checkvec(L, 2);
  checksame(L, a, b, "dot");
  lua_pushnumber(L, dot(a, b));
  return 1;
}

static int m_norm(lua_State *L) {
  vec *a = checkvec(L, 1);
  lua_pushnumber(L, sqrt(dot(a, a)));
  return 1;
}

/* cos = a.b / (|a| |b|); 0 when either vector is all zeros. */
static int m_cosine(lua_State *L) {
  vec *a = checkvec(L, 1), *b = checkvec(L, 2);
  checksame(L, a, b, "cosine");
  double na = sqrt(dot(a, a)), nb = sqrt(dot(b, b));
  lua_pushnumber(L, (na == 0.0 || nb == 0.0) ? 0.0 : dot(a, b) / (na * nb));
  return 1;
}

/* x ranks above y: larger value first, NaN below everything, ties by lower index. */
static int above(float x, size_t ix, float y, size_t iy) {
  int xn = isnan(x), yn = isnan(y);
  if (xn != yn) return yn;
  if (!xn && x != y) return x > y;
  return ix < iy;
}

/* 1-based index of the largest element (first one on ties); nil for an empty vector. */
static int m_argmax(lua_State *L) {
  vec *v = checkvec(L, 1);
  if (v->n == 0) {
    lua_pushnil(L);
    return 1;
  }
  size_t best = 0;
  for (size_t i = 1; i < v->n; i++)
    if (above(v->v[i], i, v->v[best], best)) best = i;
  lua_pushinteger(L, (lua_Integer)best + 1);
  return 1;
}

/* topk(k) -> {indices}, {values}, sorted descending; k is clamped to [0, #v].
 * Keeps a sorted list of the best k seen so far (insertion); each element
 * costs one comparison unless it enters the list. */
static int m_topk(lua_State *L) {
  vec *v = checkvec(L, 1);
  lua_Integer k = luaL_checkinteger(L, 2);
  if (k < 0) k = 0;
  if ((lua_Unsigned)k > (lua_Unsigned)v->n) k = (lua_Integer)v->n;
  if (k > INT32_MAX) return luaL_error(L, "vector:topk: k too large");
  size_t *idx = (size_t *)lua_newuserdatauv(L, (size_t)k * sizeof(size_t) + 1, 0);
  size_t have = 0;
  for (size_t i = 0; i < v->n && k > 0; i++) {
    if (have == (size_t)k && !above(v->v[i], i, v->v[idx[have - 1]], idx[have - 1])) continue;
    size_t pos = have < (size_t)k ? have++ : have - 1;
    while (pos > 0 && above(v->v[i], i, v->v[idx[pos - 1]], idx[pos - 1])) {
      idx[pos] = idx[pos - 1];
      pos--;
    }
    idx[pos] = i;
  }
  lua_createtable(L, (int)k, 0);
  lua_createtable(L, (int)k, 0);
  for (size_t j = 0; j < have; j++) {
    lua_pushinteger(L, (lua_Integer)idx[j] + 1);
    lua_rawseti(L, -3, (lua_Integer)j + 1);
    lua_pushnumber(L, (lua_Number)v->v[idx[j]]);
    lua_rawseti(L, -2, (lua_Integer)j + 1);
  }
  return 2;
}

/* slice(i [, j]) -> new vector of elements i..j, with string.sub's rules:
 * negative indices count from the end, j defaults to -1, out-of-range ends
 * are clamped, an empty range gives an empty vector. */
static int m_slice(lua_State *L) {
  vec *v = checkvec(L, 1);
  lua_Integer n = (lua_Integer)v->n;
  lua_Integer i = luaL_checkinteger(L, 2);
  lua_Integer j = luaL_optinteger(L, 3, -1);
  if (i < 0) i = (i < -n) ? 1 : n + i + 1;
  else if (i == 0) i = 1;
  if (j < 0) j = (j < -n) ? 0 : n + j + 1;
  else if (j > n) j = n;
  if (i > j) {
    newvec(L, 0);
    return 1;
  }
  rwkvl_pushvector(L, v->v + (i - 1), (size_t)(j - i + 1));
  return 1;
}

static const luaL_Reg methods[] = {
  {"totable", m_totable}, {"dot", m_dot},   {"cosine", m_cosine}, {"norm", m_norm},
  {"argmax", m_argmax},   {"topk", m_topk}, {"slice", m_slice},   {NULL, NULL}};

static void push_meta(lua_State *L) {
  if (luaL_newmetatable(L, RWKVL_VECTOR)) {
    lua_pushcfunction(L, v_len);
    lua_setfield(L, -2, "__len");
    lua_pushcfunction(L, v_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushcfunction(L, v_newindex);
    lua_setfield(L, -2, "__newindex");
    luaL_newlib(L, methods);
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, "methods");
    lua_pushcclosure(L, v_index, 1);
    lua_setfield(L, -2, "__index");
  }
}

/* rwkv.vector(n | table | vector) */
static int l_vector(lua_State *L) {
  switch (lua_type(L, 1)) {
  case LUA_TNUMBER: {
    int isint = 0;
    lua_Integer n = lua_tointegerx(L, 1, &isint);
    if (!isint || n < 0)
      return luaL_argerror(L, 1, "length must be a non-negative integer");
    newvec(L, (size_t)n);
    return 1;
  }
  case LUA_TTABLE: {
    lua_Integer n = luaL_len(L, 1);
    if (n < 0) return luaL_argerror(L, 1, "table has a negative length");
    vec *v = newvec(L, (size_t)n);
    for (lua_Integer i = 1; i <= n; i++) {
      lua_geti(L, 1, i);
      int ok = 0;
      lua_Number x = lua_tonumberx(L, -1, &ok);
      if (!ok)
        return luaL_error(L, "rwkv.vector: element %I is a %s, not a number", i,
                          luaL_typename(L, -1));
      v->v[i - 1] = (float)x;
      lua_pop(L, 1);
    }
    return 1;
  }
  case LUA_TUSERDATA: {
    size_t n = 0;
    float *src = rwkvl_tovector(L, 1, &n);
    if (src) {
      float *dst = rwkvl_newvector(L, n);
      if (n) memcpy(dst, rwkvl_tovector(L, 1, NULL), n * sizeof(float));
      return 1;
    }
    break;
  }
  default:
    break;
  }
  return luaL_typeerror(L, 1, "number, table or vector");
}

void rwkvl_open_vector(lua_State *L) {
  push_meta(L);
  lua_pop(L, 1);
  lua_pushcfunction(L, l_vector);
}
