/*
 * The PostgreSQL driver (libpq) behind db.h: SQLite's prepare/bind/step shape
 * over server-prepared statements. A lost connection is reset lazily on the
 * next use (rate-limited) and its statements re-prepared on their next use,
 * tracked by a generation counter, so the store recovers by itself.
 */
#include <ctype.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "db_pg_internal.h"

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void pg_set_err(struct pgdb *d, const char *msg)
{
    snprintf(d->err, sizeof d->err, "%s", msg ? msg : "");
    size_t n = strlen(d->err);
    while (n && (d->err[n - 1] == '\n' || d->err[n - 1] == ' '))
        d->err[--n] = '\0';
}

static int map_sqlstate(const PGresult *r)
{
    const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    if (!st)
        return DB_ERROR;
    if (!strcmp(st, "23505")) return DB_CONSTRAINT_UNIQUE;
    if (!strcmp(st, "23503")) return DB_CONSTRAINT_FK;
    if (!strcmp(st, "23514")) return DB_CONSTRAINT_CHECK;
    if (!strcmp(st, "23502")) return DB_CONSTRAINT_NOTNULL;
    if (!strcmp(st, "40001") || !strcmp(st, "40P01") || !strcmp(st, "55P03"))
        return DB_BUSY;
    return DB_ERROR;
}

/* A failed result's code, its message kept for db_errmsg. */
int pg_fail(struct pgdb *d, const PGresult *r)
{
    const char *m = r ? PQresultErrorMessage(r) : NULL;
    pg_set_err(d, m && *m ? m : PQerrorMessage(d->conn));
    return map_sqlstate(r);
}

int pg_result_rc(struct pgdb *d, const PGresult *r)
{
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY)
        return DB_OK;
    return pg_fail(d, r);
}

void pg_note_txn(struct pgdb *d)
{
    PGTransactionStatusType ts = PQtransactionStatus(d->conn);
    d->was_in_txn = ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR;
}

/* Every new session, the first and each after a reset: the server's NOTICEs
 * (IF NOT EXISTS in a migration...) are noise on stderr; warnings stay. */
static void session_setup(struct pgdb *d)
{
    PQclear(PQexec(d->conn, "SET client_min_messages = warning"));
}

/* Called before any use: when the connection was lost, reset it (at most
 * every PG_RESET_GAP_MS, failing fast in between). */
int pg_ensure_conn(struct pgdb *d)
{
    if (PQstatus(d->conn) == CONNECTION_OK)
        return DB_OK;
    long long t = now_ms();
    if (d->last_reset_ms && t - d->last_reset_ms < PG_RESET_GAP_MS) {
        pg_set_err(d, "connection lost; waiting to reconnect");
        return DB_ERROR;
    }
    d->last_reset_ms = t;
    if (d->was_in_txn) d->txn_lost = 1;
    d->was_in_txn = 0;
    PQreset(d->conn);
    if (PQstatus(d->conn) != CONNECTION_OK) {
        pg_set_err(d, PQerrorMessage(d->conn));
        return DB_ERROR;
    }
    d->gen++;   /* every statement re-prepares on its next use */
    session_setup(d);
    return DB_OK;
}

struct db *db_pg_connect(const char *url)
{
    /* connect_timeout keeps a dead host from blocking start-up for minutes */
    const char *extra = strstr(url, "connect_timeout=") ? ""
                      : strchr(url, '?') ? "&connect_timeout=3" : "?connect_timeout=3";
    size_t n = strlen(url) + strlen(extra) + 1;
    char *full = malloc(n);
    struct pgdb *d = calloc(1, sizeof *d);
    if (!full || !d) {
        free(full);
        free(d);
        fprintf(stderr, "db_pg: out of memory\n");
        return NULL;
    }
    snprintf(full, n, "%s%s", url, extra);
    d->base.kind = DB_PG;
    d->conn = PQconnectdb(full);
    free(full);
    if (!d->conn || PQstatus(d->conn) != CONNECTION_OK) {
        fprintf(stderr, "db_pg: cannot connect: %s\n",
                d->conn ? PQerrorMessage(d->conn) : "out of memory");
        PQfinish(d->conn);
        free(d);
        return NULL;
    }
    session_setup(d);
    return &d->base;
}


/* Statements still open are a caller bug: report DB_ERROR, but still close
 * the connection and detach them (they fail from then on) so nothing leaks
 * besides what the caller still owns. */
int dbpg_close(struct db *db)
{
    struct pgdb *d = (struct pgdb *)db;
    if (!d)
        return DB_OK;
    int rc = DB_OK;
    for (struct pgstmt *s = d->stmts; s; s = s->next) {
        s->db = NULL;
        rc = DB_ERROR;
    }
    if (rc != DB_OK)
        fprintf(stderr, "db_pg: close with statements still open\n");
    PQfinish(d->conn);
    free(d->sent);
    free(d);
    return rc;
}

const char *dbpg_errmsg(struct db *db) { return ((struct pgdb *)db)->err; }

int dbpg_exec(struct db *db, const char *sql)
{
    struct pgdb *d = (struct pgdb *)db;
    if (pg_ensure_conn(d) != DB_OK)
        return DB_ERROR;
    PGresult *r = PQexec(d->conn, sql);
    int rc = pg_result_rc(d, r);
    PQclear(r);
    return rc;
}

/* The statement's first word (after whitespace) is w. */
int pg_starts_word(const char *p, const char *w)
{
    while (isspace((unsigned char)*p))
        p++;
    size_t n = strlen(w);
    return !strncasecmp(p, w, n) && !isalnum((unsigned char)p[n]) && p[n] != '_';
}

/* Transaction control cannot be prepared: it is kept as text for PQexec
 * (db_pg_rewrite has already dropped SQLite's BEGIN modes). */
static int txn_control(const char *sql)
{
    static const char *const kw[] = { "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "END" };
    for (size_t k = 0; k < sizeof kw / sizeof *kw; k++)
        if (pg_starts_word(sql, kw[k]))
            return 1;
    return 0;
}

static int max_param(const char *sql)
{
    int max = 0;
    for (const char *p = sql; *p; p++)
        if (*p == '$' && isdigit((unsigned char)p[1])) {
            int v = atoi(p + 1);
            if (v > max)
                max = v;
        }
    return max;
}

void pg_new_name(struct pgstmt *s)
{
    snprintf(s->name, sizeof s->name, "s%u", ++s->db->next_name);
}

static int do_prepare(struct pgstmt *s)
{
    struct pgdb *d = s->db;
    pg_new_name(s);
    PGresult *r = PQprepare(d->conn, s->name, s->sql, s->nparams, NULL);
    int rc = DB_OK;
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        rc = pg_fail(d, r);
        fprintf(stderr, "db_pg: prepare failed: %s\n  sql: %s\n", d->err, s->sql);
    } else {
        s->gen = d->gen;
    }
    PQclear(r);
    return rc;
}

int dbpg_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
    struct pgdb *d = (struct pgdb *)db;
    *out = NULL;
    if (pg_ensure_conn(d) != DB_OK)
        return DB_ERROR;
    struct pgstmt *s = calloc(1, sizeof *s);
    if (!s)
        return DB_NOMEM;
    s->base.kind = DB_PG;
    s->db = d;
    s->sql = db_pg_rewrite(sql);
    if (!s->sql) {
        free(s);
        return DB_NOMEM;
    }
    s->simple = txn_control(s->sql);
    if (!s->simple) {
        s->nparams = max_param(s->sql);
        if (s->nparams && !(s->params = calloc((size_t)s->nparams, sizeof *s->params))) {
            free(s->sql);
            free(s);
            return DB_NOMEM;
        }
        int rc = do_prepare(s);
        if (rc != DB_OK) {
            free(s->params);
            free(s->sql);
            free(s);
            return rc;
        }
    }
    s->next = d->stmts;
    if (d->stmts)
        d->stmts->prev = s;
    d->stmts = s;
    *out = &s->base;
    return DB_OK;
}

void dbpg_finalize(struct db_stmt *st)
{
    struct pgstmt *s = (struct pgstmt *)st;
    if (!s)
        return;
    struct pgdb *d = s->db;
    if (d) {
        if (!s->simple && s->gen == d->gen && PQstatus(d->conn) == CONNECTION_OK) {
            /* frees the server side; failure only means it is gone already */
            char q[48];
            snprintf(q, sizeof q, "DEALLOCATE %s", s->name);
            PQclear(PQexec(d->conn, q));
        }
        if (s->prev) s->prev->next = s->next;
        else d->stmts = s->next;
        if (s->next) s->next->prev = s->prev;
    }
    PQclear(s->res);
    free(s->params);
    free(s->sql);
    free(s);
}

static struct pg_param *param(struct pgstmt *s, int i)
{
    return i >= 1 && i <= s->nparams ? &s->params[i - 1] : NULL;
}

int dbpg_bind_text(struct db_stmt *st, int i, const char *v)
{
    struct pg_param *p = param((struct pgstmt *)st, i);
    if (!p) return DB_ERROR;
    p->val = v; p->len = 0; p->fmt = 0;
    return DB_OK;
}

int dbpg_bind_int(struct db_stmt *st, int i, int64_t v)
{
    struct pg_param *p = param((struct pgstmt *)st, i);
    if (!p) return DB_ERROR;
    snprintf(p->num, sizeof p->num, "%" PRId64, v);
    p->val = p->num; p->len = 0; p->fmt = 0;
    return DB_OK;
}

int dbpg_bind_null(struct db_stmt *st, int i) { return dbpg_bind_text(st, i, NULL); }

int dbpg_bind_double(struct db_stmt *st, int i, double v)
{
    struct pg_param *p = param((struct pgstmt *)st, i);
    if (!p) return DB_ERROR;
    snprintf(p->num, sizeof p->num, "%.17g", v);
    p->val = p->num; p->len = 0; p->fmt = 0;
    return DB_OK;
}

int dbpg_bind_blob(struct db_stmt *st, int i, const void *v, int n)
{
    struct pg_param *p = param((struct pgstmt *)st, i);
    if (!p || n < 0) return DB_ERROR;
    /* a zero-length blob must still be non-NULL */
    p->val = v ? v : ""; p->len = n; p->fmt = 1;
    return DB_OK;
}

void dbpg_clear_bindings(struct db_stmt *st)
{
    struct pgstmt *s = (struct pgstmt *)st;
    for (int i = 0; i < s->nparams; i++)
        s->params[i].val = NULL;
}

static int is_change(const PGresult *r)
{
    const char *tag = PQcmdStatus((PGresult *)r);
    return !strncmp(tag, "INSERT", 6) || !strncmp(tag, "UPDATE", 6) || !strncmp(tag, "DELETE", 6);
}

void pg_note_result(struct pgdb *d, const PGresult *r)
{
    if (is_change(r))
        d->changes = strtoll(PQcmdTuples((PGresult *)r), NULL, 10);
    pg_note_txn(d);
}

int pg_txn_lost_refuses(struct pgdb *d, struct pgstmt *s)
{
    if (!d->txn_lost)
        return DB_OK;
    if (!s->simple || !(pg_starts_word(s->sql, "BEGIN") ||
                        (pg_starts_word(s->sql, "ROLLBACK") && !strstr(s->sql, " TO")))) {
        pg_set_err(d, "the transaction was lost with the connection");
        return DB_ERROR;
    }
    d->txn_lost = 0;
    return DB_OK;
}

int pg_call_bound(struct pgstmt *s, PGresult **out)
{
    int n = s->nparams ? s->nparams : 1;
    const char *vals[n];
    int lens[n], fmts[n];
    for (int i = 0; i < s->nparams; i++) {
        vals[i] = s->params[i].val;
        lens[i] = s->params[i].len;
        fmts[i] = s->params[i].fmt;
    }
    if (out) {
        *out = PQexecPrepared(s->db->conn, s->name, s->nparams, vals, lens, fmts, 0);
        return 1;
    }
    return PQsendQueryPrepared(s->db->conn, s->name, s->nparams, vals, lens, fmts, 0);
}

static int execute(struct pgstmt *s)
{
    struct pgdb *d = s->db;
    if (!d || d->pipe) {
        if (d) pg_set_err(d, "a statement stepped while a pipeline is open");
        return DB_ERROR;
    }
    if (pg_ensure_conn(d) != DB_OK || pg_txn_lost_refuses(d, s) != DB_OK)
        return DB_ERROR;
    if (s->simple) {
        s->res = PQexec(d->conn, s->sql);
    } else {
        if (s->gen != d->gen) {
            int rc = do_prepare(s);
            if (rc != DB_OK)
                return rc;
        }
        pg_call_bound(s, &s->res);
    }
    int rc = pg_result_rc(d, s->res);
    if (rc != DB_OK) {
        PQclear(s->res);
        s->res = NULL;
        return rc;
    }
    pg_note_result(d, s->res);
    s->executed = 1;
    s->row = -1;
    s->nrows = PQresultStatus(s->res) == PGRES_TUPLES_OK ? PQntuples(s->res) : 0;
    return DB_OK;
}

int dbpg_step(struct db_stmt *st)
{
    struct pgstmt *s = (struct pgstmt *)st;
    if (!s->executed) {
        int was_in_txn = s->db && s->db->was_in_txn;
        int rc = execute(s);
        /* A connection the server closed while idle (a restart) is found out
         * by the next statement, which never ran: one that is safe to send
         * again (a read, or a BEGIN) outside a transaction goes again at once
         * on a fresh connection, so the first caller after an outage does not
         * get an error for nothing. */
        if (rc == DB_ERROR && s->db && !was_in_txn && PQstatus(s->db->conn) == CONNECTION_BAD &&
            (s->simple ? pg_starts_word(s->sql, "BEGIN") : pg_starts_word(s->sql, "SELECT"))) {
            s->db->last_reset_ms = 0;
            rc = execute(s);
        }
        if (rc != DB_OK)
            return rc;
    }
    if (s->row + 1 < s->nrows) {
        s->row++;
        return DB_ROW;
    }
    s->row = s->nrows;
    return DB_DONE;
}

void dbpg_reset(struct db_stmt *st)
{
    struct pgstmt *s = (struct pgstmt *)st;
    PQclear(s->res);
    s->res = NULL;
    s->executed = 0;
    s->row = -1;
    s->nrows = 0;
}

/* The current row's cell, or NULL when there is none or it is NULL. */
static const char *cell(struct pgstmt *s, int i)
{
    if (!s->res || s->row < 0 || s->row >= s->nrows || i < 0 || i >= PQnfields(s->res)
        || PQgetisnull(s->res, s->row, i))
        return NULL;
    return PQgetvalue(s->res, s->row, i);
}

int64_t dbpg_col_int(struct db_stmt *st, int i)
{
    const char *v = cell((struct pgstmt *)st, i);
    if (!v) return 0;
    if (!strcmp(v, "t")) return 1;
    if (!strcmp(v, "f")) return 0;
    return strtoll(v, NULL, 10);
}

double dbpg_col_double(struct db_stmt *st, int i)
{
    const char *v = cell((struct pgstmt *)st, i);
    return v ? strtod(v, NULL) : 0.0;
}

const char *dbpg_col_text(struct db_stmt *st, int i) { return cell((struct pgstmt *)st, i); }

int dbpg_col_bytes(struct db_stmt *st, int i)
{
    struct pgstmt *s = (struct pgstmt *)st;
    return cell(s, i) ? PQgetlength(s->res, s->row, i) : 0;
}

int dbpg_col_is_null(struct db_stmt *st, int i) { return cell((struct pgstmt *)st, i) == NULL; }

int64_t dbpg_changes(struct db *db) { return ((struct pgdb *)db)->changes; }

int dbpg_in_txn(struct db *db)
{
    PGTransactionStatusType t = PQtransactionStatus(((struct pgdb *)db)->conn);
    return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}
