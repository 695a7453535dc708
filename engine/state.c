/* state.c - recurrent states: slots of one GPU pool buffer per model.
 *
 * One pool lets a batch of sequences share every dispatch of the forward
 * pass (a kernel finds sequence b's state at seq[b].offset). The pool grows
 * by doubling, copying on the GPU. A state's CPU form is the slot's floats in
 * the layout documented in rwkv.h; it is read back in one mapping. */
#include <GLES3/gl31.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model.h"

#define STATE_MAGIC "RWKVSTAT"
#define STATE_VERSION 1u

int state_pool_init(rwkv_model *m, rwkv_error *err) {
  const rwkv7_desc *d = &m->d;
  m->layer_floats = 2 * (size_t)d->n_embd + (size_t)d->n_head * d->head_size * d->head_size;
  m->state_floats = m->layer_floats * d->n_layer;
  /* room for one state: a buffer is made resident at its first use, at a cost that grows
   * with its size (H100: the first state 4.5 ms with room for four 2.9B states, 1.6 with
   * one; bench/h100_s28c.sh); more states double it (pool_grow) */
  m->pool_cap = 1;
  m->slot_used = calloc(m->pool_cap, 1);
  if (!m->slot_used) return rwkv_errorf(err, RWKV_ERR_NOMEM, "%s: no memory for the state pool", m->path);
  return rwkv_gpu_buffer(m->gpu, (uint64_t)m->pool_cap * m->state_floats * 4, NULL, &m->pool_buf, err);
}

void state_pool_free(rwkv_model *m) {
  if (m->pool_buf) rwkv_gpu_buffer_free(m->gpu, m->pool_buf, (uint64_t)m->pool_cap * m->state_floats * 4);
  m->pool_buf = 0;
  free(m->slot_used);
  m->slot_used = NULL;
}

static int pool_grow(rwkv_model *m, rwkv_error *err) {
  uint32_t cap = m->pool_cap * 2;
  uint64_t old_bytes = (uint64_t)m->pool_cap * m->state_floats * 4;
  unsigned char *used = realloc(m->slot_used, cap);
  if (!used) return rwkv_errorf(err, RWKV_ERR_NOMEM, "%s: no memory for %u states", m->path, cap);
  memset(used + m->pool_cap, 0, cap - m->pool_cap);
  m->slot_used = used;
  unsigned buf;
  int rc = rwkv_gpu_buffer(m->gpu, old_bytes * 2, NULL, &buf, err);
  if (rc != RWKV_OK) return rwkv_error_prefix(err, "%s: growing the state pool to %u states", m->path, cap);
  glMemoryBarrier(GL_ALL_BARRIER_BITS);
  glBindBuffer(GL_COPY_READ_BUFFER, m->pool_buf);
  glBindBuffer(GL_COPY_WRITE_BUFFER, buf);
  glCopyBufferSubData(GL_COPY_READ_BUFFER, GL_COPY_WRITE_BUFFER, 0, 0, (GLsizeiptr)old_bytes);
  rwkv_gpu_buffer_free(m->gpu, m->pool_buf, old_bytes);
  m->pool_buf = buf;
  m->pool_cap = cap;
  return rwkv_gpu_check(m->gpu, "growing the state pool", err);
}

/* Zero floats [off, off+n) of the pool with a compute pass (GLES has no buffer clear). */
static int pool_zero(rwkv_model *m, uint64_t off, uint64_t n, rwkv_error *err);

int rwkv_state_new(rwkv_model *m, rwkv_state **out, rwkv_error *err) {
  if (out) *out = NULL;
  if (!m || !out) return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv_state_new: model and out are required");
  int rc = rwkv_gpu_make_current(m->gpu, err);
  if (rc != RWKV_OK) return rc;
  uint32_t slot = 0;
  while (slot < m->pool_cap && m->slot_used[slot]) slot++;
  if (slot == m->pool_cap && (rc = pool_grow(m, err)) != RWKV_OK) return rc;
  rwkv_state *s = calloc(1, sizeof *s);
  if (!s) return rwkv_errorf(err, RWKV_ERR_NOMEM, "no memory for a state");
  s->m = m;
  s->slot = slot;
  if ((rc = rwkv_state_reset(s, err)) != RWKV_OK) {
    free(s);
    return rc;
  }
  m->slot_used[slot] = 1;
  m->n_states++;
  *out = s;
  return RWKV_OK;
}

void rwkv_state_free(rwkv_state *s) {
  if (!s) return;
  s->m->slot_used[s->slot] = 0;
  s->m->n_states--;
  free(s);
}

rwkv_model *rwkv_state_model(const rwkv_state *s) { return s ? s->m : NULL; }
size_t rwkv_state_size(const rwkv_model *m) { return m ? m->state_floats : 0; }

int rwkv_state_reset(rwkv_state *s, rwkv_error *err) {
  if (!s) return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv_state_reset: no state");
  int rc = rwkv_gpu_make_current(s->m->gpu, err);
  if (rc != RWKV_OK) return rc;
  return pool_zero(s->m, state_offset(s), s->m->state_floats, err);
}

int rwkv_state_copy(rwkv_state *dst, const rwkv_state *src, rwkv_error *err) {
  if (!dst || !src) return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv_state_copy: two states are required");
  if (dst->m != src->m) return rwkv_errorf(err, RWKV_ERR_STATE, "rwkv_state_copy: the states belong to different models");
  if (dst == src) return RWKV_OK;
  rwkv_model *m = src->m;
  int rc = rwkv_gpu_make_current(m->gpu, err);
  if (rc != RWKV_OK) return rc;
  glMemoryBarrier(GL_ALL_BARRIER_BITS);
  glBindBuffer(GL_COPY_READ_BUFFER, m->pool_buf);
  glBindBuffer(GL_COPY_WRITE_BUFFER, m->pool_buf);
  glCopyBufferSubData(GL_COPY_READ_BUFFER, GL_COPY_WRITE_BUFFER, (GLintptr)(state_offset(src) * 4),
                      (GLintptr)(state_offset(dst) * 4), (GLsizeiptr)(m->state_floats * 4));
  return rwkv_gpu_check(m->gpu, "copying a state", err);
}

int rwkv_state_clone(const rwkv_state *s, rwkv_state **out, rwkv_error *err) {
  if (out) *out = NULL;
  if (!s || !out) return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv_state_clone: state and out are required");
  rwkv_state *c;
  int rc = rwkv_state_new(s->m, &c, err);
  if (rc == RWKV_OK && (rc = rwkv_state_copy(c, s, err)) != RWKV_OK) {
    rwkv_state_free(c);
    return rc;
  }
  if (rc == RWKV_OK) *out = c;
  return rc;
}

int rwkv_state_read(const rwkv_state *s, float *dst, size_t n, rwkv_error *err) {
  if (!s || !dst) return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv_state_read: state and buffer are required");
  rwkv_model *m = s->m;
  if (n != m->state_floats)
    return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv_state_read: buffer holds %zu floats, the state has %zu", n,
                       m->state_floats);
  return rwkv_gpu_read(m->gpu, m->pool_buf, state_offset(s) * 4, n * 4, dst, "reading a state", err);
}

int rwkv_state_write(rwkv_state *s, const float *src, size_t n, rwkv_error *err) {
  if (!s || !src) return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv_state_write: state and data are required");
  rwkv_model *m = s->m;
  if (n != m->state_floats)
    return rwkv_errorf(err, RWKV_ERR_STATE, "rwkv_state_write: %zu floats given, the state has %zu", n,
                       m->state_floats);
  int rc0 = rwkv_gpu_make_current(m->gpu, err);
  if (rc0 != RWKV_OK) return rc0;
  glMemoryBarrier(GL_ALL_BARRIER_BITS);
  glBindBuffer(GL_SHADER_STORAGE_BUFFER, m->pool_buf);
  glBufferSubData(GL_SHADER_STORAGE_BUFFER, (GLintptr)(state_offset(s) * 4), (GLsizeiptr)(n * 4), src);
  return rwkv_gpu_check(m->gpu, "writing a state", err);
}

/* ---- files ------------------------------------------------------------------
 * Layout (little-endian): "RWKVSTAT", u32 version, u32 n_layer, n_embd, n_head,
 * head_size, u32 0, u64 float count, floats, u64 FNV-1a of everything before. */

typedef struct state_header {
  char magic[8];
  uint32_t version, n_layer, n_embd, n_head, head_size, reserved;
  uint64_t n_floats;
} state_header;

static uint64_t fnv1a(uint64_t h, const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
  return h;
}
#define FNV_START 0xcbf29ce484222325ull

static void header_for(const rwkv_model *m, state_header *h) {
  memset(h, 0, sizeof *h);
  memcpy(h->magic, STATE_MAGIC, 8);
  h->version = STATE_VERSION;
  h->n_layer = m->d.n_layer;
  h->n_embd = m->d.n_embd;
  h->n_head = m->d.n_head;
  h->head_size = m->d.head_size;
  h->n_floats = m->state_floats;
}

int rwkv_state_save(const rwkv_state *s, const char *path, rwkv_error *err) {
  if (!s || !path) return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv_state_save: state and path are required");
  rwkv_model *m = s->m;
  float *v = malloc(m->state_floats * 4);
  if (!v) return rwkv_errorf(err, RWKV_ERR_NOMEM, "%s: no memory to save a state", path);
  int rc = rwkv_state_read(s, v, m->state_floats, err);
  if (rc != RWKV_OK) {
    free(v);
    return rc;
  }
  state_header h;
  header_for(m, &h);
  uint64_t sum = fnv1a(fnv1a(FNV_START, &h, sizeof h), v, m->state_floats * 4);
  size_t tl = strlen(path) + 16;
  char *tmp = malloc(tl);
  FILE *f = NULL;
  if (tmp) {
    snprintf(tmp, tl, "%s.tmp%ld", path, (long)getpid());
    f = fopen(tmp, "wb");
  }
  if (!f) {
    rc = rwkv_errorf(err, RWKV_ERR_IO, "%s: cannot write: %s", path, tmp ? strerror(errno) : "no memory");
  } else {
    int ok = fwrite(&h, sizeof h, 1, f) == 1 && fwrite(v, 4, m->state_floats, f) == m->state_floats &&
             fwrite(&sum, 8, 1, f) == 1;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
      rc = rwkv_errorf(err, RWKV_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
      remove(tmp);
    }
  }
  free(tmp);
  free(v);
  return rc;
}

int rwkv_state_load(rwkv_model *m, const char *path, rwkv_state **out, rwkv_error *err) {
  if (out) *out = NULL;
  if (!m || !path || !out) return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv_state_load: model, path and out are required");
  /* non-blocking open and a regular-file check: a FIFO must not hang us */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return rwkv_errorf(err, RWKV_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  struct stat sb;
  int st = fstat(fd, &sb);
  if (st != 0 || !S_ISREG(sb.st_mode)) {
    close(fd);
    return rwkv_errorf(err, RWKV_ERR_IO, "%s: %s, not a state file", path,
                       st != 0 ? strerror(errno) : S_ISDIR(sb.st_mode) ? "is a directory" : "not a regular file");
  }
  FILE *f = fdopen(fd, "rb");
  if (!f) {
    close(fd);
    return rwkv_errorf(err, RWKV_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  }
  state_header h, want;
  header_for(m, &want);
  int rc = RWKV_OK;
  float *v = NULL;
  if (fread(&h, sizeof h, 1, f) != 1 || memcmp(h.magic, STATE_MAGIC, 8) != 0) {
    rc = rwkv_errorf(err, RWKV_ERR_STATE, "%s: not an rwkv-lua state file (bad header)", path);
  } else if (h.version != STATE_VERSION) {
    rc = rwkv_errorf(err, RWKV_ERR_STATE, "%s: state file version %u, this engine reads version %u", path,
                     h.version, STATE_VERSION);
  } else if (h.n_layer != want.n_layer || h.n_embd != want.n_embd || h.n_head != want.n_head ||
             h.head_size != want.head_size || h.n_floats != want.n_floats) {
    rc = rwkv_errorf(err, RWKV_ERR_STATE,
                     "%s: state of a model with %u layers, n_embd %u, %u heads of %u; this model has %u layers, "
                     "n_embd %u, %u heads of %u",
                     path, h.n_layer, h.n_embd, h.n_head, h.head_size, want.n_layer, want.n_embd, want.n_head,
                     want.head_size);
  } else if (!(v = malloc(m->state_floats * 4))) {
    rc = rwkv_errorf(err, RWKV_ERR_NOMEM, "%s: no memory to load a state", path);
  } else {
    uint64_t sum, extra;
    if (fread(v, 4, m->state_floats, f) != m->state_floats || fread(&sum, 8, 1, f) != 1)
      rc = rwkv_errorf(err, RWKV_ERR_STATE, "%s: truncated state file", path);
    else if (fread(&extra, 1, 1, f) != 0)
      rc = rwkv_errorf(err, RWKV_ERR_STATE, "%s: trailing bytes after the state", path);
    else if (sum != fnv1a(fnv1a(FNV_START, &h, sizeof h), v, m->state_floats * 4))
      rc = rwkv_errorf(err, RWKV_ERR_STATE, "%s: checksum mismatch: the state file is damaged", path);
  }
  fclose(f);
  rwkv_state *s = NULL;
  if (rc == RWKV_OK) rc = rwkv_state_new(m, &s, err);
  if (rc == RWKV_OK) rc = rwkv_state_write(s, v, m->state_floats, err);
  free(v);
  if (rc != RWKV_OK) {
    rwkv_state_free(s);
    return rc;
  }
  *out = s;
  return RWKV_OK;
}

static int pool_zero(rwkv_model *m, uint64_t off, uint64_t n, rwkv_error *err) {
  glUseProgram(m->prog.zero);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 2, m->pool_buf);
  glUniform1ui(glGetUniformLocation(m->prog.zero, "off"), (GLuint)off);
  glUniform1ui(glGetUniformLocation(m->prog.zero, "n"), (GLuint)n);
  glDispatchCompute((GLuint)((n + 255) / 256), 1, 1);
  glMemoryBarrier(GL_ALL_BARRIER_BITS);
  return rwkv_gpu_check(m->gpu, "clearing a state", err);
}
