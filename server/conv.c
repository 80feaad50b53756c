/*
 * Conversation core: frame dispatch, bus delivery and event publishing.
 *
 * Delivery policy lives here, not in the bus: a visitor gets only what is meant
 * for visitors (never notes); an agent connection follows the site topic plus
 * every conversation that is queued or assigned to it, and adjusts what it
 * follows as state events pass by. That works the same whether the event came
 * from this process or (later) from another node.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libwebsockets.h>
#include "conv_internal.h"
#include "parley/metrics.h"
#include "parley/router.h"
#include "parley/webhook.h"

static struct store *store;
static struct faq_set *faq;
static struct conv_options options;

static void conn_gone(struct conn *c)
{
    if (c->kind == CONN_AGENT)
        router_agent_gone(c->agent_id, c->away);
}

int conv_init(struct store *st, const struct conv_options *opt)
{
    store = st;
    options = *opt;
    conn_set_refill(conv_visitor_refill);
    conn_set_gone(conn_gone);
    bus_set_hooks(conv_bus_last_seq, conv_bus_catch_up);
    bus_set_remote_hook(conv_bus_remote);
    return bus_init(conv_deliver);
}

void conv_shutdown(void)
{
    bus_shutdown();
    faq_free(faq);
    faq = NULL;
}

void conv_set_faq(struct faq_set *s)
{
    faq_free(faq);
    faq = s;
}

const struct faq_set *conv_faq(void) { return faq; }
struct store *conv_store(void) { return store; }
const struct conv_options *conv_options(void) { return &options; }

char *conv_strdup(const char *s) { return s ? strdup(s) : NULL; }

void conv_send_error(struct conn *c, const char *id, const char *code, const char *msg)
{
    metrics_count_error(code);
    conn_send_take(c, proto_error(id, code, msg));
}

void conv_reply_status(uint64_t conn_id, const char *id, pl_status s, int64_t seq,
                       int64_t note_seq, const char *conversation)
{
    struct conn *c = conn_find(conn_id);
    if (!c)
        return;
    if (s == PL_OK) {
        conn_send_take(c, proto_ack(id, seq, note_seq, conversation));
        return;
    }
    const char *msg;
    switch (s) {
    case PL_ERR_ALREADY_CLAIMED: msg = "another agent has already claimed this conversation"; break;
    case PL_ERR_CLOSED: msg = "the conversation is closed"; break;
    case PL_ERR_NOT_FOUND: msg = "no such conversation"; break;
    case PL_ERR_FORBIDDEN: msg = "not allowed on this conversation"; break;
    case PL_ERR_CONFLICT: msg = "already done"; break;
    case PL_ERR_STORE: msg = "could not store it; please retry"; break;
    default: msg = "request refused"; break;
    }
    conv_send_error(c, id, pl_status_code(s), msg);
}

void conv_on_frame(struct conn *c, const char *buf, size_t len)
{
    struct proto_cmd cmd;
    const char *code = "bad_request";
    char msg[160];
    metrics_count_frame_in();
    /* Decoded first (a bounded cost: frames are at most 64 KiB) so that even a
     * refusal for going too fast names the request it refuses. */
    pl_status s = proto_decode(buf, len, &cmd, &code, msg, sizeof(msg));
    if (!conn_rate_ok(c, options.rate_limit, pl_mono_ms())) {
        conv_send_error(c, cmd.id, "rate_limited", "too many frames; slow down");
        proto_cmd_free(&cmd);
        return;
    }
    if (s != PL_OK) {
        conv_send_error(c, cmd.id, code, msg);
        proto_cmd_free(&cmd);
        return;
    }
    if (c->kind == CONN_VISITOR)
        conv_visitor_frame(c, &cmd);
    else if (c->kind == CONN_AGENT)
        conv_agent_frame(c, &cmd);
    proto_cmd_free(&cmd);
}

static int is_ephemeral(enum bus_kind k) { return k == BUS_TYPING || k == BUS_READ; }

static void deliver_agent(struct conn *c, const struct bus_event *ev)
{
    if (ev->kind == BUS_QUEUED)
        conn_follow(c, ev->conversation);
    if (ev->kind == BUS_STATE && !strcmp(ev->topic, BUS_SITE)) {
        int mine = ev->state == CONV_ASSIGNED && ev->agent_id == c->agent_id;
        if (ev->state == CONV_QUEUED || mine)
            conn_follow(c, ev->conversation);
        else
            conn_unfollow(c, ev->conversation);
        if (mine && ev->target_frame)
            conn_send(c, ev->target_frame);
    }
    if (ev->agent_frame)
        conn_send(c, ev->agent_frame);
}

/* A visitor gets each message once, in seq order: during a paged replay the
 * live events wait (the replay reads them from the store), and anything at or
 * below what was already queued is a repeat. */
static void deliver_visitor(struct conn *c, const struct bus_event *ev)
{
    if (ev->kind == BUS_MESSAGE && ev->seq > 0) {
        if (c->replaying || ev->seq <= c->sent_seq)
            return;
        c->sent_seq = ev->seq;
    }
    conn_send(c, ev->visitor_frame);
}

void conv_deliver(void *subscriber, const struct bus_event *ev)
{
    struct conn *c = subscriber;
    if (is_ephemeral(ev->kind) && ev->origin == c->id)
        return;
    if (c->kind == CONN_VISITOR && ev->visitor_frame)
        deliver_visitor(c, ev);
    else if (c->kind == CONN_AGENT && c->ready)
        deliver_agent(c, ev);
}

void conv_publish_message(const struct store_message *m, uint64_t origin)
{
    struct bus_event ev = {.topic = m->conversation, .kind = BUS_MESSAGE,
                           .conversation = m->conversation, .origin = origin, .seq = m->seq};
    ev.agent_frame = proto_message(m, VIEW_AGENT);
    if (m->note_seq == 0)
        ev.visitor_frame = proto_message(m, VIEW_VISITOR);
    bus_publish(&ev);
    webhook_emit_message(m);           /* here, on the node that stored it */
    metrics_count_message(m->role);
    frame_unref(ev.agent_frame);
    frame_unref(ev.visitor_frame);
}

void conv_publish_state(const char *conv_id, struct frame *target_frame)
{
    struct store_conversation c = {0};
    if (store_get_conversation(store, conv_id, &c) != PL_OK) {
        lwsl_err("conv %s: state changed but cannot be read back\n", conv_id);
        return;
    }
    struct bus_event ev = {.topic = conv_id, .kind = BUS_STATE, .conversation = conv_id,
                           .state = c.state, .agent_id = c.agent_id};
    ev.visitor_frame = proto_state(&c, VIEW_VISITOR);
    bus_publish(&ev);                                  /* the visitor's tabs */
    frame_unref(ev.visitor_frame);
    ev.visitor_frame = NULL;
    ev.topic = BUS_SITE;
    if (c.state == CONV_QUEUED) {
        /* Every online agent gets the whole transcript so far. */
        struct store_message_list t = {0};
        if (store_messages_after(store, conv_id, 0, 1, 0, &t) == PL_OK) {
            struct bus_event q = ev;
            q.kind = BUS_QUEUED;
            q.seq = c.last_seq;                /* where the transcript is complete */
            q.agent_frame = proto_conversation_event("queued", &c, &t);
            bus_publish(&q);
            frame_unref(q.agent_frame);
        }
        store_message_list_free(&t);
    }
    ev.agent_frame = proto_state(&c, VIEW_AGENT);
    ev.target_frame = target_frame;
    ev.seq = c.last_seq;                       /* as for queued, above */
    bus_publish(&ev);
    frame_unref(ev.agent_frame);
    webhook_emit_state(&c);
    store_conversation_free(&c);
}

void conv_publish_system(const char *conv_id, const char *text, const struct store_result *r)
{
    if (!text || r->sys_seq <= 0)
        return;
    struct store_message m = {.conversation = (char *)conv_id, .seq = r->sys_seq,
                              .role = "system", .text = (char *)text, .ts = r->sys_ts,
                              .helpful = -1};
    conv_publish_message(&m, 0);
}

struct conv_assignment *conv_assignment_new(const char *conv, int64_t agent_id,
                                            const char *locale)
{
    struct conv_assignment *a = calloc(1, sizeof(*a));
    char sys[200];
    if (!a)
        return NULL;
    if (agent_id) {
        struct store_agent ag = {0};
        int named = store_agent_by_id(store, agent_id, &ag) == PL_OK;
        conv_text_fill(locale, "joined", named ? ag.name : "An agent", sys, sizeof(sys));
        store_agent_free(&ag);
    } else {
        snprintf(sys, sizeof(sys), "%s", conv_text(locale, "requeued"));
    }
    a->agent_id = agent_id;
    if (!(a->conv = strdup(conv)) || !(a->sys = strdup(sys))) {
        conv_assignment_free(a);
        return NULL;
    }
    return a;
}

void conv_assignment_free(struct conv_assignment *a)
{
    if (!a)
        return;
    free(a->conv);
    free(a->sys);
    free(a);
}

void conv_publish_assignment(const char *conv, const char *sys, const struct store_result *r,
                             int64_t target)
{
    conv_publish_system(conv, sys, r);
    struct frame *t = NULL;
    struct store_conversation c = {0};
    struct store_message_list msgs = {0};
    if (target > 0 && store_get_conversation(store, conv, &c) == PL_OK &&
        store_messages_after(store, conv, 0, 1, 0, &msgs) == PL_OK)
        t = proto_conversation_event("assigned", &c, &msgs);
    conv_publish_state(conv, t);
    frame_unref(t);
    store_message_list_free(&msgs);
    store_conversation_free(&c);
}
