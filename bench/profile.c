/* profile.c - where a forward pass spends its time (bench-profile).
 *
 *   RWKV_PROFILE=1 bench-profile MODEL.gguf T REPEAT [embed]
 *
 * Runs REPEAT passes of T tokens (T = 1: decode steps, one token each; T > 1:
 * prefills of T tokens from a fresh state) with the engine's profiler on; the
 * per-step table (glFinish between steps, so totals exceed the real pass
 * time) is printed when the model is freed. */
#include <GLES3/gl31.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rwkv.h"

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: RWKV_PROFILE=1 %s MODEL.gguf T REPEAT [embed]\n", argv[0]);
    return 2;
  }
  int T = atoi(argv[2]), rep = atoi(argv[3]), embed = argc > 4;
  if (T < 1 || rep < 1) return 2;
  rwkv_error err;
  rwkv_model *m;
  if (rwkv_model_load(argv[1], NULL, &m, &err)) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  const rwkv_model_info *in = rwkv_model_get_info(m);
  int32_t *ids = malloc(sizeof *ids * (size_t)T);
  float *out = malloc(sizeof *out * in->n_vocab);
  for (int i = 0; i < T; i++) ids[i] = (int32_t)((i * 7919u + 13u) % (in->n_vocab < 256 ? in->n_vocab : 256u));
  rwkv_state *s;
  /* BENCH_OUTPUT=none: no output, no readback; prints the time to queue the passes
   * (CPU) apart from the time until the GPU is done (rwkv_gpu_wait): which one bounds decode */
  const char *bo = getenv("BENCH_OUTPUT");
  int none = bo && !strcmp(bo, "none");
  rwkv_forward_opts o = {none ? RWKV_OUTPUT_NONE : RWKV_OUTPUT_LAST, embed, 0};
  int rc = !ids || !out || rwkv_state_new(m, &s, &err);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int r = 0; r < rep && !rc; r++) {
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
  if (!rc) printf("%d passes of %d tokens: %.3f ms per pass, %.0f tok/s\n", rep, T, ms / rep, rep * T / ms * 1e3);
  if (rc) fprintf(stderr, "%s\n", err.msg);
  else rwkv_state_free(s);
  rwkv_model_free(m); /* prints the profile */
  free(ids);
  free(out);
  return rc ? 1 : 0;
}
