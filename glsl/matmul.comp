// matmul.comp - y[t*ldy + yoff + i] = (acc ? y : 0) + sum_j W[i,j] * x[t*ldx + xoff + j]
// W: ggml [K, M] (rows of K), packed blocks of type RWKV_WTYPE in rwkv_w (binding 0).
//
// Defines (set by engine/matmul.c):
//   RWKV_WEIGHT_BINDING 0, RWKV_WTYPE <ggml type id>
//   WG     invocations per workgroup
//   LANES  invocations sharing one row (power of two; 1 = one invocation per row,
//          no reduction, best on llvmpipe which vectorises across invocations)
//   TT     tokens per pass: every decoded group of 8 weights is reused for TT
//          tokens held in registers, so prefill reads each weight once per TT tokens
//   RWKV_SUBGROUP  reduce across LANES == gl_SubgroupSize with subgroupAdd,
//          otherwise through shared memory
// Grid: x = ceil(M / (WG/LANES)) row groups, y = ceil(T / TT) token tiles.
layout(local_size_x = WG) in;

layout(std430, binding = 1) readonly buffer Xbuf { float xs[]; };
layout(std430, binding = 2) buffer Ybuf { float ys[]; };

layout(location = 0) uniform uint u_M;
layout(location = 1) uniform uint u_K;
layout(location = 2) uniform uint u_T;
layout(location = 3) uniform uint u_ldx;
layout(location = 4) uniform uint u_xoff;
layout(location = 5) uniform uint u_ldy;
layout(location = 6) uniform uint u_yoff;
layout(location = 7) uniform uint u_acc;
layout(location = 8) uniform uint u_row_bytes;

#define ROWS_PER_WG (WG / LANES)

#if LANES > 1 && !defined(RWKV_SUBGROUP)
shared float red[WG * TT];
#endif

void main() {
  uint lid = gl_LocalInvocationID.x;
  uint lane = lid % uint(LANES);
  uint row = gl_WorkGroupID.x * uint(ROWS_PER_WG) + lid / uint(LANES);
  uint t0 = gl_WorkGroupID.y * uint(TT);
  bool live = row < u_M;
  float acc[TT];
  for (int t = 0; t < TT; t++) acc[t] = 0.0;

  if (live) {
    uint rb = row * u_row_bytes;
    uint nfull = u_K >> 3;  // whole groups of 8
    for (uint u = lane; u < nfull; u += uint(LANES)) {
      uint j = u << 3;
      vec4 lo, hi;
      w_row8(rb, j, lo, hi);
      for (int t = 0; t < TT; t++) {
        uint tt = t0 + uint(t);
        if (tt < u_T) {
          uint xb = tt * u_ldx + u_xoff + j;
          vec4 xl = vec4(xs[xb], xs[xb + 1u], xs[xb + 2u], xs[xb + 3u]);
          vec4 xh = vec4(xs[xb + 4u], xs[xb + 5u], xs[xb + 6u], xs[xb + 7u]);
          acc[t] += dot(lo, xl) + dot(hi, xh);
        }
      }
    }
#if defined(RWKV_WFLOAT)
    // tail of a float row whose length is not a multiple of 8
    for (uint j = (nfull << 3) + lane; j < u_K; j += uint(LANES)) {
      float w = w_row1(rb, j);
      for (int t = 0; t < TT; t++) {
        uint tt = t0 + uint(t);
        if (tt < u_T) acc[t] += w * xs[tt * u_ldx + u_xoff + j];
      }
    }
#endif
  }

#if LANES > 1
#if defined(RWKV_SUBGROUP)
  for (int t = 0; t < TT; t++) acc[t] = subgroupAdd(acc[t]);
#else
  for (int t = 0; t < TT; t++) red[uint(t) * uint(WG) + lid] = acc[t];
  memoryBarrierShared();
  barrier();
  for (uint s = uint(LANES) >> 1; s > 0u; s >>= 1) {
    if (lane < s)
      for (int t = 0; t < TT; t++)
        red[uint(t) * uint(WG) + lid] += red[uint(t) * uint(WG) + lid + s];
    memoryBarrierShared();
    barrier();
  }
  for (int t = 0; t < TT; t++) acc[t] = red[uint(t) * uint(WG) + lid];
#endif
#endif

  if (live && lane == 0u) {
    for (int t = 0; t < TT; t++) {
      uint tt = t0 + uint(t);
      if (tt < u_T) {
        uint yi = tt * u_ldy + u_yoff + row;
        ys[yi] = (u_acc != 0u ? ys[yi] : 0.0) + acc[t];
      }
    }
  }
}
