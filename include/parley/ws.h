/*
 * The libwebsockets protocol: one callback for HTTP and both WebSocket
 * endpoints. Browsers send no Sec-WebSocket-Protocol, so lws binds every upgrade
 * to this default protocol and the endpoint is chosen by the request path.
 */
#ifndef PARLEY_WS_H
#define PARLEY_WS_H

struct lws_protocols;

/* allowed_origins: comma list, or NULL/"" for any. 0 ok. */
int ws_init(const char *allowed_origins);
void ws_free(void);
/* --allowed-origins, for HTTP CORS too: is the list set, is o on it? */
int ws_origins_restricted(void);
int ws_origin_listed(const char *o);
const struct lws_protocols *ws_protocols(void);

#endif
