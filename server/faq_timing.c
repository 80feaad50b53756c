/*
 * faq_bench_median_ns: how long one faq_match takes against a large synthetic
 * FAQ, callable from a unit test or a benchmark without either having to invent
 * entries. Deterministic (a fixed LCG), so runs compare.
 *
 * Each synthetic entry has a locale of the five demo languages, 10 keywords (six
 * words, two with '*', three two-word phrases, one starred phrase) drawn from a
 * vocabulary of 6,000 invented words in Latin or Cyrillic letters, and one
 * pattern with a required literal. A message is ~200 characters: filler words
 * no entry uses, plus three or four words of one entry, as a visitor writes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "parley/faq.h"

#define VOCAB 6000
#define MESSAGES 16

static uint32_t lcg(uint32_t *s) { return (*s = *s * 1664525u + 1013904223u) >> 8; }

/* An invented word of 2-4 syllables; Cyrillic when cyr. */
static void word(uint32_t *seed, int cyr, char *out, size_t cap)
{
    static const char *const lat[] = { "ka", "lo", "mi", "ne", "ru", "ta", "vo", "si", "de", "bu",
                                       "ga", "ho", "pe", "ly", "wy", "dd", "ch", "ff", "ng", "ŵy" };
    static const char *const cyr_s[] = { "ка", "ло", "ми", "не", "ру", "та", "во", "сі", "де", "бу",
                                         "га", "хо", "пе", "їж", "ть", "шу", "өр", "үн", "жа", "цє" };
    size_t n = 2 + lcg(seed) % 3, o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const char *syl = (cyr ? cyr_s : lat)[lcg(seed) % 20];
        o += (size_t)snprintf(out + o, cap - o, "%s", syl);
    }
}

struct synth { char **vocab; struct faq_entry *e; size_t n; char *msgs[MESSAGES]; const char *loc[MESSAGES]; };

static void synth_free(struct synth *s)
{
    for (size_t i = 0; s->e && i < s->n; i++) faq_entry_free(&s->e[i]);
    for (size_t i = 0; s->vocab && i < VOCAB; i++) free(s->vocab[i]);
    for (size_t i = 0; i < MESSAGES; i++) free(s->msgs[i]);
    free(s->e); free(s->vocab);
}

static char *dupf(const char *a, const char *b, const char *c)
{
    size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
    char *d = malloc(n);
    if (d) snprintf(d, n, "%s%s%s", a, b, c);
    return d;
}

static const char *const locales[] = { "en", "uk", "cy", "tl", "mn" };

static int make_entry(struct synth *s, size_t i, uint32_t *seed)
{
    struct faq_entry *e = &s->e[i];
    char id[32];
    int cyr = i % 5 == 1 || i % 5 == 4;
    const char *w[13];
    for (size_t k = 0; k < 13; k++) w[k] = s->vocab[(lcg(seed) % (VOCAB / 2)) * 2 + (size_t)cyr];
    snprintf(id, sizeof(id), "synthetic-%zu", i);
    e->weight = 1.0;
    e->id = dupf(id, "", ""), e->locale = dupf(locales[i % 5], "", "");
    e->question = dupf("Question ", id, "?"), e->answer = dupf("Answer ", id, ".");
    e->keywords = calloc(10, sizeof(*e->keywords));
    e->patterns = calloc(1, sizeof(*e->patterns));
    if (!e->id || !e->locale || !e->question || !e->answer || !e->keywords || !e->patterns) return -1;
    e->n_keywords = 10, e->n_patterns = 1;
    for (size_t k = 0; k < 6; k++) e->keywords[k] = dupf(w[k], k < 2 ? "*" : "", "");
    for (size_t k = 6; k < 9; k++) e->keywords[k] = dupf(w[k], " ", w[k + 3]);
    e->keywords[9] = dupf(w[12], "* ", w[5]);
    e->patterns[0] = dupf("\\b", w[0], "\\b.*\\b(?:yes|no|maybe)\\b");
    for (size_t k = 0; k < 10; k++) if (!e->keywords[k]) return -1;
    return e->patterns[0] ? 0 : -1;
}

/* ~200 characters: filler and a few words of entry `target`. */
static char *make_message(const struct synth *s, size_t target, int cyr, uint32_t *seed)
{
    static const char *const lat[] = { "hello", "please", "could", "you", "tell", "me", "about",
                                       "the", "thing", "I", "bought", "last", "week", "thanks" };
    static const char *const cyr_f[] = { "привіт", "будь", "ласка", "скажіть", "мені", "про",
                                         "річ", "яку", "я", "купила", "минулого", "тижня", "дякую" };
    char *m = malloc(512);
    size_t o = 0, chars = 0, put = 0;
    const struct faq_entry *e = &s->e[target];
    if (!m) return NULL;
    while (chars < 200) {
        const char *w;
        if (put < 4 && lcg(seed) % 4 == 0) {
            w = e->keywords[2 + put++];
        } else {
            w = cyr ? cyr_f[lcg(seed) % 13] : lat[lcg(seed) % 14];
        }
        if (o + strlen(w) + 2 >= 512) break;
        o += (size_t)snprintf(m + o, 512 - o, "%s%s", o ? " " : "", w);
        chars = 0;
        for (size_t i = 0; i < o; i++) chars += ((unsigned char)m[i] & 0xC0) != 0x80;
    }
    return m;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double faq_bench_median_ns(size_t entries, size_t iterations)
{
    struct synth s = { .n = 0 };
    uint32_t seed = 12345;
    double median = -1, *t = iterations ? malloc(iterations * sizeof(*t)) : NULL;
    struct faq_set *set = NULL;
    char field[64], msg[256];
    s.vocab = calloc(VOCAB, sizeof(*s.vocab));
    s.e = calloc(entries ? entries : 1, sizeof(*s.e));
    if (!t || !s.vocab || !s.e || !entries) goto done;
    for (size_t i = 0; i < VOCAB; i++) {
        char w[64];
        word(&seed, (int)(i % 2), w, sizeof(w));
        if (!(s.vocab[i] = dupf(w, "", ""))) goto done;
    }
    for (s.n = 0; s.n < entries; s.n++)
        if (make_entry(&s, s.n, &seed) < 0) { s.n++; goto done; }
    for (size_t i = 0; i < MESSAGES; i++) {
        size_t target = lcg(&seed) % entries;
        s.loc[i] = locales[target % 5];
        if (!(s.msgs[i] = make_message(&s, target, target % 5 == 1 || target % 5 == 4, &seed))) goto done;
    }
    if (faq_build(s.e, s.n, &set, field, sizeof(field), msg, sizeof(msg)) != PL_OK) {
        fprintf(stderr, "faq_bench: %s: %s\n", field, msg);
        goto done;
    }
    struct faq_match m;
    for (size_t i = 0; i < MESSAGES; i++) faq_match(set, s.msgs[i], s.loc[i], &m);   /* warm */
    for (size_t i = 0; i < iterations; i++) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        faq_match(set, s.msgs[i % MESSAGES], s.loc[i % MESSAGES], &m);
        clock_gettime(CLOCK_MONOTONIC, &b);
        t[i] = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
    }
    qsort(t, iterations, sizeof(*t), cmp_double);
    median = t[iterations / 2];
done:
    faq_free(set);
    synth_free(&s);
    free(t);
    return median;
}
