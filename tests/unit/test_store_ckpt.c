/* The WAL checkpoints of store_ckpt.c: the background thread copies, the writer
 * finishes each cycle, the writer alone keeps the WAL bounded when the
 * background cannot, and nothing written is lost on the way. Small thresholds
 * (store_ckpt_tune) so a few thousand messages go round several cycles. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "parley/loop.h"
#include "parley/store.h"
#include "../../server/store_internal.h"
#include "testlib.h"
#include "teststore.h"

#define FRAME_BYTES (4096 + 24)

static struct store_result new_conversation(struct store *st)
{
    struct store_new_visitor nv = { .name = "Vera", .locale = "en" };
    memset(nv.token_hash, 0x5A, sizeof(nv.token_hash));
    struct box b = { 0 };
    return done(store_create_visitor(st, &nv, on_result, &b), &b);
}

/* n visitor messages, queued 4 at a time, so the writer commits small batches
 * (many WAL frames) of varying size. Returns how many were stored. */
static int append_many(struct store *st, const char *conv, int from, int n)
{
    struct box *bx = calloc((size_t)n, sizeof(*bx));
    if (!bx) return 0;
    char text[200], id[32];
    for (int i = 0; i < n; i++) {
        snprintf(id, sizeof(id), "m%d", from + i);
        snprintf(text, sizeof(text), "message %d, long enough to fill a page now and then: %0120d",
                 from + i, from + i);
        struct store_append ap = { .conversation = conv, .role = "visitor", .client_id = id, .text = text };
        if (store_append(st, &ap, on_result, &bx[i]) == PL_OK) pending++;
        if (i % 4 == 3) wait_all();
    }
    wait_all();
    int stored = 0;
    for (int i = 0; i < n; i++) stored += bx[i].done == 1 && bx[i].r.status == PL_OK && !bx[i].r.duplicate;
    free(bx);
    return stored;
}

static long long wal_bytes(void)
{
    char p[160];
    snprintf(p, sizeof(p), "%s-wal", db_path);
    struct stat sb;
    return stat(p, &sb) == 0 ? (long long)sb.st_size : -1;
}

static int64_t count_messages(const char *conv)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    int64_t n = -1;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "SELECT count(*) FROM messages WHERE conversation_id = ?1 AND role = 'visitor'",
                           -1, &s, NULL) == SQLITE_OK) {
        sqlite3_bind_text(s, 1, conv, -1, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_ROW) n = sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    return n;
}

/* The background thread copies every `pages`; the writer finishes a cycle of
 * 400 frames; the WAL file never grows far past the cycle. */
static void test_cycles(void)
{
    struct store *st = open_fresh("ckpt.db");
    if (!st) return;
    store_ckpt_tune(st, 50, 400, 4000, 100);
    struct store_result c = new_conversation(st);
    CHECK(append_many(st, c.conversation_id, 0, 3000) == 3000);
    struct store_stats s;
    store_get_stats(st, &s);
    printf("cycles: %llu background, %llu by the writer, WAL %lld bytes\n",
           (unsigned long long)s.checkpoints_background, (unsigned long long)s.checkpoints_writer,
           wal_bytes());
    CHECK(s.checkpoints_background > 0);
    CHECK(s.checkpoints_writer > 0);
    /* The checkpointer synced the file itself, so the writer's fsync is small. */
    CHECK(s.checkpoint_syncs > 0);
    CHECK(s.checkpoint_finish_time.count == s.checkpoints_writer);
    /* A cycle ends at 400 frames plus the last batch's; never near the 4,000 cap. */
    CHECK(wal_bytes() > 0 && wal_bytes() < 2000LL * FRAME_BYTES);
    CHECK(count_messages(c.conversation_id) == 3000);
    store_close(st);

    /* Everything is there after a reopen, and the same ids are duplicates. */
    st = open_store();
    if (!st) return;
    CHECK(count_messages(c.conversation_id) == 3000);
    CHECK(append_many(st, c.conversation_id, 0, 100) == 0);
    CHECK(append_many(st, c.conversation_id, 3000, 100) == 100);
    store_close(st);
    CHECK(count_messages(c.conversation_id) == 3100);
    remove_db("ckpt.db");
}

/* With the background thread never woken (its threshold out of reach), the
 * writer alone keeps the WAL under its cap, as SQLite's own checkpoint would. */
static void test_writer_alone(void)
{
    struct store *st = open_fresh("alone.db");
    if (!st) return;
    store_ckpt_tune(st, 1 << 30, 1 << 30, 300, 1 << 30);
    struct store_result c = new_conversation(st);
    CHECK(append_many(st, c.conversation_id, 0, 2000) == 2000);
    struct store_stats s;
    store_get_stats(st, &s);
    printf("writer alone: %llu background, %llu by the writer, WAL %lld bytes\n",
           (unsigned long long)s.checkpoints_background, (unsigned long long)s.checkpoints_writer,
           wal_bytes());
    CHECK(s.checkpoints_background == 0);
    CHECK(s.checkpoints_writer > 0);
    CHECK(s.checkpoint_syncs == 0);
    CHECK(wal_bytes() > 0 && wal_bytes() < 1500LL * FRAME_BYTES);
    CHECK(count_messages(c.conversation_id) == 2000);
    store_close(st);
    remove_db("alone.db");
}

int main(void)
{
    if (!test_dir_make("/tmp/parley_ckpt_XXXXXX")) return 1;
    test_cycles();
    test_writer_alone();
    test_dir_remove();
    return test_summary("test_store_ckpt");
}
