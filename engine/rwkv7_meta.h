/* rwkv7_meta.h - what every writer of an rwkv7 GGUF shares: the output types
 * (--type names, llama.cpp file types, the Q4_K_M mix and the block-size
 * fallback), the tensor list of llama.cpp's rwkv7 layout, the tokenizer
 * vocabulary and the metadata keys.
 *
 * The one home of these rules: the rwkv.cpp converter (rwkv7_convert.c) and the
 * random-weight generator (rwkv7_gen.h) both write through them, so both produce
 * the same layout.
 * Facts (no code taken): llama.cpp src/llama-quant.cpp llama_tensor_get_type
 * (Q4_K_M: output -> Q6_K; attn_v / ffn_down -> Q6_K where use_more_bits; the
 * fallback for rows that are not a multiple of 256), include/llama.h
 * llama_ftype, convert_hf_to_gguf.py Rwkv7Model and _set_vocab_rwkv_world. */
#ifndef RWKV_RWKV7_META_H
#define RWKV_RWKV7_META_H

#include <stdint.h>
#include <stdio.h>

#include "gguf_write.h"
#include "rwkv_error.h"

/* ---- output types ----------------------------------------------------------- */

typedef struct rwkv7_ftype {
  const char *name; /* "f32", "f16", "bf16", "q8_0", ..., "q6_k", "q4_k_m" */
  uint32_t type;    /* ggml type of the big matrices */
  uint32_t ftype;   /* llama.cpp llama_ftype (general.file_type) */
  int q4_k_m;       /* 1: llama.cpp's Q4_K_M mix (Q6_K head and some value matrices) */
} rwkv7_ftype;

/* Case-insensitive lookup; NULL when unknown. */
const rwkv7_ftype *rwkv7_ftype_by_name(const char *name);
/* "f32 f16 bf16 q8_0 ... q4_k_m", for messages. */
const char *rwkv7_ftype_list(void);

/* Type of one big matrix (token_embd, output, time_mix r/k/v/o, channel_mix key/value)
 * of layer `layer` (-1 for token_embd / output) in a model of n_layer layers with rows of
 * ne0 elements. Returns RWKV_OK, or 2 when the row length forced a fallback type
 * (noted on log when log is not NULL), or an error. */
int rwkv7_big_matrix_type(const rwkv7_ftype *ft, const char *tensor, int layer, uint32_t n_layer,
                          uint64_t ne0, uint32_t *out, FILE *log, rwkv_error *err);

/* ---- hyperparameters and the tensor list ------------------------------------ */

typedef struct rwkv7_hparams {
  uint32_t n_layer, n_embd, head_size, n_ffn, n_vocab;
  uint32_t rank_w, rank_a, rank_v, rank_g;
} rwkv7_hparams;

/* Sanity of a set of hyperparameters (all positive, head_size divides n_embd, sizes
 * below 2^24 so element counts stay far from overflow). */
int rwkv7_hparams_check(const rwkv7_hparams *hp, rwkv_error *err);

enum {
  RWKV7_KIND_VEC = 0,  /* [D] vector: F32 */
  RWKV7_KIND_BIG = 1,  /* big matrix: the requested type */
  RWKV7_KIND_LORA = 2, /* LoRA matrix: not quantized (rwkv7_tensor_type) */
  RWKV7_KIND_LERP = 3  /* time_mix_lerp_fused [D,1,1,6]: F32 */
};

typedef struct rwkv7_tensor_spec {
  char name[64];     /* "blk.3.time_mix_key.weight" */
  const char *role;  /* name without "blk.N.": "time_mix_key.weight", "output.weight", ... */
  int layer;         /* -1 for the tensors outside the blocks */
  int kind;          /* RWKV7_KIND_* */
  uint32_t n_dims;
  uint64_t ne[4];    /* ggml order */
} rwkv7_tensor_spec;

/* Every tensor of the layout in file order (token_embd, token_embd_norm, the blocks,
 * output_norm, output); layer 0 has no value-residual triple. *out is malloc'd. */
int rwkv7_tensor_specs(const rwkv7_hparams *hp, rwkv7_tensor_spec **out, uint32_t *n, rwkv_error *err);

/* Type that a tensor of the layout gets in a file of type ft (see the kinds above). LoRA
 * tensors as llama.cpp's converter writes them (w1 / w2 F32; a / v / g F32 in an f32 file,
 * BF16 in a bf16 one, F16 else) when lora < 0, else all in type lora (F32, F16 or BF16). */
int rwkv7_tensor_type(const rwkv7_ftype *ft, const rwkv7_tensor_spec *t, uint32_t n_layer, int lora,
                      uint32_t *out, FILE *log, rwkv_error *err);

/* ---- vocabulary ------------------------------------------------------------- */

typedef struct rwkv7_vocab {
  char **strs;     /* escaped token texts (llama.cpp's form) */
  uint64_t *lens;
  int32_t *types;  /* RWKV_TOKEN_TYPE_* */
  uint64_t n;
} rwkv7_vocab;

/* n_vocab tokens:
 *   vocab_path given: "<s>" (control), the world vocabulary's ids 1.., "[PADn]" (unused)
 *     up to n_vocab (convert_hf_to_gguf.py _set_vocab_rwkv_world); the file must not
 *     have more tokens than n_vocab;
 *   else if synthetic == 0: n_vocab must be 256 (the 256 single bytes);
 *   else: single bytes for ids < min(256, n_vocab), "[TOKn]" above (normal tokens). */
int rwkv7_vocab_build(uint32_t n_vocab, const char *vocab_path, int synthetic, rwkv7_vocab *v, rwkv_error *err);
void rwkv7_vocab_free(rwkv7_vocab *v);

/* ---- metadata ---------------------------------------------------------------- */

/* general.architecture/name/file_type, the rwkv7.* keys (context_length 1048576,
 * token_shift_count 1, layer_norm_epsilon 1e-5, the four LoRA ranks) and the
 * tokenizer (tokenizer.ggml.model "rwkv", tokens, token_type). */
int rwkv7_write_metadata(gguf_writer *w, const rwkv7_hparams *hp, const rwkv7_ftype *ft, const char *name,
                         const rwkv7_vocab *v, rwkv_error *err);

#endif
