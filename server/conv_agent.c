/*
 * What an agent may do: authenticate, claim, reply, write private notes,
 * transfer, close, set their status, and the typing/read signals.
 *
 * Authorisation is decided inside the store's transaction where it races (first
 * claim wins; only the assignee replies), and here where it doesn't (signed in).
 * An unauthenticated socket gets `unauthorized` and is closed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libwebsockets.h>
#include "conv_internal.h"
#include "parley/auth.h"
#include "parley/router.h"

#define READY_LIMIT 200

static void free_lists(struct store_conversation_list *l, struct store_message_list *m)
{
    for (size_t i = 0; m && i < l->n; i++)
        store_message_list_free(&m[i]);
    free(m);
    store_conversation_list_free(l);
}

static struct store_message_list *transcripts(const struct store_conversation_list *l)
{
    struct store_message_list *m = calloc(l->n ? l->n : 1, sizeof(*m));
    for (size_t i = 0; m && i < l->n; i++)
        if (store_messages_after(conv_store(), l->v[i].id, 0, 1, 0, &m[i]) != PL_OK) {
            for (size_t j = 0; j < i; j++)
                store_message_list_free(&m[j]);
            free(m);
            return NULL;
        }
    return m;
}

static void follow_all(struct conn *c, const struct store_conversation_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        conn_follow(c, l->v[i].id);
}

static void send_ready(struct conn *c, const struct store_agent *a)
{
    struct store *st = conv_store();
    struct store_conversation_list queue = {0}, mine = {0};
    struct store_message_list *qm = NULL, *mm = NULL;
    if (store_list_conversations(st, CONV_QUEUED, 0, READY_LIMIT, &queue) != PL_OK ||
        store_list_conversations(st, CONV_ASSIGNED, a->id, READY_LIMIT, &mine) != PL_OK ||
        !(qm = transcripts(&queue)) || !(mm = transcripts(&mine))) {
        conv_send_error(c, NULL, pl_status_code(PL_ERR_STORE), "could not load conversations");
        conn_close_after_flush(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION);
    } else if (conn_follow(c, BUS_SITE) == 0) {
        follow_all(c, &queue);
        follow_all(c, &mine);
        c->ready = 1;
        conn_set_deadline(c, 0);
        conn_send_take(c, proto_ready(a, c->away ? "away" : "online", &queue, qm, &mine, mm));
        router_agent_ready(c->agent_id, c->away);
    }
    free_lists(&queue, qm);
    free_lists(&mine, mm);
}

static void authenticate(struct conn *c, const char *token, const char *req_id)
{
    uint8_t hash[32];
    struct store_agent a = {0};
    auth_hash_token(token, hash);
    pl_status s = store_session_agent(conv_store(), hash, pl_now_ms(), &a);
    if (s != PL_OK) {
        conv_send_error(c, req_id, s == PL_ERR_NOT_FOUND ? "unauthorized" : pl_status_code(s),
                        "sign in again: the session is unknown or expired");
        conn_close_after_flush(c, CONN_CLOSE_UNAUTHORIZED);
    } else {
        c->agent_id = a.id;
        c->is_admin = a.role && !strcmp(a.role, "admin");
        free(c->name);
        c->name = conv_strdup(a.name);
        send_ready(c, &a);
    }
    store_agent_free(&a);
}

void conv_agent_cookie(struct conn *c, const char *token) { authenticate(c, token, NULL); }

/* The visitor's language, for system messages they will read. Caller frees. */
static char *visitor_locale(const char *conv_id)
{
    struct store_conversation c = {0};
    char *locale = NULL;
    if (store_get_conversation(conv_store(), conv_id, &c) == PL_OK)
        locale = conv_strdup(c.locale);
    store_conversation_free(&c);
    return locale;
}

/* A private note may come from the assignee, from anyone while the conversation
 * waits in the queue (context for whoever takes it), or from an admin. */
static int may_note(const struct conn *c, const char *conv_id)
{
    struct store_conversation conv = {0};
    int ok = c->is_admin;
    if (!ok && store_get_conversation(conv_store(), conv_id, &conv) == PL_OK)
        ok = conv.state == CONV_QUEUED || (conv.state == CONV_ASSIGNED && conv.agent_id == c->agent_id);
    store_conversation_free(&conv);
    return ok;
}

/* ---- replies ---- */

struct reply_ctx {
    uint64_t conn;
    char *id, *conv, *text, *author_id, *name;
    int note;
};

static void reply_ctx_free(struct reply_ctx *r)
{
    free(r->id);
    free(r->conv);
    free(r->text);
    free(r->author_id);
    free(r->name);
    free(r);
}

static void reply_stored(void *arg, const struct store_result *r)
{
    struct reply_ctx *x = arg;
    conv_reply_status(x->conn, x->id, r->status, r->seq, r->note_seq, x->conv);
    if (r->status == PL_OK && !r->duplicate) {
        struct store_message m = {.conversation = x->conv, .seq = r->seq, .note_seq = r->note_seq,
                                  .after_seq = r->after_seq, .role = "agent",
                                  .author_id = x->author_id, .author_name = x->name,
                                  .client_id = x->id, .text = x->text, .ts = r->ts,
                                  .helpful = -1};
        conv_publish_message(&m, x->conn);
    }
    reply_ctx_free(x);
}

static void reply(struct conn *c, const struct proto_cmd *cmd)
{
    if (cmd->note && !may_note(c, cmd->conversation)) {
        conv_send_error(c, cmd->id, "forbidden", "notes are for the assignee, or while queued");
        return;
    }
    char aid[24];
    snprintf(aid, sizeof(aid), "%" PRId64, c->agent_id);
    struct reply_ctx *x = calloc(1, sizeof(*x));
    if (!x || !(x->conv = strdup(cmd->conversation)) || !(x->text = strdup(cmd->text)) ||
        !(x->author_id = strdup(aid))) {
        if (x)
            reply_ctx_free(x);
        conv_send_error(c, cmd->id, "internal_error", "out of memory");
        return;
    }
    x->conn = c->id;
    x->id = conv_strdup(cmd->id);
    x->name = conv_strdup(c->name);
    x->note = cmd->note;
    struct store_append a = {.conversation = cmd->conversation, .role = "agent", .author_id = aid,
                             .author_name = c->name, .client_id = cmd->id, .text = cmd->text,
                             .note = cmd->note, .must_be_agent = cmd->note ? 0 : c->agent_id};
    if (store_append(conv_store(), &a, reply_stored, x) != PL_OK) {
        conv_reply_status(c->id, cmd->id, PL_ERR_STORE, 0, 0, NULL);
        reply_ctx_free(x);
    }
}

/* ---- state changes ---- */

struct change_ctx {
    uint64_t conn;
    char *id, *conv, *sys;
    int64_t target;       /* transfer: the new assignee */
    char *note, *author_id, *author_name;   /* transfer: the note left for the next agent */
};

static void change_ctx_free(struct change_ctx *x)
{
    free(x->id);
    free(x->conv);
    free(x->sys);
    free(x->note);
    free(x->author_id);
    free(x->author_name);
    free(x);
}

/* A transfer's note reaches agents only (a note has no visitor frame). */
static void publish_note(const struct change_ctx *x, const struct store_result *r)
{
    if (!x->note || !r->note_seq)
        return;
    struct store_message m = {.conversation = x->conv, .note_seq = r->note_seq,
                              .after_seq = r->after_seq, .role = "agent",
                              .author_id = x->author_id, .author_name = x->author_name,
                              .text = x->note, .helpful = -1, .ts = r->ts};
    conv_publish_message(&m, 0);
}

static void change_done(void *arg, const struct store_result *r)
{
    struct change_ctx *x = arg;
    conv_reply_status(x->conn, x->id, r->status, 0, 0, x->conv);
    if (r->status == PL_OK) {
        publish_note(x, r);
        /* A transfer's new assignee gets the conversation with its transcript. */
        conv_publish_assignment(x->conv, x->sys, r, x->target);
        router_queue_changed();          /* a place in the queue or an agent's slot moved */
    }
    change_ctx_free(x);
}

static void change(struct conn *c, const struct proto_cmd *cmd, struct store_state_change *ch,
                   const char *sys, int64_t target)
{
    struct change_ctx *x = calloc(1, sizeof(*x));
    if (!x || !(x->conv = strdup(cmd->conversation)) || (sys && !(x->sys = strdup(sys)))) {
        if (x)
            free(x->conv);
        free(x);
        conv_send_error(c, cmd->id, "internal_error", "out of memory");
        return;
    }
    x->conn = c->id;
    x->id = conv_strdup(cmd->id);
    x->target = target;
    if (ch->note_text) {
        char aid[24];
        snprintf(aid, sizeof(aid), "%" PRId64, c->agent_id);
        x->note = conv_strdup(ch->note_text);
        x->author_id = conv_strdup(aid);
        x->author_name = conv_strdup(c->name);
        ch->note_author = c->name;
    }
    ch->conversation = cmd->conversation;
    ch->sys_text = sys;
    if (store_change_state(conv_store(), ch, change_done, x) != PL_OK) {
        conv_reply_status(c->id, cmd->id, PL_ERR_STORE, 0, 0, NULL);
        change_ctx_free(x);
    }
}

static void claim(struct conn *c, const struct proto_cmd *cmd)
{
    char sys[200], *locale = visitor_locale(cmd->conversation);
    conv_text_fill(locale, "joined", c->name ? c->name : "An agent", sys, sizeof(sys));
    free(locale);
    struct store_state_change ch = {.op = STORE_CLAIM, .agent_id = c->agent_id};
    change(c, cmd, &ch, sys, 0);
}

static void transfer(struct conn *c, const struct proto_cmd *cmd)
{
    char sys[200], *locale = visitor_locale(cmd->conversation);
    struct store_agent to = {0};
    if (cmd->team && !conv_team_exists(cmd->team)) {
        free(locale);
        conv_send_error(c, cmd->id, "not_found", "no such team");
        return;
    }
    if (cmd->to) {
        if (store_agent_by_id(conv_store(), cmd->to, &to) != PL_OK || !to.active) {
            store_agent_free(&to);
            free(locale);
            conv_send_error(c, cmd->id, "not_found", "no such agent");
            return;
        }
        conv_text_fill(locale, "transferred", to.name, sys, sizeof(sys));
        store_agent_free(&to);
    } else {
        snprintf(sys, sizeof(sys), "%s", conv_text(locale, "requeued"));
    }
    free(locale);
    struct store_state_change ch = {.op = STORE_TRANSFER, .agent_id = cmd->to,
                                    .by_agent = c->agent_id, .by_admin = c->is_admin,
                                    .team_id = cmd->team, .note_text = cmd->note_text};
    change(c, cmd, &ch, sys, cmd->to);
}

static void close_conv(struct conn *c, const struct proto_cmd *cmd)
{
    char sys[200], *locale = visitor_locale(cmd->conversation);
    conv_text_fill(locale, "agent_closed", c->name ? c->name : "The agent", sys, sizeof(sys));
    free(locale);
    struct store_state_change ch = {.op = STORE_CLOSE, .by_agent = c->agent_id,
                                    .by_admin = c->is_admin, .closed_by = "agent"};
    change(c, cmd, &ch, sys, 0);
}

/* Typing and read receipts reach the visitor only from an agent who may see the
 * conversation: its assignee, or anyone while it waits in the queue. */
static void ephemeral(struct conn *c, const struct proto_cmd *cmd)
{
    struct store_conversation conv = {0};
    pl_status s = store_get_conversation(conv_store(), cmd->conversation, &conv);
    int allowed = s == PL_OK && (conv.state == CONV_QUEUED ||
                                 (conv.state == CONV_ASSIGNED && conv.agent_id == c->agent_id));
    store_conversation_free(&conv);
    if (!allowed) {
        conv_send_error(c, cmd->id, "not_found", "no such conversation of yours");
        return;
    }
    struct bus_event ev = {.topic = cmd->conversation, .conversation = cmd->conversation,
                           .origin = c->id};
    if (cmd->type == P_TYPING) {
        ev.kind = BUS_TYPING;
        ev.visitor_frame = proto_typing(cmd->conversation, "agent", c->name, cmd->on);
    } else {
        ev.kind = BUS_READ;
        ev.visitor_frame = proto_read(cmd->conversation, "agent", cmd->seq);
    }
    bus_publish(&ev);
    frame_unref(ev.visitor_frame);
}

void conv_agent_frame(struct conn *c, const struct proto_cmd *cmd)
{
    if (!c->ready) {
        if (cmd->type == P_AUTH && !c->busy) {
            authenticate(c, cmd->token, cmd->id);
            return;
        }
        conv_send_error(c, cmd->id, "unauthorized", "authenticate first: {\"type\":\"auth\",\"token\":...}");
        conn_close_after_flush(c, CONN_CLOSE_UNAUTHORIZED);
        return;
    }
    int needs_conv = cmd->type == P_MESSAGE || cmd->type == P_TYPING || cmd->type == P_READ ||
                     cmd->type == P_CLOSE || cmd->type == P_CLAIM || cmd->type == P_TRANSFER;
    if (needs_conv && !cmd->conversation) {
        conv_send_error(c, cmd->id, "bad_request", "'conversation' is required");
        return;
    }
    switch (cmd->type) {
    case P_CLAIM: claim(c, cmd); break;
    case P_MESSAGE: reply(c, cmd); break;
    case P_TRANSFER: transfer(c, cmd); break;
    case P_CLOSE: close_conv(c, cmd); break;
    case P_TYPING:
    case P_READ: ephemeral(c, cmd); break;
    case P_STATUS: {
        int was = c->away;
        c->away = !strcmp(cmd->status, "away");
        conn_send_take(c, proto_ack(cmd->id, 0, 0, NULL));
        router_agent_status(c->agent_id, was, c->away);
        break;
    }
    case P_PING: conn_send_take(c, proto_ack(cmd->id, 0, 0, NULL)); break;
    case P_AUTH: conv_send_error(c, cmd->id, "bad_request", "already authenticated"); break;
    default: conv_send_error(c, cmd->id, "bad_request", "not an agent command"); break;
    }
}
