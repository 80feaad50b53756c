/*
 * Agents connected to other nodes (--bus redis), as their heartbeats say.
 *
 * Each node repeats, every few seconds, a frameless presence event for every
 * agent with a dashboard connection to it. A node only hears other nodes'
 * (its own echo is dropped), so "heard lately" means "connected elsewhere"
 * and nothing has to be withdrawn: an entry that is not renewed expires, which
 * is how a dead node's agents go offline by themselves. Loop thread only.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include "parley/map.h"
#include "router_peers.h"

static struct map *seen;             /* agent id (text) -> int64_t *until (mono ms) */

static void key_of(int64_t id, char out[24]) { snprintf(out, 24, "%" PRId64, id); }

void router_peers_note(int64_t agent_id, int64_t until_ms)
{
    char k[24];
    key_of(agent_id, k);
    if (!seen && !(seen = map_new()))
        return;
    int64_t *u = map_get(seen, k);
    if (!u) {
        if (!(u = malloc(sizeof(*u))) || map_put(seen, k, u)) {
            free(u);
            return;
        }
    }
    *u = until_ms;
}

int router_peers_has(int64_t agent_id, int64_t now_ms)
{
    char k[24];
    key_of(agent_id, k);
    int64_t *u = seen ? map_get(seen, k) : NULL;
    if (!u)
        return 0;
    if (*u >= now_ms)
        return 1;
    free(map_remove(seen, k));       /* expired: forget it */
    return 0;
}

struct count { int64_t now; int (*here)(int64_t); int n; };

static void count_fresh(const char *key, void *value, void *arg)
{
    struct count *c = arg;
    if (*(int64_t *)value >= c->now && !c->here(strtoll(key, NULL, 10)))
        c->n++;
}

int router_peers_count(int64_t now_ms, int (*here)(int64_t agent_id))
{
    struct count c = {now_ms, here, 0};
    if (seen)
        map_each(seen, count_fresh, &c);
    return c.n;
}

struct sweep { int64_t now; int64_t *ids; size_t n, cap; };

static void collect(const char *key, void *value, void *arg)
{
    struct sweep *w = arg;
    if (*(int64_t *)value >= w->now)
        return;
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 16;
        int64_t *v = realloc(w->ids, cap * sizeof(*v));
        if (!v)
            return;                  /* the rest next sweep */
        w->ids = v;
        w->cap = cap;
    }
    w->ids[w->n++] = strtoll(key, NULL, 10);
}

void router_peers_sweep(int64_t now_ms, void (*expired)(int64_t agent_id))
{
    struct sweep w = {now_ms, NULL, 0, 0};
    if (!seen)
        return;
    map_each(seen, collect, &w);     /* the map may not change under map_each */
    for (size_t i = 0; i < w.n; i++) {
        char k[24];
        key_of(w.ids[i], k);
        free(map_remove(seen, k));
        expired(w.ids[i]);
    }
    free(w.ids);
}

static void free_one(const char *key, void *value, void *arg) { free(value); }

void router_peers_free(void)
{
    if (!seen)
        return;
    map_each(seen, free_one, NULL);
    map_free(seen);
    seen = NULL;
}
