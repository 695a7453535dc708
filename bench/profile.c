/* profile.c - where a forward pass spends its time (bench-profile).
 *
 *   RWKV_PROFILE=1 bench-profile MODEL.gguf T REPEAT [embed]
 *
 * Runs one warm-up pass, then REPEAT timed passes of T tokens (T = 1: decode steps, one
 * token each; T > 1: prefills of T tokens from a fresh state) with the engine's profiler on;
 * the per-step table of the timed passes (RWKV_PROFILE_SKIP=1 leaves the warm-up, with its
 * first-use program builds, out; steps serialised, so totals exceed the real pass time) is
 * printed when the model is freed.
 *
 * BENCH_LENS=13,10,14,...: each pass is one batch of sequences of those lengths instead (T
 * is ignored; rwkv_forward_batch from fresh states, padded as the engine pads a batch), e.g.
 * rwkv-bench's 10 fields in the world tokenizer: 13,10,14,8,12,16,12,13,13,13. */
#include <GLES3/gl31.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rwkv.h"

enum { MAXB = 64 };

/* BENCH_LENS's lengths into n (at most MAXB); the count, or -1 after a message. */
static int parse_lens(const char *c, size_t *n) {
  int nb = 0;
  while (c && *c) {
    char *e;
    long v = strtol(c, &e, 10);
    if (e == c || v < 1 || v > 4096 || (*e && *e != ',') || nb == MAXB) {
      fprintf(stderr, "BENCH_LENS: expected up to %d comma-separated lengths 1..4096 at \"%s\"\n", MAXB, c);
      return -1;
    }
    n[nb++] = (size_t)v;
    c = *e ? e + 1 : e;
  }
  return nb;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: RWKV_PROFILE=1 %s MODEL.gguf T REPEAT [embed]\n", argv[0]);
    return 2;
  }
  int T = atoi(argv[2]), rep = atoi(argv[3]), embed = argc > 4;
  size_t bn[MAXB], maxn = 0, total = 0;
  int nb = parse_lens(getenv("BENCH_LENS"), bn);
  if (nb < 0) return 2;
  for (int i = 0; i < nb; i++) {
    total += bn[i];
    if (bn[i] > maxn) maxn = bn[i];
  }
  if (nb) T = (int)maxn;
  if (T < 1 || rep < 1) return 2;
  rwkv_error err;
  rwkv_model *m;
  setenv("RWKV_PROFILE_SKIP", "1", 0); /* the warm-up pass below (a setting given wins) */
  if (rwkv_model_load(argv[1], NULL, &m, &err)) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  const rwkv_model_info *in = rwkv_model_get_info(m);
  int32_t *ids = malloc(sizeof *ids * (size_t)T);
  float *out = malloc(sizeof *out * in->n_vocab * (size_t)(nb ? nb : 1));
  for (int i = 0; i < T; i++) ids[i] = (int32_t)((i * 7919u + 13u) % (in->n_vocab < 256 ? in->n_vocab : 256u));
  rwkv_state *s;
  /* BENCH_OUTPUT=none: no output, no readback; prints the time to queue the passes
   * (CPU) apart from the time until the GPU is done (rwkv_gpu_wait): which one bounds decode */
  const char *bo = getenv("BENCH_OUTPUT");
  int none = bo && !strcmp(bo, "none");
  rwkv_forward_opts o = {none ? RWKV_OUTPUT_NONE : RWKV_OUTPUT_LAST, embed, 0};
  int rc = !ids || !out || rwkv_state_new(m, &s, &err);
  rwkv_state *bs[MAXB];
  const int32_t *bp[MAXB];
  int made = 0;
  for (; made < nb && !rc; made++) {
    bp[made] = ids + (maxn - bn[made]); /* each sequence a suffix of ids */
    if ((rc = rwkv_state_new(m, &bs[made], &err))) break;
  }
  struct timespec t0, t1;
  for (int r = -1; r < rep && !rc; r++) { /* r = -1: the warm-up, untimed */
    if (r == 0) {
      rc = rwkv_gpu_wait(rwkv_model_gpu(m), &err);
      clock_gettime(CLOCK_MONOTONIC, &t0);
      if (rc) break;
    }
    if (nb) {
      for (int i = 0; i < nb && !rc; i++) rc = rwkv_state_reset(bs[i], &err);
      if (!rc) rc = rwkv_forward_batch(m, bs, bp, bn, (size_t)nb, &o, out, &err);
      continue;
    }
    if (T > 1) rc = rwkv_state_reset(s, &err);
    if (!rc) rc = rwkv_forward(m, s, ids, (size_t)T, &o, out, &err);
  }
  struct timespec tq;
  clock_gettime(CLOCK_MONOTONIC, &tq);
  rwkv_gpu_wait(rwkv_model_gpu(m), NULL);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (none)
    printf("queued in %.3f ms per pass (CPU), done after %.3f\n",
           ((tq.tv_sec - t0.tv_sec) * 1e3 + (tq.tv_nsec - t0.tv_nsec) / 1e6) / rep,
           ((t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6) / rep);
  double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
  if (!rc && nb)
    printf("%d passes of %d sequences (%zu tokens, %zu rows padded): %.3f ms per pass\n", rep, nb, total,
           (size_t)nb * maxn, ms / rep);
  else if (!rc)
    printf("%d passes of %d tokens: %.3f ms per pass, %.0f tok/s\n", rep, T, ms / rep, rep * T / ms * 1e3);
  if (rc) fprintf(stderr, "%s\n", err.msg);
  else rwkv_state_free(s);
  for (int i = 0; i < made; i++) rwkv_state_free(bs[i]);
  rwkv_model_free(m); /* prints the profile */
  free(ids);
  free(out);
  return rc ? 1 : 0;
}
