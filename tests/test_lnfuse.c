/* test_lnfuse.c - decode with the layer norm + token-shift mix fused into the matmuls'
 * prologue (matmul.h rwkv_mm_dispatch_prologue, glsl/matmul.comp PRO; RWKV_LN_FUSE).
 *  1. rwkv_mm_dispatch_prologue on random weights of several types and kernel shapes
 *     (rows kernel with 1 / 4 lanes, a non-power-of-2 workgroup, the blocked decode
 *     kernel): two row groups (own lerp vectors, accumulate, activations), 3 tokens of
 *     which one is padding; y, `last` and the state store against a double CPU
 *     reference; nothing else written (the prev vector, padding rows).
 *  2. argument errors and the shared-memory refusal (RWKV_ERR_UNSUPPORTED).
 *  3. the tiny model loaded with RWKV_LN_FUSE=1 and =0: the fused one takes the prologue
 *     path (and the unfused none); a batch of 3 sequences decoded together for 24 steps
 *     (one token each: B = 3 rows) matches the float64 reference and the unfused model,
 *     and the states after it (att_prev / ffn_prev stores included) agree. */
#include <GLES3/gl31.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gpu.h"
#include "matmul.h"
#include "model.h"
#include "quant.h"
#include "rwkv.h"
#include "testutil.h"

static float frand(uint64_t *s) {
  *s = *s * 6364136223846793005ull + 1442695040888963407ull;
  return (float)((*s >> 40) & 0xFFFFFF) / 8388608.0f - 1.0f;
}

static int read_floats(unsigned buf, float *out, size_t n) {
  glMemoryBarrier(GL_BUFFER_UPDATE_BARRIER_BIT);
  glBindBuffer(GL_SHADER_STORAGE_BUFFER, buf);
  const float *p = glMapBufferRange(GL_SHADER_STORAGE_BUFFER, 0, (GLsizeiptr)(n * 4), GL_MAP_READ_BIT);
  if (!p) {
    glBindBuffer(GL_SHADER_STORAGE_BUFFER, 0);
    return -1;
  }
  memcpy(out, p, n * 4);
  glUnmapBuffer(GL_SHADER_STORAGE_BUFFER);
  glBindBuffer(GL_SHADER_STORAGE_BUFFER, 0);
  return 0;
}

static double act_ref(double v, int act) {
  if (act == RWKV_MM_ACT_TANH) return tanh(v);
  if (act == RWKV_MM_ACT_SIGMOID) return 1.0 / (1.0 + exp(-v));
  if (act == RWKV_MM_ACT_RELU2) return v > 0 ? v * v : 0;
  return v;
}

#define NT 3 /* tokens (sequences); token 1 is padding */

/* One weight [K, M]: groups rows [0, M1) (lerp A, no activation, overwrite) and [M1, M)
 * (lerp B, sigmoid, accumulate). */
static void check_prologue(rwkv_gpu *g, uint32_t type, uint32_t K, uint32_t M, uint64_t *seed) {
  rwkv_error err = {0};
  const rwkv_type_info *ti = rwkv_type_get(type);
  uint64_t rb = rwkv_type_row_bytes(type, K), KM = (uint64_t)K * M;
  float *wf = malloc(KM * 4), *wd = malloc(KM * 4);
  uint8_t *wq = malloc(rb * M);
  for (uint64_t i = 0; i < KM; i++) wf[i] = frand(seed);
  int rc = RWKV_OK;
  if (type == RWKV_TYPE_F32) memcpy(wq, wf, KM * 4);
  else rc = rwkv_quantize(type, wf, wq, KM, &err);
  if (!rc) rc = rwkv_dequantize(type, wq, wd, KM, &err);
  CHECK_OK(rc, &err);
  rwkv_mm_weight w;
  memset(&w, 0, sizeof w);
  if (!rc) rc = rwkv_mm_upload(g, "pro", type, K, M, wq, rb * M, &w, &err);
  CHECK_OK(rc, &err);
  if (!rc) rc = rwkv_mm_prologue_init(g, &w, &err);
  CHECK_OK(rc, &err);
  CHECK(rc || w.prog_pro != 0);
  if (rc) {
    rwkv_mm_free(g, &w);
    free(wf); free(wd); free(wq);
    return;
  }
  uint32_t M1 = M / 3 + 1;
  /* par: ln_w, ln_b, lerp A, lerp B after 5 floats of padding */
  uint64_t np = 5 + 4 * (uint64_t)K, lnw = 5, lnb = 5 + K, la = 5 + 2 * K, lb = 5 + 3 * K;
  /* x buffer: raw x rows at 3, store_from rows after them */
  uint64_t xo = 3, sf = xo + NT * (uint64_t)K, nx = sf + NT * (uint64_t)K + 2;
  /* y buffer: outputs with ldy = M + 2 at yoff 1, last rows after them */
  uint64_t ldy = M + 2, yo = 1, lo = yo + NT * ldy + 4, ny = lo + NT * (uint64_t)K + 1;
  /* state: 3 slots of 3K (prev at K, store target at 2K), slots in reverse order */
  uint64_t SS = 3 * (uint64_t)K, ns = NT * SS;
  uint32_t seq[2 * NT] = {0, (uint32_t)(2 * SS), 1, (uint32_t)SS, 0, 0};
  float *par = malloc(np * 4), *x = malloc(nx * 4), *y0 = malloc(ny * 4), *y = malloc(ny * 4);
  float *s0 = malloc(ns * 4), *s = malloc(ns * 4);
  for (uint64_t i = 0; i < np; i++) par[i] = frand(seed);
  for (uint64_t i = 0; i < nx; i++) x[i] = 3.0f * frand(seed) + 0.5f;
  for (uint64_t i = 0; i < ny; i++) y0[i] = 100.0f + (float)i;
  for (uint64_t i = 0; i < ns; i++) s0[i] = frand(seed);
  unsigned pb = 0, xb = 0, yb = 0, sb = 0, qb = 0;
  CHECK_OK(rwkv_gpu_buffer(g, np * 4, par, &pb, &err), &err);
  CHECK_OK(rwkv_gpu_buffer(g, nx * 4, x, &xb, &err), &err);
  CHECK_OK(rwkv_gpu_buffer(g, ny * 4, y0, &yb, &err), &err);
  CHECK_OK(rwkv_gpu_buffer(g, ns * 4, s0, &sb, &err), &err);
  CHECK_OK(rwkv_gpu_buffer(g, sizeof seq, seq, &qb, &err), &err);
  rwkv_mm_prologue p = {pb, sb, qb, xo, lnw, lnb, 1e-5f, K, 1, lo, sf, 2 * (uint64_t)K, 0};
  rwkv_mm_group gr[2] = {{0, M1, xb, la, 0, yb, yo, ldy, 0, RWKV_MM_ACT_NONE},
                         {M1, M - M1, xb, lb, 0, yb, yo + M1, ldy, 1, RWKV_MM_ACT_SIGMOID}};
  rc = rwkv_mm_dispatch_prologue(g, &w, gr, 2, NT, &p, &err);
  CHECK_OK(rc, &err);
  CHECK(read_floats(yb, y, ny) == 0);
  CHECK(read_floats(sb, s, ns) == 0);
  /* the reference */
  float *ey = malloc(ny * 4), *es = malloc(ns * 4);
  double *mag = calloc(ny, sizeof *mag);
  memcpy(ey, y0, ny * 4);
  memcpy(es, s0, ns * 4);
  double *xa = malloc(K * sizeof *xa), *mix = malloc(K * sizeof *mix);
  for (uint32_t t = 0; t < NT; t++) {
    int live = seq[2 * t] == 0;
    const float *xr = x + xo + (uint64_t)t * K, *prev = s0 + seq[2 * t + 1] + K;
    double mean = 0, var = 0;
    for (uint32_t c = 0; c < K; c++) mean += xr[c];
    mean /= K;
    for (uint32_t c = 0; c < K; c++) var += (xr[c] - mean) * (xr[c] - mean);
    double rstd = 1.0 / sqrt(var / K + 1e-5);
    for (uint32_t c = 0; c < K; c++) xa[c] = (xr[c] - mean) * rstd * par[lnw + c] + par[lnb + c];
    for (uint32_t r = 0; r < M; r++) {
      int grp = r >= M1;
      const float *lerp = par + (grp ? lb : la);
      double d = 0, a = 0;
      for (uint32_t c = 0; c < K && live; c++) {
        double v = xa[c] + (prev[c] - xa[c]) * lerp[c];
        d += wd[(uint64_t)r * K + c] * v;
        a += fabs(wd[(uint64_t)r * K + c] * v);
      }
      uint64_t yi = yo + (uint64_t)t * ldy + r;
      ey[yi] = (float)((grp ? (double)y0[yi] : 0.0) + act_ref(d, grp ? RWKV_MM_ACT_SIGMOID : RWKV_MM_ACT_NONE));
      mag[yi] = a;
    }
    if (!live) continue;
    for (uint32_t c = 0; c < K; c++) {
      ey[lo + (uint64_t)t * K + c] = (float)xa[c];
      mag[lo + (uint64_t)t * K + c] = fabs(xa[c]);
      es[seq[2 * t + 1] + 2 * K + c] = x[sf + (uint64_t)t * K + c];
    }
  }
  int bad = 0;
  for (uint64_t i = 0; i < ny && bad < 4; i++)
    if (fabs(y[i] - ey[i]) > 2e-4 * mag[i] + 1e-5 * (1 + fabs(ey[i]))) {
      bad++;
      CHECK_MSG(0, "%s K%u M%u: y[%llu] = %.7g, want %.7g", ti->name, K, M, (unsigned long long)i, y[i], ey[i]);
    }
  for (uint64_t i = 0; i < ns && bad < 8; i++)
    if (s[i] != es[i]) {
      bad++;
      CHECK_MSG(0, "%s K%u M%u: state[%llu] = %.7g, want %.7g", ti->name, K, M, (unsigned long long)i, s[i], es[i]);
    }
  test_checks++;

  /* without write_last: y again (accumulating group on top), last and state untouched */
  if (!rc) {
    p.write_last = 0;
    rwkv_gpu_buffer_free(g, yb, ny * 4);
    rwkv_gpu_buffer_free(g, sb, ns * 4);
    CHECK_OK(rwkv_gpu_buffer(g, ny * 4, y0, &yb, &err), &err);
    CHECK_OK(rwkv_gpu_buffer(g, ns * 4, s0, &sb, &err), &err);
    p.state = sb;
    gr[0].y = gr[1].y = yb;
    CHECK_OK(rwkv_mm_dispatch_prologue(g, &w, gr, 2, NT, &p, &err), &err);
    CHECK(read_floats(yb, y, ny) == 0);
    CHECK(read_floats(sb, s, ns) == 0);
    CHECK(memcmp(s, s0, ns * 4) == 0);
    CHECK(memcmp(y + lo, y0 + lo, (ny - lo) * 4) == 0);
    int ok = 1;
    for (uint64_t i = 0; i < lo; i++)
      if (fabs(y[i] - ey[i]) > 2e-4 * mag[i] + 1e-5 * (1 + fabs(ey[i]))) ok = 0;
    CHECK_MSG(ok, "%s K%u: outputs without write_last differ", ti->name, K);
  }

  /* errors: lerp past the params, the store onto the prev vector, a short seq table,
   * groups on different buffers, a weight without a prologue program */
  gr[1].xoff = np - K + 1;
  CHECK_ERR(rwkv_mm_dispatch_prologue(g, &w, gr, 2, NT, &p, &err), &err, RWKV_ERR_ARG, "lerp");
  gr[1].xoff = lb;
  p.write_last = 1;
  p.store_to = K;
  CHECK_ERR(rwkv_mm_dispatch_prologue(g, &w, gr, 2, NT, &p, &err), &err, RWKV_ERR_ARG, "prev vector");
  p.store_to = 2 * K;
  CHECK_ERR(rwkv_mm_dispatch_prologue(g, &w, gr, 2, NT + 1, &p, &err), &err, RWKV_ERR_ARG, "seq buffer");
  gr[1].y = xb;
  CHECK_ERR(rwkv_mm_dispatch_prologue(g, &w, gr, 2, NT, &p, &err), &err, RWKV_ERR_ARG, "share");
  gr[1].y = yb;
  p.last_off = ny - K;
  CHECK_ERR(rwkv_mm_dispatch_prologue(g, &w, gr, 2, NT, &p, &err), &err, RWKV_ERR_ARG, "last");
  p.last_off = lo;
  unsigned keep = w.prog_pro;
  w.prog_pro = 0;
  CHECK_ERR(rwkv_mm_dispatch_prologue(g, &w, gr, 2, NT, &p, &err), &err, RWKV_ERR_ARG, "prologue");
  w.prog_pro = keep;

  rwkv_gpu_buffer_free(g, pb, np * 4);
  rwkv_gpu_buffer_free(g, xb, nx * 4);
  rwkv_gpu_buffer_free(g, yb, ny * 4);
  rwkv_gpu_buffer_free(g, sb, ns * 4);
  rwkv_gpu_buffer_free(g, qb, sizeof seq);
  rwkv_mm_free(g, &w);
  free(wf); free(wd); free(wq); free(par); free(x); free(y0); free(y); free(s0); free(s);
  free(ey); free(es); free(mag); free(xa); free(mix);
}

static void test_kernels(rwkv_gpu *g) {
  uint64_t seed = 7;
  /* env name=value pairs, applied at upload and prologue_init */
  static const char *shapes[][6] = {
      {NULL},
      {"RWKV_MM_LANES", "4", "RWKV_MM_NR", "2"},           /* shared-memory lane sums */
      {"RWKV_MM_LANES", "1", "RWKV_MM_WG", "48"},          /* reduction of 48 (not 2^n) */
      {"RWKV_MM_DEC", "1", "RWKV_MM_LANES", "8", "RWKV_MM_UNR", "2"}, /* blocked decode */
      {"RWKV_MM_DEC", "1", "RWKV_MM_LANES", "1"},
  };
  static const char *names[] = {"RWKV_MM_LANES", "RWKV_MM_NR", "RWKV_MM_WG", "RWKV_MM_DEC", "RWKV_MM_UNR"};
  for (size_t k = 0; k < sizeof shapes / sizeof *shapes; k++) {
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) unsetenv(names[i]);
    for (int i = 0; i < 6 && shapes[k][i]; i += 2) setenv(shapes[k][i], shapes[k][i + 1], 1);
    check_prologue(g, RWKV_TYPE_F32, 44, 13, &seed); /* K % 8 != 0: rows kernel, padded x */
    check_prologue(g, RWKV_TYPE_F16, 64, 9, &seed);
    check_prologue(g, RWKV_TYPE_Q8_0, 96, 7, &seed);
    check_prologue(g, RWKV_TYPE_Q4_K, 256, 11, &seed);
    check_prologue(g, RWKV_TYPE_Q6_K, 512, 5, &seed);
  }
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) unsetenv(names[i]);
}

static void test_refusal(rwkv_gpu *g) {
  rwkv_error err = {0};
  const rwkv_gpu_info *in = rwkv_gpu_get_info(g);
  uint32_t K = (uint32_t)(in->max_shared > 0 ? in->max_shared : 16384) / 4 + 8;
  K = (K + 7) / 8 * 8;
  float *d = calloc(K, 4);
  rwkv_mm_weight w;
  int rc = rwkv_mm_upload(g, "w.wide", RWKV_TYPE_F32, K, 1, d, (uint64_t)K * 4, &w, &err);
  CHECK_OK(rc, &err);
  if (!rc) {
    CHECK_ERR(rwkv_mm_prologue_init(g, &w, &err), &err, RWKV_ERR_UNSUPPORTED, "shared memory");
    CHECK(w.prog_pro == 0);
    rwkv_mm_free(g, &w);
  }
  free(d);
}

/* ---- the model ----------------------------------------------------------------- */

#define V 256
#define D 64
#define STEPS 48

static int32_t toks[STEPS];
static float ref_logits[STEPS * V];

static int load_ref(void) {
  size_t n;
  int k = test_read_tokens(test_data("tiny-fp32-seq1.tokens.txt"), toks, STEPS);
  float *l = test_read_file(test_data("tiny-fp32-seq1.logits.f32"), &n);
  if (!l || n != sizeof ref_logits) {
    free(l);
    return 0;
  }
  memcpy(ref_logits, l, n);
  free(l);
  return k == STEPS;
}

/* Sequence 0 decodes toks from a zero state, sequence 1 continues a 10-token prefill
 * of toks, sequence 2 decodes toks reversed; all three in one pass per step. */
static void run_batch(rwkv_model *m, int steps, float *logits, float *states, size_t sn) {
  rwkv_error err;
  rwkv_state *st[3];
  for (int i = 0; i < 3; i++) CHECK_OK(rwkv_state_new(m, &st[i], &err), &err);
  CHECK_OK(rwkv_forward(m, st[1], toks, 10, &(rwkv_forward_opts){RWKV_OUTPUT_NONE, 0, 0}, NULL, &err), &err);
  for (int k = 0; k < steps; k++) {
    int32_t t[3] = {toks[k], toks[10 + k], toks[STEPS - 1 - k]};
    const int32_t *ids[3] = {&t[0], &t[1], &t[2]};
    size_t n[3] = {1, 1, 1};
    CHECK_OK(rwkv_forward_batch(m, st, ids, n, 3, NULL, logits + (size_t)k * 3 * V, &err), &err);
  }
  for (int i = 0; i < 3; i++) {
    CHECK_OK(rwkv_state_read(st[i], states + i * sn, sn, &err), &err);
    rwkv_state_free(st[i]);
  }
}

static void test_model(void) {
  rwkv_error err;
  rwkv_model *mf = NULL, *mu = NULL;
  setenv("RWKV_LN_FUSE", "1", 1);
  int rc = rwkv_model_load(RWKV_SOURCE_DIR "/models/tiny-rwkv7-834K-F32.gguf", NULL, &mf, &err);
  CHECK_OK(rc, &err);
  setenv("RWKV_LN_FUSE", "0", 1);
  if (!rc) rc = rwkv_model_load(RWKV_SOURCE_DIR "/models/tiny-rwkv7-834K-F32.gguf", NULL, &mu, &err);
  CHECK_OK(rc, &err);
  unsetenv("RWKV_LN_FUSE");
  CHECK(load_ref());
  if (rc) {
    rwkv_model_free(mf);
    return;
  }
  for (uint32_t l = 0; l < mf->d.n_layer; l++) {
    CHECK(mf->layers[l].rkv.prog_pro && mf->layers[l].lora1.prog_pro && mf->layers[l].ffn_key.prog_pro);
    CHECK(!mu->layers[l].rkv.prog_pro && !mu->layers[l].lora1.prog_pro && !mu->layers[l].ffn_key.prog_pro);
  }
  enum { S = 24 };
  size_t sn = rwkv_state_size(mf);
  float *lf = malloc((size_t)S * 3 * V * 4), *lu = malloc((size_t)S * 3 * V * 4);
  float *sf = malloc(3 * sn * 4), *su = malloc(3 * sn * 4);
  run_batch(mf, S, lf, sf, sn);
  run_batch(mu, S, lu, su, sn);
  double d0 = 0, d1 = 0, dfu = test_max_diff(lf, lu, (size_t)S * 3 * V), ds = test_max_diff(sf, su, 3 * sn);
  for (int k = 0; k < S; k++) {
    double a = test_max_diff(lf + (size_t)k * 3 * V, ref_logits + (size_t)k * V, V);
    double b = test_max_diff(lf + (size_t)k * 3 * V + V, ref_logits + (size_t)(10 + k) * V, V);
    if (a > d0) d0 = a;
    if (b > d1) d1 = b;
  }
  printf("batch decode fused: vs reference %.3g / %.3g, vs unfused logits %.3g, states %.3g\n", d0, d1, dfu, ds);
  CHECK(d0 <= 1e-4 && d1 <= 1e-4);
  CHECK(dfu <= 1e-5);
  CHECK(ds <= 1e-5);
  free(lf); free(lu); free(sf); free(su);
  rwkv_model_free(mf);
  rwkv_model_free(mu);
}

int main(void) {
  rwkv_error err = {0};
  rwkv_gpu *g = NULL;
  int rc = rwkv_gpu_open(NULL, &g, &err);
  CHECK_OK(rc, &err);
  if (rc) return test_result("test_lnfuse");
  test_kernels(g);
  test_refusal(g);
  rwkv_gpu_close(g);
  test_model();
  return test_result("test_lnfuse");
}
