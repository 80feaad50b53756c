/*
 * An encoded outgoing frame, shared by every recipient.
 *
 * A message event is encoded once and the same bytes are queued on every
 * connection that should get it; the last connection to write it frees it. The
 * buffer keeps FRAME_PRE bytes of headroom in front of the payload because
 * lws_write() needs LWS_PRE writable bytes there (ws.c asserts they agree).
 * Loop thread only: the count is not atomic.
 */
#ifndef PARLEY_FRAME_H
#define PARLEY_FRAME_H

#include <stddef.h>

#define FRAME_PRE 16

struct frame {
    unsigned refs;
    size_t len;
    unsigned char buf[];   /* FRAME_PRE headroom, then len bytes */
};

/* A frame holding a copy of data (one reference, the caller's). NULL on OOM. */
struct frame *frame_new(const char *data, size_t len);
/* Takes ownership of a malloc'd NUL-terminated string (freed here either way). */
struct frame *frame_from_string(char *s);
struct frame *frame_ref(struct frame *f);
void frame_unref(struct frame *f);          /* NULL is fine */
static inline unsigned char *frame_data(struct frame *f) { return f->buf + FRAME_PRE; }

#endif
