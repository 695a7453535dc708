/* matmul.c - upload packed weights and dispatch glsl/matmul.comp (see matmul.h).
 * Block sizes come from quant.h (ggml's ggml-common.h layouts). */
#include "matmul.h"

#include <GLES3/gl31.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant.h"

#define MM_PAD 16 /* bytes past the last block: w_u32 reads one word ahead */

typedef struct mm_cfg {
  unsigned wg, lanes, tt;
  int subgroup;
} mm_cfg;

static int is_pow2(unsigned v) { return v && !(v & (v - 1)); }

/* Kernel shape per device: llvmpipe runs invocations as SIMD lanes and pays for
 * barriers, so one invocation per row; GPUs share a row across a subgroup. */
static void pick_cfg(const rwkv_gpu_info *in, int prefill, mm_cfg *c) {
  c->tt = prefill ? 8 : 1;
  c->subgroup = 0;
  if (in->software) {
    c->lanes = 1;
    c->wg = 64;
  } else if (in->has_subgroup && is_pow2((unsigned)in->subgroup_size) &&
             in->subgroup_size >= 4 && in->subgroup_size <= 128 &&
             4 * in->subgroup_size <= in->max_invocations) {
    c->lanes = (unsigned)in->subgroup_size;
    c->wg = 4 * c->lanes;
    c->subgroup = 1;
  } else {
    c->lanes = 32;
    c->wg = 128;
  }
  /* Tuning / testing overrides: RWKV_MM_LANES=<power of two> invocations per row
   * (workgroup of 4 rows, or 64 invocations for LANES=1), RWKV_MM_TT=<1..32>
   * tokens per pass for T > 1. RWKV_MM_NO_SUBGROUP=1 forces the shared-memory reduction. */
  const char *s = getenv("RWKV_MM_LANES");
  if (s && *s) {
    unsigned v = (unsigned)strtoul(s, NULL, 10);
    if (is_pow2(v) && v <= 256) {
      c->lanes = v;
      c->wg = v == 1 ? 64 : 4 * v;
      c->subgroup = in->has_subgroup && v == (unsigned)in->subgroup_size;
    }
  }
  s = getenv("RWKV_MM_NO_SUBGROUP");
  if (s && strcmp(s, "1") == 0) c->subgroup = 0;
  s = getenv("RWKV_MM_TT");
  if (prefill && s && *s) {
    unsigned v = (unsigned)strtoul(s, NULL, 10);
    if (v >= 1 && v <= 32) c->tt = v;
  }
  if (in->max_invocations > 0 && c->wg > (unsigned)in->max_invocations) {
    c->wg = (unsigned)in->max_invocations;
    if (c->lanes > c->wg) c->lanes = c->wg;
  }
}

static void weight_clear(rwkv_mm_weight *w) { memset(w, 0, sizeof *w); }

void rwkv_mm_free(rwkv_gpu *g, rwkv_mm_weight *w) {
  if (!w) return;
  for (uint32_t i = 0; i < w->n_chunks; i++)
    if (w->chunks[i].buf) rwkv_gpu_buffer_free(g, w->chunks[i].buf, w->chunks[i].bytes);
  free(w->chunks);
  weight_clear(w);
}

int rwkv_mm_upload(rwkv_gpu *g, const char *name, uint32_t type, uint64_t K, uint64_t M,
                   const void *data, uint64_t size, rwkv_mm_weight *w, rwkv_error *err) {
  if (!w) return rwkv_errorf(err, RWKV_ERR_ARG, "mm_upload: NULL weight");
  weight_clear(w);
  snprintf(w->name, sizeof w->name, "%s", name ? name : "(weight)");
  if (!g || !data) return rwkv_errorf(err, RWKV_ERR_ARG, "%s: NULL gpu or data", w->name);
  const rwkv_type_info *ti = rwkv_type_get(type);
  if (!ti) return rwkv_errorf(err, RWKV_ERR_UNSUPPORTED, "%s: unsupported tensor type %u",
                              w->name, type);
  if (K == 0 || M == 0 || K > 0xFFFFFFF0u || M > 0xFFFFFFF0u)
    return rwkv_errorf(err, RWKV_ERR_ARG, "%s: bad shape [%llu, %llu]", w->name,
                       (unsigned long long)K, (unsigned long long)M);
  uint64_t rb = rwkv_type_row_bytes(type, K);
  if (rb == 0)
    return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: row of %llu elements is not a whole number "
                       "of %s blocks (%u elements)", w->name, (unsigned long long)K, ti->name,
                       ti->block);
  if (M > UINT64_MAX / rb || rb * M != size)
    return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: %llu bytes given, %s [%llu, %llu] needs %llu",
                       w->name, (unsigned long long)size, ti->name, (unsigned long long)K,
                       (unsigned long long)M, (unsigned long long)(rb * M));
  const rwkv_gpu_info *in = rwkv_gpu_get_info(g);
  mm_cfg cfg[2];
  pick_cfg(in, 0, &cfg[0]);
  pick_cfg(in, 1, &cfg[1]);
  /* Rows per chunk: the SSBO block-size limit, 32-bit byte addresses in the
   * shader, and the workgroup-count limit. */
  uint64_t max_bytes = in->max_ssbo > 0 ? (uint64_t)in->max_ssbo : (1ull << 27);
  if (max_bytes > (1ull << 31)) max_bytes = 1ull << 31;
  if (max_bytes <= MM_PAD || rb > max_bytes - MM_PAD)
    return rwkv_errorf(err, RWKV_ERR_UNSUPPORTED, "%s: one row is %llu bytes, the GPU's "
                       "largest storage block is %lld", w->name, (unsigned long long)rb,
                       in->max_ssbo);
  uint64_t max_rows = (max_bytes - MM_PAD) / rb;
  uint64_t groups = in->max_groups_x > 0 ? (uint64_t)in->max_groups_x : 65535;
  for (int v = 0; v < 2; v++) {
    uint64_t r = groups * (cfg[v].wg / cfg[v].lanes);
    if (r < max_rows) max_rows = r;
  }
  w->type = type;
  w->K = (uint32_t)K;
  w->M = (uint32_t)M;
  w->row_bytes = rb;
  for (int v = 0; v < 2; v++) {
    char defs[256];
    snprintf(defs, sizeof defs,
             "#define RWKV_WEIGHT_BINDING 0\n#define RWKV_WTYPE %u\n#define WG %u\n"
             "#define LANES %u\n#define TT %u\n%s",
             type, cfg[v].wg, cfg[v].lanes, cfg[v].tt,
             cfg[v].subgroup ? "#define RWKV_SUBGROUP 1\n" : "");
    int rc = rwkv_gpu_program(g, "matmul", defs, &w->prog[v], err);
    if (rc) {
      rwkv_error_prefix(err, "%s", w->name);
      weight_clear(w);
      return rc;
    }
    w->rows_per_wg[v] = cfg[v].wg / cfg[v].lanes;
    w->tt[v] = cfg[v].tt;
  }
  uint64_t n_chunks = (M + max_rows - 1) / max_rows;
  w->chunks = calloc(n_chunks, sizeof *w->chunks);
  if (!w->chunks) {
    weight_clear(w);
    return rwkv_errorf(err, RWKV_ERR_NOMEM, "%s: out of memory", w->name);
  }
  const uint8_t *src = data;
  for (uint64_t c = 0; c < n_chunks; c++) {
    uint64_t row0 = c * max_rows;
    uint64_t rows = M - row0 < max_rows ? M - row0 : max_rows;
    uint64_t bytes = rows * rb + MM_PAD;
    bytes = (bytes + 3) & ~3ull;
    unsigned buf = 0;
    int rc = rwkv_gpu_buffer(g, bytes, NULL, &buf, err);
    if (rc == RWKV_OK) {
      glBindBuffer(GL_SHADER_STORAGE_BUFFER, buf);
      glBufferSubData(GL_SHADER_STORAGE_BUFFER, 0, (GLsizeiptr)(rows * rb), src + row0 * rb);
      glBindBuffer(GL_SHADER_STORAGE_BUFFER, 0);
      rc = rwkv_gpu_check(g, "glBufferSubData", err);
      if (rc) rwkv_gpu_buffer_free(g, buf, bytes);
    }
    if (rc) {
      rwkv_error_prefix(err, "%s: uploading rows %llu..%llu", w->name,
                        (unsigned long long)row0, (unsigned long long)(row0 + rows - 1));
      rwkv_mm_free(g, w);
      return rc;
    }
    w->chunks[c].buf = buf;
    w->chunks[c].bytes = bytes;
    w->chunks[c].row0 = (uint32_t)row0;
    w->chunks[c].rows = (uint32_t)rows;
    w->n_chunks = (uint32_t)(c + 1);
  }
  return RWKV_OK;
}

int rwkv_mm_upload_tensor(rwkv_gpu *g, const gguf_tensor *t, rwkv_mm_weight *w, rwkv_error *err) {
  if (!t) {
    if (w) weight_clear(w);
    return rwkv_errorf(err, RWKV_ERR_ARG, "mm_upload_tensor: NULL tensor");
  }
  char name[96];
  size_t n = t->name.len < sizeof name - 1 ? (size_t)t->name.len : sizeof name - 1;
  memcpy(name, t->name.ptr, n);
  name[n] = '\0';
  if (t->ne[2] != 1 || t->ne[3] != 1) {
    if (w) weight_clear(w);
    return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: matmul weight must be 2-D, shape is "
                       "[%llu, %llu, %llu, %llu]", name, (unsigned long long)t->ne[0],
                       (unsigned long long)t->ne[1], (unsigned long long)t->ne[2],
                       (unsigned long long)t->ne[3]);
  }
  return rwkv_mm_upload(g, name, t->type, t->ne[0], t->ne[1], t->data, t->size, w, err);
}

static int buffer_floats(unsigned buf, uint64_t *n) {
  GLint64 size = 0;
  glBindBuffer(GL_SHADER_STORAGE_BUFFER, buf);
  glGetBufferParameteri64v(GL_SHADER_STORAGE_BUFFER, GL_BUFFER_SIZE, &size);
  glBindBuffer(GL_SHADER_STORAGE_BUFFER, 0);
  if (glGetError() != GL_NO_ERROR || size <= 0) return -1;
  *n = (uint64_t)size / 4;
  return 0;
}

int rwkv_mm_dispatch(rwkv_gpu *g, const rwkv_mm_weight *w, const rwkv_mm_args *a,
                     rwkv_error *err) {
  if (!g || !w || !a) return rwkv_errorf(err, RWKV_ERR_ARG, "mm_dispatch: NULL argument");
  if (!w->n_chunks) return rwkv_errorf(err, RWKV_ERR_ARG, "%s: weight not uploaded", w->name);
  if (a->T == 0 || !a->x || !a->y)
    return rwkv_errorf(err, RWKV_ERR_ARG, "%s: T = %u, x = %u, y = %u (need T >= 1 and buffers)",
                       w->name, a->T, a->x, a->y);
  if (a->x == a->y) { /* one arena buffer is fine as long as the ranges are disjoint */
    uint64_t x1 = a->xoff + (uint64_t)(a->T - 1) * a->ldx + w->K;
    uint64_t y1 = a->yoff + (uint64_t)(a->T - 1) * a->ldy + w->M;
    if (a->xoff < y1 && a->yoff < x1)
      return rwkv_errorf(err, RWKV_ERR_ARG, "%s: x [%llu, %llu) and y [%llu, %llu) overlap in one buffer",
                         w->name, (unsigned long long)a->xoff, (unsigned long long)x1,
                         (unsigned long long)a->yoff, (unsigned long long)y1);
  }
  if (a->T > 1 && a->ldy < w->M)
    return rwkv_errorf(err, RWKV_ERR_ARG, "%s: ldy %llu < M %u makes tokens' outputs overlap",
                       w->name, (unsigned long long)a->ldy, w->M);
  int rc = rwkv_gpu_make_current(g, err);
  if (rc) return rc;
  while (glGetError() != GL_NO_ERROR) {
  }
  uint64_t nx = 0, ny = 0;
  if (buffer_floats(a->x, &nx) || buffer_floats(a->y, &ny))
    return rwkv_errorf(err, RWKV_ERR_ARG, "%s: x (%u) or y (%u) is not a live buffer", w->name,
                       a->x, a->y);
  uint64_t T1 = a->T - 1;
  /* Extents, overflow-safe: every operand is below 2^32 after the first checks. */
  if (a->ldx > 0xFFFFFFFFu || a->ldy > 0xFFFFFFFFu || a->xoff > 0xFFFFFFFFu ||
      a->yoff > 0xFFFFFFFFu)
    return rwkv_errorf(err, RWKV_ERR_ARG, "%s: offsets/strides must fit 32 bits", w->name);
  uint64_t xend = T1 * a->ldx + a->xoff + w->K, yend = T1 * a->ldy + a->yoff + w->M;
  if (xend > nx || xend > 0xFFFFFFFFu)
    return rwkv_errorf(err, RWKV_ERR_ARG, "%s: x needs %llu floats (T %u, ldx %llu, xoff %llu, "
                       "K %u), buffer has %llu", w->name, (unsigned long long)xend, a->T,
                       (unsigned long long)a->ldx, (unsigned long long)a->xoff, w->K,
                       (unsigned long long)nx);
  if (yend > ny || yend > 0xFFFFFFFFu)
    return rwkv_errorf(err, RWKV_ERR_ARG, "%s: y needs %llu floats (T %u, ldy %llu, yoff %llu, "
                       "M %u), buffer has %llu", w->name, (unsigned long long)yend, a->T,
                       (unsigned long long)a->ldy, (unsigned long long)a->yoff, w->M,
                       (unsigned long long)ny);
  int v = a->T > 1;
  uint64_t tiles = (a->T + w->tt[v] - 1) / w->tt[v];
  const rwkv_gpu_info *in = rwkv_gpu_get_info(g);
  if (tiles > 65535 && tiles > (uint64_t)in->max_groups_x)
    return rwkv_errorf(err, RWKV_ERR_UNSUPPORTED, "%s: T = %u tokens is too many for one "
                       "dispatch", w->name, a->T);
  glUseProgram(w->prog[v]);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 1, a->x);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 2, a->y);
  glUniform1ui(1, w->K);
  glUniform1ui(2, a->T);
  glUniform1ui(3, (GLuint)a->ldx);
  glUniform1ui(4, (GLuint)a->xoff);
  glUniform1ui(5, (GLuint)a->ldy);
  glUniform1ui(7, a->accumulate ? 1u : 0u);
  glUniform1ui(8, (GLuint)w->row_bytes);
  for (uint32_t c = 0; c < w->n_chunks; c++) {
    const rwkv_mm_chunk *ch = &w->chunks[c];
    glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 0, ch->buf);
    glUniform1ui(0, ch->rows);
    glUniform1ui(6, (GLuint)(a->yoff + ch->row0));
    glDispatchCompute((ch->rows + w->rows_per_wg[v] - 1) / w->rows_per_wg[v], (GLuint)tiles, 1);
  }
  glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT);
  rc = rwkv_gpu_check(g, "matmul dispatch", err);
  if (rc) rwkv_error_prefix(err, "%s", w->name);
  return rc;
}
