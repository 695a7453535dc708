/* make_seeds.c - write the seed corpus of the fuzzers (tests/fuzz/corpus_gguf,
 * corpus_vocab). Run by tests/fuzz/run.sh --seeds; the output is committed.
 *   make_seeds <corpus_gguf dir> <corpus_vocab dir> <world vocab file> */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gguf.h"
#include "quant.h"
#include "tinygen.h"

static int write_bytes(const char *path, const void *p, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  int ok = fwrite(p, 1, n, f) == n;
  return (fclose(f) == 0 && ok) ? 0 : -1;
}

/* Model with options o, plus a copy truncated at the start of the tensor data. */
static int model(const char *dir, const char *name, const tinygen_opts *o, int header_copy) {
  char path[1024];
  rwkv_error err = {0};
  snprintf(path, sizeof path, "%s/%s.gguf", dir, name);
  if (tinygen_write(path, o, &err)) {
    fprintf(stderr, "%s: %s\n", path, err.msg);
    return -1;
  }
  if (!header_copy) return 0;
  gguf_file *f = NULL;
  if (gguf_open(path, &f, &err)) {
    fprintf(stderr, "%s\n", err.msg);
    return -1;
  }
  char hp[1024];
  snprintf(hp, sizeof hp, "%s/%s-header.gguf", dir, name);
  int rc = write_bytes(hp, f->base, (size_t)f->data_offset);
  gguf_close(f);
  return rc;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: make_seeds <corpus_gguf> <corpus_vocab> <world vocab>\n");
    return 2;
  }
  const char *gd = argv[1], *vd = argv[2];
  tinygen_opts o = tinygen_default();
  int rc = 0;
  /* the smallest complete model: D 16, 1 head, vocab 16 (bytes 0..15) */
  o.n_embd = 16, o.head_size = 16, o.n_ffn = 16, o.n_vocab = 16, o.rank = 4;
  rc |= model(gd, "d16-f32", &o, 0);
  o.big_type = RWKV_TYPE_F16;
  rc |= model(gd, "d16-f16", &o, 0);
  /* two layers (value-residual LoRA present), two heads, Q8_0 matrices */
  o.n_layer = 2, o.n_embd = 32, o.head_size = 16, o.n_ffn = 32, o.n_vocab = 40, o.big_type = RWKV_TYPE_Q8_0;
  rc |= model(gd, "d32-l2-q8", &o, 0);
  /* no tokenizer keys */
  o = tinygen_default();
  o.n_embd = 16, o.head_size = 16, o.n_ffn = 16, o.n_vocab = 8, o.rank = 2, o.no_tokenizer = 1;
  rc |= model(gd, "d16-notok", &o, 0);
  /* the 1-layer n_embd 64 byte-level model: whole file in F16, and its header */
  o = tinygen_default();
  o.big_type = RWKV_TYPE_F16;
  rc |= model(gd, "d64-v256-f16", &o, 1);
  /* vocab 300: 256 bytes + unused [PADn] tokens; header only */
  o.n_vocab = 300, o.n_ffn = 32;
  rc |= model(gd, "d64-v300-f16", &o, 1);
  {
    char p[1024];
    snprintf(p, sizeof p, "%s/d64-v300-f16.gguf", gd);
    remove(p); /* keep the header only: the corpus stays small */
  }

  /* vocab seeds: slices of the world vocabulary, renumbered 1..n */
  size_t n = 0;
  FILE *f = fopen(argv[3], "rb");
  if (!f) {
    perror(argv[3]);
    return 1;
  }
  char *text = malloc(8u << 20);
  if (!text) return 1;
  n = fread(text, 1, (8u << 20) - 1, f);
  fclose(f);
  text[n] = 0;
  /* index lines */
  size_t nl = 0, *ls = malloc(sizeof *ls * 70000);
  for (size_t i = 0; i < n && nl < 70000; i++)
    if (i == 0 || text[i - 1] == '\n') ls[nl++] = i;
  static const struct { size_t from, count; const char *name; } S[] = {
      {0, 40, "world-first40"},      /* \x00.. escapes, bytes literals */
      {255, 30, "world-ascii"},      /* plain ASCII words */
      {10000, 25, "world-10000"},    /* multi-byte UTF-8 */
      {65490, 39, "world-last"},     /* CJK and long tokens */
  };
  for (size_t s = 0; s < sizeof S / sizeof S[0]; s++) {
    char p[1024];
    snprintf(p, sizeof p, "%s/%s.txt", vd, S[s].name);
    FILE *o2 = fopen(p, "wb");
    if (!o2) return 1;
    for (size_t k = 0; k < S[s].count && S[s].from + k < nl; k++) {
      const char *l = text + ls[S[s].from + k];
      const char *sp = strchr(l, ' ');
      const char *e = strchr(l, '\n');
      if (!sp || !e) break;
      fprintf(o2, "%zu%.*s\n", k + 1, (int)(e - sp), sp);
    }
    fclose(o2);
  }
  /* hand-written: escapes of every kind, CRLF, reordered ids */
  static const char hand[] =
      "2 'b' 1\r\n1 'a' 1\r\n3 '\\n\\t\\\\\\'' 4\n4 b'\\xff\\x00' 2\n5 '\\u00e9' 2\n6 \"it's\" 4\n"
      "7 '\\U0001F600' 4\n8 b'ab\\r' 3\n";
  {
    char p[1024];
    snprintf(p, sizeof p, "%s/hand-escapes.txt", vd);
    rc |= write_bytes(p, hand, sizeof hand - 1);
  }
  free(ls);
  free(text);
  return rc ? 1 : 0;
}
