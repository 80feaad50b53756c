/*
 * JSON shapes of stored things (messages, conversations, agents), shared by the
 * WebSocket frames and the REST answers so that a message looks the same in a
 * live event, a welcome replay and a transcript download.
 */
#include <stdlib.h>
#include <string.h>
#include "proto_util.h"

size_t proto_utf8_chars(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n;
}

int proto_has_visible(const char *s)
{
    for (; *s; s++)
        if (!strchr(" \t\r\n\f\v", *s))
            return 1;
    return 0;
}

char *proto_dump_take(json_t *o)
{
    if (!o)
        return NULL;
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

struct frame *proto_frame_take(json_t *o)
{
    return frame_from_string(proto_dump_take(o));
}

static void set_str(json_t *o, const char *key, const char *v)
{
    if (v)
        json_object_set_new(o, key, json_string(v));
}

static void set_time(json_t *o, const char *key, int64_t ms)
{
    json_object_set_new(o, key, ms ? json_integer(ms) : json_null());
}

/* A bot message's meta (matched keywords, choices) is stored as JSON text. */
static void add_meta(json_t *o, const char *meta, enum proto_view view)
{
    if (!meta)
        return;
    json_t *m = json_loads(meta, 0, NULL);
    if (!json_is_object(m)) {
        json_decref(m);
        return;
    }
    json_t *choices = json_object_get(m, "choices");
    if (choices)
        json_object_set(o, "choices", choices);
    json_t *matched = json_object_get(m, "matched");
    if (matched && view == VIEW_AGENT)
        json_object_set(o, "matched", matched);
    json_decref(m);
}

json_t *proto_message_json(const struct store_message *m, enum proto_view view)
{
    json_t *author = json_pack("{s:s}", "role", m->role);
    json_t *o = json_pack("{s:s, s:s, s:o, s:s, s:I}", "type", "message", "conversation",
                          m->conversation, "author", author, "text", m->text, "ts",
                          (json_int_t)m->ts);
    if (!o)
        return NULL;
    set_str(author, "name", m->author_name);
    if (view == VIEW_AGENT)
        set_str(author, "id", m->author_id);
    set_str(o, "id", m->client_id);
    if (m->note_seq > 0) {
        json_object_set_new(o, "note", json_true());
        json_object_set_new(o, "note_seq", json_integer(m->note_seq));
        json_object_set_new(o, "after_seq", json_integer(m->after_seq));
    } else {
        json_object_set_new(o, "seq", json_integer(m->seq));
    }
    if (m->faq_id) {
        json_object_set_new(o, "faq", json_pack("{s:s, s:f}", "id", m->faq_id, "score",
                                                m->faq_score));
        if (view == VIEW_AGENT && m->helpful >= 0)
            json_object_set_new(o, "helpful", json_boolean(m->helpful));
    }
    add_meta(o, m->meta_json, view);
    return o;
}

json_t *proto_messages_json(const struct store_message_list *l, enum proto_view view)
{
    json_t *a = json_array();
    for (size_t i = 0; a && l && i < l->n; i++)
        if (view == VIEW_AGENT || l->v[i].note_seq == 0)
            json_array_append_new(a, proto_message_json(&l->v[i], view));
    return a;
}

json_t *proto_conversation_json(const struct store_conversation *c, enum proto_view view)
{
    json_t *o = json_pack("{s:s, s:s, s:I}", "id", c->id, "state", conv_state_name(c->state),
                          "last_seq", (json_int_t)c->last_seq);
    if (!o)
        return NULL;
    set_time(o, "created_at", c->created_at);
    set_time(o, "closed_at", c->closed_at);
    set_str(o, "agent_name", c->agent_name);
    if (view == VIEW_VISITOR)
        return o;
    json_t *v = json_object();
    set_str(v, "id", c->visitor_id);
    set_str(v, "name", c->visitor_name);
    set_str(v, "email", c->visitor_email);
    set_str(v, "locale", c->locale);
    set_str(v, "page", c->page);
    json_object_set_new(o, "visitor", v);
    set_str(o, "visitor_name", c->visitor_name);
    set_str(o, "visitor_email", c->visitor_email);
    set_str(o, "locale", c->locale);
    set_str(o, "page", c->page);
    json_object_set_new(o, "agent_id", c->agent_id ? json_integer(c->agent_id) : json_null());
    set_time(o, "queued_at", c->queued_at);
    set_time(o, "assigned_at", c->assigned_at);
    json_object_set_new(o, "rated", json_boolean(c->rated));
    /* Teams: agents only (a visitor's view leaves routing out). */
    json_object_set_new(o, "team", c->team_id && c->team_name
                                       ? json_pack("{s:I, s:s}", "id", (json_int_t)c->team_id,
                                                   "name", c->team_name)
                                       : json_null());
    return o;
}

json_t *proto_agent_json(const struct store_agent *a)
{
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:b, s:i}", "id", (json_int_t)a->id, "name",
                          a->name ? a->name : "", "email", a->email ? a->email : "", "role",
                          a->role ? a->role : "agent", "active", a->active, "capacity",
                          a->capacity);
    return o;
}

char *proto_bot_meta(const struct faq_match *m, int chosen)
{
    json_t *o = json_object(), *arr = json_array();
    if (!o || !arr) {
        json_decref(o);
        json_decref(arr);
        return NULL;
    }
    if (m->n_choices) {
        for (size_t i = 0; i < m->n_choices; i++)
            json_array_append_new(arr, json_pack("{s:s, s:s}", "faq", m->choices[i]->id,
                                                 "question", m->choices[i]->question));
        json_object_set_new(o, "choices", arr);
    } else {
        for (size_t i = 0; i < m->n_matched; i++)
            json_array_append_new(arr, json_string(m->matched[i]));
        json_object_set_new(o, "matched", arr);
    }
    if (chosen)
        json_object_set_new(o, "chosen", json_true());
    return proto_dump_take(o);
}

pl_status proto_bad(char *field, size_t flen, const char *f, char *msg, size_t mlen, const char *m)
{
    snprintf(field, flen, "%s", f);
    snprintf(msg, mlen, "%s", m);
    return PL_ERR_BAD_REQUEST;
}

json_t *proto_load_object(const char *body, size_t len, char *field, size_t flen, char *msg,
                          size_t mlen)
{
    json_error_t e;
    json_t *o = body ? json_loadb(body, len, JSON_REJECT_DUPLICATES, &e) : NULL;
    if (!json_is_object(o)) {
        json_decref(o);
        proto_bad(field, flen, "", msg, mlen, "the body must be a JSON object");
        return NULL;
    }
    return o;
}
