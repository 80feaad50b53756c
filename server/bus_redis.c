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
 * The publisher (bus_redis_pub.c) drains a bounded queue with pipelining.
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
#include "parley/common.h"
#include "bus_internal.h"
#include "parley/loop.h"
#include "parley/map.h"
#include "bus_redis.h"

#define CHANNEL_PREFIX "parley:conv:"
#define CHANNEL_SITE "parley:site"

struct bus_redis bus_rs = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER,
                      .stop_cv = PTHREAD_COND_INITIALIZER, .wake = {-1, -1}};
atomic_int bus_redis_sub_up, bus_redis_pub_up;
atomic_ullong bus_redis_published, bus_redis_dropped;
static atomic_ullong n_received, n_reconnects;

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

char *bus_redis_topic_of(const char *channel, size_t len)
{
    if (len == sizeof(CHANNEL_SITE) - 1 && !memcmp(channel, CHANNEL_SITE, len))
        return strdup(BUS_SITE);
    size_t p = sizeof(CHANNEL_PREFIX) - 1;
    if (len <= p || memcmp(channel, CHANNEL_PREFIX, p))
        return NULL;
    return strndup(channel + p, len - p);
}

/* Sleeps ms unless stopping (publishes do not wake it: a backoff stays one). */
void bus_redis_nap(int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&bus_rs.mu);
    if (!bus_rs.stopping)
        pthread_cond_timedwait(&bus_rs.stop_cv, &bus_rs.mu, &ts);
    pthread_mutex_unlock(&bus_rs.mu);
}

static int stopping(void)
{
    pthread_mutex_lock(&bus_rs.mu);
    int s = bus_rs.stopping;
    pthread_mutex_unlock(&bus_rs.mu);
    return s;
}

/* AUTH when a password is set, then a PING: a Redis that wants a password
 * says so only when asked something. 1: connected and accepted; 0: no
 * connection; -1: Redis refused us (why filled with its words, never ours). */
static int hello(redisContext *c, char *why, size_t wl)
{
    redisReply *r;
    if (bus_rs.pass[0]) {
        if (bus_rs.user[0])
            r = redisCommand(c, "AUTH %s %s", bus_rs.user, bus_rs.pass);
        else
            r = redisCommand(c, "AUTH %s", bus_rs.pass);
        if (!r)
            return 0;
        int bad = r->type == REDIS_REPLY_ERROR;
        if (bad)
            snprintf(why, wl, "%s", r->str);
        freeReplyObject(r);
        if (bad)
            return -1;
    }
    if (!(r = redisCommand(c, "PING")))
        return 0;
    int bad = r->type == REDIS_REPLY_ERROR;
    if (bad)
        snprintf(why, wl, "%s", r->str);
    freeReplyObject(r);
    return bad ? -1 : 1;
}

static redisContext *dial(int *refused, char *why, size_t wl)
{
    struct timeval tv = {1, 0};
    *refused = 0;
    redisContext *c = redisConnectWithTimeout(bus_rs.host, bus_rs.port, tv);
    if (!c || c->err || redisSetTimeout(c, tv) != REDIS_OK) {
        if (c)
            redisFree(c);
        return NULL;
    }
    int h = hello(c, why, wl);
    if (h != 1) {
        *refused = h < 0;
        redisFree(c);
        return NULL;
    }
    redisEnableKeepAlive(c);
    return c;
}

static atomic_int refused_said;

redisContext *bus_redis_dial(void)
{
    char why[256] = "";
    int refused;
    redisContext *c = dial(&refused, why, sizeof(why));
    /* Said once per refusal spell, not at every retry. */
    if (refused && !atomic_exchange(&refused_said, 1))
        fprintf(stderr, "parley: bus: Redis refused the connection: %s\n", why);
    else if (c)
        refused_said = 0;
    return c;
}

int bus_redis_probe(const char *host, int port, const char *user, const char *pass, char *msg,
                    size_t mlen)
{
    snprintf(bus_rs.host, sizeof(bus_rs.host), "%s", host);
    bus_rs.port = port;
    snprintf(bus_rs.user, sizeof(bus_rs.user), "%s", user);
    snprintf(bus_rs.pass, sizeof(bus_rs.pass), "%s", pass);
    char why[256] = "";
    int refused;
    redisContext *c = dial(&refused, why, sizeof(why));
    if (c)
        redisFree(c);
    if (!refused)
        return 0;
    snprintf(msg, mlen, "%s", why);
    return -1;
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
        char *topic = bus_redis_topic_of(ch->str, ch->len);
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
    if (e->node == bus_rs.node) {       /* our own echo: delivered locally already */
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
    pthread_mutex_lock(&bus_rs.mu);
    struct op *o = bus_rs.ops;
    bus_rs.ops = bus_rs.ops_tail = NULL;
    if (fresh)
        map_each(bus_rs.want, append_want, c);
    pthread_mutex_unlock(&bus_rs.mu);
    if (!fresh)
        for (struct op *i = o; i; i = i->next)
            redisAppendCommand(c, i->on ? "SUBSCRIBE %s" : "UNSUBSCRIBE %s", i->channel);
    free_ops(o);
    return send_all(c);
}

static void *sub_main(void *arg)
{
    pl_thread_name("parley-bus-sub");
    int backoff = BUS_REDIS_BACKOFF_MIN_MS, ever = 0;
    while (!stopping()) {
        redisContext *c = bus_redis_dial();
        if (!c || apply_ops(c, 1)) {
            if (c)
                redisFree(c);
            bus_redis_nap(backoff);
            backoff = backoff * 2 > BUS_REDIS_BACKOFF_MAX_MS ? BUS_REDIS_BACKOFF_MAX_MS : backoff * 2;
            continue;
        }
        if (ever++)
            n_reconnects++;
        backoff = BUS_REDIS_BACKOFF_MIN_MS;
        bus_redis_sub_up = 1;
        while (!stopping()) {
            struct pollfd p[2] = {{c->fd, POLLIN, 0}, {bus_rs.wake[0], POLLIN, 0}};
            if (poll(p, 2, 1000) < 0 && errno != EINTR)
                break;
            if (p[1].revents) {
                char drain[64];
                while (read(bus_rs.wake[0], drain, sizeof(drain)) > 0)
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
        bus_redis_sub_up = 0;
        redisFree(c);
    }
    return NULL;
}

/* ---- loop-thread side ---- */

int bus_redis_start(uint64_t node)
{
    bus_rs.node = node;
    bus_rs.reads_queued = 0;
    bus_rs.stopping = 0;
    if (!(bus_rs.want = map_new()))
        return -1;
    if (!(bus_rs.dropped = map_new())) {
        map_free(bus_rs.want);
        bus_rs.want = NULL;
        return -1;
    }
    if (pipe(bus_rs.wake)) {
        map_free(bus_rs.want);
        bus_rs.want = NULL;
        return -1;
    }
    for (int i = 0; i < 2; i++) {
        int fl = fcntl(bus_rs.wake[i], F_GETFL);
        fcntl(bus_rs.wake[i], F_SETFL, fl | O_NONBLOCK);
    }
    if (pthread_create(&bus_rs.sub_thr, NULL, sub_main, NULL))
        goto fail;
    if (pthread_create(&bus_rs.pub_thr, NULL, bus_redis_pub_main, NULL)) {
        pthread_mutex_lock(&bus_rs.mu);
        bus_rs.stopping = 1;
        pthread_mutex_unlock(&bus_rs.mu);
        pthread_join(bus_rs.sub_thr, NULL);
        goto fail;
    }
    bus_rs.started = 1;
    return 0;
fail:
    close(bus_rs.wake[0]);
    close(bus_rs.wake[1]);
    map_free(bus_rs.want);
    bus_rs.want = NULL;
    map_free(bus_rs.dropped);
    bus_rs.dropped = NULL;
    return -1;
}

void bus_redis_stop(void)
{
    if (!bus_rs.started)
        return;
    pthread_mutex_lock(&bus_rs.mu);
    bus_rs.stopping = 1;
    pthread_cond_broadcast(&bus_rs.cv);
    pthread_cond_broadcast(&bus_rs.stop_cv);
    pthread_mutex_unlock(&bus_rs.mu);
    if (write(bus_rs.wake[1], "x", 1) < 0) {
        /* the subscriber notices within its poll timeout anyway */
    }
    pthread_join(bus_rs.sub_thr, NULL);
    pthread_join(bus_rs.pub_thr, NULL);
    bus_redis_free_outs(bus_rs.head, 0);
    bus_rs.head = bus_rs.tail = NULL;
    free_ops(bus_rs.ops);
    bus_rs.ops = bus_rs.ops_tail = NULL;
    map_free(bus_rs.want);
    bus_rs.want = NULL;
    map_free(bus_rs.dropped);
    bus_rs.dropped = NULL;
    close(bus_rs.wake[0]);
    close(bus_rs.wake[1]);
    bus_rs.started = 0;
    bus_redis_sub_up = bus_redis_pub_up = 0;
}

int bus_redis_enqueue(struct out *o)
{
    o->next = NULL;
    if (!bus_rs.started) {              /* stopped: nobody would send or free it */
        bus_redis_free_outs(o, 0);
        return -1;
    }
    pthread_mutex_lock(&bus_rs.mu);
    if (bus_rs.qlen >= BUS_REDIS_QUEUE_MAX) {
        pthread_mutex_unlock(&bus_rs.mu);
        bus_redis_free_outs(o, 1);
        return -1;
    }
    if (bus_rs.tail)
        bus_rs.tail->next = o;
    else
        bus_rs.head = o;
    bus_rs.tail = o;
    bus_rs.qlen++;
    bus_rs.reads_queued += o->is_read;
    pthread_cond_signal(&bus_rs.cv);
    pthread_mutex_unlock(&bus_rs.mu);
    return 0;
}

void bus_redis_publish(const char *topic, char *payload)
{
    struct out *o = payload ? calloc(1, sizeof(*o)) : NULL;
    if (!o || !(o->channel = channel_of(topic))) {
        free(o);
        free(payload);
        bus_redis_dropped++;
        return;
    }
    o->payload = payload;
    bus_redis_enqueue(o);
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
    pthread_mutex_lock(&bus_rs.mu);
    int bad = on ? map_put(bus_rs.want, o->channel, (void *)1) : 0;
    if (!on)
        map_remove(bus_rs.want, o->channel);
    if (bus_rs.ops_tail)
        bus_rs.ops_tail->next = o;
    else
        bus_rs.ops = o;
    bus_rs.ops_tail = o;
    pthread_mutex_unlock(&bus_rs.mu);
    if (bad)
        fprintf(stderr, "parley: bus: out of memory remembering %s\n", topic);
    if (write(bus_rs.wake[1], "x", 1) < 0) {
        /* full pipe: a wake-up is already pending */
    }
}

int bus_redis_up(void) { return bus_redis_sub_up && bus_redis_pub_up; }

void bus_redis_get_stats(struct bus_redis_stats *out)
{
    out->published = bus_redis_published;
    out->received = n_received;
    out->dropped = bus_redis_dropped;
    out->reconnects = n_reconnects;
}
