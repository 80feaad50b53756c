/*
 * `parley faq check FILE`: validates an FAQ file the way the server would load
 * it, but reports every problem of every entry instead of stopping at the first,
 * so it can run in an admin's CI before a deploy. Exit 0 clean, 1 problems.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "parley/faq_store.h"
#include "parley/proto_faq.h"

struct report { FILE *out; const char *path; size_t problems; };

static void problem(void *arg, size_t index, const char *field, const char *msg)
{
    struct report *r = arg;
    r->problems++;
    if (index == SIZE_MAX)
        fprintf(r->out, "%s: %s%s%s\n", r->path, field, *field ? ": " : "", msg);
    else
        fprintf(r->out, "%s: entry %zu: %s%s%s\n", r->path, index, field, *field ? ": " : "", msg);
}

int faq_check_file(const char *path, FILE *out)
{
    struct report r = {out, path, 0};
    size_t len = 0;
    char *text = faq_store_read_file(path, &len);
    if (!text) {
        fprintf(out, "%s: cannot read the file\n", path);
        return 1;
    }
    struct faq_entry *v = NULL;
    size_t *pos = NULL, n = 0;
    if (proto_faq_decode_each(text, len, &v, &pos, &n, problem, &r) == PL_OK) {
        for (size_t i = 0; i < n; i++) {
            char field[96], msg[256];
            if (faq_validate(&v[i], field, sizeof(field), msg, sizeof(msg)) != PL_OK) {
                char where[200];
                snprintf(where, sizeof(where), "(\"%.64s\") %s", v[i].id, field);
                problem(&r, pos[i], where, msg);
            }
        }
    }
    if (!r.problems)
        fprintf(out, "%s: %zu entries, no problems\n", path, n);
    proto_faq_free_array(v, n);
    free(pos);
    free(text);
    return r.problems ? 1 : 0;
}
