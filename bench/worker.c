/*
 * bench/worker.c: one load-generator worker process (its own epoll).
 *
 * Parley mode, per conversation: a visitor connects, says hello, gets welcome,
 * hands off ({"type":"handoff"}), and once the visitor sees state "queued" the
 * agent socket that owns it (one per K conversations, each its own account)
 * claims it. When every conversation of the worker is claimed it reports 'r'.
 * Raw mode (--raw PATHFMT): a "visitor" and an "agent" socket join the room
 * path of the conversation and plain text frames are broadcast between them.
 *
 * Every message text starts with "~b <ns>" (CLOCK_MONOTONIC, the scheduled send
 * time: open loop, so a stalled server cannot hide its backlog), and its id is
 * "m<ns>-<n>", so echoes, deliveries and acks need no lookup table.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>
#include "lg.h"
#include "wsc.h"

enum { R_VIS, R_AG };
enum { V_WELCOME, V_QUEUED, V_CLAIM, V_READY };
enum { A_AUTH, A_READY };

static struct {
    struct wsc ws;
    int id, first, n, n_ag, raw;
    struct conn *vis, *ag;
    char **tokens;
    int launched, inflight, ready, agents_ready, sent_ready, sent_done, go;
    uint64_t period;
    struct wstats *st;
    struct shared *sh;
    int ctl_in, ctl_out;
    char pad[8192];
} W;

static int ctl_tag;

static void ctl(char c)
{
    if (write(W.ctl_out, &c, 1) != 1)
        _exit(3);
}

static void path_for(char *out, size_t cap, int role, int conv)
{
    if (W.raw)
        snprintf(out, cap, opt.raw, W.first + conv);
    else
        snprintf(out, cap, role == R_VIS ? "/ws/visitor" : "/ws/agent");
}

static int octet(int k) { return 1 + k % opt.src; }

static void check_ready(void)
{
    if (W.sent_ready)
        return;
    int need = W.n - (int)W.st->failed;
    if (W.ready >= need && W.launched == W.n && W.inflight == 0 && W.agents_ready >= W.n_ag) {
        W.sent_ready = 1;
        ctl(opt.sc == SC_STORM ? 'd' : 'r');    /* a storm said 'r' at start */
    }
}

static void launch(void)
{
    if (opt.sc == SC_STORM && !W.go)
        return;
    if (W.agents_ready < W.n_ag && !W.raw)
        return;                               /* agents first, so claims can follow */
    while (W.launched < W.n && W.inflight < opt.cap) {
        struct conn *v = &W.vis[W.launched];
        char path[256];
        path_for(path, sizeof(path), R_VIS, W.launched);
        v->role = R_VIS;
        v->idx = W.launched;
        v->phase = V_WELCOME;
        W.launched++;
        W.inflight++;
        W.st->opened++;
        wsc_connect(&W.ws, v, octet(W.first + v->idx), path);
        if (W.raw && W.n_ag) {                /* the room's second member */
            struct conn *a = &W.ag[v->idx];
            path_for(path, sizeof(path), R_AG, v->idx);
            a->role = R_AG;
            a->idx = v->idx;
            a->phase = A_AUTH;
            wsc_connect(&W.ws, a, octet(W.first + v->idx + 7), path);
        }
    }
}

static void record(struct hist *h, uint64_t *in_window, uint64_t *all, uint64_t ts)
{
    uint64_t now = now_ns();
    (*all)++;
    if (ts >= W.sh->m0 && ts < W.sh->m1 && now >= ts) {
        hist_add(h, now - ts);
        (*in_window)++;
    }
}

static void send_msg(struct conn *v, uint64_t ts)
{
    char buf[9000];
    uint64_t now = now_ns();
    int n;
    if (W.raw)
        n = snprintf(buf, sizeof(buf), "~b %" PRIu64 " %s", ts, W.pad);
    else
        n = snprintf(buf, sizeof(buf), "{\"type\":\"message\",\"id\":\"m%" PRIu64 "-%u\","
                     "\"text\":\"~b %" PRIu64 " %s\"}", ts, v->seqno++, ts, W.pad);
    if (wsc_send_text(&W.ws, v, buf, (size_t)n))
        return;
    v->inflight++;
    W.st->sent_all++;
    if (ts >= W.sh->m0 && ts < W.sh->m1)
        W.st->sent++;
    hist_add(&W.st->lag, now > ts ? now - ts : 0);
}

static uint64_t field_u64(const char *buf, size_t len, const char *key)
{
    const char *p = memmem(buf, len, key, strlen(key));
    return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

/* A message event or ack in a ready conversation. */
static void on_traffic(struct conn *c, char *buf, size_t len)
{
    if (W.raw) {
        if (len > 3 && !memcmp(buf, "~b ", 3)) {
            uint64_t ts = strtoull(buf + 3, NULL, 10);
            if (c->role == R_VIS)
                record(&W.st->echo, &W.st->echoed, &W.st->echoed_all, ts);
            else
                record(&W.st->deliver, &W.st->delivered, &W.st->delivered_all, ts);
        }
        return;
    }
    if (has(buf, len, "\"type\":\"ack\"")) {
        uint64_t ts = field_u64(buf, len, "\"id\":\"m");
        if (!ts || c->role != R_VIS)
            return;
        record(&W.st->ack, &W.st->acked, &W.st->acked_all, ts);
        if (c->inflight)
            c->inflight--;
        if (opt.rate <= 0 && now_ns() < W.sh->t_stop_send)
            send_msg(c, now_ns());              /* flood: keep the window full */
    } else if (has(buf, len, "\"type\":\"message\"")) {
        uint64_t ts = field_u64(buf, len, "\"text\":\"~b ");
        if (!ts)
            return;
        if (c->role == R_VIS)
            record(&W.st->echo, &W.st->echoed, &W.st->echoed_all, ts);
        else
            record(&W.st->deliver, &W.st->delivered, &W.st->delivered_all, ts);
    } else if (has(buf, len, "\"type\":\"error\"")) {
        W.st->errors++;
        if (W.st->errors <= 3)
            fprintf(stderr, "loadgen: worker %d: %.*s\n", W.id, (int)(len > 300 ? 300 : len), buf);
    }
}

static void visitor_ready(struct conn *v)
{
    v->phase = V_READY;
    W.ready++;
    check_ready();
}

static void on_visitor(struct conn *v, char *buf, size_t len)
{
    if (v->phase == V_READY) {
        on_traffic(v, buf, len);
    } else if (v->phase == V_WELCOME && has(buf, len, "\"type\":\"welcome\"")) {
        uint64_t now = now_ns();
        hist_add(&W.st->welcome, now - v->t_start);
        W.st->welcomed++;
        W.st->t_last = now;
        W.inflight--;
        const char *cv = memmem(buf, len, "\"conversation\":{", 16);
        if (!cv || json_str(cv, len - (size_t)(cv - buf), "id", v->conv, sizeof(v->conv)))
            W.st->errors++;
        if (opt.sc != SC_CHAT) {
            visitor_ready(v);
            return;
        }
        v->phase = V_QUEUED;
        const char *h = "{\"type\":\"handoff\"}";
        wsc_send_text(&W.ws, v, h, strlen(h));
    } else if (v->phase == V_QUEUED && has(buf, len, "\"type\":\"state\"") &&
               has(buf, len, "\"state\":\"queued\"")) {
        if (!W.n_ag) {
            visitor_ready(v);
            return;
        }
        v->phase = V_CLAIM;
        char m[256];
        int n = snprintf(m, sizeof(m), "{\"type\":\"claim\",\"conversation\":\"%s\",\"id\":\"k%d\"}",
                         v->conv, v->idx);
        wsc_send_text(&W.ws, &W.ag[v->idx / opt.agents_per], m, (size_t)n);
    } else if (has(buf, len, "\"type\":\"error\"")) {
        W.st->errors++;
        fprintf(stderr, "loadgen: visitor setup: %.*s\n", (int)(len > 300 ? 300 : len), buf);
    }
}

static void on_agent(struct conn *a, char *buf, size_t len)
{
    if (a->phase == A_AUTH) {
        if (has(buf, len, "\"type\":\"ready\"")) {
            a->phase = A_READY;
            W.agents_ready++;
        } else if (has(buf, len, "\"type\":\"error\"")) {
            W.st->errors++;
            fprintf(stderr, "loadgen: agent auth: %.*s\n", (int)(len > 300 ? 300 : len), buf);
        }
        return;
    }
    char id[80];
    if (has(buf, len, "\"type\":\"ack\"") && !json_str(buf, len, "id", id, sizeof(id)) &&
        id[0] == 'k') {
        int i = atoi(id + 1);
        if (i >= 0 && i < W.n && W.vis[i].phase == V_CLAIM)
            visitor_ready(&W.vis[i]);
        return;
    }
    on_traffic(a, buf, len);
}

static void on_open(struct wsc *ws, struct conn *c)
{
    char m[600];
    if (W.raw) {                              /* open = joined the room */
        c->phase = c->role == R_VIS ? V_READY : A_READY;
        if (c->role == R_VIS) {
            W.inflight--;
            W.st->welcomed++;
            W.st->t_last = now_ns();
            hist_add(&W.st->welcome, W.st->t_last - c->t_start);
        }
        if (c->role == R_VIS)
            W.ready++;
        else
            W.agents_ready++;
        check_ready();
        return;
    }
    int n = c->role == R_VIS ? snprintf(m, sizeof(m), "{\"type\":\"hello\",\"token\":null,\"last_seq\":0}")
                             : snprintf(m, sizeof(m), "{\"type\":\"auth\",\"token\":\"%s\"}",
                                        W.tokens[c->idx]);
    wsc_send_text(ws, c, m, (size_t)n);
}

static void on_msg(struct wsc *ws, struct conn *c, char *buf, size_t len)
{
    (void)ws;
    if (c->role == R_VIS)
        on_visitor(c, buf, len);
    else
        on_agent(c, buf, len);
}

static void on_close(struct wsc *ws, struct conn *c)
{
    (void)ws;
    if (c->role == R_VIS && c->phase == V_WELCOME) {
        W.inflight--;
        W.st->failed++;
        check_ready();
    } else if (W.go && W.st->errors++ < 3) {
        fprintf(stderr, "loadgen: worker %d: a %s connection closed\n", W.id,
                c->role == R_VIS ? "visitor" : "agent");
    }
}

static void start(void)
{
    W.go = 1;
    if (opt.sc != SC_CHAT)
        return;
    uint64_t t0 = W.sh->t_go;
    if (opt.rate > 0) {
        W.period = (uint64_t)(1e9 / opt.rate);
        for (int i = 0; i < W.n; i++)       /* spread the phases over the period */
            W.vis[i].next_send = t0 + (uint64_t)((double)W.period * (W.first + i) / opt.convs);
    } else {
        for (int i = 0; i < W.n; i++)
            for (int k = 0; k < opt.window && W.vis[i].phase == V_READY; k++)
                send_msg(&W.vis[i], now_ns());
    }
}

/* Sends what is due; returns the next due time (UINT64_MAX: none). */
static uint64_t sends_due(void)
{
    uint64_t now = now_ns(), next = UINT64_MAX, stop = W.sh->t_stop_send;
    for (int i = 0; i < W.n; i++) {
        struct conn *v = &W.vis[i];
        if (v->phase != V_READY || v->state != ST_OPEN)
            continue;
        while (v->next_send <= now && v->next_send < stop) {
            send_msg(v, v->next_send);
            v->next_send += W.period;
        }
        if (v->next_send < stop && v->next_send < next)
            next = v->next_send;
    }
    return next;
}

static int drained(void)
{
    const struct wstats *s = W.st;
    uint64_t now = now_ns();
    if (now < W.sh->t_stop_send)
        return 0;
    if (now > W.sh->t_stop_send + 3000000000ull)
        return 1;
    int acks_done = W.raw || s->acked_all >= s->sent_all;
    int deliveries_done = !W.n_ag || s->delivered_all >= s->sent_all;
    return acks_done && deliveries_done && s->echoed_all >= s->sent_all;
}

static void __attribute__((noreturn)) finish(void)
{
    for (int i = 0; i < W.n; i++)
        if (W.vis[i].state == ST_OPEN && W.vis[i].phase == V_READY)
            W.st->held++;
    _exit(0);
}

void worker_main(int id, int first, int n, char **tokens, int n_agents, struct shared *sh,
                 int ctl_in, int ctl_out)
{
    W.id = id;
    W.first = first;
    W.n = n;
    W.raw = opt.raw != NULL;
    W.n_ag = W.raw ? (opt.sc == SC_CHAT ? n : 0) : n_agents;
    W.tokens = tokens;
    W.sh = sh;
    W.st = &sh->w[id];
    W.ctl_in = ctl_in;
    W.ctl_out = ctl_out;
    int pad = opt.size - 24;
    if (pad < 1)
        pad = 1;
    if (pad > (int)sizeof(W.pad) - 1)
        pad = (int)sizeof(W.pad) - 1;
    memset(W.pad, 'x', (size_t)pad);
    prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
    W.vis = calloc((size_t)n + 1, sizeof(struct conn));
    W.ag = calloc((size_t)W.n_ag + 1, sizeof(struct conn));
    int port = opt.n_nodes ? opt.nodes[id % opt.n_nodes] : opt.port;
    int agent_port = opt.n_nodes > 1 ? opt.nodes[(id + 1) % opt.n_nodes] : opt.agent_port;
    if (!W.vis || !W.ag || wsc_init(&W.ws, opt.host, port)) {
        fprintf(stderr, "loadgen: worker %d cannot start\n", id);
        _exit(2);
    }
    W.ws.subproto = opt.subproto;
    if (agent_port)
        wsc_route_role(&W.ws, R_AG, agent_port);
    W.ws.on_open = on_open;
    W.ws.on_msg = on_msg;
    W.ws.on_close = on_close;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &ctl_tag};
    epoll_ctl(W.ws.ep, EPOLL_CTL_ADD, ctl_in, &ev);
    if (!W.raw)
        for (int j = 0; j < W.n_ag; j++) {
            struct conn *a = &W.ag[j];
            a->role = R_AG;
            a->idx = j;
            a->phase = A_AUTH;
            wsc_connect(&W.ws, a, octet(first + j), "/ws/agent");
        }
    if (opt.sc == SC_STORM)
        ctl('r');
    if (n == 0)
        check_ready();
    struct epoll_event evs[512];
    for (;;) {
        launch();
        struct timespec to = {0, 100 * 1000000};
        if (W.go && opt.sc == SC_CHAT) {
            uint64_t next = opt.rate > 0 ? sends_due() : UINT64_MAX, now = now_ns();
            if (W.sent_done == 0 && drained()) {
                W.sent_done = 1;
                ctl('d');
            }
            if (next != UINT64_MAX) {
                uint64_t d = next > now ? next - now : 0;
                if (d < 100000000u)
                    to.tv_nsec = (long)d;
            }
        }
        int k = epoll_pwait2(W.ws.ep, evs, 512, &to, NULL);
        for (int i = 0; i < k; i++) {
            if (evs[i].data.ptr == &ctl_tag) {
                char c;
                if (read(ctl_in, &c, 1) != 1 || c == 's')
                    finish();
                if (c == 'g')
                    start();
                continue;
            }
            wsc_event(&W.ws, evs[i].data.ptr, evs[i].events);
        }
    }
}
