/*
 * A client connection (HTTP or WebSocket), its identity and its send queue.
 *
 * lws allocates one struct conn per wsi (per_session_data). Every connection gets
 * a 64-bit id on first use; work that completes later (a commit, a password
 * check) finds its connection again with conn_find(id), which returns NULL once
 * the peer has gone, so nothing ever writes to a freed wsi.
 *
 * Frames are only written from the WRITEABLE callback, from a bounded queue: as
 * many queued frames as fit in one 16 KiB send go out together. A client too slow to drain it is closed with
 * CONN_CLOSE_SLOW_CONSUMER rather than letting memory grow; it resumes with
 * last_seq and misses nothing.
 */
#ifndef PARLEY_CONN_H
#define PARLEY_CONN_H

#include <stdint.h>
#include <stddef.h>
#include <libwebsockets.h>
#include "parley/frame.h"

/* Frames waiting for one connection. Generous, because the frames of one event
 * loop turn all land before any is written: a spike of 1,000 handoffs put
 * ~2,000 frames before each agent at once (the ring costs 8 B a slot and grows
 * only as needed; the byte limit is what bounds memory). */
#define CONN_QUEUE_MAX 16384
/* A long replay is paged in only while fewer frames than this wait, so a
 * reconnecting visitor with a long history holds a few pages, not 2 MiB. */
#define CONN_REFILL_FRAMES 256
#define CONN_QUEUE_BYTES (8u << 20)        /* bytes waiting for one connection */
#define CONN_CLOSE_SLOW_CONSUMER 4008
#define CONN_CLOSE_UNAUTHORIZED 4001
#define CONN_CLOSE_TIMEOUT 4002

enum conn_kind { CONN_NEW = 0, CONN_HTTP, CONN_VISITOR, CONN_AGENT };

struct http_req;

struct conn {
    uint64_t id;
    struct lws *wsi;
    enum conn_kind kind;
    /* send queue (ring) */
    struct frame **q;
    unsigned q_head, q_len, q_cap;
    size_t q_bytes;
    int close_pending;                   /* close once the queue is written */
    int close_code;
    /* receive: a message being assembled from fragments */
    char *rx;
    size_t rx_len, rx_cap;
    int rx_dropping;                     /* oversized: skip to the final fragment */
    /* rate limit: token bucket */
    double tokens;
    int64_t refill_ms;
    /* identity */
    int ready;                           /* welcome / ready sent */
    int busy;                            /* hello or auth under way */
    char visitor_id[40], conv_id[40];
    char *locale, *name;                 /* visitor's, or agent's name */
    char *token;                         /* visitor: their secret, for welcomes */
    int64_t agent_id;
    int is_admin, away;
    int64_t prechat_team;                /* visitor: hello's "team", routed once welcomed */
    /* visitor: the highest seq queued to it, and whether a long replay is still
     * being paged in (live message events wait for it: they are in the store) */
    int64_t sent_seq;
    int replaying;
    /* topics this connection follows (so closing it unsubscribes them all) */
    char **topics;
    size_t n_topics;
    struct http_req *http;               /* HTTP only */
    lws_sorted_usec_list_t deadline;     /* hello/auth must come before it */
    char *ip;                            /* counted against the per-IP cap, or NULL */
    /* keepalive (conn_keepalive.c): when the peer last sent anything, and
     * when our unanswered ping went (0: none outstanding) */
    int64_t last_rx_ms, ping_sent_ms;
    int ping_due;                        /* a ping waits for the next WRITEABLE */
};

int conn_registry_init(void);
void conn_registry_free(void);
int conn_register(struct conn *c, struct lws *wsi, enum conn_kind kind);   /* 0 ok */
/* Unsubscribes, drops queued frames and frees what the connection owns. */
void conn_release(struct conn *c);
struct conn *conn_find(uint64_t id);
size_t conn_count(enum conn_kind kind);
void conn_each(void (*fn)(struct conn *c, void *arg), void *arg);

/* Queues a frame (takes a new reference; the caller keeps theirs). A full queue
 * marks the connection for a slow-consumer close and returns -1. */
int conn_send(struct conn *c, struct frame *f);
/* Same, then consumes the caller's reference (for freshly encoded frames). */
int conn_send_take(struct conn *c, struct frame *f);
/* Writes what is queued, then closes with code. */
void conn_close_after_flush(struct conn *c, int code);
/* WRITEABLE: writes one frame. Returns -1 when the connection should close. */
int conn_on_writeable(struct conn *c);

/*
 * Keepalive (conn_keepalive.c). lws' own ("validity") re-inserts a per-socket
 * timer into its sorted timer list on every ping and pong; that list is linked,
 * so with 19,000 idle visitors each insert walked ~19,000 entries and the idle
 * server used a whole core. Instead every frame (or pong) received stamps the
 * connection, and one sweep over all of them pings the quiet ones and drops
 * those whose ping went unanswered.
 */
/* The peer sent something (a frame or a pong). */
void conn_seen(struct conn *c, int64_t now_ms);
/* Pings WebSocket peers quiet for ping_ms; closes one that sent nothing in the
 * answer_ms after its ping. Run it every conn_keepalive_period_ms(ping_ms). */
void conn_keepalive(int64_t now_ms, int64_t ping_ms, int64_t answer_ms);
int64_t conn_keepalive_period_ms(int64_t ping_ms);
/* WRITEABLE: sends a pending ping: 1 when it did (the callback's one write),
 * 0 when none was due, -1 when the write failed. */
int conn_write_ping(struct conn *c);

int conn_follow(struct conn *c, const char *topic);       /* subscribe + remember */
void conn_unfollow(struct conn *c, const char *topic);
int conn_follows(const struct conn *c, const char *topic);

/* Called after a write while c->replaying and the queue is low: queue the next
 * page of the replay. */
typedef void (*conn_refill_fn)(struct conn *c);
/* Called once when a ready visitor or agent connection goes away. */
typedef void (*conn_gone_fn)(struct conn *c);
void conn_set_gone(conn_gone_fn fn);
void conn_set_refill(conn_refill_fn fn);

/* Closes the connection with CONN_CLOSE_TIMEOUT after secs unless cancelled
 * (secs 0). A close frame says why, unlike an lws timeout that just drops it. */
void conn_set_deadline(struct conn *c, int secs);

/* Token bucket: 1 if a frame may pass now, 0 if over the limit. rate 0 = off. */
int conn_rate_ok(struct conn *c, int rate, int64_t now_ms);

#endif
