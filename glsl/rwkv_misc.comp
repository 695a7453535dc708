// rwkv_misc.comp - small steps, one per MODE:
//  MODE_STORE_PREV: the state's ffn_prev <- last[b] for every sequence b
//  MODE_ZERO: st[off + i] = 0, i < n (GLES has no buffer clear)
//  MODE_PREFETCH: read buffers 4..7 (workgroup row y picks one; n4[y] uvec4s each) so that
//    their bytes are in the L2 cache when the next step reads them; nothing is written
layout(local_size_x = 256) in; // the C side dispatches ceil(n / 256) groups
uniform uint off, n;      // elementwise range
uniform uint D, T, prev_off; // MODE_STORE_PREV: n = B * D
#if defined(MODE_PREFETCH)
layout(std430, binding = 4) readonly buffer P0 { uvec4 p0[]; };
layout(std430, binding = 5) readonly buffer P1 { uvec4 p1[]; };
layout(std430, binding = 6) readonly buffer P2 { uvec4 p2[]; };
layout(std430, binding = 7) readonly buffer P3 { uvec4 p3[]; };
uniform uvec4 n4;   // uvec4s to read of each buffer
uniform uint never; // 0: (a uniform, so the loads are not dead code) the sum is never stored
#endif

void main() {
  uint i = gl_GlobalInvocationID.x;
#if defined(MODE_PREFETCH)
  uint y = gl_WorkGroupID.y, stride = gl_NumWorkGroups.x * 256u, cnt = n4[y];
  uvec4 acc = uvec4(0u);
  for (uint j = i; j < cnt; j += stride)
    acc ^= y == 0u ? p0[j] : y == 1u ? p1[j] : y == 2u ? p2[j] : p3[j];
  if (never != 0u && acc.x == never) st[0] = uintBitsToFloat(acc.y);
  return;
#endif
  if (i >= n) return;
#if defined(MODE_STORE_PREV)
  uint b = i / D, c = i % D;
  if (seq[2u * b] < T) st[seq[2u * b + 1u] + prev_off + c] = act[off + i];
#elif defined(MODE_ZERO)
  st[off + i] = 0.0;
#endif
}
