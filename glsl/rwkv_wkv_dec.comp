// rwkv_wkv_dec.comp - the decode WKV step (LoRA second stages fused, as rwkv_wkv.comp with
// LORA2) with QL = 4 invocations per row of S: each holds 16 of the row's columns, the
// row's dot products are clustered subgroup sums over its 4 lanes. Against one invocation
// per row (rwkv_wkv.comp) the serial walks over S (loads, the update, stores) are 4x
// shorter and every invocation of the workgroup works on S instead of a quarter of them.
// Meant for GPUs with subgroups (GL_KHR_shader_subgroup_clustered, passed by forward.c). Formulas and order inside S: rwkv_wkv.comp.
// Workgroup (h, b): RED_N = 4 * HS invocations; invocation lid is row i = lid / 4 (value
// channel c = h HS + i) and column quarter p = lid % 4 (columns 16 p .. 16 p + 15); the LoRA
// dots of channel c are split over its 4 lanes (LORA_SPLIT 4 of the macros in common.glsl).
layout(local_size_x = RED_N) in;

#define QL 4
#define QC (HS / QL)

// Sum over the row's QL lanes: a clustered subgroup sum, or (no subgroups: llvmpipe, where
// this kernel is only used when RWKV_WKV_DEC=1 asks for it) through shared memory.
#if defined(RWKV_SUBGROUP)
float qsum(float v) { return subgroupClusteredAdd(v, uint(QL)); }
vec4 qsum4(vec4 v) { return subgroupClusteredAdd(v, uint(QL)); }
#else
shared vec4 q_red[RED_N];
vec4 qsum4(vec4 v) {
  uint lid = gl_LocalInvocationID.x, q0 = lid & ~uint(QL - 1);
  barrier();
  q_red[lid] = v;
  barrier();
  vec4 s = vec4(0.0);
  for (uint q = 0u; q < uint(QL); q++) s += q_red[q0 + q];
  return s;
}
float qsum(float v) { return qsum4(vec4(v, 0.0, 0.0, 0.0)).x; }
#endif

void main() {
  uint h = gl_WorkGroupID.x, b = gl_WorkGroupID.y, lid = gl_LocalInvocationID.x;
  uint i = lid / uint(QL), p = lid % uint(QL);
  bool lead = p == 0u;  // the row's lane that writes per-channel results
  uint c = h * uint(HS) + i;
  uint start = seq[2u * b], sbase = seq[2u * b + 1u] + lay;
  uint sidx = sbase + 2u * D + c * uint(HS) + p * uint(QC);  // this lane's columns of row i
  bool al4 = (sidx & 3u) == 0u;
  float S[QC];
  if (al4)
    for (int j = 0; j < QC; j += 4) {
      vec4 q = st4[(sidx >> 2) + uint(j >> 2)];
      S[j] = q.x; S[j + 1] = q.y; S[j + 2] = q.z; S[j + 3] = q.w;
    }
  else
    for (int j = 0; j < QC; j++) S[j] = st[sidx + uint(j)];
  float p_w0 = par[w0 + c], p_a0 = par[a0 + c], p_kk = par[k_k + c], p_ka = par[k_a + c];
  float p_v0 = par[v0 + c], p_rk = par[r_k + c], p_lw = par[lnx_w + c], p_lb = par[lnx_b + c];

  for (uint t = start; t < T; t++) {
    uint row = b * T + t, e = row * D + c;
    float r = act[r_off + e], k = act[k_off + e], v = act[v_off + e];
    float vf = layer0 == 0u ? act[vfirst_off + e] : 0.0;
    for (uint x = lid; x < uint(LORA_MAXR); x += uint(RED_N)) {
      SH(x) = x < rank_w ? act[wh_off + row * rank_w + x] : 0.0;
      SH(x + uint(LORA_MAXR)) = x < rank_a ? act[ah_off + row * rank_a + x] : 0.0;
      SH(x + 2u * uint(LORA_MAXR)) = x < rank_v && layer0 == 0u ? act[vh_off + row * rank_v + x] : 0.0;
      SH(x + 3u * uint(LORA_MAXR)) = x < rank_g ? act[gh_off + row * rank_g + x] : 0.0;
    }
    barrier();
    vec4 lp;
    LORA_DOT(lw2, lw2v, rank_w, st_w, 0u, c, p, lp.x)
    LORA_DOT(la2, la2v, rank_a, st_a, uint(LORA_MAXR), c, p, lp.y)
    lp.z = 0.0;
    if (layer0 == 0u) LORA_DOT(lv2, lv2v, rank_v, st_v, 2u * uint(LORA_MAXR), c, p, lp.z)
    LORA_DOT(lg2, lg2v, rank_g, st_g, 3u * uint(LORA_MAXR), c, p, lp.w)
    lp = qsum4(lp);
    float decay = exp(-0.606531 * sigm(p_w0 + lp.x));
    float a = sigm(p_a0 + lp.y);
    float kk = k * p_kk;
    kk /= max(sqrt(wg_sum(lead ? kk * kk : 0.0)), 1e-12);
    k = k * (1.0 + (a - 1.0) * p_ka);
    if (layer0 != 0u) {
      if (lead) act[vfirst_off + e] = v;
    } else {
      v = v + (vf - v) * sigm(p_v0 + lp.z);
    }
    if (lead) {
      s_decay[i] = decay; s_kk[i] = kk; s_k[i] = k; s_b[i] = kk * a; s_r[i] = r;
    }
    barrier();
    uint j0 = p * uint(QC);
    float sa = 0.0;
    for (int j = 0; j < QC; j++) sa -= S[j] * s_kk[j0 + uint(j)];
    sa = qsum(sa);
    float o = 0.0;
    for (int j = 0; j < QC; j++) {
      uint jj = j0 + uint(j);
      S[j] = S[j] * s_decay[jj] + v * s_k[jj] + sa * s_b[jj];
      o += S[j] * s_r[jj];
    }
    o = qsum(o);
    // group norm within the head (two-pass variance), bonus term and gate, as rwkv_wkv.comp
    vec2 mb = wg_sum2(lead ? vec2(o, r * k * p_rk) : vec2(0.0));
    float mean = mb.x / float(HS);
    float dv = o - mean;
    float var = wg_sum(lead ? dv * dv : 0.0) / float(HS);
    float y = dv * inversesqrt(var + gn_eps) * p_lw + p_lb;
    y += mb.y * v;
    if (lead) act[y_off + e] = y * lp.w;
    barrier();  // shared arrays are rewritten by the next step
  }
  if (al4)
    for (int j = 0; j < QC; j += 4) st4[(sidx >> 2) + uint(j >> 2)] = vec4(S[j], S[j + 1], S[j + 2], S[j + 3]);
  else
    for (int j = 0; j < QC; j++) st[sidx + uint(j)] = S[j];
  // att_prev <- the last row's normalized input (sequences with no row in this pass keep theirs)
  if (lead && start < T) st[sbase + c] = act[last_off + b * D + c];
}
