/* bench/upload.c - host-to-GPU upload paths: bench-upload FILE [MiB] [piece MiB]
 * Copies the first MiB of FILE (mmap'd; page cache warm after the first pass) to GPU
 * buffers of `piece` MiB each, by:
 *   map      glMapBufferRange(WRITE|INVALIDATE_BUFFER) + threaded memcpy + unmap (today's path)
 *   unsync   the same with GL_MAP_UNSYNCHRONIZED_BIT
 *   subdata  glBufferSubData straight from the mmap
 *   staging  a persistent, coherent EXT_buffer_storage ring (2 slots) filled by threads,
 *            glCopyBufferSubData into the target, fences before a slot is reused
 *   pread    the staging ring filled with pread() by threads instead of memcpy from the mmap
 *   shader   the staging ring, copied into the target by a compute shader that reads the
 *            ring (host memory) over the bus, instead of glCopyBufferSubData
 * and prints GB/s with the time split (map / fill / unmap) - what limits model loading.
 * BENCH_UPLOAD_FRESH=1: a fresh mapping per variant, pages not touched first (as a model
 * load sees it: page-cache warm, page tables cold). BENCH_UPLOAD_FIRSTUSE=1: first_use below
 * (=2: first_use_ways);
 * BENCH_UPLOAD_HELPER=1: helper_use below. */
#include <EGL/egl.h>
#include <GLES3/gl31.h>
#include <GLES2/gl2ext.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "compute_program.h"
#include "gpu.h"

typedef struct pread_job {
  int fd;
  uint8_t *dst;
  size_t off, n, piece;
} pread_job;
static void pread_task(void *ctx, size_t i) {
  const pread_job *j = ctx;
  size_t o = i * j->piece, n = j->n - o < j->piece ? j->n - o : j->piece;
  while (n > 0) {
    ssize_t r = pread(j->fd, j->dst + o, n, (off_t)(j->off + o));
    if (r <= 0) return;
    o += (size_t)r;
    n -= (size_t)r;
  }
}

static const char *COPY_SRC =
    "#version 310 es\nlayout(local_size_x = 256) in;\n"
    "layout(std430, binding = 0) readonly buffer S { uvec4 s[]; };\n"
    "layout(std430, binding = 1) writeonly buffer D { uvec4 d[]; };\n"
    "uniform uint n;\n"
    "void main() { for (uint i = gl_GlobalInvocationID.x; i < n; i += gl_NumWorkGroups.x * 256u) d[i] = s[i]; }\n";

static GLuint copy_program(void) { return bench_compute_program(&COPY_SRC, 1); }

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Two persistent, coherent host-memory slots of `piece` bytes (EXT_buffer_storage), mapped
 * for writing: the staging ring a load copies through (gpu.c), as these benchmarks make it. */
static void ring_make(PFNGLBUFFERSTORAGEEXTPROC storage, size_t piece, GLuint ring[2], uint8_t *rp[2]) {
  glGenBuffers(2, ring);
  for (int s = 0; s < 2; s++) {
    glBindBuffer(GL_COPY_READ_BUFFER, ring[s]);
    storage(GL_COPY_READ_BUFFER, (GLsizeiptr)piece, NULL,
            GL_MAP_WRITE_BIT | GL_MAP_PERSISTENT_BIT_EXT | GL_MAP_COHERENT_BIT_EXT | GL_CLIENT_STORAGE_BIT_EXT);
    rp[s] = glMapBufferRange(GL_COPY_READ_BUFFER, 0, (GLsizeiptr)piece,
                             GL_MAP_WRITE_BIT | GL_MAP_PERSISTENT_BIT_EXT | GL_MAP_COHERENT_BIT_EXT);
  }
}

/* BENCH_UPLOAD_FIRSTUSE=1: what a buffer's first use costs the CPU (a load's copy calls pay
 * it): 1 GiB of new buffers in pieces of 1 .. 1024 MiB, made by glBufferData(NULL) or
 * glBufferStorageEXT, each then written by a 256-byte copy, twice (first use, then again);
 * ms for the allocations, the first copies' calls, their wait, and the second copies. */
static void first_use(PFNGLBUFFERSTORAGEEXTPROC storage) {
  static const size_t mib[] = {1, 4, 16, 64, 256, 1024};
  GLuint src = 0;
  uint8_t zeros[256] = {0};
  glGenBuffers(1, &src);
  glBindBuffer(GL_COPY_READ_BUFFER, src);
  glBufferData(GL_COPY_READ_BUFFER, sizeof zeros, zeros, GL_STATIC_DRAW);
  for (int rep = 0; rep < 2; rep++)
    for (int imm = 0; imm < (storage ? 2 : 1); imm++)
      for (size_t k = 0; k < sizeof mib / sizeof *mib; k++) {
        size_t n = 1024 / mib[k], bytes = mib[k] << 20;
        GLuint *b = calloc(n, sizeof *b);
        glFinish();
        double t0 = now();
        glGenBuffers((GLsizei)n, b);
        for (size_t i = 0; i < n; i++) {
          glBindBuffer(GL_COPY_WRITE_BUFFER, b[i]);
          if (imm) storage(GL_COPY_WRITE_BUFFER, (GLsizeiptr)bytes, NULL, 0);
          else glBufferData(GL_COPY_WRITE_BUFFER, (GLsizeiptr)bytes, NULL, GL_STATIC_DRAW);
        }
        double t1 = now();
        for (size_t i = 0; i < n; i++) {
          glBindBuffer(GL_COPY_WRITE_BUFFER, b[i]);
          glCopyBufferSubData(GL_COPY_READ_BUFFER, GL_COPY_WRITE_BUFFER, 0, (GLintptr)(bytes - 256), 256);
        }
        double t2 = now();
        glFinish();
        double t3 = now();
        for (size_t i = 0; i < n; i++) {
          glBindBuffer(GL_COPY_WRITE_BUFFER, b[i]);
          glCopyBufferSubData(GL_COPY_READ_BUFFER, GL_COPY_WRITE_BUFFER, 0, 0, 256);
        }
        glFinish();
        double t4 = now();
        printf("first use %s %4zu x %4zu MiB: alloc %6.2f, first copies %7.2f + wait %6.2f, again %6.2f ms (err 0x%x)\n",
               imm ? "storage" : "data   ", n, mib[k], (t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3,
               (t4 - t3) * 1e3, glGetError());
        glDeleteBuffers((GLsizei)n, b);
        free(b);
      }
  glDeleteBuffers(1, &src);
}


/* BENCH_UPLOAD_FIRSTUSE=2: whether the first use costs the same whatever the buffer's usage
 * hint or storage flags, and whether a compute dispatch that writes a word pays it as a copy
 * does. 1 GiB in 64 buffers of 16 MiB per way: ms for the allocations, the first touches'
 * calls and their wait, then a whole 16 MiB GPU copy into each (calls + wait) and the GB/s of
 * a compute shader reading them all (vidmem or not). */
static void first_use_ways(PFNGLBUFFERSTORAGEEXTPROC storage, GLuint cp) {
  static const char *const names[] = {"data STATIC_DRAW, copy", "data DYNAMIC_COPY, copy", "data STREAM_DRAW, copy",
                                      "data STATIC_COPY, copy", "data STATIC_DRAW, dispatch", "storage 0, dispatch",
                                      "storage DYNAMIC, copy"};
  static const char *const TOUCH_SRC =
      "#version 310 es\nlayout(local_size_x = 1) in;\n"
      "layout(std430, binding = 1) writeonly buffer D { uint d[]; };\n"
      "void main() { d[0] = 0u; }\n";
  GLuint tp = bench_compute_program(&TOUCH_SRC, 1);
  const size_t n = 64, bytes = 16u << 20;
  GLuint src = 0, big = 0, sink = 0;
  uint8_t zeros[256] = {0};
  glGenBuffers(1, &src);
  glBindBuffer(GL_COPY_READ_BUFFER, src);
  glBufferData(GL_COPY_READ_BUFFER, sizeof zeros, zeros, GL_STATIC_DRAW);
  glGenBuffers(1, &big);
  glBindBuffer(GL_COPY_READ_BUFFER, big);
  glBufferData(GL_COPY_READ_BUFFER, (GLsizeiptr)bytes, NULL, GL_STATIC_DRAW);
  glGenBuffers(1, &sink);
  glBindBuffer(GL_COPY_READ_BUFFER, sink);
  glBufferData(GL_COPY_READ_BUFFER, (GLsizeiptr)bytes, NULL, GL_STATIC_DRAW);
  glFinish();
  GLuint b[64];
  for (int rep = 0; rep < 2; rep++)
    for (int w = 0; w < 7; w++) {
      if ((w == 5 || w == 6) && !storage) continue;
      if ((w == 4 || w == 5) && !tp) continue;
      glFinish();
      double t0 = now();
      glGenBuffers((GLsizei)n, b);
      static const GLenum usage[] = {GL_STATIC_DRAW, GL_DYNAMIC_COPY, GL_STREAM_DRAW, GL_STATIC_COPY, GL_STATIC_DRAW};
      for (size_t i = 0; i < n; i++) {
        glBindBuffer(GL_COPY_WRITE_BUFFER, b[i]);
        if (w == 5) storage(GL_COPY_WRITE_BUFFER, (GLsizeiptr)bytes, NULL, 0);
        else if (w == 6) storage(GL_COPY_WRITE_BUFFER, (GLsizeiptr)bytes, NULL, GL_DYNAMIC_STORAGE_BIT_EXT);
        else glBufferData(GL_COPY_WRITE_BUFFER, (GLsizeiptr)bytes, NULL, usage[w]);
      }
      double t1 = now();
      if (w == 4 || w == 5) glUseProgram(tp);
      for (size_t i = 0; i < n; i++) {
        if (w == 4 || w == 5) {
          glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 1, b[i]);
          glDispatchCompute(1, 1, 1);
        } else {
          glBindBuffer(GL_COPY_READ_BUFFER, src);
          glBindBuffer(GL_COPY_WRITE_BUFFER, b[i]);
          glCopyBufferSubData(GL_COPY_READ_BUFFER, GL_COPY_WRITE_BUFFER, 0, (GLintptr)(bytes - 256), 256);
        }
      }
      double t2 = now();
      glFinish();
      double t3 = now();
      glMemoryBarrier(GL_ALL_BARRIER_BITS);
      glBindBuffer(GL_COPY_READ_BUFFER, big);
      for (size_t i = 0; i < n; i++) {
        glBindBuffer(GL_COPY_WRITE_BUFFER, b[i]);
        glCopyBufferSubData(GL_COPY_READ_BUFFER, GL_COPY_WRITE_BUFFER, 0, 0, (GLsizeiptr)bytes);
      }
      double t4 = now();
      glFinish();
      double t5 = now(), t6 = t5;
      if (cp) {
        glUseProgram(cp);
        glUniform1ui(glGetUniformLocation(cp, "n"), (GLuint)(bytes / 16));
        glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 1, sink);
        for (int pass = 0; pass < 2; pass++) { /* the second timed */
          glFinish();
          t5 = now();
          for (size_t i = 0; i < n; i++) {
            glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 0, b[i]);
            glDispatchCompute(1056, 1, 1);
          }
          glFinish();
          t6 = now();
        }
      }
      glUseProgram(0);
      printf("first use %-26s: alloc %6.2f, touches %7.2f + wait %6.2f, then full copies %7.2f + wait %6.2f ms, "
             "shader reads %.0f GB/s (err 0x%x)\n",
             names[w], (t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3, (t4 - t3) * 1e3, (t5 - t4) * 1e3,
             cp && t6 > t5 ? (double)n * bytes / (t6 - t5) / 1e9 : 0.0, glGetError());
      glDeleteBuffers((GLsizei)n, b);
    }
  glDeleteBuffers(1, &src);
  glDeleteBuffers(1, &big);
  glDeleteBuffers(1, &sink);
  if (tp) glDeleteProgram(tp);
}

/* BENCH_UPLOAD_HELPER=1: can a second thread pay the buffers' first use (first_use above)
 * while the loading thread copies? `total` bytes of FILE into new buffers of `piece` bytes,
 * by variant:
 *   serial   the loading thread makes each buffer and copies into it (a load today)
 *   helper   a thread with a shared context makes each buffer and touches it ahead (a
 *            256-byte copy out of it, then a fence); the loading thread copies into buffer i
 *            once it is ready (glWaitSync on its fence: no CPU wait)
 *   split    one thread: every buffer made and touched first, then all the copies
 * each with glBufferSubData from the mapping, and through a ring as a load copies (two
 * pinned slots of `piece` bytes filled by the copy threads, glCopyBufferSubData). ms wall,
 * ms the loading thread spent in copy calls, in waits for the helper, in the first uses
 * (split), and ms the helper was busy. */
typedef struct helper {
  EGLDisplay dpy;
  EGLContext ctx;
  const GLuint *bufs;
  GLsync *fences;
  size_t n, piece;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  size_t ready;
  double busy;
} helper;

static void touch(GLuint buf, GLuint scratch, size_t piece) {
  glBindBuffer(GL_COPY_READ_BUFFER, buf);
  glBufferData(GL_COPY_READ_BUFFER, (GLsizeiptr)piece, NULL, GL_STATIC_DRAW);
  glBindBuffer(GL_COPY_WRITE_BUFFER, scratch);
  glCopyBufferSubData(GL_COPY_READ_BUFFER, GL_COPY_WRITE_BUFFER, (GLintptr)(piece - 256), 0, 256);
}

static void *helper_main(void *p) {
  helper *h = p;
  if (!eglMakeCurrent(h->dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, h->ctx)) {
    fprintf(stderr, "helper: eglMakeCurrent failed (0x%x)\n", eglGetError());
    pthread_mutex_lock(&h->mu);
    h->ready = (size_t)-1;
    pthread_cond_signal(&h->cv);
    pthread_mutex_unlock(&h->mu);
    return NULL;
  }
  GLuint scratch = 0;
  glGenBuffers(1, &scratch);
  glBindBuffer(GL_COPY_WRITE_BUFFER, scratch);
  glBufferData(GL_COPY_WRITE_BUFFER, 256, NULL, GL_STATIC_DRAW);
  double t0 = now();
  for (size_t i = 0; i < h->n; i++) {
    touch(h->bufs[i], scratch, h->piece);
    h->fences[i] = glFenceSync(GL_SYNC_GPU_COMMANDS_COMPLETE, 0);
    glFlush();
    pthread_mutex_lock(&h->mu);
    h->ready = i + 1;
    pthread_cond_signal(&h->cv);
    pthread_mutex_unlock(&h->mu);
  }
  h->busy = now() - t0;
  glBindBuffer(GL_COPY_WRITE_BUFFER, 0);
  glBindBuffer(GL_COPY_READ_BUFFER, 0);
  glDeleteBuffers(1, &scratch);
  glFinish();
  eglMakeCurrent(h->dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
  return NULL;
}

static void helper_use(rwkv_gpu *g, PFNGLBUFFERSTORAGEEXTPROC storage, const uint8_t *src, size_t total,
                       size_t piece) {
  EGLDisplay dpy = eglGetCurrentDisplay();
  EGLContext main_ctx = eglGetCurrentContext();
  EGLint cfg_id = 0, ncfg = 0;
  EGLConfig cfg = (EGLConfig)0;
  eglQueryContext(dpy, main_ctx, EGL_CONFIG_ID, &cfg_id);
  const EGLint want[] = {EGL_CONFIG_ID, cfg_id, EGL_NONE};
  if (!cfg_id || !eglChooseConfig(dpy, want, &cfg, 1, &ncfg) || ncfg < 1) cfg = (EGLConfig)0;
  EGLContext hctx = EGL_NO_CONTEXT;
  for (int m = 2; m >= 1 && hctx == EGL_NO_CONTEXT; m--) {
    const EGLint attr[] = {EGL_CONTEXT_MAJOR_VERSION, 3, EGL_CONTEXT_MINOR_VERSION, m, EGL_NONE};
    hctx = eglCreateContext(dpy, cfg, main_ctx, attr);
  }
  if (hctx == EGL_NO_CONTEXT) {
    printf("helper: no shared context (0x%x)\n", eglGetError());
    return;
  }
  size_t n = total / piece;
  GLuint *bufs = calloc(n, sizeof *bufs), scratch = 0, ring[2] = {0, 0};
  GLsync *fences = calloc(n, sizeof *fences);
  uint8_t *rp[2] = {NULL, NULL};
  glGenBuffers(1, &scratch);
  glBindBuffer(GL_COPY_WRITE_BUFFER, scratch);
  glBufferData(GL_COPY_WRITE_BUFFER, 256, NULL, GL_STATIC_DRAW);
  if (storage) ring_make(storage, piece, ring, rp);
  static const char *const names[3] = {"serial", "helper", "split "};
  for (int rep = 0; rep < 3; rep++)
    for (int path = 0; path < (rp[0] && rp[1] ? 2 : 1); path++)
      for (int v = 0; v < 3; v++) {
        glGenBuffers((GLsizei)n, bufs);
        memset(fences, 0, n * sizeof *fences);
        glFinish();
        helper h = {dpy, hctx, bufs, fences, n, piece, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
        pthread_t th;
        GLsync rf[2] = {0, 0};
        double t0 = now(), waited = 0, pre = 0, calls = 0, a;
        int threaded = v == 1 && pthread_create(&th, NULL, helper_main, &h) == 0;
        if (v == 2) {
          for (size_t i = 0; i < n; i++) touch(bufs[i], scratch, piece);
          pre = now() - t0;
        }
        for (size_t i = 0; i < n; i++) {
          if (threaded) {
            a = now();
            pthread_mutex_lock(&h.mu);
            while (h.ready <= i) pthread_cond_wait(&h.cv, &h.mu);
            pthread_mutex_unlock(&h.mu);
            waited += now() - a;
            if (h.ready == (size_t)-1) break;
            glWaitSync(fences[i], 0, GL_TIMEOUT_IGNORED);
          }
          int s = (int)(i & 1);
          if (path) { /* the ring: wait for the slot, fill it, copy out of it */
            a = now();
            if (rf[s]) {
              glClientWaitSync(rf[s], GL_SYNC_FLUSH_COMMANDS_BIT, 1000000000ull);
              glDeleteSync(rf[s]);
              rf[s] = 0;
            }
            waited += now() - a;
            rwkv_gpu_copy(g, rp[s], src + i * piece, piece);
          }
          a = now();
          glBindBuffer(GL_COPY_WRITE_BUFFER, bufs[i]);
          if (v == 0) glBufferData(GL_COPY_WRITE_BUFFER, (GLsizeiptr)piece, NULL, GL_STATIC_DRAW);
          if (path) {
            glBindBuffer(GL_COPY_READ_BUFFER, ring[s]);
            glCopyBufferSubData(GL_COPY_READ_BUFFER, GL_COPY_WRITE_BUFFER, 0, 0, (GLsizeiptr)piece);
            rf[s] = glFenceSync(GL_SYNC_GPU_COMMANDS_COMPLETE, 0);
            glFlush();
          } else {
            glBufferSubData(GL_COPY_WRITE_BUFFER, 0, (GLsizeiptr)piece, src + i * piece);
          }
          calls += now() - a;
        }
        glFinish();
        double t = now() - t0;
        if (threaded) pthread_join(th, NULL);
        for (int s = 0; s < 2; s++)
          if (rf[s]) glDeleteSync(rf[s]);
        for (size_t i = 0; i < n; i++)
          if (fences[i]) glDeleteSync(fences[i]);
        int bad = 0;
        for (size_t i = 0; i < n; i += n - 1 > 0 ? n - 1 : 1) {
          glBindBuffer(GL_COPY_WRITE_BUFFER, bufs[i]);
          const uint8_t *q = glMapBufferRange(GL_COPY_WRITE_BUFFER, 0, (GLsizeiptr)piece, GL_MAP_READ_BIT);
          bad |= !q || memcmp(q, src + i * piece, 4096) != 0 || memcmp(q + piece - 4096, src + i * piece + piece - 4096, 4096) != 0;
          glUnmapBuffer(GL_COPY_WRITE_BUFFER);
          if (n == 1) break;
        }
        glBindBuffer(GL_COPY_WRITE_BUFFER, 0);
        printf("helper %s %s %zu x %zu MiB: %7.2f ms (%.2f GB/s), copy calls %6.2f, waits %6.2f, first uses %6.2f, "
               "helper busy %6.2f%s (err 0x%x)\n",
               path ? "ring   " : "subdata", names[v], n, piece >> 20, t * 1e3, (double)total / t / 1e9, calls * 1e3,
               waited * 1e3, pre * 1e3, h.busy * 1e3, bad ? " BAD DATA" : "", glGetError());
        glDeleteBuffers((GLsizei)n, bufs);
        glFinish();
      }
  glBindBuffer(GL_COPY_READ_BUFFER, 0);
  if (ring[0]) glDeleteBuffers(2, ring);
  glDeleteBuffers(1, &scratch);
  eglDestroyContext(dpy, hctx);
  free(fences);
  free(bufs);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bench-upload FILE [MiB] [piece MiB]\n");
    return 2;
  }
  size_t total = (size_t)(argc > 2 ? atoi(argv[2]) : 1024) << 20;
  size_t piece = (size_t)(argc > 3 ? atoi(argv[3]) : 16) << 20;
  int fd = open(argv[1], O_RDONLY);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) { perror(argv[1]); return 1; }
  if ((size_t)st.st_size < total) total = (size_t)st.st_size / piece * piece;
  const uint8_t *src = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
  if (src == MAP_FAILED) { perror("mmap"); return 1; }
  rwkv_error err = {0};
  rwkv_gpu *g = NULL;
  if (rwkv_gpu_open(NULL, &g, &err)) { fprintf(stderr, "%s\n", err.msg); return 1; }
  const rwkv_gpu_info *in = rwkv_gpu_get_info(g);
  size_t n = total / piece;
  printf("%s | %s | %zu MiB in %zu pieces of %zu MiB, %u threads\n", in->renderer, in->version,
         total >> 20, n, piece >> 20, rwkv_gpu_threads(g));
  GLuint *bufs = calloc(n, sizeof *bufs);
  PFNGLBUFFERSTORAGEEXTPROC storage = (PFNGLBUFFERSTORAGEEXTPROC)eglGetProcAddress("glBufferStorageEXT");
  const char *ext = (const char *)glGetString(GL_EXTENSIONS);
  int has_storage = storage && ext && strstr(ext, "GL_EXT_buffer_storage");
  /* warm the page cache */
  volatile uint8_t sink = 0;
  const char *fr = getenv("BENCH_UPLOAD_FRESH");
  int fresh = fr && *fr == '1';
  for (size_t i = 0; i < total; i += 4096) sink ^= src[i];
  if (getenv("BENCH_UPLOAD_HELPER")) {
    helper_use(g, has_storage ? storage : NULL, src, total, piece);
    rwkv_gpu_close(g);
    return 0;
  }
  if (getenv("BENCH_UPLOAD_FIRSTUSE") && atoi(getenv("BENCH_UPLOAD_FIRSTUSE")) == 2) {
    first_use_ways(has_storage ? storage : NULL, copy_program());
    rwkv_gpu_close(g);
    return 0;
  }
  if (getenv("BENCH_UPLOAD_FIRSTUSE")) {
    first_use(has_storage ? storage : NULL);
    rwkv_gpu_close(g);
    return 0;
  }
  GLuint cp = copy_program();
  int wgs = getenv("BENCH_UPLOAD_WGS") ? atoi(getenv("BENCH_UPLOAD_WGS")) : 1056;
  for (int rep = 0; rep < 2; rep++)
    for (int v = 0; v < 6; v++) {
      if (v >= 3 && !has_storage) continue;
      if (v == 5 && !cp) continue;
      if (fresh) {
        munmap((void *)src, (size_t)st.st_size);
        src = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
        if (src == MAP_FAILED) { perror("mmap"); return 1; }
      }
      glGenBuffers((GLsizei)n, bufs);
      for (size_t i = 0; i < n; i++) {
        glBindBuffer(GL_SHADER_STORAGE_BUFFER, bufs[i]);
        glBufferData(GL_SHADER_STORAGE_BUFFER, (GLsizeiptr)piece, NULL, GL_STATIC_DRAW);
      }
      glFinish();
      double tm = 0, tf = 0, tu = 0, t0 = now(), a, b;
      if (v <= 1) {
        GLbitfield fl = GL_MAP_WRITE_BIT | GL_MAP_INVALIDATE_BUFFER_BIT | (v ? GL_MAP_UNSYNCHRONIZED_BIT : 0);
        for (size_t i = 0; i < n; i++) {
          a = now();
          glBindBuffer(GL_SHADER_STORAGE_BUFFER, bufs[i]);
          void *p = glMapBufferRange(GL_SHADER_STORAGE_BUFFER, 0, (GLsizeiptr)piece, fl);
          b = now(); tm += b - a; a = b;
          if (p) rwkv_gpu_copy(g, p, src + i * piece, piece);
          b = now(); tf += b - a; a = b;
          glUnmapBuffer(GL_SHADER_STORAGE_BUFFER);
          b = now(); tu += b - a;
        }
      } else if (v == 2) {
        for (size_t i = 0; i < n; i++) {
          glBindBuffer(GL_SHADER_STORAGE_BUFFER, bufs[i]);
          glBufferSubData(GL_SHADER_STORAGE_BUFFER, 0, (GLsizeiptr)piece, src + i * piece);
        }
      } else {
        GLuint ring[2];
        GLsync fence[2] = {0, 0};
        uint8_t *rp[2];
        ring_make(storage, piece, ring, rp);
        tm = now() - t0;
        for (size_t i = 0; i < n; i++) {
          int s = (int)(i & 1);
          a = now();
          if (fence[s]) {
            glClientWaitSync(fence[s], GL_SYNC_FLUSH_COMMANDS_BIT, 1000000000ull);
            glDeleteSync(fence[s]);
            fence[s] = 0;
          }
          b = now(); tu += b - a; a = b;
          if (rp[s] && (v == 3 || v == 5)) rwkv_gpu_copy(g, rp[s], src + i * piece, piece);
          if (rp[s] && v == 4) {
            pread_job pj = {fd, rp[s], i * piece, piece, 2u << 20};
            rwkv_gpu_parallel(g, (piece + pj.piece - 1) / pj.piece, pread_task, &pj);
          }
          b = now(); tf += b - a;
          if (v == 5) {
            glUseProgram(cp);
            glUniform1ui(glGetUniformLocation(cp, "n"), (GLuint)(piece / 16));
            glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 0, ring[s]);
            glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 1, bufs[i]);
            glDispatchCompute((GLuint)wgs, 1, 1);
          } else {
            glBindBuffer(GL_COPY_READ_BUFFER, ring[s]);
            glBindBuffer(GL_COPY_WRITE_BUFFER, bufs[i]);
            glCopyBufferSubData(GL_COPY_READ_BUFFER, GL_COPY_WRITE_BUFFER, 0, 0, (GLsizeiptr)piece);
          }
          fence[s] = glFenceSync(GL_SYNC_GPU_COMMANDS_COMPLETE, 0);
          glFlush();
        }
        for (int s = 0; s < 2; s++) if (fence[s]) glDeleteSync(fence[s]);
        glDeleteBuffers(2, ring);
      }
      glFinish();
      double t = now() - t0;
      /* the last piece's first and last 4 KB must have arrived */
      int bad = 0;
      glBindBuffer(GL_SHADER_STORAGE_BUFFER, bufs[n - 1]);
      for (int e = 0; e < 2 && piece >= 8192; e++) {
        size_t o = e ? piece - 4096 : 0;
        const void *q = glMapBufferRange(GL_SHADER_STORAGE_BUFFER, (GLintptr)o, 4096, GL_MAP_READ_BIT);
        bad |= !q || memcmp(q, src + (n - 1) * piece + o, 4096) != 0;
        glUnmapBuffer(GL_SHADER_STORAGE_BUFFER);
      }
      static const char *names[] = {"map", "unsync", "subdata", "staging", "pread", "shader"};
      printf("%-8s %7.1f ms  %5.2f GB/s  (map %.1f, fill %.1f, unmap/wait %.1f ms) err 0x%x%s\n", names[v],
             t * 1e3, total / t / 1e9, tm * 1e3, tf * 1e3, tu * 1e3, glGetError(), bad ? " CONTENTS WRONG" : "");
      glDeleteBuffers((GLsizei)n, bufs);
    }
  (void)sink;
  rwkv_gpu_close(g);
  munmap((void *)src, (size_t)st.st_size);
  close(fd);
  return 0;
}
