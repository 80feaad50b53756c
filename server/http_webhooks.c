/*
 * Webhooks over REST, admins only (agents get 403): the hooks, their delivery
 * log, a test ping and a manual retry. Each change answers after its commit.
 * The secret is made here (32 random bytes, hex) and shown once, in the create
 * answer; later reads never include it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "http_routes.h"
#include "parley/sync.h"
#include "parley/conv.h"
#include "parley/proto_webhook.h"
#include "parley/store_webhooks.h"
#include "parley/webhook.h"

#define DELIVERIES_PAGE 100

enum kind { K_CREATE, K_UPDATE, K_DELETE, K_PING, K_RETRY };
struct hook_job { uint64_t conn; enum kind kind; struct store_webhook w; };

static void job_free(struct hook_job *j)
{
    store_webhook_free(&j->w);
    free(j);
}

static void stored(void *arg, const struct store_result *res)
{
    struct hook_job *j = arg;
    char buf[64];
    if (j->kind <= K_DELETE && res->status == PL_OK) {
        webhook_reload();
        sync_announce();                 /* the other nodes' senders and masks too */
    }
    if (j->kind == K_CREATE && res->status == PL_ERR_CONFLICT) {
        snprintf(buf, sizeof(buf), "at most %d webhooks", STORE_WEBHOOKS_MAX);
        http_respond_error(j->conn, 400, "bad_request", buf, NULL);
    } else if (res->status == PL_ERR_NOT_FOUND) {
        http_respond_error(j->conn, 404, "not_found",
                           j->kind == K_RETRY ? "no such delivery" : "no such webhook", NULL);
    } else if (res->status == PL_ERR_BAD_REQUEST) {
        http_respond_error(j->conn, 400, "bad_request", "not an http:// or https:// URL", "url");
    } else if (res->status != PL_OK) {
        http_respond_error(j->conn, 503, "store_unavailable", "try again", NULL);
    } else if (j->kind == K_DELETE) {
        http_respond(j->conn, 200, "application/json", strdup("{\"status\":\"ok\"}"), NULL);
    } else if (j->kind == K_PING || j->kind == K_RETRY) {
        webhook_kick();
        snprintf(buf, sizeof(buf), "{\"delivery\":%lld}", (long long)res->id);
        http_respond(j->conn, 202, "application/json", strdup(buf), "Cache-Control: no-store\r\n");
    } else {
        if (j->kind == K_CREATE) {
            j->w.id = res->id;
            j->w.created_at = res->ts;
        }
        char *body = proto_webhook_json(&j->w, j->kind == K_CREATE);
        if (body)
            http_respond(j->conn, j->kind == K_CREATE ? 201 : 200, "application/json", body,
                         "Cache-Control: no-store\r\n");
        else
            http_respond_error(j->conn, 500, "internal_error", "out of memory", NULL);
    }
    job_free(j);
}

static struct hook_job *job_new(const struct http_req *r, enum kind k)
{
    struct hook_job *j = calloc(1, sizeof(*j));
    if (j) {
        j->conn = r->conn_id;
        j->kind = k;
    } else {
        http_respond_error(r->conn_id, 500, "internal_error", "out of memory", NULL);
    }
    return j;
}

/* The store call's status: on failure the job is freed and 503 answered. */
static void queued(const struct http_req *r, struct hook_job *j, pl_status s)
{
    if (s != PL_OK) {
        http_respond_error(r->conn_id, 503, "store_unavailable", "try again", NULL);
        job_free(j);
    }
}

static void list(const struct http_req *r)
{
    struct store_webhook_list l = {0};
    if (store_webhook_list(conv_store(), &l) != PL_OK)
        http_respond_error(r->conn_id, 503, "store_unavailable", "try again", NULL);
    else
        http_json(r, 200, proto_webhook_list_json(&l));
    store_webhook_list_free(&l);
}

/* The hook, or an answered 404/503 (returns -1). */
static int load(const struct http_req *r, int64_t id, struct store_webhook *w)
{
    pl_status s = store_webhook_get(conv_store(), id, w);
    if (s == PL_ERR_NOT_FOUND)
        http_respond_error(r->conn_id, 404, "not_found", "no such webhook", NULL);
    else if (s != PL_OK)
        http_respond_error(r->conn_id, 503, "store_unavailable", "try again", NULL);
    return s == PL_OK ? 0 : -1;
}

static void put(const struct http_req *r, int64_t id)
{
    char field[64], msg[256];
    struct store_webhook cur = {0};
    struct rest_webhook in = {0};
    if (id && load(r, id, &cur))
        return;
    if (proto_webhook_decode(r->body, r->body_len, id ? &cur : NULL, &in, field, sizeof(field),
                             msg, sizeof(msg)) != PL_OK) {
        http_respond_error(r->conn_id, 400, "bad_request", msg, field);
        store_webhook_free(&cur);
        return;
    }
    struct hook_job *j = job_new(r, id ? K_UPDATE : K_CREATE);
    if (!j) {
        proto_webhook_free(&in);
        store_webhook_free(&cur);
        return;
    }
    j->w = cur;                        /* created_at and the id come along */
    free(j->w.url);
    free(j->w.events);
    j->w.url = in.url;
    j->w.events = in.events;
    j->w.active = in.active;
    if (id) {
        queued(r, j, store_webhook_update(conv_store(), id, j->w.url, j->w.events, j->w.active,
                                          stored, j));
        return;
    }
    unsigned char key[32];
    char hex[sizeof(key) * 2 + 1];
    randombytes_buf(key, sizeof(key));
    sodium_bin2hex(hex, sizeof(hex), key, sizeof(key));
    free(j->w.secret);
    if (!(j->w.secret = strdup(hex))) {
        http_respond_error(r->conn_id, 500, "internal_error", "out of memory", NULL);
        job_free(j);
        return;
    }
    queued(r, j, store_webhook_create(conv_store(), j->w.url, j->w.secret, j->w.events,
                                      j->w.active, stored, j));
}

static void get_one(const struct http_req *r, int64_t id)
{
    struct store_webhook w = {0};
    if (load(r, id, &w))
        return;
    http_json(r, 200, proto_webhook_json(&w, 0));
    store_webhook_free(&w);
}

static void deliveries(const struct http_req *r, int64_t id)
{
    struct store_webhook w = {0};
    if (load(r, id, &w))
        return;
    store_webhook_free(&w);
    struct store_delivery_list l = {0};
    if (store_webhook_deliveries(conv_store(), id, DELIVERIES_PAGE, &l) != PL_OK)
        http_respond_error(r->conn_id, 503, "store_unavailable", "try again", NULL);
    else
        http_json(r, 200, proto_delivery_list_json(&l));
    store_delivery_list_free(&l);
}

/* A positive decimal id at s, ending at end (NULL: at the string's end) or at
 * '/'; 0 when it is not one. *next gets where it stopped. */
static int64_t take_id(const char *s, const char **next)
{
    char *end;
    if (*s < '0' || *s > '9')
        return 0;
    long long id = strtoll(s, &end, 10);
    *next = end;
    return (*end && *end != '/') || id <= 0 ? 0 : (int64_t)id;
}

int http_webhooks_route(struct http_req *r)
{
    const char *p = r->path, *rest = NULL;
    if (!strncmp(p, "/api/webhooks/", 14) && p[14])
        rest = p + 14;
    else if (strcmp(p, "/api/webhooks") != 0)
        return 0;
    struct store_agent a;
    if (http_require_agent(r, 1, &a))
        return 1;
    store_agent_free(&a);
    enum http_method m = r->method;
    const char *tail = "";
    int64_t id = rest ? take_id(rest, &tail) : 0, did = 0;
    if (!rest) {
        if (m == HTTP_GET) list(r);
        else if (m == HTTP_POST) put(r, 0);
        else http_respond_error(r->conn_id, 405, "bad_request", "method not allowed", NULL);
    } else if (!id) {
        http_respond_error(r->conn_id, 404, "not_found", "no such webhook", NULL);
    } else if (!*tail) {
        if (m == HTTP_GET) get_one(r, id);
        else if (m == HTTP_PUT) put(r, id);
        else if (m == HTTP_DELETE) {
            struct hook_job *j = job_new(r, K_DELETE);
            if (j) queued(r, j, store_webhook_delete(conv_store(), id, stored, j));
        } else http_respond_error(r->conn_id, 405, "bad_request", "method not allowed", NULL);
    } else if (!strcmp(tail, "/deliveries") && m == HTTP_GET) {
        deliveries(r, id);
    } else if (!strcmp(tail, "/test") && m == HTTP_POST) {
        struct hook_job *j = job_new(r, K_PING);
        if (j) queued(r, j, webhook_ping(id, stored, j));
    } else if (!strncmp(tail, "/deliveries/", 12) && (did = take_id(tail + 12, &tail)) &&
               !strcmp(tail, "/retry") && m == HTTP_POST) {
        struct hook_job *j = job_new(r, K_RETRY);
        if (j) queued(r, j, store_delivery_retry(conv_store(), id, did, stored, j));
    } else {
        http_respond_error(r->conn_id, 404, "not_found", "no such resource", NULL);
    }
    return 1;
}
