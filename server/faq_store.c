/*
 * The FAQ between file, store and matcher. The stored JSON of each entry is the
 * truth; the compiled set is rebuilt from it after every change, so what the bot
 * matches is always what the admin would export.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "parley/faq_store.h"
#include "parley/proto_faq.h"

char *faq_store_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
        if (n + 1 == cap) {
            char *p = realloc(buf, cap * 2);
            if (!p) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = p;
            cap *= 2;
        }
    }
    int err = ferror(f);
    fclose(f);
    if (!buf || err) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

pl_status faq_store_import_file(struct store *st, const char *path)
{
    size_t len = 0;
    char *text = faq_store_read_file(path, &len);
    if (!text) {
        fprintf(stderr, "parley: cannot read FAQ file %s\n", path);
        return PL_ERR_NOT_FOUND;
    }
    struct faq_entry *v = NULL;
    size_t n = 0;
    char field[96], msg[256];
    struct faq_set *set = NULL;
    pl_status s = proto_faq_decode_array(text, len, &v, &n, field, sizeof(field), msg, sizeof(msg));
    /* A file is new to us: each entry is validated in full (slow patterns too)
     * before it replaces the stored FAQ. */
    for (size_t i = 0; s == PL_OK && i < n; i++) {
        char f[64];
        if ((s = faq_validate(&v[i], f, sizeof(f), msg, sizeof(msg))) != PL_OK)
            snprintf(field, sizeof(field), "[%zu].%.60s", i, f);
    }
    if (s == PL_OK)
        s = faq_build(v, n, &set, field, sizeof(field), msg, sizeof(msg));
    if (s != PL_OK) {
        fprintf(stderr, "parley: FAQ file %s: %s: %s\n", path, field, msg);
    } else {
        struct store_faq_row *rows = calloc(n ? n : 1, sizeof(*rows));
        size_t i;
        for (i = 0; rows && i < n; i++) {
            rows[i].id = v[i].id;
            if (!(rows[i].json = proto_faq_encode(&v[i])))
                break;
        }
        s = !rows || i < n ? PL_ERR_NOMEM : store_faq_replace_all(st, rows, n);
        for (size_t j = 0; rows && j < i; j++)
            free(rows[j].json);
        free(rows);
    }
    faq_free(set);
    proto_faq_free_array(v, n);
    free(text);
    return s;
}

/* Decodes the stored entries (validating each when `validate`) and builds
 * the set. Entries that do not decode are skipped and said so when `report`. */
static pl_status build_from(const struct store_faq_list *l, int validate, int report,
                            struct faq_set **out)
{
    struct faq_entry *v = calloc(l->n ? l->n : 1, sizeof(*v));
    size_t n = 0;
    char field[96], msg[256];
    for (size_t i = 0; v && i < l->n; i++) {
        const char *j = l->v[i].json;
        pl_status d = validate
            ? proto_faq_decode(j, strlen(j), &v[n], field, sizeof(field), msg, sizeof(msg))
            : proto_faq_decode_stored(j, strlen(j), &v[n], field, sizeof(field), msg, sizeof(msg));
        if (d == PL_OK)
            n++;
        else if (report)
            fprintf(stderr, "parley: stored FAQ entry %s skipped: %s: %s\n", l->v[i].id, field, msg);
    }
    pl_status s = v ? faq_build(v, n, out, field, sizeof(field), msg, sizeof(msg)) : PL_ERR_NOMEM;
    if (s != PL_OK && v && report)
        fprintf(stderr, "parley: stored FAQ does not build: %s: %s\n", field, msg);
    for (size_t i = 0; v && i < n; i++)
        faq_entry_free(&v[i]);
    free(v);
    return s;
}

/*
 * Stored entries passed faq_validate when they were saved, so the set is built
 * from them as they are (compiling each program once). Only if that fails (an
 * entry that no longer compiles, say after a PCRE2 upgrade) is every entry
 * validated again, probes included, and the bad ones skipped, not fatal: the
 * rest of the FAQ keeps answering.
 */
pl_status faq_store_build(struct store *st, struct faq_set **out)
{
    struct store_faq_list l = {0};
    pl_status s = store_faq_list(st, &l);
    if (s != PL_OK)
        return s;
    s = build_from(&l, 0, 0, out);
    if (s == PL_ERR_BAD_REQUEST)
        s = build_from(&l, 1, 1, out);
    store_faq_list_free(&l);
    return s;
}
