/*
 * bench/hist.c: see hist.h.
 */
#include "hist.h"

static unsigned bucket(uint64_t v)
{
    if (v < (1u << HIST_SUB))
        return (unsigned)v;
    unsigned m = 63u - (unsigned)__builtin_clzll(v);      /* m >= HIST_SUB */
    unsigned shift = m - (HIST_SUB - 1);
    unsigned top = (unsigned)(v >> shift);                 /* HIST_HALF..2*HIST_HALF-1 */
    return (1u << HIST_SUB) + (m - HIST_SUB) * HIST_HALF + (top - HIST_HALF);
}

static uint64_t upper(unsigned i)
{
    if (i < (1u << HIST_SUB))
        return i;
    unsigned k = i - (1u << HIST_SUB);
    unsigned m = k / HIST_HALF + HIST_SUB, top = k % HIST_HALF + HIST_HALF;
    unsigned shift = m - (HIST_SUB - 1);
    return (((uint64_t)top + 1) << shift) - 1;
}

void hist_add(struct hist *h, uint64_t v)
{
    h->b[bucket(v)]++;
    if (!h->count || v < h->min)
        h->min = v;
    if (v > h->max)
        h->max = v;
    h->count++;
    h->sum += v;
}

void hist_merge(struct hist *into, const struct hist *from)
{
    if (!from->count)
        return;
    if (!into->count || from->min < into->min)
        into->min = from->min;
    if (from->max > into->max)
        into->max = from->max;
    into->count += from->count;
    into->sum += from->sum;
    for (unsigned i = 0; i < HIST_BUCKETS; i++)
        into->b[i] += from->b[i];
}

uint64_t hist_quantile(const struct hist *h, double q)
{
    if (!h->count)
        return 0;
    uint64_t rank = (uint64_t)(q * (double)h->count + 0.999999);
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < HIST_BUCKETS; i++) {
        seen += h->b[i];
        if (seen >= rank) {
            uint64_t u = upper(i);
            return u > h->max ? h->max : u;
        }
    }
    return h->max;
}
