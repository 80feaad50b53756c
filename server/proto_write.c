/*
 * The frames sent for every message, written straight into their bytes.
 *
 * A stored message is sent as two frames (the agents' view and the visitor's)
 * and acknowledged with a third. Built as Jansson objects and dumped, that was
 * ~3.3 µs per message frame and 0.7 µs per ack here (hash tables, a node and
 * a copy per field, then a dump through small appends): ~7 µs of every
 * message, a quarter of the server's CPU per persisted message in the flood
 * benchmark. Written directly they cost a fraction of that.
 *
 * The bytes are exactly what Jansson would have written (same keys, same
 * order, same escapes: JSON_COMPACT without ASCII or slash escaping);
 * tests/unit/test_proto_write.c holds the two side by side. Anything unusual (a
 * bot's meta or FAQ score, a string that is not valid UTF-8) goes the Jansson
 * way, which stays the reference.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "proto_util.h"

struct jw {
    char *p;
    size_t len, cap;
    int bad;                         /* out of memory, or a string Jansson would refuse */
    char stack[1024];
};

static void jw_init(struct jw *w)
{
    w->p = w->stack;
    w->len = 0;
    w->cap = sizeof(w->stack);
    w->bad = 0;
}

static int jw_reserve(struct jw *w, size_t n)
{
    if (w->bad) return 0;
    if (w->len + n <= w->cap) return 1;
    size_t cap = (w->len + n) * 2;
    char *p = w->p == w->stack ? malloc(cap) : realloc(w->p, cap);
    if (!p) {
        w->bad = 1;
        return 0;
    }
    if (w->p == w->stack) memcpy(p, w->stack, w->len);
    w->p = p;
    w->cap = cap;
    return 1;
}

static void jw_raw(struct jw *w, const char *s, size_t n)
{
    if (!jw_reserve(w, n)) return;
    memcpy(w->p + w->len, s, n);
    w->len += n;
}

#define JW_LIT(w, lit) jw_raw((w), (lit), sizeof(lit) - 1)

/* Length of the UTF-8 sequence at s (strictly: no overlongs, surrogates or
 * code points past U+10FFFF), 0 when it is not one. */
static size_t utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (n < 2) return n;
    unsigned cp = c & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    static const unsigned min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
}

static void jw_str(struct jw *w, const char *str)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *s = (const unsigned char *)str;
    JW_LIT(w, "\"");
    while (*s && !w->bad) {
        const unsigned char *run = s;
        size_t n;
        while (*s >= 0x20 && *s != '"' && *s != '\\' && (n = utf8_len(s)) > 0) s += n;
        jw_raw(w, (const char *)run, (size_t)(s - run));
        if (!*s) break;
        char esc[6] = {'\\', 0};
        size_t elen = 2;
        switch (*s) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            if (*s >= 0x20) {        /* not UTF-8: Jansson would refuse the string */
                w->bad = 1;
                return;
            }
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[*s >> 4];
            esc[5] = hex[*s & 15];
            elen = 6;
        }
        jw_raw(w, esc, elen);
        s++;
    }
    JW_LIT(w, "\"");
}

/* ,"key": (keys are the encoder's own literals: nothing to escape) */
static void jw_key(struct jw *w, const char *key)
{
    JW_LIT(w, ",\"");
    jw_raw(w, key, strlen(key));
    JW_LIT(w, "\":");
}

/* ,"key":"value" (nothing when value is NULL, as set_str does) */
static void jw_kstr(struct jw *w, const char *key, const char *v)
{
    if (!v) return;
    jw_key(w, key);
    jw_str(w, v);
}

static void jw_kint(struct jw *w, const char *key, long long v)
{
    char num[24];
    int n = snprintf(num, sizeof(num), "%lld", v);
    jw_key(w, key);
    jw_raw(w, num, (size_t)n);
}

/* The frame (NULL when out of memory, or when w->bad: then Jansson should
 * write it); the buffer is released either way. */
static struct frame *jw_frame(struct jw *w)
{
    struct frame *f = w->bad ? NULL : frame_new(w->p, w->len);
    if (w->p != w->stack) free(w->p);
    return f;
}

struct frame *proto_message(const struct store_message *m, enum proto_view view)
{
    /* json_pack refuses a NULL string: let Jansson's path say so. */
    if (m->meta_json || m->faq_id || !m->conversation || !m->role || !m->text)
        return proto_frame_take(proto_message_json(m, view));
    struct jw w;
    jw_init(&w);
    JW_LIT(&w, "{\"type\":\"message\"");
    jw_kstr(&w, "conversation", m->conversation);
    JW_LIT(&w, ",\"author\":{\"role\":");
    jw_str(&w, m->role);
    jw_kstr(&w, "name", m->author_name);
    if (view == VIEW_AGENT)
        jw_kstr(&w, "id", m->author_id);
    JW_LIT(&w, "}");
    jw_kstr(&w, "text", m->text);
    jw_kint(&w, "ts", m->ts);
    jw_kstr(&w, "id", m->client_id);
    if (m->note_seq > 0) {
        JW_LIT(&w, ",\"note\":true");
        jw_kint(&w, "note_seq", m->note_seq);
        jw_kint(&w, "after_seq", m->after_seq);
    } else {
        jw_kint(&w, "seq", m->seq);
    }
    JW_LIT(&w, "}");
    struct frame *f = jw_frame(&w);
    return w.bad ? proto_frame_take(proto_message_json(m, view)) : f;
}

struct frame *proto_ack(const char *id, int64_t seq, int64_t note_seq, const char *conversation)
{
    struct jw w;
    jw_init(&w);
    JW_LIT(&w, "{\"type\":\"ack\"");
    jw_kstr(&w, "id", id);
    if (seq > 0) jw_kint(&w, "seq", seq);
    if (note_seq > 0) jw_kint(&w, "note_seq", note_seq);
    jw_kstr(&w, "conversation", conversation);
    JW_LIT(&w, "}");
    struct frame *f = jw_frame(&w);
    return w.bad ? proto_ack_json(id, seq, note_seq, conversation) : f;
}
