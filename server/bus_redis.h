/* Internal to the Redis link (bus_redis*.c): state shared by its threads. */
#ifndef PARLEY_BUS_REDIS_H
#define PARLEY_BUS_REDIS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <hiredis/hiredis.h>
#include "parley/map.h"

#define BUS_REDIS_QUEUE_MAX 10000
#define BUS_REDIS_BATCH_MAX 256
#define BUS_REDIS_BACKOFF_MIN_MS 100
#define BUS_REDIS_BACKOFF_MAX_MS 2000

/* A PUBLISH (channel, payload), or a presence command (argv, bus_redis_presence.c)
 * whose reply goes to on_reply on the publisher thread. One queue keeps them in
 * order: a presence write reaches Redis before the event that announces it. */
struct out {
    char *channel, *payload;
    int argc, is_read;
    char **argv;
    size_t *lens;
    void (*on_reply)(redisReply *r);
    struct out *next;
};
struct op { int on; char *channel; struct op *next; };

struct bus_redis {
    char host[256];
    int port;
    char user[128], pass[256];     /* AUTH; pass "" for none */
    uint64_t node;
    int started, stopping;
    pthread_t sub_thr, pub_thr;
    pthread_mutex_t mu;
    pthread_cond_t cv;             /* work for the publisher */
    pthread_cond_t stop_cv;        /* only stopping: backoff naps are not cut short */
    struct out *head, *tail;       /* the outgoing queue */
    size_t qlen;
    struct map *want;              /* channel -> (void *)1 */
    struct op *ops, *ops_tail;     /* (un)subscriptions for the subscriber */
    int wake[2];
    /* Channels events were dropped for, to be told "sync" once Redis takes
     * publishes again. */
    struct map *dropped;
    int reads_queued;              /* presence reads in the queue, not yet taken */
};
extern struct bus_redis bus_rs;         /* everything under bus_rs.mu but the constants */
extern atomic_int bus_redis_sub_up, bus_redis_pub_up;
extern atomic_ullong bus_redis_published, bus_redis_dropped;

char *bus_redis_topic_of(const char *channel, size_t len);
void bus_redis_nap(int ms);
redisContext *bus_redis_dial(void);
/* Frees a list; dropped: count each and note its channel for a sync. */
void bus_redis_free_outs(struct out *o, int dropped);
void *bus_redis_pub_main(void *arg);   /* bus_redis_pub.c */
/* Queues o (taken) behind what is queued; 0 ok, else dropped and freed. */
int bus_redis_enqueue(struct out *o);
/* bus_redis_presence.c: the publisher (re)connected (any thread). */
void bus_redis_presence_connected(void);

#endif
