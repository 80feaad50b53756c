/* The frame codec: what decodes, what is refused and with which code, and the
 * exact shapes of the events each audience receives. */
#include <string.h>
#include <jansson.h>
#include "parley/proto.h"
#include "testlib.h"

static const char *code;
static char msg[160];

static pl_status dec(const char *s, struct proto_cmd *c)
{
    code = NULL;
    msg[0] = '\0';
    return proto_decode(s, strlen(s), c, &code, msg, sizeof(msg));
}

/* Decodes and expects a refusal with this code; the id, when given, survives. */
static void refused(const char *frame, const char *want_code, const char *want_id)
{
    struct proto_cmd c;
    pl_status s = dec(frame, &c);
    CHECK(s == PL_ERR_BAD_REQUEST);
    CHECK_STR(code, want_code);
    CHECK(msg[0] != '\0');
    if (want_id)
        CHECK_STR(c.id, want_id);
    proto_cmd_free(&c);
}

static void test_hello(void)
{
    struct proto_cmd c;
    CHECK(dec("{\"type\":\"hello\",\"token\":null,\"last_seq\":0,\"name\":\"Olena\","
              "\"locale\":\"uk\",\"page\":\"https://x\"}", &c) == PL_OK);
    CHECK(c.type == P_HELLO);
    CHECK(c.token == NULL);
    CHECK(c.last_seq == 0);
    CHECK_STR(c.name, "Olena");
    CHECK_STR(c.locale, "uk");
    proto_cmd_free(&c);
    CHECK(dec("{\"type\":\"hello\",\"token\":\"abc\",\"last_seq\":41,\"conversation\":\"c_1\"}", &c) == PL_OK);
    CHECK_STR(c.token, "abc");
    CHECK(c.last_seq == 41);
    CHECK_STR(c.conversation, "c_1");
    proto_cmd_free(&c);
    refused("{\"type\":\"hello\",\"token\":5}", "bad_request", NULL);
    refused("{\"type\":\"hello\",\"token\":null,\"last_seq\":-1}", "bad_request", NULL);
    refused("{\"type\":\"hello\",\"token\":null,\"last_seq\":\"3\"}", "bad_request", NULL);
}

static void test_message(void)
{
    struct proto_cmd c;
    CHECK(dec("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"Шановні, де моє замовлення?\"}", &c) == PL_OK);
    CHECK(c.type == P_MESSAGE);
    CHECK_STR(c.id, "m1");
    CHECK_STR(c.text, "Шановні, де моє замовлення?");
    CHECK(c.note == 0);
    proto_cmd_free(&c);
    CHECK(dec("{\"type\":\"message\",\"conversation\":\"c_9\",\"text\":\"x\",\"note\":true}", &c) == PL_OK);
    CHECK(c.note == 1);
    CHECK_STR(c.conversation, "c_9");
    proto_cmd_free(&c);

    /* 4000 characters pass whatever their byte length; 4001 are too_large. */
    char big[4 * 4001 + 64];
    strcpy(big, "{\"type\":\"message\",\"id\":\"big\",\"text\":\"");
    size_t n = strlen(big);
    for (int i = 0; i < 4000; i++) {
        memcpy(big + n, "ŵ", 2);
        n += 2;
    }
    strcpy(big + n, "\"}");
    CHECK(dec(big, &c) == PL_OK);
    proto_cmd_free(&c);
    memcpy(big + n, "ŵ\"}", 5);
    refused(big, "too_large", "big");

    refused("{\"type\":\"message\",\"id\":\"m2\"}", "bad_request", "m2");
    refused("{\"type\":\"message\",\"id\":\"m3\",\"text\":\"  \\n\\t \"}", "bad_request", "m3");
    refused("{\"type\":\"message\",\"id\":\"m4\",\"text\":[\"x\"]}", "bad_request", "m4");
    refused("{\"type\":\"message\",\"id\":\"m5\",\"text\":\"x\",\"note\":\"yes\"}", "bad_request", "m5");
}

static void test_refusals(void)
{
    refused("{not json", "bad_json", NULL);
    refused("", "bad_json", NULL);
    refused("[]", "bad_request", NULL);
    refused("\"hello\"", "bad_json", NULL);
    refused("{\"id\":\"a\"}", "bad_request", "a");
    refused("{\"type\":\"nope\",\"id\":\"b\"}", "bad_request", "b");
    refused("{\"type\":null}", "bad_request", NULL);
    refused("{\"type\":\"ping\",\"id\":7}", "bad_request", NULL);
    refused("{\"type\":\"ping\",\"id\":\"\"}", "bad_request", NULL);
    char longid[128] = "{\"type\":\"ping\",\"id\":\"";
    memset(longid + strlen(longid), 'i', 65);
    strcat(longid, "\"}");
    refused(longid, "bad_request", NULL);
    refused("{\"type\":\"message\",\"text\":\"a\",\"text\":\"b\"}", "bad_json", NULL);
    refused("{\"type\":\"message\",\"text\":\"a\\u0000b\"}", "bad_json", NULL);
    refused("{\"type\":\"message\",\"text\":\"a\",\"n\":1e999999}", "bad_json", NULL);
    char deep[20002];
    memset(deep, '[', 10000);
    memset(deep + 10000, ']', 10000);
    deep[20000] = '\0';
    refused(deep, "bad_json", NULL);
    static char huge[PROTO_MAX_FRAME + 2];
    memset(huge, ' ', sizeof(huge) - 1);
    refused(huge, "too_large", NULL);
}

static void test_agent_commands(void)
{
    struct proto_cmd c;
    CHECK(dec("{\"type\":\"transfer\",\"conversation\":\"c_1\",\"to\":null}", &c) == PL_OK);
    CHECK(c.type == P_TRANSFER && c.to == 0);
    proto_cmd_free(&c);
    CHECK(dec("{\"type\":\"transfer\",\"conversation\":\"c_1\",\"to\":12}", &c) == PL_OK);
    CHECK(c.to == 12);
    proto_cmd_free(&c);
    refused("{\"type\":\"transfer\",\"conversation\":\"c_1\"}", "bad_request", NULL);
    refused("{\"type\":\"transfer\",\"conversation\":\"c_1\",\"to\":\"12\"}", "bad_request", NULL);
    refused("{\"type\":\"transfer\",\"conversation\":\"c_1\",\"to\":0}", "bad_request", NULL);
    /* Teams: a team instead of "to", an optional note; both targets, or a blank note, refused. */
    CHECK(dec("{\"type\":\"transfer\",\"conversation\":\"c_1\",\"team\":3,\"note\":\"VIP\"}", &c) == PL_OK);
    CHECK(c.team == 3 && c.to == 0 && c.note_text && !strcmp(c.note_text, "VIP"));
    proto_cmd_free(&c);
    CHECK(dec("{\"type\":\"transfer\",\"conversation\":\"c_1\",\"to\":4,\"note\":\"x\"}", &c) == PL_OK);
    CHECK(c.to == 4 && c.team == 0);
    proto_cmd_free(&c);
    refused("{\"type\":\"transfer\",\"conversation\":\"c_1\",\"to\":4,\"team\":3}", "bad_request", NULL);
    refused("{\"type\":\"transfer\",\"conversation\":\"c_1\",\"team\":0}", "bad_request", NULL);
    refused("{\"type\":\"transfer\",\"conversation\":\"c_1\",\"team\":\"billing\"}", "bad_request", NULL);
    refused("{\"type\":\"transfer\",\"conversation\":\"c_1\",\"to\":null,\"note\":\"  \"}", "bad_request", NULL);
    CHECK(dec("{\"type\":\"handoff\",\"team\":2}", &c) == PL_OK && c.team == 2);
    proto_cmd_free(&c);
    CHECK(dec("{\"type\":\"hello\",\"token\":null,\"team\":null}", &c) == PL_OK && c.team == 0);
    proto_cmd_free(&c);
    refused("{\"type\":\"hello\",\"token\":null,\"team\":-1}", "bad_request", NULL);
    refused("{\"type\":\"claim\"}", "bad_request", NULL);
    refused("{\"type\":\"status\",\"status\":\"busy\"}", "bad_request", NULL);
    CHECK(dec("{\"type\":\"status\",\"status\":\"away\"}", &c) == PL_OK);
    proto_cmd_free(&c);
    CHECK(dec("{\"type\":\"auth\",\"token\":\"t\"}", &c) == PL_OK);
    CHECK_STR(c.token, "t");
    proto_cmd_free(&c);
    refused("{\"type\":\"auth\"}", "bad_request", NULL);
    CHECK(dec("{\"type\":\"rating\",\"score\":5,\"comment\":\"diolch!\"}", &c) == PL_OK);
    CHECK(c.score == 5);
    proto_cmd_free(&c);
    refused("{\"type\":\"rating\",\"score\":0}", "bad_request", NULL);
    refused("{\"type\":\"rating\",\"score\":6}", "bad_request", NULL);
    refused("{\"type\":\"rating\",\"score\":4.5}", "bad_request", NULL);
    refused("{\"type\":\"feedback\",\"seq\":2}", "bad_request", NULL);
    refused("{\"type\":\"typing\"}", "bad_request", NULL);
}

static json_t *parse(struct frame *f)
{
    CHECK(f != NULL);
    json_t *o = f ? json_loadb((const char *)frame_data(f), f->len, 0, NULL) : NULL;
    CHECK(o != NULL);
    frame_unref(f);
    return o;
}

static void test_events(void)
{
    json_t *e = parse(proto_error("r1", "already_claimed", "taken"));
    CHECK_STR(json_string_value(json_object_get(e, "type")), "error");
    CHECK_STR(json_string_value(json_object_get(e, "id")), "r1");
    CHECK_STR(json_string_value(json_object_get(e, "code")), "already_claimed");
    json_decref(e);
    e = parse(proto_error(NULL, "bad_json", "x"));
    CHECK(json_object_get(e, "id") == NULL);
    json_decref(e);

    json_t *a = parse(proto_ack("c1", 7, 0, NULL));
    CHECK(json_integer_value(json_object_get(a, "seq")) == 7);
    CHECK(json_object_get(a, "note_seq") == NULL);
    json_decref(a);

    struct store_message bot = {.conversation = "c_1", .seq = 3, .role = "bot", .author_name = "Bot",
                                .client_id = "re:m1", .text = "<b>Returns</b> are free",
                                .faq_id = "returns", .faq_score = 2.5, .helpful = -1, .ts = 1000,
                                .meta_json = "{\"matched\":[\"return*\"]}"};
    json_t *v = parse(proto_message(&bot, VIEW_VISITOR));
    CHECK_STR(json_string_value(json_object_get(v, "text")), "<b>Returns</b> are free");
    CHECK_STR(json_string_value(json_object_get(json_object_get(v, "faq"), "id")), "returns");
    CHECK(json_object_get(v, "matched") == NULL);
    CHECK(json_integer_value(json_object_get(v, "seq")) == 3);
    json_decref(v);
    json_t *ag = parse(proto_message(&bot, VIEW_AGENT));
    CHECK_STR(json_string_value(json_array_get(json_object_get(ag, "matched"), 0)), "return*");
    json_decref(ag);

    struct store_message note = {.conversation = "c_1", .note_seq = 2, .after_seq = 5, .role = "agent",
                                 .author_id = "4", .text = "VIP", .helpful = -1, .ts = 1};
    json_t *n = parse(proto_message(&note, VIEW_AGENT));
    CHECK(json_is_true(json_object_get(n, "note")));
    CHECK(json_integer_value(json_object_get(n, "note_seq")) == 2);
    CHECK(json_integer_value(json_object_get(n, "after_seq")) == 5);
    CHECK(json_object_get(n, "seq") == NULL);
    json_decref(n);

    struct store_message_list l = {&note, 1};
    struct store_conversation conv = {.id = "c_1", .visitor_id = "v_1", .state = CONV_ASSIGNED,
                                      .agent_id = 4, .agent_name = "Ana", .visitor_email = "o@x"};
    json_t *w = parse(proto_welcome("h1", "tok", &conv, &l, 0));
    CHECK(json_array_size(json_object_get(w, "messages")) == 0);   /* notes never reach visitors */
    CHECK(json_object_get(json_object_get(w, "conversation"), "visitor") == NULL);
    CHECK_STR(json_string_value(json_object_get(w, "token")), "tok");
    CHECK_STR(json_string_value(json_object_get(w, "id")), "h1");
    json_decref(w);
    json_t *sv = parse(proto_state(&conv, VIEW_VISITOR));
    CHECK(json_object_get(sv, "agent_id") == NULL);
    CHECK_STR(json_string_value(json_object_get(sv, "agent_name")), "Ana");
    json_decref(sv);
    json_t *sa = parse(proto_state(&conv, VIEW_AGENT));
    CHECK(json_integer_value(json_object_get(sa, "agent_id")) == 4);
    json_decref(sa);
}

int main(void)
{
    test_hello();
    test_message();
    test_refusals();
    test_agent_commands();
    test_events();
    return test_summary("test_proto");
}
