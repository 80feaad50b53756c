/*
 * The KPI report's JSON (see proto_kpi.h and the contract's "KPI report").
 *
 * Written directly rather than through Jansson: the document is numbers and
 * ASCII dates only, so there is nothing to escape, and Jansson prints every real
 * with 17 significant digits (0.3 becomes 0.29999999999999999). Here a rate is
 * printed with the fewest digits that read back as exactly the same double, so
 * it is both unrounded and readable. The field order follows the contract.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "parley/proto_kpi.h"

struct out { char *p; size_t len, cap; int oom; };

__attribute__((format(printf, 2, 3)))
static void put(struct out *o, const char *fmt, ...)
{
    if (o->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(o->p ? o->p + o->len : NULL, o->p ? o->cap - o->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            o->oom = 1;
            return;
        }
        if (o->p && o->len + (size_t)n < o->cap) {
            o->len += (size_t)n;
            return;
        }
        size_t cap = (o->cap + (size_t)n + 1) * 2;
        char *p = realloc(o->p, cap);
        if (!p) {
            o->oom = 1;
            return;
        }
        o->p = p;
        o->cap = cap;
    }
}

/* The shortest "%.*g" that reads back as v. */
static void put_real(struct out *o, const char *key, double v)
{
    char buf[40];
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(buf, sizeof(buf), "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    put(o, "\"%s\":%s", key, buf);
}

static void put_count(struct out *o, const char *key, size_t v)
{
    put(o, "\"%s\":%zu", key, v);
}

static void put_rate(struct out *o, const char *key, size_t num, size_t den)
{
    double v;
    if (kpi_rate(num, den, &v))
        put_real(o, key, v);
    else
        put(o, "\"%s\":null", key);
}

static void put_dist(struct out *o, const char *key, const struct kpi_dist *d)
{
    if (d->has)
        put(o, "\"%s\":{\"median\":%" PRId64 ",\"p90\":%" PRId64 ",\"count\":%zu}", key,
            d->median, d->p90, d->count);
    else
        put(o, "\"%s\":{\"median\":null,\"p90\":null,\"count\":0}", key);
}

static void put_csat(struct out *o, const struct kpi_figures *f)
{
    put(o, "\"csat\":{");
    put_count(o, "count", f->rated);
    put(o, ",");
    if (f->rated)
        put_real(o, "average", (double)f->rating_sum / (double)f->rated);
    else
        put(o, "\"average\":null");
    put(o, ",");
    put_rate(o, "satisfied_rate", f->satisfied, f->rated);
    put(o, "}");
}

static void put_figures(struct out *o, const struct kpi_figures *f)
{
    put_count(o, "conversations", f->conversations);
    put(o, ",");
    put_count(o, "visitors", f->visitors);
    put(o, ",");
    put_count(o, "bot_resolved", f->bot_resolved);
    put(o, ",");
    put_rate(o, "deflection_rate", f->bot_resolved, f->conversations);
    put(o, ",");
    put_count(o, "handoffs", f->handoffs);
    put(o, ",");
    put_rate(o, "handoff_rate", f->handoffs, f->conversations);
    put(o, ",");
    put_count(o, "missed", f->missed);
    put(o, ",");
    put_dist(o, "first_response_ms", &f->first_response);
    put(o, ",");
    put_dist(o, "queue_wait_ms", &f->queue_wait);
    put(o, ",");
    put_dist(o, "resolution_ms", &f->resolution);
    put(o, ",");
    put_csat(o, f);
    put(o, ",");
    put_rate(o, "fcr_rate", f->fcr, f->closed);
    put(o, ",");
    put_rate(o, "repeat_contact_rate", f->repeat_visitors, f->visitors);
}

static void put_date(struct out *o, const char *key, int64_t day)
{
    char date[16];
    kpi_format_date(day, date, sizeof(date));
    put(o, "\"%s\":\"%s\"", key, date);
}

char *proto_kpi_report(const struct kpi_report *r, int64_t agent_id)
{
    struct out o = {0};
    put(&o, "{");
    put_date(&o, "from", r->from_day);
    put(&o, ",");
    put_date(&o, "to", r->from_day + r->days - 1);
    if (agent_id > 0)
        put(&o, ",\"agent\":%" PRId64 ",", agent_id);
    else
        put(&o, ",\"agent\":null,");
    put_figures(&o, &r->total);
    put(&o, ",\"by_day\":[");
    for (int64_t d = 0; d < r->days; d++) {
        put(&o, d ? ",{" : "{");
        put_date(&o, "date", r->from_day + d);
        put(&o, ",");
        put_figures(&o, &r->by_day[d]);
        put(&o, "}");
    }
    put(&o, "]}");
    if (o.oom) {
        free(o.p);
        return NULL;
    }
    return o.p;
}
