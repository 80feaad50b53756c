/*
 * The FAQ matcher: entries compiled to PCRE2 programs, scored against a message.
 *
 *  - One program per keyword, not one alternation: an alternation reports only the
 *    leftmost hit, and every hit is needed to score and to show the admin why an
 *    answer was chosen. A few hundred tiny JIT programs cost microseconds.
 *  - Word boundaries are lookarounds over letters, digits, marks and '_', not \b,
 *    so they hold alike in Latin, Cyrillic or Welsh ŵ/ŷ text and next to marks.
 *  - A hit inside a more specific keyword's hit ("hours" in "opening hours") adds
 *    nothing: entries win by specificity, not by listing synonyms of one word.
 *  - Match, depth and heap limits on one match context make an admin's catastrophic
 *    pattern fail (no match) instead of stalling the loop; MATCH_INVALID_UTF makes
 *    bad bytes in a message harmless.
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
#define TEXT_MAX 4096          /* bytes of a message considered for matching */
#define ID_MAX 64
#define ANSWER_MAX 4000        /* code points */
#define MAX_SPANS 32
#define PATTERN_SCORE 1.5
#define SAME_LOCALE 1.2
#define OTHER_LOCALE 0.75

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

/* Byte length of an apostrophe look-alike (’ ‘ ′ ʼ) at p, else 0. */
static size_t apos_len(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    if (u[0] == 0xCA) return u[1] == 0xBC ? 2 : 0;
    return u[0] == 0xE2 && u[1] == 0x80 && (u[2] == 0x98 || u[2] == 0x99 || u[2] == 0xB2) ? 3 : 0;
}

/* Byte length of a space at p (ASCII white space or no-break space), else 0. */
static size_t space_len(const char *p)
{
    if (is_space(*p)) return 1;
    return ((unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xA0) ? 2 : 0;
}

/* The visitor's text, capped at TEXT_MAX on a character boundary, apostrophes
 * unified and white space collapsed to single spaces. Caller frees. */
char *faq__normalise(const char *in, size_t *len_out)
{
    size_t n = strlen(in);
    if (n > TEXT_MAX)
        for (n = TEXT_MAX; n > 0 && is_cont((unsigned char)in[n]); n--) {}
    char *out = malloc(n + 1);
    if (!out) return NULL;
    size_t o = 0, k;
    int pending_space = 0;
    for (size_t i = 0; i < n; ) {
        if ((k = space_len(in + i)) && i + k <= n) { pending_space = o > 0; i += k; continue; }
        if (pending_space) { out[o++] = ' '; pending_space = 0; }
        if ((k = apos_len(in + i)) && i + k <= n) { out[o++] = '\''; i += k; continue; }
        out[o++] = in[i++];
    }
    out[o] = '\0', *len_out = o;
    return out;
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

/* Appends the regex of a keyword: words separated by any white space, bounded by
 * non-word characters, a '*' ending a word matching any ending. Counts the words
 * and their code points (stars excluded). Returns -1 when the keyword is blank
 * or has a '*' that does not end a word. */
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
            size_t a = apos_len(p);
            if (last_star) return -1;
            if (*p == '*') { last_star = 1; p++; continue; }
            stem++;
            if (a) { faq__sb_add(b, "'"); p += a; continue; }
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

/* Specificity: a phrase of k words 1.5 per word; a single word 1.0, a little more
 * when long (up to 1.3 at 10+ letters), less (0.8) when 3 letters or fewer, so a
 * lone short word does not pass the default threshold by itself. */
static double kw_score(int words, int letters)
{
    return words > 1 ? 1.5 * words : letters <= 3 ? 0.8
         : 1.0 + 0.05 * (letters >= 10 ? 6 : letters - 4);
}

/* JIT-compiled where available (else silently interpreted). On failure, *err is
 * PCRE2's code and `why` its message with the offset. */
pcre2_code *faq__compile(const char *re, uint32_t opts, int *err, char *why, size_t len)
{
    PCRE2_SIZE off = 0;
    PCRE2_UCHAR m[160];
    pcre2_code *c = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, opts, err, &off, NULL);
    if (c) { (void)pcre2_jit_compile(c, PCRE2_JIT_COMPLETE); return c; }
    if (pcre2_get_error_message(*err, m, sizeof(m)) < 0)
        snprintf((char *)m, sizeof(m), "error %d", *err);
    snprintf(why, len, "%s at offset %zu", (const char *)m, (size_t)off);
    return NULL;
}

struct kw { pcre2_code *re; const char *src; double score; size_t order; };
struct centry { struct faq_entry e; struct kw *kw; size_t n_kw; pcre2_code **pat; size_t n_pat; };
struct faq_set {   /* md is shared: faq_match is not for concurrent use */
    struct centry *v; size_t n;
    pcre2_match_context *mctx; pcre2_match_data *md;
    double threshold, margin;
};

static void centry_free_programs(struct centry *c)
{
    for (size_t i = 0; i < c->n_kw; i++) pcre2_code_free(c->kw[i].re);
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

static pl_status compile_keyword(struct kw *k, const char *src, size_t i, char *field,
                                 size_t fl, char *msg, size_t ml)
{
    char name[32], why[200];
    struct sb b = {0};
    int words, letters, err, shape;
    snprintf(name, sizeof(name), "keywords[%zu]", i);
    if (!src) return bad(field, fl, msg, ml, name, "must be a string");
    if ((shape = faq__kw_regex(&b, src, &words, &letters)) == 0 && !b.oom)
        k->re = faq__compile(b.p, KW_OPTS, &err, why, sizeof(why));
    free(b.p);
    if (shape < 0)
        return bad(field, fl, msg, ml, name, "must be a word or phrase; '*' may only end a word");
    if (!k->re)
        return b.oom || err == PCRE2_ERROR_NOMEMORY ? PL_ERR_NOMEM
             : bad(field, fl, msg, ml, name, "not a usable keyword (%s)", why);
    k->src = src; k->score = kw_score(words, letters); k->order = i;
    return PL_OK;
}

static pl_status compile_pattern(pcre2_code **out, const char *src, size_t i, char *field,
                                 size_t fl, char *msg, size_t ml)
{
    char name[32], why[200];
    int err;
    snprintf(name, sizeof(name), "patterns[%zu]", i);
    if (!src) return bad(field, fl, msg, ml, name, "must be a string");
    if ((*out = faq__compile(src, PAT_OPTS, &err, why, sizeof(why)))) return PL_OK;
    return err == PCRE2_ERROR_NOMEMORY ? PL_ERR_NOMEM : bad(field, fl, msg, ml, name, "%s", why);
}

/* Compiles c->e's keywords (most specific first) and patterns; on failure the
 * programs compiled so far are freed. */
static pl_status compile_entry(struct centry *c, char *field, size_t fl, char *msg, size_t ml)
{
    const struct faq_entry *e = &c->e;
    pl_status st = PL_ERR_NOMEM;
    if ((e->n_keywords && !(c->kw = calloc(e->n_keywords, sizeof(*c->kw)))) ||
        (e->n_patterns && !(c->pat = calloc(e->n_patterns, sizeof(*c->pat)))))
        goto fail;
    for (; c->n_kw < e->n_keywords; c->n_kw++)
        if ((st = compile_keyword(&c->kw[c->n_kw], e->keywords[c->n_kw], c->n_kw,
                                  field, fl, msg, ml)) != PL_OK) goto fail;
    for (; c->n_pat < e->n_patterns; c->n_pat++)
        if ((st = compile_pattern(&c->pat[c->n_pat], e->patterns[c->n_pat], c->n_pat,
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
    st = compile_entry(&c, field, field_len, msg, msg_len);
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
    if (!s->mctx || !s->md || (n && !s->v)) { faq_free(s); return NULL; }
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
    if ((st = compile_entry(c, f, fl, m, ml)) != PL_OK) { faq_entry_free(&c->e); return st; }
    s->n++;
    return PL_OK;
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

struct cand { size_t i; double score; const char *matched[FAQ_MAX_MATCHED]; size_t n_matched; };
struct span { size_t a, b; };

static int covered(const struct span *sp, size_t n, size_t a, size_t b)
{
    for (size_t i = 0; i < n; i++)
        if (sp[i].a <= a && b <= sp[i].b) return 1;
    return 0;
}

/* Records a hit in c; returns its score. */
static double hit(struct cand *c, const char *what, double score)
{
    if (c->n_matched < FAQ_MAX_MATCHED) c->matched[c->n_matched++] = what;
    return score;
}

/* The first hit of a keyword not inside an earlier (more specific) hit: 1 and
 * its span recorded, or 0. */
static int kw_hit(const struct faq_set *s, const pcre2_code *re, const char *t, size_t len,
                  struct span *sp, size_t *nsp)
{
    for (PCRE2_SIZE start = 0; start < len; ) {
        if (pcre2_match(re, (PCRE2_SPTR)t, len, start, 0, s->md, s->mctx) < 0) return 0;
        const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
        if (ov[1] <= ov[0]) return 0;
        if (!covered(sp, *nsp, ov[0], ov[1])) {
            if (*nsp < MAX_SPANS) sp[(*nsp)++] = (struct span){ ov[0], ov[1] };
            return 1;
        }
        start = ov[1];
    }
    return 0;
}

/* Raw score of one entry (before weight and locale); fills c's matched. */
static double score_entry(const struct faq_set *s, const struct centry *ce, const char *t,
                          size_t len, struct cand *c)
{
    struct span sp[MAX_SPANS];
    size_t nsp = 0;
    double score = 0;
    for (const struct kw *k = ce->kw; k < ce->kw + ce->n_kw; k++)
        if (kw_hit(s, k->re, t, len, sp, &nsp)) score += hit(c, k->src, k->score);
    for (size_t k = 0; k < ce->n_pat; k++)
        if (pcre2_match(ce->pat[k], (PCRE2_SPTR)t, len, 0, 0, s->md, s->mctx) >= 0)
            score += hit(c, ce->e.patterns[k], PATTERN_SCORE);
    return score;
}

static int same_language(const char *a, const char *b)
{
    for (;; a++, b++) {
        int ea = !*a || *a == '-' || *a == '_', eb = !*b || *b == '-' || *b == '_';
        if (ea || eb) return ea && eb;
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return 0;
    }
}

/* Inserts c into a best-first list of at most FAQ_MAX_CHOICES; ties keep order. */
static void rank(struct cand *top, size_t *n, const struct cand *c)
{
    size_t at = *n;
    while (at > 0 && top[at - 1].score < c->score) at--;
    if (at >= FAQ_MAX_CHOICES) return;
    size_t last = *n < FAQ_MAX_CHOICES ? *n : FAQ_MAX_CHOICES - 1;
    memmove(&top[at + 1], &top[at], (last - at) * sizeof(*top));
    top[at] = *c;
    if (*n < FAQ_MAX_CHOICES) (*n)++;
}

static int decide(const struct faq_set *s, const struct cand *top, size_t n,
                  struct faq_match *out)
{
    if (!n) return 0;
    out->score = top[0].score, out->n_matched = top[0].n_matched;
    memcpy(out->matched, top[0].matched, sizeof(out->matched));
    size_t close = 1;
    while (close < n && top[close].score >= (1 - s->margin) * top[0].score) close++;
    if (close == 1) { out->entry = &s->v[top[0].i].e; return 1; }
    for (size_t i = 0; i < close; i++) out->choices[i] = &s->v[top[i].i].e;
    out->n_choices = close;
    return 2;
}

int faq_match(const struct faq_set *s, const char *text, const char *locale,
              struct faq_match *out)
{
    memset(out, 0, sizeof(*out));
    size_t len;
    char *t = s && text ? faq__normalise(text, &len) : NULL;
    if (!t) return 0;
    if (locale && !*locale) locale = NULL;
    /* Candidates the visitor can read, and those in another explicit language:
     * the latter only count when none of the former passes the threshold. */
    struct cand own[FAQ_MAX_CHOICES], other[FAQ_MAX_CHOICES];
    size_t n_own = 0, n_other = 0;
    for (size_t i = 0; i < s->n; i++) {
        const struct centry *ce = &s->v[i];
        struct cand c = { .i = i };
        int foreign = locale && ce->e.locale && !same_language(locale, ce->e.locale);
        double f = !locale || !ce->e.locale ? 1.0 : foreign ? OTHER_LOCALE : SAME_LOCALE;
        c.score = score_entry(s, ce, t, len, &c) * ce->e.weight * f;
        if (c.score <= 0 || c.score < s->threshold) continue;
        if (foreign) rank(other, &n_other, &c);
        else rank(own, &n_own, &c);
    }
    free(t);
    return n_own ? decide(s, own, n_own, out) : decide(s, other, n_other, out);
}
