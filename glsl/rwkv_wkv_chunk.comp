// rwkv_wkv_chunk.comp - the WKV-7 recurrence's chunk coefficients: what the row scan
// (rwkv_wkv_scan.comp with WKV_CC) needs to step a row of S over CC tokens at once.
//
// A row s of a head's S (one value index) steps, token by token (rwkv_wkv_scan.comp):
//   sa_t = s . a_t  (a = -kk);   s <- s o d_t + sa_t b_t + v_t k_t;   o_t = s . r_t
// Over a chunk of tokens 0 .. CC-1 starting from s0, with D(x, y] = prod_{x < u <= y} d_u
// (per channel, empty = 1), unrolling gives, for every row of the head alike:
//   sa_t = s0 . (a_t o D(-1, t-1]) + sum_{p<t} sa_p Mab[t][p] + v_p Mak[t][p]
//   o_t  = s0 . (r_t o D(-1, t])   + sum_{p<=t} sa_p Mrb[t][p] + v_p Mrk[t][p]
//   s'   = s0 o D(-1, CC-1] + sum_p sa_p (b_p o D(p, CC-1]) + v_p (k_p o D(p, CC-1])
// with Mab[t][p] = sum_j a_tj b_pj D(p, t-1]_j, Mak the same with k_p, Mrb[t][p] =
// sum_j r_tj b_pj D(p, t]_j and Mrk with k_p. None of it depends on S, so it is made for
// every chunk at once, in parallel; the scan then walks chunks, not tokens: per chunk a
// row takes 2 CC dot products with s0 (one batch of reductions) and a CC x CC triangular
// substitution of scalars, instead of CC dependent reductions. The same sums as the token
// walk, reassociated (no division: the decays, in (0.545, 1), are multiplied out).
//
// Workgroup (head, chunk, sequence) of HS invocations, one channel each. Chunk c of
// sequence b covers its rows start + c CC .. (the last may be short: its missing tokens
// have d = 1 and a = b = k = r = 0, so they change nothing). Output block at cc_off +
// ((b * ncmax + c) * H + h) * CC_PER floats: A[CC][HS] (a_t o D(-1, t-1]), R[CC][HS]
// (r_t o D(-1, t]), B[CC][HS], K[CC][HS] (b_p, k_p o D(p, CC-1]), P[HS] (D(-1, CC-1]),
// then Mab, Mak, Mrb, Mrk as [CC][CC] (zero above their diagonals).
// Inputs as rwkv_wkv_pre.comp leaves them: decay at dec_off, kk at kk_off, b = kk*a at
// b_off, k at k_off, r at r_off.
layout(local_size_x = HS) in;

uniform uint D, T, ncmax;
uniform uint r_off, k_off, dec_off, kk_off, b_off, cc_off;

#define CC WKV_CC
#define CC_PER (4 * CC * HS + HS + 4 * CC * CC)
#define NS (CC * (CC - 1) / 2) // entries strictly below the diagonal
#define NL (NS + CC)           // entries on or below it
#define NM (2 * NS + 2 * NL)   // the four matrices' entries
// each invocation's terms of every entry, summed over the head by entry (32 KiB for CC = 8,
// HS = 64: what llvmpipe has; the summing walks start at channel e, so that invocations
// summing neighbouring entries read distinct banks)
shared float cc_red[NM * HS];
#define RED(e, j) cc_red[(e) * uint(HS) + (j)]

void main() {
  uint j = gl_LocalInvocationID.x, h = gl_WorkGroupID.x, c = gl_WorkGroupID.y, b = gl_WorkGroupID.z;
  uint t0 = seq[2u * b] + c * uint(CC);
  if (t0 >= T) return; // past the sequence's rows (uniform over the workgroup)
  uint n = min(uint(CC), T - t0), H = D / uint(HS);
  uint o = cc_off + ((b * ncmax + c) * H + h) * uint(CC_PER);
  float d[CC], a[CC], bb[CC], k[CC], r[CC];
  for (int t = 0; t < CC; t++) {
    d[t] = 1.0;
    a[t] = bb[t] = k[t] = r[t] = 0.0;
    if (uint(t) < n) {
      uint e = (b * T + t0 + uint(t)) * D + h * uint(HS) + j;
      d[t] = act[dec_off + e];
      a[t] = -act[kk_off + e];
      bb[t] = act[b_off + e];
      k[t] = act[k_off + e];
      r[t] = act[r_off + e];
    }
  }
  float cum = 1.0; // D(-1, t-1]
  for (int t = 0; t < CC; t++) {
    act[o + uint(t * HS) + j] = a[t] * cum;
    cum *= d[t];
    act[o + uint((CC + t) * HS) + j] = r[t] * cum;
  }
  act[o + uint(4 * CC * HS) + j] = cum;
  float suf = 1.0; // D(p, CC-1]
  for (int p = CC - 1; p >= 0; p--) {
    act[o + uint((2 * CC + p) * HS) + j] = bb[p] * suf;
    act[o + uint((3 * CC + p) * HS) + j] = k[p] * suf;
    suf *= d[p];
  }
  // this channel's terms: (t, p) strictly below the diagonal at t (t - 1) / 2 + p, on or
  // below it at t (t + 1) / 2 + p
  for (int p = 0; p < CC; p++) {
    RED(uint(2 * NS + p * (p + 1) / 2 + p), j) = r[p] * bb[p];
    RED(uint(2 * NS + NL + p * (p + 1) / 2 + p), j) = r[p] * k[p];
    float q = 1.0; // D(p, t-1]
    for (int t = p + 1; t < CC; t++) {
      int s = t * (t - 1) / 2 + p, l = t * (t + 1) / 2 + p;
      RED(uint(s), j) = a[t] * bb[p] * q;
      RED(uint(NS + s), j) = a[t] * k[p] * q;
      q *= d[t];
      RED(uint(2 * NS + l), j) = r[t] * bb[p] * q;
      RED(uint(2 * NS + NL + l), j) = r[t] * k[p] * q;
    }
  }
  barrier();
  // the matrices, each position by one invocation: its entry's sum, or 0 above the diagonal
  uint m0 = o + uint(4 * CC * HS + HS);
  for (uint i = j; i < uint(4 * CC * CC); i += uint(HS)) {
    uint mat = i / uint(CC * CC), t = (i / uint(CC)) % uint(CC), p = i % uint(CC);
    bool strict = mat < 2u;
    float s = 0.0;
    if (p < t || (!strict && p == t)) {
      uint e = strict ? mat * uint(NS) + t * (t - 1u) / 2u + p
                      : uint(2 * NS) + (mat - 2u) * uint(NL) + t * (t + 1u) / 2u + p;
      for (uint q = 0u; q < uint(HS); q++) s += RED(e, (q + e) % uint(HS));
    }
    act[m0 + i] = s;
  }
}
