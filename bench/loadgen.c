/*
 * bench/loadgen.c: Parley's load generator (the parent process).
 *
 *   loadgen idle|chat|storm [options]    drive a running server (see --help)
 *   loadgen coldstart PORT -- CMD...     start CMD, time it to /healthz 200
 *
 * The parent sets up (agent accounts, tokens), forks the workers (worker.c, each
 * with its own epoll), sequences them through pipes ('r' ready, 'g' go, 'd' done,
 * 's' stop), samples the server's /proc/PID/stat and VmRSS around the measured
 * window, then merges the workers' histograms from shared memory and prints a
 * human summary plus one "RESULT k=v ..." line for bench/run.sh.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "http1.h"
#include "lg.h"
#include "wsc.h"

struct options opt = {
    .host = "127.0.0.1", .port = 8080, .src = 8, .workers = 4, .conns = 5000, .convs = 200,
    .agents_per = 25, .size = 100, .window = 16, .cap = 64, .rate = 20, .duration = 10,
    .warmup = 2, .settle = 2, .cpu_window = 5, .admin = "bench@example.test:bench password 1",
    .label = "parley",
};

static pid_t kids[64];
static int to_kid[64], from_kid[64];

static void usage(void)
{
    puts("usage: loadgen idle|chat|storm [options]\n"
         "       loadgen coldstart PORT -- COMMAND [ARGS...]\n"
         "  --host IP (127.0.0.1)   --port N (8080)    --pid PID[,PID...] (servers, for CPU/RSS)\n"
         "  --agent-port N  agents connect to this port (another node of the same site)\n"
         "  --nodes P1,P2[,...]  spread over nodes: worker w's visitors on node w mod n, its\n"
         "               agents on the next node (set-up requests go to --port)\n"
         "  --src N      source addresses 127.0.0.1..N (8)\n"
         "  --workers N  worker processes (4)         --cap N  handshakes in flight per worker (64)\n"
         "  --conns N    idle/storm connections (5000)\n"
         "  --convs N    chat conversations (200)     --rate R msgs/s per visitor (20; 0 = flood)\n"
         "  --window N   flood: unacked messages per visitor (16)\n"
         "  --agents-per K  conversations per agent socket (25; 0 = no agents)\n"
         "  --duration S (10)  --warmup S (2)  --settle S (2)  --cpu-window S (5)\n"
         "  --size B     message text bytes (100)\n"
         "  --admin EMAIL:PASSWORD   admin used to create the bench agents\n"
         "  --raw PATHFMT  peer mode: plain text broadcast, path with %d = conversation\n"
         "  --subproto P   Sec-WebSocket-Protocol to ask for    --label NAME (parley)");
}

static void read_one(int pid, double *cpu_s, long *rss_kb)
{
    char path[64], buf[4096];
    *cpu_s = -1;
    *rss_kb = -1;
    if (pid <= 0)
        return;
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (f) {
        size_t n = fread(buf, 1, sizeof(buf) - 1, f);
        buf[n] = 0;
        fclose(f);
        char *p = strrchr(buf, ')');
        unsigned long long ut = 0, stt = 0;
        if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
                        &ut, &stt) == 2)
            *cpu_s = (double)(ut + stt) / (double)sysconf(_SC_CLK_TCK);
    }
    snprintf(path, sizeof(path), "/proc/%d/status", pid);
    if ((f = fopen(path, "r"))) {
        while (fgets(buf, sizeof(buf), f))
            if (!strncmp(buf, "VmRSS:", 6))
                *rss_kb = atol(buf + 6);
        fclose(f);
    }
}

/* CPU seconds and RSS summed over every --pid (the nodes of one run); -1 when
 * one cannot be read. */
static void read_proc(double *cpu_s, long *rss_kb)
{
    *cpu_s = 0;
    *rss_kb = 0;
    if (!opt.n_pid) {
        *cpu_s = -1;
        *rss_kb = -1;
    }
    for (int i = 0; i < opt.n_pid; i++) {
        double c;
        long r;
        read_one(opt.pid[i], &c, &r);
        if (c < 0 || r < 0) {
            *cpu_s = -1;
            *rss_kb = -1;
            return;
        }
        *cpu_s += c;
        *rss_kb += r;
    }
}

static void sleep_until(uint64_t t)
{
    struct timespec ts = {(time_t)(t / 1000000000u), (long)(t % 1000000000u)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {}
}

static void kill_kids(void)
{
    for (int i = 0; i < opt.workers; i++)
        if (kids[i] > 0)
            kill(kids[i], SIGKILL);
}

static void send_all(char c)
{
    for (int i = 0; i < opt.workers; i++)
        if (write(to_kid[i], &c, 1) != 1)
            perror("loadgen: pipe");
}

static void wait_all(char want, int secs, struct shared *sh)
{
    uint64_t deadline = now_ns() + (uint64_t)secs * 1000000000u;
    for (int i = 0; i < opt.workers; i++) {
        struct pollfd p = {from_kid[i], POLLIN, 0};
        int64_t left = (int64_t)(deadline - now_ns()) / 1000000;
        char c = 0;
        if (left < 0 || poll(&p, 1, (int)left) != 1 || read(from_kid[i], &c, 1) != 1 || c != want) {
            uint64_t w = 0, f = 0;
            for (int j = 0; j < opt.workers; j++)
                w += sh->w[j].welcomed, f += sh->w[j].failed;
            fprintf(stderr, "loadgen: worker %d did not report '%c' within %d s "
                    "(welcomed %" PRIu64 ", failed %" PRIu64 ")\n", i, want, secs, w, f);
            kill_kids();
            exit(1);
        }
    }
}

/*
 * Agent accounts bench-agent-I and their session tokens. The admin creates each
 * one first (409: it exists from an earlier run), so no sign-in fails: failed
 * sign-ins from one address lock it out after 20, as they should.
 */
static char **agent_tokens(int m)
{
    char body[600], out[65536], email[128], admin[256] = "", t[256];
    const char *pw = "bench agent password 1";
    char **tokens = calloc((size_t)m + 1, sizeof(char *));
    snprintf(admin, sizeof(admin), "%s", opt.admin);
    char *colon = strchr(admin, ':');
    if (!tokens || !colon)
        goto fail;
    *colon = 0;
    snprintf(body, sizeof(body), "{\"email\":\"%s\",\"password\":\"%s\"}", admin, colon + 1);
    if (http1(opt.host, opt.port, "POST", "/api/login", NULL, body, out, sizeof(out)) != 200 ||
        json_str(out, strlen(out), "token", t, sizeof(t))) {
        fprintf(stderr, "loadgen: admin login failed: %s\n", out);
        goto fail;
    }
    char *tok_admin = strdup(t);
    for (int i = 0; tok_admin && i < m; i++) {
        snprintf(email, sizeof(email), "bench-agent-%d@bench.test", i);
        snprintf(body, sizeof(body), "{\"email\":\"%s\",\"name\":\"Bench %d\",\"password\":\"%s\","
                 "\"role\":\"agent\"}", email, i, pw);
        int st = http1(opt.host, opt.port, "POST", "/api/agents", tok_admin, body, out, sizeof(out));
        if (st / 100 != 2 && st != 409) {
            fprintf(stderr, "loadgen: creating %s: %d %s\n", email, st, out);
            break;
        }
        snprintf(body, sizeof(body), "{\"email\":\"%s\",\"password\":\"%s\"}", email, pw);
        st = http1(opt.host, opt.port, "POST", "/api/login", NULL, body, out, sizeof(out));
        if (st != 200 || json_str(out, strlen(out), "token", t, sizeof(t))) {
            fprintf(stderr, "loadgen: login %s: %d %s\n", email, st, out);
            break;
        }
        tokens[i] = strdup(t);
    }
    free(tok_admin);
    for (int i = 0; i < m; i++)
        if (!tokens[i])
            goto fail;
    return tokens;
fail:
    if (tokens)
        for (int i = 0; i < m; i++)
            free(tokens[i]);
    free(tokens);
    return NULL;
}

static double ms(uint64_t ns) { return (double)ns / 1e6; }

static void print_hist(const char *name, const struct hist *h)
{
    printf("  %-22s n=%-9" PRIu64 " p50 %8.3f  p99 %8.3f  p99.9 %8.3f  max %8.3f ms\n", name,
           h->count, ms(hist_quantile(h, .5)), ms(hist_quantile(h, .99)),
           ms(hist_quantile(h, .999)), ms(h->max));
}

static void kv_hist(char *out, size_t cap, const char *name, const struct hist *h)
{
    size_t l = strlen(out);
    snprintf(out + l, cap - l, " %s_p50_ms=%.3f %s_p99_ms=%.3f %s_p999_ms=%.3f %s_max_ms=%.3f",
             name, ms(hist_quantile(h, .5)), name, ms(hist_quantile(h, .99)), name,
             ms(hist_quantile(h, .999)), name, ms(h->max));
}

static int coldstart(int argc, char **argv)
{
    if (argc < 5 || strcmp(argv[3], "--")) {
        usage();
        return 2;
    }
    int port = atoi(argv[2]);
    uint64_t t0 = now_ns();
    pid_t pid = fork();
    if (pid == 0) {
        execvp(argv[4], argv + 4);
        perror("loadgen: exec");
        _exit(127);
    }
    int status;
    for (;;) {
        if (http1("127.0.0.1", port, "GET", "/healthz", NULL, NULL, NULL, 0) == 200)
            break;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            fprintf(stderr, "loadgen: the server exited before /healthz answered\n");
            return 1;
        }
        struct timespec ts = {0, 200000};
        nanosleep(&ts, NULL);
    }
    double t = ms(now_ns() - t0);
    printf("cold start to /healthz 200: %.1f ms\nRESULT scenario=coldstart ms=%.1f\n", t, t);
    kill(pid, SIGTERM);
    waitpid(pid, &status, 0);
    return 0;
}

static int parse(int argc, char **argv)
{
    static const struct option lo[] = {
        {"host", 1, 0, 'H'}, {"port", 1, 0, 'p'}, {"pid", 1, 0, 'P'}, {"src", 1, 0, 's'},
        {"workers", 1, 0, 'w'}, {"cap", 1, 0, 'c'}, {"conns", 1, 0, 'n'}, {"convs", 1, 0, 'C'},
        {"rate", 1, 0, 'r'}, {"window", 1, 0, 'W'}, {"agents-per", 1, 0, 'k'},
        {"duration", 1, 0, 'd'}, {"warmup", 1, 0, 'u'}, {"settle", 1, 0, 'S'},
        {"cpu-window", 1, 0, 'z'}, {"size", 1, 0, 'b'}, {"admin", 1, 0, 'a'}, {"raw", 1, 0, 'R'},
        {"subproto", 1, 0, 'x'}, {"agent-port", 1, 0, 'A'}, {"nodes", 1, 0, 'N'}, {"label", 1, 0, 'l'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    if (argc < 2)
        return -1;
    if (!strcmp(argv[1], "idle")) opt.sc = SC_IDLE;
    else if (!strcmp(argv[1], "chat")) opt.sc = SC_CHAT;
    else if (!strcmp(argv[1], "storm")) opt.sc = SC_STORM;
    else return -1;
    int c;
    optind = 2;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1)
        switch (c) {
        case 'H': opt.host = optarg; break;
        case 'p': opt.port = atoi(optarg); break;
        case 'P':
            for (char *t = strtok(optarg, ","); t && opt.n_pid < 8; t = strtok(NULL, ","))
                opt.pid[opt.n_pid++] = atoi(t);
            break;
        case 'A': opt.agent_port = atoi(optarg); break;
        case 'N':
            for (char *t = strtok(optarg, ","); t && opt.n_nodes < 8; t = strtok(NULL, ","))
                opt.nodes[opt.n_nodes++] = atoi(t);
            break;
        case 's': opt.src = atoi(optarg); break;
        case 'w': opt.workers = atoi(optarg); break;
        case 'c': opt.cap = atoi(optarg); break;
        case 'n': opt.conns = atoi(optarg); break;
        case 'C': opt.convs = atoi(optarg); break;
        case 'r': opt.rate = atof(optarg); break;
        case 'W': opt.window = atoi(optarg); break;
        case 'k': opt.agents_per = atoi(optarg); break;
        case 'd': opt.duration = atof(optarg); break;
        case 'u': opt.warmup = atof(optarg); break;
        case 'S': opt.settle = atof(optarg); break;
        case 'z': opt.cpu_window = atof(optarg); break;
        case 'b': opt.size = atoi(optarg); break;
        case 'a': opt.admin = optarg; break;
        case 'R': opt.raw = optarg; break;
        case 'x': opt.subproto = optarg; break;
        case 'l': opt.label = optarg; break;
        default: return -1;
        }
    if (opt.workers < 1 || opt.workers > 64 || opt.src < 1 || opt.src > 254 || opt.cap < 1)
        return -1;
    if (opt.raw && opt.sc == SC_CHAT && opt.rate <= 0)
        return -1;                            /* flood needs acks */
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "coldstart"))
        return coldstart(argc, argv);
    if (parse(argc, argv)) {
        usage();
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    int total = opt.sc == SC_CHAT ? opt.convs : opt.conns;
    int first[65], agents[64], m = 0;
    for (int i = 0; i <= opt.workers; i++)
        first[i] = (int)((long)total * i / opt.workers);
    for (int i = 0; i < opt.workers; i++) {
        int n = first[i + 1] - first[i];
        agents[i] = opt.sc == SC_CHAT && !opt.raw && opt.agents_per > 0
                        ? (n + opt.agents_per - 1) / opt.agents_per : 0;
        m += agents[i];
    }
    char **tokens = NULL;
    uint64_t t_setup = now_ns();
    if (m && !(tokens = agent_tokens(m)))
        return 1;
    size_t shsz = sizeof(struct shared) + (size_t)opt.workers * sizeof(struct wstats);
    struct shared *sh = mmap(NULL, shsz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED)
        return 1;
    sh->m0 = sh->m1 = sh->t_stop_send = UINT64_MAX;
    double cpu0, cpu1;
    long rss0, rss1, rss_w0 = -1;   /* before connecting, at the end, at the window's start */
    read_proc(&cpu0, &rss0);
    fflush(stdout);
    for (int i = 0, tb = 0; i < opt.workers; tb += agents[i], i++) {
        int a[2], b[2];
        if (pipe(a) || pipe(b))
            return 1;
        if ((kids[i] = fork()) == 0) {
            close(a[1]);
            close(b[0]);
            worker_main(i, first[i], first[i + 1] - first[i], tokens ? tokens + tb : NULL,
                        agents[i], sh, a[0], b[1]);
        }
        close(a[0]);
        close(b[1]);
        to_kid[i] = a[1];
        from_kid[i] = b[0];
    }
    char res[2048];
    uint64_t t_go = 0, t_end = 0;
    snprintf(res, sizeof(res), "RESULT label=%s scenario=%s", opt.label, argv[1]);
    wait_all('r', 300, sh);
    double setup_s = (double)(now_ns() - t_setup) / 1e9;
    if (opt.sc == SC_IDLE) {
        sleep_until(now_ns() + (uint64_t)(opt.settle * 1e9));
        read_proc(&cpu0, &rss_w0);
        uint64_t w0 = now_ns();
        sleep_until(w0 + (uint64_t)(opt.cpu_window * 1e9));
        read_proc(&cpu1, &rss1);
        t_end = now_ns();
        send_all('s');
        (void)w0;
        t_go = w0;
    } else if (opt.sc == SC_STORM) {
        read_proc(&cpu0, &rss1);
        t_go = sh->t_go = now_ns();
        send_all('g');
        wait_all('d', 300, sh);
        read_proc(&cpu1, &rss1);
        send_all('s');
    } else {
        t_go = now_ns() + 20000000u;
        sh->m0 = t_go + (uint64_t)(opt.warmup * 1e9);
        sh->m1 = sh->t_stop_send = sh->m0 + (uint64_t)(opt.duration * 1e9);
        sh->t_go = t_go;
        send_all('g');
        sleep_until(sh->m0);
        read_proc(&cpu0, &rss1);
        sleep_until(sh->m1);
        read_proc(&cpu1, &rss1);
        wait_all('d', 60, sh);
        send_all('s');
    }
    for (int i = 0; i < opt.workers; i++)
        waitpid(kids[i], NULL, 0);
    static struct wstats t;
    for (int i = 0; i < opt.workers; i++) {
        struct wstats *w = &sh->w[i];
        t.opened += w->opened, t.welcomed += w->welcomed, t.failed += w->failed;
        t.held += w->held, t.errors += w->errors, t.sent += w->sent, t.acked += w->acked;
        t.echoed += w->echoed, t.delivered += w->delivered, t.sent_all += w->sent_all;
        t.acked_all += w->acked_all, t.echoed_all += w->echoed_all;
        t.delivered_all += w->delivered_all;
        if (w->t_last > t.t_last)
            t.t_last = w->t_last;
        hist_merge(&t.echo, &w->echo);
        hist_merge(&t.deliver, &w->deliver);
        hist_merge(&t.ack, &w->ack);
        hist_merge(&t.welcome, &w->welcome);
        hist_merge(&t.lag, &w->lag);
    }
    double cpu = cpu0 >= 0 && cpu1 >= 0 ? cpu1 - cpu0 : -1;
    size_t l = strlen(res);
    printf("== %s %s (workers %d, sources %d)\n", opt.label, argv[1], opt.workers, opt.src);
    if (opt.sc == SC_IDLE) {
        double per = t.held ? (double)(rss1 - rss0) * 1024.0 / (double)t.held : 0;
        double pct = cpu >= 0 ? 100.0 * cpu / ((double)(t_end - t_go) / 1e9) : -1;
        printf("  held %" PRIu64 " of %d (failed %" PRIu64 ") after %.1f s; server RSS %ld -> %ld KiB"
               " = %.0f B per connection; idle server CPU %.2f %% over %.0f s (RSS %ld KiB at its"
               " start)\n", t.held, opt.conns, t.failed, setup_s, rss0, rss1, per, pct,
               opt.cpu_window, rss_w0);
        snprintf(res + l, sizeof(res) - l, " conns=%d held=%" PRIu64 " failed=%" PRIu64
                 " connect_s=%.2f rss_before_kb=%ld rss_window_kb=%ld rss_after_kb=%ld"
                 " rss_per_conn_b=%.0f cpu_pct=%.2f idle_s=%.0f",
                 opt.conns, t.held, t.failed, setup_s, rss0, rss_w0, rss1, per, pct, opt.cpu_window);
        print_hist("hello->welcome", &t.welcome);
        kv_hist(res, sizeof(res), "welcome", &t.welcome);
    } else if (opt.sc == SC_STORM) {
        double secs = (double)(t.t_last - t_go) / 1e9;
        double rate = secs > 0 ? (double)t.welcomed / secs : 0;
        printf("  %" PRIu64 " welcomed (failed %" PRIu64 ") in %.2f s = %.0f connections/s;"
               " server CPU %.2f s = %.3f ms per connection\n", t.welcomed, t.failed, secs, rate,
               cpu, t.welcomed ? cpu * 1e3 / (double)t.welcomed : 0);
        snprintf(res + l, sizeof(res) - l, " conns=%d welcomed=%" PRIu64 " failed=%" PRIu64
                 " secs=%.3f conn_per_s=%.0f cpu_s=%.2f", opt.conns, t.welcomed, t.failed, secs,
                 rate, cpu);
        print_hist("connect->welcome", &t.welcome);
        kv_hist(res, sizeof(res), "welcome", &t.welcome);
    } else {
        double d = opt.duration;
        uint64_t deliveries = t.echoed + t.delivered;
        printf("  %d conversations, %.0f msg/s each (%s), window %.1f s: sent %" PRIu64
               ", acked %" PRIu64 ", echoed %" PRIu64 ", delivered to agents %" PRIu64
               ", errors %" PRIu64 "\n", opt.convs, opt.rate, opt.rate > 0 ? "open loop" : "flood",
               d, t.sent, t.acked, t.echoed, t.delivered, t.errors);
        printf("  %.0f msgs/s in, %.0f acked/s, %.0f deliveries/s; server CPU %.2f s ="
               " %.0f deliveries per CPU-second (%.0f msgs in per CPU-second)\n",
               (double)t.sent / d, (double)t.acked / d, (double)deliveries / d, cpu,
               cpu > 0 ? (double)deliveries / cpu : 0, cpu > 0 ? (double)t.sent / cpu : 0);
        snprintf(res + l, sizeof(res) - l, " convs=%d window=%d rate=%.0f sent=%" PRIu64 " acked=%" PRIu64
                 " echoed=%" PRIu64 " delivered=%" PRIu64 " errors=%" PRIu64 " msgs_per_s=%.0f"
                 " acked_per_s=%.0f deliveries_per_s=%.0f cpu_s=%.2f deliveries_per_cpu_s=%.0f"
                 " msgs_per_cpu_s=%.0f sent_all=%" PRIu64 " acked_all=%" PRIu64, opt.convs, opt.window,
                 opt.rate, t.sent, t.acked, t.echoed, t.delivered, t.errors, (double)t.sent / d,
                 (double)t.acked / d, (double)deliveries / d, cpu, cpu > 0 ? (double)deliveries / cpu : 0,
                 cpu > 0 ? (double)t.sent / cpu : 0, t.sent_all, t.acked_all);
        print_hist("send->echo (visitor)", &t.echo);
        print_hist("send->agent", &t.deliver);
        print_hist("send->ack", &t.ack);
        print_hist("send lag (loadgen)", &t.lag);
        kv_hist(res, sizeof(res), "echo", &t.echo);
        kv_hist(res, sizeof(res), "deliver", &t.deliver);
        kv_hist(res, sizeof(res), "ack", &t.ack);
        kv_hist(res, sizeof(res), "lag", &t.lag);
    }
    puts(res);
    return 0;
}
