/* test_tokenizer.c - the RWKV world tokenizer against BlinkDL's reference vectors,
 * round trips, malformed vocabularies, the GGUF escaped form and a byte-level vocab. */
#include <stdint.h>

#include "gguf.h"
#include "gguf_write.h"
#include "testutil.h"
#include "tokenizer.h"

typedef struct rng {
  uint64_t s;
} rng;

static uint32_t rng_next(rng *r) {
  r->s = r->s * 6364136223846793005ULL + 1442695040888963407ULL;
  return (uint32_t)(r->s >> 33);
}

static int hexv(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Encode and decode one buffer; returns 1 when decode(encode(s)) == s. */
static int round_trip(const rwkv_tokenizer *t, const uint8_t *s, size_t n) {
  rwkv_error err;
  int32_t *ids = malloc((n ? n : 1) * sizeof *ids);
  char *back = malloc(n ? n : 1);
  size_t nid = 0, blen = 0;
  int ok = ids && back && rwkv_tokenize(t, s, n, ids, &nid, &err) == RWKV_OK &&
           rwkv_detokenize(t, ids, nid, back, n, &blen, &err) == RWKV_OK && blen == n &&
           memcmp(back, s, n) == 0;
  free(ids);
  free(back);
  return ok;
}

/* Every case of vectors.txt: encode must give the ids, decode must give the bytes. */
static void test_vectors(const rwkv_tokenizer *t) {
  size_t size;
  char *txt = test_read_file(test_data("tokenizer/vectors.txt"), &size);
  CHECK(txt != NULL);
  if (!txt) return;
  int cases = 0, good = 0;
  size_t total_bytes = 0, total_tokens = 0;
  char *p = txt;
  while (*p) {
    int cn;
    size_t blen;
    int used = 0;
    if (sscanf(p, "CASE %d %zu%n", &cn, &blen, &used) != 2) break;
    p = strchr(p, '\n');
    if (!p) break;
    p++;
    /* hex line */
    uint8_t *bytes = malloc(blen ? blen : 1);
    size_t nb = 0;
    while (*p && *p != '\n') {
      int h = hexv(p[0]), l = hexv(p[1]);
      if (h < 0 || l < 0 || nb >= blen) break;
      bytes[nb++] = (uint8_t)(h * 16 + l);
      p += 2;
    }
    while (*p && *p != '\n') p++;
    if (*p) p++;
    /* ids line */
    size_t cap = 64, nexp = 0;
    int32_t *exp = malloc(cap * sizeof *exp);
    while (*p && *p != '\n') {
      char *e;
      long v = strtol(p, &e, 10);
      if (e == p) break;
      if (nexp == cap) exp = realloc(exp, (cap *= 2) * sizeof *exp);
      exp[nexp++] = (int32_t)v;
      p = e;
      while (*p == ' ') p++;
    }
    while (*p && *p != '\n') p++;
    if (*p) p++;
    CHECK_MSG(nb == blen, "case %d: hex has %zu bytes, header says %zu", cn, nb, blen);

    rwkv_error err;
    int32_t *ids = malloc((blen ? blen : 1) * sizeof *ids);
    size_t nid = 0;
    int rc = rwkv_tokenize(t, bytes, nb, ids, &nid, &err);
    CHECK_OK(rc, &err);
    int same = rc == RWKV_OK && nid == nexp && memcmp(ids, exp, nid * sizeof *ids) == 0;
    if (!same && rc == RWKV_OK) {
      size_t k = 0;
      while (k < nid && k < nexp && ids[k] == exp[k]) k++;
      CHECK_MSG(same, "case %d: %zu tokens (want %zu), first difference at token %zu: %d vs %d",
                cn, nid, nexp, k, k < nid ? ids[k] : -1, k < nexp ? exp[k] : -1);
    }
    char *back = malloc(blen ? blen : 1);
    size_t olen = 0;
    rc = rwkv_detokenize(t, exp, nexp, back, blen, &olen, &err);
    CHECK_OK(rc, &err);
    int dec = rc == RWKV_OK && olen == nb && memcmp(back, bytes, nb) == 0;
    CHECK_MSG(dec, "case %d: decode differs", cn);
    cases++;
    good += same && dec;
    total_bytes += nb;
    total_tokens += nexp;
    free(bytes);
    free(exp);
    free(ids);
    free(back);
  }
  free(txt);
  CHECK_MSG(cases == 55, "read %d cases", cases);
  CHECK_MSG(good == cases, "%d of %d cases match", good, cases);
  CHECK(total_bytes == 25647);
  CHECK(total_tokens == 7314);
}

static void test_basics(const rwkv_tokenizer *t) {
  rwkv_error err;
  CHECK(rwkv_tokenizer_vocab_size(t) == 65530);
  CHECK(rwkv_tokenizer_max_token_len(t) == 128);
  const char *b;
  size_t l;
  CHECK_OK(rwkv_token_bytes(t, 0, &b, &l, &err), &err);
  CHECK(l == 0);
  CHECK_OK(rwkv_token_bytes(t, 1, &b, &l, &err), &err);
  CHECK(l == 1 && b[0] == 0);
  CHECK_OK(rwkv_token_bytes(t, 263, &b, &l, &err), &err);
  CHECK(l == 2 && memcmp(b, "\r\n", 2) == 0);
  CHECK_OK(rwkv_token_bytes(t, 9804, &b, &l, &err), &err); /* '\u2002' */
  CHECK(l == 3 && memcmp(b, "\xe2\x80\x82", 3) == 0);
  CHECK_OK(rwkv_token_bytes(t, 256, &b, &l, &err), &err); /* b'\xff' */
  CHECK(l == 1 && (uint8_t)b[0] == 0xff);
  CHECK_OK(rwkv_token_bytes(t, 65529, &b, &l, &err), &err);
  CHECK(l == 128);
  CHECK_ERR(rwkv_token_bytes(t, 65530, &b, &l, &err), &err, RWKV_ERR_ARG, "65530 out of range");
  CHECK_ERR(rwkv_token_bytes(t, -1, &b, &l, &err), &err, RWKV_ERR_ARG, "-1 out of range");

  /* detokenize: ids out of range, small buffer, id 0 */
  char out[64];
  size_t ol = 0;
  int32_t bad[3] = {262, 65530, 5};
  CHECK_ERR(rwkv_detokenize(t, bad, 3, out, sizeof out, &ol, &err), &err, RWKV_ERR_ARG,
            "token id 65530 at index 1 out of range");
  bad[1] = -7;
  CHECK_ERR(rwkv_detokenize(t, bad, 3, out, sizeof out, &ol, &err), &err, RWKV_ERR_ARG,
            "token id -7 at index 1");
  int32_t ids2[3] = {263, 0, 263};
  CHECK_OK(rwkv_detokenize(t, ids2, 3, out, sizeof out, &ol, &err), &err);
  CHECK(ol == 4 && memcmp(out, "\r\n\r\n", 4) == 0);
  ol = 0;
  CHECK_ERR(rwkv_detokenize(t, ids2, 3, out, 3, &ol, &err), &err, RWKV_ERR_ARG, "needs 4 bytes");
  CHECK(ol == 4);
  CHECK_ERR(rwkv_detokenize(t, ids2, 3, NULL, 0, &ol, &err), &err, RWKV_ERR_ARG, "needs 4 bytes");
  CHECK(ol == 4);

  /* empty input */
  size_t nid = 99;
  CHECK_OK(rwkv_tokenize(t, "", 0, NULL, &nid, &err), &err);
  CHECK(nid == 0);
  /* the longest token is chosen */
  char spaces[300];
  memset(spaces, ' ', sizeof spaces);
  int32_t ids[300];
  CHECK_OK(rwkv_tokenize(t, spaces, 256, ids, &nid, &err), &err);
  CHECK(nid == 2 && ids[0] == 65529 && ids[1] == 65529);
}

static void test_random_round_trips(const rwkv_tokenizer *t) {
  rng r = {12345};
  int ok = 0, n = 0;
  uint8_t buf[4096];
  for (int it = 0; it < 300; it++) {
    size_t len = rng_next(&r) % sizeof buf;
    int mode = it % 3;
    for (size_t i = 0; i < len; i++) {
      uint32_t x = rng_next(&r);
      if (mode == 0) buf[i] = (uint8_t)x;                       /* any byte */
      else if (mode == 1) buf[i] = (uint8_t)(0x20 + x % 95);   /* printable ASCII */
      else buf[i] = (uint8_t)(x % 4 == 0 ? 0x80 + x % 64 : x % 4 == 1 ? 0xe4 : 'a' + x % 26);
    }
    ok += round_trip(t, buf, len);
    n++;
  }
  CHECK_MSG(ok == n, "%d of %d random round trips", ok, n);
}

/* Write text to a temp vocab file and try to load it. */
static int load_text(const char *text, rwkv_tokenizer **t, rwkv_error *err, const char *fname) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", RWKV_BUILD_DIR, fname);
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  fwrite(text, 1, strlen(text), f);
  fclose(f);
  int rc = rwkv_tokenizer_load_vocab(path, t, err);
  remove(path);
  return rc;
}

static void test_bad_vocab(void) {
  rwkv_error err;
  rwkv_tokenizer *t = NULL;
  struct {
    const char *text, *want;
  } cases[] = {
      {"1 'a' 1\n1 'b' 1\n", "tokbad.txt:2 (offset 8): duplicate id 1 (first on line 1)"},
      {"1 'a' 1\n2 'a' 1\n", "tokbad.txt:2: duplicate token: id 2 has the same 1 bytes as id 1"},
      {"1 'a' 1\n2 b'\\x61' 1\n", "duplicate token: id 2"},
      {"1 'a' 1\n2 '' 0\n", "tokbad.txt:2 (offset 8): id 2: empty token"},
      {"1 'a' 1\n2 '\\q' 1\n", "tokbad.txt:2 (offset 8): id 2: bad escape \\q"},
      {"1 'a' 1\n2 '\\x4' 1\n", "bad escape \\x at column 1: expected 2 hex digits"},
      {"1 'a' 1\n2 '\\ud800' 3\n", "U+D800, not encodable"},
      {"1 'ab' 3\n", "tokbad.txt:1 (offset 0): id 1: byte length mismatch: literal has 2 bytes, line says 3"},
      {"1 '\\u00e4' 1\n", "literal has 2 bytes, line says 1"},
      {"1 'a' 1\n3 'b' 1\n", "tokbad.txt:2 (offset 8): id 3 out of range: ids must be contiguous 1..2"},
      {"0 'a' 1\n", "id 0 is reserved"},
      {"1 'a' 1\nhello\n", "tokbad.txt:2 (offset 8): garbage line"},
      {"1 'a' 1\nx 'b' 1\n", "garbage line: bad id 'x'"},
      {"1 'a' 1\n2 'b' z\n", "garbage line: bad byte length 'z'"},
      {"1 'a' 1\n\n2 'b' 1\n", "tokbad.txt:2 (offset 8): empty line"},
      {"1 'a 1\n", "does not end with its opening quote"},
      {"1 a 1\n", "not a quoted Python str literal"},
      {"1 'a'b' 3\n", "unescaped quote"},
      {"1 b'\xc3\xa4' 2\n", "non-ASCII byte 0xc3 in a bytes literal"},
      {"1 '\xff' 1\n", "invalid UTF-8 byte 0xff"},
      {"1 '\\' 1\n", "dangling backslash at column 1"},
      {"", "empty vocabulary"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    t = NULL;
    int rc = load_text(cases[i].text, &t, &err, "tokbad.txt");
    CHECK_MSG(rc == RWKV_ERR_FORMAT && strstr(err.msg, cases[i].want) != NULL,
              "case %zu: rc=%d msg \"%s\" (want \"%s\")", i, rc, err.msg, cases[i].want);
    CHECK(t == NULL);
    rwkv_tokenizer_free(t);
  }
  CHECK_ERR(rwkv_tokenizer_load_vocab("/nonexistent/vocab.txt", &t, &err), &err, RWKV_ERR_IO,
            "/nonexistent/vocab.txt: cannot open");

  /* Good small files: any id order, CRLF, no final newline, every escape kind. */
  int rc = load_text("2 'b' 1\r\n1 'a' 1\r\n3 \"it's\" 4\n4 b'\\x00\\xff\\t\\'' 4\n"
                     "5 '\\u00e4\\U0001F600\\x41\\101\\n\\\\' 10\n6 'x y' 3",
                     &t, &err, "tokgood.txt");
  CHECK_OK(rc, &err);
  if (rc == RWKV_OK) {
    CHECK(rwkv_tokenizer_vocab_size(t) == 7);
    const char *b;
    size_t l;
    CHECK(rwkv_token_bytes(t, 3, &b, &l, &err) == 0 && l == 4 && memcmp(b, "it's", 4) == 0);
    CHECK(rwkv_token_bytes(t, 4, &b, &l, &err) == 0 && l == 4 && memcmp(b, "\0\xff\t'", 4) == 0);
    CHECK(rwkv_token_bytes(t, 5, &b, &l, &err) == 0 && l == 10 &&
          memcmp(b, "\xc3\xa4\xf0\x9f\x98\x80" "AA\n\\", 10) == 0);
    CHECK(rwkv_token_bytes(t, 6, &b, &l, &err) == 0 && l == 3 && memcmp(b, "x y", 3) == 0);
    /* a byte without a token */
    int32_t ids[8];
    size_t n;
    CHECK_ERR(rwkv_tokenize(t, "abz", 3, ids, &n, &err), &err, RWKV_ERR_ARG,
              "byte 0x7a at offset 2 has no token");
    CHECK_OK(rwkv_tokenize(t, "bax y", 5, ids, &n, &err), &err);
    CHECK(n == 3 && ids[0] == 2 && ids[1] == 1 && ids[2] == 6);
    rwkv_tokenizer_free(t);
  }
}

/* llama.cpp's GGUF token form: escape every world token, add "<s>" and fillers. */
static void test_escaped(const rwkv_tokenizer *world) {
  rwkv_error err;
  uint32_t nw = rwkv_tokenizer_vocab_size(world);
  uint64_t n = 65536;
  gguf_str *toks = calloc(n, sizeof *toks);
  int32_t *types = calloc(n, sizeof *types);
  char *store = malloc((size_t)n * 4 * 128 + 16);
  size_t o = 0;
  for (uint64_t i = 0; i < n; i++) {
    const char *b;
    size_t l, el = 0;
    char pad[32];
    types[i] = RWKV_TOKEN_TYPE_NORMAL;
    if (i == 0) {
      b = "<s>"; l = 3; types[i] = RWKV_TOKEN_TYPE_CONTROL;
    } else if (i >= nw) {
      l = (size_t)snprintf(pad, sizeof pad, "[PAD%llu]", (unsigned long long)i);
      b = pad;
      types[i] = RWKV_TOKEN_TYPE_UNUSED;
    } else {
      rwkv_token_bytes(world, (int32_t)i, &b, &l, &err);
    }
    if (types[i] == RWKV_TOKEN_TYPE_NORMAL) {
      CHECK_OK(rwkv_token_escape(b, l, store + o, 4 * 128, &el, &err), &err);
    } else {
      memcpy(store + o, b, l);
      el = l;
    }
    toks[i].ptr = store + o;
    toks[i].len = el;
    o += el;
  }
  /* spot checks of the escape form (Python repr(bytes)[2:-1]) */
  const char *b;
  size_t l;
  rwkv_token_bytes(world, 11, &b, &l, &err); /* '\n' */
  CHECK(toks[11].len == 2 && memcmp(toks[11].ptr, "\\n", 2) == 0);
  CHECK(toks[93].len == 2 && memcmp(toks[93].ptr, "\\\\", 2) == 0);  /* id 93 is '\\' */
  CHECK(toks[40].len == 1 && toks[40].ptr[0] == '\'');   /* id 40 is "'": repr b"'" */
  CHECK(toks[256].len == 4 && memcmp(toks[256].ptr, "\\xff", 4) == 0);
  CHECK(toks[9804].len == 12 && memcmp(toks[9804].ptr, "\\xe2\\x80\\x82", 12) == 0);
  char e[16];
  size_t el;
  CHECK_OK(rwkv_token_escape("it's", 4, e, sizeof e, &el, &err), &err); /* repr: b"it's" */
  CHECK(el == 4 && memcmp(e, "it's", 4) == 0);
  CHECK_OK(rwkv_token_escape("'\"", 2, e, sizeof e, &el, &err), &err); /* repr: b'\'"' */
  CHECK(el == 3 && memcmp(e, "\\'\"", 3) == 0);
  CHECK_ERR(rwkv_token_escape("\xff", 1, e, 3, &el, &err), &err, RWKV_ERR_ARG, "needs 4 bytes");
  CHECK(el == 4);

  rwkv_tokenizer *g = NULL;
  int rc = rwkv_tokenizer_from_tokens_typed(toks, types, n, 1, "escaped", &g, &err);
  CHECK_OK(rc, &err);
  if (rc == RWKV_OK) {
    CHECK(rwkv_tokenizer_vocab_size(g) == 65536);
    int same = 1;
    for (uint32_t i = 1; i < nw; i++) {
      const char *b1, *b2;
      size_t l1, l2;
      rwkv_token_bytes(world, (int32_t)i, &b1, &l1, &err);
      rwkv_token_bytes(g, (int32_t)i, &b2, &l2, &err);
      if (l1 != l2 || memcmp(b1, b2, l1) != 0) same = 0;
    }
    CHECK_MSG(same, "unescaped GGUF tokens differ from the vocab file's");
    CHECK(rwkv_token_bytes(g, 0, &b, &l, &err) == 0 && l == 0);
    CHECK(rwkv_token_bytes(g, 65535, &b, &l, &err) == 0 && l == 0);
    /* "<s>" and "[PAD...]" are text, not control tokens */
    int32_t a[32], c[32];
    size_t na, nc;
    const char *s = "<s>[PAD65535]";
    CHECK_OK(rwkv_tokenize(world, s, strlen(s), a, &na, &err), &err);
    CHECK_OK(rwkv_tokenize(g, s, strlen(s), c, &nc, &err), &err);
    CHECK(na == nc && memcmp(a, c, na * sizeof *a) == 0);
    for (size_t i = 0; i < nc; i++) CHECK(c[i] != 0 && c[i] < 65530);
    test_vectors(g);
    rwkv_tokenizer_free(g);
  }

  /* the untyped form keeps every token, so "<s>" becomes token 0 as in llama.cpp */
  rc = rwkv_tokenizer_from_tokens(toks, n, 1, "escaped", &g, &err);
  CHECK_OK(rc, &err);
  if (rc == RWKV_OK) {
    int32_t a[8];
    size_t na;
    CHECK_OK(rwkv_tokenize(g, "<s>", 3, a, &na, &err), &err);
    CHECK(na == 1 && a[0] == 0);
    rwkv_tokenizer_free(g);
  }

  /* bad escapes / empty / duplicates in the escaped form */
  struct {
    const char *tok, *want;
  } bad[] = {
      {"\\q", "escaped: token 1 \"\\q\": bad escape \\q at byte 0"},
      {"ab\\", "dangling backslash at byte 2"},
      {"\\x4", "bad escape \\x at byte 0"},
      {"\\xg0", "bad escape \\x"},
      {"", "escaped: token 1 is empty"},
      {"\\x61", "escaped: duplicate token: id 1 has the same 1 bytes as id 0"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    gguf_str two[2] = {{"a", 1}, {bad[i].tok, strlen(bad[i].tok)}};
    g = NULL;
    rc = rwkv_tokenizer_from_tokens(two, 2, 1, "escaped", &g, &err);
    CHECK_MSG(rc == RWKV_ERR_FORMAT && strstr(err.msg, bad[i].want) != NULL,
              "case %zu: rc=%d msg \"%s\" (want \"%s\")", i, rc, err.msg, bad[i].want);
    CHECK(g == NULL);
  }
  /* llama.cpp's unescape accepts these */
  gguf_str ok4[4] = {{"\\n", 2}, {"\\xe4", 4}, {"\\\\", 2}, {"\\'", 2}};
  rc = rwkv_tokenizer_from_tokens(ok4, 4, 1, "escaped", &g, &err);
  CHECK_OK(rc, &err);
  if (rc == RWKV_OK) {
    int32_t a[8];
    size_t na;
    CHECK_OK(rwkv_tokenize(g, "'\n\xe4\\", 4, a, &na, &err), &err);
    CHECK(na == 4 && a[0] == 3 && a[1] == 0 && a[2] == 1 && a[3] == 2);
    rwkv_tokenizer_free(g);
  }
  free(toks);
  free(types);
  free(store);
}

/* A 256-token byte-level vocabulary (token i = byte i), raw and escaped, and through GGUF. */
static void test_byte_level(void) {
  rwkv_error err;
  char raw[256];
  gguf_str toks[256], etoks[256];
  char estore[256 * 4];
  const char *ep[256];
  uint64_t elen[256];
  size_t o = 0;
  for (int i = 0; i < 256; i++) {
    raw[i] = (char)i;
    toks[i].ptr = raw + i;
    toks[i].len = 1;
    size_t el;
    rwkv_token_escape(raw + i, 1, estore + o, 4, &el, &err);
    etoks[i].ptr = estore + o;
    etoks[i].len = el;
    ep[i] = estore + o;
    elen[i] = el;
    o += el;
  }
  rwkv_tokenizer *t = NULL, *te = NULL;
  CHECK_OK(rwkv_tokenizer_from_tokens(toks, 256, 0, "bytes", &t, &err), &err);
  CHECK_OK(rwkv_tokenizer_from_tokens(etoks, 256, 1, "bytes-escaped", &te, &err), &err);
  if (!t || !te) return;
  CHECK(rwkv_tokenizer_vocab_size(t) == 256);
  const char *s = "\"in\x00\xff\\'\n";
  size_t sl = 8;
  int32_t ids[16], ide[16];
  size_t n, ne;
  CHECK_OK(rwkv_tokenize(t, s, sl, ids, &n, &err), &err);
  CHECK_OK(rwkv_tokenize(te, s, sl, ide, &ne, &err), &err);
  CHECK(n == sl && ne == sl);
  int ok = 1;
  for (size_t i = 0; i < sl && i < n && i < ne; i++)
    ok &= ids[i] == (uint8_t)s[i] && ide[i] == (uint8_t)s[i];
  CHECK(ok);
  rng r = {99};
  uint8_t buf[1000];
  for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)rng_next(&r);
  CHECK(round_trip(t, buf, sizeof buf));
  CHECK(round_trip(te, buf, sizeof buf));

  /* through a GGUF file: tokenizer.ggml.model "rwkv" */
  gguf_writer *w = NULL;
  char path[4096];
  snprintf(path, sizeof path, "%s/tok_bytes.gguf", RWKV_BUILD_DIR);
  int rc = gguf_writer_new(&w, &err);
  CHECK_OK(rc, &err);
  if (rc == RWKV_OK) {
    CHECK_OK(gguf_writer_add_str(w, "tokenizer.ggml.model", "rwkv", &err), &err);
    CHECK_OK(gguf_writer_add_str_array(w, "tokenizer.ggml.tokens", ep, elen, 256, &err), &err);
    CHECK_OK(gguf_writer_write(w, path, &err), &err);
    gguf_writer_free(w);
    gguf_file *f = NULL;
    rc = gguf_open(path, &f, &err);
    CHECK_OK(rc, &err);
    if (rc == RWKV_OK) {
      rwkv_tokenizer *tg = NULL;
      rc = rwkv_tokenizer_from_gguf(f, &tg, &err);
      CHECK_OK(rc, &err);
      if (rc == RWKV_OK) {
        CHECK(rwkv_tokenizer_vocab_size(tg) == 256);
        CHECK_OK(rwkv_tokenize(tg, s, sl, ids, &n, &err), &err);
        CHECK(n == sl && ids[3] == 0 && ids[4] == 255 && ids[5] == '\\');
        CHECK(round_trip(tg, buf, sizeof buf));
        rwkv_tokenizer_free(tg);
      }
      gguf_close(f);
    }
    remove(path);
  }
  /* wrong tokenizer model, and missing tokens */
  rc = gguf_writer_new(&w, &err);
  if (rc == RWKV_OK) {
    gguf_writer_add_str(w, "tokenizer.ggml.model", "gpt2", &err);
    CHECK_OK(gguf_writer_write(w, path, &err), &err);
    gguf_file *f = NULL;
    if (gguf_open(path, &f, &err) == RWKV_OK) {
      rwkv_tokenizer *tg = NULL;
      CHECK_ERR(rwkv_tokenizer_from_gguf(f, &tg, &err), &err, RWKV_ERR_UNSUPPORTED,
                "tokenizer.ggml.model is \"gpt2\", expected \"rwkv\"");
      gguf_close(f);
    }
    gguf_writer_free(w);
    remove(path);
  }
  rc = gguf_writer_new(&w, &err);
  if (rc == RWKV_OK) {
    gguf_writer_add_str(w, "tokenizer.ggml.model", "rwkv", &err);
    CHECK_OK(gguf_writer_write(w, path, &err), &err);
    gguf_file *f = NULL;
    if (gguf_open(path, &f, &err) == RWKV_OK) {
      rwkv_tokenizer *tg = NULL;
      rc = rwkv_tokenizer_from_gguf(f, &tg, &err);
      CHECK_MSG(rc == RWKV_ERR_FORMAT && strstr(err.msg, "tokenizer.ggml.tokens"), "rc=%d %s", rc,
                err.msg);
      gguf_close(f);
    }
    gguf_writer_free(w);
    remove(path);
  }
  rwkv_tokenizer_free(t);
  rwkv_tokenizer_free(te);
}

int main(void) {
  rwkv_error err;
  rwkv_tokenizer *t = NULL;
  int rc = rwkv_tokenizer_load_vocab(test_data("tokenizer/rwkv_vocab_v20230424.txt"), &t, &err);
  CHECK_OK(rc, &err);
  if (rc == RWKV_OK) {
    test_basics(t);
    test_vectors(t);
    test_random_round_trips(t);
    test_escaped(t);
    rwkv_tokenizer_free(t);
  }
  test_bad_vocab();
  test_byte_level();
  return test_result("test_tokenizer");
}
