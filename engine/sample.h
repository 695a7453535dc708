/* sample.h - choosing the next token from logits on the CPU.
 *
 * Order of operations (as in ChatRWKV's sample_logits and llama.cpp's sampler
 * chain, facts only): penalties on the raw logits, then top-k, temperature,
 * softmax, min-p, top-p (nucleus), then one draw. temperature 0 or top_k 1 is
 * greedy (argmax of the penalised logits). */
#ifndef RWKV_SAMPLE_H
#define RWKV_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "rwkv_error.h"

typedef struct rwkv_sampler_opts {
  float temperature;        /* 0 = greedy; default 1 */
  int top_k;                /* 0 = off */
  float top_p;              /* 1 = off */
  float min_p;              /* 0 = off: drop tokens with p < min_p * p_max */
  /* RWKV-style penalties (ChatRWKV): logit[t] -= presence + count[t] * frequency,
   * and after each step every count is multiplied by penalty_decay. */
  float presence_penalty;   /* 0 = off */
  float frequency_penalty;  /* 0 = off */
  float penalty_decay;      /* default 0.996 (ChatRWKV) */
  float repetition_penalty; /* 1 = off: CTRL-style, logit / rp if > 0 else * rp, for seen tokens */
  uint64_t seed;            /* same seed, same draws */
} rwkv_sampler_opts;

typedef struct rwkv_sampler rwkv_sampler;

rwkv_sampler_opts rwkv_sampler_default_opts(void);
/* Validates the options (names the bad one). */
int rwkv_sampler_new(const rwkv_sampler_opts *o, uint32_t n_vocab, rwkv_sampler **out, rwkv_error *err);
void rwkv_sampler_free(rwkv_sampler *s);
/* 1 when the choice is a plain argmax of unmodified logits (the GPU can do it). */
int rwkv_sampler_is_greedy(const rwkv_sampler *s);
/* Pick a token from logits (n_vocab floats, modified in place). */
int32_t rwkv_sampler_sample(rwkv_sampler *s, float *logits);
/* The same draw from n candidates (ids[i], logits[i]) whose penalties were
 * already applied (on the GPU): the tokens left out must be those whose
 * probability is negligible. */
int32_t rwkv_sampler_sample_candidates(rwkv_sampler *s, const int32_t *ids, const float *logits, uint32_t n);
/* The penalty to apply before choosing: pairs (id, amount subtracted) into
 * out (2 floats per emitted distinct token, at most n_vocab pairs); the
 * repetition penalty applies to every listed id. Returns the pair count. */
uint32_t rwkv_sampler_penalties(const rwkv_sampler *s, float *out);
float rwkv_sampler_repetition(const rwkv_sampler *s);

/* Record that token was emitted (penalty counts). */
void rwkv_sampler_accept(rwkv_sampler *s, int32_t token);

#endif
