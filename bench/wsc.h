/*
 * bench/wsc.h: a minimal epoll WebSocket client for the load generator.
 *
 * One struct wsc per worker (its own epoll). Connections are non-blocking, bound
 * to a chosen 127.0.0.x source before connect, upgraded with a plain HTTP/1.1
 * request, then speak RFC 6455 frames: client frames masked, server frames
 * unmasked; pings are answered, fragmented messages are reassembled.
 */
#ifndef BENCH_WSC_H
#define BENCH_WSC_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

enum { ST_IDLE, ST_CONNECTING, ST_HANDSHAKE, ST_OPEN, ST_CLOSED };

struct wsc;

struct conn {
    int fd;
    uint8_t state, role, phase, want_out;
    int idx;                      /* owner's index (conversation, slot) */
    uint32_t rx_len, rx_cap, tx_len, tx_cap, frag_len, frag_cap;
    char *rx, *tx, *frag;
    uint64_t t_start;             /* when connect() was called */
    uint64_t next_send;           /* open-loop schedule (chat) */
    uint32_t inflight;            /* unacked messages (flood) */
    uint32_t seqno;
    char conv[48];                /* conversation id (Parley) */
};

typedef void (*wsc_open_fn)(struct wsc *w, struct conn *c);
typedef void (*wsc_msg_fn)(struct wsc *w, struct conn *c, char *data, size_t len);
typedef void (*wsc_close_fn)(struct wsc *w, struct conn *c);

struct wsc {
    int ep;
    struct sockaddr_in dst;
    struct sockaddr_in alt;       /* where connections of role alt_role go instead */
    int alt_role;                 /* -1: none */
    const char *subproto;         /* Sec-WebSocket-Protocol, or NULL */
    wsc_open_fn on_open;
    wsc_msg_fn on_msg;
    wsc_close_fn on_close;
    void *user;
    uint64_t n_open, n_closed, n_failed;
    uint32_t rng;
};

uint64_t now_ns(void);
int wsc_init(struct wsc *w, const char *host, int port);
/* Connections whose role is `role` go to port on the same host (another node). */
void wsc_route_role(struct wsc *w, int role, int port);
/* Starts a connection from 127.0.0.src_octet to w->dst for path. 0 or -1. */
int wsc_connect(struct wsc *w, struct conn *c, int src_octet, const char *path);
/* Handles an epoll event for c. */
void wsc_event(struct wsc *w, struct conn *c, uint32_t events);
/* Sends one masked text frame. 0, or -1 when the connection failed. */
int wsc_send_text(struct wsc *w, struct conn *c, const char *s, size_t len);
/* Closes at once (RST when hard), frees buffers, calls on_close. */
void wsc_close(struct wsc *w, struct conn *c, int hard);

/* Tiny helpers for server JSON: the string value of "key":"..." into out. */
int json_str(const char *buf, size_t len, const char *key, char *out, size_t cap);
int has(const char *buf, size_t len, const char *needle);

#endif
