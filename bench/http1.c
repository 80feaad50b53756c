/*
 * bench/http1.c: see http1.h.
 */
#define _GNU_SOURCE
#include "http1.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int http1(const char *host, int port, const char *method, const char *path,
          const char *bearer, const char *body, char *out, size_t cap)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1)
        return -1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
        close(fd);
        return -1;
    }
    size_t blen = body ? strlen(body) : 0;
    size_t qcap = 512 + blen;
    char *req = malloc(qcap);
    if (!req) {
        close(fd);
        return -1;
    }
    int n = snprintf(req, qcap,
                     "%s %s HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n%s%s%s\r\n",
                     method, path, host, port, blen, bearer ? "Authorization: Bearer " : "",
                     bearer ? bearer : "", bearer ? "\r\n" : "");
    if (body)
        memcpy(req + n, body, blen);
    size_t total = (size_t)n + blen, sent = 0;
    while (sent < total) {
        ssize_t k = send(fd, req + sent, total - sent, MSG_NOSIGNAL);
        if (k <= 0)
            break;
        sent += (size_t)k;
    }
    free(req);
    char buf[65536];
    size_t got = 0;
    for (;;) {
        ssize_t k = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
        if (k <= 0)
            break;
        got += (size_t)k;
        buf[got] = 0;
        char *hdr_end = strstr(buf, "\r\n\r\n");
        const char *cl = hdr_end ? strcasestr(buf, "\r\nContent-Length:") : NULL;
        if (hdr_end && cl && cl < hdr_end &&
            got >= (size_t)(hdr_end + 4 - buf) + strtoul(cl + 17, NULL, 10))
            break;                        /* whole body: no need to wait for close */
        if (got == sizeof(buf) - 1)
            break;
    }
    close(fd);
    buf[got] = 0;
    int status = -1;
    if (got > 12 && !strncmp(buf, "HTTP/1.", 7))
        status = atoi(buf + 9);
    if (out && cap) {
        char *b = strstr(buf, "\r\n\r\n");
        snprintf(out, cap, "%s", b ? b + 4 : "");
    }
    return status;
}
