/*
 * What the bus reads back from the store when pub/sub may have lost messages
 * (a seq gap, a reconnect): the database is the truth, Redis only the fast path.
 * Events are built exactly as conv_publish_message builds them, but delivered
 * on this node only and not counted again as new messages.
 */
#include <string.h>
#include "conv_internal.h"
#include "parley/router.h"
#include "parley/sync.h"

int64_t conv_bus_last_seq(const char *conv_id)
{
    struct store_conversation c = {0};
    int64_t last = 0;
    if (store_get_conversation(conv_store(), conv_id, &c) == PL_OK)
        last = c.last_seq;
    store_conversation_free(&c);
    return last;
}

/* The state as the visitor's tabs see it (agents follow state on the site
 * topic, which is never unheard). A repeat of a state already shown is harmless. */
static void redeliver_state(const char *conv_id)
{
    struct store_conversation c = {0};
    if (store_get_conversation(conv_store(), conv_id, &c) == PL_OK) {
        struct bus_event ev = {.topic = conv_id, .kind = BUS_STATE, .conversation = conv_id,
                               .state = c.state, .agent_id = c.agent_id};
        ev.visitor_frame = proto_state(&c, VIEW_VISITOR);
        bus_deliver_caught_up(&ev);
        frame_unref(ev.visitor_frame);
    }
    store_conversation_free(&c);
}

void conv_bus_catch_up(const char *conv_id, int64_t after_seq, int listening)
{
    struct store_message_list l = {0};
    if (store_messages_after(conv_store(), conv_id, after_seq, 0, 0, &l) != PL_OK) {
        store_message_list_free(&l);
        return;
    }
    for (size_t i = 0; i < l.n; i++) {
        const struct store_message *m = &l.v[i];
        struct bus_event ev = {.topic = conv_id, .kind = BUS_MESSAGE, .conversation = conv_id,
                               .seq = m->seq};
        ev.agent_frame = proto_message(m, VIEW_AGENT);
        ev.visitor_frame = proto_message(m, VIEW_VISITOR);
        bus_deliver_caught_up(&ev);
        frame_unref(ev.agent_frame);
        frame_unref(ev.visitor_frame);
    }
    store_message_list_free(&l);
    if (listening)
        redeliver_state(conv_id);
}

/* A conversation queued, claimed or closed on another node may be this node's
 * to assign (auto mode) to one of its own agents. (Presence from other nodes
 * reaches the router through the bus's shared presence, not from here.) */
void conv_bus_remote(const struct bus_event *ev)
{
    if ((ev->kind == BUS_QUEUED || ev->kind == BUS_STATE) && !strcmp(ev->topic, BUS_SITE))
        router_remote_changed();
    else if (ev->kind == BUS_CONFIG)
        sync_reload();                          /* another node changed the FAQ or a setting */
}
