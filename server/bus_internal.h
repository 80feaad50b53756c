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

/* bus_url.c */
struct bus_url { char host[256], user[128], pass[256]; int port; };
int bus_url_parse(const char *url, struct bus_url *u, char *msg, size_t mlen);   /* redis:// */

/* bus_redis.c: two hiredis connections on their own threads. Everything here
 * may be called from the loop thread and never blocks it. */
struct bus_redis_stats {
    unsigned long long published, received, dropped, reconnects;
};
/* Before the threads: one connection that says whether Redis takes us.
 * -1 (msg filled) only when Redis refused (a bad or missing password); an
 * unreachable Redis is 0, the threads keep trying. Blocks up to a few seconds. */
int bus_redis_probe(const char *host, int port, const char *user, const char *pass, char *msg,
                    size_t mlen);
int bus_redis_start(uint64_t node);   /* after bus_redis_probe; 0 ok */
void bus_redis_stop(void);
/* Queues payload (taken; freed here either way) for topic's channel; dropped
 * and counted when the queue is full or Redis is away. */
void bus_redis_publish(const char *topic, char *payload);
/* on: SUBSCRIBE to topic's channel (now, and again after every reconnect);
 * off: UNSUBSCRIBE. */
void bus_redis_watch(const char *topic, int on);
int bus_redis_up(void);
void bus_redis_get_stats(struct bus_redis_stats *out);

/* bus_redis_presence.c, loop thread: this node's agents (value "status chats
 * capacity", NULL: gone from here), written to Redis with an expiry of ttl_ms. */
void bus_redis_presence_set(int64_t agent_id, const char *value, int ttl_ms);
/* Rewrites this node's whole record, renewing its expiry, then reads all. */
void bus_redis_presence_beat(int ttl_ms);
/* Reads every node's record (coalesced with one already queued). */
void bus_redis_presence_read(void);
void bus_redis_presence_free(void);

/* bus.c, run on the loop thread through loop_post() by bus_redis.c. */
void bus_remote_event(struct proto_bus_event *e);   /* takes e (malloc'd) */
void bus_remote_subscribed(char *topic);            /* takes topic */
/* Every other node's agents as Redis holds them now (v malloc'd, taken). */
void bus_remote_presence(struct bus_presence *v, size_t n);
/* The publisher (re)connected: write this node's record and read back. */
void bus_remote_reconnected(void);

#endif
