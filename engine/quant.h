/* quant.h - ggml tensor types: block layouts, CPU dequantization and quantization.
 *
 * Type ids and block layouts are ggml's (ggml/include/ggml.h enum ggml_type and
 * ggml/src/ggml-common.h block_* structs); GGUF files store these ids. The CPU
 * paths serve the converter, the generator and the float64 reference in tests; the
 * engine itself never dequantizes weights on the CPU (the GPU reads packed blocks). */
#ifndef RWKV_QUANT_H
#define RWKV_QUANT_H

#include <stddef.h>
#include <stdint.h>

#include "rwkv_error.h"

enum {
  RWKV_TYPE_F32 = 0,
  RWKV_TYPE_F16 = 1,
  RWKV_TYPE_Q4_0 = 2,
  RWKV_TYPE_Q4_1 = 3,
  RWKV_TYPE_Q5_0 = 6,
  RWKV_TYPE_Q5_1 = 7,
  RWKV_TYPE_Q8_0 = 8,
  RWKV_TYPE_Q2_K = 10,
  RWKV_TYPE_Q3_K = 11,
  RWKV_TYPE_Q4_K = 12,
  RWKV_TYPE_Q5_K = 13,
  RWKV_TYPE_Q6_K = 14,
  RWKV_TYPE_BF16 = 30,
  RWKV_TYPE_COUNT = 40 /* bound for tables indexed by type id */
};

typedef struct rwkv_type_info {
  uint32_t id;
  const char *name;    /* ggml's name: "f32", "q4_K", ... */
  uint32_t block;      /* elements per block (1 for float types) */
  uint32_t bytes;      /* bytes per block */
} rwkv_type_info;

/* NULL when the id is not a type this engine supports. */
const rwkv_type_info *rwkv_type_get(uint32_t type);
/* Lookup by ggml name, case-insensitive ("Q4_K", "q4_k", "f16"); NULL if unknown. */
const rwkv_type_info *rwkv_type_by_name(const char *name);

/* 1 for the float types (F32, F16, BF16: one element a block), 0 for quantized blocks and
 * unknown ids. */
int rwkv_type_is_float(uint32_t type);

/* Bytes of n elements of type, or 0 when n is not a multiple of the block size,
 * the type is unknown, or the size would overflow. */
uint64_t rwkv_type_row_bytes(uint32_t type, uint64_t n);

/* Decode n elements (a multiple of the type's block size) from src to dst. */
int rwkv_dequantize(uint32_t type, const void *src, float *dst, uint64_t n, rwkv_error *err);

/* Encode n floats into type's blocks (dst holds rwkv_type_row_bytes(type, n)).
 * Our own quantizers: round-to-nearest with per-block scales chosen to minimise
 * error; they need not match ggml's bit for bit, only its layout. */
int rwkv_quantize(uint32_t type, const float *src, void *dst, uint64_t n, rwkv_error *err);

/* Dot product of one row of n elements of type (a multiple of the block size)
 * with x, in double: the row is dequantized block by block exactly as
 * rwkv_dequantize does, each product and the sum taken in double. For the CPU
 * reference forward and tests. Pure: safe from several threads. */
int rwkv_dot_row(uint32_t type, const void *row, const float *x, uint64_t n, double *out,
                 rwkv_error *err);

/* IEEE half and bfloat16 conversions (round to nearest even). */
float rwkv_f16_to_f32(uint16_t h);
uint16_t rwkv_f32_to_f16(float f);
float rwkv_bf16_to_f32(uint16_t h);
uint16_t rwkv_f32_to_bf16(float f);

#endif
