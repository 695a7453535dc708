/* test_quant_model.c - the quantized GPU path on random-weight models written by the
 * generator (engine/rwkv7_gen.h), in every type, against the float64 CPU reference
 * (tests/lib/ref_forward.h) run on the same file's weights dequantized on the CPU.
 *
 * The tiny trained model (n_embd 64) is too narrow for K-quants (blocks of 256), so the
 * model here is 2 layers x n_embd 256, ffn 1024, vocab 512: every matrix row is a multiple
 * of 256 and each type is exercised as itself (no fallback), with LoRA ranks 32/32/32/64.
 *
 * Tolerance. The GPU decodes exactly the blocks that rwkv_dequantize decodes for the
 * reference (the same stored values; the quant-vectors tests pin both to ggml), so the only
 * difference between the two forwards is arithmetic: float32 in the GPU's summation order
 * against float64. A float32 dot product of K terms carries a relative error of order
 * sqrt(K) * 2^-24 ~ 2e-6 for K = 1024; through the layer norms, exp/sigmoid, 12 steps of
 * the WKV recurrence and a head of 256 inputs this stays near 1e-6 relative, i.e. ~1e-5
 * absolute on logits that reach ~8 here (measured on llvmpipe: 2e-6..9e-6 on logits,
 * <5e-6 on the hidden vector; printed per type). We allow 5e-4 absolute on logits and
 * 2e-4 on the hidden vector (unit scale after ln_out): ~50x the measured float32 noise, room
 * for GPUs that fuse multiply-adds or reduce in other orders, and still far below what a
 * wrong decoder gives: the test also measures each type's own quantization error (the
 * reference logits of the type against those of the f32 file from the same seed) and
 * requires it to be >= 20x the tolerance for the block types, so a decoder that got a
 * scale, a sign or a nibble order wrong could not pass unnoticed.
 */
#include <math.h>
#include <stdint.h>
#include <unistd.h>

#include "gguf.h"
#include "quant.h"
#include "ref_forward.h"
#include "rwkv.h"
#include "rwkv7.h"
#include "rwkv7_gen.h"
#include "testutil.h"

#define L 2
#define D 256
#define F 1024
#define V 512
#define STEPS 12

#define TOL_LOGITS 5e-4
#define TOL_HIDDEN 2e-4
#define TOL_STATE 5e-4
/* prefills' tolerances times this: 10 where r / k / v and the FFN run on f16-rounded rows
 * (forward.c rows16: each weight off by up to 2^-11 relative; measured ~2e-3 on these logits) */
static double tol_pre = 1.0;

static rwkv7_hparams small_hp(void) {
  rwkv7_hparams hp = {L, D, 64, F, V, 32, 32, 32, 64};
  return hp;
}

static void tmp_path(char *buf, size_t n, const char *tag) {
  snprintf(buf, n, "%s/test_quant_model-%ld-%s.gguf", RWKV_BUILD_DIR, (long)getpid(), tag);
}

/* The small model (small_hp) of type (NULL: f32) from seed, written to path. */
static int gen_small(const char *path, const char *type, uint64_t seed, rwkv7_gen_stats *st, rwkv_error *err) {
  rwkv7_gen_opts o;
  memset(&o, 0, sizeof o);
  o.hp = small_hp();
  o.type = type;
  o.seed = seed;
  o.threads = 2;
  return rwkv7_gen_write(path, &o, st, err);
}

/* the f32 file's reference logits (check_type runs f32 first) */
static double f32_logits[STEPS][V];

static const int32_t TOKENS[STEPS] = {17, 300, 5, 511, 42, 42, 256, 1, 0, 128, 77, 400};

/* One type: generate, reference per step, GPU decode / prefill / embed. */
static void check_type(rwkv_gpu *gpu, const char *type, const char *want_ft) {
  rwkv_error err = {0};
  char path[512];
  tmp_path(path, sizeof path, type);
  rwkv7_gen_stats st;
  int rc = gen_small(path, type, 7, &st, &err);
  CHECK_OK(rc, &err);
  if (rc) return;
  CHECK_MSG(st.n_fallback == 0, "%s: %u fallbacks", type, st.n_fallback);

  /* reference: the file's own weights, widened to double */
  gguf_file *f = NULL;
  rwkv7_desc d;
  memset(&d, 0, sizeof d);
  ref_model *rm = NULL;
  ref_state *rs = NULL;
  rc = gguf_open(path, &f, &err);
  if (!rc) rc = rwkv7_describe(f, &d, &err);
  if (!rc) {
    CHECK_MSG(strcmp(d.file_type, want_ft) == 0, "%s: file_type %s, want %s", type, d.file_type, want_ft);
    rc = ref_model_new(&d, &rm, &err);
  }
  if (!rc) rc = ref_state_new(rm, &rs, &err);
  CHECK_OK(rc, &err);
  static double ref_logits[STEPS][V], ref_hidden[STEPS][D];
  for (int t = 0; t < STEPS && !rc; t++) {
    rc = ref_forward(rm, rs, (uint32_t)TOKENS[t], ref_logits[t], ref_hidden[t], &err);
    CHECK_OK(rc, &err);
  }
  rwkv7_desc_free(&d);
  gguf_close(f);
  ref_state_free(rs);
  ref_model_free(rm);
  if (rc) {
    unlink(path);
    return;
  }
  double scale = 0, qerr = 0;
  for (int t = 0; t < STEPS; t++)
    for (int i = 0; i < V; i++) {
      scale = fmax(scale, fabs(ref_logits[t][i]));
      qerr = fmax(qerr, fabs(ref_logits[t][i] - f32_logits[t][i]));
    }
  if (strcmp(type, "f32") == 0) {
    memcpy(f32_logits, ref_logits, sizeof f32_logits);
    qerr = 0;
  }
  else if (type[0] == 'q')
    CHECK_MSG(qerr >= 20 * TOL_LOGITS * tol_pre, "%s: quantization error %.3g is too small to tell a bad decoder", type, qerr);

  /* GPU */
  rwkv_model *m = NULL;
  rwkv_state *s1 = NULL, *s2 = NULL, *s3 = NULL;
  rwkv_model_opts mo = rwkv_model_default_opts();
  mo.gpu = gpu;
  if (!strcmp(type, "q8_0")) {
    /* the layer kernel (RWKV_PERSIST=1) takes F16 / F32 matrices only: an error naming the
     * file, nothing loaded */
    setenv("RWKV_PERSIST", "1", 1);
    rc = rwkv_model_load(path, &mo, &m, &err);
    unsetenv("RWKV_PERSIST");
    CHECK(rc == RWKV_ERR_UNSUPPORTED && m == NULL);
    CHECK_MSG(strstr(err.msg, path) && strstr(err.msg, "RWKV_PERSIST=1") && strstr(err.msg, "F16 / F32"), "%s",
              err.msg);
  }
  if (!strcmp(type, "f16")) {
    /* nor LoRA first stages of two types (llama.cpp's layout: w1 F32, a1 / g1 / v1 F16) */
    setenv("RWKV_PERSIST", "1", 1);
    rc = rwkv_model_load(path, &mo, &m, &err);
    unsetenv("RWKV_PERSIST");
    CHECK(rc == RWKV_ERR_UNSUPPORTED && m == NULL);
    CHECK_MSG(strstr(err.msg, path) && strstr(err.msg, "LoRA first stages differ in type"), "%s", err.msg);
  }
  rc = rwkv_model_load(path, &mo, &m, &err);
  CHECK_OK(rc, &err);
  if (!rc) rc = rwkv_state_new(m, &s1, &err);
  if (!rc) rc = rwkv_state_new(m, &s2, &err);
  if (!rc) rc = rwkv_state_new(m, &s3, &err);
  CHECK_OK(rc, &err);
  double worst_dec = 0, worst_pre = 0, worst_emb = 0, worst_emb_last = 0, worst_state = 0;
  if (!rc) {
    const rwkv_model_info *mi = rwkv_model_get_info(m);
    CHECK_MSG(strcmp(mi->file_type, want_ft) == 0, "%s: engine file_type %s", type, mi->file_type);
    CHECK(mi->n_vocab == V && mi->n_embd == D && mi->n_layer == L);
    static float out[STEPS * V];
    /* decode: one token at a time, logits of the last */
    rwkv_forward_opts fo = {RWKV_OUTPUT_LAST, 0, 0};
    for (int t = 0; t < STEPS && !rc; t++) {
      rc = rwkv_forward(m, s1, &TOKENS[t], 1, &fo, out, &err);
      CHECK_OK(rc, &err);
      double dd = test_max_diff_fd(out, ref_logits[t], V);
      if (!(dd <= worst_dec)) worst_dec = dd;
      CHECK_MSG(dd <= TOL_LOGITS, "%s: decode step %d: max |logit diff| %.3g", type, t, dd);
    }
    /* prefill: all tokens at once, every step's logits */
    fo.output = RWKV_OUTPUT_ALL;
    if (!rc) rc = rwkv_forward(m, s2, TOKENS, STEPS, &fo, out, &err);
    CHECK_OK(rc, &err);
    for (int t = 0; t < STEPS && !rc; t++) {
      double dd = test_max_diff_fd(out + (size_t)t * V, ref_logits[t], V);
      if (!(dd <= worst_pre)) worst_pre = dd;
      CHECK_MSG(dd <= TOL_LOGITS * tol_pre, "%s: prefill step %d: max |logit diff| %.3g", type, t, dd);
    }
    /* the states after decode and after prefill agree */
    if (!rc) {
      size_t ns = rwkv_state_size(m);
      float *a = malloc(ns * sizeof *a), *b = malloc(ns * sizeof *b);
      CHECK(a && b);
      if (a && b && !(rc = rwkv_state_read(s1, a, ns, &err)) && !(rc = rwkv_state_read(s2, b, ns, &err))) {
        for (size_t i = 0; i < ns; i++) {
          double dd = fabs((double)a[i] - b[i]);
          if (!(dd <= worst_state)) worst_state = dd;
        }
        CHECK_MSG(worst_state <= TOL_STATE * tol_pre, "%s: decode vs prefill state: max diff %.3g", type, worst_state);
      }
      CHECK_OK(rc, &err);
      free(a);
      free(b);
    }
    /* embeddings: ALL (every step's hidden) and LAST with embed = 1 */
    fo.embed = 1;
    if (!rc) rc = rwkv_state_reset(s2, &err);
    if (!rc) rc = rwkv_forward(m, s2, TOKENS, STEPS, &fo, out, &err);
    CHECK_OK(rc, &err);
    for (int t = 0; t < STEPS && !rc; t++) {
      double dd = test_max_diff_fd(out + (size_t)t * D, ref_hidden[t], D);
      if (!(dd <= worst_emb)) worst_emb = dd;
      CHECK_MSG(dd <= TOL_HIDDEN * tol_pre, "%s: embed (all) step %d: max |hidden diff| %.3g", type, t, dd);
    }
    fo.output = RWKV_OUTPUT_LAST;
    if (!rc) rc = rwkv_forward(m, s3, TOKENS, STEPS, &fo, out, &err);
    CHECK_OK(rc, &err);
    if (!rc) {
      worst_emb_last = test_max_diff_fd(out, ref_hidden[STEPS - 1], D);
      CHECK_MSG(worst_emb_last <= TOL_HIDDEN * tol_pre, "%s: embed (last): max |hidden diff| %.3g", type, worst_emb_last);
    }
  }
  printf("%-7s %-7s max|logit| %6.3f  quant err %.2e  decode %.2e  prefill %.2e  state %.2e  embed all %.2e last %.2e\n", type,
         want_ft, scale, qerr, worst_dec, worst_pre, worst_state, worst_emb, worst_emb_last);
  /* the logits are not trivially small (the comparison would then say little) */
  CHECK_MSG(scale > 2.0 && scale < 50.0, "%s: logits scale %.3g", type, scale);
  rwkv_state_free(s1);
  rwkv_state_free(s2);
  rwkv_state_free(s3);
  rwkv_model_free(m);
  unlink(path);
}

/* Same seed -> same bytes whatever the thread count; another seed -> other bytes. */
static void test_determinism(void) {
  rwkv_error err = {0};
  char p1[512], p2[512], p3[512];
  tmp_path(p1, sizeof p1, "det1");
  tmp_path(p2, sizeof p2, "det2");
  tmp_path(p3, sizeof p3, "det3");
  rwkv7_gen_opts o;
  memset(&o, 0, sizeof o);
  o.hp = small_hp();
  o.type = "q4_k_m";
  o.seed = 123;
  o.threads = 1;
  CHECK_OK(rwkv7_gen_write(p1, &o, NULL, &err), &err);
  o.threads = 5;
  CHECK_OK(rwkv7_gen_write(p2, &o, NULL, &err), &err);
  o.seed = 124;
  CHECK_OK(rwkv7_gen_write(p3, &o, NULL, &err), &err);
  size_t n1 = 0, n2 = 0, n3 = 0;
  char *a = test_read_file(p1, &n1), *b = test_read_file(p2, &n2), *c = test_read_file(p3, &n3);
  CHECK(a && b && c);
  CHECK(n1 == n2 && a && b && memcmp(a, b, n1) == 0);
  CHECK(n1 == n3 && a && c && memcmp(a, c, n1) != 0);
  free(a);
  free(b);
  free(c);

  /* the Q4_K_M mix: Q6_K head, Q6_K value matrices where llama.cpp's use_more_bits says so
   * (layer 1 of 2: i >= 7n/8), Q4_K elsewhere; LoRA w1 / w2 F32, a / v / g F16; small
   * tensors F32 */
  gguf_file *f = NULL;
  int rc = gguf_open(p1, &f, &err);
  CHECK_OK(rc, &err);
  if (!rc) {
    const struct {
      const char *name;
      uint32_t type;
    } want[] = {{"output.weight", RWKV_TYPE_Q6_K},
                {"token_embd.weight", RWKV_TYPE_Q4_K},
                {"blk.0.time_mix_value.weight", RWKV_TYPE_Q4_K},
                {"blk.1.time_mix_value.weight", RWKV_TYPE_Q6_K},
                {"blk.1.channel_mix_value.weight", RWKV_TYPE_Q6_K},
                {"blk.1.channel_mix_key.weight", RWKV_TYPE_Q4_K},
                {"blk.1.time_mix_w1.weight", RWKV_TYPE_F32},
                {"blk.1.time_mix_w2.weight", RWKV_TYPE_F32},
                {"blk.1.time_mix_a1.weight", RWKV_TYPE_F16}, /* llama.cpp: F16 from the f16 conversion */
                {"blk.1.time_mix_v2.weight", RWKV_TYPE_F16},
                {"blk.1.time_mix_g2.weight", RWKV_TYPE_F16},
                {"blk.1.time_mix_lerp_fused.weight", RWKV_TYPE_F32},
                {"blk.0.attn_norm.weight", RWKV_TYPE_F32}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
      const gguf_tensor *t = gguf_find_tensor(f, want[i].name);
      CHECK_MSG(t && t->type == want[i].type, "%s: type %d, want %u", want[i].name, t ? (int)t->type : -1,
                want[i].type);
    }
    CHECK(gguf_find_tensor(f, "blk.0.time_mix_v1.weight") == NULL);
    CHECK(gguf_find_tensor(f, "blk.1.time_mix_v1.weight") != NULL);
    uint64_t seed = 0;
    CHECK_OK(gguf_get_u64(f, "rwkv7_gen.seed", 0, &seed, &err), &err);
    CHECK(seed == 123);
    gguf_close(f);
  }
  unlink(p1);
  unlink(p2);
  unlink(p3);
}

/* Value ranges that keep activations sane. */
static void test_values(void) {
  rwkv_error err = {0};
  rwkv7_hparams hp = small_hp();
  rwkv7_tensor_spec *sp = NULL;
  uint32_t n = 0;
  int rc = rwkv7_tensor_specs(&hp, &sp, &n, &err);
  CHECK_OK(rc, &err);
  CHECK(n == 3 + 28 * L - 3 + 3);
  for (uint32_t i = 0; i < n && !rc; i++) {
    const rwkv7_tensor_spec *t = &sp[i];
    uint64_t ne = t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3];
    double lo = 1e9, hi = -1e9, sum = 0, sq = 0;
    for (uint64_t k = 0; k < ne; k++) {
      double x = rwkv7_gen_value(9, t, &hp, k);
      lo = fmin(lo, x);
      hi = fmax(hi, x);
      sum += x;
      sq += x * x;
    }
    double mean = sum / (double)ne, sd = sqrt(fmax(0, sq / (double)ne - mean * mean));
    if (strstr(t->role, "lerp") || strstr(t->role, "k_a"))
      CHECK_MSG(lo >= 0 && hi <= 1, "%s in [%g, %g]", t->name, lo, hi);
    if (strstr(t->role, "time_mix_w0"))
      CHECK_MSG(lo >= -6 && hi <= 1 && hi - lo > 5, "%s in [%g, %g]", t->name, lo, hi);
    if (strstr(t->role, "norm.weight") || strstr(t->role, "norm_2.weight"))
      CHECK_MSG(fabs(mean - 1) < 0.05 && lo > 0.5, "%s mean %g min %g", t->name, mean, lo);
    if (strcmp(t->role, "token_embd.weight") == 0)
      CHECK_MSG(fabs(mean) < 0.01 && fabs(sd - 1) < 0.01, "%s mean %g sd %g", t->name, mean, sd);
    if (strcmp(t->role, "time_mix_key.weight") == 0 || strcmp(t->role, "channel_mix_key.weight") == 0)
      CHECK_MSG(fabs(sd * sqrt((double)t->ne[0]) - 1) < 0.02, "%s sd %g", t->name, sd);
  }
  free(sp);
}

/* rows16's f16 weights that cannot be had (a GPU memory limit with no room for them): the
 * passes run on the quantized rows as with rows16 off (the same logits, bit for bit), and
 * the engine stays inside the limit. No split-K (RWKV_MM_SPLITK=1): on GPUs this short pass
 * splits its tiled matmuls, whose scratch is made during pass 0's layers and so counted in
 * `used`, while pass 1 asks for the f16 weights at layer 0, before its scratch exists, where
 * they can fit (the likely cause of this check failing on the H100 in session 26, where
 * llvmpipe, which does not split, passed; bench/RESULTS.md "Session 26"). */
static void test_rows16_no_room(void) {
  rwkv_error err = {0};
  char path[512];
  tmp_path(path, sizeof path, "room");
  int rc = gen_small(path, "q4_k_m", 7, NULL, &err);
  CHECK_OK(rc, &err);
  static float want[STEPS * V], got[STEPS * V];
  uint64_t used = 0;
  setenv("RWKV_MM_SPLITK", "1", 1);
  for (int pass = 0; pass < 3 && !rc; pass++) {
    /* pass 0: rows16 off, no limit (the GPU bytes a load, a state and the prefill take);
     * pass 1: rows16 forced on, 64 KB more than that (the smallest f16 weight is 384 KB);
     * pass 2: forced on, no limit (f16 rows: other logits, so pass 1 did test something) */
    if (pass) {
      setenv("RWKV_FFN_F16_MIN", "2", 1);
      setenv("RWKV_FFK_F16_MIN", "2", 1);
      setenv("RWKV_RKV_F16_MIN", "2", 1);
    }
    rwkv_gpu_opts go = {.device = -1, .software = 0, .memory_limit = pass == 1 ? used + (64u << 10) : 0};
    rwkv_gpu *g = NULL;
    rwkv_model *m = NULL;
    rwkv_state *s = NULL;
    rwkv_model_opts mo = rwkv_model_default_opts();
    rc = rwkv_gpu_open(&go, &g, &err);
    mo.gpu = g;
    if (!rc) rc = rwkv_model_load(path, &mo, &m, &err);
    if (!rc) rc = rwkv_state_new(m, &s, &err);
    rwkv_forward_opts fo = {RWKV_OUTPUT_ALL, 0, 0};
    if (!rc) rc = rwkv_forward(m, s, TOKENS, STEPS, &fo, pass ? got : want, &err);
    CHECK_OK(rc, &err);
    if (!rc && !pass) used = rwkv_gpu_bytes(g);
    if (!rc && pass == 1) {
      CHECK_MSG(memcmp(got, want, sizeof got) == 0, "rows16 with no room: logits differ from rows16 off");
      CHECK(rwkv_gpu_bytes(g) <= used + (64u << 10));
    }
    if (!rc && pass == 2) CHECK_MSG(memcmp(got, want, sizeof got) != 0, "rows16 forced on: the logits of rows16 off");
    rwkv_state_free(s);
    rwkv_model_free(m);
    rwkv_gpu_close(g);
  }
  unsetenv("RWKV_FFN_F16_MIN");
  unsetenv("RWKV_FFK_F16_MIN");
  unsetenv("RWKV_RKV_F16_MIN");
  unsetenv("RWKV_MM_SPLITK");
  unlink(path);
}

/* Long decode stays finite and bounded (1000 tokens, F32 weights, on the GPU). */
static void test_long_run(rwkv_gpu *gpu) {
  rwkv_error err = {0};
  char path[512];
  tmp_path(path, sizeof path, "long");
  int rc = gen_small(path, NULL, 99, NULL, &err);
  CHECK_OK(rc, &err);
  rwkv_model *m = NULL;
  rwkv_state *s = NULL;
  rwkv_model_opts mo = rwkv_model_default_opts();
  mo.gpu = gpu;
  if (!rc) rc = rwkv_model_load(path, &mo, &m, &err);
  if (!rc) rc = rwkv_state_new(m, &s, &err);
  CHECK_OK(rc, &err);
  enum { N = 1000 };
  static int32_t toks[N];
  uint64_t x = 1;
  for (int i = 0; i < N; i++) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    toks[i] = (int32_t)((x >> 33) % V);
  }
  static float out[N * V];
  rwkv_forward_opts fo = {RWKV_OUTPUT_ALL, 0, 0};
  if (!rc) rc = rwkv_forward(m, s, toks, N, &fo, out, &err);
  CHECK_OK(rc, &err);
  if (!rc) {
    double mx = 0, late = 0;
    size_t bad = 0;
    for (size_t i = 0; i < (size_t)N * V; i++) {
      if (!isfinite(out[i])) bad++;
      else {
        mx = fmax(mx, fabs(out[i]));
        if (i >= (size_t)(N - 100) * V) late = fmax(late, fabs(out[i]));
      }
    }
    size_t ns = rwkv_state_size(m), sbad = 0;
    float *st = malloc(ns * sizeof *st);
    double smax = 0;
    if (st && !(rc = rwkv_state_read(s, st, ns, &err)))
      for (size_t i = 0; i < ns; i++) {
        if (!isfinite(st[i])) sbad++;
        else smax = fmax(smax, fabs(st[i]));
      }
    CHECK_OK(rc, &err);
    free(st);
    printf("long run: %d tokens: max |logit| %.3f (last 100: %.3f), non-finite %zu; state max %.3f, non-finite %zu\n",
           N, mx, late, bad, smax, sbad);
    CHECK(bad == 0 && sbad == 0);
    CHECK_MSG(mx < 30, "max |logit| %g", mx);
    CHECK_MSG(smax < 1000, "state max %g", smax);
  }
  rwkv_state_free(s);
  rwkv_model_free(m);
  unlink(path);
}

static void test_errors(void) {
  rwkv_error err = {0};
  char path[512];
  tmp_path(path, sizeof path, "err");
  rwkv7_gen_opts o;
  memset(&o, 0, sizeof o);
  o.hp = small_hp();
  o.type = "q9_9";
  CHECK_ERR(rwkv7_gen_write(path, &o, NULL, &err), &err, RWKV_ERR_ARG, "unknown output type 'q9_9'");
  o.type = NULL;
  o.hp.head_size = 60;
  CHECK_ERR(rwkv7_gen_write(path, &o, NULL, &err), &err, RWKV_ERR_ARG, "head_size 60 does not divide n_embd 256");
  o.hp = small_hp();
  o.hp.rank_g = 0;
  CHECK_ERR(rwkv7_gen_write(path, &o, NULL, &err), &err, RWKV_ERR_ARG, "rank_g is 0");
  o.hp = small_hp();
  o.vocab = test_data("tokenizer/rwkv_vocab_v20230424.txt");
  CHECK_ERR(rwkv7_gen_write(path, &o, NULL, &err), &err, RWKV_ERR_FORMAT, "but the model has n_vocab 512");
  o.vocab = NULL;
  CHECK(access(path, F_OK) != 0);
  CHECK_ERR(rwkv7_gen_write("/nonexistent-dir/x.gguf", &o, NULL, &err), &err, RWKV_ERR_IO, "/nonexistent-dir");
  rwkv7_hparams hp;
  CHECK_ERR(rwkv7_gen_preset("7b", &hp, &err), &err, RWKV_ERR_ARG, "unknown preset '7b'");
  /* presets: shapes and BlinkDL's rank suggestions (0.1B: 64/64/32/128 as a real GGUF) */
  CHECK_OK(rwkv7_gen_preset("0.1b", &hp, &err), &err);
  CHECK(hp.n_layer == 12 && hp.n_embd == 768 && hp.n_ffn == 3072 && hp.n_vocab == 65536 && hp.head_size == 64);
  CHECK(hp.rank_w == 64 && hp.rank_a == 64 && hp.rank_v == 32 && hp.rank_g == 128);
  CHECK_OK(rwkv7_gen_preset("2.9b", &hp, &err), &err);
  CHECK(hp.n_layer == 32 && hp.n_embd == 2560 && hp.rank_w == 96 && hp.rank_v == 64 && hp.rank_g == 320);
  CHECK_OK(rwkv7_gen_preset("1.5b", &hp, &err), &err);
  CHECK(hp.n_layer == 24 && hp.n_embd == 2048 && hp.rank_w == 96 && hp.rank_v == 64 && hp.rank_g == 256);
  /* llama.cpp's fallback for rows that are not a multiple of 256 */
  uint32_t t = 0;
  const rwkv7_ftype *ft = rwkv7_ftype_by_name("Q4_K_M");
  CHECK(ft && ft->q4_k_m && ft->ftype == 15);
  if (ft) {
    CHECK(rwkv7_big_matrix_type(ft, "blk.0.time_mix_key.weight", 0, 4, 320, &t, NULL, &err) == 2);
    CHECK(t == RWKV_TYPE_Q5_0);
    CHECK(rwkv7_big_matrix_type(ft, "output.weight", -1, 4, 320, &t, NULL, &err) == 2);
    CHECK(t == RWKV_TYPE_Q8_0);
    CHECK(rwkv7_big_matrix_type(ft, "output.weight", -1, 4, 512, &t, NULL, &err) == RWKV_OK);
    CHECK(t == RWKV_TYPE_Q6_K);
  }
  CHECK(rwkv7_ftype_by_name("nope") == NULL);
  /* world vocabulary: "<s>", the file's tokens, [PADn] up to n_vocab */
  rwkv7_vocab v;
  int rc = rwkv7_vocab_build(65536, test_data("tokenizer/rwkv_vocab_v20230424.txt"), 1, &v, &err);
  CHECK_OK(rc, &err);
  if (!rc) {
    CHECK(v.n == 65536 && v.lens[0] == 3 && memcmp(v.strs[0], "<s>", 3) == 0);
    CHECK(v.lens[65535] == 10 && memcmp(v.strs[65535], "[PAD65535]", 10) == 0);
    rwkv7_vocab_free(&v);
  }
  CHECK_ERR(rwkv7_vocab_build(512, NULL, 0, &v, &err), &err, RWKV_ERR_ARG, "n_vocab is 512");
  rc = rwkv7_vocab_build(300, NULL, 1, &v, &err);
  CHECK_OK(rc, &err);
  if (!rc) {
    CHECK(v.n == 300 && v.lens[299] == 8 && memcmp(v.strs[299], "[TOK299]", 8) == 0);
    rwkv7_vocab_free(&v);
  }
}

int main(void) {
  test_values();
  test_errors();
  test_determinism();
  rwkv_error err = {0};
  rwkv_gpu *gpu = NULL;
  int rc = rwkv_gpu_open(NULL, &gpu, &err); /* defaults: automatic device, no limit */
  CHECK_OK(rc, &err);
  if (!rc) {
    static const struct {
      const char *type, *ft;
    } T[] = {{"f32", "F32"},   {"f16", "F16"},   {"bf16", "BF16"}, {"q8_0", "Q8_0"},     {"q4_0", "Q4_0"},
             {"q4_1", "Q4_1"}, {"q5_0", "Q5_0"}, {"q5_1", "Q5_1"}, {"q2_k", "Q2_K"},     {"q3_k", "Q3_K_S"},
             {"q4_k", "Q4_K_S"}, {"q5_k", "Q5_K_S"}, {"q6_k", "Q6_K"}, {"q4_k_m", "Q4_K_M"}};
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++) check_type(gpu, T[i].type, T[i].ft);
    /* the GPUs' prefill path: the tiled kernel with K split into 3 pieces (2 where K is a
     * LoRA rank), r / k / v and the LoRA first stages as one batch of splits (the Q4_K_M
     * mix: r|k stacked, v alone where it is Q6_K, w1 F32 beside the a1|g1|v1 stack), and with
     * each split reduced at once (RWKV_MM_BATCH=0) */
    for (int batch = 1; batch >= 0; batch--) {
      setenv("RWKV_MM_TILED", "1", 1);
      setenv("RWKV_MM_SPLITK", "3", 1);
      setenv("RWKV_MM_BATCH", batch ? "1" : "0", 1);
      check_type(gpu, "q4_k_m", "Q4_K_M");
      if (batch) check_type(gpu, "f16", "F16");
      unsetenv("RWKV_MM_TILED");
      unsetenv("RWKV_MM_SPLITK");
      unsetenv("RWKV_MM_BATCH");
    }
    /* long prefills' r / k / v, FFN key and value on float rows (forward.c rows16; GPUs
     * from 257 rows), here from 2, decoded by 3 workgroup rows looping: f32 rows, exactly
     * the decoded values (the usual tolerances; also with the one-kernel WKV step, beside
     * which they are decoded, and with RWKV_R16_BESIDE=0 each just before its matmul), then
     * f16 rows */
    setenv("RWKV_FFN_F16_MIN", "2", 1);
    setenv("RWKV_FFK_F16_MIN", "2", 1);
    setenv("RWKV_RKV_F16_MIN", "2", 1);
    setenv("RWKV_DQ_ROWS", "3", 1);
    setenv("RWKV_FFN_F16_EXACT", "1", 1);
    check_type(gpu, "q4_k_m", "Q4_K_M");
    check_type(gpu, "q8_0", "Q8_0");
    check_type(gpu, "q5_1", "Q5_1");
    setenv("RWKV_WKV_ONE_BH", "1", 1);
    check_type(gpu, "q4_k_m", "Q4_K_M");
    setenv("RWKV_R16_BESIDE", "0", 1);
    check_type(gpu, "q4_k_m", "Q4_K_M");
    unsetenv("RWKV_R16_BESIDE");
    /* r / k / v's lone part alone (the Q6_K v of layer 1) on float rows, the stack not */
    setenv("RWKV_RKV_F16_MIN", "0", 1);
    setenv("RWKV_LONE_F16_MIN", "2", 1);
    check_type(gpu, "q4_k_m", "Q4_K_M");
    setenv("RWKV_R16_BESIDE", "0", 1);
    check_type(gpu, "q4_k_m", "Q4_K_M");
    unsetenv("RWKV_R16_BESIDE");
    unsetenv("RWKV_LONE_F16_MIN");
    setenv("RWKV_RKV_F16_MIN", "2", 1);
    unsetenv("RWKV_WKV_ONE_BH");
    unsetenv("RWKV_FFN_F16_EXACT");
    tol_pre = 10.0;
    check_type(gpu, "q4_k_m", "Q4_K_M");
    tol_pre = 1.0;
    unsetenv("RWKV_FFN_F16_MIN");
    unsetenv("RWKV_FFK_F16_MIN");
    unsetenv("RWKV_RKV_F16_MIN");
    unsetenv("RWKV_DQ_ROWS");
    test_long_run(gpu);
  }
  rwkv_gpu_close(gpu);
  test_rows16_no_room();
  return test_result("test_quant_model");
}
