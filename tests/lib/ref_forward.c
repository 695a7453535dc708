/* ref_forward.c - float64 RWKV-7 reference forward; see ref_forward.h. */
#include "ref_forward.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quant.h"

typedef struct ref_layer {
  double *ln1_w, *ln1_b, *ln2_w, *ln2_b, *lerp;
  double *wr, *wk, *wv, *wo;
  double *w0, *w1, *w2, *a0, *a1, *a2, *v0, *v1, *v2, *g1, *g2;
  double *k_k, *k_a, *r_k, *lnx_w, *lnx_b;
  double *ffn_lerp, *ffn_key, *ffn_value;
} ref_layer;

struct ref_model {
  uint32_t L, D, H, N, F, V, rw, ra, rv, rg;
  double eps;
  double *emb, *ln0_w, *ln0_b, *lnout_w, *lnout_b, *head;
  ref_layer *layers;
  /* scratch for one token (the model is used by one caller at a time) */
};

struct ref_state {
  uint32_t L, D, H, N;
  double *att_prev; /* L x D */
  double *ffn_prev; /* L x D */
  double *S;        /* L x H x N x N, S[i][j]: i value dim, j key dim */
};

static uint64_t n_elems(const gguf_tensor *t) {
  return t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3];
}

static int widen(const gguf_tensor *t, double **out, rwkv_error *err) {
  *out = NULL;
  if (!t) return RWKV_OK;
  uint64_t n = n_elems(t);
  float *tmp = malloc(n * sizeof *tmp);
  double *d = malloc(n * sizeof *d);
  if (!tmp || !d) {
    free(tmp);
    free(d);
    return rwkv_errorf(err, RWKV_ERR_NOMEM, "ref_forward: out of memory widening '%.*s'",
                       (int)t->name.len, t->name.ptr);
  }
  int rc = rwkv_dequantize(t->type, t->data, tmp, n, err);
  if (rc) {
    free(tmp);
    free(d);
    return rwkv_error_prefix(err, "ref_forward: tensor '%.*s'", (int)t->name.len, t->name.ptr);
  }
  for (uint64_t i = 0; i < n; i++) d[i] = tmp[i];
  free(tmp);
  *out = d;
  return RWKV_OK;
}

void ref_model_free(ref_model *m) {
  if (!m) return;
  free(m->emb);
  free(m->ln0_w);
  free(m->ln0_b);
  free(m->lnout_w);
  free(m->lnout_b);
  free(m->head);
  if (m->layers) {
    for (uint32_t i = 0; i < m->L; i++) {
      double **p = (double **)&m->layers[i];
      for (size_t k = 0; k < sizeof(ref_layer) / sizeof(double *); k++) free(p[k]);
    }
  }
  free(m->layers);
  free(m);
}

int ref_model_new(const rwkv7_desc *d, ref_model **out, rwkv_error *err) {
  *out = NULL;
  ref_model *m = calloc(1, sizeof *m);
  if (!m) return rwkv_errorf(err, RWKV_ERR_NOMEM, "ref_forward: out of memory");
  m->L = d->n_layer;
  m->D = d->n_embd;
  m->H = d->n_head;
  m->N = d->head_size;
  m->F = d->n_ffn;
  m->V = d->n_vocab;
  m->rw = d->rank_w;
  m->ra = d->rank_a;
  m->rv = d->rank_v;
  m->rg = d->rank_g;
  m->eps = d->eps;
  m->layers = calloc(m->L, sizeof *m->layers);
  int rc = RWKV_OK;
  if (!m->layers) rc = rwkv_errorf(err, RWKV_ERR_NOMEM, "ref_forward: out of memory");
#define W(dst, src) \
  if (!rc) rc = widen((src), &(dst), err)
  W(m->emb, d->emb);
  W(m->ln0_w, d->ln0_w);
  W(m->ln0_b, d->ln0_b);
  W(m->lnout_w, d->lnout_w);
  W(m->lnout_b, d->lnout_b);
  W(m->head, d->head);
  for (uint32_t i = 0; i < m->L && !rc; i++) {
    const rwkv7_layer *s = &d->layers[i];
    ref_layer *l = &m->layers[i];
    W(l->ln1_w, s->ln1_w);
    W(l->ln1_b, s->ln1_b);
    W(l->ln2_w, s->ln2_w);
    W(l->ln2_b, s->ln2_b);
    W(l->lerp, s->lerp);
    W(l->wr, s->wr);
    W(l->wk, s->wk);
    W(l->wv, s->wv);
    W(l->wo, s->wo);
    W(l->w0, s->w0);
    W(l->w1, s->w1);
    W(l->w2, s->w2);
    W(l->a0, s->a0);
    W(l->a1, s->a1);
    W(l->a2, s->a2);
    W(l->v0, s->v0);
    W(l->v1, s->v1);
    W(l->v2, s->v2);
    W(l->g1, s->g1);
    W(l->g2, s->g2);
    W(l->k_k, s->k_k);
    W(l->k_a, s->k_a);
    W(l->r_k, s->r_k);
    W(l->lnx_w, s->lnx_w);
    W(l->lnx_b, s->lnx_b);
    W(l->ffn_lerp, s->ffn_lerp);
    W(l->ffn_key, s->ffn_key);
    W(l->ffn_value, s->ffn_value);
  }
#undef W
  if (rc) {
    ref_model_free(m);
    return rc;
  }
  *out = m;
  return RWKV_OK;
}

uint32_t ref_model_n_vocab(const ref_model *m) { return m->V; }
uint32_t ref_model_n_embd(const ref_model *m) { return m->D; }

int ref_state_new(const ref_model *m, ref_state **out, rwkv_error *err) {
  *out = NULL;
  ref_state *s = calloc(1, sizeof *s);
  if (!s) return rwkv_errorf(err, RWKV_ERR_NOMEM, "ref_forward: out of memory");
  s->L = m->L;
  s->D = m->D;
  s->H = m->H;
  s->N = m->N;
  s->att_prev = calloc((size_t)m->L * m->D, sizeof(double));
  s->ffn_prev = calloc((size_t)m->L * m->D, sizeof(double));
  s->S = calloc((size_t)m->L * m->H * m->N * m->N, sizeof(double));
  if (!s->att_prev || !s->ffn_prev || !s->S) {
    ref_state_free(s);
    return rwkv_errorf(err, RWKV_ERR_NOMEM, "ref_forward: out of memory for the state");
  }
  *out = s;
  return RWKV_OK;
}

void ref_state_reset(ref_state *s) {
  memset(s->att_prev, 0, (size_t)s->L * s->D * sizeof(double));
  memset(s->ffn_prev, 0, (size_t)s->L * s->D * sizeof(double));
  memset(s->S, 0, (size_t)s->L * s->H * s->N * s->N * sizeof(double));
}

void ref_state_free(ref_state *s) {
  if (!s) return;
  free(s->att_prev);
  free(s->ffn_prev);
  free(s->S);
  free(s);
}

/* y[out] = W x, W stored ggml [in, out] (row o is W[o*in .. o*in+in)). */
static void matvec(const double *W, const double *x, double *y, uint32_t in, uint32_t out) {
  for (uint32_t o = 0; o < out; o++) {
    const double *row = W + (size_t)o * in;
    double acc = 0.0;
    for (uint32_t i = 0; i < in; i++) acc += row[i] * x[i];
    y[o] = acc;
  }
}

static void layer_norm(const double *x, double *y, const double *w, const double *b, uint32_t n,
                       double eps) {
  double mean = 0.0, var = 0.0;
  for (uint32_t i = 0; i < n; i++) mean += x[i];
  mean /= n;
  for (uint32_t i = 0; i < n; i++) var += (x[i] - mean) * (x[i] - mean);
  var /= n;
  double inv = 1.0 / sqrt(var + eps);
  for (uint32_t i = 0; i < n; i++) y[i] = (x[i] - mean) * inv * w[i] + b[i];
}

static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

int ref_forward(const ref_model *m, ref_state *s, uint32_t token, double *logits, double *hidden,
                rwkv_error *err) {
  if (!m || !s) return rwkv_errorf(err, RWKV_ERR_ARG, "ref_forward: NULL model or state");
  if (token >= m->V)
    return rwkv_errorf(err, RWKV_ERR_ARG, "ref_forward: token %u out of range (vocab %u)", token,
                       m->V);
  if (s->L != m->L || s->D != m->D || s->H != m->H || s->N != m->N)
    return rwkv_errorf(err, RWKV_ERR_STATE, "ref_forward: state does not fit the model");
  const uint32_t D = m->D, H = m->H, N = m->N, F = m->F;
  uint32_t rmax = m->rw;
  if (m->ra > rmax) rmax = m->ra;
  if (m->rv > rmax) rmax = m->rv;
  if (m->rg > rmax) rmax = m->rg;
  /* scratch: x xa xr xw xk xv xa_ xg r w k v a g kk vfirst o t(D) + lora(rmax) + ffn(F) */
  enum { X, XA, XR, XW, XK, XV, XAA, XG, R, DEC, K, VV, A, G, KK, VF, O, T, NBUF };
  double *buf = malloc(((size_t)NBUF * D + rmax + F) * sizeof(double));
  if (!buf) return rwkv_errorf(err, RWKV_ERR_NOMEM, "ref_forward: out of memory");
  double *b[NBUF];
  for (int i = 0; i < NBUF; i++) b[i] = buf + (size_t)i * D;
  double *lo = buf + (size_t)NBUF * D, *ff = lo + rmax;
  double *x = b[X];

  /* 1. x = LN0(emb[token]) */
  layer_norm(m->emb + (size_t)token * D, x, m->ln0_w, m->ln0_b, D, m->eps);

  for (uint32_t il = 0; il < m->L; il++) {
    const ref_layer *l = &m->layers[il];
    double *att_prev = s->att_prev + (size_t)il * D, *ffn_prev = s->ffn_prev + (size_t)il * D;
    double *xa = b[XA];
    layer_norm(x, xa, l->ln1_w, l->ln1_b, D, m->eps);
    /* token shift: x_c = xa + (prev - xa) * lerp_c, c in r,w,k,v,a,g */
    double *xc[6] = {b[XR], b[XW], b[XK], b[XV], b[XAA], b[XG]};
    for (int c = 0; c < 6; c++)
      for (uint32_t i = 0; i < D; i++) xc[c][i] = xa[i] + (att_prev[i] - xa[i]) * l->lerp[(size_t)c * D + i];
    memcpy(att_prev, xa, D * sizeof(double));

    double *r = b[R], *dec = b[DEC], *k = b[K], *v = b[VV], *a = b[A], *g = b[G], *kk = b[KK];
    matvec(l->wr, b[XR], r, D, D);
    matvec(l->wk, b[XK], k, D, D);
    matvec(l->wv, b[XV], v, D, D);
    /* decay = exp(-e^-0.5 * sigmoid(w0 + W2 tanh(W1 x_w))) */
    matvec(l->w1, b[XW], lo, D, m->rw);
    for (uint32_t i = 0; i < m->rw; i++) lo[i] = tanh(lo[i]);
    matvec(l->w2, lo, dec, m->rw, D);
    for (uint32_t i = 0; i < D; i++) dec[i] = exp(-exp(-0.5) * sigmoid(l->w0[i] + dec[i]));
    /* a = sigmoid(a0 + A2 A1 x_a) */
    matvec(l->a1, b[XAA], lo, D, m->ra);
    matvec(l->a2, lo, a, m->ra, D);
    for (uint32_t i = 0; i < D; i++) a[i] = sigmoid(l->a0[i] + a[i]);
    /* g = G2 sigmoid(G1 x_g) */
    matvec(l->g1, b[XG], lo, D, m->rg);
    for (uint32_t i = 0; i < m->rg; i++) lo[i] = sigmoid(lo[i]);
    matvec(l->g2, lo, g, m->rg, D);
    /* kk = per-head L2 normalize(k * k_k) */
    for (uint32_t h = 0; h < H; h++) {
      double nrm = 0.0;
      for (uint32_t j = 0; j < N; j++) {
        size_t i = (size_t)h * N + j;
        kk[i] = k[i] * l->k_k[i];
        nrm += kk[i] * kk[i];
      }
      nrm = sqrt(nrm);
      if (nrm < 1e-12) nrm = 1e-12;
      for (uint32_t j = 0; j < N; j++) kk[(size_t)h * N + j] /= nrm;
    }
    for (uint32_t i = 0; i < D; i++) k[i] = k[i] + k[i] * l->k_a[i] * (a[i] - 1.0);
    /* value residual */
    if (il == 0) {
      memcpy(b[VF], v, D * sizeof(double));
    } else {
      double *mix = b[T];
      matvec(l->v1, b[XV], lo, D, m->rv);
      matvec(l->v2, lo, mix, m->rv, D);
      for (uint32_t i = 0; i < D; i++) v[i] = v[i] + (b[VF][i] - v[i]) * sigmoid(l->v0[i] + mix[i]);
    }
    /* wkv per head */
    double *o = b[O];
    for (uint32_t h = 0; h < H; h++) {
      double *S = s->S + ((size_t)il * H + h) * N * N;
      const double *rh = r + (size_t)h * N, *kh = k + (size_t)h * N, *vh = v + (size_t)h * N;
      const double *kkh = kk + (size_t)h * N, *ah = a + (size_t)h * N, *wh = dec + (size_t)h * N;
      for (uint32_t i = 0; i < N; i++) {
        double *Si = S + (size_t)i * N;
        double sa = 0.0;
        for (uint32_t j = 0; j < N; j++) sa += Si[j] * (-kkh[j]);
        double oi = 0.0;
        for (uint32_t j = 0; j < N; j++) {
          Si[j] = Si[j] * wh[j] + vh[i] * kh[j] + sa * kkh[j] * ah[j];
          oi += Si[j] * rh[j];
        }
        o[(size_t)h * N + i] = oi;
      }
      /* group norm over the head (eps = layer eps * head_size: 64e-5 for N = 64) */
      double mean = 0.0, var = 0.0;
      for (uint32_t i = 0; i < N; i++) mean += o[(size_t)h * N + i];
      mean /= N;
      for (uint32_t i = 0; i < N; i++) {
        double dd = o[(size_t)h * N + i] - mean;
        var += dd * dd;
      }
      var /= N;
      double inv = 1.0 / sqrt(var + m->eps * N);
      double rk = 0.0;
      for (uint32_t j = 0; j < N; j++) rk += rh[j] * kh[j] * l->r_k[(size_t)h * N + j];
      for (uint32_t i = 0; i < N; i++) {
        size_t c = (size_t)h * N + i;
        double y = (o[c] - mean) * inv * l->lnx_w[c] + l->lnx_b[c];
        o[c] = (y + rk * vh[i]) * g[c];
      }
    }
    double *t = b[T];
    matvec(l->wo, o, t, D, D);
    for (uint32_t i = 0; i < D; i++) x[i] += t[i];

    /* channel mix */
    double *xf = b[XA], *xk = b[XK];
    layer_norm(x, xf, l->ln2_w, l->ln2_b, D, m->eps);
    for (uint32_t i = 0; i < D; i++) xk[i] = xf[i] + (ffn_prev[i] - xf[i]) * l->ffn_lerp[i];
    memcpy(ffn_prev, xf, D * sizeof(double));
    matvec(l->ffn_key, xk, ff, D, F);
    for (uint32_t i = 0; i < F; i++) {
      double z = ff[i] > 0.0 ? ff[i] : 0.0;
      ff[i] = z * z;
    }
    matvec(l->ffn_value, ff, t, F, D);
    for (uint32_t i = 0; i < D; i++) x[i] += t[i];
  }

  double *hid = b[T];
  layer_norm(x, hid, m->lnout_w, m->lnout_b, D, m->eps);
  if (hidden) memcpy(hidden, hid, D * sizeof(double));
  if (logits) matvec(m->head, hid, logits, D, m->V);
  free(buf);
  return RWKV_OK;
}
