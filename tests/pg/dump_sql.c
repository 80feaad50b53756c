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

/* Names for the statements tests/pg/spot_check.sql runs; the others are r<n>, w<n>. */
static const char *const read_names[R__COUNT] = {
    [R_VISITOR_BY_TOKEN] = "r_visitor_by_token",
    [R_LATEST_CONV] = "r_latest_conv",
    [R_GET_CONV] = "r_get_conv",
    [R_LIST_ANY] = "r_list_any",
    [R_LIST_STATE] = "r_list_state",
    [R_LIST_CLOSED] = "r_list_closed",
    [R_LIST_AGENT] = "r_list_agent",
    [R_MSGS] = "r_msgs",
    [R_MSGS_NOTES] = "r_msgs_notes",
    [R_AGENT_BY_EMAIL] = "r_agent_by_email",
    [R_AGENTS] = "r_agents",
    [R_SESSION_AGENT] = "r_session_agent",
    [R_OPEN_COUNTS] = "r_open_counts",
    [R_SETTINGS] = "r_settings",
    [R_QUEUE] = "r_queue",
    [R_AGENT_LOADS] = "r_agent_loads",
    [R_QUEUE_WAITS] = "r_queue_waits",
    [R_UNANSWERED] = "r_unanswered",
    [R_CANNED_LIST] = "r_canned_list",
    [R_WEBHOOK_DUE] = "r_webhook_due",
    [R_WEBHOOK_PENDING] = "r_webhook_pending",
    [R_SEARCH_CONVS] = "r_search_convs",
    [R_VISITOR_CONVS] = "r_visitor_convs",
    [R_TEAMS] = "r_teams",
    [R_TEAM_SCOPE] = "r_team_scope",
    [R_LIST_TEAM] = "r_list_team",
    [R_LAST_FAQ] = "r_last_faq",
    [R_FAQ_LIST] = "r_faq_list",
};
static const char *const write_names[W__COUNT] = {
    [W_DUP_LOOKUP] = "w_dup_lookup",
    [W_BUMP] = "w_bump",
    [W_INSERT_MSG] = "w_insert_msg",
    [W_INSERT_VISITOR] = "w_insert_visitor",
    [W_INSERT_CONV] = "w_insert_conv",
    [W_EVENT] = "w_event",
    [W_TO_QUEUE] = "w_to_queue",
    [W_CLAIM] = "w_claim",
    [W_CLOSE] = "w_close",
    [W_RATE] = "w_rate",
    [W_INSERT_AGENT] = "w_insert_agent",
    [W_INSERT_SESSION] = "w_insert_session",
    [W_FAQ_UPSERT] = "w_faq_upsert",
    [W_UPDATE_AGENT] = "w_update_agent",
    [W_SETTING_PUT] = "w_setting_put",
    [W_UNANSWERED_ADD] = "w_unanswered_add",
    [W_UNANSWERED_PRUNE] = "w_unanswered_prune",
    [W_CANNED_INSERT] = "w_canned_insert",
    [W_WEBHOOK_INSERT] = "w_webhook_insert",
    [W_WEBHOOK_EMIT] = "w_webhook_emit",
    [W_DELIVERY_PRUNE] = "w_delivery_prune",
    [W_DELIVERY_CLAIM] = "w_delivery_claim",
    [W_TEAM_INSERT] = "w_team_insert",
    [W_TEAM_ADD_MEMBER] = "w_team_add_member",
    [W_CONV_TEAM] = "w_conv_team",
    [W_FEEDBACK] = "w_feedback",
};

static int is_txn_control(const char *sql)
{
    static const char *const kw[] = { "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE" };
    for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
        if (strncasecmp(sql, kw[i], strlen(kw[i])) == 0) return 1;
    return 0;
}

static int print(const char *mode, const char *name, const char *lite, const char *pg)
{
    if (!lite) {              /* PostgreSQL only */
        if (strcmp(mode, "lite") != 0) printf("PREPARE %s AS %s;\n", name, pg);
        return 0;
    }
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
        bad |= print(mode, read_names[i] ? read_names[i] : name, store_read_sql[i], store_read_sql_pg[i]);
    }
    for (int i = 0; i < W__COUNT; i++) {
        snprintf(name, sizeof(name), "w%d", i);
        bad |= print(mode, write_names[i] ? write_names[i] : name, store_write_sql[i], store_write_sql_pg[i]);
    }
    bad |= print(mode, "kpi", store_kpi_sql, store_kpi_sql_pg);
    bad |= print(mode, "kpi_team", store_kpi_team_sql, store_kpi_team_sql_pg);
    return bad ? 1 : 0;
}
