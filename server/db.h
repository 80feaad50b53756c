/*
 * The SQL driver under the store: one connection and its prepared statements,
 * on SQLite (db_sqlite.c) or PostgreSQL (db_pg.c, libpq). Only server/store_*.c
 * and the two drivers include this; nothing above the store knows which
 * database it runs on.
 *
 * The shape is SQLite's (prepare once, bind, step row by row, reset), because
 * the store was written against it; the PostgreSQL driver gives the same
 * semantics over libpq:
 *  - Statements are written in SQLite's dialect with numbered parameters
 *    (?1, ?2...). The PostgreSQL driver rewrites them at prepare time
 *    (db_pg_rewrite, db_pg_sql.c): ?N becomes $N, SQLite-only planner hints
 *    (INDEXED BY) go. A statement whose PostgreSQL form differs further is
 *    given to db_prepare already written for PostgreSQL (the store's override
 *    table); the rewrite leaves such text alone.
 *  - A bound text or blob is not copied: it must stay valid until the
 *    statement is reset (the binder in store_internal.h relies on this).
 *  - A column's text is valid until the next step or reset of its statement.
 *  - Transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE) can be
 *    "prepared" like any statement; PostgreSQL cannot prepare those, so its
 *    driver sends them as simple queries.
 *  - A lost PostgreSQL connection makes the failing step return DB_ERROR; the
 *    next step on that connection reconnects and re-prepares by itself, so the
 *    store recovers when the database does without re-opening anything.
 */
#ifndef PARLEY_DB_H
#define PARLEY_DB_H

#include <stddef.h>
#include <stdint.h>

enum db_kind { DB_SQLITE, DB_PG };

/* A step's or an exec's result. Constraint failures are told apart because
 * the store maps them to answers (conflict, not found, bad request); DB_BUSY
 * is a transaction that lost to another writer (SQLITE_BUSY, PostgreSQL's
 * deadlock and serialization failures) and may be run again. */
enum db_rc {
    DB_OK = 0, DB_ROW, DB_DONE,
    DB_CONSTRAINT_UNIQUE, DB_CONSTRAINT_FK, DB_CONSTRAINT_CHECK, DB_CONSTRAINT_NOTNULL,
    DB_BUSY, DB_NOMEM, DB_ERROR
};

struct db;
struct db_stmt;

/* SQLite: takes ownership of an open handle (a `sqlite3 *`, passed as void *
 * so this header does not need sqlite3.h). */
struct db *db_sqlite_wrap(void *handle);
/* The handle back, for SQLite-only code at open (PRAGMAs, migrations). */
void *db_sqlite_handle(struct db *db);

/* PostgreSQL: connects to a postgresql:// URL (libpq's connection URI).
 * NULL with a message on stderr when it cannot. */
struct db *db_pg_connect(const char *url);
/* SQLite's statement text in PostgreSQL's dialect (malloc'd; NULL when out of
 * memory). Exposed for the unit test. */
char *db_pg_rewrite(const char *sql);

enum db_kind db_kind(const struct db *db);
/* Closes the connection; every statement must have been finalized. Returns
 * DB_OK or DB_ERROR (SQLite: statements still open). */
int db_close(struct db *db);
/* The last error's message on this connection ("" when none). */
const char *db_errmsg(struct db *db);

/* Runs a script of one or more statements without parameters or results. */
int db_exec(struct db *db, const char *sql);

/* Prepares sql (NULL and DB_ERROR, logged, when it does not compile). */
int db_prepare(struct db *db, const char *sql, struct db_stmt **out);
void db_finalize(struct db_stmt *s);   /* NULL is a no-op */

/* Parameters are numbered from 1. text NULL binds NULL. */
int db_bind_text(struct db_stmt *s, int i, const char *v);
int db_bind_int(struct db_stmt *s, int i, int64_t v);
int db_bind_null(struct db_stmt *s, int i);
int db_bind_double(struct db_stmt *s, int i, double v);
int db_bind_blob(struct db_stmt *s, int i, const void *v, int n);
void db_clear_bindings(struct db_stmt *s);

/* DB_ROW when a row is ready, DB_DONE when there is none (more), else why. */
int db_step(struct db_stmt *s);
/* Ready to run again; keeps the bindings. */
void db_reset(struct db_stmt *s);

/* Columns of the current row, numbered from 0. NULL reads as 0 / NULL.
 * PostgreSQL booleans read as 1 and 0. */
int64_t db_col_int(struct db_stmt *s, int i);
double db_col_double(struct db_stmt *s, int i);
const char *db_col_text(struct db_stmt *s, int i);
int db_col_bytes(struct db_stmt *s, int i);
int db_col_is_null(struct db_stmt *s, int i);

/*
 * Pipelining: statements sent without waiting, their results read back in
 * the order sent, so a batch of writes costs one round trip to the server.
 * PostgreSQL only: SQLite's calls are local, and db_pipeline_begin returns
 * DB_ERROR there. The sequence:
 *   db_pipeline_begin(db);
 *   for each statement: bind, db_pipeline_send(s)  (the values are copied at
 *     the send, so the same statement may be bound and sent again at once);
 *   db_pipeline_sync(db)  (everything goes out; the server runs it in order);
 *   for each send, in order: db_pipeline_recv(s), which answers like the first
 *     db_step of a normal run (DB_ROW, DB_DONE or the failure), then db_step
 *     and db_col_* as usual;
 *   db_pipeline_end(db)  (also reads what was not received; DB_ERROR when the
 *     pipeline could not be completed, e.g. the connection was lost).
 * After a statement fails, the server skips the rest up to the sync (their
 * recv return DB_ERROR); a transaction begun in the pipeline then awaits the
 * caller's ROLLBACK. No other statement may run on db while it is open.
 */
int db_pipeline_begin(struct db *db);
int db_pipeline_send(struct db_stmt *s);
int db_pipeline_sync(struct db *db);
int db_pipeline_recv(struct db_stmt *s);
int db_pipeline_end(struct db *db);

/* Rows changed by the connection's last completed INSERT, UPDATE or DELETE. */
int64_t db_changes(struct db *db);
/* 1 inside a transaction (PostgreSQL: also one that failed and awaits a
 * ROLLBACK [TO]); 0 when the connection is in autocommit. */
int db_in_txn(struct db *db);

#endif
