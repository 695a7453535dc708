/* test_gguf.c - GGUF reader (gguf.h) and writer (gguf_write.h).
 * Parses tests/data/quant-vectors.gguf, round-trips every value type through
 * the writer, and runs a table of malformed files made from a valid written
 * file by patching bytes or truncating it; each case checks the error code, a
 * distinctive piece of the message and that the file name is in it. */
#include <dirent.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gguf.h"
#include "gguf_write.h"
#include "quant.h"
#include "testutil.h"

static char tmpdir[256];

static const char *tpath(const char *name) {
  static char buf[4][512];
  static int slot;
  char *b = buf[slot++ & 3];
  snprintf(b, sizeof buf[0], "%s/%s", tmpdir, name);
  return b;
}

/* Count files in tmpdir whose name contains ".tmp." (left-over temporaries). */
static int count_temps(void) {
  DIR *d = opendir(tmpdir);
  int n = 0;
  struct dirent *e;
  if (!d) return -1;
  while ((e = readdir(d)))
    if (strstr(e->d_name, ".tmp.")) n++;
  closedir(d);
  return n;
}

static uint64_t rd64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
  return v;
}
static void wr64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void wr32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* ---- quant-vectors.gguf ------------------------------------------------------ */

static void test_quant_vectors(void) {
  rwkv_error err = {0};
  gguf_file *f = NULL;
  const char *path = test_data("quant-vectors.gguf");
  int rc = gguf_open(path, &f, &err);
  CHECK_OK(rc, &err);
  if (rc) return;
  CHECK(f->version == 3);
  CHECK(f->n_tensors == 38);
  CHECK(f->alignment == 32);
  CHECK(f->data_offset % 32 == 0);
  gguf_str name;
  CHECK_OK(gguf_get_str(f, "general.name", 0, &name, &err), &err);
  CHECK(gguf_str_eq(name, "rwkv-lua quantization vectors"));
  static const struct {
    const char *name;
    uint32_t type;
  } want[] = {{"m.f32", 0},  {"m.f16", 1},  {"m.bf16", 30}, {"m.q8_0", 8},  {"m.q4_0", 2},
              {"m.q4_1", 3}, {"m.q5_0", 6}, {"m.q5_1", 7},  {"m.q2_K", 10}, {"m.q3_K", 11},
              {"m.q4_K", 12}, {"m.q5_K", 13}, {"m.q6_K", 14}, {"m.q4_K.deq", 0}};
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    const gguf_tensor *t = gguf_find_tensor(f, want[i].name);
    CHECK_MSG(t != NULL, "tensor %s", want[i].name);
    if (!t) continue;
    CHECK(t->n_dims == 2 && t->ne[0] == 512 && t->ne[1] == 16 && t->ne[2] == 1 && t->ne[3] == 1);
    CHECK_MSG(t->type == want[i].type, "%s type %u", want[i].name, t->type);
    CHECK(t->size == rwkv_type_row_bytes(t->type, 512) * 16);
    CHECK(t->data == f->base + f->data_offset + t->offset);
  }
  const gguf_tensor *x = gguf_find_tensor(f, "x");
  CHECK(x && x->n_dims == 1 && x->ne[0] == 512 && x->ne[1] == 1 && x->type == 0 && x->size == 2048);
  const gguf_tensor *y = gguf_find_tensor(f, "y.q6_K");
  CHECK(y && y->ne[0] == 16 && y->n_dims == 1);
  /* q8_0 at offset 133248 in the file (ggml's layout) */
  const gguf_tensor *q8 = gguf_find_tensor(f, "m.q8_0");
  CHECK(q8 && q8->offset == 133248 && q8->size == 16 * 16 * 34);
  CHECK(y && y->offset + y->size + f->data_offset == f->size);
  CHECK(gguf_find_tensor(f, "m.q9_K") == NULL);
  CHECK(gguf_find_tensor(f, "m") == NULL);
  CHECK(gguf_find_kv(f, "general.nam") == NULL);
  /* m.f32's first element is a finite float */
  const gguf_tensor *m = gguf_find_tensor(f, "m.f32");
  if (m) {
    float v;
    memcpy(&v, m->data, 4);
    CHECK(isfinite(v));
  }
  gguf_close(f);

  /* the same bytes through gguf_open_memory */
  size_t n;
  void *bytes = test_read_file(path, &n);
  CHECK(bytes != NULL);
  if (bytes) {
    rc = gguf_open_memory(bytes, n, "qv-mem", &f, &err);
    CHECK_OK(rc, &err);
    if (!rc) {
      CHECK(f->n_tensors == 38 && !f->mapped);
      CHECK(gguf_find_tensor(f, "m.q4_K") != NULL);
      gguf_close(f);
    }
    free(bytes);
  }
}

/* ---- writer round trip ---------------------------------------------------------- */

typedef struct fill_ctx {
  uint64_t calls, rows_seen;
  int fail_at; /* call number that fails, or -1 */
} fill_ctx;

static int fill_rows(void *user, uint64_t row, uint64_t n_rows, void *dst, rwkv_error *err) {
  fill_ctx *c = user;
  if (c->fail_at >= 0 && (int)c->calls == c->fail_at)
    return rwkv_errorf(err, RWKV_ERR_INTERRUPTED, "fill stopped on purpose");
  c->calls++;
  c->rows_seen += n_rows;
  float *p = dst;
  for (uint64_t r = 0; r < n_rows; r++)
    for (uint64_t i = 0; i < 1000; i++) p[r * 1000 + i] = (float)((row + r) * 1000 + i);
  return RWKV_OK;
}

static void test_roundtrip(void) {
  rwkv_error err = {0};
  gguf_writer *w = NULL;
  CHECK_OK(gguf_writer_new(&w, &err), &err);
  if (!w) return;
  CHECK_OK(gguf_writer_add_u8(w, "v.u8", 200, &err), &err);
  CHECK_OK(gguf_writer_add_i8(w, "v.i8", -5, &err), &err);
  CHECK_OK(gguf_writer_add_u16(w, "v.u16", 60000, &err), &err);
  CHECK_OK(gguf_writer_add_i16(w, "v.i16", -300, &err), &err);
  CHECK_OK(gguf_writer_add_u32(w, "v.u32", 4000000000u, &err), &err);
  CHECK_OK(gguf_writer_add_i32(w, "v.i32", -70000, &err), &err);
  CHECK_OK(gguf_writer_add_u64(w, "v.u64", 1ull << 40, &err), &err);
  CHECK_OK(gguf_writer_add_i64(w, "v.i64", -(1ll << 40), &err), &err);
  CHECK_OK(gguf_writer_add_i64(w, "v.i64small", 12345, &err), &err);
  CHECK_OK(gguf_writer_add_f32(w, "v.f32", 1.5f, &err), &err);
  CHECK_OK(gguf_writer_add_f64(w, "v.f64", 2.25, &err), &err);
  CHECK_OK(gguf_writer_add_bool(w, "v.bool", 1, &err), &err);
  CHECK_OK(gguf_writer_add_str(w, "v.str", "h\xc3\xa9llo", &err), &err);
  CHECK_OK(gguf_writer_add_strn(w, "v.strn", "a\0b", 3, &err), &err);
  CHECK_OK(gguf_writer_add_str(w, "v.empty", "", &err), &err);
  uint8_t au8[] = {1, 2, 255};
  int8_t ai8[] = {-1, 0, 1};
  uint16_t au16[] = {1, 65535};
  int16_t ai16[] = {-32768, 32767};
  uint32_t au32[] = {0, 4000000000u};
  int32_t ai32[] = {-1, 2, -3};
  float af32[] = {0.5f, -2.0f, 1e30f};
  uint8_t abool[] = {0, 1, 7};
  uint64_t au64[] = {1ull << 63};
  int64_t ai64[] = {INT64_MIN, INT64_MAX};
  double af64[] = {3.125, -0.0};
  CHECK_OK(gguf_writer_add_array(w, "a.u8", GGUF_U8, au8, 3, &err), &err);
  CHECK_OK(gguf_writer_add_array(w, "a.i8", GGUF_I8, ai8, 3, &err), &err);
  CHECK_OK(gguf_writer_add_array(w, "a.u16", GGUF_U16, au16, 2, &err), &err);
  CHECK_OK(gguf_writer_add_array(w, "a.i16", GGUF_I16, ai16, 2, &err), &err);
  CHECK_OK(gguf_writer_add_array(w, "a.u32", GGUF_U32, au32, 2, &err), &err);
  CHECK_OK(gguf_writer_add_array(w, "a.i32", GGUF_I32, ai32, 3, &err), &err);
  CHECK_OK(gguf_writer_add_array(w, "a.f32", GGUF_F32, af32, 3, &err), &err);
  CHECK_OK(gguf_writer_add_array(w, "a.bool", GGUF_BOOL, abool, 3, &err), &err);
  CHECK_OK(gguf_writer_add_array(w, "a.u64", GGUF_U64, au64, 1, &err), &err);
  CHECK_OK(gguf_writer_add_array(w, "a.i64", GGUF_I64, ai64, 2, &err), &err);
  CHECK_OK(gguf_writer_add_array(w, "a.f64", GGUF_F64, af64, 2, &err), &err);
  CHECK_OK(gguf_writer_add_array(w, "a.empty", GGUF_I32, NULL, 0, &err), &err);
  const char *strs[] = {"ab", "", "c\xff"};
  CHECK_OK(gguf_writer_add_str_array(w, "a.str", strs, NULL, 3, &err), &err);
  const char *bin[] = {"x\0y", "z"};
  uint64_t lens[] = {3, 1};
  CHECK_OK(gguf_writer_add_str_array(w, "a.bin", bin, lens, 2, &err), &err);
  /* a tokenizer-sized string array */
  enum { NTOK = 65536 };
  char (*tok)[8] = malloc(NTOK * sizeof *tok);
  const char **tokp = malloc(NTOK * sizeof *tokp);
  if (!tok || !tokp) {
    CHECK(0);
    free(tok);
    free(tokp);
    gguf_writer_free(w);
    return;
  }
  for (int i = 0; i < NTOK; i++) {
    snprintf(tok[i], 8, "t%d", i);
    tokp[i] = tok[i];
  }
  CHECK_OK(gguf_writer_add_str_array(w, "tokenizer.ggml.tokens", tokp, NULL, NTOK, &err), &err);
  CHECK_OK(gguf_writer_set_alignment(w, 64, &err), &err);

  /* writer argument errors */
  int rc = gguf_writer_add_u32(w, "v.u8", 1, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_ARG, "duplicate key 'v.u8'");
  rc = gguf_writer_set_alignment(w, 3, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_ARG, "power of two");
  rc = gguf_writer_add_array(w, "a.bad", GGUF_STRING, au8, 1, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_ARG, "not a number type");

  /* tensors: referenced, copied, filled */
  float t0[3 * 2];
  for (int i = 0; i < 6; i++) t0[i] = (float)i * 0.25f;
  uint64_t ne0[] = {3, 2};
  CHECK_OK(gguf_writer_add_tensor(w, "t.ref", RWKV_TYPE_F32, 2, ne0, t0, sizeof t0, 0, &err), &err);
  uint8_t *q = malloc(34 * 4);
  for (int i = 0; q && i < 34 * 4; i++) q[i] = (uint8_t)(i * 7);
  uint64_t ne1[] = {64, 1, 2, 1};
  CHECK_OK(gguf_writer_add_tensor(w, "t.copy", RWKV_TYPE_Q8_0, 4, ne1, q, 34 * 4, 1, &err), &err);
  if (q) memset(q, 0, 34 * 4); /* the copy must not see this */
  fill_ctx fc = {0, 0, -1};
  uint64_t ne2[] = {1000, 1500}; /* 6 MB: more than one fill chunk */
  CHECK_OK(gguf_writer_add_tensor_fill(w, "t.fill", RWKV_TYPE_F32, 2, ne2, fill_rows, &fc, &err), &err);
  uint16_t h[5] = {1, 2, 3, 4, 5};
  uint64_t ne3[] = {5};
  CHECK_OK(gguf_writer_add_tensor(w, "t.f16", RWKV_TYPE_F16, 1, ne3, h, sizeof h, 0, &err), &err);
  rc = gguf_writer_add_tensor(w, "t.ref", RWKV_TYPE_F32, 1, ne3, t0, 20, 0, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_ARG, "duplicate tensor name 't.ref'");
  rc = gguf_writer_add_tensor(w, "t.size", RWKV_TYPE_F32, 1, ne3, t0, 16, 0, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_ARG, "need 20");
  uint64_t ne_bad[] = {33};
  rc = gguf_writer_add_tensor(w, "t.blk", RWKV_TYPE_Q8_0, 1, ne_bad, q, 34, 0, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_ARG, "not a multiple");
  rc = gguf_writer_add_tensor(w, "t.type", 99, 1, ne3, t0, 20, 0, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_UNSUPPORTED, "unknown type 99");
  rc = gguf_writer_add_tensor(w, "t.dims", RWKV_TYPE_F32, 5, ne1, t0, 20, 0, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_ARG, "n_dims 5");
  CHECK(gguf_writer_n_tensors(w) == 4);

  const char *path = tpath("rt.gguf");
  rc = gguf_writer_write(w, path, &err);
  CHECK_OK(rc, &err);
  CHECK(fc.rows_seen == 1500 && fc.calls >= 2);
  CHECK(count_temps() == 0);
  gguf_writer_free(w);
  free(q);
  free(tok);
  free(tokp);

  gguf_file *f = NULL;
  rc = gguf_open(path, &f, &err);
  CHECK_OK(rc, &err);
  if (rc) return;
  CHECK(f->version == 3 && f->alignment == 64 && f->n_tensors == 4);
  CHECK(f->data_offset % 64 == 0);
  const gguf_kv *kv;
#define RAW(key, ty, bytes, n)                                                               \
  do {                                                                                       \
    kv = gguf_find_kv(f, key);                                                               \
    CHECK_MSG(kv && kv->type == (ty) && memcmp(kv->data, bytes, n) == 0, "kv %s", key);      \
  } while (0)
  RAW("v.u8", GGUF_U8, "\xc8", 1);
  RAW("v.i8", GGUF_I8, "\xfb", 1);
  RAW("v.u16", GGUF_U16, "\x60\xea", 2);
  RAW("v.i16", GGUF_I16, "\xd4\xfe", 2);
  RAW("v.bool", GGUF_BOOL, "\x01", 1);
  uint32_t u32 = 0;
  uint64_t u64 = 0;
  float f32 = 0;
  CHECK_OK(gguf_get_u32(f, "v.u8", 0, &u32, &err), &err);
  CHECK(u32 == 200);
  CHECK_OK(gguf_get_u32(f, "v.u16", 0, &u32, &err), &err);
  CHECK(u32 == 60000);
  CHECK_OK(gguf_get_u32(f, "v.u32", 0, &u32, &err), &err);
  CHECK(u32 == 4000000000u);
  CHECK_OK(gguf_get_u32(f, "v.i64small", 0, &u32, &err), &err);
  CHECK(u32 == 12345);
  CHECK_OK(gguf_get_u64(f, "v.u64", 0, &u64, &err), &err);
  CHECK(u64 == 1ull << 40);
  CHECK_OK(gguf_get_u64(f, "v.u32", 0, &u64, &err), &err);
  CHECK(u64 == 4000000000u);
  u32 = 77;
  rc = gguf_get_u32(f, "v.u64", 0, &u32, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "'v.u64' value 1099511627776 (u64) does not fit in u32");
  CHECK(u32 == 77);
  rc = gguf_get_u32(f, "v.i8", 0, &u32, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "value -5 (i8) does not fit");
  rc = gguf_get_u64(f, "v.i64", 0, &u64, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "value -1099511627776 (i64)");
  rc = gguf_get_u64(f, "v.i32", 0, &u64, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "value -70000");
  rc = gguf_get_u32(f, "v.f32", 0, &u32, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "key 'v.f32' has type f32, want u32");
  CHECK(strstr(err.msg, "rt.gguf") != NULL);
  rc = gguf_get_u32(f, "v.bool", 0, &u32, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "has type bool, want u32");
  rc = gguf_get_u32(f, "a.u32", 0, &u32, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "has type array of u32, want u32");
  CHECK_OK(gguf_get_f32(f, "v.f32", 0, &f32, &err), &err);
  CHECK(f32 == 1.5f);
  CHECK_OK(gguf_get_f32(f, "v.f64", 0, &f32, &err), &err);
  CHECK(f32 == 2.25f);
  rc = gguf_get_f32(f, "v.str", 0, &f32, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "key 'v.str' has type string, want f32");
  gguf_str s = {0};
  CHECK_OK(gguf_get_str(f, "v.str", 0, &s, &err), &err);
  CHECK(s.len == 6 && memcmp(s.ptr, "h\xc3\xa9llo", 6) == 0);
  CHECK_OK(gguf_get_str(f, "v.strn", 0, &s, &err), &err);
  CHECK(s.len == 3 && memcmp(s.ptr, "a\0b", 3) == 0);
  CHECK_OK(gguf_get_str(f, "v.empty", 0, &s, &err), &err);
  CHECK(s.len == 0);
  rc = gguf_get_str(f, "v.u8", 0, &s, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "key 'v.u8' has type u8, want string");
  /* missing and optional */
  rc = gguf_get_u32(f, "no.such", 0, &u32, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "missing key 'no.such'");
  CHECK(strstr(err.msg, "rt.gguf") != NULL);
  u32 = 99;
  CHECK_OK(gguf_get_u32(f, "no.such", 1, &u32, &err), &err);
  CHECK(u32 == 99);
  CHECK_OK(gguf_get_str(f, "no.such", 1, &s, &err), &err);
  CHECK_OK(gguf_get_f32(f, "no.such", 1, &f32, &err), &err);
  /* arrays */
  const void *data;
  uint64_t n;
#define ARR(key, ty, src, cnt)                                                                       \
  do {                                                                                               \
    rc = gguf_get_array(f, key, ty, 0, &data, &n, &err);                                             \
    CHECK_OK(rc, &err);                                                                              \
    CHECK_MSG(rc == 0 && n == (cnt) && memcmp(data, src, sizeof src) == 0, "array %s", key);        \
  } while (0)
  ARR("a.u8", GGUF_U8, au8, 3);
  ARR("a.i8", GGUF_I8, ai8, 3);
  ARR("a.u16", GGUF_U16, au16, 2);
  ARR("a.i16", GGUF_I16, ai16, 2);
  ARR("a.u32", GGUF_U32, au32, 2);
  ARR("a.i32", GGUF_I32, ai32, 3);
  ARR("a.f32", GGUF_F32, af32, 3);
  ARR("a.u64", GGUF_U64, au64, 1);
  ARR("a.i64", GGUF_I64, ai64, 2);
  ARR("a.f64", GGUF_F64, af64, 2);
  rc = gguf_get_array(f, "a.bool", GGUF_BOOL, 0, &data, &n, &err);
  CHECK_OK(rc, &err);
  CHECK(rc == 0 && n == 3 && memcmp(data, "\0\1\1", 3) == 0);
  rc = gguf_get_array(f, "a.empty", GGUF_I32, 0, &data, &n, &err);
  CHECK(rc == 0 && n == 0);
  rc = gguf_get_array(f, "a.i32", GGUF_U32, 0, &data, &n, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "key 'a.i32' has type array of i32, want array of u32");
  rc = gguf_get_array(f, "a.str", GGUF_I32, 0, &data, &n, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "array of string, want array of i32");
  rc = gguf_get_array(f, "v.u8", GGUF_U8, 0, &data, &n, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "has type u8, want array of u8");
  rc = gguf_get_array(f, "a.str", GGUF_STRING, 0, &data, &n, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_ARG, "not a number type");
  const gguf_str *ss = NULL;
  CHECK_OK(gguf_get_str_array(f, "a.str", 0, &ss, &n, &err), &err);
  CHECK(n == 3 && ss && gguf_str_eq(ss[0], "ab") && ss[1].len == 0 && gguf_str_eq(ss[2], "c\xff"));
  CHECK_OK(gguf_get_str_array(f, "a.bin", 0, &ss, &n, &err), &err);
  CHECK(n == 2 && ss && ss[0].len == 3 && memcmp(ss[0].ptr, "x\0y", 3) == 0 && gguf_str_eq(ss[1], "z"));
  rc = gguf_get_str_array(f, "a.u8", 0, &ss, &n, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "has type array of u8, want array of string");
  CHECK_OK(gguf_get_str_array(f, "tokenizer.ggml.tokens", 0, &ss, &n, &err), &err);
  CHECK(n == NTOK && ss && gguf_str_eq(ss[0], "t0") && gguf_str_eq(ss[12345], "t12345") &&
        gguf_str_eq(ss[NTOK - 1], "t65535"));
  CHECK_OK(gguf_get_u32(f, "general.alignment", 0, &u32, &err), &err);
  CHECK(u32 == 64);
  /* tensors */
  const gguf_tensor *t = gguf_find_tensor(f, "t.ref");
  CHECK(t && t->n_dims == 2 && t->ne[0] == 3 && t->ne[1] == 2 && t->ne[2] == 1 && t->type == RWKV_TYPE_F32 &&
        t->size == 24 && memcmp(t->data, t0, 24) == 0);
  t = gguf_find_tensor(f, "t.copy");
  CHECK(t && t->n_dims == 4 && t->ne[0] == 64 && t->ne[2] == 2 && t->type == RWKV_TYPE_Q8_0 && t->size == 136);
  if (t) {
    int ok = 1;
    for (int i = 0; i < 136; i++) ok &= t->data[i] == (uint8_t)(i * 7);
    CHECK(ok);
  }
  t = gguf_find_tensor(f, "t.fill");
  CHECK(t && t->size == 6000000);
  if (t) {
    int ok = 1;
    for (uint64_t i = 0; i < 1500000; i += 997) {
      float v;
      memcpy(&v, t->data + 4 * i, 4);
      ok &= v == (float)i;
    }
    CHECK(ok);
  }
  t = gguf_find_tensor(f, "t.f16");
  CHECK(t && t->size == 10 && memcmp(t->data, h, 10) == 0);
  for (uint64_t i = 0; i < f->n_tensors; i++) CHECK(f->tensors[i].offset % 64 == 0);
  gguf_close(f);

  /* a failing fill callback: error names the path, nothing left behind, old file intact */
  struct stat st0, st1;
  CHECK(stat(path, &st0) == 0);
  CHECK_OK(gguf_writer_new(&w, &err), &err);
  fill_ctx bad = {0, 0, 1};
  CHECK_OK(gguf_writer_add_tensor_fill(w, "t.fill", RWKV_TYPE_F32, 2, ne2, fill_rows, &bad, &err), &err);
  rc = gguf_writer_write(w, path, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_INTERRUPTED, "fill stopped on purpose");
  CHECK(strstr(err.msg, "rt.gguf") != NULL && strstr(err.msg, "t.fill") != NULL);
  CHECK(count_temps() == 0);
  CHECK(stat(path, &st1) == 0 && st1.st_size == st0.st_size);
  /* unwritable destination */
  rc = gguf_writer_write(w, tpath("no/such/dir/x.gguf"), &err);
  CHECK_ERR(rc, &err, RWKV_ERR_IO, "no/such/dir/x.gguf");
  gguf_writer_free(w);

  /* many tensors: every one found through the index */
  CHECK_OK(gguf_writer_new(&w, &err), &err);
  float one = 1.0f;
  uint64_t ne1d[] = {1};
  char nm[32];
  for (int i = 0; i < 700; i++) {
    snprintf(nm, sizeof nm, "blk.%d.w", i);
    CHECK_OK(gguf_writer_add_tensor(w, nm, RWKV_TYPE_F32, 1, ne1d, &one, 4, 0, &err), &err);
  }
  CHECK_OK(gguf_writer_write(w, tpath("many.gguf"), &err), &err);
  gguf_writer_free(w);
  rc = gguf_open(tpath("many.gguf"), &f, &err);
  CHECK_OK(rc, &err);
  if (!rc) {
    int found = 0;
    for (int i = 0; i < 700; i++) {
      snprintf(nm, sizeof nm, "blk.%d.w", i);
      const gguf_tensor *tt = gguf_find_tensor(f, nm);
      found += tt && tt - f->tensors == i;
    }
    CHECK(found == 700);
    CHECK(gguf_find_tensor(f, "blk.700.w") == NULL);
    gguf_close(f);
  }
}

/* ---- malformed files -------------------------------------------------------------- */

static uint8_t *base;
static size_t base_n;

/* Offset just past the first occurrence of the gguf string (u64 len + bytes) s. */
static size_t after(const char *s) {
  size_t n = strlen(s);
  for (size_t i = 8; i + n <= base_n; i++)
    if (memcmp(base + i, s, n) == 0 && rd64(base + i - 8) == n) return i + n;
  fprintf(stderr, "pattern %s not found\n", s);
  exit(2);
}

static void make_base(void) {
  rwkv_error err = {0};
  gguf_writer *w = NULL;
  if (gguf_writer_new(&w, &err)) exit(2);
  int rc = 0;
  rc |= gguf_writer_add_str(w, "general.architecture", "test", &err);
  rc |= gguf_writer_set_alignment(w, 32, &err);
  rc |= gguf_writer_add_u32(w, "k.u32", 7, &err);
  int32_t ai[] = {1, 2, 3};
  rc |= gguf_writer_add_array(w, "k.arr", GGUF_I32, ai, 3, &err);
  const char *ss[] = {"ab", "c"};
  rc |= gguf_writer_add_str_array(w, "k.strs", ss, NULL, 2, &err);
  rc |= gguf_writer_add_bool(w, "k.bool", 1, &err);
  rc |= gguf_writer_add_u8(w, "dup.a", 1, &err);
  rc |= gguf_writer_add_u8(w, "dup.b", 2, &err);
  static float f0[16], f2[4];
  static uint8_t q[68];
  uint64_t ne0[] = {8, 2}, ne1[] = {32, 2}, ne2[] = {4};
  rc |= gguf_writer_add_tensor(w, "t.0", RWKV_TYPE_F32, 2, ne0, f0, sizeof f0, 0, &err);
  rc |= gguf_writer_add_tensor(w, "t.1", RWKV_TYPE_Q8_0, 2, ne1, q, sizeof q, 0, &err);
  rc |= gguf_writer_add_tensor(w, "t.2", RWKV_TYPE_F32, 1, ne2, f2, sizeof f2, 0, &err);
  rc |= gguf_writer_write(w, tpath("base.gguf"), &err);
  gguf_writer_free(w);
  if (rc) {
    fprintf(stderr, "make_base: %s\n", err.msg);
    exit(2);
  }
  base = test_read_file(tpath("base.gguf"), &base_n);
  if (!base) exit(2);
}

typedef struct mcase {
  const char *what;
  size_t off;    /* patch at this offset */
  int width;     /* 4 or 8 (or 1) */
  uint64_t val;
  size_t trunc;  /* if non-zero: keep only this many bytes */
  int code;
  const char *msg;
} mcase;

/* Open a private exact-size copy (so ASan sees any over-read) under `name`. */
static int open_bytes(const uint8_t *b, size_t n, const char *name, rwkv_error *err) {
  uint8_t *copy = malloc(n ? n : 1);
  if (!copy) return -1;
  if (n) memcpy(copy, b, n);
  gguf_file *f = NULL;
  int rc = gguf_open_memory(copy, n, name, &f, err);
  if (rc == RWKV_OK) {
    /* touch every tensor byte and every string: all inside the buffer */
    unsigned sum = 0;
    for (uint64_t i = 0; i < f->n_tensors; i++)
      for (uint64_t j = 0; j < f->tensors[i].size; j++) sum += f->tensors[i].data[j];
    for (uint64_t i = 0; i < f->n_kv; i++)
      for (uint64_t j = 0; f->kv[i].strs && j < f->kv[i].arr_n; j++)
        for (uint64_t k = 0; k < f->kv[i].strs[j].len; k++) sum += (uint8_t)f->kv[i].strs[j].ptr[k];
    (void)sum;
    gguf_close(f);
  }
  CHECK(rc != RWKV_OK || f != NULL);
  free(copy);
  return rc;
}

static void test_malformed(void) {
  rwkv_error err = {0};
  make_base();
  CHECK_OK(open_bytes(base, base_n, "base.gguf", &err), &err);

  size_t arch = after("general.architecture"), align = after("general.alignment"), ku32 = after("k.u32"),
         karr = after("k.arr"), kbool = after("k.bool"), dupb = after("dup.b"), t0 = after("t.0"),
         t1 = after("t.1"), t2 = after("t.2"), kstrs = after("k.strs");
  /* tensor info after the name: u32 n_dims, u64 ne[n], u32 type, u64 offset */
  size_t t0_type = t0 + 4 + 16, t1_off = t1 + 4 + 16 + 4, t2_off = t2 + 4 + 8 + 4;
  const uint64_t HUGE = 0xffffffffffffff00ull;
  mcase cases[] = {
      {"bad magic", 0, 4, 0x58554747 /* "GGUX" */, 0, RWKV_ERR_FORMAT, "bad magic 'GGUX'"},
      {"version 1", 4, 4, 1, 0, RWKV_ERR_UNSUPPORTED, "GGUF version 1 is not supported"},
      {"version 99", 4, 4, 99, 0, RWKV_ERR_UNSUPPORTED, "GGUF version 99 is not supported"},
      {"version 0", 4, 4, 0, 0, RWKV_ERR_UNSUPPORTED, "version 0"},
      {"tensor count huge", 8, 8, HUGE, 0, RWKV_ERR_FORMAT, "tensor count 18446744073709551360 is too large"},
      {"tensor count too big", 8, 8, 1000, 0, RWKV_ERR_FORMAT, "tensor count 1000 is too large"},
      {"kv count huge", 16, 8, HUGE, 0, RWKV_ERR_FORMAT, "kv count 18446744073709551360 is too large"},
      {"kv count +1", 16, 8, 9, 0, RWKV_ERR_FORMAT, ""},
      {"key length huge", ku32 - 5 - 8, 8, HUGE, 0, RWKV_ERR_FORMAT, "key length 18446744073709551360 runs past"},
      {"string length huge", arch + 4, 8, HUGE, 0, RWKV_ERR_FORMAT, "string value length 18446744073709551360"},
      {"string length +1M", arch + 4, 8, 1 << 20, 0, RWKV_ERR_FORMAT, "runs past end of file"},
      {"array length overflowing", karr + 8, 8, 0x4000000000000001ull, 0, RWKV_ERR_FORMAT,
       "array length 4611686018427387905 of i32"},
      {"array length past end", karr + 8, 8, 100000, 0, RWKV_ERR_FORMAT, "array length 100000"},
      {"string array length huge", kstrs + 8, 8, HUGE, 0, RWKV_ERR_FORMAT, "of string needs at least 8 bytes"},
      {"array element string length huge", kstrs + 16, 8, HUGE, 0, RWKV_ERR_FORMAT, "string value length"},
      {"unknown value type", ku32, 4, 13, 0, RWKV_ERR_FORMAT, "key 'k.u32': unknown value type 13"},
      {"unknown value type huge", ku32, 4, 0xffffffff, 0, RWKV_ERR_FORMAT, "unknown value type 4294967295"},
      {"unknown array element type", karr + 4, 4, 99, 0, RWKV_ERR_FORMAT, "unknown array element type 99"},
      {"nested array truncated", karr + 4, 4, GGUF_ARRAY, 0, RWKV_ERR_FORMAT, "array length 12884901890 of i8 needs"},
      {"bool not 0/1", kbool + 4, 1, 2, 0, RWKV_ERR_FORMAT, "key 'k.bool': bool value 2 is not 0 or 1"},
      {"duplicate key", dupb - 1, 1, 'a', 0, RWKV_ERR_FORMAT, "duplicate key 'dup.a'"},
      {"alignment 0", align + 4, 4, 0, 0, RWKV_ERR_FORMAT, "general.alignment 0 is not a non-zero power of two"},
      {"alignment 3", align + 4, 4, 3, 0, RWKV_ERR_FORMAT, "general.alignment 3 is not"},
      {"alignment wrong type", align, 4, GGUF_I32, 0, RWKV_ERR_FORMAT,
       "key 'general.alignment' has type i32, want u32"},
      {"unknown tensor type", t0_type, 4, 99, 0, RWKV_ERR_UNSUPPORTED, "tensor 't.0': unknown tensor type 99"},
      {"tensor type 4 (removed q4_2)", t0_type, 4, 4, 0, RWKV_ERR_UNSUPPORTED, "unknown tensor type 4"},
      {"n_dims 0", t0, 4, 0, 0, RWKV_ERR_FORMAT, "tensor 't.0': n_dims 0 not in 1..4"},
      {"n_dims 5", t0, 4, 5, 0, RWKV_ERR_FORMAT, "tensor 't.0': n_dims 5 not in 1..4"},
      {"n_dims huge", t0, 4, 0xffffffff, 0, RWKV_ERR_FORMAT, "n_dims 4294967295"},
      {"ne 0", t0 + 4, 8, 0, 0, RWKV_ERR_FORMAT, "tensor 't.0': ne[0] = 0 is out of range"},
      {"ne[1] 0", t0 + 12, 8, 0, 0, RWKV_ERR_FORMAT, "ne[1] = 0"},
      {"ne negative as int64", t0 + 4, 8, 1ull << 63, 0, RWKV_ERR_FORMAT, "out of range"},
      {"dimension product overflow", t0 + 12, 8, 1ull << 62, 0, RWKV_ERR_FORMAT,
       "tensor 't.0': element count overflows 64 bits at ne[1]"},
      {"byte size overflow", t0 + 12, 8, 1ull << 59, 0, RWKV_ERR_FORMAT, "byte size overflows 64 bits"},
      {"ne[0] not a block multiple", t1 + 4, 8, 48, 0, RWKV_ERR_FORMAT,
       "tensor 't.1': ne[0] = 48 is not a multiple of the q8_0 block size 32"},
      {"tensor offset misaligned", t1_off, 8, 64 + 4, 0, RWKV_ERR_FORMAT,
       "tensor 't.1': data offset 68 is not a multiple of the alignment 32"},
      {"tensor data past end", t2_off, 8, 1 << 20, 0, RWKV_ERR_FORMAT,
       "tensor 't.2' data (offset 1048576, 16 bytes) runs past end of file"},
      {"tensor offset huge", t2_off, 8, 0xffffffffffffffe0ull, 0, RWKV_ERR_FORMAT, "runs past end of file"},
      {"tensor grows past end", t2 + 4, 8, 8, 0, RWKV_ERR_FORMAT, "tensor 't.2' data (offset 160, 32 bytes)"},
      {"duplicate tensor name", t1 - 1, 1, '0', 0, RWKV_ERR_FORMAT, "duplicate tensor name 't.0'"},
      {"truncated by one byte", 0, 0, 0, base_n - 1, RWKV_ERR_FORMAT, "tensor 't.2' data"},
      {"truncated in header", 0, 0, 0, 10, RWKV_ERR_FORMAT, "byte 8: truncated: tensor count needs 8 bytes"},
      {"only magic", 0, 0, 0, 4, RWKV_ERR_FORMAT, "truncated: version"},
      {"three bytes", 0, 0, 0, 3, RWKV_ERR_FORMAT, "bad magic"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    mcase *c = &cases[i];
    size_t n = c->trunc ? c->trunc : base_n;
    uint8_t *b = malloc(base_n);
    memcpy(b, base, base_n);
    if (c->width == 8) wr64(b + c->off, c->val);
    else if (c->width == 4) wr32(b + c->off, (uint32_t)c->val);
    else if (c->width == 1) b[c->off] = (uint8_t)c->val;
    char name[96];
    snprintf(name, sizeof name, "case-%zu.gguf", i);
    rwkv_error_clear(&err);
    int rc = open_bytes(b, n, name, &err);
    CHECK_MSG(rc == c->code && strstr(err.msg, c->msg) && strstr(err.msg, name),
              "case '%s': rc=%d (want %d) msg \"%s\" (want \"%s\")", c->what, rc, c->code, err.msg, c->msg);
    free(b);
  }

  /* a valid nested array (array of one empty i32 array) is accepted */
  {
    uint8_t *b = malloc(base_n);
    memcpy(b, base, base_n);
    wr32(b + karr + 4, GGUF_ARRAY);
    wr64(b + karr + 8, 1);
    wr32(b + karr + 16, GGUF_I32); /* 12 bytes of element data hold {u32 type, u64 n} */
    wr64(b + karr + 20, 0);
    gguf_file *f = NULL;
    int rc = gguf_open_memory(b, base_n, "nested.gguf", &f, &err);
    CHECK_OK(rc, &err);
    if (!rc) {
      const void *d;
      uint64_t n;
      rc = gguf_get_array(f, "k.arr", GGUF_I32, 0, &d, &n, &err);
      CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "has type array of array, want array of i32");
      gguf_close(f);
    }
    /* version 2 is accepted too */
    memcpy(b, base, base_n);
    wr32(b + 4, 2);
    rc = gguf_open_memory(b, base_n, "v2.gguf", &f, &err);
    CHECK_OK(rc, &err);
    if (!rc) {
      CHECK(f->version == 2);
      gguf_close(f);
    }
    free(b);
  }

  /* truncation at every byte offset: always a format error naming the file */
  int bad = 0;
  for (size_t n = 0; n < base_n; n++) {
    rwkv_error_clear(&err);
    int rc = open_bytes(base, n, "trunc.gguf", &err);
    if (rc != RWKV_ERR_FORMAT || !strstr(err.msg, "trunc.gguf")) {
      if (!bad++) fprintf(stderr, "truncated at %zu: rc=%d msg %s\n", n, rc, err.msg);
    }
  }
  CHECK(bad == 0);

  /* every header byte set to 0x00, 0xff and 0x80: never crashes, errors name the file */
  bad = 0;
  uint8_t *b = malloc(base_n);
  size_t hdr = base_n - 16 - 68 - 64; /* roughly the header and infos */
  static const uint8_t vals[] = {0x00, 0xff, 0x80, 0x01};
  for (size_t i = 0; i < hdr; i++) {
    for (size_t v = 0; v < sizeof vals; v++) {
      memcpy(b, base, base_n);
      b[i] = vals[v];
      rwkv_error_clear(&err);
      int rc = open_bytes(b, base_n, "flip.gguf", &err);
      if (rc != RWKV_OK && !strstr(err.msg, "flip.gguf")) {
        if (!bad++) fprintf(stderr, "flip at %zu: rc=%d msg %s\n", i, rc, err.msg);
      }
    }
  }
  CHECK(bad == 0);
  free(b);
  free(base);
}

/* ---- files ------------------------------------------------------------------- */

static void test_files(void) {
  rwkv_error err = {0};
  gguf_file *f = (gguf_file *)1;
  const char *missing = tpath("missing.gguf");
  int rc = gguf_open(missing, &f, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_IO, "missing.gguf");
  CHECK(f == NULL);
  CHECK(strstr(err.msg, "No such file") != NULL);
  rc = gguf_open(tmpdir, &f, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_IO, "is a directory");
  CHECK(strstr(err.msg, tmpdir) != NULL);
  const char *empty = tpath("empty.gguf");
  FILE *fp = fopen(empty, "wb");
  CHECK(fp != NULL);
  if (fp) fclose(fp);
  rc = gguf_open(empty, &f, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "empty.gguf: byte 0: empty file");
  rc = gguf_open_memory(NULL, 0, "nothing", &f, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "nothing: byte 0: empty file");
  /* a mapped malformed file: the same validation */
  fp = fopen(tpath("garbage.gguf"), "wb");
  if (fp) {
    fwrite("GGUF\x03\0\0\0garbage", 1, 15, fp);
    fclose(fp);
  }
  rc = gguf_open(tpath("garbage.gguf"), &f, &err);
  CHECK_ERR(rc, &err, RWKV_ERR_FORMAT, "garbage.gguf: byte 8: truncated");
  gguf_close(NULL);
}

static void cleanup(void) {
  DIR *d = opendir(tmpdir);
  struct dirent *e;
  if (!d) return;
  while ((e = readdir(d)))
    if (e->d_name[0] != '.') unlink(tpath(e->d_name));
  closedir(d);
  rmdir(tmpdir);
}

int main(void) {
  snprintf(tmpdir, sizeof tmpdir, "%s", "gguf-test.XXXXXX");
  if (!mkdtemp(tmpdir)) {
    perror("mkdtemp");
    return 1;
  }
  test_quant_vectors();
  test_roundtrip();
  test_malformed();
  test_files();
  cleanup();
  return test_result("test_gguf");
}
