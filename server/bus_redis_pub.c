/*
 * The Redis publisher thread: drains the bounded outgoing queue with
 * pipelining (up to 256 PUBLISHes per round trip) and PINGs when idle, so a
 * lost Redis shows in /healthz within a second.
 *
 * When Redis is away, what is queued is dropped and counted rather than kept:
 * the database holds every message. Each channel something was dropped for is
 * noted, and once publishing works again the first thing sent on it is a
 * "sync" payload that makes the receivers read that conversation back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "parley/common.h"
#include "bus_internal.h"
#include "bus_redis.h"
#include "parley/proto_bus.h"

void bus_redis_free_outs(struct out *o, int dropped)
{
    while (o) {
        struct out *n = o->next;
        if (!o->channel) {             /* a presence command: the next beat redoes it */
            for (int i = 0; i < o->argc; i++)
                free(o->argv[i]);
            free(o->argv);
            free(o->lens);
            free(o);
            o = n;
            continue;
        }
        if (dropped) {
            pthread_mutex_lock(&bus_rs.mu);
            int bad = bus_rs.dropped && map_put(bus_rs.dropped, o->channel, (void *)1);
            pthread_mutex_unlock(&bus_rs.mu);
            if (bad)
                fprintf(stderr, "parley: bus: out of memory noting a dropped event\n");
        }
        free(o->channel);
        free(o->payload);
        free(o);
        if (dropped)
            bus_redis_dropped++;
        o = n;
    }
}

/* Sends a batch in one round trip; -1 when the connection broke. */
static int publish_batch(redisContext *c, struct out *b)
{
    size_t n = 0;
    for (struct out *o = b; o; o = o->next, n++)
        if (o->channel)
            redisAppendCommand(c, "PUBLISH %s %s", o->channel, o->payload);
        else
            redisAppendCommandArgv(c, o->argc, (const char **)o->argv, o->lens);
    if (!n)
        redisAppendCommand(c, "PING");
    struct out *o = b;
    for (size_t i = 0; i < (n ? n : 1); i++, o = o ? o->next : NULL) {
        void *r = NULL;
        if (redisGetReply(c, &r) != REDIS_OK)
            return -1;
        if (o && o->on_reply)
            o->on_reply(r);
        freeReplyObject(r);
        if (o && o->channel)
            bus_redis_published++;
    }
    return 0;
}

struct sync_ctx { redisContext *c; size_t n; };

static void append_sync(const char *channel, void *value, void *arg)
{
    struct sync_ctx *s = arg;
    char *topic = bus_redis_topic_of(channel, strlen(channel));
    char *p = topic ? proto_bus_encode_sync(topic, bus_rs.node) : NULL;
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
    pthread_mutex_lock(&bus_rs.mu);
    size_t pending = map_size(bus_rs.dropped);
    pthread_mutex_unlock(&bus_rs.mu);
    struct map *fresh = pending ? map_new() : NULL, *todo;
    if (!fresh)
        return 0;                      /* nothing to say, or next time */
    pthread_mutex_lock(&bus_rs.mu);
    todo = bus_rs.dropped;
    bus_rs.dropped = fresh;
    pthread_mutex_unlock(&bus_rs.mu);
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
        pthread_mutex_lock(&bus_rs.mu);
        map_each(bus_rs.dropped, keep_channel, todo);
        struct map *t = bus_rs.dropped;
        bus_rs.dropped = todo;
        pthread_mutex_unlock(&bus_rs.mu);
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
    pthread_mutex_lock(&bus_rs.mu);
    if (!bus_rs.head && !bus_rs.stopping)
        pthread_cond_timedwait(&bus_rs.cv, &bus_rs.mu, &ts);
    struct out *b = bus_rs.head, *last = NULL;
    size_t n = 0;
    for (struct out *o = b; o && n < BUS_REDIS_BATCH_MAX; o = o->next, n++) {
        last = o;
        bus_rs.reads_queued -= o->is_read;   /* a read asked for from now on is a new one */
    }
    if (last) {
        bus_rs.head = last->next;
        if (!bus_rs.head)
            bus_rs.tail = NULL;
        last->next = NULL;
        bus_rs.qlen -= n;
    }
    *stop = bus_rs.stopping;
    pthread_mutex_unlock(&bus_rs.mu);
    return b;
}

void *bus_redis_pub_main(void *arg)
{
    pl_thread_name("parley-bus-pub");
    redisContext *c = NULL;
    int backoff = BUS_REDIS_BACKOFF_MIN_MS, stop = 0, was_up = 0;
    while (!stop) {
        if (!c && !(c = bus_redis_dial())) {
            bus_redis_pub_up = 0;
            pthread_mutex_lock(&bus_rs.mu);  /* stale by the time Redis is back */
            struct out *all = bus_rs.head;
            bus_rs.head = bus_rs.tail = NULL;
            bus_rs.qlen = 0;
            bus_rs.reads_queued = 0;
            stop = bus_rs.stopping;
            pthread_mutex_unlock(&bus_rs.mu);
            bus_redis_free_outs(all, 1);
            if (!stop)
                bus_redis_nap(backoff);
            backoff = backoff * 2 > BUS_REDIS_BACKOFF_MAX_MS ? BUS_REDIS_BACKOFF_MAX_MS : backoff * 2;
            continue;
        }
        if (!was_up) {                  /* a fresh connection: presence in Redis may be gone */
            was_up = 1;
            backoff = BUS_REDIS_BACKOFF_MIN_MS;
            bus_redis_presence_connected();
        }
        if (send_syncs(c)) {
            redisFree(c);
            c = NULL;
            was_up = 0;
            continue;
        }
        bus_redis_pub_up = 1;
        struct out *b = take_batch(&stop);
        int lost = publish_batch(c, b) != 0;
        if (lost) {
            redisFree(c);
            c = NULL;
            bus_redis_pub_up = 0;
            was_up = 0;
        }
        bus_redis_free_outs(b, lost);   /* some may have gone out: a sync costs one read */
    }
    if (c)
        redisFree(c);
    return NULL;
}
