/*
 * Admin settings over REST: the assignment mode, the extra phrases that ask for
 * a person, and changing an agent (name, role, capacity, deactivation). Each
 * change waits for its commit, then takes effect at once: a new mode or a larger
 * capacity lets the router assign what is waiting, new phrases recompile the
 * human-request matcher, and a deactivated agent's open dashboards are closed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "http_routes.h"
#include "parley/sync.h"
#include "parley/conv.h"
#include "parley/faq.h"
#include "parley/proto_rest.h"
#include "parley/router.h"

struct change { uint64_t conn; int64_t agent_id; int auto_assign, deactivate; };

/* A PUT /api/settings on its way through the store: each key is stored in
 * turn and takes effect once committed. */
struct settings_put {
    uint64_t conn;
    char *assignment;                    /* still to store, or NULL */
    char *phrases_json;                  /* still to store, or NULL */
    char **phrases; size_t n_phrases;
};

static void settings_put_free(struct settings_put *c)
{
    free(c->assignment);
    free(c->phrases_json);
    for (size_t i = 0; i < c->n_phrases; i++)
        free(c->phrases[i]);
    free(c->phrases);
    free(c);
}

static char *settings_json(void)
{
    const char *const *v;
    size_t n = faq_extra_human_phrases(&v);
    return proto_rest_settings_json(router_auto(), v, n);
}

static void settings_stored(void *arg, const struct store_result *r);

/* Stores the next key; 0 when one was sent, 1 when none is left, -1 on failure. */
static int store_next(struct settings_put *c)
{
    if (c->assignment)
        return store_setting_put(conv_store(), "assignment", c->assignment, settings_stored, c)
               ? -1 : 0;
    if (c->phrases_json)
        return store_setting_put(conv_store(), "human_phrases", c->phrases_json, settings_stored,
                                 c) ? -1 : 0;
    return 1;
}

static void settings_stored(void *arg, const struct store_result *r)
{
    struct settings_put *c = arg;
    char field[64], msg[160];
    if (r->status != PL_OK) {
        http_respond_error(c->conn, 503, "store_unavailable", "try again", NULL);
        settings_put_free(c);
        return;
    }
    if (c->assignment) {                 /* that was the assignment */
        router_set_auto(!strcmp(c->assignment, "auto"));
        router_queue_changed();
        free(c->assignment);
        c->assignment = NULL;
    } else if (c->phrases_json) {        /* that was the phrases */
        free(c->phrases_json);
        c->phrases_json = NULL;
        if (faq_set_extra_human_phrases((const char *const *)c->phrases, c->n_phrases, field,
                                        sizeof(field), msg, sizeof(msg))) {
            http_respond_error(c->conn, 500, "internal_error", "the phrases could not be applied",
                               NULL);
            settings_put_free(c);
            return;
        }
    }
    int next = store_next(c);
    if (next == 0)
        return;
    if (next < 0)
        http_respond_error(c->conn, 503, "store_unavailable", "try again", NULL);
    else {
        sync_announce();
        http_respond(c->conn, 200, "application/json", settings_json(), NULL);
    }
    settings_put_free(c);
}

static void put_settings(const struct http_req *r)
{
    char field[64], msg[160];
    struct rest_settings in;
    if (proto_rest_settings(r->body, r->body_len, &in, field, sizeof(field), msg, sizeof(msg))) {
        http_respond_error(r->conn_id, 400, "bad_request", msg, field);
        return;
    }
    if (in.has_human_phrases &&
        faq_check_human_phrases((const char *const *)in.human_phrases, in.n_human_phrases, field,
                                sizeof(field), msg, sizeof(msg))) {
        http_respond_error(r->conn_id, 400, "bad_request", msg, field);
        proto_rest_settings_free(&in);
        return;
    }
    if (!in.assignment && !in.has_human_phrases) {   /* nothing to change */
        http_json(r, 200, settings_json());
        proto_rest_settings_free(&in);
        return;
    }
    struct settings_put *c = calloc(1, sizeof(*c));
    if (c) {
        c->conn = r->conn_id;
        c->assignment = in.assignment;
        in.assignment = NULL;
        if (in.has_human_phrases) {
            c->phrases = in.human_phrases;
            c->n_phrases = in.n_human_phrases;
            in.human_phrases = NULL;
            in.n_human_phrases = 0;
            c->phrases_json = proto_rest_phrases_json((const char *const *)c->phrases,
                                                      c->n_phrases);
        }
    }
    if (!c || (in.has_human_phrases && !c->phrases_json)) {
        http_respond_error(r->conn_id, 500, "internal_error", "out of memory", NULL);
        if (c) settings_put_free(c);
    } else if (store_next(c)) {
        http_respond_error(r->conn_id, 503, "store_unavailable", "try again", NULL);
        settings_put_free(c);
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
        http_json(r, 200, settings_json());
    else if (settings && r->method == HTTP_PUT)
        put_settings(r);
    else if (agent && r->method == HTTP_PATCH)
        patch_agent(r, agent);
    else
        http_respond_error(r->conn_id, 405, "bad_request", "method not allowed", NULL);
    return 1;
}
