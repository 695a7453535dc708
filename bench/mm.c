/* bench/mm.c - GPU matmul throughput: bench-mm [K M [T ...]] for every weight type
 * (default T = 1 and 64; BENCH_MM_TYPES=f16,q4_K,... picks types). Prints microseconds
 * per dispatch (median of 3 timing loops after an untimed one), effective weight bandwidth
 * (GB/s) and GFLOP/s (2*K*M*T per dispatch).
 * BENCH_MM_CFGS="name:VAR=v,VAR=v;name2:..." uploads each weight once per named set of
 * RWKV_MM_* overrides (matmul.c pick_cfg), quantizing once: before/after in one process.
 * Tiled (prefill, k1) lines also print the tile (rows x tokens), BK and the K pieces S.
 * BENCH_MM_COPIES=N uploads N copies of each weight and dispatches them in turn, so that
 * decode figures are from memory rather than from the 50 MB L2 of an H100 (pick N so that
 * N copies are well past the L2; a model's decode streams all its weights every token).
 * BENCH_MM_OCC=1 also prints the most workgroups that ran at once (matmul.comp RWKV_OCC):
 * with a large grid, the resident limit (per SM: divide by the SM count).
 * Example: BENCH_MM_TYPES=f16,q4_K bench-mm 2560 10240 256 512 1024 */
#include <GLES3/gl31.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gpu.h"
#include "matmul.h"
#include "quant.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  uint32_t K = argc > 2 ? (uint32_t)atoi(argv[1]) : 4096, M = argc > 2 ? (uint32_t)atoi(argv[2]) : 4096;
  static const uint32_t types[] = {0, 1, 30, 8, 2, 3, 6, 7, 10, 11, 12, 13, 14};
  uint32_t Ts[16] = {1, 64}, nT = 2;
  if (argc > 3) {
    nT = 0;
    for (int i = 3; i < argc && nT < 16; i++) Ts[nT++] = (uint32_t)atoi(argv[i]);
  }
  const char *sel = getenv("BENCH_MM_TYPES");
  rwkv_error err = {0};
  rwkv_gpu *g = NULL;
  if (rwkv_gpu_open(NULL, &g, &err)) { fprintf(stderr, "%s\n", err.msg); return 1; }
  const rwkv_gpu_info *in = rwkv_gpu_get_info(g);
  printf("%s | %s | K %u M %u\n", in->renderer, in->version, K, M);
  float *wf = malloc((size_t)K * M * 4);
  for (size_t i = 0; i < (size_t)K * M; i++) wf[i] = (float)((i * 2654435761u) % 1000) / 1000.f - 0.5f;
  void *wq = malloc((size_t)K * M * 4);
  unsigned xb, yb;
  uint32_t Tmax = 1;
  for (uint32_t i = 0; i < nT; i++)
    if (Ts[i] > Tmax) Tmax = Ts[i];
  float *x = calloc((size_t)K * Tmax, 4);
  unsigned occ = 0;
  if (getenv("BENCH_MM_OCC") && atoi(getenv("BENCH_MM_OCC"))) {
    setenv("RWKV_MM_OCC", "1", 1);
    uint32_t z[2] = {0, 0};
    rwkv_gpu_buffer(g, 8, z, &occ, &err);
    glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 7, occ);
  }
  rwkv_gpu_buffer(g, (uint64_t)K * Tmax * 4, x, &xb, &err);
  rwkv_gpu_buffer(g, (uint64_t)M * Tmax * 4, NULL, &yb, &err);
  for (size_t ti = 0; ti < sizeof types / sizeof types[0]; ti++) {
    const rwkv_type_info *t = rwkv_type_get(types[ti]);
    if (sel && *sel) {
      char pat[16];
      snprintf(pat, sizeof pat, ",%s,", t->name);
      char list[256];
      snprintf(list, sizeof list, ",%s,", sel);
      if (!strstr(list, pat)) continue;
    }
    uint64_t rb = rwkv_type_row_bytes(types[ti], K);
    if (types[ti] == 0) memcpy(wq, wf, (size_t)K * M * 4);
    else if (rwkv_quantize(types[ti], wf, wq, (uint64_t)K * M, &err)) { printf("%s: %s\n", t->name, err.msg); continue; }
    const char *cfgs = getenv("BENCH_MM_CFGS");
    char cfgbuf[1024];
    snprintf(cfgbuf, sizeof cfgbuf, "%s", cfgs && *cfgs ? cfgs : "default:");
    char *save = NULL;
    for (char *cfg = strtok_r(cfgbuf, ";", &save); cfg; cfg = strtok_r(NULL, ";", &save)) {
    char *colon = strchr(cfg, ':'), *vars = colon ? colon + 1 : cfg;
    if (colon) *colon = '\0';
    char set[16][64];
    int nset = 0;
    for (char *p = vars; *p && nset < 16;) {
      size_t n = strcspn(p, ",");
      snprintf(set[nset], sizeof set[nset], "%.*s", (int)n, p);
      char *eq = strchr(set[nset], '=');
      if (eq) {
        *eq = '\0';
        setenv(set[nset], eq + 1, 1);
        nset++;
      }
      p += n + (p[n] == ',');
    }
    const char *cs = getenv("BENCH_MM_COPIES");
    int ncopy = cs && atoi(cs) > 1 ? atoi(cs) : 1, up = 0, nw = 0;
    if (ncopy > 64) ncopy = 64;
    rwkv_mm_weight ws[64];
    for (; nw < ncopy && !up; nw++) up = rwkv_mm_upload(g, t->name, types[ti], K, M, wq, rb * M, &ws[nw], &err);
    for (int i = 0; i < nset; i++) unsetenv(set[i]);
    if (up) {
      printf("%s\n", err.msg);
      for (int i = 0; i < nw - 1; i++) rwkv_mm_free(g, &ws[i]);
      continue;
    }
    rwkv_mm_weight w = ws[0];
    for (uint32_t k = 0; k < nT; k++) {
      uint32_t T = Ts[k];
      rwkv_mm_args a = {.x = xb, .ldx = K, .y = yb, .ldy = M, .T = T};
      int reps = in->software ? 3 : (T > 64 ? 20 : 200);
      /* an untimed loop first, over every copy: a process's first configuration had read
       * 1.5-3x slow in all three timed loops after a single warm-up dispatch (bench/MATMUL.md
       * rounds 5, 18, 19) */
      for (int r = 0; r < reps; r++) rwkv_mm_dispatch(g, &ws[r % ncopy], &a, &err);
      glFinish();
      double l[3];
      for (int rep = 0; rep < 3; rep++) {
        double t0 = now();
        for (int r = 0; r < reps; r++) rwkv_mm_dispatch(g, &ws[r % ncopy], &a, &err);
        glFinish();
        l[rep] = (now() - t0) / reps * 1e6;
      }
      double us = l[0] > l[1] ? (l[1] > l[2] ? l[1] : (l[0] > l[2] ? l[2] : l[0]))
                              : (l[0] > l[2] ? l[0] : (l[1] > l[2] ? l[2] : l[1]));
      char occs[48] = "";
      if (occ) { /* the most workgroups that ran at once, then reset */
        uint32_t z[2] = {0, 0}, o[2] = {0, 0};
        glBindBuffer(GL_SHADER_STORAGE_BUFFER, occ);
        const uint32_t *p = glMapBufferRange(GL_SHADER_STORAGE_BUFFER, 0, 8, GL_MAP_READ_BIT);
        if (p) memcpy(o, p, 8);
        glUnmapBuffer(GL_SHADER_STORAGE_BUFFER);
        glBufferSubData(GL_SHADER_STORAGE_BUFFER, 0, 8, z);
        glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 7, occ);
        snprintf(occs, sizeof occs, "  occ %u", o[1]);
      }
      char tile[64] = "";
      int v = rwkv_mm_variant(T);
      if (w.kernel[v] == 1) /* tiled: rows x tokens per workgroup, BK, K pieces */
        snprintf(tile, sizeof tile, " %ux%u bk%u S%u", w.rows_per_wg[v], w.tt[v], w.bk,
                 rwkv_mm_split_pieces(&w, M, T));
      printf("%-5s T=%-4u %9.1f us  %7.1f GB/s weights  %8.1f GFLOP/s  k%u%s %s%s\n", t->name, T,
             us, rb * M / us * 1e-3, 2.0 * K * M * T / us * 1e-3, w.kernel[v], tile,
             colon ? cfg : "", occs);
    }
    for (int i = 0; i < ncopy; i++) rwkv_mm_free(g, &ws[i]);
    }
  }
  rwkv_gpu_buffer_free(g, xb, (uint64_t)K * Tmax * 4);
  rwkv_gpu_buffer_free(g, yb, (uint64_t)M * Tmax * 4);
  free(wf); free(wq); free(x);
  rwkv_gpu_close(g);
  return 0;
}
