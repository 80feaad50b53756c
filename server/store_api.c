/*
 * Store: the asynchronous write API. Each function validates its arguments,
 * copies every input into a new op (so the caller's buffers may be reused at
 * once) and queues it for the writer thread (store_writer.c); the work itself is
 * in store_ops.c. Start-up writes go through the same queue and wait.
 */
#include <stdlib.h>
#include <string.h>
#include "store_internal.h"

pl_status store_create_visitor(struct store *st, const struct store_new_visitor *in,
                               store_cb cb, void *ctx)
{
    if (!st || !in) return PL_ERR_BAD_REQUEST;
    struct op *o = store_op_new(OP_CREATE_VISITOR, cb, ctx);
    if (!o) return PL_ERR_NOMEM;
    memcpy(o->u.vis.token_hash, in->token_hash, sizeof(o->u.vis.token_hash));
    o->u.vis.name = store_op_dup(o, in->name);
    o->u.vis.email = store_op_dup(o, in->email);
    o->u.vis.locale = store_op_dup(o, in->locale);
    o->u.vis.page = store_op_dup(o, in->page);
    o->u.vis.user_id = store_op_dup(o, in->user_id);
    return store_enqueue(st, o);
}

pl_status store_touch_visitor(struct store *st, const char *visitor_id,
                              const char *name, const char *email, const char *locale,
                              const char *page, store_cb cb, void *ctx)
{
    if (!st || !visitor_id) return PL_ERR_BAD_REQUEST;
    struct op *o = store_op_new(OP_TOUCH_VISITOR, cb, ctx);
    if (!o) return PL_ERR_NOMEM;
    o->u.touch.id = store_op_dup(o, visitor_id);
    o->u.touch.name = store_op_dup(o, name);
    o->u.touch.email = store_op_dup(o, email);
    o->u.touch.locale = store_op_dup(o, locale);
    o->u.touch.page = store_op_dup(o, page);
    return store_enqueue(st, o);
}

pl_status store_start_conversation(struct store *st, const char *visitor_id,
                                   store_cb cb, void *ctx)
{
    if (!st || !visitor_id) return PL_ERR_BAD_REQUEST;
    struct op *o = store_op_new(OP_START_CONV, cb, ctx);
    if (!o) return PL_ERR_NOMEM;
    o->u.touch.id = store_op_dup(o, visitor_id);
    return store_enqueue(st, o);
}

pl_status store_append(struct store *st, const struct store_append *in, store_cb cb, void *ctx)
{
    if (!st || !in || !in->conversation || !in->role || !in->text) return PL_ERR_BAD_REQUEST;
    struct op *o = store_op_new(OP_APPEND, cb, ctx);
    if (!o) return PL_ERR_NOMEM;
    struct store_append *ap = &o->u.ap;
    *ap = *in;
    ap->conversation = store_op_dup(o, in->conversation);
    ap->role = store_op_dup(o, in->role);
    ap->author_id = store_op_dup(o, in->author_id);
    ap->author_name = store_op_dup(o, in->author_name);
    ap->client_id = store_op_dup(o, in->client_id);
    ap->text = store_op_dup(o, in->text);
    ap->faq_id = store_op_dup(o, in->faq_id);
    ap->meta_json = store_op_dup(o, in->meta_json);
    return store_enqueue(st, o);
}

pl_status store_change_state(struct store *st, const struct store_state_change *in,
                             store_cb cb, void *ctx)
{
    if (!st || !in || !in->conversation) return PL_ERR_BAD_REQUEST;
    if (in->op != STORE_TO_QUEUE && in->op != STORE_CLAIM && in->op != STORE_TRANSFER &&
        in->op != STORE_CLOSE && in->op != STORE_TO_OFFLINE)
        return PL_ERR_BAD_REQUEST;
    struct op *o = store_op_new(OP_STATE, cb, ctx);
    if (!o) return PL_ERR_NOMEM;
    struct store_state_change *sc = &o->u.sc;
    *sc = *in;
    sc->conversation = store_op_dup(o, in->conversation);
    sc->closed_by = store_op_dup(o, in->closed_by);
    sc->sys_text = store_op_dup(o, in->sys_text);
    sc->note_text = store_op_dup(o, in->note_text);
    sc->note_author = store_op_dup(o, in->note_author);
    return store_enqueue(st, o);
}

static pl_status conv_op(struct store *st, enum op_kind kind, const char *conv, int64_t seq,
                         int num, const char *comment, store_cb cb, void *ctx)
{
    if (!st || !conv) return PL_ERR_BAD_REQUEST;
    struct op *o = store_op_new(kind, cb, ctx);
    if (!o) return PL_ERR_NOMEM;
    o->u.fb.conv = store_op_dup(o, conv);
    o->u.fb.comment = store_op_dup(o, comment);
    o->u.fb.seq = seq;
    o->u.fb.num = num;
    return store_enqueue(st, o);
}

pl_status store_feedback(struct store *st, const char *conv_id, int64_t seq, int helpful,
                         store_cb cb, void *ctx)
{
    return conv_op(st, OP_FEEDBACK, conv_id, seq, helpful, NULL, cb, ctx);
}

pl_status store_rate(struct store *st, const char *conv_id, int score, const char *comment,
                     store_cb cb, void *ctx)
{
    return conv_op(st, OP_RATE, conv_id, 0, score, comment, cb, ctx);
}

static struct op *agent_op(const char *email, const char *name, const char *role,
                           const char *password_hash, store_cb cb, void *ctx)
{
    if (!email || !name || !role || !password_hash) return NULL;
    struct op *o = store_op_new(OP_CREATE_AGENT, cb, ctx);
    if (!o) return NULL;
    o->u.agent.email = store_op_dup(o, email);
    o->u.agent.name = store_op_dup(o, name);
    o->u.agent.role = store_op_dup(o, role);
    o->u.agent.hash = store_op_dup(o, password_hash);
    return o;
}

pl_status store_create_agent(struct store *st, const char *email, const char *name,
                             const char *role, const char *password_hash,
                             store_cb cb, void *ctx)
{
    if (!st || !email || !name || !role || !password_hash) return PL_ERR_BAD_REQUEST;
    return store_enqueue(st, agent_op(email, name, role, password_hash, cb, ctx));
}

pl_status store_create_agent_now(struct store *st, const char *email, const char *name,
                                 const char *role, const char *password_hash, int64_t *id_out)
{
    if (!st || !email || !name || !role || !password_hash) return PL_ERR_BAD_REQUEST;
    struct store_result r;
    memset(&r, 0, sizeof(r));
    pl_status s = store_run_sync(st, agent_op(email, name, role, password_hash, NULL, NULL), &r);
    if (s == PL_OK && id_out) *id_out = r.id;
    return s;
}

static pl_status session_op(struct store *st, enum op_kind kind, const uint8_t hash[32],
                            int64_t agent_id, int64_t expires_at, store_cb cb, void *ctx)
{
    if (!st || !hash) return PL_ERR_BAD_REQUEST;
    struct op *o = store_op_new(kind, cb, ctx);
    if (!o) return PL_ERR_NOMEM;
    memcpy(o->u.sess.hash, hash, sizeof(o->u.sess.hash));
    o->u.sess.agent_id = agent_id;
    o->u.sess.expires_at = expires_at;
    return store_enqueue(st, o);
}

pl_status store_create_session(struct store *st, const uint8_t token_hash[32], int64_t agent_id,
                               int64_t expires_at, store_cb cb, void *ctx)
{
    return session_op(st, OP_CREATE_SESSION, token_hash, agent_id, expires_at, cb, ctx);
}

pl_status store_delete_session(struct store *st, const uint8_t token_hash[32],
                               store_cb cb, void *ctx)
{
    return session_op(st, OP_DELETE_SESSION, token_hash, 0, 0, cb, ctx);
}

pl_status store_faq_put(struct store *st, const char *id, const char *json, int create,
                        store_cb cb, void *ctx)
{
    if (!st || !id || !json) return PL_ERR_BAD_REQUEST;
    struct op *o = store_op_new(OP_FAQ_PUT, cb, ctx);
    if (!o) return PL_ERR_NOMEM;
    o->u.faq.id = store_op_dup(o, id);
    o->u.faq.json = store_op_dup(o, json);
    o->u.faq.create = create;
    return store_enqueue(st, o);
}

pl_status store_faq_delete(struct store *st, const char *id, store_cb cb, void *ctx)
{
    if (!st || !id) return PL_ERR_BAD_REQUEST;
    struct op *o = store_op_new(OP_FAQ_DELETE, cb, ctx);
    if (!o) return PL_ERR_NOMEM;
    o->u.faq.id = store_op_dup(o, id);
    return store_enqueue(st, o);
}

/* Deep-copies the rows into the op (which then owns them). */
static pl_status copy_faq_rows(struct op *o, const struct store_faq_row *rows, size_t n)
{
    if (n == 0) return PL_OK;
    o->u.faqs.rows = calloc(n, sizeof(*rows));
    if (!o->u.faqs.rows) return PL_ERR_NOMEM;
    o->u.faqs.n = n;
    for (size_t i = 0; i < n; i++) {
        if (!rows[i].id || !rows[i].json) return PL_ERR_BAD_REQUEST;
        o->u.faqs.rows[i].id = strdup(rows[i].id);
        o->u.faqs.rows[i].json = strdup(rows[i].json);
        if (!o->u.faqs.rows[i].id || !o->u.faqs.rows[i].json) return PL_ERR_NOMEM;
    }
    return PL_OK;
}

pl_status store_faq_replace_all(struct store *st, const struct store_faq_row *rows, size_t n)
{
    if (!st || (n && !rows)) return PL_ERR_BAD_REQUEST;
    struct op *o = store_op_new(OP_FAQ_REPLACE, NULL, NULL);
    if (!o) return PL_ERR_NOMEM;
    pl_status s = copy_faq_rows(o, rows, n);
    if (s != PL_OK) {
        store_op_free(o);
        return s;
    }
    return store_run_sync(st, o, NULL);
}
