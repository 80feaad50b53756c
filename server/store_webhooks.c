/*
 * Store: webhooks and the delivery log (see store_webhooks.h). Apart from
 * store_ops.c like store_canned.c; store_op_exec dispatches here. The URL
 * scheme rule is also a CHECK, so no writer can store a hook the sender would
 * refuse; the hook limit is counted inside the insert's transaction, so two
 * concurrent creates cannot both get past it.
 */
#include <stdlib.h>
#include <string.h>
#include "store_internal.h"
#include "parley/store_webhooks.h"

static const char *const status_names[] = {"pending", "delivered", "failed"};

const char *store_delivery_status_name(enum store_delivery_status s)
{
    return (unsigned)s < PL_ARRAY_LEN(status_names) ? status_names[s] : "pending";
}

static enum store_delivery_status status_parse(const char *s)
{
    for (size_t i = 0; s && i < PL_ARRAY_LEN(status_names); i++)
        if (!strcmp(s, status_names[i])) return (enum store_delivery_status)i;
    return DELIVERY_PENDING;
}

/* ---- on the writer thread ---- */

static pl_status exec_create(struct store *st, struct op *o)
{
    struct binder b = b_start(st->w[W_WEBHOOK_COUNT]);
    int rc = b_step(&b);
    int64_t n = rc == DB_ROW ? db_col_int(b.s, 0) : 0;
    db_reset(b.s);
    if (rc != DB_ROW) return store_db_status(st->wdb, rc, "webhook count");
    if (n >= STORE_WEBHOOKS_MAX) return PL_ERR_CONFLICT;
    int64_t now = pl_now_ms();
    b = b_start(st->w[W_WEBHOOK_INSERT]);
    b_text(&b, o->u.hook.url);
    b_text(&b, o->u.hook.secret);
    b_text(&b, o->u.hook.events);
    b_int(&b, o->u.hook.active);
    b_int(&b, now);
    rc = b_step(&b);
    if (rc == DB_ROW) o->res.id = db_col_int(b.s, 0);
    db_reset(b.s);
    o->res.ts = now;
    if (rc == DB_CONSTRAINT_CHECK) return PL_ERR_BAD_REQUEST;
    return rc == DB_ROW ? PL_OK : store_db_status(st->wdb, rc, "webhook create");
}

static pl_status exec_update(struct store *st, struct op *o)
{
    int64_t now = pl_now_ms();
    struct binder b = b_start(st->w[W_WEBHOOK_UPDATE]);
    b_text(&b, o->u.hook.url);
    b_text(&b, o->u.hook.events);
    b_int(&b, o->u.hook.active);
    b_int(&b, now);
    b_int(&b, o->u.hook.id);
    o->res.id = o->u.hook.id;
    o->res.ts = now;
    return store_run_found(st, &b, "webhook update");
}

static pl_status exec_delete(struct store *st, struct op *o)
{
    struct binder b = b_start(st->w[W_WEBHOOK_DELETE_LOG]);
    b_int(&b, o->u.hook.id);
    pl_status s = store_run_done(st, &b, "webhook log delete", NULL);
    if (s != PL_OK) return s;
    b = b_start(st->w[W_WEBHOOK_DELETE]);
    b_int(&b, o->u.hook.id);
    o->res.id = o->u.hook.id;
    return store_run_found(st, &b, "webhook delete");
}

static pl_status exec_emit(struct store *st, struct op *o)
{
    int64_t now = pl_now_ms();
    struct binder b = b_start(st->w[W_WEBHOOK_EMIT]);
    b_text(&b, o->u.hook.event);
    b_text(&b, o->u.hook.data);
    b_int(&b, now);
    b_int_or_null(&b, o->u.hook.id);
    /* One row per matching hook; the id reported is the last one's. */
    int rc, changed = 0;
    o->res.id = 0;
    while ((rc = b_step(&b)) == DB_ROW) {
        o->res.id = db_col_int(b.s, 0);
        changed++;
    }
    db_reset(b.s);
    o->res.ts = now;
    if (rc != DB_DONE) return store_db_status(st->wdb, rc, "webhook emit");
    if (o->u.hook.id && !changed) return PL_ERR_NOT_FOUND;
    return PL_OK;
}

static pl_status exec_result(struct store *st, struct op *o)
{
    struct binder b = b_start(st->w[W_DELIVERY_RESULT]);
    b_int(&b, o->u.hook.delivery);
    b_int(&b, o->u.hook.attempts);
    b_text(&b, store_delivery_status_name((enum store_delivery_status)o->u.hook.status));
    b_int(&b, o->u.hook.next_at);
    b_int_or_null(&b, o->u.hook.code);
    b_text(&b, o->u.hook.error);
    b_int_or_null(&b, o->u.hook.status == DELIVERY_DELIVERED ? pl_now_ms() : 0);
    pl_status s = store_run_done(st, &b, "delivery result", NULL);
    if (s != PL_OK || o->u.hook.status == DELIVERY_PENDING) return s;
    b = b_start(st->w[W_DELIVERY_PRUNE]);
    b_int(&b, o->u.hook.id);
    b_int(&b, STORE_WEBHOOK_LOG_KEEP - 1);
    return store_run_done(st, &b, "delivery prune", NULL);
}

static pl_status exec_retry(struct store *st, struct op *o)
{
    struct binder b = b_start(st->w[W_DELIVERY_RETRY]);
    b_int(&b, o->u.hook.delivery);
    b_int(&b, o->u.hook.id);
    b_int(&b, pl_now_ms());
    o->res.id = o->u.hook.delivery;
    return store_run_found(st, &b, "delivery retry");
}

static pl_status exec_claim(struct store *st, struct op *o)
{
    struct binder b = b_start(st->w[W_DELIVERY_CLAIM]);
    b_int(&b, o->u.hook.delivery);
    b_int(&b, o->u.hook.next_at);      /* now: due at or before it */
    b_int(&b, o->u.hook.lease_until);
    o->res.id = o->u.hook.delivery;
    return store_run_found(st, &b, "delivery claim");
}

pl_status store_webhooks_exec(struct store *st, struct op *o)
{
    switch (o->kind) {
    case OP_WEBHOOK_CREATE: return exec_create(st, o);
    case OP_WEBHOOK_UPDATE: return exec_update(st, o);
    case OP_WEBHOOK_DELETE: return exec_delete(st, o);
    case OP_WEBHOOK_EMIT: return exec_emit(st, o);
    case OP_DELIVERY_RESULT: return exec_result(st, o);
    case OP_DELIVERY_RETRY: return exec_retry(st, o);
    case OP_DELIVERY_CLAIM: return exec_claim(st, o);
    default: return PL_ERR_BAD_REQUEST;
    }
}

/* ---- the asynchronous API ---- */

static struct op *new_op(struct store *st, enum op_kind kind, int64_t id, store_cb cb, void *ctx)
{
    struct op *o = st ? store_op_new(kind, cb, ctx) : NULL;
    if (o) o->u.hook.id = id;
    return o;
}

pl_status store_webhook_create(struct store *st, const char *url, const char *secret,
                               const char *events, int active, store_cb cb, void *ctx)
{
    if (!url || !secret || !events) return PL_ERR_BAD_REQUEST;
    struct op *o = new_op(st, OP_WEBHOOK_CREATE, 0, cb, ctx);
    if (!o) return st ? PL_ERR_NOMEM : PL_ERR_BAD_REQUEST;
    o->u.hook.url = store_op_dup(o, url);
    o->u.hook.secret = store_op_dup(o, secret);
    o->u.hook.events = store_op_dup(o, events);
    o->u.hook.active = active ? 1 : 0;
    return store_enqueue(st, o);
}

pl_status store_webhook_update(struct store *st, int64_t id, const char *url, const char *events,
                               int active, store_cb cb, void *ctx)
{
    if (!url || !events) return PL_ERR_BAD_REQUEST;
    struct op *o = new_op(st, OP_WEBHOOK_UPDATE, id, cb, ctx);
    if (!o) return st ? PL_ERR_NOMEM : PL_ERR_BAD_REQUEST;
    o->u.hook.url = store_op_dup(o, url);
    o->u.hook.events = store_op_dup(o, events);
    o->u.hook.active = active ? 1 : 0;
    return store_enqueue(st, o);
}

pl_status store_webhook_delete(struct store *st, int64_t id, store_cb cb, void *ctx)
{
    struct op *o = new_op(st, OP_WEBHOOK_DELETE, id, cb, ctx);
    if (!o) return st ? PL_ERR_NOMEM : PL_ERR_BAD_REQUEST;
    return store_enqueue(st, o);
}

pl_status store_webhook_emit(struct store *st, const char *event, const char *data,
                             int64_t only_hook, store_cb cb, void *ctx)
{
    if (!event || !data) return PL_ERR_BAD_REQUEST;
    struct op *o = new_op(st, OP_WEBHOOK_EMIT, only_hook, cb, ctx);
    if (!o) return st ? PL_ERR_NOMEM : PL_ERR_BAD_REQUEST;
    o->u.hook.event = store_op_dup(o, event);
    o->u.hook.data = store_op_dup(o, data);
    return store_enqueue(st, o);
}

pl_status store_delivery_result(struct store *st, const struct store_delivery_result *in,
                                store_cb cb, void *ctx)
{
    if (!in) return PL_ERR_BAD_REQUEST;
    struct op *o = new_op(st, OP_DELIVERY_RESULT, in->webhook_id, cb, ctx);
    if (!o) return st ? PL_ERR_NOMEM : PL_ERR_BAD_REQUEST;
    o->u.hook.delivery = in->id;
    o->u.hook.attempts = in->attempts;
    o->u.hook.status = (int)in->status;
    o->u.hook.next_at = in->next_attempt_at;
    o->u.hook.code = in->status_code;
    o->u.hook.error = store_op_dup(o, in->error);
    return store_enqueue(st, o);
}

pl_status store_delivery_claim(struct store *st, int64_t delivery_id, int64_t now_ms,
                               int64_t lease_until, store_cb cb, void *ctx)
{
    struct op *o = new_op(st, OP_DELIVERY_CLAIM, 0, cb, ctx);
    if (!o) return st ? PL_ERR_NOMEM : PL_ERR_BAD_REQUEST;
    o->u.hook.delivery = delivery_id;
    o->u.hook.next_at = now_ms;
    o->u.hook.lease_until = lease_until;
    return store_enqueue(st, o);
}

pl_status store_delivery_retry(struct store *st, int64_t webhook_id, int64_t delivery_id,
                               store_cb cb, void *ctx)
{
    struct op *o = new_op(st, OP_DELIVERY_RETRY, webhook_id, cb, ctx);
    if (!o) return st ? PL_ERR_NOMEM : PL_ERR_BAD_REQUEST;
    o->u.hook.delivery = delivery_id;
    return store_enqueue(st, o);
}

/* ---- synchronous reads (loop thread) ---- */

void store_webhook_free(struct store_webhook *w)
{
    if (!w) return;
    free(w->url); free(w->secret); free(w->events);
    memset(w, 0, sizeof(*w));
}

void store_webhook_list_free(struct store_webhook_list *l)
{
    if (!l) return;
    for (size_t i = 0; i < l->n; i++) store_webhook_free(&l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

static void delivery_free(struct store_delivery *d)
{
    free(d->event); free(d->payload); free(d->last_error); free(d->url); free(d->secret);
}

void store_delivery_list_free(struct store_delivery_list *l)
{
    if (!l) return;
    for (size_t i = 0; i < l->n; i++) delivery_free(&l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

static pl_status fill_hook(struct db_stmt *s, void *out)
{
    struct store_webhook *w = out;
    int oom = 0;
    w->id = db_col_int(s, 0);
    w->url = store_col_dup(s, 1, &oom);
    w->secret = store_col_dup(s, 2, &oom);
    w->events = store_col_dup(s, 3, &oom);
    w->active = db_col_int(s, 4);
    w->created_at = db_col_int(s, 5);
    w->updated_at = db_col_int(s, 6);
    if (!oom) return PL_OK;
    store_webhook_free(w);
    return PL_ERR_NOMEM;
}

static pl_status fill_delivery(struct db_stmt *s, void *out)
{
    struct store_delivery *d = out;
    int oom = 0;
    d->id = db_col_int(s, 0);
    d->webhook_id = db_col_int(s, 1);
    d->event = store_col_dup(s, 2, &oom);
    d->payload = store_col_dup(s, 3, &oom);
    d->attempts = db_col_int(s, 4);
    d->status = status_parse(db_col_text(s, 5));
    d->next_attempt_at = db_col_int(s, 6);
    d->last_status_code = db_col_int(s, 7);
    d->last_error = store_col_dup(s, 8, &oom);
    d->created_at = db_col_int(s, 9);
    d->delivered_at = db_col_int(s, 10);
    d->url = store_col_dup(s, 11, &oom);
    d->secret = store_col_dup(s, 12, &oom);
    if (!oom) return PL_OK;
    delivery_free(d);
    return PL_ERR_NOMEM;
}

pl_status store_webhook_list(struct store *st, struct store_webhook_list *out)
{
    memset(out, 0, sizeof(*out));
    if (!st) return PL_ERR_BAD_REQUEST;
    struct binder b = b_start(st->r[R_WEBHOOKS]);
    struct store_rows g = { NULL, 0, 0, sizeof(*out->v) };
    pl_status s = store_read_rows(st, &b, fill_hook, &g, "webhook list");
    out->v = (struct store_webhook *)(void *)g.v;
    out->n = g.n;
    if (s != PL_OK) store_webhook_list_free(out);
    return s;
}

pl_status store_webhook_get(struct store *st, int64_t id, struct store_webhook *out)
{
    memset(out, 0, sizeof(*out));
    if (!st) return PL_ERR_BAD_REQUEST;
    struct binder b = b_start(st->r[R_WEBHOOK_BY_ID]);
    b_int(&b, id);
    int rc = b_step(&b);
    pl_status s = PL_OK;
    if (rc == DB_ROW) {
        s = fill_hook(b.s, out);
    } else {
        s = rc == DB_DONE ? PL_ERR_NOT_FOUND : store_db_status(st->rdb, rc, "webhook get");
    }
    db_reset(b.s);
    return s;
}

static pl_status list_deliveries(struct store *st, struct binder *b, const char *what,
                                 struct store_delivery_list *out)
{
    struct store_rows g = { NULL, 0, 0, sizeof(*out->v) };
    pl_status s = store_read_rows(st, b, fill_delivery, &g, what);
    out->v = (struct store_delivery *)(void *)g.v;
    out->n = g.n;
    if (s != PL_OK) store_delivery_list_free(out);
    return s;
}

pl_status store_webhook_deliveries(struct store *st, int64_t webhook_id, size_t limit,
                                   struct store_delivery_list *out)
{
    memset(out, 0, sizeof(*out));
    if (!st) return PL_ERR_BAD_REQUEST;
    struct binder b = b_start(st->r[R_WEBHOOK_DELIVERIES]);
    b_int(&b, webhook_id);
    b_int(&b, (int64_t)limit);
    return list_deliveries(st, &b, "webhook deliveries", out);
}

pl_status store_deliveries_due(struct store *st, int64_t now_ms, size_t limit,
                               struct store_delivery_list *out)
{
    memset(out, 0, sizeof(*out));
    if (!st) return PL_ERR_BAD_REQUEST;
    struct binder b = b_start(st->r[R_WEBHOOK_DUE]);
    b_int(&b, now_ms);
    b_int(&b, (int64_t)limit);
    return list_deliveries(st, &b, "deliveries due", out);
}

pl_status store_deliveries_pending(struct store *st, int64_t *next_at, int64_t *count)
{
    *next_at = *count = 0;
    if (!st) return PL_ERR_BAD_REQUEST;
    struct binder b = b_start(st->r[R_WEBHOOK_PENDING]);
    int rc = b_step(&b);
    if (rc == DB_ROW) {
        *next_at = db_col_int(b.s, 0);
        *count = db_col_int(b.s, 1);
    }
    db_reset(b.s);
    return rc == DB_ROW ? PL_OK : store_db_status(st->rdb, rc, "deliveries pending");
}
