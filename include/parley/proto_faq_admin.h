/*
 * JSON bodies of the FAQ admin endpoints (unanswered questions, drafts, the
 * "try it" box, import problems), kept apart from proto_rest.c so each codec file
 * stays readable. Part of the codec: only proto*.c use Jansson. Decoders are as
 * strict as the rest (duplicate keys refused, every error names its field);
 * encoders return malloc'd text or NULL (out of memory).
 */
#ifndef PARLEY_PROTO_FAQ_ADMIN_H
#define PARLEY_PROTO_FAQ_ADMIN_H

#include <stddef.h>
#include "parley/common.h"
#include "parley/faq.h"
#include "parley/store.h"

/* POST /api/faq/try: {"text": 1-4000 characters, "locale"?: string | null}. */
struct rest_faq_try { char *text, *locale; };
pl_status proto_faq_try_decode(const char *body, size_t len, struct rest_faq_try *out,
                               char *field, size_t flen, char *msg, size_t mlen);
void proto_faq_try_free(struct rest_faq_try *t);

/* What the bot would do with a text. outcome: "answer" | "choices" | "none" |
 * "human_request" | "greeting"; m may be NULL (nothing matched); language is the
 * language the text is clearly written in (NULL: unclear), locale the one the
 * match used, normalised the text in keyword form (may be NULL). */
char *proto_faq_try_result(const char *outcome, const struct faq_match *m, const char *language,
                           const char *locale, const char *normalised);

/* {"unanswered":[{"key","text","locale","count","last_conversation","first_at","last_at"}]} */
char *proto_faq_unanswered(const struct store_unanswered_list *l);

/* POST /api/faq/drafts: {"question": 1-1000 characters, "answer": 1-4000,
 * "locale"?: ≤ 35, "conversation"?: ≤ 64}; the optional ones may be null. */
struct rest_faq_draft { char *question, *answer, *locale, *conversation; };
pl_status proto_faq_draft_decode(const char *body, size_t len, struct rest_faq_draft *out,
                                 char *field, size_t flen, char *msg, size_t mlen);
void proto_faq_draft_free(struct rest_faq_draft *d);
/* {"id","question","answer","locale","conversation","agent_id","created_at"} */
char *proto_faq_draft(const struct store_draft *d);
char *proto_faq_drafts(const struct store_draft_list *l);   /* {"drafts":[...]} */

/* One problem of an import: entry `index` (SIZE_MAX: the whole document). */
struct proto_faq_problem { size_t index; char field[160]; char message[400]; };
/* 400 body: {"error":{"code":"bad_request","message","field","problems":
 * [{"index": N | null,"field","message"}]}}; field is the first problem's, as
 * "[3].keywords[0]". */
char *proto_faq_import_error(const struct proto_faq_problem *p, size_t n);
/* {"status":"ok","imported":N} */
char *proto_faq_import_ok(size_t n);

#endif
