/*
 * The publish/subscribe seam for conversation events.
 *
 * Everything that happens in a conversation (a stored message, a state change,
 * typing, a read receipt) is published here, never sent to sockets directly, so
 * a bus between nodes (Redis) can replace the local one without changing a
 * caller. Topics: a conversation's id, and BUS_SITE for the queue and state
 * changes every agent follows. Events carry ready-encoded frames for each
 * audience; the subscriber's deliver function decides what its socket gets.
 */
#ifndef PARLEY_BUS_H
#define PARLEY_BUS_H

#include <stdint.h>
#include "parley/frame.h"
#include "parley/store.h"

#define BUS_SITE "site"

enum bus_kind { BUS_MESSAGE, BUS_STATE, BUS_QUEUED, BUS_TYPING, BUS_READ, BUS_PRESENCE, BUS_QUEUE };

struct bus_event {
    const char *topic;
    enum bus_kind kind;
    const char *conversation;
    enum conv_state state;        /* BUS_STATE, BUS_QUEUED */
    int64_t agent_id;             /* BUS_STATE: the assignee after the change (0: none) */
    int64_t seq;                  /* BUS_MESSAGE: the visible seq (0 for a note) */
    uint64_t origin;              /* connection that caused it (not echoed typing/read) */
    struct frame *visitor_frame;  /* what visitors get, or NULL */
    struct frame *agent_frame;    /* what agents get, or NULL */
    struct frame *target_frame;   /* only for agent_id's connections (transfer), or NULL */
};

typedef void (*bus_deliver_fn)(void *subscriber, const struct bus_event *ev);

int bus_init(bus_deliver_fn deliver);       /* 0 ok */
void bus_shutdown(void);
int bus_subscribe(const char *topic, void *subscriber);     /* 0 ok; idempotent */
void bus_unsubscribe(const char *topic, void *subscriber);
/* Delivers to every subscriber of ev->topic; the caller keeps its frame refs. */
void bus_publish(const struct bus_event *ev);
size_t bus_topic_count(void);

#endif
