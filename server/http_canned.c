/*
 * Canned responses over REST: every signed-in agent reads the list (the reply
 * box suggests from it), only admins change it. Each change waits for its
 * commit before answering, so a 201/200 means the row is durable; the rules on
 * a row are checked by proto_canned.c first (a message naming the field), and a
 * taken shortcut is found by the UNIQUE index, which no race can get past.
 */
#include <stdlib.h>
#include <string.h>
#include "http_routes.h"
#include "parley/conv.h"
#include "parley/proto_canned.h"

/* A write waiting for its commit; `in` is NULL-filled for a delete. */
struct canned_job { uint64_t conn; int status_ok; int64_t id; struct rest_canned in; };

static void job_free(struct canned_job *j)
{
    proto_canned_free(&j->in);
    free(j);
}

static void stored(void *arg, const struct store_result *res)
{
    struct canned_job *j = arg;
    if (res->status == PL_ERR_CONFLICT) {
        http_respond_error(j->conn, 409, "conflict", "this shortcut is taken", "shortcut");
    } else if (res->status == PL_ERR_NOT_FOUND) {
        http_respond_error(j->conn, 404, "not_found", "no such canned response", NULL);
    } else if (res->status == PL_ERR_BAD_REQUEST) {
        http_respond_error(j->conn, 400, "bad_request", "a value is out of range", NULL);
    } else if (res->status != PL_OK) {
        http_respond_error(j->conn, 503, "store_unavailable", "try again", NULL);
    } else if (!j->in.shortcut) {                       /* a delete */
        http_respond(j->conn, 200, "application/json", strdup("{\"status\":\"ok\"}"), NULL);
    } else {
        struct store_canned c = {.id = res->id, .shortcut = j->in.shortcut,
                                 .title = j->in.title, .text = j->in.text};
        char *body = proto_canned_json(&c);
        if (body)
            http_respond(j->conn, j->status_ok, "application/json", body,
                         "Cache-Control: no-store\r\n");
        else
            http_respond_error(j->conn, 500, "internal_error", "out of memory", NULL);
    }
    job_free(j);
}

static void list(const struct http_req *r)
{
    struct store_canned_list l = {0};
    if (store_canned_list(conv_store(), &l) != PL_OK)
        http_respond_error(r->conn_id, 503, "store_unavailable", "try again", NULL);
    else
        http_json(r, 200, proto_canned_list_json(&l));
    store_canned_list_free(&l);
}

/* POST (id 0) or PUT (id > 0): decode, then store; stored() answers. */
static void put(const struct http_req *r, int64_t id)
{
    char field[64], msg[128];
    struct canned_job *j = calloc(1, sizeof(*j));
    if (!j) {
        http_respond_error(r->conn_id, 500, "internal_error", "out of memory", NULL);
        return;
    }
    j->conn = r->conn_id;
    j->id = id;
    j->status_ok = id ? 200 : 201;
    pl_status s;
    if (proto_canned_decode(r->body, r->body_len, &j->in, field, sizeof(field), msg,
                            sizeof(msg)) != PL_OK) {
        http_respond_error(r->conn_id, 400, "bad_request", msg, field);
        job_free(j);
        return;
    }
    if (id)
        s = store_canned_update(conv_store(), id, j->in.shortcut, j->in.title, j->in.text,
                                stored, j);
    else
        s = store_canned_create(conv_store(), j->in.shortcut, j->in.title, j->in.text, stored, j);
    if (s != PL_OK) {
        http_respond_error(r->conn_id, 503, "store_unavailable", "try again", NULL);
        job_free(j);
    }
}

static void delete(const struct http_req *r, int64_t id)
{
    struct canned_job *j = calloc(1, sizeof(*j));
    if (!j) {
        http_respond_error(r->conn_id, 500, "internal_error", "out of memory", NULL);
        return;
    }
    j->conn = r->conn_id;
    j->id = id;
    if (store_canned_delete(conv_store(), id, stored, j) != PL_OK) {
        http_respond_error(r->conn_id, 503, "store_unavailable", "try again", NULL);
        job_free(j);
    }
}

int http_canned_route(struct http_req *r)
{
    static const struct http_collection c = {"/api/canned", "no such canned response", list, put, delete};
    return http_collection_route(r, &c);
}
