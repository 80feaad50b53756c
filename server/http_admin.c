/*
 * Sign-in, agents and the FAQ over REST.
 *
 * Password checks and hashing run on the jobs worker (Argon2id is slow on
 * purpose) and every write waits for the store's commit before answering, so
 * these handlers are chains of callbacks carrying the connection id.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "http_routes.h"
#include "parley/sync.h"
#include "parley/auth.h"
#include "parley/conv.h"
#include "parley/faq_store.h"
#include "parley/jobs.h"
#include "parley/limits.h"
#include "parley/proto_faq.h"
#include "parley/proto_rest.h"
#include "parley/router.h"

/* ---- login ---- */

struct login_job {
    uint64_t conn;
    char ip[64];
    struct rest_login in;
    struct store_agent agent;
    int ok;
    char token[AUTH_TOKEN_LEN + 1];
};

static void login_job_free(struct login_job *j)
{
    proto_rest_login_free(&j->in);
    store_agent_free(&j->agent);
    free(j);
}

static void session_stored(void *arg, const struct store_result *r)
{
    struct login_job *j = arg;
    if (r->status != PL_OK) {
        http_respond_error(j->conn, 503, "store_unavailable", "could not sign in; try again", NULL);
    } else {
        char cookie[256];
        snprintf(cookie, sizeof(cookie),
                 "Set-Cookie: parley_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d\r\n"
                 "Cache-Control: no-store\r\n",
                 j->token, conv_options()->session_hours * 3600);
        http_respond(j->conn, 200, "application/json", proto_rest_login_ok(j->token, &j->agent),
                     cookie);
    }
    login_job_free(j);
}

static void login_verify(void *arg)
{
    struct login_job *j = arg;
    j->ok = auth_verify_password(j->agent.password_hash, j->in.password);
}

static void login_verified(void *arg)
{
    struct login_job *j = arg;
    uint8_t hash[32];
    if (!j->ok) {
        limit_login_failed(j->ip, j->in.email, pl_mono_ms());
        http_respond_error(j->conn, 401, "unauthorized", "wrong e-mail or password", NULL);
        login_job_free(j);
        return;
    }
    limit_login_ok(j->in.email);
    auth_new_token(j->token);
    auth_hash_token(j->token, hash);
    int64_t expires = pl_now_ms() + (int64_t)conv_options()->session_hours * 3600 * 1000;
    if (store_create_session(conv_store(), hash, j->agent.id, expires, session_stored, j) != PL_OK) {
        http_respond_error(j->conn, 503, "store_unavailable", "could not sign in; try again", NULL);
        login_job_free(j);
    }
}

static void login(const struct http_req *r)
{
    char field[64], msg[128];
    struct login_job *j = calloc(1, sizeof(*j));
    if (!j) {
        http_respond_error(r->conn_id, 500, "internal_error", "out of memory", NULL);
        return;
    }
    j->conn = r->conn_id;
    snprintf(j->ip, sizeof(j->ip), "%s", r->ip);
    pl_status s = proto_rest_login(r->body, r->body_len, &j->in, field, sizeof(field), msg,
                                   sizeof(msg));
    int64_t wait_ms = s == PL_OK ? limit_login_locked_ms(r->ip, j->in.email, pl_mono_ms()) : 0;
    if (s != PL_OK) {
        http_respond_error(r->conn_id, 400, "bad_request", msg, field);
    } else if (wait_ms > 0) {
        char retry[64];
        snprintf(retry, sizeof(retry), "Retry-After: %lld\r\n", (long long)(wait_ms + 999) / 1000);
        http_respond(r->conn_id, 429, "application/json",
                     proto_rest_error("rate_limited", "too many failed sign-ins; try again later", NULL),
                     retry);
    } else if ((s = store_agent_by_email(conv_store(), j->in.email, &j->agent)) != PL_OK ||
               !j->agent.active) {
        if (s == PL_OK || s == PL_ERR_NOT_FOUND) {
            limit_login_failed(r->ip, j->in.email, pl_mono_ms());
            http_respond_error(r->conn_id, 401, "unauthorized", "wrong e-mail or password", NULL);
        }
        else
            http_respond_error(r->conn_id, 503, "store_unavailable", "try again", NULL);
    } else if (jobs_submit(login_verify, login_verified, j) == 0) {
        return;
    } else {
        http_respond_error(r->conn_id, 503, "internal_error", "busy; try again", NULL);
    }
    login_job_free(j);
}

static void logged_out(void *arg, const struct store_result *r)
{
    uint64_t *conn = arg;
    http_respond(*conn, 200, "application/json", strdup("{\"status\":\"ok\"}"),
                 "Set-Cookie: parley_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0\r\n");
    free(conn);
}

static void logout(const struct http_req *r)
{
    uint8_t hash[32];
    uint64_t *conn = malloc(sizeof(*conn));
    if (!conn) {
        http_respond_error(r->conn_id, 500, "internal_error", "out of memory", NULL);
        return;
    }
    *conn = r->conn_id;
    auth_hash_token(r->token, hash);
    if (store_delete_session(conv_store(), hash, logged_out, conn) != PL_OK) {
        free(conn);
        http_respond_error(r->conn_id, 503, "store_unavailable", "try again", NULL);
    }
}

/* ---- agents ---- */

struct agent_job {
    uint64_t conn;
    struct rest_new_agent in;
    char hash[AUTH_HASH_STR_LEN];
    int ok;
};

static void agent_job_free(struct agent_job *j)
{
    proto_rest_new_agent_free(&j->in);
    free(j);
}

static void agent_stored(void *arg, const struct store_result *r)
{
    struct agent_job *j = arg;
    if (r->status == PL_ERR_CONFLICT) {
        http_respond_error(j->conn, 409, "conflict", "an agent with this e-mail exists", "email");
    } else if (r->status != PL_OK) {
        http_respond_error(j->conn, 503, "store_unavailable", "try again", NULL);
    } else {
        struct store_agent a = {0};
        if (store_agent_by_id(conv_store(), r->id, &a) == PL_OK)
            http_respond(j->conn, 201, "application/json", proto_rest_agent(&a), NULL);
        else
            http_respond_error(j->conn, 503, "store_unavailable", "created; reading it back failed", NULL);
        store_agent_free(&a);
    }
    agent_job_free(j);
}

static void agent_hash(void *arg)
{
    struct agent_job *j = arg;
    j->ok = auth_hash_password(j->in.password, j->hash) == 0;
}

static void agent_hashed(void *arg)
{
    struct agent_job *j = arg;
    if (!j->ok || store_create_agent(conv_store(), j->in.email, j->in.name, j->in.role, j->hash,
                                     agent_stored, j) != PL_OK) {
        http_respond_error(j->conn, 503, "internal_error", "could not create the agent", NULL);
        agent_job_free(j);
    }
}

static void create_agent(const struct http_req *r)
{
    char field[64], msg[128];
    struct agent_job *j = calloc(1, sizeof(*j));
    if (!j) {
        http_respond_error(r->conn_id, 500, "internal_error", "out of memory", NULL);
        return;
    }
    j->conn = r->conn_id;
    if (proto_rest_new_agent(r->body, r->body_len, &j->in, field, sizeof(field), msg,
                             sizeof(msg)) != PL_OK) {
        http_respond_error(r->conn_id, 400, "bad_request", msg, field);
    } else if (jobs_submit(agent_hash, agent_hashed, j) == 0) {
        return;
    } else {
        http_respond_error(r->conn_id, 503, "internal_error", "busy; try again", NULL);
    }
    agent_job_free(j);
}

static void list_agents(const struct http_req *r)
{
    struct store_agent_list l = {0};
    const char **status = NULL;
    if (store_list_agents(conv_store(), &l) != PL_OK) {
        http_respond_error(r->conn_id, 503, "store_unavailable", "try again", NULL);
    } else if (!(status = calloc(l.n ? l.n : 1, sizeof(*status)))) {
        http_respond_error(r->conn_id, 500, "internal_error", "out of memory", NULL);
    } else {
        for (size_t i = 0; i < l.n; i++)
            status[i] = router_status_name(router_status_of(l.v[i].id));
        http_json(r, 200, proto_rest_agents_status(&l, status));
    }
    free(status);
    store_agent_list_free(&l);
}

/* ---- FAQ ---- */

struct faq_job { uint64_t conn; char *json; int status; };

static void faq_stored(void *arg, const struct store_result *r)
{
    struct faq_job *j = arg;
    struct faq_set *set = NULL;
    if (r->status == PL_OK && faq_store_build(conv_store(), &set) == PL_OK)
        conv_set_faq(set);            /* new messages match the new FAQ at once */
    if (r->status == PL_OK)
        sync_announce();              /* and on the other nodes */
    if (r->status == PL_ERR_CONFLICT)
        http_respond_error(j->conn, 409, "conflict", "an entry with this id exists", "id");
    else if (r->status == PL_ERR_NOT_FOUND)
        http_respond_error(j->conn, 404, "not_found", "no such FAQ entry", NULL);
    else if (r->status != PL_OK)
        http_respond_error(j->conn, 503, "store_unavailable", "try again", NULL);
    else {
        http_respond(j->conn, j->status, "application/json",
                     j->json ? j->json : strdup("{\"status\":\"ok\"}"), NULL);
        j->json = NULL;                 /* http_respond took it */
    }
    free(j->json);
    free(j);
}

static void faq_put(const struct http_req *r, const char *path_id)
{
    struct faq_entry e = {0};
    char field[96] = "", msg[256] = "";
    pl_status s = proto_faq_decode(r->body ? r->body : "", r->body_len, &e, field, sizeof(field),
                                   msg, sizeof(msg));
    if (s == PL_OK)
        s = faq_validate(&e, field, sizeof(field), msg, sizeof(msg));
    if (s == PL_OK && path_id && strcmp(path_id, e.id)) {
        snprintf(field, sizeof(field), "id");
        snprintf(msg, sizeof(msg), "does not match the id in the URL");
        s = PL_ERR_BAD_REQUEST;
    }
    struct faq_job *j = s == PL_OK ? calloc(1, sizeof(*j)) : NULL;
    if (s != PL_OK) {
        http_respond_error(r->conn_id, 400, "bad_request", msg, field);
    } else if (!j || !(j->json = proto_faq_encode(&e))) {
        http_respond_error(r->conn_id, 500, "internal_error", "out of memory", NULL);
        free(j);
    } else {
        j->conn = r->conn_id;
        j->status = path_id ? 200 : 201;
        if (store_faq_put(conv_store(), e.id, j->json, !path_id, faq_stored, j) != PL_OK) {
            http_respond_error(r->conn_id, 503, "store_unavailable", "try again", NULL);
            free(j->json);
            free(j);
        }
    }
    faq_entry_free(&e);
}

static void faq_get(const struct http_req *r, const char *id)
{
    const struct faq_entry *e = conv_faq() ? faq_find(conv_faq(), id) : NULL;
    if (!e)
        http_respond_error(r->conn_id, 404, "not_found", "no such FAQ entry", NULL);
    else
        http_json(r, 200, proto_faq_encode(e));
}

static void faq_delete(const struct http_req *r, const char *id)
{
    struct faq_job *j = calloc(1, sizeof(*j));
    if (!j) {
        http_respond_error(r->conn_id, 500, "internal_error", "out of memory", NULL);
        return;
    }
    j->conn = r->conn_id;
    j->status = 200;
    if (store_faq_delete(conv_store(), id, faq_stored, j) != PL_OK) {
        http_respond_error(r->conn_id, 503, "store_unavailable", "try again", NULL);
        free(j);
    }
}

static void faq_list(const struct http_req *r)
{
    struct store_faq_list l = {0};
    if (store_faq_list(conv_store(), &l) != PL_OK)
        http_respond_error(r->conn_id, 503, "store_unavailable", "try again", NULL);
    else
        http_json(r, 200, proto_rest_faq_list(&l));
    store_faq_list_free(&l);
}

static int route_faq(struct http_req *r)
{
    if (http_faq_admin_route(r))    /* /api/faq/unanswered, /try, /drafts, /import first */
        return 1;
    const char *p = r->path;
    const char *id = !strncmp(p, "/api/faq/", 9) && p[9] && !strchr(p + 9, '/') ? p + 9 : NULL;
    if (strcmp(p, "/api/faq") && !id)
        return 0;
    struct store_agent a;
    if (http_require_agent(r, 1, &a))
        return 1;
    store_agent_free(&a);
    if (!id && r->method == HTTP_GET)
        faq_list(r);
    else if (!id && r->method == HTTP_POST)
        faq_put(r, NULL);
    else if (id && r->method == HTTP_GET)
        faq_get(r, id);
    else if (id && r->method == HTTP_PUT)
        faq_put(r, id);
    else if (id && r->method == HTTP_DELETE)
        faq_delete(r, id);
    else
        http_respond_error(r->conn_id, 405, "bad_request", "method not allowed", NULL);
    return 1;
}

int http_admin_route(struct http_req *r)
{
    const char *p = r->path;
    if (!strcmp(p, "/api/login")) {
        if (r->method == HTTP_POST)
            login(r);
        else
            http_respond_error(r->conn_id, 405, "bad_request", "use POST", NULL);
        return 1;
    }
    if (!strcmp(p, "/api/logout") && r->method == HTTP_POST) {
        logout(r);
        return 1;
    }
    if (!strcmp(p, "/api/agents")) {
        struct store_agent a;
        if (http_require_agent(r, 1, &a))
            return 1;
        store_agent_free(&a);
        if (r->method == HTTP_POST)
            create_agent(r);
        else if (r->method == HTTP_GET)
            list_agents(r);
        else
            http_respond_error(r->conn_id, 405, "bad_request", "method not allowed", NULL);
        return 1;
    }
    if (http_settings_route(r))
        return 1;
    if (http_canned_route(r))
        return 1;
    if (http_webhooks_route(r))
        return 1;
    if (http_teams_route(r))
        return 1;
    return route_faq(r);
}
