/*
 * REST bodies (see proto_rest.h). Requests are parsed as strictly as frames:
 * duplicate keys are refused and every error names its field.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "parley/faq.h"
#include "parley/proto_rest.h"
#include "proto_util.h"

/* A required string field, copied. */
static pl_status take_str(json_t *o, const char *key, size_t max, char **out, char *field,
                          size_t flen, char *msg, size_t mlen)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v) || json_string_length(v) == 0)
        return proto_bad(field, flen, key, msg, mlen, "required: a non-empty string");
    if (json_string_length(v) > max)
        return proto_bad(field, flen, key, msg, mlen, "too long");
    *out = strdup(json_string_value(v));
    return *out ? PL_OK : PL_ERR_NOMEM;
}

pl_status proto_rest_login(const char *body, size_t len, struct rest_login *out, char *field,
                           size_t flen, char *msg, size_t mlen)
{
    memset(out, 0, sizeof(*out));
    json_t *o = proto_load_object(body, len, field, flen, msg, mlen);
    if (!o)
        return PL_ERR_BAD_REQUEST;
    pl_status s = take_str(o, "email", 254, &out->email, field, flen, msg, mlen);
    if (!s)
        s = take_str(o, "password", 1024, &out->password, field, flen, msg, mlen);
    json_decref(o);
    if (s)
        proto_rest_login_free(out);
    return s;
}

void proto_rest_login_free(struct rest_login *l)
{
    free(l->email);
    if (l->password)
        memset(l->password, 0, strlen(l->password));
    free(l->password);
    memset(l, 0, sizeof(*l));
}

pl_status proto_rest_new_agent(const char *body, size_t len, struct rest_new_agent *out,
                               char *field, size_t flen, char *msg, size_t mlen)
{
    memset(out, 0, sizeof(*out));
    json_t *o = proto_load_object(body, len, field, flen, msg, mlen);
    if (!o)
        return PL_ERR_BAD_REQUEST;
    pl_status s = take_str(o, "email", 254, &out->email, field, flen, msg, mlen);
    if (!s && !strchr(out->email, '@'))
        s = proto_bad(field, flen, "email", msg, mlen, "not an e-mail address");
    if (!s)
        s = take_str(o, "name", 100, &out->name, field, flen, msg, mlen);
    if (!s)
        s = take_str(o, "password", 1024, &out->password, field, flen, msg, mlen);
    if (!s && strlen(out->password) < 10)
        s = proto_bad(field, flen, "password", msg, mlen, "at least 10 characters");
    json_t *role = json_object_get(o, "role");
    if (!s && role && !json_is_string(role))
        s = proto_bad(field, flen, "role", msg, mlen, "must be \"agent\" or \"admin\"");
    if (!s) {
        const char *r = role ? json_string_value(role) : "agent";
        if (strcmp(r, "agent") && strcmp(r, "admin"))
            s = proto_bad(field, flen, "role", msg, mlen, "must be \"agent\" or \"admin\"");
        else if (!(out->role = strdup(r)))
            s = PL_ERR_NOMEM;
    }
    json_decref(o);
    if (s)
        proto_rest_new_agent_free(out);
    return s;
}

void proto_rest_new_agent_free(struct rest_new_agent *a)
{
    free(a->email);
    free(a->name);
    if (a->password)
        memset(a->password, 0, strlen(a->password));
    free(a->password);
    free(a->role);
    memset(a, 0, sizeof(*a));
}

char *proto_rest_error(const char *code, const char *msg, const char *field)
{
    json_t *e = json_pack("{s:s, s:s}", "code", code, "message", msg);
    if (e && field && *field)
        json_object_set_new(e, "field", json_string(field));
    return proto_dump_take(json_pack("{s:o}", "error", e));
}

char *proto_rest_login_ok(const char *token, const struct store_agent *a)
{
    return proto_dump_take(json_pack("{s:s, s:o}", "token", token, "agent", proto_agent_json(a)));
}

char *proto_rest_agent(const struct store_agent *a) { return proto_dump_take(proto_agent_json(a)); }

char *proto_rest_agents(const struct store_agent_list *l)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < l->n; i++)
        json_array_append_new(arr, proto_agent_json(&l->v[i]));
    return proto_dump_take(json_pack("{s:o}", "agents", arr));
}

char *proto_rest_conversations(const struct store_conversation_list *l)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < l->n; i++)
        json_array_append_new(arr, proto_conversation_json(&l->v[i], VIEW_AGENT));
    return proto_dump_take(json_pack("{s:o}", "conversations", arr));
}

char *proto_rest_transcript(const struct store_conversation *c, const struct store_message_list *m)
{
    return proto_dump_take(json_pack("{s:o, s:o}", "conversation",
                                     proto_conversation_json(c, VIEW_AGENT), "messages",
                                     proto_messages_json(m, VIEW_AGENT)));
}

struct text { char *p; size_t len, cap; int oom; };

static void put(struct text *t, const char *s)
{
    size_t n = strlen(s);
    if (t->oom)
        return;
    if (t->len + n + 1 > t->cap) {
        size_t cap = (t->cap + n + 1) * 2;
        char *p = realloc(t->p, cap);
        if (!p) {
            t->oom = 1;
            return;
        }
        t->p = p;
        t->cap = cap;
    }
    memcpy(t->p + t->len, s, n + 1);
    t->len += n;
}

static void put_time(struct text *t, int64_t ms)
{
    char buf[32];
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);
    put(t, buf);
}

char *proto_rest_transcript_text(const struct store_conversation *c,
                                 const struct store_message_list *m)
{
    struct text t = {0};
    put(&t, "Conversation ");
    put(&t, c->id);
    if (c->visitor_name) {
        put(&t, " with ");
        put(&t, c->visitor_name);
    }
    put(&t, "\nStarted ");
    put_time(&t, c->created_at);
    put(&t, "\n\n");
    for (size_t i = 0; i < m->n; i++) {
        const struct store_message *x = &m->v[i];
        put(&t, "[");
        put_time(&t, x->ts);
        put(&t, "] ");
        put(&t, x->note_seq ? "(private note) " : "");
        put(&t, x->author_name ? x->author_name : x->role);
        put(&t, " (");
        put(&t, x->role);
        put(&t, "): ");
        put(&t, x->text);
        put(&t, "\n");
    }
    if (t.oom) {
        free(t.p);
        return NULL;
    }
    return t.p ? t.p : strdup("");
}

char *proto_rest_faq_list(const struct store_faq_list *l)
{
    struct text t = {0};
    put(&t, "[");
    for (size_t i = 0; i < l->n; i++) {
        if (i)
            put(&t, ",");
        put(&t, l->v[i].json);
    }
    put(&t, "]");
    if (t.oom) {
        free(t.p);
        return NULL;
    }
    return t.p;
}

char *proto_rest_health(int store_ok, int bus_ok)
{
    if (store_ok && bus_ok)
        return proto_dump_take(json_pack("{s:s}", "status", "ok"));
    return proto_dump_take(json_pack("{s:s, s:s, s:s}", "status", "degraded", "store",
                                     store_ok ? "ok" : "down", "bus", bus_ok ? "ok" : "down"));
}

pl_status proto_rest_agent_update(const char *body, size_t len, struct rest_agent_update *out,
                                  char *field, size_t flen, char *msg, size_t mlen)
{
    memset(out, 0, sizeof(*out));
    out->capacity = out->active = -1;
    json_t *o = proto_load_object(body, len, field, flen, msg, mlen), *v;
    if (!o)
        return PL_ERR_BAD_REQUEST;
    pl_status s = PL_OK;
    const char *key;
    json_object_foreach(o, key, v) {
        if (!strcmp(key, "name") || !strcmp(key, "role")) {
            s = take_str(o, key, 100, !strcmp(key, "name") ? &out->name : &out->role, field, flen,
                         msg, mlen);
            if (!s && out->role && strcmp(out->role, "agent") && strcmp(out->role, "admin"))
                s = proto_bad(field, flen, "role", msg, mlen, "must be \"agent\" or \"admin\"");
        } else if (!strcmp(key, "capacity")) {
            if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 1000)
                s = proto_bad(field, flen, key, msg, mlen, "an integer from 0 to 1000");
            else
                out->capacity = (int)json_integer_value(v);
        } else if (!strcmp(key, "active")) {
            if (!json_is_boolean(v))
                s = proto_bad(field, flen, key, msg, mlen, "true or false");
            else
                out->active = json_is_true(v);
        } else {
            s = proto_bad(field, flen, key, msg, mlen, "not a field of an agent that can be changed");
        }
        if (s)
            break;
    }
    json_decref(o);
    if (s)
        proto_rest_agent_update_free(out);
    return s;
}

void proto_rest_agent_update_free(struct rest_agent_update *u)
{
    free(u->name);
    free(u->role);
    u->name = u->role = NULL;
}

/* An array of at most 200 strings of 1 to 100 characters, copied. */
static pl_status take_phrases(json_t *v, char ***out, size_t *n, char *field, size_t flen,
                              char *msg, size_t mlen)
{
    char name[48];
    *out = NULL;
    *n = 0;
    if (!json_is_array(v))
        return proto_bad(field, flen, "human_phrases", msg, mlen, "must be an array of strings");
    if (json_array_size(v) > FAQ_MAX_EXTRA_PHRASES)
        return proto_bad(field, flen, "human_phrases", msg, mlen, "at most 200 phrases");
    if (json_array_size(v) && !(*out = calloc(json_array_size(v), sizeof(**out))))
        return PL_ERR_NOMEM;
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) {
        snprintf(name, sizeof(name), "human_phrases[%zu]", i);
        if (!json_is_string(x))
            return proto_bad(field, flen, name, msg, mlen, "must be a string");
        size_t chars = proto_utf8_chars(json_string_value(x), json_string_length(x));
        if (chars < FAQ_PHRASE_MIN_CHARS || chars > FAQ_PHRASE_MAX_CHARS ||
            strlen(json_string_value(x)) != json_string_length(x))
            return proto_bad(field, flen, name, msg, mlen, "must be 1 to 100 characters");
        if (!((*out)[i] = strdup(json_string_value(x))))
            return PL_ERR_NOMEM;
        *n = i + 1;
    }
    return PL_OK;
}

static void free_phrases(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

pl_status proto_rest_settings(const char *body, size_t len, struct rest_settings *out,
                              char *field, size_t flen, char *msg, size_t mlen)
{
    memset(out, 0, sizeof(*out));
    json_t *o = proto_load_object(body, len, field, flen, msg, mlen), *v;
    if (!o)
        return PL_ERR_BAD_REQUEST;
    pl_status s = PL_OK;
    const char *key;
    json_object_foreach(o, key, v) {
        if (!strcmp(key, "human_phrases")) {
            out->has_human_phrases = 1;
            s = take_phrases(v, &out->human_phrases, &out->n_human_phrases, field, flen, msg,
                             mlen);
        } else if (strcmp(key, "assignment")) {
            s = proto_bad(field, flen, key, msg, mlen, "not a setting");
        } else if (!json_is_string(v) ||
                   (strcmp(json_string_value(v), "manual") && strcmp(json_string_value(v), "auto"))) {
            s = proto_bad(field, flen, key, msg, mlen, "must be \"manual\" or \"auto\"");
        } else if (!(out->assignment = strdup(json_string_value(v)))) {
            s = PL_ERR_NOMEM;
        }
        if (s)
            break;
    }
    json_decref(o);
    if (s)
        proto_rest_settings_free(out);
    return s;
}

void proto_rest_settings_free(struct rest_settings *s)
{
    free(s->assignment);
    free_phrases(s->human_phrases, s->n_human_phrases);
    memset(s, 0, sizeof(*s));
}

static json_t *phrases_array(const char *const *phrases, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        if (json_array_append_new(a, json_string(phrases[i]))) {
            json_decref(a);
            return NULL;
        }
    return a;
}

char *proto_rest_settings_json(int auto_assign, const char *const *phrases, size_t n)
{
    json_t *a = phrases_array(phrases, n);
    return a ? proto_dump_take(json_pack("{s:s,s:o}", "assignment", auto_assign ? "auto" : "manual",
                                         "human_phrases", a))
             : NULL;
}

char *proto_rest_phrases_json(const char *const *phrases, size_t n)
{
    return proto_dump_take(phrases_array(phrases, n));
}

/* Declared in faq.h: the stored setting, decoded here where the JSON is. */
pl_status faq_apply_stored_human_phrases(const char *json, char *field, size_t flen, char *msg,
                                         size_t mlen)
{
    json_error_t e;
    json_t *v = json ? json_loads(json, 0, &e) : NULL;
    char **list = NULL;
    size_t n = 0;
    pl_status s = v ? take_phrases(v, &list, &n, field, flen, msg, mlen)
                    : proto_bad(field, flen, "human_phrases", msg, mlen, "not a JSON array");
    json_decref(v);
    if (!s)
        s = faq_set_extra_human_phrases((const char *const *)list, n, field, flen, msg, mlen);
    free_phrases(list, n);
    return s;
}

char *proto_rest_agents_status(const struct store_agent_list *l, const char *const *status)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < l->n; i++) {
        json_t *a = proto_agent_json(&l->v[i]);
        if (a && status)
            json_object_set_new(a, "status", json_string(status[i]));
        json_array_append_new(arr, a);
    }
    return proto_dump_take(json_pack("{s:o}", "agents", arr));
}

static json_t *str_or_null(const char *s)
{
    json_t *v = s ? json_string(s) : NULL;
    return v ? v : json_null();
}

char *proto_rest_visitor_conversations(const char *visitor_id,
                                       const struct store_visitor_conv_list *l,
                                       const int *readable)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < l->n; i++) {
        const struct store_visitor_conv *c = &l->v[i];
        json_t *o = json_pack("{s:s, s:s, s:b}", "id", c->id, "state", conv_state_name(c->state),
                              "readable", readable[i]);
        if (!o) continue;
        json_object_set_new(o, "created_at", json_integer(c->created_at));
        json_object_set_new(o, "closed_at", c->closed_at ? json_integer(c->closed_at) : json_null());
        json_object_set_new(o, "agent_id", c->agent_id ? json_integer(c->agent_id) : json_null());
        json_object_set_new(o, "agent_name", str_or_null(c->agent_name));
        json_object_set_new(o, "preview", str_or_null(readable[i] ? c->preview : NULL));
        json_array_append_new(arr, o);
    }
    return proto_dump_take(json_pack("{s:s, s:o}", "visitor_id", visitor_id, "conversations", arr));
}
