/*
 * Unit tests of the store (server/store_*.c) against real SQLite files in a
 * temporary directory: schema migrations, sequence numbers, idempotency, the
 * state machine's rules and races, group commit and draining on close.
 * Results arrive through the fake loop (fake_loop.c), as they would on the loop.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "parley/faq_store.h"
#include "parley/loop.h"
#include "parley/store.h"
#include "../../server/store_internal.h"
#include "testlib.h"
#include "teststore.h"

/* A query on a separate connection: the first column of the first row. */
static int64_t q_int(const char *sql, const char *arg)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    int64_t v = -1;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK) {
        if (arg) sqlite3_bind_text(s, 1, arg, -1, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_ROW) v = sqlite3_column_int64(s, 0);
    } else {
        fprintf(stderr, "q_int: %s\n", sqlite3_errmsg(db));
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}

static void hash_of(uint8_t h[32], int n)
{
    memset(h, 0, 32);
    h[0] = (uint8_t)n;
    h[31] = 0xAB;
}

static struct store_result new_visitor(struct store *st, int n, const char *name)
{
    struct store_new_visitor nv = { .name = name, .email = "v@example.com",
                                    .locale = "en-GB", .page = "/pricing" };
    hash_of(nv.token_hash, n);
    struct box b = { 0 };
    return done(store_create_visitor(st, &nv, on_result, &b), &b);
}

static struct store_result append_full(struct store *st, const struct store_append *ap)
{
    struct box b = { 0 };
    return done(store_append(st, ap, on_result, &b), &b);
}

static struct store_result append(struct store *st, const char *conv, const char *role,
                                  const char *author, const char *client, const char *text,
                                  int note, int64_t must)
{
    struct store_append ap = { .conversation = conv, .role = role, .author_id = author,
                               .client_id = client, .text = text, .note = note,
                               .must_be_agent = must };
    return append_full(st, &ap);
}

static struct store_result change(struct store *st, enum store_transition op, const char *conv,
                                  int64_t agent, int64_t by, int admin, const char *sys)
{
    struct store_state_change sc = { .conversation = conv, .op = op, .agent_id = agent,
                                     .by_agent = by, .by_admin = admin, .sys_text = sys };
    struct box b = { 0 };
    return done(store_change_state(st, &sc, on_result, &b), &b);
}

static int64_t agent_now(struct store *st, const char *email, const char *name, const char *role)
{
    int64_t id = 0;
    CHECK(store_create_agent_now(st, email, name, role, "$argon2id$x", &id) == PL_OK);
    CHECK(id > 0);
    return id;
}

/* ---- tests ---- */

static void test_migrations(void)
{
    set_path("fresh.db");
    struct store *st = open_store();
    CHECK(st && store_healthy(st));
    store_close(st);
    CHECK(q_int("PRAGMA user_version", NULL) == store_migration_count);
    st = open_store();                                      /* reopen: no migration */
    CHECK(st != NULL);
    store_close(st);
    CHECK(q_int("PRAGMA user_version", NULL) == store_migration_count);

    /* An old (version 1) database with data upgrades itself and keeps the data. */
    set_path("old.db");
    sqlite3 *db = NULL;
    CHECK(sqlite3_open(db_path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, store_migrations[0], NULL, NULL, NULL) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "PRAGMA user_version = 1;"
                       "INSERT INTO visitors VALUES('v_old', zeroblob(32), 'Old', NULL, NULL,"
                       " NULL, 1, 1);"
                       "INSERT INTO conversations(id, visitor_id, state, created_at, queued_at,"
                       " updated_at) VALUES('c_old', 'v_old', 'queued', 10, 20, 20);",
                       NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    st = open_store();
    CHECK(st != NULL);
    CHECK(q_int("PRAGMA user_version", NULL) == store_migration_count);
    CHECK(q_int("SELECT count(*) FROM events WHERE conversation_id = ?1", "c_old") == 2);
    struct store_conversation c;
    CHECK(store_get_conversation(st, "c_old", &c) == PL_OK);
    CHECK_STR(c.visitor_name, "Old");
    CHECK(c.state == CONV_QUEUED && c.queued_at == 20);
    store_conversation_free(&c);
    store_close(st);

    /* A database from a newer build is refused. */
    set_path("future.db");
    CHECK(sqlite3_open(db_path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "PRAGMA user_version = 999", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    st = (struct store *)1;
    CHECK(store_open(db_path, STORE_DURABILITY_FULL, &st) == PL_ERR_STORE);
    CHECK(st == NULL);
    store_close(NULL);
    remove_db("fresh.db");
    remove_db("old.db");
    remove_db("future.db");
}

static void test_visitors(struct store *st)
{
    struct store_result r = new_visitor(st, 1, "Ada");
    CHECK(r.status == PL_OK);
    CHECK(strncmp(r.visitor_id, "v_", 2) == 0 && strlen(r.visitor_id) == 22);
    CHECK(strncmp(r.conversation_id, "c_", 2) == 0 && strlen(r.conversation_id) == 22);
    CHECK(strspn(r.conversation_id + 2, "0123456789abcdef") == 20);
    CHECK(r.ts > 0);

    uint8_t h[32];
    struct store_visitor v;
    hash_of(h, 1);
    CHECK(store_visitor_by_token(st, h, &v) == PL_OK);
    CHECK_STR(v.id, r.visitor_id);
    CHECK_STR(v.name, "Ada");
    CHECK_STR(v.locale, "en-GB");
    store_visitor_free(&v);
    hash_of(h, 2);
    CHECK(store_visitor_by_token(st, h, &v) == PL_ERR_NOT_FOUND);
    store_visitor_free(&v);   /* zeroed: safe */

    struct store_conversation c;
    CHECK(store_latest_conversation(st, r.visitor_id, &c) == PL_OK);
    CHECK_STR(c.id, r.conversation_id);
    CHECK(c.state == CONV_BOT && c.agent_id == 0 && c.last_seq == 0 && c.agent_name == NULL);
    CHECK_STR(c.visitor_name, "Ada");
    CHECK_STR(c.page, "/pricing");
    store_conversation_free(&c);

    /* The same token twice: conflict. */
    CHECK(new_visitor(st, 1, "Again").status == PL_ERR_CONFLICT);

    struct box b = { 0 };
    CHECK(store_touch_visitor(st, r.visitor_id, "Ada L.", NULL, "fr", NULL, on_result, &b)
          == PL_OK);
    CHECK(op_status(&b) == PL_OK);
    CHECK(store_visitor_by_id(st, r.visitor_id, &v) == PL_OK);
    CHECK_STR(v.name, "Ada L.");
    CHECK_STR(v.email, "v@example.com");
    CHECK_STR(v.locale, "fr");
    store_visitor_free(&v);
    memset(&b, 0, sizeof(b));
    CHECK(store_touch_visitor(st, "v_nobody", "x", NULL, NULL, NULL, on_result, &b) == PL_OK);
    CHECK(op_status(&b) == PL_ERR_NOT_FOUND);

    memset(&b, 0, sizeof(b));
    CHECK(store_start_conversation(st, r.visitor_id, on_result, &b) == PL_OK);
    CHECK(op_status(&b) == PL_OK);
    CHECK(strcmp(b.r.conversation_id, r.conversation_id) != 0);
    CHECK(store_latest_conversation(st, r.visitor_id, &c) == PL_OK);
    CHECK_STR(c.id, b.r.conversation_id);
    store_conversation_free(&c);
    memset(&b, 0, sizeof(b));
    CHECK(store_start_conversation(st, "v_nobody", on_result, &b) == PL_OK);
    CHECK(op_status(&b) == PL_ERR_NOT_FOUND);
    CHECK(store_latest_conversation(st, "v_nobody", &c) == PL_ERR_NOT_FOUND);
}

static const char *nasty = "<script>alert('x')</script> \"quotes\" \xE2\x80\xAE rtl; "
                           "DROP TABLE messages; -- \xF0\x9F\x98\x80";

static void test_sequences(struct store *st)
{
    struct store_result v = new_visitor(st, 10, "Seq");
    const char *cid = v.conversation_id;
    /* Three appends queued back to back: one batch, gapless. */
    struct box b[3];
    memset(b, 0, sizeof(b));
    for (int i = 0; i < 3; i++) {
        struct store_append ap = { .conversation = cid, .role = "visitor",
                                   .author_id = v.visitor_id, .text = i == 1 ? nasty : "hi" };
        CHECK(store_append(st, &ap, on_result, &b[i]) == PL_OK);
        pending++;
    }
    wait_all();
    for (int i = 0; i < 3; i++) {
        CHECK(b[i].r.status == PL_OK && b[i].r.seq == i + 1 && b[i].r.note_seq == 0);
        CHECK(b[i].r.duplicate == 0);
    }
    /* Notes: their own counter; seq untouched. */
    struct store_result n1 = append(st, cid, "agent", "7", NULL, "note one", 1, 0);
    struct store_result n2 = append(st, cid, "agent", "7", NULL, "note two", 1, 0);
    CHECK(n1.status == PL_OK && n1.note_seq == 1 && n1.seq == 0 && n1.after_seq == 3);
    CHECK(n2.status == PL_OK && n2.note_seq == 2 && n2.after_seq == 3);
    struct store_result m4 = append(st, cid, "bot", NULL, NULL, "bot says", 0, 0);
    CHECK(m4.status == PL_OK && m4.seq == 4);

    struct store_conversation c;
    CHECK(store_get_conversation(st, cid, &c) == PL_OK);
    CHECK(c.last_seq == 4 && c.last_note_seq == 2);
    store_conversation_free(&c);

    struct store_message_list l;
    CHECK(store_messages_after(st, cid, 0, 0, 0, &l) == PL_OK);
    CHECK(l.n == 4);
    for (size_t i = 0; i < l.n; i++) CHECK(l.v[i].seq == (int64_t)i + 1 && l.v[i].note_seq == 0);
    if (l.n == 4) {
        CHECK_STR(l.v[1].text, nasty);
        CHECK_STR(l.v[1].author_id, v.visitor_id);
        CHECK(l.v[3].author_id == NULL);
        CHECK_STR(l.v[3].role, "bot");
        CHECK(l.v[3].helpful == -1);
    }
    store_message_list_free(&l);
    CHECK(store_messages_after(st, cid, 2, 0, 0, &l) == PL_OK);
    CHECK(l.n == 2 && l.v[0].seq == 3 && l.v[1].seq == 4);
    store_message_list_free(&l);
    CHECK(store_messages_after(st, cid, 0, 0, 2, &l) == PL_OK);
    CHECK(l.n == 2 && l.v[0].seq == 1 && l.v[1].seq == 2);
    store_message_list_free(&l);
    CHECK(store_messages_after(st, cid, 4, 0, 0, &l) == PL_OK);
    CHECK(l.n == 0);
    store_message_list_free(&l);

    /* With notes: 1 2 3 n1 n2 4. */
    CHECK(store_messages_after(st, cid, 0, 1, 0, &l) == PL_OK);
    CHECK(l.n == 6);
    if (l.n == 6) {
        CHECK(l.v[0].seq == 1 && l.v[1].seq == 2 && l.v[2].seq == 3);
        CHECK(l.v[3].note_seq == 1 && l.v[3].after_seq == 3 && l.v[3].seq == 0);
        CHECK(l.v[4].note_seq == 2);
        CHECK_STR(l.v[4].text, "note two");
        CHECK(l.v[5].seq == 4 && l.v[5].after_seq == 0);
    }
    store_message_list_free(&l);
    CHECK(store_messages_after(st, cid, 3, 1, 0, &l) == PL_OK);
    CHECK(l.n == 3 && l.v[0].note_seq == 1 && l.v[1].note_seq == 2 && l.v[2].seq == 4);
    store_message_list_free(&l);

    CHECK(append(st, "c_nope", "visitor", NULL, NULL, "x", 0, 0).status == PL_ERR_NOT_FOUND);

    /* Bot misses and the FAQ fields. */
    struct store_append ap = { .conversation = cid, .role = "bot", .text = "answer",
                               .faq_id = "faq-1", .faq_score = 0.75,
                               .meta_json = "{\"matched\":[\"price\"]}", .count_miss = 1 };
    struct store_result m5 = append_full(st, &ap);
    CHECK(m5.status == PL_OK && m5.seq == 5);
    CHECK(store_get_conversation(st, cid, &c) == PL_OK);
    CHECK(c.bot_misses == 1);
    store_conversation_free(&c);
    CHECK(store_messages_after(st, cid, 4, 0, 0, &l) == PL_OK);
    CHECK(l.n == 1);
    if (l.n == 1) {
        CHECK_STR(l.v[0].faq_id, "faq-1");
        CHECK(l.v[0].faq_score == 0.75);
        CHECK_STR(l.v[0].meta_json, "{\"matched\":[\"price\"]}");
    }
    store_message_list_free(&l);

    /* Feedback: only on bot messages. */
    struct box fb = { 0 };
    CHECK(store_feedback(st, cid, 5, 1, on_result, &fb) == PL_OK);
    CHECK(op_status(&fb) == PL_OK);
    memset(&fb, 0, sizeof(fb));
    CHECK(store_feedback(st, cid, 1, 1, on_result, &fb) == PL_OK);
    CHECK(op_status(&fb) == PL_ERR_NOT_FOUND);
    CHECK(store_messages_after(st, cid, 4, 0, 0, &l) == PL_OK);
    CHECK(l.n == 1 && l.v[0].helpful == 1);
    store_message_list_free(&l);

    /* A refused insert (bad role) rolls back its savepoint: no gap, no counter. */
    CHECK(append(st, cid, "hacker", NULL, NULL, "x", 0, 0).status == PL_ERR_BAD_REQUEST);
    CHECK(append(st, cid, "visitor", NULL, NULL, "after", 0, 0).seq == 6);
}

static void test_idempotency(struct store *st)
{
    struct store_result v = new_visitor(st, 11, "Idem");
    const char *cid = v.conversation_id;
    struct store_result a = append(st, cid, "visitor", v.visitor_id, "k1", "hello", 0, 0);
    struct store_result d = append(st, cid, "visitor", v.visitor_id, "k1", "hello again", 0, 0);
    CHECK(a.status == PL_OK && a.seq == 1 && a.duplicate == 0);
    CHECK(d.status == PL_OK && d.seq == 1 && d.duplicate == 1 && d.ts == a.ts);
    CHECK(q_int("SELECT count(*) FROM messages WHERE conversation_id = ?1", cid) == 1);

    /* Per sender: the same client id from an agent (or another agent) is new. */
    struct store_result g1 = append(st, cid, "agent", "1", "k1", "agent msg", 0, 0);
    struct store_result g2 = append(st, cid, "agent", "2", "k1", "other agent", 0, 0);
    CHECK(g1.status == PL_OK && g1.seq == 2 && g1.duplicate == 0);
    CHECK(g2.status == PL_OK && g2.seq == 3 && g2.duplicate == 0);
    /* NULL authors (bot) collide too. */
    struct store_result b1 = append(st, cid, "bot", NULL, "kb", "bot", 0, 0);
    struct store_result b2 = append(st, cid, "bot", NULL, "kb", "bot", 0, 0);
    CHECK(b1.seq == 4 && b2.seq == 4 && b2.duplicate == 1);
    /* Notes: a repeat reports the note's numbers. */
    struct store_result n1 = append(st, cid, "agent", "1", "kn", "note", 1, 0);
    struct store_result n2 = append(st, cid, "agent", "1", "kn", "note", 1, 0);
    CHECK(n1.note_seq == 1 && n1.after_seq == 4);
    CHECK(n2.duplicate == 1 && n2.note_seq == 1 && n2.after_seq == 4 && n2.seq == 0);
    /* Two duplicates in the same batch. */
    struct box x[2];
    memset(x, 0, sizeof(x));
    for (int i = 0; i < 2; i++) {
        struct store_append ap = { .conversation = cid, .role = "visitor",
                                   .author_id = v.visitor_id, .client_id = "k2", .text = "t" };
        CHECK(store_append(st, &ap, on_result, &x[i]) == PL_OK);
        pending++;
    }
    wait_all();
    CHECK(x[0].r.seq == 5 && x[0].r.duplicate == 0 && x[1].r.seq == 5 && x[1].r.duplicate == 1);
    CHECK(q_int("SELECT count(*) FROM messages WHERE conversation_id = ?1", cid) == 6);
    /* The repeat's bare attempt (found by the unique index) took no number. */
    CHECK(append(st, cid, "visitor", v.visitor_id, "k3", "next", 0, 0).seq == 6);

    /* Closed meanwhile: a retry still gets its ack, a new message is refused. */
    CHECK(change(st, STORE_CLOSE, cid, 0, 0, 0, NULL).status == PL_OK);
    d = append(st, cid, "visitor", v.visitor_id, "k1", "late retry", 0, 0);
    CHECK(d.status == PL_OK && d.duplicate == 1 && d.seq == 1);
    CHECK(append(st, cid, "visitor", v.visitor_id, "k9", "new", 0, 0).status == PL_ERR_CLOSED);
    CHECK(append(st, cid, "visitor", v.visitor_id, NULL, "new", 0, 0).status == PL_ERR_CLOSED);
}

static void test_state_machine(struct store *st, int64_t admin, int64_t a1, int64_t a2)
{
    struct store_result v = new_visitor(st, 12, "State");
    const char *cid = v.conversation_id;
    char a1s[24];
    snprintf(a1s, sizeof(a1s), "%lld", (long long)a1);

    CHECK(change(st, STORE_CLAIM, cid, a1, a1, 0, NULL).status == PL_ERR_BAD_REQUEST);
    CHECK(append(st, cid, "agent", a1s, NULL, "x", 0, a1).status == PL_ERR_FORBIDDEN);
    CHECK(change(st, STORE_CLAIM, "c_nope", a1, a1, 0, NULL).status == PL_ERR_NOT_FOUND);

    struct store_result q = change(st, STORE_TO_QUEUE, cid, 0, 0, 0, "Waiting for an agent");
    CHECK(q.status == PL_OK && q.state == CONV_QUEUED && q.sys_seq == 1 && q.sys_ts > 0);
    q = change(st, STORE_TO_QUEUE, cid, 0, 0, 0, NULL);
    CHECK(q.status == PL_OK && q.state == CONV_QUEUED && q.sys_seq == 0);
    CHECK(change(st, STORE_CLAIM, cid, 999999, 999999, 0, NULL).status == PL_ERR_NOT_FOUND);

    /* The race: two claims back to back in one batch. */
    struct store_state_change c1 = { .conversation = cid, .op = STORE_CLAIM, .agent_id = a1 };
    struct store_state_change c2 = { .conversation = cid, .op = STORE_CLAIM, .agent_id = a2 };
    struct box b1 = { 0 }, b2 = { 0 };
    CHECK(store_change_state(st, &c1, on_result, &b1) == PL_OK);
    CHECK(store_change_state(st, &c2, on_result, &b2) == PL_OK);
    pending += 2;
    wait_all();
    CHECK(b1.r.status == PL_OK && b1.r.state == CONV_ASSIGNED && b1.r.agent_id == a1);
    CHECK(b2.r.status == PL_ERR_ALREADY_CLAIMED && b2.r.agent_id == a1);

    q = change(st, STORE_TO_QUEUE, cid, 0, 0, 0, NULL);   /* no-op, reports the state */
    CHECK(q.status == PL_OK && q.state == CONV_ASSIGNED && q.agent_id == a1);

    /* must_be_agent */
    CHECK(append(st, cid, "agent", a1s, NULL, "mine", 0, a1).status == PL_OK);
    CHECK(append(st, cid, "agent", "x", NULL, "not mine", 0, a2).status == PL_ERR_FORBIDDEN);

    /* Transfer rules. */
    CHECK(change(st, STORE_TRANSFER, cid, a2, a2, 0, NULL).status == PL_ERR_FORBIDDEN);
    CHECK(change(st, STORE_TRANSFER, cid, 999999, a1, 0, NULL).status == PL_ERR_NOT_FOUND);
    struct store_result t = change(st, STORE_TRANSFER, cid, a2, a1, 0, "Transferred");
    CHECK(t.status == PL_OK && t.state == CONV_ASSIGNED && t.agent_id == a2);
    CHECK(t.prev_agent_id == a1 && t.sys_seq == 3);
    CHECK(append(st, cid, "agent", a1s, NULL, "gone", 0, a1).status == PL_ERR_FORBIDDEN);
    t = change(st, STORE_TRANSFER, cid, 0, admin, 1, NULL);       /* admin: back to queue */
    CHECK(t.status == PL_OK && t.state == CONV_QUEUED && t.agent_id == 0 && t.prev_agent_id == a2);
    CHECK(change(st, STORE_TRANSFER, cid, a1, admin, 1, NULL).status == PL_ERR_FORBIDDEN);
    CHECK(change(st, STORE_CLAIM, cid, a2, a2, 0, NULL).status == PL_OK);

    /* Close rules. */
    CHECK(change(st, STORE_CLOSE, cid, 0, a1, 0, NULL).status == PL_ERR_FORBIDDEN);
    struct store_conversation c;
    CHECK(store_get_conversation(st, cid, &c) == PL_OK);
    int64_t last = c.last_seq;
    CHECK(c.state == CONV_ASSIGNED && c.agent_id == a2 && c.rated == 0);
    store_conversation_free(&c);
    /* A rating before the close is refused. */
    struct box rb = { 0 };
    CHECK(store_rate(st, cid, 5, "great", on_result, &rb) == PL_OK);
    CHECK(op_status(&rb) == PL_ERR_BAD_REQUEST);

    t = change(st, STORE_CLOSE, cid, 0, a2, 0, "Closed by the agent");
    CHECK(t.status == PL_OK && t.state == CONV_CLOSED && t.sys_seq == last + 1);
    CHECK(t.agent_id == a2 && t.prev_agent_id == a2);
    CHECK(change(st, STORE_CLOSE, cid, 0, 0, 0, NULL).status == PL_ERR_CLOSED);
    CHECK(change(st, STORE_CLAIM, cid, a1, a1, 0, NULL).status == PL_ERR_CLOSED);
    CHECK(change(st, STORE_TRANSFER, cid, a1, a2, 0, NULL).status == PL_ERR_CLOSED);
    CHECK(change(st, STORE_TO_QUEUE, cid, 0, 0, 0, NULL).status == PL_ERR_CLOSED);
    CHECK(append(st, cid, "agent", "x", NULL, "late", 0, a2).status == PL_ERR_CLOSED);
    CHECK(q_int("SELECT count(*) FROM conversations WHERE id = ?1 AND closed_by = 'agent'", cid)
          == 1);

    /* Rating: once, after the close. */
    memset(&rb, 0, sizeof(rb));
    CHECK(store_rate(st, cid, 5, "great", on_result, &rb) == PL_OK);
    CHECK(op_status(&rb) == PL_OK);
    memset(&rb, 0, sizeof(rb));
    CHECK(store_rate(st, cid, 1, "again", on_result, &rb) == PL_OK);
    CHECK(op_status(&rb) == PL_ERR_CONFLICT);
    memset(&rb, 0, sizeof(rb));
    CHECK(store_rate(st, "c_nope", 1, NULL, on_result, &rb) == PL_OK);
    CHECK(op_status(&rb) == PL_ERR_NOT_FOUND);
    CHECK(store_get_conversation(st, cid, &c) == PL_OK);
    CHECK(c.rated == 1 && c.closed_at > 0 && c.assigned_at > 0 && c.queued_at > 0);
    store_conversation_free(&c);

    /* The event history. */
    CHECK(q_int("SELECT count(*) FROM events WHERE conversation_id = ?1", cid) == 9);
    CHECK(q_int("SELECT count(*) FROM events WHERE conversation_id = ?1 AND type = 'queued'", cid)
          == 2);
    CHECK(q_int("SELECT count(*) FROM events WHERE conversation_id = ?1"
                " AND type = 'transferred'", cid) == 2);

    /* The visitor may close their own at any stage; an agent only an assigned one. */
    struct store_result w = new_visitor(st, 13, "Quick");
    CHECK(change(st, STORE_CLOSE, w.conversation_id, 0, a1, 0, NULL).status == PL_ERR_FORBIDDEN);
    t = change(st, STORE_CLOSE, w.conversation_id, 0, 0, 0, "Bye");
    CHECK(t.status == PL_OK && t.state == CONV_CLOSED && t.sys_seq == 1);
    CHECK(q_int("SELECT count(*) FROM conversations WHERE id = ?1 AND closed_by = 'visitor'",
                w.conversation_id) == 1);
    struct store_result w2 = new_visitor(st, 14, "Admin closes");
    CHECK(change(st, STORE_CLOSE, w2.conversation_id, 0, admin, 1, NULL).status == PL_OK);
}

static void test_agents_sessions(struct store *st, int64_t a1)
{
    int64_t id = 0;
    CHECK(store_create_agent_now(st, "ALICE@example.com", "Alice 2", "agent", "h", &id)
          == PL_ERR_CONFLICT);
    CHECK(store_create_agent_now(st, "bob@example.com", "Bob", "superuser", "h", &id)
          == PL_ERR_BAD_REQUEST);
    struct box b = { 0 };
    CHECK(store_create_agent(st, "Alice@Example.COM", "A", "agent", "h", on_result, &b) == PL_OK);
    CHECK(op_status(&b) == PL_ERR_CONFLICT);
    memset(&b, 0, sizeof(b));
    CHECK(store_create_agent(st, "carol@example.com", "Carol", "agent", "h", on_result, &b)
          == PL_OK);
    CHECK(op_status(&b) == PL_OK && b.r.id > a1);

    struct store_agent a;
    CHECK(store_agent_by_email(st, "aLiCe@EXAMPLE.com", &a) == PL_OK);
    CHECK(a.id == a1 && a.active == 1);
    CHECK_STR(a.email, "alice@example.com");
    CHECK_STR(a.password_hash, "$argon2id$x");
    CHECK_STR(a.role, "agent");
    store_agent_free(&a);
    CHECK(store_agent_by_id(st, a1, &a) == PL_OK);
    CHECK(a.password_hash == NULL);
    CHECK_STR(a.name, "Alice");
    store_agent_free(&a);
    CHECK(store_agent_by_email(st, "nobody@example.com", &a) == PL_ERR_NOT_FOUND);
    int64_t n = 0;
    CHECK(store_agent_count(st, &n) == PL_OK && n == 4);
    struct store_agent_list al;
    CHECK(store_list_agents(st, &al) == PL_OK);
    CHECK(al.n == 4 && al.v[0].id < al.v[1].id);
    store_agent_list_free(&al);

    uint8_t tok[32];
    hash_of(tok, 77);
    int64_t now = pl_now_ms();
    memset(&b, 0, sizeof(b));
    CHECK(store_create_session(st, tok, a1, now + 60000, on_result, &b) == PL_OK);
    CHECK(op_status(&b) == PL_OK);
    CHECK(store_session_agent(st, tok, now, &a) == PL_OK);
    CHECK(a.id == a1);
    store_agent_free(&a);
    CHECK(store_session_agent(st, tok, now + 60000, &a) == PL_ERR_NOT_FOUND);   /* expired */
    uint8_t other[32];
    hash_of(other, 78);
    CHECK(store_session_agent(st, other, now, &a) == PL_ERR_NOT_FOUND);
    memset(&b, 0, sizeof(b));
    CHECK(store_create_session(st, other, 999999, now + 60000, on_result, &b) == PL_OK);
    CHECK(op_status(&b) == PL_ERR_NOT_FOUND);                   /* no such agent */
    memset(&b, 0, sizeof(b));
    CHECK(store_delete_session(st, tok, on_result, &b) == PL_OK);
    CHECK(op_status(&b) == PL_OK);
    CHECK(store_session_agent(st, tok, now, &a) == PL_ERR_NOT_FOUND);
}

static void test_faq(struct store *st)
{
    struct store_faq_row rows[] = {
        { "z-hours", "{\"id\":\"z-hours\"}" },
        { "a-price", "{\"id\":\"a-price\",\"answer\":\"<b>9\xE2\x82\xAC</b>\"}" },
        { "m-refund", "{\"id\":\"m-refund\"}" },
    };
    CHECK(store_faq_replace_all(st, rows, 3) == PL_OK);
    struct store_faq_list l;
    CHECK(store_faq_list(st, &l) == PL_OK);
    CHECK(l.n == 3);
    for (size_t i = 0; i < l.n && i < 3; i++) {
        CHECK_STR(l.v[i].id, rows[i].id);
        CHECK_STR(l.v[i].json, rows[i].json);
    }
    store_faq_list_free(&l);

    struct box b = { 0 };
    CHECK(store_faq_put(st, "b-new", "{\"id\":\"b-new\"}", 1, on_result, &b) == PL_OK);
    CHECK(op_status(&b) == PL_OK);
    memset(&b, 0, sizeof(b));
    CHECK(store_faq_put(st, "z-hours", "{}", 1, on_result, &b) == PL_OK);
    CHECK(op_status(&b) == PL_ERR_CONFLICT);
    memset(&b, 0, sizeof(b));
    CHECK(store_faq_put(st, "z-hours", "{\"v\":2}", 0, on_result, &b) == PL_OK);
    CHECK(op_status(&b) == PL_OK);
    memset(&b, 0, sizeof(b));
    CHECK(store_faq_delete(st, "m-refund", on_result, &b) == PL_OK);
    CHECK(op_status(&b) == PL_OK);
    memset(&b, 0, sizeof(b));
    CHECK(store_faq_delete(st, "m-refund", on_result, &b) == PL_OK);
    CHECK(op_status(&b) == PL_ERR_NOT_FOUND);
    CHECK(store_faq_list(st, &l) == PL_OK);
    CHECK(l.n == 3);
    if (l.n == 3) {
        CHECK_STR(l.v[0].id, "z-hours");
        CHECK_STR(l.v[0].json, "{\"v\":2}");   /* replaced in place: same position */
        CHECK_STR(l.v[1].id, "a-price");
        CHECK_STR(l.v[2].id, "b-new");
    }
    store_faq_list_free(&l);
    CHECK(store_faq_replace_all(st, NULL, 0) == PL_OK);
    CHECK(store_faq_list(st, &l) == PL_OK && l.n == 0);
    store_faq_list_free(&l);

    /* A restart builds stored entries without validating them again; one that
     * no longer compiles, or is too slow for the probes, is skipped (the rest
     * answer), exactly as when every entry was validated at each start. */
    struct store_faq_row stored[] = {
        { "ok", "{\"id\":\"ok\",\"question\":\"Hours?\",\"answer\":\"9-5\","
                "\"keywords\":[\"hours\"],\"patterns\":[\"\\\\bopen\\\\b\"]}" },
        { "broken", "{\"id\":\"broken\",\"question\":\"Q\",\"answer\":\"A\",\"patterns\":[\"(\"]}" },
        { "slow", "{\"id\":\"slow\",\"question\":\"Q\",\"answer\":\"A\",\"patterns\":[\"(a+)+b\"]}" },
    };
    struct faq_set *set = NULL;
    CHECK(store_faq_replace_all(st, stored, 1) == PL_OK);
    CHECK(faq_store_build(st, &set) == PL_OK && faq_count(set) == 1);
    faq_free(set);
    set = NULL;
    CHECK(store_faq_replace_all(st, stored, 3) == PL_OK);
    CHECK(faq_store_build(st, &set) == PL_OK);
    CHECK(faq_count(set) == 1 && faq_find(set, "ok") && !faq_find(set, "broken"));
    faq_free(set);
    CHECK(store_faq_replace_all(st, NULL, 0) == PL_OK);
}

static void test_lists(struct store *st, int64_t a1)
{
    struct store_result v1 = new_visitor(st, 20, "List one");
    struct store_result v2 = new_visitor(st, 21, "List two");
    CHECK(change(st, STORE_TO_QUEUE, v1.conversation_id, 0, 0, 0, NULL).status == PL_OK);
    CHECK(change(st, STORE_TO_QUEUE, v2.conversation_id, 0, 0, 0, NULL).status == PL_OK);
    struct timespec ms = { 0, 3 * 1000 * 1000 };
    nanosleep(&ms, NULL);
    CHECK(change(st, STORE_CLAIM, v1.conversation_id, a1, a1, 0, NULL).status == PL_OK);

    struct store_conversation_list l;
    CHECK(store_list_conversations(st, CONV_QUEUED, 0, 10, &l) == PL_OK);
    int found2 = 0;
    for (size_t i = 0; i < l.n; i++) {
        CHECK(l.v[i].state == CONV_QUEUED);
        if (strcmp(l.v[i].id, v2.conversation_id) == 0) found2 = 1;
        CHECK(strcmp(l.v[i].id, v1.conversation_id) != 0);
    }
    CHECK(found2);
    store_conversation_list_free(&l);

    CHECK(store_list_conversations(st, CONV_ASSIGNED, a1, 10, &l) == PL_OK);
    CHECK(l.n >= 1);
    if (l.n >= 1) {
        CHECK_STR(l.v[0].id, v1.conversation_id);     /* newest activity first */
        CHECK_STR(l.v[0].agent_name, "Alice");
        CHECK_STR(l.v[0].visitor_name, "List one");
        CHECK_STR(l.v[0].visitor_email, "v@example.com");
    }
    store_conversation_list_free(&l);

    CHECK(store_list_conversations(st, -1, 0, 2, &l) == PL_OK);
    CHECK(l.n == 2);
    if (l.n == 2) CHECK_STR(l.v[0].id, v1.conversation_id);
    store_conversation_list_free(&l);

    /* An append moves a conversation to the top. */
    nanosleep(&ms, NULL);
    CHECK(append(st, v2.conversation_id, "visitor", v2.visitor_id, NULL, "hello?", 0, 0).status
          == PL_OK);
    CHECK(store_list_conversations(st, -1, 0, 1, &l) == PL_OK);
    CHECK(l.n == 1);
    if (l.n == 1) CHECK_STR(l.v[0].id, v2.conversation_id);
    store_conversation_list_free(&l);
    CHECK(store_list_conversations(st, -1, a1, 0, &l) == PL_OK);
    for (size_t i = 0; i < l.n; i++) CHECK(l.v[i].agent_id == a1);
    store_conversation_list_free(&l);

    /* Closed and open rows are found through different indexes (migration 10)
     * and merged: the order is still newest activity first across both. */
    nanosleep(&ms, NULL);
    CHECK(change(st, STORE_CLOSE, v1.conversation_id, 0, 0, 0, NULL).status == PL_OK);
    CHECK(store_list_conversations(st, -1, 0, 2, &l) == PL_OK);
    CHECK(l.n == 2);
    if (l.n == 2) {
        CHECK_STR(l.v[0].id, v1.conversation_id);
        CHECK(l.v[0].state == CONV_CLOSED);
        CHECK_STR(l.v[1].id, v2.conversation_id);
        CHECK_STR(l.v[0].agent_name, "Alice");          /* the columns, not the keys */
        CHECK_STR(l.v[1].visitor_name, "List two");
    }
    store_conversation_list_free(&l);
    nanosleep(&ms, NULL);
    CHECK(append(st, v2.conversation_id, "visitor", v2.visitor_id, NULL, "still there?", 0, 0)
          .status == PL_OK);
    CHECK(store_list_conversations(st, -1, 0, 2, &l) == PL_OK);
    CHECK(l.n == 2);
    if (l.n == 2) {
        CHECK_STR(l.v[0].id, v2.conversation_id);
        CHECK_STR(l.v[1].id, v1.conversation_id);
    }
    store_conversation_list_free(&l);
    /* The agent's list holds the closed one; the closed lists hold only closed rows. */
    CHECK(store_list_conversations(st, -1, a1, 0, &l) == PL_OK);
    int closed_found = 0;
    for (size_t i = 0; i < l.n; i++) {
        CHECK(l.v[i].agent_id == a1);
        if (strcmp(l.v[i].id, v1.conversation_id) == 0) closed_found = 1;
    }
    CHECK(closed_found);
    store_conversation_list_free(&l);
    CHECK(store_list_conversations(st, CONV_CLOSED, 0, 0, &l) == PL_OK);
    CHECK(l.n >= 1);
    if (l.n >= 1) CHECK_STR(l.v[0].id, v1.conversation_id);      /* the newest close */
    for (size_t i = 0; i < l.n; i++) CHECK(l.v[i].state == CONV_CLOSED);
    store_conversation_list_free(&l);
    CHECK(store_list_conversations(st, CONV_CLOSED, a1, 0, &l) == PL_OK);
    CHECK(l.n >= 1);
    if (l.n >= 1) CHECK_STR(l.v[0].id, v1.conversation_id);
    for (size_t i = 0; i < l.n; i++) CHECK(l.v[i].state == CONV_CLOSED && l.v[i].agent_id == a1);
    store_conversation_list_free(&l);
}

/* Queue many appends without draining, close: everything is committed and every
 * callback posted. Reopen: all there, gapless. */
static void test_close_drains(void)
{
    set_path("drain.db");
    struct store *st = open_store();
    struct store_result v = new_visitor(st, 30, "Drain");
    char cid[40];
    snprintf(cid, sizeof(cid), "%s", v.conversation_id);
    enum { N = 5000 };
    static struct box boxes[N];
    memset(boxes, 0, sizeof(boxes));
    char text[32];
    for (int i = 0; i < N; i++) {
        snprintf(text, sizeof(text), "message %d", i + 1);
        struct store_append ap = { .conversation = cid, .role = "visitor",
                                   .author_id = v.visitor_id, .text = text };
        CHECK(store_append(st, &ap, on_result, &boxes[i]) == PL_OK);
        pending++;
    }
    store_close(st);
    loop_drain();
    CHECK(pending == 0);
    int ok = 1;
    for (int i = 0; i < N; i++)
        if (boxes[i].done != 1 || boxes[i].r.status != PL_OK || boxes[i].r.seq != i + 1) ok = 0;
    CHECK(ok);

    st = open_store();
    struct store_message_list l;
    CHECK(store_messages_after(st, cid, 0, 0, 0, &l) == PL_OK);
    CHECK(l.n == N);
    ok = 1;
    for (size_t i = 0; i < l.n; i++) {
        snprintf(text, sizeof(text), "message %zu", i + 1);
        if (l.v[i].seq != (int64_t)i + 1 || strcmp(l.v[i].text, text) != 0) ok = 0;
    }
    CHECK(ok);
    store_message_list_free(&l);
    struct store_conversation c;
    CHECK(store_get_conversation(st, cid, &c) == PL_OK);
    CHECK(c.last_seq == N);
    store_conversation_free(&c);
    /* After close, nothing is accepted. */
    store_close(st);
    remove_db("drain.db");
}

/* A batch whose transaction fails (here: another process holds the write lock
 * past the busy timeout) reports PL_ERR_STORE for every op, stores nothing and
 * marks the store unhealthy until a later commit succeeds. */
static void test_failed_batch(void)
{
    set_path("fail.db");
    struct store *st = open_store();
    struct store_result v = new_visitor(st, 50, "Fail");
    CHECK(append(st, v.conversation_id, "visitor", NULL, NULL, "one", 0, 0).seq == 1);
    sqlite3 *other = NULL;
    CHECK(sqlite3_open(db_path, &other) == SQLITE_OK);
    CHECK(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK);
    struct box b[3];
    memset(b, 0, sizeof(b));
    for (int i = 0; i < 3; i++) {
        struct store_append ap = { .conversation = v.conversation_id, .role = "visitor",
                                   .client_id = i == 0 ? "f1" : NULL, .text = "lost" };
        CHECK(store_append(st, &ap, on_result, &b[i]) == PL_OK);
        pending++;
    }
    wait_all();
    for (int i = 0; i < 3; i++) CHECK(b[i].done == 1 && b[i].r.status == PL_ERR_STORE);
    CHECK(b[0].r.seq == 0);
    CHECK(store_healthy(st) == 0);
    struct store_stats s;
    store_get_stats(st, &s);
    /* One failed transaction per batch: the writer may have taken the three ops
     * in one batch or in two, depending on scheduling. */
    CHECK(s.commit_failures >= 1 && s.commit_failures <= 3);
    CHECK(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(other);
    /* Nothing of the failed batch exists: the retry is new and the seq gapless. */
    struct store_result r = append(st, v.conversation_id, "visitor", NULL, "f1", "again", 0, 0);
    CHECK(r.status == PL_OK && r.seq == 2 && r.duplicate == 0);
    CHECK(store_healthy(st) == 1);
    store_close(st);
    remove_db("fail.db");
}

/* Group commit: throughput of queued appends (printed, not asserted). */
static void test_throughput(void)
{
    set_path("speed.db");
    struct store *st = NULL;
    CHECK(store_open(db_path, STORE_DURABILITY_FULL, &st) == PL_OK);
    struct store_result v = new_visitor(st, 40, "Speed");
    enum { N = 20000 };
    static struct box boxes[N];
    memset(boxes, 0, sizeof(boxes));
    int64_t t0 = pl_mono_ms();
    for (int i = 0; i < N; i++) {
        struct store_append ap = { .conversation = v.conversation_id, .role = "visitor",
                                   .author_id = v.visitor_id, .text = "the quick brown fox" };
        CHECK(store_append(st, &ap, on_result, &boxes[i]) == PL_OK);
        pending++;
    }
    wait_all();
    int64_t dt = pl_mono_ms() - t0;
    struct store_stats s;
    store_get_stats(st, &s);
    CHECK(s.ops >= N && s.commits > 0 && s.commit_failures == 0 && s.queue_depth == 0);
    CHECK(boxes[N - 1].r.status == PL_OK && boxes[N - 1].r.seq == N);
    printf("throughput: %d appends in %lld ms (%.0f/s), %llu commits\n", N, (long long)dt,
           dt ? N * 1000.0 / (double)dt : 0.0, (unsigned long long)s.commits);
    CHECK(store_healthy(st) == 1);
    store_close(st);
    remove_db("speed.db");
}

int main(void)
{
    if (!test_dir_make("/tmp/parley_store_XXXXXX")) return 1;
    test_migrations();

    set_path("main.db");
    struct store *st = open_store();
    if (!st) return test_summary("test_store");
    int64_t admin = agent_now(st, "root@example.com", "Root", "admin");
    int64_t a1 = agent_now(st, "alice@example.com", "Alice", "agent");
    int64_t a2 = agent_now(st, "bob@example.com", "Bob", "agent");
    test_visitors(st);
    test_sequences(st);
    test_idempotency(st);
    test_state_machine(st, admin, a1, a2);
    test_agents_sessions(st, a1);
    test_faq(st);
    test_lists(st, a1);
    store_close(st);

    /* Data survives a reopen. */
    st = open_store();
    struct store_agent a;
    CHECK(store_agent_by_email(st, "bob@example.com", &a) == PL_OK && a.id == a2);
    store_agent_free(&a);
    struct box b = { 0 };
    CHECK(store_create_agent(st, "dave@example.com", "Dave", "agent", "h", on_result, &b)
          == PL_OK);
    CHECK(op_status(&b) == PL_OK);
    store_close(st);
    remove_db("main.db");

    test_close_drains();
    test_failed_batch();
    test_throughput();
    test_dir_remove();
    return test_summary("test_store");
}
