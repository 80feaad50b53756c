/* The worker lanes: a job runs off the caller's thread and its done() comes back
 * through loop_post; a report that takes long never holds up a password hash;
 * each lane keeps its order; stop finishes what was queued; a stopped or unknown
 * lane refuses. */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>
#include "parley/jobs.h"
#include "parley/loop.h"
#include "testlib.h"

static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int gate_open;
static atomic_int order[8], n_order, done_count;
static pthread_t main_thread;
static atomic_int work_on_main;

static void slow_report(void *arg)
{
    (void)arg;
    work_on_main |= pthread_equal(pthread_self(), main_thread);
    pthread_mutex_lock(&gate_mu);
    while (!gate_open)
        pthread_cond_wait(&gate_cv, &gate_mu);
    pthread_mutex_unlock(&gate_mu);
}

static void record(void *arg)
{
    work_on_main |= pthread_equal(pthread_self(), main_thread);
    int i = atomic_fetch_add(&n_order, 1);
    if (i < 8) order[i] = (int)(intptr_t)arg;
}

static void count_done(void *arg) { (void)arg; done_count++; }

int main(void)
{
    main_thread = pthread_self();
    CHECK(jobs_start() == 0);

    /* The report lane is blocked; hashes still run, in order. */
    CHECK(jobs_submit_to(JOBS_REPORT, slow_report, count_done, NULL) == 0);
    for (intptr_t i = 1; i <= 3; i++)
        CHECK(jobs_submit(record, count_done, (void *)i) == 0);
    int drained = 0;
    for (int tries = 0; tries < 50 && drained < 3; tries++)
        drained += loop_wait_drain();
    CHECK(drained == 3);
    CHECK(n_order == 3 && order[0] == 1 && order[1] == 2 && order[2] == 3);
    CHECK(done_count == 3);                 /* the report has not finished */

    pthread_mutex_lock(&gate_mu);
    gate_open = 1;
    pthread_cond_broadcast(&gate_cv);
    pthread_mutex_unlock(&gate_mu);
    CHECK(loop_wait_drain() == 1 && done_count == 4);
    CHECK(!work_on_main);

    CHECK(jobs_submit_to((enum job_lane)JOBS__LANES, record, count_done, NULL) == -1);
    CHECK(jobs_submit_to((enum job_lane)-1, record, count_done, NULL) == -1);

    /* Stop runs what was queued, then refuses. */
    CHECK(jobs_submit_to(JOBS_REPORT, record, count_done, (void *)9) == 0);
    jobs_stop();
    CHECK(n_order == 4 && order[3] == 9);
    loop_drain();
    CHECK(done_count == 5);
    CHECK(jobs_submit(record, count_done, NULL) == -1);
    CHECK(jobs_submit_to(JOBS_REPORT, record, count_done, NULL) == -1);
    jobs_stop();                            /* twice is fine */
    return test_summary("test_jobs");
}
