/* model.c - load an RWKV-7 GGUF model onto the GPU.
 *
 * The file is mapped (gguf.c), described and checked (rwkv7.c), and every
 * big matrix is copied from the mapping into its own GPU buffer as stored:
 * no CPU dequantization, no staging copy. */
#include <GLES3/gl31.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "model.h"
#include "quant.h"

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

rwkv_model_opts rwkv_model_default_opts(void) {
  rwkv_model_opts o;
  memset(&o, 0, sizeof o);
  o.gpu_opts.device = -1;
  return o;
}

/* Widen a small F32/F16 vector of n floats into dst. */
static int widen(const gguf_file *f, const gguf_tensor *t, uint32_t n, float *dst, rwkv_error *err) {
  if (!t) {
    memset(dst, 0, n * sizeof *dst);
    return RWKV_OK;
  }
  if (rwkv_dequantize(t->type, t->data, dst, n, err) != RWKV_OK)
    return rwkv_error_prefix(err, "%s: tensor '%.*s'", f->path, (int)t->name.len, t->name.ptr);
  return RWKV_OK;
}

/* Pack the per-layer vectors and the global norms into one float buffer. */
static int upload_params(rwkv_model *m, rwkv_error *err) {
  const rwkv7_desc *d = &m->d;
  uint32_t D = d->n_embd;
  size_t n = ((size_t)d->n_layer * PAR_PER_LAYER + PAR_GLOBAL) * D;
  float *p = calloc(n, sizeof *p);
  if (!p) return rwkv_errorf(err, RWKV_ERR_NOMEM, "%s: no memory for %zu parameter floats", m->path, n);
  int rc = RWKV_OK;
  for (uint32_t l = 0; l < d->n_layer && rc == RWKV_OK; l++) {
    const rwkv7_layer *L = &d->layers[l];
    float *q = p + (size_t)l * PAR_PER_LAYER * D;
    const gguf_tensor *vecs[PAR_PER_LAYER] = {0};
    vecs[PAR_LN1_W] = L->ln1_w; vecs[PAR_LN1_B] = L->ln1_b;
    vecs[PAR_LN2_W] = L->ln2_w; vecs[PAR_LN2_B] = L->ln2_b;
    vecs[PAR_W0] = L->w0; vecs[PAR_A0] = L->a0; vecs[PAR_V0] = L->v0;
    vecs[PAR_K_K] = L->k_k; vecs[PAR_K_A] = L->k_a; vecs[PAR_R_K] = L->r_k;
    vecs[PAR_LNX_W] = L->lnx_w; vecs[PAR_LNX_B] = L->lnx_b; vecs[PAR_FFN_LERP] = L->ffn_lerp;
    for (int i = 0; i < PAR_PER_LAYER && rc == RWKV_OK; i++)
      if (i < PAR_LERP || i >= PAR_LERP + 6) rc = widen(m->file, vecs[i], D, q + (size_t)i * D, err);
    if (rc == RWKV_OK) rc = widen(m->file, L->lerp, 6 * D, q + (size_t)PAR_LERP * D, err);
  }
  float *g = p + (size_t)d->n_layer * PAR_PER_LAYER * D;
  if (rc == RWKV_OK) rc = widen(m->file, d->ln0_w, D, g + PAR_LN0_W * D, err);
  if (rc == RWKV_OK) rc = widen(m->file, d->ln0_b, D, g + PAR_LN0_B * D, err);
  if (rc == RWKV_OK) rc = widen(m->file, d->lnout_w, D, g + PAR_LNOUT_W * D, err);
  if (rc == RWKV_OK) rc = widen(m->file, d->lnout_b, D, g + PAR_LNOUT_B * D, err);
  if (rc == RWKV_OK) rc = rwkv_gpu_buffer(m->gpu, n * sizeof *p, p, &m->par_buf, err);
  free(p);
  return rc;
}

static int upload(rwkv_model *m, const gguf_tensor *t, rwkv_mm_weight *w, uint64_t *done,
                  rwkv_error *err) {
  if (!t) return RWKV_OK;
  int rc = rwkv_mm_upload_tensor(m->gpu, t, w, err);
  if (rc != RWKV_OK)
    return rwkv_error_prefix(err, "%s: uploading '%.*s'", m->path, (int)t->name.len, t->name.ptr);
  *done += t->size;
  return RWKV_OK;
}

/* Through a ring of its own, as the load's uploads (mapped, a process's first big buffer
 * costs the driver 100+ ms: gpu.h rwkv_gpu_piece_max). */
int model_head_ready(rwkv_model *m, rwkv_error *err) {
  if (!m->head_pending || !m->d.head) return RWKV_OK;
  uint64_t before = rwkv_gpu_bytes(m->gpu), done = 0;
  rwkv_gpu_upload_begin(m->gpu, 0);
  int rc = upload(m, m->d.head, &m->head, &done, err);
  int rc2 = rwkv_gpu_upload_done(m->gpu, rc == RWKV_OK ? err : NULL);
  if (rc == RWKV_OK && rc2 != RWKV_OK) rc = rwkv_error_prefix(err, "%s: uploading 'output.weight'", m->path);
  if (rc != RWKV_OK) {
    rwkv_mm_free(m->gpu, &m->head);
    return rc;
  }
  m->head_pending = 0;
  m->info.gpu_bytes += rwkv_gpu_bytes(m->gpu) - before;
  return RWKV_OK;
}

/* Two weights can be stacked into one (rows of one, then the other): same type and K. */
static int stackable(const gguf_tensor *a, const gguf_tensor *b) {
  return a->type == b->type && a->ne[0] == b->ne[0];
}

static int same_type(const gguf_tensor *const *t, uint32_t n) {
  for (uint32_t i = 1; i < n; i++)
    if (!stackable(t[i], t[0])) return 0;
  return 1;
}

/* Upload parts (same type and K) as one stacked weight: rows of part 0, then part 1, ... */
static int stack(rwkv_model *m, const char *what, uint32_t l, const gguf_tensor *const *parts, uint32_t n,
                 rwkv_mm_weight *w, uint64_t *done, rwkv_error *err) {
  char name[64];
  snprintf(name, sizeof name, "blk.%u.%s", l, what);
  int rc = rwkv_mm_upload_stacked(m->gpu, name, parts[0]->type, parts[0]->ne[0], parts, n, w, err);
  if (rc != RWKV_OK) return rwkv_error_prefix(err, "%s: uploading '%s'", m->path, name);
  for (uint32_t i = 0; i < n; i++) *done += parts[i]->size;
  return RWKV_OK;
}

typedef struct emb_job {
  rwkv_gpu *g;
  const void *src;
  uint64_t n;
} emb_job;

/* Bytes [off, off + n) of the embedding's buffer: the file's rows, then 16 zero bytes. */
static void emb_fill(void *ctx, uint8_t *dst, uint64_t off, uint64_t n) {
  const emb_job *j = ctx;
  uint64_t c = off >= j->n ? 0 : (j->n - off < n ? j->n - off : n);
  rwkv_gpu_copy(j->g, dst, (const uint8_t *)j->src + off, c);
  memset(dst + c, 0, n - c);
}

/* Which of r / k / v go in the layer's rkv stack (model.h RKV_*): all three when they share a
 * type, else two that do (Q4_K_M's layers with a Q6_K v: r and k, one dispatch of 2D rows
 * instead of two of D), else none. */
static unsigned rkv_parts(const rwkv7_layer *L) {
  const gguf_tensor *rkv[3] = {L->wr, L->wk, L->wv};
  if (same_type(rkv, 3)) return RKV_ALL;
  if (stackable(L->wr, L->wk)) return RKV_R | RKV_K;
  if (stackable(L->wr, L->wv)) return RKV_R | RKV_V;
  if (stackable(L->wk, L->wv)) return RKV_K | RKV_V;
  return 0;
}

/* The biggest weight a layer uploads whole (r/k/v stacked when they can be), with room for
 * the packed layout's padding: what the upload ring's slots are sized to hold
 * (rwkv_gpu_upload_begin; the embedding and head go in pieces when bigger than a slot). */
static uint64_t largest_weight(const rwkv7_desc *d) {
  uint64_t big = 0;
  for (uint32_t l = 0; l < d->n_layer; l++) {
    const rwkv7_layer *L = &d->layers[l];
    const gguf_tensor *rkv[3] = {L->wr, L->wk, L->wv};
    const gguf_tensor *t[] = {L->wr, L->wk, L->wv, L->wo, L->ffn_key, L->ffn_value, L->g1, L->g2};
    unsigned parts = rkv_parts(L);
    uint64_t b = 0;
    for (int i = 0; i < 3; i++)
      if (parts & (1u << i)) b += rkv[i]->size;
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
      if (t[i] && t[i]->size > b) b = t[i]->size;
    if (b > big) big = b;
  }
  return big + big / 16;
}

static int upload_weights(rwkv_model *m, const rwkv_model_opts *o, rwkv_error *err) {
  const rwkv7_desc *d = &m->d;
  uint64_t done = 0, total = m->file->size;
  m->layers = calloc(d->n_layer, sizeof *m->layers);
  if (!m->layers) return rwkv_errorf(err, RWKV_ERR_NOMEM, "%s: no memory for layers", m->path);

  /* the embedding is read row by row (rwkv_norm.comp EMBED); decoders may read
   * one word past a block, hence the padding */
  emb_job ej = {m->gpu, d->emb->data, d->emb->size};
  uint64_t piece = rwkv_gpu_piece_max(m->gpu); /* (0: one fill, mapped when bigger than a slot) */
  int rc = rwkv_gpu_buffer_fill_pieces(m->gpu, d->emb->size + 16, piece ? piece : d->emb->size + 16, emb_fill, &ej,
                                       &m->emb_buf, err);
  if (rc != RWKV_OK) return rwkv_error_prefix(err, "%s: uploading 'token_embd.weight'", m->path);
  done += d->emb->size;
  if (m->head_pending) done += d->head ? d->head->size : 0; /* (model_head_ready) */
  else if ((rc = upload(m, d->head, &m->head, &done, err)) != RWKV_OK) return rc;
  for (uint32_t l = 0; l < d->n_layer; l++) {
    const rwkv7_layer *L = &d->layers[l];
    model_layer *W = &m->layers[l];
    const gguf_tensor *rkv[3] = {L->wr, L->wk, L->wv}, *rkv_in[3];
    uint32_t n_rkv = 0;
    W->rkv_parts = rkv_parts(L);
    for (int i = 0; i < 3; i++)
      if (W->rkv_parts & (1u << i)) rkv_in[n_rkv++] = rkv[i];
    if (n_rkv && (rc = stack(m, "rkv", l, rkv_in, n_rkv, &W->rkv, &done, err)) != RWKV_OK) return rc;
    /* the LoRA first stages: every present part stacked when they share a type, else the
     * most of one type (two at least; ties: the type of the earlier part) */
    const gguf_tensor *lo1[4] = {L->w1, L->a1, L->g1, L->v1}; /* v1 last: absent in layer 0 */
    uint32_t np = L->v1 ? 4 : 3, best = 0, bestn = 0;
    for (uint32_t i = 0; i < np; i++) {
      uint32_t n = 0;
      for (uint32_t j = 0; j < np; j++) n += stackable(lo1[j], lo1[i]);
      if (n > bestn) bestn = n, best = i;
    }
    const gguf_tensor *part[4];
    uint32_t n_part = 0;
    W->lora1_parts = 0;
    for (uint32_t i = 0; i < np && bestn >= 2; i++)
      if (stackable(lo1[i], lo1[best])) {
        part[n_part++] = lo1[i];
        W->lora1_parts |= 1u << i; /* LORA1_W, _A, _G, _V in lo1's order */
      }
    if (n_part && (rc = stack(m, "lora1", l, part, n_part, &W->lora1, &done, err)) != RWKV_OK) return rc;
#define IN_LO1(bit) (W->lora1_parts & (bit))
#define IN_RKV(bit) (W->rkv_parts & (bit))
    const gguf_tensor *src[] = {IN_RKV(RKV_R) ? NULL : L->wr, IN_RKV(RKV_K) ? NULL : L->wk, IN_RKV(RKV_V) ? NULL : L->wv,
                                L->wo, IN_LO1(LORA1_W) ? NULL : L->w1, L->w2, IN_LO1(LORA1_A) ? NULL : L->a1, L->a2,
                                IN_LO1(LORA1_V) ? NULL : L->v1, L->v2, IN_LO1(LORA1_G) ? NULL : L->g1, L->g2,
                                L->ffn_key, L->ffn_value};
#undef IN_LO1
#undef IN_RKV
    rwkv_mm_weight *dst[] = {&W->wr, &W->wk, &W->wv, &W->wo, &W->w1, &W->w2, &W->a1, &W->a2,
                             &W->v1, &W->v2, &W->g1, &W->g2, &W->ffn_key, &W->ffn_value};
    for (size_t i = 0; i < sizeof src / sizeof *src; i++)
      if ((rc = upload(m, src[i], dst[i], &done, err)) != RWKV_OK) return rc;
    if (o->progress) o->progress(o->progress_ud, done, total);
  }
  return upload_params(m, err);
}

static void fill_info(rwkv_model *m) {
  const rwkv7_desc *d = &m->d;
  rwkv_model_info *in = &m->info;
  in->arch = "rwkv7";
  in->path = m->path;
  in->file_type = d->file_type;
  in->n_layer = d->n_layer; in->n_embd = d->n_embd; in->n_head = d->n_head;
  in->head_size = d->head_size; in->n_ffn = d->n_ffn; in->n_vocab = d->n_vocab;
  in->rank_w = d->rank_w; in->rank_a = d->rank_a; in->rank_v = d->rank_v; in->rank_g = d->rank_g;
  in->file_bytes = m->file->size;
  for (uint64_t i = 0; i < m->file->n_tensors; i++) {
    const gguf_tensor *t = &m->file->tensors[i];
    in->n_params += t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3];
    const rwkv_type_info *ti = rwkv_type_get(t->type);
    const char *name = ti ? ti->name : "?";
    uint32_t k = 0;
    while (k < in->n_tensor_types && strcmp(in->tensor_types[k], name) != 0) k++;
    if (k == in->n_tensor_types && k < 16) in->tensor_types[in->n_tensor_types++] = name;
    if (k < 16) in->tensor_type_count[k]++;
  }
}

/* A file whose pages are mostly not in the page cache is read on a few threads while the
 * GPU context opens (~30 ms with NVIDIA's EGL), each populating a slice of the mapping
 * (madvise MADV_POPULATE_READ; a byte per page before Linux 5.14): the uploads then find
 * it in memory (H200, 2.9B Q4_K_M after drop_caches: 1876-1946 -> 1411-1547 ms;
 * bench/h100_s7n.sh). A warm file is left alone: populating its page tables did not speed
 * the uploads' packing and cost 13-20 ms there (bench/h100_s7f.sh). Only for files under
 * half of the physical memory; RWKV_PREFAULT=0 turns it off, =1 forces it. */
#define PREFAULT_MAX 8
typedef struct prefault_set {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int go, on; /* on: mu / cv initialised */
  struct prefault_job {
    struct prefault_set *set;
    const uint8_t *base;
    size_t len;
    pthread_t th;
    int started;
  } jobs[PREFAULT_MAX];
} prefault_set;

static void *prefault_main(void *p) {
  const struct prefault_job *j = p;
  /* every thread is created before any populates: creating one maps its stack, which
   * waits for running populates (the mm lock) */
  pthread_mutex_lock(&j->set->mu);
  while (!j->set->go) pthread_cond_wait(&j->set->cv, &j->set->mu);
  pthread_mutex_unlock(&j->set->mu);
#ifdef MADV_POPULATE_READ
  if (madvise((void *)j->base, j->len, MADV_POPULATE_READ) == 0) return NULL;
#endif
  volatile uint8_t sink = 0;
  for (size_t o = 0; o < j->len; o += 4096) sink ^= j->base[o];
  (void)sink;
  return NULL;
}

/* Fraction of 64 pages spread over the mapping that are in the page cache. */
static double resident_share(const gguf_file *f, long psz) {
  size_t pages = ((size_t)f->size + (size_t)psz - 1) / (size_t)psz, in = 0, n = 0;
  for (size_t i = 0; i < 64 && pages; i++, n++) {
    unsigned char v = 0;
    if (mincore((uint8_t *)f->base + pages * i / 64 * (size_t)psz, (size_t)psz, &v) != 0) return 1.0;
    in += v & 1;
  }
  return n ? (double)in / (double)n : 1.0;
}

static void prefault_start(const gguf_file *f, prefault_set *ps) {
  memset(ps, 0, sizeof *ps);
  const char *e = getenv("RWKV_PREFAULT");
  int force = e && strcmp(e, "1") == 0;
  if (!f->mapped || (e && strcmp(e, "0") == 0)) return;
  long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE), cpus = sysconf(_SC_NPROCESSORS_ONLN);
  if (pages <= 0 || psz <= 0 || (double)f->size > 0.5 * (double)pages * (double)psz) return;
  if (!force && resident_share(f, psz) >= 0.5) return;
  size_t n = cpus > PREFAULT_MAX ? PREFAULT_MAX : cpus < 1 ? 1 : (size_t)cpus;
  size_t slice = ((size_t)f->size / n + (size_t)psz - 1) / (size_t)psz * (size_t)psz;
  if (!slice || pthread_mutex_init(&ps->mu, NULL) != 0) return;
  if (pthread_cond_init(&ps->cv, NULL) != 0) {
    pthread_mutex_destroy(&ps->mu);
    return;
  }
  ps->on = 1;
  for (size_t i = 0; i < n && i * slice < (size_t)f->size; i++) {
    struct prefault_job *j = &ps->jobs[i];
    size_t off = i * slice;
    j->set = ps;
    j->base = (const uint8_t *)f->base + off;
    j->len = (size_t)f->size - off < slice ? (size_t)f->size - off : slice;
    j->started = pthread_create(&j->th, NULL, prefault_main, j) == 0;
  }
  pthread_mutex_lock(&ps->mu);
  ps->go = 1;
  pthread_cond_broadcast(&ps->cv);
  pthread_mutex_unlock(&ps->mu);
}

static void prefault_join(prefault_set *ps) {
  for (size_t i = 0; i < PREFAULT_MAX; i++)
    if (ps->jobs[i].started) {
      pthread_join(ps->jobs[i].th, NULL);
      ps->jobs[i].started = 0;
    }
  if (ps->on) {
    pthread_cond_destroy(&ps->cv);
    pthread_mutex_destroy(&ps->mu);
    ps->on = 0;
  }
}

/* The tokenizer is built on its own thread while the GPU context opens and the weights
 * upload (it needs only the mapped file). */
typedef struct tok_job {
  rwkv_model *m;
  int rc;
  rwkv_error err;
} tok_job;

static void *tok_main(void *p) {
  tok_job *j = p;
  j->rc = rwkv_tokenizer_from_gguf(j->m->file, &j->m->tok, &j->err);
  return NULL;
}

int rwkv_model_load(const char *path, const rwkv_model_opts *opts, rwkv_model **out,
                    rwkv_error *err) {
  if (out) *out = NULL;
  if (!path || !out) return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv_model_load: path and out are required");
  double t0 = now_ms();
  rwkv_model_opts o = opts ? *opts : rwkv_model_default_opts();
  rwkv_model *m = calloc(1, sizeof *m);
  if (!m || !(m->path = strdup(path))) {
    free(m);
    return rwkv_errorf(err, RWKV_ERR_NOMEM, "%s: no memory for the model", path);
  }
  m->chunk = o.chunk ? o.chunk : 256;
  const char *lz = getenv("RWKV_LAZY_HEAD");
  m->head_pending = lz && *lz ? strcmp(lz, "0") != 0 : o.lazy_head != 0;
  rwkv_model_info *in = &m->info;
  double t = t0, t1;
#define LAP(field) (t1 = now_ms(), in->field += t1 - t, t = t1)
  int rc = gguf_open(path, &m->file, err);
  /* the weights are read once, front to back: ask for readahead now (a hint; errors
   * do not matter) */
  if (rc == RWKV_OK && m->file->mapped) {
    madvise((void *)m->file->base, (size_t)m->file->size, MADV_SEQUENTIAL);
    madvise((void *)m->file->base, (size_t)m->file->size, MADV_WILLNEED);
  }
  if (rc == RWKV_OK) rc = rwkv7_describe(m->file, &m->d, err);
  prefault_set pf;
  memset(&pf, 0, sizeof pf);
  if (rc == RWKV_OK) prefault_start(m->file, &pf);
  LAP(load_open_ms);
  tok_job tj = {m, RWKV_OK, {0}};
  pthread_t tok_th;
  int tok_async = 0;
  if (rc == RWKV_OK && gguf_find_kv(m->file, "tokenizer.ggml.tokens")) {
    tok_async = pthread_create(&tok_th, NULL, tok_main, &tj) == 0;
    if (!tok_async) rc = rwkv_tokenizer_from_gguf(m->file, &m->tok, err);
  }
  LAP(load_tokenizer_ms);
  if (rc == RWKV_OK) {
    if (o.gpu) {
      m->gpu = o.gpu;
    } else {
      rc = rwkv_gpu_open(&o.gpu_opts, &m->gpu, err);
      m->own_gpu = rc == RWKV_OK;
    }
  }
  if (rc == RWKV_OK) rc = rwkv_gpu_make_current(m->gpu, err);
  if (rc == RWKV_OK && !o.chunk && !rwkv_gpu_get_info(m->gpu)->software) m->chunk = 1024; /* GPUs: more token tiles per matmul */
  LAP(load_context_ms);
  prefault_join(&pf); /* before any error path unmaps the file */
  LAP(load_prefault_ms);
  rwkv_gpu_stats s0, s1;
  rwkv_gpu_get_stats(rc == RWKV_OK ? m->gpu : NULL, &s0);
  if (rc == RWKV_OK) {
    rwkv_gpu_upload_begin(m->gpu, largest_weight(&m->d));
    rc = forward_programs(m, err); /* (queued: built while the uploads wait) */
    if (rc == RWKV_OK) rc = upload_weights(m, &o, err);
    /* the rest of the forward pass's set-up, whose programs (the fused WKV decode kernel)
     * depend on the weights' types: queued too, built (and touched, gpu.c program_touch)
     * as the last copies run, not in the first token */
    if (rc == RWKV_OK) rc = forward_init(m, err);
    int rc2 = rwkv_gpu_upload_done(m->gpu, rc == RWKV_OK ? err : NULL);
    if (rc == RWKV_OK && rc2 != RWKV_OK) {
      rc = rc2;
      rwkv_error_prefix(err, "%s", m->path);
    }
  }
  rwkv_gpu_get_stats(rc == RWKV_OK ? m->gpu : NULL, &s1);
  LAP(load_upload_ms);
  if (tok_async) {
    pthread_join(tok_th, NULL);
    if (rc == RWKV_OK && tj.rc != RWKV_OK) {
      rc = tj.rc;
      if (err) *err = tj.err;
    }
    LAP(load_tokenizer_ms); /* the wait for it, past the uploads */
  }
  in->load_upload_ms -= s1.program_ms - s0.program_ms;
  if (rc == RWKV_OK) rc = state_pool_init(m, err);
  LAP(load_init_ms);
  if (rc == RWKV_OK) rc = rwkv_gpu_wait(m->gpu, err); /* "ready for the first token" includes the uploads */
  if (rc == RWKV_OK) {
    LAP(load_finish_ms);
    rwkv_gpu_stats s2;
    rwkv_gpu_get_stats(m->gpu, &s2);
    in->load_init_ms -= s2.program_ms - s1.program_ms;
    in->load_programs_ms = s2.program_ms - s0.program_ms;
    in->shader_cache_hits = s2.cache_hits - s0.cache_hits;
    in->shader_cache_misses = s2.cache_misses - s0.cache_misses;
    fill_info(m);
    m->info.gpu_bytes = rwkv_gpu_bytes(m->gpu);
    m->info.load_ms = now_ms() - t0;
    *out = m;
    return RWKV_OK;
  }
#undef LAP
  rwkv_model_free(m);
  return rc;
}

void rwkv_model_free(rwkv_model *m) {
  if (!m) return;
  if (m->gpu) {
    rwkv_gpu_make_current(m->gpu, NULL);
    state_pool_free(m);
    forward_free(m);
    if (m->layers) {
      for (uint32_t l = 0; l < m->d.n_layer; l++) {
        model_layer *W = &m->layers[l];
        rwkv_mm_weight *ws[] = {&W->rkv, &W->lora1, &W->wr, &W->wk, &W->wv, &W->wo, &W->w1, &W->w2, &W->a1,
                                &W->a2, &W->v1, &W->v2, &W->g1, &W->g2, &W->ffn_key, &W->ffn_value};
        for (size_t i = 0; i < sizeof ws / sizeof *ws; i++) rwkv_mm_free(m->gpu, ws[i]);
      }
    }
    rwkv_mm_free(m->gpu, &m->head);
    if (m->emb_buf) rwkv_gpu_buffer_free(m->gpu, m->emb_buf, m->d.emb ? m->d.emb->size + 16 : 0);
    if (m->par_buf)
      rwkv_gpu_buffer_free(m->gpu, m->par_buf,
                           ((uint64_t)m->d.n_layer * PAR_PER_LAYER + PAR_GLOBAL) * m->d.n_embd * 4);
    if (m->own_gpu) rwkv_gpu_close(m->gpu);
  }
  free(m->layers);
  rwkv_tokenizer_free(m->tok);
  rwkv7_desc_free(&m->d);
  gguf_close(m->file);
  free(m->path);
  free(m);
}

const rwkv_model_info *rwkv_model_get_info(const rwkv_model *m) { return m ? &m->info : NULL; }
const rwkv_tokenizer *rwkv_model_tokenizer(const rwkv_model *m) { return m ? m->tok : NULL; }
rwkv_gpu *rwkv_model_gpu(const rwkv_model *m) { return m ? m->gpu : NULL; }

int rwkv_model_release_thread(rwkv_model *m, rwkv_error *err) {
  if (!m) return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv_model_release_thread: model is NULL");
  return rwkv_gpu_release_current(m->gpu, err);
}

void rwkv_model_set_progress(rwkv_model *m, void (*fn)(void *ud, uint64_t done, uint64_t total), void *ud) {
  if (!m) return;
  m->progress = fn;
  m->progress_ud = ud;
}
