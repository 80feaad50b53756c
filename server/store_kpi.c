/*
 * Store: the KPI report's one read. For every conversation created in a range
 * it returns the facts the figures are made of (store_kpi_row); the arithmetic
 * (medians, rates, days) is kpi.c's, so this file only has to be right about
 * what happened, not about statistics.
 *
 * One query for the whole range, never one per day. Conversations have no index
 * on created_at, but every conversation has exactly one 'created' event, written
 * with the same timestamp, and events_type_ts (type, ts) is an index: the range
 * is a scan of that index, each conversation a primary-key lookup, and every
 * correlated subquery below uses events_conv, msg_staff_ts (bot and agent
 * messages only), msg_seq, the ratings primary key or conv_visitor. The
 * lifecycle times come from the events (the first 'queued' and 'assigned'),
 * because the conversation row's queued_at and
 * assigned_at are overwritten by transfers; the row is only the fallback.
 */
#include <stdlib.h>
#include <string.h>
#include "store_internal.h"
#include "parley/store_teams.h"

/* FAQ answers: bot messages that carry an FAQ entry (greetings, "I don't know"
 * and choice questions have none). A visitor's message has a seq always. */
#define FAQ_ANSWER "m.conversation_id = c.id AND m.role = 'bot' AND " STORE_STAFF_MSG("m.") \
    " AND m.faq_id IS NOT NULL"
/* Left to itself the planner finds MIN(ts) of a type through events_type_ts,
 * walking every event of that type for each conversation: pin the per-conversation
 * index (and a dropped index fails store_open instead of slowing reports). */
#define CONV_EVENTS "events e INDEXED BY events_conv WHERE e.conversation_id = c.id"
/* Visitor messages are in no role index: msg_seq walks the conversation's
 * visible messages (a visitor's is usually among the first). */
#define VISITOR_WROTE(conv) \
    "EXISTS(SELECT 1 FROM messages w WHERE w.conversation_id = " conv \
    " AND w.seq IS NOT NULL AND w.role = 'visitor')"

#define KPI_SQL(filter) \
    "SELECT c.visitor_id, COALESCE(c.agent_id, 0), c.created_at," \
    " COALESCE((SELECT MIN(e.ts) FROM " CONV_EVENTS " AND e.type = 'queued'), c.queued_at, 0)," \
    " COALESCE((SELECT MIN(e.ts) FROM " CONV_EVENTS " AND e.type = 'assigned'), c.assigned_at, 0)," \
    " COALESCE((SELECT MIN(m.ts) FROM messages m" \
    "  WHERE m.conversation_id = c.id AND m.role = 'agent' AND " STORE_STAFF_MSG("m.") \
    "  AND m.seq IS NOT NULL), 0)," \
    " COALESCE(c.closed_at, 0)," \
    " EXISTS(SELECT 1 FROM messages m WHERE " FAQ_ANSWER ")," \
    " EXISTS(SELECT 1 FROM messages m WHERE " FAQ_ANSWER " AND m.helpful = 1)," \
    " COALESCE((SELECT m.helpful FROM messages m WHERE " FAQ_ANSWER \
    "  ORDER BY m.seq DESC LIMIT 1), -1)," \
    " COALESCE((SELECT r.score FROM ratings r WHERE r.conversation_id = c.id), 0)," \
    " CASE WHEN c.closed_at IS NULL THEN 0 ELSE COALESCE((SELECT o.created_at" \
    "  FROM conversations o WHERE o.visitor_id = c.visitor_id" \
    "  AND o.created_at >= c.closed_at AND o.id != c.id AND " VISITOR_WROTE("o.id") \
    "  ORDER BY o.created_at LIMIT 1), 0) END" \
    " FROM events ce JOIN conversations c ON c.id = ce.conversation_id" \
    " WHERE ce.type = 'created' AND ce.ts >= ?1 AND ce.ts < ?2" \
    " AND c.created_at >= ?1 AND c.created_at < ?2" \
    " AND (?3 <= 0 OR c.agent_id = ?3)" filter \
    " AND " VISITOR_WROTE("c.id") \
    " ORDER BY ce.ts, ce.id"

const char store_kpi_sql[] = KPI_SQL("");
/* A team's conversations: routed to it, or finally assigned to a member
 * (team_members' primary key, then team_members_agent, answer both). */
const char store_kpi_team_sql[] =
    KPI_SQL(" AND (c.team_id = ?4 OR c.agent_id IN"
            " (SELECT tm.agent_id FROM team_members tm WHERE tm.team_id = ?4))");

void store_kpi_rows_free(struct store_kpi_rows *l)
{
    if (!l)
        return;
    free(l->v);
    memset(l, 0, sizeof(*l));
}

static pl_status fill_row(struct db_stmt *s, struct store_kpi_row *r)
{
    const char *vid = db_col_text(s, 0);
    int len = db_col_bytes(s, 0);
    if (!vid || len <= 0 || (size_t)len >= sizeof(r->visitor_id))
        return PL_ERR_STORE;     /* ids are short and never NULL: a broken row */
    memcpy(r->visitor_id, vid, (size_t)len + 1);
    r->agent_id = db_col_int(s, 1);
    r->created_at = db_col_int(s, 2);
    r->queued_at = db_col_int(s, 3);
    r->assigned_at = db_col_int(s, 4);
    r->first_reply_at = db_col_int(s, 5);
    r->closed_at = db_col_int(s, 6);
    r->has_faq_answer = db_col_int(s, 7);
    r->any_helpful = db_col_int(s, 8);
    r->last_faq_helpful = db_col_int(s, 9);
    r->rating = db_col_int(s, 10);
    r->next_conv_at = db_col_int(s, 11);
    return PL_OK;
}

/* Room for one more row; PL_ERR_NOMEM leaves the list as it was. */
static pl_status grow(struct store_kpi_rows *l, size_t *cap)
{
    if (l->n < *cap)
        return PL_OK;
    size_t n = *cap ? *cap * 2 : 64;
    struct store_kpi_row *v = realloc(l->v, n * sizeof(*v));
    if (!v)
        return PL_ERR_NOMEM;
    l->v = v;
    *cap = n;
    return PL_OK;
}

static pl_status kpi_rows(struct store *st, int64_t from_ms, int64_t to_ms, int64_t agent_id,
                         int64_t team_id, struct store_kpi_rows *out)
{
    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&st->kmu);
    struct binder b = b_start(st->kpi_rows[team_id > 0]);
    b_int(&b, from_ms);
    b_int(&b, to_ms);
    b_int(&b, agent_id);
    if (team_id > 0)
        b_int(&b, team_id);
    size_t cap = 0;
    pl_status s = PL_OK;
    int rc;
    while ((rc = b_step(&b)) == DB_ROW) {
        if ((s = grow(out, &cap)) != PL_OK)
            break;
        memset(&out->v[out->n], 0, sizeof(out->v[0]));
        if ((s = fill_row(b.s, &out->v[out->n])) != PL_OK)
            break;
        out->n++;
    }
    if (s == PL_OK && rc != DB_DONE)
        s = store_db_status(st->kdb, rc, "kpi rows");
    db_reset(b.s);
    pthread_mutex_unlock(&st->kmu);
    if (s != PL_OK)
        store_kpi_rows_free(out);
    return s;
}

pl_status store_kpi_rows(struct store *st, int64_t from_ms, int64_t to_ms, int64_t agent_id,
                         struct store_kpi_rows *out)
{
    return kpi_rows(st, from_ms, to_ms, agent_id, 0, out);
}

pl_status store_kpi_rows_team(struct store *st, int64_t from_ms, int64_t to_ms,
                              int64_t agent_id, int64_t team_id, struct store_kpi_rows *out)
{
    return kpi_rows(st, from_ms, to_ms, agent_id, team_id, out);
}
