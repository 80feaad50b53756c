/* Internal to http_api.c / http_admin.c: shared route helpers. */
#ifndef PARLEY_HTTP_ROUTES_H
#define PARLEY_HTTP_ROUTES_H

#include "http_internal.h"
#include "parley/store.h"

/* Responds with body (taken) as JSON, or 500 when body is NULL. */
void http_json(const struct http_req *r, int status, char *body);
/* 0 and fills *out when the request is signed in (and an admin, if asked);
 * otherwise answers 401/403 and returns -1. */
int http_require_agent(const struct http_req *r, int admin, struct store_agent *out);
/* A REST collection `base` with items `base/{id}` (a positive decimal id):
 * any signed-in agent lists (GET base); admins create (POST base: put with
 * id 0), replace (PUT base/{id}) and delete (DELETE base/{id}). Anything else
 * under base is 404 (`missing`) or 405. 1 when the path was under base. */
struct http_collection {
    const char *base, *missing;
    void (*list)(const struct http_req *r);
    void (*put)(const struct http_req *r, int64_t id);
    void (*del)(const struct http_req *r, int64_t id);
};
int http_collection_route(struct http_req *r, const struct http_collection *c);

/* Settings and agent changes (http_settings.c); 1 when the path was one. */
int http_settings_route(struct http_req *r);
/* Login, agents and FAQ endpoints; 1 when the path was one of them. */
int http_admin_route(struct http_req *r);
/* /api/faq/unanswered, /try, /drafts, /import (http_faq_admin.c); 1 when the
 * path and method were one of them. */
int http_faq_admin_route(struct http_req *r);
/* /api/canned and /api/canned/{id} (http_canned.c); 1 when the path was one. */
int http_canned_route(struct http_req *r);
/* /api/webhooks... (http_webhooks.c, admins only); 1 when the path was one. */
int http_webhooks_route(struct http_req *r);
/* /api/settings/hours, /api/settings/widget, /api/widget/config (http_site.c). */
int http_site_route(struct http_req *r);
/* /api/teams and /api/teams/{id} (http_teams.c); 1 when the path was one. */
int http_teams_route(struct http_req *r);
/* GET /api/reports/kpis (http_reports.c). */
void http_reports_kpis(const struct http_req *r);

#endif
