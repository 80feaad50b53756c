/* placeholder: replaced by the full rewrite (db_pg_sql.c of the rewrite
 * helper). Only turns ?N into $N outside single-quoted literals. */
#include <stdlib.h>
#include <string.h>

#include "db.h"

char *db_pg_rewrite(const char *sql)
{
    size_t n = strlen(sql);
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    int quoted = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = sql[i];
        if (c == '\'')
            quoted = !quoted;   /* '' inside a literal toggles twice: still fine */
        else if (c == '?' && !quoted && sql[i + 1] >= '0' && sql[i + 1] <= '9')
            c = '$';
        out[o++] = c;
    }
    out[o] = '\0';
    return out;
}
