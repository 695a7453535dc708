/* rwkv7_convert.c - rwkv.cpp .bin (RWKV-7) -> llama.cpp rwkv7 GGUF; see rwkv7_convert.h.
 *
 * Facts used (no code taken):
 * - rwkv.cpp docs/FILE_FORMAT.md and rwkv_file_format.inc: header and record layout.
 * - llama.cpp convert_hf_to_gguf.py (Rwkv7Model): which rwkv.cpp tensor becomes which
 *   rwkv7 GGUF tensor.
 * Everything an rwkv7 GGUF writer shares with the random-model generator (output types and
 * general.file_type numbers, the Q4_K_M mix and the row-length fallback, the tensor list
 * with shapes, the vocabulary, the metadata keys) comes from rwkv7_meta.h, which cites the
 * llama.cpp sources of those rules. */
#include "rwkv7_convert.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gguf.h"
#include "gguf_write.h"
#include "quant.h"
#include "rwkv7.h"
#include "rwkv7_meta.h"

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
  const rwkv7_tensor_spec *spec; /* GGUF name, shape and kind */
  const bin_record *src;
  uint32_t type;
} out_tensor;

typedef struct conv {
  const char *in_path, *out_path;
  const uint8_t *base;
  uint64_t size;
  rwkv7_hparams hp; /* n_vocab, n_embd, n_layer from the header; the rest from tensors */
  uint32_t data_type, n_head;
  bin_record *rec;
  uint32_t n_rec;
  rwkv7_tensor_spec *spec; /* the layout for hp (rwkv7_tensor_specs) */
  uint32_t n_spec;
  out_tensor *out; /* in input record order */
  uint32_t n_out;
  float *scratch; /* one row */
  uint64_t scratch_n;
  FILE *log;
} conv;

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
  c->hp.n_vocab = (uint32_t)h[2];
  c->hp.n_embd = (uint32_t)h[3];
  c->hp.n_layer = (uint32_t)h[4];
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
  if (r->n_dims != 2 || r->ne[0] != c->hp.n_embd || r->ne[1] != c->hp.n_vocab)
    return rwkv_errorf(err, RWKV_ERR_FORMAT,
                       "%s: offset %llu: tensor 'emb.weight' is [%llu, %llu] but the header says n_embd %u, "
                       "n_vocab %u", c->in_path, (unsigned long long)r->offset, (unsigned long long)r->ne[0],
                       (unsigned long long)r->ne[1], c->hp.n_embd, c->hp.n_vocab);
  if ((rc = need_rec(c, "blocks.0.att.r_k", &r, err))) return rc;
  if (r->n == c->hp.n_embd && r->n_dims == 2) {
    if ((rc = fits_u32(c, r, 0, &c->hp.head_size, err))) return rc;
  } else if (r->n == c->hp.n_embd && r->n_dims == 1) {
    /* a flat r_k does not tell the head size: RWKV-7 models use 64 */
    c->hp.head_size = 64;
  } else {
    return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: offset %llu: tensor 'blocks.0.att.r_k' has %llu elements, expected %u",
                       c->in_path, (unsigned long long)r->offset, (unsigned long long)r->n, c->hp.n_embd);
  }
  if (c->hp.head_size == 0 || c->hp.n_embd % c->hp.head_size != 0)
    return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: head size %u does not divide n_embd %u", c->in_path, c->hp.head_size,
                       c->hp.n_embd);
  c->n_head = c->hp.n_embd / c->hp.head_size;
  if ((rc = need_rec(c, "blocks.0.ffn.key.weight", &r, err))) return rc;
  if ((rc = fits_u32(c, r, 1, &c->hp.n_ffn, err))) return rc;
  if ((rc = need_rec(c, "blocks.0.att.w1", &r, err))) return rc;
  if ((rc = fits_u32(c, r, 1, &c->hp.rank_w, err))) return rc;
  if ((rc = need_rec(c, "blocks.0.att.a1", &r, err))) return rc;
  if ((rc = fits_u32(c, r, 1, &c->hp.rank_a, err))) return rc;
  if ((rc = need_rec(c, "blocks.0.att.g1", &r, err))) return rc;
  if ((rc = fits_u32(c, r, 1, &c->hp.rank_g, err))) return rc;
  if (c->hp.n_layer > 1) {
    if ((rc = need_rec(c, "blocks.1.att.v1", &r, err))) return rc;
    if ((rc = fits_u32(c, r, 1, &c->hp.rank_v, err))) return rc;
  } else {
    c->hp.rank_v = c->hp.rank_a; /* no layer carries the value LoRA; the key is still required */
  }
  rwkv_error e;
  if (rwkv7_hparams_check(&c->hp, &e))
    return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: %s", c->in_path, e.msg);
  return RWKV_OK;
}

/* ---------------------------------------------------------------- mapping */

/* rwkv.cpp's name of a tensor -> its rwkv7 GGUF name (the role of rwkv7_meta.h's tensor
 * list); the shapes, kinds and types come from that list. */
typedef struct name_map {
  const char *from; /* suffix after "blocks.N." (or the whole key outside the blocks) */
  const char *to;   /* suffix after "blk.N." (or the whole GGUF name) */
} name_map;

static const name_map LAYER_MAP[] = {
    {"ln1.weight", "attn_norm.weight"},
    {"ln1.bias", "attn_norm.bias"},
    {"ln2.weight", "attn_norm_2.weight"},
    {"ln2.bias", "attn_norm_2.bias"},
    {"att.x_rwkvag", "time_mix_lerp_fused.weight"},
    {"att.w0", "time_mix_w0.weight"},
    {"att.w1", "time_mix_w1.weight"},
    {"att.w2", "time_mix_w2.weight"},
    {"att.a0", "time_mix_a0.weight"},
    {"att.a1", "time_mix_a1.weight"},
    {"att.a2", "time_mix_a2.weight"},
    {"att.v0", "time_mix_v0.weight"},
    {"att.v1", "time_mix_v1.weight"},
    {"att.v2", "time_mix_v2.weight"},
    {"att.g1", "time_mix_g1.weight"},
    {"att.g2", "time_mix_g2.weight"},
    {"att.k_k", "time_mix_k_k.weight"},
    {"att.k_a", "time_mix_k_a.weight"},
    {"att.r_k", "time_mix_r_k.weight"},
    {"att.receptance.weight", "time_mix_receptance.weight"},
    {"att.key.weight", "time_mix_key.weight"},
    {"att.value.weight", "time_mix_value.weight"},
    {"att.output.weight", "time_mix_output.weight"},
    {"att.ln_x.weight", "time_mix_ln.weight"},
    {"att.ln_x.bias", "time_mix_ln.bias"},
    {"ffn.x_k", "channel_mix_lerp_k.weight"},
    {"ffn.key.weight", "channel_mix_key.weight"},
    {"ffn.value.weight", "channel_mix_value.weight"},
};

static const name_map TOP_MAP[] = {
    {"emb.weight", "token_embd.weight"},
    {"blocks.0.ln0.weight", "token_embd_norm.weight"},
    {"blocks.0.ln0.bias", "token_embd_norm.bias"},
    {"ln_out.weight", "output_norm.weight"},
    {"ln_out.bias", "output_norm.bias"},
    {"head.weight", "output.weight"},
};

#define N_LAYER_MAP (sizeof LAYER_MAP / sizeof LAYER_MAP[0])
#define N_TOP_MAP (sizeof TOP_MAP / sizeof TOP_MAP[0])

/* GGUF name and layer (-1 outside the blocks) of an rwkv.cpp key; 0 when the key is no
 * RWKV-7 x070 tensor of this model. */
static int gguf_name_of(const conv *c, const char *key, char *name, size_t cap, int *layer) {
  *layer = -1;
  for (size_t k = 0; k < N_TOP_MAP; k++)
    if (strcmp(key, TOP_MAP[k].from) == 0) {
      snprintf(name, cap, "%s", TOP_MAP[k].to);
      return 1;
    }
  if (strncmp(key, "blocks.", 7) != 0) return 0;
  const char *p = key + 7;
  char *end;
  errno = 0;
  unsigned long il = strtoul(p, &end, 10);
  if (end == p || *end != '.' || errno != 0 || il >= c->hp.n_layer || p[0] < '0' || p[0] > '9') return 0;
  for (size_t k = 0; k < N_LAYER_MAP; k++)
    if (strcmp(end + 1, LAYER_MAP[k].from) == 0) {
      snprintf(name, cap, "blk.%lu.%s", il, LAYER_MAP[k].to);
      *layer = (int)il;
      return 1;
    }
  return 0;
}

/* rwkv.cpp key of a tensor of the layout (for "missing tensor" messages). */
static void bin_key_of(const rwkv7_tensor_spec *s, char *key, size_t cap) {
  const name_map *m = s->layer < 0 ? TOP_MAP : LAYER_MAP;
  const size_t n = s->layer < 0 ? N_TOP_MAP : N_LAYER_MAP;
  snprintf(key, cap, "%s", s->name);
  for (size_t k = 0; k < n; k++)
    if (strcmp(m[k].to, s->role) == 0) {
      if (s->layer < 0)
        snprintf(key, cap, "%s", m[k].from);
      else
        snprintf(key, cap, "blocks.%d.%s", s->layer, m[k].from);
    }
}

/* The source record must hold the spec's elements: [D] vectors and the lerp block by their
 * element count (rwkv.cpp keeps them [D, 1, 1] / [D, 1, 6] / [head_size, n_head]),
 * matrices by their exact 2-D shape. */
static int check_shape(const conv *c, const bin_record *r, const rwkv7_tensor_spec *s, rwkv_error *err) {
  const unsigned long long off = (unsigned long long)r->offset;
  switch (s->kind) {
    case RWKV7_KIND_VEC:
      if (r->n != s->ne[0])
        return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: offset %llu: tensor '%s' has %llu elements, expected %llu",
                           c->in_path, off, r->key, (unsigned long long)r->n, (unsigned long long)s->ne[0]);
      return RWKV_OK;
    case RWKV7_KIND_LERP:
      if (r->n != 6 * s->ne[0] || r->ne[0] != s->ne[0])
        return rwkv_errorf(err, RWKV_ERR_FORMAT,
                           "%s: offset %llu: tensor '%s' has shape [%llu, %llu, %llu], expected [%llu, 1, 6]",
                           c->in_path, off, r->key, (unsigned long long)r->ne[0], (unsigned long long)r->ne[1],
                           (unsigned long long)r->ne[2], (unsigned long long)s->ne[0]);
      return RWKV_OK;
    default:
      if (r->n_dims != 2)
        return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: offset %llu: tensor '%s' has %u dimensions, expected 2",
                           c->in_path, off, r->key, r->n_dims);
      if (r->ne[0] != s->ne[0] || r->ne[1] != s->ne[1])
        return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: offset %llu: tensor '%s' is [%llu, %llu], expected [%llu, %llu]",
                           c->in_path, off, r->key, (unsigned long long)r->ne[0], (unsigned long long)r->ne[1],
                           (unsigned long long)s->ne[0], (unsigned long long)s->ne[1]);
      return RWKV_OK;
  }
}

/* Index of the spec called name in layer (-1: outside the blocks), searching only that layer's
 * run of the list; n_spec when there is none. */
static uint32_t find_spec(const conv *c, const uint32_t *first, int layer, const char *name) {
  for (uint32_t k = layer < 0 ? 0 : first[layer]; k < c->n_spec; k++) {
    if (layer >= 0 && c->spec[k].layer != layer) break;
    if (c->spec[k].layer == layer && strcmp(c->spec[k].name, name) == 0) return k;
  }
  return c->n_spec;
}

/* Match every record to a tensor of the layout (output in record order) and pick its type. */
static int plan(conv *c, const rwkv7_ftype *ft, rwkv7_convert_stats *st, rwkv_error *err) {
  int rc = rwkv7_tensor_specs(&c->hp, &c->spec, &c->n_spec, err);
  if (rc) {
    rwkv_error_prefix(err, "%s", c->in_path);
    return rc;
  }
  c->out = calloc(c->n_rec, sizeof *c->out);
  const bin_record **src = calloc(c->n_spec, sizeof *src);           /* record of each spec */
  uint32_t *first = calloc(c->hp.n_layer, sizeof *first);          /* first spec of each layer */
  if (!c->out || !src || !first) {
    free(src);
    free(first);
    return rwkv_errorf(err, RWKV_ERR_NOMEM, "%s: out of memory", c->in_path);
  }
  for (uint32_t k = c->n_spec; k-- > 0;)
    if (c->spec[k].layer >= 0) first[c->spec[k].layer] = k;
  for (uint32_t i = 0; i < c->n_rec && !rc; i++) {
    const bin_record *r = &c->rec[i];
    char name[128];
    int layer;
    if (!gguf_name_of(c, r->key, name, sizeof name, &layer)) {
      rc = rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: offset %llu: unknown tensor '%s' (not an RWKV-7 x070 tensor)",
                       c->in_path, (unsigned long long)r->offset, r->key);
      break;
    }
    const uint32_t k = find_spec(c, first, layer, name);
    if (k == c->n_spec) { /* only layer 0's value-residual tensors, which the layout leaves out */
      if (c->log) fprintf(c->log, "note: %s: skipping '%s': layer 0 has no value residual\n", c->in_path, r->key);
      continue;
    }
    const rwkv7_tensor_spec *s = &c->spec[k];
    if ((rc = check_shape(c, r, s, err))) break;
    out_tensor *o = &c->out[c->n_out];
    o->spec = s;
    o->src = r;
    rc = rwkv7_tensor_type(ft, s, c->hp.n_layer, -1, &o->type, c->log, err);
    if (rc == 2) {
      if (st) st->n_fallback++;
      rc = RWKV_OK;
    } else if (rc) {
      break;
    }
    if (s->kind == RWKV7_KIND_LORA && r->type == RWKV_TYPE_F16) o->type = RWKV_TYPE_F16; /* keep F16 LoRA input */
    src[k] = r;
    if (s->ne[0] > c->scratch_n) c->scratch_n = s->ne[0];
    c->n_out++;
  }
  for (uint32_t k = 0; k < c->n_spec && !rc; k++) /* every tensor of the layout must be in the input */
    if (!src[k]) {
      char key[MAX_KEY + 32];
      bin_key_of(&c->spec[k], key, sizeof key);
      rc = rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: missing tensor '%s'", c->in_path, key);
    }
  free(src);
  free(first);
  if (rc) return rc;
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
  const uint64_t ne0 = t->spec->ne[0];
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
      return rwkv_error_prefix(err, "tensor '%s'", t->spec->name);
    }
  }
  return RWKV_OK;
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

static int verify(const conv *c, const rwkv7_ftype *ft, const rwkv7_vocab *v, const char *name, rwkv_error *err) {
  gguf_file *f = NULL;
  int rc = gguf_open(c->out_path, &f, err);
  if (rc) return rc;
  rwkv7_desc d;
  rc = rwkv7_describe(f, &d, err);
  if (!rc) {
    if (d.n_layer != c->hp.n_layer || d.n_embd != c->hp.n_embd || d.n_vocab != c->hp.n_vocab || d.head_size != c->hp.head_size ||
        d.n_head != c->n_head || d.n_ffn != c->hp.n_ffn || d.rank_w != c->hp.rank_w || d.rank_a != c->hp.rank_a ||
        d.rank_v != c->hp.rank_v || d.rank_g != c->hp.rank_g || d.eps != 1e-5f)
      rc = rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: hyperparameters read back differ from the ones written",
                       c->out_path);
    rwkv7_desc_free(&d);
  }
  if (!rc && f->n_tensors != c->n_out)
    rc = rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: %llu tensors read back, wrote %u", c->out_path,
                     (unsigned long long)f->n_tensors, c->n_out);
  for (uint32_t i = 0; i < c->n_out && !rc; i++) {
    const out_tensor *o = &c->out[i];
    const rwkv7_tensor_spec *s = o->spec;
    const gguf_tensor *t = gguf_find_tensor(f, s->name);
    if (!t) {
      rc = rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: tensor '%s' missing after writing", c->out_path, s->name);
      break;
    }
    int same = t->type == o->type && t->n_dims == s->n_dims;
    for (int k = 0; k < 4; k++) same = same && t->ne[k] == s->ne[k];
    if (!same)
      rc = rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: tensor '%s' reads back with another shape or type", c->out_path,
                       s->name);
  }
  if (!rc) rc = check_u32(f, "general.file_type", ft->ftype, err);
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

static int write_gguf(conv *c, const rwkv7_ftype *ft, const rwkv7_vocab *v, const char *name, rwkv_error *err) {
  gguf_writer *w = NULL;
  int rc = gguf_writer_new(&w, err);
  if (rc) return rc;
  fill_ctx *fc = calloc(c->n_out ? c->n_out : 1, sizeof *fc);
  if (!fc) {
    gguf_writer_free(w);
    return rwkv_errorf(err, RWKV_ERR_NOMEM, "out of memory");
  }
  rc = rwkv7_write_metadata(w, &c->hp, ft, name, v, err);
  for (uint32_t i = 0; i < c->n_out && !rc; i++) {
    const rwkv7_tensor_spec *s = c->out[i].spec;
    fc[i].c = c;
    fc[i].t = &c->out[i];
    rc = gguf_writer_add_tensor_fill(w, s->name, c->out[i].type, s->n_dims, s->ne, fill_rows, &fc[i], err);
  }
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
  const char *tn = opts->type ? opts->type : "f32";
  const rwkv7_ftype *ft = rwkv7_ftype_by_name(tn);
  if (!ft) return rwkv_errorf(err, RWKV_ERR_ARG, "unknown output type '%s' (%s)", tn, rwkv7_ftype_list());

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
    if (n > 4 && strcasecmp(name + n - 4, ".bin") == 0) name[n - 4] = 0;
  }

  rwkv7_vocab v;
  memset(&v, 0, sizeof v);
  int rc = parse_bin(&c, err);
  if (!rc) rc = derive_hparams(&c, err);
  if (!rc) rc = plan(&c, ft, stats, err);
  if (!rc && (rc = rwkv7_vocab_build(c.hp.n_vocab, opts->vocab, 0, &v, err))) rwkv_error_prefix(err, "%s", in_path);
  if (!rc) rc = write_gguf(&c, ft, &v, name, err);
  if (!rc) {
    rc = verify(&c, ft, &v, name, err);
    if (rc) remove(out_path);
  }
  if (!rc && stats) stats->n_tensors = c.n_out;
  rwkv7_vocab_free(&v);
  free(c.rec);
  free(c.spec);
  free(c.out);
  free(c.scratch);
  if (map) munmap(map, (size_t)c.size);
  return rc;
}
