/*
 * JSON of the teams (see proto_teams.h). A name is checked here with a
 * message a person can act on; the schema's CHECK and UNIQUE are the backstop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "parley/proto_teams.h"
#include "proto_util.h"

/* A copy of s without leading and trailing ASCII spaces. */
static char *trimmed(const char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    char *c = malloc(n + 1);
    if (c) {
        memcpy(c, s, n);
        c[n] = '\0';
    }
    return c;
}

static pl_status take_name(json_t *v, struct rest_team *out, char *field, size_t flen,
                           char *msg, size_t mlen)
{
    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
        return proto_bad(field, flen, "name", msg, mlen, "required: a string of 1 to 64 characters");
    if (!(out->name = trimmed(json_string_value(v)))) return PL_ERR_NOMEM;
    size_t n = strlen(out->name);
    if (!proto_has_visible(out->name) || proto_utf8_chars(out->name, n) > STORE_TEAM_NAME_MAX)
        return proto_bad(field, flen, "name", msg, mlen, "1 to 64 characters");
    return PL_OK;
}

static pl_status take_members(json_t *v, struct rest_team *out, char *field, size_t flen,
                              char *msg, size_t mlen)
{
    if (!json_is_array(v))
        return proto_bad(field, flen, "members", msg, mlen, "a list of agent ids");
    size_t n = json_array_size(v);
    if (n > STORE_TEAM_MEMBERS_MAX)
        return proto_bad(field, flen, "members", msg, mlen, "at most 1000 members");
    out->has_members = 1;
    if (!(out->members = calloc(n ? n : 1, sizeof(*out->members)))) return PL_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        json_t *x = json_array_get(v, i);
        if (!json_is_integer(x) || json_integer_value(x) <= 0) {
            char f[32];
            snprintf(f, sizeof(f), "members[%zu]", i);
            return proto_bad(field, flen, f, msg, mlen, "an agent id (a positive integer)");
        }
        out->members[out->n_members++] = json_integer_value(x);
    }
    return PL_OK;
}

pl_status proto_team_decode(const char *body, size_t len, int need_name, struct rest_team *out,
                            char *field, size_t flen, char *msg, size_t mlen)
{
    memset(out, 0, sizeof(*out));
    json_t *o = proto_load_object(body, len, field, flen, msg, mlen);
    if (!o) return PL_ERR_BAD_REQUEST;
    pl_status s = PL_OK;
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v) {
        if (strcmp(key, "name") && strcmp(key, "members")) {
            s = proto_bad(field, flen, key, msg, mlen, "unknown field (expected name, members)");
            break;
        }
    }
    json_t *name = json_object_get(o, "name"), *members = json_object_get(o, "members");
    if (!s && (name || need_name)) s = take_name(name, out, field, flen, msg, mlen);
    if (!s && members) s = take_members(members, out, field, flen, msg, mlen);
    json_decref(o);
    if (s == PL_ERR_NOMEM) proto_bad(field, flen, "", msg, mlen, "out of memory");
    if (s) proto_team_free(out);
    return s;
}

void proto_team_free(struct rest_team *t)
{
    free(t->name);
    free(t->members);
    memset(t, 0, sizeof(*t));
}

static const char *agent_name(const struct store_agent_list *agents, int64_t id)
{
    for (size_t i = 0; agents && i < agents->n; i++)
        if (agents->v[i].id == id) return agents->v[i].name;
    return NULL;
}

static json_t *team_object(const struct store_team *t, const struct store_agent_list *agents)
{
    json_t *m = json_array();
    for (size_t i = 0; m && i < t->n_members; i++) {
        const char *name = agent_name(agents, t->members[i]);
        json_t *one = json_pack("{s:I, s:o}", "id", (json_int_t)t->members[i], "name",
                                name ? json_string(name) : json_null());
        if (!one || json_array_append_new(m, one)) {
            json_decref(m);
            return NULL;
        }
    }
    return m ? json_pack("{s:I, s:s, s:o}", "id", (json_int_t)t->id, "name", t->name,
                         "members", m) : NULL;
}

char *proto_team_json(const struct store_team *t, const struct store_agent_list *agents)
{
    return proto_dump_take(team_object(t, agents));
}

char *proto_team_list_json(const struct store_team_list *l, const struct store_agent_list *agents)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < l->n; i++) {
        json_t *one = team_object(&l->v[i], agents);
        if (!one || json_array_append_new(arr, one)) {
            json_decref(arr);
            return NULL;
        }
    }
    return proto_dump_take(arr ? json_pack("{s:o}", "teams", arr) : NULL);
}
