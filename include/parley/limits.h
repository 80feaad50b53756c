/*
 * Limits across connections: sockets per IP, messages per visitor (all tabs),
 * and sign-in lockouts. Loop thread only. See limits.c for the policy.
 */
#ifndef PARLEY_LIMITS_H
#define PARLEY_LIMITS_H

#include <stdint.h>

struct limit_options {
    int max_conns_per_ip;   /* WebSockets per peer address; 0 = no limit */
    double visitor_rate;    /* messages per second per visitor, burst 10 s; 0 = off */
};

int limit_init(const struct limit_options *o);       /* 0 ok */
void limit_free(void);
/* 0 when the address may open one more socket (then counted), -1 when full. */
int limit_ip_acquire(const char *ip);
void limit_ip_release(const char *ip);
/* 1 when this visitor may send a message now. */
int limit_visitor_message(const char *visitor_id, int64_t now_ms);
/* Milliseconds until a sign-in from ip for email may be tried again; 0 = now. */
int64_t limit_login_locked_ms(const char *ip, const char *email, int64_t now_ms);
void limit_login_failed(const char *ip, const char *email, int64_t now_ms);
void limit_login_ok(const char *email);
/* Forgets entries that have been quiet for a while (call once a minute). */
void limit_sweep(int64_t now_ms);

#endif
