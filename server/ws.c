/*
 * The lws protocol callback: the handshake gate, frame assembly and writes.
 *
 * The gate runs before any WebSocket exists. CONFIRM_UPGRADE re-reads the
 * Upgrade header itself (lws 4.1.6 hands over a pointer that can be stale after
 * an invalid Upgrade, CVE-2025-11677) and lets only "websocket" through, so h2c
 * is off too. FILTER_PROTOCOL_CONNECTION checks the path and the Origin
 * allow-list by exact match. A message is assembled from its fragments up to
 * PROTO_MAX_FRAME; past that the rest is skipped and the client gets too_large,
 * so a huge declared length never grows memory.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <libwebsockets.h>
#include "parley/conv.h"
#include "parley/drain.h"
#include "parley/http.h"
#include "parley/limits.h"
#include "parley/loop.h"
#include "parley/netaddr.h"
#include "parley/proto.h"
#include "parley/ws.h"
#include "ws_guard.h"

#define VISITOR_HELLO_SECS 10
#define AGENT_AUTH_SECS 5

static char **origins;
static size_t n_origins;

int ws_init(const char *allowed)
{
    if (!allowed || !*allowed)
        return 0;
    char *copy = strdup(allowed), *save = NULL;
    if (!copy)
        return -1;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        size_t len = strlen(tok);
        while (len && tok[len - 1] == ' ')
            tok[--len] = '\0';
        if (!len)
            continue;
        char **o = realloc(origins, (n_origins + 1) * sizeof(*o));
        if (!o || !(o[n_origins] = strdup(tok))) {
            if (o)
                origins = o;
            free(copy);
            return -1;
        }
        origins = o;
        n_origins++;
    }
    free(copy);
    return 0;
}

void ws_free(void)
{
    ws_guard_free();
    for (size_t i = 0; i < n_origins; i++)
        free(origins[i]);
    free(origins);
    origins = NULL;
    n_origins = 0;
}

int ws_origin_listed(const char *o)
{
    for (size_t i = 0; o && i < n_origins; i++)
        if (!strcmp(o, origins[i]))
            return 1;
    return 0;
}

int ws_origins_restricted(void) { return n_origins > 0; }

static int origin_allowed(struct lws *wsi)
{
    if (!n_origins)
        return 1;
    char o[256];
    int n = lws_hdr_copy(wsi, o, sizeof(o), WSI_TOKEN_ORIGIN);
    return n > 0 && ws_origin_listed(o);
}

static enum conn_kind endpoint(struct lws *wsi)
{
    char uri[64];
    if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) <= 0)
        return CONN_NEW;
    if (!strcmp(uri, "/ws/visitor"))
        return CONN_VISITOR;
    if (!strcmp(uri, "/ws/agent"))
        return CONN_AGENT;
    return CONN_NEW;
}

/* RFC 6455 version 13 only, with a key: anything else is not a client we know. */
static int handshake_ok(struct lws *wsi)
{
    char v[8], key[64];
    return lws_hdr_copy(wsi, v, sizeof(v), WSI_TOKEN_VERSION) > 0 && !strcmp(v, "13") &&
           lws_hdr_copy(wsi, key, sizeof(key), WSI_TOKEN_KEY) > 0;
}

/* One more socket for this address, unless it already holds its share. */
static int count_peer(struct conn *c, struct lws *wsi)
{
    char ip[NETADDR_STRLEN];
    if (!c || c->ip || netaddr_of(wsi, ip))
        return 0;
    if (limit_ip_acquire(ip)) {
        lwsl_warn("refusing a WebSocket from %s: per-address limit reached\n", ip);
        return -1;
    }
    if (!(c->ip = strdup(ip))) {
        limit_ip_release(ip);
        return -1;
    }
    return 0;
}

static int confirm_upgrade(struct lws *wsi)
{
    char up[32];
    int n = lws_hdr_copy(wsi, up, sizeof(up), WSI_TOKEN_UPGRADE);
    if (n <= 0 || strcasecmp(up, "websocket"))
        return -1;                      /* hang up: no h2c, no unknown upgrades */
    return 0;
}

/* The agent's session cookie, if the browser sent one. */
static int session_cookie(struct lws *wsi, char *out, size_t len)
{
    char cookies[1024];
    if (lws_hdr_copy(wsi, cookies, sizeof(cookies), WSI_TOKEN_HTTP_COOKIE) <= 0)
        return 0;
    return http_cookie_token(cookies, out, len);
}

static int established(struct conn *c, struct lws *wsi)
{
    enum conn_kind kind = endpoint(wsi);
    if (kind == CONN_NEW)
        return -1;
    http_release(c);
    if (conn_register(c, wsi, kind))
        return -1;
    conn_set_deadline(c, kind == CONN_VISITOR ? VISITOR_HELLO_SECS : AGENT_AUTH_SECS);
    conn_seen(c, pl_mono_ms());
    char token[128];
    if (kind == CONN_AGENT && session_cookie(wsi, token, sizeof(token)))
        conv_agent_cookie(c, token);
    return 0;
}

/* Appends a chunk to the message being assembled. The first chunk sizes the
 * buffer for the rest of its frame, so a message split by the small rx buffer
 * costs one allocation, not one per chunk. */
static void assemble(struct conn *c, struct lws *wsi, const char *in, size_t len)
{
    size_t need = c->rx_len + len;
    if (need > PROTO_MAX_FRAME) {
        c->rx_dropping = 1;
        free(c->rx);
        c->rx = NULL;
        c->rx_len = c->rx_cap = 0;
        return;
    }
    if (need > c->rx_cap) {
        size_t cap = need + lws_remaining_packet_payload(wsi);
        if (cap > PROTO_MAX_FRAME)
            cap = PROTO_MAX_FRAME;
        char *p = realloc(c->rx, cap);
        if (!p) {
            c->rx_dropping = 1;
            return;
        }
        c->rx = p;
        c->rx_cap = cap;
    }
    memcpy(c->rx + c->rx_len, in, len);
    c->rx_len = need;
}

/* A whole message: text goes to the protocol layer, binary is refused. */
static void on_message(struct conn *c, struct lws *wsi, const char *buf, size_t len)
{
    if (lws_frame_is_binary(wsi))
        conv_send_error(c, NULL, "bad_request", "frames must be text (UTF-8 JSON)");
    else
        conv_on_frame(c, len ? buf : "", len);
}

/* Returns -1 when the connection must close (protocol error, oversized frame). */
static int receive(struct conn *c, struct lws *wsi, const char *in, size_t len)
{
    int final = lws_is_final_fragment(wsi);
    if (lws_get_reserved_bits(wsi)) {
        /* No extension is negotiated, so any RSV bit is a protocol error. */
        static const char why[] = "reserved bits set";
        lws_close_reason(wsi, LWS_CLOSE_STATUS_PROTOCOL_ERR, (unsigned char *)why, sizeof(why) - 1);
        return -1;
    }
    if (final && !c->rx_len && !c->rx_dropping) {
        on_message(c, wsi, in, len);    /* the common case, one chunk: no copy */
        return 0;
    }
    if (!c->rx_dropping && len)
        assemble(c, wsi, in, len);
    if (!final)
        return 0;
    if (c->rx_dropping) {
        /* Its request id is somewhere in what was skipped: say why, then close
         * with 1009 as RFC 6455 asks, so the client can't wait forever. */
        conv_send_error(c, NULL, "too_large", "frames are limited to 64 KiB");
        conn_close_after_flush(c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE);
    } else
        on_message(c, wsi, c->rx, c->rx_len);
    free(c->rx);
    c->rx = NULL;
    c->rx_len = c->rx_cap = 0;
    c->rx_dropping = 0;
    return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    struct conn *c = user;
    switch (reason) {
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        loop_drain();
        return 0;
    case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
        return drain_active() ? -1 : 0; /* shutting down: no new sockets */
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        return confirm_upgrade(wsi);
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        if (drain_active() || endpoint(wsi) == CONN_NEW || !handshake_ok(wsi) || !origin_allowed(wsi) ||
            count_peer(c, wsi))
            return -1;
        return ws_guard_arm(lws_get_socket_fd(wsi));
    case LWS_CALLBACK_ESTABLISHED:
        return established(c, wsi);
    case LWS_CALLBACK_RECEIVE:
        /* While draining, a frame is not acted on: unacked, the client sends it
         * again after the restart. */
        if (drain_active())
            return 0;
        if (!c->id)
            return -1;
        conn_seen(c, pl_mono_ms());
        return receive(c, wsi, in, len);
    case LWS_CALLBACK_RECEIVE_PONG:
        if (c->id)
            conn_seen(c, pl_mono_ms());
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return c->id ? conn_on_writeable(c) : 0;
    case LWS_CALLBACK_CLOSED:
        c->wsi = NULL;                 /* nothing may be queued for it any more */
        return 0;
    case LWS_CALLBACK_HTTP:
        if (drain_active())
            return -1;
        ws_guard_off(lws_get_socket_fd(wsi));
        return http_on_request(c, wsi, in);
    case LWS_CALLBACK_HTTP_BODY:
        return http_on_body(c, in, len);
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        return http_on_body_complete(c);
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return http_on_writeable(c);
    case LWS_CALLBACK_CLOSED_HTTP:
        if (c)
            http_release(c);
        return 0;
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        /* lws frees this per-session memory next (each keep-alive request
         * rebinds the protocol), so it must leave the registry now. */
        if (c && c->kind == CONN_HTTP) {
            http_release(c);
            conn_release(c);
        }
        return 0;
    case LWS_CALLBACK_WSI_DESTROY:
        if (c) {
            http_release(c);
            conn_release(c);
        }
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

/*
 * rx_buffer_size is allocated for every WebSocket, so it is most of what an
 * idle visitor costs beyond lws' own struct (it was 4 KiB, then 512 B).
 * receive() assembles larger messages from the chunks. It cannot go below 128:
 * lws 4.1 handles a control frame (a ping or a close with its reason, up to 125
 * bytes) only if it arrives in one chunk. Without tx_packet_size lws would cap
 * each send at rx_buffer_size and buffer the rest.
 */
#define WS_RX_BUFFER 128
#define WS_TX_PACKET (64 * 1024)

static const struct lws_protocols protocols[] = {
    {"parley", callback, sizeof(struct conn), WS_RX_BUFFER, 0, NULL, WS_TX_PACKET},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

const struct lws_protocols *ws_protocols(void) { return protocols; }
