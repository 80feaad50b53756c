/* Internal to http*.c: the request being served and the router. */
#ifndef PARLEY_HTTP_INTERNAL_H
#define PARLEY_HTTP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "parley/http.h"

#define HTTP_MAX_BODY (1u << 20)

enum http_method { HTTP_OTHER, HTTP_GET, HTTP_POST, HTTP_PUT, HTTP_DELETE, HTTP_OPTIONS,
                   HTTP_PATCH, HTTP_HEAD };

struct http_req {
    uint64_t conn_id;
    enum http_method method;
    char path[512];
    char query[512];                 /* "a=1&b=2", already URL-decoded by lws */
    char token[128];                 /* bearer token or session cookie, "" if none */
    char ip[64];                     /* the client address (netaddr.h) */
    char origin[256];                /* the Origin header, "" if none (CORS) */
    char *body;                      /* NUL-terminated */
    size_t body_len;
    int body_too_large, expect_body;
    /* response */
    int status;
    const char *ctype;
    char *resp;                      /* owned */
    const char *static_body;         /* or borrowed from the static table */
    size_t resp_len, resp_off;
    char *extra;                     /* extra header lines */
    int headers_sent;
};

/* Decides the response for a complete request (http_api.c). */
void http_route(struct http_req *r);
/* Serves a page from the static table, or returns 0 when there is none. */
int http_static_serve(struct http_req *r);
void http_respond_static(struct http_req *r, const char *type, const char *data, size_t len,
                         const char *extra);
/* The value of a query parameter into out; 1 if present. */
int http_query(const struct http_req *r, const char *name, char *out, size_t len);

#endif
