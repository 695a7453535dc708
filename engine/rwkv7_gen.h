/* rwkv7_gen.h - random-weight RWKV-7 models written as rwkv7 GGUF (rwkv-gen).
 *
 * The file has the converter's layout, names, shapes, metadata and type rules
 * (rwkv7_meta.h). Every element is a pure function of (seed, tensor name, element
 * index) through a counter-based generator (splitmix64 of a per-tensor key plus the
 * index), so rows are produced in parallel, in any order, and the output bytes do not
 * depend on the thread count. Rows are generated and quantized by a pool of threads
 * while gguf_writer_add_tensor_fill streams the file: memory stays at a few MiB per
 * worker whatever the model size.
 *
 * The weights are chosen to keep activations sane (no NaN/inf, no growth over long
 * decodes): matrices ~ N(0, 1/fan_in) (output projections halved), embeddings ~ N(0, 1),
 * norm weights ~1 and biases ~0, lerps in [0, 1], w0 spread so that decays cover
 * (0.55, 0.998) rather than sitting at 1, small k_a / r_k, LoRA second halves scaled
 * down. The normal deviates are Irwin-Hall sums of four uniforms (bounded by 3.47
 * sigma), cheap enough to make a 2.9B model in seconds. */
#ifndef RWKV_RWKV7_GEN_H
#define RWKV_RWKV7_GEN_H

#include <stdint.h>
#include <stdio.h>

#include "rwkv7_meta.h"
#include "rwkv_error.h"

typedef struct rwkv7_gen_opts {
  rwkv7_hparams hp;  /* shape; rwkv7_gen_preset fills it */
  const char *type;  /* rwkv7_ftype name (f32, f16, q8_0, q4_k_m, ...); NULL: f32 */
  const char *lora;  /* NULL or "llama": LoRA tensors typed as llama.cpp's converter does
                        (rwkv7_tensor_type); "f32", "f16" or "bf16": all of them in that */
  uint64_t seed;
  const char *vocab; /* world vocabulary file (rwkv_vocab_v20230424.txt) or NULL: then
                        single-byte tokens (ids < 256) and synthetic "[TOKn]" above */
  const char *name;  /* general.name; NULL: "rwkv7-random" */
  unsigned threads;  /* worker threads; 0: one per online CPU */
  FILE *log;         /* notes (fallback types); NULL: quiet */
} rwkv7_gen_opts;

typedef struct rwkv7_gen_stats {
  uint32_t n_tensors;
  uint32_t n_fallback; /* big matrices that could not take the requested type */
  uint64_t n_params;   /* elements over all tensors */
  uint64_t bytes;      /* size of the written file */
  unsigned threads;    /* threads used */
  double seconds;      /* wall time of the write */
} rwkv7_gen_stats;

/* Shapes of the presets: "0.1b" (12 x 768), "0.4b" (24 x 1024), "1.5b" (24 x 2048),
 * "2.9b" (32 x 2560), all vocab 65536, ffn 4 x n_embd, head size 64; "tiny256"
 * (2 x 256, ffn 1024, vocab 256). LoRA ranks from rwkv7_gen_default_ranks. */
int rwkv7_gen_preset(const char *preset, rwkv7_hparams *hp, rwkv_error *err);

/* BlinkDL's RWKV-7 rank suggestions (RWKV-LM RWKV-v7/train_temp/src/model.py, the
 * formulas used by the released models): decay and iclr max(32, round(1.8 sqrt(C)/32)*32),
 * value residual max(32, round(1.3 sqrt(C)/32)*32), gate max(32, round(0.6 C^0.8/32)*32).
 * For C = 768 that is 64/64/32/128, as a real rwkv7 0.1B GGUF has; 1024: 64/64/32/160;
 * 2048: 96/96/64/256; 2560: 96/96/64/320. */
void rwkv7_gen_default_ranks(uint32_t n_embd, rwkv7_hparams *hp);

/* Write the model to path (atomically; gguf_writer_write). st may be NULL. The file is
 * re-opened and checked with rwkv7_describe before success (removed on failure). */
int rwkv7_gen_write(const char *path, const rwkv7_gen_opts *opts, rwkv7_gen_stats *st, rwkv_error *err);

/* The float value the generator gives element idx (ggml order, row-major over ne[1..3])
 * of a tensor of the layout, before it is stored in the tensor's type. */
float rwkv7_gen_value(uint64_t seed, const rwkv7_tensor_spec *t, const rwkv7_hparams *hp, uint64_t idx);

#endif
