// rwkv_layer.comp - one RWKV-7 layer of a decode step (one sequence, one token) in ONE
// dispatch: forward.c's time_mix / channel_mix steps as eight phases, each cut into items
// (a slice of channels, a block of matrix rows, a head):
//   0 LN1 + the six token-shift mixes (also `last`, the previous layer's ffn_prev store)
//   1 r / k / v and the LoRA first stages (tanh / none / sigmoid / none)
//   2 the LoRA second stages (w, a, g, v: D rows each of rank-long dots)
//   3 WKV per head (rwkv_wkv.comp's wkv_main, group norm, bonus, gate; S and att_prev)
//   4 x += Wo.y
//   5 LN2 + the channel-mix mix (also last_ffn)
//   6 FFN key, relu^2
//   7 x += FFN value
// Why: each dependent dispatch costs ~3 us on the H100 before any work (bench/MATMUL.md
// round 9). Measured (bench/RESULTS.md "Session 9"): the waits between phases cost about as
// much, and these simple matvecs lose to the chain's on big models: off by default.
//
// Items are taken in order from a ticket counter (sy.tk): item i of phase p waits until
// every item of the phases before p is done (sy.dn). A workgroup only ever waits for items
// with smaller tickets, taken by workgroups already running, so the kernel needs no
// particular number of workgroups resident at once (unlike a grid barrier): any grid size
// is correct, and late workgroups find the counter spent. Counters only grow (zeroed once,
// compared by unsigned differences, so wrapping is harmless); forward.c gives each dispatch
// its bases (tk_base, dn_base): a dispatch takes (items + workgroups) tickets, each
// workgroup one past the end.
// Cross-workgroup data (arena, state) is read coherently (RWKV_COHERENT).
//
// Built as "rwkv_wkv+rwkv_layer" with WKV_NO_MAIN (forward.c persist_init) and defines:
// L_D, L_FF (widths), L_RW/RA/RV/RG (LoRA ranks), T_RKV, T_L1, T_L2, T_WO, T_FK, T_FV
// (1: F16 rows, 0: F32) and S_* (their row strides in uvec4s), A_* (arena offsets), P_*
// (params slots), XCH (x staging), LANE_CLUSTER (subgroupClusteredAdd for row sums).
layout(local_size_x = RED_N) in;

layout(std430, binding = 4) readonly buffer Wrkv { uvec4 w_rkv[]; };  // r | k | v rows
layout(std430, binding = 5) readonly buffer Wl1 { uvec4 w_l1[]; };    // w1 | a1 | g1 | v1
layout(std430, binding = 6) readonly buffer Ww2 { uvec4 w_w2[]; };    // [D][rank] each
layout(std430, binding = 7) readonly buffer Wa2 { uvec4 w_a2[]; };
layout(std430, binding = 8) readonly buffer Wv2 { uvec4 w_v2[]; };    // (layer 0: unused)
layout(std430, binding = 9) readonly buffer Wg2 { uvec4 w_g2[]; };
layout(std430, binding = 10) readonly buffer Wwo { uvec4 w_wo[]; };
layout(std430, binding = 11) readonly buffer Wfk { uvec4 w_fk[]; };
layout(std430, binding = 12) readonly buffer Wfv { uvec4 w_fv[]; };
// (the counters 128 bytes apart: the done counter's pollers off the ticket counter's line)
layout(std430, binding = 13) coherent buffer Sync { uint tk; uint pad0[31]; uint dn; uint pad1[31]; uint fail; } sy;

uniform uint tk_base, dn_base; // the counters' values when this dispatch starts
uniform uint cum[8];           // items of phases 0..p (the end ticket of phase p)
uniform uint m1;               // LoRA first-stage rows (layer 0 has no v)
uniform uint lpar;             // this layer's params (l * PAR_PER_LAYER * D)
uniform uint store_to;         // != 0: the previous layer's ffn_prev -> state + store_to
uniform float ln_eps;
// (D, T, lay, layer0 and the WKV step's offsets are rwkv_wkv.comp's uniforms)

#define XI(k) ((k) + ((k) >> 5u)) // x in shared memory, a pad every 32 (no bank conflicts)
// XCH (forward.c): x floats staged at a time, a multiple of 64 (a longer x, the 2.9B
// FFN value's, goes in pieces)
shared float xsh[XI(XCH) + 1];
shared uint s_tk, s_ok;

// x[off .. off + K) -> xsh (the previous item's readers done first)
void stage_x(uint off, uint K) {
  barrier();
  for (uint k = gl_LocalInvocationID.x; k < K; k += uint(RED_N)) xsh[XI(k)] = act[off + k];
  barrier();
}

// one 16-byte unit of a row against xsh from element k: 8 F16 or 4 F32 weights
#define UNIT(ty) ((ty) == 1 ? 8u : 4u)
float udot(uvec4 w, uint k, int ty) {
  if (ty == 1) {
    vec2 a = unpackHalf2x16(w.x), b = unpackHalf2x16(w.y), c = unpackHalf2x16(w.z), d = unpackHalf2x16(w.w);
    return a.x * xsh[XI(k)] + a.y * xsh[XI(k + 1u)] + b.x * xsh[XI(k + 2u)] + b.y * xsh[XI(k + 3u)] +
           c.x * xsh[XI(k + 4u)] + c.y * xsh[XI(k + 5u)] + d.x * xsh[XI(k + 6u)] + d.y * xsh[XI(k + 7u)];
  }
  vec4 f = uintBitsToFloat(w);
  return f.x * xsh[XI(k)] + f.y * xsh[XI(k + 1u)] + f.z * xsh[XI(k + 2u)] + f.w * xsh[XI(k + 3u)];
}

// sum over each group of `lanes` neighbouring invocations (8 or 32), every one gets it
#ifdef LANE_CLUSTER
#define LANE_SUM(v, lanes) ((lanes) == 32u ? subgroupClusteredAdd(v, 32u) : subgroupClusteredAdd(v, 8u))
#else
shared float s_red[RED_N];
float lane_sum_sh(float v, uint lanes) {
  uint lid = gl_LocalInvocationID.x;
  barrier(); // the previous call's readers are done
  s_red[lid] = v;
  barrier();
  float s = 0.0;
  uint b0 = lid / lanes * lanes;
  for (uint i = 0u; i < lanes; i++) s += s_red[b0 + i];
  return s;
}
#define LANE_SUM(v, lanes) lane_sum_sh(v, lanes)
#endif

// Rows [r0, r0 + RED_N / LANES) below nrows of W (type TY, stride ST uvec4s, K elements)
// against x = act[XOFF ..], staged XCH floats at a time, LANES invocations a row;
// EPI(row, value) by each row's first.
#define MATVEC(W, TY, ST, K, LANES, r0, nrows, EPI, XOFF)                                   \
  {                                                                                         \
    uint lg_ = lid / (LANES), ln_ = lid % (LANES), row_ = (r0) + lg_;                      \
    float acc_ = 0.0;                                                                       \
    for (uint c0_ = 0u; c0_ < uint(K); c0_ += uint(XCH)) {                                  \
      uint kc_ = min(uint(XCH), uint(K) - c0_);                                             \
      stage_x((XOFF) + c0_, kc_);                                                           \
      if (row_ < (nrows)) {                                                                 \
        uint b_ = row_ * uint(ST) + c0_ / UNIT(TY);                                         \
        for (uint u_ = ln_; u_ < kc_ / UNIT(TY); u_ += (LANES))                             \
          acc_ += udot(W[b_ + u_], u_ * UNIT(TY), TY);                                      \
      }                                                                                     \
    }                                                                                       \
    acc_ = LANE_SUM(acc_, LANES);                                                           \
    if (row_ < (nrows) && ln_ == 0u) EPI(row_, acc_);                                       \
  }
float tanh_safe(float v) { // no exp overflow
  float e = exp(-2.0 * abs(v));
  return sign(v) * (1.0 - e) / (1.0 + e);
}
float sigmoid(float v) { return 1.0 / (1.0 + exp(-v)); }

#define RPI (uint(RED_N) / 32u) // rows an item of the big matrices (32 lanes a row)
#define RPI2 (uint(RED_N) / 8u)  // rows an item of the LoRA second stages (8 lanes a row)

// epilogues (row, v)
#define E_RKV(r_, v_) act[A_R + (r_)] = (v_)
#define E_X(r_, v_) act[A_X + (r_)] += (v_)
#define E_FFH(r_, v_) act[A_FFH + (r_)] = max(v_, 0.0) * max(v_, 0.0)

// phase 0 / 5: layer norm of x and token-shift mixes for channels [256 s, 256 s + 256)
void ln_item(uint s, bool att) {
  uint lid = gl_LocalInvocationID.x, c = s * uint(RED_N) + lid, sb = seq[1];
  vec2 ms = ln_stats(A_X, uint(L_D), ln_eps);
  if (c >= uint(L_D)) return;
  uint w = lpar + (att ? uint(P_LN1_W) : uint(P_LN2_W)) * uint(L_D);
  uint bb = lpar + (att ? uint(P_LN1_B) : uint(P_LN2_B)) * uint(L_D);
  float xa = (act[A_X + c] - ms.x) * ms.y * par[w + c] + par[bb + c];
  if (att) {
    float prev = st[sb + lay + c];
    for (uint m = 0u; m < 6u; m++)
      act[A_MIX + m * uint(L_D) + c] = xa + (prev - xa) * par[lpar + (uint(P_LERP) + m) * uint(L_D) + c];
    act[A_LAST + c] = xa;
    // the previous layer's ffn_prev, waiting in last_ffn (its own readers are done)
    if (store_to != 0u) st[sb + store_to + c] = act[A_LASTFFN + c];
  } else {
    float prev = st[sb + lay + uint(L_D) + c];
    act[A_MIX + c] = xa + (prev - xa) * par[lpar + uint(P_FFN_LERP) * uint(L_D) + c];
    act[A_LASTFFN + c] = xa;
  }
}

void item(uint p, uint i) {
  uint lid = gl_LocalInvocationID.x;
  if (p == 0u) {
    ln_item(i, true);
  } else if (p == 1u) {
    uint nr = (3u * uint(L_D) + RPI - 1u) / RPI;
    if (i < nr) { // r / k / v rows read mixes r, k, v (slots 0, 2, 3)
      uint r0 = i * RPI, g = r0 / uint(L_D);
      MATVEC(w_rkv, T_RKV, S_RKV, L_D, 32u, r0, 3u * uint(L_D), E_RKV, A_MIX + (g == 0u ? 0u : g + 1u) * uint(L_D))
    } else { // w1 | a1 | g1 | v1 rows: mixes w, a, g, v (slots 1, 4, 5, 3); ranks % 8 == 0
      uint r0 = (i - nr) * RPI;
      uint g = r0 < uint(L_RW) ? 0u : r0 < uint(L_RW + L_RA) ? 1u : r0 < uint(L_RW + L_RA + L_RG) ? 2u : 3u;
      uint g0 = g == 0u ? 0u : g == 1u ? uint(L_RW) : g == 2u ? uint(L_RW + L_RA) : uint(L_RW + L_RA + L_RG);
      uint slot = g == 0u ? 1u : g == 1u ? 4u : g == 2u ? 5u : 3u;
      uint out0 = g == 0u ? A_WH : g == 1u ? A_AH : g == 2u ? A_GH : A_VH;
#define E_L1(r_, v_) act[out0 + (r_) - g0] = g == 0u ? tanh_safe(v_) : g == 2u ? sigmoid(v_) : (v_)
      MATVEC(w_l1, T_L1, S_L1, L_D, 32u, r0, m1, E_L1, A_MIX + slot * uint(L_D))
    }
  } else if (p == 2u) { // [D][rank] rows: wl = W2.wh, al = A2.ah, g = G2.gh, vl = V2.vh
    uint per = (uint(L_D) + RPI2 - 1u) / RPI2, g = i / per, r0 = (i % per) * RPI2;
    if (g == 0u) {
#define E_WL(r_, v_) act[A_WL + (r_)] = (v_)
      MATVEC(w_w2, T_L2, S_W2, L_RW, 8u, r0, uint(L_D), E_WL, A_WH)
    } else if (g == 1u) {
#define E_AL(r_, v_) act[A_AL + (r_)] = (v_)
      MATVEC(w_a2, T_L2, S_A2, L_RA, 8u, r0, uint(L_D), E_AL, A_AH)
    } else if (g == 2u) {
#define E_G(r_, v_) act[A_G + (r_)] = (v_)
      MATVEC(w_g2, T_L2, S_G2, L_RG, 8u, r0, uint(L_D), E_G, A_GH)
    } else {
#define E_VL(r_, v_) act[A_VL + (r_)] = (v_)
      MATVEC(w_v2, T_L2, S_V2, L_RV, 8u, r0, uint(L_D), E_VL, A_VH)
    }
  } else if (p == 3u) {
    wkv_main(i, 0u, lid);
  } else if (p == 4u) {
    MATVEC(w_wo, T_WO, S_WO, L_D, 32u, i * RPI, uint(L_D), E_X, A_Y)
  } else if (p == 5u) {
    ln_item(i, false);
  } else if (p == 6u) {
    MATVEC(w_fk, T_FK, S_FK, L_D, 32u, i * RPI, uint(L_FF), E_FFH, A_MIX)
  } else {
    MATVEC(w_fv, T_FV, S_FV, L_FF, 32u, i * RPI, uint(L_D), E_X, A_FFH)
  }
}

void main() {
  uint lid = gl_LocalInvocationID.x;
  uint known = 0u; // every item of the phases before `known` is done
  for (;;) {
    if (lid == 0u) {
      uint v = atomicAdd(sy.tk, 1u);
      s_tk = v - tk_base;
    }
    barrier();
    uint t = s_tk;
    barrier(); // s_tk is rewritten by the next claim
    if (t >= cum[7]) break; // uniform: one past the end for every workgroup
    uint p = 0u;
    while (t >= cum[p]) p++;
    if (p > known) {
      // wait until the phases before p are done: one invocation polls, the whole workgroup
      // loops. (Invocation 0 looping alone, the others waiting at the barrier after it, lost
      // ticket claims on llvmpipe: the counter ended short with every item done once; a
      // 40-line shader showed the same, and the same with a uniform loop did not.) A bound
      // instead of a hang should this ever not hold; forward.c reports it.
      for (uint spins = 0u;; spins++) {
        if (lid == 0u) {
          bool done = atomicAdd(sy.dn, 0u) - dn_base >= cum[p - 1u];
          if (!done && spins >= (1u << 24)) sy.fail = 1u;
          s_ok = done || sy.fail != 0u ? 1u : 0u;
        }
        barrier();
        bool ok = s_ok != 0u;
        barrier(); // s_ok is rewritten by the next poll
        if (ok) break;
      }
      memoryBarrierBuffer();
      known = p;
    }
    item(p, p == 0u ? t : t - cum[p - 1u]);
    memoryBarrierBuffer();
    barrier();
    if (lid == 0u) atomicAdd(sy.dn, 1u);
  }
}
