/* gguf_write.h - write GGUF v3 files (metadata + tensors), streamed and atomic.
 *
 * Layout written (ggml/docs/gguf.md): "GGUF", u32 3, u64 tensor count, u64 kv
 * count, the kv pairs in the order added, the tensor infos in the order added,
 * zero padding to the alignment, then each tensor's data at an offset that is a
 * multiple of the alignment (zero padding between tensors).
 *
 * Usage:
 *   gguf_writer *w; gguf_writer_new(&w, err);
 *   gguf_writer_add_str(w, "general.architecture", "rwkv7", err);
 *   gguf_writer_add_tensor(w, "x", RWKV_TYPE_F32, 1, ne, data, bytes, 0, err);
 *   gguf_writer_write(w, "out.gguf", err);
 *   gguf_writer_free(w);
 *
 * Memory: keys, strings and arrays are copied when added. Tensor data is
 * REFERENCED by default (the caller keeps it alive until gguf_writer_write
 * returns) or copied when `copy` is set; gguf_writer_add_tensor_fill takes a
 * callback that produces the rows while the file is written, so a
 * multi-gigabyte model never has to exist in memory at once.
 *
 * gguf_writer_write writes to "<path>.tmp.XXXXXX" in the same folder and
 * renames it over path only when everything succeeded; on error the temporary
 * file is removed and path is untouched. Errors name the path. */
#ifndef RWKV_GGUF_WRITE_H
#define RWKV_GGUF_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "gguf.h"
#include "rwkv_error.h"

typedef struct gguf_writer gguf_writer;

int gguf_writer_new(gguf_writer **out, rwkv_error *err);
void gguf_writer_free(gguf_writer *w);

/* Tensor data alignment (power of two, non-zero). Also stored as the u32 kv
 * general.alignment (added, or updated in place if already added). Default 32,
 * in which case no general.alignment kv is written unless this is called. */
int gguf_writer_set_alignment(gguf_writer *w, uint32_t alignment, rwkv_error *err);

/* Scalar metadata. Adding a key twice is an RWKV_ERR_ARG error. */
int gguf_writer_add_u8(gguf_writer *w, const char *key, uint8_t v, rwkv_error *err);
int gguf_writer_add_i8(gguf_writer *w, const char *key, int8_t v, rwkv_error *err);
int gguf_writer_add_u16(gguf_writer *w, const char *key, uint16_t v, rwkv_error *err);
int gguf_writer_add_i16(gguf_writer *w, const char *key, int16_t v, rwkv_error *err);
int gguf_writer_add_u32(gguf_writer *w, const char *key, uint32_t v, rwkv_error *err);
int gguf_writer_add_i32(gguf_writer *w, const char *key, int32_t v, rwkv_error *err);
int gguf_writer_add_u64(gguf_writer *w, const char *key, uint64_t v, rwkv_error *err);
int gguf_writer_add_i64(gguf_writer *w, const char *key, int64_t v, rwkv_error *err);
int gguf_writer_add_f32(gguf_writer *w, const char *key, float v, rwkv_error *err);
int gguf_writer_add_f64(gguf_writer *w, const char *key, double v, rwkv_error *err);
int gguf_writer_add_bool(gguf_writer *w, const char *key, int v, rwkv_error *err);
/* NUL-terminated string, or len bytes (may contain NULs) with add_strn. */
int gguf_writer_add_str(gguf_writer *w, const char *key, const char *s, rwkv_error *err);
int gguf_writer_add_strn(gguf_writer *w, const char *key, const char *s, uint64_t len, rwkv_error *err);

/* Array of n numbers of type elem (GGUF_U8 .. GGUF_F64, GGUF_BOOL; not string
 * or array), read from data in host (little-endian) layout, copied. */
int gguf_writer_add_array(gguf_writer *w, const char *key, uint32_t elem, const void *data, uint64_t n,
                          rwkv_error *err);
/* Array of n strings; lens may be NULL (then each string is NUL-terminated). Copied. */
int gguf_writer_add_str_array(gguf_writer *w, const char *key, const char *const *strs, const uint64_t *lens,
                              uint64_t n, rwkv_error *err);

/* Tensor: ggml type id (quant.h), n_dims 1..4, ne[] in ggml order (ne[0]
 * contiguous, a multiple of the type's block size). size must equal the
 * type's byte size for ne (rwkv_type_row_bytes(type, ne[0]) * rows).
 * copy == 0: data is referenced until gguf_writer_write returns; copy != 0:
 * data is copied now. Duplicate names are an RWKV_ERR_ARG error. */
int gguf_writer_add_tensor(gguf_writer *w, const char *name, uint32_t type, uint32_t n_dims, const uint64_t *ne,
                           const void *data, uint64_t size, int copy, rwkv_error *err);

/* Producer of a tensor's data: fill rows [row, row + n_rows) (a row is ne[0]
 * elements, rwkv_type_row_bytes(type, ne[0]) bytes; rows run over ne[1..3])
 * into dst. Called in order during gguf_writer_write, with chunks of rows of a
 * few MiB (at least one row). Return RWKV_OK or an error (filled into err),
 * which aborts the write. */
typedef int (*gguf_writer_fill_fn)(void *user, uint64_t row, uint64_t n_rows, void *dst, rwkv_error *err);

int gguf_writer_add_tensor_fill(gguf_writer *w, const char *name, uint32_t type, uint32_t n_dims,
                                const uint64_t *ne, gguf_writer_fill_fn fill, void *user, rwkv_error *err);

/* Number of tensors / kvs added so far. */
uint64_t gguf_writer_n_tensors(const gguf_writer *w);
uint64_t gguf_writer_n_kv(const gguf_writer *w);

/* Write everything to path as GGUF v3, atomically (see above). The writer
 * stays valid and can be written again. */
int gguf_writer_write(gguf_writer *w, const char *path, rwkv_error *err);

#endif
