/*
 * The SQLite driver of db.h: a thin layer, since db.h has SQLite's shape.
 * Texts and blobs are bound SQLITE_STATIC (db.h: the caller keeps them alive
 * until the reset), so binding copies nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sqlite3.h>
#include "db_internal.h"

struct dbsq {
    enum db_kind kind;        /* first, as in every driver (db_internal.h) */
    sqlite3 *h;
};

struct dbsq_stmt {
    enum db_kind kind;
    sqlite3_stmt *s;
};

static int rc_of(int rc)
{
    switch (rc) {
    case SQLITE_OK: return DB_OK;
    case SQLITE_ROW: return DB_ROW;
    case SQLITE_DONE: return DB_DONE;
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY: return DB_CONSTRAINT_UNIQUE;
    case SQLITE_CONSTRAINT_FOREIGNKEY: return DB_CONSTRAINT_FK;
    case SQLITE_CONSTRAINT_CHECK: return DB_CONSTRAINT_CHECK;
    case SQLITE_CONSTRAINT_NOTNULL: return DB_CONSTRAINT_NOTNULL;
    case SQLITE_NOMEM: return DB_NOMEM;
    }
    if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) return DB_BUSY;
    return DB_ERROR;
}

struct db *db_sqlite_wrap(void *handle)
{
    struct dbsq *d = calloc(1, sizeof(*d));
    if (!d) return NULL;
    d->kind = DB_SQLITE;
    d->h = handle;
    return (struct db *)d;
}

void *db_sqlite_handle(struct db *db)
{
    return ((struct dbsq *)db)->h;
}

int dbsq_close(struct db *db)
{
    struct dbsq *d = (struct dbsq *)db;
    int rc = sqlite3_close(d->h);
    if (rc != SQLITE_OK) {
        fprintf(stderr, "store: close: %s\n", sqlite3_errmsg(d->h));
        return DB_ERROR;      /* the handle stays, as sqlite3_close leaves it */
    }
    free(d);
    return DB_OK;
}

const char *dbsq_errmsg(struct db *db)
{
    return sqlite3_errmsg(((struct dbsq *)db)->h);
}

int dbsq_exec(struct db *db, const char *sql)
{
    return rc_of(sqlite3_exec(((struct dbsq *)db)->h, sql, NULL, NULL, NULL));
}

int dbsq_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
    struct dbsq *d = (struct dbsq *)db;
    *out = NULL;
    struct dbsq_stmt *st = calloc(1, sizeof(*st));
    if (!st) return DB_NOMEM;
    st->kind = DB_SQLITE;
    if (sqlite3_prepare_v3(d->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st->s, NULL) != SQLITE_OK) {
        fprintf(stderr, "store: prepare: %s\n  %s\n", sqlite3_errmsg(d->h), sql);
        sqlite3_finalize(st->s);
        free(st);
        return DB_ERROR;
    }
    *out = (struct db_stmt *)st;
    return DB_OK;
}

#define S(x) (((struct dbsq_stmt *)(x))->s)

void dbsq_finalize(struct db_stmt *s)
{
    sqlite3_finalize(S(s));
    free(s);
}

int dbsq_bind_text(struct db_stmt *s, int i, const char *v)
{
    return rc_of(v ? sqlite3_bind_text(S(s), i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(S(s), i));
}

int dbsq_bind_int(struct db_stmt *s, int i, int64_t v)
{
    return rc_of(sqlite3_bind_int64(S(s), i, v));
}

int dbsq_bind_null(struct db_stmt *s, int i)
{
    return rc_of(sqlite3_bind_null(S(s), i));
}

int dbsq_bind_double(struct db_stmt *s, int i, double v)
{
    return rc_of(sqlite3_bind_double(S(s), i, v));
}

int dbsq_bind_blob(struct db_stmt *s, int i, const void *v, int n)
{
    return rc_of(sqlite3_bind_blob(S(s), i, v, n, SQLITE_STATIC));
}

void dbsq_clear_bindings(struct db_stmt *s) { sqlite3_clear_bindings(S(s)); }
int dbsq_step(struct db_stmt *s) { return rc_of(sqlite3_step(S(s))); }
void dbsq_reset(struct db_stmt *s) { sqlite3_reset(S(s)); }
int64_t dbsq_col_int(struct db_stmt *s, int i) { return sqlite3_column_int64(S(s), i); }
double dbsq_col_double(struct db_stmt *s, int i) { return sqlite3_column_double(S(s), i); }

const char *dbsq_col_text(struct db_stmt *s, int i)
{
    return (const char *)sqlite3_column_text(S(s), i);
}

int dbsq_col_bytes(struct db_stmt *s, int i) { return sqlite3_column_bytes(S(s), i); }
int dbsq_col_is_null(struct db_stmt *s, int i) { return sqlite3_column_type(S(s), i) == SQLITE_NULL; }

int64_t dbsq_changes(struct db *db)
{
    return sqlite3_changes(((struct dbsq *)db)->h);
}

int dbsq_in_txn(struct db *db)
{
    return !sqlite3_get_autocommit(((struct dbsq *)db)->h);
}
