/* The current site settings and the offline decision (see site.h). */
#include <string.h>
#include "parley/router.h"
#include "parley/site.h"

static struct site_hours hours = {.zone = "UTC"};
static struct site_widget widget;

static const char *const modes[] = {"off", "outside_hours", "outside_hours_or_no_agent"};
static const char *const fields[] = {"off", "optional", "required"};

void site_hours_default(struct site_hours *h)
{
    memset(h, 0, sizeof(*h));
    strcpy(h->zone, "UTC");
}

void site_widget_default(struct site_widget *w) { memset(w, 0, sizeof(*w)); }

const char *site_mode_name(enum site_offline_mode m) { return modes[m <= 2 ? m : 0]; }
const char *site_field_name(enum site_field f) { return fields[f <= 2 ? f : 0]; }

int site_mode_parse(const char *s, enum site_offline_mode *out)
{
    for (int i = 0; s && i < 3; i++)
        if (!strcmp(s, modes[i])) {
            *out = (enum site_offline_mode)i;
            return 0;
        }
    return -1;
}

int site_field_parse(const char *s, enum site_field *out)
{
    for (int i = 0; s && i < 3; i++)
        if (!strcmp(s, fields[i])) {
            *out = (enum site_field)i;
            return 0;
        }
    return -1;
}

pl_status site_set_hours(const struct site_hours *h)
{
    pl_status s = hours_use_zone(h->zone);
    if (s == PL_OK)
        hours = *h;
    return s;
}

void site_set_widget(const struct site_widget *w) { widget = *w; }
const struct site_hours *site_hours(void) { return &hours; }
const struct site_widget *site_widget(void) { return &widget; }

int site_open_now(void) { return hours_open_now(&hours.week, pl_now_ms()); }

int site_offline_now(void)
{
    switch (hours.mode) {
    case SITE_OFFLINE_OFF: return 0;
    case SITE_OFFLINE_HOURS: return !site_open_now();
    case SITE_OFFLINE_HOURS_OR_NO_AGENT: return !site_open_now() || router_online_agents() == 0;
    }
    return 0;
}

const char *site_greeting(void) { return widget.greeting[0] ? widget.greeting : NULL; }

int site_email_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    const char *at = n ? strchr(s, '@') : NULL;
    if (!at || n > 254 || at == s || strchr(at + 1, '@'))
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f || s[i] == '<' || s[i] == '>' ||
            s[i] == ',' || s[i] == ';')
            return 0;
    const char *dom = at + 1, *dot = strrchr(dom, '.');
    return dot && dot > dom && dot[1] && !strstr(dom, "..") && dom[strlen(dom) - 1] != '.';
}
