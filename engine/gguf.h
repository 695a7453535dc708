/* gguf.h - read-only GGUF (v2, v3) files by mmap, validated before use.
 *
 * Format facts from ggml/docs/gguf.md: magic "GGUF", u32 version, u64 tensor
 * count, u64 kv count, kv pairs, tensor infos, padding to general.alignment
 * (default 32), tensor data. All integers little-endian.
 *
 * gguf_open maps the file and checks everything up front (string and array
 * lengths, counts against the bytes left, dims and their product, types and
 * block divisibility, offsets + sizes inside the data section, alignment),
 * so that later accessors never read outside the mapping. Errors name the file,
 * the byte offset and what is wrong. Strings are NOT NUL-terminated: they
 * point into the mapping with an explicit length. */
#ifndef RWKV_GGUF_H
#define RWKV_GGUF_H

#include <stddef.h>
#include <stdint.h>

#include "rwkv_error.h"

enum gguf_vtype {
  GGUF_U8 = 0, GGUF_I8 = 1, GGUF_U16 = 2, GGUF_I16 = 3, GGUF_U32 = 4, GGUF_I32 = 5,
  GGUF_F32 = 6, GGUF_BOOL = 7, GGUF_STRING = 8, GGUF_ARRAY = 9, GGUF_U64 = 10,
  GGUF_I64 = 11, GGUF_F64 = 12, GGUF_VTYPE_COUNT = 13
};

typedef struct gguf_str {
  const char *ptr; /* into the mapping, not NUL-terminated */
  uint64_t len;
} gguf_str;

typedef struct gguf_kv {
  gguf_str key;
  uint32_t type;        /* enum gguf_vtype */
  uint32_t arr_type;    /* element type when type == GGUF_ARRAY */
  uint64_t arr_n;       /* element count when type == GGUF_ARRAY */
  const uint8_t *data;  /* the value (or first array element) in the mapping */
  uint64_t offset;      /* file offset of the kv pair, for messages */
  gguf_str *strs;       /* index of array-of-string elements (else NULL) */
} gguf_kv;

#define GGUF_MAX_DIMS 4

typedef struct gguf_tensor {
  gguf_str name;
  uint32_t n_dims;
  uint64_t ne[GGUF_MAX_DIMS]; /* ggml order: ne[0] is contiguous; unused dims are 1 */
  uint32_t type;              /* ggml type id, see quant.h */
  uint64_t offset;            /* relative to the data section */
  uint64_t size;              /* bytes */
  const uint8_t *data;        /* in the mapping */
} gguf_tensor;

typedef struct gguf_file {
  char *path;              /* for messages */
  const uint8_t *base;     /* mapping (or caller memory) */
  uint64_t size;
  int mapped;              /* base is an mmap we must unmap */
  uint32_t version;
  uint64_t alignment;
  uint64_t data_offset;    /* start of the tensor data section */
  uint64_t n_kv;
  gguf_kv *kv;
  uint64_t n_tensors;
  gguf_tensor *tensors;
  struct gguf_index *index; /* name -> tensor hash, private */
} gguf_file;

/* Map and validate path. On failure *out is NULL and err names path. */
int gguf_open(const char *path, gguf_file **out, rwkv_error *err);
/* Same over caller memory (kept alive by the caller until gguf_close); name is used in messages. */
int gguf_open_memory(const void *data, size_t size, const char *name, gguf_file **out, rwkv_error *err);
void gguf_close(gguf_file *f);

/* Lookups; NULL when absent. Keys and names are NUL-terminated C strings here. */
const gguf_kv *gguf_find_kv(const gguf_file *f, const char *key);
const gguf_tensor *gguf_find_tensor(const gguf_file *f, const char *name);

/* Typed getters. Absent key: RWKV_ERR_FORMAT "missing" unless the getter's
 * `optional` flag is set, in which case *out is left alone and RWKV_OK returned.
 * A value of the wrong type is an error naming the key, found and expected types.
 * Integer getters accept any integer type whose value fits. */
int gguf_get_u32(const gguf_file *f, const char *key, int optional, uint32_t *out, rwkv_error *err);
int gguf_get_u64(const gguf_file *f, const char *key, int optional, uint64_t *out, rwkv_error *err);
int gguf_get_f32(const gguf_file *f, const char *key, int optional, float *out, rwkv_error *err);
int gguf_get_str(const gguf_file *f, const char *key, int optional, gguf_str *out, rwkv_error *err);
/* Array of strings (e.g. tokenizer.ggml.tokens): *out points at the kv's index. */
int gguf_get_str_array(const gguf_file *f, const char *key, int optional, const gguf_str **out,
                       uint64_t *n, rwkv_error *err);
/* Array of numbers of element type want (e.g. GGUF_I32 token types). */
int gguf_get_array(const gguf_file *f, const char *key, uint32_t want, int optional,
                   const void **data, uint64_t *n, rwkv_error *err);

/* "u32", "string", ... */
const char *gguf_vtype_name(uint32_t t);
/* Compare a gguf_str with a C string. */
int gguf_str_eq(gguf_str s, const char *c);

#endif
