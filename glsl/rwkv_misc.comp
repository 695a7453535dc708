// rwkv_misc.comp - small steps, one per MODE:
//  MODE_STORE_PREV: the state's ffn_prev <- last[b] for every sequence b
//  MODE_ZERO: st[off + i] = 0, i < n (GLES has no buffer clear)
//  MODE_FOLD: decode (forward.c res_early), after the last layer: x (act[off + i]) <- its x
//    (act[src + i]) + its pending Wo / FFN value outputs (act[a1 + i], act[a2 + i])
layout(local_size_x = 256) in; // the C side dispatches ceil(n / 256) groups
uniform uint off, n;      // elementwise range
uniform uint D, T, prev_off; // MODE_STORE_PREV: n = B * D
#if defined(MODE_FOLD)
uniform uint src, a1, a2;
#endif

void main() {
  uint i = gl_GlobalInvocationID.x;
  if (i >= n) return;
#if defined(MODE_STORE_PREV)
  uint b = i / D, c = i % D;
  if (seq[2u * b] < T) st[seq[2u * b + 1u] + prev_off + c] = act[off + i];
#elif defined(MODE_ZERO)
  st[off + i] = 0.0;
#elif defined(MODE_FOLD)
  act[off + i] = (act[src + i] + act[a1 + i]) + act[a2 + i]; // (the adds' order in place)
#endif
}
