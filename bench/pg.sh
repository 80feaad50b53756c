# bench/pg.sh: the benchmark's throwaway PostgreSQL, sourced by bench/run.sh and
# bench/nodes.sh. One cluster per script run (tests/pg/pgtmp.sh, PostgreSQL 15),
# a fresh database per scenario run. Durable on purpose: PGTMP_FAST=0, so fsync
# and synchronous_commit stay at their defaults (on), and pg_start checks that.
# The postmaster and every backend it forks are pinned to PG_CPU (default: the
# server's core, like Redis: the server side on core 0, the load generator alone
# on core 1). PG_CPU=all leaves PostgreSQL unpinned.
#
#   pg_have            0 when PostgreSQL 15 and psql are installed
#   pg_start           starts the cluster (PG_DIR, PG_BASE: the server's URL prefix)
#   pg_newdb NAME      creates database NAME, prints its URL
#   pg_rows URL        the bench's visitor messages in that database (as rows() counts them)
#   pg_cpu             CPU-seconds of the postmaster and all its children so far
#   pg_stop            stops the cluster and removes PG_DIR
PG_BIN=${PGTMP_BIN:-/usr/lib/postgresql/15/bin}
PG_CPU=${PG_CPU:-${SERVER_CPU:-0}}
PG_DIR=; PG_BASE=

pg_have() { [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ] && command -v psql >/dev/null; }

pg_start() {
  # Not under the bench's own temp dir: the postgres user must reach it.
  PG_DIR=$(mktemp -d /tmp/parley-pgbench.XXXXXX)
  local url pin=(taskset -c "$PG_CPU")
  [ "$PG_CPU" = all ] && pin=()
  url=$(PGTMP_FAST=0 "${pin[@]}" tests/pg/pgtmp.sh start "$PG_DIR") || return 1
  PG_BASE=${url%/*}
  local s
  s=$(psql -qAt "$PG_BASE/postgres" -c "SELECT current_setting('fsync') || ' ' || current_setting('synchronous_commit') || ' ' || current_setting('server_version')")
  set -- $s
  if [ "$1" != on ] || [ "$2" != on ]; then
    echo "bench: PostgreSQL runs with fsync=$1 synchronous_commit=$2: not durable, refusing" >&2
    return 1
  fi
  local where="pinned to core $PG_CPU"
  [ "$PG_CPU" = all ] && where="not pinned"
  echo "bench: PostgreSQL $3 in $PG_DIR (fsync=on, synchronous_commit=on), $where"
}

pg_newdb() {
  psql -q "$PG_BASE/postgres" -c "CREATE DATABASE \"$1\"" >/dev/null || return 1
  echo "$PG_BASE/$1"
}

pg_rows() { psql -qAt "$1" -c "SELECT count(*) FROM messages WHERE role = 'visitor' AND text LIKE '~b %'"; }

pg_cpu() {           # utime + stime of the postmaster and its children (backends, walwriter...)
  local pm pids
  pm=$(head -1 "$PG_DIR/data/postmaster.pid")
  pids=$(ps -o pid= --ppid "$pm")
  # shellcheck disable=SC2086
  cat "/proc/$pm/stat" $(for p in $pids; do echo "/proc/$p/stat"; done) 2>/dev/null |
    awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); t += $12 + $13 } END { printf "%.2f\n", t / hz }'
}

pg_stop() {
  [ -n "$PG_DIR" ] || return 0
  tests/pg/pgtmp.sh stop "$PG_DIR" || true
  PG_DIR=
}
