/* The PostgreSQL overrides (store_sql_pg.c) against the SQLite statements they
 * stand for: the same parameter numbers, the KPI query unchanged but for its
 * one cast, and migration lists of one length. Whether they compile and run
 * is tests/pg/check_sql.sh's (it needs a PostgreSQL). */
#include <stdlib.h>
#include <string.h>
#include "../../server/db.h"
#include "../../server/store_internal.h"
#include "testlib.h"

/* The set of parameter numbers (marker ? or $) outside quotes, as bits. */
static uint64_t params(const char *sql, char marker)
{
    uint64_t set = 0;
    char quote = 0;
    for (const char *p = sql; *p; p++) {
        if (quote) {
            if (*p == quote) quote = 0;
        } else if (*p == '\'' || *p == '"') {
            quote = *p;
        } else if (*p == marker && p[1] >= '0' && p[1] <= '9') {
            long n = strtol(p + 1, NULL, 10);
            if (n > 0 && n < 64) set |= (uint64_t)1 << n;
        }
    }
    return set;
}

static void same_params(const char *lite, const char *pg, const char *what, int i)
{
    if (!pg) return;
    if (!lite) {              /* PostgreSQL only: nothing to compare with */
        CHECK(params(pg, '?') == 0);
        return;
    }
    /* The driver may pass an override through the rewrite too: a no-op. */
    char *rw = db_pg_rewrite(pg);
    CHECK_STR(rw, pg);
    free(rw);
    CHECK(params(pg, '?') == 0);
    if (params(lite, '?') != params(pg, '$'))
        fprintf(stderr, "  %s #%d: parameters differ\n", what, i);
    CHECK(params(lite, '?') == params(pg, '$'));
}

/* s with the first `from` replaced by `to` (malloc'd). */
static char *replace(const char *s, const char *from, const char *to)
{
    const char *at = strstr(s, from);
    if (!at) return NULL;
    size_t n = strlen(s) - strlen(from) + strlen(to) + 1;
    char *out = malloc(n);
    if (!out) return NULL;
    size_t k = (size_t)(at - s);
    memcpy(out, s, k);
    strcpy(out + k, to);
    strcat(out, at + strlen(from));
    return out;
}

static void kpi_same(const char *lite, const char *pg)
{
    char *rw = db_pg_rewrite(lite);
    char *want = rw ? replace(rw, "($3 <= 0 OR c.agent_id = $3)",
                              "($3::bigint <= 0 OR c.agent_id = $3)") : NULL;
    CHECK_STR(pg, want);
    free(want);
    free(rw);
}

int main(void)
{
    for (int i = 0; i < R__COUNT; i++) same_params(store_read_sql[i], store_read_sql_pg[i], "read", i);
    for (int i = 0; i < W__COUNT; i++)
        same_params(store_write_sql[i], store_write_sql_pg[i], "write", i);
    same_params(store_kpi_sql, store_kpi_sql_pg, "kpi", 0);
    same_params(store_kpi_team_sql, store_kpi_team_sql_pg, "kpi team", 0);
    kpi_same(store_kpi_sql, store_kpi_sql_pg);
    kpi_same(store_kpi_team_sql, store_kpi_team_sql_pg);
    /* Versions mean the same schema on both: the lists grow together. */
    CHECK(store_pg_migration_count == store_migration_count);
    CHECK(store_pg_migrations[store_pg_migration_count - 1] != NULL);
    return test_summary("store_sql_pg");
}
