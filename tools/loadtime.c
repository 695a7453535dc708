/* loadtime.c - rwkv-loadtime: time rwkv_model_load (open to ready) N times, each with a
 * fresh GPU context as a new process would have, and print where the time goes
 * (rwkv_model_info.load_*_ms) and the shader binary cache's hits/misses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <GLES3/gl31.h>

#include "gpu.h"
#include "rwkv.h"

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* One pass of a token on s, its logits read back into lg (NULL: no output), then a wait for
 * the GPU: 'f' a fence (rwkv_gpu_wait), 'g' glFinish, 0 none; ms, or -1 after a failure. */
static double pass_ms(rwkv_model *m, rwkv_state *s, float *lg, int wait) {
  rwkv_forward_opts o = {lg ? RWKV_OUTPUT_LAST : RWKV_OUTPUT_NONE, 0, 0};
  int32_t tok = 11;
  rwkv_error err = {0};
  double t0 = now_ms();
  int rc = rwkv_forward(m, s, &tok, 1, &o, lg, &err);
  if (!rc && wait == 'f') rc = rwkv_gpu_wait(rwkv_model_gpu(m), &err);
  if (!rc && wait == 'g') glFinish();
  if (rc) fprintf(stderr, "rwkv-loadtime: %s\n", err.msg);
  return rc ? -1 : now_ms() - t0;
}

/* LOADTIME_FIRST=1: what the first states and passes after a load cost, and how glFinish
 * compares with a fence after a read-back (bench/h100_s13e.sh .. s13g.sh). */
static void first_passes(rwkv_model *m) {
  rwkv_state *a = NULL, *b = NULL;
  rwkv_error err = {0};
  float *lg = malloc((size_t)rwkv_model_get_info(m)->n_vocab * sizeof *lg);
  double t0 = now_ms(), st[2];
  if (lg && rwkv_state_new(m, &a, &err) == RWKV_OK) {
    st[0] = now_ms() - t0;
    t0 = now_ms();
    if (rwkv_state_new(m, &b, &err) == RWKV_OK) {
      st[1] = now_ms() - t0;
      double p0 = pass_ms(m, a, NULL, 'f'), p1 = pass_ms(m, b, lg, 0); /* (p1 ends with a read-back) */
      double p2 = pass_ms(m, a, NULL, 'g'), p3 = pass_ms(m, a, NULL, 'g'), p4 = pass_ms(m, a, lg, 0);
      double p5 = pass_ms(m, a, NULL, 'f'), p6 = pass_ms(m, a, NULL, 'g');
      t0 = now_ms();
      glFinish();
      printf("  first passes: state %.2f, second state %.2f, pass (no output) + fence %.2f, pass + logits %.2f; "
             "then pass + glFinish %.2f, again %.2f; pass + logits %.2f, pass + fence %.2f, pass + glFinish %.2f, "
             "idle glFinish %.2f ms\n", st[0], st[1], p0, p1, p2, p3, p4, p5, p6, now_ms() - t0);
    }
  }
  if (err.msg[0]) fprintf(stderr, "rwkv-loadtime: %s\n", err.msg);
  rwkv_state_free(a);
  rwkv_state_free(b);
  free(lg);
}

/* LOADTIME_FIRST=2: what rwkv-bench's "load to the first token" adds to a load, right after
 * it: a new state, one token with its logits read back, then a second one for comparison
 * (ms in t[0..2]). LOADTIME_FIRST=3: the token's embedding first (t[3], between the state and
 * the logits), what a load for states and embeddings waits for. 0, or -1 after a failure
 * (reported). */
static int first_token(rwkv_model *m, int embed_first, double t[4]) {
  rwkv_state *s = NULL;
  rwkv_error err = {0};
  const rwkv_model_info *in = rwkv_model_get_info(m);
  float *lg = malloc((size_t)(in->n_vocab > in->n_embd ? in->n_vocab : in->n_embd) * sizeof *lg);
  int32_t tok = 11;
  rwkv_forward_opts fo = {RWKV_OUTPUT_LAST, 0, 0}, fe = {RWKV_OUTPUT_LAST, 1, 0};
  double t0 = now_ms();
  int rc = lg ? rwkv_state_new(m, &s, &err) : RWKV_ERR_NOMEM;
  double ts = now_ms();
  if (rc == RWKV_OK && embed_first) rc = rwkv_forward(m, s, &tok, 1, &fe, lg, &err);
  double te = now_ms();
  if (rc == RWKV_OK) rc = rwkv_forward(m, s, &tok, 1, &fo, lg, &err);
  double t1 = now_ms();
  if (rc == RWKV_OK) rc = rwkv_forward(m, s, &tok, 1, &fo, lg, &err);
  if (rc == RWKV_OK) {
    t[0] = ts - t0;
    t[1] = t1 - te;
    t[2] = now_ms() - t1;
    t[3] = te - ts;
  } else {
    fprintf(stderr, "rwkv-loadtime: first token: %s\n", lg ? err.msg : "no memory for the logits");
  }
  rwkv_state_free(s);
  free(lg);
  return rc == RWKV_OK ? 0 : -1;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: rwkv-loadtime MODEL.gguf [N]\n");
    return 2;
  }
  int n = argc > 2 ? atoi(argv[2]) : 3;
  if (n < 1 || n > 100) n = 3;
  for (int i = 0; i < n; i++) {
    struct rusage r0, r1;
    getrusage(RUSAGE_SELF, &r0);
    rwkv_model *m = NULL;
    rwkv_error err = {0};
    rwkv_model_opts o = rwkv_model_default_opts();
    double t0 = now_ms(), ft[4] = {0, 0, 0, 0};
    if (rwkv_model_load(argv[1], &o, &m, &err) != RWKV_OK) {
      fprintf(stderr, "rwkv-loadtime: %s\n", err.msg);
      return 1;
    }
    getrusage(RUSAGE_SELF, &r1); /* (the load's alone) */
    const char *first = getenv("LOADTIME_FIRST");
    int ftm = first ? atoi(first) : 0;
    int tok1 = ftm == 2 || ftm == 3 ? first_token(m, ftm == 3, ft) : 1;
    double t1 = now_ms();
    const rwkv_model_info *in = rwkv_model_get_info(m);
    double cpu = (r1.ru_utime.tv_sec - r0.ru_utime.tv_sec + r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) * 1e3 +
                 (r1.ru_utime.tv_usec - r0.ru_utime.tv_usec + r1.ru_stime.tv_usec - r0.ru_stime.tv_usec) / 1e3;
    printf("load %d: %.1f ms (open %.1f, tokenizer %.1f, context %.1f, prefault wait %.1f, programs %.1f "
           "[%u hit, %u miss], uploads %.1f, init %.1f, finish %.1f) %.1f MiB, cpu %.0f ms\n",
           i, in->load_ms, in->load_open_ms, in->load_tokenizer_ms, in->load_context_ms, in->load_prefault_ms,
           in->load_programs_ms, in->shader_cache_hits, in->shader_cache_misses,
           in->load_upload_ms, in->load_init_ms, in->load_finish_ms, in->gpu_bytes / 1048576.0, cpu);
    rwkv_gpu_stats gs;
    rwkv_gpu_get_stats(rwkv_model_gpu(m), &gs);
    printf("  programs: keys %.1f, cache reads %.1f, driver (glProgramBinary + status) %.1f ms; "
           "%.1f ms of them in the uploads' waits; %u of %u touched\n",
           gs.program_key_ms, gs.program_read_ms, gs.program_binary_ms, gs.program_soon_ms, gs.programs_touched,
           gs.programs);
    printf("  uploads: ring start %.1f, alloc %.1f, ring wait %.1f, fill %.1f, map+unmap %.1f, copy calls %.1f ms; "
           "%.0f MiB through the ring in %u buffers (%u copies), packed in %.1f ms (%.1f GB/s)\n",
           gs.ring_start_ms, gs.fill_alloc_ms, gs.fill_wait_ms, gs.fill_ms, gs.fill_map_ms, gs.fill_copy_ms,
           gs.ring_bytes / 1048576.0, gs.fill_calls, gs.fill_copies, gs.fill_pack_ms,
           gs.fill_pack_ms > 0 ? gs.ring_bytes / 1e6 / gs.fill_pack_ms : 0.0);
    printf("  context: open %.1f ms (EGL client %.1f, devices %.1f, eglInitialize %.1f, config %.1f, "
           "eglCreateContext %.1f, eglMakeCurrent %.1f)\n",
           gs.open_ms, gs.open_client_ms, gs.open_devices_ms, gs.open_init_ms, gs.open_config_ms,
           gs.open_context_ms, gs.open_current_ms);
    if (tok1 == 0 && ftm == 3)
      printf("  to the first embedding %.1f ms: state %.2f, embedding %.2f\n", t1 - t0 - ft[1] - ft[2], ft[0], ft[3]);
    if (tok1 == 0)
      printf("  to the first token %.1f ms: state %.2f, first token %.2f (a second %.2f)\n", t1 - t0, ft[0], ft[1],
             ft[2]);
    else if (ftm == 1)
      first_passes(m);
    fflush(stdout);
    rwkv_model_free(m);
  }
  return 0;
}
