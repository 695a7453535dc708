// rwkv_argmax.comp - index of the largest of lg[off .. off+n) (lowest index on
// ties, like a CPU scan), written to res[slot]. One workgroup: the greedy path
// reads back 4 bytes instead of the logits. With FEED, the index is also
// written to tok[0], the token the next pass embeds: greedy decoding then
// chains passes on the GPU and the CPU reads the chosen ids back in batches.
#ifndef WG
#define WG 256
#endif
layout(local_size_x = WG) in; // small on llvmpipe, where barriers are costly
layout(std430, binding = 0) readonly buffer Logits { float lg[]; };
layout(std430, binding = 1) writeonly buffer Res { int res[]; };
#ifdef FEED
layout(std430, binding = 2) writeonly buffer Tok { int tok[]; };
#endif
uniform uint off, n, slot;
shared float s_v[WG];
shared uint s_i[WG];

void main() {
  uint t = gl_LocalInvocationID.x;
  float bv = -1.0 / 0.0;
  uint bi = 0xFFFFFFFFu;
  for (uint i = t; i < n; i += uint(WG)) {
    float v = lg[off + i];
    if (v > bv || bi == 0xFFFFFFFFu) { bv = v; bi = i; }
  }
  s_v[t] = bv; s_i[t] = bi;
  barrier();
  for (uint s = uint(WG) / 2u; s > 0u; s >>= 1u) {
    if (t < s) {
      float v = s_v[t + s];
      uint i = s_i[t + s];
      if (i != 0xFFFFFFFFu && (v > s_v[t] || (v == s_v[t] && i < s_i[t]) || s_i[t] == 0xFFFFFFFFu)) {
        s_v[t] = v; s_i[t] = i;
      }
    }
    barrier();
  }
  if (t == 0u) {
    res[slot] = int(s_i[0]);
#ifdef FEED
    tok[0] = int(s_i[0]);
#endif
  }
}
