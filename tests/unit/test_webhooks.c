/*
 * Unit tests of webhooks: the signature (against an independently computed
 * HMAC-SHA256 test vector), the backoff schedule, the store's delivery rows
 * (emit by filter, ping, results, retry, pruning, the hook limit, the URL
 * CHECK) and the payload JSON. A real SQLite file in a temporary directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "parley/loop.h"
#include "parley/proto_webhook.h"
#include "parley/store_webhooks.h"
#include "parley/webhook.h"
#include "testlib.h"
#include "teststore.h"

static void test_sign(void)
{
    char sig[72];
    /* python3: hmac.new(b"key", b"1700000000.{}", hashlib.sha256).hexdigest() */
    webhook_sign("key", "1700000000", "{}", 2, sig);
    CHECK_STR(sig, "sha256=9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae");
    CHECK(strlen(sig) == 71);
}

static void test_backoff(void)
{
    CHECK(webhook_backoff_ms(1, 10000) == 10000);
    CHECK(webhook_backoff_ms(2, 10000) == 30000);
    CHECK(webhook_backoff_ms(3, 10000) == 120000);
    CHECK(webhook_backoff_ms(4, 10000) == 600000);
    CHECK(webhook_backoff_ms(5, 10000) == 3600000);
    CHECK(webhook_backoff_ms(6, 10000) == -1);
    CHECK(webhook_backoff_ms(0, 10000) == -1);
    CHECK(webhook_backoff_ms(2, 10) == 30);
}

static int64_t create(struct store *st, const char *url, const char *events, int active)
{
    struct box b = {0};
    struct store_result r = done(store_webhook_create(st, url, "s3cret", events, active,
                                                      on_result, &b), &b);
    return r.status == PL_OK ? r.id : -(int64_t)r.status;
}

static struct store_result emit(struct store *st, const char *event, int64_t only)
{
    struct box b = {0};
    return done(store_webhook_emit(st, event, "{\"x\":1}", only, on_result, &b), &b);
}

static size_t count(struct store *st, int64_t hook)
{
    struct store_delivery_list l = {0};
    CHECK(store_webhook_deliveries(st, hook, 5000, &l) == PL_OK);
    size_t n = l.n;
    store_delivery_list_free(&l);
    return n;
}

static void test_store(void)
{
    struct store *st = NULL;
    CHECK(store_open(db_path, STORE_DURABILITY_NORMAL, &st) == PL_OK);
    if (!st) return;
    int64_t all = create(st, "https://a.test/", "", 1);
    int64_t rated = create(st, "http://b.test/", "rating.created,conversation.closed", 1);
    int64_t off = create(st, "http://c.test/", "", 0);
    CHECK(all > 0 && rated > 0 && off > 0);
    CHECK(create(st, "ftp://d.test/", "", 1) == -(int64_t)PL_ERR_BAD_REQUEST);

    CHECK(emit(st, "message.created", 0).status == PL_OK);
    CHECK(emit(st, "rating.created", 0).status == PL_OK);
    CHECK(count(st, all) == 2 && count(st, rated) == 1 && count(st, off) == 0);
    struct store_result p = emit(st, "ping", off);
    CHECK(p.status == PL_OK && p.id > 0);
    CHECK(emit(st, "ping", 9999).status == PL_ERR_NOT_FOUND);

    /* Due: in (next_attempt_at, id) order; the paused hook's ping is due too. */
    struct store_delivery_list due = {0};
    CHECK(store_deliveries_due(st, pl_now_ms() + 1, 100, &due) == PL_OK);
    CHECK(due.n == 4);
    for (size_t i = 1; i < due.n; i++) CHECK(due.v[i].id > due.v[i - 1].id);
    if (due.n == 4) {
        CHECK_STR(due.v[0].url, "https://a.test/");
        CHECK_STR(due.v[0].secret, "s3cret");
        CHECK_STR(due.v[0].payload, "{\"x\":1}");
        CHECK_STR(due.v[3].event, "ping");
        struct box b = {0};
        struct store_delivery_result res = {.id = due.v[0].id, .webhook_id = all, .attempts = 1,
            .status = DELIVERY_PENDING, .next_attempt_at = pl_now_ms() + 60000,
            .status_code = 500, .error = "HTTP 500"};
        CHECK(done(store_delivery_result(st, &res, on_result, &b), &b).status == PL_OK);
    }
    int64_t next = 0, n = 0;
    CHECK(store_deliveries_pending(st, &next, &n) == PL_OK && n == 4 && next > 0);
    store_delivery_list_free(&due);
    CHECK(store_deliveries_due(st, pl_now_ms() + 1, 100, &due) == PL_OK && due.n == 3);

    /* A claim takes a due row once: a second claim (another node that read the
     * same row) is refused, the row is out of the due window until the lease
     * ends, and then it can be claimed again. */
    if (due.n == 3) {
        int64_t now = pl_now_ms() + 1, id = due.v[0].id;
        struct box b = {0};
        CHECK(done(store_delivery_claim(st, id, now, now + 60000, on_result, &b), &b).status == PL_OK);
        b.done = 0;
        CHECK(done(store_delivery_claim(st, id, now, now + 60000, on_result, &b), &b).status ==
              PL_ERR_NOT_FOUND);
        struct store_delivery_list after = {0};
        CHECK(store_deliveries_due(st, now, 100, &after) == PL_OK && after.n == 2);
        for (size_t i = 0; i < after.n; i++) CHECK(after.v[i].id != id);
        store_delivery_list_free(&after);
        b.done = 0;
        CHECK(done(store_delivery_claim(st, id, now + 60000, now + 120000, on_result, &b), &b)
                  .status == PL_OK);
        b.done = 0;
        CHECK(done(store_delivery_claim(st, 999999, now, now + 1, on_result, &b), &b).status ==
              PL_ERR_NOT_FOUND);
        /* Give the row back to the window the rest of the test expects. */
        struct store_delivery_result res = {.id = id, .webhook_id = due.v[0].webhook_id,
            .attempts = due.v[0].attempts, .status = DELIVERY_PENDING,
            .next_attempt_at = due.v[0].next_attempt_at};
        b.done = 0;
        CHECK(done(store_delivery_result(st, &res, on_result, &b), &b).status == PL_OK);
    }
    store_delivery_list_free(&due);

    struct store_delivery_list log = {0};
    CHECK(store_webhook_deliveries(st, all, 10, &log) == PL_OK && log.n == 2);
    if (log.n == 2) {
        CHECK(log.v[1].attempts == 1 && log.v[1].last_status_code == 500);
        CHECK_STR(log.v[1].last_error, "HTTP 500");
        struct box b = {0};
        CHECK(done(store_delivery_retry(st, all, log.v[1].id, on_result, &b), &b).status == PL_OK);
        b.done = 0;
        CHECK(done(store_delivery_retry(st, rated, log.v[1].id, on_result, &b), &b).status ==
              PL_ERR_NOT_FOUND);
    }
    store_delivery_list_free(&log);
    CHECK(store_webhook_deliveries(st, all, 10, &log) == PL_OK && log.n == 2);
    if (log.n == 2) CHECK(log.v[1].attempts == 0 && log.v[1].status == DELIVERY_PENDING);
    store_delivery_list_free(&log);

    /* Pruning keeps the newest STORE_WEBHOOK_LOG_KEEP finished rows. */
    for (int i = 0; i < STORE_WEBHOOK_LOG_KEEP + 5; i++) {
        struct store_result e = emit(st, "ping", rated);
        struct box b = {0};
        struct store_delivery_result res = {.id = e.id, .webhook_id = rated, .attempts = 1,
                                            .status = DELIVERY_DELIVERED, .status_code = 200};
        done(store_delivery_result(st, &res, on_result, &b), &b);
    }
    CHECK(count(st, rated) == STORE_WEBHOOK_LOG_KEEP + 1);   /* + the pending rating row */

    struct box b = {0};
    CHECK(done(store_webhook_update(st, off, "https://c2.test/", "message.created", 1, on_result,
                                    &b), &b).status == PL_OK);
    struct store_webhook w = {0};
    CHECK(store_webhook_get(st, off, &w) == PL_OK && w.active == 1);
    CHECK_STR(w.url, "https://c2.test/");
    CHECK_STR(w.events, "message.created");
    store_webhook_free(&w);
    b.done = 0;
    CHECK(done(store_webhook_delete(st, rated, on_result, &b), &b).status == PL_OK);
    CHECK(count(st, rated) == 0);
    CHECK(store_webhook_get(st, rated, &w) == PL_ERR_NOT_FOUND);

    while (create(st, "https://more.test/", "", 1) > 0) {}
    struct store_webhook_list l = {0};
    CHECK(store_webhook_list(st, &l) == PL_OK && l.n == STORE_WEBHOOKS_MAX);
    store_webhook_list_free(&l);
    store_close(st);
}

static void test_proto(void)
{
    char *body = proto_webhook_body(7, "ping", 123, "{\"a\":[1,2]}");
    CHECK_STR(body, "{\"id\":7,\"event\":\"ping\",\"created_at\":123,\"data\":{\"a\":[1,2]}}");
    free(body);
    CHECK(proto_webhook_body(7, "ping", 123, "{not json") == NULL);
    char field[32], msg[256];
    struct rest_webhook in;
    const char *ok = "{\"url\":\"https://x.test/h\",\"events\":[\"message.created\",\"rating.created\"]}";
    CHECK(proto_webhook_decode(ok, strlen(ok), NULL, &in, field, sizeof(field), msg,
                               sizeof(msg)) == PL_OK);
    CHECK_STR(in.events, "message.created,rating.created");
    CHECK(in.active == 1);
    proto_webhook_free(&in);
    const char *bad = "{\"url\":\"https://x.test/h\",\"events\":[\"nope\"]}";
    CHECK(proto_webhook_decode(bad, strlen(bad), NULL, &in, field, sizeof(field), msg,
                               sizeof(msg)) == PL_ERR_BAD_REQUEST);
    CHECK_STR(field, "events");
    const char *scheme = "{\"url\":\"ftp://x.test/h\"}";
    CHECK(proto_webhook_decode(scheme, strlen(scheme), NULL, &in, field, sizeof(field), msg,
                               sizeof(msg)) == PL_ERR_BAD_REQUEST);
    CHECK_STR(field, "url");
}

int main(void)
{
    if (!test_dir_make("/tmp/parley_webhooks_XXXXXX")) return 1;
    set_path("webhooks.db");
    test_sign();
    test_backoff();
    test_store();
    test_proto();
    remove_db("webhooks.db");
    test_dir_remove();
    return test_summary("test_webhooks");
}
