/*
 * Store: what each write op does, on the writer thread, inside its savepoint.
 *
 * Every decision that races (a sequence number, a claim, a close) is made by a
 * conditional UPDATE inside the transaction, never by an earlier read: the row
 * is read only afterwards, to explain why nothing changed. Lifecycle events are
 * written in the same savepoint as the change they describe, so the KPI history
 * can never disagree with the conversation rows.
 */
#include <stdio.h>
#include <string.h>
#include "store_internal.h"

/* Steps a statement expected to return no row. *changed (may be NULL) gets
 * db_changes(). */
pl_status store_run_done(struct store *st, struct binder *b, const char *what, int *changed)
{
    int rc = b_step(b);
    db_reset(b->s);
    if (rc != DB_DONE) return store_db_status(st->wdb, rc, what);
    if (changed) *changed = db_changes(st->wdb);
    return PL_OK;
}

pl_status store_run_found(struct store *st, struct binder *b, const char *what)
{
    int changed = 0;
    pl_status s = store_run_done(st, b, what, &changed);
    return s != PL_OK ? s : changed ? PL_OK : PL_ERR_NOT_FOUND;
}

static pl_status add_event(struct store *st, const char *conv, const char *type,
                           int64_t agent_id, int64_t ts)
{
    struct binder b = b_start(st->w[W_EVENT]);
    b_text(&b, conv);
    b_text(&b, type);
    b_int_or_null(&b, agent_id);
    b_int(&b, ts);
    return store_run_done(st, &b, "event", NULL);
}

/* The conversation's state and agent (0: none); PL_ERR_NOT_FOUND if unknown. */
static pl_status conv_row(struct store *st, const char *conv, enum conv_state *state,
                          int64_t *agent)
{
    struct binder b = b_start(st->w[W_CONV_ROW]);
    b_text(&b, conv);
    int rc = b_step(&b);
    pl_status s = PL_OK;
    if (rc == DB_ROW) {
        if (conv_state_parse(db_col_text(b.s, 0), state) != 0)
            s = PL_ERR_STORE;
        *agent = db_col_int(b.s, 1);
    } else {
        s = rc == DB_DONE ? PL_ERR_NOT_FOUND : store_db_status(st->wdb, rc, "conv row");
    }
    db_reset(b.s);
    return s;
}

static pl_status agent_active(struct store *st, int64_t id)
{
    struct binder b = b_start(st->w[W_AGENT_ACTIVE]);
    b_int(&b, id);
    int rc = b_step(&b);
    db_reset(b.s);
    if (rc == DB_ROW) return PL_OK;
    return rc == DB_DONE ? PL_ERR_NOT_FOUND : store_db_status(st->wdb, rc, "agent active");
}

/* ---- visitors and conversations ---- */

static pl_status insert_conv(struct store *st, const char *conv, const char *visitor,
                             int64_t now)
{
    struct binder b = b_start(st->w[W_INSERT_CONV]);
    b_text(&b, conv);
    b_text(&b, visitor);
    b_int(&b, now);
    pl_status s = store_run_done(st, &b, "insert conversation", NULL);
    return s != PL_OK ? s : add_event(st, conv, "created", 0, now);
}

static pl_status exec_create_visitor(struct store *st, struct op *o)
{
    const struct store_new_visitor *v = &o->u.vis;
    int64_t now = pl_now_ms();
    store_new_id(o->res.visitor_id, sizeof(o->res.visitor_id), "v_");
    store_new_id(o->res.conversation_id, sizeof(o->res.conversation_id), "c_");
    o->res.ts = now;
    struct binder b = b_start(st->w[W_INSERT_VISITOR]);
    b_text(&b, o->res.visitor_id);
    b_blob(&b, v->token_hash, 32);
    b_text(&b, v->name);
    b_text(&b, v->email);
    b_text(&b, v->locale);
    b_text(&b, v->page);
    b_int(&b, now);
    b_text(&b, v->user_id);
    pl_status s = store_run_done(st, &b, "insert visitor", NULL);
    return s != PL_OK ? s : insert_conv(st, o->res.conversation_id, o->res.visitor_id, now);
}

static pl_status exec_touch_visitor(struct store *st, struct op *o)
{
    struct binder b = b_start(st->w[W_TOUCH_VISITOR]);
    b_text(&b, o->u.touch.name);
    b_text(&b, o->u.touch.email);
    b_text(&b, o->u.touch.locale);
    b_text(&b, o->u.touch.page);
    b_int(&b, pl_now_ms());
    b_text(&b, o->u.touch.id);
    return store_run_found(st, &b, "touch visitor");
}

static pl_status exec_start_conv(struct store *st, struct op *o)
{
    int64_t now = pl_now_ms();
    snprintf(o->res.visitor_id, sizeof(o->res.visitor_id), "%s", o->u.touch.id);
    store_new_id(o->res.conversation_id, sizeof(o->res.conversation_id), "c_");
    o->res.ts = now;
    /* An unknown visitor fails the foreign key: PL_ERR_NOT_FOUND. */
    return insert_conv(st, o->res.conversation_id, o->u.touch.id, now);
}

/* ---- messages ---- */

/* The first message with this sender's client id, if any: *found = 1. */
static pl_status find_duplicate(struct store *st, const struct store_append *ap,
                                struct store_result *res, int *found)
{
    struct binder b = b_start(st->w[W_DUP_LOOKUP]);
    b_text(&b, ap->conversation);
    b_text(&b, ap->role);
    b_text(&b, ap->author_id);
    b_text(&b, ap->client_id);
    int rc = b_step(&b);
    *found = rc == DB_ROW;
    if (*found) {
        res->seq = db_col_int(b.s, 0);
        res->note_seq = db_col_int(b.s, 1);
        res->after_seq = db_col_int(b.s, 2);
        res->ts = db_col_int(b.s, 3);
        res->duplicate = 1;
    }
    db_reset(b.s);
    if (rc == DB_ROW || rc == DB_DONE) return PL_OK;
    return store_db_status(st->wdb, rc, "duplicate lookup");
}

/* Why the counter update matched no row. */
static pl_status append_refused(struct store *st, const char *conv)
{
    enum conv_state state;
    int64_t agent;
    pl_status s = conv_row(st, conv, &state, &agent);
    if (s != PL_OK) return s;
    return state == CONV_CLOSED ? PL_ERR_CLOSED : PL_ERR_FORBIDDEN;
}

/* Takes the next seq (or note_seq): res->seq, note_seq, after_seq. */
static pl_status bump_counter(struct store *st, const struct store_append *ap, int64_t now,
                              struct store_result *res)
{
    struct binder b = b_start(st->w[W_BUMP]);
    b_int(&b, ap->note ? 1 : 0);
    b_int(&b, ap->count_miss ? 1 : 0);
    b_int(&b, now);
    b_text(&b, ap->conversation);
    b_int(&b, ap->must_be_agent);
    int rc = b_step(&b);
    if (rc == DB_ROW) {
        int64_t last_seq = db_col_int(b.s, 0);
        res->seq = ap->note ? 0 : last_seq;
        res->note_seq = ap->note ? db_col_int(b.s, 1) : 0;
        res->after_seq = ap->note ? last_seq : 0;
        /* The state the message was stored in: the bot answers only in "bot". */
        if (conv_state_parse(db_col_text(b.s, 2), &res->state) != 0)
            res->state = CONV_CLOSED;
        res->agent_id = db_col_int(b.s, 3);
    }
    db_reset(b.s);
    if (rc == DB_ROW) return PL_OK;
    if (rc == DB_DONE) return append_refused(st, ap->conversation);
    return store_db_status(st->wdb, rc, "sequence");
}

void store_bind_message_body(struct binder *b, const struct store_append *ap)
{
    b_text(b, ap->role);
    b_text(b, ap->author_id);
    b_text(b, ap->author_name);
    b_text(b, ap->client_id);
    b_text(b, ap->text);
    b_text(b, ap->faq_id);
    b_double(b, ap->faq_score);
    b_text(b, ap->meta_json);
}

/* Numbers and stores a message (no idempotency check). */
static pl_status insert_message(struct store *st, const struct store_append *ap, int64_t now,
                                struct store_result *res)
{
    pl_status s = bump_counter(st, ap, now, res);
    if (s != PL_OK) return s;
    res->ts = now;
    struct binder b = b_start(st->w[W_INSERT_MSG]);
    b_text(&b, ap->conversation);
    b_int_or_null(&b, res->seq);
    b_int_or_null(&b, res->note_seq);
    b_int(&b, ap->note ? res->after_seq : res->seq - 1);
    store_bind_message_body(&b, ap);
    b_int(&b, now);
    return store_run_done(st, &b, "insert message", NULL);
}

static pl_status exec_append(struct store *st, struct op *o)
{
    const struct store_append *ap = &o->u.ap;
    if (db_kind(st->wdb) == DB_PG)
        return store_pg_append(st, o);   /* one statement, one round trip */
    /* The bare pass lets msg_client's unique index find a repeated client id:
     * the insert then fails, the batch runs again with savepoints, and this
     * lookup answers with the stored message. A SELECT per message would cost
     * every message what only a client's retry needs. */
    if (ap->client_id && st->careful) {
        int found = 0;
        pl_status s = find_duplicate(st, ap, &o->res, &found);
        if (s != PL_OK || found) return s;   /* a duplicate wins even when closed */
    }
    return insert_message(st, ap, pl_now_ms(), &o->res);
}

static pl_status system_message(struct store *st, const char *conv, const char *text,
                                int64_t now, struct store_result *res)
{
    if (!text) return PL_OK;
    struct store_append ap = { .conversation = conv, .role = "system", .text = text };
    struct store_result r;
    memset(&r, 0, sizeof(r));
    pl_status s = insert_message(st, &ap, now, &r);
    res->sys_seq = r.seq;
    res->sys_ts = r.ts;
    return s;
}

/* ---- state changes ---- */

/* Fills the result with the row as it is; returns `s` (or the lookup's error). */
static pl_status report_row(struct store *st, const char *conv, struct store_result *res,
                            pl_status s)
{
    pl_status r = conv_row(st, conv, &res->state, &res->agent_id);
    return r != PL_OK ? r : s;
}

/* Into the queue or (which = W_TO_OFFLINE) the offline list. Both log a
 * 'queued' event, so the KPI report counts an offline handoff as one, its wait
 * included. One already waiting or assigned is a no-op success; a closed one
 * is PL_ERR_CLOSED. */
static pl_status sc_to_waiting(struct store *st, const struct store_state_change *sc,
                               int64_t now, struct store_result *res, enum wstmt which,
                               enum conv_state state, const char *what)
{
    struct binder b = b_start(st->w[which]);
    b_int(&b, now);
    b_text(&b, sc->conversation);
    int changed = 0;
    pl_status s = store_run_done(st, &b, what, &changed);
    if (s != PL_OK) return s;
    if (!changed) {
        s = report_row(st, sc->conversation, res, PL_OK);
        return s == PL_OK && res->state == CONV_CLOSED ? PL_ERR_CLOSED : s;
    }
    res->state = state;
    s = add_event(st, sc->conversation, "queued", 0, now);
    return s != PL_OK ? s : system_message(st, sc->conversation, sc->sys_text, now, res);
}

static pl_status claim_refused(struct store *st, const char *conv, struct store_result *res)
{
    pl_status s = report_row(st, conv, res, PL_OK);
    if (s != PL_OK) return s;
    switch (res->state) {
    case CONV_ASSIGNED: return PL_ERR_ALREADY_CLAIMED;
    case CONV_CLOSED: return PL_ERR_CLOSED;
    default: return PL_ERR_BAD_REQUEST;   /* still with the bot: not queued yet */
    }
}

static pl_status sc_claim(struct store *st, const struct store_state_change *sc,
                          int64_t now, struct store_result *res)
{
    if (sc->agent_id <= 0) return PL_ERR_BAD_REQUEST;
    pl_status s = agent_active(st, sc->agent_id);
    if (s != PL_OK) return s;
    struct binder b = b_start(st->w[W_CLAIM]);
    b_int(&b, sc->agent_id);
    b_int(&b, now);
    b_text(&b, sc->conversation);
    int changed = 0;
    s = store_run_done(st, &b, "claim", &changed);
    if (s != PL_OK) return s;
    if (!changed) return claim_refused(st, sc->conversation, res);
    res->state = CONV_ASSIGNED;
    res->agent_id = sc->agent_id;
    s = add_event(st, sc->conversation, "assigned", sc->agent_id, now);
    return s != PL_OK ? s : system_message(st, sc->conversation, sc->sys_text, now, res);
}

static pl_status transfer_update(struct store *st, const struct store_state_change *sc,
                                 int64_t now, int64_t from)
{
    int to_queue = sc->agent_id == 0;
    struct binder b = b_start(st->w[to_queue ? W_TRANSFER_QUEUE : W_TRANSFER_TO]);
    if (!to_queue) b_int(&b, sc->agent_id);
    b_int(&b, now);
    b_text(&b, sc->conversation);
    b_int(&b, from);
    int changed = 0;
    pl_status s = store_run_done(st, &b, "transfer", &changed);
    if (s != PL_OK) return s;
    if (!changed) return PL_ERR_CONFLICT;  /* cannot happen: we hold the write lock */
    s = add_event(st, sc->conversation, "transferred", sc->agent_id, now);
    return s != PL_OK || !to_queue ? s : add_event(st, sc->conversation, "queued", 0, now);
}

/* The transferring agent's note for the next one: a private note, written
 * before the transfer so it is in the transcript the new assignee receives. */
static pl_status transfer_note(struct store *st, const struct store_state_change *sc,
                               int64_t now, struct store_result *res)
{
    char aid[24];
    snprintf(aid, sizeof(aid), "%lld", (long long)sc->by_agent);
    struct store_append ap = { .conversation = sc->conversation, .role = "agent",
                               .author_id = aid, .author_name = sc->note_author,
                               .text = sc->note_text, .note = 1 };
    struct store_result r;
    memset(&r, 0, sizeof(r));
    pl_status s = insert_message(st, &ap, now, &r);
    res->note_seq = r.note_seq;
    res->after_seq = r.after_seq;
    res->ts = r.ts;
    return s;
}

static pl_status sc_transfer(struct store *st, const struct store_state_change *sc,
                             int64_t now, struct store_result *res)
{
    pl_status s = report_row(st, sc->conversation, res, PL_OK);
    if (s != PL_OK) return s;
    if (res->state == CONV_CLOSED) return PL_ERR_CLOSED;
    if (res->state != CONV_ASSIGNED || (!sc->by_admin && res->agent_id != sc->by_agent))
        return PL_ERR_FORBIDDEN;
    if (sc->agent_id < 0) return PL_ERR_BAD_REQUEST;
    if (sc->agent_id > 0 && (s = agent_active(st, sc->agent_id)) != PL_OK) return s;
    if (sc->note_text && (s = transfer_note(st, sc, now, res)) != PL_OK) return s;
    s = transfer_update(st, sc, now, res->agent_id);
    if (s != PL_OK) return s;
    res->prev_agent_id = res->agent_id;
    res->agent_id = sc->agent_id;
    res->state = sc->agent_id ? CONV_ASSIGNED : CONV_QUEUED;
    return system_message(st, sc->conversation, sc->sys_text, now, res);
}

static pl_status sc_close(struct store *st, const struct store_state_change *sc,
                          int64_t now, struct store_result *res)
{
    pl_status s = report_row(st, sc->conversation, res, PL_OK);
    if (s != PL_OK) return s;
    if (res->state == CONV_CLOSED) return PL_ERR_CLOSED;
    if (sc->by_agent > 0 && !sc->by_admin &&
        (res->state != CONV_ASSIGNED || res->agent_id != sc->by_agent))
        return PL_ERR_FORBIDDEN;
    /* The system message goes first: a closed conversation takes no message. */
    s = system_message(st, sc->conversation, sc->sys_text, now, res);
    if (s != PL_OK) return s;
    const char *by = sc->closed_by ? sc->closed_by : sc->by_agent > 0 ? "agent" : "visitor";
    struct binder b = b_start(st->w[W_CLOSE]);
    b_int(&b, now);
    b_text(&b, by);
    b_text(&b, sc->conversation);
    int changed = 0;
    s = store_run_done(st, &b, "close", &changed);
    if (s != PL_OK) return s;
    if (!changed) return PL_ERR_CLOSED;
    res->prev_agent_id = res->agent_id;
    res->state = CONV_CLOSED;
    return add_event(st, sc->conversation, "closed", sc->by_agent, now);
}

static pl_status exec_state(struct store *st, struct op *o)
{
    const struct store_state_change *sc = &o->u.sc;
    int64_t now = pl_now_ms();
    pl_status s = PL_ERR_BAD_REQUEST;
    switch (sc->op) {
    case STORE_TO_QUEUE:
        s = sc_to_waiting(st, sc, now, &o->res, W_TO_QUEUE, CONV_QUEUED, "queue");
        break;
    case STORE_TO_OFFLINE:
        s = sc_to_waiting(st, sc, now, &o->res, W_TO_OFFLINE, CONV_OFFLINE, "offline");
        break;
    case STORE_CLAIM: return sc_claim(st, sc, now, &o->res);
    case STORE_TRANSFER: s = sc_transfer(st, sc, now, &o->res); break;
    case STORE_CLOSE: return sc_close(st, sc, now, &o->res);
    }
    /* Routing to a team rides in the same savepoint: an unknown team undoes it all. */
    return s == PL_OK && sc->team_id > 0 ? store_teams_route(st, sc->conversation, sc->team_id) : s;
}

/* ---- feedback, ratings ---- */

static pl_status exec_feedback(struct store *st, struct op *o)
{
    struct binder b = b_start(st->w[W_FEEDBACK]);
    b_int(&b, o->u.fb.num < 0 ? -1 : o->u.fb.num > 0);
    b_text(&b, o->u.fb.conv);
    b_int(&b, o->u.fb.seq);
    return store_run_found(st, &b, "feedback");
}

static pl_status exec_rate(struct store *st, struct op *o)
{
    enum conv_state state;
    int64_t agent;
    pl_status s = conv_row(st, o->u.fb.conv, &state, &agent);
    if (s != PL_OK) return s;
    if (state != CONV_CLOSED) return PL_ERR_BAD_REQUEST;
    int64_t now = pl_now_ms();
    struct binder b = b_start(st->w[W_RATE]);
    b_text(&b, o->u.fb.conv);
    b_int(&b, o->u.fb.num);
    b_text(&b, o->u.fb.comment);
    b_int(&b, now);
    s = store_run_done(st, &b, "rate", NULL);   /* a second rating: PRIMARY KEY -> conflict */
    o->res.ts = now;
    return s != PL_OK ? s : add_event(st, o->u.fb.conv, "rated", agent, now);
}

/* ---- agents, sessions ---- */

static pl_status exec_create_agent(struct store *st, struct op *o)
{
    struct binder b = b_start(st->w[W_INSERT_AGENT]);
    b_text(&b, o->u.agent.email);
    b_text(&b, o->u.agent.name);
    b_text(&b, o->u.agent.role);
    b_text(&b, o->u.agent.hash);
    b_int(&b, pl_now_ms());
    int rc = b_step(&b);
    if (rc == DB_ROW) o->res.id = db_col_int(b.s, 0);
    db_reset(b.s);
    return rc == DB_ROW ? PL_OK : store_db_status(st->wdb, rc, "create agent");
}

static pl_status exec_create_session(struct store *st, struct op *o)
{
    int64_t now = pl_now_ms();
    struct binder b = b_start(st->w[W_PURGE_SESSIONS]);
    b_int(&b, now);
    pl_status s = store_run_done(st, &b, "purge sessions", NULL);
    if (s != PL_OK) return s;
    b = b_start(st->w[W_INSERT_SESSION]);
    b_blob(&b, o->u.sess.hash, 32);
    b_int(&b, o->u.sess.agent_id);
    b_int(&b, now);
    b_int(&b, o->u.sess.expires_at);
    return store_run_done(st, &b, "create session", NULL);  /* unknown agent: not found */
}

static pl_status exec_delete_session(struct store *st, struct op *o)
{
    struct binder b = b_start(st->w[W_DELETE_SESSION]);
    b_blob(&b, o->u.sess.hash, 32);
    return store_run_done(st, &b, "delete session", NULL);   /* logging out twice is fine */
}

/* ---- FAQ ---- */

static pl_status faq_insert(struct store *st, const char *id, const char *json, int upsert)
{
    struct binder b = b_start(st->w[upsert ? W_FAQ_UPSERT : W_FAQ_INSERT]);
    b_text(&b, id);
    b_text(&b, json);
    b_int(&b, pl_now_ms());
    return store_run_done(st, &b, "faq put", NULL);
}

static pl_status exec_faq_delete(struct store *st, struct op *o)
{
    struct binder b = b_start(st->w[W_FAQ_DELETE]);
    b_text(&b, o->u.faq.id);
    return store_run_found(st, &b, "faq delete");
}

static pl_status exec_faq_replace(struct store *st, struct op *o)
{
    struct binder b = b_start(st->w[W_FAQ_CLEAR]);
    pl_status s = store_run_done(st, &b, "faq clear", NULL);
    for (size_t i = 0; s == PL_OK && i < o->u.faqs.n; i++)
        s = faq_insert(st, o->u.faqs.rows[i].id, o->u.faqs.rows[i].json, 0);
    return s;
}

pl_status store_op_exec(struct store *st, struct op *o)
{
    switch (o->kind) {
    case OP_CREATE_VISITOR: return exec_create_visitor(st, o);
    case OP_TOUCH_VISITOR: return exec_touch_visitor(st, o);
    case OP_START_CONV: return exec_start_conv(st, o);
    case OP_APPEND: return exec_append(st, o);
    case OP_STATE: return exec_state(st, o);
    case OP_FEEDBACK: return exec_feedback(st, o);
    case OP_RATE: return exec_rate(st, o);
    case OP_CREATE_AGENT: return exec_create_agent(st, o);
    case OP_CREATE_SESSION: return exec_create_session(st, o);
    case OP_DELETE_SESSION: return exec_delete_session(st, o);
    case OP_FAQ_PUT: return faq_insert(st, o->u.faq.id, o->u.faq.json, !o->u.faq.create);
    case OP_FAQ_DELETE: return exec_faq_delete(st, o);
    case OP_FAQ_REPLACE: return exec_faq_replace(st, o);
    case OP_FLUSH: return PL_OK;   /* a marker: everything before it is committed */
    case OP_UPDATE_AGENT:
    case OP_SETTING_PUT: return store_routing_exec(st, o);
    case OP_ADD_VISITOR_TOKEN:
    case OP_LINK_VISITOR: return store_identity_exec(st, o);
    case OP_UNANSWERED_ADD:
    case OP_UNANSWERED_DELETE:
    case OP_DRAFT_ADD:
    case OP_DRAFT_DELETE: return store_faq_admin_exec(st, o);
    case OP_CANNED_CREATE:
    case OP_CANNED_UPDATE:
    case OP_CANNED_DELETE: return store_canned_exec(st, o);
    case OP_WEBHOOK_CREATE:
    case OP_WEBHOOK_UPDATE:
    case OP_WEBHOOK_DELETE:
    case OP_WEBHOOK_EMIT:
    case OP_DELIVERY_RESULT:
    case OP_DELIVERY_RETRY:
    case OP_DELIVERY_CLAIM: return store_webhooks_exec(st, o);
    case OP_TEAM_CREATE:
    case OP_TEAM_UPDATE:
    case OP_TEAM_DELETE:
    case OP_CONV_TEAM: return store_teams_exec(st, o);
    }
    return PL_ERR_BAD_REQUEST;
}
