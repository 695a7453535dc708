/* emailtext.h - deterministic English email-like text for the benchmarks
 * (bench/tokenizer.c and tools/bench.c). Header-only (static functions) so both
 * programs share it without a build change; it needs nothing from the engine.
 *
 * The two programs have always generated slightly different text (line ends, a
 * quoted reply, the word and punctuation lists); emailtext_style keeps both
 * exactly, so the numbers recorded with either stay comparable. */
#ifndef RWKV_BENCH_EMAILTEXT_H
#define RWKV_BENCH_EMAILTEXT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct emailtext_style {
  const char *eol;  /* line end: "\r\n" or "\n" */
  int quote;        /* 1: about a third of the emails quote an earlier one before the signature */
  int unique_words; /* 1: body words come from the word list without its two repeated words */
  int rich_punct;   /* 1: sentences may also end in ',', ';' or ':' */
  size_t slack;     /* buffer bytes past size: an email that does not fit in it is cut short */
} emailtext_style;

typedef struct emailtext_gen {
  uint64_t s;
  char *buf;
  size_t len, cap;
} emailtext_gen;

static uint32_t emailtext_rand(emailtext_gen *g) {
  g->s = g->s * 6364136223846793005ULL + 1442695040888963407ULL;
  return (uint32_t)(g->s >> 33);
}

static void emailtext_put(emailtext_gen *g, const char *s) {
  size_t n = strlen(s);
  if (g->len + n > g->cap) return;
  memcpy(g->buf + g->len, s, n);
  g->len += n;
}

static const char *emailtext_pick(emailtext_gen *g, const char *const *v, size_t n) {
  return v[emailtext_rand(g) % n];
}

#define EMAILTEXT_PICK(g, v) emailtext_pick(g, v, sizeof v / sizeof v[0])

/* Whole emails until at least `size` bytes (the last one runs past size); malloc'd, not
 * NUL-terminated; NULL when out of memory. */
static char *emailtext_make(size_t size, const emailtext_style *st, size_t *len) {
  static const char *const first[] = {"Jon", "Maria", "Alex", "Priya", "Chen", "Sarah", "Tom",
                                      "Fatima", "Lukas", "Emma", "Diego", "Olivia"};
  static const char *const last[] = {"Park", "Garcia", "Smith", "Patel", "Wang", "Miller",
                                     "Novak", "Okafor", "Schmidt", "Brown"};
  static const char *const domain[] = {"example.com", "corp.example.org", "mail.example.net",
                                       "acme.io"};
  static const char *const subj[] = {"Meeting moved to Thursday", "Re: Q3 budget review",
                                     "Fwd: contract draft", "Quick question about the release",
                                     "Re: Re: travel plans", "Invoice #4821", "Team offsite agenda",
                                     "Update on the hiring plan"};
  static const char *const greet[] = {"Hi all,", "Hello", "Dear team,", "Hi", "Good morning,",
                                      "Hey"};
  static const char *const words[] = {
      "the", "project", "meeting", "we", "will", "need", "to", "review", "budget", "before",
      "next", "week", "please", "send", "me", "your", "comments", "on", "draft", "and", "let",
      "know", "if", "you", "have", "any", "questions", "about", "schedule", "I", "think", "it",
      "would", "be", "good", "a", "call", "with", "customer", "team", "is", "working", "new",
      "release", "which", "should", "ready", "by", "Friday", "thanks", "for", "help", "our",
      "plan", "for", "quarter", "includes", "hiring", "two", "engineers", "designer", "update",
      "report", "attached", "as", "discussed", "yesterday", "can", "confirm", "time", "room",
      "agenda", "also", "follow", "up", "invoice", "payment", "this", "that", "there", "are",
      "some", "issues", "with", "server", "deployment", "were", "fixed", "last", "night",
      "everyone", "information", "important", "decision", "approval", "manager", "office",
      "Monday", "Tuesday", "afternoon", "morning", "minutes", "notes", "document", "shared"};
  static const char *const punct_rich[] = {".", ".", ".", ",", "?", "!", ";", ":"};
  static const char *const punct_plain[] = {".", ".", ".", "?", "!"};
  static const char *const sign[] = {"Best,", "Thanks,", "Regards,", "Cheers,", "Best regards,"};
  const size_t n_words_all = sizeof words / sizeof words[0];
  const char *body[sizeof words / sizeof words[0]];
  size_t n_body = 0;
  for (size_t i = 0; i < n_words_all; i++) {
    int seen = 0;
    for (size_t j = 0; j < i && st->unique_words && !seen; j++) seen = strcmp(words[i], words[j]) == 0;
    if (!seen) body[n_body++] = words[i];
  }
  const char *const *punct = st->rich_punct ? punct_rich : punct_plain;
  const size_t n_punct = st->rich_punct ? sizeof punct_rich / sizeof punct_rich[0]
                                        : sizeof punct_plain / sizeof punct_plain[0];
  const char *nl = st->eol;
  emailtext_gen g = {2024, malloc(size + st->slack), 0, size + st->slack};
  if (!g.buf) return NULL;
  char tmp[256];
  while (g.len < size) {
    const char *f1 = EMAILTEXT_PICK(&g, first), *l1 = EMAILTEXT_PICK(&g, last), *d1 = EMAILTEXT_PICK(&g, domain);
    const char *f2 = EMAILTEXT_PICK(&g, first), *d2 = EMAILTEXT_PICK(&g, domain);
    /* draws in the order the original single snprintf call evaluated them (GCC: last first) */
    const uint32_t minute = emailtext_rand(&g) % 60, hour = emailtext_rand(&g) % 24;
    const char *month = emailtext_rand(&g) % 2 ? "Mar" : "Oct";
    const uint32_t day = 1 + emailtext_rand(&g) % 28;
    snprintf(tmp, sizeof tmp, "From: %s %s <%c.%s@%s>%sTo: %s@%s%sDate: %u %s 2024 %02u:%02u%s", f1, l1,
             f1[0] | 0x20, l1, d1, nl, f2, d2, nl, day, month, hour, minute, nl);
    emailtext_put(&g, tmp);
    const char *gr = EMAILTEXT_PICK(&g, greet), *su = EMAILTEXT_PICK(&g, subj);
    snprintf(tmp, sizeof tmp, "Subject: %s%s%s%s %s%s%s", su, nl, nl, gr, f2, nl, nl);
    emailtext_put(&g, tmp);
    int paras = 1 + (int)(emailtext_rand(&g) % 4);
    for (int p = 0; p < paras; p++) {
      int sents = 1 + (int)(emailtext_rand(&g) % 5);
      for (int s = 0; s < sents; s++) {
        int nw = 4 + (int)(emailtext_rand(&g) % 14);
        for (int w = 0; w < nw; w++) {
          const char *wd = emailtext_pick(&g, body, n_body);
          if (w == 0) {
            snprintf(tmp, sizeof tmp, "%c%s", wd[0] >= 'a' ? wd[0] - 32 : wd[0], wd + 1);
            emailtext_put(&g, tmp);
          } else {
            emailtext_put(&g, " ");
            if (emailtext_rand(&g) % 40 == 0) {
              snprintf(tmp, sizeof tmp, "%u", emailtext_rand(&g) % 2000);
              emailtext_put(&g, tmp);
            } else {
              emailtext_put(&g, wd);
            }
          }
          if (w + 1 < nw && emailtext_rand(&g) % 12 == 0) emailtext_put(&g, ",");
        }
        emailtext_put(&g, emailtext_pick(&g, punct, n_punct));
        emailtext_put(&g, " ");
      }
      emailtext_put(&g, nl);
      emailtext_put(&g, nl);
    }
    if (st->quote && emailtext_rand(&g) % 3 == 0) {
      const char *w3 = emailtext_pick(&g, body, n_body), *w2 = emailtext_pick(&g, body, n_body),
                 *w1 = emailtext_pick(&g, body, n_body);
      snprintf(tmp, sizeof tmp, "> On Monday, %s wrote:%s> %s %s %s.%s%s", f2, nl, w1, w2, w3, nl, nl);
      emailtext_put(&g, tmp);
    }
    snprintf(tmp, sizeof tmp, "%s%s%s%s-- %s%s %s | %s%s%s", EMAILTEXT_PICK(&g, sign), nl, f1, nl, nl, f1, l1,
             d1, nl, nl);
    emailtext_put(&g, tmp);
  }
  *len = g.len;
  return g.buf;
}

#endif
