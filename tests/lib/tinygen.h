/* tinygen.h - write small synthetic rwkv7 GGUF models for tests and fuzz seeds.
 *
 * The layout is llama.cpp's rwkv7 one (tensor names and metadata keys as in
 * /work/shared/testdata/README.md); weights are small pseudo-random numbers
 * (fixed seed), so the files are deterministic. Hooks let a test leave a key
 * out or add hostile metadata of its own. */
#ifndef RWKV_TINYGEN_H
#define RWKV_TINYGEN_H

#include <stdint.h>

#include "gguf_write.h"
#include "rwkv_error.h"

typedef struct tinygen_opts {
  uint32_t n_layer, n_embd, head_size, n_ffn, n_vocab, rank; /* rank: all four LoRA ranks */
  uint32_t big_type;   /* ggml type of the big matrices: RWKV_TYPE_F32, _F16 or _Q8_0 */
  int no_tokenizer;    /* 1: write no tokenizer.* keys */
  const char *skip_key; /* leave this metadata key out (NULL: none) */
  /* Called after the standard metadata, before the tensors; may add keys. */
  int (*extra)(gguf_writer *w, void *ud, rwkv_error *err);
  void *extra_ud;
} tinygen_opts;

/* Defaults: 1 layer, n_embd 64, head 64, ffn 64, vocab 256, rank 8, F32, tokenizer. */
tinygen_opts tinygen_default(void);

/* Write the model described by o to path (atomically, via gguf_writer). */
int tinygen_write(const char *path, const tinygen_opts *o, rwkv_error *err);

#endif
