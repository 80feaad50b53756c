/* libFuzzer: any bytes as a Redis bus payload from another node. What decodes
 * must encode again and decode to the same event. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "parley/proto_bus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct proto_bus_event e, again;
    if (proto_bus_decode((const char *)data, size, &e))
        return 0;
    if (!e.sync) {
        char *p = proto_bus_encode(&e.ev, e.node);
        if (p && proto_bus_decode(p, strlen(p), &again) == 0) {
            if (again.ev.seq != e.ev.seq || again.ev.kind != e.ev.kind || again.node != e.node ||
                strcmp(again.ev.topic, e.ev.topic))
                abort();
            proto_bus_event_free(&again);
        }
        free(p);
    }
    proto_bus_event_free(&e);
    return 0;
}
