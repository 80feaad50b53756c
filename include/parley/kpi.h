/*
 * The KPI report's arithmetic: UTC day ranges, nearest-rank medians and p90s,
 * and the per-day grouping, computed from the per-conversation facts that the
 * store reads (struct store_kpi_row) in one query for the whole range.
 *
 * It is kept apart from the SQL so that every rule of the report (what counts
 * as bot-resolved, missed, a first-contact resolution, a repeat contact) is a
 * plain C function over plain rows, testable without a database. A figure keeps
 * numerators and denominators, never a rounded rate: the encoder divides.
 */
#ifndef PARLEY_KPI_H
#define PARLEY_KPI_H

#include <stddef.h>
#include <stdint.h>
#include "parley/common.h"
#include "parley/store.h"

#define KPI_DAY_MS 86400000LL
#define KPI_MAX_DAYS 366
#define KPI_FCR_WINDOW_MS (7 * KPI_DAY_MS)

/* "YYYY-MM-DD" (exactly, a real calendar day, years 0001-9999) into days since
 * 1970-01-01; 0 ok, -1 bad. */
int kpi_parse_date(const char *s, int64_t *day);
/* Days since 1970-01-01 as "YYYY-MM-DD" (out: at least 11 bytes). */
void kpi_format_date(int64_t day, char *out, size_t len);

/* Nearest rank over `count` values: null (has = 0) when count is 0. */
struct kpi_dist { int has; int64_t median, p90; size_t count; };
/* Sorts v (n values) and fills d. */
void kpi_dist_of(int64_t *v, size_t n, struct kpi_dist *d);

struct kpi_figures {
    size_t conversations, visitors, repeat_visitors;
    size_t bot_resolved, handoffs, missed;
    size_t closed, fcr;                  /* fcr_rate = fcr / closed */
    size_t rated, satisfied;             /* csat: count, share of 4 and 5 */
    int64_t rating_sum;
    struct kpi_dist first_response, queue_wait, resolution;
};

struct kpi_report {
    int64_t from_day, days;              /* the range: days >= 1 */
    struct kpi_figures total;
    struct kpi_figures *by_day;          /* `days` entries, owned */
};

/* The rules, one conversation at a time (exposed for the unit tests). */
int kpi_is_handoff(const struct store_kpi_row *r);
int kpi_is_bot_resolved(const struct store_kpi_row *r);
int kpi_is_missed(const struct store_kpi_row *r);
/* Closed, and its visitor started no other conversation within 7 days after. */
int kpi_is_fcr(const struct store_kpi_row *r);

/* The figures of rows (any order; rows created outside the range are ignored)
 * for `days` days from from_day. On success *out is owned by the caller
 * (kpi_report_free); on failure (PL_ERR_NOMEM) it is zeroed. */
pl_status kpi_compute(const struct store_kpi_row *rows, size_t n, int64_t from_day,
                      int64_t days, struct kpi_report *out);
void kpi_report_free(struct kpi_report *r);

/* A rate: 0 (null) when den is 0, else 1 and *out = num / den, unrounded. */
int kpi_rate(size_t num, size_t den, double *out);

#endif
