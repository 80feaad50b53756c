/*
 * Inside `parley migrate` (migrate.h): the driver (migrate.c), the rows of one
 * table (migrate_copy.c) and the checks (migrate_check.c) share the table list
 * read from the SQLite schema.
 */
#ifndef PARLEY_MIGRATE_INTERNAL_H
#define PARLEY_MIGRATE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>
#include "db.h"

#define MAX_TABLES 64
#define MAX_COLS 48
#define MAX_PARENTS 8
#define NAME_LEN 64
#define SQL_LEN 8192

struct mtable {
    char name[NAME_LEN];
    char cols[MAX_COLS][NAME_LEN];
    int ncols;
    char parents[MAX_PARENTS][NAME_LEN];
    int nparents;
    /* PostgreSQL has a `rowid` column SQLite keeps implicit (conversations):
     * SQLite's rowid is copied into it, so the store's tie-breaks keep order. */
    int rowid;
    int64_t rows;   /* copied */
};

struct migration {
    sqlite3 *src;          /* owned by sdb */
    struct db *sdb;
    struct db *dst;
    struct mtable *t;      /* in copy order once ordered */
    int n;
};

/* Prints "parley migrate: ..." on stderr; returns -1. */
__attribute__((format(printf, 1, 2))) int migrate_fail(const char *fmt, ...);
/* Appends to a statement being built; -1 when it would not fit. */
__attribute__((format(printf, 3, 4))) int migrate_cat(char *buf, size_t len, const char *fmt, ...);
/* Names are spliced into SQL (quoted): only the schema's plain ones pass. */
int migrate_plain_name(const char *s);
/* The first column of a one-row query (*ok 0 when it failed). */
int64_t migrate_sq_int(sqlite3 *db, const char *sql, int *ok);
int64_t migrate_pg_int(struct db *db, const char *sql, int *ok);

/* Copies t's rows, many per INSERT, counting them in t->rows. */
int migrate_copy_table(struct migration *m, struct mtable *t);
int migrate_set_sequences(struct migration *m);
int migrate_verify_counts(struct migration *m);
int migrate_verify_messages(struct migration *m);

#endif
