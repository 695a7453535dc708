/* testutil.c - helpers for the C tests. */
#include "testutil.h"

int test_failures = 0;
int test_checks = 0;

const char *test_data(const char *name) {
  static char buf[8][4096];
  static int slot = 0;
  char *b = buf[slot++ & 7];
  snprintf(b, sizeof buf[0], "%s/%s", RWKV_TEST_DATA, name);
  return b;
}

void *test_read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  if (fseek(f, 0, SEEK_END) != 0) { fclose(f); return NULL; }
  long n = ftell(f);
  if (n < 0 || fseek(f, 0, SEEK_SET) != 0) { fclose(f); return NULL; }
  char *p = malloc((size_t)n + 1);
  if (p && fread(p, 1, (size_t)n, f) != (size_t)n) { free(p); p = NULL; }
  fclose(f);
  if (p) { p[n] = 0; if (size) *size = (size_t)n; }
  return p;
}

int test_result(const char *name) {
  printf("%s: %d checks, %d failed\n", name, test_checks, test_failures);
  return test_failures ? 1 : 0;
}
