/*
 * Business hours: when the site is open, in the site's own time zone.
 *
 * A week of open intervals per weekday, in minutes from local midnight. An
 * interval whose end is not after its start runs past midnight into the next
 * day (22:00-02:00 on Friday is Friday 22:00 to Saturday 02:00). A week with no
 * interval at all means always open: that is the default, so nothing changes
 * for a site that never sets hours.
 *
 * Time zones are IANA names checked against the system zone database
 * (/usr/share/zoneinfo, Debian's tzdata). Local time comes from glibc's
 * localtime_r, which follows the TZ variable: hours_use_zone() sets TZ and calls
 * tzset(), and only the loop thread calls it (at start and when an admin saves
 * new hours), while no other thread of Parley reads local time. setenv is not
 * safe against a concurrent getenv in general, and other threads do read the
 * environment (libcurl looks for proxy variables on every transfer; SQLite for
 * TMPDIR). What makes it unsafe is adding a variable: the environ array may be
 * reallocated under a reader. Replacing one that exists only swaps one pointer
 * in the array, and glibc never frees the old string. So hours_reserve_env()
 * makes sure TZ exists before any thread starts (main calls it first thing),
 * and every later hours_use_zone() is a replacement.
 * Reading TZif files ourselves was the alternative; glibc already does it,
 * including the POSIX rule that slim zone files rely on after their last
 * transition, so we borrow it rather than re-implement it.
 */
#ifndef PARLEY_HOURS_H
#define PARLEY_HOURS_H

#include <stddef.h>
#include <stdint.h>
#include "parley/common.h"

#define HOURS_MAX_INTERVALS 8     /* per weekday */
#define HOURS_ZONE_MAX 64

/* Sets TZ to ":UTC" when it is not set at all (see above); call it before any
 * thread starts. PL_OK, or PL_ERR_NOMEM. */
pl_status hours_reserve_env(void);

struct hours_interval { int start, end; };   /* minutes, 0..1439 / 1..1440 */
struct hours_week {
    struct hours_interval day[7][HOURS_MAX_INTERVALS];  /* 0 = Sunday, as tm_wday */
    int n[7];
};

/* "sun".."sat" -> 0..6, or -1. */
int hours_weekday(const char *name);
const char *hours_weekday_name(int wday);
/* "HH:MM" (00:00..24:00) -> minutes, or -1. */
int hours_parse_hhmm(const char *s);
/* 0 when the interval can be added to day wday; else -1 and a reason in msg. */
int hours_add(struct hours_week *w, int wday, int start, int end, char *msg, size_t mlen);
/* 1 when no day has an interval: always open. */
int hours_always_open(const struct hours_week *w);
/* Open at local weekday wday, minute of day m? Pure arithmetic. */
int hours_open_at(const struct hours_week *w, int wday, int minute);

/* 1 when name is a zone of the system database ("UTC", "Europe/Kyiv"). */
int hours_zone_valid(const char *name);
/* Makes local time follow zone (loop thread only, see above). */
pl_status hours_use_zone(const char *zone);
/* Open at epoch-ms now, in the zone last given to hours_use_zone? */
int hours_open_now(const struct hours_week *w, int64_t now_ms);

#endif
