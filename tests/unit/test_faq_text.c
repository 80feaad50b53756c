/*
 * Unit tests of what the FAQ matcher does to text before matching (faq_norm.c),
 * of its scoring (IDF, weights, ties), of diacritic folding and of the
 * prefilter's soundness: a pattern or keyword it files must still answer every
 * message its regex matches. test_faq.c covers the rest of the matcher.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "parley/faq.h"
#include "parley/proto_faq.h"
#include "testlib.h"
#include "testfaq.h"

static void norm_is(const char *in, int fold, const char *want)
{
    char *got = faq_normalise(in, fold);
    CHECK_STR(got, want);
    free(got);
}

static void test_normalise(void)
{
    /* case folding, Latin and Cyrillic, full folding (ß, ẞ, final sigma) */
    norm_is("ПОВЕРНЕННЯ КОШТІВ", 0, "повернення коштів");
    norm_is("ХҮРГЭЛТИЙН ҮНЭ", 0, "хүргэлтийн үнэ");
    norm_is("Їжак ҐАНОК", 0, "їжак ґанок");
    norm_is("STRASSE Straße STRAẞE", 0, "strasse strasse strasse");
    norm_is("ΛΌΓΟΣ λόγος", 0, "λόγοσ λόγοσ");
    norm_is("GŴYL Y BANC", 0, "gŵyl y banc");
    /* composed and decomposed forms are one; compatibility forms fold (NFKC) */
    norm_is("cafe\xCC\x81 caf\xC3\xA9", 0, "café café");
    norm_is("Украі\xCC\x88ну", 0, "україну");
    norm_is("\xEF\xAC\x81nd \xEF\xBC\xA1\xEF\xBC\xA2", 0, "find ab");   /* ﬁ, fullwidth AB */
    /* apostrophes of every kind vanish; punctuation and symbols are one space */
    norm_is("where's where’s whereʼs where`s wheres", 0, "wheres wheres wheres wheres wheres");
    norm_is("з'єднайте з’єднайте", 0, "зєднайте зєднайте");
    norm_is("  Hello,\tworld!!  e-mail: a@b.c  £3.95 😀 ", 0, "hello world e mail a b c 3 95");
    norm_is("open_source", 0, "open_source");
    norm_is("\xff\xfe bad \xc3", 0, "bad");
    norm_is("", 0, "");
    /* diacritic folding, only when asked */
    norm_is("Gŵyl, tŷ, Україна, їжа, niño, ñ, Ёлка", 1, "gwyl ty украіна іжа nino n елка");
    norm_is("Gŵyl", 0, "gŵyl");
}

/* The per-character table (fast path) and the whole-string library path (taken
 * when an emoji is present) agree on every character the table covers. */
static void test_fast_slow_agree(void)
{
    int bad = 0;
    for (unsigned c = 0x20; c < 0x2070 && bad < 5; c++) {
        if (c == 0x530) c = 0x2000;
        char ch[5] = {0}, a[32], b[40];
        if (c < 0x80) ch[0] = (char)c;
        else if (c < 0x800) ch[0] = (char)(0xC0 | c >> 6), ch[1] = (char)(0x80 | (c & 0x3F));
        else ch[0] = (char)(0xE0 | c >> 12), ch[1] = (char)(0x80 | ((c >> 6) & 0x3F)),
             ch[2] = (char)(0x80 | (c & 0x3F));
        for (int fold = 0; fold < 2; fold++) {
            snprintf(a, sizeof(a), "Xa%sb", ch);
            snprintf(b, sizeof(b), "Xa%sb \xF0\x9F\x98\x80", ch);
            char *fa = faq_normalise(a, fold), *fb = faq_normalise(b, fold);
            if (!fa || !fb || strcmp(fa, fb) != 0) {
                bad++;
                fprintf(stderr, "  U+%04X fold %d: fast \"%s\" slow \"%s\"\n", c, fold, fa ? fa : "-",
                        fb ? fb : "-");
            }
            free(fa); free(fb);
        }
    }
    CHECK(bad == 0);
}

static void test_keywords_meet_text(void)
{
    struct faq_set *s = set_of(
        "[{\"id\":\"street\",\"question\":\"q\",\"answer\":\"a\",\"keywords\":[\"Straße\"]},"
        " {\"id\":\"word\",\"question\":\"q\",\"answer\":\"a\",\"keywords\":[\"ΛΌΓΟΣ\"]},"
        " {\"id\":\"track\",\"question\":\"q\",\"answer\":\"a\",\"keywords\":[\"where’s my order\"]},"
        " {\"id\":\"mail\",\"question\":\"q\",\"answer\":\"a\",\"keywords\":[\"E-Mail\"]},"
        " {\"id\":\"cafe\",\"question\":\"q\",\"answer\":\"a\",\"keywords\":[\"cafe\xCC\x81*\"]},"
        " {\"id\":\"uk\",\"question\":\"q\",\"answer\":\"a\",\"keywords\":[\"зв'яз*\"]}]");
    CHECK_STR(answer(s, "Which STRASSE?", NULL), "street");
    CHECK_STR(answer(s, "which straẞe", NULL), "street");
    CHECK_STR(answer(s, "ο λόγος", NULL), "word");
    CHECK_STR(answer(s, "wheres my order", NULL), "track");
    CHECK_STR(answer(s, "WHERE'S MY ORDER?", NULL), "track");
    CHECK_STR(answer(s, "whereʼs my order", NULL), "track");
    CHECK_STR(answer(s, "my e-mail", NULL), "mail");
    CHECK_STR(answer(s, "my e mail", NULL), "mail");
    CHECK_STR(answer(s, "Cafés nearby?", NULL), "cafe");           /* NFD keyword, NFC text */
    CHECK_STR(answer(s, "Як звязатися?", NULL), "uk");              /* apostrophe left out */
    CHECK_STR(answer(s, "Як зв’язатися?", NULL), "uk");
    faq_free(s);
    /* a keyword of punctuation only is no keyword */
    struct faq_entry e;
    const char *j = "{\"id\":\"x\",\"question\":\"q\",\"answer\":\"a\",\"keywords\":[\"£!\"]}";
    CHECK(proto_faq_decode(j, strlen(j), &e, field, sizeof(field), msg, sizeof(msg)) == PL_ERR_BAD_REQUEST);
    CHECK_STR(field, "keywords[0]");
}

static void test_fold_diacritics(void)
{
    const char *json =
        "[{\"id\":\"hol\",\"locale\":\"cy\",\"question\":\"q\",\"answer\":\"a\","
        "  \"keywords\":[\"gŵyl y banc\"],\"fold_diacritics\":true},"
        " {\"id\":\"food\",\"locale\":\"uk\",\"question\":\"q\",\"answer\":\"a\",\"keywords\":[\"поїздка\"]},"
        " {\"id\":\"kid\",\"locale\":\"tl\",\"question\":\"q\",\"answer\":\"a\",\"keywords\":[\"niño\"],"
        "  \"fold_diacritics\":false}]";
    struct faq_set *s = set_of(json);
    CHECK_STR(answer(s, "ar agor ar gwyl y banc?", "cy"), "hol");
    CHECK_STR(answer(s, "GŴYL Y BANC", "cy"), "hol");
    CHECK_STR(answer(s, "поіздка", "uk"), "");      /* not folded: ї is not і */
    CHECK_STR(answer(s, "nino", "tl"), "");
    faq_free(s);
    faq_set_default_fold_diacritics(1);   /* the global default folds the unset one only */
    s = set_of(json);
    CHECK_STR(answer(s, "поіздка", "uk"), "food");
    CHECK_STR(answer(s, "ПОЇЗДКА", "uk"), "food");
    CHECK_STR(answer(s, "nino", "tl"), "");
    faq_set_default_fold_diacritics(0);
    faq_free(s);
    /* the field round-trips and is checked */
    struct faq_entry e;
    const char *j = "{\"id\":\"x\",\"question\":\"q\",\"answer\":\"a\",\"keywords\":[\"k\"],\"fold_diacritics\":true}";
    CHECK(proto_faq_decode(j, strlen(j), &e, field, sizeof(field), msg, sizeof(msg)) == PL_OK);
    CHECK(e.fold_diacritics == FAQ_FOLD_ON);
    char *out = proto_faq_encode(&e);
    CHECK(out && strstr(out, "\"fold_diacritics\":true"));
    free(out);
    faq_entry_free(&e);
    j = "{\"id\":\"x\",\"question\":\"q\",\"answer\":\"a\",\"keywords\":[\"k\"],\"fold_diacritics\":null}";
    CHECK(proto_faq_decode(j, strlen(j), &e, field, sizeof(field), msg, sizeof(msg)) == PL_OK);
    CHECK(e.fold_diacritics == FAQ_FOLD_DEFAULT);
    out = proto_faq_encode(&e);
    CHECK(out && !strstr(out, "fold_diacritics"));
    free(out);
    faq_entry_free(&e);
    j = "{\"id\":\"x\",\"question\":\"q\",\"answer\":\"a\",\"keywords\":[\"k\"],\"fold_diacritics\":\"yes\"}";
    CHECK(proto_faq_decode(j, strlen(j), &e, field, sizeof(field), msg, sizeof(msg)) == PL_ERR_BAD_REQUEST);
    CHECK_STR(field, "fold_diacritics");
}

static void test_scoring(void)
{
    struct faq_set *s = set_of(
        "[{\"id\":\"refund\",\"locale\":\"en\",\"question\":\"q\",\"answer\":\"a\",\"keywords\":[\"order\",\"refund\"]},"
        " {\"id\":\"track\",\"locale\":\"en\",\"question\":\"q\",\"answer\":\"a\",\"keywords\":[\"order\",\"tracking\"]},"
        " {\"id\":\"cancel\",\"locale\":\"en\",\"question\":\"q\",\"answer\":\"a\",\"keywords\":[\"order\",\"cancel\"]},"
        " {\"id\":\"other\",\"locale\":\"cy\",\"question\":\"q\",\"answer\":\"a\",\"keywords\":[\"refund\"]},"
        " {\"id\":\"vip\",\"locale\":\"en\",\"question\":\"q\",\"answer\":\"a\",\"keywords\":[\"parcel\"],\"weight\":3},"
        " {\"id\":\"plain\",\"locale\":\"en\",\"question\":\"q\",\"answer\":\"a\",\"keywords\":[\"parcel\"]}]");
    struct faq_match m;
    /* "order" is in three English entries: idf 1 / (1 + 0.5 ln 3); alone it still
     * passes the threshold (raw 1.05) and offers the three, best first by order */
    CHECK(faq_match(s, "my order", "en", &m) == 2 && m.n_choices == 3);
    CHECK(m.score > 0.80 && m.score < 0.83);   /* 1.05 x 0.6455 x 1.2 */
    /* the rare word decides: refund (df 1 in English; the Welsh one is another language) */
    CHECK(faq_match(s, "refund my order", "en", &m) == 1);
    CHECK_STR(m.entry->id, "refund");
    CHECK(m.n_matched == 2);
    CHECK(m.score > 2.1 && m.score < 2.2);     /* (1.1 + 1.05 x 0.6455) x 1.2 */
    CHECK_STR(answer(s, "cancel the order", "en"), "cancel");
    /* weight: a shared word, but weight 3 makes a clear winner */
    CHECK_STR(answer(s, "parcel", "en"), "vip");
    faq_set_thresholds(s, 5.0, 0.2);   /* a global threshold above everything */
    CHECK_STR(answer(s, "refund my order", "en"), "");
    faq_free(s);
}

/* Patterns the prefilter files by their literals still answer what they match. */
static void test_prefilter_sound(void)
{
    struct faq_set *s = set_of(
        "[{\"id\":\"p1\",\"question\":\"q\",\"answer\":\"a\",\"patterns\":[\"colou?r\\\\s+chart\"]},"
        " {\"id\":\"p2\",\"question\":\"q\",\"answer\":\"a\",\"patterns\":[\"\\\\bfree\\\\b.*\\\\b(delivery|shipping)\\\\b|\\\\bno charge\\\\b\"]},"
        " {\"id\":\"p3\",\"question\":\"q\",\"answer\":\"a\",\"patterns\":[\"(?x) z i p \\\\s+ code\"]},"
        " {\"id\":\"p4\",\"question\":\"q\",\"answer\":\"a\",\"patterns\":[\"\\\\d{5}\"]},"
        " {\"id\":\"p5\",\"question\":\"q\",\"answer\":\"a\",\"patterns\":[\"faint o\\\\W?r gloch\"]},"
        " {\"id\":\"p6\",\"question\":\"q\",\"answer\":\"a\",\"patterns\":[\"(?:gift|present)s?\\\\s+wrap(ping)?\"]},"
        " {\"id\":\"p7\",\"question\":\"q\",\"answer\":\"a\",\"patterns\":[\"\\\\Qa+b\\\\E\"]},"
        " {\"id\":\"p8\",\"question\":\"q\",\"answer\":\"a\",\"patterns\":[\"ДОСТАВК\\\\w*\\\\s+(?:в|до)\\\\s+україн\"]},"
        " {\"id\":\"k1\",\"question\":\"q\",\"answer\":\"a\",\"keywords\":[\"жив* люд*\", \"send it back\"]}]");
    CHECK_STR(answer(s, "Is there a color chart?", NULL), "p1");
    CHECK_STR(answer(s, "is there a COLOUR   chart", NULL), "p1");
    CHECK_STR(answer(s, "Is it FREE? I mean the delivery", NULL), "p2");
    CHECK_STR(answer(s, "at no charge?", NULL), "p2");
    CHECK_STR(answer(s, "my zip  code", NULL), "p3");
    CHECK_STR(answer(s, "postcode 90210", NULL), "p4");
    CHECK_STR(answer(s, "Faint o’r gloch?", NULL), "p5");
    CHECK_STR(answer(s, "faint or gloch", NULL), "p5");
    CHECK_STR(answer(s, "do you do presents wrapping", NULL), "p6");
    CHECK_STR(answer(s, "gift wrap?", NULL), "p6");
    CHECK_STR(answer(s, "is a+b ok", NULL), "p7");
    CHECK_STR(answer(s, "доставка до України", NULL), "p8");
    CHECK_STR(answer(s, "з живою людиною", NULL), "k1");
    CHECK_STR(answer(s, "I'll send it back", NULL), "k1");
    CHECK_STR(answer(s, "nothing here at all", NULL), "");
    faq_free(s);
}

/* faq_match without the prefilter (server/faq_internal.h, not public). */
int faq__match_all(const struct faq_set *s, const char *text, const char *locale,
                   struct faq_match *out);

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = f ? malloc(1 << 20) : NULL;
    *len = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    if (buf) buf[*len] = '\0';
    if (f) fclose(f);
    return buf;
}

/* Random messages from the demo FAQ's own words (keywords, pieces of patterns,
 * filler, odd casing and punctuation): the prefilter never changes an answer. */
static void test_prefilter_random(void)
{
    size_t len, n = 0;
    char *json = read_all("faq/demo.json", &len);
    struct faq_entry *v = NULL;
    struct faq_set *s = NULL;
    CHECK(json && proto_faq_decode_array(json, len, &v, &n, field, sizeof(field), msg,
                                         sizeof(msg)) == PL_OK);
    CHECK(faq_build(v, n, &s, field, sizeof(field), msg, sizeof(msg)) == PL_OK);
    const char *words[4096];
    size_t nw = 0;
    static const char *const extra[] = { "how much", "how long", "when", "where", "do you", "free",
        "скільки", "коли", "де", "faint", "pryd", "ble", "pa mor hir", "magkano", "gaano katagal",
        "nasaan", "хэд", "хэзээ", "хаана", "my", "the", "?", "!", ",", "'", "’", "AND", "ydych chi'n" };
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < v[i].n_keywords && nw < 4000; k++) words[nw++] = v[i].keywords[k];
    for (size_t k = 0; k < PL_ARRAY_LEN(extra); k++) words[nw++] = extra[k];
    static const char *const locales[] = { "en", "uk", "cy", "tl", "mn", NULL };
    uint32_t seed = 7;
    int differ = 0, answered = 0;
    for (int round = 0; s && round < 3000 && differ < 5; round++) {
        char text[512] = "";
        size_t o = 0, count = 1 + (seed = seed * 1103515245u + 12345u) % 6;
        for (size_t k = 0; k < count; k++) {
            const char *w = words[(seed = seed * 1103515245u + 12345u) % nw];
            int star = 0;
            o += (size_t)snprintf(text + o, sizeof(text) - o, "%s", o ? " " : "");
            for (const char *c = w; *c && o + 4 < sizeof(text); c++) {
                if (*c == '*') { star = 1; continue; }
                text[o++] = (seed >> 16) % 7 == 0 && *c >= 'a' && *c <= 'z' ? (char)(*c - 32) : *c;
            }
            if (star && o + 4 < sizeof(text)) memcpy(text + o, "ing", 4), o += 3;
            text[o] = '\0';
        }
        const char *loc = locales[round % 6];
        struct faq_match a, b;
        int ra = faq_match(s, text, loc, &a), rb = faq__match_all(s, text, loc, &b);
        answered += ra != 0;
        if (ra != rb || a.entry != b.entry || a.score != b.score || a.n_choices != b.n_choices) {
            differ++;
            fprintf(stderr, "  prefilter differs on \"%s\": %d %.3f vs %d %.3f\n", text, ra,
                    a.score, rb, b.score);
        }
    }
    CHECK(differ == 0);
    CHECK(answered > 1500);   /* most random messages hit something: the test has teeth */
    printf("prefilter: 3000 random messages, %d answered, same as running every program\n", answered);
    proto_faq_free_array(v, n);
    faq_free(s);
    free(json);
}

int main(void)
{
    test_normalise();
    test_fast_slow_agree();
    test_keywords_meet_text();
    test_fold_diacritics();
    test_scoring();
    test_prefilter_sound();
    test_prefilter_random();
    return test_summary("test_faq_text");
}
