/*
 * Client addresses behind reverse proxies (--trusted-proxies).
 *
 * Per-address limits (sockets per IP, sign-in lockouts) key on the client's
 * address. Behind a proxy the TCP peer is the proxy, so when — and only when —
 * the peer is in the trusted list, the client is the right-most
 * X-Forwarded-For entry that is not itself trusted (a proxy appends the address
 * it saw, so entries right of the first untrusted one were written by our own
 * proxies and entries left of it may be forged), else X-Real-IP. Anything a
 * peer outside the list sends in those headers is ignored. Addresses come out
 * in canonical form (inet_ntop; IPv4-mapped IPv6 as IPv4), so one client is one
 * key however a proxy spells it.
 */
#ifndef PARLEY_NETADDR_H
#define PARLEY_NETADDR_H

#include <stddef.h>

#define NETADDR_STRLEN 46                  /* INET6_ADDRSTRLEN */

struct netaddr_list;

/* Parses a comma list of IPv4/IPv6 addresses and CIDR blocks ("10.0.0.0/8,
 * ::1, 2001:db8::/32"); NULL or "" gives an empty list. On a bad entry returns
 * -1 and writes a message naming it to err. */
int netaddr_list_parse(const char *spec, struct netaddr_list **out, char *err, size_t errlen);
void netaddr_list_free(struct netaddr_list *l);
/* 1 when ip (text) is inside one of the list's blocks. */
int netaddr_list_match(const struct netaddr_list *l, const char *ip);
/* 0 and the canonical text of ip (a bare address; "[v6]:port" and "v4:port"
 * are accepted), or -1 when it is not an address. */
int netaddr_canonical(const char *ip, char out[NETADDR_STRLEN]);
/* The client's address for a request from peer with these headers (either may
 * be NULL). */
void netaddr_client(const struct netaddr_list *trusted, const char *peer, const char *xff,
                    const char *real_ip, char out[NETADDR_STRLEN]);

/* The server's list (from --trusted-proxies): 0 ok, -1 after printing why. */
int netaddr_init(const char *spec);
void netaddr_free(void);
struct lws;
/* The client address of a connection, with the server's list: 0 ok, -1 when
 * the peer's address is unknown. */
int netaddr_of(struct lws *wsi, char out[NETADDR_STRLEN]);

#endif
