/*
 * JSON of the FAQ admin endpoints (see proto_faq_admin.h). Requests are decoded
 * as strictly as every other body (duplicate keys refused, each error names its
 * field) so the dashboard can show a message next to the control it concerns;
 * answers are built with Jansson, so no text a visitor wrote can break them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "parley/proto_faq_admin.h"
#include "proto_util.h"

/* A string member of at most `max` characters, copied into *out. Required: must
 * be present and not blank; optional: absent or null leaves *out NULL. */
static pl_status take(json_t *o, const char *key, int required, size_t max, char **out,
                      char *field, size_t flen, char *msg, size_t mlen)
{
    json_t *v = json_object_get(o, key);
    *out = NULL;
    if (!required && (!v || json_is_null(v)))
        return PL_OK;
    if (!json_is_string(v))
        return proto_bad(field, flen, key, msg, mlen,
                   required ? "required: a non-empty string" : "must be a string or null");
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (strlen(s) != n)
        return proto_bad(field, flen, key, msg, mlen, "must not contain NUL characters");
    if (required && !proto_has_visible(s))
        return proto_bad(field, flen, key, msg, mlen, "must not be empty");
    char limit[64];
    snprintf(limit, sizeof(limit), "at most %zu characters", max);
    if (proto_utf8_chars(s, n) > max)
        return proto_bad(field, flen, key, msg, mlen, limit);
    if (!required && !n)
        return PL_OK;                          /* "" counts as absent */
    return (*out = strdup(s)) ? PL_OK : PL_ERR_NOMEM;
}

/* ---- try it ---- */

pl_status proto_faq_try_decode(const char *body, size_t len, struct rest_faq_try *out,
                               char *field, size_t flen, char *msg, size_t mlen)
{
    memset(out, 0, sizeof(*out));
    json_t *o = proto_load_object(body, len, field, flen, msg, mlen);
    if (!o)
        return PL_ERR_BAD_REQUEST;
    pl_status s = take(o, "text", 1, 4000, &out->text, field, flen, msg, mlen);
    if (!s)
        s = take(o, "locale", 0, 35, &out->locale, field, flen, msg, mlen);
    json_decref(o);
    if (s == PL_ERR_NOMEM)
        proto_bad(field, flen, "", msg, mlen, "out of memory");
    if (s)
        proto_faq_try_free(out);
    return s;
}

void proto_faq_try_free(struct rest_faq_try *t)
{
    free(t->text);
    free(t->locale);
    memset(t, 0, sizeof(*t));
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

char *proto_faq_try_result(const char *outcome, const struct faq_match *m, const char *language,
                           const char *locale, const char *normalised)
{
    json_t *o = json_object(), *matched = json_array(), *choices = json_array();
    json_t *entry = json_null(), *score = json_null();
    if (m && m->entry)
        entry = json_pack("{s:s, s:s, s:s, s:o}", "id", m->entry->id, "question",
                          m->entry->question, "answer", m->entry->answer, "locale",
                          str_or_null(m->entry->locale));
    if (m && (m->entry || m->n_choices))
        score = json_real(m->score);
    for (size_t i = 0; m && matched && i < m->n_matched; i++)
        json_array_append_new(matched, json_string(m->matched[i]));
    for (size_t i = 0; m && choices && i < m->n_choices; i++)
        json_array_append_new(choices, json_pack("{s:s, s:s}", "faq", m->choices[i]->id,
                                                 "question", m->choices[i]->question));
    if (!o || !matched || !choices || !entry || !score) {
        json_decref(o); json_decref(matched); json_decref(choices);
        json_decref(entry); json_decref(score);
        return NULL;
    }
    json_object_set_new(o, "outcome", json_string(outcome));
    json_object_set_new(o, "entry", entry);
    json_object_set_new(o, "score", score);
    json_object_set_new(o, "matched", matched);
    json_object_set_new(o, "choices", choices);
    json_object_set_new(o, "language", str_or_null(language));
    json_object_set_new(o, "locale", str_or_null(locale));
    json_object_set_new(o, "normalised", str_or_null(normalised));
    return proto_dump_take(o);
}

/* ---- unanswered ---- */

static json_t *time_or_null(int64_t ms)
{
    return ms ? json_integer(ms) : json_null();
}

char *proto_faq_unanswered(const struct store_unanswered_list *l)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < l->n; i++) {
        const struct store_unanswered *u = &l->v[i];
        json_t *row = json_pack("{s:s, s:s, s:o, s:I, s:o, s:o, s:o}", "key", u->key, "text",
                                u->text, "locale", str_or_null(u->locale), "count",
                                (json_int_t)u->count, "last_conversation",
                                str_or_null(u->last_conversation), "first_at",
                                time_or_null(u->first_at), "last_at", time_or_null(u->last_at));
        if (!row || json_array_append_new(arr, row) < 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr ? proto_dump_take(json_pack("{s:o}", "unanswered", arr)) : NULL;
}

/* ---- drafts ---- */

pl_status proto_faq_draft_decode(const char *body, size_t len, struct rest_faq_draft *out,
                                 char *field, size_t flen, char *msg, size_t mlen)
{
    memset(out, 0, sizeof(*out));
    json_t *o = proto_load_object(body, len, field, flen, msg, mlen);
    if (!o)
        return PL_ERR_BAD_REQUEST;
    pl_status s = take(o, "question", 1, 1000, &out->question, field, flen, msg, mlen);
    if (!s)
        s = take(o, "answer", 1, 4000, &out->answer, field, flen, msg, mlen);
    if (!s)
        s = take(o, "locale", 0, 35, &out->locale, field, flen, msg, mlen);
    if (!s)
        s = take(o, "conversation", 0, 64, &out->conversation, field, flen, msg, mlen);
    json_decref(o);
    if (s == PL_ERR_NOMEM)
        proto_bad(field, flen, "", msg, mlen, "out of memory");
    if (s)
        proto_faq_draft_free(out);
    return s;
}

void proto_faq_draft_free(struct rest_faq_draft *d)
{
    free(d->question);
    free(d->answer);
    free(d->locale);
    free(d->conversation);
    memset(d, 0, sizeof(*d));
}

static json_t *draft_json(const struct store_draft *d)
{
    return json_pack("{s:I, s:s, s:s, s:o, s:o, s:o, s:o}", "id", (json_int_t)d->id, "question",
                     d->question, "answer", d->answer, "locale", str_or_null(d->locale),
                     "conversation", str_or_null(d->conversation_id), "agent_id",
                     d->agent_id ? json_integer(d->agent_id) : json_null(), "created_at",
                     time_or_null(d->created_at));
}

char *proto_faq_draft(const struct store_draft *d)
{
    return proto_dump_take(draft_json(d));
}

char *proto_faq_drafts(const struct store_draft_list *l)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < l->n; i++) {
        json_t *row = draft_json(&l->v[i]);
        if (!row || json_array_append_new(arr, row) < 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr ? proto_dump_take(json_pack("{s:o}", "drafts", arr)) : NULL;
}

/* ---- import ---- */

/* "[3].keywords[0]" for entry 3's field, the field alone for the whole document. */
static void where(const struct proto_faq_problem *p, char *out, size_t len)
{
    if (p->index == SIZE_MAX)
        snprintf(out, len, "%s", p->field);
    else
        snprintf(out, len, "[%zu]%s%s", p->index, *p->field ? "." : "", p->field);
}

char *proto_faq_import_error(const struct proto_faq_problem *p, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        json_t *index = p[i].index == SIZE_MAX ? json_null() : json_integer((json_int_t)p[i].index);
        json_t *row = json_pack("{s:o, s:s, s:s}", "index", index, "field", p[i].field,
                                "message", p[i].message);
        if (!row || json_array_append_new(arr, row) < 0) {
            json_decref(arr);
            return NULL;
        }
    }
    if (!arr)
        return NULL;
    char first[200] = "", message[96];
    if (n)
        where(&p[0], first, sizeof(first));
    snprintf(message, sizeof(message), "%zu problem%s; nothing was imported", n, n == 1 ? "" : "s");
    json_t *e = json_pack("{s:s, s:s, s:o}", "code", "bad_request", "message", message,
                          "problems", arr);
    if (e && *first)
        json_object_set_new(e, "field", json_string(first));
    return proto_dump_take(json_pack("{s:o}", "error", e));
}

char *proto_faq_import_ok(size_t n)
{
    return proto_dump_take(json_pack("{s:s, s:I}", "status", "ok", "imported", (json_int_t)n));
}
