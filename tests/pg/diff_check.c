/*
 * Runs one scenario of store statements on SQLite (store_migrations, the
 * statements of store_sql.c, typed binds as the store makes them) and on
 * PostgreSQL (store_schema_pg.c, each statement as the driver will prepare it:
 * the override, else db_pg_rewrite; parameters sent as text, types inferred),
 * and reports every step whose rows, changed-row count or constraint failure
 * differ. Booleans read as 1/0 on PostgreSQL, as the driver reads them.
 * Deliberate differences are written down where they are allowed for.
 *   diff_check URL    (a fresh PostgreSQL database; PARLEY_DIFF_VERBOSE=1 prints
 *                     every step's result)
 * Not built by CMake: check_sql.sh links it against build/libparley_core.a.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include "../../server/db.h"
#include "../../server/store_internal.h"

/* A parameter: "i:5", "t:text", "d:0.5", "b:hex", "n" (NULL). */
struct step { char kind; int idx; const char *p[14]; };
#define MAX "i:9223372036854775807"
#define TOK "b:abababababababababababababababababababababababababababababababab"
#define TOK2 "b:cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
#define R(i, ...) { 'r', i, { __VA_ARGS__ } }
#define W(i, ...) { 'w', i, { __VA_ARGS__ } }

static const struct step steps[] = {
    W(W_INSERT_VISITOR, "t:v1", TOK, "t:Ann", "t:ann@example.com", "t:en", "t:/p", "i:1000", "n"),
    R(R_VISITOR_BY_TOKEN, TOK),
    W(W_INSERT_AGENT, "t:Bob@Example.com", "t:Bob", "t:agent", "t:h", "i:1000"),
    W(W_INSERT_AGENT, "t:cy@example.com", "t:Cy", "t:admin", "t:h", "i:1000"),
    W(W_INSERT_AGENT, "t:BOB@example.COM", "t:Dup", "t:agent", "t:h", "i:1000"),
    W(W_INSERT_AGENT, "t:x@example.com", "t:X", "t:owner", "t:h", "i:1000"),
    R(R_AGENT_BY_EMAIL, "t:bob@EXAMPLE.com"),
    R(R_AGENT_BY_EMAIL, "t:bob@example.co"),
    W(W_INSERT_SESSION, TOK2, "i:1", "i:1000", "i:5000"),
    W(W_INSERT_SESSION, TOK2, "i:99", "i:1000", "i:5000"),
    R(R_SESSION_AGENT, TOK2, "i:2000"),
    R(R_SESSION_AGENT, TOK2, "i:6000"),
    W(W_INSERT_CONV, "t:c1", "t:v1", "i:1000"),
    W(W_EVENT, "t:c1", "t:created", "n", "i:1000"),
    W(W_BUMP, "i:0", "i:0", "i:1100", "t:c1", "i:0"),
    W(W_INSERT_MSG, "t:c1", "i:1", "n", "i:0", "t:visitor", "n", "n", "t:k1", "t:Hello THERE",
      "n", "n", "n", "i:1100"),
    W(W_DUP_LOOKUP, "t:c1", "t:visitor", "n", "t:k1"),
    W(W_INSERT_MSG, "t:c1", "i:2", "n", "i:1", "t:visitor", "n", "n", "t:k1", "t:dup",
      "n", "n", "n", "i:1100"),
    W(W_BUMP, "i:0", "i:1", "i:1200", "t:c1", "i:0"),
    W(W_INSERT_MSG, "t:c1", "i:2", "n", "i:1", "t:bot", "n", "t:Bot", "n", "t:An answer",
      "t:faq1", "d:0.75", "t:{}", "i:1200"),
    W(W_FEEDBACK, "i:1", "t:c1", "i:2"),
    R(R_LAST_FAQ, "t:c1"),
    W(W_TO_QUEUE, "i:1300", "t:c1"),
    W(W_EVENT, "t:c1", "t:queued", "n", "i:1300"),
    R(R_QUEUE, MAX),
    R(R_OPEN_COUNTS),
    W(W_CLAIM, "i:1", "i:1500", "t:c1"),
    W(W_CLAIM, "i:2", "i:1500", "t:c1"),
    W(W_EVENT, "t:c1", "t:assigned", "i:1", "i:1500"),
    W(W_CONV_ROW, "t:c1"),
    W(W_AGENT_ACTIVE, "i:1"),
    W(W_BUMP, "i:0", "i:0", "i:1600", "t:c1", "i:2"),
    W(W_BUMP, "i:1", "i:0", "i:1600", "t:c1", "i:1"),
    W(W_INSERT_MSG, "t:c1", "n", "i:1", "i:2", "t:agent", "t:1", "t:Bob", "n", "t:a note",
      "n", "n", "n", "i:1600"),
    W(W_BUMP, "i:0", "i:0", "i:1700", "t:c1", "i:1"),
    W(W_INSERT_MSG, "t:c1", "i:3", "n", "i:2", "t:agent", "t:1", "t:Bob", "t:k2",
      "t:Hi from Bob", "n", "n", "n", "i:1700"),
    W(W_INSERT_MSG, "t:c1", "i:4", "i:2", "i:2", "t:agent", "n", "n", "n", "t:both",
      "n", "n", "n", "i:1700"),
    R(R_MSGS, "t:c1", "i:0", MAX),
    R(R_MSGS, "t:c1", "i:1", "i:1"),
    R(R_MSGS_NOTES, "t:c1", "i:0", MAX),
    R(R_MSGS_NOTES, "t:c1", "i:2", MAX),
    R(R_AGENT_LOADS),
    R(R_QUEUE_WAITS, "i:10"),
    R(R_GET_CONV, "t:c1"),
    W(W_INSERT_CONV, "t:c2", "t:v1", "i:2000"),
    W(W_EVENT, "t:c2", "t:created", "n", "i:2000"),
    /* Failing inserts come after the last row of their table that is compared:
     * a PostgreSQL sequence is not rolled back with the statement, so a failed
     * insert leaves a gap in the ids (and rowids) that SQLite would reuse. */
    W(W_INSERT_CONV, "t:c9", "t:nobody", "i:1000"),
    R(R_LIST_ANY, MAX),
    R(R_LIST_ANY, "i:1"),
    R(R_LIST_STATE, "t:bot", MAX),
    R(R_LIST_AGENT, "i:1", MAX),
    R(R_LIST_STATE_AGENT, "t:assigned", "i:1", MAX),
    R(R_SEARCH_CONVS, "n", "n", "n", "n", "t:%hello%", MAX, "n"),
    R(R_SEARCH_CONVS, "n", "i:1", "i:0", "i:5000", "t:%ANN@%", MAX, "n"),
    R(R_SEARCH_CONVS, "t:bot", "n", "n", "n", "n", MAX, "n"),
    R(R_SEARCH_CONVS, "n", "n", "n", "n", "t:%\\%%", MAX, "n"),
    R(R_SEARCH_CONVS, "n", "n", "n", "n", "t:%h_llo%", MAX, "n"),
    W(W_CLOSE, "i:1800", "t:agent", "t:c1"),
    W(W_CLOSE, "i:1900", "t:agent", "t:c1"),
    W(W_EVENT, "t:c1", "t:closed", "n", "i:1800"),
    W(W_RATE, "t:c1", "i:5", "t:good", "i:1850"),
    W(W_RATE, "t:c1", "i:4", "t:again", "i:1850"),
    R(R_LIST_CLOSED, MAX),
    R(R_LIST_CLOSED_AGENT, "i:1", MAX),
    R(R_LIST_ANY, MAX),
    R(R_LIST_AGENT, "i:1", MAX),
    R(R_LATEST_CONV, "t:v1"),
    R(R_VISITOR_CONVS, "t:v1", MAX),
    { 'k', 0, { "i:0", "i:10000", "i:0" } },
    { 'k', 0, { "i:0", "i:10000", "i:1" } },
    { 'k', 0, { "i:0", "i:10000", "i:2" } },
    W(W_TEAM_INSERT, "t:Sales", "i:100"),
    W(W_TEAM_INSERT, "t:alpha", "i:100"),
    W(W_TEAM_INSERT, "t:SALES", "i:100"),
    W(W_TEAM_ADD_MEMBER, "i:1", "i:1"),
    W(W_TEAM_ADD_MEMBER, "i:1", "i:1"),
    W(W_TEAM_ADD_MEMBER, "i:1", "i:99"),
    W(W_TEAM_EXISTS, "i:1"),
    R(R_TEAMS),
    R(R_TEAM_MEMBERS),
    R(R_TEAM_IS_MEMBER, "i:1", "i:1"),
    R(R_TEAM_SCOPE, "i:1"),
    W(W_CONV_TEAM, "t:c2", "i:1"),
    R(R_LIST_TEAM, "n", "i:1", MAX),
    R(R_LIST_TEAM, "t:bot", "i:2", MAX),
    { 'K', 0, { "i:0", "i:10000", "i:0", "i:1" } },
    R(R_SEARCH_CONVS, "n", "n", "n", "n", "n", MAX, "i:1"),
    W(W_UPDATE_AGENT, "n", "n", "i:7", "i:-1", "i:2"),
    W(W_UPDATE_AGENT, "t:Cyril", "n", "i:-1", "i:0", "i:2"),
    W(W_UPDATE_AGENT, "n", "t:boss", "i:-1", "i:-1", "i:2"),
    W(W_UPDATE_AGENT, "n", "n", "i:1001", "i:-1", "i:2"),
    R(R_AGENTS),
    R(R_AGENT_COUNT),
    W(W_SETTING_PUT, "t:b", "t:2", "i:1"),
    W(W_SETTING_PUT, "t:B", "t:1", "i:1"),
    W(W_SETTING_PUT, "t:b", "t:3", "i:2"),
    W(W_SETTING_PUT, "t:a-b", "t:3", "i:2"),
    W(W_SETTING_PUT, "t:a_b", "t:3", "i:2"),
    R(R_SETTINGS),
    W(W_FAQ_UPSERT, "t:f2", "t:{\"q\":2}", "i:1"),
    W(W_FAQ_INSERT, "t:f1", "t:{\"q\":1}", "i:1"),
    W(W_FAQ_UPSERT, "t:f2", "t:{\"q\":22}", "i:2"),
    R(R_FAQ_LIST),
    W(W_UNANSWERED_ADD, "t:k", "t:How?", "t:en", "t:c1", "i:10"),
    W(W_UNANSWERED_ADD, "t:k", "t:how", "n", "n", "i:20"),
    W(W_UNANSWERED_ADD, "t:j", "t:Why", "n", "n", "i:30"),
    R(R_UNANSWERED, MAX),
    W(W_UNANSWERED_PRUNE, "i:5"),
    W(W_UNANSWERED_PRUNE, "i:1"),
    R(R_UNANSWERED, MAX),
    W(W_DRAFT_ADD, "t:Q", "t:A", "n", "t:c1", "n", "i:5"),
    R(R_DRAFTS, MAX),
    W(W_CANNED_INSERT, "t:hi", "t:Hi", "t:Hello!", "i:5"),
    W(W_CANNED_INSERT, "t:_b-2", "t:B", "t:b", "i:5"),
    W(W_CANNED_INSERT, "t:Hi", "t:Hi", "t:x", "i:5"),
    W(W_CANNED_INSERT, "t:h i", "t:Hi", "t:x", "i:5"),
    W(W_CANNED_INSERT, "t:a", "t:", "t:x", "i:5"),
    R(R_CANNED_LIST),
    W(W_WEBHOOK_INSERT, "t:https://a.example/h", "t:s", "t:", "i:1", "i:10"),
    W(W_WEBHOOK_INSERT, "t:HTTP://b.example/h", "t:s", "t:message.created,conversation.closed",
      "i:1", "i:10"),
    W(W_WEBHOOK_INSERT, "t:http://c.example/h", "t:s", "t:message.created", "i:0", "i:10"),
    W(W_WEBHOOK_INSERT, "t:ftp://d.example/h", "t:s", "t:", "i:1", "i:10"),
    W(W_WEBHOOK_INSERT, "t:http://e.example/h", "t:s", "t:", "i:2", "i:10"),
    W(W_WEBHOOK_COUNT),
    W(W_WEBHOOK_EMIT, "t:conversation.closed", "t:{}", "i:100", "n"),
    W(W_WEBHOOK_EMIT, "t:conversation", "t:{}", "i:100", "n"),
    W(W_WEBHOOK_EMIT, "t:ping", "t:{}", "i:100", "i:3"),
    W(W_WEBHOOK_EMIT, "t:ping", "t:{}", "i:100", "i:42"),
    R(R_WEBHOOK_DUE, "i:100", MAX),
    R(R_WEBHOOK_PENDING),
    W(W_DELIVERY_CLAIM, "i:1", "i:100", "i:500"),
    W(W_DELIVERY_CLAIM, "i:1", "i:100", "i:500"),
    W(W_DELIVERY_RESULT, "i:1", "i:1", "t:delivered", "i:500", "i:200", "n", "i:510"),
    W(W_DELIVERY_RESULT, "i:3", "i:1", "t:failed", "i:500", "i:500", "t:boom", "n"),
    R(R_WEBHOOK_DELIVERIES, "i:1", MAX),
    W(W_DELIVERY_PRUNE, "i:1", "i:1"),
    W(W_DELIVERY_PRUNE, "i:1", "i:0"),
    W(W_DELIVERY_RETRY, "i:3", "i:1", "i:600"),
    R(R_WEBHOOK_DELIVERIES, "i:1", MAX),
    W(W_WEBHOOK_UPDATE, "t:https://a.example/x", "t:ping", "i:0", "i:20", "i:1"),
    R(R_WEBHOOKS),
    R(R_WEBHOOK_BY_ID, "i:1"),
    W(W_WEBHOOK_DELETE_LOG, "i:1"),
    W(W_WEBHOOK_DELETE, "i:1"),
    W(W_TEAM_UNROUTE, "i:1"),
    W(W_TEAM_DELETE, "i:1"),
    R(R_TEAM_MEMBERS),
    W(W_LINK_VISITOR, "t:u1", "t:v1"),
    W(W_ADD_VISITOR_TOKEN, TOK2, "t:v1", "i:3000"),
    R(R_VISITOR_BY_TOKEN, TOK2),
    R(R_VISITOR_BY_USER, "t:u1"),
    W(W_TOUCH_VISITOR, "n", "t:ann@new.example", "n", "t:/q", "i:4000", "t:v1"),
    R(R_VISITOR_BY_ID, "t:v1"),
    W(W_PURGE_SESSIONS, "i:6000"),
    W(W_TRANSFER_QUEUE, "i:1", "t:c1", "i:1"),
    W(W_INSERT_CONV, "t:c3", "t:v1", "i:5000"),
    W(W_TO_OFFLINE, "i:5100", "t:c3"),
    R(R_LIST_STATE, "t:offline", MAX),
    W(W_CLAIM, "i:1", "i:5200", "t:c3"),
    W(W_TRANSFER_TO, "i:2", "i:5300", "t:c3", "i:2"),
    W(W_TRANSFER_TO, "i:2", "i:5300", "t:c3", "i:1"),
    W(W_TRANSFER_QUEUE, "i:5400", "t:c3", "i:2"),
    R(R_QUEUE, MAX),
    R(R_OPEN_COUNTS),
    W(W_CANNED_UPDATE, "t:HI", "t:Hi", "t:x", "i:6", "i:1"),
    W(W_CANNED_UPDATE, "t:_b-2", "t:Hi", "t:x", "i:6", "i:1"),
    W(W_CANNED_UPDATE, "t:hey", "t:Hey", "t:x", "i:6", "i:1"),
    W(W_CANNED_DELETE, "i:2"),
    R(R_CANNED_LIST),
    W(W_TEAM_RENAME, "t:ALPHA", "i:2"),
    W(W_TEAM_RENAME, "t:Beta", "i:2"),
    R(R_TEAMS),
    W(W_TEAM_CLEAR_MEMBERS, "i:2"),
    W(W_UNANSWERED_DELETE, "t:k"),
    W(W_DRAFT_DELETE, "i:1"),
    W(W_FAQ_DELETE, "t:f1"),
    W(W_FAQ_CLEAR),
    W(W_DELETE_SESSION, TOK2),
    W(W_DELETE_AGENT_SESSIONS, "i:1"),
};

static const char *sql_of(const struct step *s, int pg)
{
    switch (s->kind) {
    case 'r': return pg && store_read_sql_pg[s->idx] ? store_read_sql_pg[s->idx]
                                                     : store_read_sql[s->idx];
    case 'w': return pg && store_write_sql_pg[s->idx] ? store_write_sql_pg[s->idx]
                                                      : store_write_sql[s->idx];
    case 'k': return pg && store_kpi_sql_pg ? store_kpi_sql_pg : store_kpi_sql;
    default: return pg && store_kpi_team_sql_pg ? store_kpi_team_sql_pg : store_kpi_team_sql;
    }
}

static int writes(const char *sql)
{
    return !strncmp(sql, "INSERT", 6) || !strncmp(sql, "UPDATE", 6) || !strncmp(sql, "DELETE", 6);
}

static void append(char *buf, size_t len, const char *s)
{
    size_t n = strlen(buf);
    snprintf(buf + n, len - n, "%s", s);
}

static void run_lite(sqlite3 *db, const struct step *st, char *out, size_t len)
{
    sqlite3_stmt *s = NULL;
    const char *sql = sql_of(st, 0);
    out[0] = '\0';
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
        snprintf(out, len, "PREPARE FAILED %s", sqlite3_errmsg(db));
        return;
    }
    unsigned char blob[64];
    for (int i = 0; i < 14 && st->p[i]; i++) {
        const char *p = st->p[i];
        if (p[0] == 'i') sqlite3_bind_int64(s, i + 1, strtoll(p + 2, NULL, 10));
        else if (p[0] == 't') sqlite3_bind_text(s, i + 1, p + 2, -1, SQLITE_STATIC);
        else if (p[0] == 'd') sqlite3_bind_double(s, i + 1, strtod(p + 2, NULL));
        else if (p[0] == 'b') {
            int n = 0;
            for (const char *h = p + 2; h[0] && h[1] && n < 64; h += 2) {
                unsigned v;
                sscanf(h, "%2x", &v);
                blob[n++] = (unsigned char)v;
            }
            sqlite3_bind_blob(s, i + 1, blob, n, SQLITE_TRANSIENT);
        } else sqlite3_bind_null(s, i + 1);
    }
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(s); c++) {
            const unsigned char *t = sqlite3_column_text(s, c);
            append(out, len, c ? "|" : "");
            append(out, len, t ? (const char *)t : "NULL");
        }
        append(out, len, "\n");
    }
    int ext = sqlite3_extended_errcode(db);
    if (rc != SQLITE_DONE)
        append(out, len, ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY
                             ? "UNIQUE\n" : ext == SQLITE_CONSTRAINT_FOREIGNKEY ? "FK\n"
                             : ext == SQLITE_CONSTRAINT_CHECK ? "CHECK\n"
                             : ext == SQLITE_CONSTRAINT_NOTNULL ? "NOTNULL\n" : "ERROR\n");
    else if (writes(sql)) {
        char n[32];
        snprintf(n, sizeof(n), "changes %d\n", sqlite3_changes(db));
        append(out, len, n);
    }
    sqlite3_finalize(s);
}

static void run_pg(PGconn *c, const struct step *st, char *out, size_t len)
{
    const char *vals[14] = { 0 };
    char bufs[14][80];
    int n = 0;
    for (; n < 14 && st->p[n]; n++) {
        const char *p = st->p[n];
        if (p[0] == 'n') continue;
        if (p[0] == 'b') {
            snprintf(bufs[n], sizeof(bufs[n]), "\\x%s", p + 2);
            vals[n] = bufs[n];
        } else vals[n] = p + 2;
    }
    char *sql = db_pg_rewrite(sql_of(st, 1));
    PGresult *r = PQexecParams(c, sql, n, NULL, vals, NULL, NULL, 0);
    out[0] = '\0';
    ExecStatusType es = PQresultStatus(r);
    if (es == PGRES_TUPLES_OK || es == PGRES_COMMAND_OK) {
        for (int i = 0; i < PQntuples(r); i++) {
            for (int k = 0; k < PQnfields(r); k++) {
                const char *t = PQgetisnull(r, i, k) ? "NULL" : PQgetvalue(r, i, k);
                if (PQftype(r, k) == 16) t = t[0] == 't' ? "1" : "0";   /* bool */
                append(out, len, k ? "|" : "");
                append(out, len, t);
            }
            append(out, len, "\n");
        }
        if (writes(sql)) {
            char m[48];
            snprintf(m, sizeof(m), "changes %s\n", PQcmdTuples(r));
            append(out, len, m);
        }
    } else {
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        state = state ? state : "";
        append(out, len, !strcmp(state, "23505") ? "UNIQUE\n" : !strcmp(state, "23503") ? "FK\n"
                         : !strcmp(state, "23514") ? "CHECK\n"
                         : !strcmp(state, "23502") ? "NOTNULL\n" : "ERROR\n");
        if (strncmp(state, "23", 2) != 0) fprintf(stderr, "  pg: %s", PQerrorMessage(c));
    }
    PQclear(r);
    free(sql);
}

int main(int argc, char **argv)
{
    if (argc != 2) { fprintf(stderr, "usage: diff_check URL\n"); return 2; }
    sqlite3 *db = NULL;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK) return 1;
    sqlite3_extended_result_codes(db, 1);
    for (int i = 0; i < store_migration_count; i++)
        if (sqlite3_exec(db, store_migrations[i], NULL, NULL, NULL) != SQLITE_OK) return 1;
    sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
    PGconn *c = PQconnectdb(argv[1]);
    if (PQstatus(c) != CONNECTION_OK) { fprintf(stderr, "%s", PQerrorMessage(c)); return 1; }
    for (int i = 0; i < store_pg_migration_count; i++) {
        if (!store_pg_migrations[i]) continue;
        PGresult *r = PQexec(c, store_pg_migrations[i]);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) { fprintf(stderr, "%s", PQerrorMessage(c)); return 1; }
        PQclear(r);
    }
    int bad = 0, n = (int)(sizeof(steps) / sizeof(steps[0]));
    static char a[16384], b[16384];
    for (int i = 0; i < n; i++) {
        run_lite(db, &steps[i], a, sizeof(a));
        run_pg(c, &steps[i], b, sizeof(b));
        if (getenv("PARLEY_DIFF_VERBOSE"))
            printf("step %d (%c%d):\n%s", i, steps[i].kind, steps[i].idx, a);
        if (strcmp(a, b) != 0) {
            bad++;
            printf("step %d (%c%d) differs:\n--- sqlite\n%s--- postgresql\n%s", i, steps[i].kind,
                   steps[i].idx, a, b);
        }
    }
    printf("diff: %d steps, %d differ\n", n, bad);
    PQfinish(c);
    sqlite3_close(db);
    return bad ? 1 : 0;
}
