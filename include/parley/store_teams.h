/*
 * Store: teams (store_teams.c; migration 7). A team is a name (1-64
 * characters, unique ignoring case) and its members (agents). A conversation
 * may be routed to one team (store_conversation.team_id): auto-assignment then
 * offers it only to that team's members, while any agent may still claim it.
 *
 * Apart from store.h so the teams feature keeps to its own header. The rules
 * on a name live in the schema (CHECK, UNIQUE COLLATE NOCASE): a refused value
 * is PL_ERR_BAD_REQUEST, a taken name PL_ERR_CONFLICT, an unknown member agent
 * PL_ERR_NOT_FOUND (the foreign key); a refused write changes nothing.
 */
#ifndef PARLEY_STORE_TEAMS_H
#define PARLEY_STORE_TEAMS_H

#include <stddef.h>
#include <stdint.h>
#include "parley/store.h"

#define STORE_TEAM_NAME_MAX 64
#define STORE_TEAM_MEMBERS_MAX 1000

struct store_team {
    int64_t id;
    char *name;
    int64_t created_at;
    int64_t *members;            /* agent ids, ascending */
    size_t n_members;
};
struct store_team_list { struct store_team *v; size_t n; };
void store_team_list_free(struct store_team_list *l);

/* Every team by name, each with its members. */
pl_status store_team_list(struct store *st, struct store_team_list *out);
/* One team (a copy out of the list): PL_ERR_NOT_FOUND when there is none. */
pl_status store_team_get(struct store *st, int64_t id, struct store_team *out);
void store_team_free(struct store_team *t);
/* *yes = 1 when agent is a member of team. */
pl_status store_team_is_member(struct store *st, int64_t team, int64_t agent, int *yes);
/* The FAQ entry id of the last bot answer in the conversation (malloc'd into
 * *faq_id), or PL_ERR_NOT_FOUND when the bot has answered nothing. */
pl_status store_last_faq_answer(struct store *st, const char *conv, char **faq_id);

/* Result id = the new team's, ts = its created_at. members may repeat an id. */
pl_status store_team_create(struct store *st, const char *name, const int64_t *members,
                            size_t n, store_cb cb, void *ctx);
/* name NULL keeps the name; members NULL keeps the members (else replaces
 * them all). PL_ERR_NOT_FOUND for an unknown team (or member). */
pl_status store_team_update(struct store *st, int64_t id, const char *name,
                            const int64_t *members, size_t n, store_cb cb, void *ctx);
/* Un-routes the team's conversations (queued ones stay queued, for everyone),
 * then deletes it with its memberships. PL_ERR_NOT_FOUND when there is none. */
pl_status store_team_delete(struct store *st, int64_t id, store_cb cb, void *ctx);
/* Routes an open conversation to team (> 0) without changing its state (a
 * pre-chat choice). PL_ERR_NOT_FOUND for an unknown team or conversation. */
pl_status store_conv_set_team(struct store *st, const char *conv, int64_t team,
                              store_cb cb, void *ctx);

/* What an agent sees through their teams (store_teams_view.c): the teams they
 * are in and every agent sharing one with them (themselves included). A
 * conversation is theirs to read when it is routed to one of those teams or
 * its agent_id (assignee, or last assignee once closed) is one of those
 * agents; acting on it still follows conv_agent.c's rules. */
struct store_team_scope {
    int64_t *teams; size_t n_teams;
    int64_t *mates; size_t n_mates;
};
pl_status store_team_scope(struct store *st, int64_t agent, struct store_team_scope *out);
void store_team_scope_free(struct store_team_scope *s);
/* 1 when a conversation routed to team_id (0: none) with agent_id (0: none)
 * is in the scope. */
int store_team_scope_covers(const struct store_team_scope *s, int64_t team_id, int64_t agent_id);
/* The conversations in agent's team scope (in `state`, or any when < 0),
 * newest activity first, at most `limit` (0: all). */
pl_status store_list_team_conversations(struct store *st, int64_t agent, int state, size_t limit,
                                        struct store_conversation_list *out);

/* store_kpi_rows with a team filter (team > 0): a conversation counts when it
 * was routed to the team or its final assignee is a member. */
pl_status store_kpi_rows_team(struct store *st, int64_t from_ms, int64_t to_ms,
                              int64_t agent_id, int64_t team_id, struct store_kpi_rows *out);

#endif
