/*
 * Counters for /metrics (Prometheus text format). Loop thread only; gauges are
 * read from their owners when the page is rendered, never duplicated here.
 */
#ifndef PARLEY_METRICS_H
#define PARLEY_METRICS_H

#include <stddef.h>
#include <stdint.h>

void metrics_count_frame_in(void);
void metrics_count_message(const char *role);       /* a stored message was delivered */
void metrics_count_error(const char *code);
void metrics_count_http(int status);
/* Time from a message's arrival to its ack (its commit), in µs. */
void metrics_observe_ack_us(int64_t us);
/* How long the bot's FAQ match of one message took, in µs. */
void metrics_observe_faq_match_us(int64_t us);
enum metrics_faq { METRIC_FAQ_ANSWERED, METRIC_FAQ_CHOICES, METRIC_FAQ_MISSED, METRIC_FAQ_GREETING, METRIC_FAQ_HUMAN, METRIC_FAQ__COUNT };
void metrics_count_faq(enum metrics_faq outcome);
/* The page, malloc'd; caller frees. */
char *metrics_render(void);

#endif
