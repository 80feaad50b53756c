#!/usr/bin/env bash
# bench/run.sh: Parley's benchmark. Builds Parley (`make`) and bench/bin/loadgen,
# runs every scenario REPS times against a fresh server on a temp database
# (server pinned to core SERVER_CPU, load generator to LOADGEN_CPU), and prints
# one table of medians. Also runs the chat scenario against the peers: a Node
# `ws` room broadcast server (bench/peer-ws.mjs) and Debian's
# libwebsockets-test-server (lws-mirror-protocol), when installed.
# pgflood is the flood scenario again on a throwaway PostgreSQL 15 (bench/pg.sh:
# fsync and synchronous_commit on, pinned to PG_CPU = the server's core), a fresh
# database per repetition, rows counted with psql; skipped, with a message, when
# PostgreSQL 15 is not installed.
#
# Sizes (environment overrides):
#   IDLE=5000 IDLE_SECS=5 (how long the idle server's CPU is measured) STORM=5000 CONVS=1000 RATE=auto AGENTS_PER=25 DURATION=8 WARMUP=2
#   RAMP_RATES="2 4 6 8 10 12 14 16 20 24" (msg/s per conversation, tried in turn)
#   FLOOD_CONVS=100 FLOOD_WINDOW=16 ROOMS=3 ROOM_RATE=1333 FAQ_N=1000 REPS=3
#   WORKERS=4 SRC=16 PORT=18480 DURABILITY=full PEERS=1 KEEP=0 (keep the temp dir)
#   ONLY="ramp idle chat flood pgflood storm rooms peers cold faq" (a subset, for quick iterations)
#   ramp: the chat scenario at each of RAMP_RATES until one is not sustained (p99
#   send->delivery over 100 ms, or the server's core over 95 % busy); the last one
#   sustained is the maximum. RATE=auto runs chat at half of it (the issue's
#   "half the maximum sustainable rate"); without ramp, auto means 4.
#   PG_CPU=0 (the core PostgreSQL runs on; "all": unpinned)
#   ONLY=churn CHURN_SECS=600 CHURN_CONNS=5000: the memory-stays-flat run (not in the
#   default set: it takes CHURN_SECS). Connect storms of CHURN_CONNS new visitors, all
#   dropped at once, back to back on one server; VmRSS after each round.
#   EVENT_LOOP=libev|libuv|poll (passed to Parley as PARLEY_EVENT_LOOP; default: Parley's)
#   PARLEY_BIN=path: benchmark that binary instead of running `make` (e.g. a build of
#   a given commit: git archive HEAD | tar -x -C DIR, then cmake in DIR)
set -euo pipefail
cd "$(dirname "$0")/.."

REPS=${REPS:-3}; IDLE=${IDLE:-5000}; IDLE_SECS=${IDLE_SECS:-5}; STORM=${STORM:-5000}
CONVS=${CONVS:-1000}; RATE=${RATE:-auto}; AGENTS_PER=${AGENTS_PER:-25}
RAMP_RATES=${RAMP_RATES:-2 4 6 8 10 12 14 16 20 24}; RAMP_SECS=4   # each ramp step's window
DURATION=${DURATION:-8}; WARMUP=${WARMUP:-2}
FLOOD_CONVS=${FLOOD_CONVS:-100}; FLOOD_WINDOW=${FLOOD_WINDOW:-16}
ROOMS=${ROOMS:-3}; ROOM_RATE=${ROOM_RATE:-1333}
FAQ_N=${FAQ_N:-1000}; WORKERS=${WORKERS:-4}; SRC=${SRC:-16}; PORT=${PORT:-18480}
DURABILITY=${DURABILITY:-full}; PEERS=${PEERS:-1}
CHURN_SECS=${CHURN_SECS:-600}; CHURN_CONNS=${CHURN_CONNS:-5000}
ONLY=${ONLY:-ramp idle chat flood pgflood storm rooms peers cold faq}
want() { case " $ONLY " in *" $1 "*) return 0 ;; esac; return 1; }
[ -n "${EVENT_LOOP:-}" ] && export PARLEY_EVENT_LOOP=$EVENT_LOOP
SERVER_CPU=${SERVER_CPU:-0}; LOADGEN_CPU=${LOADGEN_CPU:-1}
ADMIN_EMAIL=bench@example.test; ADMIN_PASSWORD='bench password 1'

if [ -n "${PARLEY_BIN:-}" ]; then BIN=$PARLEY_BIN; else make --no-print-directory >/dev/null; BIN=build/parley; fi
mkdir -p bench/bin
cc -std=c11 -O2 -g -Wall -Wextra -Werror -o bench/bin/loadgen \
  bench/loadgen.c bench/worker.c bench/wsc.c bench/hist.c bench/http1.c
command -v sqlite3 >/dev/null || { echo "bench: installing sqlite3"; apt-get install -y sqlite3 >/dev/null; }

TMP=$(mktemp -d /tmp/parley-bench.XXXXXX)
RES=$TMP/results
SPID=
. bench/pg.sh
cleanup() {
  if [ -n "$SPID" ]; then kill -TERM "$SPID" 2>/dev/null || true; wait "$SPID" 2>/dev/null || true; fi
  pg_stop
  if [ "${KEEP:-0}" = 1 ]; then echo "bench: logs kept in $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
ulimit -n 20000 2>/dev/null || true

wait_port() {        # until GET /healthz (or any HTTP answer for peers) works
  for _ in $(seq 1 400); do
    curl -s -o /dev/null -m 1 "http://127.0.0.1:$PORT${1:-/healthz}" && return 0
    sleep 0.025
  done
  echo "bench: server on $PORT did not come up" >&2; return 1
}
start_parley() {     # start_parley NAME [extra args]: fresh db in $TMP/NAME
  local dir=$TMP/$1; shift; mkdir -p "$dir"
  PARLEY_ADMIN_EMAIL=$ADMIN_EMAIL PARLEY_ADMIN_PASSWORD=$ADMIN_PASSWORD \
    taskset -c "$SERVER_CPU" "$BIN" --port "$PORT" --db "$dir/parley.db" --rate-limit 0 \
    --max-conns-per-ip 0 --durability "$DURABILITY" "$@" >"$dir/server.log" 2>&1 &
  SPID=$!; DB=$dir/parley.db; wait_port
}
start_peer() {       # start_peer NAME COMMAND...
  local dir=$TMP/$1; shift; mkdir -p "$dir"
  (cd "$dir" && exec taskset -c "$SERVER_CPU" "$@" >"$dir/server.log" 2>&1) &
  SPID=$!; wait_port /
}
stop_server() { kill -TERM "$SPID" 2>/dev/null || true; wait "$SPID" 2>/dev/null || true; SPID=; }
lg() {               # lg SCENARIO ARGS...: one load-generator run, RESULT kept
  taskset -c "$LOADGEN_CPU" bench/bin/loadgen "$@" --port "$PORT" --pid "$SPID" \
    --workers "$WORKERS" --src "$SRC" --admin "$ADMIN_EMAIL:$ADMIN_PASSWORD" | tee "$TMP/last" | sed 's/^RESULT.*//;/^$/d'
  grep '^RESULT' "$TMP/last" >>"$RES"
}
rows() { sqlite3 "$DB" "SELECT count(*) FROM messages WHERE role='visitor' AND text LIKE '~b %';"; }
flood_rows() {       # flood_rows LABEL BEFORE AFTER [EXTRA]: the rows-in-the-db cross-check
  awk -v l="$1" -v b="$2" -v a="$3" -v d="$DURATION" -v u="$WARMUP" -v x="${4:-}" \
    'BEGIN { printf "RESULT label=%s scenario=rows rows=%d rows_per_s=%.0f%s\n", l, a - b, (a - b) / (d + u), x }' >>"$RES"
}

gen_faq() {          # FAQ_N entries with keywords and PCRE2 patterns
  awk -v n="$1" 'BEGIN {
    split("order invoice parcel refund account password voucher warranty return size", w, " ")
    printf "["
    for (i = 1; i <= n; i++) {
      a = w[(i % 10) + 1]; b = w[(int(i / 10) % 10) + 1]
      printf "%s{\"id\":\"bench-%d\",\"locale\":\"en\",\"question\":\"How do I handle %s %s number %d?\",", (i > 1 ? "," : ""), i, a, b, i
      printf "\"answer\":\"For %s %s %d, open your account page and follow the steps shown there.\",", a, b, i
      printf "\"keywords\":[\"%s%d\",\"%s %s %d\",\"code%d*\"],", a, i, a, b, i, i
      printf "\"patterns\":[\"\\\\b%s\\\\b.*\\\\b%d\\\\b\",\"\\\\bref(erence)?\\\\s*%d\\\\b\"]}\n", b, i, i
    }
    print "]" }' >"$2"
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$SPID/status"; }
churn() {            # one server, storms until CHURN_SECS have passed; RSS per round
  start_parley churn
  local end=$(( $(date +%s) + CHURN_SECS )) round=0 first= second= last= max=0 r
  local half=$(( $(date +%s) + CHURN_SECS / 2 )) mid=
  first=$(rss_kb)
  while [ "$(date +%s)" -lt "$end" ]; do
    round=$((round + 1))
    taskset -c "$LOADGEN_CPU" bench/bin/loadgen storm --conns "$CHURN_CONNS" --port "$PORT" --pid "$SPID" \
      --workers "$WORKERS" --src "$SRC" --label churn >/dev/null || { echo "churn: round $round failed"; break; }
    sleep 1                          # the server finishes closing the last round's sockets
    r=$(rss_kb); last=$r; [ "$round" = 1 ] && second=$r; [ "$r" -gt "$max" ] && max=$r
    [ -z "$mid" ] && [ "$(date +%s)" -ge "$half" ] && mid=$r
    echo "churn: round $round ($(( round * CHURN_CONNS )) connections so far): VmRSS $r KiB"
  done
  echo "churn: $round rounds of $CHURN_CONNS in ${CHURN_SECS} s; VmRSS at start $first KiB," \
       "after round 1 $second KiB, after the last $last KiB (max $max KiB);" \
       "from the halfway point ($mid KiB) to the end: $(( last - ${mid:-$last} )) KiB"
  stop_server
}

have_lws=0; command -v libwebsockets-test-server >/dev/null && have_lws=1
if [ "$have_lws" = 0 ] && [ "$PEERS" = 1 ] && want peers; then
  echo "bench: libwebsockets-test-server is not installed (make bench installs it): the lws peer is skipped"
fi
PG_OK=0
if want pgflood; then
  if ! pg_have; then
    echo "bench: PostgreSQL 15 is not installed ($PG_BIN/initdb, psql): pgflood skipped"
  elif pg_start; then PG_OK=1
  else echo "bench: the throwaway PostgreSQL did not start: pgflood skipped"; fi
fi
gen_faq "$FAQ_N" "$TMP/faq.json"
echo "bench: $REPS repetitions; idle $IDLE, storm $STORM, chat $CONVS x $RATE msg/s (agents: 1 socket per $AGENTS_PER),"
echo "       server $BIN ($("$BIN" --version 2>/dev/null | head -1))"
echo "       flood $FLOOD_CONVS x window $FLOOD_WINDOW, peers $ROOMS rooms x $ROOM_RATE msg/s; durability $DURABILITY"
T0=$(date +%s)
if want churn; then churn; [ "$ONLY" = churn ] && exit 0; fi
if want ramp; then
  best=0
  for rr in $RAMP_RATES; do
    start_parley "ramp$rr"
    lg chat --convs "$CONVS" --rate "$rr" --agents-per "$AGENTS_PER" --duration "$RAMP_SECS" --warmup 1 \
      --label ramp >/dev/null
    stop_server
    verdict=$(grep '^RESULT label=ramp ' "$RES" | tail -1 | tr ' ' '\n' | awk -F= -v secs="$RAMP_SECS" '
      $1 == "deliver_p99_ms" { p99 = $2 } $1 == "cpu_s" { busy = $2 / secs }
      END { printf "%s (p99 %.1f ms, server core %.0f %% busy)\n",
            (p99 <= 100 && busy <= 0.95) ? "sustained" : "not sustained", p99, busy * 100 }')
    echo "ramp: $CONVS x $rr msg/s = $((CONVS * rr)) msgs/s: $verdict"
    case $verdict in sustained*) best=$rr ;; *) break ;; esac
  done
  echo "RESULT label=ramp scenario=max convs=$CONVS max_rate=$best max_msgs_per_s=$((CONVS * best))" >>"$RES"
  [ "$RATE" = auto ] && RATE=$(( best / 2 > 0 ? best / 2 : 1 ))
fi
[ "$RATE" = auto ] && RATE=4
echo "bench: chat at $CONVS x $RATE msg/s"
for r in $(seq 1 "$REPS"); do
  echo "---- repetition $r"
  if want idle; then start_parley "idle$r";  lg idle --conns "$IDLE" --cpu-window "$IDLE_SECS" --label parley
    stop_server; fi
  if want chat; then start_parley "chat$r";  lg chat --convs "$CONVS" --rate "$RATE" --agents-per "$AGENTS_PER" \
    --duration "$DURATION" --warmup "$WARMUP" --label parley; stop_server; fi
  if want flood; then
    start_parley "flood$r"
    before=$(rows); lg chat --convs "$FLOOD_CONVS" --rate 0 --window "$FLOOD_WINDOW" --agents-per 0 \
      --duration "$DURATION" --warmup "$WARMUP" --label flood
    stop_server; after=$(rows)   # after SIGTERM: everything acked is on disk
    flood_rows flood "$before" "$after"
  fi
  if [ "$PG_OK" = 1 ] && want pgflood; then   # the same flood, stored in PostgreSQL
    url=$(pg_newdb "flood$r")
    start_parley "pgflood$r" --store "$url"
    before=$(pg_rows "$url"); c0=$(pg_cpu)
    lg chat --convs "$FLOOD_CONVS" --rate 0 --window "$FLOOD_WINDOW" --agents-per 0 \
      --duration "$DURATION" --warmup "$WARMUP" --label pgflood
    c1=$(pg_cpu)
    stop_server; after=$(pg_rows "$url")
    flood_rows pgflood "$before" "$after" " pg_cpu_s=$(awk -v a="$c0" -v b="$c1" 'BEGIN { print b - a }')"
  fi
  if want storm; then start_parley "storm$r"; lg storm --conns "$STORM" --label parley; stop_server; fi
  if want rooms; then start_parley "rooms$r"; lg chat --convs "$ROOMS" --rate "$ROOM_RATE" --agents-per 1 \
    --duration "$DURATION" --warmup "$WARMUP" --label parley-rooms; stop_server; fi
  if [ "$PEERS" = 1 ] && want peers; then
    start_peer "node$r" node "$PWD/bench/peer-ws.mjs" "$PORT"
    lg chat --raw '/room/%d' --convs "$CONVS" --rate "$RATE" --duration "$DURATION" --warmup "$WARMUP" --label node
    lg chat --raw '/room/%d' --convs "$ROOMS" --rate "$ROOM_RATE" --duration "$DURATION" --warmup "$WARMUP" --label node-rooms
    stop_server
    if [ "$have_lws" = 1 ]; then   # its mirror protocol allows 3 instances: rooms shape only
      start_peer "lws$r" libwebsockets-test-server --port="$PORT"
      lg chat --raw '/?mirror=r%d' --subproto lws-mirror-protocol --convs "$ROOMS" --rate "$ROOM_RATE" \
        --duration "$DURATION" --warmup "$WARMUP" --label lws-rooms
      stop_server
    fi
  fi
  want cold || continue
  for kind in plain faq restart; do  # cold start to /healthz 200
    dir=$TMP/cold$r; mkdir -p "$dir"
    case $kind in
      plain)   args=(--db "$dir/plain.db") ;;
      faq)     args=(--db "$dir/faq.db" --faq "$TMP/faq.json") ;;
      restart) args=(--db "$dir/faq.db") ;;   # 1,000 entries already stored
    esac
    PARLEY_ADMIN_EMAIL=$ADMIN_EMAIL PARLEY_ADMIN_PASSWORD=$ADMIN_PASSWORD \
      taskset -c "$LOADGEN_CPU" bench/bin/loadgen coldstart "$PORT" -- \
      taskset -c "$SERVER_CPU" "$BIN" --port "$PORT" "${args[@]}" >"$dir/$kind.out" 2>&1
    sed -n 's/^RESULT scenario=coldstart/RESULT label='"$kind"' scenario=coldstart/p' "$dir/$kind.out" >>"$RES"
  done
  grep "label=plain\|label=faq\|label=restart" "$RES" | tail -3 | sed 's/^RESULT /  /'
done
# FAQ match time: the corpus test's timing (1,000 synthetic entries, 10,000 matches of
# a 200-character message), from the same build as the server, pinned like it.
FAQ_LINE=""
if want faq && [ -x "$(dirname "$BIN")/test_faq_corpus" ]; then
  FAQ_LINE=$(taskset -c "$SERVER_CPU" "$(dirname "$BIN")/test_faq_corpus" 2>/dev/null | grep 'faq_match median')
fi
[ "${KEEP:-0}" = 1 ] && cp "$RES" "$TMP/results.txt"
echo "bench: done in $(( $(date +%s) - T0 )) s"
[ -s "$RES" ] && bench/table.sh "$RES"
if [ -n "$FAQ_LINE" ]; then echo "FAQ: $FAQ_LINE"; fi
