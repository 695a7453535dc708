/* rwkv7_gen.c - random-weight RWKV-7 GGUF models; see rwkv7_gen.h.
 *
 * Facts used (no code taken): splitmix64 (Steele, Lea, Flood, "Fast splittable
 * pseudorandom number generators", 2014; constants as in Vigna's public-domain
 * splitmix64.c); RWKV-7 init ranges after BlinkDL's RWKV-LM RWKV-v7 train_temp model.py
 * (w0 spread from about -6 to 1 across channels, k_k 0.85, lerps in [0, 1], LoRA second
 * halves scaled by 0.1 there, by 0.5 here so that the LoRA paths visibly matter). */
#include "rwkv7_gen.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gguf.h"
#include "gguf_write.h"
#include "quant.h"
#include "rwkv7.h"

/* ---------------------------------------------------------------- presets */

static uint32_t round32(double x) {
  long v = lround(x / 32.0) * 32;
  return v < 32 ? 32u : (uint32_t)v;
}

void rwkv7_gen_default_ranks(uint32_t n_embd, rwkv7_hparams *hp) {
  if (!hp) return;
  const double c = (double)n_embd;
  hp->rank_w = round32(1.8 * sqrt(c));
  hp->rank_a = round32(1.8 * sqrt(c));
  hp->rank_v = round32(1.3 * sqrt(c));
  hp->rank_g = round32(0.6 * pow(c, 0.8));
}

int rwkv7_gen_preset(const char *preset, rwkv7_hparams *hp, rwkv_error *err) {
  if (!preset || !hp) return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv7_gen_preset: NULL argument");
  static const struct {
    const char *name;
    uint32_t layers, embd, vocab;
  } P[] = {{"0.1b", 12, 768, 65536},
           {"0.4b", 24, 1024, 65536},
           {"1.5b", 24, 2048, 65536},
           {"2.9b", 32, 2560, 65536},
           {"tiny256", 2, 256, 256}};
  for (size_t i = 0; i < sizeof P / sizeof P[0]; i++) {
    if (strcmp(preset, P[i].name) != 0) continue;
    memset(hp, 0, sizeof *hp);
    hp->n_layer = P[i].layers;
    hp->n_embd = P[i].embd;
    hp->n_ffn = 4 * P[i].embd;
    hp->n_vocab = P[i].vocab;
    hp->head_size = 64;
    rwkv7_gen_default_ranks(P[i].embd, hp);
    return RWKV_OK;
  }
  return rwkv_errorf(err, RWKV_ERR_ARG, "unknown preset '%s' (0.1b 0.4b 1.5b 2.9b tiny256)", preset);
}

/* ---------------------------------------------------------------- values */

static uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

static uint64_t tensor_key(uint64_t seed, const char *name) {
  uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a of the name */
  for (const unsigned char *p = (const unsigned char *)name; *p; p++) h = (h ^ *p) * 0x100000001b3ull;
  return splitmix64(seed ^ splitmix64(h));
}

enum { V_NORMAL = 0, V_UNIFORM = 1 };

typedef struct init_rule {
  int dist;      /* V_NORMAL: offset + scale * n, n ~ N(0,1); V_UNIFORM: offset + scale * u, u in [0,1) */
  float offset, scale;
} init_rule;

static int ends_with(const char *s, const char *suf) {
  size_t a = strlen(s), b = strlen(suf);
  return a >= b && strcmp(s + a - b, suf) == 0;
}

static init_rule rule_for(const rwkv7_tensor_spec *t) {
  const char *r = t->role;
  const float inv = 1.0f / sqrtf((float)t->ne[0]); /* 1/sqrt(fan_in) for matrices */
  init_rule k = {V_NORMAL, 0.0f, 1.0f};
  if (strcmp(r, "token_embd.weight") == 0) return k;                   /* N(0, 1) */
  if (ends_with(r, "norm.weight") || ends_with(r, "norm_2.weight") || strcmp(r, "time_mix_ln.weight") == 0)
    return (init_rule){V_NORMAL, 1.0f, 0.1f};                          /* ~1 */
  if (ends_with(r, ".bias")) return (init_rule){V_NORMAL, 0.0f, 0.05f}; /* ~0 */
  if (strcmp(r, "time_mix_lerp_fused.weight") == 0 || strcmp(r, "channel_mix_lerp_k.weight") == 0)
    return (init_rule){V_UNIFORM, 0.0f, 1.0f};                         /* [0, 1) */
  if (strcmp(r, "time_mix_w0.weight") == 0)
    return (init_rule){V_UNIFORM, -6.0f, 7.0f}; /* sigma(w0) in (0.0025, 0.73): decay in (0.64, 0.998) */
  if (strcmp(r, "time_mix_a0.weight") == 0 || strcmp(r, "time_mix_v0.weight") == 0)
    return (init_rule){V_UNIFORM, -1.0f, 2.0f};
  if (strcmp(r, "time_mix_k_k.weight") == 0) return (init_rule){V_NORMAL, 0.85f, 0.1f};
  if (strcmp(r, "time_mix_k_a.weight") == 0) return (init_rule){V_UNIFORM, 0.2f, 0.6f};
  if (strcmp(r, "time_mix_r_k.weight") == 0) return (init_rule){V_NORMAL, 0.0f, 0.1f};
  if (strcmp(r, "time_mix_w2.weight") == 0 || strcmp(r, "time_mix_a2.weight") == 0 ||
      strcmp(r, "time_mix_v2.weight") == 0)
    return (init_rule){V_NORMAL, 0.0f, 0.5f * inv};
  if (strcmp(r, "time_mix_output.weight") == 0 || strcmp(r, "channel_mix_value.weight") == 0)
    return (init_rule){V_NORMAL, 0.0f, 0.5f * inv};
  if (strcmp(r, "output.weight") == 0) return (init_rule){V_NORMAL, 0.0f, 2.0f * inv}; /* logits ~ N(0, 4) */
  /* receptance/key/value, channel_mix_key, w1/a1/v1/g1/g2 */
  return (init_rule){V_NORMAL, 0.0f, inv};
}

static inline float draw(uint64_t key, uint64_t idx, const init_rule *k) {
  uint64_t h = splitmix64(key + idx * 0xd1b54a32d192ed03ull);
  if (k->dist == V_UNIFORM) return k->offset + k->scale * (float)((double)(h >> 11) * 0x1.0p-53);
  /* Irwin-Hall: four 16-bit uniforms, mean 2, variance 1/3 -> unit variance */
  uint32_t s = (uint32_t)(h & 0xffff) + (uint32_t)((h >> 16) & 0xffff) + (uint32_t)((h >> 32) & 0xffff) +
               (uint32_t)(h >> 48);
  float n = ((float)s + 2.0f) * (1.0f / 65536.0f) - 2.0f; /* +2: each uniform at its cell centre */
  return k->offset + k->scale * (n * 1.7320508f);
}

float rwkv7_gen_value(uint64_t seed, const rwkv7_tensor_spec *t, const rwkv7_hparams *hp, uint64_t idx) {
  (void)hp;
  if (!t) return 0.0f;
  init_rule k = rule_for(t);
  return draw(tensor_key(seed, t->name), idx, &k);
}

/* ---------------------------------------------------------------- worker pool */

typedef struct gen_pool gen_pool;

typedef struct gen_tensor {
  gen_pool *pool;
  const rwkv7_tensor_spec *spec;
  uint32_t type;
  uint64_t key;
  init_rule rule;
} gen_tensor;

struct gen_pool {
  pthread_mutex_t mu;
  pthread_cond_t cv_work, cv_done;
  unsigned n_workers; /* threads besides the caller */
  pthread_t *th;
  float **scratch;    /* n_scratch rows of max_ne0 floats: [0] the caller, [i + 1] worker i */
  unsigned n_scratch;
  uint64_t gen;       /* job number */
  int quit;
  unsigned busy;      /* workers that have not finished job `gen` */
  /* the job */
  const gen_tensor *t;
  uint64_t row0, n_rows, next, step, row_bytes;
  uint8_t *dst;
  int rc;
  rwkv_error err;
};

static void do_rows(gen_pool *p, float *buf) {
  for (;;) {
    pthread_mutex_lock(&p->mu);
    uint64_t a = p->next, b;
    if (a >= p->n_rows || p->rc) {
      pthread_mutex_unlock(&p->mu);
      return;
    }
    b = a + p->step < p->n_rows ? a + p->step : p->n_rows;
    p->next = b;
    const gen_tensor *t = p->t;
    uint8_t *dst = p->dst;
    const uint64_t rb = p->row_bytes, row0 = p->row0;
    pthread_mutex_unlock(&p->mu);
    const uint64_t ne0 = t->spec->ne[0];
    for (uint64_t r = a; r < b; r++) {
      const uint64_t base = (row0 + r) * ne0;
      for (uint64_t j = 0; j < ne0; j++) buf[j] = draw(t->key, base + j, &t->rule);
      uint8_t *out = dst + r * rb;
      if (t->type == RWKV_TYPE_F32) {
        memcpy(out, buf, ne0 * sizeof(float));
        continue;
      }
      rwkv_error e = {0};
      int rc = rwkv_quantize(t->type, buf, out, ne0, &e);
      if (rc) {
        pthread_mutex_lock(&p->mu);
        if (!p->rc) {
          p->rc = rc;
          p->err = e;
          rwkv_error_prefix(&p->err, "tensor '%s' row %llu", t->spec->name, (unsigned long long)(row0 + r));
        }
        pthread_mutex_unlock(&p->mu);
        return;
      }
    }
  }
}

typedef struct worker_arg {
  gen_pool *p;
  unsigned id;
} worker_arg;

static void *worker_main(void *arg) {
  worker_arg *wa = arg;
  gen_pool *p = wa->p;
  float *buf = p->scratch[wa->id + 1];
  uint64_t seen = 0;
  pthread_mutex_lock(&p->mu);
  for (;;) {
    while (p->gen == seen && !p->quit) pthread_cond_wait(&p->cv_work, &p->mu);
    if (p->quit) break;
    seen = p->gen;
    pthread_mutex_unlock(&p->mu);
    do_rows(p, buf);
    pthread_mutex_lock(&p->mu);
    if (--p->busy == 0) pthread_cond_signal(&p->cv_done);
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

/* gguf_writer fill callback: rows [row, row + n_rows) of one tensor, spread over the pool. */
static int fill_rows(void *user, uint64_t row, uint64_t n_rows, void *dst, rwkv_error *err) {
  const gen_tensor *t = user;
  gen_pool *p = t->pool;
  const unsigned total = p->n_workers + 1;
  pthread_mutex_lock(&p->mu);
  p->t = t;
  p->row0 = row;
  p->n_rows = n_rows;
  p->next = 0;
  p->step = n_rows / (8u * total);
  if (p->step == 0) p->step = 1;
  p->row_bytes = rwkv_type_row_bytes(t->type, t->spec->ne[0]);
  p->dst = dst;
  p->rc = RWKV_OK;
  /* a small job is not worth waking the workers */
  const int wake = p->n_workers > 0 && n_rows * t->spec->ne[0] >= 65536;
  if (wake) {
    p->busy = p->n_workers;
    p->gen++;
    pthread_cond_broadcast(&p->cv_work);
  }
  pthread_mutex_unlock(&p->mu);
  do_rows(p, p->scratch[0]);
  pthread_mutex_lock(&p->mu);
  if (wake)
    while (p->busy > 0) pthread_cond_wait(&p->cv_done, &p->mu);
  int rc = p->rc;
  if (rc && err) *err = p->err;
  pthread_mutex_unlock(&p->mu);
  return rc;
}

static void pool_stop(gen_pool *p, unsigned started, worker_arg *args) {
  pthread_mutex_lock(&p->mu);
  p->quit = 1;
  pthread_cond_broadcast(&p->cv_work);
  pthread_mutex_unlock(&p->mu);
  for (unsigned i = 0; i < started; i++) pthread_join(p->th[i], NULL);
  if (p->scratch)
    for (unsigned i = 0; i < p->n_scratch; i++) free(p->scratch[i]);
  free(p->scratch);
  free(p->th);
  free(args);
  pthread_cond_destroy(&p->cv_done);
  pthread_cond_destroy(&p->cv_work);
  pthread_mutex_destroy(&p->mu);
}

/* ---------------------------------------------------------------- write */

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int verify(const char *path, const rwkv7_hparams *hp, const rwkv7_tensor_spec *specs, const uint32_t *types,
                  uint32_t n, rwkv_error *err) {
  gguf_file *f = NULL;
  int rc = gguf_open(path, &f, err);
  if (rc) return rc;
  rwkv7_desc d;
  rc = rwkv7_describe(f, &d, err);
  if (!rc) {
    if (d.n_layer != hp->n_layer || d.n_embd != hp->n_embd || d.n_vocab != hp->n_vocab ||
        d.head_size != hp->head_size || d.n_ffn != hp->n_ffn || d.rank_w != hp->rank_w || d.rank_a != hp->rank_a ||
        d.rank_v != hp->rank_v || d.rank_g != hp->rank_g)
      rc = rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: hyperparameters read back differ from the ones written", path);
    rwkv7_desc_free(&d);
  }
  if (!rc && f->n_tensors != n)
    rc = rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: %llu tensors read back, wrote %u", path,
                     (unsigned long long)f->n_tensors, n);
  for (uint32_t i = 0; i < n && !rc; i++) {
    const gguf_tensor *t = gguf_find_tensor(f, specs[i].name);
    int same = t && t->type == types[i];
    for (int k = 0; k < 4 && same; k++) same = t->ne[k] == specs[i].ne[k];
    if (!same) rc = rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: tensor '%s' missing or changed after writing", path, specs[i].name);
  }
  gguf_close(f);
  if (rc) rwkv_error_prefix(err, "check of the generated file failed");
  return rc;
}

int rwkv7_gen_write(const char *path, const rwkv7_gen_opts *o, rwkv7_gen_stats *st, rwkv_error *err) {
  if (st) memset(st, 0, sizeof *st);
  if (!path || !o) return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv7_gen_write: NULL argument");
  const double t0 = now_s();
  const rwkv7_ftype *ft = rwkv7_ftype_by_name(o->type ? o->type : "f32");
  if (!ft) return rwkv_errorf(err, RWKV_ERR_ARG, "unknown output type '%s' (%s)", o->type, rwkv7_ftype_list());
  int lora = -1;
  if (o->lora && strcmp(o->lora, "llama") != 0) {
    const rwkv7_ftype *lt = rwkv7_ftype_by_name(o->lora);
    if (!lt || !rwkv_type_is_float(lt->type))
      return rwkv_errorf(err, RWKV_ERR_ARG, "unknown LoRA type '%s' (llama f32 f16 bf16)", o->lora);
    lora = (int)lt->type;
  }
  rwkv7_tensor_spec *specs = NULL;
  uint32_t n = 0;
  int rc = rwkv7_tensor_specs(&o->hp, &specs, &n, err);
  if (rc) return rc;

  unsigned threads = o->threads;
  if (threads == 0) {
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    threads = c > 0 ? (unsigned)c : 1u;
  }
  if (threads > 256) threads = 256;

  uint32_t *types = calloc(n, sizeof *types);
  gen_tensor *gt = calloc(n, sizeof *gt);
  rwkv7_vocab v;
  memset(&v, 0, sizeof v);
  gguf_writer *w = NULL;
  gen_pool pool;
  memset(&pool, 0, sizeof pool);
  worker_arg *args = NULL;
  unsigned started = 0;
  int pool_inited = 0;
  uint32_t n_fallback = 0;
  uint64_t n_params = 0, max_ne0 = 0;

  if (!types || !gt) {
    rc = rwkv_errorf(err, RWKV_ERR_NOMEM, "rwkv7_gen_write: out of memory");
    goto done;
  }
  for (uint32_t i = 0; i < n && !rc; i++) {
    int r = rwkv7_tensor_type(ft, &specs[i], o->hp.n_layer, lora, &types[i], o->log, err);
    if (r == 2) n_fallback++;
    else if (r) rc = r;
    n_params += specs[i].ne[0] * specs[i].ne[1] * specs[i].ne[2] * specs[i].ne[3];
    if (specs[i].ne[0] > max_ne0) max_ne0 = specs[i].ne[0];
  }
  if (rc) goto done;
  if ((rc = rwkv7_vocab_build(o->hp.n_vocab, o->vocab, 1, &v, err))) goto done;

  /* the pool: threads - 1 workers plus the calling thread */
  pool.n_workers = threads - 1;
  pthread_mutex_init(&pool.mu, NULL);
  pthread_cond_init(&pool.cv_work, NULL);
  pthread_cond_init(&pool.cv_done, NULL);
  pool_inited = 1;
  pool.th = calloc(pool.n_workers + 1, sizeof *pool.th);
  pool.scratch = calloc(pool.n_workers + 1, sizeof *pool.scratch);
  args = calloc(pool.n_workers + 1, sizeof *args);
  if (!pool.th || !pool.scratch || !args) {
    rc = rwkv_errorf(err, RWKV_ERR_NOMEM, "rwkv7_gen_write: out of memory");
    goto done;
  }
  pool.n_scratch = pool.n_workers + 1;
  for (unsigned i = 0; i <= pool.n_workers; i++)
    if (!(pool.scratch[i] = malloc((size_t)max_ne0 * sizeof(float)))) {
      rc = rwkv_errorf(err, RWKV_ERR_NOMEM, "rwkv7_gen_write: out of memory");
      goto done;
    }
  for (unsigned i = 0; i < pool.n_workers; i++) {
    args[i].p = &pool;
    args[i].id = i;
    if (pthread_create(&pool.th[i], NULL, worker_main, &args[i]) != 0) {
      /* run with the threads we have */
      pool.n_workers = i;
      break;
    }
    started++;
  }

  if ((rc = gguf_writer_new(&w, err))) goto done;
  if ((rc = rwkv7_write_metadata(w, &o->hp, ft, o->name ? o->name : "rwkv7-random", &v, err))) goto done;
  if ((rc = gguf_writer_add_u64(w, "rwkv7_gen.seed", o->seed, err))) goto done;
  for (uint32_t i = 0; i < n && !rc; i++) {
    gt[i].pool = &pool;
    gt[i].spec = &specs[i];
    gt[i].type = types[i];
    gt[i].key = tensor_key(o->seed, specs[i].name);
    gt[i].rule = rule_for(&specs[i]);
    rc = gguf_writer_add_tensor_fill(w, specs[i].name, types[i], specs[i].n_dims, specs[i].ne, fill_rows, &gt[i], err);
  }
  if (!rc) rc = gguf_writer_write(w, path, err);
  if (!rc) {
    rc = verify(path, &o->hp, specs, types, n, err);
    if (rc) remove(path);
  }
  if (!rc && st) {
    struct stat sb;
    st->n_tensors = n;
    st->n_fallback = n_fallback;
    st->n_params = n_params;
    st->bytes = stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
    st->threads = pool.n_workers + 1;
    st->seconds = now_s() - t0;
  }
done:
  if (pool_inited) pool_stop(&pool, started, args);
  else free(args);
  gguf_writer_free(w);
  rwkv7_vocab_free(&v);
  free(gt);
  free(types);
  free(specs);
  return rc;
}
