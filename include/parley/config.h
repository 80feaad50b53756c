/*
 * Command-line options and their environment twins (contract: "Commands").
 * An option on the command line wins over its PARLEY_* variable.
 */
#ifndef PARLEY_CONFIG_H
#define PARLEY_CONFIG_H

#include "parley/store.h"

struct config {
    int port;
    char *db;                 /* SQLite path */
    char *store;              /* "sqlite:PATH" or NULL (from db) */
    char *bus;                /* "local" */
    char *faq;                /* FAQ file loaded at start, or NULL */
    char *allowed_origins;    /* comma list; NULL or "" = any */
    char *trusted_proxies;    /* comma list of IPs/CIDRs; NULL or "" = none */
    char *web_root;           /* where widget.js, demo.html, dashboard/ live */
    char *admin_email, *admin_password;
    int rate_limit;           /* frames/s per connection; 0 = off */
    int max_conns_per_ip;     /* WebSockets per peer address; 0 = off */
    int bot_misses;           /* "I don't know"s before the bot hands off */
    enum store_durability durability;
    int commit_delay_us;      /* group commit: how long waiting writes gather first */
    int session_hours;        /* agent session lifetime */
    int agent_grace;          /* seconds a disconnected agent keeps their chats */
    int ping_secs;            /* idle seconds before a WebSocket peer is pinged */
    int shutdown_secs;        /* SIGTERM: longest wait for send queues to drain */
    int fold_diacritics;      /* FAQ entries without "fold_diacritics" fold accents */
    char *identity_secret;    /* HMAC key for sites' signed visitor identities, or NULL */
    int require_identity;     /* refuse visitors without a valid signed identity */
    int webhook_retry_base_ms; /* the first webhook retry's delay; later ones grow from it */
};

/* Returns 0 to run, 1 when --help/--version was printed (exit 0), -1 on a bad
 * option (message printed; exit 2). argv0_dir helps find the web root. */
int config_parse(int argc, char **argv, struct config *out);
void config_free(struct config *c);
/* What store_open should open: the SQLite path (from --store sqlite:PATH or
 * --db) or the postgresql:// URL. */
const char *config_store_target(const struct config *c);
/* 1 when --store names PostgreSQL. */
int config_store_is_pg(const struct config *c);

#endif
