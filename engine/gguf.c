/* gguf.c - validated, read-only GGUF v2/v3 reader (see gguf.h).
 *
 * Layout facts from ggml's docs/gguf.md: "GGUF" magic, u32 version, u64 tensor
 * count, u64 kv count; each kv is {gguf string key, u32 value type, value}; a
 * gguf string is {u64 length, bytes}; an array is {u32 element type, u64 count,
 * elements}; each tensor info is {name, u32 n_dims, u64 ne[n_dims], u32 ggml
 * type, u64 offset relative to the data section}; the data section starts at
 * the first multiple of general.alignment (u32, default 32) after the infos.
 *
 * Every read goes through a bounds-checked cursor, every count is checked
 * against the bytes left before anything is allocated, and all arithmetic on
 * file values is overflow-checked. */
#include "gguf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "quant.h"

#define GGUF_DEFAULT_ALIGNMENT 32u
#define GGUF_MAX_ARRAY_DEPTH 8 /* arrays of arrays: refused deeper than this */

typedef unsigned long long ull;

/* ---- name -> index hash (open addressing, linear probing) ----------------- */

typedef struct gguf_hash {
  uint64_t cap;   /* power of two, or 0 */
  uint64_t *slot; /* item index + 1; 0 = empty */
} gguf_hash;

struct gguf_index {
  gguf_hash tensors;
  gguf_hash keys;
};

static uint64_t hash_bytes(const char *p, uint64_t n) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a 64 */
  for (uint64_t i = 0; i < n; i++) {
    h ^= (uint8_t)p[i];
    h *= 1099511628211ull;
  }
  return h;
}

static int hash_init(gguf_hash *h, uint64_t n) {
  uint64_t cap = 16;
  while (cap < 2 * n) cap <<= 1;
  h->slot = calloc(cap, sizeof *h->slot);
  if (!h->slot) return -1;
  h->cap = cap;
  return 0;
}

/* Find name among items (names reached through getname). Returns the slot
 * position; *found is the item index + 1 stored there (0 if empty). */
typedef gguf_str (*getname_fn)(const void *items, uint64_t i);

static uint64_t hash_probe(const gguf_hash *h, const void *items, getname_fn getname, const char *p,
                           uint64_t n, uint64_t *found) {
  uint64_t mask = h->cap - 1, pos = hash_bytes(p, n) & mask;
  for (;;) {
    uint64_t v = h->slot[pos];
    if (v == 0) break;
    gguf_str s = getname(items, v - 1);
    if (s.len == n && (n == 0 || memcmp(s.ptr, p, n) == 0)) break;
    pos = (pos + 1) & mask;
  }
  *found = h->slot[pos];
  return pos;
}

static gguf_str tensor_name(const void *items, uint64_t i) { return ((const gguf_tensor *)items)[i].name; }
static gguf_str kv_name(const void *items, uint64_t i) { return ((const gguf_kv *)items)[i].key; }

/* ---- bounds-checked cursor ----------------------------------------------- */

typedef struct cursor {
  const uint8_t *b;
  uint64_t size, pos;
  const char *path;
  rwkv_error *err;
} cursor;

static uint64_t left(const cursor *c) { return c->size - c->pos; }

static int truncated(cursor *c, uint64_t need, const char *what) {
  return rwkv_errorf(c->err, RWKV_ERR_FORMAT,
                     "%s: byte %llu: truncated: %s needs %llu bytes but only %llu remain (file size %llu)",
                     c->path, (ull)c->pos, what, (ull)need, (ull)left(c), (ull)c->size);
}

static uint64_t le(const uint8_t *p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

static int rd_u32(cursor *c, uint32_t *v, const char *what) {
  if (left(c) < 4) return truncated(c, 4, what);
  *v = (uint32_t)le(c->b + c->pos, 4);
  c->pos += 4;
  return RWKV_OK;
}

static int rd_u64(cursor *c, uint64_t *v, const char *what) {
  if (left(c) < 8) return truncated(c, 8, what);
  *v = le(c->b + c->pos, 8);
  c->pos += 8;
  return RWKV_OK;
}

static int rd_str(cursor *c, gguf_str *s, const char *what) {
  uint64_t at = c->pos, n = 0;
  int rc = rd_u64(c, &n, what);
  if (rc) return rc;
  if (n > left(c)) {
    c->pos = at;
    return rwkv_errorf(c->err, RWKV_ERR_FORMAT,
                       "%s: byte %llu: %s length %llu runs past end of file (%llu bytes remain, file size %llu)",
                       c->path, (ull)at, what, (ull)n, (ull)left(c) - 8, (ull)c->size);
  }
  s->ptr = (const char *)(c->b + c->pos);
  s->len = n;
  c->pos += n;
  return RWKV_OK;
}

/* Size of a fixed-size value type, 0 for string/array/unknown. */
static uint64_t vtype_size(uint32_t t) {
  switch (t) {
  case GGUF_U8: case GGUF_I8: case GGUF_BOOL: return 1;
  case GGUF_U16: case GGUF_I16: return 2;
  case GGUF_U32: case GGUF_I32: case GGUF_F32: return 4;
  case GGUF_U64: case GGUF_I64: case GGUF_F64: return 8;
  default: return 0;
  }
}

const char *gguf_vtype_name(uint32_t t) {
  static const char *const names[GGUF_VTYPE_COUNT] = {"u8",  "i8",  "u16",  "i16",    "u32",
                                                      "i32", "f32", "bool", "string", "array",
                                                      "u64", "i64", "f64"};
  return t < GGUF_VTYPE_COUNT ? names[t] : "unknown";
}

int gguf_str_eq(gguf_str s, const char *c) {
  size_t n = strlen(c);
  return s.len == n && (n == 0 || memcmp(s.ptr, c, n) == 0);
}

/* Print a key/name for messages: at most 80 bytes, non-printables as '?'. */
static const char *show(gguf_str s, char buf[96]) {
  uint64_t n = s.len > 80 ? 80 : s.len, i;
  for (i = 0; i < n; i++) {
    char ch = s.ptr[i];
    buf[i] = (ch >= 32 && ch < 127) ? ch : '?';
  }
  if (s.len > 80) {
    memcpy(buf + n, "...", 3);
    n += 3;
  }
  buf[n] = '\0';
  return buf;
}

/* Skip (and validate) one value of type t at the cursor. depth counts array nesting. */
static int skip_value(cursor *c, uint32_t t, int depth, gguf_str *strs, const char *key);

static int skip_array(cursor *c, int depth, uint32_t *arr_type, uint64_t *arr_n, const uint8_t **first,
                      gguf_str **strs_out, const char *key) {
  uint64_t at = c->pos;
  uint32_t et = 0;
  uint64_t n = 0;
  int rc;
  if (depth >= GGUF_MAX_ARRAY_DEPTH)
    return rwkv_errorf(c->err, RWKV_ERR_FORMAT, "%s: byte %llu: key '%s': arrays nested deeper than %d",
                       c->path, (ull)at, key, GGUF_MAX_ARRAY_DEPTH);
  if ((rc = rd_u32(c, &et, "array element type")) || (rc = rd_u64(c, &n, "array length"))) return rc;
  if (et >= GGUF_VTYPE_COUNT)
    return rwkv_errorf(c->err, RWKV_ERR_FORMAT, "%s: byte %llu: key '%s': unknown array element type %u",
                       c->path, (ull)at, key, et);
  uint64_t es = vtype_size(et);
  uint64_t min = es ? es : (et == GGUF_STRING ? 8 : 12); /* smallest encoding of one element */
  if (n > left(c) / min)
    return rwkv_errorf(c->err, RWKV_ERR_FORMAT,
                       "%s: byte %llu: key '%s': array length %llu of %s needs at least %llu bytes each, "
                       "runs past end of file (%llu bytes remain)",
                       c->path, (ull)at, key, (ull)n, gguf_vtype_name(et), (ull)min, (ull)left(c));
  if (arr_type) *arr_type = et;
  if (arr_n) *arr_n = n;
  if (first) *first = c->b + c->pos;
  if (es) {
    if (et == GGUF_BOOL) {
      for (uint64_t i = 0; i < n; i++)
        if (c->b[c->pos + i] > 1)
          return rwkv_errorf(c->err, RWKV_ERR_FORMAT, "%s: byte %llu: key '%s': bool value %u is not 0 or 1",
                             c->path, (ull)(c->pos + i), key, c->b[c->pos + i]);
    }
    c->pos += n * es;
    return RWKV_OK;
  }
  gguf_str *strs = NULL;
  if (et == GGUF_STRING && strs_out && n > 0) {
    strs = malloc(n * sizeof *strs);
    if (!strs)
      return rwkv_errorf(c->err, RWKV_ERR_NOMEM, "%s: byte %llu: key '%s': no memory for %llu strings",
                         c->path, (ull)at, key, (ull)n);
  }
  for (uint64_t i = 0; i < n; i++) {
    rc = skip_value(c, et, depth + 1, strs ? &strs[i] : NULL, key);
    if (rc) {
      free(strs);
      return rc;
    }
  }
  if (strs_out) *strs_out = strs;
  return RWKV_OK;
}

static int skip_value(cursor *c, uint32_t t, int depth, gguf_str *str, const char *key) {
  uint64_t at = c->pos;
  if (t == GGUF_STRING) {
    gguf_str s;
    int rc = rd_str(c, &s, "string value");
    if (rc == RWKV_OK && str) *str = s;
    return rc;
  }
  if (t == GGUF_ARRAY) return skip_array(c, depth, NULL, NULL, NULL, NULL, key);
  uint64_t es = vtype_size(t);
  if (!es)
    return rwkv_errorf(c->err, RWKV_ERR_FORMAT, "%s: byte %llu: key '%s': unknown value type %u", c->path,
                       (ull)at, key, t);
  if (left(c) < es) return truncated(c, es, "value");
  if (t == GGUF_BOOL && c->b[c->pos] > 1)
    return rwkv_errorf(c->err, RWKV_ERR_FORMAT, "%s: byte %llu: key '%s': bool value %u is not 0 or 1",
                       c->path, (ull)at, key, c->b[c->pos]);
  c->pos += es;
  return RWKV_OK;
}

/* ---- parse ----------------------------------------------------------------- */

static void free_contents(gguf_file *f) {
  if (f->kv) {
    for (uint64_t i = 0; i < f->n_kv; i++) free(f->kv[i].strs);
    free(f->kv);
  }
  free(f->tensors);
  if (f->index) {
    free(f->index->tensors.slot);
    free(f->index->keys.slot);
    free(f->index);
  }
  f->kv = NULL;
  f->tensors = NULL;
  f->index = NULL;
}

static int nomem(cursor *c, const char *what) {
  return rwkv_errorf(c->err, RWKV_ERR_NOMEM, "%s: byte %llu: out of memory for %s", c->path, (ull)c->pos,
                     what);
}

/* Grow *arr (elements of size es) so it holds at least need items, doubling. */
static int grow(void **arr, uint64_t *cap, uint64_t need, size_t es, uint64_t max) {
  if (need <= *cap) return 0;
  uint64_t nc = *cap ? *cap : 64;
  while (nc < need) nc *= 2;
  if (nc > max) nc = max;
  void *p = realloc(*arr, nc * es);
  if (!p) return -1;
  memset((char *)p + *cap * es, 0, (nc - *cap) * es);
  *arr = p;
  *cap = nc;
  return 0;
}

static int parse_kvs(gguf_file *f, cursor *c, uint64_t n_kv) {
  char kb[96];
  uint64_t cap = 0;
  int rc;
  f->n_kv = 0;
  if (hash_init(&f->index->keys, n_kv)) return nomem(c, "the key index");
  for (uint64_t i = 0; i < n_kv; i++) {
    if (grow((void **)&f->kv, &cap, i + 1, sizeof *f->kv, n_kv)) return nomem(c, "key/value pairs");
    gguf_kv *kv = &f->kv[i];
    kv->offset = c->pos;
    if ((rc = rd_str(c, &kv->key, "key"))) return rc;
    show(kv->key, kb);
    if ((rc = rd_u32(c, &kv->type, "value type"))) return rc;
    if (kv->type >= GGUF_VTYPE_COUNT)
      return rwkv_errorf(c->err, RWKV_ERR_FORMAT, "%s: byte %llu: key '%s': unknown value type %u", c->path,
                         (ull)(c->pos - 4), kb, kv->type);
    uint64_t found, pos = hash_probe(&f->index->keys, f->kv, kv_name, kv->key.ptr, kv->key.len, &found);
    if (found)
      return rwkv_errorf(c->err, RWKV_ERR_FORMAT, "%s: byte %llu: duplicate key '%s' (first at byte %llu)",
                         c->path, (ull)kv->offset, kb, (ull)f->kv[found - 1].offset);
    f->index->keys.slot[pos] = i + 1;
    f->n_kv = i + 1;
    if (kv->type == GGUF_ARRAY) {
      rc = skip_array(c, 0, &kv->arr_type, &kv->arr_n, &kv->data, &kv->strs, kb);
    } else {
      kv->data = c->b + c->pos;
      rc = skip_value(c, kv->type, 0, NULL, kb);
    }
    if (rc) return rc;
  }
  return RWKV_OK;
}

static int parse_alignment(gguf_file *f, cursor *c) {
  f->alignment = GGUF_DEFAULT_ALIGNMENT;
  const gguf_kv *kv = gguf_find_kv(f, "general.alignment");
  if (!kv) return RWKV_OK;
  if (kv->type != GGUF_U32)
    return rwkv_errorf(c->err, RWKV_ERR_FORMAT, "%s: byte %llu: key 'general.alignment' has type %s, want u32",
                       c->path, (ull)kv->offset, gguf_vtype_name(kv->type));
  uint32_t a = (uint32_t)le(kv->data, 4);
  if (a == 0 || (a & (a - 1)) != 0)
    return rwkv_errorf(c->err, RWKV_ERR_FORMAT,
                       "%s: byte %llu: general.alignment %u is not a non-zero power of two", c->path,
                       (ull)kv->offset, a);
  f->alignment = a;
  return RWKV_OK;
}

static int parse_tensors(gguf_file *f, cursor *c, uint64_t n_t) {
  char nb[96];
  uint64_t cap = 0;
  int rc;
  f->n_tensors = 0;
  if (hash_init(&f->index->tensors, n_t)) return nomem(c, "the tensor index");
  for (uint64_t i = 0; i < n_t; i++) {
    if (grow((void **)&f->tensors, &cap, i + 1, sizeof *f->tensors, n_t)) return nomem(c, "tensor infos");
    gguf_tensor *t = &f->tensors[i];
    uint64_t at = c->pos;
    if ((rc = rd_str(c, &t->name, "tensor name"))) return rc;
    show(t->name, nb);
    uint64_t found, pos = hash_probe(&f->index->tensors, f->tensors, tensor_name, t->name.ptr, t->name.len, &found);
    if (found)
      return rwkv_errorf(c->err, RWKV_ERR_FORMAT, "%s: byte %llu: duplicate tensor name '%s' (tensor %llu and %llu)",
                         c->path, (ull)at, nb, (ull)(found - 1), (ull)i);
    f->index->tensors.slot[pos] = i + 1;
    f->n_tensors = i + 1;
    uint64_t dpos = c->pos;
    if ((rc = rd_u32(c, &t->n_dims, "tensor n_dims"))) return rc;
    if (t->n_dims < 1 || t->n_dims > GGUF_MAX_DIMS)
      return rwkv_errorf(c->err, RWKV_ERR_FORMAT, "%s: byte %llu: tensor '%s': n_dims %u not in 1..%d", c->path,
                         (ull)dpos, nb, t->n_dims, GGUF_MAX_DIMS);
    uint64_t nel = 1;
    for (uint32_t d = 0; d < GGUF_MAX_DIMS; d++) t->ne[d] = 1;
    for (uint32_t d = 0; d < t->n_dims; d++) {
      uint64_t epos = c->pos;
      if ((rc = rd_u64(c, &t->ne[d], "tensor dimension"))) return rc;
      if (t->ne[d] == 0 || t->ne[d] > (uint64_t)INT64_MAX)
        return rwkv_errorf(c->err, RWKV_ERR_FORMAT, "%s: byte %llu: tensor '%s': ne[%u] = %llu is out of range",
                           c->path, (ull)epos, nb, d, (ull)t->ne[d]);
      if (nel > (uint64_t)INT64_MAX / t->ne[d])
        return rwkv_errorf(c->err, RWKV_ERR_FORMAT,
                           "%s: byte %llu: tensor '%s': element count overflows 64 bits at ne[%u] = %llu",
                           c->path, (ull)epos, nb, d, (ull)t->ne[d]);
      nel *= t->ne[d];
    }
    uint64_t tpos = c->pos;
    if ((rc = rd_u32(c, &t->type, "tensor type"))) return rc;
    const rwkv_type_info *ti = rwkv_type_get(t->type);
    if (!ti)
      return rwkv_errorf(c->err, RWKV_ERR_UNSUPPORTED, "%s: byte %llu: tensor '%s': unknown tensor type %u",
                         c->path, (ull)tpos, nb, t->type);
    if (ti->block == 0 || t->ne[0] % ti->block != 0)
      return rwkv_errorf(c->err, RWKV_ERR_FORMAT,
                         "%s: byte %llu: tensor '%s': ne[0] = %llu is not a multiple of the %s block size %u",
                         c->path, (ull)tpos, nb, (ull)t->ne[0], ti->name, ti->block);
    uint64_t row = rwkv_type_row_bytes(t->type, t->ne[0]);
    uint64_t rows = nel / t->ne[0];
    if (row == 0 || rows > UINT64_MAX / row)
      return rwkv_errorf(c->err, RWKV_ERR_FORMAT, "%s: byte %llu: tensor '%s': byte size overflows 64 bits",
                         c->path, (ull)tpos, nb);
    t->size = row * rows;
    if ((rc = rd_u64(c, &t->offset, "tensor offset"))) return rc;
  }
  return RWKV_OK;
}

static int check_tensor_data(gguf_file *f, cursor *c) {
  char nb[96];
  uint64_t data_len = f->size - f->data_offset;
  for (uint64_t i = 0; i < f->n_tensors; i++) {
    gguf_tensor *t = &f->tensors[i];
    if (t->offset % f->alignment != 0)
      return rwkv_errorf(c->err, RWKV_ERR_FORMAT,
                         "%s: tensor '%s': data offset %llu is not a multiple of the alignment %llu", c->path,
                         show(t->name, nb), (ull)t->offset, (ull)f->alignment);
    if (t->offset > data_len || t->size > data_len - t->offset)
      return rwkv_errorf(c->err, RWKV_ERR_FORMAT,
                         "%s: byte %llu: tensor '%s' data (offset %llu, %llu bytes) runs past end of file (size %llu)",
                         c->path, (ull)(f->data_offset + (t->offset > data_len ? 0 : t->offset)),
                         show(t->name, nb), (ull)t->offset, (ull)t->size, (ull)f->size);
    t->data = f->base + f->data_offset + t->offset;
  }
  return RWKV_OK;
}

static int parse(gguf_file *f, rwkv_error *err) {
  cursor c = {f->base, f->size, 0, f->path, err};
  int rc;
  if (f->size == 0)
    return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: byte 0: empty file, not a GGUF file", f->path);
  if (f->size < 4 || memcmp(f->base, "GGUF", 4) != 0) {
    char m[9] = {0};
    for (uint64_t i = 0; i < 4 && i < f->size; i++) {
      uint8_t ch = f->base[i];
      m[i] = (ch >= 32 && ch < 127) ? (char)ch : '?';
    }
    return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: byte 0: bad magic '%s', not a GGUF file (want 'GGUF')",
                       f->path, m);
  }
  c.pos = 4;
  if ((rc = rd_u32(&c, &f->version, "version"))) return rc;
  if (f->version != 2 && f->version != 3)
    return rwkv_errorf(err, RWKV_ERR_UNSUPPORTED,
                       "%s: byte 4: GGUF version %u is not supported (only versions 2 and 3)", f->path, f->version);
  uint64_t n_t = 0, n_kv = 0;
  if ((rc = rd_u64(&c, &n_t, "tensor count")) || (rc = rd_u64(&c, &n_kv, "kv count"))) return rc;
  /* each kv needs >= 12 bytes (key length + type), each tensor info >= 24 */
  if (n_kv > left(&c) / 12)
    return rwkv_errorf(err, RWKV_ERR_FORMAT,
                       "%s: byte 16: kv count %llu is too large for the %llu bytes left in the file", f->path,
                       (ull)n_kv, (ull)left(&c));
  if (n_t > left(&c) / 24 || n_t * 24 > left(&c) - n_kv * 12)
    return rwkv_errorf(err, RWKV_ERR_FORMAT,
                       "%s: byte 8: tensor count %llu is too large for the %llu bytes left in the file", f->path,
                       (ull)n_t, (ull)left(&c));
  f->index = calloc(1, sizeof *f->index);
  if (!f->index) return nomem(&c, "the index");
  if ((rc = parse_kvs(f, &c, n_kv))) return rc;
  if ((rc = parse_alignment(f, &c))) return rc;
  if ((rc = parse_tensors(f, &c, n_t))) return rc;
  uint64_t pad = (f->alignment - c.pos % f->alignment) % f->alignment;
  if (pad > left(&c)) {
    if (n_t > 0)
      return rwkv_errorf(err, RWKV_ERR_FORMAT,
                         "%s: byte %llu: truncated: padding to the data section (alignment %llu) runs past end "
                         "of file (size %llu)",
                         f->path, (ull)c.pos, (ull)f->alignment, (ull)f->size);
    pad = left(&c); /* no tensors: a missing trailing pad is harmless */
  }
  f->data_offset = c.pos + pad;
  return check_tensor_data(f, &c);
}

static int finish_open(gguf_file *f, gguf_file **out, rwkv_error *err) {
  int rc = parse(f, err);
  if (rc) {
    gguf_close(f);
    return rc;
  }
  *out = f;
  return RWKV_OK;
}

static gguf_file *new_file(const char *name) {
  gguf_file *f = calloc(1, sizeof *f);
  if (!f) return NULL;
  size_t n = strlen(name);
  f->path = malloc(n + 1);
  if (!f->path) {
    free(f);
    return NULL;
  }
  memcpy(f->path, name, n + 1);
  return f;
}

int gguf_open_memory(const void *data, size_t size, const char *name, gguf_file **out, rwkv_error *err) {
  if (!out) return rwkv_errorf(err, RWKV_ERR_ARG, "gguf_open_memory: out is NULL");
  *out = NULL;
  if (!name) name = "<memory>";
  if (!data && size > 0) return rwkv_errorf(err, RWKV_ERR_ARG, "%s: data is NULL", name);
  gguf_file *f = new_file(name);
  if (!f) return rwkv_errorf(err, RWKV_ERR_NOMEM, "%s: out of memory", name);
  f->base = data ? data : (const uint8_t *)"";
  f->size = size;
  return finish_open(f, out, err);
}

int gguf_open(const char *path, gguf_file **out, rwkv_error *err) {
  if (!out) return rwkv_errorf(err, RWKV_ERR_ARG, "gguf_open: out is NULL");
  *out = NULL;
  if (!path) return rwkv_errorf(err, RWKV_ERR_ARG, "gguf_open: path is NULL");
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* no blocking on a FIFO */
  if (fd < 0) return rwkv_errorf(err, RWKV_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return rwkv_errorf(err, RWKV_ERR_IO, "%s: cannot stat: %s", path, strerror(e));
  }
  if (S_ISDIR(st.st_mode)) {
    close(fd);
    return rwkv_errorf(err, RWKV_ERR_IO, "%s: is a directory, not a GGUF file", path);
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return rwkv_errorf(err, RWKV_ERR_IO, "%s: not a regular file", path);
  }
  if (st.st_size == 0) {
    close(fd);
    return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: byte 0: empty file, not a GGUF file", path);
  }
  if ((uint64_t)st.st_size > (uint64_t)SIZE_MAX) {
    close(fd);
    return rwkv_errorf(err, RWKV_ERR_IO, "%s: file too large to map (%lld bytes)", path, (long long)st.st_size);
  }
  void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  int e = errno;
  close(fd);
  if (m == MAP_FAILED) return rwkv_errorf(err, RWKV_ERR_IO, "%s: cannot mmap: %s", path, strerror(e));
  gguf_file *f = new_file(path);
  if (!f) {
    munmap(m, (size_t)st.st_size);
    return rwkv_errorf(err, RWKV_ERR_NOMEM, "%s: out of memory", path);
  }
  f->base = m;
  f->size = (uint64_t)st.st_size;
  f->mapped = 1;
  return finish_open(f, out, err);
}

void gguf_close(gguf_file *f) {
  if (!f) return;
  free_contents(f);
  if (f->mapped && f->base) munmap((void *)f->base, (size_t)f->size);
  free(f->path);
  free(f);
}

/* ---- lookups and getters ----------------------------------------------------- */

const gguf_kv *gguf_find_kv(const gguf_file *f, const char *key) {
  if (!f || !key || !f->index || !f->index->keys.cap) return NULL;
  uint64_t found;
  hash_probe(&f->index->keys, f->kv, kv_name, key, strlen(key), &found);
  return found ? &f->kv[found - 1] : NULL;
}

const gguf_tensor *gguf_find_tensor(const gguf_file *f, const char *name) {
  if (!f || !name || !f->index || !f->index->tensors.cap) return NULL;
  uint64_t found;
  hash_probe(&f->index->tensors, f->tensors, tensor_name, name, strlen(name), &found);
  return found ? &f->tensors[found - 1] : NULL;
}

/* Find key; returns RWKV_OK with *kv NULL when absent and optional. */
static int lookup(const gguf_file *f, const char *key, int optional, const gguf_kv **kv, rwkv_error *err) {
  *kv = NULL;
  if (!f || !key) return rwkv_errorf(err, RWKV_ERR_ARG, "gguf getter: file or key is NULL");
  *kv = gguf_find_kv(f, key);
  if (!*kv && !optional) return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: missing key '%s'", f->path, key);
  return RWKV_OK;
}

static int wrong_type(const gguf_file *f, const gguf_kv *kv, const char *key, const char *want, rwkv_error *err) {
  if (kv->type == GGUF_ARRAY)
    return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: byte %llu: key '%s' has type array of %s, want %s", f->path,
                       (ull)kv->offset, key, gguf_vtype_name(kv->arr_type), want);
  return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: byte %llu: key '%s' has type %s, want %s", f->path,
                     (ull)kv->offset, key, gguf_vtype_name(kv->type), want);
}

/* Integer value of kv: *neg set when negative (then *mag = |v|). -1 if not an integer type. */
static int int_value(const gguf_kv *kv, int *neg, uint64_t *mag) {
  uint64_t sz = vtype_size(kv->type);
  uint64_t u;
  int is_signed;
  switch (kv->type) {
  case GGUF_U8: case GGUF_U16: case GGUF_U32: case GGUF_U64: is_signed = 0; break;
  case GGUF_I8: case GGUF_I16: case GGUF_I32: case GGUF_I64: is_signed = 1; break;
  default: return -1;
  }
  u = le(kv->data, (int)sz);
  *neg = 0;
  *mag = u;
  if (is_signed && (u >> (sz * 8 - 1)) & 1) {
    /* sign-extend then negate in unsigned arithmetic */
    uint64_t ext = sz == 8 ? u : (u | (~0ull << (sz * 8)));
    *neg = 1;
    *mag = ~ext + 1;
  }
  return 0;
}

static int get_int(const gguf_file *f, const char *key, int optional, uint64_t max, const char *want, uint64_t *out,
                   int *present, rwkv_error *err) {
  const gguf_kv *kv = NULL;
  int rc = lookup(f, key, optional, &kv, err), neg;
  *present = 0;
  if (rc || !kv) return rc;
  uint64_t mag;
  if (int_value(kv, &neg, &mag) != 0) return wrong_type(f, kv, key, want, err);
  if (neg || mag > max)
    return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: byte %llu: key '%s' value %s%llu (%s) does not fit in %s",
                       f->path, (ull)kv->offset, key, neg ? "-" : "", (ull)mag, gguf_vtype_name(kv->type), want);
  *out = mag;
  *present = 1;
  return RWKV_OK;
}

int gguf_get_u32(const gguf_file *f, const char *key, int optional, uint32_t *out, rwkv_error *err) {
  uint64_t v;
  int present, rc = get_int(f, key, optional, UINT32_MAX, "u32", &v, &present, err);
  if (rc == RWKV_OK && present && out) *out = (uint32_t)v;
  return rc;
}

int gguf_get_u64(const gguf_file *f, const char *key, int optional, uint64_t *out, rwkv_error *err) {
  uint64_t v;
  int present, rc = get_int(f, key, optional, UINT64_MAX, "u64", &v, &present, err);
  if (rc == RWKV_OK && present && out) *out = v;
  return rc;
}

int gguf_get_f32(const gguf_file *f, const char *key, int optional, float *out, rwkv_error *err) {
  const gguf_kv *kv = NULL;
  int rc = lookup(f, key, optional, &kv, err);
  if (rc || !kv) return rc;
  if (kv->type == GGUF_F32) {
    uint32_t u = (uint32_t)le(kv->data, 4);
    float v;
    memcpy(&v, &u, 4);
    if (out) *out = v;
    return RWKV_OK;
  }
  if (kv->type == GGUF_F64) { /* accepted and narrowed */
    uint64_t u = le(kv->data, 8);
    double v;
    memcpy(&v, &u, 8);
    if (out) *out = (float)v;
    return RWKV_OK;
  }
  return wrong_type(f, kv, key, "f32", err);
}

int gguf_get_str(const gguf_file *f, const char *key, int optional, gguf_str *out, rwkv_error *err) {
  const gguf_kv *kv = NULL;
  int rc = lookup(f, key, optional, &kv, err);
  if (rc || !kv) return rc;
  if (kv->type != GGUF_STRING) return wrong_type(f, kv, key, "string", err);
  if (out) {
    out->len = le(kv->data, 8); /* data points at the string's u64 length */
    out->ptr = (const char *)kv->data + 8;
  }
  return RWKV_OK;
}

int gguf_get_str_array(const gguf_file *f, const char *key, int optional, const gguf_str **out, uint64_t *n,
                       rwkv_error *err) {
  const gguf_kv *kv = NULL;
  int rc = lookup(f, key, optional, &kv, err);
  if (rc || !kv) return rc;
  if (kv->type != GGUF_ARRAY || kv->arr_type != GGUF_STRING) return wrong_type(f, kv, key, "array of string", err);
  if (out) *out = kv->strs;
  if (n) *n = kv->arr_n;
  return RWKV_OK;
}

int gguf_get_array(const gguf_file *f, const char *key, uint32_t want, int optional, const void **data, uint64_t *n,
                   rwkv_error *err) {
  if (vtype_size(want) == 0)
    return rwkv_errorf(err, RWKV_ERR_ARG, "gguf_get_array: key '%s': element type %s is not a number type",
                       key ? key : "(null)", gguf_vtype_name(want));
  const gguf_kv *kv = NULL;
  int rc = lookup(f, key, optional, &kv, err);
  if (rc || !kv) return rc;
  if (kv->type != GGUF_ARRAY || kv->arr_type != want) {
    char w[32];
    snprintf(w, sizeof w, "array of %s", gguf_vtype_name(want));
    return wrong_type(f, kv, key, w, err);
  }
  if (data) *data = kv->data;
  if (n) *n = kv->arr_n;
  return RWKV_OK;
}
