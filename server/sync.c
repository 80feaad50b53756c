/*
 * The configuration every node shares (sync.h). The reload rebuilds from the
 * store rather than applying what the event says, so an announcement that was
 * lost (Redis pub/sub may drop one) is made good by the next, and no setting
 * ever travels over the bus.
 */
#include <stdio.h>
#include <string.h>
#include <libwebsockets.h>
#include "parley/bus.h"
#include "parley/conv.h"
#include "parley/faq.h"
#include "parley/faq_store.h"
#include "parley/proto_site.h"
#include "parley/router.h"
#include "parley/sync.h"
#include "parley/webhook.h"

pl_status sync_load_settings(struct store *st)
{
    struct store_setting_list l = {0};
    char field[64], msg[160];
    pl_status s = store_settings(st, &l);
    if (s != PL_OK)
        return s;
    for (size_t i = 0; i < l.n; i++)
        if (!strcmp(l.v[i].key, "assignment"))
            router_set_auto(!strcmp(l.v[i].value, "auto"));
        else if (!strcmp(l.v[i].key, "human_phrases") &&
                 faq_apply_stored_human_phrases(l.v[i].value, field, sizeof(field), msg,
                                                sizeof(msg)) != PL_OK)
            fprintf(stderr, "parley: stored setting %s ignored: %s\n", field, msg);
        else
            proto_site_apply_stored(l.v[i].key, l.v[i].value);
    store_setting_list_free(&l);
    return PL_OK;
}

void sync_announce(void)
{
    struct bus_event ev = {.topic = BUS_SITE, .kind = BUS_CONFIG};
    bus_publish(&ev);
}

void sync_reload(void)
{
    struct store *st = conv_store();
    struct faq_set *set = NULL;
    if (faq_store_build(st, &set) == PL_OK)
        conv_set_faq(set);
    else
        lwsl_warn("sync: the FAQ could not be rebuilt from the store; keeping the old one\n");
    if (sync_load_settings(st) != PL_OK)
        lwsl_warn("sync: the settings could not be read; keeping the old ones\n");
    webhook_reload();
    router_queue_changed();          /* a new mode or hours may let the queue move */
}
