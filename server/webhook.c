/*
 * Webhooks, the loop side (see webhook.h): emitting events into the store and
 * turning due rows into attempts for the sender thread, then its outcomes into
 * stored results. Loop thread only, except where webhook_send.c is called.
 *
 * At most one batch is out at a time: the next fetch waits until every result
 * of the previous one is committed, so a row is never handed out twice.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libwebsockets.h>
#include "parley/proto_webhook.h"
#include "parley/store_webhooks.h"
#include "parley/webhook.h"
#include "webhook_internal.h"

#define BATCH 16
/* How long a claimed delivery stays this node's: every attempt of a batch may
 * take the whole timeout, one after another, plus a margin. A node that dies
 * holding a delivery lets another send it when the lease runs out. */
#define LEASE_MS (BATCH * WEBHOOK_TIMEOUT_MS + 60000)


static struct store *store;
static int64_t retry_base = WEBHOOK_DEFAULT_RETRY_BASE_MS;
static unsigned wanted;          /* events some active hook wants (bit per proto_webhook_events) */
static int outstanding;          /* attempts handed out whose result is not stored yet */
static int running;
static struct webhook_stats stats;

static unsigned event_bit(const char *name)
{
    for (size_t i = 0; i < proto_webhook_event_count; i++)
        if (!strcmp(name, proto_webhook_events[i]))
            return 1u << i;
    return 0;
}

/* The events a comma list names ("" = all). */
static unsigned mask_of(const char *list)
{
    if (!list || !*list)
        return (1u << proto_webhook_event_count) - 1;
    unsigned m = 0;
    char name[64];
    for (const char *p = list; *p;) {
        const char *c = strchr(p, ',');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        if (n < sizeof(name)) {
            memcpy(name, p, n);
            name[n] = '\0';
            m |= event_bit(name);
        }
        p = c ? c + 1 : p + n;
    }
    return m;
}

void webhook_reload(void)
{
    struct store_webhook_list l = {0};
    if (!store || store_webhook_list(store, &l) != PL_OK)
        return;                  /* keep the old mask: better a few extra rows than none */
    unsigned m = 0;
    for (size_t i = 0; i < l.n; i++)
        if (l.v[i].active)
            m |= mask_of(l.v[i].events);
    wanted = m;
    store_webhook_list_free(&l);
}

int webhook_start(struct store *st, int retry_base_ms)
{
    store = st;
    retry_base = retry_base_ms > 0 ? retry_base_ms : WEBHOOK_DEFAULT_RETRY_BASE_MS;
    webhook_reload();
    if (wh_worker_start())
        return -1;
    running = 1;
    return 0;
}

void webhook_stop(void)
{
    running = 0;
    wh_worker_stop();
}

void webhook_kick(void)
{
    if (running)
        wh_worker_kick();
}

static void emitted(void *ctx, const struct store_result *r)
{
    (void)ctx;
    if (r->status != PL_OK)
        lwsl_warn("webhook: an event could not be stored (%s)\n", pl_status_code(r->status));
    else if (r->id)
        webhook_kick();
}

/* Takes data. */
static void emit(const char *event, char *data)
{
    if (!data) {
        lwsl_warn("webhook: %s not emitted: out of memory\n", event);
        return;
    }
    if (store_webhook_emit(store, event, data, 0, emitted, NULL) != PL_OK)
        lwsl_warn("webhook: %s not emitted: the store refused it\n", event);
    free(data);
}

static int wants(const char *event)
{
    return store && running && (wanted & event_bit(event));
}

void webhook_emit_state(const struct store_conversation *c)
{
    const char *ev = c->state == CONV_QUEUED ? "conversation.queued"
                   : c->state == CONV_ASSIGNED ? "conversation.assigned"
                   : c->state == CONV_CLOSED ? "conversation.closed"
                   : c->state == CONV_OFFLINE ? "conversation.offline" : NULL;
    if (ev && wants(ev))
        emit(ev, proto_webhook_conversation(c));
}

void webhook_emit_created(const char *conv_id)
{
    if (!wants("conversation.created"))
        return;
    struct store_conversation c = {0};
    if (store_get_conversation(store, conv_id, &c) == PL_OK)
        emit("conversation.created", proto_webhook_conversation(&c));
    store_conversation_free(&c);
}

void webhook_emit_message(const struct store_message *m)
{
    if (m->note_seq == 0 && m->seq > 0 && wants("message.created"))
        emit("message.created", proto_webhook_message(m));
}

void webhook_emit_rating(const char *conv_id, int score, const char *comment)
{
    if (wants("rating.created"))
        emit("rating.created", proto_webhook_rating(conv_id, score, comment, pl_now_ms()));
}

pl_status webhook_ping(int64_t webhook_id, store_cb cb, void *ctx)
{
    char *data = proto_webhook_ping(webhook_id);
    if (!data)
        return PL_ERR_NOMEM;
    pl_status s = store_webhook_emit(store, "ping", data, webhook_id, cb, ctx);
    free(data);
    return s;
}

/* ---- the sender's requests ---- */

static int claims_out;                /* claims sent and not yet answered */
static int64_t next_after_claims;     /* the next fetch, if no claim succeeds */

static void claimed(void *ctx, const struct store_result *r)
{
    struct wh_job *j = ctx;
    claims_out--;
    if (r->status == PL_OK) {
        wh_worker_push(j, INT64_MAX);   /* frees it if the sender has stopped */
    } else {
        wh_job_free(j);                 /* another node's now, or answered */
        outstanding--;
    }
    if (claims_out == 0 && outstanding == 0)
        wh_worker_push(NULL, next_after_claims);
}

void wh_fetch_on_loop(void *unused)
{
    (void)unused;
    if (!running)
        return;
    if (outstanding > 0) {
        wh_worker_push(NULL, INT64_MAX);   /* the last result stored kicks again */
        return;
    }
    webhook_reload();            /* a hook changed on another node, say */
    int64_t now = pl_now_ms(), next = 0, pending = 0;
    struct store_delivery_list l = {0};
    if (store_deliveries_due(store, now, BATCH, &l) != PL_OK) {
        wh_worker_push(NULL, now + 1000);
        return;
    }
    for (size_t i = 0; i < l.n; i++) {
        const struct store_delivery *d = &l.v[i];
        struct wh_job *j = calloc(1, sizeof(*j));
        if (!j || !(j->url = strdup(d->url)) || !(j->secret = strdup(d->secret)) ||
            !(j->event = strdup(d->event)) ||
            !(j->body = proto_webhook_body(d->id, d->event, d->created_at, d->payload))) {
            wh_job_free(j);      /* tried again on the next fetch */
            continue;
        }
        j->id = d->id;
        j->hook = d->webhook_id;
        j->attempts = d->attempts;
        /* Another node sharing the store may have read the same row: only the
         * one whose claim commits sends it. Claims commit in order, so first
         * attempts still go out in event order. */
        if (store_delivery_claim(store, d->id, now, now + LEASE_MS, claimed, j) != PL_OK) {
            wh_job_free(j);
            continue;
        }
        outstanding++;
        claims_out++;
    }
    if (l.n == BATCH)
        next = now;              /* more are due: fetch when these are stored */
    else if (store_deliveries_pending(store, &next, &pending) != PL_OK || !next)
        next = now + 30000;
    stats.pending = pending;
    store_delivery_list_free(&l);
    next_after_claims = next;
    wh_worker_push(NULL, outstanding ? INT64_MAX : next);
    /* With a batch out, the fetch after it happens when its last result is
     * stored (result_stored), or when its last claim failed (claimed); the
     * rows that become due meanwhile wait. */
}

static void result_stored(void *ctx, const struct store_result *r)
{
    (void)ctx;
    if (r->status != PL_OK)
        lwsl_warn("webhook: a delivery result could not be stored (%s)\n",
                  pl_status_code(r->status));
    if (--outstanding == 0)
        webhook_kick();
}

void wh_result_on_loop(void *arg)
{
    struct wh_job *j = arg;
    int ok = j->code >= 200 && j->code <= 299;
    int attempts = j->attempts + 1;
    int64_t delay = ok ? -1 : webhook_backoff_ms(attempts, retry_base);
    struct store_delivery_result res = {
        .id = j->id, .webhook_id = j->hook, .attempts = attempts,
        .status = ok ? DELIVERY_DELIVERED : delay < 0 ? DELIVERY_FAILED : DELIVERY_PENDING,
        .next_attempt_at = delay < 0 ? pl_now_ms() : pl_now_ms() + delay,
        .status_code = j->code, .error = ok ? NULL : j->error};
    if (ok) stats.delivered++;
    else if (delay < 0) stats.failed++;
    else stats.retried++;
    if (store_delivery_result(store, &res, result_stored, NULL) != PL_OK) {
        outstanding--;           /* stays pending: sent again later */
        if (outstanding == 0)
            webhook_kick();
    }
    wh_job_free(j);
}

void webhook_get_stats(struct webhook_stats *out)
{
    *out = stats;
    int64_t next = 0;
    if (store)
        store_deliveries_pending(store, &next, &out->pending);
}
