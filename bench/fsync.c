/*
 * bench/fsync: how long this machine's disk takes to make one small write
 * durable, the floor under every acknowledged message with --durability full
 * (each group commit ends in one fdatasync of the WAL). Appends one 4 KiB page
 * and calls fdatasync, N times, in a file in DIR, and prints the percentiles.
 *
 *   bench/bin/fsync [DIR] [N]     (default: . and 2000)
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : ".";
    int n = argc > 2 ? atoi(argv[2]) : 2000;
    if (n < 10 || n > 1000000) {
        fprintf(stderr, "fsync: N must be 10..1000000\n");
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/parley-fsync-probe.%d", dir, (int)getpid());
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
    if (fd < 0) {
        perror(path);
        return 1;
    }
    unlink(path);           /* gone when we exit, whatever happens */
    static char page[4096];
    memset(page, 'p', sizeof page);
    double *t = malloc((size_t)n * sizeof *t);
    if (!t) {
        fprintf(stderr, "fsync: out of memory\n");
        close(fd);
        return 1;
    }
    for (int i = 0; i < n; i++) {
        double t0 = now_ms();
        if (write(fd, page, sizeof page) != (ssize_t)sizeof page || fdatasync(fd) != 0) {
            perror("fsync: write/fdatasync");
            free(t);
            close(fd);
            return 1;
        }
        t[i] = now_ms() - t0;
    }
    close(fd);
    qsort(t, (size_t)n, sizeof *t, cmp);
    printf("fsync: %d x (4 KiB append + fdatasync) in %s: p50 %.3f  p99 %.3f  p99.9 %.3f  max %.3f ms\n",
           n, dir, t[n / 2], t[n * 99 / 100], t[n * 999 / 1000], t[n - 1]);
    printf("RESULT label=disk scenario=fsync n=%d fsync_p50_ms=%.3f fsync_p99_ms=%.3f"
           " fsync_p999_ms=%.3f fsync_max_ms=%.3f\n",
           n, t[n / 2], t[n * 99 / 100], t[n * 999 / 1000], t[n - 1]);
    free(t);
    return 0;
}
