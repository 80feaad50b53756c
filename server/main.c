/*
 * Parley: start-up, the event loop and an orderly shutdown.
 *
 * Start-up does everything that may fail before the port opens (database,
 * migrations, first admin, FAQ, pages), so a running server is a working one.
 * Shutdown on SIGTERM/SIGINT stops accepting, lets the store commit and report
 * everything it was given, and closes the database before exiting 0.
 */
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
#include "parley/faq_store.h"
#include "parley/http.h"
#include "parley/jobs.h"
#include "parley/limits.h"
#include "parley/loop.h"
#include "parley/router.h"
#include "parley/ws.h"

static volatile sig_atomic_t stopping;
static struct lws_context *context;

static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
    if (context)
        lws_cancel_service(context);
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
    if (cfg->faq && faq_store_import_file(st, cfg->faq) != PL_OK)
        return -1;
    struct faq_set *set = NULL;
    if (faq_store_build(st, &set) != PL_OK)
        return -1;
    conv_set_faq(set);
    return 0;
}

/* Settings the admin changed over REST, as stored. */
static int load_settings(struct store *st)
{
    struct store_setting_list l = {0};
    char field[64], msg[160];
    if (faq_phrases_init() != PL_OK || store_settings(st, &l) != PL_OK)
        return -1;
    for (size_t i = 0; i < l.n; i++)
        if (!strcmp(l.v[i].key, "assignment"))
            router_set_auto(!strcmp(l.v[i].value, "auto"));
        else if (!strcmp(l.v[i].key, "human_phrases") &&
                 faq_apply_stored_human_phrases(l.v[i].value, field, sizeof(field), msg,
                                                sizeof(msg)) != PL_OK)
            fprintf(stderr, "parley: stored setting %s ignored: %s\n", field, msg);
    store_setting_list_free(&l);
    return 0;
}

static struct lws_context *make_context(const struct config *cfg)
{
    static const lws_retry_bo_t idle = {
        .secs_since_valid_ping = 30,     /* ping a quiet peer after 30 s */
        .secs_since_valid_hangup = 45,   /* and drop it 15 s later without a pong */
    };
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof(info));
    info.port = cfg->port;
    info.protocols = ws_protocols();
    info.vhost_name = "parley";
    info.options = LWS_SERVER_OPTION_VALIDATE_UTF8 | LWS_SERVER_OPTION_DISABLE_IPV6;
    info.retry_and_idle_policy = &idle;
    info.timeout_secs = 10;
    info.max_http_header_data = 4096;
    return lws_create_context(&info);
}

static lws_sorted_usec_list_t sweep_timer;

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
    struct config cfg;
    int rc = config_parse(argc, argv, &cfg);
    if (rc)
        return rc > 0 ? 0 : 2;
    lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct store *st = NULL;
    const char *db = config_sqlite_path(&cfg);
    struct conv_options copt = {cfg.rate_limit, cfg.bot_misses, cfg.session_hours,
                                cfg.identity_secret, cfg.require_identity};
    /* A person types a few messages a second at most, whatever the tab count. */
    struct limit_options lopt = {cfg.max_conns_per_ip,
                                 cfg.rate_limit ? (cfg.rate_limit >= 8 ? cfg.rate_limit / 4.0 : 2.0) : 0};
    rc = 1;
    ensure_dir_of(db);
    if (auth_init() || conn_registry_init() || limit_init(&lopt)) {
        fprintf(stderr, "parley: cannot initialise\n");
        goto out;
    }
    if (store_open(db, cfg.durability, &st) != PL_OK) {
        fprintf(stderr, "parley: cannot open the database %s\n", db);
        goto out;
    }
    if (conv_init(st, &copt) || router_init(cfg.agent_grace) || load_settings(st) ||
        first_admin(st, &cfg) || load_faq(st, &cfg) ||
        ws_init(cfg.allowed_origins) || http_static_init(cfg.web_root) || jobs_start())
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
    sweep(&sweep_timer);
    loop_drain();                        /* anything posted during start-up */
    printf("Parley is listening on http://localhost:%d\n"
           "  demo page:       http://localhost:%d/\n"
           "  agent dashboard: http://localhost:%d/agent/\n",
           cfg.port, cfg.port, cfg.port);
    while (!stopping)
        if (lws_service(context, 0) < 0)
            break;
    printf("parley: shutting down\n");
    rc = 0;
out:
    router_shutdown();                   /* its timers live in the context */
    if (context) {
        lws_context_destroy(context);    /* closes every connection */
        context = NULL;
    }
    loop_bind(NULL);
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
    config_free(&cfg);
    return rc;
}
