/* rwkv7_meta.c - shared rules for writing rwkv7 GGUF files; see rwkv7_meta.h.
 *
 * Facts used (no code taken):
 * - llama.cpp src/llama-quant.cpp llama_tensor_get_type: Q4_K_M sends output.weight to
 *   Q6_K and attn_v / ffn_down to Q6_K where use_more_bits(i, n) = i < n/8 || i >= 7n/8 ||
 *   (i - n/8) % 3 == 2; rwkv7's counterparts are time_mix_value and channel_mix_value.
 *   Rows that are not a multiple of 256: Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0,
 *   Q2_K/Q3_K -> IQ4_NL (we use Q4_0, the same 4-bit 32-element class), else F16.
 *   It keeps RWKV's LoRA and lerp tensors unquantized (in the source file's type).
 * - llama.cpp convert_hf_to_gguf.py prepare_tensors: TIME_MIX_W1 / TIME_MIX_W2 (and
 *   lerp_fused, 1-D tensors) always F32; the other 2-D tensors, a1 / a2 / v1 / v2 / g1 / g2
 *   among them, in the output type (f16 by default, bf16 with --outtype bf16 or "auto"
 *   on a bf16 model). So a Q4_K_M made the usual way (f16 GGUF, then llama-quantize) has
 *   F32 w1 / w2 and F16 a / v / g LoRA tensors.
 * - llama.cpp include/llama.h enum llama_ftype: general.file_type numbers.
 * - llama.cpp convert_hf_to_gguf.py Rwkv7Model / _set_vocab_rwkv_world: context_length
 *   1048576, token_shift_count 1, "<s>" + escaped vocabulary + "[PADn]" tokens. */
#include "rwkv7_meta.h"

#include <stdlib.h>
#include <string.h>

#include "quant.h"
#include "tokenizer.h"

static const rwkv7_ftype FTYPES[] = {
    {"f32", RWKV_TYPE_F32, 0, 0},    {"f16", RWKV_TYPE_F16, 1, 0},    {"bf16", RWKV_TYPE_BF16, 32, 0},
    {"q8_0", RWKV_TYPE_Q8_0, 7, 0},  {"q4_0", RWKV_TYPE_Q4_0, 2, 0},  {"q4_1", RWKV_TYPE_Q4_1, 3, 0},
    {"q5_0", RWKV_TYPE_Q5_0, 8, 0},  {"q5_1", RWKV_TYPE_Q5_1, 9, 0},  {"q2_k", RWKV_TYPE_Q2_K, 10, 0},
    {"q3_k", RWKV_TYPE_Q3_K, 11, 0}, {"q4_k", RWKV_TYPE_Q4_K, 14, 0}, {"q5_k", RWKV_TYPE_Q5_K, 16, 0},
    {"q6_k", RWKV_TYPE_Q6_K, 18, 0}, {"q4_k_m", RWKV_TYPE_Q4_K, 15, 1},
};

static int ieq(const char *a, const char *b) {
  for (; *a && *b; a++, b++) {
    char x = *a, y = *b;
    if (x >= 'A' && x <= 'Z') x = (char)(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = (char)(y - 'A' + 'a');
    if (x != y) return 0;
  }
  return *a == *b;
}

const rwkv7_ftype *rwkv7_ftype_by_name(const char *name) {
  if (!name) return NULL;
  for (size_t i = 0; i < sizeof FTYPES / sizeof FTYPES[0]; i++)
    if (ieq(name, FTYPES[i].name)) return &FTYPES[i];
  return NULL;
}

const char *rwkv7_ftype_list(void) {
  return "f32 f16 bf16 q8_0 q4_0 q4_1 q5_0 q5_1 q2_k q3_k q4_k q5_k q6_k q4_k_m";
}

static const char *tname(uint32_t t) {
  const rwkv_type_info *ti = rwkv_type_get(t);
  return ti ? ti->name : "?";
}

static uint32_t block_of(uint32_t t) {
  const rwkv_type_info *ti = rwkv_type_get(t);
  return ti ? ti->block : 0;
}

static int use_more_bits(uint32_t i, uint32_t n) {
  return i < n / 8 || i >= 7 * n / 8 || ((int64_t)i - (int64_t)(n / 8)) % 3 == 2;
}

int rwkv7_big_matrix_type(const rwkv7_ftype *ft, const char *tensor, int layer, uint32_t n_layer,
                          uint64_t ne0, uint32_t *out, FILE *log, rwkv_error *err) {
  if (!ft || !tensor || !out) return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv7_big_matrix_type: NULL argument");
  uint32_t t = ft->type;
  if (ft->q4_k_m) {
    if (strcmp(tensor, "output.weight") == 0) t = RWKV_TYPE_Q6_K;
    if (layer >= 0 && (strstr(tensor, "time_mix_value.weight") || strstr(tensor, "channel_mix_value.weight")) &&
        use_more_bits((uint32_t)layer, n_layer))
      t = RWKV_TYPE_Q6_K;
  }
  uint32_t bs = block_of(t);
  if (bs == 0) return rwkv_errorf(err, RWKV_ERR_UNSUPPORTED, "%s: type %s is not supported by quant.h", tensor, tname(t));
  if (ne0 % bs == 0) {
    *out = t;
    return RWKV_OK;
  }
  uint32_t fb;
  switch (t) {
    case RWKV_TYPE_Q2_K:
    case RWKV_TYPE_Q3_K: fb = RWKV_TYPE_Q4_0; break;
    case RWKV_TYPE_Q4_K: fb = RWKV_TYPE_Q5_0; break;
    case RWKV_TYPE_Q5_K: fb = RWKV_TYPE_Q5_1; break;
    case RWKV_TYPE_Q6_K: fb = RWKV_TYPE_Q8_0; break;
    default: fb = RWKV_TYPE_F16; break;
  }
  if (ne0 % block_of(fb) != 0) fb = RWKV_TYPE_F16;
  if (log)
    fprintf(log, "note: %s: rows of %llu are not a multiple of %u (%s); using %s\n", tensor, (unsigned long long)ne0,
            bs, tname(t), tname(fb));
  *out = fb;
  return 2;
}

/* ---------------------------------------------------------------- tensor list */

int rwkv7_hparams_check(const rwkv7_hparams *hp, rwkv_error *err) {
  if (!hp) return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv7 hyperparameters: NULL");
  const struct {
    const char *name;
    uint32_t v;
  } f[] = {{"n_layer", hp->n_layer}, {"n_embd", hp->n_embd},   {"head_size", hp->head_size},
           {"n_ffn", hp->n_ffn},     {"n_vocab", hp->n_vocab}, {"rank_w", hp->rank_w},
           {"rank_a", hp->rank_a},   {"rank_v", hp->rank_v},   {"rank_g", hp->rank_g}};
  for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
    if (f[i].v == 0 || f[i].v > (1u << 24))
      return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv7 hyperparameters: %s is %u, must be in 1..%u", f[i].name, f[i].v,
                         1u << 24);
  if (hp->n_layer > 4096)
    return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv7 hyperparameters: n_layer %u is more than 4096", hp->n_layer);
  if (hp->n_embd % hp->head_size != 0)
    return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv7 hyperparameters: head_size %u does not divide n_embd %u",
                       hp->head_size, hp->n_embd);
  return RWKV_OK;
}

typedef struct layer_item {
  const char *role;
  int kind;
  int shape; /* 0 [D], 1 [D,D], 2 [D,rank], 3 [rank,D], 4 [D,1,1,6], 5 [D,F], 6 [F,D] */
  char rank; /* 'w', 'a', 'v', 'g' for LoRA shapes */
} layer_item;

static const layer_item LAYER_ITEMS[] = {
    {"attn_norm.weight", RWKV7_KIND_VEC, 0, 0},
    {"attn_norm.bias", RWKV7_KIND_VEC, 0, 0},
    {"attn_norm_2.weight", RWKV7_KIND_VEC, 0, 0},
    {"attn_norm_2.bias", RWKV7_KIND_VEC, 0, 0},
    {"time_mix_lerp_fused.weight", RWKV7_KIND_LERP, 4, 0},
    {"time_mix_w0.weight", RWKV7_KIND_VEC, 0, 0},
    {"time_mix_w1.weight", RWKV7_KIND_LORA, 2, 'w'},
    {"time_mix_w2.weight", RWKV7_KIND_LORA, 3, 'w'},
    {"time_mix_a0.weight", RWKV7_KIND_VEC, 0, 0},
    {"time_mix_a1.weight", RWKV7_KIND_LORA, 2, 'a'},
    {"time_mix_a2.weight", RWKV7_KIND_LORA, 3, 'a'},
    {"time_mix_v0.weight", RWKV7_KIND_VEC, 0, 0},
    {"time_mix_v1.weight", RWKV7_KIND_LORA, 2, 'v'},
    {"time_mix_v2.weight", RWKV7_KIND_LORA, 3, 'v'},
    {"time_mix_g1.weight", RWKV7_KIND_LORA, 2, 'g'},
    {"time_mix_g2.weight", RWKV7_KIND_LORA, 3, 'g'},
    {"time_mix_k_k.weight", RWKV7_KIND_VEC, 0, 0},
    {"time_mix_k_a.weight", RWKV7_KIND_VEC, 0, 0},
    {"time_mix_r_k.weight", RWKV7_KIND_VEC, 0, 0},
    {"time_mix_receptance.weight", RWKV7_KIND_BIG, 1, 0},
    {"time_mix_key.weight", RWKV7_KIND_BIG, 1, 0},
    {"time_mix_value.weight", RWKV7_KIND_BIG, 1, 0},
    {"time_mix_output.weight", RWKV7_KIND_BIG, 1, 0},
    {"time_mix_ln.weight", RWKV7_KIND_VEC, 0, 0},
    {"time_mix_ln.bias", RWKV7_KIND_VEC, 0, 0},
    {"channel_mix_lerp_k.weight", RWKV7_KIND_VEC, 0, 0},
    {"channel_mix_key.weight", RWKV7_KIND_BIG, 5, 0},
    {"channel_mix_value.weight", RWKV7_KIND_BIG, 6, 0},
};

static void set_spec(rwkv7_tensor_spec *s, const char *role, int layer, int kind, uint32_t n_dims, uint64_t a,
                     uint64_t b, uint64_t c, uint64_t d) {
  memset(s, 0, sizeof *s);
  if (layer >= 0)
    snprintf(s->name, sizeof s->name, "blk.%d.%s", layer, role);
  else
    snprintf(s->name, sizeof s->name, "%s", role);
  s->role = role;
  s->layer = layer;
  s->kind = kind;
  s->n_dims = n_dims;
  s->ne[0] = a;
  s->ne[1] = b;
  s->ne[2] = c;
  s->ne[3] = d;
}

int rwkv7_tensor_specs(const rwkv7_hparams *hp, rwkv7_tensor_spec **out, uint32_t *n, rwkv_error *err) {
  if (!out || !n) return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv7_tensor_specs: NULL output");
  *out = NULL;
  *n = 0;
  int rc = rwkv7_hparams_check(hp, err);
  if (rc) return rc;
  const uint32_t per = (uint32_t)(sizeof LAYER_ITEMS / sizeof LAYER_ITEMS[0]);
  const uint64_t cap = 6 + (uint64_t)hp->n_layer * per;
  rwkv7_tensor_spec *s = calloc((size_t)cap, sizeof *s);
  if (!s) return rwkv_errorf(err, RWKV_ERR_NOMEM, "rwkv7_tensor_specs: out of memory for %llu tensors",
                             (unsigned long long)cap);
  const uint64_t D = hp->n_embd, F = hp->n_ffn, V = hp->n_vocab;
  uint32_t k = 0;
  set_spec(&s[k++], "token_embd.weight", -1, RWKV7_KIND_BIG, 2, D, V, 1, 1);
  set_spec(&s[k++], "token_embd_norm.weight", -1, RWKV7_KIND_VEC, 1, D, 1, 1, 1);
  set_spec(&s[k++], "token_embd_norm.bias", -1, RWKV7_KIND_VEC, 1, D, 1, 1, 1);
  for (uint32_t il = 0; il < hp->n_layer; il++) {
    for (uint32_t i = 0; i < per; i++) {
      const layer_item *it = &LAYER_ITEMS[i];
      if (il == 0 && (it->rank == 'v' || strcmp(it->role, "time_mix_v0.weight") == 0)) continue; /* no value residual in layer 0 */
      uint64_t r = it->rank == 'w' ? hp->rank_w : it->rank == 'a' ? hp->rank_a : it->rank == 'v' ? hp->rank_v
                                                                                                    : hp->rank_g;
      rwkv7_tensor_spec *t = &s[k++];
      switch (it->shape) {
        case 0: set_spec(t, it->role, (int)il, it->kind, 1, D, 1, 1, 1); break;
        case 1: set_spec(t, it->role, (int)il, it->kind, 2, D, D, 1, 1); break;
        case 2: set_spec(t, it->role, (int)il, it->kind, 2, D, r, 1, 1); break;
        case 3: set_spec(t, it->role, (int)il, it->kind, 2, r, D, 1, 1); break;
        case 4: set_spec(t, it->role, (int)il, it->kind, 4, D, 1, 1, 6); break;
        case 5: set_spec(t, it->role, (int)il, it->kind, 2, D, F, 1, 1); break;
        default: set_spec(t, it->role, (int)il, it->kind, 2, F, D, 1, 1); break;
      }
    }
  }
  set_spec(&s[k++], "output_norm.weight", -1, RWKV7_KIND_VEC, 1, D, 1, 1, 1);
  set_spec(&s[k++], "output_norm.bias", -1, RWKV7_KIND_VEC, 1, D, 1, 1, 1);
  set_spec(&s[k++], "output.weight", -1, RWKV7_KIND_BIG, 2, D, V, 1, 1);
  *out = s;
  *n = k;
  return RWKV_OK;
}

int rwkv7_tensor_type(const rwkv7_ftype *ft, const rwkv7_tensor_spec *t, uint32_t n_layer, int lora,
                      uint32_t *out, FILE *log, rwkv_error *err) {
  if (!ft || !t || !out) return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv7_tensor_type: NULL argument");
  switch (t->kind) {
    case RWKV7_KIND_BIG: return rwkv7_big_matrix_type(ft, t->name, t->layer, n_layer, t->ne[0], out, log, err);
    case RWKV7_KIND_LORA:
      if (lora >= 0) {
        if (!rwkv_type_is_float(lora))
          return rwkv_errorf(err, RWKV_ERR_ARG, "%s: LoRA type %s is not f32, f16 or bf16", t->name,
                             tname((uint32_t)lora));
        *out = (uint32_t)lora;
      } else if (t->role && (strcmp(t->role, "time_mix_w1.weight") == 0 || strcmp(t->role, "time_mix_w2.weight") == 0)) {
        *out = RWKV_TYPE_F32;
      } else {
        *out = ft->type == RWKV_TYPE_F32 ? RWKV_TYPE_F32 : ft->type == RWKV_TYPE_BF16 ? RWKV_TYPE_BF16 : RWKV_TYPE_F16;
      }
      return RWKV_OK;
    default: *out = RWKV_TYPE_F32; return RWKV_OK;
  }
}

/* ---------------------------------------------------------------- vocabulary */

void rwkv7_vocab_free(rwkv7_vocab *v) {
  if (!v) return;
  if (v->strs)
    for (uint64_t i = 0; i < v->n; i++) free(v->strs[i]);
  free(v->strs);
  free(v->lens);
  free(v->types);
  memset(v, 0, sizeof *v);
}

static int vocab_set(rwkv7_vocab *v, uint64_t i, const char *bytes, size_t len, int32_t type, rwkv_error *err) {
  size_t need = 0;
  int rc = rwkv_token_escape(bytes, len, NULL, 0, &need, err);
  if (rc && rc != RWKV_ERR_ARG) return rc;
  v->strs[i] = malloc(need + 1);
  if (!v->strs[i]) return rwkv_errorf(err, RWKV_ERR_NOMEM, "out of memory for the vocabulary");
  size_t got = 0;
  if ((rc = rwkv_token_escape(bytes, len, v->strs[i], need + 1, &got, err))) return rc;
  v->lens[i] = got;
  v->types[i] = type;
  return RWKV_OK;
}

static int vocab_plain(rwkv7_vocab *v, uint64_t i, const char *text, int32_t type, rwkv_error *err) {
  size_t n = strlen(text);
  v->strs[i] = malloc(n + 1);
  if (!v->strs[i]) return rwkv_errorf(err, RWKV_ERR_NOMEM, "out of memory for the vocabulary");
  memcpy(v->strs[i], text, n + 1);
  v->lens[i] = n;
  v->types[i] = type;
  return RWKV_OK;
}

int rwkv7_vocab_build(uint32_t n_vocab, const char *vocab_path, int synthetic, rwkv7_vocab *v, rwkv_error *err) {
  if (!v) return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv7_vocab_build: NULL vocabulary");
  memset(v, 0, sizeof *v);
  if (n_vocab == 0) return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv7_vocab_build: n_vocab is 0");
  if (!vocab_path && !synthetic && n_vocab != 256)
    return rwkv_errorf(err, RWKV_ERR_ARG,
                       "n_vocab is %u: give the world vocabulary with --vocab (only 256-token byte models need none)",
                       n_vocab);
  v->n = n_vocab;
  v->strs = calloc(v->n, sizeof *v->strs);
  v->lens = calloc(v->n, sizeof *v->lens);
  v->types = calloc(v->n, sizeof *v->types);
  int rc = RWKV_OK;
  if (!v->strs || !v->lens || !v->types) {
    rc = rwkv_errorf(err, RWKV_ERR_NOMEM, "out of memory for a vocabulary of %u tokens", n_vocab);
    goto done;
  }
  if (!vocab_path) {
    for (uint64_t i = 0; i < n_vocab && !rc; i++) {
      if (i < 256) {
        char b = (char)(unsigned char)i;
        rc = vocab_set(v, i, &b, 1, RWKV_TOKEN_TYPE_NORMAL, err);
      } else {
        char txt[32];
        snprintf(txt, sizeof txt, "[TOK%llu]", (unsigned long long)i);
        rc = vocab_plain(v, i, txt, RWKV_TOKEN_TYPE_NORMAL, err);
      }
    }
    goto done;
  }
  rwkv_tokenizer *tok = NULL;
  if ((rc = rwkv_tokenizer_load_vocab(vocab_path, &tok, err))) goto done;
  uint32_t nv = rwkv_tokenizer_vocab_size(tok);
  if (nv > n_vocab) {
    rwkv_tokenizer_free(tok);
    rc = rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: vocabulary has %u tokens but the model has n_vocab %u", vocab_path,
                     nv, n_vocab);
    goto done;
  }
  rc = vocab_plain(v, 0, "<s>", RWKV_TOKEN_TYPE_CONTROL, err);
  for (uint32_t i = 1; i < nv && !rc; i++) {
    const char *b;
    size_t len;
    if (!(rc = rwkv_token_bytes(tok, (int32_t)i, &b, &len, err))) rc = vocab_set(v, i, b, len, RWKV_TOKEN_TYPE_NORMAL, err);
  }
  rwkv_tokenizer_free(tok);
  for (uint64_t i = nv; i < v->n && !rc; i++) {
    char pad[32];
    snprintf(pad, sizeof pad, "[PAD%llu]", (unsigned long long)i);
    rc = vocab_plain(v, i, pad, RWKV_TOKEN_TYPE_UNUSED, err);
  }
done:
  if (rc) rwkv7_vocab_free(v);
  return rc;
}

/* ---------------------------------------------------------------- metadata */

int rwkv7_write_metadata(gguf_writer *w, const rwkv7_hparams *hp, const rwkv7_ftype *ft, const char *name,
                         const rwkv7_vocab *v, rwkv_error *err) {
  if (!w || !hp || !ft || !name || !v) return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv7_write_metadata: NULL argument");
  int rc = rwkv7_hparams_check(hp, err);
  if (rc) return rc;
  if (v->n != hp->n_vocab)
    return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv7_write_metadata: %llu tokens for n_vocab %u",
                       (unsigned long long)v->n, hp->n_vocab);
#define KV(call) \
  if (!rc) rc = (call)
  KV(gguf_writer_add_str(w, "general.architecture", "rwkv7", err));
  KV(gguf_writer_add_str(w, "general.name", name, err));
  KV(gguf_writer_add_u32(w, "general.file_type", ft->ftype, err));
  KV(gguf_writer_add_u32(w, "rwkv7.context_length", 1048576u, err));
  KV(gguf_writer_add_u32(w, "rwkv7.embedding_length", hp->n_embd, err));
  KV(gguf_writer_add_u32(w, "rwkv7.block_count", hp->n_layer, err));
  KV(gguf_writer_add_f32(w, "rwkv7.attention.layer_norm_epsilon", 1e-5f, err));
  KV(gguf_writer_add_u32(w, "rwkv7.wkv.head_size", hp->head_size, err));
  KV(gguf_writer_add_u32(w, "rwkv7.attention.decay_lora_rank", hp->rank_w, err));
  KV(gguf_writer_add_u32(w, "rwkv7.attention.iclr_lora_rank", hp->rank_a, err));
  KV(gguf_writer_add_u32(w, "rwkv7.attention.value_residual_mix_lora_rank", hp->rank_v, err));
  KV(gguf_writer_add_u32(w, "rwkv7.attention.gate_lora_rank", hp->rank_g, err));
  KV(gguf_writer_add_u32(w, "rwkv7.feed_forward_length", hp->n_ffn, err));
  KV(gguf_writer_add_u32(w, "rwkv7.token_shift_count", 1u, err));
  KV(gguf_writer_add_str(w, "tokenizer.ggml.model", "rwkv", err));
  KV(gguf_writer_add_str_array(w, "tokenizer.ggml.tokens", (const char *const *)v->strs, v->lens, v->n, err));
  KV(gguf_writer_add_array(w, "tokenizer.ggml.token_type", GGUF_I32, v->types, v->n, err));
#undef KV
  return rc;
}
