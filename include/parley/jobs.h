/*
 * Worker threads for slow work that must not stall the event loop. work() runs on
 * a worker; done() then runs on the loop thread via loop_post(). Each lane is one
 * thread running its jobs one at a time in order: JOBS_HASH for Argon2id (which
 * also caps its memory use at one hash), JOBS_REPORT for reports that scan a
 * date range. Two lanes, so a year-long report never makes a sign-in wait.
 */
#ifndef PARLEY_JOBS_H
#define PARLEY_JOBS_H

typedef void (*job_fn)(void *arg);

enum job_lane { JOBS_HASH, JOBS_REPORT, JOBS__LANES };

int jobs_start(void);                 /* 0 ok: every lane's thread runs */
void jobs_stop(void);                 /* finishes queued jobs, joins */
/* 0 when queued; -1 (OOM or stopped): nothing runs. */
int jobs_submit_to(enum job_lane lane, job_fn work, job_fn done, void *arg);
/* jobs_submit_to(JOBS_HASH, ...). */
int jobs_submit(job_fn work, job_fn done, void *arg);

#endif
