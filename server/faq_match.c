/*
 * faq_match: a visitor's message against a built set (faq.c builds it).
 *
 * The message is normalised once per view (keyword form, its diacritic-folded
 * form when some entry folds, pattern form when some entry has patterns); the
 * prefilter names the programs that could match; only those run, entry by entry,
 * keywords most specific first. A hit inside a more specific keyword's hit
 * ("hours" in "opening hours") adds nothing: entries win by specificity, not by
 * listing synonyms of one word.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "parley/faq.h"
#include "faq_internal.h"

#define MAX_SPANS 32
#define PATTERN_SCORE 1.5
#define SAME_LOCALE 1.2
#define OTHER_LOCALE 0.75

struct cand {
    size_t i;
    double score, raw;   /* with IDF (ranking), without (threshold) */
    const char *matched[FAQ_MAX_MATCHED]; size_t n_matched;
};
struct span { size_t a, b; };
/* The message in each form; pat is made on first use (most messages run no
 * pattern), so it is owned here and freed by faq_match. */
struct texts { const char *kw, *fold, *text; char *pat; size_t kw_len, fold_len, pat_len; int oom; };

static const char *pattern_text(struct texts *t)
{
    if (!t->pat && !t->oom && !(t->pat = faq__norm_pat(t->text, &t->pat_len))) t->oom = 1;
    return t->pat;
}

static int covered(const struct span *sp, size_t n, size_t a, size_t b)
{
    for (size_t i = 0; i < n; i++)
        if (sp[i].a <= a && b <= sp[i].b) return 1;
    return 0;
}

static void record(struct cand *c, const char *what)
{
    if (c->n_matched < FAQ_MAX_MATCHED) c->matched[c->n_matched++] = what;
}

/* The first hit of a keyword not inside an earlier (more specific) hit: 1 and
 * its span recorded, or 0. */
static int kw_hit(const struct faq_set *s, const pcre2_code *re, const char *t, size_t len,
                  size_t from, struct span *sp, size_t *nsp)
{
    for (PCRE2_SIZE start = from; start < len; ) {   /* lookbehind still sees before from */
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

/* Runs the programs of one entry named in refs[0..n) (all of them when refs is
 * NULL); fills c's scores (before weight and locale) and matched. */
static void score_entry(const struct faq_set *s, const struct centry *ce, struct texts *t,
                        const struct faq_ref *refs, size_t n, struct cand *c)
{
    struct span sp[MAX_SPANS];
    size_t nsp = 0;
    size_t idx = (size_t)(ce - s->v);
    if (!s->jitted[idx]) {               /* first use: see faq_set.jitted */
        for (size_t j = 0; j < ce->n_kw; j++) faq__jit(ce->kw[j].re);
        for (size_t j = 0; j < ce->n_pat; j++) faq__jit(ce->pat[j]);
        s->jitted[idx] = 1;
    }
    const char *kt = ce->fold ? t->fold : t->kw;
    size_t kl = ce->fold ? t->fold_len : t->kw_len;
    if (!refs) n = ce->n_kw + ce->n_pat;
    for (size_t j = 0; j < n; j++) {
        size_t prog = refs ? refs[j].prog : j;

        if (prog < ce->n_kw) {
            const struct kw *k = &ce->kw[prog];
            if (!kw_hit(s, k->re, kt, kl, refs ? refs[j].at : 0, sp, &nsp)) continue;
            c->raw += k->score, c->score += k->score * k->idf;
            record(c, k->src);
        } else if (pattern_text(t) && pcre2_match(ce->pat[prog - ce->n_kw], (PCRE2_SPTR)t->pat,
                                                  t->pat_len, 0, 0, s->md, s->mctx) >= 0) {
            c->raw += PATTERN_SCORE, c->score += PATTERN_SCORE;
            record(c, ce->e.patterns[prog - ce->n_kw]);
        }
    }
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

/* Candidates the visitor can read, and those in another explicit language: the
 * latter only count when none of the former passes the threshold. */
struct ranking { struct cand own[FAQ_MAX_CHOICES], other[FAQ_MAX_CHOICES]; size_t n_own, n_other; };

static void consider(const struct faq_set *s, size_t i, const char *locale, struct texts *t,
                     const struct faq_ref *refs, size_t n, struct ranking *r)
{
    const struct centry *ce = &s->v[i];
    struct cand c = { .i = i };
    score_entry(s, ce, t, refs, n, &c);
    int foreign = locale && ce->e.locale && !same_language(locale, ce->e.locale);
    double f = (!locale || !ce->e.locale ? 1.0 : foreign ? OTHER_LOCALE : SAME_LOCALE) * ce->e.weight;
    c.score *= f, c.raw *= f;
    if (c.raw <= 0 || c.raw < s->threshold) return;
    if (foreign) rank(r->other, &r->n_other, &c);
    else rank(r->own, &r->n_own, &c);
}

/* use_pf 0 runs every program: faq__match_all, the reference the prefilter's
 * soundness is tested against. */
static int match(const struct faq_set *s, const char *text, const char *locale,
                 struct faq_match *out, int use_pf)
{
    memset(out, 0, sizeof(*out));
    if (!s || !text || !s->n) return 0;
    if (locale && !*locale) locale = NULL;
    struct texts t = { .text = text };
    size_t n = strlen(text);
    char *kw = faq__norm(text, n, 0, &t.kw_len);
    char *fold = s->has_fold ? faq__norm(text, n, NORM_FOLD, &t.fold_len) : NULL;
    t.kw = kw, t.fold = fold;
    struct ranking r = { .n_own = 0 };
    if (kw && (fold || !s->has_fold)) {
        size_t nr = use_pf ? faq__pf_query(s->pf, kw, t.kw_len, fold, t.fold_len, s->refs,
                                           s->refs_cap) : SIZE_MAX;
        if (nr == SIZE_MAX)   /* too many to list: run everything */
            for (size_t i = 0; i < s->n; i++) consider(s, i, locale, &t, NULL, 0, &r);
        else
            for (size_t a = 0, b; a < nr; a = b) {
                for (b = a; b < nr && s->refs[b].entry == s->refs[a].entry; b++) {}
                consider(s, s->refs[a].entry, locale, &t, s->refs + a, b - a, &r);
            }
    }
    free(kw); free(fold); free(t.pat);
    return r.n_own ? decide(s, r.own, r.n_own, out) : decide(s, r.other, r.n_other, out);
}

int faq_match(const struct faq_set *s, const char *text, const char *locale,
              struct faq_match *out)
{
    return match(s, text, locale, out, 1);
}

int faq__match_all(const struct faq_set *s, const char *text, const char *locale,
                   struct faq_match *out)
{
    return match(s, text, locale, out, 0);
}
