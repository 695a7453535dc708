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
uniform uint arm_off;     // arm_n != 0: act[arm_off ..+ arm_n) <- WKV_SENT (common.glsl; by
uniform uint arm_n;       //   all workgroups, padding rows' too)
#ifdef DSYNC_BINDING
uniform uint cnt_slot;    // != 0: each workgroup counts itself done in counter cnt_slot - 1 (the
                          //   decode matmuls after it wait on the count: matmul.comp DSYNC)
#endif
#ifdef LN_WAIT
uniform uint arm2_off, arm2_n; // a second such range (decode: the pending outputs' slots of
                               //   this layer, forward.c res_early)
uniform uint xo_on, xo_off; // xo_on != 0: x with the pending outputs added written at xo_off
                            //   ([R][D]: the next x of a decode's layers, forward.c res_early)
#endif

// One channel's parameters and inputs (loaded before the statistics' barriers for an
// invocation's first channel: in decode every invocation has one, so these loads overlap the
// row's reductions instead of following them).
struct Chan {
  float w, bias, x, prev;  // prev: x[row - 1] raw, or the state's prev vector (first row)
  float lerp[NMIX];
};
void chan_load(uint c, uint xr, bool inrow, uint sbase, out Chan ch) {
  ch.w = par[ln_w + c];
  ch.bias = par[ln_b + c];
  ch.x = act[xr + c];
  ch.prev = inrow ? act[xr - D + c] : st[sbase + c];
  for (uint m = 0u; m < uint(NMIX); m++) ch.lerp[m] = par[lerp_off + m * D + c];
}

// act[off ..+ n) <- WKV_SENT, spread over every workgroup of the dispatch
void arm(uint off, uint n) {
  uint nw = gl_NumWorkGroups.x * gl_NumWorkGroups.y, w = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  for (uint i = w * uint(RED_N) + gl_LocalInvocationID.x; i < n; i += nw * uint(RED_N))
    act[off + i] = uintBitsToFloat(WKV_SENT);
}

void ln_main() {
  uint row = gl_WorkGroupID.x;
  if (arm_n != 0u) arm(arm_off, arm_n);
#ifdef LN_WAIT
  if (arm2_n != 0u) arm(arm2_off, arm2_n);
#endif
  uint b = row / T, t = row % T;
  uint start = seq[2u * b], sbase = seq[2u * b + 1u] + prev_off;
  if (t < start) return; // padding row: uniform for the whole workgroup
  uint xr = x_off + row * D;
  // every workgroup of the row computes its statistics; each writes one slice of channels
  uint c0 = gl_WorkGroupID.y * cslice + gl_LocalInvocationID.x;
  uint c1 = min(D, (gl_WorkGroupID.y + 1u) * cslice);
  Chan ch;
  if (c0 < c1) chan_load(c0, xr, t > start, sbase, ch);
  vec2 ms = ln_stats(xr, D, eps);
  vec2 pms = vec2(0.0);
  if (t > start) pms = ln_stats(xr - D, D, eps);
  for (uint c = c0; c < c1; c += uint(RED_N)) {
    if (c != c0) chan_load(c, xr, t > start, sbase, ch);
#ifdef LN_WAIT
    // (the pending outputs, final now: ln_stats saw every one of the row's written)
    float xv = (ch.x + (add1_d != 0u ? act[xr + c + add1_d] : 0.0)) + (add2_d != 0u ? act[xr + c + add2_d] : 0.0);
    if (xo_on != 0u) act[xo_off + row * D + c] = xv;
#else
    float xv = ch.x;
#endif
    float xa = (xv - ms.x) * ms.y * ch.w + ch.bias;
    float prev = t > start ? (ch.prev - pms.x) * pms.y * ch.w + ch.bias : ch.prev;
    for (uint m = 0u; m < uint(NMIX); m++)
      act[mix_off + (m * R + row) * D + c] = xa + (prev - xa) * ch.lerp[m];
    if (t == T - 1u) act[last_off + b * D + c] = xa;
    // The previous layer's channel mix could not store its ffn_prev (its own
    // rows were still reading the old one); its last row's input waits in
    // store_from and is stored here, by one workgroup per sequence.
    if (t == T - 1u && store_from != 0u) st[seq[2u * b + 1u] + store_to + c] = act[store_from + b * D + c];
  }
}

void main() {
  ln_main();
#ifdef DSYNC_BINDING
  if (cnt_slot != 0u) dsync_count(cnt_slot); // (uniform)
#endif
}
