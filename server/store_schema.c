/*
 * Store: opening, schema migrations, preparing every statement, closing.
 *
 * The statements are store_sql.c's tables; this file prepares all of them at
 * open, so a typo fails store_open, not some rare code path later (the KPI
 * report's query, from store_kpi.c, on a connection of its own).
 *
 * The schema is versioned with PRAGMA user_version: store_migrations[i]
 * (store_migrations.c) upgrades
 * version i to i+1, each in its own IMMEDIATE transaction, so an old database
 * upgrades itself on open and a crash mid-upgrade leaves a consistent version.
 * A database newer than this binary is refused rather than misread.
 *
 * WAL mode lets the loop thread's read connection run concurrently with the
 * writer thread's transactions. synchronous=FULL makes each commit durable on
 * power loss (NORMAL: durable on process crash, which is enough for tests).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <sqlite3.h>
#include "store_internal.h"

pl_status store_db_status(struct db *db, int rc, const char *what)
{
    switch (rc) {
    case DB_CONSTRAINT_UNIQUE: return PL_ERR_CONFLICT;
    case DB_CONSTRAINT_FK: return PL_ERR_NOT_FOUND;
    case DB_CONSTRAINT_CHECK:
    case DB_CONSTRAINT_NOTNULL: return PL_ERR_BAD_REQUEST;
    case DB_NOMEM: return PL_ERR_NOMEM;
    default:
        fprintf(stderr, "store: %s: %s (%d)\n", what, db_errmsg(db), rc);
        return PL_ERR_STORE;
    }
}

void store_new_id(char *buf, size_t len, const char *prefix)
{
    unsigned char raw[10];
    char hex[2 * sizeof(raw) + 1];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(hex, sizeof(hex), raw, sizeof(raw));
    snprintf(buf, len, "%s%s", prefix, hex);
}

const char *conv_state_name(enum conv_state s)
{
    switch (s) {
    case CONV_BOT: return "bot";
    case CONV_QUEUED: return "queued";
    case CONV_ASSIGNED: return "assigned";
    case CONV_CLOSED: return "closed";
    case CONV_OFFLINE: return "offline";
    }
    return "bot";
}

int conv_state_parse(const char *s, enum conv_state *out)
{
    static const enum conv_state all[] = { CONV_BOT, CONV_QUEUED, CONV_ASSIGNED, CONV_CLOSED,
                                          CONV_OFFLINE };
    for (size_t i = 0; s && i < PL_ARRAY_LEN(all); i++) {
        if (strcmp(s, conv_state_name(all[i])) == 0) {
            *out = all[i];
            return 0;
        }
    }
    return -1;
}

/* Runs a statement that returns one text row (PRAGMA journal_mode) into buf. */
static int query_text(sqlite3 *db, const char *sql, char *buf, size_t len)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(s, 0);
        snprintf(buf, len, "%s", t ? (const char *)t : "");
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    return rc;
}

static int64_t user_version(sqlite3 *db)
{
    char buf[32];
    if (query_text(db, "PRAGMA user_version", buf, sizeof(buf)) != SQLITE_OK) return -1;
    return strtoll(buf, NULL, 10);
}

static pl_status exec(sqlite3 *db, const char *sql, const char *what)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc == SQLITE_OK) return PL_OK;
    fprintf(stderr, "store: %s: %s\n", what, msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    return PL_ERR_STORE;
}

static int count_row(void *arg, int n, char **v, char **names)
{
    (void)n, (void)v, (void)names;
    (*(int *)arg)++;
    return 0;
}

/* Migrations run with foreign keys off, as SQLite's table-rebuild procedure
 * needs (a DROP TABLE of a referenced table would fail otherwise), so each one
 * proves before its commit that every reference still holds. */
static pl_status foreign_keys_hold(sqlite3 *db)
{
    int bad = 0;
    if (sqlite3_exec(db, "PRAGMA foreign_key_check", count_row, &bad, NULL) != SQLITE_OK || bad) {
        fprintf(stderr, "store: migration broke %d foreign key(s)\n", bad);
        return PL_ERR_STORE;
    }
    return PL_OK;
}

static pl_status migrate_one(sqlite3 *db, int to)
{
    char version[48];
    snprintf(version, sizeof(version), "PRAGMA user_version = %d", to);
    if (exec(db, "BEGIN IMMEDIATE", "migration begin") != PL_OK) return PL_ERR_STORE;
    /* Another node opening the same file may have migrated while we waited
     * for the lock: the version read before BEGIN is stale then. */
    if (user_version(db) >= to)
        return exec(db, "COMMIT", "migration commit");
    if (exec(db, store_migrations[to - 1], "migration") != PL_OK ||
        foreign_keys_hold(db) != PL_OK ||
        exec(db, version, "migration version") != PL_OK ||
        exec(db, "COMMIT", "migration commit") != PL_OK) {
        fprintf(stderr, "store: migration to version %d failed\n", to);
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return PL_ERR_STORE;
    }
    return PL_OK;
}

static pl_status migrate(sqlite3 *db)
{
    int64_t v = user_version(db);
    if (v < 0 || v > store_migration_count) {
        fprintf(stderr, "store: unsupported schema version %lld (this build knows %d)\n",
                (long long)v, store_migration_count);
        return PL_ERR_STORE;
    }
    for (int to = (int)v + 1; to <= store_migration_count; to++)
        if (migrate_one(db, to) != PL_OK) return PL_ERR_STORE;
    return PL_OK;
}

/* Opens path as *out (db.h's handle); *h is the same connection, for the
 * SQLite-only set-up (PRAGMAs, migrations). On failure nothing stays open. */
static pl_status open_conn(const char *path, int flags, struct db **out, sqlite3 **h)
{
    *h = NULL;
    int rc = sqlite3_open_v2(path, h, flags | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        fprintf(stderr, "store: open %s: %s\n", path,
                *h ? sqlite3_errmsg(*h) : sqlite3_errstr(rc));
        sqlite3_close(*h);
        return PL_ERR_STORE;
    }
    if (!(*out = db_sqlite_wrap(*h))) {
        sqlite3_close(*h);
        return PL_ERR_NOMEM;
    }
    sqlite3_extended_result_codes(*h, 1);
    sqlite3_busy_timeout(*h, STORE_BUSY_TIMEOUT_MS);
    return PL_OK;
}

static pl_status configure_writer(sqlite3 *db, enum store_durability d)
{
    char mode[16] = "";
    /* Switching a new file to WAL takes an exclusive lock without calling the
     * busy handler, so two nodes starting together on it retry by hand. */
    int rc = SQLITE_BUSY;
    for (int waited = 0; waited <= STORE_BUSY_TIMEOUT_MS; waited += 20) {
        rc = query_text(db, "PRAGMA journal_mode = WAL", mode, sizeof(mode));
        if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
            break;
        sqlite3_sleep(20);
    }
    if (rc != SQLITE_OK || strcmp(mode, "wal") != 0) {
        fprintf(stderr, "store: cannot enable WAL mode (%s)\n", sqlite3_errmsg(db));
        return PL_ERR_STORE;
    }
    const char *sync = d == STORE_DURABILITY_FULL ? "PRAGMA synchronous = FULL"
                                                   : "PRAGMA synchronous = NORMAL";
    return exec(db, sync, "synchronous");
}

/* pg: the statements' PostgreSQL overrides (NULL entries: sql's). */
static pl_status prepare_all(struct db *db, const char *const *sql, const char *const *pg,
                             struct db_stmt **out, int n)
{
    for (int i = 0; i < n; i++) {
        const char *text = pg && pg[i] && db_kind(db) == DB_PG ? pg[i] : sql[i];
        if (!text)          /* a statement of the other database only */
            continue;
        if (db_prepare(db, text, &out[i]) != DB_OK) {
            fprintf(stderr, "store: statement #%d does not prepare\n", i);
            return PL_ERR_STORE;
        }
    }
    return PL_OK;
}

static void close_db(struct db *db, const char *what)
{
    if (db && db_close(db) != DB_OK)
        fprintf(stderr, "store: close (%s) failed\n", what);
}

/* Frees everything; the writer thread must not be running. */
static void teardown(struct store *st)
{
    store_ckpt_stop(st);
    for (int i = 0; i < R__COUNT; i++) db_finalize(st->r[i]);
    for (int i = 0; i < W__COUNT; i++) db_finalize(st->w[i]);
    db_finalize(st->kpi_rows[0]);
    db_finalize(st->kpi_rows[1]);
    close_db(st->kdb, "report");
    close_db(st->rdb, "read");
    close_db(st->wdb, "write");
    pthread_mutex_destroy(&st->mu);
    pthread_mutex_destroy(&st->kmu);
    pthread_cond_destroy(&st->work_cv);
    pthread_cond_destroy(&st->sync_cv);
    free(st);
}

/* The three SQLite connections, migrated and configured. */
static pl_status open_sqlite(struct store *st, const char *path, enum store_durability d)
{
    sqlite3 *h;
    if (open_conn(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &st->wdb, &h) != PL_OK ||
        configure_writer(h, d) != PL_OK || migrate(h) != PL_OK ||
        exec(h, "PRAGMA foreign_keys = ON", "foreign_keys") != PL_OK)
        return PL_ERR_STORE;
    /* query_only: the read connections can never write by mistake. */
    if (open_conn(path, SQLITE_OPEN_READWRITE, &st->rdb, &h) != PL_OK ||
        exec(h, "PRAGMA query_only = ON", "query_only") != PL_OK ||
        open_conn(path, SQLITE_OPEN_READWRITE, &st->kdb, &h) != PL_OK ||
        exec(h, "PRAGMA query_only = ON", "query_only") != PL_OK)
        return PL_ERR_STORE;
    return PL_OK;
}

/* The three PostgreSQL connections; the first migrates. Durability is the
 * server's (synchronous_commit), not ours to set per connection. */
static pl_status open_pg(struct store *st, const char *url)
{
    if (!(st->wdb = db_pg_connect(url)) || store_pg_migrate(st->wdb) != PL_OK ||
        !(st->rdb = db_pg_connect(url)) || !(st->kdb = db_pg_connect(url)))
        return PL_ERR_STORE;
    return PL_OK;
}

int store_url_is_pg(const char *target)
{
    return target && (!strncmp(target, "postgresql://", 13) || !strncmp(target, "postgres://", 11));
}

static pl_status open_connections(struct store *st, const char *path, enum store_durability d)
{
    pl_status s = store_url_is_pg(path) ? open_pg(st, path) : open_sqlite(st, path, d);
    if (s != PL_OK) return s;
    const char *const kpi_sql[] = { store_kpi_sql, store_kpi_team_sql };
    const char *const kpi_pg[] = { store_kpi_sql_pg, store_kpi_team_sql_pg };
    if (prepare_all(st->wdb, store_write_sql, store_write_sql_pg, st->w, W__COUNT) != PL_OK ||
        prepare_all(st->rdb, store_read_sql, store_read_sql_pg, st->r, R__COUNT) != PL_OK ||
        prepare_all(st->kdb, kpi_sql, kpi_pg, st->kpi_rows, 2) != PL_OK)
        return PL_ERR_STORE;
    return PL_OK;
}

/* Process-wide, before SQLite's first initialisation. Memory statistics take a
 * global mutex on every SQLite malloc and free (a few per statement step, on
 * the writer and the loop thread alike), and nothing reads them. Each
 * connection is used by one thread at a time (NOMUTEX at open). */
static void sqlite_config_once(void)
{
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

pl_status store_open(const char *path, enum store_durability d, struct store **out)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    if (!path || !out) return PL_ERR_BAD_REQUEST;
    *out = NULL;
    if (sodium_init() < 0) return PL_ERR_STORE;
    /* SQLITE_MISUSE if something initialised SQLite first: then the defaults
     * stay, which are correct, only slower. */
    pthread_once(&once, sqlite_config_once);
    struct store *st = calloc(1, sizeof(*st));
    if (!st) return PL_ERR_NOMEM;
    pthread_mutex_init(&st->mu, NULL);
    pthread_mutex_init(&st->kmu, NULL);
    pthread_cond_init(&st->work_cv, NULL);
    pthread_cond_init(&st->sync_cv, NULL);
    if (open_connections(st, path, d) != PL_OK || store_ckpt_start(st, path) != PL_OK) goto fail;
    st->accepting = 1;
    st->healthy = 1;
    if (pthread_create(&st->writer, NULL, store_writer_main, st) != 0) {
        fprintf(stderr, "store: cannot start the writer thread\n");
        goto fail;
    }
    st->writer_started = 1;
    *out = st;
    return PL_OK;
fail:
    teardown(st);
    return PL_ERR_STORE;
}

void store_close(struct store *st)
{
    if (!st) return;
    pthread_mutex_lock(&st->mu);
    st->accepting = 0;
    st->stopping = 1;
    pthread_cond_broadcast(&st->work_cv);
    pthread_mutex_unlock(&st->mu);
    if (st->writer_started) pthread_join(st->writer, NULL);
    teardown(st);
}

int store_healthy(struct store *st)
{
    if (!st) return 0;
    pthread_mutex_lock(&st->mu);
    int h = st->healthy;
    pthread_mutex_unlock(&st->mu);
    return h;
}

void store_get_stats(struct store *st, struct store_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (!st) return;
    pthread_mutex_lock(&st->mu);
    *out = st->stats;
    pthread_mutex_unlock(&st->mu);
    store_ckpt_stats(st, out);
}
