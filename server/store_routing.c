/*
 * Store: the routing writes (an agent's role, capacity and activity; site
 * settings): their enqueue functions, and what they do on the writer thread
 * inside their savepoints. Apart from store_api.c/store_ops.c only to keep those
 * a readable size; store_op_exec dispatches here.
 *
 * An update is validated before it touches the row so a refused one changes
 * nothing; the schema's CHECKs would refuse the same values and stay as the
 * backstop. Deactivation deletes the agent's sessions in the same savepoint:
 * there is no moment at which an inactive agent still holds a usable session.
 */
#include <string.h>
#include "store_internal.h"

static int update_valid(const struct store_agent_update *u)
{
    if (u->role && strcmp(u->role, "admin") != 0 && strcmp(u->role, "agent") != 0) return 0;
    if (u->capacity != -1 && (u->capacity < 0 || u->capacity > 1000)) return 0;
    return u->active == -1 || u->active == 0 || u->active == 1;
}

static pl_status exec_update_agent(struct store *st, struct op *o)
{
    const struct store_agent_update *u = &o->u.upd.f;
    int64_t id = o->u.upd.id;
    o->res.id = id;
    if (!update_valid(u)) return PL_ERR_BAD_REQUEST;
    struct binder b = b_start(st->w[W_UPDATE_AGENT]);
    b_text(&b, u->name);
    b_text(&b, u->role);
    b_int(&b, u->capacity);
    b_int(&b, u->active);
    b_int(&b, id);
    int changed = 0;
    pl_status s = store_run_done(st, &b, "update agent", &changed);
    if (s != PL_OK) return s;
    if (!changed) return PL_ERR_NOT_FOUND;
    if (u->active != 0) return PL_OK;
    b = b_start(st->w[W_DELETE_AGENT_SESSIONS]);
    b_int(&b, id);
    return store_run_done(st, &b, "delete agent sessions", NULL);
}

static pl_status exec_setting_put(struct store *st, struct op *o)
{
    struct binder b = b_start(st->w[W_SETTING_PUT]);
    b_text(&b, o->u.set.key);
    b_text(&b, o->u.set.value);
    b_int(&b, pl_now_ms());
    return store_run_done(st, &b, "setting put", NULL);
}

pl_status store_routing_exec(struct store *st, struct op *o)
{
    switch (o->kind) {
    case OP_UPDATE_AGENT: return exec_update_agent(st, o);
    case OP_SETTING_PUT: return exec_setting_put(st, o);
    default: return PL_ERR_BAD_REQUEST;
    }
}

/* ---- the asynchronous API ---- */

pl_status store_update_agent(struct store *st, int64_t id, const struct store_agent_update *u,
                             store_cb cb, void *ctx)
{
    if (!st || !u) return PL_ERR_BAD_REQUEST;
    struct op *o = store_op_new(OP_UPDATE_AGENT, cb, ctx);
    if (!o) return PL_ERR_NOMEM;
    o->u.upd.id = id;
    o->u.upd.f = *u;
    o->u.upd.f.name = store_op_dup(o, u->name);
    o->u.upd.f.role = store_op_dup(o, u->role);
    return store_enqueue(st, o);
}

pl_status store_setting_put(struct store *st, const char *key, const char *value,
                            store_cb cb, void *ctx)
{
    if (!st || !key || !*key || !value) return PL_ERR_BAD_REQUEST;
    struct op *o = store_op_new(OP_SETTING_PUT, cb, ctx);
    if (!o) return PL_ERR_NOMEM;
    o->u.set.key = store_op_dup(o, key);
    o->u.set.value = store_op_dup(o, value);
    return store_enqueue(st, o);
}
