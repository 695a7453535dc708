/* rwkv7.h - the RWKV-7 ("x070") model as described by a GGUF file.
 *
 * rwkv7_describe reads llama.cpp's `rwkv7` layout (tensor names and metadata
 * as in llama.cpp src/llama-model.cpp LLM_ARCH_RWKV7 and gguf-py constants):
 * every hyperparameter comes from the file's metadata and is cross-checked
 * against every tensor's shape; a missing tensor, a wrong shape, a wrong
 * architecture or an unsupported tensor type is refused by name.
 * The description only points into the gguf_file (which must outlive it). */
#ifndef RWKV_RWKV7_H
#define RWKV_RWKV7_H

#include <stdint.h>

#include "gguf.h"
#include "rwkv_error.h"

typedef struct rwkv7_layer {
  const gguf_tensor *ln1_w, *ln1_b;          /* attn_norm [D] */
  const gguf_tensor *ln2_w, *ln2_b;          /* attn_norm_2 [D] */
  const gguf_tensor *lerp;                   /* time_mix_lerp_fused [D,1,1,6]: r,w,k,v,a,g */
  const gguf_tensor *wr, *wk, *wv, *wo;      /* time_mix_receptance/key/value/output [D,D] */
  const gguf_tensor *w0, *w1, *w2;           /* decay LoRA: [D], [D,rank_w], [rank_w,D] */
  const gguf_tensor *a0, *a1, *a2;           /* in-context learning rate LoRA */
  const gguf_tensor *v0, *v1, *v2;           /* value residual LoRA; NULL in layer 0 */
  const gguf_tensor *g1, *g2;                /* gate LoRA: [D,rank_g], [rank_g,D] */
  const gguf_tensor *k_k, *k_a, *r_k;        /* [D] */
  const gguf_tensor *lnx_w, *lnx_b;          /* time_mix_ln (group norm) [D] */
  const gguf_tensor *ffn_lerp;               /* channel_mix_lerp_k [D] */
  const gguf_tensor *ffn_key, *ffn_value;    /* channel_mix_key [D,F], channel_mix_value [F,D] */
} rwkv7_layer;

typedef struct rwkv7_desc {
  uint32_t n_layer, n_embd, n_head, head_size, n_ffn, n_vocab;
  uint32_t rank_w, rank_a, rank_v, rank_g;
  uint32_t context_length; /* 0 when absent (RWKV has no fixed context) */
  float eps;               /* layer norm eps, default 1e-5 */
  const gguf_tensor *emb;                /* token_embd [D,V] */
  const gguf_tensor *ln0_w, *ln0_b;      /* token_embd_norm [D] */
  const gguf_tensor *lnout_w, *lnout_b;  /* output_norm [D] */
  const gguf_tensor *head;               /* output [D,V] */
  rwkv7_layer *layers;                   /* n_layer entries, owned */
  char file_type[16];                    /* "F32", "F16", "Q8_0", "Q4_K_M", "mixed", ... */
} rwkv7_desc;

/* Fill *d from f; on failure d is left empty (safe to rwkv7_desc_free) and err
 * names f->path and the tensor or key at fault. */
int rwkv7_describe(const gguf_file *f, rwkv7_desc *d, rwkv_error *err);
void rwkv7_desc_free(rwkv7_desc *d);

#endif
