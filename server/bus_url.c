/*
 * The --bus URL: "local" or redis://[[user]:password@]host[:port]. The user
 * and password may be percent-encoded (a password holding '@' or ':' needs
 * it). The password is never printed: bus_url_safe masks it.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bus_internal.h"

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decodes s[0..n) into out (olen with its NUL); -1 when bad or too long. */
static int decode(const char *s, size_t n, char *out, size_t olen)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            int a = i + 2 < n ? hexval(s[i + 1]) : -1, b = i + 2 < n ? hexval(s[i + 2]) : -1;
            if (a < 0 || b < 0 || a * 16 + b == 0)
                return -1;                 /* "%00" would cut the password short */
            c = (char)(a * 16 + b);
            i += 2;
        }
        if (o + 1 >= olen)
            return -1;
        out[o++] = c;
    }
    out[o] = '\0';
    return 0;
}

int bus_url_parse(const char *url, struct bus_url *u, char *msg, size_t mlen)
{
    memset(u, 0, sizeof(*u));
    const char *p = "redis://";
    if (strncmp(url, p, strlen(p))) {
        snprintf(msg, mlen, "use local or redis://[[user]:password@]host[:port]");
        return -1;
    }
    const char *h = url + strlen(p), *at = strrchr(h, '@');
    if (at) {
        const char *colon = memchr(h, ':', (size_t)(at - h));
        if (!colon) {
            snprintf(msg, mlen, "the password goes after a colon: redis://:password@host or "
                                "redis://user:password@host");
            return -1;
        }
        if (decode(h, (size_t)(colon - h), u->user, sizeof(u->user)) ||
            decode(colon + 1, (size_t)(at - colon - 1), u->pass, sizeof(u->pass))) {
            snprintf(msg, mlen, "the user or password is too long or badly percent-encoded");
            return -1;
        }
        if (!u->pass[0]) {
            snprintf(msg, mlen, "the password is empty");
            return -1;
        }
        h = at + 1;
    }
    const char *colon = strrchr(h, ':');
    size_t hl = colon ? (size_t)(colon - h) : strlen(h);
    long pt = 6379;
    if (colon) {
        char *end;
        pt = strtol(colon + 1, &end, 10);
        if (end == colon + 1 || (*end && strcmp(end, "/")) || pt < 1 || pt > 65535) {
            snprintf(msg, mlen, "the port must be 1 to 65535");
            return -1;
        }
    } else if (hl && h[hl - 1] == '/')
        hl--;
    if (hl == 0 || hl >= sizeof(u->host)) {
        snprintf(msg, mlen, "a host is needed: redis://host:port");
        return -1;
    }
    memcpy(u->host, h, hl);
    u->host[hl] = '\0';
    u->port = (int)pt;
    return 0;
}

void bus_url_safe(const char *url, char *out, size_t olen)
{
    const char *p = "redis://";
    size_t pl = strlen(p);
    const char *at = url && !strncmp(url, p, pl) ? strrchr(url, '@') : NULL;
    if (!at) {
        snprintf(out, olen, "%s", url ? url : "");
        return;
    }
    /* Everything after the user's colon, or the whole user part without one. */
    const char *colon = memchr(url + pl, ':', (size_t)(at - url - (ptrdiff_t)pl));
    const char *keep_end = colon ? colon + 1 : url + pl;
    snprintf(out, olen, "%.*s***%s", (int)(keep_end - url), url, at);
}
