/* gguf_write.c - GGUF v3 writer (see gguf_write.h). Format facts from
 * ggml/docs/gguf.md; the encoding mirrors what gguf.c reads. */
#include "gguf_write.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "quant.h"

#define FILL_CHUNK_BYTES (4u << 20)

typedef unsigned long long ull;

typedef struct wkv {
  char *key;    /* NUL-terminated copy */
  uint8_t *enc; /* whole encoded kv: key string, u32 type, value */
  size_t len;
} wkv;

typedef struct wtensor {
  char *name;
  uint32_t type, n_dims;
  uint64_t ne[GGUF_MAX_DIMS];
  uint64_t size, row_bytes, rows;
  const void *data;
  void *owned;
  gguf_writer_fill_fn fill;
  void *user;
} wtensor;

struct gguf_writer {
  uint32_t alignment;
  wkv *kv;
  uint64_t n_kv, cap_kv;
  wtensor *t;
  uint64_t n_t, cap_t;
};

/* ---- a growable byte buffer ------------------------------------------------ */

typedef struct buf {
  uint8_t *p;
  size_t n, cap;
  int oom;
} buf;

static void put(buf *b, const void *src, size_t n) {
  if (b->oom) return;
  if (b->n + n < b->n) {
    b->oom = 1;
    return;
  }
  if (b->n + n > b->cap) {
    size_t nc = b->cap ? b->cap : 64;
    while (nc < b->n + n) {
      if (nc > SIZE_MAX / 2) {
        b->oom = 1;
        return;
      }
      nc *= 2;
    }
    uint8_t *q = realloc(b->p, nc);
    if (!q) {
      b->oom = 1;
      return;
    }
    b->p = q;
    b->cap = nc;
  }
  if (n) memcpy(b->p + b->n, src, n);
  b->n += n;
}

static void put_le(buf *b, uint64_t v, int n) {
  uint8_t t[8];
  for (int i = 0; i < n; i++) t[i] = (uint8_t)(v >> (8 * i));
  put(b, t, (size_t)n);
}

static void put_str(buf *b, const char *s, uint64_t len) {
  put_le(b, len, 8);
  if (len > SIZE_MAX) {
    b->oom = 1;
    return;
  }
  put(b, s, (size_t)len);
}

static uint64_t elem_size(uint32_t t) {
  switch (t) {
  case GGUF_U8: case GGUF_I8: case GGUF_BOOL: return 1;
  case GGUF_U16: case GGUF_I16: return 2;
  case GGUF_U32: case GGUF_I32: case GGUF_F32: return 4;
  case GGUF_U64: case GGUF_I64: case GGUF_F64: return 8;
  default: return 0;
  }
}

/* Host value of size n at p, as an integer for little-endian encoding. */
static uint64_t host_bits(const void *p, uint64_t n) {
  uint8_t u8;
  uint16_t u16;
  uint32_t u32;
  uint64_t u64;
  switch (n) {
  case 1: memcpy(&u8, p, 1); return u8;
  case 2: memcpy(&u16, p, 2); return u16;
  case 4: memcpy(&u32, p, 4); return u32;
  default: memcpy(&u64, p, 8); return u64;
  }
}

/* ---- writer ------------------------------------------------------------------ */

int gguf_writer_new(gguf_writer **out, rwkv_error *err) {
  if (!out) return rwkv_errorf(err, RWKV_ERR_ARG, "gguf_writer_new: out is NULL");
  *out = calloc(1, sizeof **out);
  if (!*out) return rwkv_errorf(err, RWKV_ERR_NOMEM, "gguf_writer_new: out of memory");
  (*out)->alignment = 32;
  return RWKV_OK;
}

void gguf_writer_free(gguf_writer *w) {
  if (!w) return;
  for (uint64_t i = 0; i < w->n_kv; i++) {
    free(w->kv[i].key);
    free(w->kv[i].enc);
  }
  for (uint64_t i = 0; i < w->n_t; i++) {
    free(w->t[i].name);
    free(w->t[i].owned);
  }
  free(w->kv);
  free(w->t);
  free(w);
}

uint64_t gguf_writer_n_tensors(const gguf_writer *w) { return w ? w->n_t : 0; }
uint64_t gguf_writer_n_kv(const gguf_writer *w) { return w ? w->n_kv : 0; }

static char *dupstr(const char *s) {
  size_t n = strlen(s);
  char *p = malloc(n + 1);
  if (p) memcpy(p, s, n + 1);
  return p;
}

static wkv *find_kv(gguf_writer *w, const char *key) {
  for (uint64_t i = 0; i < w->n_kv; i++)
    if (strcmp(w->kv[i].key, key) == 0) return &w->kv[i];
  return NULL;
}

/* Start a kv: checks the key, returns an encoding buffer holding key + type. */
static int kv_begin(gguf_writer *w, const char *key, uint32_t type, buf *b, rwkv_error *err) {
  memset(b, 0, sizeof *b);
  if (!w || !key) return rwkv_errorf(err, RWKV_ERR_ARG, "gguf writer: writer or key is NULL");
  if (find_kv(w, key)) return rwkv_errorf(err, RWKV_ERR_ARG, "gguf writer: duplicate key '%s'", key);
  if (type != GGUF_U32 && strcmp(key, "general.alignment") == 0)
    return rwkv_errorf(err, RWKV_ERR_ARG, "gguf writer: general.alignment must be u32, not %s", gguf_vtype_name(type));
  put_str(b, key, strlen(key));
  put_le(b, type, 4);
  return RWKV_OK;
}

static int kv_end(gguf_writer *w, const char *key, buf *b, rwkv_error *err) {
  if (b->oom) {
    free(b->p);
    return rwkv_errorf(err, RWKV_ERR_NOMEM, "gguf writer: out of memory for key '%s'", key);
  }
  if (w->n_kv == w->cap_kv) {
    uint64_t nc = w->cap_kv ? w->cap_kv * 2 : 32;
    wkv *p = realloc(w->kv, nc * sizeof *p);
    if (!p) {
      free(b->p);
      return rwkv_errorf(err, RWKV_ERR_NOMEM, "gguf writer: out of memory for key '%s'", key);
    }
    w->kv = p;
    w->cap_kv = nc;
  }
  char *k = dupstr(key);
  if (!k) {
    free(b->p);
    return rwkv_errorf(err, RWKV_ERR_NOMEM, "gguf writer: out of memory for key '%s'", key);
  }
  w->kv[w->n_kv].key = k;
  w->kv[w->n_kv].enc = b->p;
  w->kv[w->n_kv].len = b->n;
  w->n_kv++;
  return RWKV_OK;
}

static int add_scalar(gguf_writer *w, const char *key, uint32_t type, uint64_t bits, rwkv_error *err) {
  buf b;
  int rc = kv_begin(w, key, type, &b, err);
  if (rc) return rc;
  put_le(&b, bits, (int)elem_size(type));
  return kv_end(w, key, &b, err);
}

int gguf_writer_add_u8(gguf_writer *w, const char *key, uint8_t v, rwkv_error *err) {
  return add_scalar(w, key, GGUF_U8, v, err);
}
int gguf_writer_add_i8(gguf_writer *w, const char *key, int8_t v, rwkv_error *err) {
  return add_scalar(w, key, GGUF_I8, (uint8_t)v, err);
}
int gguf_writer_add_u16(gguf_writer *w, const char *key, uint16_t v, rwkv_error *err) {
  return add_scalar(w, key, GGUF_U16, v, err);
}
int gguf_writer_add_i16(gguf_writer *w, const char *key, int16_t v, rwkv_error *err) {
  return add_scalar(w, key, GGUF_I16, (uint16_t)v, err);
}
int gguf_writer_add_u32(gguf_writer *w, const char *key, uint32_t v, rwkv_error *err) {
  if (w && key && strcmp(key, "general.alignment") == 0) {
    if (v == 0 || (v & (v - 1)) != 0)
      return rwkv_errorf(err, RWKV_ERR_ARG, "gguf writer: alignment %u is not a non-zero power of two", v);
    int rc = add_scalar(w, key, GGUF_U32, v, err);
    if (rc == RWKV_OK) w->alignment = v;
    return rc;
  }
  return add_scalar(w, key, GGUF_U32, v, err);
}
int gguf_writer_add_i32(gguf_writer *w, const char *key, int32_t v, rwkv_error *err) {
  return add_scalar(w, key, GGUF_I32, (uint32_t)v, err);
}
int gguf_writer_add_u64(gguf_writer *w, const char *key, uint64_t v, rwkv_error *err) {
  return add_scalar(w, key, GGUF_U64, v, err);
}
int gguf_writer_add_i64(gguf_writer *w, const char *key, int64_t v, rwkv_error *err) {
  return add_scalar(w, key, GGUF_I64, (uint64_t)v, err);
}
int gguf_writer_add_f32(gguf_writer *w, const char *key, float v, rwkv_error *err) {
  uint32_t u;
  memcpy(&u, &v, 4);
  return add_scalar(w, key, GGUF_F32, u, err);
}
int gguf_writer_add_f64(gguf_writer *w, const char *key, double v, rwkv_error *err) {
  uint64_t u;
  memcpy(&u, &v, 8);
  return add_scalar(w, key, GGUF_F64, u, err);
}
int gguf_writer_add_bool(gguf_writer *w, const char *key, int v, rwkv_error *err) {
  return add_scalar(w, key, GGUF_BOOL, v ? 1 : 0, err);
}

int gguf_writer_add_strn(gguf_writer *w, const char *key, const char *s, uint64_t len, rwkv_error *err) {
  if (!s && len) return rwkv_errorf(err, RWKV_ERR_ARG, "gguf writer: key '%s': string is NULL", key ? key : "");
  buf b;
  int rc = kv_begin(w, key, GGUF_STRING, &b, err);
  if (rc) return rc;
  put_str(&b, s, len);
  return kv_end(w, key, &b, err);
}

int gguf_writer_add_str(gguf_writer *w, const char *key, const char *s, rwkv_error *err) {
  if (!s) return rwkv_errorf(err, RWKV_ERR_ARG, "gguf writer: key '%s': string is NULL", key ? key : "");
  return gguf_writer_add_strn(w, key, s, strlen(s), err);
}

int gguf_writer_add_array(gguf_writer *w, const char *key, uint32_t elem, const void *data, uint64_t n,
                          rwkv_error *err) {
  uint64_t es = elem_size(elem);
  if (!es)
    return rwkv_errorf(err, RWKV_ERR_ARG, "gguf writer: key '%s': array element type %u is not a number type",
                       key ? key : "", elem);
  if (!data && n) return rwkv_errorf(err, RWKV_ERR_ARG, "gguf writer: key '%s': array data is NULL", key ? key : "");
  buf b;
  int rc = kv_begin(w, key, GGUF_ARRAY, &b, err);
  if (rc) return rc;
  put_le(&b, elem, 4);
  put_le(&b, n, 8);
  const uint8_t *p = data;
  for (uint64_t i = 0; i < n && !b.oom; i++) {
    uint64_t v = host_bits(p + i * es, es);
    if (elem == GGUF_BOOL) v = v ? 1 : 0;
    put_le(&b, v, (int)es);
  }
  return kv_end(w, key, &b, err);
}

int gguf_writer_add_str_array(gguf_writer *w, const char *key, const char *const *strs, const uint64_t *lens,
                              uint64_t n, rwkv_error *err) {
  if (!strs && n) return rwkv_errorf(err, RWKV_ERR_ARG, "gguf writer: key '%s': strings are NULL", key ? key : "");
  for (uint64_t i = 0; i < n; i++)
    if (!strs[i] && (!lens || lens[i]))
      return rwkv_errorf(err, RWKV_ERR_ARG, "gguf writer: key '%s': string %llu is NULL", key ? key : "",
                         (ull)i);
  buf b;
  int rc = kv_begin(w, key, GGUF_ARRAY, &b, err);
  if (rc) return rc;
  put_le(&b, GGUF_STRING, 4);
  put_le(&b, n, 8);
  for (uint64_t i = 0; i < n && !b.oom; i++) put_str(&b, strs[i], lens ? lens[i] : strlen(strs[i]));
  return kv_end(w, key, &b, err);
}

int gguf_writer_set_alignment(gguf_writer *w, uint32_t alignment, rwkv_error *err) {
  if (!w) return rwkv_errorf(err, RWKV_ERR_ARG, "gguf writer: writer is NULL");
  if (alignment == 0 || (alignment & (alignment - 1)) != 0)
    return rwkv_errorf(err, RWKV_ERR_ARG, "gguf writer: alignment %u is not a non-zero power of two", alignment);
  wkv *kv = find_kv(w, "general.alignment");
  if (kv) {
    /* key string (8 + 17 bytes), u32 type, u32 value */
    uint32_t type = (uint32_t)(kv->enc[25] | kv->enc[26] << 8 | kv->enc[27] << 16 | (uint32_t)kv->enc[28] << 24);
    if (type != GGUF_U32 || kv->len != 33)
      return rwkv_errorf(err, RWKV_ERR_ARG, "gguf writer: general.alignment was added with a type other than u32");
    for (int i = 0; i < 4; i++) kv->enc[29 + i] = (uint8_t)(alignment >> (8 * i));
  } else {
    return gguf_writer_add_u32(w, "general.alignment", alignment, err);
  }
  w->alignment = alignment;
  return RWKV_OK;
}

static int add_tensor(gguf_writer *w, const char *name, uint32_t type, uint32_t n_dims, const uint64_t *ne,
                      wtensor *out, rwkv_error *err) {
  memset(out, 0, sizeof *out);
  if (!w || !name || !ne) return rwkv_errorf(err, RWKV_ERR_ARG, "gguf writer: writer, name or ne is NULL");
  for (uint64_t i = 0; i < w->n_t; i++)
    if (strcmp(w->t[i].name, name) == 0)
      return rwkv_errorf(err, RWKV_ERR_ARG, "gguf writer: duplicate tensor name '%s'", name);
  const rwkv_type_info *ti = rwkv_type_get(type);
  if (!ti) return rwkv_errorf(err, RWKV_ERR_UNSUPPORTED, "gguf writer: tensor '%s': unknown type %u", name, type);
  if (n_dims < 1 || n_dims > GGUF_MAX_DIMS)
    return rwkv_errorf(err, RWKV_ERR_ARG, "gguf writer: tensor '%s': n_dims %u not in 1..%d", name, n_dims,
                       GGUF_MAX_DIMS);
  uint64_t nel = 1;
  for (uint32_t d = 0; d < GGUF_MAX_DIMS; d++) {
    uint64_t v = d < n_dims ? ne[d] : 1;
    if (v == 0 || v > (uint64_t)INT64_MAX || nel > (uint64_t)INT64_MAX / v)
      return rwkv_errorf(err, RWKV_ERR_ARG, "gguf writer: tensor '%s': bad dimension ne[%u] = %llu", name, d,
                         (ull)v);
    out->ne[d] = v;
    nel *= v;
  }
  uint64_t row = rwkv_type_row_bytes(type, out->ne[0]);
  if (row == 0)
    return rwkv_errorf(err, RWKV_ERR_ARG, "gguf writer: tensor '%s': ne[0] = %llu is not a multiple of the %s block %u",
                       name, (ull)out->ne[0], ti->name, ti->block);
  uint64_t rows = nel / out->ne[0];
  if (rows > UINT64_MAX / row)
    return rwkv_errorf(err, RWKV_ERR_ARG, "gguf writer: tensor '%s': size overflows", name);
  out->type = type;
  out->n_dims = n_dims;
  out->row_bytes = row;
  out->rows = rows;
  out->size = row * rows;
  return RWKV_OK;
}

static int push_tensor(gguf_writer *w, const char *name, wtensor *t, rwkv_error *err) {
  if (w->n_t == w->cap_t) {
    uint64_t nc = w->cap_t ? w->cap_t * 2 : 64;
    wtensor *p = realloc(w->t, nc * sizeof *p);
    if (!p) return rwkv_errorf(err, RWKV_ERR_NOMEM, "gguf writer: out of memory for tensor '%s'", name);
    w->t = p;
    w->cap_t = nc;
  }
  t->name = dupstr(name);
  if (!t->name) return rwkv_errorf(err, RWKV_ERR_NOMEM, "gguf writer: out of memory for tensor '%s'", name);
  w->t[w->n_t++] = *t;
  return RWKV_OK;
}

int gguf_writer_add_tensor(gguf_writer *w, const char *name, uint32_t type, uint32_t n_dims, const uint64_t *ne,
                           const void *data, uint64_t size, int copy, rwkv_error *err) {
  wtensor t;
  int rc = add_tensor(w, name, type, n_dims, ne, &t, err);
  if (rc) return rc;
  if (size != t.size)
    return rwkv_errorf(err, RWKV_ERR_ARG, "gguf writer: tensor '%s': %llu bytes given, its shape and type need %llu",
                       name, (ull)size, (ull)t.size);
  if (!data && size) return rwkv_errorf(err, RWKV_ERR_ARG, "gguf writer: tensor '%s': data is NULL", name);
  t.data = data;
  if (copy) {
    if (size > SIZE_MAX || !(t.owned = malloc(size ? (size_t)size : 1)))
      return rwkv_errorf(err, RWKV_ERR_NOMEM, "gguf writer: tensor '%s': out of memory copying %llu bytes", name,
                         (ull)size);
    memcpy(t.owned, data, (size_t)size);
    t.data = t.owned;
  }
  rc = push_tensor(w, name, &t, err);
  if (rc) free(t.owned);
  return rc;
}

int gguf_writer_add_tensor_fill(gguf_writer *w, const char *name, uint32_t type, uint32_t n_dims,
                                const uint64_t *ne, gguf_writer_fill_fn fill, void *user, rwkv_error *err) {
  if (!fill) return rwkv_errorf(err, RWKV_ERR_ARG, "gguf writer: tensor '%s': fill callback is NULL", name ? name : "");
  wtensor t;
  int rc = add_tensor(w, name, type, n_dims, ne, &t, err);
  if (rc) return rc;
  t.fill = fill;
  t.user = user;
  return push_tensor(w, name, &t, err);
}

/* ---- output ---------------------------------------------------------------------- */

typedef struct out {
  FILE *f;
  const char *path;
  uint64_t pos;
  rwkv_error *err;
} out;

static int wr(out *o, const void *p, size_t n) {
  if (n && fwrite(p, 1, n, o->f) != n)
    return rwkv_errorf(o->err, RWKV_ERR_IO, "%s: write failed at byte %llu: %s", o->path, (ull)o->pos,
                       strerror(errno));
  o->pos += n;
  return RWKV_OK;
}

static int wr_le(out *o, uint64_t v, int n) {
  uint8_t t[8];
  for (int i = 0; i < n; i++) t[i] = (uint8_t)(v >> (8 * i));
  return wr(o, t, (size_t)n);
}

static int wr_pad(out *o, uint64_t align) {
  static const uint8_t zeros[64];
  uint64_t pad = (align - o->pos % align) % align;
  while (pad) {
    size_t n = pad > sizeof zeros ? sizeof zeros : (size_t)pad;
    int rc = wr(o, zeros, n);
    if (rc) return rc;
    pad -= n;
  }
  return RWKV_OK;
}

static int write_body(gguf_writer *w, out *o) {
  int rc;
  uint64_t a = w->alignment;
  if ((rc = wr(o, "GGUF", 4)) || (rc = wr_le(o, 3, 4)) || (rc = wr_le(o, w->n_t, 8)) || (rc = wr_le(o, w->n_kv, 8)))
    return rc;
  for (uint64_t i = 0; i < w->n_kv; i++)
    if ((rc = wr(o, w->kv[i].enc, w->kv[i].len))) return rc;
  uint64_t off = 0, chunk = 0;
  for (uint64_t i = 0; i < w->n_t; i++) {
    wtensor *t = &w->t[i];
    size_t nl = strlen(t->name);
    if ((rc = wr_le(o, nl, 8)) || (rc = wr(o, t->name, nl)) || (rc = wr_le(o, t->n_dims, 4))) return rc;
    for (uint32_t d = 0; d < t->n_dims; d++)
      if ((rc = wr_le(o, t->ne[d], 8))) return rc;
    if ((rc = wr_le(o, t->type, 4)) || (rc = wr_le(o, off, 8))) return rc;
    if (t->size > UINT64_MAX - off - a)
      return rwkv_errorf(o->err, RWKV_ERR_ARG, "%s: tensor data too large", o->path);
    off += t->size;
    off += (a - off % a) % a;
    if (t->fill) {
      uint64_t rows = FILL_CHUNK_BYTES / t->row_bytes;
      if (rows == 0) rows = 1;
      if (rows > t->rows) rows = t->rows;
      if (rows * t->row_bytes > chunk) chunk = rows * t->row_bytes;
    }
  }
  if ((rc = wr_pad(o, a))) return rc;
  uint8_t *cbuf = NULL;
  if (chunk) {
    if (chunk > SIZE_MAX || !(cbuf = malloc((size_t)chunk)))
      return rwkv_errorf(o->err, RWKV_ERR_NOMEM, "%s: out of memory for a %llu-byte fill buffer", o->path,
                         (ull)chunk);
  }
  for (uint64_t i = 0; i < w->n_t && rc == RWKV_OK; i++) {
    wtensor *t = &w->t[i];
    if (t->fill) {
      uint64_t per = chunk / t->row_bytes;
      for (uint64_t r = 0; r < t->rows && rc == RWKV_OK; r += per) {
        uint64_t n = t->rows - r < per ? t->rows - r : per;
        rc = t->fill(t->user, r, n, cbuf, o->err);
        if (rc) {
          rwkv_error_prefix(o->err, "%s: tensor '%s' rows %llu..%llu", o->path, t->name, (ull)r, (ull)(r + n));
          break;
        }
        rc = wr(o, cbuf, (size_t)(n * t->row_bytes));
      }
    } else {
      const uint8_t *p = t->data;
      uint64_t left = t->size;
      while (left && rc == RWKV_OK) { /* fwrite takes size_t: write in pieces */
        size_t n = left > (1u << 30) ? (1u << 30) : (size_t)left;
        rc = wr(o, p, n);
        p += n;
        left -= n;
      }
    }
    if (rc == RWKV_OK && i + 1 < w->n_t) rc = wr_pad(o, a);
  }
  free(cbuf);
  return rc;
}

int gguf_writer_write(gguf_writer *w, const char *path, rwkv_error *err) {
  if (!w || !path) return rwkv_errorf(err, RWKV_ERR_ARG, "gguf_writer_write: writer or path is NULL");
  size_t pl = strlen(path);
  char *tmp = malloc(pl + 12);
  if (!tmp) return rwkv_errorf(err, RWKV_ERR_NOMEM, "%s: out of memory", path);
  memcpy(tmp, path, pl);
  memcpy(tmp + pl, ".tmp.XXXXXX", 12);
  int fd = mkstemp(tmp);
  if (fd < 0) {
    int e = errno;
    free(tmp);
    return rwkv_errorf(err, RWKV_ERR_IO, "%s: cannot create a temporary file next to it: %s", path, strerror(e));
  }
  int rc = RWKV_OK;
  if (fchmod(fd, 0644) != 0)
    rc = rwkv_errorf(err, RWKV_ERR_IO, "%s: cannot chmod temporary file: %s", path, strerror(errno));
  FILE *f = rc ? NULL : fdopen(fd, "wb");
  if (!f) {
    if (!rc) rc = rwkv_errorf(err, RWKV_ERR_IO, "%s: fdopen failed: %s", path, strerror(errno));
    close(fd);
    unlink(tmp);
    free(tmp);
    return rc;
  }
  setvbuf(f, NULL, _IOFBF, 1 << 20);
  out o = {f, path, 0, err};
  rc = write_body(w, &o);
  if (rc == RWKV_OK && fflush(f) != 0)
    rc = rwkv_errorf(err, RWKV_ERR_IO, "%s: write failed: %s", path, strerror(errno));
  if (rc == RWKV_OK && fsync(fileno(f)) != 0)
    rc = rwkv_errorf(err, RWKV_ERR_IO, "%s: fsync failed: %s", path, strerror(errno));
  if (fclose(f) != 0 && rc == RWKV_OK)
    rc = rwkv_errorf(err, RWKV_ERR_IO, "%s: close failed: %s", path, strerror(errno));
  if (rc == RWKV_OK && rename(tmp, path) != 0)
    rc = rwkv_errorf(err, RWKV_ERR_IO, "%s: cannot rename %s into place: %s", path, tmp, strerror(errno));
  if (rc) unlink(tmp);
  free(tmp);
  return rc;
}
