/* The bus between nodes without Redis: the payload codec round trip, what it
 * refuses, and the --bus URLs accepted and refused. */
#include <string.h>
#include <stdlib.h>
#include "parley/bus.h"
#include "parley/proto_bus.h"
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
                                "redis://h:x", "nats://h:4222", "Local"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        msg[0] = '\0';
        CHECK(bus_configure(bad[i], msg, sizeof(msg)) == -1);
        CHECK(msg[0] != '\0');
    }
    CHECK(bus_configure("local", msg, sizeof(msg)) == 0);
    CHECK(bus_healthy());
}

int main(void)
{
    test_round_trip();
    test_refused();
    test_urls();
    return test_summary("test_bus");
}
