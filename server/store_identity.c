/*
 * Store: signed identities. A site-verified user id is one visitor on every
 * device: each device adds a token of its own, and an anonymous visitor who
 * signs in is linked to the id (only once, and only if nobody has it yet).
 */
#include <string.h>
#include "store_internal.h"

static pl_status exec_add_token(struct store *st, struct op *o)
{
    struct binder b = b_start(st->w[W_ADD_VISITOR_TOKEN]);
    b_blob(&b, o->u.ident.hash, 32);
    b_text(&b, o->u.ident.visitor_id);
    b_int(&b, pl_now_ms());
    return store_run_done(st, &b, "add visitor token", NULL);
}

static pl_status exec_link(struct store *st, struct op *o)
{
    struct binder b = b_start(st->w[W_LINK_VISITOR]);
    b_text(&b, o->u.ident.user_id);
    b_text(&b, o->u.ident.visitor_id);
    return store_run_found(st, &b, "link visitor");
}

pl_status store_identity_exec(struct store *st, struct op *o)
{
    switch (o->kind) {
    case OP_ADD_VISITOR_TOKEN: return exec_add_token(st, o);
    case OP_LINK_VISITOR: return exec_link(st, o);
    default: return PL_ERR_BAD_REQUEST;
    }
}

pl_status store_add_visitor_token(struct store *st, const char *visitor_id,
                                  const uint8_t token_hash[32], store_cb cb, void *ctx)
{
    if (!st || !visitor_id || !token_hash) return PL_ERR_BAD_REQUEST;
    struct op *o = store_op_new(OP_ADD_VISITOR_TOKEN, cb, ctx);
    if (!o) return PL_ERR_NOMEM;
    o->u.ident.visitor_id = store_op_dup(o, visitor_id);
    memcpy(o->u.ident.hash, token_hash, 32);
    return store_enqueue(st, o);
}

pl_status store_link_visitor(struct store *st, const char *visitor_id, const char *user_id,
                             store_cb cb, void *ctx)
{
    if (!st || !visitor_id || !user_id || !*user_id) return PL_ERR_BAD_REQUEST;
    struct op *o = store_op_new(OP_LINK_VISITOR, cb, ctx);
    if (!o) return PL_ERR_NOMEM;
    o->u.ident.visitor_id = store_op_dup(o, visitor_id);
    o->u.ident.user_id = store_op_dup(o, user_id);
    return store_enqueue(st, o);
}
