/*
 * Routing: agent presence, automatic assignment, queue positions (router.c).
 * Loop thread only.
 */
#ifndef PARLEY_ROUTER_H
#define PARLEY_ROUTER_H

#include <stdint.h>

struct lws_context;

enum router_status { ROUTER_OFFLINE, ROUTER_ONLINE, ROUTER_AWAY };

int router_init(int grace_secs);                 /* 0 ok */
void router_shutdown(void);
void router_bind(struct lws_context *ctx);       /* for the grace timers */
void router_set_auto(int on);                    /* the "assignment" setting */
int router_auto(void);
/* Agents with a dashboard open and not away, on any node (offline mode asks). */
int router_online_agents(void);

/* A dashboard connection became ready / changed status / went away. */
void router_agent_ready(int64_t agent_id, int away);
void router_agent_status(int64_t agent_id, int was_away, int away);
void router_agent_gone(int64_t agent_id, int away);
/* On any node (--bus redis: as the shared presence last read says). */
enum router_status router_status_of(int64_t agent_id);
const char *router_status_name(enum router_status s);

/* The queue or an agent's load changed: assign (in auto mode) and tell every
 * waiting visitor their position and expected wait. */
void router_queue_changed(void);
/* Another node queued, claimed or closed a conversation (the bus saw its
 * state event): assign in auto mode among this node's agents. Positions are
 * not re-sent: the node that made the change sends them to every node. */
void router_remote_changed(void);

#endif
