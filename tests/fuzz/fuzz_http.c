/* libFuzzer: the HTTP handling Parley does itself, after lws has parsed the
 * request line and headers: the token from Authorization/Cookie, the client
 * address from X-Forwarded-For behind a trusted proxy, and the router (path,
 * path parameters, query parameters, method, body) with every handler behind
 * it, signed in or not, against a real store.
 *
 * Input: byte 0 picks the method, byte 1 bit 0 swaps in a valid admin token;
 * then newline-separated fields: path, query, Authorization, Cookie,
 * X-Forwarded-For; the rest is the body. Responses go to connection id 0, which
 * no connection has, so they are built and dropped like a vanished client's.
 * Password hashing (login, new agents) is not started: those handlers answer
 * at once as when the hasher is down. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../server/http_internal.h"
#include "parley/auth.h"
#include "parley/conn.h"
#include "parley/conv.h"
#include "parley/faq.h"
#include "parley/limits.h"
#include "parley/loop.h"
#include "parley/netaddr.h"
#include "parley/router.h"
#include "parley/store.h"

static struct store *st;
static char dir[] = "/tmp/parley-fuzz-http-XXXXXX";

/* The scratch database goes with the process. */
static void remove_dir(void)
{
    static const char *const files[] = {"p.db", "p.db-wal", "p.db-shm"};
    char path[96];
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}
static struct netaddr_list *proxies;
static char admin_token[AUTH_TOKEN_LEN + 1];

static void session_done(void *ctx, const struct store_result *r)
{
    *(int *)ctx = r->status == PL_OK ? 1 : -1;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char db[64], err[160], hash[AUTH_HASH_STR_LEN];
    static const struct conv_options copt = {20, 2, 12, NULL, 0};
    static const struct limit_options lopt = {200, 5};
    int64_t id = 0;
    if (!mkdtemp(dir))
        abort();
    atexit(remove_dir);
    snprintf(db, sizeof(db), "%s/p.db", dir);
    if (auth_init() || conn_registry_init() || limit_init(&lopt) ||
        store_open(db, STORE_DURABILITY_NORMAL, &st) != PL_OK || conv_init(st, &copt) ||
        router_init(60) || faq_phrases_init() != PL_OK || http_static_init("widget") ||
        netaddr_list_parse("127.0.0.1,10.0.0.0/8,::1", &proxies, err, sizeof(err)) ||
        auth_hash_password("fuzz password 1234", hash) ||
        store_create_agent_now(st, "admin@fuzz.test", "Admin", "admin", hash, &id) != PL_OK ||
        auth_new_token(admin_token))
        abort();
    uint8_t th[32];
    int done = 0;
    auth_hash_token(admin_token, th);
    if (store_create_session(st, th, id, pl_now_ms() + 3600 * 1000, session_done, &done) != PL_OK)
        abort();
    while (!done) {
        store_flush(st);
        loop_drain();
    }
    if (done < 0)
        abort();
    return 0;
}

/* The next newline-separated field of [*p, end) into out (truncated to len). */
static void field(const uint8_t **p, const uint8_t *end, char *out, size_t len)
{
    const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
    size_t n = (size_t)((nl ? nl : end) - *p);
    size_t k = n < len ? n : len - 1;
    memcpy(out, *p, k);
    out[k] = '\0';
    *p += n + (nl ? 1 : 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    static const enum http_method methods[8] = {HTTP_GET, HTTP_POST, HTTP_PUT, HTTP_DELETE,
                                                HTTP_PATCH, HTTP_HEAD, HTTP_OPTIONS, HTTP_OTHER};
    struct http_req *r = calloc(1, sizeof(*r));
    if (!r)
        return 0;
    const uint8_t *p = data + 2, *end = data + size;
    char authz[300], cookie[1024], xff[1024], addr[NETADDR_STRLEN];
    r->method = methods[data[0] & 7];
    field(&p, end, r->path, sizeof(r->path));
    field(&p, end, r->query, sizeof(r->query));
    field(&p, end, authz, sizeof(authz));
    field(&p, end, cookie, sizeof(cookie));
    field(&p, end, xff, sizeof(xff));
    http_auth_token(authz, cookie, r->token, sizeof(r->token));
    if (data[1] & 1)
        snprintf(r->token, sizeof(r->token), "%s", admin_token);
    netaddr_client(proxies, "127.0.0.1", xff, NULL, addr);
    snprintf(r->ip, sizeof(r->ip), "%s", addr);
    r->body_len = (size_t)(end - p);
    if (!(r->body = malloc(r->body_len + 1))) {
        free(r);
        return 0;
    }
    memcpy(r->body, p, r->body_len);
    r->body[r->body_len] = '\0';
    http_route(r);
    /* Writes the handlers queued commit; their callbacks answer (to no one). */
    for (int i = 0; i < 20; i++) {
        store_flush(st);
        if (!loop_drain())
            break;
    }
    free(r->body);
    free(r->resp);
    free(r->extra);
    free(r);
    return 0;
}
