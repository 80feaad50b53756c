/*
 * Store: what the admin needs to grow the FAQ from real traffic. The questions
 * the bot could not answer (counted per normalised text, so "Do you sell
 * ELEPHANTS?" and "do you sell elephants" are one question asked twice), the
 * drafts agents make from a conversation, and replacing the whole FAQ while the
 * server runs (an import). Apart from store_ops.c for the same reason as
 * store_routing.c: each file stays a readable size; store_op_exec dispatches here.
 *
 * The unanswered table is fed by visitors, so it is bounded: a new question that
 * takes it past STORE_UNANSWERED_MAX pushes out the rarest, oldest one in the
 * same savepoint. The import reuses OP_FAQ_REPLACE (store_ops.c runs it and
 * store_op_free frees its rows), so only its enqueueing lives here.
 */
#include <stdlib.h>
#include <string.h>
#include "store_internal.h"

/* ---- on the writer thread ---- */

static pl_status exec_unanswered_add(struct store *st, struct op *o)
{
    int64_t now = pl_now_ms();
    struct binder b = b_start(st->w[W_UNANSWERED_ADD]);
    b_text(&b, o->u.una.key);
    b_text(&b, o->u.una.text);
    b_text(&b, o->u.una.locale);
    b_text(&b, o->u.una.conv);
    b_int(&b, now);
    int rc = b_step(&b);
    int64_t count = rc == DB_ROW ? db_col_int(b.s, 0) : 0;
    db_reset(b.s);
    if (rc != DB_ROW) return store_db_status(st->wdb, rc, "unanswered add");
    o->res.id = count;
    o->res.ts = now;
    if (count != 1) return PL_OK;           /* an existing row: the table did not grow */
    b = b_start(st->w[W_UNANSWERED_PRUNE]);
    b_int(&b, STORE_UNANSWERED_MAX);
    return store_run_done(st, &b, "unanswered prune", NULL);
}

static pl_status exec_unanswered_delete(struct store *st, struct op *o)
{
    struct binder b = b_start(st->w[W_UNANSWERED_DELETE]);
    b_text(&b, o->u.una.key);
    return store_run_found(st, &b, "unanswered delete");
}

static pl_status exec_draft_add(struct store *st, struct op *o)
{
    int64_t now = pl_now_ms();
    struct binder b = b_start(st->w[W_DRAFT_ADD]);
    b_text(&b, o->u.draft.question);
    b_text(&b, o->u.draft.answer);
    b_text(&b, o->u.draft.locale);
    b_text(&b, o->u.draft.conv);
    b_int_or_null(&b, o->u.draft.agent_id);
    b_int(&b, now);
    int rc = b_step(&b);
    if (rc == DB_ROW) o->res.id = db_col_int(b.s, 0);
    db_reset(b.s);
    o->res.ts = now;
    return rc == DB_ROW ? PL_OK : store_db_status(st->wdb, rc, "draft add");
}

static pl_status exec_draft_delete(struct store *st, struct op *o)
{
    struct binder b = b_start(st->w[W_DRAFT_DELETE]);
    b_int(&b, o->u.draft.id);
    return store_run_found(st, &b, "draft delete");
}

pl_status store_faq_admin_exec(struct store *st, struct op *o)
{
    switch (o->kind) {
    case OP_UNANSWERED_ADD: return exec_unanswered_add(st, o);
    case OP_UNANSWERED_DELETE: return exec_unanswered_delete(st, o);
    case OP_DRAFT_ADD: return exec_draft_add(st, o);
    case OP_DRAFT_DELETE: return exec_draft_delete(st, o);
    default: return PL_ERR_BAD_REQUEST;
    }
}

/* ---- the asynchronous API ---- */

pl_status store_unanswered_add(struct store *st, const char *key, const char *text,
                               const char *locale, const char *conv, store_cb cb, void *ctx)
{
    if (!st || !key || !*key || !text) return PL_ERR_BAD_REQUEST;
    char cut[STORE_UNANSWERED_KEY_MAX + 1];
    size_t n = strlen(key);
    if (n > STORE_UNANSWERED_KEY_MAX) {
        n = STORE_UNANSWERED_KEY_MAX;
        while (n > 0 && ((unsigned char)key[n] & 0xC0) == 0x80) n--;   /* not mid-character */
        while (n > 0 && key[n - 1] == ' ') n--;
        if (!n) return PL_ERR_BAD_REQUEST;
        memcpy(cut, key, n);
        cut[n] = '\0';
        key = cut;
    }
    struct op *o = store_op_new(OP_UNANSWERED_ADD, cb, ctx);
    if (!o) return PL_ERR_NOMEM;
    o->u.una.key = store_op_dup(o, key);
    o->u.una.text = store_op_dup(o, text);
    o->u.una.locale = store_op_dup(o, locale);
    o->u.una.conv = store_op_dup(o, conv);
    return store_enqueue(st, o);
}

pl_status store_unanswered_delete(struct store *st, const char *key, store_cb cb, void *ctx)
{
    if (!st || !key) return PL_ERR_BAD_REQUEST;
    struct op *o = store_op_new(OP_UNANSWERED_DELETE, cb, ctx);
    if (!o) return PL_ERR_NOMEM;
    o->u.una.key = store_op_dup(o, key);
    return store_enqueue(st, o);
}

pl_status store_draft_add(struct store *st, const char *question, const char *answer,
                          const char *locale, const char *conv, int64_t agent_id,
                          store_cb cb, void *ctx)
{
    if (!st || !question || !answer) return PL_ERR_BAD_REQUEST;
    struct op *o = store_op_new(OP_DRAFT_ADD, cb, ctx);
    if (!o) return PL_ERR_NOMEM;
    o->u.draft.question = store_op_dup(o, question);
    o->u.draft.answer = store_op_dup(o, answer);
    o->u.draft.locale = store_op_dup(o, locale);
    o->u.draft.conv = store_op_dup(o, conv);
    o->u.draft.agent_id = agent_id;
    return store_enqueue(st, o);
}

pl_status store_draft_delete(struct store *st, int64_t id, store_cb cb, void *ctx)
{
    if (!st) return PL_ERR_BAD_REQUEST;
    struct op *o = store_op_new(OP_DRAFT_DELETE, cb, ctx);
    if (!o) return PL_ERR_NOMEM;
    o->u.draft.id = id;
    return store_enqueue(st, o);
}

pl_status store_faq_replace(struct store *st, const struct store_faq_row *rows, size_t n,
                            store_cb cb, void *ctx)
{
    if (!st || (n && !rows)) return PL_ERR_BAD_REQUEST;
    struct op *o = store_op_new(OP_FAQ_REPLACE, cb, ctx);
    if (!o) return PL_ERR_NOMEM;
    /* store_op_free frees u.faqs.rows (and the n rows filled) for this kind. */
    o->u.faqs.rows = calloc(n ? n : 1, sizeof(*o->u.faqs.rows));
    int oom = !o->u.faqs.rows;
    for (size_t i = 0; !oom && i < n; i++) {
        struct store_faq_row *r = &o->u.faqs.rows[i];
        r->id = strdup(rows[i].id);
        r->json = strdup(rows[i].json);
        o->u.faqs.n = i + 1;
        oom = !r->id || !r->json;
    }
    if (oom) {
        store_op_free(o);
        return PL_ERR_NOMEM;
    }
    return store_enqueue(st, o);
}

/* ---- synchronous reads (loop thread) ---- */

static void unanswered_free(struct store_unanswered *u)
{
    free(u->key); free(u->text); free(u->locale); free(u->last_conversation);
    memset(u, 0, sizeof(*u));
}

void store_unanswered_list_free(struct store_unanswered_list *l)
{
    if (!l) return;
    for (size_t i = 0; i < l->n; i++) unanswered_free(&l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

static void draft_free(struct store_draft *d)
{
    free(d->question); free(d->answer); free(d->locale); free(d->conversation_id);
    memset(d, 0, sizeof(*d));
}

void store_draft_list_free(struct store_draft_list *l)
{
    if (!l) return;
    for (size_t i = 0; i < l->n; i++) draft_free(&l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

static pl_status fill_unanswered(struct db_stmt *s, void *out)
{
    struct store_unanswered *u = out;
    int oom = 0;
    u->key = store_col_dup(s, 0, &oom);
    u->text = store_col_dup(s, 1, &oom);
    u->locale = store_col_dup(s, 2, &oom);
    u->count = db_col_int(s, 3);
    u->last_conversation = store_col_dup(s, 4, &oom);
    u->first_at = db_col_int(s, 5);
    u->last_at = db_col_int(s, 6);
    if (!oom) return PL_OK;
    unanswered_free(u);
    return PL_ERR_NOMEM;
}

static pl_status fill_draft(struct db_stmt *s, void *out)
{
    struct store_draft *d = out;
    int oom = 0;
    d->id = db_col_int(s, 0);
    d->question = store_col_dup(s, 1, &oom);
    d->answer = store_col_dup(s, 2, &oom);
    d->locale = store_col_dup(s, 3, &oom);
    d->conversation_id = store_col_dup(s, 4, &oom);
    d->agent_id = db_col_int(s, 5);
    d->created_at = db_col_int(s, 6);
    if (!oom) return PL_OK;
    draft_free(d);
    return PL_ERR_NOMEM;
}

pl_status store_unanswered_list(struct store *st, size_t limit, struct store_unanswered_list *out)
{
    memset(out, 0, sizeof(*out));
    struct binder b = b_start(st->r[R_UNANSWERED]);
    b_int(&b, store_sql_limit(limit));
    struct store_rows g = { NULL, 0, 0, sizeof(*out->v) };
    pl_status s = store_read_rows(st, &b, fill_unanswered, &g, "unanswered list");
    out->v = (struct store_unanswered *)(void *)g.v;
    out->n = g.n;
    if (s != PL_OK) store_unanswered_list_free(out);
    return s;
}

pl_status store_draft_list(struct store *st, size_t limit, struct store_draft_list *out)
{
    memset(out, 0, sizeof(*out));
    struct binder b = b_start(st->r[R_DRAFTS]);
    b_int(&b, store_sql_limit(limit));
    struct store_rows g = { NULL, 0, 0, sizeof(*out->v) };
    pl_status s = store_read_rows(st, &b, fill_draft, &g, "draft list");
    out->v = (struct store_draft *)(void *)g.v;
    out->n = g.n;
    if (s != PL_OK) store_draft_list_free(out);
    return s;
}
