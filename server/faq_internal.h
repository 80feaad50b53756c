/* Internal to faq*.c: normalisation, the keyword compiler shared by entries and
 * phrase lists, and the literal prefilter, so each lives in its own file. */
#ifndef PARLEY_FAQ_INTERNAL_H
#define PARLEY_FAQ_INTERNAL_H

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>
#include <stddef.h>
#include <stdint.h>
#include "parley/faq.h"

#define KW_OPTS (PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS | PCRE2_MATCH_INVALID_UTF)
#define FAQ_TEXT_MAX 4096      /* bytes of a message considered for matching */

struct sb { char *p; size_t len, cap; int oom; };   /* a growing string */
void faq__sb_addn(struct sb *b, const char *s, size_t n);
void faq__sb_add(struct sb *b, const char *s);

/* faq_norm.c. Keyword form: case folded (NFKC), apostrophes removed, every
 * character that is not a letter, digit, mark or '_' a single space, trimmed;
 * NORM_FOLD also strips diacritics, NORM_STAR keeps '*' (keywords). Both sides
 * of a keyword match go through it, so they meet. Caller frees; NULL on OOM. */
#define NORM_FOLD 1
#define NORM_STAR 2
char *faq__norm(const char *in, size_t n, int flags, size_t *len_out);
/* Pattern form (admin regexes, caseless): NFC, apostrophes unified to ', white
 * space collapsed, capped at FAQ_TEXT_MAX. Caller frees. */
char *faq__norm_pat(const char *in, size_t *len_out);
/* NFC of an admin's pattern source (so a decomposed é in it still matches). */
char *faq__nfc(const char *in);

/* Appends the regex of a keyword already in keyword form; <0 when it has no
 * word or a '*' that does not end one. Counts words and code points. */
int faq__kw_regex(struct sb *b, const char *kw, int *words, int *letters);
pcre2_code *faq__compile(const char *re, uint32_t opts, int *err, char *why, size_t len);
/* Compiles without JIT; faq__jit() adds it (a no-op under PARLEY_NO_JIT). */
pcre2_code *faq__compile_nojit(const char *re, uint32_t opts, int *err, char *why, size_t len);
void faq__jit(pcre2_code *c);

/* faq_prefilter.c: which programs could match a message. A ref names program
 * `prog` of entry `entry` (keywords first, then patterns) and the byte offset of
 * the text before which it cannot match (0 when not known). */
struct faq_ref { uint32_t entry, prog, at; };
struct faq_pf;
struct faq_pf *faq__pf_new(void);
void faq__pf_free(struct faq_pf *p);
/* Registers a keyword (keyword form) of a plain or folding entry: its longest
 * word is a whole token of the text, or its longest stem a token's prefix. */
int faq__pf_add_keyword(struct faq_pf *p, const char *kw, int fold, struct faq_ref r);
/* faq_literals.c: what each top-level alternative of a regex requires, as sets
 * of literals in keyword form (one of each set must occur). Returns 0, 1 when
 * the regex cannot be read (it must then always run), -1 out of memory. */
struct faq_req { char **lits; size_t *set_of; size_t n_lits, n_sets; };
int faq__regex_requirements(const char *re, struct faq_req **out, size_t *n);
void faq__req_free(struct faq_req *v, size_t n);

/* Registers an admin pattern by what it requires (faq__regex_requirements),
 * filed under a literal's rarest trigram; a pattern without one always runs. */
int faq__pf_add_pattern(struct faq_pf *p, const char *re, struct faq_ref r);
int faq__pf_finish(struct faq_pf *p);   /* 0, or -1 out of memory */
/* Fills out (up to cap) with the refs to run, sorted and unique (the smallest
 * `at` kept); returns their
 * count, or SIZE_MAX when they do not fit (the caller then runs everything). */
size_t faq__pf_query(const struct faq_pf *p, const char *kw, size_t kw_len, const char *fold,
                     size_t fold_len, struct faq_ref *out, size_t cap);

/* faq_match without the prefilter (every program runs): for tests only. */
int faq__match_all(const struct faq_set *s, const char *text, const char *locale,
                   struct faq_match *out);

/* A compiled set, shared by faq.c (building) and faq_match.c (matching). */
struct kw { pcre2_code *re; const char *src; char *norm; double score, idf; size_t order; };
struct centry {
    struct faq_entry e;
    struct kw *kw; size_t n_kw;       /* most specific first */
    pcre2_code **pat; size_t n_pat;
    int fold;                         /* keywords match the diacritic-folded text */
};
struct faq_set {   /* md and refs are shared: faq_match is not for concurrent use */
    struct centry *v; size_t n;
    pcre2_match_context *mctx; pcre2_match_data *md;
    double threshold, margin;
    struct faq_pf *pf;
    struct faq_ref *refs; size_t refs_cap;
    int has_fold, has_pat;
    /* Entry i's programs are JIT-compiled on its first match (faq__jit_entry),
     * not at build: JIT was two thirds of a restart with 1,000 entries, and the
     * prefilter runs only the programs that could match. */
    unsigned char *jitted;
};

#endif
