// rwkv_argmax.comp - index of the largest of lg[off .. off+n) (lowest index on
// ties, like a CPU scan), written to res[slot]: the greedy path reads back 4
// bytes instead of the logits. With FEED, the index is also written to tok[0],
// the token the next pass embeds: greedy decoding then chains passes on the GPU
// and the CPU reads the chosen ids back in batches.
// One workgroup walks all n values; with several (forward.c, on GPUs: one
// workgroup walking 65536 logits was a long chain of loads in every greedy
// token), workgroup w takes the `per` values from w * per, leaves its best in
// part[] and counts itself done; the last one to finish reduces the partial
// bests (the counter is reset for the next dispatch).
#ifndef WG
#define WG 256
#endif
layout(local_size_x = WG) in; // small on llvmpipe, where barriers are costly
layout(std430, binding = 0) readonly buffer Logits { float lg[]; };
layout(std430, binding = 1) writeonly buffer Res { int res[]; };
#ifdef FEED
layout(std430, binding = 2) writeonly buffer Tok { int tok[]; };
#endif
// [0] workgroups done, then per workgroup its best value's bits and index (zeroed at
// creation; bound only when there are several workgroups)
layout(std430, binding = 3) coherent buffer Part { uint part[]; };
uniform uint off, n, slot, per;
shared float s_v[WG];
shared uint s_i[WG];
shared bool s_last;
#define NONE 0xFFFFFFFFu

// (v, i) beats (bv, bi): a larger value, or the lower index of an equal one; NONE is empty
bool better(float v, uint i, float bv, uint bi) {
  return i != NONE && (bi == NONE || v > bv || (v == bv && i < bi));
}

void main() {
  uint t = gl_LocalInvocationID.x, w = gl_WorkGroupID.x, nw = gl_NumWorkGroups.x;
  uint b0 = nw > 1u ? w * per : 0u, e = nw > 1u ? min(n, b0 + per) : n;
  float bv = -1.0 / 0.0;
  uint bi = NONE;
  for (uint i = b0 + t; i < e; i += uint(WG)) {
    float v = lg[off + i];
    if (v > bv || bi == NONE) { bv = v; bi = i; }
  }
  s_v[t] = bv; s_i[t] = bi;
  barrier();
  for (uint s = uint(WG) / 2u; s > 0u; s >>= 1u) {
    if (t < s && better(s_v[t + s], s_i[t + s], s_v[t], s_i[t])) { s_v[t] = s_v[t + s]; s_i[t] = s_i[t + s]; }
    barrier();
  }
  if (t == 0u) {
    s_last = nw == 1u;
    if (nw > 1u) {
      part[1u + 2u * w] = floatBitsToUint(s_v[0]);
      part[2u + 2u * w] = s_i[0];
      memoryBarrierBuffer(); // the partial is visible before the count says so
      s_last = atomicAdd(part[0], 1u) == nw - 1u;
    }
  }
  barrier();
  // (the tree below again: GLSL ES allows barrier() in main only, not in a function)
  if (s_last && nw > 1u) { // the last workgroup: the best of the partials
    memoryBarrierBuffer();
    bv = -1.0 / 0.0;
    bi = NONE;
    for (uint j = t; j < nw; j += uint(WG)) {
      float v = uintBitsToFloat(part[1u + 2u * j]);
      uint i = part[2u + 2u * j];
      if (better(v, i, bv, bi)) { bv = v; bi = i; }
    }
    s_v[t] = bv; s_i[t] = bi;
    barrier();
    for (uint s = uint(WG) / 2u; s > 0u; s >>= 1u) {
      if (t < s && better(s_v[t + s], s_i[t + s], s_v[t], s_i[t])) { s_v[t] = s_v[t + s]; s_i[t] = s_i[t + s]; }
      barrier();
    }
    if (t == 0u) part[0] = 0u;
  }
  if (t == 0u && s_last) {
    res[slot] = int(s_i[0]);
#ifdef FEED
    tok[0] = int(s_i[0]);
#endif
  }
}
