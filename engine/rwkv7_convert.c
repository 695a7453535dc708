/* rwkv7_convert.c - rwkv.cpp .bin (RWKV-7) -> llama.cpp rwkv7 GGUF; see rwkv7_convert.h.
 *
 * Facts used (no code taken):
 * - rwkv.cpp docs/FILE_FORMAT.md and rwkv_file_format.inc: header and record layout.
 * - llama.cpp convert_hf_to_gguf.py (Rwkv7Model, _set_vocab_rwkv_world): tensor names,
 *   context_length 1048576, token_shift_count 1, "<s>" + escaped vocab + "[PADn]" tokens
 *   with CONTROL / NORMAL / UNUSED token types.
 * - llama.cpp src/llama-quant.cpp llama_tensor_get_type: the Q4_K_M mix (output -> Q6_K;
 *   attn_v and ffn_down -> Q6_K where use_more_bits(i, n): i < n/8 || i >= 7n/8 ||
 *   (i - n/8) % 3 == 2) and the fallback for rows not a multiple of 256 (Q4_K -> Q5_0,
 *   Q5_K -> Q5_1, Q6_K -> Q8_0, Q2_K/Q3_K -> IQ4_NL, then F16 if that does not fit either).
 *   llama.cpp matches "attn_v" / "ffn_down" by name, which rwkv7's tensors never carry; we
 *   apply the rule to their rwkv7 counterparts time_mix_value and channel_mix_value.
 *   IQ4_NL is not a type this engine has: we use Q4_0 (same 32-element, 4-bit class).
 *   llama.cpp also keeps RWKV's LoRA and lerp tensors unquantized ("do not quantize RWKV's
 *   small yet 2D weights"), as we do.
 * - llama.cpp include/llama.h enum llama_ftype: general.file_type values. */
#include "rwkv7_convert.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gguf.h"
#include "gguf_write.h"
#include "quant.h"
#include "rwkv7.h"
#include "tokenizer.h"

#define BIN_MAGIC 0x67676d66u
#define MAX_KEY 256
#define MAX_RECORDS 1000000u

typedef struct bin_record {
  char key[MAX_KEY + 1];
  uint32_t n_dims;
  uint64_t ne[4];
  uint32_t type;       /* ggml id: F32 or F16 */
  uint64_t n;          /* elements */
  uint64_t offset;     /* of the record header */
  const uint8_t *data; /* into the mapping */
} bin_record;

typedef struct out_tensor {
  char name[128];
  const bin_record *src;
  uint32_t type;
  uint32_t n_dims;
  uint64_t ne[4];
} out_tensor;

typedef struct conv {
  const char *in_path, *out_path;
  const uint8_t *base;
  uint64_t size;
  uint32_t n_vocab, n_embd, n_layer, data_type;
  bin_record *rec;
  uint32_t n_rec;
  out_tensor *out;
  uint32_t n_out;
  float *scratch; /* one row */
  uint64_t scratch_n;
  uint32_t head_size, n_head, n_ffn, rank_w, rank_a, rank_v, rank_g;
  FILE *log;
} conv;

/* ---------------------------------------------------------------- types */

typedef struct type_opt {
  const char *name;
  uint32_t type;  /* base ggml type for big matrices */
  uint32_t ftype; /* llama_ftype */
  int q4_k_m;
} type_opt;

static const type_opt TYPE_OPTS[] = {
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

/* ---------------------------------------------------------------- input */

static int rd_i32(const conv *c, uint64_t off, int32_t *v, const char *what, rwkv_error *err) {
  if (off > c->size || c->size - off < 4)
    return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: truncated at offset %llu: %s needs 4 bytes, %llu left",
                       c->in_path, (unsigned long long)off, what,
                       (unsigned long long)(off > c->size ? 0 : c->size - off));
  const uint8_t *p = c->base + off;
  *v = (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
  return RWKV_OK;
}

static int parse_bin(conv *c, rwkv_error *err) {
  int32_t h[6];
  static const char *hn[6] = {"magic", "version", "n_vocab", "n_embd", "n_layer", "data type"};
  int rc;
  for (int i = 0; i < 6; i++)
    if ((rc = rd_i32(c, 4u * (uint64_t)i, &h[i], hn[i], err))) return rc;
  if ((uint32_t)h[0] != BIN_MAGIC)
    return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: offset 0: bad magic 0x%08x, expected 0x%08x (rwkv.cpp 'ggmf')",
                       c->in_path, (unsigned)h[0], BIN_MAGIC);
  if (h[1] != 100 && h[1] != 101)
    return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: offset 4: unsupported rwkv.cpp file version %d (100 or 101)",
                       c->in_path, h[1]);
  for (int i = 2; i <= 4; i++)
    if (h[i] <= 0)
      return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: offset %d: %s is %d, must be positive", c->in_path, 4 * i,
                         hn[i], h[i]);
  if (h[5] != 0 && h[5] != 1)
    return rwkv_errorf(err, RWKV_ERR_UNSUPPORTED,
                       "%s: offset 20: data type %d is a quantized rwkv.cpp file; convert from the FP32 "
                       "or FP16 file", c->in_path, h[5]);
  c->n_vocab = (uint32_t)h[2];
  c->n_embd = (uint32_t)h[3];
  c->n_layer = (uint32_t)h[4];
  c->data_type = (uint32_t)h[5];

  uint32_t cap = 64;
  c->rec = malloc(cap * sizeof *c->rec);
  if (!c->rec) return rwkv_errorf(err, RWKV_ERR_NOMEM, "%s: out of memory", c->in_path);
  uint64_t off = 24;
  while (off < c->size) {
    if (c->n_rec >= MAX_RECORDS)
      return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: offset %llu: more than %u tensors", c->in_path,
                         (unsigned long long)off, MAX_RECORDS);
    if (c->n_rec == cap) {
      bin_record *nr = realloc(c->rec, 2 * (size_t)cap * sizeof *nr);
      if (!nr) return rwkv_errorf(err, RWKV_ERR_NOMEM, "%s: out of memory", c->in_path);
      c->rec = nr;
      cap *= 2;
    }
    bin_record *r = &c->rec[c->n_rec];
    memset(r, 0, sizeof *r);
    r->offset = off;
    int32_t nd = 0, kl = 0, ty = 0;
    if ((rc = rd_i32(c, off, &nd, "record n_dims", err))) return rc;
    if ((rc = rd_i32(c, off + 4, &kl, "record key_len", err))) return rc;
    if ((rc = rd_i32(c, off + 8, &ty, "record type", err))) return rc;
    if (nd < 1 || nd > 4)
      return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: offset %llu: record n_dims %d out of range 1..4", c->in_path,
                         (unsigned long long)off, nd);
    if (kl < 1 || kl > MAX_KEY)
      return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: offset %llu: record key_len %d out of range 1..%d",
                         c->in_path, (unsigned long long)(off + 4), kl, MAX_KEY);
    if (ty != 0 && ty != 1)
      return rwkv_errorf(err, RWKV_ERR_UNSUPPORTED,
                         "%s: offset %llu: record type %d not supported (0 f32, 1 f16)", c->in_path,
                         (unsigned long long)(off + 8), ty);
    r->type = ty == 0 ? RWKV_TYPE_F32 : RWKV_TYPE_F16;
    r->n_dims = (uint32_t)nd;
    uint64_t p = off + 12, n = 1;
    for (int i = 0; i < 4; i++) r->ne[i] = 1;
    for (int i = 0; i < nd; i++) {
      int32_t d = 0;
      if ((rc = rd_i32(c, p, &d, "record dimension", err))) return rc;
      if (d <= 0)
        return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: offset %llu: dimension %d is %d, must be positive",
                           c->in_path, (unsigned long long)p, i, d);
      r->ne[i] = (uint64_t)d;
      if (n > (c->size / 2 + 1) / (uint64_t)d) /* n * d would exceed the file */
        return rwkv_errorf(err, RWKV_ERR_FORMAT,
                           "%s: offset %llu: tensor dimensions need more data than the file holds (truncated or corrupt)", c->in_path,
                           (unsigned long long)p);
      n *= (uint64_t)d;
      p += 4;
    }
    r->n = n;
    if (p > c->size || c->size - p < (uint64_t)kl)
      return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: truncated at offset %llu: key needs %d bytes, %llu left",
                         c->in_path, (unsigned long long)p, kl,
                         (unsigned long long)(p > c->size ? 0 : c->size - p));
    memcpy(r->key, c->base + p, (size_t)kl);
    r->key[kl] = 0;
    for (int i = 0; i < kl; i++) {
      unsigned char ch = (unsigned char)r->key[i];
      if (ch < 0x20 || ch > 0x7e)
        return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: offset %llu: tensor key has a non-printable byte 0x%02x",
                           c->in_path, (unsigned long long)(p + (uint64_t)i), ch);
    }
    p += (uint64_t)kl;
    uint64_t bytes = n * (r->type == RWKV_TYPE_F32 ? 4u : 2u);
    if (p > c->size || c->size - p < bytes)
      return rwkv_errorf(err, RWKV_ERR_FORMAT,
                         "%s: truncated at offset %llu: tensor '%s' needs %llu bytes of data, %llu left",
                         c->in_path, (unsigned long long)p, r->key, (unsigned long long)bytes,
                         (unsigned long long)(p > c->size ? 0 : c->size - p));
    r->data = c->base + p;
    for (uint32_t j = 0; j < c->n_rec; j++)
      if (strcmp(c->rec[j].key, r->key) == 0)
        return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: offset %llu: tensor '%s' appears twice", c->in_path,
                           (unsigned long long)off, r->key);
    c->n_rec++;
    off = p + bytes;
  }
  if (c->n_rec == 0)
    return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: truncated at offset 24: no tensors after the header", c->in_path);
  return RWKV_OK;
}

static const bin_record *find_rec(const conv *c, const char *key) {
  for (uint32_t i = 0; i < c->n_rec; i++)
    if (strcmp(c->rec[i].key, key) == 0) return &c->rec[i];
  return NULL;
}

static int need_rec(const conv *c, const char *key, const bin_record **r, rwkv_error *err) {
  *r = find_rec(c, key);
  if (!*r) return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: missing tensor '%s'", c->in_path, key);
  return RWKV_OK;
}

static int fits_u32(const conv *c, const bin_record *r, int dim, uint32_t *out, rwkv_error *err) {
  if (r->ne[dim] == 0 || r->ne[dim] > 0x7fffffffu)
    return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: offset %llu: tensor '%s' dimension %d is bad", c->in_path,
                       (unsigned long long)r->offset, r->key, dim);
  *out = (uint32_t)r->ne[dim];
  return RWKV_OK;
}

/* Hyperparameters that the header does not carry, read off block 0/1 tensors. */
static int derive_hparams(conv *c, rwkv_error *err) {
  const bin_record *r;
  int rc;
  if ((rc = need_rec(c, "emb.weight", &r, err))) return rc;
  if (r->n_dims != 2 || r->ne[0] != c->n_embd || r->ne[1] != c->n_vocab)
    return rwkv_errorf(err, RWKV_ERR_FORMAT,
                       "%s: offset %llu: tensor 'emb.weight' is [%llu, %llu] but the header says n_embd %u, "
                       "n_vocab %u", c->in_path, (unsigned long long)r->offset, (unsigned long long)r->ne[0],
                       (unsigned long long)r->ne[1], c->n_embd, c->n_vocab);
  if ((rc = need_rec(c, "blocks.0.att.r_k", &r, err))) return rc;
  if (r->n == c->n_embd && r->n_dims == 2) {
    if ((rc = fits_u32(c, r, 0, &c->head_size, err))) return rc;
  } else if (r->n == c->n_embd && r->n_dims == 1) {
    /* a flat r_k does not tell the head size: RWKV-7 models use 64 */
    c->head_size = 64;
  } else {
    return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: offset %llu: tensor 'blocks.0.att.r_k' has %llu elements, expected %u",
                       c->in_path, (unsigned long long)r->offset, (unsigned long long)r->n, c->n_embd);
  }
  if (c->head_size == 0 || c->n_embd % c->head_size != 0)
    return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: head size %u does not divide n_embd %u", c->in_path, c->head_size,
                       c->n_embd);
  c->n_head = c->n_embd / c->head_size;
  if ((rc = need_rec(c, "blocks.0.ffn.key.weight", &r, err))) return rc;
  if ((rc = fits_u32(c, r, 1, &c->n_ffn, err))) return rc;
  if ((rc = need_rec(c, "blocks.0.att.w1", &r, err))) return rc;
  if ((rc = fits_u32(c, r, 1, &c->rank_w, err))) return rc;
  if ((rc = need_rec(c, "blocks.0.att.a1", &r, err))) return rc;
  if ((rc = fits_u32(c, r, 1, &c->rank_a, err))) return rc;
  if ((rc = need_rec(c, "blocks.0.att.g1", &r, err))) return rc;
  if ((rc = fits_u32(c, r, 1, &c->rank_g, err))) return rc;
  if (c->n_layer > 1) {
    if ((rc = need_rec(c, "blocks.1.att.v1", &r, err))) return rc;
    if ((rc = fits_u32(c, r, 1, &c->rank_v, err))) return rc;
  } else {
    c->rank_v = c->rank_a; /* no layer carries the value LoRA; the key is still required */
  }
  return RWKV_OK;
}

/* ---------------------------------------------------------------- mapping */

typedef struct name_map {
  const char *from; /* suffix after "blocks.N." */
  const char *to;   /* suffix after "blk.N." */
  int kind;         /* 0 vector [D], 1 big matrix, 2 LoRA matrix, 3 lerp fused [D,1,1,6] */
} name_map;

static const name_map LAYER_MAP[] = {
    {"ln1.weight", "attn_norm.weight", 0},
    {"ln1.bias", "attn_norm.bias", 0},
    {"ln2.weight", "attn_norm_2.weight", 0},
    {"ln2.bias", "attn_norm_2.bias", 0},
    {"att.x_rwkvag", "time_mix_lerp_fused.weight", 3},
    {"att.w0", "time_mix_w0.weight", 0},
    {"att.w1", "time_mix_w1.weight", 2},
    {"att.w2", "time_mix_w2.weight", 2},
    {"att.a0", "time_mix_a0.weight", 0},
    {"att.a1", "time_mix_a1.weight", 2},
    {"att.a2", "time_mix_a2.weight", 2},
    {"att.v0", "time_mix_v0.weight", 0},
    {"att.v1", "time_mix_v1.weight", 2},
    {"att.v2", "time_mix_v2.weight", 2},
    {"att.g1", "time_mix_g1.weight", 2},
    {"att.g2", "time_mix_g2.weight", 2},
    {"att.k_k", "time_mix_k_k.weight", 0},
    {"att.k_a", "time_mix_k_a.weight", 0},
    {"att.r_k", "time_mix_r_k.weight", 0},
    {"att.receptance.weight", "time_mix_receptance.weight", 1},
    {"att.key.weight", "time_mix_key.weight", 1},
    {"att.value.weight", "time_mix_value.weight", 1},
    {"att.output.weight", "time_mix_output.weight", 1},
    {"att.ln_x.weight", "time_mix_ln.weight", 0},
    {"att.ln_x.bias", "time_mix_ln.bias", 0},
    {"ffn.x_k", "channel_mix_lerp_k.weight", 0},
    {"ffn.key.weight", "channel_mix_key.weight", 1},
    {"ffn.value.weight", "channel_mix_value.weight", 1},
};

static const name_map TOP_MAP[] = {
    {"emb.weight", "token_embd.weight", 1},
    {"blocks.0.ln0.weight", "token_embd_norm.weight", 0},
    {"blocks.0.ln0.bias", "token_embd_norm.bias", 0},
    {"ln_out.weight", "output_norm.weight", 0},
    {"ln_out.bias", "output_norm.bias", 0},
    {"head.weight", "output.weight", 1},
};

/* Choose the type of a big matrix: the requested one, the Q4_K_M mix, then llama.cpp's
 * fallback when the row length does not fit the block. */
static int big_type(conv *c, const type_opt *opt, const char *name, int layer, uint64_t ne0, uint32_t *out,
                    rwkv_error *err) {
  uint32_t t = opt->type;
  if (opt->q4_k_m) {
    if (strcmp(name, "output.weight") == 0) t = RWKV_TYPE_Q6_K;
    if (layer >= 0 && (strstr(name, "time_mix_value.weight") || strstr(name, "channel_mix_value.weight")) &&
        use_more_bits((uint32_t)layer, c->n_layer))
      t = RWKV_TYPE_Q6_K;
  }
  uint32_t bs = block_of(t);
  if (bs == 0) return rwkv_errorf(err, RWKV_ERR_UNSUPPORTED, "type %s is not supported by quant.h", tname(t));
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
    default: fb = RWKV_TYPE_F16; break; /* legacy 32-blocks: llama.cpp refuses; F16 always fits */
  }
  if (ne0 % block_of(fb) != 0) fb = RWKV_TYPE_F16;
  if (c->log)
    fprintf(c->log, "note: %s: rows of %llu are not a multiple of %u (%s); using %s\n", name,
            (unsigned long long)ne0, bs, tname(t), tname(fb));
  *out = fb;
  return 2; /* fell back */
}

/* Every tensor the rwkv7 layout needs must be in the input (named as rwkv.cpp names it). */
static int check_complete(const conv *c, rwkv_error *err) {
  const bin_record *r;
  int rc;
  for (size_t k = 0; k < sizeof TOP_MAP / sizeof TOP_MAP[0]; k++)
    if ((rc = need_rec(c, TOP_MAP[k].from, &r, err))) return rc;
  for (uint32_t il = 0; il < c->n_layer; il++) {
    for (size_t k = 0; k < sizeof LAYER_MAP / sizeof LAYER_MAP[0]; k++) {
      const char *from = LAYER_MAP[k].from;
      if (il == 0 && strncmp(from, "att.v", 5) == 0) continue; /* no value residual in layer 0 */
      char key[MAX_KEY + 32];
      snprintf(key, sizeof key, "blocks.%u.%s", il, from);
      if ((rc = need_rec(c, key, &r, err))) return rc;
    }
  }
  return RWKV_OK;
}

static int plan(conv *c, const type_opt *opt, rwkv7_convert_stats *st, rwkv_error *err) {
  c->out = calloc(c->n_rec, sizeof *c->out);
  if (!c->out) return rwkv_errorf(err, RWKV_ERR_NOMEM, "%s: out of memory", c->in_path);
  for (uint32_t i = 0; i < c->n_rec; i++) {
    const bin_record *r = &c->rec[i];
    const name_map *m = NULL;
    int layer = -1;
    out_tensor *o = &c->out[c->n_out];
    for (size_t k = 0; k < sizeof TOP_MAP / sizeof TOP_MAP[0]; k++)
      if (strcmp(r->key, TOP_MAP[k].from) == 0) m = &TOP_MAP[k];
    if (m) {
      snprintf(o->name, sizeof o->name, "%s", m->to);
    } else if (strncmp(r->key, "blocks.", 7) == 0) {
      const char *p = r->key + 7;
      char *end;
      errno = 0;
      unsigned long il = strtoul(p, &end, 10);
      if (end != p && *end == '.' && errno == 0 && il < c->n_layer && p[0] >= '0' && p[0] <= '9') {
        for (size_t k = 0; k < sizeof LAYER_MAP / sizeof LAYER_MAP[0]; k++)
          if (strcmp(end + 1, LAYER_MAP[k].from) == 0) m = &LAYER_MAP[k];
        layer = (int)il;
        if (m) snprintf(o->name, sizeof o->name, "blk.%lu.%s", il, m->to);
      }
    }
    if (!m)
      return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: offset %llu: unknown tensor '%s' (not an RWKV-7 x070 tensor)",
                         c->in_path, (unsigned long long)r->offset, r->key);
    o->src = r;
    const uint64_t D = c->n_embd;
    switch (m->kind) {
      case 0:
        if (r->n != D)
          return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: offset %llu: tensor '%s' has %llu elements, expected %llu",
                             c->in_path, (unsigned long long)r->offset, r->key, (unsigned long long)r->n,
                             (unsigned long long)D);
        o->n_dims = 1;
        o->ne[0] = D;
        o->ne[1] = o->ne[2] = o->ne[3] = 1;
        o->type = RWKV_TYPE_F32;
        break;
      case 3:
        if (r->n != 6 * D || r->ne[0] != D)
          return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: offset %llu: tensor '%s' has shape [%llu, %llu, %llu], expected [%llu, 1, 6]",
                             c->in_path, (unsigned long long)r->offset, r->key, (unsigned long long)r->ne[0],
                             (unsigned long long)r->ne[1], (unsigned long long)r->ne[2], (unsigned long long)D);
        o->n_dims = 4;
        o->ne[0] = D;
        o->ne[1] = o->ne[2] = 1;
        o->ne[3] = 6;
        o->type = RWKV_TYPE_F32;
        break;
      default:
        if (r->n_dims != 2)
          return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: offset %llu: tensor '%s' has %u dimensions, expected 2",
                             c->in_path, (unsigned long long)r->offset, r->key, r->n_dims);
        o->n_dims = 2;
        o->ne[0] = r->ne[0];
        o->ne[1] = r->ne[1];
        o->ne[2] = o->ne[3] = 1;
        if (m->kind == 2) {
          o->type = (opt->type == RWKV_TYPE_F16 || r->type == RWKV_TYPE_F16) ? RWKV_TYPE_F16 : RWKV_TYPE_F32;
        } else {
          int rc = big_type(c, opt, o->name, layer, o->ne[0], &o->type, err);
          if (rc == 2) {
            if (st) st->n_fallback++;
          } else if (rc) {
            return rc;
          }
        }
        break;
    }
    if (o->ne[0] > c->scratch_n) c->scratch_n = o->ne[0];
    c->n_out++;
  }
  int rc0 = check_complete(c, err);
  if (rc0) return rc0;
  c->scratch = malloc(c->scratch_n * sizeof(float));
  if (!c->scratch) return rwkv_errorf(err, RWKV_ERR_NOMEM, "%s: out of memory", c->in_path);
  return RWKV_OK;
}

typedef struct fill_ctx {
  conv *c;
  const out_tensor *t;
} fill_ctx;

/* Widen source rows to float, then encode them in the output type. */
static int fill_rows(void *user, uint64_t row, uint64_t n_rows, void *dst, rwkv_error *err) {
  const fill_ctx *f = user;
  const out_tensor *t = f->t;
  const uint64_t ne0 = t->ne[0];
  const uint64_t ob = rwkv_type_row_bytes(t->type, ne0);
  const uint32_t sb = t->src->type == RWKV_TYPE_F32 ? 4u : 2u;
  uint8_t *out = dst;
  float *tmp = f->c->scratch;
  for (uint64_t r = 0; r < n_rows; r++) {
    const uint8_t *src = t->src->data + (row + r) * ne0 * sb;
    int rc;
    if (t->src->type == t->type) {
      memcpy(out + r * ob, src, ne0 * sb); /* exact copy (f32 -> f32, f16 -> f16) */
      continue;
    }
    if ((rc = rwkv_dequantize(t->src->type, src, tmp, ne0, err))) return rc;
    if (t->type == RWKV_TYPE_F32) {
      memcpy(out + r * ob, tmp, ne0 * 4);
    } else if ((rc = rwkv_quantize(t->type, tmp, out + r * ob, ne0, err))) {
      return rwkv_error_prefix(err, "tensor '%s'", t->name);
    }
  }
  return RWKV_OK;
}

/* ---------------------------------------------------------------- vocab */

typedef struct vocab_out {
  char **strs;
  uint64_t *lens;
  int32_t *types;
  uint64_t n;
} vocab_out;

static void vocab_free(vocab_out *v) {
  if (v->strs)
    for (uint64_t i = 0; i < v->n; i++) free(v->strs[i]);
  free(v->strs);
  free(v->lens);
  free(v->types);
  memset(v, 0, sizeof *v);
}

static int vocab_set(vocab_out *v, uint64_t i, const char *bytes, size_t len, int32_t type, rwkv_error *err) {
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

static int vocab_plain(vocab_out *v, uint64_t i, const char *text, int32_t type, rwkv_error *err) {
  size_t n = strlen(text);
  v->strs[i] = malloc(n + 1);
  if (!v->strs[i]) return rwkv_errorf(err, RWKV_ERR_NOMEM, "out of memory for the vocabulary");
  memcpy(v->strs[i], text, n + 1);
  v->lens[i] = n;
  v->types[i] = type;
  return RWKV_OK;
}

static int build_vocab(const conv *c, const char *vocab_path, vocab_out *v, rwkv_error *err) {
  memset(v, 0, sizeof *v);
  if (!vocab_path && c->n_vocab != 256)
    return rwkv_errorf(err, RWKV_ERR_ARG,
                       "%s: n_vocab is %u: give the world vocabulary with --vocab (only 256-token byte models "
                       "need none)", c->in_path, c->n_vocab);
  v->n = c->n_vocab;
  v->strs = calloc(v->n, sizeof *v->strs);
  v->lens = calloc(v->n, sizeof *v->lens);
  v->types = calloc(v->n, sizeof *v->types);
  if (!v->strs || !v->lens || !v->types) return rwkv_errorf(err, RWKV_ERR_NOMEM, "out of memory for the vocabulary");
  int rc;
  if (!vocab_path) {
    for (uint64_t i = 0; i < 256; i++) {
      char b = (char)(unsigned char)i;
      if ((rc = vocab_set(v, i, &b, 1, RWKV_TOKEN_TYPE_NORMAL, err))) return rc;
    }
    return RWKV_OK;
  }
  rwkv_tokenizer *tok = NULL;
  if ((rc = rwkv_tokenizer_load_vocab(vocab_path, &tok, err))) return rc;
  uint32_t nv = rwkv_tokenizer_vocab_size(tok);
  if (nv > c->n_vocab) {
    rwkv_tokenizer_free(tok);
    return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: vocabulary has %u tokens but the model %s has n_vocab %u",
                       vocab_path, nv, c->in_path, c->n_vocab);
  }
  rc = vocab_plain(v, 0, "<s>", RWKV_TOKEN_TYPE_CONTROL, err);
  for (uint32_t i = 1; i < nv && !rc; i++) {
    const char *b;
    size_t len;
    if (!(rc = rwkv_token_bytes(tok, (int32_t)i, &b, &len, err)))
      rc = vocab_set(v, i, b, len, RWKV_TOKEN_TYPE_NORMAL, err);
  }
  rwkv_tokenizer_free(tok);
  for (uint64_t i = nv; i < v->n && !rc; i++) {
    char pad[32];
    snprintf(pad, sizeof pad, "[PAD%llu]", (unsigned long long)i);
    rc = vocab_plain(v, i, pad, RWKV_TOKEN_TYPE_UNUSED, err);
  }
  return rc;
}

/* ---------------------------------------------------------------- check */

static int check_u32(const gguf_file *f, const char *key, uint32_t want, rwkv_error *err) {
  uint32_t got = 0;
  int rc = gguf_get_u32(f, key, 0, &got, err);
  if (rc) return rc;
  if (got != want)
    return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: %s reads back as %u, wrote %u", f->path, key, got, want);
  return RWKV_OK;
}

static int verify(const conv *c, const type_opt *opt, const vocab_out *v, const char *name, rwkv_error *err) {
  gguf_file *f = NULL;
  int rc = gguf_open(c->out_path, &f, err);
  if (rc) return rc;
  rwkv7_desc d;
  rc = rwkv7_describe(f, &d, err);
  if (!rc) {
    if (d.n_layer != c->n_layer || d.n_embd != c->n_embd || d.n_vocab != c->n_vocab || d.head_size != c->head_size ||
        d.n_head != c->n_head || d.n_ffn != c->n_ffn || d.rank_w != c->rank_w || d.rank_a != c->rank_a ||
        d.rank_v != c->rank_v || d.rank_g != c->rank_g || d.eps != 1e-5f)
      rc = rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: hyperparameters read back differ from the ones written",
                       c->out_path);
    rwkv7_desc_free(&d);
  }
  if (!rc && f->n_tensors != c->n_out)
    rc = rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: %llu tensors read back, wrote %u", c->out_path,
                     (unsigned long long)f->n_tensors, c->n_out);
  for (uint32_t i = 0; i < c->n_out && !rc; i++) {
    const out_tensor *o = &c->out[i];
    const gguf_tensor *t = gguf_find_tensor(f, o->name);
    if (!t) {
      rc = rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: tensor '%s' missing after writing", c->out_path, o->name);
      break;
    }
    int same = t->type == o->type && t->n_dims == o->n_dims;
    for (int k = 0; k < 4; k++) same = same && t->ne[k] == o->ne[k];
    if (!same)
      rc = rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: tensor '%s' reads back with another shape or type", c->out_path,
                       o->name);
  }
  if (!rc) rc = check_u32(f, "general.file_type", opt->ftype, err);
  if (!rc) rc = check_u32(f, "rwkv7.context_length", 1048576u, err);
  if (!rc) rc = check_u32(f, "rwkv7.token_shift_count", 1u, err);
  gguf_str s;
  if (!rc && !(rc = gguf_get_str(f, "general.name", 0, &s, err)) && !gguf_str_eq(s, name))
    rc = rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: general.name reads back differently", c->out_path);
  if (!rc && !(rc = gguf_get_str(f, "tokenizer.ggml.model", 0, &s, err)) && !gguf_str_eq(s, "rwkv"))
    rc = rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: tokenizer.ggml.model reads back differently", c->out_path);
  const gguf_str *toks = NULL;
  uint64_t nt = 0;
  if (!rc && !(rc = gguf_get_str_array(f, "tokenizer.ggml.tokens", 0, &toks, &nt, err))) {
    if (nt != v->n) rc = rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: %llu tokens read back", c->out_path, (unsigned long long)nt);
    for (uint64_t i = 0; i < nt && !rc; i++)
      if (toks[i].len != v->lens[i] || memcmp(toks[i].ptr, v->strs[i], v->lens[i]) != 0)
        rc = rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: token %llu reads back differently", c->out_path,
                         (unsigned long long)i);
  }
  const void *tt = NULL;
  if (!rc && !(rc = gguf_get_array(f, "tokenizer.ggml.token_type", GGUF_I32, 0, &tt, &nt, err))) {
    if (nt != v->n || memcmp(tt, v->types, nt * sizeof(int32_t)) != 0)
      rc = rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: tokenizer.ggml.token_type reads back differently", c->out_path);
  }
  gguf_close(f);
  if (rc) rwkv_error_prefix(err, "check of the converted file failed");
  return rc;
}

/* ---------------------------------------------------------------- main */

static int write_gguf(conv *c, const type_opt *opt, const vocab_out *v, const char *name, rwkv_error *err) {
  gguf_writer *w = NULL;
  int rc = gguf_writer_new(&w, err);
  if (rc) return rc;
  fill_ctx *fc = calloc(c->n_out ? c->n_out : 1, sizeof *fc);
  if (!fc) {
    gguf_writer_free(w);
    return rwkv_errorf(err, RWKV_ERR_NOMEM, "out of memory");
  }
#define KV(call) \
  if (!rc) rc = (call)
  KV(gguf_writer_add_str(w, "general.architecture", "rwkv7", err));
  KV(gguf_writer_add_str(w, "general.name", name, err));
  KV(gguf_writer_add_u32(w, "general.file_type", opt->ftype, err));
  KV(gguf_writer_add_u32(w, "rwkv7.context_length", 1048576u, err));
  KV(gguf_writer_add_u32(w, "rwkv7.embedding_length", c->n_embd, err));
  KV(gguf_writer_add_u32(w, "rwkv7.block_count", c->n_layer, err));
  KV(gguf_writer_add_f32(w, "rwkv7.attention.layer_norm_epsilon", 1e-5f, err));
  KV(gguf_writer_add_u32(w, "rwkv7.wkv.head_size", c->head_size, err));
  KV(gguf_writer_add_u32(w, "rwkv7.attention.decay_lora_rank", c->rank_w, err));
  KV(gguf_writer_add_u32(w, "rwkv7.attention.iclr_lora_rank", c->rank_a, err));
  KV(gguf_writer_add_u32(w, "rwkv7.attention.value_residual_mix_lora_rank", c->rank_v, err));
  KV(gguf_writer_add_u32(w, "rwkv7.attention.gate_lora_rank", c->rank_g, err));
  KV(gguf_writer_add_u32(w, "rwkv7.feed_forward_length", c->n_ffn, err));
  KV(gguf_writer_add_u32(w, "rwkv7.token_shift_count", 1u, err));
  KV(gguf_writer_add_str(w, "tokenizer.ggml.model", "rwkv", err));
  KV(gguf_writer_add_str_array(w, "tokenizer.ggml.tokens", (const char *const *)v->strs, v->lens, v->n, err));
  KV(gguf_writer_add_array(w, "tokenizer.ggml.token_type", GGUF_I32, v->types, v->n, err));
  for (uint32_t i = 0; i < c->n_out && !rc; i++) {
    fc[i].c = c;
    fc[i].t = &c->out[i];
    rc = gguf_writer_add_tensor_fill(w, c->out[i].name, c->out[i].type, c->out[i].n_dims, c->out[i].ne, fill_rows,
                                     &fc[i], err);
  }
#undef KV
  if (!rc) rc = gguf_writer_write(w, c->out_path, err);
  gguf_writer_free(w);
  free(fc);
  return rc;
}

int rwkv7_convert(const char *in_path, const char *out_path, const rwkv7_convert_opts *opts,
                  rwkv7_convert_stats *stats, rwkv_error *err) {
  if (stats) memset(stats, 0, sizeof *stats);
  if (!in_path || !out_path) return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv7_convert: NULL path");
  rwkv7_convert_opts dflt = {0};
  if (!opts) opts = &dflt;
  const type_opt *opt = NULL;
  const char *tn = opts->type ? opts->type : "f32";
  for (size_t i = 0; i < sizeof TYPE_OPTS / sizeof TYPE_OPTS[0]; i++)
    if (ieq(tn, TYPE_OPTS[i].name)) opt = &TYPE_OPTS[i];
  if (!opt)
    return rwkv_errorf(err, RWKV_ERR_ARG,
                       "unknown output type '%s' (f32 f16 bf16 q8_0 q4_0 q4_1 q5_0 q5_1 q2_k q3_k q4_k q5_k "
                       "q6_k q4_k_m)", tn);

  conv c;
  memset(&c, 0, sizeof c);
  c.in_path = in_path;
  c.out_path = out_path;
  c.log = opts->log;
  int fd = open(in_path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return rwkv_errorf(err, RWKV_ERR_IO, "%s: cannot open: %s", in_path, strerror(errno));
  struct stat sb;
  if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
    close(fd);
    return rwkv_errorf(err, RWKV_ERR_IO, "%s: not a regular file", in_path);
  }
  c.size = (uint64_t)sb.st_size;
  void *map = NULL;
  if (c.size > 0) {
    map = mmap(NULL, (size_t)c.size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
      close(fd);
      return rwkv_errorf(err, RWKV_ERR_IO, "%s: mmap failed: %s", in_path, strerror(errno));
    }
  }
  close(fd);
  c.base = map;

  char name[256];
  if (opts->name) {
    snprintf(name, sizeof name, "%s", opts->name);
  } else {
    const char *b = strrchr(in_path, '/');
    b = b ? b + 1 : in_path;
    snprintf(name, sizeof name, "%s", b);
    size_t n = strlen(name);
    if (n > 4 && ieq(name + n - 4, ".bin")) name[n - 4] = 0;
  }

  vocab_out v;
  memset(&v, 0, sizeof v);
  int rc = parse_bin(&c, err);
  if (!rc) rc = derive_hparams(&c, err);
  if (!rc) rc = plan(&c, opt, stats, err);
  if (!rc) rc = build_vocab(&c, opts->vocab, &v, err);
  if (!rc) rc = write_gguf(&c, opt, &v, name, err);
  if (!rc) {
    rc = verify(&c, opt, &v, name, err);
    if (rc) remove(out_path);
  }
  if (!rc && stats) stats->n_tensors = c.n_out;
  vocab_free(&v);
  free(c.rec);
  free(c.out);
  free(c.scratch);
  if (map) munmap(map, (size_t)c.size);
  return rc;
}
