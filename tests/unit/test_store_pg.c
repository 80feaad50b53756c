/*
 * The store's writer on PostgreSQL (store_writer_pg.c): appends queued back to
 * back go out pipelined in one transaction, and each gets the answer the
 * SQLite store gives — numbers, duplicates, refusals — with nothing stored
 * twice and no gap, also when the batch mixes in other ops, refused appends
 * or a failing one. Skipped unless PARLEY_TEST_PG holds a URL (make unit
 * starts a throwaway server); each run makes its own database.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "parley/loop.h"
#include "parley/store.h"
#include "../../server/db.h"
#include "testlib.h"
#include "teststore.h"

static char url[512];

/* A fresh database next to the one in base (the URL's last path part). */
static int make_db(const char *base)
{
    struct db *db = db_pg_connect(base);
    if (!db) return 0;
    char name[64], sql[128];
    snprintf(name, sizeof name, "parley_store_pg_%d", (int)getpid());
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", name);
    int ok = db_exec(db, sql) == DB_OK;
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    ok = ok && db_exec(db, sql) == DB_OK;
    db_close(db);
    const char *slash = strrchr(base, '/');
    if (!ok || !slash) return 0;
    snprintf(url, sizeof url, "%.*s/%s", (int)(slash - base), base, name);
    return 1;
}

static struct store_result new_conv(struct store *st, int n)
{
    struct store_new_visitor nv = { .name = "PG", .locale = "en" };
    memset(nv.token_hash, 0, 32);
    nv.token_hash[0] = (uint8_t)n;
    nv.token_hash[1] = (uint8_t)(n >> 8);
    nv.token_hash[31] = 0x5A;
    struct box b = { 0 };
    return done(store_create_visitor(st, &nv, on_result, &b), &b);
}

static void queue_append(struct store *st, const struct store_append *ap, struct box *b)
{
    CHECK(store_append(st, ap, on_result, b) == PL_OK);
    pending++;
}

static int64_t count_msgs(struct store *st, const char *conv, int notes)
{
    struct store_message_list l;
    if (store_messages_after(st, conv, 0, notes, 0, &l) != PL_OK) return -1;
    int64_t n = (int64_t)l.n;
    store_message_list_free(&l);
    return n;
}

/* One queue-full: new messages, a repeat of one of them, a note, a bot answer
 * with its FAQ fields, a state change in the middle, more messages. */
static void test_mixed_batch(struct store *st)
{
    struct store_result v = new_conv(st, 1);
    const char *c = v.conversation_id;
    struct box b[7];
    memset(b, 0, sizeof b);
    struct store_append a0 = { .conversation = c, .role = "visitor", .author_id = v.visitor_id,
                               .client_id = "k1", .text = "one" };
    struct store_append a1 = a0;
    a1.text = "one again";
    struct store_append note = { .conversation = c, .role = "agent", .author_id = "7",
                                 .text = "a note", .note = 1 };
    struct store_append bot = { .conversation = c, .role = "bot", .text = "answer",
                                .faq_id = "faq-1", .faq_score = 0.5, .count_miss = 1,
                                .meta_json = "{\"m\":1}" };
    struct store_append a4 = { .conversation = c, .role = "visitor", .author_id = v.visitor_id,
                               .text = "after the handoff" };
    queue_append(st, &a0, &b[0]);
    queue_append(st, &a1, &b[1]);
    queue_append(st, &note, &b[2]);
    queue_append(st, &bot, &b[3]);
    struct store_state_change sc = { .conversation = c, .op = STORE_TO_QUEUE };
    CHECK(store_change_state(st, &sc, on_result, &b[4]) == PL_OK);
    pending++;
    queue_append(st, &a4, &b[5]);
    queue_append(st, &a0, &b[6]);
    wait_all();
    CHECK(b[0].r.status == PL_OK && b[0].r.seq == 1 && !b[0].r.duplicate);
    CHECK(b[1].r.status == PL_OK && b[1].r.seq == 1 && b[1].r.duplicate);
    CHECK(b[1].r.ts == b[0].r.ts);
    CHECK(b[2].r.status == PL_OK && b[2].r.seq == 0 && b[2].r.note_seq == 1 && b[2].r.after_seq == 1);
    CHECK(b[3].r.status == PL_OK && b[3].r.seq == 2 && b[3].r.state == CONV_BOT);
    CHECK(b[4].r.status == PL_OK);
    CHECK(b[5].r.status == PL_OK && b[5].r.seq == 3 && b[5].r.state == CONV_QUEUED);
    CHECK(b[6].r.status == PL_OK && b[6].r.seq == 1 && b[6].r.duplicate);
    CHECK(count_msgs(st, c, 0) == 3 && count_msgs(st, c, 1) == 4);
    struct store_conversation cv;
    CHECK(store_get_conversation(st, c, &cv) == PL_OK);
    CHECK(cv.last_seq == 3 && cv.last_note_seq == 1 && cv.bot_misses == 1);
    store_conversation_free(&cv);
    struct store_message_list l;
    CHECK(store_messages_after(st, c, 1, 0, 0, &l) == PL_OK);
    CHECK(l.n == 2);
    if (l.n == 2) {
        CHECK_STR(l.v[0].faq_id, "faq-1");
        CHECK(l.v[0].faq_score == 0.5);
        CHECK_STR(l.v[0].meta_json, "{\"m\":1}");
        CHECK_STR(l.v[1].text, "after the handoff");
    }
    store_message_list_free(&l);
}

/* Refusals in a pipelined batch: reported, and the rest commits once. */
static void test_refusals(struct store *st)
{
    struct store_result open = new_conv(st, 2), shut = new_conv(st, 3);
    struct box x = { 0 };
    struct store_state_change close = { .conversation = shut.conversation_id, .op = STORE_CLOSE,
                                        .closed_by = "visitor" };
    CHECK(done(store_change_state(st, &close, on_result, &x), &x).status == PL_OK);
    struct box b[5];
    memset(b, 0, sizeof b);
    struct store_append ok = { .conversation = open.conversation_id, .role = "visitor",
                               .text = "fine" };
    struct store_append closed = { .conversation = shut.conversation_id, .role = "visitor",
                                   .text = "too late" };
    struct store_append foreign = { .conversation = open.conversation_id, .role = "agent",
                                    .author_id = "9", .text = "not mine", .must_be_agent = 9 };
    struct store_append nowhere = { .conversation = "c_none", .role = "visitor", .text = "?" };
    queue_append(st, &ok, &b[0]);
    queue_append(st, &closed, &b[1]);
    queue_append(st, &foreign, &b[2]);
    queue_append(st, &nowhere, &b[3]);
    queue_append(st, &ok, &b[4]);
    wait_all();
    CHECK(b[0].r.status == PL_OK && b[0].r.seq == 1);
    CHECK(b[1].r.status == PL_ERR_CLOSED);
    CHECK(b[2].r.status == PL_ERR_FORBIDDEN);
    CHECK(b[3].r.status == PL_ERR_NOT_FOUND);
    CHECK(b[4].r.status == PL_OK && b[4].r.seq == 2);
    CHECK(count_msgs(st, open.conversation_id, 1) == 2);
    CHECK(count_msgs(st, shut.conversation_id, 1) == 0);
}

/* A statement that fails (a role the schema refuses) makes the batch run
 * again with savepoints: only that op fails, the others are stored once. */
static void test_failing_op(struct store *st)
{
    struct store_result v = new_conv(st, 4);
    const char *c = v.conversation_id;
    struct box b[3];
    memset(b, 0, sizeof b);
    struct store_append good = { .conversation = c, .role = "visitor", .client_id = "g",
                                 .text = "good" };
    struct store_append bad = { .conversation = c, .role = "hacker", .text = "bad" };
    struct store_append good2 = { .conversation = c, .role = "visitor", .text = "good too" };
    queue_append(st, &good, &b[0]);
    queue_append(st, &bad, &b[1]);
    queue_append(st, &good2, &b[2]);
    wait_all();
    CHECK(b[0].r.status == PL_OK && b[0].r.seq == 1 && !b[0].r.duplicate);
    CHECK(b[1].r.status == PL_ERR_BAD_REQUEST);
    CHECK(b[2].r.status == PL_OK && b[2].r.seq == 2);
    CHECK(count_msgs(st, c, 1) == 2);
}

/* Group commit with pipelining: many appends over a few conversations
 * (printed for docs/performance.md, not asserted beyond correctness). */
static void test_throughput(struct store *st)
{
    enum { N = 20000, CONVS = 500 };
    char ids[CONVS][64];
    for (int i = 0; i < CONVS; i++) {
        struct store_result v = new_conv(st, 100 + i);
        snprintf(ids[i], sizeof ids[i], "%s", v.conversation_id);
    }
    static struct box boxes[N];
    memset(boxes, 0, sizeof boxes);
    struct store_stats s0, s1;
    store_get_stats(st, &s0);
    int64_t t0 = pl_mono_ms();
    for (int i = 0; i < N; i++) {
        struct store_append ap = { .conversation = ids[i % CONVS], .role = "visitor",
                                   .text = "the quick brown fox jumps over the lazy dog" };
        queue_append(st, &ap, &boxes[i]);
    }
    wait_all();
    int64_t dt = pl_mono_ms() - t0;
    store_get_stats(st, &s1);
    int ok = 1;
    for (int i = 0; i < N; i++)
        ok &= boxes[i].r.status == PL_OK && boxes[i].r.seq == i / CONVS + 1;
    CHECK(ok);
    CHECK(s1.commit_failures == s0.commit_failures);
    printf("pg throughput: %d appends in %lld ms (%.0f/s), %llu commits\n", N, (long long)dt,
           dt ? N * 1000.0 / (double)dt : 0.0, (unsigned long long)(s1.commits - s0.commits));
}

int main(void)
{
    const char *base = getenv("PARLEY_TEST_PG");
    if (!base || !*base) { printf("skipped: PARLEY_TEST_PG not set\n"); return 0; }
    CHECK(make_db(base));
    struct store *st = NULL;
    CHECK(store_open(url, STORE_DURABILITY_FULL, &st) == PL_OK);
    if (!st) return test_summary("test_store_pg");
    test_mixed_batch(st);
    test_refusals(st);
    test_failing_op(st);
    test_throughput(st);
    store_close(st);
    return test_summary("test_store_pg");
}
