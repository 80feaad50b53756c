/*
 * Growing the FAQ over REST: the questions the bot could not answer, drafts
 * agents make from a conversation, a "try it" that shows what a text would
 * match and why, and importing a whole FAQ file while the server runs.
 *
 * Try-it runs exactly the bot's decision (conv_bot_reply's order: a request for
 * a person, an FAQ answer or choices, a greeting, else nothing) against the set
 * the bot uses now, so what the admin sees is what a visitor would get. An
 * import is all or nothing: every entry is checked as `parley faq check` does and
 * the set is compiled before anything is written; the rows then replace the FAQ
 * in one transaction, and only after its commit is the new set swapped in.
 *
 * Paths are claimed per method, so a method these paths do not serve still
 * reaches the generic /api/faq/{id} handling (an entry may be called "try").
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "http_routes.h"
#include "parley/sync.h"
#include "parley/conv.h"
#include "parley/faq.h"
#include "parley/lang.h"
#include "parley/proto_faq.h"
#include "parley/proto_faq_admin.h"

#define UNANSWERED_DEFAULT 100
#define UNANSWERED_LIMIT 1000
#define IMPORT_MAX_PROBLEMS 1000

static const char ok_body[] = "{\"status\":\"ok\"}";

/* A delete waiting for its commit: the connection to answer, and what 404 says. */
struct pending { uint64_t conn; const char *missing; };

static struct pending *pending_new(const struct http_req *r, const char *missing)
{
    struct pending *p = malloc(sizeof(*p));
    if (p) {
        p->conn = r->conn_id;
        p->missing = missing;
    } else {
        http_respond_error(r->conn_id, 500, "internal_error", "out of memory", NULL);
    }
    return p;
}

/* The answer to a delete: 200, 404 or 503. */
static void deleted(void *arg, const struct store_result *res)
{
    struct pending *p = arg;
    if (res->status == PL_ERR_NOT_FOUND)
        http_respond_error(p->conn, 404, "not_found", p->missing, NULL);
    else if (res->status != PL_OK)
        http_respond_error(p->conn, 503, "store_unavailable", "try again", NULL);
    else
        http_respond(p->conn, 200, "application/json", strdup(ok_body), NULL);
    free(p);
}

static int hex(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Undoes %XX escapes in place (a key in the path; lws may have done it already,
 * and a normalised key never holds a '%' of its own). */
static void percent_decode(char *s)
{
    char *w = s;
    for (const char *p = s; *p; p++) {
        int hi = *p == '%' ? hex(p[1]) : -1, lo = hi >= 0 ? hex(p[2]) : -1;
        if (lo >= 0) {
            *w++ = (char)(hi * 16 + lo);
            p += 2;
        } else {
            *w++ = *p;
        }
    }
    *w = '\0';
}

/* ---- unanswered questions ---- */

static void unanswered_list(const struct http_req *r)
{
    char text[32];
    long limit = UNANSWERED_DEFAULT;
    if (http_query(r, "limit", text, sizeof(text))) {
        char *end;
        limit = strtol(text, &end, 10);
        if (!*text || *end || limit < 1 || limit > UNANSWERED_LIMIT) {
            http_respond_error(r->conn_id, 400, "bad_request", "a whole number from 1 to 1000",
                               "limit");
            return;
        }
    }
    struct store_unanswered_list l = {0};
    if (store_unanswered_list(conv_store(), (size_t)limit, &l) != PL_OK)
        http_respond_error(r->conn_id, 503, "store_unavailable", "try again", NULL);
    else
        http_json(r, 200, proto_faq_unanswered(&l));
    store_unanswered_list_free(&l);
}

static void unanswered_delete(const struct http_req *r, const char *path_key)
{
    char key[512] = "";
    if (path_key) {
        snprintf(key, sizeof(key), "%s", path_key);
        percent_decode(key);
    } else {
        http_query(r, "key", key, sizeof(key));
    }
    if (!*key) {
        http_respond_error(r->conn_id, 400, "bad_request", "required: the question's key", "key");
        return;
    }
    struct pending *p = pending_new(r, "no such unanswered question");
    if (p && store_unanswered_delete(conv_store(), key, deleted, p) != PL_OK) {
        free(p);
        http_respond_error(r->conn_id, 503, "store_unavailable", "try again", NULL);
    }
}

/* ---- try it ---- */

static void try_it(const struct http_req *r)
{
    char field[64], msg[128];
    struct rest_faq_try in;
    if (proto_faq_try_decode(r->body, r->body_len, &in, field, sizeof(field), msg, sizeof(msg))) {
        http_respond_error(r->conn_id, 400, "bad_request", msg, field);
        return;
    }
    /* The bot's own order of checks and choice of language (conv_bot_reply). */
    const char *guess = lang_guess(in.text);
    const char *locale = guess ? guess : in.locale;
    struct faq_match m;
    memset(&m, 0, sizeof(m));
    const char *outcome = "none";
    int hit = 0;
    if (faq_is_human_request(in.text))
        outcome = "human_request";
    else if ((hit = conv_faq() ? faq_match(conv_faq(), in.text, locale, &m) : 0) == 1)
        outcome = "answer";
    else if (hit == 2)
        outcome = "choices";
    else if (faq_is_greeting(in.text))
        outcome = "greeting";
    char *norm = faq_normalise(in.text, 0);
    http_json(r, 200, proto_faq_try_result(outcome, hit ? &m : NULL, guess, locale, norm));
    free(norm);
    proto_faq_try_free(&in);
}

/* ---- drafts ---- */

struct draft_job { uint64_t conn; struct rest_faq_draft in; int64_t agent_id; };

static void draft_stored(void *arg, const struct store_result *res)
{
    struct draft_job *j = arg;
    if (res->status != PL_OK) {
        http_respond_error(j->conn, 503, "store_unavailable", "try again", NULL);
    } else {
        struct store_draft d = {.id = res->id, .question = j->in.question, .answer = j->in.answer,
                                .locale = j->in.locale, .conversation_id = j->in.conversation,
                                .agent_id = j->agent_id, .created_at = res->ts};
        char *body = proto_faq_draft(&d);
        if (body)
            http_respond(j->conn, 201, "application/json", body, "Cache-Control: no-store\r\n");
        else
            http_respond_error(j->conn, 500, "internal_error", "out of memory", NULL);
    }
    proto_faq_draft_free(&j->in);
    free(j);
}

static void draft_create(const struct http_req *r, const struct store_agent *a)
{
    char field[64], msg[128];
    struct draft_job *j = calloc(1, sizeof(*j));
    if (!j) {
        http_respond_error(r->conn_id, 500, "internal_error", "out of memory", NULL);
        return;
    }
    j->conn = r->conn_id;
    j->agent_id = a->id;
    if (proto_faq_draft_decode(r->body, r->body_len, &j->in, field, sizeof(field), msg,
                               sizeof(msg)) != PL_OK) {
        http_respond_error(r->conn_id, 400, "bad_request", msg, field);
    } else if (store_draft_add(conv_store(), j->in.question, j->in.answer, j->in.locale,
                               j->in.conversation, j->agent_id, draft_stored, j) != PL_OK) {
        http_respond_error(r->conn_id, 503, "store_unavailable", "try again", NULL);
    } else {
        return;                        /* draft_stored answers and frees j */
    }
    proto_faq_draft_free(&j->in);
    free(j);
}

static void drafts_list(const struct http_req *r)
{
    struct store_draft_list l = {0};
    if (store_draft_list(conv_store(), 0, &l) != PL_OK)
        http_respond_error(r->conn_id, 503, "store_unavailable", "try again", NULL);
    else
        http_json(r, 200, proto_faq_drafts(&l));
    store_draft_list_free(&l);
}

static void draft_delete(const struct http_req *r, const char *id_text)
{
    char *end;
    long long id = strtoll(id_text, &end, 10);
    if (!*id_text || *end || id <= 0) {
        http_respond_error(r->conn_id, 404, "not_found", "no such draft", NULL);
        return;
    }
    struct pending *p = pending_new(r, "no such draft");
    if (p && store_draft_delete(conv_store(), (int64_t)id, deleted, p) != PL_OK) {
        free(p);
        http_respond_error(r->conn_id, 503, "store_unavailable", "try again", NULL);
    }
}

/* ---- import ---- */

struct problems { struct proto_faq_problem *v; size_t n, cap, total; };

static void add_problem(void *arg, size_t index, const char *field, const char *msg)
{
    struct problems *ps = arg;
    ps->total++;
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 16;
        struct proto_faq_problem *v = cap <= IMPORT_MAX_PROBLEMS ? realloc(ps->v, cap * sizeof(*v)) : NULL;
        if (!v)
            return;                    /* counted, not listed */
        ps->v = v;
        ps->cap = cap;
    }
    struct proto_faq_problem *p = &ps->v[ps->n++];
    p->index = index;
    snprintf(p->field, sizeof(p->field), "%s", field ? field : "");
    snprintf(p->message, sizeof(p->message), "%s", msg ? msg : "");
}

/* The new set, swapped in once its rows are committed. */
struct import_job { uint64_t conn; struct faq_set *set; size_t n; };

static void imported(void *arg, const struct store_result *res)
{
    struct import_job *j = arg;
    if (res->status != PL_OK) {
        http_respond_error(j->conn, 503, "store_unavailable", "nothing was imported; try again", NULL);
        faq_free(j->set);
    } else {
        conv_set_faq(j->set);          /* the very next visitor message matches it */
        sync_announce();
        http_respond(j->conn, 200, "application/json", proto_faq_import_ok(j->n),
                     "Cache-Control: no-store\r\n");
    }
    free(j);
}

/* Stores the checked entries (each as the JSON GET /api/faq will give back). */
static void import_store(const struct http_req *r, struct faq_entry *v, size_t n,
                         struct faq_set *set)
{
    struct store_faq_row *rows = calloc(n ? n : 1, sizeof(*rows));
    struct import_job *j = calloc(1, sizeof(*j));
    size_t done = 0;
    for (; rows && done < n; done++) {
        rows[done].id = v[done].id;   /* borrowed */
        if (!(rows[done].json = proto_faq_encode(&v[done])))
            break;
    }
    if (!rows || !j || done < n) {
        http_respond_error(r->conn_id, 500, "internal_error", "out of memory", NULL);
        faq_free(set);
        free(j);
    } else {
        j->conn = r->conn_id;
        j->set = set;
        j->n = n;
        if (store_faq_replace(conv_store(), rows, n, imported, j) != PL_OK) {
            http_respond_error(r->conn_id, 503, "store_unavailable", "try again", NULL);
            faq_free(set);
            free(j);
        }
    }
    for (size_t i = 0; rows && i < done; i++)
        free(rows[i].json);
    free(rows);
}

static void import_faq(const struct http_req *r)
{
    struct problems ps = {0};
    struct faq_entry *v = NULL;
    size_t *pos = NULL, n = 0;
    const char *body = r->body ? r->body : "";
    if (proto_faq_decode_each(body, r->body_len, &v, &pos, &n, add_problem, &ps) == PL_OK) {
        /* As `parley faq check` does (decoding validated each entry already). */
        for (size_t i = 0; i < n; i++) {
            char field[96], msg[256];
            if (faq_validate(&v[i], field, sizeof(field), msg, sizeof(msg)) != PL_OK)
                add_problem(&ps, pos[i], field, msg);
        }
    } else if (!ps.total) {
        add_problem(&ps, SIZE_MAX, "", "out of memory");
    }
    struct faq_set *set = NULL;
    if (!ps.total) {
        char field[96], msg[256];
        if (faq_build(v, n, &set, field, sizeof(field), msg, sizeof(msg)) != PL_OK)
            add_problem(&ps, SIZE_MAX, field, msg);
    }
    if (ps.total) {
        if (ps.n < ps.total && ps.n) {   /* some were counted but not listed */
            struct proto_faq_problem *last = &ps.v[ps.n - 1];
            snprintf(last->message, sizeof(last->message), "… and %zu more problems",
                     ps.total - ps.n + 1);
            last->index = SIZE_MAX;
            last->field[0] = '\0';
        }
        char *err = proto_faq_import_error(ps.v, ps.n);
        if (err)
            http_respond(r->conn_id, 400, "application/json", err, "Cache-Control: no-store\r\n");
        else
            http_respond_error(r->conn_id, 500, "internal_error", "out of memory", NULL);
    } else {
        import_store(r, v, n, set);    /* takes set */
    }
    proto_faq_free_array(v, n);
    free(pos);
    free(ps.v);
}

/* ---- routing ---- */

/* "/api/faq/<name>" exactly: 1; "/api/faq/<name>/<rest>": 1 and *rest set. */
static int under(const char *path, const char *name, const char **rest)
{
    size_t n = strlen(name);
    *rest = NULL;
    if (strncmp(path, "/api/faq/", 9) || strncmp(path + 9, name, n))
        return 0;
    const char *p = path + 9 + n;
    if (!*p)
        return 1;
    if (*p != '/' || !p[1])
        return 0;
    *rest = p + 1;
    return 1;
}

int http_faq_admin_route(struct http_req *r)
{
    const char *rest = NULL, *p = r->path;
    enum http_method m = r->method;
    int admin = 1;
    enum { NONE, U_LIST, U_DELETE, TRY, D_CREATE, D_LIST, D_DELETE, IMPORT } what = NONE;
    if (under(p, "unanswered", &rest)) {
        if (!rest && m == HTTP_GET) what = U_LIST;
        else if (m == HTTP_DELETE) what = U_DELETE;
    } else if (under(p, "try", &rest) && !rest && m == HTTP_POST) {
        what = TRY;
    } else if (under(p, "drafts", &rest)) {
        if (!rest && m == HTTP_POST) what = D_CREATE, admin = 0;
        else if (!rest && m == HTTP_GET) what = D_LIST;
        else if (rest && !strchr(rest, '/') && m == HTTP_DELETE) what = D_DELETE;
    } else if (under(p, "import", &rest) && !rest && m == HTTP_POST) {
        what = IMPORT;
    }
    if (what == NONE)
        return 0;
    if (what == U_DELETE && rest && strchr(rest, '/')) {
        http_respond_error(r->conn_id, 404, "not_found", "no such resource", NULL);
        return 1;
    }
    struct store_agent a;
    if (http_require_agent(r, admin, &a))
        return 1;
    switch (what) {
    case U_LIST: unanswered_list(r); break;
    case U_DELETE: unanswered_delete(r, rest); break;
    case TRY: try_it(r); break;
    case D_CREATE: draft_create(r, &a); break;
    case D_LIST: drafts_list(r); break;
    case D_DELETE: draft_delete(r, rest); break;
    case IMPORT: import_faq(r); break;
    case NONE: break;
    }
    store_agent_free(&a);
    return 1;
}
