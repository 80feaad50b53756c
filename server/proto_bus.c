/*
 * Bus events as JSON for Redis. Node ids and origins are 64-bit, more than a
 * JSON number carries exactly everywhere, so they travel as hex strings.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "parley/proto_bus.h"
#include "proto_util.h"

static int put_frame(json_t *o, const char *key, struct frame *f)
{
    if (!f)
        return 0;
    return json_object_set_new(o, key, json_stringn((const char *)frame_data(f), f->len));
}

char *proto_bus_encode(const struct bus_event *ev, uint64_t node)
{
    char nbuf[20], obuf[20];
    snprintf(nbuf, sizeof(nbuf), "%" PRIx64, node);
    snprintf(obuf, sizeof(obuf), "%" PRIx64, ev->origin);
    json_t *o = json_pack("{s:s, s:s, s:i, s:s, s:i, s:I, s:I, s:s}", "n", nbuf, "t", ev->topic,
                          "k", (int)ev->kind, "c", ev->conversation ? ev->conversation : "",
                          "st", (int)ev->state, "a", (json_int_t)ev->agent_id,
                          "s", (json_int_t)ev->seq, "o", obuf);
    if (!o)
        return NULL;
    if (put_frame(o, "v", ev->visitor_frame) || put_frame(o, "g", ev->agent_frame) ||
        put_frame(o, "x", ev->target_frame)) {
        json_decref(o);
        return NULL;
    }
    return proto_dump_take(o);
}

char *proto_bus_encode_sync(const char *topic, uint64_t node)
{
    char nbuf[20];
    snprintf(nbuf, sizeof(nbuf), "%" PRIx64, node);
    return proto_dump_take(json_pack("{s:s, s:s, s:b}", "n", nbuf, "t", topic, "y", 1));
}

static struct frame *get_frame(json_t *o, const char *key, int *bad)
{
    json_t *v = json_object_get(o, key);
    if (!v)
        return NULL;
    if (!json_is_string(v)) {
        *bad = 1;
        return NULL;
    }
    struct frame *f = frame_new(json_string_value(v), json_string_length(v));
    if (!f)
        *bad = 1;
    return f;
}

int proto_bus_decode(const char *buf, size_t len, struct proto_bus_event *out)
{
    memset(out, 0, sizeof(*out));
    json_t *o = json_loadb(buf, len, 0, NULL);
    const char *n = NULL, *t = NULL, *c = NULL, *org = NULL;
    int kind = 0, state = 0, bad = 0;
    json_int_t agent = 0, seq = 0;
    if (o && json_is_true(json_object_get(o, "y"))) {
        if (json_unpack(o, "{s:s, s:s}", "n", &n, "t", &t) || !(out->topic = strdup(t))) {
            json_decref(o);
            return -1;
        }
        out->node = strtoull(n, NULL, 16);
        out->sync = 1;
        out->ev.topic = out->topic;
        json_decref(o);
        return 0;
    }
    if (!o || json_unpack(o, "{s:s, s:s, s:i, s:s, s:i, s:I, s:I, s:s}", "n", &n, "t", &t, "k",
                          &kind, "c", &c, "st", &state, "a", &agent, "s", &seq, "o", &org) ||
        kind < BUS_MESSAGE || kind > BUS_CONFIG || state < CONV_BOT || state >= CONV_STATE_COUNT) {
        json_decref(o);
        return -1;
    }
    out->node = strtoull(n, NULL, 16);
    out->ev.origin = strtoull(org, NULL, 16);
    out->ev.kind = (enum bus_kind)kind;
    out->ev.state = (enum conv_state)state;
    out->ev.agent_id = agent;
    out->ev.seq = seq;
    out->topic = strdup(t);
    out->conversation = *c ? strdup(c) : NULL;
    out->ev.visitor_frame = get_frame(o, "v", &bad);
    out->ev.agent_frame = get_frame(o, "g", &bad);
    out->ev.target_frame = get_frame(o, "x", &bad);
    if (!out->topic || (*c && !out->conversation))
        bad = 1;
    json_decref(o);                    /* n, t, c and o point into it: not used after */
    if (bad) {
        proto_bus_event_free(out);
        return -1;
    }
    out->ev.topic = out->topic;
    out->ev.conversation = out->conversation;
    return 0;
}

void proto_bus_event_free(struct proto_bus_event *e)
{
    if (!e)
        return;
    frame_unref(e->ev.visitor_frame);
    frame_unref(e->ev.agent_frame);
    frame_unref(e->ev.target_frame);
    free(e->topic);
    free(e->conversation);
    memset(e, 0, sizeof(*e));
}
