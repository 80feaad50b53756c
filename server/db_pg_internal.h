/*
 * Inside the PostgreSQL driver: the connection and statement structs and the
 * helpers shared by db_pg.c (one statement at a time) and db_pg_pipe.c
 * (pipeline mode: many statements per round trip).
 */
#ifndef PARLEY_DB_PG_INTERNAL_H
#define PARLEY_DB_PG_INTERNAL_H

#include <libpq-fe.h>
#include "db_internal.h"

#define PG_NUMBUF 32
#define PG_RESET_GAP_MS 250

struct pg_param {
    const char *val;          /* NULL binds NULL; may point into num */
    int len, fmt;
    char num[PG_NUMBUF];
};

struct pgstmt {
    struct db_stmt base;      /* first: the generic layer reads kind */
    struct pgdb *db;
    struct pgstmt *next, *prev;
    char *sql;                /* rewritten text */
    char name[24];
    int simple;               /* transaction control: PQexec, not prepared */
    int nparams;
    struct pg_param *params;
    unsigned gen;             /* connection generation it was prepared on */
    PGresult *res;
    int row, nrows, executed;
};

/* One statement sent in pipeline mode whose result is still to be read;
 * `prepared`: a Parse went just before it (re-prepared on a new connection),
 * whose result comes first. */
struct pg_sent { struct pgstmt *s; int prepared; };

struct pgdb {
    struct db base;           /* first: the generic layer reads kind */
    PGconn *conn;
    struct pgstmt *stmts;
    unsigned gen, next_name;
    int64_t changes;
    long long last_reset_ms;
    /* A transaction open when the connection was lost is gone with it: until
     * the caller ends it (ROLLBACK) or starts another (BEGIN), every statement
     * fails, so none runs in autocommit and a COMMIT never reports as done
     * what the server threw away. */
    int was_in_txn, txn_lost;
    /* Pipeline mode (db_pg_pipe.c): what was sent, in order, and how far its
     * results have been read. */
    int pipe, synced;
    struct pg_sent *sent;
    int nsent, cap_sent, next_recv;
    char err[512];
};

void pg_set_err(struct pgdb *d, const char *msg);
/* A failed result's code (SQLSTATE mapped: never DB_OK, DB_ROW or DB_DONE),
 * its message kept for db_errmsg. */
int pg_fail(struct pgdb *d, const PGresult *r);
/* DB_OK for a completed statement's result, else pg_fail's code. */
int pg_result_rc(struct pgdb *d, const PGresult *r);
/* Whether the connection is inside a transaction, for txn_lost. */
void pg_note_txn(struct pgdb *d);
/* DB_OK when the connection is usable (reset if it was lost, rate-limited). */
int pg_ensure_conn(struct pgdb *d);
/* DB_ERROR (and the message) when a lost transaction forbids running s now;
 * a BEGIN or a full ROLLBACK ends that state. */
int pg_txn_lost_refuses(struct pgdb *d, struct pgstmt *s);
/* A fresh server-side name for s (before it is prepared again). */
void pg_new_name(struct pgstmt *s);
/* What a completed result tells the connection: rows changed, in a txn. */
void pg_note_result(struct pgdb *d, const PGresult *r);
int pg_starts_word(const char *p, const char *w);
/* Runs s's prepared statement with its bound parameters into *out, or (out
 * NULL) only sends it (pipeline mode); libpq copies the values either way. */
int pg_call_bound(struct pgstmt *s, PGresult **out);

#endif
