/* generate.h - text generation: prompt prefill, then token by token.
 *
 * A generator advances the state it is given. Pieces come out as valid UTF-8
 * (the bytes of a character split across tokens are held until it is
 * complete; invalid bytes are passed through once it is clear they cannot
 * complete), and text that may begin a stop string is held until it is known
 * not to be one. Greedy decoding picks the token on the GPU and reads back
 * only its id; sampling reads the logits back. */
#ifndef RWKV_GENERATE_H
#define RWKV_GENERATE_H

#include "rwkv.h"
#include "sample.h"

typedef struct rwkv_gen_opts {
  rwkv_sampler_opts sampler;
  int max_tokens;                  /* >= 1 */
  const int32_t *stop_ids;         /* tokens that end generation (not emitted) */
  size_t n_stop_ids;
  const char *const *stop_strings; /* texts that end generation (not emitted) */
  const size_t *stop_lens;         /* NULL: strlen */
  size_t n_stop_strings;
  int stop_at_eos;                 /* 1 (default): a token with no bytes (id 0, end of text) ends it */
  int lookahead;                   /* greedy: tokens decoded ahead on the GPU per CPU round trip
                                      (0 = default 16, 1 = none); the state still ends exactly
                                      after the tokens handed out */
  int full_logits;                 /* sampling: 1 = read back all logits (penalties on the CPU);
                                      0 (default) = the GPU applies penalties and returns only
                                      the tokens within 30*temperature of the best logit */
} rwkv_gen_opts;

rwkv_gen_opts rwkv_gen_default_opts(void);

typedef struct rwkv_gen rwkv_gen;

enum { RWKV_GEN_RUNNING, RWKV_GEN_MAX_TOKENS, RWKV_GEN_STOP_TOKEN, RWKV_GEN_STOP_STRING, RWKV_GEN_EOS };

/* Feed the prompt (n >= 1 tokens) to s and get ready for the first token.
 * The model must have a tokenizer. */
int rwkv_gen_new(rwkv_model *m, rwkv_state *s, const int32_t *prompt, size_t n, const rwkv_gen_opts *o,
                 rwkv_gen **out, rwkv_error *err);
/* Free g. If greedy lookahead decoded tokens that were never handed out, the
 * state is first rewound to end after the last token handed out. */
void rwkv_gen_free(rwkv_gen *g);
/* Free g without touching its state: for when the state was freed first. */
void rwkv_gen_free_detached(rwkv_gen *g);

/* Next piece of text (*text points into g, valid until the next call).
 * *done is set once generation has ended (the final piece may still hold
 * text). A piece may be empty while text is held back. */
int rwkv_gen_next(rwkv_gen *g, const char **text, size_t *len, int *done, rwkv_error *err);

/* Why generation ended (RWKV_GEN_*), tokens generated so far, and the last token. */
int rwkv_gen_reason(const rwkv_gen *g);
size_t rwkv_gen_count(const rwkv_gen *g);
int32_t rwkv_gen_last_token(const rwkv_gen *g);

/* GPU argmax of the last output row of the previous forward (logits). */
int rwkv_gpu_argmax(rwkv_model *m, int32_t *token, rwkv_error *err);

#endif
