/*
 * Site settings over REST (admin): GET/PUT /api/settings/hours and
 * /api/settings/widget; and the widget's public GET /api/widget/config.
 *
 * The config is a plain GET rather than fields of the welcome frame because the
 * pre-chat form has to show before the first hello (which creates the visitor),
 * and the colour and position before the chat is even opened. The widget is
 * loaded from Parley's origin into the customer's page, so the request is
 * cross-origin: it is answered with CORS headers, never with credentials (it
 * carries nothing private), to any origin, or only to --allowed-origins when
 * that is set (others get no Access-Control-Allow-Origin, so their browsers
 * refuse to read it, as their WebSockets are refused).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "http_routes.h"
#include "parley/sync.h"
#include "parley/conv.h"
#include "parley/proto_site.h"
#include "parley/router.h"
#include "parley/ws.h"

struct site_put {
    uint64_t conn;
    int is_hours;
    struct site_hours h;
    struct site_widget w;
};

static void site_stored(void *arg, const struct store_result *r)
{
    struct site_put *c = arg;
    if (r->status != PL_OK) {
        http_respond_error(c->conn, 503, "store_unavailable", "try again", NULL);
        free(c);
        return;
    }
    sync_announce();                     /* committed: the other nodes reload it */
    if (c->is_hours) {
        if (site_set_hours(&c->h) != PL_OK)
            http_respond_error(c->conn, 500, "internal_error", "the zone could not be applied",
                               NULL);
        else
            http_respond(c->conn, 200, "application/json", proto_site_hours_json(site_hours()),
                         NULL);
    } else {
        site_set_widget(&c->w);
        http_respond(c->conn, 200, "application/json", proto_site_widget_json(site_widget()), NULL);
    }
    free(c);
}

static void put_site(const struct http_req *r, int is_hours)
{
    char field[64] = "", msg[160];
    struct site_put *c = calloc(1, sizeof(*c));
    if (!c) {
        http_respond_error(r->conn_id, 500, "internal_error", "out of memory", NULL);
        return;
    }
    c->conn = r->conn_id;
    c->is_hours = is_hours;
    pl_status s = is_hours ? proto_site_hours(r->body, r->body_len, site_hours(), &c->h, field,
                                              sizeof(field), msg, sizeof(msg))
                           : proto_site_widget(r->body, r->body_len, site_widget(), &c->w, field,
                                               sizeof(field), msg, sizeof(msg));
    if (s != PL_OK) {
        http_respond_error(r->conn_id, 400, "bad_request", msg, field[0] ? field : NULL);
        free(c);
        return;
    }
    char *json = is_hours ? proto_site_hours_json(&c->h) : proto_site_widget_json(&c->w);
    if (!json) {
        http_respond_error(r->conn_id, 500, "internal_error", "out of memory", NULL);
        free(c);
        return;
    }
    if (store_setting_put(conv_store(), is_hours ? "hours" : "widget", json, site_stored, c) !=
        PL_OK) {
        http_respond_error(r->conn_id, 503, "store_unavailable", "try again", NULL);
        free(c);
    }
    free(json);
}

static void widget_config(const struct http_req *r)
{
    char cors[512] = "";
    if (!ws_origins_restricted())
        snprintf(cors, sizeof(cors), "Access-Control-Allow-Origin: *\r\n");
    else if (r->origin[0] && ws_origin_listed(r->origin))
        snprintf(cors, sizeof(cors), "Access-Control-Allow-Origin: %s\r\nVary: Origin\r\n",
                 r->origin);
    else
        snprintf(cors, sizeof(cors), "Vary: Origin\r\n");
    /* "open" and "agents_online" change by the minute: never cached. */
    strncat(cors, "Cache-Control: no-store\r\n", sizeof(cors) - strlen(cors) - 1);
    if (r->method == HTTP_OPTIONS) {
        strncat(cors, "Access-Control-Allow-Methods: GET\r\n", sizeof(cors) - strlen(cors) - 1);
        http_respond(r->conn_id, 204, "text/plain", strdup(""), cors);
        return;
    }
    char *body = proto_site_config_json(site_widget(), site_hours(), site_open_now(),
                                        router_online_agents() > 0, site_offline_now());
    if (!body)
        http_respond_error(r->conn_id, 500, "internal_error", "out of memory", NULL);
    else
        http_respond(r->conn_id, 200, "application/json", body, cors);
}

int http_site_route(struct http_req *r)
{
    const char *p = r->path;
    if (!strcmp(p, "/api/widget/config")) {
        if (r->method == HTTP_GET || r->method == HTTP_HEAD || r->method == HTTP_OPTIONS)
            widget_config(r);
        else
            http_respond_error(r->conn_id, 405, "bad_request", "method not allowed", NULL);
        return 1;
    }
    int hours = !strcmp(p, "/api/settings/hours"), widget = !strcmp(p, "/api/settings/widget");
    if (!hours && !widget)
        return 0;
    struct store_agent a;
    if (http_require_agent(r, 1, &a))
        return 1;
    store_agent_free(&a);
    if (r->method == HTTP_GET)
        http_json(r, 200, hours ? proto_site_hours_json(site_hours())
                                : proto_site_widget_json(site_widget()));
    else if (r->method == HTTP_PUT)
        put_site(r, hours);
    else
        http_respond_error(r->conn_id, 405, "bad_request", "method not allowed", NULL);
    return 1;
}
