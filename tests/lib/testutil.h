/* testutil.h - tiny assertion helpers shared by the C tests.
 * A test is a main() calling CHECK*; the first failure prints file:line and
 * the values, then the test keeps going; main returns test_result(). */
#ifndef RWKV_TESTUTIL_H
#define RWKV_TESTUTIL_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rwkv_error.h"

extern int test_failures;
extern int test_checks;

#define CHECK(cond)                                                              \
  do {                                                                           \
    test_checks++;                                                               \
    if (!(cond)) {                                                               \
      test_failures++;                                                           \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
    }                                                                            \
  } while (0)

#define CHECK_MSG(cond, ...)                                                     \
  do {                                                                           \
    test_checks++;                                                               \
    if (!(cond)) {                                                               \
      test_failures++;                                                           \
      fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond);   \
      fprintf(stderr, __VA_ARGS__);                                              \
      fputc('\n', stderr);                                                       \
    }                                                                            \
  } while (0)

/* rc must be RWKV_OK; prints the error message otherwise. */
#define CHECK_OK(rc, err) CHECK_MSG((rc) == RWKV_OK, "rc=%d: %s", (rc), (err)->msg)

/* rc must equal code and err->msg must contain substr. */
#define CHECK_ERR(rc, err, code, substr)                                          \
  CHECK_MSG((rc) == (code) && strstr((err)->msg, (substr)) != NULL,               \
            "rc=%d (want %d), msg \"%s\" (want \"%s\")", (rc), (code), (err)->msg, (substr))

/* Path of a file under tests/data. Returns a static buffer per call slot. */
const char *test_data(const char *name);
/* Read a whole file; NULL on error. *size set. Caller frees. */
void *test_read_file(const char *path, size_t *size);
/* Up to max whitespace-separated integers of a text file (the reference token lists)
 * into out; returns how many were read (0 when the file is missing). */
int test_read_tokens(const char *path, int32_t *out, int max);
/* max |a[i] - b[i]| over n values; a NaN difference makes the result NaN. */
double test_max_diff(const float *a, const float *b, size_t n);
double test_max_diff_fd(const float *a, const double *b, size_t n);
/* Print summary and return the process exit status. */
int test_result(const char *name);

#endif
