/* rwkv.h - the rwkv-lua engine: RWKV-7 models on OpenGL ES compute.
 *
 * The calls below are the whole engine for C programs that want no Lua.
 * Conventions (as everywhere in the engine):
 *   - a call that can fail returns RWKV_OK (0) or an error code from
 *     rwkv_error.h and fills *err (err may be NULL) with a message that names
 *     the file, tensor or argument at fault;
 *   - objects are created by *_new / *_load and released by *_free; a NULL
 *     pointer given to *_free is ignored;
 *   - a model and its states belong to one GPU context, which is current on
 *     the thread that uses them (one thread at a time; rwkv_model_release_thread
 *     hands them to another).
 *
 * The forward pass is RWKV-7 "x070" (BlinkDL's RWKV-LM, rwkv_v7 reference;
 * llama.cpp's rwkv7 graph). Weights stay in their GGUF types on the GPU. */
#ifndef RWKV_H
#define RWKV_H

#include <stddef.h>
#include <stdint.h>

#include "gpu.h"
#include "rwkv_error.h"
#include "tokenizer.h"

#define RWKV_VERSION "0.1.0"

typedef struct rwkv_model rwkv_model;
typedef struct rwkv_state rwkv_state;

/* ---- models --------------------------------------------------------------- */

typedef struct rwkv_model_opts {
  rwkv_gpu *gpu;          /* use this context (not owned); NULL: open one (below) */
  rwkv_gpu_opts gpu_opts; /* used when gpu is NULL; zero = automatic (device -1 is auto) */
  uint32_t chunk;         /* prefill chunk in tokens; 0 = default (1024 on GPUs, 256 on llvmpipe) */
  /* Called during load with done/total bytes; may be NULL. */
  void (*progress)(void *ud, uint64_t done, uint64_t total);
  void *progress_ud;
  /* 1: the output head (output.weight) is uploaded by the first pass that computes logits,
   * not by the load, so a model used for states and embeddings only never holds it: the GPU
   * holds that much less (a 2.9B Q4_K_M's Q6_K head: 138 MB, 7% of the file; a 0.1B F16's:
   * 26%) and the load skips its bytes (H100: 0.1B F16 102 -> 88 ms; the 2.9B Q4_K_M's share
   * within the loads' spread). The first pass with logits pays the upload then (~15-35 ms for
   * those models, more in a process's first load) and reports its failure (out of GPU
   * memory, say). 0: uploaded with the rest. RWKV_LAZY_HEAD=0|1 overrides (benchmarks). */
  int lazy_head;
} rwkv_model_opts;

/* rwkv_model_opts with defaults (automatic device, default chunk). */
rwkv_model_opts rwkv_model_default_opts(void);

typedef struct rwkv_model_info {
  const char *arch;        /* "rwkv7" */
  const char *path;
  const char *file_type;   /* "F32", "F16", "Q4_K_M", ... */
  uint32_t n_layer, n_embd, n_head, head_size, n_ffn, n_vocab;
  uint32_t rank_w, rank_a, rank_v, rank_g;
  uint64_t n_params;
  uint64_t file_bytes;
  uint64_t gpu_bytes;      /* weights resident on the GPU */
  double load_ms;          /* open to ready for the first token */
  uint32_t n_tensor_types; /* entries used in tensor_types */
  const char *tensor_types[16]; /* distinct ggml type names of the tensors */
  uint32_t tensor_type_count[16];
  /* where load_ms went (additive; ms): mapping + describing the file, the tokenizer
   * (built on a thread beside the GPU work: starting it, and waiting for it after the
   * uploads), the GPU context (0 when the caller gave one), building shader programs (compile or
   * binary cache), copying weights to the GPU (programs excluded), forward/state
   * setup (programs excluded) and the final glFinish; load_prefault_ms: waiting, after the
   * context opened, for the threads that fill the mapping's page tables meanwhile */
  double load_open_ms, load_tokenizer_ms, load_context_ms, load_programs_ms, load_upload_ms,
      load_init_ms, load_finish_ms, load_prefault_ms;
  uint32_t shader_cache_hits, shader_cache_misses; /* programs built during this load */
} rwkv_model_info;

/* Map a GGUF file, check it is an rwkv7 model, upload its weights as stored. */
int rwkv_model_load(const char *path, const rwkv_model_opts *opts, rwkv_model **out,
                    rwkv_error *err);
void rwkv_model_free(rwkv_model *m);
const rwkv_model_info *rwkv_model_get_info(const rwkv_model *m);
/* The model's tokenizer (from its GGUF metadata), or NULL if it has none. */
const rwkv_tokenizer *rwkv_model_tokenizer(const rwkv_model *m);
rwkv_gpu *rwkv_model_gpu(const rwkv_model *m);
/* Let another thread use m and its states next: m's GPU context stops being current on the
 * calling thread (work already queued still runs); the next call on any thread makes it
 * current there. A context current on one thread cannot be made current on another, so a
 * model that moves between threads (a worker pool) is released by the thread it leaves.
 * No-op where m's context is not current on this thread. */
int rwkv_model_release_thread(rwkv_model *m, rwkv_error *err);

/* Called by rwkv_forward / rwkv_forward_batch after each chunk of a prefill
 * that takes more than one chunk, with tokens done and total (per sequence);
 * fn NULL turns it off. For progress displays. */
void rwkv_model_set_progress(rwkv_model *m, void (*fn)(void *ud, uint64_t done, uint64_t total), void *ud);

/* ---- states --------------------------------------------------------------- */
/* A state lives on the GPU. Its CPU form is one float array of
 * rwkv_state_size() floats laid out per layer l = 0..n_layer-1 as
 *   att_prev[n_embd], ffn_prev[n_embd], wkv[n_head][head_size][head_size]
 * where wkv[h][i][j] is head h's matrix S, row i a value dimension and column j
 * a key dimension (BlinkDL's reference order). */

int rwkv_state_new(rwkv_model *m, rwkv_state **out, rwkv_error *err);
void rwkv_state_free(rwkv_state *s);
/* A copy made on the GPU. */
int rwkv_state_clone(const rwkv_state *s, rwkv_state **out, rwkv_error *err);
/* Copy src into dst (same model) on the GPU. */
int rwkv_state_copy(rwkv_state *dst, const rwkv_state *src, rwkv_error *err);
/* Back to zeros (the state before any token). */
int rwkv_state_reset(rwkv_state *s, rwkv_error *err);
rwkv_model *rwkv_state_model(const rwkv_state *s);
/* Number of floats in the CPU form. */
size_t rwkv_state_size(const rwkv_model *m);
/* Read the whole state in one transfer into dst (n floats, n == size). */
int rwkv_state_read(const rwkv_state *s, float *dst, size_t n, rwkv_error *err);
/* Replace the state by src (n floats, n == size). */
int rwkv_state_write(rwkv_state *s, const float *src, size_t n, rwkv_error *err);
/* File form: header naming the model shape, the floats, a checksum. Written
 * atomically (temp file + rename). */
int rwkv_state_save(const rwkv_state *s, const char *path, rwkv_error *err);
/* A state from a file written by rwkv_state_save for a model of the same
 * shape; other shapes, versions or damaged files are refused. */
int rwkv_state_load(rwkv_model *m, const char *path, rwkv_state **out, rwkv_error *err);

/* ---- the forward pass ------------------------------------------------------ */

enum { RWKV_OUTPUT_NONE = 0, RWKV_OUTPUT_LAST = 1, RWKV_OUTPUT_ALL = 2 };

typedef struct rwkv_forward_opts {
  int output;     /* RWKV_OUTPUT_*: which tokens' vectors to return */
  int embed;      /* 1: return the hidden vector (ln_out output, n_embd) and
                     skip the head; 0: logits (n_vocab) */
  uint32_t chunk; /* tokens per GPU pass; 0 = the model's default */
} rwkv_forward_opts;

/* Width of one output vector under opts (n_vocab or n_embd). */
uint32_t rwkv_output_width(const rwkv_model *m, const rwkv_forward_opts *opts);

/* Feed n tokens (n >= 1) to state s, advancing it. out (may be NULL when output
 * is NONE) receives width floats for LAST, n*width for ALL. */
int rwkv_forward(rwkv_model *m, rwkv_state *s, const int32_t *ids, size_t n,
                 const rwkv_forward_opts *opts, float *out, rwkv_error *err);

/* b independent sequences in one pass: sequence i feeds n[i] tokens ids[i] to
 * states[i] (distinct states of model m). out receives, per sequence in
 * order, width floats (LAST) or n[i]*width floats (ALL). Results equal b calls
 * of rwkv_forward. */
int rwkv_forward_batch(rwkv_model *m, rwkv_state *const *states, const int32_t *const *ids,
                       const size_t *n, size_t b, const rwkv_forward_opts *opts, float *out,
                       rwkv_error *err);

#endif
