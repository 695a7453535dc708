/* test_gpu.c - headless context, options, shader errors, program cache, a dispatch. */
#include <GLES3/gl31.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gpu.h"
#include "testutil.h"

static void test_context(void) {
  rwkv_error err = {0};
  rwkv_gpu *g = NULL;
  int rc = rwkv_gpu_open(NULL, &g, &err);
  CHECK_OK(rc, &err);
  if (rc) return;
  const rwkv_gpu_info *in = rwkv_gpu_get_info(g);
  if (!getenv("RWKV_GPU_QUIET"))
    printf("platform %s, device %s\nGL %s | %s | %s | %s\nsubgroup %d size %d shared %d inv %d "
           "ssbo %lld\n", in->platform, in->device, in->vendor, in->renderer, in->version,
           in->glsl, in->has_subgroup, in->subgroup_size, in->max_shared, in->max_invocations,
           in->max_ssbo);
  CHECK(in->platform[0] && in->device[0]);
  CHECK(in->vendor[0] && in->renderer[0] && in->version[0] && in->glsl[0]);
  CHECK(strncmp(in->version, "OpenGL ES 3.", 12) == 0);
  CHECK(in->gles_minor == 1 || in->gles_minor == 2);
  CHECK(in->max_shared >= 16384);
  CHECK(in->max_invocations >= 128);
  CHECK(in->max_groups_x >= 65535);
  CHECK(in->max_ssbo >= (1 << 24));
  CHECK(in->max_ssbo_bindings >= 4);
  if (in->has_subgroup) CHECK(in->subgroup_size > 0);
  /* This machine: Mesa llvmpipe through EGL's device platform. */
  if (strstr(in->renderer, "llvmpipe")) {
    CHECK_MSG(strcmp(in->platform, "device") == 0, "platform %s", in->platform);
    CHECK(in->software == 1);
  }
  CHECK_OK(rwkv_gpu_make_current(g, &err), &err);
  rwkv_gpu_close(g);
  rwkv_gpu_close(NULL);
}

static void test_software_and_bad_device(void) {
  rwkv_error err = {0};
  rwkv_gpu *g = NULL;
  rwkv_gpu_opts o = {.device = -1, .software = 1};
  int rc = rwkv_gpu_open(&o, &g, &err);
  /* A machine with only hardware EGL devices (e.g. NVIDIA) must say so clearly. */
  int no_sw = rc == RWKV_ERR_GPU && strstr(err.msg, "EGL_MESA_device_software") != NULL;
  if (!no_sw) CHECK_OK(rc, &err);
  if (rc == RWKV_OK) {
    const rwkv_gpu_info *in = rwkv_gpu_get_info(g);
    CHECK(strcmp(in->platform, "device") == 0);
    CHECK(in->software == 1);
    CHECK(strstr(in->renderer, "llvmpipe") != NULL);
    rwkv_gpu_close(g);
  }
  /* The environment variable does the same. */
  setenv("RWKV_GPU_SOFTWARE", "1", 1);
  g = NULL;
  rc = rwkv_gpu_open(NULL, &g, &err);
  if (no_sw)
    CHECK_ERR(rc, &err, RWKV_ERR_GPU, "EGL_MESA_device_software");
  else
    CHECK_OK(rc, &err);
  if (rc == RWKV_OK) {
    CHECK(rwkv_gpu_get_info(g)->software == 1);
    rwkv_gpu_close(g);
  }
  unsetenv("RWKV_GPU_SOFTWARE");

  o.device = 999;
  o.software = 0;
  g = (rwkv_gpu *)&o; /* must be reset to NULL */
  rc = rwkv_gpu_open(&o, &g, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_GPU, "index 999 out of range");
  CHECK(g == NULL);
  setenv("RWKV_GPU_DEVICE", "998", 1);
  rc = rwkv_gpu_open(NULL, &g, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_GPU, "998");
  setenv("RWKV_GPU_DEVICE", "abc", 1);
  rc = rwkv_gpu_open(NULL, &g, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_ARG, "RWKV_GPU_DEVICE");
  unsetenv("RWKV_GPU_DEVICE");
  rc = rwkv_gpu_open(NULL, NULL, &err);
  CHECK(rc == RWKV_ERR_ARG);
}

/* rwkv_argmax.comp through program p: values at binding 0 (vb), the result at 1 (rb);
 * `per` values a workgroup (0: all in one), then a barrier for the read-back. */
static void argmax_dispatch(unsigned p, unsigned vb, unsigned rb, uint32_t off, uint32_t n, uint32_t per,
                            uint32_t groups) {
  glUseProgram(p);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 0, vb);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 1, rb);
  glUniform1ui(glGetUniformLocation(p, "off"), off);
  glUniform1ui(glGetUniformLocation(p, "n"), n);
  glUniform1ui(glGetUniformLocation(p, "per"), per);
  glDispatchCompute(groups, 1, 1);
  glMemoryBarrier(GL_BUFFER_UPDATE_BARRIER_BIT | GL_SHADER_STORAGE_BARRIER_BIT);
}

static void test_programs_and_dispatch(void) {
  rwkv_error err = {0};
  rwkv_gpu *g = NULL;
  int rc = rwkv_gpu_open(NULL, &g, &err);
  CHECK_OK(rc, &err);
  if (rc) return;
  unsigned p = 1;
  rc = rwkv_gpu_program(g, "matmul", "#error boom\n", &p, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_SHADER, "matmul");
  CHECK_MSG(strstr(err.msg, "boom") != NULL, "log missing: %s", err.msg);
  CHECK_MSG(strstr(err.msg, "#error boom") != NULL, "defines missing: %s", err.msg);
  CHECK(p == 0);
  rc = rwkv_gpu_program(g, "no_such_shader", NULL, &p, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_SHADER, "no_such_shader");
  rc = rwkv_gpu_program(g, "common", NULL, &p, &err);
  CHECK(rc != RWKV_OK);

  /* The cache: same (name, defines) -> same program; other defines -> another.
   * rwkv_argmax.comp needs no defines, so an unused one makes a second variant. */
  unsigned p1 = 0, p2 = 0, p3 = 0;
  CHECK_OK(rwkv_gpu_program(g, "rwkv_argmax", NULL, &p1, &err), &err);
  CHECK_OK(rwkv_gpu_program(g, "rwkv_argmax", NULL, &p2, &err), &err);
  CHECK(p1 != 0 && p1 == p2);
  CHECK_OK(rwkv_gpu_program(g, "rwkv_argmax", "#define UNUSED_VARIANT 1\n", &p3, &err), &err);
  CHECK(p3 != 0 && p3 != p1);

  /* A small end-to-end dispatch: the argmax of 1000 values (ties go to the lower index). */
  float vals[1000];
  for (int i = 0; i < 1000; i++) vals[i] = (float)((i * 37) % 101) - 50.0f; /* max 50, first at i = 30 */
  int32_t res0 = -1;
  unsigned vb = 0, rb = 0;
  uint64_t before = rwkv_gpu_bytes(g);
  CHECK_OK(rwkv_gpu_buffer(g, sizeof vals, vals, &vb, &err), &err);
  CHECK_OK(rwkv_gpu_buffer(g, sizeof res0, &res0, &rb, &err), &err);
  CHECK(rwkv_gpu_bytes(g) == before + sizeof vals + sizeof res0);
  argmax_dispatch(p1, vb, rb, 0, 1000, 0, 1);
  CHECK_OK(rwkv_gpu_check(g, "dispatch", &err), &err);
  CHECK_OK(rwkv_gpu_wait(g, &err), &err); /* (a fence) */
  CHECK_OK(rwkv_gpu_wait(g, &err), &err); /* nothing queued: at once */
  CHECK(rwkv_gpu_wait(NULL, &err) == RWKV_ERR_ARG);
  glBindBuffer(GL_SHADER_STORAGE_BUFFER, rb);
  const int32_t *out = glMapBufferRange(GL_SHADER_STORAGE_BUFFER, 0, sizeof res0, GL_MAP_READ_BIT);
  CHECK(out != NULL);
  if (out) {
    CHECK_MSG(out[0] == 30, "argmax %d, want 30", (int)out[0]);
    glUnmapBuffer(GL_SHADER_STORAGE_BUFFER);
  }
  glBindBuffer(GL_SHADER_STORAGE_BUFFER, 0);

  /* Several workgroups (forward.c on GPUs): each leaves its best in the part buffer and the
   * last reduces them and resets the count. The max (50) is first at 30, again at 131, 232,
   * ..., so workgroups of 64 values all hold one and the lowest index must still win; the
   * third dispatch's 17 workgroups of 64 leave one workgroup without values (n = 1000). */
  static const uint32_t zeros[1 + 2 * 32];
  unsigned pb = 0;
  CHECK_OK(rwkv_gpu_buffer(g, sizeof zeros, zeros, &pb, &err), &err);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 3, pb);
  const struct { uint32_t off, n, per, groups; int32_t want; } am[] = {
      {0, 1000, 64, 16, 30}, {31, 969, 128, 8, 100}, {0, 1000, 64, 17, 30}, {500, 400, 256, 2, 35}};
  for (size_t k = 0; k < sizeof am / sizeof *am; k++) {
    argmax_dispatch(p1, vb, rb, am[k].off, am[k].n, am[k].per, am[k].groups);
    int32_t got = -1;
    uint32_t count = 1;
    CHECK_OK(rwkv_gpu_read(g, rb, 0, sizeof got, &got, "argmax", &err), &err);
    CHECK_OK(rwkv_gpu_read(g, pb, 0, sizeof count, &count, "argmax count", &err), &err);
    CHECK_MSG(got == am[k].want && count == 0, "argmax %zu over %u workgroups: %d (want %d), count %u", k,
              am[k].groups, (int)got, (int)am[k].want, count);
  }
  rwkv_gpu_buffer_free(g, pb, sizeof zeros);
  rwkv_gpu_buffer_free(g, vb, sizeof vals);
  rwkv_gpu_buffer_free(g, rb, sizeof res0);
  CHECK(rwkv_gpu_bytes(g) == before);

  /* Bad buffer requests are errors, not crashes. */
  unsigned b = 7;
  CHECK(rwkv_gpu_buffer(g, 0, NULL, &b, &err) == RWKV_ERR_ARG && b == 0);
  rc = rwkv_gpu_buffer(g, UINT64_MAX, NULL, &b, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_GPU, "bytes");
  CHECK(b == 0);
  CHECK_OK(rwkv_gpu_check(g, "after errors", &err), &err);
  rwkv_gpu_close(g);
}

/* rwkv_gpu_buffer_fill through the upload ring (RWKV_UPLOAD_RING=1: 1 MiB slots) and
 * through mapping (=0): sizes that share a slot, wrap the 3-slot ring several times, and
 * one larger than a slot; every buffer read back after the ring is released. defer 2: the
 * fills report their progress in uneven pieces (rwkv_gpu_fill_progress), so deferred
 * buffers are copied out in parts while the rest is written. */
typedef struct fill_ctx {
  uint64_t n;
  uint32_t seed;
  rwkv_gpu *g; /* report progress to g, in pieces of `piece` bytes and more */
  uint64_t piece;
} fill_ctx;
static void fill_pattern(void *ctx, uint8_t *dst) {
  const fill_ctx *f = ctx;
  uint64_t piece = f->g ? f->piece : f->n;
  for (uint64_t i0 = 0, k = 0; i0 < f->n; k++) {
    uint64_t i1 = i0 + piece * (1 + k % 3) < f->n ? i0 + piece * (1 + k % 3) : f->n;
    for (uint64_t i = i0; i < i1; i++) dst[i] = (uint8_t)((i * 2654435761u + f->seed) >> 13);
    if (f->g) {
      rwkv_gpu_fill_progress(f->g, k == 1 ? i0 : i1); /* (once a report of no more) */
      struct timespec ms2 = {0, 2000000};
      nanosleep(&ms2, NULL); /* time for the loading thread to copy the piece out */
    }
    i0 = i1;
  }
}
/* A fill through rwkv_gpu_stream (streaming stores into ring slots), from a source and to a
 * destination offset that are not 16-byte aligned. */
typedef struct stream_ctx {
  rwkv_gpu *g;
  const uint8_t *src;
  uint64_t n;
} stream_ctx;
static void fill_stream(void *ctx, uint8_t *dst) {
  const stream_ctx *c = ctx;
  dst[0] = 0xA5;
  rwkv_gpu_stream(c->g, dst + 1, c->src + 3, c->n - 1);
}
static void test_upload_stream(rwkv_gpu *g) {
  static const uint64_t sizes[3] = {100, 777, 300001};
  uint8_t *src = malloc(300001 + 3), *got = malloc(300001);
  if (!src || !got) {
    free(src);
    free(got);
    return;
  }
  for (uint64_t i = 0; i < 300001 + 3; i++) src[i] = (uint8_t)(i * 131 + 7);
  rwkv_error err = {0};
  for (int k = 0; k < 3; k++) {
    stream_ctx c = {g, src, sizes[k]};
    unsigned b = 0;
    CHECK_OK(rwkv_gpu_buffer_fill(g, sizes[k], fill_stream, &c, &b, &err), &err);
    CHECK_OK(rwkv_gpu_upload_done(g, &err), &err);
    CHECK_OK(rwkv_gpu_read(g, b, 0, sizes[k], got, "stream", &err), &err);
    CHECK_MSG(got[0] == 0xA5 && memcmp(got + 1, src + 3, sizes[k] - 1) == 0, "streamed fill of %llu bytes differs",
              (unsigned long long)sizes[k]);
    rwkv_gpu_buffer_free(g, b, sizes[k]);
    rwkv_gpu_upload_begin(g, 0);
  }
  free(src);
  free(got);
}

/* A piece fill (rwkv_gpu_buffer_fill_pieces): the same pattern as fill_pattern at each
 * byte's place in the whole buffer; the pieces seen are checked. */
typedef struct piece_ctx {
  uint64_t n, piece, calls, bad;
  uint32_t seed;
} piece_ctx;
static void fill_piece(void *ctx, uint8_t *dst, uint64_t off, uint64_t n) {
  piece_ctx *c = ctx;
  c->calls++;
  if (off % c->piece || off + n > c->n || (n != c->piece && off + n != c->n)) c->bad++;
  for (uint64_t i = 0; i < n; i++) dst[i] = (uint8_t)(((off + i) * 2654435761u + c->seed) >> 13);
}

static void test_upload_ring(const char *mode, int defer) {
  setenv("RWKV_UPLOAD_RING", mode, 1);
  rwkv_error err = {0};
  rwkv_gpu *g = NULL;
  CHECK_OK(rwkv_gpu_open(NULL, &g, &err), &err);
  if (!g) return;
  if (defer) rwkv_gpu_upload_begin(g, 0); /* copies issued while the next buffer is packed */
  /* programs queued for the uploads' waits (rwkv_gpu_program_soon): built by upload_done at
   * the latest, the same as rwkv_gpu_program's; one built already comes back at once */
  enum { NP = 4 };
  unsigned soon[NP] = {0}, known = 0, known2 = 0;
  char sdefs[NP][64];
  CHECK_OK(rwkv_gpu_program(g, "rwkv_argmax", "#define SOON_KNOWN 1\n", &known, &err), &err);
  CHECK_OK(rwkv_gpu_program_soon(g, "rwkv_argmax", "#define SOON_KNOWN 1\n", &known2, &err), &err);
  CHECK(known != 0 && known2 == known);
  for (int i = 0; i < NP; i++) {
    snprintf(sdefs[i], sizeof sdefs[i], "#define SOON_%s_%d_%d 1\n", mode[0] == '0' ? "MAP" : "RING", defer, i);
    CHECK_OK(rwkv_gpu_program_soon(g, "rwkv_argmax", sdefs[i], &soon[i], &err), &err);
    CHECK(defer ? soon[i] == 0 : soon[i] != 0);
  }
  enum { N = 14 };
  static const uint64_t sizes[N] = {300000, 900000, 16, 2500000, 700000, 1048576, 1048577, 5,
                                    600000, 600000, 600000, 999999, 123457, 800000};
  unsigned bufs[N] = {0};
  for (int i = 0; i < N; i++) {
    fill_ctx f = {sizes[i], (uint32_t)i * 7919u, defer == 2 ? g : NULL, 65536};
    CHECK_OK(rwkv_gpu_buffer_fill(g, sizes[i], fill_pattern, &f, &bufs[i], &err), &err);
  }
  if (defer) { /* a buffer freed while its copy waits: the copy is dropped, not failed */
    fill_ctx f = {4096, 1, NULL, 0};
    unsigned extra = 0;
    CHECK_OK(rwkv_gpu_buffer_fill(g, 4096, fill_pattern, &f, &extra, &err), &err);
    rwkv_gpu_buffer_free(g, extra, 4096);
  }
  CHECK_OK(rwkv_gpu_upload_done(g, &err), &err);
  for (int i = 0; i < NP; i++) {
    unsigned again = 0;
    CHECK_OK(rwkv_gpu_program(g, "rwkv_argmax", sdefs[i], &again, &err), &err);
    CHECK_MSG(soon[i] != 0 && again == soon[i], "queued program %d: %u, then %u", i, soon[i], again);
  }
  rwkv_gpu_stats st;
  rwkv_gpu_get_stats(g, &st);
  if (mode[0] == '0') CHECK(st.ring_bytes == 0);
  else if (!st.ring_bytes) fprintf(stderr, "upload ring: not available here (mapping used)\n");
  else {
    CHECK(st.ring_bytes == 300000 + 900000 + 16 + 700000 + 1048576 + 5 + 3 * 600000 + 999999 + 123457 + 800000);
    if (defer == 2) CHECK(st.fill_copies > N + 1); /* some buffers went out in parts */
    /* the fills pause, so the loading thread waited: the programs were built then */
    if (defer == 2) CHECK_MSG(st.program_soon_ms > 0, "no program built in a wait (%f ms)", st.program_soon_ms);
  }
  for (int i = 0; i < N; i++) {
    uint8_t *got = malloc(sizes[i]), *want = malloc(sizes[i]);
    fill_ctx f = {sizes[i], (uint32_t)i * 7919u, NULL, 0};
    fill_pattern(&f, want);
    CHECK_OK(rwkv_gpu_read(g, bufs[i], 0, sizes[i], got, "ring", &err), &err);
    if (memcmp(got, want, sizes[i]) != 0) {
      fprintf(stderr, "upload ring (%s): buffer %d (%llu bytes) differs\n", mode, i,
              (unsigned long long)sizes[i]);
      CHECK(0);
    }
    free(got);
    free(want);
    rwkv_gpu_buffer_free(g, bufs[i], sizes[i]);
  }
  CHECK_OK(rwkv_gpu_upload_done(g, &err), &err); /* twice: a no-op */

  /* buffers bigger than a slot through the ring in pieces: an exact slot, uneven pieces with
   * a short last one, pieces beside whole fills; one that fits a slot and every buffer without
   * a ring (mode 0) are one fill */
  uint64_t umax = rwkv_gpu_piece_max(g);
  CHECK(mode[0] == '0' ? umax == 0 : (umax == 0 || umax == 1048576));
  if (defer) rwkv_gpu_upload_begin(g, 0);
  enum { NPC = 4 };
  static const uint64_t pn[NPC] = {4194309, 3000007, 700000, 2097152}, pp[NPC] = {1048576, 999983, 65536, 524288};
  piece_ctx pcx[NPC];
  unsigned pb[NPC] = {0}, mid = 0;
  for (int i = 0; i < NPC; i++) {
    pcx[i] = (piece_ctx){pn[i], pp[i], 0, 0, (uint32_t)i * 104729u};
    CHECK_OK(rwkv_gpu_buffer_fill_pieces(g, pn[i], pp[i], fill_piece, &pcx[i], &pb[i], &err), &err);
    uint64_t want = umax && pn[i] > umax ? (pn[i] + pp[i] - 1) / pp[i] : 1;
    if (!umax || pn[i] <= umax) pcx[i].piece = pn[i]; /* (one fill of it all) */
    CHECK_MSG(pcx[i].calls == want && !pcx[i].bad, "pieces of %llu bytes: %llu calls (want %llu), %llu bad",
              (unsigned long long)pn[i], (unsigned long long)pcx[i].calls, (unsigned long long)want,
              (unsigned long long)pcx[i].bad);
    if (i == 1) { /* a whole fill between piecewise ones */
      fill_ctx f = {333333, 77, NULL, 0};
      CHECK_OK(rwkv_gpu_buffer_fill(g, 333333, fill_pattern, &f, &mid, &err), &err);
    }
  }
  unsigned none = 7;
  CHECK(rwkv_gpu_buffer_fill_pieces(g, 100, 0, fill_piece, &pcx[0], &none, &err) == RWKV_ERR_ARG && none == 0);
  CHECK_OK(rwkv_gpu_upload_done(g, &err), &err);
  for (int i = 0; i < NPC; i++) {
    uint8_t *got = malloc(pn[i]);
    if (!got) break;
    CHECK_OK(rwkv_gpu_read(g, pb[i], 0, pn[i], got, "pieces", &err), &err);
    uint64_t diff = 0;
    for (uint64_t k = 0; k < pn[i]; k++)
      diff += got[k] != (uint8_t)((k * 2654435761u + (uint32_t)i * 104729u) >> 13);
    CHECK_MSG(diff == 0, "upload ring (%s, defer %d): %llu of %llu bytes filled in pieces differ", mode, defer,
              (unsigned long long)diff, (unsigned long long)pn[i]);
    free(got);
    rwkv_gpu_buffer_free(g, pb[i], pn[i]);
  }
  {
    uint8_t *got = malloc(333333), *want = malloc(333333);
    fill_ctx f = {333333, 77, NULL, 0};
    if (got && want) {
      fill_pattern(&f, want);
      CHECK_OK(rwkv_gpu_read(g, mid, 0, 333333, got, "mid", &err), &err);
      CHECK(memcmp(got, want, 333333) == 0);
    }
    free(got);
    free(want);
    rwkv_gpu_buffer_free(g, mid, 333333);
  }
  if (defer) {
    rwkv_gpu_upload_begin(g, 0);
    test_upload_stream(g);
    CHECK_OK(rwkv_gpu_upload_done(g, &err), &err);
  }
  rwkv_gpu_close(g);
  unsetenv("RWKV_UPLOAD_RING");
}

/* The ring's slots follow the batch's largest whole fill (rwkv_gpu_upload_begin): the smallest
 * power of two that holds it, 16..64 MiB, 64 when not known; RWKV_UPLOAD_SLOT_MB still decides. */
static void test_ring_size(void) {
  static const struct { uint64_t largest; const char *env; uint64_t want; } c[] = {
      {0, NULL, 64ull << 20},           {4718592, NULL, 16ull << 20},       {16ull << 20, NULL, 16ull << 20},
      {(16ull << 20) + 1, NULL, 32ull << 20}, {23907532, NULL, 32ull << 20}, {41783296, NULL, 64ull << 20},
      {100ull << 20, NULL, 64ull << 20}, {1ull << 20, "8", 8ull << 20}};
  setenv("RWKV_UPLOAD_RING", "2", 1);
  rwkv_error err = {0};
  rwkv_gpu *g = NULL;
  CHECK_OK(rwkv_gpu_open(NULL, &g, &err), &err);
  for (size_t i = 0; g && i < sizeof c / sizeof *c; i++) {
    if (c[i].env) setenv("RWKV_UPLOAD_SLOT_MB", c[i].env, 1);
    rwkv_gpu_upload_begin(g, c[i].largest);
    uint64_t got = rwkv_gpu_piece_max(g); /* (makes the ring) */
    if (!got) {
      fprintf(stderr, "upload ring: not available here, slot sizes not checked\n");
      CHECK_OK(rwkv_gpu_upload_done(g, &err), &err);
      break;
    }
    CHECK_MSG(got == c[i].want, "largest fill %llu bytes: slots of %llu, want %llu", (unsigned long long)c[i].largest,
              (unsigned long long)got, (unsigned long long)c[i].want);
    CHECK_OK(rwkv_gpu_upload_done(g, &err), &err);
    unsetenv("RWKV_UPLOAD_SLOT_MB");
  }
  rwkv_gpu_close(g);
  unsetenv("RWKV_UPLOAD_RING");
}

/* A queued program that fails to build: upload_done reports it (the shader named, the
 * driver's log), its slot stays 0, the queue is gone (a second upload_done succeeds); a
 * queue left at rwkv_gpu_close is dropped, not built (its slots may be gone). */
static void test_program_soon_errors(void) {
  rwkv_error err = {0};
  rwkv_gpu *g = NULL;
  CHECK_OK(rwkv_gpu_open(NULL, &g, &err), &err);
  if (!g) return;
  unsigned ok1 = 0, bad = 7, ok2 = 0;
  CHECK(rwkv_gpu_program_soon(NULL, "rwkv_argmax", NULL, &ok1, &err) == RWKV_ERR_ARG);
  rwkv_gpu_upload_begin(g, 0);
  CHECK_OK(rwkv_gpu_program_soon(g, "rwkv_argmax", "#define SOON_OK_1 1\n", &ok1, &err), &err);
  CHECK_OK(rwkv_gpu_program_soon(g, "rwkv_argmax", "#error soon boom\n", &bad, &err), &err);
  CHECK(bad == 0);
  CHECK_OK(rwkv_gpu_program_soon(g, "rwkv_argmax", "#define SOON_OK_2 1\n", &ok2, &err), &err);
  int rc = rwkv_gpu_upload_done(g, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_SHADER, "rwkv_argmax");
  CHECK_MSG(strstr(err.msg, "boom") != NULL, "log missing: %s", err.msg);
  CHECK(ok1 != 0 && bad == 0 && ok2 == 0); /* (the build stops at the failure) */
  CHECK_OK(rwkv_gpu_upload_done(g, &err), &err);
  unsigned left = 0;
  rwkv_gpu_upload_begin(g, 0);
  CHECK_OK(rwkv_gpu_program_soon(g, "rwkv_argmax", "#define SOON_LEFT 1\n", &left, &err), &err);
  rwkv_gpu_close(g); /* (ASan: the queue's strings are freed) */
  CHECK(left == 0);
}

/* rwkv_gpu_program_lazy: left queued past upload_done (slot 0), built by
 * rwkv_gpu_program_need (or while a read-back finds the GPU busy), the same program as
 * rwkv_gpu_program's; a failing one is reported by need, not by upload_done; forgotten slots
 * are never written (ASan: the slot is freed); RWKV_PROGRAM_LAZY=0 makes it _soon. */
static void test_program_lazy(void) {
  rwkv_error err = {0};
  rwkv_gpu *g = NULL;
  CHECK_OK(rwkv_gpu_open(NULL, &g, &err), &err);
  if (!g) return;
  unsigned a = 0, bad = 0, known = 0, again = 0, nothing = 0;
  unsigned *gone = malloc(sizeof *gone);
  int rc0;
  CHECK_OK(rwkv_gpu_program(g, "rwkv_argmax", "#define LAZY_KNOWN 1\n", &known, &err), &err);
  rwkv_gpu_upload_begin(g, 0);
  CHECK_OK(rwkv_gpu_program_lazy(g, "rwkv_argmax", "#define LAZY_A 1\n", &a, &err), &err);
  CHECK_OK(rwkv_gpu_program_lazy(g, "rwkv_argmax", "#error lazy boom\n", &bad, &err), &err);
  CHECK_OK(rwkv_gpu_program_lazy(g, "rwkv_argmax", "#define LAZY_KNOWN 1\n", &again, &err), &err);
  CHECK(again == known); /* built already: at once */
  if (gone) CHECK_OK(rwkv_gpu_program_lazy(g, "rwkv_argmax", "#define LAZY_GONE 1\n", gone, &err), &err);
  CHECK_OK(rwkv_gpu_upload_done(g, &err), &err); /* (the failing one is not needed yet) */
  CHECK(bad == 0);
  rwkv_gpu_program_forget(g, gone, sizeof *gone);
  free(gone);
  float four[4] = {1, 2, 3, 4}, back[4] = {0};
  unsigned fb = 0;
  CHECK_OK(rwkv_gpu_buffer(g, sizeof four, four, &fb, &err), &err);
  rwkv_gpu_stats st0, st1;
  rwkv_gpu_get_stats(g, &st0);
  uint64_t w0 = rwkv_gpu_waits(g);
  CHECK_OK(rwkv_gpu_read(g, fb, 0, sizeof back, back, "lazy", &err), &err); /* may build some meanwhile */
  rwkv_gpu_get_stats(g, &st1);
  CHECK(back[3] == 4);
  CHECK(rwkv_gpu_waits(g) == w0 + 1); /* (decode's flushes go by it: forward.c pass_steps) */
  CHECK_OK(rwkv_gpu_wait(g, &err), &err);
  CHECK(rwkv_gpu_waits(g) == w0 + 2 && rwkv_gpu_waits(NULL) == 0);
  CHECK_MSG(st1.cache_misses == st0.cache_misses, "a read-back compiled %u queued program(s): only cached ones may be built then",
            st1.cache_misses - st0.cache_misses);
  rwkv_gpu_buffer_free(g, fb, sizeof four);
  rc0 = rwkv_gpu_program_need(g, &bad, &err);
  CHECK_ERR(rc0, &err, RWKV_ERR_SHADER, "rwkv_argmax");
  CHECK_MSG(strstr(err.msg, "lazy boom") != NULL, "log missing: %s", err.msg);
  rc0 = rwkv_gpu_program_build_queued(g, &err); /* a, and the failing one again (then dropped) */
  CHECK_ERR(rc0, &err, RWKV_ERR_SHADER, "lazy boom");
  CHECK_OK(rwkv_gpu_program_build_queued(g, &err), &err);
  CHECK_OK(rwkv_gpu_program_need(g, &a, &err), &err);
  unsigned a2 = 0;
  CHECK_OK(rwkv_gpu_program(g, "rwkv_argmax", "#define LAZY_A 1\n", &a2, &err), &err);
  CHECK(a != 0 && a2 == a);
  CHECK_OK(rwkv_gpu_program_need(g, &a, &err), &err); /* built: a no-op */
  CHECK(bad == 0);
  int rc = rwkv_gpu_program_need(g, &nothing, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_ARG, "no program");
  CHECK(rwkv_gpu_program_need(NULL, &a, &err) == RWKV_ERR_ARG);
  rwkv_gpu_close(g); /* (the failed entry is dropped) */

  setenv("RWKV_PROGRAM_LAZY", "0", 1);
  CHECK_OK(rwkv_gpu_open(NULL, &g, &err), &err);
  unsetenv("RWKV_PROGRAM_LAZY");
  if (!g) return;
  unsigned b = 0;
  rwkv_gpu_upload_begin(g, 0);
  CHECK_OK(rwkv_gpu_program_lazy(g, "rwkv_argmax", "#define LAZY_B 1\n", &b, &err), &err);
  CHECK_OK(rwkv_gpu_upload_done(g, &err), &err);
  CHECK(b != 0); /* as _soon: built by upload_done */
  rwkv_gpu_close(g);
}

/* RWKV_PROGRAM_TOUCH: the programs an upload batch queued are dispatched once with no
 * workgroups as they are built (on by default on GPUs, off on software renderers); others
 * are not, nor one found built already; a touched program computes as before. */
static void test_program_touch(void) {
  for (int on = -1; on < 2; on++) { /* -1: the default */
    rwkv_error err = {0};
    rwkv_gpu *g = NULL;
    if (on >= 0) setenv("RWKV_PROGRAM_TOUCH", on ? "1" : "0", 1);
    CHECK_OK(rwkv_gpu_open(NULL, &g, &err), &err);
    unsetenv("RWKV_PROGRAM_TOUCH");
    if (!g) return;
    int want = on >= 0 ? on : !rwkv_gpu_get_info(g)->software;
    unsigned direct = 0, queued = 0, again = 0;
    CHECK_OK(rwkv_gpu_program(g, "rwkv_argmax", "#define TOUCH_DIRECT 1\n", &direct, &err), &err);
    rwkv_gpu_upload_begin(g, 0);
    CHECK_OK(rwkv_gpu_program_soon(g, "rwkv_argmax", "#define TOUCH_QUEUED 1\n", &queued, &err), &err);
    CHECK_OK(rwkv_gpu_program_soon(g, "rwkv_argmax", "#define TOUCH_DIRECT 1\n", &again, &err), &err);
    CHECK_OK(rwkv_gpu_upload_done(g, &err), &err);
    CHECK(queued != 0 && queued != direct && again == direct);
    rwkv_gpu_stats st;
    rwkv_gpu_get_stats(g, &st);
    CHECK_MSG(st.programs == 2 && st.programs_touched == (want ? 1u : 0u), "touch %d: %u of %u programs touched",
              on, st.programs_touched, st.programs);
    GLint bound = -1;
    glGetIntegerv(GL_DISPATCH_INDIRECT_BUFFER_BINDING, &bound);
    CHECK_MSG(bound == 0, "touch %d: indirect buffer %d left bound", on, bound);
    CHECK_OK(rwkv_gpu_check(g, "after touches", &err), &err);
    /* the touched program still finds the argmax (max 50, first at i = 30) */
    float vals[256];
    for (int i = 0; i < 256; i++) vals[i] = (float)((i * 37) % 101) - 50.0f;
    int32_t res = -1;
    unsigned vb = 0, rb = 0;
    CHECK_OK(rwkv_gpu_buffer(g, sizeof vals, vals, &vb, &err), &err);
    CHECK_OK(rwkv_gpu_buffer(g, sizeof res, &res, &rb, &err), &err);
    argmax_dispatch(queued, vb, rb, 0, 256, 0, 1);
    CHECK_OK(rwkv_gpu_read(g, rb, 0, sizeof res, &res, "argmax", &err), &err);
    CHECK_MSG(res == 30, "touch %d: argmax %d, want 30", on, (int)res);
    rwkv_gpu_buffer_free(g, vb, sizeof vals);
    rwkv_gpu_buffer_free(g, rb, sizeof res);
    rwkv_gpu_close(g);
  }
}

/* Two contexts in one process (two models an embedder loads): closing one must leave the
 * other working. On the device and surfaceless platforms both share one EGL display; where it
 * does not count references (Mesa 22's), closing the first had terminated it for both. */
static void test_two_contexts(void) {
  rwkv_error err = {0};
  rwkv_gpu *a = NULL, *b = NULL;
  int rc = rwkv_gpu_open(NULL, &a, &err);
  CHECK_OK(rc, &err);
  if (rc) return;
  rc = rwkv_gpu_open(NULL, &b, &err);
  CHECK_OK(rc, &err);
  if (rc) {
    rwkv_gpu_close(a);
    return;
  }
  for (int round = 0; round < 2; round++) {
    /* round 0: a closes, b goes on; round 1: a new a opened beside b, b closed, a goes on */
    rwkv_gpu *live = round == 0 ? b : a;
    if (round == 0) {
      rwkv_gpu_close(a);
      a = NULL;
    }
    CHECK_OK(rwkv_gpu_make_current(live, &err), &err);
    const uint32_t data[4] = {1, 2, 3, 0xDEADBEEFu};
    uint32_t got[4] = {0};
    unsigned buf = 0;
    rc = rwkv_gpu_buffer(live, sizeof data, data, &buf, &err);
    CHECK_OK(rc, &err);
    if (rc == RWKV_OK) {
      CHECK_OK(rwkv_gpu_read(live, buf, 0, sizeof got, got, "two contexts", &err), &err);
      CHECK(memcmp(got, data, sizeof data) == 0);
      rwkv_gpu_buffer_free(live, buf, sizeof data);
    }
    if (round == 0) {
      rc = rwkv_gpu_open(NULL, &a, &err); /* a new one beside b, then b closes */
      CHECK_OK(rc, &err);
      if (rc) break;
      rwkv_gpu_close(b);
      b = NULL;
    }
  }
  rwkv_gpu_close(a);
  rwkv_gpu_close(b);
}

int main(void) {
  test_context();
  test_two_contexts();
  test_program_soon_errors();
  test_program_lazy();
  test_program_touch();
  test_upload_ring("1", 0);
  test_upload_ring("1", 1);
  test_upload_ring("1", 2);
  test_upload_ring("0", 1);
  setenv("RWKV_UPLOAD_EARLY_SWITCH", "0", 1); /* slot switches issue the pending copy first */
  test_upload_ring("1", 2);
  unsetenv("RWKV_UPLOAD_EARLY_SWITCH");
  test_ring_size();
  test_software_and_bad_device();
  test_programs_and_dispatch();
  return test_result("test_gpu");
}
