/*
 * Text normalisation for the FAQ matcher, with libunistring doing the Unicode.
 *
 * A visitor's message and an admin's keyword are brought to one "keyword form"
 * (see faq_internal.h): full case folding (ß = ss, ς = σ, ẞ = ß), NFKC so é typed
 * as e + U+0301 is é, apostrophes (' ’ ‘ ʼ ′ ` ´) removed so "wheres" meets
 * "where's", and punctuation, symbols and white space collapsed to one space.
 * Optional diacritic folding (NFKD, drop Mn, NFC) makes ŵ = w, ї = і, ñ = n.
 *
 * Speed: u8_casefold with NFKC costs ~10 µs for a 200-character message, the whole
 * matching budget. So the result for each code point of Latin, IPA, Greek,
 * Cyrillic and General Punctuation is computed once, by libunistring, into a
 * table; a message made only of those characters (nearly all of them, in the five
 * demo languages) is mapped character by character. Anything else (combining
 * marks, other scripts, emoji, bad UTF-8) takes the whole-string library path.
 * Both paths give the same result: the table holds exactly what libunistring
 * says for characters that cannot interact with their neighbours.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>
#include "faq_internal.h"

#define LO_END 0x530        /* Latin, IPA, Greek, Cyrillic */
#define HI_BEG 0x2000       /* General Punctuation */
#define HI_END 0x2070
#define OUT_MAX 7

enum { F_SLOW = 1, F_NFC = 2 };   /* needs the library path; NFC changes it */
struct cp_map { uint8_t len[2], flags; char out[2][OUT_MAX]; };
static struct cp_map lo[LO_END], hi[HI_END - HI_BEG];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static int is_apostrophe(ucs4_t c)
{
    return c == '\'' || c == 0x2019 || c == 0x2018 || c == 0x02BC || c == 0x2032 ||
           c == '`' || c == 0x00B4 || c == 0x02B9 || c == 0xFF07;
}

enum { C_WORD, C_SPACE, C_DROP };
static int cls(ucs4_t c)
{
    if (is_apostrophe(c)) return C_DROP;
    if (c == '_' || uc_is_general_category(c, UC_CATEGORY_L) ||
        uc_is_general_category(c, UC_CATEGORY_N) || uc_is_general_category(c, UC_CATEGORY_M))
        return C_WORD;
    return C_SPACE;
}

static struct cp_map *map_of(ucs4_t c)
{
    if (c < LO_END) return &lo[c];
    return c >= HI_BEG && c < HI_END ? &hi[c - HI_BEG] : NULL;
}

/* Case fold (and for `fold`, strip nonspacing marks); NULL on failure. */
static uint8_t *fold_string(const uint8_t *s, size_t n, int fold, size_t *len)
{
    uint8_t *r = u8_casefold(s, n, NULL, fold ? UNINORM_NFKD : UNINORM_NFKC, NULL, len);
    if (!r || !fold) return r;
    size_t o = 0;
    for (size_t i = 0; i < *len; ) {
        ucs4_t c;
        int k = u8_mbtouc(&c, r + i, *len - i);
        if (!uc_is_general_category(c, UC_CATEGORY_Mn)) memmove(r + o, r + i, (size_t)k), o += (size_t)k;
        i += (size_t)k;
    }
    uint8_t *nfc = u8_normalize(UNINORM_NFC, r, o, NULL, len);
    free(r);
    return nfc;
}

static void init_one(ucs4_t c, struct cp_map *m)
{
    uint8_t in[8];
    int n = u8_uctomb(in, c, sizeof(in));
    size_t len;
    if (n <= 0 || uc_is_general_category(c, UC_CATEGORY_M) || uc_combining_class(c)) {
        m->flags = F_SLOW;
        return;
    }
    uint8_t *nfc = u8_normalize(UNINORM_NFC, in, (size_t)n, NULL, &len);
    if (!nfc || len != (size_t)n || memcmp(nfc, in, len)) m->flags |= F_NFC;
    free(nfc);
    for (int v = 0; v < 2; v++) {
        uint8_t *r = is_apostrophe(c) ? NULL : fold_string(in, (size_t)n, v, &len);
        size_t o = 0;
        if (!r && !is_apostrophe(c)) { m->flags |= F_SLOW; continue; }
        for (size_t i = 0; r && i < len; ) {
            ucs4_t d;
            int k = u8_mbtouc(&d, r + i, len - i), kind = cls(d);
            if (uc_combining_class(d)) m->flags |= F_SLOW;
            if (kind == C_WORD && o + (size_t)k <= OUT_MAX) memcpy(m->out[v] + o, r + i, (size_t)k);
            if (kind == C_SPACE && o < OUT_MAX) m->out[v][o] = ' ';
            o += kind == C_WORD ? (size_t)k : kind == C_SPACE;
            i += (size_t)k;
        }
        if (o > OUT_MAX) m->flags |= F_SLOW;
        m->len[v] = (uint8_t)(o > OUT_MAX ? 0 : o);
        free(r);
    }
}

static void init_tables(void)
{
    for (ucs4_t c = 0; c < LO_END; c++) init_one(c, &lo[c]);
    for (ucs4_t c = HI_BEG; c < HI_END; c++) init_one(c, &hi[c - HI_BEG]);
}

/* Decodes one code point; invalid bytes give U+FFFD and advance one byte. The
 * one- to three-byte forms are decoded inline: this runs for every character. */
static size_t next_cp(const uint8_t *s, size_t n, ucs4_t *c)
{
    uint8_t b = s[0];
    if (b < 0x80) { *c = b; return 1; }
    if (b >= 0xC2 && b < 0xE0 && n >= 2 && (s[1] & 0xC0) == 0x80) {
        *c = (ucs4_t)(b & 0x1F) << 6 | (s[1] & 0x3F);
        return 2;
    }
    if (b >= 0xE0 && b < 0xF0 && n >= 3 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80) {
        *c = (ucs4_t)(b & 0x0F) << 12 | (ucs4_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
        if (*c >= 0x800 && (*c < 0xD800 || *c > 0xDFFF)) return 3;
    }
    int k = u8_mbtoucr(c, s, n);
    if (k > 0) return (size_t)k;
    *c = 0xFFFD;
    return 1;
}

static size_t cap_len(const char *in, size_t n)
{
    if (n <= FAQ_TEXT_MAX) return n;
    for (n = FAQ_TEXT_MAX; n > 0 && ((unsigned char)in[n] & 0xC0) == 0x80; n--) {}
    return n;
}

/* Emits the folded bytes, collapsing spaces and trimming. */
struct out { char *p; size_t o; int space; };
static void emit(struct out *w, const char *b, size_t k)
{
    for (size_t i = 0; i < k; i++) {
        if (b[i] == ' ') { w->space = w->o > 0; continue; }
        if (w->space) w->p[w->o++] = ' ', w->space = 0;
        w->p[w->o++] = b[i];
    }
}

/* The library path: valid UTF-8 with apostrophes made ASCII, folded whole, then
 * classified character by character. */
static char *norm_slow(const uint8_t *s, size_t n, int flags, size_t *len_out)
{
    uint8_t *clean = malloc(n * 3 + 1), *r = NULL;
    size_t m = 0, len = 0;
    if (!clean) return NULL;
    for (size_t i = 0; i < n; ) {
        ucs4_t c;
        i += next_cp(s + i, n - i, &c);
        m += (size_t)u8_uctomb(clean + m, is_apostrophe(c) ? '\'' : c, 6);
    }
    r = fold_string(clean, m, flags & NORM_FOLD, &len);
    free(clean);
    struct out w = { r ? malloc(len + 1) : NULL, 0, 0 };
    for (size_t i = 0; w.p && i < len; ) {
        ucs4_t c;
        size_t k = next_cp(r + i, len - i, &c);
        int kind = c == '*' && (flags & NORM_STAR) ? C_WORD : cls(c);
        if (kind != C_DROP) emit(&w, kind == C_SPACE ? " " : (const char *)r + i, kind == C_SPACE ? 1 : k);
        i += k;
    }
    free(r);
    if (!w.p) return NULL;
    w.p[w.o] = '\0';
    *len_out = w.o;
    return w.p;
}

char *faq__norm(const char *in, size_t n, int flags, size_t *len_out)
{
    pthread_once(&table_once, init_tables);
    const uint8_t *s = (const uint8_t *)in;
    int v = flags & NORM_FOLD ? 1 : 0;
    n = cap_len(in, n);
    struct out w = { malloc(n * 2 + 1), 0, 0 };   /* a table entry at most doubles */
    if (!w.p) return NULL;
    for (size_t i = 0; i < n; ) {
        ucs4_t c;
        size_t k = next_cp(s + i, n - i, &c);
        const struct cp_map *m = map_of(c);
        if (!m || (m->flags & F_SLOW)) {   /* bad bytes decode to U+FFFD: no entry */
            free(w.p);
            return norm_slow(s, n, flags, len_out);
        }
        if (c == '*' && (flags & NORM_STAR)) emit(&w, "*", 1);
        else emit(&w, m->out[v], m->len[v]);
        i += k;
    }
    w.p[w.o] = '\0';
    *len_out = w.o;
    return w.p;
}

char *faq__nfc(const char *in)
{
    size_t n = strlen(in), len;
    uint8_t *r = u8_normalize(UNINORM_NFC, (const uint8_t *)in, n, NULL, &len);
    if (!r) return NULL;   /* not UTF-8, or out of memory: the caller keeps its own */
    char *out = malloc(len + 1);
    if (out) memcpy(out, r, len), out[len] = '\0';
    free(r);
    return out;
}

static size_t space_len(const char *p, size_t rem)
{
    if (*p == ' ' || (*p >= '\t' && *p <= '\r')) return 1;
    return rem >= 2 && (unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xA0 ? 2 : 0;
}

char *faq__norm_pat(const char *in, size_t *len_out)
{
    pthread_once(&table_once, init_tables);
    const uint8_t *s = (const uint8_t *)in;
    size_t n = cap_len(in, strlen(in)), len = n;
    int plain = 1;
    for (size_t i = 0; i < n && plain; ) {
        ucs4_t c;
        size_t k = next_cp(s + i, n - i, &c);
        const struct cp_map *m = map_of(c);
        plain = m && !(m->flags & (F_SLOW | F_NFC));
        i += k;
    }
    uint8_t *nfc = NULL;
    if (!plain) {   /* bad bytes become U+FFFD first: u8_normalize refuses them */
        uint8_t *clean = malloc(n * 3 + 1);
        size_t m = 0;
        for (size_t i = 0; clean && i < n; ) {
            ucs4_t c;
            i += next_cp(s + i, n - i, &c);
            m += (size_t)u8_uctomb(clean + m, c, 6);
        }
        nfc = clean ? u8_normalize(UNINORM_NFC, clean, m, NULL, &len) : NULL;
        free(clean);
        if (!nfc) return NULL;
        s = nfc;
    }
    char *out = malloc(len + 1);
    size_t o = 0, k;
    int pending = 0;
    for (size_t i = 0; out && i < len; ) {
        const char *p = (const char *)s + i;
        ucs4_t c;
        if ((k = space_len(p, len - i))) { pending = o > 0; i += k; continue; }
        if (pending) out[o++] = ' ', pending = 0;
        k = next_cp(s + i, len - i, &c);
        if (is_apostrophe(c)) out[o++] = '\'';
        else memcpy(out + o, p, k), o += k;
        i += k;
    }
    free(nfc);
    if (!out) return NULL;
    out[o] = '\0';
    *len_out = o;
    return out;
}
