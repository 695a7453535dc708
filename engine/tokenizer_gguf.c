/* tokenizer_gguf.c - the RWKV world tokenizer from GGUF metadata.
 *
 * llama.cpp writes (convert_hf_to_gguf.py, _set_vocab_rwkv_world):
 * tokenizer.ggml.model = "rwkv", tokenizer.ggml.tokens = the escaped token
 * texts (id 0 "<s>", fillers "[PADn]"), tokenizer.ggml.token_type = i32 types
 * (CONTROL for id 0, UNUSED for fillers). Kept apart from tokenizer.c so that
 * programs that only read a vocab file do not pull in the GGUF reader. */
#include "tokenizer.h"

#include <stdlib.h>
#include <string.h>

int rwkv_tokenizer_from_gguf(const gguf_file *f, rwkv_tokenizer **out, rwkv_error *err) {
  if (!f || !out) return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv_tokenizer_from_gguf: NULL argument");
  *out = NULL;
  const char *name = f->path ? f->path : "gguf";
  gguf_str model;
  int rc = gguf_get_str(f, "tokenizer.ggml.model", 0, &model, err);
  if (rc != RWKV_OK) return rc;
  if (!gguf_str_eq(model, "rwkv"))
    return rwkv_errorf(err, RWKV_ERR_UNSUPPORTED,
                       "%s: tokenizer.ggml.model is \"%.*s\", expected \"rwkv\"", name,
                       (int)(model.len < 40 ? model.len : 40), model.ptr);
  const gguf_str *tokens = NULL;
  uint64_t n = 0;
  rc = gguf_get_str_array(f, "tokenizer.ggml.tokens", 0, &tokens, &n, err);
  if (rc != RWKV_OK) return rc;
  const void *types = NULL;
  uint64_t nt = 0;
  rc = gguf_get_array(f, "tokenizer.ggml.token_type", GGUF_I32, 1, &types, &nt, err);
  if (rc != RWKV_OK) return rc;
  if (types && nt != n)
    return rwkv_errorf(err, RWKV_ERR_FORMAT,
                       "%s: tokenizer.ggml.token_type has %llu entries, tokenizer.ggml.tokens %llu",
                       name, (unsigned long long)nt, (unsigned long long)n);
  /* The array sits unaligned in the mapping: copy it before reading int32s. */
  int32_t *ty = NULL;
  if (types) {
    ty = malloc((size_t)(n ? n : 1) * sizeof *ty);
    if (!ty) return rwkv_errorf(err, RWKV_ERR_NOMEM, "%s: out of memory for token types", name);
    memcpy(ty, types, (size_t)n * sizeof *ty);
  }
  rc = rwkv_tokenizer_from_tokens_typed(tokens, ty, n, 1, name, out, err);
  free(ty);
  return rc;
}
