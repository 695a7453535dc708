/* test_rwkv7.c - rwkv7_describe on the shipped models and on damaged copies, and the
 * float64 reference forward against the reference data in tests/data. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gguf.h"
#include "gguf_write.h"
#include "quant.h"
#include "ref_forward.h"
#include "rwkv7.h"
#include "testutil.h"

#define MODEL_F32 RWKV_SOURCE_DIR "/models/tiny-rwkv7-834K-F32.gguf"
#define MODEL_F16 RWKV_SOURCE_DIR "/models/tiny-rwkv7-834K-F16.gguf"

static void check_hparams(const rwkv7_desc *d, const char *ft) {
  CHECK(d->n_layer == 12);
  CHECK(d->n_embd == 64);
  CHECK(d->head_size == 64);
  CHECK(d->n_head == 1);
  CHECK(d->n_ffn == 256);
  CHECK(d->n_vocab == 256);
  CHECK(d->rank_w == 32 && d->rank_a == 32 && d->rank_v == 32 && d->rank_g == 32);
  CHECK(d->eps == 1e-5f);
  CHECK(d->context_length == 1048576);
  CHECK_MSG(strcmp(d->file_type, ft) == 0, "file_type %s, want %s", d->file_type, ft);
  CHECK(d->layers[0].v0 == NULL && d->layers[0].v1 == NULL && d->layers[0].v2 == NULL);
  CHECK(d->layers[1].v0 != NULL && d->layers[11].v2 != NULL);
  CHECK(d->emb && d->head && d->ln0_w && d->lnout_b);
  CHECK(d->layers[5].lerp->ne[0] == 64 && d->layers[5].lerp->ne[3] == 6);
}

static int read_tokens(const char *path, uint32_t *tok, int cap) {
  char *txt = test_read_file(path, NULL);
  if (!txt) return -1;
  int n = 0;
  char *p = txt, *end;
  while (n < cap) {
    long v = strtol(p, &end, 10);
    if (end == p) break;
    tok[n++] = (uint32_t)v;
    p = end;
  }
  free(txt);
  return n;
}

/* Run the reference over tokens and compare every step's logits and hidden. */
static void check_seq(const char *model, const char *prefix, double tol_logits, double tol_hidden) {
  rwkv_error err = {0};
  gguf_file *f = NULL;
  rwkv7_desc d;
  int rc = gguf_open(model, &f, &err);
  CHECK_OK(rc, &err);
  if (rc) return;
  rc = rwkv7_describe(f, &d, &err);
  CHECK_OK(rc, &err);
  ref_model *m = NULL;
  ref_state *s = NULL;
  if (!rc) rc = ref_model_new(&d, &m, &err);
  CHECK_OK(rc, &err);
  if (!rc) rc = ref_state_new(m, &s, &err);
  CHECK_OK(rc, &err);
  char path[512];
  uint32_t tok[256];
  snprintf(path, sizeof path, "%s.tokens.txt", prefix);
  int n = read_tokens(test_data(path), tok, 256);
  CHECK(n == 48);
  size_t nl = 0, nh = 0;
  snprintf(path, sizeof path, "%s.logits.f32", prefix);
  float *el = test_read_file(test_data(path), &nl);
  snprintf(path, sizeof path, "%s.hidden.f32", prefix);
  float *eh = test_read_file(test_data(path), &nh);
  CHECK(el && nl == (size_t)n * 256 * 4);
  CHECK(eh && nh == (size_t)n * 64 * 4);
  double logits[256], hidden[64], worst_l = 0, worst_h = 0;
  for (int t = 0; !rc && el && eh && t < n && nl == (size_t)n * 1024 && nh == (size_t)n * 256; t++) {
    rc = ref_forward(m, s, tok[t], logits, hidden, &err);
    CHECK_OK(rc, &err);
    for (int i = 0; i < 256; i++) {
      double e = fabs(logits[i] - el[t * 256 + i]);
      if (e > worst_l) worst_l = e;
    }
    for (int i = 0; i < 64; i++) {
      double e = fabs(hidden[i] - eh[t * 64 + i]);
      if (e > worst_h) worst_h = e;
    }
  }
  printf("%s vs %s: max |logit diff| %.3g, max |hidden diff| %.3g\n", model, prefix, worst_l, worst_h);
  CHECK_MSG(worst_l <= tol_logits, "%s: logits diff %g > %g", prefix, worst_l, tol_logits);
  CHECK_MSG(worst_h <= tol_hidden, "%s: hidden diff %g > %g", prefix, worst_h, tol_hidden);
  /* out of range token */
  rc = ref_forward(m, s, 256, logits, NULL, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_ARG, "token 256");
  free(el);
  free(eh);
  ref_state_free(s);
  ref_model_free(m);
  rwkv7_desc_free(&d);
  gguf_close(f);
}

static void test_expected_logits(void) {
  rwkv_error err = {0};
  gguf_file *f = NULL;
  rwkv7_desc d;
  int rc = gguf_open(MODEL_F32, &f, &err);
  CHECK_OK(rc, &err);
  if (rc) return;
  rc = rwkv7_describe(f, &d, &err);
  CHECK_OK(rc, &err);
  if (rc) {
    gguf_close(f);
    return;
  }
  check_hparams(&d, "F32");
  ref_model *m = NULL;
  ref_state *s = NULL;
  CHECK_OK(rc = ref_model_new(&d, &m, &err), &err);
  if (!rc) CHECK_OK(rc = ref_state_new(m, &s, &err), &err);
  double logits[256];
  const char *in = "\"in";
  for (int i = 0; !rc && i < 3; i++) rc = ref_forward(m, s, (uint8_t)in[i], i == 2 ? logits : NULL, NULL, &err);
  CHECK_OK(rc, &err);
  size_t n = 0;
  float *exp_l = test_read_file(test_data("expected-logits-7v0-834K.bin"), &n);
  CHECK(exp_l && n == 1024);
  if (!rc && exp_l && n == 1024) {
    double worst = 0, sum = 0;
    for (int i = 0; i < 256; i++) {
      double e = logits[i] - exp_l[i];
      sum += e;
      if (fabs(e) > worst) worst = fabs(e);
    }
    printf("expected-logits: max |diff| %.3g, sum diff %.3g\n", worst, sum);
    CHECK(worst <= 1e-4);
    CHECK(fabs(sum) <= 0.001 * 1.05);
  }
  /* a reset state gives the same logits again */
  if (s) {
    ref_state_reset(s);
    double again[256];
    for (int i = 0; i < 3; i++) ref_forward(m, s, (uint8_t)in[i], again, NULL, &err);
    CHECK(memcmp(again, logits, sizeof again) == 0);
  }
  free(exp_l);
  ref_state_free(s);
  ref_model_free(m);
  rwkv7_desc_free(&d);
  gguf_close(f);
}

/* ------------------------------------------------------------------ damaged copies */

typedef struct edit {
  const char *drop_tensor;   /* leave this tensor out */
  const char *shape_tensor;  /* write this tensor with ne[1] halved */
  const char *quant_tensor;  /* write this tensor as Q8_0 */
  const char *rk_alt;        /* write r_k tensors as [head_size, n_head] (any non-NULL) */
  const char *drop_key;      /* leave this kv out */
  const char *str_key;       /* write this kv as a string "x" */
  const char *u32_key;       /* write this kv as u32 u32_val */
  uint32_t u32_val;
  const char *arch;          /* general.architecture value */
} edit;

static int copy_kv(gguf_writer *w, const gguf_kv *kv, const char *key, rwkv_error *err) {
  switch (kv->type) {
    case GGUF_U32: {
      uint32_t v;
      memcpy(&v, kv->data, 4);
      return gguf_writer_add_u32(w, key, v, err);
    }
    case GGUF_F32: {
      float v;
      memcpy(&v, kv->data, 4);
      return gguf_writer_add_f32(w, key, v, err);
    }
    case GGUF_STRING: {
      uint64_t len;
      memcpy(&len, kv->data, 8);
      return gguf_writer_add_strn(w, key, (const char *)kv->data + 8, len, err);
    }
    case GGUF_ARRAY:
      if (kv->arr_type == GGUF_STRING) {
        const char **s = malloc(kv->arr_n * sizeof *s);
        uint64_t *l = malloc(kv->arr_n * sizeof *l);
        for (uint64_t i = 0; i < kv->arr_n; i++) {
          s[i] = kv->strs[i].ptr;
          l[i] = kv->strs[i].len;
        }
        int rc = gguf_writer_add_str_array(w, key, s, l, kv->arr_n, err);
        free(s);
        free(l);
        return rc;
      }
      return gguf_writer_add_array(w, key, kv->arr_type, kv->data, kv->arr_n, err);
    default:
      return rwkv_errorf(err, RWKV_ERR_UNSUPPORTED, "copy_kv: type %u", kv->type);
  }
}

static const char *tmp_path(const char *tag) {
  static char buf[4][512];
  static int slot;
  char *b = buf[slot++ & 3];
  snprintf(b, sizeof buf[0], "%s/test_rwkv7-%d-%s.gguf", RWKV_BUILD_DIR, (int)getpid(), tag);
  return b;
}

static int write_edited(const gguf_file *src, const edit *e, const char *out, rwkv_error *err) {
  gguf_writer *w = NULL;
  int rc = gguf_writer_new(&w, err);
  if (rc) return rc;
  void *bufs[8];
  int nb = 0;
  for (uint64_t i = 0; i < src->n_kv && !rc; i++) {
    const gguf_kv *kv = &src->kv[i];
    char key[256];
    snprintf(key, sizeof key, "%.*s", (int)kv->key.len, kv->key.ptr);
    if (e->drop_key && strcmp(key, e->drop_key) == 0) continue;
    if (e->str_key && strcmp(key, e->str_key) == 0) {
      rc = gguf_writer_add_str(w, key, "x", err);
    } else if (e->u32_key && strcmp(key, e->u32_key) == 0) {
      rc = gguf_writer_add_u32(w, key, e->u32_val, err);
    } else if (e->arch && strcmp(key, "general.architecture") == 0) {
      rc = gguf_writer_add_str(w, key, e->arch, err);
    } else {
      rc = copy_kv(w, kv, key, err);
    }
  }
  for (uint64_t i = 0; i < src->n_tensors && !rc; i++) {
    const gguf_tensor *t = &src->tensors[i];
    char name[256];
    snprintf(name, sizeof name, "%.*s", (int)t->name.len, t->name.ptr);
    uint64_t ne[4] = {t->ne[0], t->ne[1], t->ne[2], t->ne[3]};
    if (e->drop_tensor && strcmp(name, e->drop_tensor) == 0) continue;
    if (e->shape_tensor && strcmp(name, e->shape_tensor) == 0) {
      ne[1] /= 2;
      rc = gguf_writer_add_tensor(w, name, t->type, t->n_dims, ne, t->data, t->size / 2, 0, err);
    } else if (e->quant_tensor && strcmp(name, e->quant_tensor) == 0 && t->type == RWKV_TYPE_F32 && nb < 8) {
      uint64_t bytes = rwkv_type_row_bytes(RWKV_TYPE_Q8_0, ne[0]) * ne[1] * ne[2] * ne[3];
      void *q = malloc(bytes);
      bufs[nb++] = q;
      rc = rwkv_quantize(RWKV_TYPE_Q8_0, (const float *)t->data, q, ne[0] * ne[1] * ne[2] * ne[3], err);
      if (!rc) rc = gguf_writer_add_tensor(w, name, RWKV_TYPE_Q8_0, t->n_dims, ne, q, bytes, 0, err);
    } else if (e->rk_alt && strstr(name, "time_mix_r_k")) {
      ne[0] = 64;
      ne[1] = 1;
      rc = gguf_writer_add_tensor(w, name, t->type, 2, ne, t->data, t->size, 0, err);
    } else {
      rc = gguf_writer_add_tensor(w, name, t->type, t->n_dims, ne, t->data, t->size, 0, err);
    }
  }
  if (!rc) rc = gguf_writer_write(w, out, err);
  gguf_writer_free(w);
  for (int i = 0; i < nb; i++) free(bufs[i]);
  return rc;
}

/* Write an edited copy, describe it; return the rc and keep the message in err. */
/* The edited file stays open in *held (the description points into it) until the next call. */
static int describe_edited(const gguf_file *src, const edit *e, rwkv7_desc *d, gguf_file **held,
                           rwkv_error *err) {
  gguf_close(*held);
  *held = NULL;
  const char *p = tmp_path("edit");
  int rc = write_edited(src, e, p, err);
  CHECK_OK(rc, err);
  if (rc) return -1;
  gguf_file *f = NULL;
  rc = gguf_open(p, &f, err);
  CHECK_OK(rc, err);
  if (rc) {
    unlink(p);
    return -1;
  }
  rc = rwkv7_describe(f, d, err);
  if (rc) {
    /* failed description leaves an empty desc */
    CHECK(d->layers == NULL && d->n_layer == 0);
  }
  *held = f;
  unlink(p);
  return rc;
}

static void test_refusals(void) {
  rwkv_error err = {0};
  gguf_file *f = NULL;
  int rc = gguf_open(MODEL_F32, &f, &err);
  CHECK_OK(rc, &err);
  if (rc) return;
  rwkv7_desc d;
  edit e;
  gguf_file *held = NULL;

#define EDIT(...)                  \
  do {                             \
    memset(&e, 0, sizeof e);       \
    edit tmp_ = {__VA_ARGS__};     \
    e = tmp_;                      \
    rwkv_error_clear(&err);        \
    rc = describe_edited(f, &e, &d, &held, &err); \
  } while (0)

  EDIT(.arch = "llama");
  CHECK_ERR(rc, &err, RWKV_ERR_UNSUPPORTED, "general.architecture is 'llama'");
  CHECK(strstr(err.msg, "test_rwkv7-") != NULL); /* names the file */

  EDIT(.drop_key = "general.architecture");
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "general.architecture");

  EDIT(.drop_tensor = "blk.3.time_mix_k_k.weight");
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "missing tensor 'blk.3.time_mix_k_k.weight'");

  EDIT(.drop_tensor = "output.weight");
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "'output.weight'");

  EDIT(.drop_tensor = "blk.5.time_mix_v2.weight");
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "'blk.5.time_mix_v2.weight'");

  EDIT(.shape_tensor = "blk.2.time_mix_key.weight");
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "tensor 'blk.2.time_mix_key.weight' has shape [64, 32, 1, 1]");

  EDIT(.shape_tensor = "blk.7.channel_mix_value.weight");
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "'blk.7.channel_mix_value.weight' has shape");

  EDIT(.str_key = "rwkv7.block_count");
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "rwkv7.block_count");

  EDIT(.str_key = "rwkv7.attention.layer_norm_epsilon");
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "rwkv7.attention.layer_norm_epsilon");

  EDIT(.drop_key = "rwkv7.wkv.head_size");
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "rwkv7.wkv.head_size");

  EDIT(.u32_key = "rwkv7.attention.decay_lora_rank", .u32_val = 16);
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "ranks mismatch");
  CHECK(strstr(err.msg, "blk.0.time_mix_w1.weight") && strstr(err.msg, "decay_lora_rank"));

  EDIT(.u32_key = "rwkv7.attention.gate_lora_rank", .u32_val = 8);
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "gate_lora_rank");

  EDIT(.u32_key = "rwkv7.attention.value_residual_mix_lora_rank", .u32_val = 31);
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "blk.1.time_mix_v1.weight");

  EDIT(.u32_key = "rwkv7.wkv.head_size", .u32_val = 48);
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "not a multiple of rwkv7.wkv.head_size 48");

  EDIT(.u32_key = "rwkv7.embedding_length", .u32_val = 128);
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "token_embd.weight");

  EDIT(.u32_key = "rwkv7.feed_forward_length", .u32_val = 512);
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "blk.0.channel_mix_key.weight");

  EDIT(.u32_key = "rwkv7.block_count", .u32_val = 13);
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "missing tensor 'blk.12.attn_norm.weight'");

  EDIT(.u32_key = "rwkv7.block_count", .u32_val = 11);
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "blk.11.attn_norm.weight' exists");

  EDIT(.u32_key = "rwkv7.block_count", .u32_val = 0);
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "rwkv7.block_count' is 0");

  EDIT(.quant_tensor = "blk.4.time_mix_k_k.weight");
  CHECK_ERR(rc, &err, RWKV_ERR_UNSUPPORTED, "'blk.4.time_mix_k_k.weight' is q8_0");

  EDIT(.quant_tensor = "blk.4.time_mix_lerp_fused.weight");
  CHECK_ERR(rc, &err, RWKV_ERR_UNSUPPORTED, "small tensors must be f32 or f16");

  /* accepted variations */
  EDIT(.quant_tensor = "blk.4.time_mix_key.weight");
  CHECK_OK(rc, &err);
  if (!rc) {
    CHECK(d.layers[4].wk->type == RWKV_TYPE_Q8_0);
    CHECK(strcmp(d.file_type, "F32") == 0); /* general.file_type wins */
    rwkv7_desc_free(&d);
  }
  EDIT(.quant_tensor = "blk.4.time_mix_key.weight", .drop_key = "general.file_type");
  CHECK_OK(rc, &err);
  if (!rc) {
    CHECK_MSG(strcmp(d.file_type, "mixed") == 0, "%s", d.file_type);
    rwkv7_desc_free(&d);
  }
  EDIT(.drop_key = "general.file_type");
  CHECK_OK(rc, &err);
  if (!rc) {
    CHECK_MSG(strcmp(d.file_type, "F32") == 0, "%s", d.file_type);
    rwkv7_desc_free(&d);
  }
  EDIT(.rk_alt = "y");
  CHECK_OK(rc, &err);
  if (!rc) {
    CHECK(d.layers[3].r_k->ne[0] == 64 && d.layers[3].r_k->n_dims == 2);
    rwkv7_desc_free(&d);
  }
  EDIT(.drop_key = "rwkv7.attention.gate_lora_rank");
  CHECK_OK(rc, &err);
  if (!rc) {
    CHECK(d.rank_g == 32);
    rwkv7_desc_free(&d);
  }
  EDIT(.drop_key = "rwkv7.attention.layer_norm_epsilon");
  CHECK_OK(rc, &err);
  if (!rc) {
    CHECK(d.eps == 1e-5f);
    rwkv7_desc_free(&d);
  }
  EDIT(.drop_key = "rwkv7.context_length");
  CHECK_OK(rc, &err);
  if (!rc) {
    CHECK(d.context_length == 0);
    rwkv7_desc_free(&d);
  }
#undef EDIT
  /* NULL arguments */
  CHECK(rwkv7_describe(NULL, &d, &err) == RWKV_ERR_ARG);
  rwkv7_desc_free(NULL);
  gguf_close(held);
  gguf_close(f);
}

static void test_f16_model(void) {
  rwkv_error err = {0};
  gguf_file *f = NULL;
  rwkv7_desc d;
  int rc = gguf_open(MODEL_F16, &f, &err);
  CHECK_OK(rc, &err);
  if (rc) return;
  rc = rwkv7_describe(f, &d, &err);
  CHECK_OK(rc, &err);
  if (!rc) {
    check_hparams(&d, "F16");
    CHECK(d.layers[0].wk->type == RWKV_TYPE_F16 && d.head->type == RWKV_TYPE_F16);
    CHECK(d.layers[0].w1->type == RWKV_TYPE_F16);
    CHECK(d.layers[0].k_k->type == RWKV_TYPE_F32 && d.layers[0].lerp->type == RWKV_TYPE_F32);
    rwkv7_desc_free(&d);
  }
  gguf_close(f);
}

int main(void) {
  test_expected_logits();
  test_f16_model();
  check_seq(MODEL_F32, "tiny-fp32-seq1", 1e-5, 1e-5);
  check_seq(MODEL_F16, "tiny-fp16-seq1", 1e-4, 1e-4);
  test_refusals();
  return test_result("test_rwkv7");
}
