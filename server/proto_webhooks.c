/*
 * The webhook admin REST bodies (see proto_webhook.h). Rules checked here with
 * a message naming the field: the URL is http:// or https:// with a host (the
 * sender refuses every other scheme too, and the schema's CHECK is the
 * backstop), events are known names, given at most once each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "parley/proto_webhook.h"
#include "proto_util.h"

const char *const proto_webhook_events[] = {
    "conversation.created", "conversation.queued", "conversation.assigned",
    "conversation.closed", "conversation.offline", "message.created", "rating.created",
};
const size_t proto_webhook_event_count = PL_ARRAY_LEN(proto_webhook_events);

int proto_webhook_event_known(const char *name)
{
    for (size_t i = 0; name && i < proto_webhook_event_count; i++)
        if (!strcmp(name, proto_webhook_events[i]))
            return 1;
    return 0;
}

static int url_valid(const char *u, size_t n)
{
    size_t p = !strncmp(u, "http://", 7) ? 7 : !strncmp(u, "https://", 8) ? 8 : 0;
    if (!p || n > PROTO_WEBHOOK_URL_MAX || strlen(u) != n)
        return 0;
    if (!u[p] || u[p] == '/' || u[p] == ':' || u[p] == '?' || u[p] == '#')
        return 0;                                   /* no host */
    for (const unsigned char *c = (const unsigned char *)u; *c; c++)
        if (*c <= ' ' || *c == 0x7f)
            return 0;                               /* spaces, controls: not a URL */
    return 1;
}

/* The events array as a comma list ("" = every event). */
static pl_status take_events(json_t *v, char **out, char *field, size_t flen, char *msg,
                             size_t mlen)
{
    if (!json_is_array(v))
        return proto_bad(field, flen, "events", msg, mlen, "an array of event names");
    size_t i, total = 1;
    json_t *e;
    json_array_foreach(v, i, e) {
        const char *s = json_string_value(e);
        if (!proto_webhook_event_known(s)) {
            char m[256];
            snprintf(m, sizeof(m), "unknown event \"%.60s\": use conversation.created, "
                     "conversation.queued, conversation.assigned, conversation.closed, "
                     "conversation.offline, message.created or rating.created", s ? s : "");
            return proto_bad(field, flen, "events", msg, mlen, m);
        }
        for (size_t j = 0; j < i; j++)
            if (!strcmp(s, json_string_value(json_array_get(v, j))))
                return proto_bad(field, flen, "events", msg, mlen, "an event is listed twice");
        total += strlen(s) + 1;
    }
    char *list = calloc(1, total);
    if (!list)
        return PL_ERR_NOMEM;
    json_array_foreach(v, i, e) {
        if (i) strcat(list, ",");
        strcat(list, json_string_value(e));
    }
    *out = list;
    return PL_OK;
}

pl_status proto_webhook_decode(const char *body, size_t len, const struct store_webhook *keep,
                               struct rest_webhook *out, char *field, size_t flen, char *msg,
                               size_t mlen)
{
    memset(out, 0, sizeof(*out));
    json_t *o = proto_load_object(body, len, field, flen, msg, mlen);
    if (!o)
        return PL_ERR_BAD_REQUEST;
    pl_status s = PL_OK;
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v) {
        if (strcmp(key, "url") && strcmp(key, "events") && strcmp(key, "active")) {
            s = proto_bad(field, flen, key, msg, mlen, "unknown field");
            break;
        }
    }
    v = json_object_get(o, "url");
    if (s) {
    } else if (!v && keep) {
        if (!(out->url = strdup(keep->url))) s = PL_ERR_NOMEM;
    } else if (!json_is_string(v) || !url_valid(json_string_value(v), json_string_length(v))) {
        s = proto_bad(field, flen, "url", msg, mlen,
                      "required: an http:// or https:// URL with a host (2000 characters at most)");
    } else if (!(out->url = strdup(json_string_value(v)))) {
        s = PL_ERR_NOMEM;
    }
    v = json_object_get(o, "events");
    if (s) {
    } else if (v) {
        s = take_events(v, &out->events, field, flen, msg, mlen);
    } else if (!(out->events = strdup(keep ? keep->events : ""))) {
        s = PL_ERR_NOMEM;
    }
    v = json_object_get(o, "active");
    out->active = keep ? keep->active : 1;
    if (!s && v && !json_is_boolean(v))
        s = proto_bad(field, flen, "active", msg, mlen, "true or false");
    else if (!s && v)
        out->active = json_is_true(v);
    json_decref(o);
    if (s == PL_ERR_NOMEM)
        proto_bad(field, flen, "", msg, mlen, "out of memory");
    if (s)
        proto_webhook_free(out);
    return s;
}

void proto_webhook_free(struct rest_webhook *w)
{
    free(w->url);
    free(w->events);
    memset(w, 0, sizeof(*w));
}

static json_t *events_array(const char *list)
{
    json_t *a = json_array();
    for (const char *p = list; a && p && *p;) {
        const char *c = strchr(p, ',');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        json_array_append_new(a, json_stringn(p, n));
        p = c ? c + 1 : p + n;
    }
    return a;
}

static json_t *hook_object(const struct store_webhook *w, int with_secret)
{
    json_t *o = json_pack("{s:I,s:s,s:o,s:b,s:I}", "id", (json_int_t)w->id, "url", w->url,
                          "events", events_array(w->events), "active", w->active,
                          "created_at", (json_int_t)w->created_at);
    if (o && with_secret)
        json_object_set_new(o, "secret", json_string(w->secret));
    return o;
}

char *proto_webhook_json(const struct store_webhook *w, int with_secret)
{
    return proto_dump_take(hook_object(w, with_secret));
}

char *proto_webhook_list_json(const struct store_webhook_list *l)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < l->n; i++)
        json_array_append_new(a, hook_object(&l->v[i], 0));
    return a ? proto_dump_take(json_pack("{s:o}", "webhooks", a)) : NULL;
}

static json_t *int_or_null(int64_t v)
{
    return v ? json_integer(v) : json_null();
}

char *proto_delivery_list_json(const struct store_delivery_list *l)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < l->n; i++) {
        const struct store_delivery *d = &l->v[i];
        json_array_append_new(a, json_pack(
            "{s:I,s:s,s:s,s:i,s:o,s:o,s:o,s:I,s:o}", "id", (json_int_t)d->id, "event", d->event,
            "status", store_delivery_status_name(d->status), "attempts", d->attempts,
            "last_status_code", int_or_null(d->last_status_code),
            "last_error", d->last_error ? json_string(d->last_error) : json_null(),
            "next_attempt_at", d->status == DELIVERY_PENDING ? json_integer(d->next_attempt_at)
                                                             : json_null(),
            "created_at", (json_int_t)d->created_at, "delivered_at", int_or_null(d->delivered_at)));
    }
    return a ? proto_dump_take(json_pack("{s:o}", "deliveries", a)) : NULL;
}
