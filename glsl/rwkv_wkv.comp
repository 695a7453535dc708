// rwkv_wkv.comp - the RWKV-7 time mix core for one head of one sequence:
// decay, in-context learning rate, key normalisation, value residual, the WKV-7
// state update (float32, in registers), group norm, the r.k.r_k bonus and
// the gate. Formulas: ../shared/testdata/README.md step 2; BlinkDL RWKV-LM
// rwkv_v7 reference; rwkv.cpp / ggml wkv7 for the order inside S.
// Workgroup (h, b), HS invocations: invocation i owns row i of S (value dim i);
// with LORA2, LORA_SPLIT * HS (see main).
// WKV_NO_MAIN (rwkv_layer.comp): no main and no workgroup size; the includer calls
// wkv_main(head, sequence, invocation) from its own workgroups of RED_N invocations.
#ifndef WKV_NO_MAIN
layout(local_size_x = RED_N) in; // RED_N == head size (times LORA_SPLIT with LORA2)
#endif

uniform uint D, T;
uniform uint lay;               // this layer's offset inside a state
uniform uint layer0;            // 1 in layer 0: v_first = v
uniform uint r_off, k_off, v_off, wl_off, al_off, vl_off, g_off, vfirst_off, y_off, last_off;
uniform uint w0, a0, v0, k_k, k_a, r_k, lnx_w, lnx_b; // params
uniform float gn_eps;

layout(std430, binding = 2) RWKV_COHERENT buffer State4 { vec4 st4[]; };  // S rows as vec4 when aligned
shared float s_decay[HS], s_kk[HS], s_k[HS], s_b[HS], s_r[HS];

#ifdef LORA2
// Decode path: the LoRA second stages (W2.tanh(W1 x_w), A2.(A1 x_a), V2.(V1 x_v),
// G2.sigmoid(G1 x_g)) are computed here per channel instead of by four
// matmul dispatches. W2 etc. are stored [rank, D] (row c = channel c), F32
// or F16 (LORA_F16) as in the file, rows st_* elements apart (matmul.c pads
// them; one buffer each, starting at offset 0). The row's four hidden vectors
// (the same for the whole head) are staged once in shared memory (LORA_MAXR:
// the largest rank rounded up to 8); each channel's weights are read 16 bytes
// at a time when its rows are 16-byte aligned (stride a multiple of 4 F32 /
// 8 F16 elements), one element at a time otherwise and for a rank's tail.
layout(std430, binding = 4) readonly buffer LW { uint lw2[]; };
layout(std430, binding = 5) readonly buffer LA { uint la2[]; };
layout(std430, binding = 6) readonly buffer LV { uint lv2[]; };
layout(std430, binding = 7) readonly buffer LG { uint lg2[]; };
layout(std430, binding = 4) readonly buffer LW4 { uvec4 lw2v[]; };
layout(std430, binding = 5) readonly buffer LA4 { uvec4 la2v[]; };
layout(std430, binding = 6) readonly buffer LV4 { uvec4 lv2v[]; };
layout(std430, binding = 7) readonly buffer LG4 { uvec4 lg2v[]; };
uniform uint wh_off, ah_off, vh_off, gh_off;
#ifdef LORA_CONST
// ranks and row strides as constants (forward.c, when every layer has the same): the dots'
// loops have constant counts
#define rank_w uint(LORA_RW)
#define rank_a uint(LORA_RA)
#define rank_v uint(LORA_RV)
#define rank_g uint(LORA_RG)
#define st_w uint(LORA_SW)
#define st_a uint(LORA_SA)
#define st_v uint(LORA_SV)
#define st_g uint(LORA_SG)
#else
uniform uint rank_w, rank_a, rank_v, rank_g;
uniform uint st_w, st_a, st_v, st_g; // row strides in elements (rows may be padded on upload)
#endif
// hidden vectors w, a, v, g at vec4 offsets 0, LORA_MAXR/4, 2*LORA_MAXR/4, 3*LORA_MAXR/4
shared vec4 s_h4[LORA_MAXR];
#ifndef LORA_SPLIT
#define LORA_SPLIT 1
#endif
shared vec4 s_part[RED_N]; // RED_N == LORA_SPLIT * HS
#define SH(x) s_h4[(x) >> 2u][(x) & 3u]
// Row types per matrix (forward.c): LORA_TW / TA / TV / TG, 0 F32, 1 F16, 2 BF16 (constants:
// the type tests fold away)
#define LVEC(ty) ((ty) == 0 ? 4u : 8u) // elements per uvec4
float lora_ld(int ty, uint w, uint i) { // element i of a row, w its word
  uint h = w >> ((i & 1u) << 4u); // (16-bit types: its half in the low bits)
  return ty == 0 ? uintBitsToFloat(w) : ty == 1 ? f16_to_f32(h) : bf16_to_f32(h);
}
vec4 lora_v4(int ty, uint a, uint b) { // four 16-bit elements of two words
  return ty == 1 ? vec4(unpackHalf2x16(a), unpackHalf2x16(b)) : bf16x4(a, b);
}
float lora_vdot(int ty, uvec4 q, uint hb) {
  if (ty == 0) return dot(uintBitsToFloat(q), s_h4[hb >> 2u]);
  return dot(lora_v4(ty, q.x, q.y), s_h4[hb >> 2u]) + dot(lora_v4(ty, q.z, q.w), s_h4[(hb >> 2u) + 1u]);
}
// out = part p's share of sum_r W[c][r] * hidden[r] (16-byte units p, p + LORA_SPLIT, ...;
// part 0 takes the tail); hb: the hidden vector's float offset in s_h4
// (a loop of a count that does not depend on p: with LORA_CONST it unrolls and every load is
// in flight at once)
#define LORA_DOT(ty, buf, buf4, rank, stride, hb, c, p, out)                   \
  {                                                                            \
    out = 0.0;                                                                 \
    uint nv_ = (stride % LVEC(ty)) == 0u ? rank / LVEC(ty) : 0u;               \
    uint b4_ = c * (stride / LVEC(ty));                                        \
    for (uint i_ = 0u; i_ < (nv_ + uint(LORA_SPLIT) - 1u) / uint(LORA_SPLIT); i_++) { \
      uint u_ = p + i_ * uint(LORA_SPLIT);                                     \
      if (u_ < nv_) out += lora_vdot(ty, buf4[b4_ + u_], hb + LVEC(ty) * u_);  \
    }                                                                          \
    if (p == 0u)                                                               \
      for (uint r_ = nv_ * LVEC(ty); r_ < rank; r_++) {                        \
        uint i_ = c * stride + r_;                                             \
        out += lora_ld(ty, buf[(ty) == 0 ? i_ : i_ >> 1u], i_) * SH(hb + r_);  \
      }                                                                        \
  }
#ifdef LORA_HOIST
// LORA_HW / HA / HV / HG (forward.c; 0: that matrix's dot as above): a part's count of
// 16-byte units of a channel's row, whole rows of units (no tail). Those weight words do not
// depend on the token: loaded first thing, their memory round trip overlaps the hidden
// vectors' and the state's instead of following the staging barrier.
#define LORA_PRE(buf4, n, ty, rank, stride, c, p, arr)                           \
  for (uint i_ = 0u; i_ < uint(n); i_++) {                                       \
    uint u_ = p + i_ * uint(LORA_SPLIT);                                         \
    arr[i_] = u_ < (rank) / LVEC(ty) ? buf4[c * ((stride) / LVEC(ty)) + u_] : uvec4(0u); \
  }
#define LORA_DOTH(ty, n, rank, hb, p, arr, out)                                  \
  {                                                                              \
    out = 0.0;                                                                   \
    for (uint i_ = 0u; i_ < uint(n); i_++) {                                     \
      uint u_ = p + i_ * uint(LORA_SPLIT);                                       \
      if (u_ < (rank) / LVEC(ty)) out += lora_vdot(ty, arr[i_], hb + LVEC(ty) * u_); \
    }                                                                            \
  }
#endif
#endif

#ifdef WKV_QUAD
// Decode with LORA_SPLIT 4 (RED_N == 4 * HS): all four invocations of a channel walk S,
// a quarter of a row each (invocation lid: row lid >> 2, the row's vec4 columns (lid & 3)
// + 4 m, so four neighbours read 64 contiguous bytes per load); the row's dot products
// are summed over the four (subgroup clusters, else shared memory). With one row per
// invocation three quarters of the workgroup idled while 64 walked (and held) 64 floats.
#define QV (HS / 16) // vec4s of S per invocation
shared float s_v[HS], s_g[HS];
#ifdef WKV_QCLUSTER
#define QSUM(x, buf) subgroupClusteredAdd(x, 4u)
#else
shared float s_qa[RED_N], s_qo[RED_N];
// (each buffer is written once a token and read after a barrier; the next token's write
// comes after the group-norm sums' barriers)
float qsum_sh(float x, uint lid, bool o) {
  if (o) s_qo[lid] = x; else s_qa[lid] = x;
  barrier();
  uint b = lid & ~3u;
  return o ? s_qo[b] + s_qo[b + 1u] + s_qo[b + 2u] + s_qo[b + 3u]
           : s_qa[b] + s_qa[b + 1u] + s_qa[b + 2u] + s_qa[b + 3u];
}
#define QSUM(x, buf) qsum_sh(x, lid, buf)
#endif
#endif

#ifdef WKV_WAIT
// Decode started before the r / k / v and LoRA-first matmuls end (forward.c wkv_early; act is
// coherent volatile here): a value still the layer norm's mark (common.glsl WKV_SENT) is read
// again, all of a thread's values loaded at once first (one memory round trip, not one each)
bool sent4(vec4 v) { return any(equal(floatBitsToUint(v), uvec4(WKV_SENT))); }
#endif

float sigm(float x) { return 1.0 / (1.0 + exp(-x)); }
// WKV_CUT (forward.c RWKV_WKV_CUT, a diagnostic; garbage out): 1 no LoRA dots, 2 no state
// loads / stores, 4 no walk over S, 8 no group-norm sums, 16 no kk-norm sum
#ifndef WKV_CUT
#define WKV_CUT 0
#endif
#define CUT(b) ((WKV_CUT & (b)) != 0)

void wkv_main(uint h, uint b, uint lid) {
  // With LORA2 the workgroup may be LORA_SPLIT * HS invocations (RED_N) so that the
  // LoRA dots are spread over more of them; only the first HS ("own": invocation i
  // owns row i of S) run the recurrence, the others add zeros to the sums.
#ifdef WKV_QDOT
  // (WKV_QDOT, with four walkers and subgroup clusters: the four invocations of row / channel
  // lid >> 2 are also its dots' four parts, lid & 3, so that a channel's parts read 64
  // contiguous bytes of its row per load and are summed by a cluster, not through shared
  // memory and a barrier; the quad's first invocation is the channel's own)
  uint i = lid >> 2u, part = lid & 3u;
  bool own = (lid & 3u) == 0u;
#else
  uint i = lid % uint(HS), part = lid / uint(HS); // (part: of the LoRA dots, with LORA2)
  bool own = lid < uint(HS);
#endif
  uint c = h * uint(HS) + i;
  uint start = seq[2u * b], sbase = seq[2u * b + 1u] + lay;
  uint sidx = sbase + 2u * D + (h * uint(HS) + i) * uint(HS); // row i of head h's S
  // S rows are 16-byte aligned in practice (D and the head size multiples of 4): read and
  // written as vec4s, 4x fewer memory instructions than floats (H100 decode, 0.1B: this
  // kernel 33.5 -> 27.0 us per layer)
  bool al4 = (sidx & 3u) == 0u;
#ifdef WKV_QUAD
  uint qi = lid >> 2u, qq = lid & 3u;                          // row, quarter
  uint qidx = sbase + 2u * D + (h * uint(HS) + qi) * uint(HS); // row qi of S
  vec4 S4[QV];
  for (int m = 0; m < QV; m++) {
    uint j = 4u * (qq + 4u * uint(m));
    if (CUT(2)) S4[m] = vec4(0.0);
    else if (al4) S4[m] = st4[(qidx >> 2) + qq + 4u * uint(m)];
    else S4[m] = vec4(st[qidx + j], st[qidx + j + 1u], st[qidx + j + 2u], st[qidx + j + 3u]);
  }
  float q_lw = par[lnx_w + h * uint(HS) + qi], q_lb = par[lnx_b + h * uint(HS) + qi];
#else
  float S[HS];
  if (CUT(2))
    for (int j = 0; j < HS; j++) S[j] = 0.0;
  else if (al4)
    for (int j = 0; j < HS; j += 4) {
      vec4 q = own ? st4[(sidx >> 2) + uint(j >> 2)] : vec4(0.0);
      S[j] = q.x; S[j + 1] = q.y; S[j + 2] = q.z; S[j + 3] = q.w;
    }
  else
    for (int j = 0; j < HS; j++) S[j] = own ? st[sidx + uint(j)] : 0.0;
#endif
#ifdef LORA_HOIST
#if LORA_HW > 0
  uvec4 hw_[LORA_HW];
  LORA_PRE(lw2v, LORA_HW, LORA_TW, rank_w, st_w, c, part, hw_)
#endif
#if LORA_HA > 0
  uvec4 ha_[LORA_HA];
  LORA_PRE(la2v, LORA_HA, LORA_TA, rank_a, st_a, c, part, ha_)
#endif
#if LORA_HV > 0
  uvec4 hv_[LORA_HV];
  LORA_PRE(lv2v, LORA_HV, LORA_TV, rank_v, st_v, c, part, hv_)
#endif
#if LORA_HG > 0
  uvec4 hg_[LORA_HG];
  LORA_PRE(lg2v, LORA_HG, LORA_TG, rank_g, st_g, c, part, hg_)
#endif
#endif
  // the channel's parameters, loaded before any barrier (their latency overlaps the rest)
  float p_w0 = par[w0 + c], p_a0 = par[a0 + c], p_kk = par[k_k + c], p_ka = par[k_a + c];
  float p_v0 = par[v0 + c], p_rk = par[r_k + c], p_lw = par[lnx_w + c], p_lb = par[lnx_b + c];

  for (uint t = start; t < T; t++) {
    uint row = b * T + t, e = row * D + c;
    float r = act[r_off + e], k = act[k_off + e], v = act[v_off + e]; // (WKV_WAIT: checked below)
    float vf = layer0 == 0u ? act[vfirst_off + e] : 0.0;
#ifdef LORA2
    vec4 lp = vec4(0.0);
    if (!CUT(1)) { // (the diagnostic WKV_CUT bit 1 leaves the LoRA dots out)
      // stage this row's hidden vectors (zero past each rank), a whole vec4 per store: an
      // element of s_h4 picked per invocation (x & 3) compiles to divergent branches on NVIDIA
      // (bench/MATMUL.md round 9)
      for (uint x4 = lid; x4 < uint(LORA_MAXR / 4); x4 += uint(RED_N)) {
        vec4 hw, ha, hv, hg;
#define H_LOAD()                                                                    \
        for (uint q = 0u; q < 4u; q++) {                                            \
          uint x = 4u * x4 + q;                                                     \
          hw[q] = x < rank_w ? act[wh_off + row * rank_w + x] : 0.0;                \
          ha[q] = x < rank_a ? act[ah_off + row * rank_a + x] : 0.0;                \
          hv[q] = x < rank_v && layer0 == 0u ? act[vh_off + row * rank_v + x] : 0.0; \
          hg[q] = x < rank_g ? act[gh_off + row * rank_g + x] : 0.0;                \
        }
        H_LOAD()
#ifdef WKV_WAIT
        for (uint n = 0u; n < WAIT_TRIES && (sent4(hw) || sent4(ha) || sent4(hv) || sent4(hg)); n++) H_LOAD()
#endif
#undef H_LOAD
        s_h4[x4] = hw;
        s_h4[x4 + uint(LORA_MAXR / 4)] = ha;
        s_h4[x4 + 2u * uint(LORA_MAXR / 4)] = hv;
        s_h4[x4 + 3u * uint(LORA_MAXR / 4)] = hg;
      }
      barrier();
      // part p of LORA_SPLIT sums its share of each dot, then every invocation adds the parts
#if defined(LORA_HOIST) && LORA_HW > 0
      LORA_DOTH(LORA_TW, LORA_HW, rank_w, 0u, part, hw_, lp.x)
#else
      LORA_DOT(LORA_TW, lw2, lw2v, rank_w, st_w, 0u, c, part, lp.x)
#endif
#if defined(LORA_HOIST) && LORA_HA > 0
      LORA_DOTH(LORA_TA, LORA_HA, rank_a, uint(LORA_MAXR), part, ha_, lp.y)
#else
      LORA_DOT(LORA_TA, la2, la2v, rank_a, st_a, uint(LORA_MAXR), c, part, lp.y)
#endif
      lp.z = 0.0;
#if defined(LORA_HOIST) && LORA_HV > 0
      // (only with LORA_V_ALWAYS: layer 0's placeholder rows, times a zero hidden v)
      LORA_DOTH(LORA_TV, LORA_HV, rank_v, 2u * uint(LORA_MAXR), part, hv_, lp.z)
#elif defined(LORA_V_ALWAYS)
      // layer 0 reads a placeholder as wide (forward.c) and its hidden v is zero: no branch
      // between the four dots' loads (one memory round trip instead of two)
      LORA_DOT(LORA_TV, lv2, lv2v, rank_v, st_v, 2u * uint(LORA_MAXR), c, part, lp.z)
#else
      if (layer0 == 0u) LORA_DOT(LORA_TV, lv2, lv2v, rank_v, st_v, 2u * uint(LORA_MAXR), c, part, lp.z)
#endif
#if defined(LORA_HOIST) && LORA_HG > 0
      LORA_DOTH(LORA_TG, LORA_HG, rank_g, 3u * uint(LORA_MAXR), part, hg_, lp.w)
#else
      LORA_DOT(LORA_TG, lg2, lg2v, rank_g, st_g, 3u * uint(LORA_MAXR), c, part, lp.w)
#endif
#ifdef WKV_QDOT
      lp = subgroupClusteredAdd(lp, 4u);
#else
      s_part[lid] = lp;
      barrier();
      lp = s_part[i];
      for (uint q = 1u; q < uint(LORA_SPLIT); q++) lp += s_part[q * uint(HS) + i];
#endif
    }
    float wl = lp.x, al = lp.y, vl = lp.z, g = lp.w;
#ifdef WKV_WAIT
    for (uint n = 0u; n < WAIT_TRIES && (wkv_sent(r) || wkv_sent(k) || wkv_sent(v)); n++) {
      r = act[r_off + e];
      k = act[k_off + e];
      v = act[v_off + e];
    }
#endif
#else
    float wl = act[wl_off + e], al = act[al_off + e], vl = act[vl_off + e], g = act[g_off + e];
#endif
    float decay = exp(-0.606531 * sigm(p_w0 + wl));
    float a = sigm(p_a0 + al);
    float kk = k * p_kk;
    if (!CUT(16)) kk /= max(sqrt(wg_sum(own ? kk * kk : 0.0)), 1e-12);
    k = k * (1.0 + (a - 1.0) * p_ka);
    if (layer0 != 0u) {
      if (own) act[vfirst_off + e] = v;
    } else {
      v = v + (vf - v) * sigm(p_v0 + vl);
    }

    if (own) {
      s_decay[i] = decay; s_kk[i] = kk; s_k[i] = k; s_b[i] = kk * a; s_r[i] = r;
#ifdef WKV_QUAD
      s_v[i] = v; s_g[i] = g;
#endif
    }
    barrier();
#ifdef WKV_QUAD
    {
      float vq = s_v[qi], sa = 0.0, o = 0.0;
      if (!CUT(4)) {
        for (int m = 0; m < QV; m++)
          for (int e = 0; e < 4; e++) sa -= S4[m][e] * s_kk[4u * (qq + 4u * uint(m)) + uint(e)];
        sa = QSUM(sa, false);
        for (int m = 0; m < QV; m++)
          for (int e = 0; e < 4; e++) {
            uint j = 4u * (qq + 4u * uint(m)) + uint(e);
            S4[m][e] = S4[m][e] * s_decay[j] + vq * s_k[j] + sa * s_b[j];
            o += S4[m][e] * s_r[j];
          }
        o = QSUM(o, true);
      }
      // group norm over the head's rows (each row counted once, by its quarter 0), the
      // bonus's channel sum from the channel owners
      bool lead = qq == 0u;
      vec2 mb = CUT(8) ? vec2(o, r * k * p_rk) : wg_sum2(vec2(lead ? o : 0.0, own ? r * k * p_rk : 0.0));
      float mean = mb.x / float(HS);
      float dv = lead ? o - mean : 0.0;
      float var = CUT(8) ? dv * dv : wg_sum(dv * dv) / float(HS);
      float y = (o - mean) * inversesqrt(var + gn_eps) * q_lw + q_lb;
      y += mb.y * vq;
      if (lead) act[y_off + row * D + h * uint(HS) + qi] = y * s_g[qi];
      barrier(); // shared arrays are rewritten by the next step
    }
#else
    float o = 0.0;
    if (own && !CUT(4)) {
      float sa = 0.0;
      for (int j = 0; j < HS; j++) sa -= S[j] * s_kk[j];
      for (int j = 0; j < HS; j++) {
        S[j] = S[j] * s_decay[j] + v * s_k[j] + sa * s_b[j];
        o += S[j] * s_r[j];
      }
    }
    // group norm within the head (two-pass variance), then the bonus term and the gate;
    // the bonus's sum rides along with the mean's
    vec2 mb = CUT(8) ? vec2(o, r * k * p_rk) : wg_sum2(own ? vec2(o, r * k * p_rk) : vec2(0.0));
    float mean = mb.x / float(HS);
    float dv = own ? o - mean : 0.0;
    float var = CUT(8) ? dv * dv : wg_sum(dv * dv) / float(HS);
    float y = (o - mean) * inversesqrt(var + gn_eps) * p_lw + p_lb;
    y += mb.y * v;
    if (own) act[y_off + e] = y * g;
    barrier(); // shared arrays are rewritten by the next step
#endif
  }
#ifdef WKV_QUAD
  if (!CUT(2) && start < T) // (a sequence with no row here keeps its S)
    for (int m = 0; m < QV; m++) {
      uint j = 4u * (qq + 4u * uint(m));
      if (al4) st4[(qidx >> 2) + qq + 4u * uint(m)] = S4[m];
      else { st[qidx + j] = S4[m].x; st[qidx + j + 1u] = S4[m].y; st[qidx + j + 2u] = S4[m].z; st[qidx + j + 3u] = S4[m].w; }
    }
  if (own && !CUT(2) && start < T) st[sbase + c] = act[last_off + b * D + c];
#else
  if (own && !CUT(2)) {
    if (al4)
      for (int j = 0; j < HS; j += 4) st4[(sidx >> 2) + uint(j >> 2)] = vec4(S[j], S[j + 1], S[j + 2], S[j + 3]);
    else
      for (int j = 0; j < HS; j++) st[sidx + uint(j)] = S[j];
    // att_prev <- the last row's normalized input (sequences with no row in this pass keep theirs)
    if (start < T) st[sbase + c] = act[last_off + b * D + c];
  }
#endif
}
#if defined(DSYNC_BINDING) && !defined(WKV_NO_MAIN)
// decode's dispatch counters (forward.c dsync): each workgroup counts itself done in counter
// cnt_slot - 1 after its stores, for Wo waiting on the count (matmul.comp DSYNC)
uniform uint cnt_slot;
void main() {
  wkv_main(gl_WorkGroupID.x, gl_WorkGroupID.y, gl_LocalInvocationID.x);
  dsync_count(cnt_slot);
}
#elif !defined(WKV_NO_MAIN)
void main() { wkv_main(gl_WorkGroupID.x, gl_WorkGroupID.y, gl_LocalInvocationID.x); }
#endif
