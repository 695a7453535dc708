/* bench/compute_program.h - the benchmarks' inline compute shaders: compile and link the
 * concatenated source strings srcs[0..n), 0 on failure (the compiler's log on stderr). */
#ifndef BENCH_COMPUTE_PROGRAM_H
#define BENCH_COMPUTE_PROGRAM_H

#include <GLES3/gl31.h>
#include <stdio.h>

static GLuint bench_compute_program(const char *const *srcs, int n) {
  GLuint sh = glCreateShader(GL_COMPUTE_SHADER);
  glShaderSource(sh, n, srcs, NULL);
  glCompileShader(sh);
  GLint ok = 0;
  glGetShaderiv(sh, GL_COMPILE_STATUS, &ok);
  if (!ok) {
    char log[4096];
    glGetShaderInfoLog(sh, sizeof log, NULL, log);
    fprintf(stderr, "compute shader: %s\n", log);
    glDeleteShader(sh);
    return 0;
  }
  GLuint p = glCreateProgram();
  glAttachShader(p, sh);
  glLinkProgram(p);
  glDeleteShader(sh); /* flagged: freed with the program */
  glGetProgramiv(p, GL_LINK_STATUS, &ok);
  if (!ok) {
    fprintf(stderr, "compute program: link failed\n");
    glDeleteProgram(p);
    return 0;
  }
  return p;
}

#endif
