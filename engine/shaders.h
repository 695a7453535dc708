/* shaders.h - GLSL sources from glsl/, embedded at build time by cmake/embed_glsl.cmake. */
#ifndef RWKV_SHADERS_H
#define RWKV_SHADERS_H

#include <stddef.h>

typedef struct rwkv_shader_source {
  const char *name; /* file name without extension: "matvec", "common" */
  const char *text;
} rwkv_shader_source;

extern const rwkv_shader_source rwkv_shader_sources[];
extern const size_t rwkv_shader_count;

/* NULL when no shader has that name. */
const char *rwkv_shader_text(const char *name);

#endif
