/* The view of agents on other nodes (router_peers.c): each read from the
 * shared presence replaces it whole; who drops out is reported once; online on
 * one node beats away on another; and the count leaves out this node's own. */
#include <string.h>
#include "../../server/router_peers.h"
#include "testlib.h"

static int64_t gone_ids[8];
static int n_gone;
static void gone(int64_t id) { if (n_gone < 8) gone_ids[n_gone++] = id; }
static int here_is_7(int64_t id) { return id == 7; }
static int nowhere(int64_t id) { return 0; }

int main(void)
{
    struct bus_presence v1[] = {{5, BUS_AGENT_ONLINE, 1, 3}, {6, BUS_AGENT_AWAY, 0, 3},
                                {7, BUS_AGENT_ONLINE, 2, 2}, {6, BUS_AGENT_ONLINE, 0, 3}};
    CHECK(router_peers_status(5) == ROUTER_OFFLINE);
    CHECK(router_peers_replace(v1, 4, gone) == 1);
    CHECK(router_peers_status(5) == ROUTER_ONLINE);
    CHECK(router_peers_status(6) == ROUTER_ONLINE);      /* away on one node, online on another */
    CHECK(router_peers_count(nowhere) == 3);
    CHECK(router_peers_count(here_is_7) == 2);           /* 7 is counted by this node */
    CHECK(n_gone == 0);
    CHECK(router_peers_replace(v1, 4, gone) == 0);       /* the same view: nothing changed */
    struct bus_presence v2[] = {{6, BUS_AGENT_AWAY, 0, 3}, {7, BUS_AGENT_ONLINE, 2, 2}};
    CHECK(router_peers_replace(v2, 2, gone) == 1);       /* 5's node died; 6 left one node */
    CHECK(n_gone == 1 && gone_ids[0] == 5);
    CHECK(router_peers_status(5) == ROUTER_OFFLINE);
    CHECK(router_peers_status(6) == ROUTER_AWAY);
    CHECK(router_peers_count(nowhere) == 1);             /* away is not online */
    CHECK(router_peers_replace(NULL, 0, gone) == 1);
    CHECK(n_gone == 3);
    CHECK(router_peers_status(7) == ROUTER_OFFLINE && router_peers_count(nowhere) == 0);
    router_peers_free();
    return test_summary("test_router_peers");
}
