/*
 * Inside the SQL driver (db.h): each driver implements db.h's calls under its
 * own prefix (dbsq_ in db_sqlite.c, dbpg_ in db_pg.c) and db.c picks one by
 * the handle's kind. Every driver's connection and statement struct starts
 * with an `enum db_kind` for that.
 */
#ifndef PARLEY_DB_INTERNAL_H
#define PARLEY_DB_INTERNAL_H

#include "db.h"

/* What every driver's connection and statement begin with. */
struct db { enum db_kind kind; };
struct db_stmt { enum db_kind kind; };

int dbsq_close(struct db *db);
const char *dbsq_errmsg(struct db *db);
int dbsq_exec(struct db *db, const char *sql);
int dbsq_prepare(struct db *db, const char *sql, struct db_stmt **out);
int dbsq_bind_text(struct db_stmt *s, int i, const char *v);
int dbsq_bind_int(struct db_stmt *s, int i, int64_t v);
int dbsq_bind_null(struct db_stmt *s, int i);
int dbsq_bind_double(struct db_stmt *s, int i, double v);
int dbsq_bind_blob(struct db_stmt *s, int i, const void *v, int n);
void dbsq_finalize(struct db_stmt *s);
void dbsq_clear_bindings(struct db_stmt *s);
int dbsq_step(struct db_stmt *s);
void dbsq_reset(struct db_stmt *s);
int64_t dbsq_col_int(struct db_stmt *s, int i);
double dbsq_col_double(struct db_stmt *s, int i);
const char *dbsq_col_text(struct db_stmt *s, int i);
int dbsq_col_bytes(struct db_stmt *s, int i);
int dbsq_col_is_null(struct db_stmt *s, int i);
int64_t dbsq_changes(struct db *db);
int dbsq_in_txn(struct db *db);

int dbpg_close(struct db *db);
const char *dbpg_errmsg(struct db *db);
int dbpg_exec(struct db *db, const char *sql);
int dbpg_prepare(struct db *db, const char *sql, struct db_stmt **out);
int dbpg_bind_text(struct db_stmt *s, int i, const char *v);
int dbpg_bind_int(struct db_stmt *s, int i, int64_t v);
int dbpg_bind_null(struct db_stmt *s, int i);
int dbpg_bind_double(struct db_stmt *s, int i, double v);
int dbpg_bind_blob(struct db_stmt *s, int i, const void *v, int n);
void dbpg_finalize(struct db_stmt *s);
void dbpg_clear_bindings(struct db_stmt *s);
int dbpg_step(struct db_stmt *s);
void dbpg_reset(struct db_stmt *s);
int64_t dbpg_col_int(struct db_stmt *s, int i);
double dbpg_col_double(struct db_stmt *s, int i);
const char *dbpg_col_text(struct db_stmt *s, int i);
int dbpg_col_bytes(struct db_stmt *s, int i);
int dbpg_col_is_null(struct db_stmt *s, int i);
int64_t dbpg_changes(struct db *db);
int dbpg_in_txn(struct db *db);
int dbpg_pipeline_begin(struct db *db);
int dbpg_pipeline_send(struct db_stmt *s);
int dbpg_pipeline_sync(struct db *db);
int dbpg_pipeline_recv(struct db_stmt *s);
int dbpg_pipeline_end(struct db *db);

#endif
