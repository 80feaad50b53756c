/*
 * Unit tests of the store's canned responses (migration 6): create, update,
 * delete, the list order, and the schema refusing what the REST layer also
 * refuses (so a future writer that skips the checks still cannot store it).
 * A real SQLite file in a temporary directory.
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

static pl_status create(struct store *st, const char *sc, const char *title, const char *text,
                        int64_t *id)
{
    struct box b = { 0 };
    struct store_result r = done(store_canned_create(st, sc, title, text, on_result, &b), &b);
    if (id) *id = r.id;
    return r.status;
}

static pl_status update(struct store *st, int64_t id, const char *sc, const char *title,
                        const char *text)
{
    struct box b = { 0 };
    return done(store_canned_update(st, id, sc, title, text, on_result, &b), &b).status;
}

static pl_status delete(struct store *st, int64_t id)
{
    struct box b = { 0 };
    return done(store_canned_delete(st, id, on_result, &b), &b).status;
}

static void test_crud(void)
{
    struct store *st = NULL;
    CHECK(store_open(db_path, STORE_DURABILITY_NORMAL, &st) == PL_OK);
    if (!st) return;
    int64_t a = 0, b = 0, c = 0;
    CHECK(create(st, "thanks", "Thanks", "Thanks, {{visitor.name}}!", &a) == PL_OK && a > 0);
    CHECK(create(st, "refund-policy", "Refund policy", "30 days.", &b) == PL_OK && b > a);
    CHECK(create(st, "a_1", "A", "x", &c) == PL_OK);

    struct store_canned_list l;
    CHECK(store_canned_list(st, &l) == PL_OK && l.n == 3);
    if (l.n == 3) {                                   /* by shortcut */
        CHECK_STR(l.v[0].shortcut, "a_1");
        CHECK_STR(l.v[1].shortcut, "refund-policy");
        CHECK_STR(l.v[1].title, "Refund policy");
        CHECK_STR(l.v[2].text, "Thanks, {{visitor.name}}!");
        CHECK(l.v[2].id == a && l.v[2].created_at > 0 && l.v[2].updated_at == l.v[2].created_at);
    }
    store_canned_list_free(&l);

    /* A taken shortcut, also in another case and on update. */
    CHECK(create(st, "thanks", "Again", "y", NULL) == PL_ERR_CONFLICT);
    CHECK(update(st, b, "thanks", "T", "z") == PL_ERR_CONFLICT);
    CHECK(update(st, a, "thanks-2", "Thanks 2", "Thanks!") == PL_OK);
    CHECK(update(st, 9999, "nobody", "N", "n") == PL_ERR_NOT_FOUND);

    /* What the schema refuses. */
    CHECK(create(st, "Upper", "U", "u", NULL) == PL_ERR_BAD_REQUEST);
    CHECK(create(st, "a b", "U", "u", NULL) == PL_ERR_BAD_REQUEST);
    CHECK(create(st, "ok!", "U", "u", NULL) == PL_ERR_BAD_REQUEST);
    CHECK(create(st, "", "U", "u", NULL) == PL_ERR_BAD_REQUEST);
    CHECK(create(st, "abcdefghijabcdefghijabcdefghijabc", "U", "u", NULL) == PL_ERR_BAD_REQUEST);
    CHECK(create(st, "abcdefghijabcdefghijabcdefghijab", "U", "u", NULL) == PL_OK);  /* 32 */
    CHECK(create(st, "notitle", "", "u", NULL) == PL_ERR_BAD_REQUEST);
    CHECK(create(st, "notext", "T", "", NULL) == PL_ERR_BAD_REQUEST);
    char *big = malloc(4002);
    if (big) {
        /* 4000 characters of two bytes each fit; one more does not. */
        memset(big, 0, 4002);
        for (int i = 0; i < 2000; i++) memcpy(big + 2 * i, "\xc3\xa9", 2);
        char *text = malloc(8003);
        if (text) {
            snprintf(text, 8003, "%s%s", big, big);
            CHECK(create(st, "long", "Long", text, NULL) == PL_OK);
            strcat(text, "x");
            CHECK(create(st, "longer", "Longer", text, NULL) == PL_ERR_BAD_REQUEST);
            free(text);
        }
        free(big);
    }
    CHECK(store_canned_create(st, NULL, "T", "t", on_result, NULL) == PL_ERR_BAD_REQUEST);

    CHECK(store_canned_list(st, &l) == PL_OK && l.n == 5);
    for (size_t i = 0; i < l.n; i++)
        if (l.v[i].id == a) {
            CHECK_STR(l.v[i].shortcut, "thanks-2");
            CHECK_STR(l.v[i].text, "Thanks!");
            CHECK(l.v[i].updated_at >= l.v[i].created_at);
        }
    store_canned_list_free(&l);

    CHECK(delete(st, b) == PL_OK);
    CHECK(delete(st, b) == PL_ERR_NOT_FOUND);
    CHECK(create(st, "refund-policy", "Refund policy", "Again.", NULL) == PL_OK);  /* free again */
    store_close(st);

    /* It all survives a reopen. */
    st = NULL;
    CHECK(store_open(db_path, STORE_DURABILITY_NORMAL, &st) == PL_OK);
    CHECK(store_canned_list(st, &l) == PL_OK && l.n == 5);
    store_canned_list_free(&l);
    store_close(st);
}

int main(void)
{
    if (!test_dir_make("/tmp/parley_canned_XXXXXX")) return 1;
    set_path("canned.db");
    test_crud();
    remove_db("canned.db");
    test_dir_remove();
    return test_summary("test_store_canned");
}
