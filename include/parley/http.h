/*
 * HTTP on the WebSocket port: static pages, REST (/api/...), /healthz, /metrics.
 *
 * A request is answered from the WRITEABLE callback like a WebSocket frame:
 * handlers only decide the response (status, type, body) and ask for a write.
 * Handlers that need slow work (password checks, commits) return without a
 * response; the work's completion calls http_respond() with the connection id,
 * which does nothing if the client has gone.
 */
#ifndef PARLEY_HTTP_H
#define PARLEY_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include "parley/conn.h"

struct lws;

int http_static_init(const char *web_root);       /* loads the pages; 0 ok */
void http_static_free(void);

/* lws callbacks; each returns what the lws callback should return. */
int http_on_request(struct conn *c, struct lws *wsi, const char *uri);
int http_on_body(struct conn *c, const void *in, size_t len);
int http_on_body_complete(struct conn *c);
int http_on_writeable(struct conn *c);
void http_release(struct conn *c);

/* The parley_session value in a Cookie header into out: 1 when there is one
 * that fits (http.c and the agent socket's cookie sign-in share this parser). */
int http_cookie_token(const char *cookies, char *out, size_t len);
/* The caller's token: "Bearer X" in authorization, else the session cookie;
 * "" when neither (either header may be NULL). */
void http_auth_token(const char *authorization, const char *cookies, char *out, size_t len);

/* Sets the response (takes ownership of body, malloc'd) and asks for a write.
 * extra_headers: NULL or a string of "Name: value\r\n" lines (copied). */
void http_respond(uint64_t conn_id, int status, const char *content_type, char *body,
                  const char *extra_headers);
/* A JSON error body {"error":{"code","message"[,"field"]}}. */
void http_respond_error(uint64_t conn_id, int status, const char *code, const char *msg,
                        const char *field);

#endif
