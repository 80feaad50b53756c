/*
 * The WebSocket protocol codec: incoming frames to commands, events to frames.
 *
 * Decoding is strict (duplicate keys refused, every field type checked, sizes
 * capped) so that everything past this file can trust a command. Encoders build
 * shared frames (frame.h). Only proto*.c use Jansson.
 */
#ifndef PARLEY_PROTO_H
#define PARLEY_PROTO_H

#include <stdint.h>
#include "parley/common.h"
#include "parley/frame.h"
#include "parley/store.h"
#include "parley/faq.h"

#define PROTO_MAX_FRAME (64 * 1024)   /* bytes of one incoming frame */
#define PROTO_MAX_TEXT 4000           /* characters of one message */
#define PROTO_MAX_ID 64               /* characters of a client id */

enum proto_type {
    P_HELLO, P_MESSAGE, P_CHOOSE, P_FEEDBACK, P_HANDOFF, P_TYPING, P_READ, P_CLOSE,
    P_RATING, P_START, P_AUTH, P_CLAIM, P_TRANSFER, P_STATUS, P_PING,
    P_CONTACT,                            /* visitor: email (+ name) for offline replies */
};

struct proto_cmd {
    enum proto_type type;
    const char *id;                       /* client request id or NULL */
    /* hello */
    const char *token;                    /* NULL when null */
    int64_t last_seq;
    const char *name, *email, *locale, *page;
    const char *user_id, *user_hash;      /* a site-signed identity */
    /* message, rating comment */
    const char *text;
    int note;
    const char *conversation;             /* agent commands */
    const char *faq;                      /* choose */
    int64_t seq;                          /* feedback, read */
    int helpful, on, score;
    const char *comment;
    int64_t to;                           /* transfer: 0 = back to the queue */
    int64_t team;                         /* hello, handoff, transfer: 0 = none */
    const char *note_text;                /* transfer: a note for the next agent */
    const char *status;                   /* "online" | "away" */
    void *root_;                          /* owns the strings above */
};

/* Decodes one frame. On failure returns PL_ERR_BAD_REQUEST and sets *code to the
 * contract's error code ("bad_json", "bad_request", "too_large"), msg to a
 * sentence, and cmd->id to the request id when one could be read (the caller
 * must still call proto_cmd_free). */
pl_status proto_decode(const char *buf, size_t len, struct proto_cmd *cmd, const char **code,
                       char *msg, size_t msg_len);
void proto_cmd_free(struct proto_cmd *cmd);

/* ---- encoders: each returns a new frame (one reference) or NULL on OOM ---- */
struct frame *proto_error(const char *id, const char *code, const char *msg);
/* seq > 0 adds "seq", note_seq > 0 "note_seq"; conversation may be NULL. */
struct frame *proto_ack(const char *id, int64_t seq, int64_t note_seq, const char *conversation);

/* Who sees a message decides what it carries: agents get notes, matched
 * keywords and author ids. */
enum proto_view { VIEW_VISITOR, VIEW_AGENT };
struct frame *proto_message(const struct store_message *m, enum proto_view view);
/* more: the replay continues as message events after this frame. */
struct frame *proto_welcome(const char *id, const char *token, const struct store_conversation *c,
                            const struct store_message_list *msgs, int more);
struct frame *proto_state(const struct store_conversation *c, enum proto_view view);
struct frame *proto_typing(const char *conv, const char *role, const char *name, int on);
struct frame *proto_read(const char *conv, const char *role, int64_t seq);
/* type "queued" or "assigned": the conversation with its whole transcript. */
struct frame *proto_conversation_event(const char *type, const struct store_conversation *c,
                                       const struct store_message_list *transcript);
struct frame *proto_ready(const struct store_agent *a, const char *status,
                          const struct store_conversation_list *queue,
                          const struct store_message_list *queue_msgs,
                          const struct store_conversation_list *mine,
                          const struct store_message_list *mine_msgs);

/* {"type":"presence","agent_id":N,"status":"online"|"away"|"offline"} */
struct frame *proto_presence(int64_t agent_id, const char *status);
/* {"type":"queue","conversation","position","estimated_wait_ms"|null,"agents_online"};
 * eta_ms < 0 means no estimate (nobody online). */
struct frame *proto_queue_position(const char *conv, int position, int64_t eta_ms, int online);

/* The stored meta of a bot answer: {"matched":[...]} or {"choices":[...]}, plus
 * "chosen":true when the visitor picked it. Malloc'd JSON text or NULL. */
char *proto_bot_meta(const struct faq_match *m, int chosen);

#endif
