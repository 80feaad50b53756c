/*
 * Counters for /metrics (Prometheus text format). Loop thread only; gauges are
 * read from their owners when the page is rendered, never duplicated here.
 */
#ifndef PARLEY_METRICS_H
#define PARLEY_METRICS_H

#include <stddef.h>

void metrics_count_frame_in(void);
void metrics_count_message(const char *role);       /* a stored message was delivered */
void metrics_count_error(const char *code);
void metrics_count_http(int status);
/* The page, malloc'd; caller frees. */
char *metrics_render(void);

#endif
