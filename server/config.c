/*
 * Options, their PARLEY_* environment twins, and --help.
 *
 * One table drives parsing, the environment and the help text, so an option can't
 * exist in one and be missing from another. Strings in struct config are owned
 * copies (config_free releases them).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "parley/bus.h"
#include "parley/config.h"
#include "parley/store.h"

enum opt_kind { OPT_STR, OPT_INT, OPT_DURABILITY };

struct opt {
    const char *name, *env, *arg, *help;
    enum opt_kind kind;
    size_t offset;
    int min, max;
};

#define STR(field) OPT_STR, offsetof(struct config, field), 0, 0
#define INT(field, lo, hi) OPT_INT, offsetof(struct config, field), lo, hi

static const struct opt opts[] = {
    {"port", "PARLEY_PORT", "N", "TCP port for HTTP and WebSockets (default 8080)", INT(port, 0, 65535)},
    {"db", "PARLEY_DB", "PATH", "SQLite database file (default ./data/parley.db)", STR(db)},
    {"store", "PARLEY_STORE", "URL", "store: sqlite:PATH (default, from --db) or postgresql://user:pass@host:port/db", STR(store)},
    {"bus", "PARLEY_BUS", "URL", "event bus between nodes: local (default) or redis://[[user]:password@]host:port", STR(bus)},
    {"faq", "PARLEY_FAQ", "FILE", "JSON array of FAQ entries; replaces the stored FAQ at start", STR(faq)},
    {"allowed-origins", "PARLEY_ALLOWED_ORIGINS", "LIST",
     "comma list of origins allowed to open WebSockets (empty = any)", STR(allowed_origins)},
    {"rate-limit", "PARLEY_RATE_LIMIT", "N",
     "frames per second per connection, burst of 5 s (default 20; 0 = off)", INT(rate_limit, 0, 1000000)},
    {"max-conns-per-ip", "PARLEY_MAX_CONNS_PER_IP", "N",
     "WebSockets one address may hold (default 200; 0 = no limit, e.g. behind a proxy)",
     INT(max_conns_per_ip, 0, 1000000)},
    {"trusted-proxies", "PARLEY_TRUSTED_PROXIES", "LIST",
     "comma list of proxy IPs/CIDRs whose X-Forwarded-For names the client (default none)",
     STR(trusted_proxies)},
    {"web-root", "PARLEY_WEB_ROOT", "DIR", "directory holding widget.js, demo.html, dashboard/", STR(web_root)},
    {"bot-misses", "PARLEY_BOT_MISSES", "N",
     "unanswered questions before the bot hands over to a person (default 2)", INT(bot_misses, 1, 100)},
    {"agent-grace", "PARLEY_AGENT_GRACE", "SECS",
     "how long a disconnected agent keeps their conversations (default 60)", INT(agent_grace, 0, 86400)},
    {"identity-secret", "PARLEY_IDENTITY_SECRET", "SECRET",
     "key for signed visitor identities (user_id + HMAC-SHA256 from the site's server)",
     STR(identity_secret)},
    {"require-identity", "PARLEY_REQUIRE_IDENTITY", "0|1",
     "1: refuse visitors without a valid signed identity (default 0)", INT(require_identity, 0, 1)},
    {"ping-secs", "PARLEY_PING_SECS", "SECS",
     "ping a quiet WebSocket peer after SECS, drop it SECS/2 later without a pong (default 30)",
     INT(ping_secs, 1, 3600)},
    {"fold-diacritics", "PARLEY_FOLD_DIACRITICS", "0|1",
     "1: FAQ entries that do not say otherwise match without accents (dwr = dŵr; default 0)",
     INT(fold_diacritics, 0, 1)},
    {"webhook-retry-base-ms", "PARLEY_WEBHOOK_RETRY_BASE_MS", "MS",
     "delay before a failed webhook delivery's first retry; then x3, x12, x60, x360 (default 10000)",
     INT(webhook_retry_base_ms, 1, 3600000)},
    {"shutdown-secs", "PARLEY_SHUTDOWN_SECS", "SECS",
     "on SIGTERM, how long to keep writing queued frames before closing (default 5)",
     INT(shutdown_secs, 0, 600)},
    {"session-hours", "PARLEY_SESSION_HOURS", "N", "agent session lifetime (default 12)", INT(session_hours, 1, 24 * 365)},
    {"commit-delay-us", "PARLEY_COMMIT_DELAY_US", "US",
     "group commit: let waiting writes gather this long before committing them; less CPU per message, "
     "more latency (0-100000, default 0: commit at once)",
     INT(commit_delay_us, 0, 100000)},
    {"durability", "PARLEY_DURABILITY", "full|normal",
     "SQLite synchronous mode for commits (default full)", OPT_DURABILITY,
     offsetof(struct config, durability), 0, 0},
};

static void usage(FILE *f)
{
    fprintf(f, "Usage: parley [OPTION]...\n"
               "       parley faq check FILE   validate an FAQ file, listing every problem\n"
               "       parley migrate --from sqlite:PATH --to postgresql://...\n"
               "                               copy an install into an empty PostgreSQL database\n"
               "Parley: a live-chat server (visitor widget, FAQ bot, agent dashboard).\n\n");
    for (size_t i = 0; i < PL_ARRAY_LEN(opts); i++) {
        char left[64];
        snprintf(left, sizeof(left), "--%s %s", opts[i].name, opts[i].arg);
        fprintf(f, "  %-26s %s\n  %-26s   env %s\n", left, opts[i].help, "", opts[i].env);
    }
    fprintf(f, "  %-26s %s\n", "--help", "print this help and exit");
    fprintf(f, "  %-26s %s\n", "--version", "print the version and exit");
    fprintf(f, "\nFirst admin: PARLEY_ADMIN_EMAIL and PARLEY_ADMIN_PASSWORD create it when the\n"
               "database has no agent yet (otherwise one is generated and printed once).\n");
}

static int set_opt(struct config *c, const struct opt *o, const char *val, const char *from)
{
    char *base = (char *)c + o->offset;
    if (o->kind == OPT_STR) {
        char **dst = (char **)(void *)base;
        char *copy = strdup(val);
        if (!copy)
            return -1;
        free(*dst);
        *dst = copy;
        return 0;
    }
    if (o->kind == OPT_DURABILITY) {
        enum store_durability *d = (enum store_durability *)(void *)base;
        if (!strcmp(val, "full"))
            *d = STORE_DURABILITY_FULL;
        else if (!strcmp(val, "normal"))
            *d = STORE_DURABILITY_NORMAL;
        else {
            fprintf(stderr, "parley: %s: durability must be full or normal, not '%s'\n", from, val);
            return -1;
        }
        return 0;
    }
    char *end;
    errno = 0;
    long v = strtol(val, &end, 10);
    if (errno || end == val || *end || v < o->min || v > o->max) {
        fprintf(stderr, "parley: %s: expected a number from %d to %d, not '%s'\n", from, o->min,
                o->max, val);
        return -1;
    }
    *(int *)(void *)base = (int)v;
    return 0;
}

static int set_defaults(struct config *c)
{
    memset(c, 0, sizeof(*c));
    c->port = 8080;
    c->rate_limit = 20;
    c->webhook_retry_base_ms = 10000;
    c->max_conns_per_ip = 200;
    c->bot_misses = 2;
    c->session_hours = 12;
    c->agent_grace = 60;
    c->ping_secs = 30;
    c->shutdown_secs = 5;
    c->durability = STORE_DURABILITY_FULL;
    c->db = strdup("./data/parley.db");
    c->bus = strdup("local");
    return c->db && c->bus ? 0 : -1;
}

static int apply_env(struct config *c)
{
    for (size_t i = 0; i < PL_ARRAY_LEN(opts); i++) {
        const char *v = getenv(opts[i].env);
        if (v && *v && set_opt(c, &opts[i], v, opts[i].env))
            return -1;
    }
    const char *e = getenv("PARLEY_ADMIN_EMAIL"), *p = getenv("PARLEY_ADMIN_PASSWORD");
    if (e && *e && !(c->admin_email = strdup(e)))
        return -1;
    if (p && *p && !(c->admin_password = strdup(p)))
        return -1;
    return 0;
}

/* The web root defaults to the source tree's widget/ beside build/, else the
 * installed copy (the Docker image puts it in /usr/share/parley/web). */
static int default_web_root(struct config *c, const char *argv0)
{
    if (c->web_root)
        return 0;
    char exe[PATH_MAX], cand[PATH_MAX + 32];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0) {
        snprintf(exe, sizeof(exe), "%s", argv0);
        n = (ssize_t)strlen(exe);
    }
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash)
        *slash = '\0';
    const char *tries[] = {"/../widget", "/../share/parley/web", NULL};
    for (size_t i = 0; i < PL_ARRAY_LEN(tries); i++) {
        if (tries[i])
            snprintf(cand, sizeof(cand), "%s%s", exe, tries[i]);
        else
            snprintf(cand, sizeof(cand), "/usr/share/parley/web");
        char probe[PATH_MAX + 48];
        snprintf(probe, sizeof(probe), "%s/widget.js", cand);
        if (access(probe, R_OK) == 0)
            return (c->web_root = strdup(cand)) ? 0 : -1;
    }
    return (c->web_root = strdup("widget")) ? 0 : -1;
}

int config_parse(int argc, char **argv, struct config *c)
{
    if (set_defaults(c) || apply_env(c))
        goto fail;
    struct option longs[PL_ARRAY_LEN(opts) + 3];
    size_t i;
    for (i = 0; i < PL_ARRAY_LEN(opts); i++)
        longs[i] = (struct option){opts[i].name, required_argument, NULL, (int)(i + 256)};
    longs[i++] = (struct option){"help", no_argument, NULL, 'h'};
    longs[i++] = (struct option){"version", no_argument, NULL, 'V'};
    longs[i] = (struct option){0, 0, 0, 0};
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
        if (ch == 'h') {
            usage(stdout);
            config_free(c);
            return 1;
        }
        if (ch == 'V') {
            printf("parley 0.1.0\n");
            config_free(c);
            return 1;
        }
        if (ch < 256) {
            usage(stderr);
            goto fail;
        }
        const struct opt *o = &opts[ch - 256];
        char from[64];
        snprintf(from, sizeof(from), "--%s", o->name);
        if (set_opt(c, o, optarg, from))
            goto fail;
    }
    if (optind < argc) {
        fprintf(stderr, "parley: unexpected argument '%s' (see --help)\n", argv[optind]);
        goto fail;
    }
    if (c->store && strncmp(c->store, "sqlite:", 7) != 0 && !config_store_is_pg(c)) {
        fprintf(stderr, "parley: --store: expected sqlite:PATH or postgresql://...\n");
        goto fail;
    }
    char why[96];
    /* Parsed here so a bad URL is refused before anything starts; bus_init uses it. */
    if (bus_configure(c->bus, why, sizeof(why))) {
        char safe[512];
        bus_url_safe(c->bus, safe, sizeof(safe));        /* never print a password */
        fprintf(stderr, "parley: --bus %s: %s\n", safe, why);
        goto fail;
    }
    if (c->require_identity && !c->identity_secret) {
        fprintf(stderr, "parley: --require-identity needs --identity-secret\n");
        goto fail;
    }
    if (default_web_root(c, argv[0]))
        goto fail;
    return 0;
fail:
    config_free(c);
    return -1;
}

int config_store_is_pg(const struct config *c)
{
    return store_url_is_pg(c->store);
}

const char *config_store_target(const struct config *c)
{
    if (c->store && !strncmp(c->store, "sqlite:", 7))
        return c->store + 7;
    return config_store_is_pg(c) ? c->store : c->db;
}

void config_free(struct config *c)
{
    free(c->db);
    free(c->store);
    free(c->bus);
    free(c->faq);
    free(c->allowed_origins);
    free(c->trusted_proxies);
    free(c->web_root);
    free(c->admin_email);
    free(c->admin_password);
    free(c->identity_secret);
    memset(c, 0, sizeof(*c));
}
