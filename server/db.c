/*
 * db.h's calls, dispatched to the handle's driver (db_internal.h). A branch
 * per call costs nothing next to a statement's step, and keeps each driver
 * free of the other's headers.
 */
#include "db_internal.h"

static enum db_kind kind_of(const void *handle)
{
    return *(const enum db_kind *)handle;
}

enum db_kind db_kind(const struct db *db)
{
    return kind_of(db);
}

int db_close(struct db *db)
{
    return kind_of(db) == DB_PG ? dbpg_close(db) : dbsq_close(db);
}

const char *db_errmsg(struct db *db)
{
    return kind_of(db) == DB_PG ? dbpg_errmsg(db) : dbsq_errmsg(db);
}

int db_exec(struct db *db, const char *sql)
{
    return kind_of(db) == DB_PG ? dbpg_exec(db, sql) : dbsq_exec(db, sql);
}

int db_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
    return kind_of(db) == DB_PG ? dbpg_prepare(db, sql, out) : dbsq_prepare(db, sql, out);
}

int db_bind_text(struct db_stmt *s, int i, const char *v)
{
    return kind_of(s) == DB_PG ? dbpg_bind_text(s, i, v) : dbsq_bind_text(s, i, v);
}

int db_bind_int(struct db_stmt *s, int i, int64_t v)
{
    return kind_of(s) == DB_PG ? dbpg_bind_int(s, i, v) : dbsq_bind_int(s, i, v);
}

int db_bind_null(struct db_stmt *s, int i)
{
    return kind_of(s) == DB_PG ? dbpg_bind_null(s, i) : dbsq_bind_null(s, i);
}

int db_bind_double(struct db_stmt *s, int i, double v)
{
    return kind_of(s) == DB_PG ? dbpg_bind_double(s, i, v) : dbsq_bind_double(s, i, v);
}

int db_bind_blob(struct db_stmt *s, int i, const void *v, int n)
{
    return kind_of(s) == DB_PG ? dbpg_bind_blob(s, i, v, n) : dbsq_bind_blob(s, i, v, n);
}

void db_clear_bindings(struct db_stmt *s)
{
    if (kind_of(s) == DB_PG) dbpg_clear_bindings(s); else dbsq_clear_bindings(s);
}

int db_step(struct db_stmt *s)
{
    return kind_of(s) == DB_PG ? dbpg_step(s) : dbsq_step(s);
}

void db_reset(struct db_stmt *s)
{
    if (kind_of(s) == DB_PG) dbpg_reset(s); else dbsq_reset(s);
}

int64_t db_col_int(struct db_stmt *s, int i)
{
    return kind_of(s) == DB_PG ? dbpg_col_int(s, i) : dbsq_col_int(s, i);
}

double db_col_double(struct db_stmt *s, int i)
{
    return kind_of(s) == DB_PG ? dbpg_col_double(s, i) : dbsq_col_double(s, i);
}

const char *db_col_text(struct db_stmt *s, int i)
{
    return kind_of(s) == DB_PG ? dbpg_col_text(s, i) : dbsq_col_text(s, i);
}

int db_col_bytes(struct db_stmt *s, int i)
{
    return kind_of(s) == DB_PG ? dbpg_col_bytes(s, i) : dbsq_col_bytes(s, i);
}

int db_col_is_null(struct db_stmt *s, int i)
{
    return kind_of(s) == DB_PG ? dbpg_col_is_null(s, i) : dbsq_col_is_null(s, i);
}

int64_t db_changes(struct db *db)
{
    return kind_of(db) == DB_PG ? dbpg_changes(db) : dbsq_changes(db);
}

int db_in_txn(struct db *db)
{
    return kind_of(db) == DB_PG ? dbpg_in_txn(db) : dbsq_in_txn(db);
}

void db_finalize(struct db_stmt *s)
{
    if (!s) return;
    if (kind_of(s) == DB_PG) dbpg_finalize(s); else dbsq_finalize(s);
}

/* Pipelines are PostgreSQL's: SQLite has no round trip to save. */
int db_pipeline_begin(struct db *db)
{
    return kind_of(db) == DB_PG ? dbpg_pipeline_begin(db) : DB_ERROR;
}

int db_pipeline_send(struct db_stmt *s)
{
    return kind_of(s) == DB_PG ? dbpg_pipeline_send(s) : DB_ERROR;
}

int db_pipeline_sync(struct db *db)
{
    return kind_of(db) == DB_PG ? dbpg_pipeline_sync(db) : DB_ERROR;
}

int db_pipeline_recv(struct db_stmt *s)
{
    return kind_of(s) == DB_PG ? dbpg_pipeline_recv(s) : DB_ERROR;
}

int db_pipeline_end(struct db *db)
{
    return kind_of(db) == DB_PG ? dbpg_pipeline_end(db) : DB_OK;
}
