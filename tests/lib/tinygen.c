/* tinygen.c - see tinygen.h. */
#include "tinygen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant.h"
#include "tokenizer.h"

tinygen_opts tinygen_default(void) {
  tinygen_opts o;
  memset(&o, 0, sizeof o);
  o.n_layer = 1;
  o.n_embd = 64;
  o.head_size = 64;
  o.n_ffn = 64;
  o.n_vocab = 256;
  o.rank = 8;
  o.big_type = RWKV_TYPE_F32;
  return o;
}

typedef struct gen {
  gguf_writer *w;
  uint64_t rng;
  void **bufs;
  size_t nbufs, cap;
  const tinygen_opts *o;
} gen;

static float rnd(gen *g) {
  g->rng = g->rng * 6364136223846793005ull + 1442695040888963407ull;
  return ((float)(g->rng >> 40) / (float)(1u << 24) - 0.5f) * 0.2f;
}

static void *keep(gen *g, size_t n) {
  if (g->nbufs == g->cap) {
    size_t c = g->cap ? g->cap * 2 : 64;
    void **b = realloc(g->bufs, c * sizeof *b);
    if (!b) return NULL;
    g->bufs = b;
    g->cap = c;
  }
  void *p = calloc(n ? n : 1, 1);
  if (p) g->bufs[g->nbufs++] = p;
  return p;
}

/* A tensor of ne (ggml order) with pseudo-random values around base; big
 * matrices get o->big_type, the rest F32. */
static int tensor(gen *g, const char *name, uint32_t n_dims, uint64_t ne0, uint64_t ne1, uint64_t ne3,
                  int big, float base, rwkv_error *err) {
  uint64_t ne[4] = {ne0, ne1, 1, ne3};
  uint64_t n = ne0 * ne1 * ne3;
  float *f = keep(g, n * 4);
  if (!f) return rwkv_errorf(err, RWKV_ERR_NOMEM, "tinygen: out of memory");
  for (uint64_t i = 0; i < n; i++) f[i] = base + rnd(g);
  uint32_t type = big ? g->o->big_type : RWKV_TYPE_F32;
  if (type == RWKV_TYPE_F32)
    return gguf_writer_add_tensor(g->w, name, type, n_dims, ne, f, n * 4, 0, err);
  uint64_t bytes = rwkv_type_row_bytes(type, ne0) * ne1 * ne3;
  void *q = keep(g, bytes);
  if (!q) return rwkv_errorf(err, RWKV_ERR_NOMEM, "tinygen: out of memory");
  if (type == RWKV_TYPE_F16) {
    uint16_t *h = q;
    for (uint64_t i = 0; i < n; i++) h[i] = rwkv_f32_to_f16(f[i]);
  } else {
    int rc = rwkv_quantize(type, f, q, n, err);
    if (rc) return rc;
  }
  return gguf_writer_add_tensor(g->w, name, type, n_dims, ne, q, bytes, 0, err);
}

#define SKIP(k) (g.o->skip_key && strcmp(g.o->skip_key, (k)) == 0)
#define U32(k, v) \
  if (!rc && !SKIP(k)) rc = gguf_writer_add_u32(g.w, (k), (v), err)

int tinygen_write(const char *path, const tinygen_opts *o, rwkv_error *err) {
  gen g;
  memset(&g, 0, sizeof g);
  g.o = o;
  g.rng = 0x1234567u;
  int rc = gguf_writer_new(&g.w, err);
  if (rc) return rc;
  const uint64_t D = o->n_embd, F = o->n_ffn, V = o->n_vocab, R = o->rank;
  if (!SKIP("general.architecture")) rc = gguf_writer_add_str(g.w, "general.architecture", "rwkv7", err);
  if (!rc && !SKIP("general.name")) rc = gguf_writer_add_str(g.w, "general.name", "tinygen", err);
  U32("rwkv7.context_length", 1048576u);
  U32("rwkv7.embedding_length", o->n_embd);
  U32("rwkv7.block_count", o->n_layer);
  if (!rc && !SKIP("rwkv7.attention.layer_norm_epsilon"))
    rc = gguf_writer_add_f32(g.w, "rwkv7.attention.layer_norm_epsilon", 1e-5f, err);
  U32("rwkv7.wkv.head_size", o->head_size);
  U32("rwkv7.attention.decay_lora_rank", o->rank);
  U32("rwkv7.attention.iclr_lora_rank", o->rank);
  U32("rwkv7.attention.value_residual_mix_lora_rank", o->rank);
  U32("rwkv7.attention.gate_lora_rank", o->rank);
  U32("rwkv7.feed_forward_length", o->n_ffn);
  if (!o->no_tokenizer && !rc) {
    if (!SKIP("tokenizer.ggml.model")) rc = gguf_writer_add_str(g.w, "tokenizer.ggml.model", "rwkv", err);
    char **s = calloc(V, sizeof *s);
    uint64_t *l = calloc(V, sizeof *l);
    int32_t *ty = calloc(V, sizeof *ty);
    if (!s || !l || !ty) rc = rwkv_errorf(err, RWKV_ERR_NOMEM, "tinygen: out of memory");
    for (uint64_t i = 0; i < V && !rc; i++) {
      s[i] = malloc(32);
      if (!s[i]) {
        rc = rwkv_errorf(err, RWKV_ERR_NOMEM, "tinygen: out of memory");
        break;
      }
      size_t n = 0;
      ty[i] = RWKV_TOKEN_TYPE_NORMAL;
      if (i < 256) {
        char b = (char)(unsigned char)i;
        rc = rwkv_token_escape(&b, 1, s[i], 31, &n, err);
      } else {
        n = (size_t)snprintf(s[i], 32, "[PAD%llu]", (unsigned long long)i);
        ty[i] = RWKV_TOKEN_TYPE_UNUSED;
      }
      l[i] = n;
    }
    if (!rc && !SKIP("tokenizer.ggml.tokens"))
      rc = gguf_writer_add_str_array(g.w, "tokenizer.ggml.tokens", (const char *const *)s, l, V, err);
    if (!rc && !SKIP("tokenizer.ggml.token_type"))
      rc = gguf_writer_add_array(g.w, "tokenizer.ggml.token_type", GGUF_I32, ty, V, err);
    for (uint64_t i = 0; s && i < V; i++) free(s[i]);
    free(s);
    free(l);
    free(ty);
  }
  if (!rc && o->extra) rc = o->extra(g.w, o->extra_ud, err);

  if (!rc) rc = tensor(&g, "token_embd.weight", 2, D, V, 1, 1, 0, err);
  if (!rc) rc = tensor(&g, "token_embd_norm.weight", 1, D, 1, 1, 0, 1, err);
  if (!rc) rc = tensor(&g, "token_embd_norm.bias", 1, D, 1, 1, 0, 0, err);
  for (uint32_t il = 0; il < o->n_layer && !rc; il++) {
    static const struct {
      const char *suffix;
      int kind; /* 0 vec, 1 DxD big, 2 Dx R, 3 R x D, 4 lerp, 5 DxF big, 6 FxD big */
      float base;
    } L[] = {
        {"attn_norm.weight", 0, 1},          {"attn_norm.bias", 0, 0},
        {"attn_norm_2.weight", 0, 1},        {"attn_norm_2.bias", 0, 0},
        {"time_mix_lerp_fused.weight", 4, 0.5f},
        {"time_mix_receptance.weight", 1, 0}, {"time_mix_key.weight", 1, 0},
        {"time_mix_value.weight", 1, 0},      {"time_mix_output.weight", 1, 0},
        {"time_mix_w0.weight", 0, -1},       {"time_mix_w1.weight", 2, 0}, {"time_mix_w2.weight", 3, 0},
        {"time_mix_a0.weight", 0, 0},        {"time_mix_a1.weight", 2, 0}, {"time_mix_a2.weight", 3, 0},
        {"time_mix_v0.weight", 0, 0},        {"time_mix_v1.weight", 2, 0}, {"time_mix_v2.weight", 3, 0},
        {"time_mix_g1.weight", 2, 0},        {"time_mix_g2.weight", 3, 0},
        {"time_mix_k_k.weight", 0, 1},       {"time_mix_k_a.weight", 0, 1}, {"time_mix_r_k.weight", 0, 0},
        {"time_mix_ln.weight", 0, 1},        {"time_mix_ln.bias", 0, 0},
        {"channel_mix_lerp_k.weight", 0, 0.5f},
        {"channel_mix_key.weight", 5, 0},    {"channel_mix_value.weight", 6, 0},
    };
    for (size_t i = 0; i < sizeof L / sizeof L[0] && !rc; i++) {
      /* layer 0 has no value-residual LoRA (time_mix_v0/v1/v2) */
      if (il == 0 && strncmp(L[i].suffix, "time_mix_v", 10) == 0 && L[i].suffix[10] >= '0' &&
          L[i].suffix[10] <= '9')
        continue;
      char name[96];
      snprintf(name, sizeof name, "blk.%u.%s", il, L[i].suffix);
      switch (L[i].kind) {
        case 0: rc = tensor(&g, name, 1, D, 1, 1, 0, L[i].base, err); break;
        case 1: rc = tensor(&g, name, 2, D, D, 1, 1, 0, err); break;
        case 2: rc = tensor(&g, name, 2, D, R, 1, 0, 0, err); break;
        case 3: rc = tensor(&g, name, 2, R, D, 1, 0, 0, err); break;
        case 4: rc = tensor(&g, name, 4, D, 1, 6, 0, L[i].base, err); break;
        case 5: rc = tensor(&g, name, 2, D, F, 1, 1, 0, err); break;
        default: rc = tensor(&g, name, 2, F, D, 1, 1, 0, err); break;
      }
    }
  }
  if (!rc) rc = tensor(&g, "output_norm.weight", 1, D, 1, 1, 0, 1, err);
  if (!rc) rc = tensor(&g, "output_norm.bias", 1, D, 1, 1, 0, 0, err);
  if (!rc) rc = tensor(&g, "output.weight", 2, D, V, 1, 1, 0, err);
  if (!rc) rc = gguf_writer_write(g.w, path, err);
  gguf_writer_free(g.w);
  for (size_t i = 0; i < g.nbufs; i++) free(g.bufs[i]);
  free(g.bufs);
  return rc;
}
