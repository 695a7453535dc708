/* rwkv7.c - describe an RWKV-7 GGUF file (llama.cpp's `rwkv7` layout).
 *
 * Tensor names, shapes and metadata keys follow llama.cpp (src/llama-arch.cpp
 * LLM_ARCH_RWKV7 names, src/llama-model.cpp LLM_ARCH_RWKV7 create_tensor shapes,
 * gguf-py/gguf/constants.py keys); see /work/shared/testdata/README.md for the
 * layout as read off a real rwkv7 GGUF. file_type numbers are llama.cpp's
 * enum llama_ftype (include/llama.h). */
#include "rwkv7.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant.h"

#define RWKV7_MAX_LAYERS 65536u

/* llama.cpp include/llama.h enum llama_ftype -> our short name. */
static const char *ftype_name(uint32_t ft) {
  switch (ft) {
    case 0: return "F32";
    case 1: return "F16";
    case 2: return "Q4_0";
    case 3: return "Q4_1";
    case 7: return "Q8_0";
    case 8: return "Q5_0";
    case 9: return "Q5_1";
    case 10: return "Q2_K";
    case 11: return "Q3_K_S";
    case 12: return "Q3_K_M";
    case 13: return "Q3_K_L";
    case 14: return "Q4_K_S";
    case 15: return "Q4_K_M";
    case 16: return "Q5_K_S";
    case 17: return "Q5_K_M";
    case 18: return "Q6_K";
    case 21: return "Q2_K_S";
    case 32: return "BF16";
    default: return NULL;
  }
}

typedef struct lookup {
  const gguf_file *f;
  rwkv_error *err;
} lookup;

static const char *type_name(uint32_t t) {
  const rwkv_type_info *ti = rwkv_type_get(t);
  return ti ? ti->name : "unknown";
}

/* Find `name` and check its shape against want[0..3] (ne order, missing dims 1).
 * small: the tensor must be F32 or F16. alt (may be NULL): an accepted second shape. */
static int get_tensor(const lookup *L, const char *name, const uint64_t want[4], const uint64_t *alt,
                      int small, const gguf_tensor **out) {
  const gguf_tensor *t = gguf_find_tensor(L->f, name);
  if (!t) return rwkv_errorf(L->err, RWKV_ERR_FORMAT, "%s: missing tensor '%s'", L->f->path, name);
  int ok = 1, ok_alt = alt != NULL;
  for (int i = 0; i < 4; i++) {
    if (t->ne[i] != want[i]) ok = 0;
    if (alt && t->ne[i] != alt[i]) ok_alt = 0;
  }
  if (!ok && !ok_alt) {
    char extra[96] = "";
    if (alt)
      snprintf(extra, sizeof extra, " or [%llu, %llu, %llu, %llu]", (unsigned long long)alt[0],
               (unsigned long long)alt[1], (unsigned long long)alt[2], (unsigned long long)alt[3]);
    return rwkv_errorf(L->err, RWKV_ERR_FORMAT,
                       "%s: tensor '%s' has shape [%llu, %llu, %llu, %llu], expected [%llu, %llu, %llu, %llu]%s",
                       L->f->path, name, (unsigned long long)t->ne[0], (unsigned long long)t->ne[1],
                       (unsigned long long)t->ne[2], (unsigned long long)t->ne[3],
                       (unsigned long long)want[0], (unsigned long long)want[1],
                       (unsigned long long)want[2], (unsigned long long)want[3], extra);
  }
  if (!rwkv_type_get(t->type))
    return rwkv_errorf(L->err, RWKV_ERR_UNSUPPORTED, "%s: tensor '%s' has unsupported type id %u",
                       L->f->path, name, t->type);
  if (small && t->type != RWKV_TYPE_F32 && t->type != RWKV_TYPE_F16)
    return rwkv_errorf(L->err, RWKV_ERR_UNSUPPORTED,
                       "%s: tensor '%s' is %s; small tensors must be f32 or f16", L->f->path, name,
                       type_name(t->type));
  *out = t;
  return RWKV_OK;
}

static int vec(const lookup *L, const char *name, uint64_t n, const gguf_tensor **out) {
  const uint64_t w[4] = {n, 1, 1, 1};
  return get_tensor(L, name, w, NULL, 1, out);
}

static int mat(const lookup *L, const char *name, uint64_t in, uint64_t outn, int small,
               const gguf_tensor **out) {
  const uint64_t w[4] = {in, outn, 1, 1};
  return get_tensor(L, name, w, NULL, small, out);
}

static int layer_vec(const lookup *L, uint32_t il, const char *suffix, uint64_t n,
                     const gguf_tensor **out) {
  char name[128];
  snprintf(name, sizeof name, "blk.%u.%s", il, suffix);
  return vec(L, name, n, out);
}

static int layer_mat(const lookup *L, uint32_t il, const char *suffix, uint64_t in, uint64_t outn,
                     int small, const gguf_tensor **out) {
  char name[128];
  snprintf(name, sizeof name, "blk.%u.%s", il, suffix);
  return mat(L, name, in, outn, small, out);
}

/* A LoRA pair blk.N.time_mix_<x>1 [D, rank] / <x>2 [rank, D], with a message
 * that names the rank key when only the rank disagrees. */
static int lora(const lookup *L, uint32_t il, const char *x, uint64_t D, uint32_t rank,
                const char *rank_key, const gguf_tensor **t1, const gguf_tensor **t2) {
  char n1[128], n2[128];
  snprintf(n1, sizeof n1, "blk.%u.time_mix_%s1.weight", il, x);
  snprintf(n2, sizeof n2, "blk.%u.time_mix_%s2.weight", il, x);
  const gguf_tensor *a = gguf_find_tensor(L->f, n1), *b = gguf_find_tensor(L->f, n2);
  if (a && a->ne[0] == D && a->ne[1] != rank && a->ne[2] == 1 && a->ne[3] == 1)
    return rwkv_errorf(L->err, RWKV_ERR_FORMAT,
                       "%s: tensor '%s' has rank %llu but %s = %u (ranks mismatch)", L->f->path, n1,
                       (unsigned long long)a->ne[1], rank_key, rank);
  if (b && b->ne[1] == D && b->ne[0] != rank && b->ne[2] == 1 && b->ne[3] == 1)
    return rwkv_errorf(L->err, RWKV_ERR_FORMAT,
                       "%s: tensor '%s' has rank %llu but %s = %u (ranks mismatch)", L->f->path, n2,
                       (unsigned long long)b->ne[0], rank_key, rank);
  int rc = mat(L, n1, D, rank, 0, t1);
  if (rc) return rc;
  return mat(L, n2, rank, D, 0, t2);
}

static int describe_layer(const lookup *L, const rwkv7_desc *d, uint32_t il, rwkv7_layer *ly) {
  const uint64_t D = d->n_embd, F = d->n_ffn;
  int rc;
#define TRY(x)          \
  do {                  \
    if ((rc = (x))) return rc; \
  } while (0)
  TRY(layer_vec(L, il, "attn_norm.weight", D, &ly->ln1_w));
  TRY(layer_vec(L, il, "attn_norm.bias", D, &ly->ln1_b));
  TRY(layer_vec(L, il, "attn_norm_2.weight", D, &ly->ln2_w));
  TRY(layer_vec(L, il, "attn_norm_2.bias", D, &ly->ln2_b));
  {
    char name[128];
    snprintf(name, sizeof name, "blk.%u.time_mix_lerp_fused.weight", il);
    const uint64_t w[4] = {D, 1, 1, 6};
    TRY(get_tensor(L, name, w, NULL, 1, &ly->lerp));
  }
  TRY(layer_mat(L, il, "time_mix_receptance.weight", D, D, 0, &ly->wr));
  TRY(layer_mat(L, il, "time_mix_key.weight", D, D, 0, &ly->wk));
  TRY(layer_mat(L, il, "time_mix_value.weight", D, D, 0, &ly->wv));
  TRY(layer_mat(L, il, "time_mix_output.weight", D, D, 0, &ly->wo));
  TRY(layer_vec(L, il, "time_mix_w0.weight", D, &ly->w0));
  TRY(lora(L, il, "w", D, d->rank_w, "rwkv7.attention.decay_lora_rank", &ly->w1, &ly->w2));
  TRY(layer_vec(L, il, "time_mix_a0.weight", D, &ly->a0));
  TRY(lora(L, il, "a", D, d->rank_a, "rwkv7.attention.iclr_lora_rank", &ly->a1, &ly->a2));
  if (il > 0) {
    TRY(layer_vec(L, il, "time_mix_v0.weight", D, &ly->v0));
    TRY(lora(L, il, "v", D, d->rank_v, "rwkv7.attention.value_residual_mix_lora_rank", &ly->v1,
             &ly->v2));
  }
  TRY(lora(L, il, "g", D, d->rank_g, "rwkv7.attention.gate_lora_rank", &ly->g1, &ly->g2));
  TRY(layer_vec(L, il, "time_mix_k_k.weight", D, &ly->k_k));
  TRY(layer_vec(L, il, "time_mix_k_a.weight", D, &ly->k_a));
  {
    /* r_k: llama.cpp stores [D]; rwkv.cpp-style files keep [head_size, n_head]. */
    char name[128];
    snprintf(name, sizeof name, "blk.%u.time_mix_r_k.weight", il);
    const uint64_t w[4] = {D, 1, 1, 1}, alt[4] = {d->head_size, d->n_head, 1, 1};
    TRY(get_tensor(L, name, w, alt, 1, &ly->r_k));
  }
  TRY(layer_vec(L, il, "time_mix_ln.weight", D, &ly->lnx_w));
  TRY(layer_vec(L, il, "time_mix_ln.bias", D, &ly->lnx_b));
  TRY(layer_vec(L, il, "channel_mix_lerp_k.weight", D, &ly->ffn_lerp));
  TRY(layer_mat(L, il, "channel_mix_key.weight", D, F, 0, &ly->ffn_key));
  TRY(layer_mat(L, il, "channel_mix_value.weight", F, D, 0, &ly->ffn_value));
#undef TRY
  return RWKV_OK;
}

static int req_u32(const gguf_file *f, const char *key, uint32_t *out, rwkv_error *err) {
  int rc = gguf_get_u32(f, key, 0, out, err);
  if (rc) return rc;
  if (*out == 0)
    return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: metadata key '%s' is 0", f->path, key);
  return RWKV_OK;
}

static void derive_file_type(rwkv7_desc *d) {
  uint32_t t0 = d->head->type;
  int same = d->emb->type == t0;
  for (uint32_t il = 0; il < d->n_layer && same; il++) {
    const rwkv7_layer *ly = &d->layers[il];
    const gguf_tensor *m[6] = {ly->wr, ly->wk, ly->wv, ly->wo, ly->ffn_key, ly->ffn_value};
    for (int i = 0; i < 6; i++)
      if (m[i]->type != t0) same = 0;
  }
  if (!same) {
    snprintf(d->file_type, sizeof d->file_type, "mixed");
    return;
  }
  const char *n = type_name(t0);
  size_t i = 0;
  for (; n[i] && i + 1 < sizeof d->file_type; i++) d->file_type[i] = (char)toupper((unsigned char)n[i]);
  d->file_type[i] = 0;
}

int rwkv7_describe(const gguf_file *f, rwkv7_desc *d, rwkv_error *err) {
  if (!d) return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv7_describe: NULL description");
  memset(d, 0, sizeof *d);
  if (!f) return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv7_describe: NULL file");
  rwkv7_desc t;
  memset(&t, 0, sizeof t);
  int rc;
  gguf_str arch;
  if ((rc = gguf_get_str(f, "general.architecture", 0, &arch, err))) return rc;
  if (!gguf_str_eq(arch, "rwkv7")) {
    int n = arch.len > 64 ? 64 : (int)arch.len;
    return rwkv_errorf(err, RWKV_ERR_UNSUPPORTED,
                       "%s: general.architecture is '%.*s', expected 'rwkv7'", f->path, n, arch.ptr);
  }
  if ((rc = req_u32(f, "rwkv7.block_count", &t.n_layer, err))) return rc;
  if ((rc = req_u32(f, "rwkv7.embedding_length", &t.n_embd, err))) return rc;
  if ((rc = req_u32(f, "rwkv7.feed_forward_length", &t.n_ffn, err))) return rc;
  if ((rc = req_u32(f, "rwkv7.wkv.head_size", &t.head_size, err))) return rc;
  if ((rc = req_u32(f, "rwkv7.attention.decay_lora_rank", &t.rank_w, err))) return rc;
  if ((rc = req_u32(f, "rwkv7.attention.iclr_lora_rank", &t.rank_a, err))) return rc;
  if ((rc = req_u32(f, "rwkv7.attention.value_residual_mix_lora_rank", &t.rank_v, err))) return rc;
  t.eps = 1e-5f;
  if ((rc = gguf_get_f32(f, "rwkv7.attention.layer_norm_epsilon", 1, &t.eps, err))) return rc;
  if (!(t.eps > 0.0f && t.eps < 1.0f))
    return rwkv_errorf(err, RWKV_ERR_FORMAT,
                       "%s: rwkv7.attention.layer_norm_epsilon = %g is out of range (0, 1)", f->path,
                       (double)t.eps);
  if ((rc = gguf_get_u32(f, "rwkv7.context_length", 1, &t.context_length, err))) return rc;
  if (t.n_layer > RWKV7_MAX_LAYERS)
    return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: rwkv7.block_count = %u is absurd", f->path,
                       t.n_layer);
  if (t.n_embd % t.head_size != 0)
    return rwkv_errorf(err, RWKV_ERR_FORMAT,
                       "%s: rwkv7.embedding_length %u is not a multiple of rwkv7.wkv.head_size %u",
                       f->path, t.n_embd, t.head_size);
  t.n_head = t.n_embd / t.head_size;

  lookup L = {f, err};
  /* Gate rank: optional key (llama.cpp too); else read off blk.0.time_mix_g1. */
  uint32_t rank_g = 0;
  if ((rc = gguf_get_u32(f, "rwkv7.attention.gate_lora_rank", 1, &rank_g, err))) return rc;
  if (rank_g == 0) {
    const gguf_tensor *g1 = gguf_find_tensor(f, "blk.0.time_mix_g1.weight");
    if (!g1)
      return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: missing tensor 'blk.0.time_mix_g1.weight'",
                         f->path);
    if (g1->ne[1] == 0 || g1->ne[1] > UINT32_MAX)
      return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: tensor 'blk.0.time_mix_g1.weight' has bad rank %llu",
                         f->path, (unsigned long long)g1->ne[1]);
    rank_g = (uint32_t)g1->ne[1];
  }
  t.rank_g = rank_g;

  const gguf_tensor *emb = gguf_find_tensor(f, "token_embd.weight");
  if (!emb) return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: missing tensor 'token_embd.weight'", f->path);
  if (emb->ne[1] == 0 || emb->ne[1] > UINT32_MAX)
    return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: tensor 'token_embd.weight' has bad vocab size %llu",
                       f->path, (unsigned long long)emb->ne[1]);
  t.n_vocab = (uint32_t)emb->ne[1];
  const uint64_t D = t.n_embd, V = t.n_vocab;
  if ((rc = mat(&L, "token_embd.weight", D, V, 0, &t.emb))) return rc;
  if ((rc = vec(&L, "token_embd_norm.weight", D, &t.ln0_w))) return rc;
  if ((rc = vec(&L, "token_embd_norm.bias", D, &t.ln0_b))) return rc;
  if ((rc = vec(&L, "output_norm.weight", D, &t.lnout_w))) return rc;
  if ((rc = vec(&L, "output_norm.bias", D, &t.lnout_b))) return rc;
  if ((rc = mat(&L, "output.weight", D, V, 0, &t.head))) return rc;

  t.layers = calloc(t.n_layer, sizeof *t.layers);
  if (!t.layers) return rwkv_errorf(err, RWKV_ERR_NOMEM, "%s: out of memory for %u layers", f->path, t.n_layer);
  for (uint32_t il = 0; il < t.n_layer; il++) {
    if ((rc = describe_layer(&L, &t, il, &t.layers[il]))) {
      free(t.layers);
      return rc;
    }
  }
  /* No tensor beyond the last layer may claim to be a layer (a block_count too small). */
  {
    char name[64];
    snprintf(name, sizeof name, "blk.%u.attn_norm.weight", t.n_layer);
    if (gguf_find_tensor(f, name)) {
      free(t.layers);
      return rwkv_errorf(err, RWKV_ERR_FORMAT,
                         "%s: tensor '%s' exists but rwkv7.block_count = %u", f->path, name, t.n_layer);
    }
  }

  uint32_t ft = UINT32_MAX;
  if ((rc = gguf_get_u32(f, "general.file_type", 1, &ft, err))) {
    free(t.layers);
    return rc;
  }
  const char *fn = ft == UINT32_MAX ? NULL : ftype_name(ft);
  if (fn) {
    snprintf(t.file_type, sizeof t.file_type, "%s", fn);
  } else {
    derive_file_type(&t);
  }
  *d = t;
  return RWKV_OK;
}

void rwkv7_desc_free(rwkv7_desc *d) {
  if (!d) return;
  free(d->layers);
  memset(d, 0, sizeof *d);
}
