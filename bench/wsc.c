/*
 * bench/wsc.c: the load generator's WebSocket client (see wsc.h).
 */
#define _GNU_SOURCE
#include "wsc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

#define RX_CHUNK 16384

uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int wsc_init(struct wsc *w, const char *host, int port)
{
    memset(&w->dst, 0, sizeof(w->dst));
    w->dst.sin_family = AF_INET;
    w->dst.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &w->dst.sin_addr) != 1)
        return -1;
    w->alt_role = -1;
    w->ep = epoll_create1(EPOLL_CLOEXEC);
    w->rng = (uint32_t)now_ns() | 1u;
    return w->ep < 0 ? -1 : 0;
}

void wsc_route_role(struct wsc *w, int role, int port)
{
    w->alt = w->dst;
    w->alt.sin_port = htons((uint16_t)port);
    w->alt_role = role;
}

static uint32_t rnd(struct wsc *w)
{
    uint32_t x = w->rng;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return w->rng = x;
}

static int grow(char **p, uint32_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 1024;
    while (n < need)
        n *= 2;
    char *q = realloc(*p, n);
    if (!q)
        return -1;
    *p = q;
    *cap = (uint32_t)n;
    return 0;
}

static void set_events(struct wsc *w, struct conn *c, int out)
{
    if (c->want_out == out)
        return;
    struct epoll_event ev = {.events = EPOLLIN | (out ? EPOLLOUT : 0u), .data.ptr = c};
    epoll_ctl(w->ep, EPOLL_CTL_MOD, c->fd, &ev);
    c->want_out = (uint8_t)out;
}

void wsc_close(struct wsc *w, struct conn *c, int hard)
{
    if (c->state == ST_CLOSED || c->state == ST_IDLE)
        return;
    int was_open = c->state == ST_OPEN;
    if (hard) {
        struct linger l = {1, 0};
        setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
    }
    close(c->fd);
    c->fd = -1;
    c->state = ST_CLOSED;
    free(c->rx);
    free(c->tx);
    free(c->frag);
    c->rx = c->tx = c->frag = NULL;
    c->rx_len = c->rx_cap = c->tx_len = c->tx_cap = c->frag_len = c->frag_cap = 0;
    if (was_open)
        w->n_closed++;
    else
        w->n_failed++;
    if (w->on_close)
        w->on_close(w, c);
}

/* Writes what is queued plus buf; keeps the rest queued and asks for EPOLLOUT. */
static int out(struct wsc *w, struct conn *c, const char *buf, size_t len)
{
    if (c->tx_len) {
        if (grow(&c->tx, &c->tx_cap, c->tx_len + len))
            return -1;
        memcpy(c->tx + c->tx_len, buf, len);
        c->tx_len += (uint32_t)len;
        return 0;                     /* EPOLLOUT is already armed */
    }
    if (c->state == ST_CONNECTING) {  /* not writable yet: queue */
        if (grow(&c->tx, &c->tx_cap, len))
            return -1;
        memcpy(c->tx, buf, len);
        c->tx_len = (uint32_t)len;
        return 0;
    }
    ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return -1;
        n = 0;
    }
    if ((size_t)n < len) {
        if (grow(&c->tx, &c->tx_cap, len - (size_t)n))
            return -1;
        memcpy(c->tx, buf + n, len - (size_t)n);
        c->tx_len = (uint32_t)(len - (size_t)n);
        set_events(w, c, 1);
    }
    return 0;
}

static int flush(struct wsc *w, struct conn *c)
{
    while (c->tx_len) {
        ssize_t n = send(c->fd, c->tx, c->tx_len, MSG_NOSIGNAL);
        if (n < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
        memmove(c->tx, c->tx + n, c->tx_len - (size_t)n);
        c->tx_len -= (uint32_t)n;
    }
    set_events(w, c, 0);
    return 0;
}

static int send_frame(struct wsc *w, struct conn *c, int opcode, const char *s, size_t len)
{
    char stack[2048], *f = stack;
    size_t total = len + 14;
    if (total > sizeof(stack) && !(f = malloc(total)))
        return -1;
    size_t h = 0;
    f[h++] = (char)(0x80 | opcode);
    if (len < 126) {
        f[h++] = (char)(0x80 | len);
    } else if (len < 65536) {
        f[h++] = (char)(0x80 | 126);
        f[h++] = (char)(len >> 8);
        f[h++] = (char)len;
    } else {
        f[h++] = (char)(0x80 | 127);
        for (int i = 7; i >= 0; i--)
            f[h++] = (char)((uint64_t)len >> (8 * i));
    }
    uint32_t key = rnd(w);
    unsigned char k[4];
    memcpy(k, &key, 4);
    memcpy(f + h, k, 4);
    h += 4;
    for (size_t i = 0; i < len; i++)
        f[h + i] = (char)(s[i] ^ k[i & 3]);
    int rc = out(w, c, f, h + len);
    if (f != stack)
        free(f);
    return rc;
}

int wsc_send_text(struct wsc *w, struct conn *c, const char *s, size_t len)
{
    if (c->state != ST_OPEN)
        return -1;
    if (send_frame(w, c, 1, s, len)) {
        wsc_close(w, c, 1);
        return -1;
    }
    return 0;
}

int wsc_connect(struct wsc *w, struct conn *c, int src_octet, const char *path)
{
    int one = 1;
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    c->t_start = now_ns();
    c->rx_len = c->tx_len = c->frag_len = 0;
    c->want_out = 1;
    c->state = ST_CONNECTING;
    if (c->fd < 0) {
        c->state = ST_IDLE;
        w->n_failed++;
        return -1;
    }
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
    struct sockaddr_in src = {.sin_family = AF_INET};
    src.sin_addr.s_addr = htonl(0x7f000000u | (uint32_t)src_octet);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
    if (bind(c->fd, (struct sockaddr *)&src, sizeof(src)) ||
        (connect(c->fd, (struct sockaddr *)(c->role == w->alt_role ? &w->alt : &w->dst),
                 sizeof(w->dst)) && errno != EINPROGRESS) ||
        epoll_ctl(w->ep, EPOLL_CTL_ADD, c->fd, &ev)) {
        wsc_close(w, c, 1);
        return -1;
    }
    char req[512];
    int n = snprintf(req, sizeof(req),
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1\r\n%s%s%s\r\n",
                     path, ntohs(w->dst.sin_port), w->subproto ? "Sec-WebSocket-Protocol: " : "",
                     w->subproto ? w->subproto : "", w->subproto ? "\r\n" : "");
    return out(w, c, req, (size_t)n);
}

static void deliver(struct wsc *w, struct conn *c, int fin, int op, char *p, size_t len)
{
    if (op == 1 || op == 2) {
        if (fin) {
            w->on_msg(w, c, p, len);
            return;
        }
        c->frag_len = 0;
    } else if (op != 0) {
        return;
    }
    if (grow(&c->frag, &c->frag_cap, c->frag_len + len + 1)) {
        wsc_close(w, c, 1);
        return;
    }
    memcpy(c->frag + c->frag_len, p, len);
    c->frag_len += (uint32_t)len;
    if (fin) {
        c->frag[c->frag_len] = 0;
        w->on_msg(w, c, c->frag, c->frag_len);
        if (c->state == ST_OPEN)
            c->frag_len = 0;
    }
}

/* Parses everything complete in c->rx; returns -1 when c was closed. */
static int parse(struct wsc *w, struct conn *c)
{
    size_t off = 0;
    if (c->state == ST_HANDSHAKE) {
        char *end = memmem(c->rx, c->rx_len, "\r\n\r\n", 4);
        if (!end)
            return 0;
        if (c->rx_len < 12 || memcmp(c->rx + 9, "101", 3)) {
            wsc_close(w, c, 1);
            return -1;
        }
        off = (size_t)(end - c->rx) + 4;
        c->state = ST_OPEN;
        w->n_open++;
        if (w->on_open)
            w->on_open(w, c);
        if (c->state != ST_OPEN)
            return -1;
    }
    while (c->state == ST_OPEN) {
        size_t avail = c->rx_len - off;
        if (avail < 2)
            break;
        unsigned char *b = (unsigned char *)c->rx + off;
        int fin = b[0] >> 7, op = b[0] & 15, masked = b[1] >> 7;
        uint64_t len = b[1] & 127;
        size_t h = 2;
        if (len == 126) {
            if (avail < 4)
                break;
            len = (uint64_t)b[2] << 8 | b[3];
            h = 4;
        } else if (len == 127) {
            if (avail < 10)
                break;
            len = 0;
            for (int i = 0; i < 8; i++)
                len = len << 8 | b[2 + i];
            h = 10;
        }
        if (masked)
            h += 4;
        if (avail < h + len)
            break;
        char *p = (char *)b + h;
        if (masked)
            for (uint64_t i = 0; i < len; i++)
                p[i] ^= (char)b[h - 4 + (i & 3)];
        off += h + len;
        if (op == 9) {                      /* ping: answer with the same payload */
            if (send_frame(w, c, 10, p, len)) {
                wsc_close(w, c, 1);
                return -1;
            }
        } else if (op == 8) {               /* close: echo the status and go */
            send_frame(w, c, 8, p, len < 2 ? len : 2);
            wsc_close(w, c, 0);
            return -1;
        } else if (op != 10) {
            deliver(w, c, fin, op, p, len);
        }
    }
    if (c->state != ST_OPEN)
        return -1;
    memmove(c->rx, c->rx + off, c->rx_len - off);
    c->rx_len -= (uint32_t)off;
    if (!c->rx_len && c->rx_cap > 4 * RX_CHUNK) {  /* give back a big buffer */
        free(c->rx);
        c->rx = NULL;
        c->rx_cap = 0;
    }
    return 0;
}

void wsc_event(struct wsc *w, struct conn *c, uint32_t events)
{
    if (c->state == ST_CONNECTING && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
        int err = 0;
        socklen_t l = sizeof(err);
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
        if (err) {
            wsc_close(w, c, 1);
            return;
        }
        c->state = ST_HANDSHAKE;
    }
    if ((events & EPOLLOUT) && flush(w, c)) {
        wsc_close(w, c, 1);
        return;
    }
    if (!(events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
        return;
    for (int round = 0; round < 4 && c->state >= ST_HANDSHAKE && c->state <= ST_OPEN; round++) {
        if (grow(&c->rx, &c->rx_cap, c->rx_len + RX_CHUNK)) {
            wsc_close(w, c, 1);
            return;
        }
        ssize_t n = recv(c->fd, c->rx + c->rx_len, c->rx_cap - c->rx_len, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
            wsc_close(w, c, 0);
            return;
        }
        if (n < 0)
            return;
        int full = (size_t)n == c->rx_cap - c->rx_len;
        c->rx_len += (uint32_t)n;
        if (parse(w, c) || !full)
            return;
    }
}

int has(const char *buf, size_t len, const char *needle)
{
    return memmem(buf, len, needle, strlen(needle)) != NULL;
}

int json_str(const char *buf, size_t len, const char *key, char *out, size_t cap)
{
    char pat[64];
    int n = snprintf(pat, sizeof(pat), "\"%s\":\"", key);
    const char *p = memmem(buf, len, pat, (size_t)n);
    if (!p)
        return -1;
    p += n;
    size_t i = 0;
    while (p < buf + len && *p != '"' && i + 1 < cap)
        out[i++] = *p++;
    out[i] = 0;
    return p < buf + len && *p == '"' ? 0 : -1;
}
