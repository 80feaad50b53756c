/*
 * Store: what an agent sees through their teams (store_teams.h). Apart from
 * store_teams.c, which writes teams: these are the synchronous reads (loop
 * thread) behind GET /api/conversations?scope=team and the transcript check.
 */
#include <stdlib.h>
#include <string.h>
#include "store_internal.h"
#include "parley/store_teams.h"

void store_team_scope_free(struct store_team_scope *s)
{
    if (!s) return;
    free(s->teams);
    free(s->mates);
    memset(s, 0, sizeof(*s));
}

static pl_status push(int64_t **v, size_t *n, int64_t x)
{
    int64_t *g = realloc(*v, (*n + 1) * sizeof(*g));
    if (!g) return PL_ERR_NOMEM;
    g[(*n)++] = x;
    *v = g;
    return PL_OK;
}

pl_status store_team_scope(struct store *st, int64_t agent, struct store_team_scope *out)
{
    memset(out, 0, sizeof(*out));
    if (!st || agent <= 0) return PL_ERR_BAD_REQUEST;
    struct binder b = b_start(st->r[R_TEAM_SCOPE]);
    b_int(&b, agent);
    pl_status s = PL_OK;
    int rc = DB_DONE;
    while (s == PL_OK && (rc = b_step(&b)) == DB_ROW) {
        int64_t team = db_col_int(b.s, 0), mate = db_col_int(b.s, 1);
        s = team ? push(&out->teams, &out->n_teams, team) : push(&out->mates, &out->n_mates, mate);
    }
    if (s == PL_OK && rc != DB_DONE) s = store_db_status(st->rdb, rc, "team scope");
    db_reset(b.s);
    if (s != PL_OK) store_team_scope_free(out);
    return s;
}

static int has(const int64_t *v, size_t n, int64_t x)
{
    for (size_t i = 0; x && i < n; i++)
        if (v[i] == x) return 1;
    return 0;
}

int store_team_scope_covers(const struct store_team_scope *s, int64_t team_id, int64_t agent_id)
{
    return has(s->teams, s->n_teams, team_id) || has(s->mates, s->n_mates, agent_id);
}

static pl_status fill_conv(struct db_stmt *s, void *out)
{
    return store_fill_conversation(s, out);
}

pl_status store_list_team_conversations(struct store *st, int64_t agent, int state, size_t limit,
                                        struct store_conversation_list *out)
{
    memset(out, 0, sizeof(*out));
    if (!st || agent <= 0 || state >= CONV_STATE_COUNT) return PL_ERR_BAD_REQUEST;
    struct binder b = b_start(st->r[R_LIST_TEAM]);
    b_text(&b, state >= 0 ? conv_state_name((enum conv_state)state) : NULL);
    b_int(&b, agent);
    b_int(&b, store_sql_limit(limit));
    struct store_rows g = { NULL, 0, 0, sizeof(*out->v) };
    pl_status s = store_read_rows(st, &b, fill_conv, &g, "team conversations");
    out->v = (struct store_conversation *)(void *)g.v;
    out->n = g.n;
    db_clear_bindings(b.s);
    if (s != PL_OK) store_conversation_list_free(out);
    return s;
}
