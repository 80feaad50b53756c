/* Business hours arithmetic; the time-zone rule is in hours.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "parley/hours.h"

#define ZONEINFO "/usr/share/zoneinfo/"

static const char *const names[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

int hours_weekday(const char *name)
{
    for (int i = 0; i < 7; i++)
        if (name && !strcmp(name, names[i]))
            return i;
    return -1;
}

const char *hours_weekday_name(int wday) { return wday >= 0 && wday < 7 ? names[wday] : "?"; }

int hours_parse_hhmm(const char *s)
{
    if (!s || strlen(s) != 5 || s[2] != ':')
        return -1;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9'))
            return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && m))
        return -1;
    return h * 60 + m;
}

int hours_add(struct hours_week *w, int wday, int start, int end, char *msg, size_t mlen)
{
    if (wday < 0 || wday > 6 || start < 0 || start > 1439 || end < 0 || end > 1440) {
        snprintf(msg, mlen, "times must be HH:MM from 00:00 to 24:00");
        return -1;
    }
    if (start == end) {
        snprintf(msg, mlen, "an interval must not be empty");
        return -1;
    }
    if (w->n[wday] >= HOURS_MAX_INTERVALS) {
        snprintf(msg, mlen, "at most %d intervals a day", HOURS_MAX_INTERVALS);
        return -1;
    }
    w->day[wday][w->n[wday]++] = (struct hours_interval){start, end};
    return 0;
}

int hours_always_open(const struct hours_week *w)
{
    for (int d = 0; d < 7; d++)
        if (w->n[d])
            return 0;
    return 1;
}

int hours_open_at(const struct hours_week *w, int wday, int m)
{
    if (hours_always_open(w))
        return 1;
    int prev = (wday + 6) % 7;
    for (int i = 0; i < w->n[wday]; i++) {
        const struct hours_interval *iv = &w->day[wday][i];
        if (iv->end > iv->start ? m >= iv->start && m < iv->end : m >= iv->start)
            return 1;
    }
    for (int i = 0; i < w->n[prev]; i++) {   /* yesterday's interval past midnight */
        const struct hours_interval *iv = &w->day[prev][i];
        if (iv->end < iv->start && m < iv->end)
            return 1;
    }
    return 0;
}

/* Names like "Europe/Kyiv": letters, digits, _ + - and single slashes, never
 * "..", so the path stays inside the zone directory. */
static int zone_name_ok(const char *z)
{
    size_t n = z ? strlen(z) : 0;
    if (!n || n >= HOURS_ZONE_MAX || z[0] == '/' || z[n - 1] == '/' || strstr(z, "..") ||
        strstr(z, "//"))
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = z[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '+' || c == '-' || c == '/'))
            return 0;
    }
    return 1;
}

int hours_zone_valid(const char *name)
{
    if (!zone_name_ok(name))
        return 0;
    char path[sizeof(ZONEINFO) + HOURS_ZONE_MAX];
    snprintf(path, sizeof(path), ZONEINFO "%s", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char magic[4];
    int ok = fread(magic, 1, 4, f) == 4 && !memcmp(magic, "TZif", 4);
    fclose(f);
    return ok;
}

pl_status hours_reserve_env(void)
{
    if (getenv("TZ"))
        return PL_OK;
    return setenv("TZ", ":UTC", 0) ? PL_ERR_NOMEM : PL_OK;
}

pl_status hours_use_zone(const char *zone)
{
    /* The leading ':' makes glibc read the zone file by name, never parse the
     * name as a POSIX rule. */
    char tz[HOURS_ZONE_MAX + 2];
    snprintf(tz, sizeof(tz), ":%s", zone && *zone ? zone : "UTC");
    if (setenv("TZ", tz, 1))
        return PL_ERR_NOMEM;
    tzset();
    return PL_OK;
}

int hours_open_now(const struct hours_week *w, int64_t now_ms)
{
    if (hours_always_open(w))
        return 1;
    time_t t = (time_t)(now_ms / 1000);
    struct tm tm;
    if (!localtime_r(&t, &tm))
        return 1;   /* cannot tell: do not turn visitors away */
    return hours_open_at(w, tm.tm_wday, tm.tm_hour * 60 + tm.tm_min);
}
