/* test_regressions.c - replay tests/fuzz/regressions/ and the fuzz seed corpora.
 *
 * Every file of tests/fuzz/regressions goes through both parsers the fuzzers
 * drive (GGUF: gguf_open_memory + rwkv7_describe + rwkv_tokenizer_from_gguf;
 * vocab: rwkv_tokenizer_load_vocab_memory + rwkv_tokenizer_from_tokens on its
 * lines): each must be refused with a code and a message naming the file, or
 * accepted; never crash, leak or read out of bounds (each input is an
 * exact-size heap copy, so the ASan build sees any over-read).
 * The seeds of tests/fuzz/corpus_gguf must be accepted (complete models) or
 * refused as truncated (the *-header.gguf ones); those of corpus_vocab accepted. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gguf.h"
#include "rwkv7.h"
#include "testutil.h"
#include "tokenizer.h"

#define FUZZ_DIR RWKV_SOURCE_DIR "/tests/fuzz"

static void check_refusal(int rc, const rwkv_error *err, const char *name) {
  if (rc == RWKV_OK) return;
  CHECK_MSG(err->code == rc && err->msg[0] && strstr(err->msg, name), "%s: rc %d, msg \"%s\"", name, rc,
            err->msg);
}

/* Returns a bit set: 1 gguf opened, 2 described, 4 tokenizer built. */
static int replay_gguf(const uint8_t *data, size_t n, const char *name) {
  rwkv_error err = {0};
  gguf_file *f = NULL;
  int got = 0;
  int rc = gguf_open_memory(data, n, name, &f, &err);
  check_refusal(rc, &err, name);
  if (rc) {
    CHECK(f == NULL);
    return 0;
  }
  got |= 1;
  unsigned sum = 0;
  for (uint64_t i = 0; i < f->n_tensors; i++)
    for (uint64_t j = 0; j < f->tensors[i].size; j++) sum += f->tensors[i].data[j];
  (void)sum;
  rwkv7_desc d;
  rc = rwkv7_describe(f, &d, &err);
  check_refusal(rc, &err, name);
  if (rc == RWKV_OK) got |= 2;
  rwkv7_desc_free(&d);
  rwkv_tokenizer *t = NULL;
  rc = rwkv_tokenizer_from_gguf(f, &t, &err);
  check_refusal(rc, &err, name);
  if (rc == RWKV_OK) {
    got |= 4;
    const char text[] = "Hello\n\x01\xff";
    int32_t ids[sizeof text];
    size_t k = 0;
    if (rwkv_tokenize(t, text, sizeof text - 1, ids, &k, &err) == RWKV_OK) {
      char back[sizeof text];
      size_t bl = 0;
      CHECK(rwkv_detokenize(t, ids, k, back, sizeof back, &bl, &err) == RWKV_OK && bl == sizeof text - 1 &&
            memcmp(back, text, bl) == 0);
    }
  }
  rwkv_tokenizer_free(t);
  gguf_close(f);
  return got;
}

static int replay_vocab(const uint8_t *data, size_t n, const char *name) {
  rwkv_error err = {0};
  rwkv_tokenizer *t = NULL;
  int rc = rwkv_tokenizer_load_vocab_memory(data, n, name, &t, &err);
  check_refusal(rc, &err, name);
  CHECK(rc == RWKV_OK || t == NULL);
  rwkv_tokenizer_free(t);
  /* lines as GGUF tokens, escaped and raw */
  size_t cap = 1;
  for (size_t i = 0; i < n; i++) cap += data[i] == '\n';
  gguf_str *toks = malloc(cap * sizeof *toks);
  if (!toks) return rc;
  size_t k = 0, start = 0;
  for (size_t i = 0; i <= n; i++)
    if (i == n || data[i] == '\n') {
      toks[k].ptr = (const char *)data + start;
      toks[k].len = i - start;
      k++;
      start = i + 1;
    }
  for (int esc = 0; esc <= 1; esc++) {
    rwkv_error e2 = {0};
    t = NULL;
    int r2 = rwkv_tokenizer_from_tokens(toks, k, esc, name, &t, &e2);
    check_refusal(r2, &e2, name);
    rwkv_tokenizer_free(t);
  }
  free(toks);
  return rc;
}

typedef int (*visit_fn)(const char *dir, const char *file, const uint8_t *data, size_t n);

static int for_each(const char *dir, visit_fn fn) {
  DIR *d = opendir(dir);
  CHECK_MSG(d != NULL, "cannot open %s", dir);
  if (!d) return 0;
  int count = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    size_t n = 0;
    uint8_t *whole = test_read_file(path, &n);
    CHECK_MSG(whole != NULL, "cannot read %s", path);
    if (!whole) continue;
    uint8_t *exact = malloc(n ? n : 1); /* exact size: any over-read is an ASan error */
    if (exact) {
      if (n) memcpy(exact, whole, n);
      fn(dir, e->d_name, exact, n);
      count++;
    }
    free(exact);
    free(whole);
  }
  closedir(d);
  return count;
}

static int visit_regression(const char *dir, const char *file, const uint8_t *data, size_t n) {
  (void)dir;
  replay_gguf(data, n, file);
  replay_vocab(data, n, file);
  return 0;
}

static int visit_gguf_seed(const char *dir, const char *file, const uint8_t *data, size_t n) {
  (void)dir;
  int got = replay_gguf(data, n, file);
  if (strstr(file, "-header")) {
    CHECK_MSG(got == 0, "%s: a header-only seed must be refused", file);
  } else if (strstr(file, "notok")) {
    CHECK_MSG(got == 3, "%s: got %d, want described without tokenizer", file, got);
  } else {
    CHECK_MSG(got == 7, "%s: got %d, want opened, described, tokenizer", file, got);
  }
  replay_vocab(data, n, file);
  return 0;
}

static int visit_vocab_seed(const char *dir, const char *file, const uint8_t *data, size_t n) {
  (void)dir;
  int rc = replay_vocab(data, n, file);
  CHECK_MSG(rc == RWKV_OK, "%s: vocab seed refused", file);
  replay_gguf(data, n, file);
  return 0;
}

int main(void) {
  int n1 = for_each(FUZZ_DIR "/regressions", visit_regression);
  int n2 = for_each(FUZZ_DIR "/corpus_gguf", visit_gguf_seed);
  int n3 = for_each(FUZZ_DIR "/corpus_vocab", visit_vocab_seed);
  printf("replayed %d regressions, %d GGUF seeds, %d vocab seeds\n", n1, n2, n3);
  CHECK(n1 > 0 && n2 > 0 && n3 > 0);
  return test_result("test_regressions");
}
