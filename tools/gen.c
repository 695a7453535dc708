/* rwkv-gen: write a random-weight RWKV-7 model as rwkv7 GGUF (see engine/rwkv7_gen.h). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rwkv.h"
#include "rwkv7_gen.h"

static void usage(FILE *f) {
  fprintf(f,
          "usage: rwkv-gen out.gguf [--preset 0.1b|0.4b|1.5b|2.9b|tiny256] [--type TYPE] [--seed N]\n"
          "                [--lora llama|f32|f16|bf16]\n"
          "                [--layers N] [--embd N] [--ffn N] [--vocab-size N] [--head-size N]\n"
          "                [--rank-w N] [--rank-a N] [--rank-v N] [--rank-g N]\n"
          "                [--vocab rwkv_vocab_v20230424.txt] [--name NAME] [-t|--threads N]\n"
          "                [--check N] [--quiet]\n"
          "Writes a random-weight RWKV-7 model in llama.cpp's rwkv7 GGUF layout.\n"
          "TYPE: %s (default f32).\n"
          "--lora: the LoRA tensors' type; llama (default) as llama.cpp's converter writes them:\n"
          "w1 / w2 F32, a / v / g F32 in f32 files, BF16 in bf16 ones, F16 else.\n"
          "--vocab FILE gives the world vocabulary (for vocab 65536); without it tokens are the 256\n"
          "single bytes and synthetic \"[TOKn]\" tokens above. --vocab N (a number) is --vocab-size.\n"
          "--embd without --rank-* uses BlinkDL's rank suggestions for that width; --embd also sets\n"
          "ffn to 4x unless --ffn is given. --check N runs N tokens through the GPU engine and reports\n"
          "the largest |logit|, the largest |state| value and NaN/inf counts.\n",
          rwkv7_ftype_list());
}

static int parse_u64(const char *opt, const char *s, uint64_t max, uint64_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 0);
  if (end == s || *end || errno || s[0] == '-' || v > max) {
    fprintf(stderr, "rwkv-gen: %s: bad number '%s' (0..%llu)\n", opt, s, (unsigned long long)max);
    return 0;
  }
  *out = v;
  return 1;
}

static int is_number(const char *s) {
  if (!*s) return 0;
  for (; *s; s++)
    if (*s < '0' || *s > '9') return 0;
  return 1;
}

/* Feed n tokens (a seeded pseudo-random walk over the vocabulary) one at a time and report
 * activation sanity. */
static int run_check(const char *path, uint32_t n, uint64_t seed) {
  rwkv_error err = {0};
  rwkv_model *m = NULL;
  rwkv_state *s = NULL;
  rwkv_model_opts mo = rwkv_model_default_opts();
  int rc = rwkv_model_load(path, &mo, &m, &err);
  if (!rc) rc = rwkv_state_new(m, &s, &err);
  const rwkv_model_info *mi = m ? rwkv_model_get_info(m) : NULL;
  float *logits = NULL, *state = NULL;
  size_t ns = m ? rwkv_state_size(m) : 0;
  if (!rc && (!(logits = malloc(mi->n_vocab * sizeof(float))) || !(state = malloc(ns * sizeof(float))))) {
    fprintf(stderr, "rwkv-gen: --check: out of memory\n");
    rc = RWKV_ERR_NOMEM;
  }
  double max_logit = 0, max_state = 0;
  uint64_t bad = 0, bad_state = 0;
  uint64_t x = seed ^ 0x5eedu;
  rwkv_forward_opts fo = {RWKV_OUTPUT_LAST, 0, 0};
  for (uint32_t t = 0; t < n && !rc; t++) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    int32_t tok = (int32_t)((x >> 33) % mi->n_vocab);
    rc = rwkv_forward(m, s, &tok, 1, &fo, logits, &err);
    for (uint32_t i = 0; i < mi->n_vocab && !rc; i++) {
      if (!isfinite(logits[i])) bad++;
      else if (fabs(logits[i]) > max_logit) max_logit = fabs(logits[i]);
    }
  }
  if (!rc) rc = rwkv_state_read(s, state, ns, &err);
  for (size_t i = 0; i < ns && !rc; i++) {
    if (!isfinite(state[i])) bad_state++;
    else if (fabs(state[i]) > max_state) max_state = fabs(state[i]);
  }
  if (rc) {
    fprintf(stderr, "rwkv-gen: --check: %s\n", err.msg);
  } else {
    printf("check: %u tokens: max |logit| %.4g, non-finite logits %" PRIu64 "; final state max |x| %.4g, "
           "non-finite %" PRIu64 "\n", n, max_logit, bad, max_state, bad_state);
    if (bad || bad_state) rc = RWKV_ERR_FORMAT;
  }
  free(logits);
  free(state);
  rwkv_state_free(s);
  rwkv_model_free(m);
  return rc;
}

int main(int argc, char **argv) {
  const char *out = NULL, *preset = NULL;
  rwkv7_gen_opts o;
  memset(&o, 0, sizeof o);
  o.log = stderr;
  o.seed = 1;
  uint64_t layers = 0, embd = 0, ffn = 0, vocab_n = 0, head = 0, rw = 0, ra = 0, rv = 0, rg = 0, threads = 0,
           check = 0;
  int quiet = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      usage(stdout);
      return 0;
    }
    if (strcmp(a, "--quiet") == 0) {
      quiet = 1;
      o.log = NULL;
      continue;
    }
    if (a[0] == '-' && a[1] != 0) {
      if (i + 1 >= argc) {
        fprintf(stderr, "rwkv-gen: %s needs a value\n", a);
        return 2;
      }
      const char *v = argv[++i];
      const uint64_t DIM = 1u << 24;
      int ok = 1;
      if (strcmp(a, "--preset") == 0) preset = v;
      else if (strcmp(a, "--type") == 0) o.type = v;
      else if (strcmp(a, "--lora") == 0) o.lora = v;
      else if (strcmp(a, "--name") == 0) o.name = v;
      else if (strcmp(a, "--seed") == 0) ok = parse_u64(a, v, UINT64_MAX, &o.seed);
      else if (strcmp(a, "--layers") == 0) ok = parse_u64(a, v, 4096, &layers);
      else if (strcmp(a, "--embd") == 0) ok = parse_u64(a, v, DIM, &embd);
      else if (strcmp(a, "--ffn") == 0) ok = parse_u64(a, v, DIM, &ffn);
      else if (strcmp(a, "--vocab-size") == 0 || (strcmp(a, "--vocab") == 0 && is_number(v)))
        ok = parse_u64(a, v, DIM, &vocab_n);
      else if (strcmp(a, "--vocab") == 0) o.vocab = v;
      else if (strcmp(a, "--head-size") == 0) ok = parse_u64(a, v, DIM, &head);
      else if (strcmp(a, "--rank-w") == 0) ok = parse_u64(a, v, DIM, &rw);
      else if (strcmp(a, "--rank-a") == 0) ok = parse_u64(a, v, DIM, &ra);
      else if (strcmp(a, "--rank-v") == 0) ok = parse_u64(a, v, DIM, &rv);
      else if (strcmp(a, "--rank-g") == 0) ok = parse_u64(a, v, DIM, &rg);
      else if (strcmp(a, "-t") == 0 || strcmp(a, "--threads") == 0) ok = parse_u64(a, v, 256, &threads);
      else if (strcmp(a, "--check") == 0) ok = parse_u64(a, v, 1u << 20, &check);
      else {
        fprintf(stderr, "rwkv-gen: unknown option %s\n", a);
        usage(stderr);
        return 2;
      }
      if (!ok) return 2;
    } else if (!out) {
      out = a;
    } else {
      fprintf(stderr, "rwkv-gen: unexpected argument %s\n", a);
      usage(stderr);
      return 2;
    }
  }
  if (!out) {
    usage(stderr);
    return 2;
  }
  rwkv_error err = {0};
  if (rwkv7_gen_preset(preset ? preset : "tiny256", &o.hp, &err)) {
    fprintf(stderr, "rwkv-gen: %s\n", err.msg);
    return 2;
  }
  if (embd) {
    o.hp.n_embd = (uint32_t)embd;
    if (!ffn) o.hp.n_ffn = 4 * (uint32_t)embd;
    rwkv7_gen_default_ranks((uint32_t)embd, &o.hp);
  }
  if (layers) o.hp.n_layer = (uint32_t)layers;
  if (ffn) o.hp.n_ffn = (uint32_t)ffn;
  if (vocab_n) o.hp.n_vocab = (uint32_t)vocab_n;
  if (head) o.hp.head_size = (uint32_t)head;
  if (rw) o.hp.rank_w = (uint32_t)rw;
  if (ra) o.hp.rank_a = (uint32_t)ra;
  if (rv) o.hp.rank_v = (uint32_t)rv;
  if (rg) o.hp.rank_g = (uint32_t)rg;
  o.threads = (unsigned)threads;
  if (!o.name) o.name = preset ? preset : "rwkv7-random";

  rwkv7_gen_stats st;
  int rc = rwkv7_gen_write(out, &o, &st, &err);
  if (rc) {
    fprintf(stderr, "rwkv-gen: %s\n", err.msg);
    return 1;
  }
  if (!quiet)
    printf("rwkv-gen: wrote %s: %u layers x %u, ffn %u, vocab %u, ranks %u/%u/%u/%u, type %s, seed %" PRIu64
           "\n  %u tensors (%u fallbacks), %.3f G params, %" PRIu64 " bytes (%.1f MiB) in %.2f s with %u threads"
           " (%.0f MiB/s)\n",
           out, o.hp.n_layer, o.hp.n_embd, o.hp.n_ffn, o.hp.n_vocab, o.hp.rank_w, o.hp.rank_a, o.hp.rank_v,
           o.hp.rank_g, o.type ? o.type : "f32", o.seed, st.n_tensors, st.n_fallback, (double)st.n_params / 1e9,
           st.bytes, (double)st.bytes / 1048576.0, st.seconds, st.threads,
           st.seconds > 0 ? (double)st.bytes / 1048576.0 / st.seconds : 0.0);
  if (check && run_check(out, (uint32_t)check, o.seed)) return 1;
  return 0;
}
