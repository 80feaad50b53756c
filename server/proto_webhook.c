/*
 * Webhook event payloads (see proto_webhook.h). The conversation and message
 * objects are the dashboard's own (proto_conversation_json, VIEW_AGENT), so an
 * integrator reads the same fields the REST API gives; notes never get here
 * (webhook.c emits visible messages only).
 */
#include <stdlib.h>
#include <string.h>
#include "parley/proto_webhook.h"
#include "proto_util.h"

char *proto_webhook_conversation(const struct store_conversation *c)
{
    json_t *conv = proto_conversation_json(c, VIEW_AGENT);
    return conv ? proto_dump_take(json_pack("{s:o}", "conversation", conv)) : NULL;
}

char *proto_webhook_message(const struct store_message *m)
{
    json_t *msg = proto_message_json(m, VIEW_AGENT);
    if (!msg)
        return NULL;
    /* The frame's own "type"/"conversation" members are noise inside data. */
    json_object_del(msg, "type");
    return proto_dump_take(json_pack("{s:s,s:o}", "conversation", m->conversation, "message", msg));
}

char *proto_webhook_rating(const char *conv_id, int score, const char *comment, int64_t ts)
{
    json_t *r = json_pack("{s:i,s:o}", "score", score,
                          "comment", comment ? json_string(comment) : json_null());
    if (!r)
        return NULL;
    return proto_dump_take(json_pack("{s:s,s:o,s:I}", "conversation", conv_id, "rating", r,
                                     "ts", (json_int_t)ts));
}

char *proto_webhook_ping(int64_t webhook_id)
{
    return proto_dump_take(json_pack("{s:I,s:s}", "webhook", (json_int_t)webhook_id, "message",
                                     "a test delivery from Parley"));
}

char *proto_webhook_body(int64_t delivery_id, const char *event, int64_t created_at,
                         const char *data)
{
    json_error_t e;
    json_t *d = data ? json_loads(data, 0, &e) : NULL;
    if (!d)
        return NULL;
    return proto_dump_take(json_pack("{s:I,s:s,s:I,s:o}", "id", (json_int_t)delivery_id,
                                     "event", event, "created_at", (json_int_t)created_at,
                                     "data", d));
}
