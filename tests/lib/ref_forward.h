/* ref_forward.h - a plain float64 RWKV-7 forward pass for tests.
 *
 * Follows the step list of /work/shared/testdata/README.md ("The RWKV-7
 * forward pass"), itself BlinkDL's RWKV-v7 reference. Weights of any supported
 * type are widened with rwkv_dequantize and kept as doubles; nothing here is
 * fast. Used to check the GPU path on quantized and random models. */
#ifndef RWKV_REF_FORWARD_H
#define RWKV_REF_FORWARD_H

#include "rwkv7.h"

typedef struct ref_model ref_model;
typedef struct ref_state ref_state;

/* Widen every tensor of desc (which must stay valid only during this call). */
int ref_model_new(const rwkv7_desc *desc, ref_model **out, rwkv_error *err);
void ref_model_free(ref_model *m);

/* A zero state for m. */
int ref_state_new(const ref_model *m, ref_state **out, rwkv_error *err);
void ref_state_reset(ref_state *s);
void ref_state_free(ref_state *s);

/* Feed one token. logits (n_vocab doubles) and hidden (n_embd doubles, the
 * output_norm output) may be NULL. Fails on a token >= n_vocab. */
int ref_forward(const ref_model *m, ref_state *s, uint32_t token, double *logits, double *hidden,
                rwkv_error *err);

uint32_t ref_model_n_vocab(const ref_model *m);
uint32_t ref_model_n_embd(const ref_model *m);

#endif
