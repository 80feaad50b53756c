/*
 * String-keyed hash map with chaining. It doubles when the load passes 1, so
 * lookups stay O(1) from ten connections to twenty thousand.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "parley/map.h"

struct node { char *key; void *value; uint64_t hash; struct node *next; };
struct map { struct node **slots; size_t cap, size; };

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;          /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

struct map *map_new(void)
{
    struct map *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->cap = 16;
    m->slots = calloc(m->cap, sizeof(*m->slots));
    if (!m->slots) {
        free(m);
        return NULL;
    }
    return m;
}

void map_free(struct map *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->cap; i++)
        for (struct node *n = m->slots[i], *next; n; n = next) {
            next = n->next;
            free(n->key);
            free(n);
        }
    free(m->slots);
    free(m);
}

static struct node **find(const struct map *m, const char *key, uint64_t h)
{
    struct node **p = &m->slots[h & (m->cap - 1)];
    while (*p && ((*p)->hash != h || strcmp((*p)->key, key)))
        p = &(*p)->next;
    return p;
}

void *map_get(const struct map *m, const char *key)
{
    struct node *n = *find(m, key, hash_str(key));
    return n ? n->value : NULL;
}

static void grow(struct map *m)
{
    size_t cap = m->cap * 2;
    struct node **slots = calloc(cap, sizeof(*slots));
    if (!slots)
        return;                                   /* stay correct, just slower */
    for (size_t i = 0; i < m->cap; i++)
        for (struct node *n = m->slots[i], *next; n; n = next) {
            next = n->next;
            n->next = slots[n->hash & (cap - 1)];
            slots[n->hash & (cap - 1)] = n;
        }
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
}

int map_put(struct map *m, const char *key, void *value)
{
    uint64_t h = hash_str(key);
    struct node **p = find(m, key, h);
    if (*p) {
        (*p)->value = value;
        return 0;
    }
    struct node *n = malloc(sizeof(*n));
    if (!n || !(n->key = strdup(key))) {
        free(n);
        return -1;
    }
    n->value = value;
    n->hash = h;
    n->next = NULL;
    *p = n;
    if (++m->size > m->cap)
        grow(m);
    return 0;
}

void *map_remove(struct map *m, const char *key)
{
    struct node **p = find(m, key, hash_str(key));
    struct node *n = *p;
    if (!n)
        return NULL;
    void *v = n->value;
    *p = n->next;
    free(n->key);
    free(n);
    m->size--;
    return v;
}

size_t map_size(const struct map *m) { return m->size; }

void map_each(const struct map *m, void (*fn)(const char *, void *, void *), void *arg)
{
    for (size_t i = 0; i < m->cap; i++)
        for (struct node *n = m->slots[i]; n; n = n->next)
            fn(n->key, n->value, arg);
}
