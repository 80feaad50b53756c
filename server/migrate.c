/*
 * `parley migrate`: an embedded (SQLite) install copied into PostgreSQL.
 *
 * The copy is driven by the source's own schema rather than a list kept here,
 * so a table added by a later migration is copied without touching this file:
 * the tables come from sqlite_master, their columns from PRAGMA table_info
 * (each checked against the PostgreSQL table, so a schema drift between the
 * two backends stops the copy instead of losing a column), and their order
 * from PRAGMA foreign_key_list (parents first, so every reference holds as
 * soon as a row lands).
 *
 * Everything goes in one PostgreSQL transaction that is verified before it
 * commits: a failed or short copy leaves the target as empty as it was. The
 * source is read inside one read transaction, so the copy and the counts it
 * is verified against are the same snapshot. The target must hold no data: a
 * merge into a live install would collide on ids and sequences.
 *
 * Values keep their SQLite storage class (sqlite3_column_type per value):
 * token hashes go as binary, numbers as numbers, NULL as NULL. The rows go
 * many to an INSERT (migrate_copy.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "parley/migrate.h"
#include "migrate_internal.h"
#include "store_internal.h"

int migrate_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("parley migrate: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return -1;
}

/* Appends to a statement being built; -1 when it would not fit. */
int migrate_cat(char *buf, size_t len, const char *fmt, ...)
{
    size_t used = strlen(buf);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + used, len - used, fmt, ap);
    va_end(ap);
    return n < 0 || (size_t)n >= len - used ? -1 : 0;
}

/* Names are spliced into SQL (quoted): only the schema's plain ones pass. */
int migrate_plain_name(const char *s)
{
    if (!s || !*s || strlen(s) >= NAME_LEN) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
    return 1;
}

static int open_source(struct migration *m, const char *path)
{
    sqlite3 *h = NULL;
    if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        migrate_fail("cannot open %s: %s", path, h ? sqlite3_errmsg(h) : "out of memory");
        sqlite3_close(h);
        return -1;
    }
    if (!(m->sdb = db_sqlite_wrap(h))) {
        sqlite3_close(h);
        return migrate_fail("out of memory");
    }
    m->src = h;
    sqlite3_busy_timeout(h, STORE_BUSY_TIMEOUT_MS);
    int ok;
    int64_t v = migrate_sq_int(h, "PRAGMA user_version", &ok);
    if (!ok || v == 0)
        return migrate_fail("%s is not a Parley database (%s)", path, ok ? "no schema" : sqlite3_errmsg(h));
    if (v != store_migration_count)
        return migrate_fail("%s is at schema version %lld, this build's is %d: start this build's "
                    "server on it once to upgrade it, then migrate", path, (long long)v,
                    store_migration_count);
    /* One snapshot for the copy and its verification. */
    if (sqlite3_exec(h, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return migrate_fail("cannot read %s: %s", path, sqlite3_errmsg(h));
    return 0;
}

/* The columns (table_info) and parents (foreign_key_list) of one table. */
static int load_table(sqlite3 *db, struct mtable *t)
{
    char sql[128];
    sqlite3_stmt *s = NULL;
    snprintf(sql, sizeof(sql), "PRAGMA table_info(\"%s\")", t->name);
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        return migrate_fail("%s: %s", t->name, sqlite3_errmsg(db));
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *c = (const char *)sqlite3_column_text(s, 1);
        if (t->ncols == MAX_COLS || !migrate_plain_name(c)) {
            sqlite3_finalize(s);
            return migrate_fail("%s: unexpected column %s", t->name, c ? c : "?");
        }
        snprintf(t->cols[t->ncols++], NAME_LEN, "%s", c);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) return migrate_fail("%s: %s", t->name, sqlite3_errmsg(db));
    snprintf(sql, sizeof(sql), "PRAGMA foreign_key_list(\"%s\")", t->name);
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        return migrate_fail("%s: %s", t->name, sqlite3_errmsg(db));
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *p = (const char *)sqlite3_column_text(s, 2);
        if (!p || !strcmp(p, t->name)) continue;   /* a self-reference orders nothing */
        int seen = 0;
        for (int i = 0; i < t->nparents; i++) seen |= !strcmp(t->parents[i], p);
        if (seen) continue;
        if (t->nparents == MAX_PARENTS) {
            sqlite3_finalize(s);
            return migrate_fail("%s: too many foreign keys", t->name);
        }
        snprintf(t->parents[t->nparents++], NAME_LEN, "%s", p);
    }
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : migrate_fail("%s: %s", t->name, sqlite3_errmsg(db));
}

static int load_tables(struct migration *m)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(m->src, "SELECT name FROM sqlite_master WHERE type = 'table'"
                           " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
                           -1, &s, NULL) != SQLITE_OK)
        return migrate_fail("reading the schema: %s", sqlite3_errmsg(m->src));
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(s, 0);
        if (m->n == MAX_TABLES || !migrate_plain_name(name)) {
            sqlite3_finalize(s);
            return migrate_fail("unexpected table %s", name ? name : "?");
        }
        snprintf(m->t[m->n++].name, NAME_LEN, "%s", name);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) return migrate_fail("reading the schema: %s", sqlite3_errmsg(m->src));
    for (int i = 0; i < m->n; i++)
        if (load_table(m->src, &m->t[i])) return -1;
    return 0;
}

static int find_table(const struct migration *m, const char *name, int from)
{
    for (int i = from; i < m->n; i++)
        if (!strcmp(m->t[i].name, name)) return i;
    return -1;
}

/* Parents before children: repeatedly moves to the front a table none of
 * whose parents is still unplaced. */
static int order_tables(struct migration *m)
{
    for (int placed = 0; placed < m->n;) {
        int pick = -1;
        for (int i = placed; i < m->n && pick < 0; i++) {
            int ready = 1;
            for (int p = 0; p < m->t[i].nparents && ready; p++) {
                if (find_table(m, m->t[i].parents[p], 0) < 0)
                    return migrate_fail("%s references a missing table %s", m->t[i].name,
                                m->t[i].parents[p]);
                ready = find_table(m, m->t[i].parents[p], placed) < 0;
            }
            if (ready) pick = i;
        }
        if (pick < 0) return migrate_fail("the foreign keys form a cycle; cannot order the copy");
        struct mtable tmp = m->t[placed];
        m->t[placed] = m->t[pick];
        m->t[pick] = tmp;
        placed++;
    }
    return 0;
}

static int has_col(const struct mtable *t, const char *c)
{
    for (int i = 0; i < t->ncols; i++)
        if (!strcmp(t->cols[i], c)) return 1;
    return 0;
}

/* The PostgreSQL table has exactly the SQLite table's columns (plus rowid). */
static int check_columns(struct migration *m, struct mtable *t)
{
    struct db_stmt *s = NULL;
    if (db_prepare(m->dst, "SELECT column_name FROM information_schema.columns"
                   " WHERE table_schema = current_schema() AND table_name = ?1", &s) != DB_OK ||
        db_bind_text(s, 1, t->name) != DB_OK) {
        db_finalize(s);
        return migrate_fail("reading the PostgreSQL schema: %s", db_errmsg(m->dst));
    }
    int rc, seen = 0, matched = 0, bad = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        const char *c = db_col_text(s, 0);
        seen++;
        if (has_col(t, c)) matched++;
        else if (!strcmp(c, "rowid")) t->rowid = 1;
        else bad = migrate_fail("%s: column %s is only on PostgreSQL", t->name, c);
    }
    db_finalize(s);
    if (rc != DB_DONE) return migrate_fail("reading the PostgreSQL schema: %s", db_errmsg(m->dst));
    if (!seen) return migrate_fail("table %s is missing on PostgreSQL", t->name);
    if (matched < t->ncols) return migrate_fail("%s: PostgreSQL lacks some of SQLite's columns", t->name);
    return bad;
}

/* No conversation, visitor, agent or FAQ entry yet: nothing to merge into. */
static int target_empty(struct migration *m)
{
    int ok;
    int64_t n = migrate_pg_int(m->dst, "SELECT (SELECT count(*) FROM conversations)"
                       " + (SELECT count(*) FROM visitors) + (SELECT count(*) FROM agents)"
                       " + (SELECT count(*) FROM faq)", &ok);
    if (!ok) return migrate_fail("reading the target: %s", db_errmsg(m->dst));
    if (n) return migrate_fail("the target database already holds data (%lld conversation, visitor,"
                       " agent or FAQ rows); migrate only into an empty database", (long long)n);
    return 0;
}

/* Inside the target's transaction: everything but the COMMIT. */
static int copy_all(struct migration *m)
{
    if (target_empty(m)) return -1;
    for (int i = 0; i < m->n; i++)
        if (migrate_copy_table(m, &m->t[i])) return -1;
    return migrate_set_sequences(m) || migrate_verify_counts(m) || migrate_verify_messages(m) ? -1 : 0;
}

static int run(struct migration *m, const char *path, const char *url)
{
    if (open_source(m, path)) return -1;
    if (load_tables(m) || order_tables(m)) return -1;
    if (!(m->dst = db_pg_connect(url))) return migrate_fail("cannot connect to the target");
    if (store_pg_migrate(m->dst) != PL_OK) return migrate_fail("cannot create the target's schema");
    for (int i = 0; i < m->n; i++)
        if (check_columns(m, &m->t[i])) return -1;
    if (db_exec(m->dst, "BEGIN") != DB_OK) return migrate_fail("BEGIN: %s", db_errmsg(m->dst));
    if (copy_all(m) || db_exec(m->dst, "COMMIT") != DB_OK) {
        db_exec(m->dst, "ROLLBACK");
        return migrate_fail("nothing was copied (rolled back)");
    }
    for (int i = 0; i < m->n; i++)
        printf("migrate: %s %lld rows\n", m->t[i].name, (long long)m->t[i].rows);
    printf("migrate: done, %d tables copied and verified\n", m->n);
    return 0;
}

int migrate_main(int argc, char **argv)
{
    const char *from = NULL, *to = NULL;
    for (int i = 0; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--from")) from = argv[i + 1];
        else if (!strcmp(argv[i], "--to")) to = argv[i + 1];
        else from = to = NULL, i = argc;
    }
    if (argc % 2 || !from || !to || strncmp(from, "sqlite:", 7) || !from[7] ||
        !store_url_is_pg(to)) {
        fprintf(stderr, "usage: parley migrate --from sqlite:PATH --to postgresql://...\n");
        return 2;
    }
    struct migration m = { 0 };
    if (!(m.t = calloc(MAX_TABLES, sizeof(*m.t)))) {
        migrate_fail("out of memory");
        return 1;
    }
    int rc = run(&m, from + 7, to);
    if (m.dst) db_close(m.dst);
    if (m.sdb) {
        sqlite3_exec(m.src, "ROLLBACK", NULL, NULL, NULL);   /* ends the read snapshot */
        db_close(m.sdb);
    }
    free(m.t);
    return rc ? 1 : 0;
}
