// rwkv_sm_count.comp - the GPU's multiprocessor count, for work sizes that should fill it
// (gpu.c sm_count_probe; matmul.c's split-K targets). NVIDIA's gl_SMCountNV
// (GL_NV_shader_sm_builtins; the #extension line comes in the defines).
layout(local_size_x = 1) in;
layout(std430, binding = 0) buffer SmOut { uint sm_out; };

void main() { sm_out = gl_SMCountNV; }
