/* Internal to conv*.c: the handlers of each side and shared helpers. */
#ifndef PARLEY_CONV_INTERNAL_H
#define PARLEY_CONV_INTERNAL_H

#include <stdint.h>
#include "parley/bus.h"
#include "parley/conv.h"
#include "parley/proto.h"

void conv_visitor_frame(struct conn *c, const struct proto_cmd *cmd);
/* Queues the next page of a long replay (conn_refill_fn). */
void conv_visitor_refill(struct conn *c);
void conv_agent_frame(struct conn *c, const struct proto_cmd *cmd);

/* Published when a commit is reported: the message to its conversation. */
void conv_publish_message(const struct store_message *m, uint64_t origin);
/* A state change: the visitor sees it on the conversation topic, agents on the
 * site topic (with the transcript when it entered the queue). target_frame goes
 * only to the new assignee. */
void conv_publish_state(const char *conv_id, struct frame *target_frame);
/* Publishes a system message written with a state change (seq from the result). */
void conv_publish_system(const char *conv_id, const char *text, const struct store_result *r);

/* An assignment in flight (a claim or a return to the queue made by the
 * router or an agent): what to publish once the store reports it. */
struct conv_assignment { char *conv, *sys; int64_t agent_id; };
/* agent_id 0: back to the queue. The system text is in the visitor's locale. */
struct conv_assignment *conv_assignment_new(const char *conv, int64_t agent_id,
                                            const char *locale);
void conv_assignment_free(struct conv_assignment *a);
/* After a committed claim/transfer/requeue: the system message, the state, and
 * for a new assignee (target > 0) the conversation with its transcript. */
void conv_publish_assignment(const char *conv, const char *sys, const struct store_result *r,
                             int64_t target);

/* The bot's turn after a visitor message was stored (conversation in state bot). */
void conv_bot_reply(const char *conv_id, const char *text, const char *locale,
                    const char *client_id);
void conv_bot_choose(struct conn *c, const struct proto_cmd *cmd);
/* Puts a bot conversation in the queue with a localised system message. */
void conv_handoff(const char *conv_id, const char *locale, uint64_t reply_conn,
                  const char *reply_id);

/* A visitor's {"type":"contact","email","name"?} (conv_offline.c): the address
 * an offline conversation is answered at, checked and stored on the visitor. */
struct proto_cmd;
void conv_offline_contact(struct conn *c, const struct proto_cmd *cmd);

/* The same with a pre-chat team (> 0) asked for; unknown: bad_request, nothing
 * changed. Without one, the team of the FAQ entry last answered, if any. */
void conv_handoff_team(const char *conv_id, const char *locale, uint64_t reply_conn,
                       const char *reply_id, int64_t team);
/* conv_teams.c: 1 when the team exists. */
int conv_team_exists(int64_t team);
/* The team a handoff goes to: `asked` when > 0, else the team of the last
 * answered FAQ entry when it still exists, else 0 (keep the routing). */
int64_t conv_team_for_handoff(const char *conv_id, int64_t asked);

/* After a welcome: routes the conversation to the hello's team, if one was asked. */
void conv_team_prechat(struct conn *c);

/* Localised bot and system texts ("dont_know", "handoff", ...). */
const char *conv_text(const char *locale, const char *key);
/* The same with its one "%s" replaced by arg (a name), into out. */
void conv_text_fill(const char *locale, const char *key, const char *arg, char *out, size_t len);

/* An ack or error for request `id` on connection conn_id, if it is still there. */
void conv_reply_status(uint64_t conn_id, const char *id, pl_status s, int64_t seq,
                       int64_t note_seq, const char *conversation);

/* A malloc'd copy for async contexts (NULL stays NULL). */
char *conv_strdup(const char *s);

/* conv_bus.c: the store reads the bus uses to fill what pub/sub dropped. */
int64_t conv_bus_last_seq(const char *conv_id);
void conv_bus_catch_up(const char *conv_id, int64_t after_seq, int listening);
void conv_bus_remote(const struct bus_event *ev);

#endif
