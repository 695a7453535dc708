/* fuzz_gguf.c - libFuzzer target: the input is a GGUF file.
 *
 * gguf_open_memory validates it; when it is accepted, every tensor byte and
 * every string is touched (libFuzzer's input buffer has its exact size, so
 * AddressSanitizer sees any pointer outside it), then rwkv7_describe and
 * rwkv_tokenizer_from_gguf run on it, and an accepted tokenizer must round-trip
 * a fixed text. Invariants checked (trap on violation): a failure carries its
 * code and a non-empty message; a failed describe leaves an empty description.
 * Built and run by tests/fuzz/run.sh. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gguf.h"
#include "rwkv7.h"
#include "tokenizer.h"
#include "fuzz.h"

static void try_tokenizer(const gguf_file *f) {
  rwkv_error err = {0};
  rwkv_tokenizer *t = NULL;
  int rc = rwkv_tokenizer_from_gguf(f, &t, &err);
  check_err(rc, &err);
  if (rc != RWKV_OK) {
    REQUIRE(t == NULL);
    return;
  }
  static const char text[] = "Hello, world!\n\x00\x01\xff\xe4\xbd\xa0 abc";
  size_t len = sizeof text - 1;
  int32_t ids[sizeof text];
  size_t n = 0;
  rc = rwkv_tokenize(t, text, len, ids, &n, &err);
  check_err(rc, &err);
  if (rc == RWKV_OK) {
    char back[sizeof text];
    size_t bl = 0;
    rc = rwkv_detokenize(t, ids, n, back, sizeof back, &bl, &err);
    REQUIRE(rc == RWKV_OK && bl == len && memcmp(back, text, len) == 0);
  }
  uint32_t nv = rwkv_tokenizer_vocab_size(t);
  for (uint32_t i = 0; i < nv && i < 4096; i++) {
    const char *b;
    size_t bl;
    REQUIRE(rwkv_token_bytes(t, (int32_t)i, &b, &bl, &err) == RWKV_OK);
    volatile unsigned s = 0;
    for (size_t k = 0; k < bl; k++) s += (uint8_t)b[k];
    (void)s;
  }
  rwkv_tokenizer_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  rwkv_error err = {0};
  gguf_file *f = NULL;
  int rc = gguf_open_memory(data, size, "fuzz.gguf", &f, &err);
  check_err(rc, &err);
  if (rc != RWKV_OK) {
    REQUIRE(f == NULL);
    return 0;
  }
  volatile unsigned sum = 0;
  for (uint64_t i = 0; i < f->n_tensors; i++) {
    const gguf_tensor *t = &f->tensors[i];
    for (uint64_t j = 0; j < t->name.len; j++) sum += (uint8_t)t->name.ptr[j];
    for (uint64_t j = 0; j < t->size; j++) sum += t->data[j];
  }
  for (uint64_t i = 0; i < f->n_kv; i++) {
    const gguf_kv *kv = &f->kv[i];
    for (uint64_t j = 0; j < kv->key.len; j++) sum += (uint8_t)kv->key.ptr[j];
    for (uint64_t j = 0; kv->strs && j < kv->arr_n; j++)
      for (uint64_t k = 0; k < kv->strs[j].len; k++) sum += (uint8_t)kv->strs[j].ptr[k];
  }
  (void)sum;
  /* typed getters on the keys the engine reads */
  uint32_t u;
  float fl;
  gguf_str s;
  const gguf_str *ss;
  uint64_t n;
  const void *arr;
  check_err(gguf_get_u32(f, "rwkv7.block_count", 1, &u, &err), &err);
  check_err(gguf_get_f32(f, "rwkv7.attention.layer_norm_epsilon", 1, &fl, &err), &err);
  check_err(gguf_get_str(f, "general.architecture", 1, &s, &err), &err);
  check_err(gguf_get_str_array(f, "tokenizer.ggml.tokens", 1, &ss, &n, &err), &err);
  check_err(gguf_get_array(f, "tokenizer.ggml.token_type", GGUF_I32, 1, &arr, &n, &err), &err);

  rwkv7_desc d;
  memset(&d, 0xa5, sizeof d);
  rc = rwkv7_describe(f, &d, &err);
  check_err(rc, &err);
  if (rc != RWKV_OK) REQUIRE(d.layers == NULL && d.n_layer == 0);
  rwkv7_desc_free(&d);

  try_tokenizer(f);
  gguf_close(f);
  return 0;
}
