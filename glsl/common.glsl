// common.glsl - helpers shared by every compute shader (prepended by rwkv_gpu_program).
