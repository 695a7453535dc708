/* matmul.h - quantized weight matrices resident on the GPU, and y = W·x dispatches.
 *
 * A weight is a ggml [K, M] matrix (ne0 = K inputs contiguous, ne1 = M outputs) of any
 * type in quant.h, uploaded as its GGUF blocks with no CPU dequantization; the only
 * change is alignment (matmul.c pack_rows): every block is padded to 4 bytes
 * (q4_0/q5_0/q8_0 move their f16 scale after the quants) and every row to 16 bytes, so
 * glsl/matmul.comp reads whole aligned words / uvec4s (decoders in glsl/common.glsl
 * under RWKV_MM_PACKED).
 * Rows are split into several buffers ("chunks") when the matrix exceeds the
 * driver's GL_MAX_SHADER_STORAGE_BLOCK_SIZE or the workgroup-count limit.
 *
 * Dispatch: for t < T, i < M:
 *   y[t*ldy + yoff + i] = (accumulate ? y[...] : 0) + sum_j W[i,j] * x[t*ldx + xoff + j]
 * x and y are float32 SSBOs (rwkv_gpu_buffer); they may be one buffer when the x range
 * [xoff, xoff+(T-1)*ldx+K) and the y range are disjoint. Indices are in floats. No glFinish or readback: the dispatch ends with
 * glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT) so the next dispatch sees y. */
#ifndef RWKV_MATMUL_H
#define RWKV_MATMUL_H

#include <stdint.h>

#include "gguf.h"
#include "gpu.h"
#include "rwkv_error.h"

typedef struct rwkv_mm_chunk {
  unsigned buf;     /* SSBO of rows [row0, row0 + rows) */
  unsigned tex;     /* RGBA32UI texture buffer over buf (llvmpipe float rows), else 0 */
  uint64_t bytes;   /* allocated bytes (rows * row_bytes + padding) */
  uint32_t row0, rows;
} rwkv_mm_chunk;

typedef struct rwkv_mm_weight {
  char name[96];        /* for messages */
  uint32_t type;        /* ggml type id */
  uint32_t K, M;        /* inputs (ne0), outputs (ne1) */
  uint64_t row_bytes;   /* bytes of one row of K elements (GGUF) */
  uint32_t n_chunks;
  rwkv_mm_chunk *chunks;
  unsigned prog[3];     /* [0] T == 1 kernel, [1] T > MM_SHORT_T (token-tiled) kernel, [2]
                           1 < T <= MM_SHORT_T (mostly [1] again; matmul.c pick_cfg) */
  uint32_t rows_per_wg[3], tt[3];
  uint64_t stride;      /* bytes of one packed row on the GPU (>= row_bytes, % 16 == 0) */
  uint32_t kernel[3];   /* matmul.comp KERNEL of prog[v] (0 rows, 1 tiled, 2 blocked) */
  int xal[3];           /* prog[v] reads x as vec4s when told (uniform u_xal is active) */
  int texw[3];          /* prog[v] reads the weights through the chunks' texture buffers */
  /* split K for the tiled kernel (prog[v] when kernel[v] == 1): when a dispatch has fewer
   * than split_min workgroups (split_min_small for at most two token tiles), K is cut into
   * up to split_max pieces of a multiple of bk elements (split_force: always that many, 1 =
   * never) whose partial sums go to a context scratch buffer (rwkv_gpu_scratch) and are
   * summed by prog_reduce. */
  uint32_t bk, split_min, split_max, split_force, split_min_small, split_slices;
  uint32_t split_slices_small; /* fewest BK slices a piece in dispatches of <= 2 token tiles */
  uint32_t split_km_small, split_km_long; /* pieces forced for this K x M (RWKV_MM_SPLIT_KM) */
  uint32_t split_piece_small; /* most BK slices a piece in dispatches of <= 2 token tiles */
  uint32_t split_mid_max;     /* 3..8 token tiles: floor of the target, at most this (0: ceil) */
  uint32_t split_floor_small; /* <= 2 token tiles: floor of the target, not its ceiling */
  unsigned prog_reduce;
  int scratch_user;     /* 1: counted in rwkv_gpu_scratch_use (until rwkv_mm_free) */
  unsigned prog_pro;    /* decode kernel with the LN + mix prologue (rwkv_mm_prologue_init), 0: none */
  unsigned prog_sync;   /* decode kernel with dispatch counters (rwkv_mm_sync_init), 0: none */
} rwkv_mm_weight;

/* Which of a weight's programs (prog[v], kernel[v], ...) a dispatch of T tokens runs: 0 for
 * T == 1, 2 for a short prefill (T <= 256), 1 for a longer one. */
int rwkv_mm_variant(uint32_t T);

/* Upload `size` bytes of packed rows (must equal M * row_bytes(type, K)) as W [K, M].
 * name is used in messages (may be NULL). On failure *w is empty and nothing leaks. */
int rwkv_mm_upload(rwkv_gpu *g, const char *name, uint32_t type, uint64_t K, uint64_t M,
                   const void *data, uint64_t size, rwkv_mm_weight *w, rwkv_error *err);
/* Upload several 2-D GGUF tensors of one type and K as ONE weight whose rows are the
 * parts' rows in order (e.g. Wr|Wk|Wv, M = sum of the parts' ne[1]); dispatch row ranges
 * of it with rwkv_mm_dispatch_groups. */
int rwkv_mm_upload_stacked(rwkv_gpu *g, const char *name, uint32_t type, uint64_t K,
                           const gguf_tensor *const *parts, uint32_t n_parts,
                           rwkv_mm_weight *w, rwkv_error *err);
/* Upload a 2-D GGUF tensor (trailing dims must be 1) straight from the mapping. */
int rwkv_mm_upload_tensor(rwkv_gpu *g, const gguf_tensor *t, rwkv_mm_weight *w, rwkv_error *err);
/* A float weight (type RWKV_TYPE_F16 or RWKV_TYPE_F32) of K x M whose rows are not uploaded
 * but written on the GPU by rwkv_mm_dequant (contents undefined until then); its programs are
 * built when first used. For long prefills of quantized weights, where the tiled float
 * kernel outruns the K-quant ones by more than decoding the rows costs (forward.c rows16). */
int rwkv_mm_alloc_float(rwkv_gpu *g, const char *name, uint32_t type, uint64_t K, uint64_t M,
                        rwkv_mm_weight *w, rwkv_error *err);
/* dst's rows dst_row0 .. dst_row0 + src's M <- src's rows decoded (f32: exactly; f16: rounded),
 * dst of src's K in one buffer, K % 8 == 0: one dispatch a chunk of src, no barrier after it
 * (the caller's next barrier makes the rows visible). grid_rows: workgroup rows a dispatch
 * (each then loops over the chunk's rows), 0 = one a row. */
int rwkv_mm_dequant(rwkv_gpu *g, const rwkv_mm_weight *src, const rwkv_mm_weight *dst, uint32_t dst_row0,
                    uint32_t grid_rows, rwkv_error *err);
/* Free the buffers; safe on an empty or already freed weight. */
void rwkv_mm_free(rwkv_gpu *g, rwkv_mm_weight *w);

typedef struct rwkv_mm_args {
  unsigned x;          /* float32 SSBO */
  uint64_t xoff, ldx;  /* token t reads x[t*ldx + xoff .. + K) */
  unsigned y;          /* float32 SSBO */
  uint64_t yoff, ldy;  /* token t writes y[t*ldy + yoff .. + M) */
  uint32_t T;          /* tokens, >= 1 */
  int accumulate;      /* 1: add to y, 0: overwrite */
} rwkv_mm_args;

/* Output activations: y = (accumulate ? y : 0) + act(W.x). */
enum { RWKV_MM_ACT_NONE = 0, RWKV_MM_ACT_TANH = 1, RWKV_MM_ACT_SIGMOID = 2, RWKV_MM_ACT_RELU2 = 3 };
/* rwkv_mm_dispatch with an output activation (RWKV_MM_ACT_*). */
int rwkv_mm_dispatch_act(rwkv_gpu *g, const rwkv_mm_weight *w, const rwkv_mm_args *a, int act,
                         rwkv_error *err);

/* One row range of a (stacked) weight: rows [row0, row0 + rows) read x like
 * rwkv_mm_args and write y[t*ldy + yoff + (r - row0)]. */
typedef struct rwkv_mm_group {
  uint32_t row0, rows;
  unsigned x;
  uint64_t xoff, ldx;
  unsigned y;
  uint64_t yoff, ldy;
  int accumulate;
  int act;
} rwkv_mm_group;
#define RWKV_MM_MAX_GROUPS 4

/* Record the dispatch(es). Checks the index ranges against the buffers' sizes. */
int rwkv_mm_dispatch(rwkv_gpu *g, const rwkv_mm_weight *w, const rwkv_mm_args *a,
                     rwkv_error *err);

/* Up to RWKV_MM_MAX_GROUPS row groups of w for T tokens, in one dispatch per chunk when
 * every group uses the same x and y buffers (else one per distinct pair). A group's y
 * range must not overlap any group's x range in the same buffer. */
int rwkv_mm_dispatch_groups(rwkv_gpu *g, const rwkv_mm_weight *w, const rwkv_mm_group *groups,
                            uint32_t n, uint32_t T, rwkv_error *err);
/* The same without the storage barrier after it (unless its K was split: the split's scratch
 * buffer is shared), so that the next dispatch, which must not read its y or write its x, may
 * run alongside it; the next barrier covers both. */
int rwkv_mm_dispatch_groups_nb(rwkv_gpu *g, const rwkv_mm_weight *w, const rwkv_mm_group *groups,
                               uint32_t n, uint32_t T, rwkv_error *err);

/* A batch of independent matmuls (none reads what another writes) whose split-K reduces
 * wait for one shared barrier: each split dispatch of the batch writes its partial sums to
 * a scratch slot of its own and its reduce is recorded, so the batch's tiled pieces run
 * side by side and the reduces run together at rwkv_mm_batch_end (barrier, reduces, barrier)
 * instead of a barrier-reduce-barrier after each. Nothing in a batch puts a barrier until
 * rwkv_mm_batch_end, which the caller must run before reading any of the outputs, before
 * anything else writes the batch's inputs, and before any split dispatch outside the batch
 * (those use scratch slot 0). Zero-initialise. */
typedef struct rwkv_mm_reduce {
  unsigned prog, scratch, y, tmap;
  uint32_t T, S, R, ng, tmoff;
  uint32_t ra[4 * RWKV_MM_MAX_GROUPS], gb[4 * RWKV_MM_MAX_GROUPS];
} rwkv_mm_reduce;
typedef struct rwkv_mm_batch {
  int no_split;   /* set by the caller: the batch's dispatches are never split in K (they
                   * run beside other work that fills the GPU) */
  uint32_t n;     /* reduces recorded (scratch slots 0 .. n - 1 in use) */
  int pending;    /* dispatches since the last barrier */
  rwkv_mm_reduce r[RWKV_GPU_SCRATCH_SLOTS];
} rwkv_mm_batch;
/* rwkv_mm_dispatch_groups inside batch b. A split that finds no free slot ends the batch
 * first (its reduces run, the batch starts again empty). */
int rwkv_mm_dispatch_groups_batch(rwkv_gpu *g, const rwkv_mm_weight *w, const rwkv_mm_group *groups,
                                  uint32_t n, uint32_t T, rwkv_mm_batch *b, rwkv_error *err);
/* The barrier, the recorded reduces and their barrier (just the barrier when none were
 * recorded, nothing when nothing was dispatched); b is empty after it. */
void rwkv_mm_batch_end(rwkv_gpu *g, rwkv_mm_batch *b);

/* Dispatch counters for decode (glsl/matmul.comp DSYNC): a consumer dispatched right after
 * its producer, with no barrier between, waits for the producer's workgroups to count
 * themselves done instead (the consumer's launch overlaps the producer's end). buf holds the counters, 32 uints apart (common.glsl DSYNC_STRIDE).
 * Only the blocked decode kernel takes part (rwkv_mm_sync_init, _ok); with wslot != 0 its
 * workgroups wait until counter wslot - 1 reaches `wait` (unsigned, wrapping: the caller
 * keeps each counter's running total), with cslot != 0 each counts itself done in counter
 * cslot - 1 and `counted` grows by the workgroups dispatched. */
typedef struct rwkv_mm_sync {
  unsigned buf;
  uint32_t wslot, wait, cslot;
  uint32_t counted;
} rwkv_mm_sync;
/* Compile w's decode kernel with the counters (w->prog_sync; nothing if it has one; in an
 * upload batch as rwkv_gpu_program_soon). RWKV_ERR_UNSUPPORTED (w unchanged) when its decode
 * kernel is not the blocked one. */
int rwkv_mm_sync_init(rwkv_gpu *g, rwkv_mm_weight *w, rwkv_error *err);
/* Whether w's dispatches of T tokens can take part in a sync (T == 1, a prog_sync). */
int rwkv_mm_sync_ok(const rwkv_mm_weight *w, uint32_t T);
/* rwkv_mm_dispatch_groups(_nb, _batch when b) with sync s (NULL: none; w must be
 * rwkv_mm_sync_ok for T when s is given); barrier: 1 as rwkv_mm_dispatch_groups. */
int rwkv_mm_dispatch_groups_sync(rwkv_gpu *g, const rwkv_mm_weight *w, const rwkv_mm_group *groups,
                                 uint32_t n, uint32_t T, int barrier, rwkv_mm_batch *b,
                                 rwkv_mm_sync *s, rwkv_error *err);

/* Prologue mode (decode of one token per sequence; glsl/matmul.comp PRO): instead of
 * reading x, every workgroup builds its token's x as layer norm + token-shift mix:
 *   xa = LN(xraw_t) (par ln_w, ln_b, eps);  x = xa + (prev_t - xa) * lerp_g
 * where xraw_t = x buffer [x_off + t*K ..), prev_t = state [seq[2t+1] + prev_off ..) and
 * lerp_g = par [group.xoff ..) (in this mode a group's xoff names its lerp vector in par;
 * its ldx is ignored). Tokens with seq[2t] != 0 are padding (x = 0, nothing written).
 * With write_last, xa also goes to the y buffer at [last_off + t*K ..) and, when
 * store_from != 0, x buffer [store_from + t*K ..) is copied into the state at
 * [seq[2t+1] + store_to ..) (the same semantics as glsl/rwkv_ln_mix.comp for T == 1).
 * prev_off's slot must not be the one store_to writes. */
typedef struct rwkv_mm_prologue {
  unsigned par, state, seq;  /* SSBOs: float params, float state pool, uint (start, base) pairs */
  uint64_t x_off;            /* raw x rows (K floats each) in the groups' x buffer */
  uint64_t ln_w, ln_b;       /* par offsets of the norm's weight and bias */
  float eps;
  uint64_t prev_off;         /* prev vector's offset inside a sequence's state */
  int write_last;            /* 1: write last (and the store); 0: mix only */
  uint64_t last_off;         /* y buffer offset of the tokens' xa (write_last) */
  uint64_t store_from, store_to; /* store_from != 0: copy (write_last) */
  int no_barrier;            /* 1: no glMemoryBarrier after it (the next dispatch reads none
                                of its output; a later barrier covers it) */
} rwkv_mm_prologue;

/* Compile w's prologue program (w->prog_pro) for its decode kernel. RWKV_ERR_UNSUPPORTED
 * (w unchanged) when K floats per token do not fit the GPU's shared memory. */
int rwkv_mm_prologue_init(rwkv_gpu *g, rwkv_mm_weight *w, rwkv_error *err);

/* rwkv_mm_dispatch_groups in prologue mode for T tokens (sequences) through w->prog_pro.
 * Every group must use the same x and y buffers. */
int rwkv_mm_dispatch_prologue(rwkv_gpu *g, const rwkv_mm_weight *w, const rwkv_mm_group *groups,
                              uint32_t n, uint32_t T, const rwkv_mm_prologue *p, rwkv_error *err);

/* Pieces of K a prefill dispatch of `rows` rows (one group) and T > 1 tokens is split
 * into (1: none; see rwkv_mm_weight.split_min): for benchmarks and tests. */
uint32_t rwkv_mm_split_pieces(const rwkv_mm_weight *w, uint32_t rows, uint32_t T);

#endif
