/* test_shader_cache.c - the program binary cache (gpu.h): first open compiles and writes,
 * a second context reads, corrupt / truncated entries are detected and rebuilt, other
 * defines miss, RWKV_SHADER_CACHE=0 turns it off, an unwritable folder is no error; the
 * load-time breakdown in rwkv_model_info. */
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
                      in->load_upload_ms, in->load_init_ms, in->load_finish_ms, in->load_prefault_ms};
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
  rm_rf(g_dir);
  return test_result("test_shader_cache");
}
