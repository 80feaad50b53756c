/*
 * Routing: who is available, who gets the next conversation, and what a
 * waiting visitor is told.
 *
 * Presence is counted from dashboard connections: an agent is online while any
 * connection of theirs is ready and not away, away when all are away, and
 * offline once the last one has been gone for the grace period. Only then are
 * their conversations put back in the queue, so a dropped Wi-Fi loses nobody.
 *
 * Automatic assignment (setting "assignment" = "auto") hands the oldest queued
 * conversation to the online agent with free capacity and the fewest chats
 * (ties: the one idle longest). One claim is in flight at a time; its commit
 * triggers the next, so two conversations can never both take an agent's last
 * free slot. The store's conditional update still decides every claim.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conv_internal.h"
#include "parley/loop.h"
#include "parley/map.h"
#include "parley/router.h"
#include "router_peers.h"
#include "parley/store_teams.h"

#define ROUTER_QUEUE_WINDOW 200

struct presence {
    int64_t agent_id;
    int conns, away_conns;            /* ready dashboard connections, and of those away */
    int gone;                         /* no connection; grace timer running */
    int chats, capacity;              /* from the store at the last beat, for the others */
    lws_sorted_usec_list_t grace;
};

static struct map *agents;            /* agent id (text) -> struct presence */
static struct lws_context *context;
static int grace_secs = 60;
static int auto_assign;
static int claim_in_flight;

static void key_of(int64_t id, char out[24]) { snprintf(out, 24, "%" PRId64, id); }

int router_init(int grace)
{
    grace_secs = grace;
    agents = map_new();
    return agents ? 0 : -1;
}

static void drop(const char *key, void *value, void *arg)
{
    struct presence *p = value;
    lws_sul_cancel(&p->grace);
    free(p);
}

static lws_sorted_usec_list_t heartbeat_sul;
static void heartbeat(lws_sorted_usec_list_t *sul);
static int64_t heartbeat_ms(void);
static void on_view(const struct bus_presence *v, size_t n);
static void grace_over(lws_sorted_usec_list_t *sul);

void router_shutdown(void)
{
    lws_sul_cancel(&heartbeat_sul);
    router_peers_free();
    if (agents) {
        map_each(agents, drop, NULL);
        map_free(agents);
    }
    agents = NULL;
    context = NULL;
}

static void start_graces(void);

void router_bind(struct lws_context *ctx)
{
    context = ctx;
    if (ctx && agents)
        start_graces();
    if (ctx && bus_is_remote()) {
        bus_presence_start(on_view, (int)heartbeat_ms());
        heartbeat(&heartbeat_sul);       /* writes and reads the shared presence at once */
    }
}
void router_set_auto(int on) { auto_assign = on; }
int router_auto(void) { return auto_assign; }

static struct presence *find(int64_t id)
{
    char k[24];
    key_of(id, k);
    return agents ? map_get(agents, k) : NULL;
}

static enum router_status status_here(int64_t agent_id)
{
    struct presence *p = find(agent_id);
    if (!p || p->conns == 0)
        return ROUTER_OFFLINE;
    return p->away_conns < p->conns ? ROUTER_ONLINE : ROUTER_AWAY;
}

/* Here or on any other node: online on one is online, else away on one. */
enum router_status router_status_of(int64_t agent_id)
{
    enum router_status here = status_here(agent_id), there = router_peers_status(agent_id);
    if (here == ROUTER_ONLINE || there == ROUTER_ONLINE)
        return ROUTER_ONLINE;
    return here == ROUTER_AWAY || there == ROUTER_AWAY ? ROUTER_AWAY : ROUTER_OFFLINE;
}

const char *router_status_name(enum router_status s)
{
    return s == ROUTER_ONLINE ? "online" : s == ROUTER_AWAY ? "away" : "offline";
}

/* Tells the other nodes (shared presence) what this node knows of the agent. */
static void share(const struct presence *p, int64_t agent_id)
{
    enum router_status st = status_here(agent_id);
    struct bus_presence bp = {.agent_id = agent_id,
                              .status = st == ROUTER_ONLINE ? BUS_AGENT_ONLINE
                                      : st == ROUTER_AWAY ? BUS_AGENT_AWAY : BUS_AGENT_OFFLINE,
                              .chats = p ? p->chats : 0, .capacity = p ? p->capacity : 0};
    bus_presence_set(&bp);
}

/* Shares this node's view, then tells every dashboard the agent's status
 * across all nodes (so leaving one node while on another says "online"). */
static void announce(int64_t agent_id)
{
    share(find(agent_id), agent_id);
    struct frame *f = proto_presence(agent_id, router_status_name(router_status_of(agent_id)));
    struct bus_event ev = {.topic = BUS_SITE, .kind = BUS_PRESENCE, .agent_id = agent_id,
                           .agent_frame = f};
    bus_publish(&ev);
    frame_unref(f);
}

/* ---- the queue: positions and automatic assignment ---- */

static int online_agents(void);

static void tell_positions(void)
{
    struct store_conversation_list q = {0};
    int64_t median = 0;
    if (store_queue(conv_store(), 500, &q) != PL_OK ||
        store_recent_queue_wait(conv_store(), 20, &median) != PL_OK) {
        store_conversation_list_free(&q);
        return;
    }
    int online = online_agents();
    if (!median)
        median = 60000;               /* no history yet: a minute per person ahead */
    for (size_t i = 0; i < q.n; i++) {
        int64_t eta = online ? median * (int64_t)(i + 1) / online : -1;
        struct frame *f = proto_queue_position(q.v[i].id, (int)(i + 1), eta, online);
        struct bus_event ev = {.topic = q.v[i].id, .kind = BUS_QUEUE, .conversation = q.v[i].id,
                               .visitor_frame = f};
        bus_publish(&ev);
        frame_unref(f);
    }
    store_conversation_list_free(&q);
}

/*
 * Every queue change re-reads the queue and tells each waiting visitor its
 * place, so a spike of N handoffs told N visitors N times over (a million
 * frames and a thousand 500-row reads for a thousand handoffs in a second).
 * Changes made while the loop handles one batch of events are told once, in a
 * callback that runs as soon as that batch is done.
 */
static int positions_due;

static void positions_now(void *arg)
{
    (void)arg;
    positions_due = 0;
    if (agents)                          /* not after router_shutdown() */
        tell_positions();
}

static void tell_positions_soon(void)
{
    if (positions_due)
        return;
    if (loop_post(positions_now, NULL) == 0)
        positions_due = 1;
    else
        tell_positions();                /* out of memory: tell now, uncoalesced */
}

struct count_ctx { int n; };
static void count_online(const char *key, void *value, void *arg)
{
    struct presence *p = value;
    struct count_ctx *c = arg;
    if (p->conns > p->away_conns)
        c->n++;
}

static int online_here(int64_t agent_id)
{
    const struct presence *p = find(agent_id);
    return p && p->conns > p->away_conns;
}

/* Online here, plus online (not away) on another node as the shared presence
 * says: every node counts the same agents. */
static int online_agents(void)
{
    struct count_ctx c = {0};
    if (agents)
        map_each(agents, count_online, &c);
    return c.n + router_peers_count(online_here);
}

int router_online_agents(void) { return online_agents(); }

/* The online agent with room and the fewest chats; ties go to the longest idle.
 * A conversation routed to a team (team > 0) goes only to one of its members. */
static int64_t pick_agent(const struct store_load_list *l, int64_t team)
{
    int64_t best = 0;
    const struct store_load *b = NULL;
    for (size_t i = 0; i < l->n; i++) {
        const struct store_load *x = &l->v[i];
        int member = 1;
        /* This node's own agents only: it knows their status first-hand, and
         * every node runs this on every queue change, so a conversation finds
         * an agent on whichever node they are. */
        if (status_here(x->agent_id) != ROUTER_ONLINE || x->assigned >= x->capacity)
            continue;
        if (team > 0 && (store_team_is_member(conv_store(), team, x->agent_id, &member) != PL_OK ||
                         !member))
            continue;
        if (!b || x->assigned < b->assigned ||
            (x->assigned == b->assigned && x->last_assigned_at < b->last_assigned_at))
            b = x;
    }
    if (b)
        best = b->agent_id;
    return best;
}

static void assign_next(void);

static void auto_claimed(void *arg, const struct store_result *r)
{
    struct conv_assignment *a = arg;
    claim_in_flight = 0;
    if (r->status == PL_OK)
        conv_publish_assignment(a->conv, a->sys, r, a->agent_id);
    conv_assignment_free(a);
    router_queue_changed();
}

static void assign_next(void)
{
    if (!auto_assign || claim_in_flight)
        return;
    struct store_conversation_list q = {0};
    struct store_load_list l = {0};
    int64_t agent = 0;
    size_t i = 0;
    /* Oldest first; one routed to a team with nobody free waits without holding
     * up the others (the window bounds the work per change). */
    if (store_queue(conv_store(), ROUTER_QUEUE_WINDOW, &q) == PL_OK && q.n &&
        store_agent_loads(conv_store(), &l) == PL_OK)
        for (; i < q.n && !(agent = pick_agent(&l, q.v[i].team_id)); i++)
            ;
    if (agent) {
        struct conv_assignment *a = conv_assignment_new(q.v[i].id, agent, q.v[i].locale);
        struct store_state_change ch = {.conversation = q.v[i].id, .op = STORE_CLAIM,
                                        .agent_id = agent, .sys_text = a ? a->sys : NULL};
        if (a && store_change_state(conv_store(), &ch, auto_claimed, a) == PL_OK)
            claim_in_flight = 1;
        else
            conv_assignment_free(a);
    }
    store_load_list_free(&l);
    store_conversation_list_free(&q);
}

void router_queue_changed(void)
{
    assign_next();
    tell_positions_soon();
}

void router_remote_changed(void) { assign_next(); }

/* ---- other nodes (--bus redis) ---- */

/* A third of the grace period (1 to 10 s): how often this node renews its
 * agents in the shared presence and reads everyone's back. A record lives two
 * and a half beats, so a node that starts, and gave every agent holding
 * conversations a grace period, has read the others long before it ends.
 * Nodes are expected to share the setting. */
static int64_t heartbeat_ms(void)
{
    int64_t ms = (int64_t)grace_secs * 1000 / 3;
    return ms < 1000 ? 1000 : ms > 10000 ? 10000 : ms;
}

/* Their node went quiet: if they are not connected here either, they get the
 * grace period their node can no longer give them (every node does this; the
 * store requeues each conversation once). */
static void peer_gone(int64_t agent_id)
{
    if (find(agent_id) || !context)
        return;
    char k[24];
    struct presence *p = calloc(1, sizeof(*p));
    key_of(agent_id, k);
    if (!p || map_put(agents, k, p)) {
        free(p);
        return;
    }
    p->agent_id = agent_id;
    p->gone = 1;
    lws_sul_schedule(context, 0, &p->grace, grace_over, (lws_usec_t)grace_secs * LWS_US_PER_SEC);
}

static void on_view(const struct bus_presence *v, size_t n)
{
    router_peers_replace(v, n, peer_gone);
}

static void beat_one(const char *key, void *value, void *arg)
{
    struct presence *p = value;
    if (p->conns > 0)
        share(p, p->agent_id);
}

static void heartbeat(lws_sorted_usec_list_t *sul)
{
    struct store_load_list l = {0};
    if (agents && store_agent_loads(conv_store(), &l) == PL_OK)
        for (size_t i = 0; i < l.n; i++) {
            struct presence *p = find(l.v[i].agent_id);
            if (p) {
                p->chats = l.v[i].assigned;
                p->capacity = l.v[i].capacity;
            }
        }
    store_load_list_free(&l);
    if (agents)
        map_each(agents, beat_one, NULL);
    bus_presence_beat();
    if (context)
        lws_sul_schedule(context, 0, &heartbeat_sul, heartbeat,
                         (lws_usec_t)heartbeat_ms() * LWS_US_PER_MS);
}

/* ---- presence ---- */

static void requeued(void *arg, const struct store_result *r)
{
    struct conv_assignment *a = arg;
    if (r->status == PL_OK)
        conv_publish_assignment(a->conv, a->sys, r, 0);
    conv_assignment_free(a);
    router_queue_changed();
}

/* The grace period is over: the agent's conversations go back to the queue. */
static void grace_over(lws_sorted_usec_list_t *sul)
{
    struct presence *p = lws_container_of(sul, struct presence, grace);
    int64_t agent = p->agent_id;
    char k[24];
    key_of(agent, k);
    map_remove(agents, k);
    free(p);
    if (router_peers_status(agent) != ROUTER_OFFLINE)
        return;                          /* connected to another node: theirs to keep */
    announce(agent);
    struct store_conversation_list mine = {0};
    if (store_list_conversations(conv_store(), CONV_ASSIGNED, agent, 1000, &mine) == PL_OK)
        for (size_t i = 0; i < mine.n; i++) {
            struct conv_assignment *a = conv_assignment_new(mine.v[i].id, 0, mine.v[i].locale);
            /* As the agent, not as an admin: the store then requeues it only
             * while it is still theirs (another node may have done so, and
             * someone claimed it since). */
            struct store_state_change ch = {.conversation = mine.v[i].id, .op = STORE_TRANSFER,
                                            .agent_id = 0, .by_agent = agent,
                                            .sys_text = a ? a->sys : NULL};
            if (!a || store_change_state(conv_store(), &ch, requeued, a) != PL_OK)
                conv_assignment_free(a);
        }
    store_conversation_list_free(&mine);
}

void router_agent_ready(int64_t agent_id, int away)
{
    struct presence *p = find(agent_id);
    if (!p) {
        char k[24];
        key_of(agent_id, k);
        if (!(p = calloc(1, sizeof(*p))) || map_put(agents, k, p)) {
            free(p);
            return;
        }
        p->agent_id = agent_id;
    }
    if (p->gone) {
        lws_sul_cancel(&p->grace);
        p->gone = 0;
    }
    p->conns++;
    p->away_conns += away != 0;
    announce(agent_id);
    router_queue_changed();
}

void router_agent_status(int64_t agent_id, int was_away, int away)
{
    struct presence *p = find(agent_id);
    if (!p || was_away == away)
        return;
    p->away_conns += away ? 1 : -1;
    announce(agent_id);
    router_queue_changed();              /* assign, or tell the queue who is left */
}

void router_agent_gone(int64_t agent_id, int away)
{
    struct presence *p = find(agent_id);
    if (!p || p->conns == 0)
        return;
    p->conns--;
    p->away_conns -= away != 0;
    if (p->conns > 0) {
        announce(agent_id);
        return;
    }
    p->gone = 1;
    announce(agent_id);
    if (context)
        lws_sul_schedule(context, 0, &p->grace, grace_over, (lws_usec_t)grace_secs * LWS_US_PER_SEC);
    tell_positions_soon();               /* one fewer online: the estimates change */
}

/* After a restart nobody is connected: agents who still hold conversations get
 * the same grace period as one whose connection just dropped. */
static void start_graces(void)
{
    struct store_load_list l = {0};
    if (store_agent_loads(conv_store(), &l) != PL_OK)
        return;
    for (size_t i = 0; i < l.n; i++) {
        if (l.v[i].assigned == 0 || find(l.v[i].agent_id))
            continue;
        char k[24];
        struct presence *p = calloc(1, sizeof(*p));
        key_of(l.v[i].agent_id, k);
        if (!p || map_put(agents, k, p)) {
            free(p);
            continue;
        }
        p->agent_id = l.v[i].agent_id;
        p->gone = 1;
        lws_sul_schedule(context, 0, &p->grace, grace_over, (lws_usec_t)grace_secs * LWS_US_PER_SEC);
    }
    store_load_list_free(&l);
}
