// rwkv_wkv_pre.comp - the per-token inputs of the WKV-7 scan (rwkv_wkv_scan.comp), fully
// parallel over (head, row): decay, in-context learning rate, key normalisation and the
// value residual, with the formulas and order of rwkv_wkv.comp (see
// ../shared/testdata/README.md step 2; BlinkDL RWKV-LM rwkv_v7 reference).
// Written in place over the arena (the inputs are dead after this step):
//   wl <- decay, al <- b = kk*a, vl <- kk, k <- k*(1 + (a-1)*k_a),
//   v  <- v with the value residual (layers > 0), vfirst <- v (layer 0).
// Workgroup (x, row): HEAD_PG heads x*HEAD_PG .. of the row, one subgroup (HEAD_SG
// invocations, HS / HEAD_SG channels each) a head; without HEAD_SG one head of HS
// invocations (RED_N == HS), its sums through shared memory (common.glsl head_sum2).
layout(local_size_x = HEAD_WG) in;

uniform uint D, T;
uniform uint layer0;  // 1 in layer 0: v_first = v
uniform uint k_off, v_off, wl_off, al_off, vl_off, vfirst_off;
uniform uint w0, a0, v0, k_k, k_a; // params

float sigm(float x) { return 1.0 / (1.0 + exp(-x)); }

void main() {
  uint lane = gl_LocalInvocationID.x % uint(HL);
  uint h = gl_WorkGroupID.x * uint(PG) + gl_LocalInvocationID.x / uint(HL), row = gl_WorkGroupID.y;
  uint b = row / T, t = row - b * T;
  if (t < seq[2u * b]) return; // padding row (uniform over the workgroup)
  if (h >= D / uint(HS)) return; // (HEAD_SG: a whole subgroup past the last head)
  float k[HE], kk[HE], ss = 0.0;
  for (int q = 0; q < HE; q++) {
    uint c = h * uint(HS) + lane + uint(q * HL);
    k[q] = act[k_off + row * D + c];
    kk[q] = k[q] * par[k_k + c];
    ss += kk[q] * kk[q];
  }
  float nrm = max(sqrt(head_sum2(vec2(ss, 0.0)).x), 1e-12);
  for (int q = 0; q < HE; q++) {
    uint c = h * uint(HS) + lane + uint(q * HL), e = row * D + c;
    float v = act[v_off + e];
    float decay = exp(-0.606531 * sigm(par[w0 + c] + act[wl_off + e]));
    float a = sigm(par[a0 + c] + act[al_off + e]);
    float kn = kk[q] / nrm;
    if (layer0 != 0u) act[vfirst_off + e] = v;
    else act[v_off + e] = v + (act[vfirst_off + e] - v) * sigm(par[v0 + c] + act[vl_off + e]);
    act[wl_off + e] = decay;
    act[al_off + e] = kn * a;
    act[vl_off + e] = kn;
    act[k_off + e] = k[q] * (1.0 + (a - 1.0) * par[k_a + c]);
  }
}
