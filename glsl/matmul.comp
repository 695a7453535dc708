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
//   tokens (quads TM / TN apart, so neighbours read neighbouring vec4s: RQ = NQ = 2 is an
//   8 x 8 register tile, 64 FMAs per 4 vec4 shared loads). Per BK-wide slice of K the
//   weights are decoded into shared memory (transposed, quads of 4 rows) with the x slice
//   (quads of 4 tokens). PF = 1: the next slice's raw weight words and x are loaded into
//   registers before the current slice's FMAs and decoded / stored after them (register
//   double buffering); DB = 1: two shared buffers, one barrier per slice; KU k steps written
//   out per pass of the k loop (BK % KU == 0). Split K: the
//   workgroup's z index takes K elements [z u_kchunk, (z+1) u_kchunk) and writes its
//   partial sums u_zstride floats further (matmul.c points y at a scratch buffer, then
//   KERNEL 3 sums the splits and applies the activation / accumulate).
// Token map (KERNEL 0 / 1 / 3, u_tmap, a padded batch): token t is row tmap[t] of x and y.
// KERNEL 3 (split-K reduce): see the end of the file.
// KERNEL 2 (blocked decode, RWKV_MMU types): as KERNEL 0 (LANES per row, NR rows, TT
//   tokens, UNR units in flight) but a lane's unit is a whole RWKV_UE-element piece of a
//   block (common.glsl mmu_raw: aligned uvec4 / word loads, scales decoded once per unit;
//   mmu_quad decodes one quad at a time)
//   and x is read as vec4s when u_xal says every token's x start is 16-byte aligned.
//   PRE = 1: a pass's UNR units of all NR rows are loaded (mmu_load: raw words, no scales
//   decoded) before any is decoded.
// Grid: x = sum over groups of ceil(rows / rows per workgroup), y = token tiles.
// PRO (KERNEL 0 / 2, decode): a layer-norm + token-shift prologue builds x in shared
//   memory (see pro_build; rwkv_mm_dispatch_prologue).

layout(std430, binding = 1) readonly buffer Xbuf { float xs[]; };
// (DSYNC: y stored coherently, so that the count after the stores says they are visible)
#if defined(DSYNC)
layout(std430, binding = 2) coherent buffer Ybuf { float ys[]; };
#else
layout(std430, binding = 2) buffer Ybuf { float ys[]; };
#endif

#if defined(RWKV_OCC) && KERNEL != 3
// Occupancy probe (RWKV_MM_OCC=1, bench-mm BENCH_MM_OCC=1): occ_max is the most workgroups
// that were running at once, the GPU's resident limit for this kernel when the grid is
// large (divide by the SM count). The kernel's own main becomes mm_main, wrapped at the end.
layout(std430, binding = 7) buffer Occ { uint occ_run, occ_max; };
#define main mm_main
#endif

layout(location = 0) uniform uint u_K;
layout(location = 1) uniform uint u_T;
layout(location = 2) uniform uint u_row_bytes;  // packed (padded) row stride
layout(location = 3) uniform uint u_ng;
layout(location = 4) uniform uvec4 u_ga[4];     // first workgroup, first row, rows, acc|act<<1
layout(location = 8) uniform uvec4 u_gb[4];     // xoff, ldx, yoff, ldy
#if KERNEL == 2 || KERNEL == 0
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

#if (KERNEL == 0 || KERNEL == 1 || KERNEL == 3) && !defined(PRO)
// Token map (a padded batch's prefill, rwkv_gpu_set_token_map): token t of the dispatch is
// row tmap[u_tmoff + t] of x (u_tmap bit 0) / of y (bit 1): only the live rows are computed.
layout(std430, binding = 3) readonly buffer Tmap { uint tmap[]; };
layout(location = 15) uniform uint u_tmap;
layout(location = 16) uniform uint u_tmoff;  // the map's first uint in Tmap
uint mm_tx(uint t) { return (u_tmap & 1u) != 0u ? tmap[u_tmoff + t] : t; }
uint mm_ty(uint t) { return (u_tmap & 2u) != 0u ? tmap[u_tmoff + t] : t; }
#else
uint mm_tx(uint t) { return t; }
uint mm_ty(uint t) { return t; }
#endif

// 8 weights of row rb (byte offset) at e0; float rows may end inside the group.
void mm_w8(uint rb, uint e0, out vec4 lo, out vec4 hi) {
#if defined(RWKV_WFLOAT) && !(defined(KFULL) && KFULL)
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
#elif LANES > SGS  // lane groups of several subgroups: one partial sum per subgroup
shared float red[(WG / SGS) * NR * TT];
#endif

// Sum acc over the LANES lanes of each row and store rows r0.. (lane 0).
void mm_finish(float acc[NR * TT], uint lid, uint lane, uint r0, uint rend, uint t0, uvec4 ga,
               uvec4 gb) {
#if LANES > 1
#if defined(RWKV_SUBGROUP)
  for (int i = 0; i < NR * TT; i++) acc[i] = subgroupAdd(acc[i]);
#if LANES > SGS
  // subgroups are consecutive invocations (lid / SGS), LANES / SGS of them per lane group
  const uint NSG = uint(WG / SGS);
  if (lid % uint(SGS) == 0u)
    for (int i = 0; i < NR * TT; i++) red[uint(i) * NSG + lid / uint(SGS)] = acc[i];
  memoryBarrierShared();
  barrier();
  if (lane == 0u)
    for (int i = 0; i < NR * TT; i++) {
      float s = 0.0;
      for (uint q = 0u; q < uint(LANES / SGS); q++) s += red[uint(i) * NSG + lid / uint(SGS) + q];
      acc[i] = s;
    }
#endif
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
          if (t0 + uint(t) < u_T) mm_store(ga, gb, row, mm_ty(t0 + uint(t)), acc[r * TT + t]);
    }
}
#endif

#if defined(PRO)
// Prologue mode (decode: token t of the dispatch is sequence t's one row, forward.c T == 1).
// Every workgroup computes its tokens' layer norm xa = LN(x_t) (weight u_plnw, bias u_plnb,
// two-pass statistics) and its group's token-shift mix xa + (prev - xa) * lerp, where prev is
// the sequence's prev vector in the state (pr_seq[2t + 1] + u_pprev) and lerp the group's
// par vector (gb.x): rwkv_ln_mix.comp's math, staged in shared memory for the dot products.
// Workgroup 0 of each token tile (u_pwrite) also writes xa to the y buffer at u_plast and
// copies x buffer [u_pfrom + t K ..] into the state at u_pto (u_pfrom != 0); the state
// slot it reads (u_pprev) is never the one written. Rows with t < start (pr_seq[2t]) are
// padding: x = 0, no writes. PRO_K: K (host), PRO_P2: WG rounded up to a power of 2.
layout(std430, binding = 3) readonly buffer ProPar { float pr_par[]; };
layout(std430, binding = 4) buffer ProSt { float pr_st[]; };
layout(std430, binding = 5) readonly buffer ProSeq { uint pr_seq[]; };
layout(location = 16) uniform uint u_pxoff;  // raw x of token t: x buffer [u_pxoff + t K ..)
layout(location = 17) uniform uint u_plnw;   // par: norm weight, bias (K floats)
layout(location = 18) uniform uint u_plnb;
layout(location = 19) uniform float u_peps;
layout(location = 20) uniform uint u_pprev;  // prev vector's offset inside a sequence's state
layout(location = 21) uniform uint u_plast;  // y buffer: xa of token t at [u_plast + t K ..)
layout(location = 22) uniform uint u_pfrom;  // != 0: x buffer [u_pfrom + t K ..) -> state
layout(location = 23) uniform uint u_pto;    //   [pr_seq[2t + 1] + u_pto ..)
layout(location = 24) uniform uint u_pwrite; // 1: workgroup 0 writes last / the store
#define PKQ (((PRO_K + 7) / 8) * 2)          // vec4s per token, zero-padded to 8 floats
shared vec4 xsp[TT * PKQ];
shared float pro_red[WG];

// Sum of v over the workgroup (every invocation calls it).
float pro_sum(float v) {
  uint lid = gl_LocalInvocationID.x;
#if defined(RWKV_SUBGROUP)
  float s = subgroupAdd(v);
  barrier();  // the previous call's readers are done
  if (subgroupElect()) pro_red[lid / gl_SubgroupSize] = s;
  memoryBarrierShared();
  barrier();
  float t = 0.0;
  for (uint i = 0u; i < (uint(WG) + gl_SubgroupSize - 1u) / gl_SubgroupSize; i++) t += pro_red[i];
  return t;
#else
  barrier();
  pro_red[lid] = v;
  memoryBarrierShared();
  barrier();
  for (uint s = uint(PRO_P2) / 2u; s > 0u; s >>= 1u) {
    if (lid < s && lid + s < uint(WG)) pro_red[lid] += pro_red[lid + s];
    memoryBarrierShared();
    barrier();
  }
  return pro_red[0];
#endif
}

void pro_build(uint t0, uint lerp) {
  uint lid = gl_LocalInvocationID.x;
  bool wr = gl_WorkGroupID.x == 0u && u_pwrite != 0u;
  for (int k = 0; k < TT; k++) {
    uint t = min(t0 + uint(k), u_T - 1u);
    bool live = t0 + uint(k) < u_T && pr_seq[2u * t] == 0u;  // uniform per workgroup
    uint xb = u_pxoff + t * u_K, sb = pr_seq[2u * t + 1u], xo = uint(k) * uint(PKQ);
    // x is read once into xsp; each invocation later revisits only its own elements
    float s = 0.0;
    for (uint c = lid; c < uint(PKQ * 4); c += uint(WG)) {
      float v = c < u_K ? xs[xb + c] : 0.0;
      xsp[xo + (c >> 2)][c & 3u] = v;
      s += v;
    }
    float mean = pro_sum(s) / float(u_K);
    s = 0.0;
    for (uint c = lid; c < u_K; c += uint(WG)) {
      float d = xsp[xo + (c >> 2)][c & 3u] - mean;
      s += d * d;
    }
    float rstd = inversesqrt(pro_sum(s) / float(u_K) + u_peps);
    for (uint c = lid; c < uint(PKQ * 4); c += uint(WG)) {
      float v = 0.0;
      if (live && c < u_K) {
        float xa = (xsp[xo + (c >> 2)][c & 3u] - mean) * rstd * pr_par[u_plnw + c] + pr_par[u_plnb + c];
        float prev = pr_st[sb + u_pprev + c];
        v = xa + (prev - xa) * pr_par[lerp + c];
        if (wr) {
          ys[u_plast + t * u_K + c] = xa;
          if (u_pfrom != 0u) pr_st[sb + u_pto + c] = xs[u_pfrom + t * u_K + c];
        }
      }
      xsp[xo + (c >> 2)][c & 3u] = v;
    }
  }
  memoryBarrierShared();
  barrier();
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
#if defined(PRO)
  pro_build(t0, gb.x);
#endif
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
      uint tt = min(t0 + t, u_T - 1u), xb = mm_tx(tt) * gb.y + gb.x + j;
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
#if defined(PRO)
          xl[t] = xsp[uint(t) * uint(PKQ) + (e0 >> 2)];
          xh[t] = xsp[uint(t) * uint(PKQ) + (e0 >> 2) + 1u];
#elif XSH
          xl[t] = xsh[uint(t) * uint(XCH / 4) + 2u * uc];
          xh[t] = xsh[uint(t) * uint(XCH / 4) + 2u * uc + 1u];
#else
          uint tt = min(t0 + uint(t), u_T - 1u), xb = mm_tx(tt) * gb.y + gb.x + e0;
#if defined(KFULL) && KFULL  // no partial unit; x as two vec4 loads when aligned (llvmpipe: 4x fewer loads)
          xl[t] = mm_x4(xb);
          xh[t] = mm_x4(xb + 4u);
#else
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
// MM_CUT (RWKV_MM_CUT, a diagnostic like RWKV_WKV_CUT; garbage out): 1 no decode / dot
// products (the loaded words and x summed), 2 no x loads (session 24's 4 / 8, which bounded an
// interleaved K-quant layout, are in 4825998: bench/MATMUL.md round 20)

#if defined(DSYNC)
// Dispatch counters (forward.c dsync, decode; a program of its own, matmul.c
// rwkv_mm_sync_init): with u_wslot != 0 the workgroup waits until counter u_wslot - 1 reaches
// u_wait (its producer's workgroups all counted, their stores visible: no barrier between the
// two dispatches); with u_cslot != 0 it counts itself done in counter u_cslot - 1 after its
// stores. Waits are bounded (DSYNC_TRIES polls): a count that never comes makes garbage, not
// a hang. x is then read through the cache as always: forward.c keeps every x range such a
// consumer reads unread by any dispatch since the last barrier, so no stale line of it is
// cached.
// (the counters: common.glsl DSYNC_BINDING, dsync_count)
layout(location = 25) uniform uint u_wslot;
layout(location = 26) uniform uint u_wait;
layout(location = 27) uniform uint u_cslot;
#define DSYNC_TRIES 65536u
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
#if defined(PRO)
  pro_build(t0, gb.x);
#else
  uint xb[TT];
  for (int t = 0; t < TT; t++) xb[t] = min(t0 + uint(t), u_T - 1u) * gb.y + gb.x;
#endif
  float acc[NR * TT];
  for (int i = 0; i < NR * TT; i++) acc[i] = 0.0;
  uint nu = u_K / uint(RWKV_UE);
#if defined(DSYNC)
  if (u_wslot != 0u) { // (uniform)
    if (lid == 0u) {
      uint n = 0u;
      while (int(dsync[DSYNC_STRIDE * (u_wslot - 1u)] - u_wait) < 0 && n < DSYNC_TRIES) n++;
      memoryBarrierBuffer();
    }
    barrier();
  }
#endif
  for (uint u = lane; u < nu; u += uint(LANES * UNR)) {
#if PRE
    // every unit of this pass loaded first (past the row: its last unit again, not used), so
    // all their loads are in flight together
    MmLd wp[UNR * NR];
    for (int k = 0; k < UNR; k++)
      for (int r = 0; r < NR; r++) mmu_load(rbs[r], min(u + uint(k * LANES), nu - 1u), wp[k * NR + r]);
#endif
    for (int k = 0; k < UNR; k++) {
      uint uk = u + uint(k * LANES);
      if (uk < nu) {
        MmRaw w[NR];
#if PRE
        for (int r = 0; r < NR; r++) mmu_unpack(wp[k * NR + r], uk, w[r]);
#else
        for (int r = 0; r < NR; r++) mmu_raw(rbs[r], uk, w[r]);
#endif
        // one quad at a time: x and the decoded weights are live for one quad only
        for (int i = 0; i < RWKV_UQ; i++) {
          for (int t = 0; t < TT; t++) {
#if defined(PRO)
            vec4 xq = xsp[uint(t) * uint(PKQ) + (mmu_e(uk, uint(i)) >> 2)];
#elif MM_CUT & 2
            vec4 xq = vec4(float(i)); // (diagnostic: no x loads)
#else
            vec4 xq = mm_x4(xb[t] + mmu_e(uk, uint(i)));
#endif
#if MM_CUT & 1
            // (diagnostic: the loads without the decode and dot products; garbage out)
            for (int r = 0; r < NR; r++)
              acc[r * TT + t] += xq.x + w[r].s.x + float((w[r].q.x ^ w[r].q.y ^ w[r].q.z ^ w[r].q.w) & 1u);
#else
#if !defined(RWKV_WFLOAT)
            float xsum = xq.x + xq.y + xq.z + xq.w;
#endif
            for (int r = 0; r < NR; r++) {
              vec4 q;
              float a, m;
              mmu_quad(w[r], i, q, a, m);
#if defined(RWKV_WFLOAT)
              acc[r * TT + t] += dot(q, xq);
#else
              acc[r * TT + t] += a * dot(q, xq) - m * xsum;
#endif
            }
#endif
          }
        }
      }
    }
  }
  mm_finish(acc, lid, lane, r0, rend, t0, ga, gb);
#if defined(DSYNC)
  if (u_cslot != 0u) dsync_count(u_cslot); // (uniform)
#endif
}

#elif KERNEL == 1  // tiled prefill

#define QM (BM / 4)
#define QN (BT / 4)
#define TM (QM / RQ)
#define TN (QN / NQ)
// weight units (8 weights of a row) and x quads (4 k of a token) per invocation per slice
#define NU ((BM * (BK / 8) + WGT - 1) / WGT)
#define NX ((BT * (BK / 4) + WGT - 1) / WGT)
// WGT = TM * TN, a literal from matmul.c (NVIDIA wants a literal in the layout)
layout(local_size_x = WGT) in;
// [buffer][k][row quad] and [buffer][k][token quad]; DB = 1: two buffers, one barrier a slice
// The tiles live in float arrays so that a decoded value's store is one scalar store at a
// computed address: as vec4 arrays, an element picked by the invocation's row (wsh[o][c])
// compiled to a three-level IF tree per store on NVIDIA, c differing between neighbouring
// lanes, so that every warp walked all four paths (~300 of a K slice's ~950 instructions
// against 512 FMAs; H200 17 -> 25-29 TFLOP/s, bench/MATMUL.md round 9). The compute loop
// reads them back as vec4s of four floats.
shared float wshf[(DB + 1) * BK * QM * 4];
shared float xshf[(DB + 1) * BK * QN * 4];
#define WST(o, c, v) wshf[4u * (o) + (c)] = (v)
#define XST(o, c, v) xshf[4u * (o) + (c)] = (v)
vec4 wld(uint i) { uint b = 4u * i; return vec4(wshf[b], wshf[b + 1u], wshf[b + 2u], wshf[b + 3u]); }
vec4 xld(uint i) { uint b = 4u * i; return vec4(xshf[b], xshf[b + 1u], xshf[b + 2u], xshf[b + 3u]); }
layout(std430, binding = 1) readonly buffer Xbuf4 { vec4 xs4[]; };
layout(location = 12) uniform uint u_xal;      // 1: xoff % 4 == 0 and ldx % 4 == 0 (vec4 x loads)
layout(location = 13) uniform uint u_kchunk;   // K elements per split (gl_WorkGroupID.z), % BK == 0
layout(location = 14) uniform uint u_zstride;  // y floats between two splits' partial sums

// Raw words holding weights e0..e0+7 (e0 % 8 == 0) of the row at byte rb: loaded one K
// slice ahead into registers (a, b), decoded by mt_dec after the current slice's FMAs.
// Word positions follow common.glsl's packed dq8_* decoders (ggml-common.h layouts).
void mt_raw(uint rb, uint e0, out uvec4 a, out uvec4 b) {
  a = uvec4(0u);
  b = uvec4(0u);
#if RWKV_WTYPE == RWKV_T_F32
  uint i4 = (rb + 4u * e0) >> 4;
  a = rwkv_w4[i4];
  b = rwkv_w4[i4 + 1u];
#elif RWKV_WTYPE == RWKV_T_F16 || RWKV_WTYPE == RWKV_T_BF16
  a = rwkv_w4[(rb + 2u * e0) >> 4];
#else
  uint blk = rb + (e0 / RWKV_QK) * RWKV_QB, o = e0 % RWKV_QK;
#if RWKV_WTYPE == RWKV_T_Q8_0  // qs[32] d
  a.x = w_u32(blk + o);
  a.y = w_u32(blk + o + 4u);
  a.z = w_u32(blk + 32u);
#elif RWKV_WTYPE == RWKV_T_Q4_0  // qs[16] d
  uint qb = blk + (o & 15u);
  a.x = w_u32(qb);
  a.y = w_u32(qb + 4u);
  a.z = w_u32(blk + 16u);
#elif RWKV_WTYPE == RWKV_T_Q4_1  // d m qs[16]
  uint qb = blk + 4u + (o & 15u);
  a.x = w_u32(qb);
  a.y = w_u32(qb + 4u);
  a.z = w_u32(blk);
#elif RWKV_WTYPE == RWKV_T_Q5_0  // qh[4] qs[16] d
  uint qb = blk + 4u + (o & 15u);
  a.x = w_u32(qb);
  a.y = w_u32(qb + 4u);
  a.z = w_u32(blk);
  a.w = w_u32(blk + 20u);
#elif RWKV_WTYPE == RWKV_T_Q5_1  // d m qh[4] qs[16]
  uint qb = blk + 8u + (o & 15u);
  a.x = w_u32(qb);
  a.y = w_u32(qb + 4u);
  a.z = w_u32(blk + 4u);
  a.w = w_u32(blk);
#elif RWKV_WTYPE == RWKV_T_Q2_K  // scales[16] qs[64] d dmin
  uint h = o >> 7, j = (o & 127u) >> 5, l = o & 31u;
  uint qb = blk + 16u + 32u * h + l;
  a.x = w_u32(qb);
  a.y = w_u32(qb + 4u);
  a.z = w_u32(blk + ((8u * h + 2u * j + (l >> 4)) & ~3u));
  a.w = w_u32(blk + 80u);
#elif RWKV_WTYPE == RWKV_T_Q3_K  // hmask[32] qs[64] scales[12] d
  uint h = o >> 7, j = (o & 127u) >> 5, l = o & 31u, i = 8u * h + 2u * j + (l >> 4);
  uint qb = blk + 32u + 32u * h + l;
  a.x = w_u32(qb);
  a.y = w_u32(qb + 4u);
  a.z = w_u32(blk + l);
  a.w = w_u32(blk + l + 4u);
  b.x = w_u32(blk + 96u + (i & 4u));
  b.y = w_u32(blk + 104u);
  b.z = w_u32(blk + 108u);
#elif RWKV_WTYPE == RWKV_T_Q4_K  // d dmin scales[12] | qs[128]
  a = rwkv_w4[blk >> 4];
  uint qb = blk + 16u + 32u * (o >> 6) + (o & 31u);
  b.x = w_u32(qb);
  b.y = w_u32(qb + 4u);
#elif RWKV_WTYPE == RWKV_T_Q5_K  // d dmin scales[12] | qh[32] | qs[128]
  a = rwkv_w4[blk >> 4];
  uint l = o & 31u, qb = blk + 48u + 32u * (o >> 6) + l;
  b.x = w_u32(qb);
  b.y = w_u32(qb + 4u);
  b.z = w_u32(blk + 16u + l);
  b.w = w_u32(blk + 20u + l);
#elif RWKV_WTYPE == RWKV_T_Q6_K  // ql[128] qh[64] scales[16] d
  uint h = o >> 7, k = (o & 127u) >> 5, l = o & 31u;
  uint qb = blk + 64u * h + 32u * (k & 1u) + l, hb = blk + 128u + 32u * h + l;
  a.x = w_u32(qb);
  a.y = w_u32(qb + 4u);
  a.z = w_u32(hb);
  a.w = w_u32(hb + 4u);
  b.x = w_u32(blk + 192u + ((8u * h + (l >> 4) + 2u * k) & ~3u));
  b.y = w_u32(blk + 208u);
#endif
#endif
}

void mt_dec(uvec4 a, uvec4 b, uint e0, out vec4 lo, out vec4 hi) {
#if RWKV_WTYPE == RWKV_T_F32
  lo = uintBitsToFloat(a);
  hi = uintBitsToFloat(b);
#elif RWKV_WTYPE == RWKV_T_F16
  lo = vec4(unpackHalf2x16(a.x), unpackHalf2x16(a.y));
  hi = vec4(unpackHalf2x16(a.z), unpackHalf2x16(a.w));
#elif RWKV_WTYPE == RWKV_T_BF16
  lo = bf16x4(a.x, a.y);
  hi = bf16x4(a.z, a.w);
#else
  uint o = e0 % RWKV_QK;
#if RWKV_WTYPE == RWKV_T_Q8_0
  float d = unpackHalf2x16(a.z).x;
  lo = d * s8x4(a.x);
  hi = d * s8x4(a.y);
#elif RWKV_WTYPE == RWKV_T_Q4_0
  float d = unpackHalf2x16(a.z).x;
  uint sh = (o >> 4) << 2;
  lo = d * (u8x4((a.x >> sh) & 0x0F0F0F0Fu) - 8.0);
  hi = d * (u8x4((a.y >> sh) & 0x0F0F0F0Fu) - 8.0);
#elif RWKV_WTYPE == RWKV_T_Q4_1
  vec2 dm = unpackHalf2x16(a.z);
  uint sh = (o >> 4) << 2;
  lo = dm.x * u8x4((a.x >> sh) & 0x0F0F0F0Fu) + dm.y;
  hi = dm.x * u8x4((a.y >> sh) & 0x0F0F0F0Fu) + dm.y;
#elif RWKV_WTYPE == RWKV_T_Q5_0
  float d = unpackHalf2x16(a.w).x;
  uint sh = (o >> 4) << 2;
  lo = d * (u8x4((a.x >> sh) & 0x0F0F0F0Fu) + 16.0 * bits4(a.z, o) - 16.0);
  hi = d * (u8x4((a.y >> sh) & 0x0F0F0F0Fu) + 16.0 * bits4(a.z, o + 4u) - 16.0);
#elif RWKV_WTYPE == RWKV_T_Q5_1
  vec2 dm = unpackHalf2x16(a.w);
  uint sh = (o >> 4) << 2;
  lo = dm.x * (u8x4((a.x >> sh) & 0x0F0F0F0Fu) + 16.0 * bits4(a.z, o)) + dm.y;
  hi = dm.x * (u8x4((a.y >> sh) & 0x0F0F0F0Fu) + 16.0 * bits4(a.z, o + 4u)) + dm.y;
#elif RWKV_WTYPE == RWKV_T_Q2_K
  uint h = o >> 7, j = (o & 127u) >> 5, l = o & 31u;
  uint sc = (a.z >> (((8u * h + 2u * j + (l >> 4)) & 3u) << 3)) & 0xFFu;
  vec2 dm = unpackHalf2x16(a.w);
  float d = dm.x * float(sc & 15u), m = dm.y * float(sc >> 4);
  uint sh = 2u * j;
  lo = d * u8x4((a.x >> sh) & 0x03030303u) - m;
  hi = d * u8x4((a.y >> sh) & 0x03030303u) - m;
#elif RWKV_WTYPE == RWKV_T_Q3_K
  uint h = o >> 7, j = (o & 127u) >> 5, l = o & 31u, i = 8u * h + 2u * j + (l >> 4);
  uint lo4 = (b.x >> ((i & 3u) << 3)) & 0xFFu;
  lo4 = i < 8u ? (lo4 & 15u) : (lo4 >> 4);
  uint hi2 = (b.y >> (((i & 3u) << 3) + 2u * (i >> 2))) & 3u;
  float d = unpackHalf2x16(b.z).x * float(int(lo4 | (hi2 << 4)) - 32);
  uint sh = 2u * j, hb = 4u * h + j;
  lo = d * (u8x4((a.x >> sh) & 0x03030303u) + 4.0 * u8x4((a.z >> hb) & 0x01010101u) - 4.0);
  hi = d * (u8x4((a.y >> sh) & 0x03030303u) + 4.0 * u8x4((a.w >> hb) & 0x01010101u) - 4.0);
#elif RWKV_WTYPE == RWKV_T_Q4_K || RWKV_WTYPE == RWKV_T_Q5_K
  uint r = o & 63u, p = 2u * (o >> 6) + (r >> 5), sh = (r >> 5) << 2;
  uvec2 v = k4_sm_at(a, p) & 0xFFu;
  vec2 sm = u8x4(v.x | (v.y << 8)).xy, dm = unpackHalf2x16(a.x);
  float d = dm.x * sm.x, m = dm.y * sm.y;
#if RWKV_WTYPE == RWKV_T_Q4_K
  lo = d * u8x4((b.x >> sh) & 0x0F0F0F0Fu) - m;
  hi = d * u8x4((b.y >> sh) & 0x0F0F0F0Fu) - m;
#else
  lo = d * (u8x4((b.x >> sh) & 0x0F0F0F0Fu) + 16.0 * u8x4((b.z >> p) & 0x01010101u)) - m;
  hi = d * (u8x4((b.y >> sh) & 0x0F0F0F0Fu) + 16.0 * u8x4((b.w >> p) & 0x01010101u)) - m;
#endif
#elif RWKV_WTYPE == RWKV_T_Q6_K
  uint h = o >> 7, k = (o & 127u) >> 5, l = o & 31u;
  int sc = bitfieldExtract(int(b.x), int(((8u * h + (l >> 4) + 2u * k) & 3u) << 3), 8);
  float d = unpackHalf2x16(b.y).x * float(sc);
  uint sh = (k >> 1) << 2, hs = 2u * k;
  uint a0 = ((a.x >> sh) & 0x0F0F0F0Fu) | (((a.z >> hs) & 0x03030303u) << 4);
  uint a1 = ((a.y >> sh) & 0x0F0F0F0Fu) | (((a.w >> hs) & 0x03030303u) << 4);
  lo = d * (u8x4(a0) - 32.0);
  hi = d * (u8x4(a1) - 32.0);
#endif
#endif
}

// Per-invocation staging registers (module scope: private to the invocation).
// MT_SHARE: with one row's units an invocation (WGT == BM: unit j of invocation lid is row
// lid's j-th 8 weights of the slice) the K-quants' per-block words are the same for every
// unit, so they are loaded and held once, not NU times (8 x 8 tiles spilled registers
// without it): q4_K / q5_K's header (a) where BK divides 256 (a slice never straddles a
// block), q6_K's scale word and d (b) where BK <= 32 too (one word for 32 aligned weights)
#if WGT == BM && NU > 1 && (256 % BK) == 0 && (RWKV_WTYPE == RWKV_T_Q4_K || RWKV_WTYPE == RWKV_T_Q5_K)
#define MT_SHARE 1
#elif WGT == BM && NU > 1 && BK <= 32 && (256 % BK) == 0 && RWKV_WTYPE == RWKV_T_Q6_K
#define MT_SHARE 2
#else
#define MT_SHARE 0
#endif
uvec4 g_ra[MT_SHARE == 1 ? 1 : NU], g_rb[MT_SHARE == 2 ? 1 : NU];
#if MT_SHARE == 1
#define GA(j) g_ra[0]
#define GB(j) g_rb[j]
#elif MT_SHARE == 2
#define GA(j) g_ra[j]
#define GB(j) g_rb[0]
#else
#define GA(j) g_ra[j]
#define GB(j) g_rb[j]
#endif
vec4 g_x[NX];

// Issue the global loads of the slice at k0 (elements [k0, min(k0 + BK, ke))).
void mt_load(uint k0, uint ke, uint rbase, uint rend, uint t0, uvec4 gb) {
  uint lid = gl_LocalInvocationID.x;
  for (int j = 0; j < NU; j++) {
    uint q = lid + uint(j * WGT);
    uint r = q % uint(BM), e0 = k0 + (q / uint(BM)) * 8u;
#if MT_SHARE
    // (unit 0 loads the shared words, the others only their own; a unit past K leaves its
    // words unused, and unit 0 is past K only if every unit is)
    uvec4 ta = uvec4(0u), tb = uvec4(0u);
    if (q < uint(BM * (BK / 8)) && e0 < ke) mt_raw(min(rbase + r, rend - 1u) * u_row_bytes, e0, ta, tb);
    if (j == 0 || MT_SHARE != 1) GA(j) = ta;
    if (j == 0 || MT_SHARE != 2) GB(j) = tb;
#else
    g_ra[j] = uvec4(0u);
    g_rb[j] = uvec4(0u);
    if (q < uint(BM * (BK / 8)) && e0 < ke)
      mt_raw(min(rbase + r, rend - 1u) * u_row_bytes, e0, g_ra[j], g_rb[j]);
#endif
  }
  for (int j = 0; j < NX; j++) {
    uint q = lid + uint(j * WGT);
    uint t = t0 + q % uint(BT), e = k0 + (q / uint(BT)) * 4u;
    vec4 v = vec4(0.0);
    if (q < uint(BT * (BK / 4)) && t < u_T && e < ke) {
      uint xb = mm_tx(t) * gb.y + gb.x + e;
      if (u_xal != 0u && e + 4u <= ke) v = xs4[xb >> 2];
      else
        for (uint i = 0u; i < 4u; i++)
          if (e + i < ke) v[i] = xs[xb + i];
    }
    g_x[j] = v;
  }
}

// Decode the staged slice at k0 into shared buffer `buf`: consecutive invocations hold
// consecutive rows / tokens, so the scalar stores hit consecutive banks.
void mt_store(uint buf, uint k0, uint ke) {
  uint lid = gl_LocalInvocationID.x;
  for (int j = 0; j < NU; j++) {
    uint q = lid + uint(j * WGT);
    if (q < uint(BM * (BK / 8))) {
      uint r = q % uint(BM), gi = q / uint(BM), e0 = k0 + gi * 8u;
      vec4 lo = vec4(0.0), hi = vec4(0.0);
      if (e0 < ke) mt_dec(GA(j), GB(j), e0, lo, hi);
#if defined(RWKV_WFLOAT)
      if (e0 + 8u > ke)  // a float row ending inside the unit (K % 8 != 0)
        for (uint i = 0u; i < 4u; i++) {
          if (e0 + i >= ke) lo[i] = 0.0;
          if (e0 + 4u + i >= ke) hi[i] = 0.0;
        }
#endif
      uint o = buf * uint(BK * QM) + gi * 8u * uint(QM) + r / 4u, c = r & 3u;
      WST(o, c, lo.x);
      WST(o + uint(QM), c, lo.y);
      WST(o + 2u * uint(QM), c, lo.z);
      WST(o + 3u * uint(QM), c, lo.w);
      WST(o + 4u * uint(QM), c, hi.x);
      WST(o + 5u * uint(QM), c, hi.y);
      WST(o + 6u * uint(QM), c, hi.z);
      WST(o + 7u * uint(QM), c, hi.w);
    }
  }
  for (int j = 0; j < NX; j++) {
    uint q = lid + uint(j * WGT);
    if (q < uint(BT * (BK / 4))) {
      uint t = q % uint(BT), kq = q / uint(BT);
      uint o = buf * uint(BK * QN) + 4u * kq * uint(QN) + t / 4u, c = t & 3u;
      XST(o, c, g_x[j].x);
      XST(o + uint(QN), c, g_x[j].y);
      XST(o + 2u * uint(QN), c, g_x[j].z);
      XST(o + 3u * uint(QN), c, g_x[j].w);
    }
  }
}

void main() {
  uint wgx = gl_WorkGroupID.x, g = 0u;
  for (uint i = 1u; i < u_ng; i++)
    if (wgx >= u_ga[i].x) g = i;
  uvec4 ga = u_ga[g], gb = u_gb[g];
  gb.z += gl_WorkGroupID.z * u_zstride;
  uint lid = gl_LocalInvocationID.x;
  uint rend = ga.y + ga.z;
  uint rbase = ga.y + (wgx - ga.x) * uint(BM);
  uint t0 = gl_WorkGroupID.y * uint(BT);
#if SWZ
  // each 32 consecutive invocations (a warp) own 8 row quads x 4 token quads, so one k step
  // reads 8 + 4 distinct vec4s from shared memory per warp instead of 32 + 1 (lid % TM):
  // half the shared-memory wavefronts per FMA (the host checks TM % 8, TN % 4)
  uint wl = lid & 31u, wi = lid >> 5u;
  uint tm = (wi % uint(TM / 8)) * 8u + (wl & 7u), tn = (wi / uint(TM / 8)) * 4u + (wl >> 3u);
#else
  uint tm = lid % uint(TM), tn = lid / uint(TM);
#endif
  uint kb = gl_WorkGroupID.z * u_kchunk, ke = min(u_K, kb + u_kchunk);
  uint ns = ke > kb ? (ke - kb + uint(BK) - 1u) / uint(BK) : 0u;
  vec4 acc[4 * RQ][NQ];
  for (int i = 0; i < 4 * RQ; i++)
    for (int b = 0; b < NQ; b++) acc[i][b] = vec4(0.0);

  if (ns > 0u) {
    mt_load(kb, ke, rbase, rend, t0, gb);
#if DB
    mt_store(0u, kb, ke);
#endif
  }
#if DB
  barrier();
#endif
  for (uint s = 0u; s < ns; s++) {
    uint k0 = kb + s * uint(BK), next = k0 + uint(BK);
    bool more = s + 1u < ns;
#if DB
    uint cur = s & 1u;
    if (more) {
      mt_load(next, ke, rbase, rend, t0, gb);  // in flight during the FMAs below
#if !PF
      mt_store(cur ^ 1u, next, ke);
#endif
    }
#else
    uint cur = 0u;
    barrier();  // the previous slice's readers are done
    mt_store(0u, k0, ke);
    barrier();
#if PF
    if (more) mt_load(next, ke, rbase, rend, t0, gb);
#endif
#endif
    uint wo = cur * uint(BK * QM) + tm, xo = cur * uint(BK * QN) + tn;
    // KU k steps per pass of the loop, written out (the compiler keeps the loop otherwise)
#define KSTEP(k)                                                                          \
    {                                                                                     \
      vec4 w[RQ], xv[NQ];                                                                 \
      for (int a = 0; a < RQ; a++) w[a] = wld(wo + (k) * uint(QM) + uint(a * TM));        \
      for (int b = 0; b < NQ; b++) xv[b] = xld(xo + (k) * uint(QN) + uint(b * TN));       \
      for (int a = 0; a < RQ; a++)                                                        \
        for (int b = 0; b < NQ; b++) {                                                    \
          acc[4 * a][b] += w[a].x * xv[b];                                                \
          acc[4 * a + 1][b] += w[a].y * xv[b];                                            \
          acc[4 * a + 2][b] += w[a].z * xv[b];                                            \
          acc[4 * a + 3][b] += w[a].w * xv[b];                                            \
        }                                                                                 \
    }
    for (uint k = 0u; k < uint(BK); k += uint(KU)) {
      KSTEP(k)
#if KU >= 2
      KSTEP(k + 1u)
#endif
#if KU >= 4
      KSTEP(k + 2u) KSTEP(k + 3u)
#endif
#if KU >= 8
      KSTEP(k + 4u) KSTEP(k + 5u) KSTEP(k + 6u) KSTEP(k + 7u)
#endif
#if KU >= 16
      KSTEP(k + 8u) KSTEP(k + 9u) KSTEP(k + 10u) KSTEP(k + 11u)
      KSTEP(k + 12u) KSTEP(k + 13u) KSTEP(k + 14u) KSTEP(k + 15u)
#endif
    }
#if DB
#if PF
    if (more) mt_store(cur ^ 1u, next, ke);
#endif
    barrier();
#else
#if !PF
    if (more) mt_load(next, ke, rbase, rend, t0, gb);
#endif
#endif
  }
  for (int a = 0; a < RQ; a++)
    for (uint i = 0u; i < 4u; i++) {
      uint row = rbase + (tm + uint(a * TM)) * 4u + i;
      if (row < rend)
        for (int b = 0; b < NQ; b++)
          for (uint j = 0u; j < 4u; j++) {
            uint t = t0 + (tn + uint(b * TN)) * 4u + j;
            if (t < u_T) mm_store(ga, gb, row, mm_ty(t), acc[4 * a + int(i)][b][j]);
          }
    }
}

#elif KERNEL == 4  // dequantize (rwkv_mm_dequant): this chunk's rows as f16 or f32 rows

// Grid (ceil(K / 8 / WG), Y): invocation x decodes unit x (8 weights) of rows y, y + Y, ..
// (Y <= the chunk's rows u_ga[0].z: fewer workgroups, each looping, so that the decode beside
// the WKV scan takes the memory bus in a thinner stream) and stores them as 8 halves (f16
// rows' packed layout: lowest element in the low half of a word), or with OUT_F32 as 8
// floats, in row u_ga[0].x + y of the float rows, u_ostride uvec4s apart. K % 8 == 0.
layout(local_size_x = WG) in;
layout(std430, binding = 2) writeonly buffer Y16 { uvec4 y16[]; };
layout(location = 13) uniform uint u_ostride;

void main() {
  uint u = gl_GlobalInvocationID.x;
  if (u >= u_K / 8u) return;
  for (uint row = gl_WorkGroupID.y; row < u_ga[0].z; row += gl_NumWorkGroups.y) {
    vec4 lo, hi;
    mm_w8(row * u_row_bytes, 8u * u, lo, hi);
#if defined(OUT_F32)  // f32 rows: exactly the decoded values
    uint o = (u_ga[0].x + row) * u_ostride + 2u * u;
    y16[o] = floatBitsToUint(lo);
    y16[o + 1u] = floatBitsToUint(hi);
#else
    y16[(u_ga[0].x + row) * u_ostride + u] =
        uvec4(packHalf2x16(lo.xy), packHalf2x16(lo.zw), packHalf2x16(hi.xy), packHalf2x16(hi.zw));
#endif
  }
}

#else  // KERNEL == 3: split-K reduce

// Sums the u_S partial results of a split tiled dispatch: scratch (binding 1) holds split s,
// token t, position j at [(s * T + t) * u_R + j]; group g owns positions [ga.x, ga.x + ga.z)
// (its rows ga.y ..) and is stored through mm_store (activation, accumulate) at y row
// mm_ty(t). Grid: x = ceil(u_R / WG), y = T.
layout(local_size_x = WG) in;
layout(location = 13) uniform uint u_S;
layout(location = 14) uniform uint u_R;

void main() {
  uint j = gl_GlobalInvocationID.x, t = gl_WorkGroupID.y;
  if (j >= u_R || t >= u_T) return;
  uint g = 0u;
  for (uint i = 1u; i < u_ng; i++)
    if (j >= u_ga[i].x) g = i;
  uvec4 ga = u_ga[g], gb = u_gb[g];
  float v = 0.0;
  for (uint s = 0u; s < u_S; s++) v += xs[(s * u_T + t) * u_R + j];
  mm_store(ga, gb, ga.y + (j - ga.x), mm_ty(t), v);
}
#endif

#if defined(RWKV_OCC) && KERNEL != 3
#undef main
void main() {
  if (gl_LocalInvocationIndex == 0u) atomicMax(occ_max, atomicAdd(occ_run, 1u) + 1u);
  mm_main();
  barrier();
  if (gl_LocalInvocationIndex == 0u) atomicAdd(occ_run, 0xFFFFFFFFu);
}
#endif
