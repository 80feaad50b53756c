/*
 * JSON codec of FAQ entries (one object, or a --faq file's array of them).
 *
 * Decoding checks JSON shape here (types, duplicate keys refused) and content with
 * faq_validate, so a decoded entry is always one faq_build accepts and the admin
 * sees the first bad field by name: field "[3].keywords[0]", message "must be a
 * string" (the message never repeats the field, as in proto_rest.c).
 * Unknown fields are ignored so newer files still load. `locale: null` counts as
 * absent, and so does `fold_diacritics: null` (the server's default applies).
 */
#include <jansson.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "parley/proto_faq.h"

struct err { char *field; size_t field_len; char *msg; size_t msg_len; };

__attribute__((format(printf, 3, 4)))
static pl_status fail(const struct err *e, const char *name, const char *fmt, ...)
{
    if (e->field && e->field_len) snprintf(e->field, e->field_len, "%s", name);
    if (e->msg && e->msg_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, e->msg_len, fmt, ap);
        va_end(ap);
    }
    return PL_ERR_BAD_REQUEST;
}

/* A string member: required or optional; absent (or null when optional) gives NULL. */
static pl_status get_str(json_t *o, const char *key, int required, char **out,
                         const struct err *e)
{
    json_t *v = json_object_get(o, key);
    *out = NULL;
    if (!v || (!required && json_is_null(v)))
        return required ? fail(e, key, "is required") : PL_OK;
    if (!json_is_string(v)) return fail(e, key, "must be a string");
    return (*out = strdup(json_string_value(v))) ? PL_OK : PL_ERR_NOMEM;
}

static pl_status get_strv(json_t *o, const char *key, char ***out, size_t *n,
                          const struct err *e)
{
    json_t *v = json_object_get(o, key), *it;
    size_t i;
    *out = NULL; *n = 0;
    if (!v) return PL_OK;
    if (!json_is_array(v)) return fail(e, key, "must be an array of strings");
    if (!json_array_size(v)) return PL_OK;
    if (!(*out = calloc(json_array_size(v), sizeof(**out)))) return PL_ERR_NOMEM;
    json_array_foreach(v, i, it) {
        char name[64];
        snprintf(name, sizeof(name), "%s[%zu]", key, i);
        if (!json_is_string(it)) return fail(e, name, "must be a string");
        if (!((*out)[i] = strdup(json_string_value(it)))) return PL_ERR_NOMEM;
        *n = i + 1;   /* the caller's faq_entry_free sees exactly what was filled */
    }
    return PL_OK;
}

static pl_status get_weight(json_t *o, double *w, const struct err *e)
{
    json_t *v = json_object_get(o, "weight");
    *w = 1.0;
    if (!v) return PL_OK;
    if (!json_is_number(v)) return fail(e, "weight", "must be a number greater than 0");
    *w = json_number_value(v);
    return PL_OK;
}

static pl_status get_fold(json_t *o, int *fold, const struct err *e)
{
    json_t *v = json_object_get(o, "fold_diacritics");
    *fold = FAQ_FOLD_DEFAULT;
    if (!v || json_is_null(v)) return PL_OK;
    if (!json_is_boolean(v)) return fail(e, "fold_diacritics", "must be true or false");
    *fold = json_is_true(v) ? FAQ_FOLD_ON : FAQ_FOLD_OFF;
    return PL_OK;
}

/* Optional; a team id, so a handoff after this answer goes to that team. Its
 * existence is checked at the handoff (a team may be deleted later). */
static pl_status get_team(json_t *o, int64_t *team, const struct err *e)
{
    json_t *v = json_object_get(o, "team");
    *team = 0;
    if (!v || json_is_null(v)) return PL_OK;
    if (!json_is_integer(v) || json_integer_value(v) < 1)
        return fail(e, "team", "must be a team id (a positive integer)");
    *team = json_integer_value(v);
    return PL_OK;
}

/* Shape first, then content (unless `validate` is 0); `out` is freed on failure. */
static pl_status decode_fields(json_t *o, struct faq_entry *out, const struct err *e, int validate)
{
    pl_status st;
    memset(out, 0, sizeof(*out));
    if (!json_is_object(o)) return fail(e, "", "an FAQ entry must be a JSON object");
    if ((st = get_str(o, "id", 1, &out->id, e)) ||
        (st = get_str(o, "locale", 0, &out->locale, e)) ||
        (st = get_str(o, "question", 1, &out->question, e)) ||
        (st = get_str(o, "answer", 1, &out->answer, e)) ||
        (st = get_strv(o, "keywords", &out->keywords, &out->n_keywords, e)) ||
        (st = get_strv(o, "patterns", &out->patterns, &out->n_patterns, e)) ||
        (st = get_weight(o, &out->weight, e)) ||
        (st = get_fold(o, &out->fold_diacritics, e)) ||
        (st = get_team(o, &out->team, e)) ||
        (validate && (st = faq_validate(out, e->field, e->field_len, e->msg, e->msg_len)))) {
        if (st == PL_ERR_NOMEM) fail(e, "", "out of memory");
        faq_entry_free(out);
        return st;
    }
    return PL_OK;
}

static pl_status decode_object(json_t *o, struct faq_entry *out, const struct err *e)
{
    return decode_fields(o, out, e, 1);
}

static json_t *parse(const char *json, size_t len, const struct err *e)
{
    json_error_t je;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        fail(e, "", "invalid JSON at line %d, column %d: %s", je.line, je.column, je.text);
    return root;
}

pl_status proto_faq_decode(const char *json, size_t len, struct faq_entry *out,
                           char *field, size_t field_len, char *msg, size_t msg_len)
{
    const struct err e = { field, field_len, msg, msg_len };
    memset(out, 0, sizeof(*out));
    json_t *root = json ? parse(json, len, &e) : NULL;
    if (!root) return json ? PL_ERR_BAD_REQUEST : fail(&e, "", "empty body");
    pl_status st = decode_object(root, out, &e);
    json_decref(root);
    return st;
}

pl_status proto_faq_decode_stored(const char *json, size_t len, struct faq_entry *out,
                                  char *field, size_t field_len, char *msg, size_t msg_len)
{
    const struct err e = { field, field_len, msg, msg_len };
    memset(out, 0, sizeof(*out));
    json_t *root = json ? parse(json, len, &e) : NULL;
    if (!root) return json ? PL_ERR_BAD_REQUEST : fail(&e, "", "empty body");
    pl_status st = decode_fields(root, out, &e, 0);
    json_decref(root);
    return st;
}

void proto_faq_free_array(struct faq_entry *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) faq_entry_free(&v[i]);
    free(v);
}

/* Decodes element i; errors get the "[i]." prefix on both field and message. */
static pl_status decode_element(json_t *o, size_t i, struct faq_entry *out,
                                const struct faq_entry *done, const struct err *e)
{
    char f[96] = "", m[400] = "", name[128];
    const struct err inner = { f, sizeof(f), m, sizeof(m) };
    pl_status st = decode_object(o, out, &inner);
    if (st == PL_OK) {
        for (size_t j = 0; j < i; j++)
            if (strcmp(done[j].id, out->id) == 0) {
                faq_entry_free(out);
                snprintf(name, sizeof(name), "[%zu].id", i);
                return fail(e, name, "duplicate id \"%.64s\" (also [%zu])", done[j].id, j);
            }
        return PL_OK;
    }
    snprintf(name, sizeof(name), "[%zu]%s%s", i, *f ? "." : "", f);
    fail(e, name, "%s", m);
    return st;
}

pl_status proto_faq_decode_array(const char *json, size_t len, struct faq_entry **out,
                                 size_t *n, char *field, size_t field_len,
                                 char *msg, size_t msg_len)
{
    const struct err e = { field, field_len, msg, msg_len };
    *out = NULL; *n = 0;
    json_t *root = json ? parse(json, len, &e) : NULL, *it;
    if (!root) return json ? PL_ERR_BAD_REQUEST : fail(&e, "", "empty body");
    pl_status st = PL_OK;
    size_t count = json_array_size(root), i;
    struct faq_entry *v = count ? calloc(count, sizeof(*v)) : NULL;
    if (!json_is_array(root)) st = fail(&e, "", "an FAQ file must be a JSON array of entries");
    else if (count && !v) st = PL_ERR_NOMEM;
    else json_array_foreach(root, i, it) {
        if ((st = decode_element(it, i, &v[i], v, &e)) != PL_OK) break;
        *n = i + 1;
    }
    json_decref(root);
    if (st != PL_OK) { proto_faq_free_array(v, *n); *n = 0; return st; }
    *out = v;
    return PL_OK;
}

static json_t *strv_json(char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        if (json_array_append_new(a, json_string(v[i])) < 0) { json_decref(a); return NULL; }
    return a;
}

/* json_dumps allocates with Jansson's allocator, which Parley leaves as malloc. */
char *proto_faq_encode(const struct faq_entry *e)
{
    json_t *o = json_object();
    int bad = !o;
    bad = bad || json_object_set_new(o, "id", json_string(e->id)) < 0;
    if (e->locale) bad = bad || json_object_set_new(o, "locale", json_string(e->locale)) < 0;
    bad = bad || json_object_set_new(o, "question", json_string(e->question)) < 0;
    bad = bad || json_object_set_new(o, "answer", json_string(e->answer)) < 0;
    bad = bad || json_object_set_new(o, "keywords", strv_json(e->keywords, e->n_keywords)) < 0;
    bad = bad || json_object_set_new(o, "patterns", strv_json(e->patterns, e->n_patterns)) < 0;
    if (e->weight != 1.0) bad = bad || json_object_set_new(o, "weight", json_real(e->weight)) < 0;
    if (e->fold_diacritics != FAQ_FOLD_DEFAULT)
        bad = bad || json_object_set_new(o, "fold_diacritics",
                                         json_boolean(e->fold_diacritics == FAQ_FOLD_ON)) < 0;
    if (e->team) bad = bad || json_object_set_new(o, "team", json_integer(e->team)) < 0;
    char *s = bad ? NULL : json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

/* For `parley faq check`: every element is tried, so one run lists every problem. */
pl_status proto_faq_decode_each(const char *json, size_t len, struct faq_entry **out,
                                size_t **pos, size_t *n, proto_faq_problem_fn report,
                                void *arg)
{
    char f[96] = "", m[400] = "";
    const struct err e = { f, sizeof(f), m, sizeof(m) };
    *out = NULL; *pos = NULL; *n = 0;
    json_t *root = parse(json, len, &e), *it;
    if (!root) { report(arg, SIZE_MAX, f, m); return PL_ERR_BAD_REQUEST; }
    if (!json_is_array(root)) {
        report(arg, SIZE_MAX, "", "an FAQ file must be a JSON array of entries");
        json_decref(root);
        return PL_ERR_BAD_REQUEST;
    }
    size_t count = json_array_size(root), i, k = 0;
    struct faq_entry *v = calloc(count ? count : 1, sizeof(*v));
    size_t *p = calloc(count ? count : 1, sizeof(*p));
    pl_status st = v && p ? PL_OK : PL_ERR_NOMEM;
    json_array_foreach(root, i, it) {
        if (st != PL_OK) break;
        if (decode_object(it, &v[k], &e) != PL_OK) { report(arg, i, f, m); continue; }
        size_t j;
        for (j = 0; j < k && strcmp(v[j].id, v[k].id); j++) {}
        if (j < k) {
            snprintf(m, sizeof(m), "duplicate id \"%.64s\" (also entry %zu)", v[k].id, p[j]);
            report(arg, i, "id", m);
            faq_entry_free(&v[k]);
            continue;
        }
        p[k++] = i;
    }
    json_decref(root);
    if (st != PL_OK) { proto_faq_free_array(v, k); free(p); return st; }
    *out = v; *pos = p; *n = k;
    return PL_OK;
}
