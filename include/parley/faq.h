/*
 * The FAQ auto-responder's matcher.
 *
 * An entry (contract: id, locale, question, answer, keywords, patterns) is compiled
 * once into PCRE2 programs (UTF + UCP, JIT where available): keywords become
 * word-bounded alternatives in any script, a trailing '*' any ending. Keywords and
 * messages are normalised alike first (faq_normalise: Unicode case folding, NFKC,
 * apostrophes and punctuation), so caseless matching is by folding; a literal
 * prefilter runs only the programs that could match. A faq_set is immutable once built; the conversation layer swaps in a new
 * one when the admin edits the FAQ, so matching never sees a half-edited set.
 * JSON decoding of entries lives in proto_faq.c, not here.
 */
#ifndef PARLEY_FAQ_H
#define PARLEY_FAQ_H

#include <stddef.h>
#include "parley/common.h"

struct faq_entry {
    char *id, *locale, *question, *answer;   /* locale may be NULL (any language) */
    char **keywords; size_t n_keywords;
    char **patterns; size_t n_patterns;
    double weight;                           /* optional "weight", default 1.0 */
    int fold_diacritics;                     /* FAQ_FOLD_*: "fold_diacritics" true/false/absent */
    int64_t team;                            /* optional "team": a handoff after this
                                                answer goes to that team; 0: none */
};
/* Diacritic folding of an entry's keywords and the text they meet (ŵ = w, ї = і,
 * ñ = n). Patterns always see the text unfolded. */
enum { FAQ_FOLD_DEFAULT = 0, FAQ_FOLD_ON = 1, FAQ_FOLD_OFF = 2 };
/* The choice for entries left at FAQ_FOLD_DEFAULT, for sets built after the call
 * (process-wide; off unless set). */
void faq_set_default_fold_diacritics(int on);
void faq_entry_free(struct faq_entry *e);      /* frees the members, not e itself */
/* Deep copy; PL_ERR_NOMEM on failure (dst is then empty). */
pl_status faq_entry_copy(struct faq_entry *dst, const struct faq_entry *src);

/* Checks one entry without building a set: on failure fills `field` with the
 * offending field ("id", "answer", "keywords[2]", "patterns[0]") and `msg` with
 * a human sentence (a pattern's PCRE2 error and offset), and returns
 * PL_ERR_BAD_REQUEST. */
pl_status faq_validate(const struct faq_entry *e, char *field, size_t field_len,
                       char *msg, size_t msg_len);

struct faq_set;
/* Compiles copies of the entries. Fails like faq_validate, naming the entry id
 * in msg; *out is untouched on failure. It does not run faq_validate's slow-
 * pattern probes: entries are validated when they are saved or imported. */
pl_status faq_build(const struct faq_entry *entries, size_t n, struct faq_set **out,
                    char *field, size_t field_len, char *msg, size_t msg_len);
void faq_free(struct faq_set *s);
size_t faq_count(const struct faq_set *s);
const struct faq_entry *faq_at(const struct faq_set *s, size_t i);
const struct faq_entry *faq_find(const struct faq_set *s, const char *id);

#define FAQ_MAX_MATCHED 8
#define FAQ_MAX_CHOICES 3
struct faq_match {
    const struct faq_entry *entry;       /* the answer, or NULL */
    double score;
    const char *matched[FAQ_MAX_MATCHED];/* the keywords/patterns that hit (entry's strings) */
    size_t n_matched;
    /* When the best two (or three) are too close to call: entry == NULL and these
     * are the candidates, best first. */
    const struct faq_entry *choices[FAQ_MAX_CHOICES];
    size_t n_choices;
};
/* Finds the best entry for a visitor's text. Entries of the visitor's locale
 * (primary subtag, "en-GB" ~ "en") are preferred; entries without a locale match
 * for everyone. Returns 1 with out->entry set when an entry scores at or above the
 * threshold with a clear margin, 2 when out->choices are offered, 0 otherwise. */
int faq_match(const struct faq_set *s, const char *text, const char *locale,
              struct faq_match *out);

/* 1 when the text asks for a human ("human", "agent", "talk to a person",
 * "людина", "оператор", "person go iawn", "tao", "хүн"...), else 0. */
int faq_is_human_request(const char *text);

/* The admin's extra human-request phrases (the `human_phrases` setting), added
 * to the built-in lists: each a keyword-syntax phrase (words, '*' endings) of
 * 1 to 100 characters, at most 200 of them. */
#define FAQ_MAX_EXTRA_PHRASES 200
#define FAQ_PHRASE_MIN_CHARS 1
#define FAQ_PHRASE_MAX_CHARS 100
/* Compiles the built-in phrase lists and greetings (start-up; a first match does
 * it too). PL_ERR_NOMEM when they cannot be compiled. */
pl_status faq_phrases_init(void);
/* Checks a list of extra phrases with the keyword compiler, changing nothing. On
 * failure PL_ERR_BAD_REQUEST, field "human_phrases[3]" (or "human_phrases" when
 * there are too many) and msg saying why. */
pl_status faq_check_human_phrases(const char *const *v, size_t n, char *field, size_t flen,
                                  char *msg, size_t mlen);
/* Replaces the extra phrases (copied; n == 0 leaves only the built-ins) and
 * recompiles faq_is_human_request's program. Fails like faq_check_human_phrases,
 * or PL_ERR_NOMEM; the previous phrases then stay in force. Not for concurrent
 * use with matching (the event loop is the only caller). */
pl_status faq_set_extra_human_phrases(const char *const *v, size_t n, char *field, size_t flen,
                                      char *msg, size_t mlen);
/* The extra phrases in force, as given; valid until the next change. */
size_t faq_extra_human_phrases(const char *const **out);
/* Frees the compiled lists (a later match compiles the built-ins again). */
void faq_phrases_free(void);
/* The stored form of `human_phrases` (a JSON array of strings) applied with
 * faq_set_extra_human_phrases; fails like it, or PL_ERR_BAD_REQUEST with field
 * "human_phrases" when the text is not such an array. The JSON side lives in
 * proto_rest.c (only proto*.c use Jansson). */
pl_status faq_apply_stored_human_phrases(const char *json, char *field, size_t flen, char *msg,
                                         size_t mlen);

/* 1 when the whole message is a greeting ("hello there", "привіт", "shwmae",
 * "kumusta", "сайн байна уу"): the bot greets back instead of counting a miss. */
int faq_is_greeting(const char *text);

/* Scoring knobs (defaults: threshold 1.0, margin 0.2 as a share of the best).
 * Each hit counts its specificity (a phrase more than a word, a long word more
 * than a short one) times an IDF factor 1 / (1 + 0.5 ln df), df the number of
 * entries of that language sharing the keyword, times the entry's weight and the
 * locale factor. The threshold applies to the sum without IDF (a word two
 * entries share is still evidence that one of them is meant, and offers both);
 * ranking and the margin use the sum with it, reported as score. */
void faq_set_thresholds(struct faq_set *s, double threshold, double margin);

/* The keyword form of a text (what keywords are matched against), for tests and
 * the admin's preview; fold_diacritics strips accents too. Caller frees; NULL on
 * out of memory. */
char *faq_normalise(const char *text, int fold_diacritics);

/* Median nanoseconds of one faq_match of a ~200-character message against a set
 * of `entries` synthetic entries (10 keywords and a pattern each, five scripts),
 * over `iterations` timed calls; negative on failure. For benchmarks. */
double faq_bench_median_ns(size_t entries, size_t iterations);

#endif
