/*
 * Store: searching conversations and a visitor's history (synchronous reads on
 * the loop thread's connection, like store_read.c). The SQL is in store_schema.c.
 */
#include <stdlib.h>
#include <string.h>
#include "store_internal.h"

/* "%" + text with \, % and _ escaped by \ + "%": a literal substring pattern. */
static char *like_pattern(const char *text)
{
    size_t n = strlen(text);
    char *p = malloc(2 * n + 3), *o = p;
    if (!p) return NULL;
    *o++ = '%';
    for (const char *s = text; *s; s++) {
        if (*s == '\\' || *s == '%' || *s == '_') *o++ = '\\';
        *o++ = *s;
    }
    *o++ = '%';
    *o = '\0';
    return p;
}

static pl_status fill_conv(struct db_stmt *s, void *out)
{
    return store_fill_conversation(s, out);
}

pl_status store_search_conversations(struct store *st, const struct store_conv_search *q,
                                     struct store_conversation_list *out)
{
    memset(out, 0, sizeof(*out));
    if (q->state >= CONV_STATE_COUNT) return PL_ERR_BAD_REQUEST;
    char *pat = NULL;
    if (q->text && *q->text && !(pat = like_pattern(q->text))) return PL_ERR_NOMEM;
    struct binder b = b_start(st->r[R_SEARCH_CONVS]);
    b_text(&b, q->state >= 0 ? conv_state_name((enum conv_state)q->state) : NULL);
    b_int_or_null(&b, q->agent_id > 0 ? q->agent_id : 0);
    b_int_or_null(&b, q->from_ms);
    b_int_or_null(&b, q->to_ms);
    b_text(&b, pat);
    b_int(&b, store_sql_limit(q->limit));
    b_int_or_null(&b, q->team_of > 0 ? q->team_of : 0);
    struct store_rows g = { NULL, 0, 0, sizeof(*out->v) };
    pl_status s = store_read_rows(st, &b, fill_conv, &g, "search conversations");
    out->v = (struct store_conversation *)(void *)g.v;
    out->n = g.n;
    db_clear_bindings(b.s);
    free(pat);
    if (s != PL_OK) store_conversation_list_free(out);
    return s;
}

static void visitor_conv_free(struct store_visitor_conv *c)
{
    free(c->id);
    free(c->agent_name);
    free(c->preview);
    memset(c, 0, sizeof(*c));
}

void store_visitor_conv_list_free(struct store_visitor_conv_list *l)
{
    if (!l) return;
    for (size_t i = 0; i < l->n; i++) visitor_conv_free(&l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

static pl_status fill_visitor_conv(struct db_stmt *s, void *out)
{
    struct store_visitor_conv *c = out;
    int oom = 0;
    c->id = store_col_dup(s, 0, &oom);
    int bad_state = conv_state_parse(db_col_text(s, 1), &c->state);
    c->agent_id = db_col_int(s, 2);
    c->created_at = db_col_int(s, 3);
    c->closed_at = db_col_int(s, 4);
    c->agent_name = store_col_dup(s, 5, &oom);
    c->team_id = db_col_int(s, 6);
    c->preview = store_col_dup(s, 7, &oom);
    if (!oom && !bad_state) return PL_OK;
    visitor_conv_free(c);
    return oom ? PL_ERR_NOMEM : PL_ERR_STORE;
}

pl_status store_visitor_conversations(struct store *st, const char *visitor_id, size_t limit,
                                      struct store_visitor_conv_list *out)
{
    memset(out, 0, sizeof(*out));
    struct binder b = b_start(st->r[R_VISITOR_CONVS]);
    b_text(&b, visitor_id);
    b_int(&b, store_sql_limit(limit));
    struct store_rows g = { NULL, 0, 0, sizeof(*out->v) };
    pl_status s = store_read_rows(st, &b, fill_visitor_conv, &g, "visitor conversations");
    out->v = (struct store_visitor_conv *)(void *)g.v;
    out->n = g.n;
    if (s != PL_OK) store_visitor_conv_list_free(out);
    return s;
}
