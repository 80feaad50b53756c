/*
 * JSON of the site settings (site.h), for REST and for the settings table.
 *
 * Hours: {"timezone":"Europe/Kyiv","offline_mode":"off"|"outside_hours"|
 * "outside_hours_or_no_agent","days":{"mon":[{"open":"09:00","close":"17:00"}],...}}.
 * Widget: {"greeting":"...","color":"#rrggbb"|"","position":"bottom-right"|
 * "bottom-left","prechat":{"name":"off"|"optional"|"required","email":...}}.
 * A body changes only the keys it has ("days" replaces the whole week; a day it
 * lacks is closed); parsing starts from `cur` and fills *out only on success,
 * with field naming the bad one ("days.mon[0].open", "prechat.email").
 */
#ifndef PARLEY_PROTO_SITE_H
#define PARLEY_PROTO_SITE_H

#include <stddef.h>
#include "parley/site.h"

pl_status proto_site_hours(const char *body, size_t len, const struct site_hours *cur,
                           struct site_hours *out, char *field, size_t flen, char *msg,
                           size_t mlen);
pl_status proto_site_widget(const char *body, size_t len, const struct site_widget *cur,
                            struct site_widget *out, char *field, size_t flen, char *msg,
                            size_t mlen);
char *proto_site_hours_json(const struct site_hours *h);
char *proto_site_widget_json(const struct site_widget *w);
/* GET /api/widget/config: the widget settings, the hours, and "open",
 * "agents_online", "offline" (offline mode applies now). */
char *proto_site_config_json(const struct site_widget *w, const struct site_hours *h, int open,
                             int agents_online, int offline);

/* A stored settings row: applies "hours" or "widget" and returns 1, else 0
 * (not ours); a stored value that no longer decodes is reported and skipped. */
int proto_site_apply_stored(const char *key, const char *value);

#endif
