/* JSON codec of the site settings (see proto_site.h). */
#include <stdio.h>
#include <string.h>
#include "parley/proto_site.h"
#include "proto_util.h"

static pl_status bad(char *field, size_t flen, const char *f, char *msg, size_t mlen,
                     const char *m)
{
    return proto_bad(field, flen, f, msg, mlen, m);
}

static pl_status take_interval(json_t *iv, struct hours_week *w, int d, const char *path,
                               char *field, size_t flen, char *msg, size_t mlen)
{
    char f[112], why[96];
    json_t *o = json_is_object(iv) ? json_object_get(iv, "open") : NULL;
    json_t *c = json_is_object(iv) ? json_object_get(iv, "close") : NULL;
    if (!json_is_object(iv) || json_object_size(iv) != 2 || !o || !c)
        return bad(field, flen, path, msg, mlen, "must be {\"open\":\"HH:MM\",\"close\":\"HH:MM\"}");
    int a = hours_parse_hhmm(json_string_value(o)), b = hours_parse_hhmm(json_string_value(c));
    if (a < 0 || a > 1439) {
        snprintf(f, sizeof(f), "%s.open", path);
        return bad(field, flen, f, msg, mlen, "must be HH:MM from 00:00 to 23:59");
    }
    if (b < 0) {
        snprintf(f, sizeof(f), "%s.close", path);
        return bad(field, flen, f, msg, mlen, "must be HH:MM from 00:00 to 24:00");
    }
    if (hours_add(w, d, a, b, why, sizeof(why)))
        return bad(field, flen, path, msg, mlen, why);
    return PL_OK;
}

static pl_status take_days(json_t *v, struct hours_week *w, char *field, size_t flen, char *msg,
                           size_t mlen)
{
    const char *key;
    json_t *day;
    char f[64];
    memset(w, 0, sizeof(*w));
    if (!json_is_object(v))
        return bad(field, flen, "days", msg, mlen, "must be an object of weekdays (\"mon\"...)");
    json_object_foreach(v, key, day) {
        int d = hours_weekday(key);
        snprintf(f, sizeof(f), "days.%.20s", key);
        if (d < 0)
            return bad(field, flen, f, msg, mlen, "not a weekday (sun, mon, ... sat)");
        if (!json_is_array(day))
            return bad(field, flen, f, msg, mlen, "must be an array of intervals");
        size_t i;
        json_t *iv;
        json_array_foreach(day, i, iv) {
            char p[96];
            snprintf(p, sizeof(p), "%s[%zu]", f, i);
            pl_status s = take_interval(iv, w, d, p, field, flen, msg, mlen);
            if (s)
                return s;
        }
    }
    return PL_OK;
}

pl_status proto_site_hours(const char *body, size_t len, const struct site_hours *cur,
                           struct site_hours *out, char *field, size_t flen, char *msg,
                           size_t mlen)
{
    json_t *o = proto_load_object(body, len, field, flen, msg, mlen), *v;
    if (!o)
        return PL_ERR_BAD_REQUEST;
    struct site_hours h = *cur;
    pl_status s = PL_OK;
    const char *key;
    json_object_foreach(o, key, v) {
        if (!strcmp(key, "timezone")) {
            if (!json_is_string(v) || !hours_zone_valid(json_string_value(v)))
                s = bad(field, flen, key, msg, mlen,
                        "must be a time zone of the IANA database, like \"Europe/Kyiv\"");
            else
                snprintf(h.zone, sizeof(h.zone), "%s", json_string_value(v));
        } else if (!strcmp(key, "offline_mode")) {
            if (site_mode_parse(json_string_value(v), &h.mode))
                s = bad(field, flen, key, msg, mlen,
                        "must be \"off\", \"outside_hours\" or \"outside_hours_or_no_agent\"");
        } else if (!strcmp(key, "days")) {
            s = take_days(v, &h.week, field, flen, msg, mlen);
        } else {
            s = bad(field, flen, key, msg, mlen, "not an hours setting");
        }
        if (s)
            break;
    }
    json_decref(o);
    if (!s)
        *out = h;
    return s;
}

static int is_hex_color(const char *s)
{
    if (!s || strlen(s) != 7 || s[0] != '#')
        return 0;
    for (int i = 1; i < 7; i++)
        if (!strchr("0123456789abcdefABCDEF", s[i]))
            return 0;
    return 1;
}

static pl_status take_prechat(json_t *v, struct site_widget *w, char *field, size_t flen,
                              char *msg, size_t mlen)
{
    const char *key;
    json_t *f;
    char name[48];
    if (!json_is_object(v))
        return bad(field, flen, "prechat", msg, mlen, "must be {\"name\":...,\"email\":...}");
    json_object_foreach(v, key, f) {
        snprintf(name, sizeof(name), "prechat.%.20s", key);
        enum site_field *dst = !strcmp(key, "name") ? &w->name : !strcmp(key, "email") ? &w->email
                                                                                      : NULL;
        if (!dst)
            return bad(field, flen, name, msg, mlen, "not a pre-chat field (name, email)");
        if (site_field_parse(json_string_value(f), dst))
            return bad(field, flen, name, msg, mlen, "must be \"off\", \"optional\" or \"required\"");
    }
    return PL_OK;
}

static pl_status take_widget_key(const char *key, json_t *v, struct site_widget *w, char *field,
                                 size_t flen, char *msg, size_t mlen)
{
    const char *s = json_string_value(v);
    if (!strcmp(key, "greeting")) {
        if (json_is_null(v)) {
            w->greeting[0] = '\0';
            return PL_OK;
        }
        if (!s || proto_utf8_chars(s, strlen(s)) > SITE_GREETING_MAX ||
            strlen(s) >= sizeof(w->greeting))
            return bad(field, flen, key, msg, mlen, "must be a text of at most 500 characters");
        snprintf(w->greeting, sizeof(w->greeting), "%s", proto_has_visible(s) ? s : "");
    } else if (!strcmp(key, "color")) {
        if (!s || (*s && !is_hex_color(s)))
            return bad(field, flen, key, msg, mlen, "must be a colour like \"#1a73e8\" (or \"\")");
        snprintf(w->color, sizeof(w->color), "%s", s);
        for (char *p = w->color; *p; p++)
            if (*p >= 'A' && *p <= 'F')
                *p = (char)(*p - 'A' + 'a');
    } else if (!strcmp(key, "position")) {
        if (!s || (strcmp(s, "bottom-right") && strcmp(s, "bottom-left")))
            return bad(field, flen, key, msg, mlen, "must be \"bottom-right\" or \"bottom-left\"");
        w->left = !strcmp(s, "bottom-left");
    } else if (!strcmp(key, "prechat")) {
        return take_prechat(v, w, field, flen, msg, mlen);
    } else {
        return bad(field, flen, key, msg, mlen, "not a widget setting");
    }
    return PL_OK;
}

pl_status proto_site_widget(const char *body, size_t len, const struct site_widget *cur,
                            struct site_widget *out, char *field, size_t flen, char *msg,
                            size_t mlen)
{
    json_t *o = proto_load_object(body, len, field, flen, msg, mlen), *v;
    if (!o)
        return PL_ERR_BAD_REQUEST;
    struct site_widget w = *cur;
    pl_status s = PL_OK;
    const char *key;
    json_object_foreach(o, key, v) {
        if ((s = take_widget_key(key, v, &w, field, flen, msg, mlen)))
            break;
    }
    json_decref(o);
    if (!s)
        *out = w;
    return s;
}

static json_t *days_json(const struct hours_week *w)
{
    json_t *days = json_object();
    for (int i = 0; days && i < 7; i++) {
        int d = (i + 1) % 7;                          /* Monday first, as people read it */
        json_t *a = json_array();
        for (int k = 0; a && k < w->n[d]; k++) {
            char o[24], c[24];
            const struct hours_interval *iv = &w->day[d][k];
            snprintf(o, sizeof(o), "%02d:%02d", iv->start / 60, iv->start % 60);
            snprintf(c, sizeof(c), "%02d:%02d", iv->end / 60, iv->end % 60);
            json_array_append_new(a, json_pack("{s:s,s:s}", "open", o, "close", c));
        }
        if (!a || json_object_set_new(days, hours_weekday_name(d), a)) {
            json_decref(days);
            return NULL;
        }
    }
    return days;
}

static json_t *hours_obj(const struct site_hours *h)
{
    json_t *days = days_json(&h->week);
    return days ? json_pack("{s:s,s:s,s:o}", "timezone", h->zone, "offline_mode",
                            site_mode_name(h->mode), "days", days)
                : NULL;
}

static json_t *widget_obj(const struct site_widget *w)
{
    return json_pack("{s:s,s:s,s:s,s:{s:s,s:s}}", "greeting", w->greeting, "color", w->color,
                     "position", w->left ? "bottom-left" : "bottom-right", "prechat", "name",
                     site_field_name(w->name), "email", site_field_name(w->email));
}

char *proto_site_hours_json(const struct site_hours *h) { return proto_dump_take(hours_obj(h)); }
char *proto_site_widget_json(const struct site_widget *w) { return proto_dump_take(widget_obj(w)); }

char *proto_site_config_json(const struct site_widget *w, const struct site_hours *h, int open,
                             int agents_online, int offline)
{
    json_t *o = widget_obj(w), *hr = hours_obj(h);
    if (!o || !hr) {
        json_decref(o);
        json_decref(hr);
        return NULL;
    }
    json_object_del(hr, "offline_mode");   /* the widget needs the outcome, "offline" */
    if (json_object_set_new(o, "hours", hr) ||
        json_object_set_new(o, "open", json_boolean(open)) ||
        json_object_set_new(o, "agents_online", json_boolean(agents_online)) ||
        json_object_set_new(o, "offline", json_boolean(offline))) {
        json_decref(o);   /* set_new took hr even when it failed */
        return NULL;
    }
    return proto_dump_take(o);
}

int proto_site_apply_stored(const char *key, const char *value)
{
    char field[64] = "", msg[160] = "";
    int hours = !strcmp(key, "hours");
    if (!hours && strcmp(key, "widget"))
        return 0;
    struct site_hours h;
    struct site_widget w;
    site_hours_default(&h);
    site_widget_default(&w);
    pl_status s = hours ? proto_site_hours(value, strlen(value), &h, &h, field, sizeof(field), msg,
                                           sizeof(msg))
                        : proto_site_widget(value, strlen(value), &w, &w, field, sizeof(field),
                                            msg, sizeof(msg));
    if (s == PL_OK && hours)
        s = site_set_hours(&h);
    else if (s == PL_OK)
        site_set_widget(&w);
    if (s != PL_OK)
        fprintf(stderr, "parley: stored setting %s ignored: %s %s\n", key, field, msg);
    return 1;
}
