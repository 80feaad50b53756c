/*
 * Store: webhooks and their delivery log (store_webhooks.c; migration 7).
 *
 * A webhook is a URL, a server-made secret, an event filter (a comma list;
 * empty = every event) and an active flag. Every event a hook wants becomes one
 * row of webhook_deliveries, written in the transaction of one async op per
 * event (store_webhook_emit), so deliveries are durable before anyone sends
 * them and survive a restart: a row stays 'pending' until an attempt's result
 * is stored. The row keeps the event's "data" JSON; the body is built from it at
 * send time (proto_webhook_body), identical on every attempt.
 *
 * The log is bounded: after each result, a webhook keeps its newest
 * STORE_WEBHOOK_LOG_KEEP finished (delivered/failed) rows; pending rows are
 * never pruned. Reads are synchronous (loop thread); writes asynchronous.
 */
#ifndef PARLEY_STORE_WEBHOOKS_H
#define PARLEY_STORE_WEBHOOKS_H

#include <stdint.h>
#include "parley/store.h"

#define STORE_WEBHOOKS_MAX 20
#define STORE_WEBHOOK_LOG_KEEP 1000

struct store_webhook {
    int64_t id;
    char *url, *secret;
    char *events;             /* comma list, "" = all */
    int active;
    int64_t created_at, updated_at;
};
struct store_webhook_list { struct store_webhook *v; size_t n; };
void store_webhook_free(struct store_webhook *w);
void store_webhook_list_free(struct store_webhook_list *l);

enum store_delivery_status { DELIVERY_PENDING, DELIVERY_DELIVERED, DELIVERY_FAILED };
const char *store_delivery_status_name(enum store_delivery_status s);

struct store_delivery {
    int64_t id, webhook_id;
    char *event, *payload;    /* payload: the event's data JSON */
    int attempts;
    enum store_delivery_status status;
    int64_t next_attempt_at;
    int last_status_code;     /* 0: none (no HTTP answer) */
    char *last_error;         /* NULL: none */
    int64_t created_at, delivered_at;
    /* Filled by store_deliveries_due only: the hook's target. */
    char *url, *secret;
};
struct store_delivery_list { struct store_delivery *v; size_t n; };
void store_delivery_list_free(struct store_delivery_list *l);

/* Every webhook, by id. */
pl_status store_webhook_list(struct store *st, struct store_webhook_list *out);
pl_status store_webhook_get(struct store *st, int64_t id, struct store_webhook *out);
/* A hook's deliveries, newest first, at most limit. */
pl_status store_webhook_deliveries(struct store *st, int64_t webhook_id, size_t limit,
                                   struct store_delivery_list *out);
/* Pending deliveries due at now_ms (of active hooks; pings always), in
 * (next_attempt_at, id) order, so first attempts follow event order. */
pl_status store_deliveries_due(struct store *st, int64_t now_ms, size_t limit,
                               struct store_delivery_list *out);
/* The earliest next_attempt_at of a pending delivery (0: none), and how many
 * are pending. */
pl_status store_deliveries_pending(struct store *st, int64_t *next_at, int64_t *count);

/* Result id = the new hook's; PL_ERR_CONFLICT when STORE_WEBHOOKS_MAX exist. */
pl_status store_webhook_create(struct store *st, const char *url, const char *secret,
                               const char *events, int active, store_cb cb, void *ctx);
/* Replaces url, events and active. PL_ERR_NOT_FOUND when there is no such hook. */
pl_status store_webhook_update(struct store *st, int64_t id, const char *url, const char *events,
                               int active, store_cb cb, void *ctx);
/* Deletes the hook and its deliveries. */
pl_status store_webhook_delete(struct store *st, int64_t id, store_cb cb, void *ctx);
/* One delivery row per active hook whose filter has `event` (only_hook > 0:
 * that hook alone, whatever its filter: a test ping). Result: id = the last
 * delivery id written (0: none), ts. PL_ERR_NOT_FOUND when only_hook is unknown. */
pl_status store_webhook_emit(struct store *st, const char *event, const char *data,
                             int64_t only_hook, store_cb cb, void *ctx);
/* Records an attempt: the new attempts count, status and next time; then
 * prunes the hook's log. */
struct store_delivery_result {
    int64_t id, webhook_id;
    int attempts;
    enum store_delivery_status status;
    int64_t next_attempt_at;
    int status_code;          /* 0: none */
    const char *error;        /* NULL: none */
};
pl_status store_delivery_result(struct store *st, const struct store_delivery_result *in,
                                store_cb cb, void *ctx);
/* Takes a due delivery for this node: when it is still pending and due at
 * now_ms, it becomes due again only at lease_until (if this node never reports
 * a result, another sends it then). PL_ERR_NOT_FOUND when it is not due any
 * more: another node took it, or it was answered. So nodes sharing a store
 * never send one delivery at the same time. */
pl_status store_delivery_claim(struct store *st, int64_t delivery_id, int64_t now_ms,
                               int64_t lease_until, store_cb cb, void *ctx);
/* Makes a delivery pending and due now with its attempts reset.
 * PL_ERR_NOT_FOUND when the hook has no such delivery. */
pl_status store_delivery_retry(struct store *st, int64_t webhook_id, int64_t delivery_id,
                               store_cb cb, void *ctx);

#endif
