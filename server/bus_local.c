/*
 * The in-process bus: a map from topic to its subscribers. bus.c puts it in
 * front of every delivery, whichever bus links the nodes.
 *
 * Publishing iterates over a snapshot of the subscriber list, because a delivery
 * may subscribe or unsubscribe (an agent starts following a conversation when it
 * sees it queued) and must not disturb the loop in progress.
 */
#include <stdlib.h>
#include <string.h>
#include "bus_internal.h"
#include "parley/map.h"

struct subs { void **v; size_t n, cap; };

static struct map *topics;
static bus_deliver_fn deliver_fn;

int bus_local_init(bus_deliver_fn deliver)
{
    deliver_fn = deliver;
    topics = map_new();
    return topics ? 0 : -1;
}

static void free_subs(const char *key, void *value, void *arg)
{
    struct subs *s = value;
    free(s->v);
    free(s);
}

void bus_local_shutdown(void)
{
    if (!topics)
        return;
    map_each(topics, free_subs, NULL);
    map_free(topics);
    topics = NULL;
}

int bus_local_subscribe(const char *topic, void *sub)
{
    struct subs *s = map_get(topics, topic);
    if (!s) {
        if (!(s = calloc(1, sizeof(*s))))
            return -1;
        if (map_put(topics, topic, s)) {
            free(s);
            return -1;
        }
    }
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i] == sub)
            return 0;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4;
        void **v = realloc(s->v, cap * sizeof(*v));
        if (!v)
            return -1;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = sub;
    return 0;
}

void bus_local_unsubscribe(const char *topic, void *sub)
{
    struct subs *s = map_get(topics, topic);
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i] == sub) {
            s->v[i] = s->v[--s->n];
            break;
        }
    if (s->n == 0) {
        map_remove(topics, topic);
        free(s->v);
        free(s);
    }
}

void bus_local_publish(const struct bus_event *ev)
{
    struct subs *s = map_get(topics, ev->topic);
    if (!s || !s->n)
        return;
    size_t n = s->n;
    void *small[16], **snap = n <= 16 ? small : malloc(n * sizeof(*snap));
    if (!snap)
        return;
    memcpy(snap, s->v, n * sizeof(*snap));
    for (size_t i = 0; i < n; i++)
        deliver_fn(snap[i], ev);
    if (snap != small)
        free(snap);
}

size_t bus_local_topic_count(void) { return topics ? map_size(topics) : 0; }

int bus_local_has(const char *topic) { return topics && map_get(topics, topic) != NULL; }
