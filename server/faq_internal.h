/* Internal to faq*.c: the keyword compiler shared by entries and phrase lists. */
#ifndef PARLEY_FAQ_INTERNAL_H
#define PARLEY_FAQ_INTERNAL_H

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>
#include <stddef.h>
#include <stdint.h>

#define KW_OPTS (PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS | PCRE2_MATCH_INVALID_UTF)

struct sb { char *p; size_t len, cap; int oom; };   /* a growing string */
void faq__sb_addn(struct sb *b, const char *s, size_t n);
void faq__sb_add(struct sb *b, const char *s);
/* The text as matched: apostrophes unified, whitespace collapsed. Caller frees. */
char *faq__normalise(const char *in, size_t *len_out);
/* Appends a keyword's regex; <0 for a malformed keyword. */
int faq__kw_regex(struct sb *b, const char *kw, int *words, int *letters);
pcre2_code *faq__compile(const char *re, uint32_t opts, int *err, char *why, size_t len);

#endif
