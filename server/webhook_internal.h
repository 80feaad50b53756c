/* Internal to webhook.c (loop side) and webhook_send.c (the sender thread). */
#ifndef PARLEY_WEBHOOK_INTERNAL_H
#define PARLEY_WEBHOOK_INTERNAL_H

#include <stdint.h>

/* One attempt: made on the loop from a due row, sent by the worker, whose
 * outcome (code, error) goes back to the loop. Owns its strings. */
struct wh_job {
    int64_t id, hook, created_at;
    int attempts;                /* before this one */
    char *url, *secret, *event, *body;
    int code;                    /* HTTP status, 0: no answer */
    char error[256];             /* "" when 2xx */
    struct wh_job *next;
};
void wh_job_free(struct wh_job *j);

/* webhook_send.c */
int wh_worker_start(void);
void wh_worker_stop(void);
/* Queues jobs (a list, taken; freed when stopped) and sets when the worker
 * asks for due rows next (epoch ms). */
void wh_worker_push(struct wh_job *jobs, int64_t next_fetch_ms);
/* Asks for due rows now. */
void wh_worker_kick(void);

/* webhook.c, run on the loop through loop_post by the worker. */
void wh_fetch_on_loop(void *unused);
void wh_result_on_loop(void *job);

#endif
