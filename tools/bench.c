/* rwkv-bench: speed (and a quality fingerprint) of one model file on this machine's GPU.
 *
 *   rwkv-bench MODEL.gguf [--repeat N] [--prefill N] [--decode N] [--doc N] [--chunk N]
 *              [--cold] [--text FILE] [--json FILE] [--title T] [--change C]
 *              [--append RESULTS.md] [--quiet]
 *
 * Every timed figure is run once as a warm-up, then --repeat times; it is reported as the
 * median with the min and max. What each figure measures is in bench/README.md. Output is a
 * markdown table in the style of llama.cpp's llama-bench (model, type, size, params, device,
 * test, value), optionally a JSON file with everything and an entry appended to a results file
 * (bench/RESULTS.md) under a heading per device. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <GLES3/gl31.h>

#include "../bench/emailtext.h"
#include "generate.h"
#include "gguf.h"
#include "rwkv.h"

#define MAX_ROWS 32
#define MAX_REPEAT 1000

/* ---- options ---------------------------------------------------------------- */

typedef struct opts {
  const char *model;
  int repeat;
  uint32_t prefill, decode, doc, chunk;
  int cold;
  const char *text_file;
  const char *json;
  const char *title, *change;
  const char *append;
  int quiet;
  double t_start; /* ms, for progress lines */
  char cmdline[2048];
} opts;

static void usage(FILE *f) {
  fprintf(f,
          "usage: rwkv-bench MODEL.gguf [options]\n"
          "  --repeat N     timed runs per figure after one warm-up (default 3)\n"
          "  --prefill N    prefill length in tokens (default 512)\n"
          "  --decode N     tokens generated after the prefill (default 128; 0 skips decode)\n"
          "  --doc N        document length in tokens for the state/field figures (default 1024)\n"
          "  --chunk N      prefill chunk (tokens per GPU pass; default: the engine's)\n"
          "  --cold         also time a load with the file dropped from the page cache\n"
          "  --text FILE    text for tokenization, prefill and document (default: generated emails)\n"
          "  --json FILE    write every figure, device strings, command, commit and date\n"
          "  --title T      label of this run (default: the model's file name)\n"
          "  --change C     what changed (the optimisation under test)\n"
          "  --append FILE  append the table to FILE (bench/RESULTS.md) under its device section\n"
          "  --quiet        no progress lines on stderr\n");
}

static int parse_u32(const char *opt, const char *s, uint32_t lo, uint32_t hi, uint32_t *out) {
  char *end;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (end == s || *end || errno || s[0] == '-' || v < lo || v > hi) {
    fprintf(stderr, "rwkv-bench: %s: bad number '%s' (%u..%u)\n", opt, s, lo, hi);
    return 0;
  }
  *out = (uint32_t)v;
  return 1;
}

static void join_cmdline(int argc, char **argv, char *out, size_t cap) {
  size_t n = 0;
  out[0] = 0;
  for (int i = 0; i < argc && n + 4 < cap; i++) {
    const char *a = argv[i];
    int quote = a[0] == 0 || strpbrk(a, " \t'\"$\\`|&;<>()*?") != NULL;
    int w = snprintf(out + n, cap - n, "%s%s%s%s", i ? " " : "", quote ? "'" : "", a, quote ? "'" : "");
    if (w < 0 || (size_t)w >= cap - n) break;
    n += (size_t)w;
  }
}

static int parse_opts(int argc, char **argv, opts *o) {
  memset(o, 0, sizeof *o);
  o->repeat = 3;
  o->prefill = 512;
  o->decode = 128;
  o->doc = 1024;
  o->change = "-";
  join_cmdline(argc, argv, o->cmdline, sizeof o->cmdline);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage(stdout);
      exit(0);
    }
    if (!strcmp(a, "--cold")) { o->cold = 1; continue; }
    if (!strcmp(a, "--quiet")) { o->quiet = 1; continue; }
    if (a[0] == '-' && a[1] == '-') {
      if (i + 1 >= argc) {
        fprintf(stderr, "rwkv-bench: %s needs a value\n", a);
        return 0;
      }
      const char *v = argv[++i];
      uint32_t u = 0;
      int ok = 1;
      if (!strcmp(a, "--repeat")) { ok = parse_u32(a, v, 1, MAX_REPEAT, &u); o->repeat = (int)u; }
      else if (!strcmp(a, "--prefill")) ok = parse_u32(a, v, 1, 1u << 20, &o->prefill);
      else if (!strcmp(a, "--decode")) ok = parse_u32(a, v, 0, 1u << 20, &o->decode);
      else if (!strcmp(a, "--doc")) ok = parse_u32(a, v, 1, 1u << 20, &o->doc);
      else if (!strcmp(a, "--chunk")) ok = parse_u32(a, v, 1, 1u << 16, &o->chunk);
      else if (!strcmp(a, "--text")) o->text_file = v;
      else if (!strcmp(a, "--json")) o->json = v;
      else if (!strcmp(a, "--title")) o->title = v;
      else if (!strcmp(a, "--change")) o->change = v;
      else if (!strcmp(a, "--append")) o->append = v;
      else {
        fprintf(stderr, "rwkv-bench: unknown option %s\n", a);
        usage(stderr);
        return 0;
      }
      if (!ok) return 0;
      continue;
    }
    if (a[0] == '-' && a[1]) {
      fprintf(stderr, "rwkv-bench: unknown option %s\n", a);
      usage(stderr);
      return 0;
    }
    if (o->model) {
      fprintf(stderr, "rwkv-bench: one model only ('%s' and '%s')\n", o->model, a);
      return 0;
    }
    o->model = a;
  }
  if (!o->model) {
    usage(stderr);
    return 0;
  }
  return 1;
}

/* ---- small helpers ------------------------------------------------------------ */

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

typedef struct stat3 {
  double med, min, max;
  int n;
} stat3;

static stat3 stats(double *v, int n) {
  stat3 s = {0, 0, 0, n};
  if (n <= 0) return s;
  qsort(v, (size_t)n, sizeof *v, cmp_d);
  s.min = v[0];
  s.max = v[n - 1];
  s.med = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
  return s;
}

/* A time (ms) per run turned into a rate: amount / time. The slowest run gives the minimum. */
static stat3 rate(stat3 ms, double amount, double scale) {
  stat3 r = {0, 0, 0, ms.n};
  if (ms.med > 0) r.med = amount * scale / ms.med;
  if (ms.max > 0) r.min = amount * scale / ms.max;
  if (ms.min > 0) r.max = amount * scale / ms.min;
  return r;
}

static uint32_t fnv1a_ids(const int32_t *ids, size_t n) {
  uint32_t h = 2166136261u; /* FNV-1a 32 over the ids' little-endian bytes */
  for (size_t i = 0; i < n; i++) {
    uint32_t v = (uint32_t)ids[i];
    for (int b = 0; b < 4; b++) {
      h ^= (v >> (8 * b)) & 0xFFu;
      h *= 16777619u;
    }
  }
  return h;
}

static void note(const opts *o, const char *fmt, ...) {
  if (o->quiet) return;
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "rwkv-bench [%7.1fs] ", (now_ms() - o->t_start) / 1e3);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

/* ---- text ------------------------------------------------------------------------ */

/* The default text: generated emails (bench/emailtext.h, shared with bench-tokenizer) with LF
 * line ends and no quoted replies. */
static const emailtext_style EMAILS = {.eol = "\n", .quote = 0, .unique_words = 1, .rich_punct = 0, .slack = 8192};

static int read_file(const char *path, char **out, size_t *len, rwkv_error *err) {
  FILE *f = fopen(path, "rb");
  if (!f) return rwkv_errorf(err, RWKV_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap);
  for (;;) {
    if (!buf) {
      fclose(f);
      return rwkv_errorf(err, RWKV_ERR_NOMEM, "%s: no memory for the text", path);
    }
    n += fread(buf + n, 1, cap - n, f);
    if (n < cap) break;
    if (cap >= ((size_t)1 << 31)) {
      free(buf);
      fclose(f);
      return rwkv_errorf(err, RWKV_ERR_ARG, "%s: text larger than 2 GiB", path);
    }
    char *nb = realloc(buf, cap * 2);
    if (!nb) free(buf);
    buf = nb;
    cap *= 2;
  }
  int bad = ferror(f);
  fclose(f);
  if (bad) {
    free(buf);
    return rwkv_errorf(err, RWKV_ERR_IO, "%s: read error at byte %zu", path, n);
  }
  if (n == 0) {
    free(buf);
    return rwkv_errorf(err, RWKV_ERR_ARG, "%s: the text is empty", path);
  }
  *out = buf;
  *len = n;
  return RWKV_OK;
}

/* ---- page cache ------------------------------------------------------------------ */

/* Read the whole file once (untimed), so that a "warm" load finds it in the page cache even
 * when an earlier --cold run dropped the cache. */
static int warm_cache(const char *path, rwkv_error *err) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return rwkv_errorf(err, RWKV_ERR_IO, "%s: %s", path, strerror(errno));
  static char buf[1 << 20];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) {
  }
  int e = errno;
  close(fd);
  return n < 0 ? rwkv_errorf(err, RWKV_ERR_IO, "%s: read: %s", path, strerror(e)) : RWKV_OK;
}

/* Drop path from the page cache: posix_fadvise(DONTNEED) (works for clean pages of any file we
 * can read), plus /proc/sys/vm/drop_caches when root. Then mincore() checks what is still
 * resident; *resident gets the fraction. */
static int drop_cache(const char *path, double *resident, char *how, size_t how_cap, rwkv_error *err) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return rwkv_errorf(err, RWKV_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || st.st_size <= 0) {
    close(fd);
    return rwkv_errorf(err, RWKV_ERR_IO, "%s: cannot stat or empty", path);
  }
  snprintf(how, how_cap, "posix_fadvise");
  int rc = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  if (rc != 0) {
    close(fd);
    return rwkv_errorf(err, RWKV_ERR_IO, "%s: posix_fadvise(DONTNEED): %s", path, strerror(rc));
  }
  if (geteuid() == 0) {
    sync();
    FILE *f = fopen("/proc/sys/vm/drop_caches", "w");
    if (f) {
      int ok = fputs("1\n", f) >= 0;
      if (fclose(f) == 0 && ok) snprintf(how, how_cap, "posix_fadvise+drop_caches");
    }
  }
  long page = sysconf(_SC_PAGESIZE);
  size_t size = (size_t)st.st_size, pages = (size + (size_t)page - 1) / (size_t)page;
  void *map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
  close(fd);
  if (map == MAP_FAILED) return rwkv_errorf(err, RWKV_ERR_IO, "%s: mmap for mincore: %s", path, strerror(errno));
  unsigned char *vec = malloc(pages);
  if (!vec) {
    munmap(map, size);
    return rwkv_errorf(err, RWKV_ERR_NOMEM, "%s: no memory for the mincore vector", path);
  }
  size_t in = 0;
  if (mincore(map, size, vec) == 0) {
    for (size_t i = 0; i < pages; i++) in += vec[i] & 1;
    *resident = (double)in / (double)pages;
  } else {
    *resident = -1; /* unknown */
  }
  free(vec);
  munmap(map, size);
  return RWKV_OK;
}

/* ---- results ---------------------------------------------------------------------- */

typedef struct row {
  char test[64];
  char unit[16];
  int kind; /* 0 stat3, 1 text only */
  stat3 s;
  char text[160]; /* value for kind 1, or an extra note after the stat */
  char key[48];   /* JSON key */
} row;

typedef struct bench {
  opts o;
  rwkv_model *m;
  const rwkv_model_info *mi;
  rwkv_gpu_info gi;
  const rwkv_tokenizer *tok;
  row rows[MAX_ROWS];
  int n_rows;
  /* inputs */
  char *text;
  size_t text_len;
  int32_t *ids;   /* the whole text tokenized (or bytes mod vocab without a tokenizer) */
  size_t n_ids;
  int32_t *seq;   /* max(prefill, doc) ids: ids repeated as needed */
  size_t n_seq;
  /* extras */
  double head_share;
  uint64_t head_bytes, weight_bytes;
  uint64_t gpu_bytes_end;
  long max_rss_kb;
  uint32_t hash;
  size_t hash_tokens;
  char *hash_text;
  size_t hash_text_len;
  char top_field[64];
  double top_cos;
  double fields_cos[10];
  char cold_how[64];
  double cold_resident;
  char commit[64];
  char date[64];
  char cpu[128];
} bench;

/* Greedy generation of up to max tokens after ids (rwkv_gen, the real
 * generation path, end of text ignored). ids_out (may be NULL) receives the
 * first 64 ids; with b, the text is appended to b->hash_text. */
static int greedy(rwkv_model *m, rwkv_state *s, const int32_t *ids, size_t n, uint32_t max, int32_t *ids_out,
                  size_t *count, bench *b, rwkv_error *err) {
  rwkv_gen_opts go = rwkv_gen_default_opts();
  go.sampler.temperature = 0;
  go.max_tokens = (int)max;
  go.stop_at_eos = 0;
  rwkv_gen *g = NULL;
  int rc = rwkv_gen_new(m, s, ids, n, &go, &g, err);
  size_t k = 0;
  for (int done = 0; !rc && !done;) {
    const char *txt;
    size_t len;
    if ((rc = rwkv_gen_next(g, &txt, &len, &done, err))) break;
    if (ids_out && rwkv_gen_count(g) > k && k < 64) ids_out[k++] = rwkv_gen_last_token(g);
    if (b && len) {
      char *nt = realloc(b->hash_text, b->hash_text_len + len + 1);
      if (!nt) {
        rc = rwkv_errorf(err, RWKV_ERR_NOMEM, "no memory for the greedy text");
        break;
      }
      b->hash_text = nt;
      memcpy(nt + b->hash_text_len, txt, len);
      b->hash_text_len += len;
      nt[b->hash_text_len] = 0;
    }
  }
  if (!rc) *count = ids_out ? k : rwkv_gen_count(g);
  rwkv_gen_free(g);
  return rc;
}


static row *add_row(bench *b, const char *key, const char *test, const char *unit) {
  if (b->n_rows >= MAX_ROWS) return NULL;
  row *r = &b->rows[b->n_rows++];
  memset(r, 0, sizeof *r);
  snprintf(r->key, sizeof r->key, "%s", key);
  snprintf(r->test, sizeof r->test, "%s", test);
  snprintf(r->unit, sizeof r->unit, "%s", unit);
  return r;
}

static void add_stat(bench *b, const char *key, const char *test, const char *unit, stat3 s, const char *extra) {
  row *r = add_row(b, key, test, unit);
  if (!r) return;
  r->s = s;
  if (extra) snprintf(r->text, sizeof r->text, "%s", extra);
}

static void add_text(bench *b, const char *key, const char *test, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void add_text(bench *b, const char *key, const char *test, const char *fmt, ...) {
  row *r = add_row(b, key, test, "");
  if (!r) return;
  r->kind = 1;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->text, sizeof r->text, fmt, ap);
  va_end(ap);
}

static int prec(double v) { return v >= 1000 ? 0 : v >= 100 ? 1 : v >= 10 ? 2 : 3; }

static void format_value(const row *r, char *out, size_t cap) {
  if (r->kind == 1) {
    snprintf(out, cap, "%s", r->text);
    return;
  }
  int p = prec(r->s.med);
  snprintf(out, cap, "%.*f %s [%.*f, %.*f]%s%s", p, r->s.med, r->unit, p, r->s.min, p, r->s.max,
           r->text[0] ? " " : "", r->text);
}

static void human_bytes(uint64_t n, char *out, size_t cap) {
  if (n >= (1ull << 30)) snprintf(out, cap, "%.2f GiB", (double)n / (1ull << 30));
  else if (n >= (1ull << 20)) snprintf(out, cap, "%.2f MiB", (double)n / (1ull << 20));
  else snprintf(out, cap, "%.2f KiB", (double)n / 1024.0);
}

static void human_count(uint64_t n, char *out, size_t cap) {
  if (n >= 1000000000ull) snprintf(out, cap, "%.2f B", (double)n / 1e9);
  else if (n >= 1000000ull) snprintf(out, cap, "%.2f M", (double)n / 1e6);
  else snprintf(out, cap, "%.2f K", (double)n / 1e3);
}

static const char *base_name(const char *p) {
  const char *s = strrchr(p, '/');
  return s ? s + 1 : p;
}

static void write_table(const bench *b, FILE *f) {
  char size[32], params[32], val[320];
  human_bytes(b->mi->file_bytes, size, sizeof size);
  human_count(b->mi->n_params, params, sizeof params);
  fprintf(f, "| model | type | size | params | device | test | value |\n");
  fprintf(f, "| --- | --- | ---: | ---: | --- | --- | ---: |\n");
  for (int i = 0; i < b->n_rows; i++) {
    format_value(&b->rows[i], val, sizeof val);
    fprintf(f, "| %s | %s | %s | %s | %s | %s | %s |\n", base_name(b->mi->path), b->mi->file_type, size,
            params, b->gi.renderer, b->rows[i].test, val);
  }
}

/* Length of the valid UTF-8 character at p (n bytes left), 0 if invalid (RFC 3629: no overlongs,
 * no surrogates, nothing above U+10FFFF). */
static size_t utf8_len(const unsigned char *p, size_t n) {
  size_t k;
  uint32_t cp;
  if (p[0] >= 0xC2 && p[0] <= 0xDF) k = 2, cp = p[0] & 0x1Fu;
  else if (p[0] >= 0xE0 && p[0] <= 0xEF) k = 3, cp = p[0] & 0x0Fu;
  else if (p[0] >= 0xF0 && p[0] <= 0xF4) k = 4, cp = p[0] & 0x07u;
  else return 0;
  if (n < k) return 0;
  for (size_t i = 1; i < k; i++) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (p[i] & 0x3Fu);
  }
  if ((k == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (k == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
    return 0;
  return k;
}

static void json_str(FILE *f, const char *s, size_t n) {
  fputc('"', f);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
    else if (c == '\n') fputs("\\n", f);
    else if (c == '\r') fputs("\\r", f);
    else if (c == '\t') fputs("\\t", f);
    else if (c < 0x20 || c == 0x7f) fprintf(f, "\\u%04x", c);
    else if (c < 0x80) fputc(c, f);
    else {
      size_t k = utf8_len((const unsigned char *)s + i, n - i);
      if (k == 0) {
        fputs("\\ufffd", f); /* JSON text must be UTF-8: an invalid byte becomes U+FFFD */
      } else {
        fwrite(s + i, 1, k, f);
        i += k - 1;
      }
    }
  }
  fputc('"', f);
}
#define JS(f, s) json_str(f, (s) ? (s) : "", (s) ? strlen(s) : 0)

static int write_json(const bench *b, const char *path, rwkv_error *err) {
  FILE *f = fopen(path, "w");
  if (!f) return rwkv_errorf(err, RWKV_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
  const rwkv_model_info *mi = b->mi;
  fprintf(f, "{\n  \"tool\": \"rwkv-bench\", \"version\": \"%s\",\n  \"title\": ", RWKV_VERSION);
  JS(f, b->o.title);
  fputs(", \"change\": ", f);
  JS(f, b->o.change);
  fputs(",\n  \"command\": ", f);
  JS(f, b->o.cmdline);
  fputs(",\n  \"commit\": ", f);
  JS(f, b->commit);
  fputs(", \"date\": ", f);
  JS(f, b->date);
  fputs(", \"cpu\": ", f);
  JS(f, b->cpu);
  fprintf(f, ", \"nproc\": %ld,\n", sysconf(_SC_NPROCESSORS_ONLN));
  fputs("  \"device\": {\"platform\": ", f);
  JS(f, b->gi.platform);
  fputs(", \"egl_device\": ", f);
  JS(f, b->gi.device);
  fputs(", \"vendor\": ", f);
  JS(f, b->gi.vendor);
  fputs(", \"renderer\": ", f);
  JS(f, b->gi.renderer);
  fputs(", \"version\": ", f);
  JS(f, b->gi.version);
  fputs(", \"glsl\": ", f);
  JS(f, b->gi.glsl);
  fprintf(f, ", \"software\": %d, \"subgroup\": %d, \"subgroup_size\": %d, \"max_shared\": %d},\n",
          b->gi.software, b->gi.has_subgroup, b->gi.subgroup_size, b->gi.max_shared);
  fputs("  \"model\": {\"path\": ", f);
  JS(f, mi->path);
  fputs(", \"file_type\": ", f);
  JS(f, mi->file_type);
  fprintf(f,
          ", \"n_layer\": %u, \"n_embd\": %u, \"n_head\": %u, \"head_size\": %u, \"n_ffn\": %u, "
          "\"n_vocab\": %u, \"n_params\": %" PRIu64 ", \"file_bytes\": %" PRIu64 ", \"gpu_bytes\": %" PRIu64
          ", \"head_bytes\": %" PRIu64 ", \"weight_bytes\": %" PRIu64 ", \"tokenizer\": %s},\n",
          mi->n_layer, mi->n_embd, mi->n_head, mi->head_size, mi->n_ffn, mi->n_vocab, mi->n_params,
          mi->file_bytes, mi->gpu_bytes, b->head_bytes, b->weight_bytes, b->tok ? "true" : "false");
  fprintf(f,
          "  \"settings\": {\"repeat\": %d, \"prefill\": %u, \"decode\": %u, \"doc\": %u, \"chunk\": %u, "
          "\"cold\": %s, \"text\": ",
          b->o.repeat, b->o.prefill, b->o.decode, b->o.doc, b->o.chunk, b->o.cold ? "true" : "false");
  JS(f, b->o.text_file ? b->o.text_file : "generated emails");
  fprintf(f, ", \"text_bytes\": %zu, \"text_tokens\": %zu},\n", b->text_len, b->n_ids);
  fputs("  \"results\": {\n", f);
  for (int i = 0; i < b->n_rows; i++) {
    const row *r = &b->rows[i];
    fputs("    ", f);
    JS(f, r->key);
    fputs(": {\"test\": ", f);
    JS(f, r->test);
    if (r->kind == 0)
      fprintf(f, ", \"unit\": \"%s\", \"median\": %.6g, \"min\": %.6g, \"max\": %.6g, \"runs\": %d", r->unit,
              r->s.med, r->s.min, r->s.max, r->s.n);
    if (r->text[0]) {
      fputs(r->kind == 0 ? ", \"note\": " : ", \"value\": ", f);
      JS(f, r->text);
    }
    fprintf(f, "}%s\n", i + 1 < b->n_rows ? "," : "");
  }
  fputs("  },\n", f);
  fprintf(f, "  \"quality\": {\"fnv1a32\": \"%08x\", \"tokens\": %zu, \"text\": ", b->hash, b->hash_tokens);
  json_str(f, b->hash_text ? b->hash_text : "", b->hash_text ? b->hash_text_len : 0);
  fputs("},\n  \"fields\": {\"top\": ", f);
  JS(f, b->top_field);
  fprintf(f, ", \"top_cos\": %.6f, \"from\": \"fresh states\"},\n", b->top_cos);
  fprintf(f, "  \"peak_rss_bytes\": %lld, \"gpu_bytes_end\": %" PRIu64 ", \"head_share\": %.6f,\n",
          (long long)b->max_rss_kb * 1024, b->gpu_bytes_end, b->head_share);
  fputs("  \"cold_method\": ", f);
  JS(f, b->cold_how);
  fprintf(f, ", \"cold_resident_after_drop\": %.4f\n}\n", b->cold_resident);
  if (fclose(f) != 0) return rwkv_errorf(err, RWKV_ERR_IO, "%s: write failed: %s", path, strerror(errno));
  return RWKV_OK;
}

/* Append this run under "## Device: <renderer>" in path (made if missing); the section is made
 * at the end when absent. The file is rewritten through a temporary file and rename. */
static int append_results(const bench *b, const char *path, rwkv_error *err) {
  char *old = NULL;
  size_t old_len = 0;
  FILE *f = fopen(path, "rb");
  if (f) {
    fclose(f);
    rwkv_error e2;
    if (read_file(path, &old, &old_len, &e2) != RWKV_OK && e2.code != RWKV_ERR_ARG)
      return rwkv_errorf(err, e2.code, "--append: %s", e2.msg);
  } else if (errno != ENOENT) {
    return rwkv_errorf(err, RWKV_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  }
  char heading[400];
  snprintf(heading, sizeof heading, "## Device: %s", b->gi.renderer);
  size_t hl = strlen(heading), cut = old_len; /* where the entry goes */
  int have = 0;
  for (size_t i = 0; i + hl <= old_len; i++) {
    if ((i == 0 || old[i - 1] == '\n') && memcmp(old + i, heading, hl) == 0 &&
        (i + hl == old_len || old[i + hl] == '\n' || old[i + hl] == '\r')) {
      have = 1;
      cut = old_len;
      for (size_t j = i + hl; j + 3 <= old_len; j++)
        if (old[j] == '\n' && old[j + 1] == '#' && old[j + 2] == '#' && (j + 3 == old_len || old[j + 3] == ' ')) {
          cut = j + 1;
          break;
        }
      break;
    }
  }
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
  FILE *o = fopen(tmp, "wb");
  if (!o) {
    free(old);
    return rwkv_errorf(err, RWKV_ERR_IO, "%s: cannot write: %s", tmp, strerror(errno));
  }
  if (old_len == 0)
    fputs("# rwkv-bench results\n\nEntries appended by `rwkv-bench --append` (see bench/README.md).\n", o);
  if (cut) fwrite(old, 1, cut, o);
  if (!have) {
    if (old_len && old[old_len - 1] != '\n') fputc('\n', o);
    fprintf(o, "\n%s\n", heading);
  }
  if (cut && cut == old_len && old[cut - 1] != '\n') fputc('\n', o);
  fprintf(o, "\n### %s (change: %s)\n\n", b->o.title, b->o.change);
  fprintf(o, "- date %s, commit %s\n", b->date, b->commit);
  fprintf(o, "- device: %s | %s | %s | EGL platform %s; CPU %s x%ld\n", b->gi.renderer, b->gi.vendor,
          b->gi.version, b->gi.platform, b->cpu, sysconf(_SC_NPROCESSORS_ONLN));
  fprintf(o, "- command: `%s`\n", b->o.cmdline);
  fprintf(o, "- settings: repeat %d, prefill %u, decode %u, doc %u; quality hash %08x\n\n", b->o.repeat,
          b->o.prefill, b->o.decode, b->o.doc, b->hash);
  write_table(b, o);
  if (cut < old_len) {
    fputc('\n', o);
    fwrite(old + cut, 1, old_len - cut, o);
  }
  free(old);
  int bad = ferror(o);
  if (fclose(o) != 0 || bad) {
    remove(tmp);
    return rwkv_errorf(err, RWKV_ERR_IO, "%s: write failed", tmp);
  }
  if (rename(tmp, path) != 0) {
    int e = errno;
    remove(tmp);
    return rwkv_errorf(err, RWKV_ERR_IO, "%s: rename to %s: %s", tmp, path, strerror(e));
  }
  return RWKV_OK;
}

/* ---- environment --------------------------------------------------------------------- */

static void get_commit(char *out, size_t cap) {
#ifdef RWKV_GIT_COMMIT
  snprintf(out, cap, "%s", RWKV_GIT_COMMIT);
#else
  /* the source tree this tool was built from (__FILE__ is absolute under CMake), else cwd */
  char dir[1024], cmd[1200];
  snprintf(dir, sizeof dir, "%s", __FILE__);
  char *s = strrchr(dir, '/');
  if (s) *s = 0;
  else snprintf(dir, sizeof dir, ".");
  snprintf(cmd, sizeof cmd, "git -C '%s' describe --always --dirty --abbrev=12 2>/dev/null", dir);
  snprintf(out, cap, "unknown");
  FILE *p = popen(cmd, "r");
  if (!p) return;
  char line[64];
  if (fgets(line, sizeof line, p)) {
    line[strcspn(line, "\r\n")] = 0;
    if (line[0]) snprintf(out, cap, "%s", line);
  }
  pclose(p);
#endif
}

static void get_cpu(char *out, size_t cap) {
  snprintf(out, cap, "unknown CPU");
  FILE *f = fopen("/proc/cpuinfo", "r");
  if (!f) return;
  char line[512];
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "model name", 10) == 0) {
      char *c = strchr(line, ':');
      if (c) {
        c++;
        while (*c == ' ' || *c == '\t') c++;
        c[strcspn(c, "\r\n")] = 0;
        snprintf(out, cap, "%s", c);
      }
      break;
    }
  }
  fclose(f);
}

/* ---- the measurements ----------------------------------------------------------------- */

/* Load through a first forward of one token (a fresh GPU context each time, as a new process
 * would have). */
/* What "load to the first token" adds to a load: a fresh state (*s; its creation took
 * *state_ms) and the first token's logits (*lg, n_vocab floats). The caller frees both, also
 * after a failure. */
static int first_token(rwkv_model *m, int32_t tok, rwkv_state **s, float **lg, double *state_ms, rwkv_error *err) {
  double t0 = now_ms();
  int rc = rwkv_state_new(m, s, err);
  *state_ms = now_ms() - t0;
  *lg = rc ? NULL : malloc((size_t)rwkv_model_get_info(m)->n_vocab * sizeof **lg);
  if (!rc && !*lg) rc = rwkv_errorf(err, RWKV_ERR_NOMEM, "load: no memory for logits");
  rwkv_forward_opts fo = {RWKV_OUTPUT_LAST, 0, 0};
  return rc ? rc : rwkv_forward(m, *s, &tok, 1, &fo, *lg, err);
}

static int time_load(bench *b, int cold, stat3 *out, stat3 *open_ms, rwkv_error *err) {
  double t[MAX_REPEAT], to[MAX_REPEAT];
  int n = 0;
  for (int r = -1; r < b->o.repeat; r++) {
    if (cold) {
      double res = 0;
      int rc = drop_cache(b->o.model, &res, b->cold_how, sizeof b->cold_how, err);
      if (rc) return rc;
      b->cold_resident = res;
      if (res > 0.05) return rwkv_errorf(err, RWKV_ERR_UNSUPPORTED,
                                         "%s: %.0f%% of the file stays in the page cache after %s",
                                         b->o.model, res * 100, b->cold_how);
    }
    rwkv_model_opts mo = rwkv_model_default_opts();
    mo.chunk = b->o.chunk;
    rwkv_model *m = NULL;
    rwkv_state *s = NULL;
    float *logits = NULL;
    double t0 = now_ms(), st = 0;
    int rc = rwkv_model_load(b->o.model, &mo, &m, err);
    double tl = now_ms();
    if (!rc) rc = first_token(m, b->seq[0], &s, &logits, &st, err);
    double t1 = now_ms(), t2 = t1;
    int32_t tok = b->seq[0];
    rwkv_forward_opts fo = {RWKV_OUTPUT_LAST, 0, 0};
    if (!rc && !b->o.quiet) { /* (a second token, for the notes: what the first one's extra was) */
      rc = rwkv_forward(m, s, &tok, 1, &fo, logits, err);
      t2 = now_ms();
    }
    if (!rc && r >= 0) {
      t[n] = t1 - t0;
      to[n++] = rwkv_model_get_info(m)->load_ms;
    }
    if (!rc) {
      const rwkv_model_info *in = rwkv_model_get_info(m);
      note(&b->o, "load%s: %.1f ms to the first token (context %.1f, programs %.1f, uploads %.1f, finish %.1f; "
           "state %.1f, first token %.1f, second %.1f)", r < 0 ? " (warm-up)" : "", t1 - t0, in->load_context_ms,
           in->load_programs_ms, in->load_upload_ms, in->load_finish_ms, st, t1 - tl - st, t2 - t1);
    }
    free(logits);
    rwkv_state_free(s);
    rwkv_model_free(m);
    if (rc) return rc;
  }
  *out = stats(t, n);
  *open_ms = stats(to, n);
  return RWKV_OK;
}

/* Wait for the GPU before or inside a timed region: a fence (rwkv_gpu_wait); glFinish
 * returned up to 17 ms late on the H100 (bench/h100_s13f.sh) */
static void finish(rwkv_model *m) { rwkv_gpu_wait(rwkv_model_gpu(m), NULL); }

static int argmax_cpu(const float *v, uint32_t n) {
  int best = 0;
  for (uint32_t i = 1; i < n; i++)
    if (v[i] > v[best]) best = (int)i;
  return best;
}

static double cosine(const float *a, const float *b, uint32_t n) {
  double ab = 0, aa = 0, bb = 0;
  for (uint32_t i = 0; i < n; i++) {
    ab += (double)a[i] * b[i];
    aa += (double)a[i] * a[i];
    bb += (double)b[i] * b[i];
  }
  return aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 0;
}

static const char *const FIELDS[10] = {
    "sender_name: the name of the person who sent the email",
    "sender_email: the email address of the sender",
    "recipient_name: the name of the person the email is addressed to",
    "subject: the subject line of the email",
    "sent_date: the date and time the email was sent",
    "meeting_time: the day or time of a meeting mentioned in the email",
    "action_items: the tasks the recipient is asked to do",
    "invoice_number: the number of an invoice mentioned in the email",
    "sentiment: whether the tone of the email is positive or negative",
    "signature: the closing words and name at the end of the email"};

static const char QUALITY_PROMPT[] =
    "From: Maria Garcia <m.garcia@example.com>\nTo: team@example.com\nSubject: Meeting moved to "
    "Thursday\n\nHi all,\n\nThe project review";

/* Text to token ids: the tokenizer's, or bytes modulo the vocabulary without one. */
static int encode(bench *b, const char *s, size_t len, int32_t *ids, size_t *n, rwkv_error *err) {
  if (b->tok) return rwkv_tokenize(b->tok, s, len, ids, n, err);
  for (size_t i = 0; i < len; i++) ids[i] = (int32_t)((unsigned char)s[i] % b->mi->n_vocab);
  *n = len;
  return RWKV_OK;
}

static int run_all(bench *b, rwkv_error *err) {
  opts *o = &b->o;
  int rc;
  double t[MAX_REPEAT];
  const int R = o->repeat;
  char extra[160];

  /* inputs */
  if (o->text_file) {
    if ((rc = read_file(o->text_file, &b->text, &b->text_len, err))) return rc;
  } else if (!(b->text = emailtext_make(1u << 20, &EMAILS, &b->text_len))) {
    return rwkv_errorf(err, RWKV_ERR_NOMEM, "no memory for the text");
  }

  /* ---- load ---- */
  {
    /* token ids of the text are needed for the first forward; tokenize with a first load */
    rwkv_model_opts mo = rwkv_model_default_opts();
    mo.chunk = o->chunk;
    note(o, "loading %s", o->model);
    if ((rc = warm_cache(o->model, err))) return rc;
    /* this process's first load, as a script's would be: timed to the first token (less
     * tokenizing the text), one sample; the shader cache's state said beside it */
    double f0 = now_ms();
    if ((rc = rwkv_model_load(o->model, &mo, &b->m, err))) return rc;
    double f_load = now_ms() - f0;
    rwkv_gpu_stats fst;
    rwkv_gpu_get_stats(rwkv_model_gpu(b->m), &fst);
    b->mi = rwkv_model_get_info(b->m);
    b->tok = rwkv_model_tokenizer(b->m);
    b->gi = *rwkv_gpu_get_info(rwkv_model_gpu(b->m));
    if (!(b->ids = malloc(b->text_len * sizeof *b->ids))) return rwkv_errorf(err, RWKV_ERR_NOMEM, "no memory for ids");
    if ((rc = encode(b, b->text, b->text_len, b->ids, &b->n_ids, err)))
      return rwkv_error_prefix(err, "%s", o->text_file ? o->text_file : "generated text");
    if (b->n_ids == 0) return rwkv_errorf(err, RWKV_ERR_ARG, "the text gives no tokens");
    b->n_seq = o->prefill > o->doc ? o->prefill : o->doc;
    if (!(b->seq = malloc(b->n_seq * sizeof *b->seq))) return rwkv_errorf(err, RWKV_ERR_NOMEM, "no memory for ids");
    for (size_t i = 0; i < b->n_seq; i++) b->seq[i] = b->ids[i % b->n_ids];
    {
      rwkv_state *fs = NULL;
      float *lg = NULL;
      double f1 = now_ms(), st;
      rc = first_token(b->m, b->seq[0], &fs, &lg, &st, err);
      double first = f_load + now_ms() - f1;
      rwkv_state_free(fs);
      free(lg);
      if (rc) return rc;
      snprintf(extra, sizeof extra, "(one sample; open to ready %.1f ms; programs: %u from the shader cache, %u compiled)",
               b->mi->load_ms, fst.cache_hits, fst.cache_misses);
      add_stat(b, "load_first_ms", "load (warm, first in process) to 1st token", "ms", stats(&first, 1), extra);
    }
    rwkv_model_free(b->m); /* the timed loads below each make their own context */
    b->m = NULL;
    b->mi = NULL;
    b->tok = NULL;
    stat3 s, so;
    note(o, "load (warm page cache), %d+1 runs", R);
    if ((rc = time_load(b, 0, &s, &so, err))) return rc;
    snprintf(extra, sizeof extra, "(open to ready %.1f ms)", so.med);
    add_stat(b, "load_warm_ms", "load (warm) to 1st token", "ms", s, extra);
    if (o->cold) {
      note(o, "load (cold page cache)");
      rwkv_error e2 = {0};
      int crc = time_load(b, 1, &s, &so, &e2);
      if (crc == RWKV_OK) {
        snprintf(extra, sizeof extra, "(%s; open to ready %.1f ms)", b->cold_how, so.med);
        add_stat(b, "load_cold_ms", "load (cold) to 1st token", "ms", s, extra);
      } else if (crc == RWKV_ERR_UNSUPPORTED) {
        add_text(b, "load_cold_ms", "load (cold) to 1st token", "n/a (%s)", e2.msg);
      } else {
        *err = e2;
        return crc;
      }
    } else {
      add_text(b, "load_cold_ms", "load (cold) to 1st token", "n/a (no --cold)");
    }
    if ((rc = rwkv_model_load(o->model, &mo, &b->m, err))) return rc;
    b->mi = rwkv_model_get_info(b->m);
    b->tok = rwkv_model_tokenizer(b->m);
  }
  rwkv_model *m = b->m;
  const rwkv_model_info *mi = b->mi;
  const uint32_t V = mi->n_vocab, D = mi->n_embd;

  /* ---- weight bytes: the head's share ---- */
  {
    gguf_file *gf = NULL;
    if ((rc = gguf_open(o->model, &gf, err))) return rc;
    for (uint64_t i = 0; i < gf->n_tensors; i++) {
      b->weight_bytes += gf->tensors[i].size;
      if (gguf_str_eq(gf->tensors[i].name, "output.weight")) b->head_bytes = gf->tensors[i].size;
    }
    gguf_close(gf);
    b->head_share = b->weight_bytes ? (double)b->head_bytes / (double)b->weight_bytes : 0;
  }

  /* ---- tokenization ---- */
  if (b->tok) {
    note(o, "tokenization");
    size_t email = b->text_len < 4096 ? b->text_len : 4096, n = 0;
    enum { INNER = 20 };
    for (int r = -1; r < R; r++) {
      double t0 = now_ms();
      for (int k = 0; k < INNER; k++)
        if ((rc = rwkv_tokenize(b->tok, b->text, email, b->ids, &n, err))) return rc;
      if (r >= 0) t[r] = (now_ms() - t0) * 1e3 / INNER;
    }
    snprintf(extra, sizeof extra, "(%zu bytes, %zu tokens)", email, n);
    add_stat(b, "tokenize_email_us", "tokenize 4 KB email", "us", stats(t, R), extra);
    for (int r = -1; r < R; r++) {
      double t0 = now_ms();
      if ((rc = rwkv_tokenize(b->tok, b->text, b->text_len, b->ids, &n, err))) return rc;
      if (r >= 0) t[r] = now_ms() - t0;
    }
    b->n_ids = n;
    snprintf(extra, sizeof extra, "(%zu bytes, %zu tokens)", b->text_len, n);
    add_stat(b, "tokenize_mb_s", "tokenize 1 MB", "MB/s", rate(stats(t, R), (double)b->text_len / 1e6, 1e3),
             extra);
  } else {
    add_text(b, "tokenize_email_us", "tokenize 4 KB email", "n/a (no tokenizer)");
  }

  /* ---- states and buffers ---- */
  rwkv_state *s = NULL, *base = NULL, *doc = NULL, *fs[10] = {0};
  float *logits = malloc((size_t)V * sizeof *logits), *emb = malloc((size_t)D * 11 * sizeof *emb);
  size_t ns = rwkv_state_size(m);
  float *cpu_state = malloc(ns * sizeof *cpu_state);
  int32_t *gen_ids = malloc(((size_t)o->decode + 64) * sizeof *gen_ids);
  if (!logits || !emb || !cpu_state || !gen_ids) {
    rc = rwkv_errorf(err, RWKV_ERR_NOMEM, "no memory for outputs");
    goto out;
  }
  if ((rc = rwkv_state_new(m, &s, err)) || (rc = rwkv_state_new(m, &base, err)) ||
      (rc = rwkv_state_new(m, &doc, err)))
    goto out;
  for (int i = 0; i < 10; i++)
    if ((rc = rwkv_state_new(m, &fs[i], err))) goto out;

  /* ---- prefill: logits of the last token, and the same with embed=1 ---- */
  {
    const uint32_t P = o->prefill;
    stat3 lg, em;
    for (int pass = 0; pass < 2; pass++) {
      rwkv_forward_opts fo = {RWKV_OUTPUT_LAST, pass, o->chunk};
      note(o, "prefill %u tokens (%s)", P, pass ? "embed" : "logits");
      for (int r = -1; r < R; r++) {
        if ((rc = rwkv_state_reset(s, err))) goto out;
        finish(m);
        double t0 = now_ms();
        if ((rc = rwkv_forward(m, s, b->seq, P, &fo, pass ? emb : logits, err))) goto out;
        if (r >= 0) t[r] = now_ms() - t0;
      }
      if (pass == 0) lg = stats(t, R);
      else em = stats(t, R);
    }
    char name[64];
    snprintf(name, sizeof name, "pp%u (prefill, logits last)", P);
    add_stat(b, "prefill_tok_s", name, "tok/s", rate(lg, P, 1e3), NULL);
    snprintf(name, sizeof name, "pp%u embed=1", P);
    snprintf(extra, sizeof extra, "(embed/logits time %.3f; head = %.1f%% of weight bytes)",
             lg.med > 0 ? em.med / lg.med : 0, b->head_share * 100);
    add_stat(b, "prefill_embed_tok_s", name, "tok/s", rate(em, P, 1e3), extra);
  }

  /* ---- decode: from the state after prefill-1 tokens, the last prompt token then N new ---- */
  if (o->decode > 0) {
    const uint32_t P = o->prefill, N = o->decode;
    rwkv_forward_opts none = {RWKV_OUTPUT_NONE, 0, o->chunk}, last = {RWKV_OUTPUT_LAST, 0, 0};
    note(o, "decode %u tokens", N);
    if ((rc = rwkv_state_reset(base, err))) goto out;
    if (P > 1 && (rc = rwkv_forward(m, base, b->seq, P - 1, &none, NULL, err))) goto out;
    int32_t prompt_last = b->seq[P - 1];
    if (b->tok) {
      size_t count = 0;
      for (int r = -1; r < R; r++) {
        if ((rc = rwkv_state_copy(s, base, err))) goto out;
        finish(m);
        double t0 = now_ms();
        if ((rc = greedy(m, s, &prompt_last, 1, N, NULL, &count, NULL, err))) goto out;
        double t1 = now_ms();
        if (r >= 0) t[r] = t1 - t0;
      }
      char name[64];
      snprintf(name, sizeof name, "tg%u (rwkv_gen greedy)", N);
      snprintf(extra, sizeof extra, "(%zu tokens after pp%u)", count, P);
      add_stat(b, "decode_gen_tok_s", name, "tok/s", rate(stats(t, R), (double)count, 1e3), extra);
    }
    for (int r = -1; r < R; r++) {
      if ((rc = rwkv_state_copy(s, base, err))) goto out;
      finish(m);
      double t0 = now_ms();
      int32_t tok = prompt_last;
      for (uint32_t i = 0; i <= N; i++) {
        if ((rc = rwkv_forward(m, s, &tok, 1, &last, logits, err))) goto out;
        tok = argmax_cpu(logits, V);
      }
      if (r >= 0) t[r] = now_ms() - t0;
    }
    char name[64];
    snprintf(name, sizeof name, "tg%u (rwkv_forward + logits)", N);
    add_stat(b, "decode_raw_tok_s", name, "tok/s", rate(stats(t, R), N, 1e3), NULL);
  }

  /* ---- document state: prefill (no output) + read of the whole state ---- */
  {
    const uint32_t Dn = o->doc;
    rwkv_forward_opts none = {RWKV_OUTPUT_NONE, 0, o->chunk};
    double tp[MAX_REPEAT];
    note(o, "document state, %u tokens", Dn);
    for (int r = -1; r < R; r++) {
      if ((rc = rwkv_state_reset(doc, err))) goto out;
      finish(m);
      double t0 = now_ms();
      if ((rc = rwkv_forward(m, doc, b->seq, Dn, &none, NULL, err))) goto out;
      finish(m);
      double t1 = now_ms();
      if ((rc = rwkv_state_read(doc, cpu_state, ns, err))) goto out;
      double t2 = now_ms();
      if (r >= 0) {
        t[r] = t2 - t0;
        tp[r] = t1 - t0;
      }
    }
    stat3 sp = stats(tp, R);
    char name[64];
    snprintf(name, sizeof name, "doc state %u tok (prefill+read)", Dn);
    snprintf(extra, sizeof extra, "(prefill %.1f ms; state %.2f MiB)", sp.med, (double)ns * 4 / (1 << 20));
    add_stat(b, "doc_state_ms", name, "ms", stats(t, R), extra);
  }

  /* ---- fields: 10 descriptions, one batch from fresh states, cosine to the document ---- */
  if (b->tok) {
    note(o, "fields");
    rwkv_forward_opts fe = {RWKV_OUTPUT_LAST, 1, o->chunk};
    /* the document's embedding (untimed): the doc tokens with embed=1 */
    if ((rc = rwkv_state_reset(doc, err)) ||
        (rc = rwkv_forward(m, doc, b->seq, o->doc, &fe, emb + (size_t)10 * D, err)))
      goto out;
    int32_t fid[10][128];
    const int32_t *fp[10];
    size_t fn[10];
    int top = 0;
    for (int r = -1; r < R; r++) {
      double t0 = now_ms();
      for (int i = 0; i < 10; i++) {
        size_t len = strlen(FIELDS[i]);
        if (len > 128) len = 128;
        if ((rc = rwkv_tokenize(b->tok, FIELDS[i], len, fid[i], &fn[i], err))) goto out;
        fp[i] = fid[i];
        if ((rc = rwkv_state_reset(fs[i], err))) goto out;
      }
      if ((rc = rwkv_forward_batch(m, fs, fp, fn, 10, &fe, emb, err))) goto out;
      top = 0;
      for (int i = 0; i < 10; i++) {
        b->fields_cos[i] = cosine(emb + (size_t)i * D, emb + (size_t)10 * D, D);
        if (b->fields_cos[i] > b->fields_cos[top]) top = i;
      }
      if (r >= 0) t[r] = now_ms() - t0;
    }
    size_t nl = strcspn(FIELDS[top], ":");
    snprintf(b->top_field, sizeof b->top_field, "%.*s", (int)nl, FIELDS[top]);
    b->top_cos = b->fields_cos[top];
    snprintf(extra, sizeof extra, "(fresh states; top %s, cos %.3f)", b->top_field, b->top_cos);
    add_stat(b, "fields_ms", "10 fields, 1 batch embed + cosine", "ms", stats(t, R), extra);
  } else {
    add_text(b, "fields_ms", "10 fields, 1 batch embed + cosine", "n/a (no tokenizer)");
  }

  /* ---- quality: 64 greedy tokens after a fixed prompt ---- */
  if (b->tok) {
    note(o, "quality hash");
    int32_t pid[sizeof QUALITY_PROMPT];
    size_t pn = 0;
    if ((rc = rwkv_tokenize(b->tok, QUALITY_PROMPT, sizeof QUALITY_PROMPT - 1, pid, &pn, err))) goto out;
    if ((rc = rwkv_state_reset(s, err))) goto out;
    size_t k = 0;
    if ((rc = greedy(m, s, pid, pn, 64, gen_ids, &k, b, err))) goto out;
    b->hash_tokens = k;
    b->hash = fnv1a_ids(gen_ids, k);
    add_text(b, "quality_hash", "greedy 64 tok FNV-1a", "%08x (%zu tokens)", b->hash, k);
  } else {
    add_text(b, "quality_hash", "greedy 64 tok FNV-1a", "n/a (no tokenizer)");
  }

  /* ---- memory ---- */
  {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    b->max_rss_kb = ru.ru_maxrss;
    b->gpu_bytes_end = rwkv_gpu_bytes(rwkv_model_gpu(m));
    add_text(b, "peak_rss", "peak host RSS", "%.1f MiB", (double)b->max_rss_kb / 1024);
    add_text(b, "gpu_bytes", "GPU memory", "%.1f MiB after load; %.1f MiB with 14 states",
             (double)mi->gpu_bytes / (1 << 20), (double)b->gpu_bytes_end / (1 << 20));
  }

out:
  for (int i = 0; i < 10; i++) rwkv_state_free(fs[i]);
  rwkv_state_free(s);
  rwkv_state_free(base);
  rwkv_state_free(doc);
  free(logits);
  free(emb);
  free(cpu_state);
  free(gen_ids);
  return rc;
}

int main(int argc, char **argv) {
  bench *b = calloc(1, sizeof *b);
  if (!b) {
    fprintf(stderr, "rwkv-bench: no memory\n");
    return 1;
  }
  if (!parse_opts(argc, argv, &b->o)) {
    free(b);
    return 2;
  }
  if (!b->o.title) b->o.title = base_name(b->o.model);
  b->o.t_start = now_ms();
  b->cold_resident = -1;
  snprintf(b->cold_how, sizeof b->cold_how, "-");
  get_commit(b->commit, sizeof b->commit);
  get_cpu(b->cpu, sizeof b->cpu);
  time_t now = time(NULL);
  struct tm tmv;
  gmtime_r(&now, &tmv);
  strftime(b->date, sizeof b->date, "%Y-%m-%d %H:%M:%S UTC", &tmv);

  rwkv_error err = {0};
  int rc = run_all(b, &err);
  if (rc == RWKV_OK) {
    write_table(b, stdout);
    fflush(stdout);
    if (b->o.json) rc = write_json(b, b->o.json, &err);
    if (rc == RWKV_OK && b->o.append) rc = append_results(b, b->o.append, &err);
  }
  if (rc != RWKV_OK) fprintf(stderr, "rwkv-bench: %s: %s\n", rwkv_error_name(rc), err.msg);
  rwkv_model_free(b->m);
  free(b->text);
  free(b->ids);
  free(b->seq);
  free(b->hash_text);
  free(b);
  return rc == RWKV_OK ? 0 : 1;
}
