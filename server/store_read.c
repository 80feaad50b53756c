/*
 * Store: synchronous reads on the loop thread's own connection, and the *_free
 * functions of the rows they return.
 *
 * In WAL mode these never wait for the writer; each statement is reset right
 * after use so no read transaction stays open (an open one would pin an old
 * snapshot and keep the WAL from being checkpointed). Every row is deep-copied
 * into caller-owned memory; on any failure *out is left zeroed, so the caller may
 * always call the *_free function.
 */
#include <stdlib.h>
#include <string.h>
#include "parley/kpi.h"
#include "store_internal.h"

/* ---- freeing ---- */

void store_visitor_free(struct store_visitor *v)
{
    if (!v) return;
    free(v->id); free(v->name); free(v->email); free(v->locale); free(v->page); free(v->user_id);
    memset(v, 0, sizeof(*v));
}

void store_conversation_free(struct store_conversation *c)
{
    if (!c) return;
    free(c->id); free(c->visitor_id); free(c->visitor_name); free(c->visitor_email);
    free(c->locale); free(c->page); free(c->agent_name); free(c->team_name);
    memset(c, 0, sizeof(*c));
}

void store_message_free(struct store_message *m)
{
    if (!m) return;
    free(m->conversation); free(m->role); free(m->author_id); free(m->author_name);
    free(m->client_id); free(m->text); free(m->faq_id); free(m->meta_json);
    memset(m, 0, sizeof(*m));
}

void store_agent_free(struct store_agent *a)
{
    if (!a) return;
    free(a->email); free(a->name); free(a->role); free(a->password_hash);
    memset(a, 0, sizeof(*a));
}

static void faq_row_free(struct store_faq_row *r)
{
    free(r->id); free(r->json);
    memset(r, 0, sizeof(*r));
}

void store_message_list_free(struct store_message_list *l)
{
    if (!l) return;
    for (size_t i = 0; i < l->n; i++) store_message_free(&l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

void store_conversation_list_free(struct store_conversation_list *l)
{
    if (!l) return;
    for (size_t i = 0; i < l->n; i++) store_conversation_free(&l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

void store_agent_list_free(struct store_agent_list *l)
{
    if (!l) return;
    for (size_t i = 0; i < l->n; i++) store_agent_free(&l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

void store_faq_list_free(struct store_faq_list *l)
{
    if (!l) return;
    for (size_t i = 0; i < l->n; i++) faq_row_free(&l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

void store_setting_list_free(struct store_setting_list *l)
{
    if (!l) return;
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].key);
        free(l->v[i].value);
    }
    free(l->v);
    memset(l, 0, sizeof(*l));
}

void store_load_list_free(struct store_load_list *l)
{
    if (!l) return;
    free(l->v);
    memset(l, 0, sizeof(*l));
}

/* ---- row decoding ---- */

/* A copy of a text column (NULL stays NULL); *oom = 1 when the copy fails. */
char *store_col_dup(struct db_stmt *s, int i, int *oom)
{
    const char *t = db_col_text(s, i);
    if (!t) {
        if (!db_col_is_null(s, i)) *oom = 1;
        return NULL;
    }
    char *c = strdup((const char *)t);
    if (!c) *oom = 1;
    return c;
}

static pl_status fill_visitor(struct db_stmt *s, void *out)
{
    struct store_visitor *v = out;
    int oom = 0;
    v->id = store_col_dup(s, 0, &oom);
    v->name = store_col_dup(s, 1, &oom);
    v->email = store_col_dup(s, 2, &oom);
    v->locale = store_col_dup(s, 3, &oom);
    v->page = store_col_dup(s, 4, &oom);
    v->created_at = db_col_int(s, 5);
    v->last_seen = db_col_int(s, 6);
    v->user_id = store_col_dup(s, 7, &oom);
    if (!oom) return PL_OK;
    store_visitor_free(v);
    return PL_ERR_NOMEM;
}

pl_status store_fill_conversation(struct db_stmt *s, struct store_conversation *c)
{
    int oom = 0;
    c->id = store_col_dup(s, 0, &oom);
    c->visitor_id = store_col_dup(s, 1, &oom);
    int bad_state = conv_state_parse(db_col_text(s, 2), &c->state);
    c->agent_id = db_col_int(s, 3);
    c->last_seq = db_col_int(s, 4);
    c->last_note_seq = db_col_int(s, 5);
    c->bot_misses = db_col_int(s, 6);
    c->created_at = db_col_int(s, 7);
    c->queued_at = db_col_int(s, 8);
    c->assigned_at = db_col_int(s, 9);
    c->closed_at = db_col_int(s, 10);
    c->visitor_name = store_col_dup(s, 11, &oom);
    c->visitor_email = store_col_dup(s, 12, &oom);
    c->locale = store_col_dup(s, 13, &oom);
    c->page = store_col_dup(s, 14, &oom);
    c->agent_name = store_col_dup(s, 15, &oom);
    c->rated = db_col_int(s, 16);
    c->team_id = db_col_int(s, 17);
    c->team_name = store_col_dup(s, 18, &oom);
    if (!oom && !bad_state) return PL_OK;
    store_conversation_free(c);
    return oom ? PL_ERR_NOMEM : PL_ERR_STORE;
}

static pl_status fill_conversation(struct db_stmt *s, void *out)
{
    return store_fill_conversation(s, out);
}

static pl_status fill_message(struct db_stmt *s, void *out)
{
    struct store_message *m = out;
    int oom = 0;
    m->conversation = store_col_dup(s, 0, &oom);
    m->seq = db_col_int(s, 1);
    m->note_seq = db_col_int(s, 2);
    m->after_seq = db_col_int(s, 3);
    m->role = store_col_dup(s, 4, &oom);
    m->author_id = store_col_dup(s, 5, &oom);
    m->author_name = store_col_dup(s, 6, &oom);
    m->client_id = store_col_dup(s, 7, &oom);
    m->text = store_col_dup(s, 8, &oom);
    m->faq_id = store_col_dup(s, 9, &oom);
    m->faq_score = db_col_double(s, 10);
    m->meta_json = store_col_dup(s, 11, &oom);
    m->helpful = db_col_int(s, 12);
    m->ts = db_col_int(s, 13);
    if (!oom) return PL_OK;
    store_message_free(m);
    return PL_ERR_NOMEM;
}

static pl_status fill_agent(struct db_stmt *s, void *out)
{
    struct store_agent *a = out;
    int oom = 0;
    a->id = db_col_int(s, 0);
    a->email = store_col_dup(s, 1, &oom);
    a->name = store_col_dup(s, 2, &oom);
    a->role = store_col_dup(s, 3, &oom);
    a->active = db_col_int(s, 4);
    a->created_at = db_col_int(s, 5);
    a->capacity = db_col_int(s, 6);
    a->password_hash = store_col_dup(s, 7, &oom);
    if (!oom) return PL_OK;
    store_agent_free(a);
    return PL_ERR_NOMEM;
}

static pl_status fill_faq_row(struct db_stmt *s, void *out)
{
    struct store_faq_row *r = out;
    int oom = 0;
    r->id = store_col_dup(s, 0, &oom);
    r->json = store_col_dup(s, 1, &oom);
    if (!oom) return PL_OK;
    faq_row_free(r);
    return PL_ERR_NOMEM;
}

static pl_status fill_setting(struct db_stmt *s, void *out)
{
    struct store_setting *r = out;
    int oom = 0;
    r->key = store_col_dup(s, 0, &oom);
    r->value = store_col_dup(s, 1, &oom);
    if (!oom) return PL_OK;
    free(r->key);
    free(r->value);
    memset(r, 0, sizeof(*r));
    return PL_ERR_NOMEM;
}

static pl_status fill_load(struct db_stmt *s, void *out)
{
    struct store_load *l = out;
    l->agent_id = db_col_int(s, 0);
    l->capacity = db_col_int(s, 1);
    l->assigned = db_col_int(s, 2);
    l->last_assigned_at = db_col_int(s, 3);
    return PL_OK;
}

/* ---- generic runners ---- */

/* One row into *out (zeroed first, `size` bytes), or PL_ERR_NOT_FOUND. */
static pl_status read_one(struct store *st, struct binder *b, store_fill_fn fill, void *out,
                          size_t size, const char *what)
{
    memset(out, 0, size);
    int rc = b_step(b);
    pl_status s;
    if (rc == DB_ROW) s = fill(b->s, out);
    else if (rc == DB_DONE) s = PL_ERR_NOT_FOUND;
    else s = store_db_status(st->rdb, rc, what);
    db_reset(b->s);
    return s;
}

pl_status store_read_rows(struct store *st, struct binder *b, store_fill_fn fill,
                          struct store_rows *g, const char *what)
{
    pl_status s = PL_OK;
    int rc = DB_DONE;
    while (s == PL_OK && (rc = b_step(b)) == DB_ROW) {
        if (g->n == g->cap) {
            size_t cap = g->cap ? g->cap * 2 : 16;
            char *v = realloc(g->v, cap * g->elem);
            if (!v) { s = PL_ERR_NOMEM; break; }
            g->v = v;
            g->cap = cap;
        }
        char *row = g->v + g->n * g->elem;
        memset(row, 0, g->elem);
        if ((s = fill(b->s, row)) == PL_OK) g->n++;
    }
    if (s == PL_OK && rc != DB_DONE) s = store_db_status(st->rdb, rc, what);
    db_reset(b->s);
    return s;
}

int64_t store_sql_limit(size_t limit)
{
    return limit == 0 || limit > INT64_MAX ? INT64_MAX : (int64_t)limit;
}

/* ---- the reads ---- */

pl_status store_visitor_by_token(struct store *st, const uint8_t token_hash[32],
                                 struct store_visitor *out)
{
    struct binder b = b_start(st->r[R_VISITOR_BY_TOKEN]);
    b_blob(&b, token_hash, 32);
    return read_one(st, &b, fill_visitor, out, sizeof(*out), "visitor by token");
}

pl_status store_visitor_by_id(struct store *st, const char *id, struct store_visitor *out)
{
    struct binder b = b_start(st->r[R_VISITOR_BY_ID]);
    b_text(&b, id);
    return read_one(st, &b, fill_visitor, out, sizeof(*out), "visitor by id");
}

pl_status store_visitor_by_user(struct store *st, const char *user_id, struct store_visitor *out)
{
    struct binder b = b_start(st->r[R_VISITOR_BY_USER]);
    b_text(&b, user_id);
    return read_one(st, &b, fill_visitor, out, sizeof(*out), "visitor by user");
}

pl_status store_latest_conversation(struct store *st, const char *visitor_id,
                                    struct store_conversation *out)
{
    struct binder b = b_start(st->r[R_LATEST_CONV]);
    b_text(&b, visitor_id);
    return read_one(st, &b, fill_conversation, out, sizeof(*out), "latest conversation");
}

pl_status store_get_conversation(struct store *st, const char *conv_id,
                                 struct store_conversation *out)
{
    struct binder b = b_start(st->r[R_GET_CONV]);
    b_text(&b, conv_id);
    return read_one(st, &b, fill_conversation, out, sizeof(*out), "conversation");
}

pl_status store_messages_after(struct store *st, const char *conv_id, int64_t after_seq,
                               int include_notes, size_t limit,
                               struct store_message_list *out)
{
    memset(out, 0, sizeof(*out));
    struct binder b = b_start(st->r[include_notes ? R_MSGS_NOTES : R_MSGS]);
    b_text(&b, conv_id);
    b_int(&b, after_seq);
    b_int(&b, store_sql_limit(limit));
    struct store_rows g = { NULL, 0, 0, sizeof(struct store_message) };
    pl_status s = store_read_rows(st, &b, fill_message, &g, "messages");
    out->v = (struct store_message *)(void *)g.v;
    out->n = g.n;
    if (s != PL_OK) store_message_list_free(out);
    return s;
}

pl_status store_list_conversations(struct store *st, int state, int64_t agent_id,
                                   size_t limit, struct store_conversation_list *out)
{
    memset(out, 0, sizeof(*out));
    int by_state = state >= 0, by_agent = agent_id > 0;
    if (by_state && state >= CONV_STATE_COUNT) return PL_ERR_BAD_REQUEST;
    /* Closed rows have an updated_at index of their own (migration 10). */
    int closed = by_state && state == CONV_CLOSED;
    enum rstmt which = closed ? (by_agent ? R_LIST_CLOSED_AGENT : R_LIST_CLOSED)
                     : by_state ? (by_agent ? R_LIST_STATE_AGENT : R_LIST_STATE)
                     : (by_agent ? R_LIST_AGENT : R_LIST_ANY);
    struct binder b = b_start(st->r[which]);
    if (by_state && !closed) b_text(&b, conv_state_name((enum conv_state)state));
    if (by_agent) b_int(&b, agent_id);
    b_int(&b, store_sql_limit(limit));
    struct store_rows g = { NULL, 0, 0, sizeof(struct store_conversation) };
    pl_status s = store_read_rows(st, &b, fill_conversation, &g, "list conversations");
    out->v = (struct store_conversation *)(void *)g.v;
    out->n = g.n;
    if (s != PL_OK) store_conversation_list_free(out);
    return s;
}

pl_status store_agent_by_email(struct store *st, const char *email, struct store_agent *out)
{
    struct binder b = b_start(st->r[R_AGENT_BY_EMAIL]);
    b_text(&b, email);
    return read_one(st, &b, fill_agent, out, sizeof(*out), "agent by email");
}

pl_status store_agent_by_id(struct store *st, int64_t id, struct store_agent *out)
{
    struct binder b = b_start(st->r[R_AGENT_BY_ID]);
    b_int(&b, id);
    return read_one(st, &b, fill_agent, out, sizeof(*out), "agent by id");
}

pl_status store_list_agents(struct store *st, struct store_agent_list *out)
{
    memset(out, 0, sizeof(*out));
    struct binder b = b_start(st->r[R_AGENTS]);
    struct store_rows g = { NULL, 0, 0, sizeof(struct store_agent) };
    pl_status s = store_read_rows(st, &b, fill_agent, &g, "list agents");
    out->v = (struct store_agent *)(void *)g.v;
    out->n = g.n;
    if (s != PL_OK) store_agent_list_free(out);
    return s;
}

pl_status store_agent_count(struct store *st, int64_t *out)
{
    *out = 0;
    struct db_stmt *s = st->r[R_AGENT_COUNT];
    int rc = db_step(s);
    if (rc == DB_ROW) *out = db_col_int(s, 0);
    db_reset(s);
    return rc == DB_ROW ? PL_OK : store_db_status(st->rdb, rc, "agent count");
}

pl_status store_open_counts(struct store *st, int64_t counts[CONV_STATE_COUNT],
                            int64_t *oldest_queued_at)
{
    struct db_stmt *s = st->r[R_OPEN_COUNTS];
    int rc;
    memset(counts, 0, CONV_STATE_COUNT * sizeof(counts[0]));
    *oldest_queued_at = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        enum conv_state state;
        if (conv_state_parse(db_col_text(s, 0), &state) != 0)
            continue;
        counts[state] = db_col_int(s, 1);
        if (state == CONV_QUEUED)
            *oldest_queued_at = db_col_int(s, 2);
    }
    db_reset(s);
    return rc == DB_DONE ? PL_OK : store_db_status(st->rdb, rc, "open counts");
}

pl_status store_session_agent(struct store *st, const uint8_t token_hash[32], int64_t now_ms,
                              struct store_agent *out)
{
    struct binder b = b_start(st->r[R_SESSION_AGENT]);
    b_blob(&b, token_hash, 32);
    b_int(&b, now_ms);
    return read_one(st, &b, fill_agent, out, sizeof(*out), "session agent");
}

pl_status store_faq_list(struct store *st, struct store_faq_list *out)
{
    memset(out, 0, sizeof(*out));
    struct binder b = b_start(st->r[R_FAQ_LIST]);
    struct store_rows g = { NULL, 0, 0, sizeof(struct store_faq_row) };
    pl_status s = store_read_rows(st, &b, fill_faq_row, &g, "faq list");
    out->v = (struct store_faq_row *)(void *)g.v;
    out->n = g.n;
    if (s != PL_OK) store_faq_list_free(out);
    return s;
}

/* ---- routing ---- */

pl_status store_settings(struct store *st, struct store_setting_list *out)
{
    memset(out, 0, sizeof(*out));
    struct binder b = b_start(st->r[R_SETTINGS]);
    struct store_rows g = { NULL, 0, 0, sizeof(struct store_setting) };
    pl_status s = store_read_rows(st, &b, fill_setting, &g, "settings");
    out->v = (struct store_setting *)(void *)g.v;
    out->n = g.n;
    if (s != PL_OK) store_setting_list_free(out);
    return s;
}

pl_status store_queue(struct store *st, size_t limit, struct store_conversation_list *out)
{
    memset(out, 0, sizeof(*out));
    struct binder b = b_start(st->r[R_QUEUE]);
    b_int(&b, store_sql_limit(limit));
    struct store_rows g = { NULL, 0, 0, sizeof(struct store_conversation) };
    pl_status s = store_read_rows(st, &b, fill_conversation, &g, "queue");
    out->v = (struct store_conversation *)(void *)g.v;
    out->n = g.n;
    if (s != PL_OK) store_conversation_list_free(out);
    return s;
}

pl_status store_agent_loads(struct store *st, struct store_load_list *out)
{
    memset(out, 0, sizeof(*out));
    struct binder b = b_start(st->r[R_AGENT_LOADS]);
    struct store_rows g = { NULL, 0, 0, sizeof(struct store_load) };
    pl_status s = store_read_rows(st, &b, fill_load, &g, "agent loads");
    out->v = (struct store_load *)(void *)g.v;
    out->n = g.n;
    if (s != PL_OK) store_load_list_free(out);
    return s;
}

/* The same nearest-rank median as the KPI report's queue wait (kpi.c). */
pl_status store_recent_queue_wait(struct store *st, int n, int64_t *median_ms)
{
    *median_ms = 0;
    if (n <= 0) return PL_OK;
    if (n > STORE_MAX_WAIT_SAMPLES) n = STORE_MAX_WAIT_SAMPLES;
    int64_t *v = malloc((size_t)n * sizeof(*v));
    if (!v) return PL_ERR_NOMEM;
    struct binder b = b_start(st->r[R_QUEUE_WAITS]);
    b_int(&b, n);
    size_t count = 0;
    int rc = DB_DONE;
    while (count < (size_t)n && (rc = b_step(&b)) == DB_ROW)
        v[count++] = db_col_int(b.s, 0);
    db_reset(b.s);
    pl_status s = PL_OK;
    if (rc != DB_DONE && rc != DB_ROW) s = store_db_status(st->rdb, rc, "queue waits");
    if (s == PL_OK) {
        struct kpi_dist d;
        kpi_dist_of(v, count, &d);
        *median_ms = d.median;
    }
    free(v);
    return s;
}
