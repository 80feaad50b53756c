/*
 * HTTP transactions: reading the request, writing the response.
 *
 * Routing is in http_api.c and http_static.c; this file only moves bytes. The
 * response is written from HTTP_WRITEABLE in chunks (headers first), and every
 * response carries the same security headers, CSP included, so no page can be
 * served without them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libwebsockets.h>
#include "http_internal.h"
#include "parley/common.h"
#include "parley/metrics.h"
#include "parley/netaddr.h"

#define CHUNK 16384

static const char security_headers[] =
    "Content-Security-Policy: default-src 'self'; script-src 'self'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws: wss:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'self'\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "Referrer-Policy: strict-origin-when-cross-origin\r\n";

static enum http_method method_of(struct lws *wsi)
{
    static const struct { enum lws_token_indexes tok; enum http_method m; } map[] = {
        {WSI_TOKEN_GET_URI, HTTP_GET}, {WSI_TOKEN_POST_URI, HTTP_POST},
        {WSI_TOKEN_PUT_URI, HTTP_PUT}, {WSI_TOKEN_DELETE_URI, HTTP_DELETE},
        {WSI_TOKEN_OPTIONS_URI, HTTP_OPTIONS}, {WSI_TOKEN_PATCH_URI, HTTP_PATCH},
        {WSI_TOKEN_HEAD_URI, HTTP_HEAD},
    };
    for (size_t i = 0; i < PL_ARRAY_LEN(map); i++)
        if (lws_hdr_total_length(wsi, map[i].tok))
            return map[i].m;
    return HTTP_OTHER;
}

int http_cookie_token(const char *cookies, char *out, size_t len)
{
    static const char name[] = "parley_session=";
    for (const char *p = cookies; p && (p = strstr(p, name)); p++) {
        if (p != cookies && p[-1] != ' ' && p[-1] != ';')
            continue;                    /* "xparley_session=" is another cookie */
        p += sizeof(name) - 1;
        size_t n = strcspn(p, "; ");
        if (!n || n >= len)
            return 0;
        memcpy(out, p, n);
        out[n] = '\0';
        return 1;
    }
    return 0;
}

void http_auth_token(const char *authorization, const char *cookies, char *out, size_t len)
{
    out[0] = '\0';
    if (authorization && !strncasecmp(authorization, "Bearer ", 7)) {
        size_t n = strlen(authorization + 7);
        if (n < len)
            memcpy(out, authorization + 7, n + 1);
        return;
    }
    if (!http_cookie_token(cookies, out, len))
        out[0] = '\0';
}

static void read_auth(struct http_req *r, struct lws *wsi)
{
    char h[300], cookies[1024];
    int na = lws_hdr_copy(wsi, h, sizeof(h), WSI_TOKEN_HTTP_AUTHORIZATION);
    int nc = lws_hdr_copy(wsi, cookies, sizeof(cookies), WSI_TOKEN_HTTP_COOKIE);
    http_auth_token(na > 0 ? h : NULL, nc > 0 ? cookies : NULL, r->token, sizeof(r->token));
}

static void read_query(struct http_req *r, struct lws *wsi)
{
    size_t used = 0;
    for (int i = 0; used < sizeof(r->query) - 2; i++) {
        char frag[256];
        int n = lws_hdr_copy_fragment(wsi, frag, sizeof(frag), WSI_TOKEN_HTTP_URI_ARGS, i);
        if (n <= 0)
            break;
        int w = snprintf(r->query + used, sizeof(r->query) - used, "%s%s", used ? "&" : "", frag);
        if (w < 0 || (size_t)w >= sizeof(r->query) - used)
            break;
        used += (size_t)w;
    }
}

int http_on_request(struct conn *c, struct lws *wsi, const char *uri)
{
    if (!c->id && conn_register(c, wsi, CONN_HTTP))
        return -1;
    c->wsi = wsi;
    http_release(c);
    struct http_req *r = calloc(1, sizeof(*r));
    if (!r)
        return -1;
    c->http = r;
    r->conn_id = c->id;
    r->method = method_of(wsi);
    snprintf(r->path, sizeof(r->path), "%s", uri ? uri : "/");
    read_auth(r, wsi);
    read_query(r, wsi);
    if (netaddr_of(wsi, r->ip))           /* the client's, behind a trusted proxy */
        r->ip[0] = '\0';
    if (lws_hdr_copy(wsi, r->origin, sizeof(r->origin), WSI_TOKEN_ORIGIN) <= 0)
        r->origin[0] = '\0';
    char cl[32];
    r->expect_body = (r->method == HTTP_POST || r->method == HTTP_PUT || r->method == HTTP_PATCH) &&
                     lws_hdr_copy(wsi, cl, sizeof(cl), WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 &&
                     atol(cl) > 0;
    if (!r->expect_body)
        http_route(r);
    return 0;
}

int http_on_body(struct conn *c, const void *in, size_t len)
{
    struct http_req *r = c->http;
    if (!r)
        return -1;
    if (!len)
        return 0;
    if (r->body_len + len > HTTP_MAX_BODY) {
        r->body_too_large = 1;
        return 0;
    }
    char *p = realloc(r->body, r->body_len + len + 1);
    if (!p)
        return -1;
    memcpy(p + r->body_len, in, len);
    r->body = p;
    r->body_len += len;
    r->body[r->body_len] = '\0';
    return 0;
}

int http_on_body_complete(struct conn *c)
{
    struct http_req *r = c->http;
    if (!r)
        return -1;
    if (r->body_too_large)
        http_respond_error(r->conn_id, 413, "too_large", "request bodies are limited to 1 MiB", NULL);
    else if (r->expect_body)             /* else routed with the headers: not twice */
        http_route(r);
    return 0;
}

void http_respond(uint64_t conn_id, int status, const char *content_type, char *body,
                  const char *extra_headers)
{
    struct conn *c = conn_find(conn_id);
    if (!c || !c->http || c->http->status || !c->wsi) {
        free(body);
        return;
    }
    struct http_req *r = c->http;
    r->status = status;
    r->ctype = content_type;
    r->resp = body;
    r->resp_len = body ? strlen(body) : 0;
    r->extra = extra_headers ? strdup(extra_headers) : NULL;
    metrics_count_http(status);
    lws_callback_on_writable(c->wsi);
}

void http_respond_static(struct http_req *r, const char *type, const char *data, size_t len,
                         const char *extra)
{
    struct conn *c = conn_find(r->conn_id);
    if (!c || !c->wsi)
        return;
    r->status = 200;
    r->ctype = type;
    r->static_body = data;
    r->resp_len = len;
    r->extra = extra ? strdup(extra) : NULL;
    metrics_count_http(200);
    lws_callback_on_writable(c->wsi);
}

static int write_headers(struct lws *wsi, struct http_req *r)
{
    unsigned char buf[LWS_PRE + 4096], *start = buf + LWS_PRE, *p = start,
                  *end = buf + sizeof(buf) - 1;
    if (lws_add_http_common_headers(wsi, (unsigned)r->status, r->ctype,
                                    (lws_filepos_t)r->resp_len, &p, end))
        return -1;
    char extra[2048];
    snprintf(extra, sizeof(extra), "%s%s", security_headers, r->extra ? r->extra : "");
    for (char *line = extra, *nl; (nl = strstr(line, "\r\n")); line = nl + 2) {
        *nl = '\0';
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        *colon = '\0';
        char name[128];
        snprintf(name, sizeof(name), "%.120s:", line);
        const char *v = colon + 1;
        while (*v == ' ')
            v++;
        if (lws_add_http_header_by_name(wsi, (unsigned char *)name, (unsigned char *)v,
                                        (int)strlen(v), &p, end))
            return -1;
    }
    if (lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    r->headers_sent = 1;
    return 0;
}

int http_on_writeable(struct conn *c)
{
    struct http_req *r = c ? c->http : NULL;
    if (!r || !r->status)
        return 0;
    if (!r->headers_sent) {
        if (write_headers(c->wsi, r))
            return -1;
        if (r->resp_len == 0 || r->method == HTTP_HEAD)
            goto done;
        lws_callback_on_writable(c->wsi);
        return 0;
    }
    const char *body = r->static_body ? r->static_body : r->resp;
    size_t n = r->resp_len - r->resp_off;
    if (n > CHUNK)
        n = CHUNK;
    unsigned char buf[LWS_PRE + CHUNK];
    memcpy(buf + LWS_PRE, body + r->resp_off, n);
    r->resp_off += n;
    int last = r->resp_off == r->resp_len;
    if (lws_write(c->wsi, buf + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)n)
        return -1;
    if (!last) {
        lws_callback_on_writable(c->wsi);
        return 0;
    }
done:
    http_release(c);
    return lws_http_transaction_completed(c->wsi) ? -1 : 0;
}

void http_release(struct conn *c)
{
    struct http_req *r = c->http;
    if (!r)
        return;
    free(r->body);
    free(r->resp);
    free(r->extra);
    free(r);
    c->http = NULL;
}
