// rwkv_wkv_pre.comp - the per-token inputs of the WKV-7 scan (rwkv_wkv_scan.comp), fully
// parallel over (head, row): decay, in-context learning rate, key normalisation and the
// value residual, with the formulas and order of rwkv_wkv.comp (see
// ../shared/testdata/README.md step 2; BlinkDL RWKV-LM rwkv_v7 reference).
// Workgroup (h, row), HS invocations (RED_N == HS): invocation i is channel h*HS + i.
// Written in place over the arena (the inputs are dead after this step):
//   wl <- decay, al <- b = kk*a, vl <- kk, k <- k*(1 + (a-1)*k_a),
//   v  <- v with the value residual (layers > 0), vfirst <- v (layer 0).
layout(local_size_x = RED_N) in;

uniform uint D, T;
uniform uint layer0;  // 1 in layer 0: v_first = v
uniform uint k_off, v_off, wl_off, al_off, vl_off, vfirst_off;
uniform uint w0, a0, v0, k_k, k_a; // params

float sigm(float x) { return 1.0 / (1.0 + exp(-x)); }

void main() {
  uint h = gl_WorkGroupID.x, row = gl_WorkGroupID.y, i = gl_LocalInvocationID.x;
  uint b = row / T, t = row - b * T;
  if (t < seq[2u * b]) return; // padding row (uniform over the workgroup)
  uint c = h * uint(HS) + i, e = row * D + c;
  float k = act[k_off + e], v = act[v_off + e];
  float decay = exp(-0.606531 * sigm(par[w0 + c] + act[wl_off + e]));
  float a = sigm(par[a0 + c] + act[al_off + e]);
  float kk = k * par[k_k + c];
  kk /= max(sqrt(wg_sum(kk * kk)), 1e-12);
  k = k * (1.0 + (a - 1.0) * par[k_a + c]);
  if (layer0 != 0u) act[vfirst_off + e] = v;
  else act[v_off + e] = v + (act[vfirst_off + e] - v) * sigm(par[v0 + c] + act[vl_off + e]);
  act[wl_off + e] = decay;
  act[al_off + e] = kk * a;
  act[vl_off + e] = kk;
  act[k_off + e] = k;
}
