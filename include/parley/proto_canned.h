/*
 * JSON of the canned-response endpoints (GET/POST /api/canned, PUT/DELETE
 * /api/canned/{id}). Part of the codec: only proto*.c use Jansson. Decoding is
 * as strict as the rest (duplicate keys refused, every error names its field)
 * so the admin page can show the message next to the control it concerns.
 */
#ifndef PARLEY_PROTO_CANNED_H
#define PARLEY_PROTO_CANNED_H

#include <stddef.h>
#include "parley/common.h"
#include "parley/store.h"

#define PROTO_CANNED_SHORTCUT_MAX 32
#define PROTO_CANNED_TITLE_MAX 100
#define PROTO_CANNED_TEXT_MAX 4000

/* {"shortcut": 1-32 of a-z 0-9 - _, "title": 1-100 characters, "text": 1-4000},
 * all required (POST and PUT alike). */
struct rest_canned { char *shortcut, *title, *text; };
pl_status proto_canned_decode(const char *body, size_t len, struct rest_canned *out,
                              char *field, size_t flen, char *msg, size_t mlen);
void proto_canned_free(struct rest_canned *c);

/* {"id","shortcut","title","text"}; NULL when out of memory. */
char *proto_canned_json(const struct store_canned *c);
/* {"canned":[{"id","shortcut","title","text"}...]} */
char *proto_canned_list_json(const struct store_canned_list *l);

#endif
