/*
 * The FAQ prefilter: which of thousands of compiled programs could match a
 * message, found without running them, so a message costs microseconds.
 *
 * Sound by construction (it may name a program that then fails, never skip one
 * that would match):
 *  - A keyword in keyword form is words of word characters separated by single
 *    spaces, matched word-bounded against text in the same form, so each word
 *    without '*' is a whole token of the text and a '*' word's stem a prefix of
 *    one. The keyword is filed under its longest whole word, else under the first
 *    (up to) PFX_CP code points of its longest stem; each token of the message is
 *    looked up whole and by its first 1..PFX_CP code points in one hash table.
 *  - An admin pattern is named only when the text holds every literal one of its
 *    top-level alternatives requires (faq_literals.c), checked with memmem. To
 *    find candidates, each alternative is filed under the rarest trigram of its
 *    longest required literal (or of every member of a one-of set); the message's
 *    3-byte windows are tested against a bitmap of those trigrams. An alternative
 *    requiring no literal of 3 bytes is checked on every message; one the reader
 *    cannot follow (\Q, (?x), verbs) always runs.
 */
#define _GNU_SOURCE   /* memmem */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "faq_internal.h"

#define PFX_CP 4
#define GRAM 3
#define GRAM_BITS 16
#define KEY_BITS 18
enum { K_EXACT, K_PREFIX, K_EXACT_FOLD, K_PREFIX_FOLD, K_GRAM };

struct item {
    uint8_t kind; uint32_t key_off, key_len; struct faq_ref ref;
    uint32_t lit, pat, gram_at;      /* K_GRAM: literal, pattern alternative, trigram offset */
    uint32_t stem_off, stem_len;     /* K_PREFIX*: the whole stem a token must start with */
    int first;                       /* the key is the keyword's first word */
    const char *key;
};
struct lit { uint32_t off, len; };                      /* in keys */
struct lset { uint32_t first, n; };                      /* one of lits[first..+n) */
struct palt { struct faq_ref ref; uint32_t first, n; };  /* every sets[first..+n) */
struct slot { uint64_t h; uint32_t key_off, key_len, post_off, post_n; uint8_t kind, used; };
struct faq_pf {
    struct sb keys;                              /* every key's and literal's bytes */
    struct item *items; size_t n_items, cap_items;
    struct lit *lits; size_t n_lits, cap_lits;
    struct lset *sets; size_t n_sets, cap_sets;
    struct palt *alts; size_t n_alts, cap_alts;
    uint32_t *always; size_t n_always, cap_always;       /* alternatives checked every time */
    struct slot *slots; size_t mask;             /* from faq__pf_finish */
    uint64_t gram_bits[(1u << GRAM_BITS) / 64];
    uint64_t key_bits[(1u << KEY_BITS) / 64];    /* bloom of token keys' hashes */
    uint8_t prefix_lens[2];                      /* bit k: some plain/fold key of k code points */
    int oom;
};

struct faq_pf *faq__pf_new(void) { return calloc(1, sizeof(struct faq_pf)); }

void faq__pf_free(struct faq_pf *p)
{
    if (!p) return;
    free(p->keys.p); free(p->items); free(p->lits); free(p->sets); free(p->alts); free(p->always);
    free(p->slots);
    free(p);
}

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap) return 0;
    size_t c = *cap ? *cap * 2 : 64;
    void *q = realloc(*v, c * size);
    if (!q) return -1;
    *v = q; *cap = c;
    return 0;
}

static uint64_t fnv_step(uint64_t h, unsigned char c) { return (h ^ c) * 0x100000001b3ULL; }
#define FNV0 0xcbf29ce484222325ULL
static uint64_t finish_hash(uint64_t h, int kind)
{
    h ^= (uint64_t)(kind + 1) * 0x9E3779B97F4A7C15ULL;
    h *= 0xff51afd7ed558ccdULL;
    return h ^ (h >> 33);
}
static uint64_t key_hash(const char *s, size_t n, int kind)
{
    uint64_t h = FNV0;
    for (size_t i = 0; i < n; i++) h = fnv_step(h, (unsigned char)s[i]);
    return finish_hash(h, kind);
}
static unsigned gram_bit(const unsigned char *g)
{
    uint32_t x = (uint32_t)g[0] | (uint32_t)g[1] << 8 | (uint32_t)g[2] << 16;
    return (x * 2654435761u) >> (32 - GRAM_BITS);
}

static int add_item(struct faq_pf *p, int kind, const char *key, size_t n, struct faq_ref r, uint32_t lit)
{
    if (grow((void **)&p->items, &p->cap_items, p->n_items, sizeof(*p->items))) return -1;
    uint32_t off = (uint32_t)p->keys.len;
    if (key) faq__sb_addn(&p->keys, key, n);
    if (p->keys.oom) return -1;
    p->items[p->n_items++] = (struct item){ (uint8_t)kind, key ? off : 0, (uint32_t)n, r, lit, 0, 0, off,
                                            (uint32_t)n, 0, NULL };
    return 0;
}

int faq__pf_add_keyword(struct faq_pf *p, const char *kw, int fold, struct faq_ref r)
{
    const char *best = NULL, *stem = NULL;
    size_t best_n = 0, stem_n = 0;
    for (const char *w = kw; *w; ) {
        size_t n = strcspn(w, " ");
        int star = n && w[n - 1] == '*';
        if (!star && n > best_n) best = w, best_n = n;
        if (star && n - 1 > stem_n) stem = w, stem_n = n - 1;
        w += n + (w[n] == ' ');
    }
    int v = fold ? 1 : 0;
    if (best) {
        if (add_item(p, v ? K_EXACT_FOLD : K_EXACT, best, best_n, r, 0) < 0) return -1;
        p->items[p->n_items - 1].first = best == kw;
        return 0;
    }
    if (!stem) return -1;
    size_t cps = 0, n = 0;
    while (n < stem_n && cps < PFX_CP) {   /* the first PFX_CP code points */
        n++;
        while (n < stem_n && ((unsigned char)stem[n] & 0xC0) == 0x80) n++;
        cps++;
    }
    p->prefix_lens[v] |= (uint8_t)(1u << cps);
    if (add_item(p, v ? K_PREFIX_FOLD : K_PREFIX, stem, stem_n, r, 0) < 0) return -1;
    p->items[p->n_items - 1].key_len = (uint32_t)n;   /* filed under the prefix */
    p->items[p->n_items - 1].first = stem == kw;
    return 0;
}

/* ---- patterns ---- */

static int add_lit(struct faq_pf *p, const char *lit)
{
    size_t n = strlen(lit);
    if (grow((void **)&p->lits, &p->cap_lits, p->n_lits, sizeof(*p->lits))) return -1;
    p->lits[p->n_lits++] = (struct lit){ (uint32_t)p->keys.len, (uint32_t)n };
    faq__sb_addn(&p->keys, lit, n);
    return p->keys.oom ? -1 : 0;
}

/* One alternative's sets into lits and sets; alts gets it. */
static int add_alt(struct faq_pf *p, const struct faq_req *q, struct faq_ref r)
{
    if (grow((void **)&p->alts, &p->cap_alts, p->n_alts, sizeof(*p->alts))) return -1;
    p->alts[p->n_alts] = (struct palt){ r, (uint32_t)p->n_sets, (uint32_t)(q ? q->n_sets : 0) };
    for (size_t k = 0; q && k < q->n_lits; k++) {
        if (k == 0 || q->set_of[k] != q->set_of[k - 1]) {
            if (grow((void **)&p->sets, &p->cap_sets, p->n_sets, sizeof(*p->sets))) return -1;
            p->sets[p->n_sets++] = (struct lset){ (uint32_t)p->n_lits, 0 };
        }
        if (add_lit(p, q->lits[k]) < 0) return -1;
        p->sets[p->n_sets - 1].n++;
    }
    p->n_alts++;
    return 0;
}

int faq__pf_add_pattern(struct faq_pf *p, const char *re, struct faq_ref r)
{
    struct faq_req *q;
    size_t n;
    int rc = faq__regex_requirements(re, &q, &n);
    if (rc < 0) return -1;
    if (rc > 0) return add_alt(p, NULL, r);   /* unreadable: no requirement, always runs */
    for (size_t a = 0; a < n && rc == 0; a++) rc = add_alt(p, &q[a], r);
    faq__req_free(q, n);
    return rc;
}

/* ---- the index ---- */

/* Items by key; .key points into the finished arena. */
static int item_cmp(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    if (x->kind != y->kind) return x->kind - y->kind;
    if (x->key_len != y->key_len) return x->key_len < y->key_len ? -1 : 1;
    int c = memcmp(x->key, y->key, x->key_len);
    return c ? c : (x->ref.entry > y->ref.entry) - (x->ref.entry < y->ref.entry);
}

static int same_key(const struct item *x, const struct item *y)
{
    return x->kind == y->kind && x->key_len == y->key_len && memcmp(x->key, y->key, x->key_len) == 0;
}

/* The trigram of literal l that fewest literals share. */
static uint32_t rarest(const struct faq_pf *p, const uint32_t *count, uint32_t l)
{
    const unsigned char *k = (const unsigned char *)p->keys.p + p->lits[l].off;
    uint32_t at = 0;
    for (uint32_t i = 1; i + GRAM <= p->lits[l].len; i++)
        if (count[gram_bit(k + i)] < count[gram_bit(k + at)]) at = i;
    return at;
}

static int add_gram(struct faq_pf *p, const uint32_t *count, uint32_t alt, uint32_t l)
{
    uint32_t at = rarest(p, count, l);
    if (add_item(p, K_GRAM, NULL, GRAM, p->alts[alt].ref, l) < 0) return -1;
    struct item *it = &p->items[p->n_items - 1];
    it->key_off = p->lits[l].off + at, it->pat = alt, it->gram_at = at;
    unsigned g = gram_bit((const unsigned char *)p->keys.p + it->key_off);
    p->gram_bits[g / 64] |= 1ULL << (g % 64);
    return 0;
}

/* Each alternative under its longest single required literal, else under every
 * member of a set whose members all have a trigram, else checked every time. */
static int index_alt(struct faq_pf *p, const uint32_t *count, uint32_t a)
{
    const struct palt *alt = &p->alts[a];
    uint32_t best = UINT32_MAX, set = UINT32_MAX;
    for (uint32_t k = alt->first; k < alt->first + alt->n; k++) {
        const struct lset *ls = &p->sets[k];
        uint32_t shortest = UINT32_MAX;
        for (uint32_t m = ls->first; m < ls->first + ls->n; m++)
            if (p->lits[m].len < shortest) shortest = p->lits[m].len;
        if (ls->n == 1 && shortest >= GRAM && (best == UINT32_MAX || shortest > p->lits[best].len))
            best = ls->first;
        if (ls->n > 1 && shortest >= GRAM && set == UINT32_MAX) set = k;
    }
    if (best != UINT32_MAX) return add_gram(p, count, a, best);
    if (set != UINT32_MAX) {
        for (uint32_t m = p->sets[set].first; m < p->sets[set].first + p->sets[set].n; m++)
            if (add_gram(p, count, a, m) < 0) return -1;
        return 0;
    }
    if (grow((void **)&p->always, &p->cap_always, p->n_always, sizeof(*p->always))) return -1;
    p->always[p->n_always++] = a;
    return 0;
}

static int add_grams(struct faq_pf *p)
{
    uint32_t *count = calloc((size_t)1 << GRAM_BITS, sizeof(*count));
    if (!count) return -1;
    const unsigned char *k = (const unsigned char *)p->keys.p;
    for (size_t l = 0; l < p->n_lits; l++)
        for (size_t i = 0; i + GRAM <= p->lits[l].len; i++) count[gram_bit(k + p->lits[l].off + i)]++;
    int rc = 0;
    for (uint32_t a = 0; a < p->n_alts && !rc; a++) rc = index_alt(p, count, a);
    free(count);
    return rc;
}

int faq__pf_finish(struct faq_pf *p)
{
    if (p->oom || p->keys.oom || add_grams(p)) return -1;
    size_t n = p->n_items, groups = 0, cap = 16;
    for (size_t i = 0; i < n; i++) p->items[i].key = p->keys.p + p->items[i].key_off;
    if (n) qsort(p->items, n, sizeof(*p->items), item_cmp);
    for (size_t i = 0; i < n; i++) groups += i == 0 || !same_key(&p->items[i - 1], &p->items[i]);
    while (cap < groups * 2) cap *= 2;
    if (!(p->slots = calloc(cap, sizeof(*p->slots)))) return -1;
    p->mask = cap - 1;
    struct slot *cur = NULL;
    for (size_t i = 0; i < n; i++) {
        const struct item *it = &p->items[i];
        if (!cur || !same_key(&p->items[i - 1], it)) {
            uint64_t h = key_hash(it->key, it->key_len, it->kind);
            size_t s = h & p->mask;
            while (p->slots[s].used) s = (s + 1) & p->mask;
            cur = &p->slots[s];
            p->key_bits[(h >> (64 - KEY_BITS)) / 64] |= 1ULL << ((h >> (64 - KEY_BITS)) % 64);
            *cur = (struct slot){ h, it->key_off, it->key_len, (uint32_t)i, 0, it->kind, 1 };
        }
        cur->post_n++;
    }
    return 0;
}

static const struct slot *probe(const struct faq_pf *p, int kind, const char *key, size_t n, uint64_t h)
{
    uint64_t b = h >> (64 - KEY_BITS);
    if (!p->slots || !(p->key_bits[b / 64] & (1ULL << (b % 64)))) return NULL;
    for (size_t s = h & p->mask; p->slots[s].used; s = (s + 1) & p->mask) {
        const struct slot *sl = &p->slots[s];
        if (sl->h == h && sl->kind == kind && sl->key_len == n && memcmp(p->keys.p + sl->key_off, key, n) == 0)
            return sl;
    }
    return NULL;
}

struct hits { struct faq_ref *v; size_t n, cap; int over; };
static void hit(struct hits *h, struct faq_ref r)
{
    if (h->n < h->cap) h->v[h->n++] = r;
    else h->over = 1;
}
/* The refs filed under a slot; a prefix key's stem must begin the token t[0..n)
 * at offset `at`, where a keyword keyed on its first word can start at the earliest. */
static void hit_slot(const struct faq_pf *p, const struct slot *sl, const char *t, size_t n,
                     size_t at, struct hits *h)
{
    for (uint32_t i = 0; sl && i < sl->post_n; i++) {
        const struct item *it = &p->items[sl->post_off + i];
        if (it->kind == K_PREFIX || it->kind == K_PREFIX_FOLD)
            if (it->stem_len > n || memcmp(p->keys.p + it->stem_off, t, it->stem_len) != 0) continue;
        struct faq_ref r = it->ref;
        r.at = it->first ? (uint32_t)at : 0;
        hit(h, r);
    }
}

/* Every token of text (single spaces between) whole and by its short prefixes. */
static void tokens(const struct faq_pf *p, const char *t, size_t len, int v, struct hits *h)
{
    int exact = v ? K_EXACT_FOLD : K_EXACT, prefix = v ? K_PREFIX_FOLD : K_PREFIX;
    for (size_t a = 0; a < len; ) {
        const char *sp = memchr(t + a, ' ', len - a);
        size_t e = sp ? (size_t)(sp - t) : len, cps = 0;
        uint64_t f = FNV0;
        for (size_t b = a; b < e; b++) {
            f = fnv_step(f, (unsigned char)t[b]);
            if (cps < PFX_CP && (b + 1 == e || ((unsigned char)t[b + 1] & 0xC0) != 0x80) &&
                (p->prefix_lens[v] & (1u << ++cps)))
                hit_slot(p, probe(p, prefix, t + a, b + 1 - a, finish_hash(f, prefix)), t + a, e - a, a, h);
        }
        hit_slot(p, probe(p, exact, t + a, e - a, finish_hash(f, exact)), t + a, e - a, a, h);
        a = e + 1;
    }
}

/* Every set of the alternative has a member in the text (the set holding
 * literal `found`, already seen there, is not searched again). */
static int requirements_met(const struct faq_pf *p, const struct palt *a, const char *t, size_t len,
                            uint32_t found)
{
    for (uint32_t k = a->first; k < a->first + a->n; k++) {
        const struct lset *ls = &p->sets[k];
        uint32_t m = ls->first;
        if (found >= ls->first && found < ls->first + ls->n) continue;
        while (m < ls->first + ls->n && !memmem(t, len, p->keys.p + p->lits[m].off, p->lits[m].len)) m++;
        if (m == ls->first + ls->n) return 0;
    }
    return 1;
}

static void grams(const struct faq_pf *p, const char *t, size_t len, struct hits *h)
{
    const unsigned char *u = (const unsigned char *)t;
    for (size_t i = 0; p->n_lits && i + GRAM <= len; i++) {
        unsigned g = gram_bit(u + i);
        if (!(p->gram_bits[g / 64] & (1ULL << (g % 64)))) continue;
        const struct slot *sl = probe(p, K_GRAM, t + i, GRAM, key_hash(t + i, GRAM, K_GRAM));
        for (uint32_t k = 0; sl && k < sl->post_n; k++) {
            const struct item *it = &p->items[sl->post_off + k];
            const struct lit *l = &p->lits[it->lit];
            if (i < it->gram_at || i - it->gram_at + l->len > len ||
                memcmp(t + i - it->gram_at, p->keys.p + l->off, l->len) != 0) continue;
            if (requirements_met(p, &p->alts[it->pat], t, len, it->lit)) hit(h, it->ref);
        }
    }
}

static int ref_cmp(const void *a, const void *b)
{
    const struct faq_ref *x = a, *y = b;
    if (x->entry != y->entry) return x->entry < y->entry ? -1 : 1;
    if (x->prog != y->prog) return x->prog < y->prog ? -1 : 1;
    return (x->at > y->at) - (x->at < y->at);
}

size_t faq__pf_query(const struct faq_pf *p, const char *kw, size_t kw_len, const char *fold,
                     size_t fold_len, struct faq_ref *out, size_t cap)
{
    struct hits h = { out, 0, cap, 0 };
    tokens(p, kw, kw_len, 0, &h);
    if (fold) tokens(p, fold, fold_len, 1, &h);
    grams(p, kw, kw_len, &h);
    for (size_t i = 0; i < p->n_always; i++)
        if (requirements_met(p, &p->alts[p->always[i]], kw, kw_len, UINT32_MAX))
            hit(&h, p->alts[p->always[i]].ref);
    if (h.over) return SIZE_MAX;
    qsort(out, h.n, sizeof(*out), ref_cmp);
    size_t n = 0;
    for (size_t i = 0; i < h.n; i++)   /* the first of each program has the smallest at */
        if (!n || out[n - 1].entry != out[i].entry || out[n - 1].prog != out[i].prog) out[n++] = out[i];
    return n;
}
