/*
 * Graceful shutdown (see drain.h), in two phases on the running loop:
 *
 *  1. Input has stopped, so the store's queue can only shrink (a commit's
 *     callback may still queue a follow-up write, such as a routing change).
 *     Store barriers are chained until one finds nothing queued after it. The
 *     loop keeps writing meanwhile: flushing synchronously here would pile
 *     every ack of a burst into the send queues at once and trip the
 *     slow-consumer limit.
 *  2. Only then is every WebSocket asked to close with 1001 after its queue: a
 *     connection marked for closing takes no more frames, so an ack posted
 *     after that would be lost although its row is stored.
 *
 * The deadline bounds both phases together.
 */
#include <libwebsockets.h>
#include "parley/common.h"
#include "parley/conn.h"
#include "parley/drain.h"
#include "parley/store.h"

#define DRAIN_POLL_MS 20

static int active, closing;
static int64_t deadline_ms;
static drain_done_fn on_done;
static struct lws_context *context;
static struct store *store;
static uint64_t ticket;
static lws_sorted_usec_list_t poll_timer;

int drain_active(void) { return active; }

static size_t sockets_left(void)
{
    return conn_count(CONN_VISITOR) + conn_count(CONN_AGENT);
}

static void going_away(struct conn *c, void *arg)
{
    (void)arg;
    if (c->kind != CONN_VISITOR && c->kind != CONN_AGENT)
        return;
    c->replaying = 0;                 /* the rest of a replay comes after the restart */
    conn_close_after_flush(c, LWS_CLOSE_STATUS_GOINGAWAY);
}

static void close_all(void)
{
    if (closing)
        return;
    closing = 1;
    conn_each(going_away, NULL);
}

static void check(lws_sorted_usec_list_t *sul)
{
    int late = pl_mono_ms() >= deadline_ms;
    if (!late && (!closing || sockets_left())) {
        lws_sul_schedule(context, 0, sul, check, DRAIN_POLL_MS * LWS_US_PER_MS);
        return;
    }
    if (!closing)
        lwsl_warn("shutdown: the store was still busy at the deadline\n");
    else if (sockets_left())
        lwsl_warn("shutdown: %zu WebSocket(s) still open at the deadline\n", sockets_left());
    drain_done_fn done = on_done;
    on_done = NULL;
    if (done)
        done();
}

static void barrier_passed(void *ctx, const struct store_result *r)
{
    (void)ctx;
    (void)r;
    if (!active || !on_done || closing)
        return;
    if (store_enqueued(store) == ticket || store_barrier(store, barrier_passed, NULL, &ticket) != PL_OK)
        close_all();
}

int drain_start(struct lws_context *ctx, struct store *st, int secs, drain_done_fn done)
{
    if (active)
        return 0;
    active = 1;
    context = ctx;
    store = st;
    on_done = done;
    deadline_ms = pl_mono_ms() + (int64_t)secs * 1000;
    if (!st || store_barrier(st, barrier_passed, NULL, &ticket) != PL_OK)
        close_all();
    check(&poll_timer);
    return 0;
}

void drain_cancel(void)
{
    if (context)
        lws_sul_cancel(&poll_timer);
    on_done = NULL;
}
