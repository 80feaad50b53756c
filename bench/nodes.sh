#!/usr/bin/env bash
# bench/nodes.sh: the chat scenario across nodes (issue 9's benchmark). For each
# repetition it runs, on a fresh shared SQLite file each time:
#   local1  one node, the in-process bus (the baseline)
#   redis1  one node on --bus redis: every event also goes through Redis and back
#           (the cost of the bus hop on one node)
#   redis2  two nodes on --bus redis, visitors on node A and agents on node B:
#           every message crosses Redis to reach the other side
# and prints the medians: delivered messages/s, per server CPU-second (all nodes
# summed), and delivery / ack latency. Nodes and Redis are pinned to SERVER_CPU,
# the load generator to LOADGEN_CPU (a 2-core machine has no third core to give).
#
#   bench/nodes.sh                      CONVS=200 RATE=20 DURATION=8 REPS=3
#   PARLEY_BIN=path bench/nodes.sh      a given build
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${REPS:-3}; CONVS=${CONVS:-200}; RATE=${RATE:-20}; AGENTS_PER=${AGENTS_PER:-25}
DURATION=${DURATION:-8}; WARMUP=${WARMUP:-2}; WORKERS=${WORKERS:-4}; SRC=${SRC:-16}
SERVER_CPU=${SERVER_CPU:-0}; LOADGEN_CPU=${LOADGEN_CPU:-1}
PORT_A=${PORT_A:-18491}; PORT_B=${PORT_B:-18492}; REDIS_PORT=${REDIS_PORT:-18493}
ADMIN_EMAIL=bench@example.test; ADMIN_PASSWORD='bench password 1'

command -v redis-server >/dev/null || scripts/ensure-debs.sh redis-server
if [ -n "${PARLEY_BIN:-}" ]; then BIN=$PARLEY_BIN; else make --no-print-directory >/dev/null; BIN=build/parley; fi
mkdir -p bench/bin
cc -std=c11 -O2 -g -Wall -Wextra -Werror -o bench/bin/loadgen \
  bench/loadgen.c bench/worker.c bench/wsc.c bench/hist.c bench/http1.c

TMP=$(mktemp -d /tmp/parley-nodes.XXXXXX)
PIDS=()
stop_all() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  PIDS=()
}
trap 'stop_all; rm -rf "$TMP"' EXIT
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
    --warmup "$WARMUP" --label "$label" "$@" | grep '^RESULT' >>"$TMP/results"
}

echo "nodes: $REPS repetitions; chat $CONVS conversations x $RATE msg/s, ${DURATION} s; server $BIN"
for r in $(seq 1 "$REPS"); do
  d=$TMP/local$r; mkdir -p "$d"
  node "$d" "$PORT_A"
  run local1 "${PIDS[0]}"
  stop_all

  d=$TMP/redis1-$r; mkdir -p "$d"
  redis
  node "$d" "$PORT_A" --bus "redis://127.0.0.1:$REDIS_PORT"
  run redis1 "${PIDS[1]}"
  stop_all

  d=$TMP/redis2-$r; mkdir -p "$d"
  redis
  node "$d" "$PORT_A" --bus "redis://127.0.0.1:$REDIS_PORT"
  node "$d" "$PORT_B" --bus "redis://127.0.0.1:$REDIS_PORT"
  run redis2 "${PIDS[1]},${PIDS[2]}" --agent-port "$PORT_B"
  stop_all
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
  printf "\n| run | delivered/s | per server CPU-s | delivery p50 / p99 ms | ack p50 / p99 ms |\n|---|---|---|---|---|\n"
  split("local1 redis1 redis2", L, " ")
  for (i = 1; i <= 3; i++) {
    l = L[i]
    printf "| %s | %d | %d | %.2f / %.2f | %.2f / %.2f |\n", l, med(l "/deliveries_per_s"),
      med(l "/deliveries_per_cpu_s"), med(l "/deliver_p50_ms"), med(l "/deliver_p99_ms"),
      med(l "/ack_p50_ms"), med(l "/ack_p99_ms")
  }
}' "$TMP/results"
