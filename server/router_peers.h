/* Internal to the router: agents other nodes report connected (router_peers.c). */
#ifndef PARLEY_ROUTER_PEERS_H
#define PARLEY_ROUTER_PEERS_H

#include <stdint.h>

/* Another node says agent_id is connected to it; believe it until until_ms. */
void router_peers_note(int64_t agent_id, int64_t until_ms);
/* 1 while such a report is fresh. */
int router_peers_has(int64_t agent_id, int64_t now_ms);
/* Forgets the reports that ran out, calling expired for each: that agent's
 * node stopped beating (it died, or they left it). */
void router_peers_sweep(int64_t now_ms, void (*expired)(int64_t agent_id));
/* How many agents other nodes report connected now, leaving out those for
 * whom here(agent_id) is 1 (counted by this node already). */
int router_peers_count(int64_t now_ms, int (*here)(int64_t agent_id));
void router_peers_free(void);

#endif
