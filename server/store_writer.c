/*
 * Store: the write queue and the writer thread (group commit).
 *
 * Every write is an op in one FIFO (mutex + condvar). The single writer thread
 * takes everything queued (up to STORE_MAX_BATCH ops) and runs it as ONE
 * transaction, so the batch costs one fsync instead of one per op. The ops first
 * run bare; if one fails (a constraint, a lost claim) the transaction is rolled
 * back and the batch runs again with each op inside its own SAVEPOINT, so a
 * failing op rolls back only itself. Results are posted to the loop thread, in
 * queue order and as one post per batch, only after COMMIT returned: an ack is
 * never sent for something that could still vanish.
 * If the transaction fails (BEGIN, a broken savepoint, COMMIT), every op of the
 * batch reports PL_ERR_STORE, so nothing is half-acknowledged.
 *
 * Start-up writes (store_create_agent_now...) use the same queue and wait on a
 * condvar instead of a callback, so the write connection has exactly one user.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "parley/common.h"
#include "parley/loop.h"
#include "store_internal.h"

struct op *store_op_new(enum op_kind kind, store_cb cb, void *ctx)
{
    struct op *o = calloc(1, sizeof(*o));
    if (!o) return NULL;
    o->kind = kind;
    o->cb = cb;
    o->ctx = ctx;
    return o;
}

const char *store_op_dup(struct op *o, const char *s)
{
    if (!s) return NULL;
    char *c = o->n_owned < OP_MAX_STRINGS ? strdup(s) : NULL;
    if (!c) {
        o->oom = 1;
        return NULL;
    }
    o->owned[o->n_owned++] = c;
    return c;
}

void store_op_free(struct op *o)
{
    if (!o) return;
    for (int i = 0; i < o->n_owned; i++) free(o->owned[i]);
    if (o->kind == OP_FAQ_REPLACE) {
        struct store_faq_list l = { o->u.faqs.rows, o->u.faqs.n };
        store_faq_list_free(&l);
    }
    free(o);
}

pl_status store_enqueue(struct store *st, struct op *o)
{
    if (!o) return PL_ERR_NOMEM;
    if (o->oom) {
        store_op_free(o);
        return PL_ERR_NOMEM;
    }
    pthread_mutex_lock(&st->mu);
    if (!st->accepting) {
        pthread_mutex_unlock(&st->mu);
        store_op_free(o);
        return PL_ERR_STORE;
    }
    o->queued_us = pl_mono_us();
    if (st->tail) st->tail->next = o; else st->head = o;
    st->tail = o;
    st->enqueued++;
    st->stats.queue_depth++;
    pthread_cond_signal(&st->work_cv);
    pthread_mutex_unlock(&st->mu);
    return PL_OK;
}

pl_status store_run_sync(struct store *st, struct op *o, struct store_result *res)
{
    struct sync_wait w;
    memset(&w, 0, sizeof(w));
    if (o) o->sync = &w;
    pl_status s = store_enqueue(st, o);
    if (s != PL_OK) return s;
    pthread_mutex_lock(&st->mu);
    while (!w.done) pthread_cond_wait(&st->sync_cv, &st->mu);
    pthread_mutex_unlock(&st->mu);
    if (res) *res = w.res;
    return w.res.status;
}

void store_flush(struct store *st)
{
    if (st)
        store_run_sync(st, store_op_new(OP_FLUSH, NULL, NULL), NULL);
}

pl_status store_barrier(struct store *st, store_cb cb, void *ctx, uint64_t *ticket)
{
    struct op *o = store_op_new(OP_FLUSH, cb, ctx);
    if (!o) return PL_ERR_NOMEM;
    pthread_mutex_lock(&st->mu);
    if (!st->accepting) {
        pthread_mutex_unlock(&st->mu);
        store_op_free(o);
        return PL_ERR_STORE;
    }
    o->queued_us = pl_mono_us();
    if (st->tail) st->tail->next = o; else st->head = o;
    st->tail = o;
    *ticket = ++st->enqueued;        /* under the lock: exactly this op's number */
    st->stats.queue_depth++;
    pthread_cond_signal(&st->work_cv);
    pthread_mutex_unlock(&st->mu);
    return PL_OK;
}

uint64_t store_enqueued(struct store *st)
{
    pthread_mutex_lock(&st->mu);
    uint64_t n = st->enqueued;
    pthread_mutex_unlock(&st->mu);
    return n;
}

int store_step_plain(struct store *st, enum wstmt which, const char *what)
{
    struct db_stmt *s = st->w[which];
    int rc = db_step(s);
    db_reset(s);
    if (rc == DB_DONE) return 1;
    store_db_status(st->wdb, rc, what);
    return 0;
}

/* Runs one op in its savepoint. Returns 0 when the transaction itself is lost. */
static int run_op(struct store *st, struct op *o)
{
    memset(&o->res, 0, sizeof(o->res));
    if (!store_step_plain(st, W_SAVEPOINT, "savepoint")) return 0;
    o->res.status = store_op_exec(st, o);
    if (o->res.status == PL_OK) return store_step_plain(st, W_RELEASE, "release");
    /* Some errors (I/O, full disk) make SQLite roll back the whole transaction. */
    if (!db_in_txn(st->wdb)) return 0;
    return store_step_plain(st, W_ROLLBACK_TO, "rollback to") &&
           store_step_plain(st, W_RELEASE, "release");
}

/* Runs on the loop thread: every callback of one batch, in queue order. */
static void deliver_batch_cb(void *arg)
{
    for (struct op *o = arg, *next; o; o = next) {
        next = o->next;
        o->cb(o->ctx, &o->res);
        store_op_free(o);
    }
}

/* Wakes the start-up callers (and store_flush) waiting for these ops. */
static void wake_sync(struct store *st, struct op *sync)
{
    for (struct op *o = sync, *next; o; o = next) {
        next = o->next;
        pthread_mutex_lock(&st->mu);
        o->sync->res = o->res;
        o->sync->done = 1;
        pthread_cond_broadcast(&st->sync_cv);
        pthread_mutex_unlock(&st->mu);
        store_op_free(o);
    }
}

/* Hands the results of a batch to their owners; the ops are consumed. The
 * callbacks go to the loop as ONE post (one allocation and one wake-up per batch
 * instead of one per op); waiting callers are woken only after that post, so a
 * store_flush() that returns has every earlier callback already posted. */
static void deliver(struct store *st, struct op *batch)
{
    struct op *head = NULL, **tailp = &head, *sync = NULL, **synctail = &sync;
    for (struct op *o = batch, *next; o; o = next) {
        next = o->next;
        o->next = NULL;
        if (o->sync) {
            *synctail = o;
            synctail = &o->next;
        } else if (!o->cb) {
            store_op_free(o);
        } else {
            *tailp = o;
            tailp = &o->next;
        }
    }
    /* loop_post fails only when out of memory: wait a little for memory. */
    for (int tries = 0; head && loop_post(deliver_batch_cb, head) != 0; tries++) {
        if (tries == 500) {
            fprintf(stderr, "store: cannot post results (out of memory); dropped\n");
            for (struct op *o = head, *next; o; o = next) {
                next = o->next;
                store_op_free(o);
            }
            break;
        }
        struct timespec ts = { 0, 10 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    wake_sync(st, sync);
}

/*
 * Runs the batch as one transaction. With `savepoints`, each op runs in its own
 * SAVEPOINT, so one that fails rolls back only itself. Without (the first try),
 * the ops run bare: a savepoint makes SQLite copy every page an op touches into
 * the statement journal, which was most of the writer's per-op cost. If any op
 * then fails, the whole transaction is rolled back (nothing of it was reported)
 * and TXN_RETRY says to run the batch again with savepoints.
 */
static enum txn_result run_batch_txn(struct store *st, struct op *batch, int savepoints)
{
    enum txn_result r = TXN_LOST;
    st->careful = savepoints;
    if (!store_step_plain(st, W_BEGIN, "begin")) return TXN_LOST;
    for (struct op *o = batch; o; o = o->next) {
        if (savepoints) {
            if (!run_op(st, o)) goto fail;
            continue;
        }
        memset(&o->res, 0, sizeof(o->res));
        o->res.status = store_op_exec(st, o);
        if (o->res.status != PL_OK) {
            r = TXN_RETRY;
            goto fail;
        }
    }
    if (store_step_plain(st, W_COMMIT, "commit")) return TXN_COMMITTED;
    r = TXN_LOST;
fail:
    if (db_in_txn(st->wdb) && !store_step_plain(st, W_ROLLBACK, "rollback"))
        return TXN_LOST;
    return r;
}

static void run_batch(struct store *st, struct op *batch, uint64_t n)
{
    /* PostgreSQL's first pass pipelines (store_writer_pg.c); the retry with
     * savepoints is the same on both. */
    int64_t t0 = pl_mono_us();
    enum txn_result r = db_kind(st->wdb) == DB_PG ? store_pg_batch_txn(st, batch)
                                                  : run_batch_txn(st, batch, 0);
    if (r == TXN_RETRY)
        r = run_batch_txn(st, batch, 1);
    int ok = r == TXN_COMMITTED;
    if (!ok) {
        for (struct op *o = batch; o; o = o->next) {
            memset(&o->res, 0, sizeof(o->res));
            o->res.status = PL_ERR_STORE;
        }
    }
    int64_t took = pl_mono_us() - t0;
    pthread_mutex_lock(&st->mu);
    pl_hist_observe_us(&st->stats.commit_time, took);
    st->healthy = ok;
    st->stats.ops += n;
    if (ok) st->stats.commits++; else st->stats.commit_failures++;
    pthread_mutex_unlock(&st->mu);
    deliver(st, batch);
}

/* Detaches up to STORE_MAX_BATCH ops from the queue (mutex held). */
static struct op *take_batch(struct store *st, uint64_t *n)
{
    struct op *first = st->head, *last = first;
    int64_t now = pl_mono_us();
    for (*n = 1;; (*n)++, last = last->next) {
        pl_hist_observe_us(&st->stats.queue_wait, now - last->queued_us);
        if (!last->next || *n == STORE_MAX_BATCH) break;
    }
    st->head = last->next;
    if (!st->head) st->tail = NULL;
    last->next = NULL;
    st->stats.queue_depth -= *n;
    return first;
}

/*
 * Settings of the write connection that only change how the writer spends its
 * time, not what is durable (journal_mode=WAL and synchronous stay as set at
 * open). The per-op SAVEPOINTs need a statement journal: in a temp file (the
 * default) each op wrote every page it touched to /var/tmp, which was the
 * largest part of the writer's system time; in memory it costs a copy. A larger
 * page cache keeps the hot index pages of the writer's working set, which a
 * 2 MiB cache re-read from the WAL after each checkpoint.
 */
static void writer_tune(struct store *st)
{
    static const char *const pragmas[] = {
        "PRAGMA temp_store = MEMORY",
        "PRAGMA cache_size = -16384",
    };
    if (db_kind(st->wdb) != DB_SQLITE) return;
    for (size_t i = 0; i < sizeof(pragmas) / sizeof(pragmas[0]); i++) {
        if (db_exec(st->wdb, pragmas[i]) != DB_OK)
            fprintf(stderr, "store: %s: %s (ignored)\n", pragmas[i], db_errmsg(st->wdb));
    }
}

void store_set_commit_delay(struct store *st, int us)
{
    pthread_mutex_lock(&st->mu);
    st->commit_delay_us = us < 0 ? 0 : us > 100000 ? 100000 : us;
    pthread_mutex_unlock(&st->mu);
}

/*
 * With a commit delay, waits (mutex held on entry and exit) until the oldest
 * queued op is commit_delay_us old, a full batch is waiting, or the store
 * stops. It sleeps with the mutex released instead of waiting on work_cv:
 * every enqueue signals work_cv, and a wake-up per message would cost more
 * than the commits the delay saves.
 */
static void wait_commit_delay(struct store *st)
{
    /* A start-up write or store_flush has its caller blocked: no waiting. */
    while (st->commit_delay_us > 0 && !st->stopping && !st->head->sync &&
           st->stats.queue_depth < STORE_MAX_BATCH) {
        int64_t left = st->head->queued_us + st->commit_delay_us - pl_mono_us();
        if (left <= 0) return;
        pthread_mutex_unlock(&st->mu);
        struct timespec ts = { (time_t)(left / 1000000), (long)(left % 1000000) * 1000 };
        nanosleep(&ts, NULL);
        pthread_mutex_lock(&st->mu);
    }
}

void *store_writer_main(void *arg)
{
    pl_thread_name("parley-writer");
    struct store *st = arg;
    writer_tune(st);
    for (;;) {
        pthread_mutex_lock(&st->mu);
        while (!st->head && !st->stopping) pthread_cond_wait(&st->work_cv, &st->mu);
        if (!st->head) {       /* stopping and drained */
            pthread_mutex_unlock(&st->mu);
            return NULL;
        }
        wait_commit_delay(st);
        uint64_t n;
        struct op *batch = take_batch(st, &n);
        pthread_mutex_unlock(&st->mu);
        run_batch(st, batch, n);
    }
}
