/*
 * Runs store_pg_migrate (server/store_migrate_pg.c) on a real PostgreSQL:
 *   migrate_check URL   four processes migrate a fresh database at once (the
 *                       advisory lock must make them take turns), then again
 *                       (a no-op), then one that is "newer" is refused.
 * The db_* functions below are the few the runner uses, over libpq, with no
 * parameters: a test stand-in, not the driver (server/db_pg.c is that).
 * Not built by CMake: check_sql.sh compiles it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <libpq-fe.h>
#include "../../server/db.h"
#include "../../server/store_internal.h"

struct db { PGconn *c; };
struct db_stmt { struct db *db; char *sql; PGresult *res; int row; };

const char *db_errmsg(struct db *db) { return PQerrorMessage(db->c); }

int db_exec(struct db *db, const char *sql)
{
    PGresult *r = PQexec(db->c, sql);
    ExecStatusType st = PQresultStatus(r);
    PQclear(r);
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? DB_OK : DB_ERROR;
}

int db_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
    struct db_stmt *s = calloc(1, sizeof(*s));
    if (!s || !(s->sql = strdup(sql))) { free(s); *out = NULL; return DB_NOMEM; }
    s->db = db;
    s->row = -1;
    *out = s;
    return DB_OK;
}

int db_step(struct db_stmt *s)
{
    if (!s->res) {
        s->res = PQexec(s->db->c, s->sql);
        ExecStatusType st = PQresultStatus(s->res);
        if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) return DB_ERROR;
    }
    return ++s->row < PQntuples(s->res) ? DB_ROW : DB_DONE;
}

int64_t db_col_int(struct db_stmt *s, int i)
{
    return strtoll(PQgetvalue(s->res, s->row, i), NULL, 10);
}

void db_finalize(struct db_stmt *s)
{
    if (!s) return;
    PQclear(s->res);
    free(s->sql);
    free(s);
}

static int migrate(const char *url)
{
    struct db db = { PQconnectdb(url) };
    if (PQstatus(db.c) != CONNECTION_OK) {
        fprintf(stderr, "connect: %s", PQerrorMessage(db.c));
        PQfinish(db.c);
        return -1;
    }
    pl_status s = store_pg_migrate(&db);
    PQfinish(db.c);
    return s == PL_OK ? 0 : 1;
}

static int sql(const char *url, const char *q, char *out, size_t len)
{
    PGconn *c = PQconnectdb(url);
    PGresult *r = PQexec(c, q);
    int ok = PQresultStatus(r) == PGRES_TUPLES_OK || PQresultStatus(r) == PGRES_COMMAND_OK;
    if (out) snprintf(out, len, "%s", ok && PQntuples(r) ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    PQfinish(c);
    return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc != 2) { fprintf(stderr, "usage: migrate_check URL\n"); return 2; }
    const char *url = argv[1];
    int failed = 0;
    for (int i = 0; i < 4; i++)
        if (fork() == 0) _exit(migrate(url) == 0 ? 0 : 1);
    for (int i = 0, st; i < 4; i++)
        if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) failed = 1;
    char v[32] = "";
    sql(url, "SELECT string_agg(version::text, ',') FROM parley_schema", v, sizeof(v));
    char want[32];
    snprintf(want, sizeof(want), "%d", store_pg_migration_count);
    if (failed || strcmp(v, want) != 0) {
        fprintf(stderr, "migrate: concurrent runs failed=%d, versions %s\n", failed, v);
        return 1;
    }
    if (migrate(url) != 0) { fprintf(stderr, "migrate: second run failed\n"); return 1; }
    sql(url, "UPDATE parley_schema SET version = version + 1", NULL, 0);
    fprintf(stderr, "(a refusal is expected next)\n");
    if (migrate(url) != 1) { fprintf(stderr, "migrate: a newer database was not refused\n"); return 1; }
    sql(url, "UPDATE parley_schema SET version = version - 1", NULL, 0);
    printf("migrate: 4 concurrent runs to version %s, a no-op rerun, a newer database refused\n", v);
    return 0;
}
