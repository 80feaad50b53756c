/*
 * JSON of webhooks: the event payloads (proto_webhook.c) and the admin REST
 * bodies (proto_webhooks.c). Part of the codec: only proto*.c use Jansson.
 *
 * A delivery's body is {"id": delivery id, "event", "created_at", "data"}.
 * The store keeps only "data" (one row per hook shares the same data), and
 * proto_webhook_body() wraps it at send time, byte-identical on every attempt.
 */
#ifndef PARLEY_PROTO_WEBHOOK_H
#define PARLEY_PROTO_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>
#include "parley/common.h"
#include "parley/store.h"
#include "parley/store_webhooks.h"

#define PROTO_WEBHOOK_URL_MAX 2000

/* Every event a hook may subscribe to, in a fixed order (webhook.c keeps a bit
 * per entry), and how many. */
extern const char *const proto_webhook_events[];
extern const size_t proto_webhook_event_count;

/* ---- event data (malloc'd JSON text; NULL when out of memory) ---- */
/* {"conversation": summary as the dashboard sees it} */
char *proto_webhook_conversation(const struct store_conversation *c);
/* {"conversation": id, "message": {seq, role, text, author..., ts}} */
char *proto_webhook_message(const struct store_message *m);
/* {"conversation": id, "rating": {"score", "comment"}, "ts"} */
char *proto_webhook_rating(const char *conv_id, int score, const char *comment, int64_t ts);
/* {"webhook": id, "message": "..."} for a test ping. */
char *proto_webhook_ping(int64_t webhook_id);
/* The body sent: data (already JSON) embedded as is. NULL when data is not JSON. */
char *proto_webhook_body(int64_t delivery_id, const char *event, int64_t created_at,
                         const char *data);

/* ---- REST ---- */
/* POST {"url", "events"?: [names], "active"?: bool}; PUT the same, where an
 * absent field keeps `keep`'s value (keep NULL: POST defaults, url required).
 * events comes back as the stored comma list ("" = all). */
struct rest_webhook { char *url, *events; int active; };
pl_status proto_webhook_decode(const char *body, size_t len, const struct store_webhook *keep,
                               struct rest_webhook *out, char *field, size_t flen, char *msg,
                               size_t mlen);
void proto_webhook_free(struct rest_webhook *w);
/* 1 when name is an event a hook may subscribe to. */
int proto_webhook_event_known(const char *name);

/* {"id","url","events":[...],"active","created_at"} plus "secret" when
 * with_secret (only the create answer shows it). */
char *proto_webhook_json(const struct store_webhook *w, int with_secret);
/* {"webhooks":[...]} */
char *proto_webhook_list_json(const struct store_webhook_list *l);
/* {"deliveries":[{"id","event","status","attempts","last_status_code",
 * "last_error","next_attempt_at","created_at","delivered_at"}...]} */
char *proto_delivery_list_json(const struct store_delivery_list *l);

#endif
