/* A loop_post() for unit tests: callbacks queue up and run on loop_drain(),
 * on the test's own thread, as the real loop would run them. */
#include <pthread.h>
#include <stdlib.h>
#include "parley/loop.h"

struct item { loop_fn fn; void *arg; struct item *next; };
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static struct item *head, *tail;

int loop_post(loop_fn fn, void *arg)
{
    struct item *it = malloc(sizeof(*it));
    if (!it) return -1;
    it->fn = fn; it->arg = arg; it->next = NULL;
    pthread_mutex_lock(&mu);
    if (tail) tail->next = it; else head = it;
    tail = it;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
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

/* Tests: wait until at least one callback is queued (or ~5 s pass), then drain. */
int loop_wait_drain(void);
int loop_wait_drain(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 5;
    pthread_mutex_lock(&mu);
    while (!head && pthread_cond_timedwait(&cv, &mu, &ts) == 0) {}
    pthread_mutex_unlock(&mu);
    return loop_drain();
}

void loop_bind(struct lws_context *ctx) { (void)ctx; }
