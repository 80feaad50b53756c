/*
 * The publish/subscribe seam for conversation events.
 *
 * Everything that happens in a conversation (a stored message, a state change,
 * typing, a read receipt) is published here, never sent to sockets directly, so
 * a bus between nodes (Redis) can replace the local one without changing a
 * caller. Topics: a conversation's id, and BUS_SITE for the queue and state
 * changes every agent follows. Events carry ready-encoded frames for each
 * audience; the subscriber's deliver function decides what its socket gets.
 *
 * bus.c dispatches: with the local bus (the default) an event goes straight to
 * this process's subscribers; with Redis (bus_configure("redis://host:port")
 * before bus_init) it also goes to Redis for the other nodes, and this node
 * listens on the channels of the topics it has subscribers for. Pub/sub may
 * drop messages, so message events are checked against the store: a seq gap,
 * or a (re)subscription, makes the bus read the missing messages back through
 * the hooks below before it delivers more, and a seq already delivered is not
 * delivered again.
 */
#ifndef PARLEY_BUS_H
#define PARLEY_BUS_H

#include <stddef.h>
#include <stdint.h>
#include "parley/frame.h"
#include "parley/store.h"

#define BUS_SITE "site"

/* BUS_CONFIG: the FAQ or a site setting changed (sync.h); no frames. */
enum bus_kind { BUS_MESSAGE, BUS_STATE, BUS_QUEUED, BUS_TYPING, BUS_READ, BUS_PRESENCE, BUS_QUEUE,
                BUS_CONFIG };

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

/* Agents' presence shared between nodes. With Redis each node writes the
 * agents connected to it, with an expiry, and reads back everyone's on each
 * beat, after a reconnect and after another node's presence event; the local
 * bus has no other nodes, so these do nothing and the hook is never called. */
enum bus_agent_status { BUS_AGENT_OFFLINE, BUS_AGENT_ONLINE, BUS_AGENT_AWAY };
struct bus_presence { int64_t agent_id; int status; int chats, capacity; };
/* view: the agents connected to other nodes (one entry per agent and node). */
typedef void (*bus_presence_fn)(const struct bus_presence *view, size_t n);
/* beat_ms: how often bus_presence_beat is called; a record lives 2.5 beats. */
void bus_presence_start(bus_presence_fn view, int beat_ms);
/* This node's agent: status BUS_AGENT_OFFLINE when no dashboard of theirs is
 * connected here any more. */
void bus_presence_set(const struct bus_presence *p);
void bus_presence_beat(void);

/* Before bus_init: "local" or "redis://[[user]:password@]host[:port]". 0 ok;
 * -1 and msg filled. bus_url_safe gives the URL with the password masked. */
int bus_configure(const char *url, char *msg, size_t mlen);
int bus_is_remote(void);
void bus_url_safe(const char *url, char *out, size_t olen);
/* 1 when the bus answers (always, for the local bus). Any thread. */
int bus_healthy(void);

/* How the bus reads the truth back (set by conv before bus_init). last_seq:
 * the conversation's highest visible seq now; catch_up: deliver, through
 * bus_deliver_caught_up, every visible message after after_seq, in order, and
 * when `listening` (this node has just (re)started listening to it, so state
 * events too may have passed unheard) the conversation's state as it is now. */
typedef int64_t (*bus_last_seq_fn)(const char *conversation);
typedef void (*bus_catch_up_fn)(const char *conversation, int64_t after_seq, int listening);
void bus_set_hooks(bus_last_seq_fn last_seq, bus_catch_up_fn catch_up);
void bus_deliver_caught_up(const struct bus_event *ev);
/* Called after each event from another node has been delivered here. */
typedef void (*bus_remote_fn)(const struct bus_event *ev);
void bus_set_remote_hook(bus_remote_fn fn);
/* Prometheus lines for the bus (malloc'd; "" for the local bus), or NULL. */
char *bus_metrics_text(void);

#endif
