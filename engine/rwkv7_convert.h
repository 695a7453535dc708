/* rwkv7_convert.h - convert rwkv.cpp's RWKV-7 model files to llama.cpp's rwkv7 GGUF.
 *
 * Input: rwkv.cpp's own format (rwkv.cpp docs/FILE_FORMAT.md): six int32
 * (magic 0x67676d66, version 100/101, n_vocab, n_embd, n_layer, data type),
 * then records {int32 n_dims, int32 key_len, int32 type (0 f32, 1 f16),
 * int32 dims[n_dims] (ggml order), key bytes, data}. Every field is validated;
 * errors name the input file and the byte offset.
 *
 * Output: GGUF v3 with llama.cpp's rwkv7 tensor names and metadata (see
 * /work/shared/testdata/README.md). Big matrices (token_embd, output, the
 * time_mix r/k/v/o and channel_mix key/value matrices) get the requested type;
 * the rest stays F32 (LoRA matrices: F16 for f16 output or F16 input). The
 * written file is re-opened and checked with rwkv7_describe before success.
 * Same input and options -> same output bytes. */
#ifndef RWKV_RWKV7_CONVERT_H
#define RWKV_RWKV7_CONVERT_H

#include <stdint.h>
#include <stdio.h>

#include "rwkv_error.h"

typedef struct rwkv7_convert_opts {
  const char *type;  /* f32 (default when NULL), f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1,
                        q2_k, q3_k, q4_k, q5_k, q6_k, q4_k_m (case-insensitive) */
  const char *vocab; /* world vocabulary file (rwkv_vocab_v20230424.txt) or NULL: then the
                        model must have n_vocab 256 and gets the 256 single bytes */
  const char *name;  /* general.name; NULL: input file name without folder and ".bin" */
  FILE *log;         /* notes (fallback types, ...); NULL: quiet */
} rwkv7_convert_opts;

typedef struct rwkv7_convert_stats {
  uint32_t n_tensors;  /* tensors written */
  uint32_t n_fallback; /* big matrices that could not take the requested type */
} rwkv7_convert_stats;

/* Convert in_path (rwkv.cpp .bin) to out_path (GGUF). stats may be NULL.
 * On failure out_path is not created (or removed when the final check fails). */
int rwkv7_convert(const char *in_path, const char *out_path, const rwkv7_convert_opts *opts,
                  rwkv7_convert_stats *stats, rwkv_error *err);

#endif
