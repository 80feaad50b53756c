/*
 * Unit tests of the store's teams (migration 9): create/update/delete with
 * members, the schema refusing bad names and unknown members (changing
 * nothing), routing a conversation to a team in a state change (an unknown
 * team undoes the change), a transfer's note, deletion un-routing queued
 * conversations, the KPI rows' team filter, and an agent's team scope (what
 * GET /api/conversations?scope=team lists). A real SQLite file.
 */
#include <string.h>
#include "parley/loop.h"
#include "parley/store.h"
#include "parley/store_teams.h"
#include "testlib.h"
#include "teststore.h"

static pl_status create(struct store *st, const char *name, const int64_t *m, size_t n, int64_t *id)
{
    struct box b = { 0 };
    struct store_result r = done(store_team_create(st, name, m, n, on_result, &b), &b);
    if (id) *id = r.id;
    return r.status;
}

static pl_status update(struct store *st, int64_t id, const char *name, const int64_t *m, size_t n)
{
    struct box b = { 0 };
    return done(store_team_update(st, id, name, m, n, on_result, &b), &b).status;
}

static pl_status change(struct store *st, struct store_state_change sc, struct store_result *out)
{
    struct box b = { 0 };
    struct store_result r = done(store_change_state(st, &sc, on_result, &b), &b);
    if (out) *out = r;
    return r.status;
}

static int64_t agent_now(struct store *st, const char *email)
{
    int64_t id = 0;
    CHECK(store_create_agent_now(st, email, email, "agent", "$argon2id$x", &id) == PL_OK);
    return id;
}

static void new_conv(struct store *st, int n, char conv[40])
{
    struct store_new_visitor nv = { .name = "V" };
    memset(nv.token_hash, n, sizeof(nv.token_hash));
    struct box b = { 0 };
    struct store_result r = done(store_create_visitor(st, &nv, on_result, &b), &b);
    CHECK(r.status == PL_OK);
    snprintf(conv, 40, "%s", r.conversation_id);
    struct store_append ap = { .conversation = conv, .role = "visitor", .text = "hi" };
    struct box m = { 0 };
    CHECK(done(store_append(st, &ap, on_result, &m), &m).status == PL_OK);
}

static int64_t team_of(struct store *st, const char *conv)
{
    struct store_conversation c = { 0 };
    CHECK(store_get_conversation(st, conv, &c) == PL_OK);
    int64_t t = c.team_id;
    store_conversation_free(&c);
    return t;
}

static void test_crud(struct store *st, int64_t a1, int64_t a2)
{
    int64_t billing = 0, tech = 0;
    int64_t both[] = { a1, a2, a1 };
    CHECK(create(st, "Billing", both, 3, &billing) == PL_OK && billing > 0);
    CHECK(create(st, "Technical", &a2, 1, &tech) == PL_OK && tech > billing);
    /* Refused, nothing stored: a taken name (ignoring case), bad lengths, unknown member. */
    int64_t ghost = 999;
    CHECK(create(st, "BILLING", NULL, 0, NULL) == PL_ERR_CONFLICT);
    CHECK(create(st, "", NULL, 0, NULL) == PL_ERR_BAD_REQUEST);
    char long_name[80];
    memset(long_name, 'x', 65);
    long_name[65] = '\0';
    CHECK(create(st, long_name, NULL, 0, NULL) == PL_ERR_BAD_REQUEST);
    CHECK(create(st, "Ghosts", &ghost, 1, NULL) == PL_ERR_NOT_FOUND);
    struct store_team_list l = { 0 };
    CHECK(store_team_list(st, &l) == PL_OK && l.n == 2);
    if (l.n == 2) {
        CHECK_STR(l.v[0].name, "Billing");
        CHECK(l.v[0].n_members == 2 && l.v[0].members[0] == a1 && l.v[0].members[1] == a2);
        CHECK(l.v[1].n_members == 1 && l.v[1].members[0] == a2);
    }
    store_team_list_free(&l);

    /* A refused member leaves name and members as they were. */
    CHECK(update(st, tech, "Tech", &ghost, 1) == PL_ERR_NOT_FOUND);
    struct store_team t = { 0 };
    CHECK(store_team_get(st, tech, &t) == PL_OK);
    CHECK_STR(t.name, "Technical");
    CHECK(t.n_members == 1);
    store_team_free(&t);
    CHECK(update(st, tech, "Tech", NULL, 0) == PL_OK);           /* rename only */
    CHECK(update(st, tech, NULL, &a1, 1) == PL_OK);              /* members only */
    CHECK(store_team_get(st, tech, &t) == PL_OK);
    CHECK_STR(t.name, "Tech");
    CHECK(t.n_members == 1 && t.members[0] == a1);
    store_team_free(&t);
    CHECK(update(st, tech, "billing", NULL, 0) == PL_ERR_CONFLICT);
    CHECK(update(st, 777, "X", NULL, 0) == PL_ERR_NOT_FOUND);
    CHECK(store_team_get(st, 777, &t) == PL_ERR_NOT_FOUND);
    int yes = 0;
    CHECK(store_team_is_member(st, billing, a2, &yes) == PL_OK && yes);
    CHECK(store_team_is_member(st, tech, a2, &yes) == PL_OK && !yes);
}

static void test_routing(struct store *st, int64_t a1, int64_t a2)
{
    int64_t sales = 0;
    CHECK(create(st, "Sales", &a1, 1, &sales) == PL_OK);
    char c1[40], c2[40];
    new_conv(st, 1, c1);
    new_conv(st, 2, c2);
    /* An unknown team undoes the whole change: still with the bot. */
    struct store_result r;
    struct store_state_change q = { .conversation = c1, .op = STORE_TO_QUEUE, .team_id = 4242 };
    CHECK(change(st, q, NULL) == PL_ERR_NOT_FOUND);
    struct store_conversation c = { 0 };
    CHECK(store_get_conversation(st, c1, &c) == PL_OK && c.state == CONV_BOT && c.team_id == 0);
    store_conversation_free(&c);
    q.team_id = sales;
    CHECK(change(st, q, &r) == PL_OK && r.state == CONV_QUEUED);
    CHECK(store_get_conversation(st, c1, &c) == PL_OK && c.team_id == sales);
    CHECK_STR(c.team_name, "Sales");
    store_conversation_free(&c);

    /* A pre-chat choice routes without a state change. */
    struct box b = { 0 };
    CHECK(done(store_conv_set_team(st, c2, sales, on_result, &b), &b).status == PL_OK);
    CHECK(team_of(st, c2) == sales);
    b.done = 0;
    CHECK(done(store_conv_set_team(st, c2, 4242, on_result, &b), &b).status == PL_ERR_NOT_FOUND);

    /* Claim, then transfer to the queue of another team with a note. */
    struct store_state_change cl = { .conversation = c1, .op = STORE_CLAIM, .agent_id = a2 };
    CHECK(change(st, cl, NULL) == PL_OK);
    int64_t other = 0;
    CHECK(create(st, "Other", &a2, 1, &other) == PL_OK);
    struct store_state_change tr = { .conversation = c1, .op = STORE_TRANSFER, .agent_id = 0,
                                     .by_agent = a2, .team_id = other,
                                     .note_text = "VIP, refund pending", .note_author = "A2" };
    CHECK(change(st, tr, &r) == PL_OK && r.state == CONV_QUEUED && r.note_seq == 1);
    CHECK(team_of(st, c1) == other);
    struct store_message_list ml = { 0 };
    CHECK(store_messages_after(st, c1, 0, 1, 0, &ml) == PL_OK);
    int notes = 0;
    for (size_t i = 0; i < ml.n; i++)
        if (ml.v[i].note_seq) {
            notes++;
            CHECK_STR(ml.v[i].text, "VIP, refund pending");
        }
    CHECK(notes == 1);
    store_message_list_free(&ml);
    CHECK(store_messages_after(st, c1, 0, 0, 0, &ml) == PL_OK);
    for (size_t i = 0; i < ml.n; i++) CHECK(ml.v[i].note_seq == 0);   /* visitors' view */
    store_message_list_free(&ml);

    /* KPI filter: c1 routed to Other; c2 to Sales (a1's team). */
    int64_t now = pl_now_ms();
    struct store_kpi_rows k = { 0 };
    CHECK(store_kpi_rows_team(st, now - 60000, now + 60000, 0, other, &k) == PL_OK && k.n == 1);
    store_kpi_rows_free(&k);
    CHECK(store_kpi_rows_team(st, now - 60000, now + 60000, 0, sales, &k) == PL_OK && k.n == 1);
    store_kpi_rows_free(&k);
    /* Claimed by a1 (a Sales member): c1 counts for Sales too. */
    cl.agent_id = a1;
    CHECK(change(st, cl, NULL) == PL_OK);
    CHECK(store_kpi_rows_team(st, now - 60000, now + 60000, 0, sales, &k) == PL_OK && k.n == 2);
    store_kpi_rows_free(&k);
    CHECK(store_kpi_rows(st, now - 60000, now + 60000, 0, &k) == PL_OK && k.n == 2);
    store_kpi_rows_free(&k);

    /* Deleting a team un-routes its conversations. */
    b.done = 0;
    CHECK(done(store_team_delete(st, other, on_result, &b), &b).status == PL_OK);
    CHECK(team_of(st, c1) == 0);
    b.done = 0;
    CHECK(done(store_team_delete(st, other, on_result, &b), &b).status == PL_ERR_NOT_FOUND);
    /* The newest team's id is not handed out again (FAQ entries may still name it). */
    int64_t next = 0;
    CHECK(create(st, "Other again", NULL, 0, &next) == PL_OK && next > other);
}

static int listed(const struct store_conversation_list *l, const char *conv)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->v[i].id, conv)) return 1;
    return 0;
}

/* Fresh agents: a3 and a4 in T, a5 in U, a6 in none. */
static void test_scope(struct store *st)
{
    int64_t a3 = agent_now(st, "a3@x"), a4 = agent_now(st, "a4@x"), a5 = agent_now(st, "a5@x");
    int64_t a6 = agent_now(st, "a6@x"), pair[2] = { a3, a4 }, t = 0, u = 0;
    CHECK(create(st, "T", pair, 2, &t) == PL_OK);
    CHECK(create(st, "U", &a5, 1, &u) == PL_OK);
    char mate[40], theirs[40], ours[40], outsider[40];
    new_conv(st, 3, mate);        /* claimed by a4, not routed */
    new_conv(st, 4, theirs);      /* queued for U */
    new_conv(st, 5, ours);        /* queued for T */
    new_conv(st, 6, outsider);    /* claimed by a5 */
    struct store_state_change q = { .conversation = mate, .op = STORE_TO_QUEUE };
    CHECK(change(st, q, NULL) == PL_OK);
    q.conversation = outsider;
    CHECK(change(st, q, NULL) == PL_OK);
    q.conversation = theirs; q.team_id = u;
    CHECK(change(st, q, NULL) == PL_OK);
    q.conversation = ours; q.team_id = t;
    CHECK(change(st, q, NULL) == PL_OK);
    struct store_state_change cl = { .conversation = mate, .op = STORE_CLAIM, .agent_id = a4 };
    CHECK(change(st, cl, NULL) == PL_OK);
    cl.conversation = outsider; cl.agent_id = a5;
    CHECK(change(st, cl, NULL) == PL_OK);

    struct store_team_scope sc = { 0 };
    CHECK(store_team_scope(st, a3, &sc) == PL_OK && sc.n_teams == 1 && sc.teams[0] == t);
    CHECK(sc.n_mates == 2);
    CHECK(store_team_scope_covers(&sc, 0, a4) && store_team_scope_covers(&sc, 0, a3));
    CHECK(store_team_scope_covers(&sc, t, 0));
    CHECK(!store_team_scope_covers(&sc, u, 0) && !store_team_scope_covers(&sc, 0, a5));
    CHECK(!store_team_scope_covers(&sc, 0, 0));
    store_team_scope_free(&sc);
    CHECK(store_team_scope(st, a6, &sc) == PL_OK && sc.n_teams == 0 && sc.n_mates == 0);
    store_team_scope_free(&sc);

    struct store_conversation_list l = { 0 };
    CHECK(store_list_team_conversations(st, a3, -1, 0, &l) == PL_OK && l.n == 2);
    CHECK(listed(&l, mate) && listed(&l, ours) && !listed(&l, theirs) && !listed(&l, outsider));
    store_conversation_list_free(&l);
    CHECK(store_list_team_conversations(st, a3, CONV_QUEUED, 0, &l) == PL_OK && l.n == 1);
    CHECK(listed(&l, ours));
    store_conversation_list_free(&l);
    CHECK(store_list_team_conversations(st, a5, -1, 0, &l) == PL_OK && l.n == 2);
    CHECK(listed(&l, theirs) && listed(&l, outsider));
    store_conversation_list_free(&l);
    CHECK(store_list_team_conversations(st, a6, -1, 0, &l) == PL_OK && l.n == 0);
    store_conversation_list_free(&l);
    CHECK(store_list_team_conversations(st, 0, -1, 0, &l) == PL_ERR_BAD_REQUEST);
    /* The same filter inside a search. */
    struct store_conv_search s = { .state = -1, .team_of = a4 };
    CHECK(store_search_conversations(st, &s, &l) == PL_OK && l.n == 2);
    CHECK(listed(&l, mate) && listed(&l, ours));
    store_conversation_list_free(&l);
}

int main(void)
{
    if (!test_dir_make("/tmp/parley_teams_XXXXXX"))
        return 1;
    struct store *st = open_fresh("teams.db");
    if (st) {
        int64_t a1 = agent_now(st, "a1@x"), a2 = agent_now(st, "a2@x");
        test_crud(st, a1, a2);
        test_routing(st, a1, a2);
        test_scope(st);
        store_close(st);
    }
    remove_db("teams.db");
    test_dir_remove();
    return test_summary("test_store_teams");
}
