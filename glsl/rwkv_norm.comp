// rwkv_norm.comp - layer norm of selected rows: out[o] = LN(in[row(o)]).
// Used for ln0 after the embedding lookup (EMBED: the row is the token's
// embedding row, decoded from its stored type) and for ln_out before the head
// (rows: every row, or the last row of each sequence).
layout(local_size_x = RED_N) in;
#ifdef EMBED
layout(std430, binding = 4) readonly buffer Tok { int tok[]; };
// the embedding's packed rows are rwkv_w (RWKV_WEIGHT_BINDING 5, common.glsl)
shared float s_row[MAXD];
#endif
uniform uint D, T;
uniform uint in_off, out_off, ln_w, ln_b;
uniform uint last_only;
uniform uint row_bytes; // EMBED: bytes of one embedding row // 1: output o reads row o*T + T - 1
uniform float eps;

void main() {
  uint o = gl_WorkGroupID.x;
#ifdef EMBED
  // decode the token's embedding row into shared memory, then normalize it
  uint rowbase = uint(tok[o]) * row_bytes;
  for (uint c = gl_LocalInvocationID.x; c < D; c += uint(RED_N)) s_row[c] = w_row1(rowbase, c);
  barrier();
  float s = 0.0;
  for (uint c = gl_LocalInvocationID.x; c < D; c += uint(RED_N)) s += s_row[c];
  float mean = wg_sum(s) / float(D);
  s = 0.0;
  for (uint c = gl_LocalInvocationID.x; c < D; c += uint(RED_N)) s += (s_row[c] - mean) * (s_row[c] - mean);
  float rstd = inversesqrt(wg_sum(s) / float(D) + eps);
  for (uint c = gl_LocalInvocationID.x; c < D; c += uint(RED_N))
    act[out_off + o * D + c] = (s_row[c] - mean) * rstd * par[ln_w + c] + par[ln_b + c];
#else
  uint row = last_only != 0u ? o * T + T - 1u : o;
  uint xr = in_off + row * D;
  vec2 ms = ln_stats(xr, D, eps);
  for (uint c = gl_LocalInvocationID.x; c < D; c += uint(RED_N))
    act[out_off + o * D + c] = (act[xr + c] - ms.x) * ms.y * par[ln_w + c] + par[ln_b + c];
#endif
}
