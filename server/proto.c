/*
 * The WebSocket frame codec (see proto.h).
 *
 * Decoding checks each command's fields against one table entry for its type, so
 * a new command is a row plus a switch case, and an unknown or malformed frame
 * never reaches the conversation logic. The request id is read first, so even a
 * refused frame is answered with the id the client is waiting for.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <jansson.h>
#include "parley/proto.h"
#include "proto_util.h"

struct type_row { const char *name; enum proto_type type; };
static const struct type_row types[] = {
    {"hello", P_HELLO}, {"message", P_MESSAGE}, {"choose", P_CHOOSE}, {"feedback", P_FEEDBACK},
    {"handoff", P_HANDOFF}, {"typing", P_TYPING}, {"read", P_READ}, {"close", P_CLOSE},
    {"rating", P_RATING}, {"start", P_START}, {"auth", P_AUTH}, {"claim", P_CLAIM},
    {"transfer", P_TRANSFER}, {"status", P_STATUS}, {"ping", P_PING},
    {"contact", P_CONTACT},
};

struct decode_err { const char **code; char *msg; size_t len; };

static pl_status fail(struct decode_err *e, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static pl_status fail(struct decode_err *e, const char *code, const char *fmt, ...)
{
    va_list ap;
    *e->code = code;
    va_start(ap, fmt);
    vsnprintf(e->msg, e->len, fmt, ap);
    va_end(ap);
    return PL_ERR_BAD_REQUEST;
}

/* Optional string field of at most max characters; required ones fail when absent. */
static pl_status get_str(json_t *root, const char *key, int required, size_t max,
                         const char **out, struct decode_err *e)
{
    json_t *v = json_object_get(root, key);
    if (!v || json_is_null(v)) {
        *out = NULL;
        return required ? fail(e, "bad_request", "'%s' is required", key) : PL_OK;
    }
    if (!json_is_string(v))
        return fail(e, "bad_request", "'%s' must be a string", key);
    if (proto_utf8_chars(json_string_value(v), json_string_length(v)) > max)
        return fail(e, "too_large", "'%s' is too long", key);
    *out = json_string_value(v);
    return PL_OK;
}

static pl_status get_int(json_t *root, const char *key, int required, int64_t lo, int64_t hi,
                         int64_t *out, struct decode_err *e)
{
    json_t *v = json_object_get(root, key);
    if (!v) {
        *out = 0;
        return required ? fail(e, "bad_request", "'%s' is required", key) : PL_OK;
    }
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return fail(e, "bad_request", "'%s' must be an integer in range", key);
    *out = json_integer_value(v);
    return PL_OK;
}

static pl_status get_bool(json_t *root, const char *key, int required, int *out,
                          struct decode_err *e)
{
    json_t *v = json_object_get(root, key);
    if (!v) {
        *out = 0;
        return required ? fail(e, "bad_request", "'%s' is required", key) : PL_OK;
    }
    if (!json_is_boolean(v))
        return fail(e, "bad_request", "'%s' must be true or false", key);
    *out = json_is_true(v);
    return PL_OK;
}

/* An optional team id: absent or null is none. */
static pl_status get_team(json_t *root, struct proto_cmd *c, struct decode_err *e)
{
    json_t *v = json_object_get(root, "team");
    if (!v || json_is_null(v))
        return PL_OK;
    if (!json_is_integer(v) || json_integer_value(v) < 1)
        return fail(e, "bad_request", "'%s' must be a team id (a positive integer)", "team");
    c->team = json_integer_value(v);
    return PL_OK;
}

static pl_status decode_text(json_t *root, struct proto_cmd *c, struct decode_err *e)
{
    pl_status s = get_str(root, "text", 1, PROTO_MAX_TEXT, &c->text, e);
    if (s)
        return s;
    if (!proto_has_visible(c->text))
        return fail(e, "bad_request", "'%s' must not be empty", "text");
    return PL_OK;
}

static pl_status decode_fields(json_t *root, struct proto_cmd *c, struct decode_err *e)
{
    pl_status s = PL_OK;
    int64_t n = 0;
    switch (c->type) {
    case P_HELLO: {
        json_t *t = json_object_get(root, "token");
        if (t && !json_is_null(t) && !json_is_string(t))
            return fail(e, "bad_request", "'%s' must be a string or null", "token");
        if ((s = get_str(root, "token", 0, 256, &c->token, e)) ||
            (s = get_int(root, "last_seq", 0, 0, INT64_MAX, &c->last_seq, e)) ||
            (s = get_str(root, "name", 0, 100, &c->name, e)) ||
            (s = get_str(root, "email", 0, 254, &c->email, e)) ||
            (s = get_str(root, "locale", 0, 35, &c->locale, e)) ||
            (s = get_str(root, "page", 0, 2048, &c->page, e)) ||
            (s = get_str(root, "conversation", 0, 64, &c->conversation, e)) ||
            (s = get_str(root, "user_id", 0, 128, &c->user_id, e)) ||
            (s = get_str(root, "user_hash", 0, 128, &c->user_hash, e)))
            return s;
        return get_team(root, c, e);
    }
    case P_MESSAGE:
        if ((s = decode_text(root, c, e)) ||
            (s = get_str(root, "conversation", 0, 64, &c->conversation, e)))
            return s;
        return get_bool(root, "note", 0, &c->note, e);
    case P_CHOOSE:
        return get_str(root, "faq", 1, 64, &c->faq, e);
    case P_FEEDBACK:
        if ((s = get_int(root, "seq", 1, 1, INT64_MAX, &c->seq, e)))
            return s;
        return get_bool(root, "helpful", 1, &c->helpful, e);
    case P_TYPING:
        if ((s = get_bool(root, "on", 1, &c->on, e)))
            return s;
        return get_str(root, "conversation", 0, 64, &c->conversation, e);
    case P_READ:
        if ((s = get_int(root, "seq", 1, 0, INT64_MAX, &c->seq, e)))
            return s;
        return get_str(root, "conversation", 0, 64, &c->conversation, e);
    case P_CONTACT:
        if ((s = get_str(root, "email", 1, 254, &c->email, e)))
            return s;
        return get_str(root, "name", 0, 100, &c->name, e);
    case P_HANDOFF:
        if ((s = get_team(root, c, e)))
            return s;
        return get_str(root, "conversation", 0, 64, &c->conversation, e);
    case P_CLOSE:
    case P_START:
    case P_PING:
        return get_str(root, "conversation", 0, 64, &c->conversation, e);
    case P_RATING:
        if ((s = get_int(root, "score", 1, 1, 5, &n, e)))
            return s;
        c->score = (int)n;
        return get_str(root, "comment", 0, 2000, &c->comment, e);
    case P_AUTH:
        return get_str(root, "token", 1, 256, &c->token, e);
    case P_CLAIM:
        return get_str(root, "conversation", 1, 64, &c->conversation, e);
    case P_TRANSFER: {
        json_t *to = json_object_get(root, "to");
        if ((s = get_team(root, c, e)))
            return s;
        if (c->team && to && !json_is_null(to))
            return fail(e, "bad_request", "give '%s' or 'team', not both", "to");
        if ((s = get_str(root, "note", 0, PROTO_MAX_TEXT, &c->note_text, e)))
            return s;
        if (c->note_text && !proto_has_visible(c->note_text))
            return fail(e, "bad_request", "'%s' must not be empty", "note");
        if (c->team)
            return get_str(root, "conversation", 1, 64, &c->conversation, e);
        if (!to)
            return fail(e, "bad_request", "'%s' is required (an agent id or null)", "to");
        if (!json_is_null(to) && (!json_is_integer(to) || json_integer_value(to) < 1))
            return fail(e, "bad_request", "'%s' must be an agent id or null", "to");
        c->to = json_is_null(to) ? 0 : json_integer_value(to);
        return get_str(root, "conversation", 1, 64, &c->conversation, e);
    }
    case P_STATUS:
        if ((s = get_str(root, "status", 1, 16, &c->status, e)))
            return s;
        if (strcmp(c->status, "online") && strcmp(c->status, "away"))
            return fail(e, "bad_request", "'%s' must be online or away", "status");
        return PL_OK;
    }
    return PL_OK;
}

pl_status proto_decode(const char *buf, size_t len, struct proto_cmd *c, const char **code,
                       char *msg, size_t msg_len)
{
    struct decode_err e = {code, msg, msg_len};
    memset(c, 0, sizeof(*c));
    if (len > PROTO_MAX_FRAME)
        return fail(&e, "too_large", "frames are limited to %s bytes", "65536");
    json_error_t jerr;
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        *code = "bad_json";
        snprintf(msg, msg_len, "invalid JSON: %s", jerr.text);
        return PL_ERR_BAD_REQUEST;
    }
    c->root_ = root;
    if (!json_is_object(root))
        return fail(&e, "bad_request", "a frame must be a JSON %s", "object");
    json_t *id = json_object_get(root, "id");
    if (id && !json_is_null(id)) {
        if (!json_is_string(id) || json_string_length(id) == 0 ||
            proto_utf8_chars(json_string_value(id), json_string_length(id)) > PROTO_MAX_ID)
            return fail(&e, "bad_request", "'%s' must be a string of 1 to 64 characters", "id");
        c->id = json_string_value(id);
    }
    const char *type = json_string_value(json_object_get(root, "type"));
    if (!type)
        return fail(&e, "bad_request", "'%s' is required and must be a string", "type");
    size_t i;
    for (i = 0; i < PL_ARRAY_LEN(types) && strcmp(types[i].name, type); i++) {}
    if (i == PL_ARRAY_LEN(types))
        return fail(&e, "bad_request", "unknown type '%.40s'", type);
    c->type = types[i].type;
    return decode_fields(root, c, &e);
}

void proto_cmd_free(struct proto_cmd *c)
{
    if (c->root_)
        json_decref((json_t *)c->root_);
    memset(c, 0, sizeof(*c));
}

/* ---- encoders ---- */

struct frame *proto_error(const char *id, const char *code, const char *msg)
{
    json_t *o = json_pack("{s:s, s:s, s:s}", "type", "error", "code", code, "message", msg);
    if (o && id)
        json_object_set_new(o, "id", json_string(id));
    return proto_frame_take(o);
}

struct frame *proto_ack_json(const char *id, int64_t seq, int64_t note_seq, const char *conversation)
{
    json_t *o = json_pack("{s:s}", "type", "ack");
    if (!o)
        return NULL;
    if (id)
        json_object_set_new(o, "id", json_string(id));
    if (seq > 0)
        json_object_set_new(o, "seq", json_integer(seq));
    if (note_seq > 0)
        json_object_set_new(o, "note_seq", json_integer(note_seq));
    if (conversation)
        json_object_set_new(o, "conversation", json_string(conversation));
    return proto_frame_take(o);
}

struct frame *proto_welcome(const char *id, const char *token, const struct store_conversation *c,
                            const struct store_message_list *msgs, int more)
{
    json_t *o = json_pack("{s:s, s:s, s:o, s:o}", "type", "welcome", "token", token,
                          "conversation", proto_conversation_json(c, VIEW_VISITOR),
                          "messages", proto_messages_json(msgs, VIEW_VISITOR));
    if (o && more)
        json_object_set_new(o, "more", json_true());
    if (o && id)
        json_object_set_new(o, "id", json_string(id));
    return proto_frame_take(o);
}

struct frame *proto_state(const struct store_conversation *c, enum proto_view view)
{
    json_t *o = json_pack("{s:s, s:s, s:s}", "type", "state", "conversation", c->id, "state",
                          conv_state_name(c->state));
    if (!o)
        return NULL;
    if (c->agent_name)
        json_object_set_new(o, "agent_name", json_string(c->agent_name));
    if (view == VIEW_AGENT) {
        json_object_set_new(o, "agent_id", c->agent_id ? json_integer(c->agent_id) : json_null());
        /* The routing, so a dashboard keeps its team lists current from events alone. */
        json_object_set_new(o, "team", c->team_id && c->team_name
                                           ? json_pack("{s:I, s:s}", "id", (json_int_t)c->team_id,
                                                       "name", c->team_name)
                                           : json_null());
    }
    return proto_frame_take(o);
}

struct frame *proto_typing(const char *conv, const char *role, const char *name, int on)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:b}", "type", "typing", "conversation", conv,
                          "role", role, "on", on);
    if (o && name)
        json_object_set_new(o, "name", json_string(name));
    return proto_frame_take(o);
}

struct frame *proto_read(const char *conv, const char *role, int64_t seq)
{
    return proto_frame_take(json_pack("{s:s, s:s, s:s, s:I}", "type", "read", "conversation", conv,
                                      "role", role, "seq", (json_int_t)seq));
}

struct frame *proto_conversation_event(const char *type, const struct store_conversation *c,
                                       const struct store_message_list *transcript)
{
    json_t *conv = proto_conversation_json(c, VIEW_AGENT);
    if (conv)
        json_object_set_new(conv, "transcript", proto_messages_json(transcript, VIEW_AGENT));
    return proto_frame_take(json_pack("{s:s, s:o}", "type", type, "conversation", conv));
}

static json_t *with_transcripts(const struct store_conversation_list *l,
                                const struct store_message_list *msgs)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < l->n; i++) {
        json_t *c = proto_conversation_json(&l->v[i], VIEW_AGENT);
        if (c)
            json_object_set_new(c, "transcript", proto_messages_json(&msgs[i], VIEW_AGENT));
        json_array_append_new(a, c);
    }
    return a;
}

struct frame *proto_ready(const struct store_agent *a, const char *status,
                          const struct store_conversation_list *queue,
                          const struct store_message_list *queue_msgs,
                          const struct store_conversation_list *mine,
                          const struct store_message_list *mine_msgs)
{
    json_t *o = json_pack("{s:s, s:o, s:s, s:o, s:o}", "type", "ready",
                          "agent", proto_agent_json(a), "status", status,
                          "queue", with_transcripts(queue, queue_msgs),
                          "assigned", with_transcripts(mine, mine_msgs));
    return proto_frame_take(o);
}

struct frame *proto_presence(int64_t agent_id, const char *status)
{
    return proto_frame_take(json_pack("{s:s, s:I, s:s}", "type", "presence", "agent_id",
                                      (json_int_t)agent_id, "status", status));
}

struct frame *proto_queue_position(const char *conv, int position, int64_t eta_ms, int online)
{
    return proto_frame_take(json_pack("{s:s, s:s, s:i, s:o, s:i}", "type", "queue",
                                      "conversation", conv, "position", position,
                                      "estimated_wait_ms",
                                      eta_ms < 0 ? json_null() : json_integer(eta_ms),
                                      "agents_online", online));
}
