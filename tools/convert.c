/* rwkv-convert: rwkv.cpp RWKV-7 .bin -> llama.cpp rwkv7 GGUF (see engine/rwkv7_convert.h). */
#include <stdio.h>
#include <string.h>

#include "rwkv7_convert.h"

static void usage(FILE *f) {
  fprintf(f,
          "usage: rwkv-convert in.bin out.gguf [--type f32|f16|bf16|q8_0|q4_0|q4_1|q5_0|q5_1|\n"
          "                    q2_k|q3_k|q4_k|q5_k|q6_k|q4_k_m] [--vocab rwkv_vocab_v20230424.txt]\n"
          "                    [--name NAME] [--quiet]\n"
          "Converts an rwkv.cpp RWKV-7 model file (FP32 or FP16) to GGUF in llama.cpp's rwkv7 layout.\n"
          "Byte-level (256-token) models need no --vocab; world models do.\n");
}

int main(int argc, char **argv) {
  const char *in = NULL, *out = NULL;
  rwkv7_convert_opts o = {0};
  o.log = stderr;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(a, "--quiet") == 0) {
      o.log = NULL;
    } else if (strcmp(a, "--type") == 0 || strcmp(a, "--vocab") == 0 || strcmp(a, "--name") == 0) {
      if (i + 1 >= argc) {
        fprintf(stderr, "rwkv-convert: %s needs a value\n", a);
        return 2;
      }
      const char *v = argv[++i];
      if (a[2] == 't') o.type = v;
      else if (a[2] == 'v') o.vocab = v;
      else o.name = v;
    } else if (a[0] == '-' && a[1] != 0) {
      fprintf(stderr, "rwkv-convert: unknown option %s\n", a);
      usage(stderr);
      return 2;
    } else if (!in) {
      in = a;
    } else if (!out) {
      out = a;
    } else {
      fprintf(stderr, "rwkv-convert: unexpected argument %s\n", a);
      usage(stderr);
      return 2;
    }
  }
  if (!in || !out) {
    usage(stderr);
    return 2;
  }
  rwkv_error err = {0};
  rwkv7_convert_stats st;
  int rc = rwkv7_convert(in, out, &o, &st, &err);
  if (rc) {
    fprintf(stderr, "rwkv-convert: %s\n", err.msg);
    return 1;
  }
  if (o.log)
    fprintf(o.log, "rwkv-convert: wrote %s (%u tensors, type %s, %u fallbacks), checked\n", out, st.n_tensors,
            o.type ? o.type : "f32", st.n_fallback);
  return 0;
}
