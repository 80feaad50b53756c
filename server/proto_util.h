/* Internal to the codec (proto*.c): JSON builders shared by frames and REST. */
#ifndef PARLEY_PROTO_UTIL_H
#define PARLEY_PROTO_UTIL_H

#include <jansson.h>
#include "parley/proto.h"

size_t proto_utf8_chars(const char *s, size_t len);
int proto_has_visible(const char *s);                 /* not only whitespace */
/* Encodes compactly and frees o (NULL in, NULL out). */
struct frame *proto_frame_take(json_t *o);
char *proto_dump_take(json_t *o);                     /* same, as a malloc'd string */

/* A refusal naming its field: fills field and msg, returns PL_ERR_BAD_REQUEST. */
pl_status proto_bad(char *field, size_t flen, const char *f, char *msg, size_t mlen, const char *m);
/* A request body that must be one JSON object (duplicate keys refused); NULL,
 * with field "" and a message, when it is not. */
json_t *proto_load_object(const char *body, size_t len, char *field, size_t flen, char *msg,
                          size_t mlen);

/* The Jansson-built forms of proto_ack and proto_message (proto_write.c writes
 * the same bytes directly and falls back to these). */
struct frame *proto_ack_json(const char *id, int64_t seq, int64_t note_seq, const char *conversation);
json_t *proto_message_json(const struct store_message *m, enum proto_view view);
json_t *proto_messages_json(const struct store_message_list *l, enum proto_view view);
json_t *proto_conversation_json(const struct store_conversation *c, enum proto_view view);
json_t *proto_agent_json(const struct store_agent *a);

#endif
