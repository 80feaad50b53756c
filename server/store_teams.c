/*
 * Store: teams and routing a conversation to one (store_teams.h). Apart from
 * store_ops.c like store_canned.c; store_op_exec dispatches here. A team's
 * writes (name and members together) run in one op, so a refused member
 * leaves the team as it was.
 */
#include <stdlib.h>
#include <string.h>
#include "store_internal.h"
#include "parley/store_teams.h"

/* ---- on the writer thread ---- */

static pl_status team_exists(struct store *st, int64_t id)
{
    struct binder b = b_start(st->w[W_TEAM_EXISTS]);
    b_int(&b, id);
    int rc = b_step(&b);
    db_reset(b.s);
    if (rc == DB_ROW) return PL_OK;
    return rc == DB_DONE ? PL_ERR_NOT_FOUND : store_db_status(st->wdb, rc, "team exists");
}

static pl_status set_members(struct store *st, struct op *o)
{
    struct binder b = b_start(st->w[W_TEAM_CLEAR_MEMBERS]);
    b_int(&b, o->res.id);
    pl_status s = store_run_done(st, &b, "team members clear", NULL);
    for (size_t i = 0; s == PL_OK && i < o->u.team.n; i++) {
        b = b_start(st->w[W_TEAM_ADD_MEMBER]);
        b_int(&b, o->res.id);
        b_int(&b, o->u.team.members[i]);
        s = store_run_done(st, &b, "team member", NULL);
    }
    return s;
}

static pl_status exec_create(struct store *st, struct op *o)
{
    int64_t now = pl_now_ms();
    struct binder b = b_start(st->w[W_TEAM_INSERT]);
    b_text(&b, o->u.team.name);
    b_int(&b, now);
    int rc = b_step(&b);
    if (rc == DB_ROW) o->res.id = db_col_int(b.s, 0);
    db_reset(b.s);
    o->res.ts = now;
    if (rc != DB_ROW) return store_db_status(st->wdb, rc, "team create");
    return set_members(st, o);
}

static pl_status exec_update(struct store *st, struct op *o)
{
    o->res.id = o->u.team.id;
    pl_status s = team_exists(st, o->u.team.id);
    if (s != PL_OK) return s;
    if (o->u.team.name) {
        struct binder b = b_start(st->w[W_TEAM_RENAME]);
        b_text(&b, o->u.team.name);
        b_int(&b, o->u.team.id);
        if ((s = store_run_done(st, &b, "team rename", NULL)) != PL_OK) return s;
    }
    return o->u.team.set_members ? set_members(st, o) : PL_OK;
}

static pl_status exec_delete(struct store *st, struct op *o)
{
    o->res.id = o->u.team.id;
    pl_status s = team_exists(st, o->u.team.id);
    if (s != PL_OK) return s;
    struct binder b = b_start(st->w[W_TEAM_UNROUTE]);
    b_int(&b, o->u.team.id);
    if ((s = store_run_done(st, &b, "team unroute", NULL)) != PL_OK) return s;
    b = b_start(st->w[W_TEAM_CLEAR_MEMBERS]);
    b_int(&b, o->u.team.id);
    if ((s = store_run_done(st, &b, "team members clear", NULL)) != PL_OK) return s;
    b = b_start(st->w[W_TEAM_DELETE]);
    b_int(&b, o->u.team.id);
    return store_run_done(st, &b, "team delete", NULL);
}

pl_status store_teams_route(struct store *st, const char *conv, int64_t team)
{
    struct binder b = b_start(st->w[W_CONV_TEAM]);
    b_text(&b, conv);
    b_int(&b, team);
    int changed = 0;
    pl_status s = store_run_done(st, &b, "conversation team", &changed);   /* unknown team: FK */
    return s != PL_OK ? s : changed ? PL_OK : PL_ERR_NOT_FOUND;
}

pl_status store_teams_exec(struct store *st, struct op *o)
{
    switch (o->kind) {
    case OP_TEAM_CREATE: return exec_create(st, o);
    case OP_TEAM_UPDATE: return exec_update(st, o);
    case OP_TEAM_DELETE: return exec_delete(st, o);
    case OP_CONV_TEAM: return store_teams_route(st, o->u.team.conv, o->u.team.id);
    default: return PL_ERR_BAD_REQUEST;
    }
}

/* ---- the asynchronous API ---- */

/* The member ids live in owned[], so store_op_free frees them with the strings. */
static struct op *team_op(enum op_kind kind, int64_t id, const char *name,
                          const int64_t *members, size_t n, store_cb cb, void *ctx)
{
    struct op *o = store_op_new(kind, cb, ctx);
    if (!o) return NULL;
    o->u.team.id = id;
    o->u.team.name = store_op_dup(o, name);
    if (members && n) {
        int64_t *copy = malloc(n * sizeof(*copy));
        if (!copy || o->n_owned >= OP_MAX_STRINGS) {
            free(copy);
            o->oom = 1;
            return o;
        }
        memcpy(copy, members, n * sizeof(*copy));
        o->owned[o->n_owned++] = (char *)copy;
        o->u.team.members = copy;
        o->u.team.n = n;
    }
    o->u.team.set_members = members != NULL;
    return o;
}

pl_status store_team_create(struct store *st, const char *name, const int64_t *members,
                            size_t n, store_cb cb, void *ctx)
{
    if (!st || !name || n > STORE_TEAM_MEMBERS_MAX) return PL_ERR_BAD_REQUEST;
    struct op *o = team_op(OP_TEAM_CREATE, 0, name, members, n, cb, ctx);
    return o ? store_enqueue(st, o) : PL_ERR_NOMEM;
}

pl_status store_team_update(struct store *st, int64_t id, const char *name,
                            const int64_t *members, size_t n, store_cb cb, void *ctx)
{
    if (!st || n > STORE_TEAM_MEMBERS_MAX) return PL_ERR_BAD_REQUEST;
    static const int64_t none[1];
    struct op *o = team_op(OP_TEAM_UPDATE, id, name, members ? (n ? members : none) : NULL, n,
                           cb, ctx);
    return o ? store_enqueue(st, o) : PL_ERR_NOMEM;
}

pl_status store_team_delete(struct store *st, int64_t id, store_cb cb, void *ctx)
{
    if (!st) return PL_ERR_BAD_REQUEST;
    struct op *o = team_op(OP_TEAM_DELETE, id, NULL, NULL, 0, cb, ctx);
    return o ? store_enqueue(st, o) : PL_ERR_NOMEM;
}

pl_status store_conv_set_team(struct store *st, const char *conv, int64_t team,
                              store_cb cb, void *ctx)
{
    if (!st || !conv || team <= 0) return PL_ERR_BAD_REQUEST;
    struct op *o = team_op(OP_CONV_TEAM, team, NULL, NULL, 0, cb, ctx);
    if (!o) return PL_ERR_NOMEM;
    o->u.team.conv = store_op_dup(o, conv);
    return store_enqueue(st, o);
}

/* ---- the synchronous reads (loop thread) ---- */

void store_team_free(struct store_team *t)
{
    if (!t) return;
    free(t->name);
    free(t->members);
    memset(t, 0, sizeof(*t));
}

void store_team_list_free(struct store_team_list *l)
{
    if (!l) return;
    for (size_t i = 0; i < l->n; i++) store_team_free(&l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

static pl_status read_teams(struct store *st, struct store_team_list *out)
{
    struct binder b = b_start(st->r[R_TEAMS]);
    size_t cap = 0;
    pl_status s = PL_OK;
    int rc;
    while ((rc = b_step(&b)) == DB_ROW) {
        if (out->n == cap) {
            size_t c = cap ? cap * 2 : 8;
            struct store_team *v = realloc(out->v, c * sizeof(*v));
            if (!v) { s = PL_ERR_NOMEM; break; }
            out->v = v;
            cap = c;
        }
        struct store_team *t = &out->v[out->n++];
        int oom = 0;
        memset(t, 0, sizeof(*t));
        t->id = db_col_int(b.s, 0);
        t->name = store_col_dup(b.s, 1, &oom);
        t->created_at = db_col_int(b.s, 2);
        if (oom || !t->name) { s = PL_ERR_NOMEM; break; }
    }
    if (s == PL_OK && rc != DB_DONE) s = store_db_status(st->rdb, rc, "teams");
    db_reset(b.s);
    return s;
}

static struct store_team *by_id(struct store_team_list *l, int64_t id)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].id == id) return &l->v[i];
    return NULL;
}

static pl_status read_members(struct store *st, struct store_team_list *out)
{
    struct binder b = b_start(st->r[R_TEAM_MEMBERS]);
    pl_status s = PL_OK;
    int rc;
    while ((rc = b_step(&b)) == DB_ROW) {
        struct store_team *t = by_id(out, db_col_int(b.s, 0));
        if (!t) continue;    /* cannot happen: one read transaction would be needed */
        int64_t *v = realloc(t->members, (t->n_members + 1) * sizeof(*v));
        if (!v) { s = PL_ERR_NOMEM; break; }
        t->members = v;
        v[t->n_members++] = db_col_int(b.s, 1);
    }
    if (s == PL_OK && rc != DB_DONE) s = store_db_status(st->rdb, rc, "team members");
    db_reset(b.s);
    return s;
}

pl_status store_team_list(struct store *st, struct store_team_list *out)
{
    memset(out, 0, sizeof(*out));
    if (!st) return PL_ERR_BAD_REQUEST;
    pl_status s = read_teams(st, out);
    if (s == PL_OK) s = read_members(st, out);
    if (s != PL_OK) store_team_list_free(out);
    return s;
}

pl_status store_team_get(struct store *st, int64_t id, struct store_team *out)
{
    memset(out, 0, sizeof(*out));
    struct store_team_list l;
    pl_status s = store_team_list(st, &l);
    if (s != PL_OK) return s;
    struct store_team *t = by_id(&l, id);
    if (t) {
        *out = *t;                        /* moved out: the list no longer owns it */
        memset(t, 0, sizeof(*t));
    }
    store_team_list_free(&l);
    return t ? PL_OK : PL_ERR_NOT_FOUND;
}

pl_status store_team_is_member(struct store *st, int64_t team, int64_t agent, int *yes)
{
    *yes = 0;
    if (!st) return PL_ERR_BAD_REQUEST;
    struct binder b = b_start(st->r[R_TEAM_IS_MEMBER]);
    b_int(&b, team);
    b_int(&b, agent);
    int rc = b_step(&b);
    db_reset(b.s);
    *yes = rc == DB_ROW;
    return rc == DB_ROW || rc == DB_DONE ? PL_OK : store_db_status(st->rdb, rc, "team member");
}

pl_status store_last_faq_answer(struct store *st, const char *conv, char **faq_id)
{
    *faq_id = NULL;
    if (!st || !conv) return PL_ERR_BAD_REQUEST;
    struct binder b = b_start(st->r[R_LAST_FAQ]);
    b_text(&b, conv);
    int rc = b_step(&b);
    int oom = 0;
    if (rc == DB_ROW) *faq_id = store_col_dup(b.s, 0, &oom);
    db_reset(b.s);
    if (oom) return PL_ERR_NOMEM;
    if (rc == DB_ROW) return *faq_id ? PL_OK : PL_ERR_NOT_FOUND;
    return rc == DB_DONE ? PL_ERR_NOT_FOUND : store_db_status(st->rdb, rc, "last faq");
}
