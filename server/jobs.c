/*
 * One worker thread for slow CPU work (see jobs.h). A single thread on purpose:
 * Argon2id takes 64 MiB per hash, and logins are rare enough to queue.
 */
#include <pthread.h>
#include <stdlib.h>
#include "parley/jobs.h"
#include "parley/loop.h"

struct job { job_fn work, done; void *arg; struct job *next; };

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static struct job *head, *tail;
static int running, stopping;
static pthread_t thread;

static void *worker(void *unused)
{
    for (;;) {
        pthread_mutex_lock(&mu);
        while (!head && !stopping)
            pthread_cond_wait(&cv, &mu);
        struct job *j = head;
        if (j) {
            head = j->next;
            if (!head)
                tail = NULL;
        }
        pthread_mutex_unlock(&mu);
        if (!j)
            return NULL;                          /* stopping and drained */
        j->work(j->arg);
        if (loop_post(j->done, j->arg))
            j->done(j->arg);                      /* OOM: better late than lost */
        free(j);
    }
}

int jobs_start(void)
{
    stopping = 0;
    if (pthread_create(&thread, NULL, worker, NULL))
        return -1;
    running = 1;
    return 0;
}

void jobs_stop(void)
{
    if (!running)
        return;
    pthread_mutex_lock(&mu);
    stopping = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    pthread_join(thread, NULL);
    running = 0;
}

int jobs_submit(job_fn work, job_fn done, void *arg)
{
    struct job *j = malloc(sizeof(*j));
    if (!j)
        return -1;
    j->work = work;
    j->done = done;
    j->arg = arg;
    j->next = NULL;
    pthread_mutex_lock(&mu);
    if (stopping || !running) {
        pthread_mutex_unlock(&mu);
        free(j);
        return -1;
    }
    if (tail)
        tail->next = j;
    else
        head = j;
    tail = j;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    return 0;
}
