/* test_wkv.c - the WKV step's two GPU paths against the float64 reference
 * (tests/lib/ref_forward.h) on random models with several heads:
 *  - the parallel scan (glsl/rwkv_wkv_pre|scan|post.comp), forced with RWKV_WKV_SCAN=1
 *    in several shapes (RWKV_WKV_LANES lanes per row of S, RWKV_WKV_ROWS rows per
 *    workgroup; on GPUs with subgroups the lanes are the subgroup size or a power-of-two
 *    cluster of it; the next chunk's inputs in registers or not, the outputs staged in
 *    shared memory or not, pre / post with several heads a workgroup or one), through
 *    prefills in several chunk sizes and batches of sequences of unequal length (padding
 *    rows; RWKV_WKV_MIN_T=1 once: T = 1 passes that are not fused would take it);
 *  - the one-kernel path with the fused LoRA second stages (decode, T = 1) and ranks
 *    that leave a tail after the 16-byte loads (F32 rank 30, F16 rank 36, ...), the dots
 *    spread over 1 and 4 invocations per channel (RWKV_WKV_LORA_SPLIT), with 4 the state
 *    walked by all four (rwkv_wkv.comp WKV_QUAD, RWKV_WKV_QUAD=1) or by one (=0).
 * LoRA weights all F32, all F16, and mixed as llama.cpp writes them (w2 F32, the others F16
 * or BF16), each matrix's type a constant of the fused kernel. Tolerance as test_quant_model:
 * 5e-4 absolute on logits of scale ~10 (float32 against float64). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "gguf.h"
#include "gpu.h"
#include "ref_forward.h"
#include "rwkv.h"
#include "rwkv7.h"
#include "rwkv7_gen.h"
#include "testutil.h"

#define L 2
#define D 256
#define V 256
#define N 24 /* tokens of the long sequence */
#define TOL 5e-4

static const int32_t TOKENS[N] = {17, 200, 5, 255, 42, 42, 156, 1, 0, 128, 77, 100,
                                  3,  9,   250, 11, 64, 65, 66, 199, 7, 8, 31, 240};

static double ref_logits[N][V];

/* Reference logits of the first N tokens from a zero state. */
static int reference(const char *path) {
  rwkv_error err = {0};
  gguf_file *f = NULL;
  rwkv7_desc d;
  memset(&d, 0, sizeof d);
  ref_model *rm = NULL;
  ref_state *rs = NULL;
  int rc = gguf_open(path, &f, &err);
  if (!rc) rc = rwkv7_describe(f, &d, &err);
  if (!rc) rc = ref_model_new(&d, &rm, &err);
  if (!rc) rc = ref_state_new(rm, &rs, &err);
  for (int t = 0; t < N && !rc; t++) rc = ref_forward(rm, rs, (uint32_t)TOKENS[t], ref_logits[t], NULL, &err);
  CHECK_OK(rc, &err);
  rwkv7_desc_free(&d);
  gguf_close(f);
  ref_state_free(rs);
  ref_model_free(rm);
  return rc;
}

/* Decode, prefills in several chunks, and a batch of three sequences (lengths N, 7, 1:
 * the short ones are right-aligned behind padding rows) against the reference. */
static void check(rwkv_gpu *gpu, const char *path, const char *tag) {
  rwkv_error err = {0};
  rwkv_model *m = NULL;
  rwkv_state *s[3] = {NULL, NULL, NULL};
  rwkv_model_opts mo = rwkv_model_default_opts();
  mo.gpu = gpu;
  int rc = rwkv_model_load(path, &mo, &m, &err);
  for (int i = 0; i < 3 && !rc; i++) rc = rwkv_state_new(m, &s[i], &err);
  CHECK_OK(rc, &err);
  static float out[N * V];
  double worst = 0;
  /* decode */
  rwkv_forward_opts fo = {RWKV_OUTPUT_LAST, 0, 0};
  for (int t = 0; t < N && !rc; t++) {
    rc = rwkv_forward(m, s[0], &TOKENS[t], 1, &fo, out, &err);
    CHECK_OK(rc, &err);
    double dd = test_max_diff_fd(out, ref_logits[t], V);
    worst = fmax(worst, dd);
    CHECK_MSG(dd <= TOL, "%s: decode step %d: max |logit diff| %.3g", tag, t, dd);
  }
  /* the state after decode (the one-kernel path) */
  size_t ns = m ? rwkv_state_size(m) : 0;
  float *sdec = malloc(ns * sizeof *sdec + 4), *spre = malloc(ns * sizeof *spre + 4);
  CHECK(sdec && spre);
  if (!sdec || !spre) rc = RWKV_ERR_NOMEM;
  if (!rc) rc = rwkv_state_read(s[0], sdec, ns, &err);
  CHECK_OK(rc, &err);
  /* prefill, every position's logits, in chunks */
  const uint32_t chunks[] = {0, 2, 7, 16};
  for (size_t c = 0; c < sizeof chunks / sizeof *chunks && !rc; c++) {
    fo.output = RWKV_OUTPUT_ALL;
    fo.chunk = chunks[c];
    rc = rwkv_state_reset(s[0], &err);
    if (!rc) rc = rwkv_forward(m, s[0], TOKENS, N, &fo, out, &err);
    CHECK_OK(rc, &err);
    for (int t = 0; t < N && !rc; t++) {
      double dd = test_max_diff_fd(out + (size_t)t * V, ref_logits[t], V);
      worst = fmax(worst, dd);
      CHECK_MSG(dd <= TOL, "%s: prefill chunk %u step %d: max |logit diff| %.3g", tag, chunks[c], t, dd);
    }
    /* S, att_prev and ffn_prev after the prefill equal those after decode */
    if (!rc) rc = rwkv_state_read(s[0], spre, ns, &err);
    CHECK_OK(rc, &err);
    double sd = 0;
    for (size_t i = 0; i < ns && !rc; i++) sd = fmax(sd, fabs((double)spre[i] - sdec[i]));
    CHECK_MSG(sd <= TOL, "%s: prefill chunk %u: state differs from decode's by %.3g", tag, chunks[c], sd);
  }
  /* batch with padding rows: the sequences are prefixes of TOKENS, so their logits are
   * the reference's at their lengths; then one more token each (decode batch) */
  if (!rc) {
    const int32_t *ids[3] = {TOKENS, TOKENS, TOKENS};
    size_t n[3] = {N, 7, 1};
    fo.output = RWKV_OUTPUT_LAST;
    fo.chunk = 0;
    for (int i = 0; i < 3 && !rc; i++) rc = rwkv_state_reset(s[i], &err);
    if (!rc) rc = rwkv_forward_batch(m, s, ids, n, 3, &fo, out, &err);
    CHECK_OK(rc, &err);
    for (int i = 0; i < 3 && !rc; i++) {
      double dd = test_max_diff_fd(out + (size_t)i * V, ref_logits[n[i] - 1], V);
      worst = fmax(worst, dd);
      CHECK_MSG(dd <= TOL, "%s: batch sequence %d (%zu tokens): max |logit diff| %.3g", tag, i, n[i], dd);
    }
    /* chunk 5 over the batch: sequences start inside and before the chunks */
    fo.chunk = 5;
    for (int i = 0; i < 3 && !rc; i++) rc = rwkv_state_reset(s[i], &err);
    size_t n2[3] = {9, N - 1, 3};
    if (!rc) rc = rwkv_forward_batch(m, s, ids, n2, 3, &fo, out, &err);
    CHECK_OK(rc, &err);
    for (int i = 0; i < 3 && !rc; i++) {
      double dd = test_max_diff_fd(out + (size_t)i * V, ref_logits[n2[i] - 1], V);
      worst = fmax(worst, dd);
      CHECK_MSG(dd <= TOL, "%s: chunked batch sequence %d: max |logit diff| %.3g", tag, i, dd);
    }
    /* one more token each after the batch */
    const int32_t *next[3] = {&TOKENS[9], &TOKENS[N - 1], &TOKENS[3]};
    size_t one[3] = {1, 1, 1};
    if (!rc) rc = rwkv_forward_batch(m, s, next, one, 3, &fo, out, &err);
    CHECK_OK(rc, &err);
    for (int i = 0; i < 3 && !rc; i++) {
      double dd = test_max_diff_fd(out + (size_t)i * V, ref_logits[n2[i]], V);
      worst = fmax(worst, dd);
      CHECK_MSG(dd <= TOL, "%s: batch decode sequence %d: max |logit diff| %.3g", tag, i, dd);
    }
  }
  printf("%-40s max |logit diff| %.3g\n", tag, worst);
  free(sdec);
  free(spre);
  for (int i = 0; i < 3; i++) rwkv_state_free(s[i]);
  rwkv_model_free(m);
}

static void run_model(rwkv_gpu *gpu, const char *type, const char *lora, rwkv7_hparams hp, int shapes_too) {
  rwkv_error err = {0};
  char path[512];
  snprintf(path, sizeof path, "%s/test_wkv-%ld-%s-%s.gguf", RWKV_BUILD_DIR, (long)getpid(), type,
           lora ? lora : "llama");
  rwkv7_gen_opts o;
  memset(&o, 0, sizeof o);
  o.hp = hp;
  o.type = type;
  o.lora = lora;
  o.seed = 11;
  o.threads = 2;
  int rc = rwkv7_gen_write(path, &o, NULL, &err);
  CHECK_OK(rc, &err);
  if (!rc) rc = reference(path);
  if (!rc) {
    double scale = 0;
    for (int t = 0; t < N; t++)
      for (int i = 0; i < V; i++) scale = fmax(scale, fabs(ref_logits[t][i]));
    CHECK_MSG(scale > 1.0, "%s: logits scale %.3g", type, scale);
    char tag[128];
    /* the default configuration (here: whatever the GPU picks) */
    unsetenv("RWKV_WKV_SCAN");
    snprintf(tag, sizeof tag, "%s default", type);
    check(gpu, path, tag);
    /* the one-kernel path only, the fused decode's LoRA dots over 1 and 4 invocations */
    setenv("RWKV_WKV_SCAN", "0", 1);
    setenv("RWKV_WKV_LORA_SPLIT", "1", 1);
    snprintf(tag, sizeof tag, "%s one kernel, lora split 1", type);
    check(gpu, path, tag);
    setenv("RWKV_WKV_LORA_SPLIT", "4", 1);
    setenv("RWKV_WKV_QUAD", "1", 1);
    snprintf(tag, sizeof tag, "%s one kernel, lora split 4", type); /* 4 walkers a row */
    check(gpu, path, tag);
    setenv("RWKV_WKV_QUAD", "0", 1);
    snprintf(tag, sizeof tag, "%s one kernel, lora split 4, one walker", type);
    check(gpu, path, tag);
    unsetenv("RWKV_WKV_QUAD");
    unsetenv("RWKV_WKV_LORA_SPLIT");
    unsetenv("RWKV_WKV_SCAN");
    if (shapes_too) {
      /* the scan in several shapes (lanes, rows), also for T = 1 passes, with its inputs staged
       * in shared memory a chunk of tokens at a time (a chunk that does not divide the passes'
       * lengths) or loaded per row (chunk 0) */
      /* (lanes below a subgroup: clusters where the GPU has them; the next chunk in registers
       * and the outputs staged in shared memory or not; pre / post with 1..8 heads a
       * workgroup or a workgroup a head) */
      static const char *const shapes[][7] = {
          {"16", "8", "2", "8", "1", "1", "4"}, {"64", "1", "2", "0", "1", "1", "1"},
          {"1", "64", "2", "3", "0", "1", "3"}, {"4", "3", "1", "0", "1", "0", "0"},
          {"8", "4", "1", "5", "1", "0", "8"},  {"8", "32", "2", "8", "0", "0", "2"}};
      static const char *const vars[7] = {"RWKV_WKV_LANES", "RWKV_WKV_ROWS", "RWKV_WKV_MIN_T",
                                          "RWKV_WKV_CH", "RWKV_WKV_SCAN_PF", "RWKV_WKV_SCAN_OSH",
                                          "RWKV_WKV_HEAD_PG"};
      setenv("RWKV_WKV_SCAN", "1", 1);
      for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
        for (int v = 0; v < 7; v++) setenv(vars[v], shapes[i][v], 1);
        snprintf(tag, sizeof tag, "%s scan lanes %s rows %s min_t %s chunk %s pf %s osh %s head_pg %s", type,
                 shapes[i][0], shapes[i][1], shapes[i][2], shapes[i][3], shapes[i][4], shapes[i][5], shapes[i][6]);
        check(gpu, path, tag);
      }
      unsetenv("RWKV_WKV_SCAN");
      for (int v = 0; v < 7; v++) unsetenv(vars[v]);
    }
  }
  unlink(path);
}

int main(void) {
  rwkv_error err = {0};
  rwkv_gpu *gpu = NULL;
  int rc = rwkv_gpu_open(NULL, &gpu, &err); /* defaults: automatic device, no limit */
  CHECK_OK(rc, &err);
  if (rc) return test_result("test_wkv");
  /* 4 heads of 64; ranks with tails after the 16-byte loads: F32 30 (7 uvec4 + 2),
   * 36 (9), 20 (5), 44 (11); F16 rows padded to 16 bytes: 30 -> stride 32 (3 + 6),
   * 36 -> 40 (4 + 4), 20 -> 24 (2 + 4), 44 -> 48 (5 + 4) */
  rwkv7_hparams hp = {L, D, 64, 4 * D, V, 30, 36, 20, 44};
  run_model(gpu, "f32", NULL, hp, 1);
  /* the fused decode's other row types (the scan's shapes do not depend on them: it reads
   * F32 activations whatever the weights) */
  run_model(gpu, "f16", NULL, hp, 0);  /* llama.cpp's LoRA types: w2 F32, a2 / v2 / g2 F16 */
  run_model(gpu, "bf16", NULL, hp, 0); /* w2 F32, the others BF16 */
  run_model(gpu, "f16", "f16", hp, 0); /* every LoRA tensor F16 */
  rwkv_gpu_close(gpu);
  return test_result("test_wkv");
}
