/* gpu.c - headless EGL + OpenGL ES 3.1/3.2 compute context (see gpu.h).
 *
 * EGL facts used (Khronos registry): EGL_EXT_platform_base (eglGetPlatformDisplayEXT),
 * EGL_KHR_platform_gbm / EGL_MESA_platform_gbm, EGL_EXT_device_enumeration +
 * EGL_EXT_platform_device (eglQueryDevicesEXT), EGL_EXT_device_query
 * (eglQueryDeviceStringEXT), EGL_EXT_device_drm(_render_node), Mesa's
 * EGL_MESA_device_software marker, EGL_MESA_platform_surfaceless,
 * EGL_KHR_surfaceless_context, EGL_KHR_no_config_context, EGL_KHR_display_reference.
 * GL_KHR_shader_subgroup queries: GL_SUBGROUP_SIZE_KHR etc. from the extension spec. */
#include "gpu.h"

#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <GLES3/gl32.h>
#include <GLES2/gl2ext.h>
#include <errno.h>
#include <fcntl.h>
#include <dlfcn.h>
#include <gbm.h> /* types only: libgbm is opened with dlopen when a render node exists */
#include <link.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <emmintrin.h> /* SSE2 (x86-64's baseline): streaming stores */
#endif

#include "shaders.h"

#ifndef GL_SUBGROUP_SIZE_KHR
#define GL_SUBGROUP_SIZE_KHR 0x9532
#define GL_SUBGROUP_SUPPORTED_STAGES_KHR 0x9533
#define GL_SUBGROUP_SUPPORTED_FEATURES_KHR 0x9534
#define GL_SUBGROUP_FEATURE_ARITHMETIC_BIT_KHR 0x00000004
#endif
#ifndef GL_SUBGROUP_FEATURE_CLUSTERED_BIT_KHR
#define GL_SUBGROUP_FEATURE_CLUSTERED_BIT_KHR 0x00000040
#endif

typedef struct prog_entry {
  char *name;
  char *defines;
  GLuint prog;
} prog_entry;

/* Worker threads for rwkv_gpu_parallel (CPU-only work: copies and repacking). */
#define POOL_MAX 32 /* threads at most (RWKV_UPLOAD_THREADS); by default one per core up to 8 */
typedef struct worker_pool {
  int started, quit;
  unsigned n_workers; /* threads besides the caller */
  pthread_t th[POOL_MAX];
  pthread_mutex_t mu;
  pthread_cond_t cv_work, cv_done;
  uint64_t gen;
  rwkv_gpu_task_fn fn;
  void *ctx;
  size_t n, next, finished;
} worker_pool;

typedef struct size_entry {
  unsigned id;
  uint64_t bytes;
} size_entry;

/* build_program with g->cache_only: the program is not in the cache (not an error) */
#define BUILD_UNCACHED 1

#define RING_SLOTS 4 /* at most; ring_n in use (3, RWKV_UPLOAD_SLOTS) */

struct rwkv_gpu;
static void filler_stop(struct rwkv_gpu *g);
static int soon_drop(struct rwkv_gpu *g, rwkv_error *err);

struct rwkv_gpu {
  EGLDisplay dpy;
  EGLContext ctx;
  int dpy_owned; /* eglTerminate may end dpy (display_release) */
  struct gbm_device *gbm;
  int drm_fd;
  void *gbm_lib; /* dlopen("libgbm.so.1"): machines without DRM need no libgbm */
  void (*gbm_destroy)(struct gbm_device *);
  rwkv_gpu_info info;
  prog_entry *progs;
  size_t n_progs, cap_progs;
  uint64_t bytes;
  uint64_t waits; /* CPU waits on the GPU so far (reads back, fences): rwkv_gpu_waits */
  uint64_t limit; /* 0: none */
  /* sizes of live buffers by id (open addressing, 0 = empty): lets dispatches
   * check ranges without a glGet*, which stalls a threaded driver */
  size_entry *sizes;
  size_t n_sizes, cap_sizes;
  char *cache_dir;  /* program binary cache folder, NULL: off */
  int cache_made;   /* 1 once cache_dir was created (or found) */
  unsigned cache_tmp; /* counter for temp file names */
  rwkv_gpu_stats stats;
  unsigned threads; /* for rwkv_gpu_parallel, 0 = not decided yet */
  int nt, nt_on;    /* RWKV_UPLOAD_NT; nt_on: the running fill writes a ring slot (streams) */
  int soon_on;      /* RWKV_PROGRAM_SOON: rwkv_gpu_program_soon queues (1) or builds at once */
  int cache_only;   /* build_program compiles nothing (idle_build: only cached binaries) */
  int lazy_on;      /* RWKV_PROGRAM_LAZY: rwkv_gpu_program_lazy may leave programs for later */
  int touch_on;     /* RWKV_PROGRAM_TOUCH: a batch's queued programs dispatched once, empty */
  unsigned touch_buf; /* its indirect dispatch: three zeros */
  worker_pool pool;
  /* Upload ring (EXT_buffer_storage): persistent, coherent host buffers that
   * rwkv_gpu_buffer_fill packs into and the GPU copies out of, so packing the next
   * weight overlaps the transfer of the last (H100: mapping each weight buffer cost
   * more than the copy itself; bench/upload.c). ring_state 0 untried, 1 on, -1 off. */
  int ring_state;
  /* read-back staging buffer (rwkv_gpu_read): GL_STREAM_READ, grown on demand */
  GLuint rb_buf;
  uint64_t rb_cap;
  uint64_t ring_slot, ring_used;
  unsigned ring_cur, ring_n;
  struct {
    GLuint buf;
    uint8_t *ptr;
    GLsync fence;
  } ring[RING_SLOTS];
  /* Between rwkv_gpu_upload_begin and _done the copy out of the ring is deferred: the
   * last buffer's copy (a blocking call on NVIDIA, at the DMA's speed) is issued while
   * the filler thread packs the next buffer. */
  int defer;
  uint64_t largest; /* rwkv_gpu_upload_begin's largest whole fill (0: not known), for ring_start */
  /* programs asked for with rwkv_gpu_program_soon during the batch, built one at a time
   * while this thread would wait for the filler or a ring slot (soon_rc / soon_err: the
   * first failure, reported by rwkv_gpu_upload_done); rwkv_gpu_program_lazy's may stay
   * queued past the batch, built while the caller waits for the GPU (idle_build) or when
   * first needed */
  struct soon_entry {
    char *name, *defines; /* (NULL once done) */
    unsigned *slot;
    int lazy;   /* rwkv_gpu_program_lazy: may stay queued past the batch */
    int done;   /* built, or forgotten */
    int failed; /* a lazy build failed in the background (rwkv_gpu_program_need retries) */
    int uncached; /* not in the shader cache: left for rwkv_gpu_program_need (idle_build) */
  } *soon;
  size_t n_soon, cap_soon, soon_pending; /* pending: entries not done */
  int soon_rc;
  rwkv_error soon_err;
  struct {
    int set;
    GLuint src, dst;
    uint64_t off, dst_off, bytes; /* ring offset, offset in dst, length */
  } pend;
  /* slot + 1 whose fence is owed: the ring moved on while a copy out of that slot was still
   * to be issued (ring_take), so its fence is put once that copy is (or is dropped) */
  unsigned fence_owed;
  int early_switch; /* RWKV_UPLOAD_EARLY_SWITCH (1: default) */
  /* progress: bytes at the start of dst that the running fill reported final
   * (rwkv_gpu_fill_progress): this thread copies them out while the rest is packed */
  struct {
    int started, quit, busy;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    rwkv_gpu_fill_fn fn;
    void *ctx;
    uint8_t *dst;
    uint64_t progress;
  } filler;
  unsigned scratch[RWKV_GPU_SCRATCH_SLOTS]; /* rwkv_gpu_scratch buffers (0: none yet) */
  uint64_t scratch_bytes[RWKV_GPU_SCRATCH_SLOTS];
  long scratch_users;
  unsigned tmap_buf;          /* rwkv_gpu_set_token_map: 0 = none */
  uint32_t tmap_off, tmap_all, tmap_live;
};

/* Whole-word search in a space-separated extension list. */
static int has_ext(const char *list, const char *ext) {
  if (!list || !ext) return 0;
  size_t n = strlen(ext);
  const char *p = list;
  while ((p = strstr(p, ext)) != NULL) {
    if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) return 1;
    p += n;
  }
  return 0;
}

static const char *egl_err_name(EGLint e) {
  switch (e) {
  case EGL_SUCCESS: return "EGL_SUCCESS";
  case EGL_NOT_INITIALIZED: return "EGL_NOT_INITIALIZED";
  case EGL_BAD_ACCESS: return "EGL_BAD_ACCESS";
  case EGL_BAD_ALLOC: return "EGL_BAD_ALLOC";
  case EGL_BAD_ATTRIBUTE: return "EGL_BAD_ATTRIBUTE";
  case EGL_BAD_CONFIG: return "EGL_BAD_CONFIG";
  case EGL_BAD_CONTEXT: return "EGL_BAD_CONTEXT";
  case EGL_BAD_DISPLAY: return "EGL_BAD_DISPLAY";
  case EGL_BAD_MATCH: return "EGL_BAD_MATCH";
  case EGL_BAD_PARAMETER: return "EGL_BAD_PARAMETER";
  case EGL_BAD_SURFACE: return "EGL_BAD_SURFACE";
  default: return "EGL error";
  }
}

static void append(char *buf, size_t cap, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void append(char *buf, size_t cap, const char *fmt, ...) {
  size_t n = strlen(buf);
  if (n + 1 >= cap) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf + n, cap - n, fmt, ap);
  va_end(ap);
}

static void copy_str(char *dst, size_t cap, const char *src) {
  if (!src) src = "";
  snprintf(dst, cap, "%s", src);
}

static double gpu_now_ms(void);

/* A display of the device or surfaceless platform is one per process and device, shared by
 * every rwkv_gpu on it: eglTerminate would end the other contexts too (their next
 * eglMakeCurrent: EGL_BAD_DISPLAY), unless the display counts its initializations
 * (EGL_KHR_display_reference's EGL_TRACK_REFERENCES_KHR). `owned`: dpy may be terminated
 * (tracked, or a GBM display on our own gbm device); else it stays initialized for the
 * process (initializing it again is a no-op) and only our context goes. */
static void display_release(EGLDisplay dpy, int owned) {
  if (owned) eglTerminate(dpy);
}

/* Initialize dpy and make a GLES 3.2/3.1 context current with no surface (the steps timed in
 * g->stats.open_*). On failure writes the reason to why and leaves nothing alive except what
 * the caller must release (the display is released here when initialized: display_release,
 * `owned` as there). */
static int make_context(rwkv_gpu *g, EGLDisplay dpy, int owned, char *why, size_t cap) {
  EGLint major = 0, minor = 0;
  if (dpy == EGL_NO_DISPLAY) {
    snprintf(why, cap, "no display (%s)", egl_err_name(eglGetError()));
    return -1;
  }
  double t0 = gpu_now_ms();
  int inited = eglInitialize(dpy, &major, &minor);
  double t1 = gpu_now_ms();
  g->stats.open_init_ms += t1 - t0;
  if (!inited) {
    snprintf(why, cap, "eglInitialize failed (%s)", egl_err_name(eglGetError()));
    return -1;
  }
  const char *exts = eglQueryString(dpy, EGL_EXTENSIONS);
  if (!has_ext(exts, "EGL_KHR_surfaceless_context")) {
    snprintf(why, cap, "EGL %d.%d display lacks EGL_KHR_surfaceless_context", major, minor);
    display_release(dpy, owned);
    return -1;
  }
  if (!eglBindAPI(EGL_OPENGL_ES_API)) {
    snprintf(why, cap, "eglBindAPI(EGL_OPENGL_ES_API) failed (%s)", egl_err_name(eglGetError()));
    display_release(dpy, owned);
    return -1;
  }
  EGLConfig cfg = EGL_NO_CONFIG_KHR;
  const EGLint cfg_attr[] = {EGL_RENDERABLE_TYPE, EGL_OPENGL_ES3_BIT, EGL_SURFACE_TYPE, 0,
                             EGL_NONE};
  EGLint ncfg = 0;
  int have_cfg = eglChooseConfig(dpy, cfg_attr, &cfg, 1, &ncfg) && ncfg > 0;
  if (!have_cfg) {
    const EGLint cfg_attr2[] = {EGL_RENDERABLE_TYPE, EGL_OPENGL_ES3_BIT, EGL_NONE};
    have_cfg = eglChooseConfig(dpy, cfg_attr2, &cfg, 1, &ncfg) && ncfg > 0;
  }
  if (!have_cfg) {
    if (!has_ext(exts, "EGL_KHR_no_config_context")) {
      snprintf(why, cap, "no EGL config with EGL_OPENGL_ES3_BIT and no EGL_KHR_no_config_context");
      display_release(dpy, owned);
      return -1;
    }
    cfg = EGL_NO_CONFIG_KHR;
  }
  double t2 = gpu_now_ms();
  g->stats.open_config_ms += t2 - t1;
  EGLContext ctx = EGL_NO_CONTEXT;
  int gles_minor = 0;
  for (int m = 2; m >= 1 && ctx == EGL_NO_CONTEXT; m--) {
    const EGLint ctx_attr[] = {EGL_CONTEXT_MAJOR_VERSION, 3, EGL_CONTEXT_MINOR_VERSION, m,
                               EGL_NONE};
    ctx = eglCreateContext(dpy, cfg, EGL_NO_CONTEXT, ctx_attr);
    if (ctx != EGL_NO_CONTEXT) gles_minor = m;
  }
  if (ctx == EGL_NO_CONTEXT) {
    snprintf(why, cap, "eglCreateContext(GLES 3.2 and 3.1) failed (%s)",
             egl_err_name(eglGetError()));
    display_release(dpy, owned);
    return -1;
  }
  double t3 = gpu_now_ms();
  g->stats.open_context_ms += t3 - t2;
  int current = eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx);
  g->stats.open_current_ms += gpu_now_ms() - t3;
  if (!current) {
    snprintf(why, cap, "eglMakeCurrent with no surface failed (%s)", egl_err_name(eglGetError()));
    eglDestroyContext(dpy, ctx);
    display_release(dpy, owned);
    return -1;
  }
  const char *ver = (const char *)glGetString(GL_VERSION);
  int vmaj = 0, vmin = 0;
  if (!ver || sscanf(ver, "OpenGL ES %d.%d", &vmaj, &vmin) != 2 || vmaj < 3 ||
      (vmaj == 3 && vmin < 1)) {
    snprintf(why, cap, "context is \"%s\", need OpenGL ES 3.1+", ver ? ver : "(null)");
    eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
    eglDestroyContext(dpy, ctx);
    display_release(dpy, owned);
    return -1;
  }
  g->dpy = dpy;
  g->ctx = ctx;
  g->dpy_owned = owned;
  g->info.gles_minor = vmaj > 3 ? 2 : (vmin >= 2 ? 2 : (gles_minor ? 1 : vmin));
  return 0;
}

static int gl_has_ext(const char *name) {
  GLint n = 0;
  glGetIntegerv(GL_NUM_EXTENSIONS, &n);
  for (GLint i = 0; i < n; i++) {
    const char *e = (const char *)glGetStringi(GL_EXTENSIONS, (GLuint)i);
    if (e && strcmp(e, name) == 0) return 1;
  }
  return 0;
}

static void fill_info(rwkv_gpu *g) {
  rwkv_gpu_info *in = &g->info;
  copy_str(in->vendor, sizeof in->vendor, (const char *)glGetString(GL_VENDOR));
  copy_str(in->renderer, sizeof in->renderer, (const char *)glGetString(GL_RENDERER));
  copy_str(in->version, sizeof in->version, (const char *)glGetString(GL_VERSION));
  copy_str(in->glsl, sizeof in->glsl, (const char *)glGetString(GL_SHADING_LANGUAGE_VERSION));
  in->software = strstr(in->renderer, "llvmpipe") || strstr(in->renderer, "softpipe") ||
                 strstr(in->renderer, "SwiftShader") || strstr(in->renderer, "lavapipe");
  GLint v = 0;
  glGetIntegerv(GL_MAX_COMPUTE_SHARED_MEMORY_SIZE, &v);
  in->max_shared = v;
  v = 0;
  glGetIntegerv(GL_MAX_COMPUTE_WORK_GROUP_INVOCATIONS, &v);
  in->max_invocations = v;
  v = 0;
  glGetIntegeri_v(GL_MAX_COMPUTE_WORK_GROUP_COUNT, 0, &v);
  in->max_groups_x = v;
  GLint64 v64 = 0;
  glGetInteger64v(GL_MAX_SHADER_STORAGE_BLOCK_SIZE, &v64);
  in->max_ssbo = (long long)v64;
  v = 0;
  glGetIntegerv(GL_MAX_SHADER_STORAGE_BUFFER_BINDINGS, &v);
  in->max_ssbo_bindings = v;
  in->has_texture_buffer = gl_has_ext("GL_EXT_texture_buffer") || gl_has_ext("GL_OES_texture_buffer");
  v = 0;
  if (in->has_texture_buffer) glGetIntegerv(GL_MAX_TEXTURE_BUFFER_SIZE, &v);
  in->max_texture_buffer = v;
  in->has_subgroup = 0;
  in->has_subgroup_clustered = 0;
  in->subgroup_size = 0;
  if (gl_has_ext("GL_KHR_shader_subgroup")) {
    GLint size = 0, stages = 0, feats = 0;
    glGetIntegerv(GL_SUBGROUP_SIZE_KHR, &size);
    glGetIntegerv(GL_SUBGROUP_SUPPORTED_STAGES_KHR, &stages);
    glGetIntegerv(GL_SUBGROUP_SUPPORTED_FEATURES_KHR, &feats);
    in->subgroup_size = size > 0 ? size : 0;
    in->has_subgroup = (stages & GL_COMPUTE_SHADER_BIT) &&
                       (feats & GL_SUBGROUP_FEATURE_ARITHMETIC_BIT_KHR) && size > 0;
    in->has_subgroup_clustered = in->has_subgroup && (feats & GL_SUBGROUP_FEATURE_CLUSTERED_BIT_KHR);
  }
  while (glGetError() != GL_NO_ERROR) {
  }
}

static int env_int(const char *name, int *out) {
  const char *s = getenv(name);
  if (!s || !*s) return 0;
  char *end = NULL;
  long v = strtol(s, &end, 10);
  if (*end != '\0' || v < -1 || v > 1000000) return -1;
  *out = (int)v;
  return 1;
}

static int try_gbm(rwkv_gpu *g, char *why, size_t cap) {
  PFNEGLGETPLATFORMDISPLAYEXTPROC get_dpy =
      (PFNEGLGETPLATFORMDISPLAYEXTPROC)eglGetProcAddress("eglGetPlatformDisplayEXT");
  const char *cexts = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
  if (!get_dpy || !has_ext(cexts, "EGL_EXT_platform_base")) {
    snprintf(why, cap, "no EGL_EXT_platform_base");
    return -1;
  }
  if (!has_ext(cexts, "EGL_KHR_platform_gbm") && !has_ext(cexts, "EGL_MESA_platform_gbm")) {
    snprintf(why, cap, "no EGL_KHR_platform_gbm");
    return -1;
  }
  snprintf(why, cap, "no usable /dev/dri/renderD*");
  if (access("/dev/dri", F_OK) != 0) return -1;
  if (!g->gbm_lib) g->gbm_lib = dlopen("libgbm.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!g->gbm_lib) {
    snprintf(why, cap, "libgbm.so.1 not loadable: %s", dlerror());
    return -1;
  }
  struct gbm_device *(*create)(int) = (struct gbm_device * (*)(int)) dlsym(g->gbm_lib, "gbm_create_device");
  g->gbm_destroy = (void (*)(struct gbm_device *))dlsym(g->gbm_lib, "gbm_device_destroy");
  if (!create || !g->gbm_destroy) {
    snprintf(why, cap, "libgbm.so.1 lacks gbm_create_device");
    return -1;
  }
  char tried[512] = "";
  for (int i = 128; i < 192; i++) {
    char path[64];
    snprintf(path, sizeof path, "/dev/dri/renderD%d", i);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
      if (errno != ENOENT) append(tried, sizeof tried, "%s%s: %s", *tried ? "; " : "", path,
                                  strerror(errno));
      continue;
    }
    struct gbm_device *gbm = create(fd);
    if (!gbm) {
      append(tried, sizeof tried, "%s%s: gbm_create_device failed", *tried ? "; " : "", path);
      close(fd);
      continue;
    }
    char sub[256];
    EGLDisplay dpy = get_dpy(EGL_PLATFORM_GBM_KHR, gbm, NULL);
    if (make_context(g, dpy, 1, sub, sizeof sub) == 0) { /* (our gbm device's own display) */
      g->gbm = gbm;
      g->drm_fd = fd;
      copy_str(g->info.platform, sizeof g->info.platform, "gbm");
      copy_str(g->info.device, sizeof g->info.device, path);
      return 0;
    }
    append(tried, sizeof tried, "%s%s: %s", *tried ? "; " : "", path, sub);
    g->gbm_destroy(gbm);
    close(fd);
  }
  if (*tried) snprintf(why, cap, "%s", tried);
  return -1;
}

static int is_software_dev(PFNEGLQUERYDEVICESTRINGEXTPROC qstr, EGLDeviceEXT d) {
  const char *e = qstr ? qstr(d, EGL_EXTENSIONS) : NULL;
  return has_ext(e, "EGL_MESA_device_software");
}

static void device_name(PFNEGLQUERYDEVICESTRINGEXTPROC qstr, EGLDeviceEXT d, int idx, char *out,
                        size_t cap) {
  const char *e = qstr ? qstr(d, EGL_EXTENSIONS) : NULL;
  const char *node = NULL;
  if (qstr && has_ext(e, "EGL_EXT_device_drm_render_node"))
    node = qstr(d, EGL_DRM_RENDER_NODE_FILE_EXT);
  if (!node && qstr && has_ext(e, "EGL_EXT_device_drm")) node = qstr(d, EGL_DRM_DEVICE_FILE_EXT);
  if (node)
    snprintf(out, cap, "EGL device %d: %s", idx, node);
  else
    snprintf(out, cap, "EGL device %d: %s", idx, e && *e ? e : "(no extensions)");
}

/* want_index >= 0: only that device; software: only software devices. */
static int try_device(rwkv_gpu *g, int want_index, int software, char *why, size_t cap) {
  const char *cexts = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
  PFNEGLGETPLATFORMDISPLAYEXTPROC get_dpy =
      (PFNEGLGETPLATFORMDISPLAYEXTPROC)eglGetProcAddress("eglGetPlatformDisplayEXT");
  PFNEGLQUERYDEVICESEXTPROC qdev =
      (PFNEGLQUERYDEVICESEXTPROC)eglGetProcAddress("eglQueryDevicesEXT");
  PFNEGLQUERYDEVICESTRINGEXTPROC qstr =
      (PFNEGLQUERYDEVICESTRINGEXTPROC)eglGetProcAddress("eglQueryDeviceStringEXT");
  if (!has_ext(cexts, "EGL_EXT_platform_device") || !get_dpy || !qdev) {
    snprintf(why, cap, "no EGL_EXT_platform_device / eglQueryDevicesEXT");
    return -1;
  }
  EGLDeviceEXT devs[32];
  EGLint n = 0;
  double t0 = gpu_now_ms();
  int found = qdev(32, devs, &n);
  g->stats.open_devices_ms += gpu_now_ms() - t0;
  if (!found || n <= 0) {
    snprintf(why, cap, "eglQueryDevicesEXT found no devices (%s)", egl_err_name(eglGetError()));
    return -1;
  }
  if (want_index >= n) {
    snprintf(why, cap, "RWKV_GPU_DEVICE/device index %d out of range: %d EGL device%s (0..%d)",
             want_index, (int)n, n == 1 ? "" : "s", (int)n - 1);
    return -1;
  }
  int order[32], k = 0;
  if (want_index >= 0) {
    order[k++] = want_index;
  } else {
    for (int pass = 0; pass < 2; pass++)
      for (int i = 0; i < n; i++) {
        int sw = is_software_dev(qstr, devs[i]);
        if (software ? (pass == 0 && sw) : (sw == pass)) order[k++] = i;
      }
    if (k == 0) {
      snprintf(why, cap, "software device requested but none of %d EGL devices has "
                         "EGL_MESA_device_software", (int)n);
      return -1;
    }
  }
  why[0] = '\0';
  const EGLint track[] = {EGL_TRACK_REFERENCES_KHR, EGL_TRUE, EGL_NONE};
  int can_track = has_ext(cexts, "EGL_KHR_display_reference");
  for (int j = 0; j < k; j++) {
    int i = order[j];
    char name[256], sub[256];
    device_name(qstr, devs[i], i, name, sizeof name);
    EGLDisplay dpy = get_dpy(EGL_PLATFORM_DEVICE_EXT, devs[i], can_track ? track : NULL);
    if (make_context(g, dpy, can_track, sub, sizeof sub) == 0) {
      copy_str(g->info.platform, sizeof g->info.platform, "device");
      copy_str(g->info.device, sizeof g->info.device, name);
      return 0;
    }
    append(why, cap, "%s%s: %s", *why ? "; " : "", name, sub);
  }
  return -1;
}

static int try_surfaceless(rwkv_gpu *g, char *why, size_t cap) {
  const char *cexts = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
  PFNEGLGETPLATFORMDISPLAYEXTPROC get_dpy =
      (PFNEGLGETPLATFORMDISPLAYEXTPROC)eglGetProcAddress("eglGetPlatformDisplayEXT");
  if (!has_ext(cexts, "EGL_MESA_platform_surfaceless") || !get_dpy) {
    snprintf(why, cap, "no EGL_MESA_platform_surfaceless");
    return -1;
  }
  const EGLint track[] = {EGL_TRACK_REFERENCES_KHR, EGL_TRUE, EGL_NONE};
  int can_track = has_ext(cexts, "EGL_KHR_display_reference");
  EGLDisplay dpy = get_dpy(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, can_track ? track : NULL);
  if (make_context(g, dpy, can_track, why, cap) == 0) {
    copy_str(g->info.platform, sizeof g->info.platform, "surfaceless");
    copy_str(g->info.device, sizeof g->info.device, "surfaceless");
    return 0;
  }
  return -1;
}

static char *cache_dir_from_env(void);

/* ---- worker threads ----------------------------------------------------------------- */

static void *pool_main(void *arg) {
  worker_pool *p = arg;
  uint64_t seen = 0;
  pthread_mutex_lock(&p->mu);
  for (;;) {
    while (!p->quit && p->gen == seen) pthread_cond_wait(&p->cv_work, &p->mu);
    if (p->quit) break;
    seen = p->gen;
    while (p->next < p->n) {
      size_t i = p->next++;
      rwkv_gpu_task_fn fn = p->fn;
      void *ctx = p->ctx;
      pthread_mutex_unlock(&p->mu);
      fn(ctx, i);
      pthread_mutex_lock(&p->mu);
      if (++p->finished == p->n) pthread_cond_signal(&p->cv_done);
    }
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

static void pool_stop(worker_pool *p) {
  if (!p->started) return;
  pthread_mutex_lock(&p->mu);
  p->quit = 1;
  pthread_cond_broadcast(&p->cv_work);
  pthread_mutex_unlock(&p->mu);
  for (unsigned i = 0; i < p->n_workers; i++) pthread_join(p->th[i], NULL);
  pthread_cond_destroy(&p->cv_work);
  pthread_cond_destroy(&p->cv_done);
  pthread_mutex_destroy(&p->mu);
  p->started = 0;
}

unsigned rwkv_gpu_threads(rwkv_gpu *g) {
  if (!g) return 1;
  if (g->threads) return g->threads;
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  int env = 0;
  if (n > 8) n = 8;
  if (env_int("RWKV_UPLOAD_THREADS", &env) == 1 && env >= 1) n = env;
  if (n < 1) n = 1;
  if (n > POOL_MAX) n = POOL_MAX;
  g->threads = (unsigned)n;
  return g->threads;
}

/* Start the workers on first use; on any failure run with the ones that started. */
static void pool_start(rwkv_gpu *g) {
  worker_pool *p = &g->pool;
  if (p->started) return;
  unsigned want = rwkv_gpu_threads(g) - 1;
  if (want == 0) return;
  if (pthread_mutex_init(&p->mu, NULL) != 0) return;
  if (pthread_cond_init(&p->cv_work, NULL) != 0) {
    pthread_mutex_destroy(&p->mu);
    return;
  }
  if (pthread_cond_init(&p->cv_done, NULL) != 0) {
    pthread_cond_destroy(&p->cv_work);
    pthread_mutex_destroy(&p->mu);
    return;
  }
  p->quit = 0;
  p->gen = 0;
  p->n = p->next = p->finished = 0;
  p->n_workers = 0;
  p->started = 1;
  for (unsigned i = 0; i < want; i++) {
    if (pthread_create(&p->th[i], NULL, pool_main, p) != 0) break;
    p->n_workers++;
  }
  if (p->n_workers == 0) pool_stop(p);
}

void rwkv_gpu_parallel(rwkv_gpu *g, size_t n, rwkv_gpu_task_fn fn, void *ctx) {
  if (!fn || n == 0) return;
  if (g && n > 1) pool_start(g);
  if (!g || n == 1 || !g->pool.started) {
    for (size_t i = 0; i < n; i++) fn(ctx, i);
    return;
  }
  worker_pool *p = &g->pool;
  pthread_mutex_lock(&p->mu);
  p->fn = fn;
  p->ctx = ctx;
  p->n = n;
  p->next = 0;
  p->finished = 0;
  p->gen++;
  pthread_cond_broadcast(&p->cv_work);
  while (p->next < p->n) {
    size_t i = p->next++;
    pthread_mutex_unlock(&p->mu);
    fn(ctx, i);
    pthread_mutex_lock(&p->mu);
    p->finished++;
  }
  while (p->finished < p->n) pthread_cond_wait(&p->cv_done, &p->mu);
  p->n = 0;
  pthread_mutex_unlock(&p->mu);
}

typedef struct copy_job {
  const rwkv_gpu *g;
  uint8_t *dst;
  const uint8_t *src;
  uint64_t n, piece;
} copy_job;

void rwkv_gpu_stream(const rwkv_gpu *g, void *dst, const void *src, uint64_t n) {
#if defined(__x86_64__)
  if (g && g->nt_on && n >= 256) {
    uint8_t *d = dst;
    const uint8_t *s = src;
    size_t head = (16u - ((uintptr_t)d & 15u)) & 15u, i = 0, len = (size_t)n - head;
    memcpy(d, s, head);
    d += head;
    s += head;
    for (; i + 64 <= len; i += 64) {
      __m128i a = _mm_loadu_si128((const __m128i *)(s + i)), b = _mm_loadu_si128((const __m128i *)(s + i + 16));
      __m128i c = _mm_loadu_si128((const __m128i *)(s + i + 32)), e = _mm_loadu_si128((const __m128i *)(s + i + 48));
      _mm_stream_si128((__m128i *)(d + i), a);
      _mm_stream_si128((__m128i *)(d + i + 16), b);
      _mm_stream_si128((__m128i *)(d + i + 32), c);
      _mm_stream_si128((__m128i *)(d + i + 48), e);
    }
    memcpy(d + i, s + i, len - i);
    _mm_sfence(); /* (the stores are weakly ordered: visible before the hand-off) */
    return;
  }
#endif
  (void)g;
  memcpy(dst, src, (size_t)n);
}

static void copy_task(void *ctx, size_t i) {
  copy_job *j = ctx;
  uint64_t off = (uint64_t)i * j->piece;
  uint64_t len = j->n - off < j->piece ? j->n - off : j->piece;
  rwkv_gpu_stream(j->g, j->dst + off, j->src + off, len);
}

uint64_t rwkv_gpu_task_bytes(rwkv_gpu *g, uint64_t n) {
  /* ~4 tasks per thread, 256 KiB..2 MiB each: a few-MiB weight still spreads over all
   * threads (H100: 4 MiB buffers in 2 MiB tasks filled at half the speed of 16 MiB) */
  uint64_t piece = n / (4u * rwkv_gpu_threads(g));
  if (piece < (256u << 10)) piece = 256u << 10;
  if (piece > (2u << 20)) piece = 2u << 20;
  return piece;
}

void rwkv_gpu_copy(rwkv_gpu *g, void *dst, const void *src, uint64_t n) {
  copy_job j = {g, dst, src, n, rwkv_gpu_task_bytes(g, n)};
  if (n == 0) return;
  rwkv_gpu_parallel(g, (size_t)((n + j.piece - 1) / j.piece), copy_task, &j);
}

int rwkv_gpu_open(const rwkv_gpu_opts *opts, rwkv_gpu **out, rwkv_error *err) {
  if (!out) return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv_gpu_open: out is NULL");
  *out = NULL;
  int device = opts ? opts->device : -1;
  int software = opts ? opts->software : 0;
  if (device < -1) return rwkv_errorf(err, RWKV_ERR_ARG, "gpu: device index %d is negative", device);
  if (device < 0) {
    int r = env_int("RWKV_GPU_DEVICE", &device);
    if (r < 0)
      return rwkv_errorf(err, RWKV_ERR_ARG, "RWKV_GPU_DEVICE=\"%s\" is not a device index",
                         getenv("RWKV_GPU_DEVICE"));
  }
  if (!software) {
    int sw = 0;
    if (env_int("RWKV_GPU_SOFTWARE", &sw) != 0 && sw == 1) software = 1;
  }
  uint64_t limit = opts ? opts->memory_limit : 0;
  const char *ls = getenv("RWKV_GPU_MEMORY_LIMIT");
  if (!limit && ls && *ls) {
    char *end;
    unsigned long long v = strtoull(ls, &end, 10);
    int shift = *end == 'K' || *end == 'k' ? 10 : *end == 'M' || *end == 'm' ? 20 : *end == 'G' || *end == 'g' ? 30 : 0;
    if (shift) end++;
    if (end == ls || *end || v == 0 || v > (~0ull >> shift))
      return rwkv_errorf(err, RWKV_ERR_ARG, "RWKV_GPU_MEMORY_LIMIT=\"%s\" is not a byte count (e.g. 512M)", ls);
    limit = (uint64_t)v << shift;
  }
  rwkv_gpu *g = calloc(1, sizeof *g);
  if (!g) return rwkv_errorf(err, RWKV_ERR_NOMEM, "gpu: out of memory");
  g->drm_fd = -1;
  double t0 = gpu_now_ms();
  (void)eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS); /* (timed: glvnd loads the vendors here) */
  g->stats.open_client_ms = gpu_now_ms() - t0;
  /* Ring slots written with streaming stores (no read of each destination line first: less
   * host memory traffic beside the DMA): H100, 2.9B warm loads, packing 83-84 -> 75-76 ms,
   * Q4_K_M 293-305 -> 280-283 ms, F16 559-568 -> 541-553 (bench/h100_s13c.sh, s13d.sh);
   * RWKV_UPLOAD_NT=0 turns them off. Programs asked for with rwkv_gpu_program_soon during
   * an upload are queued (RWKV_PROGRAM_SOON=0: built at once; 2.9B loads 7 ms slower), and
   * _lazy's may stay queued after it (RWKV_PROGRAM_LAZY=0: as _soon; 2.9B Q4_K_M loads
   * 10-12 ms slower, bench/h100_s13i.sh) */
  int v = 1;
  g->nt = env_int("RWKV_UPLOAD_NT", &v) != 1 || v != 0;
  v = 1;
  g->soon_on = env_int("RWKV_PROGRAM_SOON", &v) != 1 || v != 0;
  v = 1;
  g->lazy_on = env_int("RWKV_PROGRAM_LAZY", &v) != 1 || v != 0;
  v = 1;
  g->early_switch = env_int("RWKV_UPLOAD_EARLY_SWITCH", &v) != 1 || v != 0;
  g->limit = limit;
  char why_gbm[512] = "skipped (device or software requested)", why_dev[768] = "",
       why_sl[256] = "skipped (device or software requested)";
  int ok = 0;
  int explicit_choice = device >= 0 || software;
  if (!explicit_choice) ok = try_gbm(g, why_gbm, sizeof why_gbm) == 0;
  if (!ok) ok = try_device(g, device, software, why_dev, sizeof why_dev) == 0;
  if (!ok && !explicit_choice) ok = try_surfaceless(g, why_sl, sizeof why_sl) == 0;
  if (!ok) {
    free(g);
    return rwkv_errorf(err, RWKV_ERR_GPU,
                       "gpu: no OpenGL ES 3.1 compute context: gbm: %s | device: %s | "
                       "surfaceless: %s",
                       why_gbm, why_dev, why_sl);
  }
  fill_info(g);
  /* NVIDIA finishes a program at its first dispatch (~0.4 ms each): the programs an upload
   * batch queued (rwkv_gpu_program_soon, a load's decode kernels) are dispatched once with no
   * workgroups as they are built, so that this happens in the uploads' waits and not in the
   * first token (H100, bench/h100_s28e.sh, touch off / on: 2.9B Q4_K_M first token 13.4 ->
   * 6.3 ms, 0.1B 5.8 -> 3.1). llvmpipe compiles there: off on software renderers, where
   * nothing hides it. RWKV_PROGRAM_TOUCH=0|1 overrides. */
  v = !g->info.software;
  env_int("RWKV_PROGRAM_TOUCH", &v);
  g->touch_on = v != 0;
  GLint formats = 0;
  glGetIntegerv(GL_NUM_PROGRAM_BINARY_FORMATS, &formats);
  while (glGetError() != GL_NO_ERROR) {
  }
  if (formats > 0) g->cache_dir = cache_dir_from_env();
  g->stats.open_ms = gpu_now_ms() - t0;
  *out = g;
  return RWKV_OK;
}

#if defined(__SANITIZE_ADDRESS__)
/* AddressSanitizer builds: every shared object loaded now stays mapped to the end, so that
 * the leak check at exit can name the GL driver's frames (eglTerminate unloads Mesa's
 * swrast_dri.so, whose one-time allocations then show as "<unknown module>" and escape
 * tests/lsan.supp). */
static int pin_object(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  (void)data;
  if (info->dlpi_name && info->dlpi_name[0]) (void)dlopen(info->dlpi_name, RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE);
  return 0;
}
static void pin_loaded_objects(void) { dl_iterate_phdr(pin_object, NULL); }
#else
static void pin_loaded_objects(void) {}
#endif

void rwkv_gpu_close(rwkv_gpu *g) {
  if (!g) return;
  pin_loaded_objects();
  if (g->dpy != EGL_NO_DISPLAY && g->ctx != EGL_NO_CONTEXT) rwkv_gpu_scratch_free(g);
  filler_stop(g);
  pool_stop(&g->pool);
  free(g->cache_dir);
  free(g->sizes);
  if (g->dpy != EGL_NO_DISPLAY && g->ctx != EGL_NO_CONTEXT) {
    eglMakeCurrent(g->dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, g->ctx);
    soon_drop(g, NULL); /* (their slots may be gone) */
    rwkv_gpu_upload_done(g, NULL);
    if (g->rb_buf) glDeleteBuffers(1, &g->rb_buf);
    if (g->touch_buf) glDeleteBuffers(1, &g->touch_buf);
    for (size_t i = 0; i < g->n_progs; i++) glDeleteProgram(g->progs[i].prog);
    eglMakeCurrent(g->dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
    eglDestroyContext(g->dpy, g->ctx);
  }
  for (size_t i = 0; i < g->n_progs; i++) {
    free(g->progs[i].name);
    free(g->progs[i].defines);
  }
  free(g->progs);
  if (g->dpy != EGL_NO_DISPLAY) display_release(g->dpy, g->dpy_owned);
  eglReleaseThread();
  if (g->gbm) g->gbm_destroy(g->gbm);
  if (g->gbm_lib) dlclose(g->gbm_lib);
  if (g->drm_fd >= 0) close(g->drm_fd);
  free(g);
}

const rwkv_gpu_info *rwkv_gpu_get_info(const rwkv_gpu *g) { return g ? &g->info : NULL; }

int rwkv_gpu_make_current(rwkv_gpu *g, rwkv_error *err) {
  if (!g) return rwkv_errorf(err, RWKV_ERR_ARG, "gpu: NULL context");
  if (eglGetCurrentContext() == g->ctx) return RWKV_OK;
  if (!eglMakeCurrent(g->dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, g->ctx))
    return rwkv_errorf(err, RWKV_ERR_GPU, "gpu: eglMakeCurrent failed (%s)",
                       egl_err_name(eglGetError()));
  return RWKV_OK;
}

int rwkv_gpu_release_current(rwkv_gpu *g, rwkv_error *err) {
  if (!g) return rwkv_errorf(err, RWKV_ERR_ARG, "gpu: NULL context");
  if (eglGetCurrentContext() != g->ctx) return RWKV_OK;
  if (!eglMakeCurrent(g->dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT))
    return rwkv_errorf(err, RWKV_ERR_GPU, "gpu: releasing the context failed (%s)",
                       egl_err_name(eglGetError()));
  return RWKV_OK;
}

static char *dupstr(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

/* Shorten the defines for messages: newlines become "; ". */
static void defines_for_msg(const char *defines, char *out, size_t cap) {
  size_t j = 0;
  if (!defines || !*defines) defines = "(none)";
  for (size_t i = 0; defines[i] && j + 3 < cap; i++) {
    if (defines[i] == '\n') {
      if (defines[i + 1]) {
        out[j++] = ';';
        out[j++] = ' ';
      }
    } else {
      out[j++] = defines[i];
    }
  }
  out[j] = '\0';
}

/* ---- program binary cache --------------------------------------------------------- */

static double gpu_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* 64-bit hash for the cache keys and checksums (not cryptographic; collisions are caught
 * by a second, differently seeded hash of the key material stored in the header). Four
 * lanes over 8-byte words with xxHash64's round, merge and final mix (constants from the
 * xxHash specification): every program's key hashes its whole source twice (~110 KB for
 * matmul.comp) on every load, and FNV-1a's dependent multiply per byte made that ~0.13 ms
 * per program (~0.01 ms now; a 29-program load ~4 ms faster). */
#define HX_P1 0x9E3779B185EBCA87ull
#define HX_P2 0xC2B2AE3D27D4EB4Full
#define HX_P3 0x165667B19E3779F9ull
static uint64_t hx_rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
static uint64_t hx_round(uint64_t acc, uint64_t w) { return hx_rotl(acc + w * HX_P2, 31) * HX_P1; }
static uint64_t hash64(uint64_t seed, const void *data, size_t n) {
  const unsigned char *p = data;
  uint64_t v[4] = {seed + HX_P1 + HX_P2, seed + HX_P2, seed, seed - HX_P1}, h = seed + (uint64_t)n, w;
  size_t i = 0;
  for (; i + 32 <= n; i += 32)
    for (int k = 0; k < 4; k++) {
      memcpy(&w, p + i + 8 * k, 8);
      v[k] = hx_round(v[k], w);
    }
  for (int k = 0; k < 4; k++) h = (h ^ hx_round(0, v[k])) * HX_P1 + HX_P3 + hx_rotl(v[k], 1 + 6 * k);
  for (; i + 8 <= n; i += 8) {
    memcpy(&w, p + i, 8);
    h = hx_rotl(h ^ hx_round(0, w), 27) * HX_P1 + HX_P3;
  }
  for (; i < n; i++) h = hx_rotl(h ^ (p[i] * HX_P3), 11) * HX_P1;
  h ^= h >> 33;
  h *= HX_P2;
  h ^= h >> 29;
  h *= HX_P3;
  return h ^ (h >> 32);
}
#define FNV_SEED 0xcbf29ce484222325ull
#define FNV_SEED2 0x84222325cbf29ce4ull

/* Hash of everything the binary depends on: each source string (with its length, so
 * that moving text between pieces changes the key) and the driver strings. */
static uint64_t program_key(const rwkv_gpu *g, const char *const *srcs, int n, uint64_t seed) {
  uint64_t h = seed;
  for (int i = 0; i < n; i++) {
    uint64_t len = strlen(srcs[i]);
    h = hash64(h, &len, sizeof len);
    h = hash64(h, srcs[i], (size_t)len);
  }
  const char *drv[3] = {g->info.vendor, g->info.renderer, g->info.version};
  for (int i = 0; i < 3; i++) h = hash64(h, drv[i], strlen(drv[i]) + 1);
  return h;
}

#define PBC_MAGIC "RWKVPBC1"
#define PBC_VERSION 2 /* 2: hash64 (1: FNV-1a) */
#define PBC_MAX (256u << 20) /* refuse larger entries */
typedef struct pbc_header {
  char magic[8];
  uint32_t version;     /* PBC_VERSION */
  uint32_t format;      /* binaryFormat of glGetProgramBinary */
  uint64_t key, key2;   /* program_key with FNV_SEED, FNV_SEED2 */
  uint64_t length;      /* payload bytes */
  uint64_t payload_sum; /* hash64 of the payload */
  uint64_t header_sum;  /* hash64 of the fields above */
  uint64_t reserved;
} pbc_header;

/* Cache folder from the environment; NULL when off or when no folder can be named. */
static char *cache_dir_from_env(void) {
  const char *e = getenv("RWKV_SHADER_CACHE");
  char buf[4096];
  if (e && *e) {
    if (strcmp(e, "0") == 0) return NULL;
    snprintf(buf, sizeof buf, "%s", e);
  } else {
    const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (x && x[0] == '/')
      snprintf(buf, sizeof buf, "%s/rwkv-lua", x);
    else if (home && home[0] == '/')
      snprintf(buf, sizeof buf, "%s/.cache/rwkv-lua", home);
    else
      return NULL;
  }
  size_t n = strlen(buf);
  while (n > 1 && buf[n - 1] == '/') buf[--n] = '\0';
  if (n + 64 >= sizeof buf) return NULL;
  char *d = malloc(n + 1);
  if (d) memcpy(d, buf, n + 1);
  return d;
}

/* mkdir -p; returns 0 when the folder exists afterwards. */
static int make_dirs(const char *dir) {
  char tmp[4160];
  snprintf(tmp, sizeof tmp, "%s", dir);
  for (char *p = tmp + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST) return -1;
    *p = '/';
  }
  if (mkdir(tmp, 0755) != 0 && errno != EEXIST) return -1;
  struct stat st;
  return stat(tmp, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

static void cache_path(const rwkv_gpu *g, uint64_t key, char *out, size_t cap) {
  snprintf(out, cap, "%s/%016llx.bin", g->cache_dir, (unsigned long long)key);
}

/* Read and check an entry: returns a malloc'd payload or NULL (absent: *bad = 0;
 * present but unusable: *bad = 1). */
static void *cache_read(const rwkv_gpu *g, uint64_t key, uint64_t key2, uint32_t *format,
                        size_t *len, int *bad) {
  char path[4224];
  cache_path(g, key, path, sizeof path);
  *bad = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NULL;
  *bad = 1;
  struct stat st;
  pbc_header h;
  void *data = NULL;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size < sizeof h ||
      read(fd, &h, sizeof h) != (ssize_t)sizeof h)
    goto fail;
  if (memcmp(h.magic, PBC_MAGIC, 8) != 0 || h.version != PBC_VERSION || h.key != key || h.key2 != key2 ||
      h.length == 0 || h.length > PBC_MAX || (uint64_t)st.st_size != sizeof h + h.length ||
      h.header_sum != hash64(FNV_SEED, &h, offsetof(pbc_header, header_sum)))
    goto fail;
  data = malloc((size_t)h.length);
  if (!data) goto fail;
  size_t got = 0;
  while (got < h.length) {
    ssize_t r = read(fd, (char *)data + got, (size_t)h.length - got);
    if (r <= 0) goto fail;
    got += (size_t)r;
  }
  if (hash64(FNV_SEED, data, (size_t)h.length) != h.payload_sum) goto fail;
  close(fd);
  *format = h.format;
  *len = (size_t)h.length;
  *bad = 0;
  return data;
fail:
  free(data);
  close(fd);
  return NULL;
}

/* Store p's binary; failures only count in the stats. */
static void cache_write(rwkv_gpu *g, GLuint p, uint64_t key, uint64_t key2) {
  GLint len = 0;
  glGetProgramiv(p, GL_PROGRAM_BINARY_LENGTH, &len);
  void *data = len > 0 && (uint64_t)len <= PBC_MAX ? malloc((size_t)len) : NULL;
  GLenum format = 0;
  GLsizei got = 0;
  if (data) glGetProgramBinary(p, len, &got, &format, data);
  while (glGetError() != GL_NO_ERROR) {
  }
  if (!data || got <= 0 || (!g->cache_made && make_dirs(g->cache_dir) != 0)) {
    free(data);
    g->stats.cache_write_errors++;
    return;
  }
  g->cache_made = 1;
  pbc_header h;
  memset(&h, 0, sizeof h);
  memcpy(h.magic, PBC_MAGIC, 8);
  h.version = PBC_VERSION;
  h.format = format;
  h.key = key;
  h.key2 = key2;
  h.length = (uint64_t)got;
  h.payload_sum = hash64(FNV_SEED, data, (size_t)got);
  h.header_sum = hash64(FNV_SEED, &h, offsetof(pbc_header, header_sum));
  char path[4224], tmp[4300];
  cache_path(g, key, path, sizeof path);
  snprintf(tmp, sizeof tmp, "%s.%ld.%u.tmp", path, (long)getpid(), g->cache_tmp++);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  int ok = fd >= 0;
  if (ok) {
    const char *parts[2] = {(const char *)&h, data};
    size_t lens[2] = {sizeof h, (size_t)got};
    for (int i = 0; i < 2 && ok; i++)
      for (size_t off = 0; off < lens[i] && ok;) {
        ssize_t w = write(fd, parts[i] + off, lens[i] - off);
        if (w <= 0) ok = 0;
        else off += (size_t)w;
      }
    if (close(fd) != 0) ok = 0;
    if (ok && rename(tmp, path) != 0) ok = 0;
    if (!ok) unlink(tmp);
  }
  free(data);
  if (ok) g->stats.cache_writes++;
  else g->stats.cache_write_errors++;
}

/* Compile + link srcs, through the binary cache when it is on; with g->cache_only a program not
 * in the cache is not compiled: BUILD_UNCACHED (idle_build). */
static int build_program(rwkv_gpu *g, const char *name, const char *dmsg, const char *const *srcs,
                         int n, GLuint *out, rwkv_error *err) {
  *out = 0;
  uint64_t key = 0, key2 = 0;
  if (g->cache_dir) {
    double t0 = gpu_now_ms();
    key = program_key(g, srcs, n, FNV_SEED);
    key2 = program_key(g, srcs, n, FNV_SEED2);
    double t1 = gpu_now_ms();
    g->stats.program_key_ms += t1 - t0;
    uint32_t format = 0;
    size_t len = 0;
    int bad = 0;
    void *bin = cache_read(g, key, key2, &format, &len, &bad);
    double t2 = gpu_now_ms();
    g->stats.program_read_ms += t2 - t1;
    if (bin) {
      while (glGetError() != GL_NO_ERROR) {
      }
      GLuint p = glCreateProgram();
      GLint ok = 0;
      if (p) {
        glProgramBinary(p, (GLenum)format, bin, (GLsizei)len);
        if (glGetError() == GL_NO_ERROR) glGetProgramiv(p, GL_LINK_STATUS, &ok);
      }
      free(bin);
      /* NVIDIA: ~0.9 ms each, synchronous even with GL_KHR_parallel_shader_compile, and a
       * worker thread with a shared context slowed every upload (bench/h100_s8g.sh, 6d14b97) */
      g->stats.program_binary_ms += gpu_now_ms() - t2;
      if (ok) {
        g->stats.cache_hits++;
        *out = p;
        return RWKV_OK;
      }
      if (p) glDeleteProgram(p);
      while (glGetError() != GL_NO_ERROR) {
      }
      bad = 1; /* the driver refused it (driver update, other GPU): rebuild */
    }
    if (bad) g->stats.cache_rejected++;
  }
  if (g->cache_only) return BUILD_UNCACHED;
  g->stats.cache_misses++;
  GLuint sh = glCreateShader(GL_COMPUTE_SHADER);
  if (!sh) return rwkv_errorf(err, RWKV_ERR_GPU, "shader \"%s\": glCreateShader failed", name);
  glShaderSource(sh, n, (const GLchar *const *)srcs, NULL);
  glCompileShader(sh);
  GLint ok = 0;
  glGetShaderiv(sh, GL_COMPILE_STATUS, &ok);
  char log[640];
  if (!ok) {
    log[0] = '\0';
    glGetShaderInfoLog(sh, sizeof log, NULL, log);
    glDeleteShader(sh);
    return rwkv_errorf(err, RWKV_ERR_SHADER,
                       "shader \"%s\" (defines: %s) failed to compile (source 1 = common.glsl, "
                       "2 = %s.comp): %s",
                       name, dmsg, name, log);
  }
  GLuint p = glCreateProgram();
  glAttachShader(p, sh);
  if (g->cache_dir) glProgramParameteri(p, GL_PROGRAM_BINARY_RETRIEVABLE_HINT, GL_TRUE);
  glLinkProgram(p);
  glDeleteShader(sh);
  glGetProgramiv(p, GL_LINK_STATUS, &ok);
  if (!ok) {
    log[0] = '\0';
    glGetProgramInfoLog(p, sizeof log, NULL, log);
    glDeleteProgram(p);
    return rwkv_errorf(err, RWKV_ERR_SHADER, "shader \"%s\" (defines: %s) failed to link: %s",
                       name, dmsg, log);
  }
  if (g->cache_dir) cache_write(g, p, key, key2);
  *out = p;
  return RWKV_OK;
}

void rwkv_gpu_get_stats(const rwkv_gpu *g, rwkv_gpu_stats *out) {
  if (!out) return;
  if (!g) memset(out, 0, sizeof *out);
  else *out = g->stats;
}

const char *rwkv_gpu_shader_cache_dir(const rwkv_gpu *g) { return g ? g->cache_dir : NULL; }

/* Dispatch p with no workgroups (an indirect dispatch, so the driver cannot skip it; a
 * direct one of (0, 1, 1) did as well on the H100). Only where no caller relies on the bound
 * program (a batch's queued builds, soon_build): it leaves none bound, since querying the
 * binding to put it back (glGetIntegerv) stalls a threaded driver. Where a short upload
 * leaves no wait to hide them, the touches lengthen it: the 0.1B's uploads +4-6 ms against
 * its first state and token -3 ms (bench/h100_s28e.sh), a tie. */
static void program_touch(rwkv_gpu *g, GLuint p) {
  if (!g->touch_buf) {
    static const GLuint zeros[3] = {0, 0, 0};
    glGenBuffers(1, &g->touch_buf);
    glBindBuffer(GL_DISPATCH_INDIRECT_BUFFER, g->touch_buf);
    glBufferData(GL_DISPATCH_INDIRECT_BUFFER, sizeof zeros, zeros, GL_STATIC_DRAW);
  }
  glBindBuffer(GL_DISPATCH_INDIRECT_BUFFER, g->touch_buf);
  glUseProgram(p);
  glDispatchComputeIndirect(0);
  glUseProgram(0);
  glBindBuffer(GL_DISPATCH_INDIRECT_BUFFER, 0);
  g->stats.programs_touched++;
}

int rwkv_gpu_program(rwkv_gpu *g, const char *name, const char *defines, unsigned *prog,
                     rwkv_error *err) {
  if (prog) *prog = 0;
  if (!g || !name || !prog) return rwkv_errorf(err, RWKV_ERR_ARG, "gpu_program: NULL argument");
  if (!defines) defines = "";
  for (size_t i = 0; i < g->n_progs; i++)
    if (strcmp(g->progs[i].name, name) == 0 && strcmp(g->progs[i].defines, defines) == 0) {
      *prog = g->progs[i].prog;
      return RWKV_OK;
    }
  char dmsg[256];
  defines_for_msg(defines, dmsg, sizeof dmsg);
  /* the bodies: name's '+'-separated parts, each a glsl/<part>.comp (source strings 2, 3, 4
   * in the driver's messages) */
  const char *bodies[3];
  char part[64];
  size_t nb = 0;
  for (const char *s = name;; nb++) {
    const char *e = strchr(s, '+');
    size_t n = e ? (size_t)(e - s) : strlen(s);
    if (nb == 3 || n == 0 || n >= sizeof part)
      return rwkv_errorf(err, RWKV_ERR_SHADER, "shader \"%s\": not 1 to 3 names joined by '+'", name);
    memcpy(part, s, n);
    part[n] = '\0';
    bodies[nb] = rwkv_shader_text(part);
    if (!bodies[nb] || strcmp(part, "common") == 0)
      return rwkv_errorf(err, RWKV_ERR_SHADER, "shader \"%s\": no glsl/%s.comp embedded", name, part);
    if (!e) {
      nb++;
      break;
    }
    s = e + 1;
  }
  const char *common = rwkv_shader_text("common");
  if (!common) common = "";
  int rc = rwkv_gpu_make_current(g, err);
  if (rc) return rc;
  size_t dl = strlen(defines);
  static const char *const lines[3] = {"\n#line 1 2\n", "\n#line 1 3\n", "\n#line 1 4\n"};
  const char *srcs[11] = {"#version 310 es\n", defines, (dl && defines[dl - 1] != '\n') ? "\n" : "",
                          "#line 1 1\n", common};
  int ns = 5;
  for (size_t i = 0; i < nb; i++) {
    srcs[ns++] = lines[i];
    srcs[ns++] = bodies[i];
  }
  double t0 = gpu_now_ms();
  GLuint p = 0;
  rc = build_program(g, name, dmsg, srcs, ns, &p, err);
  g->stats.program_ms += gpu_now_ms() - t0;
  if (rc) return rc;
  g->stats.programs++;
  if (g->n_progs == g->cap_progs) {
    size_t nc = g->cap_progs ? g->cap_progs * 2 : 16;
    prog_entry *np = realloc(g->progs, nc * sizeof *np);
    if (!np) {
      glDeleteProgram(p);
      return rwkv_errorf(err, RWKV_ERR_NOMEM, "shader \"%s\": out of memory", name);
    }
    g->progs = np;
    g->cap_progs = nc;
  }
  prog_entry *e = &g->progs[g->n_progs];
  e->name = dupstr(name);
  e->defines = dupstr(defines);
  if (!e->name || !e->defines) {
    free(e->name);
    free(e->defines);
    glDeleteProgram(p);
    return rwkv_errorf(err, RWKV_ERR_NOMEM, "shader \"%s\": out of memory", name);
  }
  e->prog = p;
  g->n_progs++;
  *prog = p;
  return RWKV_OK;
}

/* Queue (name, defines) for *prog; lazy: it may stay unbuilt past the upload batch. */
static int queue_program(rwkv_gpu *g, const char *name, const char *defines, unsigned *prog, int lazy,
                         rwkv_error *err) {
  if (!defines) defines = "";
  *prog = 0;
  for (size_t i = 0; i < g->n_progs; i++)
    if (strcmp(g->progs[i].name, name) == 0 && strcmp(g->progs[i].defines, defines) == 0) {
      *prog = g->progs[i].prog;
      return RWKV_OK;
    }
  if (g->n_soon == g->cap_soon) {
    size_t nc = g->cap_soon ? g->cap_soon * 2 : 32;
    struct soon_entry *ns = realloc(g->soon, nc * sizeof *ns);
    if (!ns) return rwkv_gpu_program(g, name, defines, prog, err); /* (now, then) */
    g->soon = ns;
    g->cap_soon = nc;
  }
  struct soon_entry *e = &g->soon[g->n_soon];
  memset(e, 0, sizeof *e);
  e->name = dupstr(name);
  e->defines = dupstr(defines);
  e->slot = prog;
  e->lazy = lazy;
  if (!e->name || !e->defines) {
    free(e->name);
    free(e->defines);
    return rwkv_gpu_program(g, name, defines, prog, err);
  }
  g->n_soon++;
  g->soon_pending++;
  return RWKV_OK;
}

int rwkv_gpu_program_soon(rwkv_gpu *g, const char *name, const char *defines, unsigned *prog,
                          rwkv_error *err) {
  if (!g || !g->defer || !g->soon_on || !name || !prog) return rwkv_gpu_program(g, name, defines, prog, err);
  return queue_program(g, name, defines, prog, 0, err);
}

int rwkv_gpu_program_lazy(rwkv_gpu *g, const char *name, const char *defines, unsigned *prog,
                          rwkv_error *err) {
  if (!g || !g->defer || !g->soon_on || !g->lazy_on || !name || !prog)
    return rwkv_gpu_program_soon(g, name, defines, prog, err);
  return queue_program(g, name, defines, prog, 1, err);
}

/* Entry i is built (or dropped): its strings go; an all-done queue is emptied. */
static void entry_done(rwkv_gpu *g, size_t i) {
  struct soon_entry *e = &g->soon[i];
  if (e->done) return;
  free(e->name);
  free(e->defines);
  e->name = e->defines = NULL;
  e->done = 1;
  if (--g->soon_pending == 0) {
    free(g->soon);
    g->soon = NULL;
    g->n_soon = g->cap_soon = 0;
  }
}

/* The first queued entry left to build: a non-lazy one (lazy 0; none after a failure) or a
 * lazy one that did not fail in the background (lazy 1); -1 if none. */
static long soon_pick(const rwkv_gpu *g, int lazy) {
  if (!lazy && g->soon_rc != RWKV_OK) return -1;
  for (size_t i = 0; i < g->n_soon; i++) {
    const struct soon_entry *e = &g->soon[i];
    if (!e->done && e->lazy == lazy && !e->failed && !(lazy && e->uncached)) return (long)i;
  }
  return -1;
}

/* Whether a queued program needed by the batch's end is left to build. */
static int soon_left(const rwkv_gpu *g) { return g->soon_pending && soon_pick(g, 0) >= 0; }

/* Build the next queued program the batch needs; `hidden`: in a wait of the upload. */
static void soon_build(rwkv_gpu *g, int hidden) {
  long i = g->soon_pending ? soon_pick(g, 0) : -1;
  if (i < 0) return;
  struct soon_entry *e = &g->soon[i];
  double t0 = gpu_now_ms();
  unsigned p = 0, built = g->stats.programs;
  g->soon_rc = rwkv_gpu_program(g, e->name, e->defines, &p, &g->soon_err);
  if (g->soon_rc == RWKV_OK) *e->slot = p;
  if (g->soon_rc == RWKV_OK && g->touch_on && g->stats.programs > built) program_touch(g, p);
  if (hidden) g->stats.program_soon_ms += gpu_now_ms() - t0;
  entry_done(g, (size_t)i);
}

/* Build lazy programs while the GPU is busy (rwkv_gpu_read is about to wait for it; not
 * rwkv_gpu_wait: a load's final wait should not run past the copies): one at a time, while
 * a fence says the GPU has work left, and only from the shader cache (~1 ms each on NVIDIA):
 * a compile (50-200 ms) would hold the read-back far past the GPU's work (H100, first passes
 * after a load on a machine whose cache lacked the prefill kernels: a pass + logits read back
 * 108-221 ms against 5; bench/h100_s15m.sh). A failure, or a program not in the cache, is
 * left for rwkv_gpu_program_need. */
static void idle_build(rwkv_gpu *g) {
  if (!g->soon_pending || g->defer || soon_pick(g, 1) < 0) return;
  GLsync f = glFenceSync(GL_SYNC_GPU_COMMANDS_COMPLETE, 0);
  if (!f) return;
  long i;
  while ((i = soon_pick(g, 1)) >= 0 && glClientWaitSync(f, GL_SYNC_FLUSH_COMMANDS_BIT, 0) == GL_TIMEOUT_EXPIRED) {
    struct soon_entry *e = &g->soon[i];
    double t0 = gpu_now_ms();
    unsigned p = 0;
    g->cache_only = 1;
    int rc = rwkv_gpu_program(g, e->name, e->defines, &p, NULL);
    g->cache_only = 0;
    if (rc == RWKV_OK) {
      *e->slot = p;
      entry_done(g, (size_t)i);
    } else if (rc == BUILD_UNCACHED) {
      e->uncached = 1;
    } else {
      e->failed = 1;
    }
    g->stats.program_idle_ms += gpu_now_ms() - t0;
  }
  glDeleteSync(f);
}

int rwkv_gpu_program_need(rwkv_gpu *g, const unsigned *prog, rwkv_error *err) {
  if (!g || !prog) return rwkv_errorf(err, RWKV_ERR_ARG, "gpu_program_need: NULL argument");
  for (size_t i = 0; i < g->n_soon; i++) {
    struct soon_entry *e = &g->soon[i];
    if (e->done || e->slot != prog) continue;
    if (*prog) { /* (set meanwhile by its owner) */
      entry_done(g, i);
      return RWKV_OK;
    }
    unsigned p = 0;
    int rc = rwkv_gpu_program(g, e->name, e->defines, &p, err);
    if (rc) return rc;
    *e->slot = p;
    entry_done(g, i);
    return RWKV_OK;
  }
  return *prog ? RWKV_OK : rwkv_errorf(err, RWKV_ERR_ARG, "gpu_program_need: no program asked for there");
}

int rwkv_gpu_program_build_queued(rwkv_gpu *g, rwkv_error *err) {
  if (!g) return rwkv_errorf(err, RWKV_ERR_ARG, "gpu_program_build_queued: NULL context");
  int rc = RWKV_OK;
  for (size_t i = 0; i < g->n_soon && g->soon_pending;) {
    struct soon_entry *e = &g->soon[i];
    if (e->done || (!e->lazy && g->defer)) { /* (a batch's own: its upload_done builds them) */
      i++;
      continue;
    }
    int r = rwkv_gpu_program_need(g, e->slot, rc == RWKV_OK ? err : NULL);
    if (r != RWKV_OK) {
      if (rc == RWKV_OK) rc = r;
      entry_done(g, i); /* (a failure is reported once; its slot stays 0) */
    }
    if (!g->soon) break;
    i++;
  }
  return rc;
}

void rwkv_gpu_program_forget(rwkv_gpu *g, const void *p, size_t bytes) {
  if (!g || !p) return;
  const char *lo = p, *hi = lo + bytes;
  for (size_t i = 0; i < g->n_soon; i++) {
    const char *s = (const char *)g->soon[i].slot;
    if (!g->soon[i].done && s >= lo && s < hi) entry_done(g, i);
  }
}

/* Forget the queue (built or not); returns the first failure of a needed one, into err. */
static int soon_drop(rwkv_gpu *g, rwkv_error *err) {
  int rc = g->soon_rc;
  if (rc != RWKV_OK && err) *err = g->soon_err;
  for (size_t i = 0; i < g->n_soon; i++) {
    free(g->soon[i].name);
    free(g->soon[i].defines);
  }
  free(g->soon);
  g->soon = NULL;
  g->n_soon = g->cap_soon = g->soon_pending = 0;
  g->soon_rc = RWKV_OK;
  return rc;
}

static const char *gl_err_name(GLenum e) {
  switch (e) {
  case GL_INVALID_ENUM: return "GL_INVALID_ENUM";
  case GL_INVALID_VALUE: return "GL_INVALID_VALUE";
  case GL_INVALID_OPERATION: return "GL_INVALID_OPERATION";
  case GL_OUT_OF_MEMORY: return "GL_OUT_OF_MEMORY";
  case GL_INVALID_FRAMEBUFFER_OPERATION: return "GL_INVALID_FRAMEBUFFER_OPERATION";
  default: return "GL error";
  }
}

static size_t size_slot(const rwkv_gpu *g, unsigned id) {
  size_t h = (id * 2654435761u) & (g->cap_sizes - 1);
  while (g->sizes[h].id && g->sizes[h].id != id) h = (h + 1) & (g->cap_sizes - 1);
  return h;
}

/* Remember (or with bytes == 0 forget) a buffer's size; failure to grow the
 * table only loses the fast path (rwkv_gpu_buffer_size then returns 0). */
static void size_note(rwkv_gpu *g, unsigned id, uint64_t bytes) {
  if (!id) return;
  if (bytes && 2 * (g->n_sizes + 1) > g->cap_sizes) {
    size_t cap = g->cap_sizes ? 2 * g->cap_sizes : 256;
    size_entry *old = g->sizes;
    size_t old_cap = g->cap_sizes;
    g->sizes = calloc(cap, sizeof *g->sizes);
    if (!g->sizes) {
      g->sizes = old;
      return;
    }
    g->cap_sizes = cap;
    g->n_sizes = 0;
    for (size_t i = 0; i < old_cap; i++) {
      if (old[i].id) {
        g->sizes[size_slot(g, old[i].id)] = old[i];
        g->n_sizes++;
      }
    }
    free(old);
  }
  if (!g->cap_sizes) return;
  size_t h = size_slot(g, id);
  if (bytes) {
    if (!g->sizes[h].id) g->n_sizes++;
    g->sizes[h].id = id;
    g->sizes[h].bytes = bytes;
  } else if (g->sizes[h].id) {
    /* delete with backward shift so probe chains stay intact */
    g->sizes[h].id = 0;
    g->n_sizes--;
    for (size_t j = (h + 1) & (g->cap_sizes - 1); g->sizes[j].id; j = (j + 1) & (g->cap_sizes - 1)) {
      size_entry e = g->sizes[j];
      g->sizes[j].id = 0;
      g->sizes[size_slot(g, e.id)] = e;
    }
  }
}

uint64_t rwkv_gpu_buffer_size(const rwkv_gpu *g, unsigned buf) {
  if (!g || !buf || !g->cap_sizes) return 0;
  size_t h = size_slot(g, buf);
  return g->sizes[h].id ? g->sizes[h].bytes : 0;
}

static int buffer_new(rwkv_gpu *g, uint64_t bytes, const void *data, GLenum usage, unsigned *buf,
                      rwkv_error *err);

int rwkv_gpu_buffer(rwkv_gpu *g, uint64_t bytes, const void *data, unsigned *buf,
                    rwkv_error *err) {
  return buffer_new(g, bytes, data, data ? GL_STATIC_DRAW : GL_DYNAMIC_DRAW, buf, err);
}

/* One allocation with its final usage: respecifying a fresh buffer costs the driver a
 * second allocation (a model has hundreds of weight buffers). */
static int buffer_new(rwkv_gpu *g, uint64_t bytes, const void *data, GLenum usage, unsigned *buf,
                      rwkv_error *err) {
  if (buf) *buf = 0;
  if (!g || !buf) return rwkv_errorf(err, RWKV_ERR_ARG, "gpu_buffer: NULL argument");
  if (bytes == 0) return rwkv_errorf(err, RWKV_ERR_ARG, "gpu_buffer: zero-size buffer");
  if (bytes > (uint64_t)PTRDIFF_MAX)
    return rwkv_errorf(err, RWKV_ERR_GPU, "gpu_buffer: %llu bytes is too large",
                       (unsigned long long)bytes);
  if (g->limit && (bytes > g->limit || g->bytes > g->limit - bytes))
    return rwkv_errorf(err, RWKV_ERR_GPU,
                       "gpu_buffer: out of GPU memory: %llu bytes requested, %llu of the %llu-byte limit in use",
                       (unsigned long long)bytes, (unsigned long long)g->bytes, (unsigned long long)g->limit);
  int rc = rwkv_gpu_make_current(g, err);
  if (rc) return rc;
  while (glGetError() != GL_NO_ERROR) {
  }
  GLuint b = 0;
  glGenBuffers(1, &b);
  if (!b) return rwkv_errorf(err, RWKV_ERR_GPU, "gpu_buffer: glGenBuffers failed");
  glBindBuffer(GL_SHADER_STORAGE_BUFFER, b);
  glBufferData(GL_SHADER_STORAGE_BUFFER, (GLsizeiptr)bytes, data, usage);
  GLenum e = glGetError();
  glBindBuffer(GL_SHADER_STORAGE_BUFFER, 0);
  if (e != GL_NO_ERROR) {
    glDeleteBuffers(1, &b);
    return rwkv_errorf(err, RWKV_ERR_GPU, "gpu_buffer: glBufferData(%llu bytes) failed: %s%s",
                       (unsigned long long)bytes, gl_err_name(e),
                       e == GL_OUT_OF_MEMORY ? " (out of GPU memory)" : "");
  }
  *buf = b;
  g->bytes += bytes;
  size_note(g, b, bytes);
  return RWKV_OK;
}

int rwkv_gpu_read(rwkv_gpu *g, unsigned buf, uint64_t offset, uint64_t bytes, void *dst, const char *what,
                  rwkv_error *err) {
  if (!g || !buf || !dst || !bytes) return rwkv_errorf(err, RWKV_ERR_ARG, "gpu_read: %s: bad arguments", what);
  int rc = rwkv_gpu_make_current(g, err);
  if (rc) return rc;
  g->waits++;
  glMemoryBarrier(GL_BUFFER_UPDATE_BARRIER_BIT);
  /* On GPUs a large read goes through a GL_STREAM_READ staging buffer (a copy on the GPU,
   * then a map of host-side memory): mapping a device buffer for reading ran at ~0.9 GB/s
   * on the H100 (a 2.9B model's 21.6 MB state: 25 ms). RWKV_READ_STAGING=0|1 overrides. */
  int st = -1;
  if (env_int("RWKV_READ_STAGING", &st) != 1) st = !g->info.software && bytes >= (256u << 10);
  if (st && g->rb_cap < bytes) {
    if (g->rb_buf) glDeleteBuffers(1, &g->rb_buf);
    g->rb_buf = 0;
    g->rb_cap = 0;
    while (glGetError() != GL_NO_ERROR) {
    }
    glGenBuffers(1, &g->rb_buf);
    glBindBuffer(GL_COPY_WRITE_BUFFER, g->rb_buf);
    glBufferData(GL_COPY_WRITE_BUFFER, (GLsizeiptr)bytes, NULL, GL_STREAM_READ);
    glBindBuffer(GL_COPY_WRITE_BUFFER, 0);
    if (glGetError() == GL_NO_ERROR) g->rb_cap = bytes;
    else st = 0; /* no staging memory: map the buffer itself */
  }
  GLenum tgt = GL_SHADER_STORAGE_BUFFER;
  GLintptr at = (GLintptr)offset;
  if (st) {
    glBindBuffer(GL_COPY_READ_BUFFER, buf);
    glBindBuffer(GL_COPY_WRITE_BUFFER, g->rb_buf);
    glCopyBufferSubData(GL_COPY_READ_BUFFER, GL_COPY_WRITE_BUFFER, at, 0, (GLsizeiptr)bytes);
    glBindBuffer(GL_COPY_READ_BUFFER, 0);
    tgt = GL_COPY_WRITE_BUFFER;
    at = 0;
  } else {
    glBindBuffer(tgt, buf);
  }
  idle_build(g); /* (the map waits for the GPU) */
  const void *p = glMapBufferRange(tgt, at, (GLsizeiptr)bytes, GL_MAP_READ_BIT);
  if (p) {
    memcpy(dst, p, (size_t)bytes);
    glUnmapBuffer(tgt);
  }
  glBindBuffer(tgt, 0);
  rc = rwkv_gpu_check(g, what, err); /* the map waited for the GPU anyway */
  if (!rc && !p) rc = rwkv_errorf(err, RWKV_ERR_GPU, "%s: mapping the buffer failed", what);
  return rc;
}

int rwkv_gpu_check(rwkv_gpu *g, const char *what, rwkv_error *err) {
  if (!g) return rwkv_errorf(err, RWKV_ERR_ARG, "gpu_check: NULL context");
  GLenum e = glGetError();
  if (e == GL_NO_ERROR) return RWKV_OK;
  while (glGetError() != GL_NO_ERROR) {
  }
  return rwkv_errorf(err, RWKV_ERR_GPU, "%s: %s%s", what ? what : "gpu", gl_err_name(e),
                     e == GL_OUT_OF_MEMORY ? " (out of GPU memory)" : "");
}

uint64_t rwkv_gpu_bytes(const rwkv_gpu *g) { return g ? g->bytes : 0; }
uint64_t rwkv_gpu_waits(const rwkv_gpu *g) { return g ? g->waits : 0; }

/* Put the fence that ring_take left owed (see fence_owed), after the copies out of its slot. */
static void ring_fence_owed(rwkv_gpu *g) {
  if (!g->fence_owed) return;
  unsigned i = g->fence_owed - 1;
  g->fence_owed = 0;
  g->ring[i].fence = glFenceSync(GL_SYNC_GPU_COMMANDS_COMPLETE, 0);
  glFlush();
}

void rwkv_gpu_buffer_free(rwkv_gpu *g, unsigned buf, uint64_t bytes) {
  if (!g || !buf) return;
  if (rwkv_gpu_make_current(g, NULL) != RWKV_OK) return;
  if (g->pend.set && g->pend.dst == buf) { /* its deferred copy is moot */
    g->pend.set = 0;
    ring_fence_owed(g);
  }
  GLuint b = buf;
  glDeleteBuffers(1, &b);
  size_note(g, buf, 0);
  g->bytes = g->bytes >= bytes ? g->bytes - bytes : 0;
}


int rwkv_gpu_wait(rwkv_gpu *g, rwkv_error *err) {
  if (!g) return rwkv_errorf(err, RWKV_ERR_ARG, "gpu_wait: NULL context");
  int rc = rwkv_gpu_make_current(g, err);
  if (rc) return rc;
  g->waits++;
  /* A fence, not glFinish: on the H100 the first glFinish after a read-back returned 15-35
   * ms after the GPU was done (a 4.3 ms 2.9B decode pass: 21-39 ms; bench/h100_s13g.sh) */
  GLsync f = glFenceSync(GL_SYNC_GPU_COMMANDS_COMPLETE, 0);
  if (!f) {
    glFinish();
    return rwkv_gpu_check(g, "gpu_wait", err);
  }
  GLenum r;
  while ((r = glClientWaitSync(f, GL_SYNC_FLUSH_COMMANDS_BIT, 1000000000ull)) == GL_TIMEOUT_EXPIRED) {
  }
  glDeleteSync(f);
  if (r == GL_WAIT_FAILED) return rwkv_gpu_check(g, "gpu_wait (glClientWaitSync)", err);
  return RWKV_OK;
}

/* Issue the deferred copy, if any; a GL error is returned (the data did not arrive). */
static int flush_pending(rwkv_gpu *g, rwkv_error *err) {
  if (!g->pend.set) {
    ring_fence_owed(g);
    return RWKV_OK;
  }
  g->pend.set = 0;
  double t0 = gpu_now_ms();
  glBindBuffer(GL_COPY_READ_BUFFER, g->pend.src);
  glBindBuffer(GL_COPY_WRITE_BUFFER, g->pend.dst);
  glCopyBufferSubData(GL_COPY_READ_BUFFER, GL_COPY_WRITE_BUFFER, (GLintptr)g->pend.off,
                      (GLintptr)g->pend.dst_off, (GLsizeiptr)g->pend.bytes);
  GLenum e = glGetError();
  glBindBuffer(GL_COPY_READ_BUFFER, 0);
  glBindBuffer(GL_COPY_WRITE_BUFFER, 0);
  ring_fence_owed(g);
  g->stats.fill_copy_ms += gpu_now_ms() - t0;
  if (e == GL_NO_ERROR) {
    g->stats.ring_bytes += g->pend.bytes;
    g->stats.fill_copies++;
    return RWKV_OK;
  }
  return rwkv_errorf(err, RWKV_ERR_GPU, "gpu upload: copying %llu bytes from the upload ring failed: %s%s",
                     (unsigned long long)g->pend.bytes, gl_err_name(e),
                     e == GL_OUT_OF_MEMORY ? " (out of GPU memory)" : "");
}

/* The copy of bytes [from, to) of what was packed at ring offset roff of the current slot,
 * to dst at base + from, is the one to issue next (flush_pending). */
static void set_pending(rwkv_gpu *g, GLuint dst, uint64_t base, uint64_t roff, uint64_t from, uint64_t to) {
  g->pend.set = 1;
  g->pend.src = g->ring[g->ring_cur].buf;
  g->pend.dst = dst;
  g->pend.off = roff + from;
  g->pend.dst_off = base + from;
  g->pend.bytes = to - from;
}

static void *filler_main(void *p) {
  rwkv_gpu *g = p;
  pthread_mutex_lock(&g->filler.mu);
  for (;;) {
    while (!g->filler.busy && !g->filler.quit) pthread_cond_wait(&g->filler.cv, &g->filler.mu);
    if (g->filler.quit) break;
    pthread_mutex_unlock(&g->filler.mu);
    double t0 = gpu_now_ms();
    g->filler.fn(g->filler.ctx, g->filler.dst);
    g->stats.fill_pack_ms += gpu_now_ms() - t0; /* (read by the GL thread after the join) */
    pthread_mutex_lock(&g->filler.mu);
    g->filler.busy = 0;
    pthread_cond_broadcast(&g->filler.cv);
  }
  pthread_mutex_unlock(&g->filler.mu);
  return NULL;
}

static int filler_start(rwkv_gpu *g) {
  if (g->filler.started) return 1;
  if (pthread_mutex_init(&g->filler.mu, NULL) != 0) return 0;
  if (pthread_cond_init(&g->filler.cv, NULL) != 0) {
    pthread_mutex_destroy(&g->filler.mu);
    return 0;
  }
  g->filler.quit = g->filler.busy = 0;
  if (pthread_create(&g->filler.th, NULL, filler_main, g) != 0) {
    pthread_cond_destroy(&g->filler.cv);
    pthread_mutex_destroy(&g->filler.mu);
    return 0;
  }
  g->filler.started = 1;
  return 1;
}

static void filler_stop(rwkv_gpu *g) {
  if (!g->filler.started) return;
  pthread_mutex_lock(&g->filler.mu);
  g->filler.quit = 1;
  pthread_cond_broadcast(&g->filler.cv);
  pthread_mutex_unlock(&g->filler.mu);
  pthread_join(g->filler.th, NULL);
  pthread_cond_destroy(&g->filler.cv);
  pthread_mutex_destroy(&g->filler.mu);
  g->filler.started = 0;
}

void rwkv_gpu_fill_progress(rwkv_gpu *g, uint64_t bytes) {
  if (!g || !g->filler.started) return;
  pthread_mutex_lock(&g->filler.mu);
  if (g->filler.busy && pthread_equal(pthread_self(), g->filler.th)) {
    g->filler.progress = bytes;
    pthread_cond_broadcast(&g->filler.cv);
  }
  pthread_mutex_unlock(&g->filler.mu);
}

void rwkv_gpu_upload_begin(rwkv_gpu *g, uint64_t largest) {
  if (!g) return;
  g->defer = 1;
  g->largest = largest;
}

int rwkv_gpu_upload_done(rwkv_gpu *g, rwkv_error *err) {
  if (!g) return RWKV_OK;
  int rc = flush_pending(g, err);
  while (soon_left(g)) soon_build(g, 0); /* (the last copy runs meanwhile) */
  g->defer = 0;
  if (g->soon_rc != RWKV_OK) { /* a needed one failed: report it, drop the rest */
    int rc2 = soon_drop(g, rc == RWKV_OK ? err : NULL);
    if (rc == RWKV_OK) rc = rc2;
  }
  if (g->ring_state != 1) return rc;
  for (unsigned i = 0; i < g->ring_n; i++) {
    if (g->ring[i].fence) glDeleteSync(g->ring[i].fence);
    if (g->ring[i].buf) {
      glBindBuffer(GL_COPY_READ_BUFFER, g->ring[i].buf);
      glUnmapBuffer(GL_COPY_READ_BUFFER);
      glBindBuffer(GL_COPY_READ_BUFFER, 0);
      glDeleteBuffers(1, &g->ring[i].buf); /* the GL keeps it until queued copies are done */
    }
    memset(&g->ring[i], 0, sizeof g->ring[i]);
  }
  g->ring_state = 0;
  g->ring_used = 0;
  g->ring_cur = 0;
  g->largest = 0;
  return rc;
}

/* Set the ring up on first use: on GPUs (llvmpipe's mapping is a plain memcpy
 * already) with EXT_buffer_storage; RWKV_UPLOAD_RING=0|1|2 overrides (tests: off, on with 1 MB
 * slots so that it wraps, on with the slots a GPU gets). */
static int ring_start(rwkv_gpu *g) {
  int env = -1;
  if (env_int("RWKV_UPLOAD_RING", &env) != 1) env = -1;
  const char *ext = (const char *)glGetString(GL_EXTENSIONS);
  PFNGLBUFFERSTORAGEEXTPROC storage =
      (PFNGLBUFFERSTORAGEEXTPROC)eglGetProcAddress("glBufferStorageEXT");
  if (env == 0 || (env != 1 && env != 2 && g->info.software) || !storage || !has_ext(ext, "GL_EXT_buffer_storage"))
    return g->ring_state = -1;
  /* slots of the smallest power of two that holds the batch's largest whole fill, 16..64 MB
   * (64 when not known): the ring's host memory costs a process's first load ~0.3 ms a MB
   * (pinned as the buffers are made, ~0 in later loads), and a weight bigger than a slot goes
   * in pieces, which left the 2.9B F16's packing far less hidden (H100, first loads in fresh
   * processes: 0.1B F16 224 -> 176 ms with 16 MB slots instead of 64, bench/h100_s15d.sh;
   * 2.9B Q4_K_M 329 -> 291 ms with 32 MB slots and the early slot switch, F16 with 32 MB
   * slots 645 -> 792, its packing not hidden 82 -> 194 ms, bench/h100_s15j.sh) */
  g->ring_slot = 64ull << 20;
  while (g->largest && g->ring_slot > (16ull << 20) && g->ring_slot / 2 >= g->largest) g->ring_slot >>= 1;
  if (env == 1) g->ring_slot = 1ull << 20; /* tests: small slots, so the ring wraps */
  int mb = 0; /* RWKV_UPLOAD_SLOT_MB=<1..1024>: slot size (tuning) */
  if (env_int("RWKV_UPLOAD_SLOT_MB", &mb) == 1 && mb >= 1 && mb <= 1024) g->ring_slot = (uint64_t)mb << 20;
  int kb = 0; /* RWKV_UPLOAD_SLOT_KB=<4..1048576>: tests (a tiny model's weights in pieces) */
  if (env_int("RWKV_UPLOAD_SLOT_KB", &kb) == 1 && kb >= 4 && kb <= (1 << 20)) g->ring_slot = (uint64_t)kb << 10;
  int ns = 0; /* RWKV_UPLOAD_SLOTS=<2..4>: slots (tuning) */
  g->ring_n = env_int("RWKV_UPLOAD_SLOTS", &ns) == 1 && ns >= 2 && ns <= RING_SLOTS ? (unsigned)ns : 3;
  while (glGetError() != GL_NO_ERROR) {
  }
  double t0 = gpu_now_ms();
  for (unsigned i = 0; i < g->ring_n; i++) {
    glGenBuffers(1, &g->ring[i].buf);
    glBindBuffer(GL_COPY_READ_BUFFER, g->ring[i].buf);
    storage(GL_COPY_READ_BUFFER, (GLsizeiptr)g->ring_slot, NULL,
            GL_MAP_WRITE_BIT | GL_MAP_PERSISTENT_BIT_EXT | GL_MAP_COHERENT_BIT_EXT |
                GL_CLIENT_STORAGE_BIT_EXT);
    g->ring[i].ptr = glMapBufferRange(GL_COPY_READ_BUFFER, 0, (GLsizeiptr)g->ring_slot,
                                      GL_MAP_WRITE_BIT | GL_MAP_PERSISTENT_BIT_EXT |
                                          GL_MAP_COHERENT_BIT_EXT);
    if (!g->ring[i].ptr) break;
  }
  glBindBuffer(GL_COPY_READ_BUFFER, 0);
  g->ring_state = 1;
  g->stats.ring_start_ms += gpu_now_ms() - t0;
  if (glGetError() != GL_NO_ERROR || !g->ring[g->ring_n - 1].ptr) {
    rwkv_gpu_upload_done(g, NULL);
    while (glGetError() != GL_NO_ERROR) {
    }
    return g->ring_state = -1;
  }
  g->ring_used = 0;
  g->ring_cur = 0;
  return 1;
}

/* Room for `bytes` in the current slot (the next one, once the GPU is done with
 * it, when the current one is full); NULL when the ring is off or too small. */
static uint8_t *ring_take(rwkv_gpu *g, uint64_t bytes, uint64_t *off, rwkv_error *err, int *rc) {
  if (g->ring_state == 0) ring_start(g);
  if (g->ring_state != 1 || bytes > g->ring_slot) return NULL;
  if (g->ring_used + bytes > g->ring_slot) {
    /* the slot's fence goes after every copy out of it; a copy still pending (the last
     * buffer's, issued while the next one is packed) owes it, so that the packing into the
     * next slot need not wait for that copy (RWKV_UPLOAD_EARLY_SWITCH=0: issue it first) */
    if (g->fence_owed && (*rc = flush_pending(g, err)) != RWKV_OK) return NULL; /* (not expected) */
    if (g->early_switch && g->pend.set && g->pend.src == g->ring[g->ring_cur].buf) {
      g->fence_owed = g->ring_cur + 1;
    } else {
      if ((*rc = flush_pending(g, err)) != RWKV_OK) return NULL; /* it reads this slot */
      g->ring[g->ring_cur].fence = glFenceSync(GL_SYNC_GPU_COMMANDS_COMPLETE, 0);
      glFlush();
    }
    g->ring_cur = (g->ring_cur + 1) % g->ring_n;
    g->ring_used = 0;
    GLsync f = g->ring[g->ring_cur].fence;
    if (f) {
      /* a slot is written again only after its copies ran; queued programs are built
       * meanwhile */
      while (soon_left(g) && glClientWaitSync(f, 0, 0) == GL_TIMEOUT_EXPIRED) soon_build(g, 1);
      while (glClientWaitSync(f, GL_SYNC_FLUSH_COMMANDS_BIT, 1000000000ull) == GL_TIMEOUT_EXPIRED) {
      }
      glDeleteSync(f);
      g->ring[g->ring_cur].fence = NULL;
    }
  }
  *off = g->ring_used;
  g->ring_used += (bytes + 255u) & ~(uint64_t)255u;
  return g->ring[g->ring_cur].ptr + *off;
}
int rwkv_gpu_scratch(rwkv_gpu *g, unsigned slot, uint64_t bytes, unsigned *buf, rwkv_error *err) {
  if (buf) *buf = 0;
  if (!g || !buf || slot >= RWKV_GPU_SCRATCH_SLOTS || bytes == 0 || bytes > (1ull << 60))
    return rwkv_errorf(err, RWKV_ERR_ARG, "gpu_scratch: bad arguments (slot %u, %llu bytes)", slot,
                       (unsigned long long)bytes);
  if (g->scratch[slot] && g->scratch_bytes[slot] >= bytes) {
    *buf = g->scratch[slot];
    return RWKV_OK;
  }
  /* grow by at least 1.5x so a slowly growing caller does not reallocate every time */
  uint64_t want = g->scratch_bytes[slot] + g->scratch_bytes[slot] / 2;
  if (want < bytes) want = bytes;
  want = (want + 65535u) & ~(uint64_t)65535u;
  rwkv_gpu_buffer_free(g, g->scratch[slot], g->scratch_bytes[slot]);
  g->scratch[slot] = 0;
  g->scratch_bytes[slot] = 0;
  uint64_t got = want;
  int rc = rwkv_gpu_buffer(g, want, NULL, &g->scratch[slot], NULL);
  if (rc != RWKV_OK) { /* no room for the slack: the exact size */
    got = bytes;
    rc = rwkv_gpu_buffer(g, bytes, NULL, &g->scratch[slot], err);
  }
  if (rc != RWKV_OK) {
    rwkv_error_prefix(err, "gpu_scratch: slot %u", slot);
    return rc;
  }
  g->scratch_bytes[slot] = got;
  *buf = g->scratch[slot];
  return RWKV_OK;
}

void rwkv_gpu_scratch_use(rwkv_gpu *g, int delta) {
  if (!g) return;
  g->scratch_users += delta;
  if (g->scratch_users <= 0) {
    g->scratch_users = 0;
    rwkv_gpu_scratch_free(g);
  }
}

void rwkv_gpu_scratch_free(rwkv_gpu *g) {
  if (!g) return;
  for (unsigned i = 0; i < RWKV_GPU_SCRATCH_SLOTS; i++) {
    rwkv_gpu_buffer_free(g, g->scratch[i], g->scratch_bytes[i]);
    g->scratch[i] = 0;
    g->scratch_bytes[i] = 0;
  }
}

/* Pack `bytes` into the ring at rp (offset roff of the current slot) with fill, and copy them
 * out to buffer b at base. Between upload_begin and _done the copy is deferred: the packing
 * runs on the filler thread while this thread issues the last buffer's copy (blocking at the
 * DMA's speed on NVIDIA) and the copies of what the fill reports final; otherwise the copy is
 * issued here, before returning. fill_ms counts the packing the copies did not hide. */
static int ring_fill(rwkv_gpu *g, GLuint b, uint64_t base, uint64_t bytes, rwkv_gpu_fill_fn fill, void *ctx,
                     uint8_t *rp, uint64_t roff, rwkv_error *err) {
  double t1 = gpu_now_ms();
  double copy0 = g->stats.fill_copy_ms, soon0 = g->stats.program_soon_ms;
  int async = g->defer && filler_start(g);
  g->nt_on = g->nt; /* (host memory of ours: streaming stores pay; not in the driver's mappings) */
  if (async) {
    pthread_mutex_lock(&g->filler.mu);
    g->filler.fn = fill;
    g->filler.ctx = ctx;
    g->filler.dst = rp;
    g->filler.progress = 0;
    g->filler.busy = 1;
    pthread_cond_broadcast(&g->filler.cv);
    pthread_mutex_unlock(&g->filler.mu);
  } else {
    fill(ctx, rp);
    g->stats.fill_pack_ms += gpu_now_ms() - t1;
  }
  int rc = flush_pending(g, err);
  uint64_t done = 0; /* bytes copied out already */
  if (async) {
    /* copy out what the fill reports final while it packs the rest (a fill that reports
     * nothing is copied whole on the next call): the copies keep up with the packing
     * whatever the sizes of consecutive buffers */
    pthread_mutex_lock(&g->filler.mu);
    while (g->filler.busy) {
      uint64_t p = g->filler.progress;
      if (rc == RWKV_OK && p > done && p <= bytes) {
        pthread_mutex_unlock(&g->filler.mu);
        set_pending(g, b, base, roff, done, p);
        rc = flush_pending(g, err);
        done = p;
        pthread_mutex_lock(&g->filler.mu);
        continue;
      }
      if (soon_left(g)) { /* a queued program instead of waiting */
        pthread_mutex_unlock(&g->filler.mu);
        soon_build(g, 1);
        pthread_mutex_lock(&g->filler.mu);
        continue;
      }
      pthread_cond_wait(&g->filler.cv, &g->filler.mu);
    }
    pthread_mutex_unlock(&g->filler.mu);
  }
  g->nt_on = 0;
  g->stats.fill_ms += gpu_now_ms() - t1 - (g->stats.fill_copy_ms - copy0) - (g->stats.program_soon_ms - soon0);
  if (rc == RWKV_OK && done < bytes) {
    set_pending(g, b, base, roff, done, bytes);
    if (!g->defer) rc = flush_pending(g, err);
  }
  return rc;
}

int rwkv_gpu_buffer_fill(rwkv_gpu *g, uint64_t bytes, rwkv_gpu_fill_fn fill, void *ctx,
                         unsigned *buf, rwkv_error *err) {
  if (buf) *buf = 0;
  if (!g || !buf || !fill) return rwkv_errorf(err, RWKV_ERR_ARG, "gpu_buffer_fill: NULL argument");
  g->stats.fill_calls++;
  /* STATIC_DRAW: written once, read by every dispatch */
  double t0 = gpu_now_ms(), t1;
  int rc = buffer_new(g, bytes, NULL, GL_STATIC_DRAW, buf, err);
  t1 = gpu_now_ms();
  g->stats.fill_alloc_ms += t1 - t0;
  t0 = t1;
  if (rc) return rc;
  GLuint b = *buf;
  glBindBuffer(GL_SHADER_STORAGE_BUFFER, b);
  uint64_t roff = 0;
  double copy0 = g->stats.fill_copy_ms, soon0 = g->stats.program_soon_ms;
  uint8_t *rp = ring_take(g, bytes, &roff, err, &rc);
  if (rc) {
    glBindBuffer(GL_SHADER_STORAGE_BUFFER, 0);
    rwkv_gpu_buffer_free(g, b, bytes);
    *buf = 0;
    return rc;
  }
  if (rp) {
    /* ring_take waited for a slot (less the copy it issued and the programs built) */
    g->stats.fill_wait_ms += gpu_now_ms() - t0 - (g->stats.fill_copy_ms - copy0) - (g->stats.program_soon_ms - soon0);
    glBindBuffer(GL_SHADER_STORAGE_BUFFER, 0);
    rc = ring_fill(g, b, 0, bytes, fill, ctx, rp, roff, err);
    if (rc) {
      rwkv_gpu_buffer_free(g, b, bytes);
      *buf = 0;
    }
    return rc;
  }
  int map = 1; /* RWKV_UPLOAD_MAP=0: staging copy + glBufferData (for comparisons) */
  if (env_int("RWKV_UPLOAD_MAP", &map) != 1) map = 1;
  void *ptr = map ? glMapBufferRange(GL_SHADER_STORAGE_BUFFER, 0, (GLsizeiptr)bytes,
                                     GL_MAP_WRITE_BIT | GL_MAP_INVALIDATE_BUFFER_BIT)
                  : NULL;
  if (ptr) {
    t1 = gpu_now_ms();
    g->stats.fill_map_ms += t1 - t0;
    fill(ctx, ptr);
    t0 = gpu_now_ms();
    g->stats.fill_ms += t0 - t1;
    GLboolean unmapped = glUnmapBuffer(GL_SHADER_STORAGE_BUFFER);
    g->stats.fill_map_ms += gpu_now_ms() - t0;
    if (unmapped == GL_TRUE) {
      glBindBuffer(GL_SHADER_STORAGE_BUFFER, 0);
      return RWKV_OK;
    }
    /* GL_FALSE: the contents were lost (ES 3.1 6.3.1); write them again below */
  }
  while (glGetError() != GL_NO_ERROR) {
  }
  uint8_t *stage = bytes <= (uint64_t)SIZE_MAX ? malloc((size_t)bytes) : NULL;
  if (!stage) {
    glBindBuffer(GL_SHADER_STORAGE_BUFFER, 0);
    rwkv_gpu_buffer_free(g, b, bytes);
    *buf = 0;
    return rwkv_errorf(err, RWKV_ERR_NOMEM, "gpu_buffer_fill: no memory for a %llu-byte staging copy",
                       (unsigned long long)bytes);
  }
  fill(ctx, stage);
  glBufferData(GL_SHADER_STORAGE_BUFFER, (GLsizeiptr)bytes, stage, GL_STATIC_DRAW);
  free(stage);
  GLenum e = glGetError();
  glBindBuffer(GL_SHADER_STORAGE_BUFFER, 0);
  if (e != GL_NO_ERROR) {
    rwkv_gpu_buffer_free(g, b, bytes);
    *buf = 0;
    return rwkv_errorf(err, RWKV_ERR_GPU, "gpu_buffer_fill: glBufferData(%llu bytes) failed: %s%s",
                       (unsigned long long)bytes, gl_err_name(e),
                       e == GL_OUT_OF_MEMORY ? " (out of GPU memory)" : "");
  }
  return RWKV_OK;
}

uint64_t rwkv_gpu_piece_max(rwkv_gpu *g) {
  if (!g) return 0;
  if (g->ring_state == 0) ring_start(g);
  int pieces = 1; /* RWKV_UPLOAD_PIECES=0: buffers bigger than a slot mapped (comparisons) */
  if (env_int("RWKV_UPLOAD_PIECES", &pieces) != 1) pieces = 1;
  return g->ring_state == 1 && pieces ? g->ring_slot : 0;
}

typedef struct piece_job { /* one piece of rwkv_gpu_buffer_fill_pieces, as a whole fill */
  rwkv_gpu_piece_fn fill;
  void *ctx;
  uint64_t off, n;
} piece_job;
static void piece_fill(void *ctx, uint8_t *dst) {
  const piece_job *j = ctx;
  j->fill(j->ctx, dst, j->off, j->n);
}
typedef struct whole_piece {
  rwkv_gpu_piece_fn fill;
  void *ctx;
  uint64_t bytes;
} whole_piece;
static void whole_fill(void *ctx, uint8_t *dst) {
  const whole_piece *w = ctx;
  w->fill(w->ctx, dst, 0, w->bytes);
}

int rwkv_gpu_buffer_fill_pieces(rwkv_gpu *g, uint64_t bytes, uint64_t piece, rwkv_gpu_piece_fn fill, void *ctx,
                                unsigned *buf, rwkv_error *err) {
  if (buf) *buf = 0;
  if (!g || !buf || !fill || !piece) return rwkv_errorf(err, RWKV_ERR_ARG, "gpu_buffer_fill_pieces: bad arguments");
  uint64_t max = rwkv_gpu_piece_max(g);
  if (!max || bytes <= max || piece > max) { /* one fill: the ring when it fits, else mapped */
    whole_piece w = {fill, ctx, bytes};
    return rwkv_gpu_buffer_fill(g, bytes, whole_fill, &w, buf, err);
  }
  g->stats.fill_calls++;
  double t0 = gpu_now_ms();
  int rc = buffer_new(g, bytes, NULL, GL_STATIC_DRAW, buf, err);
  g->stats.fill_alloc_ms += gpu_now_ms() - t0;
  if (rc) return rc;
  piece_job pj = {fill, ctx, 0, 0};
  for (uint64_t off = 0; off < bytes && rc == RWKV_OK; off += piece) {
    uint64_t n = bytes - off < piece ? bytes - off : piece, roff = 0;
    double copy0 = g->stats.fill_copy_ms, soon0 = g->stats.program_soon_ms;
    t0 = gpu_now_ms();
    uint8_t *rp = ring_take(g, n, &roff, err, &rc); /* (issues the pending copy it needs) */
    g->stats.fill_wait_ms += gpu_now_ms() - t0 - (g->stats.fill_copy_ms - copy0) - (g->stats.program_soon_ms - soon0);
    if (rc) break;
    if (!rp) {
      rc = rwkv_errorf(err, RWKV_ERR_GPU, "gpu upload: no ring slot for a %llu-byte piece", (unsigned long long)n);
      break;
    }
    /* packed (on the filler thread in a batch) while the last piece's copy is issued */
    pj.off = off;
    pj.n = n;
    rc = ring_fill(g, *buf, off, n, piece_fill, &pj, rp, roff, err);
  }
  if (rc) {
    rwkv_gpu_buffer_free(g, *buf, bytes);
    *buf = 0;
  }
  return rc;
}

void rwkv_gpu_set_token_map(rwkv_gpu *g, unsigned map_buf, uint32_t off, uint32_t t_all, uint32_t t_live) {
  if (!g) return;
  int on = map_buf && t_live && t_live < t_all;
  g->tmap_buf = on ? map_buf : 0;
  g->tmap_off = on ? off : 0;
  g->tmap_all = on ? t_all : 0;
  g->tmap_live = on ? t_live : 0;
}

unsigned rwkv_gpu_token_map(const rwkv_gpu *g, uint32_t t, uint32_t *off, uint32_t *t_live) {
  if (!g || !g->tmap_buf || t != g->tmap_all) return 0;
  if (off) *off = g->tmap_off;
  if (t_live) *t_live = g->tmap_live;
  return g->tmap_buf;
}
