/*
 * Graceful shutdown: what SIGTERM does before the context is destroyed.
 *
 * drain_start() stops taking work (new sockets, upgrades, HTTP requests and
 * incoming frames are refused while drain_active()), lets the store commit
 * everything it already holds so the acks of those commits are queued, then asks
 * every WebSocket to close with 1001 once its send queue is written. `done` runs
 * on the loop thread when the last WebSocket has gone or `secs` have passed,
 * whichever is first, so a client that stops reading cannot hold the shutdown.
 * Loop thread only.
 */
#ifndef PARLEY_DRAIN_H
#define PARLEY_DRAIN_H

struct lws_context;
struct store;

typedef void (*drain_done_fn)(void);

/* 0 ok; a second call is ignored. */
int drain_start(struct lws_context *ctx, struct store *st, int secs, drain_done_fn done);
int drain_active(void);
/* Cancels the timer (call before the context is destroyed). */
void drain_cancel(void);

#endif
