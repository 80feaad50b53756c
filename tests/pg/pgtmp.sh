#!/bin/bash
# A throwaway PostgreSQL server for tests, never the system cluster.
#   pgtmp.sh start DIR   initdb into DIR, start on 127.0.0.1:<free port>, print URL
#   pgtmp.sh url DIR     print the URL again
#   pgtmp.sh stop DIR    stop it and remove DIR
#   pgtmp.sh halt DIR    stop it at once (-m immediate), keep DIR
#   pgtmp.sh resume DIR  start it again on the same port
# PGTMP_FAST=1 turns fsync and synchronous_commit off (tests that do not crash).
set -eu
BIN=${PGTMP_BIN:-/usr/lib/postgresql/15/bin}
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop|url|halt|resume DIR" >&2; exit 2; }

# initdb and postgres refuse root: run them as postgres then.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

url() { echo "postgresql://parley@127.0.0.1:$(cat "$dir/port")/parley"; }

port_free() { ! (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }

wait_ready() {
    i=0
    until as_pg "$BIN/pg_isready" -q -h 127.0.0.1 -p "$(cat "$dir/port")"; do
        i=$((i + 1)); [ $i -lt 100 ] || { echo "pgtmp: server did not start" >&2; cat "$dir/log" >&2; exit 1; }
        sleep 0.1
    done
}

pgstart() { as_pg "$BIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w -s start >/dev/null; wait_ready; }

case $cmd in
start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    as_pg "$BIN/initdb" -D "$dir/data" -U parley -A trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    port=$(( 20000 + $$ % 20000 ))
    while ! port_free $port; do port=$((port + 1)); done
    echo $port >"$dir/port"
    {
        echo "listen_addresses = '127.0.0.1'"
        echo "port = $port"
        echo "unix_socket_directories = '$dir'"
        if [ "${PGTMP_FAST:-0}" = 1 ]; then echo "fsync = off"; echo "synchronous_commit = off"; fi
    } | as_pg sh -c "cat >> '$dir/data/postgresql.conf'"
    [ "$(id -u)" = 0 ] && chown postgres "$dir/port"
    pgstart
    as_pg "$BIN/../bin/psql" -q -h 127.0.0.1 -p $port -U parley -d postgres -c "CREATE DATABASE parley" >/dev/null 2>&1 \
        || psql -q "postgresql://parley@127.0.0.1:$port/postgres" -c "CREATE DATABASE parley" >/dev/null
    url ;;
url) url ;;
stop)
    as_pg "$BIN/pg_ctl" -D "$dir/data" -m fast -w -s stop >/dev/null 2>&1 || true
    rm -rf "$dir" ;;
halt) as_pg "$BIN/pg_ctl" -D "$dir/data" -m immediate -w -s stop >/dev/null ;;
resume) pgstart ;;
*) echo "pgtmp: unknown command $cmd" >&2; exit 2 ;;
esac
