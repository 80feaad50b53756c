/* The PostgreSQL driver's statement rewrite (db_pg_sql.c). */
#include <stdlib.h>
#include <string.h>
#include "../../server/db.h"
#include "testlib.h"

static void rw(const char *in, const char *want)
{
    char *got = db_pg_rewrite(in);
    CHECK_STR(got, want);
    free(got);
}

int main(void)
{
    /* Parameters, and what is not one. */
    rw("SELECT a FROM t WHERE x = ?1 AND y = ?12", "SELECT a FROM t WHERE x = $1 AND y = $12");
    rw("VALUES(?1,?2)", "VALUES($1,$2)");
    rw("SELECT '?1', \"?2\", ?3", "SELECT '?1', \"?2\", $3");
    rw("SELECT 'it''s ?1', ?2", "SELECT 'it''s ?1', $2");
    rw("SELECT \"a\"\"?1\", ?2", "SELECT \"a\"\"?1\", $2");
    rw("SELECT ? FROM t", "SELECT ? FROM t");
    /* Already PostgreSQL: untouched. */
    rw("SELECT $1::bigint, GREATEST(0, $2) FROM t WHERE a ILIKE $3 ESCAPE '\\'",
       "SELECT $1::bigint, GREATEST(0, $2) FROM t WHERE a ILIKE $3 ESCAPE '\\'");
    rw("", "");
    /* Planner hints. */
    rw("SELECT 1 FROM events e INDEXED BY events_conv WHERE e.id = ?1",
       "SELECT 1 FROM events e WHERE e.id = $1");
    rw("FROM t indexed  by\tix_1 JOIN u", "FROM t JOIN u");
    rw("SELECT 'INDEXED BY x' FROM t", "SELECT 'INDEXED BY x' FROM t");
    rw("SELECT reindexed by FROM t", "SELECT reindexed by FROM t");
    /* Transactions. */
    rw("BEGIN IMMEDIATE", "BEGIN");
    rw("  begin immediate;", "  BEGIN;");
    rw("BEGIN", "BEGIN");
    rw("BEGIN DEFERRED", "BEGIN");
    rw("BEGIN EXCLUSIVE", "BEGIN");
    rw("COMMIT", "COMMIT");
    rw("SELECT 'BEGIN IMMEDIATE'", "SELECT 'BEGIN IMMEDIATE'");
    /* INSERT OR IGNORE. */
    rw("INSERT OR IGNORE INTO m(a, b) VALUES(?1, ?2)",
       "INSERT INTO m(a, b) VALUES($1, $2) ON CONFLICT DO NOTHING");
    rw("insert or  ignore into m(a) VALUES(?1);  ",
       "INSERT into m(a) VALUES($1) ON CONFLICT DO NOTHING;  ");
    rw("INSERT OR IGNORE INTO m(a) VALUES(?1) RETURNING id, 'RETURNING'",
       "INSERT INTO m(a) VALUES($1) ON CONFLICT DO NOTHING RETURNING id, 'RETURNING'");
    rw("INSERT OR IGNORE INTO m(a) SELECT x FROM (SELECT 1 AS x RETURNING) s",
       "INSERT INTO m(a) SELECT x FROM (SELECT 1 AS x RETURNING) s ON CONFLICT DO NOTHING");
    rw("INSERT OR IGNORE INTO m(a) VALUES(1)RETURNING id",
       "INSERT INTO m(a) VALUES(1) ON CONFLICT DO NOTHING RETURNING id");
    rw("INSERT INTO m(a) VALUES('OR IGNORE')", "INSERT INTO m(a) VALUES('OR IGNORE')");
    rw("INSERT OR REPLACE INTO m(a) VALUES(1)", "INSERT OR REPLACE INTO m(a) VALUES(1)");
    return test_summary("db_pg_sql");
}
