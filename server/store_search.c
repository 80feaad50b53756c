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

static void *grow(void *v, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap) return v;
    size_t c = *cap ? *cap * 2 : 16;
    void *nv = realloc(v, c * elem);
    if (nv) *cap = c;
    return nv;
}

static int64_t sql_limit(size_t limit)
{
    return limit == 0 || limit > INT64_MAX ? -1 : (int64_t)limit;
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
    b_int(&b, sql_limit(q->limit));
    pl_status s = PL_OK;
    size_t cap = 0;
    int rc = SQLITE_DONE;
    while (s == PL_OK && (rc = b_step(&b)) == SQLITE_ROW) {
        struct store_conversation *v = grow(out->v, &cap, out->n, sizeof(*v));
        if (!v) { s = PL_ERR_NOMEM; break; }
        out->v = v;
        struct store_conversation *c = &v[out->n];
        memset(c, 0, sizeof(*c));
        s = store_fill_conversation(b.s, c);
        out->n++;   /* even a failed row: the list free frees what it holds */
    }
    if (s == PL_OK && rc != SQLITE_DONE) s = store_db_status(st->rdb, rc, "search conversations");
    sqlite3_reset(b.s);
    sqlite3_clear_bindings(b.s);
    free(pat);
    if (s != PL_OK) store_conversation_list_free(out);
    return s;
}

void store_visitor_conv_list_free(struct store_visitor_conv_list *l)
{
    if (!l) return;
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].id);
        free(l->v[i].agent_name);
        free(l->v[i].preview);
    }
    free(l->v);
    memset(l, 0, sizeof(*l));
}

pl_status store_visitor_conversations(struct store *st, const char *visitor_id, size_t limit,
                                      struct store_visitor_conv_list *out)
{
    memset(out, 0, sizeof(*out));
    struct binder b = b_start(st->r[R_VISITOR_CONVS]);
    b_text(&b, visitor_id);
    b_int(&b, sql_limit(limit));
    pl_status s = PL_OK;
    size_t cap = 0;
    int rc = SQLITE_DONE;
    while (s == PL_OK && (rc = b_step(&b)) == SQLITE_ROW) {
        struct store_visitor_conv *v = grow(out->v, &cap, out->n, sizeof(*v));
        if (!v) { s = PL_ERR_NOMEM; break; }
        out->v = v;
        struct store_visitor_conv *c = &v[out->n++];
        memset(c, 0, sizeof(*c));
        int oom = 0;
        c->id = store_col_dup(b.s, 0, &oom);
        if (conv_state_parse((const char *)sqlite3_column_text(b.s, 1), &c->state)) s = PL_ERR_STORE;
        c->agent_id = sqlite3_column_int64(b.s, 2);
        c->created_at = sqlite3_column_int64(b.s, 3);
        c->closed_at = sqlite3_column_int64(b.s, 4);
        c->agent_name = store_col_dup(b.s, 5, &oom);
        c->preview = store_col_dup(b.s, 6, &oom);
        if (oom) s = PL_ERR_NOMEM;
    }
    if (s == PL_OK && rc != SQLITE_DONE) s = store_db_status(st->rdb, rc, "visitor conversations");
    sqlite3_reset(b.s);
    if (s != PL_OK) store_visitor_conv_list_free(out);
    return s;
}
