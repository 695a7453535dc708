/* matmul.c - upload packed weights and dispatch glsl/matmul.comp (see matmul.h).
 * Block sizes come from quant.h (ggml's ggml-common.h layouts). */
#include "matmul.h"

#include <GLES3/gl32.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant.h"

#define MM_PAD 16 /* bytes past the last block: w_u32 reads one word ahead */
#define MM_SHORT_T 256 /* dispatches of 2..MM_SHORT_T tokens use prog[2] (rwkv_mm_variant) */

typedef struct mm_cfg {
  unsigned kernel;                 /* 0 rows, 1 tiled, 2 blocked decode */
  unsigned dec;                    /* use kernel 2 where the type has unit decoders */
  unsigned wg, lanes, nr, tt, unr; /* rows kernel */
  unsigned xsh, xch;               /* rows kernel: x in shared memory, floats per pass */
  unsigned bm, bt, bk;             /* tiled kernel */
  unsigned rq, nq;                 /* tiled kernel: row / token quads per invocation */
  unsigned db, pf;                 /* tiled: two shared buffers, register prefetch */
  unsigned split_min, split_max, split_force; /* tiled: split K (see rwkv_mm_weight) */
  unsigned split_min_small; /* split_min for dispatches of at most two token tiles */
  unsigned split_slices;    /* fewest BK slices a piece past two token tiles */
  unsigned split_slices_small; /* ... and in at most two */
  unsigned split_km_small, split_km_long; /* RWKV_MM_SPLIT_KM's pieces for this K x M */
  unsigned split_piece_small; /* most slices a piece in dispatches of <= 2 token tiles */
  unsigned split_mid_max; /* 3..8 token tiles: the target's floor, at most this many (0: ceil) */
  unsigned split_floor_small; /* <= 2 token tiles: the target's floor, not its ceiling */
  int subgroup;
  unsigned swz; /* tiled: warp-shaped thread tiles (matmul.comp SWZ) */
  unsigned ku;  /* tiled: k steps written out per pass of the k loop (matmul.comp KU) */
  unsigned kfull; /* K % 8 == 0: the rows kernel has no partial units (matmul.comp KFULL) */
  unsigned texw;  /* rows kernel: float weights through a texture buffer (TEXW; 2: f16 rows
                   * as RGBA16F, TEXH) */
  unsigned sgs; /* subgroup size when subgroup */
  unsigned pre; /* blocked decode: a pass's UNR units loaded before any is decoded (PRE) */
  unsigned cut; /* blocked decode: parts left out, a diagnostic (matmul.comp MM_CUT) */
} mm_cfg;

static int is_pow2(unsigned v) { return v && !(v & (v - 1)); }

static int env_uint(const char *name, unsigned lo, unsigned hi, unsigned *out) {
  const char *s = getenv(name);
  if (!s || !*s) return 0;
  char *end = NULL;
  unsigned long v = strtoul(s, &end, 10);
  if (*end || v < lo || v > hi) return 0;
  *out = (unsigned)v;
  return 1;
}

/* Kernel shape per device. llvmpipe runs invocations as SIMD lanes and pays for
 * barriers: one invocation per row, x read straight from the buffer, TT = 8 tokens per
 * pass for prefill. GPUs: decode shares a row across a subgroup, NR rows per lane group,
 * x staged once per workgroup in shared memory; prefill uses the tiled kernel. */
/* Types with glsl/common.glsl unit decoders (mmu_raw / mmu_quad) and their unit size. */
static int mmu_ok(uint32_t type, uint64_t K) {
  switch (type) {
  case RWKV_TYPE_F32: case RWKV_TYPE_F16: case RWKV_TYPE_BF16: return K % 8 == 0;
  case RWKV_TYPE_Q4_K: case RWKV_TYPE_Q5_K: case RWKV_TYPE_Q6_K: return K % 256 == 0;
  default: return 0;
  }
}

/* RWKV_MM_SPLIT_KM=K:M:S[:L],... (tuning): weights of K x M split K in S pieces in passes of
 * at most two token tiles and in L in passes of three to eight (0 or left out: the rule; 1:
 * never); longer passes keep the rule. */
static void split_km(uint64_t K, uint64_t M, mm_cfg *c) {
  const char *e = getenv("RWKV_MM_SPLIT_KM");
  while (e && *e) {
    unsigned long long k = 0, m = 0, s = 0, l = 0;
    int n = sscanf(e, "%llu:%llu:%llu:%llu", &k, &m, &s, &l);
    if (n >= 3 && k == K && m == M && s <= 64 && l <= 64) {
      c->split_km_small = (unsigned)s;
      c->split_km_long = n == 4 ? (unsigned)l : 0;
    }
    e = strchr(e, ',');
    if (e) e++;
  }
}

static void pick_cfg(const rwkv_gpu_info *in, int prefill, uint32_t type, uint64_t K,
                     uint64_t M, mm_cfg *c) {
  memset(c, 0, sizeof *c);
  c->ku = 1;
  c->tt = 1;
  c->nr = 1;
  c->unr = 1;
  c->xch = 2048;
  c->bm = 64;
  c->bt = 64;
  c->bk = 32;
  c->rq = 1;
  c->nq = 1;
  c->db = 1;
  c->pf = 1;
  /* ~16 workgroups per SM of an H100 (132 SMs): fewer leave a tail wave half empty. H100
   * sweep (bench/MATMUL.md round 4): 10240x2560 T=1024 3858 -> 2867 us with 264 -> 2112 */
  c->split_min = 2112;
  /* a short batch (<= 2 token tiles, e.g. 10 fields of ~12 tokens): a lower target, fewer
   * partial sums to write and reduce. 528 (one wave of the tiled kernel's 4 resident a SM)
   * since session 20: H100, rwkv-bench's 10 fields (124 rows), against 1056 in one call, two
   * calls of two rounds (bench/h100_s20e.sh, h100_s20f.sh): 2.9B F16 35.55-35.97 -> 34.35-34.63
   * ms, Q4_K_M 34.40-35.03 -> 34.16-34.46, 1.5B Q4_K_M 21.25-21.73 -> 20.40-20.48, 0.1B F16
   * 3.52-3.57 -> 3.53 (264 / 396 / 660 / 792 / 1584 slower for the 2.9B: the piece counts
   * this gives, e.g. 4 for the FFN key's 160 tiles and 14 for Wo's 40, are what won); longer
   * passes unchanged (they use split_min). (1056 before: H200, RWKV_MM_SPLIT_MIN=1056 for
   * everything: 10 fields 38.9 -> 38.4 ms; bench/h100_s7k.sh) */
  c->split_min_small = RWKV_GPU_ONE_WAVE;
  /* Both are H100 figures: 16 and 4 workgroups an SM of its 132 (4 waves of the tiled
   * kernel's 4 resident a SM, and 1). A GPU with fewer SMs would cut K into more pieces than
   * it has room for and pay for their partial sums at its lower bandwidth: set them there
   * to 16 / 4 x its SM count (HACKING.md). GLES does not tell the SM count: NVIDIA's driver
   * has neither GL_NV_shader_thread_group's GL_SM_COUNT_NV nor gl_SMCountNV
   * (GL_NV_shader_sm_builtins; bench-glprobe, bench/RESULTS.md "Session 19"). */
  c->split_max = 16;
  c->split_slices = 14;
  /* ... and 5 in passes of at most two (4 before; the 2.9B's gate second stage, K = 320, in 4
   * pieces, not 5; the 0.1B's K = 768 in at most 9, not 12). H100, 10 fields, two interleaved
   * rounds (bench/h100_s27d.sh; 6 / 7 / 8 beside): 2.9B Q4_K_M 32.52-32.60 -> 32.49-32.50 ms, F16
   * 33.10 -> 33.01-33.03, 0.1B F16 3.42-3.46 -> 3.36-3.37, 1.5B Q4_K_M 20.02 -> 19.99-20.14 */
  c->split_slices_small = 5;
  /* ... and in short batches a piece carries at most 40 slices (a workgroup's serial walk
   * through K is their tail): the 2.9B's FFN value (K = 10240, 40 tiles at T = 124) in 16
   * pieces, not 14 (H100, 10 fields, bench/h100_s21c.sh, s21d.sh: F16 35.0-35.2 -> 34.3, Q4_K_M
   * 35.5-35.6 -> 34.1 ms in bench-profile; 24 / 32 pieces lost again, 10 / 12 lost 1-1.5 ms);
   * every other shape of the presets already meets it. */
  c->split_piece_small = 40;
  /* Passes of three to eight token tiles (up to 512 tokens) take the target's floor, not its
   * ceiling, in at most 8 pieces for f16 rows and split_max for the others; longer passes keep
   * the ceiling. H100, 2.9B pp512 (bench/h100_s21d.sh .. s21h.sh, RESULTS.md "Session 21"):
   * F16 4913 -> 5001 tok/s (r/k/v 5 -> 4, Wo 11 -> 8, FFN value 14 -> 8, FFN key 4 -> 3),
   * Q4_K_M 4789 -> 4818 (its Wo / v 11 -> 8 and key 4 -> 3; its FFN value lost in 8 pieces,
   * 4774 -> 4760, so 16 there); document states unchanged. */
  c->split_mid_max = type == RWKV_TYPE_F16 ? 8 : 64; /* (split_max caps both) */
  /* Passes of at most two token tiles take the target's floor too for quantized rows (f16
   * lost with it): the 2.9B Q4_K_M's q4_K r/k/v stack (120 tiles at T = 124) in 4 pieces, not
   * 5, r|k 6 not 7, Wo / v 13 not 14, the FFN key 3 not 4. H100, 10 fields (bench-profile),
   * three interleaved rounds (bench/h100_s27b.sh): 2.9B Q4_K_M 33.18-33.23 -> 32.73-32.85 ms,
   * 1.5B Q4_K_M 20.20-20.33 -> 20.12-20.16; 2.9B F16 with f16 rows floored too 33.28-33.38 ->
   * 34.03-34.16 */
  c->split_floor_small = !rwkv_type_is_float(type);
  if (in->software) {
    c->lanes = 1;
    c->wg = 64;
    /* two rows per invocation share each x load (2-core llvmpipe, 0.1B F16, interleaved:
     * decode 144-152 -> 110-128 ms per token, prefill of 32 1.64-1.68 -> 1.00-1.22 s); four
     * for the head's many rows (768 x 65536 f16: 27-28 vs 29-37 ms, three pairs) */
    c->nr = M >= 16384 ? 4 : 2;
    if (prefill) c->tt = 8;
  } else {
    if (in->has_subgroup && is_pow2((unsigned)in->subgroup_size) && in->subgroup_size >= 4 &&
        in->subgroup_size <= 128 && 4 * in->subgroup_size <= in->max_invocations) {
      c->lanes = (unsigned)in->subgroup_size;
      c->subgroup = 1;
      c->sgs = (unsigned)in->subgroup_size;
    } else {
      c->lanes = 32;
    }
    c->wg = 4 * c->lanes;
    c->nr = 2;
    c->unr = 2;
    c->xsh = 0; /* H100 sweep: L1-cached x beat shared x (f16 27.9 vs 35.6 us) */
    /* Tiled prefill: 128 rows x 64 tokens per workgroup, 4 x 8 outputs per invocation
     * (RQ 1, NQ 2; 256 invocations), BK 16, one shared buffer, no register prefetch; too
     * few tiles for the GPU: split K (dispatch). H100 sweep (bench/MATMUL.md round 3,
     * T = 160 / 512): 2560x10240 f16 608 / 1763 us, 10240x2560 795 / 1944 (split 5 / 2),
     * 2560x7680 510 / 1168, vs 1649 / 3321, 1897 / 3370, 1114 / 2245 for 8 x 8 outputs with
     * prefetch and two buffers (register pressure), q4_K alike. */
    c->bm = 128;
    c->bt = 64;
    c->bk = 16;
    c->rq = 1;
    c->nq = 2;
    /* The tiled k loop written out 16 steps a pass (KU) where it won, with 8 x 4 register
     * tiles (RQ 2, NQ 1) for f16 / bf16 rows; f32, q3_K lost, q5_0 / q5_1 tied. H100,
     * bench-mm 2560 x 10240 at T = 512 / 124, us (bench/h100_s17b.sh, h100_s17c.sh):
     * q4_K 1039 / 298 -> 959 / 279, q5_K 1118 / 318 -> 1009 / 289, q6_K 1090 / 310 ->
     * 1048 / 300, q8_0 1036 / 297 -> 985 / 306 (second run 979 / 280), q4_0 1044 / 296 ->
     * 985 / 282, q2_K 1039 / 297 -> 992 / 282, bf16 992 / 290 -> 936 / 277, f16 (2560 x
     * 7680) 760 / 229 -> 733 / 226; 2.9B pp512 Q4_K_M 4194 -> 4356, F16 4543 -> 4662 tok/s */
    switch (type) {
    case RWKV_TYPE_F16: case RWKV_TYPE_BF16:
      /* only for the big shapes: smaller f16 ones lose with either (us at T = 512 / 124:
       * 2560 x 2560 302 / 104 -> 312 / 105, 1024 x 4096 221 / 94 -> 242 / 106, 768 x 3072
       * 172 / 65 -> 186 / 65; 0.1B F16 pp512 56316-56477 -> 53605-54059, 0.4B 21704-21824
       * -> 20369-20499 tok/s with it everywhere; bench/h100_s17g.sh) */
      if (K * M >= 2560u * 7680u) {
        c->rq = 2;
        c->nq = 1;
        c->ku = 16;
      }
      break;
    case RWKV_TYPE_Q8_0: case RWKV_TYPE_Q4_0: case RWKV_TYPE_Q4_1: case RWKV_TYPE_Q2_K:
    case RWKV_TYPE_Q4_K: case RWKV_TYPE_Q5_K: case RWKV_TYPE_Q6_K:
      c->ku = 16;
      break;
    default:
      break;
    }
    /* Prefills of more than MM_SHORT_T tokens over rows of 2560 x 7680+ elements: 8 x 8
     * register tiles (RQ 2, NQ 2, 128 invocations) for the simple types, for q4_K rows of K >=
     * 2 M and, with BK 8 (one unit an invocation; with 16 it still spills), for q6_K rows; the
     * K-quants' block words an invocation then loads once (matmul.comp MT_SHARE; before, 8 x 8
     * spilled: 13 ms for 1). They lose at T = 124, on 2560 x 2560, for q4_K 2560 x 10240 (929
     * -> 943 us at T = 512) and q5_K spills either way. H100, bench-mm us at T = 124 / 512 /
     * 1024 (bench/h100_s19a.sh, s19b.sh, s19e.sh): f16 2560 x 10240 279 / 939 / 1792 -> 340 /
     * 912 / 1672, 2560 x 7680 227 / 733 / 1353 -> 281 / 722 / 1293, 10240 x 2560 261 / 909 /
     * 1730 -> 333 / 917 / 1708; bf16 2560 x 10240 941 / 1791 -> 910 / 1670 at T = 512 / 1024;
     * q4_0 986 / 1922 -> 951 / 1782, 10240 x 2560 1073 / 2112 -> 1056 / 1993; q8_0 984 / 1887
     * -> 960 / 1783, 10240 x 2560 1068 / 2066 -> 1089 / 2017; q4_K 10240 x 2560 1050 / 2030 ->
     * 1021 / 1952; q6_K 10240 x 2560 1048 / 2014 -> 1030 / 1978, 2560 x 10240 1046 / 2000 ->
     * 1011 / 1930. 2.9B F16 pp512 4848-4849 -> 4908 tok/s, document state 198.3-198.5 -> 192.3
     * ms, the 10 fields (T = 124) unchanged */
    int wide88 = type == RWKV_TYPE_F16 || type == RWKV_TYPE_BF16 || type == RWKV_TYPE_Q8_0 ||
                 type == RWKV_TYPE_Q4_0 || type == RWKV_TYPE_Q4_1 || type == RWKV_TYPE_Q6_K ||
                 (type == RWKV_TYPE_Q4_K && K >= 2 * M);
    if (prefill == 1 && K * M >= 2560u * 7680u && wide88) {
      c->rq = 2;
      c->nq = 2;
      c->ku = 16;
      if (type == RWKV_TYPE_Q6_K) {
        c->bk = 8;
        c->ku = 8;
      }
    }
    c->db = 0;
    c->pf = 0;
    c->kernel = prefill ? 1 : 0;
    c->dec = 1;
    if (prefill) c->tt = 8;
    /* H100 sweep (bench/MATMUL.md): blocked decode wants ~2560+ warps: 1 row per lane group
     * (2 units in flight) for 2560 rows, 4 rows for 10240+ (K-quants; floats 2). */
    int fl = rwkv_type_is_float(type);
    if (mmu_ok(type, K)) {
      /* (M > 5120: the 2.9B Q4_K_M's r|k stack of 5120 rows keeps the 2560-row matvecs'
       * shape, NR 1 UNR 2; with NR 2 its decode was 4.14 -> 4.20 ms a token, h100_s17j.sh) */
      c->nr = M >= 8192 && !fl ? 4 : (M > 5120 ? 2 : 1);
      /* 4 rows per lane group want 4 units in flight (H100, 2560x65536 head: q6_K 398 -> 101
       * us, q4_K 542 -> 110; bench/h100_probe.sh, 2026-11-25) */
      c->unr = c->nr == 1 ? 2 : (c->nr == 4 ? 4 : 1);
      /* K-quant rows of 8192-16383 (the 2.9B FFN key, 2560 x 10240): 5 rows a lane group
       * and one unit in flight make 512 workgroups, all resident at once on an H100, where 4
       * made 640 of which 528 fit (a second wave, mostly empty). H100, weights from memory
       * (bench/h100_s10h.sh, occupancy probe): q4_K 21.2-22.3 -> 19.8-19.9 us */
      if (!fl && M >= 8192 && M < 16384) {
        c->nr = 5;
        c->unr = 1;
      }
      /* q4_K rows of K >= 8192 (the 2.9B FFN value, 10240 x 2560): 2 rows a lane group share
       * each x load, one unit in flight. H100, weights from memory, bench-mm after its untimed
       * loop (bench/h100_s23h.sh, two rounds): 22.0-22.1 -> 20.2 us; q6_K lost with it (21.5
       * -> 24.8-25.8), 4 rows lost for both. 2.9B Q4_K_M decode 4.018-4.021 -> 3.980-3.983 ms
       * a token (bench/h100_s23i.sh) */
      if (type == RWKV_TYPE_Q4_K && K >= 8192 && M <= 5120) {
        c->nr = 2;
        c->unr = 1;
      }
      /* K-quant rows of the big matvecs (r/k/v grouped, FFN) over two subgroups, since the
       * scale picks are branch-free (before, more lanes lost: MATMUL.md round 6). H200,
       * weights from memory (bench/h100_s8b.sh): q4_K 10240x2560 25.0 -> 20.9 us, 2560x7680
       * 18.9 -> 16.7, q6_K 10240x2560 24.3 -> 21.5; 2560x2560 alone not (13.3 -> 15.2). With
       * ln_mix's early loads, 2.9B Q4_K_M decode 4.25 -> 4.11 ms (bench/h100_s8c.sh) */
      if (!fl && c->subgroup && c->lanes == 32 && K * M >= 2560u * 7680u &&
          4 * 64 <= (unsigned)in->max_invocations) {
        c->lanes = 64;
        c->wg = 4 * c->lanes;
      }
      /* float rows: several subgroups per row, at least 2 units of 8 per lane (H100, weights
       * from memory, BENCH_MM_COPIES: f16 2560x7680 25.1 -> 21.9 us, 2560x10240 29.9 -> 26.4,
       * 10240x2560 45.3 -> 30.2 with 128 lanes; 2.9B F16 decode 141 -> 165 tok/s;
       * bench/MATMUL.md round 5) */
      if (fl && c->subgroup)
        while (c->lanes < 128 && K / 8 >= 4u * c->lanes && c->lanes * 8 <= (unsigned)in->max_invocations) {
          c->lanes *= 2;
          c->wg = 4 * c->lanes;
        }
      /* float rows of K >= 2048: a pass's units loaded before any is decoded (H200, 2.9B F16
       * decode 4.67-4.71 -> 4.58-4.61 ms; 0.1B's K = 768 rows 0.720 -> 0.728 ms; K-quants 4.6
       * -> 5.4-6.9 ms, raw words only 5.6-6.5; bench/h100_s5i.sh, h100_s5j.sh, h100_s5k.sh;
       * same-code runs differ by up to 1.5% in these calls) */
      c->pre = fl && K >= 2048;
    }
  }
  /* Tuning / testing overrides (read at upload):
   *   RWKV_MM_LANES=<pow2 <= 256> invocations per row (workgroup 4 rows, 64 for 1)
   *   RWKV_MM_WG, RWKV_MM_NR (rows per lane group), RWKV_MM_UNR (units in flight),
   *   RWKV_MM_XSH=0|1, RWKV_MM_XCH=<floats, multiple of 8>, RWKV_MM_NO_SUBGROUP=1
   *   RWKV_MM_TT=<1..32> prefill through the rows kernel with TT tokens per pass
   *   RWKV_MM_TILED=0|1 prefill kernel, RWKV_MM_BM / BT (multiples of 4), RWKV_MM_BK (of 8),
   *   RWKV_MM_SWZ=0|1 warp-shaped thread tiles (8 x 4 quads per 32 invocations; GPUs: on),
   *   RWKV_MM_RQ / NQ=<1..4> row / token quads per invocation (register tile 4RQ x 4NQ),
   *   RWKV_MM_DB=0|1 two shared buffers (one barrier a slice), RWKV_MM_PF=0|1 register
   *   prefetch of the next slice, RWKV_MM_KU=1|2|4|8|16 k steps written out a pass,
   *   RWKV_MM_SPLITK=<1..64> always split K in that many
   *   pieces (1: never), else split when a dispatch has < RWKV_MM_SPLIT_MIN workgroups
   *   (default 2112; 0: never; RWKV_MM_SPLIT_MIN_SMALL, default 528, for at most two
   *   token tiles) into at most RWKV_MM_SPLIT_MAX (default 16) pieces of at least 4
   *   BK-wide slices each, RWKV_MM_SPLIT_SLICES (default 14) in dispatches of more than two
   *   token tiles; in dispatches of at most two, pieces of at most RWKV_MM_SPLIT_PIECE_SMALL
   *   slices (default 40, 0: no limit; more pieces than the target, up to the maximum);
   *   RWKV_MM_SPLIT_MID_MAX (dispatches of three to eight token tiles: the target's floor in
   *   at most that many pieces and SPLIT_MAX, default 8 for f16 rows, 64 for others; 0: its
   *   ceiling); RWKV_MM_SPLIT_SMALL_FLOOR=0|1|2 (dispatches of at most two: the target's
   *   ceiling for every type, the default's floor for quantized rows, the floor for all);
   *   RWKV_MM_SPLIT_KM=K:M:S[:L],... those pieces for weights of that shape in passes of
   *   at most two / three to eight token tiles (split_km).
   *   RWKV_MM_PRE=0|1 blocked decode: a pass's units loaded before any is decoded
   *   RWKV_MM_DEC=0|1 blocked decode kernel (2) instead of the rows kernel where the type
   *   has unit decoders (with RWKV_MM_TT also for prefill). */
  unsigned v;
  if (env_uint("RWKV_MM_LANES", 1, 256, &v) && is_pow2(v)) {
    c->lanes = v;
    c->wg = v == 1 ? 64 : 4 * v;
    /* lane groups of one or more whole subgroups reduce with subgroupAdd (then shared
     * memory across the subgroups); others through shared memory only */
    c->subgroup = in->has_subgroup && is_pow2((unsigned)in->subgroup_size) &&
                  v >= (unsigned)in->subgroup_size;
    c->sgs = c->subgroup ? (unsigned)in->subgroup_size : 0;
  }
  if (env_uint("RWKV_MM_WG", 1, 1024, &v) && v % c->lanes == 0) c->wg = v;
  if (env_uint("RWKV_MM_NR", 1, 8, &v)) c->nr = v;
  if (env_uint("RWKV_MM_UNR", 1, 8, &v)) c->unr = v;
  int xsh_env = env_uint("RWKV_MM_XSH", 0, 1, &v);
  if (xsh_env) c->xsh = v;
  if (env_uint("RWKV_MM_XCH", 8, 8192, &v) && v % 8 == 0) c->xch = v;
  if (env_uint("RWKV_MM_NO_SUBGROUP", 1, 1, &v)) c->subgroup = 0;
  /* short prefill (prefill == 2: T <= MM_SHORT_T) of at most one tile's rows over a long K
   * (llama.cpp files' LoRA w1, 2560 x 96 in F32 beside the stacked F16 a1 / g1 / v1): the rows
   * kernel, 8 tokens a pass, instead of a tile split 16 ways in K, whose reduce waits for
   * everything queued before it (H100, T = 124: 20-22 against 37-47 us; 10 fields 39.0-39.2
   * -> 38.2 ms; at T = 512+ the tile wins: bench/RESULTS.md session 11). RWKV_MM_SMALL_TT=0:
   * the tile for every prefill */
  if (prefill == 2 && !in->software && c->kernel == 1 && M <= c->bm && K >= 1024 &&
      !(env_uint("RWKV_MM_SMALL_TT", 0, 1, &v) && v == 0)) {
    c->kernel = 0;
    c->tt = 8;
  }
  if (prefill && env_uint("RWKV_MM_TT", 1, 32, &v)) {
    c->tt = v;
    c->kernel = 0;
  }
  if (prefill && env_uint("RWKV_MM_TILED", 0, 1, &v)) c->kernel = v;
  if (env_uint("RWKV_MM_DEC", 0, 1, &v)) c->dec = v;
  if (env_uint("RWKV_MM_PRE", 0, 1, &v)) c->pre = v;
  if (env_uint("RWKV_MM_CUT", 0, 3, &v)) c->cut = v; /* 1 the math, 2 the x loads; garbage out */
  if (c->kernel == 0 && c->dec && mmu_ok(type, K)) c->kernel = 2;
  if (env_uint("RWKV_MM_BM", 4, 256, &v) && v % 4 == 0) c->bm = v;
  if (env_uint("RWKV_MM_BT", 4, 256, &v) && v % 4 == 0) c->bt = v;
  if (env_uint("RWKV_MM_BK", 8, 256, &v) && v % 8 == 0) c->bk = v;
  if (env_uint("RWKV_MM_RQ", 1, 4, &v)) c->rq = v;
  if (env_uint("RWKV_MM_NQ", 1, 4, &v)) c->nq = v;
  if (env_uint("RWKV_MM_DB", 0, 1, &v)) c->db = v;
  if (env_uint("RWKV_MM_PF", 0, 1, &v)) c->pf = v;
  if (env_uint("RWKV_MM_SPLITK", 1, 64, &v)) c->split_force = v;
  if (env_uint("RWKV_MM_SPLIT_MIN", 0, 1u << 20, &v)) c->split_min = c->split_min_small = v;
  if (env_uint("RWKV_MM_SPLIT_MIN_SMALL", 0, 1u << 20, &v)) c->split_min_small = v;
  if (env_uint("RWKV_MM_SPLIT_MAX", 1, 64, &v)) c->split_max = v;
  if (env_uint("RWKV_MM_SPLIT_SLICES", 1, 1024, &v)) c->split_slices = v;
  if (env_uint("RWKV_MM_SPLIT_SLICES_SMALL", 1, 1024, &v)) c->split_slices_small = v;
  if (env_uint("RWKV_MM_SPLIT_PIECE_SMALL", 0, 1u << 20, &v)) c->split_piece_small = v;
  if (env_uint("RWKV_MM_SPLIT_MID_MAX", 0, 64, &v)) c->split_mid_max = v;
  if (env_uint("RWKV_MM_SPLIT_SMALL_FLOOR", 0, 2, &v))
    c->split_floor_small = v == 2 || (v == 1 && c->split_floor_small); /* 1: the default's */
  split_km(K, M, c);
  while (c->bm % (4 * c->rq)) c->rq--;
  while (c->bt % (4 * c->nq)) c->nq--;
  /* llvmpipe: float rows through a texture buffer (glsl/common.glsl TEXW); RWKV_MM_TEXW=0|1 */
  int fw = rwkv_type_is_float(type);
  int tw = fw && c->kernel == 0 && in->has_texture_buffer &&
           K * M / 4 <= (uint64_t)in->max_texture_buffer; /* f32 rows: 4 per texel */
  c->texw = in->software && tw;
  if (env_uint("RWKV_MM_TEXW", 0, 1, &v)) c->texw = v && tw;
  /* f16 rows through an RGBA16F view (texw = 2): the texture fetch converts the halves
   * instead of unpackHalf2x16 in the shader. llvmpipe, 0.1B F16 decode with logits
   * (bench-profile MODEL 1 30, six interleaved pairs): 97-147 -> 79-114 ms per token, all of
   * it in the 768 x 65536 head (without logits 72 vs 74 ms); RWKV_MM_TEXH=0 turns it off */
  if (c->texw && type == RWKV_TYPE_F16) c->texw = 2;
  if (c->texw == 2 && env_uint("RWKV_MM_TEXH", 0, 1, &v) && !v) c->texw = 1;
  /* and x staged in shared memory with them (0.1B decode on llvmpipe 147 -> 123 ms per
   * token, prefill of 64 3.8 -> 3.4 s, interleaved; without texture weights it did not help) */
  if (c->texw && in->software && !xsh_env) c->xsh = 1;
  unsigned maxinv = in->max_invocations > 0 ? (unsigned)in->max_invocations : 128;
  unsigned maxsh = in->max_shared > 0 ? (unsigned)in->max_shared : 16384;
  if (c->wg > maxinv) {
    c->wg = maxinv;
    if (c->lanes > c->wg) c->lanes = c->wg;
  }
  while (c->xsh && c->xch > 8 && 4u * c->tt * c->xch + 4u * c->wg * c->nr * c->tt > maxsh)
    c->xch /= 2;
  if (c->xsh && 4u * c->tt * c->xch + 4u * c->wg * c->nr * c->tt > maxsh) c->xsh = 0; /* no room */
  while ((c->bm / (4 * c->rq)) * (c->bt / (4 * c->nq)) > maxinv ||
         (c->db + 1) * 4u * c->bk * (c->bm + c->bt) > maxsh) {
    if (c->bk > 16) c->bk /= 2;
    else if (c->db) c->db = 0;
    else if (c->bk > 8) c->bk /= 2;
    else if (c->bt > 4 * c->nq) c->bt /= 2;
    else if (c->bm > 4 * c->rq) c->bm /= 2;
    else c->rq = c->nq = 1;
  }
  while (c->bm % (4 * c->rq)) c->rq--;
  while (c->bt % (4 * c->nq)) c->nq--;
  c->kfull = K % 8 == 0;
  /* RWKV_MM_SWZ=0|1: warp-shaped thread tiles in the tiled kernel (where the shape allows);
   * q4_K rows with the written-out k loop: plain thread tiles (H100 bench-mm, T = 512 / 124:
   * 2560 x 10240 954 / 275 -> 927 / 267 us, 10240 x 2560 1080 / 296 -> 1049 / 287, 2560 x
   * 7680 747 / 223 -> 722 / 216; f16 2560 x 10240 932 -> 1230, q6_K equal; h100_s17e.sh) */
  c->swz = !in->software && !(type == RWKV_TYPE_Q4_K && c->ku == 16);
  if (env_uint("RWKV_MM_SWZ", 0, 1, &v)) c->swz = v;
  unsigned tm = c->bm / (4 * c->rq), tn = c->bt / (4 * c->nq);
  if (tm % 8 || tn % 4) c->swz = 0;
  /* RWKV_MM_KU=1|2|4|8|16 k steps written out per pass of the tiled kernel's k loop (a
   * divisor of BK) */
  if (env_uint("RWKV_MM_KU", 1, 16, &v) && is_pow2(v)) c->ku = v;
  while (c->bk % c->ku) c->ku /= 2;
}

/* matmul.comp's defines for cfg c (extra: more lines, e.g. the prologue's). */
static void cfg_defs(uint32_t type, const mm_cfg *c, const char *extra, char *defs, size_t cap) {
  snprintf(defs, cap,
           "#define RWKV_WEIGHT_BINDING 0\n#define RWKV_MM_PACKED 1\n#define RWKV_WTYPE %u\n"
           "#define KERNEL %u\n#define WG %u\n#define LANES %u\n#define NR %u\n#define TT %u\n"
           "#define UNR %u\n#define XSH %u\n#define XCH %u\n#define BM %u\n#define BT %u\n"
           "#define BK %u\n#define WGT %u\n#define RQ %u\n#define NQ %u\n#define DB %u\n"
           "#define PF %u\n#define SGS %u\n#define SWZ %u\n#define KFULL %u\n#define PRE %u\n"
           "#define MM_CUT %u\n#define KU %u\n%s%s%s%s",
           type, c->kernel, c->wg, c->lanes, c->nr, c->tt, c->unr, c->xsh, c->xch, c->bm,
           c->bt, c->bk, (c->bm / (4 * c->rq)) * (c->bt / (4 * c->nq)), c->rq, c->nq, c->db,
           c->pf, c->subgroup ? c->sgs : c->lanes, c->swz, c->kfull, c->pre, c->cut, c->ku,
           c->subgroup ? "#define RWKV_SUBGROUP 1\n" : "",
           c->texw == 2 ? "#extension GL_EXT_texture_buffer : require\n#define TEXW 1\n#define TEXH 1\n"
           : c->texw ? "#extension GL_EXT_texture_buffer : require\n#define TEXW 1\n" : "",
           /* occupancy probe for bench-mm (glsl/matmul.comp; the caller binds SSBO 7) */
           getenv("RWKV_MM_OCC") && atoi(getenv("RWKV_MM_OCC")) ? "#define RWKV_OCC 1\n" : "", extra);
}

/* Bytes of one block on the GPU (padded to 4) and the float rows' element size. */
static uint64_t packed_block_bytes(const rwkv_type_info *ti) {
  return ti->block == 1 ? ti->bytes : (ti->bytes + 3u) & ~3u;
}
static uint64_t packed_stride(const rwkv_type_info *ti, uint64_t K) {
  uint64_t b = (K / ti->block) * packed_block_bytes(ti);
  return (b + 15u) & ~15ull;
}

/* One GGUF row to the GPU layout (see matmul.h): blocks padded to 4 bytes, q4_0 / q5_0
 * / q8_0 with their leading f16 scale moved behind the quants (ggml-common.h layouts),
 * the row padded with zeros to `stride`. */
static void pack_row(const rwkv_type_info *ti, uint64_t K, const uint8_t *src, uint8_t *dst,
                     uint64_t stride) {
  uint8_t *end = dst + stride;
  if (ti->block == 1) {
    memcpy(dst, src, K * ti->bytes);
    memset(dst + K * ti->bytes, 0, stride - K * ti->bytes);
    return;
  }
  uint64_t nb = K / ti->block, pb = packed_block_bytes(ti), qb = ti->bytes;
  for (uint64_t b = 0; b < nb; b++, src += qb, dst += pb) {
    switch (ti->id) {
    case RWKV_TYPE_Q4_0: /* d[2] qs[16] -> qs d */
    case RWKV_TYPE_Q5_0: /* d[2] qh[4] qs[16] -> qh qs d */
    case RWKV_TYPE_Q8_0: /* d[2] qs[32] -> qs d */
      memcpy(dst, src + 2, qb - 2);
      memcpy(dst + qb - 2, src, 2);
      break;
    default:
      memcpy(dst, src, qb);
    }
    if (pb > qb) memset(dst + qb, 0, pb - qb);
  }
  memset(dst, 0, (size_t)(end - dst));
}

/* Packing one chunk of rows straight into the mapped buffer, split over the context's
 * worker threads (rwkv_gpu_parallel): task i packs rows [i*rpt, (i+1)*rpt) of the chunk. */
typedef struct pack_job {
  rwkv_gpu *g;
  const rwkv_type_info *ti;
  uint64_t K, rb, stride;
  const void *const *data;
  const uint64_t *rows_of;
  uint32_t n_parts;
  uint64_t row0, rows, rpt;
  int plain; /* GGUF rows are already the GPU layout: one memcpy per part run */
  uint8_t *dst;
  size_t task0;   /* the first task of the piece being packed */
  uint64_t piece; /* bytes a piece (0: the whole buffer) */
} pack_job;

static void pack_task(void *ctx, size_t i) {
  const pack_job *j = ctx;
  i += j->task0;
  uint64_t r = (uint64_t)i * j->rpt, r_end = r + j->rpt < j->rows ? r + j->rpt : j->rows;
  uint64_t gr = j->row0 + r; /* row of the whole (stacked) weight */
  uint32_t part = 0;
  while (part < j->n_parts && gr >= j->rows_of[part]) gr -= j->rows_of[part++];
  while (r < r_end && part < j->n_parts) {
    uint64_t n = j->rows_of[part] - gr < r_end - r ? j->rows_of[part] - gr : r_end - r;
    const uint8_t *src = (const uint8_t *)j->data[part] + gr * j->rb;
    uint8_t *dst = j->dst + r * j->stride;
    if (j->plain)
      rwkv_gpu_stream(j->g, dst, src, n * j->rb);
    else
      for (uint64_t k = 0; k < n; k++) pack_row(j->ti, j->K, src + k * j->rb, dst + k * j->stride, j->stride);
    r += n;
    part++;
    gr = 0;
  }
}

/* Packs in pieces of about RWKV_UPLOAD_PIECE_MB (default 8; 0 or a smaller weight: at once),
 * each reported to rwkv_gpu_fill_progress so that its copy to the GPU overlaps the packing
 * of the next piece. */
static void pack_rows(pack_job *j, uint8_t *dst) {
  j->dst = dst;
  size_t n = (size_t)((j->rows + j->rpt - 1) / j->rpt), per = n;
  uint64_t tb = j->rpt * j->stride; /* bytes a task */
  if (j->piece && tb && j->piece / tb < n) per = j->piece / tb ? (size_t)(j->piece / tb) : 1;
  for (size_t t = 0; t < n; t += per) {
    j->task0 = t;
    rwkv_gpu_parallel(j->g, n - t < per ? n - t : per, pack_task, j);
    uint64_t r = (uint64_t)(t + per) * j->rpt;
    rwkv_gpu_fill_progress(j->g, (r < j->rows ? r : j->rows) * j->stride);
  }
  j->task0 = 0;
}
static void pack_fill(void *ctx, uint8_t *dst) {
  pack_job *j = ctx;
  pack_rows(j, dst);
  memset(dst + j->rows * j->stride, 0, MM_PAD);
}
/* Bytes [off, off + n) of a chunk bigger than a ring slot (rwkv_gpu_buffer_fill_pieces):
 * whole rows, the last piece ending with the padding. */
static void pack_piece(void *ctx, uint8_t *dst, uint64_t off, uint64_t n) {
  const pack_job *j = ctx;
  pack_job p = *j;
  p.row0 = j->row0 + off / j->stride;
  p.rows = n / j->stride;
  p.piece = 0;
  pack_rows(&p, dst);
  memset(dst + p.rows * p.stride, 0, n - p.rows * p.stride);
}

/* (queued programs of w's are dropped first: rwkv_gpu_program_lazy keeps its slots) */
static void weight_clear(rwkv_gpu *g, rwkv_mm_weight *w) {
  rwkv_gpu_program_forget(g, w, sizeof *w);
  memset(w, 0, sizeof *w);
}

int rwkv_mm_variant(uint32_t T) { return T <= 1 ? 0 : T <= MM_SHORT_T ? 2 : 1; }

/* A chunk's rows for prog[v]: the SSBO at binding 0 and, where the program reads the weights
 * through a texture buffer (TEXW), that texture on unit 0 (u_wt's default unit). */
static void bind_chunk(const rwkv_mm_weight *w, int v, const rwkv_mm_chunk *ch) {
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 0, ch->buf);
  if (w->texw[v]) {
    glActiveTexture(GL_TEXTURE0);
    glBindTexture(GL_TEXTURE_BUFFER, ch->tex);
  }
}

void rwkv_mm_free(rwkv_gpu *g, rwkv_mm_weight *w) {
  if (!w) return;
  if (w->scratch_user) rwkv_gpu_scratch_use(g, -1);
  int cur = w->n_chunks && w->chunks[0].tex && rwkv_gpu_make_current(g, NULL) == RWKV_OK;
  for (uint32_t i = 0; i < w->n_chunks; i++) {
    if (cur && w->chunks[i].tex) glDeleteTextures(1, &w->chunks[i].tex);
    if (w->chunks[i].buf) rwkv_gpu_buffer_free(g, w->chunks[i].buf, w->chunks[i].bytes);
  }
  free(w->chunks);
  weight_clear(g, w);
}

/* Rows come from n parts (data[i], rows[i]), each rows[i] * row_bytes long. */
static int mm_upload_parts(rwkv_gpu *g, const char *name, uint32_t type, uint64_t K,
                           const void *const *data, const uint64_t *rows_of, uint32_t n,
                           rwkv_mm_weight *w, rwkv_error *err) {
  weight_clear(g, w);
  snprintf(w->name, sizeof w->name, "%s", name ? name : "(weight)");
  const rwkv_type_info *ti = rwkv_type_get(type);
  if (!ti) return rwkv_errorf(err, RWKV_ERR_UNSUPPORTED, "%s: unsupported tensor type %u",
                              w->name, type);
  uint64_t M = 0;
  for (uint32_t i = 0; i < n; i++) M += rows_of[i];
  if (K == 0 || M == 0 || K > 0xFFFFFFF0u || M > 0xFFFFFFF0u)
    return rwkv_errorf(err, RWKV_ERR_ARG, "%s: bad shape [%llu, %llu]", w->name,
                       (unsigned long long)K, (unsigned long long)M);
  uint64_t rb = rwkv_type_row_bytes(type, K);
  if (rb == 0)
    return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: row of %llu elements is not a whole number "
                       "of %s blocks (%u elements)", w->name, (unsigned long long)K, ti->name,
                       ti->block);
  uint64_t stride = packed_stride(ti, K);
  const rwkv_gpu_info *in = rwkv_gpu_get_info(g);
  mm_cfg cfg[3];
  for (int v = 0; v < 3; v++) pick_cfg(in, v, type, K, M, &cfg[v]);
  /* Rows per chunk: the SSBO block-size limit, 32-bit byte addresses in the
   * shader, and the workgroup-count limit (with slack for 4 groups' rounding). */
  uint64_t max_bytes = in->max_ssbo > 0 ? (uint64_t)in->max_ssbo : (1ull << 27);
  if (max_bytes > (1ull << 31)) max_bytes = 1ull << 31;
  if (max_bytes <= MM_PAD || stride > max_bytes - MM_PAD)
    return rwkv_errorf(err, RWKV_ERR_UNSUPPORTED, "%s: one row is %llu bytes, the GPU's "
                       "largest storage block is %lld", w->name, (unsigned long long)stride,
                       in->max_ssbo);
  uint64_t max_rows = (max_bytes - MM_PAD) / stride;
  uint64_t groups = in->max_groups_x > 0 ? (uint64_t)in->max_groups_x : 65535;
  for (int v = 0; v < 3; v++) {
    uint64_t rpw = cfg[v].kernel == 1 ? cfg[v].bm : (uint64_t)(cfg[v].wg / cfg[v].lanes) * cfg[v].nr;
    uint64_t r = (groups - RWKV_MM_MAX_GROUPS) * rpw;
    if (r < max_rows) max_rows = r;
  }
  w->type = type;
  w->K = (uint32_t)K;
  w->M = (uint32_t)M;
  w->row_bytes = rb;
  w->stride = stride;
  for (int v = 0; v < 3; v++) { /* (v 2 is mostly v 1's program again: cached by defines) */
    char defs[1024];
    const mm_cfg *c = &cfg[v];
    cfg_defs(type, c, "", defs, sizeof defs);
    /* in a load: the decode kernel (v 0) built while the uploads wait, the prefill ones
     * possibly after the load, while the GPU runs (rwkv_gpu_program_lazy); rows written on
     * the GPU (rwkv_mm_alloc_float): all when first used */
    int rc = v || !data[0] ? rwkv_gpu_program_lazy(g, "matmul", defs, &w->prog[v], err)
               : rwkv_gpu_program_soon(g, "matmul", defs, &w->prog[v], err);
    if (rc) {
      rwkv_error_prefix(err, "%s", w->name);
      weight_clear(g, w);
      return rc;
    }
    w->rows_per_wg[v] = c->kernel == 1 ? c->bm : (c->wg / c->lanes) * c->nr;
    w->tt[v] = c->kernel == 1 ? c->bt : c->tt;
    w->kernel[v] = c->kernel;
    /* matmul.comp reads u_xal in the tiled and blocked kernels, and in the rows kernel when
     * it has whole units and reads x from the buffer (no glGet: it stalls a threaded driver) */
    w->xal[v] = c->kernel != 0 || (c->kfull && !c->xsh);
    w->texw[v] = (int)c->texw;
  }
  if (cfg[1].kernel == 1) { /* split-K reduce: one program per context (cached by defines) */
    w->bk = cfg[1].bk;
    w->split_min = cfg[1].split_min;
    w->split_min_small = cfg[1].split_min_small;
    w->split_max = cfg[1].split_max;
    w->split_slices = cfg[1].split_slices;
    w->split_slices_small = cfg[1].split_slices_small;
    w->split_force = cfg[1].split_force;
    w->split_piece_small = cfg[1].split_piece_small;
    w->split_mid_max = cfg[1].split_mid_max;
    w->split_floor_small = cfg[1].split_floor_small;
    w->split_km_small = cfg[1].split_km_small;
    w->split_km_long = cfg[1].split_km_long;
    int rc = rwkv_gpu_program_lazy(g, "matmul", "#define RWKV_WEIGHT_BINDING 0\n#define RWKV_MM_PACKED 1\n"
                              "#define RWKV_WTYPE 0\n#define KERNEL 3\n#define WG 256\n",
                              &w->prog_reduce, err);
    if (rc) {
      rwkv_error_prefix(err, "%s", w->name);
      weight_clear(g, w);
      return rc;
    }
  }
  uint64_t n_chunks = (M + max_rows - 1) / max_rows;
  w->chunks = calloc(n_chunks, sizeof *w->chunks);
  if (!w->chunks) {
    weight_clear(g, w);
    return rwkv_errorf(err, RWKV_ERR_NOMEM, "%s: out of memory", w->name);
  }
  pack_job job = {g, ti, K, rb, stride, data, rows_of, n, 0, 0, 0, 0, NULL, 0, 8u << 20};
  /* Pieces only for weights of RWKV_UPLOAD_PIECE_MIN_MB (default 32) or more: on the H100 they
   * took the 2.9B F16's load 671 -> 540-576 ms (its 52 MB FFN matrices) but cost the Q4_K_M's
   * 15-21 MB ones ~10 ms of packing not hidden (bench/h100_s12i.sh) */
  unsigned piece_mb, min_mb = 32;
  if (env_uint("RWKV_UPLOAD_PIECE_MB", 0, 1024, &piece_mb)) job.piece = (uint64_t)piece_mb << 20;
  env_uint("RWKV_UPLOAD_PIECE_MIN_MB", 0, 1u << 16, &min_mb);
  if (M * stride < (uint64_t)min_mb << 20) job.piece = 0;
  /* tasks sized for a piece, so that each piece still spreads over every thread */
  uint64_t tb = rwkv_gpu_task_bytes(g, job.piece && job.piece < M * stride ? job.piece : M * stride);
  job.rpt = tb / stride ? tb / stride : 1;
  job.plain = stride == rb && (ti->block == 1 || (packed_block_bytes(ti) == ti->bytes &&
                                                  ti->id != RWKV_TYPE_Q4_0 && ti->id != RWKV_TYPE_Q5_0 &&
                                                  ti->id != RWKV_TYPE_Q8_0));
  /* chunks bigger than a ring slot go through it in pieces (rwkv_gpu_piece_max) */
  uint64_t up_max = rwkv_gpu_piece_max(g);
  int rc = RWKV_OK;
  for (uint64_t c = 0; c < n_chunks && !rc; c++) {
    uint64_t row0 = c * max_rows;
    uint64_t rows = M - row0 < max_rows ? M - row0 : max_rows;
    uint64_t bytes = rows * stride + MM_PAD;
    unsigned buf = 0;
    job.row0 = row0;
    job.rows = rows;
    if (!data[0]) /* (rwkv_mm_alloc_float: no rows to copy) */
      rc = rwkv_gpu_buffer(g, bytes, NULL, &buf, err);
    else if (up_max > MM_PAD + stride && bytes > up_max) /* whole rows a piece, the padding in the last */
      rc = rwkv_gpu_buffer_fill_pieces(g, bytes, (up_max - MM_PAD) / stride * stride, pack_piece, &job, &buf, err);
    else
      rc = rwkv_gpu_buffer_fill(g, bytes, pack_fill, &job, &buf, err);
    if (rc) {
      rwkv_error_prefix(err, "%s: uploading rows %llu..%llu", w->name,
                        (unsigned long long)row0, (unsigned long long)(row0 + rows - 1));
      break;
    }
    w->chunks[c].buf = buf;
    w->chunks[c].bytes = bytes;
    if (w->texw[0] || w->texw[1]) { /* texel i = bytes 16 i .. 16 i + 15 of the chunk */
      while (glGetError() != GL_NO_ERROR) {
      }
      glGenTextures(1, &w->chunks[c].tex);
      glBindTexture(GL_TEXTURE_BUFFER, w->chunks[c].tex);
      glTexBuffer(GL_TEXTURE_BUFFER, w->texw[0] == 2 || w->texw[1] == 2 ? GL_RGBA16F : GL_RGBA32UI, buf);
      glBindTexture(GL_TEXTURE_BUFFER, 0);
      rc = rwkv_gpu_check(g, "texture buffer", err);
      if (rc) {
        rwkv_error_prefix(err, "%s: rows %llu..%llu", w->name, (unsigned long long)row0,
                          (unsigned long long)(row0 + rows - 1));
        w->n_chunks = (uint32_t)(c + 1);
        break;
      }
    }
    w->chunks[c].row0 = (uint32_t)row0;
    w->chunks[c].rows = (uint32_t)rows;
    w->n_chunks = (uint32_t)(c + 1);
  }
  if (rc) rwkv_mm_free(g, w);
  else if (cfg[1].kernel == 1) { /* (prog_reduce may still be queued) */
    w->scratch_user = 1;
    rwkv_gpu_scratch_use(g, 1);
  }
  return rc;
}

int rwkv_mm_upload(rwkv_gpu *g, const char *name, uint32_t type, uint64_t K, uint64_t M,
                   const void *data, uint64_t size, rwkv_mm_weight *w, rwkv_error *err) {
  if (!w) return rwkv_errorf(err, RWKV_ERR_ARG, "mm_upload: NULL weight");
  weight_clear(g, w);
  snprintf(w->name, sizeof w->name, "%s", name ? name : "(weight)");
  if (!g || !data) return rwkv_errorf(err, RWKV_ERR_ARG, "%s: NULL gpu or data", w->name);
  const rwkv_type_info *ti = rwkv_type_get(type);
  if (!ti) return rwkv_errorf(err, RWKV_ERR_UNSUPPORTED, "%s: unsupported tensor type %u",
                              w->name, type);
  if (K == 0 || M == 0 || K > 0xFFFFFFF0u || M > 0xFFFFFFF0u)
    return rwkv_errorf(err, RWKV_ERR_ARG, "%s: bad shape [%llu, %llu]", w->name,
                       (unsigned long long)K, (unsigned long long)M);
  uint64_t rb = rwkv_type_row_bytes(type, K);
  if (rb == 0)
    return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: row of %llu elements is not a whole number "
                       "of %s blocks (%u elements)", w->name, (unsigned long long)K, ti->name,
                       ti->block);
  if (M > UINT64_MAX / rb || rb * M != size)
    return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: %llu bytes given, %s [%llu, %llu] needs %llu",
                       w->name, (unsigned long long)size, ti->name, (unsigned long long)K,
                       (unsigned long long)M, (unsigned long long)(rb * M));
  char nm[96];
  snprintf(nm, sizeof nm, "%s", w->name);
  return mm_upload_parts(g, nm, type, K, &data, &M, 1, w, err);
}

int rwkv_mm_alloc_float(rwkv_gpu *g, const char *name, uint32_t type, uint64_t K, uint64_t M,
                        rwkv_mm_weight *w, rwkv_error *err) {
  if (!w) return rwkv_errorf(err, RWKV_ERR_ARG, "mm_alloc_float: NULL weight");
  char nm[96];
  snprintf(nm, sizeof nm, "%s", name ? name : "(float rows)");
  if (!g) {
    memset(w, 0, sizeof *w);
    return rwkv_errorf(err, RWKV_ERR_ARG, "%s: NULL gpu", nm);
  }
  weight_clear(g, w);
  if (type != RWKV_TYPE_F16 && type != RWKV_TYPE_F32)
    return rwkv_errorf(err, RWKV_ERR_ARG, "%s: type %u is not F16 or F32", nm, type);
  const void *none = NULL;
  return mm_upload_parts(g, nm, type, K, &none, &M, 1, w, err);
}

int rwkv_mm_dequant(rwkv_gpu *g, const rwkv_mm_weight *src, const rwkv_mm_weight *dst, uint32_t dst_row0,
                    uint32_t grid_rows, rwkv_error *err) {
  if (!g || !src || !dst) return rwkv_errorf(err, RWKV_ERR_ARG, "mm_dequant: NULL argument");
  int rows_ok = 1; /* (a chunk's rows are the grid's y: 65535 is every GPU's least limit) */
  for (uint32_t c = 0; c < src->n_chunks; c++) rows_ok &= src->chunks[c].rows <= 65535;
  if (!src->n_chunks || dst->n_chunks != 1 || (dst->type != RWKV_TYPE_F16 && dst->type != RWKV_TYPE_F32) ||
      src->K != dst->K || dst_row0 > dst->M || src->M > dst->M - dst_row0 || src->K % 8 || !rows_ok)
    return rwkv_errorf(err, RWKV_ERR_ARG, "mm_dequant: %s (%u x %u) into %s (%u x %u, %u buffers) from "
                       "row %u needs float rows of its K in one buffer, room for its rows, K %% 8 == 0, "
                       "at most 65535 rows a buffer", src->name, src->K, src->M, dst->name, dst->K, dst->M,
                       dst->n_chunks, dst_row0);
  int rc = rwkv_gpu_make_current(g, err);
  if (rc) return rc;
  char defs[160];
  snprintf(defs, sizeof defs, "#define RWKV_WEIGHT_BINDING 0\n#define RWKV_MM_PACKED 1\n#define RWKV_WTYPE %u\n"
           "#define KERNEL 4\n#define WG 256\n%s", src->type,
           dst->type == RWKV_TYPE_F32 ? "#define OUT_F32 1\n" : "");
  unsigned prog = 0;
  if ((rc = rwkv_gpu_program(g, "matmul", defs, &prog, err)) != RWKV_OK)
    return rwkv_error_prefix(err, "%s (dequantize)", src->name);
  glUseProgram(prog);
  glUniform1ui(0, src->K);
  glUniform1ui(2, (GLuint)src->stride);
  glUniform1ui(13, (GLuint)(dst->stride / 16));
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 2, dst->chunks[0].buf);
  for (uint32_t c = 0; c < src->n_chunks; c++) {
    const rwkv_mm_chunk *ch = &src->chunks[c];
    GLuint ga[4] = {dst_row0 + ch->row0, 0, ch->rows, 0};
    glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 0, ch->buf);
    glUniform4uiv(4, 1, ga);
    glDispatchCompute((src->K / 8 + 255) / 256, grid_rows && grid_rows < ch->rows ? grid_rows : ch->rows, 1);
  }
  return RWKV_OK; /* (no glGetError here: it stalls a threaded driver, and this runs a layer) */
}

static void tensor_name(const gguf_tensor *t, char *name, size_t cap) {
  size_t n = t->name.len < cap - 1 ? (size_t)t->name.len : cap - 1;
  memcpy(name, t->name.ptr, n);
  name[n] = '\0';
}

int rwkv_mm_upload_stacked(rwkv_gpu *g, const char *name, uint32_t type, uint64_t K,
                           const gguf_tensor *const *parts, uint32_t n_parts,
                           rwkv_mm_weight *w, rwkv_error *err) {
  if (!w) return rwkv_errorf(err, RWKV_ERR_ARG, "mm_upload_stacked: NULL weight");
  weight_clear(g, w);
  const char *nm = name ? name : "(stacked weight)";
  if (!g || !parts || n_parts == 0 || n_parts > 64)
    return rwkv_errorf(err, RWKV_ERR_ARG, "%s: NULL gpu/parts or bad part count %u", nm,
                       n_parts);
  const void *data[64];
  uint64_t rows[64];
  uint64_t rb = rwkv_type_row_bytes(type, K);
  for (uint32_t i = 0; i < n_parts; i++) {
    const gguf_tensor *t = parts[i];
    if (!t) return rwkv_errorf(err, RWKV_ERR_ARG, "%s: part %u is NULL", nm, i);
    char tn[96];
    tensor_name(t, tn, sizeof tn);
    if (t->type != type || t->ne[0] != K || t->ne[2] != 1 || t->ne[3] != 1 || t->ne[1] == 0)
      return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: part %u (%s) is type %u [%llu, %llu, %llu, "
                         "%llu], the stack needs type %u [%llu, rows]", nm, i, tn, t->type,
                         (unsigned long long)t->ne[0], (unsigned long long)t->ne[1],
                         (unsigned long long)t->ne[2], (unsigned long long)t->ne[3], type,
                         (unsigned long long)K);
    if (rb == 0 || t->ne[1] > UINT64_MAX / rb || t->size != rb * t->ne[1] || !t->data)
      return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: part %u (%s) holds %llu bytes, not %llu "
                         "rows of %llu", nm, i, tn, (unsigned long long)t->size,
                         (unsigned long long)t->ne[1], (unsigned long long)rb);
    data[i] = t->data;
    rows[i] = t->ne[1];
  }
  return mm_upload_parts(g, nm, type, K, data, rows, n_parts, w, err);
}

int rwkv_mm_upload_tensor(rwkv_gpu *g, const gguf_tensor *t, rwkv_mm_weight *w, rwkv_error *err) {
  if (!t) {
    if (w) weight_clear(g, w);
    return rwkv_errorf(err, RWKV_ERR_ARG, "mm_upload_tensor: NULL tensor");
  }
  char name[96];
  tensor_name(t, name, sizeof name);
  if (t->ne[2] != 1 || t->ne[3] != 1) {
    if (w) weight_clear(g, w);
    return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: matmul weight must be 2-D, shape is "
                       "[%llu, %llu, %llu, %llu]", name, (unsigned long long)t->ne[0],
                       (unsigned long long)t->ne[1], (unsigned long long)t->ne[2],
                       (unsigned long long)t->ne[3]);
  }
  return rwkv_mm_upload(g, name, t->type, t->ne[0], t->ne[1], t->data, t->size, w, err);
}

static int buffer_floats(rwkv_gpu *g, unsigned buf, uint64_t *n) {
  uint64_t known = rwkv_gpu_buffer_size(g, buf); /* no GL query on the hot path */
  if (known) {
    *n = known / 4;
    return 0;
  }
  GLint64 size = 0;
  glBindBuffer(GL_SHADER_STORAGE_BUFFER, buf);
  glGetBufferParameteri64v(GL_SHADER_STORAGE_BUFFER, GL_BUFFER_SIZE, &size);
  glBindBuffer(GL_SHADER_STORAGE_BUFFER, 0);
  if (glGetError() != GL_NO_ERROR || size <= 0) return -1;
  *n = (uint64_t)size / 4;
  return 0;
}

static int check_group(rwkv_gpu *g, const rwkv_mm_weight *w, const rwkv_mm_group *a, uint32_t gi,
                       uint32_t T, rwkv_error *err) {
  if (!a->x || !a->y)
    return rwkv_errorf(err, RWKV_ERR_ARG, "%s: group %u: T = %u, x = %u, y = %u (need T >= 1 "
                       "and buffers)", w->name, gi, T, a->x, a->y);
  if (a->rows == 0 || a->row0 > w->M || a->rows > w->M - a->row0)
    return rwkv_errorf(err, RWKV_ERR_ARG, "%s: group %u: rows [%u, %llu) outside the %u rows",
                       w->name, gi, a->row0, (unsigned long long)a->row0 + a->rows, w->M);
  if (a->act < RWKV_MM_ACT_NONE || a->act > RWKV_MM_ACT_RELU2)
    return rwkv_errorf(err, RWKV_ERR_ARG, "%s: group %u: unknown activation %d", w->name, gi,
                       a->act);
  if (T > 1 && a->ldy < a->rows)
    return rwkv_errorf(err, RWKV_ERR_ARG, "%s: ldy %llu < M %u makes tokens' outputs overlap",
                       w->name, (unsigned long long)a->ldy, a->rows);
  if (a->ldx > 0xFFFFFFFFu || a->ldy > 0xFFFFFFFFu || a->xoff > 0xFFFFFFFFu ||
      a->yoff > 0xFFFFFFFFu)
    return rwkv_errorf(err, RWKV_ERR_ARG, "%s: offsets/strides must fit 32 bits", w->name);
  uint64_t nx = 0, ny = 0;
  if (buffer_floats(g, a->x, &nx) || buffer_floats(g, a->y, &ny))
    return rwkv_errorf(err, RWKV_ERR_ARG, "%s: x (%u) or y (%u) is not a live buffer", w->name,
                       a->x, a->y);
  uint64_t T1 = T - 1;
  uint64_t xend = T1 * a->ldx + a->xoff + w->K, yend = T1 * a->ldy + a->yoff + a->rows;
  if (xend > nx || xend > 0xFFFFFFFFu)
    return rwkv_errorf(err, RWKV_ERR_ARG, "%s: x needs %llu floats (T %u, ldx %llu, xoff %llu, "
                       "K %u), buffer has %llu", w->name, (unsigned long long)xend, T,
                       (unsigned long long)a->ldx, (unsigned long long)a->xoff, w->K,
                       (unsigned long long)nx);
  if (yend > ny || yend > 0xFFFFFFFFu)
    return rwkv_errorf(err, RWKV_ERR_ARG, "%s: y needs %llu floats (T %u, ldy %llu, yoff %llu, "
                       "M %u), buffer has %llu", w->name, (unsigned long long)yend, T,
                       (unsigned long long)a->ldy, (unsigned long long)a->yoff, a->rows,
                       (unsigned long long)ny);
  return RWKV_OK;
}

/* Split-K pieces for a tiled dispatch of `wgs` workgroups over `tiles` token tiles (1: no
 * split). */
static uint32_t split_count(const rwkv_mm_weight *w, uint64_t wgs, uint64_t tiles) {
  uint32_t slices = (w->K + w->bk - 1) / w->bk, S;
  uint32_t smin = tiles <= 2 ? w->split_min_small : w->split_min;
  uint32_t km = tiles <= 2 ? w->split_km_small : tiles <= 8 ? w->split_km_long : 0;
  if (w->split_force) S = w->split_force;
  else if (km) S = km;
  else if (!smin || wgs >= smin) return 1;
  else {
    int mid = tiles > 2 && tiles <= 8 && w->split_mid_max;
    int floor = mid || (tiles <= 2 && w->split_floor_small);
    uint64_t want = floor ? smin / wgs : (smin + wgs - 1) / wgs;
    uint32_t most = mid && w->split_mid_max < w->split_max ? w->split_mid_max : w->split_max;
    S = want < most ? (uint32_t)want : most;
    /* at least split_slices_small (5) slices per piece (fewer does not pay for the reduce), and
     * split_slices (14) in dispatches of more than two token tiles, whose pieces' partial sums are
     * T x M floats each: K = 2560 (Wo, the LoRA first stages) in at most 11 pieces, not 14-16; K =
     * 768 (0.1B) 3, not 12. H100, at T = 512, Wo 2560 x 2560 f16 302.6 -> 294.8 us (8 pieces
     * 280.2), q4_K 290.3 -> 284.0 (266.8) (bench/h100_s19h.sh); against 4 slices in one call
     * (h100_s19i.sh, h100_s19j.sh, two rounds): pp512 0.1B F16 59382-59957 -> 69010-69063 tok/s
     * (document state 13.84-14.04 -> 12.38-12.45 ms), 0.4B F16 22707-22718 -> 25678-25687
     * (38.7-38.8 -> 36.2-36.3 ms), 1.5B Q4_K_M 7994-8006 -> 8152-8159, 2.9B Q4_K_M 4738-4772 ->
     * 4769-4805, F16 4941 -> 4946. The 10 fields' passes (two tiles) lost with fewer pieces (2.9B
     * Q4_K_M 34.49 -> 34.83 ms with 14 slices for them too) */
    uint32_t ms = tiles > 2 && w->split_slices ? w->split_slices : w->split_slices_small;
    uint32_t ps = w->split_piece_small;
    uint32_t np = ps ? (slices + ps - 1) / ps : 0; /* pieces that pieces of ps slices need */
    if (tiles <= 2 && np > S) S = np < w->split_max ? np : w->split_max;
    if (ms && S > slices / ms) S = slices / ms;
  }
  if (S > slices) S = slices;
  return S > 1 ? S : 1;
}

int rwkv_mm_prologue_init(rwkv_gpu *g, rwkv_mm_weight *w, rwkv_error *err) {
  if (!g || !w) return rwkv_errorf(err, RWKV_ERR_ARG, "mm_prologue_init: NULL argument");
  if (!w->n_chunks) return rwkv_errorf(err, RWKV_ERR_ARG, "%s: weight not uploaded", w->name);
  const rwkv_gpu_info *in = rwkv_gpu_get_info(g);
  mm_cfg c;
  pick_cfg(in, 0, w->type, w->K, w->M, &c); /* the decode kernel's shape, as at upload */
  if (c.kernel != 0 && c.kernel != 2)
    return rwkv_errorf(err, RWKV_ERR_UNSUPPORTED, "%s: decode kernel %u has no prologue", w->name,
                       c.kernel);
  c.xsh = 0; /* x comes from the prologue's shared copy */
  /* shared floats: x of TT tokens padded to 8, the reduction, mm_finish's lane sums */
  uint64_t kq = ((uint64_t)w->K + 7) / 8 * 8, fl = (uint64_t)c.tt * kq + c.wg;
  if (c.lanes > 1 && !c.subgroup) fl += (uint64_t)c.wg * c.nr * c.tt;
  else if (c.subgroup && c.lanes > c.sgs) fl += (uint64_t)(c.wg / c.sgs) * c.nr * c.tt;
  uint64_t maxsh = in->max_shared > 0 ? (uint64_t)in->max_shared : 16384;
  if (fl * 4 > maxsh)
    return rwkv_errorf(err, RWKV_ERR_UNSUPPORTED, "%s: prologue needs %llu bytes of shared memory "
                       "(K = %u), the GPU has %llu", w->name, (unsigned long long)(fl * 4), w->K,
                       (unsigned long long)maxsh);
  unsigned p2 = 1;
  while (p2 < c.wg) p2 *= 2;
  char extra[96], defs[1024];
  snprintf(extra, sizeof extra, "#define PRO 1\n#define PRO_K %u\n#define PRO_P2 %u\n", w->K, p2);
  cfg_defs(w->type, &c, extra, defs, sizeof defs);
  unsigned prog = 0;
  int rc = rwkv_gpu_program(g, "matmul", defs, &prog, err);
  if (rc) return rwkv_error_prefix(err, "%s (prologue)", w->name);
  w->prog_pro = prog;
  return RWKV_OK;
}

int rwkv_mm_sync_init(rwkv_gpu *g, rwkv_mm_weight *w, rwkv_error *err) {
  if (!g || !w) return rwkv_errorf(err, RWKV_ERR_ARG, "mm_sync_init: NULL argument");
  if (!w->n_chunks || w->prog_sync) return RWKV_OK;
  if (w->kernel[0] != 2)
    return rwkv_errorf(err, RWKV_ERR_UNSUPPORTED, "%s: decode kernel %u takes no dispatch counters", w->name,
                       w->kernel[0]);
  mm_cfg c;
  pick_cfg(rwkv_gpu_get_info(g), 0, w->type, w->K, w->M, &c); /* the decode kernel's shape, as at upload */
  char defs[1024];
  cfg_defs(w->type, &c, "#define DSYNC 1\n#define DSYNC_BINDING 6\n", defs, sizeof defs);
  /* (in a load: built while the uploads wait, as the decode kernel itself) */
  int rc = rwkv_gpu_program_soon(g, "matmul", defs, &w->prog_sync, err);
  return rc ? rwkv_error_prefix(err, "%s (dispatch counters)", w->name) : RWKV_OK;
}

/* matmul.comp's u_ga / u_gb entry of group a's rows inside chunk ch (ldx: the x row
 * stride to pass); its workgroups start at *wgs, which grows by them. 0: no rows here. */
static int group_uniforms(const rwkv_mm_group *a, const rwkv_mm_chunk *ch, uint32_t rpw, uint32_t ldx,
                          uint32_t *wgs, GLuint ga[4], GLuint gb[4]) {
  uint32_t lo = a->row0 > ch->row0 ? a->row0 : ch->row0;
  uint64_t e1 = (uint64_t)a->row0 + a->rows, e2 = (uint64_t)ch->row0 + ch->rows;
  uint32_t hi = (uint32_t)(e1 < e2 ? e1 : e2);
  if (lo >= hi) return 0;
  ga[0] = *wgs;
  ga[1] = lo - ch->row0;
  ga[2] = hi - lo;
  ga[3] = (a->accumulate ? 1u : 0u) | ((GLuint)a->act << 1);
  gb[0] = (GLuint)a->xoff;
  gb[1] = (GLuint)ldx;
  gb[2] = (GLuint)(a->yoff + (lo - a->row0));
  gb[3] = (GLuint)a->ldy;
  *wgs += (hi - lo + rpw - 1) / rpw;
  return 1;
}

int rwkv_mm_dispatch_prologue(rwkv_gpu *g, const rwkv_mm_weight *w, const rwkv_mm_group *gr,
                              uint32_t n, uint32_t T, const rwkv_mm_prologue *p, rwkv_error *err) {
  if (!g || !w || !gr || !p) return rwkv_errorf(err, RWKV_ERR_ARG, "mm_dispatch_prologue: NULL argument");
  if (!w->n_chunks || !w->prog_pro)
    return rwkv_errorf(err, RWKV_ERR_ARG, "%s: weight not uploaded or no prologue program", w->name);
  if (n == 0 || n > RWKV_MM_MAX_GROUPS || T == 0)
    return rwkv_errorf(err, RWKV_ERR_ARG, "%s: T = %u, %u groups (need T >= 1, 1..%d groups)",
                       w->name, T, n, RWKV_MM_MAX_GROUPS);
  int rc = rwkv_gpu_make_current(g, err);
  if (rc) return rc;
  uint64_t K = w->K, npar = 0, nst = 0, nseq = 0, nx = 0, ny = 0;
  if (buffer_floats(g, p->par, &npar) || buffer_floats(g, p->state, &nst) ||
      buffer_floats(g, p->seq, &nseq))
    return rwkv_errorf(err, RWKV_ERR_ARG, "%s: prologue par (%u), state (%u) or seq (%u) is not a "
                       "live buffer", w->name, p->par, p->state, p->seq);
  if (nseq < 2ull * T)
    return rwkv_errorf(err, RWKV_ERR_ARG, "%s: seq buffer has %llu entries, %u tokens need %llu",
                       w->name, (unsigned long long)nseq, T, 2ull * T);
  if (p->ln_w + K > npar || p->ln_b + K > npar)
    return rwkv_errorf(err, RWKV_ERR_ARG, "%s: norm at par %llu / %llu + K %u past the %llu params",
                       w->name, (unsigned long long)p->ln_w, (unsigned long long)p->ln_b, w->K,
                       (unsigned long long)npar);
  if (p->prev_off + K > nst || (p->write_last && p->store_from && p->store_to + K > nst))
    return rwkv_errorf(err, RWKV_ERR_ARG, "%s: state offsets %llu / %llu + K %u past the %llu floats",
                       w->name, (unsigned long long)p->prev_off, (unsigned long long)p->store_to,
                       w->K, (unsigned long long)nst);
  if (p->write_last && p->store_from && p->store_to == p->prev_off)
    return rwkv_errorf(err, RWKV_ERR_ARG, "%s: the prologue would store into the prev vector it reads",
                       w->name);
  rwkv_mm_group c[RWKV_MM_MAX_GROUPS];
  for (uint32_t i = 0; i < n; i++) {
    if (gr[i].x != gr[0].x || gr[i].y != gr[0].y)
      return rwkv_errorf(err, RWKV_ERR_ARG, "%s: prologue groups must share x and y buffers", w->name);
    if (gr[i].xoff + K > npar)
      return rwkv_errorf(err, RWKV_ERR_ARG, "%s: group %u: lerp at par %llu + K %u past the %llu params",
                         w->name, i, (unsigned long long)gr[i].xoff, w->K, (unsigned long long)npar);
    c[i] = gr[i];
    c[i].xoff = p->x_off; /* check_group and the overlap test see the raw x rows */
    c[i].ldx = K;
    if ((rc = check_group(g, w, &c[i], i, T, err)) != RWKV_OK) return rc;
    uint64_t x0 = p->x_off, x1 = p->x_off + (uint64_t)T * K;
    uint64_t y0 = gr[i].yoff, y1 = gr[i].yoff + (uint64_t)(T - 1) * gr[i].ldy + gr[i].rows;
    if (gr[i].x == gr[i].y && x0 < y1 && y0 < x1)
      return rwkv_errorf(err, RWKV_ERR_ARG, "%s: group %u: x [%llu, %llu) and y [%llu, %llu) overlap",
                         w->name, i, (unsigned long long)x0, (unsigned long long)x1,
                         (unsigned long long)y0, (unsigned long long)y1);
  }
  if (buffer_floats(g, gr[0].x, &nx) || buffer_floats(g, gr[0].y, &ny))
    return rwkv_errorf(err, RWKV_ERR_ARG, "%s: x or y is not a live buffer", w->name);
  if (p->write_last) {
    uint64_t l1 = p->last_off + (uint64_t)T * K;
    if (l1 > ny || l1 > 0xFFFFFFFFu || (p->store_from && p->store_from + (uint64_t)T * K > nx))
      return rwkv_errorf(err, RWKV_ERR_ARG, "%s: last (%llu) or store_from (%llu) rows past the buffers",
                         w->name, (unsigned long long)p->last_off, (unsigned long long)p->store_from);
  }
  if (p->x_off > 0xFFFFFFFFu || p->ln_w > 0xFFFFFFFFu || p->ln_b > 0xFFFFFFFFu ||
      p->prev_off > 0xFFFFFFFFu || p->store_from > 0xFFFFFFFFu || p->store_to > 0xFFFFFFFFu)
    return rwkv_errorf(err, RWKV_ERR_ARG, "%s: prologue offsets must fit 32 bits", w->name);
  const rwkv_gpu_info *in = rwkv_gpu_get_info(g);
  uint64_t tiles = (T + w->tt[0] - 1) / w->tt[0];
  if (tiles > 65535 && tiles > (uint64_t)in->max_groups_x)
    return rwkv_errorf(err, RWKV_ERR_UNSUPPORTED, "%s: T = %u tokens is too many for one dispatch",
                       w->name, T);
  uint32_t rpw = w->rows_per_wg[0];
  glUseProgram(w->prog_pro);
  glUniform1ui(0, w->K);
  glUniform1ui(1, T);
  glUniform1ui(2, (GLuint)w->stride);
  glUniform1ui(16, (GLuint)p->x_off);
  glUniform1ui(17, (GLuint)p->ln_w);
  glUniform1ui(18, (GLuint)p->ln_b);
  glUniform1f(19, p->eps);
  glUniform1ui(20, (GLuint)p->prev_off);
  glUniform1ui(21, (GLuint)(p->write_last ? p->last_off : 0));
  glUniform1ui(22, (GLuint)(p->write_last ? p->store_from : 0));
  glUniform1ui(23, (GLuint)p->store_to);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 1, gr[0].x);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 2, gr[0].y);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 3, p->par);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 4, p->state);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 5, p->seq);
  int first = 1; /* only the first dispatch writes last / the store */
  for (uint32_t ci = 0; ci < w->n_chunks; ci++) {
    const rwkv_mm_chunk *ch = &w->chunks[ci];
    GLuint ga[4 * RWKV_MM_MAX_GROUPS], gb[4 * RWKV_MM_MAX_GROUPS];
    uint32_t ng = 0, wgs = 0;
    for (uint32_t s = 0; s < n; s++) /* xoff: the group's lerp vector in par */
      if (group_uniforms(&gr[s], ch, rpw, K, &wgs, ga + 4 * ng, gb + 4 * ng)) ng++;
    if (!ng) continue;
    bind_chunk(w, 0, ch); /* the prologue program has prog[0]'s shape */
    glUniform1ui(3, ng);
    glUniform4uiv(4, (GLsizei)ng, ga);
    glUniform4uiv(8, (GLsizei)ng, gb);
    glUniform1ui(24, (GLuint)(first && p->write_last));
    first = 0;
    glDispatchCompute(wgs, (GLuint)tiles, 1);
  }
  if (!p->no_barrier) glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT);
  return RWKV_OK;
}

uint32_t rwkv_mm_split_pieces(const rwkv_mm_weight *w, uint32_t rows, uint32_t T) {
  int v = rwkv_mm_variant(T);
  if (!w || !w->n_chunks || T < 2 || w->kernel[v] != 1 || !rows) return 1;
  uint64_t wgs = ((uint64_t)rows + w->rows_per_wg[v] - 1) / w->rows_per_wg[v];
  uint64_t tiles = (T + w->tt[v] - 1) / w->tt[v];
  uint32_t S = split_count(w, wgs * tiles, tiles);
  if (S > 1) { /* as dispatch_split rounds it */
    uint32_t slices = (w->K + w->bk - 1) / w->bk, kchunk = (slices + S - 1) / S * w->bk;
    S = (w->K + kchunk - 1) / kchunk;
  }
  return S;
}

/* A split dispatch's reduce: matmul.comp KERNEL 3 sums the S pieces in scratch into y. */
static void run_reduce(const rwkv_mm_reduce *r) {
  glUseProgram(r->prog);
  glUniform1ui(1, r->T);
  glUniform1ui(3, r->ng);
  glUniform4uiv(4, (GLsizei)r->ng, r->ra);
  glUniform4uiv(8, (GLsizei)r->ng, r->gb);
  glUniform1ui(13, r->S);
  glUniform1ui(14, r->R);
  glUniform1ui(15, r->tmap ? 2 : 0); /* y rows by the map */
  glUniform1ui(16, r->tmoff);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 1, r->scratch);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 2, r->y);
  if (r->tmap) glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 3, r->tmap);
  glDispatchCompute((r->R + 255) / 256, r->T, 1);
}

/* One chunk's tiled dispatch in S pieces of K: partial sums of group gi's local row i,
 * token t, piece z go to scratch slot `slot` at [(z * T + t) * R + base_gi + i] (R = rows
 * of all groups, no activation or accumulate), then matmul.comp KERNEL 3 sums the pieces
 * into y: at once (barrier, reduce, barrier; rec NULL) or later from *rec (a batch). The
 * program, u_K, u_T, u_row_bytes, u_xal, u_ng and the x / weight bindings are set.
 * tmap / tmoff: the token map in force, its offset (x rows by it in the pieces, y rows by it
 * in the reduce).
 * Returns 0 when dispatched, 1 when the scratch could not be had (nothing dispatched:
 * the caller runs the plain dispatch; splitting is only for speed). */
static int dispatch_split(rwkv_gpu *g, const rwkv_mm_weight *w, int v, const GLuint *ga,
                          const GLuint *gb, uint32_t ng, uint32_t wgs, uint32_t tiles, uint32_t T,
                          uint32_t S, unsigned y, unsigned tmap, uint32_t tmoff, unsigned slot,
                          rwkv_mm_reduce *rec) {
  uint32_t slices = (w->K + w->bk - 1) / w->bk;
  uint32_t kchunk = (slices + S - 1) / S * w->bk;
  S = (w->K + kchunk - 1) / kchunk; /* every piece gets at least one slice */
  GLuint pa[4 * RWKV_MM_MAX_GROUPS], pb[4 * RWKV_MM_MAX_GROUPS];
  rwkv_mm_reduce r = {w->prog_reduce, 0, y, tmap, T, S, 0, ng, tmoff, {0}, {0}};
  uint32_t R = 0;
  for (uint32_t k = 0; k < ng; k++) {
    memcpy(&pa[4 * k], &ga[4 * k], 4 * sizeof *ga);
    memcpy(&pb[4 * k], &gb[4 * k], 4 * sizeof *gb);
    memcpy(&r.ra[4 * k], &ga[4 * k], 4 * sizeof *ga);
    memcpy(&r.gb[4 * k], &gb[4 * k], 4 * sizeof *gb);
    pa[4 * k + 3] = 0;  /* plain partial sums */
    pb[4 * k + 2] = R;  /* yoff, ldy: the scratch layout */
    pb[4 * k + 3] = 0;  /* set below */
    r.ra[4 * k] = R;    /* the reduce finds groups by scratch position */
    R += ga[4 * k + 2];
  }
  for (uint32_t k = 0; k < ng; k++) pb[4 * k + 3] = R;
  r.R = R;
  uint64_t floats = (uint64_t)S * T * R;
  if (floats > 0xFFFFFFFFu || T > 65535) /* 32-bit indices; the reduce grid's y is T */
    return 1;
  if (rwkv_gpu_scratch(g, slot, floats * 4, &r.scratch, NULL) != RWKV_OK) return 1; /* no split */
  glUniform4uiv(4, (GLsizei)ng, pa);
  glUniform4uiv(8, (GLsizei)ng, pb);
  glUniform1ui(13, kchunk);
  glUniform1ui(14, T * R);
  glUniform1ui(15, tmap ? 1 : 0); /* partial sums by dispatch token, x by the map */
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 2, r.scratch);
  glDispatchCompute(wgs, tiles, S);
  glUniform1ui(15, tmap ? 3 : 0); /* its uniforms are kept per program: back to plain */
  if (rec) {
    *rec = r;
    return 0;
  }
  glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT);
  run_reduce(&r);
  glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT);
  glUseProgram(w->prog[v]);
  return 0;
}

void rwkv_mm_batch_end(rwkv_gpu *g, rwkv_mm_batch *b) {
  (void)g;
  if (!b || (!b->pending && !b->n)) return;
  glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT);
  for (uint32_t i = 0; i < b->n; i++) run_reduce(&b->r[i]);
  if (b->n) glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT);
  b->n = 0;
  b->pending = 0;
}

int rwkv_mm_sync_ok(const rwkv_mm_weight *w, uint32_t T) {
  return w && w->n_chunks && rwkv_mm_variant(T) == 0 && w->kernel[0] == 2 && w->prog_sync;
}

/* barrier: one after the dispatches (else the next barrier covers them); bt: a batch (the
 * barrier is its end's; splits record their reduces there) or NULL; sy: dispatch counters
 * (prog_sync) or NULL. */
static int dispatch_groups(rwkv_gpu *g, const rwkv_mm_weight *w, const rwkv_mm_group *gr,
                           uint32_t n, uint32_t T, int barrier, rwkv_mm_batch *bt, rwkv_mm_sync *sy,
                           rwkv_error *err) {
  if (!g || !w || (!gr && n)) return rwkv_errorf(err, RWKV_ERR_ARG, "mm_dispatch: NULL argument");
  if (sy && (!rwkv_mm_sync_ok(w, T) || !sy->buf))
    return rwkv_errorf(err, RWKV_ERR_ARG, "%s: no dispatch counters for T = %u", w->name, T);
  if (!w->n_chunks) return rwkv_errorf(err, RWKV_ERR_ARG, "%s: weight not uploaded", w->name);
  if (n == 0 || n > RWKV_MM_MAX_GROUPS || T == 0)
    return rwkv_errorf(err, RWKV_ERR_ARG, "%s: T = %u, %u groups (need T >= 1, 1..%d groups)",
                       w->name, T, n, RWKV_MM_MAX_GROUPS);
  int rc = rwkv_gpu_make_current(g, err);
  if (rc) return rc;
  for (uint32_t i = 0; i < n; i++) {
    rc = check_group(g, w, &gr[i], i, T, err);
    if (rc) return rc;
  }
  /* a group's y range must not meet any group's x range in one buffer */
  for (uint32_t i = 0; i < n; i++)
    for (uint32_t j = 0; j < n; j++) {
      if (gr[i].y != gr[j].x) continue;
      uint64_t x0 = gr[j].xoff, x1 = gr[j].xoff + (uint64_t)(T - 1) * gr[j].ldx + w->K;
      uint64_t y0 = gr[i].yoff, y1 = gr[i].yoff + (uint64_t)(T - 1) * gr[i].ldy + gr[i].rows;
      if (x0 < y1 && y0 < x1)
        return rwkv_errorf(err, RWKV_ERR_ARG, "%s: x [%llu, %llu) and y [%llu, %llu) overlap in "
                           "one buffer", w->name, (unsigned long long)x0, (unsigned long long)x1,
                           (unsigned long long)y0, (unsigned long long)y1);
    }
  int v = rwkv_mm_variant(T);
  /* a padded batch's prefill: the rows / tiled kernels run the live rows only (token map) */
  uint32_t Tl = T, tmoff = 0;
  unsigned tmap = v && w->kernel[v] != 2 ? rwkv_gpu_token_map(g, T, &tmoff, &Tl) : 0;
  uint64_t tiles = (Tl + w->tt[v] - 1) / w->tt[v];
  const rwkv_gpu_info *in = rwkv_gpu_get_info(g);
  if (tiles > 65535 && tiles > (uint64_t)in->max_groups_x)
    return rwkv_errorf(err, RWKV_ERR_UNSUPPORTED, "%s: T = %u tokens is too many for one "
                       "dispatch", w->name, T);
  uint32_t rpw = w->rows_per_wg[v];
  /* a batch: one scratch slot for each split this call may make (one per x / y pair and
   * chunk), else the batch's reduces first; more than there are slots: splits as alone */
  rwkv_mm_batch *rb = NULL;
  if (bt) {
    uint32_t pairs = 0;
    for (uint32_t i = 0; i < n; i++) {
      uint32_t j = 0;
      while (j < i && !(gr[j].x == gr[i].x && gr[j].y == gr[i].y)) j++;
      pairs += j == i;
    }
    uint32_t need = w->kernel[v] == 1 && !bt->no_split ? w->n_chunks * pairs : 0;
    barrier = 0;
    if (bt->n + need > RWKV_GPU_SCRATCH_SLOTS) rwkv_mm_batch_end(g, bt);
    if (need <= RWKV_GPU_SCRATCH_SLOTS) rb = bt;
    bt->pending = 1;
  }
  /* programs a load left for later (rwkv_gpu_program_lazy) */
  if (!w->prog[v] && (rc = rwkv_gpu_program_need(g, &w->prog[v], err)) != RWKV_OK)
    return rwkv_error_prefix(err, "%s", w->name);
  if (w->kernel[v] == 1 && w->scratch_user && !w->prog_reduce &&
      (rc = rwkv_gpu_program_need(g, &w->prog_reduce, err)) != RWKV_OK)
    return rwkv_error_prefix(err, "%s", w->name);
  glUseProgram(sy ? w->prog_sync : w->prog[v]);
  glUniform1ui(0, w->K);
  glUniform1ui(1, Tl);
  glUniform1ui(2, (GLuint)w->stride);
  if (sy) { /* (uniforms stay with the program, which weights of one shape share) */
    glUniform1ui(25, sy->wslot);
    glUniform1ui(26, sy->wait);
    glUniform1ui(27, sy->cslot);
    glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 6, sy->buf);
  }
  if (v && w->kernel[v] != 2) { /* the rows and tiled kernels take a token map */
    glUniform1ui(15, tmap ? 3 : 0);
    glUniform1ui(16, tmoff);
    if (tmap) glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 3, tmap);
  }
  uint32_t done = 0; /* groups already dispatched, by bit */
  for (uint32_t i = 0; i < n; i++) {
    if (done & (1u << i)) continue;
    uint32_t set[RWKV_MM_MAX_GROUPS], ns = 0;
    for (uint32_t j = i; j < n; j++)
      if (!(done & (1u << j)) && gr[j].x == gr[i].x && gr[j].y == gr[i].y) {
        set[ns++] = j;
        done |= 1u << j;
      }
    glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 1, gr[i].x);
    glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 2, gr[i].y);
    if (w->xal[v]) { /* x as vec4s when 16-byte aligned */
      GLuint xal = 1;
      for (uint32_t s = 0; s < ns; s++)
        if (gr[set[s]].xoff % 4 || (T > 1 && gr[set[s]].ldx % 4)) xal = 0;
      glUniform1ui(12, xal);
    }
    for (uint32_t c = 0; c < w->n_chunks; c++) {
      const rwkv_mm_chunk *ch = &w->chunks[c];
      GLuint ga[4 * RWKV_MM_MAX_GROUPS], gb[4 * RWKV_MM_MAX_GROUPS];
      uint32_t ng = 0, wgs = 0;
      for (uint32_t s = 0; s < ns; s++)
        if (group_uniforms(&gr[set[s]], ch, rpw, gr[set[s]].ldx, &wgs, ga + 4 * ng, gb + 4 * ng)) ng++;
      if (!ng) continue;
      bind_chunk(w, v, ch);
      if (c > 0) { /* a split dispatch of the previous chunk rebound them */
        glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 1, gr[i].x);
        glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 2, gr[i].y);
      }
      glUniform1ui(3, ng);
      uint32_t S = 1;
      if (w->kernel[v] == 1 && !(bt && bt->no_split)) S = split_count(w, (uint64_t)wgs * tiles, tiles);
      if (S > 1 && dispatch_split(g, w, v, ga, gb, ng, wgs, (uint32_t)tiles, Tl, S, gr[i].y, tmap, tmoff,
                                  rb ? rb->n : 0, rb ? &rb->r[rb->n] : NULL) == 0) {
        if (rb) rb->n++;
        else if (!bt) barrier = 1; /* the next split dispatch reuses the scratch buffer */
        continue;
      }
      glUniform4uiv(4, (GLsizei)ng, ga);
      glUniform4uiv(8, (GLsizei)ng, gb);
      if (w->kernel[v] == 1) {
        glUniform1ui(13, w->K);
        glUniform1ui(14, 0);
      }
      glDispatchCompute(wgs, (GLuint)tiles, 1);
      if (sy && sy->cslot) sy->counted += wgs * (uint32_t)tiles;
    }
  }
  if (barrier) glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT);
  /* no glGetError here: it stalls a threaded driver on every dispatch; GL
   * errors surface where results are read back (rwkv_gpu_check) */
  return RWKV_OK;
}

int rwkv_mm_dispatch_groups(rwkv_gpu *g, const rwkv_mm_weight *w, const rwkv_mm_group *gr,
                            uint32_t n, uint32_t T, rwkv_error *err) {
  return dispatch_groups(g, w, gr, n, T, 1, NULL, NULL, err);
}

int rwkv_mm_dispatch_groups_nb(rwkv_gpu *g, const rwkv_mm_weight *w, const rwkv_mm_group *gr,
                               uint32_t n, uint32_t T, rwkv_error *err) {
  return dispatch_groups(g, w, gr, n, T, 0, NULL, NULL, err);
}

int rwkv_mm_dispatch_groups_batch(rwkv_gpu *g, const rwkv_mm_weight *w, const rwkv_mm_group *gr,
                                  uint32_t n, uint32_t T, rwkv_mm_batch *b, rwkv_error *err) {
  if (!b) return rwkv_errorf(err, RWKV_ERR_ARG, "mm_dispatch: NULL batch");
  return dispatch_groups(g, w, gr, n, T, 0, b, NULL, err);
}

int rwkv_mm_dispatch_groups_sync(rwkv_gpu *g, const rwkv_mm_weight *w, const rwkv_mm_group *gr,
                                 uint32_t n, uint32_t T, int barrier, rwkv_mm_batch *b,
                                 rwkv_mm_sync *s, rwkv_error *err) {
  return dispatch_groups(g, w, gr, n, T, b ? 0 : barrier, b, s, err);
}

int rwkv_mm_dispatch_act(rwkv_gpu *g, const rwkv_mm_weight *w, const rwkv_mm_args *a, int act,
                         rwkv_error *err) {
  if (!g || !w || !a) return rwkv_errorf(err, RWKV_ERR_ARG, "mm_dispatch: NULL argument");
  if (!w->n_chunks) return rwkv_errorf(err, RWKV_ERR_ARG, "%s: weight not uploaded", w->name);
  if (a->T == 0 || !a->x || !a->y)
    return rwkv_errorf(err, RWKV_ERR_ARG, "%s: T = %u, x = %u, y = %u (need T >= 1 and buffers)",
                       w->name, a->T, a->x, a->y);
  rwkv_mm_group gr = {0, w->M, a->x, a->xoff, a->ldx, a->y, a->yoff, a->ldy, a->accumulate,
                      act};
  return rwkv_mm_dispatch_groups(g, w, &gr, 1, a->T, err);
}

int rwkv_mm_dispatch(rwkv_gpu *g, const rwkv_mm_weight *w, const rwkv_mm_args *a,
                     rwkv_error *err) {
  return rwkv_mm_dispatch_act(g, w, a, RWKV_MM_ACT_NONE, err);
}
