/* tokenizer.h - the RWKV "world" tokenizer (greedy longest match over raw bytes).
 *
 * The algorithm is the one of BlinkDL's TRIE_TOKENIZER (ChatRWKV/RWKV-LM
 * rwkv_tokenizer.py): at each position take the longest vocabulary entry that
 * is a prefix of the remaining bytes. Here the trie is a double-array trie
 * (Aoe's double array: child = base[s] + byte, valid iff check[child] == s), so
 * one transition is one indexed load.
 *
 * Token 0 is end-of-text and has no bytes. Any byte sequence (valid UTF-8 or
 * not) encodes when the vocabulary has all 256 single bytes, and
 * detokenize(tokenize(s)) == s exactly. */
#ifndef RWKV_TOKENIZER_H
#define RWKV_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "gguf.h"
#include "rwkv_error.h"

typedef struct rwkv_tokenizer rwkv_tokenizer;

/* rwkv_vocab_v20230424.txt format: "<id> <python str or bytes literal> <byte length>" per line.
 * Ids must be 1..N, each once (any order); id 0 is end-of-text (no bytes); vocab size is N + 1. */
int rwkv_tokenizer_load_vocab(const char *path, rwkv_tokenizer **out, rwkv_error *err);
/* The same format from size bytes of caller memory (copied; need not be NUL-terminated);
   name (may be NULL) stands for the file in messages. */
int rwkv_tokenizer_load_vocab_memory(const void *data, size_t size, const char *name,
                                     rwkv_tokenizer **out, rwkv_error *err);

/* tokens[i] is token id i. escaped=1: llama.cpp's GGUF form (each token is the inside of Python's
   repr(bytes), e.g. "\\n", "\\xe4", "\\\\", "\\'"; see llama.cpp convert_hf_to_gguf.py
   _set_vocab_rwkv_world and llama-vocab.cpp llama_unescape_rwkv_token); escaped=0: raw bytes.
   `name` is used in error messages (file name). Every token must be non-empty and unique. */
int rwkv_tokenizer_from_tokens(const gguf_str *tokens, uint64_t n, int escaped, const char *name,
                               rwkv_tokenizer **out, rwkv_error *err);

/* GGUF token types (llama.cpp's llama_token_type / gguf TokenType). */
enum {
  RWKV_TOKEN_TYPE_NORMAL = 1,
  RWKV_TOKEN_TYPE_UNKNOWN = 2,
  RWKV_TOKEN_TYPE_CONTROL = 3,
  RWKV_TOKEN_TYPE_USER_DEFINED = 4,
  RWKV_TOKEN_TYPE_UNUSED = 5,
  RWKV_TOKEN_TYPE_BYTE = 6
};

/* As rwkv_tokenizer_from_tokens, with optional per-token types (NULL: all normal). CONTROL and
   UNUSED tokens (llama.cpp's "<s>" at id 0 and "[PADn]" fillers) get no bytes: they are never
   produced by rwkv_tokenize and decode to nothing, as in BlinkDL's tokenizer where id 0 is
   end-of-text. Their text is not checked. */
int rwkv_tokenizer_from_tokens_typed(const gguf_str *tokens, const int32_t *types, uint64_t n,
                                     int escaped, const char *name, rwkv_tokenizer **out,
                                     rwkv_error *err);

/* From GGUF metadata: tokenizer.ggml.model must be "rwkv", tokens from tokenizer.ggml.tokens
   (escaped); tokenizer.ggml.token_type (i32 array), when present, marks control/unused tokens.
   (Defined in tokenizer_gguf.c so that users of the rest need not link the GGUF reader.) */
int rwkv_tokenizer_from_gguf(const gguf_file *f, rwkv_tokenizer **out, rwkv_error *err);

void rwkv_tokenizer_free(rwkv_tokenizer *t);
uint32_t rwkv_tokenizer_vocab_size(const rwkv_tokenizer *t);
/* Length in bytes of the longest token (the most bytes one token can decode to). */
size_t rwkv_tokenizer_max_token_len(const rwkv_tokenizer *t);

/* Greedy longest match over raw bytes. ids must hold len entries (a token is >= 1 byte);
   *n_ids receives the count. Error if some byte has no token (name the byte and offset). */
int rwkv_tokenize(const rwkv_tokenizer *t, const void *text, size_t len, int32_t *ids,
                  size_t *n_ids, rwkv_error *err);

/* Bytes of one token (id 0 / control tokens may have none: len 0). Error for ids out of range. */
int rwkv_token_bytes(const rwkv_tokenizer *t, int32_t id, const char **bytes, size_t *len,
                     rwkv_error *err);

/* Concatenated bytes of ids into out (cap bytes); *out_len gets the length; if cap is too
   small, RWKV_ERR_ARG and *out_len gets the needed size. out may be NULL when cap is 0. */
int rwkv_detokenize(const rwkv_tokenizer *t, const int32_t *ids, size_t n, char *out, size_t cap,
                    size_t *out_len, rwkv_error *err);

/* Escape raw token bytes into llama.cpp's GGUF token form, i.e. Python's repr(bytes)[2:-1]
   (what convert_hf_to_gguf.py writes): \t \n \r \\ as such, other bytes < 0x20 or >= 0x7f as
   \xhh, and ' as \' unless the bytes contain ' but no " (repr then quotes with "). For a
   converter. Same cap / *out_len convention as rwkv_detokenize (no NUL is written). */
int rwkv_token_escape(const void *bytes, size_t len, char *out, size_t cap, size_t *out_len,
                      rwkv_error *err);

#endif
