/* fuzz_vocab.c - libFuzzer target: the input is a vocabulary file
 * (rwkv_vocab_v20230424.txt format: "<id> <python literal> <byte length>").
 *
 * rwkv_tokenizer_load_vocab_memory parses it; an accepted vocabulary must
 * round-trip the input itself through tokenize/detokenize when it encodes.
 * The same bytes, split at newlines, also go through rwkv_tokenizer_from_tokens
 * as llama.cpp's escaped GGUF token form (the other text parser).
 * Invariant: every failure has its code and a non-empty message. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer.h"
#include "fuzz.h"

static void round_trip(const rwkv_tokenizer *t, const uint8_t *data, size_t size) {
  rwkv_error err = {0};
  if (size > 4096) size = 4096;
  int32_t *ids = malloc((size ? size : 1) * sizeof *ids);
  char *back = malloc(size ? size : 1);
  REQUIRE(ids && back);
  size_t n = 0, bl = 0;
  int rc = rwkv_tokenize(t, data, size, ids, &n, &err);
  check_err(rc, &err);
  if (rc == RWKV_OK) {
    REQUIRE(n <= size);
    rc = rwkv_detokenize(t, ids, n, back, size, &bl, &err);
    REQUIRE(rc == RWKV_OK && bl == size && (size == 0 || memcmp(back, data, size) == 0));
  }
  free(ids);
  free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  rwkv_error err = {0};
  rwkv_tokenizer *t = NULL;
  int rc = rwkv_tokenizer_load_vocab_memory(data, size, "fuzz.txt", &t, &err);
  check_err(rc, &err);
  if (rc == RWKV_OK) {
    round_trip(t, data, size);
    rwkv_tokenizer_free(t);
  } else {
    REQUIRE(t == NULL);
  }

  /* lines as escaped GGUF tokens (at most 4096 of them) */
  gguf_str toks[4096];
  uint64_t n = 0;
  size_t start = 0;
  for (size_t i = 0; i <= size && n < 4096; i++) {
    if (i == size || data[i] == '\n') {
      toks[n].ptr = (const char *)data + start;
      toks[n].len = i - start;
      n++;
      start = i + 1;
    }
  }
  for (int escaped = 0; escaped <= 1; escaped++) {
    t = NULL;
    rc = rwkv_tokenizer_from_tokens(toks, n, escaped, "fuzz-tokens", &t, &err);
    check_err(rc, &err);
    if (rc == RWKV_OK) {
      round_trip(t, data, size);
      rwkv_tokenizer_free(t);
    }
  }
  return 0;
}
