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
  int has_subgroup_clustered; /* ... and clustered operations (subgroupClusteredAdd) */
  int subgroup_size;    /* 0 when unknown */
  int max_shared;       /* GL_MAX_COMPUTE_SHARED_MEMORY_SIZE */
  int max_invocations;  /* GL_MAX_COMPUTE_WORK_GROUP_INVOCATIONS */
  int max_groups_x;     /* GL_MAX_COMPUTE_WORK_GROUP_COUNT[0] */
  long long max_ssbo;   /* GL_MAX_SHADER_STORAGE_BLOCK_SIZE */
  int max_ssbo_bindings;/* GL_MAX_SHADER_STORAGE_BUFFER_BINDINGS */
  int has_texture_buffer; /* GL_EXT_texture_buffer (or GLES 3.2) */
  long long max_texture_buffer; /* GL_MAX_TEXTURE_BUFFER_SIZE, texels */
} rwkv_gpu_info;

/* opts may be NULL (defaults + environment). On failure err lists every
 * platform tried and why it failed. Several contexts may be open at once (an embedder's
 * two models): closing one leaves the others working, also where they share one EGL
 * display that does not count references (gpu.c display_release). */
int rwkv_gpu_open(const rwkv_gpu_opts *opts, rwkv_gpu **out, rwkv_error *err);
void rwkv_gpu_close(rwkv_gpu *g);
const rwkv_gpu_info *rwkv_gpu_get_info(const rwkv_gpu *g);
/* Make g's context current on the calling thread. A context current on another thread
 * cannot be (EGL_BAD_ACCESS): that thread must release it first. */
int rwkv_gpu_make_current(rwkv_gpu *g, rwkv_error *err);
/* Release g's context from the calling thread where it is current there (queued work still
 * runs), so that another thread may make it current next. */
int rwkv_gpu_release_current(rwkv_gpu *g, rwkv_error *err);

/* Program for glsl/<name>.comp with `defines` (NULL or "#define A 1\n..."
 * lines) inserted after #version. Built once per (name, defines), owned by g.
 * name may join up to 3 shaders with '+' ("rwkv_wkv+rwkv_layer"): their texts follow
 * common.glsl in that order (a shader reusing another's functions).
 * Failures name the shader and carry the driver's log. */
int rwkv_gpu_program(rwkv_gpu *g, const char *name, const char *defines, unsigned *prog,
                     rwkv_error *err);
/* rwkv_gpu_program for a program not needed until the current upload batch ends: between
 * rwkv_gpu_upload_begin and _done a program not built yet is queued, *prog is 0 until it is
 * built, and it is built while the loading thread would otherwise wait (for a buffer's
 * packing or a ring slot) or, at the latest, in rwkv_gpu_upload_done, which returns the
 * first such build's error. So *prog must stay valid, and unread, until upload_done
 * (rwkv_gpu_close drops a queue left behind). Outside a batch: rwkv_gpu_program. */
int rwkv_gpu_program_soon(rwkv_gpu *g, const char *name, const char *defines, unsigned *prog,
                          rwkv_error *err);
/* rwkv_gpu_program_soon for a program that may be needed well after the batch (prefill
 * kernels, say): it may stay queued past rwkv_gpu_upload_done, *prog 0, and is built while
 * the caller later waits for the GPU (a read-back: rwkv_gpu_read; from the shader cache only,
 * as a compile would outlast the wait) or by rwkv_gpu_program_need, which every use must call
 * while *prog is 0. The owner of *prog
 * calls rwkv_gpu_program_forget before freeing it. RWKV_PROGRAM_LAZY=0: as _soon. */
int rwkv_gpu_program_lazy(rwkv_gpu *g, const char *name, const char *defines, unsigned *prog,
                          rwkv_error *err);
/* Build the queued program whose slot is prog, if *prog is 0 (its build's error, else
 * RWKV_OK; an error too when nothing was queued there). */
int rwkv_gpu_program_need(rwkv_gpu *g, const unsigned *prog, rwkv_error *err);
/* Build every program rwkv_gpu_program_lazy left queued (after a load: all of the model's
 * kernels ready before, say, timing its first prefill); the first failure is returned,
 * the others are built. */
int rwkv_gpu_program_build_queued(rwkv_gpu *g, rwkv_error *err);
/* Drop queued programs whose slots lie in [p, p + bytes). */
void rwkv_gpu_program_forget(rwkv_gpu *g, const void *p, size_t bytes);

/* New shader storage buffer of `bytes` (data may be NULL). Out-of-memory is an
 * error, never a crash; *buf is 0 on failure. */
int rwkv_gpu_buffer(rwkv_gpu *g, uint64_t bytes, const void *data, unsigned *buf,
                    rwkv_error *err);
/* Turn a pending glGetError into an error naming `what`. */
int rwkv_gpu_check(rwkv_gpu *g, const char *what, rwkv_error *err);
/* Wait until the GPU has run every command queued so far (a fence; glFinish where fences
 * fail). */
int rwkv_gpu_wait(rwkv_gpu *g, rwkv_error *err);
/* Total bytes of live buffers made through rwkv_gpu_buffer (for reporting). */
uint64_t rwkv_gpu_bytes(const rwkv_gpu *g);
/* How many times the CPU has waited for this context's GPU work (rwkv_gpu_read, rwkv_gpu_wait):
 * a change since a caller last looked means the GPU may have run dry meanwhile. */
uint64_t rwkv_gpu_waits(const rwkv_gpu *g);
void rwkv_gpu_buffer_free(rwkv_gpu *g, unsigned buf, uint64_t bytes);
/* Copy bytes [offset, offset+bytes) of buf into dst in one mapping, after
 * the writes of earlier dispatches (a CPU round trip: keep it off hot loops).
 * GL errors pending from earlier work are reported here, named by `what`. */
int rwkv_gpu_read(rwkv_gpu *g, unsigned buf, uint64_t offset, uint64_t bytes, void *dst, const char *what,
                  rwkv_error *err);
/* Size in bytes of a live buffer made by rwkv_gpu_buffer (0 if unknown), from
 * the context's own table: no GL query. */
uint64_t rwkv_gpu_buffer_size(const rwkv_gpu *g, unsigned buf);

/* ---- program binary cache and load statistics ------------------------------------
 * After a successful link the program binary (glGetProgramBinary) is stored in
 * $RWKV_SHADER_CACHE (a folder), else $XDG_CACHE_HOME/rwkv-lua/, else
 * ~/.cache/rwkv-lua/; RWKV_SHADER_CACHE=0 turns it off. One file per program,
 * named by a 64-bit hash of (full source incl. defines, GL_VENDOR, GL_RENDERER,
 * GL_VERSION), with a header and checksum, written atomically (temp + rename).
 * A bad or refused entry is rebuilt and rewritten; a folder that cannot be
 * written only means no cache. Needs GL_NUM_PROGRAM_BINARY_FORMATS > 0. */
typedef struct rwkv_gpu_stats {
  uint32_t programs;       /* programs built for this context (compiled or from the cache) */
  uint32_t programs_touched; /* of them, dispatched once, empty, as an upload built them */
  uint32_t cache_hits;     /* loaded from a cache entry */
  uint32_t cache_misses;   /* compiled (no entry, a bad one, or the cache is off) */
  uint32_t cache_rejected; /* entries found but corrupt or refused by the driver (rebuilt) */
  uint32_t cache_writes;   /* entries written */
  uint32_t cache_write_errors; /* entries that could not be written (not an error) */
  double program_ms;       /* wall time spent building programs */
  /* of which, for cache hits: hashing the sources (the cache keys), reading + checking the
   * entries, handing the binaries to the driver (glProgramBinary + the link status) */
  double program_key_ms, program_read_ms, program_binary_ms;
  double program_soon_ms;  /* of program_ms: queued programs built while an upload waited */
  double program_idle_ms;  /* of program_ms: lazy programs built while waiting for the GPU */
  uint64_t ring_bytes;     /* bytes uploaded through the upload ring (rwkv_gpu_buffer_fill) */
  /* rwkv_gpu_buffer_fill's wall time (ms): allocating buffers, waiting for a ring slot,
   * filling (the callbacks), mapping + unmapping (the mapped path), queueing copies */
  double fill_alloc_ms, fill_wait_ms, fill_ms, fill_map_ms, fill_copy_ms;
  /* the ring path's callbacks in all (on the filler thread where copies are deferred, so
   * partly hidden behind fill_copy_ms), and the calls of rwkv_gpu_buffer_fill */
  double fill_pack_ms;
  uint32_t fill_calls, fill_copies; /* (copies: out of the ring, a buffer in one or more) */
  double ring_start_ms; /* making and mapping the upload ring's host buffers (once per load) */
  /* rwkv_gpu_open: in all, EGL's client extensions (glvnd loads the vendor libraries),
   * eglQueryDevicesEXT, eglInitialize, eglChooseConfig, eglCreateContext, eglMakeCurrent */
  double open_ms, open_client_ms, open_devices_ms, open_init_ms, open_config_ms, open_context_ms, open_current_ms;
} rwkv_gpu_stats;
void rwkv_gpu_get_stats(const rwkv_gpu *g, rwkv_gpu_stats *out);
/* The cache folder in use, or NULL when the cache is off or unsupported by the driver. */
const char *rwkv_gpu_shader_cache_dir(const rwkv_gpu *g);

/* Run fn(ctx, i) for i in [0, n) on the context's worker threads (one per core, up
 * to 8, the caller included; made on first use, joined by rwkv_gpu_close) and
 * return when all are done. For CPU work only (memcpy, repacking): fn must make no
 * GL calls. Runs serially when threads are unavailable. */
typedef void (*rwkv_gpu_task_fn)(void *ctx, size_t i);
void rwkv_gpu_parallel(rwkv_gpu *g, size_t n, rwkv_gpu_task_fn fn, void *ctx);
/* Number of threads rwkv_gpu_parallel uses (>= 1). */
unsigned rwkv_gpu_threads(rwkv_gpu *g);

/* New buffer of `bytes` (like rwkv_gpu_buffer, usage GL_STATIC_DRAW) filled by
 * fill(ctx, dst), which must write all `bytes` (it may spread the copy over
 * rwkv_gpu_parallel). dst is a slot of the upload ring (host memory the GPU then copies
 * from, asynchronously; see rwkv_gpu_upload_done) when the GPU has EXT_buffer_storage and
 * the buffer fits a slot, else the buffer mapped with glMapBufferRange(WRITE |
 * INVALIDATE_BUFFER), else a staging copy and glBufferData. *buf is 0 on failure. */
typedef void (*rwkv_gpu_fill_fn)(void *ctx, uint8_t *dst);
int rwkv_gpu_buffer_fill(rwkv_gpu *g, uint64_t bytes, rwkv_gpu_fill_fn fill, void *ctx,
                         unsigned *buf, rwkv_error *err);
/* The largest piece rwkv_gpu_buffer_fill_pieces takes: an upload ring slot, the largest
 * buffer rwkv_gpu_buffer_fill sends through the ring. 0 when bigger buffers are mapped instead:
 * no ring (llvmpipe; no EXT_buffer_storage), or RWKV_UPLOAD_PIECES=0. A mapped buffer costs the
 * first load in a process dearly (NVIDIA, H100: 110-200 ms for the 2.9B's embedding and head,
 * 10-13 ms in later loads; bench/h100_s14g.sh). */
uint64_t rwkv_gpu_piece_max(rwkv_gpu *g);
/* rwkv_gpu_buffer_fill for a buffer bigger than a ring slot: fill(ctx, dst, off, n) writes
 * bytes [off, off + n) of it, in pieces of `piece` bytes (the last one shorter), each through
 * the ring (packed on the filler thread in an upload batch). Pieces must be at most
 * rwkv_gpu_piece_max; when that is 0 or the buffer fits a slot, it is one fill of every byte
 * (off 0), as rwkv_gpu_buffer_fill's. */
typedef void (*rwkv_gpu_piece_fn)(void *ctx, uint8_t *dst, uint64_t off, uint64_t n);
int rwkv_gpu_buffer_fill_pieces(rwkv_gpu *g, uint64_t bytes, uint64_t piece, rwkv_gpu_piece_fn fill, void *ctx,
                                unsigned *buf, rwkv_error *err);
/* A batch of uploads (a model load): after rwkv_gpu_upload_begin, rwkv_gpu_buffer_fill may
 * return with its buffer's copy out of the upload ring still to be issued (it is issued
 * while the next buffer is packed, on a filler thread), so nothing may read the buffers
 * until rwkv_gpu_upload_done, which issues it, ends the batch and releases the ring's host
 * memory (the GPU copies in order, before any later command). Without begin, each fill's
 * copy is issued before it returns. upload_done builds the programs still queued by
 * rwkv_gpu_program_soon and returns a failed deferred copy's or build's error; safe to
 * call at any time. `largest`: the biggest buffer the batch fills whole, not in pieces (0:
 * not known), which sizes the ring's slots: their host memory costs a process's first load
 * ~0.3 ms a MB (NVIDIA, H100), a buffer bigger than a slot goes in pieces, so the slots are
 * the smallest power of two that holds it, 16..64 MB (bench/h100_s15j.sh). */
void rwkv_gpu_upload_begin(rwkv_gpu *g, uint64_t largest);
/* Called by a fill function as it goes: the first `bytes` bytes of its destination are
 * final, so they may be copied out while it fills the rest (no effect where the fill runs
 * on the calling thread). */
void rwkv_gpu_fill_progress(rwkv_gpu *g, uint64_t bytes);
int rwkv_gpu_upload_done(rwkv_gpu *g, rwkv_error *err);
/* Bytes per task when n bytes are split over rwkv_gpu_parallel (256 KiB..2 MiB). */
uint64_t rwkv_gpu_task_bytes(rwkv_gpu *g, uint64_t n);
/* Parallel copy of n bytes (for fill functions), in rwkv_gpu_task_bytes pieces. */
void rwkv_gpu_copy(rwkv_gpu *g, void *dst, const void *src, uint64_t n);
/* memcpy of n bytes into upload memory on the calling thread, for fill functions: with
 * streaming stores (x86-64) while the fill writes an upload ring slot, unless
 * RWKV_UPLOAD_NT=0. */
void rwkv_gpu_stream(const rwkv_gpu *g, void *dst, const void *src, uint64_t n);

/* Scratch buffer `slot` (< RWKV_GPU_SCRATCH_SLOTS) of at least `bytes`, owned by the
 * context (e.g. matmul's split-K partial sums): made on first use and replaced by a
 * bigger one when too small (pending dispatches keep reading the old one: GL defers the
 * delete), so its contents do not survive a call that grows it. Counted in
 * rwkv_gpu_bytes and the memory limit. Users (e.g. weights that may need it) say so with
 * rwkv_gpu_scratch_use(g, +1 / -1): when the last one leaves, the buffers are freed (so
 * freeing a model gives all its memory back). rwkv_gpu_scratch_free frees them now;
 * rwkv_gpu_close in any case. */
#define RWKV_GPU_SCRATCH_SLOTS 4
/* Workgroups of 256 invocations that fill the H100 once (4 resident on each of its 132 SMs):
 * the target of short passes' split-K pieces (matmul.c) and of their layer norms' slices
 * (forward.c ln_mix). GL has no SM count to query. */
#define RWKV_GPU_ONE_WAVE 528
int rwkv_gpu_scratch(rwkv_gpu *g, unsigned slot, uint64_t bytes, unsigned *buf, rwkv_error *err);
void rwkv_gpu_scratch_use(rwkv_gpu *g, int delta);
void rwkv_gpu_scratch_free(rwkv_gpu *g);

/* Token map for the prefill matmuls (matmul.c, rows and tiled kernels): while set, a
 * dispatch of T == t_all tokens runs only t_live of them, token t reading and writing row
 * map[t] (t_live uints at uint offset `off` of map_buf, a buffer the caller owns); other
 * dispatches are unaffected. A forward pass over a batch padded to one length sets it to
 * the live rows and clears it (map_buf 0) after. */
void rwkv_gpu_set_token_map(rwkv_gpu *g, unsigned map_buf, uint32_t off, uint32_t t_all, uint32_t t_live);
/* The map in force for a dispatch of t tokens: its buffer, offset and live count, or 0. */
unsigned rwkv_gpu_token_map(const rwkv_gpu *g, uint32_t t, uint32_t *off, uint32_t *t_live);

#endif
