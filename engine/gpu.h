/* gpu.h - headless EGL + OpenGL ES 3.1 compute context, shader programs, buffers.
 *
 * No window system: platforms are tried in the order
 *   1. GBM on the first usable /dev/dri/renderD* node,
 *   2. EGL_EXT_platform_device (hardware devices first, Mesa's software device last),
 *   3. EGL_MESA_platform_surfaceless,
 * and a GLES 3.2 (else 3.1) context is made current with no surface.
 * Environment: RWKV_GPU_DEVICE=<n> picks the n-th EGL device of the device
 * platform; RWKV_GPU_SOFTWARE=1 forces the software (llvmpipe) device.
 *
 * Shaders come from glsl/ embedded at build time (shaders.h). A program is
 * built from "#version 310 es", the caller's #defines, glsl/common.glsl and the
 * shader body, and cached by (name, defines) for the context's lifetime. */
#ifndef RWKV_GPU_H
#define RWKV_GPU_H

#include <stddef.h>
#include <stdint.h>

#include "rwkv_error.h"

typedef struct rwkv_gpu rwkv_gpu;

typedef struct rwkv_gpu_opts {
  int device;   /* index into EGL devices, -1 = automatic (env RWKV_GPU_DEVICE) */
  int software; /* 1 = force the software device (env RWKV_GPU_SOFTWARE=1) */
  /* Refuse buffers beyond this many bytes in all (0 = no limit; env
   * RWKV_GPU_MEMORY_LIMIT, with an optional K/M/G suffix). Lets a host cap the
   * engine's GPU memory, and tests make "the model does not fit" happen. */
  uint64_t memory_limit;
} rwkv_gpu_opts;

typedef struct rwkv_gpu_info {
  char platform[32];    /* "gbm", "device", "surfaceless" */
  char device[256];     /* render node path or EGL device extensions/name */
  char vendor[128];     /* GL_VENDOR */
  char renderer[256];   /* GL_RENDERER */
  char version[128];    /* GL_VERSION */
  char glsl[128];       /* GL_SHADING_LANGUAGE_VERSION */
  int gles_minor;       /* 1 or 2 */
  int software;         /* 1 when the renderer is a CPU rasterizer (llvmpipe, softpipe) */
  int has_subgroup;     /* GL_KHR_shader_subgroup with arithmetic in compute */
  int subgroup_size;    /* 0 when unknown */
  int max_shared;       /* GL_MAX_COMPUTE_SHARED_MEMORY_SIZE */
  int max_invocations;  /* GL_MAX_COMPUTE_WORK_GROUP_INVOCATIONS */
  int max_groups_x;     /* GL_MAX_COMPUTE_WORK_GROUP_COUNT[0] */
  long long max_ssbo;   /* GL_MAX_SHADER_STORAGE_BLOCK_SIZE */
  int max_ssbo_bindings;/* GL_MAX_SHADER_STORAGE_BUFFER_BINDINGS */
} rwkv_gpu_info;

/* opts may be NULL (defaults + environment). On failure err lists every
 * platform tried and why it failed. */
int rwkv_gpu_open(const rwkv_gpu_opts *opts, rwkv_gpu **out, rwkv_error *err);
void rwkv_gpu_close(rwkv_gpu *g);
const rwkv_gpu_info *rwkv_gpu_get_info(const rwkv_gpu *g);
/* Make g's context current on the calling thread. */
int rwkv_gpu_make_current(rwkv_gpu *g, rwkv_error *err);

/* Program for glsl/<name>.comp with `defines` (NULL or "#define A 1\n..."
 * lines) inserted after #version. Built once per (name, defines), owned by g.
 * Failures name the shader and carry the driver's log. */
int rwkv_gpu_program(rwkv_gpu *g, const char *name, const char *defines, unsigned *prog,
                     rwkv_error *err);

/* New shader storage buffer of `bytes` (data may be NULL). Out-of-memory is an
 * error, never a crash; *buf is 0 on failure. */
int rwkv_gpu_buffer(rwkv_gpu *g, uint64_t bytes, const void *data, unsigned *buf,
                    rwkv_error *err);
/* Turn a pending glGetError into an error naming `what`. */
int rwkv_gpu_check(rwkv_gpu *g, const char *what, rwkv_error *err);
/* Total bytes of live buffers made through rwkv_gpu_buffer (for reporting). */
uint64_t rwkv_gpu_bytes(const rwkv_gpu *g);
void rwkv_gpu_buffer_free(rwkv_gpu *g, unsigned buf, uint64_t bytes);

#endif
