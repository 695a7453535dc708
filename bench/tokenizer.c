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

typedef struct gen {
  uint64_t s;
  char *buf;
  size_t len, cap;
} gen;

static uint32_t gen_rand(gen *g) {
  g->s = g->s * 6364136223846793005ULL + 1442695040888963407ULL;
  return (uint32_t)(g->s >> 33);
}

static void put(gen *g, const char *s) {
  size_t n = strlen(s);
  if (g->len + n > g->cap) return;
  memcpy(g->buf + g->len, s, n);
  g->len += n;
}

static const char *pick(gen *g, const char *const *v, size_t n) { return v[gen_rand(g) % n]; }
#define PICK(g, v) pick(g, v, sizeof v / sizeof v[0])

/* Deterministic English email-like text of about `size` bytes. */
static char *make_text(size_t size, size_t *len) {
  static const char *const first[] = {"Jon", "Maria", "Alex", "Priya", "Chen", "Sarah", "Tom",
                                      "Fatima", "Lukas", "Emma", "Diego", "Olivia"};
  static const char *const last[] = {"Park", "Garcia", "Smith", "Patel", "Wang", "Miller",
                                     "Novak", "Okafor", "Schmidt", "Brown"};
  static const char *const domain[] = {"example.com", "corp.example.org", "mail.example.net",
                                       "acme.io"};
  static const char *const subj[] = {"Meeting moved to Thursday", "Re: Q3 budget review",
                                     "Fwd: contract draft", "Quick question about the release",
                                     "Re: Re: travel plans", "Invoice #4821", "Team offsite agenda",
                                     "Update on the hiring plan"};
  static const char *const greet[] = {"Hi all,", "Hello", "Dear team,", "Hi", "Good morning,",
                                      "Hey"};
  static const char *const words[] = {
      "the", "project", "meeting", "we", "will", "need", "to", "review", "budget", "before",
      "next", "week", "please", "send", "me", "your", "comments", "on", "draft", "and", "let",
      "know", "if", "you", "have", "any", "questions", "about", "schedule", "I", "think", "it",
      "would", "be", "good", "a", "call", "with", "customer", "team", "is", "working", "new",
      "release", "which", "should", "ready", "by", "Friday", "thanks", "for", "help", "our",
      "plan", "for", "quarter", "includes", "hiring", "two", "engineers", "designer", "update",
      "report", "attached", "as", "discussed", "yesterday", "can", "confirm", "time", "room",
      "agenda", "also", "follow", "up", "invoice", "payment", "this", "that", "there", "are",
      "some", "issues", "with", "server", "deployment", "were", "fixed", "last", "night",
      "everyone", "information", "important", "decision", "approval", "manager", "office",
      "Monday", "Tuesday", "afternoon", "morning", "minutes", "notes", "document", "shared"};
  static const char *const punct[] = {".", ".", ".", ",", "?", "!", ";", ":"};
  static const char *const sign[] = {"Best,", "Thanks,", "Regards,", "Cheers,", "Best regards,"};
  gen g = {2024, malloc(size + 4096), 0, size + 4096};
  if (!g.buf) return NULL;
  char tmp[256];
  while (g.len < size) {
    const char *f1 = PICK(&g, first), *l1 = PICK(&g, last), *d1 = PICK(&g, domain);
    const char *f2 = PICK(&g, first), *d2 = PICK(&g, domain);
    snprintf(tmp, sizeof tmp, "From: %s %s <%c.%s@%s>\r\nTo: %s@%s\r\nDate: %u %s 2024 %02u:%02u\r\n",
             f1, l1, f1[0] | 0x20, l1, d1, f2, d2, 1 + gen_rand(&g) % 28,
             gen_rand(&g) % 2 ? "Mar" : "Oct", gen_rand(&g) % 24, gen_rand(&g) % 60);
    put(&g, tmp);
    snprintf(tmp, sizeof tmp, "Subject: %s\r\n\r\n%s %s\r\n\r\n", PICK(&g, subj), PICK(&g, greet),
             f2);
    put(&g, tmp);
    int paras = 1 + (int)(gen_rand(&g) % 4);
    for (int p = 0; p < paras; p++) {
      int sents = 1 + (int)(gen_rand(&g) % 5);
      for (int s = 0; s < sents; s++) {
        int nw = 4 + (int)(gen_rand(&g) % 14);
        for (int w = 0; w < nw; w++) {
          const char *wd = PICK(&g, words);
          if (w == 0) {
            snprintf(tmp, sizeof tmp, "%c%s", wd[0] >= 'a' ? wd[0] - 32 : wd[0], wd + 1);
            put(&g, tmp);
          } else {
            put(&g, " ");
            if (gen_rand(&g) % 40 == 0) {
              snprintf(tmp, sizeof tmp, "%u", gen_rand(&g) % 2000);
              put(&g, tmp);
            } else {
              put(&g, wd);
            }
          }
          if (w + 1 < nw && gen_rand(&g) % 12 == 0) put(&g, ",");
        }
        put(&g, PICK(&g, punct));
        put(&g, " ");
      }
      put(&g, "\r\n\r\n");
    }
    if (gen_rand(&g) % 3 == 0) {
      snprintf(tmp, sizeof tmp, "> On %s, %s wrote:\r\n> %s %s %s.\r\n\r\n", "Monday", f2,
               PICK(&g, words), PICK(&g, words), PICK(&g, words));
      put(&g, tmp);
    }
    snprintf(tmp, sizeof tmp, "%s\r\n%s\r\n-- \r\n%s %s | %s\r\n\r\n", PICK(&g, sign), f1, f1, l1,
             d1);
    put(&g, tmp);
  }
  *len = g.len;
  return g.buf;
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
    text = make_text(1 << 20, &len);
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
