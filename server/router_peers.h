/* Internal to the router: agents connected to other nodes (router_peers.c). */
#ifndef PARLEY_ROUTER_PEERS_H
#define PARLEY_ROUTER_PEERS_H

#include <stddef.h>
#include <stdint.h>
#include "parley/bus.h"
#include "parley/router.h"

/* The whole view as the bus last read it (one entry per agent and node):
 * replaces the previous one. gone is called for each agent no longer
 * connected anywhere else (their node died, or they left it). 1 when any
 * agent's status elsewhere changed. */
int router_peers_replace(const struct bus_presence *v, size_t n, void (*gone)(int64_t agent_id));
/* The agent's best status on other nodes: online on any, else away on any. */
enum router_status router_peers_status(int64_t agent_id);
/* Agents online on other nodes, leaving out those for whom here(agent_id) is
 * 1 (counted by this node already). */
int router_peers_count(int (*here)(int64_t agent_id));
void router_peers_free(void);

#endif
