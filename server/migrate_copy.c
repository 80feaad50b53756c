/*
 * `parley migrate`: one table's rows, SQLite to PostgreSQL, many rows per
 * INSERT. One statement per row cost a round trip per row (~7,000 rows/s on
 * loopback); a multi-row VALUES list sends MIGRATE_BATCH_ROWS rows in one.
 *
 * The driver does not copy a bound text or blob (db.h), and a SQLite column's
 * text is only valid until the next step of its statement, so a batch's
 * values are first copied into one buffer owned here, and bound once the
 * batch is complete. Each value keeps its SQLite storage class, as before.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "migrate_internal.h"

#ifndef MIGRATE_BATCH_ROWS
#define MIGRATE_BATCH_ROWS 500
#endif
/* PostgreSQL numbers the parameters of one statement with 16 bits. */
#define PG_MAX_PARAMS 65535

struct mval {
    int type;                 /* SQLITE_INTEGER, _FLOAT, _TEXT, _BLOB, _NULL */
    int64_t i;
    double d;
    size_t off;               /* text and blob: into batch.buf */
    int len;
};

struct batch {
    int ncols, max_rows, rows;
    struct mval *v;           /* max_rows * ncols */
    char *buf;                /* text (NUL-terminated) and blob bytes */
    size_t used, cap;
};

static int keep_bytes(struct batch *b, const void *p, int len, size_t *off)
{
    size_t need = b->used + (size_t)len + 1;
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        while (cap < need) cap *= 2;
        char *nb = realloc(b->buf, cap);
        if (!nb) return -1;
        b->buf = nb;
        b->cap = cap;
    }
    if (len) memcpy(b->buf + b->used, p, (size_t)len);
    b->buf[b->used + (size_t)len] = 0;
    *off = b->used;
    b->used = need;
    return 0;
}

/* The current row of sel into the batch; -1 when out of memory. */
static int take_row(struct batch *b, sqlite3_stmt *sel)
{
    struct mval *row = b->v + (size_t)b->rows * (size_t)b->ncols;
    for (int c = 0; c < b->ncols; c++) {
        struct mval *v = &row[c];
        v->type = sqlite3_column_type(sel, c);
        switch (v->type) {
        case SQLITE_INTEGER: v->i = sqlite3_column_int64(sel, c); break;
        case SQLITE_FLOAT: v->d = sqlite3_column_double(sel, c); break;
        case SQLITE_TEXT:
        case SQLITE_BLOB: {
            const void *p = v->type == SQLITE_TEXT ? (const void *)sqlite3_column_text(sel, c)
                                                   : sqlite3_column_blob(sel, c);
            v->len = sqlite3_column_bytes(sel, c);
            if ((v->len && !p) || keep_bytes(b, p, v->len, &v->off)) return -1;
            break;
        }
        default: v->type = SQLITE_NULL; break;
        }
    }
    b->rows++;
    return 0;
}

static int bind_row(struct db_stmt *ins, const struct batch *b, int r)
{
    const struct mval *row = b->v + (size_t)r * (size_t)b->ncols;
    for (int c = 0; c < b->ncols; c++) {
        int i = r * b->ncols + c + 1, rc;
        const struct mval *v = &row[c];
        switch (v->type) {
        case SQLITE_INTEGER: rc = db_bind_int(ins, i, v->i); break;
        case SQLITE_FLOAT: rc = db_bind_double(ins, i, v->d); break;
        case SQLITE_TEXT: rc = db_bind_text(ins, i, b->buf + v->off); break;
        case SQLITE_BLOB: rc = db_bind_blob(ins, i, b->buf + v->off, v->len); break;
        default: rc = db_bind_null(ins, i); break;
        }
        if (rc != DB_OK) return -1;
    }
    return 0;
}

/* "INSERT INTO t(c1, ...) VALUES(?1, ...), ..." for `rows` rows (malloc'd). */
static char *insert_sql(const struct mtable *t, int ncols, int rows)
{
    size_t len = 64 + (size_t)ncols * (NAME_LEN + 4) + (size_t)rows * ((size_t)ncols * 9 + 4);
    char *sql = malloc(len);
    if (!sql) return NULL;
    sql[0] = 0;
    int bad = migrate_cat(sql, len, "INSERT INTO \"%s\"(", t->name);
    for (int i = 0; i < ncols; i++)
        bad |= migrate_cat(sql, len, "%s\"%s\"", i ? ", " : "", i < t->ncols ? t->cols[i] : "rowid");
    bad |= migrate_cat(sql, len, ") VALUES");
    /* One pass of appends from the end of what is written: strlen per value
     * would make building a 500-row statement quadratic. */
    size_t used = strlen(sql);
    for (int r = 0; r < rows && !bad; r++)
        for (int c = 0; c < ncols && !bad; c++) {
            int n = snprintf(sql + used, len - used, "%s?%d%s", c ? ", " : r ? ", (" : "(",
                             r * ncols + c + 1, c == ncols - 1 ? ")" : "");
            bad = n < 0 || (size_t)n >= len - used;
            if (!bad) used += (size_t)n;
        }
    if (bad) {
        free(sql);
        return NULL;
    }
    return sql;
}

/* Sends the batch as one INSERT; *stmt caches the statement for its size
 * (the full size is reused, the last partial batch is prepared once). */
static int flush(struct migration *m, struct mtable *t, struct batch *b, struct db_stmt **stmt,
                 int *stmt_rows)
{
    if (!b->rows) return 0;
    if (*stmt && *stmt_rows != b->rows) {
        db_finalize(*stmt);
        *stmt = NULL;
    }
    if (!*stmt) {
        char *sql = insert_sql(t, b->ncols, b->rows);
        if (!sql) return migrate_fail("%s: out of memory", t->name);
        int rc = db_prepare(m->dst, sql, stmt);
        free(sql);
        if (rc != DB_OK) return migrate_fail("%s: %s", t->name, db_errmsg(m->dst));
        *stmt_rows = b->rows;
    }
    int bad = 0;
    for (int r = 0; r < b->rows && !bad; r++)
        bad = bind_row(*stmt, b, r);
    if (bad || db_step(*stmt) != DB_DONE)
        return migrate_fail("%s: rows %lld to %lld: %s", t->name, (long long)t->rows + 1,
                    (long long)t->rows + b->rows, db_errmsg(m->dst));
    db_reset(*stmt);
    t->rows += b->rows;
    b->rows = 0;
    b->used = 0;
    return 0;
}

int migrate_copy_table(struct migration *m, struct mtable *t)
{
    char sel_sql[SQL_LEN] = "SELECT ";
    int n = t->ncols + t->rowid, bad = 0;
    for (int i = 0; i < n; i++)
        bad |= migrate_cat(sel_sql, sizeof(sel_sql), "%s\"%s\"", i ? ", " : "",
                           i < t->ncols ? t->cols[i] : "rowid");
    bad |= migrate_cat(sel_sql, sizeof(sel_sql), " FROM \"%s\"", t->name);
    if (bad || n < 1) return migrate_fail("%s: too many columns", t->name);
    struct batch b = { .ncols = n, .max_rows = MIGRATE_BATCH_ROWS };
    if (b.max_rows * n > PG_MAX_PARAMS) b.max_rows = PG_MAX_PARAMS / n;
    sqlite3_stmt *sel = NULL;
    struct db_stmt *ins = NULL;
    int rc, ins_rows = 0, ret = -1;
    if (!(b.v = calloc((size_t)b.max_rows * (size_t)n, sizeof(*b.v)))) {
        migrate_fail("out of memory");
        goto out;
    }
    if (sqlite3_prepare_v2(m->src, sel_sql, -1, &sel, NULL) != SQLITE_OK) {
        migrate_fail("%s: %s", t->name, sqlite3_errmsg(m->src));
        goto out;
    }
    while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
        if (take_row(&b, sel)) {
            migrate_fail("%s: out of memory", t->name);
            goto out;
        }
        if (b.rows == b.max_rows && flush(m, t, &b, &ins, &ins_rows)) goto out;
    }
    if (rc != SQLITE_DONE) {
        migrate_fail("%s: %s", t->name, sqlite3_errmsg(m->src));
        goto out;
    }
    if (flush(m, t, &b, &ins, &ins_rows)) goto out;
    ret = 0;
out:
    sqlite3_finalize(sel);
    db_finalize(ins);
    free(b.v);
    free(b.buf);
    return ret;
}
