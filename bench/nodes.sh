#!/usr/bin/env bash
# bench/nodes.sh: the chat scenario across nodes (issue 9's benchmark). For each
# repetition it runs, on a fresh shared SQLite file each time:
#   local1  one node, the in-process bus (the baseline)
#   redis1  one node on --bus redis: every event also goes through Redis and back
#           (the cost of the bus hop on one node)
#   redis2  two nodes on --bus redis, visitors on node A and agents on node B:
#           every message crosses Redis to reach the other side
#   redis3  three nodes on --bus redis, spread (loadgen --nodes A,B,C): each load
#           generator worker's visitors on one node, its agents on the next
#   pg1 pg2 pg3  the same 1, 2 and 3 nodes on --bus redis with --store on a fresh
#           database of a throwaway PostgreSQL 15 (bench/pg.sh: fsync and
#           synchronous_commit on); skipped, with a message, without PostgreSQL
# and prints the medians: delivered messages/s, per server CPU-second (all nodes
# summed; Redis and PostgreSQL left out), delivery / ack latency, and the visitor
# messages found in the database afterwards (sqlite3 or psql: every acked message
# must be there). Nodes, Redis and PostgreSQL are pinned to SERVER_CPU, the load
# generator to LOADGEN_CPU (a 2-core machine has no third core to give).
#
#   bench/nodes.sh                      CONVS=200 RATE=20 DURATION=8 REPS=3
#   RUNS="pg1 pg2 pg3" bench/nodes.sh   a subset (default: local1 redis1 redis2 redis3 pg1 pg2 pg3)
#   PARLEY_BIN=path bench/nodes.sh      a given build
#   KEEP=1 bench/nodes.sh               keep the temp dir (RESULT lines, server logs)
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${REPS:-3}; CONVS=${CONVS:-200}; RATE=${RATE:-20}; AGENTS_PER=${AGENTS_PER:-25}
DURATION=${DURATION:-8}; WARMUP=${WARMUP:-2}; WORKERS=${WORKERS:-4}; SRC=${SRC:-16}
SERVER_CPU=${SERVER_CPU:-0}; LOADGEN_CPU=${LOADGEN_CPU:-1}
PORT_A=${PORT_A:-18491}; PORT_B=${PORT_B:-18492}; REDIS_PORT=${REDIS_PORT:-18493}
PORT_C=${PORT_C:-18494}
RUNS=${RUNS:-local1 redis1 redis2 redis3 pg1 pg2 pg3}
want() { case " $RUNS " in *" $1 "*) return 0 ;; esac; return 1; }
ADMIN_EMAIL=bench@example.test; ADMIN_PASSWORD='bench password 1'

command -v redis-server >/dev/null || scripts/ensure-debs.sh redis-server
if [ -n "${PARLEY_BIN:-}" ]; then BIN=$PARLEY_BIN; else make --no-print-directory >/dev/null; BIN=build/parley; fi
mkdir -p bench/bin
cc -std=c11 -O2 -g -Wall -Wextra -Werror -o bench/bin/loadgen \
  bench/loadgen.c bench/worker.c bench/wsc.c bench/hist.c bench/http1.c

command -v sqlite3 >/dev/null || scripts/ensure-debs.sh sqlite3

TMP=$(mktemp -d /tmp/parley-nodes.XXXXXX)
PIDS=()
stop_all() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  PIDS=()
}
. bench/pg.sh
trap 'stop_all; pg_stop; if [ "${KEEP:-0}" = 1 ]; then echo "nodes: results and logs kept in $TMP"; else rm -rf "$TMP"; fi' EXIT
ulimit -n 20000 2>/dev/null || true

wait_http() {        # wait_http PORT
  for _ in $(seq 1 400); do
    curl -s -o /dev/null -m 1 "http://127.0.0.1:$1/healthz" && return 0
    sleep 0.025
  done
  echo "nodes: nothing answers on port $1" >&2; return 1
}
node() {             # node DIR PORT [args]: starts one node, pid appended to PIDS
  local dir=$1 port=$2; shift 2
  PARLEY_ADMIN_EMAIL=$ADMIN_EMAIL PARLEY_ADMIN_PASSWORD=$ADMIN_PASSWORD \
    taskset -c "$SERVER_CPU" "$BIN" --port "$port" --db "$dir/parley.db" --rate-limit 0 \
    --max-conns-per-ip 0 "$@" >>"$dir/server-$port.log" 2>&1 &
  PIDS+=($!)
  wait_http "$port"
}
redis() {
  taskset -c "$SERVER_CPU" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' \
    --appendonly no >/dev/null 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 200); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return 0; sleep 0.025; done
  echo "nodes: redis-server did not start" >&2; return 1
}
run() {              # run LABEL PIDS [loadgen args]: one chat run against PORT_A
  local label=$1 pids=$2; shift 2
  taskset -c "$LOADGEN_CPU" bench/bin/loadgen chat --port "$PORT_A" --pid "$pids" \
    --workers "$WORKERS" --src "$SRC" --admin "$ADMIN_EMAIL:$ADMIN_PASSWORD" \
    --convs "$CONVS" --rate "$RATE" --agents-per "$AGENTS_PER" --duration "$DURATION" \
    --warmup "$WARMUP" --label "$label" "$@" | grep '^RESULT' >"$TMP/last"
}
rows_sqlite() { sqlite3 "$1/parley.db" "SELECT count(*) FROM messages WHERE role='visitor' AND text LIKE '~b %';"; }
# keep LABEL ROWS: after stop_all (every acked message is committed by then),
# the run's RESULT line with the rows the database holds.
keep() { sed "s/\$/ rows=$2/" "$TMP/last" >>"$TMP/results"; }
# cluster LABEL N STORE-ARGS...: N nodes on the Redis bus (a fresh Redis), one
# chat run: N=2 visitors on A, agents on B; N=3 spread with --nodes.
cluster() {
  local label=$1 n=$2 d=$TMP/$1-$r; shift 2
  mkdir -p "$d"
  redis
  node "$d" "$PORT_A" --bus "redis://127.0.0.1:$REDIS_PORT" "$@"
  [ "$n" -ge 2 ] && node "$d" "$PORT_B" --bus "redis://127.0.0.1:$REDIS_PORT" "$@"
  [ "$n" -ge 3 ] && node "$d" "$PORT_C" --bus "redis://127.0.0.1:$REDIS_PORT" "$@"
  local pids
  pids=$(IFS=,; echo "${PIDS[*]:1}")
  case $n in
    1) run "$label" "$pids" ;;
    2) run "$label" "$pids" --agent-port "$PORT_B" ;;
    *) run "$label" "$pids" --nodes "$PORT_A,$PORT_B,$PORT_C" ;;
  esac
  stop_all
  CDIR=$d
}

echo "nodes: $REPS repetitions; chat $CONVS conversations x $RATE msg/s, ${DURATION} s; server $BIN"
PG_OK=0
if want pg1 || want pg2 || want pg3; then
  if ! pg_have; then echo "nodes: PostgreSQL 15 is not installed ($PG_BIN/initdb, psql): pg1 pg2 pg3 skipped"
  elif pg_start; then PG_OK=1
  else echo "nodes: the throwaway PostgreSQL did not start: pg1 pg2 pg3 skipped"; fi
fi
for r in $(seq 1 "$REPS"); do
  if want local1; then
    d=$TMP/local$r; mkdir -p "$d"
    node "$d" "$PORT_A"
    run local1 "${PIDS[0]}"
    stop_all
    keep local1 "$(rows_sqlite "$d")"
  fi
  for n in 1 2 3; do
    want "redis$n" || continue
    cluster "redis$n" "$n"
    keep "redis$n" "$(rows_sqlite "$CDIR")"
  done
  [ "$PG_OK" = 1 ] || { echo "nodes: repetition $r done"; continue; }
  for n in 1 2 3; do
    want "pg$n" || continue
    url=$(pg_newdb "nodes_pg${n}_$r")
    cluster "pg$n" "$n" --store "$url"
    keep "pg$n" "$(pg_rows "$url")"
  done
  echo "nodes: repetition $r done"
done

awk '
/^RESULT / {
  lab = ""
  for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "label") lab = kv[2] }
  for (i = 2; i <= NF; i++) { split($i, kv, "="); k = lab "/" kv[1]; n[k]++; v[k, n[k]] = kv[2] }
}
function med(k,    i, j, t, m, a) {
  m = n[k]; if (!m) return -1
  for (i = 1; i <= m; i++) a[i] = v[k, i] + 0
  for (i = 2; i <= m; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
  return a[int((m + 1) / 2)]
}
END {
  printf "\n| run | delivered/s | per server CPU-s | delivery p50 / p99 ms | ack p50 / p99 ms | acked (whole run) / rows in db |\n|---|---|---|---|---|---|\n"
  split("local1 redis1 redis2 redis3 pg1 pg2 pg3", L, " ")
  for (i = 1; i <= 7; i++) {
    l = L[i]
    if (!n[l "/label"]) continue
    printf "| %s | %d | %d | %.2f / %.2f | %.2f / %.2f | %d / %d |\n", l, med(l "/deliveries_per_s"),
      med(l "/deliveries_per_cpu_s"), med(l "/deliver_p50_ms"), med(l "/deliver_p99_ms"),
      med(l "/ack_p50_ms"), med(l "/ack_p99_ms"), med(l "/acked_all"), med(l "/rows")
  }
}' "$TMP/results"
