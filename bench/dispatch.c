/* bench/dispatch.c - what one compute dispatch costs on this driver: bench-dispatch [N]
 * Times N dependent-looking dispatches of a tiny kernel (each workgroup adds to a buffer)
 * with and without glMemoryBarrier between them, with the uniform / binding calls a
 * forward-pass step makes, and with more workgroups; prints CPU time to queue and time
 * until glFinish returns, per dispatch. The floor for a decode step's dispatch count. */
#include <GLES3/gl31.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compute_program.h"
#include "gpu.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* The same kernel reading its eight values from a uniform block (bound by range per dispatch). */
static const char *SRC_UBO =
    "#version 310 es\nlayout(local_size_x = 64) in;\n"
    "layout(std430, binding = 0) buffer B { float v[]; };\n"
    "layout(std140, binding = 0) uniform U { uvec4 u0, u1; };\n"
    "void main() { uint i = gl_GlobalInvocationID.x + u0.x;\n"
    "  v[i] = v[i] * 0.5 + float(u0.y + u0.z + u0.w + u1.x + u1.y + u1.z + u1.w); }\n";

static const char *SRC =
    "#version 310 es\nlayout(local_size_x = 64) in;\n"
    "layout(std430, binding = 0) buffer B { float v[]; };\n"
    "uniform uint off; uniform uint a1, a2, a3, a4, a5, a6, a7;\n"
    "void main() { uint i = gl_GlobalInvocationID.x + off;\n"
    "  v[i] = v[i] * 0.5 + float(a1 + a2 + a3 + a4 + a5 + a6 + a7); }\n";

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 2000;
  rwkv_error err = {0};
  rwkv_gpu *g = NULL;
  if (rwkv_gpu_open(NULL, &g, &err)) { fprintf(stderr, "%s\n", err.msg); return 1; }
  const rwkv_gpu_info *in = rwkv_gpu_get_info(g);
  printf("%s | %s | %d dispatches per line\n", in->renderer, in->version, n);
  GLuint p = bench_compute_program(&SRC, 1), p2 = bench_compute_program(&SRC, 1);
  GLuint pu = bench_compute_program(&SRC_UBO, 1), pk[8], puk[8];
  if (!p || !p2 || !pu) return 1;
  for (int k = 0; k < 8; k++) pk[k] = bench_compute_program(&SRC, 1); /* a layer's worth of programs */
  for (int k = 0; k < 8; k++) puk[k] = bench_compute_program(&SRC_UBO, 1); /* the same, no default uniforms */
  GLint ualign = 256;
  glGetIntegerv(GL_UNIFORM_BUFFER_OFFSET_ALIGNMENT, &ualign);
  if (ualign < 32) ualign = 32;
  GLuint ubo = 0;
  {
    uint32_t *ud = calloc((size_t)n, (size_t)ualign);
    for (int i = 0; i < n; i++)
      for (int u = 0; u < 8; u++) ud[(size_t)i * ((size_t)ualign / 4) + (size_t)u] = u ? (uint32_t)(i + u) : 0u;
    glGenBuffers(1, &ubo);
    glBindBuffer(GL_UNIFORM_BUFFER, ubo);
    glBufferData(GL_UNIFORM_BUFFER, (GLsizeiptr)n * ualign, ud, GL_STATIC_DRAW);
    free(ud);
  }
  unsigned buf = 0, buf2 = 0;
  if (rwkv_gpu_buffer(g, 64u << 20, NULL, &buf, &err) || rwkv_gpu_buffer(g, 64u << 20, NULL, &buf2, &err)) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  GLint loc[8];
  static const char *names[8] = {"off", "a1", "a2", "a3", "a4", "a5", "a6", "a7"};
  for (int i = 0; i < 8; i++) loc[i] = glGetUniformLocation(p, names[i]);
  /* swap: 1 two programs alternating, 8 eight in turn (each program's uniforms set when
   * uniforms > 0); ubo: the eight values from a uniform block range per dispatch */
  struct { const char *name; int barrier, uniforms, binds, groups, swap, ubo; } cases[] = {
      {"1 wg, barrier", 1, 0, 0, 1, 0, 0},
      {"1 wg, no barrier", 0, 0, 0, 1, 0, 0},
      {"1 wg, barrier, 8 uniforms", 1, 8, 0, 1, 0, 0},
      {"1 wg, barrier, 8 unif, 4 binds", 1, 8, 4, 1, 0, 0},
      {"1 wg, barrier, 2 programs", 1, 8, 4, 1, 1, 0},
      {"160 wg, barrier", 1, 0, 0, 160, 0, 0},
      {"160 wg, no barrier", 0, 0, 0, 160, 0, 0},
      {"2560 wg, barrier", 1, 0, 0, 2560, 0, 0},
      {"264 wg, barrier", 1, 0, 0, 264, 0, 0},
      {"264 wg, barrier, 8 uniforms", 1, 8, 0, 264, 0, 0},
      {"264 wg, barrier, 8 uniforms, 4 binds", 1, 8, 4, 264, 0, 0},
      {"264 wg, barrier, ubo range", 1, 0, 0, 264, 0, 1},
      {"264 wg, barrier, ubo range, 4 binds", 1, 0, 4, 264, 0, 1},
      {"264 wg, barrier, 2 programs", 1, 0, 0, 264, 1, 0},
      {"264 wg, barrier, 8 programs", 1, 0, 0, 264, 8, 0},
      {"264 wg, barrier, 8 programs, 8 unif", 1, 8, 0, 264, 8, 0},
      {"264 wg, barrier, 2 ubo programs, ubo range", 1, 0, 0, 264, 1, 1},
      {"264 wg, barrier, 8 ubo programs, ubo range", 1, 0, 0, 264, 8, 1},
      {"264 wg, barrier, 8 ubo programs, 4 binds", 1, 0, 4, 264, 8, 1},
  };
  for (int rep = 0; rep < 2; rep++)
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
      glUseProgram(cases[c].ubo ? pu : p);
      glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 0, buf);
      glFinish();
      double t0 = now();
      for (int i = 0; i < n; i++) {
        const GLuint *set = cases[c].ubo ? puk : pk;
        GLuint pr = cases[c].swap == 1 ? set[i & 1] : cases[c].swap == 8 ? set[i & 7] : p;
        if (cases[c].swap) glUseProgram(pr);
        for (int b = 0; b < cases[c].binds; b++)
          glBindBufferBase(GL_SHADER_STORAGE_BUFFER, (GLuint)(b == 0 ? 0 : 1 + b), b == 0 ? buf : buf2);
        if (cases[c].ubo) glBindBufferRange(GL_UNIFORM_BUFFER, 0, ubo, (GLintptr)i * ualign, 32);
        /* (the 8 programs share the first's locations: same source, same linker) */
        for (int u = 0; u < cases[c].uniforms; u++) glUniform1ui(loc[u], (GLuint)(u ? i + u : 0));
        glDispatchCompute((GLuint)cases[c].groups, 1, 1);
        if (cases[c].barrier) glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT);
      }
      double t1 = now();
      glFinish();
      double t2 = now();
      if (rep) printf("%-34s queue %6.2f us, done %6.2f us per dispatch\n", cases[c].name, (t1 - t0) / n, (t2 - t0) / n);
    }
  glDeleteBuffers(1, &ubo);
  rwkv_gpu_close(g);
  return 0;
}
