// rwkv_misc.comp - small steps, one per MODE:
//  MODE_STORE_PREV: the state's ffn_prev <- last[b] for every sequence b
//  MODE_ZERO: st[off + i] = 0, i < n (GLES has no buffer clear)
//  MODE_TOUCH: a word every `stride` of the buffers at bindings 4-7 (n0..n3 words touched)
//    and of sequence 0's state from off (ns), read and dropped: the decode WKV step's LoRA
//    weights and S brought near (L2, TLB) while an earlier step runs (forward.c wkv_touch)
layout(local_size_x = 256) in; // the C side dispatches ceil(n / 256) groups
uniform uint off, n;      // elementwise range
uniform uint D, T, prev_off; // MODE_STORE_PREV: n = B * D
#ifdef MODE_TOUCH
layout(std430, binding = 4) readonly buffer T0 { uint t0[]; };
layout(std430, binding = 5) readonly buffer T1 { uint t1[]; };
layout(std430, binding = 6) readonly buffer T2 { uint t2[]; };
layout(std430, binding = 7) readonly buffer T3 { uint t3[]; };
uniform uint n0, n1, n2, n3, stride;
#endif

void main() {
  uint i = gl_GlobalInvocationID.x;
  if (i >= n) return;
#if defined(MODE_STORE_PREV)
  uint b = i / D, c = i % D;
  if (seq[2u * b] < T) st[seq[2u * b + 1u] + prev_off + c] = act[off + i];
#elif defined(MODE_ZERO)
  st[off + i] = 0.0;
#elif defined(MODE_TOUCH)
  uint j = i, v;
  if (j < n0) v = t0[j * stride];
  else if ((j -= n0) < n1) v = t1[j * stride];
  else if ((j -= n1) < n2) v = t2[j * stride];
  else if ((j -= n2) < n3) v = t3[j * stride];
  else v = floatBitsToUint(st[seq[1] + off + (j - n3) * stride]);
  if (v == 0x7fc01234u && stride == 0u) st[0] = 0.0; // never (stride > 0): keeps the loads
#endif
}
