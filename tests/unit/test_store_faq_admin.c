/*
 * Unit tests of the store's FAQ admin part (migration 4): unanswered questions
 * counted per key and bounded, drafts, the live FAQ replace, and the plans of
 * their statements. Kept apart from test_store.c so each stays readable; real
 * SQLite files in a temporary directory, one per test.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "parley/loop.h"
#include "parley/store.h"
#include "../../server/store_internal.h"
#include "testlib.h"
#include "teststore.h"

static struct store_result add(struct store *st, const char *key, const char *text,
                               const char *locale, const char *conv)
{
    struct box b = { 0 };
    return done(store_unanswered_add(st, key, text, locale, conv, on_result, &b), &b);
}

static void test_migration(void)
{
    struct store *st = open_fresh("fresh.db");
    store_close(st);
    sqlite3 *db = NULL;
    CHECK(sqlite3_open(db_path, &db) == SQLITE_OK);
    sqlite3_stmt *s = NULL;
    CHECK(sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE name IN"
                             " ('unanswered', 'unanswered_count', 'faq_drafts')", -1, &s, NULL)
          == SQLITE_OK);
    CHECK(sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) == 3);
    sqlite3_finalize(s);
    CHECK(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) >= 4);
    sqlite3_finalize(s);
    sqlite3_close(db);
    remove_db("fresh.db");
}

static void test_unanswered(void)
{
    struct store *st = open_fresh("un.db");
    CHECK(add(st, "do you sell elephants", "Do you sell ELEPHANTS?", "en", "c_1").id == 1);
    CHECK(add(st, "can i pay in shells", "Can I pay in shells?", NULL, "c_2").id == 1);
    struct store_result r = add(st, "do you sell elephants", "do you sell elephants", NULL, NULL);
    CHECK(r.status == PL_OK && r.id == 2 && r.ts > 0);

    struct store_unanswered_list l;
    CHECK(store_unanswered_list(st, 0, &l) == PL_OK);
    CHECK(l.n == 2);
    if (l.n == 2) {
        CHECK_STR(l.v[0].key, "do you sell elephants");
        CHECK_STR(l.v[0].text, "do you sell elephants");          /* the latest wording */
        CHECK_STR(l.v[0].locale, "en");                           /* NULL keeps the known one */
        CHECK_STR(l.v[0].last_conversation, "c_1");
        CHECK(l.v[0].count == 2 && l.v[0].last_at >= l.v[0].first_at && l.v[0].first_at > 0);
        CHECK_STR(l.v[1].key, "can i pay in shells");
        CHECK(l.v[1].locale == NULL && l.v[1].count == 1);
    }
    store_unanswered_list_free(&l);
    CHECK(store_unanswered_list(st, 1, &l) == PL_OK && l.n == 1);
    store_unanswered_list_free(&l);

    /* A tie in count: the most recent first (a later millisecond). */
    usleep(3000);
    add(st, "is the moon cheese", "Is the moon cheese?", "en", "c_3");
    CHECK(store_unanswered_list(st, 0, &l) == PL_OK && l.n == 3);
    if (l.n == 3) CHECK_STR(l.v[1].key, "is the moon cheese");
    store_unanswered_list_free(&l);

    struct box b = { 0 };
    CHECK(done(store_unanswered_delete(st, "is the moon cheese", on_result, &b), &b).status == PL_OK);
    memset(&b, 0, sizeof(b));
    CHECK(done(store_unanswered_delete(st, "is the moon cheese", on_result, &b), &b).status
          == PL_ERR_NOT_FOUND);
    CHECK(store_unanswered_add(st, "", "x", NULL, NULL, on_result, &b) == PL_ERR_BAD_REQUEST);
    CHECK(store_unanswered_add(st, "k", NULL, NULL, NULL, on_result, &b) == PL_ERR_BAD_REQUEST);

    /* A long key is cut at STORE_UNANSWERED_KEY_MAX bytes, never inside a character:
     * "ї" is 2 bytes, so 200 bytes would split the 101st; 1 + 2 * 99 = 199 fit. */
    char key[400] = "a";
    for (int i = 0; i < 150; i++) strcat(key, "ї");
    add(st, key, "long", NULL, NULL);
    CHECK(store_unanswered_list(st, 0, &l) == PL_OK);
    int found = 0;
    for (size_t i = 0; i < l.n; i++) {
        if (strcmp(l.v[i].text, "long")) continue;
        found = 1;
        CHECK(strlen(l.v[i].key) == 199 && !strncmp(l.v[i].key, key, 199));
    }
    CHECK(found);
    store_unanswered_list_free(&l);
    /* A second miss of the same long text counts on the same cut key. */
    CHECK(add(st, key, "long", NULL, NULL).id == 2);
    store_close(st);
    remove_db("un.db");
}

/* The table never holds more than STORE_UNANSWERED_MAX rows; the rarest, oldest
 * go first, and a question asked often survives. */
static void test_unanswered_bound(void)
{
    struct store *st = open_fresh("bound.db");
    add(st, "often", "often", NULL, NULL);
    add(st, "often", "often", NULL, NULL);
    struct box *b = calloc(STORE_UNANSWERED_MAX + 5, sizeof(*b));
    char key[32];
    for (int i = 0; b && i < STORE_UNANSWERED_MAX + 5; i++) {
        snprintf(key, sizeof(key), "question %d", i);
        CHECK(store_unanswered_add(st, key, key, NULL, NULL, on_result, &b[i]) == PL_OK);
        pending++;
    }
    wait_all();
    free(b);
    struct store_unanswered_list l;
    CHECK(store_unanswered_list(st, 0, &l) == PL_OK);
    CHECK(l.n == STORE_UNANSWERED_MAX);
    if (l.n) CHECK_STR(l.v[0].key, "often");
    int first_gone = 1;
    for (size_t i = 0; i < l.n; i++)
        if (!strcmp(l.v[i].key, "question 0")) first_gone = 0;
    CHECK(first_gone);
    store_unanswered_list_free(&l);
    store_close(st);
    remove_db("bound.db");
}

static void test_drafts(void)
{
    struct store *st = open_fresh("drafts.db");
    struct box b = { 0 };
    struct store_result r = done(store_draft_add(st, "Gift wrap?", "Yes, £2.", "en", "c_9", 3,
                                                 on_result, &b), &b);
    CHECK(r.status == PL_OK && r.id == 1 && r.ts > 0);
    memset(&b, 0, sizeof(b));
    r = done(store_draft_add(st, "Second?", "Yes.", NULL, NULL, 0, on_result, &b), &b);
    CHECK(r.status == PL_OK && r.id == 2);
    struct store_draft_list l;
    CHECK(store_draft_list(st, 0, &l) == PL_OK && l.n == 2);
    if (l.n == 2) {
        CHECK_STR(l.v[0].question, "Second?");                  /* newest first */
        CHECK(l.v[0].locale == NULL && l.v[0].conversation_id == NULL && l.v[0].agent_id == 0);
        CHECK_STR(l.v[1].answer, "Yes, £2.");
        CHECK_STR(l.v[1].locale, "en");
        CHECK_STR(l.v[1].conversation_id, "c_9");
        CHECK(l.v[1].agent_id == 3 && l.v[1].created_at > 0);
    }
    store_draft_list_free(&l);
    memset(&b, 0, sizeof(b));
    CHECK(done(store_draft_delete(st, 1, on_result, &b), &b).status == PL_OK);
    memset(&b, 0, sizeof(b));
    CHECK(done(store_draft_delete(st, 1, on_result, &b), &b).status == PL_ERR_NOT_FOUND);
    CHECK(store_draft_list(st, 0, &l) == PL_OK && l.n == 1);
    store_draft_list_free(&l);
    store_close(st);
    remove_db("drafts.db");
}

static void test_faq_replace(void)
{
    struct store *st = open_fresh("replace.db");
    struct store_faq_row old[] = { { "a", "{\"id\":\"a\"}" }, { "b", "{\"id\":\"b\"}" } };
    CHECK(store_faq_replace_all(st, old, 2) == PL_OK);
    char id[] = "c", json[] = "{\"id\":\"c\"}";
    struct store_faq_row rows[] = { { id, json } };
    struct box b = { 0 };
    CHECK(store_faq_replace(st, rows, 1, on_result, &b) == PL_OK);
    id[0] = json[8] = 'x';              /* the store copied them */
    pending++;
    wait_all();
    CHECK(b.r.status == PL_OK);
    struct store_faq_list l;
    CHECK(store_faq_list(st, &l) == PL_OK && l.n == 1);
    if (l.n == 1) {
        CHECK_STR(l.v[0].id, "c");
        CHECK_STR(l.v[0].json, "{\"id\":\"c\"}");
    }
    store_faq_list_free(&l);
    memset(&b, 0, sizeof(b));
    CHECK(done(store_faq_replace(st, NULL, 0, on_result, &b), &b).status == PL_OK);
    CHECK(store_faq_list(st, &l) == PL_OK && l.n == 0);
    store_faq_list_free(&l);
    store_close(st);
    remove_db("replace.db");
}

/* The lists read an index in order (no sort), whatever the table size; pruning
 * walks the same index backwards. */
static void test_plans(void)
{
    struct store *st = open_fresh("plans.db");
    const char *sql[] = { store_read_sql[R_UNANSWERED], store_read_sql[R_DRAFTS],
                          store_write_sql[W_UNANSWERED_PRUNE] };
    sqlite3 *db = NULL;
    CHECK(sqlite3_open(db_path, &db) == SQLITE_OK);
    for (size_t i = 0; i < PL_ARRAY_LEN(sql); i++) {
        char q[2048];
        snprintf(q, sizeof(q), "EXPLAIN QUERY PLAN %s", sql[i]);
        sqlite3_stmt *s = NULL;
        CHECK(sqlite3_prepare_v2(db, q, -1, &s, NULL) == SQLITE_OK);
        printf("plan %zu:\n", i);
        while (s && sqlite3_step(s) == SQLITE_ROW) {
            const char *d = (const char *)sqlite3_column_text(s, 3);
            printf("  %s\n", d);
            CHECK(strstr(d, "TEMP B-TREE") == NULL);
        }
        sqlite3_finalize(s);
    }
    sqlite3_close(db);
    store_close(st);
    remove_db("plans.db");
}

int main(void)
{
    if (!test_dir_make("/tmp/parley_faqadm_XXXXXX")) return 1;
    test_migration();
    test_unanswered();
    test_unanswered_bound();
    test_drafts();
    test_faq_replace();
    test_plans();
    test_dir_remove();
    return test_summary("test_store_faq_admin");
}
