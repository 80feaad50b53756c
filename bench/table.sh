#!/usr/bin/env bash
# bench/table.sh RESULTS: the table of medians from the RESULT lines of bench/run.sh.
# Each figure is the median of its own runs (figures of one row may come from
# different repetitions). Plain awk (mawk): no asort.
exec awk '
/^RESULT / {
  lab = ""; sc = ""
  for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "label") lab = kv[2]; if (kv[1] == "scenario") sc = kv[2] }
  for (i = 2; i <= NF; i++) {
    split($i, kv, "="); k = lab "/" sc "/" kv[1]
    n[k]++; v[k, n[k]] = kv[2]
  }
}
function med(k,    i, j, t, m, a) {
  m = n[k]; if (!m) return ""
  for (i = 1; i <= m; i++) a[i] = v[k, i] + 0
  for (i = 2; i <= m; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
  return a[int((m + 1) / 2)]
}
function has(k) { return n[k] > 0 }
function lat(p, name) {
  return sprintf("%.3f / %.3f / %.3f / %.3f", med(p name "_p50_ms"), med(p name "_p99_ms"), med(p name "_p999_ms"), med(p name "_max_ms"))
}
function row(what, val, target, verdict) { printf "| %-52s | %-37s | %-16s | %-7s |\n", what, val, target, verdict }
function ok(c) { return c ? "met" : "NOT met" }
END {
  runs = n["parley/chat/label"]
  print ""
  printf "Medians of %d runs (latencies in ms: p50 / p99 / p99.9 / max)\n\n", runs
  row("figure", "measured", "issue target", "")
  print "|------------------------------------------------------|---------------------------------------|------------------|---------|"
  p = "parley/idle/"
  row(sprintf("idle: connections held (of %d)", med(p "conns")), sprintf("%d (failed %d)", med(p "held"), med(p "failed")), "", "")
  b = med(p "rss_per_conn_b")
  row("idle: server RSS per idle connection", sprintf("%.0f B (%.2f KiB)", b, b / 1024), "<= 2 KiB", ok(b <= 2048))
  ic = med(p "cpu_pct"); is = med(p "idle_s")
  long = med(p "conns") >= 19000 && is >= 600
  row(sprintf("idle: server CPU while idle (over %d s)", is), sprintf("%.2f %%", ic), "< 2 % (19k, 600 s)", long ? ok(ic < 2) : "")
  row("idle: server RSS at the window start -> end", sprintf("%d -> %d KiB", med(p "rss_window_kb"), med(p "rss_after_kb")), "", "")
  row("idle: hello -> welcome", lat(p, "welcome"), "", "")
  if (has("ramp/max/label"))
    row(sprintf("chat %d conv: max sustainable msgs/s (ramp)", med("ramp/max/convs")), sprintf("%d (%d msg/s per conversation)", med("ramp/max/max_msgs_per_s"), med("ramp/max/max_rate")), "", "")
  p = "parley/chat/"
  d = med(p "deliveries_per_cpu_s")
  row(sprintf("chat %d conv x %d msg/s: deliveries/s", med(p "convs"), med(p "rate")), sprintf("%d (msgs in %d/s)", med(p "deliveries_per_s"), med(p "msgs_per_s")), "", "")
  row("chat: server CPU-seconds in the window", sprintf("%.2f s", med(p "cpu_s")), "", "")
  row("chat: delivered msgs per server CPU-second", sprintf("%d (msgs in: %d)", d, med(p "msgs_per_cpu_s")), ">= 80,000", ok(d >= 80000))
  dp50 = med(p "deliver_p50_ms"); dp99 = med(p "deliver_p99_ms")
  row("chat: send -> delivery at the agent", lat(p, "deliver"), "p50<=0.5 p99<=5", ok(dp50 <= 0.5 && dp99 <= 5))
  row("chat: send -> echo at the visitor", lat(p, "echo"), "", "")
  a99 = med(p "ack_p99_ms")
  row("chat: send -> ack", lat(p, "ack"), "p99 <= 5", ok(a99 <= 5))
  row("chat: load generator send lag", lat(p, "lag"), "", "")
  row("chat: errors", sprintf("%d", med(p "errors")), "", "")
  p = "flood/chat/"
  pr = med(p "acked_per_s")
  row(sprintf("persisted msgs/s (flood %d conv x %d unacked)", med(p "convs"), med(p "window")), sprintf("%d acked/s; %d rows/s in db", pr, med("flood/rows/rows_per_s")), ">= 30,000", ok(pr >= 30000))
  row("flood: send -> ack", lat(p, "ack"), "", "")
  row("flood: server CPU per persisted msg", sprintf("%.1f us", 1e6 * med(p "cpu_s") / (med(p "acked") ? med(p "acked") : 1)), "", "")
  p = "pgflood/chat/"
  if (has(p "label")) {
    pr = med(p "acked_per_s")
    row(sprintf("PostgreSQL: persisted msgs/s (flood %d x %d)", med(p "convs"), med(p "window")), sprintf("%d acked/s; %d rows/s in db", pr, med("pgflood/rows/rows_per_s")), "", "")
    row("PostgreSQL flood: send -> ack", lat(p, "ack"), "", "")
    row("PostgreSQL flood: Parley CPU per persisted msg", sprintf("%.1f us", 1e6 * med(p "cpu_s") / (med(p "acked") ? med(p "acked") : 1)), "", "")
    row("PostgreSQL flood: postgres CPU per row (whole run)", sprintf("%.1f us", 1e6 * med("pgflood/rows/pg_cpu_s") / (med("pgflood/rows/rows") ? med("pgflood/rows/rows") : 1)), "", "")
  }
  p = "parley/storm/"
  row(sprintf("storm: connect + hello (%d)", med(p "conns")), sprintf("%d conn/s (failed %d)", med(p "conn_per_s"), med(p "failed")), "", "")
  row("storm: connect -> welcome", lat(p, "welcome"), "", "")
  c = med("restart/coldstart/ms")
  row("cold start: fresh db, no FAQ", sprintf("%.1f ms", med("plain/coldstart/ms")), "", "")
  row("cold start: fresh db + --faq (1,000 entries)", sprintf("%.1f ms", med("faq/coldstart/ms")), "", "")
  row("cold start: restart, 1,000 FAQ entries stored", sprintf("%.1f ms", c), "<= 50 ms", has("restart/coldstart/ms") ? ok(c <= 50) : "")
  row("FAQ match time", "see the FAQ line below the tables", "", "")
  print ""
  print "Peers, same load generator (raw text broadcast, no JSON, no persistence):"
  print ""
  row("server / shape", "delivery (agent) latency", "deliveries/CPU-s", "")
  print "|------------------------------------------------------|---------------------------------------|------------------|---------|"
  split("parley node parley-rooms node-rooms lws-rooms", L, " ")
  for (i = 1; i <= 5; i++) {
    p = L[i] "/chat/"
    if (!has(p "label")) continue
    row(sprintf("%s: %d conv x %d msg/s", L[i], med(p "convs"), med(p "rate")), lat(p, "deliver"), sprintf("%d", med(p "deliveries_per_cpu_s")), "")
  }
}' "$1"
