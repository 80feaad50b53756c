/*
 * Unit tests of the FAQ matcher (faq.c) and its JSON codec (proto_faq.c).
 *
 * Entries are written as JSON through the real decoder, so every test also
 * exercises the outside contract. The demo FAQ is checked with realistic visitor
 * questions in each of its five languages: a keyword change that steals another
 * topic's questions fails here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "parley/faq.h"
#include "parley/proto_faq.h"
#include "testlib.h"
#include "testfaq.h"

static int matched(const struct faq_match *m, const char *what)
{
    for (size_t i = 0; i < m->n_matched; i++)
        if (strcmp(m->matched[i], what) == 0) return 1;
    return 0;
}

static void test_basic(void)
{
    struct faq_set *s = set_of(
        "[{\"id\":\"returns\",\"question\":\"Returns?\",\"answer\":\"30 days.\","
        "  \"keywords\":[\"return*\",\"refund*\",\"send back\"]},"
        " {\"id\":\"hours\",\"question\":\"Hours?\",\"answer\":\"9 to 6.\","
        "  \"keywords\":[\"opening hours\",\"open\",\"hours\"]}]");
    struct faq_match m;
    CHECK(faq_count(s) == 2);
    CHECK(faq_find(s, "hours") == faq_at(s, 1));
    CHECK(faq_find(s, "nope") == NULL && faq_at(s, 2) == NULL);
    CHECK(faq_match(s, "Can I get a refund for my shoes?", "en", &m) == 1);
    CHECK_STR(m.entry->id, "returns");
    CHECK(m.n_matched == 1 && matched(&m, "refund*"));
    CHECK(faq_match(s, "hello there", "en", &m) == 0 && m.entry == NULL);
    CHECK_STR(answer(s, "When are you open?", NULL), "hours");
    CHECK_STR(answer(s, "I'd like to SEND it BACK", NULL), "");      /* phrase is contiguous */
    CHECK_STR(answer(s, "can I SEND   \t\n BACK this?", NULL), "returns");
    CHECK_STR(answer(s, "send\xC2\xA0" "back", NULL), "returns");      /* no-break space */
    CHECK_STR(answer(s, "RETURNING an item", NULL), "returns");       /* star + case */
    CHECK_STR(answer(s, "my tin opener broke", NULL), "");            /* no star: whole word */
    CHECK_STR(answer(s, "we reopened the box", NULL), "");
    CHECK_STR(answer(s, "nonrefundable?", NULL), "");                 /* start bounded too */
    CHECK_STR(answer(s, "open_source", NULL), "");
    /* "hours" inside "opening hours" adds nothing: one phrase, one hit. */
    CHECK(faq_match(s, "What are your opening hours?", NULL, &m) == 1);
    CHECK(m.n_matched == 1 && matched(&m, "opening hours") && m.score > 2.9 && m.score < 3.1);
    CHECK(faq_match(NULL, "x", NULL, &m) == 0 && faq_match(s, NULL, NULL, &m) == 0);
    faq_free(s);
}

static void test_scripts(void)
{
    struct faq_set *s = set_of(
        "[{\"id\":\"ret-uk\",\"locale\":\"uk\",\"question\":\"q\",\"answer\":\"a\","
        "  \"keywords\":[\"поверн*\",\"товар\"]},"
        " {\"id\":\"del-mn\",\"locale\":\"mn\",\"question\":\"q\",\"answer\":\"a\","
        "  \"keywords\":[\"хүргэлт*\"]},"
        " {\"id\":\"ret-cy\",\"locale\":\"cy\",\"question\":\"q\",\"answer\":\"a\","
        "  \"keywords\":[\"dychwel*\",\"ddychwel*\"]},"
        " {\"id\":\"hol-cy\",\"locale\":\"cy\",\"question\":\"q\",\"answer\":\"a\","
        "  \"keywords\":[\"gŵyl y banc\",\"tŷ bwyta\",\"ŵyr\"]}]");
    CHECK_STR(answer(s, "Як повернути товар?", "uk"), "ret-uk");
    CHECK_STR(answer(s, "ПОВЕРНЕННЯ КОШТІВ", NULL), "ret-uk");
    CHECK_STR(answer(s, "товарний чек неповерненний", NULL), "");    /* inside words */
    CHECK_STR(answer(s, "Хүргэлт хэд хоног болох вэ?", "mn"), "del-mn");
    CHECK_STR(answer(s, "ХҮРГЭЛТИЙН үнэ", NULL), "del-mn");
    CHECK_STR(answer(s, "үнэгүйхүргэлт", NULL), "");
    CHECK_STR(answer(s, "Sut ydw i'n dychwelyd eitem?", "cy"), "ret-cy");
    CHECK_STR(answer(s, "Alla i DDYCHWELYD hwn?", "cy"), "ret-cy");  /* soft mutation */
    CHECK_STR(answer(s, "Sut ydw i’n dychwelyd?", NULL), "ret-cy");  /* curly apostrophe */
    CHECK_STR(answer(s, "Ydych chi ar agor ar ŵyl y banc? GŴYL Y BANC", NULL), "hol-cy");
    CHECK_STR(answer(s, "Oes TŶ BWYTA gerllaw?", NULL), "hol-cy");
    CHECK_STR(answer(s, "Mae e'n gŵyr", NULL), "");                   /* ŵyr inside gŵyr */
    CHECK_STR(answer(s, "gwyl y banc", NULL), "");                    /* w is not ŵ */
    faq_free(s);
}

static void test_locale(void)
{
    struct faq_set *s = set_of(
        "[{\"id\":\"pay-en\",\"locale\":\"en\",\"question\":\"q\",\"answer\":\"a\","
        "  \"keywords\":[\"paypal\",\"pay by card\"]},"
        " {\"id\":\"pay-cy\",\"locale\":\"cy\",\"question\":\"q\",\"answer\":\"a\","
        "  \"keywords\":[\"paypal\",\"talu\"]},"
        " {\"id\":\"any\",\"question\":\"q\",\"answer\":\"a\",\"keywords\":[\"bitcoin\"]}]");
    struct faq_match m;
    CHECK_STR(answer(s, "Do you take PayPal?", "cy"), "pay-cy");
    CHECK_STR(answer(s, "Do you take PayPal?", "en-GB"), "pay-en");
    CHECK_STR(answer(s, "Do you take PayPal?", "EN_us"), "pay-en");
    CHECK(faq_match(s, "Do you take PayPal?", NULL, &m) == 2 && m.n_choices == 2);
    CHECK(faq_match(s, "Do you take PayPal?", "", &m) == 2);
    /* An other-language entry needs a stronger hit (x0.75): */
    CHECK_STR(answer(s, "PayPal?", "uk"), "");
    CHECK_STR(answer(s, "paypal", "fr"), "");
    CHECK_STR(answer(s, "Can I pay by card?", "uk"), "pay-en");
    /* ...and is dropped when the visitor's own language has a candidate, even a
     * weaker one: cy scores 2.1 x 0.75 against en's 1.1 x 1.2. */
    CHECK_STR(answer(s, "paypal talu", "en"), "pay-en");
    CHECK_STR(answer(s, "paypal talu", "cy"), "pay-cy");
    /* Entries without a locale answer everyone. */
    CHECK_STR(answer(s, "Bitcoin?", "uk"), "any");
    CHECK_STR(answer(s, "Bitcoin?", NULL), "any");
    faq_free(s);
}

static void test_margin_threshold(void)
{
    struct faq_set *s = set_of(
        "[{\"id\":\"a\",\"question\":\"q\",\"answer\":\"a\",\"keywords\":[\"delivery\"]},"
        " {\"id\":\"b\",\"question\":\"q\",\"answer\":\"a\",\"keywords\":[\"parcel\"]},"
        " {\"id\":\"c\",\"question\":\"q\",\"answer\":\"a\",\"keywords\":[\"courier\"]},"
        " {\"id\":\"d\",\"question\":\"q\",\"answer\":\"a\",\"keywords\":[\"box\"]},"
        " {\"id\":\"e\",\"question\":\"q\",\"answer\":\"a\",\"keywords\":[\"tax\"],\"weight\":2},"
        " {\"id\":\"f\",\"question\":\"q\",\"answer\":\"a\",\"keywords\":[\"vat\"],"
        "  \"patterns\":[\"\\\\bwhen\\\\b.*\\\\bopen\"]}]");
    struct faq_match m;
    /* delivery 1.2, parcel 1.1, courier 1.15: too close, the three best offered */
    CHECK(faq_match(s, "delivery of a parcel by courier", NULL, &m) == 3 - 1);
    CHECK(m.entry == NULL && m.n_choices == 3);
    CHECK_STR(m.choices[0]->id, "a");
    CHECK_STR(m.choices[1]->id, "c");
    CHECK_STR(m.choices[2]->id, "b");
    /* a tight margin makes 1.2 vs 1.15 a clear win */
    faq_set_thresholds(s, 1.0, 0.03);
    CHECK(faq_match(s, "delivery by courier", NULL, &m) == 1);
    CHECK_STR(m.entry->id, "a");
    faq_set_thresholds(s, 1.0, 0.2);
    CHECK(faq_match(s, "delivery by courier", NULL, &m) == 2 && m.n_choices == 2);
    /* below the threshold: short word 0.8 alone; weight 2 lifts it */
    CHECK_STR(answer(s, "a box", NULL), "");
    CHECK_STR(answer(s, "tax?", NULL), "e");
    faq_set_thresholds(s, 5.0, 0.2);
    CHECK_STR(answer(s, "delivery", NULL), "");
    faq_set_thresholds(s, 1.0, 0.2);
    /* patterns are caseless and recorded */
    CHECK(faq_match(s, "WHEN do you OPEN?", NULL, &m) == 1);
    CHECK_STR(m.entry->id, "f");
    CHECK(matched(&m, "\\bwhen\\b.*\\bopen"));
    faq_free(s);
}

static void test_limits(void)
{
    /* Catastrophic on no probe string (no 'x' in them), so saved; the match-time
     * limits make it fail fast on the message that is its worst case. */
    struct faq_set *s = set_of(
        "[{\"id\":\"evil\",\"question\":\"q\",\"answer\":\"a\",\"patterns\":[\"^(x+x+)+y\"]}]");
    char text[5000];
    memset(text, 'x', sizeof(text) - 3);
    memcpy(text + sizeof(text) - 3, "!y", 3);   /* the 'y' defeats PCRE2's quick reject */
    clock_t t0 = clock();
    CHECK_STR(answer(s, text, NULL), "");
    CHECK_STR(answer(s, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx!y", NULL), "");
    CHECK((double)(clock() - t0) / CLOCKS_PER_SEC < 2.0);
    CHECK_STR(answer(s, "\xff\xfe invalid \xc3", NULL), "");          /* bad UTF-8 is harmless */
    faq_free(s);
}

/* Decoding fails naming `want_field`; the message mentions `want_msg`. */
/* The admin's extra phrases add to the built-ins; a bad list changes nothing. */
static void test_extra_phrases(void)
{
    const char *const *cur;
    static const char *const one[] = {"kuhu inimes*", "hablar con el encargado"};
    CHECK(!faq_is_human_request("Ma tahan kuhu inimesega rääkida"));
    CHECK(faq_set_extra_human_phrases(one, 2, field, sizeof(field), msg, sizeof(msg)) == PL_OK);
    CHECK(faq_is_human_request("Ma tahan kuhu inimesega rääkida"));
    CHECK(faq_is_human_request("¿Puedo HABLAR con el encargado?"));
    CHECK(faq_is_human_request("I want to talk to a human please"));    /* built-in */
    CHECK(faq_is_human_request("Хочу поговорити з людиною"));
    CHECK(!faq_is_human_request("What are your opening hours?"));
    CHECK(faq_extra_human_phrases(&cur) == 2 && !strcmp(cur[1], "hablar con el encargado"));

    /* refused: the index is named, the old set stays */
    static const char *const bad[] = {"fine phrase", "ok", "*", "x"};
    field[0] = msg[0] = '\0';
    CHECK(faq_set_extra_human_phrases(bad, 4, field, sizeof(field), msg, sizeof(msg)) ==
          PL_ERR_BAD_REQUEST);
    CHECK(!strcmp(field, "human_phrases[2]"));
    CHECK(strstr(msg, "'*'") != NULL);
    CHECK(faq_is_human_request("Ma tahan kuhu inimesega rääkida"));
    CHECK(!faq_is_human_request("this is a fine phrase"));
    CHECK(faq_extra_human_phrases(&cur) == 2);
    static const char *const star[] = {"pers*on"};
    CHECK(faq_check_human_phrases(star, 1, field, sizeof(field), msg, sizeof(msg)) ==
          PL_ERR_BAD_REQUEST && !strcmp(field, "human_phrases[0]"));
    char longer[102];
    memset(longer, 'a', 101);
    longer[101] = '\0';
    const char *const too_long[] = {"ok", longer};
    CHECK(faq_check_human_phrases(too_long, 2, field, sizeof(field), msg, sizeof(msg)) ==
          PL_ERR_BAD_REQUEST && !strcmp(field, "human_phrases[1]"));
    longer[100] = '\0';                  /* 100 characters is allowed */
    CHECK(faq_check_human_phrases(too_long, 2, field, sizeof(field), msg, sizeof(msg)) == PL_OK);
    const char *const empty[] = {""};
    CHECK(faq_check_human_phrases(empty, 1, field, sizeof(field), msg, sizeof(msg)) ==
          PL_ERR_BAD_REQUEST);
    static const char *many[FAQ_MAX_EXTRA_PHRASES + 1];
    for (size_t i = 0; i < PL_ARRAY_LEN(many); i++) many[i] = "word";
    CHECK(faq_check_human_phrases(many, FAQ_MAX_EXTRA_PHRASES, field, sizeof(field), msg,
                                  sizeof(msg)) == PL_OK);
    CHECK(faq_check_human_phrases(many, PL_ARRAY_LEN(many), field, sizeof(field), msg,
                                  sizeof(msg)) == PL_ERR_BAD_REQUEST &&
          !strcmp(field, "human_phrases"));

    /* 200 phrases of 100 characters: too large for one program, compiled in groups */
    static char big[FAQ_MAX_EXTRA_PHRASES][200];
    const char *bigv[FAQ_MAX_EXTRA_PHRASES];
    for (size_t i = 0; i < FAQ_MAX_EXTRA_PHRASES; i++) {
        snprintf(big[i], sizeof(big[i]), "ж%03zu*", i);               /* 5 characters */
        for (int k = 0; k < 31; k++) strcat(big[i], " жж");          /* + 93 */
        strcat(big[i], " ж");                                        /* + 2 = 100 */
        bigv[i] = big[i];
    }
    CHECK(faq_set_extra_human_phrases(bigv, FAQ_MAX_EXTRA_PHRASES, field, sizeof(field), msg,
                                      sizeof(msg)) == PL_OK);
    char text[400];
    snprintf(text, sizeof(text), "ну ж199ааа %s", strchr(big[199], ' ') + 1);
    CHECK(faq_is_human_request(text));
    CHECK(faq_is_human_request("AGENT"));
    CHECK(!faq_is_human_request("ж199 жж"));
    CHECK(faq_check_human_phrases(bigv, 1, field, sizeof(field), msg, sizeof(msg)) == PL_OK);

    /* the stored form (JSON, decoded in proto_rest.c) */
    CHECK(faq_apply_stored_human_phrases("[\"siarad â'r rheolwr\"]", field, sizeof(field), msg,
                                         sizeof(msg)) == PL_OK);
    CHECK(faq_is_human_request("Ga i siarad â'r Rheolwr?"));
    CHECK(!faq_is_human_request("Ma tahan kuhu inimesega rääkida"));
    CHECK(faq_apply_stored_human_phrases("{\"x\":1}", field, sizeof(field), msg, sizeof(msg)) ==
          PL_ERR_BAD_REQUEST);
    CHECK(faq_is_human_request("Ga i siarad â'r Rheolwr?"));

    /* back to the built-ins only */
    CHECK(faq_set_extra_human_phrases(NULL, 0, field, sizeof(field), msg, sizeof(msg)) == PL_OK);
    CHECK(!faq_is_human_request("Ga i siarad â'r Rheolwr?"));
    CHECK(faq_is_human_request("AGENT"));
    CHECK(faq_is_greeting("shwmae"));
    faq_phrases_free();                  /* a later match compiles the built-ins again */
    CHECK(faq_is_human_request("get me an operator"));
    CHECK(faq_phrases_init() == PL_OK);
}

static void bad_entry(const char *json, const char *want_field, const char *want_msg);

#define HEAD "{\"id\":\"x\",\"question\":\"q\",\"answer\":\"a\","
static void test_refused_patterns(void)
{
    /* Patterns that backtrack without end on a probe are refused when saved. */
    bad_entry(HEAD "\"patterns\":[\"^(a|aa)+$\"]}", "patterns[0]", "too slow");
    bad_entry(HEAD "\"patterns\":[\"ok\",\"(\\\\w+\\\\s?)*x$\"]}", "patterns[1]", "too slow");
    bad_entry(HEAD "\"patterns\":[\"(a+)+b\"]}", "patterns[0]", "too slow");
    bad_entry(HEAD "\"patterns\":[\"(.*a){12}\"]}", "patterns[0]", "too slow");
    /* ...and sane ones with .* and alternations are not. */
    struct faq_entry e;
    const char *ok[] = {
        HEAD "\"patterns\":[\"\\\\bhow much\\\\b.*\\\\b(shipping|delivery)\\\\b\"]}",
        HEAD "\"patterns\":[\"(доставк|пересил)\\\\w*.*скільки\"]}",
        HEAD "\"patterns\":[\"^\\\\W*(a|b)+\\\\W*$\"]}",
    };
    for (size_t i = 0; i < PL_ARRAY_LEN(ok); i++) {
        CHECK(proto_faq_decode(ok[i], strlen(ok[i]), &e, field, sizeof(field), msg, sizeof(msg)) == PL_OK);
        faq_entry_free(&e);
    }
}

static void test_human(void)
{
    static const char *yes[] = {
        "I want to talk to a human please", "Can I speak to someone?", "AGENT",
        "Are you a real person?", "get me an operator", "customer service representative",
        "Хочу поговорити з людиною", "з'єднайте з оператором", "дайте менеджера",
        "Мені потрібна жива людина", "Позовите человека", "Dw i eisiau siarad â pherson",
        "Oes person go iawn yno?", "ga i siarad gyda rhywun", "Gusto kong kausapin ang totoong tao",
        "pwede makausap ang tao?", "tao po?", "Ahente please", "Хүнтэй ярих гэсэн юм",
        "оператортой холбоно уу", "ажилтан", "Хүн байна уу?", "Quiero hablar con una persona",
        "¿Puedo hablar con un agente?", "Je veux parler à un conseiller", "un humain svp",
        "Ich möchte mit einem Menschen sprechen", "Mitarbeiter bitte",
    };
    static const char *no[] = {
        "What are your opening hours?", "Can I collect my order in person?",
        "Is this a personal gift?", "How much is shipping?", "Як повернути товар?",
        "Скільки коштує доставка?", "Pryd ydych chi ar agor?", "Oes dillad dyn gennych chi?",
        "Magkano ang shipping sa Pilipinas?", "Pwede bang ibang tao ang tumanggap ng order ko?",
        "Ilang taon ang warranty?", "Хүргэлт хэд хоног болох вэ?",
        "Өөр хүн хүлээн авч болох уу?", "Хүргэлтийн ажилтан хэзээ ирэх вэ?",
        "¿Cuánto cuesta el envío?", "Le colis est-il arrivé ?", "Wie lange dauert der Versand?",
        "Do you sell humane mouse traps?", "",
    };
    for (size_t i = 0; i < PL_ARRAY_LEN(yes); i++)
        if (!faq_is_human_request(yes[i])) { CHECK(!"human request missed"); fprintf(stderr, "  %s\n", yes[i]); }
    for (size_t i = 0; i < PL_ARRAY_LEN(no); i++)
        if (faq_is_human_request(no[i])) { CHECK(!"false human request"); fprintf(stderr, "  %s\n", no[i]); }
    CHECK(!faq_is_human_request(NULL));
}

static void bad_entry(const char *json, const char *want_field, const char *want_msg)
{
    struct faq_entry e;
    field[0] = msg[0] = '\0';
    CHECK(proto_faq_decode(json, strlen(json), &e, field, sizeof(field), msg, sizeof(msg))
          == PL_ERR_BAD_REQUEST);
    CHECK_STR(field, want_field);
    if (!strstr(msg, want_msg)) { CHECK(!"message"); fprintf(stderr, "  got \"%s\"\n", msg); }
    CHECK(e.id == NULL && e.keywords == NULL);
}

static void test_validation(void)
{
    bad_entry(HEAD "\"patterns\":[\"(\"]}", "patterns[0]", "offset 1");
    bad_entry(HEAD "\"keywords\":[\"ok\"],\"patterns\":[\"ok\",\"a{2,1}\"]}", "patterns[1]", "quantifier");
    bad_entry("{\"id\":\"x\",\"question\":\"q\",\"keywords\":[\"k\"]}", "answer", "required");
    bad_entry(HEAD "\"keywords\":\"refund\"}", "keywords", "must be an array of strings");
    bad_entry(HEAD "\"keywords\":[\"a\",\"b\",\"\"]}", "keywords[2]", "word or phrase");
    bad_entry(HEAD "\"keywords\":[\"a\",7]}", "keywords[1]", "must be a string");
    bad_entry(HEAD "\"keywords\":[\"a*b\"]}", "keywords[0]", "'*'");
    bad_entry(HEAD "\"keywords\":[\"   \"]}", "keywords[0]", "word or phrase");
    bad_entry(HEAD "\"keywords\":[]}", "keywords", "at least one keyword or pattern");
    bad_entry(HEAD "\"keywords\":[\"k\"],\"id\":\"y\"}", "", "duplicate");
    bad_entry("{\"id\":\"bad id!\",\"question\":\"q\",\"answer\":\"a\",\"keywords\":[\"k\"]}", "id", "A-Z");
    bad_entry("{\"id\":\"\",\"question\":\"q\",\"answer\":\"a\",\"keywords\":[\"k\"]}", "id", "required");
    bad_entry("{\"id\":5,\"question\":\"q\",\"answer\":\"a\",\"keywords\":[\"k\"]}", "id", "must be a string");
    bad_entry("{\"id\":\"x\",\"question\":\" \",\"answer\":\"a\",\"keywords\":[\"k\"]}", "question", "empty");
    bad_entry(HEAD "\"keywords\":[\"k\"],\"locale\":\"english\"}", "locale", "en-GB");
    bad_entry(HEAD "\"keywords\":[\"k\"],\"locale\":7}", "locale", "must be a string");
    bad_entry(HEAD "\"keywords\":[\"k\"],\"weight\":0}", "weight", "greater than 0");
    bad_entry(HEAD "\"keywords\":[\"k\"],\"weight\":\"2\"}", "weight", "number");
    bad_entry("[1]", "", "object");
    bad_entry("{\"id\":", "", "invalid JSON");
    char big[4200];
    int n = snprintf(big, sizeof(big), "%s\"keywords\":[\"k\"],\"answer\":\"", "{\"id\":\"x\",\"question\":\"q\",");
    memset(big + n, 'z', 4001);
    strcpy(big + n + 4001, "\"}");
    bad_entry(big, "answer", "4000");
    /* unknown fields ignored, null locale is none, en-GB valid */
    struct faq_entry e;
    const char *ok = HEAD "\"keywords\":[\"k\"],\"locale\":null,\"future\":{\"x\":1}}";
    CHECK(proto_faq_decode(ok, strlen(ok), &e, field, sizeof(field), msg, sizeof(msg)) == PL_OK);
    CHECK(e.locale == NULL && e.weight == 1.0 && e.n_keywords == 1 && e.n_patterns == 0);
    faq_entry_free(&e);
    ok = HEAD "\"patterns\":[\"x\"],\"locale\":\"en-GB\",\"weight\":2.5}";
    CHECK(proto_faq_decode(ok, strlen(ok), &e, field, sizeof(field), msg, sizeof(msg)) == PL_OK);
    CHECK_STR(e.locale, "en-GB");
    CHECK(e.weight == 2.5);
    faq_entry_free(&e);
}

static void test_arrays_and_build(void)
{
    struct faq_entry *v = (void *)1;
    size_t n = 9;
    const char *j = "[" HEAD "\"keywords\":[\"k\"]}, {\"id\":\"y\",\"question\":\"q\","
                    "\"answer\":\"a\",\"keywords\":[7]}]";
    CHECK(proto_faq_decode_array(j, strlen(j), &v, &n, field, sizeof(field), msg, sizeof(msg))
          == PL_ERR_BAD_REQUEST);
    CHECK_STR(field, "[1].keywords[0]");
    CHECK_STR(msg, "must be a string");
    CHECK(v == NULL && n == 0);
    j = "[" HEAD "\"keywords\":[\"k\"]}," HEAD "\"keywords\":[\"k\"]}]";
    CHECK(proto_faq_decode_array(j, strlen(j), &v, &n, field, sizeof(field), msg, sizeof(msg))
          == PL_ERR_BAD_REQUEST);
    CHECK_STR(field, "[1].id");
    j = "{}";
    CHECK(proto_faq_decode_array(j, 2, &v, &n, field, sizeof(field), msg, sizeof(msg))
          == PL_ERR_BAD_REQUEST);
    CHECK(proto_faq_decode_array("[]", 2, &v, &n, field, sizeof(field), msg, sizeof(msg)) == PL_OK
          && n == 0);
    proto_faq_free_array(v, n);

    /* faq_build rejects duplicates and bad entries, naming the entry; *out untouched */
    char *kw[] = { "k" }, *bad_kw[] = { "k", "" };
    struct faq_entry es[2] = {
        { .id = "one", .question = "q", .answer = "a", .keywords = kw, .n_keywords = 1, .weight = 1 },
        { .id = "one", .question = "q", .answer = "a", .keywords = kw, .n_keywords = 1, .weight = 1 },
    };
    struct faq_set *s = (void *)1;
    CHECK(faq_build(es, 2, &s, field, sizeof(field), msg, sizeof(msg)) == PL_ERR_BAD_REQUEST);
    CHECK_STR(field, "id");
    CHECK(strstr(msg, "\"one\"") != NULL && s == (void *)1);
    es[1].id = "two"; es[1].keywords = bad_kw; es[1].n_keywords = 2;
    CHECK(faq_build(es, 2, &s, field, sizeof(field), msg, sizeof(msg)) == PL_ERR_BAD_REQUEST);
    CHECK_STR(field, "keywords[1]");
    CHECK(strstr(msg, "\"two\"") != NULL && s == (void *)1);
    CHECK(faq_validate(&es[1], field, sizeof(field), msg, sizeof(msg)) == PL_ERR_BAD_REQUEST);
    CHECK(faq_validate(&es[0], field, sizeof(field), msg, sizeof(msg)) == PL_OK);
    CHECK(faq_build(NULL, 0, &s, NULL, 0, NULL, 0) == PL_OK && faq_count(s) == 0);
    CHECK_STR(answer(s, "anything", NULL), "");
    faq_free(s);

    /* copy and encode round trip */
    char *pat[] = { "\\d+ days" };
    struct faq_entry src = { .id = "c", .locale = "uk", .question = "Питання?", .answer = "Так",
                             .keywords = kw, .n_keywords = 1, .patterns = pat, .n_patterns = 1,
                             .weight = 1.5 }, cp, back;
    CHECK(faq_entry_copy(&cp, &src) == PL_OK && cp.id != src.id);
    char *json = proto_faq_encode(&cp);
    CHECK(json != NULL);
    CHECK(json && proto_faq_decode(json, strlen(json), &back, field, sizeof(field), msg,
                                   sizeof(msg)) == PL_OK);
    CHECK_STR(back.question, "Питання?");
    CHECK_STR(back.patterns[0], "\\d+ days");
    CHECK(back.weight == 1.5 && back.n_keywords == 1);
    free(json);
    faq_entry_free(&back);
    faq_entry_free(&cp);
    CHECK(cp.id == NULL);
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        rewind(f);
        if (n >= 0 && (buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, f) == (size_t)n) {
            buf[n] = '\0';
            *len = (size_t)n;
        } else { free(buf); buf = NULL; }
    }
    fclose(f);
    return buf;
}

struct q { const char *locale, *text, *want; };
static const struct q demo_questions[] = {
    { "en", "How much is shipping to Germany?", "shipping-en" },
    { "en", "Do you ship abroad?", "shipping-en" },
    { "en", "How long does delivery take?", "delivery-en" },
    { "en", "When will my order arrive?", "delivery-en" },
    { "en", "Can I get a refund for my shoes?", "returns-en" },
    { "en", "How do I send back a jacket that doesn't suit me?", "returns-en" },
    { "en", "What are your opening hours?", "hours-en" },
    { "en", "Are you open on Saturday?", "hours-en" },
    { "en", "Can I pay with PayPal?", "payment-en" },
    { "en", "Where is my order? It was dispatched last week", "tracking-en" },
    { "en", "My parcel hasn't arrived yet", "tracking-en" },
    { "en", "What's your phone number?", "contact-en" },
    { "en", "These jeans are too small, can I swap them for a bigger size?", "sizes-en" },
    { "en", "Where do I enter my promo code?", "discounts-en" },
    { "en", "Do you sell gift cards?", "giftcards-en" },
    { "uk", "Скільки коштує доставка в Україну?", "shipping-uk" },
    { "uk", "Скільки днів іде посилка до Києва?", "delivery-uk" },
    { "uk", "Як повернути товар?", "returns-uk" },
    { "uk", "Хочу повернення коштів за куртку", "returns-uk" },
    { "uk", "Ви працюєте в суботу?", "hours-uk" },
    { "uk", "Чи можна оплатити карткою?", "payment-uk" },
    { "uk", "Де моє замовлення?", "tracking-uk" },
    { "uk", "Як з вами зв’язатися?", "contact-uk" },
    { "uk", "Замалий розмір, можна обміняти?", "sizes-uk" },
    { "uk", "Де ввести промокод?", "discounts-uk" },
    { "uk", "Хочу купити подарунковий сертифікат", "giftcards-uk" },
    { "cy", "Faint yw cost cludo i Gaerdydd?", "shipping-cy" },
    { "cy", "Pryd fydd fy archeb yn cyrraedd?", "delivery-cy" },
    { "cy", "Sut ydw i'n dychwelyd eitem?", "returns-cy" },
    { "cy", "Ga i ad-daliad am y crys?", "returns-cy" },
    { "cy", "Ydych chi ar agor ddydd Sadwrn?", "hours-cy" },
    { "cy", "Alla i dalu gyda PayPal?", "payment-cy" },
    { "cy", "Ble mae fy mharsel?", "tracking-cy" },
    { "cy", "Beth yw eich rhif ffôn?", "contact-cy" },
    { "cy", "Mae'r esgidiau'n rhy fach, alla i eu cyfnewid?", "sizes-cy" },
    { "cy", "Oes gennych chi god disgownt?", "discounts-cy" },
    { "cy", "Ydych chi'n gwerthu cardiau rhodd?", "giftcards-cy" },
    { "tl", "Magkano ang shipping papuntang Cebu?", "shipping-tl" },
    { "tl", "Gaano katagal bago dumating ang order ko?", "delivery-tl" },
    { "tl", "Paano mag-refund kung may sira ang item?", "returns-tl" },
    { "tl", "Anong oras kayo bukas sa Sabado?", "hours-tl" },
    { "tl", "Pwede ba magbayad gamit ang GCash?", "payment-tl" },
    { "tl", "Nasaan na ang order ko? Hindi pa dumarating", "tracking-tl" },
    { "tl", "Ano ang phone number ninyo?", "contact-tl" },
    { "tl", "Hindi kasya yung sapatos, pwede bang ipapalit ng size?", "sizes-tl" },
    { "tl", "Paano gamitin ang promo code ko?", "discounts-tl" },
    { "tl", "May gift card ba kayo pangregalo?", "giftcards-tl" },
    { "mn", "Монгол руу хүргэлтийн төлбөр хэд вэ?", "shipping-mn" },
    { "mn", "Хүргэлт хэд хоног болох вэ?", "delivery-mn" },
    { "mn", "Барааг хэрхэн буцаах вэ?", "returns-mn" },
    { "mn", "Та нар бямба гарагт ажилладаг уу?", "hours-mn" },
    { "mn", "Картаар төлж болох уу?", "payment-mn" },
    { "mn", "Миний захиалга хаана байна?", "tracking-mn" },
    { "mn", "Тантай хэрхэн холбогдох вэ?", "contact-mn" },
    { "mn", "Хэмжээ таарахгүй байна, солиулж болох уу?", "sizes-mn" },
    { "mn", "Хөнгөлөлтийн кодыг хаана оруулах вэ?", "discounts-mn" },
    { "mn", "Бэлгийн карт авч болох уу?", "giftcards-mn" },
    { "en", "The item arrived damaged", "returns-en" },
    { "cy", "Ydych chi'n danfon dramor?", "shipping-cy" },
    { "tl", "Tumatanggap ba kayo ng COD?", "payment-tl" },
    { "mn", "Бэлэг болгож өгөх карт байна уу?", "giftcards-mn" },
    { "uk", "I want my money back", "returns-en" },   /* another language still answers */
    /* greetings and chit-chat get no answer */
    { "en", "Hi, I have a question", "" }, { "uk", "Добрий день", "" },
    { "cy", "Diolch yn fawr", "" }, { "tl", "Salamat po", "" }, { "mn", "Сайн байна уу", "" },
};

static void test_demo(void)
{
    size_t len = 0, n = 0;
    char *json = read_all("faq/demo.json", &len);
    CHECK(json != NULL);
    if (!json) return;
    struct faq_entry *v = NULL;
    struct faq_set *s = NULL;
    CHECK(proto_faq_decode_array(json, len, &v, &n, field, sizeof(field), msg, sizeof(msg)) == PL_OK);
    if (n == 0) fprintf(stderr, "demo.json: %s\n", msg);
    free(json);
    CHECK(n >= 40);
    static const char *langs[] = { "en", "uk", "cy", "tl", "mn" };
    for (size_t l = 0; l < PL_ARRAY_LEN(langs); l++) {
        size_t count = 0;
        for (size_t i = 0; i < n; i++) count += v[i].locale && strcmp(v[i].locale, langs[l]) == 0;
        CHECK(count >= 8);
    }
    CHECK(faq_build(v, n, &s, field, sizeof(field), msg, sizeof(msg)) == PL_OK);
    proto_faq_free_array(v, n);
    for (size_t i = 0; s && i < PL_ARRAY_LEN(demo_questions); i++) {
        const struct q *q = &demo_questions[i];
        struct faq_match m;
        int rc = faq_match(s, q->text, q->locale, &m);
        if (*q->want ? rc != 1 || strcmp(m.entry->id, q->want) != 0 : rc != 0) {
            CHECK(!"demo question");
            fprintf(stderr, "  [%s] %s -> rc %d %s (%.2f), want %s\n", q->locale, q->text, rc,
                    rc == 1 ? m.entry->id : rc == 2 ? m.choices[0]->id : "-", m.score, q->want);
        }
    }
    faq_free(s);
}

int main(void)
{
    test_basic();
    test_scripts();
    test_locale();
    test_margin_threshold();
    test_limits();
    test_refused_patterns();
    test_human();
    test_extra_phrases();
    test_validation();
    test_arrays_and_build();
    test_demo();
    return test_summary("test_faq");
}
