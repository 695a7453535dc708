/* test_convert.c - rwkv7_convert: determinism against the shipped GGUFs, every output
 * type (with K-quant fallbacks), vocabularies, and refusal of damaged .bin input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gguf.h"
#include "quant.h"
#include "ref_forward.h"
#include "rwkv7.h"
#include "rwkv7_convert.h"
#include "testutil.h"

#define BIN_F32 RWKV_TEST_DATA "/tiny-rwkv-7v0-834K-FP32.bin"
#define BIN_F16 RWKV_TEST_DATA "/tiny-rwkv-7v0-834K-FP16.bin"
#define MODEL_F32 RWKV_SOURCE_DIR "/models/tiny-rwkv7-834K-F32.gguf"
#define MODEL_F16 RWKV_SOURCE_DIR "/models/tiny-rwkv7-834K-F16.gguf"
#define VOCAB RWKV_TEST_DATA "/tokenizer/rwkv_vocab_v20230424.txt"

static const char *tmp_path(const char *tag) {
  static char buf[8][512];
  static int slot;
  char *b = buf[slot++ & 7];
  snprintf(b, sizeof buf[0], "%s/test_convert-%d-%s", RWKV_BUILD_DIR, (int)getpid(), tag);
  return b;
}

static int same_file(const char *a, const char *b) {
  size_t na = 0, nb = 0;
  char *x = test_read_file(a, &na), *y = test_read_file(b, &nb);
  int same = x && y && na == nb && memcmp(x, y, na) == 0;
  free(x);
  free(y);
  return same;
}

static int write_file(const char *path, const void *p, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  size_t w = fwrite(p, 1, n, f);
  fclose(f);
  return w == n ? 0 : -1;
}

/* Logits after '"', 'i', 'n' from a zero state with the float64 reference. */
static int ref_logits(const char *gguf, double *logits, rwkv7_desc *dout, rwkv_error *err) {
  gguf_file *f = NULL;
  int rc = gguf_open(gguf, &f, err);
  if (rc) return rc;
  rwkv7_desc d;
  rc = rwkv7_describe(f, &d, err);
  ref_model *m = NULL;
  ref_state *s = NULL;
  if (!rc) rc = ref_model_new(&d, &m, err);
  if (!rc) rc = ref_state_new(m, &s, err);
  for (int i = 0; !rc && i < 3; i++) rc = ref_forward(m, s, (uint8_t)"\"in"[i], logits, NULL, err);
  ref_state_free(s);
  ref_model_free(m);
  if (dout && !rc) {
    *dout = d;
    for (uint32_t i = 0; i < 16; i++) dout->file_type[i] = d.file_type[i];
    dout->layers = NULL; /* pointers into f die with it; keep only the numbers */
  }
  rwkv7_desc_free(&d);
  gguf_close(f);
  return rc;
}

static void test_shipped(void) {
  rwkv_error err = {0};
  rwkv7_convert_opts o = {0};
  o.name = "tiny-rwkv7-834K";
  rwkv7_convert_stats st;
  const char *p32 = tmp_path("f32.gguf"), *p16 = tmp_path("f16.gguf"), *again = tmp_path("again.gguf");
  int rc = rwkv7_convert(BIN_F32, p32, &o, &st, &err);
  CHECK_OK(rc, &err);
  CHECK(st.n_tensors == 6 + 12 * 28 - 3 && st.n_fallback == 0);
  CHECK_MSG(same_file(p32, MODEL_F32), "%s differs from %s", p32, MODEL_F32);
  rc = rwkv7_convert(BIN_F32, again, &o, NULL, &err);
  CHECK_OK(rc, &err);
  CHECK(same_file(p32, again));
  o.type = "F16";
  rc = rwkv7_convert(BIN_F16, p16, &o, &st, &err);
  CHECK_OK(rc, &err);
  CHECK_MSG(same_file(p16, MODEL_F16), "%s differs from %s", p16, MODEL_F16);

  /* the metadata and tokens */
  gguf_file *f = NULL;
  rc = gguf_open(p32, &f, &err);
  CHECK_OK(rc, &err);
  if (!rc) {
    gguf_str s;
    CHECK(gguf_get_str(f, "general.name", 0, &s, &err) == 0 && gguf_str_eq(s, "tiny-rwkv7-834K"));
    CHECK(gguf_get_str(f, "tokenizer.ggml.model", 0, &s, &err) == 0 && gguf_str_eq(s, "rwkv"));
    uint32_t ft = 99;
    CHECK(gguf_get_u32(f, "general.file_type", 0, &ft, &err) == 0 && ft == 0);
    const gguf_str *tok = NULL;
    uint64_t n = 0;
    rc = gguf_get_str_array(f, "tokenizer.ggml.tokens", 0, &tok, &n, &err);
    CHECK_OK(rc, &err);
    if (!rc && n == 256) {
      CHECK(gguf_str_eq(tok[0], "\\x00"));
      CHECK(gguf_str_eq(tok[10], "\\n"));
      CHECK(gguf_str_eq(tok[9], "\\t"));
      CHECK(gguf_str_eq(tok[13], "\\r"));
      CHECK(gguf_str_eq(tok['A'], "A"));
      CHECK(gguf_str_eq(tok[' '], " "));
      CHECK(gguf_str_eq(tok['\\'], "\\\\"));
      CHECK(gguf_str_eq(tok['\''], "'")); /* repr(b"'") is b"'" */
      CHECK(gguf_str_eq(tok['"'], "\""));
      CHECK(gguf_str_eq(tok[0x7f], "\\x7f"));
      CHECK(gguf_str_eq(tok[0xc8], "\\xc8"));
    }
    CHECK(n == 256);
    const gguf_tensor *t = gguf_find_tensor(f, "blk.0.time_mix_r_k.weight");
    CHECK(t && t->n_dims == 1 && t->ne[0] == 64);
    t = gguf_find_tensor(f, "blk.0.time_mix_lerp_fused.weight");
    CHECK(t && t->n_dims == 4 && t->ne[3] == 6);
    gguf_close(f);
  }
  unlink(p32);
  unlink(p16);
  unlink(again);
}

typedef struct type_case {
  const char *opt;
  const char *file_type; /* as rwkv7_describe names it */
  uint32_t attn;         /* blk.N.time_mix_key type (rows of 64) */
  uint32_t ffn_v;        /* blk.0.channel_mix_value (rows of 256) */
  uint32_t ffn_v1;       /* blk.1.channel_mix_value */
  uint32_t head;         /* output */
  uint32_t lora;         /* time_mix_a1 (w1 / w2: always F32, as llama.cpp's converter) */
  uint32_t fallbacks;
  double tol;            /* max |logit diff| to the F32 model's, loose */
} type_case;

static void test_types(void) {
  rwkv_error err = {0};
  double base[256];
  int rc = ref_logits(MODEL_F32, base, NULL, &err);
  CHECK_OK(rc, &err);
  const uint32_t F32 = RWKV_TYPE_F32, F16 = RWKV_TYPE_F16;
  /* big matrices: 12 x 5 with rows of 64 + emb + output = 62 cannot take K-quants */
  const type_case cases[] = {
      {"f32", "F32", F32, F32, F32, F32, F32, 0, 0.0},
      {"f16", "F16", F16, F16, F16, F16, F16, 0, 1e-4},
      {"bf16", "BF16", RWKV_TYPE_BF16, RWKV_TYPE_BF16, RWKV_TYPE_BF16, RWKV_TYPE_BF16, RWKV_TYPE_BF16, 0, 0.02},
      {"q8_0", "Q8_0", RWKV_TYPE_Q8_0, RWKV_TYPE_Q8_0, RWKV_TYPE_Q8_0, RWKV_TYPE_Q8_0, F16, 0, 0.03},
      {"q4_0", "Q4_0", RWKV_TYPE_Q4_0, RWKV_TYPE_Q4_0, RWKV_TYPE_Q4_0, RWKV_TYPE_Q4_0, F16, 0, 0.5},
      {"q4_1", "Q4_1", RWKV_TYPE_Q4_1, RWKV_TYPE_Q4_1, RWKV_TYPE_Q4_1, RWKV_TYPE_Q4_1, F16, 0, 0.4},
      {"q5_0", "Q5_0", RWKV_TYPE_Q5_0, RWKV_TYPE_Q5_0, RWKV_TYPE_Q5_0, RWKV_TYPE_Q5_0, F16, 0, 0.3},
      {"q5_1", "Q5_1", RWKV_TYPE_Q5_1, RWKV_TYPE_Q5_1, RWKV_TYPE_Q5_1, RWKV_TYPE_Q5_1, F16, 0, 0.2},
      {"q2_k", "Q2_K", RWKV_TYPE_Q4_0, RWKV_TYPE_Q2_K, RWKV_TYPE_Q2_K, RWKV_TYPE_Q4_0, F16, 62, 0.5},
      {"q3_k", "Q3_K_S", RWKV_TYPE_Q4_0, RWKV_TYPE_Q3_K, RWKV_TYPE_Q3_K, RWKV_TYPE_Q4_0, F16, 62, 0.5},
      {"q4_k", "Q4_K_S", RWKV_TYPE_Q5_0, RWKV_TYPE_Q4_K, RWKV_TYPE_Q4_K, RWKV_TYPE_Q5_0, F16, 62, 0.3},
      {"q5_k", "Q5_K_S", RWKV_TYPE_Q5_1, RWKV_TYPE_Q5_K, RWKV_TYPE_Q5_K, RWKV_TYPE_Q5_1, F16, 62, 0.2},
      {"q6_k", "Q6_K", RWKV_TYPE_Q8_0, RWKV_TYPE_Q6_K, RWKV_TYPE_Q6_K, RWKV_TYPE_Q8_0, F16, 62, 0.03},
      /* Q4_K_M: n_layer 12 -> use_more_bits for layers 0, 3, 6, 9, 10, 11 (value matrices) */
      {"q4_k_m", "Q4_K_M", RWKV_TYPE_Q5_0, RWKV_TYPE_Q6_K, RWKV_TYPE_Q4_K, RWKV_TYPE_Q8_0, F16, 62, 0.15},
  };
  const char *p = tmp_path("type.gguf");
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const type_case *c = &cases[i];
    rwkv7_convert_opts o = {0};
    o.type = c->opt;
    rwkv7_convert_stats st;
    rc = rwkv7_convert(BIN_F32, p, &o, &st, &err);
    CHECK_MSG(rc == RWKV_OK, "%s: %s", c->opt, err.msg);
    if (rc) continue;
    CHECK_MSG(st.n_fallback == c->fallbacks, "%s: %u fallbacks", c->opt, st.n_fallback);
    gguf_file *f = NULL;
    rwkv7_desc d;
    rc = gguf_open(p, &f, &err);
    CHECK_OK(rc, &err);
    if (rc) continue;
    rc = rwkv7_describe(f, &d, &err);
    CHECK_OK(rc, &err);
    if (!rc) {
      CHECK_MSG(strcmp(d.file_type, c->file_type) == 0, "%s: file_type %s", c->opt, d.file_type);
      CHECK_MSG(d.layers[2].wk->type == c->attn, "%s: wk type %u", c->opt, d.layers[2].wk->type);
      CHECK_MSG(d.layers[0].ffn_value->type == c->ffn_v, "%s: ffn_v type %u", c->opt, d.layers[0].ffn_value->type);
      CHECK_MSG(d.layers[1].ffn_value->type == c->ffn_v1, "%s: ffn_v1 type %u", c->opt, d.layers[1].ffn_value->type);
      CHECK_MSG(d.head->type == c->head, "%s: head type %u", c->opt, d.head->type);
      CHECK_MSG(d.layers[3].a1->type == c->lora && d.layers[3].g2->type == c->lora, "%s: lora types %u %u", c->opt,
                d.layers[3].a1->type, d.layers[3].g2->type);
      CHECK_MSG(d.layers[3].w1->type == F32 && d.layers[3].w2->type == F32, "%s: w1 / w2 types %u %u", c->opt,
                d.layers[3].w1->type, d.layers[3].w2->type);
      CHECK(d.layers[3].k_k->type == F32 && d.layers[3].lerp->type == F32 && d.ln0_w->type == F32);
      if (strcmp(c->opt, "q4_k_m") == 0) {
        const int more[12] = {1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 1, 1};
        for (int l = 0; l < 12; l++) {
          CHECK_MSG(d.layers[l].ffn_value->type == (more[l] ? RWKV_TYPE_Q6_K : RWKV_TYPE_Q4_K), "layer %d", l);
          /* time_mix_value has rows of 64: Q6_K -> Q8_0, Q4_K -> Q5_0 */
          CHECK_MSG(d.layers[l].wv->type == (more[l] ? RWKV_TYPE_Q8_0 : RWKV_TYPE_Q5_0), "layer %d", l);
          CHECK(d.layers[l].ffn_key->type == RWKV_TYPE_Q5_0);
        }
        CHECK(d.emb->type == RWKV_TYPE_Q5_0);
      }
      rwkv7_desc_free(&d);
    }
    gguf_close(f);
    double lg[256];
    rc = ref_logits(p, lg, NULL, &err);
    CHECK_OK(rc, &err);
    double worst = 0;
    for (int k = 0; k < 256; k++) {
      double e = fabs(lg[k] - base[k]);
      if (!(e <= worst)) worst = e; /* NaN propagates */
    }
    printf("%-7s max |logit diff| vs F32: %.4g\n", c->opt, worst);
    CHECK_MSG(worst <= c->tol, "%s: %g > %g", c->opt, worst, c->tol);
    /* deterministic */
    const char *p2 = tmp_path("type2.gguf");
    rc = rwkv7_convert(BIN_F32, p2, &o, NULL, &err);
    CHECK_OK(rc, &err);
    CHECK_MSG(same_file(p, p2), "%s: not deterministic", c->opt);
    unlink(p2);
  }
  unlink(p);
  rwkv7_convert_opts o = {0};
  o.type = "q3_k_m";
  rc = rwkv7_convert(BIN_F32, p, &o, NULL, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_ARG, "unknown output type 'q3_k_m'");
  CHECK(access(p, F_OK) != 0);
}

/* ------------------------------------------------------------------ synthetic .bin */

typedef struct buf {
  uint8_t *p;
  size_t n, cap;
} buf;

static void put(buf *b, const void *p, size_t n) {
  if (b->n + n > b->cap) {
    b->cap = (b->n + n) * 2;
    b->p = realloc(b->p, b->cap);
  }
  memcpy(b->p + b->n, p, n);
  b->n += n;
}

static void put_i32(buf *b, int32_t v) { put(b, &v, 4); }

static uint32_t rng_next(uint64_t *s) {
  *s = *s * 6364136223846793005ull + 1442695040888963407ull;
  return (uint32_t)(*s >> 33);
}

/* record with dims in ggml order; f16 stores halves; values uniform in [-scale, scale] + offset */
static void put_rec(buf *b, const char *key, int nd, const int32_t *dims, int f16, uint64_t *rng, double scale,
                    double offset) {
  put_i32(b, nd);
  put_i32(b, (int32_t)strlen(key));
  put_i32(b, f16 ? 1 : 0);
  uint64_t n = 1;
  for (int i = 0; i < nd; i++) {
    put_i32(b, dims[i]);
    n *= (uint64_t)dims[i];
  }
  put(b, key, strlen(key));
  for (uint64_t i = 0; i < n; i++) {
    float v = (float)(offset + scale * ((rng_next(rng) / 2147483648.0) - 1.0));
    if (f16) {
      uint16_t h = rwkv_f32_to_f16(v);
      put(b, &h, 2);
    } else {
      put(b, &v, 4);
    }
  }
}

/* A random RWKV-7 in rwkv.cpp's format (same names and layouts as the tiny model). */
static buf make_bin(int32_t V, int32_t D, int32_t L, int32_t F, int32_t R, int32_t N, int f16) {
  buf b = {0};
  uint64_t rng = 12345;
  int32_t hdr[6] = {0x67676d66, 101, V, D, L, f16};
  put(&b, hdr, sizeof hdr);
  const int32_t vD[1] = {D}, v3[3] = {D, 1, 1}, mDV[2] = {D, V}, mDD[2] = {D, D}, mDR[2] = {D, R},
                mRD[2] = {R, D}, mDF[2] = {D, F}, mFD[2] = {F, D}, lerp[3] = {D, 1, 6}, rk[2] = {N, D / N};
  const double ws = 1.0 / 8;
  put_rec(&b, "emb.weight", 2, mDV, f16, &rng, 1.0, 0);
  for (int l = 0; l < L; l++) {
    char k[64];
#define R_(suffix, nd, dims, big, scale, off)          \
  snprintf(k, sizeof k, "blocks.%d.%s", l, suffix); \
  put_rec(&b, k, nd, dims, big ? f16 : 0, &rng, scale, off)
    R_("ln1.weight", 1, vD, 0, 0.2, 1.0);
    R_("ln1.bias", 1, vD, 0, 0.1, 0);
    R_("ln2.weight", 1, vD, 0, 0.2, 1.0);
    R_("ln2.bias", 1, vD, 0, 0.1, 0);
    if (l == 0) {
      R_("ln0.weight", 1, vD, 0, 0.2, 1.0);
      R_("ln0.bias", 1, vD, 0, 0.1, 0);
    }
    R_("att.x_rwkvag", 3, lerp, 0, 0.5, 0.5);
    R_("att.w1", 2, mDR, 1, ws, 0);
    R_("att.w2", 2, mRD, 1, ws, 0);
    R_("att.w0", 3, v3, 0, 0.5, -0.5);
    R_("att.a1", 2, mDR, 1, ws, 0);
    R_("att.a2", 2, mRD, 1, ws, 0);
    R_("att.a0", 3, v3, 0, 0.5, 0);
    if (l > 0) {
      R_("att.v1", 2, mDR, 1, ws, 0);
      R_("att.v2", 2, mRD, 1, ws, 0);
      R_("att.v0", 3, v3, 0, 0.5, 0);
    }
    R_("att.g1", 2, mDR, 1, ws, 0);
    R_("att.g2", 2, mRD, 1, ws, 0);
    R_("att.k_k", 3, v3, 0, 0.3, 0.8);
    R_("att.k_a", 3, v3, 0, 0.3, 1.0);
    R_("att.r_k", 2, rk, 0, 0.3, 0);
    R_("att.receptance.weight", 2, mDD, 1, ws, 0);
    R_("att.key.weight", 2, mDD, 1, ws, 0);
    R_("att.value.weight", 2, mDD, 1, ws, 0);
    R_("att.output.weight", 2, mDD, 1, ws, 0);
    R_("att.ln_x.weight", 1, vD, 0, 0.2, 1.0);
    R_("att.ln_x.bias", 1, vD, 0, 0.1, 0);
    R_("ffn.x_k", 3, v3, 0, 0.5, 0.5);
    R_("ffn.key.weight", 2, mDF, 1, ws, 0);
    R_("ffn.value.weight", 2, mFD, 1, ws, 0);
#undef R_
  }
  put_rec(&b, "ln_out.weight", 1, vD, 0, &rng, 0.2, 1.0);
  put_rec(&b, "ln_out.bias", 1, vD, 0, &rng, 0.1, 0);
  put_rec(&b, "head.weight", 2, mDV, f16, &rng, 0.5, 0);
  return b;
}

static void test_synthetic(void) {
  rwkv_error err = {0};
  /* D = 256: K-quants fit every big matrix; the Q4_K_M mix shows. */
  buf b = make_bin(256, 256, 3, 512, 16, 64, 0);
  const char *in = tmp_path("syn.bin"), *out = tmp_path("syn.gguf");
  CHECK(write_file(in, b.p, b.n) == 0);
  rwkv7_convert_opts o = {0};
  o.type = "q4_k_m";
  rwkv7_convert_stats st;
  int rc = rwkv7_convert(in, out, &o, &st, &err);
  CHECK_OK(rc, &err);
  CHECK(st.n_fallback == 0);
  gguf_file *f = NULL;
  rwkv7_desc d;
  if (!rc && !(rc = gguf_open(out, &f, &err))) {
    rc = rwkv7_describe(f, &d, &err);
    CHECK_OK(rc, &err);
    if (!rc) {
      CHECK(d.n_layer == 3 && d.n_embd == 256 && d.n_head == 4 && d.head_size == 64 && d.n_ffn == 512);
      CHECK(d.rank_w == 16 && d.rank_v == 16 && d.rank_g == 16);
      CHECK(d.head->type == RWKV_TYPE_Q6_K);
      CHECK(d.emb->type == RWKV_TYPE_Q4_K);
      /* use_more_bits(i, 3): 3/8 = 0, 7*3/8 = 2: layers 2 (>= 2) and (i - 0) % 3 == 2 -> layer 2 */
      CHECK(d.layers[0].wv->type == RWKV_TYPE_Q4_K && d.layers[2].wv->type == RWKV_TYPE_Q6_K);
      CHECK(d.layers[1].ffn_value->type == RWKV_TYPE_Q4_K && d.layers[2].ffn_value->type == RWKV_TYPE_Q6_K);
      CHECK(d.layers[1].wk->type == RWKV_TYPE_Q4_K && d.layers[1].ffn_key->type == RWKV_TYPE_Q4_K);
      CHECK(d.layers[1].r_k->ne[0] == 256 && d.layers[1].r_k->n_dims == 1);
      /* the reference runs on it and stays finite */
      ref_model *m = NULL;
      ref_state *s = NULL;
      double lg[256];
      rc = ref_model_new(&d, &m, &err);
      if (!rc) rc = ref_state_new(m, &s, &err);
      for (int i = 0; !rc && i < 4; i++) rc = ref_forward(m, s, (uint32_t)(i * 37), lg, NULL, &err);
      CHECK_OK(rc, &err);
      int finite = 1;
      for (int i = 0; i < 256; i++) finite &= isfinite(lg[i]) != 0;
      CHECK(finite);
      ref_state_free(s);
      ref_model_free(m);
      rwkv7_desc_free(&d);
    }
    gguf_close(f);
  }
  free(b.p);

  /* world vocabulary: n_vocab 65536, one layer, F16 source */
  b = make_bin(65536, 64, 1, 64, 8, 64, 1);
  CHECK(write_file(in, b.p, b.n) == 0);
  memset(&o, 0, sizeof o);
  rc = rwkv7_convert(in, out, &o, NULL, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_ARG, "--vocab");
  o.vocab = VOCAB;
  o.type = "f16";
  rc = rwkv7_convert(in, out, &o, &st, &err);
  CHECK_OK(rc, &err);
  if (!rc && !(rc = gguf_open(out, &f, &err))) {
    const gguf_str *tok = NULL;
    uint64_t n = 0;
    rc = gguf_get_str_array(f, "tokenizer.ggml.tokens", 0, &tok, &n, &err);
    CHECK_OK(rc, &err);
    CHECK(n == 65536);
    if (!rc && n == 65536) {
      CHECK(gguf_str_eq(tok[0], "<s>"));
      CHECK(gguf_str_eq(tok[1], "\\x00"));
      CHECK(gguf_str_eq(tok[11], "\\n"));
      CHECK(gguf_str_eq(tok[256], "\\xff"));
      CHECK(gguf_str_eq(tok[257], "\\t\\t"));
      CHECK(gguf_str_eq(tok[65530], "[PAD65530]"));
      CHECK(gguf_str_eq(tok[65535], "[PAD65535]"));
    }
    const void *types = NULL;
    rc = gguf_get_array(f, "tokenizer.ggml.token_type", GGUF_I32, 0, &types, &n, &err);
    CHECK_OK(rc, &err);
    if (!rc && n == 65536) {
      int32_t t[3];
      memcpy(&t[0], (const int32_t *)types, 4);
      memcpy(&t[1], (const int32_t *)types + 100, 4);
      memcpy(&t[2], (const int32_t *)types + 65535, 4);
      CHECK(t[0] == 3 && t[1] == 1 && t[2] == 5);
    }
    rc = rwkv7_describe(f, &d, &err);
    CHECK_OK(rc, &err);
    if (!rc) {
      CHECK(d.n_layer == 1 && d.n_vocab == 65536 && d.rank_w == 8);
      /* (F16 LoRA input stays F16, w1 / w2 too) */
      CHECK_MSG(d.layers[0].w1->type == RWKV_TYPE_F16 && d.layers[0].a1->type == RWKV_TYPE_F16 &&
                d.layers[0].wk->type == RWKV_TYPE_F16, "types w1 %u a1 %u wk %u", d.layers[0].w1->type,
                d.layers[0].a1->type, d.layers[0].wk->type);
      rwkv7_desc_free(&d);
    }
    gguf_close(f);
  }
  /* a world vocab bigger than the model */
  free(b.p);
  b = make_bin(1000, 64, 1, 64, 8, 64, 0);
  CHECK(write_file(in, b.p, b.n) == 0);
  rc = rwkv7_convert(in, out, &o, NULL, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "n_vocab 1000");
  free(b.p);
  unlink(in);
  unlink(out);
}

/* ------------------------------------------------------------------ refusals */

static int convert_bytes(const uint8_t *p, size_t n, rwkv_error *err) {
  const char *in = tmp_path("bad.bin"), *out = tmp_path("bad.gguf");
  if (write_file(in, p, n) != 0) return -1;
  unlink(out);
  int rc = rwkv7_convert(in, out, NULL, NULL, err);
  if (rc) CHECK_MSG(access(out, F_OK) != 0, "output left behind: %s", err->msg);
  unlink(in);
  unlink(out);
  return rc;
}

static void set_i32(uint8_t *p, size_t off, int32_t v) { memcpy(p + off, &v, 4); }

static void test_bad_bin(void) {
  rwkv_error err = {0};
  size_t n = 0;
  uint8_t *orig = test_read_file(BIN_F32, &n);
  CHECK(orig && n > 10000);
  if (!orig) return;
  uint8_t *p = malloc(n);
  int rc;

  rc = rwkv7_convert(RWKV_TEST_DATA "/no-such-file.bin", tmp_path("x.gguf"), NULL, NULL, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_IO, "no-such-file.bin");

  /* truncation anywhere: every offset in the first 3000 bytes and a stride over the rest */
  int all_ok = 1;
  for (size_t cut = 0; cut < n; cut += cut < 3000 ? 1 : 4099) {
    rc = convert_bytes(orig, cut, &err);
    int ok = rc != RWKV_OK && (strstr(err.msg, "truncated") || strstr(err.msg, "missing tensor")) &&
             strstr(err.msg, "bad.bin");
    if (cut == 0) ok = rc != RWKV_OK && strstr(err.msg, "truncated at offset 0");
    if (!ok && all_ok) {
      CHECK_MSG(0, "cut %zu: rc %d: %s", cut, rc, err.msg);
      all_ok = 0;
    }
  }
  CHECK(all_ok);
  rc = convert_bytes(orig, n - 1, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "tensor 'head.weight' needs 65536 bytes of data, 65535 left");

#define BAD(off, val, code, substr)           \
  do {                                        \
    memcpy(p, orig, n);                       \
    set_i32(p, (off), (val));                 \
    rc = convert_bytes(p, n, &err);           \
    CHECK_ERR(rc, &err, (code), (substr));    \
  } while (0)
  BAD(0, 0x12345678, RWKV_ERR_FORMAT, "offset 0: bad magic");
  BAD(4, 99, RWKV_ERR_FORMAT, "offset 4: unsupported rwkv.cpp file version 99");
  BAD(8, 0, RWKV_ERR_FORMAT, "n_vocab is 0");
  BAD(12, -64, RWKV_ERR_FORMAT, "n_embd is -64");
  BAD(20, 9, RWKV_ERR_UNSUPPORTED, "data type 9");
  BAD(8, 512, RWKV_ERR_FORMAT, "'emb.weight' is [64, 256] but the header says n_embd 64, n_vocab 512");
  /* first record at 24: n_dims, key_len, type, dims... */
  BAD(24, 0, RWKV_ERR_FORMAT, "offset 24: record n_dims 0");
  BAD(24, 7, RWKV_ERR_FORMAT, "offset 24: record n_dims 7");
  BAD(28, -1, RWKV_ERR_FORMAT, "offset 28: record key_len -1");
  BAD(28, 100000, RWKV_ERR_FORMAT, "record key_len 100000");
  BAD(32, 2, RWKV_ERR_UNSUPPORTED, "offset 32: record type 2");
  BAD(36, 0, RWKV_ERR_FORMAT, "offset 36: dimension 0 is 0");
  BAD(40, -5, RWKV_ERR_FORMAT, "offset 40: dimension 1 is -5");
  BAD(40, 20000, RWKV_ERR_FORMAT, "tensor 'emb.weight' needs 5120000 bytes of data");
  BAD(40, 0x7fffffff, RWKV_ERR_FORMAT, "need more data than the file holds");
  BAD(36, 0x7fffffff, RWKV_ERR_FORMAT, "need more data than the file holds");
  /* key bytes: "emb.weight" at 44 */
  memcpy(p, orig, n);
  memcpy(p + 44, "emb.weighz", 10);
  rc = convert_bytes(p, n, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "bad.bin: missing tensor 'emb.weight'");
  memcpy(p, orig, n);
  p[46] = 0x01;
  rc = convert_bytes(p, n, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "non-printable byte 0x01");
#undef BAD
  /* the second record (blocks.0.ln1.weight) renamed to emb.weight: duplicate */
  {
    size_t off2 = 24 + 12 + 8 + 10 + 64 * 256 * 4;
    int32_t kl;
    memcpy(&kl, orig + off2 + 4, 4);
    CHECK(kl == (int32_t)strlen("blocks.0.ln1.weight"));
    memcpy(p, orig, n);
    memcpy(p + off2 + 12 + 4, "blocks.0.ln2.weight", 19);
    rc = convert_bytes(p, n, &err);
    CHECK_MSG(rc == RWKV_ERR_FORMAT && strstr(err.msg, "'blocks.0.ln2.weight' appears twice"), "%s", err.msg);
    memcpy(p, orig, n);
    memcpy(p + off2 + 12 + 4, "blocks.0.ln1.weighz", 19);
    rc = convert_bytes(p, n, &err);
    CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "unknown tensor 'blocks.0.ln1.weighz' (not an RWKV-7");
    CHECK(strstr(err.msg, "offset 65590") != NULL);
    /* a layer index past n_layer */
    memcpy(p, orig, n);
    memcpy(p + off2 + 12 + 4, "blocks.99.ln1.weigh", 19);
    rc = convert_bytes(p, n, &err);
    CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "unknown tensor 'blocks.99.ln1.weigh'");
  }
  /* a missing tensor: cut the file right before head.weight (its record is last) */
  {
    size_t head_rec = n - (12 + 8 + 11 + 64 * 256 * 4);
    rc = convert_bytes(orig, head_rec, &err);
    CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "bad.bin: missing tensor 'head.weight'");
  }
  free(p);
  free(orig);
}

int main(void) {
  test_shipped();
  test_types();
  test_synthetic();
  test_bad_bin();
  return test_result("test_convert");
}
