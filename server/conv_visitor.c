/*
 * What a visitor may do: hello/resume, send, ask for a person, close, rate,
 * start over, and the ephemeral typing/read signals.
 *
 * Every write goes to the store first; the ack and the broadcast happen in the
 * store's callback, after the commit. Contexts passed to the store carry the
 * connection's id, never its pointer: the visitor may be gone by then, and the
 * message is stored and delivered to everyone else regardless.
 */
#include <stdlib.h>
#include <string.h>
#include "conv_internal.h"
#include <libwebsockets.h>
#include "parley/auth.h"
#include "parley/limits.h"
#include "parley/metrics.h"
#include "parley/router.h"
#include "parley/webhook.h"

struct hello_ctx {
    uint64_t conn;
    int64_t last_seq;
    char visitor_id[40];
    char token[AUTH_TOKEN_LEN + 1];
    char *id;
};

struct msg_ctx {
    uint64_t conn;
    int64_t arrived_us;                  /* monotonic, for the ack latency metric */
    char *id, *conv, *text, *author_id, *name, *locale;
};

static void msg_ctx_free(struct msg_ctx *m)
{
    free(m->id);
    free(m->conv);
    free(m->text);
    free(m->author_id);
    free(m->name);
    free(m->locale);
    free(m);
}

/* A resume after a long absence is paged: the welcome carries the first page
 * and the rest follows as message events as the send queue drains, so neither
 * one giant frame nor a burst can overflow the bounded queue. */
#define REPLAY_PAGE 1000               /* messages, and at most... */
#define REPLAY_PAGE_BYTES (2u << 20)   /* ...this much text */

/* Reads up to a page after `after`; *more says whether anything is left. */
static pl_status read_page(struct conn *c, int64_t after, struct store_message_list *out,
                           int *more)
{
    pl_status s = store_messages_after(conv_store(), c->conv_id, after, 0, REPLAY_PAGE + 1, out);
    size_t keep = 0, bytes = 0;
    while (s == PL_OK && keep < out->n && keep < REPLAY_PAGE &&
           (keep == 0 || bytes + strlen(out->v[keep].text) <= REPLAY_PAGE_BYTES))
        bytes += strlen(out->v[keep++].text);
    *more = s == PL_OK && keep < out->n;
    for (size_t i = keep; s == PL_OK && i < out->n; i++)
        store_message_free(&out->v[i]);
    if (s == PL_OK)
        out->n = keep;
    return s;
}

/* Sends the welcome for the connection's current conversation. */
static void send_welcome(struct conn *c, const char *id, const char *token, int64_t last_seq)
{
    struct store_conversation conv = {0};
    struct store_message_list msgs = {0};
    int more = 0;
    pl_status s = store_get_conversation(conv_store(), c->conv_id, &conv);
    if (s == PL_OK)
        s = read_page(c, last_seq, &msgs, &more);
    if (s != PL_OK) {
        conv_send_error(c, id, pl_status_code(PL_ERR_STORE), "could not load the conversation");
    } else if (c->wsi && conn_follow(c, c->conv_id) == 0 &&
               conn_send_take(c, proto_welcome(id, token, &conv, &msgs, more)) == 0) {
        c->ready = 1;
        conv_team_prechat(c);
        c->sent_seq = msgs.n ? msgs.v[msgs.n - 1].seq : last_seq;
        c->replaying = more;
        if (!c->token)
            c->token = strdup(token);
        conn_set_deadline(c, 0);
    }
    store_message_list_free(&msgs);
    store_conversation_free(&conv);
}

void conv_visitor_refill(struct conn *c)
{
    struct store_message_list msgs = {0};
    int more = 0;
    if (read_page(c, c->sent_seq, &msgs, &more) != PL_OK) {
        store_message_list_free(&msgs);
        return;                        /* the next write tries again */
    }
    for (size_t i = 0; i < msgs.n; i++) {
        if (conn_send_take(c, proto_message(&msgs.v[i], VIEW_VISITOR)))
            break;
        c->sent_seq = msgs.v[i].seq;
    }
    c->replaying = more;
    store_message_list_free(&msgs);
}

/* A new visitor's first conversation, or a returning visitor's next one: either
 * way the connection moves to it and gets its welcome. */
static void opened(void *arg, const struct store_result *r)
{
    struct hello_ctx *h = arg;
    struct conn *c = conn_find(h->conn);
    if (c) {
        c->busy = 0;
        if (r->status != PL_OK) {
            conv_send_error(c, h->id, pl_status_code(r->status), "could not start a conversation");
        } else {
            memcpy(c->visitor_id, r->visitor_id, sizeof(c->visitor_id));
            if (c->conv_id[0])
                conn_unfollow(c, c->conv_id);
            memcpy(c->conv_id, r->conversation_id, sizeof(c->conv_id));
            c->ready = 0;
            send_welcome(c, h->id, h->token, 0);
        }
    }
    if (r->status == PL_OK)
        webhook_emit_created(r->conversation_id);
    free(h->id);
    free(h);
}

static void ignore_result(void *arg, const struct store_result *r) { (void)arg; (void)r; }

static void remember_profile(struct conn *c, const struct proto_cmd *cmd)
{
    if (cmd->locale) {
        free(c->locale);
        c->locale = strdup(cmd->locale);
    }
    if (cmd->name) {
        free(c->name);
        c->name = strdup(cmd->name);
    }
}

/* user_id: a verified site identity for the new visitor, or NULL. */
static void hello_new(struct conn *c, const struct proto_cmd *cmd, const char *user_id)
{
    struct hello_ctx *h = calloc(1, sizeof(*h));
    if (!h || auth_new_token(h->token)) {
        free(h);
        conv_send_error(c, cmd->id, "internal_error", "out of memory");
        return;
    }
    h->conn = c->id;
    h->id = conv_strdup(cmd->id);
    struct store_new_visitor nv = {.name = cmd->name, .email = cmd->email,
                                   .locale = cmd->locale, .page = cmd->page, .user_id = user_id};
    auth_hash_token(h->token, nv.token_hash);
    c->busy = 1;
    if (store_create_visitor(conv_store(), &nv, opened, h) != PL_OK) {
        c->busy = 0;
        free(h->id);
        free(h);
        conv_send_error(c, cmd->id, pl_status_code(PL_ERR_STORE), "could not start a conversation");
    }
}

/* Resumes the token's visitor in their latest conversation. */
static void resume(struct conn *c, const char *id, const char *token, const char *conversation,
                   int64_t last_seq)
{
    struct store *st = conv_store();
    uint8_t hash[32];
    struct store_visitor v = {0};
    struct store_conversation conv = {0};
    auth_hash_token(token, hash);
    pl_status s = store_visitor_by_token(st, hash, &v);
    if (s == PL_OK)
        s = store_latest_conversation(st, v.id, &conv);
    if (s == PL_ERR_NOT_FOUND) {
        conv_send_error(c, id, "invalid_token", "unknown visitor token; start with token null");
    } else if (s != PL_OK) {
        conv_send_error(c, id, pl_status_code(s), "could not load the conversation");
    } else {
        snprintf(c->visitor_id, sizeof(c->visitor_id), "%s", v.id);
        snprintf(c->conv_id, sizeof(c->conv_id), "%s", conv.id);
        /* A last_seq of an older conversation means nothing in this one. */
        int64_t last = conversation && strcmp(conversation, conv.id) ? 0 : last_seq;
        if (v.locale && !c->locale)
            c->locale = strdup(v.locale);
        send_welcome(c, id, token, last);
    }
    store_conversation_free(&conv);
    store_visitor_free(&v);
}

static void hello_resume(struct conn *c, const struct proto_cmd *cmd)
{
    uint8_t hash[32];
    struct store_visitor v = {0};
    auth_hash_token(cmd->token, hash);
    if (store_visitor_by_token(conv_store(), hash, &v) == PL_OK)
        store_touch_visitor(conv_store(), v.id, cmd->name, cmd->email, cmd->locale, cmd->page,
                            ignore_result, NULL);
    store_visitor_free(&v);
    resume(c, cmd->id, cmd->token, cmd->conversation, cmd->last_seq);
}

/* ---- signed identities: one person on every device ---- */

/* The identified visitor on a new device: it gets a token of its own. */
static void device_added(void *arg, const struct store_result *r)
{
    struct hello_ctx *h = arg;
    struct conn *c = conn_find(h->conn);
    struct store_conversation conv = {0};
    if (c) {
        c->busy = 0;
        if (r->status != PL_OK ||
            store_latest_conversation(conv_store(), h->visitor_id, &conv) != PL_OK) {
            conv_send_error(c, h->id, pl_status_code(PL_ERR_STORE), "could not load the conversation");
        } else {
            snprintf(c->visitor_id, sizeof(c->visitor_id), "%s", h->visitor_id);
            snprintf(c->conv_id, sizeof(c->conv_id), "%s", conv.id);
            send_welcome(c, h->id, h->token, 0);
        }
    }
    store_conversation_free(&conv);
    free(h->id);
    free(h);
}

static void new_device(struct conn *c, const struct proto_cmd *cmd, const char *visitor_id)
{
    struct hello_ctx *h = calloc(1, sizeof(*h));
    uint8_t hash[32];
    if (!h || auth_new_token(h->token)) {
        free(h);
        conv_send_error(c, cmd->id, "internal_error", "out of memory");
        return;
    }
    h->conn = c->id;
    h->id = conv_strdup(cmd->id);
    snprintf(h->visitor_id, sizeof(h->visitor_id), "%s", visitor_id);
    auth_hash_token(h->token, hash);
    c->busy = 1;
    if (store_add_visitor_token(conv_store(), visitor_id, hash, device_added, h) != PL_OK) {
        c->busy = 0;
        free(h->id);
        free(h);
        conv_send_error(c, cmd->id, pl_status_code(PL_ERR_STORE), "could not load the conversation");
    }
}

/* The visitor the token names, or "" (unknown token, or none). */
static void token_visitor(const char *token, char out[40], int *has_user)
{
    struct store_visitor v = {0};
    uint8_t hash[32];
    out[0] = '\0';
    *has_user = 0;
    if (!token)
        return;
    auth_hash_token(token, hash);
    if (store_visitor_by_token(conv_store(), hash, &v) == PL_OK) {
        snprintf(out, 40, "%s", v.id);
        *has_user = v.user_id != NULL;
    }
    store_visitor_free(&v);
}

/* An anonymous visitor signing in: the welcome waits for the link's commit, so
 * the same person's next device, a moment later, finds this conversation. */
struct link_ctx { uint64_t conn; int64_t last_seq; char *id, *token, *conversation; };

static void linked(void *arg, const struct store_result *r)
{
    struct link_ctx *l = arg;
    struct conn *c = conn_find(l->conn);
    if (c) {
        c->busy = 0;
        if (r->status != PL_OK && r->status != PL_ERR_NOT_FOUND)  /* not found: linked already */
            conv_send_error(c, l->id, pl_status_code(r->status), "could not link the signed identity");
        else
            resume(c, l->id, l->token, l->conversation, l->last_seq);
    }
    free(l->id);
    free(l->token);
    free(l->conversation);
    free(l);
}

static void link_then_resume(struct conn *c, const struct proto_cmd *cmd, const char *visitor_id)
{
    struct link_ctx *l = calloc(1, sizeof(*l));
    if (!l || !(l->token = strdup(cmd->token))) {
        free(l);
        conv_send_error(c, cmd->id, "internal_error", "out of memory");
        return;
    }
    l->conn = c->id;
    l->last_seq = cmd->last_seq;
    l->id = conv_strdup(cmd->id);
    l->conversation = conv_strdup(cmd->conversation);
    c->busy = 1;
    if (store_link_visitor(conv_store(), visitor_id, cmd->user_id, linked, l) != PL_OK) {
        c->busy = 0;
        free(l->id);
        free(l->token);
        free(l->conversation);
        free(l);
        conv_send_error(c, cmd->id, pl_status_code(PL_ERR_STORE), "could not link the signed identity");
    }
}

/* A verified identity decides who the visitor is: the same person on every
 * device, or an anonymous visitor who has just signed in on the site. */
static void hello_identified(struct conn *c, const struct proto_cmd *cmd)
{
    struct store_visitor v = {0};
    char by_token[40];
    int token_has_user;
    token_visitor(cmd->token, by_token, &token_has_user);
    pl_status s = store_visitor_by_user(conv_store(), cmd->user_id, &v);
    if (s == PL_OK && !strcmp(v.id, by_token)) {
        hello_resume(c, cmd);                       /* this device, already linked */
    } else if (s == PL_OK) {
        new_device(c, cmd, v.id);
    } else if (s == PL_ERR_NOT_FOUND && by_token[0] && !token_has_user) {
        link_then_resume(c, cmd, by_token);
    } else if (s == PL_ERR_NOT_FOUND) {
        hello_new(c, cmd, cmd->user_id);
    } else {
        conv_send_error(c, cmd->id, pl_status_code(s), "could not load the visitor");
    }
    store_visitor_free(&v);
}

static void hello(struct conn *c, const struct proto_cmd *cmd)
{
    const struct conv_options *o = conv_options();
    if (c->ready || c->busy) {
        conv_send_error(c, cmd->id, "bad_request", "hello was already sent on this connection");
        return;
    }
    if (cmd->team && !conv_team_exists(cmd->team)) {
        conv_send_error(c, cmd->id, "bad_request", "no such team");
        return;
    }
    c->prechat_team = cmd->team;
    remember_profile(c, cmd);
    int signed_hello = o->identity_secret && (cmd->user_id || cmd->user_hash);
    if (signed_hello && !auth_verify_identity(o->identity_secret, cmd->user_id, cmd->user_hash)) {
        conv_send_error(c, cmd->id, "unauthorized", "the signed identity (user_id, user_hash) does not verify");
    } else if (!signed_hello && o->require_identity) {
        conv_send_error(c, cmd->id, "unauthorized", "this site requires a signed identity (user_id, user_hash)");
    } else if (signed_hello) {
        hello_identified(c, cmd);
    } else if (cmd->token) {
        hello_resume(c, cmd);
    } else {
        hello_new(c, cmd, NULL);
    }
}

static void message_stored(void *arg, const struct store_result *r)
{
    struct msg_ctx *m = arg;
    conv_reply_status(m->conn, m->id, r->status, r->seq, 0, NULL);
    if (r->status == PL_OK)
        metrics_observe_ack_us(pl_mono_us() - m->arrived_us);
    if (r->status == PL_OK && !r->duplicate) {
        struct store_message ev = {.conversation = m->conv, .seq = r->seq, .role = "visitor",
                                   .author_id = m->author_id, .author_name = m->name,
                                   .client_id = m->id, .text = m->text, .ts = r->ts,
                                   .helpful = -1};
        conv_publish_message(&ev, m->conn);
        if (r->state == CONV_BOT)
            conv_bot_reply(m->conv, m->text, m->locale, m->id);
    }
    msg_ctx_free(m);
}

static void send_message(struct conn *c, const struct proto_cmd *cmd)
{
    if (!limit_visitor_message(c->visitor_id, pl_mono_ms())) {
        conv_send_error(c, cmd->id, "rate_limited", "too many messages from this visitor; slow down");
        return;
    }
    struct msg_ctx *m = calloc(1, sizeof(*m));
    if (!m || !(m->conv = strdup(c->conv_id)) || !(m->text = strdup(cmd->text)) ||
        !(m->author_id = strdup(c->visitor_id)) || (cmd->id && !(m->id = strdup(cmd->id)))) {
        if (m)
            msg_ctx_free(m);
        conv_send_error(c, cmd->id, "internal_error", "out of memory");
        return;
    }
    m->conn = c->id;
    m->arrived_us = pl_mono_us();
    m->name = conv_strdup(c->name);
    m->locale = conv_strdup(c->locale);
    struct store_append a = {.conversation = c->conv_id, .role = "visitor",
                             .author_id = c->visitor_id, .author_name = c->name,
                             .client_id = cmd->id, .text = cmd->text};
    if (store_append(conv_store(), &a, message_stored, m) != PL_OK) {
        conv_send_error(c, cmd->id, pl_status_code(PL_ERR_STORE), "could not store the message; retry");
        msg_ctx_free(m);
    }
}

/* Callbacks that only answer the request and, on success, publish the state. */
struct state_ctx { uint64_t conn; char *id, *conv, *sys; };

static void state_done(void *arg, const struct store_result *r)
{
    struct state_ctx *s = arg;
    conv_reply_status(s->conn, s->id, r->status, 0, 0, s->conv);
    if (r->status == PL_OK) {
        conv_publish_system(s->conv, s->sys, r);
        conv_publish_state(s->conv, NULL);
        router_queue_changed();          /* it may have left the queue or freed an agent */
    }
    free(s->id);
    free(s->conv);
    free(s->sys);
    free(s);
}

static void close_conversation(struct conn *c, const struct proto_cmd *cmd)
{
    struct state_ctx *s = calloc(1, sizeof(*s));
    const char *sys = conv_text(c->locale, "visitor_closed");
    if (!s || !(s->conv = strdup(c->conv_id)) || !(s->sys = strdup(sys))) {
        if (s)
            free(s->conv);
        free(s);
        conv_send_error(c, cmd->id, "internal_error", "out of memory");
        return;
    }
    s->conn = c->id;
    s->id = conv_strdup(cmd->id);
    struct store_state_change ch = {.conversation = c->conv_id, .op = STORE_CLOSE,
                                    .closed_by = "visitor", .sys_text = sys};
    if (store_change_state(conv_store(), &ch, state_done, s) != PL_OK) {
        conv_reply_status(c->id, cmd->id, PL_ERR_STORE, 0, 0, NULL);
        free(s->id);
        free(s->conv);
        free(s->sys);
        free(s);
    }
}

/* rate_conv (a rating's conversation, for its webhook) is NULL otherwise. */
struct simple_ctx { uint64_t conn; char *id; char *rate_conv, *comment; int score; };

static void simple_done(void *arg, const struct store_result *r)
{
    struct simple_ctx *s = arg;
    conv_reply_status(s->conn, s->id, r->status, 0, 0, NULL);
    if (r->status == PL_OK && s->rate_conv)
        webhook_emit_rating(s->rate_conv, s->score, s->comment);
    free(s->id);
    free(s->rate_conv);
    free(s->comment);
    free(s);
}

static struct simple_ctx *simple_ctx(struct conn *c, const struct proto_cmd *cmd)
{
    struct simple_ctx *s = calloc(1, sizeof(*s));
    if (s) {
        s->conn = c->id;
        s->id = conv_strdup(cmd->id);
    }
    return s;
}

static void rate(struct conn *c, const struct proto_cmd *cmd)
{
    struct simple_ctx *s = simple_ctx(c, cmd);
    if (s) {
        s->rate_conv = conv_strdup(c->conv_id);
        s->comment = conv_strdup(cmd->comment);
        s->score = cmd->score;
    }
    if (!s || store_rate(conv_store(), c->conv_id, cmd->score, cmd->comment, simple_done, s)) {
        conv_reply_status(c->id, cmd->id, s ? PL_ERR_STORE : PL_ERR_NOMEM, 0, 0, NULL);
        if (s) {
            free(s->id);
            free(s->rate_conv);
            free(s->comment);
        }
        free(s);
    }
}

static void feedback(struct conn *c, const struct proto_cmd *cmd)
{
    struct simple_ctx *s = simple_ctx(c, cmd);
    if (!s || store_feedback(conv_store(), c->conv_id, cmd->seq, cmd->helpful, simple_done, s)) {
        conv_reply_status(c->id, cmd->id, s ? PL_ERR_STORE : PL_ERR_NOMEM, 0, 0, NULL);
        if (s)
            free(s->id);
        free(s);
    }
}

static void start(struct conn *c, const struct proto_cmd *cmd)
{
    const char *token = c->token ? c->token : "";
    struct store_conversation conv = {0};
    if (store_get_conversation(conv_store(), c->conv_id, &conv) == PL_OK &&
        conv.state != CONV_CLOSED) {
        /* Still open: starting again is answered with the conversation itself. */
        conn_unfollow(c, c->conv_id);
        send_welcome(c, cmd->id, token, 0);
        store_conversation_free(&conv);
        return;
    }
    store_conversation_free(&conv);
    struct hello_ctx *h = calloc(1, sizeof(*h));
    if (!h) {
        conv_send_error(c, cmd->id, "internal_error", "out of memory");
        return;
    }
    h->conn = c->id;
    h->id = conv_strdup(cmd->id);
    snprintf(h->token, sizeof(h->token), "%s", token);
    c->busy = 1;
    if (store_start_conversation(conv_store(), c->visitor_id, opened, h) != PL_OK) {
        c->busy = 0;
        free(h->id);
        free(h);
        conv_reply_status(c->id, cmd->id, PL_ERR_STORE, 0, 0, NULL);
    }
}

static void ephemeral(struct conn *c, const struct proto_cmd *cmd)
{
    struct bus_event ev = {.topic = c->conv_id, .conversation = c->conv_id, .origin = c->id};
    if (cmd->type == P_TYPING) {
        ev.kind = BUS_TYPING;
        ev.agent_frame = proto_typing(c->conv_id, "visitor", c->name, cmd->on);
    } else {
        ev.kind = BUS_READ;
        ev.agent_frame = proto_read(c->conv_id, "visitor", cmd->seq);
    }
    bus_publish(&ev);
    frame_unref(ev.agent_frame);
}

void conv_visitor_frame(struct conn *c, const struct proto_cmd *cmd)
{
    if (cmd->type == P_HELLO) {
        hello(c, cmd);
        return;
    }
    if (!c->ready) {
        conv_send_error(c, cmd->id, "unauthorized", "send hello first");
        return;
    }
    switch (cmd->type) {
    case P_MESSAGE: send_message(c, cmd); break;
    case P_CHOOSE: conv_bot_choose(c, cmd); break;
    case P_FEEDBACK: feedback(c, cmd); break;
    case P_HANDOFF: conv_handoff_team(c->conv_id, c->locale, c->id, cmd->id, cmd->team); break;
    case P_TYPING:
    case P_READ: ephemeral(c, cmd); break;
    case P_CLOSE: close_conversation(c, cmd); break;
    case P_RATING: rate(c, cmd); break;
    case P_START: start(c, cmd); break;
    case P_PING: conn_send_take(c, proto_ack(cmd->id, 0, 0, NULL)); break;
    case P_CONTACT: conv_offline_contact(c, cmd); break;
    default: conv_send_error(c, cmd->id, "bad_request", "not a visitor command"); break;
    }
}
