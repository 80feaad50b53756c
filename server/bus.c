/*
 * The bus dispatcher: the local registry always delivers; Redis, when set,
 * carries events between nodes.
 *
 * For a conversation this node listens to, `last` is the highest visible seq
 * it has delivered (or knew of when it started listening). A message at or
 * below it is a repeat (our own event after a catch-up already delivered it, or
 * a late echo) and is skipped; one above last + 1 means pub/sub lost something,
 * so the gap is read from the store first. Every SUBSCRIBE confirmation (the
 * first one, and each after a reconnect) triggers the same read, which covers
 * whatever was published while this node was not listening.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "bus_internal.h"
#include "parley/loop.h"
#include "parley/map.h"

struct track { int64_t last; };

static int remote;
static struct bus_url where;
static bus_presence_fn presence_fn;
static int presence_ttl_ms;
static uint64_t node_id;
static struct map *tracks;
static bus_last_seq_fn last_seq_fn;
static bus_catch_up_fn catch_up_fn;
static bus_remote_fn remote_fn;
static int catching;
/* While a site event that hands out a transcript (queued; a state change with
 * a target) is delivered: the seq that transcript reaches, so an agent's new
 * follow starts from what it was actually sent. A follower who joins a
 * conversation this node already listens to may be behind the node's `last`
 * (the transcript was encoded on another node, a hop ago): it is sent the
 * difference on its own, right after the event (late_sub, late_from). */
static const char *hint_conv;
static int64_t hint_seq;
static void *late_sub;
static char *late_topic;
static int64_t late_from;
static bus_deliver_fn deliver_one;
static unsigned long long n_catchups, n_caught_up, n_repeats, n_gaps;

int bus_configure(const char *url, char *msg, size_t mlen)
{
    remote = 0;
    if (!url || !strcmp(url, "local"))
        return 0;
    if (bus_url_parse(url, &where, msg, mlen))
        return -1;
    remote = 1;
    return 0;
}

int bus_is_remote(void) { return remote; }
int bus_healthy(void) { return !remote || bus_redis_up(); }

void bus_set_hooks(bus_last_seq_fn last_seq, bus_catch_up_fn catch_up)
{
    last_seq_fn = last_seq;
    catch_up_fn = catch_up;
}

void bus_set_remote_hook(bus_remote_fn fn) { remote_fn = fn; }

int bus_init(bus_deliver_fn fn)
{
    if (bus_local_init(fn))
        return -1;
    deliver_one = fn;
    if (!remote)
        return 0;
    if (sodium_init() < 0 || !(tracks = map_new()))
        return -1;
    randombytes_buf(&node_id, sizeof(node_id));
    char why[256];
    /* A refused password will not fix itself: say so now rather than run
     * with a bus that never comes up. An unreachable Redis may yet start. */
    if (bus_redis_probe(where.host, where.port, where.user, where.pass, why, sizeof(why))) {
        fprintf(stderr, "parley: --bus: Redis at %s:%d refused %s: %s\n", where.host, where.port,
                where.pass[0] ? "the password" : "to serve without a password", why);
        return -1;
    }
    if (bus_redis_start(node_id)) {
        fprintf(stderr, "parley: cannot start the Redis bus threads\n");
        return -1;
    }
    /* The site channel is listened to from the start, not from the first
     * agent's arrival: an agent's ready snapshot is read at once, and a queued
     * event published before an asynchronous SUBSCRIBE took effect would be
     * lost to it (there is no seq to notice that by). */
    bus_redis_watch(BUS_SITE, 1);
    return 0;
}

static void free_track(const char *key, void *value, void *arg) { free(value); }

void bus_shutdown(void)
{
    if (remote) {
        presence_fn = NULL;  /* a view posted from now on goes nowhere: the router is going */
        bus_redis_stop();
        loop_drain();        /* what the subscriber posted before it stopped */
        bus_redis_presence_free();
        if (tracks) {
            map_each(tracks, free_track, NULL);
            map_free(tracks);
            tracks = NULL;
        }
    }
    bus_local_shutdown();
}

/* This node starts or stops listening to a topic. */
static void watch(const char *topic)
{
    if (!strcmp(topic, BUS_SITE))
        return;                  /* always listened to: see bus_init */
    struct track *t = calloc(1, sizeof(*t));
    if (t) {
        if (hint_conv && !strcmp(hint_conv, topic))
            t->last = hint_seq;
        else
            t->last = last_seq_fn ? last_seq_fn(topic) : 0;
        if (map_put(tracks, topic, t))
            free(t);
    }
    bus_redis_watch(topic, 1);
}

static void unwatch(const char *topic)
{
    if (!strcmp(topic, BUS_SITE))
        return;
    free(map_remove(tracks, topic));
    bus_redis_watch(topic, 0);
}

int bus_subscribe(const char *topic, void *subscriber)
{
    int had = bus_local_has(topic);
    int r = bus_local_subscribe(topic, subscriber);
    if (!r && remote && !had)
        watch(topic);
    else if (!r && remote && hint_conv && !strcmp(hint_conv, topic) && !late_sub) {
        struct track *t = map_get(tracks, topic);
        if (t && hint_seq < t->last && (late_topic = strdup(topic))) {
            late_sub = subscriber;
            late_from = hint_seq;
        }
    }
    return r;
}

void bus_unsubscribe(const char *topic, void *subscriber)
{
    int had = bus_local_has(topic);
    bus_local_unsubscribe(topic, subscriber);
    if (remote && had && !bus_local_has(topic))
        unwatch(topic);
}

static void catch_up(const char *topic, struct track *t, int listening)
{
    if (!catch_up_fn || catching)
        return;
    n_catchups++;
    catching = 1;
    catch_up_fn(topic, t->last, listening);
    catching = 0;
}

/* 1 when ev should be delivered now (after any catch-up it calls for). */
static int admit(const struct bus_event *ev)
{
    if (ev->kind != BUS_MESSAGE || ev->seq <= 0)
        return 1;
    struct track *t = map_get(tracks, ev->topic);
    if (!t)
        return 1;
    if (ev->seq <= t->last) {
        n_repeats++;
        return 0;
    }
    if (ev->seq > t->last + 1 && !catching) {
        n_gaps++;
        catch_up(ev->topic, t, 0);
        if (!(t = map_get(tracks, ev->topic)) || ev->seq <= t->last)
            return 0;
    }
    t->last = ev->seq;
    return 1;
}

static int solo;                /* catch-up deliveries go to late_sub only */

static void catch_up_late(void)
{
    if (!late_sub)
        return;
    struct track *t = map_get(tracks, late_topic);
    if (t && catch_up_fn && !catching && bus_local_has(late_topic)) {
        n_catchups++;
        catching = solo = 1;
        catch_up_fn(late_topic, late_from, 0);
        catching = solo = 0;
    }
    free(late_topic);
    late_topic = NULL;
    late_sub = NULL;
}

static void deliver(const struct bus_event *ev)
{
    if (!admit(ev))
        return;
    int hands_out = (ev->kind == BUS_QUEUED || ev->kind == BUS_STATE) && ev->seq > 0 &&
                    ev->conversation && !strcmp(ev->topic, BUS_SITE);
    if (hands_out) {
        hint_conv = ev->conversation;
        hint_seq = ev->seq;
    }
    bus_local_publish(ev);
    hint_conv = NULL;
    if (hands_out)
        catch_up_late();
}

void bus_deliver_caught_up(const struct bus_event *ev)
{
    n_caught_up++;
    if (solo) {
        /* Only up to what this node has delivered to everyone else: the rest
         * reaches the late follower with everybody. */
        struct track *t = map_get(tracks, ev->topic);
        if (ev->kind == BUS_MESSAGE && t && ev->seq <= t->last)
            deliver_one(late_sub, ev);
        return;
    }
    deliver(ev);
}

void bus_publish(const struct bus_event *ev)
{
    if (!remote) {
        bus_local_publish(ev);
        return;
    }
    deliver(ev);
    bus_redis_publish(ev->topic, proto_bus_encode(ev, node_id));
}

void bus_remote_event(struct proto_bus_event *e)
{
    if (!tracks) {           /* posted just before a shutdown */
        proto_bus_event_free(e);
        free(e);
        return;
    }
    e->ev.origin = 0;        /* another node's connection id means nothing here */
    if (!e->sync && e->ev.kind == BUS_PRESENCE)
        bus_redis_presence_read();   /* it wrote Redis before it said so */
    if (e->sync) {
        struct track *t = map_get(tracks, e->topic);
        if (t)
            catch_up(e->topic, t, 0);
    } else {
        deliver(&e->ev);
        if (remote_fn)
            remote_fn(&e->ev);
    }
    proto_bus_event_free(e);
    free(e);
}

void bus_remote_subscribed(char *topic)
{
    struct track *t = tracks ? map_get(tracks, topic) : NULL;
    if (t)
        catch_up(topic, t, 1);
    free(topic);
}

/* ---- presence across nodes ---- */

void bus_presence_start(bus_presence_fn fn, int beat_ms)
{
    presence_fn = fn;
    presence_ttl_ms = beat_ms * 5 / 2;
}

void bus_presence_set(const struct bus_presence *p)
{
    if (!remote || !presence_fn)
        return;
    char v[48];
    if (p->status != BUS_AGENT_OFFLINE)
        snprintf(v, sizeof(v), "%s %d %d", p->status == BUS_AGENT_AWAY ? "away" : "online",
                 p->chats, p->capacity);
    bus_redis_presence_set(p->agent_id, p->status == BUS_AGENT_OFFLINE ? NULL : v,
                           presence_ttl_ms);
}

void bus_presence_beat(void)
{
    if (remote && presence_fn)
        bus_redis_presence_beat(presence_ttl_ms);
}

void bus_remote_presence(struct bus_presence *v, size_t n)
{
    if (presence_fn)
        presence_fn(v, n);
    free(v);
}

void bus_remote_reconnected(void) { bus_presence_beat(); }

size_t bus_topic_count(void) { return bus_local_topic_count(); }

char *bus_metrics_text(void)
{
    if (!remote)
        return strdup("");
    struct bus_redis_stats s;
    bus_redis_get_stats(&s);
    size_t cap = 2048;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    int n = snprintf(out, cap,
                 "# HELP parley_bus_up Whether the Redis bus answers.\n# TYPE parley_bus_up gauge\n"
                 "parley_bus_up %d\n"
                 "# HELP parley_bus_events_total Events over Redis, by direction.\n"
                 "# TYPE parley_bus_events_total counter\n"
                 "parley_bus_events_total{dir=\"published\"} %llu\n"
                 "parley_bus_events_total{dir=\"received\"} %llu\n"
                 "parley_bus_events_total{dir=\"dropped\"} %llu\n"
                 "# HELP parley_bus_reconnects_total Reconnections to Redis.\n"
                 "# TYPE parley_bus_reconnects_total counter\nparley_bus_reconnects_total %llu\n"
                 "# HELP parley_bus_catchup_reads_total Store reads to fill what pub/sub missed.\n"
                 "# TYPE parley_bus_catchup_reads_total counter\nparley_bus_catchup_reads_total %llu\n"
                 "# HELP parley_bus_catchup_messages_total Messages delivered from those reads.\n"
                 "# TYPE parley_bus_catchup_messages_total counter\n"
                 "parley_bus_catchup_messages_total %llu\n"
                 "# HELP parley_bus_seq_gaps_total Seq gaps seen on the bus.\n"
                 "# TYPE parley_bus_seq_gaps_total counter\nparley_bus_seq_gaps_total %llu\n"
                 "# HELP parley_bus_repeats_total Message events skipped as already delivered.\n"
                 "# TYPE parley_bus_repeats_total counter\nparley_bus_repeats_total %llu\n",
                 bus_redis_up(), s.published, s.received, s.dropped, s.reconnects, n_catchups,
                 n_caught_up, n_gaps, n_repeats);
    if (n < 0 || (size_t)n >= cap) {
        free(out);
        return NULL;
    }
    return out;
}
