/* The bus between nodes without Redis: the payload codec round trip, what it
 * refuses, and the --bus URLs accepted and refused. */
#include <string.h>
#include <stdlib.h>
#include "parley/bus.h"
#include "parley/proto_bus.h"
#include "parley/loop.h"
#include "../../server/bus_internal.h"
#include "testlib.h"

static void test_round_trip(void)
{
    const char *vis = "{\"type\":\"message\",\"text\":\"caf\\u00e9 \\\"quoted\\\"\"}";
    struct frame *v = frame_new(vis, strlen(vis)), *g = frame_new("{\"a\":1}", 7);
    struct bus_event ev = {.topic = "c-1", .kind = BUS_MESSAGE, .conversation = "c-1",
                           .state = CONV_ASSIGNED, .agent_id = 42, .seq = 7,
                           .origin = 0xfedcba9876543210ull, .visitor_frame = v, .agent_frame = g};
    char *p = proto_bus_encode(&ev, 0x8000000000000001ull);
    CHECK(p != NULL);
    struct proto_bus_event d;
    CHECK(proto_bus_decode(p, strlen(p), &d) == 0);
    CHECK(d.node == 0x8000000000000001ull);
    CHECK(d.ev.origin == 0xfedcba9876543210ull);
    CHECK_STR(d.ev.topic, "c-1");
    CHECK_STR(d.ev.conversation, "c-1");
    CHECK(d.ev.kind == BUS_MESSAGE && d.ev.state == CONV_ASSIGNED);
    CHECK(d.ev.agent_id == 42 && d.ev.seq == 7);
    CHECK(d.ev.visitor_frame && d.ev.visitor_frame->len == strlen(vis));
    CHECK(d.ev.visitor_frame && !memcmp(frame_data(d.ev.visitor_frame), vis, strlen(vis)));
    CHECK(d.ev.agent_frame && d.ev.agent_frame->len == 7);
    CHECK(d.ev.target_frame == NULL);
    proto_bus_event_free(&d);
    free(p);
    frame_unref(v);
    frame_unref(g);
}

/* Every state and kind crosses, the newest included (offline, config): a node
 * must not drop what another, as new, sends. */
static void test_every_kind_and_state(void)
{
    for (int k = BUS_MESSAGE; k <= BUS_CONFIG; k++)
        for (int st = CONV_BOT; st < CONV_STATE_COUNT; st++) {
            struct bus_event ev = {.topic = BUS_SITE, .kind = (enum bus_kind)k, .conversation = "c-2",
                                   .state = (enum conv_state)st};
            char *p = proto_bus_encode(&ev, 7);
            struct proto_bus_event d;
            CHECK(p && proto_bus_decode(p, strlen(p), &d) == 0);
            if (p) {
                CHECK((int)d.ev.kind == k && (int)d.ev.state == st);
                proto_bus_event_free(&d);
            }
            free(p);
        }
}

static void test_sync(void)
{
    char *p = proto_bus_encode_sync("c-9", 5);
    struct proto_bus_event d;
    CHECK(p && proto_bus_decode(p, strlen(p), &d) == 0);
    CHECK(d.sync == 1 && d.node == 5);
    CHECK_STR(d.ev.topic, "c-9");
    CHECK(d.ev.visitor_frame == NULL && d.ev.agent_frame == NULL);
    proto_bus_event_free(&d);
    free(p);
}

static void test_refused(void)
{
    static const char *bad[] = {
        "", "not json", "[]", "{\"n\":\"1\"}",
        "{\"n\":\"1\",\"t\":\"x\",\"k\":99,\"c\":\"\",\"st\":0,\"a\":0,\"s\":0,\"o\":\"0\"}",
        "{\"n\":\"1\",\"t\":\"x\",\"k\":0,\"c\":\"\",\"st\":9,\"a\":0,\"s\":0,\"o\":\"0\"}",
        "{\"n\":\"1\",\"t\":\"x\",\"k\":0,\"c\":\"\",\"st\":0,\"a\":0,\"s\":0,\"o\":\"0\",\"v\":5}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        struct proto_bus_event d;
        CHECK(proto_bus_decode(bad[i], strlen(bad[i]), &d) == -1);
    }
}

static void test_urls(void)
{
    char msg[96];
    CHECK(bus_configure("local", msg, sizeof(msg)) == 0 && !bus_is_remote());
    CHECK(bus_configure("redis://127.0.0.1:6390", msg, sizeof(msg)) == 0 && bus_is_remote());
    CHECK(bus_configure("redis://cache.internal", msg, sizeof(msg)) == 0);
    static const char *bad[] = {"redis://", "redis://:6379", "redis://h:0", "redis://h:70000",
                                "redis://h:x", "nats://h:4222", "Local",
                                "redis://secret@h:6379", "redis://:@h:6379", "redis://:a%zz@h",
                                "redis://:a%00b@h", "redis://:pw@", "redis://:pw@:6379"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        msg[0] = '\0';
        CHECK(bus_configure(bad[i], msg, sizeof(msg)) == -1);
        CHECK(msg[0] != '\0');
    }
    CHECK(bus_configure("local", msg, sizeof(msg)) == 0);
    CHECK(bus_healthy());
}

/* AUTH in the URL: the password after a colon, with or without a user (Redis
 * 6 ACL), percent-decoded; and never shown back. */
static void test_auth_urls(void)
{
    char msg[96], safe[128];
    struct bus_url u;
    CHECK(bus_url_parse("redis://:s3cret@h:6390", &u, msg, sizeof(msg)) == 0);
    CHECK(!strcmp(u.host, "h") && u.port == 6390 && !u.user[0] && !strcmp(u.pass, "s3cret"));
    CHECK(bus_url_parse("redis://ops:p%40ss:w@cache.internal", &u, msg, sizeof(msg)) == 0);
    CHECK(!strcmp(u.user, "ops") && !strcmp(u.pass, "p@ss:w") && u.port == 6379 &&
          !strcmp(u.host, "cache.internal"));
    CHECK(bus_url_parse("redis://:a@b@h:1", &u, msg, sizeof(msg)) == 0);   /* the last @ ends it */
    CHECK(!strcmp(u.pass, "a@b") && !strcmp(u.host, "h") && u.port == 1);
    CHECK(bus_url_parse("redis://h", &u, msg, sizeof(msg)) == 0 && !u.pass[0]);
    bus_url_safe("redis://ops:s3cret@h:6390", safe, sizeof(safe));
    CHECK(!strcmp(safe, "redis://ops:***@h:6390"));
    bus_url_safe("redis://:s3cret@h", safe, sizeof(safe));
    CHECK(!strcmp(safe, "redis://:***@h"));
    bus_url_safe("redis://h:1", safe, sizeof(safe));
    CHECK(!strcmp(safe, "redis://h:1"));
    bus_url_safe("redis://s3cret@h", safe, sizeof(safe));   /* refused, and not shown either */
    CHECK(!strstr(safe, "s3cret"));
    CHECK(bus_configure("redis://:pw@h:6379", msg, sizeof(msg)) == 0 && bus_is_remote());
    CHECK(bus_configure("local", msg, sizeof(msg)) == 0);
}

/* ---- the seq policy of the Redis bus, with Redis unreachable (port 1) and
 * the store replaced by hooks: gaps are read back, repeats skipped ---- */

static int64_t got[64], got_b[64];
static size_t n_got, n_got_b;
static int64_t store_last = 3, store_max = 7, catch_after = -1;
static int sub_a, sub_b;

static void record(void *sub, const struct bus_event *ev)
{
    if (sub == &sub_a && ev->kind == BUS_MESSAGE && n_got < 64)
        got[n_got++] = ev->seq;
    if (sub == &sub_b && ev->kind == BUS_MESSAGE && n_got_b < 64)
        got_b[n_got_b++] = ev->seq;
    if (sub == &sub_b && ev->kind == BUS_QUEUED && n_got_b < 64)
        got_b[n_got_b++] = -1;              /* marks where the queued event came */
    if (ev->kind == BUS_QUEUED)
        bus_subscribe(ev->conversation, &sub_b);  /* an agent follows what it sees queued */
}

static int64_t fake_last(const char *conv) { return store_last; }

static int catch_listening = -1;

static void fake_catch_up(const char *conv, int64_t after, int listening)
{
    catch_after = after;
    catch_listening = listening;
    for (int64_t s = after + 1; s <= store_max; s++) {
        struct bus_event ev = {.topic = conv, .kind = BUS_MESSAGE, .conversation = conv, .seq = s};
        bus_deliver_caught_up(&ev);
    }
}

static void remote(const char *topic, enum bus_kind kind, int64_t seq)
{
    struct proto_bus_event *e = calloc(1, sizeof(*e));
    e->topic = strdup(topic);
    e->conversation = strdup(topic);
    e->ev.topic = e->topic;
    e->ev.conversation = e->conversation;
    e->ev.kind = kind;
    e->ev.seq = seq;
    e->ev.origin = 99;
    bus_remote_event(e);
}

static void test_seq_policy(void)
{
    char msg[96];
    CHECK(bus_configure("redis://127.0.0.1:1", msg, sizeof(msg)) == 0);
    bus_set_hooks(fake_last, fake_catch_up);
    CHECK(bus_init(record) == 0);
    CHECK(!bus_healthy());                   /* nothing listens on port 1 */
    CHECK(bus_subscribe("c-1", &sub_a) == 0); /* starts from the store's last: 3 */
    remote("c-1", BUS_MESSAGE, 3);           /* known already: skipped */
    remote("c-1", BUS_MESSAGE, 4);
    remote("c-1", BUS_MESSAGE, 4);           /* a repeat */
    remote("c-1", BUS_MESSAGE, 6);           /* 5 was lost: read back 5..7 first */
    CHECK(catch_after == 4);
    remote("c-1", BUS_MESSAGE, 7);           /* delivered by the catch-up */
    struct bus_event own = {.topic = "c-1", .kind = BUS_MESSAGE, .conversation = "c-1", .seq = 8};
    bus_publish(&own);                       /* this node's own: delivered at once */
    store_max = 8;
    static const int64_t want[] = {4, 5, 6, 7, 8};
    CHECK(n_got == 5);
    for (size_t i = 0; i < 5 && i < n_got; i++)
        CHECK(got[i] == want[i]);
    /* A resubscription (as after a reconnect) reads from what was delivered. */
    catch_after = -1;
    bus_remote_subscribed(strdup("c-1"));
    CHECK(catch_after == 8 && catch_listening == 1);
    /* Another node that dropped events for c-1 asks for a read back. */
    catch_after = -1;
    struct proto_bus_event *sy = calloc(1, sizeof(*sy));
    sy->sync = 1;
    sy->topic = strdup("c-1");
    sy->ev.topic = sy->topic;
    bus_remote_event(sy);
    CHECK(catch_after == 8 && catch_listening == 0);
    /* A follow started by a queued event starts where its transcript ended. */
    CHECK(bus_subscribe(BUS_SITE, &sub_a) == 0);
    struct bus_event q = {.topic = BUS_SITE, .kind = BUS_QUEUED, .conversation = "c-queued", .seq = 2};
    bus_publish(&q);
    catch_after = -1;
    bus_remote_subscribed(strdup("c-queued"));
    CHECK(catch_after == 2);
    /* An agent who follows c-1 from a transcript that reached seq 5, on a node
     * that has delivered up to 8: gets 6..8 on its own, after the event. */
    CHECK(bus_subscribe(BUS_SITE, &sub_b) == 0);
    n_got = n_got_b = 0;
    struct bus_event q1 = {.topic = BUS_SITE, .kind = BUS_QUEUED, .conversation = "c-1", .seq = 5};
    bus_publish(&q1);
    CHECK(n_got == 0);                       /* nobody else gets them again */
    CHECK(n_got_b == 4);
    static const int64_t want_b[] = {-1, 6, 7, 8};
    for (size_t i = 0; i < 4 && i < n_got_b; i++)
        CHECK(got_b[i] == want_b[i]);
    bus_unsubscribe("c-1", &sub_b);
    bus_unsubscribe(BUS_SITE, &sub_b);
    bus_unsubscribe("c-queued", &sub_b);
    bus_unsubscribe("c-1", &sub_a);
    bus_unsubscribe(BUS_SITE, &sub_a);
    CHECK(bus_topic_count() == 0);
    char *m = bus_metrics_text();
    CHECK(m && strstr(m, "parley_bus_seq_gaps_total 1\n"));
    CHECK(m && strstr(m, "parley_bus_up 0\n"));
    free(m);
    bus_shutdown();
    CHECK(bus_configure("local", msg, sizeof(msg)) == 0);
}

int main(void)
{
    test_round_trip();
    test_every_kind_and_state();
    test_sync();
    test_refused();
    test_urls();
    test_auth_urls();
    test_seq_policy();
    return test_summary("test_bus");
}
