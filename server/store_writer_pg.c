/*
 * Store: the writer's PostgreSQL side. On SQLite a statement is a function
 * call; on PostgreSQL each is a round trip to the server, and a batch of
 * messages sent one statement at a time (3 per message) spent most of its
 * time waiting. So here:
 *  - a message is appended by ONE statement (W_APPEND_PG: the duplicate
 *    lookup, the counter and the insert as CTEs), whose result needs no
 *    follow-up query, not even when it is refused;
 *  - the first pass over a batch pipelines them: BEGIN, every append up to the
 *    next op of another kind, and COMMIT go out together and their results
 *    come back after one Sync. Other ops run one statement at a time between
 *    such stretches, in the same transaction.
 * An append refused by the conversation's state (closed, not the agent's)
 * wrote nothing, so it is reported while the rest of the batch commits, as the
 * savepoint pass would report it. Any other failure makes the batch run again
 * with savepoints (store_writer.c), where appends use the same statement.
 */
#include <stdio.h>
#include <string.h>
#include "store_internal.h"

/* Statements per pipeline: the server's replies (~100 bytes each) must fit
 * in the socket buffers while the writer is still sending, or both sides
 * would wait on each other. */
#define PIPE_MAX 256

static struct binder bind_append(struct store *st, struct op *o, int64_t now)
{
    const struct store_append *ap = &o->u.ap;
    struct binder b = b_start(st->w[W_APPEND_PG]);
    b_text(&b, ap->conversation);
    b_int(&b, ap->note ? 1 : 0);
    b_int(&b, ap->count_miss ? 1 : 0);
    b_int(&b, now);
    b_int(&b, ap->must_be_agent);
    store_bind_message_body(&b, ap);
    o->res.ts = now;
    return b;
}

/* W_APPEND_PG's answer (rc: its first step) into o->res. */
static pl_status append_result(struct store *st, struct op *o, int rc)
{
    struct store_result *res = &o->res;
    struct db_stmt *s = st->w[W_APPEND_PG];
    if (rc == DB_DONE)
        return PL_ERR_NOT_FOUND;
    if (rc != DB_ROW)
        return store_db_status(st->wdb, rc, "append");
    int64_t kind = db_col_int(s, 0);
    if (kind == 1) {
        res->seq = db_col_int(s, 1);
        res->note_seq = db_col_int(s, 2);
        res->after_seq = db_col_int(s, 3);
        res->ts = db_col_int(s, 4);
        res->duplicate = 1;
        return PL_OK;
    }
    enum conv_state state;
    int bad_state = conv_state_parse(db_col_text(s, 5), &state) != 0;
    if (kind == 3) {
        if (bad_state) return PL_ERR_STORE;
        return state == CONV_CLOSED ? PL_ERR_CLOSED : PL_ERR_FORBIDDEN;
    }
    int note = o->u.ap.note;
    int64_t last_seq = db_col_int(s, 1);
    res->seq = note ? 0 : last_seq;
    res->note_seq = note ? db_col_int(s, 2) : 0;
    res->after_seq = note ? last_seq : 0;
    /* The state the message was stored in: the bot answers only in "bot". */
    res->state = bad_state ? CONV_CLOSED : state;
    res->agent_id = db_col_int(s, 6);
    return PL_OK;
}

pl_status store_pg_append(struct store *st, struct op *o)
{
    struct binder b = bind_append(st, o, pl_now_ms());
    pl_status s = append_result(st, o, b_step(&b));
    db_reset(b.s);
    return s;
}

/* The statements sent in the open pipeline, and for each the op it is for
 * (NULL: BEGIN or COMMIT). */
struct pipe {
    struct store *st;
    int open, n;
    enum wstmt which[PIPE_MAX];
    struct op *ops[PIPE_MAX];
};

static int pipe_send(struct pipe *p, enum wstmt w, struct op *o)
{
    struct db *db = p->st->wdb;
    if (p->n >= PIPE_MAX) {          /* the callers flush before: a bug if reached */
        fprintf(stderr, "store: pipeline full\n");
        return 0;
    }
    if (!p->open) {
        if (db_pipeline_begin(db) != DB_OK) {
            store_db_status(db, DB_ERROR, "pipeline");
            return 0;
        }
        p->open = 1;
    }
    if (db_pipeline_send(p->st->w[w]) != DB_OK) {
        store_db_status(db, DB_ERROR, "pipeline send");
        return 0;
    }
    p->which[p->n] = w;
    p->ops[p->n++] = o;
    return 1;
}

/* Syncs the open pipeline and reads every result: TXN_COMMITTED when each
 * statement did its part (a COMMIT among them committed), TXN_RETRY when an
 * append failed, TXN_LOST when BEGIN, COMMIT or the connection did. */
static enum txn_result pipe_flush(struct pipe *p)
{
    struct store *st = p->st;
    if (!p->open)
        return TXN_COMMITTED;
    enum txn_result r = TXN_COMMITTED;
    if (db_pipeline_sync(st->wdb) != DB_OK)
        r = TXN_LOST;
    for (int i = 0; i < p->n; i++) {
        struct db_stmt *s = st->w[p->which[i]];
        int rc = r == TXN_LOST ? DB_ERROR : db_pipeline_recv(s);
        struct op *o = p->ops[i];
        if (r != TXN_COMMITTED) {
            /* the server skipped the rest (a COMMIT among it too): the retry
             * or the batch's failure decides their results */
            if (o) o->res.status = PL_ERR_STORE;
        } else if (o) {
            o->res.status = append_result(st, o, rc);
            if (rc != DB_ROW && rc != DB_DONE)
                r = TXN_RETRY;
        } else if (rc != DB_DONE) {
            store_db_status(st->wdb, rc, "begin/commit");
            r = TXN_LOST;
        }
        db_reset(s);
    }
    if (db_pipeline_end(st->wdb) != DB_OK)
        r = TXN_LOST;
    p->open = 0;
    p->n = 0;
    return r;
}

enum txn_result store_pg_batch_txn(struct store *st, struct op *batch)
{
    struct pipe p = { .st = st };
    enum txn_result r = TXN_LOST;
    if (!pipe_send(&p, W_BEGIN, NULL))
        goto fail;
    for (struct op *o = batch; o; o = o->next) {
        memset(&o->res, 0, sizeof(o->res));
        if (o->kind == OP_APPEND) {
            /* full, keeping a place for the COMMIT that may follow */
            if (p.n >= PIPE_MAX - 1 && (r = pipe_flush(&p)) != TXN_COMMITTED)
                goto fail;
            struct binder b = bind_append(st, o, pl_now_ms());
            if (b.rc != DB_OK) {           /* out of memory: the slow pass tells */
                r = TXN_RETRY;
                goto fail;
            }
            r = TXN_LOST;
            if (!pipe_send(&p, W_APPEND_PG, o))
                goto fail;
            continue;
        }
        if ((r = pipe_flush(&p)) != TXN_COMMITTED)
            goto fail;
        o->res.status = store_op_exec(st, o);
        if (o->res.status != PL_OK) {
            r = TXN_RETRY;
            goto fail;
        }
    }
    r = TXN_LOST;
    if (pipe_send(&p, W_COMMIT, NULL) && (r = pipe_flush(&p)) == TXN_COMMITTED)
        return r;
fail:
    if (p.open && db_pipeline_end(st->wdb) != DB_OK)
        r = TXN_LOST;
    if (db_in_txn(st->wdb) && !store_step_plain(st, W_ROLLBACK, "rollback"))
        r = TXN_LOST;
    return r;
}
