// rwkv_wkv_scan.comp - the WKV-7 recurrence as many independent row scans. Row i of a
// head's state S (value index i) evolves on its own:
//   sa = sum_j S[i][j] * (-kk[j]);  S[i][j] = S[i][j]*decay[j] + v[i]*k[j] + sa*b[j];
//   o[i] = sum_j S[i][j] * r[j]
// (the order of rwkv_wkv.comp; ../shared/testdata/README.md step 2, BlinkDL's RWKV-LM
// rwkv_v7 reference and rwkv.cpp / ggml wkv7 for the order inside S; o is summed in
// the expanded form below, one reduction per token). Everything that
// needs a reduction over the head's channels (kk's norm, the group norm, the bonus) is
// off the recurrence's path and done by rwkv_wkv_pre.comp / rwkv_wkv_post.comp.
//
// A "row group" of WKV_LANES invocations owns one row of S: lane l holds its elements
// j = l + q*WKV_LANES (q < HS/WKV_LANES) in registers. With RWKV_SUBGROUP the row group
// is one subgroup (WKV_LANES = gl_SubgroupSize, which must divide HS; the sums per token are
// one subgroupAdd of a vec4) or, with WKV_CLUSTER, a cluster of WKV_LANES invocations of one
// (subgroupClusteredAdd: fewer shuffle levels on the recurrence's path, several rows a
// subgroup); without subgroups the sums go through shared memory (a slow path kept for
// testing the kernel on GPUs without subgroups).
// Workgroup (x, b): WKV_ROWS rows, channels x*WKV_ROWS .. (all of one head when
// WKV_ROWS divides HS, so that they share the loads of the head's vectors).
// Inputs (per row of the pass, channel c): decay at dec_off, kk at kk_off, b = kk*a at
// b_off, k at k_off, r at r_off, v at v_off; raw o -> o_off. Rows before seq[b].start
// are padding and skipped. At the end: S back to the state, att_prev <- last row.
// SCAN_CUT (forward.c RWKV_WKV_SCAN_CUT, a diagnostic; garbage out): 1 no row sums, 2 no
// chunk loads from the arena, 4 no output stores, 8 no token steps.
#define WKV_E (HS / WKV_LANES)
#ifndef SCAN_CUT
#define SCAN_CUT 0
#endif
layout(local_size_x = WKV_WG) in; // WKV_ROWS * WKV_LANES

uniform uint D, T;
uniform uint lay; // this layer's offset inside a state
uniform uint r_off, k_off, v_off, dec_off, kk_off, b_off, o_off, last_off;

#if defined(RWKV_SUBGROUP) && defined(WKV_CLUSTER)
vec4 row_sum(vec4 x) { return subgroupClusteredAdd(x, uint(WKV_LANES)); }
#elif defined(RWKV_SUBGROUP)
vec4 row_sum(vec4 x) { return subgroupAdd(x); }
#else
shared vec4 row_red[WKV_WG];
// Sum over the invocation's row group (every invocation of the workgroup must call it).
vec4 row_sum(vec4 x) {
  uint l = gl_LocalInvocationID.x, base = l - l % uint(WKV_LANES);
  row_red[l] = x;
  barrier();
  vec4 s = vec4(0.0);
  for (uint q = 0u; q < uint(WKV_LANES); q++) s += row_red[base + q];
  barrier(); // readers done before the next call writes
  return s;
}
#endif

#ifndef SCAN_PF
#define SCAN_PF 0
#endif
#ifndef SCAN_OSH
#define SCAN_OSH 0
#endif
#if WKV_CH
shared float sh_in[5 * WKV_CH * HS]; // decay, kk, b, k, r of the chunk's tokens, the head's channels
shared float sh_v[WKV_CH * WKV_ROWS];
// input k (0 decay, 1 kk, 2 b, 3 k, 4 r) of the chunk's token tt, channel j of the head
#define SIN(k, tt, j) sh_in[((k) * uint(WKV_CH) + (tt)) * uint(HS) + (j)]
#if SCAN_OSH
shared float sh_o[WKV_CH * WKV_ROWS]; // raw o of the chunk's tokens, the workgroup's rows
// o of n tokens from t0 -> y (rows row0 ..), one coalesced store each
void chunk_out(uint b, uint t0, uint n, uint row0) {
  for (uint i = gl_LocalInvocationID.x; i < n * uint(WKV_ROWS); i += uint(WKV_WG)) {
    uint tt = i / uint(WKV_ROWS), rr = i % uint(WKV_ROWS);
    act[o_off + (b * T + t0 + tt) * D + row0 + rr] = sh_o[i];
  }
}
#endif
// A chunk's inputs in registers: invocation lid holds items lid + k*WKV_WG (k < PF_N) of
// the n*HS (token, channel) items, 5 inputs each, and of the n*WKV_ROWS v values (k < PFV_N);
// all loads issued before any is stored to shared memory.
#define PF_N ((WKV_CH * HS + WKV_WG - 1) / WKV_WG)
#define PFV_N ((WKV_CH * WKV_ROWS + WKV_WG - 1) / WKV_WG)
#define CH_ITEMS(n) ((SCAN_CUT & 2) != 0 ? 0u : (n) * uint(HS)) // (the diagnostic: none)
void chunk_load(uint b, uint t0, uint n, uint hj, uint row0, inout float pin[5 * PF_N], inout float pv[PFV_N]) {
  for (int k = 0; k < PF_N; k++) {
    uint i = gl_LocalInvocationID.x + uint(k * WKV_WG);
    if (i < CH_ITEMS(n)) {
      uint x = (b * T + t0 + i / uint(HS)) * D + hj + i % uint(HS);
      pin[5 * k] = act[dec_off + x];
      pin[5 * k + 1] = act[kk_off + x];
      pin[5 * k + 2] = act[b_off + x];
      pin[5 * k + 3] = act[k_off + x];
      pin[5 * k + 4] = act[r_off + x];
    }
  }
  for (int k = 0; k < PFV_N; k++) {
    uint i = gl_LocalInvocationID.x + uint(k * WKV_WG);
    if (i < n * uint(WKV_ROWS))
      pv[k] = act[v_off + (b * T + t0 + i / uint(WKV_ROWS)) * D + row0 + i % uint(WKV_ROWS)];
  }
}
void chunk_store(uint n, float pin[5 * PF_N], float pv[PFV_N]) {
  for (int k = 0; k < PF_N; k++) {
    uint i = gl_LocalInvocationID.x + uint(k * WKV_WG);
    if (i < CH_ITEMS(n)) {
      uint tt = i / uint(HS), j = i % uint(HS);
      for (uint c = 0u; c < 5u; c++) SIN(c, tt, j) = pin[5 * k + int(c)];
    }
  }
  for (int k = 0; k < PFV_N; k++) {
    uint i = gl_LocalInvocationID.x + uint(k * WKV_WG);
    if (i < n * uint(WKV_ROWS)) sh_v[i] = pv[k];
  }
}
#endif

void main() {
  uint lid = gl_LocalInvocationID.x, lane = lid % uint(WKV_LANES);
  uint ci = gl_WorkGroupID.x * uint(WKV_ROWS) + lid / uint(WKV_LANES); // channel = row of S
  uint b = gl_WorkGroupID.y;
  uint h = ci / uint(HS);
  uint j0 = h * uint(HS) + lane; // this lane's first channel of the head
  uint start = seq[2u * b], sbase = seq[2u * b + 1u] + lay;
  uint sidx = sbase + 2u * D + ci * uint(HS) + lane; // row ci of the layer's S, element lane
  float S[WKV_E];
  for (int q = 0; q < WKV_E; q++) S[q] = st[sidx + uint(q * WKV_LANES)];

#if WKV_CH
  // The inputs of WKV_CH tokens at a time go through shared memory, loaded by the whole
  // workgroup (many loads in flight, coalesced along the head's channels): a row's walk then
  // waits on shared-memory loads, not on one token's global loads after another (H200, a
  // 512-row pass: the step took ~0.85 us a token; WKV_CH 8: pp512 +2.5%). All rows of a
  // workgroup are in one head. SCAN_PF: the next chunk's inputs are loaded into registers
  // before this chunk's steps (their latency hidden behind them) and stored after. SCAN_OSH:
  // a step's outputs go to shared memory, written out a chunk at a time, coalesced (each row
  // had stored its own float a token from one lane: a branch and a store on every step's
  // path; H100 2.9B, RWKV_WKV_SCAN_CUT: ~1/3 of the scan).
  uint hj = h * uint(HS), row0 = gl_WorkGroupID.x * uint(WKV_ROWS);
#if SCAN_PF
  float pin[5 * PF_N], pv[PFV_N];
  chunk_load(b, start, min(uint(WKV_CH), T - start), hj, row0, pin, pv);
#endif
  for (uint t0 = start; t0 < T; t0 += uint(WKV_CH)) {
    uint n = min(uint(WKV_CH), T - t0);
    barrier(); // the last chunk's readers are done
#if SCAN_OSH
    if (t0 > start) chunk_out(b, t0 - uint(WKV_CH), uint(WKV_CH), row0);
#endif
#if !SCAN_PF
    float pin[5 * PF_N], pv[PFV_N];
    chunk_load(b, t0, n, hj, row0, pin, pv);
#endif
    chunk_store(n, pin, pv);
    barrier();
#if SCAN_PF
    if (t0 + uint(WKV_CH) < T)
      chunk_load(b, t0 + uint(WKV_CH), min(uint(WKV_CH), T - t0 - uint(WKV_CH)), hj, row0, pin, pv);
#endif
    for (uint tt = 0u; tt < ((SCAN_CUT & 8) != 0 ? 0u : n); tt++) {
      vec4 part = vec4(0.0);
      float cd[WKV_E], cb[WKV_E], ck[WKV_E];
      for (int q = 0; q < WKV_E; q++) {
        uint j = lane + uint(q * WKV_LANES);
        cd[q] = SIN(0u, tt, j);
        float kk = SIN(1u, tt, j);
        cb[q] = SIN(2u, tt, j);
        ck[q] = SIN(3u, tt, j);
        float r = SIN(4u, tt, j);
        part += vec4(S[q] * kk, S[q] * (cd[q] * r), ck[q] * r, cb[q] * r);
      }
      float cv = sh_v[tt * uint(WKV_ROWS) + (ci - row0)];
      vec4 tot = (SCAN_CUT & 1) != 0 ? part : row_sum(part);
      float sa = -tot.x;
      for (int q = 0; q < WKV_E; q++) S[q] = S[q] * cd[q] + cv * ck[q] + sa * cb[q];
      float o = tot.y + cv * tot.z + sa * tot.w;
#if SCAN_OSH
      // (every lane of the row group stores the same value: no branch)
      if ((SCAN_CUT & 4) == 0) sh_o[tt * uint(WKV_ROWS) + (ci - row0)] = o;
#else
      if ((SCAN_CUT & 4) == 0 && lane == 0u) act[o_off + (b * T + t0 + tt) * D + ci] = o;
#endif
    }
  }
#if SCAN_OSH
  if (start < T) {
    uint last0 = start + (T - 1u - start) / uint(WKV_CH) * uint(WKV_CH);
    barrier();
    chunk_out(b, last0, T - last0, row0);
  }
#endif
#else
  // Token t's inputs are loaded one step ahead (cur*), so that the loads' latency hides
  // behind the previous token's two reductions.
  float cd[WKV_E], ckk[WKV_E], cb[WKV_E], ck[WKV_E], cr[WKV_E];
  float cv = 0.0;
  uint e = (b * T + start) * D; // first float of row (b, t) in a [R, D] region
  if (start < T) {
    for (int q = 0; q < WKV_E; q++) {
      uint x = e + j0 + uint(q * WKV_LANES);
      cd[q] = act[dec_off + x]; ckk[q] = act[kk_off + x]; cb[q] = act[b_off + x];
      ck[q] = act[k_off + x]; cr[q] = act[r_off + x];
    }
    cv = act[v_off + e + ci];
  }
  for (uint t = start; t < T; t++) {
    uint en = e + D;
    float nd[WKV_E], nkk[WKV_E], nb[WKV_E], nk[WKV_E], nr[WKV_E];
    float nv = 0.0;
    if (t + 1u < T) {
      for (int q = 0; q < WKV_E; q++) {
        uint x = en + j0 + uint(q * WKV_LANES);
        nd[q] = act[dec_off + x]; nkk[q] = act[kk_off + x]; nb[q] = act[b_off + x];
        nk[q] = act[k_off + x]; nr[q] = act[r_off + x];
      }
      nv = act[v_off + en + ci];
    } else {
      for (int q = 0; q < WKV_E; q++) nd[q] = nkk[q] = nb[q] = nk[q] = nr[q] = 0.0;
    }
    // One reduction per token: o = sum_j S'[j] r[j] with S' the updated row expands to
    // sum_j S[j] decay[j] r[j] + v sum_j k[j] r[j] + sa sum_j b[j] r[j], so all four
    // sums are over the old row (or independent of S) and go in one vec4.
    vec4 part = vec4(0.0);
    for (int q = 0; q < WKV_E; q++)
      part += vec4(S[q] * ckk[q], S[q] * (cd[q] * cr[q]), ck[q] * cr[q], cb[q] * cr[q]);
    vec4 tot = row_sum(part);
    float sa = -tot.x;
    for (int q = 0; q < WKV_E; q++) S[q] = S[q] * cd[q] + cv * ck[q] + sa * cb[q];
    if (lane == 0u) act[o_off + e + ci] = tot.y + cv * tot.z + sa * tot.w;
    e = en;
    cv = nv;
    for (int q = 0; q < WKV_E; q++) {
      cd[q] = nd[q]; ckk[q] = nkk[q]; cb[q] = nb[q]; ck[q] = nk[q]; cr[q] = nr[q];
    }
  }
#endif
  for (int q = 0; q < WKV_E; q++) st[sidx + uint(q * WKV_LANES)] = S[q];
  // att_prev <- the last row's normalized input (sequences with no row in this pass keep theirs)
  if (lane == 0u && start < T) st[sbase + ci] = act[last_off + b * D + ci];
}
