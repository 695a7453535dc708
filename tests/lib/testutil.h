/* testutil.h - tiny assertion helpers shared by the C tests.
 * A test is a main() calling CHECK*; the first failure prints file:line and
 * the values, then the test keeps going; main returns test_result(). */
#ifndef RWKV_TESTUTIL_H
#define RWKV_TESTUTIL_H

#include <math.h>
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
/* Print summary and return the process exit status. */
int test_result(const char *name);

#endif
