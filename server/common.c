/* Status codes and clocks shared by every module. */
#include <sys/prctl.h>
#include <time.h>
#include "parley/common.h"

const char *pl_status_code(pl_status s)
{
    switch (s) {
    case PL_OK: return "ok";
    case PL_ERR_BAD_REQUEST: return "bad_request";
    case PL_ERR_NOT_FOUND: return "not_found";
    case PL_ERR_FORBIDDEN: return "forbidden";
    case PL_ERR_UNAUTHORIZED: return "unauthorized";
    case PL_ERR_CONFLICT: return "conflict";
    case PL_ERR_ALREADY_CLAIMED: return "already_claimed";
    case PL_ERR_CLOSED: return "conversation_closed";
    case PL_ERR_STORE: return "store_unavailable";
    case PL_ERR_NOMEM: return "internal_error";
    }
    return "internal_error";
}

static int64_t clock_us(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t pl_now_ms(void) { return clock_us(CLOCK_REALTIME) / 1000; }
int64_t pl_mono_ms(void) { return clock_us(CLOCK_MONOTONIC) / 1000; }
int64_t pl_mono_us(void) { return clock_us(CLOCK_MONOTONIC); }

/* From a tenth of a millisecond (a commit on a fast disk) to a second (a
 * stalled one): the sub-millisecond buckets are where a healthy server lives. */
const double pl_hist_bounds_ms[PL_HIST_N] = {0.1, 0.25, 0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000};
/* For work on the loop that should take microseconds (an FAQ match). */
const double pl_hist_fast_bounds_ms[PL_HIST_N] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
                                                  10, 25, 50};

void pl_hist_observe_us(struct pl_hist *h, int64_t us)
{
    double ms = (double)us / 1000.0;
    const double *b = pl_hist_bounds(h);
    for (size_t i = 0; i < PL_HIST_N; i++)
        if (ms <= b[i])
            h->le[i]++;
    h->count++;
    h->sum_s += ms / 1000.0;
}

void pl_thread_name(const char *name)
{
    (void)prctl(PR_SET_NAME, name, 0, 0, 0);
}
