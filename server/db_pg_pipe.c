/*
 * The PostgreSQL driver's pipeline mode (db.h's db_pipeline_*): a batch of
 * statements goes out in one write and their results come back in order after
 * one Sync, so a writer batch costs one round trip instead of one per
 * statement. Each statement's server-side failure makes the server skip the
 * rest up to the Sync (PGRES_PIPELINE_ABORTED here): what the caller gets back
 * for those is DB_ERROR, and a transaction begun in the pipeline is then in
 * the failed state, awaiting the caller's ROLLBACK.
 *
 * The results must be read only after db_pipeline_sync: the server holds its
 * replies until a Sync (or Flush) arrives, so reading earlier would block.
 */
#include <stdlib.h>
#include <string.h>

#include "db_pg_internal.h"

static int grow_sent(struct pgdb *d)
{
    if (d->nsent < d->cap_sent)
        return DB_OK;
    int cap = d->cap_sent ? d->cap_sent * 2 : 64;
    struct pg_sent *n = realloc(d->sent, (size_t)cap * sizeof *n);
    if (!n)
        return DB_NOMEM;
    d->sent = n;
    d->cap_sent = cap;
    return DB_OK;
}

int dbpg_pipeline_begin(struct db *db)
{
    struct pgdb *d = (struct pgdb *)db;
    if (d->pipe) {
        pg_set_err(d, "a pipeline is already open");
        return DB_ERROR;
    }
    if (pg_ensure_conn(d) != DB_OK)
        return DB_ERROR;
    if (PQenterPipelineMode(d->conn) != 1) {
        pg_set_err(d, PQerrorMessage(d->conn));
        return DB_ERROR;
    }
    d->pipe = 1;
    d->synced = 0;
    d->nsent = d->next_recv = 0;
    return DB_OK;
}

int dbpg_pipeline_send(struct db_stmt *st)
{
    struct pgstmt *s = (struct pgstmt *)st;
    struct pgdb *d = s->db;
    if (!d || !d->pipe || d->synced) {
        if (d) pg_set_err(d, "no open pipeline to send to");
        return DB_ERROR;
    }
    if (pg_txn_lost_refuses(d, s) != DB_OK)
        return DB_ERROR;
    if (grow_sent(d) != DB_OK)
        return DB_NOMEM;
    struct pg_sent e = { s, 0 };
    int ok;
    if (s->simple) {
        ok = PQsendQueryParams(d->conn, s->sql, 0, NULL, NULL, NULL, NULL, 0);
    } else {
        ok = 1;
        if (s->gen != d->gen) {   /* a new connection: Parse goes in the same pipeline */
            pg_new_name(s);
            ok = PQsendPrepare(d->conn, s->name, s->sql, s->nparams, NULL);
            e.prepared = ok;
            if (ok) s->gen = d->gen;
        }
        if (ok)
            ok = pg_call_bound(s, NULL);
    }
    if (!ok) {
        pg_set_err(d, PQerrorMessage(d->conn));
        if (e.prepared)
            s->gen = d->gen - 1;   /* prepare again next time */
        return DB_ERROR;
    }
    /* From here a lost connection also loses the transaction (see txn_lost). */
    if (s->simple && pg_starts_word(s->sql, "BEGIN"))
        d->was_in_txn = 1;
    d->sent[d->nsent++] = e;
    return DB_OK;
}

int dbpg_pipeline_sync(struct db *db)
{
    struct pgdb *d = (struct pgdb *)db;
    if (!d->pipe || d->synced) {
        pg_set_err(d, "no open pipeline to sync");
        return DB_ERROR;
    }
    d->synced = 1;     /* even when it fails: nothing more may be sent */
    if (PQpipelineSync(d->conn) != 1) {
        pg_set_err(d, PQerrorMessage(d->conn));
        return DB_ERROR;
    }
    return DB_OK;
}

/* The next result of the current query and the NULL that ends it; NULL when
 * the connection failed (its message is kept). */
static PGresult *next_result(struct pgdb *d)
{
    PGresult *r = PQgetResult(d->conn);
    if (!r) {
        pg_set_err(d, PQstatus(d->conn) == CONNECTION_OK ? "pipeline: a result is missing"
                                                       : PQerrorMessage(d->conn));
        return NULL;
    }
    PGresult *end = PQgetResult(d->conn);
    if (end) {    /* a query gives one result here: anything else is a protocol slip */
        PQclear(end);
        PQclear(r);
        pg_set_err(d, "pipeline: unexpected extra result");
        return NULL;
    }
    return r;
}

/* The rc of a result: DB_OK for a completed statement. */
static int result_rc(struct pgdb *d, const PGresult *r)
{
    if (PQresultStatus(r) == PGRES_PIPELINE_ABORTED) {
        pg_set_err(d, "not run: an earlier statement of the pipeline failed");
        return DB_ERROR;
    }
    return pg_result_rc(d, r);
}

int dbpg_pipeline_recv(struct db_stmt *st)
{
    struct pgstmt *s = (struct pgstmt *)st;
    struct pgdb *d = s->db;
    if (!d || !d->pipe || !d->synced || d->next_recv >= d->nsent ||
        d->sent[d->next_recv].s != s) {
        if (d) pg_set_err(d, "pipeline: results read out of order");
        return DB_ERROR;
    }
    struct pg_sent e = d->sent[d->next_recv++];
    dbpg_reset(st);     /* a failure leaves it unexecuted, as db_step's does */
    int rc = DB_OK;
    if (e.prepared) {
        PGresult *p = next_result(d);
        rc = p ? result_rc(d, p) : DB_ERROR;
        PQclear(p);
        if (rc != DB_OK)
            s->gen = d->gen - 1;
    }
    PGresult *r = next_result(d);
    if (!r)
        return DB_ERROR;
    int rrc = result_rc(d, r);
    if (rc == DB_OK) rc = rrc;
    if (rc != DB_OK) {
        PQclear(r);
        return rc;
    }
    pg_note_result(d, r);
    s->res = r;
    s->executed = 1;
    s->nrows = PQresultStatus(r) == PGRES_TUPLES_OK ? PQntuples(r) : 0;
    return dbpg_step(st);
}

/* Reads and drops what is left up to the Sync's result. */
static int drain(struct pgdb *d)
{
    int nulls = 0;
    while (PQstatus(d->conn) == CONNECTION_OK) {
        PGresult *r = PQgetResult(d->conn);
        if (!r) {
            if (++nulls > 1)         /* nothing pending any more */
                return DB_ERROR;
            continue;
        }
        nulls = 0;
        ExecStatusType st = PQresultStatus(r);
        PQclear(r);
        if (st == PGRES_PIPELINE_SYNC)
            return DB_OK;
    }
    return DB_ERROR;
}

int dbpg_pipeline_end(struct db *db)
{
    struct pgdb *d = (struct pgdb *)db;
    if (!d->pipe)
        return DB_OK;
    int rc = DB_OK;
    if (!d->synced && dbpg_pipeline_sync(db) != DB_OK)
        rc = DB_ERROR;
    if (drain(d) != DB_OK ||
        (PQstatus(d->conn) == CONNECTION_OK && PQexitPipelineMode(d->conn) != 1)) {
        pg_set_err(d, PQerrorMessage(d->conn));
        rc = DB_ERROR;
    }
    /* A lost connection leaves pipeline mode with the reset that follows. */
    d->pipe = 0;
    d->synced = 0;
    d->nsent = d->next_recv = 0;
    if (PQstatus(d->conn) == CONNECTION_OK)
        pg_note_txn(d);
    return rc;
}
