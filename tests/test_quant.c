/* test_quant.c - ggml tensor types: dequantization against ggml's own output
 * (tests/data/quant-vectors.gguf), our quantizers' round-trip error, half and
 * bfloat16 conversions, the type table and error paths. */
#include <float.h>
#include <math.h>
#include <stdint.h>

#include "gguf.h"
#include "quant.h"
#include "testutil.h"

static const uint32_t k_quant_types[] = {RWKV_TYPE_Q8_0, RWKV_TYPE_Q4_0, RWKV_TYPE_Q4_1, RWKV_TYPE_Q5_0,
                                         RWKV_TYPE_Q5_1, RWKV_TYPE_Q2_K, RWKV_TYPE_Q3_K, RWKV_TYPE_Q4_K,
                                         RWKV_TYPE_Q5_K, RWKV_TYPE_Q6_K};
#define N_QUANT (sizeof k_quant_types / sizeof k_quant_types[0])

static float u2f(uint32_t u) {
  float f;
  memcpy(&f, &u, 4);
  return f;
}

static uint32_t f2u(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return u;
}

/* Deterministic N(0,1) samples: xorshift64* + Box-Muller (no global state). */
static double urand(uint64_t *s) {
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return (double)((*s * 0x2545F4914F6CDD1DULL) >> 11) * 0x1p-53;
}

static float nrand(uint64_t *s) {
  double u = urand(s), v = urand(s);
  if (u < 1e-300) u = 1e-300;
  return (float)(sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v));
}

static double rms(const float *x, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++) s += (double)x[i] * x[i];
  return sqrt(s / (double)n);
}

static double rms_diff(const float *a, const float *b, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++) s += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
  return sqrt(s / (double)n);
}

static int all_finite(const float *x, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isfinite(x[i])) return 0;
  return 1;
}

/* Round trip through type; returns RMS error (or -1 on failure). out gets the decode. */
static double roundtrip(uint32_t type, const float *x, float *out, uint64_t n) {
  rwkv_error err = {0};
  uint64_t bytes = rwkv_type_row_bytes(type, n);
  unsigned char *buf = malloc(bytes ? bytes : 1);
  if (!buf) return -1;
  int rc = rwkv_quantize(type, x, buf, n, &err);
  CHECK_OK(rc, &err);
  if (rc == RWKV_OK) {
    rc = rwkv_dequantize(type, buf, out, n, &err);
    CHECK_OK(rc, &err);
  }
  free(buf);
  return rc == RWKV_OK ? rms_diff(x, out, n) : -1;
}

/* ---------------------------------------------------------------------- */

static void test_table(void) {
  static const struct { uint32_t id; const char *name; uint32_t block, bytes; } want[] = {
      {RWKV_TYPE_F32, "f32", 1, 4},       {RWKV_TYPE_F16, "f16", 1, 2},
      {RWKV_TYPE_BF16, "bf16", 1, 2},     {RWKV_TYPE_Q8_0, "q8_0", 32, 34},
      {RWKV_TYPE_Q4_0, "q4_0", 32, 18},   {RWKV_TYPE_Q4_1, "q4_1", 32, 20},
      {RWKV_TYPE_Q5_0, "q5_0", 32, 22},   {RWKV_TYPE_Q5_1, "q5_1", 32, 24},
      {RWKV_TYPE_Q2_K, "q2_K", 256, 84},  {RWKV_TYPE_Q3_K, "q3_K", 256, 110},
      {RWKV_TYPE_Q4_K, "q4_K", 256, 144}, {RWKV_TYPE_Q5_K, "q5_K", 256, 176},
      {RWKV_TYPE_Q6_K, "q6_K", 256, 210},
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    const rwkv_type_info *t = rwkv_type_get(want[i].id);
    CHECK_MSG(t && t->id == want[i].id && !strcmp(t->name, want[i].name) && t->block == want[i].block &&
                  t->bytes == want[i].bytes,
              "type %u", want[i].id);
    CHECK(rwkv_type_by_name(want[i].name) == t);
    CHECK_MSG(rwkv_type_is_float(want[i].id) == (want[i].block == 1), "type %u is_float", want[i].id);
  }
  static const uint32_t unknown[] = {4, 5, 9, 15, 16, 29, 31, 39, 40, 1000, UINT32_MAX};
  for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
    CHECK(rwkv_type_get(unknown[i]) == NULL && !rwkv_type_is_float(unknown[i]));

  CHECK(rwkv_type_by_name("Q4_K") == rwkv_type_get(RWKV_TYPE_Q4_K));
  CHECK(rwkv_type_by_name("q4_k") == rwkv_type_get(RWKV_TYPE_Q4_K));
  CHECK(rwkv_type_by_name("F16") == rwkv_type_get(RWKV_TYPE_F16));
  CHECK(rwkv_type_by_name("BF16") == rwkv_type_get(RWKV_TYPE_BF16));
  CHECK(rwkv_type_by_name("Q8_0") == rwkv_type_get(RWKV_TYPE_Q8_0));
  CHECK(rwkv_type_by_name("q4") == NULL);
  CHECK(rwkv_type_by_name("q4_K_M") == NULL);
  CHECK(rwkv_type_by_name("q4_2") == NULL);
  CHECK(rwkv_type_by_name("f3") == NULL);
  CHECK(rwkv_type_by_name("f32 ") == NULL);
  CHECK(rwkv_type_by_name("") == NULL);
  CHECK(rwkv_type_by_name(NULL) == NULL);

  /* row bytes: multiples, non-multiples, unknown types, overflow */
  CHECK(rwkv_type_row_bytes(RWKV_TYPE_F32, 7) == 28);
  CHECK(rwkv_type_row_bytes(RWKV_TYPE_F16, 3) == 6);
  CHECK(rwkv_type_row_bytes(RWKV_TYPE_Q4_0, 32) == 18);
  CHECK(rwkv_type_row_bytes(RWKV_TYPE_Q4_0, 64) == 36);
  CHECK(rwkv_type_row_bytes(RWKV_TYPE_Q4_0, 33) == 0);
  CHECK(rwkv_type_row_bytes(RWKV_TYPE_Q4_0, 16) == 0);
  CHECK(rwkv_type_row_bytes(RWKV_TYPE_Q4_K, 256) == 144);
  CHECK(rwkv_type_row_bytes(RWKV_TYPE_Q6_K, 4096) == 16 * 210);
  CHECK(rwkv_type_row_bytes(RWKV_TYPE_Q6_K, 4096 + 32) == 0);
  CHECK(rwkv_type_row_bytes(RWKV_TYPE_Q4_K, 0) == 0);
  CHECK(rwkv_type_row_bytes(5, 32) == 0);
  CHECK(rwkv_type_row_bytes(RWKV_TYPE_F32, UINT64_MAX) == 0);
  CHECK(rwkv_type_row_bytes(RWKV_TYPE_F32, UINT64_MAX / 4) == UINT64_MAX / 4 * 4);
  CHECK(rwkv_type_row_bytes(RWKV_TYPE_F32, UINT64_MAX / 4 + 1) == 0);
  CHECK(rwkv_type_row_bytes(RWKV_TYPE_F16, (uint64_t)1 << 63) == 0);
  CHECK(rwkv_type_row_bytes(RWKV_TYPE_F16, ((uint64_t)1 << 63) - 1) == UINT64_MAX - 1);
  /* Q8_0: 34 bytes per 32 elements; a block count of UINT64_MAX/34 + 1 overflows */
  CHECK(rwkv_type_row_bytes(RWKV_TYPE_Q8_0, (UINT64_MAX / 34) * 32) == (UINT64_MAX / 34) * 34);
  CHECK(rwkv_type_row_bytes(RWKV_TYPE_Q8_0, (UINT64_MAX / 34 + 1) * 32) == 0);
  /* Q6_K stores 210 bytes per 256 elements: the largest multiple of 256 fits */
  CHECK(rwkv_type_row_bytes(RWKV_TYPE_Q6_K, UINT64_MAX / 256 * 256) == UINT64_MAX / 256 * 210);
  CHECK(rwkv_type_row_bytes(RWKV_TYPE_BF16, UINT64_MAX) == 0);
}

/* ---------------------------------------------------------------------- */

/* Half: exact value of h (finite). */
static double hval(uint16_t h) { return (double)rwkv_f16_to_f32(h); }

static void test_f16(void) {
  CHECK(rwkv_f32_to_f16(0.0f) == 0x0000);
  CHECK(rwkv_f32_to_f16(-0.0f) == 0x8000);
  CHECK(rwkv_f32_to_f16(1.0f) == 0x3c00);
  CHECK(rwkv_f32_to_f16(-2.0f) == 0xc000);
  CHECK(rwkv_f32_to_f16(65504.0f) == 0x7bff);
  CHECK(rwkv_f32_to_f16(65519.996f) == 0x7bff); /* just below the midpoint to inf */
  CHECK(rwkv_f32_to_f16(65520.0f) == 0x7c00);   /* the midpoint ties away to inf (even) */
  CHECK(rwkv_f32_to_f16(1e10f) == 0x7c00);
  CHECK(rwkv_f32_to_f16(-1e10f) == 0xfc00);
  CHECK(rwkv_f32_to_f16(INFINITY) == 0x7c00);
  CHECK(rwkv_f32_to_f16(-INFINITY) == 0xfc00);
  uint16_t hn = rwkv_f32_to_f16(NAN);
  CHECK((hn & 0x7c00) == 0x7c00 && (hn & 0x3ff) != 0);
  hn = rwkv_f32_to_f16(u2f(0x7f800001u)); /* signalling nan with a low payload stays nan */
  CHECK((hn & 0x7c00) == 0x7c00 && (hn & 0x3ff) != 0);
  hn = rwkv_f32_to_f16(u2f(0xff800001u));
  CHECK((hn & 0xfc00) == 0xfc00 && (hn & 0x3ff) != 0);
  /* subnormals and ties to even */
  CHECK(rwkv_f32_to_f16(0x1p-24f) == 0x0001);
  CHECK(rwkv_f32_to_f16(0x1p-25f) == 0x0000);        /* tie between 0 and 1 unit: even */
  CHECK(rwkv_f32_to_f16(0x1.8p-25f) == 0x0001);
  CHECK(rwkv_f32_to_f16(0x1.000002p-25f) == 0x0001);
  CHECK(rwkv_f32_to_f16(0x1.8p-24f) == 0x0002);      /* 1.5 units: even */
  CHECK(rwkv_f32_to_f16(0x1.4p-23f) == 0x0002);      /* 2.5 units: even */
  CHECK(rwkv_f32_to_f16(-0x1p-24f) == 0x8001);
  CHECK(rwkv_f32_to_f16(0x1p-14f) == 0x0400);
  CHECK(rwkv_f32_to_f16(0x1p-14f - 0x1p-25f) == 0x0400); /* 1023.5 units round up to the first normal */
  CHECK(rwkv_f32_to_f16(0x1.ff8p-15f) == 0x03ff);
  CHECK(rwkv_f32_to_f16(1e-30f) == 0x0000);
  CHECK(rwkv_f32_to_f16(u2f(1)) == 0x0000);          /* float subnormal */
  CHECK(rwkv_f32_to_f16(1.0f + 0x1p-11f) == 0x3c00); /* tie: even */
  CHECK(rwkv_f32_to_f16(1.0f + 0x3p-11f) == 0x3c02); /* tie: even (up) */
  CHECK(rwkv_f32_to_f16(1.0f + 0x1p-11f + 0x1p-20f) == 0x3c01);
  CHECK(rwkv_f32_to_f16(2047.0f) == 0x67ff);
  CHECK(rwkv_f32_to_f16(2049.0f) == 0x6800); /* tie 2048|2050 -> 2048 */
  CHECK(rwkv_f32_to_f16(2051.0f) == 0x6802); /* tie 2050|2052 -> 2052 */

  /* decode */
  CHECK(rwkv_f16_to_f32(0x0001) == 0x1p-24f);
  CHECK(rwkv_f16_to_f32(0x03ff) == 0x1.ff8p-15f);
  CHECK(rwkv_f16_to_f32(0x0400) == 0x1p-14f);
  CHECK(rwkv_f16_to_f32(0x7bff) == 65504.0f);
  CHECK(rwkv_f16_to_f32(0x3555) == 0x1.554p-2f);
  CHECK(isinf(rwkv_f16_to_f32(0x7c00)) && rwkv_f16_to_f32(0x7c00) > 0);
  CHECK(isinf(rwkv_f16_to_f32(0xfc00)) && rwkv_f16_to_f32(0xfc00) < 0);
  CHECK(isnan(rwkv_f16_to_f32(0x7e00)) && isnan(rwkv_f16_to_f32(0xfc01)));
  CHECK(f2u(rwkv_f16_to_f32(0x8000)) == 0x80000000u);
  CHECK(rwkv_f16_to_f32(0x8001) == -0x1p-24f);

  /* every half round trips (nan stays nan) */
  int bad = 0;
  for (uint32_t h = 0; h < 65536; h++) {
    float f = rwkv_f16_to_f32((uint16_t)h);
    uint16_t back = rwkv_f32_to_f16(f);
    if (isnan(f) ? !((back & 0x7c00) == 0x7c00 && (back & 0x3ff)) : back != h) bad++;
  }
  CHECK_MSG(bad == 0, "%d halves do not round trip", bad);

  /* random floats over the half range: result is the nearest half, ties to even */
  uint64_t s = 12345;
  bad = 0;
  for (int i = 0; i < 200000; i++) {
    float f = (float)((urand(&s) * 2 - 1) * ldexp(1.0, (int)(urand(&s) * 44) - 27));
    if (i % 4 == 0) f = u2f((f2u(f) & ~0x1fffu) | 0x1000u); /* exact ties of normal halves */
    uint16_t h = rwkv_f32_to_f16(f);
    double a = fabs((double)f), v = fabs(hval(h));
    if ((h & 0x7fff) >= 0x7c00) {
      if (a < 65520.0) bad++;
      continue;
    }
    uint16_t m = h & 0x7fff;
    double dn = m > 0 ? fabs(a - hval((uint16_t)(m - 1))) : INFINITY;
    double up = m < 0x7bff ? fabs(a - hval((uint16_t)(m + 1))) : INFINITY;
    double e = fabs(a - v);
    if ((f2u(f) >> 31) != (uint32_t)(h >> 15) || e > dn || e > up || ((e == dn || e == up) && (m & 1))) bad++;
  }
  CHECK_MSG(bad == 0, "%d random floats not rounded to the nearest even half", bad);
}

static void test_bf16(void) {
  CHECK(rwkv_f32_to_bf16(1.0f) == 0x3f80);
  CHECK(rwkv_f32_to_bf16(-2.0f) == 0xc000);
  CHECK(rwkv_f32_to_bf16(0.0f) == 0x0000);
  CHECK(rwkv_f32_to_bf16(-0.0f) == 0x8000);
  CHECK(rwkv_f32_to_bf16(INFINITY) == 0x7f80);
  CHECK(rwkv_f32_to_bf16(-INFINITY) == 0xff80);
  uint16_t n = rwkv_f32_to_bf16(NAN);
  CHECK((n & 0x7f80) == 0x7f80 && (n & 0x7f) != 0);
  n = rwkv_f32_to_bf16(u2f(0x7f800001u)); /* payload only in the dropped bits: must stay nan */
  CHECK((n & 0x7f80) == 0x7f80 && (n & 0x7f) != 0);
  n = rwkv_f32_to_bf16(u2f(0xffffffffu));
  CHECK((n & 0xff80) == 0xff80 && (n & 0x7f) != 0);
  CHECK(rwkv_f32_to_bf16(u2f(0x3f808000u)) == 0x3f80); /* tie: even */
  CHECK(rwkv_f32_to_bf16(u2f(0x3f818000u)) == 0x3f82); /* tie: even (up) */
  CHECK(rwkv_f32_to_bf16(u2f(0x3f808001u)) == 0x3f81);
  CHECK(rwkv_f32_to_bf16(u2f(0x3f807fffu)) == 0x3f80);
  CHECK(rwkv_f32_to_bf16(FLT_MAX) == 0x7f80);           /* rounds up to inf */
  CHECK(rwkv_f32_to_bf16(u2f(0x7f7f7fffu)) == 0x7f7f);
  CHECK(rwkv_f32_to_bf16(u2f(0x00008000u)) == 0x0000); /* subnormal tie: even */
  CHECK(rwkv_f32_to_bf16(u2f(0x00018000u)) == 0x0002);
  CHECK(rwkv_f32_to_bf16(u2f(0x80010000u)) == 0x8001);
  CHECK(rwkv_bf16_to_f32(0x3f80) == 1.0f);
  CHECK(rwkv_bf16_to_f32(0x0001) == u2f(0x00010000u));
  CHECK(isinf(rwkv_bf16_to_f32(0xff80)) && rwkv_bf16_to_f32(0xff80) < 0);
  CHECK(isnan(rwkv_bf16_to_f32(0x7fc0)));
  int bad = 0;
  for (uint32_t h = 0; h < 65536; h++) {
    float f = rwkv_bf16_to_f32((uint16_t)h);
    uint16_t back = rwkv_f32_to_bf16(f);
    if (isnan(f) ? !((back & 0x7f80) == 0x7f80 && (back & 0x7f)) : back != h) bad++;
  }
  CHECK_MSG(bad == 0, "%d bf16 values do not round trip", bad);
}

/* ---------------------------------------------------------------------- */

/* ggml's reference vectors. */
static void test_vectors(void) {
  rwkv_error err = {0};
  gguf_file *g = NULL;
  int rc = gguf_open(test_data("quant-vectors.gguf"), &g, &err);
  CHECK_OK(rc, &err);
  if (rc) return;
  const gguf_tensor *mf = gguf_find_tensor(g, "m.f32"), *xt = gguf_find_tensor(g, "x");
  CHECK(mf && xt && mf->type == RWKV_TYPE_F32 && xt->type == RWKV_TYPE_F32);
  if (!mf || !xt) {
    gguf_close(g);
    return;
  }
  CHECK(mf->ne[0] == 512 && mf->ne[1] == 16 && xt->ne[0] == 512);
  const uint64_t K = 512, R = 16, N = K * R;
  float *m32 = malloc(N * 4), *x = malloc(K * 4), *deq = malloc(N * 4), *mine = malloc(N * 4);
  void *qbuf = malloc(N * 4);
  memcpy(m32, mf->data, N * 4);
  memcpy(x, xt->data, K * 4);
  const double rms_m = rms(m32, N);

  static const char *names[] = {"f16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1",
                                "q2_K", "q3_K", "q4_K", "q5_K", "q6_K"};
  /* Round-trip RMS error bounds, relative to RMS(m.f32). A b-bit uniform
   * quantizer with step D has RMS error D/sqrt(12); for blocks of 32 Gaussian
   * values (amax about 2.1 sigma) D = 2*amax / (2^b - 1), i.e. about 0.5% (8 bit),
   * 3.5% (5 bit), 7% (4 bit), 15% (3 bit), 30% (2 bit) of sigma. m.f32 has x4
   * outliers: a block holding one has a 2-4x larger step, which lifts the
   * matrix-wide error to about 1.8x those figures (ggml's own quantizers measure
   * q8_0 0.87%, q4_0 13.7%, q4_1 9.5%, q5_0 6.9%, q5_1 4.7%, q2_K 34.8%,
   * q3_K 20.3%, q4_K 8.9%, q5_K 4.5%, q6_K 2.5% here). Affine types (scale +
   * min) and the K-quants' 16/32-element sub-blocks beat the plain estimate.
   * Bounds: those ggml figures + 25%; f16 / bf16: half an ulp at 11 / 8
   * significant bits (2^-12 / sqrt(3) ~ 1.4e-4 and 2^-9 / sqrt(3) ~ 1.1e-3 of
   * the value) with the same margin. In addition our error must not exceed
   * ggml's own by more than 5% (measured: ours is lower for every type). */
  static const double bound[] = {0.0003, 0.002, 0.011, 0.17, 0.12,  0.087,
                                 0.059,  0.44,  0.25,  0.112, 0.057, 0.032};
  for (size_t t = 0; t < sizeof names / sizeof names[0]; t++) {
    char nm[32], nd[32], ny[32];
    snprintf(nm, sizeof nm, "m.%s", names[t]);
    snprintf(nd, sizeof nd, "m.%s.deq", names[t]);
    snprintf(ny, sizeof ny, "y.%s", names[t]);
    const gguf_tensor *tq = gguf_find_tensor(g, nm), *td = gguf_find_tensor(g, nd), *ty = gguf_find_tensor(g, ny);
    const rwkv_type_info *ti = rwkv_type_by_name(names[t]);
    CHECK_MSG(tq && td && ty && ti, "%s missing", names[t]);
    if (!tq || !td || !ty || !ti) continue;
    CHECK_MSG(tq->type == ti->id, "%s type %u", nm, tq->type);
    CHECK_MSG(tq->size == rwkv_type_row_bytes(ti->id, K) * R, "%s size %llu", nm, (unsigned long long)tq->size);
    const float *ref = (const float *)td->data, *yref = (const float *)ty->data;

    /* 1. dequantization: bit exact */
    rc = rwkv_dequantize(ti->id, tq->data, deq, N, &err);
    CHECK_OK(rc, &err);
    uint64_t mism = 0;
    double maxrel = 0;
    for (uint64_t i = 0; i < N; i++) {
      if (f2u(deq[i]) != f2u(ref[i])) mism++;
      double d = fabs((double)deq[i] - ref[i]) / fmax(fabs((double)ref[i]), 1e-30);
      if (d > maxrel) maxrel = d;
    }
    CHECK_MSG(mism == 0, "%s: %llu of %llu values differ from ggml (max rel %g)", nm, (unsigned long long)mism,
              (unsigned long long)N, maxrel);

    /* 2. matvec in double: per row through rwkv_dot_row == y.t */
    const uint64_t row_bytes = rwkv_type_row_bytes(ti->id, K);
    double maxy = 0;
    for (uint64_t r = 0; r < R; r++) {
      double y = 0;
      rc = rwkv_dot_row(ti->id, (const uint8_t *)tq->data + r * row_bytes, x, K, &y, &err);
      CHECK_OK(rc, &err);
      double e = fabs(y - yref[r]) / fmax(fabs((double)yref[r]), 1e-6);
      if (e > maxy) maxy = e;
    }
    CHECK_MSG(maxy <= 1e-5, "%s: matvec rel error %g", ny, maxy);

    /* 3. our quantizer: F16/BF16 are deterministic, so must equal ggml's bytes */
    rc = rwkv_quantize(ti->id, m32, qbuf, N, &err);
    CHECK_OK(rc, &err);
    if (ti->block == 1) CHECK_MSG(!memcmp(qbuf, tq->data, tq->size), "%s: our rounding differs from ggml", nm);
    rc = rwkv_dequantize(ti->id, qbuf, mine, N, &err);
    CHECK_OK(rc, &err);
    double e_ours = rms_diff(m32, mine, N) / rms_m, e_ggml = rms_diff(m32, ref, N) / rms_m;
    printf("  %-5s dequant exact %s, matvec rel %.1e, rms error ours %.5f ggml %.5f\n", names[t],
           mism ? "NO" : "yes", maxy, e_ours, e_ggml);
    CHECK(all_finite(mine, N));
    CHECK_MSG(e_ours <= bound[t], "%s: round trip rms error %.5f > %.5f", names[t], e_ours, bound[t]);
    CHECK_MSG(e_ours <= e_ggml * 1.05, "%s: our error %.5f vs ggml's %.5f", names[t], e_ours, e_ggml);
  }
  free(m32);
  free(x);
  free(deq);
  free(mine);
  free(qbuf);
  gguf_close(g);
}

/* ---------------------------------------------------------------------- */

static void test_edges(void) {
  enum { N = 1024 };
  float *x = malloc(N * 4), *y = malloc(N * 4);
  uint64_t s = 777;
  for (size_t t = 0; t < N_QUANT; t++) {
    const uint32_t type = k_quant_types[t];
    const char *nm = rwkv_type_get(type)->name;

    /* all zeros decode to exact zeros */
    memset(x, 0, N * 4);
    CHECK_MSG(roundtrip(type, x, y, N) == 0.0 && all_finite(y, N), "%s zeros", nm);

    /* constant blocks: only the half rounding of the scales (11 significant
     * bits, and the 6-bit sub-scale codes of the K-quants: below 2e-3) */
    const float consts[] = {0.37f, -2.5f, 1000.0f, -0.3f};
    for (size_t c = 0; c < 4; c++) {
      for (int i = 0; i < N; i++) x[i] = consts[c];
      double e = roundtrip(type, x, y, N) / fabs(consts[c]);
      CHECK_MSG(e >= 0 && e < 2e-3 && all_finite(y, N), "%s constant %g: rel error %g", nm, consts[c], e);
    }
    /* a tiny constant puts the K-quants' super-block scale (c / 4096 for Q6_K)
     * among half subnormals (step 2^-24 ~ 6e-8): a few % at most */
    for (int i = 0; i < N; i++) x[i] = -1e-3f;
    double etiny = roundtrip(type, x, y, N) / 1e-3;
    CHECK_MSG(etiny >= 0 && etiny < 0.03 && all_finite(y, N), "%s constant -1e-3: rel error %g", nm, etiny);

    /* Gaussian blocks, one huge outlier: the outlier survives within 1% */
    for (int i = 0; i < N; i++) x[i] = nrand(&s);
    x[300] = 1000.0f;
    x[700] = -1000.0f;
    CHECK(roundtrip(type, x, y, N) >= 0);
    CHECK_MSG(all_finite(y, N) && fabsf(y[300] - 1000.0f) < 10.0f && fabsf(y[700] + 1000.0f) < 10.0f,
              "%s outlier: %g %g", nm, y[300], y[700]);

    /* negative-only and positive-only data: within 2x the Gaussian RMS bound of
     * the type (the range is the same kind of spread) */
    double eg = 0;
    for (int i = 0; i < N; i++) x[i] = nrand(&s);
    eg = roundtrip(type, x, y, N) / rms(x, N);
    for (int sign = -1; sign <= 1; sign += 2) {
      for (int i = 0; i < N; i++) x[i] = (float)sign * (1.0f + 2.0f * (float)urand(&s));
      double e = roundtrip(type, x, y, N) / rms(x, N);
      CHECK_MSG(e >= 0 && e < 2 * eg && all_finite(y, N), "%s sign %d: rel error %g (gaussian %g)", nm, sign, e,
                eg);
    }

    /* tiny values: float subnormals and values below half's range give finite
     * output no larger than the input's magnitude (scales underflow to zero) */
    for (int i = 0; i < N; i++) x[i] = nrand(&s) * 1e-39f;
    CHECK(roundtrip(type, x, y, N) >= 0);
    int ok = all_finite(y, N);
    for (int i = 0; i < N; i++) ok &= fabsf(y[i]) <= 1e-38f;
    CHECK_MSG(ok, "%s subnormal input", nm);
    for (int i = 0; i < N; i++) x[i] = nrand(&s) * 1e-6f;
    CHECK(roundtrip(type, x, y, N) >= 0);
    ok = all_finite(y, N);
    for (int i = 0; i < N; i++) ok &= fabsf(y[i]) <= 1e-5f;
    CHECK_MSG(ok, "%s tiny input", nm);

    /* huge values beyond half range: scales saturate, output stays finite */
    for (int i = 0; i < N; i++) x[i] = nrand(&s) * 1e9f;
    CHECK(roundtrip(type, x, y, N) >= 0);
    CHECK_MSG(all_finite(y, N), "%s huge input", nm);

    /* non-finite input is refused, naming the element */
    rwkv_error err = {0};
    unsigned char q[1024];
    for (int i = 0; i < 256; i++) x[i] = 1.0f;
    x[17] = NAN;
    CHECK_ERR(rwkv_quantize(type, x, q, 256, &err), &err, RWKV_ERR_ARG, "element 17");
    x[17] = -INFINITY;
    CHECK_ERR(rwkv_quantize(type, x, q, 256, &err), &err, RWKV_ERR_ARG, "not finite");
  }
  free(x);
  free(y);
}

/* ---------------------------------------------------------------------- */

static void test_errors_and_dot(void) {
  rwkv_error err = {0};
  float x[512], y[512];
  unsigned char q[2048];
  memset(x, 0, sizeof x);
  memset(q, 0, sizeof q);
  CHECK_ERR(rwkv_dequantize(5, q, y, 32, &err), &err, RWKV_ERR_UNSUPPORTED, "type id 5");
  CHECK_ERR(rwkv_quantize(99, x, q, 32, &err), &err, RWKV_ERR_UNSUPPORTED, "type id 99");
  CHECK_ERR(rwkv_dequantize(RWKV_TYPE_Q4_K, q, y, 255, &err), &err, RWKV_ERR_ARG, "multiple of the block size 256");
  CHECK_ERR(rwkv_quantize(RWKV_TYPE_Q8_0, x, q, 40, &err), &err, RWKV_ERR_ARG, "q8_0");
  CHECK_ERR(rwkv_dequantize(RWKV_TYPE_Q8_0, NULL, y, 32, &err), &err, RWKV_ERR_ARG, "NULL");
  CHECK_ERR(rwkv_quantize(RWKV_TYPE_Q8_0, x, NULL, 32, &err), &err, RWKV_ERR_ARG, "NULL");
  CHECK_ERR(rwkv_dequantize(RWKV_TYPE_F32, q, y, UINT64_MAX / 2, &err), &err, RWKV_ERR_ARG, "overflow");
  double d = 0;
  CHECK_ERR(rwkv_dot_row(RWKV_TYPE_Q4_0, q, x, 31, &d, &err), &err, RWKV_ERR_ARG, "multiple");
  CHECK_ERR(rwkv_dot_row(RWKV_TYPE_Q4_0, q, x, 32, NULL, &err), &err, RWKV_ERR_ARG, "NULL");
  CHECK(rwkv_dequantize(RWKV_TYPE_Q4_0, NULL, NULL, 0, NULL) == RWKV_OK);
  CHECK(rwkv_dequantize(5, q, y, 32, NULL) == RWKV_ERR_UNSUPPORTED); /* NULL err is fine */

  /* dot_row == dequantize then sum in double, for every type including float
   * types over a length that is not a multiple of the 256-element chunk */
  uint64_t s = 99;
  for (int i = 0; i < 512; i++) x[i] = nrand(&s);
  const uint32_t all[] = {RWKV_TYPE_F32, RWKV_TYPE_F16, RWKV_TYPE_BF16};
  for (size_t t = 0; t < N_QUANT + 3; t++) {
    uint32_t type = t < 3 ? all[t] : k_quant_types[t - 3];
    uint64_t n = rwkv_type_get(type)->block == 1 ? 300 : 512;
    CHECK_OK(rwkv_quantize(type, x, q, n, &err), &err);
    CHECK_OK(rwkv_dequantize(type, q, y, n, &err), &err);
    double want = 0;
    for (uint64_t i = 0; i < n; i++) want += (double)y[i] * x[i];
    CHECK_OK(rwkv_dot_row(type, q, x, n, &d, &err), &err);
    CHECK_MSG(d == want, "%s dot %g vs %g", rwkv_type_get(type)->name, d, want);
  }
}

int main(void) {
  test_table();
  test_f16();
  test_bf16();
  test_vectors();
  test_edges();
  test_errors_and_dot();
  return test_result("test_quant");
}
