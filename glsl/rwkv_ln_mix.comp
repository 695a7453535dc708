// rwkv_ln_mix.comp - layer norm, then token shift: the lerps between this
// token's normalized input and the previous token's (RWKV-7 time mix with
// NMIX = 6 lerps r,w,k,v,a,g; channel mix with NMIX = 1).
// Workgroups (row, slice); row = b*T + t (sequence b, position t). Rows before
// the sequence's start are padding and are skipped. The previous token's
// input is the state's prev vector for the first row, else recomputed from
// x[row - 1]. The last row's normalized input goes to `last` so that a later
// dispatch can store it into the state (the state's prev vector is still being
// read by other workgroups of this one): the WKV kernel stores att_prev, the
// next layer's ln_mix (store_from/store_to) or a final dispatch ffn_prev.
layout(local_size_x = RED_N) in;

uniform uint D;         // n_embd
uniform uint T;         // rows per sequence
uniform uint R;         // rows in all
uniform uint x_off;     // x [R][D]
uniform uint mix_off;   // out: [NMIX][R][D]
uniform uint last_off;  // out: [B][D]
uniform uint ln_w;      // params: norm weight, bias, NMIX lerp vectors
uniform uint ln_b;
uniform uint lerp_off;
uniform uint prev_off;  // prev vector's offset inside this layer's state
uniform float eps;
uniform uint cslice;      // channels per workgroup (y): few rows use several workgroups a row
uniform uint store_from;  // != 0: also store act[store_from + b*D ..] into the state
uniform uint store_to;    //   at store_to (the previous layer's ffn_prev), see below

void main() {
  uint row = gl_WorkGroupID.x;
  uint b = row / T, t = row % T;
  uint start = seq[2u * b], sbase = seq[2u * b + 1u] + prev_off;
  if (t < start) return; // padding row: uniform for the whole workgroup
  uint xr = x_off + row * D;
  vec2 ms = ln_stats(xr, D, eps);
  vec2 pms = vec2(0.0);
  if (t > start) pms = ln_stats(xr - D, D, eps);
  // every workgroup of the row computes its statistics; each writes one slice of channels
  uint c1 = min(D, (gl_WorkGroupID.y + 1u) * cslice);
  for (uint c = gl_WorkGroupID.y * cslice + gl_LocalInvocationID.x; c < c1; c += uint(RED_N)) {
    float w = par[ln_w + c], bias = par[ln_b + c];
    float xa = (act[xr + c] - ms.x) * ms.y * w + bias;
    float prev = t > start ? (act[xr - D + c] - pms.x) * pms.y * w + bias : st[sbase + c];
    for (uint m = 0u; m < uint(NMIX); m++)
      act[mix_off + (m * R + row) * D + c] = xa + (prev - xa) * par[lerp_off + m * D + c];
    if (t == T - 1u) act[last_off + b * D + c] = xa;
    // The previous layer's channel mix could not store its ffn_prev (its own
    // rows were still reading the old one); its last row's input waits in
    // store_from and is stored here, by one workgroup per sequence.
    if (t == T - 1u && store_from != 0u) st[seq[2u * b + 1u] + store_to + c] = act[store_from + b * D + c];
  }
}
