/*
 * Store: WAL checkpoints off the writer's path (SQLite only).
 *
 * SQLite's automatic checkpoint runs inside the COMMIT that takes the WAL past
 * 1,000 pages: it copies them into the database file and fsyncs it, and every
 * message queued behind that commit waits. In the chat benchmark that was one
 * 2–10 ms stall every ~30 ms, and it was most of the p99 (docs/performance.md,
 * "WAL checkpoints").
 *
 * So the writer's automatic checkpoint is replaced by a WAL hook (called after
 * each commit with the WAL's size in frames) and a thread of its own, with its
 * own connection:
 *  - Every CKPT_PAGES new frames the hook wakes the checkpointer, which runs a
 *    PASSIVE checkpoint: it copies and fsyncs while the writer goes on. It runs
 *    as SCHED_IDLE, so on a busy core it gives way to the loop and the writer
 *    at once instead of holding the core for a time slice.
 *  - The WAL only starts again from its beginning when a write transaction
 *    begins with every frame copied, which under steady load never happens by
 *    itself: frames arrive while the checkpointer copies. So once the WAL holds
 *    CKPT_CYCLE frames the writer finishes the job itself, when at most
 *    CKPT_FINISH_FRAMES are left: a few ms on the writer, once per cycle
 *    instead of once per 1,000 frames. The longer the cycle the rarer that
 *    stall, and the larger the WAL file gets (it is reused, not truncated).
 *  - SQLite syncs the database file only at the end of a checkpoint that
 *    copied the whole WAL, which under load only the writer's finishing one
 *    does: left alone, that one fsync carries every page the background copied
 *    during the cycle, and it grew with the database (5 ms at first, 38 ms
 *    after 40 s of chat; docs/performance.md, "The finishing checkpoint").
 *    So once a cycle is due the checkpointer syncs the file itself after each
 *    pass that leaves CKPT_SYNC_FRAMES or more copied since its last sync, and
 *    the writer does not finish a cycle while that much is unsynced: what is
 *    left for its fsync is a few hundred pages. Not earlier in the cycle: the
 *    hot pages are rewritten by every pass, and a sync per pass wrote each of
 *    them a dozen times a cycle (p99 20-24 ms instead of 12-16).
 *  - If the checkpointer cannot keep up (a saturated core or a slow disk), the
 *    writer checkpoints everything itself at CKPT_MAX_PAGES, as SQLite would
 *    have, so the WAL stays bounded.
 * Durability does not change: a commit is durable once its WAL frames are
 * synced, before any of this; a checkpoint only moves pages that are already
 * safe. A PASSIVE checkpoint never waits: when the other side holds the
 * checkpoint lock it returns SQLITE_BUSY at once, and a later commit retries.
 */
#define _GNU_SOURCE              /* SCHED_IDLE */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include "parley/common.h"
#include "store_internal.h"

/* In frames of the 4 KiB pages: 16 MiB, 192 MiB, 384 MiB. */
#define CKPT_PAGES 4000
#define CKPT_CYCLE 48000
#define CKPT_MAX_PAGES 96000
#define CKPT_FINISH_FRAMES 64
#define CKPT_SYNC_FRAMES 1024

struct store_ckpt {
    sqlite3 *h;                  /* the checkpointer's connection */
    pthread_t thread;
    pthread_mutex_t mu;          /* guards everything below */
    pthread_cond_t cv;
    int pages, cycle, max, sync; /* the thresholds above (store_ckpt_tune) */
    int wanted, running, stopping;
    int last_frames;             /* the WAL's size at the last commit */
    int done_frames;             /* frames of it already copied */
    int unsynced;                /* frames the checkpointer copied since it last synced */
    uint64_t generation;         /* bumped each time the WAL starts again */
    uint64_t background, writer, syncs;   /* for /metrics */
    struct pl_hist finish_time;  /* the writer's own checkpoints */
};

static int passive(sqlite3 *h, int *copied)
{
    int log = 0;
    *copied = 0;
    return sqlite3_wal_checkpoint_v2(h, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, copied);
}

/* What the writer does after a commit that left `frames` in the WAL (mutex
 * held): 1 to checkpoint itself now, else 0 (maybe waking the checkpointer). */
static int after_commit(struct store_ckpt *c, int frames)
{
    if (frames < c->last_frames) {   /* the WAL started again */
        c->generation++;
        c->done_frames = 0;
        c->unsynced = 0;             /* the checkpoint that ended the cycle synced it all */
    }
    c->last_frames = frames;
    int behind = frames - c->done_frames;
    if (frames >= c->max)
        return 1;
    if (frames >= c->cycle && !c->running && behind <= CKPT_FINISH_FRAMES && c->unsynced < c->sync)
        return 1;
    int due = frames >= c->cycle ? CKPT_FINISH_FRAMES : c->pages;
    if (behind >= due && !c->running && !c->wanted) {
        c->wanted = 1;
        pthread_cond_signal(&c->cv);
    }
    return 0;
}

/* Runs on the writer thread inside each COMMIT. */
static int wal_hook(void *arg, sqlite3 *h, const char *name, int frames)
{
    (void)name;
    struct store_ckpt *c = arg;
    pthread_mutex_lock(&c->mu);
    int now = after_commit(c, frames);
    pthread_mutex_unlock(&c->mu);
    if (!now) return SQLITE_OK;
    int copied;
    int64_t t0 = pl_mono_us();
    if (passive(h, &copied) == SQLITE_OK) {
        int64_t took = pl_mono_us() - t0;
        pthread_mutex_lock(&c->mu);
        c->writer++;
        c->done_frames = copied;
        pl_hist_observe_us(&c->finish_time, took);
        pthread_mutex_unlock(&c->mu);
    }
    return SQLITE_OK;
}

/* fsync the database file through SQLite's own handle, so the VFS's idea of
 * a sync (fdatasync here, F_FULLFSYNC elsewhere when asked) is the one used. */
static int sync_db(sqlite3 *h)
{
    sqlite3_file *f = NULL;
    if (sqlite3_file_control(h, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK || !f || !f->pMethods)
        return SQLITE_ERROR;
    return f->pMethods->xSync(f, SQLITE_SYNC_NORMAL);
}

/* After a background checkpoint (mutex held, released meanwhile): sync the
 * database file once enough is copied and the cycle is due. `running` is already clear, so the
 * writer is free to commit, but not to finish the cycle while this much is
 * unsynced. */
static void maybe_sync(struct store_ckpt *c)
{
    if (c->unsynced < c->sync || c->last_frames < c->cycle) return;
    int n = c->unsynced;
    uint64_t gen = c->generation;
    pthread_mutex_unlock(&c->mu);
    int rc = sync_db(c->h);
    if (rc != SQLITE_OK)
        fprintf(stderr, "store: checkpoint: sync failed (%d)\n", rc);
    pthread_mutex_lock(&c->mu);
    if (rc == SQLITE_OK) {
        c->syncs++;
        /* A restart meanwhile already zeroed the count (and synced it all). */
        if (gen == c->generation) c->unsynced -= n;
    }
}

static void *ckpt_main(void *arg)
{
    pl_thread_name("parley-ckpt");
    struct store_ckpt *c = arg;
    struct sched_param sp = { 0 };
    if (pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp) != 0)
        (void)setpriority(PRIO_PROCESS, 0, 19);   /* the next best: this thread, lowest nice */
    pthread_mutex_lock(&c->mu);
    for (;;) {
        while (!c->wanted && !c->stopping) pthread_cond_wait(&c->cv, &c->mu);
        if (c->stopping) break;
        c->wanted = 0;
        c->running = 1;
        uint64_t gen = c->generation;
        pthread_mutex_unlock(&c->mu);
        int copied;
        int rc = passive(c->h, &copied);
        if (rc != SQLITE_OK && rc != SQLITE_BUSY)
            fprintf(stderr, "store: checkpoint: %s\n", sqlite3_errmsg(c->h));
        pthread_mutex_lock(&c->mu);
        c->running = 0;
        if (rc == SQLITE_OK) {
            c->background++;
            /* A count of the WAL before it started again means nothing now. */
            if (gen == c->generation && copied > c->done_frames) {
                c->unsynced += copied - c->done_frames;
                c->done_frames = copied;
            }
            maybe_sync(c);
        }
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

static void free_ckpt(struct store_ckpt *c)
{
    if (sqlite3_close(c->h) != SQLITE_OK)
        fprintf(stderr, "store: close (checkpoints) failed\n");
    free(c);
}

pl_status store_ckpt_start(struct store *st, const char *path)
{
    if (db_kind(st->wdb) != DB_SQLITE) return PL_OK;
    struct store_ckpt *c = calloc(1, sizeof(*c));
    if (!c) return PL_ERR_NOMEM;
    c->pages = CKPT_PAGES;
    c->cycle = CKPT_CYCLE;
    c->max = CKPT_MAX_PAGES;
    c->sync = CKPT_SYNC_FRAMES;
    /* A connection learns that the file is in WAL mode on its first read;
     * until then its checkpoints do nothing. */
    if (sqlite3_open_v2(path, &c->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
        sqlite3_exec(c->h, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "store: open %s for checkpoints: %s\n", path,
                c->h ? sqlite3_errmsg(c->h) : "out of memory");
        free_ckpt(c);
        return PL_ERR_STORE;
    }
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    if (pthread_create(&c->thread, NULL, ckpt_main, c) != 0) {
        fprintf(stderr, "store: cannot start the checkpoint thread\n");
        pthread_mutex_destroy(&c->mu);
        pthread_cond_destroy(&c->cv);
        free_ckpt(c);
        return PL_ERR_STORE;
    }
    /* Replaces the writer's automatic checkpoint, itself a WAL hook. */
    sqlite3_wal_hook(db_sqlite_handle(st->wdb), wal_hook, c);
    st->ckpt = c;
    return PL_OK;
}

void store_ckpt_stop(struct store *st)
{
    struct store_ckpt *c = st->ckpt;
    if (!c) return;
    pthread_mutex_lock(&c->mu);
    c->stopping = 1;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->thread, NULL);
    /* The writer's connection, closed last, checkpoints what is left. */
    sqlite3_wal_hook(db_sqlite_handle(st->wdb), NULL, NULL);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    free_ckpt(c);
    st->ckpt = NULL;
}

void store_ckpt_tune(struct store *st, int pages, int cycle, int max, int sync)
{
    struct store_ckpt *c = st->ckpt;
    if (!c) return;
    pthread_mutex_lock(&c->mu);
    c->pages = pages;
    c->cycle = cycle;
    c->max = max;
    c->sync = sync;
    pthread_mutex_unlock(&c->mu);
}

void store_ckpt_stats(struct store *st, struct store_stats *out)
{
    struct store_ckpt *c = st->ckpt;
    if (!c) return;
    pthread_mutex_lock(&c->mu);
    out->checkpoints_background = c->background;
    out->checkpoints_writer = c->writer;
    out->checkpoint_syncs = c->syncs;
    out->checkpoint_finish_time = c->finish_time;
    pthread_mutex_unlock(&c->mu);
}
