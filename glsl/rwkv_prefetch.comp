// rwkv_prefetch.comp - read weight words into the GPU's L2 cache ahead of the matmul that
// uses them, dispatched beside a step that leaves most SMs idle (decode's WKV kernel runs
// one workgroup per head; forward.c prefetch). Words [first, first + n) of binding 0, one
// load per 32-byte sector (L2's unit); the loaded values feed a sum that is stored only in
// a case that cannot happen, so that the loads are not optimised away.
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer Pw { uint pw[]; };
layout(std430, binding = 1) writeonly buffer Ps { uint ps[]; };
uniform uint first, n;

void main() {
  uint acc = 0u, step = gl_NumWorkGroups.x * 256u * 8u;
  for (uint i = gl_GlobalInvocationID.x * 8u; i < n; i += step) acc += pw[first + i];
  if (n == 0xFFFFFFFFu && acc == 1u) ps[0] = acc;
}
