// rwkv_wkv_post.comp - after the WKV-7 scan (rwkv_wkv_scan.comp): group norm of o over
// the head, * ln_x.weight + ln_x.bias, + (sum over the head of r*k*r_k) * v, * g -> y,
// as at the end of rwkv_wkv.comp (../shared/testdata/README.md step 2).
// Workgroups as rwkv_wkv_pre.comp (common.glsl head_sum2). y holds the raw o on entry; k and v
// are the values rwkv_wkv_pre.comp left (k*(1 + (a-1)*k_a), v after the value residual).
layout(local_size_x = HEAD_WG) in;

uniform uint D, T;
uniform uint r_off, k_off, v_off, g_off, y_off;
uniform uint r_k, lnx_w, lnx_b; // params
uniform float gn_eps;

void main() {
  uint lane = gl_LocalInvocationID.x % uint(HL);
  uint h = gl_WorkGroupID.x * uint(PG) + gl_LocalInvocationID.x / uint(HL), row = gl_WorkGroupID.y;
  uint b = row / T, t = row - b * T;
  if (t < seq[2u * b]) return; // padding row (uniform over the workgroup)
  if (h >= D / uint(HS)) return; // (HEAD_SG: a whole subgroup past the last head)
  float o[HE];
  vec2 s = vec2(0.0); // sum of o, the bonus's sum of r*k*r_k
  for (int q = 0; q < HE; q++) {
    uint c = h * uint(HS) + lane + uint(q * HL), e = row * D + c;
    o[q] = act[y_off + e];
    s += vec2(o[q], act[r_off + e] * act[k_off + e] * par[r_k + c]);
  }
  s = head_sum2(s);
  float mean = s.x / float(HS), sv = 0.0;
  for (int q = 0; q < HE; q++) sv += (o[q] - mean) * (o[q] - mean);
  float var = head_sum2(vec2(sv, 0.0)).x / float(HS);
  for (int q = 0; q < HE; q++) {
    uint c = h * uint(HS) + lane + uint(q * HL), e = row * D + c;
    float y = (o[q] - mean) * inversesqrt(var + gn_eps) * par[lnx_w + c] + par[lnx_b + c];
    y += s.y * act[v_off + e];
    act[y_off + e] = y * act[g_off + e];
  }
}
