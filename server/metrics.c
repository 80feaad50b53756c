/*
 * Prometheus counters. A fixed set of labels (roles, error codes, status classes)
 * keeps cardinality bounded whatever clients send.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "parley/bus.h"
#include "parley/conn.h"
#include "parley/conv.h"
#include "parley/metrics.h"
#include "parley/webhook.h"

static unsigned long long frames_in;
static const char *roles[] = {"visitor", "bot", "agent", "system"};
static unsigned long long messages[4];
static const char *codes[] = {"bad_json", "bad_request", "too_large", "unauthorized", "forbidden",
                              "not_found", "invalid_token", "already_claimed", "rate_limited",
                              "conversation_closed", "store_unavailable", "other"};
static unsigned long long errors[PL_ARRAY_LEN(codes)];
static unsigned long long http_status[6];
static struct pl_hist ack;
static struct pl_hist faq_time = {.bounds_ms = pl_hist_fast_bounds_ms};
static const char *faq_names[METRIC_FAQ__COUNT] = {"answered", "choices", "missed", "greeting",
                                            "human_request"};
static unsigned long long faq_counts[METRIC_FAQ__COUNT];

void metrics_observe_ack_us(int64_t us) { pl_hist_observe_us(&ack, us); }
void metrics_observe_faq_match_us(int64_t us) { pl_hist_observe_us(&faq_time, us); }

void metrics_count_faq(enum metrics_faq outcome)
{
    if (outcome < METRIC_FAQ__COUNT)
        faq_counts[outcome]++;
}

void metrics_count_frame_in(void) { frames_in++; }

void metrics_count_message(const char *role)
{
    for (size_t i = 0; i < PL_ARRAY_LEN(roles); i++)
        if (!strcmp(role, roles[i]))
            messages[i]++;
}

void metrics_count_error(const char *code)
{
    size_t i;
    for (i = 0; i < PL_ARRAY_LEN(codes) - 1 && strcmp(code, codes[i]); i++) {}
    errors[i]++;
}

void metrics_count_http(int status)
{
    int cls = status / 100;
    if (cls >= 1 && cls <= 5)
        http_status[cls]++;
}

struct buf { char *p; size_t len, cap; int oom; };

static void add(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct buf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = 1;
            return;
        }
        if ((size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        char *p = realloc(b->p, b->cap * 2 + (size_t)n);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = b->cap * 2 + (size_t)n;
    }
}

static void add_hist(struct buf *b, const char *name, const char *help, const struct pl_hist *h)
{
    add(b, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
    for (size_t i = 0; i < PL_HIST_N; i++)
        add(b, "%s_bucket{le=\"%g\"} %llu\n", name, pl_hist_bounds(h)[i] / 1000.0,
            (unsigned long long)h->le[i]);
    add(b, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.6f\n%s_count %llu\n", name,
        (unsigned long long)h->count, name, h->sum_s, name, (unsigned long long)h->count);
}

char *metrics_render(void)
{
    struct buf b = {malloc(4096), 0, 4096, 0};
    if (!b.p)
        return NULL;
    b.p[0] = '\0';
    add(&b, "# HELP parley_connections Open connections by kind.\n# TYPE parley_connections gauge\n");
    add(&b, "parley_connections{kind=\"visitor\"} %zu\n", conn_count(CONN_VISITOR));
    add(&b, "parley_connections{kind=\"agent\"} %zu\n", conn_count(CONN_AGENT));
    add(&b, "parley_connections{kind=\"http\"} %zu\n", conn_count(CONN_HTTP));
    add(&b, "# HELP parley_frames_received_total WebSocket frames received.\n"
            "# TYPE parley_frames_received_total counter\nparley_frames_received_total %llu\n",
        frames_in);
    add(&b, "# HELP parley_messages_total Stored messages delivered, by author role.\n"
            "# TYPE parley_messages_total counter\n");
    for (size_t i = 0; i < PL_ARRAY_LEN(roles); i++)
        add(&b, "parley_messages_total{role=\"%s\"} %llu\n", roles[i], messages[i]);
    add(&b, "# HELP parley_errors_total Error frames sent, by code.\n# TYPE parley_errors_total counter\n");
    for (size_t i = 0; i < PL_ARRAY_LEN(codes); i++)
        add(&b, "parley_errors_total{code=\"%s\"} %llu\n", codes[i], errors[i]);
    add(&b, "# HELP parley_http_responses_total HTTP responses by status class.\n"
            "# TYPE parley_http_responses_total counter\n");
    for (int i = 1; i <= 5; i++)
        add(&b, "parley_http_responses_total{class=\"%dxx\"} %llu\n", i, http_status[i]);
    add_hist(&b, "parley_ack_seconds", "Time from a message's arrival to its durable ack.", &ack);
    add_hist(&b, "parley_faq_match_seconds", "One FAQ match of a visitor message by the bot.", &faq_time);
    add(&b, "# HELP parley_faq_outcomes_total What the bot did with a visitor message.\n"
            "# TYPE parley_faq_outcomes_total counter\n");
    for (int i = 0; i < METRIC_FAQ__COUNT; i++)
        add(&b, "parley_faq_outcomes_total{outcome=\"%s\"} %llu\n", faq_names[i], faq_counts[i]);
    char *bus = bus_metrics_text();
    if (bus)
        add(&b, "%s", bus);
    free(bus);
    int64_t open[CONV_STATE_COUNT], oldest = 0;
    if (store_open_counts(conv_store(), open, &oldest) == PL_OK) {
        static const enum conv_state states[] = {CONV_BOT, CONV_QUEUED, CONV_ASSIGNED, CONV_OFFLINE};
        add(&b, "# HELP parley_conversations Open conversations by state.\n"
                "# TYPE parley_conversations gauge\n");
        for (size_t i = 0; i < PL_ARRAY_LEN(states); i++)
            add(&b, "parley_conversations{state=\"%s\"} %lld\n", conv_state_name(states[i]),
                (long long)open[states[i]]);
        add(&b, "# HELP parley_queue_length Conversations waiting for a person.\n"
                "# TYPE parley_queue_length gauge\nparley_queue_length %lld\n",
            (long long)open[CONV_QUEUED]);
        add(&b, "# HELP parley_queue_oldest_wait_seconds How long the first in the queue has waited.\n"
                "# TYPE parley_queue_oldest_wait_seconds gauge\nparley_queue_oldest_wait_seconds %.3f\n",
            oldest ? (double)(pl_now_ms() - oldest) / 1000.0 : 0.0);
    }
    struct store_stats s = {0};
    store_get_stats(conv_store(), &s);
    add(&b, "# HELP parley_store_commits_total Write transactions committed.\n"
            "# TYPE parley_store_commits_total counter\nparley_store_commits_total %llu\n",
        (unsigned long long)s.commits);
    add(&b, "# HELP parley_store_ops_total Write operations committed.\n"
            "# TYPE parley_store_ops_total counter\nparley_store_ops_total %llu\n",
        (unsigned long long)s.ops);
    add(&b, "# HELP parley_store_commit_failures_total Failed commits.\n"
            "# TYPE parley_store_commit_failures_total counter\nparley_store_commit_failures_total %llu\n",
        (unsigned long long)s.commit_failures);
    add(&b, "# HELP parley_store_queue_depth Writes waiting for the writer thread.\n"
            "# TYPE parley_store_queue_depth gauge\nparley_store_queue_depth %llu\n",
        (unsigned long long)s.queue_depth);
    add(&b, "# HELP parley_store_checkpoints_total SQLite WAL checkpoints, by the thread that ran them.\n"
            "# TYPE parley_store_checkpoints_total counter\n"
            "parley_store_checkpoints_total{thread=\"background\"} %llu\n"
            "parley_store_checkpoints_total{thread=\"writer\"} %llu\n",
        (unsigned long long)s.checkpoints_background, (unsigned long long)s.checkpoints_writer);
    add(&b, "# HELP parley_store_checkpoint_syncs_total fsyncs of the database file by the checkpoint thread.\n"
            "# TYPE parley_store_checkpoint_syncs_total counter\nparley_store_checkpoint_syncs_total %llu\n",
        (unsigned long long)s.checkpoint_syncs);
    add_hist(&b, "parley_store_checkpoint_writer_seconds",
             "A checkpoint run by the writer thread (inside a COMMIT, so every write waits for it).",
             &s.checkpoint_finish_time);
    add_hist(&b, "parley_store_commit_seconds",
             "A write transaction, BEGIN to COMMIT returned (its fsync included).", &s.commit_time);
    add_hist(&b, "parley_store_queue_wait_seconds",
             "How long a write waited in the queue before the writer took it.", &s.queue_wait);
    add(&b, "# HELP parley_store_up 1 when the last commit succeeded.\n"
            "# TYPE parley_store_up gauge\nparley_store_up %d\n", store_healthy(conv_store()));
    add(&b, "# HELP parley_bus_topics Topics with subscribers.\n# TYPE parley_bus_topics gauge\n"
            "parley_bus_topics %zu\n", bus_topic_count());
    struct webhook_stats w;
    webhook_get_stats(&w);
    add(&b, "# HELP parley_webhook_attempts_total Webhook delivery attempts by outcome (retried:"
            " failed, another attempt scheduled; failed: the last attempt failed).\n"
            "# TYPE parley_webhook_attempts_total counter\n"
            "parley_webhook_attempts_total{outcome=\"delivered\"} %llu\n"
            "parley_webhook_attempts_total{outcome=\"retried\"} %llu\n"
            "parley_webhook_attempts_total{outcome=\"failed\"} %llu\n",
        (unsigned long long)w.delivered, (unsigned long long)w.retried,
        (unsigned long long)w.failed);
    add(&b, "# HELP parley_webhook_pending Webhook deliveries waiting to be sent or retried.\n"
            "# TYPE parley_webhook_pending gauge\nparley_webhook_pending %lld\n",
        (long long)w.pending);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}
