/*
 * `parley migrate --from sqlite:PATH --to postgresql://...`: copies a whole
 * embedded (SQLite) install into an empty PostgreSQL database in one
 * transaction, moves the identity sequences past the copied ids, and proves
 * the copy (row counts per table, message count and last seq per
 * conversation) before it commits.
 */
#ifndef PARLEY_MIGRATE_H
#define PARLEY_MIGRATE_H

/* argv after "migrate". Returns the process's exit code: 0 copied and
 * verified, 1 refused or failed (said why on stderr), 2 bad usage. */
int migrate_main(int argc, char **argv);

#endif
