/* lmodel.c - models, states, forward, embeddings and generation for the `rwkv`
 * Lua module (see lmodel.h and docs/LUA_API.md).
 *
 * Ownership: each model, state and generator is a full userdata whose __gc
 * and __close release the engine object. States and generators hold their
 * model in uservalue 1 (so the model outlives them) and are linked into the
 * model's intrusive list of children, so model:close() frees every one of
 * them (rwkv_gen_free, rwkv_state_free) before rwkv_model_free. Scratch
 * memory (token ids, output floats) lives in userdata on the Lua stack so a
 * Lua error never leaks it; temporary states are state userdata for the same
 * reason.
 *
 * Greedy generation picks the next token on the GPU from the model's last
 * logits (generate.h), so another forward on the same model between two
 * pieces of a greedy generator would pick from the wrong logits: the model
 * counts its passes (epoch) and such a generator refuses to go on. */
#include "lmodel.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lauxlib.h>

#include "generate.h"
#include "lrwkv.h"
#include "lvector.h"
#include "rwkv.h"
#include "sample.h"

#define DEFAULT_MODEL_FILE "tiny-rwkv7-834K-F32.gguf"

/* Limits checked before any allocation (clear errors for absurd requests). */
#define MAX_TOKENS ((lua_Integer)1 << 24)        /* ids in one request */
#define MAX_TEXT ((size_t)1 << 26)               /* bytes of text to tokenize */
#define MAX_OUT_BYTES ((uint64_t)1 << 30)        /* floats handed back by one call */
#define MAX_BATCH ((lua_Integer)1 << 20)         /* embed_batch items */
#define BATCH_STATE_BYTES ((uint64_t)256 << 20)  /* GPU states per embed_batch pass */
#define MAX_BATCH_GROUP 256

enum { CHILD_STATE = 1, CHILD_GEN = 2 };

typedef struct child {
  struct child *prev, *next;
  int kind;
} child;

typedef struct model_ud {
  rwkv_model *m;
  child head;     /* sentinel of the children list */
  uint64_t epoch; /* forward passes run through this binding */
  uint32_t n_vocab, n_embd;
  size_t state_floats;
} model_ud;

typedef struct state_ud {
  child link; /* first member: a child * is a state_ud * */
  rwkv_state *s;
  model_ud *owner;
} state_ud;

typedef struct gen_ud {
  child link;
  rwkv_gen *g;
  model_ud *owner;
  state_ud *st;
  uint64_t epoch; /* owner's epoch after this generator's last pass */
  int greedy;
  int reason; /* kept once g is freed */
  size_t count;
  int32_t last;
  int closed;
} gen_ud;

/* ---- small helpers ------------------------------------------------------------ */

static void link_child(model_ud *mu, child *c, int kind) {
  c->kind = kind;
  c->next = mu->head.next;
  c->prev = &mu->head;
  mu->head.next->prev = c;
  mu->head.next = c;
}

static void unlink_child(child *c) {
  if (c->prev) {
    c->prev->next = c->next;
    c->next->prev = c->prev;
  }
  c->prev = c->next = NULL;
}

static int fail(lua_State *L, const char *what, rwkv_error *err) { return rwkvl_error(L, what, err); }

/* Make the model's GPU context current: the engine's state calls (state.c)
 * and rwkv_gpu_argmax use whatever context is current, and models loaded with
 * device/software options have contexts of their own. */
static void make_current(lua_State *L, model_ud *mu) {
  rwkv_error err;
  rwkv_error_clear(&err);
  if (rwkv_gpu_make_current(rwkv_model_gpu(mu->m), &err) != RWKV_OK) fail(L, "rwkv", &err);
}

static model_ud *checkmodel(lua_State *L, int idx) {
  model_ud *mu = (model_ud *)luaL_checkudata(L, idx, RWKVL_MODEL);
  if (!mu->m) luaL_error(L, "model is closed");
  make_current(L, mu);
  return mu;
}

static state_ud *checkstate(lua_State *L, int idx) {
  state_ud *su = (state_ud *)luaL_checkudata(L, idx, RWKVL_STATE);
  if (!su->s) luaL_error(L, "state is closed%s", su->owner && !su->owner->m ? " (its model is closed)" : "");
  make_current(L, su->owner);
  return su;
}

/* Reject keys of an options table that are not in allowed (catches typos). */
static void check_keys(lua_State *L, int idx, const char *what, const char *const *allowed) {
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "%s: option keys must be strings, got %s", what, luaL_typename(L, -1));
    const char *k = lua_tostring(L, -1);
    int ok = 0;
    for (size_t i = 0; allowed[i]; i++)
      if (strcmp(k, allowed[i]) == 0) ok = 1;
    if (!ok) luaL_error(L, "%s: unknown option '%s'", what, k);
  }
}

/* opts[key] as an integer in [lo, hi] (def when absent). */
static lua_Integer opt_int(lua_State *L, int idx, const char *key, lua_Integer def, lua_Integer lo, lua_Integer hi,
                           const char *what) {
  if (idx == 0) return def;
  lua_Integer v = def;
  int t = lua_getfield(L, idx, key);
  if (t != LUA_TNIL) {
    int isint = 0;
    v = t == LUA_TNUMBER ? lua_tointegerx(L, -1, &isint) : 0;
    if (!isint) luaL_error(L, "%s: option %s must be an integer, got %s", what, key,
                           t == LUA_TNUMBER ? "a non-integral number" : luaL_typename(L, -1));
    if (v < lo || v > hi) luaL_error(L, "%s: option %s is %I, must be in [%I, %I]", what, key, v, lo, hi);
  }
  lua_pop(L, 1);
  return v;
}

static double opt_num(lua_State *L, int idx, const char *key, double def, const char *what) {
  if (idx == 0) return def;
  double v = def;
  int t = lua_getfield(L, idx, key);
  if (t != LUA_TNIL) {
    if (t != LUA_TNUMBER) luaL_error(L, "%s: option %s must be a number, got %s", what, key, luaL_typename(L, -1));
    v = lua_tonumber(L, -1);
    if (v != v) luaL_error(L, "%s: option %s is NaN", what, key);
  }
  lua_pop(L, 1);
  return v;
}

/* The options table argument (0 when absent). */
static int opts_arg(lua_State *L, int idx) {
  if (lua_isnoneornil(L, idx)) return 0;
  luaL_checktype(L, idx, LUA_TTABLE);
  return lua_absindex(L, idx);
}

/* Token ids from the value at idx: a string (tokenized with the model's
 * tokenizer), a table of integer ids or one integer id. Pushes a scratch
 * userdata holding them and returns its ids; *n receives the count (>= 1). */
static int32_t *get_ids(lua_State *L, model_ud *mu, int idx, const char *what, uint32_t limit, size_t *n) {
  idx = lua_absindex(L, idx);
  int t = lua_type(L, idx);
  if (t == LUA_TSTRING) {
    size_t len = 0;
    const char *s = lua_tolstring(L, idx, &len);
    if (len == 0) luaL_error(L, "%s: empty input (no tokens)", what);
    if (len > MAX_TEXT) luaL_error(L, "%s: text of %I bytes is too long (at most %I)", what, (lua_Integer)len, (lua_Integer)MAX_TEXT);
    const rwkv_tokenizer *tok = rwkv_model_tokenizer(mu->m);
    if (!tok) luaL_error(L, "%s: the model has no tokenizer; pass token ids", what);
    int32_t *ids = (int32_t *)lua_newuserdatauv(L, len * sizeof(int32_t), 0);
    rwkv_error err;
    rwkv_error_clear(&err);
    if (rwkv_tokenize(tok, s, len, ids, n, &err) != RWKV_OK) fail(L, what, &err);
    if (*n == 0 || *n > len) luaL_error(L, "%s: the tokenizer returned %I ids for %I bytes", what, (lua_Integer)*n, (lua_Integer)len);
    for (size_t i = 0; i < *n; i++)
      if (ids[i] < 0 || (uint32_t)ids[i] >= limit)
        luaL_error(L, "%s: token %d of the text is outside the model's vocabulary [0, %d)", what, (int)ids[i], (int)limit);
    return ids;
  }
  if (t == LUA_TNUMBER) {
    int isint = 0;
    lua_Integer v = lua_tointegerx(L, idx, &isint);
    if (!isint) luaL_error(L, "%s: token id must be an integer, got a non-integral number", what);
    if (v < 0 || v >= (lua_Integer)limit) luaL_error(L, "%s: token id %I is outside the vocabulary [0, %d)", what, v, (int)limit);
    int32_t *ids = (int32_t *)lua_newuserdatauv(L, sizeof(int32_t), 0);
    ids[0] = (int32_t)v;
    *n = 1;
    return ids;
  }
  if (t != LUA_TTABLE) luaL_error(L, "%s: text, table of token ids or token id expected, got %s", what, luaL_typename(L, idx));
  lua_Integer len = luaL_len(L, idx);
  if (len <= 0) luaL_error(L, "%s: empty input (no tokens)", what);
  if (len > MAX_TOKENS)
    luaL_error(L, "%s: %I tokens in one request is too many (at most %I)", what, len, MAX_TOKENS);
  int32_t *ids = (int32_t *)lua_newuserdatauv(L, (size_t)len * sizeof(int32_t), 0);
  for (lua_Integer i = 1; i <= len; i++) {
    int et = lua_geti(L, idx, i);
    int isint = 0;
    lua_Integer v = et == LUA_TNUMBER ? lua_tointegerx(L, -1, &isint) : 0;
    if (!isint)
      luaL_error(L, "%s: element %I is %s, not an integer token id", what, i,
                 et == LUA_TNUMBER ? "a non-integral number" : luaL_typename(L, -1));
    if (v < 0 || v >= (lua_Integer)limit)
      luaL_error(L, "%s: element %I is token id %I, outside the vocabulary [0, %d)", what, i, v, (int)limit);
    ids[i - 1] = (int32_t)v;
    lua_pop(L, 1);
  }
  *n = (size_t)len;
  return ids;
}

/* ---- states -------------------------------------------------------------------- */

static void state_release(state_ud *su) {
  if (su->s) {
    rwkv_state_free(su->s);
    su->s = NULL;
  }
  unlink_child(&su->link);
}

static int state_gc(lua_State *L) {
  state_release((state_ud *)luaL_checkudata(L, 1, RWKVL_STATE));
  return 0;
}

/* Push an empty state userdata of the model at index midx; the caller fills
 * su->s and then links it (link_state). */
static state_ud *push_state(lua_State *L, int midx) {
  midx = lua_absindex(L, midx);
  state_ud *su = (state_ud *)lua_newuserdatauv(L, sizeof *su, 1);
  memset(su, 0, sizeof *su);
  luaL_setmetatable(L, RWKVL_STATE);
  lua_pushvalue(L, midx);
  lua_setiuservalue(L, -2, 1);
  return su;
}

static void link_state(model_ud *mu, state_ud *su) {
  su->owner = mu;
  link_child(mu, &su->link, CHILD_STATE);
}

/* A new zero state of the model at midx, pushed. */
static state_ud *new_state(lua_State *L, int midx, const char *what) {
  model_ud *mu = checkmodel(L, midx);
  state_ud *su = push_state(L, midx);
  rwkv_error err;
  rwkv_error_clear(&err);
  rwkv_state *s = NULL;
  if (rwkv_state_new(mu->m, &s, &err) != RWKV_OK) fail(L, what, &err);
  su->s = s;
  link_state(mu, su);
  return su;
}

static int m_state(lua_State *L) {
  new_state(L, 1, "model:state");
  return 1;
}

static int s_clone(lua_State *L) {
  state_ud *su = checkstate(L, 1);
  lua_getiuservalue(L, 1, 1);
  state_ud *c = push_state(L, -1);
  rwkv_error err;
  rwkv_error_clear(&err);
  rwkv_state *s = NULL;
  if (rwkv_state_clone(su->s, &s, &err) != RWKV_OK) fail(L, "state:clone", &err);
  c->s = s;
  link_state(su->owner, c);
  return 1;
}

static int s_reset(lua_State *L) {
  state_ud *su = checkstate(L, 1);
  rwkv_error err;
  rwkv_error_clear(&err);
  if (rwkv_state_reset(su->s, &err) != RWKV_OK) fail(L, "state:reset", &err);
  lua_settop(L, 1);
  return 1;
}

static int s_copy_from(lua_State *L) {
  state_ud *dst = checkstate(L, 1);
  state_ud *src = checkstate(L, 2);
  if (dst->owner != src->owner) return luaL_error(L, "state:copy_from: the states belong to different models");
  rwkv_error err;
  rwkv_error_clear(&err);
  if (dst != src && rwkv_state_copy(dst->s, src->s, &err) != RWKV_OK) fail(L, "state:copy_from", &err);
  lua_settop(L, 1);
  return 1;
}

static int s_vector(lua_State *L) {
  state_ud *su = checkstate(L, 1);
  size_t n = su->owner->state_floats;
  float *dst = rwkvl_newvector(L, n);
  rwkv_error err;
  rwkv_error_clear(&err);
  if (rwkv_state_read(su->s, dst, n, &err) != RWKV_OK) fail(L, "state:vector", &err);
  return 1;
}

static int s_set(lua_State *L) {
  state_ud *su = checkstate(L, 1);
  size_t n = 0;
  const float *src = rwkvl_checkvector(L, 2, &n);
  if (n != su->owner->state_floats)
    return luaL_error(L, "state:set: the vector has %I floats, the state needs %I", (lua_Integer)n,
                      (lua_Integer)su->owner->state_floats);
  rwkv_error err;
  rwkv_error_clear(&err);
  if (rwkv_state_write(su->s, src, n, &err) != RWKV_OK) fail(L, "state:set", &err);
  lua_settop(L, 1);
  return 1;
}

static int s_save(lua_State *L) {
  state_ud *su = checkstate(L, 1);
  const char *path = luaL_checkstring(L, 2);
  rwkv_error err;
  rwkv_error_clear(&err);
  if (rwkv_state_save(su->s, path, &err) != RWKV_OK) fail(L, "state:save", &err);
  lua_settop(L, 1);
  return 1;
}

static int s_close(lua_State *L) {
  state_release((state_ud *)luaL_checkudata(L, 1, RWKVL_STATE));
  return 0;
}

static int s_size(lua_State *L) {
  state_ud *su = checkstate(L, 1);
  lua_pushinteger(L, (lua_Integer)su->owner->state_floats);
  return 1;
}

static int s_index(lua_State *L) {
  const char *k = lua_tostring(L, 2);
  if (k && strcmp(k, "model") == 0) {
    lua_getiuservalue(L, 1, 1);
    return 1;
  }
  lua_pushvalue(L, 2);
  lua_rawget(L, lua_upvalueindex(1));
  return 1;
}

static int s_tostring(lua_State *L) {
  state_ud *su = (state_ud *)luaL_checkudata(L, 1, RWKVL_STATE);
  if (su->s) lua_pushfstring(L, "rwkv.state(%I floats)", (lua_Integer)su->owner->state_floats);
  else lua_pushliteral(L, "rwkv.state(closed)");
  return 1;
}

/* rwkv.load_state(model, path) -> state */
/* Progress lines on stderr (only when it is a terminal): model load by bytes,
 * long prefills by tokens; each overwrites the last and is cleared at the end. */
static void load_progress(void *ud, uint64_t done, uint64_t total) {
  (void)ud;
  if (total) fprintf(stderr, "\r\033[Kloading model: %3d%%", (int)(100 * done / total));
}

static void prefill_progress(void *ud, uint64_t done, uint64_t total) {
  (void)ud;
  if (done < total) fprintf(stderr, "\r\033[Kprefill: %llu/%llu tokens", (unsigned long long)done,
                            (unsigned long long)total);
  else fputs("\r\033[K", stderr);
}

static int l_load_state(lua_State *L) {
  model_ud *mu = checkmodel(L, 1);
  const char *path = luaL_checkstring(L, 2);
  state_ud *su = push_state(L, 1);
  rwkv_error err;
  rwkv_error_clear(&err);
  rwkv_state *s = NULL;
  if (rwkv_state_load(mu->m, path, &s, &err) != RWKV_OK) fail(L, "rwkv.load_state", &err);
  su->s = s;
  link_state(mu, su);
  return 1;
}

/* ---- generators ------------------------------------------------------------------ */

static void gen_release(gen_ud *gu) {
  if (gu->g) {
    gu->reason = rwkv_gen_reason(gu->g);
    gu->count = rwkv_gen_count(gu->g);
    gu->last = rwkv_gen_last_token(gu->g);
    /* a closed state is gone: free without rewinding it */
    if (gu->st && gu->st->s) rwkv_gen_free(gu->g);
    else rwkv_gen_free_detached(gu->g);
    gu->g = NULL;
  }
  unlink_child(&gu->link);
}

static int gen_gc(lua_State *L) {
  gen_ud *gu = (gen_ud *)luaL_checkudata(L, 1, RWKVL_GENERATOR);
  gen_release(gu);
  gu->closed = 1;
  return 0;
}

static const char *reason_name(int r) {
  switch (r) {
  case RWKV_GEN_MAX_TOKENS: return "max_tokens";
  case RWKV_GEN_STOP_TOKEN: return "stop_token";
  case RWKV_GEN_STOP_STRING: return "stop_string";
  case RWKV_GEN_EOS: return "eos";
  default: return NULL;
  }
}

/* One step: pushes the next non-empty piece and its token id (2 values) or
 * nothing (returns 0) once generation has ended. */
static int gen_step(lua_State *L, gen_ud *gu) {
  if (gu->owner && !gu->owner->m) return luaL_error(L, "model is closed");
  if (!gu->g) return 0;
  if (!gu->st->s) {
    gen_release(gu);
    return luaL_error(L, "generate: state is closed");
  }
  if (gu->greedy && gu->epoch != gu->owner->epoch) {
    gen_release(gu);
    return luaL_error(L, "generate: the model ran another forward pass since this greedy generator's last token; "
                         "finish or close the generator before using the model");
  }
  make_current(L, gu->owner);
  for (;;) {
    const char *text = NULL;
    size_t len = 0;
    int done = 0;
    rwkv_error err;
    rwkv_error_clear(&err);
    int rc = rwkv_gen_next(gu->g, &text, &len, &done, &err);
    gu->owner->epoch++;
    gu->epoch = gu->owner->epoch;
    if (rc != RWKV_OK) {
      gen_release(gu);
      return fail(L, "generate", &err);
    }
    if (len > 0) {
      lua_pushlstring(L, text, len);
      lua_pushinteger(L, rwkv_gen_last_token(gu->g));
      if (done) gen_release(gu);
      return 2;
    }
    if (done) {
      gen_release(gu);
      return 0;
    }
  }
}

/* iterator / __call: gen([ctl]) -> piece, id | nil */
static int gen_call(lua_State *L) {
  gen_ud *gu = (gen_ud *)luaL_checkudata(L, 1, RWKVL_GENERATOR);
  int n = gen_step(L, gu);
  if (n == 0) lua_pushnil(L);
  return n ? n : 1;
}

static int gen_reason(lua_State *L) {
  gen_ud *gu = (gen_ud *)luaL_checkudata(L, 1, RWKVL_GENERATOR);
  const char *r = reason_name(gu->g ? rwkv_gen_reason(gu->g) : gu->reason);
  if (r) lua_pushstring(L, r);
  else if (gu->closed && !gu->g && gu->reason == RWKV_GEN_RUNNING) lua_pushliteral(L, "closed");
  else lua_pushnil(L);
  return 1;
}

static int gen_count(lua_State *L) {
  gen_ud *gu = (gen_ud *)luaL_checkudata(L, 1, RWKVL_GENERATOR);
  lua_pushinteger(L, (lua_Integer)(gu->g ? rwkv_gen_count(gu->g) : gu->count));
  return 1;
}

static int gen_tostring(lua_State *L) {
  gen_ud *gu = (gen_ud *)luaL_checkudata(L, 1, RWKVL_GENERATOR);
  lua_pushstring(L, gu->g ? "rwkv.generator(running)" : "rwkv.generator(finished)");
  return 1;
}

/* Fill the generation options from the table at oidx (0: defaults). */
static void gen_opts(lua_State *L, int oidx, rwkv_gen_opts *o, int *has_state, int *on_token) {
  static const char *const keys[] = {"max_tokens", "temperature", "top_p", "top_k", "min_p", "presence_penalty",
                                     "frequency_penalty", "penalty_decay", "repetition_penalty", "stop",
                                     "stop_ids", "seed", "state", "on_token", NULL};
  const char *what = "generate";
  *o = rwkv_gen_default_opts();
  *has_state = *on_token = 0;
  if (!oidx) return;
  check_keys(L, oidx, what, keys);
  rwkv_sampler_opts *s = &o->sampler;
  o->max_tokens = (int)opt_int(L, oidx, "max_tokens", o->max_tokens, 1, INT_MAX, what);
  s->temperature = (float)opt_num(L, oidx, "temperature", s->temperature, what);
  s->top_p = (float)opt_num(L, oidx, "top_p", s->top_p, what);
  s->top_k = (int)opt_int(L, oidx, "top_k", s->top_k, 0, INT_MAX, what);
  s->min_p = (float)opt_num(L, oidx, "min_p", s->min_p, what);
  s->presence_penalty = (float)opt_num(L, oidx, "presence_penalty", s->presence_penalty, what);
  s->frequency_penalty = (float)opt_num(L, oidx, "frequency_penalty", s->frequency_penalty, what);
  s->penalty_decay = (float)opt_num(L, oidx, "penalty_decay", s->penalty_decay, what);
  s->repetition_penalty = (float)opt_num(L, oidx, "repetition_penalty", s->repetition_penalty, what);
  s->seed = (uint64_t)opt_int(L, oidx, "seed", (lua_Integer)s->seed, LUA_MININTEGER, LUA_MAXINTEGER, what);
  int t = lua_getfield(L, oidx, "state");
  *has_state = t != LUA_TNIL;
  lua_pop(L, 1);
  t = lua_getfield(L, oidx, "on_token");
  if (t != LUA_TNIL && t != LUA_TFUNCTION) luaL_error(L, "generate: option on_token must be a function, got %s", luaL_typename(L, -1));
  *on_token = t == LUA_TFUNCTION;
  lua_pop(L, 1);
}

/* model:generate(prompt_or_ids [, opts]) -> iterator, gen, nil, gen | text, reason */
static int m_generate(lua_State *L) {
  model_ud *mu = checkmodel(L, 1);
  int oidx = opts_arg(L, 3);
  lua_settop(L, 3);
  rwkv_gen_opts o;
  int has_state = 0, on_token = 0;
  gen_opts(L, oidx, &o, &has_state, &on_token);
  size_t n = 0;
  const int32_t *prompt = get_ids(L, mu, 2, "generate", mu->n_vocab, &n); /* index 4 */

  /* stop strings (they stay on the stack in the options table during rwkv_gen_new, which copies them) */
  const char *one_stop = NULL;
  const char **stops = NULL;
  size_t *stop_lens = NULL;
  size_t one_len = 0;
  if (oidx) lua_getfield(L, oidx, "stop"); /* index 5 */
  else lua_pushnil(L);
  if (oidx && lua_type(L, 5) == LUA_TSTRING) {
    one_stop = lua_tolstring(L, 5, &one_len);
    if (one_len == 0) return luaL_error(L, "generate: stop string is empty");
    stops = &one_stop;
    stop_lens = &one_len;
    o.n_stop_strings = 1;
  } else if (oidx && lua_type(L, 5) == LUA_TTABLE) {
    lua_Integer k = luaL_len(L, 5);
    if (k < 0 || k > 4096) return luaL_error(L, "generate: %I stop strings is too many (at most 4096)", k);
    stops = (const char **)lua_newuserdatauv(L, (size_t)(k ? k : 1) * (sizeof *stops + sizeof *stop_lens), 0);
    stop_lens = (size_t *)(stops + (k ? k : 1));
    lua_createtable(L, (int)k, 0); /* keeps the strings alive */
    for (lua_Integer i = 1; i <= k; i++) {
      if (lua_geti(L, 5, i) != LUA_TSTRING)
        return luaL_error(L, "generate: stop[%I] must be a string, got %s", i, luaL_typename(L, -1));
      stops[i - 1] = lua_tolstring(L, -1, &stop_lens[i - 1]);
      if (stop_lens[i - 1] == 0) return luaL_error(L, "generate: stop[%I] is an empty string", i);
      lua_rawseti(L, -2, i);
    }
    o.n_stop_strings = (size_t)k;
  } else if (oidx && !lua_isnil(L, 5)) {
    return luaL_error(L, "generate: option stop must be a string or a table of strings, got %s", luaL_typename(L, 5));
  }
  o.stop_strings = stops;
  o.stop_lens = stop_lens;

  if (oidx) {
    int t = lua_getfield(L, oidx, "stop_ids");
    if (t == LUA_TTABLE) {
      lua_Integer k = luaL_len(L, -1);
      if (k < 0 || k > 4096) return luaL_error(L, "generate: %I stop ids is too many (at most 4096)", k);
      int32_t *ids = (int32_t *)lua_newuserdatauv(L, (size_t)(k ? k : 1) * sizeof(int32_t), 0);
      for (lua_Integer i = 1; i <= k; i++) {
        int et = lua_geti(L, -2, i);
        int isint = 0;
        lua_Integer v = et == LUA_TNUMBER ? lua_tointegerx(L, -1, &isint) : 0;
        if (!isint) return luaL_error(L, "generate: stop_ids[%I] is not an integer token id", i);
        if (v < 0 || v >= (lua_Integer)mu->n_vocab)
          return luaL_error(L, "generate: stop_ids[%I] is %I, outside the vocabulary [0, %d)", i, v, (int)mu->n_vocab);
        ids[i - 1] = (int32_t)v;
        lua_pop(L, 1);
      }
      o.stop_ids = ids;
      o.n_stop_ids = (size_t)k;
    } else if (t != LUA_TNIL) {
      return luaL_error(L, "generate: option stop_ids must be a table of ids, got %s", luaL_typename(L, -1));
    }
  }

  /* the state: the caller's (advanced) or a fresh one */
  int sidx;
  if (has_state) {
    lua_getfield(L, oidx, "state");
    sidx = lua_gettop(L);
    state_ud *su = checkstate(L, sidx);
    if (su->owner != mu) return luaL_error(L, "generate: the state belongs to another model");
  } else {
    new_state(L, 1, "generate");
    sidx = lua_gettop(L);
  }
  state_ud *su = (state_ud *)lua_touserdata(L, sidx);

  /* greedy decoding reads the model's logits on the GPU: remember it for the epoch check */
  rwkv_error err;
  rwkv_error_clear(&err);
  rwkv_sampler *smp = NULL;
  if (rwkv_sampler_new(&o.sampler, mu->n_vocab, &smp, &err) != RWKV_OK) return fail(L, "generate", &err);
  int greedy = rwkv_sampler_is_greedy(smp);
  rwkv_sampler_free(smp);

  gen_ud *gu = (gen_ud *)lua_newuserdatauv(L, sizeof *gu, 2);
  memset(gu, 0, sizeof *gu);
  luaL_setmetatable(L, RWKVL_GENERATOR);
  int gidx = lua_gettop(L);
  lua_pushvalue(L, 1);
  lua_setiuservalue(L, gidx, 1);
  lua_pushvalue(L, sidx);
  lua_setiuservalue(L, gidx, 2);
  gu->owner = mu;
  gu->st = su;
  gu->greedy = greedy;
  rwkv_gen *g = NULL;
  int rc = rwkv_gen_new(mu->m, su->s, prompt, n, &o, &g, &err);
  mu->epoch++;
  gu->epoch = mu->epoch;
  if (rc != RWKV_OK) return fail(L, "generate", &err);
  gu->g = g;
  link_child(mu, &gu->link, CHILD_GEN);

  if (!on_token) {
    lua_pushcfunction(L, gen_call);
    lua_pushvalue(L, gidx);
    lua_pushnil(L);
    lua_pushvalue(L, gidx); /* to-be-closed value of the generic for */
    return 4;
  }

  /* on_token form: run to completion */
  lua_getfield(L, oidx, "on_token");
  int fidx = lua_gettop(L);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  int stopped = 0;
  for (;;) {
    int k = gen_step(L, gu);
    if (k == 0) break;
    /* stack: ..., piece, id */
    lua_pushvalue(L, fidx);
    lua_pushvalue(L, -3);
    lua_pushvalue(L, -3);
    if (lua_pcall(L, 2, 1, 0) != LUA_OK) {
      gen_release(gu);
      gu->closed = 1;
      return lua_error(L);
    }
    int stop = lua_type(L, -1) == LUA_TBOOLEAN && !lua_toboolean(L, -1);
    lua_pop(L, 2); /* result, id */
    luaL_addvalue(&b); /* piece */
    if (stop) {
      stopped = 1;
      break;
    }
  }
  int reason = gu->g ? rwkv_gen_reason(gu->g) : gu->reason;
  gen_release(gu);
  gu->closed = 1;
  luaL_pushresult(&b);
  const char *r = reason_name(reason);
  if (stopped && !r) r = "callback";
  if (r) lua_pushstring(L, r);
  else lua_pushnil(L);
  return 2;
}

/* ---- forward and embeddings ------------------------------------------------------ */

static int parse_output(lua_State *L, int oidx, const char *what, int allow_none) {
  if (!oidx) return RWKV_OUTPUT_LAST;
  int t = lua_getfield(L, oidx, "output");
  int out = RWKV_OUTPUT_LAST;
  if (t != LUA_TNIL) {
    const char *s = t == LUA_TSTRING ? lua_tostring(L, -1) : "";
    if (strcmp(s, "last") == 0) out = RWKV_OUTPUT_LAST;
    else if (strcmp(s, "all") == 0) out = RWKV_OUTPUT_ALL;
    else if (allow_none && strcmp(s, "none") == 0) out = RWKV_OUTPUT_NONE;
    else luaL_error(L, "%s: option output must be \"last\", \"all\"%s", what, allow_none ? " or \"none\"" : "");
  }
  lua_pop(L, 1);
  return out;
}

/* Run one forward and push its results (vector, table of vectors or nothing). */
static int run_forward(lua_State *L, model_ud *mu, state_ud *su, const int32_t *ids, size_t n,
                       const rwkv_forward_opts *fo, const char *what) {
  uint32_t W = rwkv_output_width(mu->m, fo);
  rwkv_error err;
  rwkv_error_clear(&err);
  float *out = NULL;
  if (fo->output == RWKV_OUTPUT_LAST) {
    out = rwkvl_newvector(L, W);
  } else if (fo->output == RWKV_OUTPUT_ALL) {
    uint64_t bytes = (uint64_t)n * W * sizeof(float);
    if (bytes > MAX_OUT_BYTES)
      return luaL_error(L, "%s: output \"all\" for %I tokens would need %I bytes (at most %I)", what, (lua_Integer)n,
                        (lua_Integer)bytes, (lua_Integer)MAX_OUT_BYTES);
    out = (float *)lua_newuserdatauv(L, (size_t)bytes, 0);
  }
  int rc = rwkv_forward(mu->m, su->s, ids, n, fo, out, &err);
  mu->epoch++;
  if (rc != RWKV_OK) return fail(L, what, &err);
  if (fo->output == RWKV_OUTPUT_NONE) return 0;
  if (fo->output == RWKV_OUTPUT_LAST) return 1;
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    rwkvl_pushvector(L, out + i * W, W);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

static uint32_t opt_chunk(lua_State *L, int oidx, const char *what) {
  return (uint32_t)opt_int(L, oidx, "chunk", 0, 0, 1 << 16, what);
}

/* model:forward(ids_or_text, state [, opts]) */
static int m_forward(lua_State *L) {
  static const char *const keys[] = {"output", "chunk", NULL};
  model_ud *mu = checkmodel(L, 1);
  if (lua_isnoneornil(L, 3)) return luaL_error(L, "forward: a state is required (model:state())");
  state_ud *su = checkstate(L, 3);
  if (su->owner != mu) return luaL_error(L, "forward: the state belongs to another model");
  int oidx = opts_arg(L, 4);
  if (oidx) check_keys(L, oidx, "forward", keys);
  rwkv_forward_opts fo = {parse_output(L, oidx, "forward", 1), 0, opt_chunk(L, oidx, "forward")};
  lua_settop(L, 4);
  size_t n = 0;
  const int32_t *ids = get_ids(L, mu, 2, "forward", mu->n_vocab, &n);
  return run_forward(L, mu, su, ids, n, &fo, "forward");
}

/* model:embed(text_or_ids [, opts]) */
static int m_embed(lua_State *L) {
  static const char *const keys[] = {"output", "chunk", "state", NULL};
  model_ud *mu = checkmodel(L, 1);
  int oidx = opts_arg(L, 3);
  if (oidx) check_keys(L, oidx, "embed", keys);
  rwkv_forward_opts fo = {parse_output(L, oidx, "embed", 0), 1, opt_chunk(L, oidx, "embed")};
  lua_settop(L, 3);
  state_ud *su;
  int temp = 0;
  if (oidx && lua_getfield(L, oidx, "state") != LUA_TNIL) { /* index 4 */
    su = checkstate(L, 4);
    if (su->owner != mu) return luaL_error(L, "embed: the state belongs to another model");
  } else {
    lua_settop(L, 3);
    su = new_state(L, 1, "embed"); /* index 4, temporary */
    temp = 1;
  }
  size_t n = 0;
  const int32_t *ids = get_ids(L, mu, 2, "embed", mu->n_vocab, &n);
  int k = run_forward(L, mu, su, ids, n, &fo, "embed");
  if (temp) state_release(su); /* free the slot now rather than at the next collection */
  return k;
}

/* model:embed_batch({text_or_ids, ...} [, opts]) -> {vectors} */
static int m_embed_batch(lua_State *L) {
  static const char *const keys[] = {"output", "chunk", "state", NULL};
  model_ud *mu = checkmodel(L, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  int oidx = opts_arg(L, 3);
  if (oidx) check_keys(L, oidx, "embed_batch", keys);
  if (parse_output(L, oidx, "embed_batch", 0) != RWKV_OUTPUT_LAST)
    return luaL_error(L, "embed_batch: only output \"last\" is supported (use model:embed for \"all\")");
  rwkv_forward_opts fo = {RWKV_OUTPUT_LAST, 1, opt_chunk(L, oidx, "embed_batch")};
  lua_settop(L, 3);
  state_ud *from = NULL;
  if (oidx && lua_getfield(L, oidx, "state") != LUA_TNIL) {
    from = checkstate(L, -1);
    if (from->owner != mu) return luaL_error(L, "embed_batch: the state belongs to another model");
  }
  lua_settop(L, 4); /* 4: the start state or nil */
  lua_Integer b = luaL_len(L, 2);
  if (b < 0) return luaL_error(L, "embed_batch: bad list length %I", b);
  if (b > MAX_BATCH) return luaL_error(L, "embed_batch: %I items is too many (at most %I)", b, MAX_BATCH);
  uint32_t W = mu->n_embd;
  if ((uint64_t)b * W * sizeof(float) > MAX_OUT_BYTES)
    return luaL_error(L, "embed_batch: %I vectors of %d floats is too much output", b, (int)W);
  lua_createtable(L, (int)b, 0); /* 5: results */
  if (b == 0) return 1;

  uint64_t sbytes = (uint64_t)mu->state_floats * sizeof(float);
  lua_Integer G = (lua_Integer)(BATCH_STATE_BYTES / (sbytes ? sbytes : 1));
  if (G < 1) G = 1;
  if (G > MAX_BATCH_GROUP) G = MAX_BATCH_GROUP;
  if (G > b) G = b;
  /* 6: scratch: G state pointers, G id pointers, G counts, G*W output floats */
  size_t gsz = (size_t)G;
  char *scratch = (char *)lua_newuserdatauv(L, gsz * (sizeof(rwkv_state *) + sizeof(int32_t *) + sizeof(size_t)) +
                                                   gsz * W * sizeof(float), 0);
  rwkv_state **states = (rwkv_state **)scratch;
  const int32_t **idv = (const int32_t **)(scratch + gsz * sizeof(rwkv_state *));
  size_t *nv = (size_t *)(scratch + gsz * (sizeof(rwkv_state *) + sizeof(int32_t *)));
  float *out = (float *)(scratch + gsz * (sizeof(rwkv_state *) + sizeof(int32_t *) + sizeof(size_t)));
  int first_state = lua_gettop(L) + 1; /* 7 .. 6+G: temporary states */
  luaL_checkstack(L, 3 * (int)G + 16, "embed_batch: too many states");
  for (lua_Integer i = 0; i < G; i++) states[i] = new_state(L, 1, "embed_batch")->s;
  int top = lua_gettop(L);
  rwkv_error err;
  char what[64];
  for (lua_Integer g0 = 0; g0 < b; g0 += G) {
    lua_Integer gn = b - g0 < G ? b - g0 : G;
    rwkv_error_clear(&err);
    for (lua_Integer i = 0; i < gn; i++) {
      lua_geti(L, 2, g0 + i + 1);
      snprintf(what, sizeof what, "embed_batch: item %lld", (long long)(g0 + i + 1));
      idv[i] = get_ids(L, mu, -1, what, mu->n_vocab, &nv[i]); /* scratch stays on the stack */
      int rc = from ? rwkv_state_copy(states[i], from->s, &err) : rwkv_state_reset(states[i], &err);
      if (rc != RWKV_OK) return fail(L, "embed_batch", &err);
    }
    int rc = rwkv_forward_batch(mu->m, states, (const int32_t *const *)idv, nv, (size_t)gn, &fo, out, &err);
    mu->epoch++;
    if (rc != RWKV_OK) return fail(L, "embed_batch", &err);
    lua_settop(L, top);
    for (lua_Integer i = 0; i < gn; i++) {
      rwkvl_pushvector(L, out + (size_t)i * W, W);
      lua_rawseti(L, 5, g0 + i + 1);
    }
  }
  for (int i = first_state; i <= top; i++) state_release((state_ud *)lua_touserdata(L, i));
  lua_settop(L, 5);
  return 1;
}

/* model:forward_batch({ids_or_text, ...}, {state, ...} [, opts]) -> {logit vectors}
 * One batched pass (rwkv_forward_batch): sequence i is fed to state i (each
 * advanced); opts.output "last" (default) or "none". For parallel generation. */
static int m_forward_batch(lua_State *L) {
  static const char *const keys[] = {"output", "chunk", NULL};
  model_ud *mu = checkmodel(L, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  luaL_checktype(L, 3, LUA_TTABLE);
  int oidx = opts_arg(L, 4);
  if (oidx) check_keys(L, oidx, "forward_batch", keys);
  int output = parse_output(L, oidx, "forward_batch", 1);
  if (output == RWKV_OUTPUT_ALL) return luaL_error(L, "forward_batch: output \"all\" is not supported");
  rwkv_forward_opts fo = {output, 0, opt_chunk(L, oidx, "forward_batch")};
  lua_settop(L, 4);
  lua_Integer b = luaL_len(L, 2);
  if (b != luaL_len(L, 3))
    return luaL_error(L, "forward_batch: %I sequences but %I states", b, (lua_Integer)luaL_len(L, 3));
  if (b < 1 || b > MAX_BATCH_GROUP)
    return luaL_error(L, "forward_batch: %I sequences (1..%d in one pass)", b, (int)MAX_BATCH_GROUP);
  uint32_t W = mu->n_vocab;
  size_t gsz = (size_t)b;
  char *scratch = (char *)lua_newuserdatauv(L, gsz * (sizeof(rwkv_state *) + sizeof(int32_t *) + sizeof(size_t)) +
                                                   (output == RWKV_OUTPUT_LAST ? gsz * W * sizeof(float) : 0), 0);
  rwkv_state **states = (rwkv_state **)scratch; /* index 5 */
  const int32_t **idv = (const int32_t **)(scratch + gsz * sizeof(rwkv_state *));
  size_t *nv = (size_t *)(scratch + gsz * (sizeof(rwkv_state *) + sizeof(int32_t *)));
  float *out = output == RWKV_OUTPUT_LAST
                   ? (float *)(scratch + gsz * (sizeof(rwkv_state *) + sizeof(int32_t *) + sizeof(size_t)))
                   : NULL;
  luaL_checkstack(L, 2 * (int)b + 8, "forward_batch: too many sequences");
  char what[64];
  for (lua_Integer i = 0; i < b; i++) {
    lua_geti(L, 3, i + 1);
    state_ud *su = checkstate(L, -1);
    if (su->owner != mu) return luaL_error(L, "forward_batch: state %I belongs to another model", i + 1);
    states[i] = su->s;
    lua_pop(L, 1);
    lua_geti(L, 2, i + 1);
    snprintf(what, sizeof what, "forward_batch: sequence %lld", (long long)(i + 1));
    idv[i] = get_ids(L, mu, -1, what, mu->n_vocab, &nv[i]); /* stays on the stack */
  }
  rwkv_error err;
  rwkv_error_clear(&err);
  int rc = rwkv_forward_batch(mu->m, states, (const int32_t *const *)idv, nv, gsz, &fo, out, &err);
  mu->epoch++;
  if (rc != RWKV_OK) return fail(L, "forward_batch", &err);
  if (!out) return 0;
  lua_createtable(L, (int)b, 0);
  for (lua_Integer i = 0; i < b; i++) {
    rwkvl_pushvector(L, out + (size_t)i * W, W);
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}

/* ---- models ------------------------------------------------------------------------ */

static void model_release(model_ud *mu) {
  if (!mu->m) return;
  /* generators first, then states, then the model (rwkv_state_free before rwkv_model_free) */
  for (int kind = CHILD_GEN; kind >= CHILD_STATE; kind--) {
    child *c = mu->head.next;
    while (c != &mu->head) {
      child *next = c->next;
      if (c->kind == kind) {
        if (kind == CHILD_GEN) gen_release((gen_ud *)c);
        else state_release((state_ud *)c);
      }
      c = next;
    }
  }
  rwkv_model_free(mu->m);
  mu->m = NULL;
}

static int m_close(lua_State *L) {
  model_release((model_ud *)luaL_checkudata(L, 1, RWKVL_MODEL));
  return 0;
}

static int m_tokenize(lua_State *L) {
  model_ud *mu = checkmodel(L, 1);
  size_t len = 0;
  const char *s = luaL_checklstring(L, 2, &len);
  const rwkv_tokenizer *tok = rwkv_model_tokenizer(mu->m);
  if (!tok) return luaL_error(L, "model:tokenize: the model has no tokenizer");
  if (len > MAX_TEXT) return luaL_error(L, "model:tokenize: text of %I bytes is too long", (lua_Integer)len);
  int32_t *ids = (int32_t *)lua_newuserdatauv(L, (len ? len : 1) * sizeof(int32_t), 0);
  size_t n = 0;
  rwkv_error err;
  rwkv_error_clear(&err);
  if (rwkv_tokenize(tok, s, len, ids, &n, &err) != RWKV_OK) return fail(L, "model:tokenize", &err);
  if (n > len) return luaL_error(L, "model:tokenize: %I ids for %I bytes", (lua_Integer)n, (lua_Integer)len);
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    lua_pushinteger(L, ids[i]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

static int m_detokenize(lua_State *L) {
  model_ud *mu = checkmodel(L, 1);
  const rwkv_tokenizer *tok = rwkv_model_tokenizer(mu->m);
  if (!tok) return luaL_error(L, "model:detokenize: the model has no tokenizer");
  if (lua_type(L, 2) == LUA_TTABLE && luaL_len(L, 2) == 0) {
    lua_pushliteral(L, "");
    return 1;
  }
  if (lua_type(L, 2) != LUA_TTABLE && lua_type(L, 2) != LUA_TNUMBER)
    return luaL_error(L, "model:detokenize: table of token ids or token id expected, got %s", luaL_typename(L, 2));
  size_t n = 0;
  const int32_t *ids = get_ids(L, mu, 2, "model:detokenize", rwkv_tokenizer_vocab_size(tok), &n);
  rwkv_error err;
  rwkv_error_clear(&err);
  size_t need = 0;
  int rc = rwkv_detokenize(tok, ids, n, NULL, 0, &need, &err);
  if (rc == RWKV_OK) {
    lua_pushliteral(L, "");
    return 1;
  }
  if (need == 0) return fail(L, "model:detokenize", &err);
  char *out = (char *)lua_newuserdatauv(L, need, 0);
  size_t len = 0;
  rwkv_error_clear(&err);
  if (rwkv_detokenize(tok, ids, n, out, need, &len, &err) != RWKV_OK) return fail(L, "model:detokenize", &err);
  lua_pushlstring(L, out, len < need ? len : need);
  return 1;
}

static int m_index(lua_State *L) {
  const char *k = lua_tostring(L, 2);
  if (k && strcmp(k, "info") == 0) {
    lua_getiuservalue(L, 1, 1);
    return 1;
  }
  lua_pushvalue(L, 2);
  lua_rawget(L, lua_upvalueindex(1));
  return 1;
}

static int m_tostring(lua_State *L) {
  model_ud *mu = (model_ud *)luaL_checkudata(L, 1, RWKVL_MODEL);
  if (!mu->m) {
    lua_pushliteral(L, "rwkv.model(closed)");
    return 1;
  }
  const rwkv_model_info *mi = rwkv_model_get_info(mu->m);
  lua_pushfstring(L, "rwkv.model(%s, %s, %d layers, n_embd %d)", mi->path ? mi->path : "?",
                  mi->file_type ? mi->file_type : "?", (int)mi->n_layer, (int)mi->n_embd);
  return 1;
}

static void setstr(lua_State *L, const char *k, const char *v) {
  lua_pushstring(L, v ? v : "");
  lua_setfield(L, -2, k);
}
static void setint(lua_State *L, const char *k, long long v) {
  lua_pushinteger(L, (lua_Integer)v);
  lua_setfield(L, -2, k);
}

static void push_info(lua_State *L, const rwkv_model *m) {
  const rwkv_model_info *mi = rwkv_model_get_info(m);
  lua_createtable(L, 0, 20);
  setstr(L, "arch", mi->arch);
  setstr(L, "path", mi->path);
  setstr(L, "file_type", mi->file_type);
  setint(L, "n_layer", mi->n_layer);
  setint(L, "n_embd", mi->n_embd);
  setint(L, "n_head", mi->n_head);
  setint(L, "head_size", mi->head_size);
  setint(L, "n_ffn", mi->n_ffn);
  setint(L, "n_vocab", mi->n_vocab);
  setint(L, "n_params", (long long)mi->n_params);
  setint(L, "file_bytes", (long long)mi->file_bytes);
  setint(L, "gpu_bytes", (long long)mi->gpu_bytes);
  setint(L, "state_size", (long long)rwkv_state_size(m));
  lua_pushnumber(L, mi->load_ms);
  lua_setfield(L, -2, "load_ms");
  lua_createtable(L, 0, (int)mi->n_tensor_types);
  for (uint32_t i = 0; i < mi->n_tensor_types && i < 16; i++) setint(L, mi->tensor_types[i], mi->tensor_type_count[i]);
  lua_setfield(L, -2, "tensor_types");
  const rwkv_gpu_info *gi = rwkv_gpu_get_info(rwkv_model_gpu(m));
  setstr(L, "renderer", gi ? gi->renderer : "");
  lua_pushboolean(L, rwkv_model_tokenizer(m) != NULL);
  lua_setfield(L, -2, "has_tokenizer");
}

static int file_exists(const char *p) {
  struct stat st;
  return stat(p, &st) == 0;
}

/* <exe dir>/../share/rwkv-lua/models when it exists, else "" */
static void installed_models_dir(char *out, size_t cap) {
  char exe[PATH_MAX];
  out[0] = '\0';
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return;
  exe[n] = '\0';
  char *slash = strrchr(exe, '/');
  if (!slash) return;
  *slash = '\0';
  struct stat st;
  int w = snprintf(out, cap, "%s/../share/rwkv-lua/models", exe);
  if (w <= 0 || (size_t)w >= cap || stat(out, &st) != 0 || !S_ISDIR(st.st_mode)) out[0] = '\0';
}

void rwkvl_default_model_path(char *out, size_t cap) {
  char dir[PATH_MAX];
  installed_models_dir(dir, sizeof dir);
  if (dir[0]) {
    int w = snprintf(out, cap, "%s/%s", dir, DEFAULT_MODEL_FILE);
    if (w > 0 && (size_t)w < cap && file_exists(out)) return;
  }
#ifdef RWKV_MODEL_SRCDIR
  snprintf(out, cap, "%s/%s", RWKV_MODEL_SRCDIR, DEFAULT_MODEL_FILE);
#else
  snprintf(out, cap, "models/%s", DEFAULT_MODEL_FILE);
#endif
}

/* A relative path that does not exist is looked up in the models folders. */
static void resolve_path(const char *path, char *out, size_t cap) {
  snprintf(out, cap, "%s", path);
  if (path[0] == '/' || file_exists(path)) return;
  const char *dirs[3];
  char inst[PATH_MAX];
  installed_models_dir(inst, sizeof inst);
  size_t nd = 0;
  if (inst[0]) dirs[nd++] = inst;
#ifdef RWKV_MODEL_INSTALLDIR
  dirs[nd++] = RWKV_MODEL_INSTALLDIR;
#endif
#ifdef RWKV_MODEL_SRCDIR
  dirs[nd++] = RWKV_MODEL_SRCDIR;
#endif
  char cand[PATH_MAX];
  for (size_t i = 0; i < nd; i++) {
    int w = snprintf(cand, sizeof cand, "%s/%s", dirs[i], path);
    if (w > 0 && (size_t)w < sizeof cand && file_exists(cand)) {
      snprintf(out, cap, "%s", cand);
      return;
    }
  }
}

/* GPU contexts asked for by rwkv.load's device/software options: one per
 * choice and Lua state, kept in a registry table and closed when the Lua
 * state closes (after the models, which are younger). They are not closed with
 * their model: EGL hands out one EGLDisplay per device, and rwkv_gpu_close's
 * eglTerminate would also end the display under the shared context. */
#define GPU_EXTRA_KEY "rwkv.gpu_extra"
#define GPU_BOX_MT "rwkv.gpu_box"

typedef struct gpu_box {
  rwkv_gpu *g;
} gpu_box;

static int gpu_box_gc(lua_State *L) {
  gpu_box *b = (gpu_box *)luaL_checkudata(L, 1, GPU_BOX_MT);
  if (b->g) rwkv_gpu_close(b->g);
  b->g = NULL;
  return 0;
}

static rwkv_gpu *extra_gpu(lua_State *L, const rwkv_gpu_opts *o) {
  if (lua_getfield(L, LUA_REGISTRYINDEX, GPU_EXTRA_KEY) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, GPU_EXTRA_KEY);
  }
  lua_pushfstring(L, "device %d software %d", o->device, o->software);
  gpu_box *b;
  if (lua_rawget(L, -2) == LUA_TUSERDATA) {
    b = (gpu_box *)luaL_checkudata(L, -1, GPU_BOX_MT);
  } else {
    lua_pop(L, 1);
    b = (gpu_box *)lua_newuserdatauv(L, sizeof *b, 0);
    b->g = NULL;
    if (luaL_newmetatable(L, GPU_BOX_MT)) {
      lua_pushcfunction(L, gpu_box_gc);
      lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    lua_pushfstring(L, "device %d software %d", o->device, o->software);
    lua_pushvalue(L, -2);
    lua_rawset(L, -4);
  }
  lua_pop(L, 2);
  if (!b->g) {
    rwkv_error err;
    rwkv_error_clear(&err);
    rwkv_gpu *g = NULL;
    if (rwkv_gpu_open(o, &g, &err) != RWKV_OK) fail(L, "rwkv.load: cannot open the GPU", &err);
    b->g = g;
  }
  return b->g;
}

/* rwkv.load([path [, opts]]) -> model */
static int l_load(lua_State *L) {
  static const char *const keys[] = {"chunk", "device", "software", "lazy_head", NULL};
  char def[PATH_MAX];
  const char *path;
  if (lua_isnoneornil(L, 1)) {
    if (lua_getfield(L, LUA_REGISTRYINDEX, RWKVL_MODEL_PATH_KEY) == LUA_TSTRING) {
      path = lua_tostring(L, -1);
    } else {
      rwkvl_default_model_path(def, sizeof def);
      path = def;
    }
  } else {
    path = luaL_checkstring(L, 1);
  }
  int oidx = opts_arg(L, 2);
  rwkv_model_opts mo = rwkv_model_default_opts();
  int own = 0;
  if (oidx) {
    check_keys(L, oidx, "rwkv.load", keys);
    mo.chunk = (uint32_t)opt_int(L, oidx, "chunk", 0, 0, 1 << 16, "rwkv.load");
    int t = lua_getfield(L, oidx, "device");
    if (t != LUA_TNIL) {
      mo.gpu_opts.device = (int)opt_int(L, oidx, "device", -1, -1, 1024, "rwkv.load");
      own = 1;
    }
    lua_pop(L, 1);
    t = lua_getfield(L, oidx, "software");
    if (t != LUA_TNIL) {
      if (t != LUA_TBOOLEAN) return luaL_error(L, "rwkv.load: option software must be a boolean");
      mo.gpu_opts.software = lua_toboolean(L, -1);
      own = 1;
    }
    lua_pop(L, 1);
    t = lua_getfield(L, oidx, "lazy_head");
    if (t != LUA_TNIL && t != LUA_TBOOLEAN) return luaL_error(L, "rwkv.load: option lazy_head must be a boolean");
    mo.lazy_head = lua_toboolean(L, -1);
    lua_pop(L, 1);
  }
  char full[PATH_MAX];
  resolve_path(path, full, sizeof full);
  /* progress on a terminal, nothing when stderr is not one */
  int tty = isatty(2);
  if (tty) mo.progress = load_progress;
  /* the context's holder is older than the model, so Lua finalizes it after the model */
  mo.gpu = own ? extra_gpu(L, &mo.gpu_opts) : rwkvl_gpu(L);

  model_ud *mu = (model_ud *)lua_newuserdatauv(L, sizeof *mu, 1);
  memset(mu, 0, sizeof *mu);
  mu->head.next = mu->head.prev = &mu->head;
  luaL_setmetatable(L, RWKVL_MODEL);
  rwkv_error err;
  rwkv_error_clear(&err);
  rwkv_model *m = NULL;
  if (rwkv_model_load(full, &mo, &m, &err) != RWKV_OK) return fail(L, "rwkv.load", &err);
  mu->m = m;
  if (tty) {
    fputs("\r\033[K", stderr);
    rwkv_model_set_progress(m, prefill_progress, NULL);
  }
  const rwkv_model_info *mi = rwkv_model_get_info(m);
  mu->n_vocab = mi->n_vocab;
  mu->n_embd = mi->n_embd;
  mu->state_floats = rwkv_state_size(m);
  push_info(L, m);
  lua_setiuservalue(L, -2, 1);
  return 1;
}

/* ---- registration ---------------------------------------------------------------- */

static void new_meta(lua_State *L, const char *name, lua_CFunction gc, lua_CFunction index, const luaL_Reg *methods,
                     lua_CFunction tostr) {
  luaL_newmetatable(L, name);
  lua_pushcfunction(L, gc);
  lua_setfield(L, -2, "__gc");
  lua_pushcfunction(L, gc);
  lua_setfield(L, -2, "__close");
  lua_pushcfunction(L, tostr);
  lua_setfield(L, -2, "__tostring");
  lua_pushliteral(L, "locked");
  lua_setfield(L, -2, "__metatable");
  lua_newtable(L);
  luaL_setfuncs(L, methods, 0);
  if (index) {
    lua_pushcclosure(L, index, 1);
  }
  lua_setfield(L, -2, "__index");
}

void rwkvl_open_model(lua_State *L) {
  static const luaL_Reg model_methods[] = {{"tokenize", m_tokenize},   {"detokenize", m_detokenize},
                                           {"state", m_state},         {"forward", m_forward},
                                           {"embed", m_embed},         {"embed_batch", m_embed_batch},
                                           {"forward_batch", m_forward_batch},
                                           {"generate", m_generate},   {"close", m_close},
                                           {NULL, NULL}};
  static const luaL_Reg state_methods[] = {{"clone", s_clone}, {"reset", s_reset}, {"copy_from", s_copy_from},
                                           {"vector", s_vector}, {"set", s_set},   {"save", s_save},
                                           {"close", s_close}, {"size", s_size},   {NULL, NULL}};
  static const luaL_Reg gen_methods[] = {{"reason", gen_reason}, {"count", gen_count}, {"close", gen_gc}, {NULL, NULL}};
  new_meta(L, RWKVL_MODEL, m_close, m_index, model_methods, m_tostring);
  lua_pop(L, 1);
  new_meta(L, RWKVL_STATE, state_gc, s_index, state_methods, s_tostring);
  lua_pop(L, 1);
  new_meta(L, RWKVL_GENERATOR, gen_gc, NULL, gen_methods, gen_tostring);
  lua_pushcfunction(L, gen_call);
  lua_setfield(L, -2, "__call");
  lua_pop(L, 1);

  lua_pushcfunction(L, l_load);
  lua_setfield(L, -2, "load");
  lua_pushcfunction(L, l_load_state);
  lua_setfield(L, -2, "load_state");
  char def[PATH_MAX];
  rwkvl_default_model_path(def, sizeof def);
  lua_pushstring(L, def);
  lua_setfield(L, -2, "default_model");
}
