/*
 * The FAQ matcher's build side: entries checked, compiled to PCRE2 programs and
 * indexed for the prefilter; matching itself is faq_match.c.
 *
 *  - One program per keyword, not one alternation: an alternation reports only the
 *    leftmost hit, and every hit is needed to score and to show the admin why an
 *    answer was chosen. The prefilter (faq_prefilter.c) picks the few to run.
 *  - Keywords are compiled in keyword form (faq_norm.c), the form the message is
 *    matched in, so case, NFC/NFD, apostrophes and punctuation cannot keep them
 *    apart; word boundaries are lookarounds over letters, digits, marks and '_'.
 *  - An admin pattern that backtracks catastrophically on a probe string (PCRE2
 *    match, depth or heap limit) is refused when saved; at match time the same
 *    limits make any other runaway fail (no match) instead of stalling the loop.
 *  - IDF: a keyword many entries of one language share weighs less when ranking.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <math.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "parley/faq.h"
#include "faq_internal.h"

#define PAT_OPTS (KW_OPTS | PCRE2_NEVER_BACKSLASH_C)
#define WORD_CLASS "[\\p{L}\\p{N}\\p{M}_]"
#define ENDING "[\\p{L}\\p{N}\\p{M}'\\-]*"
#define ID_MAX 64
#define ANSWER_MAX 4000        /* code points */
#define IDF_ALPHA 0.5
#define REFS_CAP 4096
#define PROBE_MATCH_LIMIT 100000
#define PROBE_DEPTH_LIMIT 2000
#define PROBE_HEAP_LIMIT 4096  /* KiB */          /* programs one message may select before all run */

static void free_strv(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

void faq_entry_free(struct faq_entry *e)
{
    if (!e) return;
    free(e->id); free(e->locale); free(e->question); free(e->answer);
    free_strv(e->keywords, e->n_keywords);
    free_strv(e->patterns, e->n_patterns);
    memset(e, 0, sizeof(*e));
}

static char *dup_str(const char *s, int *fail)
{
    char *d = s ? strdup(s) : NULL;
    *fail |= s && !d;
    return d;
}

static char **dup_strv(char *const *v, size_t n, size_t *n_out, int *fail)
{
    *n_out = 0;
    if (!v || !n) return NULL;
    char **d = calloc(n, sizeof(*d));
    if (!d) { *fail = 1; return NULL; }
    for (size_t i = 0; i < n; i++)
        if (v[i] && !(d[i] = strdup(v[i]))) { free_strv(d, i); *fail = 1; return NULL; }
    *n_out = n;
    return d;
}

pl_status faq_entry_copy(struct faq_entry *dst, const struct faq_entry *src)
{
    int fail = 0;
    memset(dst, 0, sizeof(*dst));
    dst->id = dup_str(src->id, &fail);
    dst->locale = dup_str(src->locale, &fail);
    dst->question = dup_str(src->question, &fail);
    dst->answer = dup_str(src->answer, &fail);
    dst->keywords = dup_strv(src->keywords, src->n_keywords, &dst->n_keywords, &fail);
    dst->patterns = dup_strv(src->patterns, src->n_patterns, &dst->n_patterns, &fail);
    dst->weight = src->weight;
    dst->fold_diacritics = src->fold_diacritics;
    dst->team = src->team;
    if (fail) { faq_entry_free(dst); return PL_ERR_NOMEM; }
    return PL_OK;
}


void faq__sb_addn(struct sb *b, const char *s, size_t n)
{
    size_t cap = b->cap ? b->cap : 128;
    while (cap < b->len + n + 1) cap *= 2;
    char *p = b->oom ? NULL : cap == b->cap ? b->p : realloc(b->p, cap);
    if (!p) { b->oom = 1; return; }
    b->p = p; b->cap = cap;
    memcpy(p + b->len, s, n);
    p[b->len += n] = '\0';
}

void faq__sb_add(struct sb *b, const char *s) { faq__sb_addn(b, s, strlen(s)); }
static int is_cont(unsigned char c) { return (c & 0xC0) == 0x80; }
static int is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

/* Byte length of a space at p (ASCII white space or no-break space), else 0. */
static size_t space_len(const char *p)
{
    if (is_space(*p)) return 1;
    return ((unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xA0) ? 2 : 0;
}

static _Atomic int default_fold;
void faq_set_default_fold_diacritics(int on) { default_fold = on != 0; }
static int folds(const struct faq_entry *e)
{
    return e->fold_diacritics == FAQ_FOLD_ON || (e->fold_diacritics != FAQ_FOLD_OFF && default_fold);
}

__attribute__((format(printf, 6, 7)))
static pl_status bad(char *field, size_t field_len, char *msg, size_t msg_len,
                     const char *name, const char *fmt, ...)
{
    if (field && field_len) snprintf(field, field_len, "%s", name);
    if (msg && msg_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, msg_len, fmt, ap);
        va_end(ap);
    }
    return PL_ERR_BAD_REQUEST;
}

/* Appends the regex of a keyword in keyword form: words separated by any white
 * space, bounded by non-word characters, a '*' ending a word matching any
 * ending. Counts the words and their code points (stars excluded). Returns -1
 * when the keyword is blank or has a '*' that does not end a word. */
int faq__kw_regex(struct sb *b, const char *kw, int *words, int *letters)
{
    int last_star = 0;
    *words = *letters = 0;
    faq__sb_add(b, "(?<!" WORD_CLASS ")");
    for (const char *p = kw; *p; ) {
        if (is_space(*p)) { p++; continue; }
        if ((*words)++) faq__sb_add(b, "\\s+");
        int stem = 0; last_star = 0;
        for (; *p && !is_space(*p); ) {
            if (last_star) return -1;
            if (*p == '*') { last_star = 1; p++; continue; }
            stem++;
            unsigned char c = (unsigned char)*p;
            if (c < 0x80 && !isalnum(c)) faq__sb_add(b, "\\");
            faq__sb_addn(b, p++, 1);
            while (is_cont((unsigned char)*p)) faq__sb_addn(b, p++, 1);
        }
        if (!stem) return -1;
        if (last_star) faq__sb_add(b, ENDING);
        *letters += stem;
    }
    if (!*words) return -1;
    if (!last_star) faq__sb_add(b, "(?!" WORD_CLASS ")");
    return 0;
}

static int raw_words(const char *kw)   /* as the admin wrote it: "e-mail" is one */
{
    int n = 0;
    for (const char *p = kw; *p; ) {
        size_t k = space_len(p);
        if (k) { p += k; continue; }
        n++;
        while (*p && !space_len(p)) p++;
    }
    return n;
}

/* Specificity: a phrase of k words 1.5 per word; a single word 1.0, a little more
 * when long (up to 1.3 at 10+ letters), less (0.8) when 3 letters or fewer, so a
 * lone short word does not pass the default threshold by itself. */
static double kw_score(int words, int letters)
{
    return words > 1 ? 1.5 * words : letters <= 3 ? 0.8
         : 1.0 + 0.05 * (letters >= 10 ? 6 : letters - 4);
}

void faq__jit(pcre2_code *c)
{
    /* PARLEY_NO_JIT: valgrind cannot follow JIT-compiled code (make valgrind). */
    static int jit = -1;
    if (jit < 0)
        jit = getenv("PARLEY_NO_JIT") == NULL;
    if (c && jit)
        (void)pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);   /* else silently interpreted */
}

/* JIT-compiled where available. On failure, *err is PCRE2's code and `why` its
 * message with the offset. */
pcre2_code *faq__compile(const char *re, uint32_t opts, int *err, char *why, size_t len)
{
    pcre2_code *c = faq__compile_nojit(re, opts, err, why, len);
    faq__jit(c);
    return c;
}

pcre2_code *faq__compile_nojit(const char *re, uint32_t opts, int *err, char *why, size_t len)
{
    PCRE2_SIZE off = 0;
    PCRE2_UCHAR m[160];
    pcre2_code *c = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, opts, err, &off, NULL);
    if (c) return c;
    if (pcre2_get_error_message(*err, m, sizeof(m)) < 0)
        snprintf((char *)m, sizeof(m), "error %d", *err);
    snprintf(why, len, "%s at offset %zu", (const char *)m, (size_t)off);
    return NULL;
}

static void centry_free_programs(struct centry *c)
{
    for (size_t i = 0; i < c->n_kw; i++) pcre2_code_free(c->kw[i].re), free(c->kw[i].norm);
    for (size_t i = 0; i < c->n_pat; i++) pcre2_code_free(c->pat[i]);
    free(c->kw); free(c->pat);
    c->kw = NULL; c->pat = NULL; c->n_kw = c->n_pat = 0;
}

static int kw_cmp(const void *a, const void *b)   /* most specific first, stable */
{
    const struct kw *x = a, *y = b;
    if (x->score != y->score) return x->score < y->score ? 1 : -1;
    return (x->order > y->order) - (x->order < y->order);
}

static pl_status compile_keyword(struct kw *k, const char *src, size_t i, int fold, char *field,
                                 size_t fl, char *msg, size_t ml)
{
    char name[32], why[200];
    struct sb b = {0};
    int words, letters, err = 0, shape = -1;
    size_t n;
    snprintf(name, sizeof(name), "keywords[%zu]", i);
    if (!src) return bad(field, fl, msg, ml, name, "must be a string");
    if (!(k->norm = faq__norm(src, strlen(src), NORM_STAR | (fold ? NORM_FOLD : 0), &n)))
        return PL_ERR_NOMEM;
    if ((shape = faq__kw_regex(&b, k->norm, &words, &letters)) == 0 && !b.oom)
        k->re = faq__compile_nojit(b.p, KW_OPTS, &err, why, sizeof(why));   /* JIT: faq__jit_entry */
    free(b.p);
    if (shape < 0 || !k->re) { free(k->norm); k->norm = NULL; }
    if (shape < 0)
        return bad(field, fl, msg, ml, name, "must be a word or phrase of letters or digits; "
                   "'*' may only end a word");
    if (!k->re)
        return b.oom || err == PCRE2_ERROR_NOMEMORY ? PL_ERR_NOMEM
             : bad(field, fl, msg, ml, name, "not a usable keyword (%s)", why);
    k->src = src; k->score = kw_score(raw_words(src) > 1 ? words : 1, letters);
    k->idf = 1.0; k->order = i;
    return PL_OK;
}

/* Probe strings a sane pattern fails fast on: a run of one letter (nested
 * quantifiers), words and spaces ((\w+\s?)*x), and 4000 mixed characters. */
static char probe_words[200], probe_mixed[4001];
static pthread_once_t probe_once = PTHREAD_ONCE_INIT;
static void probe_init(void)
{
    static const char piece[] = "Lorem ipsum, dolor 42 sit? Мае ŵyl ta’ i-dda! Сайн уу ñ ";
    size_t o = 0, n = sizeof(piece) - 1;
    for (; o + 6 < sizeof(probe_words); o += 5) memcpy(probe_words + o, "aaaa ", 5);
    probe_words[o - 1] = '!';
    for (o = 0; o + n < sizeof(probe_mixed); o += n) memcpy(probe_mixed + o, piece, n);
    probe_mixed[o] = '\0';
}
static const char *const probe_short = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!";

/* Refuses a pattern that hits a match limit on a probe (too slow for chat). The
 * probe copy is interpreted and compiled without start optimisations: those
 * skip a subject lacking the pattern's required character ('b' in (a+)+b), and a
 * visitor's message may well have it. */
static pl_status probe_pattern(const char *src, const char *name, char *field, size_t fl,
                               char *msg, size_t ml)
{
    pthread_once(&probe_once, probe_init);
    int err, rc = 0;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED,
                                   PAT_OPTS | PCRE2_NO_START_OPTIMIZE, &err, &off, NULL);
    pcre2_match_context *mc = pcre2_match_context_create(NULL);
    pcre2_match_data *md = re ? pcre2_match_data_create_from_pattern(re, NULL) : NULL;
    if (mc && md) {
        pcre2_set_match_limit(mc, PROBE_MATCH_LIMIT);
        pcre2_set_depth_limit(mc, PROBE_DEPTH_LIMIT);
        pcre2_set_heap_limit(mc, PROBE_HEAP_LIMIT);
        const char *probes[] = { probe_short, probe_words, probe_mixed };
        for (size_t i = 0; i < PL_ARRAY_LEN(probes) && rc >= PCRE2_ERROR_NOMATCH; i++)
            rc = pcre2_match(re, (PCRE2_SPTR)probes[i], strlen(probes[i]), 0, PCRE2_NO_JIT, md, mc);
    }
    pcre2_match_data_free(md);
    pcre2_match_context_free(mc);
    pcre2_code_free(re);
    if (!mc || !md) return PL_ERR_NOMEM;
    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT)
        return bad(field, fl, msg, ml, name, "too slow: it backtracks without end on a test message "
                   "(nested repeats such as (a+)+ or (\\w+\\s?)*); simplify it");
    return PL_OK;
}

/* probe: also refuse a pattern that is too slow on the probe strings. Done when an
 * entry is validated (saved, imported, checked), not when a set is built from
 * entries that were: probing every stored pattern made each restart ~0.5 s slower. */
static pl_status compile_pattern(pcre2_code **out, const char *src, size_t i, int probe,
                                 char *field, size_t fl, char *msg, size_t ml)
{
    char name[32], why[200];
    int err;
    snprintf(name, sizeof(name), "patterns[%zu]", i);
    if (!src) return bad(field, fl, msg, ml, name, "must be a string");
    char *nfc = faq__nfc(src);   /* NULL: not UTF-8, compiled as given (and refused) */
    const char *re = nfc ? nfc : src;
    pl_status st = PL_OK;
    if (!(*out = faq__compile_nojit(re, PAT_OPTS, &err, why, sizeof(why))))
        st = err == PCRE2_ERROR_NOMEMORY ? PL_ERR_NOMEM : bad(field, fl, msg, ml, name, "%s", why);
    else if (probe && (st = probe_pattern(re, name, field, fl, msg, ml)) != PL_OK)
        pcre2_code_free(*out), *out = NULL;
    free(nfc);
    return st;
}

/* Compiles c->e's keywords (most specific first) and patterns; on failure the
 * programs compiled so far are freed. */
static pl_status compile_entry(struct centry *c, int probe, char *field, size_t fl, char *msg,
                               size_t ml)
{
    const struct faq_entry *e = &c->e;
    pl_status st = PL_ERR_NOMEM;
    c->fold = folds(e);
    if ((e->n_keywords && !(c->kw = calloc(e->n_keywords, sizeof(*c->kw)))) ||
        (e->n_patterns && !(c->pat = calloc(e->n_patterns, sizeof(*c->pat)))))
        goto fail;
    for (; c->n_kw < e->n_keywords; c->n_kw++)
        if ((st = compile_keyword(&c->kw[c->n_kw], e->keywords[c->n_kw], c->n_kw, c->fold,
                                  field, fl, msg, ml)) != PL_OK) goto fail;
    for (; c->n_pat < e->n_patterns; c->n_pat++)
        if ((st = compile_pattern(&c->pat[c->n_pat], e->patterns[c->n_pat], c->n_pat, probe,
                                  field, fl, msg, ml)) != PL_OK) goto fail;
    if (c->n_kw) qsort(c->kw, c->n_kw, sizeof(*c->kw), kw_cmp);
    return PL_OK;
fail:
    centry_free_programs(c);
    return st;
}

static int valid_id(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    return n >= 1 && n <= ID_MAX && strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                             "abcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

/* A BCP 47-like tag: 2-3 letters, then subtags of 1-8 letters or digits. */
static int valid_locale(const char *s)
{
    size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
    if (n < 2 || n > 3) return 0;
    for (s += n; *s; s += n) {
        if (*s++ != '-') return 0;
        for (n = 0; isalnum((unsigned char)s[n]); n++) {}
        if (n < 1 || n > 8) return 0;
    }
    return 1;
}

static int blank(const char *s)
{
    for (size_t k; s && *s && (k = space_len(s)); s += k) {}
    return !s || !*s;
}

static pl_status check_fields(const struct faq_entry *e, char *f, size_t fl, char *m, size_t ml)
{
    if (!valid_id(e->id))
        return bad(f, fl, m, ml, "id", "required, 1-64 characters of A-Z a-z 0-9 _ . -");
    if (blank(e->question)) return bad(f, fl, m, ml, "question", "required, must not be empty");
    if (blank(e->answer)) return bad(f, fl, m, ml, "answer", "required, must not be empty");
    size_t chars = 0;
    for (const char *p = e->answer; *p; p++) chars += !is_cont((unsigned char)*p);
    if (chars > ANSWER_MAX)
        return bad(f, fl, m, ml, "answer", "longer than %d characters", ANSWER_MAX);
    if (e->locale && !valid_locale(e->locale))
        return bad(f, fl, m, ml, "locale", "must be a language tag like \"en\" or \"en-GB\"");
    if (!(e->weight > 0) || !isfinite(e->weight))
        return bad(f, fl, m, ml, "weight", "must be a number greater than 0");
    if ((e->n_keywords && !e->keywords) || (e->n_patterns && !e->patterns))
        return bad(f, fl, m, ml, e->keywords ? "patterns" : "keywords", "array missing");
    if (!e->n_keywords && !e->n_patterns)
        return bad(f, fl, m, ml, "keywords", "at least one keyword or pattern is required");
    return PL_OK;
}

pl_status faq_validate(const struct faq_entry *e, char *field, size_t field_len,
                       char *msg, size_t msg_len)
{
    pl_status st = check_fields(e, field, field_len, msg, msg_len);
    if (st != PL_OK) return st;
    struct centry c = { .e = *e };   /* borrows e's strings */
    st = compile_entry(&c, 1, field, field_len, msg, msg_len);
    centry_free_programs(&c);
    return st;
}

void faq_free(struct faq_set *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->n; i++)
        centry_free_programs(&s->v[i]), faq_entry_free(&s->v[i].e);
    free(s->v);
    pcre2_match_context_free(s->mctx);
    pcre2_match_data_free(s->md);
    faq__pf_free(s->pf);
    free(s->refs);
    free(s->jitted);
    free(s);
}

static struct faq_set *set_new(size_t n)
{
    struct faq_set *s = calloc(1, sizeof(*s));
    if (!s) return NULL;
    s->threshold = 1.0; s->margin = 0.2;
    s->mctx = pcre2_match_context_create(NULL);
    s->md = pcre2_match_data_create(1, NULL);   /* whole-match span is all we read */
    s->v = n ? calloc(n, sizeof(*s->v)) : NULL;
    s->pf = faq__pf_new();
    s->refs = malloc(REFS_CAP * sizeof(*s->refs));
    s->refs_cap = REFS_CAP;
    s->jitted = calloc(n ? n : 1, 1);
    if (!s->mctx || !s->md || (n && !s->v) || !s->pf || !s->refs || !s->jitted) { faq_free(s); return NULL; }
    pcre2_set_match_limit(s->mctx, 100000);
    pcre2_set_depth_limit(s->mctx, 2000);
    pcre2_set_heap_limit(s->mctx, 4096);        /* KiB */
    return s;
}

static pl_status add_entry(struct faq_set *s, const struct faq_entry *e, char *f, size_t fl,
                           char *m, size_t ml)
{
    pl_status st = check_fields(e, f, fl, m, ml);
    if (st != PL_OK) return st;
    if (faq_find(s, e->id)) return bad(f, fl, m, ml, "id", "duplicate id \"%s\"", e->id);
    struct centry *c = &s->v[s->n];
    if (faq_entry_copy(&c->e, e) != PL_OK) return PL_ERR_NOMEM;
    if ((st = compile_entry(c, 0, f, fl, m, ml)) != PL_OK) { faq_entry_free(&c->e); return st; }
    s->n++;
    return PL_OK;
}

/* The language an entry competes in: its primary subtag, "" for everyone. */
struct use { struct kw *k; char lang[4]; size_t entry; };
static int use_cmp(const void *a, const void *b)
{
    const struct use *x = a, *y = b;
    int c = strcmp(x->k->norm, y->k->norm);
    if (!c) c = strcmp(x->lang, y->lang);
    return c ? c : (x->entry > y->entry) - (x->entry < y->entry);
}

/* Distinct entries in u[a..b) (sorted by entry within equal lang). */
static size_t distinct(const struct use *u, size_t a, size_t b)
{
    size_t n = 0;
    for (size_t i = a; i < b; i++) n += i == a || u[i].entry != u[i - 1].entry || strcmp(u[i].lang, u[i - 1].lang);
    return n;
}

/* idf = 1 / (1 + IDF_ALPHA ln df), df the entries of the keyword's language (plus
 * those for everyone) with the same keyword form; for an entry for everyone, all. */
static pl_status compute_idf(struct faq_set *s)
{
    size_t n = 0, k = 0;
    for (size_t i = 0; i < s->n; i++) n += s->v[i].n_kw;
    struct use *u = malloc((n ? n : 1) * sizeof(*u));
    if (!u) return PL_ERR_NOMEM;
    for (size_t i = 0; i < s->n; i++)
        for (size_t j = 0; j < s->v[i].n_kw; j++, k++) {
            const char *loc = s->v[i].e.locale ? s->v[i].e.locale : "";
            size_t l = 0;
            for (; l < 3 && loc[l] && loc[l] != '-' && loc[l] != '_'; l++)
                u[k].lang[l] = (char)tolower((unsigned char)loc[l]);
            u[k].lang[l] = '\0';
            u[k].k = &s->v[i].kw[j]; u[k].entry = i;
        }
    qsort(u, n, sizeof(*u), use_cmp);
    for (size_t a = 0, b; a < n; a = b) {
        for (b = a; b < n && strcmp(u[b].k->norm, u[a].k->norm) == 0; b++) {}
        size_t none_end = a, all = 0;
        while (none_end < b && !u[none_end].lang[0]) none_end++;
        size_t everyone = distinct(u, a, none_end);
        for (size_t c = a, d; c < b; c = d) {   /* an entry counts once per keyword form */
            for (d = c; d < b && strcmp(u[d].lang, u[c].lang) == 0; d++) {}
            all += distinct(u, c, d);
        }
        for (size_t c = a, d; c < b; c = d) {
            for (d = c; d < b && strcmp(u[d].lang, u[c].lang) == 0; d++) {}
            size_t df = u[c].lang[0] ? distinct(u, c, d) + everyone : all;
            for (size_t i = c; i < d; i++) u[i].k->idf = 1.0 / (1.0 + IDF_ALPHA * log((double)df));
        }
    }
    free(u);
    return PL_OK;
}

static pl_status index_set(struct faq_set *s)
{
    for (size_t i = 0; i < s->n; i++) {
        const struct centry *c = &s->v[i];
        s->has_fold |= c->fold && c->n_kw;
        s->has_pat |= c->n_pat > 0;
        for (size_t j = 0; j < c->n_kw; j++)
            if (faq__pf_add_keyword(s->pf, c->kw[j].norm, c->fold,
                                    (struct faq_ref){ (uint32_t)i, (uint32_t)j, 0 }) < 0) return PL_ERR_NOMEM;
        for (size_t j = 0; j < c->n_pat; j++) {
            char *nfc = faq__nfc(c->e.patterns[j]);
            int rc = faq__pf_add_pattern(s->pf, nfc ? nfc : c->e.patterns[j],
                                         (struct faq_ref){ (uint32_t)i, (uint32_t)(c->n_kw + j), 0 });
            free(nfc);
            if (rc < 0) return PL_ERR_NOMEM;
        }
    }
    return faq__pf_finish(s->pf) < 0 || compute_idf(s) != PL_OK ? PL_ERR_NOMEM : PL_OK;
}

pl_status faq_build(const struct faq_entry *entries, size_t n, struct faq_set **out,
                    char *field, size_t field_len, char *msg, size_t msg_len)
{
    struct faq_set *s = set_new(n);
    if (!s) return PL_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        char why[320] = "";
        pl_status st = add_entry(s, &entries[i], field, field_len, why, sizeof(why));
        if (st == PL_OK) continue;
        if (msg && msg_len)
            snprintf(msg, msg_len, "entry %zu (\"%s\"): %s", i, entries[i].id ? entries[i].id : "",
                     st == PL_ERR_NOMEM ? "out of memory" : why);
        faq_free(s);
        return st;
    }
    if (index_set(s) != PL_OK) {
        if (msg && msg_len) snprintf(msg, msg_len, "out of memory");
        faq_free(s);
        return PL_ERR_NOMEM;
    }
    *out = s;
    return PL_OK;
}

size_t faq_count(const struct faq_set *s) { return s ? s->n : 0; }
const struct faq_entry *faq_at(const struct faq_set *s, size_t i)
{
    return s && i < s->n ? &s->v[i].e : NULL;
}

const struct faq_entry *faq_find(const struct faq_set *s, const char *id)
{
    for (size_t i = 0; s && id && i < s->n; i++)
        if (strcmp(s->v[i].e.id, id) == 0) return &s->v[i].e;
    return NULL;
}

void faq_set_thresholds(struct faq_set *s, double threshold, double margin)
{
    if (!s) return;
    s->threshold = threshold >= 0 && isfinite(threshold) ? threshold : 1.0;
    s->margin = margin >= 0 && margin < 1 ? margin : 0.2;
}

char *faq_normalise(const char *text, int fold_diacritics)
{
    size_t n;
    return text ? faq__norm(text, strlen(text), fold_diacritics ? NORM_FOLD : 0, &n) : NULL;
}
