/*
 * Unit tests of the store's routing part (migration 3, agent updates, settings,
 * the queue, agent loads, the recent queue wait), kept apart from test_store.c
 * so each stays readable. Real SQLite files in a temporary directory, one per
 * test, so no test's conversations leak into another's queue or counts.
 * Timestamps that real time cannot produce on demand are set with SQL on a
 * separate connection, as an old or busy database would have them.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "parley/loop.h"
#include "parley/store.h"
#include "../../server/store_internal.h"
#include "testlib.h"
#include "teststore.h"

static sqlite3 *side_open(void)
{
    sqlite3 *db = NULL;
    CHECK(sqlite3_open(db_path, &db) == SQLITE_OK);
    sqlite3_busy_timeout(db, STORE_BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(db, 1);
    return db;
}

/* Runs SQL (?1 = arg, ?2 = n) on a separate connection; *first (may be NULL)
 * gets the first column of the first row, -1 when none. Returns the sqlite3 code. */
static int sql_run_get(const char *sql, const char *arg, int64_t n, int64_t *first)
{
    sqlite3 *db = side_open();
    sqlite3_stmt *s = NULL;
    if (first) *first = -1;
    int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
    if (rc == SQLITE_OK) {
        if (arg) sqlite3_bind_text(s, 1, arg, -1, SQLITE_STATIC);
        if (sqlite3_bind_parameter_count(s) >= 2) sqlite3_bind_int64(s, 2, n);
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW && first) *first = sqlite3_column_int64(s, 0);
        if (rc == SQLITE_DONE || rc == SQLITE_ROW) rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    return rc;
}
#define sql_run(sql, arg, n) sql_run_get(sql, arg, n, NULL)

static int64_t q_int(const char *sql, const char *arg)
{
    int64_t v;
    return sql_run_get(sql, arg, 0, &v) == SQLITE_OK ? v : -1;
}

static void hash_of(uint8_t h[32], int n)
{
    memset(h, 0, 32);
    h[0] = (uint8_t)n;
    h[31] = 0xCD;
}

static void sleep_ms(long ms)
{
    nanosleep(&(struct timespec){ 0, ms * 1000 * 1000 }, NULL);
}

static struct store_result new_visitor(struct store *st, int n, const char *name)
{
    struct store_new_visitor nv = { .name = name };
    hash_of(nv.token_hash, n);
    struct box b = { 0 };
    CHECK(store_create_visitor(st, &nv, on_result, &b) == PL_OK);
    CHECK(op_status(&b) == PL_OK);
    return b.r;
}

static pl_status change(struct store *st, enum store_transition op, const char *conv,
                        int64_t agent, int64_t by)
{
    struct store_state_change sc = { .conversation = conv, .op = op, .agent_id = agent,
                                     .by_agent = by, .by_admin = 1 };
    struct box b = { 0 };
    CHECK(store_change_state(st, &sc, on_result, &b) == PL_OK);
    return op_status(&b);
}

static int64_t agent_now(struct store *st, const char *email, const char *role)
{
    int64_t id = 0;
    CHECK(store_create_agent_now(st, email, email, role, "$argon2id$x", &id) == PL_OK);
    return id;
}

static const struct store_agent_update keep = { NULL, NULL, -1, -1 };

static pl_status update(struct store *st, int64_t id, struct store_agent_update u)
{
    struct box b = { 0 };
    CHECK(store_update_agent(st, id, &u, on_result, &b) == PL_OK);
    pl_status s = op_status(&b);
    CHECK(b.r.id == id);
    return s;
}

static pl_status put_setting(struct store *st, const char *key, const char *value)
{
    struct box b = { 0 };
    pl_status s = store_setting_put(st, key, value, on_result, &b);
    return s != PL_OK ? s : op_status(&b);
}

/* ---- tests ---- */

static void test_migration(void)
{
    struct store *st = open_fresh("fresh.db");
    store_close(st);
    CHECK(q_int("PRAGMA user_version", NULL) == store_migration_count);
    CHECK(q_int("SELECT count(*) FROM sqlite_master WHERE name IN ('settings', 'conv_queue',"
                " 'conv_agent_state', 'events_agent', 'sessions_agent')", NULL) == 5);
    remove_db("fresh.db");

    /* A version-2 database with an agent: it gets the default capacity, and the
     * CHECK holds on the upgraded table too. */
    set_path("v2.db");
    sqlite3 *db = side_open();
    CHECK(sqlite3_exec(db, store_migrations[0], NULL, NULL, NULL) == SQLITE_OK);
    CHECK(sqlite3_exec(db, store_migrations[1], NULL, NULL, NULL) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "PRAGMA user_version = 2;"
                       "INSERT INTO agents(id, email, name, role, password_hash, created_at)"
                       " VALUES(7, 'old@example.com', 'Old', 'agent', 'h', 1);",
                       NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    st = NULL;
    CHECK(store_open(db_path, STORE_DURABILITY_NORMAL, &st) == PL_OK);
    CHECK(q_int("PRAGMA user_version", NULL) == store_migration_count);
    struct store_agent a;
    CHECK(store_agent_by_id(st, 7, &a) == PL_OK);
    CHECK(a.capacity == 5 && a.active == 1 && a.created_at == 1);
    CHECK_STR(a.name, "Old");
    store_agent_free(&a);
    CHECK(store_agent_by_email(st, "old@example.com", &a) == PL_OK);
    CHECK(a.capacity == 5);
    CHECK_STR(a.password_hash, "h");
    store_agent_free(&a);
    CHECK(sql_run("UPDATE agents SET capacity = 1001", NULL, 0) == SQLITE_CONSTRAINT_CHECK);
    CHECK(sql_run("UPDATE agents SET capacity = -1", NULL, 0) == SQLITE_CONSTRAINT_CHECK);
    store_close(st);
    remove_db("v2.db");
}

static void check_agent(struct store *st, int64_t id, const char *name, const char *role,
                        int capacity, int active)
{
    struct store_agent a;
    CHECK(store_agent_by_id(st, id, &a) == PL_OK);
    CHECK_STR(a.name, name);
    CHECK_STR(a.role, role);
    CHECK(a.capacity == capacity);
    CHECK(a.active == active);
    store_agent_free(&a);
}

static void test_update_agent(void)
{
    struct store *st = open_fresh("agents.db");
    int64_t a = agent_now(st, "ann@example.com", "agent");
    int64_t other = agent_now(st, "oz@example.com", "agent");
    check_agent(st, a, "ann@example.com", "agent", 5, 1);

    struct store_agent_update u = keep;
    u.name = "Ann";
    CHECK(update(st, a, u) == PL_OK);
    check_agent(st, a, "Ann", "agent", 5, 1);
    u = keep; u.role = "admin";
    CHECK(update(st, a, u) == PL_OK);
    check_agent(st, a, "Ann", "admin", 5, 1);
    u = keep; u.capacity = 12;
    CHECK(update(st, a, u) == PL_OK);
    check_agent(st, a, "Ann", "admin", 12, 1);
    u = keep; u.capacity = 0;                       /* 0: takes nothing automatically */
    CHECK(update(st, a, u) == PL_OK);
    check_agent(st, a, "Ann", "admin", 0, 1);
    u = keep; u.capacity = 1000;
    CHECK(update(st, a, u) == PL_OK);
    CHECK(update(st, a, keep) == PL_OK);            /* nothing to change */
    check_agent(st, a, "Ann", "admin", 1000, 1);

    /* Refused: nothing changes, not even the valid fields given with it. */
    const struct store_agent_update bad[] = {
        { "Changed", "superuser", -1, -1 }, { "Changed", "", -1, -1 },
        { "Changed", NULL, 1001, -1 }, { "Changed", NULL, -2, -1 },
        { "Changed", "agent", -1, 2 }, { "Changed", NULL, -1, -2 },
    };
    for (size_t i = 0; i < PL_ARRAY_LEN(bad); i++)
        CHECK(update(st, a, bad[i]) == PL_ERR_BAD_REQUEST);
    check_agent(st, a, "Ann", "admin", 1000, 1);
    u = keep; u.name = "Ghost";
    CHECK(update(st, 999999, u) == PL_ERR_NOT_FOUND);
    CHECK(store_update_agent(st, a, NULL, on_result, NULL) == PL_ERR_BAD_REQUEST);

    /* Deactivation takes every session of the agent, and only theirs. */
    uint8_t t1[32], t2[32], t3[32], *toks[] = { t1, t2, t3 };
    int64_t now = pl_now_ms();
    for (int i = 0; i < 3; i++) {
        struct box b = { 0 };
        hash_of(toks[i], i + 1);
        CHECK(store_create_session(st, toks[i], i < 2 ? a : other, now + 60000, on_result, &b)
              == PL_OK);
        CHECK(op_status(&b) == PL_OK);
    }
    struct store_agent ag;
    CHECK(store_session_agent(st, t1, now, &ag) == PL_OK && ag.id == a && ag.capacity == 1000);
    store_agent_free(&ag);
    u = keep; u.active = 0;
    CHECK(update(st, a, u) == PL_OK);
    check_agent(st, a, "Ann", "admin", 1000, 0);
    CHECK(store_session_agent(st, t1, now, &ag) == PL_ERR_NOT_FOUND);
    CHECK(store_session_agent(st, t2, now, &ag) == PL_ERR_NOT_FOUND);
    char sql[96];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM sessions WHERE agent_id = %lld",
             (long long)a);
    CHECK(q_int(sql, NULL) == 0);
    CHECK(store_session_agent(st, t3, now, &ag) == PL_OK && ag.id == other);
    store_agent_free(&ag);
    /* Reactivated: the agent is back, the old sessions are not. */
    u = keep; u.active = 1;
    CHECK(update(st, a, u) == PL_OK);
    check_agent(st, a, "Ann", "admin", 1000, 1);
    CHECK(store_session_agent(st, t1, now, &ag) == PL_ERR_NOT_FOUND);

    struct store_agent_list al;
    CHECK(store_list_agents(st, &al) == PL_OK && al.n == 2);
    if (al.n == 2) CHECK(al.v[0].capacity == 1000 && al.v[1].capacity == 5);
    store_agent_list_free(&al);
    store_close(st);
    remove_db("agents.db");
}

static void test_settings(void)
{
    struct store *st = open_fresh("settings.db");
    struct store_setting_list l;
    CHECK(store_settings(st, &l) == PL_OK && l.n == 0);
    store_setting_list_free(&l);
    CHECK(put_setting(st, "assignment", "manual") == PL_OK);
    CHECK(put_setting(st, "afk_minutes", "10") == PL_OK);
    int64_t t1 = q_int("SELECT updated_at FROM settings WHERE key = 'assignment'", NULL);
    CHECK(t1 > 0);
    sleep_ms(3);
    CHECK(put_setting(st, "assignment", "auto") == PL_OK);
    CHECK(q_int("SELECT updated_at FROM settings WHERE key = 'assignment'", NULL) > t1);
    CHECK(put_setting(st, "greeting", "Hi \"there\" \xE2\x82\xAC") == PL_OK);
    CHECK(put_setting(st, "empty", "") == PL_OK);
    CHECK(put_setting(st, NULL, "x") == PL_ERR_BAD_REQUEST);
    CHECK(put_setting(st, "", "x") == PL_ERR_BAD_REQUEST);
    CHECK(put_setting(st, "k", NULL) == PL_ERR_BAD_REQUEST);

    CHECK(store_settings(st, &l) == PL_OK);
    CHECK(l.n == 4);
    const char *keys[] = { "afk_minutes", "assignment", "empty", "greeting" };
    const char *values[] = { "10", "auto", "", "Hi \"there\" \xE2\x82\xAC" };
    for (size_t i = 0; i < l.n && i < 4; i++) {
        CHECK_STR(l.v[i].key, keys[i]);
        CHECK_STR(l.v[i].value, values[i]);
    }
    store_setting_list_free(&l);
    store_close(st);
    CHECK(q_int("SELECT count(*) FROM settings", NULL) == 4);   /* durable */
    remove_db("settings.db");
}

static void check_queue(struct store *st, size_t limit, const char *const *ids, size_t n)
{
    struct store_conversation_list l;
    CHECK(store_queue(st, limit, &l) == PL_OK);
    CHECK(l.n == n);
    for (size_t i = 0; i < l.n && i < n; i++) {
        CHECK_STR(l.v[i].id, ids[i]);
        CHECK(l.v[i].state == CONV_QUEUED && l.v[i].queued_at > 0 && l.v[i].visitor_name);
    }
    store_conversation_list_free(&l);
}

static void test_queue(void)
{
    struct store *st = open_fresh("queue.db");
    int64_t ag = agent_now(st, "q@example.com", "agent");
    struct store_result ra = new_visitor(st, 1, "A"), rb = new_visitor(st, 2, "B"),
                        rc = new_visitor(st, 3, "C");
    new_visitor(st, 4, "D (bot), never in the queue");
    const char *A = ra.conversation_id, *B = rb.conversation_id, *C = rc.conversation_id;
    CHECK(change(st, STORE_TO_QUEUE, A, 0, 0) == PL_OK);
    sleep_ms(3);
    CHECK(change(st, STORE_TO_QUEUE, C, 0, 0) == PL_OK);
    sleep_ms(3);
    CHECK(change(st, STORE_TO_QUEUE, B, 0, 0) == PL_OK);
    const char *acb[] = { A, C, B };
    check_queue(st, 0, acb, 3);
    check_queue(st, 2, acb, 2);

    /* Later messages move A and C up the activity order, not in the queue. */
    const char *talkers[] = { C, A };
    for (int i = 0; i < 2; i++) {
        sleep_ms(3);
        struct store_append ap = { .conversation = talkers[i], .role = "visitor", .text = "?" };
        struct box b = { 0 };
        CHECK(store_append(st, &ap, on_result, &b) == PL_OK);
        CHECK(op_status(&b) == PL_OK);
    }
    struct store_conversation_list l;
    CHECK(store_list_conversations(st, CONV_QUEUED, 0, 0, &l) == PL_OK);
    CHECK(l.n == 3);
    if (l.n == 3) CHECK_STR(l.v[0].id, A);
    if (l.n == 3) CHECK_STR(l.v[1].id, C);         /* B last there: it did nothing */
    store_conversation_list_free(&l);
    check_queue(st, 0, acb, 3);
    CHECK(store_queue(st, 1, &l) == PL_OK && l.n == 1);
    if (l.n == 1) CHECK_STR(l.v[0].visitor_name, "A");
    if (l.n == 1) CHECK(l.v[0].last_seq == 1 && l.v[0].agent_name == NULL);
    store_conversation_list_free(&l);

    /* Claimed: out of the queue. Sent back: to the end, as a new arrival. */
    CHECK(change(st, STORE_CLAIM, C, ag, ag) == PL_OK);
    const char *ab[] = { A, B };
    check_queue(st, 0, ab, 2);
    sleep_ms(3);
    CHECK(change(st, STORE_TRANSFER, C, 0, ag) == PL_OK);
    const char *abc[] = { A, B, C };
    check_queue(st, 0, abc, 3);
    CHECK(change(st, STORE_CLOSE, A, 0, 0) == PL_OK);
    const char *bc[] = { B, C };
    check_queue(st, 0, bc, 2);

    /* queued_at decides, and in the same millisecond creation order (rowid). */
    const char *set_q = "UPDATE conversations SET queued_at = ?2 WHERE id = ?1";
    CHECK(sql_run(set_q, B, 10) == SQLITE_OK && sql_run(set_q, C, 5) == SQLITE_OK);
    const char *cb[] = { C, B };
    check_queue(st, 0, cb, 2);
    CHECK(sql_run(set_q, B, 5) == SQLITE_OK);
    check_queue(st, 0, bc, 2);
    store_close(st);
    remove_db("queue.db");
}

static const struct store_load *load_of(const struct store_load_list *l, int64_t id)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].agent_id == id) return &l->v[i];
    return NULL;
}

/* The loads of a1 and a2 (absent: assigned = -1). */
static void loads(struct store *st, size_t n, int64_t a1, int64_t a2,
                  struct store_load *l1, struct store_load *l2)
{
    struct store_load_list l;
    CHECK(store_agent_loads(st, &l) == PL_OK);
    CHECK(l.n == n);
    for (size_t i = 1; i < l.n; i++) CHECK(l.v[i - 1].agent_id < l.v[i].agent_id);
    const struct store_load *p1 = load_of(&l, a1), *p2 = load_of(&l, a2), none = { 0, 0, -1, 0 };
    *l1 = p1 ? *p1 : none, *l2 = p2 ? *p2 : none;
    store_load_list_free(&l);
}

static void test_loads(void)
{
    struct store *st = open_fresh("loads.db");
    int64_t a1 = agent_now(st, "l1@example.com", "agent");
    int64_t a2 = agent_now(st, "l2@example.com", "agent");
    int64_t a3 = agent_now(st, "l3@example.com", "admin");
    struct store_load l1, l2;
    loads(st, 3, a1, a2, &l1, &l2);
    CHECK(l1.capacity == 5 && l1.assigned == 0 && l1.last_assigned_at == 0);
    CHECK(l2.capacity == 5 && l2.assigned == 0 && l2.last_assigned_at == 0);

    char conv[4][40];
    for (int i = 0; i < 4; i++) {
        snprintf(conv[i], sizeof(conv[i]), "%s", new_visitor(st, 10 + i, "L").conversation_id);
        CHECK(change(st, STORE_TO_QUEUE, conv[i], 0, 0) == PL_OK);
    }
    CHECK(change(st, STORE_CLAIM, conv[0], a1, a1) == PL_OK);
    loads(st, 3, a1, a2, &l1, &l2);
    CHECK(l1.assigned == 1 && l1.last_assigned_at > 0 && l2.assigned == 0);
    int64_t first = l1.last_assigned_at;
    sleep_ms(3);
    CHECK(change(st, STORE_CLAIM, conv[1], a1, a1) == PL_OK);
    loads(st, 3, a1, a2, &l1, &l2);
    CHECK(l1.assigned == 2 && l1.last_assigned_at > first);
    int64_t second = l1.last_assigned_at;

    /* A transfer moves the count and is an assignment for its target; the giver's
     * last assignment does not go back in time. */
    sleep_ms(3);
    CHECK(change(st, STORE_TRANSFER, conv[1], a2, a1) == PL_OK);
    loads(st, 3, a1, a2, &l1, &l2);
    CHECK(l1.assigned == 1 && l1.last_assigned_at == second);
    CHECK(l2.assigned == 1 && l2.last_assigned_at > second);

    CHECK(change(st, STORE_CLOSE, conv[0], 0, a1) == PL_OK);   /* closes count for no one */
    loads(st, 3, a1, a2, &l1, &l2);
    CHECK(l1.assigned == 0 && l1.last_assigned_at == second && l2.assigned == 1);
    CHECK(change(st, STORE_TRANSFER, conv[1], 0, a2) == PL_OK); /* back to the queue */
    loads(st, 3, a1, a2, &l1, &l2);
    CHECK(l2.assigned == 0 && l2.last_assigned_at > second);
    CHECK(change(st, STORE_CLAIM, conv[2], a2, a2) == PL_OK);
    CHECK(change(st, STORE_CLAIM, conv[3], a2, a2) == PL_OK);
    CHECK(change(st, STORE_CLAIM, conv[1], a2, a2) == PL_OK);
    loads(st, 3, a1, a2, &l1, &l2);
    CHECK(l2.assigned == 3 && l1.assigned == 0);

    /* Capacity changes show; an inactive agent is not a candidate. */
    struct store_agent_update u = keep;
    u.capacity = 2;
    CHECK(update(st, a2, u) == PL_OK);
    u = keep; u.active = 0;
    CHECK(update(st, a3, u) == PL_OK);
    loads(st, 2, a1, a2, &l1, &l2);
    CHECK(l2.capacity == 2 && l2.assigned == 3);     /* over capacity: reported as is */
    u = keep; u.active = 0;
    CHECK(update(st, a2, u) == PL_OK);
    loads(st, 1, a1, a2, &l1, &l2);
    CHECK(l1.assigned == 0 && l2.assigned == -1);
    store_close(st);
    remove_db("loads.db");
}

/* Sets the ts of the nth (0-based, by id) event of that type of a conversation. */
static void set_event_ts(const char *conv, const char *type, int nth, int64_t ts)
{
    char sql[256];
    snprintf(sql, sizeof(sql), "UPDATE events SET ts = ?2 WHERE id = (SELECT id FROM events"
             " WHERE conversation_id = ?1 AND type = '%s' ORDER BY id LIMIT 1 OFFSET %d)",
             type, nth);
    CHECK(sql_run(sql, conv, ts) == SQLITE_OK);
}

static int64_t wait_of(struct store *st, int n)
{
    int64_t m = -1;
    CHECK(store_recent_queue_wait(st, n, &m) == PL_OK);
    return m;
}

static void test_queue_wait(void)
{
    struct store *st = open_fresh("wait.db");
    int64_t ag = agent_now(st, "w@example.com", "agent");
    CHECK(wait_of(st, 10) == 0);
    /* Five claims, in this order, with these waits. */
    static const int64_t waits[] = { 100, 500, 300, 900, 200 };
    char conv[6][40];
    for (int i = 0; i < 6; i++) {
        snprintf(conv[i], sizeof(conv[i]), "%s", new_visitor(st, 20 + i, "W").conversation_id);
        CHECK(change(st, STORE_TO_QUEUE, conv[i], 0, 0) == PL_OK);
    }
    CHECK(wait_of(st, 10) == 0);                     /* queued, never claimed: no data */
    for (int i = 0; i < 5; i++) {
        CHECK(change(st, STORE_CLAIM, conv[i], ag, ag) == PL_OK);
        set_event_ts(conv[i], "queued", 0, 1000000 + 10000 * i);
        set_event_ts(conv[i], "assigned", 0, 1000000 + 10000 * i + waits[i]);
    }
    CHECK(wait_of(st, 5) == 300);                    /* 100 200 [300] 500 900 */
    CHECK(wait_of(st, 100) == 300);
    CHECK(wait_of(st, 4) == 300);                    /* 200 [300] 500 900 */
    CHECK(wait_of(st, 2) == 200);                    /* [200] 900 */
    CHECK(wait_of(st, 1) == 200);
    CHECK(wait_of(st, 0) == 0);
    CHECK(wait_of(st, -3) == 0);

    /* Sent back to the queue and claimed again: the wait counts from the return
     * to the queue, not from the first queueing. */
    CHECK(change(st, STORE_CLAIM, conv[5], ag, ag) == PL_OK);
    CHECK(change(st, STORE_TRANSFER, conv[5], 0, ag) == PL_OK);
    CHECK(change(st, STORE_CLAIM, conv[5], ag, ag) == PL_OK);
    set_event_ts(conv[5], "queued", 0, 2000000);
    set_event_ts(conv[5], "assigned", 0, 2000050);    /* wait 50 */
    set_event_ts(conv[5], "queued", 1, 2001000);
    set_event_ts(conv[5], "assigned", 1, 2001700);    /* wait 700 */
    CHECK(wait_of(st, 1) == 700);
    CHECK(wait_of(st, 2) == 50);                     /* [50] 700 */
    CHECK(wait_of(st, 3) == 200);                    /* 50 [200] 700 */
    CHECK(wait_of(st, 7) == 300);                    /* 50 100 200 [300] 500 700 900 */
    /* Sent back in the very millisecond of the claim: that return is after the
     * claim (event order), so the first wait is still 50, not 0. */
    set_event_ts(conv[5], "queued", 1, 2000050);
    CHECK(wait_of(st, 2) == 50);                     /* [50] 1650 */
    set_event_ts(conv[5], "queued", 1, 2001000);

    /* An assignment with no queueing before it (old data) is skipped, not a 0. */
    char bot[40];
    snprintf(bot, sizeof(bot), "%s", new_visitor(st, 30, "Legacy").conversation_id);
    CHECK(sql_run("INSERT INTO events(conversation_id, type, agent_id, ts)"
                  " VALUES(?1, 'assigned', NULL, ?2)", bot, 3000000) == SQLITE_OK);
    CHECK(wait_of(st, 1) == 700);
    /* A clock that stepped back never makes a negative wait. */
    set_event_ts(conv[5], "assigned", 1, 2000900);
    set_event_ts(conv[5], "queued", 1, 2000900);
    CHECK(wait_of(st, 1) == 0);
    store_close(st);
    remove_db("wait.db");
}

/* The routing reads are indexed: no full scan of conversations or events, and
 * no sort, whatever their size (only the few agents are scanned). */
static void test_plans(void)
{
    struct store *st = open_fresh("plans.db");
    const enum rstmt which[] = { R_QUEUE, R_AGENT_LOADS, R_QUEUE_WAITS };
    sqlite3 *db = side_open();
    for (size_t i = 0; i < PL_ARRAY_LEN(which); i++) {
        char sql[2048];
        snprintf(sql, sizeof(sql), "EXPLAIN QUERY PLAN %s", store_read_sql[which[i]]);
        sqlite3_stmt *s = NULL;
        CHECK(sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK);
        printf("plan %d:\n", (int)which[i]);
        while (s && sqlite3_step(s) == SQLITE_ROW) {
            const char *d = (const char *)sqlite3_column_text(s, 3);
            printf("  %s\n", d);
            CHECK(strstr(d, "TEMP B-TREE") == NULL);
            CHECK(strncmp(d, "SCAN", 4) != 0 || strcmp(d, "SCAN a") == 0);
        }
        sqlite3_finalize(s);
    }
    sqlite3_close(db);
    store_close(st);
    remove_db("plans.db");
}

int main(void)
{
    if (!test_dir_make("/tmp/parley_routing_XXXXXX")) return 1;
    test_migration();
    test_update_agent();
    test_settings();
    test_queue();
    test_loads();
    test_queue_wait();
    test_plans();
    test_dir_remove();
    return test_summary("test_store_routing");
}
