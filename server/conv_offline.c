/*
 * Offline mode, the visitor's part: the e-mail address they leave so the team
 * can answer later. The conversation itself went to the offline state in
 * conv_handoff (conv_bot.c); the answer reaches the visitor like any message,
 * live or on their next hello (resume).
 */
#include <stdlib.h>
#include <string.h>
#include "conv_internal.h"
#include "parley/proto.h"
#include "parley/site.h"

struct contact_ctx { uint64_t conn; char *id; };

static void contact_stored(void *arg, const struct store_result *r)
{
    struct contact_ctx *x = arg;
    conv_reply_status(x->conn, x->id, r->status, 0, 0, NULL);
    free(x->id);
    free(x);
}

void conv_offline_contact(struct conn *c, const struct proto_cmd *cmd)
{
    if (!site_email_valid(cmd->email)) {
        conv_send_error(c, cmd->id, "bad_request",
                        "'email' must be an e-mail address like name@example.com");
        return;
    }
    struct contact_ctx *x = calloc(1, sizeof(*x));
    if (!x || (cmd->id && !(x->id = strdup(cmd->id)))) {
        free(x);
        conv_send_error(c, cmd->id, "internal_error", "out of memory");
        return;
    }
    x->conn = c->id;
    if (store_touch_visitor(conv_store(), c->visitor_id, cmd->name, cmd->email, NULL, NULL,
                            contact_stored, x) != PL_OK) {
        conv_send_error(c, cmd->id, "store_unavailable", "try again");
        free(x->id);
        free(x);
    }
}
