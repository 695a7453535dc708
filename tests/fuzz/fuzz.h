/* fuzz.h - checks shared by the libFuzzer targets: a violated expectation
 * traps, so libFuzzer reports it as a crash with its input. */
#ifndef RWKV_FUZZ_H
#define RWKV_FUZZ_H

#include <string.h>

#include "rwkv_error.h"

#define REQUIRE(c)                \
  do {                            \
    if (!(c)) __builtin_trap();   \
  } while (0)

/* A failure must come with its own code and a non-empty, terminated message. */
static inline void check_err(int rc, const rwkv_error *err) {
  if (rc == RWKV_OK) return;
  REQUIRE(err->code == rc);
  REQUIRE(err->msg[0] != 0);
  REQUIRE(memchr(err->msg, 0, sizeof err->msg) != NULL);
}

#endif
