/*
 * Agents connected to other nodes (--bus redis), as the shared presence in
 * Redis says (bus_presence_*). Each read replaces the view whole; an agent
 * whose node stopped renewing its record (it died) drops out of it when that
 * record expires, which is how a dead node's agents go offline by themselves.
 * Loop thread only.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include "parley/map.h"
#include "router_peers.h"

static struct map *seen;             /* agent id (text) -> int *status (enum router_status) */

static void key_of(int64_t id, char out[24]) { snprintf(out, 24, "%" PRId64, id); }

static enum router_status of(const struct bus_presence *p)
{
    return p->status == BUS_AGENT_ONLINE ? ROUTER_ONLINE
         : p->status == BUS_AGENT_AWAY ? ROUTER_AWAY : ROUTER_OFFLINE;
}

static void free_one(const char *key, void *value, void *arg) { free(value); }

static void free_map(struct map *m)
{
    if (!m)
        return;
    map_each(m, free_one, NULL);
    map_free(m);
}

struct diff { struct map *now; int64_t *gone; size_t n, cap; int changed; };

static void compare(const char *key, void *value, void *arg)
{
    struct diff *d = arg;
    int *st = map_get(d->now, key);
    if (st) {
        d->changed |= *st != *(int *)value;
        return;
    }
    d->changed = 1;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        int64_t *v = realloc(d->gone, cap * sizeof(*v));
        if (!v)
            return;                      /* they get no grace from this node: rare, harmless */
        d->gone = v;
        d->cap = cap;
    }
    d->gone[d->n++] = strtoll(key, NULL, 10);
}

int router_peers_replace(const struct bus_presence *v, size_t n, void (*gone)(int64_t agent_id))
{
    struct map *now = map_new();
    if (!now)
        return 0;                        /* keep the old view until the next read */
    for (size_t i = 0; i < n; i++) {
        enum router_status s = of(&v[i]);
        char k[24];
        key_of(v[i].agent_id, k);
        int *st = map_get(now, k);
        if (st) {                        /* on two nodes: online wins */
            if (s == ROUTER_ONLINE)
                *st = s;
            continue;
        }
        if (s == ROUTER_OFFLINE || !(st = malloc(sizeof(*st))))
            continue;
        *st = s;
        if (map_put(now, k, st))
            free(st);
    }
    struct diff d = {now, NULL, 0, 0, 0};
    size_t before = seen ? map_size(seen) : 0;
    if (seen)
        map_each(seen, compare, &d);
    d.changed |= map_size(now) != before - d.n;
    free_map(seen);
    seen = now;                          /* swapped first: gone() asks the new view */
    for (size_t i = 0; i < d.n; i++)
        gone(d.gone[i]);
    free(d.gone);
    return d.changed;
}

enum router_status router_peers_status(int64_t agent_id)
{
    char k[24];
    key_of(agent_id, k);
    int *st = seen ? map_get(seen, k) : NULL;
    return st ? (enum router_status)*st : ROUTER_OFFLINE;
}

struct count { int (*here)(int64_t); int n; };

static void count_online(const char *key, void *value, void *arg)
{
    struct count *c = arg;
    if (*(int *)value == ROUTER_ONLINE && !c->here(strtoll(key, NULL, 10)))
        c->n++;
}

int router_peers_count(int (*here)(int64_t agent_id))
{
    struct count c = {here, 0};
    if (seen)
        map_each(seen, count_online, &c);
    return c.n;
}

void router_peers_free(void)
{
    free_map(seen);
    seen = NULL;
}
