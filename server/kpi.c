/*
 * The KPI report's arithmetic (see kpi.h). The store hands over one row per
 * conversation; this file decides what each row counts as and aggregates.
 *
 * Days: a counting sort puts the rows of each UTC day next to each other, so a
 * day and the whole range are computed by the same function over a slice, and a
 * day's figures mean exactly what the range's mean, restricted to that day
 * (visitors and repeat contacts are counted within the slice). Medians and p90s
 * are by nearest rank: the value at rank ceil(p * n / 100) of the sorted values,
 * i.e. the smallest value with at least p% of the values at or below it. Dates
 * are converted with the proleptic Gregorian day count, not timegm, so the same
 * answer holds whatever the server's time zone or C library.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "parley/kpi.h"

/* ---- dates ---- */

static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int64_t)era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = (int)(z - era * 146097);
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yoe + era * 400) + (*m <= 2);
}

static int month_days(int y, int m)
{
    static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/* n digits at s into *out; 0 ok. */
static int digits(const char *s, int n, int *out)
{
    *out = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        *out = *out * 10 + (s[i] - '0');
    }
    return 0;
}

int kpi_parse_date(const char *s, int64_t *day)
{
    int y, m, d;
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, &y) ||
        digits(s + 5, 2, &m) || digits(s + 8, 2, &d))
        return -1;
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > month_days(y, m))
        return -1;
    *day = days_from_civil(y, m, d);
    return 0;
}

void kpi_format_date(int64_t day, char *out, size_t len)
{
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    snprintf(out, len, "%04d-%02d-%02d", y, m, d);
}

/* ---- one conversation ---- */

int kpi_is_handoff(const struct store_kpi_row *r)
{
    return r->queued_at != 0;
}

/* Never handed off, and either an FAQ answer was marked helpful, or it was
 * closed and its last FAQ answer was not marked unhelpful. */
int kpi_is_bot_resolved(const struct store_kpi_row *r)
{
    if (kpi_is_handoff(r))
        return 0;
    return r->any_helpful || (r->closed_at && r->has_faq_answer && r->last_faq_helpful != 0);
}

int kpi_is_missed(const struct store_kpi_row *r)
{
    return kpi_is_handoff(r) && r->closed_at && !r->first_reply_at;
}

int kpi_is_fcr(const struct store_kpi_row *r)
{
    if (!r->closed_at)
        return 0;
    int64_t gap = r->next_conv_at - r->closed_at;
    return !(r->next_conv_at && gap >= 0 && gap <= KPI_FCR_WINDOW_MS);
}

/* ---- statistics ---- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int64_t nearest_rank(const int64_t *sorted, size_t n, unsigned pct)
{
    size_t rank = (pct * n + 99) / 100;   /* ceil(pct * n / 100), >= 1 when n >= 1 */
    return sorted[rank - 1];
}

void kpi_dist_of(int64_t *v, size_t n, struct kpi_dist *d)
{
    memset(d, 0, sizeof(*d));
    d->count = n;
    if (!n)
        return;
    qsort(v, n, sizeof(*v), cmp_i64);
    d->has = 1;
    d->median = nearest_rank(v, n, 50);
    d->p90 = nearest_rank(v, n, 90);
}

int kpi_rate(size_t num, size_t den, double *out)
{
    *out = 0;
    if (!den)
        return 0;
    *out = (double)num / (double)den;
    return 1;
}

/* ---- a slice of rows ---- */

/* Scratch space for one slice, big enough for the whole range. */
struct scratch { int64_t *vals; const char **vis; };

enum span { FIRST_RESPONSE, QUEUE_WAIT, RESOLUTION };

/* The duration a row contributes to a distribution, or -1 when none. */
static int64_t span_of(const struct store_kpi_row *r, enum span which)
{
    int64_t from = 0, to = 0;
    switch (which) {
    case FIRST_RESPONSE: from = r->queued_at; to = r->first_reply_at; break;
    case QUEUE_WAIT: from = r->queued_at; to = r->assigned_at; break;
    case RESOLUTION: from = r->created_at; to = r->closed_at; break;
    }
    if (!from || !to)
        return -1;
    return to > from ? to - from : 0;
}

static void dist_of_span(const struct store_kpi_row *const *rows, size_t n, enum span which,
                         int64_t *vals, struct kpi_dist *d)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t v = span_of(rows[i], which);
        if (v >= 0)
            vals[k++] = v;
    }
    kpi_dist_of(vals, k, d);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void count_visitors(const struct store_kpi_row *const *rows, size_t n, const char **vis,
                           struct kpi_figures *f)
{
    for (size_t i = 0; i < n; i++)
        vis[i] = rows[i]->visitor_id;
    qsort(vis, n, sizeof(*vis), cmp_str);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && !strcmp(vis[j], vis[i]))
            j++;
        f->visitors++;
        f->repeat_visitors += j - i >= 2;
        i = j;
    }
}

static void count_row(const struct store_kpi_row *r, struct kpi_figures *f)
{
    f->conversations++;
    f->bot_resolved += kpi_is_bot_resolved(r);
    f->handoffs += kpi_is_handoff(r);
    f->missed += kpi_is_missed(r);
    f->closed += r->closed_at != 0;
    f->fcr += kpi_is_fcr(r);
    if (r->rating >= 1 && r->rating <= 5) {
        f->rated++;
        f->rating_sum += r->rating;
        f->satisfied += r->rating >= 4;
    }
}

static void figures_of(const struct store_kpi_row *const *rows, size_t n,
                       const struct scratch *s, struct kpi_figures *f)
{
    memset(f, 0, sizeof(*f));
    for (size_t i = 0; i < n; i++)
        count_row(rows[i], f);
    count_visitors(rows, n, s->vis, f);
    dist_of_span(rows, n, FIRST_RESPONSE, s->vals, &f->first_response);
    dist_of_span(rows, n, QUEUE_WAIT, s->vals, &f->queue_wait);
    dist_of_span(rows, n, RESOLUTION, s->vals, &f->resolution);
}

/* ---- the report ---- */

/* The day of a row within the range, or -1 outside it. */
static int64_t day_of(const struct store_kpi_row *r, int64_t from_day, int64_t days)
{
    int64_t off = r->created_at - from_day * KPI_DAY_MS;
    if (off < 0 || off >= days * KPI_DAY_MS)
        return -1;
    return off / KPI_DAY_MS;
}

/* Counting sort by day: order[start[d] .. start[d + 1]) are day d's rows. */
static void group_by_day(const struct store_kpi_row *rows, size_t n, int64_t from_day,
                         int64_t days, size_t *start, const struct store_kpi_row **order)
{
    memset(start, 0, (size_t)(days + 1) * sizeof(*start));
    for (size_t i = 0; i < n; i++) {
        int64_t d = day_of(&rows[i], from_day, days);
        if (d >= 0)
            start[d + 1]++;
    }
    for (int64_t d = 0; d < days; d++)
        start[d + 1] += start[d];
    size_t *next = start;   /* filled front to back, then shifted back below */
    for (size_t i = 0; i < n; i++) {
        int64_t d = day_of(&rows[i], from_day, days);
        if (d >= 0)
            order[next[d]++] = &rows[i];
    }
    for (int64_t d = days; d > 0; d--)
        start[d] = start[d - 1];
    start[0] = 0;
}

pl_status kpi_compute(const struct store_kpi_row *rows, size_t n, int64_t from_day,
                      int64_t days, struct kpi_report *out)
{
    memset(out, 0, sizeof(*out));
    if (days < 1 || days > KPI_MAX_DAYS)
        return PL_ERR_BAD_REQUEST;
    size_t m = n ? n : 1;
    size_t *start = malloc((size_t)(days + 1) * sizeof(*start));
    const struct store_kpi_row **order = malloc(m * sizeof(*order));
    struct scratch s = { malloc(m * sizeof(*s.vals)), malloc(m * sizeof(*s.vis)) };
    out->by_day = calloc((size_t)days, sizeof(*out->by_day));
    pl_status st = start && order && s.vals && s.vis && out->by_day ? PL_OK : PL_ERR_NOMEM;
    if (st == PL_OK) {
        out->from_day = from_day;
        out->days = days;
        group_by_day(rows, n, from_day, days, start, order);
        figures_of(order, start[days], &s, &out->total);
        for (int64_t d = 0; d < days; d++)
            figures_of(order + start[d], start[d + 1] - start[d], &s, &out->by_day[d]);
    }
    free(start);
    free(order);
    free(s.vals);
    free(s.vis);
    if (st != PL_OK)
        kpi_report_free(out);
    return st;
}

void kpi_report_free(struct kpi_report *r)
{
    if (!r)
        return;
    free(r->by_day);
    memset(r, 0, sizeof(*r));
}
