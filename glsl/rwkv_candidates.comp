// rwkv_candidates.comp - what the sampler needs from the logits, so that it
// reads back a few hundred candidates instead of the whole vocabulary:
//  1. the penalties (pairs id, amount; the repetition penalty for each listed id),
//  2. the largest logit,
//  3. every token whose logit is within `margin` of it (the caller picks
//     margin so that the tokens left out have negligible probability, e.g.
//     e^-30 of the best at the sampling temperature), compacted to
//     out = [count, max bits, id0, logit0, id1, logit1, ...] (at most cap).
// One workgroup; the order of candidates is arbitrary (the CPU sorts them).
#ifndef WG
#define WG 1024
#endif
layout(local_size_x = WG) in;
layout(std430, binding = 0) buffer Logits { float lg[]; };
layout(std430, binding = 1) readonly buffer Pen { float pen[]; };
layout(std430, binding = 2) buffer Out { uint outv[]; };
uniform uint n, n_pen, cap;
uniform float rep, margin;
shared float s_max[WG];
shared uint s_count;

void main() {
  uint t = gl_LocalInvocationID.x;
  for (uint j = t; j < n_pen; j += uint(WG)) {
    uint id = uint(pen[2u * j]);
    float l = lg[id] - pen[2u * j + 1u];
    if (rep != 1.0) l = l > 0.0 ? l / rep : l * rep;
    lg[id] = l;
  }
  if (t == 0u) s_count = 0u;
  memoryBarrierBuffer();
  barrier();
  float m = -1.0 / 0.0;
  for (uint i = t; i < n; i += uint(WG)) m = max(m, lg[i]);
  s_max[t] = m;
  barrier();
  for (uint s = uint(WG) / 2u; s > 0u; s >>= 1u) {
    if (t < s) s_max[t] = max(s_max[t], s_max[t + s]);
    barrier();
  }
  float lim = s_max[0] - margin;
  for (uint i = t; i < n; i += uint(WG)) {
    float l = lg[i];
    if (l >= lim) {
      uint k = atomicAdd(s_count, 1u);
      if (k < cap) {
        outv[2u + 2u * k] = i;
        outv[3u + 2u * k] = floatBitsToUint(l);
      }
    }
  }
  barrier();
  if (t == 0u) {
    outv[0] = s_count;
    outv[1] = floatBitsToUint(s_max[0]);
  }
}
