/* What the FAQ matcher's unit tests share: a set built from a JSON array
 * through the real decoder (so every test also exercises the outside
 * contract) and the answer faq_match gives. Include after testlib.h. */
#ifndef PARLEY_TESTFAQ_H
#define PARLEY_TESTFAQ_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "parley/faq.h"
#include "parley/proto_faq.h"

static char field[128], msg[512];   /* the last decode or build error */

/* Builds a set from a JSON array; aborts the test run on failure. */
static inline struct faq_set *set_of(const char *json)
{
    struct faq_entry *v;
    size_t n;
    struct faq_set *s = NULL;
    if (proto_faq_decode_array(json, strlen(json), &v, &n, field, sizeof(field), msg,
                               sizeof(msg)) != PL_OK) {
        fprintf(stderr, "decode failed: %s: %s\n", field, msg);
        exit(2);
    }
    if (faq_build(v, n, &s, field, sizeof(field), msg, sizeof(msg)) != PL_OK) {
        fprintf(stderr, "build failed: %s: %s\n", field, msg);
        exit(2);
    }
    proto_faq_free_array(v, n);
    return s;
}

/* The id faq_match answers with, "" for no match, "?" for choices. */
static inline const char *answer(const struct faq_set *s, const char *text, const char *locale)
{
    struct faq_match m;
    int rc = faq_match(s, text, locale, &m);
    return rc == 1 ? m.entry->id : rc == 2 ? "?" : "";
}
#endif
