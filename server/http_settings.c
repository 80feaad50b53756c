/*
 * Admin settings over REST: the assignment mode, and changing an agent (name,
 * role, capacity, deactivation). Each change waits for its commit, then takes
 * effect at once: a new mode or a larger capacity lets the router assign what
 * is waiting, and a deactivated agent's open dashboards are closed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "http_routes.h"
#include "parley/conv.h"
#include "parley/proto_rest.h"
#include "parley/router.h"

struct change { uint64_t conn; int64_t agent_id; int auto_assign, deactivate; };

static void settings_stored(void *arg, const struct store_result *r)
{
    struct change *c = arg;
    if (r->status != PL_OK) {
        http_respond_error(c->conn, 503, "store_unavailable", "try again", NULL);
    } else {
        router_set_auto(c->auto_assign);
        router_queue_changed();
        http_respond(c->conn, 200, "application/json", proto_rest_settings_json(c->auto_assign),
                     NULL);
    }
    free(c);
}

static void put_settings(const struct http_req *r)
{
    char field[64], msg[128];
    struct rest_settings in;
    if (proto_rest_settings(r->body, r->body_len, &in, field, sizeof(field), msg, sizeof(msg))) {
        http_respond_error(r->conn_id, 400, "bad_request", msg, field);
        return;
    }
    struct change *c = calloc(1, sizeof(*c));
    if (!in.assignment) {                /* nothing to change */
        free(c);
        http_json(r, 200, proto_rest_settings_json(router_auto()));
    } else if (!c) {
        http_respond_error(r->conn_id, 500, "internal_error", "out of memory", NULL);
    } else {
        c->conn = r->conn_id;
        c->auto_assign = !strcmp(in.assignment, "auto");
        if (store_setting_put(conv_store(), "assignment", in.assignment, settings_stored, c)) {
            free(c);
            http_respond_error(r->conn_id, 503, "store_unavailable", "try again", NULL);
        }
    }
    proto_rest_settings_free(&in);
}

static void close_agent_conns(struct conn *conn, void *arg)
{
    const int64_t *id = arg;
    if (conn->kind == CONN_AGENT && conn->agent_id == *id)
        conn_close_after_flush(conn, CONN_CLOSE_UNAUTHORIZED);
}

static void agent_updated(void *arg, const struct store_result *r)
{
    struct change *c = arg;
    struct store_agent a = {0};
    if (r->status == PL_ERR_NOT_FOUND) {
        http_respond_error(c->conn, 404, "not_found", "no such agent", NULL);
    } else if (r->status == PL_ERR_BAD_REQUEST) {
        http_respond_error(c->conn, 400, "bad_request", "a value is out of range", NULL);
    } else if (r->status != PL_OK || store_agent_by_id(conv_store(), c->agent_id, &a) != PL_OK) {
        http_respond_error(c->conn, 503, "store_unavailable", "try again", NULL);
    } else {
        if (c->deactivate)
            conn_each(close_agent_conns, &c->agent_id);
        router_queue_changed();
        http_respond(c->conn, 200, "application/json", proto_rest_agent(&a), NULL);
    }
    store_agent_free(&a);
    free(c);
}

static void patch_agent(const struct http_req *r, const char *id_text)
{
    char field[64], msg[128], *end;
    int64_t id = strtoll(id_text, &end, 10);
    if (*end || id <= 0) {
        http_respond_error(r->conn_id, 404, "not_found", "no such agent", NULL);
        return;
    }
    struct rest_agent_update in;
    if (proto_rest_agent_update(r->body, r->body_len, &in, field, sizeof(field), msg, sizeof(msg))) {
        http_respond_error(r->conn_id, 400, "bad_request", msg, field);
        return;
    }
    struct change *c = calloc(1, sizeof(*c));
    struct store_agent_update u = {in.name, in.role, in.capacity, in.active};
    if (!c) {
        http_respond_error(r->conn_id, 500, "internal_error", "out of memory", NULL);
    } else {
        c->conn = r->conn_id;
        c->agent_id = id;
        c->deactivate = in.active == 0;
        if (store_update_agent(conv_store(), id, &u, agent_updated, c) != PL_OK) {
            free(c);
            http_respond_error(r->conn_id, 503, "store_unavailable", "try again", NULL);
        }
    }
    proto_rest_agent_update_free(&in);
}

int http_settings_route(struct http_req *r)
{
    const char *p = r->path;
    int settings = !strcmp(p, "/api/settings");
    const char *agent = !strncmp(p, "/api/agents/", 12) && p[12] && !strchr(p + 12, '/') ? p + 12 : NULL;
    if (!settings && !agent)
        return 0;
    struct store_agent a;
    if (http_require_agent(r, 1, &a))
        return 1;
    store_agent_free(&a);
    if (settings && r->method == HTTP_GET)
        http_json(r, 200, proto_rest_settings_json(router_auto()));
    else if (settings && r->method == HTTP_PUT)
        put_settings(r);
    else if (agent && r->method == HTTP_PATCH)
        patch_agent(r, agent);
    else
        http_respond_error(r->conn_id, 405, "bad_request", "method not allowed", NULL);
    return 1;
}
