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
    if (rc == SQLITE_ROW) o->res.id = sqlite3_column_int64(b.s, 0);
    sqlite3_reset(b.s);
    o->res.ts = now;
    return rc == SQLITE_ROW ? PL_OK : store_db_status(st->wdb, rc, "canned create");
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

/* A copy of a text column; *oom = 1 when the copy fails (the columns are NOT NULL). */
static char *col_dup(sqlite3_stmt *s, int i, int *oom)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    char *c = t ? strdup((const char *)t) : NULL;
    if (!c) *oom = 1;
    return c;
}

void store_canned_list_free(struct store_canned_list *l)
{
    if (!l) return;
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].shortcut); free(l->v[i].title); free(l->v[i].text);
    }
    free(l->v);
    memset(l, 0, sizeof(*l));
}

pl_status store_canned_list(struct store *st, struct store_canned_list *out)
{
    memset(out, 0, sizeof(*out));
    if (!st) return PL_ERR_BAD_REQUEST;
    struct binder b = b_start(st->r[R_CANNED_LIST]);
    size_t cap = 0;
    pl_status s = PL_OK;
    int rc;
    while ((rc = b_step(&b)) == SQLITE_ROW) {
        if (out->n == cap) {
            size_t c = cap ? cap * 2 : 16;
            struct store_canned *v = realloc(out->v, c * sizeof(*v));
            if (!v) { s = PL_ERR_NOMEM; break; }
            out->v = v;
            cap = c;
        }
        struct store_canned *r = &out->v[out->n];
        int oom = 0;
        memset(r, 0, sizeof(*r));
        r->id = sqlite3_column_int64(b.s, 0);
        r->shortcut = col_dup(b.s, 1, &oom);
        r->title = col_dup(b.s, 2, &oom);
        r->text = col_dup(b.s, 3, &oom);
        r->created_at = sqlite3_column_int64(b.s, 4);
        r->updated_at = sqlite3_column_int64(b.s, 5);
        out->n++;                          /* filled or not, the list free frees it */
        if (oom) { s = PL_ERR_NOMEM; break; }
    }
    if (s == PL_OK && rc != SQLITE_DONE) s = store_db_status(st->rdb, rc, "canned list");
    sqlite3_reset(b.s);
    if (s != PL_OK) store_canned_list_free(out);
    return s;
}
