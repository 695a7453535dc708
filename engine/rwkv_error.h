/* rwkv_error.h - error values shared by every engine module.
 *
 * Every function that can fail returns an int status (RWKV_OK == 0) and, when it
 * fails, fills the caller's rwkv_error with the same code and a message that names
 * the thing at fault (file, byte offset, tensor, shader) and what is wrong with it.
 * The error pointer may be NULL when the caller does not want the message. */
#ifndef RWKV_ERROR_H
#define RWKV_ERROR_H

#include <stdarg.h>

enum {
  RWKV_OK = 0,
  RWKV_ERR_ARG,         /* caller passed something invalid */
  RWKV_ERR_IO,          /* open/read/write/mmap failed */
  RWKV_ERR_FORMAT,      /* a file is malformed */
  RWKV_ERR_NOMEM,       /* host allocation failed or would be absurdly large */
  RWKV_ERR_GPU,         /* EGL/GLES failure, including out of GPU memory */
  RWKV_ERR_SHADER,      /* shader compile or link failure */
  RWKV_ERR_UNSUPPORTED, /* valid input that this engine does not handle */
  RWKV_ERR_STATE,       /* a state does not fit the model, or is damaged */
  RWKV_ERR_INTERRUPTED  /* stopped by the caller (e.g. Ctrl-C) */
};

#define RWKV_ERROR_MSG_MAX 1024

typedef struct rwkv_error {
  int code;
  char msg[RWKV_ERROR_MSG_MAX];
} rwkv_error;

/* Fill *err (if not NULL) and return code, so callers can write
 * `return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: ...", path);`. */
int rwkv_errorf(rwkv_error *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Prefix an existing message: "<prefix>: <old message>". */
int rwkv_error_prefix(rwkv_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Short name of a code ("format error", ...). */
const char *rwkv_error_name(int code);

/* Reset to RWKV_OK with an empty message. */
void rwkv_error_clear(rwkv_error *err);

#endif
