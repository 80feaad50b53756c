/*
 * Store: canned responses. Apart from store_ops.c for the same reason as
 * store_routing.c (each file stays a readable size); store_op_exec dispatches
 * here. The rules on a row (shortcut alphabet, lengths, uniqueness) live in
 * the schema's CHECKs and UNIQUE, so no writer can store a row the dashboard
 * could not insert; a refused write changes nothing (its savepoint rolls back).
 */
#include <stdlib.h>
#include <string.h>
#include "store_internal.h"

/* ---- on the writer thread ---- */

static pl_status exec_create(struct store *st, struct op *o)
{
    int64_t now = pl_now_ms();
    struct binder b = b_start(st->w[W_CANNED_INSERT]);
    b_text(&b, o->u.canned.shortcut);
    b_text(&b, o->u.canned.title);
    b_text(&b, o->u.canned.text);
    b_int(&b, now);
    int rc = b_step(&b);
    if (rc == DB_ROW) o->res.id = db_col_int(b.s, 0);
    db_reset(b.s);
    o->res.ts = now;
    return rc == DB_ROW ? PL_OK : store_db_status(st->wdb, rc, "canned create");
}

static pl_status exec_update(struct store *st, struct op *o)
{
    int64_t now = pl_now_ms();
    struct binder b = b_start(st->w[W_CANNED_UPDATE]);
    b_text(&b, o->u.canned.shortcut);
    b_text(&b, o->u.canned.title);
    b_text(&b, o->u.canned.text);
    b_int(&b, now);
    b_int(&b, o->u.canned.id);
    o->res.id = o->u.canned.id;
    o->res.ts = now;
    return store_run_found(st, &b, "canned update");
}

static pl_status exec_delete(struct store *st, struct op *o)
{
    struct binder b = b_start(st->w[W_CANNED_DELETE]);
    b_int(&b, o->u.canned.id);
    o->res.id = o->u.canned.id;
    return store_run_found(st, &b, "canned delete");
}

pl_status store_canned_exec(struct store *st, struct op *o)
{
    switch (o->kind) {
    case OP_CANNED_CREATE: return exec_create(st, o);
    case OP_CANNED_UPDATE: return exec_update(st, o);
    case OP_CANNED_DELETE: return exec_delete(st, o);
    default: return PL_ERR_BAD_REQUEST;
    }
}

/* ---- the asynchronous API ---- */

static pl_status enqueue_row(struct store *st, enum op_kind kind, int64_t id, const char *shortcut,
                             const char *title, const char *text, store_cb cb, void *ctx)
{
    if (!st || !shortcut || !title || !text) return PL_ERR_BAD_REQUEST;
    struct op *o = store_op_new(kind, cb, ctx);
    if (!o) return PL_ERR_NOMEM;
    o->u.canned.id = id;
    o->u.canned.shortcut = store_op_dup(o, shortcut);
    o->u.canned.title = store_op_dup(o, title);
    o->u.canned.text = store_op_dup(o, text);
    return store_enqueue(st, o);
}

pl_status store_canned_create(struct store *st, const char *shortcut, const char *title,
                              const char *text, store_cb cb, void *ctx)
{
    return enqueue_row(st, OP_CANNED_CREATE, 0, shortcut, title, text, cb, ctx);
}

pl_status store_canned_update(struct store *st, int64_t id, const char *shortcut,
                              const char *title, const char *text, store_cb cb, void *ctx)
{
    return enqueue_row(st, OP_CANNED_UPDATE, id, shortcut, title, text, cb, ctx);
}

pl_status store_canned_delete(struct store *st, int64_t id, store_cb cb, void *ctx)
{
    if (!st) return PL_ERR_BAD_REQUEST;
    struct op *o = store_op_new(OP_CANNED_DELETE, cb, ctx);
    if (!o) return PL_ERR_NOMEM;
    o->u.canned.id = id;
    return store_enqueue(st, o);
}

/* ---- the synchronous read (loop thread) ---- */

void store_canned_list_free(struct store_canned_list *l)
{
    if (!l) return;
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].shortcut); free(l->v[i].title); free(l->v[i].text);
    }
    free(l->v);
    memset(l, 0, sizeof(*l));
}

/* The columns are NOT NULL, so a NULL copy is a failed one. */
static pl_status fill_canned(struct db_stmt *s, void *out)
{
    struct store_canned *r = out;
    int oom = 0;
    r->id = db_col_int(s, 0);
    r->shortcut = store_col_dup(s, 1, &oom);
    r->title = store_col_dup(s, 2, &oom);
    r->text = store_col_dup(s, 3, &oom);
    r->created_at = db_col_int(s, 4);
    r->updated_at = db_col_int(s, 5);
    if (!oom && r->shortcut && r->title && r->text) return PL_OK;
    free(r->shortcut); free(r->title); free(r->text);
    memset(r, 0, sizeof(*r));
    return PL_ERR_NOMEM;
}

pl_status store_canned_list(struct store *st, struct store_canned_list *out)
{
    memset(out, 0, sizeof(*out));
    if (!st) return PL_ERR_BAD_REQUEST;
    struct binder b = b_start(st->r[R_CANNED_LIST]);
    struct store_rows g = { NULL, 0, 0, sizeof(*out->v) };
    pl_status s = store_read_rows(st, &b, fill_canned, &g, "canned list");
    out->v = (struct store_canned *)(void *)g.v;
    out->n = g.n;
    if (s != PL_OK) store_canned_list_free(out);
    return s;
}
