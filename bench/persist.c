/* bench/persist.c - does a persistent decode kernel beat a chain of dispatches here?
 *   bench-persist TYPE D LAYERS WGS [TOKENS]     TYPE f16 | q4; e.g. f16 2560 32 132
 * BENCH_PERSIST_NT=256|512|1024 invocations per workgroup; BENCH_PERSIST_EMPTY=1 phases do
 * nothing (what the dispatches / barriers alone cost); BENCH_PERSIST_BAL=0 rows in blocks
 * of NT / lanes taken by the workgroups in turn instead of an even share of rows each;
 * BENCH_PERSIST_PU=N (balanced rows) units loaded per invocation before any is used.
 * A stand-in for one RWKV-7 decode token with the 2.9B shapes (D = 2560, FFN 4D, 40 heads):
 * per layer five phases - LN + r/k/v/LoRA-1 matvec (3D + 576 rows), a WKV-like per-head
 * state update on D/64 workgroups, Wo (x += ...), LN + FFN key (relu^2), FFN value
 * (x += ...) - over random weights made on the GPU (f16, or a 4-bit format of 20 bytes per
 * 32 weights). The same phase code runs three ways:
 *   dispatch  one dispatch per phase, glMemoryBarrier between (the engine's way today)
 *   layer     one dispatch per layer; phases separated by a grid barrier (an atomic counter
 *             that every workgroup bumps and then polls) inside the kernel
 *   all       one dispatch per token, grid barriers throughout
 *   pdl       one dispatch per phase, no glMemoryBarrier: a phase's workgroups load their
 *             first BENCH_PERSIST_PU weight units, then wait until every workgroup of the
 *             earlier dispatches has counted itself done (BENCH_PERSIST_NOGRID=1: only
 *             dispatch and pdl)
 * A grid barrier needs every workgroup resident at once: WGS must fit the GPU (a few per
 * SM); a barrier that spins too long gives up and the run is reported as failed rather
 * than hanging. Prints ms per token (median of 5 timed runs) and checks that the three
 * ways compute the same x. */
#include <GLES3/gl31.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compute_program.h"
#include "gpu.h"

static const char *SRC =
    "layout(local_size_x = NT) in;\n"
    "#define H (D / 64u)\n"
    "#define MA (3u * D + 576u)\n"
    "#define AX 0u\n"
    "#define AA D\n"
    "#define AY (D + MA)\n"
    "#define AH (2u * D + MA)\n"
    "layout(std430, binding = 0) readonly buffer WA4 { uvec4 wa4[]; };\n"
    "layout(std430, binding = 0) readonly buffer WA1 { uint wa1[]; };\n"
    "layout(std430, binding = 1) readonly buffer WC4 { uvec4 wc4[]; };\n"
    "layout(std430, binding = 1) readonly buffer WC1 { uint wc1[]; };\n"
    "layout(std430, binding = 2) readonly buffer WD4 { uvec4 wd4[]; };\n"
    "layout(std430, binding = 2) readonly buffer WD1 { uint wd1[]; };\n"
    "layout(std430, binding = 3) readonly buffer WE4 { uvec4 we4[]; };\n"
    "layout(std430, binding = 3) readonly buffer WE1 { uint we1[]; };\n"
    "layout(std430, binding = 4) coherent buffer Act { float act[]; };\n"
    "layout(std430, binding = 5) buffer St { float st[]; };\n"
    "layout(std430, binding = 6) coherent volatile buffer Sy { uint cnt; uint fail; } sy;\n"
    "uniform uint l0, l1, p0, p1, sync_base;\n"
    "#define XI(k) ((k) + ((k) >> 5))\n"
    "shared float xs[F + F / 32u];\n"
    "shared float red[NT];\n"
    "uint t;\n"
    "float sum_all(float v) {\n" /* workgroup sum, every invocation gets it */
    "  red[t] = v; barrier();\n"
    "  for (uint s = NT / 2u; s > 0u; s >>= 1) { if (t < s) red[t] += red[t + s]; barrier(); }\n"
    "  float r = red[0]; barrier(); return r;\n"
    "}\n"
    "float sum_lanes(float v, uint L) {\n" /* sum over each group of L invocations */
    "#ifdef SG\n"
    "  if (L == 32u) return subgroupAdd(v);\n"
    "  if (L == 8u) return subgroupClusteredAdd(v, 8u);\n"
    "  return subgroupClusteredAdd(v, 4u);\n"
    "#else\n"
    "  red[t] = v; barrier();\n"
    "  float s = 0.0; uint b = t / L * L;\n"
    "  for (uint i = 0u; i < L; i++) s += red[b + i];\n"
    "  barrier(); return s;\n"
    "#endif\n"
    "}\n"
    "void load_x(uint off, uint K, bool ln) {\n"
    "  for (uint k = t; k < K; k += NT) xs[XI(k)] = act[off + k];\n"
    "  barrier();\n"
    "  if (!ln) return;\n"
    "  float s = 0.0, q = 0.0;\n"
    "  for (uint k = t; k < K; k += NT) { float v = xs[XI(k)]; s += v; q += v * v; }\n"
    "  s = sum_all(s); q = sum_all(q);\n"
    "  float mu = s / float(K), rs = inversesqrt(max(q / float(K) - mu * mu, 0.0) + 1e-5);\n"
    "  for (uint k = t; k < K; k += NT) xs[XI(k)] = (xs[XI(k)] - mu) * rs;\n"
    "  barrier();\n"
    "}\n"
    "#if TYPE == 1\n" /* f16: 8 weights per uvec4, 32 lanes per row */
    "#define LANES 32u\n"
    "#define DOT(W4, W1, lay, M, K, row, l, acc) {\\\n"
    "  uint b4 = (lay * M + row) * (K / 8u);\\\n"
    "  for (uint i = 0u; i < K / 8u / LANES; i++) {\\\n"
    "    uint u = l + i * LANES; uvec4 w = W4[b4 + u]; uint k = u * 8u;\\\n"
    "    vec2 a = unpackHalf2x16(w.x), b = unpackHalf2x16(w.y), c = unpackHalf2x16(w.z), d = unpackHalf2x16(w.w);\\\n"
    "    acc += a.x * xs[XI(k)] + a.y * xs[XI(k + 1u)] + b.x * xs[XI(k + 2u)] + b.y * xs[XI(k + 3u)]\\\n"
    "         + c.x * xs[XI(k + 4u)] + c.y * xs[XI(k + 5u)] + d.x * xs[XI(k + 6u)] + d.y * xs[XI(k + 7u)];\\\n"
    "  } }\n"
    "#else\n" /* q4: 32 weights in a uvec4 of nibbles, scales (f16 in a word) behind all of them */
    "#define LANES 8u\n"
    "#define DOT(W4, W1, lay, M, K, row, l, acc) {\\\n"
    "  uint nb = K / 32u, b = (lay * M + row) * nb, sb = NL * M * nb * 4u;\\\n"
    "  for (uint i = 0u; i < K / 32u / LANES; i++) {\\\n"
    "    uint u = l + i * LANES; uvec4 w = W4[b + u]; float sc = unpackHalf2x16(W1[sb + b + u]).x; uint k = u * 32u; float s = 0.0;\\\n"
    "    for (uint c = 0u; c < 4u; c++) { uint q = w[c];\\\n"
    "      for (uint n = 0u; n < 8u; n++) s += (float((q >> (4u * n)) & 15u) - 8.0) * xs[XI(k + c * 8u + n)]; }\\\n"
    "    acc += sc * s;\\\n"
    "  } }\n"
    "#endif\n"
    "#define RB (NT / LANES)\n"
    /* rows in blocks of RB, the workgroups taking blocks in turn; EPI(row, v) stores */
    "#define MATVEC(W4, W1, lay, M, K, EPI) {\\\n"
    "  for (uint blk = gl_WorkGroupID.x; blk * RB < M; blk += gl_NumWorkGroups.x) {\\\n"
    "    uint row = blk * RB + t / LANES, l = t % LANES; float acc = 0.0;\\\n"
    "    if (row < M) DOT(W4, W1, lay, M, K, row, l, acc)\\\n"
    "    acc = sum_lanes(acc, LANES);\\\n"
    "    if (row < M && l == 0u) EPI(row, acc);\\\n"
    "  } }\n"
    /* balanced: each workgroup owns rows [M wg / NWG, M (wg + 1) / NWG) and its invocations
     * walk their units (8 f16 weights, or 16 4-bit ones) flat, a subgroup's 32 units always in
     * one row (units per row % 32 == 0); subgroup sums are added into shared racc */
    "#if TYPE == 1\n"
    "#define UW 8u\n"
    "#define ULOAD(W4, W1, lay, M, K, row, u, r) r = W4[(lay * M + row) * (K / 8u) + u];\n"
    "#define UCOMP(RV, K, u, v) {\\\n"
    "  uint k = u * 8u;\\\n"
    "  vec2 a = unpackHalf2x16(RV.x), b = unpackHalf2x16(RV.y), c = unpackHalf2x16(RV.z), d = unpackHalf2x16(RV.w);\\\n"
    "  v = a.x * xs[XI(k)] + a.y * xs[XI(k + 1u)] + b.x * xs[XI(k + 2u)] + b.y * xs[XI(k + 3u)]\\\n"
    "    + c.x * xs[XI(k + 4u)] + c.y * xs[XI(k + 5u)] + d.x * xs[XI(k + 6u)] + d.y * xs[XI(k + 7u)]; }\n"
    "#else\n"
    "#define UW 16u\n"
    "#define ULOAD(W4, W1, lay, M, K, row, u, r) {\\\n"
    "  uint nb = K / 32u, blk = (lay * M + row) * nb + (u >> 1), wi = blk * 4u + (u & 1u) * 2u;\\\n"
    "  r = uvec4(W1[wi], W1[wi + 1u], W1[NL * M * nb * 4u + blk], 0u); }\n"
    "#define UCOMP(RV, K, u, v) {\\\n"
    "  uint k = u * 16u; float s = 0.0;\\\n"
    "  for (uint n = 0u; n < 8u; n++) s += (float((RV.x >> (4u * n)) & 15u) - 8.0) * xs[XI(k + n)]\\\n"
    "                                  + (float((RV.y >> (4u * n)) & 15u) - 8.0) * xs[XI(k + 8u + n)];\\\n"
    "  v = unpackHalf2x16(RV.z).x * s; }\n"
    "#endif\n"
    "shared uint racc[(F + NWG - 1u) / NWG];\n"
    "void racc_add(uint i, float v) {\n"
    "  uint o = racc[i];\n"
    "  for (;;) { uint r = atomicCompSwap(racc[i], o, floatBitsToUint(uintBitsToFloat(o) + v)); if (r == o) break; o = r; }\n"
    "}\n"
    "float sum32(float v) {\n"
    "#ifdef SG\n"
    "  return subgroupAdd(v);\n"
    "#else\n"
    "  red[t] = v; barrier(); float s = 0.0;\n"
    "  if ((t & 31u) == 0u) for (uint i = 0u; i < 32u; i++) s += red[t + i];\n"
    "  barrier(); return s;\n"
    "#endif\n"
    "}\n"
    "#define MAXIT(M, K) (((M + NWG - 1u) / NWG * (K / UW) + NT - 1u) / NT)\n"
    /* PU units a thread loaded before any is used: their loads in flight together */
    /* FIRST runs before the first PU units' loads, PRE after them (pdl: its waits and x) */
    "#define MATVEC_BAL_PRE(W4, W1, lay, M, K, EPI, FIRST, PRE) {\\\n"
    "  uint r0 = gl_WorkGroupID.x * M / gl_NumWorkGroups.x, r1 = (gl_WorkGroupID.x + 1u) * M / gl_NumWorkGroups.x;\\\n"
    "  uint upr = K / UW, total = (r1 - r0) * upr;\\\n"
    "  uvec4 rw[PU];\\\n"
    "  FIRST\\\n"
    "  for (uint p = 0u; p < PU; p++) {\\\n"
    "    uint jc = min(p * NT + t, total - 1u);\\\n"
    "    ULOAD(W4, W1, lay, M, K, r0 + jc / upr, jc % upr, rw[p])\\\n"
    "  }\\\n"
    "  if (t < r1 - r0) racc[t] = 0u;\\\n"
    "  PRE\\\n"
    "  for (uint i0 = 0u; i0 < MAXIT(M, K); i0 += PU) {\\\n"
    "    if (i0 > 0u) for (uint p = 0u; p < PU; p++) {\\\n"
    "      uint jc = min((i0 + p) * NT + t, total - 1u);\\\n"
    "      ULOAD(W4, W1, lay, M, K, r0 + jc / upr, jc % upr, rw[p])\\\n"
    "    }\\\n"
    "    for (uint p = 0u; p < PU; p++) {\\\n"
    "      uint j = (i0 + p) * NT + t, jc = min(j, total - 1u); float v = 0.0;\\\n"
    "      UCOMP(rw[p], K, jc % upr, v)\\\n"
    "      v = sum32(j < total ? v : 0.0);\\\n"
    "      if ((t & 31u) == 0u && j < total) racc_add(jc / upr, v);\\\n"
    "    }\\\n"
    "  }\\\n"
    "  barrier();\\\n"
    "  if (t < r1 - r0) EPI(r0 + t, uintBitsToFloat(racc[t]));\\\n"
    "  barrier(); }\n"
    "#define MATVEC_BAL(W4, W1, lay, M, K, EPI) MATVEC_BAL_PRE(W4, W1, lay, M, K, EPI, ;, barrier();)\n"
    "#if BAL\n"
    "#undef MATVEC\n"
    "#define MATVEC MATVEC_BAL\n"
    "#endif\n"
    "#define EPI_A(r, v) act[AA + r] = v\n"
    "#define EPI_ADD(r, v) act[AX + r] += v\n"
    "#define EPI_H(r, v) act[AH + r] = max(v, 0.0) * max(v, 0.0)\n"
    "void wkv(uint lay) {\n"
    "  uint h = gl_WorkGroupID.x; if (h >= H) return;\n"
    "  bool on = t < 256u;\n"
    "  uint i = (t >> 2) & 63u, q = t & 3u, sb = ((lay * H + h) * 64u + i) * 64u + q * 16u;\n"
    "  float vi = act[AA + 2u * D + h * 64u + i], acc = 0.0;\n"
    "  for (uint j = 0u; j < (on ? 16u : 0u); j++) {\n"
    "    uint jj = h * 64u + q * 16u + j;\n"
    "    float s = st[sb + j] * 0.9 + vi * act[AA + D + jj] * 0.01;\n"
    "    st[sb + j] = s; acc += s * act[AA + jj];\n"
    "  }\n"
    "#ifdef SG\n"
    "  acc = subgroupClusteredAdd(acc, 4u);\n"
    "  if (q == 0u && on) act[AY + h * 64u + i] = acc * 0.125;\n"
    "#else\n"
    "  red[t] = acc; barrier();\n" /* uniform: a whole workgroup returned above or none */
    "  if (q == 0u && on) act[AY + h * 64u + i] = (red[t] + red[t + 1u] + red[t + 2u] + red[t + 3u]) * 0.125;\n"
    "#endif\n"
    "}\n"
    "#define MATVEC_PDL(W4, W1, lay, M, K, EPI, XOFF, XK, LN) \\\n"
    "  MATVEC_BAL_PRE(W4, W1, lay, M, K, EPI, if (NOPF) pdl_wait();, if (!NOPF) pdl_wait(); load_x(XOFF, XK, LN);)\n"
    "#ifdef PDL\n"
    /* pdl: each dispatch's workgroups load their first weight units, then wait until every
     * workgroup of the earlier dispatches has counted itself done, then compute */
    "void pdl_wait() {\n"
    "  if (t == 0u) {\n"
    "    uint spins = 0u;\n"
    "#ifdef APOLL\n"
    "    while (atomicAdd(sy.cnt, 0u) < sync_base && sy.fail == 0u) if (++spins > (1u << 22)) { sy.fail = 1u; break; }\n"
    "#else\n"
    "    while (sy.cnt < sync_base && sy.fail == 0u) if (++spins > (1u << 22)) { sy.fail = 1u; break; }\n"
    "#endif\n"
    "  }\n"
    "  barrier(); memoryBarrierBuffer();\n"
    "}\n"
    "void phase_pdl(uint lay, uint p) {\n"
    "  if (p == 0u) MATVEC_PDL(wa4, wa1, lay, MA, D, EPI_A, AX, D, true)\n"
    "  else if (p == 1u) { pdl_wait(); wkv(lay); }\n"
    "  else if (p == 2u) MATVEC_PDL(wc4, wc1, lay, D, D, EPI_ADD, AY, D, false)\n"
    "  else if (p == 3u) MATVEC_PDL(wd4, wd1, lay, F, D, EPI_H, AX, D, true)\n"
    "  else MATVEC_PDL(we4, we1, lay, D, F, EPI_ADD, AH, F, false)\n"
    "  memoryBarrierBuffer(); barrier();\n"
    "  if (t == 0u) atomicAdd(sy.cnt, 1u);\n"
    "}\n"
    "#endif\n"
    "void phase(uint lay, uint p) {\n"
    "#ifdef EMPTY\n  return;\n#endif\n"
    "  if (p == 0u) { load_x(AX, D, true); MATVEC(wa4, wa1, lay, MA, D, EPI_A) }\n"
    "  else if (p == 1u) { wkv(lay); }\n"
    "  else if (p == 2u) { load_x(AY, D, false); MATVEC(wc4, wc1, lay, D, D, EPI_ADD) }\n"
    "  else if (p == 3u) { load_x(AX, D, true); MATVEC(wd4, wd1, lay, F, D, EPI_H) }\n"
    "  else { load_x(AH, F, false); MATVEC(we4, we1, lay, D, F, EPI_ADD) }\n"
    "}\n"
    "void grid_sync(uint n) {\n" /* the n-th barrier of this dispatch */
    "  memoryBarrierBuffer(); barrier();\n"
    "  if (t == 0u) {\n"
    "    atomicAdd(sy.cnt, 1u);\n"
    "    uint target = sync_base + n * gl_NumWorkGroups.x, spins = 0u;\n"
    "    while (sy.cnt < target && sy.fail == 0u) if (++spins > (1u << 20)) { sy.fail = 1u; break; }\n"
    "  }\n"
    "  barrier(); memoryBarrierBuffer();\n"
    "}\n"
    "void main() {\n"
    "  t = gl_LocalInvocationIndex;\n"
    "#ifdef PDL\n"
    "  phase_pdl(l0, p0); return;\n"
    "#endif\n"
    "  uint n = 0u;\n"
    "  for (uint l = l0; l < l1; l++)\n"
    "    for (uint p = p0; p < p1; p++) {\n"
    "      if (n > 0u) grid_sync(n);\n"
    "      n++;\n"
    "      phase(l, p);\n"
    "    }\n"
    "}\n";

static const char *FILL =
    "#version 310 es\nlayout(local_size_x = 256) in;\n"
    "layout(std430, binding = 0) writeonly buffer B { uint v[]; };\n"
    "uniform uint n, seed, kind, from;\n"
    "uint hash(uint x) { x ^= x >> 16; x *= 0x7feb352du; x ^= x >> 15; x *= 0x846ca68bu; x ^= x >> 16; return x; }\n"
    "void main() { for (uint i = gl_GlobalInvocationID.x; i < n; i += gl_NumWorkGroups.x * 256u) {\n"
    "  uint h = hash(i * 2654435761u + seed);\n"
    "  if (kind == 0u || i < from) v[i] = kind == 0u ? packHalf2x16((vec2(h & 0xffffu, h >> 16) / 65535.0 - 0.5) * 0.1) : h;\n"
    "  else v[i] = packHalf2x16(vec2(0.004, 0.0)); } }\n";

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static GLuint build(const char *head, const char *src) {
  const char *srcs[2] = {head, src};
  return bench_compute_program(srcs, 2);
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: bench-persist f16|q4 D LAYERS WGS [TOKENS]\n");
    return 2;
  }
  int q4 = strcmp(argv[1], "q4") == 0;
  unsigned D = (unsigned)atoi(argv[2]), NL = (unsigned)atoi(argv[3]), WGS = (unsigned)atoi(argv[4]);
  unsigned TOK = argc > 5 ? (unsigned)atoi(argv[5]) : 20, F = 4 * D, MA = 3 * D + 576, H = D / 64;
  if (D < 256 || D % 256 || NL < 1 || WGS < H) {
    fprintf(stderr, "D: a multiple of 256; WGS >= D / 64\n");
    return 2;
  }
  rwkv_error err = {0};
  rwkv_gpu *g = NULL;
  if (rwkv_gpu_open(NULL, &g, &err)) { fprintf(stderr, "%s\n", err.msg); return 1; }
  const rwkv_gpu_info *in = rwkv_gpu_get_info(g);
  int sg = in->has_subgroup && in->subgroup_size == 32 && !getenv("BENCH_NO_SG");
  unsigned NT = getenv("BENCH_PERSIST_NT") ? (unsigned)atoi(getenv("BENCH_PERSIST_NT")) : 256;
  int empty = getenv("BENCH_PERSIST_EMPTY") != NULL;
  unsigned PU = getenv("BENCH_PERSIST_PU") ? (unsigned)atoi(getenv("BENCH_PERSIST_PU")) : 4;
  if (PU < 1 || PU > 16) PU = 4;
  int bal = !getenv("BENCH_PERSIST_BAL") || atoi(getenv("BENCH_PERSIST_BAL")) != 0;
  if (bal && (q4 ? D % 512 : D % 256) != 0) {
    fprintf(stderr, "balanced rows need D %% %d == 0 (BENCH_PERSIST_BAL=0 for the other kernel)\n", q4 ? 512 : 256);
    return 2;
  }
  if (NT != 256 && NT != 512 && NT != 1024) NT = 256;
  char head[512];
  snprintf(head, sizeof head,
           "#version 310 es\n%s#define TYPE %d\n#define D %uu\n#define F %uu\n#define NL %uu\n#define NT %uu\n#define NWG %uu\n#define BAL %d\n#define PU %uu\n%s",
           sg ? "#extension GL_KHR_shader_subgroup_basic : require\n#extension GL_KHR_shader_subgroup_arithmetic : "
                "require\n#extension GL_KHR_shader_subgroup_clustered : require\n#define SG 1\n"
              : "",
           q4 ? 2 : 1, D, F, NL, NT, WGS, bal, PU, empty ? "#define EMPTY 1\n" : "");
  printf("%s | %s | %s D=%u layers=%u wgs=%u x %u, %s rows (%u units in flight), %s%s\n", in->renderer, in->version, q4 ? "q4" : "f16",
         D, NL, WGS, NT, bal ? "balanced" : "blocked", PU, sg ? "subgroups" : "shared-memory sums", empty ? ", phases empty (barriers only)" : "");
  char head_pdl[600];
  /* BENCH_PERSIST_PF=0: the wait before the first loads; BENCH_PERSIST_APOLL=1: poll with
   * atomicAdd(count, 0) instead of a coherent load */
  snprintf(head_pdl, sizeof head_pdl, "%s#define PDL 1\n#define NOPF %s\n%s", head,
           getenv("BENCH_PERSIST_PF") && atoi(getenv("BENCH_PERSIST_PF")) == 0 ? "true" : "false",
           getenv("BENCH_PERSIST_APOLL") ? "#define APOLL 1\n" : "");
  GLuint prog = build(head, SRC), fill = build("", FILL), prog_pdl = empty ? 0 : build(head_pdl, SRC);
  if (!prog || !fill || (!empty && !prog_pdl)) return 1;
  /* weights: rows x K per layer; f16 K/2 words a row, q4 K/8 nibble words + K/32 scale words */
  unsigned rows[4] = {MA, D, F, D}, ks[4] = {D, D, D, F};
  GLuint w[4], act, st, sy;
  for (int i = 0; i < 4; i++) {
    uint64_t n = (uint64_t)NL * rows[i] * ks[i], words = q4 ? n / 8 + n / 32 : n / 2;
    glGenBuffers(1, &w[i]);
    glBindBuffer(GL_SHADER_STORAGE_BUFFER, w[i]);
    glBufferData(GL_SHADER_STORAGE_BUFFER, (GLsizeiptr)(words * 4), NULL, GL_STATIC_DRAW);
    glUseProgram(fill);
    glUniform1ui(glGetUniformLocation(fill, "n"), (GLuint)words);
    glUniform1ui(glGetUniformLocation(fill, "seed"), (GLuint)(i * 7919 + 1));
    glUniform1ui(glGetUniformLocation(fill, "kind"), (GLuint)q4);
    glUniform1ui(glGetUniformLocation(fill, "from"), (GLuint)(n / 8));
    glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 0, w[i]);
    glDispatchCompute(1024, 1, 1);
  }
  unsigned n_act = 2 * D + MA + F;
  float *x0 = calloc(n_act, sizeof *x0), *xr[4];
  for (unsigned i = 0; i < D; i++) x0[i] = (float)((i * 37u) % 101u) / 50.0f - 1.0f;
  glGenBuffers(1, &act);
  glBindBuffer(GL_SHADER_STORAGE_BUFFER, act);
  glBufferData(GL_SHADER_STORAGE_BUFFER, (GLsizeiptr)n_act * 4, x0, GL_DYNAMIC_DRAW);
  size_t n_st = (size_t)NL * H * 4096;
  float *zero = calloc(n_st, sizeof *zero);
  glGenBuffers(1, &st);
  glBindBuffer(GL_SHADER_STORAGE_BUFFER, st);
  glBufferData(GL_SHADER_STORAGE_BUFFER, (GLsizeiptr)(n_st * 4), zero, GL_DYNAMIC_DRAW);
  uint32_t syz[2] = {0, 0};
  glGenBuffers(1, &sy);
  glBindBuffer(GL_SHADER_STORAGE_BUFFER, sy);
  glBufferData(GL_SHADER_STORAGE_BUFFER, 8, syz, GL_DYNAMIC_DRAW);
  glMemoryBarrier(GL_ALL_BARRIER_BITS);
  glUseProgram(prog);
  for (int i = 0; i < 4; i++) glBindBufferBase(GL_SHADER_STORAGE_BUFFER, (GLuint)i, w[i]);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 4, act);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 5, st);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 6, sy);
  GLint L0 = glGetUniformLocation(prog, "l0"), L1 = glGetUniformLocation(prog, "l1"),
        P0 = glGetUniformLocation(prog, "p0"), P1 = glGetUniformLocation(prog, "p1"),
        SB = glGetUniformLocation(prog, "sync_base");
  uint64_t base = 0; /* the counter's value before the next dispatch */
  glFinish();
  static const char *names[4] = {"dispatch", "layer", "all", "pdl"};
  int status = 0;
  GLint SBP = -1, QL0 = -1, QL1 = -1, QP0 = -1, QP1 = -1;
  if (prog_pdl) {
    SBP = glGetUniformLocation(prog_pdl, "sync_base");
    QL0 = glGetUniformLocation(prog_pdl, "l0"); QL1 = glGetUniformLocation(prog_pdl, "l1");
    QP0 = glGetUniformLocation(prog_pdl, "p0"); QP1 = glGetUniformLocation(prog_pdl, "p1");
  }
  for (int mode = 0; mode < (prog_pdl ? 4 : 3); mode++) {
    if ((mode == 1 || mode == 2) && getenv("BENCH_PERSIST_NOGRID")) continue;
    glUseProgram(mode == 3 ? prog_pdl : prog);
    double ms[5];
    uint32_t failed = 0, cnt = 0;
    for (int rep = -1; rep < 5; rep++) {
      /* the same start for every mode: x, the state and the sync word */
      glBindBuffer(GL_SHADER_STORAGE_BUFFER, act);
      glBufferSubData(GL_SHADER_STORAGE_BUFFER, 0, (GLsizeiptr)n_act * 4, x0);
      glBindBuffer(GL_SHADER_STORAGE_BUFFER, st);
      glBufferSubData(GL_SHADER_STORAGE_BUFFER, 0, (GLsizeiptr)(n_st * 4), zero);
      glBindBuffer(GL_SHADER_STORAGE_BUFFER, sy);
      glBufferSubData(GL_SHADER_STORAGE_BUFFER, 0, 8, syz);
      base = 0;
      glMemoryBarrier(GL_ALL_BARRIER_BITS);
      glFinish();
      double t0 = now_ms();
      unsigned toks = rep < 0 ? 1 : TOK;
      for (unsigned k = 0; k < toks; k++) {
        if (mode == 3) { /* no barriers: each dispatch waits on the count of those before it */
          for (unsigned l = 0; l < NL; l++)
            for (unsigned p = 0; p < 5; p++) {
              unsigned nw = p == 1 ? H : WGS;
              glUniform1ui(QL0, l); glUniform1ui(QL1, l + 1); glUniform1ui(QP0, p); glUniform1ui(QP1, p + 1);
              glUniform1ui(SBP, (GLuint)base);
              glDispatchCompute(nw, 1, 1);
              base += nw;
            }
        } else if (mode == 0) {
          for (unsigned l = 0; l < NL; l++)
            for (unsigned p = 0; p < 5; p++) {
              glUniform1ui(L0, l); glUniform1ui(L1, l + 1); glUniform1ui(P0, p); glUniform1ui(P1, p + 1);
              glUniform1ui(SB, 0);
              glDispatchCompute(p == 1 ? H : WGS, 1, 1);
              glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT);
            }
        } else {
          unsigned step = mode == 1 ? 1 : NL;
          for (unsigned l = 0; l < NL; l += step) {
            glUniform1ui(L0, l); glUniform1ui(L1, l + step); glUniform1ui(P0, 0); glUniform1ui(P1, 5);
            glUniform1ui(SB, (GLuint)base);
            glDispatchCompute(WGS, 1, 1);
            glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT);
            base += (uint64_t)(step * 5 - 1) * WGS; /* wraps with the GPU's uint, as the kernel's sum does */
          }
        }
        if (k % 4 == 3) glFlush();
      }
      glFinish();
      if (rep >= 0) ms[rep] = (now_ms() - t0) / toks;
      glBindBuffer(GL_SHADER_STORAGE_BUFFER, sy);
      const uint32_t *sp = glMapBufferRange(GL_SHADER_STORAGE_BUFFER, 0, 8, GL_MAP_READ_BIT);
      failed |= sp ? sp[1] : 1;
      cnt = sp ? sp[0] : 0;
      glUnmapBuffer(GL_SHADER_STORAGE_BUFFER);
      if (rep < 0) { /* the first token's x, for the comparison */
        xr[mode] = malloc(D * sizeof(float));
        glBindBuffer(GL_SHADER_STORAGE_BUFFER, act);
        const float *p = glMapBufferRange(GL_SHADER_STORAGE_BUFFER, 0, D * 4, GL_MAP_READ_BIT);
        if (p) memcpy(xr[mode], p, D * 4);
        glUnmapBuffer(GL_SHADER_STORAGE_BUFFER);
      }
    }
    qsort(ms, 5, sizeof *ms, cmp_d);
    double diff = 0;
    int nan = 0;
    for (unsigned i = 0; i < D; i++) {
      double d = xr[mode][i] - xr[0][i];
      if (d < 0) d = -d;
      if (d > diff) diff = d;
      if (xr[mode][i] != xr[mode][i]) nan = 1;
    }
    double bytes = 0;
    for (int i = 0; i < 4; i++) bytes += (double)NL * rows[i] * ks[i] * (q4 ? 0.625 : 2.0);
    printf("%-8s %8.3f ms/token [%.3f, %.3f]  %6.0f tok/s  %5.2f TB/s of weights  x[0] %.4f  |x - dispatch| %.3g  syncs %u/%llu%s%s\n",
           names[mode], ms[2], ms[0], ms[4], 1e3 / ms[2], bytes / (ms[2] * 1e-3) / 1e12, xr[mode][0], diff, cnt,
           (unsigned long long)base, nan ? " NaN" : "", failed ? "  BARRIER GAVE UP (workgroups not all resident?)" : "");
    /* balanced rows add subgroup sums in whatever order they come: not bit-exact */
    if (failed || nan || diff > (bal ? 1e-1 : 1e-3) * (1 + (xr[0][0] < 0 ? -xr[0][0] : xr[0][0]))) status = 1;
    syz[1] = 0;
  }
  rwkv_gpu_close(g);
  return status;
}
