/*
 * Trusted proxies and the client address (see netaddr.h for the policy).
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libwebsockets.h>
#include "parley/netaddr.h"

/* Every address as 16 bytes: IPv4 as IPv4-mapped IPv6, so one compare serves both. */
struct block {
    unsigned char a[16];
    int bits;                              /* prefix length over the 16 bytes */
};

struct netaddr_list {
    struct block *v;
    size_t n;
};

static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* Parses a bare address; *v4 tells which family it was written in. */
static int parse_addr(const char *s, unsigned char a[16], int *v4)
{
    struct in_addr in4;
    if (inet_pton(AF_INET, s, &in4) == 1) {
        memcpy(a, mapped, 12);
        memcpy(a + 12, &in4, 4);
        *v4 = 1;
        return 0;
    }
    if (inet_pton(AF_INET6, s, a) == 1) {
        *v4 = !memcmp(a, mapped, 12);
        return 0;
    }
    return -1;
}

/* Copies s[0..len) trimmed of spaces and tabs into out; -1 if it does not fit. */
static int trimmed(const char *s, size_t len, char *out, size_t outlen)
{
    while (len && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len >= outlen)
        return -1;
    memcpy(out, s, len);
    out[len] = '\0';
    return 0;
}

static int parse_block(const char *tok, struct block *b)
{
    char addr[64];
    const char *slash = strchr(tok, '/');
    size_t alen = slash ? (size_t)(slash - tok) : strlen(tok);
    int v4 = 0;
    if (alen >= sizeof(addr))
        return -1;
    memcpy(addr, tok, alen);
    addr[alen] = '\0';
    if (parse_addr(addr, b->a, &v4))
        return -1;
    int max = v4 ? 32 : 128, bits = max;
    if (slash) {
        char *end;
        long n = strtol(slash + 1, &end, 10);
        if (!slash[1] || *end || n < 0 || n > max)
            return -1;
        bits = (int)n;
    }
    b->bits = v4 ? 96 + bits : bits;
    return 0;
}

int netaddr_list_parse(const char *spec, struct netaddr_list **out, char *err, size_t errlen)
{
    struct netaddr_list *l = calloc(1, sizeof(*l));
    *out = NULL;
    if (!l) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (const char *p = spec ? spec : ""; *p;) {
        size_t len = strcspn(p, ",");
        char tok[80];
        struct block b;
        if (trimmed(p, len, tok, sizeof(tok)) || parse_block(tok, &b)) {
            snprintf(err, errlen, "'%.*s' is not an IP address or CIDR block (e.g. 10.0.0.0/8, ::1)",
                     (int)(len > 60 ? 60 : len), p);
            netaddr_list_free(l);
            return -1;
        }
        struct block *v = realloc(l->v, (l->n + 1) * sizeof(*v));
        if (!v) {
            snprintf(err, errlen, "out of memory");
            netaddr_list_free(l);
            return -1;
        }
        l->v = v;
        l->v[l->n++] = b;
        p += len;
        if (*p == ',')
            p++;
    }
    *out = l;
    return 0;
}

void netaddr_list_free(struct netaddr_list *l)
{
    if (!l)
        return;
    free(l->v);
    free(l);
}

static int in_block(const struct block *b, const unsigned char a[16])
{
    int full = b->bits / 8, rest = b->bits % 8;
    if (memcmp(a, b->a, (size_t)full))
        return 0;
    if (!rest)
        return 1;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (a[full] & mask) == (b->a[full] & mask);
}

static int match_bytes(const struct netaddr_list *l, const unsigned char a[16])
{
    for (size_t i = 0; l && i < l->n; i++)
        if (in_block(&l->v[i], a))
            return 1;
    return 0;
}

/* Strips "[v6]:port", "[v6]" and "v4:port" down to the address. */
static int strip_port(const char *s, char *out, size_t outlen)
{
    if (trimmed(s, strlen(s), out, outlen))
        return -1;
    if (out[0] == '[') {
        char *close = strchr(out, ']');
        if (!close || (close[1] && close[1] != ':'))
            return -1;
        *close = '\0';
        memmove(out, out + 1, strlen(out + 1) + 1);
        return 0;
    }
    char *colon = strchr(out, ':');
    if (colon && !strchr(colon + 1, ':'))  /* one colon: v4 with a port */
        *colon = '\0';
    return 0;
}

static int to_bytes(const char *ip, unsigned char a[16])
{
    char bare[64];
    int v4;
    return strip_port(ip, bare, sizeof(bare)) || parse_addr(bare, a, &v4) ? -1 : 0;
}

int netaddr_list_match(const struct netaddr_list *l, const char *ip)
{
    unsigned char a[16];
    return ip && !to_bytes(ip, a) && match_bytes(l, a);
}

static void bytes_text(const unsigned char a[16], char out[NETADDR_STRLEN])
{
    if (!memcmp(a, mapped, 12))
        inet_ntop(AF_INET, a + 12, out, NETADDR_STRLEN);
    else
        inet_ntop(AF_INET6, a, out, NETADDR_STRLEN);
}

int netaddr_canonical(const char *ip, char out[NETADDR_STRLEN])
{
    unsigned char a[16];
    if (!ip || to_bytes(ip, a))
        return -1;
    bytes_text(a, out);
    return 0;
}

void netaddr_client(const struct netaddr_list *trusted, const char *peer, const char *xff,
                    const char *real_ip, char out[NETADDR_STRLEN])
{
    unsigned char a[16];
    if (!peer || to_bytes(peer, a)) {
        snprintf(out, NETADDR_STRLEN, "%.*s", NETADDR_STRLEN - 1, peer ? peer : "");
        return;
    }
    bytes_text(a, out);
    if (!match_bytes(trusted, a))
        return;                            /* headers from an untrusted peer mean nothing */
    if (xff && *xff) {
        /* Right to left: the first hop our proxies did not vouch for. An entry
         * that is not an address stops the walk at the last trusted hop. */
        for (size_t end = strlen(xff); end > 0;) {
            size_t start = end;
            while (start > 0 && xff[start - 1] != ',')
                start--;
            char tok[80];
            unsigned char h[16];
            if (trimmed(xff + start, end - start, tok, sizeof(tok)) || to_bytes(tok, h))
                return;
            bytes_text(h, out);
            if (!match_bytes(trusted, h))
                return;
            end = start ? start - 1 : 0;
        }
        return;                            /* every hop trusted: the left-most */
    }
    if (real_ip && !to_bytes(real_ip, a))
        bytes_text(a, out);
}

/* ---- the server's list, and lws ---- */

static struct netaddr_list *server_list;

int netaddr_init(const char *spec)
{
    char err[160];
    netaddr_free();
    if (netaddr_list_parse(spec, &server_list, err, sizeof(err))) {
        fprintf(stderr, "parley: --trusted-proxies (PARLEY_TRUSTED_PROXIES): %s\n", err);
        return -1;
    }
    return 0;
}

void netaddr_free(void)
{
    netaddr_list_free(server_list);
    server_list = NULL;
}

int netaddr_of(struct lws *wsi, char out[NETADDR_STRLEN])
{
    char peer[NETADDR_STRLEN + 8];
    if (!lws_get_peer_simple(wsi, peer, sizeof(peer)))
        return -1;
    if (!server_list || !server_list->n || !netaddr_list_match(server_list, peer)) {
        netaddr_client(NULL, peer, NULL, NULL, out);
        return 0;
    }
    /* A header too long for the buffer is not read at all: the proxy's own
     * address is the safe key. */
    char xff[1024], real[64];
    int nx = lws_hdr_copy(wsi, xff, sizeof(xff), WSI_TOKEN_X_FORWARDED_FOR);
    int nr = lws_hdr_copy(wsi, real, sizeof(real), WSI_TOKEN_HTTP_X_REAL_IP);
    if (nx < 0 || (nx == 0 && nr < 0))
        netaddr_client(NULL, peer, NULL, NULL, out);
    else
        netaddr_client(server_list, peer, nx > 0 ? xff : NULL, nr > 0 ? real : NULL, out);
    return 0;
}
