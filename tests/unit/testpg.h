/* What the PostgreSQL driver's unit tests share. Include after testlib.h and
 * db_internal.h; static inline because CHECK counts into each binary. */
#ifndef PARLEY_TESTPG_H
#define PARLEY_TESTPG_H
#include <unistd.h>

/* Kills victim's backend from the other connection, as a server restart or
 * a network cut would, and gives the server a moment to close it. */
static inline void pg_kill_backend(struct db *victim, struct db *other)
{
    struct db_stmt *pid, *k;
    CHECK(dbpg_prepare(victim, "SELECT pg_backend_pid()", &pid) == DB_OK);
    CHECK(dbpg_step(pid) == DB_ROW);
    int64_t p = dbpg_col_int(pid, 0);
    dbpg_finalize(pid);
    CHECK(dbpg_prepare(other, "SELECT pg_terminate_backend(?1::int)", &k) == DB_OK);
    CHECK(dbpg_bind_int(k, 1, p) == DB_OK);
    CHECK(dbpg_step(k) == DB_ROW && dbpg_col_int(k, 0) == 1);
    dbpg_finalize(k);
    usleep(100000);
}
#endif
