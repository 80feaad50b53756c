/* The PostgreSQL driver (db_pg.c) against a real server: skipped unless
 * PARLEY_TEST_PG holds a URL (make unit starts a throwaway one). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "../../server/db_internal.h"
#include "testlib.h"
#include "testpg.h"

static struct db *db;
static char tbl[64], sql[512];

static int run1(const char *q)
{
    struct db_stmt *s;
    if (dbpg_prepare(db, q, &s) != DB_OK) return DB_ERROR;
    int rc = dbpg_step(s);
    dbpg_finalize(s);
    return rc;
}

static void test_types(void)
{
    struct db_stmt *s;
    snprintf(sql, sizeof sql, "INSERT INTO %s(id, name, score, data, flag) VALUES (?1, ?2, ?3, ?4, ?5)", tbl);
    CHECK(dbpg_prepare(db, sql, &s) == DB_OK);
    unsigned char blob[32];
    for (int i = 0; i < 32; i++) blob[i] = (unsigned char)(i * 7);
    blob[3] = 0;
    CHECK(dbpg_bind_int(s, 1, 1) == DB_OK);
    CHECK(dbpg_bind_text(s, 2, "caf\xc3\xa9") == DB_OK);
    CHECK(dbpg_bind_double(s, 3, 2.5) == DB_OK);
    CHECK(dbpg_bind_blob(s, 4, blob, 32) == DB_OK);
    CHECK(dbpg_bind_text(s, 5, "true") == DB_OK);
    CHECK(dbpg_bind_int(s, 6, 0) == DB_ERROR);
    CHECK(dbpg_bind_int(s, 0, 0) == DB_ERROR);
    CHECK(dbpg_step(s) == DB_DONE);
    CHECK(dbpg_changes(db) == 1);
    dbpg_reset(s);
    dbpg_clear_bindings(s);
    CHECK(dbpg_bind_int(s, 1, 2) == DB_OK);
    CHECK(dbpg_bind_null(s, 2) == DB_OK);
    CHECK(dbpg_step(s) == DB_CONSTRAINT_NOTNULL);
    dbpg_reset(s);
    CHECK(dbpg_bind_text(s, 2, "x") == DB_OK);
    CHECK(dbpg_bind_text(s, 5, "false") == DB_OK);
    CHECK(dbpg_step(s) == DB_DONE);
    dbpg_reset(s);
    CHECK(dbpg_step(s) == DB_CONSTRAINT_UNIQUE);
    CHECK(strstr(dbpg_errmsg(db), "duplicate") != NULL);
    dbpg_finalize(s);

    snprintf(sql, sizeof sql, "SELECT id, name, score, data, flag FROM %s ORDER BY id", tbl);
    CHECK(dbpg_prepare(db, sql, &s) == DB_OK);
    CHECK(dbpg_step(s) == DB_ROW);
    CHECK(dbpg_col_int(s, 0) == 1);
    CHECK_STR(dbpg_col_text(s, 1), "caf\xc3\xa9");
    CHECK(dbpg_col_double(s, 2) == 2.5);
    CHECK(dbpg_col_int(s, 4) == 1);
    CHECK(dbpg_col_bytes(s, 1) == 5);
    CHECK(dbpg_step(s) == DB_ROW);
    CHECK(dbpg_col_is_null(s, 2) && dbpg_col_is_null(s, 3));
    CHECK(dbpg_col_int(s, 2) == 0 && dbpg_col_text(s, 3) == NULL);
    CHECK(dbpg_col_int(s, 4) == 0);
    CHECK(dbpg_step(s) == DB_DONE);
    dbpg_finalize(s);

    snprintf(sql, sizeof sql, "SELECT data = ?1 FROM %s WHERE id = 1", tbl);
    CHECK(dbpg_prepare(db, sql, &s) == DB_OK);
    CHECK(dbpg_bind_blob(s, 1, blob, 32) == DB_OK);
    CHECK(dbpg_step(s) == DB_ROW && dbpg_col_int(s, 0) == 1);
    dbpg_finalize(s);

    snprintf(sql, sizeof sql, "UPDATE %s SET score = 1 RETURNING id", tbl);
    CHECK(dbpg_prepare(db, sql, &s) == DB_OK);
    CHECK(dbpg_step(s) == DB_ROW);
    CHECK(dbpg_changes(db) == 2);
    dbpg_finalize(s);
    snprintf(sql, sizeof sql, "DELETE FROM %s WHERE id = 99", tbl);
    CHECK(run1(sql) == DB_DONE && dbpg_changes(db) == 0);

    snprintf(sql, sizeof sql, "INSERT INTO %s_c(p) VALUES (42)", tbl);
    CHECK(run1(sql) == DB_CONSTRAINT_FK);
}

static void test_txn(void)
{
    struct db_stmt *b, *c;
    CHECK(dbpg_prepare(db, "  begin IMMEDIATE", &b) == DB_OK);
    CHECK(dbpg_prepare(db, "COMMIT", &c) == DB_OK);
    CHECK(!dbpg_in_txn(db));
    CHECK(dbpg_step(b) == DB_DONE && dbpg_in_txn(db));
    CHECK(run1("SAVEPOINT sp") == DB_DONE);
    snprintf(sql, sizeof sql, "INSERT INTO %s(id, name) VALUES (1, 'dup')", tbl);
    CHECK(run1(sql) == DB_CONSTRAINT_UNIQUE);
    CHECK(dbpg_in_txn(db));
    CHECK(run1("ROLLBACK TO sp") == DB_DONE);
    CHECK(run1("RELEASE sp") == DB_DONE);
    snprintf(sql, sizeof sql, "INSERT INTO %s(id, name) VALUES (3, 'z')", tbl);
    CHECK(run1(sql) == DB_DONE);
    CHECK(dbpg_step(c) == DB_DONE && !dbpg_in_txn(db));
    dbpg_finalize(b);
    dbpg_finalize(c);
    struct db_stmt *bad = (struct db_stmt *)1;
    CHECK(dbpg_prepare(db, "SELEC nothing", &bad) == DB_ERROR && bad == NULL);
}

static void test_reconnect(const char *url)
{
    struct db *other = db_pg_connect(url);
    CHECK(other != NULL);
    if (!other) return;
    struct db_stmt *s;
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE id > ?1", tbl);
    CHECK(dbpg_prepare(db, sql, &s) == DB_OK);
    CHECK(dbpg_bind_int(s, 1, 0) == DB_OK);
    pg_kill_backend(db, other);
    /* The SELECT never ran on the dead connection: outside a transaction it
     * goes again at once on a new one (re-prepared), so no caller sees the
     * outage that already ended. */
    CHECK(dbpg_step(s) == DB_ROW && dbpg_col_int(s, 0) == 3);
    dbpg_finalize(s);
    CHECK(dbpg_close(other) == DB_OK);
}

/* A transaction cut by a lost connection: the reconnect must not let later
 * statements run in autocommit, nor a COMMIT report success; ROLLBACK ends it. */
static void test_lost_txn(const char *url)
{
    struct db *other = db_pg_connect(url);
    CHECK(other != NULL);
    if (!other) return;
    struct db_stmt *begin, *ins, *commit, *rollback, *count;
    CHECK(dbpg_prepare(db, "BEGIN IMMEDIATE", &begin) == DB_OK);
    snprintf(sql, sizeof sql, "INSERT INTO %s(id, name) VALUES (?1, 'lost')", tbl);
    CHECK(dbpg_prepare(db, sql, &ins) == DB_OK);
    CHECK(dbpg_prepare(db, "COMMIT", &commit) == DB_OK);
    CHECK(dbpg_prepare(db, "ROLLBACK", &rollback) == DB_OK);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE name = 'lost'", tbl);
    CHECK(dbpg_prepare(db, sql, &count) == DB_OK);
    CHECK(dbpg_step(begin) == DB_DONE);
    dbpg_reset(begin);
    CHECK(dbpg_bind_int(ins, 1, 100) == DB_OK && dbpg_step(ins) == DB_DONE);
    dbpg_reset(ins);
    pg_kill_backend(db, other);
    CHECK(dbpg_bind_int(ins, 1, 101) == DB_OK && dbpg_step(ins) == DB_ERROR);
    dbpg_reset(ins);
    usleep(300000);           /* past the reconnect gap: the next call reconnects */
    CHECK(dbpg_bind_int(ins, 1, 102) == DB_OK && dbpg_step(ins) == DB_ERROR);
    dbpg_reset(ins);
    CHECK(dbpg_step(commit) == DB_ERROR);
    dbpg_reset(commit);
    CHECK(dbpg_step(rollback) == DB_DONE);
    dbpg_reset(rollback);
    CHECK(dbpg_step(count) == DB_ROW && dbpg_col_int(count, 0) == 0);
    dbpg_finalize(begin);
    dbpg_finalize(ins);
    dbpg_finalize(commit);
    dbpg_finalize(rollback);
    dbpg_finalize(count);
    CHECK(dbpg_close(other) == DB_OK);
}

int main(void)
{
    const char *url = getenv("PARLEY_TEST_PG");
    if (!url || !*url) { printf("skipped: PARLEY_TEST_PG not set\n"); return 0; }
    db = db_pg_connect(url);
    CHECK(db != NULL);
    if (!db) return test_summary("test_db_pg");
    snprintf(tbl, sizeof tbl, "t_dbpg_%ld_%d", (long)time(NULL), (int)getpid());
    snprintf(sql, sizeof sql, "CREATE TABLE %s(id int PRIMARY KEY, name text NOT NULL, score float8,"
             " data bytea, flag boolean); CREATE TABLE %s_c(p int REFERENCES %s(id))", tbl, tbl, tbl);
    CHECK(dbpg_exec(db, sql) == DB_OK);
    test_types();
    test_txn();
    test_reconnect(url);
    test_lost_txn(url);
    snprintf(sql, sizeof sql, "DROP TABLE %s_c; DROP TABLE %s", tbl, tbl);
    CHECK(dbpg_exec(db, sql) == DB_OK);
    CHECK(dbpg_close(db) == DB_OK);
    return test_summary("test_db_pg");
}
