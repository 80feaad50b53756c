/*
 * Store: the statements whose PostgreSQL form is not db_pg_rewrite's mechanical
 * translation of store_sql.c's (NULL: the rewrite is used). Each override
 * returns the same columns in the same order with the same meaning, and takes
 * the same parameters by the same numbers, as the SQLite statement it stands
 * for; the schema it runs on is store_schema_pg.c's.
 *
 * What makes a statement need one:
 *  - SQLite functions PostgreSQL lacks or gives another meaning: scalar
 *    max(a, b) (GREATEST, but GREATEST ignores a NULL where max returns NULL),
 *    instr() (position), LIKE (SQLite's ignores ASCII case: ILIKE, which under
 *    the schema's "C" collation folds ASCII only, as SQLite does);
 *  - NOCASE columns (agents.email, canned.shortcut, teams.name): comparing and
 *    sorting go through lower(), as their unique indexes do;
 *  - booleans: SQLite's comparisons are integers, PostgreSQL's are not;
 *  - parameter types: PostgreSQL infers a parameter's type from its first use,
 *    and `$1 <= 0` makes it a 32-bit integer (an id past 2^31 would fail to
 *    bind); a parameter with no context at all cannot be inferred. Those get
 *    casts;
 *  - ON CONFLICT DO UPDATE: a bare column name is ambiguous with excluded's.
 * tests/pg/check_sql.sh prepares every statement, override or rewrite, on a
 * real PostgreSQL and runs the important ones.
 */
#include "store_internal.h"

/* The conversation row (store_fill_conversation), as store_sql.c's CONV_SELECT. */
#define CONV_SELECT_PG \
    "SELECT c.id, c.visitor_id, c.state, c.agent_id, c.last_seq, c.last_note_seq," \
    " c.bot_misses, c.created_at, c.queued_at, c.assigned_at, c.closed_at," \
    " v.name, v.email, v.locale, v.page, a.name," \
    " EXISTS(SELECT 1 FROM ratings r WHERE r.conversation_id = c.id)," \
    " c.team_id, t.name" \
    " FROM conversations c JOIN visitors v ON v.id = c.visitor_id" \
    " LEFT JOIN agents a ON a.id = c.agent_id LEFT JOIN teams t ON t.id = c.team_id "
#define TEAM_SCOPE_PG(agent) \
    "(c.team_id IN (SELECT team_id FROM team_members WHERE agent_id = " agent ")" \
    " OR c.agent_id IN (SELECT m2.agent_id FROM team_members m1" \
    " JOIN team_members m2 ON m2.team_id = m1.team_id WHERE m1.agent_id = " agent "))"
#define NOCASE_EQ(col, param) "lower(" col ") = lower(" param "::text COLLATE \"C\")"

const char *const store_read_sql_pg[R__COUNT] = {
    [R_AGENT_BY_EMAIL] = "SELECT a.id, a.email, a.name, a.role, a.active, a.created_at,"
                         " a.capacity, a.password_hash FROM agents a"
                         " WHERE " NOCASE_EQ("a.email", "$1"),
    /* d is NULL when the queueing is unknown: such a claim is skipped, as
     * SQLite's `wait IS NOT NULL` does (its max(0, NULL) is NULL). */
    [R_QUEUE_WAITS] = "SELECT GREATEST(0, w.d) FROM (SELECT e.ts, e.id, e.ts -"
                      " (SELECT q.ts FROM events q WHERE q.conversation_id = e.conversation_id"
                      " AND q.type = 'queued' AND q.ts <= e.ts AND q.id < e.id"
                      " ORDER BY q.ts DESC, q.id DESC LIMIT 1) AS d"
                      " FROM events e WHERE e.type = 'assigned') w WHERE w.d IS NOT NULL"
                      " ORDER BY w.ts DESC, w.id DESC LIMIT $1",
    [R_SEARCH_CONVS] = CONV_SELECT_PG "WHERE ($1::text IS NULL OR c.state = $1)"
                       " AND ($2::bigint IS NULL OR c.agent_id = $2)"
                       " AND ($3::bigint IS NULL OR c.created_at >= $3)"
                       " AND ($4::bigint IS NULL OR c.created_at < $4)"
                       " AND ($5::text IS NULL OR v.name ILIKE $5 ESCAPE '\\'"
                       " OR v.email ILIKE $5 ESCAPE '\\'"
                       " OR EXISTS(SELECT 1 FROM messages m WHERE m.conversation_id = c.id"
                       " AND m.seq IS NOT NULL AND m.text ILIKE $5 ESCAPE '\\'))"
                       " AND ($7::bigint IS NULL OR " TEAM_SCOPE_PG("$7") ")"
                       " ORDER BY c.created_at DESC, c.rowid DESC LIMIT $6::bigint",
    [R_CANNED_LIST] = "SELECT id, shortcut, title, text, created_at, updated_at FROM canned"
                      " ORDER BY lower(shortcut), id",
    [R_TEAMS] = "SELECT id, name, created_at FROM teams ORDER BY lower(name), id",
    [R_LIST_TEAM] = CONV_SELECT_PG "WHERE ($1::text IS NULL OR c.state = $1) AND "
                    TEAM_SCOPE_PG("$2::bigint")
                    " ORDER BY c.updated_at DESC, c.rowid DESC LIMIT $3::bigint",
};

const char *const store_write_sql_pg[W__COUNT] = {
    [W_BUMP] = "UPDATE conversations"
               " SET last_seq = last_seq + CASE WHEN $1::bigint = 0 THEN 1 ELSE 0 END,"
               " last_note_seq = last_note_seq + CASE WHEN $1 <> 0 THEN 1 ELSE 0 END,"
               " bot_misses = bot_misses + $2::bigint, updated_at = $3::bigint"
               " WHERE id = $4::text AND state <> 'closed'"
               " AND ($5::bigint <= 0 OR agent_id = $5)"
               " RETURNING last_seq, last_note_seq, state, COALESCE(agent_id, 0)",
    [W_UPDATE_AGENT] = "UPDATE agents SET name = COALESCE($1::text, name),"
                       " role = COALESCE($2::text, role),"
                       " capacity = CASE WHEN $3::bigint < 0 THEN capacity ELSE $3 END,"
                       " active = CASE WHEN $4::bigint < 0 THEN active ELSE $4 END"
                       " WHERE id = $5::bigint",
    [W_UNANSWERED_ADD] = "INSERT INTO unanswered(key, text, locale, count, last_conversation,"
                         " first_at, last_at) VALUES($1, $2, $3, 1, $4, $5, $5)"
                         " ON CONFLICT(key) DO UPDATE SET text = excluded.text,"
                         " locale = COALESCE(excluded.locale, unanswered.locale),"
                         " count = unanswered.count + 1,"
                         " last_conversation = COALESCE(excluded.last_conversation,"
                         " unanswered.last_conversation), last_at = excluded.last_at"
                         " RETURNING count",
    [W_UNANSWERED_PRUNE] = "DELETE FROM unanswered WHERE key IN (SELECT key FROM unanswered"
                           " ORDER BY count, last_at LIMIT"
                           " GREATEST(0, (SELECT count(*) FROM unanswered) - $1::bigint))",
    /* Written out for the casts and position() (instr); like the SQLite form
     * it returns the ids it inserted. */
    [W_WEBHOOK_EMIT] = "INSERT INTO webhook_deliveries(webhook_id, event, payload,"
                       " next_attempt_at, created_at)"
                       " SELECT id, $1::text, $2::text, $3::bigint, $3 FROM webhooks"
                       " WHERE ($4::bigint IS NULL AND active = 1"
                       " AND (events = '' OR position(',' || $1 || ',' IN ',' || events || ',') > 0))"
                       " OR id = $4 ORDER BY id RETURNING id",
    /* One message appended in ONE statement (so a batch of them can be
     * pipelined: nothing waits for a result): W_DUP_LOOKUP, W_BUMP and
     * W_INSERT_MSG as data-modifying CTEs. The first column says which case
     * it was: 1 a duplicate of an earlier send (its numbers), 2 stored (the
     * new counters, state and agent), 3 refused (closed, or not the
     * conversation's agent: nothing was written), no row: no such
     * conversation. All CTEs share one snapshot; a concurrent insert of the
     * same client id on another node still ends in the unique index.
     * $1 conversation, $2 1 for a note, $3 1 to count a bot miss, $4 now,
     * $5 the agent it must be assigned to (0: anyone), $6 role, $7 author id,
     * $8 author name, $9 client id, $10 text, $11 faq id, $12 score, $13 meta. */
    [W_APPEND_PG] = "WITH dup AS (SELECT seq, note_seq,"
                    " CASE WHEN note_seq IS NULL THEN 0 ELSE after_seq END AS after_seq, ts"
                    " FROM messages WHERE $9::text IS NOT NULL AND conversation_id = $1::text"
                    " AND role = $6::text AND COALESCE(author_id, '') = COALESCE($7::text, '')"
                    " AND client_id = $9::text),"
                    " bump AS (UPDATE conversations"
                    " SET last_seq = last_seq + CASE WHEN $2::bigint = 0 THEN 1 ELSE 0 END,"
                    " last_note_seq = last_note_seq + CASE WHEN $2::bigint <> 0 THEN 1 ELSE 0 END,"
                    " bot_misses = bot_misses + $3::bigint, updated_at = $4::bigint"
                    " WHERE id = $1::text AND state <> 'closed'"
                    " AND ($5::bigint <= 0 OR agent_id = $5::bigint)"
                    " AND NOT EXISTS (SELECT 1 FROM dup)"
                    " RETURNING last_seq, last_note_seq, state, COALESCE(agent_id, 0) AS agent),"
                    " ins AS (INSERT INTO messages(conversation_id, seq, note_seq, after_seq, role,"
                    " author_id, author_name, client_id, text, faq_id, faq_score, meta_json, ts)"
                    " SELECT $1::text, CASE WHEN $2::bigint = 0 THEN last_seq END,"
                    " CASE WHEN $2::bigint <> 0 THEN last_note_seq END,"
                    " CASE WHEN $2::bigint <> 0 THEN last_seq ELSE last_seq - 1 END,"
                    " $6::text, $7::text, $8::text, $9::text, $10::text, $11::text,"
                    " $12::double precision, $13::text, $4::bigint FROM bump)"
                    " SELECT 1, seq, note_seq, after_seq, ts, NULL::text, 0::bigint FROM dup"
                    " UNION ALL SELECT 2, last_seq, last_note_seq, 0, 0, state, agent FROM bump"
                    " UNION ALL SELECT 3, 0, 0, 0, 0, c.state, COALESCE(c.agent_id, 0)"
                    " FROM conversations c WHERE c.id = $1::text"
                    " AND NOT EXISTS (SELECT 1 FROM dup) AND NOT EXISTS (SELECT 1 FROM bump)",
};

/* store_kpi.c's report query, the same but for $3's type (`?3 <= 0` would make
 * it a 32-bit integer); test_store_sql_pg checks the two stay the same. */
#define KPI_FAQ_ANSWER "m.conversation_id = c.id AND m.role = 'bot' AND " \
    STORE_STAFF_MSG("m.") " AND m.faq_id IS NOT NULL"
#define KPI_CONV_EVENTS "events e WHERE e.conversation_id = c.id"
#define KPI_VISITOR_WROTE(conv) \
    "EXISTS(SELECT 1 FROM messages w WHERE w.conversation_id = " conv \
    " AND w.seq IS NOT NULL AND w.role = 'visitor')"
#define KPI_SQL_PG(filter) \
    "SELECT c.visitor_id, COALESCE(c.agent_id, 0), c.created_at," \
    " COALESCE((SELECT MIN(e.ts) FROM " KPI_CONV_EVENTS " AND e.type = 'queued'), c.queued_at, 0)," \
    " COALESCE((SELECT MIN(e.ts) FROM " KPI_CONV_EVENTS " AND e.type = 'assigned'), c.assigned_at, 0)," \
    " COALESCE((SELECT MIN(m.ts) FROM messages m" \
    "  WHERE m.conversation_id = c.id AND m.role = 'agent' AND " STORE_STAFF_MSG("m.") \
    "  AND m.seq IS NOT NULL), 0)," \
    " COALESCE(c.closed_at, 0)," \
    " EXISTS(SELECT 1 FROM messages m WHERE " KPI_FAQ_ANSWER ")," \
    " EXISTS(SELECT 1 FROM messages m WHERE " KPI_FAQ_ANSWER " AND m.helpful = 1)," \
    " COALESCE((SELECT m.helpful FROM messages m WHERE " KPI_FAQ_ANSWER \
    "  ORDER BY m.seq DESC LIMIT 1), -1)," \
    " COALESCE((SELECT r.score FROM ratings r WHERE r.conversation_id = c.id), 0)," \
    " CASE WHEN c.closed_at IS NULL THEN 0 ELSE COALESCE((SELECT o.created_at" \
    "  FROM conversations o WHERE o.visitor_id = c.visitor_id" \
    "  AND o.created_at >= c.closed_at AND o.id != c.id AND " KPI_VISITOR_WROTE("o.id") \
    "  ORDER BY o.created_at LIMIT 1), 0) END" \
    " FROM events ce JOIN conversations c ON c.id = ce.conversation_id" \
    " WHERE ce.type = 'created' AND ce.ts >= $1 AND ce.ts < $2" \
    " AND c.created_at >= $1 AND c.created_at < $2" \
    " AND ($3::bigint <= 0 OR c.agent_id = $3)" filter \
    " AND " KPI_VISITOR_WROTE("c.id") \
    " ORDER BY ce.ts, ce.id"

const char *const store_kpi_sql_pg = KPI_SQL_PG("");
const char *const store_kpi_team_sql_pg =
    KPI_SQL_PG(" AND (c.team_id = $4 OR c.agent_id IN"
               " (SELECT tm.agent_id FROM team_members tm WHERE tm.team_id = $4))");
