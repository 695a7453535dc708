// rwkv_misc.comp - small steps, one per MODE:
//  MODE_STORE_PREV: the state's ffn_prev <- last[b] for every sequence b
//  MODE_ZERO: st[off + i] = 0, i < n (GLES has no buffer clear)
layout(local_size_x = 256) in; // the C side dispatches ceil(n / 256) groups
uniform uint off, n;      // elementwise range
uniform uint D, T, prev_off; // MODE_STORE_PREV: n = B * D

void main() {
  uint i = gl_GlobalInvocationID.x;
  if (i >= n) return;
#if defined(MODE_STORE_PREV)
  uint b = i / D, c = i % D;
  if (seq[2u * b] < T) st[seq[2u * b + 1u] + prev_off + c] = act[off + i];
#elif defined(MODE_ZERO)
  st[off + i] = 0.0;
#endif
}
