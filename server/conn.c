/*
 * Connections: the id registry, the bounded send queue and topic following
 * (see conn.h for why ids and why the queue is bounded).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libwebsockets.h>
#include "parley/bus.h"
#include "parley/conn.h"
#include "parley/limits.h"
#include "parley/map.h"

_Static_assert(FRAME_PRE >= LWS_PRE, "frame headroom must cover LWS_PRE");

static struct map *by_id;
static conn_refill_fn refill;

void conn_set_refill(conn_refill_fn fn) { refill = fn; }

static conn_gone_fn gone;
void conn_set_gone(conn_gone_fn fn) { gone = fn; }
static uint64_t next_id = 1;
static size_t counts[4];

int conn_registry_init(void)
{
    by_id = map_new();
    return by_id ? 0 : -1;
}

void conn_registry_free(void)
{
    map_free(by_id);
    by_id = NULL;
}

static void id_key(uint64_t id, char out[24]) { snprintf(out, 24, "%" PRIu64, id); }

int conn_register(struct conn *c, struct lws *wsi, enum conn_kind kind)
{
    c->wsi = wsi;
    if (c->id) {                         /* an HTTP connection upgrading */
        counts[c->kind]--;
        c->kind = kind;
        counts[kind]++;
        return 0;
    }
    char key[24];
    c->id = next_id++;
    c->kind = kind;
    id_key(c->id, key);
    if (map_put(by_id, key, c)) {
        c->id = 0;
        return -1;
    }
    counts[kind]++;
    return 0;
}

static void deadline_passed(lws_sorted_usec_list_t *sul)
{
    struct conn *c = lws_container_of(sul, struct conn, deadline);
    conn_close_after_flush(c, CONN_CLOSE_TIMEOUT);
}

void conn_set_deadline(struct conn *c, int secs)
{
    if (!c->wsi)
        return;
    if (secs <= 0)
        lws_sul_cancel(&c->deadline);
    else
        lws_sul_schedule(lws_get_context(c->wsi), 0, &c->deadline, deadline_passed,
                         (lws_usec_t)secs * LWS_US_PER_SEC);
}

void conn_release(struct conn *c)
{
    if (c->ip) {                         /* counted at the handshake, maybe before an id */
        limit_ip_release(c->ip);
        free(c->ip);
        c->ip = NULL;
    }
    if (!c->id)
        return;
    lws_sul_cancel(&c->deadline);
    if (gone && c->ready && (c->kind == CONN_AGENT || c->kind == CONN_VISITOR))
        gone(c);
    char key[24];
    id_key(c->id, key);
    map_remove(by_id, key);
    counts[c->kind]--;
    for (size_t i = 0; i < c->n_topics; i++) {
        bus_unsubscribe(c->topics[i], c);
        free(c->topics[i]);
    }
    free(c->topics);
    while (c->q_len) {
        frame_unref(c->q[c->q_head]);
        c->q_head = (c->q_head + 1) % c->q_cap;
        c->q_len--;
    }
    free(c->q);
    free(c->rx);
    free(c->locale);
    free(c->name);
    free(c->token);
    memset(c, 0, sizeof(*c));
}

struct conn *conn_find(uint64_t id)
{
    char key[24];
    if (!id || !by_id)
        return NULL;
    id_key(id, key);
    return map_get(by_id, key);
}

size_t conn_count(enum conn_kind kind) { return counts[kind]; }

struct each_ctx { void (*fn)(struct conn *, void *); void *arg; };
static void each_one(const char *key, void *value, void *arg)
{
    struct each_ctx *e = arg;
    e->fn(value, e->arg);
}

void conn_each(void (*fn)(struct conn *c, void *arg), void *arg)
{
    struct each_ctx e = {fn, arg};
    map_each(by_id, each_one, &e);
}

static int grow_queue(struct conn *c)
{
    unsigned cap = c->q_cap ? c->q_cap * 2 : 8;
    if (cap > CONN_QUEUE_MAX)
        cap = CONN_QUEUE_MAX;
    struct frame **q = malloc(cap * sizeof(*q));
    if (!q)
        return -1;
    for (unsigned i = 0; i < c->q_len; i++)
        q[i] = c->q[(c->q_head + i) % c->q_cap];
    free(c->q);
    c->q = q;
    c->q_head = 0;
    c->q_cap = cap;
    return 0;
}

int conn_send(struct conn *c, struct frame *f)
{
    if (!f || !c->wsi || c->close_pending)
        return -1;
    if (c->q_len == CONN_QUEUE_MAX || c->q_bytes + f->len > CONN_QUEUE_BYTES ||
        (c->q_len == c->q_cap && grow_queue(c))) {
        lwsl_warn("conn %" PRIu64 ": send queue full, closing slow consumer\n", c->id);
        conn_close_after_flush(c, CONN_CLOSE_SLOW_CONSUMER);
        return -1;
    }
    c->q[(c->q_head + c->q_len) % c->q_cap] = frame_ref(f);
    c->q_len++;
    c->q_bytes += f->len;
    lws_callback_on_writable(c->wsi);
    return 0;
}

int conn_send_take(struct conn *c, struct frame *f)
{
    int rc = conn_send(c, f);
    frame_unref(f);
    return rc;
}

void conn_close_after_flush(struct conn *c, int code)
{
    if (c->close_pending)
        return;
    c->close_pending = 1;
    c->close_code = code;
    if (c->wsi)
        lws_callback_on_writable(c->wsi);
}

static const char *close_reason(int code)
{
    switch (code) {
    case CONN_CLOSE_SLOW_CONSUMER: return "slow consumer";
    case CONN_CLOSE_UNAUTHORIZED: return "unauthorized";
    case CONN_CLOSE_TIMEOUT: return "timeout";
    case LWS_CLOSE_STATUS_GOINGAWAY: return "server shutting down";
    case LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE: return "frame too large";
    default: return "closing";
    }
}

/*
 * Several queued frames go out in ONE send: their RFC 6455 headers (server
 * frames are unmasked, FIN + text) are written here and the bytes handed to lws
 * as raw data, which lws buffers like any other write if the socket takes only
 * part. A frame too big to share the buffer is written alone by lws_write().
 */
#define COALESCE_MAX (16u << 10)
static unsigned char coalesce[LWS_PRE + COALESCE_MAX];

static size_t ws_header(unsigned char *p, size_t len)
{
    p[0] = 0x81;                         /* FIN, text */
    if (len < 126) {
        p[1] = (unsigned char)len;
        return 2;
    }
    if (len <= 0xffff) {
        p[1] = 126;
        p[2] = (unsigned char)(len >> 8);
        p[3] = (unsigned char)len;
        return 4;
    }
    p[1] = 127;
    for (int i = 0; i < 8; i++)
        p[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
    return 10;
}

static struct frame *dequeue(struct conn *c)
{
    struct frame *f = c->q[c->q_head];
    c->q_head = (c->q_head + 1) % c->q_cap;
    c->q_len--;
    c->q_bytes -= f->len;
    return f;
}

/* Frames from the head of the queue that fit in the coalescing buffer. */
static unsigned coalescible(const struct conn *c)
{
    size_t total = 0;
    unsigned n = 0;
    while (n < c->q_len) {
        size_t len = c->q[(c->q_head + n) % c->q_cap]->len;
        if (total + len + 10 > COALESCE_MAX)
            break;
        total += len + 10;
        n++;
    }
    return n;
}

/* Writes what is queued: one frame, or as many as coalesce into one send. */
static int write_queued(struct conn *c)
{
    unsigned n = coalescible(c);
    if (n < 2) {
        struct frame *f = dequeue(c);
        int w = lws_write(c->wsi, frame_data(f), f->len, LWS_WRITE_TEXT);
        frame_unref(f);
        if (w < 0)
            return -1;
    } else {
        unsigned char *p = coalesce + LWS_PRE;
        for (unsigned i = 0; i < n; i++) {
            struct frame *f = dequeue(c);
            p += ws_header(p, f->len);
            memcpy(p, frame_data(f), f->len);
            p += f->len;
            frame_unref(f);
        }
        if (lws_write(c->wsi, coalesce + LWS_PRE, (size_t)(p - (coalesce + LWS_PRE)),
                      LWS_WRITE_RAW) < 0)
            return -1;
    }
    if (c->replaying && refill && c->q_len < CONN_REFILL_FRAMES && c->q_bytes < CONN_QUEUE_BYTES / 4)
        refill(c);
    return 0;
}

int conn_on_writeable(struct conn *c)
{
    /* A slow consumer is closed at once: what is queued is exactly what it
     * could not take, and it will resume from its last seq. */
    if (c->close_pending && (c->q_len == 0 || c->close_code == CONN_CLOSE_SLOW_CONSUMER)) {
        const char *why = close_reason(c->close_code);
        lws_close_reason(c->wsi, (enum lws_close_status)c->close_code,
                         (unsigned char *)why, strlen(why));
        return -1;
    }
    /* One write per callback: a due ping goes first, the queue next time. */
    int w = conn_write_ping(c);
    if (w == 0 && c->q_len)
        w = write_queued(c);
    if (w < 0)
        return -1;
    if (c->q_len || c->close_pending)
        lws_callback_on_writable(c->wsi);
    return 0;
}

int conn_follows(const struct conn *c, const char *topic)
{
    for (size_t i = 0; i < c->n_topics; i++)
        if (!strcmp(c->topics[i], topic))
            return 1;
    return 0;
}

int conn_follow(struct conn *c, const char *topic)
{
    if (conn_follows(c, topic))
        return 0;
    char **t = realloc(c->topics, (c->n_topics + 1) * sizeof(*t));
    if (!t)
        return -1;
    c->topics = t;
    if (!(t[c->n_topics] = strdup(topic)))
        return -1;
    if (bus_subscribe(topic, c)) {
        free(t[c->n_topics]);
        return -1;
    }
    c->n_topics++;
    return 0;
}

void conn_unfollow(struct conn *c, const char *topic)
{
    for (size_t i = 0; i < c->n_topics; i++)
        if (!strcmp(c->topics[i], topic)) {
            bus_unsubscribe(topic, c);
            free(c->topics[i]);
            c->topics[i] = c->topics[--c->n_topics];
            return;
        }
}

int conn_rate_ok(struct conn *c, int rate, int64_t now_ms)
{
    if (rate <= 0)
        return 1;
    double burst = rate * 5.0;
    if (!c->refill_ms) {
        c->tokens = burst;
        c->refill_ms = now_ms;
    }
    c->tokens += (double)(now_ms - c->refill_ms) * rate / 1000.0;
    if (c->tokens > burst)
        c->tokens = burst;
    c->refill_ms = now_ms;
    if (c->tokens < 1.0)
        return 0;
    c->tokens -= 1.0;
    return 1;
}
