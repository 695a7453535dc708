/* sample.c - next-token choice: penalties, top-k, temperature, min-p, top-p. */
#include "sample.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct rwkv_sampler {
  rwkv_sampler_opts o;
  uint32_t n_vocab;
  float *count;     /* decayed occurrence counts (presence/frequency penalties) */
  unsigned char *seen; /* repetition penalty: emitted at least once */
  uint32_t *seen_list; /* the seen ids, in order of first emission */
  uint32_t n_seen;
  int any_seen;
  uint64_t rng;
  struct cand *c;   /* candidates, scratch */
  float *prob;      /* candidate probabilities, scratch */
};

rwkv_sampler_opts rwkv_sampler_default_opts(void) {
  rwkv_sampler_opts o = {1.0f, 0, 1.0f, 0.0f, 0.0f, 0.0f, 0.996f, 1.0f, 0};
  return o;
}

int rwkv_sampler_new(const rwkv_sampler_opts *opts, uint32_t n_vocab, rwkv_sampler **out, rwkv_error *err) {
  if (out) *out = NULL;
  rwkv_sampler_opts o = opts ? *opts : rwkv_sampler_default_opts();
  if (!out || n_vocab == 0) return rwkv_errorf(err, RWKV_ERR_ARG, "sampler: no vocabulary");
  if (!(o.temperature >= 0 && o.temperature <= 100))
    return rwkv_errorf(err, RWKV_ERR_ARG, "sampler: temperature %g is not in [0, 100]", o.temperature);
  if (o.top_k < 0) return rwkv_errorf(err, RWKV_ERR_ARG, "sampler: top_k %d is negative", o.top_k);
  if (!(o.top_p > 0 && o.top_p <= 1))
    return rwkv_errorf(err, RWKV_ERR_ARG, "sampler: top_p %g is not in (0, 1]", o.top_p);
  if (!(o.min_p >= 0 && o.min_p <= 1))
    return rwkv_errorf(err, RWKV_ERR_ARG, "sampler: min_p %g is not in [0, 1]", o.min_p);
  if (!isfinite(o.presence_penalty) || !isfinite(o.frequency_penalty))
    return rwkv_errorf(err, RWKV_ERR_ARG, "sampler: penalties must be finite numbers");
  if (!(o.penalty_decay >= 0 && o.penalty_decay <= 1))
    return rwkv_errorf(err, RWKV_ERR_ARG, "sampler: penalty_decay %g is not in [0, 1]", o.penalty_decay);
  if (!(o.repetition_penalty > 0 && o.repetition_penalty <= 100))
    return rwkv_errorf(err, RWKV_ERR_ARG, "sampler: repetition_penalty %g is not in (0, 100]",
                       o.repetition_penalty);
  rwkv_sampler *s = calloc(1, sizeof *s);
  if (s) {
    s->count = calloc(n_vocab, sizeof *s->count);
    s->seen = calloc(n_vocab, 1);
    s->seen_list = malloc(n_vocab * sizeof *s->seen_list);
    s->c = malloc(n_vocab * 8);
    s->prob = malloc(n_vocab * sizeof *s->prob);
  }
  if (!s || !s->count || !s->seen || !s->c || !s->seen_list || !s->prob) {
    rwkv_sampler_free(s);
    return rwkv_errorf(err, RWKV_ERR_NOMEM, "sampler: no memory for %u tokens", n_vocab);
  }
  s->o = o;
  s->n_vocab = n_vocab;
  s->rng = o.seed ^ 0x9e3779b97f4a7c15ull;
  *out = s;
  return RWKV_OK;
}

void rwkv_sampler_free(rwkv_sampler *s) {
  if (!s) return;
  free(s->count);
  free(s->seen);
  free(s->seen_list);
  free(s->c);
  free(s->prob);
  free(s);
}

static int penalised(const rwkv_sampler *s) {
  return s->o.presence_penalty != 0 || s->o.frequency_penalty != 0 || s->o.repetition_penalty != 1;
}

int rwkv_sampler_is_greedy(const rwkv_sampler *s) {
  return (s->o.temperature == 0 || s->o.top_k == 1) && !penalised(s);
}

/* splitmix64: a uniform double in [0, 1). */
static double uniform(rwkv_sampler *s) {
  uint64_t z = (s->rng += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return (double)(z >> 11) * (1.0 / 9007199254740992.0);
}

static int32_t argmax(const float *x, uint32_t n) {
  uint32_t best = 0;
  for (uint32_t i = 1; i < n; i++)
    if (x[i] > x[best]) best = i;
  return (int32_t)best;
}

typedef struct cand {
  float l;
  uint32_t i;
} cand;

/* a before b when its logit is larger (ties: smaller id, for determinism) */
static int before(cand a, cand b) { return a.l > b.l || (a.l == b.l && a.i < b.i); }
static int cmp_cand(const void *x, const void *y) {
  cand a = *(const cand *)x, b = *(const cand *)y;
  return before(a, b) ? -1 : before(b, a) ? 1 : 0;
}

/* The k best of logits[0..V) (token ids[t], or t when ids is NULL) into
 * c[0..k), best first: a size-k min-heap (O(V log k)), then a sort of the k
 * survivors. */
static uint32_t top_k(const float *logits, const int32_t *ids, uint32_t V, uint32_t k, cand *c) {
  if (k > V) k = V;
  uint32_t n = 0;
  for (uint32_t t = 0; t < V; t++) {
    cand x = {logits[t], ids ? (uint32_t)ids[t] : t};
    if (n < k) { /* sift up */
      uint32_t j = n++;
      while (j > 0 && before(c[(j - 1) / 2], x)) { c[j] = c[(j - 1) / 2]; j = (j - 1) / 2; }
      c[j] = x;
    } else if (before(x, c[0])) { /* replace the worst, sift down */
      uint32_t j = 0;
      for (;;) {
        uint32_t l = 2 * j + 1, r = l + 1, w = j;
        cand cw = x;
        if (l < n && before(cw, c[l])) { w = l; cw = c[l]; }
        if (r < n && before(cw, c[r])) { w = r; cw = c[r]; }
        if (w == j) break;
        c[j] = c[w];
        j = w;
      }
      c[j] = x;
    }
  }
  qsort(c, n, sizeof *c, cmp_cand);
  return n;
}

/* Draw from n candidate logits (penalties applied; ids NULL: ids are 0..n-1). */
static int32_t pick(rwkv_sampler *s, const float *logits, const int32_t *ids, uint32_t n) {
  const rwkv_sampler_opts *o = &s->o;
  /* candidates, best first: the top k, or all of them */
  n = top_k(logits, ids, n, o->top_k > 0 ? (uint32_t)o->top_k : n, s->c);
  if (o->temperature == 0 || o->top_k == 1) return (int32_t)s->c[0].i;

  /* softmax with temperature over the candidates (sorted: c[0] is the max) */
  double maxl = s->c[0].l, sum = 0;
  for (uint32_t i = 0; i < n; i++) {
    double p = exp(((double)s->c[i].l - maxl) / o->temperature);
    s->prob[i] = (float)p;
    sum += p;
  }
  /* min-p: drop tokens below min_p times the best probability */
  if (o->min_p > 0) {
    uint32_t keep = 1;
    while (keep < n && s->prob[keep] >= o->min_p * s->prob[0]) keep++;
    for (uint32_t i = keep; i < n; i++) sum -= s->prob[i];
    n = keep;
  }
  /* top-p: the smallest prefix whose mass reaches top_p */
  if (o->top_p < 1) {
    double acc = 0;
    uint32_t keep = 0;
    while (keep < n) {
      acc += s->prob[keep++];
      if (acc >= o->top_p * sum) break;
    }
    sum = acc;
    n = keep;
  }
  double r = uniform(s) * sum, acc = 0;
  for (uint32_t i = 0; i < n; i++) {
    acc += s->prob[i];
    if (r < acc) return (int32_t)s->c[i].i;
  }
  return (int32_t)s->c[n - 1].i;
}

int32_t rwkv_sampler_sample(rwkv_sampler *s, float *logits) {
  const rwkv_sampler_opts *o = &s->o;
  for (uint32_t j = 0; penalised(s) && j < s->n_seen; j++) {
    uint32_t t = s->seen_list[j];
    if (s->count[t] != 0) logits[t] -= o->presence_penalty + s->count[t] * o->frequency_penalty;
    if (o->repetition_penalty != 1)
      logits[t] = logits[t] > 0 ? logits[t] / o->repetition_penalty : logits[t] * o->repetition_penalty;
  }
  if (o->temperature == 0 || o->top_k == 1) return argmax(logits, s->n_vocab);
  return pick(s, logits, NULL, s->n_vocab);
}

int32_t rwkv_sampler_sample_candidates(rwkv_sampler *s, const int32_t *ids, const float *logits, uint32_t n) {
  return n ? pick(s, logits, ids, n) : 0;
}

uint32_t rwkv_sampler_penalties(const rwkv_sampler *s, float *out) {
  if (!penalised(s)) return 0;
  const rwkv_sampler_opts *o = &s->o;
  for (uint32_t j = 0; j < s->n_seen; j++) {
    uint32_t t = s->seen_list[j];
    out[2 * j] = (float)t; /* exact: ids < 2^24 */
    out[2 * j + 1] = s->count[t] != 0 ? o->presence_penalty + s->count[t] * o->frequency_penalty : 0.0f;
  }
  return s->n_seen;
}

void rwkv_sampler_accept(rwkv_sampler *s, int32_t token) {
  if (token < 0 || (uint32_t)token >= s->n_vocab || !penalised(s)) return;
  if (s->o.penalty_decay != 1)
    for (uint32_t t = 0; t < s->n_vocab; t++) s->count[t] *= s->o.penalty_decay;
  s->count[token] += 1;
  if (!s->seen[token]) s->seen_list[s->n_seen++] = (uint32_t)token;
  s->seen[token] = 1;
  s->any_seen = 1;
}

float rwkv_sampler_repetition(const rwkv_sampler *s) { return s->o.repetition_penalty; }
