/* forward.c - the RWKV-7 forward pass as a sequence of GPU dispatches.
 *
 * A pass runs R = B*T rows: B sequences of T positions each (row = b*T + t).
 * Sequence b's tokens sit right-aligned in its T rows; rows before
 * seq[b].start are padding that every kernel skips, so sequences of unequal
 * length share one pass. Activations live in one arena buffer (act_buf) at the
 * offsets computed by arena_layout; the kernels are in glsl/rwkv_*.comp.
 *
 * The steps follow ../shared/testdata/README.md ("The RWKV-7 forward pass"),
 * BlinkDL's RWKV-LM rwkv_v7 reference and llama.cpp's build_rwkv7 graph.
 * No CPU round trip happens inside a pass; results are read back once. */
#include <EGL/egl.h>
#include <GLES3/gl31.h>
#include <GLES2/gl2ext.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "generate.h"
#include "model.h"
#include "quant.h"

static void prof_report(rwkv_model *m);
static void prof_timer_init(rwkv_model *m);

/* Offsets (in floats) of the activation arena's regions for R rows. */
typedef struct arena {
  uint32_t x, mix, r, k, v, wh, ah, vh, gh, wl, al, vl, g, vfirst, y, ffh, last, last_ffn, hidden;
  /* decode with res_early (pass_steps' layer views): Wo's and the FFN value's outputs of
   * this layer, pending (in the LoRA second stages' slots, which a decode with those inside
   * the WKV kernel leaves unused: wl / al in even layers, vl / g in odd ones); those of the
   * layer before (aop / fop: 0 in layer 0), which the attention layer norm adds to its input
   * xin (the layer before's x) and writes as this layer's x (x; x2 its other buffer) */
  uint32_t ao, fo, aop, fop, xin, x2;
  /* the channel mix's input (decode: a slot of its own, so that the r / k / v read of the next
   * layer's mixes finds no line of it cached by the FFN key: dsync waits on counts, no
   * barrier between; else mix's first slot) */
  uint32_t mixf;
  uint64_t total;
} arena;

static void wkv_one(rwkv_model *m, uint32_t l, const arena *a, uint32_t B, uint32_t T, int fused, int count);
static int wkv_scan(rwkv_model *m, uint32_t l, const arena *a, uint32_t B, uint32_t T, int g_late,
                    rwkv_error *err);
static uint32_t skip_parse(const char *e);
static int persist_init(rwkv_model *m, rwkv_error *err);
static void fold(rwkv_model *m, uint32_t x, const arena *a, uint32_t R);
/* the layer kernel's counters (uints): tickets at 0, done at 32, the failure flag at 64 */
#define PERSIST_SYNC_BYTES (96 * 4)
#define ARGMAX_WGS_MAX 256 /* rwkv_argmax.comp workgroups at most (its partial buffer) */
/* Decode's dispatch counter edges (dsync, RWKV_DSYNC bits; matmul.h rwkv_mm_sync): r / k / v
 * and the LoRA first stages wait on the attention layer norm's count, the FFN key on the
 * FFN's layer norm's, the FFN value on the key's, Wo on the WKV step's, each instead of a
 * barrier across. Counter e belongs to edge e. */
enum { DS_LN_ATT, DS_LN_FFN, DS_FFN_KEY, DS_WKV, DS_EDGES };
#define DS_ALL ((1u << DS_EDGES) - 1u)
_Static_assert(sizeof ((rwkv_model *)0)->dsync_n == DS_EDGES * sizeof(uint32_t), "model.h dsync_n: one a DS_* edge");
/* The matmul weights of layer W on edge e (the consumers; for DS_FFN_KEY also the key, which
 * counts): into w, their number. */
#define DSYNC_WEIGHTS_MAX 9
static uint32_t dsync_weights(model_layer *W, int e, rwkv_mm_weight **w) {
  uint32_t n = 0;
  if (e == DS_LN_ATT) {
    rwkv_mm_weight *att[] = {&W->rkv, &W->wr, &W->wk, &W->wv, &W->lora1, &W->w1, &W->a1, &W->g1, &W->v1};
    for (; n < sizeof att / sizeof *att; n++) w[n] = att[n];
  } else if (e == DS_LN_FFN) w[n++] = &W->ffn_key;
  else if (e == DS_FFN_KEY) w[n++] = &W->ffn_key, w[n++] = &W->ffn_value;
  else if (e == DS_WKV) w[n++] = &W->wo;
  return n;
}

static arena arena_layout(const rwkv7_desc *d, uint32_t R, uint32_t B) {
  arena a;
  uint64_t o = 0, RD = (uint64_t)R * d->n_embd;
#define TAKE(field, n) (a.field = (uint32_t)o, o += (n))
  TAKE(x, RD);
  a.x2 = a.x;
  if (R == B) TAKE(x2, RD); /* (decode: res_early's layers alternate x and x2; below the slots
                             * ln_mix reads at distances past x) */
  TAKE(mix, 6 * RD);
  TAKE(r, RD); TAKE(k, RD); TAKE(v, RD);
  TAKE(wh, (uint64_t)R * d->rank_w); TAKE(ah, (uint64_t)R * d->rank_a);
  TAKE(vh, (uint64_t)R * d->rank_v); TAKE(gh, (uint64_t)R * d->rank_g);
  TAKE(wl, RD); TAKE(al, RD); TAKE(vl, RD); TAKE(g, RD);
  TAKE(vfirst, RD); TAKE(y, RD);
  TAKE(ffh, (uint64_t)R * d->n_ffn);
  TAKE(last, (uint64_t)B * d->n_embd);
  TAKE(last_ffn, (uint64_t)B * d->n_embd);
  TAKE(hidden, RD);
  a.mixf = a.mix;
  if (R == B) TAKE(mixf, RD);
#undef TAKE
  a.ao = a.wl;
  a.fo = a.al;
  a.aop = a.fop = 0;
  a.xin = a.x;
  a.total = o;
  return a;
}

/* ---- programs ---------------------------------------------------------------- */

/* Workgroup size of the row kernels (layer norms, mixes). */
static uint32_t row_wg(const rwkv_model *m) { return m->d.n_embd >= 256 ? 256 : 64; }

/* A non-negative integer from the environment, def when unset or malformed. */
static uint32_t env_u32(const char *name, uint32_t def) {
  const char *s = getenv(name);
  if (!s || !*s) return def;
  char *end = NULL;
  unsigned long v = strtoul(s, &end, 10);
  return *end || v > 1u << 20 ? def : (uint32_t)v;
}

/* Subgroup reductions where the GPU has them (rwkv_gpu_info: arithmetic in compute; off with
 * RWKV_NO_SUBGROUP=1); cluster > 0: also subgroupClusteredAdd over that many invocations. */
static int subgroups(const rwkv_model *m, uint32_t cluster) {
  const rwkv_gpu_info *gi = rwkv_gpu_get_info(m->gpu);
  if (!gi->has_subgroup || gi->subgroup_size < 4 || getenv("RWKV_NO_SUBGROUP")) return 0;
  return !cluster || (gi->has_subgroup_clustered && (uint32_t)gi->subgroup_size >= cluster);
}
/* the WKV kernel's quarter-row sums by subgroup clusters (rwkv_wkv.comp WKV_QCLUSTER) */
#define WKV_QCLUSTER_DEFS "#extension GL_KHR_shader_subgroup_clustered : require\n#define WKV_QCLUSTER 1\n"

/* lazy: a prefill-only program a load may leave for later (rwkv_gpu_program_lazy; every use
 * calls rwkv_gpu_program_need first) */
static int program_as(rwkv_model *m, const char *name, const char *extra, unsigned *out, int lazy, rwkv_error *err) {
  char defs[2048];
  uint32_t wg = row_wg(m);
  int sg = subgroups(m, 0);
  /* LN_D: the width (common.glsl ln_stats holds a row in registers) */
  int n = snprintf(defs, sizeof defs, "#define RWKV_BUFFERS 1\n#define RED_N %u\n#define HS %u\n#define LN_D %u\n%s%s",
                   wg, m->d.head_size, m->d.n_embd, sg ? "#define RWKV_SUBGROUP 1\n" : "", extra ? extra : "");
  if (n < 0 || (size_t)n >= sizeof defs) /* (a cut define list compiles into nonsense) */
    return rwkv_errorf(err, RWKV_ERR_SHADER, "shader \"%s\": its defines need %d bytes, more than %zu", name, n,
                       sizeof defs);
  return lazy ? rwkv_gpu_program_lazy(m->gpu, name, defs, out, err)
              : rwkv_gpu_program_soon(m->gpu, name, defs, out, err); /* (in a load's uploads: later) */
}
static int program(rwkv_model *m, const char *name, const char *extra, unsigned *out, rwkv_error *err) {
  return program_as(m, name, extra, out, 0, err);
}

/* The WKV scan path (prefill; glsl/rwkv_wkv_pre|scan|post.comp). On by default where
 * the GPU has arithmetic subgroups whose size divides the head size: one subgroup per
 * row of S. Knobs (read once here): RWKV_WKV_SCAN=0 turns it off, =1 forces it (with
 * shared-memory row sums where subgroups are missing: slow, for tests);
 * RWKV_WKV_ROWS rows of S per workgroup (default 8); RWKV_WKV_LANES invocations per row
 * (below); RWKV_WKV_MIN_T the least T (rows per sequence in a pass) that takes it (default
 * 2: decode keeps the one-kernel path). What the scan's time was made of (H100, 2.9B, pp512,
 * RWKV_WKV_SCAN_CUT, bench/h100_s16c.sh; ~355 us a layer): pre + post ~90 us, the chunks'
 * loads ~60, each row's store of its output from one lane ~120, the row sums ~120; hence
 * the next chunk in registers (RWKV_WKV_SCAN_PF), outputs staged (RWKV_WKV_SCAN_OSH), pre /
 * post with a subgroup a head (RWKV_WKV_HEAD_PG) and row groups of 16 lanes: ~235 us. */
static int wkv_scan_init(rwkv_model *m, const char *wkv_defs, rwkv_error *err) {
  const rwkv_gpu_info *gi = rwkv_gpu_get_info(m->gpu);
  uint32_t hs = m->d.head_size, sgs = gi->subgroup_size > 0 ? (uint32_t)gi->subgroup_size : 0;
  int sg = gi->has_subgroup && sgs >= 4 && !getenv("RWKV_NO_SUBGROUP") && sgs <= hs && hs % sgs == 0;
  const char *force = getenv("RWKV_WKV_SCAN");
  int on = force && *force ? strcmp(force, "0") != 0 : sg;
  m->wkv_scan_min_t = 0;
  if (!on || hs == 0) return RWKV_OK;
  uint32_t maxinv = gi->max_invocations >= 128 ? (uint32_t)gi->max_invocations : 128;
  /* RWKV_WKV_LANES: invocations per row of S. With subgroups a row group is one subgroup or,
   * where the GPU has clustered reductions, a power-of-two cluster of one (WKV_CLUSTER;
   * default 16: H100, 2.9B Q4_K_M pp512, the wkv step 299-312 -> 224-243 us a layer against
   * a subgroup a row, 8 lanes x 32 rows alike, 4 or 2 lanes slower; bench/h100_s16d.sh) */
  uint32_t lanes = env_u32("RWKV_WKV_LANES", !sg ? 16 : sgs > 16 && subgroups(m, 16) ? 16 : sgs), cluster = 0;
  if (lanes == 0 || lanes > hs) lanes = hs;
  while (hs % lanes) lanes--;
  if (sg && lanes < sgs && (lanes & (lanes - 1)) == 0 && subgroups(m, lanes)) cluster = 1;
  else if (sg) lanes = sgs;
  if (lanes > maxinv) return RWKV_OK; /* cannot happen with HS <= max invocations */
  uint32_t rows = env_u32("RWKV_WKV_ROWS", 8);
  if (rows == 0 || rows > hs) rows = hs;
  while (rows > 1 && (hs % rows || rows * lanes > maxinv)) rows--;
  /* RWKV_WKV_CH: tokens whose inputs a workgroup stages in shared memory at a time (0: each
   * row loads its own, one token ahead); 5 * CH * HS floats (+ v) must fit the shared memory
   * beside the row sums (4 KiB kept for those). H200, 2.9B Q4_K_M (bench/h100_s7p.sh): 8
   * against 0 pp512 4035 -> 4137 tok/s, document state 242.8 -> 234.5 ms; 16 equal, 32 slower
   * (40 KiB a workgroup) */
  uint32_t ch = env_u32("RWKV_WKV_CH", 8), shmax = gi->max_shared > 8192 ? (uint32_t)gi->max_shared - 4096 : 4096;
  while (ch > 0 && (5 * ch * hs + 2 * ch * rows) * 4 > shmax) ch /= 2; /* (+ v and o) */
  /* RWKV_WKV_SCAN_CUT=<bits> (diagnostic, garbage out): rwkv_wkv_scan.comp SCAN_CUT */
  char defs[384];
  snprintf(defs, sizeof defs,
           "#undef RED_N\n#define WKV_ROWS %u\n#define WKV_LANES %u\n#define WKV_WG %u\n#define WKV_CH %u\n"
           "#define SCAN_CUT %u\n#define SCAN_PF %u\n#define SCAN_OSH %u\n%s",
           rows, lanes, rows * lanes, ch, env_u32("RWKV_WKV_SCAN_CUT", 0), env_u32("RWKV_WKV_SCAN_PF", 1) != 0,
           env_u32("RWKV_WKV_SCAN_OSH", 1) != 0,
           !sg ? "#undef RWKV_SUBGROUP\n"
               : cluster ? "#extension GL_KHR_shader_subgroup_clustered : require\n#define WKV_CLUSTER 1\n" : "");
  model_progs *p = &m->prog;
  int rc = program_as(m, "rwkv_wkv_scan", defs, &p->wkv_scan, 1, err);
  /* pre / post: RWKV_WKV_HEAD_PG heads a workgroup, one subgroup a head (0: a workgroup of
   * HS invocations a head, its sums through shared memory, as without subgroups) */
  uint32_t pg = sg ? env_u32("RWKV_WKV_HEAD_PG", 4) : 0;
  if (pg * sgs > maxinv) pg = maxinv / sgs;
  char hdefs[192], sgd[96] = "";
  if (pg) snprintf(sgd, sizeof sgd, "#define HEAD_SG %u\n#define HEAD_PG %u\n#define HEAD_WG %u\n", sgs, pg, sgs * pg);
  snprintf(hdefs, sizeof hdefs, "%s#define WKV_HEAD 1\n%s", wkv_defs, sgd);
  if (rc == RWKV_OK) rc = program_as(m, "rwkv_wkv_pre", hdefs, &p->wkv_pre, 1, err);
  if (rc == RWKV_OK) rc = program_as(m, "rwkv_wkv_post", hdefs, &p->wkv_post, 1, err);
  if (rc != RWKV_OK) return rc;
  m->wkv_rows = rows;
  m->wkv_head_pg = pg ? pg : 1;
  m->wkv_scan_min_t = env_u32("RWKV_WKV_MIN_T", 2);
  if (m->wkv_scan_min_t == 0) m->wkv_scan_min_t = 1;
  /* short passes of many sequences keep the one-kernel step, whose (head, sequence)
   * workgroups then fill the GPU: H100, 2.9B Q4_K_M, 10 fields (10 sequences of ~20 tokens,
   * 400 workgroups) 39.5-39.7 -> 38.7-38.8 ms; one sequence of 16-128 tokens is faster with
   * the scan (40 workgroups; bench/RESULTS.md session 11). RWKV_WKV_ONE_BH=<sequences x
   * heads> from which passes of up to 64 rows a sequence take it (0: never; not with
   * RWKV_WKV_SCAN=1) */
  m->wkv_one_bh = force && *force ? 0 : env_u32("RWKV_WKV_ONE_BH", 256);
  return RWKV_OK;
}

/* Whether layer l's LoRA first stages are all in the lora1 stack. */
static int lora1_whole(const model_layer *W, uint32_t l) {
  return W->lora1_parts == (LORA1_W | LORA1_A | LORA1_G | (l > 0 ? LORA1_V : 0u));
}

/* Decode (T == 1) with the layer norm + token-shift mix in the prologue of the matmuls
 * that consume it (rwkv_mm_dispatch_prologue; glsl/matmul.comp PRO): r/k/v, the LoRA
 * first stages and the FFN key, so that ln_mix6 and ln_mix1 are no dispatches of their
 * own (8 -> 6 dispatches per decode layer). RWKV_LN_FUSE=0|1, default off: on the H100
 * every one of the ~1000 workgroups of a 2.9B r/k/v dispatch re-reads x, the norm and lerp
 * vectors (~50 KB each, ~4x the weights' bytes) and Q4_K_M decode fell from 160.3 to 134.4
 * tok/s; 0.1b 807 -> 803 (bench/RESULTS.md, session 2). Kept, tested, for GPUs where the
 * trade differs and for a prologue with fewer, wider workgroups. A layer
 * whose weights got no prologue program (not stacked, or K too big for shared memory)
 * keeps the ln_mix path. */
static int ln_fuse_init(rwkv_model *m, rwkv_error *err) {
  const char *e = getenv("RWKV_LN_FUSE");
  int on = e && *e && strcmp(e, "0") != 0;
  for (uint32_t l = 0; l < m->d.n_layer && on; l++) {
    model_layer *W = &m->layers[l];
    rwkv_mm_weight *ws[3] = {&W->rkv, &W->lora1, &W->ffn_key};
    for (int i = 0; i < 3; i++) {
      if (!ws[i]->n_chunks || ws[i]->prog_pro) continue;
      /* a part outside the stack: no prologue */
      if ((i == 0 && W->rkv_parts != RKV_ALL) || (i == 1 && !lora1_whole(W, l))) continue;
      int rc = rwkv_mm_prologue_init(m->gpu, ws[i], err);
      if (rc == RWKV_ERR_UNSUPPORTED) continue; /* that matmul keeps reading ln_mix's output */
      if (rc) return rc;
    }
  }
  return RWKV_OK;
}

/* The fused LoRA dots' row types (rwkv_wkv.comp LORA_T*: 0 F32, 1 F16, 2 BF16; -1 none)
 * and element bytes. */
static int lora_code(uint32_t t) {
  return t == RWKV_TYPE_F32 ? 0 : t == RWKV_TYPE_F16 ? 1 : t == RWKV_TYPE_BF16 ? 2 : -1;
}
static uint32_t lora_bytes(uint32_t t) { return t == RWKV_TYPE_F32 ? 4 : 2; }

/* The programs that depend only on the model's shape and the GPU, not on how the weights
 * were stored: asked for by the load before its uploads (built while those wait,
 * rwkv_gpu_program_soon, or later, rwkv_gpu_program_lazy); forward_init does the rest. */
int forward_programs(rwkv_model *m, rwkv_error *err) {
  model_progs *p = &m->prog;
  char emb[256], wkv[128];
  snprintf(emb, sizeof emb, "#define EMBED 1\n#define MAXD %u\n#define RWKV_WEIGHT_BINDING 5\n#define RWKV_WTYPE %u\n",
           m->d.n_embd, m->d.emb->type);
  snprintf(wkv, sizeof wkv, "#undef RED_N\n#define RED_N %u\n", m->d.head_size);
  int rc = RWKV_OK;
  if (rc == RWKV_OK) rc = program(m, "rwkv_norm", emb, &p->embed, err);
  if (rc == RWKV_OK) rc = program(m, "rwkv_norm", NULL, &p->ln_out, err);
  if (rc == RWKV_OK) rc = program(m, "rwkv_ln_mix", "#define NMIX 6\n", &p->ln_mix6, err);
  if (rc == RWKV_OK) rc = program(m, "rwkv_ln_mix", "#define NMIX 1\n", &p->ln_mix1, err);
  if (rc == RWKV_OK) rc = program(m, "rwkv_wkv", wkv, &p->wkv, err);
  if (rc == RWKV_OK) rc = wkv_scan_init(m, wkv, err);
  if (rc == RWKV_OK) rc = program(m, "rwkv_misc", "#define MODE_STORE_PREV 1\n", &p->store_prev, err);
  if (rc == RWKV_OK) rc = program(m, "rwkv_misc", "#define MODE_ZERO 1\n", &p->zero, err);
  /* llvmpipe pays for every barrier: narrow reductions there */
  int sw = rwkv_gpu_get_info(m->gpu)->software;
  const char *am = sw ? "#define WG 8\n" : "#define WG 256\n";
  char amf[64];
  snprintf(amf, sizeof amf, "%s#define FEED 1\n", am);
  if (rc == RWKV_OK) rc = rwkv_gpu_program_soon(m->gpu, "rwkv_argmax", am, &p->argmax, err);
  if (rc == RWKV_OK) rc = rwkv_gpu_program_soon(m->gpu, "rwkv_argmax", amf, &p->argmax_feed, err);
  if (rc == RWKV_OK) /* (sampling only: may be left for later) */
    rc = rwkv_gpu_program_lazy(m->gpu, "rwkv_candidates", sw ? "#define WG 8\n" : "#define WG 1024\n",
                               &p->candidates, err);
  return rc;
}

/* ---- prefills of quantized models on f16 rows (rows16) -------------------------------
 * At T = 512 the tiled kernel runs f16 rows faster than q4_K / q6_K ones (2.9B, us a layer:
 * FFN value ~885 against ~1010, r / k / v as one f16 stack ~663 against ~696, FFN key ~867
 * against ~900), by more than decoding them costs where the decode runs beside the WKV scan,
 * which leaves most of the GPU idle (the wkv step 238 -> ~278 us with all three). So passes
 * of min+ rows decode a layer's quantized r / k / v, FFN key and FFN value into three f16
 * weights all layers share (R16_*; 39 / 52 / 52 MB for the 2.9B, made at the first such
 * pass, so loads and decode-only use pay nothing): the key's and value's beside the layer's
 * own scan, the next layer's r / k / v beside it too (after the last layer, layer 0's, for a
 * next pass), and so beside a WKV step in one kernel (passes of many short sequences, e.g. 8
 * of 64 tokens, which gain too: 2.9B 106.8 (none) -> 103.7 (the value alone) -> 102.7 ms a
 * pass, h100_s25d.sh, then with the decodes before the matmuls; RWKV_R16_BESIDE=0 puts them
 * there again); where that did not happen (a pass's first layer) just before the matmul.
 * The decodes take the bus in a thin stream (dq_rows workgroup rows, each looping: wkv step
 * 288 -> 278 us) so the scan's loads wait less. H100, 2.9B Q4_K_M, three interleaved rounds
 * against the value alone (bench/h100_s25b.sh): pp512 4901-4969 -> 5038-5047 tok/s,
 * document state 196.9-197.7 -> 189.0-191.1 ms; 1.5B pp512 a pass 58.9 -> 56.7 ms; every
 * quantized type so (h100_s25e.sh, on against off: 2.9B Q8_0 pp512 4629-4631 -> 4986-4991,
 * document state 207.2-207.3 -> 193.1-193.2 ms; Q5_K a pass 118.7 -> 103.2-103.3 ms). r / k / v
 * and the key only from 2048 wide (the 0.4B lost with them). Each weight is rounded to f16
 * (relative 2^-11 at most, against the quantization's own 2^-8 .. 2^-4; llama.cpp's CUDA
 * prompt path rounds them so too). GPUs only (llvmpipe: not measured). RWKV_RKV_F16_MIN /
 * RWKV_FFK_F16_MIN / RWKV_FFN_F16_MIN=<rows> (default 257, the long-prefill programs; the
 * value of models 2048+ wide 128, rows16_init; 0: never), RWKV_LONE_F16_MIN (r / k / v's parts
 * outside their stack where the stack is not on f16 rows; 128), RWKV_FFN_F16_EXACT=1 f32 rows
 * instead (exact; tests), RWKV_DQ_ROWS (default 256; 0: a workgroup row a weight row). */

/* layer l's weight(s) of kind i, their parts in R16_RKV's row order (the stack's parts first,
 * its rows as they are, then the others in r, k, v order; time_mix_inputs' groups follow it) */
static uint32_t rows16_parts(const rwkv_model *m, int i, uint32_t l, const rwkv_mm_weight *pw[3]) {
  const model_layer *W = &m->layers[l];
  if (i == R16_KEY) return pw[0] = &W->ffn_key, 1;
  if (i == R16_VALUE) return pw[0] = &W->ffn_value, 1;
  const rwkv_mm_weight *one[3] = {&W->wr, &W->wk, &W->wv};
  uint32_t n = 0;
  if (W->rkv_parts && i == R16_RKV) pw[n++] = &W->rkv;
  for (uint32_t j = 0; j < 3; j++)
    if (!(W->rkv_parts & (1u << j))) pw[n++] = one[j];
  return n;
}
/* Whether a pass of B sequences of T tokens runs the WKV step as a parallel scan (wkv_scan),
 * not in one kernel: the LoRA second stages are inside the WKV kernel for one token per
 * sequence, and short passes of many sequences x heads keep the one-kernel step. */
static int scan_on(const rwkv_model *m, uint32_t B, uint32_t T) {
  int fused = T == 1 && m->lora_fused;
  return !fused && m->wkv_scan_min_t && T >= m->wkv_scan_min_t &&
         !(T <= 64 && m->wkv_one_bh && B * m->d.n_head >= m->wkv_one_bh);
}
/* Whether layer l's weights of kind i run on f16 rows in a pass of R rows. */
static int rows16_use(const rwkv_model *m, int i, uint32_t l, uint32_t R) {
  const rows16 *c = &m->r16[i];
  if (!c->min || R < c->min || (i != R16_RKV && i != R16_LONE && l + 1 == m->d.n_layer && m->tail_n)) return 0;
  if (i == R16_LONE && rows16_use(m, R16_RKV, l, R)) return 0; /* (the whole stack is) */
  const rwkv_mm_weight *pw[3];
  uint32_t n = rows16_parts(m, i, l, pw);
  if (!n) return 0;
  for (uint32_t j = 0; j < n; j++) /* (quantized types only; rwkv_mm_dequant wants K % 8 == 0) */
    if (rwkv_type_is_float(pw[j]->type) || pw[j]->K % 8)
      return 0;
  return 1;
}
static void rows16_init(rwkv_model *m) {
  static const char *const env[R16_KINDS] = {"RWKV_RKV_F16_MIN", "RWKV_FFK_F16_MIN", "RWKV_FFN_F16_MIN",
                                             "RWKV_LONE_F16_MIN"};
  const rwkv_gpu_info *gi = rwkv_gpu_get_info(m->gpu);
  m->dq_rows = env_u32("RWKV_DQ_ROWS", 256);
  m->r16_beside = env_u32("RWKV_R16_BESIDE", 1) != 0;
  for (int i = 0; i < R16_KINDS; i++) {
    rows16 *c = &m->r16[i];
    /* (r / k / v and the key only from 2048 wide: at 1024, the 0.4B, their decodes cost
     * more than the f16 rows gain, pp512 a pass 20.17 -> 20.65 ms, bench/h100_s25b.sh) */
    int wide = i == R16_VALUE || m->d.n_embd >= 2048;
    /* (the value from 128 rows, decoded beside the one-kernel WKV step of short passes of
     * many sequences too. H100, 2.9B / 1.5B Q4_K_M, ms a pass, bench/h100_s30d.sh, s30e.sh:
     * 10 fields as one batch (160 rows) 32.19-32.40 -> 31.77-31.78 / 19.66-19.80 ->
     * 18.77-18.86; one sequence of 128 / 200 tokens on the 2.9B 32.61-32.64 -> 32.24-32.46 /
     * 56.97-57.03 -> 55.56-56.18; but 5 fields (70 rows) 20.90-20.96 -> 21.07-21.08 /
     * 12.36-12.42 -> 12.53-12.58; the key and r / k / v so too lost on the 2.9B; the 0.4B's
     * fields a tie, so narrower models keep 257) */
    /* (r / k / v's lone parts, in passes too short for the whole stack, from 128 rows too: H100,
     * three rounds, bench/h100_s30g.sh: 10 fields 1.5B Q4_K_M 18.72-18.80 -> 18.58-18.59 ms,
     * 2.9B a tie (31.84-31.93 against 31.87-31.89); one 2.9B sequence of 128 / 200 tokens
     * 32.13-32.58 -> 32.01-32.07 / 55.60-55.63 -> 55.32-55.51 ms a pass) */
    uint32_t from = i == R16_LONE || (i == R16_VALUE && m->d.n_embd >= 2048) ? 128 : 257;
    c->min = env_u32(env[i], gi->software || !wide ? 0 : from);
    c->layer = -1;
    int any = 0;
    /* (at the least rows it applies to, where the lone parts are not inside the whole stack's
     * f16 rows: R16_RKV's min is set by then) */
    for (uint32_t l = 0; l < m->d.n_layer; l++) any |= rows16_use(m, i, l, c->min);
    if (!any) c->min = 0;
  }
}
/* rows16_use, the weight made at the first pass that uses it; where it cannot be had, never
 * again (min 0) */
static int rows16_on(rwkv_model *m, int i, uint32_t l, uint32_t R) {
  static const char *const name[R16_KINDS] = {"r/k/v as floats", "ffn_key as floats", "ffn_value as floats",
                                              "r/k/v's lone parts as floats"};
  rows16 *c = &m->r16[i];
  if (!rows16_use(m, i, l, R)) return 0;
  if (c->w.n_chunks) return 1;
  const rwkv_mm_weight *pw[3];
  uint32_t n = rows16_parts(m, i, l, pw), M = 0;
  for (uint32_t j = 0; j < n; j++) M += pw[j]->M;
  rwkv_error e2 = {0};
  uint32_t ty = env_u32("RWKV_FFN_F16_EXACT", 0) ? RWKV_TYPE_F32 : RWKV_TYPE_F16;
  if (rwkv_mm_alloc_float(m->gpu, name[i], ty, pw[0]->K, M, &c->w, &e2) != RWKV_OK || c->w.n_chunks != 1) {
    rwkv_mm_free(m->gpu, &c->w);
    c->min = 0;
    return 0;
  }
  return 1;
}
/* layer l's weights of kind i decoded into its f16 weight (no barrier) where not yet there */
static int rows16_fill(rwkv_model *m, int i, uint32_t l, rwkv_error *err) {
  rows16 *c = &m->r16[i];
  if (c->layer == (int)l) return RWKV_OK;
  const rwkv_mm_weight *pw[3];
  uint32_t n = rows16_parts(m, i, l, pw), row = 0;
  int rc = RWKV_OK;
  c->layer = -1;
  for (uint32_t j = 0; j < n && !rc; row += pw[j++]->M)
    rc = rwkv_mm_dequant(m->gpu, pw[j], &c->w, row, m->dq_rows, err);
  if (!rc) c->layer = (int)l;
  return rc;
}
/* rows16's decodes that run beside layer l's WKV step (no barrier): this layer's FFN key and
 * value, the next layer's r / k / v or their lone parts (after the last layer, layer 0's, for a
 * next pass) */
static int rows16_beside(rwkv_model *m, uint32_t l, uint32_t R, rwkv_error *err) {
  uint32_t nx = l + 1 < m->d.n_layer ? l + 1 : 0;
  int rc = RWKV_OK;
  if (!rc && rows16_on(m, R16_KEY, l, R)) rc = rows16_fill(m, R16_KEY, l, err);
  if (!rc && rows16_on(m, R16_VALUE, l, R)) rc = rows16_fill(m, R16_VALUE, l, err);
  if (!rc && rows16_on(m, R16_RKV, nx, R)) rc = rows16_fill(m, R16_RKV, nx, err);
  if (!rc && rows16_on(m, R16_LONE, nx, R)) rc = rows16_fill(m, R16_LONE, nx, err);
  return rc;
}

int forward_init(rwkv_model *m, rwkv_error *err) {
  model_progs *p = &m->prog;
  int rc = RWKV_OK; /* (forward_programs ran before the uploads) */
  /* decode fuses the LoRA second stages into the WKV kernel when each of w2 / a2 / v2 / g2
   * is F32, F16 or BF16, the same type in every layer, in one buffer (else the matmul path
   * serves every T). llama.cpp's files mix them: w2 F32, the others F16 or BF16. */
  uint32_t lt = m->layers[0].w2.type, lta = m->layers[0].a2.type, ltg = m->layers[0].g2.type;
  uint32_t ltv = m->d.n_layer > 1 ? m->layers[1].v2.type : lta;
  m->overlap = env_u32("RWKV_OVERLAP", 1) != 0;
  m->mm_batch = env_u32("RWKV_MM_BATCH", 1) != 0;
  const char *lf = getenv("RWKV_LORA1_FIRST");
  m->lora1_first = lf && *lf ? atoi(lf) != 0 : -1;
  m->g_late = env_u32("RWKV_G_LATE", 128);
  m->tmap_on = env_u32("RWKV_TOKEN_MAP", 1) != 0; /* 0: padded batches run every row */
  m->tail_on = env_u32("RWKV_TAIL_ROWS", 1) != 0;  /* 0: the last layer's Wo / FFN on every row */
  /* decode's dispatch counters (dsync): the matmuls after the two layer norms wait on the
   * norms' workgroup counts instead of a barrier, Wo on the WKV step's (in passes without the
   * residual adds' early start). H100, bench-profile ms a token against the barriers in one
   * call (bench/h100_s33c.sh .. s33i.sh): 0.1B F16 0.574-0.578 -> 0.521-0.526; 2.9B Q4_K_M
   * 3.547 -> 3.458-3.461, F16 4.501-4.504 -> 4.415-4.428 (edges 0 and 1), 4.369-4.375 (and
   * Wo's). The FFN value's edge (not by default): 0.1B 0.503-0.512 with all three, but with
   * the early start it cannot run beside the FFN layer norm's (below) and alone with edge 0
   * it is no better (0.528-0.530); the 2.9B Q4_K_M lost with it (3.641), the F16 a tie.
   * RWKV_DSYNC=<bits> (1 << DS_*) sets the edges, 0 none; on llvmpipe, which runs one
   * dispatch at a time, none by default. */
  {
    const rwkv_gpu_info *gi = rwkv_gpu_get_info(m->gpu);
    uint32_t def = gi->software ? 0 : (1u << DS_LN_ATT) | (1u << DS_LN_FFN) | (1u << DS_WKV);
    m->dsync_on = env_u32("RWKV_DSYNC", def) & DS_ALL;
  }
  /* RWKV_WKV_LORA_FUSE=0: decode runs them as four matmuls that overlap (tuning) */
  m->lora_fused = lora_code(lt) >= 0 && lora_code(lta) >= 0 && lora_code(ltv) >= 0 && lora_code(ltg) >= 0 &&
                  env_u32("RWKV_WKV_LORA_FUSE", 1) != 0;
  for (uint32_t l = 0; l < m->d.n_layer && m->lora_fused; l++) {
    const model_layer *W = &m->layers[l];
    const rwkv_mm_weight *ws[4] = {&W->w2, &W->a2, &W->g2, l ? &W->v2 : &W->w2};
    const uint32_t want[4] = {lt, lta, ltg, l ? ltv : lt};
    for (int i = 0; i < 4; i++)
      if (ws[i]->type != want[i] || ws[i]->n_chunks != 1) m->lora_fused = 0;
  }
  if (rc == RWKV_OK && m->lora_fused) {
    /* shared staging of a row's four hidden vectors: the largest rank rounded up to 8 */
    uint32_t maxr = m->d.rank_w;
    if (m->d.rank_a > maxr) maxr = m->d.rank_a;
    if (m->d.rank_v > maxr) maxr = m->d.rank_v;
    if (m->d.rank_g > maxr) maxr = m->d.rank_g;
    maxr = (maxr + 7) / 8 * 8;
    if (maxr == 0) maxr = 8;
    /* the LoRA dots are spread over LORA_SPLIT invocations per channel (workgroups of
     * LORA_SPLIT * head_size): 4 on GPUs (40 workgroups for the 2.9B model would
     * otherwise walk ~150 loads each in sequence), 1 on llvmpipe (lanes are SIMD there);
     * RWKV_WKV_LORA_SPLIT overrides (rounded down to a power of 2) */
    const rwkv_gpu_info *gi = rwkv_gpu_get_info(m->gpu);
    uint32_t split = env_u32("RWKV_WKV_LORA_SPLIT", gi->software ? 1 : 4), hs = m->d.head_size;
    uint32_t maxinv = gi->max_invocations >= 128 ? (uint32_t)gi->max_invocations : 128;
    if (split == 0) split = 1;
    while (split & (split - 1)) split &= split - 1; /* a power of 2 (wg_sum's tree needs one) */
    while (split > 1 && split * hs > maxinv) split /= 2;
    /* ranks and row strides as constants when every layer has the same (the dots' loops
     * unroll; RWKV_WKV_CONST=0 keeps them uniforms) */
    uint32_t ebw = lora_bytes(lt), eba = lora_bytes(lta), ebv = lora_bytes(ltv), ebg = lora_bytes(ltg);
    uint32_t L = m->d.n_layer;
    const model_layer *W0 = &m->layers[0], *W1 = &m->layers[L > 1 ? 1 : 0];
    int cst = env_u32("RWKV_WKV_CONST", 1) != 0;
    for (uint32_t l = 0; l < L && cst; l++) {
      const model_layer *W = &m->layers[l];
      if (W->w2.stride != W0->w2.stride || W->a2.stride != W0->a2.stride || W->g2.stride != W0->g2.stride ||
          (l > 0 && W->v2.stride != W1->v2.stride))
        cst = 0;
    }
    char cdefs[1024] = ""; /* (room for all of it: strcat below) */
    if (cst)
      snprintf(cdefs, sizeof cdefs, "#define LORA_CONST 1\n#define LORA_RW %u\n#define LORA_RA %u\n#define LORA_RV %u\n"
               "#define LORA_RG %u\n#define LORA_SW %u\n#define LORA_SA %u\n#define LORA_SV %u\n#define LORA_SG %u\n",
               m->d.rank_w, m->d.rank_a, m->d.rank_v, m->d.rank_g, (uint32_t)(W0->w2.stride / ebw),
               (uint32_t)(W0->a2.stride / eba), (uint32_t)(L > 1 ? W1->v2.stride / ebv : W0->w2.stride / ebw),
               (uint32_t)(W0->g2.stride / ebg));
    /* layer 0 has no v LoRA: its v dot (result unused there, times a zero hidden vector)
     * reads layer 0's w2 / a2 / g2 buffer of v2's type with the widest rows when those are
     * at least as wide as the other layers' v2 rows, so the kernel runs all four dots
     * without a branch between their loads; else the dot stays behind `layer0 == 0`. (Of
     * v2's type: other bits read as it could be inf or NaN, and 0 * inf is NaN.) */
    const rwkv_mm_weight *v0 = NULL, *cand[3] = {&W0->w2, &W0->a2, &W0->g2};
    for (int i = 0; i < 3; i++)
      if (cand[i]->type == ltv && (!v0 || cand[i]->stride > v0->stride)) v0 = cand[i];
    int v_always = cst && L > 1 && v0 && v0->stride >= W1->v2.stride;
    m->lora_v0_buf = v_always ? v0->chunks[0].buf : W0->w2.chunks[0].buf;
    if (v_always) strcat(cdefs, "#define LORA_V_ALWAYS 1\n");
    /* with 4 invocations a channel, all four walk S (a quarter row each; rwkv_wkv.comp
     * WKV_QUAD), their sums by subgroup clusters where the GPU has them. For F16 LoRA rows
     * only: on the H100 (bench/h100_s9a.sh, s9b.sh) 0.1B F16 0.74 -> 0.70 ms a token, 2.9B
     * F16 4.90 -> 4.83, but Q4_K_M (F32 LoRA rows) 4.34 -> 4.48, S read late no better;
     * with the weight words hoisted (below) Q4_K_M too, 4.114-4.123 -> 4.099-4.103 ms
     * (bench/h100_s22a.sh). RWKV_WKV_QUAD=0|1 overrides */
    int hoist = cst && env_u32("RWKV_WKV_HOIST", gi->software ? 0 : 1);
    int quad_def = hoist || lt != RWKV_TYPE_F32 || lta != RWKV_TYPE_F32;
    if (split == 4 && hs % 16 == 0 && env_u32("RWKV_WKV_QUAD", (uint32_t)quad_def)) {
      strcat(cdefs, "#define WKV_QUAD 1\n");
      /* with clusters the quads are also the dots' parts (rwkv_wkv.comp WKV_QDOT;
       * RWKV_WKV_QDOT=0: parts lid / 64 summed through shared memory) */
      if (subgroups(m, 4)) {
        strcat(cdefs, WKV_QCLUSTER_DEFS);
        if (env_u32("RWKV_WKV_QDOT", 1)) strcat(cdefs, "#define WKV_QDOT 1\n");
      }
    }
    /* the dots' weight words loaded at the kernel's start (rwkv_wkv.comp LORA_HOIST): per
     * matrix with whole 16-byte units a row, while a part holds at most 40 units in all (160
     * registers: a workgroup a head has its SM's registers); v only where layer 0 reads its
     * placeholder (LORA_V_ALWAYS). H100 decode (bench/h100_s22a.sh): 0.1B F16 0.708-0.713 ->
     * 0.676-0.683 ms a token, 2.9B F16 4.805-4.818 -> 4.761-4.765, Q4_K_M 4.168 -> 4.114-4.123.
     * GPUs only (llvmpipe runs one part a channel); RWKV_WKV_HOIST=0|1 overrides */
    if (hoist) {
      const uint32_t rk[4] = {m->d.rank_w, m->d.rank_a, m->d.rank_v, m->d.rank_g};
      const uint32_t ty[4] = {lt, lta, ltv, ltg};
      const uint64_t st[4] = {W0->w2.stride, W0->a2.stride, L > 1 ? W1->v2.stride : 0, W0->g2.stride};
      uint32_t n[4] = {0, 0, 0, 0}, total = 0;
      for (int i = 0; i < 4; i++) {
        uint32_t eb = lora_bytes(ty[i]), lv = eb == 4 ? 4 : 8;
        uint64_t se = st[i] / eb;
        if ((i == 2 && !v_always) || rk[i] % lv || se % lv) continue;
        uint32_t u = (rk[i] / lv + split - 1) / split;
        if (total + u > 40) continue;
        n[i] = u;
        total += u;
      }
      size_t o = strlen(cdefs);
      snprintf(cdefs + o, sizeof cdefs - o, "#define LORA_HOIST 1\n#define LORA_HW %u\n#define LORA_HA %u\n"
               "#define LORA_HV %u\n#define LORA_HG %u\n", n[0], n[1], n[2], n[3]);
    }
    /* Decode's WKV step starts without waiting for the r / k / v and LoRA-first matmuls
     * (no barrier between them): the layer norm before marks their outputs and the step reads
     * each value it needs again while it is still the mark (rwkv_wkv.comp WKV_WAIT), its
     * weight words and S loaded meanwhile. H100, bench-profile ms a token, three interleaved
     * rounds (bench/h100_s31d.sh): 2.9B Q4_K_M 3.985 -> 3.785, F16 4.695 -> 4.483, 0.1B F16
     * 0.660 -> 0.643, 1.5B Q4_K_M 2.494 -> 2.476 (waiting on one value at a time, not all of a
     * thread's at once, the 0.1B had lost 2%). GPUs only (llvmpipe runs one dispatch at a
     * time: tests force it there); RWKV_WKV_EARLY=0|1 overrides */
    m->wkv_early = env_u32("RWKV_WKV_EARLY", gi->software ? 0 : 1) != 0;
    if (m->wkv_early) strcat(cdefs, "#define WKV_WAIT 1\n#define RWKV_COHERENT coherent volatile\n");
    char fused[1536];
    /* RWKV_WKV_CUT=<bits> (diagnostic, garbage out): parts of the decode kernel left out,
     * rwkv_wkv.comp WKV_CUT */
    snprintf(fused, sizeof fused, "#undef RED_N\n#define RED_N %u\n#define LORA_SPLIT %u\n#define LORA2 1\n"
             "#define LORA_MAXR %u\n#define WKV_CUT %u\n#define LORA_TW %d\n#define LORA_TA %d\n"
             "#define LORA_TV %d\n#define LORA_TG %d\n%s", split * hs, split, maxr, env_u32("RWKV_WKV_CUT", 0),
             lora_code(lt), lora_code(lta), lora_code(ltv), lora_code(ltg), cdefs);
    rc = program(m, "rwkv_wkv", fused, &p->wkv_lora, err);
    /* (dsync's WKV edge: the kernel counting its workgroups) */
    if (rc == RWKV_OK && (m->dsync_on >> DS_WKV) & 1u && strlen(fused) + 96 < sizeof fused) {
      strcat(fused, "#define DSYNC_BINDING 8\n");
      if (!m->wkv_early) strcat(fused, "#define RWKV_COHERENT coherent\n"); /* (y stored coherently) */
      rc = program(m, "rwkv_wkv", fused, &p->wkv_lora_cnt, err);
    }
  }
  /* Decode's residual adds left to their readers: Wo and the FFN value write their outputs
   * apart (arena ao / fo, marked WKV_SENT beforehand) with no barrier after them; the layer
   * norm after each adds them to x as it reads x, reading each again while it is still the
   * mark (common.glsl LN_WAIT). The next layer's attention layer norm writes x with both
   * added as that layer's x (in the other of two x buffers, so that its workgroups all read
   * the old one) and marks that layer's two slots (the other pair: pass_steps' layer views);
   * after the last layer a fold makes the final x (rwkv_misc.comp MODE_FOLD; until session
   * 32 a fold beside each layer's r / k / v did it in place). H100, bench-profile ms a token, three
   * interleaved rounds (bench/h100_s31j.sh): 0.1B F16 0.640 -> 0.603, 1.5B Q4_K_M 2.473 ->
   * 2.391, 2.9B Q4_K_M 3.787 -> 3.705, but 2.9B F16 4.484 -> 4.559: where the FFN value is a
   * bandwidth-bound read (its 52 MB of f16 rows) the layer norm's polls cost more than the
   * barrier (the FFN value's outputs alone so lost too: bench/RESULTS.md "Session 31"). So by
   * default on GPUs for models whose largest FFN value weight is under 32 MiB;
   * RWKV_RES_EARLY=0|1 overrides */
  {
    uint64_t big = 0;
    for (uint32_t l = 0; l < m->d.n_layer; l++) {
      uint64_t b = m->layers[l].ffn_value.stride * m->layers[l].ffn_value.M;
      if (b > big) big = b;
    }
    const rwkv_gpu_info *gi = rwkv_gpu_get_info(m->gpu);
    m->res_early = env_u32("RWKV_RES_EARLY", !gi->software && big < (32u << 20)) != 0;
  }
  if (m->res_early) {
    /* (with the dispatch counters on, these count their workgroups too: ln_mix) */
    const char *lw = "#define LN_WAIT 1\n#define RWKV_COHERENT coherent volatile\n";
    const char *cnt = m->dsync_on & ((1u << DS_LN_ATT) | (1u << DS_LN_FFN)) ? "#define DSYNC_BINDING 6\n" : "";
    char d6[160], d1[160];
    snprintf(d6, sizeof d6, "#define NMIX 6\n%s%s", lw, cnt);
    snprintf(d1, sizeof d1, "#define NMIX 1\n%s%s", lw, cnt);
    if (rc == RWKV_OK) rc = program(m, "rwkv_ln_mix", d6, &p->ln_mix6w, err);
    if (rc == RWKV_OK) rc = program(m, "rwkv_ln_mix", d1, &p->ln_mix1w, err);
    if (rc == RWKV_OK) rc = program(m, "rwkv_misc", "#define MODE_FOLD 1\n", &p->fold, err);
  }
  if (rc == RWKV_OK) rc = ln_fuse_init(m, err);
  if (rc == RWKV_OK) rows16_init(m);
  /* glFlush every 4 layers: NVIDIA's driver otherwise holds the whole pass
   * back and the GPU starts late (H100, 2.9B decode: 83 -> 109 tok/s; 0.1B
   * -3%; bench/RESULTS.md). RWKV_SYNC=none | flush:N | finish:N overrides. */
  m->sync_every = 4;
  m->sync_finish = 0;
  /* Decode passes (one row a sequence) flush so only where the CPU waited for the GPU since
   * the last one (a read-back: the GPU may be idle), and at their end where no read-back
   * follows (decode_end): a chain of passes that nothing reads in between (greedy decoding's,
   * rwkv_gen) keeps the GPU busy with the passes before and pays ~8-12 us of GPU time a flush
   * on the H100 (bench/h100_s32c.sh, against every 4 layers: greedy 2.9B Q4_K_M 260.7-261.2 ->
   * 268.5-268.6 tok/s, 0.1B 1506-1507 -> 1535-1537, F16 211.9-212.3 -> 211.5-211.9; unread
   * passes 3.68 -> 3.57 ms, 0.61 -> 0.58, h100_s32b.sh). RWKV_SYNC=flush:N / finish:N: every N
   * layers in every pass, none: never. */
  m->sync_decode = 1;
  const char *sy = getenv("RWKV_SYNC");
  if (sy && !strcmp(sy, "none")) {
    m->sync_every = 0;
    m->sync_decode = 0;
  }
  if (sy && (!strncmp(sy, "flush:", 6) || !strncmp(sy, "finish:", 7))) {
    m->sync_finish = sy[1] == 'i';
    m->sync_every = (uint32_t)atoi(strchr(sy, ':') + 1);
    m->sync_decode = 0;
  }
  m->skip = skip_parse(getenv("RWKV_SKIP"));
  m->twice = skip_parse(getenv("RWKV_TWICE"));
  m->nobar = skip_parse(getenv("RWKV_NOBAR"));
  m->dsync_check = env_u32("RWKV_DSYNC_CHECK", 0) != 0;
  /* (a count must follow the layer norm's stores: coherent ones where the residual adds'
   * programs, coherent already, do not run) */
  if (rc == RWKV_OK && m->dsync_on & ((1u << DS_LN_ATT) | (1u << DS_LN_FFN))) {
    rc = program(m, "rwkv_ln_mix", "#define NMIX 6\n#define RWKV_COHERENT coherent\n#define DSYNC_BINDING 6\n",
                 &p->ln_mix6c, err);
    if (rc == RWKV_OK)
      rc = program(m, "rwkv_ln_mix", "#define NMIX 1\n#define RWKV_COHERENT coherent\n#define DSYNC_BINDING 6\n",
                   &p->ln_mix1c, err);
  }
  if (rc == RWKV_OK && m->dsync_on) {
    static const uint32_t zeros[DS_EDGES * 32];
    rc = rwkv_gpu_buffer(m->gpu, sizeof zeros, zeros, &m->dsync_buf, err);
  }
  /* (the counting kernels: the decode weights' own programs for the edges on; weights whose
   * decode kernel is not the blocked one keep their barriers) */
  for (uint32_t l = 0; rc == RWKV_OK && m->dsync_on && l < m->d.n_layer; l++)
    for (int e = 0; rc == RWKV_OK && e < DS_EDGES; e++) {
      rwkv_mm_weight *w[DSYNC_WEIGHTS_MAX];
      uint32_t n = (m->dsync_on >> e) & 1u ? dsync_weights(&m->layers[l], e, w) : 0;
      for (uint32_t i = 0; rc == RWKV_OK && i < n; i++) /* (a second call for a weight: nothing) */
        if (w[i]->n_chunks && w[i]->kernel[0] == 2) rc = rwkv_mm_sync_init(m->gpu, w[i], err);
    }
  const char *ls = getenv("RWKV_LN_SPLIT"); /* channel slices per row (tests, tuning) */
  if (ls && atoi(ls) > 0) m->ln_split = (uint32_t)atoi(ls);
  const char *pe = getenv("RWKV_PROFILE");
  if (rc == RWKV_OK && pe && *pe && strcmp(pe, "0") != 0) m->prof = calloc(1, sizeof *m->prof);
  if (m->prof) m->prof->skip = env_u32("RWKV_PROFILE_SKIP", 0); /* passes left out (warm-ups) */
  if (m->prof && strcmp(pe, "finish") != 0) prof_timer_init(m);
  if (rc == RWKV_OK) rc = rwkv_gpu_buffer(m->gpu, 4 * (1 + RWKV_CHAIN_MAX), NULL, &m->argmax_buf, err);
  if (rc == RWKV_OK) rc = rwkv_gpu_buffer(m->gpu, 4 * (1 + RWKV_CHAIN_MAX), NULL, &m->chain_buf2, err);
  /* the argmax over several workgroups on GPUs, 4 logits an invocation (rwkv_argmax.comp;
   * RWKV_ARGMAX_WGS=N: that many, 1: one walks them all, as on llvmpipe) */
  m->argmax_wgs = rwkv_gpu_get_info(m->gpu)->software ? 1 : (m->d.n_vocab + 1023) / 1024;
  m->argmax_wgs = env_u32("RWKV_ARGMAX_WGS", m->argmax_wgs);
  if (m->argmax_wgs < 1) m->argmax_wgs = 1;
  if (m->argmax_wgs > ARGMAX_WGS_MAX) m->argmax_wgs = ARGMAX_WGS_MAX;
  if (rc == RWKV_OK && m->argmax_wgs > 1) {
    static const uint32_t zeros[1 + 2 * ARGMAX_WGS_MAX]; /* the count starts at 0 */
    rc = rwkv_gpu_buffer(m->gpu, sizeof zeros, zeros, &m->argmax_part, err);
  }
  if (rc == RWKV_OK) rc = persist_init(m, err);
  return rc;
}

static void free_buf(rwkv_model *m, unsigned *buf, uint64_t bytes) {
  if (*buf) rwkv_gpu_buffer_free(m->gpu, *buf, bytes);
  *buf = 0;
}

void forward_free(rwkv_model *m) {
  rwkv_gpu_program_forget(m->gpu, &m->prog, sizeof m->prog); /* (programs still queued for it) */
  prof_report(m);
  if (m->prof && m->prof->tq) {
    PFNGLDELETEQUERIESEXTPROC del = (PFNGLDELETEQUERIESEXTPROC)eglGetProcAddress("glDeleteQueriesEXT");
    if (del) del(PROF_QMAX, m->prof->q);
  }
  free(m->prof);
  m->prof = NULL;
  free_buf(m, &m->act_buf, m->act_floats * 4);
  free_buf(m, &m->out_buf, (uint64_t)m->out_rows * m->d.n_vocab * 4);
  free_buf(m, &m->hid_buf, (uint64_t)m->hid_rows * m->d.n_embd * 4);
  free_buf(m, &m->tok_buf, (uint64_t)m->act_rows * 4);
  free_buf(m, &m->seq_buf, (uint64_t)m->seq_cap * 4);
  free(m->tmap_host);
  m->tmap_host = NULL;
  free_buf(m, &m->argmax_buf, 4 * (1 + RWKV_CHAIN_MAX));
  free_buf(m, &m->chain_buf2, 4 * (1 + RWKV_CHAIN_MAX));
  free_buf(m, &m->argmax_part, 4 * (1 + 2 * ARGMAX_WGS_MAX));
  free_buf(m, &m->dsync_buf, DS_EDGES * 32 * 4);
  free_buf(m, &m->persist_sync, PERSIST_SYNC_BYTES);
  m->persist_prog = 0;
  for (int i = 0; i < R16_KINDS; i++) rwkv_mm_free(m->gpu, &m->r16[i].w);
  free_buf(m, &m->cand_buf, m->cand_bytes);
  free_buf(m, &m->pen_buf, m->pen_bytes);
  free(m->cand_host);
  m->cand_host = NULL;
}

/* *buf holds at least n units of `unit` bytes (*cap units now): a bigger one when not. */
static int grow(rwkv_model *m, unsigned *buf, uint32_t *cap, uint32_t n, uint64_t unit, rwkv_error *err) {
  if (n <= *cap) return RWKV_OK;
  free_buf(m, buf, (uint64_t)*cap * unit);
  *cap = 0;
  int rc = rwkv_gpu_buffer(m->gpu, (uint64_t)n * unit, NULL, buf, err);
  if (rc == RWKV_OK) *cap = n;
  return rc;
}

/* Scratch for R rows of B sequences, `outs` rows of logits and `hids` rows of embeddings. */
static int ensure_scratch(rwkv_model *m, uint32_t R, uint32_t B, uint32_t outs, uint32_t hids,
                          rwkv_error *err) {
  int rc = RWKV_OK;
  arena a = arena_layout(&m->d, R, B);
  if (a.total > m->act_floats || R > m->act_rows) {
    free_buf(m, &m->act_buf, m->act_floats * 4);
    free_buf(m, &m->tok_buf, (uint64_t)m->act_rows * 4);
    m->act_floats = a.total;
    m->act_rows = R;
    if ((rc = rwkv_gpu_buffer(m->gpu, a.total * 4, NULL, &m->act_buf, err)) != RWKV_OK ||
        (rc = rwkv_gpu_buffer(m->gpu, (uint64_t)R * 4, NULL, &m->tok_buf, err)) != RWKV_OK) {
      m->act_floats = m->act_rows = 0;
      return rc;
    }
  }
  /* (start, state) per sequence, then token_map's row lists */
  if ((rc = grow(m, &m->seq_buf, &m->seq_cap, 2 * B + R + 2 * B, 4, err)) != RWKV_OK) return rc;
  if ((rc = grow(m, &m->out_buf, &m->out_rows, outs, (uint64_t)m->d.n_vocab * 4, err)) != RWKV_OK) return rc;
  return grow(m, &m->hid_buf, &m->hid_rows, hids, (uint64_t)m->d.n_embd * 4, err);
}

/* ---- dispatch helpers ------------------------------------------------------------ */

static void use(rwkv_model *m, unsigned prog) {
  glUseProgram(prog);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 0, m->act_buf);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 1, m->par_buf);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 2, m->pool_buf);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 3, m->seq_buf);
}
/* Location of uniform `name` (a string literal: cached by address) in prog. */
static GLint uloc(rwkv_model *m, unsigned prog, const char *name) {
  size_t h = ((uintptr_t)name * 31u + prog) % UCACHE_SIZE;
  for (size_t i = 0; i < UCACHE_SIZE; i++, h = (h + 1) % UCACHE_SIZE) {
    ucache_entry *e = &m->ucache[h];
    if (e->name == name && e->prog == prog) return e->loc;
    if (!e->name) {
      e->prog = prog;
      e->name = name;
      e->loc = glGetUniformLocation(prog, name);
      return e->loc;
    }
  }
  return glGetUniformLocation(prog, name); /* cache full: still correct */
}
#define u32(prog, name, v) glUniform1ui(uloc(m, (prog), (name)), (v))
#define f32(prog, name, v) glUniform1f(uloc(m, (prog), (name)), (v))
static void run(uint32_t x, uint32_t y) {
  glDispatchCompute(x, y, 1);
  glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT);
}

/* ---- profile (RWKV_PROFILE=1) ---------------------------------------------------
 * Each step ends with a wait for the GPU (rwkv_gpu_wait) and its wall time is added to a per-step
 * total, printed by forward_free: where a pass spends its time. It serialises
 * the GPU, so totals are for finding the limit, not for speed figures. */
static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void prof_mark(rwkv_model *m, int step);

static void prof(rwkv_model *m, int step) {
  if (!m->prof) return;
  if (m->prof->tq) {
    prof_mark(m, step);
    return;
  }
  rwkv_gpu_wait(m->gpu, NULL);
  double t = now_us();
  m->prof->us[step] += t - m->prof->last;
  m->prof->calls[step]++;
  m->prof->last = t;
}

/* RWKV_PROFILE=1 uses GPU timestamps where the driver has EXT_disjoint_timer_query
 * (RWKV_PROFILE=finish: a wait per step, as on llvmpipe). */
static void prof_timer_init(rwkv_model *m) {
  model_prof *p = m->prof;
  const char *ext = (const char *)glGetString(GL_EXTENSIONS);
  if (!ext || !strstr(ext, "GL_EXT_disjoint_timer_query")) return;
  p->gen = (void (*)(void))eglGetProcAddress("glGenQueriesEXT");
  p->counter = (void (*)(void))eglGetProcAddress("glQueryCounterEXT");
  p->get = (void (*)(void))eglGetProcAddress("glGetQueryObjectui64vEXT");
  if (!p->gen || !p->counter || !p->get) return;
  ((PFNGLGENQUERIESEXTPROC)p->gen)(PROF_QMAX, p->q);
  while (glGetError() != GL_NO_ERROR) {
  }
  GLint disjoint = 0;
  glGetIntegerv(GL_GPU_DISJOINT_EXT, &disjoint); /* clears the flag */
  p->tq = 1;
}

/* Read the pass's timestamps: step i took t[i] - t[i-1]. */
static void prof_resolve(rwkv_model *m) {
  model_prof *p = m->prof;
  if (!p || !p->tq || p->nq < 2) {
    if (p) p->nq = 0;
    return;
  }
  GLuint64 prev = 0, t = 0;
  double us[PROF_STEPS] = {0};
  unsigned long long calls[PROF_STEPS] = {0};
  for (unsigned i = 0; i < p->nq; i++) {
    ((PFNGLGETQUERYOBJECTUI64VEXTPROC)p->get)(p->q[i], GL_QUERY_RESULT_EXT, &t);
    if (i > 0 && p->qstep[i] >= 0) {
      us[p->qstep[i]] += (double)(t - prev) / 1e3;
      calls[p->qstep[i]]++;
    }
    prev = t;
  }
  GLint disjoint = 0;
  glGetIntegerv(GL_GPU_DISJOINT_EXT, &disjoint);
  if (disjoint) p->discarded++; /* timer unreliable for this pass (e.g. clock change) */
  else
    for (int i = 0; i < PROF_STEPS; i++) {
      p->us[i] += us[i];
      p->calls[i] += calls[i];
    }
  p->nq = 0;
}

static void prof_mark(rwkv_model *m, int step) {
  model_prof *p = m->prof;
  if (p->nq == PROF_QMAX) { /* a very long pass: read what we have, go on from here */
    prof_resolve(m);
    step = -1;
  }
  ((PFNGLQUERYCOUNTEREXTPROC)p->counter)(p->q[p->nq], GL_TIMESTAMP_EXT);
  p->qstep[p->nq++] = step;
}

static const char *const prof_names[PROF_STEPS] = {
    "upload ids", "embed+ln0", "ln_mix (att)", "r,k,v", "lora first", "lora second", "wkv",
    "output (wo)", "ln_mix (ffn)", "ffn key", "ffn value", "store prev", "ln_out", "head"};

static void prof_report(rwkv_model *m) {
  if (!m->prof) return;
  double total = 0;
  for (int i = 0; i < PROF_STEPS; i++) total += m->prof->us[i];
  fprintf(stderr, "rwkv profile (%s, %u passes, %s): step, calls, total ms, us per call, share\n", m->path,
          m->prof->passes, m->prof->tq ? "GPU timestamps" : "a wait per step");
  if (m->prof->discarded) fprintf(stderr, "  (%u passes discarded: GPU timer disjoint)\n", m->prof->discarded);
  for (int i = 0; i < PROF_STEPS; i++)
    if (m->prof->calls[i])
      fprintf(stderr, "  %-14s %8llu %10.2f %9.1f %5.1f%%\n", prof_names[i], (unsigned long long)m->prof->calls[i],
              m->prof->us[i] / 1e3, m->prof->us[i] / (double)m->prof->calls[i], 100 * m->prof->us[i] / total);
}

/* Row groups of w over R rows of the arena: inside batch b when given (rwkv_mm_batch: no
 * barrier until its end, split-K reduces after its one barrier), else with a storage
 * barrier after them when wait (or !m->overlap); without one the next dispatch must neither
 * read their y nor write their x, and a later one puts the barrier (RWKV_OVERLAP=0 keeps
 * every barrier). */
static int mm_groups(rwkv_model *m, const rwkv_mm_weight *w, const rwkv_mm_group *g, uint32_t n, uint32_t R,
                     int wait, rwkv_mm_batch *b, rwkv_error *err) {
  if (m->dsync_cur) return rwkv_mm_dispatch_groups_sync(m->gpu, w, g, n, R, wait || !m->overlap, b, m->dsync_cur, err);
  if (b) return rwkv_mm_dispatch_groups_batch(m->gpu, w, g, n, R, b, err);
  return (wait || !m->overlap ? rwkv_mm_dispatch_groups : rwkv_mm_dispatch_groups_nb)(m->gpu, w, g, n, R, err);
}
/* y = (acc ? y : 0) + act(W.x) over R rows of the arena (mm_groups for wait and b). */
static int mm_run(rwkv_model *m, const rwkv_mm_weight *w, uint32_t x, uint32_t y, uint32_t R, int act,
                  int acc, int wait, rwkv_mm_batch *b, rwkv_error *err) {
  rwkv_mm_group g = {0, w->M, m->act_buf, x, w->K, m->act_buf, y, w->M, acc, act};
  return mm_groups(m, w, &g, 1, R, wait, b, err);
}
static int mm(rwkv_model *m, const rwkv_mm_weight *w, uint32_t x, uint32_t y, uint32_t R, int acc,
              rwkv_error *err) {
  return mm_run(m, w, x, y, R, RWKV_MM_ACT_NONE, acc, 1, NULL, err);
}
static int mm_act(rwkv_model *m, const rwkv_mm_weight *w, uint32_t x, uint32_t y, uint32_t R, int act,
                  rwkv_error *err) {
  return mm_run(m, w, x, y, R, act, 0, 1, NULL, err);
}
static int mm_nb(rwkv_model *m, const rwkv_mm_weight *w, uint32_t x, uint32_t y, uint32_t R, int act,
                 rwkv_error *err) {
  return mm_run(m, w, x, y, R, act, 0, 0, NULL, err);
}

/* RWKV_SKIP=step,...: leave those steps' dispatches out of every pass (names as in the
 * profile: ln_att, rkv, lora1, lora2, wkv, wo, ln_ffn, ffn_key, ffn_value, head). Garbage out: for
 * measuring what each step costs inside the real sequence of dispatches (bench-profile),
 * which per-step timestamps inflate. */
#define SKIP(m, step) (((m)->skip >> (step)) & 1u)
#define TWICE(m, step) (((m)->twice >> (step)) & 1u)
/* RWKV_NOBAR=ln_att,rkv,wkv,wo,ln_ffn,ffn_key,ffn_value (diagnostic, decode; garbage out): no
 * barrier after those steps, so that the next one may start before they end: what overlapping
 * them could win at most (ln_att, ln_ffn and ffn_key leave the residual adds' early start on) */
#define NOBAR(m, step, T) ((T) == 1 && (((m)->nobar >> (step)) & 1u))
static uint32_t skip_parse(const char *e) {
  static const struct { const char *name; int step; } st[] = {
      {"ln_att", PROF_LN_ATT}, {"rkv", PROF_RKV}, {"lora1", PROF_LORA1}, {"lora2", PROF_LORA2},
      {"wkv", PROF_WKV}, {"wo", PROF_WO}, {"ln_ffn", PROF_LN_FFN}, {"ffn_key", PROF_FFN_KEY},
      {"ffn_value", PROF_FFN_VALUE}, {"head", PROF_HEAD}};
  uint32_t mask = 0;
  for (size_t i = 0; e && i < sizeof st / sizeof *st; i++) {
    size_t n = strlen(st[i].name);
    for (const char *p = strstr(e, st[i].name); p; p = strstr(p + 1, st[i].name))
      if ((p == e || p[-1] == ',') && (p[n] == ',' || p[n] == 0)) mask |= 1u << st[i].step;
  }
  return mask;
}

/* A decode layer norm's part in the early starts (wkv_early, res_early): the arena floats
 * [arm_off, arm_off + arm_n) it marks for the WKV step; the pending outputs add1 / add2 (arena
 * offsets, 0: none) it adds to x, through the LN_WAIT programs only. */
typedef struct ln_early {
  uint32_t arm_off, arm_n, add1, add2;
  uint32_t xo_on, xo, arm2_off, arm2_n; /* (LN_WAIT programs: x plus the adds written at xo
                                         * when xo_on; a second range marked) */
  uint32_t cnt_slot; /* != 0: its workgroups count themselves done in dsync counter cnt_slot -
                      * 1 and no barrier follows (the matmuls after it wait on the count) */
} ln_early;

/* One ln_mix dispatch: LN(x) with (w, b), token shift lerps into mix (e: NULL, or its part
 * in the early starts). */
static void ln_mix(rwkv_model *m, unsigned prog, const arena *a, uint32_t T, uint32_t R, uint32_t par,
                   uint32_t ln_w, uint32_t ln_b, uint32_t lerp, uint32_t out, uint32_t last, uint32_t prev_off,
                   uint32_t store_from, uint32_t store_to, const ln_early *e) {
  static const ln_early none = {0, 0, 0, 0, 0, 0, 0, 0, 0};
  if (!e) e = &none;
  uint32_t D = m->d.n_embd;
  if (e->cnt_slot && prog == m->prog.ln_mix6) prog = m->prog.ln_mix6c;
  if (e->cnt_slot && prog == m->prog.ln_mix1) prog = m->prog.ln_mix1c;
  use(m, prog);
  u32(prog, "arm_off", e->arm_off); u32(prog, "arm_n", e->arm_n);
  u32(prog, "cnt_slot", e->cnt_slot); /* (absent from the programs that never count: ignored) */
  if (e->cnt_slot) glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 6, m->dsync_buf);
  if (prog == m->prog.ln_mix6w || prog == m->prog.ln_mix1w) {
    /* (distances past x: the slots lie above both x buffers, arena_layout) */
    u32(prog, "add1_d", e->add1 ? e->add1 - a->x : 0); u32(prog, "add2_d", e->add2 ? e->add2 - a->x : 0);
    u32(prog, "xo_on", e->xo_on); u32(prog, "xo_off", e->xo);
    u32(prog, "arm2_off", e->arm2_off); u32(prog, "arm2_n", e->arm2_n);
  }
  u32(prog, "D", D); u32(prog, "T", T); u32(prog, "R", R);
  u32(prog, "x_off", a->x); u32(prog, "mix_off", out); u32(prog, "last_off", last);
  u32(prog, "store_from", store_from); u32(prog, "store_to", store_to);
  u32(prog, "ln_w", par + ln_w * D); u32(prog, "ln_b", par + ln_b * D);
  u32(prog, "lerp_off", par + lerp * D); u32(prog, "prev_off", prev_off);
  f32(prog, "eps", m->d.eps);
  /* few rows (decode): split each row's channels over several workgroups, which
   * all recompute the row's statistics, so that one workgroup's latency is not
   * the whole step's; on GPUs 64 channels a workgroup (H100 decode, three interleaved
   * rounds, bench/h100_s22l.sh: 2.9B F16 4.724-4.729 -> 4.695-4.714 ms a token with 40
   * slices, not 10; Q4_K_M 4.074-4.086 -> 4.059-4.069; 0.1B 12 slices, not 3, 0.667-0.677 ->
   * 0.663-0.673; 20 / 80 alike); llvmpipe pays for every recomputation: one channel an
   * invocation */
  int sw = rwkv_gpu_get_info(m->gpu)->software;
  uint32_t wg = row_wg(m), per = sw ? wg : 64;
  uint32_t slices = R < 16 ? (D + per - 1) / per : 1;
  /* mid-sized passes on GPUs (the 10 fields' 160 rows): slices enough for one wave of
   * workgroups (RWKV_GPU_ONE_WAVE), at least 64 channels each: 2.9B Q4_K_M 10 fields 33.44-33.52 ->
   * 33.21-33.30 ms with 4 slices, F16 33.62 -> 33.22-33.25, 0.1B 3.41-3.46 -> 3.37 (3);
   * pp512 with 2 slices 0.2% slower (bench/h100_s26g.sh) */
  if (R >= 16 && R < 264 && !sw) {
    slices = (RWKV_GPU_ONE_WAVE + R - 1) / R;
    if (slices > (D + 63) / 64) slices = (D + 63) / 64;
  }
  if (m->ln_split) slices = m->ln_split;
  uint32_t cs = (D + slices - 1) / slices;
  u32(prog, "cslice", cs);
  glDispatchCompute(R, (D + cs - 1) / cs, 1);
  if (e->cnt_slot) m->dsync_n[e->cnt_slot - 1] += R * ((D + cs - 1) / cs);
  else if (!NOBAR(m, lerp == PAR_FFN_LERP ? PROF_LN_FFN : PROF_LN_ATT, T))
    glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT);
}

/* Whether decode's dispatch counters replace the barrier of edge e (DS_*) in a pass of T rows
 * a sequence (not with the diagnostics that leave steps or barriers out). */
static int dsync_edge(const rwkv_model *m, int e, uint32_t T) {
  return T == 1 && m->dsync_buf && ((m->dsync_on >> e) & 1u) && m->overlap && !m->skip && !m->twice && !m->nobar;
}
/* ... and whether every weight of that edge in layer l (those absent aside) can take part in
 * a dispatch of R rows: its blocked decode kernel's counting program (dsync_weights) */
static int dsync_layer_ok(rwkv_model *m, uint32_t l, int e, uint32_t R) {
  rwkv_mm_weight *w[DSYNC_WEIGHTS_MAX];
  uint32_t n = dsync_weights(&m->layers[l], e, w);
  for (uint32_t i = 0; i < n; i++)
    if (w[i]->n_chunks && !rwkv_mm_sync_ok(w[i], R)) return 0;
  return 1;
}
/* The FFN value's edge in layer l (a pass of R rows, T a sequence): the key and the value on
 * their blocked decode kernels, not on f16 rows or the key with a prologue */
static int dsync_ffn_value(rwkv_model *m, uint32_t l, uint32_t T, uint32_t R) {
  return dsync_edge(m, DS_FFN_KEY, T) && !m->layers[l].ffn_key.prog_pro && !rows16_on(m, R16_KEY, l, R) &&
         !rows16_on(m, R16_VALUE, l, R) && dsync_layer_ok(m, l, DS_FFN_KEY, R);
}

/* ---- the pass ------------------------------------------------------------------------ */

/* The grouped dispatch's groups for the parts of a stack (bit i of parts: pg[i] is in it),
 * their rows one after another in pg's order; the caller runs the other parts alone. */
static uint32_t stack_groups(unsigned parts, const rwkv_mm_group *pg, uint32_t np, rwkv_mm_group *g) {
  uint32_t ng = 0, row = 0;
  for (uint32_t i = 0; i < np; i++)
    if (parts & (1u << i)) {
      g[ng] = pg[i];
      g[ng++].row0 = row;
      row += pg[i].rows;
    }
  return ng;
}

/* The r / k / v matmuls of layer l's attention inputs (time_mix_inputs; T rows a sequence):
 * the stacked ones (all three, or two of one type where the third differs: Q4_K_M's Q6_K v) as
 * one grouped dispatch, rows in r, k, v order, the others alone; rows: RKV_QUANT as stored,
 * RKV_LONE16 the others on rows16's f16 rows (R16_LONE), RKV_ALL16 all three as one rows16
 * stack. No barrier of their own: the LoRA first stages read the mixes, not r / k / v, and
 * may run alongside (m->overlap; RWKV_OVERLAP=0: a barrier after every dispatch); the LoRA
 * stages' last dispatch (or the batch's end) puts it. */
enum { RKV_QUANT, RKV_LONE16, RKV_ALL16 };
static int rkv_dispatch(rwkv_model *m, uint32_t l, const arena *a, uint32_t T, uint32_t R, int rows,
                        rwkv_mm_batch *b, rwkv_error *err) {
  const model_layer *W = &m->layers[l];
  uint32_t D = m->d.n_embd, RD = R * D, xr = a->mix, xk = xr + 2 * RD, xv = xk + RD;
  const rwkv_mm_group pg[3] = {
      {0, D, m->act_buf, xr, D, m->act_buf, a->r, D, 0, RWKV_MM_ACT_NONE},
      {0, D, m->act_buf, xk, D, m->act_buf, a->k, D, 0, RWKV_MM_ACT_NONE},
      {0, D, m->act_buf, xv, D, m->act_buf, a->v, D, 0, RWKV_MM_ACT_NONE}};
  const rwkv_mm_weight *pw[3] = {&W->wr, &W->wk, &W->wv};
  rwkv_mm_group g[3];
  uint32_t ng = stack_groups(W->rkv_parts, pg, 3, g);
  int rc = RWKV_OK;
  if (rows == RKV_ALL16) { /* all three as one stack, rows as rows16_parts orders them */
    for (uint32_t i = 0; i < 3; i++)
      if (!(W->rkv_parts & (1u << i))) {
        g[ng] = pg[i];
        g[ng].row0 = ng ? g[ng - 1].row0 + g[ng - 1].rows : 0;
        ng++;
      }
    return mm_groups(m, &m->r16[R16_RKV].w, g, ng, R, 0, b, err);
  }
  /* decode: the stack (the Q4_K_M's q4_K r|k, 5120 rows) before the lone part (its q6_K v):
   * H100 3.995-3.996 -> 3.983-3.984 ms a token; in the 10 fields that order lost 0.3%
   * (bench/h100_s29j.sh) */
  int stack_first = T == 1;
  if (stack_first && ng) rc = mm_groups(m, &W->rkv, g, ng, R, 0, b, err);
  for (uint32_t i = 0, row = 0; i < 3 && !rc; i++)
    if (!(W->rkv_parts & (1u << i))) {
      rwkv_mm_group gi = pg[i]; /* (R16_LONE's rows: the lone parts in r, k, v order) */
      gi.row0 = rows == RKV_LONE16 ? row : 0;
      rc = mm_groups(m, rows == RKV_LONE16 ? &m->r16[R16_LONE].w : pw[i], &gi, 1, R, 0, b, err);
      row += pg[i].rows;
    }
  if (!rc && ng && !stack_first) rc = mm_groups(m, &W->rkv, g, ng, R, 0, b, err);
  return rc;
}

/* The LoRA first stages of layer l: w, a, g, v (layer 0: no v), the parts outside the stack
 * (W->lora1_parts) on their own, none waiting, then the stack's groups (rows in this order),
 * whose dispatch puts the barrier (outside a batch); with no stack the last part puts it.
 * In a batch (b) nothing waits and the order is free. */
static int lora1_dispatch(rwkv_model *m, uint32_t l, const arena *a, uint32_t R, rwkv_mm_batch *b,
                          rwkv_error *err) {
  const rwkv7_desc *d = &m->d;
  const model_layer *W = &m->layers[l];
  uint32_t D = d->n_embd, RD = R * D, xw = a->mix + RD, xv = xw + 2 * RD, xa = xv + RD, xg = xa + RD;
  uint32_t rw = d->rank_w, ra = d->rank_a, rv = d->rank_v, rg = d->rank_g;
  const rwkv_mm_group pg[4] = {
      {0, rw, m->act_buf, xw, D, m->act_buf, a->wh, rw, 0, RWKV_MM_ACT_TANH},
      {0, ra, m->act_buf, xa, D, m->act_buf, a->ah, ra, 0, RWKV_MM_ACT_NONE},
      {0, rg, m->act_buf, xg, D, m->act_buf, a->gh, rg, 0, RWKV_MM_ACT_SIGMOID},
      {0, rv, m->act_buf, xv, D, m->act_buf, a->vh, rv, 0, RWKV_MM_ACT_NONE}};
  const rwkv_mm_weight *pw[4] = {&W->w1, &W->a1, &W->g1, &W->v1};
  rwkv_mm_group g[4];
  uint32_t np = l > 0 ? 4 : 3, ng = stack_groups(W->lora1_parts, pg, np, g), last = np;
  int rc = RWKV_OK;
  for (uint32_t i = 0; i < np; i++)
    if (!(W->lora1_parts & (1u << i))) last = i;
  /* in a batch of a short prefill (2-256 rows: the 10 fields' 160) the stack goes before the
   * lone parts (llama.cpp's f32 w1): H100, 10 fields 2.9B Q4_K_M 32.57-32.67 -> 32.34-32.51 ms,
   * F16 33.16-33.33 -> 33.00-33.08; pp512 and decode alike either way (bench/h100_s29k.sh) */
  int stack_first = b && R > 1 && R <= 256;
  if (stack_first && ng) rc = mm_groups(m, &W->lora1, g, ng, R, 1, b, err);
  for (uint32_t i = 0; i < np && !rc; i++)
    if (!(W->lora1_parts & (1u << i)))
      rc = mm_groups(m, pw[i], &pg[i], 1, R, !W->lora1_parts && i == last, b, err);
  if (!rc && ng && !stack_first) rc = mm_groups(m, &W->lora1, g, ng, R, 1, b, err);
  return rc;
}

/* Time mix inputs: xa = LN1(x); x_c = xa + (prev - xa) * lerp_c for c in r, w, k, v, a, g
 * (and the previous layer's ffn_prev, waiting in last_ffn, into the state); then r, k, v
 * and the low-rank paths' first stages (w: tanh, a, v: linear, g: sigmoid), as two grouped
 * dispatches over the stacked weights (one matmul each where the types differ). */
static int time_mix_inputs(rwkv_model *m, uint32_t l, const arena *a, uint32_t T, uint32_t R,
                           uint32_t store_from, uint32_t store_to, rwkv_error *err) {
  uint32_t par = l * PAR_PER_LAYER * m->d.n_embd, lay = (uint32_t)(l * m->layer_floats);
  int rc = RWKV_OK;
  /* r / k / v on f16 rows (rows16): decoded here where the last WKV step did not, beside
   * the layer norm (its barrier covers both) */
  int f16 = !SKIP(m, PROF_RKV) && rows16_on(m, R16_RKV, l, R);
  int lone16 = !SKIP(m, PROF_RKV) && !f16 && rows16_on(m, R16_LONE, l, R);
  if (f16 && (rc = rows16_fill(m, R16_RKV, l, err)) != RWKV_OK) return rc;
  if (lone16 && (rc = rows16_fill(m, R16_LONE, l, err)) != RWKV_OK) return rc;
  if ((f16 || lone16) && SKIP(m, PROF_LN_ATT)) glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT);
  rwkv_mm_batch bt = {0}, *b = m->mm_batch && m->overlap ? &bt : NULL;
  /* decode's WKV step waits on r / k / v and the LoRA hidden vectors themselves (m->wkv_early):
   * the layer norm marks them (arena slots r .. gh, contiguous), no barrier after the batch */
  int early = T == 1 && b && m->lora_fused && m->wkv_early && !(m->skip & ((1u << PROF_LN_ATT) |
              (1u << PROF_RKV) | (1u << PROF_LORA1) | (1u << PROF_WKV)));
  /* res_early (a->aop: not in layer 0): LN of the layer before's x (xin) plus its pending Wo /
   * FFN value outputs, written as this layer's x; this layer's slots for them marked */
  uint32_t D = m->d.n_embd, res = m->res_pass;
  int ds = !f16 && !lone16 && dsync_edge(m, DS_LN_ATT, T) && dsync_layer_ok(m, l, DS_LN_ATT, R);
  ln_early le = {a->r, early ? a->wl - a->r : 0, res ? a->aop : 0, res ? a->fop : 0,
                 res && a->aop, a->x, res ? a->ao : 0, res ? 2 * R * D : 0, ds ? DS_LN_ATT + 1 : 0};
  arena ai = *a;
  ai.x = a->xin;
  if (!SKIP(m, PROF_LN_ATT)) {
    for (uint32_t k = 0; k <= TWICE(m, PROF_LN_ATT); k++) /* RWKV_TWICE=ln_att: as wkv below */
      ln_mix(m, res ? m->prog.ln_mix6w : m->prog.ln_mix6, &ai, T, R, par, PAR_LN1_W, PAR_LN1_B, PAR_LERP,
             a->mix, a->last, lay, store_from, store_to, &le);
    prof(m, PROF_LN_ATT);
  }
  /* r / k / v and the LoRA first stages are independent (they read the mixes): as one batch
   * (m->mm_batch) their split-K pieces run side by side and their reduces after one barrier
   * (bench/RESULTS.md "Session 18"); RWKV_MM_BATCH=0: each split waits for its own reduce */
  /* in a batch, the LoRA first stages go first in passes of 257-512 rows (r / k / v then run
   * in the split rules' few pieces, the LoRA stages in 8): H100, pp512 2.9B F16 102.2 -> 101.2
   * ms a pass, Q4_K_M 102.2 -> 101.3; with 1024 rows that order lost 0.3-0.4%, in the 10
   * fields 0.5% for the Q4_K_M and up to 8% for the 0.1B (bench/h100_s29h.sh), so r / k / v
   * go first there (their workgroups' lengths in K slices did not predict it).
   * RWKV_LORA1_FIRST=0|1 forces an order. */
  int first = b && !SKIP(m, PROF_LORA1) &&
              (m->lora1_first >= 0 ? m->lora1_first : R > 256 && R <= 512);
  /* (dsync: every matmul below waits on the layer norm's count) */
  rwkv_mm_sync sy = {m->dsync_buf, DS_LN_ATT + 1, m->dsync_n[DS_LN_ATT], 0, 0};
  m->dsync_cur = ds ? &sy : NULL;
  if (first) rc = lora1_dispatch(m, l, a, R, b, err);
  if (!rc && !SKIP(m, PROF_RKV)) rc = rkv_dispatch(m, l, a, T, R, f16 ? RKV_ALL16 : lone16 ? RKV_LONE16 : RKV_QUANT, b, err);
  if (rc) return m->dsync_cur = NULL, rc;
  prof(m, PROF_RKV);
  if (SKIP(m, PROF_LORA1)) {
    rwkv_mm_batch_end(m->gpu, b);
    glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT); /* for r / k / v */
  } else {
    if (!first) rc = lora1_dispatch(m, l, a, R, b, err);
    if (!rc && (early || NOBAR(m, PROF_RKV, T)) && b && !b->n) b->pending = 0;
    else if (!rc) rwkv_mm_batch_end(m->gpu, b);
  }
  m->dsync_cur = NULL;
  prof(m, PROF_LORA1);
  return rc;
}

/* The same for decode with prologues (ln_fuse_init, RWKV_LN_FUSE=1): the r/k/v and
 * LoRA-first matmuls compute LN1 and their mixes per workgroup (a group's xoff is its
 * lerp vector in par); the r/k/v dispatch writes last and does the ffn_prev store. */
static int time_mix_inputs_fused(rwkv_model *m, uint32_t l, const arena *a, uint32_t R,
                                 uint32_t store_from, uint32_t store_to, rwkv_error *err) {
  const rwkv7_desc *d = &m->d;
  const model_layer *W = &m->layers[l];
  uint32_t D = d->n_embd, par = l * PAR_PER_LAYER * D, lp = par + PAR_LERP * D;
  uint32_t lay = (uint32_t)(l * m->layer_floats);
  uint32_t rw = d->rank_w, ra = d->rank_a, rv = d->rank_v, rg = d->rank_g;
  /* the LoRA first stages read x and the mixes, not r / k / v: with m->overlap no barrier
   * between the two dispatches (theirs covers both) */
  rwkv_mm_prologue pa = {m->par_buf, m->pool_buf, m->seq_buf, a->x, par + PAR_LN1_W * D,
                         par + PAR_LN1_B * D, d->eps, lay, 1, a->last, store_from, store_to, m->overlap};
  rwkv_mm_group g[3] = {
      {0, D, m->act_buf, lp, D, m->act_buf, a->r, D, 0, RWKV_MM_ACT_NONE},
      {D, D, m->act_buf, lp + 2 * D, D, m->act_buf, a->k, D, 0, RWKV_MM_ACT_NONE},
      {2 * D, D, m->act_buf, lp + 3 * D, D, m->act_buf, a->v, D, 0, RWKV_MM_ACT_NONE}};
  int rc = rwkv_mm_dispatch_prologue(m->gpu, &W->rkv, g, 3, R, &pa, err);
  prof(m, PROF_RKV);
  rwkv_mm_group h[4] = {
      {0, rw, m->act_buf, lp + D, D, m->act_buf, a->wh, rw, 0, RWKV_MM_ACT_TANH},
      {rw, ra, m->act_buf, lp + 4 * D, D, m->act_buf, a->ah, ra, 0, RWKV_MM_ACT_NONE},
      {rw + ra, rg, m->act_buf, lp + 5 * D, D, m->act_buf, a->gh, rg, 0, RWKV_MM_ACT_SIGMOID},
      {rw + ra + rg, rv, m->act_buf, lp + 3 * D, D, m->act_buf, a->vh, rv, 0, RWKV_MM_ACT_NONE}};
  pa.write_last = 0;
  pa.no_barrier = 0;
  if (!rc) rc = rwkv_mm_dispatch_prologue(m->gpu, &W->lora1, h, l > 0 ? 4 : 3, R, &pa, err);
  prof(m, PROF_LORA1);
  return rc;
}

/* res_early, after the last layer: x (the arena's) <- that layer's x (a->x) plus its pending
 * Wo / FFN value outputs, R rows (rwkv_misc.comp MODE_FOLD), then a barrier. */
static void fold(rwkv_model *m, uint32_t x, const arena *a, uint32_t R) {
  unsigned p = m->prog.fold;
  use(m, p);
  u32(p, "off", x); u32(p, "src", a->x); u32(p, "n", R * m->d.n_embd); u32(p, "a1", a->ao); u32(p, "a2", a->fo);
  glDispatchCompute((R * m->d.n_embd + 255) / 256, 1, 1);
  glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT);
}

/* Time mix of layer l (attention's place in RWKV): x += Wo.(wkv(...)). */
static int time_mix(rwkv_model *m, uint32_t l, const arena *a, uint32_t B, uint32_t T, rwkv_error *err) {
  const rwkv7_desc *d = &m->d;
  const model_layer *W = &m->layers[l];
  uint32_t R = B * T, lay = (uint32_t)(l * m->layer_floats);
  uint32_t store_from = l > 0 ? a->last_ffn : 0, store_to = l > 0 ? lay - (uint32_t)m->layer_floats + d->n_embd : 0;

  /* layer norm, token-shift mixes, r/k/v, LoRA first stages */
  int rc = T == 1 && W->rkv.prog_pro && W->lora1.prog_pro && lora1_whole(W, l)
               ? time_mix_inputs_fused(m, l, a, R, store_from, store_to, err)
               : time_mix_inputs(m, l, a, T, R, store_from, store_to, err);
  if (rc) return rc;

  /* LoRA second stages: inside the WKV kernel for one token per sequence, else matmuls */
  int fused = T == 1 && m->lora_fused;
  int l2 = !fused && !SKIP(m, PROF_LORA2);
  int scan = scan_on(m, B, T);
  /* the gate's (g, the widest) only the scan's last step reads: it runs beside the scan
   * when the scan is long enough to hide it unsplit, m->g_late (RWKV_G_LATE) steps or more
   * (H100: 2.9B pp512 +1.5-2%, 1.5B +1.6%; the 0.1B's 10 fields, 16 steps, 3.5 -> 4.2+ ms) */
  int g_late = scan && m->g_late && T >= m->g_late && !SKIP(m, PROF_WKV) && l2;
  rwkv_mm_batch lb = {0}, *lbp = m->mm_batch && m->overlap && !g_late ? &lb : NULL;
  if (!rc && l2 && lbp) {
    /* as one batch (their splits reduced together after one barrier), the gate's first (K =
     * 320 in pieces, the others' K 64-96 whole): H100, 10 fields 2.9B Q4_K_M 32.43-32.54 ->
     * 32.33-32.47 ms against three, then the gate's split with its own reduce
     * (bench/h100_s29m.sh) */
    rc = mm_run(m, &W->g2, a->gh, a->g, R, RWKV_MM_ACT_NONE, 0, 0, lbp, err);
    if (!rc) rc = mm_run(m, &W->w2, a->wh, a->wl, R, RWKV_MM_ACT_NONE, 0, 0, lbp, err);
    if (!rc) rc = mm_run(m, &W->a2, a->ah, a->al, R, RWKV_MM_ACT_NONE, 0, 0, lbp, err);
    if (!rc && l > 0) rc = mm_run(m, &W->v2, a->vh, a->vl, R, RWKV_MM_ACT_NONE, 0, 0, lbp, err);
    rwkv_mm_batch_end(m->gpu, lbp);
  } else if (!rc && l2) {
    /* (independent of each other: only the last waits, g's or, with g_late, v's (a's in
     * layer 0, which has no v LoRA): mm_act waits) */
    int wait_a = g_late && l == 0, wait_v = g_late;
    rc = mm_nb(m, &W->w2, a->wh, a->wl, R, RWKV_MM_ACT_NONE, err);
    if (!rc) rc = (wait_a ? mm_act : mm_nb)(m, &W->a2, a->ah, a->al, R, RWKV_MM_ACT_NONE, err);
    if (!rc && l > 0) rc = (wait_v ? mm_act : mm_nb)(m, &W->v2, a->vh, a->vl, R, RWKV_MM_ACT_NONE, err);
    if (!rc && !g_late) rc = mm(m, &W->g2, a->gh, a->g, R, 0, err);
  }
  if (rc) return rc;
  if (!fused) prof(m, PROF_LORA2);

  /* the WKV-7 recurrence per head, group norm, bonus and gate -> y; att_prev <- xa
   * (dsync: Wo waiting on the fused kernel's count, with no barrier between; not in a pass
   * with the residual adds' early start, whose FFN layer norm reads this layer's x, written
   * by the attention layer norm, before its wait: the barrier here is what orders them; no
   * rows16 decodes beside) */
  int ds_wo = fused && !scan && !m->res_pass && dsync_edge(m, DS_WKV, T) && R < 128 && m->prog.wkv_lora_cnt &&
              !SKIP(m, PROF_WKV) && !SKIP(m, PROF_WO) && dsync_layer_ok(m, l, DS_WKV, R);
  if (!SKIP(m, PROF_WKV)) {
    /* RWKV_TWICE=wkv: the one-kernel step again, right after (a warm repeat; garbage out) */
    const model_progs *p = &m->prog;
    if (scan && ((!p->wkv_scan && (rc = rwkv_gpu_program_need(m->gpu, &p->wkv_scan, err))) ||
                 (!p->wkv_pre && (rc = rwkv_gpu_program_need(m->gpu, &p->wkv_pre, err))) ||
                 (!p->wkv_post && (rc = rwkv_gpu_program_need(m->gpu, &p->wkv_post, err)))))
      return rc;
    for (uint32_t k = 0; k <= (scan ? 0 : TWICE(m, PROF_WKV)); k++)
      if (scan) rc = wkv_scan(m, l, a, B, T, g_late, err);
      else {
        /* (rows16's decodes beside the one-kernel step too, under its barrier;
         * RWKV_R16_BESIDE=0: each just before its matmul) */
        wkv_one(m, l, a, B, T, fused, ds_wo);
        if (k == 0 && m->r16_beside) rc = rows16_beside(m, l, R, err);
        if (!NOBAR(m, PROF_WKV, T) && !ds_wo) glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT);
      }
    if (rc) return rc;
  }
  prof(m, PROF_WKV);
  rwkv_mm_sync sw = {m->dsync_buf, DS_WKV + 1, m->dsync_n[DS_WKV], 0, 0};
  m->dsync_cur = ds_wo ? &sw : NULL;

  /* x += Wo.y (in the last layer only for the rows whose output or ffn_prev is kept, when
   * token_map listed them: the FFN after it then runs on them alone) */
  if (l + 1 == d->n_layer && m->tail_n) rwkv_gpu_set_token_map(m->gpu, m->seq_buf, m->tail_off, R, m->tail_n);
  int rc2 = SKIP(m, PROF_WO) ? RWKV_OK
            : m->res_pass ? mm_run(m, &W->wo, a->y, a->ao, R, RWKV_MM_ACT_NONE, 0, 0, NULL, err)
                          : mm_run(m, &W->wo, a->y, a->x, R, RWKV_MM_ACT_NONE, 1, !NOBAR(m, PROF_WO, T), NULL, err);
  m->dsync_cur = NULL;
  prof(m, PROF_WO);
  return rc2;
}

/* rwkv_wkv.comp's uniforms of layer l, T rows a sequence, but the fused LoRA's (prog p in use). */
static void wkv_uniforms(rwkv_model *m, unsigned p, uint32_t l, const arena *a, uint32_t T) {
  uint32_t D = m->d.n_embd, par = l * PAR_PER_LAYER * D;
  u32(p, "D", D); u32(p, "T", T); u32(p, "layer0", l == 0); u32(p, "lay", (uint32_t)(l * m->layer_floats));
  u32(p, "r_off", a->r); u32(p, "k_off", a->k); u32(p, "v_off", a->v);
  u32(p, "wl_off", a->wl); u32(p, "al_off", a->al); u32(p, "vl_off", a->vl); u32(p, "g_off", a->g);
  u32(p, "vfirst_off", a->vfirst); u32(p, "y_off", a->y); u32(p, "last_off", a->last);
  u32(p, "w0", par + PAR_W0 * D); u32(p, "a0", par + PAR_A0 * D); u32(p, "v0", par + PAR_V0 * D);
  u32(p, "k_k", par + PAR_K_K * D); u32(p, "k_a", par + PAR_K_A * D); u32(p, "r_k", par + PAR_R_K * D);
  u32(p, "lnx_w", par + PAR_LNX_W * D); u32(p, "lnx_b", par + PAR_LNX_B * D);
  f32(p, "gn_eps", 1e-5f * (float)m->d.head_size);
}

/* The WKV step in one kernel (glsl/rwkv_wkv.comp): one workgroup per (head, sequence)
 * walks the tokens; with fused, the LoRA second stages are computed inside it. No barrier
 * (the caller's). */
static void wkv_one(rwkv_model *m, uint32_t l, const arena *a, uint32_t B, uint32_t T, int fused, int count) {
  const rwkv7_desc *d = &m->d;
  const model_layer *W = &m->layers[l];
  unsigned p = count ? m->prog.wkv_lora_cnt : fused ? m->prog.wkv_lora : m->prog.wkv;
  use(m, p);
  if (count) { /* (dsync: its workgroups count themselves done for Wo) */
    glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 8, m->dsync_buf);
    u32(p, "cnt_slot", DS_WKV + 1);
    m->dsync_n[DS_WKV] += d->n_head * B;
  }
  if (fused) {
    glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 4, W->w2.chunks[0].buf);
    glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 5, W->a2.chunks[0].buf);
    glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 6, l ? W->v2.chunks[0].buf : m->lora_v0_buf);
    glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 7, W->g2.chunks[0].buf);
    u32(p, "rank_w", d->rank_w); u32(p, "rank_a", d->rank_a);
    u32(p, "rank_v", d->rank_v); u32(p, "rank_g", d->rank_g);
    u32(p, "wh_off", a->wh); u32(p, "ah_off", a->ah); u32(p, "vh_off", a->vh); u32(p, "gh_off", a->gh);
    /* row strides in elements; layer 0's v dot reads w2 behind layer0 == 0 (no V_ALWAYS) */
    u32(p, "st_w", (uint32_t)(W->w2.stride / lora_bytes(W->w2.type)));
    u32(p, "st_a", (uint32_t)(W->a2.stride / lora_bytes(W->a2.type)));
    u32(p, "st_v", l ? (uint32_t)(W->v2.stride / lora_bytes(W->v2.type)) : 0u);
    u32(p, "st_g", (uint32_t)(W->g2.stride / lora_bytes(W->g2.type)));
  }
  wkv_uniforms(m, p, l, a, T);
  glDispatchCompute(d->n_head, B, 1);
}

/* The WKV step as a parallel scan: (1) per (head, row) the scan's inputs in place
 * (decay, kk, b = kk*a, k, v; rwkv_wkv_pre.comp); (2) every row of every head's S
 * walks the tokens on its own (rwkv_wkv_scan.comp), raw o -> y, S and att_prev back
 * to the state; (3) per (head, row) group norm, bonus and gate, y in place
 * (rwkv_wkv_post.comp). With g_late the gate's LoRA second stage (g = g2.gh, read only
 * by (3)) runs beside (2), unsplit (the scans leave most of the GPU's ALUs idle), and (2)'s
 * barrier covers both. */
static int wkv_scan(rwkv_model *m, uint32_t l, const arena *a, uint32_t B, uint32_t T, int g_late,
                    rwkv_error *err) {
  const rwkv7_desc *d = &m->d;
  uint32_t D = d->n_embd, R = B * T, par = l * PAR_PER_LAYER * D;
  uint32_t lay = (uint32_t)(l * m->layer_floats);
  unsigned p = m->prog.wkv_pre;
  use(m, p);
  u32(p, "D", D); u32(p, "T", T); u32(p, "layer0", l == 0);
  u32(p, "k_off", a->k); u32(p, "v_off", a->v); u32(p, "wl_off", a->wl); u32(p, "al_off", a->al);
  u32(p, "vl_off", a->vl); u32(p, "vfirst_off", a->vfirst);
  u32(p, "w0", par + PAR_W0 * D); u32(p, "a0", par + PAR_A0 * D); u32(p, "v0", par + PAR_V0 * D);
  u32(p, "k_k", par + PAR_K_K * D); u32(p, "k_a", par + PAR_K_A * D);
  run((d->n_head + m->wkv_head_pg - 1) / m->wkv_head_pg, R);

  p = m->prog.wkv_scan;
  use(m, p);
  u32(p, "D", D); u32(p, "T", T); u32(p, "lay", lay);
  u32(p, "r_off", a->r); u32(p, "k_off", a->k); u32(p, "v_off", a->v);
  u32(p, "dec_off", a->wl); u32(p, "kk_off", a->vl); u32(p, "b_off", a->al);
  u32(p, "o_off", a->y); u32(p, "last_off", a->last);
  glDispatchCompute(D / m->wkv_rows, B, 1);
  /* beside the scan, dispatched after it so that its workgroups are placed first: the gate's
   * LoRA second stage (g_late) and the f16 rows of rows16; one barrier after
   * all (with the decode queued before the scan the wkv step took 238 -> 297 us a layer at
   * pp512, bench/h100_s24e.sh) */
  rwkv_mm_batch gb = {0};
  gb.no_split = 1;
  int rc = g_late ? mm_run(m, &m->layers[l].g2, a->gh, a->g, R, RWKV_MM_ACT_NONE, 0, 0, &gb, err) : RWKV_OK;
  if (!rc) rc = rows16_beside(m, l, R, err);
  if (rc) return rc;
  if (g_late) rwkv_mm_batch_end(m->gpu, &gb); /* the barrier after all */
  else glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT);

  p = m->prog.wkv_post;
  use(m, p);
  u32(p, "D", D); u32(p, "T", T);
  u32(p, "r_off", a->r); u32(p, "k_off", a->k); u32(p, "v_off", a->v); u32(p, "g_off", a->g);
  u32(p, "y_off", a->y);
  u32(p, "r_k", par + PAR_R_K * D); u32(p, "lnx_w", par + PAR_LNX_W * D); u32(p, "lnx_b", par + PAR_LNX_B * D);
  f32(p, "gn_eps", 1e-5f * (float)d->head_size);
  run((d->n_head + m->wkv_head_pg - 1) / m->wkv_head_pg, R);
  return RWKV_OK;
}

/* ---- decode of one sequence, one dispatch a layer (glsl/rwkv_layer.comp) ------------- */

/* Whether w suits a slot of the layer kernel: one buffer of F16 or F32 rows of K elements
 * (M rows), of the type and stride the first layer's weight in the slot set (*ty, *st). */
static int persist_slot(const rwkv_mm_weight *w, uint32_t K, uint32_t M, int first, int *ty, uint64_t *st) {
  if (w->n_chunks != 1 || w->K != K || w->M != M || (w->type != RWKV_TYPE_F16 && w->type != RWKV_TYPE_F32))
    return 0;
  int t = w->type == RWKV_TYPE_F16;
  if (first) {
    *ty = t;
    *st = w->stride;
  }
  return *ty == t && *st == w->stride;
}

/* The layer kernel for decode of one sequence (pass_steps, B == T == 1): on with
 * RWKV_PERSIST=1 for models of F16 / F32 matrices, head size 64 and widths and LoRA ranks
 * that are multiples of 8, whose FFN input fits shared memory; RWKV_PERSIST=1 on a model
 * that does not qualify is an error. RWKV_PERSIST_WGS: workgroups a dispatch (any number
 * is correct on the GPU; default 256, 1 on llvmpipe); RWKV_PERSIST_XCH: x floats staged at a time
 * (a multiple of 64, at most what fits; tests); RWKV_PERSIST_CHECK=1: each pass reads the
 * kernel's counters back and fails if a wait gave up or they are off (tests). */
static int persist_init(rwkv_model *m, rwkv_error *err) {
  const char *e = getenv("RWKV_PERSIST");
  if (!e || !*e || !strcmp(e, "0")) return RWKV_OK;
  const rwkv7_desc *d = &m->d;
  const rwkv_gpu_info *gi = rwkv_gpu_get_info(m->gpu);
  uint32_t D = d->n_embd, F = d->n_ffn, L = d->n_layer;
  uint32_t rw = d->rank_w, ra = d->rank_a, rv = d->rank_v, rg = d->rank_g;
  const char *why = NULL;
  /* slots: rkv, lora1, w2, a2, v2, g2, wo, ffn_key, ffn_value */
  int ty[9] = {0};
  uint64_t st[9] = {0};
  if (d->head_size != 64)
    why = "the head size is not 64";
  else if (D % 8 || rw % 8 || ra % 8 || rv % 8 || rg % 8 || !rw || !ra || !rv || !rg)
    why = "the width or a LoRA rank is not a multiple of 8";
  for (uint32_t l = 0; l < L && !why; l++) {
    const model_layer *W = &m->layers[l];
    int f = l == 0, whole = lora1_whole(W, l);
    int ok = persist_slot(&W->rkv, D, 3 * D, f, &ty[0], &st[0]) &&
             (!whole || persist_slot(&W->lora1, D, rw + ra + rg + (l ? rv : 0), f, &ty[1], &st[1])) &&
             persist_slot(&W->w2, rw, D, f, &ty[2], &st[2]) &&
             persist_slot(&W->a2, ra, D, f, &ty[3], &st[3]) &&
             (l == 0 || persist_slot(&W->v2, rv, D, l == 1, &ty[4], &st[4])) &&
             persist_slot(&W->g2, rg, D, f, &ty[5], &st[5]) &&
             persist_slot(&W->wo, D, D, f, &ty[6], &st[6]) &&
             persist_slot(&W->ffn_key, D, F, f, &ty[7], &st[7]) &&
             persist_slot(&W->ffn_value, F, D, f, &ty[8], &st[8]);
    if (!ok) why = "a matrix is not F16 / F32 in one buffer, or differs between layers";
    else if (!whole) why = "the LoRA first stages differ in type (as in llama.cpp's files: w1 F32, the others F16)";
  }
  if (!why && L < 2) why = "one layer";
  /* the LoRA second stages share one type in the kernel */
  if (!why && (ty[3] != ty[2] || ty[4] != ty[2] || ty[5] != ty[2])) why = "the LoRA second stages differ in type";
  /* x staged XCH floats at a time: what shared memory holds beside the WKV step's and the
   * sums' ~8 KB (the 2.9B FFN value's 10240 go in two pieces), a multiple of 256 */
  uint32_t xmax = D > F ? D : F, shf = gi->max_shared > 16384 ? (uint32_t)(gi->max_shared - 8192) / 4 : 2048;
  uint32_t xch = shf * 32 / 33 / 256 * 256;
  if (xch > (xmax + 255) / 256 * 256) xch = (xmax + 255) / 256 * 256;
  uint32_t xo = env_u32("RWKV_PERSIST_XCH", 0) / 64 * 64; /* (tests: x in pieces) */
  if (xo && xo < xch) xch = xo;
  if (!why && xch < 64) why = "shared memory is too small";
  if (why)
    return rwkv_errorf(err, RWKV_ERR_UNSUPPORTED, "%s: RWKV_PERSIST=1, but %s", m->path ? m->path : "model", why);

  arena a = arena_layout(d, 1, 1);
  int sg = subgroups(m, 0), cl = subgroups(m, 32); /* row sums over 8 or 32 lanes */
  char defs[2048];
  int n = snprintf(defs, sizeof defs,
                   "%s#define RWKV_BUFFERS 1\n#define RWKV_COHERENT coherent\n#define WKV_NO_MAIN 1\n"
                   "#define RED_N 256\n#define HS 64\n#define LN_D %u\n%s#define XCH %u\n"
                   "#define L_D %u\n#define L_FF %u\n#define L_RW %u\n#define L_RA %u\n#define L_RV %u\n#define L_RG %u\n",
                   cl ? WKV_QCLUSTER_DEFS "#define LANE_CLUSTER 1\n" : "",
                   D, sg ? "#define RWKV_SUBGROUP 1\n" : "", xch, D, F, rw, ra, rv, rg);
  static const char *const slot[9] = {"RKV", "L1", "W2", "A2", "V2", "G2", "WO", "FK", "FV"};
  for (int i = 0; i < 9; i++)
    n += snprintf(defs + n, sizeof defs - (size_t)n, "#define T_%s %d\n#define S_%s %u\n", slot[i],
                  i >= 2 && i <= 5 ? ty[2] : ty[i], slot[i], (uint32_t)(st[i] / 16));
  n += snprintf(defs + n, sizeof defs - (size_t)n,
                "#define T_L2 %d\n#define WKV_QUAD 1\n#define A_X %uu\n#define A_MIX %uu\n#define A_R %uu\n"
                "#define A_WH %uu\n#define A_AH %uu\n#define A_VH %uu\n#define A_GH %uu\n#define A_WL %uu\n"
                "#define A_AL %uu\n#define A_VL %uu\n#define A_G %uu\n#define A_Y %uu\n#define A_FFH %uu\n"
                "#define A_LAST %uu\n#define A_LASTFFN %uu\n",
                ty[2], a.x, a.mix, a.r, a.wh, a.ah, a.vh, a.gh, a.wl, a.al, a.vl, a.g, a.y, a.ffh, a.last, a.last_ffn);
  n += snprintf(defs + n, sizeof defs - (size_t)n,
                "#define P_LN1_W %d\n#define P_LN1_B %d\n#define P_LN2_W %d\n#define P_LN2_B %d\n#define P_LERP %d\n"
                "#define P_FFN_LERP %d\n",
                PAR_LN1_W, PAR_LN1_B, PAR_LN2_W, PAR_LN2_B, PAR_LERP, PAR_FFN_LERP);
  if (n <= 0 || (size_t)n >= sizeof defs) return rwkv_errorf(err, RWKV_ERR_ARG, "persist_init: defines too long");
  int rc = rwkv_gpu_program(m->gpu, "rwkv_wkv+rwkv_layer", defs, &m->persist_prog, err);
  static const uint32_t zeros[PERSIST_SYNC_BYTES / 4]; /* (a new buffer's contents are undefined) */
  if (rc == RWKV_OK) rc = rwkv_gpu_buffer(m->gpu, PERSIST_SYNC_BYTES, zeros, &m->persist_sync, err);
  if (rc) {
    m->persist_prog = 0;
    return rc;
  }
  /* llvmpipe: one (with two or more its results differ from run to run, even with every
   * workgroup running at once; not understood, not seen on the GPU) */
  m->persist_wgs = env_u32("RWKV_PERSIST_WGS", gi->software ? 1 : 256);
  if (!m->persist_wgs) m->persist_wgs = 1;
  m->persist_tk = m->persist_dn = 0;
  m->persist_check = env_u32("RWKV_PERSIST_CHECK", 0) != 0;
  return RWKV_OK;
}

/* Whether a pass of B sequences of T rows runs its layers through the layer kernel. */
static int persist_on(const rwkv_model *m, uint32_t B, uint32_t T) { return m->persist_prog && B == 1 && T == 1; }

/* Layer l of a decode step of one sequence as one dispatch (time_mix + channel_mix). */
static void persist_layer(rwkv_model *m, uint32_t l, const arena *a) {
  const rwkv7_desc *d = &m->d;
  const model_layer *W = &m->layers[l];
  uint32_t D = d->n_embd, par = l * PAR_PER_LAYER * D;
  uint32_t lay = (uint32_t)(l * m->layer_floats);
  unsigned p = m->persist_prog;
  use(m, p);
  const unsigned bufs[10] = {W->rkv.chunks[0].buf, W->lora1.chunks[0].buf, W->w2.chunks[0].buf,
                             W->a2.chunks[0].buf, l ? W->v2.chunks[0].buf : W->w2.chunks[0].buf,
                             W->g2.chunks[0].buf, W->wo.chunks[0].buf, W->ffn_key.chunks[0].buf,
                             W->ffn_value.chunks[0].buf, m->persist_sync};
  for (unsigned i = 0; i < 10; i++) glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 4 + i, bufs[i]);
  /* items a phase (rwkv_layer.comp): LN slices, 8-row blocks, 32-row blocks, heads */
  uint32_t ns = (D + 255) / 256, cum[8];
  uint32_t rp = 8; /* rows an item of the big matrices (RPI) */
  uint32_t items[8] = {ns, (3 * D + rp - 1) / rp + (W->lora1.M + rp - 1) / rp, (l ? 4 : 3) * ((D + 31) / 32),
                       d->n_head, (D + rp - 1) / rp, ns, (d->n_ffn + rp - 1) / rp, (D + rp - 1) / rp};
  for (int i = 0; i < 8; i++) cum[i] = (i ? cum[i - 1] : 0) + items[i];
  glUniform1uiv(uloc(m, p, "cum"), 8, cum);
  u32(p, "tk_base", m->persist_tk); u32(p, "dn_base", m->persist_dn);
  u32(p, "m1", W->lora1.M); u32(p, "lpar", par);
  u32(p, "store_to", l > 0 ? lay - (uint32_t)m->layer_floats + D : 0);
  f32(p, "ln_eps", d->eps);
  wkv_uniforms(m, p, l, a, 1); /* the WKV step's (rwkv_wkv.comp, as wkv_one unfused) */
  run(m->persist_wgs, 1);
  /* every workgroup takes one ticket past the end */
  m->persist_tk += cum[7] + m->persist_wgs;
  m->persist_dn += cum[7];
}

/* Channel mix of layer l (the FFN): x += Wv.relu(Wk.xk)^2. */
static int channel_mix(rwkv_model *m, uint32_t l, const arena *a, uint32_t B, uint32_t T, rwkv_error *err) {
  const model_layer *W = &m->layers[l];
  uint32_t D = m->d.n_embd, R = B * T, par = l * PAR_PER_LAYER * D;
  uint32_t lay = (uint32_t)(l * m->layer_floats);
  /* the last row's LN2(x) waits in last_ffn: the next layer stores it as ffn_prev
   * (decode with a prologue: computed by the key matmul's workgroups, ln_fuse_init) */
  int rc, ffv_wait = 0;
  if (T == 1 && W->ffn_key.prog_pro) {
    rwkv_mm_prologue pa = {m->par_buf, m->pool_buf, m->seq_buf, a->x, par + PAR_LN2_W * D,
                           par + PAR_LN2_B * D, m->d.eps, lay + D, 1, a->last_ffn, 0, 0, 0};
    rwkv_mm_group g = {0, W->ffn_key.M, m->act_buf, par + PAR_FFN_LERP * D, D, m->act_buf, a->ffh,
                       W->ffn_key.M, 0, RWKV_MM_ACT_RELU2};
    rc = rwkv_mm_dispatch_prologue(m->gpu, &W->ffn_key, &g, 1, R, &pa, err);
  } else {
    /* (on f16 rows as the value below; the layer norm's barrier covers a decode here) */
    int f16 = rows16_on(m, R16_KEY, l, R);
    if (f16 && (rc = rows16_fill(m, R16_KEY, l, err)) != RWKV_OK) return rc;
    /* dsync: the FFN key waits on the layer norm's count (e1), the value on the key's (e2);
     * in a pass with the residual adds' early start not both (the H100 gave wrong logits
     * now and then in test_wkv's small models with both and the early start, every other
     * pair correct: bench/h100_s33h.sh), the value's first */
    int e2 = dsync_ffn_value(m, l, T, R);
    int e1 = !f16 && dsync_edge(m, DS_LN_FFN, T) && dsync_layer_ok(m, l, DS_LN_FFN, R) && !(m->res_pass && e2);
    if (!SKIP(m, PROF_LN_FFN)) {
      ln_early le = {0, 0, m->res_pass ? a->ao : 0, 0, 0, 0, 0, 0, e1 ? DS_LN_FFN + 1 : 0};
      ln_mix(m, m->res_pass ? m->prog.ln_mix1w : m->prog.ln_mix1, a, T, R, par, PAR_LN2_W, PAR_LN2_B,
             PAR_FFN_LERP, a->mixf, a->last_ffn, lay + D, 0, 0, &le);
      prof(m, PROF_LN_FFN);
    } else if (f16) glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT);
    rc = RWKV_OK;
    rwkv_mm_sync sk = {m->dsync_buf, e1 ? DS_LN_FFN + 1 : 0, m->dsync_n[DS_LN_FFN], e2 ? DS_FFN_KEY + 1 : 0, 0};
    m->dsync_cur = e1 || e2 ? &sk : NULL;
    if (!SKIP(m, PROF_FFN_KEY))
      rc = mm_run(m, f16 ? &m->r16[R16_KEY].w : &W->ffn_key, a->mixf, a->ffh, R, RWKV_MM_ACT_RELU2, 0,
                  !e2 && !NOBAR(m, PROF_FFN_KEY, T), NULL, err);
    m->dsync_cur = NULL;
    m->dsync_n[DS_FFN_KEY] += sk.counted;
    ffv_wait = e2;
  }
  prof(m, PROF_FFN_KEY);
  /* (on its f16 rows in long prefills, rows16: decoded here where the WKV step did not) */
  int f16 = rows16_on(m, R16_VALUE, l, R);
  if (!rc && f16 && m->r16[R16_VALUE].layer != (int)l && (rc = rows16_fill(m, R16_VALUE, l, err)) == RWKV_OK)
    glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT);
  rwkv_mm_sync sv = {m->dsync_buf, DS_FFN_KEY + 1, m->dsync_n[DS_FFN_KEY], 0, 0};
  m->dsync_cur = ffv_wait ? &sv : NULL;
  if (!rc && !SKIP(m, PROF_FFN_VALUE))
    rc = m->res_pass ? mm_run(m, f16 ? &m->r16[R16_VALUE].w : &W->ffn_value, a->ffh, a->fo, R, RWKV_MM_ACT_NONE, 0,
                              l + 1 == m->d.n_layer, NULL, err)
                     : mm_run(m, f16 ? &m->r16[R16_VALUE].w : &W->ffn_value, a->ffh, a->x, R, RWKV_MM_ACT_NONE, 1,
                              !NOBAR(m, PROF_FFN_VALUE, T), NULL, err);
  m->dsync_cur = NULL;
  prof(m, PROF_FFN_VALUE);
  return rc;
}

/* Whether a pass of B sequences of T rows leaves its residual adds to their readers
 * (m->res_early): decode through the plain path (no layer-norm prologues, no layer kernel),
 * without the diagnostics that leave steps or barriers out. */
static int res_on(rwkv_model *m, uint32_t B, uint32_t T) {
  uint32_t nobar_res = (1u << PROF_RKV) | (1u << PROF_WKV) | (1u << PROF_WO) | (1u << PROF_FFN_VALUE);
  if (T != 1 || !m->res_early || !m->prog.fold || !m->lora_fused || m->skip || m->twice || (m->nobar & nobar_res) ||
      m->tail_n ||
      persist_on(m, B, T))
    return 0;
  for (uint32_t l = 0; l < m->d.n_layer; l++)
    if (m->layers[l].rkv.prog_pro || m->layers[l].lora1.prog_pro || m->layers[l].ffn_key.prog_pro) return 0;
  return 1;
}

/* Run B sequences of T rows: seq[2b] = start row, seq[2b+1] = state offset;
 * tokens[R]. Leaves outputs (hidden or logits) for the selected rows in the
 * hid_buf (embeddings, copied from the arena's hidden region) / out_buf. */
static int pass_steps(rwkv_model *m, uint32_t B, uint32_t T, const uint32_t *seq, const int32_t *tokens,
                      int output, int embed, rwkv_error *err);
static int pass(rwkv_model *m, uint32_t B, uint32_t T, const uint32_t *seq, const int32_t *tokens,
                int output, int embed, rwkv_error *err) {
  uint32_t ds[DS_EDGES];
  memcpy(ds, m->dsync_n, sizeof ds);
  int rc = pass_steps(m, B, T, seq, tokens, output, embed, err);
  m->res_pass = 0;
  m->dsync_cur = NULL;
  if (rc != RWKV_OK && memcmp(ds, m->dsync_n, sizeof ds) != 0)
    m->dsync_on = 0; /* (a failed pass may leave counts the GPU never makes: barriers from now on) */
  if (rc == RWKV_OK && m->persist_check && persist_on(m, B, T)) {
    /* (tests: a wait in the layer kernel that gave up, or a ticket taken twice or never) */
    uint32_t c[65];
    rc = rwkv_gpu_read(m->gpu, m->persist_sync, 0, sizeof c, c, "layer kernel counters", err);
    if (rc == RWKV_OK && (c[64] || c[0] != m->persist_tk || c[32] != m->persist_dn))
      rc = rwkv_errorf(err, RWKV_ERR_GPU, "layer kernel (RWKV_PERSIST): failure flag %u, tickets %u (expected %u), "
                       "done %u (expected %u)", c[64], c[0], m->persist_tk, c[32], m->persist_dn);
  }
  if (rc == RWKV_OK && m->dsync_check && m->dsync_buf) {
    /* (tests: every count the pass's waits relied on was made, and no other) */
    uint32_t c[DS_EDGES * 32];
    rc = rwkv_gpu_read(m->gpu, m->dsync_buf, 0, sizeof c, c, "dispatch counters", err);
    for (int e = 0; rc == RWKV_OK && e < DS_EDGES; e++)
      if (c[32 * e] != m->dsync_n[e])
        rc = rwkv_errorf(err, RWKV_ERR_GPU, "dispatch counter %d (RWKV_DSYNC) is %u, expected %u", e, c[32 * e],
                         m->dsync_n[e]);
  }
  rwkv_gpu_set_token_map(m->gpu, 0, 0, 0, 0);
  m->tail_n = 0;
  if (m->prof) prof_resolve(m);
  if (m->prof && m->prof->skip) { /* a warm-up pass (first-use program builds): not in the table */
    m->prof->skip--;
    memset(m->prof->us, 0, sizeof m->prof->us);
    memset(m->prof->calls, 0, sizeof m->prof->calls);
    m->prof->passes = 0;
    m->prof->discarded = 0;
  }
  return rc;
}

/* Row lists for the prefill matmuls (rwkv_gpu_set_token_map), behind the sequence table
 * in seq_buf: in a buffer of their own the next pass's upload reached them before the last
 * pass's matmuls had read them (H200, bench/RESULTS.md "Session 6").
 * - Live rows: sequences of a batch are padded to T rows each (rows b*T + t, t < seq[2b]
 *   padding); the matmuls run only the live rows (10 schema fields of 8-16 tokens: 124 of
 *   160 rows, 2 token tiles of 64 instead of 3). The other steps still walk every row; a
 *   padding row's matmul outputs are never written and no live row reads them (the token
 *   shift and the WKV start at a sequence's first live row).
 * - Last rows (tail_off / tail_n): unless every row's output is read, the last layer's Wo
 *   and FFN matter only for each sequence's last row (its output and the ffn_prev that the
 *   state keeps) and the row before it (the FFN's token shift reads its x after Wo);
 *   time_mix switches to this list before that Wo. */
static int token_map(rwkv_model *m, uint32_t B, uint32_t T, const uint32_t *seq, int output,
                     rwkv_error *err) {
  uint32_t R = B * T, live = 0, tails = 0;
  if (T < 2) return RWKV_OK;
  for (uint32_t b = 0; b < B; b++)
    if (seq[2 * b] < T) {
      live += T - seq[2 * b];
      tails++;
    }
  int use_live = m->tmap_on && B > 1 && live < R && live > 0;
  int use_tail = m->tail_on && output != RWKV_OUTPUT_ALL && tails > 0;
  if (!use_live && !use_tail) return RWKV_OK;
  if (R + 2 * B > m->tmap_cap) {
    uint32_t *h = realloc(m->tmap_host, (size_t)(R + 2 * B) * sizeof *h);
    if (!h) return rwkv_errorf(err, RWKV_ERR_NOMEM, "rwkv_forward: no memory for a %u-row map", R);
    m->tmap_host = h;
    m->tmap_cap = R + 2 * B;
  }
  uint32_t n = 0;
  if (use_live)
    for (uint32_t b = 0; b < B; b++)
      for (uint32_t t = seq[2 * b]; t < T; t++) m->tmap_host[n++] = b * T + t;
  uint32_t n_live = n;
  if (use_tail)
    for (uint32_t b = 0; b < B; b++)
      for (uint32_t t = seq[2 * b] + 2 > T ? seq[2 * b] : T - 2; t < T; t++) m->tmap_host[n++] = b * T + t;
  /* ensure_scratch made room for 2B + R + 2B uints */
  glBindBuffer(GL_SHADER_STORAGE_BUFFER, m->seq_buf);
  glBufferSubData(GL_SHADER_STORAGE_BUFFER, (GLintptr)B * 8, (GLsizeiptr)n * 4, m->tmap_host);
  if (use_live) rwkv_gpu_set_token_map(m->gpu, m->seq_buf, 2 * B, R, n_live);
  m->tail_off = 2 * B + n_live;
  m->tail_n = n - n_live;
  return RWKV_OK;
}
static int pass_steps(rwkv_model *m, uint32_t B, uint32_t T, const uint32_t *seq, const int32_t *tokens,
                      int output, int embed, rwkv_error *err) {
  const rwkv7_desc *d = &m->d;
  uint32_t R = B * T, D = d->n_embd;
  uint32_t outs = output == RWKV_OUTPUT_ALL ? R : output == RWKV_OUTPUT_LAST ? B : 0;
  int rc = !embed && outs ? model_head_ready(m, err) : RWKV_OK;
  if (rc) return rc;
  rc = ensure_scratch(m, R, B, embed ? 0 : outs, embed ? outs : 0, err);
  if (rc) return rc;
  arena a = arena_layout(d, R, B);
  uint32_t gpar = d->n_layer * PAR_PER_LAYER * D;
  if (m->prof) {
    if (m->prof->tq) prof_mark(m, -1);
    else rwkv_gpu_wait(m->gpu, NULL);
    m->prof->last = now_us();
    m->prof->passes++;
  }

  if (tokens) { /* NULL: tok_buf already holds them (forward_chain_queue) */
    glBindBuffer(GL_SHADER_STORAGE_BUFFER, m->tok_buf);
    glBufferSubData(GL_SHADER_STORAGE_BUFFER, 0, (GLsizeiptr)R * 4, tokens);
  }
  glBindBuffer(GL_SHADER_STORAGE_BUFFER, m->seq_buf);
  glBufferSubData(GL_SHADER_STORAGE_BUFFER, 0, (GLsizeiptr)B * 8, seq);
  if ((rc = token_map(m, B, T, seq, output, err)) != RWKV_OK) return rc;
  prof(m, PROF_UPLOAD);

  /* 1. x = LN0(emb[token]) */
  unsigned p = m->prog.embed;
  use(m, p);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 4, m->tok_buf);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 5, m->emb_buf);
  u32(p, "D", D); u32(p, "out_off", a.x);
  u32(p, "row_bytes", (uint32_t)rwkv_type_row_bytes(m->d.emb->type, D));
  u32(p, "ln_w", gpar + PAR_LN0_W * D); u32(p, "ln_b", gpar + PAR_LN0_B * D);
  f32(p, "eps", d->eps);
  run(R, 1);
  prof(m, PROF_EMBED);

  /* 2. the layers (one dispatch each for a decode step of one sequence: persist_init) */
  m->res_pass = res_on(m, B, T);
  uint32_t every = m->sync_every; /* flush every so many layers (0: not in the layers) */
  if (T == 1 && m->sync_decode) {
    uint64_t w = rwkv_gpu_waits(m->gpu);
    if (w == m->waits_seen) every = 0; /* no wait since the last pass: the end only */
    m->waits_seen = w;
  }
  arena la = a; /* layer l's view: res_early's x and pending outputs alternate (arena) */
  for (uint32_t l = 0; l < d->n_layer && !rc; l++) {
    if (m->res_pass) {
      uint32_t xs[2] = {a.x, a.x2}, ps[2] = {a.wl, a.vl}, RD = R * D;
      la.x = xs[l & 1];
      la.xin = l ? xs[(l - 1) & 1] : a.x;
      la.ao = ps[l & 1];
      la.fo = la.ao + RD;
      la.aop = l ? ps[(l - 1) & 1] : 0;
      la.fop = l ? la.aop + RD : 0;
    }
    if (persist_on(m, B, T)) {
      persist_layer(m, l, &la);
    } else {
      rc = time_mix(m, l, &la, B, T, err);
      if (!rc) rc = channel_mix(m, l, &la, B, T, err);
    }
    if (every && (l + 1) % every == 0) {
      if (m->sync_finish) rwkv_gpu_wait(m->gpu, NULL);
      else glFlush();
    }
  }
  if (rc) return rc;
  /* the last layer's ffn_prev (earlier layers' were stored by their successors). With
   * outputs no barrier of its own: ln_out and the head neither read the state nor write
   * last_ffn, so they may run beside it, and ln_out's barrier covers it; a pass without
   * outputs ends here, with the barrier (a state reset's dispatch may follow) */
  p = m->prog.store_prev;
  use(m, p);
  u32(p, "off", a.last_ffn); u32(p, "n", B * D); u32(p, "D", D); u32(p, "T", T);
  u32(p, "prev_off", (uint32_t)((d->n_layer - 1) * m->layer_floats) + D);
  if (outs) glDispatchCompute((B * D + 255) / 256, 1, 1);
  else run((B * D + 255) / 256, 1);
  prof(m, PROF_STORE);
  /* no glGetError here: with a threaded driver it waits for the driver thread.
   * GL errors of the pass are collected where results are read back. */
  if (!outs) return RWKV_OK;

  if (m->res_pass) fold(m, a.x, &la, R); /* (the last layer's FFN value has a barrier after it) */
  /* 3. hidden = LN_out(x) of the output rows; logits = head.hidden */
  p = m->prog.ln_out;
  use(m, p);
  u32(p, "D", D); u32(p, "T", T); u32(p, "in_off", a.x); u32(p, "out_off", a.hidden);
  u32(p, "ln_w", gpar + PAR_LNOUT_W * D); u32(p, "ln_b", gpar + PAR_LNOUT_B * D);
  u32(p, "last_only", output == RWKV_OUTPUT_LAST);
  f32(p, "eps", d->eps);
  run(outs, 1);
  prof(m, PROF_LN_OUT);
  if (!embed) {
    rwkv_mm_args h = {m->act_buf, a.hidden, D, m->out_buf, 0, d->n_vocab, outs, 0};
    if (!SKIP(m, PROF_HEAD)) rc = rwkv_mm_dispatch(m->gpu, &m->head, &h, err);
    prof(m, PROF_HEAD);
  } else {
    /* the embeddings into their own small buffer: mapping a range of the big arena
     * for the read-back cost more than the copy (H100, pp512 embed was 4-14% slower
     * than with the head) */
    glMemoryBarrier(GL_BUFFER_UPDATE_BARRIER_BIT);
    glBindBuffer(GL_COPY_READ_BUFFER, m->act_buf);
    glBindBuffer(GL_COPY_WRITE_BUFFER, m->hid_buf);
    glCopyBufferSubData(GL_COPY_READ_BUFFER, GL_COPY_WRITE_BUFFER, (GLintptr)a.hidden * 4, 0,
                        (GLsizeiptr)outs * D * 4);
    glBindBuffer(GL_COPY_READ_BUFFER, 0);
    glBindBuffer(GL_COPY_WRITE_BUFFER, 0);
  }
  return rc;
}

/* After a decode pass (T == 1) that no read-back follows: a flush, so that the GPU has it
 * while the CPU queues the next (pass_steps flushes inside the layers only where the CPU
 * waited; a flush right before a read-back only delays it) */
static void decode_end(rwkv_model *m, uint32_t T) {
  if (T == 1 && m->sync_decode) glFlush();
}

/* Copy n floats of the result (hid_buf or out_buf) starting at float `first` into dst. */
static int read_back(rwkv_model *m, int embed, uint64_t first, uint64_t n, float *dst, rwkv_error *err) {
  return rwkv_gpu_read(m->gpu, embed ? m->hid_buf : m->out_buf, first * 4, n * 4, dst, "forward pass", err);
}

uint32_t rwkv_output_width(const rwkv_model *m, const rwkv_forward_opts *o) {
  return o && o->embed ? m->d.n_embd : m->d.n_vocab;
}

static int check_tokens(const rwkv_model *m, const int32_t *ids, size_t n, rwkv_error *err) {
  for (size_t i = 0; i < n; i++)
    if (ids[i] < 0 || (uint32_t)ids[i] >= m->d.n_vocab)
      return rwkv_errorf(err, RWKV_ERR_ARG, "token %zu is %d, outside the vocabulary [0, %u)", i, (int)ids[i],
                         m->d.n_vocab);
  return RWKV_OK;
}

/* The batch forward; out == NULL leaves the outputs on the GPU (out_buf or
 * the arena's hidden region and hid_buf) for a following GPU step such as argmax. */
int forward_batch(rwkv_model *m, rwkv_state *const *states, const int32_t *const *ids, const size_t *n,
                  size_t b, const rwkv_forward_opts *opts, float *out, rwkv_error *err) {
  rwkv_forward_opts o = {RWKV_OUTPUT_LAST, 0, 0};
  if (opts) o = *opts;
  if (!m || !states || !ids || !n || b == 0)
    return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv_forward: model, states, tokens and counts are required");
  if (o.output < RWKV_OUTPUT_NONE || o.output > RWKV_OUTPUT_ALL)
    return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv_forward: output must be none, last or all");
  size_t maxn = 0;
  for (size_t i = 0; i < b; i++) {
    if (!states[i] || states[i]->m != m)
      return rwkv_errorf(err, RWKV_ERR_STATE, "rwkv_forward: state %zu does not belong to this model", i);
    for (size_t j = 0; j < i; j++)
      if (states[j] == states[i]) return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv_forward: state %zu is given twice", i);
    if (n[i] == 0 || !ids[i]) return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv_forward: sequence %zu has no tokens", i);
    int rc = check_tokens(m, ids[i], n[i], err);
    if (rc) return rwkv_error_prefix(err, "rwkv_forward: sequence %zu", i);
    if (n[i] > maxn) maxn = n[i];
  }
  uint32_t chunk = o.chunk ? o.chunk : m->chunk;
  uint32_t W = rwkv_output_width(m, &o);
  int rc = rwkv_gpu_make_current(m->gpu, err);
  if (rc) return rc;

  /* Chunks in time: chunk c covers positions [c*chunk, (c+1)*chunk) of every
   * sequence, right-aligned so each sequence's last token ends the last chunk. */
  uint32_t *seq = malloc(b * 2 * sizeof *seq);
  int32_t *tok = malloc((size_t)b * chunk * sizeof *tok);
  size_t *outpos = calloc(b, sizeof *outpos); /* ALL: where sequence i's next vector goes */
  if (!seq || !tok || !outpos) {
    free(seq); free(tok); free(outpos);
    return rwkv_errorf(err, RWKV_ERR_NOMEM, "rwkv_forward: no memory for %zu sequences", b);
  }
  for (size_t i = 1; i < b; i++) outpos[i] = outpos[i - 1] + n[i - 1] * W;
  size_t nchunks = (maxn + chunk - 1) / chunk;
  for (size_t c = 0; c < nchunks && !rc; c++) {
    /* position p in [0, maxn) of the aligned timeline; sequence i starts at maxn - n[i] */
    size_t p0 = c * chunk, T = maxn - p0 < chunk ? maxn - p0 : chunk;
    for (size_t i = 0; i < b; i++) {
      size_t first = maxn - n[i]; /* aligned position of token 0 */
      size_t start = first > p0 ? first - p0 : 0;
      if (start > T) start = T;
      seq[2 * i] = (uint32_t)start;
      seq[2 * i + 1] = (uint32_t)state_offset(states[i]);
      for (size_t t = 0; t < T; t++)
        tok[i * T + t] = t < start ? 0 : ids[i][p0 + t - first];
    }
    int last_chunk = c + 1 == nchunks;
    int want = o.output == RWKV_OUTPUT_ALL ? RWKV_OUTPUT_ALL : (last_chunk ? o.output : RWKV_OUTPUT_NONE);
    rc = pass(m, (uint32_t)b, (uint32_t)T, seq, tok, want, o.embed, err);
    if (rc) break;
    if (!out || want == RWKV_OUTPUT_NONE) decode_end(m, (uint32_t)T); /* (a read-back flushes) */
    if (m->progress && nchunks > 1) m->progress(m->progress_ud, p0 + T, maxn);
    uint64_t base = 0; /* hid_buf / out_buf hold the output rows from their start */
    if (!out) {
      /* results stay on the GPU */
    } else if (want == RWKV_OUTPUT_LAST) {
      rc = read_back(m, o.embed, base, (uint64_t)b * W, out, err);
    } else if (want == RWKV_OUTPUT_ALL) {
      for (size_t i = 0; i < b && !rc; i++) {
        size_t start = seq[2 * i];
        if (start >= T) continue;
        rc = read_back(m, o.embed, base + ((uint64_t)i * T + start) * W, (uint64_t)(T - start) * W,
                       out + outpos[i], err);
        outpos[i] += (T - start) * W;
      }
    }
  }
  free(seq); free(tok); free(outpos);
  return rc;
}

int rwkv_forward_batch(rwkv_model *m, rwkv_state *const *states, const int32_t *const *ids, const size_t *n,
                       size_t b, const rwkv_forward_opts *opts, float *out, rwkv_error *err) {
  if (opts && opts->output != RWKV_OUTPUT_NONE && !out)
    return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv_forward: no output buffer");
  if (!opts && !out) return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv_forward: no output buffer");
  return forward_batch(m, states, ids, n, b, opts, out, err);
}

int rwkv_forward(rwkv_model *m, rwkv_state *s, const int32_t *ids, size_t n, const rwkv_forward_opts *opts,
                 float *out, rwkv_error *err) {
  return rwkv_forward_batch(m, &s, &ids, &n, 1, opts, out, err);
}

/* Argmax of the latest logits (row 0 of out_buf) into argmax_buf[slot]; the
 * feeding variant also writes it to tok_buf[0] for the next pass. */
static void argmax_dispatch(rwkv_model *m, int feed, unsigned buf, uint32_t slot) {
  unsigned p = feed ? m->prog.argmax_feed : m->prog.argmax;
  glUseProgram(p);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 0, m->out_buf);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 1, buf);
  if (feed) glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 2, m->tok_buf);
  uint32_t n = m->d.n_vocab, per = (n + m->argmax_wgs - 1) / m->argmax_wgs; /* logits a workgroup */
  if (m->argmax_wgs > 1) glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 3, m->argmax_part);
  u32(p, "off", 0);
  u32(p, "n", n);
  u32(p, "slot", slot);
  u32(p, "per", per);
  run((n + per - 1) / per, 1);
}

int rwkv_gpu_argmax(rwkv_model *m, int32_t *token, rwkv_error *err) {
  if (!m || !token) return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv_gpu_argmax: model and token are required");
  if (!m->out_buf) return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv_gpu_argmax: no logits computed yet");
  int rc = rwkv_gpu_make_current(m->gpu, err);
  if (rc != RWKV_OK) return rc;
  argmax_dispatch(m, 0, m->argmax_buf, 0);
  return rwkv_gpu_read(m->gpu, m->argmax_buf, 0, 4, token, "argmax", err);
}

/* Greedy decoding chained on the GPU: k times, pick the argmax of the latest
 * logits into tok_buf and feed it to s with no CPU round trip; the k ids are
 * read back at the end in one mapping. The logits of the previous forward on
 * this model must be s's (the caller's contract, as for rwkv_gpu_argmax). Chain
 * buffer `which`'s slots are its uints 1 .. RWKV_CHAIN_MAX (argmax_buf's 0 is
 * rwkv_gpu_argmax's). */
static unsigned chain_buf(const rwkv_model *m, int which) { return which ? m->chain_buf2 : m->argmax_buf; }

int forward_chain_queue(rwkv_model *m, rwkv_state *s, int which, uint32_t first, uint32_t k, rwkv_error *err) {
  if (!m || !s || k == 0 || first > RWKV_CHAIN_MAX || k > RWKV_CHAIN_MAX - first)
    return rwkv_errorf(err, RWKV_ERR_ARG, "forward_chain: 1..%d tokens", RWKV_CHAIN_MAX);
  if (!m->out_buf || !m->tok_buf) return rwkv_errorf(err, RWKV_ERR_ARG, "forward_chain: no logits computed yet");
  int rc = rwkv_gpu_make_current(m->gpu, err);
  if (rc) return rc;
  uint32_t seq[2] = {0, (uint32_t)state_offset(s)};
  for (uint32_t j = 0; j < k && !rc; j++) {
    argmax_dispatch(m, 1, chain_buf(m, which), 1 + first + j);
    rc = pass(m, 1, 1, seq, NULL, RWKV_OUTPUT_LAST, 0, err);
    if (!rc) decode_end(m, 1);
  }
  return rc;
}

int forward_chain_read(rwkv_model *m, int which, uint32_t n, int32_t *ids, rwkv_error *err) {
  if (!m || !ids || n == 0 || n > RWKV_CHAIN_MAX)
    return rwkv_errorf(err, RWKV_ERR_ARG, "forward_chain: 1..%d tokens", RWKV_CHAIN_MAX);
  return rwkv_gpu_read(m->gpu, chain_buf(m, which), 4, (uint64_t)n * 4, ids, "greedy chain", err);
}

/* The sampler's candidates from the latest logits (row 0 of out_buf): apply
 * the penalties (pen: n_pen pairs id, amount; rep: repetition penalty), then
 * return in ids/logits the tokens within margin of the best, at most cap of
 * them. *count may exceed cap: the caller then reads all the logits. */
int forward_candidates(rwkv_model *m, const float *pen, uint32_t n_pen, float rep, float margin, uint32_t cap,
                       int32_t *ids, float *logits, uint32_t *count, rwkv_error *err) {
  if (!m->out_buf) return rwkv_errorf(err, RWKV_ERR_ARG, "sampling: no logits computed yet");
  int rc = rwkv_gpu_make_current(m->gpu, err);
  if (rc) return rc;
  uint64_t need = (2 + 2 * (uint64_t)cap) * 4, pbytes = ((uint64_t)n_pen * 2 + 2) * 4;
  if (need > m->cand_bytes) {
    free_buf(m, &m->cand_buf, m->cand_bytes);
    free(m->cand_host);
    m->cand_bytes = 0;
    if (!(m->cand_host = malloc(need))) return rwkv_errorf(err, RWKV_ERR_NOMEM, "sampling: no memory");
    if ((rc = rwkv_gpu_buffer(m->gpu, need, NULL, &m->cand_buf, err)) != RWKV_OK) return rc;
    m->cand_bytes = need;
  }
  if (pbytes > m->pen_bytes) {
    free_buf(m, &m->pen_buf, m->pen_bytes);
    m->pen_bytes = 0;
    uint64_t b = pbytes < 4096 ? 4096 : 2 * pbytes;
    if ((rc = rwkv_gpu_buffer(m->gpu, b, NULL, &m->pen_buf, err)) != RWKV_OK) return rc;
    m->pen_bytes = b;
  }
  if (n_pen) {
    glBindBuffer(GL_SHADER_STORAGE_BUFFER, m->pen_buf);
    glBufferSubData(GL_SHADER_STORAGE_BUFFER, 0, (GLsizeiptr)n_pen * 8, pen);
  }
  if (!m->prog.candidates && (rc = rwkv_gpu_program_need(m->gpu, &m->prog.candidates, err)) != RWKV_OK) return rc;
  unsigned p = m->prog.candidates;
  glUseProgram(p);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 0, m->out_buf);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 1, m->pen_buf);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 2, m->cand_buf);
  u32(p, "n", m->d.n_vocab);
  u32(p, "n_pen", n_pen);
  u32(p, "cap", cap);
  f32(p, "rep", rep);
  f32(p, "margin", margin);
  run(1, 1);
  if ((rc = rwkv_gpu_read(m->gpu, m->cand_buf, 0, need, m->cand_host, "sampling candidates", err)) != RWKV_OK)
    return rc;
  const uint32_t *r = m->cand_host;
  *count = r[0];
  uint32_t k = r[0] < cap ? r[0] : cap;
  for (uint32_t i = 0; i < k; i++) {
    ids[i] = (int32_t)r[2 + 2 * i];
    memcpy(&logits[i], &r[3 + 2 * i], 4);
  }
  return RWKV_OK;
}

/* All n_vocab logits of row 0 (after forward_candidates applied penalties). */
int forward_read_logits(rwkv_model *m, float *logits, rwkv_error *err) {
  return read_back(m, 0, 0, m->d.n_vocab, logits, err);
}
