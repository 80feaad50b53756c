/*
 * Phrase lists the bot recognises in any FAQ: asking for a person, and greeting.
 *
 * Each list is compiled into one PCRE2 alternation with the same keyword syntax
 * and normalisation as FAQ entries ('*' = any ending, word-bounded in every
 * script, case folded, apostrophes and punctuation aside). Words that are
 * ordinary inside a longer sentence ("person", "tao", "хүн") only count when
 * they are nearly the whole message.
 *
 * faq_phrases_init() compiles the built-in lists (start-up calls it; a first
 * match does too, for tests and tools). The admin's extra human-request phrases
 * (the `human_phrases` setting) are added with faq_set_extra_human_phrases(),
 * which compiles a new program and swaps it in only when everything compiled,
 * so a refused list leaves the old one working. Not for concurrent use: the
 * event loop (or a test) is the only caller.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "parley/common.h"
#include "parley/faq.h"
#include "faq_internal.h"

/* Keyword syntax (a '*' ends a word with any ending). These count anywhere. */
static const char *const human_phrases[] = {
    /* en */ "human", "humans", "agent", "agents", "operator", "representative", "real person",
    "live person", "actual person", "talk to a person", "speak to a person",
    "speak with a person", "talk to someone", "speak to someone", "speak with someone",
    "talk with someone", "someone real", "staff member", "not a bot", "not a robot",
    /* uk, ru */ "людин*", "оператор*", "менеджер*", "консультант*", "співробітник*",
    "жив* люд*", "человек*", "сотрудник*", "специалист*",
    /* cy */ "person go iawn", "berson go iawn", "siarad â pherson", "siarad a pherson",
    "siarad gyda pherson", "siarad efo person", "siarad â rhywun", "siarad a rhywun",
    "siarad gyda rhywun", "siarad efo rhywun", "rhywun go iawn", "bod dynol", "asiant",
    "gweithredwr", "aelod o staff", "aelod o'r staff",
    /* tl */ "totoong tao", "tunay na tao", "kausapin ang tao", "makausap ang tao",
    "makausap ng tao", "kausap na tao", "ahente", "kinatawan", "tao po",
    /* mn */ "хүнтэй яри*", "хүнтэй ярь*", "хүнтэй холбо*", "амьд хүн*", "жинхэнэ хүн*",
    "ажилтантай*", "ажилтнаар", "менежер*",
    /* es */ "humano", "persona real", "hablar con una persona", "hablar con alguien", "agente",
    "operador*", "representante",
    /* fr */ "humain", "vraie personne", "parler à quelqu'un", "parler a quelqu'un",
    "parler à une personne", "conseiller*", "conseillère*", "opérateur*", "opératrice*",
    /* de */ "mensch*", "echte* person", "mitarbeiter*", "kundenberater*", "berater*",
    "mit jemandem sprechen",
};
/* Ordinary inside a longer question ("ibang tao ang tatanggap...", "in person"), a
 * request when nearly the whole message (<= 3 words): "tao po?", "хүн байна уу?". */
static const char *const human_words_alone[] = {
    "person", "someone", "somebody", "tao", "хүн", "ажилтан", "persona", "personne",
};


/* A greeting on its own (at most four words), answered with a greeting: it is
 * not a question the FAQ failed, so it never counts towards a handoff. */
static const char *const greetings[] = {
    /* en */ "hi", "hii", "hello", "hello there", "hey", "hey there", "hiya", "good morning",
    "good afternoon", "good evening", "greetings", "yo", "howdy",
    /* uk, ru */ "привіт*", "вітаю", "добрий день", "доброго дня", "добрий ранок", "доброго ранку",
    "добрий вечір", "доброго вечора", "здрастуйте", "здравствуйте", "привет*", "добрый день",
    /* cy */ "helo", "shwmae", "shwmai", "sut mae", "bore da", "prynhawn da", "noswaith dda", "hylo",
    /* tl */ "kumusta", "kamusta", "magandang umaga", "magandang hapon", "magandang gabi",
    "magandang araw", "musta",
    /* mn */ "сайн байна уу", "сайн уу", "сайн байцгаана уу", "өглөөний мэнд", "оройн мэнд", "мэнд",
    /* es, fr, de */ "hola", "buenos días", "buenas tardes", "bonjour", "salut", "bonsoir", "hallo",
    "guten tag", "guten morgen", "moin", "servus",
};

static void add_alternatives(struct sb *b, const char *const *v, size_t n)
{
    faq__sb_add(b, "(?:");
    for (size_t i = 0; i < n; i++) {
        int words, letters;
        size_t len;
        char *kw = faq__norm(v[i], strlen(v[i]), NORM_STAR, &len);
        if (i) faq__sb_add(b, "|");
        if (!kw || faq__kw_regex(b, kw, &words, &letters) < 0) b->oom = 1;   /* table typo */
        free(kw);
    }
    faq__sb_add(b, ")");
}

static pcre2_code *human_re, *greeting_re;   /* the built-in lists */
static pcre2_code **extra_re;                 /* the admin's phrases, in groups */
static size_t n_extra_re;
static char **extra;                          /* the admin's phrases, as given */
static size_t n_extra;

/* Short messages: at most `words` words (keyword form has single spaces). */
static void short_message(struct sb *b, int words)
{
    char lead[64];
    snprintf(lead, sizeof(lead), "^(?=[^ ]+(?: [^ ]+){0,%d}$)", words - 1);
    faq__sb_add(b, lead);
}

/* The built-in human-request program: the phrases, then the words that count
 * only in a short message. NULL on failure. */
static pcre2_code *compile_human(void)
{
    struct sb h = {0};
    int err;
    char why[200];
    pcre2_code *re = NULL;
    add_alternatives(&h, human_phrases, PL_ARRAY_LEN(human_phrases));
    faq__sb_add(&h, "|");
    short_message(&h, 3);
    faq__sb_add(&h, ".*?");
    add_alternatives(&h, human_words_alone, PL_ARRAY_LEN(human_words_alone));
    if (!h.oom) re = faq__compile(h.p, KW_OPTS, &err, why, sizeof(why));
    free(h.p);
    return re;
}

static void free_programs(pcre2_code **v, size_t n)
{
    for (size_t i = 0; i < n; i++) pcre2_code_free(v[i]);
    free(v);
}

/* The extra phrases as one alternation, or, when that is too large for one
 * PCRE2 program (200 long phrases can be), as several: each half again. Every
 * phrase compiles on its own (checked first), so this ends. Appends to *out
 * (room for n programs); -1 on failure. */
static int compile_extra(const char *const *v, size_t n, pcre2_code **out, size_t *used)
{
    struct sb b = {0};
    int err;
    char why[200];
    pcre2_code *re = NULL;
    add_alternatives(&b, v, n);
    if (!b.oom) re = faq__compile(b.p, KW_OPTS, &err, why, sizeof(why));
    free(b.p);
    if (re) {
        out[(*used)++] = re;
        return 0;
    }
    if (n < 2 || b.oom || err == PCRE2_ERROR_NOMEMORY) return -1;
    return compile_extra(v, n / 2, out, used) < 0 ? -1
         : compile_extra(v + n / 2, n - n / 2, out, used);
}

static pcre2_code *compile_greetings(void)
{
    struct sb g = {0};
    int err;
    char why[200];
    pcre2_code *re = NULL;
    short_message(&g, 4);
    add_alternatives(&g, greetings, PL_ARRAY_LEN(greetings));
    faq__sb_add(&g, "[\\s\\p{P}\\p{S}]*(?:[\\p{L}\\p{M}]+[\\s\\p{P}\\p{S}]*){0,3}$");
    if (!g.oom) re = faq__compile(g.p, KW_OPTS, &err, why, sizeof(why));
    free(g.p);
    return re;
}

pl_status faq_phrases_init(void)
{
    if (!greeting_re) greeting_re = compile_greetings();
    if (!human_re) human_re = compile_human();
    return human_re && greeting_re ? PL_OK : PL_ERR_NOMEM;
}

static pl_status refuse(char *field, size_t flen, size_t i, char *msg, size_t mlen,
                        const char *m, const char *why)
{
    if (i == SIZE_MAX) snprintf(field, flen, "human_phrases");
    else snprintf(field, flen, "human_phrases[%zu]", i);
    if (why) snprintf(msg, mlen, "%s (%s)", m, why);
    else snprintf(msg, mlen, "%s", m);
    return PL_ERR_BAD_REQUEST;
}

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* One phrase through the keyword compiler, as an FAQ keyword would go. */
static pl_status check_phrase(const char *src, size_t i, char *field, size_t flen, char *msg,
                              size_t mlen)
{
    if (!src) return refuse(field, flen, i, msg, mlen, "must be a string", NULL);
    size_t chars = utf8_chars(src);
    if (chars < FAQ_PHRASE_MIN_CHARS || chars > FAQ_PHRASE_MAX_CHARS)
        return refuse(field, flen, i, msg, mlen, "must be 1 to 100 characters", NULL);
    struct sb b = {0};
    int words, letters, err = 0, shape;
    char why[200] = "";
    size_t len;
    pcre2_code *re = NULL;
    char *kw = faq__norm(src, strlen(src), NORM_STAR, &len);
    if (!kw) return PL_ERR_NOMEM;
    if ((shape = faq__kw_regex(&b, kw, &words, &letters)) == 0 && !b.oom)
        re = faq__compile(b.p, KW_OPTS, &err, why, sizeof(why));
    int oom = b.oom;
    free(b.p);
    free(kw);
    pcre2_code_free(re);
    if (shape < 0)
        return refuse(field, flen, i, msg, mlen, "must be a word or phrase of letters or digits; "
                      "'*' may only end a word", NULL);
    if (!re)
        return oom || err == PCRE2_ERROR_NOMEMORY ? PL_ERR_NOMEM
             : refuse(field, flen, i, msg, mlen, "not a usable phrase", why);
    return PL_OK;
}

pl_status faq_check_human_phrases(const char *const *v, size_t n, char *field, size_t flen,
                                  char *msg, size_t mlen)
{
    if (n > FAQ_MAX_EXTRA_PHRASES)
        return refuse(field, flen, SIZE_MAX, msg, mlen, "at most 200 phrases", NULL);
    for (size_t i = 0; i < n; i++) {
        pl_status s = check_phrase(v[i], i, field, flen, msg, mlen);
        if (s) return s;
    }
    return PL_OK;
}

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) free(v[i]);
    free(v);
}

pl_status faq_set_extra_human_phrases(const char *const *v, size_t n, char *field, size_t flen,
                                      char *msg, size_t mlen)
{
    snprintf(field, flen, "%s", "");
    snprintf(msg, mlen, "%s", "");
    pl_status s = faq_check_human_phrases(v, n, field, flen, msg, mlen);
    if (s) return s;
    if (faq_phrases_init()) return PL_ERR_NOMEM;
    char **copy = n ? calloc(n, sizeof(*copy)) : NULL;
    pcre2_code **re = n ? calloc(n, sizeof(*re)) : NULL;
    size_t n_re = 0;
    int ok = !n || (copy && re);
    for (size_t i = 0; ok && i < n; i++)
        ok = (copy[i] = strdup(v[i])) != NULL;
    if (ok && n) ok = compile_extra((const char *const *)copy, n, re, &n_re) == 0;
    if (!ok) {                           /* the old programs and list stay */
        free_strings(copy, n);
        free_programs(re, n_re);
        snprintf(msg, mlen, "%s", "the phrases could not be compiled");
        return PL_ERR_NOMEM;
    }
    free_programs(extra_re, n_extra_re);
    free_strings(extra, n_extra);
    extra_re = re;
    n_extra_re = n_re;
    extra = copy;
    n_extra = n;
    return PL_OK;
}

size_t faq_extra_human_phrases(const char *const **out)
{
    *out = (const char *const *)extra;
    return n_extra;
}

void faq_phrases_free(void)
{
    pcre2_code_free(human_re);
    pcre2_code_free(greeting_re);
    free_programs(extra_re, n_extra_re);
    free_strings(extra, n_extra);
    human_re = greeting_re = NULL;
    extra_re = NULL;
    n_extra_re = 0;
    extra = NULL;
    n_extra = 0;
}

/* 1 when any of the programs matches the text's keyword form. */
static int matches(pcre2_code *const *first, pcre2_code *const *more, size_t n_more,
                   const char *text)
{
    if (!human_re || !greeting_re) faq_phrases_init();
    size_t len;
    char *t = *first && text ? faq__norm(text, strlen(text), 0, &len) : NULL;
    if (!t) return 0;
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    int hit = 0;
    for (size_t i = 0; md && !hit && i <= n_more; i++) {
        pcre2_code *re = i ? more[i - 1] : *first;
        hit = pcre2_match(re, (PCRE2_SPTR)t, len, 0, 0, md, NULL) >= 0;
    }
    pcre2_match_data_free(md);
    free(t);
    return hit;
}

int faq_is_human_request(const char *text)
{
    return matches(&human_re, extra_re, n_extra_re, text);
}
int faq_is_greeting(const char *text) { return matches(&greeting_re, NULL, 0, text); }
