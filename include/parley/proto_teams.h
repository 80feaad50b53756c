/*
 * JSON of the teams endpoints (GET/POST /api/teams, PUT/DELETE /api/teams/{id}).
 * Part of the codec: only proto*.c use Jansson. Strict like the rest
 * (duplicate keys refused, every error names its field).
 */
#ifndef PARLEY_PROTO_TEAMS_H
#define PARLEY_PROTO_TEAMS_H

#include <stddef.h>
#include "parley/common.h"
#include "parley/store.h"
#include "parley/store_teams.h"

/* {"name": 1-64 characters, not only spaces (leading/trailing spaces are
 * trimmed), "members": [agent ids]}. POST needs name (members default to
 * none); PUT may give either or both (absent = unchanged). */
struct rest_team {
    char *name;                  /* NULL: absent */
    int64_t *members;            /* NULL: absent */
    size_t n_members;
    int has_members;
};
pl_status proto_team_decode(const char *body, size_t len, int need_name, struct rest_team *out,
                            char *field, size_t flen, char *msg, size_t mlen);
void proto_team_free(struct rest_team *t);

/* {"id","name","members":[{"id","name"}]}; names from agents (may be NULL). */
char *proto_team_json(const struct store_team *t, const struct store_agent_list *agents);
/* {"teams":[...]} */
char *proto_team_list_json(const struct store_team_list *l, const struct store_agent_list *agents);

#endif
