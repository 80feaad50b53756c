/*
 * bench/http1.h: a blocking HTTP/1.1 request for set-up (log in, create agents)
 * and for polling /healthz. Not used on any measured path.
 */
#ifndef BENCH_HTTP1_H
#define BENCH_HTTP1_H

#include <stddef.h>

/* Sends one request (Connection: close); returns the status, or -1 when the
 * server cannot be reached. The body of the answer goes to out (NUL-ended). */
int http1(const char *host, int port, const char *method, const char *path,
          const char *bearer, const char *body, char *out, size_t cap);

#endif
