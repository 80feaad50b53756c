/*
 * Presence in Redis: every node keeps a hash of the agents connected to it,
 *   parley:presence:<node>  agent id -> "online|away <chats> <capacity>"
 * with a PX expiry of a few heartbeats, renewed each beat, and an index of the
 * nodes that wrote one,
 *   parley:presence:nodes   sorted set, node -> when its hash expires (Redis TIME)
 * so a reader gets everybody with one script call (no SCAN of the keyspace). A
 * killed node stops renewing: its hash expires and its agents drop out of
 * every reader's view by themselves.
 *
 * The commands go through the publisher's queue (bus_redis_pub.c), so a write
 * reaches Redis before the presence event this node publishes after it, and
 * a node that hears the event and reads back sees the write. Replies are
 * parsed on the publisher thread and posted to the loop. The record of this
 * node is mirrored here (loop thread) and rewritten whole on each beat and
 * after every reconnect, so a Redis that restarted empty is refilled.
 * Scripts touch keys they are not passed: a single Redis, not Redis Cluster.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bus_internal.h"
#include "bus_redis.h"
#include "parley/loop.h"
#include "parley/map.h"

#define KEY_PREFIX "parley:presence:"
#define KEY_NODES KEY_PREFIX "nodes"

/* KEYS: hash, index; ARGV: node, ttl, agent, value ("" = gone). */
static const char write_one[] =
    "local t = redis.call('TIME') "
    "if ARGV[4] == '' then redis.call('HDEL', KEYS[1], ARGV[3]) "
    "else redis.call('HSET', KEYS[1], ARGV[3], ARGV[4]) end "
    "redis.call('PEXPIRE', KEYS[1], ARGV[2]) "
    "redis.call('ZADD', KEYS[2], t[1] * 1000 + math.floor(t[2] / 1000) + ARGV[2], ARGV[1]) "
    "return 1";
/* KEYS: hash, index; ARGV: node, ttl, then agent, value pairs. */
static const char write_all[] =
    "local t = redis.call('TIME') "
    "redis.call('DEL', KEYS[1]) "
    "if #ARGV < 4 then redis.call('ZREM', KEYS[2], ARGV[1]) return 0 end "
    "for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end "
    "redis.call('PEXPIRE', KEYS[1], ARGV[2]) "
    "redis.call('ZADD', KEYS[2], t[1] * 1000 + math.floor(t[2] / 1000) + ARGV[2], ARGV[1]) "
    "return 1";
/* KEYS: index; ARGV: hash prefix. Returns node, {agent, value, ...}, ... */
static const char read_all[] =
    "local t = redis.call('TIME') "
    "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (t[1] * 1000 + math.floor(t[2] / 1000))) "
    "local out = {} "
    "for _, n in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do "
    "out[#out + 1] = n out[#out + 1] = redis.call('HGETALL', ARGV[1] .. n) end "
    "return out";

static struct map *mine;          /* agent id (text) -> char *value, loop thread */

static struct out *command(int argc)
{
    struct out *o = calloc(1, sizeof(*o));
    if (!o)
        return NULL;
    o->argv = calloc((size_t)argc, sizeof(*o->argv));
    o->lens = calloc((size_t)argc, sizeof(*o->lens));
    if (!o->argv || !o->lens) {
        free(o->argv);
        free(o->lens);
        free(o);
        return NULL;
    }
    o->argc = argc;
    return o;
}

/* Sets argument i to a copy of s; -1 when out of memory. */
static int arg(struct out *o, int i, const char *s)
{
    if (!(o->argv[i] = strdup(s)))
        return -1;
    o->lens[i] = strlen(s);
    return 0;
}

static void send_or_drop(struct out *o, int bad)
{
    if (bad) {
        bus_redis_free_outs(o, 0);
        fprintf(stderr, "parley: bus: out of memory writing presence\n");
        return;
    }
    bus_redis_enqueue(o);
}

/* EVAL script with the node's hash and the index as keys, node and ttl first. */
static struct out *eval_head(const char *script, int extra, int ttl_ms, int *bad)
{
    struct out *o = command(7 + extra);
    if (!o) {
        *bad = 1;
        return NULL;
    }
    char node[20], hash[sizeof(KEY_PREFIX) + 20], ttl[16];
    snprintf(node, sizeof(node), "%" PRIx64, bus_rs.node);
    snprintf(hash, sizeof(hash), KEY_PREFIX "%s", node);
    snprintf(ttl, sizeof(ttl), "%d", ttl_ms);
    *bad = arg(o, 0, "EVAL") || arg(o, 1, script) || arg(o, 2, "2") || arg(o, 3, hash) ||
           arg(o, 4, KEY_NODES) || arg(o, 5, node) || arg(o, 6, ttl);
    return o;
}

void bus_redis_presence_set(int64_t agent_id, const char *value, int ttl_ms)
{
    char k[24];
    snprintf(k, sizeof(k), "%" PRId64, agent_id);
    if (!mine && !(mine = map_new()))
        return;
    char *old = map_get(mine, k);
    if ((value && old && !strcmp(old, value)) || (!value && !old))
        return;                        /* unchanged: the beat renews it */
    if (!value)
        free(map_remove(mine, k));
    else {
        char *v = strdup(value);
        if (!v || map_put(mine, k, v)) {
            free(v);
            return;
        }
        free(old);
    }
    int bad;
    struct out *o = eval_head(write_one, 2, ttl_ms, &bad);
    if (o)
        bad = bad || arg(o, 7, k) || arg(o, 8, value ? value : "");
    send_or_drop(o, bad);
}

struct fill { struct out *o; int i, bad; };

static void add_pair(const char *key, void *value, void *arg_)
{
    struct fill *f = arg_;
    f->bad = f->bad || arg(f->o, f->i, key) || arg(f->o, f->i + 1, value);
    f->i += 2;
}

void bus_redis_presence_beat(int ttl_ms)
{
    int n = mine ? (int)map_size(mine) : 0, bad;
    struct out *o = eval_head(write_all, 2 * n, ttl_ms, &bad);
    if (o && n) {
        struct fill f = {o, 7, bad};
        map_each(mine, add_pair, &f);
        bad = f.bad;
    }
    send_or_drop(o, bad);
    bus_redis_presence_read();
}

/* ---- reading (the reply on the publisher thread, the result on the loop) ---- */

struct view { struct bus_presence *v; size_t n; };

static void post_view(void *arg)
{
    struct view *w = arg;
    bus_remote_presence(w->v, w->n);
    free(w);
}

static int parse_value(const char *s, struct bus_presence *p)
{
    char st[8];
    if (sscanf(s, "%7s %d %d", st, &p->chats, &p->capacity) != 3)
        return -1;
    if (!strcmp(st, "online"))
        p->status = BUS_AGENT_ONLINE;
    else if (!strcmp(st, "away"))
        p->status = BUS_AGENT_AWAY;
    else
        return -1;
    return 0;
}

static void on_read(redisReply *r)
{
    if (!r || r->type != REDIS_REPLY_ARRAY) {
        if (r && r->type == REDIS_REPLY_ERROR)
            fprintf(stderr, "parley: bus: presence read failed: %s\n", r->str);
        return;
    }
    char self[20];
    snprintf(self, sizeof(self), "%" PRIx64, bus_rs.node);
    size_t cap = 0;
    for (size_t i = 0; i + 1 < r->elements; i += 2)
        cap += r->element[i + 1]->elements / 2;
    struct view *w = malloc(sizeof(*w));
    if (!w || !(w->v = malloc((cap ? cap : 1) * sizeof(*w->v)))) {
        free(w);
        return;
    }
    w->n = 0;
    for (size_t i = 0; i + 1 < r->elements; i += 2) {
        redisReply *node = r->element[i], *h = r->element[i + 1];
        if (node->type != REDIS_REPLY_STRING || h->type != REDIS_REPLY_ARRAY ||
            !strcmp(node->str, self))
            continue;                  /* this node's own: its router knows better */
        for (size_t j = 0; j + 1 < h->elements; j += 2) {
            struct bus_presence *p = &w->v[w->n];
            if (h->element[j]->type != REDIS_REPLY_STRING ||
                h->element[j + 1]->type != REDIS_REPLY_STRING ||
                (p->agent_id = strtoll(h->element[j]->str, NULL, 10)) <= 0 ||
                parse_value(h->element[j + 1]->str, p))
                continue;
            w->n++;
        }
    }
    if (loop_post(post_view, w)) {
        free(w->v);
        free(w);
    }
}

void bus_redis_presence_read(void)
{
    pthread_mutex_lock(&bus_rs.mu);
    int queued = bus_rs.reads_queued;
    pthread_mutex_unlock(&bus_rs.mu);
    if (queued)
        return;                        /* one not yet sent answers this too */
    struct out *o = command(5);
    int bad = !o || arg(o, 0, "EVAL") || arg(o, 1, read_all) || arg(o, 2, "1") ||
              arg(o, 3, KEY_NODES) || arg(o, 4, KEY_PREFIX);
    if (o) {
        o->on_reply = on_read;
        o->is_read = 1;
    }
    send_or_drop(o, bad);
}

static void post_connected(void *arg) { bus_remote_reconnected(); }

void bus_redis_presence_connected(void)
{
    if (loop_post(post_connected, NULL))
        fprintf(stderr, "parley: bus: out of memory after a reconnect\n");
}

static void free_value(const char *key, void *value, void *arg) { free(value); }

void bus_redis_presence_free(void)
{
    if (!mine)
        return;
    map_each(mine, free_value, NULL);
    map_free(mine);
    mine = NULL;
}
