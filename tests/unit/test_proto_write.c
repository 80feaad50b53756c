/* proto_write.c writes message and ack frames without Jansson: the bytes must
 * be exactly those of the Jansson-built reference, for every kind of string a
 * visitor can send (escapes, every control character, multi-byte UTF-8) and
 * every optional field, in both views; and what Jansson would refuse must come
 * out as Jansson has it. */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "parley/frame.h"
#include "parley/proto.h"
#include "../../server/proto_util.h"
#include "testlib.h"

static int same_frame(struct frame *a, struct frame *b)
{
    int same = (!a && !b) || (a && b && a->len == b->len && !memcmp(frame_data(a), frame_data(b), a->len));
    if (!same)
        fprintf(stderr, "  fast: %s\n  ref:  %s\n", a ? (char *)frame_data(a) : "(null)",
                b ? (char *)frame_data(b) : "(null)");
    frame_unref(a);
    frame_unref(b);
    return same;
}

static int message_matches(const struct store_message *m)
{
    int ok = 1;
    for (int view = 0; view < 2; view++) {
        enum proto_view v = view ? VIEW_AGENT : VIEW_VISITOR;
        ok &= same_frame(proto_message(m, v), proto_frame_take(proto_message_json(m, v)));
    }
    return ok;
}

static void test_texts(void)
{
    char controls[64], *p = controls;
    for (int c = 1; c < 0x20; c++) *p++ = (char)c;
    *p++ = 0x7F;
    *p = 0;
    char *long_text = malloc(5000);
    for (int i = 0; i < 4999; i++) long_text[i] = "ab\"\\\n\xc3\xa9"[i % 7];
    long_text[4999] = 0;
    const char *texts[] = {
        "", "hello", "say \"hi\"", "back\\slash", "a/b </script>", controls,
        "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\xe4\xbd\xa0\xe5\xa5\xbd\xef\xbc\x9f",
        "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7", "line\r\nbreak\ttab", long_text,
        "\xef\xbf\xbf \xf4\x8f\xbf\xbf",          /* the last code points of their planes */
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        struct store_message m = {.conversation = "c_0123", .seq = 7, .role = "visitor",
                                  .author_id = "v_1", .author_name = "Vera \"V\"", .client_id = "m\n1",
                                  .text = (char *)texts[i], .ts = 1764770000123LL, .helpful = -1};
        CHECK(message_matches(&m));
    }
    free(long_text);
}

static void test_fields(void)
{
    struct store_message m = {.conversation = "c_1", .seq = 1, .role = "agent", .author_id = "3",
                              .text = "hi", .ts = 1, .helpful = -1};
    CHECK(message_matches(&m));                      /* no name, no client id */
    m.author_name = "Ana";
    m.client_id = "a-1";
    CHECK(message_matches(&m));
    m.note_seq = 4;                                  /* a note: its own numbering */
    m.after_seq = 9;
    CHECK(message_matches(&m));
    struct store_message sys = {.conversation = "c_1", .seq = 12, .role = "system",
                                .text = "Ana joined", .ts = 5, .helpful = -1};
    CHECK(message_matches(&sys));
    /* The bot's extras go the Jansson way, and still come out the same. */
    struct store_message bot = {.conversation = "c_1", .seq = 2, .role = "bot", .text = "Refunds take 5 days.",
                                .faq_id = "refunds", .faq_score = 0.75, .helpful = 1,
                                .meta_json = "{\"matched\":[\"refund\"],\"choices\":[\"a\",\"b\"]}"};
    CHECK(message_matches(&bot));
}

/* Not UTF-8, or broken sequences: whatever Jansson does with them, so does the
 * fast path (it hands them over). */
static void test_refused_strings(void)
{
    const char *bad[] = {"\xff", "ok \xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct store_message m = {.conversation = "c_1", .seq = 1, .role = "visitor", .text = (char *)bad[i],
                                  .ts = 1, .helpful = -1};
        CHECK(message_matches(&m));
        struct store_message n = {.conversation = "c_1", .seq = 1, .role = "visitor", .text = "x",
                                  .author_name = (char *)bad[i], .ts = 1, .helpful = -1};
        CHECK(message_matches(&n));
        CHECK(same_frame(proto_ack(bad[i], 3, 0, NULL), proto_ack_json(bad[i], 3, 0, NULL)));
    }
}

static void test_acks(void)
{
    CHECK(same_frame(proto_ack(NULL, 0, 0, NULL), proto_ack_json(NULL, 0, 0, NULL)));
    CHECK(same_frame(proto_ack("m1", 42, 0, NULL), proto_ack_json("m1", 42, 0, NULL)));
    CHECK(same_frame(proto_ack("n\"1", 0, 3, "c_9"), proto_ack_json("n\"1", 0, 3, "c_9")));
    CHECK(same_frame(proto_ack("x", 9007199254740993LL, 0, "c"), proto_ack_json("x", 9007199254740993LL, 0, "c")));
    struct frame *f = proto_ack("m1", 42, 0, NULL);
    CHECK(f && !strcmp((char *)frame_data(f), "{\"type\":\"ack\",\"id\":\"m1\",\"seq\":42}"));
    frame_unref(f);
}

int main(void)
{
    test_texts();
    test_fields();
    test_refused_strings();
    test_acks();
    return test_summary("test_proto_write");
}
