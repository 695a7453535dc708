/* test_shader_cache.c - the program binary cache (gpu.h): first open compiles and writes,
 * a second context reads, corrupt / truncated entries are detected and rebuilt, other
 * defines miss, RWKV_SHADER_CACHE=0 turns it off, an unwritable folder is no error; the
 * load-time breakdown in rwkv_model_info; prefetch lists (rwkv_gpu_programs_prefetch). */
#include <GLES3/gl31.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gpu.h"
#include "rwkv.h"
#include "testutil.h"

static char g_dir[256]; /* per-test temp folder (set in main, read by the tests) */

/* Open a context, build rwkv_argmax with `defines`, return the stats after. */
static int build_once(const char *defines, rwkv_gpu_stats *st, int *formats, char *dir_out,
                      size_t cap) {
  rwkv_error err = {0};
  rwkv_gpu *g = NULL;
  int rc = rwkv_gpu_open(NULL, &g, &err);
  CHECK_OK(rc, &err);
  if (rc) return rc;
  GLint f = 0;
  glGetIntegerv(GL_NUM_PROGRAM_BINARY_FORMATS, &f);
  if (formats) *formats = f;
  const char *d = rwkv_gpu_shader_cache_dir(g);
  if (dir_out) snprintf(dir_out, cap, "%s", d ? d : "");
  unsigned p1 = 0, p2 = 0;
  rc = rwkv_gpu_program(g, "rwkv_argmax", defines, &p1, &err);
  CHECK_OK(rc, &err);
  CHECK_OK(rwkv_gpu_program(g, "rwkv_argmax", defines, &p2, &err), &err);
  CHECK(p1 != 0 && p1 == p2);
  GLint ok = 0;
  if (p1) glGetProgramiv(p1, GL_LINK_STATUS, &ok);
  CHECK(ok == GL_TRUE);
  rwkv_gpu_get_stats(g, st);
  rwkv_gpu_close(g);
  return rc;
}

static int count_entries(const char *dir, char *first, size_t cap) {
  DIR *d = opendir(dir);
  if (!d) return 0;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    size_t l = strlen(e->d_name);
    if (l > 4 && strcmp(e->d_name + l - 4, ".bin") == 0) {
      if (n == 0 && first) snprintf(first, cap, "%s/%s", dir, e->d_name);
      n++;
    }
    CHECK_MSG(strstr(e->d_name, ".tmp") == NULL, "temp file left: %s", e->d_name);
  }
  closedir(d);
  return n;
}

static void test_cache(void) {
  char cdir[512], got[512], entry[1024];
  snprintf(cdir, sizeof cdir, "%s/cache/nested", g_dir); /* missing: made on first write */
  setenv("RWKV_SHADER_CACHE", cdir, 1);
  rwkv_gpu_stats st;
  int formats = 0;
  if (build_once(NULL, &st, &formats, got, sizeof got)) return;
  if (formats <= 0) {
    printf("GL_NUM_PROGRAM_BINARY_FORMATS is 0: cache off, hit checks skipped\n");
    CHECK(got[0] == '\0');
    CHECK(st.cache_hits == 0 && st.cache_misses == 1);
    return;
  }
  CHECK_MSG(strcmp(got, cdir) == 0, "cache dir %s", got);
  /* first open: compiled once (the second request is the context's own cache), written */
  CHECK_MSG(st.programs == 1 && st.cache_misses == 1 && st.cache_hits == 0 && st.cache_writes == 1 &&
                st.cache_rejected == 0 && st.cache_write_errors == 0,
            "programs %u misses %u hits %u writes %u", st.programs, st.cache_misses, st.cache_hits,
            st.cache_writes);
  CHECK(count_entries(cdir, entry, sizeof entry) == 1);
  /* second open: read back */
  build_once(NULL, &st, NULL, NULL, 0);
  CHECK_MSG(st.cache_hits == 1 && st.cache_misses == 0 && st.cache_writes == 0,
            "hits %u misses %u writes %u", st.cache_hits, st.cache_misses, st.cache_writes);
  /* other defines: another entry */
  build_once("#define RWKV_TEST_UNUSED 1\n", &st, NULL, NULL, 0);
  CHECK(st.cache_misses == 1 && st.cache_hits == 0 && st.cache_writes == 1);
  CHECK(count_entries(cdir, NULL, 0) == 2);
  build_once("#define RWKV_TEST_UNUSED 1\n", &st, NULL, NULL, 0);
  CHECK(st.cache_hits == 1);

  /* a flipped byte in the payload: detected by the checksum, rebuilt, rewritten */
  size_t n = 0;
  unsigned char *bytes = test_read_file(entry, &n);
  CHECK(bytes && n > 100);
  if (!bytes || n <= 100) return;
  bytes[n / 2] ^= 0x5a;
  FILE *f = fopen(entry, "wb");
  CHECK(f && fwrite(bytes, 1, n, f) == n);
  if (f) fclose(f);
  build_once(NULL, &st, NULL, NULL, 0);
  CHECK_MSG(st.cache_rejected == 1 && st.cache_misses == 1 && st.cache_hits == 0 && st.cache_writes == 1,
            "rejected %u misses %u hits %u writes %u", st.cache_rejected, st.cache_misses,
            st.cache_hits, st.cache_writes);
  build_once(NULL, &st, NULL, NULL, 0);
  CHECK(st.cache_hits == 1 && st.cache_rejected == 0);
  /* a flipped header byte and a truncated file: the same */
  bytes[n / 2] ^= 0x5a; /* payload as written, header version byte changed */
  bytes[9] ^= 1;
  f = fopen(entry, "wb");
  CHECK(f && fwrite(bytes, 1, n, f) == n);
  if (f) fclose(f);
  build_once(NULL, &st, NULL, NULL, 0);
  CHECK(st.cache_rejected == 1 && st.cache_misses == 1 && st.cache_writes == 1);
  CHECK(truncate(entry, 10) == 0);
  build_once(NULL, &st, NULL, NULL, 0);
  CHECK(st.cache_rejected == 1 && st.cache_misses == 1 && st.cache_writes == 1);
  build_once(NULL, &st, NULL, NULL, 0);
  CHECK(st.cache_hits == 1 && st.cache_rejected == 0);
  /* an empty file */
  f = fopen(entry, "wb");
  if (f) fclose(f);
  build_once(NULL, &st, NULL, NULL, 0);
  CHECK(st.cache_rejected == 1 && st.cache_writes == 1);
  free(bytes);
  CHECK(count_entries(cdir, NULL, 0) == 2);

  /* a folder that cannot be made (its parent is a file): programs still build */
  char file[512], bad[600];
  snprintf(file, sizeof file, "%s/plainfile", g_dir);
  f = fopen(file, "wb");
  if (f) fclose(f);
  snprintf(bad, sizeof bad, "%s/sub", file);
  setenv("RWKV_SHADER_CACHE", bad, 1);
  build_once(NULL, &st, NULL, NULL, 0);
  CHECK(st.cache_hits == 0 && st.cache_misses == 1 && st.cache_writes == 0 && st.cache_write_errors == 1);
  /* a missing folder that cannot be created under a read-only path */
  setenv("RWKV_SHADER_CACHE", "/proc/rwkv-lua-no-such-dir", 1);
  build_once(NULL, &st, NULL, NULL, 0);
  CHECK(st.cache_misses == 1 && st.cache_write_errors == 1);

  /* off */
  setenv("RWKV_SHADER_CACHE", "0", 1);
  build_once(NULL, &st, NULL, got, sizeof got);
  CHECK(got[0] == '\0');
  CHECK(st.cache_hits == 0 && st.cache_misses == 1 && st.cache_writes == 0 && st.cache_write_errors == 0);
  setenv("RWKV_SHADER_CACHE", cdir, 1);
}

/* Loading a model twice: the second load builds every program from the cache, and the
 * breakdown adds up. */
static void test_model_load(void) {
  char cdir[512];
  snprintf(cdir, sizeof cdir, "%s/model-cache", g_dir);
  setenv("RWKV_SHADER_CACHE", cdir, 1);
  for (int i = 0; i < 2; i++) {
    rwkv_model *m = NULL;
    rwkv_error err = {0};
    int rc = rwkv_model_load(RWKV_SOURCE_DIR "/models/tiny-rwkv7-834K-F16.gguf", NULL, &m, &err);
    CHECK_OK(rc, &err);
    if (rc) return;
    const rwkv_model_info *in = rwkv_model_get_info(m);
    uint32_t built = in->shader_cache_hits + in->shader_cache_misses;
    CHECK(built >= 5);
    const char *d = rwkv_gpu_shader_cache_dir(rwkv_model_gpu(m));
    if (d && i == 1)
      CHECK_MSG(in->shader_cache_hits == built, "second load: %u hits, %u misses",
                in->shader_cache_hits, in->shader_cache_misses);
    if (d && i == 0) CHECK(in->shader_cache_misses == built);
    double parts[] = {in->load_open_ms, in->load_tokenizer_ms, in->load_context_ms, in->load_programs_ms,
                      in->load_upload_ms, in->load_init_ms, in->load_finish_ms};
    double sum = 0;
    for (size_t k = 0; k < sizeof parts / sizeof *parts; k++) {
      CHECK_MSG(parts[k] >= -0.01, "part %zu is %f", k, parts[k]);
      sum += parts[k];
    }
    CHECK_MSG(sum <= in->load_ms + 0.01 && sum >= in->load_ms * 0.5, "parts %f, load %f", sum, in->load_ms);
    CHECK(in->gpu_bytes > 0);
    rwkv_model_free(m);
  }
}

/* Prefetch lists: a list saved by one context makes a second one build the listed
 * programs from the cache while an upload batch waits for packing; lists that are
 * malformed or name what has no cache entry are ignored. */
static void slow_fill(void *ctx, uint8_t *dst, uint64_t off, uint64_t len) {
  (void)ctx;
  usleep(20000); /* the loading thread waits for the filler: time to prefetch */
  memset(dst, (int)(off & 0xFF), (size_t)len);
}

/* An upload batch of three buffers in 1 MiB pieces after rwkv_gpu_programs_prefetch(key);
 * the stats after it. */
static void batch_after_prefetch(const char *key, rwkv_gpu_stats *st) {
  rwkv_error err = {0};
  rwkv_gpu *g = NULL;
  setenv("RWKV_UPLOAD_RING", "1", 1);
  CHECK_OK(rwkv_gpu_open(NULL, &g, &err), &err);
  if (!g) return;
  rwkv_gpu_programs_prefetch(g, key);
  rwkv_gpu_upload_begin(g);
  unsigned bufs[3] = {0};
  for (int i = 0; i < 3; i++) CHECK_OK(rwkv_gpu_buffer_fill(g, 3u << 20, 0, slow_fill, NULL, &bufs[i], &err), &err);
  CHECK_OK(rwkv_gpu_upload_done(g, &err), &err);
  rwkv_gpu_get_stats(g, st);
  if (st->prefetched) { /* built already: asking again builds nothing */
    unsigned p = 0;
    CHECK_OK(rwkv_gpu_program(g, "rwkv_argmax", "#define PF_TEST 2\n", &p, &err), &err); /* in every list */
    rwkv_gpu_stats after;
    rwkv_gpu_get_stats(g, &after);
    CHECK(p != 0 && after.programs == st->programs && after.cache_hits == st->cache_hits);
  }
  for (int i = 0; i < 3; i++) rwkv_gpu_buffer_free(g, bufs[i], 3u << 20);
  rwkv_gpu_close(g);
  unsetenv("RWKV_UPLOAD_RING");
}

/* The one list-*.txt in dir, or "" */
static void find_list(const char *dir, char *out, size_t cap) {
  out[0] = '\0';
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    if (strncmp(e->d_name, "list-", 5) == 0) snprintf(out, cap, "%s/%s", dir, e->d_name);
  closedir(d);
}

static void write_file(const char *path, const void *data, size_t n) {
  FILE *f = fopen(path, "wb");
  CHECK(f != NULL);
  if (!f) return;
  CHECK(fwrite(data, 1, n, f) == n);
  fclose(f);
}

static void test_prefetch(void) {
  char cdir[512];
  snprintf(cdir, sizeof cdir, "%s/prefetch-cache", g_dir);
  setenv("RWKV_SHADER_CACHE", cdir, 1);
  rwkv_error err = {0};
  rwkv_gpu *g = NULL;
  CHECK_OK(rwkv_gpu_open(NULL, &g, &err), &err);
  if (!g) return;
  if (!rwkv_gpu_shader_cache_dir(g)) { /* no binary formats: nothing to prefetch from */
    rwkv_gpu_close(g);
    return;
  }
  unsigned p1 = 0, p2 = 0;
  CHECK_OK(rwkv_gpu_program(g, "rwkv_argmax", "#define PF_TEST 1\n", &p1, &err), &err);
  CHECK_OK(rwkv_gpu_program(g, "rwkv_argmax", "#define PF_TEST 2\n", &p2, &err), &err);
  rwkv_gpu_programs_save(g, "model-a");
  rwkv_gpu_close(g);
  char list[1024];
  find_list(cdir, list, sizeof list);
  CHECK_MSG(list[0] != '\0', "no list written in %s", cdir);

  rwkv_gpu_stats st;
  batch_after_prefetch("model-a", &st);
  CHECK_MSG(st.prefetched == 2 && st.cache_hits == 2 && st.cache_misses == 0,
            "prefetched %u, hits %u, misses %u", st.prefetched, st.cache_hits, st.cache_misses);
  batch_after_prefetch("model-b", &st); /* no list under that key */
  CHECK(st.prefetched == 0 && st.programs == 0);

  /* bad lists: ignored, or only their usable entries built */
#define LIST(lit) lit, sizeof lit - 1
  static const struct {
    const char *data;
    size_t n;
    uint32_t want;
  } bad[] = {
      {LIST(""), 0},
      {LIST("RWKVPL9\nrwkv_argmax\0#define PF_TEST 1\n\0"), 0},  /* magic */
      {LIST("RWKVPL1\nrwkv_argmax\0#define PF_TEST 1\n"), 0},    /* no final NUL */
      {LIST("RWKVPL1\nrwkv_argmax\0"), 0},                        /* name without defines */
      {LIST("RWKVPL1\nno_such_shader\0\0rwkv_argmax\0#define PF_TEST 2\n\0"), 1}, /* unknown name skipped */
      {LIST("RWKVPL1\nrwkv_argmax\0#define PF_TEST 3\n\0"), 0},   /* never built: no entry, no compile */
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    write_file(list, bad[i].data, bad[i].n);
    batch_after_prefetch("model-a", &st);
    CHECK_MSG(st.prefetched == bad[i].want && st.cache_misses == 0, "bad list %zu: prefetched %u, misses %u", i,
              st.prefetched, st.cache_misses);
  }
}

static void rm_rf(const char *path) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", path);
}

int main(void) {
  snprintf(g_dir, sizeof g_dir, "/tmp/rwkv-shader-cache-XXXXXX");
  if (!mkdtemp(g_dir)) {
    perror("mkdtemp");
    return 1;
  }
  test_cache();
  test_model_load();
  test_prefetch();
  rm_rf(g_dir);
  return test_result("test_shader_cache");
}
