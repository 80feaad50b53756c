/*
 * Conversations: what visitors and agents may do, and what everyone then sees.
 *
 * The WebSocket layer hands every complete incoming frame to conv_on_frame(); this
 * module decodes it (proto), checks who may do what, asks the store to make it
 * durable, and only when the store reports the commit does it answer (ack) and
 * publish the event on the bus. State machine: bot -> queued -> assigned ->
 * closed (a transfer to nobody goes back to queued).
 */
#ifndef PARLEY_CONV_H
#define PARLEY_CONV_H

#include <stddef.h>
#include "parley/bus.h"
#include "parley/conn.h"
#include "parley/faq.h"
#include "parley/store.h"

struct conv_options {
    int rate_limit;          /* frames per second per connection, 0 = off */
    int bot_misses;          /* "I don't know"s before handing off */
    int session_hours;
    const char *identity_secret; /* signed visitor identities; NULL = not used */
    int require_identity;
};

int conv_init(struct store *st, const struct conv_options *opt);   /* 0 ok */
void conv_shutdown(void);
/* Takes ownership of s and frees the set it replaces. */
void conv_set_faq(struct faq_set *s);
const struct faq_set *conv_faq(void);
struct store *conv_store(void);
const struct conv_options *conv_options(void);

/* A complete text frame from a visitor or agent connection. */
void conv_on_frame(struct conn *c, const char *buf, size_t len);
/* An agent socket that brought a session cookie: authenticate it now. */
void conv_agent_cookie(struct conn *c, const char *token);
/* The bus delivery function (bus_init(conv_deliver)). */
void conv_deliver(void *subscriber, const struct bus_event *ev);
/* Sends an error frame to c. */
void conv_send_error(struct conn *c, const char *id, const char *code, const char *msg);

#endif
