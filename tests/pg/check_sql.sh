#!/bin/sh
# Checks the store's PostgreSQL SQL on a throwaway PostgreSQL 15 cluster:
#  1. the schema (store_schema_pg.c) applies;
#  2. every statement as the PostgreSQL driver will prepare it (override or
#     db_pg_rewrite of the SQLite text, from dump_sql) PREPAREs;
#  3. the important ones, run with sample values (spot_check.sql), give
#     spot_check.expected;
#  4. a scenario of store statements run on SQLite and on PostgreSQL gives the
#     same rows, changes and constraint failures step by step (diff_check.c);
#  5. store_pg_migrate brings a fresh database to the current version with
#     several nodes starting at once, and refuses a newer one (migrate_check.c).
# It also lists where an override's parameter types differ from its SQLite
# statement's rewrite (when that compiles at all): casts on purpose, for review.
# Usage: tests/pg/check_sql.sh [build-dir] (default build; built if missing);
# PARLEY_PG_UPDATE=1 rewrites spot_check.expected from this run.
# Needs PostgreSQL 15's server package and libpq-dev (migrate_check.c).
# Starts its own cluster (as the postgres user when run as root) on a free port
# in a temp dir, and stops and removes it on exit.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
HERE=tests/pg

[ -f "$BUILD/libparley_core.a" ] || {
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$BUILD" -j2 --target parley_core
}
TMP=$(mktemp -d /tmp/parley-pgcheck.XXXXXX)
chmod 755 "$TMP"
RUNAS=""
if [ "$(id -u)" -eq 0 ]; then chown postgres "$TMP"; RUNAS="runuser -u postgres --"; fi

cleanup() {
  $RUNAS "$PGBIN/pg_ctl" -D "$TMP/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT
trap "exit 1" INT TERM PIPE HUP

# shellcheck disable=SC2046
cc -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra -Werror -Iinclude \
   -o "$TMP/dump_sql" $HERE/dump_sql.c tests/unit/fake_loop.c "$BUILD/libparley_core.a" \
   $(pkg-config --libs libpq sqlite3 libsodium jansson libpcre2-8 libcurl hiredis libwebsockets) \
   -lunistring -lpthread -lm

cc -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra -Werror -Iinclude \
   $(pkg-config --cflags libpq) -o "$TMP/migrate_check" $HERE/migrate_check.c \
   server/store_migrate_pg.c server/store_schema_pg.c $(pkg-config --libs libpq)

cc -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra -Werror -Iinclude \
   $(pkg-config --cflags libpq) -o "$TMP/diff_check" $HERE/diff_check.c tests/unit/fake_loop.c \
   "$BUILD/libparley_core.a" $(pkg-config --libs libpq sqlite3 libsodium jansson libpcre2-8 \
   libcurl hiredis libwebsockets) -lunistring -lpthread -lm

$RUNAS "$PGBIN/initdb" -D "$TMP/data" -A trust -U postgres >/dev/null
PORT=55433
while pg_isready -q -h 127.0.0.1 -p $PORT || [ $? -ne 2 ]; do PORT=$((PORT + 1)); done
$RUNAS "$PGBIN/pg_ctl" -D "$TMP/data" -l "$TMP/log" -w \
  -o "-p $PORT -k $TMP -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=postgres
psql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }

"$TMP/dump_sql" schema >"$TMP/schema.sql"
"$TMP/dump_sql" final >"$TMP/final.sql"
"$TMP/dump_sql" lite >"$TMP/lite.sql"
n=$(grep -c '^PREPARE ' "$TMP/final.sql")

psql -d postgres -c "CREATE DATABASE chk"
psql -d chk -f "$TMP/schema.sql"
echo "schema: applied"
got=$(cat "$TMP/final.sql" - <<'EOF' | psql -d chk -tA
SELECT count(*) FROM pg_prepared_statements;
EOF
)
[ "$got" = "$n" ] || { echo "prepared $got of $n statements" >&2; exit 1; }
echo "statements: all $n prepare"

# Parameter types, override against rewrite (errors: the rewrite does not compile).
cat "$TMP/final.sql" "$TMP/lite.sql" - <<'EOF' | command psql -X -q -d chk -tA -F ' ' 2>/dev/null |
SELECT f.name, f.parameter_types, l.parameter_types FROM pg_prepared_statements f
JOIN pg_prepared_statements l ON l.name = f.name || '_lite'
WHERE f.parameter_types <> l.parameter_types ORDER BY 1;
EOF
  sed 's/^/  types differ (override, rewrite): /'

psql -d postgres -c "CREATE DATABASE spot"
cat "$TMP/schema.sql" "$TMP/final.sql" $HERE/spot_check.sql |
  command psql -X -q -d spot >"$TMP/spot.out" 2>"$TMP/spot.err" || true
cat "$TMP/spot.err" >>"$TMP/spot.out"
# After a deliberate change: PARLEY_PG_UPDATE=1 writes the new output (review its diff).
[ "${PARLEY_PG_UPDATE:-}" = 1 ] && cp "$TMP/spot.out" $HERE/spot_check.expected
if ! diff -u $HERE/spot_check.expected "$TMP/spot.out"; then
  echo "spot checks: output differs from $HERE/spot_check.expected" >&2
  exit 1
fi
echo "spot checks: as expected"

psql -d postgres -c "CREATE DATABASE diff"
"$TMP/diff_check" "postgresql://postgres@127.0.0.1:$PORT/diff"

psql -d postgres -c "CREATE DATABASE mig"
"$TMP/migrate_check" "postgresql://postgres@127.0.0.1:$PORT/mig" 2>"$TMP/mig.err" ||
  { cat "$TMP/mig.err" >&2; exit 1; }
