/*
 * Prints the store's SQL as PostgreSQL will run it, for psql (check_sql.sh):
 *   dump_sql schema   the PostgreSQL migrations (store_schema_pg.c), in order
 *   dump_sql final    every statement as the PostgreSQL driver prepares it
 *                     (the override, else db_pg_rewrite of the SQLite text) as
 *                     PREPARE <name> AS ...; transaction control is skipped
 *   dump_sql lite     for each override, the rewrite of its SQLite statement
 *                     as PREPARE <name>_lite (it may not compile: check_sql.sh
 *                     compares parameter types where it does)
 * Not built by CMake: check_sql.sh links it against build/libparley_core.a.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "../../server/db.h"
#include "../../server/store_internal.h"

static int is_txn_control(const char *sql)
{
    static const char *const kw[] = { "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE" };
    for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
        if (strncasecmp(sql, kw[i], strlen(kw[i])) == 0) return 1;
    return 0;
}

static int print(const char *mode, const char *name, const char *lite, const char *pg)
{
    if (is_txn_control(lite)) return 0;
    if (strcmp(mode, "lite") == 0 && !pg) return 0;
    char *rw = db_pg_rewrite(lite);
    if (!rw) return -1;
    if (strcmp(mode, "lite") == 0)
        printf("PREPARE %s_lite AS %s;\n", name, rw);
    else
        printf("PREPARE %s AS %s;\n", name, pg ? pg : rw);
    free(rw);
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "schema") == 0) {
        for (int i = 0; i < store_pg_migration_count; i++)
            if (store_pg_migrations[i]) printf("-- version %d\n%s\n", i + 1, store_pg_migrations[i]);
        return 0;
    }
    if (strcmp(mode, "final") != 0 && strcmp(mode, "lite") != 0) {
        fprintf(stderr, "usage: dump_sql schema|final|lite\n");
        return 2;
    }
    char name[32];
    int bad = 0;
    for (int i = 0; i < R__COUNT; i++) {
        snprintf(name, sizeof(name), "r%d", i);
        bad |= print(mode, name, store_read_sql[i], store_read_sql_pg[i]);
    }
    for (int i = 0; i < W__COUNT; i++) {
        snprintf(name, sizeof(name), "w%d", i);
        bad |= print(mode, name, store_write_sql[i], store_write_sql_pg[i]);
    }
    bad |= print(mode, "kpi", store_kpi_sql, store_kpi_sql_pg);
    bad |= print(mode, "kpi_team", store_kpi_team_sql, store_kpi_team_sql_pg);
    return bad ? 1 : 0;
}
