/*
 * bench/hist.h: an HDR-style log-bucketed latency histogram (nanoseconds).
 *
 * Values below 2^SUB are exact; above, each power of two is split into 2^(SUB-1)
 * linear sub-buckets, so any recorded value is known within 1/64 (about 1.6 %).
 * Fixed size, no pointers: it can live in shared memory and be merged by adding.
 */
#ifndef BENCH_HIST_H
#define BENCH_HIST_H

#include <stdint.h>

#define HIST_SUB 7
#define HIST_HALF (1u << (HIST_SUB - 1))
#define HIST_BUCKETS ((1u << HIST_SUB) + (64u - HIST_SUB) * HIST_HALF)

struct hist {
    uint64_t count, max, min, sum;
    uint64_t b[HIST_BUCKETS];
};

void hist_add(struct hist *h, uint64_t v);
void hist_merge(struct hist *into, const struct hist *from);
/* The value at quantile q (0..1): the upper edge of the bucket holding it. */
uint64_t hist_quantile(const struct hist *h, double q);

#endif
