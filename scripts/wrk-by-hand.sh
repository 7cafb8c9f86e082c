#!/usr/bin/env bash
# A cross-check outside the harness: each server pinned to CPU 0, wrk pinned to CPU 1, 1000 connections, 15 s of
# random blog POSTs; server CPU from /proc/<pid>/stat before and after. Needs the servers built (pnpm build) and wrk.
cd "$(dirname "$0")/.."
cat > "${TMPDIR:-/tmp}/kvbench-post.lua" <<'LUA'
math.randomseed(42)
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  return wrk.format(nil, "/kv", nil, string.format('{"key":"key-%d","value":%d,"ttl":%.3f}', math.random(0,99), math.random(0,99), 1 + math.random()))
end
LUA
command -v wrk >/dev/null && command -v bc >/dev/null || { echo "needs wrk and bc (apt-get install wrk bc)" >&2; exit 2; }
hz=$(getconf CLK_TCK)
for s in go rust ts; do
  case $s in go) cmd="servers/go/bin/kvserver";; rust) cmd="servers/rust/target/release/kvserver-rust";; ts) cmd="node servers/ts/dist/main.js";; esac
  rm -rf "${TMPDIR:-/tmp}/kvbench-hand-$s"; taskset -c 0 $cmd --port 8720 --directory "${TMPDIR:-/tmp}/kvbench-hand-$s" > "${TMPDIR:-/tmp}/kvbench-hand-$s".out 2>&1 &
  pid=$!; trap "kill $pid 2>/dev/null" EXIT; sleep 1
  t0=$(awk '{print $14+$15}' /proc/$pid/stat)
  taskset -c 1 wrk -t1 -c1000 -d15s --latency -s "${TMPDIR:-/tmp}/kvbench-post.lua" http://127.0.0.1:8720 > "${TMPDIR:-/tmp}/kvbench-hand-$s".wrk 2>&1
  t1=$(awk '{print $14+$15}' /proc/$pid/stat)
  kill -TERM $pid; wait $pid
  rps=$(awk '/Requests\/sec/{print $2}' "${TMPDIR:-/tmp}/kvbench-hand-$s".wrk); total=$(awk '/requests in/{print $1}' "${TMPDIR:-/tmp}/kvbench-hand-$s".wrk)
  cpu=$(echo "($t1-$t0)/$hz" | bc -l)
  printf "%s rps=%s requests=%s server_cpu_s=%.2f cores=%.2f us_per_req=%.1f non2xx=%s\n" $s $rps $total $cpu $(echo "$cpu/15" | bc -l) $(echo "$cpu*1000000/$total" | bc -l) "$(grep -c Non-2xx "${TMPDIR:-/tmp}/kvbench-hand-$s".wrk)"
  grep -E "50%|99%" "${TMPDIR:-/tmp}/kvbench-hand-$s".wrk
done
