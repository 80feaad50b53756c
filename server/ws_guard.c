/*
 * The frame guard: RFC 6455 framing rules that Debian's lws 4.1.6 does not
 * enforce on a server, checked on the raw bytes before lws parses them.
 *
 * lws accepts unmasked client frames, and when it does refuse a frame (RSV bits)
 * it waits five seconds for a close handshake the hostile peer never sends. So
 * Parley interposes recv() (and accept(), to know a socket is new): after a
 * connection's upgrade is accepted, every byte is run through a tiny frame-header
 * state machine. A client frame that is unmasked, sets RSV bits, uses a reserved
 * opcode, or is a fragmented or oversized control frame fails the connection at
 * once: a Close 1002 is written and recv() reports end of stream, so lws tears
 * the connection down without waiting.
 *
 * Only bytes after a successful upgrade are judged. Bytes that arrive in the same
 * read as the upgrade request are kept (up to a small bound) from the end of the
 * request head, and judged when the upgrade is accepted. Loop thread only, like
 * every lws callback; the guard state is indexed by file descriptor.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "ws_guard.h"

#define EARLY_MAX 4096

enum mode { M_PRE = 0, M_OFF, M_FRAMES, M_FAILED };
enum hdr { H_B0 = 0, H_B1, H_EXTLEN, H_MASK, H_PAYLOAD };

struct guard {
    uint8_t mode, crlf, head_done, hdr, need, b0;
    uint16_t early_len;
    uint64_t payload;
    uint8_t *early;        /* bytes after the request head, until armed */
};

static struct guard *g;
static size_t n_g;

static struct guard *slot(int fd)
{
    if (fd < 0)
        return NULL;
    if ((size_t)fd >= n_g) {
        size_t n = n_g ? n_g : 256;
        while (n <= (size_t)fd)
            n *= 2;
        struct guard *p = realloc(g, n * sizeof(*p));
        if (!p)
            return NULL;
        memset(p + n_g, 0, (n - n_g) * sizeof(*p));
        g = p;
        n_g = n;
    }
    return &g[fd];
}

static void reset(struct guard *s)
{
    free(s->early);
    memset(s, 0, sizeof(*s));
}

/* One byte of a client frame header; payload bytes are skipped in bulk. */
static int header_byte(struct guard *s, uint8_t c)
{
    switch (s->hdr) {
    case H_B0: {
        unsigned op = c & 0x0f;
        if (c & 0x70)
            return -1;                                   /* no extension is negotiated */
        if ((op > 2 && op < 8) || op > 10)
            return -1;                                   /* reserved opcode */
        if ((op & 8) && !(c & 0x80))
            return -1;                                   /* fragmented control frame */
        s->b0 = c;
        s->hdr = H_B1;
        return 0;
    }
    case H_B1: {
        unsigned len = c & 0x7f;
        if (!(c & 0x80))
            return -1;                                   /* clients must mask */
        if ((s->b0 & 8) && len > 125)
            return -1;                                   /* control frames are small */
        s->payload = len < 126 ? len : 0;
        s->need = len == 126 ? 2 : len == 127 ? 8 : 0;
        s->hdr = s->need ? H_EXTLEN : H_MASK;
        if (!s->need)
            s->need = 4;
        return 0;
    }
    case H_EXTLEN:
        if (s->need == 8 && (c & 0x80))
            return -1;                                   /* 64-bit length must be < 2^63 */
        s->payload = (s->payload << 8) | c;
        if (--s->need == 0) {
            s->hdr = H_MASK;
            s->need = 4;
        }
        return 0;
    case H_MASK:
        if (--s->need == 0)
            s->hdr = s->payload ? H_PAYLOAD : H_B0;
        return 0;
    }
    return 0;
}

static int judge(struct guard *s, const uint8_t *p, size_t n)
{
    while (n) {
        if (s->hdr == H_PAYLOAD) {
            size_t take = s->payload < n ? (size_t)s->payload : n;
            s->payload -= take;
            p += take;
            n -= take;
            if (!s->payload)
                s->hdr = H_B0;
            continue;
        }
        if (header_byte(s, *p++))
            return -1;
        n--;
    }
    return 0;
}

/* Before the upgrade: find the end of the first request head; keep what follows. */
static void capture(struct guard *s, const uint8_t *p, size_t n)
{
    static const char end[] = "\r\n\r\n";
    size_t i = 0;
    while (!s->head_done && i < n) {
        s->crlf = p[i] == (uint8_t)end[s->crlf] ? s->crlf + 1 : (p[i] == '\r' ? 1 : 0);
        i++;
        if (s->crlf == 4)
            s->head_done = 1;
    }
    if (!s->head_done || i == n)
        return;
    size_t rest = n - i;
    if (s->early_len + rest > EARLY_MAX || (!s->early && !(s->early = malloc(EARLY_MAX)))) {
        reset(s);
        s->mode = M_OFF;                                 /* unusual: don't judge it */
        return;
    }
    memcpy(s->early + s->early_len, p + i, rest);
    s->early_len += (uint16_t)rest;
}

static void fail_connection(int fd, struct guard *s)
{
    static const uint8_t close_1002[] = {0x88, 0x02, 0x03, 0xea};
    syscall(SYS_sendto, fd, close_1002, sizeof(close_1002), MSG_DONTWAIT | MSG_NOSIGNAL, NULL, 0);
    free(s->early);
    s->early = NULL;
    s->mode = M_FAILED;
}

int ws_guard_arm(int fd)
{
    struct guard *s = slot(fd);
    if (!s || s->mode != M_PRE)
        return 0;
    s->mode = M_FRAMES;
    int rc = s->early_len ? judge(s, s->early, s->early_len) : 0;
    free(s->early);
    s->early = NULL;
    s->early_len = 0;
    if (rc)
        fail_connection(fd, s);
    return rc;
}

void ws_guard_off(int fd)
{
    struct guard *s = slot(fd);
    if (s && s->mode == M_PRE) {
        reset(s);
        s->mode = M_OFF;
    }
}

int ws_guard_failed(int fd)
{
    struct guard *s = fd >= 0 && (size_t)fd < n_g ? &g[fd] : NULL;
    return s && s->mode == M_FAILED;
}

void ws_guard_free(void)
{
    for (size_t i = 0; i < n_g; i++)
        free(g[i].early);
    free(g);
    g = NULL;
    n_g = 0;
}

/* ---- the interposed calls (lws calls these through the PLT) ---- */

int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
    int s = (int)syscall(SYS_accept4, fd, addr, len, 0);
    struct guard *st = s >= 0 ? slot(s) : NULL;
    if (st)
        reset(st);                                       /* a new peer on a reused fd */
    return s;
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
    struct guard *s = fd >= 0 && (size_t)fd < n_g ? &g[fd] : slot(fd);
    if (s && s->mode == M_FAILED)
        return 0;
    ssize_t n = (ssize_t)syscall(SYS_recvfrom, fd, buf, len, flags, NULL, NULL);
    if (n <= 0 || !s || (flags & MSG_PEEK))
        return n;
    if (s->mode == M_PRE)
        capture(s, buf, (size_t)n);
    else if (s->mode == M_FRAMES && judge(s, buf, (size_t)n)) {
        fail_connection(fd, s);
        return 0;
    }
    return n;
}
