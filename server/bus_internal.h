/* Internal to the bus (bus*.c): the local registry and the Redis link. */
#ifndef PARLEY_BUS_INTERNAL_H
#define PARLEY_BUS_INTERNAL_H

#include <stdint.h>
#include "parley/bus.h"
#include "parley/proto_bus.h"

/* bus_local.c: the subscribers of this process (loop thread). */
int bus_local_init(bus_deliver_fn deliver);
void bus_local_shutdown(void);
int bus_local_subscribe(const char *topic, void *subscriber);
void bus_local_unsubscribe(const char *topic, void *subscriber);
void bus_local_publish(const struct bus_event *ev);
size_t bus_local_topic_count(void);
int bus_local_has(const char *topic);      /* at least one subscriber */

/* bus_redis.c: two hiredis connections on their own threads. Everything here
 * may be called from the loop thread and never blocks it. */
struct bus_redis_stats {
    unsigned long long published, received, dropped, reconnects;
};
int bus_redis_start(const char *host, int port, uint64_t node);   /* 0 ok */
void bus_redis_stop(void);
/* Queues payload (taken; freed here either way) for topic's channel; dropped
 * and counted when the queue is full or Redis is away. */
void bus_redis_publish(const char *topic, char *payload);
/* on: SUBSCRIBE to topic's channel (now, and again after every reconnect);
 * off: UNSUBSCRIBE. */
void bus_redis_watch(const char *topic, int on);
int bus_redis_up(void);
void bus_redis_get_stats(struct bus_redis_stats *out);

/* bus.c, run on the loop thread through loop_post() by bus_redis.c. */
void bus_remote_event(struct proto_bus_event *e);   /* takes e (malloc'd) */
void bus_remote_subscribed(char *topic);            /* takes topic */

#endif
