/*
 * Abuse limits that span connections: sockets per IP address, messages per
 * visitor (all their tabs together), and failed sign-ins per e-mail and per IP.
 *
 * Everything is in memory on the loop thread: a limit protects this process, and
 * a restart forgetting a lockout is harmless. Entries that have gone quiet are
 * swept once a minute so an attacker cycling addresses cannot grow the maps.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "parley/limits.h"
#include "parley/map.h"

#define LOGIN_FREE_TRIES 5           /* failures before a lockout starts */
#define LOGIN_WINDOW_MS (15 * 60 * 1000)
#define LOGIN_MAX_LOCK_MS (15 * 60 * 1000)
#define IDLE_MS (5 * 60 * 1000)

struct bucket { double tokens; int64_t at; };
struct failures { int count; int64_t first, locked_until, at; };

static struct map *ips, *visitors, *logins;
static struct limit_options opt;

int limit_init(const struct limit_options *o)
{
    opt = *o;
    ips = map_new();
    visitors = map_new();
    logins = map_new();
    return ips && visitors && logins ? 0 : -1;
}

static void free_value(const char *key, void *value, void *arg) { free(value); }

void limit_free(void)
{
    struct map *all[] = {visitors, logins};
    for (size_t i = 0; i < 2; i++)
        if (all[i]) {
            map_each(all[i], free_value, NULL);
            map_free(all[i]);
        }
    map_free(ips);                   /* values are counts, not pointers */
    ips = visitors = logins = NULL;
}

int limit_ip_acquire(const char *ip)
{
    if (!opt.max_conns_per_ip || !ip || !*ip)
        return 0;
    uintptr_t n = (uintptr_t)map_get(ips, ip);
    if (n >= (uintptr_t)opt.max_conns_per_ip)
        return -1;
    return map_put(ips, ip, (void *)(n + 1)) ? -1 : 0;
}

void limit_ip_release(const char *ip)
{
    if (!opt.max_conns_per_ip || !ip || !*ip)
        return;
    uintptr_t n = (uintptr_t)map_get(ips, ip);
    if (n <= 1)
        map_remove(ips, ip);
    else
        map_put(ips, ip, (void *)(n - 1));
}

int limit_visitor_message(const char *visitor_id, int64_t now_ms)
{
    if (opt.visitor_rate <= 0 || !visitor_id)
        return 1;
    double burst = opt.visitor_rate * 10.0;
    struct bucket *b = map_get(visitors, visitor_id);
    if (!b) {
        if (!(b = malloc(sizeof(*b))) || map_put(visitors, visitor_id, b)) {
            free(b);
            return 1;                /* out of memory: don't punish the visitor */
        }
        b->tokens = burst;
        b->at = now_ms;
    }
    b->tokens += (double)(now_ms - b->at) * opt.visitor_rate / 1000.0;
    if (b->tokens > burst)
        b->tokens = burst;
    b->at = now_ms;
    if (b->tokens < 1.0)
        return 0;
    b->tokens -= 1.0;
    return 1;
}

static void login_keys(const char *ip, const char *email, char *k_ip, char *k_mail, size_t len)
{
    snprintf(k_ip, len, "ip:%s", ip ? ip : "");
    snprintf(k_mail, len, "mail:%s", email ? email : "");
    for (char *p = k_mail; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
}

static int64_t locked(const char *key, int64_t now_ms)
{
    struct failures *f = map_get(logins, key);
    return f && f->locked_until > now_ms ? f->locked_until - now_ms : 0;
}

int64_t limit_login_locked_ms(const char *ip, const char *email, int64_t now_ms)
{
    char k_ip[320], k_mail[320];
    login_keys(ip, email, k_ip, k_mail, sizeof(k_ip));
    int64_t a = locked(k_ip, now_ms), b = locked(k_mail, now_ms);
    return a > b ? a : b;
}

/* Each failure past the free tries doubles the lockout: 1 s, 2 s, 4 s ... 15 min.
 * An IP gets four times the e-mail's allowance (an office behind one NAT). */
static void fail(const char *key, int free_tries, int64_t now_ms)
{
    struct failures *f = map_get(logins, key);
    if (!f) {
        if (!(f = calloc(1, sizeof(*f))) || map_put(logins, key, f)) {
            free(f);
            return;
        }
    }
    if (now_ms - f->first > LOGIN_WINDOW_MS) {
        f->count = 0;
        f->first = now_ms;
    }
    f->at = now_ms;
    if (++f->count > free_tries) {
        int shift = f->count - free_tries - 1;
        int64_t lock = shift >= 20 ? LOGIN_MAX_LOCK_MS : (int64_t)1000 << shift;
        f->locked_until = now_ms + (lock > LOGIN_MAX_LOCK_MS ? LOGIN_MAX_LOCK_MS : lock);
    }
}

void limit_login_failed(const char *ip, const char *email, int64_t now_ms)
{
    char k_ip[320], k_mail[320];
    login_keys(ip, email, k_ip, k_mail, sizeof(k_ip));
    fail(k_ip, LOGIN_FREE_TRIES * 4, now_ms);
    fail(k_mail, LOGIN_FREE_TRIES, now_ms);
}

void limit_login_ok(const char *email)
{
    char k_ip[320], k_mail[320];
    login_keys("", email, k_ip, k_mail, sizeof(k_ip));
    free(map_remove(logins, k_mail));
}

struct sweep { struct map *m; int64_t now; int buckets; char **dead; size_t n, cap; };

static void find_idle(const char *key, void *value, void *arg)
{
    struct sweep *s = arg;
    int64_t at = s->buckets ? ((struct bucket *)value)->at : ((struct failures *)value)->at;
    int64_t until = s->buckets ? 0 : ((struct failures *)value)->locked_until;
    if (s->now - at < IDLE_MS || until > s->now)
        return;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        char **d = realloc(s->dead, cap * sizeof(*d));
        if (!d)
            return;
        s->dead = d;
        s->cap = cap;
    }
    if ((s->dead[s->n] = strdup(key)))
        s->n++;
}

static void sweep_map(struct map *m, int buckets, int64_t now_ms)
{
    struct sweep s = {m, now_ms, buckets, NULL, 0, 0};
    map_each(m, find_idle, &s);
    for (size_t i = 0; i < s.n; i++) {
        free(map_remove(m, s.dead[i]));
        free(s.dead[i]);
    }
    free(s.dead);
}

void limit_sweep(int64_t now_ms)
{
    if (visitors)
        sweep_map(visitors, 1, now_ms);
    if (logins)
        sweep_map(logins, 0, now_ms);
}
