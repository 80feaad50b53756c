/* A minimal unit-test harness: CHECK records a failure and goes on; the test's
 * main returns test_summary(). */
#ifndef PARLEY_TESTLIB_H
#define PARLEY_TESTLIB_H
#include <stdio.h>

static int test_failures, test_checks;
#define CHECK(cond) do { test_checks++; if (!(cond)) { test_failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_STR(a, b) do { const char *a_ = (a), *b_ = (b); test_checks++; \
    if (!a_ || !b_ || strcmp(a_, b_) != 0) { test_failures++; \
    fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a, \
            a_ ? a_ : "(null)", b_ ? b_ : "(null)"); } } while (0)

static inline int test_summary(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, test_checks, test_failures);
    return test_failures ? 1 : 0;
}

/* fake_loop.c: waits for a posted callback (up to ~5 s) and runs all queued. */
int loop_wait_drain(void);
#endif
