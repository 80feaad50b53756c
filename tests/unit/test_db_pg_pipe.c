/* The PostgreSQL driver's pipeline mode (db_pg_pipe.c) against a real server:
 * skipped unless PARLEY_TEST_PG holds a URL (make unit starts one). */
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
static struct db_stmt *begin, *commit, *rollback, *ins, *count;

static int64_t rows(void)
{
    CHECK(dbpg_step(count) == DB_ROW);
    int64_t n = dbpg_col_int(count, 0);
    dbpg_reset(count);
    return n;
}

/* A whole transaction in one round trip: every result read back in order. */
static void test_batch(void)
{
    CHECK(db_pipeline_begin(db) == DB_OK);
    CHECK(db_pipeline_send(begin) == DB_OK);
    for (int i = 1; i <= 300; i++) {
        CHECK(dbpg_bind_int(ins, 1, i) == DB_OK);
        CHECK(dbpg_bind_text(ins, 2, i % 2 ? "odd" : "even") == DB_OK);
        CHECK(db_pipeline_send(ins) == DB_OK);
    }
    CHECK(db_pipeline_send(commit) == DB_OK);
    /* results before the sync would block on a server holding them: refused */
    CHECK(db_pipeline_recv(begin) == DB_ERROR);
    CHECK(db_pipeline_sync(db) == DB_OK);
    CHECK(db_pipeline_send(ins) == DB_ERROR);   /* nothing after the sync */
    CHECK(db_pipeline_recv(begin) == DB_DONE);
    int ok = 1;
    for (int i = 1; i <= 300; i++) {
        ok &= db_pipeline_recv(ins) == DB_ROW && dbpg_col_int(ins, 0) == i * 10;
        ok &= dbpg_step(ins) == DB_DONE;
    }
    CHECK(ok);
    CHECK(db_pipeline_recv(commit) == DB_DONE);
    CHECK(db_pipeline_end(db) == DB_OK);
    CHECK(!dbpg_in_txn(db));
    CHECK(rows() == 300);
}

/* One failure: it is told apart (unique), the rest up to the sync is not
 * run, the COMMIT with it, and the transaction awaits a ROLLBACK. */
static void test_failure(void)
{
    CHECK(db_pipeline_begin(db) == DB_OK);
    CHECK(db_pipeline_send(begin) == DB_OK);
    int ids[] = { 1000, 1 /* exists */, 1001 };
    for (int i = 0; i < 3; i++) {
        CHECK(dbpg_bind_int(ins, 1, ids[i]) == DB_OK);
        CHECK(db_pipeline_send(ins) == DB_OK);
    }
    CHECK(db_pipeline_send(commit) == DB_OK);
    CHECK(db_pipeline_sync(db) == DB_OK);
    CHECK(db_pipeline_recv(begin) == DB_DONE);
    CHECK(db_pipeline_recv(commit) == DB_ERROR);   /* out of order */
    CHECK(db_pipeline_recv(ins) == DB_ROW);
    CHECK(db_pipeline_recv(ins) == DB_CONSTRAINT_UNIQUE);
    CHECK(db_pipeline_recv(ins) == DB_ERROR);
    /* the COMMIT is left unread: end drains it */
    CHECK(db_pipeline_end(db) == DB_OK);
    CHECK(dbpg_in_txn(db));
    CHECK(dbpg_step(ins) == DB_ERROR);             /* the failed transaction */
    dbpg_reset(ins);
    CHECK(dbpg_step(rollback) == DB_DONE);
    dbpg_reset(rollback);
    CHECK(rows() == 300);
}

/* Nothing but the pipeline runs while it is open. */
static void test_misuse(void)
{
    CHECK(db_pipeline_begin(db) == DB_OK);
    CHECK(db_pipeline_begin(db) == DB_ERROR);
    CHECK(dbpg_step(count) == DB_ERROR);
    dbpg_reset(count);
    CHECK(db_pipeline_end(db) == DB_OK);           /* syncs an empty pipeline */
    CHECK(db_pipeline_end(db) == DB_OK);
    CHECK(rows() == 300);
}

/* The connection lost during a pipeline: everything fails, the transaction
 * is lost (no later statement runs in autocommit), and after the reconnect
 * the next pipeline re-prepares its statements inside itself. */
static void test_lost(const char *url)
{
    struct db *other = db_pg_connect(url);
    CHECK(other != NULL);
    if (!other) return;
    pg_kill_backend(db, other);
    /* The client finds out only when it reads: the sends are buffered. */
    CHECK(db_pipeline_begin(db) == DB_OK);
    CHECK(db_pipeline_send(begin) == DB_OK);
    CHECK(dbpg_bind_int(ins, 1, 2000) == DB_OK && db_pipeline_send(ins) == DB_OK);
    (void)db_pipeline_sync(db);                       /* the write may still pass */
    CHECK(db_pipeline_recv(begin) == DB_ERROR);
    CHECK(db_pipeline_recv(ins) == DB_ERROR);
    CHECK(db_pipeline_end(db) == DB_ERROR);
    usleep(300000);                                   /* past the reconnect gap */
    CHECK(dbpg_bind_int(ins, 1, 2001) == DB_OK);
    CHECK(dbpg_step(ins) == DB_ERROR);                /* the lost transaction */
    dbpg_reset(ins);
    CHECK(dbpg_step(rollback) == DB_DONE);
    dbpg_reset(rollback);
    /* A new connection: ins was prepared on the old one. */
    CHECK(db_pipeline_begin(db) == DB_OK);
    CHECK(db_pipeline_send(begin) == DB_OK);
    CHECK(dbpg_bind_int(ins, 1, 2002) == DB_OK && db_pipeline_send(ins) == DB_OK);
    CHECK(dbpg_bind_int(ins, 1, 2003) == DB_OK && db_pipeline_send(ins) == DB_OK);
    CHECK(db_pipeline_send(commit) == DB_OK);
    CHECK(db_pipeline_sync(db) == DB_OK);
    CHECK(db_pipeline_recv(begin) == DB_DONE);
    CHECK(db_pipeline_recv(ins) == DB_ROW && dbpg_col_int(ins, 0) == 20020);
    CHECK(db_pipeline_recv(ins) == DB_ROW && dbpg_col_int(ins, 0) == 20030);
    CHECK(db_pipeline_recv(commit) == DB_DONE);
    CHECK(db_pipeline_end(db) == DB_OK);
    CHECK(rows() == 302);
    CHECK(dbpg_close(other) == DB_OK);
}

int main(void)
{
    const char *url = getenv("PARLEY_TEST_PG");
    if (!url || !*url) { printf("skipped: PARLEY_TEST_PG not set\n"); return 0; }
    db = db_pg_connect(url);
    CHECK(db != NULL);
    if (!db) return test_summary("test_db_pg_pipe");
    snprintf(tbl, sizeof tbl, "t_pipe_%ld_%d", (long)time(NULL), (int)getpid());
    snprintf(sql, sizeof sql, "CREATE TABLE %s(id int PRIMARY KEY, name text)", tbl);
    CHECK(dbpg_exec(db, sql) == DB_OK);
    CHECK(dbpg_prepare(db, "BEGIN", &begin) == DB_OK);
    CHECK(dbpg_prepare(db, "COMMIT", &commit) == DB_OK);
    CHECK(dbpg_prepare(db, "ROLLBACK", &rollback) == DB_OK);
    snprintf(sql, sizeof sql, "INSERT INTO %s(id, name) VALUES (?1, ?2) RETURNING id * 10", tbl);
    CHECK(dbpg_prepare(db, sql, &ins) == DB_OK);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", tbl);
    CHECK(dbpg_prepare(db, sql, &count) == DB_OK);
    test_batch();
    test_failure();
    test_misuse();
    test_lost(url);
    dbpg_finalize(begin);
    dbpg_finalize(commit);
    dbpg_finalize(rollback);
    dbpg_finalize(ins);
    dbpg_finalize(count);
    snprintf(sql, sizeof sql, "DROP TABLE %s", tbl);
    CHECK(dbpg_exec(db, sql) == DB_OK);
    CHECK(dbpg_close(db) == DB_OK);
    return test_summary("test_db_pg_pipe");
}
