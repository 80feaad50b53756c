/*
 * GET /api/reports/kpis: the KPI report (contract: "KPI report").
 *
 * The handler only checks the question and who asks it; the store reads the
 * facts of the range in one query, kpi.c does the arithmetic and proto_kpi.c
 * writes the JSON. An admin may ask about anyone or everyone; an agent only
 * about themselves (no agent parameter means "me"), so an agent's figures are
 * never mixed up with the whole team's by leaving a parameter out. With team,
 * an agent may ask only about a team they belong to. The report itself is
 * computed on the report worker (jobs.h), off the event loop.
 */
#include <stdlib.h>
#include <string.h>
#include "http_internal.h"
#include "http_routes.h"
#include "parley/conv.h"
#include "parley/jobs.h"
#include "parley/kpi.h"
#include "parley/proto_kpi.h"
#include "parley/store_teams.h"

struct kpi_query { int64_t from_day, days, agent_id, team_id; };

static int bad(const struct http_req *r, const char *field, const char *msg)
{
    http_respond_error(r->conn_id, 400, "bad_request", msg, field);
    return -1;
}

static int date_param(const struct http_req *r, const char *name, int64_t *day)
{
    char v[32];
    if (!http_query(r, name, v, sizeof(v)))
        return bad(r, name, "required: a date YYYY-MM-DD (UTC)");
    if (kpi_parse_date(v, day))
        return bad(r, name, "not a date: use YYYY-MM-DD");
    return 0;
}

/* A positive decimal id, or 0 when absent. */
static int id_param(const struct http_req *r, const char *name, int64_t *id)
{
    char v[32];
    *id = 0;
    if (!http_query(r, name, v, sizeof(v)))
        return 0;
    size_t n = strlen(v);
    if (n == 0 || n > 18 || strspn(v, "0123456789") != n || (*id = strtoll(v, NULL, 10)) <= 0)
        return bad(r, name, !strcmp(name, "team") ? "a team id (a positive number)"
                                                  : "an agent id (a positive number)");
    return 0;
}

/* 0 and fills *q, or answers 400 and returns -1. */
static int parse_query(const struct http_req *r, struct kpi_query *q)
{
    int64_t to_day;
    if (date_param(r, "from", &q->from_day) || date_param(r, "to", &to_day) ||
        id_param(r, "agent", &q->agent_id) || id_param(r, "team", &q->team_id))
        return -1;
    if (to_day < q->from_day)
        return bad(r, "to", "must not be before from");
    q->days = to_day - q->from_day + 1;
    if (q->days > KPI_MAX_DAYS)
        return bad(r, "to", "a range is at most 366 days");
    return 0;
}

/* Decides whose figures: 0 and sets q->agent_id, or answers and returns -1. */
/* With team: 0 when it exists (and the asker is an admin or a member). */
static int authorize_team(const struct http_req *r, const struct store_agent *a,
                          const struct kpi_query *q)
{
    struct store_team t = {0};
    pl_status s = store_team_get(conv_store(), q->team_id, &t);
    int member = 0;
    for (size_t i = 0; s == PL_OK && i < t.n_members; i++)
        member |= t.members[i] == a->id;
    store_team_free(&t);
    if (s == PL_ERR_NOT_FOUND)
        http_respond_error(r->conn_id, 404, "not_found", "no such team", "team");
    else if (s != PL_OK)
        http_respond_error(r->conn_id, 503, "store_unavailable", "try again", NULL);
    else if (!member && (!a->role || strcmp(a->role, "admin")))
        http_respond_error(r->conn_id, 403, "forbidden", "agents see only their own teams", "team");
    else
        return 0;
    return -1;
}

static int authorize(const struct http_req *r, const struct store_agent *a, struct kpi_query *q)
{
    if (q->team_id && authorize_team(r, a, q))
        return -1;
    if (!a->role || strcmp(a->role, "admin")) {
        if (q->team_id && (!q->agent_id || q->agent_id == a->id))
            return 0;                    /* a member asking about their team */
        if (q->agent_id && q->agent_id != a->id) {
            http_respond_error(r->conn_id, 403, "forbidden",
                               "agents see only their own figures", "agent");
            return -1;
        }
        q->agent_id = a->id;
        return 0;
    }
    if (!q->agent_id)
        return 0;
    struct store_agent who;
    pl_status s = store_agent_by_id(conv_store(), q->agent_id, &who);
    store_agent_free(&who);
    if (s == PL_OK)
        return 0;
    if (s == PL_ERR_NOT_FOUND)
        http_respond_error(r->conn_id, 404, "not_found", "no such agent", "agent");
    else
        http_respond_error(r->conn_id, 503, "store_unavailable", "try again", NULL);
    return -1;
}

/* A report on its way through the report worker. The scan and the arithmetic run
 * there (a year of conversations takes about a second); the loop only answers. */
struct kpi_job {
    uint64_t conn;
    struct kpi_query q;
    struct store *st;
    pl_status status;
    char *json;                          /* the answer, or NULL */
};

static void kpi_work(void *arg)
{
    struct kpi_job *j = arg;
    struct store_kpi_rows rows = {0};
    struct kpi_report rep = {0};
    j->status = store_kpi_rows_team(j->st, j->q.from_day * KPI_DAY_MS,
                                    (j->q.from_day + j->q.days) * KPI_DAY_MS, j->q.agent_id,
                                    j->q.team_id, &rows);
    if (j->status == PL_OK)
        j->status = kpi_compute(rows.v, rows.n, j->q.from_day, j->q.days, &rep);
    if (j->status == PL_OK && !(j->json = proto_kpi_report(&rep, j->q.agent_id)))
        j->status = PL_ERR_NOMEM;
    kpi_report_free(&rep);
    store_kpi_rows_free(&rows);
}

static void kpi_done(void *arg)
{
    struct kpi_job *j = arg;
    if (j->status == PL_OK) {
        http_respond(j->conn, 200, "application/json", j->json, "Cache-Control: no-store\r\n");
        j->json = NULL;
    } else if (j->status == PL_ERR_NOMEM) {
        http_respond_error(j->conn, 500, "internal_error", "out of memory", NULL);
    } else {
        http_respond_error(j->conn, 503, "store_unavailable", "try again", NULL);
    }
    free(j->json);
    free(j);
}

static void answer(const struct http_req *r, const struct kpi_query *q)
{
    struct kpi_job *j = calloc(1, sizeof(*j));
    if (!j) {
        http_respond_error(r->conn_id, 500, "internal_error", "out of memory", NULL);
        return;
    }
    j->conn = r->conn_id;
    j->q = *q;
    j->st = conv_store();
    if (jobs_submit_to(JOBS_REPORT, kpi_work, kpi_done, j)) {
        free(j);
        http_respond_error(r->conn_id, 503, "unavailable", "shutting down", NULL);
    }
}

void http_reports_kpis(const struct http_req *r)
{
    struct store_agent a;
    if (http_require_agent(r, 0, &a))
        return;
    struct kpi_query q = {0};
    if (!parse_query(r, &q) && !authorize(r, &a, &q))
        answer(r, &q);
    store_agent_free(&a);
}
