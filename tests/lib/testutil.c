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

int test_read_tokens(const char *path, int32_t *out, int max) {
  size_t n;
  char *txt = test_read_file(path, &n);
  if (!txt) return 0;
  int k = 0;
  for (char *p = txt; k < max;) {
    char *e;
    long v = strtol(p, &e, 10);
    if (e == p) break;
    out[k++] = (int32_t)v;
    p = e;
  }
  free(txt);
  return k;
}

double test_max_diff(const float *a, const float *b, size_t n) {
  double m = 0;
  for (size_t i = 0; i < n; i++) {
    double d = fabs((double)a[i] - b[i]);
    if (!(d <= m)) m = d; /* NaN propagates */
  }
  return m;
}

double test_max_diff_fd(const float *a, const double *b, size_t n) {
  double m = 0;
  for (size_t i = 0; i < n; i++) {
    double d = fabs((double)a[i] - b[i]);
    if (!(d <= m)) m = d;
  }
  return m;
}

int test_result(const char *name) {
  printf("%s: %d checks, %d failed\n", name, test_checks, test_failures);
  return test_failures ? 1 : 0;
}
