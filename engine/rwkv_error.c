/* rwkv_error.c - filling rwkv_error values. */
#include "rwkv_error.h"

#include <stdio.h>
#include <string.h>

int rwkv_errorf(rwkv_error *err, int code, const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    err->code = code;
  }
  return code;
}

int rwkv_error_prefix(rwkv_error *err, const char *fmt, ...) {
  if (!err) return RWKV_ERR_ARG;
  char prefix[256], old[RWKV_ERROR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  memcpy(old, err->msg, sizeof old);
  /* Truncation is intended: a long message keeps its prefix. */
  size_t n = strlen(prefix);
  if (n > sizeof err->msg - 3) n = sizeof err->msg - 3;
  memcpy(err->msg, prefix, n);
  memcpy(err->msg + n, ": ", 2);
  size_t rest = sizeof err->msg - n - 3;
  size_t m = strnlen(old, sizeof old);
  if (m > rest) m = rest;
  memcpy(err->msg + n + 2, old, m);
  err->msg[n + 2 + m] = '\0';
  return err->code;
}

const char *rwkv_error_name(int code) {
  switch (code) {
  case RWKV_OK: return "ok";
  case RWKV_ERR_ARG: return "bad argument";
  case RWKV_ERR_IO: return "i/o error";
  case RWKV_ERR_FORMAT: return "format error";
  case RWKV_ERR_NOMEM: return "out of memory";
  case RWKV_ERR_GPU: return "gpu error";
  case RWKV_ERR_SHADER: return "shader error";
  case RWKV_ERR_UNSUPPORTED: return "unsupported";
  case RWKV_ERR_STATE: return "state error";
  case RWKV_ERR_INTERRUPTED: return "interrupted";
  default: return "unknown error";
  }
}

void rwkv_error_clear(rwkv_error *err) {
  if (err) {
    err->code = RWKV_OK;
    err->msg[0] = '\0';
  }
}
