/*
 * Status codes and small helpers shared by every module.
 *
 * Every function that can fail returns a pl_status (PL_OK == 0); callers check it.
 * The codes map one-to-one onto the contract's snake_case error codes
 * (pl_status_code()), so a failure deep in the store reaches the client unchanged.
 */
#ifndef PARLEY_COMMON_H
#define PARLEY_COMMON_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    PL_OK = 0,
    PL_ERR_BAD_REQUEST,     /* malformed or invalid input */
    PL_ERR_NOT_FOUND,       /* no such thing, or not yours: never tell them apart */
    PL_ERR_FORBIDDEN,       /* authenticated but not allowed */
    PL_ERR_UNAUTHORIZED,    /* not authenticated */
    PL_ERR_CONFLICT,        /* unique constraint (e.g. e-mail taken, already rated) */
    PL_ERR_ALREADY_CLAIMED, /* claim lost the race */
    PL_ERR_CLOSED,          /* conversation is closed */
    PL_ERR_STORE,           /* the database failed (I/O, full disk...): retryable */
    PL_ERR_NOMEM,
} pl_status;

/* The contract's error code for a status ("bad_request", "not_found", ...). */
const char *pl_status_code(pl_status s);

/* Wall-clock milliseconds since the epoch. */
int64_t pl_now_ms(void);

/* Monotonic milliseconds, for timers and durations. */
int64_t pl_mono_ms(void);

/* Monotonic microseconds, for durations below a millisecond. */
int64_t pl_mono_us(void);

/* A latency histogram in Prometheus' shape: cumulative counts of observations
 * at or below each of its bounds (bounds_ms; NULL, as in a zeroed struct, is
 * pl_hist_bounds_ms: 0.1 ms ... 1 s), their count and their sum in seconds.
 * One writer per histogram; readers copy it under the owner's lock (the
 * store's) or on the same thread (the loop's). */
#define PL_HIST_N 13
extern const double pl_hist_bounds_ms[PL_HIST_N];
extern const double pl_hist_fast_bounds_ms[PL_HIST_N];    /* 5 µs ... 50 ms */
struct pl_hist {
    const double *bounds_ms;
    uint64_t le[PL_HIST_N];
    uint64_t count;
    double sum_s;
};
void pl_hist_observe_us(struct pl_hist *h, int64_t us);
static inline const double *pl_hist_bounds(const struct pl_hist *h)
{
    return h->bounds_ms ? h->bounds_ms : pl_hist_bounds_ms;
}

/* Names the calling thread (at most 15 characters), so `top -H`, `perf` and
 * gdb tell the writer from the loop; best effort, nothing to check. */
void pl_thread_name(const char *name);

#define PL_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
