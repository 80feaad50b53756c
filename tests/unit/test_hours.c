/* Business hours: weekday boundaries, intervals past midnight, DST via the zone. */
#include <string.h>
#include <time.h>
#include "parley/hours.h"
#include "testlib.h"

static int64_t utc_ms(int y, int mo, int d, int h, int mi)
{
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
    return (int64_t)timegm(&tm) * 1000;
}

int main(void)
{
    char msg[128];
    struct hours_week w;
    memset(&w, 0, sizeof(w));
    CHECK(hours_always_open(&w));
    CHECK(hours_open_at(&w, 0, 0));

    CHECK(hours_parse_hhmm("09:00") == 540);
    CHECK(hours_parse_hhmm("24:00") == 1440);
    CHECK(hours_parse_hhmm("24:01") == -1);
    CHECK(hours_parse_hhmm("9:00") == -1);
    CHECK(hours_parse_hhmm("12:60") == -1);
    CHECK(hours_weekday("mon") == 1 && hours_weekday("sun") == 0 && hours_weekday("Mon") == -1);

    /* Monday 09:00-17:00: the end is not inside. */
    CHECK(hours_add(&w, 1, 540, 1020, msg, sizeof(msg)) == 0);
    CHECK(hours_add(&w, 1, 600, 600, msg, sizeof(msg)) == -1);   /* empty */
    CHECK(!hours_always_open(&w));
    CHECK(!hours_open_at(&w, 1, 539));
    CHECK(hours_open_at(&w, 1, 540));
    CHECK(hours_open_at(&w, 1, 1019));
    CHECK(!hours_open_at(&w, 1, 1020));
    CHECK(!hours_open_at(&w, 2, 600));                            /* Tuesday: closed */

    /* Friday 22:00-02:00 runs into Saturday; Saturday's own day has nothing. */
    CHECK(hours_add(&w, 5, 1320, 120, msg, sizeof(msg)) == 0);
    CHECK(hours_open_at(&w, 5, 1439));
    CHECK(hours_open_at(&w, 6, 0));
    CHECK(hours_open_at(&w, 6, 119));
    CHECK(!hours_open_at(&w, 6, 120));
    CHECK(!hours_open_at(&w, 5, 100));                            /* Friday early: no */
    /* Saturday 22:00 - 24:00 and Sunday wraps from Saturday correctly. */
    CHECK(hours_add(&w, 6, 1320, 1440, msg, sizeof(msg)) == 0);
    CHECK(hours_open_at(&w, 6, 1439));
    CHECK(!hours_open_at(&w, 0, 0));

    CHECK(hours_zone_valid("UTC"));
    CHECK(hours_zone_valid("Europe/London"));
    CHECK(!hours_zone_valid("Mars/Olympus"));
    CHECK(!hours_zone_valid("../etc/passwd"));
    CHECK(!hours_zone_valid("/etc/localtime"));
    CHECK(!hours_zone_valid(""));

    /* DST: Monday 09:00-17:00 London. 2026-03-30 is a Monday in BST (UTC+1),
     * 2026-03-23 a Monday in GMT. 08:30 UTC is 09:30 BST (open) but 08:30 GMT. */
    CHECK(hours_use_zone("Europe/London") == PL_OK);
    CHECK(hours_open_now(&w, utc_ms(2026, 3, 30, 8, 30)));
    CHECK(!hours_open_now(&w, utc_ms(2026, 3, 23, 8, 30)));
    CHECK(hours_open_now(&w, utc_ms(2026, 3, 23, 9, 0)));
    CHECK(!hours_open_now(&w, utc_ms(2026, 3, 30, 16, 0)));       /* 17:00 BST */
    /* Weekday boundary by zone: Monday 09:30 in Tokyo is Monday 00:30 UTC;
     * Sunday 23:30 UTC is Monday 08:30 there (closed). */
    CHECK(hours_use_zone("Asia/Tokyo") == PL_OK);
    CHECK(hours_open_now(&w, utc_ms(2026, 3, 30, 0, 30)));
    CHECK(!hours_open_now(&w, utc_ms(2026, 3, 29, 23, 30)));
    return test_summary("hours");
}
