/*
 * `parley migrate`, after the rows are in: the identity sequences moved past
 * the copied ids, then the proof that the copy is whole (migrate.c runs these
 * inside the target's transaction, before its COMMIT, so a mismatch rolls
 * the copy back).
 */
#include <stdio.h>
#include <string.h>
#include <sqlite3.h>
#include "migrate_internal.h"

int64_t migrate_sq_int(sqlite3 *db, const char *sql, int *ok)
{
    sqlite3_stmt *s = NULL;
    int64_t v = 0;
    *ok = sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW;
    if (*ok) v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

int64_t migrate_pg_int(struct db *db, const char *sql, int *ok)
{
    struct db_stmt *s = NULL;
    int64_t v = 0;
    *ok = db_prepare(db, sql, &s) == DB_OK && db_step(s) == DB_ROW;
    if (*ok) v = db_col_int(s, 0);
    db_finalize(s);
    return v;
}

/* Every identity column's sequence moves past the ids copied explicitly.
 * setval is not undone by a ROLLBACK: after a failed copy the sequences of
 * the (still empty) target may start past 1, which only leaves a gap, and the
 * next copy sets them again. */
int migrate_set_sequences(struct migration *m)
{
    struct db_stmt *s = NULL;
    char names[MAX_TABLES][2][NAME_LEN];
    int n = 0, rc;
    if (db_prepare(m->dst, "SELECT table_name, column_name FROM information_schema.columns"
                   " WHERE table_schema = current_schema() AND is_identity = 'YES'", &s) != DB_OK)
        return migrate_fail("reading the identity columns: %s", db_errmsg(m->dst));
    while ((rc = db_step(s)) == DB_ROW && n < MAX_TABLES) {
        snprintf(names[n][0], NAME_LEN, "%s", db_col_text(s, 0));
        snprintf(names[n][1], NAME_LEN, "%s", db_col_text(s, 1));
        if (migrate_plain_name(names[n][0]) && migrate_plain_name(names[n][1])) n++;
    }
    db_finalize(s);
    if (rc != DB_DONE) return migrate_fail("reading the identity columns: %s", db_errmsg(m->dst));
    for (int i = 0; i < n; i++) {
        char sql[512] = "";
        int ok;
        /* is_called false: the next id handed out is max + 1 (1 when empty). */
        if (migrate_cat(sql, sizeof(sql), "SELECT setval(pg_get_serial_sequence('\"%s\"', '%s'),"
                " COALESCE(max(\"%s\"), 0) + 1, false) FROM \"%s\"",
                names[i][0], names[i][1], names[i][1], names[i][0]))
            return migrate_fail("%s: name too long", names[i][0]);
        migrate_pg_int(m->dst, sql, &ok);
        if (!ok) return migrate_fail("%s.%s: setting its sequence: %s", names[i][0], names[i][1],
                             db_errmsg(m->dst));
    }
    return 0;
}

int migrate_verify_counts(struct migration *m)
{
    int bad = 0;
    for (int i = 0; i < m->n; i++) {
        char sql[128];
        int ok1, ok2;
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM \"%s\"", m->t[i].name);
        int64_t a = migrate_sq_int(m->src, sql, &ok1), b = migrate_pg_int(m->dst, sql, &ok2);
        if (!ok1 || !ok2) return migrate_fail("%s: counting: %s", m->t[i].name,
                                      !ok1 ? sqlite3_errmsg(m->src) : db_errmsg(m->dst));
        if (a != b || a != m->t[i].rows)
            bad = migrate_fail("verify: %s has %lld rows in SQLite, %lld in PostgreSQL (%lld copied)",
                       m->t[i].name, (long long)a, (long long)b, (long long)m->t[i].rows);
    }
    return bad;
}

#define PER_CONV "SELECT conversation_id, count(*), COALESCE(max(seq), 0)," \
    " COALESCE(max(note_seq), 0) FROM messages GROUP BY conversation_id ORDER BY conversation_id"

/* Per conversation: as many messages and notes, and the same last seqs. Both
 * sides sort the ids by bytes (PostgreSQL's text is COLLATE "C"), so the two
 * lists are compared in step. */
int migrate_verify_messages(struct migration *m)
{
    sqlite3_stmt *a = NULL;
    struct db_stmt *b = NULL;
    int bad = 0, ra = SQLITE_DONE, rb = DB_DONE;
    if (sqlite3_prepare_v2(m->src, PER_CONV, -1, &a, NULL) != SQLITE_OK ||
        db_prepare(m->dst, PER_CONV, &b) != DB_OK) {
        bad = migrate_fail("verify: per-conversation query: %s / %s", sqlite3_errmsg(m->src),
                   db_errmsg(m->dst));
        goto out;
    }
    for (;;) {
        ra = sqlite3_step(a);
        rb = db_step(b);
        if (ra != SQLITE_ROW || rb != DB_ROW) break;
        const char *id = (const char *)sqlite3_column_text(a, 0);
        int64_t n = sqlite3_column_int64(a, 1), seq = sqlite3_column_int64(a, 2),
                note = sqlite3_column_int64(a, 3);
        if (strcmp(id ? id : "", db_col_text(b, 0)) || n != db_col_int(b, 1) ||
            seq != db_col_int(b, 2) || note != db_col_int(b, 3)) {
            bad = migrate_fail("verify: messages of conversation %s: %lld rows, last seq %lld, last note"
                       " %lld in SQLite; conversation %s: %lld, %lld, %lld in PostgreSQL",
                       id ? id : "", (long long)n, (long long)seq, (long long)note,
                       db_col_text(b, 0), (long long)db_col_int(b, 1),
                       (long long)db_col_int(b, 2), (long long)db_col_int(b, 3));
            goto out;
        }
    }
    if (ra != SQLITE_DONE || rb != DB_DONE)
        bad = migrate_fail("verify: messages: the per-conversation lists differ (%s)",
                   ra == SQLITE_ROW ? "PostgreSQL has fewer conversations"
                   : rb == DB_ROW ? "SQLite has fewer conversations" : "a query failed");
out:
    sqlite3_finalize(a);
    db_finalize(b);
    return bad;
}
