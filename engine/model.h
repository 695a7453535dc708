/* model.h - what a loaded model holds (private to the engine).
 *
 * Big matrices stay in their GGUF types in one GPU buffer each (matmul.h).
 * The small per-layer vectors (norms, lerps, w0/a0/v0, k_k, k_a, r_k, ln_x)
 * are packed into one float32 "params" buffer: PAR_* slots of n_embd floats
 * per layer, then the global norms. Widening F16 vectors to F32 there costs
 * well under 0.1% of the bytes and keeps every kernel type-free.
 *
 * States live in one pool buffer (state.c) so that a batch of sequences can
 * be run by one dispatch per step: a state is a slot in the pool. */
#ifndef RWKV_MODEL_H
#define RWKV_MODEL_H

#include "gguf.h"
#include "matmul.h"
#include "rwkv.h"
#include "rwkv7.h"

enum {
  PAR_LN1_W, PAR_LN1_B, PAR_LN2_W, PAR_LN2_B,
  PAR_LERP, /* 6 vectors: r, w, k, v, a, g */
  PAR_W0 = PAR_LERP + 6, PAR_A0, PAR_V0, PAR_K_K, PAR_K_A, PAR_R_K, PAR_LNX_W, PAR_LNX_B,
  PAR_FFN_LERP,
  PAR_PER_LAYER
};
enum { PAR_LN0_W, PAR_LN0_B, PAR_LNOUT_W, PAR_LNOUT_B, PAR_GLOBAL };

enum { LORA1_W = 1, LORA1_A = 2, LORA1_G = 4, LORA1_V = 8 };
enum { RKV_R = 1, RKV_K = 2, RKV_V = 4, RKV_ALL = 7 };

typedef struct model_layer {
  /* rkv = Wr|Wk|Wv stacked and lora1 = W1|A1|G1|(V1) stacked, each run by one
   * grouped dispatch; when the types differ (mixed quant files) the parts
   * stay separate (wr, wk, wv / w1, a1, v1, g1), but for lora1 the most of
   * them of one type (llama.cpp's files: A1|G1|V1 in F16, W1 F32), which
   * lora1_parts lists (LORA1_W | LORA1_A | LORA1_G | LORA1_V; 0: no stack); r/k/v
   * likewise two of one type when the third differs (Q4_K_M: Q6_K v in some layers), which
   * rkv_parts lists (RKV_R | RKV_K | RKV_V; RKV_ALL: all three; 0: no stack) */
  rwkv_mm_weight rkv, lora1;
  unsigned lora1_parts, rkv_parts;
  rwkv_mm_weight wr, wk, wv, wo;
  rwkv_mm_weight w1, w2, a1, a2, v1, v2, g1, g2;
  rwkv_mm_weight ffn_key, ffn_value;
} model_layer;

/* A layer's quantized weights of one kind decoded to f16 rows for prefills (forward.c
 * rows16): R16_RKV (r / k / v, 3 D rows), R16_KEY, R16_VALUE, R16_LONE (the r / k / v parts
 * outside their stack, e.g. the Q4_K_M's Q6_K v, in shorter passes). */
enum { R16_RKV, R16_KEY, R16_VALUE, R16_LONE, R16_KINDS };
typedef struct rows16 {
  rwkv_mm_weight w; /* (empty until the first pass that uses it) */
  uint32_t min;     /* rows a pass from which it is used (0: never) */
  int layer;        /* the layer whose rows are in w (-1: none) */
} rows16;

/* Compiled programs of the forward pass, looked up once at load. */
typedef struct model_progs {
  unsigned embed, ln_mix6, ln_mix1, wkv, wkv_lora, store_prev, zero, ln_out, argmax, argmax_feed, candidates;
  unsigned wkv_lora_cnt; /* wkv_lora counting its workgroups for Wo (forward.c dsync) */
  unsigned ln_mix6w, ln_mix1w, fold; /* decode with res_early (forward.c) */
  unsigned ln_mix6c, ln_mix1c; /* ln_mix6 / 1 storing coherently, for a count (forward.c dsync) */
  /* WKV as a parallel scan (prefill): per-token inputs, row scans, group norm etc. */
  unsigned wkv_pre, wkv_scan, wkv_post;
} model_progs;

/* Uniform locations by (program, name literal): glGetUniformLocation is a
 * string lookup in the driver, too slow for every dispatch. */
#define UCACHE_SIZE 512
typedef struct ucache_entry {
  unsigned prog;
  const char *name;
  int loc;
} ucache_entry;

/* Steps of a pass timed by RWKV_PROFILE=1 (forward.c). */
enum {
  PROF_UPLOAD, PROF_EMBED, PROF_LN_ATT, PROF_RKV, PROF_LORA1, PROF_LORA2, PROF_WKV, PROF_WO,
  PROF_LN_FFN, PROF_FFN_KEY, PROF_FFN_VALUE, PROF_STORE, PROF_LN_OUT, PROF_HEAD, PROF_STEPS
};
#define PROF_QMAX 1024
typedef struct model_prof {
  double us[PROF_STEPS], last;
  unsigned long long calls[PROF_STEPS];
  unsigned passes;
  unsigned skip; /* passes still to leave out of the table (RWKV_PROFILE_SKIP: warm-ups) */
  /* GPU timestamps (EXT_disjoint_timer_query) after each step instead of a glFinish:
   * the GPU keeps running (a glFinish per step let the H100's clocks drop and made
   * small kernels read 10-40x their cost). Resolved at the end of each pass. */
  int tq;
  void (*gen)(void), (*counter)(void), (*get)(void); /* glGenQueriesEXT etc. */
  unsigned q[PROF_QMAX];
  int qstep[PROF_QMAX]; /* step whose end query i marks; -1: the pass start */
  unsigned nq, discarded;
} model_prof;

struct rwkv_model {
  rwkv_gpu *gpu;
  int own_gpu;
  gguf_file *file;
  rwkv7_desc d;
  rwkv_tokenizer *tok;
  rwkv_model_info info;
  char *path;
  const char *type_names[16];

  unsigned emb_buf;   /* token_embd as stored */
  rwkv_mm_weight head;
  int head_pending; /* lazy_head: not uploaded yet (model_head_ready) */
  /* quantized r / k / v (or their lone parts), FFN key and FFN value as f16 rows for prefills
   * (forward.c rows16): one weight each all layers share, made at the first such pass */
  rows16 r16[R16_KINDS];
  uint32_t dq_rows;   /* rwkv_mm_dequant's grid rows (RWKV_DQ_ROWS; 0: one a row) */
  model_layer *layers;
  unsigned par_buf;
  model_progs prog;
  int lora_fused; /* decode runs the LoRA second stages inside the WKV kernel */
  int r16_beside; /* rows16's decodes beside a one-kernel WKV step too (forward.c) */
  unsigned lora_v0_buf; /* layer 0 (no v LoRA): the buffer its v dot reads instead (forward.c) */
  int overlap;    /* r/k/v and the LoRA first stages without a barrier between them */
  int mm_batch;   /* ... and their split-K reduces after one barrier (rwkv_mm_batch) */
  uint32_t g_late; /* prefills of this many tokens or more: the gate's LoRA-2 beside the WKV
                    * scans (0: never) */
  /* decode of one sequence with one dispatch a layer (glsl/rwkv_layer.comp, forward.c
   * persist_init): its program, ticket / done counters, workgroups, and whether it failed */
  unsigned persist_prog, persist_sync;
  uint32_t persist_wgs, persist_tk, persist_dn; /* the counters' values after the last dispatch */
  int persist_check; /* RWKV_PERSIST_CHECK=1: read the kernel's failure flag after each pass */
  uint32_t chunk;

  /* state pool: slot i occupies floats [i*state_floats, (i+1)*state_floats) */
  unsigned pool_buf;
  uint32_t pool_cap;
  unsigned char *slot_used;
  size_t state_floats;
  size_t layer_floats; /* att_prev, ffn_prev, S of one layer */
  uint32_t n_states;

  /* scratch sized for act_rows rows */
  unsigned act_buf, out_buf, tok_buf, seq_buf, argmax_buf, cand_buf, pen_buf;
  unsigned chain_buf2; /* the second greedy chain's ids (forward_chain_queue; the first's: argmax_buf) */
  unsigned argmax_part;  /* the argmax workgroups' bests and done count (forward.c) */
  uint32_t argmax_wgs;   /* workgroups an argmax (1: one walks every logit) */
  uint64_t cand_bytes, pen_bytes;
  uint32_t *cand_host; /* CPU copy of cand_buf */
  uint32_t act_rows, out_rows, seq_cap; /* seq_cap: uints */
  unsigned hid_buf;  /* embeddings to read back, copied out of the arena (forward.c) */
  uint32_t hid_rows;
  uint32_t tmap_cap;  /* tmap_host: a padded batch's live rows, then the sequences' last rows
                       * (forward.c token_map) */
  int tmap_on;        /* RWKV_TOKEN_MAP (default 1) */
  int tail_on;        /* RWKV_TAIL_ROWS (default 1) */
  uint32_t *tmap_host;
  uint32_t tail_off, tail_n; /* this pass's last-rows list in seq_buf (uints), 0 rows: none */
  uint64_t act_floats;
  ucache_entry ucache[UCACHE_SIZE];
  model_prof *prof; /* RWKV_PROFILE=1 */
  uint32_t sync_every; /* glFlush (glFinish: sync_finish) every N layers (RWKV_SYNC; forward_init) */
  int sync_decode;     /* decode passes flush in their layers only after a wait (forward.c) */
  uint64_t waits_seen; /* rwkv_gpu_waits at the last decode pass */
  uint32_t ln_split;   /* RWKV_LN_SPLIT: channel slices per row in ln_mix (0 = automatic) */
  int lora1_first;     /* RWKV_LORA1_FIRST: LoRA first stages before r / k / v (1), after (0), by
                          the pass's length (-1, forward.c time_mix_inputs) */
  uint32_t skip;       /* RWKV_SKIP: steps (1 << PROF_*) left out of every pass (diagnostic) */
  int wkv_early;       /* decode's WKV step waits on its inputs' marks, not a barrier (forward.c) */
  int res_early;       /* decode's layer norms wait on Wo's / the FFN value's marks (forward.c) */
  int res_pass;        /* this pass runs so (pass_steps) */
  uint32_t nobar;      /* RWKV_NOBAR: decode steps with no barrier after them (diagnostic) */
  /* decode's dispatch counters (forward.c dsync; matmul.h rwkv_mm_sync): edges (1 << DS_*) a
   * consumer waits on its producer's count instead of a barrier across (RWKV_DSYNC), the
   * counters' buffer, each counter's running total, and the sync mm_groups passes on */
  uint32_t dsync_on;
  int dsync_check; /* RWKV_DSYNC_CHECK=1: each pass reads the counters back and checks them */
  unsigned dsync_buf;
  uint32_t dsync_n[4];
  struct rwkv_mm_sync *dsync_cur;
  uint32_t twice;      /* RWKV_TWICE: steps (1 << PROF_*) dispatched twice in a row (diagnostic) */
  int sync_finish;
  /* WKV scan path (forward.c): used for passes with T >= wkv_scan_min_t rows per
   * sequence (0 = never); wkv_rows rows of S per scan workgroup; wkv_head_pg heads per
   * workgroup of its pre / post kernels */
  uint32_t wkv_scan_min_t, wkv_rows, wkv_head_pg;
  uint32_t wkv_one_bh; /* passes of <= 64 rows and B x heads >= this: one kernel (0: off) */
  void (*progress)(void *ud, uint64_t done, uint64_t total); /* long prefills */
  void *progress_ud;
};

struct rwkv_state {
  rwkv_model *m;
  uint32_t slot;
};

/* model.c */
/* The head of a lazy_head load (rwkv_model_opts), uploaded once, by the first pass that
 * computes logits; a no-op when it is on the GPU. On failure the model stays without it. */
int model_head_ready(rwkv_model *m, rwkv_error *err);

/* state.c */
int state_pool_init(rwkv_model *m, rwkv_error *err);
void state_pool_free(rwkv_model *m);
static inline uint64_t state_offset(const rwkv_state *s) {
  return (uint64_t)s->slot * s->m->state_floats;
}

/* forward.c */
/* A load's forward setup in two steps: forward_programs (the programs that need only the
 * model's shape) before the uploads, which build them while they wait; forward_init (the
 * rest) after them. */
int forward_programs(rwkv_model *m, rwkv_error *err);
int forward_init(rwkv_model *m, rwkv_error *err);
/* Greedy decode chained on the GPU, up to RWKV_CHAIN_MAX tokens a chain, in halves so that a
 * caller can queue passes of a next chain before it reads one: k greedy passes on s whose ids
 * go to chain buffer `which` (0 or 1) at [first, first + k) (first + k <= RWKV_CHAIN_MAX);
 * then ids [0, n) of a chain buffer, read back (waiting for the passes that write it). */
#define RWKV_CHAIN_MAX 32
int forward_chain_queue(rwkv_model *m, rwkv_state *s, int which, uint32_t first, uint32_t k, rwkv_error *err);
int forward_chain_read(rwkv_model *m, int which, uint32_t n, int32_t *ids, rwkv_error *err);
/* Sampling reads back only the tokens within margin of the best (penalties applied on the GPU). */
int forward_candidates(rwkv_model *m, const float *pen, uint32_t n_pen, float rep, float margin, uint32_t cap,
                       int32_t *ids, float *logits, uint32_t *count, rwkv_error *err);
int forward_read_logits(rwkv_model *m, float *logits, rwkv_error *err);
/* rwkv_forward_batch that leaves the outputs on the GPU when out is NULL. */
int forward_batch(rwkv_model *m, rwkv_state *const *states, const int32_t *const *ids, const size_t *n,
                  size_t b, const rwkv_forward_opts *opts, float *out, rwkv_error *err);
void forward_free(rwkv_model *m);

#endif
