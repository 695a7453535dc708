/* generate.c - prompt, then one token at a time: choose, emit, feed back. */
#include "generate.h"

#include <stdlib.h>
#include <string.h>

#include "model.h"

struct rwkv_gen {
  rwkv_model *m;
  rwkv_state *s;
  rwkv_sampler *smp;
  rwkv_gen_opts o;
  int32_t *stop_ids;
  char **stops;
  size_t *stop_lens;
  float *logits;     /* sampling path only: all logits, or the candidates' */
  int32_t *cand_ids; /* sampling: candidate ids (GPU-selected) */
  float *pen;        /* sampling: penalty pairs for the GPU */
  int greedy;        /* pick on the GPU */
  char *buf;         /* text not yet emitted */
  size_t len, cap;
  char *out;         /* the piece handed out */
  size_t out_cap;
  size_t count;
  int32_t last;
  int reason;
  /* greedy lookahead: ids decoded ahead on the GPU (q[qi..qn) not handed out
   * yet, from chain buffer cb) and the state before them, to rewind to when
   * generation ends early; the next chain's first `lead` passes, queued before
   * q's ids were read (chain buffer cb ^ 1), and the state before them */
  int32_t q[RWKV_CHAIN_MAX];
  uint32_t qn, qi, ahead, lead, lead_max;
  int cb;
  rwkv_state *snap, *snap2;
};

rwkv_gen_opts rwkv_gen_default_opts(void) {
  rwkv_gen_opts o;
  memset(&o, 0, sizeof o);
  o.sampler = rwkv_sampler_default_opts();
  o.max_tokens = 256;
  o.stop_at_eos = 1;
  o.lookahead = 16;
  return o;
}

static int rewind_to(rwkv_gen *g, uint32_t fed, rwkv_error *err);

void rwkv_gen_free(rwkv_gen *g) {
  if (g) rewind_to(g, g->qi, NULL); /* abandoned: the state ends after what was handed out */
  rwkv_gen_free_detached(g);
}

void rwkv_gen_free_detached(rwkv_gen *g) {
  if (!g) return;
  rwkv_state_free(g->snap);
  rwkv_state_free(g->snap2);
  for (size_t i = 0; g->stops && i < g->o.n_stop_strings; i++) free(g->stops[i]);
  free(g->stops);
  free(g->stop_lens);
  free(g->stop_ids);
  free(g->logits);
  free(g->cand_ids);
  free(g->pen);
  free(g->buf);
  free(g->out);
  rwkv_sampler_free(g->smp);
  free(g);
}

/* Make the logits of the state's last token ready: on the GPU for greedy, in g->logits otherwise. */
static int feed(rwkv_gen *g, const int32_t *ids, size_t n, int want_logits, rwkv_error *err) {
  rwkv_forward_opts fo = {want_logits ? RWKV_OUTPUT_LAST : RWKV_OUTPUT_NONE, 0, 0};
  float *out = want_logits && !g->greedy && g->o.full_logits ? g->logits : NULL;
  return forward_batch(g->m, &g->s, &ids, &n, 1, &fo, out, err);
}

int rwkv_gen_new(rwkv_model *m, rwkv_state *s, const int32_t *prompt, size_t n, const rwkv_gen_opts *opts,
                 rwkv_gen **out, rwkv_error *err) {
  if (out) *out = NULL;
  rwkv_gen_opts o = opts ? *opts : rwkv_gen_default_opts();
  if (!m || !s || !out) return rwkv_errorf(err, RWKV_ERR_ARG, "generate: model, state and out are required");
  if (s->m != m) return rwkv_errorf(err, RWKV_ERR_STATE, "generate: the state belongs to another model");
  if (!prompt || n == 0) return rwkv_errorf(err, RWKV_ERR_ARG, "generate: the prompt is empty");
  if (o.max_tokens < 1) return rwkv_errorf(err, RWKV_ERR_ARG, "generate: max_tokens must be >= 1 (got %d)", o.max_tokens);
  if (!m->tok) return rwkv_errorf(err, RWKV_ERR_UNSUPPORTED, "generate: %s has no tokenizer", m->path);
  for (size_t i = 0; i < o.n_stop_ids; i++)
    if (o.stop_ids[i] < 0 || (uint32_t)o.stop_ids[i] >= m->d.n_vocab)
      return rwkv_errorf(err, RWKV_ERR_ARG, "generate: stop token %d is outside the vocabulary", (int)o.stop_ids[i]);
  rwkv_gen *g = calloc(1, sizeof *g);
  if (!g) return rwkv_errorf(err, RWKV_ERR_NOMEM, "generate: no memory");
  g->m = m;
  g->s = s;
  g->o = o;
  g->last = -1;
  int rc = rwkv_sampler_new(&o.sampler, m->d.n_vocab, &g->smp, err);
  if (rc) goto fail;
  g->greedy = rwkv_sampler_is_greedy(g->smp);
  g->ahead = o.lookahead <= 0 ? 16 : (uint32_t)o.lookahead;
  if (g->ahead > RWKV_CHAIN_MAX) g->ahead = RWKV_CHAIN_MAX;
  if (!g->greedy) g->ahead = 1;
  /* the next chain's passes queued before a chain's ids are read: the GPU runs them while
   * the CPU reads and queues the rest, instead of idling until the first of them is queued
   * (at most that many wasted where generation stops). For models under 1 GiB on the GPU,
   * whose passes take the GPU little more than the CPU's queueing of them: H100, rwkv-bench
   * greedy tg128, two rounds (bench/h100_s32f.sh): 0.1B F16 1469-1523 -> 1543-1545 tok/s;
   * the 2.9B's lost a little (Q4_K_M 267.2-267.4 -> 266.4-266.8, F16 210.9-211.0 ->
   * 210.2-210.6). RWKV_GEN_LEAD=N overrides (0: none) */
  g->lead_max = m->info.gpu_bytes < (1ull << 30) ? 2 : 0;
  const char *le = getenv("RWKV_GEN_LEAD");
  if (le && *le) g->lead_max = (uint32_t)atoi(le);
  if (g->lead_max >= g->ahead) g->lead_max = g->ahead - 1;
  if (g->ahead > 1 && (rc = rwkv_state_new(m, &g->snap, err)) != RWKV_OK) goto fail;
  if (g->lead_max && (rc = rwkv_state_new(m, &g->snap2, err)) != RWKV_OK) goto fail;
  /* own copies of the stop lists */
  g->stop_ids = malloc((o.n_stop_ids + 1) * sizeof *g->stop_ids);
  g->stops = calloc(o.n_stop_strings + 1, sizeof *g->stops);
  g->stop_lens = calloc(o.n_stop_strings + 1, sizeof *g->stop_lens);
  g->logits = g->greedy ? NULL : malloc((size_t)m->d.n_vocab * sizeof *g->logits);
  if (!g->greedy && !o.full_logits) {
    g->cand_ids = malloc((size_t)m->d.n_vocab * sizeof *g->cand_ids);
    g->pen = malloc((size_t)m->d.n_vocab * 2 * sizeof *g->pen);
    if (!g->cand_ids || !g->pen) goto nomem;
  }
  if (!g->stop_ids || !g->stops || !g->stop_lens || (!g->greedy && !g->logits)) goto nomem;
  if (o.n_stop_ids) memcpy(g->stop_ids, o.stop_ids, o.n_stop_ids * sizeof *g->stop_ids);
  for (size_t i = 0; i < o.n_stop_strings; i++) {
    size_t l = o.stop_lens ? o.stop_lens[i] : (o.stop_strings[i] ? strlen(o.stop_strings[i]) : 0);
    if (!o.stop_strings[i] || l == 0) {
      rc = rwkv_errorf(err, RWKV_ERR_ARG, "generate: stop string %zu is empty", i + 1);
      goto fail;
    }
    if (!(g->stops[i] = malloc(l))) goto nomem;
    memcpy(g->stops[i], o.stop_strings[i], l);
    g->stop_lens[i] = l;
  }
  g->o.stop_ids = g->stop_ids;
  g->o.stop_strings = NULL;
  g->o.stop_lens = g->stop_lens;
  if ((rc = feed(g, prompt, n, 1, err)) != RWKV_OK) goto fail;
  *out = g;
  return RWKV_OK;
nomem:
  rc = rwkv_errorf(err, RWKV_ERR_NOMEM, "generate: no memory");
fail:
  rwkv_gen_free(g);
  return rc;
}

static int reserve(char **p, size_t *cap, size_t need) {
  if (need <= *cap) return 1;
  size_t c = *cap ? *cap : 64;
  while (c < need) c *= 2;
  char *q = realloc(*p, c);
  if (!q) return 0;
  *p = q;
  *cap = c;
  return 1;
}

/* Length of the prefix of b[0..n) that does not end inside a UTF-8 character
 * that later bytes could still complete. */
static size_t utf8_complete(const unsigned char *b, size_t n) {
  for (size_t back = 1; back <= 3 && back <= n; back++) {
    unsigned char c = b[n - back];
    if ((c & 0xC0) == 0x80) continue; /* continuation: look further back */
    size_t need = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 && c < 0xF0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}

/* Move up to k bytes of buf to the out piece. */
static int emit(rwkv_gen *g, size_t k, size_t *len) {
  if (!reserve(&g->out, &g->out_cap, *len + k + 1)) return 0;
  if (k) memcpy(g->out + *len, g->buf, k);
  *len += k;
  if (k) memmove(g->buf, g->buf + k, g->len - k);
  g->len -= k;
  return 1;
}

/* Emit what is safe from buf: text before a stop string (then stop), else all
 * but a tail that may begin a stop string or a UTF-8 character. */
static int flush(rwkv_gen *g, size_t *len, int final) {
  size_t best = (size_t)-1;
  for (size_t i = 0; i < g->o.n_stop_strings; i++) {
    size_t l = g->stop_lens[i];
    for (size_t p = 0; p + l <= g->len && p < best; p++)
      if (memcmp(g->buf + p, g->stops[i], l) == 0) best = p;
  }
  if (best != (size_t)-1) {
    if (!emit(g, best, len)) return 0;
    g->len = 0;
    g->reason = RWKV_GEN_STOP_STRING;
    return 1;
  }
  if (final) return emit(g, g->len, len);
  size_t safe = g->len;
  for (size_t i = 0; i < g->o.n_stop_strings; i++) /* longest tail that is a stop prefix */
    for (size_t t = g->stop_lens[i] - 1; t > 0; t--)
      if (t <= g->len && memcmp(g->buf + g->len - t, g->stops[i], t) == 0) {
        if (g->len - t < safe) safe = g->len - t;
        break;
      }
  return emit(g, utf8_complete((const unsigned char *)g->buf, safe), len);
}

/* Where generation ends with passes queued past what it handed out: make the
 * state hold the snapshot plus the first `fed` queued ids, as if the tokens had
 * been fed one by one (all of them: the state before the next chain's first
 * passes); with nothing queued past `fed`, nothing to do. Empties the queue. */
static int rewind_to(rwkv_gen *g, uint32_t fed, rwkv_error *err) {
  int rc = RWKV_OK;
  if (fed == g->qn && !g->lead) {
    /* nothing past it queued: the state is right */
  } else if (fed == g->qn) {
    rc = rwkv_state_copy(g->s, g->snap2, err);
  } else {
    rc = rwkv_state_copy(g->s, g->snap, err);
    rwkv_forward_opts none = {RWKV_OUTPUT_NONE, 0, 0};
    if (!rc && fed) rc = rwkv_forward(g->m, g->s, g->q, fed, &none, NULL, err);
  }
  g->qn = g->qi = g->lead = 0;
  return rc;
}

/* Sampling with the GPU's help: penalties applied there and only the tokens
 * within 30*temperature of the best logit read back (e^-30 of its
 * probability or less each: they cannot change a draw); all of them when
 * there are too many. */
#define SAMPLE_CAP 4096
static int sample_gpu(rwkv_gen *g, int32_t *tok, rwkv_error *err) {
  uint32_t n_pen = rwkv_sampler_penalties(g->smp, g->pen), count = 0;
  float t = g->o.sampler.temperature;
  int rc = forward_candidates(g->m, g->pen, n_pen, rwkv_sampler_repetition(g->smp), t > 0 ? 30.0f * t : 0.0f,
                              SAMPLE_CAP, g->cand_ids, g->logits, &count, err);
  if (rc) return rc;
  if (count <= SAMPLE_CAP) {
    *tok = rwkv_sampler_sample_candidates(g->smp, g->cand_ids, g->logits, count);
    return RWKV_OK;
  }
  if ((rc = forward_read_logits(g->m, g->logits, err)) != RWKV_OK) return rc;
  *tok = rwkv_sampler_sample_candidates(g->smp, NULL, g->logits, g->m->d.n_vocab);
  return RWKV_OK;
}

/* Next greedy token from the lookahead queue, refilled by a GPU chain: the rest
 * of one whose first passes are queued already, or a whole one; then the next
 * one's first passes (not past max_tokens), then the ids read back. */
static int next_queued(rwkv_gen *g, int32_t *tok, rwkv_error *err) {
  if (g->qi == g->qn) {
    uint32_t k = g->ahead, left = (uint32_t)((size_t)g->o.max_tokens - g->count);
    if (k > left) k = left;
    int rc = RWKV_OK;
    if (g->lead) { /* (queued with the same bound: lead <= k) */
      rwkv_state *t = g->snap;
      g->snap = g->snap2;
      g->snap2 = t;
      g->cb ^= 1;
      if (k > g->lead) rc = forward_chain_queue(g->m, g->s, g->cb, g->lead, k - g->lead, err);
      g->lead = 0;
    } else {
      rc = rwkv_state_copy(g->snap, g->s, err);
      if (!rc) rc = forward_chain_queue(g->m, g->s, g->cb, 0, k, err);
    }
    uint32_t nl = left - k < g->lead_max ? left - k : g->lead_max;
    if (!rc && nl) {
      rc = rwkv_state_copy(g->snap2, g->s, err);
      if (!rc) rc = forward_chain_queue(g->m, g->s, g->cb ^ 1, 0, nl, err);
      if (!rc) g->lead = nl;
    }
    if (!rc) rc = forward_chain_read(g->m, g->cb, k, g->q, err);
    if (rc) return rc;
    g->qn = k;
    g->qi = 0;
  }
  *tok = g->q[g->qi++];
  return RWKV_OK;
}

int rwkv_gen_next(rwkv_gen *g, const char **text, size_t *len, int *done, rwkv_error *err) {
  if (!g || !text || !len || !done) return rwkv_errorf(err, RWKV_ERR_ARG, "generate: bad arguments");
  *len = 0;
  *text = "";
  *done = g->reason != RWKV_GEN_RUNNING;
  if (*done) return RWKV_OK;
  int rc;
  int32_t tok;
  int queued = g->ahead > 1;
  if (queued) {
    if ((rc = next_queued(g, &tok, err)) != RWKV_OK) return rc;
  } else if (g->greedy) {
    if ((rc = rwkv_gpu_argmax(g->m, &tok, err)) != RWKV_OK) return rc;
  } else if (g->o.full_logits) {
    tok = rwkv_sampler_sample(g->smp, g->logits);
  } else if ((rc = sample_gpu(g, &tok, err)) != RWKV_OK) {
    return rc;
  }
  for (size_t i = 0; i < g->o.n_stop_ids; i++)
    if (g->stop_ids[i] == tok) g->reason = RWKV_GEN_STOP_TOKEN;
  const char *bytes;
  size_t nb;
  if ((rc = rwkv_token_bytes(g->m->tok, tok, &bytes, &nb, err)) != RWKV_OK) return rc;
  if (!g->reason && nb == 0 && g->o.stop_at_eos) g->reason = RWKV_GEN_EOS;
  if (!g->reason) {
    rwkv_sampler_accept(g->smp, tok);
    g->count++;
    g->last = tok;
    if (!reserve(&g->buf, &g->cap, g->len + nb)) return rwkv_errorf(err, RWKV_ERR_NOMEM, "generate: no memory");
    memcpy(g->buf + g->len, bytes, nb);
    g->len += nb;
    if ((size_t)g->o.max_tokens <= g->count) g->reason = RWKV_GEN_MAX_TOKENS;
    /* feed the token back (the chain already did): its logits are needed unless generation ends here */
    rc = queued ? RWKV_OK : feed(g, &tok, 1, g->reason == RWKV_GEN_RUNNING, err);
    if (rc) {
      g->reason = RWKV_GEN_MAX_TOKENS; /* the state is no longer in step: end here */
      return rc;
    }
  }
  if (!flush(g, len, g->reason != RWKV_GEN_RUNNING)) return rwkv_errorf(err, RWKV_ERR_NOMEM, "generate: no memory");
  /* ended inside the queue: the state must hold exactly what feeding one by
   * one would have fed: every token handed out, less a stop token or end of text */
  if (queued && g->reason != RWKV_GEN_RUNNING) {
    uint32_t fed = g->reason == RWKV_GEN_STOP_TOKEN || g->reason == RWKV_GEN_EOS ? g->qi - 1 : g->qi;
    if ((rc = rewind_to(g, fed, err)) != RWKV_OK) return rc;
  }
  *text = g->out ? g->out : "";
  *done = g->reason != RWKV_GEN_RUNNING;
  return RWKV_OK;
}

int rwkv_gen_reason(const rwkv_gen *g) { return g ? g->reason : RWKV_GEN_RUNNING; }
size_t rwkv_gen_count(const rwkv_gen *g) { return g ? g->count : 0; }
int32_t rwkv_gen_last_token(const rwkv_gen *g) { return g ? g->last : -1; }
