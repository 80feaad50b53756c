/* What the store's unit tests share: a temporary directory of SQLite files and
 * the wait for a store callback. Results arrive through the fake loop
 * (fake_loop.c), as they would on the loop. Include after testlib.h; static
 * inline (not a .c) because CHECK counts into each test binary's own statics.
 *
 *   if (!test_dir_make("/tmp/parley_x_XXXXXX")) return 1;
 *   struct store *st = open_fresh("x.db");
 *   struct box b = { 0 };
 *   struct store_result r = done(store_something(st, ..., on_result, &b), &b);
 *   store_close(st);
 *   remove_db("x.db");
 *   test_dir_remove();
 */
#ifndef PARLEY_TESTSTORE_H
#define PARLEY_TESTSTORE_H
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "parley/store.h"
#include "testlib.h"

static char test_dir[64];
static char db_path[128];
static int pending;   /* callbacks expected and not yet run */

struct box { struct store_result r; int done; };

static inline void on_result(void *ctx, const struct store_result *r)
{
    struct box *b = ctx;
    b->r = *r;
    b->done++;
    pending--;
}

/* Runs posted results until every expected callback ran (or 15 s of silence:
 * longer than the store's busy timeout). */
static inline void wait_all(void)
{
    for (int idle = 0; pending > 0 && idle < 3;) idle = loop_wait_drain() > 0 ? 0 : idle + 1;
    CHECK(pending == 0);
}

/* Waits for the one op queued with on_result into b; its result. */
static inline pl_status op_status(struct box *b)
{
    pending++;
    wait_all();
    CHECK(b->done == 1);
    return b->r.status;
}

/* The same, for an op whose enqueue returned s (nothing to wait for if it failed). */
static inline struct store_result done(pl_status s, struct box *b)
{
    CHECK(s == PL_OK);
    if (s == PL_OK) op_status(b);
    return b->r;
}

/* template ends in XXXXXX (mkdtemp); 0 (and why, on stderr) when it cannot be made. */
static inline int test_dir_make(const char *template)
{
    snprintf(test_dir, sizeof(test_dir), "%s", template);
    if (!mkdtemp(test_dir)) {
        perror("mkdtemp");
        return 0;
    }
    return 1;
}

static inline void test_dir_remove(void)
{
    rmdir(test_dir);
}

/* db_path becomes name in the test directory. */
static inline void set_path(const char *name)
{
    snprintf(db_path, sizeof(db_path), "%s/%s", test_dir, name);
}

/* The database name and its WAL files, whether or not they exist. */
static inline void remove_db(const char *name)
{
    const char *suffix[] = { "", "-wal", "-shm" };
    char p[160];
    for (size_t i = 0; i < PL_ARRAY_LEN(suffix); i++) {
        snprintf(p, sizeof(p), "%s/%s%s", test_dir, name, suffix[i]);
        unlink(p);
    }
}

/* The store on db_path (NULL, and a failed CHECK, when it will not open). */
static inline struct store *open_store(void)
{
    struct store *st = NULL;
    CHECK(store_open(db_path, STORE_DURABILITY_NORMAL, &st) == PL_OK);
    return st;
}

/* A new database called name, opened. */
static inline struct store *open_fresh(const char *name)
{
    remove_db(name);
    set_path(name);
    return open_store();
}
#endif
