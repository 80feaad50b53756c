/*
 * Store: running the PostgreSQL migrations (store_schema_pg.c) at open.
 *
 * The version is the one row of parley_schema. Each migration runs in its own
 * transaction (PostgreSQL's DDL is transactional, so a crash leaves a whole
 * version), and that transaction first takes an advisory lock, so nodes
 * starting together on one database migrate one at a time; the version is
 * read again under the lock, because another node may have migrated while we
 * waited. NULL entries are versions folded into the baseline: a database is
 * at 0 (empty) or at the baseline's version or later, never in between.
 * A database newer than this build is refused rather than misread.
 */
#include <stdio.h>
#include "db.h"
#include "store_internal.h"

/* Any constant, the same in every build: "parley" in ASCII. */
#define MIGRATION_LOCK "SELECT pg_advisory_xact_lock(123584258459001)"

/* Runs sql (no parameters), stepping through any rows; PL_OK when it ran. */
static pl_status run(struct db *db, const char *sql, const char *what)
{
    struct db_stmt *s = NULL;
    int rc = db_prepare(db, sql, &s);
    if (rc == DB_OK)
        while ((rc = db_step(s)) == DB_ROW) {}
    db_finalize(s);
    if (rc == DB_DONE) return PL_OK;
    fprintf(stderr, "store: %s: %s\n", what, db_errmsg(db));
    return PL_ERR_STORE;
}

/* The version under the lock (creating the table and its row when missing);
 * -1 when it cannot be read. */
static int64_t locked_version(struct db *db)
{
    /* SET LOCAL: IF NOT EXISTS says "skipping" as a notice on every open. */
    if (run(db, MIGRATION_LOCK, "migration lock") != PL_OK ||
        db_exec(db, "SET LOCAL client_min_messages = warning") != DB_OK ||
        db_exec(db, "CREATE TABLE IF NOT EXISTS parley_schema(version INTEGER NOT NULL)")
            != DB_OK ||
        db_exec(db, "INSERT INTO parley_schema(version) SELECT 0"
                    " WHERE NOT EXISTS(SELECT 1 FROM parley_schema)") != DB_OK)
        return -1;
    struct db_stmt *s = NULL;
    int64_t v = -1, rows = 0;
    if (db_prepare(db, "SELECT max(version), count(*) FROM parley_schema", &s) == DB_OK &&
        db_step(s) == DB_ROW) {
        v = db_col_int(s, 0);
        rows = db_col_int(s, 1);
    }
    db_finalize(s);
    if (rows != 1) {
        fprintf(stderr, "store: parley_schema must hold one row (%lld)\n", (long long)rows);
        return -1;
    }
    return v;
}

static int baseline_version(void)
{
    int i = 0;
    while (i < store_pg_migration_count && !store_pg_migrations[i]) i++;
    return i + 1;
}

static pl_status check_version(int64_t v)
{
    if (v == 0 || (v >= baseline_version() && v <= store_pg_migration_count)) return PL_OK;
    fprintf(stderr, "store: unsupported PostgreSQL schema version %lld (this build knows"
            " %d..%d)\n", (long long)v, baseline_version(), store_pg_migration_count);
    return PL_ERR_STORE;
}

/* Upgrades to version `to` unless someone did; *v gets the version found. */
static pl_status migrate_one(struct db *db, int to, int64_t *v)
{
    char set[80];
    snprintf(set, sizeof(set), "UPDATE parley_schema SET version = %d", to);
    if (db_exec(db, "BEGIN") != DB_OK) {
        fprintf(stderr, "store: migration begin: %s\n", db_errmsg(db));
        return PL_ERR_STORE;
    }
    *v = locked_version(db);
    if (*v >= 0 && check_version(*v) != PL_OK) {   /* refused: said why */
        db_exec(db, "ROLLBACK");
        return PL_ERR_STORE;
    }
    if (*v >= 0 && (*v >= to || (db_exec(db, store_pg_migrations[to - 1]) == DB_OK &&
                                 db_exec(db, set) == DB_OK)) &&
        db_exec(db, "COMMIT") == DB_OK)
        return PL_OK;
    fprintf(stderr, "store: PostgreSQL migration to version %d failed: %s\n", to,
            db_errmsg(db));
    db_exec(db, "ROLLBACK");
    return PL_ERR_STORE;
}

pl_status store_pg_migrate(struct db *db)
{
    int64_t v = 0;
    for (int to = baseline_version(); to <= store_pg_migration_count; to++) {
        if (migrate_one(db, to, &v) != PL_OK) return PL_ERR_STORE;
        if (v > to) to = (int)v;   /* another node went further: skip to there */
    }
    return PL_OK;
}
