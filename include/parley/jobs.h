/*
 * A worker thread for slow CPU work that must not stall the event loop
 * (Argon2id password hashing and verification). work() runs on the worker;
 * done() then runs on the loop thread via loop_post(). Jobs run one at a time
 * in order, which also caps Argon2's memory use at one hash.
 */
#ifndef PARLEY_JOBS_H
#define PARLEY_JOBS_H

typedef void (*job_fn)(void *arg);

int jobs_start(void);                 /* 0 ok */
void jobs_stop(void);                 /* finishes queued jobs, joins */
/* 0 when queued; -1 (OOM or stopped): nothing runs. */
int jobs_submit(job_fn work, job_fn done, void *arg);

#endif
