/*
 * Phrase lists the bot recognises in any FAQ: asking for a person, and greeting.
 *
 * Each list is compiled once, on first use, into one PCRE2 alternation with the
 * same keyword syntax and normalisation as FAQ entries ('*' = any ending,
 * word-bounded in every script, case folded, apostrophes and punctuation aside). Words that are ordinary inside a longer sentence ("person", "tao",
 * "хүн") only count when they are nearly the whole message.
 */
#include <pthread.h>
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

static pcre2_code *human_re, *greeting_re;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* Short messages: at most `words` words (keyword form has single spaces). */
static void short_message(struct sb *b, int words)
{
    char lead[64];
    snprintf(lead, sizeof(lead), "^(?=[^ ]+(?: [^ ]+){0,%d}$)", words - 1);
    faq__sb_add(b, lead);
}

static void compile_lists(void)
{
    struct sb h = {0}, g = {0};
    int err;
    char why[200];
    add_alternatives(&h, human_phrases, PL_ARRAY_LEN(human_phrases));
    faq__sb_add(&h, "|");
    short_message(&h, 3);
    faq__sb_add(&h, ".*?");
    add_alternatives(&h, human_words_alone, PL_ARRAY_LEN(human_words_alone));
    if (!h.oom) human_re = faq__compile(h.p, KW_OPTS, &err, why, sizeof(why));
    short_message(&g, 4);
    add_alternatives(&g, greetings, PL_ARRAY_LEN(greetings));
    faq__sb_add(&g, "[\\s\\p{P}\\p{S}]*(?:[\\p{L}\\p{M}]+[\\s\\p{P}\\p{S}]*){0,3}$");
    if (!g.oom) greeting_re = faq__compile(g.p, KW_OPTS, &err, why, sizeof(why));
    free(h.p);
    free(g.p);
}

static int matches(pcre2_code **re, const char *text)
{
    pthread_once(&once, compile_lists);
    size_t len;
    char *t = *re && text ? faq__norm(text, strlen(text), 0, &len) : NULL;
    if (!t) return 0;
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    int rc = md ? pcre2_match(*re, (PCRE2_SPTR)t, len, 0, 0, md, NULL) : -1;
    pcre2_match_data_free(md);
    free(t);
    return rc >= 0;
}

int faq_is_human_request(const char *text) { return matches(&human_re, text); }
int faq_is_greeting(const char *text) { return matches(&greeting_re, text); }
