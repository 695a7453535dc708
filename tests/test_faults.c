/* test_faults.c - GPU faults end in clear errors, free what was made, and
 * leave the engine usable: a model that does not fit (a GPU memory limit),
 * a state pool that cannot grow, a forward whose scratch cannot be had, and
 * misuse of states across models. Run under ASan for the "no leak" part. */
#include "rwkv.h"
#include "testutil.h"

#define MODEL RWKV_SOURCE_DIR "/models/tiny-rwkv7-834K-F32.gguf"

static rwkv_gpu *gpu_with_limit(uint64_t limit) {
  rwkv_error err;
  rwkv_gpu_opts go = {.device = -1, .software = 0, .memory_limit = limit};
  rwkv_gpu *g = NULL;
  CHECK_OK(rwkv_gpu_open(&go, &g, &err), &err);
  return g;
}

/* The test model loaded into g (NULL after a failure, reported). */
static rwkv_model *load_in(rwkv_gpu *g, int lazy_head) {
  rwkv_model_opts o = rwkv_model_default_opts();
  o.gpu = g;
  o.lazy_head = lazy_head;
  rwkv_error err;
  rwkv_model *m = NULL;
  CHECK_OK(rwkv_model_load(MODEL, &o, &m, &err), &err);
  return m;
}

static void test_model_does_not_fit(void) {
  rwkv_gpu *g = gpu_with_limit(1 << 20); /* the F32 model needs ~3.3 MB */
  if (!g) return;
  rwkv_model_opts o = rwkv_model_default_opts();
  o.gpu = g;
  rwkv_model *m = (rwkv_model *)1;
  rwkv_error err;
  int rc = rwkv_model_load(MODEL, &o, &m, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_GPU, "out of GPU memory");
  CHECK(strstr(err.msg, "tiny-rwkv7-834K-F32.gguf") != NULL); /* names the file */
  CHECK(strstr(err.msg, "uploading '") != NULL);               /* and the tensor */
  CHECK(m == NULL);
  CHECK_MSG(rwkv_gpu_bytes(g) == 0, "%llu bytes left on the GPU after a failed load",
            (unsigned long long)rwkv_gpu_bytes(g));
  rwkv_gpu_close(g);
}

static void test_pool_and_scratch(void) {
  /* enough for the model and a few states, not for many */
  rwkv_gpu *g = gpu_with_limit(6u << 20);
  if (!g) return;
  rwkv_model_opts o = rwkv_model_default_opts();
  o.gpu = g;
  rwkv_model *m;
  rwkv_error err;
  int rc = rwkv_model_load(MODEL, &o, &m, &err);
  CHECK_OK(rc, &err);
  if (rc) {
    rwkv_gpu_close(g);
    return;
  }
  rwkv_state *s[256];
  int n = 0;
  while (n < 256 && (rc = rwkv_state_new(m, &s[n], &err)) == RWKV_OK) n++;
  CHECK(n > 1 && n < 256);
  CHECK_ERR(rc, &err, RWKV_ERR_GPU, "out of GPU memory");
  /* the model and its states still work */
  const int32_t ids[3] = {'"', 'i', 'n'};
  float logits[256];
  CHECK_OK(rwkv_forward(m, s[0], ids, 3, NULL, logits, &err), &err);
  size_t want_size;
  float *want = test_read_file(test_data("expected-logits-7v0-834K.bin"), &want_size);
  double md = 0;
  for (int i = 0; want && i < 256; i++) md = fmax(md, fabs(logits[i] - want[i]));
  CHECK(want && md < 1e-4);
  free(want);
  for (int i = 1; i < n; i++) rwkv_state_free(s[i]);
  /* a prefill chunk whose scratch does not fit fails cleanly, then smaller ones work */
  int32_t many[4096];
  for (int i = 0; i < 4096; i++) many[i] = 'a' + i % 26;
  rwkv_forward_opts big = {RWKV_OUTPUT_NONE, 0, 4096};
  rc = rwkv_forward(m, s[0], many, 4096, &big, NULL, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_GPU, "out of GPU memory");
  rwkv_forward_opts small = {RWKV_OUTPUT_LAST, 0, 64};
  CHECK_OK(rwkv_state_reset(s[0], &err), &err);
  CHECK_OK(rwkv_forward(m, s[0], ids, 3, &small, logits, &err), &err);
  rwkv_state_free(s[0]);
  rwkv_model_free(m);
  CHECK_MSG(rwkv_gpu_bytes(g) == 0, "%llu bytes left after freeing the model",
            (unsigned long long)rwkv_gpu_bytes(g));
  rwkv_gpu_close(g);
}

static void test_misuse(void) {
  rwkv_error err;
  rwkv_model *a, *b;
  CHECK_OK(rwkv_model_load(MODEL, NULL, &a, &err), &err);
  CHECK_OK(rwkv_model_load(RWKV_SOURCE_DIR "/models/tiny-rwkv7-834K-F16.gguf", NULL, &b, &err), &err);
  rwkv_state *sa, *sb;
  CHECK_OK(rwkv_state_new(a, &sa, &err), &err);
  CHECK_OK(rwkv_state_new(b, &sb, &err), &err);
  int32_t id = 'x', bad = 300;
  float out[256];
  CHECK_ERR(rwkv_forward(a, sb, &id, 1, NULL, out, &err), &err, RWKV_ERR_STATE, "does not belong");
  CHECK_ERR(rwkv_state_copy(sa, sb, &err), &err, RWKV_ERR_STATE, "different models");
  CHECK_ERR(rwkv_forward(a, sa, &bad, 1, NULL, out, &err), &err, RWKV_ERR_ARG, "outside the vocabulary");
  CHECK_ERR(rwkv_forward(a, sa, &id, 0, NULL, out, &err), &err, RWKV_ERR_ARG, "no tokens");
  CHECK_ERR(rwkv_forward(a, sa, &id, 1, NULL, NULL, &err), &err, RWKV_ERR_ARG, "no output buffer");
  rwkv_forward_opts odd = {7, 0, 0};
  CHECK_ERR(rwkv_forward(a, sa, &id, 1, &odd, out, &err), &err, RWKV_ERR_ARG, "none, last or all");
  rwkv_state *twice[2] = {sa, sa};
  const int32_t *ids[2] = {&id, &id};
  size_t n[2] = {1, 1};
  CHECK_ERR(rwkv_forward_batch(a, twice, ids, n, 2, NULL, out, &err), &err, RWKV_ERR_ARG, "twice");
  float *big = calloc(rwkv_state_size(a) + 1, sizeof *big);
  CHECK_ERR(rwkv_state_write(sa, big, rwkv_state_size(a) + 1, &err), &err, RWKV_ERR_STATE, "floats");
  free(big);
  /* after all that, a normal call works */
  CHECK_OK(rwkv_forward(a, sa, &id, 1, NULL, out, &err), &err);
  rwkv_state_free(sa);
  rwkv_state_free(sb);
  rwkv_model_free(a);
  rwkv_model_free(b);
  CHECK_ERR(rwkv_model_load(RWKV_SOURCE_DIR "/no/such/model.gguf", NULL, &a, &err), &err, RWKV_ERR_IO,
            "no/such/model.gguf");
}

/* A model freed on a context it does not own, before any prefill built the kernels its load
 * left for later (rwkv_gpu_program_lazy): nothing of it is built afterwards into its freed
 * memory (ASan), and the context serves the next model, whose prefill builds them. */
static void test_shared_gpu_lazy(void) {
  rwkv_gpu *g = gpu_with_limit(0);
  if (!g) return;
  rwkv_error err;
  rwkv_model *m = load_in(g, 0);
  rwkv_model_free(m);
  float v[4] = {1, 2, 3, 4}, back[4] = {0};
  unsigned b = 0;
  CHECK_OK(rwkv_gpu_buffer(g, sizeof v, v, &b, &err), &err);
  CHECK_OK(rwkv_gpu_read(g, b, 0, sizeof back, back, "after free", &err), &err); /* (may build some) */
  CHECK_OK(rwkv_gpu_program_build_queued(g, &err), &err); /* (none of the freed model's left) */
  CHECK(back[2] == 3);
  rwkv_gpu_buffer_free(g, b, sizeof v);
  m = load_in(g, 0);
  rwkv_state *s = NULL;
  if (m) CHECK_OK(rwkv_state_new(m, &s, &err), &err);
  CHECK_OK(rwkv_gpu_program_build_queued(g, &err), &err); /* the model's, now */
  CHECK_OK(rwkv_gpu_program_build_queued(g, &err), &err); /* none left: a no-op */
  if (s) {
    int32_t ids[40];
    for (int i = 0; i < 40; i++) ids[i] = 20 + i;
    float out[4];
    rwkv_forward_opts fo = {RWKV_OUTPUT_NONE, 0, 0};
    CHECK_OK(rwkv_forward(m, s, ids, 40, &fo, out, &err), &err); /* a prefill */
    rwkv_state_free(s);
  }
  rwkv_model_free(m);
  rwkv_gpu_close(g);
}

/* rwkv_model_opts.lazy_head: states and embeddings without the head on the GPU; the first
 * pass with logits uploads it (the same logits as a load with it), and where it does not fit
 * that pass fails cleanly and the model goes on without it. */
static void test_lazy_head(void) {
  rwkv_gpu *g = gpu_with_limit(0);
  if (!g) return;
  rwkv_error err;
  rwkv_model *m = load_in(g, 0);
  if (!m) {
    rwkv_gpu_close(g);
    return;
  }
  uint64_t eager = rwkv_model_get_info(m)->gpu_bytes;
  uint32_t D = rwkv_model_get_info(m)->n_embd, V = rwkv_model_get_info(m)->n_vocab;
  uint64_t head = (uint64_t)D * V * 4; /* F32 */
  rwkv_model_free(m);
  m = load_in(g, 1);
  if (!m) {
    rwkv_gpu_close(g);
    return;
  }
  uint64_t lazy = rwkv_model_get_info(m)->gpu_bytes;
  CHECK_MSG(lazy + head <= eager, "lazy head: %llu bytes on the GPU, %llu with the head",
            (unsigned long long)lazy, (unsigned long long)eager);
  const int32_t ids[3] = {'"', 'i', 'n'};
  float emb[1024], logits[256];
  rwkv_state *s = NULL;
  CHECK_OK(rwkv_state_new(m, &s, &err), &err);
  rwkv_forward_opts fe = {RWKV_OUTPUT_LAST, 1, 0}, fn = {RWKV_OUTPUT_NONE, 0, 0};
  CHECK(D <= 1024 && V <= 256);
  CHECK_OK(rwkv_forward(m, s, ids, 3, &fe, emb, &err), &err);
  CHECK_OK(rwkv_state_reset(s, &err), &err);
  CHECK_OK(rwkv_forward(m, s, ids, 3, &fn, NULL, &err), &err);
  CHECK(rwkv_model_get_info(m)->gpu_bytes == lazy); /* still no head */
  uint64_t used = rwkv_gpu_bytes(g);
  CHECK_OK(rwkv_state_reset(s, &err), &err);
  CHECK_OK(rwkv_forward(m, s, ids, 3, NULL, logits, &err), &err);
  CHECK(rwkv_model_get_info(m)->gpu_bytes >= lazy + head);
  size_t want_size;
  float *want = test_read_file(test_data("expected-logits-7v0-834K.bin"), &want_size);
  double md = 0;
  for (uint32_t i = 0; want && i < V; i++) md = fmax(md, fabs(logits[i] - want[i]));
  CHECK_MSG(want && md < 1e-4, "lazy head: logits off by %g", md);
  free(want);
  rwkv_state_free(s);
  rwkv_model_free(m);
  rwkv_gpu_close(g);

  /* room for the model, a state and a pass, not for the head */
  g = gpu_with_limit(used + head / 2);
  if (!g) return;
  s = NULL;
  m = load_in(g, 1);
  if (m) CHECK_OK(rwkv_state_new(m, &s, &err), &err);
  if (s) {
    CHECK_OK(rwkv_forward(m, s, ids, 3, &fn, NULL, &err), &err);
    for (int k = 0; k < 2; k++) { /* a second try fails alike */
      int rc = rwkv_forward(m, s, ids, 1, NULL, logits, &err);
      CHECK_ERR(rc, &err, RWKV_ERR_GPU, "out of GPU memory");
      CHECK(strstr(err.msg, "output.weight") != NULL);
      CHECK(strstr(err.msg, "tiny-rwkv7-834K-F32.gguf") != NULL);
    }
    float emb2[1024];
    CHECK_OK(rwkv_state_reset(s, &err), &err);
    CHECK_OK(rwkv_forward(m, s, ids, 3, &fe, emb2, &err), &err); /* embeddings still work */
    double ed = 0;
    for (uint32_t i = 0; i < D; i++) ed = fmax(ed, fabs(emb2[i] - emb[i]));
    CHECK_MSG(ed == 0, "embedding after a failed head upload differs by %g", ed);
  }
  rwkv_state_free(s);
  rwkv_model_free(m);
  CHECK_MSG(rwkv_gpu_bytes(g) == 0, "%llu bytes left after freeing the model",
            (unsigned long long)rwkv_gpu_bytes(g));
  rwkv_gpu_close(g);
}

int main(void) {
  test_model_does_not_fit();
  test_shared_gpu_lazy();
  test_pool_and_scratch();
  test_misuse();
  test_lazy_head();
  return test_result("test_faults");
}
