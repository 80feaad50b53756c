/*
 * The cross-thread queue into the event loop.
 *
 * Other threads must never touch a wsi, so they post a callback here and wake the
 * loop with lws_cancel_service(); the loop runs the callbacks from
 * LWS_CALLBACK_EVENT_WAIT_CANCELLED (ws.c calls loop_drain()). A posted callback
 * owns its argument. Before the context exists (start-up) posts simply queue up.
 */
#include <pthread.h>
#include <stdlib.h>
#include <libwebsockets.h>
#include "parley/loop.h"

struct item { loop_fn fn; void *arg; struct item *next; };

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct item *head, *tail;
static struct lws_context *bound;

int loop_post(loop_fn fn, void *arg)
{
    struct item *it = malloc(sizeof(*it));
    if (!it)
        return -1;
    it->fn = fn;
    it->arg = arg;
    it->next = NULL;
    /* Only a post into an empty queue wakes the loop: a non-empty one has a wake-up
     * outstanding, and loop_drain() takes the whole list after it, so this item goes
     * with the rest. Saves a pipe write per post when a thread posts in bursts. */
    pthread_mutex_lock(&mu);
    int was_empty = head == NULL;
    if (tail)
        tail->next = it;
    else
        head = it;
    tail = it;
    struct lws_context *ctx = was_empty ? bound : NULL;
    pthread_mutex_unlock(&mu);
    if (ctx)
        lws_cancel_service(ctx);
    return 0;
}

int loop_drain(void)
{
    pthread_mutex_lock(&mu);
    struct item *it = head;
    head = tail = NULL;
    pthread_mutex_unlock(&mu);
    int n = 0;
    while (it) {
        struct item *next = it->next;
        it->fn(it->arg);
        free(it);
        it = next;
        n++;
    }
    return n;
}

void loop_bind(struct lws_context *ctx)
{
    pthread_mutex_lock(&mu);
    bound = ctx;
    /* Posts made before the context existed woke nobody; a later post into the
     * non-empty queue would not either, so wake for them now. */
    int pending = head != NULL;
    pthread_mutex_unlock(&mu);
    if (ctx && pending)
        lws_cancel_service(ctx);
}
