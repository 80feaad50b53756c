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

/* store_kpi_rows with a team filter (team > 0): a conversation counts when it
 * was routed to the team or its final assignee is a member. */
pl_status store_kpi_rows_team(struct store *st, int64_t from_ms, int64_t to_ms,
                              int64_t agent_id, int64_t team_id, struct store_kpi_rows *out);

#endif
