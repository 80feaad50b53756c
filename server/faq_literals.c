/*
 * What an admin's regex requires of a text, read from its source so the
 * prefilter can skip it without running it (a failing ".*" pattern costs ~1 µs on
 * 200 characters, a hundred times a keyword).
 *
 * For each top-level alternative: literal runs outside groups that nothing makes
 * optional (escapes, classes, '.', anchors and a following ?, * or {0,} end a
 * run; \s is a space), and for each plain group that is not optional, the set of
 * its alternatives' longest literals (one of them is required). Every literal is
 * in keyword form (faq__norm), so it is sought in the message's keyword form:
 * what the regex matches in the text, folded, contains it.
 *
 * Conservative: a construct this reader does not follow (\Q, (?x), verbs, nested
 * groups' insides) adds no requirement, and a pattern it cannot read at all is
 * reported as such (it then always runs).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "faq_internal.h"

static size_t skip_class(const char *re, size_t i)   /* re[i] == '[' */
{
    i++;
    if (re[i] == '^') i++;
    if (re[i] == ']') i++;
    for (; re[i] && re[i] != ']'; i++) {
        if (re[i] == '\\' && re[i + 1]) i++;
        else if (re[i] == '[' && re[i + 1] == ':') {
            const char *e = strstr(re + i + 2, ":]");
            if (e) i = (size_t)(e - re) + 1;
        }
    }
    return re[i] ? i + 1 : i;
}

static size_t skip_group(const char *re, size_t i)   /* re[i] == '(' */
{
    for (int depth = 0; re[i]; i++) {
        if (re[i] == '\\' && re[i + 1]) { i++; continue; }
        if (re[i] == '[') { i = skip_class(re, i) - 1; continue; }
        if (re[i] == '(') depth++;
        else if (re[i] == ')' && --depth == 0) return i + 1;
    }
    return i;
}

static size_t utf8_len(unsigned char c) { return c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4; }

/* The escape at re[i] == '\\': its literal character into lit (' ' for \s), or
 * none; returns the index after it, SIZE_MAX to give up (\Q). */
static size_t escape(const char *re, size_t i, char *lit, size_t *lit_len)
{
    unsigned char c = (unsigned char)re[i + 1];
    *lit_len = 0;
    if (!c) return i + 1;
    if (c >= 0x80 || !isalnum(c)) {
        size_t k = c >= 0x80 ? utf8_len(c) : 1;
        memcpy(lit, re + i + 1, k);
        *lit_len = strnlen(lit, k);
        return i + 1 + *lit_len;
    }
    if (c == 'Q') return SIZE_MAX;
    if (c == 's') { lit[0] = ' '; *lit_len = 1; return i + 2; }
    i += 2;
    const char *close = NULL;
    if (re[i] == '{' && strchr("pPxoNgk", c)) close = "}";
    else if ((c == 'g' || c == 'k') && (re[i] == '<' || re[i] == '\'')) close = re[i] == '<' ? ">" : "'";
    if (close) {
        const char *e = strchr(re + i + 1, close[0]);
        return e ? (size_t)(e - re) + 1 : strlen(re);
    }
    if (c == 'c' || c == 'p' || c == 'P') return re[i] ? i + 1 : i;
    if (c == 'x') { for (int k = 0; k < 2 && isxdigit((unsigned char)re[i]); k++) i++; return i; }
    if (c == 'g' && (re[i] == '+' || re[i] == '-')) i++;
    if (isdigit(c) || c == 'g') while (isdigit((unsigned char)re[i])) i++;
    return i;
}

/* A {n}, {n,} or {n,m} quantifier at re[i]: its minimum, and *end after it; -1 if none. */
static long quantifier(const char *re, size_t i, size_t *end)
{
    char *e;
    if (!isdigit((unsigned char)re[i + 1])) return -1;
    long min = strtol(re + i + 1, &e, 10);
    if (*e == ',') { e++; while (isdigit((unsigned char)*e)) e++; }
    if (*e != '}') return -1;
    *end = (size_t)(e - re) + 1;
    return min;
}

/* A quantifier at re[i] that makes what precedes it optional: 1 (and *end), 0
 * for one that requires it (+, {n>0}), -1 for none. */
static int optional_at(const char *re, size_t i, size_t *end)
{
    long min;
    *end = i + 1;
    if (re[i] == '*' || re[i] == '?') return 1;
    if (re[i] == '+') return 0;
    if (re[i] == '{' && (min = quantifier(re, i, end)) >= 0) return min == 0;
    return -1;
}

/* How a group at re[i] == '(' is read: 1 plain (capturing, (?:, named, atomic),
 * 0 skipped (lookaround, options, conditionals...), -1 give up ((?x), verbs). */
static int group_kind(const char *re, size_t i, size_t *body)
{
    const char *g = re + i + 1;
    *body = i + 1;
    if (*g == '*') return -1;
    if (*g != '?') return 1;
    if (g[1] == ':' || g[1] == '>' || g[1] == '|') { *body = i + 3; return 1; }
    if ((g[1] == '<' && g[2] != '=' && g[2] != '!') || g[1] == '\'' || (g[1] == 'P' && g[2] == '<')) {
        const char *e = strchr(g, g[1] == '\'' ? '\'' : '>');
        if (g[1] == '\'') e = e ? strchr(e + 1, '\'') : NULL;
        *body = e ? (size_t)(e - re) + 1 : i + 1;
        return e ? 1 : 0;
    }
    if (isalpha((unsigned char)g[1]) || g[1] == '-' || g[1] == '^') {   /* options */
        size_t n = strcspn(g + 1, ":)");
        if (memchr(g + 1, 'x', n)) return -1;
    }
    return 0;
}

struct scan {
    struct sb run; size_t last;         /* the current literal run, its last character */
    struct faq_req *req;                /* top level: where requirements go; else NULL */
    char *best; size_t best_n;          /* the longest literal seen */
    int oom;
};

static void add_lit(struct faq_req *r, char *lit, size_t n, int new_set, int *oom)
{
    if (*oom) { free(lit); return; }
    char **v = realloc(r->lits, (r->n_lits + 1) * sizeof(*v));
    size_t *set = v ? realloc(r->set_of, (r->n_lits + 1) * sizeof(*set)) : NULL;
    if (v) r->lits = v;
    if (set) r->set_of = set;
    if (!v || !set) { free(lit); *oom = 1; return; }
    if (new_set) r->n_sets++;
    r->lits[r->n_lits] = lit;
    r->set_of[r->n_lits++] = r->n_sets - 1;
    (void)n;
}

static void flush(struct scan *s)
{
    size_t n = 0;
    char *norm = s->run.len ? faq__norm(s->run.p, s->run.len, 0, &n) : NULL;
    if ((s->run.len && !norm) || s->run.oom) s->oom = 1;
    s->run.len = 0;
    s->last = SIZE_MAX;
    if (!norm) return;
    if (n && s->req) {
        char *copy = strdup(norm);
        if (!copy) s->oom = 1;
        else add_lit(s->req, copy, n, 1, &s->oom);
    }
    if (n > s->best_n) { free(s->best); s->best = norm; s->best_n = n; }
    else free(norm);
}

static size_t alternative(const char *re, size_t i, struct scan *s);

/* A plain group at top level: one of its alternatives' literals is required,
 * unless one has none or a quantifier makes the group optional. */
static size_t group(const char *re, size_t i, struct scan *s)
{
    size_t body, end = skip_group(re, i), after;
    int kind = group_kind(re, i, &body);
    if (kind < 0) return SIZE_MAX;
    if (kind == 0 || !s->req || optional_at(re, end, &after) == 1) return end;
    struct faq_req set = {0};
    int complete = 1;
    for (size_t j = body; j < end && re[j] != ')'; ) {
        struct scan in = { .last = SIZE_MAX };
        j = alternative(re, j, &in);
        free(in.run.p);
        s->oom |= in.oom;
        if (j == SIZE_MAX || !in.best_n || s->oom) { complete = 0; free(in.best); break; }
        add_lit(&set, in.best, in.best_n, set.n_lits == 0, &s->oom);
        if (re[j] == '|') j++;
    }
    if (complete && !s->oom && set.n_lits) {
        for (size_t k = 0; k < set.n_lits; k++) {
            add_lit(s->req, set.lits[k], 0, k == 0, &s->oom);
            set.lits[k] = NULL;
        }
    }
    for (size_t k = 0; k < set.n_lits; k++) free(set.lits[k]);
    free(set.lits); free(set.set_of);
    return end;
}

/* Scans one alternative from re[i] to its '|', ')' or end; returns that index,
 * SIZE_MAX to give up on the whole pattern. */
static size_t alternative(const char *re, size_t i, struct scan *s)
{
    while (re[i] && re[i] != '|' && re[i] != ')' && !s->oom) {
        char lit[8];
        size_t k, end;
        unsigned char c = (unsigned char)re[i];
        int opt;
        if (c == '\\') {
            if ((i = escape(re, i, lit, &k)) == SIZE_MAX) return SIZE_MAX;
            if (k) s->last = s->run.len, faq__sb_addn(&s->run, lit, k);
            else flush(s);
            continue;
        }
        if (c == '(') {
            flush(s);
            if ((i = s->req ? group(re, i, s) : group_kind(re, i, &k) < 0 ? SIZE_MAX : skip_group(re, i))
                == SIZE_MAX) return SIZE_MAX;
            continue;
        }
        if (c == '[') { flush(s); i = skip_class(re, i); continue; }
        if (c == '.' || c == '^' || c == '$') { flush(s); i++; continue; }
        if ((opt = optional_at(re, i, &end)) >= 0) {
            if (opt && s->last != SIZE_MAX) s->run.len = s->last;
            flush(s);
            i = end;
            if (re[i] == '?' || re[i] == '+') i++;   /* lazy or possessive */
            continue;
        }
        k = utf8_len(c);
        s->last = s->run.len;
        faq__sb_addn(&s->run, re + i, k);
        i += strnlen(re + i, k);
    }
    flush(s);
    return i;
}

void faq__req_free(struct faq_req *v, size_t n)
{
    for (size_t a = 0; v && a < n; a++) {
        for (size_t k = 0; k < v[a].n_lits; k++) free(v[a].lits[k]);
        free(v[a].lits); free(v[a].set_of);
    }
    free(v);
}

int faq__regex_requirements(const char *re, struct faq_req **out, size_t *n_out)
{
    struct faq_req *v = NULL;
    size_t n = 0, i = 0;
    int rc = 0;
    *out = NULL; *n_out = 0;
    for (;;) {
        struct faq_req *w = realloc(v, (n + 1) * sizeof(*v));
        if (!w) { rc = -1; break; }
        v = w;
        memset(&v[n], 0, sizeof(v[n]));
        struct scan s = { .last = SIZE_MAX, .req = &v[n++] };
        i = alternative(re, i, &s);
        free(s.run.p); free(s.best);
        if (s.oom) { rc = -1; break; }
        if (i == SIZE_MAX || re[i] == ')') { rc = 1; break; }   /* unreadable */
        if (!re[i]) break;
        i++;   /* past the '|' */
    }
    if (rc) { faq__req_free(v, n); return rc; }
    *out = v; *n_out = n;
    return 0;
}
