/*
 * Unit tests of the KPI report: dates, nearest-rank statistics, the rule for
 * each figure, grouping by day with null shapes for empty days, the JSON, and
 * the store's query (its facts on hand-made rows with chosen timestamps, and a
 * plan that uses an index at every step).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "parley/kpi.h"
#include "parley/proto_kpi.h"
#include "parley/store.h"
#include "../../server/store_internal.h"
#include "testlib.h"
#include "teststore.h"

#define DAY KPI_DAY_MS

static int64_t day_of(const char *s)
{
    int64_t d = -1;
    CHECK(kpi_parse_date(s, &d) == 0);
    return d;
}

static void test_dates(void)
{
    CHECK(day_of("1970-01-01") == 0);
    CHECK(day_of("2000-03-01") == 11017);
    CHECK(day_of("2024-02-29") == day_of("2024-02-28") + 1);
    CHECK(day_of("2025-01-01") == day_of("2024-12-31") + 1);
    CHECK(day_of("0001-01-01") == -719162);
    const char *bad[] = { "2025-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "2026-1-01",
                          "2026-11-01x", "2026/11/01", "", "0000-01-01", "+026-11-01",
                          "2026-11-0 " };
    for (size_t i = 0; i < PL_ARRAY_LEN(bad); i++) {
        int64_t d;
        CHECK(kpi_parse_date(bad[i], &d) == -1);
    }
    char out[16];
    const char *good[] = { "1970-01-01", "1900-03-01", "2024-02-29", "2026-11-30", "9999-12-31" };
    for (size_t i = 0; i < PL_ARRAY_LEN(good); i++) {
        kpi_format_date(day_of(good[i]), out, sizeof(out));
        CHECK_STR(out, good[i]);
    }
}

static struct kpi_dist dist(int64_t *v, size_t n)
{
    struct kpi_dist d;
    kpi_dist_of(v, n, &d);
    return d;
}

static void test_nearest_rank(void)
{
    int64_t ten[] = { 10, 9, 8, 7, 6, 5, 4, 3, 2, 1 };
    struct kpi_dist d = dist(ten, 10);
    CHECK(d.has && d.count == 10 && d.median == 5 && d.p90 == 9);
    int64_t four[] = { 4, 1, 3, 2 };            /* ranks ceil(2) = 2, ceil(3.6) = 4 */
    d = dist(four, 4);
    CHECK(d.median == 2 && d.p90 == 4);
    int64_t three[] = { 30, 10, 20 };           /* ranks ceil(1.5) = 2, ceil(2.7) = 3 */
    d = dist(three, 3);
    CHECK(d.median == 20 && d.p90 == 30);
    int64_t one[] = { 7 };
    d = dist(one, 1);
    CHECK(d.has && d.median == 7 && d.p90 == 7 && d.count == 1);
    int64_t two[] = { 100, 1 };                 /* ranks 1 and ceil(1.8) = 2 */
    d = dist(two, 2);
    CHECK(d.median == 1 && d.p90 == 100);
    int64_t twenty[20];
    for (int i = 0; i < 20; i++) twenty[i] = (i * 7) % 20 + 1;  /* 1..20 shuffled */
    d = dist(twenty, 20);
    CHECK(d.median == 10 && d.p90 == 18);
    d = dist(NULL, 0);
    CHECK(!d.has && d.count == 0);
    int64_t same[] = { 5, 5, 5 };
    d = dist(same, 3);
    CHECK(d.median == 5 && d.p90 == 5);
}

static void test_rates(void)
{
    double v = 1;
    CHECK(kpi_rate(0, 0, &v) == 0);
    CHECK(kpi_rate(0, 4, &v) == 1 && v == 0.0);
    CHECK(kpi_rate(5, 32, &v) == 1 && v == 0.15625);
    CHECK(kpi_rate(1, 3, &v) == 1 && v == 1.0 / 3.0);
}

/* A row created at `at` (ms) by visitor `vis`. */
static struct store_kpi_row row(const char *vis, int64_t at)
{
    struct store_kpi_row r;
    memset(&r, 0, sizeof(r));
    snprintf(r.visitor_id, sizeof(r.visitor_id), "%s", vis);
    r.created_at = at;
    r.last_faq_helpful = -1;
    return r;
}

static void test_bot_resolved(void)
{
    struct store_kpi_row r = row("v", 1000);
    CHECK(!kpi_is_bot_resolved(&r));                 /* nothing happened */
    r.has_faq_answer = 1;
    CHECK(!kpi_is_bot_resolved(&r));                 /* an answer, still open */
    r.closed_at = 2000;
    CHECK(kpi_is_bot_resolved(&r));                  /* closed after an unmarked answer */
    r.last_faq_helpful = 0;
    CHECK(!kpi_is_bot_resolved(&r));                 /* ... marked unhelpful */
    r.any_helpful = 1;
    CHECK(kpi_is_bot_resolved(&r));                  /* an earlier one helped */
    r.closed_at = 0;
    CHECK(kpi_is_bot_resolved(&r));                  /* helpful needs no close */
    r.queued_at = 1500;
    CHECK(!kpi_is_bot_resolved(&r));                 /* but a handoff is never the bot's */
    struct store_kpi_row g = row("v", 1000);         /* a greeting only, then closed */
    g.closed_at = 2000;
    CHECK(!kpi_is_bot_resolved(&g));
}

static void test_missed_and_fcr(void)
{
    struct store_kpi_row r = row("v", 1000);
    r.queued_at = 2000;
    CHECK(kpi_is_handoff(&r) && !kpi_is_missed(&r)); /* still waiting: not yet missed */
    r.closed_at = 9000;
    CHECK(kpi_is_missed(&r));                        /* claimed or not, nobody replied */
    r.first_reply_at = 3000;
    CHECK(!kpi_is_missed(&r));
    struct store_kpi_row b = row("v", 1000);
    b.closed_at = 5000;
    CHECK(!kpi_is_missed(&b));                       /* never handed off */

    struct store_kpi_row f = row("v", 1000);
    CHECK(!kpi_is_fcr(&f));                          /* open: not counted */
    f.closed_at = 5000;
    CHECK(kpi_is_fcr(&f));                           /* never came back */
    f.next_conv_at = 5000 + KPI_FCR_WINDOW_MS;
    CHECK(!kpi_is_fcr(&f));                          /* back exactly 7 days later */
    f.next_conv_at = 5000 + KPI_FCR_WINDOW_MS + 1;
    CHECK(kpi_is_fcr(&f));                           /* back later than that */
    f.next_conv_at = 6000;
    CHECK(!kpi_is_fcr(&f));
}

/* Three days; rows on days 0 and 2, one before and one after the range. */
static void test_grouping(void)
{
    int64_t d0 = day_of("2026-11-01"), t = d0 * DAY;
    struct store_kpi_row rows[6];
    rows[0] = row("anna", t + 2 * DAY + 5);          /* day 2, out of order on purpose */
    rows[0].rating = 3;
    rows[0].closed_at = t + 2 * DAY + 1005;
    rows[1] = row("anna", t + 10);                   /* day 0: handoff, reply, closed */
    rows[1].queued_at = t + 110;
    rows[1].assigned_at = t + 140;
    rows[1].first_reply_at = t + 150;
    rows[1].closed_at = t + 1010;
    rows[1].rating = 5;
    rows[1].next_conv_at = t + 2 * DAY + 5;          /* anna came back within 7 days */
    rows[2] = row("bo", t + DAY - 1);                /* day 0, last millisecond */
    rows[2].has_faq_answer = rows[2].any_helpful = 1;
    rows[2].last_faq_helpful = 1;
    rows[3] = row("bo", t - 1);                      /* before the range */
    rows[4] = row("cy", t + 3 * DAY);                /* after the range */
    rows[5] = row("cy", t + 2 * DAY + 7);            /* day 2: missed handoff */
    rows[5].queued_at = t + 2 * DAY + 17;
    rows[5].closed_at = t + 2 * DAY + 20007;

    struct kpi_report rep;
    CHECK(kpi_compute(rows, 6, d0, 3, &rep) == PL_OK);
    const struct kpi_figures *all = &rep.total, *day = rep.by_day;
    CHECK(rep.days == 3 && rep.from_day == d0);
    CHECK(all->conversations == 4 && all->visitors == 3 && all->repeat_visitors == 1);
    CHECK(all->bot_resolved == 1 && all->handoffs == 2 && all->missed == 1);
    CHECK(all->closed == 3 && all->fcr == 2);
    CHECK(all->rated == 2 && all->rating_sum == 8 && all->satisfied == 1);
    CHECK(all->first_response.count == 1 && all->first_response.median == 40);
    CHECK(all->queue_wait.count == 1 && all->queue_wait.p90 == 30);
    CHECK(all->resolution.count == 3 && all->resolution.median == 1000 &&
          all->resolution.p90 == 20000);

    CHECK(day[0].conversations == 2 && day[0].visitors == 2 && day[0].repeat_visitors == 0);
    CHECK(day[0].bot_resolved == 1 && day[0].handoffs == 1 && day[0].missed == 0);
    CHECK(day[0].closed == 1 && day[0].fcr == 0 && day[0].rated == 1);
    /* The empty day: zeros, and null distributions. */
    CHECK(day[1].conversations == 0 && day[1].visitors == 0 && day[1].closed == 0);
    CHECK(!day[1].first_response.has && day[1].first_response.count == 0);
    CHECK(!day[1].resolution.has && day[1].rated == 0);
    CHECK(day[2].conversations == 2 && day[2].visitors == 2 && day[2].missed == 1);
    CHECK(day[2].resolution.count == 2 && day[2].resolution.median == 1000 &&
          day[2].resolution.p90 == 20000);
    kpi_report_free(&rep);

    CHECK(kpi_compute(rows, 6, d0, 0, &rep) == PL_ERR_BAD_REQUEST);
    CHECK(kpi_compute(rows, 6, d0, KPI_MAX_DAYS + 1, &rep) == PL_ERR_BAD_REQUEST);
    CHECK(kpi_compute(NULL, 0, d0, KPI_MAX_DAYS, &rep) == PL_OK);
    CHECK(rep.total.conversations == 0 && rep.by_day[KPI_MAX_DAYS - 1].conversations == 0);
    kpi_report_free(&rep);
}

static void test_json(void)
{
    int64_t d0 = day_of("2026-11-01");
    struct kpi_report rep;
    CHECK(kpi_compute(NULL, 0, d0, 1, &rep) == PL_OK);
    char *s = proto_kpi_report(&rep, 0);
    const char *fig =
        "\"conversations\":0,\"visitors\":0,\"bot_resolved\":0,\"deflection_rate\":null,"
        "\"handoffs\":0,\"handoff_rate\":null,\"missed\":0,"
        "\"first_response_ms\":{\"median\":null,\"p90\":null,\"count\":0},"
        "\"queue_wait_ms\":{\"median\":null,\"p90\":null,\"count\":0},"
        "\"resolution_ms\":{\"median\":null,\"p90\":null,\"count\":0},"
        "\"csat\":{\"count\":0,\"average\":null,\"satisfied_rate\":null},"
        "\"fcr_rate\":null,\"repeat_contact_rate\":null";
    char want[2048];
    snprintf(want, sizeof(want),
             "{\"from\":\"2026-11-01\",\"to\":\"2026-11-01\",\"agent\":null,%s,"
             "\"by_day\":[{\"date\":\"2026-11-01\",%s}]}", fig, fig);
    CHECK_STR(s, want);
    free(s);
    /* Rates in their shortest exact form. */
    rep.total.conversations = 40;
    rep.total.bot_resolved = 12;
    rep.total.visitors = 3;
    rep.total.repeat_visitors = 1;
    rep.total.rated = 20;
    rep.total.rating_sum = 87;
    rep.total.satisfied = 17;
    int64_t v[] = { 41000, 180000 };
    kpi_dist_of(v, 2, &rep.total.first_response);
    s = proto_kpi_report(&rep, 7);
    CHECK(s && strstr(s, "\"agent\":7,\"conversations\":40,"));
    CHECK(s && strstr(s, "\"deflection_rate\":0.3,"));
    CHECK(s && strstr(s, "\"csat\":{\"count\":20,\"average\":4.35,\"satisfied_rate\":0.85}"));
    CHECK(s && strstr(s, "\"repeat_contact_rate\":0.3333333333333333,"));
    CHECK(s && strstr(s, "\"first_response_ms\":{\"median\":41000,\"p90\":180000,\"count\":2}"));
    free(s);
    kpi_report_free(&rep);
}

/* ---- the store's query ---- */

static void exec_sql(const char *sql)
{
    sqlite3 *db = NULL;
    CHECK(sqlite3_open(db_path, &db) == SQLITE_OK);
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "exec: %s\n", err ? err : "?");
        CHECK(0);
    }
    sqlite3_free(err);
    sqlite3_close(db);
}

/* Every step of the plan is an index search, never a table scan, and the
 * per-conversation event lookups use the per-conversation index. */
static void check_plan(void)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    char sql[4096];
    snprintf(sql, sizeof(sql), "EXPLAIN QUERY PLAN %s", store_kpi_sql);
    CHECK(sqlite3_open(db_path, &db) == SQLITE_OK);
    CHECK(sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK);
    int steps = 0;
    while (s && sqlite3_step(s) == SQLITE_ROW) {
        const char *d = (const char *)sqlite3_column_text(s, 3);
        steps++;
        /* events_type_ts would also be a "SEARCH", over every event of a type. */
        if (d && (!strncmp(d, "SCAN ", 5) ||
                  (!strncmp(d, "SEARCH e ", 9) && !strstr(d, "events_conv")))) {
            fprintf(stderr, "plan: %s\n", d);
            CHECK(0);
        }
    }
    CHECK(steps > 5);
    sqlite3_finalize(s);
    sqlite3_close(db);
}

/* Day D from T = 2026-11-01 00:00 UTC; times in ms after T. c4 has no visitor
 * message, c5 is on the day after the range, c3 was transferred (agent 2 -> 3). */
static const char fixture[] =
    "INSERT INTO agents(id, email, name, role, password_hash, active, created_at) VALUES(2, 'a2@x', 'A2', 'agent', 'h', 1, 0),"
    " (3, 'a3@x', 'A3', 'agent', 'h', 1, 0);"
    "INSERT INTO visitors(id, token_hash, name, email, locale, page, created_at, last_seen)"
    " VALUES('v1', randomblob(32), NULL, NULL, NULL, NULL, 0, 0),"
    " ('v2', randomblob(32), NULL, NULL, NULL, NULL, 0, 0),"
    " ('v3', randomblob(32), NULL, NULL, NULL, NULL, 0, 0);"
    "INSERT INTO conversations(id, visitor_id, state, agent_id, created_at, queued_at,"
    " assigned_at, closed_at, updated_at) VALUES"
    " ('c1', 'v1', 'bot', NULL, @T + 1000, NULL, NULL, NULL, 0),"
    " ('c2', 'v1', 'closed', NULL, @T + 2000, NULL, NULL, @T + 5000, 0),"
    " ('c3', 'v1', 'closed', 3, @T + 6000, @T + 7000, @T + 9000, @T + 10000, 0),"
    " ('c4', 'v2', 'bot', NULL, @T + @D + 1, NULL, NULL, NULL, 0),"
    " ('c5', 'v2', 'bot', NULL, @T + 2 * @D, NULL, NULL, NULL, 0),"
    " ('c6', 'v3', 'closed', NULL, @T + @D + 100, @T + @D + 200, NULL, @T + @D + 900, 0);"
    "INSERT INTO events(conversation_id, type, agent_id, ts) SELECT id, 'created', NULL,"
    " created_at FROM conversations;"
    "INSERT INTO events(conversation_id, type, agent_id, ts) VALUES"
    " ('c3', 'queued', NULL, @T + 7000), ('c3', 'assigned', 2, @T + 8000),"
    " ('c3', 'transferred', 3, @T + 9000), ('c6', 'queued', NULL, @T + @D + 200);"
    "INSERT INTO messages(conversation_id, seq, note_seq, after_seq, role, text, faq_id,"
    " helpful, ts) VALUES"
    " ('c1', 1, NULL, 0, 'visitor', 'q', NULL, -1, @T + 1001),"
    " ('c1', 2, NULL, 1, 'bot', 'a', 'faq1', 1, @T + 1002),"
    " ('c2', 1, NULL, 0, 'visitor', 'q', NULL, -1, @T + 2001),"
    " ('c2', 2, NULL, 1, 'bot', 'a', 'faq1', -1, @T + 2002),"
    " ('c2', 3, NULL, 2, 'bot', 'hello', NULL, -1, @T + 2003),"
    " ('c2', 4, NULL, 3, 'bot', 'a2', 'faq2', 0, @T + 2004),"
    " ('c3', 1, NULL, 0, 'visitor', 'q', NULL, -1, @T + 6001),"
    " ('c3', 2, NULL, 1, 'system', 'joined', NULL, -1, @T + 8000),"
    " ('c3', NULL, 1, 2, 'agent', 'note', NULL, -1, @T + 8500),"
    " ('c3', 3, NULL, 2, 'agent', 'reply', NULL, -1, @T + 8600),"
    " ('c4', 1, NULL, 0, 'bot', 'hello', NULL, -1, @T + @D + 2),"
    " ('c5', 1, NULL, 0, 'visitor', 'q', NULL, -1, @T + 2 * @D + 1),"
    " ('c6', 1, NULL, 0, 'visitor', 'q', NULL, -1, @T + @D + 101);"
    "INSERT INTO ratings VALUES('c3', 5, NULL, 0), ('c6', 3, NULL, 0);";

static void load_fixture(int64_t t)
{
    char tbuf[32], dbuf[32];
    snprintf(tbuf, sizeof(tbuf), "%lld", (long long)t);
    snprintf(dbuf, sizeof(dbuf), "%lld", (long long)DAY);
    size_t cap = sizeof(fixture) * 2;
    char *sql = malloc(cap), *o = sql;
    for (const char *p = fixture; *p && o < sql + cap - 32; p++) {
        if (!strncmp(p, "@T", 2) || !strncmp(p, "@D", 2)) {
            o += sprintf(o, "%s", p[1] == 'T' ? tbuf : dbuf);
            p++;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
    exec_sql(sql);
    free(sql);
}

static void check_rows(const struct store_kpi_rows *l, int64_t t)
{
    CHECK(l->n == 4);
    if (l->n != 4)
        return;
    const struct store_kpi_row *c1 = &l->v[0], *c2 = &l->v[1], *c3 = &l->v[2], *c6 = &l->v[3];
    CHECK_STR(c1->visitor_id, "v1");
    CHECK(c1->created_at == t + 1000 && c1->has_faq_answer && c1->any_helpful &&
          c1->last_faq_helpful == 1 && !c1->closed_at && !c1->queued_at);
    CHECK(c2->has_faq_answer && !c2->any_helpful && c2->last_faq_helpful == 0);
    CHECK(c2->closed_at == t + 5000 && c2->next_conv_at == t + 6000);
    CHECK(c3->agent_id == 3 && c3->queued_at == t + 7000 && c3->assigned_at == t + 8000);
    CHECK(c3->first_reply_at == t + 8600 && c3->rating == 5 && !c3->has_faq_answer);
    CHECK(c3->closed_at == t + 10000 && c3->next_conv_at == 0);
    CHECK_STR(c6->visitor_id, "v3");
    CHECK(c6->queued_at == t + DAY + 200 && !c6->assigned_at && !c6->first_reply_at);
    CHECK(c6->rating == 3 && c6->last_faq_helpful == -1);
}

static void test_store_rows(void)
{
    if (!test_dir_make("/tmp/parley_kpi_XXXXXX")) {
        CHECK(0);
        return;
    }
    set_path("kpi.db");
    struct store *st = NULL;
    CHECK(store_open(db_path, STORE_DURABILITY_NORMAL, &st) == PL_OK);
    store_close(st);
    int64_t t = day_of("2026-11-01") * DAY;
    load_fixture(t);
    check_plan();
    CHECK(store_open(db_path, STORE_DURABILITY_NORMAL, &st) == PL_OK);
    if (!st)
        return;
    struct store_kpi_rows l;
    CHECK(store_kpi_rows(st, t, t + 2 * DAY, 0, &l) == PL_OK);
    check_rows(&l, t);
    store_kpi_rows_free(&l);
    CHECK(store_kpi_rows(st, t, t + 2 * DAY, 3, &l) == PL_OK);  /* the final assignee */
    CHECK(l.n == 1 && l.v[0].created_at == t + 6000);
    store_kpi_rows_free(&l);
    CHECK(store_kpi_rows(st, t, t + 2 * DAY, 2, &l) == PL_OK && l.n == 0);
    store_kpi_rows_free(&l);
    CHECK(store_kpi_rows(st, t + 2 * DAY, t + 3 * DAY, 0, &l) == PL_OK && l.n == 1);
    store_kpi_rows_free(&l);
    store_close(st);
    remove_db("kpi.db");
    test_dir_remove();
}

int main(void)
{
    test_dates();
    test_nearest_rank();
    test_rates();
    test_bot_resolved();
    test_missed_and_fcr();
    test_grouping();
    test_json();
    test_store_rows();
    return test_summary("test_kpi");
}
