/*
 * JSON of the canned responses (see proto_canned.h). The shortcut rule is
 * checked here, with a message a person can act on, before the schema's CHECK
 * (the backstop) would refuse the same value with no explanation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "parley/proto_canned.h"
#include "proto_util.h"

/* A required string member of 1..max characters (not only whitespace), copied. */
static pl_status take(json_t *o, const char *key, size_t max, char **out, char *field,
                      size_t flen, char *msg, size_t mlen)
{
    json_t *v = json_object_get(o, key);
    char limit[64];
    snprintf(limit, sizeof(limit), "1 to %zu characters", max);
    if (!json_is_string(v))
        return proto_bad(field, flen, key, msg, mlen, "required: a string");
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (strlen(s) != n)
        return proto_bad(field, flen, key, msg, mlen, "must not contain NUL characters");
    if (!proto_has_visible(s) || proto_utf8_chars(s, n) > max)
        return proto_bad(field, flen, key, msg, mlen, limit);
    return (*out = strdup(s)) ? PL_OK : PL_ERR_NOMEM;
}

static int shortcut_valid(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > PROTO_CANNED_SHORTCUT_MAX)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
            return 0;
    return 1;
}

pl_status proto_canned_decode(const char *body, size_t len, struct rest_canned *out,
                              char *field, size_t flen, char *msg, size_t mlen)
{
    memset(out, 0, sizeof(*out));
    json_error_t e;
    json_t *o = body ? json_loadb(body, len, JSON_REJECT_DUPLICATES, &e) : NULL;
    if (!json_is_object(o)) {
        json_decref(o);
        return proto_bad(field, flen, "", msg, mlen, "the body must be a JSON object");
    }
    json_t *sc = json_object_get(o, "shortcut");
    pl_status s = PL_OK;
    if (!json_is_string(sc) || !shortcut_valid(json_string_value(sc)) ||
        strlen(json_string_value(sc)) != json_string_length(sc))
        s = proto_bad(field, flen, "shortcut", msg, mlen,
                "1 to 32 lowercase letters, digits, - or _");
    else if (!(out->shortcut = strdup(json_string_value(sc))))
        s = PL_ERR_NOMEM;
    if (!s)
        s = take(o, "title", PROTO_CANNED_TITLE_MAX, &out->title, field, flen, msg, mlen);
    if (!s)
        s = take(o, "text", PROTO_CANNED_TEXT_MAX, &out->text, field, flen, msg, mlen);
    json_decref(o);
    if (s == PL_ERR_NOMEM)
        proto_bad(field, flen, "", msg, mlen, "out of memory");
    if (s)
        proto_canned_free(out);
    return s;
}

void proto_canned_free(struct rest_canned *c)
{
    free(c->shortcut);
    free(c->title);
    free(c->text);
    memset(c, 0, sizeof(*c));
}

static json_t *canned_object(const struct store_canned *c)
{
    return json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)c->id, "shortcut", c->shortcut,
                     "title", c->title, "text", c->text);
}

char *proto_canned_json(const struct store_canned *c)
{
    return proto_dump_take(canned_object(c));
}

char *proto_canned_list_json(const struct store_canned_list *l)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < l->n; i++) {
        json_t *one = canned_object(&l->v[i]);
        if (!one || json_array_append_new(arr, one)) {
            json_decref(arr);
            return NULL;
        }
    }
    return proto_dump_take(arr ? json_pack("{s:o}", "canned", arr) : NULL);
}
