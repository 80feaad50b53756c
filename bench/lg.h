/*
 * bench/lg.h: what the load generator's parent (loadgen.c) and its workers
 * (worker.c) share: the options, and the per-worker results that live in one
 * MAP_SHARED region and are merged by the parent once the workers are done.
 */
#ifndef BENCH_LG_H
#define BENCH_LG_H

#include <stdint.h>
#include "hist.h"

enum scenario { SC_IDLE, SC_CHAT, SC_STORM };

struct options {
    enum scenario sc;
    const char *host;
    int port, src, workers, conns, convs, agents_per, size, window, cap;
    double rate, duration, warmup, settle, cpu_window;
    int pid[8], n_pid;            /* servers measured together (several nodes) */
    int agent_port;               /* agents' sockets go here (another node), 0: port */
    int nodes[8], n_nodes;        /* --nodes: worker w's visitors on nodes[w % n], its
                                   * agents on the next node, so every message crosses */
    const char *admin, *raw, *subproto, *label;
};

struct wstats {
    uint64_t opened, welcomed, failed, held, errors;
    uint64_t sent, acked, echoed, delivered;            /* inside the window */
    uint64_t sent_all, acked_all, echoed_all, delivered_all;
    uint64_t t_last;                                    /* storm: last welcome */
    struct hist echo, deliver, ack, welcome, lag;
};

struct shared {
    volatile uint64_t t_go, m0, m1, t_stop_send;        /* CLOCK_MONOTONIC ns */
    struct wstats w[];
};

extern struct options opt;

/* Runs worker `id` (in the forked child) and exits. ctl_in: parent -> worker
 * ('g' go, 's' stop); ctl_out: worker -> parent ('r' ready, 'd' done). */
void worker_main(int id, int first, int n, char **tokens, int n_agents, struct shared *sh,
                 int ctl_in, int ctl_out) __attribute__((noreturn));

#endif
