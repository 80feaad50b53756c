/*
 * Parley: start-up, the event loop and an orderly shutdown.
 *
 * Start-up does everything that may fail before the port opens (database,
 * migrations, first admin, FAQ, pages), so a running server is a working one.
 * Shutdown on SIGTERM/SIGINT stops accepting, lets the store commit and report
 * everything it was given, writes every connection's queued frames before a
 * 1001 close (drain.c, bounded by --shutdown-secs), and closes the database
 * before exiting 0.
 */
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <libwebsockets.h>
#include "parley/auth.h"
#include "parley/config.h"
#include "parley/conn.h"
#include "parley/conv.h"
#include "parley/drain.h"
#include "parley/faq_store.h"
#include "parley/http.h"
#include "parley/hours.h"
#include "parley/jobs.h"
#include "parley/limits.h"
#include "parley/loop.h"
#include "parley/migrate.h"
#include "parley/proto_site.h"
#include "parley/netaddr.h"
#include "parley/router.h"
#include "parley/sync.h"
#include "parley/webhook.h"
#include "parley/ws.h"

static volatile sig_atomic_t stopping;
static struct lws_context *context;
/* Set when the loop runs on an event library (epoll) rather than lws' poll(). */
static int evlib;
static int stop_begun;
/* The drain (drain.c) needs these from the loop thread once a signal came. */
static struct store *drain_store;
static int drain_secs;
static volatile int drained;

static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
    if (context)
        lws_cancel_service(context);
}

/*
 * On an event library lws_service() runs the library's loop until it ends, so
 * the `stopping` flag alone cannot end it. Instead the loop thread starts the
 * context's destruction (lws' documented pattern for internal event loops):
 * every connection is closed from inside the loop, the loop returns, and the
 * final lws_context_destroy() in main() frees the rest. The router goes first
 * because its timers live in the context (as in the poll() path).
 */
static void begin_stop(void)
{
    if (stop_begun || !context)
        return;
    stop_begun = 1;
    router_shutdown();
    lws_context_destroy(context);
}

/* The drain is over: the poll() loop in main() sees `drained` when
 * lws_service() returns; an event-library loop is ended from here. */
static void on_drained(void)
{
    drained = 1;
    if (evlib)
        begin_stop();
    else
        lws_cancel_service(context);     /* lws_service() may be waiting for a far timer */
}

/* Loop thread, after a signal: writes what is owed, then stops (drain.h). */
static void begin_drain(void)
{
    if (!drain_active())
        drain_start(context, drain_store, drain_secs, on_drained);
}

/* Signals the event library caught itself (libev: SIGINT). Runs on the loop
 * thread. */
static void on_evlib_signal(void *handle, int sig)
{
    (void)handle;
    (void)sig;
    stopping = 1;
    begin_drain();
}

/* The protocol table with its callback wrapped, so that a SIGTERM (which wakes
 * the loop through lws_cancel_service) starts the drain on the loop thread,
 * whichever loop runs. */
static struct lws_protocols wrapped[2];
static lws_callback_function *inner_cb;

static int outer_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    if (reason == LWS_CALLBACK_EVENT_WAIT_CANCELLED && stopping) {
        int rc = inner_cb(wsi, reason, user, in, len);
        begin_drain();
        return rc;
    }
    return inner_cb(wsi, reason, user, in, len);
}

/* Creates the parent directory of the database file if it is missing. */
static void ensure_dir_of(const char *path)
{
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        mkdir(dir, 0750);
    }
}

static int first_admin(struct store *st, const struct config *cfg)
{
    int64_t n = 0;
    if (store_agent_count(st, &n) != PL_OK)
        return -1;
    if (n > 0)
        return 0;
    char generated[AUTH_TOKEN_LEN + 1], hash[AUTH_HASH_STR_LEN];
    const char *email = cfg->admin_email ? cfg->admin_email : "admin@parley.local";
    const char *password = cfg->admin_password;
    if (!password) {
        auth_new_token(generated);
        generated[20] = '\0';
        password = generated;
    }
    if (auth_hash_password(password, hash) ||
        store_create_agent_now(st, email, "Admin", "admin", hash, NULL) != PL_OK) {
        /* Another node starting on the same database at once may have won. */
        if (store_agent_count(st, &n) == PL_OK && n > 0)
            return 0;
        fprintf(stderr, "parley: could not create the first admin\n");
        return -1;
    }
    if (cfg->admin_password)
        printf("First admin created: %s (password from PARLEY_ADMIN_PASSWORD)\n", email);
    else
        printf("First admin created. Sign in with:\n  email:    %s\n  password: %s\n"
               "(shown once; set PARLEY_ADMIN_EMAIL/PARLEY_ADMIN_PASSWORD to choose)\n",
               email, password);
    return 0;
}

static int load_faq(struct store *st, const struct config *cfg)
{
    faq_set_default_fold_diacritics(cfg->fold_diacritics);
    if (cfg->faq && faq_store_import_file(st, cfg->faq) != PL_OK)
        return -1;
    struct faq_set *set = NULL;
    if (faq_store_build(st, &set) != PL_OK)
        return -1;
    conv_set_faq(set);
    return 0;
}

/*
 * The event loop: "libev" (default) runs lws on libev's epoll loop through
 * Debian's plugin (libwebsockets-evlib-ev); "poll" is lws' built-in poll()
 * loop, which walks every socket on each turn (about 30 % of the server's CPU
 * in the chat benchmark). The environment variable PARLEY_EVENT_LOOP chooses;
 * if the plugin cannot be loaded, Parley falls back to poll() and says so.
 * libev was opt-in while rare ~1 s stalls seen once under heavy outside load
 * were not understood; alternating runs since showed it ahead on CPU and
 * latency every time and no stall (docs/performance.md), and poll() stays one
 * variable away. (lws 4.1.6 on libuv was tried and left out: close frames
 * with a status code were lost, peers saw 1006 instead of 4001/4008/1009.)
 */
#define EVLIB_EV_PLUGIN "libwebsockets-evlib_ev.so"

static uint64_t evlib_option(void)
{
    const char *e = getenv("PARLEY_EVENT_LOOP");
    if (e && *e && strcmp(e, "libev") && strcmp(e, "ev")) {
        if (strcmp(e, "poll"))
            fprintf(stderr, "parley: unknown PARLEY_EVENT_LOOP \"%s\"; using poll()\n", e);
        return 0;
    }
    /* Looked for first, the way lws will load it: a context that then fails
     * to start (a port in use) is not retried on poll() for nothing. */
    void *plugin = dlopen(EVLIB_EV_PLUGIN, RTLD_LAZY | RTLD_LOCAL);
    if (!plugin) {
        fprintf(stderr, "parley: %s not found (package libwebsockets-evlib-ev); using poll()\n",
                EVLIB_EV_PLUGIN);
        return 0;
    }
    dlclose(plugin);
    return LWS_SERVER_OPTION_LIBEV;
}

static struct lws_context *make_context(const struct config *cfg)
{
    /* No lws "validity" timers: Parley's keepalive sweep pings and drops quiet
     * peers (keepalive() below; conn.h says why). A policy with a zero hangup
     * turns lws' off; without one, lws would ping after 300 s by itself. */
    static lws_retry_bo_t idle;
    memcpy(wrapped, ws_protocols(), sizeof(wrapped));
    inner_cb = wrapped[0].callback;
    wrapped[0].callback = outer_cb;
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof(info));
    info.port = cfg->port;
    info.protocols = wrapped;
    info.vhost_name = "parley";
    info.options = LWS_SERVER_OPTION_VALIDATE_UTF8 | LWS_SERVER_OPTION_DISABLE_IPV6;
    info.retry_and_idle_policy = &idle;
    info.timeout_secs = 10;
    info.max_http_header_data = 4096;
    info.signal_cb = on_evlib_signal;
    info.options |= evlib_option();
    evlib = (info.options & LWS_SERVER_OPTION_LIBEV) != 0;
    return lws_create_context(&info);
}

static lws_sorted_usec_list_t sweep_timer;

/*
 * lws 4.1.6's libev glue arms its one ev_timer for the earliest lws timer and
 * never moves it earlier: a timer scheduled later for a sooner time (a 5 s
 * hello/auth deadline while a 30 s ping is armed) waited for the armed one. A
 * short repeating timer bounds that delay to EVLIB_TICK_MS; it costs ten
 * wake-ups a second when idle.
 */
#define EVLIB_TICK_MS 100
static lws_sorted_usec_list_t tick_timer;

static void tick(lws_sorted_usec_list_t *sul)
{
    lws_sul_schedule(context, 0, sul, tick, EVLIB_TICK_MS * LWS_US_PER_MS);
}

/* Keepalive: one sweep over the connections (conn_keepalive.c). A peer is
 * pinged after --ping-secs of silence and dropped if the next half of that
 * passes without a word from it. */
static lws_sorted_usec_list_t keepalive_timer;
static int64_t ping_ms;

static void keepalive(lws_sorted_usec_list_t *sul)
{
    conn_keepalive(pl_mono_ms(), ping_ms, (ping_ms / 1000 + 1) / 2 * 1000);
    lws_sul_schedule(context, 0, sul, keepalive, conn_keepalive_period_ms(ping_ms) * LWS_US_PER_MS);
}

static void sweep(lws_sorted_usec_list_t *sul)
{
    limit_sweep(pl_mono_ms());
    lws_sul_schedule(context, 0, sul, sweep, 60 * LWS_US_PER_SEC);
}

/* Lets every queued write commit and every result reach its callback. */
static void drain(struct store *st)
{
    for (int i = 0; i < 100; i++) {
        store_flush(st);
        if (loop_drain() == 0)
            return;
    }
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "faq")) {
        if (argc == 4 && !strcmp(argv[2], "check"))
            return faq_check_file(argv[3], stdout);
        fprintf(stderr, "usage: parley faq check FILE\n");
        return 2;
    }
    if (argc >= 2 && !strcmp(argv[1], "migrate"))
        return migrate_main(argc - 2, argv + 2);
    /* Before any thread exists: later zone changes then replace TZ, never add it. */
    if (hours_reserve_env() != PL_OK) {
        fprintf(stderr, "parley: out of memory\n");
        return 1;
    }
    struct config cfg;
    int rc = config_parse(argc, argv, &cfg);
    if (rc)
        return rc > 0 ? 0 : 2;
    if (netaddr_init(cfg.trusted_proxies)) {  /* a bad list is a bad option */
        config_free(&cfg);
        return 2;
    }
    lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct store *st = NULL;
    const char *db = config_store_target(&cfg);
    struct conv_options copt = {cfg.rate_limit, cfg.bot_misses, cfg.session_hours,
                                cfg.identity_secret, cfg.require_identity};
    /* A person types a few messages a second at most, whatever the tab count. */
    struct limit_options lopt = {cfg.max_conns_per_ip,
                                 cfg.rate_limit ? (cfg.rate_limit >= 8 ? cfg.rate_limit / 4.0 : 2.0) : 0};
    rc = 1;
    if (!config_store_is_pg(&cfg)) ensure_dir_of(db);
    if (auth_init() || conn_registry_init() || limit_init(&lopt)) {
        fprintf(stderr, "parley: cannot initialise\n");
        goto out;
    }
    if (store_open(db, cfg.durability, &st) != PL_OK) {
        /* A URL may hold a password: name only the kind of store. */
        fprintf(stderr, "parley: cannot open the database %s\n",
                config_store_is_pg(&cfg) ? "(postgresql)" : db);
        goto out;
    }
    store_set_commit_delay(st, cfg.commit_delay_us);
    if (conv_init(st, &copt) || router_init(cfg.agent_grace) || faq_phrases_init() != PL_OK ||
        sync_load_settings(st) != PL_OK ||
        first_admin(st, &cfg) || load_faq(st, &cfg) ||
        ws_init(cfg.allowed_origins) || http_static_init(cfg.web_root) || jobs_start() ||
        webhook_start(st, cfg.webhook_retry_base_ms))
        goto out;
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    context = make_context(&cfg);
    if (!context) {
        fprintf(stderr, "parley: cannot listen on port %d\n", cfg.port);
        goto out;
    }
    loop_bind(context);
    router_bind(context);
    drain_store = st;
    drain_secs = cfg.shutdown_secs;
    sweep(&sweep_timer);
    ping_ms = (int64_t)cfg.ping_secs * 1000;
    keepalive(&keepalive_timer);
    if (evlib)
        tick(&tick_timer);
    loop_drain();                        /* anything posted during start-up */
    printf("Parley is listening on http://localhost:%d\n"
           "  demo page:       http://localhost:%d/\n"
           "  agent dashboard: http://localhost:%d/agent/\n",
           cfg.port, cfg.port, cfg.port);
    if (evlib) {
        /* Runs until begin_stop() (or the loop has nothing left to watch). */
        lws_service(context, 0);
        stopping = 1;
    } else {
        while (!drained) {
            if (stopping)                /* a signal before the loop first waited */
                begin_drain();
            if (!drained && lws_service(context, 0) < 0)
                break;
        }
    }
    printf("parley: shutting down\n");
    rc = 0;
out:
    drain_cancel();
    router_shutdown();                   /* its timers live in the context */
    if (context) {
        lws_context_destroy(context);    /* closes every connection */
        context = NULL;
    }
    loop_bind(NULL);
    webhook_stop();                      /* its last outcomes are stored by drain() */
    jobs_stop();
    if (st)
        drain(st);
    store_close(st);
    loop_drain();
    conv_shutdown();
    http_static_free();
    ws_free();
    conn_registry_free();
    limit_free();
    netaddr_free();
    config_free(&cfg);
    return rc;
}
