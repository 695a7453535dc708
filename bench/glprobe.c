/* bench/glprobe.c - what this GLES driver offers beyond core compute: bench-glprobe
 * Prints the GL extension strings, then compiles one small compute shader per candidate
 * GLSL feature (16-bit float arithmetic, cooperative matrices, float atomics, subgroup
 * shuffles, integer dot products) and says which compile, with the first line of the log
 * for those that don't. Facts for choosing kernels; nothing here is used by the engine. */
#include <GLES3/gl31.h>
#include <stdio.h>
#include <string.h>

#include "gpu.h"

/* the #extension lines must come before any other token: HEAD goes after them */
#define HEAD "layout(local_size_x = 32) in;\n"
#define BUF "layout(std430, binding = 0) buffer B { float v[]; };\n"

static const struct { const char *name, *src; } probes[] = {
    {"f16 arithmetic (GL_EXT_shader_explicit_arithmetic_types_float16)",
     "#version 320 es\n#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require\n" HEAD BUF
          "void main() { f16vec2 a = f16vec2(v[0], v[1]); a = fma(a, a, a);\n"
          "  v[gl_LocalInvocationID.x] = float(a.x + a.y); }\n"},
    {"f16 (GL_NV_gpu_shader5)",
     "#version 320 es\n#extension GL_NV_gpu_shader5 : require\n" HEAD BUF
          "void main() { f16vec2 a = f16vec2(v[0], v[1]); a = a * a + a;\n"
          "  v[gl_LocalInvocationID.x] = float(a.x + a.y); }\n"},
    {"f16vec2 from bits (GL_NV_gpu_shader5 unpackFloat2x16)",
     "#version 320 es\n#extension GL_NV_gpu_shader5 : require\n" HEAD
     "layout(std430, binding = 0) buffer B { uint u[]; };\n"
     "void main() { f16vec2 a = unpackFloat2x16(u[0] | 0x64006400u) - f16vec2(1024.0);\n"
     "  f16vec2 b = unpackFloat2x16(u[1]); f16vec2 c = fma(a, b, f16vec2(0.0));\n"
     "  u[gl_LocalInvocationID.x] = packFloat2x16(c); }\n"},
    {"f16 (GL_AMD_gpu_shader_half_float)",
     "#version 320 es\n#extension GL_AMD_gpu_shader_half_float : require\n" HEAD BUF
          "void main() { f16vec2 a = f16vec2(v[0], v[1]); a = a * a + a;\n"
          "  v[gl_LocalInvocationID.x] = float(a.x + a.y); }\n"},
    {"GL_NV_cooperative_matrix",
     "#version 320 es\n" "#extension GL_NV_cooperative_matrix : require\n"
          "#extension GL_KHR_memory_scope_semantics : require\n"
          "#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require\n"
          HEAD           "layout(std430, binding = 0) buffer H { float16_t h[]; };\n"
          "layout(std430, binding = 1) buffer F { float f[]; };\n"
          "void main() { fcoopmatNV<16, gl_ScopeSubgroup, 16, 16> a, b;\n"
          "  fcoopmatNV<32, gl_ScopeSubgroup, 16, 16> c = fcoopmatNV<32, gl_ScopeSubgroup, 16, 16>(0.0);\n"
          "  coopMatLoadNV(a, h, 0, 16, false); coopMatLoadNV(b, h, 256, 16, false);\n"
          "  c = coopMatMulAddNV(a, b, c); coopMatStoreNV(c, f, 0, 16, false); }\n"},
    {"GL_KHR_cooperative_matrix",
     "#version 320 es\n" "#extension GL_KHR_cooperative_matrix : require\n"
          "#extension GL_KHR_memory_scope_semantics : require\n"
          "#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require\n"
          HEAD           "layout(std430, binding = 0) buffer H { float16_t h[]; };\n"
          "layout(std430, binding = 1) buffer F { float f[]; };\n"
          "void main() { coopmat<float16_t, gl_ScopeSubgroup, 16, 16, gl_MatrixUseA> a;\n"
          "  coopmat<float16_t, gl_ScopeSubgroup, 16, 16, gl_MatrixUseB> b;\n"
          "  coopmat<float, gl_ScopeSubgroup, 16, 16, gl_MatrixUseAccumulator> c = "
          "coopmat<float, gl_ScopeSubgroup, 16, 16, gl_MatrixUseAccumulator>(0.0);\n"
          "  coopMatLoad(a, h, 0, 16, gl_CooperativeMatrixLayoutRowMajor);\n"
          "  coopMatLoad(b, h, 256, 16, gl_CooperativeMatrixLayoutRowMajor);\n"
          "  c = coopMatMulAdd(a, b, c); coopMatStore(c, f, 0, 16, gl_CooperativeMatrixLayoutRowMajor); }\n"},
    {"float atomicAdd (GL_NV_shader_atomic_float)",
     "#version 320 es\n#extension GL_NV_shader_atomic_float : require\n" HEAD BUF
          "void main() { atomicAdd(v[0], 1.0); }\n"},
    {"float atomicAdd (GL_EXT_shader_atomic_float)",
     "#version 320 es\n#extension GL_EXT_shader_atomic_float : require\n" HEAD BUF
          "void main() { atomicAdd(v[0], 1.0); }\n"},
    {"subgroup shuffle (GL_KHR_shader_subgroup_shuffle)",
     "#version 320 es\n#extension GL_KHR_shader_subgroup_shuffle : require\n" HEAD BUF
          "void main() { v[gl_LocalInvocationID.x] = subgroupShuffleXor(v[gl_LocalInvocationID.x], 1u); }\n"},
    {"subgroup clustered (GL_KHR_shader_subgroup_clustered)",
     "#version 320 es\n#extension GL_KHR_shader_subgroup_clustered : require\n" HEAD BUF
          "void main() { v[gl_LocalInvocationID.x] = subgroupClusteredAdd(v[gl_LocalInvocationID.x], 8u); }\n"},
    {"integer dot (GL_EXT_integer_dot_product)",
     "#version 320 es\n#extension GL_EXT_integer_dot_product : require\n" HEAD BUF
          "void main() { v[0] = float(dotPacked4x8EXT(uint(v[1]), uint(v[2]))); }\n"},
    {"int8 arithmetic (GL_EXT_shader_explicit_arithmetic_types_int8)",
     "#version 320 es\n#extension GL_EXT_shader_explicit_arithmetic_types_int8 : require\n" HEAD BUF
          "void main() { i8vec4 a = i8vec4(int(v[0])); v[0] = float(a.x * a.y); }\n"},
    {"SM count builtin (GL_NV_shader_sm_builtins)",
     "#version 320 es\n#extension GL_NV_shader_sm_builtins : require\n" HEAD BUF
          "void main() { v[0] = float(gl_SMCountNV); }\n"},
    {"f16 packed math via packHalf2x16 only (core)",
     "#version 320 es\n" HEAD BUF "void main() { v[0] = unpackHalf2x16(packHalf2x16(vec2(v[1], v[2]))).x; }\n"},
};

int main(void) {
  rwkv_error err = {0};
  rwkv_gpu *g = NULL;
  if (rwkv_gpu_open(NULL, &g, &err)) { fprintf(stderr, "%s\n", err.msg); return 1; }
  const rwkv_gpu_info *in = rwkv_gpu_get_info(g);
  printf("%s | %s\n", in->renderer, in->version);
  GLint n = 0;
  glGetIntegerv(GL_NUM_EXTENSIONS, &n);
  printf("%d extensions:", n);
  for (GLint i = 0; i < n; i++) printf(" %s", (const char *)glGetStringi(GL_EXTENSIONS, (GLuint)i));
  printf("\n");
  for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
    GLuint sh = glCreateShader(GL_COMPUTE_SHADER);
    glShaderSource(sh, 1, &probes[i].src, NULL);
    glCompileShader(sh);
    GLint ok = 0;
    glGetShaderiv(sh, GL_COMPILE_STATUS, &ok);
    char log[512] = "";
    if (!ok) {
      glGetShaderInfoLog(sh, sizeof log, NULL, log);
      log[strcspn(log, "\n")] = '\0';
    }
    printf("%-4s %s%s%s\n", ok ? "ok" : "no", probes[i].name, ok ? "" : ": ", log);
    glDeleteShader(sh);
  }
  rwkv_gpu_close(g);
  return 0;
}
