/* Shared, reference-counted outgoing frames (see frame.h). */
#include <stdlib.h>
#include <string.h>
#include "parley/frame.h"

struct frame *frame_new(const char *data, size_t len)
{
    struct frame *f = malloc(sizeof(*f) + FRAME_PRE + len + 1);
    if (!f)
        return NULL;
    f->refs = 1;
    f->len = len;
    memcpy(frame_data(f), data, len);
    frame_data(f)[len] = '\0';
    return f;
}

struct frame *frame_from_string(char *s)
{
    if (!s)
        return NULL;
    struct frame *f = frame_new(s, strlen(s));
    free(s);
    return f;
}

struct frame *frame_ref(struct frame *f)
{
    if (f)
        f->refs++;
    return f;
}

void frame_unref(struct frame *f)
{
    if (f && --f->refs == 0)
        free(f);
}
