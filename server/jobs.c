/*
 * The worker lanes (see jobs.h). One thread per lane on purpose: Argon2id takes
 * 64 MiB per hash and logins are rare enough to queue; reports are rarer still,
 * and one at a time keeps their memory to one range's rows.
 */
#include <pthread.h>
#include <stdlib.h>
#include "parley/common.h"
#include "parley/jobs.h"
#include "parley/loop.h"

struct job { job_fn work, done; void *arg; struct job *next; };

struct lane {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct job *head, *tail;
    int running, stopping;
    pthread_t thread;
};

static struct lane lanes[JOBS__LANES] = {
    [JOBS_HASH] = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL, 0, 0, 0 },
    [JOBS_REPORT] = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL, 0, 0, 0 },
};

static void *worker(void *arg)
{
    pl_thread_name("parley-jobs");
    struct lane *l = arg;
    for (;;) {
        pthread_mutex_lock(&l->mu);
        while (!l->head && !l->stopping)
            pthread_cond_wait(&l->cv, &l->mu);
        struct job *j = l->head;
        if (j) {
            l->head = j->next;
            if (!l->head)
                l->tail = NULL;
        }
        pthread_mutex_unlock(&l->mu);
        if (!j)
            return NULL;                          /* stopping and drained */
        j->work(j->arg);
        if (loop_post(j->done, j->arg))
            j->done(j->arg);                      /* OOM: better late than lost */
        free(j);
    }
}

void jobs_stop(void)
{
    for (int i = 0; i < JOBS__LANES; i++) {
        struct lane *l = &lanes[i];
        if (!l->running)
            continue;
        pthread_mutex_lock(&l->mu);
        l->stopping = 1;
        pthread_cond_broadcast(&l->cv);
        pthread_mutex_unlock(&l->mu);
        pthread_join(l->thread, NULL);
        l->running = 0;
    }
}

int jobs_start(void)
{
    for (int i = 0; i < JOBS__LANES; i++) {
        struct lane *l = &lanes[i];
        l->stopping = 0;
        if (pthread_create(&l->thread, NULL, worker, l)) {
            jobs_stop();
            return -1;
        }
        l->running = 1;
    }
    return 0;
}

int jobs_submit_to(enum job_lane lane, job_fn work, job_fn done, void *arg)
{
    if ((int)lane < 0 || lane >= JOBS__LANES)
        return -1;
    struct lane *l = &lanes[lane];
    struct job *j = malloc(sizeof(*j));
    if (!j)
        return -1;
    j->work = work;
    j->done = done;
    j->arg = arg;
    j->next = NULL;
    pthread_mutex_lock(&l->mu);
    if (l->stopping || !l->running) {
        pthread_mutex_unlock(&l->mu);
        free(j);
        return -1;
    }
    if (l->tail)
        l->tail->next = j;
    else
        l->head = j;
    l->tail = j;
    pthread_cond_signal(&l->cv);
    pthread_mutex_unlock(&l->mu);
    return 0;
}

int jobs_submit(job_fn work, job_fn done, void *arg)
{
    return jobs_submit_to(JOBS_HASH, work, done, arg);
}
