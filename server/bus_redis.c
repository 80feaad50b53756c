/*
 * The Redis link: one connection that only SUBSCRIBEs and one that only
 * PUBLISHes, each on its own thread with a blocking hiredis context, so the
 * event loop never waits for the network.
 *
 * The subscriber polls its socket and a wake-up pipe: the loop thread queues
 * (un)subscriptions under the mutex and writes a byte. After a reconnect it
 * subscribes to everything wanted again; every SUBSCRIBE confirmation is posted
 * to the loop, which then reads back from the store whatever the channel may
 * have carried while this node was not listening.
 *
 * The publisher drains a bounded queue with pipelining (one round trip per
 * batch). When Redis is away, what is queued is dropped and counted rather than
 * kept: the database holds every message and receivers catch up from it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <hiredis/hiredis.h>
#include "bus_internal.h"
#include "parley/loop.h"
#include "parley/map.h"

#define QUEUE_MAX 10000
#define BATCH_MAX 256
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 2000
#define CHANNEL_PREFIX "parley:conv:"
#define CHANNEL_SITE "parley:site"

struct out { char *channel, *payload; struct out *next; };

/* Channels events were dropped for (under R.mu), to be told "sync" once Redis
 * takes publishes again. */
static struct map *dropped_channels;
struct op { int on; char *channel; struct op *next; };

static struct {
    char host[256];
    int port;
    uint64_t node;
    int started, stopping;
    pthread_t sub_thr, pub_thr;
    pthread_mutex_t mu;
    pthread_cond_t cv;             /* work for the publisher */
    pthread_cond_t stop_cv;        /* only stopping: backoff naps are not cut short */
    struct out *head, *tail;
    size_t qlen;
    struct map *want;              /* channel -> (void *)1 */
    struct op *ops, *ops_tail;
    int wake[2];
} R = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER,
         .stop_cv = PTHREAD_COND_INITIALIZER, .wake = {-1, -1}};

static atomic_int sub_up, pub_up;
static atomic_ullong n_published, n_received, n_dropped, n_reconnects;

static char *channel_of(const char *topic)
{
    size_t n = strlen(topic);
    char *c = malloc(sizeof(CHANNEL_PREFIX) + n);
    if (!c)
        return NULL;
    if (!strcmp(topic, BUS_SITE))
        memcpy(c, CHANNEL_SITE, sizeof(CHANNEL_SITE));
    else
        snprintf(c, sizeof(CHANNEL_PREFIX) + n, CHANNEL_PREFIX "%s", topic);
    return c;
}

static char *topic_of(const char *channel, size_t len)
{
    if (len == sizeof(CHANNEL_SITE) - 1 && !memcmp(channel, CHANNEL_SITE, len))
        return strdup(BUS_SITE);
    size_t p = sizeof(CHANNEL_PREFIX) - 1;
    if (len <= p || memcmp(channel, CHANNEL_PREFIX, p))
        return NULL;
    return strndup(channel + p, len - p);
}

/* Sleeps ms unless stopping (publishes do not wake it: a backoff stays one). */
static void nap(int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&R.mu);
    if (!R.stopping)
        pthread_cond_timedwait(&R.stop_cv, &R.mu, &ts);
    pthread_mutex_unlock(&R.mu);
}

static int stopping(void)
{
    pthread_mutex_lock(&R.mu);
    int s = R.stopping;
    pthread_mutex_unlock(&R.mu);
    return s;
}

static redisContext *dial(void)
{
    struct timeval tv = {1, 0};
    redisContext *c = redisConnectWithTimeout(R.host, R.port, tv);
    if (!c || c->err || redisSetTimeout(c, tv) != REDIS_OK) {
        if (c)
            redisFree(c);
        return NULL;
    }
    redisEnableKeepAlive(c);
    return c;
}

/* ---- subscriber ---- */

static void post_event(struct proto_bus_event *e) { bus_remote_event(e); }
static void post_subscribed(void *arg) { bus_remote_subscribed(arg); }
static void post_event_fn(void *arg) { post_event(arg); }

static void on_reply(redisReply *r)
{
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 3 || r->element[0]->type != REDIS_REPLY_STRING)
        return;
    const char *what = r->element[0]->str;
    redisReply *ch = r->element[1];
    if (!strcmp(what, "subscribe") && ch->type == REDIS_REPLY_STRING) {
        char *topic = topic_of(ch->str, ch->len);
        if (topic && loop_post(post_subscribed, topic))
            free(topic);
        return;
    }
    if (strcmp(what, "message") || r->element[2]->type != REDIS_REPLY_STRING)
        return;
    struct proto_bus_event *e = malloc(sizeof(*e));
    if (!e)
        return;
    if (proto_bus_decode(r->element[2]->str, r->element[2]->len, e)) {
        free(e);
        return;
    }
    if (e->node == R.node) {       /* our own echo: delivered locally already */
        proto_bus_event_free(e);
        free(e);
        return;
    }
    n_received++;
    if (loop_post(post_event_fn, e)) {
        proto_bus_event_free(e);
        free(e);
    }
}

static int send_all(redisContext *c)
{
    int done = 0;
    while (!done)
        if (redisBufferWrite(c, &done) != REDIS_OK)
            return -1;
    return 0;
}

static void append_want(const char *key, void *value, void *arg)
{
    redisAppendCommand(arg, "SUBSCRIBE %s", key);
}

static void free_ops(struct op *o)
{
    while (o) {
        struct op *n = o->next;
        free(o->channel);
        free(o);
        o = n;
    }
}

/* Queues what the loop asked for since last time (or, fresh, everything wanted). */
static int apply_ops(redisContext *c, int fresh)
{
    pthread_mutex_lock(&R.mu);
    struct op *o = R.ops;
    R.ops = R.ops_tail = NULL;
    if (fresh)
        map_each(R.want, append_want, c);
    pthread_mutex_unlock(&R.mu);
    if (!fresh)
        for (struct op *i = o; i; i = i->next)
            redisAppendCommand(c, i->on ? "SUBSCRIBE %s" : "UNSUBSCRIBE %s", i->channel);
    free_ops(o);
    return send_all(c);
}

static void *sub_main(void *arg)
{
    int backoff = BACKOFF_MIN_MS, ever = 0;
    while (!stopping()) {
        redisContext *c = dial();
        if (!c || apply_ops(c, 1)) {
            if (c)
                redisFree(c);
            nap(backoff);
            backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
            continue;
        }
        if (ever++)
            n_reconnects++;
        backoff = BACKOFF_MIN_MS;
        sub_up = 1;
        while (!stopping()) {
            struct pollfd p[2] = {{c->fd, POLLIN, 0}, {R.wake[0], POLLIN, 0}};
            if (poll(p, 2, 1000) < 0 && errno != EINTR)
                break;
            if (p[1].revents) {
                char drain[64];
                while (read(R.wake[0], drain, sizeof(drain)) > 0)
                    ;
                if (apply_ops(c, 0))
                    break;
            }
            if (p[0].revents) {
                if (redisBufferRead(c) != REDIS_OK)
                    break;
                void *r;
                int ok;
                while ((ok = redisGetReplyFromReader(c, &r)) == REDIS_OK && r) {
                    on_reply(r);
                    freeReplyObject(r);
                }
                if (ok != REDIS_OK)
                    break;
            }
        }
        sub_up = 0;
        redisFree(c);
    }
    return NULL;
}

/* ---- publisher ---- */

static void free_outs(struct out *o, int dropped)
{
    while (o) {
        struct out *n = o->next;
        if (dropped) {
            pthread_mutex_lock(&R.mu);
            int bad = dropped_channels && map_put(dropped_channels, o->channel, (void *)1);
            pthread_mutex_unlock(&R.mu);
            if (bad)
                fprintf(stderr, "parley: bus: out of memory noting a dropped event\n");
        }
        free(o->channel);
        free(o->payload);
        free(o);
        if (dropped)
            n_dropped++;
        o = n;
    }
}

/* Sends a batch in one round trip; -1 when the connection broke. */
static int publish_batch(redisContext *c, struct out *b)
{
    size_t n = 0;
    for (struct out *o = b; o; o = o->next, n++)
        redisAppendCommand(c, "PUBLISH %s %s", o->channel, o->payload);
    if (!n)
        redisAppendCommand(c, "PING");
    for (size_t i = 0; i < (n ? n : 1); i++) {
        void *r = NULL;
        if (redisGetReply(c, &r) != REDIS_OK)
            return -1;
        freeReplyObject(r);
        if (n)
            n_published++;
    }
    return 0;
}

struct sync_ctx { redisContext *c; size_t n; };

static void append_sync(const char *channel, void *value, void *arg)
{
    struct sync_ctx *s = arg;
    char *topic = topic_of(channel, strlen(channel));
    char *p = topic ? proto_bus_encode_sync(topic, R.node) : NULL;
    if (p) {
        redisAppendCommand(s->c, "PUBLISH %s %s", channel, p);
        s->n++;
    }
    free(p);
    free(topic);
}

/* After events were dropped: tells the other nodes to read those topics back. */
static void keep_channel(const char *channel, void *value, void *arg)
{
    if (map_put(arg, channel, (void *)1))
        fprintf(stderr, "parley: bus: out of memory noting a dropped event\n");
}

static int send_syncs(redisContext *c)
{
    pthread_mutex_lock(&R.mu);
    size_t pending = map_size(dropped_channels);
    pthread_mutex_unlock(&R.mu);
    struct map *fresh = pending ? map_new() : NULL, *todo;
    if (!fresh)
        return 0;                      /* nothing to say, or next time */
    pthread_mutex_lock(&R.mu);
    todo = dropped_channels;
    dropped_channels = fresh;
    pthread_mutex_unlock(&R.mu);
    struct sync_ctx s = {c, 0};
    map_each(todo, append_sync, &s);
    int rc = 0;
    for (size_t i = 0; i < s.n && !rc; i++) {
        void *r = NULL;
        if (redisGetReply(c, &r) != REDIS_OK)
            rc = -1;
        freeReplyObject(r);
    }
    if (rc) {                          /* keep them for the next connection */
        pthread_mutex_lock(&R.mu);
        map_each(dropped_channels, keep_channel, todo);
        struct map *t = dropped_channels;
        dropped_channels = todo;
        pthread_mutex_unlock(&R.mu);
        map_free(t);
        return -1;
    }
    map_free(todo);
    return 0;
}

static struct out *take_batch(int *stop)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 1;
    pthread_mutex_lock(&R.mu);
    if (!R.head && !R.stopping)
        pthread_cond_timedwait(&R.cv, &R.mu, &ts);
    struct out *b = R.head, *last = NULL;
    size_t n = 0;
    for (struct out *o = b; o && n < BATCH_MAX; o = o->next, n++)
        last = o;
    if (last) {
        R.head = last->next;
        if (!R.head)
            R.tail = NULL;
        last->next = NULL;
        R.qlen -= n;
    }
    *stop = R.stopping;
    pthread_mutex_unlock(&R.mu);
    return b;
}

static void *pub_main(void *arg)
{
    redisContext *c = NULL;
    int backoff = BACKOFF_MIN_MS, stop = 0;
    while (!stop) {
        if (!c && !(c = dial())) {
            pub_up = 0;
            pthread_mutex_lock(&R.mu);  /* stale by the time Redis is back */
            struct out *all = R.head;
            R.head = R.tail = NULL;
            R.qlen = 0;
            stop = R.stopping;
            pthread_mutex_unlock(&R.mu);
            free_outs(all, 1);
            if (!stop)
                nap(backoff);
            backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
            continue;
        }
        backoff = BACKOFF_MIN_MS;
        if (send_syncs(c)) {
            redisFree(c);
            c = NULL;
            continue;
        }
        pub_up = 1;
        struct out *b = take_batch(&stop);
        int lost = publish_batch(c, b) != 0;
        if (lost) {
            redisFree(c);
            c = NULL;
            pub_up = 0;
        }
        free_outs(b, lost);   /* some may have gone out: a sync costs one read */
    }
    if (c)
        redisFree(c);
    return NULL;
}

/* ---- loop-thread side ---- */

int bus_redis_start(const char *host, int port, uint64_t node)
{
    snprintf(R.host, sizeof(R.host), "%s", host);
    R.port = port;
    R.node = node;
    R.stopping = 0;
    if (!(R.want = map_new()))
        return -1;
    if (!(dropped_channels = map_new())) {
        map_free(R.want);
        R.want = NULL;
        return -1;
    }
    if (pipe(R.wake)) {
        map_free(R.want);
        R.want = NULL;
        return -1;
    }
    for (int i = 0; i < 2; i++) {
        int fl = fcntl(R.wake[i], F_GETFL);
        fcntl(R.wake[i], F_SETFL, fl | O_NONBLOCK);
    }
    if (pthread_create(&R.sub_thr, NULL, sub_main, NULL))
        goto fail;
    if (pthread_create(&R.pub_thr, NULL, pub_main, NULL)) {
        pthread_mutex_lock(&R.mu);
        R.stopping = 1;
        pthread_mutex_unlock(&R.mu);
        pthread_join(R.sub_thr, NULL);
        goto fail;
    }
    R.started = 1;
    return 0;
fail:
    close(R.wake[0]);
    close(R.wake[1]);
    map_free(R.want);
    R.want = NULL;
    map_free(dropped_channels);
    dropped_channels = NULL;
    return -1;
}

void bus_redis_stop(void)
{
    if (!R.started)
        return;
    pthread_mutex_lock(&R.mu);
    R.stopping = 1;
    pthread_cond_broadcast(&R.cv);
    pthread_cond_broadcast(&R.stop_cv);
    pthread_mutex_unlock(&R.mu);
    if (write(R.wake[1], "x", 1) < 0) {
        /* the subscriber notices within its poll timeout anyway */
    }
    pthread_join(R.sub_thr, NULL);
    pthread_join(R.pub_thr, NULL);
    free_outs(R.head, 0);
    R.head = R.tail = NULL;
    free_ops(R.ops);
    R.ops = R.ops_tail = NULL;
    map_free(R.want);
    R.want = NULL;
    map_free(dropped_channels);
    dropped_channels = NULL;
    close(R.wake[0]);
    close(R.wake[1]);
    R.started = 0;
    sub_up = pub_up = 0;
}

void bus_redis_publish(const char *topic, char *payload)
{
    struct out *o = payload ? malloc(sizeof(*o)) : NULL;
    if (!o || !(o->channel = channel_of(topic))) {
        free(o);
        free(payload);
        n_dropped++;
        return;
    }
    o->payload = payload;
    o->next = NULL;
    pthread_mutex_lock(&R.mu);
    if (R.qlen >= QUEUE_MAX) {
        pthread_mutex_unlock(&R.mu);
        free_outs(o, 1);
        return;
    }
    if (R.tail)
        R.tail->next = o;
    else
        R.head = o;
    R.tail = o;
    R.qlen++;
    pthread_cond_signal(&R.cv);
    pthread_mutex_unlock(&R.mu);
}

void bus_redis_watch(const char *topic, int on)
{
    struct op *o = malloc(sizeof(*o));
    if (!o || !(o->channel = channel_of(topic))) {
        free(o);
        return;
    }
    o->on = on;
    o->next = NULL;
    pthread_mutex_lock(&R.mu);
    int bad = on ? map_put(R.want, o->channel, (void *)1) : 0;
    if (!on)
        map_remove(R.want, o->channel);
    if (R.ops_tail)
        R.ops_tail->next = o;
    else
        R.ops = o;
    R.ops_tail = o;
    pthread_mutex_unlock(&R.mu);
    if (bad)
        fprintf(stderr, "parley: bus: out of memory remembering %s\n", topic);
    if (write(R.wake[1], "x", 1) < 0) {
        /* full pipe: a wake-up is already pending */
    }
}

int bus_redis_up(void) { return sub_up && pub_up; }

void bus_redis_get_stats(struct bus_redis_stats *out)
{
    out->published = n_published;
    out->received = n_received;
    out->dropped = n_dropped;
    out->reconnects = n_reconnects;
}
