/* test_matmul.c - GPU matmul of packed ggml weights (matmul.h, glsl/matmul.comp).
 *  1. quant-vectors.gguf: for every type, m.<t> · x on the GPU matches y.<t> (ggml's
 *     dequantization times x in double) within 1e-4 relative.
 *  2. random K x M matrices of every type (rwkv_quantize), T = 1, 5, 37 tokens with
 *     strides, offsets and accumulate, against a double CPU product of
 *     rwkv_dequantize's weights; outputs outside the written slots stay untouched.
 *  3. argument and range errors.
 *  4. stacked weights (3 GGUF parts in one buffer) dispatched as row groups with their
 *     own x/y offsets, strides, accumulate and activations (tanh, sigmoid, relu^2),
 *     every type, T = 1 and T = 37; plain dispatch with relu^2.
 *  5. the tiled prefill kernel (test_tiled): big and small register tiles, shapes that are
 *     not multiples of the tile, K split into pieces (scratch + reduce pass) or not.
 *  Kernel shapes: the device default, the blocked decode kernel (K-quant / float units), GPU-style rows (LANES/TT), x staged in shared memory
 *  in small chunks, several rows per lane group, and the tiled prefill kernel. */
#include <GLES3/gl31.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gguf.h"
#include "gpu.h"
#include "matmul.h"
#include "quant.h"
#include "testutil.h"

static const char *type_names[] = {"f32",  "f16",  "bf16", "q8_0", "q4_0", "q4_1", "q5_0",
                                   "q5_1", "q2_K", "q3_K", "q4_K", "q5_K", "q6_K"};
#define N_TYPES (sizeof type_names / sizeof type_names[0])

static int read_floats(unsigned buf, float *out, size_t n) {
  glMemoryBarrier(GL_BUFFER_UPDATE_BARRIER_BIT);
  glBindBuffer(GL_SHADER_STORAGE_BUFFER, buf);
  const float *p = glMapBufferRange(GL_SHADER_STORAGE_BUFFER, 0, (GLsizeiptr)(n * 4),
                                    GL_MAP_READ_BIT);
  if (!p) {
    glBindBuffer(GL_SHADER_STORAGE_BUFFER, 0);
    return -1;
  }
  memcpy(out, p, n * 4);
  glUnmapBuffer(GL_SHADER_STORAGE_BUFFER);
  glBindBuffer(GL_SHADER_STORAGE_BUFFER, 0);
  return 0;
}

static void test_vectors(rwkv_gpu *g) {
  rwkv_error err = {0};
  gguf_file *f = NULL;
  int rc = gguf_open(test_data("quant-vectors.gguf"), &f, &err);
  CHECK_OK(rc, &err);
  if (rc) return;
  const gguf_tensor *x = gguf_find_tensor(f, "x");
  const gguf_tensor *m32 = gguf_find_tensor(f, "m.f32");
  CHECK(x && m32 && x->type == RWKV_TYPE_F32 && m32->type == RWKV_TYPE_F32);
  if (!x || !m32) {
    gguf_close(f);
    return;
  }
  const uint64_t K = m32->ne[0], M = m32->ne[1];
  CHECK(K == 512 && M == 16 && x->ne[0] == K);
  unsigned xb = 0, yb = 0;
  CHECK_OK(rwkv_gpu_buffer(g, K * 4, x->data, &xb, &err), &err);
  CHECK_OK(rwkv_gpu_buffer(g, M * 4, NULL, &yb, &err), &err);
  const float *xv = (const float *)x->data;
  for (size_t ti = 0; ti < N_TYPES; ti++) {
    char mname[32], yname[32];
    snprintf(mname, sizeof mname, "m.%s", type_names[ti]);
    snprintf(yname, sizeof yname, "y.%s", type_names[ti]);
    const gguf_tensor *m = gguf_find_tensor(f, mname), *yt = gguf_find_tensor(f, yname);
    CHECK_MSG(m != NULL, "%s missing", mname);
    if (!m) continue;
    double ref[16];
    if (yt) {
      CHECK(yt->ne[0] == M && yt->type == RWKV_TYPE_F32);
      for (uint64_t i = 0; i < M; i++) ref[i] = ((const float *)yt->data)[i];
    } else { /* f32: the matrix itself in double */
      const float *w = (const float *)m32->data;
      for (uint64_t i = 0; i < M; i++) {
        ref[i] = 0;
        for (uint64_t j = 0; j < K; j++) ref[i] += (double)w[i * K + j] * xv[j];
      }
    }
    rwkv_mm_weight w;
    rc = rwkv_mm_upload_tensor(g, m, &w, &err);
    CHECK_OK(rc, &err);
    if (rc) continue;
    CHECK(w.K == K && w.M == M && w.type == m->type);
    rwkv_mm_args a = {.x = xb, .ldx = K, .y = yb, .ldy = M, .T = 1};
    rc = rwkv_mm_dispatch(g, &w, &a, &err);
    CHECK_OK(rc, &err);
    float y[16] = {0};
    CHECK(read_floats(yb, y, M) == 0);
    double maxref = 0;
    for (uint64_t i = 0; i < M; i++) maxref = fabs(ref[i]) > maxref ? fabs(ref[i]) : maxref;
    double worst = 0;
    for (uint64_t i = 0; i < M; i++) {
      double d = fabs(y[i] - ref[i]) / maxref;
      if (d > worst) worst = d;
    }
    CHECK_MSG(worst <= 1e-4, "%s: max relative diff %g (y[0] %g ref %g)", type_names[ti], worst,
              y[0], ref[0]);
    rwkv_mm_free(g, &w);
  }
  rwkv_gpu_buffer_free(g, xb, K * 4);
  rwkv_gpu_buffer_free(g, yb, M * 4);
  gguf_close(f);
}

/* xorshift in a local state (no globals) */
static float frand(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return (float)((double)(*s >> 11) / 9007199254740992.0 * 2.0 - 1.0);
}

/* One type, one shape: T tokens with strides/offsets, overwrite then accumulate. */
static void check_random_t(rwkv_gpu *g, uint32_t type, uint32_t K, uint32_t M, const uint32_t *Ts,
                           size_t nT, uint64_t *seed) {
  rwkv_error err = {0};
  const rwkv_type_info *ti = rwkv_type_get(type);
  CHECK(ti != NULL);
  if (!ti) return;
  uint64_t rb = rwkv_type_row_bytes(type, K);
  float *wf = malloc((size_t)K * M * 4), *wd = malloc((size_t)K * M * 4);
  uint8_t *wq = malloc(rb * M);
  for (uint64_t i = 0; i < (uint64_t)K * M; i++) wf[i] = frand(seed) * (i % 97 == 0 ? 4.f : 1.f);
  int rc = RWKV_OK;
  if (type == RWKV_TYPE_F32) {
    memcpy(wq, wf, (size_t)K * M * 4);
  } else {
    rc = rwkv_quantize(type, wf, wq, (uint64_t)K * M, &err);
    CHECK_OK(rc, &err);
  }
  if (rc == RWKV_OK) {
    rc = rwkv_dequantize(type, wq, wd, (uint64_t)K * M, &err);
    CHECK_OK(rc, &err);
  }
  rwkv_mm_weight w;
  if (rc == RWKV_OK) {
    rc = rwkv_mm_upload(g, "rand", type, K, M, wq, rb * M, &w, &err);
    CHECK_OK(rc, &err);
  }
  for (size_t k = 0; rc == RWKV_OK && k < nT; k++) {
    uint32_t T = Ts[k];
    /* every token's x 16-byte aligned (vec4 x reads) but for the second T (unaligned) */
    uint64_t ldx = k == 1 ? K + 3 : K + 4, xoff = k == 1 ? 5 : 4, ldy = M + 7, yoff = 2;
    uint64_t nx = (T - 1) * ldx + xoff + K + 4, ny = (T - 1) * ldy + yoff + M + 3;
    float *x = malloc(nx * 4), *y0 = malloc(ny * 4), *y = malloc(ny * 4);
    double *ref = malloc((size_t)T * M * sizeof *ref), *mag = malloc((size_t)T * M * sizeof *mag);
    for (uint64_t i = 0; i < nx; i++) x[i] = frand(seed);
    for (uint64_t i = 0; i < ny; i++) y0[i] = 1000.0f + (float)i;
    for (uint32_t t = 0; t < T; t++)
      for (uint32_t i = 0; i < M; i++) {
        double s = 0, a = 0;
        for (uint32_t j = 0; j < K; j++) {
          double p = (double)wd[(uint64_t)i * K + j] * x[t * ldx + xoff + j];
          s += p;
          a += fabs(p);
        }
        ref[(size_t)t * M + i] = s;
        mag[(size_t)t * M + i] = a;
      }
    unsigned xb = 0, yb = 0;
    CHECK_OK(rwkv_gpu_buffer(g, nx * 4, x, &xb, &err), &err);
    CHECK_OK(rwkv_gpu_buffer(g, ny * 4, y0, &yb, &err), &err);
    for (int acc = 0; acc < 2; acc++) {
      rwkv_mm_args a = {.x = xb, .xoff = xoff, .ldx = ldx, .y = yb, .yoff = yoff, .ldy = ldy,
                        .T = T, .accumulate = acc};
      /* acc = 1 runs on top of the acc = 0 result: expect 2x the product. */
      rc = rwkv_mm_dispatch(g, &w, &a, &err);
      CHECK_OK(rc, &err);
      CHECK(read_floats(yb, y, ny) == 0);
      int bad = 0;
      for (uint64_t i = 0; i < ny && bad < 3; i++) {
        uint64_t t = i >= yoff ? (i - yoff) / ldy : UINT64_MAX, r = i >= yoff ? (i - yoff) % ldy : 0;
        if (t < T && r < M) {
          double want = (acc + 1) * ref[t * M + r];
          double tol = 1e-4 * (acc + 1) * mag[t * M + r] + 1e-6;
          if (fabs(y[i] - want) > tol) {
            bad++;
            CHECK_MSG(0, "%s K%u M%u T%u acc%d: y[t%llu,i%llu] = %.7g, want %.7g", ti->name, K,
                      M, T, acc, (unsigned long long)t, (unsigned long long)r, y[i], want);
          }
        } else if (y[i] != y0[i]) {
          bad++;
          CHECK_MSG(0, "%s T%u: y[%llu] outside the output was overwritten (%g)", ti->name, T,
                    (unsigned long long)i, y[i]);
        }
      }
      test_checks++;
    }
    rwkv_gpu_buffer_free(g, xb, nx * 4);
    rwkv_gpu_buffer_free(g, yb, ny * 4);
    free(x);
    free(y0);
    free(y);
    free(ref);
    free(mag);
  }
  if (rc == RWKV_OK || w.n_chunks) rwkv_mm_free(g, &w);
  free(wf);
  free(wd);
  free(wq);
}

static void check_random(rwkv_gpu *g, uint32_t type, uint32_t K, uint32_t M, uint64_t *seed) {
  static const uint32_t Ts[] = {1, 5, 37};
  check_random_t(g, type, K, M, Ts, 3, seed);
}

static void test_random(rwkv_gpu *g) {
  uint64_t seed = 0x9E3779B97F4A7C15ull;
  for (size_t ti = 0; ti < N_TYPES; ti++) {
    const rwkv_type_info *t = rwkv_type_by_name(type_names[ti]);
    CHECK_MSG(t != NULL, "type %s", type_names[ti]);
    if (!t) continue;
    check_random(g, t->id, 768, 100, &seed);
  }
  /* float rows whose length is not a multiple of 8, and a single row / column */
  check_random(g, RWKV_TYPE_F32, 13, 9, &seed);
  check_random(g, RWKV_TYPE_F16, 21, 3, &seed);
  check_random(g, RWKV_TYPE_BF16, 5, 1, &seed);
  check_random(g, RWKV_TYPE_Q8_0, 32, 1, &seed);
  check_random(g, RWKV_TYPE_Q4_K, 256, 130, &seed);
}

static double act_ref(double v, int act) {
  switch (act) {
  case RWKV_MM_ACT_TANH: return tanh(v);
  case RWKV_MM_ACT_SIGMOID: return 1.0 / (1.0 + exp(-v));
  case RWKV_MM_ACT_RELU2: return v > 0 ? v * v : 0;
  default: return v;
  }
}

/* Stacked upload of 3 parts (rows 5, 70, 33) and 3 groups over them in one x / one y
 * buffer, plus a 4th group in other buffers (a second dispatch). */
static void check_groups(rwkv_gpu *g, uint32_t type, uint32_t K, uint64_t *seed) {
  rwkv_error err = {0};
  const rwkv_type_info *ti = rwkv_type_get(type);
  static const uint32_t prow[3] = {5, 70, 33};
  const uint32_t M = 108;
  uint64_t rb = rwkv_type_row_bytes(type, K);
  float *wf = malloc((size_t)K * M * 4), *wd = malloc((size_t)K * M * 4);
  uint8_t *wq = malloc(rb * M);
  for (uint64_t i = 0; i < (uint64_t)K * M; i++) wf[i] = frand(seed) * 0.2f;
  int rc = RWKV_OK;
  if (type == RWKV_TYPE_F32) memcpy(wq, wf, (size_t)K * M * 4);
  else rc = rwkv_quantize(type, wf, wq, (uint64_t)K * M, &err);
  CHECK_OK(rc, &err);
  if (rc == RWKV_OK) rc = rwkv_dequantize(type, wq, wd, (uint64_t)K * M, &err);
  CHECK_OK(rc, &err);
  gguf_tensor parts[3];
  const gguf_tensor *pp[3];
  memset(parts, 0, sizeof parts);
  for (int i = 0, r0 = 0; i < 3; r0 += (int)prow[i], i++) {
    parts[i].name.ptr = "part";
    parts[i].name.len = 4;
    parts[i].n_dims = 2;
    parts[i].ne[0] = K;
    parts[i].ne[1] = prow[i];
    parts[i].ne[2] = parts[i].ne[3] = 1;
    parts[i].type = type;
    parts[i].size = rb * prow[i];
    parts[i].data = wq + (uint64_t)r0 * rb;
    pp[i] = &parts[i];
  }
  rwkv_mm_weight w;
  if (rc == RWKV_OK) {
    rc = rwkv_mm_upload_stacked(g, "stack", type, K, pp, 3, &w, &err);
    CHECK_OK(rc, &err);
  }
  if (rc == RWKV_OK) CHECK(w.M == M && w.K == K);
  static const uint32_t Ts[] = {1, 37};
  for (size_t k = 0; rc == RWKV_OK && k < 2; k++) {
    uint32_t T = Ts[k];
    /* x: 3 inputs per token side by side (ldx 3K+1), y: [5 | 70 | 33] per token (ldy 120) */
    uint64_t ldx = 3 * (uint64_t)K + 1, ldy = 120, nx = T * ldx + 8, ny = T * ldy + 4;
    float *x = malloc(nx * 4), *y0 = malloc(ny * 4), *y = malloc(ny * 4);
    float *y2 = malloc((size_t)T * 40 * 4);
    for (uint64_t i = 0; i < nx; i++) x[i] = frand(seed);
    for (uint64_t i = 0; i < ny; i++) y0[i] = 0.5f + (float)(i % 7) * 0.25f;
    unsigned xb = 0, yb = 0, yb2 = 0, xb2 = 0;
    CHECK_OK(rwkv_gpu_buffer(g, nx * 4, x, &xb, &err), &err);
    CHECK_OK(rwkv_gpu_buffer(g, ny * 4, y0, &yb, &err), &err);
    CHECK_OK(rwkv_gpu_buffer(g, (uint64_t)T * 40 * 4, NULL, &yb2, &err), &err);
    CHECK_OK(rwkv_gpu_buffer(g, nx * 4, x, &xb2, &err), &err);
    rwkv_mm_group gr[4] = {
        {0, 5, xb, 1, ldx, yb, 0, ldy, 0, RWKV_MM_ACT_TANH},
        {5, 70, xb, 1 + K, ldx, yb, 5, ldy, 0, RWKV_MM_ACT_SIGMOID},
        {75, 33, xb, 1 + 2 * (uint64_t)K, ldx, yb, 80, ldy, 1, RWKV_MM_ACT_RELU2},
        {40, 40, xb2, 0, ldx, yb2, 0, 40, 0, RWKV_MM_ACT_NONE},
    };
    rc = rwkv_mm_dispatch_groups(g, &w, gr, 4, T, &err);
    CHECK_OK(rc, &err);
    CHECK(read_floats(yb, y, ny) == 0);
    CHECK(read_floats(yb2, y2, (size_t)T * 40) == 0);
    int bad = 0;
    for (uint32_t t = 0; t < T && bad < 3; t++)
      for (int gi = 0; gi < 4 && bad < 3; gi++)
        for (uint32_t i = 0; i < gr[gi].rows && bad < 3; i++) {
          uint32_t r = gr[gi].row0 + i;
          double s = 0, a = 0;
          for (uint32_t j = 0; j < K; j++) {
            double p = (double)wd[(uint64_t)r * K + j] * x[t * ldx + gr[gi].xoff + j];
            s += p;
            a += fabs(p);
          }
          uint64_t yi = t * gr[gi].ldy + gr[gi].yoff + i;
          double want = act_ref(s, gr[gi].act) + (gr[gi].accumulate ? y0[yi] : 0);
          double tol = 1e-4 * (a + fabs(s) * a) + 1e-5;
          double got = gi == 3 ? y2[yi] : y[yi];
          if (fabs(got - want) > tol) {
            bad++;
            CHECK_MSG(0, "groups %s K%u T%u group %d row %u tok %u: %.7g, want %.7g", ti->name,
                      K, T, gi, i, t, got, want);
          }
        }
    for (uint32_t t = 0; t < T; t++) /* the gap [113, 120) of each token stays */
      for (uint64_t i = 113; i < ldy; i++)
        if (y[t * ldy + i] != y0[t * ldy + i] && bad++ < 3)
          CHECK_MSG(0, "groups %s T%u: y gap %llu overwritten", ti->name, T, (unsigned long long)i);
    test_checks++;
    /* the same as a batch (rwkv_mm_batch: splits reduced after one barrier at its end), twice
     * into fresh copies of the outputs: bit for bit the results above. Calls 1 and 2 take
     * scratch slots 0 and 1 where K is split, call 3 (two x / y pairs) slots 2 and 3, call 4
     * (the whole stack, relu^2) finds none free and ends the batch first */
    unsigned bya = 0, by2a = 0, byb = 0, by2b = 0, byc = 0;
    CHECK_OK(rwkv_gpu_buffer(g, ny * 4, y0, &bya, &err), &err);
    CHECK_OK(rwkv_gpu_buffer(g, ny * 4, y0, &byb, &err), &err);
    CHECK_OK(rwkv_gpu_buffer(g, ny * 4, y0, &byc, &err), &err);
    CHECK_OK(rwkv_gpu_buffer(g, (uint64_t)T * 40 * 4, NULL, &by2a, &err), &err);
    CHECK_OK(rwkv_gpu_buffer(g, (uint64_t)T * 40 * 4, NULL, &by2b, &err), &err);
    rwkv_mm_group ga[4], gb2[4];
    memcpy(ga, gr, sizeof ga);
    memcpy(gb2, gr, sizeof gb2);
    for (int i = 0; i < 3; i++) {
      ga[i].y = bya;
      gb2[i].y = byb;
    }
    ga[3].y = by2a;
    gb2[3].y = by2b;
    rwkv_mm_batch bt = {0};
    rwkv_mm_group whole = {0, M, xb2, 0, ldx, byc, 0, ldy, 0, RWKV_MM_ACT_RELU2};
    CHECK_OK(rwkv_mm_dispatch_groups_batch(g, &w, ga, 3, T, &bt, &err), &err);
    CHECK_OK(rwkv_mm_dispatch_groups_batch(g, &w, ga + 3, 1, T, &bt, &err), &err);
    CHECK_OK(rwkv_mm_dispatch_groups_batch(g, &w, gb2, 4, T, &bt, &err), &err);
    CHECK_OK(rwkv_mm_dispatch_groups_batch(g, &w, &whole, 1, T, &bt, &err), &err);
    rwkv_mm_batch_end(g, &bt);
    CHECK(bt.n == 0 && bt.pending == 0);
    CHECK_ERR(rwkv_mm_dispatch_groups_batch(g, &w, ga, 1, T, NULL, &err), &err, RWKV_ERR_ARG, "batch");
    float *cy = malloc(ny * 4), *cy2 = malloc((size_t)T * 40 * 4);
    for (int k2 = 0; k2 < 2 && cy && cy2; k2++) {
      CHECK(read_floats(k2 ? byb : bya, cy, ny) == 0);
      CHECK(read_floats(k2 ? by2b : by2a, cy2, (size_t)T * 40) == 0);
      CHECK_MSG(memcmp(cy, y, ny * 4) == 0 && memcmp(cy2, y2, (size_t)T * 40 * 4) == 0,
                "groups %s K%u T%u: batch copy %d differs from the grouped dispatch", ti->name, K, T, k2);
    }
    /* plain dispatch with relu^2 on the whole stack */
    rwkv_mm_args pa = {.x = xb2, .xoff = 0, .ldx = ldx, .y = yb, .yoff = 0, .ldy = ldy, .T = T};
    CHECK_OK(rwkv_mm_dispatch_act(g, &w, &pa, RWKV_MM_ACT_RELU2, &err), &err);
    CHECK(read_floats(yb, y, ny) == 0);
    if (cy) { /* (rows past M kept what each buffer held) */
      CHECK(read_floats(byc, cy, ny) == 0);
      int same = 1;
      for (uint32_t t = 0; t < T; t++) same &= memcmp(cy + t * ldy, y + t * ldy, (size_t)M * 4) == 0;
      CHECK_MSG(same, "relu2 %s K%u T%u: the batch's 4th call differs", ti->name, K, T);
    }
    free(cy);
    free(cy2);
    rwkv_gpu_buffer_free(g, bya, ny * 4);
    rwkv_gpu_buffer_free(g, byb, ny * 4);
    rwkv_gpu_buffer_free(g, byc, ny * 4);
    rwkv_gpu_buffer_free(g, by2a, (uint64_t)T * 40 * 4);
    rwkv_gpu_buffer_free(g, by2b, (uint64_t)T * 40 * 4);
    for (uint32_t t = 0; t < T && bad < 3; t++)
      for (uint32_t r = 0; r < M && bad < 3; r++) {
        double s = 0, a = 0;
        for (uint32_t j = 0; j < K; j++) {
          double p = (double)wd[(uint64_t)r * K + j] * x[t * ldx + j];
          s += p;
          a += fabs(p);
        }
        double want = act_ref(s, RWKV_MM_ACT_RELU2), got = y[t * ldy + r];
        if (fabs(got - want) > 1e-4 * (a + fabs(s) * a) + 1e-5) {
          bad++;
          CHECK_MSG(0, "relu2 %s T%u row %u tok %u: %.7g, want %.7g", ti->name, T, r, t, got, want);
        }
      }
    /* errors: rows past M, bad activation, too many groups, y over another group's x */
    rwkv_mm_group e = gr[0];
    e.row0 = 100;
    e.rows = 9;
    CHECK_ERR(rwkv_mm_dispatch_groups(g, &w, &e, 1, T, &err), &err, RWKV_ERR_ARG, "outside");
    e = gr[0];
    e.act = 9;
    CHECK_ERR(rwkv_mm_dispatch_groups(g, &w, &e, 1, T, &err), &err, RWKV_ERR_ARG, "activation");
    CHECK_ERR(rwkv_mm_dispatch_groups(g, &w, gr, 5, T, &err), &err, RWKV_ERR_ARG, "groups");
    rwkv_mm_group ov[2] = {gr[0], gr[1]};
    ov[1].y = xb;
    ov[1].yoff = 0;
    CHECK_ERR(rwkv_mm_dispatch_groups(g, &w, ov, 2, T, &err), &err, RWKV_ERR_ARG, "overlap");
    rwkv_gpu_buffer_free(g, xb, nx * 4);
    rwkv_gpu_buffer_free(g, xb2, nx * 4);
    rwkv_gpu_buffer_free(g, yb, ny * 4);
    rwkv_gpu_buffer_free(g, yb2, (uint64_t)T * 40 * 4);
    free(x);
    free(y0);
    free(y);
    free(y2);
  }
  if (rc == RWKV_OK) {
    /* a part of another type is refused, naming the stack */
    parts[1].type = type == RWKV_TYPE_F32 ? RWKV_TYPE_F16 : RWKV_TYPE_F32;
    rwkv_mm_weight w2;
    CHECK_ERR(rwkv_mm_upload_stacked(g, "stack2", type, K, pp, 3, &w2, &err), &err,
              RWKV_ERR_FORMAT, "stack2: part 1");
    CHECK(w2.n_chunks == 0);
    rwkv_mm_free(g, &w);
  }
  free(wf);
  free(wd);
  free(wq);
}

static void test_groups(rwkv_gpu *g) {
  uint64_t seed = 0x1234567ull;
  for (size_t ti = 0; ti < N_TYPES; ti++) {
    const rwkv_type_info *t = rwkv_type_by_name(type_names[ti]);
    if (t) check_groups(g, t->id, 256, &seed);
  }
  check_groups(g, RWKV_TYPE_F16, 45, &seed);
}

static void test_errors(rwkv_gpu *g) {
  rwkv_error err = {0};
  float data[64] = {0};
  rwkv_mm_weight w;
  int rc = rwkv_mm_upload(g, "w.bad", RWKV_TYPE_F32, 8, 2, data, 63, &w, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "w.bad");
  CHECK(w.n_chunks == 0);
  rc = rwkv_mm_upload(g, "w.q", RWKV_TYPE_Q4_K, 100, 1, data, 144, &w, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "w.q");
  rc = rwkv_mm_upload(g, "w.t", 99, 8, 1, data, 32, &w, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_UNSUPPORTED, "w.t");
  rc = rwkv_mm_upload(g, "w.ok", RWKV_TYPE_F32, 8, 4, data, 128, &w, &err);
  CHECK_OK(rc, &err);
  unsigned xb = 0, yb = 0;
  CHECK_OK(rwkv_gpu_buffer(g, 8 * 4, data, &xb, &err), &err);
  CHECK_OK(rwkv_gpu_buffer(g, 4 * 4, data, &yb, &err), &err);
  rwkv_mm_args a = {.x = xb, .ldx = 8, .y = yb, .ldy = 4, .T = 1};
  CHECK_OK(rwkv_mm_dispatch(g, &w, &a, &err), &err);
  a.xoff = 1;
  CHECK_ERR(rwkv_mm_dispatch(g, &w, &a, &err), &err, RWKV_ERR_ARG, "x needs 9 floats");
  a.xoff = 0;
  a.T = 2;
  CHECK_ERR(rwkv_mm_dispatch(g, &w, &a, &err), &err, RWKV_ERR_ARG, "x needs");
  a.T = 1;
  a.yoff = 1;
  CHECK_ERR(rwkv_mm_dispatch(g, &w, &a, &err), &err, RWKV_ERR_ARG, "y needs 5 floats");
  a.yoff = 0;
  a.T = 0;
  CHECK_ERR(rwkv_mm_dispatch(g, &w, &a, &err), &err, RWKV_ERR_ARG, "w.ok");
  a.T = 1;
  a.y = xb;
  CHECK_ERR(rwkv_mm_dispatch(g, &w, &a, &err), &err, RWKV_ERR_ARG, "overlap");
  { /* one buffer holding x at [0, 8) and y at [8, 12) is fine */
    float both[12] = {1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0}, out[12];
    float wd[32];
    for (int i = 0; i < 32; i++) wd[i] = (float)(i % 5) - 2.0f;
    rwkv_mm_weight w2;
    unsigned ab = 0;
    CHECK_OK(rwkv_mm_upload(g, "w.arena", RWKV_TYPE_F32, 8, 4, wd, 128, &w2, &err), &err);
    CHECK_OK(rwkv_gpu_buffer(g, sizeof both, both, &ab, &err), &err);
    rwkv_mm_args b = {.x = ab, .ldx = 8, .y = ab, .yoff = 8, .ldy = 4, .T = 1};
    CHECK_OK(rwkv_mm_dispatch(g, &w2, &b, &err), &err);
    CHECK(read_floats(ab, out, 12) == 0);
    for (int i = 0; i < 4; i++) {
      float want = 0;
      for (int j = 0; j < 8; j++) want += wd[i * 8 + j] * both[j];
      CHECK_MSG(out[8 + i] == want, "arena y[%d] = %g, want %g", i, out[8 + i], want);
    }
    rwkv_gpu_buffer_free(g, ab, sizeof both);
    rwkv_mm_free(g, &w2);
  }
  a.y = 12345;
  CHECK_ERR(rwkv_mm_dispatch(g, &w, &a, &err), &err, RWKV_ERR_ARG, "not a live buffer");
  rwkv_mm_free(g, &w);
  rwkv_mm_free(g, &w);
  a.y = yb;
  CHECK_ERR(rwkv_mm_dispatch(g, &w, &a, &err), &err, RWKV_ERR_ARG, "not uploaded");
  rwkv_gpu_buffer_free(g, xb, 32);
  rwkv_gpu_buffer_free(g, yb, 16);
  CHECK(rwkv_gpu_bytes(g) == 0);
}

/* rwkv_mm_dequant: every type's rows decoded into f32 rows (exactly rwkv_dequantize's values)
 * and f16 rows (those values rounded: within half an f16 step; from row 2 of a longer weight,
 * 5 workgroup rows looping over 37), an odd row count; its errors and rwkv_mm_alloc_float's. */
static void test_dequant(rwkv_gpu *g) {
  rwkv_error err = {0};
  uint64_t seed = 0x51ED270B27A3C4F1ull;
  const uint32_t K = 512, M = 37;
  float *wf = malloc((size_t)K * M * 4), *wd = malloc((size_t)K * M * 4), *got = malloc((size_t)K * M * 4);
  uint8_t *wq = malloc((size_t)K * M * 4);
  for (size_t ti = 0; ti < N_TYPES && wf && wd && got && wq; ti++) {
    const rwkv_type_info *t = rwkv_type_by_name(type_names[ti]);
    CHECK(t != NULL);
    if (!t) continue;
    for (uint64_t i = 0; i < (uint64_t)K * M; i++) wf[i] = frand(&seed) * (i % 89 == 0 ? 5.f : 1.f);
    int rc = t->id == RWKV_TYPE_F32 ? (memcpy(wq, wf, (size_t)K * M * 4), RWKV_OK)
                                    : rwkv_quantize(t->id, wf, wq, (uint64_t)K * M, &err);
    if (!rc) rc = rwkv_dequantize(t->id, wq, wd, (uint64_t)K * M, &err);
    CHECK_OK(rc, &err);
    rwkv_mm_weight w, f32, f16;
    memset(&f32, 0, sizeof f32);
    memset(&f16, 0, sizeof f16);
    if (!rc) rc = rwkv_mm_upload(g, "dq.src", t->id, K, M, wq, rwkv_type_row_bytes(t->id, K) * M, &w, &err);
    if (!rc) rc = rwkv_mm_alloc_float(g, "dq.f32", RWKV_TYPE_F32, K, M, &f32, &err);
    if (!rc) rc = rwkv_mm_alloc_float(g, "dq.f16", RWKV_TYPE_F16, K, M + 3, &f16, &err);
    if (!rc) rc = rwkv_mm_dequant(g, &w, &f32, 0, 0, &err);
    if (!rc) rc = rwkv_mm_dequant(g, &w, &f16, 2, 5, &err);
    CHECK_OK(rc, &err);
    if (!rc) {
      CHECK(f32.stride == (uint64_t)K * 4 && f16.stride == (uint64_t)K * 2);
      CHECK(read_floats(f32.chunks[0].buf, got, (size_t)K * M) == 0);
      size_t bad = 0;
      for (size_t i = 0; i < (size_t)K * M; i++) bad += memcmp(&got[i], &wd[i], 4) != 0;
      CHECK_MSG(bad == 0, "%s: %zu of %u f32 values differ from rwkv_dequantize's", t->name, bad, K * M);
      CHECK(read_floats(f16.chunks[0].buf, got, (size_t)K * (M + 2) / 2) == 0);
      const uint16_t *h = (const uint16_t *)got + 2 * K;
      bad = 0;
      for (size_t i = 0; i < (size_t)K * M; i++) {
        float v = rwkv_f16_to_f32(h[i]), a = fabsf(wd[i]);
        bad += !(fabsf(v - wd[i]) <= (a < 6.1e-5f ? 3e-8f : a * 0x1p-11f)); /* (subnormals: 2^-25) */
      }
      CHECK_MSG(bad == 0, "%s: %zu of %u f16 values off by more than half a step", t->name, bad, K * M);
      test_checks += 2;
    }
    rwkv_mm_free(g, &w);
    rwkv_mm_free(g, &f32);
    rwkv_mm_free(g, &f16);
  }
  free(wf);
  free(wd);
  free(got);
  free(wq);
  /* errors: a quantized or unknown type, NULL, shapes or types that do not match */
  rwkv_mm_weight a, b, q;
  CHECK_ERR(rwkv_mm_alloc_float(g, "dq.q", RWKV_TYPE_Q4_K, 256, 2, &a, &err), &err, RWKV_ERR_ARG, "dq.q");
  CHECK(a.n_chunks == 0);
  CHECK_ERR(rwkv_mm_alloc_float(g, "dq.t", 99, 256, 2, &a, &err), &err, RWKV_ERR_ARG, "not F16 or F32");
  CHECK_ERR(rwkv_mm_alloc_float(NULL, "dq.n", RWKV_TYPE_F16, 256, 2, &a, &err), &err, RWKV_ERR_ARG, "dq.n");
  CHECK_ERR(rwkv_mm_alloc_float(g, "dq.k", RWKV_TYPE_F16, 0, 2, &a, &err), &err, RWKV_ERR_ARG, "dq.k");
  uint8_t blk[2 * 144] = {0};
  CHECK_OK(rwkv_mm_upload(g, "dq.q4k", RWKV_TYPE_Q4_K, 256, 2, blk, sizeof blk, &q, &err), &err);
  CHECK_OK(rwkv_mm_alloc_float(g, "dq.a", RWKV_TYPE_F16, 256, 3, &a, &err), &err);
  CHECK_OK(rwkv_mm_alloc_float(g, "dq.b", RWKV_TYPE_F16, 256, 2, &b, &err), &err);
  CHECK_ERR(rwkv_mm_dequant(g, &q, &a, 2, 0, &err), &err, RWKV_ERR_ARG, "dq.q4k (256 x 2) into dq.a (256 x 3, 1 buffers) from row 2");
  CHECK_ERR(rwkv_mm_dequant(g, &q, &a, 4, 0, &err), &err, RWKV_ERR_ARG, "room for its rows");
  CHECK_OK(rwkv_mm_dequant(g, &q, &a, 1, 1, &err), &err);
  CHECK_ERR(rwkv_mm_dequant(g, &q, &q, 0, 0, &err), &err, RWKV_ERR_ARG, "float rows");
  CHECK_ERR(rwkv_mm_dequant(g, NULL, &b, 0, 0, &err), &err, RWKV_ERR_ARG, "NULL");
  CHECK_OK(rwkv_mm_dequant(g, &q, &b, 0, 0, &err), &err);
  rwkv_mm_free(g, &b);
  CHECK_ERR(rwkv_mm_dequant(g, &q, &b, 0, 0, &err), &err, RWKV_ERR_ARG, "0 buffers");
  rwkv_mm_free(g, &a);
  rwkv_mm_free(g, &q);
  CHECK(rwkv_gpu_bytes(g) == 0);
}

/* The tiled prefill kernel with the GPU's big tiles (128 x 128, 8 x 8 per invocation)
 * and small ones, on shapes that are not multiples of the tile (M 200 / 64 rows, T 133 /
 * 37 / 2 tokens), with K split automatically (few workgroups), forced, or not, the k loop
 * written out 16, 4 or 8 steps a pass (KU); and the grouped dispatch (activations,
 * accumulate, two buffers) with the split. */
static void test_tiled(rwkv_gpu *g) {
  static const char *cfgs[][14] = {
      {"RWKV_MM_BM", "128", "RWKV_MM_BT", "128", "RWKV_MM_RQ", "2", "RWKV_MM_NQ", "2",
       "RWKV_MM_BK", "16", "RWKV_MM_SPLIT_MIN", "1000", "RWKV_MM_KU", "16"},
      {"RWKV_MM_BM", "64", "RWKV_MM_BT", "128", "RWKV_MM_RQ", "2", "RWKV_MM_NQ", "2",
       "RWKV_MM_SPLITK", "1", "RWKV_MM_KU", "4"},
      {"RWKV_MM_BM", "32", "RWKV_MM_BT", "32", "RWKV_MM_RQ", "2", "RWKV_MM_NQ", "1",
       "RWKV_MM_BK", "32", "RWKV_MM_SPLITK", "5", "RWKV_MM_KU", "8"},
  };
  static const char *names[] = {"RWKV_MM_BM", "RWKV_MM_BT", "RWKV_MM_RQ", "RWKV_MM_NQ",
                                "RWKV_MM_BK", "RWKV_MM_SPLITK", "RWKV_MM_SPLIT_MIN",
                                "RWKV_MM_TILED", "RWKV_MM_KU"};
  static const uint32_t Ts[] = {133, 2, 37};
  static const char *types[] = {"f16", "q4_K", "q8_0", "q6_K", "f32"};
  uint64_t seed = 0xABCDEF12345ull;
  for (size_t c = 0; c < sizeof cfgs / sizeof cfgs[0]; c++) {
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) unsetenv(names[i]);
    setenv("RWKV_MM_TILED", "1", 1);
    for (int i = 0; i < 14 && cfgs[c][i]; i += 2) setenv(cfgs[c][i], cfgs[c][i + 1], 1);
    for (size_t t = 0; t < sizeof types / sizeof *types; t++) {
      const rwkv_type_info *ti = rwkv_type_by_name(types[t]);
      if (!ti) continue;
      check_random_t(g, ti->id, 512, t % 2 ? 64 : 200, Ts, 3, &seed);
    }
    check_random_t(g, RWKV_TYPE_F32, 29, 7, Ts, 3, &seed); /* K % 8 != 0 with a split */
    check_groups(g, RWKV_TYPE_Q4_K, 512, &seed);
    check_groups(g, RWKV_TYPE_F16, 45, &seed);
  }
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) unsetenv(names[i]);
  /* GPUs' defaults for wide rows (the 2.9B's r/k/v, FFN value) of the simple types, q4_K
   * and q6_K: 8 x 8 register tiles for prefills past MM_SHORT_T tokens (q6_K with BK 8), else
   * 8 x 4 (f16) or 4 x 8 (matmul.c pick_cfg); CPU references of 8-11 G products each, so not
   * on llvmpipe, which never takes these tiles */
  if (!rwkv_gpu_get_info(g)->software) {
    static const uint32_t Tw[] = {300, 124};
    check_random_t(g, RWKV_TYPE_F16, 2560, 7680, Tw, 2, &seed);
    check_random_t(g, RWKV_TYPE_Q8_0, 2560, 7680, Tw, 2, &seed);
    check_random_t(g, RWKV_TYPE_Q4_1, 2560, 7680, Tw, 2, &seed);
    /* (and T = 1: decode's q4_K rows of K >= 8192 go two to a lane group, one unit in flight) */
    static const uint32_t Tq[] = {300, 124, 1}, Td[] = {1};
    check_random_t(g, RWKV_TYPE_Q4_K, 10240, 2560, Tq, 3, &seed);
    check_random_t(g, RWKV_TYPE_Q6_K, 2560, 7680, Tw, 2, &seed);
    check_random_t(g, RWKV_TYPE_Q4_K, 8192, 41, Td, 1, &seed); /* (an odd last pair) */
  }
}

/* Split-K pieces (rwkv_mm_split_pieces): dispatches of at most two token tiles aim at
 * RWKV_MM_SPLIT_MIN_SMALL workgroups, longer ones at RWKV_MM_SPLIT_MIN; setting only the
 * latter sets both. f16, K 2048 (64 slices of 32), M 64 rows in tiles of 32 x 32. */
static void test_split_rule(rwkv_gpu *g) {
  static const char *names[] = {"RWKV_MM_TILED", "RWKV_MM_BM", "RWKV_MM_BT", "RWKV_MM_BK",
                                "RWKV_MM_SPLIT_MIN", "RWKV_MM_SPLIT_MIN_SMALL", "RWKV_MM_SPLITK",
                                "RWKV_MM_SPLIT_SLICES", "RWKV_MM_SPLIT_PIECE_SMALL", "RWKV_MM_SPLIT_KM",
                                "RWKV_MM_SPLIT_MID_MAX", "RWKV_MM_SPLIT_SMALL_FLOOR",
                                "RWKV_MM_SPLIT_SLICES_SMALL"};
  static const char *vals[] = {"1", "32", "32", "32"};
  enum { K = 2048, M = 64 };
  uint16_t *data = calloc((size_t)K * M, sizeof *data);
  if (!data) return;
  /* {SPLIT_MIN, SPLIT_MIN_SMALL, SPLIT_SLICES, SPLIT_PIECE_SMALL, SPLIT_KM ("" unset),
   * SPLIT_MID_MAX ("" = 0: the ceiling everywhere), T, pieces}: T 33 = 2 tiles x 2 row tiles =
   * 4 workgroups, T 200 = 7 tiles = 14, T 300 = 10 tiles = 20; pieces as dispatch_split
   * rounds them (kchunk) and at least SPLIT_SLICES (default 14) of the 64 slices each past two
   * token tiles, 5 in two, where they also carry at most SPLIT_PIECE_SMALL (default 40);
   * SPLIT_KM's shape pieces in passes of up to two / three to eight tiles; with SPLIT_MID_MAX
   * (f16 rows, as here) passes of three to eight tiles take the target's floor, at most that;
   * q (q8_0 rows) and SPLIT_SMALL_FLOOR (NULL unset): passes of up to two tiles take the
   * floor for quantized rows (18 / 4: 4 pieces, not 5), for none (0) or for all (2); sl:
   * SPLIT_SLICES_SMALL (NULL unset), the fewest slices a piece in up to two tiles (5) */
  static const struct {
    const char *min, *small, *slices, *piece, *km, *mid;
    uint32_t T, pieces;
    const char *floor;
    int q;
    const char *sl;
  } cases[] = {
      {"64", "16", "4", "", "", "", 33, 4, NULL, 0, NULL},  /* small: ceil(16 / 4) */
      {"64", "16", "4", "", "", "", 200, 5, NULL, 0, NULL}, /* ceil(64 / 14) */
      {"64", "16", "", "", "", "", 200, 4, NULL, 0, NULL},  /* 64 / 14 slices */
      {"64", "16", "20", "", "", "", 200, 3, NULL, 0, NULL},
      {"64", "", "", "", "", "", 33, 11, NULL, 0, NULL},    /* two tiles: 64 / 5 = 12, as 11 pieces of 6 */
      {"0", "", "", "", "", "", 33, 1, NULL, 0, NULL},      /* never */
      {"64", "8", "", "", "", "", 33, 2, NULL, 0, NULL},    /* ceil(8 / 4); ceil(64 / 40) = 2 as well */
      {"64", "8", "", "10", "", "", 33, 7, NULL, 0, NULL},  /* pieces of at most 10 slices: ceil(64 / 10) */
      {"64", "8", "", "0", "", "", 33, 2, NULL, 0, NULL},   /* (no limit) */
      {"64", "8", "", "10", "", "", 200, 4, NULL, 0, NULL}, /* (not past two tiles) */
      {"64", "8", "", "", "1:1:9,2048:64:3:6", "", 33, 3, NULL, 0, NULL}, /* the shape's own pieces */
      {"64", "8", "", "", "1:1:9,2048:64:3:6", "", 200, 6, NULL, 0, NULL},
      {"64", "8", "", "", "2048:64:3", "", 200, 4, NULL, 0, NULL}, /* (long passes: the rule) */
      {"64", "8", "", "", "1:1:9,2048:64:3:6", "", 300, 4, NULL, 0, NULL}, /* (past 8 tiles: the rule) */
      {"64", "16", "4", "", "", "8", 200, 4, NULL, 0, NULL},  /* floor(64 / 14) */
      {"64", "16", "4", "", "", "2", 200, 2, NULL, 0, NULL},  /* at most 2 */
      {"64", "16", "4", "", "", "8", 300, 4, NULL, 0, NULL},  /* past 8 tiles: ceil(64 / 20) */
      {"64", "16", "4", "", "", "8", 33, 4, NULL, 0, NULL},   /* two tiles: ceil(16 / 4) */
      {"640", "16", "4", "", "", "64", 200, 16, NULL, 0, NULL}, /* floor(640 / 14) = 45: SPLIT_MAX (16) caps */
      {"640", "16", "4", "", "", "8", 200, 8, NULL, 0, NULL},
      {"64", "18", "", "", "", "", 33, 5, NULL, 0, NULL}, /* f16: ceil(18 / 4) */
      {"64", "18", "", "", "", "", 33, 4, NULL, 1, NULL}, /* q8_0: floor(18 / 4) */
      {"64", "18", "", "", "", "", 33, 5, "0", 1, NULL},
      {"64", "18", "", "", "", "", 33, 4, "2", 0, NULL},
      {"64", "18", "", "", "", "", 33, 5, "1", 0, NULL},
      {"64", "6", "", "10", "", "", 33, 7, NULL, 1, NULL}, /* floor(6 / 4) = 1, pieces of <= 10 slices */
      {"64", "18", "4", "", "", "", 200, 5, NULL, 1, NULL}, /* (not past two tiles: ceil(64 / 14)) */
      {"64", "", "", "", "", "", 33, 16, NULL, 0, "4"}, /* ceil(64 / 4) with 4 slices a piece */
      {"64", "", "", "", "", "", 33, 8, NULL, 0, "8"},
  };
  for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) unsetenv(names[i]);
    for (int i = 0; i < 4; i++) setenv(names[i], vals[i], 1);
    setenv("RWKV_MM_SPLIT_MIN", cases[c].min, 1);
    if (*cases[c].small) setenv("RWKV_MM_SPLIT_MIN_SMALL", cases[c].small, 1);
    if (*cases[c].slices) setenv("RWKV_MM_SPLIT_SLICES", cases[c].slices, 1);
    if (*cases[c].piece) setenv("RWKV_MM_SPLIT_PIECE_SMALL", cases[c].piece, 1);
    if (*cases[c].km) setenv("RWKV_MM_SPLIT_KM", cases[c].km, 1);
    setenv("RWKV_MM_SPLIT_MID_MAX", *cases[c].mid ? cases[c].mid : "0", 1);
    if (cases[c].floor) setenv("RWKV_MM_SPLIT_SMALL_FLOOR", cases[c].floor, 1);
    if (cases[c].sl) setenv("RWKV_MM_SPLIT_SLICES_SMALL", cases[c].sl, 1);
    rwkv_error err = {0};
    rwkv_mm_weight w;
    memset(&w, 0, sizeof w);
    /* (zeros are a valid q8_0 row too: 34-byte blocks of 32, scale 0) */
    uint32_t ty = cases[c].q ? RWKV_TYPE_Q8_0 : RWKV_TYPE_F16;
    uint64_t bytes = cases[c].q ? (uint64_t)K / 32 * 34 * M : (uint64_t)K * M * 2;
    int rc = rwkv_mm_upload(g, "split", ty, K, M, data, bytes, &w, &err);
    CHECK_OK(rc, &err);
    if (rc) continue;
    uint32_t S = rwkv_mm_split_pieces(&w, M, cases[c].T);
    CHECK_MSG(S == cases[c].pieces, "case %zu: %u pieces, want %u", c, S, cases[c].pieces);
    rwkv_mm_free(g, &w);
  }
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) unsetenv(names[i]);
  free(data);
}

/* Prefill of one tile's rows over a long K (LoRA w1): on GPUs the short-prefill program
 * (2..256 tokens, rwkv_mm_variant) is the rows kernel and longer prefills keep the tile;
 * both against the reference, T on each side of the boundary. */
static void test_short_prefill(rwkv_gpu *g) {
  static const uint32_t Ts[] = {1, 124, 256, 257, 300};
  uint64_t seed = 0x5EEDull;
  rwkv_error err = {0};
  const rwkv_gpu_info *in = rwkv_gpu_get_info(g);
  uint32_t K = 1024, M = 96;
  float *w = calloc((size_t)K * M, sizeof *w);
  rwkv_mm_weight mw;
  memset(&mw, 0, sizeof mw);
  int rc = w ? rwkv_mm_upload(g, "short", RWKV_TYPE_F32, K, M, w, (uint64_t)K * M * 4, &mw, &err) : RWKV_ERR_NOMEM;
  CHECK_OK(rc, &err);
  if (!rc) {
    CHECK(rwkv_mm_variant(1) == 0 && rwkv_mm_variant(2) == 2 && rwkv_mm_variant(256) == 2 &&
          rwkv_mm_variant(257) == 1);
    if (!in->software) /* llvmpipe: one prefill program */
      CHECK_MSG(mw.kernel[2] != 1 && mw.kernel[1] == 1, "kernels %u / %u", mw.kernel[2], mw.kernel[1]);
    rwkv_mm_free(g, &mw);
  }
  free(w);
  check_random_t(g, RWKV_TYPE_F32, K, M, Ts, sizeof Ts / sizeof *Ts, &seed);
  check_random_t(g, RWKV_TYPE_F16, K, 128, Ts, sizeof Ts / sizeof *Ts, &seed);
  check_random_t(g, RWKV_TYPE_BF16, 2048, 64, Ts, sizeof Ts / sizeof *Ts, &seed);
}

int main(void) {
  /* RWKV_TEST_PART=1 or 2 (CMakeLists.txt): half of the cases each, so that ctest runs the
   * two halves on two cores (cold, llvmpipe compiles ~750 kernel variants); unset: all */
  const char *pe = getenv("RWKV_TEST_PART");
  int part = pe ? atoi(pe) : 0;
  rwkv_error err = {0};
  rwkv_gpu *g = NULL;
  int rc = rwkv_gpu_open(NULL, &g, &err);
  CHECK_OK(rc, &err);
  if (rc) return test_result("test_matmul");
  if (part != 2) {
    test_vectors(g);
    test_random(g);
    test_errors(g);
    test_dequant(g);
    test_groups(g);
    test_split_rule(g);
  }
  /* The other kernel shapes (GPU-style rows shared by 32 / 8 lanes with a shared-memory
   * or subgroup reduction, other token tiles) on whatever device this is. */
  /* env name=value pairs, applied at upload; "" unsets */
  static const char *shapes[][8] = {
      {"RWKV_MM_LANES", "32", "RWKV_MM_TT", "8", "RWKV_MM_NR", "1"},
      {"RWKV_MM_LANES", "8", "RWKV_MM_TT", "3", "RWKV_MM_NR", "3"},
      {"RWKV_MM_LANES", "1", "RWKV_MM_TT", "16", "RWKV_MM_NR", "1"},
      {"RWKV_MM_LANES", "1", "RWKV_MM_NR", "4"}, /* llvmpipe's shape for the head's rows */
      {"RWKV_MM_LANES", "4", "RWKV_MM_TT", "1", "RWKV_MM_UNR", "3"},
      /* x staged in shared memory, 3 passes of 64 floats for K = 768 */
      {"RWKV_MM_LANES", "8", "RWKV_MM_XSH", "1", "RWKV_MM_XCH", "64"},
      /* tiled prefill (small tiles so rows and tokens are ragged) */
      {"RWKV_MM_TILED", "1", "RWKV_MM_BM", "16", "RWKV_MM_BT", "8"},
      {"RWKV_MM_TILED", "1", "RWKV_MM_BK", "16", "RWKV_MM_XSH", "1"},
      /* blocked decode kernel (unit decoders; rows kernel for the other types), also
       * forced onto prefill through the rows path */
      /* tiled with 8 x 8 and 8 x 4 outputs per invocation */
      {"RWKV_MM_TILED", "1", "RWKV_MM_RQ", "2", "RWKV_MM_NQ", "2"},
      {"RWKV_MM_TILED", "1", "RWKV_MM_BM", "8", "RWKV_MM_RQ", "2"},
      {"RWKV_MM_DEC", "1", "RWKV_MM_LANES", "32", "RWKV_MM_NR", "2"},
      {"RWKV_MM_DEC", "1", "RWKV_MM_LANES", "16", "RWKV_MM_NR", "5", "RWKV_MM_UNR", "1"},
      {"RWKV_MM_DEC", "1", "RWKV_MM_LANES", "8", "RWKV_MM_UNR", "3"},
      {"RWKV_MM_DEC", "1", "RWKV_MM_LANES", "1", "RWKV_MM_TT", "3"},
      /* lane groups wider than a subgroup (subgroup sums, then shared memory) */
      {"RWKV_MM_DEC", "1", "RWKV_MM_LANES", "128", "RWKV_MM_NR", "2"},
      /* blocked decode with a pass's units loaded before any is decoded */
      {"RWKV_MM_DEC", "1", "RWKV_MM_PRE", "1", "RWKV_MM_UNR", "3", "RWKV_MM_NR", "2"},
      {"RWKV_MM_DEC", "0", "RWKV_MM_LANES", "64", "RWKV_MM_UNR", "2"},
      {"RWKV_MM_DEC", "0", "RWKV_MM_TILED", "0", "RWKV_MM_TT", "2"},
      /* tiled, 8 x 8 register tiles: shared double buffer and register prefetch on / off,
       * K split in pieces (partial sums + reduce pass) or not */
      {"RWKV_MM_TILED", "1", "RWKV_MM_RQ", "2", "RWKV_MM_NQ", "2", "RWKV_MM_SPLITK", "3"},
      {"RWKV_MM_TILED", "1", "RWKV_MM_DB", "0", "RWKV_MM_PF", "1", "RWKV_MM_SPLITK", "1"},
      {"RWKV_MM_TILED", "1", "RWKV_MM_DB", "1", "RWKV_MM_PF", "0", "RWKV_MM_BK", "8"},
      {"RWKV_MM_TILED", "1", "RWKV_MM_DB", "0", "RWKV_MM_PF", "0", "RWKV_MM_SPLITK", "2"},
      /* float rows from the SSBO instead of the texture buffer llvmpipe uses by default */
      {"RWKV_MM_TEXW", "0", "RWKV_MM_TT", "3"},
      /* one row's units an invocation (WGT == BM): the K-quants' block words loaded once
       * (matmul.comp MT_SHARE), BK 32 (4 units) and 16 (2) */
      {"RWKV_MM_TILED", "1", "RWKV_MM_BM", "32", "RWKV_MM_BT", "16", "RWKV_MM_NQ", "1"},
      {"RWKV_MM_TILED", "1", "RWKV_MM_BM", "32", "RWKV_MM_BT", "16", "RWKV_MM_BK", "16"},
      /* warp-shaped thread tiles: the llvmpipe tile and the GPU default (128 x 64, 4 x 8) */
      {"RWKV_MM_TILED", "1", "RWKV_MM_SWZ", "1"},
      {"RWKV_MM_TILED", "1", "RWKV_MM_SWZ", "1", "RWKV_MM_BM", "128", "RWKV_MM_NQ", "2"},
  };
  static const char *names[] = {"RWKV_MM_LANES", "RWKV_MM_TT", "RWKV_MM_NR", "RWKV_MM_UNR",
                                "RWKV_MM_XSH", "RWKV_MM_XCH", "RWKV_MM_TILED", "RWKV_MM_BM",
                                "RWKV_MM_BT", "RWKV_MM_BK", "RWKV_MM_DEC", "RWKV_MM_RQ",
                                "RWKV_MM_NQ", "RWKV_MM_DB", "RWKV_MM_PF", "RWKV_MM_SPLITK",
                                "RWKV_MM_SPLIT_MIN", "RWKV_MM_SPLIT_MAX", "RWKV_MM_SWZ",
                                "RWKV_MM_TEXW", "RWKV_MM_PRE"};
  for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
    if (part && (int)(k % 2) != (part == 2 ? 0 : 1)) continue; /* odd shapes in part 1 */
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) unsetenv(names[i]);
    for (int i = 0; i < 8 && shapes[k][i]; i += 2) setenv(shapes[k][i], shapes[k][i + 1], 1);
    test_vectors(g);
    test_random(g);
    test_groups(g);
  }
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) unsetenv(names[i]);
  if (part != 1) test_tiled(g);
  if (part != 2) test_short_prefill(g);
  /* the split-K scratch went with the last weight (rwkv_gpu_scratch_use) */
  CHECK(rwkv_gpu_bytes(g) == 0);
  rwkv_gpu_close(g);
  return test_result("test_matmul");
}
