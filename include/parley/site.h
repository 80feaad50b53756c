/*
 * Site settings an admin sets for the visitor side: business hours with the
 * offline mode, and the widget's look and pre-chat form. The values live here,
 * on the loop thread, as applied; the store keeps them as JSON under the
 * settings keys "hours" and "widget" (proto_site.c encodes and decodes).
 *
 * Offline mode is an opt-in: with the default ("off") a handoff always goes to
 * the queue, staffed or not, exactly as before. With "outside_hours" a handoff
 * while closed goes to the offline state instead; "outside_hours_or_no_agent"
 * also when no agent is online (not away).
 */
#ifndef PARLEY_SITE_H
#define PARLEY_SITE_H

#include "parley/common.h"
#include "parley/hours.h"

enum site_offline_mode { SITE_OFFLINE_OFF, SITE_OFFLINE_HOURS, SITE_OFFLINE_HOURS_OR_NO_AGENT };
enum site_field { SITE_FIELD_OFF, SITE_FIELD_OPTIONAL, SITE_FIELD_REQUIRED };

#define SITE_GREETING_MAX 500    /* characters */

struct site_hours {
    char zone[HOURS_ZONE_MAX];   /* IANA name; "UTC" by default */
    enum site_offline_mode mode;
    struct hours_week week;      /* nothing: always open */
};

struct site_widget {
    char greeting[SITE_GREETING_MAX * 4 + 1];   /* "" = the bot's own greeting */
    char color[8];               /* "#rrggbb", or "" = the widget's default */
    int left;                    /* position bottom-left, else bottom-right */
    enum site_field name, email; /* the pre-chat form's fields */
};

void site_hours_default(struct site_hours *h);
void site_widget_default(struct site_widget *w);
const char *site_mode_name(enum site_offline_mode m);
int site_mode_parse(const char *s, enum site_offline_mode *out);   /* 0 ok */
const char *site_field_name(enum site_field f);
int site_field_parse(const char *s, enum site_field *out);         /* 0 ok */

/* Makes them current (hours: also the process' local zone, see hours.h). */
pl_status site_set_hours(const struct site_hours *h);
void site_set_widget(const struct site_widget *w);
const struct site_hours *site_hours(void);
const struct site_widget *site_widget(void);

int site_open_now(void);
/* Does a handoff now go to the offline state? */
int site_offline_now(void);
/* The admin's greeting, or NULL for the bot's localised one. */
const char *site_greeting(void);

/* A plausible e-mail address: one @, a local part, a dotted domain, no spaces
 * or control characters, at most 254 bytes. */
int site_email_valid(const char *s);

#endif
