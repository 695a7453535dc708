/* bench-tokenizer: speed of the RWKV world tokenizer.
 *
 *   bench-tokenizer <vocab> [file]        encode file (default: ~1 MB generated email-like text)
 *   bench-tokenizer <vocab> --dump <out>  write the generated text to out (for ref_tokenizer.py)
 *
 * Prints vocab load time, encode MB/s over the whole text, microseconds per 4 KB
 * email (the text cut in 4096-byte pieces), decode MB/s, the token count and an
 * FNV-1a hash of the ids (ref_tokenizer.py prints the same hash). Medians of repeats.
 * Encode is also given per thread CPU time, which a busy machine disturbs less. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emailtext.h"
#include "tokenizer.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_d);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static uint32_t fnv_ids(const int32_t *ids, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) {
    uint32_t v = (uint32_t)ids[i];
    for (int b = 0; b < 4; b++) {
      h ^= (v >> (8 * b)) & 0xFF;
      h *= 16777619u;
    }
  }
  return h;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s <vocab> [file | --dump <out>]\n", argv[0]);
    return 2;
  }
  rwkv_error err;
  size_t len = 0;
  char *text = NULL;
  int dump = argc >= 4 && strcmp(argv[2], "--dump") == 0;
  if (argc >= 3 && !dump) {
    FILE *f = fopen(argv[2], "rb");
    if (!f) { fprintf(stderr, "%s: cannot open\n", argv[2]); return 1; }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    text = malloc(n > 0 ? (size_t)n : 1);
    len = n > 0 ? fread(text, 1, (size_t)n, f) : 0;
    fclose(f);
  } else {
    const emailtext_style style = {.eol = "\r\n", .quote = 1, .unique_words = 0, .rich_punct = 1, .slack = 4096};
    text = emailtext_make(1 << 20, &style, &len);
  }
  if (!text) return 1;
  if (dump) {
    FILE *f = fopen(argv[3], "wb");
    if (!f || fwrite(text, 1, len, f) != len) { fprintf(stderr, "%s: write failed\n", argv[3]); return 1; }
    fclose(f);
    printf("wrote %zu bytes to %s\n", len, argv[3]);
    free(text);
    return 0;
  }

  enum { LOADS = 5, REPS = 9 };
  double tl[LOADS];
  rwkv_tokenizer *t = NULL;
  for (int r = 0; r < LOADS; r++) {
    double t0 = now_s();
    if (rwkv_tokenizer_load_vocab(argv[1], &t, &err) != RWKV_OK) {
      fprintf(stderr, "%s\n", err.msg);
      return 1;
    }
    tl[r] = now_s() - t0;
    if (r + 1 < LOADS) rwkv_tokenizer_free(t);
  }
  int32_t *ids = malloc((len ? len : 1) * sizeof *ids);
  char *back = malloc(len ? len : 1);
  size_t n = 0, blen = 0;
  double te[REPS], tec[REPS], tc[REPS], td[REPS];
  size_t chunk = 4096, n_chunks = (len + chunk - 1) / chunk;
  for (int r = 0; r < REPS; r++) {
    double t0 = now_s(), c0 = cpu_s();
    if (rwkv_tokenize(t, text, len, ids, &n, &err) != RWKV_OK) {
      fprintf(stderr, "%s\n", err.msg);
      return 1;
    }
    te[r] = now_s() - t0;
    tec[r] = cpu_s() - c0;
    t0 = now_s();
    size_t total = 0;
    for (size_t c = 0; c < n_chunks; c++) {
      size_t a = c * chunk, l = len - a < chunk ? len - a : chunk, k;
      rwkv_tokenize(t, text + a, l, ids + total, &k, &err);
      total += k;
    }
    tc[r] = (now_s() - t0) / (double)(n_chunks ? n_chunks : 1);
    rwkv_tokenize(t, text, len, ids, &n, &err);
    t0 = now_s();
    if (rwkv_detokenize(t, ids, n, back, len, &blen, &err) != RWKV_OK) {
      fprintf(stderr, "%s\n", err.msg);
      return 1;
    }
    td[r] = now_s() - t0;
  }
  int rt = blen == len && memcmp(back, text, len) == 0;
  double mb = (double)len / 1e6;
  printf("text: %zu bytes%s, %zu tokens (%.2f bytes/token), ids fnv1a %08x, round trip %s\n", len,
         argc >= 3 ? "" : " (generated emails)", n, (double)len / (double)(n ? n : 1),
         fnv_ids(ids, n), rt ? "ok" : "FAILED");
  printf("vocab load: %.2f ms (median of %d)\n", median(tl, LOADS) * 1e3, LOADS);
  printf("encode: %.1f MB/s wall, %.1f MB/s thread CPU time (median of %d)\n",
         mb / median(te, REPS), mb / median(tec, REPS), REPS);
  printf("encode per 4 KB email: %.1f us (median of %d)\n", median(tc, REPS) * 1e6, REPS);
  printf("decode: %.1f MB/s (median of %d)\n", mb / median(td, REPS), REPS);
  rwkv_tokenizer_free(t);
  free(ids);
  free(back);
  free(text);
  return rt ? 0 : 1;
}
