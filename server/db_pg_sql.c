/*
 * The PostgreSQL driver's statement rewrite: SQLite's dialect, as the store
 * writes it (store_sql.c), into PostgreSQL's. Only rewrites that cannot change
 * a statement's meaning are made here; anything that needs understanding
 * (types, functions, collations) is a hand-written override in
 * store_sql_pg.c, which this pass leaves as it is.
 *
 * One pass over the text, outside '...' literals and "..." identifiers (a
 * doubled quote inside either closes and reopens it, which tracks the same):
 *  - ?N becomes $N (PostgreSQL has no ?N; a bare ? is left alone);
 *  - "INDEXED BY name" goes: a SQLite planner hint, and no index of that name
 *    needs to exist on the PostgreSQL side;
 *  - a statement starting "BEGIN IMMEDIATE" (or DEFERRED, EXCLUSIVE: SQLite's
 *    modes) starts "BEGIN" (PostgreSQL takes row locks as it writes; there is
 *    no database lock to take up front);
 *  - a statement starting "INSERT OR IGNORE INTO" becomes "INSERT INTO" with
 *    " ON CONFLICT DO NOTHING" before its top-level RETURNING (outside any
 *    parentheses), or at its end. PostgreSQL's form ignores only uniqueness
 *    conflicts; SQLite's also NOT NULL and CHECK failures, which the store's
 *    statements do not rely on (store_sql.c says so where it uses it).
 * Text already written for PostgreSQL ($N) passes through unchanged. Not
 * understood: comments and dollar-quoted strings (the store uses neither).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "db.h"

static int ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '$';
}

/* The length of keyword kw at p (case-insensitive, as a whole word), else 0. */
static size_t word_at(const char *p, const char *kw)
{
    size_t n = strlen(kw);
    for (size_t i = 0; i < n; i++)
        if (toupper((unsigned char)p[i]) != kw[i]) return 0;
    return ident_char(p[n]) ? 0 : n;
}

static const char *skip_space(const char *p)
{
    while (isspace((unsigned char)*p)) p++;
    return p;
}

/* Two keywords separated by whitespace at p: the length of the whole, else 0. */
static size_t words_at(const char *p, const char *kw1, const char *kw2)
{
    size_t n = word_at(p, kw1);
    if (!n || !isspace((unsigned char)p[n])) return 0;
    const char *q = skip_space(p + n);
    size_t m = word_at(q, kw2);
    return m ? (size_t)(q - p) + m : 0;
}

/* "INDEXED BY name" and the whitespace after it at p: its length, else 0. */
static size_t indexed_by_at(const char *p)
{
    size_t n = words_at(p, "INDEXED", "BY");
    if (!n || !isspace((unsigned char)p[n])) return 0;
    const char *q = skip_space(p + n);
    if (!ident_char(*q)) return 0;
    while (ident_char(*q)) q++;
    return (size_t)(skip_space(q) - p);
}

static const char on_conflict[] = " ON CONFLICT DO NOTHING";

char *db_pg_rewrite(const char *sql)
{
    size_t len = strlen(sql);
    char *out = malloc(len + sizeof(on_conflict) + 1);
    if (!out) return NULL;
    char *o = out;
    const char *p = skip_space(sql);
    memcpy(o, sql, (size_t)(p - sql));
    o += p - sql;
    int ignore = 0;
    size_t n;
    if ((n = words_at(p, "BEGIN", "IMMEDIATE")) != 0 || (n = words_at(p, "BEGIN", "DEFERRED")) != 0 ||
        (n = words_at(p, "BEGIN", "EXCLUSIVE")) != 0) {
        memcpy(o, "BEGIN", 5);
        o += 5;
        p += n;
    } else if ((n = words_at(p, "INSERT", "OR")) != 0 &&
               isspace((unsigned char)p[n]) && word_at(skip_space(p + n), "IGNORE")) {
        memcpy(o, "INSERT", 6);
        o += 6;
        p = skip_space(p + n) + 6;
        ignore = 1;
    }
    char quote = 0;
    int depth = 0;
    char *returning = NULL;     /* where the top-level RETURNING starts in out */
    while (*p) {
        char c = *p;
        int boundary = o == out || !ident_char(o[-1]);
        if (quote) {
            if (c == quote) quote = 0;
            *o++ = *p++;
        } else if (c == '\'' || c == '"') {
            quote = c;
            *o++ = *p++;
        } else if (c == '?' && isdigit((unsigned char)p[1])) {
            *o++ = '$';
            p++;
        } else if (boundary && (n = indexed_by_at(p)) != 0) {
            p += n;
        } else {
            if (c == '(') depth++;
            if (c == ')') depth--;
            if (ignore && !returning && depth == 0 && boundary && word_at(p, "RETURNING"))
                returning = o;
            *o++ = *p++;
        }
    }
    *o = '\0';
    if (ignore) {
        /* Before RETURNING, or before the end's whitespace and semicolons. */
        char *at = returning;
        if (!at) {
            at = o;
            while (at > out && (isspace((unsigned char)at[-1]) || at[-1] == ';')) at--;
        } else {
            while (at > out && isspace((unsigned char)at[-1])) at--;
        }
        size_t k = sizeof(on_conflict) - 1;
        memmove(at + k, at, strlen(at) + 1);
        memcpy(at, on_conflict, k);
        if (returning && at[k] != ' ') {   /* "x RETURNING" keeps its space */
            memmove(at + k + 1, at + k, strlen(at + k) + 1);
            at[k] = ' ';
        }
    }
    return out;
}
