// rwkv_wkv_post.comp - after the WKV-7 scan (rwkv_wkv_scan.comp): group norm of o over
// the head, * ln_x.weight + ln_x.bias, + (sum over the head of r*k*r_k) * v, * g -> y,
// as at the end of rwkv_wkv.comp (../shared/testdata/README.md step 2).
// Workgroup (h, row), HS invocations (RED_N == HS). y holds the raw o on entry; k and v
// are the values rwkv_wkv_pre.comp left (k*(1 + (a-1)*k_a), v after the value residual).
layout(local_size_x = RED_N) in;

uniform uint D, T;
uniform uint r_off, k_off, v_off, g_off, y_off;
uniform uint r_k, lnx_w, lnx_b; // params
uniform float gn_eps;

void main() {
  uint h = gl_WorkGroupID.x, row = gl_WorkGroupID.y, i = gl_LocalInvocationID.x;
  uint b = row / T, t = row - b * T;
  if (t < seq[2u * b]) return; // padding row (uniform over the workgroup)
  uint c = h * uint(HS) + i, e = row * D + c;
  float o = act[y_off + e];
  float mean = wg_sum(o) / float(HS);
  float var = wg_sum((o - mean) * (o - mean)) / float(HS);
  float y = (o - mean) * inversesqrt(var + gn_eps) * par[lnx_w + c] + par[lnx_b + c];
  y += wg_sum(act[r_off + e] * act[k_off + e] * par[r_k + c]) * act[v_off + e];
  act[y_off + e] = y * act[g_off + e];
}
