// common.glsl - helpers shared by every compute shader (prepended by rwkv_gpu_program
// after "#version 310 es" and the caller's #defines, before the shader body).
//
// Extensions: #extension lines must precede any code, so they are switched on
// here from defines: RWKV_SUBGROUP (GL_KHR_shader_subgroup basic + arithmetic).
// Other shaders needing other extensions pass "#extension ..." in their defines.
//
// Packed weights: a shader that #defines RWKV_WEIGHT_BINDING <n> gets a readonly
// uint[] SSBO `rwkv_w` at that binding holding ggml blocks exactly as stored in
// GGUF, plus byte-address helpers and per-type decoders. Block layouts follow
// ggml's ggml/src/ggml-common.h (block_q4_0 ... block_q6_K) and the reference
// decoders dequantize_row_* in ggml/src/ggml-quants.c (facts only; code is ours).
// Buffers must be padded by at least 8 bytes past the last block (w_u32 may
// touch the next word).
#ifdef RWKV_SUBGROUP
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#endif

precision highp float;
precision highp int;

// ggml type ids (ggml.h enum ggml_type).
#define RWKV_T_F32 0
#define RWKV_T_F16 1
#define RWKV_T_Q4_0 2
#define RWKV_T_Q4_1 3
#define RWKV_T_Q5_0 6
#define RWKV_T_Q5_1 7
#define RWKV_T_Q8_0 8
#define RWKV_T_Q2_K 10
#define RWKV_T_Q3_K 11
#define RWKV_T_Q4_K 12
#define RWKV_T_Q5_K 13
#define RWKV_T_Q6_K 14
#define RWKV_T_BF16 30

float f16_to_f32(uint h) { return unpackHalf2x16(h).x; }
float bf16_to_f32(uint h) { return uintBitsToFloat(h << 16); }
// Four bf16 of two words (a's low, a's high, b's low, b's high) as floats.
vec4 bf16x4(uint a, uint b) {
  return uintBitsToFloat(uvec4(a << 16, a & 0xFFFF0000u, b << 16, b & 0xFFFF0000u));
}
// Four unsigned / signed bytes of a word as floats, lowest byte first. u8x4 needs no
// int-to-float conversion (quarter rate on NVIDIA): 2^23 + b holds b in its mantissa, exactly.
vec4 u8x4(uint u) {
  return uintBitsToFloat((uvec4(u, u >> 8, u >> 16, u >> 24) & 0xFFu) | 0x4B000000u) - 8388608.0;
}
// The same bytes (each below 2^B, B a constant) as 1 + b / 2^B: b lands in the top B bits
// of a 1.0's mantissa, so a shift and a mask-or per element and no subtraction (the decode
// kernel's unit decoders fold the 1 and the 2^B into their scale and min; mmu_quad).
vec4 u8x4_frac(uint u, uint B) {
  uint m = ((1u << B) - 1u) << (23u - B);
  return uintBitsToFloat((uvec4(u << (23u - B), u << (15u - B), u << (7u - B), u >> (B + 1u)) & m) |
                         0x3F800000u);
}
vec4 s8x4(uint u) {
  int i = int(u);
  return vec4(bitfieldExtract(i, 0, 8), bitfieldExtract(i, 8, 8), bitfieldExtract(i, 16, 8),
              bitfieldExtract(i, 24, 8));
}
// Bits b, b+1, b+2, b+3 of u as 0/1 floats.
vec4 bits4(uint u, uint b) { return vec4((uvec4(u) >> (uvec4(0u, 1u, 2u, 3u) + b)) & 1u); }
// q4_K / q5_K 6-bit scale and min of pair j (0..7; ggml get_scale_min_k4) from the block's
// first 16 bytes h (half d, half dmin, then scales[12] in h.y, h.z, h.w): the words of scales
// 0-3 / mins 0-3 and of scales 4-7 / mins 4-7 are formed whole, then j's word is picked with
// masks and shifted so that its byte is the lowest (.x scale, .y min; the bytes above are
// pair j + 1 .. of the same word). No byte picked by a run-time index: NVIDIA compiled that to
// IF trees, which every warp walked when j differed between lanes (the decode kernels).
uvec2 k4_sm_at(uvec4 h, uint j) {
  uvec2 lo = uvec2(h.y, h.z) & 0x3F3F3F3Fu;
  uvec2 hi = (uvec2(h.w, h.w >> 4) & 0x0F0F0F0Fu) | ((uvec2(h.y, h.z) >> 2) & 0x30303030u);
  uvec2 v = lo ^ ((lo ^ hi) & uvec2(0u - ((j >> 2) & 1u)));
  return v >> ((j & 3u) << 3);
}

// Decode's dispatch counters (forward.c dsync): counter i at dsync[DSYNC_STRIDE * i], 128
// bytes apart, so that the waiters polling one do not share its cache line with another's.
// DSYNC_BINDING (a program's define): their buffer at that binding, read coherently and
// afresh at every read (volatile: GLSL lets a compiler keep the first read of a coherent value
// in a loop, and waiters poll them), and dsync_count.
#define DSYNC_STRIDE 32u
#ifdef DSYNC_BINDING
layout(std430, binding = DSYNC_BINDING) coherent volatile buffer Dsync { uint dsync[]; };
// The workgroup done: its stores made visible, then counted in counter slot - 1 (every
// invocation calls it, in uniform control flow).
void dsync_count(uint slot) {
  memoryBarrierBuffer();
  barrier();
  if (gl_LocalInvocationIndex == 0u) atomicAdd(dsync[DSYNC_STRIDE * (slot - 1u)], 1u);
}
#endif

#ifdef RWKV_WEIGHT_BINDING
layout(std430, binding = RWKV_WEIGHT_BINDING) readonly buffer RwkvWeights { uint rwkv_w[]; };

uint w_u8(uint b) { return (rwkv_w[b >> 2] >> ((b & 3u) << 3)) & 0xFFu; }
// b must be even (every half in a ggml block is).
uint w_u16(uint b) { return (rwkv_w[b >> 2] >> ((b & 2u) << 3)) & 0xFFFFu; }
#ifdef RWKV_MM_PACKED
// matmul's upload layout (engine/matmul.c): rows padded to 16 bytes, every block padded
// to 4 bytes and q4_0/q5_0/q8_0 with the scale moved last, so each word the decoders
// read is aligned: one load. rwkv_w4 views the same buffer 16 bytes at a time.
layout(std430, binding = RWKV_WEIGHT_BINDING) readonly buffer RwkvWeights4 { uvec4 rwkv_w4[]; };
uint w_u32(uint b) { return rwkv_w[b >> 2]; }
#else
// Any alignment.
uint w_u32(uint b) {
  uint s = (b & 3u) << 3;
  uint lo = rwkv_w[b >> 2];
  uint hi = rwkv_w[(b >> 2) + 1u];
  return s == 0u ? lo : ((lo >> s) | (hi << (32u - s)));
}
#endif
float w_f16(uint b) { return f16_to_f32(w_u16(b)); }

// ---- whole-group decoders: 8 consecutive elements e0..e0+7 (e0 % 8 == 0) of the
// block at byte offset blk; within a block 8 such elements share one scale. ----

#ifdef RWKV_MM_PACKED
// Packed (matmul) forms: q8_0 = qs[32], d, pad (36 bytes); q4_0 = qs[16], d, pad (20);
// q5_0 = qh[4], qs[16], d, pad (24).
void dq8_q8_0(uint blk, uint e0, out vec4 lo, out vec4 hi) {
  float d = w_f16(blk + 32u);
  lo = d * s8x4(w_u32(blk + e0));
  hi = d * s8x4(w_u32(blk + 4u + e0));
}
void dq8_q4_0(uint blk, uint e0, out vec4 lo, out vec4 hi) {
  float d = w_f16(blk + 16u);
  uint sh = (e0 >> 4) << 2;
  uint b = blk + (e0 & 15u);
  lo = d * (u8x4((w_u32(b) >> sh) & 0x0F0F0F0Fu) - 8.0);
  hi = d * (u8x4((w_u32(b + 4u) >> sh) & 0x0F0F0F0Fu) - 8.0);
}
void dq8_q5_0(uint blk, uint e0, out vec4 lo, out vec4 hi) {
  float d = w_f16(blk + 20u);
  uint qh = w_u32(blk);
  uint sh = (e0 >> 4) << 2;
  uint b = blk + 4u + (e0 & 15u);
  lo = d * (u8x4((w_u32(b) >> sh) & 0x0F0F0F0Fu) + 16.0 * bits4(qh, e0) - 16.0);
  hi = d * (u8x4((w_u32(b + 4u) >> sh) & 0x0F0F0F0Fu) + 16.0 * bits4(qh, e0 + 4u) - 16.0);
}
#else
// block_q8_0: half d; int8 qs[32]  (34 bytes)
void dq8_q8_0(uint blk, uint e0, out vec4 lo, out vec4 hi) {
  float d = w_f16(blk);
  lo = d * s8x4(w_u32(blk + 2u + e0));
  hi = d * s8x4(w_u32(blk + 6u + e0));
}
// block_q4_0: half d; uint8 qs[16]; element j<16 low nibble of qs[j], j>=16 high nibble of qs[j-16]
void dq8_q4_0(uint blk, uint e0, out vec4 lo, out vec4 hi) {
  float d = w_f16(blk);
  uint sh = (e0 >> 4) << 2;
  uint b = blk + 2u + (e0 & 15u);
  lo = d * (u8x4((w_u32(b) >> sh) & 0x0F0F0F0Fu) - 8.0);
  hi = d * (u8x4((w_u32(b + 4u) >> sh) & 0x0F0F0F0Fu) - 8.0);
}
#endif
// block_q4_1: half d; half m; uint8 qs[16]; x = d*q + m  (20 bytes)
void dq8_q4_1(uint blk, uint e0, out vec4 lo, out vec4 hi) {
  float d = w_f16(blk), m = w_f16(blk + 2u);
  uint sh = (e0 >> 4) << 2;
  uint b = blk + 4u + (e0 & 15u);
  lo = d * u8x4((w_u32(b) >> sh) & 0x0F0F0F0Fu) + m;
  hi = d * u8x4((w_u32(b + 4u) >> sh) & 0x0F0F0F0Fu) + m;
}
#ifndef RWKV_MM_PACKED
// block_q5_0: half d; uint8 qh[4]; uint8 qs[16]; 5th bit of element j is bit j of qh (22 bytes)
void dq8_q5_0(uint blk, uint e0, out vec4 lo, out vec4 hi) {
  float d = w_f16(blk);
  uint qh = w_u32(blk + 2u);
  uint sh = (e0 >> 4) << 2;
  uint b = blk + 6u + (e0 & 15u);
  lo = d * (u8x4((w_u32(b) >> sh) & 0x0F0F0F0Fu) + 16.0 * bits4(qh, e0) - 16.0);
  hi = d * (u8x4((w_u32(b + 4u) >> sh) & 0x0F0F0F0Fu) + 16.0 * bits4(qh, e0 + 4u) - 16.0);
}
#endif
// block_q5_1: half d; half m; uint8 qh[4]; uint8 qs[16]; x = d*q + m (24 bytes)
void dq8_q5_1(uint blk, uint e0, out vec4 lo, out vec4 hi) {
  float d = w_f16(blk), m = w_f16(blk + 2u);
  uint qh = w_u32(blk + 4u);
  uint sh = (e0 >> 4) << 2;
  uint b = blk + 8u + (e0 & 15u);
  lo = d * (u8x4((w_u32(b) >> sh) & 0x0F0F0F0Fu) + 16.0 * bits4(qh, e0)) + m;
  hi = d * (u8x4((w_u32(b + 4u) >> sh) & 0x0F0F0F0Fu) + 16.0 * bits4(qh, e0 + 4u)) + m;
}
// block_q2_K: uint8 scales[16] (low 4 bits scale, high 4 bits min); uint8 qs[64]; half d; half dmin
// (84 bytes). Element e: half h = e/128, r = e%128, j = r/32, l = r%32:
// q = (qs[32h+l] >> 2j) & 3, scale index 8h + 2j + l/16; x = d*sc*q - dmin*m.
void dq8_q2_K(uint blk, uint e0, out vec4 lo, out vec4 hi) {
  uint h = e0 >> 7, r = e0 & 127u, j = r >> 5, l = r & 31u;
  uint sc = w_u8(blk + 8u * h + 2u * j + (l >> 4));
  float d = w_f16(blk + 80u) * float(sc & 15u), m = w_f16(blk + 82u) * float(sc >> 4);
  uint b = blk + 16u + 32u * h + l, sh = 2u * j;
  lo = d * u8x4((w_u32(b) >> sh) & 0x03030303u) - m;
  hi = d * u8x4((w_u32(b + 4u) >> sh) & 0x03030303u) - m;
}
// block_q3_K: uint8 hmask[32]; uint8 qs[64]; uint8 scales[12] (16 6-bit scales, bias 32); half d
// (110 bytes). Element e (h, r, j, l as q2_K): q = ((qs[32h+l] >> 2j) & 3) - (hmask[l] bit (4h+j) ? 0 : 4).
// Scale i: low 4 bits from scales[i] (i<8) or scales[i-8]>>4, high 2 bits scales[8+i%4] >> 2(i/4).
int q3k_scale(uint blk, uint i) {
  uint lo4 = i < 8u ? (w_u8(blk + 96u + i) & 15u) : (w_u8(blk + 96u + i - 8u) >> 4);
  uint hi2 = (w_u8(blk + 104u + (i & 3u)) >> (2u * (i >> 2))) & 3u;
  return int(lo4 | (hi2 << 4)) - 32;
}
void dq8_q3_K(uint blk, uint e0, out vec4 lo, out vec4 hi) {
  uint h = e0 >> 7, r = e0 & 127u, j = r >> 5, l = r & 31u;
  float d = w_f16(blk + 108u) * float(q3k_scale(blk, 8u * h + 2u * j + (l >> 4)));
  uint b = blk + 32u + 32u * h + l, sh = 2u * j, hb = 4u * h + j;
  vec4 q0 = u8x4((w_u32(b) >> sh) & 0x03030303u);
  vec4 q1 = u8x4((w_u32(b + 4u) >> sh) & 0x03030303u);
  vec4 m0 = u8x4((w_u32(blk + l) >> hb) & 0x01010101u);
  vec4 m1 = u8x4((w_u32(blk + l + 4u) >> hb) & 0x01010101u);
  lo = d * (q0 + 4.0 * m0 - 4.0);
  hi = d * (q1 + 4.0 * m1 - 4.0);
}
// 6-bit scale/min pair j (0..7) of q4_K/q5_K (k4_sm_at), scales at byte s.
void k4_scale_min(uint s, uint j, out float sc, out float mn) {
  uvec2 v = k4_sm_at(uvec4(0u, w_u32(s), w_u32(s + 4u), w_u32(s + 8u)), j) & 0xFFu;
  sc = float(v.x);
  mn = float(v.y);
}
// block_q4_K: half d; half dmin; uint8 scales[12]; uint8 qs[128] (144 bytes). Element e:
// g = e/64, r = e%64: q = nibble (r>=32 high) of qs[32g + r%32], scale/min pair 2g + r/32.
void dq8_q4_K(uint blk, uint e0, out vec4 lo, out vec4 hi) {
  uint g = e0 >> 6, r = e0 & 63u;
  float sc, mn;
  k4_scale_min(blk + 4u, 2u * g + (r >> 5), sc, mn);
  float d = w_f16(blk) * sc, m = w_f16(blk + 2u) * mn;
  uint b = blk + 16u + 32u * g + (r & 31u), sh = (r >> 5) << 2;
  lo = d * u8x4((w_u32(b) >> sh) & 0x0F0F0F0Fu) - m;
  hi = d * u8x4((w_u32(b + 4u) >> sh) & 0x0F0F0F0Fu) - m;
}
// block_q5_K: half d; half dmin; uint8 scales[12]; uint8 qh[32]; uint8 qs[128] (176 bytes).
// As q4_K plus a 5th bit: bit (2g + r/32) of qh[r%32].
void dq8_q5_K(uint blk, uint e0, out vec4 lo, out vec4 hi) {
  uint g = e0 >> 6, r = e0 & 63u, l = r & 31u, p = 2u * g + (r >> 5);
  float sc, mn;
  k4_scale_min(blk + 4u, p, sc, mn);
  float d = w_f16(blk) * sc, m = w_f16(blk + 2u) * mn;
  uint b = blk + 48u + 32u * g + l, sh = (r >> 5) << 2;
  vec4 h0 = u8x4((w_u32(blk + 16u + l) >> p) & 0x01010101u);
  vec4 h1 = u8x4((w_u32(blk + 20u + l) >> p) & 0x01010101u);
  lo = d * (u8x4((w_u32(b) >> sh) & 0x0F0F0F0Fu) + 16.0 * h0) - m;
  hi = d * (u8x4((w_u32(b + 4u) >> sh) & 0x0F0F0F0Fu) + 16.0 * h1) - m;
}
// block_q6_K: uint8 ql[128]; uint8 qh[64]; int8 scales[16]; half d (210 bytes). Element e:
// h = e/128, r = e%128, k = r/32, l = r%32: low 4 bits = nibble (k>=2 high) of ql[64h + 32(k&1) + l],
// high 2 bits = (qh[32h + l] >> 2k) & 3, q - 32, scale scales[8h + l/16 + 2k].
void dq8_q6_K(uint blk, uint e0, out vec4 lo, out vec4 hi) {
  uint h = e0 >> 7, r = e0 & 127u, k = r >> 5, l = r & 31u;
  float d = w_f16(blk + 208u) *
            float(bitfieldExtract(int(w_u8(blk + 192u + 8u * h + (l >> 4) + 2u * k)), 0, 8));
  uint b = blk + 64u * h + 32u * (k & 1u) + l, sh = (k >> 1) << 2;
  uint qb = blk + 128u + 32u * h + l, hs = 2u * k;
  uint a0 = ((w_u32(b) >> sh) & 0x0F0F0F0Fu) | (((w_u32(qb) >> hs) & 0x03030303u) << 4);
  uint a1 = ((w_u32(b + 4u) >> sh) & 0x0F0F0F0Fu) | (((w_u32(qb + 4u) >> hs) & 0x03030303u) << 4);
  lo = d * (u8x4(a0) - 32.0);
  hi = d * (u8x4(a1) - 32.0);
}
// Float types: 8 elements at byte offset b (b % 4 == 0 for f32, even for f16/bf16).
#ifdef RWKV_MM_PACKED
// b % 16 == 0 here (rows padded to 16 bytes, e0 % 8 == 0): whole uvec4 loads.
#ifdef TEXW
// llvmpipe (matmul.c pick_cfg): the same words through an RGBA32UI texture buffer over the
// weight buffer: texel fetches gather all lanes at once, SSBO loads go lane by lane (768 x
// 65536 f16 matvec 30.5 -> 22.5 ms on the 2-core machine). TEXH: f16 rows through an RGBA16F
// view instead, the fetch converting the halves (0.1B decode with logits ~15% faster).
#ifdef TEXH
uniform highp samplerBuffer u_wt; // f16 rows as RGBA16F: 4 halves a texel, converted by the fetch
#define W16(i) rwkv_w4[i]         // (the other float decoders, not used with it)
#else
uniform highp usamplerBuffer u_wt;
#define W16(i) texelFetch(u_wt, int(i))
#endif
#else
#define W16(i) rwkv_w4[i]
#endif
void dq8_f32(uint b, out vec4 lo, out vec4 hi) {
  lo = uintBitsToFloat(W16(b >> 4));
  hi = uintBitsToFloat(W16((b >> 4) + 1u));
}
void dq8_f16(uint b, out vec4 lo, out vec4 hi) {
#ifdef TEXH
  lo = texelFetch(u_wt, int(b >> 3));
  hi = texelFetch(u_wt, int(b >> 3) + 1);
#else
  uvec4 q = W16(b >> 4);
  lo = vec4(unpackHalf2x16(q.x), unpackHalf2x16(q.y));
  hi = vec4(unpackHalf2x16(q.z), unpackHalf2x16(q.w));
#endif
}
void dq8_bf16(uint b, out vec4 lo, out vec4 hi) {
  uvec4 q = W16(b >> 4);
  lo = bf16x4(q.x, q.y);
  hi = bf16x4(q.z, q.w);
}
#else
void dq8_f32(uint b, out vec4 lo, out vec4 hi) {
  uint i = b >> 2;
  lo = uintBitsToFloat(uvec4(rwkv_w[i], rwkv_w[i + 1u], rwkv_w[i + 2u], rwkv_w[i + 3u]));
  hi = uintBitsToFloat(uvec4(rwkv_w[i + 4u], rwkv_w[i + 5u], rwkv_w[i + 6u], rwkv_w[i + 7u]));
}
void dq8_f16(uint b, out vec4 lo, out vec4 hi) {
  uint a = w_u32(b), c = w_u32(b + 4u), e = w_u32(b + 8u), f = w_u32(b + 12u);
  lo = vec4(unpackHalf2x16(a), unpackHalf2x16(c));
  hi = vec4(unpackHalf2x16(e), unpackHalf2x16(f));
}
void dq8_bf16(uint b, out vec4 lo, out vec4 hi) {
  uint a = w_u32(b), c = w_u32(b + 4u), e = w_u32(b + 8u), f = w_u32(b + 12u);
  lo = bf16x4(a, c);
  hi = bf16x4(e, f);
}
#endif

// ---- single-element decoders: element i of the block at byte offset blk ----
// (GLSL ES has no ## token pasting, so these are spelled out.)
float dequant_q8_0(uint blk, uint i) {
  vec4 lo, hi;
  dq8_q8_0(blk, i & ~7u, lo, hi);
  uint k = i & 7u;
  return k < 4u ? lo[k] : hi[k - 4u];
}
float dequant_q4_0(uint blk, uint i) {
  vec4 lo, hi;
  dq8_q4_0(blk, i & ~7u, lo, hi);
  uint k = i & 7u;
  return k < 4u ? lo[k] : hi[k - 4u];
}
float dequant_q4_1(uint blk, uint i) {
  vec4 lo, hi;
  dq8_q4_1(blk, i & ~7u, lo, hi);
  uint k = i & 7u;
  return k < 4u ? lo[k] : hi[k - 4u];
}
float dequant_q5_0(uint blk, uint i) {
  vec4 lo, hi;
  dq8_q5_0(blk, i & ~7u, lo, hi);
  uint k = i & 7u;
  return k < 4u ? lo[k] : hi[k - 4u];
}
float dequant_q5_1(uint blk, uint i) {
  vec4 lo, hi;
  dq8_q5_1(blk, i & ~7u, lo, hi);
  uint k = i & 7u;
  return k < 4u ? lo[k] : hi[k - 4u];
}
float dequant_q2_K(uint blk, uint i) {
  vec4 lo, hi;
  dq8_q2_K(blk, i & ~7u, lo, hi);
  uint k = i & 7u;
  return k < 4u ? lo[k] : hi[k - 4u];
}
float dequant_q3_K(uint blk, uint i) {
  vec4 lo, hi;
  dq8_q3_K(blk, i & ~7u, lo, hi);
  uint k = i & 7u;
  return k < 4u ? lo[k] : hi[k - 4u];
}
float dequant_q4_K(uint blk, uint i) {
  vec4 lo, hi;
  dq8_q4_K(blk, i & ~7u, lo, hi);
  uint k = i & 7u;
  return k < 4u ? lo[k] : hi[k - 4u];
}
float dequant_q5_K(uint blk, uint i) {
  vec4 lo, hi;
  dq8_q5_K(blk, i & ~7u, lo, hi);
  uint k = i & 7u;
  return k < 4u ? lo[k] : hi[k - 4u];
}
float dequant_q6_K(uint blk, uint i) {
  vec4 lo, hi;
  dq8_q6_K(blk, i & ~7u, lo, hi);
  uint k = i & 7u;
  return k < 4u ? lo[k] : hi[k - 4u];
}
float dequant_f32(uint b, uint i) { return uintBitsToFloat(rwkv_w[(b >> 2) + i]); }
float dequant_f16(uint b, uint i) { return f16_to_f32(w_u16(b + 2u * i)); }
float dequant_bf16(uint b, uint i) { return bf16_to_f32(w_u16(b + 2u * i)); }

// ---- RWKV_WTYPE selects one type for the generic row helpers below ----
#ifdef RWKV_WTYPE
#if RWKV_WTYPE == RWKV_T_F32
#define RWKV_QK 1u
#define RWKV_QB 4u
#define RWKV_WFLOAT 1
#elif RWKV_WTYPE == RWKV_T_F16 || RWKV_WTYPE == RWKV_T_BF16
#define RWKV_QK 1u
#define RWKV_QB 2u
#define RWKV_WFLOAT 1
#elif RWKV_WTYPE == RWKV_T_Q8_0
#define RWKV_QK 32u
#ifdef RWKV_MM_PACKED
#define RWKV_QB 36u
#else
#define RWKV_QB 34u
#endif
#define RWKV_DQ8 dq8_q8_0
#elif RWKV_WTYPE == RWKV_T_Q4_0
#define RWKV_QK 32u
#ifdef RWKV_MM_PACKED
#define RWKV_QB 20u
#else
#define RWKV_QB 18u
#endif
#define RWKV_DQ8 dq8_q4_0
#elif RWKV_WTYPE == RWKV_T_Q4_1
#define RWKV_QK 32u
#define RWKV_QB 20u
#define RWKV_DQ8 dq8_q4_1
#elif RWKV_WTYPE == RWKV_T_Q5_0
#define RWKV_QK 32u
#ifdef RWKV_MM_PACKED
#define RWKV_QB 24u
#else
#define RWKV_QB 22u
#endif
#define RWKV_DQ8 dq8_q5_0
#elif RWKV_WTYPE == RWKV_T_Q5_1
#define RWKV_QK 32u
#define RWKV_QB 24u
#define RWKV_DQ8 dq8_q5_1
#elif RWKV_WTYPE == RWKV_T_Q2_K
#define RWKV_QK 256u
#define RWKV_QB 84u
#define RWKV_DQ8 dq8_q2_K
#elif RWKV_WTYPE == RWKV_T_Q3_K
#define RWKV_QK 256u
#ifdef RWKV_MM_PACKED
#define RWKV_QB 112u
#else
#define RWKV_QB 110u
#endif
#define RWKV_DQ8 dq8_q3_K
#elif RWKV_WTYPE == RWKV_T_Q4_K
#define RWKV_QK 256u
#define RWKV_QB 144u
#define RWKV_DQ8 dq8_q4_K
#elif RWKV_WTYPE == RWKV_T_Q5_K
#define RWKV_QK 256u
#define RWKV_QB 176u
#define RWKV_DQ8 dq8_q5_K
#elif RWKV_WTYPE == RWKV_T_Q6_K
#define RWKV_QK 256u
#ifdef RWKV_MM_PACKED
#define RWKV_QB 212u
#else
#define RWKV_QB 210u
#endif
#define RWKV_DQ8 dq8_q6_K
#else
#error "RWKV_WTYPE: unsupported ggml type id"
#endif

// Elements e0..e0+7 (e0 % 8 == 0) of the row starting at byte rb. For float types
// the row length must be a multiple of 8 here; see w_row8_tail.
void w_row8(uint rb, uint e0, out vec4 lo, out vec4 hi) {
#if defined(RWKV_WFLOAT)
#if RWKV_WTYPE == RWKV_T_F32
  dq8_f32(rb + 4u * e0, lo, hi);
#elif RWKV_WTYPE == RWKV_T_F16
  dq8_f16(rb + 2u * e0, lo, hi);
#else
  dq8_bf16(rb + 2u * e0, lo, hi);
#endif
#else
  RWKV_DQ8(rb + (e0 / RWKV_QK) * RWKV_QB, e0 % RWKV_QK, lo, hi);
#endif
}
// Element e of the row at byte rb.
float w_row1(uint rb, uint e) {
#if RWKV_WTYPE == RWKV_T_F32
  return dequant_f32(rb, e);
#elif RWKV_WTYPE == RWKV_T_F16
  return dequant_f16(rb, e);
#elif RWKV_WTYPE == RWKV_T_BF16
  return dequant_bf16(rb, e);
#else
  vec4 lo, hi;
  w_row8(rb, e & ~7u, lo, hi);
  uint k = e & 7u;
  return k < 4u ? lo[k] : hi[k - 4u];
#endif
}

// ---- unit decoders for matmul's blocked decode kernel (KERNEL 2, RWKV_MM_PACKED) ----
// A unit is RWKV_UQ quads (4 consecutive elements each) of one row; a lane reads a whole
// unit with a few aligned loads and decodes its scales once (mmu_raw), then decodes one
// quad at a time (mmu_quad) so that only the raw words stay live: the K-quant decode
// kernels are limited by registers (occupancy), not by arithmetic. mmu_e(u, i) is the row
// element index of quad i of unit u; quad i's raw values q and coefficients a, m give
//   sum_j W[j] x[j] = sum_i a_i * dot(q_i, x_i) - m_i * sum(x_i).
// K must be a multiple of RWKV_UE (the host checks). Layouts as in the dq8_* decoders.
#if defined(RWKV_MM_PACKED) && (RWKV_WTYPE == RWKV_T_F32 || RWKV_WTYPE == RWKV_T_F16 || \
    RWKV_WTYPE == RWKV_T_BF16 || RWKV_WTYPE == RWKV_T_Q4_K || RWKV_WTYPE == RWKV_T_Q5_K || \
    RWKV_WTYPE == RWKV_T_Q6_K)
#define RWKV_MMU 1
#if defined(RWKV_WFLOAT)
#define RWKV_UQ 2  // 8 elements: one uvec4 of f16/bf16, two of f32
#else
#define RWKV_UQ 8  // 32 elements
#endif
#define RWKV_UE (4 * RWKV_UQ)
// A unit's raw words: q (f16 / bf16: 8 elements; f32: quads 0; q4_K / q5_K: 16 qs bytes;
// q6_K: ql words), p (f32: quad 1; q5_K: its 16 qh bytes; q6_K: qh words in .xy), s (the
// K-quants' decoded coefficients: q4_K / q5_K (a, m) of the low and high sub-blocks,
// q6_K d * scale of k = 0..3) and g (q5_K: the sub-block pair, the qh bit shift).
struct MmRaw {
  uvec4 q, p;
  vec4 s;
  uint g;
};
uint mmu_e(uint u, uint i) {
#if defined(RWKV_WFLOAT)
  return 8u * u + 4u * i;
#elif RWKV_WTYPE == RWKV_T_Q6_K
  // unit c = u % 8 of block u / 8: half hh = c / 4, l0 = 8 (c % 4); quad i: k = i / 2,
  // elements 128 hh + 32 k + l0 + 4 (i & 1) + [0, 4)
  uint c = u & 7u;
  return 256u * (u >> 3) + 128u * (c >> 2) + 32u * (i >> 1) + 8u * (c & 3u) + 4u * (i & 1u);
#else
  // q4_K / q5_K: unit c = u % 8 of block u / 8 covers qs bytes 16 c .. 16 c + 15:
  // g = c / 2, h = c & 1; quads 0-3 are the low nibbles, elements 64 g + 16 h + 4 i,
  // quads 4-7 the high nibbles, elements 64 g + 32 + 16 h + 4 (i - 4)
  uint c = u & 7u;
  return 256u * (u >> 3) + 64u * (c >> 1) + 16u * (c & 1u) + 32u * (i >> 2) + 4u * (i & 3u);
#endif
}
// A unit's loaded words before any decoding (mmu_load; mmu_unpack makes the MmRaw): a, b, c
// are uvec4s of the row as stored (f32: the two quad vectors; f16 / bf16: a; q4_K: a header,
// b qs; q5_K: a header, b qs, c qh; q6_K: a ql words 0, 1, 8, 9, b.xy qh words, b.zw the
// scale words, c.x the d word).
struct MmLd {
  uvec4 a, b, c;
};
void mmu_load(uint rb, uint u, out MmLd l) {
  l.b = uvec4(0u);
  l.c = uvec4(0u);
#if RWKV_WTYPE == RWKV_T_F32
  l.a = rwkv_w4[(rb >> 4) + 2u * u];
  l.b = rwkv_w4[(rb >> 4) + 2u * u + 1u];
#elif RWKV_WTYPE == RWKV_T_F16 || RWKV_WTYPE == RWKV_T_BF16
  l.a = rwkv_w4[(rb >> 4) + u];
#elif RWKV_WTYPE == RWKV_T_Q4_K || RWKV_WTYPE == RWKV_T_Q5_K
  // q4_K: 144 bytes = 9 uvec4 (header, qs[128]); q5_K: 176 = 11 (header, qh[32], qs[128])
  uint c = u & 7u;
#if RWKV_WTYPE == RWKV_T_Q4_K
  uint b4 = (rb >> 4) + 9u * (u >> 3);
  l.b = rwkv_w4[b4 + 1u + c];
#else
  uint b4 = (rb >> 4) + 11u * (u >> 3);
  l.b = rwkv_w4[b4 + 3u + c];
  l.c = rwkv_w4[b4 + 1u + (c & 1u)];  // qh bytes 16 h .. 16 h + 15
#endif
  l.a = rwkv_w4[b4];
#elif RWKV_WTYPE == RWKV_T_Q6_K
  // 212-byte packed blocks (4-byte aligned): ql[128] qh[64] scales[16] d pad
  uint c = u & 7u, hh = c >> 2, l0 = 8u * (c & 3u);
  uint b = (rb >> 2) + 53u * (u >> 3);  // word index of the block
  uint o = b + 16u * hh + (l0 >> 2);
  l.a = uvec4(rwkv_w[o], rwkv_w[o + 1u], rwkv_w[o + 8u], rwkv_w[o + 9u]);
  l.b = uvec4(rwkv_w[b + 32u + 8u * hh + (l0 >> 2)], rwkv_w[b + 33u + 8u * hh + (l0 >> 2)],
              rwkv_w[b + 48u + 2u * hh], rwkv_w[b + 49u + 2u * hh]);
  l.c.x = rwkv_w[b + 52u];
#endif
}
void mmu_unpack(MmLd l, uint u, out MmRaw w) {
  w.q = l.a;
  w.p = uvec4(0u);
  w.s = vec4(0.0);
  w.g = 0u;
#if RWKV_WTYPE == RWKV_T_F32
  w.p = l.b;
#elif RWKV_WTYPE == RWKV_T_Q4_K || RWKV_WTYPE == RWKV_T_Q5_K
  uint g = (u & 7u) >> 1;
  w.q = l.b;
#if RWKV_WTYPE == RWKV_T_Q5_K
  w.p = l.c;
  w.g = g;
#endif
  vec2 dm = unpackHalf2x16(l.a.x);
  // pairs 2g and 2g + 1 are neighbouring bytes of one word: (sc0, sc1, mn0, mn1)
  uvec2 v = k4_sm_at(l.a, 2u * g) & 0xFFFFu;
  w.s = dm.xyxy * u8x4(v.x | (v.y << 16)).xzyw;
  // mmu_quad's values are 1 + v / 2^B (B = 4, q5_K 5)
#if RWKV_WTYPE == RWKV_T_Q5_K
  w.s.xz *= 32.0;
#else
  w.s.xz *= 16.0;
#endif
  w.s.yw += w.s.xz;
#elif RWKV_WTYPE == RWKV_T_Q6_K
  uint l0 = 8u * (u & 3u), sw0 = l.b.z, sw1 = l.b.w;
  w.p.xy = l.b.xy;
  float d = unpackHalf2x16(l.c.x).x;
  // scale of k: byte (l0 / 16) + 2 k of scales[8 hh ..]; k = 0, 1 in sw0, k = 2, 3 in sw1
  uint sh = (l0 >> 4) << 3;
  w.s = (64.0 * d) * vec4(s8x4(((sw0 >> sh) & 0xFFu) | (((sw0 >> (sh + 16u)) & 0xFFu) << 8) |
                               (((sw1 >> sh) & 0xFFu) << 16) | (((sw1 >> (sh + 16u)) & 0xFFu) << 24)));
#endif
}
void mmu_raw(uint rb, uint u, out MmRaw w) {
  MmLd l;
  mmu_load(rb, u, l);
  mmu_unpack(l, u, w);
}
// Quad i (0 .. RWKV_UQ - 1, a constant after unrolling) of the unit w. K-quants: q holds
// the B-bit values v as 1 + v / 2^B (u8x4_frac: no int-to-float step), and a, m are
// pre-scaled in mmu_unpack so that a * dot(q, x) - m * sum(x) is still the quad's sum
// (a' = 2^B a, m' = m + 2^B a).
void mmu_quad(MmRaw w, int i, out vec4 q, out float a, out float m) {
  a = 1.0;
  m = 0.0;
#if RWKV_WTYPE == RWKV_T_F32
  q = uintBitsToFloat(i == 0 ? w.q : w.p);
#elif RWKV_WTYPE == RWKV_T_F16
  q = i == 0 ? vec4(unpackHalf2x16(w.q.x), unpackHalf2x16(w.q.y))
             : vec4(unpackHalf2x16(w.q.z), unpackHalf2x16(w.q.w));
#elif RWKV_WTYPE == RWKV_T_BF16
  uvec2 v = i == 0 ? w.q.xy : w.q.zw;
  q = bf16x4(v.x, v.y);
#elif RWKV_WTYPE == RWKV_T_Q4_K || RWKV_WTYPE == RWKV_T_Q5_K
  uint b = w.q[i & 3], hi = uint(i >> 2);
  uint n = (b >> (4u * hi)) & 0x0F0F0F0Fu;
#if RWKV_WTYPE == RWKV_T_Q5_K
  n |= ((w.p[i & 3] >> (2u * w.g + hi)) & 0x01010101u) << 4;
  q = u8x4_frac(n, 5u);
#else
  q = u8x4_frac(n, 4u);
#endif
  a = hi == 0u ? w.s.x : w.s.z;
  m = hi == 0u ? w.s.y : w.s.w;
#elif RWKV_WTYPE == RWKV_T_Q6_K
  // k = i / 2, j = i & 1: low bits from ql word 2 (k & 1) + j (nibble k / 2), high bits
  // from qh word j (bits 2 k)
  int k = i >> 1, j = i & 1;
  uint lq = (w.q[2 * (k & 1) + j] >> (uint(k >> 1) << 2)) & 0x0F0F0F0Fu;
  uint hq = (w.p[j] >> uint(2 * k)) & 0x03030303u;
  q = u8x4_frac(lq | (hq << 4), 6u);
  a = w.s[k];       // 64 d scale
  m = 1.5 * a;      // (32 + 64) d scale: q6_K's values are v - 32
#endif
}
#endif // unit decoders
#endif // RWKV_WTYPE
#endif // RWKV_WEIGHT_BINDING

// ---- RWKV kernels' shared buffers and reductions ------------------------------
// The forward-pass kernels (rwkv_*.comp) define RWKV_BUFFERS and RED_N (their
// workgroup size) and share one binding layout: an activation arena, the packed
// per-layer parameter vectors, the state pool and the per-sequence table
// (start row, state offset).
// RWKV_COHERENT (the persistent layer kernel, rwkv_layer.comp): the arena and the state
// read coherently, so that one workgroup sees what others of the same dispatch wrote.
#ifdef RWKV_BUFFERS
#ifndef RWKV_COHERENT
#define RWKV_COHERENT
#endif
// Decode's early starts (forward.c wkv_early, res_early): a value no matmul writes (NaN with
// every bit set; GPUs make other NaNs) marks a step's outputs before it runs (rwkv_ln_mix.comp
// arm_off / arm2_off), so that their reader, dispatched with no barrier between,
// reads a value again while it is still the mark (rwkv_wkv.comp WKV_WAIT, ln_stats LN_WAIT),
// at most WAIT_TRIES times: a missing write makes garbage, not a hang
#define WKV_SENT 0xFFFFFFFFu
#define WAIT_TRIES 65536u
bool wkv_sent(float v) { return floatBitsToUint(v) == WKV_SENT; }
layout(std430, binding = 0) RWKV_COHERENT buffer Act { float act[]; };
layout(std430, binding = 1) readonly buffer Par { float par[]; };
layout(std430, binding = 2) RWKV_COHERENT buffer State { float st[]; };
layout(std430, binding = 3) readonly buffer Seq { uint seq[]; };
#endif

#if defined(RED_N) && defined(RWKV_SUBGROUP)
// Sum of v over the workgroup (all RED_N invocations must call it): a
// subgroup sum, then one shared slot per subgroup: 2 barriers, not log2(RED_N).
// Two sums at once (one pair of barriers for both); wg_sum is its first component.
shared vec2 red_sg2[RED_N];
vec2 wg_sum2(vec2 v) {
  vec2 s = subgroupAdd(v);
  barrier(); // the previous call's readers are done with red_sg2
  /* 1-D workgroups of RED_N; no gl_NumSubgroups/gl_SubgroupID: some compilers
   * (NVIDIA) derive them from gl_WorkGroupSize, not declared yet in this include */
  uint sid = gl_LocalInvocationID.x / gl_SubgroupSize;
  if (subgroupElect()) red_sg2[sid] = s;
  barrier();
  vec2 t = vec2(0.0);
  for (uint i = 0u; i < (uint(RED_N) + gl_SubgroupSize - 1u) / gl_SubgroupSize; i++) t += red_sg2[i];
  return t;
}
float wg_sum(float v) { return wg_sum2(vec2(v, 0.0)).x; }
#elif defined(RED_N)
// Sums of v over the workgroup (all RED_N invocations must call it), two at once.
shared vec2 red_buf2[RED_N];
vec2 wg_sum2(vec2 v) {
  uint i = gl_LocalInvocationID.x;
  barrier(); // the previous call's readers are done with red_buf2[0]
  red_buf2[i] = v;
  barrier();
  for (uint s = uint(RED_N) / 2u; s > 0u; s >>= 1u) {
    if (i < s) red_buf2[i] += red_buf2[i + s];
    barrier();
  }
  return red_buf2[0];
}
float wg_sum(float v) { return wg_sum2(vec2(v, 0.0)).x; }
#endif

#if defined(WKV_HEAD) && defined(RED_N)
// A head's sums for rwkv_wkv_pre / post.comp, workgroups of HL * PG invocations: with
// HEAD_SG one subgroup of HEAD_SG invocations a head (HE = HS / HEAD_SG channels each, no
// barriers), HEAD_PG heads a workgroup (HEAD_WG = their product, a literal for the
// layout); else one workgroup of HS invocations a head (RED_N == HS), the sums through
// shared memory.
#if defined(HEAD_SG) && defined(RWKV_SUBGROUP)
#define HL HEAD_SG
#define PG HEAD_PG
vec2 head_sum2(vec2 v) { return subgroupAdd(v); }
#else
#define HL HS
#define PG 1
#undef HEAD_WG
#define HEAD_WG HS
vec2 head_sum2(vec2 v) { return wg_sum2(v); }
#endif
#define HE (HS / HL)
#endif

#if defined(RWKV_BUFFERS) && defined(RED_N)
// (mean, 1/sqrt(var + eps)) of act[off .. off+n), two-pass for accuracy; n <= LN_D (the
// model's width, forward.c program): the row is held in registers and read once
#define LNJ ((LN_D + RED_N - 1) / RED_N)
#ifdef LN_WAIT
// (decode, forward.c res_early: the row's x still has the pending Wo / FFN value outputs at
// add1_d / add2_d floats past it (0: none) to add, each read again while it is still its
// WKV_SENT mark, all of an invocation's values loaded first)
uniform uint add1_d, add2_d;
#endif
vec2 ln_stats(uint off, uint n, float eps) {
  float v[LNJ];
  for (int j = 0; j < LNJ; j++) {
    uint c = gl_LocalInvocationID.x + uint(j * RED_N);
    v[j] = c < n ? act[off + c] : 0.0;
  }
#ifdef LN_WAIT
  float p[LNJ], q[LNJ];
  for (int j = 0; j < LNJ; j++) {
    uint c = gl_LocalInvocationID.x + uint(j * RED_N);
    p[j] = c < n && add1_d != 0u ? act[off + c + add1_d] : 0.0;
    q[j] = c < n && add2_d != 0u ? act[off + c + add2_d] : 0.0;
  }
  // (each round reads every value still marked again, all at once: one memory round trip a
  // round, not one a value)
  for (uint k = 0u; k < WAIT_TRIES; k++) {
    bool wait = false;
    for (int j = 0; j < LNJ; j++) wait = wait || wkv_sent(p[j]) || wkv_sent(q[j]);
    if (!wait) break;
    for (int j = 0; j < LNJ; j++) {
      uint c = gl_LocalInvocationID.x + uint(j * RED_N);
      if (wkv_sent(p[j])) p[j] = act[off + c + add1_d];
      if (wkv_sent(q[j])) q[j] = act[off + c + add2_d];
    }
  }
  for (int j = 0; j < LNJ; j++) v[j] = (v[j] + p[j]) + q[j]; // (x + Wo's) + the FFN value's, as the adds in place were
#endif
  float s = 0.0;
  for (int j = 0; j < LNJ; j++) s += v[j];
  float mean = wg_sum(s) / float(n);
  s = 0.0;
  for (int j = 0; j < LNJ; j++) {
    float d = gl_LocalInvocationID.x + uint(j * RED_N) < n ? v[j] - mean : 0.0;
    s += d * d;
  }
  return vec2(mean, inversesqrt(wg_sum(s) / float(n) + eps));
}
#endif
