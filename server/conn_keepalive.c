/*
 * Keepalive for WebSocket peers: one sweep instead of a timer per socket
 * (conn.h says why). A mobile visitor's dead link is found within ping + hangup
 * seconds of its last frame, as before, and an idle server costs one pass over
 * its connections per period, a few hundred µs at 19,000.
 */
#include <libwebsockets.h>
#include "parley/conn.h"

void conn_seen(struct conn *c, int64_t now_ms)
{
    c->last_rx_ms = now_ms;
    c->ping_sent_ms = 0;
}

int64_t conn_keepalive_period_ms(int64_t ping_ms)
{
    int64_t p = ping_ms / 4;             /* a ping goes out at most a quarter late */
    return p < 100 ? 100 : p > 1000 ? 1000 : p;
}

struct sweep { int64_t now, ping, answer; };

static void check(struct conn *c, void *arg)
{
    const struct sweep *s = arg;
    if (!c->wsi || (c->kind != CONN_VISITOR && c->kind != CONN_AGENT) || c->close_pending)
        return;
    if (c->ping_sent_ms) {
        /* Measured from the ping, not from the last frame, so a server that
         * was itself stopped (SIGSTOP, a VM pause) pings before it drops. */
        if (s->now - c->ping_sent_ms >= s->answer)
            lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
        return;
    }
    if (s->now - c->last_rx_ms >= s->ping) {
        c->ping_due = 1;
        c->ping_sent_ms = s->now;
        lws_callback_on_writable(c->wsi);
    }
}

void conn_keepalive(int64_t now_ms, int64_t ping_ms, int64_t answer_ms)
{
    struct sweep s = { now_ms, ping_ms, answer_ms };
    conn_each(check, &s);
}

int conn_write_ping(struct conn *c)
{
    if (!c->ping_due)
        return 0;
    c->ping_due = 0;
    /* Not empty: lws 4.1 reports no RECEIVE_PONG for an empty pong. */
    unsigned char buf[LWS_PRE + 1];
    buf[LWS_PRE] = 'k';
    return lws_write(c->wsi, buf + LWS_PRE, 1, LWS_WRITE_PING) < 0 ? -1 : 1;
}
