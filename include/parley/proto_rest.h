/*
 * JSON bodies of the REST API (requests decoded, answers encoded). Part of the
 * codec: only proto*.c use Jansson. Encoders return malloc'd text or NULL (OOM).
 */
#ifndef PARLEY_PROTO_REST_H
#define PARLEY_PROTO_REST_H

#include "parley/common.h"
#include "parley/store.h"

struct rest_login { char *email, *password; };
struct rest_new_agent { char *email, *name, *password, *role; };

/* On failure: PL_ERR_BAD_REQUEST, field names the bad field, msg says why. */
pl_status proto_rest_login(const char *body, size_t len, struct rest_login *out,
                           char *field, size_t flen, char *msg, size_t mlen);
void proto_rest_login_free(struct rest_login *l);
pl_status proto_rest_new_agent(const char *body, size_t len, struct rest_new_agent *out,
                               char *field, size_t flen, char *msg, size_t mlen);
void proto_rest_new_agent_free(struct rest_new_agent *a);

/* PATCH /api/agents/{id}: absent fields stay NULL / -1. */
struct rest_agent_update { char *name, *role; int capacity, active; };
pl_status proto_rest_agent_update(const char *body, size_t len, struct rest_agent_update *out,
                                  char *field, size_t flen, char *msg, size_t mlen);
void proto_rest_agent_update_free(struct rest_agent_update *u);
/* PUT /api/settings: {"assignment":"manual"|"auto", "human_phrases":["..."]}, either
 * key optional; unknown keys are refused. human_phrases is checked for shape here
 * (an array of at most 200 strings of 1 to 100 characters, errors naming
 * "human_phrases[3]"); the keyword syntax is the FAQ module's to check. */
struct rest_settings {
    char *assignment;                      /* NULL when absent */
    char **human_phrases; size_t n_human_phrases;
    int has_human_phrases;                 /* the key was given (maybe []) */
};
pl_status proto_rest_settings(const char *body, size_t len, struct rest_settings *out,
                              char *field, size_t flen, char *msg, size_t mlen);
void proto_rest_settings_free(struct rest_settings *s);
/* {"assignment":..., "human_phrases":[...]} */
char *proto_rest_settings_json(int auto_assign, const char *const *phrases, size_t n);
/* The stored form of human_phrases: a JSON array of strings. */
char *proto_rest_phrases_json(const char *const *phrases, size_t n);
/* The agent list with each agent's presence ("online" | "away" | "offline"). */
char *proto_rest_agents_status(const struct store_agent_list *l, const char *const *status);

char *proto_rest_error(const char *code, const char *msg, const char *field);
char *proto_rest_login_ok(const char *token, const struct store_agent *a);
char *proto_rest_agent(const struct store_agent *a);
char *proto_rest_agents(const struct store_agent_list *l);
char *proto_rest_conversations(const struct store_conversation_list *l);
/* GET /api/visitors/{id}/conversations: {"visitor_id":..., "conversations":[{id, state,
 * created_at, closed_at, agent_id, agent_name, preview, readable}]}. readable[i] says
 * whether the caller may open conversation i; the preview is null when not. */
char *proto_rest_visitor_conversations(const char *visitor_id,
                                       const struct store_visitor_conv_list *l,
                                       const int *readable);
char *proto_rest_transcript(const struct store_conversation *c, const struct store_message_list *m);
char *proto_rest_transcript_text(const struct store_conversation *c,
                                 const struct store_message_list *m);
/* Stored entries are JSON already: joined into one array. */
char *proto_rest_faq_list(const struct store_faq_list *l);
/* bus_ok: always 1 for the local bus (it lives in this process). */
char *proto_rest_health(int store_ok, int bus_ok);

#endif
