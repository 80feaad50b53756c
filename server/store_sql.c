/*
 * Store: every SQL statement, as the two tables store_schema.c prepares at open
 * (store_read_sql on the loop's read connection, store_write_sql on the
 * writer's), indexed by enum rstmt / wstmt (store_internal.h).
 *
 * All SQL lives here (plus the migration scripts in store_migrations.c and the
 * KPI report's long query beside its decoding in store_kpi.c), so a reader sees
 * every query in one place, and every statement is prepared once at open: a
 * typo fails store_open, not some rare code path later.
 */
#include "store_internal.h"

#define CONV_COLS \
    "SELECT c.id, c.visitor_id, c.state, c.agent_id, c.last_seq, c.last_note_seq," \
    " c.bot_misses, c.created_at, c.queued_at, c.assigned_at, c.closed_at," \
    " v.name, v.email, v.locale, v.page, a.name," \
    " EXISTS(SELECT 1 FROM ratings r WHERE r.conversation_id = c.id)," \
    " c.team_id, t.name"
#define CONV_JOINS \
    " JOIN visitors v ON v.id = c.visitor_id" \
    " LEFT JOIN agents a ON a.id = c.agent_id LEFT JOIN teams t ON t.id = c.team_id "
#define CONV_SELECT CONV_COLS " FROM conversations c" CONV_JOINS
/* Newest activity first. Only closed rows are in an updated_at index
 * (conv_closed_updated, conv_agent_closed_updated: migration 10), so a list over
 * open and closed rows is two arms merged on the sort keys k1, k2: the closed
 * arm walks its index, the open arm (conv_queue or conv_agent_state) is sorted. */
#define CONV_RECENT " ORDER BY c.updated_at DESC, c.rowid DESC LIMIT "
/* The conversations of `agent`'s teams: routed to a team they are in, or whose
 * agent_id (assignee, or last assignee once closed) shares a team with them. */
#define TEAM_SCOPE(agent) \
    "(c.team_id IN (SELECT team_id FROM team_members WHERE agent_id = " agent ")" \
    " OR c.agent_id IN (SELECT m2.agent_id FROM team_members m1" \
    " JOIN team_members m2 ON m2.team_id = m1.team_id WHERE m1.agent_id = " agent "))"
#define CONV_COLS_K CONV_COLS ", c.updated_at AS k1, c.rowid AS k2"
#define CONV_SELECT_K CONV_COLS_K " FROM conversations c" CONV_JOINS
/* Pinned: without statistics the planner takes conv_queue (state = 'closed')
 * and sorts every closed conversation. */
#define CONV_CLOSED(cols, ix) cols " FROM conversations c INDEXED BY " ix CONV_JOINS \
    "WHERE c.state = 'closed'"
#define CONV_RECENT_K " ORDER BY k1 DESC, k2 DESC LIMIT "
#define CONV_OPEN "c.state IN ('bot', 'queued', 'assigned', 'offline')"
/* The newest `limit` open rows matching `where` (on c), sorted by rowid and
 * updated_at alone before the joins: with thousands of open conversations
 * (every connected visitor has one) joining first then sorting was ~2x slower. */
#define CONV_OPEN_TOP(where, limit) \
    " FROM (SELECT c.rowid AS r FROM conversations c WHERE " where \
    " ORDER BY c.updated_at DESC, c.rowid DESC LIMIT " limit ") o" \
    " JOIN conversations c ON c.rowid = o.r" CONV_JOINS
/* after_seq is reported for notes only (a visible row stores seq - 1). */
#define MSG_COLS \
    "conversation_id, seq, note_seq," \
    " CASE WHEN note_seq IS NULL THEN 0 ELSE after_seq END," \
    " role, author_id, author_name, client_id, text, faq_id, faq_score, meta_json," \
    " helpful, ts"
#define AGENT_COLS "a.id, a.email, a.name, a.role, a.active, a.created_at, a.capacity"
/* The latest time `agent` was given a conversation: a claim ('assigned') or a
 * transfer to them ('transferred' carries the target). Walks the agent's events
 * newest first; only the closes and ratings of the agent come in between. */
#define LAST_ASSIGNED(agent) \
    "(SELECT e.ts FROM events e INDEXED BY events_agent WHERE e.agent_id = " agent \
    " AND e.type IN ('assigned', 'transferred') ORDER BY e.ts DESC, e.id DESC LIMIT 1)"
/* The latest entry to the queue before assignment event `e`: ids break ties
 * when both happened in the same millisecond. */
#define QUEUED_BEFORE(e) \
    "(SELECT q.ts FROM events q INDEXED BY events_conv" \
    " WHERE q.conversation_id = " e ".conversation_id AND q.type = 'queued'" \
    " AND q.ts <= " e ".ts AND q.id < " e ".id ORDER BY q.ts DESC, q.id DESC LIMIT 1)"

#define WEBHOOK_COLS "id, url, secret, events, active, created_at, updated_at"
#define DELIVERY_COLS "d.id, d.webhook_id, d.event, d.payload, d.attempts, d.status," \
    " d.next_attempt_at, COALESCE(d.last_status_code, 0), d.last_error, d.created_at," \
    " COALESCE(d.delivered_at, 0)"

const char *const store_read_sql[R__COUNT] = {
#define VISITOR_COLS "v.id, v.name, v.email, v.locale, v.page, v.created_at, v.last_seen, v.user_id"
    /* A visitor's first token lives on the row; other devices' in visitor_tokens. */
    [R_VISITOR_BY_TOKEN] = "SELECT " VISITOR_COLS " FROM visitors v WHERE v.token_hash = ?1"
                           " UNION ALL SELECT " VISITOR_COLS " FROM visitor_tokens t"
                           " JOIN visitors v ON v.id = t.visitor_id WHERE t.token_hash = ?1 LIMIT 1",
    [R_VISITOR_BY_ID] = "SELECT " VISITOR_COLS " FROM visitors v WHERE v.id = ?1",
    [R_VISITOR_BY_USER] = "SELECT " VISITOR_COLS " FROM visitors v WHERE v.user_id = ?1",
    [R_LATEST_CONV] = CONV_SELECT "WHERE c.visitor_id = ?1"
                      " ORDER BY c.created_at DESC, c.rowid DESC LIMIT 1",
    [R_GET_CONV] = CONV_SELECT "WHERE c.id = ?1",
    [R_LIST_ANY] = CONV_CLOSED(CONV_COLS_K, "conv_closed_updated")
                   " UNION ALL " CONV_COLS_K CONV_OPEN_TOP(CONV_OPEN, "?1") CONV_RECENT_K "?1",
    /* An open state ?1 (conv_queue: a prefix of it). */
    [R_LIST_STATE] = CONV_COLS CONV_OPEN_TOP("c.state = ?1", "?2") CONV_RECENT "?2",
    [R_LIST_CLOSED] = CONV_CLOSED(CONV_COLS, "conv_closed_updated") CONV_RECENT "?1",
    [R_LIST_AGENT] = CONV_CLOSED(CONV_COLS_K, "conv_agent_closed_updated") " AND c.agent_id = ?1"
                     " UNION ALL " CONV_SELECT_K "WHERE c.agent_id = ?1 AND " CONV_OPEN
                     CONV_RECENT_K "?2",
    [R_LIST_STATE_AGENT] = CONV_SELECT "WHERE c.state = ?1 AND c.agent_id = ?2"
                           CONV_RECENT "?3",
    [R_LIST_CLOSED_AGENT] = CONV_CLOSED(CONV_COLS, "conv_agent_closed_updated")
                            " AND c.agent_id = ?1" CONV_RECENT "?2",
    [R_MSGS] = "SELECT " MSG_COLS " FROM messages"
               " WHERE conversation_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
    /* A note sorts right after the visible message it followed: (after_seq, note_seq)
     * against (seq, 0). Notes written after message N count as "after N". */
    [R_MSGS_NOTES] = "SELECT " MSG_COLS ", seq AS k1, 0 AS k2 FROM messages"
                     " WHERE conversation_id = ?1 AND seq > ?2"
                     " UNION ALL SELECT " MSG_COLS ", after_seq AS k1, note_seq AS k2"
                     " FROM messages WHERE conversation_id = ?1 AND note_seq IS NOT NULL"
                     " AND after_seq >= ?2 ORDER BY k1, k2 LIMIT ?3",
    [R_AGENT_BY_EMAIL] = "SELECT " AGENT_COLS ", a.password_hash FROM agents a"
                         " WHERE a.email = ?1",
    [R_AGENT_BY_ID] = "SELECT " AGENT_COLS ", NULL FROM agents a WHERE a.id = ?1",
    [R_AGENTS] = "SELECT " AGENT_COLS ", NULL FROM agents a ORDER BY a.id",
    [R_AGENT_COUNT] = "SELECT count(*) FROM agents",
    [R_SESSION_AGENT] = "SELECT " AGENT_COLS ", NULL FROM sessions s"
                        " JOIN agents a ON a.id = s.agent_id"
                        " WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND a.active = 1",
    [R_FAQ_LIST] = "SELECT id, json FROM faq ORDER BY position, id",
    /* Open states only: an index range, however many closed conversations exist. */
    [R_OPEN_COUNTS] = "SELECT state, count(*), min(queued_at) FROM conversations"
                      " WHERE state IN ('bot', 'queued', 'assigned', 'offline') GROUP BY state",
    [R_SETTINGS] = "SELECT key, value FROM settings ORDER BY key",
    /* First come, first served; conv_queue (state, queued_at, rowid) is the order. */
    [R_QUEUE] = CONV_SELECT "WHERE c.state = 'queued' ORDER BY c.queued_at, c.rowid LIMIT ?1",
    /* count(c.rowid): NULL for an agent with none, and conv_agent_state covers it. */
    [R_AGENT_LOADS] = "SELECT a.id, a.capacity, count(c.rowid),"
                      " COALESCE(" LAST_ASSIGNED("a.id") ", 0)"
                      " FROM agents a LEFT JOIN conversations c"
                      " ON c.agent_id = a.id AND c.state = 'assigned'"
                      " WHERE a.active = 1 GROUP BY a.id ORDER BY a.id",
    /* The last ?1 claims out of the queue (only a claim writes 'assigned'), each
     * with its wait; one whose queueing is unknown (old data) is skipped.
     * max(0, ...): a clock stepping back must not make a negative wait. */
    [R_QUEUE_WAITS] = "SELECT max(0, e.ts - " QUEUED_BEFORE("e") ") AS wait"
                      " FROM events e INDEXED BY events_type_ts"
                      " WHERE e.type = 'assigned' AND wait IS NOT NULL"
                      " ORDER BY e.ts DESC, e.id DESC LIMIT ?1",
    /* FAQ admin (store_faq_admin.c): unanswered_count is the order. */
    [R_UNANSWERED] = "SELECT key, text, locale, count, last_conversation, first_at, last_at"
                     " FROM unanswered ORDER BY count DESC, last_at DESC LIMIT ?1",
    [R_DRAFTS] = "SELECT id, question, answer, locale, conversation_id, COALESCE(agent_id, 0),"
                 " created_at FROM faq_drafts ORDER BY id DESC LIMIT ?1",
    [R_CANNED_LIST] = "SELECT id, shortcut, title, text, created_at, updated_at FROM canned"
                      " ORDER BY shortcut, id",
    /* Webhooks (store_webhooks.c). */
    [R_WEBHOOKS] = "SELECT " WEBHOOK_COLS " FROM webhooks ORDER BY id",
    [R_WEBHOOK_BY_ID] = "SELECT " WEBHOOK_COLS " FROM webhooks WHERE id = ?1",
    [R_WEBHOOK_DELIVERIES] = "SELECT " DELIVERY_COLS ", NULL, NULL FROM webhook_deliveries d"
                             " WHERE d.webhook_id = ?1 ORDER BY d.id DESC LIMIT ?2",
    /* Pings go out even from a paused hook: the admin asked for them. */
    [R_WEBHOOK_DUE] = "SELECT " DELIVERY_COLS ", w.url, w.secret FROM webhook_deliveries d"
                      " INDEXED BY webhook_deliveries_due JOIN webhooks w ON w.id = d.webhook_id"
                      " WHERE d.status = 'pending' AND d.next_attempt_at <= ?1"
                      " AND (w.active = 1 OR d.event = 'ping')"
                      " ORDER BY d.next_attempt_at, d.id LIMIT ?2",
    [R_WEBHOOK_PENDING] = "SELECT COALESCE(min(next_attempt_at), 0), count(*)"
                          " FROM webhook_deliveries WHERE status = 'pending'",
    /* Search (store_search.c). Every filter is optional: a NULL parameter is
     * "any". ?5 is a LIKE pattern with \ as its escape; only visible messages
     * (seq, not notes) are searched. Newest created first. */
    [R_SEARCH_CONVS] = CONV_SELECT "WHERE (?1 IS NULL OR c.state = ?1)"
                       " AND (?2 IS NULL OR c.agent_id = ?2)"
                       " AND (?3 IS NULL OR c.created_at >= ?3)"
                       " AND (?4 IS NULL OR c.created_at < ?4)"
                       " AND (?5 IS NULL OR v.name LIKE ?5 ESCAPE '\\' OR v.email LIKE ?5 ESCAPE '\\'"
                       " OR EXISTS(SELECT 1 FROM messages m WHERE m.conversation_id = c.id"
                       " AND m.seq IS NOT NULL AND m.text LIKE ?5 ESCAPE '\\'))"
                       " AND (?7 IS NULL OR " TEAM_SCOPE("?7") ")"
                       " ORDER BY c.created_at DESC, c.rowid DESC LIMIT ?6",
    /* A visitor's conversations (conv_visitor), each with its last visible message. */
    [R_VISITOR_CONVS] = "SELECT c.id, c.state, COALESCE(c.agent_id, 0), c.created_at,"
                        " c.closed_at, a.name, COALESCE(c.team_id, 0),"
                        " (SELECT substr(m.text, 1, 200) FROM messages m"
                        " WHERE m.conversation_id = c.id AND m.seq IS NOT NULL"
                        " ORDER BY m.seq DESC LIMIT 1)"
                        " FROM conversations c LEFT JOIN agents a ON a.id = c.agent_id"
                        " WHERE c.visitor_id = ?1 ORDER BY c.created_at DESC, c.rowid DESC LIMIT ?2",
    /* Teams (store_teams.c): few teams, so the lists are read whole. */
    [R_TEAMS] = "SELECT id, name, created_at FROM teams ORDER BY name, id",
    [R_TEAM_MEMBERS] = "SELECT m.team_id, m.agent_id FROM team_members m"
                       " ORDER BY m.team_id, m.agent_id",
    [R_TEAM_IS_MEMBER] = "SELECT 1 FROM team_members WHERE team_id = ?1 AND agent_id = ?2",
    /* An agent's teams and the agents who share one with them (themselves too). */
    [R_TEAM_SCOPE] = "SELECT team_id, 0 FROM team_members WHERE agent_id = ?1"
                     " UNION ALL SELECT DISTINCT 0, m2.agent_id FROM team_members m1"
                     " JOIN team_members m2 ON m2.team_id = m1.team_id WHERE m1.agent_id = ?1",
    [R_LIST_TEAM] = CONV_SELECT "WHERE (?1 IS NULL OR c.state = ?1) AND " TEAM_SCOPE("?2")
                    CONV_RECENT "?3",
    /* The entry the bot last answered with (a visible bot message with an FAQ id). */
    [R_LAST_FAQ] = "SELECT faq_id FROM messages INDEXED BY msg_staff_ts"
                   " WHERE conversation_id = ?1 AND role = 'bot' AND " STORE_STAFF_MSG("")
                   " AND faq_id IS NOT NULL"
                   " AND seq IS NOT NULL ORDER BY seq DESC LIMIT 1",
};

const char *const store_write_sql[W__COUNT] = {
    [W_BEGIN] = "BEGIN IMMEDIATE",
    [W_COMMIT] = "COMMIT",
    [W_ROLLBACK] = "ROLLBACK",
    [W_SAVEPOINT] = "SAVEPOINT op",
    [W_RELEASE] = "RELEASE op",
    [W_ROLLBACK_TO] = "ROLLBACK TO op",
    [W_DUP_LOOKUP] = "SELECT seq, note_seq, CASE WHEN note_seq IS NULL THEN 0 ELSE after_seq END,"
                     " ts FROM messages WHERE conversation_id = ?1 AND role = ?2"
                     " AND COALESCE(author_id, '') = COALESCE(?3, '') AND client_id = ?4",
    /* The sequence counters: ?1 = 1 for a note. The conditions make the counter
     * the authority: a closed or foreign conversation gets no number. */
    [W_BUMP] = "UPDATE conversations SET last_seq = last_seq + (?1 = 0),"
               " last_note_seq = last_note_seq + (?1 != 0),"
               " bot_misses = bot_misses + ?2, updated_at = ?3"
               " WHERE id = ?4 AND state != 'closed' AND (?5 <= 0 OR agent_id = ?5)"
               " RETURNING last_seq, last_note_seq, state, COALESCE(agent_id, 0)",
    [W_INSERT_MSG] = "INSERT INTO messages(conversation_id, seq, note_seq, after_seq, role,"
                     " author_id, author_name, client_id, text, faq_id, faq_score, meta_json, ts)"
                     " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    [W_CONV_ROW] = "SELECT state, COALESCE(agent_id, 0) FROM conversations WHERE id = ?1",
    [W_AGENT_ACTIVE] = "SELECT 1 FROM agents WHERE id = ?1 AND active = 1",
    [W_INSERT_VISITOR] = "INSERT INTO visitors(id, token_hash, name, email, locale, page,"
                         " created_at, last_seen, user_id) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)",
    [W_ADD_VISITOR_TOKEN] = "INSERT INTO visitor_tokens(token_hash, visitor_id, created_at)"
                            " VALUES(?1, ?2, ?3)",
    [W_LINK_VISITOR] = "UPDATE visitors SET user_id = ?1 WHERE id = ?2 AND user_id IS NULL",
    [W_INSERT_CONV] = "INSERT INTO conversations(id, visitor_id, state, created_at, updated_at)"
                      " VALUES(?1, ?2, 'bot', ?3, ?3)",
    [W_EVENT] = "INSERT INTO events(conversation_id, type, agent_id, ts) VALUES(?1, ?2, ?3, ?4)",
    [W_TOUCH_VISITOR] = "UPDATE visitors SET name = COALESCE(?1, name),"
                        " email = COALESCE(?2, email), locale = COALESCE(?3, locale),"
                        " page = COALESCE(?4, page), last_seen = ?5 WHERE id = ?6",
    /* State changes: each is decided by its WHERE clause (first one wins). */
    [W_TO_QUEUE] = "UPDATE conversations SET state = 'queued', queued_at = ?1, updated_at = ?1"
                   " WHERE id = ?2 AND state = 'bot'",
    [W_CLAIM] = "UPDATE conversations SET state = 'assigned', agent_id = ?1, assigned_at = ?2,"
                " updated_at = ?2 WHERE id = ?3 AND state IN ('queued', 'offline')",
    [W_TO_OFFLINE] = "UPDATE conversations SET state = 'offline', queued_at = ?1, updated_at = ?1"
                     " WHERE id = ?2 AND state = 'bot'",
    [W_TRANSFER_TO] = "UPDATE conversations SET agent_id = ?1, assigned_at = ?2, updated_at = ?2"
                      " WHERE id = ?3 AND state = 'assigned' AND agent_id = ?4",
    [W_TRANSFER_QUEUE] = "UPDATE conversations SET state = 'queued', agent_id = NULL,"
                         " queued_at = ?1, updated_at = ?1"
                         " WHERE id = ?2 AND state = 'assigned' AND agent_id = ?3",
    [W_CLOSE] = "UPDATE conversations SET state = 'closed', closed_at = ?1, closed_by = ?2,"
                " updated_at = ?1 WHERE id = ?3 AND state != 'closed'",
    [W_FEEDBACK] = "UPDATE messages SET helpful = ?1"
                   " WHERE conversation_id = ?2 AND seq = ?3 AND role = 'bot' AND faq_id IS NOT NULL",
    [W_RATE] = "INSERT INTO ratings(conversation_id, score, comment, created_at)"
               " VALUES(?1, ?2, ?3, ?4)",
    [W_INSERT_AGENT] = "INSERT INTO agents(email, name, role, password_hash, active, created_at)"
                       " VALUES(?1, ?2, ?3, ?4, 1, ?5) RETURNING id",
    [W_INSERT_SESSION] = "INSERT INTO sessions(token_hash, agent_id, created_at, expires_at)"
                         " VALUES(?1, ?2, ?3, ?4)",
    [W_DELETE_SESSION] = "DELETE FROM sessions WHERE token_hash = ?1",
    [W_PURGE_SESSIONS] = "DELETE FROM sessions WHERE expires_at <= ?1",
    [W_FAQ_INSERT] = "INSERT INTO faq(id, json, position, updated_at)"
                     " VALUES(?1, ?2, (SELECT COALESCE(MAX(position), 0) + 1 FROM faq), ?3)",
    [W_FAQ_UPSERT] = "INSERT INTO faq(id, json, position, updated_at)"
                     " VALUES(?1, ?2, (SELECT COALESCE(MAX(position), 0) + 1 FROM faq), ?3)"
                     " ON CONFLICT(id) DO UPDATE SET json = excluded.json,"
                     " updated_at = excluded.updated_at",
    [W_FAQ_DELETE] = "DELETE FROM faq WHERE id = ?1",
    [W_FAQ_CLEAR] = "DELETE FROM faq",
    /* Negative ?3/?4 keep the value (the CHECK refuses a bad capacity or role). */
    [W_UPDATE_AGENT] = "UPDATE agents SET name = COALESCE(?1, name), role = COALESCE(?2, role),"
                       " capacity = CASE WHEN ?3 < 0 THEN capacity ELSE ?3 END,"
                       " active = CASE WHEN ?4 < 0 THEN active ELSE ?4 END WHERE id = ?5",
    [W_DELETE_AGENT_SESSIONS] = "DELETE FROM sessions WHERE agent_id = ?1",
    [W_SETTING_PUT] = "INSERT INTO settings(key, value, updated_at) VALUES(?1, ?2, ?3)"
                      " ON CONFLICT(key) DO UPDATE SET value = excluded.value,"
                      " updated_at = excluded.updated_at",
    /* One more miss of a question: the latest wording, language and conversation
     * win (an unknown language or conversation keeps the one known). */
    [W_UNANSWERED_ADD] = "INSERT INTO unanswered(key, text, locale, count, last_conversation,"
                         " first_at, last_at) VALUES(?1, ?2, ?3, 1, ?4, ?5, ?5)"
                         " ON CONFLICT(key) DO UPDATE SET text = excluded.text,"
                         " locale = COALESCE(excluded.locale, locale), count = count + 1,"
                         " last_conversation = COALESCE(excluded.last_conversation,"
                         " last_conversation), last_at = excluded.last_at RETURNING count",
    /* Keeps the table at ?1 rows: the rarest, then the oldest, go first. */
    [W_UNANSWERED_PRUNE] = "DELETE FROM unanswered WHERE key IN (SELECT key FROM unanswered"
                           " ORDER BY count, last_at LIMIT"
                           " max(0, (SELECT count(*) FROM unanswered) - ?1))",
    [W_UNANSWERED_DELETE] = "DELETE FROM unanswered WHERE key = ?1",
    [W_DRAFT_ADD] = "INSERT INTO faq_drafts(question, answer, locale, conversation_id, agent_id,"
                    " created_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
    [W_DRAFT_DELETE] = "DELETE FROM faq_drafts WHERE id = ?1",
    [W_CANNED_INSERT] = "INSERT INTO canned(shortcut, title, text, created_at, updated_at)"
                        " VALUES(?1, ?2, ?3, ?4, ?4) RETURNING id",
    [W_CANNED_UPDATE] = "UPDATE canned SET shortcut = ?1, title = ?2, text = ?3, updated_at = ?4"
                        " WHERE id = ?5",
    [W_CANNED_DELETE] = "DELETE FROM canned WHERE id = ?1",
    [W_WEBHOOK_COUNT] = "SELECT count(*) FROM webhooks",
    [W_WEBHOOK_INSERT] = "INSERT INTO webhooks(url, secret, events, active, created_at, updated_at)"
                         " VALUES(?1, ?2, ?3, ?4, ?5, ?5) RETURNING id",
    [W_WEBHOOK_UPDATE] = "UPDATE webhooks SET url = ?1, events = ?2, active = ?3, updated_at = ?4"
                         " WHERE id = ?5",
    [W_WEBHOOK_DELETE] = "DELETE FROM webhooks WHERE id = ?1",
    [W_WEBHOOK_DELETE_LOG] = "DELETE FROM webhook_deliveries WHERE webhook_id = ?1",
    /* One row per hook that wants the event (?1): events is a comma list with
     * no spaces, "" for all. ?4: a ping to that hook alone. */
    [W_WEBHOOK_EMIT] = "INSERT INTO webhook_deliveries(webhook_id, event, payload,"
                       " next_attempt_at, created_at)"
                       " SELECT id, ?1, ?2, ?3, ?3 FROM webhooks WHERE (?4 IS NULL AND active = 1"
                       " AND (events = '' OR instr(',' || events || ',', ',' || ?1 || ',') > 0))"
                       " OR id = ?4 RETURNING id",
    [W_DELIVERY_RESULT] = "UPDATE webhook_deliveries SET attempts = ?2, status = ?3,"
                          " next_attempt_at = ?4, last_status_code = ?5, last_error = ?6,"
                          " delivered_at = ?7 WHERE id = ?1",
    /* Keeps the hook's newest ?2 finished rows (pending ones are never cut). */
    [W_DELIVERY_PRUNE] = "DELETE FROM webhook_deliveries WHERE webhook_id = ?1"
                         " AND status != 'pending' AND id < (SELECT id FROM webhook_deliveries"
                         " WHERE webhook_id = ?1 AND status != 'pending'"
                         " ORDER BY id DESC LIMIT 1 OFFSET ?2)",
    /* A node takes a due delivery by moving it out of everyone's due window
     * (?3: its lease); only the node whose UPDATE changed the row sends it. */
    [W_DELIVERY_CLAIM] = "UPDATE webhook_deliveries SET next_attempt_at = ?3"
                         " WHERE id = ?1 AND status = 'pending' AND next_attempt_at <= ?2",
    [W_DELIVERY_RETRY] = "UPDATE webhook_deliveries SET status = 'pending', attempts = 0,"
                         " next_attempt_at = ?3, delivered_at = NULL"
                         " WHERE id = ?1 AND webhook_id = ?2",
    /* Teams (store_teams.c). OR IGNORE: a member listed twice is one member;
     * an unknown agent still fails the foreign key (PL_ERR_NOT_FOUND). */
    [W_TEAM_INSERT] = "INSERT INTO teams(name, created_at) VALUES(?1, ?2) RETURNING id",
    [W_TEAM_RENAME] = "UPDATE teams SET name = ?1 WHERE id = ?2",
    [W_TEAM_EXISTS] = "SELECT 1 FROM teams WHERE id = ?1",
    [W_TEAM_CLEAR_MEMBERS] = "DELETE FROM team_members WHERE team_id = ?1",
    [W_TEAM_ADD_MEMBER] = "INSERT OR IGNORE INTO team_members(team_id, agent_id) VALUES(?1, ?2)",
    [W_TEAM_UNROUTE] = "UPDATE conversations SET team_id = NULL WHERE team_id = ?1",
    [W_TEAM_DELETE] = "DELETE FROM teams WHERE id = ?1",
    [W_CONV_TEAM] = "UPDATE conversations SET team_id = ?2 WHERE id = ?1 AND state != 'closed'",
};
