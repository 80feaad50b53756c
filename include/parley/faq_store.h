/*
 * Loading the FAQ: from a --faq file into the store at start, and from the
 * store into a compiled faq_set whenever the admin changes it.
 */
#ifndef PARLEY_FAQ_STORE_H
#define PARLEY_FAQ_STORE_H

#include "parley/faq.h"
#include "parley/store.h"

/* Validates the whole file and replaces the stored FAQ with it; on a bad file
 * prints what is wrong (entry and field) and changes nothing. */
pl_status faq_store_import_file(struct store *st, const char *path);
/* Builds a set from the stored entries. */
pl_status faq_store_build(struct store *st, struct faq_set **out);
/* `parley faq check FILE`: prints every problem to out; 0 when clean, else 1. */
#include <stdio.h>
int faq_check_file(const char *path, FILE *out);
/* Reads a file into a malloc'd NUL-terminated buffer. */
char *faq_store_read_file(const char *path, size_t *len);

#endif
