/*
 * The wire form of a bus event between nodes (Redis payloads). Part of the
 * codec: only proto*.c use Jansson.
 *
 * A payload carries the frames already encoded for each audience (so a node
 * never re-encodes what another built) and the fields the delivery policy
 * reads, plus the publishing node's id so a node can ignore its own echo.
 */
#ifndef PARLEY_PROTO_BUS_H
#define PARLEY_PROTO_BUS_H

#include <stdint.h>
#include "parley/bus.h"

/* A malloc'd payload, or NULL (out of memory). */
char *proto_bus_encode(const struct bus_event *ev, uint64_t node);

/* "Read topic back from the store now": sent by a node whose publisher dropped
 * events for topic (Redis was away), once it can publish again. */
char *proto_bus_encode_sync(const char *topic, uint64_t node);

/* A decoded payload: ev's strings and frames point into / are owned by it. */
struct proto_bus_event {
    struct bus_event ev;
    uint64_t node;
    int sync;                  /* a proto_bus_encode_sync marker: only topic is set */
    char *topic, *conversation;
};
/* 0 and *out filled, or -1 (not a payload we understand: the caller drops it). */
int proto_bus_decode(const char *buf, size_t len, struct proto_bus_event *out);
void proto_bus_event_free(struct proto_bus_event *e);

#endif
