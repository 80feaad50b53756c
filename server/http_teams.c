/*
 * Teams over REST: every signed-in agent reads the list (the transfer menu and
 * the Team list need it), only admins change it. A change waits for its
 * commit before answering. Member ids are checked against the agents here so
 * the 400 can name the offending entry; the foreign key is the backstop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "http_routes.h"
#include "parley/conv.h"
#include "parley/proto_teams.h"
#include "parley/router.h"

struct team_job { uint64_t conn; int status_ok, is_delete; int64_t id; };

static void answer_team(uint64_t conn, int status, int64_t id)
{
    struct store_team t = {0};
    struct store_agent_list agents = {0};
    char *body = NULL;
    if (store_team_get(conv_store(), id, &t) == PL_OK &&
        store_list_agents(conv_store(), &agents) == PL_OK)
        body = proto_team_json(&t, &agents);
    if (body)
        http_respond(conn, status, "application/json", body, "Cache-Control: no-store\r\n");
    else
        http_respond_error(conn, 503, "store_unavailable", "try again", NULL);
    store_team_free(&t);
    store_agent_list_free(&agents);
}

static void stored(void *arg, const struct store_result *res)
{
    struct team_job *j = arg;
    if (res->status == PL_ERR_CONFLICT)
        http_respond_error(j->conn, 409, "conflict", "a team with this name exists", "name");
    else if (res->status == PL_ERR_NOT_FOUND)
        http_respond_error(j->conn, 404, "not_found", "no such team", NULL);
    else if (res->status == PL_ERR_BAD_REQUEST)
        http_respond_error(j->conn, 400, "bad_request", "1 to 64 characters", "name");
    else if (res->status != PL_OK)
        http_respond_error(j->conn, 503, "store_unavailable", "try again", NULL);
    else if (j->is_delete)
        http_respond(j->conn, 200, "application/json", strdup("{\"status\":\"ok\"}"), NULL);
    else
        answer_team(j->conn, j->status_ok, res->id);
    /* Membership or routing changed: a queued conversation may now have someone. */
    if (res->status == PL_OK)
        router_queue_changed();
    free(j);
}

static void list(const struct http_req *r)
{
    struct store_team_list l = {0};
    struct store_agent_list agents = {0};
    if (store_team_list(conv_store(), &l) != PL_OK ||
        store_list_agents(conv_store(), &agents) != PL_OK)
        http_respond_error(r->conn_id, 503, "store_unavailable", "try again", NULL);
    else
        http_json(r, 200, proto_team_list_json(&l, &agents));
    store_team_list_free(&l);
    store_agent_list_free(&agents);
}

/* 0 when every member is an agent; else answers 400 (or 503) and returns -1. */
static int check_members(const struct http_req *r, const struct rest_team *in)
{
    for (size_t i = 0; i < in->n_members; i++) {
        struct store_agent a = {0};
        pl_status s = store_agent_by_id(conv_store(), in->members[i], &a);
        store_agent_free(&a);
        if (s == PL_OK)
            continue;
        char f[32];
        snprintf(f, sizeof(f), "members[%zu]", i);
        if (s == PL_ERR_NOT_FOUND)
            http_respond_error(r->conn_id, 400, "bad_request", "no such agent", f);
        else
            http_respond_error(r->conn_id, 503, "store_unavailable", "try again", NULL);
        return -1;
    }
    return 0;
}

static struct team_job *job_new(const struct http_req *r, int64_t id)
{
    struct team_job *j = calloc(1, sizeof(*j));
    if (!j) {
        http_respond_error(r->conn_id, 500, "internal_error", "out of memory", NULL);
        return NULL;
    }
    j->conn = r->conn_id;
    j->id = id;
    j->status_ok = id ? 200 : 201;
    return j;
}

/* POST (id 0) or PUT (id > 0). */
static void put(const struct http_req *r, int64_t id)
{
    char field[64], msg[128];
    struct rest_team in;
    if (proto_team_decode(r->body, r->body_len, id == 0, &in, field, sizeof(field), msg,
                          sizeof(msg)) != PL_OK) {
        http_respond_error(r->conn_id, 400, "bad_request", msg, field);
        return;
    }
    struct team_job *j = NULL;
    if (!check_members(r, &in) && (j = job_new(r, id))) {
        const int64_t *m = in.has_members ? in.members : NULL;
        pl_status s = id ? store_team_update(conv_store(), id, in.name, m, in.n_members, stored, j)
                         : store_team_create(conv_store(), in.name, m, in.n_members, stored, j);
        if (s != PL_OK) {
            http_respond_error(r->conn_id, 503, "store_unavailable", "try again", NULL);
            free(j);
        }
    }
    proto_team_free(&in);
}

static void delete(const struct http_req *r, int64_t id)
{
    struct team_job *j = job_new(r, id);
    if (!j)
        return;
    j->is_delete = 1;
    if (store_team_delete(conv_store(), id, stored, j) != PL_OK) {
        http_respond_error(r->conn_id, 503, "store_unavailable", "try again", NULL);
        free(j);
    }
}

int http_teams_route(struct http_req *r)
{
    static const struct http_collection c = {"/api/teams", "no such team", list, put, delete};
    return http_collection_route(r, &c);
}
