/*
 * One configuration for every node of a site.
 *
 * The FAQ and the site settings (assignment mode, extra human-request phrases,
 * business hours, the widget) live in the store, and each node keeps its own
 * compiled copy of them. After a change commits, the node that made it calls
 * sync_announce(), which publishes a BUS_CONFIG event on the site topic; every
 * other node then rebuilds its copy from the store with sync_reload(). Without
 * this a node behind a load balancer kept answering with the FAQ it had at
 * start. With the local bus nobody else is listening, and the announcement
 * costs nothing. Loop thread only.
 */
#ifndef PARLEY_SYNC_H
#define PARLEY_SYNC_H

#include "parley/common.h"
#include "parley/store.h"

/* Applies the stored settings (start-up, and every reload). PL_OK, or the
 * store's error; a stored value that no longer applies is logged and skipped. */
pl_status sync_load_settings(struct store *st);
/* Tells the other nodes that the FAQ or a setting changed. */
void sync_announce(void);
/* Rebuilds this node's FAQ, settings and webhook list from the store. */
void sync_reload(void);

#endif
