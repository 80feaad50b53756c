/*
 * JSON codec of FAQ entries (the contract's "FAQ entry" object and files that are
 * a JSON array of them). Part of the protocol codec: only proto*.c touch Jansson.
 */
#ifndef PARLEY_PROTO_FAQ_H
#define PARLEY_PROTO_FAQ_H

#include <stddef.h>
#include "parley/common.h"
#include "parley/faq.h"

/* Decodes one entry object from JSON text. On failure returns PL_ERR_BAD_REQUEST
 * and names the field ("keywords[1]", "id", or "" for the whole body) and why. */
pl_status proto_faq_decode(const char *json, size_t len, struct faq_entry *out,
                           char *field, size_t field_len, char *msg, size_t msg_len);
/* The same without faq_validate (shape only), for entries read back from the
 * store: they were validated when saved, and validating compiles and probes
 * every pattern, which was most of a restart's time. faq_build still compiles
 * them and refuses a bad one. */
pl_status proto_faq_decode_stored(const char *json, size_t len, struct faq_entry *out,
                                  char *field, size_t field_len, char *msg, size_t msg_len);
/* Decodes a JSON array of entries (a --faq file). *out is a malloc'd array the
 * caller frees with proto_faq_free_array. Errors name "[3].keywords[0]". */
pl_status proto_faq_decode_array(const char *json, size_t len, struct faq_entry **out,
                                 size_t *n, char *field, size_t field_len,
                                 char *msg, size_t msg_len);
void proto_faq_free_array(struct faq_entry *v, size_t n);
/* A problem with element `index` of an array (SIZE_MAX: the whole document). */
typedef void (*proto_faq_problem_fn)(void *arg, size_t index, const char *field, const char *msg);
/* Decodes every element it can, reporting each one that does not decode (or
 * repeats an id); *out holds the *n decoded entries and *pos their positions.
 * Caller frees both (proto_faq_free_array, free). */
pl_status proto_faq_decode_each(const char *json, size_t len, struct faq_entry **out,
                                size_t **pos, size_t *n, proto_faq_problem_fn report,
                                void *arg);
/* Compact JSON of one entry; caller frees. NULL on out-of-memory. */
char *proto_faq_encode(const struct faq_entry *e);
#endif
