/* quant.c - ggml tensor types on the CPU: block layouts, dequantization, quantization.
 *
 * Facts (type ids, block structs, bit layouts, the order of float operations in
 * dequantization) are from ggml: ggml/include/ggml.h (enum ggml_type),
 * ggml/src/ggml-common.h (block_q4_0 ... block_q6_K, QK_K = 256, K_SCALE_SIZE = 12)
 * and ggml/src/ggml-quants.c (dequantize_row_*, get_scale_min_k4). The code here
 * is our own. Dequantizers evaluate the same float expressions in the same order
 * as ggml's reference C so that results match bit for bit.
 *
 * The quantizers are our own: per block (or sub-block) a small search over
 * candidate scales, each refitted by least squares, keeping the one with the
 * smallest squared error; super-block scales of the K-quants are then quantized
 * to ggml's scale formats and the elements requantized with the final scales.
 * Every per-block function is pure (no shared state) so callers may quantize
 * disjoint ranges from several threads. */
#include "quant.h"

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#define QK_K 256

/* ------------------------------------------------------------------------ */
/* half / bfloat16                                                           */

static uint32_t f2u(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return u;
}

static float u2f(uint32_t u) {
  float f;
  memcpy(&f, &u, 4);
  return f;
}

float rwkv_f16_to_f32(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  if (exp == 0x1f) return u2f(sign | 0x7f800000u | (mant << 13)); /* inf / nan, payload kept */
  if (exp == 0) {
    /* zero or subnormal: mant * 2^-24 is exact in float */
    float v = (float)mant * 0x1p-24f;
    return sign ? -v : v;
  }
  return u2f(sign | ((exp + 112u) << 23) | (mant << 13));
}

uint16_t rwkv_f32_to_f16(float f) {
  uint32_t u = f2u(f);
  uint16_t sign = (uint16_t)((u >> 16) & 0x8000u);
  u &= 0x7fffffffu;
  if (u >= 0x7f800000u) {
    if (u == 0x7f800000u) return sign | 0x7c00u;
    /* nan: keep the top payload bits, force quiet so it stays a nan */
    return (uint16_t)(sign | 0x7e00u | ((u >> 13) & 0x3ffu));
  }
  if (u >= 0x477ff000u) return sign | 0x7c00u; /* >= 65520 rounds to inf */
  if (u < 0x38800000u) {
    /* result is a half subnormal (or zero): units of 2^-24 */
    uint32_t e = u >> 23;
    if (e < 102) return sign; /* below 2^-25: rounds to zero */
    uint32_t m = (u & 0x7fffffu) | 0x800000u;
    uint32_t shift = 126 - e; /* 14..24 */
    /* round to nearest even without branches: add half-1 plus the kept lsb */
    uint32_t q = (m + (1u << (shift - 1)) - 1u + ((m >> shift) & 1u)) >> shift;
    return (uint16_t)(sign | q);
  }
  /* normal: rebias the exponent, round 13 dropped bits to nearest even; a carry
   * into the exponent is the correct result */
  uint32_t v = u - (112u << 23);
  return (uint16_t)(sign | ((v + 0xfffu + ((v >> 13) & 1u)) >> 13));
}

float rwkv_bf16_to_f32(uint16_t h) { return u2f((uint32_t)h << 16); }

uint16_t rwkv_f32_to_bf16(float f) {
  uint32_t u = f2u(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40u); /* quiet nan */
  return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

static float rd16(const uint8_t *p) { return rwkv_f16_to_f32((uint16_t)(p[0] | (p[1] << 8))); }

static void wr16(uint8_t *p, uint16_t h) {
  p[0] = (uint8_t)(h & 0xff);
  p[1] = (uint8_t)(h >> 8);
}

/* Round to half with saturation (a scale must stay finite: inf * 0 is nan). */
static uint16_t f16_sat(float f) {
  if (f > 65504.0f) f = 65504.0f;
  if (f < -65504.0f) f = -65504.0f;
  return rwkv_f32_to_f16(f);
}

/* Nearest integer (ties to even) of v clamped to [lo, hi], |lo|, |hi| < 2^22;
 * nan gives hi. Adding 1.5 * 2^23 leaves the rounded integer in the low
 * mantissa bits (the classic magic-number rounding), no float->int conversion
 * of an out-of-range value can happen. */
static int qround(float v, int lo, int hi) {
  v = fmaxf((float)lo, fminf((float)hi, v));
  const uint32_t u = f2u(v + 12582912.0f);
  return (int)(u & 0x7fffffu) - 0x400000;
}

/* Same as qround, as a float: used in the candidate loops below, which are
 * written so that the compiler can run the candidates side by side in SIMD
 * lanes (comparisons map to min/max, no float->int conversion). */
static inline float qroundf(float v, float lo, float hi) {
  v = v < lo ? lo : v;
  v = v > hi ? hi : v;
  return (v + 12582912.0f) - 12582912.0f;
}

/* ------------------------------------------------------------------------ */
/* dequantization (ggml-quants.c dequantize_row_*)                          */

static void deq_f32(const uint8_t *s, float *y, uint64_t nb) { memcpy(y, s, nb * 4); }

static void deq_f16(const uint8_t *s, float *y, uint64_t nb) {
  for (uint64_t i = 0; i < nb; i++) y[i] = rd16(s + 2 * i);
}

static void deq_bf16(const uint8_t *s, float *y, uint64_t nb) {
  for (uint64_t i = 0; i < nb; i++) y[i] = rwkv_bf16_to_f32((uint16_t)(s[2 * i] | (s[2 * i + 1] << 8)));
}

/* block_q4_0 {half d; u8 qs[16]}: y[j] = (lo4 - 8) * d, y[j+16] = (hi4 - 8) * d */
static void deq_q4_0(const uint8_t *s, float *y, uint64_t nb) {
  for (uint64_t i = 0; i < nb; i++, s += 18, y += 32) {
    const float d = rd16(s);
    for (int j = 0; j < 16; j++) {
      y[j] = (float)((s[2 + j] & 0x0f) - 8) * d;
      y[j + 16] = (float)((s[2 + j] >> 4) - 8) * d;
    }
  }
}

/* block_q4_1 {half d, m; u8 qs[16]}: y = q * d + m */
static void deq_q4_1(const uint8_t *s, float *y, uint64_t nb) {
  for (uint64_t i = 0; i < nb; i++, s += 20, y += 32) {
    const float d = rd16(s), m = rd16(s + 2);
    for (int j = 0; j < 16; j++) {
      y[j] = (float)(s[4 + j] & 0x0f) * d + m;
      y[j + 16] = (float)(s[4 + j] >> 4) * d + m;
    }
  }
}

static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* block_q5_0 {half d; u8 qh[4]; u8 qs[16]}: bit j of qh is the 5th bit of element j */
static void deq_q5_0(const uint8_t *s, float *y, uint64_t nb) {
  for (uint64_t i = 0; i < nb; i++, s += 22, y += 32) {
    const float d = rd16(s);
    const uint32_t qh = rd32(s + 2);
    for (int j = 0; j < 16; j++) {
      int x0 = (int)((s[6 + j] & 0x0f) | (((qh >> j) & 1u) << 4)) - 16;
      int x1 = (int)((s[6 + j] >> 4) | (((qh >> (j + 16)) & 1u) << 4)) - 16;
      y[j] = (float)x0 * d;
      y[j + 16] = (float)x1 * d;
    }
  }
}

/* block_q5_1 {half d, m; u8 qh[4]; u8 qs[16]} */
static void deq_q5_1(const uint8_t *s, float *y, uint64_t nb) {
  for (uint64_t i = 0; i < nb; i++, s += 24, y += 32) {
    const float d = rd16(s), m = rd16(s + 2);
    const uint32_t qh = rd32(s + 4);
    for (int j = 0; j < 16; j++) {
      uint32_t x0 = (s[8 + j] & 0x0fu) | (((qh >> j) & 1u) << 4);
      uint32_t x1 = (s[8 + j] >> 4) | (((qh >> (j + 16)) & 1u) << 4);
      y[j] = (float)x0 * d + m;
      y[j + 16] = (float)x1 * d + m;
    }
  }
}

/* block_q8_0 {half d; i8 qs[32]} */
static void deq_q8_0(const uint8_t *s, float *y, uint64_t nb) {
  for (uint64_t i = 0; i < nb; i++, s += 34, y += 32) {
    const float d = rd16(s);
    for (int j = 0; j < 32; j++) y[j] = (float)(int8_t)s[2 + j] * d;
  }
}

/* block_q2_K {u8 scales[16]; u8 qs[64]; half d, dmin} (84 bytes). Element i:
 * 2 bits at qs[32*(i/128) + i%32] >> 2*((i%128)/32); scale byte i/16 holds
 * the 4-bit scale (low) and 4-bit min (high): y = d*sc*q - dmin*m. */
static void deq_q2_K(const uint8_t *s, float *y, uint64_t nb) {
  for (uint64_t b = 0; b < nb; b++, s += 84) {
    const float d = rd16(s + 80), dmin = rd16(s + 82);
    for (int j = 0; j < 16; j++) {
      const uint8_t sc = s[j];
      const float dl = d * (float)(sc & 0x0f), ml = dmin * (float)(sc >> 4);
      const uint8_t *qs = s + 16 + 32 * (j / 8) + 16 * (j % 2);
      const int shift = 2 * ((j % 8) / 2);
      for (int l = 0; l < 16; l++) *y++ = dl * (float)((qs[l] >> shift) & 3) - ml;
    }
  }
}

/* 6-bit scale j of a Q3_K block (stored scale + 32): low 4 bits in scales[j % 8]
 * (low nibble for j < 8, high nibble for j >= 8), high 2 bits in
 * scales[8 + j % 4] at bit 2*(j / 4). Same unpacking as ggml's kmask1/kmask2 code. */
static int q3k_scale(const uint8_t *sc, int j) {
  int lo = j < 8 ? (sc[j] & 0x0f) : (sc[j - 8] >> 4);
  int hi = (sc[8 + j % 4] >> (2 * (j / 4))) & 3;
  return (lo | (hi << 4)) - 32;
}

/* block_q3_K {u8 hmask[32]; u8 qs[64]; u8 scales[12]; half d} (110 bytes).
 * Element i: low 2 bits as in Q2_K, high bit hmask[i%32] bit i/32; the value is
 * low2 - (high ? 0 : 4). y = d * (scale - 32) * value. */
static void deq_q3_K(const uint8_t *s, float *y, uint64_t nb) {
  for (uint64_t b = 0; b < nb; b++, s += 110) {
    const float d_all = rd16(s + 108);
    for (int j = 0; j < 16; j++) {
      const float dl = d_all * (float)q3k_scale(s + 96, j);
      /* elements 16j .. 16j+15: i % 32 = 16*(j%2) + l, i / 32 = j / 2 */
      const uint8_t *qs = s + 32 + 32 * (j / 8) + 16 * (j % 2), *hm = s + 16 * (j % 2);
      const int shift = 2 * ((j % 8) / 2), hbit = j / 2;
      for (int l = 0; l < 16; l++) {
        const int lo = (qs[l] >> shift) & 3, hi = (hm[l] >> hbit) & 1;
        *y++ = dl * (float)(lo - (hi ? 0 : 4));
      }
    }
  }
}

/* get_scale_min_k4 of ggml: 8 6-bit scales and mins packed into 12 bytes. */
static void k4_scale_min(int j, const uint8_t *q, int *sc, int *m) {
  if (j < 4) {
    *sc = q[j] & 63;
    *m = q[j + 4] & 63;
  } else {
    *sc = (q[j + 4] & 0x0f) | ((q[j - 4] >> 6) << 4);
    *m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

/* block_q4_K {half d, dmin; u8 scales[12]; u8 qs[128]} (144 bytes). Chunk c of
 * 64: qs[32c + l] low nibble is element 64c + l (sub-block 2c), high nibble
 * element 64c + 32 + l (sub-block 2c+1). y = (d*sc) * q - (dmin*m). */
static void deq_q4_K(const uint8_t *s, float *y, uint64_t nb) {
  for (uint64_t b = 0; b < nb; b++, s += 144) {
    const float d = rd16(s), dmin = rd16(s + 2);
    const uint8_t *q = s + 16;
    for (int c = 0; c < 4; c++, q += 32) {
      int sc, m;
      k4_scale_min(2 * c, s + 4, &sc, &m);
      const float d1 = d * (float)sc, m1 = dmin * (float)m;
      k4_scale_min(2 * c + 1, s + 4, &sc, &m);
      const float d2 = d * (float)sc, m2 = dmin * (float)m;
      for (int l = 0; l < 32; l++) *y++ = d1 * (float)(q[l] & 0x0f) - m1;
      for (int l = 0; l < 32; l++) *y++ = d2 * (float)(q[l] >> 4) - m2;
    }
  }
}

/* block_q5_K {half d, dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]} (176 bytes):
 * like Q4_K with the 5th bit of element 64c + l in qh[l] bit 2c, of element
 * 64c + 32 + l in qh[l] bit 2c+1. */
static void deq_q5_K(const uint8_t *s, float *y, uint64_t nb) {
  for (uint64_t b = 0; b < nb; b++, s += 176) {
    const float d = rd16(s), dmin = rd16(s + 2);
    const uint8_t *qh = s + 16, *ql = s + 48;
    for (int c = 0; c < 4; c++, ql += 32) {
      int sc, m;
      k4_scale_min(2 * c, s + 4, &sc, &m);
      const float d1 = d * (float)sc, m1 = dmin * (float)m;
      k4_scale_min(2 * c + 1, s + 4, &sc, &m);
      const float d2 = d * (float)sc, m2 = dmin * (float)m;
      for (int l = 0; l < 32; l++)
        *y++ = d1 * (float)((ql[l] & 0x0f) + (((qh[l] >> (2 * c)) & 1) << 4)) - m1;
      for (int l = 0; l < 32; l++)
        *y++ = d2 * (float)((ql[l] >> 4) + (((qh[l] >> (2 * c + 1)) & 1) << 4)) - m2;
    }
  }
}

/* block_q6_K {u8 ql[128]; u8 qh[64]; i8 scales[16]; half d} (210 bytes). Half h
 * (128 elements) uses ql[64h..], qh[32h..]; for l < 32 the four elements
 * 128h + l + 32k (k = 0..3) take the low nibble of ql[l], ql[l+32], then the high
 * nibbles, and qh[l] bits 2k..2k+1 as bits 4..5. y = d * sc[i/16] * (q - 32). */
static void deq_q6_K(const uint8_t *s, float *y, uint64_t nb) {
  for (uint64_t b = 0; b < nb; b++, s += 210) {
    const float d = rd16(s + 208);
    const int8_t *sc = (const int8_t *)(s + 192);
    for (int h = 0; h < 2; h++) {
      const uint8_t *ql = s + 64 * h, *qh = s + 128 + 32 * h;
      for (int l = 0; l < 32; l++) {
        const int is = 8 * h + l / 16;
        const int q1 = (int)((ql[l] & 0x0f) | (((qh[l] >> 0) & 3) << 4)) - 32;
        const int q2 = (int)((ql[l + 32] & 0x0f) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int q3 = (int)((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int q4 = (int)((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        y[128 * h + l] = d * (float)sc[is + 0] * (float)q1;
        y[128 * h + l + 32] = d * (float)sc[is + 2] * (float)q2;
        y[128 * h + l + 64] = d * (float)sc[is + 4] * (float)q3;
        y[128 * h + l + 96] = d * (float)sc[is + 6] * (float)q4;
      }
    }
    y += QK_K;
  }
}

/* ------------------------------------------------------------------------ */
/* scale search                                                              */

#define NCAND 8

/* Symmetric fit x ~ d*q, q in [qmin, qmax] (qmin < 0 < qmax). The element of
 * largest magnitude is placed at NCAND candidate positions: six around qmin
 * (-0.45 .. +0.45) and two around qmax; each candidate's q is refitted by least
 * squares (d = sum xq / sum qq, residual sum xx - (sum xq)^2 / sum qq) and the
 * best d returned (0 for an all-zero block). */
static float fit_sym(const float *x, int n, int qmin, int qmax) {
  float mx = 0.0f, amax = 0.0f;
  for (int i = 0; i < n; i++) {
    float a = fabsf(x[i]);
    if (a > amax) {
      amax = a;
      mx = x[i];
    }
  }
  if (!(amax > 0.0f)) return 0.0f;
  static const float off[NCAND] = {-0.45f, -0.27f, -0.09f, 0.09f, 0.27f, 0.45f, 0.4f, -0.2f};
  float id[NCAND], sxq[NCAND], sqq[NCAND];
  for (int k = 0; k < NCAND; k++) {
    const float r = k < 6 ? (float)qmin + off[k] : (float)qmax + off[k];
    id[k] = r / mx; /* 1/d for d = mx / r */
    sxq[k] = sqq[k] = 0.0f;
  }
  const float lo = (float)qmin, hi = (float)qmax;
  for (int i = 0; i < n; i++) {
    const float xi = x[i];
    for (int k = 0; k < NCAND; k++) {
      const float q = qroundf(xi * id[k], lo, hi);
      sxq[k] += xi * q;
      sqq[k] += q * q;
    }
  }
  double best = -1.0;
  float best_d = mx / (float)qmin;
  for (int k = 0; k < NCAND; k++) {
    if (!(sqq[k] > 0.0f)) continue;
    const double gain = (double)sxq[k] * sxq[k] / sqq[k]; /* error = sum xx - gain */
    if (gain > best) {
      best = gain;
      best_d = sxq[k] / sqq[k];
    }
  }
  return best_d;
}

/* Affine fit x ~ d*q + m, q in [0, nmax], d >= 0. With nonpos_m the offset is
 * kept <= 0 (K-quants store -m as an unsigned min). Candidates: offset at the
 * block minimum and range divisors nmax * (0.9 .. 1.3); each refitted by least
 * squares on (d, m). Returns the best pair (float, not yet rounded). */
static void fit_affine(const float *x, int n, int nmax, bool nonpos_m, float *pd, float *pm) {
  float lo = x[0], hi = x[0], sx = 0.0f, sxx = 0.0f;
  for (int i = 0; i < n; i++) {
    lo = x[i] < lo ? x[i] : lo;
    hi = x[i] > hi ? x[i] : hi;
    sx += x[i];
    sxx += x[i] * x[i];
  }
  if (nonpos_m && lo > 0.0f) lo = 0.0f;
  if (!(hi > lo)) {
    *pd = 0.0f;
    *pm = lo;
    return;
  }
  static const float fac[NCAND] = {0.9f, 0.95f, 1.0f, 1.05f, 1.1f, 1.15f, 1.2f, 1.3f};
  float id[NCAND], sq[NCAND], sqq[NCAND], sxq[NCAND];
  for (int k = 0; k < NCAND; k++) {
    id[k] = ((float)nmax * fac[k]) / (hi - lo);
    sq[k] = sqq[k] = sxq[k] = 0.0f;
  }
  const float top = (float)nmax;
  for (int i = 0; i < n; i++) {
    const float xi = x[i], xl = x[i] - lo;
    for (int k = 0; k < NCAND; k++) {
      const float q = qroundf(xl * id[k], 0.0f, top);
      sq[k] += q;
      sqq[k] += q * q;
      sxq[k] += xi * q;
    }
  }
  double best = INFINITY;
  float best_d = (hi - lo) / (float)nmax, best_m = lo;
  for (int k = 0; k < NCAND; k++) {
    /* least squares [sqq sq; sq n] [d; m] = [sxq; sx] */
    const double det = (double)sqq[k] * n - (double)sq[k] * sq[k];
    double d, m;
    if (det > 0.0) {
      d = ((double)sxq[k] * n - (double)sq[k] * sx) / det;
      m = ((double)sqq[k] * sx - (double)sq[k] * sxq[k]) / det;
    } else {
      d = 1.0 / id[k];
      m = lo;
    }
    if (nonpos_m && m > 0.0) {
      m = 0.0;
      d = sqq[k] > 0.0f ? (double)sxq[k] / sqq[k] : 0.0;
    }
    if (d < 0.0) continue;
    const double e = sxx - 2.0 * d * sxq[k] - 2.0 * m * sx + d * d * sqq[k] + 2.0 * d * m * sq[k] + m * m * n;
    if (e < best) {
      best = e;
      best_d = (float)d;
      best_m = (float)m;
    }
  }
  *pd = best_d;
  *pm = best_m;
}

/* ------------------------------------------------------------------------ */
/* quantization                                                              */

static void qnt_f32(const float *x, uint8_t *d, uint64_t nb) { memcpy(d, x, nb * 4); }

static void qnt_f16(const float *x, uint8_t *d, uint64_t nb) {
  for (uint64_t i = 0; i < nb; i++) wr16(d + 2 * i, rwkv_f32_to_f16(x[i]));
}

static void qnt_bf16(const float *x, uint8_t *d, uint64_t nb) {
  for (uint64_t i = 0; i < nb; i++) wr16(d + 2 * i, rwkv_f32_to_bf16(x[i]));
}

/* Symmetric 32-element block: half scale at b, then element codes q - qmin. */
static float sym_block(const float *x, uint8_t *b, int qmin, int qmax, int *q) {
  const uint16_t dh = f16_sat(fit_sym(x, 32, qmin, qmax));
  wr16(b, dh);
  const float d = rwkv_f16_to_f32(dh);
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  for (int i = 0; i < 32; i++) q[i] = qround(x[i] * id, qmin, qmax) - qmin;
  return d;
}

static void qnt_q4_0(const float *x, uint8_t *b, uint64_t nb) {
  for (uint64_t i = 0; i < nb; i++, x += 32, b += 18) {
    int q[32];
    sym_block(x, b, -8, 7, q);
    for (int j = 0; j < 16; j++) b[2 + j] = (uint8_t)(q[j] | (q[j + 16] << 4));
  }
}

static void qnt_q5_0(const float *x, uint8_t *b, uint64_t nb) {
  for (uint64_t i = 0; i < nb; i++, x += 32, b += 22) {
    int q[32];
    sym_block(x, b, -16, 15, q);
    uint32_t qh = 0;
    for (int j = 0; j < 16; j++) {
      b[6 + j] = (uint8_t)((q[j] & 0x0f) | ((q[j + 16] & 0x0f) << 4));
      qh |= (uint32_t)(q[j] >> 4) << j;
      qh |= (uint32_t)(q[j + 16] >> 4) << (j + 16);
    }
    for (int k = 0; k < 4; k++) b[2 + k] = (uint8_t)(qh >> (8 * k));
  }
}

static void qnt_q8_0(const float *x, uint8_t *b, uint64_t nb) {
  for (uint64_t i = 0; i < nb; i++, x += 32, b += 34) {
    int q[32];
    sym_block(x, b, -128, 127, q);
    for (int j = 0; j < 32; j++) b[2 + j] = (uint8_t)(int8_t)(q[j] - 128);
  }
}

/* Affine 32-element block: half d and m at b, b+2; codes in q. */
static void affine_block(const float *x, uint8_t *b, int nmax, int *q) {
  float d, m;
  fit_affine(x, 32, nmax, false, &d, &m);
  const uint16_t dh = f16_sat(d), mh = f16_sat(m);
  wr16(b, dh);
  wr16(b + 2, mh);
  const float df = rwkv_f16_to_f32(dh), mf = rwkv_f16_to_f32(mh);
  const float id = df != 0.0f ? 1.0f / df : 0.0f;
  for (int i = 0; i < 32; i++) q[i] = qround((x[i] - mf) * id, 0, nmax);
}

static void qnt_q4_1(const float *x, uint8_t *b, uint64_t nb) {
  for (uint64_t i = 0; i < nb; i++, x += 32, b += 20) {
    int q[32];
    affine_block(x, b, 15, q);
    for (int j = 0; j < 16; j++) b[4 + j] = (uint8_t)(q[j] | (q[j + 16] << 4));
  }
}

static void qnt_q5_1(const float *x, uint8_t *b, uint64_t nb) {
  for (uint64_t i = 0; i < nb; i++, x += 32, b += 24) {
    int q[32];
    affine_block(x, b, 31, q);
    uint32_t qh = 0;
    for (int j = 0; j < 16; j++) {
      b[8 + j] = (uint8_t)((q[j] & 0x0f) | ((q[j + 16] & 0x0f) << 4));
      qh |= (uint32_t)(q[j] >> 4) << j;
      qh |= (uint32_t)(q[j + 16] >> 4) << (j + 16);
    }
    for (int k = 0; k < 4; k++) b[4 + k] = (uint8_t)(qh >> (8 * k));
  }
}

/* Super-block scale: the half nearest v / levels (saturated), one step larger
 * in magnitude when rounding made it too small for v to reach `levels` codes
 * (the largest sub-scale would otherwise be clipped). v may be negative. */
static uint16_t super_scale(float v, int levels) {
  uint16_t h = f16_sat(v / (float)levels);
  const float d = rwkv_f16_to_f32(h);
  if (d != 0.0f && fabsf(v / d) > (float)(levels > 0 ? levels : -levels) && (h & 0x7fffu) < 0x7bffu) h++;
  return h;
}

/* K-quant with affine sub-blocks (Q2_K: 16 x 16, Q4_K / Q5_K: 8 x 32): fit each
 * sub-block, then quantize its scale and min against the super-block d / dmin
 * (both halves, stored rounded) to smax levels; fill L (scale codes), M (min
 * codes) and the element codes q in [0, nmax]. */
static void kquant_affine(const float *x, int nsub, int sub, int nmax, int smax, uint16_t *dh,
                          uint16_t *dminh, int *L, int *M, int *q) {
  float sc[16], mn[16], max_sc = 0.0f, max_mn = 0.0f;
  for (int j = 0; j < nsub; j++) {
    float d, m;
    fit_affine(x + j * sub, sub, nmax, true, &d, &m);
    sc[j] = d;
    mn[j] = -m; /* >= 0 */
    if (sc[j] > max_sc) max_sc = sc[j];
    if (mn[j] > max_mn) max_mn = mn[j];
  }
  *dh = super_scale(max_sc, smax);
  *dminh = super_scale(max_mn, smax);
  const float d = rwkv_f16_to_f32(*dh), dmin = rwkv_f16_to_f32(*dminh);
  const float id = d > 0.0f ? 1.0f / d : 0.0f, idmin = dmin > 0.0f ? 1.0f / dmin : 0.0f;
  for (int j = 0; j < nsub; j++) {
    const float *xs = x + j * sub;
    const int L0 = qround(sc[j] * id, 0, smax), M0 = qround(mn[j] * idmin, 0, smax);
    /* the rounded codes are a start: try the 3 x 3 neighbours (clamped; a
     * repeated pair is harmless), keep the pair with the least squared error */
    float ds[9], ms[9], ids[9], e[9];
    int cl[9], cm[9];
    for (int c = 0; c < 9; c++) {
      int l = L0 + c / 3 - 1, m = M0 + c % 3 - 1;
      cl[c] = l < 0 ? 0 : l > smax ? smax : l;
      cm[c] = m < 0 ? 0 : m > smax ? smax : m;
      ds[c] = d * (float)cl[c];
      ms[c] = dmin * (float)cm[c];
      ids[c] = ds[c] > 0.0f ? 1.0f / ds[c] : 0.0f;
      e[c] = 0.0f;
    }
    const float top = (float)nmax;
    for (int i = 0; i < sub; i++) {
      const float xi = xs[i];
      for (int c = 0; c < 9; c++) {
        const float r = xi - (ds[c] * qroundf((xi + ms[c]) * ids[c], 0.0f, top) - ms[c]);
        e[c] += r * r;
      }
    }
    int bc = 4; /* (L0, M0) wins ties */
    for (int c = 0; c < 9; c++)
      if (e[c] < e[bc]) bc = c;
    L[j] = cl[bc];
    M[j] = cm[bc];
    const float fm = ms[bc], fid = ids[bc];
    for (int i = 0; i < sub; i++) q[j * sub + i] = qround((xs[i] + fm) * fid, 0, nmax);
  }
}

/* Element i of a 256 block -> position in the 2-bit qs arrays (Q2_K, Q3_K). */
static void pack2(const int *q2, uint8_t *qs) {
  memset(qs, 0, 64);
  for (int i = 0; i < QK_K; i++) qs[32 * (i / 128) + i % 32] |= (uint8_t)((q2[i] & 3) << (2 * ((i % 128) / 32)));
}

static void qnt_q2_K(const float *x, uint8_t *b, uint64_t nb) {
  for (uint64_t k = 0; k < nb; k++, x += QK_K, b += 84) {
    int L[16], M[16], q[QK_K];
    uint16_t dh, dminh;
    kquant_affine(x, 16, 16, 3, 15, &dh, &dminh, L, M, q);
    for (int j = 0; j < 16; j++) b[j] = (uint8_t)(L[j] | (M[j] << 4));
    pack2(q, b + 16);
    wr16(b + 80, dh);
    wr16(b + 82, dminh);
  }
}

/* Inverse of k4_scale_min. */
static void pack_k4_scales(const int *L, const int *M, uint8_t *s) {
  for (int j = 0; j < 4; j++) {
    s[j] = (uint8_t)((L[j] & 63) | ((L[j + 4] >> 4) << 6));
    s[j + 4] = (uint8_t)((M[j] & 63) | ((M[j + 4] >> 4) << 6));
    s[j + 8] = (uint8_t)((L[j + 4] & 0x0f) | ((M[j + 4] & 0x0f) << 4));
  }
}

static void qnt_q4_K(const float *x, uint8_t *b, uint64_t nb) {
  for (uint64_t k = 0; k < nb; k++, x += QK_K, b += 144) {
    int L[8], M[8], q[QK_K];
    uint16_t dh, dminh;
    kquant_affine(x, 8, 32, 15, 63, &dh, &dminh, L, M, q);
    wr16(b, dh);
    wr16(b + 2, dminh);
    pack_k4_scales(L, M, b + 4);
    for (int c = 0; c < 4; c++)
      for (int l = 0; l < 32; l++) b[16 + 32 * c + l] = (uint8_t)(q[64 * c + l] | (q[64 * c + 32 + l] << 4));
  }
}

static void qnt_q5_K(const float *x, uint8_t *b, uint64_t nb) {
  for (uint64_t k = 0; k < nb; k++, x += QK_K, b += 176) {
    int L[8], M[8], q[QK_K];
    uint16_t dh, dminh;
    kquant_affine(x, 8, 32, 31, 63, &dh, &dminh, L, M, q);
    wr16(b, dh);
    wr16(b + 2, dminh);
    pack_k4_scales(L, M, b + 4);
    uint8_t *qh = b + 16, *ql = b + 48;
    memset(qh, 0, 32);
    for (int c = 0; c < 4; c++)
      for (int l = 0; l < 32; l++) {
        const int a = q[64 * c + l], e = q[64 * c + 32 + l];
        ql[32 * c + l] = (uint8_t)((a & 0x0f) | ((e & 0x0f) << 4));
        qh[l] |= (uint8_t)(((a >> 4) << (2 * c)) | ((e >> 4) << (2 * c + 1)));
      }
  }
}

/* K-quant with symmetric 16-element sub-blocks and signed sub-scales (Q3_K:
 * q in [-4, 3], scales in [-32, 31]; Q6_K: q in [-32, 31], scales in [-128, 127]).
 * The sub-scale of largest magnitude maps to the most negative scale code.
 * Fills the super-block half d, scale codes L and element codes q (signed). */
static void kquant_sym(const float *x, int qmin, int qmax, int smin, int smax, uint16_t *dh, int *L,
                       int *q) {
  float sc[16], msc = 0.0f, amsc = 0.0f;
  for (int j = 0; j < 16; j++) {
    sc[j] = fit_sym(x + 16 * j, 16, qmin, qmax);
    if (fabsf(sc[j]) > amsc) {
      amsc = fabsf(sc[j]);
      msc = sc[j];
    }
  }
  *dh = super_scale(msc, smin);
  const float d = rwkv_f16_to_f32(*dh);
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  for (int j = 0; j < 16; j++) {
    const float *xs = x + 16 * j;
    const int L0 = qround(sc[j] * id, smin, smax);
    float ds[3], ids[3], e[3];
    int cl[3];
    for (int c = 0; c < 3; c++) {
      int l = L0 + c - 1;
      cl[c] = l < smin ? smin : l > smax ? smax : l;
      ds[c] = d * (float)cl[c];
      ids[c] = ds[c] != 0.0f ? 1.0f / ds[c] : 0.0f;
      e[c] = 0.0f;
    }
    for (int i = 0; i < 16; i++)
      for (int c = 0; c < 3; c++) {
        const float r = xs[i] - ds[c] * qroundf(xs[i] * ids[c], (float)qmin, (float)qmax);
        e[c] += r * r;
      }
    int bc = 1;
    for (int c = 0; c < 3; c++)
      if (e[c] < e[bc]) bc = c;
    L[j] = cl[bc];
    for (int i = 0; i < 16; i++) q[16 * j + i] = qround(xs[i] * ids[bc], qmin, qmax);
  }
}

static void qnt_q3_K(const float *x, uint8_t *b, uint64_t nb) {
  for (uint64_t k = 0; k < nb; k++, x += QK_K, b += 110) {
    int L[16], q[QK_K];
    uint16_t dh;
    kquant_sym(x, -4, 3, -32, 31, &dh, L, q);
    memset(b, 0, 32); /* hmask */
    for (int i = 0; i < QK_K; i++) {
      q[i] += 4; /* 0..7 */
      if (q[i] & 4) b[i % 32] |= (uint8_t)(1u << (i / 32));
    }
    pack2(q, b + 32);
    uint8_t *s = b + 96;
    memset(s, 0, 12);
    for (int j = 0; j < 16; j++) {
      const int v = L[j] + 32; /* 0..63 */
      if (j < 8)
        s[j] |= (uint8_t)(v & 0x0f);
      else
        s[j - 8] |= (uint8_t)((v & 0x0f) << 4);
      s[8 + j % 4] |= (uint8_t)((v >> 4) << (2 * (j / 4)));
    }
    wr16(b + 108, dh);
  }
}

static void qnt_q6_K(const float *x, uint8_t *b, uint64_t nb) {
  for (uint64_t k = 0; k < nb; k++, x += QK_K, b += 210) {
    int L[16], q[QK_K];
    uint16_t dh;
    kquant_sym(x, -32, 31, -128, 127, &dh, L, q);
    memset(b + 128, 0, 64);
    for (int h = 0; h < 2; h++) {
      uint8_t *ql = b + 64 * h, *qh = b + 128 + 32 * h;
      for (int l = 0; l < 32; l++) {
        const int *e = q + 128 * h + l;
        const int q1 = e[0] + 32, q2 = e[32] + 32, q3 = e[64] + 32, q4 = e[96] + 32;
        ql[l] = (uint8_t)((q1 & 0x0f) | ((q3 & 0x0f) << 4));
        ql[l + 32] = (uint8_t)((q2 & 0x0f) | ((q4 & 0x0f) << 4));
        qh[l] = (uint8_t)((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6));
      }
    }
    for (int j = 0; j < 16; j++) b[192 + j] = (uint8_t)(int8_t)L[j];
    wr16(b + 208, dh);
  }
}

/* ------------------------------------------------------------------------ */
/* type table                                                                */

typedef struct qtype {
  rwkv_type_info info;
  void (*deq)(const uint8_t *src, float *dst, uint64_t nblocks);
  void (*qnt)(const float *src, uint8_t *dst, uint64_t nblocks);
} qtype;

/* sizes: ggml-common.h static_asserts (e.g. block_q4_K = 2*2 + 12 + 128) */
static const qtype k_types[] = {
    {{RWKV_TYPE_F32, "f32", 1, 4}, deq_f32, qnt_f32},
    {{RWKV_TYPE_F16, "f16", 1, 2}, deq_f16, qnt_f16},
    {{RWKV_TYPE_Q4_0, "q4_0", 32, 18}, deq_q4_0, qnt_q4_0},
    {{RWKV_TYPE_Q4_1, "q4_1", 32, 20}, deq_q4_1, qnt_q4_1},
    {{RWKV_TYPE_Q5_0, "q5_0", 32, 22}, deq_q5_0, qnt_q5_0},
    {{RWKV_TYPE_Q5_1, "q5_1", 32, 24}, deq_q5_1, qnt_q5_1},
    {{RWKV_TYPE_Q8_0, "q8_0", 32, 34}, deq_q8_0, qnt_q8_0},
    {{RWKV_TYPE_Q2_K, "q2_K", QK_K, 84}, deq_q2_K, qnt_q2_K},
    {{RWKV_TYPE_Q3_K, "q3_K", QK_K, 110}, deq_q3_K, qnt_q3_K},
    {{RWKV_TYPE_Q4_K, "q4_K", QK_K, 144}, deq_q4_K, qnt_q4_K},
    {{RWKV_TYPE_Q5_K, "q5_K", QK_K, 176}, deq_q5_K, qnt_q5_K},
    {{RWKV_TYPE_Q6_K, "q6_K", QK_K, 210}, deq_q6_K, qnt_q6_K},
    {{RWKV_TYPE_BF16, "bf16", 1, 2}, deq_bf16, qnt_bf16},
};

static const qtype *find_type(uint32_t type) {
  for (size_t i = 0; i < sizeof k_types / sizeof k_types[0]; i++)
    if (k_types[i].info.id == type) return &k_types[i];
  return NULL;
}

const rwkv_type_info *rwkv_type_get(uint32_t type) {
  const qtype *t = find_type(type);
  return t ? &t->info : NULL;
}

const rwkv_type_info *rwkv_type_by_name(const char *name) {
  if (!name) return NULL;
  for (size_t i = 0; i < sizeof k_types / sizeof k_types[0]; i++) {
    const char *a = k_types[i].info.name, *b = name;
    while (*a && *b && tolower((unsigned char)*a) == tolower((unsigned char)*b)) a++, b++;
    if (!*a && !*b) return &k_types[i].info;
  }
  return NULL;
}

int rwkv_type_is_float(uint32_t type) {
  return type == RWKV_TYPE_F32 || type == RWKV_TYPE_F16 || type == RWKV_TYPE_BF16;
}

uint64_t rwkv_type_row_bytes(uint32_t type, uint64_t n) {
  const qtype *t = find_type(type);
  if (!t || n % t->info.block) return 0;
  const uint64_t nb = n / t->info.block;
  if (nb > UINT64_MAX / t->info.bytes) return 0;
  return nb * t->info.bytes;
}

static int check_args(const qtype *t, uint32_t type, const void *a, const void *b, uint64_t n,
                      const char *what, rwkv_error *err) {
  if (!t) return rwkv_errorf(err, RWKV_ERR_UNSUPPORTED, "%s: unsupported tensor type id %u", what, type);
  if (n % t->info.block)
    return rwkv_errorf(err, RWKV_ERR_ARG, "%s %s: %llu elements is not a multiple of the block size %u",
                       what, t->info.name, (unsigned long long)n, t->info.block);
  if (rwkv_type_row_bytes(type, n) == 0 && n != 0)
    return rwkv_errorf(err, RWKV_ERR_ARG, "%s %s: %llu elements overflow a byte size", what,
                       t->info.name, (unsigned long long)n);
  if (n && (!a || !b))
    return rwkv_errorf(err, RWKV_ERR_ARG, "%s %s: NULL buffer for %llu elements", what, t->info.name,
                       (unsigned long long)n);
  return RWKV_OK;
}

int rwkv_dequantize(uint32_t type, const void *src, float *dst, uint64_t n, rwkv_error *err) {
  const qtype *t = find_type(type);
  int rc = check_args(t, type, src, dst, n, "dequantize", err);
  if (rc) return rc;
  if (n) t->deq((const uint8_t *)src, dst, n / t->info.block);
  return RWKV_OK;
}

int rwkv_quantize(uint32_t type, const float *src, void *dst, uint64_t n, rwkv_error *err) {
  const qtype *t = find_type(type);
  int rc = check_args(t, type, src, dst, n, "quantize", err);
  if (rc) return rc;
  if (t->info.block > 1) {
    /* block scales are fitted on finite data only: reject inf / nan up front */
    for (uint64_t i = 0; i < n; i++)
      if (!isfinite(src[i]))
        return rwkv_errorf(err, RWKV_ERR_ARG, "quantize %s: element %llu is not finite (%g)",
                           t->info.name, (unsigned long long)i, (double)src[i]);
  }
  if (n) t->qnt(src, (uint8_t *)dst, n / t->info.block);
  return RWKV_OK;
}

int rwkv_dot_row(uint32_t type, const void *row, const float *x, uint64_t n, double *out,
                 rwkv_error *err) {
  const qtype *t = find_type(type);
  int rc = check_args(t, type, row, x, n, "dot_row", err);
  if (rc) return rc;
  if (!out) return rwkv_errorf(err, RWKV_ERR_ARG, "dot_row %s: NULL output", t->info.name);
  /* dequantize a chunk of whole blocks (at most 256 elements) at a time */
  const uint64_t chunk = t->info.block > 1 ? t->info.block : 256;
  const uint8_t *src = (const uint8_t *)row;
  float buf[QK_K];
  double acc = 0.0;
  for (uint64_t i = 0; i < n; i += chunk) {
    const uint64_t m = n - i < chunk ? n - i : chunk;
    t->deq(src, buf, m / t->info.block);
    src += m / t->info.block * t->info.bytes;
    for (uint64_t j = 0; j < m; j++) acc += (double)buf[j] * (double)x[i + j];
  }
  *out = acc;
  return RWKV_OK;
}
