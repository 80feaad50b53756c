/*
 * The one way other threads talk to the event loop.
 *
 * Worker threads (the store's writer, the password hasher) never touch a wsi.
 * They hand a callback to loop_post(); it runs on the loop thread, in order of
 * posting, the next time the loop wakes (lws_cancel_service()). The callback owns
 * `arg`. Tests link tests/unit/fake_loop.c instead, which runs them on loop_drain().
 */
#ifndef PARLEY_LOOP_H
#define PARLEY_LOOP_H

typedef void (*loop_fn)(void *arg);

/* Thread-safe. Returns 0, or -1 when out of memory (the callback is not run). */
int loop_post(loop_fn fn, void *arg);

/* Loop thread: run everything posted so far. Returns how many ran. */
int loop_drain(void);

struct lws_context;
/* Binds the queue to the lws context that must be woken; NULL unbinds. */
void loop_bind(struct lws_context *ctx);

#endif
