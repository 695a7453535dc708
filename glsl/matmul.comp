// matmul.comp - grouped y = act(W.x) for T tokens over packed weight rows.
// W: ggml [K, M] rows of K, in matmul's packed layout (RWKV_MM_PACKED, common.glsl)
// in rwkv_w (binding 0), one buffer per chunk of rows. x (binding 1), y (binding 2).
//
// Row groups (up to 4, rwkv_mm_dispatch_groups): group g covers chunk-local rows
// [ga.y, ga.y + ga.z) and starts at workgroup ga.x; for its row r (local index i = r - ga.y)
// and token t:  v = sum_j W[r,j] * x[t*ldx + xoff + j];  v = act(v);
//               y[t*ldy + yoff + i] = (acc ? y[...] : 0) + v
// with gb = (xoff, ldx, yoff, ldy), ga.w = acc | act << 1 (0 none, 1 tanh, 2 sigmoid,
// 3 relu^2). Workgroups never straddle groups, so x is per-workgroup uniform.
//
// KERNEL 0 (rows): WG invocations, LANES of them share a row (subgroupAdd or a
//   shared-memory reduction), NR rows per lane group reuse each x load, TT tokens per
//   pass, UNR units of 8 weights in flight per lane. XSH: x staged in shared memory,
//   XCH floats (per token) at a time, loaded once per workgroup.
// KERNEL 1 (tiled, prefill): a BM x BT (rows x tokens) tile per workgroup of
//   (BM/(4 RQ))*(BT/(4 NQ)) invocations, each owning RQ quads of rows x NQ quads of
//   tokens (quads TM / TN apart, so neighbours read neighbouring vec4s); per BK-wide slice
//   of K the weights are decoded once into shared memory (transposed, vec4 of 4 rows)
//   with the x slice (vec4 of 4 tokens), then 16 RQ NQ FMAs per RQ + NQ vec4 shared loads.
// KERNEL 2 (blocked decode, RWKV_MMU types): as KERNEL 0 (LANES per row, NR rows, TT
//   tokens, UNR units in flight) but a lane's unit is a whole RWKV_UE-element piece of a
//   block (common.glsl mmu_load: aligned uvec4 / word loads, scales decoded once per unit)
//   and x is read as vec4s when u_xal says every token's x start is 16-byte aligned.
// Grid: x = sum over groups of ceil(rows / rows per workgroup), y = token tiles.

layout(std430, binding = 1) readonly buffer Xbuf { float xs[]; };
layout(std430, binding = 2) buffer Ybuf { float ys[]; };

layout(location = 0) uniform uint u_K;
layout(location = 1) uniform uint u_T;
layout(location = 2) uniform uint u_row_bytes;  // packed (padded) row stride
layout(location = 3) uniform uint u_ng;
layout(location = 4) uniform uvec4 u_ga[4];     // first workgroup, first row, rows, acc|act<<1
layout(location = 8) uniform uvec4 u_gb[4];     // xoff, ldx, yoff, ldy
#if KERNEL == 2
layout(std430, binding = 1) readonly buffer Xbuf4 { vec4 xs4[]; };
layout(location = 12) uniform uint u_xal;       // 1: x index e % 4 == 0 for every quad read
vec4 mm_x4(uint e) {
  if (u_xal != 0u) return xs4[e >> 2];
  return vec4(xs[e], xs[e + 1u], xs[e + 2u], xs[e + 3u]);
}
#endif

float mm_act(float v, uint a) {
  if (a == 1u) {  // tanh without exp overflow
    float e = exp(-2.0 * abs(v));
    return sign(v) * (1.0 - e) / (1.0 + e);
  }
  if (a == 2u) return 1.0 / (1.0 + exp(-v));
  if (a == 3u) {
    float r = max(v, 0.0);
    return r * r;
  }
  return v;
}

void mm_store(uvec4 ga, uvec4 gb, uint row, uint t, float v) {
  uint yi = t * gb.w + gb.z + (row - ga.y);
  v = mm_act(v, ga.w >> 1);
  ys[yi] = ((ga.w & 1u) != 0u ? ys[yi] : 0.0) + v;
}

// 8 weights of row rb (byte offset) at e0; float rows may end inside the group.
void mm_w8(uint rb, uint e0, out vec4 lo, out vec4 hi) {
#if defined(RWKV_WFLOAT)
  if (e0 + 8u > u_K) {
    float w[8];
    for (uint i = 0u; i < 8u; i++) w[i] = e0 + i < u_K ? w_row1(rb, e0 + i) : 0.0;
    lo = vec4(w[0], w[1], w[2], w[3]);
    hi = vec4(w[4], w[5], w[6], w[7]);
    return;
  }
#endif
  w_row8(rb, e0, lo, hi);
}

#if KERNEL == 0 || KERNEL == 2
layout(local_size_x = WG) in;
#define LG (WG / LANES)
#define ROWS_PER_WG (LG * NR)
#if LANES > 1 && !defined(RWKV_SUBGROUP)
shared float red[WG * NR * TT];
#endif

// Sum acc over the LANES lanes of each row and store rows r0.. (lane 0).
void mm_finish(float acc[NR * TT], uint lid, uint lane, uint r0, uint rend, uint t0, uvec4 ga,
               uvec4 gb) {
#if LANES > 1
#if defined(RWKV_SUBGROUP)
  for (int i = 0; i < NR * TT; i++) acc[i] = subgroupAdd(acc[i]);
#else
  for (int i = 0; i < NR * TT; i++) red[uint(i) * uint(WG) + lid] = acc[i];
  memoryBarrierShared();
  barrier();
  for (uint s = uint(LANES) >> 1; s > 0u; s >>= 1) {
    if (lane < s)
      for (int i = 0; i < NR * TT; i++)
        red[uint(i) * uint(WG) + lid] += red[uint(i) * uint(WG) + lid + s];
    memoryBarrierShared();
    barrier();
  }
  for (int i = 0; i < NR * TT; i++) acc[i] = red[uint(i) * uint(WG) + lid];
#endif
#endif
  if (lane == 0u)
    for (int r = 0; r < NR; r++) {
      uint row = r0 + uint(r);
      if (row < rend)
        for (int t = 0; t < TT; t++)
          if (t0 + uint(t) < u_T) mm_store(ga, gb, row, t0 + uint(t), acc[r * TT + t]);
    }
}
#endif

#if KERNEL == 0
#if XSH
shared vec4 xsh[TT * (XCH / 4)];
#endif

void main() {
  uint wgx = gl_WorkGroupID.x, g = 0u;
  for (uint i = 1u; i < u_ng; i++)
    if (wgx >= u_ga[i].x) g = i;
  uvec4 ga = u_ga[g], gb = u_gb[g];
  uint lid = gl_LocalInvocationID.x;
  uint lane = lid % uint(LANES);
  uint rend = ga.y + ga.z;
  uint r0 = ga.y + (wgx - ga.x) * uint(ROWS_PER_WG) + (lid / uint(LANES)) * uint(NR);
  uint t0 = gl_WorkGroupID.y * uint(TT);
  uint rbs[NR];
  for (int r = 0; r < NR; r++) rbs[r] = min(r0 + uint(r), rend - 1u) * u_row_bytes;
  float acc[NR * TT];
  for (int i = 0; i < NR * TT; i++) acc[i] = 0.0;
  uint nu8 = (u_K + 7u) >> 3;  // units of 8 (the last may be partial for float rows)
#if XSH
  for (uint c0 = 0u; c0 < nu8; c0 += uint(XCH / 8)) {
    uint cn = min(uint(XCH / 8), nu8 - c0);
    barrier();
    for (uint i = lid; i < uint(TT * (XCH / 4)); i += uint(WG)) {
      uint t = i / uint(XCH / 4), q = i % uint(XCH / 4), j = c0 * 8u + q * 4u;
      uint tt = min(t0 + t, u_T - 1u), xb = tt * gb.y + gb.x + j;
      vec4 v = vec4(0.0);
      if (j + 3u < u_K) v = vec4(xs[xb], xs[xb + 1u], xs[xb + 2u], xs[xb + 3u]);
      else
        for (uint k = 0u; k < 4u; k++)
          if (j + k < u_K) v[k] = xs[xb + k];
      xsh[i] = v;
    }
    barrier();
#else
  {
    uint c0 = 0u, cn = nu8;
#endif
    for (uint u = lane; u < cn; u += uint(LANES * UNR)) {
      for (int k = 0; k < UNR; k++) {
        uint uk = u + uint(k * LANES);
        bool ok = uk < cn;
        uint uc = min(uk, cn - 1u);
        uint e0 = (c0 + uc) << 3;
        vec4 xl[TT], xh[TT];
        for (int t = 0; t < TT; t++) {
#if XSH
          xl[t] = xsh[uint(t) * uint(XCH / 4) + 2u * uc];
          xh[t] = xsh[uint(t) * uint(XCH / 4) + 2u * uc + 1u];
#else
          uint tt = min(t0 + uint(t), u_T - 1u), xb = tt * gb.y + gb.x + e0;
          if (e0 + 8u <= u_K) {
            xl[t] = vec4(xs[xb], xs[xb + 1u], xs[xb + 2u], xs[xb + 3u]);
            xh[t] = vec4(xs[xb + 4u], xs[xb + 5u], xs[xb + 6u], xs[xb + 7u]);
          } else {
            float v[8];
            for (uint i = 0u; i < 8u; i++) v[i] = e0 + i < u_K ? xs[xb + i] : 0.0;
            xl[t] = vec4(v[0], v[1], v[2], v[3]);
            xh[t] = vec4(v[4], v[5], v[6], v[7]);
          }
#endif
        }
        for (int r = 0; r < NR; r++) {
          vec4 lo, hi;
          mm_w8(rbs[r], e0, lo, hi);
          for (int t = 0; t < TT; t++) {
            float d = dot(lo, xl[t]) + dot(hi, xh[t]);
            acc[r * TT + t] += ok ? d : 0.0;
          }
        }
      }
    }
  }
  mm_finish(acc, lid, lane, r0, rend, t0, ga, gb);
}

#elif KERNEL == 2  // blocked decode

void main() {
  uint wgx = gl_WorkGroupID.x, g = 0u;
  for (uint i = 1u; i < u_ng; i++)
    if (wgx >= u_ga[i].x) g = i;
  uvec4 ga = u_ga[g], gb = u_gb[g];
  uint lid = gl_LocalInvocationID.x;
  uint lane = lid % uint(LANES);
  uint rend = ga.y + ga.z;
  uint r0 = ga.y + (wgx - ga.x) * uint(ROWS_PER_WG) + (lid / uint(LANES)) * uint(NR);
  uint t0 = gl_WorkGroupID.y * uint(TT);
  uint rbs[NR];
  for (int r = 0; r < NR; r++) rbs[r] = min(r0 + uint(r), rend - 1u) * u_row_bytes;
  uint xb[TT];
  for (int t = 0; t < TT; t++) xb[t] = min(t0 + uint(t), u_T - 1u) * gb.y + gb.x;
  float acc[NR * TT];
  for (int i = 0; i < NR * TT; i++) acc[i] = 0.0;
  uint nu = u_K / uint(RWKV_UE);
  for (uint u = lane; u < nu; u += uint(LANES * UNR)) {
    for (int k = 0; k < UNR; k++) {
      uint uk = u + uint(k * LANES);
      if (uk < nu) {
        vec4 xv[TT][RWKV_UQ];
        for (int t = 0; t < TT; t++)
          for (int i = 0; i < RWKV_UQ; i++) xv[t][i] = mm_x4(xb[t] + mmu_e(uk, uint(i)));
        for (int r = 0; r < NR; r++) {
          MmUnit w;
          mmu_load(rbs[r], uk, w);
          for (int t = 0; t < TT; t++) {
            float s = 0.0;
            for (int i = 0; i < RWKV_UQ; i++) {
              vec4 xq = xv[t][i];
              s += w.a[i] * dot(w.q[i], xq) - w.m[i] * (xq.x + xq.y + xq.z + xq.w);
            }
            acc[r * TT + t] += s;
          }
        }
      }
    }
  }
  mm_finish(acc, lid, lane, r0, rend, t0, ga, gb);
}

#else  // KERNEL == 1: tiled

#define QM (BM / 4)
#define QN (BT / 4)
#define TM (QM / RQ)
#define TN (QN / NQ)
// WGT = TM * TN, a literal from matmul.c (NVIDIA wants a literal in the layout)
layout(local_size_x = WGT) in;
shared vec4 wsh[BK * QM];  // [k][row quad]
shared vec4 xsh[BK * QN];  // [k][token quad]

void main() {
  uint wgx = gl_WorkGroupID.x, g = 0u;
  for (uint i = 1u; i < u_ng; i++)
    if (wgx >= u_ga[i].x) g = i;
  uvec4 ga = u_ga[g], gb = u_gb[g];
  uint lid = gl_LocalInvocationID.x;
  uint rend = ga.y + ga.z;
  uint rbase = ga.y + (wgx - ga.x) * uint(BM);
  uint t0 = gl_WorkGroupID.y * uint(BT);
  uint tm = lid % uint(TM), tn = lid / uint(TM);
  vec4 acc[4 * RQ][NQ];
  for (int i = 0; i < 4 * RQ; i++)
    for (int b = 0; b < NQ; b++) acc[i][b] = vec4(0.0);

  for (uint k0 = 0u; k0 < u_K; k0 += uint(BK)) {
    barrier();
    // weights: BM rows x BK/8 units, consecutive invocations on consecutive rows
    for (uint q = lid; q < uint(BM * (BK / 8)); q += uint(WGT)) {
      uint r = q % uint(BM), gi = q / uint(BM);
      uint e0 = k0 + gi * 8u;
      vec4 lo = vec4(0.0), hi = vec4(0.0);
      if (e0 < u_K) mm_w8(min(rbase + r, rend - 1u) * u_row_bytes, e0, lo, hi);
      uint o = gi * 8u * uint(QM) + r / 4u, c = r & 3u;
      wsh[o][c] = lo.x;
      wsh[o + uint(QM)][c] = lo.y;
      wsh[o + 2u * uint(QM)][c] = lo.z;
      wsh[o + 3u * uint(QM)][c] = lo.w;
      wsh[o + 4u * uint(QM)][c] = hi.x;
      wsh[o + 5u * uint(QM)][c] = hi.y;
      wsh[o + 6u * uint(QM)][c] = hi.z;
      wsh[o + 7u * uint(QM)][c] = hi.w;
    }
    // x: BT tokens x BK, consecutive invocations on consecutive k
    for (uint q = lid; q < uint(BT * BK); q += uint(WGT)) {
      uint k = q % uint(BK), t = q / uint(BK);
      float v = 0.0;
      if (t0 + t < u_T && k0 + k < u_K) v = xs[(t0 + t) * gb.y + gb.x + k0 + k];
      xsh[k * uint(QN) + t / 4u][t & 3u] = v;
    }
    barrier();
    for (uint k = 0u; k < uint(BK); k++) {
      vec4 w[RQ], xv[NQ];
      for (int a = 0; a < RQ; a++) w[a] = wsh[k * uint(QM) + tm + uint(a * TM)];
      for (int b = 0; b < NQ; b++) xv[b] = xsh[k * uint(QN) + tn + uint(b * TN)];
      for (int a = 0; a < RQ; a++)
        for (int b = 0; b < NQ; b++) {
          acc[4 * a][b] += w[a].x * xv[b];
          acc[4 * a + 1][b] += w[a].y * xv[b];
          acc[4 * a + 2][b] += w[a].z * xv[b];
          acc[4 * a + 3][b] += w[a].w * xv[b];
        }
    }
  }
  for (int a = 0; a < RQ; a++)
    for (uint i = 0u; i < 4u; i++) {
      uint row = rbase + (tm + uint(a * TM)) * 4u + i;
      if (row < rend)
        for (int b = 0; b < NQ; b++)
          for (uint j = 0u; j < 4u; j++) {
            uint t = t0 + (tn + uint(b * TN)) * 4u + j;
            if (t < u_T) mm_store(ga, gb, row, t, acc[4 * a + int(i)][b][j]);
          }
    }
}
#endif
