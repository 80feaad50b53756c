/*
 * The router and the read-only endpoints: /healthz, /metrics, conversations
 * and transcripts. Writes that need slow work live in http_admin.c.
 *
 * What an agent may read: the queue, conversations assigned to them, and
 * (read-only) those of their teams (store_team_scope); an admin reads
 * everything. Anything else is answered exactly like a conversation
 * that does not exist, so ids can't be probed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "http_internal.h"
#include "http_routes.h"
#include "parley/auth.h"
#include "parley/conv.h"
#include "parley/kpi.h"
#include "parley/metrics.h"
#include "parley/proto_rest.h"
#include "parley/store_teams.h"

int http_query(const struct http_req *r, const char *name, char *out, size_t len)
{
    size_t n = strlen(name);
    for (const char *p = r->query; *p;) {
        const char *amp = strchr(p, '&'), *end = amp ? amp : p + strlen(p);
        if ((size_t)(end - p) > n && !strncmp(p, name, n) && p[n] == '=') {
            snprintf(out, len, "%.*s", (int)(end - p - (long)n - 1), p + n + 1);
            return 1;
        }
        p = amp ? amp + 1 : end;
    }
    return 0;
}

void http_respond_error(uint64_t conn_id, int status, const char *code, const char *msg,
                        const char *field)
{
    metrics_count_error(code);
    http_respond(conn_id, status, "application/json", proto_rest_error(code, msg, field), NULL);
}

void http_json(const struct http_req *r, int status, char *body)
{
    if (!body) {
        http_respond_error(r->conn_id, 500, "internal_error", "out of memory", NULL);
        return;
    }
    http_respond(r->conn_id, status, "application/json", body, "Cache-Control: no-store\r\n");
}

/* The id in base/{id}: > 0, digits only; 0 when it is not one. */
static int64_t path_id(const char *s)
{
    char *end;
    if (*s < '0' || *s > '9')
        return 0;
    long long id = strtoll(s, &end, 10);
    return *end || id <= 0 ? 0 : (int64_t)id;
}

int http_collection_route(struct http_req *r, const struct http_collection *c)
{
    size_t n = strlen(c->base);
    const char *p = r->path, *rest = NULL;
    if (!strncmp(p, c->base, n) && p[n] == '/' && p[n + 1])
        rest = p + n + 1;
    else if (strcmp(p, c->base) != 0)
        return 0;
    enum http_method m = r->method;
    struct store_agent a;
    if (http_require_agent(r, !rest && m == HTTP_GET ? 0 : 1, &a))
        return 1;
    store_agent_free(&a);
    int64_t id = rest ? path_id(rest) : 0;
    if (rest && !id)
        http_respond_error(r->conn_id, 404, "not_found", c->missing, NULL);
    else if (!rest && m == HTTP_GET)
        c->list(r);
    else if (!rest && m == HTTP_POST)
        c->put(r, 0);
    else if (rest && m == HTTP_PUT)
        c->put(r, id);
    else if (rest && m == HTTP_DELETE)
        c->del(r, id);
    else
        http_respond_error(r->conn_id, 405, "bad_request", "method not allowed", NULL);
    return 1;
}

int http_require_agent(const struct http_req *r, int admin, struct store_agent *out)
{
    memset(out, 0, sizeof(*out));
    uint8_t hash[32];
    if (r->token[0]) {
        auth_hash_token(r->token, hash);
        pl_status s = store_session_agent(conv_store(), hash, pl_now_ms(), out);
        if (s == PL_OK) {
            if (!admin || (out->role && !strcmp(out->role, "admin")))
                return 0;
            store_agent_free(out);
            http_respond_error(r->conn_id, 403, "forbidden", "admins only", NULL);
            return -1;
        }
        if (s != PL_ERR_NOT_FOUND) {
            http_respond_error(r->conn_id, 503, "store_unavailable", "try again", NULL);
            return -1;
        }
    }
    http_respond_error(r->conn_id, 401, "unauthorized", "sign in first (Bearer token or session cookie)",
                       NULL);
    return -1;
}

static void health(const struct http_req *r)
{
    int ok = store_healthy(conv_store()), bus_ok = bus_healthy();
    http_json(r, ok && bus_ok ? 200 : 503, proto_rest_health(ok, bus_ok));
}

static void metrics(const struct http_req *r)
{
    char *page = metrics_render();
    if (!page)
        http_respond_error(r->conn_id, 500, "internal_error", "out of memory", NULL);
    else
        http_respond(r->conn_id, 200, "text/plain; version=0.0.4; charset=utf-8", page, NULL);
}

/* A UTC day YYYY-MM-DD into *day (days since 1970), when the parameter is given:
 * 0 absent, 1 given, -1 answered 400. */
static int day_param(const struct http_req *r, const char *name, int64_t *day)
{
    char v[32];
    if (!http_query(r, name, v, sizeof(v)))
        return 0;
    if (kpi_parse_date(v, day)) {
        http_respond_error(r->conn_id, 400, "bad_request", "not a date: use YYYY-MM-DD (UTC)", name);
        return -1;
    }
    return 1;
}

/* The search filters (q, from, to, limit): 0 ok, -1 answered 400. */
static int search_params(const struct http_req *r, struct store_conv_search *q, char *text,
                         size_t tlen, int *searching)
{
    int64_t from_day = 0, to_day = 0;
    int has_q = http_query(r, "q", text, tlen);
    int has_from = day_param(r, "from", &from_day);
    if (has_from < 0) return -1;
    int has_to = day_param(r, "to", &to_day);
    if (has_to < 0) return -1;
    if (has_from && has_to && to_day < from_day) {
        http_respond_error(r->conn_id, 400, "bad_request", "must not be before from", "to");
        return -1;
    }
    *searching = (has_q && text[0]) || has_from || has_to;
    q->text = has_q && text[0] ? text : NULL;
    q->from_ms = has_from ? from_day * KPI_DAY_MS : 0;
    q->to_ms = has_to ? (to_day + 1) * KPI_DAY_MS : 0;
    q->limit = *searching ? 50 : 500;
    char v[32];
    if (http_query(r, "limit", v, sizeof(v))) {
        size_t n = strlen(v);
        long long l = n && n <= 4 && strspn(v, "0123456789") == n ? strtoll(v, NULL, 10) : 0;
        if (l < 1 || l > 500) {
            http_respond_error(r->conn_id, 400, "bad_request", "limit must be 1 to 500", "limit");
            return -1;
        }
        q->limit = (size_t)l;
    }
    return 0;
}

/* ?scope=team: 1, absent: 0, anything else -1 (answered 400). */
static int scope_param(const struct http_req *r)
{
    char v[16];
    if (!http_query(r, "scope", v, sizeof(v)))
        return 0;
    if (!strcmp(v, "team"))
        return 1;
    http_respond_error(r->conn_id, 400, "bad_request", "scope must be team", "scope");
    return -1;
}

static void list_conversations(const struct http_req *r)
{
    struct store_agent a;
    if (http_require_agent(r, 0, &a))
        return;
    char state[16] = "";
    enum conv_state st = CONV_BOT;
    int want = -1;
    if (http_query(r, "state", state, sizeof(state))) {
        if (conv_state_parse(state, &st)) {
            store_agent_free(&a);
            http_respond_error(r->conn_id, 400, "bad_request",
                               "state must be bot, queued, assigned or closed", "state");
            return;
        }
        want = (int)st;
    }
    struct store_conv_search q = { .state = want };
    char text[sizeof(r->query)];
    int searching = 0, team = scope_param(r);
    if (team < 0 || search_params(r, &q, text, sizeof(text), &searching)) {
        store_agent_free(&a);
        return;
    }
    int is_admin = a.role && !strcmp(a.role, "admin");
    /* Agents see the queue and the offline list (anyone may claim those), and
     * only their own of the rest; scope=team widens (or, for an admin, narrows)
     * that to their teams' conversations. */
    int64_t only = is_admin || team || want == CONV_QUEUED || want == CONV_OFFLINE ? 0 : a.id;
    q.agent_id = only;
    q.team_of = team ? a.id : 0;
    struct store_conversation_list l = {0};
    pl_status s = searching ? store_search_conversations(conv_store(), &q, &l)
                  : team    ? store_list_team_conversations(conv_store(), a.id, want, q.limit, &l)
                            : store_list_conversations(conv_store(), want, only, q.limit, &l);
    if (s != PL_OK)
        http_respond_error(r->conn_id, 503, "store_unavailable", "try again", NULL);
    else
        http_json(r, 200, proto_rest_conversations(&l));
    store_conversation_list_free(&l);
    store_agent_free(&a);
}

/* Without the team scope; may_read adds it when this says no. */
static int may_read_own(const struct store_agent *a, const struct store_conversation *c)
{
    return (a->role && !strcmp(a->role, "admin")) || c->state == CONV_QUEUED ||
           c->state == CONV_OFFLINE ||
           (c->agent_id && c->agent_id == a->id);
}

/* *ok = may read; the team scope is read only when needed (*ts loaded once,
 * the caller frees it). PL_OK or why the scope could not be read. */
static pl_status may_read(const struct store_agent *a, const struct store_conversation *c,
                          struct store_team_scope *ts, int *loaded, int *ok)
{
    *ok = may_read_own(a, c);
    if (*ok)
        return PL_OK;
    if (!*loaded) {
        pl_status s = store_team_scope(conv_store(), a->id, ts);
        if (s != PL_OK)
            return s;
        *loaded = 1;
    }
    *ok = store_team_scope_covers(ts, c->team_id, c->agent_id);
    return PL_OK;
}

static void transcript(const struct http_req *r, const char *conv_id)
{
    struct store_agent a;
    if (http_require_agent(r, 0, &a))
        return;
    struct store_conversation c = {0};
    struct store_message_list m = {0};
    struct store_team_scope ts = {0};
    int loaded = 0, ok = 0;
    pl_status s = store_get_conversation(conv_store(), conv_id, &c);
    if (s == PL_OK && (s = may_read(&a, &c, &ts, &loaded, &ok)) == PL_OK && !ok)
        s = PL_ERR_NOT_FOUND;
    if (s == PL_OK)
        s = store_messages_after(conv_store(), conv_id, 0, 1, 0, &m);
    char fmt[16] = "json";
    http_query(r, "format", fmt, sizeof(fmt));
    if (s == PL_ERR_NOT_FOUND)
        http_respond_error(r->conn_id, 404, "not_found", "no such conversation", NULL);
    else if (s != PL_OK)
        http_respond_error(r->conn_id, 503, "store_unavailable", "try again", NULL);
    else if (!strcmp(fmt, "text"))
        http_respond(r->conn_id, 200, "text/plain; charset=utf-8", proto_rest_transcript_text(&c, &m),
                     "Cache-Control: no-store\r\n");
    else
        http_json(r, 200, proto_rest_transcript(&c, &m));
    store_team_scope_free(&ts);
    store_message_list_free(&m);
    store_conversation_free(&c);
    store_agent_free(&a);
}

/* The most of a visitor's conversations one history answer lists. */
#define VISITOR_HISTORY_MAX 500

/* GET /api/visitors/{id}/conversations: listed to an agent who may read at least
 * one of them (may_read, teams included); anyone else gets 404, like an unknown visitor. */
static void visitor_conversations(const struct http_req *r, const char *visitor_id)
{
    struct store_agent a;
    if (http_require_agent(r, 0, &a))
        return;
    struct store_visitor_conv_list l = {0};
    pl_status s = store_visitor_conversations(conv_store(), visitor_id, VISITOR_HISTORY_MAX, &l);
    int *readable = s == PL_OK ? calloc(l.n + 1, sizeof(*readable)) : NULL;
    int any = 0, loaded = 0;
    struct store_team_scope ts = {0};
    if (s == PL_OK && !readable)
        s = PL_ERR_NOMEM;
    for (size_t i = 0; s == PL_OK && i < l.n; i++) {
        struct store_conversation c = { .state = l.v[i].state, .agent_id = l.v[i].agent_id,
                                        .team_id = l.v[i].team_id };
        s = may_read(&a, &c, &ts, &loaded, &readable[i]);
        any |= readable[i];
    }
    store_team_scope_free(&ts);
    if (s == PL_OK && !any)
        http_respond_error(r->conn_id, 404, "not_found", "no such visitor", NULL);
    else if (s == PL_ERR_NOMEM)
        http_respond_error(r->conn_id, 500, "internal_error", "out of memory", NULL);
    else if (s != PL_OK)
        http_respond_error(r->conn_id, 503, "store_unavailable", "try again", NULL);
    else
        http_json(r, 200, proto_rest_visitor_conversations(visitor_id, &l, readable));
    free(readable);
    store_visitor_conv_list_free(&l);
    store_agent_free(&a);
}

/* "/api/conversations/{id}/transcript" -> id, or NULL. */
static int path_param(const char *path, const char *prefix, const char *suffix, char *out,
                      size_t len)
{
    size_t p = strlen(prefix), s = strlen(suffix), n = strlen(path);
    if (n <= p + s || strncmp(path, prefix, p) || strcmp(path + n - s, suffix))
        return 0;
    size_t idlen = n - p - s;
    if (idlen >= len || memchr(path + p, '/', idlen))
        return 0;
    memcpy(out, path + p, idlen);
    out[idlen] = '\0';
    return 1;
}

void http_route(struct http_req *r)
{
    char id[128];
    const char *p = r->path;
    int get = r->method == HTTP_GET || r->method == HTTP_HEAD;
    if (http_static_serve(r))
        return;
    if (!strcmp(p, "/agent")) {
        http_respond(r->conn_id, 301, "text/plain", strdup("/agent/"), "Location: /agent/\r\n");
        return;
    }
    if (get && !strcmp(p, "/healthz"))
        health(r);
    else if (get && !strcmp(p, "/metrics"))
        metrics(r);
    else if (get && !strcmp(p, "/api/conversations"))
        list_conversations(r);
    else if (get && path_param(p, "/api/conversations/", "/transcript", id, sizeof(id)))
        transcript(r, id);
    else if (get && path_param(p, "/api/visitors/", "/conversations", id, sizeof(id)))
        visitor_conversations(r, id);
    else if (get && !strcmp(p, "/api/reports/kpis"))
        http_reports_kpis(r);
    else if (http_site_route(r))
        ;
    else if (!http_admin_route(r))
        http_respond_error(r->conn_id, 404, "not_found", "no such resource", NULL);
}
