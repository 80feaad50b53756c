/*
 * Webhooks: events to admin-configured URLs (webhook.c on the loop,
 * webhook_send.c on its own worker thread).
 *
 * Emission (loop thread): after the commit that made an event true, on the
 * node where it happened, the conv code calls one webhook_emit_* function. It
 * costs nothing when no active hook wants the event (an in-memory mask), and
 * otherwise one async store op that writes a delivery row per hook; nothing
 * blocks. Not from bus subscribers: every node would send the same event.
 *
 * Delivery (worker thread): the worker asks the loop (loop_post) for due rows,
 * POSTs each with libcurl (10 s cap, no redirects, http/https only), and hands
 * the outcome back to the loop, which stores it (async). It never touches a
 * socket of the lws loop nor the store. A failed attempt is retried with
 * exponential backoff (webhook_backoff_ms); after WEBHOOK_MAX_ATTEMPTS the row
 * is 'failed'. A row whose result was not stored (a crash, a shutdown
 * mid-attempt) stays pending and is sent again: delivery is at least once,
 * and X-Parley-Delivery lets receivers drop repeats.
 */
#ifndef PARLEY_WEBHOOK_H
#define PARLEY_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>
#include "parley/store.h"

#define WEBHOOK_MAX_ATTEMPTS 6
#define WEBHOOK_TIMEOUT_MS 10000
#define WEBHOOK_DEFAULT_RETRY_BASE_MS 10000

/* Starts the sender (and resumes pending deliveries). retry_base_ms: the first
 * retry's delay. 0 ok. */
int webhook_start(struct store *st, int retry_base_ms);
/* Stops the sender: an attempt in progress is abandoned (it stays pending) and
 * the thread joined. Before the final loop drain. NULL-safe, idempotent. */
void webhook_stop(void);
/* Re-reads which events the active hooks want (after a REST change). */
void webhook_reload(void);

/* Loop thread, after the commit. */
void webhook_emit_state(const struct store_conversation *c);      /* queued/assigned/closed */
void webhook_emit_created(const char *conv_id);
void webhook_emit_message(const struct store_message *m);        /* notes are ignored */
void webhook_emit_rating(const char *conv_id, int score, const char *comment);
/* A "ping" to one hook; cb gets id = the delivery id. */
pl_status webhook_ping(int64_t webhook_id, store_cb cb, void *ctx);
/* A delivery was made due again (retry button): send soon. */
void webhook_kick(void);

/* The delay before attempt `attempt` + 1 after `attempt` failed ones (1-based):
 * base x 1, 3, 12, 60, 360 (10 s, 30 s, 2 min, 10 min, 1 h for a 10 s base);
 * -1 when no attempt is left. */
int64_t webhook_backoff_ms(int attempt, int64_t base_ms);
/* "sha256=" + hex HMAC-SHA256(secret, timestamp "." body) into out (72 bytes). */
void webhook_sign(const char *secret, const char *timestamp, const char *body, size_t body_len,
                  char out[72]);

/* For /metrics: deliveries by outcome since start, and pending now. */
struct webhook_stats { uint64_t delivered, retried, failed; int64_t pending; };
void webhook_get_stats(struct webhook_stats *out);

#endif
