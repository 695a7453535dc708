/* test_generate.c - sampling options and generation on the tiny model:
 * top_k = 1 equals greedy (GPU argmax), a seed reproduces, stop strings stop
 * and are not emitted, stop tokens, max_tokens, the state advances, UTF-8
 * pieces are held until complete, and bad options are refused. */
#include "generate.h"
#include "rwkv.h"
#include "testutil.h"

#define MODEL RWKV_SOURCE_DIR "/models/tiny-rwkv7-834K-F32.gguf"

static rwkv_model *m;

/* Generate from prompt with o into buf; returns tokens generated, -1 on error. */
static int gen(const char *prompt, rwkv_gen_opts *o, char *buf, size_t cap, int *reason, rwkv_state *keep) {
  rwkv_error err;
  rwkv_state *s = keep;
  if (!s && rwkv_state_new(m, &s, &err)) return -1;
  int32_t ids[256];
  size_t n;
  if (rwkv_tokenize(rwkv_model_tokenizer(m), prompt, strlen(prompt), ids, &n, &err)) return -1;
  rwkv_gen *g;
  int rc = rwkv_gen_new(m, s, ids, n, o, &g, &err);
  CHECK_OK(rc, &err);
  if (rc) return -1;
  size_t len = 0;
  int done = 0, pieces = 0;
  while (!done) {
    const char *t;
    size_t l;
    rc = rwkv_gen_next(g, &t, &l, &done, &err);
    CHECK_OK(rc, &err);
    if (rc) break;
    if (len + l < cap) memcpy(buf + len, t, l), len += l;
    pieces++;
  }
  buf[len] = 0;
  if (reason) *reason = rwkv_gen_reason(g);
  int count = (int)rwkv_gen_count(g);
  rwkv_gen_free(g);
  if (!keep) rwkv_state_free(s);
  return count;
}

static void test_greedy_and_topk(void) {
  rwkv_gen_opts o = rwkv_gen_default_opts();
  o.max_tokens = 40;
  o.sampler.temperature = 0;
  char a[512], b[512], c[512];
  int reason;
  CHECK(gen("The quick brown fox", &o, a, sizeof a, &reason, NULL) == 40);
  CHECK(reason == RWKV_GEN_MAX_TOKENS);
  CHECK(strlen(a) == 40); /* byte-level model: one byte per token */
  o.sampler.temperature = 1.0f;
  o.sampler.top_k = 1;
  CHECK(gen("The quick brown fox", &o, b, sizeof b, NULL, NULL) == 40);
  CHECK_MSG(strcmp(a, b) == 0, "greedy \"%s\" vs top_k=1 \"%s\"", a, b);
  /* greedy with a penalty goes through the CPU path: argmax must agree with no penalty active */
  o.sampler.top_k = 0;
  o.sampler.temperature = 0;
  o.sampler.repetition_penalty = 1.0f;
  o.sampler.presence_penalty = 1e-9f; /* forces the CPU path, changes nothing */
  CHECK(gen("The quick brown fox", &o, c, sizeof c, NULL, NULL) == 40);
  CHECK_MSG(strcmp(a, c) == 0, "GPU argmax \"%s\" vs CPU argmax \"%s\"", a, c);
  printf("greedy: \"%s\"\n", a);
}

static void test_seed(void) {
  rwkv_gen_opts o = rwkv_gen_default_opts();
  o.max_tokens = 60;
  o.sampler.temperature = 1.0f;
  o.sampler.top_p = 0.9f;
  o.sampler.seed = 42;
  char a[512], b[512], c[512];
  gen("Once upon a time", &o, a, sizeof a, NULL, NULL);
  gen("Once upon a time", &o, b, sizeof b, NULL, NULL);
  CHECK_MSG(strcmp(a, b) == 0, "same seed gave \"%s\" and \"%s\"", a, b);
  o.sampler.seed = 43;
  gen("Once upon a time", &o, c, sizeof c, NULL, NULL);
  CHECK_MSG(strcmp(a, c) != 0, "seeds 42 and 43 gave the same text \"%s\"", a);
  /* min_p = 1 keeps only the best token: greedy */
  char g1[512], g2[512];
  o.sampler.min_p = 1.0f;
  o.sampler.top_p = 1.0f;
  gen("Once upon a time", &o, g1, sizeof g1, NULL, NULL);
  rwkv_gen_opts gr = rwkv_gen_default_opts();
  gr.max_tokens = 60;
  gr.sampler.temperature = 0;
  gen("Once upon a time", &gr, g2, sizeof g2, NULL, NULL);
  CHECK_MSG(strcmp(g1, g2) == 0, "min_p=1 \"%s\" vs greedy \"%s\"", g1, g2);
  /* a strong presence penalty changes greedy text (repetition is punished) */
  gr.sampler.presence_penalty = 5.0f;
  char pen[512];
  gen("Once upon a time", &gr, pen, sizeof pen, NULL, NULL);
  CHECK(strcmp(pen, g2) != 0);
}

static void test_stops(void) {
  rwkv_gen_opts o = rwkv_gen_default_opts();
  o.max_tokens = 40;
  o.sampler.temperature = 0;
  char full[512], cut[512];
  gen("The quick brown fox", &o, full, sizeof full, NULL, NULL);
  /* stop at the second occurrence-free substring: take 3 bytes from the middle */
  char stop[4];
  memcpy(stop, full + 10, 3);
  stop[3] = 0;
  const char *stops[] = {"@@never@@", stop};
  o.stop_strings = stops;
  o.n_stop_strings = 2;
  int reason;
  int n = gen("The quick brown fox", &o, cut, sizeof cut, &reason, NULL);
  CHECK(reason == RWKV_GEN_STOP_STRING);
  const char *first = strstr(full, stop);
  CHECK(first != NULL);
  if (first) {
    CHECK_MSG(strlen(cut) == (size_t)(first - full), "cut \"%s\" full \"%s\" stop \"%s\"", cut, full, stop);
    CHECK(strncmp(cut, full, strlen(cut)) == 0);
    CHECK(strstr(cut, stop) == NULL);
    CHECK(n == (int)(first - full) + 3);
  }
  /* stop token: the byte at position 5 of the greedy text */
  o.n_stop_strings = 0;
  int32_t sid = (unsigned char)full[5];
  o.stop_ids = &sid;
  o.n_stop_ids = 1;
  n = gen("The quick brown fox", &o, cut, sizeof cut, &reason, NULL);
  CHECK(reason == RWKV_GEN_STOP_TOKEN);
  CHECK((size_t)n == strcspn(full, (char[]){full[5], 0}));
  CHECK(strchr(cut, full[5]) == NULL);
}

static void test_state_advances(void) {
  rwkv_error err;
  rwkv_state *s;
  CHECK_OK(rwkv_state_new(m, &s, &err), &err);
  rwkv_gen_opts o = rwkv_gen_default_opts();
  o.max_tokens = 10;
  o.sampler.temperature = 0;
  char a[64], b[64], whole[128];
  gen("Hello", &o, a, sizeof a, NULL, s);
  gen(" and", &o, b, sizeof b, NULL, s); /* continues the same state */
  /* same as one state fed "Hello"+a+" and" then generating */
  char prompt[128];
  snprintf(prompt, sizeof prompt, "Hello%s and", a);
  gen(prompt, &o, whole, sizeof whole, NULL, NULL);
  CHECK_MSG(strcmp(b, whole) == 0, "continued \"%s\" vs fresh \"%s\"", b, whole);
  rwkv_state_free(s);
}

static void test_bad_options(void) {
  rwkv_error err;
  rwkv_state *s;
  CHECK_OK(rwkv_state_new(m, &s, &err), &err);
  int32_t ids[1] = {'a'};
  rwkv_gen *g = NULL;
  rwkv_gen_opts o = rwkv_gen_default_opts();
  o.max_tokens = 0;
  CHECK_ERR(rwkv_gen_new(m, s, ids, 1, &o, &g, &err), &err, RWKV_ERR_ARG, "max_tokens");
  o.max_tokens = -3;
  CHECK_ERR(rwkv_gen_new(m, s, ids, 1, &o, &g, &err), &err, RWKV_ERR_ARG, "max_tokens");
  o = rwkv_gen_default_opts();
  CHECK_ERR(rwkv_gen_new(m, s, ids, 0, &o, &g, &err), &err, RWKV_ERR_ARG, "empty");
  o.sampler.top_p = 0;
  CHECK_ERR(rwkv_gen_new(m, s, ids, 1, &o, &g, &err), &err, RWKV_ERR_ARG, "top_p");
  o = rwkv_gen_default_opts();
  o.sampler.temperature = -1;
  CHECK_ERR(rwkv_gen_new(m, s, ids, 1, &o, &g, &err), &err, RWKV_ERR_ARG, "temperature");
  o = rwkv_gen_default_opts();
  int32_t bad = 999;
  o.stop_ids = &bad;
  o.n_stop_ids = 1;
  CHECK_ERR(rwkv_gen_new(m, s, ids, 1, &o, &g, &err), &err, RWKV_ERR_ARG, "stop token");
  o = rwkv_gen_default_opts();
  const char *empty[] = {""};
  o.stop_strings = empty;
  o.n_stop_strings = 1;
  CHECK_ERR(rwkv_gen_new(m, s, ids, 1, &o, &g, &err), &err, RWKV_ERR_ARG, "stop string");
  CHECK(g == NULL);
  int32_t oov = 256;
  o = rwkv_gen_default_opts();
  CHECK_ERR(rwkv_gen_new(m, s, &oov, 1, &o, &g, &err), &err, RWKV_ERR_ARG, "vocabulary");
  rwkv_state_free(s);
}

/* Pieces never split a UTF-8 character: over the whole generated text, no
 * piece boundary falls inside a well-formed multi-byte character (invalid
 * bytes may stand alone). A sampled run from a prompt of UTF-8 fragments on
 * the byte-level model emits plenty of such bytes. */
static size_t char_len(const unsigned char *s, size_t n) {
  unsigned c = s[0];
  size_t k = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
  if (k > n) return 1;
  for (size_t j = 1; j < k; j++)
    if ((s[j] & 0xC0) != 0x80) return 1;
  return k;
}

static void test_pieces(void) {
  rwkv_gen_opts o = rwkv_gen_default_opts();
  o.max_tokens = 200;
  o.sampler.temperature = 2.0f;
  o.sampler.seed = 7;
  rwkv_error err;
  rwkv_state *s;
  CHECK_OK(rwkv_state_new(m, &s, &err), &err);
  int32_t ids[6] = {0xE2, 0x82, 0xAC, 0xC3, 0xA9, 0xCE};
  rwkv_gen *g;
  CHECK_OK(rwkv_gen_new(m, s, ids, 6, &o, &g, &err), &err);
  unsigned char text[1024];
  unsigned char cut[1024] = {0}; /* cut[i]: a piece boundary before text[i] */
  size_t n = 0;
  int done = 0, multibyte = 0;
  while (!done) {
    const char *t;
    size_t l;
    if (rwkv_gen_next(g, &t, &l, &done, &err)) break;
    if (n + l > sizeof text) break;
    memcpy(text + n, t, l);
    n += l;
    cut[n] = 1;
  }
  for (size_t i = 0; i < n;) {
    size_t k = char_len(text + i, n - i);
    if (k > 1) multibyte++;
    for (size_t j = i + 1; j < i + k; j++) CHECK_MSG(!cut[j], "a piece ends inside the character at byte %zu", i);
    i += k;
  }
  CHECK(n == rwkv_gen_count(g));
  printf("pieces: %zu bytes, %d multi-byte characters kept whole\n", n, multibyte);
  rwkv_gen_free(g);
  rwkv_state_free(s);
}

/* Greedy decoding runs ahead on the GPU (lookahead); whatever ends the
 * generation, the state must equal the one-token-at-a-time path's: same
 * text, same state floats (within float noise of a different pass shape). */
static void run_to_state(rwkv_gen_opts *o, int stop_after, char *text, size_t cap, float *state) {
  rwkv_error err;
  rwkv_state *s;
  CHECK_OK(rwkv_state_new(m, &s, &err), &err);
  const int32_t prompt[5] = {'H', 'e', 'l', 'l', 'o'};
  rwkv_gen *g;
  CHECK_OK(rwkv_gen_new(m, s, prompt, 5, o, &g, &err), &err);
  size_t n = 0;
  int done = 0, pieces = 0;
  while (!done && (stop_after < 0 || pieces < stop_after)) {
    const char *t;
    size_t l;
    if (rwkv_gen_next(g, &t, &l, &done, &err)) break;
    if (n + l < cap) memcpy(text + n, t, l), n += l;
    pieces++;
  }
  text[n] = 0;
  rwkv_gen_free(g); /* abandoned early when stop_after cut the loop */
  CHECK_OK(rwkv_state_read(s, state, rwkv_state_size(m), &err), &err);
  rwkv_state_free(s);
}

static void test_lookahead_state(void) {
  size_t n = rwkv_state_size(m);
  float *a = malloc(n * 4), *b = malloc(n * 4);
  char ta[256], tb[256];
  char full[256];
  rwkv_gen_opts base = rwkv_gen_default_opts();
  base.sampler.temperature = 0;
  base.max_tokens = 40;
  base.lookahead = 1;
  run_to_state(&base, -1, full, sizeof full, a);
  int32_t stop_tok = (unsigned char)full[7];
  char stop_str[3] = {full[12], full[13], 0};
  /* (lookahead 16 and 4, whose chains' next first passes are queued before their ids are
   * read: cases 5-7 end at a chain's end and inside those passes) */
  for (int c = 0; c < 8; c++) {
    rwkv_gen_opts o = base;
    int cut = -1;
    if (c == 1) { o.stop_ids = &stop_tok; o.n_stop_ids = 1; }
    if (c == 2) { const char *ss[1] = {stop_str}; o.stop_strings = ss; o.n_stop_strings = 1; }
    if (c == 3) cut = 3;               /* abandoned after 3 pieces */
    if (c == 4) o.max_tokens = 21;     /* not a multiple of the lookahead */
    if (c == 5) cut = 16;              /* at a chain's end */
    if (c == 6) cut = 17;              /* inside the next chain's first passes */
    if (c == 7) o.max_tokens = 17;     /* the last chain all of them */
    const char *ss2[1] = {stop_str};
    if (c == 2) o.stop_strings = ss2;
    o.lookahead = 1;
    run_to_state(&o, cut, ta, sizeof ta, a);
    for (int k = 16; k >= 4; k -= 12) {
      o.lookahead = k;
      run_to_state(&o, cut, tb, sizeof tb, b);
      CHECK_MSG(strcmp(ta, tb) == 0, "case %d, lookahead %d: \"%s\" vs \"%s\"", c, k, ta, tb);
      double md = 0;
      for (size_t i = 0; i < n; i++) md = fmax(md, fabs((double)a[i] - b[i]));
      CHECK_MSG(md < 1e-4, "case %d, lookahead %d: states differ by %g", c, k, md);
    }
  }
  free(a);
  free(b);
}

/* Sampling reads back only the candidates near the best logit, with the
 * penalties applied on the GPU: same draws as reading every logit and
 * applying the penalties on the CPU. */
static void test_candidates_equal_full(void) {
  struct { float t, top_p, min_p, pres, freq, rep; int top_k; uint64_t seed; } cases[] = {
      {1.0f, 1.0f, 0, 0, 0, 1, 0, 1},     {0.7f, 0.9f, 0, 0, 0, 1, 0, 2},
      {1.3f, 1.0f, 0.05f, 0, 0, 1, 0, 3}, {1.0f, 1.0f, 0, 0.5f, 0.3f, 1, 0, 4},
      {1.0f, 0.95f, 0, 0, 0, 1.3f, 40, 5}, {0.0f, 1.0f, 0, 2.0f, 0, 1, 0, 6}, /* greedy after penalties */
      {100.0f, 1.0f, 0, 0, 0, 1, 0, 7},   /* flat: every token is a candidate */
  };
  for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
    rwkv_gen_opts o = rwkv_gen_default_opts();
    o.max_tokens = 50;
    o.sampler.temperature = cases[c].t;
    o.sampler.top_p = cases[c].top_p;
    o.sampler.min_p = cases[c].min_p;
    o.sampler.presence_penalty = cases[c].pres;
    o.sampler.frequency_penalty = cases[c].freq;
    o.sampler.repetition_penalty = cases[c].rep;
    o.sampler.top_k = cases[c].top_k;
    o.sampler.seed = cases[c].seed;
    char a[512], b[512];
    o.full_logits = 1;
    gen("Once upon a time", &o, a, sizeof a, NULL, NULL);
    o.full_logits = 0;
    gen("Once upon a time", &o, b, sizeof b, NULL, NULL);
    CHECK_MSG(strcmp(a, b) == 0, "case %zu: all logits \"%s\" vs candidates \"%s\"", c, a, b);
  }
}

/* The argmax over several workgroups (the default on GPUs; one on llvmpipe) picks the same
 * tokens as one workgroup, chained on the GPU (lookahead) and one token at a time. */
static void test_argmax_workgroups(void) {
  rwkv_gen_opts o = rwkv_gen_default_opts();
  o.max_tokens = 40;
  o.sampler.temperature = 0;
  char a[2][512], b[2][512];
  for (int k = 0; k < 2; k++) {
    o.lookahead = k ? 1 : 16;
    CHECK(gen("The quick brown fox", &o, a[k], sizeof a[k], NULL, NULL) == 40);
  }
  rwkv_model *one = m;
  rwkv_error err;
  setenv("RWKV_ARGMAX_WGS", "5", 1);
  int rc = rwkv_model_load(MODEL, NULL, &m, &err);
  unsetenv("RWKV_ARGMAX_WGS");
  CHECK_OK(rc, &err);
  if (rc == RWKV_OK) {
    for (int k = 0; k < 2; k++) {
      o.lookahead = k ? 1 : 16;
      CHECK(gen("The quick brown fox", &o, b[k], sizeof b[k], NULL, NULL) == 40);
      CHECK_MSG(strcmp(a[k], b[k]) == 0, "argmax over 5 workgroups (lookahead %d): \"%s\" vs \"%s\"",
                o.lookahead, b[k], a[k]);
    }
    rwkv_model_free(m);
  }
  m = one;
}

int main(void) {
  rwkv_error err;
  int rc = rwkv_model_load(MODEL, NULL, &m, &err);
  CHECK_OK(rc, &err);
  if (rc) return test_result("test_generate");
  test_greedy_and_topk();
  test_seed();
  test_stops();
  test_state_advances();
  test_bad_options();
  test_pieces();
  test_lookahead_state();
  test_candidates_equal_full();
  test_argmax_workgroups();
  rwkv_model_free(m);
  return test_result("test_generate");
}
