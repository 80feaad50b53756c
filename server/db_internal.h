/*
 * What the two drivers share behind db.h. Each backend's connection and
 * statement begin with these headers (first member), so the generic db_*
 * functions, implemented in db_sqlite.c by switching on kind, can tell which
 * backend an object belongs to and call the dbpg_* version for PostgreSQL.
 */
#ifndef PARLEY_DB_INTERNAL_H
#define PARLEY_DB_INTERNAL_H

#include "db.h"

struct db { enum db_kind kind; };
struct db_stmt { enum db_kind kind; };

/* PostgreSQL versions of db.h's generic functions (db_pg.c). */
enum db_kind dbpg_kind(const struct db *db);
int dbpg_close(struct db *db);
const char *dbpg_errmsg(struct db *db);
int dbpg_exec(struct db *db, const char *sql);
int dbpg_prepare(struct db *db, const char *sql, struct db_stmt **out);
void dbpg_finalize(struct db_stmt *s);
int dbpg_bind_text(struct db_stmt *s, int i, const char *v);
int dbpg_bind_int(struct db_stmt *s, int i, int64_t v);
int dbpg_bind_null(struct db_stmt *s, int i);
int dbpg_bind_double(struct db_stmt *s, int i, double v);
int dbpg_bind_blob(struct db_stmt *s, int i, const void *v, int n);
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

#endif
