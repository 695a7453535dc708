/* tokenizer.c - the RWKV world tokenizer: vocabulary parsing and a double-array trie.
 *
 * Facts used (no code taken from these):
 * - BlinkDL's rwkv_tokenizer.py (TRIE_TOKENIZER): each vocabulary line is
 *   "<id> <python literal> <byte length>", str literals are UTF-8 encoded, and
 *   encoding is greedy: at each position the longest token that is a prefix of
 *   the remaining bytes wins.
 * - llama.cpp convert_hf_to_gguf.py (_set_vocab_rwkv_world): GGUF tokens are
 *   repr(token_bytes)[2:-1], id 0 is "<s>" (CONTROL), fillers "[PADn]" are UNUSED;
 *   llama-vocab.cpp llama_unescape_rwkv_token undoes \t \n \r \xhh and
 *   backslash + any other character.
 * - The double array is Aoe's (1989) structure as used by darts: child of s on
 *   byte c is u = base[s] + c, valid iff check[u] == s; nodes placed breadth
 *   first by a bounded first-fit search. */
#include "tokenizer.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* One double-array cell (8 bytes, so the whole world trie fits in L2).
 * check = (parent index << 1) | terminal; a free cell (and the root) has
 * check UINT32_MAX, whose parent part no real node reaches. A terminal
 * node's token id is in the separate value array. */
typedef struct tk_cell {
  uint32_t base;
  uint32_t check;
} tk_cell;

struct rwkv_tokenizer {
  uint32_t n;        /* vocab size (ids 0..n-1) */
  uint32_t *off;     /* n + 1 offsets into blob: token i is blob[off[i] .. off[i+1]) */
  char *blob;
  size_t max_len;    /* longest token */
  tk_cell *da;       /* double array; da[0] is the root */
  int32_t *value;    /* per cell: token id of a terminal node, else -1 */
  size_t da_size;
};

/* ---------------------------------------------------------------- helpers */

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Append code point cp as UTF-8; 0 on success, -1 for surrogates / out of range. */
static int put_utf8(uint8_t *o, size_t *k, uint32_t cp) {
  if (cp < 0x80) {
    o[(*k)++] = (uint8_t)cp;
  } else if (cp < 0x800) {
    o[(*k)++] = (uint8_t)(0xC0 | (cp >> 6));
    o[(*k)++] = (uint8_t)(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    if (cp >= 0xD800 && cp <= 0xDFFF) return -1;
    o[(*k)++] = (uint8_t)(0xE0 | (cp >> 12));
    o[(*k)++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    o[(*k)++] = (uint8_t)(0x80 | (cp & 0x3F));
  } else if (cp <= 0x10FFFF) {
    o[(*k)++] = (uint8_t)(0xF0 | (cp >> 18));
    o[(*k)++] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    o[(*k)++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    o[(*k)++] = (uint8_t)(0x80 | (cp & 0x3F));
  } else {
    return -1;
  }
  return 0;
}

/* Length of the valid UTF-8 sequence at s (n bytes available), or 0 if invalid. */
static size_t utf8_seq(const uint8_t *s, size_t n) {
  uint8_t c = s[0];
  size_t len;
  uint8_t lo = 0x80, hi = 0xBF;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) len = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else return 0;
  if (n < len) return 0;
  if (s[1] < lo || s[1] > hi) return 0;
  for (size_t i = 2; i < len; i++)
    if (s[i] < 0x80 || s[i] > 0xBF) return 0;
  return len;
}

/* Parse a Python str or bytes literal s[0..n) into o (which holds >= n bytes).
 * On failure returns -1 and writes a reason into why. */
static int parse_py_literal(const char *s, size_t n, uint8_t *o, size_t *olen, char *why,
                            size_t whylen) {
  const uint8_t *p = (const uint8_t *)s;
  size_t i = 0, k = 0;
  int is_bytes = 0;
  if (n > 0 && (p[0] == 'b' || p[0] == 'B')) { is_bytes = 1; i = 1; }
  if (i >= n || (p[i] != '\'' && p[i] != '"')) {
    snprintf(why, whylen, "token is not a quoted Python %s literal", is_bytes ? "bytes" : "str");
    return -1;
  }
  uint8_t q = p[i];
  if (n < i + 2 || p[n - 1] != q) {
    snprintf(why, whylen, "literal does not end with its opening quote %c", q);
    return -1;
  }
  size_t end = n - 1;
  i++;
  while (i < end) {
    uint8_t c = p[i];
    if (c == q) {
      snprintf(why, whylen, "unescaped quote %c inside the literal at column %zu", q, i);
      return -1;
    }
    if (c != '\\') {
      if (c < 0x80) { o[k++] = c; i++; continue; }
      if (is_bytes) {
        snprintf(why, whylen, "non-ASCII byte 0x%02x in a bytes literal at column %zu", c, i);
        return -1;
      }
      size_t m = utf8_seq(p + i, end - i);
      if (m == 0) {
        snprintf(why, whylen, "invalid UTF-8 byte 0x%02x at column %zu", c, i);
        return -1;
      }
      memcpy(o + k, p + i, m);
      k += m;
      i += m;
      continue;
    }
    /* escape */
    size_t at = i;
    if (i + 1 >= end) {
      snprintf(why, whylen, "dangling backslash at column %zu", at);
      return -1;
    }
    uint8_t e = p[i + 1];
    i += 2;
    uint32_t v;
    int ndig = 0;
    switch (e) {
    case '\\': o[k++] = '\\'; continue;
    case '\'': o[k++] = '\''; continue;
    case '"': o[k++] = '"'; continue;
    case 'a': o[k++] = 7; continue;
    case 'b': o[k++] = 8; continue;
    case 'f': o[k++] = 12; continue;
    case 'n': o[k++] = 10; continue;
    case 'r': o[k++] = 13; continue;
    case 't': o[k++] = 9; continue;
    case 'v': o[k++] = 11; continue;
    case 'x': ndig = 2; break;
    case 'u': ndig = is_bytes ? 0 : 4; break;
    case 'U': ndig = is_bytes ? 0 : 8; break;
    default: break;
    }
    if (e >= '0' && e <= '7') {
      v = (uint32_t)(e - '0');
      for (int d = 0; d < 2 && i < end && p[i] >= '0' && p[i] <= '7'; d++, i++)
        v = v * 8 + (uint32_t)(p[i] - '0');
    } else if (ndig > 0) {
      v = 0;
      for (int d = 0; d < ndig; d++) {
        int h = i < end ? hexval(p[i]) : -1;
        if (h < 0) {
          snprintf(why, whylen, "bad escape \\%c at column %zu: expected %d hex digits", e, at,
                   ndig);
          return -1;
        }
        v = v * 16 + (uint32_t)h;
        i++;
      }
    } else {
      snprintf(why, whylen, "bad escape \\%c at column %zu", e >= 0x20 && e < 0x7f ? e : '?',
               at);
      return -1;
    }
    if (is_bytes) {
      if (v > 0xFF) {
        snprintf(why, whylen, "escape at column %zu gives %u, more than a byte", at, v);
        return -1;
      }
      o[k++] = (uint8_t)v;
    } else if (put_utf8(o, &k, v) != 0) {
      snprintf(why, whylen, "escape at column %zu gives U+%04X, not encodable as UTF-8", at, v);
      return -1;
    }
  }
  *olen = k;
  return 0;
}

/* llama.cpp's GGUF escaped form -> raw bytes (o holds >= n bytes). */
static int unescape_gguf(const uint8_t *p, size_t n, uint8_t *o, size_t *olen, char *why,
                         size_t whylen) {
  size_t i = 0, k = 0;
  while (i < n) {
    uint8_t c = p[i];
    if (c != '\\') { o[k++] = c; i++; continue; }
    if (i + 1 >= n) {
      snprintf(why, whylen, "dangling backslash at byte %zu", i);
      return -1;
    }
    uint8_t e = p[i + 1];
    switch (e) {
    case 't': o[k++] = 9; i += 2; break;
    case 'n': o[k++] = 10; i += 2; break;
    case 'r': o[k++] = 13; i += 2; break;
    case '\\': case '\'': case '"': o[k++] = e; i += 2; break;
    case 'x': {
      int h1 = i + 2 < n ? hexval(p[i + 2]) : -1;
      int h2 = i + 3 < n ? hexval(p[i + 3]) : -1;
      if (h1 < 0 || h2 < 0) {
        snprintf(why, whylen, "bad escape \\x at byte %zu: expected 2 hex digits", i);
        return -1;
      }
      o[k++] = (uint8_t)(h1 * 16 + h2);
      i += 4;
      break;
    }
    default:
      snprintf(why, whylen, "bad escape \\%c at byte %zu", e >= 0x20 && e < 0x7f ? e : '?', i);
      return -1;
    }
  }
  *olen = k;
  return 0;
}

/* ---------------------------------------------------------- trie building */

typedef struct tk_key {
  const uint8_t *p;
  uint32_t len;
  int32_t id;
} tk_key;

static int key_cmp(const void *a, const void *b) {
  const tk_key *x = a, *y = b;
  uint32_t m = x->len < y->len ? x->len : y->len;
  int c = memcmp(x->p, y->p, m);
  if (c) return c;
  return (x->len > y->len) - (x->len < y->len);
}

typedef struct tk_frame {
  uint32_t s, depth, lo, hi; /* node, its depth, its keys [lo, hi) */
} tk_frame;

/* Placement state: every cell below head is used, every cell above
 * max_index is free. */
typedef struct tk_builder {
  tk_cell *cells;
  int32_t *value;
  size_t cap;
  size_t head;
  size_t max_index;
} tk_builder;

#define TK_MAX_CELLS ((size_t)1 << 29)
#define TK_FREE UINT32_MAX

static int builder_grow(tk_builder *b, size_t need) {
  if (need <= b->cap) return 0;
  size_t nc = b->cap ? b->cap : 4096;
  while (nc < need) nc *= 2;
  if (nc > TK_MAX_CELLS) return -1;
  tk_cell *c = realloc(b->cells, nc * sizeof *c);
  if (!c) return -1;
  b->cells = c;
  int32_t *v = realloc(b->value, nc * sizeof *v);
  if (!v) return -1;
  b->value = v;
  for (size_t i = b->cap; i < nc; i++) {
    c[i].base = 0;
    c[i].check = TK_FREE;
    v[i] = -1;
  }
  b->cap = nc;
  return 0;
}

/* A base such that base + labels[j] is free for every j: first fit over the
 * next few hundred cells from the lowest free one, else past the last used cell
 * (single-child nodes, most of the trie, fill the holes this leaves). */
static int find_base(tk_builder *b, const uint8_t *labels, int k, uint32_t *out) {
  if (builder_grow(b, b->max_index + 257) != 0) return -1; /* base + label stays inside */
  while (b->head <= b->max_index && b->cells[b->head].check != TK_FREE) b->head++;
  size_t lim = b->head + 512;
  if (lim > b->max_index + 1) lim = b->max_index + 1;
  for (size_t f = b->head; f < lim; f++) {
    if (b->cells[f].check != TK_FREE || f < labels[0]) continue;
    size_t base = f - labels[0];
    int ok = 1;
    for (int j = 1; j < k; j++)
      if (b->cells[base + labels[j]].check != TK_FREE) { ok = 0; break; }
    if (ok) {
      *out = (uint32_t)base;
      return 0;
    }
  }
  size_t base = b->max_index + 1 > labels[0] ? b->max_index + 1 - labels[0] : 0;
  if (builder_grow(b, base + 257) != 0) return -1;
  *out = (uint32_t)base;
  return 0;
}

/* Build t->da from the tokens in t->off / t->blob (empty tokens are not inserted).
 * Nodes are placed breadth first, so the short prefixes that most text walks
 * sit together at the start of the array. lines (optional) gives the vocab
 * line of each id for messages. */
static int tk_build(rwkv_tokenizer *t, const char *name, const uint32_t *lines, rwkv_error *err) {
  size_t nk = 0;
  tk_key *keys = malloc((size_t)t->n * sizeof *keys);
  if (!keys) return rwkv_errorf(err, RWKV_ERR_NOMEM, "%s: out of memory for %u tokens", name, t->n);
  for (uint32_t i = 0; i < t->n; i++) {
    uint32_t len = t->off[i + 1] - t->off[i];
    if (!len) continue;
    keys[nk].p = (const uint8_t *)t->blob + t->off[i];
    keys[nk].len = len;
    keys[nk].id = (int32_t)i;
    nk++;
  }
  qsort(keys, nk, sizeof *keys, key_cmp);
  for (size_t i = 1; i < nk; i++) {
    if (key_cmp(&keys[i - 1], &keys[i]) == 0) {
      int32_t a = keys[i - 1].id < keys[i].id ? keys[i - 1].id : keys[i].id;
      int32_t c = keys[i - 1].id < keys[i].id ? keys[i].id : keys[i - 1].id;
      int rc;
      if (lines)
        rc = rwkv_errorf(err, RWKV_ERR_FORMAT,
                         "%s:%u: duplicate token: id %d has the same %u bytes as id %d (line %u)",
                         name, lines[c], c, keys[i].len, a, lines[a]);
      else
        rc = rwkv_errorf(err, RWKV_ERR_FORMAT,
                         "%s: duplicate token: id %d has the same %u bytes as id %d", name, c,
                         keys[i].len, a);
      free(keys);
      return rc;
    }
  }

  tk_builder b = {0};
  b.head = 1;
  tk_frame *q = NULL;
  size_t qh = 0, qt = 0, qcap = 0;
  int rc = RWKV_OK;
  /* a trie has at most one node per token byte (plus the root) */
  if (builder_grow(&b, (t->off[t->n] + 1024) / 2) != 0) goto nomem;
  b.cells[0].check = TK_FREE; /* the root has no parent */
  qcap = 4096;
  q = malloc(qcap * sizeof *q);
  if (!q) goto nomem;
  q[qt++] = (tk_frame){0, 0, 0, (uint32_t)nk};
  while (qh < qt) {
    tk_frame f = q[qh++];
    uint32_t lo = f.lo;
    if (lo < f.hi && keys[lo].len == f.depth) lo++; /* this node's own token */
    if (lo == f.hi) continue;                       /* leaf: base stays 0 */
    uint8_t labels[256];
    uint32_t starts[257];
    int k = 0;
    for (uint32_t i = lo; i < f.hi; i++) {
      uint8_t c = keys[i].p[f.depth];
      if (k == 0 || labels[k - 1] != c) {
        labels[k] = c;
        starts[k] = i;
        k++;
      }
    }
    starts[k] = f.hi;
    uint32_t base;
    if (find_base(&b, labels, k, &base) != 0) goto nomem;
    b.cells[f.s].base = base;
    if (qt + (size_t)k > qcap && qh >= qcap / 2) { /* reuse the consumed front */
      memmove(q, q + qh, (qt - qh) * sizeof *q);
      qt -= qh;
      qh = 0;
    }
    if (qt + (size_t)k > qcap) {
      while (qt + (size_t)k > qcap) qcap *= 2;
      tk_frame *nq = realloc(q, qcap * sizeof *nq);
      if (!nq) goto nomem;
      q = nq;
    }
    for (int j = 0; j < k; j++) {
      size_t u = (size_t)base + labels[j];
      const tk_key *first = &keys[starts[j]];
      int term = first->len == f.depth + 1;
      if (u > b.max_index) b.max_index = u;
      b.cells[u].check = (f.s << 1) | (uint32_t)term;
      if (term) b.value[u] = first->id;
      q[qt++] = (tk_frame){(uint32_t)u, f.depth + 1, starts[j], starts[j + 1]};
    }
  }
  /* Every read is da[base + c] with base <= max_index (or 0) and c <= 255. */
  size_t size = b.max_index + 257;
  if (builder_grow(&b, size) != 0) goto nomem;
  tk_cell *da = realloc(b.cells, size * sizeof *da);
  if (!da) goto nomem;
  b.cells = NULL;
  t->da = da;
  int32_t *val = realloc(b.value, size * sizeof *val);
  if (!val) goto nomem;
  b.value = NULL;
  t->value = val;
  t->da_size = size;
  goto done;
nomem:
  rc = rwkv_errorf(err, RWKV_ERR_NOMEM, "%s: out of memory building the token trie", name);
done:
  free(b.cells);
  free(b.value);
  free(q);
  free(keys);
  return rc;
}

static rwkv_tokenizer *tk_alloc(uint32_t n, size_t blob_size) {
  rwkv_tokenizer *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  t->n = n;
  t->off = calloc((size_t)n + 1, sizeof *t->off);
  t->blob = malloc(blob_size ? blob_size : 1);
  if (!t->off || !t->blob) {
    rwkv_tokenizer_free(t);
    return NULL;
  }
  return t;
}

void rwkv_tokenizer_free(rwkv_tokenizer *t) {
  if (!t) return;
  free(t->off);
  free(t->blob);
  free(t->da);
  free(t->value);
  free(t);
}

uint32_t rwkv_tokenizer_vocab_size(const rwkv_tokenizer *t) { return t ? t->n : 0; }

size_t rwkv_tokenizer_max_token_len(const rwkv_tokenizer *t) { return t ? t->max_len : 0; }

/* ------------------------------------------------------------ vocab file */

static int parse_uint(const char *s, size_t n, uint64_t *v) {
  if (n == 0 || n > 18) return -1;
  uint64_t x = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    x = x * 10 + (uint64_t)(s[i] - '0');
  }
  *v = x;
  return 0;
}

/* Parse a vocabulary held in text[0..size) (text[size] must be writable: it
 * becomes a '\n' sentinel). path names the source in messages. text stays the
 * caller's. */
static int vocab_parse(char *text, size_t size, const char *path, rwkv_tokenizer **out,
                       rwkv_error *err) {
  text[size] = '\n';
  /* Entries: every line, except an empty remainder after the final newline. */
  uint32_t n_lines = 0;
  for (size_t i = 0; i < size; i++)
    if (text[i] == '\n') n_lines++;
  if (size > 0 && text[size - 1] != '\n') n_lines++;
  if (n_lines == 0) {
    return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: empty vocabulary", path);
  }
  if (n_lines >= (uint32_t)INT32_MAX) {
    return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: too many lines", path);
  }

  int rc = RWKV_OK;
  uint32_t n = n_lines + 1; /* id 0 is end-of-text */
  rwkv_tokenizer *t = tk_alloc(n, size);
  uint8_t *tmp = NULL;                       /* token bytes in line order, if reordering */
  uint32_t *start = calloc(n, sizeof *start); /* per id: offset in line-order bytes */
  uint32_t *len = calloc(n, sizeof *len);
  uint32_t *lines = calloc(n, sizeof *lines); /* per id: 1-based line, 0 = not seen */
  int in_order = 1;
  if (!t || !start || !len || !lines) {
    rc = rwkv_errorf(err, RWKV_ERR_NOMEM, "%s: out of memory", path);
    goto fail;
  }
  size_t pos = 0, used = 0;
  for (uint32_t ln = 1; ln <= n_lines; ln++) {
    size_t eol = pos;
    while (text[eol] != '\n') eol++;
    size_t le = eol;
    if (le > pos && text[le - 1] == '\r') le--;
    const char *l = text + pos;
    size_t ll = le - pos;
    size_t line_off = pos;
    pos = eol + 1;
    char why[160];
    if (ll == 0) {
      rc = rwkv_errorf(err, RWKV_ERR_FORMAT, "%s:%u (offset %zu): empty line", path, ln, line_off);
      goto fail;
    }
    const char *sp1 = memchr(l, ' ', ll);
    size_t j2 = ll;
    while (j2 > 0 && l[j2 - 1] != ' ') j2--;
    if (!sp1 || j2 == 0 || (size_t)(sp1 - l) + 1 >= j2) {
      rc = rwkv_errorf(err, RWKV_ERR_FORMAT,
                       "%s:%u (offset %zu): garbage line: expected '<id> <literal> <byte length>'",
                       path, ln, line_off);
      goto fail;
    }
    size_t j1 = (size_t)(sp1 - l); /* first space */
    uint64_t id, blen;
    if (parse_uint(l, j1, &id) != 0) {
      rc = rwkv_errorf(err, RWKV_ERR_FORMAT, "%s:%u (offset %zu): garbage line: bad id '%.*s'",
                       path, ln, line_off, (int)(j1 < 40 ? j1 : 40), l);
      goto fail;
    }
    if (parse_uint(l + j2, ll - j2, &blen) != 0) {
      rc = rwkv_errorf(err, RWKV_ERR_FORMAT,
                       "%s:%u (offset %zu): garbage line: bad byte length '%.*s'", path, ln,
                       line_off, (int)(ll - j2 < 40 ? ll - j2 : 40), l + j2);
      goto fail;
    }
    if (id == 0) {
      rc = rwkv_errorf(err, RWKV_ERR_FORMAT,
                       "%s:%u (offset %zu): id 0 is reserved for end-of-text", path, ln, line_off);
      goto fail;
    }
    if (id > n_lines) {
      rc = rwkv_errorf(err, RWKV_ERR_FORMAT,
                       "%s:%u (offset %zu): id %llu out of range: ids must be contiguous 1..%u "
                       "(one per line)",
                       path, ln, line_off, (unsigned long long)id, n_lines);
      goto fail;
    }
    if (lines[id]) {
      rc = rwkv_errorf(err, RWKV_ERR_FORMAT,
                       "%s:%u (offset %zu): duplicate id %llu (first on line %u)", path, ln,
                       line_off, (unsigned long long)id, lines[id]);
      goto fail;
    }
    size_t got;
    if (parse_py_literal(l + j1 + 1, j2 - 1 - (j1 + 1), (uint8_t *)t->blob + used, &got, why,
                         sizeof why) != 0) {
      rc = rwkv_errorf(err, RWKV_ERR_FORMAT, "%s:%u (offset %zu): id %llu: %s", path, ln,
                       line_off, (unsigned long long)id, why);
      goto fail;
    }
    if (got == 0) {
      rc = rwkv_errorf(err, RWKV_ERR_FORMAT, "%s:%u (offset %zu): id %llu: empty token", path,
                       ln, line_off, (unsigned long long)id);
      goto fail;
    }
    if (got != blen) {
      rc = rwkv_errorf(err, RWKV_ERR_FORMAT,
                       "%s:%u (offset %zu): id %llu: byte length mismatch: literal has %zu bytes, "
                       "line says %llu",
                       path, ln, line_off, (unsigned long long)id, got, (unsigned long long)blen);
      goto fail;
    }
    lines[id] = ln;
    if (id != ln) in_order = 0;
    start[id] = (uint32_t)used;
    len[id] = (uint32_t)got;
    used += got;
  }
  /* lay the tokens out in id order (the blob already is when line k has id k) */
  if (!in_order) {
    tmp = malloc(used ? used : 1);
    if (!tmp) {
      rc = rwkv_errorf(err, RWKV_ERR_NOMEM, "%s: out of memory", path);
      goto fail;
    }
    memcpy(tmp, t->blob, used);
  }
  {
    uint32_t o = 0;
    t->off[0] = 0;
    for (uint32_t id = 1; id < n; id++) {
      if (tmp) memcpy(t->blob + o, tmp + start[id], len[id]);
      t->off[id] = o;
      o += len[id];
      if (len[id] > t->max_len) t->max_len = len[id];
    }
    t->off[n] = o;
  }
  rc = tk_build(t, path, lines, err);
  if (rc != RWKV_OK) goto fail;
  free(tmp);
  free(start);
  free(len);
  free(lines);
  *out = t;
  return RWKV_OK;
fail:
  free(tmp);
  free(start);
  free(len);
  free(lines);
  rwkv_tokenizer_free(t);
  return rc;
}

int rwkv_tokenizer_load_vocab(const char *path, rwkv_tokenizer **out, rwkv_error *err) {
  if (!out || !path) return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv_tokenizer_load_vocab: NULL argument");
  *out = NULL;
  /* O_NONBLOCK: a FIFO must not hang the open; only regular files are read
     (a directory opens fine with fopen and reports a nonsense size). */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return rwkv_errorf(err, RWKV_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    int dir = S_ISDIR(st.st_mode);
    close(fd);
    return rwkv_errorf(err, RWKV_ERR_IO, "%s: %s, not a vocabulary file", path,
                       dir ? "is a directory" : "not a regular file");
  }
  FILE *fp = fdopen(fd, "rb");
  if (!fp) {
    close(fd);
    return rwkv_errorf(err, RWKV_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  }
  long sz = -1;
  if (fseek(fp, 0, SEEK_END) == 0) sz = ftell(fp);
  if (sz < 0 || fseek(fp, 0, SEEK_SET) != 0) {
    fclose(fp);
    return rwkv_errorf(err, RWKV_ERR_IO, "%s: cannot determine size", path);
  }
  if ((unsigned long)sz > (unsigned long)UINT32_MAX) {
    fclose(fp);
    return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: %ld bytes is too large for a vocabulary", path,
                       sz);
  }
  size_t size = (size_t)sz;
  char *text = malloc(size + 1);
  if (!text) {
    fclose(fp);
    return rwkv_errorf(err, RWKV_ERR_NOMEM, "%s: out of memory (%zu bytes)", path, size);
  }
  if (fread(text, 1, size, fp) != size) {
    free(text);
    fclose(fp);
    return rwkv_errorf(err, RWKV_ERR_IO, "%s: read failed", path);
  }
  fclose(fp);
  int rc = vocab_parse(text, size, path, out, err);
  free(text);
  return rc;
}

int rwkv_tokenizer_load_vocab_memory(const void *data, size_t size, const char *name,
                                     rwkv_tokenizer **out, rwkv_error *err) {
  if (!out || (!data && size))
    return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv_tokenizer_load_vocab_memory: NULL argument");
  *out = NULL;
  if (!name) name = "<memory>";
  if (size > (size_t)UINT32_MAX)
    return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: %zu bytes is too large for a vocabulary", name,
                       size);
  char *text = malloc(size + 1);
  if (!text) return rwkv_errorf(err, RWKV_ERR_NOMEM, "%s: out of memory (%zu bytes)", name, size);
  if (size) memcpy(text, data, size);
  int rc = vocab_parse(text, size, name, out, err);
  free(text);
  return rc;
}

/* ------------------------------------------------------ token lists (GGUF) */

int rwkv_tokenizer_from_tokens_typed(const gguf_str *tokens, const int32_t *types, uint64_t n,
                                     int escaped, const char *name, rwkv_tokenizer **out,
                                     rwkv_error *err) {
  if (!name) name = "tokens";
  if (!out || (!tokens && n)) return rwkv_errorf(err, RWKV_ERR_ARG, "%s: NULL argument", name);
  *out = NULL;
  if (n == 0) return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: empty token list", name);
  if (n >= (uint64_t)INT32_MAX)
    return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: %llu tokens is too many", name,
                       (unsigned long long)n);
  uint64_t total = 0;
  for (uint64_t i = 0; i < n; i++) {
    if (tokens[i].len > 0 && !tokens[i].ptr)
      return rwkv_errorf(err, RWKV_ERR_ARG, "%s: token %llu has no data", name,
                         (unsigned long long)i);
    total += tokens[i].len;
    if (total > UINT32_MAX)
      return rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: tokens total more than 4 GiB", name);
  }
  rwkv_tokenizer *t = tk_alloc((uint32_t)n, (size_t)total);
  if (!t) return rwkv_errorf(err, RWKV_ERR_NOMEM, "%s: out of memory", name);
  uint32_t o = 0;
  int rc;
  for (uint64_t i = 0; i < n; i++) {
    t->off[i] = o;
    if (types && (types[i] == RWKV_TOKEN_TYPE_CONTROL || types[i] == RWKV_TOKEN_TYPE_UNUSED))
      continue;
    const uint8_t *p = (const uint8_t *)tokens[i].ptr;
    size_t l = (size_t)tokens[i].len, got = l;
    char why[128];
    if (escaped) {
      if (unescape_gguf(p, l, (uint8_t *)t->blob + o, &got, why, sizeof why) != 0) {
        rc = rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: token %llu \"%.*s\": %s", name,
                         (unsigned long long)i, (int)(l < 60 ? l : 60), (const char *)p, why);
        goto fail;
      }
    } else if (l) {
      memcpy(t->blob + o, p, l);
    }
    if (got == 0) {
      rc = rwkv_errorf(err, RWKV_ERR_FORMAT, "%s: token %llu is empty", name,
                       (unsigned long long)i);
      goto fail;
    }
    o += (uint32_t)got;
    if (got > t->max_len) t->max_len = got;
  }
  t->off[n] = o;
  rc = tk_build(t, name, NULL, err);
  if (rc != RWKV_OK) goto fail;
  *out = t;
  return RWKV_OK;
fail:
  rwkv_tokenizer_free(t);
  return rc;
}

int rwkv_tokenizer_from_tokens(const gguf_str *tokens, uint64_t n, int escaped, const char *name,
                               rwkv_tokenizer **out, rwkv_error *err) {
  return rwkv_tokenizer_from_tokens_typed(tokens, NULL, n, escaped, name, out, err);
}

/* ------------------------------------------------------- encode / decode */

int rwkv_tokenize(const rwkv_tokenizer *t, const void *text, size_t len, int32_t *ids,
                  size_t *n_ids, rwkv_error *err) {
  if (!t || !n_ids || (len && (!text || !ids)))
    return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv_tokenize: NULL argument");
  const uint8_t *p = text;
  const tk_cell *da = t->da;
  size_t pos = 0, n = 0;
  while (pos < len) {
    /* Walk as far as the trie goes, remembering the last terminal node. */
    uint32_t s = 0, last = 0;
    size_t i = pos, end = pos;
    do {
      uint32_t u = da[s].base + p[i];
      uint32_t c = da[u].check;
      if ((c >> 1) != s) break;
      s = u;
      i++;
      if (c & 1) {
        last = u;
        end = i;
      }
    } while (i < len);
    int32_t best = last ? t->value[last] : -1;
    if (best < 0) {
      *n_ids = n;
      return rwkv_errorf(err, RWKV_ERR_ARG,
                         "rwkv_tokenize: byte 0x%02x at offset %zu has no token in the vocabulary",
                         p[pos], pos);
    }
    ids[n++] = best;
    pos = end;
  }
  *n_ids = n;
  return RWKV_OK;
}

int rwkv_token_bytes(const rwkv_tokenizer *t, int32_t id, const char **bytes, size_t *len,
                     rwkv_error *err) {
  if (!t || !bytes || !len) return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv_token_bytes: NULL argument");
  if (id < 0 || (uint32_t)id >= t->n)
    return rwkv_errorf(err, RWKV_ERR_ARG, "token id %d out of range (vocab size %u)", id, t->n);
  *bytes = t->blob + t->off[id];
  *len = t->off[id + 1] - t->off[id];
  return RWKV_OK;
}

int rwkv_detokenize(const rwkv_tokenizer *t, const int32_t *ids, size_t n, char *out, size_t cap,
                    size_t *out_len, rwkv_error *err) {
  if (!t || !out_len || (n && !ids) || (cap && !out))
    return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv_detokenize: NULL argument");
  size_t need = 0;
  for (size_t i = 0; i < n; i++) {
    int32_t id = ids[i];
    if (id < 0 || (uint32_t)id >= t->n)
      return rwkv_errorf(err, RWKV_ERR_ARG,
                         "rwkv_detokenize: token id %d at index %zu out of range (vocab size %u)",
                         id, i, t->n);
    need += t->off[id + 1] - t->off[id];
  }
  *out_len = need;
  if (need > cap)
    return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv_detokenize: output needs %zu bytes, buffer has %zu",
                       need, cap);
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t a = t->off[ids[i]], b = t->off[ids[i] + 1];
    memcpy(out + o, t->blob + a, b - a);
    o += b - a;
  }
  return RWKV_OK;
}

int rwkv_token_escape(const void *bytes, size_t len, char *out, size_t cap, size_t *out_len,
                      rwkv_error *err) {
  if (!out_len || (len && !bytes) || (cap && !out))
    return rwkv_errorf(err, RWKV_ERR_ARG, "rwkv_token_escape: NULL argument");
  const uint8_t *p = bytes;
  /* CPython bytes repr: quote with " only when ' occurs and " does not. */
  int has_sq = memchr(p, '\'', len) != NULL, has_dq = memchr(p, '"', len) != NULL;
  int esc_sq = !(has_sq && !has_dq);
  static const char hex[] = "0123456789abcdef";
  size_t o = 0;
  for (int pass = 0; pass < 2; pass++) {
    o = 0;
    for (size_t i = 0; i < len; i++) {
      uint8_t c = p[i];
      char buf[4];
      size_t m;
      if (c == '\\') { buf[0] = '\\'; buf[1] = '\\'; m = 2; }
      else if (c == '\'' && esc_sq) { buf[0] = '\\'; buf[1] = '\''; m = 2; }
      else if (c == '\t') { buf[0] = '\\'; buf[1] = 't'; m = 2; }
      else if (c == '\n') { buf[0] = '\\'; buf[1] = 'n'; m = 2; }
      else if (c == '\r') { buf[0] = '\\'; buf[1] = 'r'; m = 2; }
      else if (c < 0x20 || c >= 0x7f) {
        buf[0] = '\\'; buf[1] = 'x'; buf[2] = hex[c >> 4]; buf[3] = hex[c & 15]; m = 4;
      } else { buf[0] = (char)c; m = 1; }
      if (pass == 1) memcpy(out + o, buf, m);
      o += m;
    }
    if (pass == 0) {
      *out_len = o;
      if (o > cap)
        return rwkv_errorf(err, RWKV_ERR_ARG,
                           "rwkv_token_escape: output needs %zu bytes, buffer has %zu", o, cap);
    }
  }
  return RWKV_OK;
}
