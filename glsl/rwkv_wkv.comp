// rwkv_wkv.comp - the RWKV-7 time mix core for one head of one sequence:
// decay, in-context learning rate, key normalisation, value residual, the WKV-7
// state update (float32, in registers), group norm, the r.k.r_k bonus and
// the gate. Formulas: ../shared/testdata/README.md step 2; BlinkDL RWKV-LM
// rwkv_v7 reference; rwkv.cpp / ggml wkv7 for the order inside S.
// Workgroup (h, b), HS invocations: invocation i owns row i of S (value dim i).
layout(local_size_x = RED_N) in; // RED_N == head size

uniform uint D, T;
uniform uint lay;               // this layer's offset inside a state
uniform uint layer0;            // 1 in layer 0: v_first = v
uniform uint r_off, k_off, v_off, wl_off, al_off, vl_off, g_off, vfirst_off, y_off, last_off;
uniform uint w0, a0, v0, k_k, k_a, r_k, lnx_w, lnx_b; // params
uniform float gn_eps;

shared float s_decay[HS], s_kk[HS], s_k[HS], s_b[HS], s_r[HS];

float sigm(float x) { return 1.0 / (1.0 + exp(-x)); }

void main() {
  uint h = gl_WorkGroupID.x, b = gl_WorkGroupID.y, i = gl_LocalInvocationID.x;
  uint c = h * uint(HS) + i;
  uint start = seq[2u * b], sbase = seq[2u * b + 1u] + lay;
  uint sidx = sbase + 2u * D + (h * uint(HS) + i) * uint(HS); // row i of head h's S
  float S[HS];
  for (int j = 0; j < HS; j++) S[j] = st[sidx + uint(j)];

  for (uint t = start; t < T; t++) {
    uint e = (b * T + t) * D + c;
    float r = act[r_off + e], k = act[k_off + e], v = act[v_off + e];
    float decay = exp(-0.606531 * sigm(par[w0 + c] + act[wl_off + e]));
    float a = sigm(par[a0 + c] + act[al_off + e]);
    float kk = k * par[k_k + c];
    kk /= max(sqrt(wg_sum(kk * kk)), 1e-12);
    k = k * (1.0 + (a - 1.0) * par[k_a + c]);
    if (layer0 != 0u) act[vfirst_off + e] = v;
    else v = v + (act[vfirst_off + e] - v) * sigm(par[v0 + c] + act[vl_off + e]);

    s_decay[i] = decay; s_kk[i] = kk; s_k[i] = k; s_b[i] = kk * a; s_r[i] = r;
    barrier();
    float sa = 0.0;
    for (int j = 0; j < HS; j++) sa -= S[j] * s_kk[j];
    float o = 0.0;
    for (int j = 0; j < HS; j++) {
      S[j] = S[j] * s_decay[j] + v * s_k[j] + sa * s_b[j];
      o += S[j] * s_r[j];
    }
    // group norm within the head, then the bonus term and the gate
    float mean = wg_sum(o) / float(HS);
    float var = wg_sum((o - mean) * (o - mean)) / float(HS);
    float y = (o - mean) * inversesqrt(var + gn_eps) * par[lnx_w + c] + par[lnx_b + c];
    y += wg_sum(r * k * par[r_k + c]) * v;
    act[y_off + e] = y * act[g_off + e];
    barrier(); // shared arrays are rewritten by the next step
  }
  for (int j = 0; j < HS; j++) st[sidx + uint(j)] = S[j];
  // att_prev <- the last row's normalized input (sequences with no row in this pass keep theirs)
  if (start < T) st[sbase + c] = act[last_off + b * D + c];
}
