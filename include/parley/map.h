/*
 * A string-keyed hash map (open hashing, chains) for the loop's indexes:
 * connections by id, topic subscribers by conversation id, agents' sessions.
 * Keys are copied; values are borrowed. Not thread-safe (loop thread only).
 */
#ifndef PARLEY_MAP_H
#define PARLEY_MAP_H

#include <stddef.h>

struct map;
struct map *map_new(void);
void map_free(struct map *m);                   /* frees keys, not values */
void *map_get(const struct map *m, const char *key);
int map_put(struct map *m, const char *key, void *value);   /* 0 ok, -1 OOM; replaces */
void *map_remove(struct map *m, const char *key);           /* returns the old value */
size_t map_size(const struct map *m);
/* Calls fn for every entry; fn must not modify the map. */
void map_each(const struct map *m, void (*fn)(const char *key, void *value, void *arg), void *arg);

#endif
