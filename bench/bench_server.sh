#!/usr/bin/env bash
# HTTP throughput of `retain serve` next to a minimal Beast server, in one run, with wrk.
#   bench/bench_server.sh BUILD_DIR [DURATION_SECONDS] [CONNECTIONS]
# Runs against a fresh demo world (SQLite) and reports requests/s, p50/p99 latency and errors for:
#   floor   GET /          on bench/minimal_server (no database)
#   read    GET /v1/customers/C0000042 (with an API key, as an integration calls it)
#   write   POST /v1/purchases, a new purchase per request, acknowledged only once committed
#   offers  GET /v1/subscriptions/{id}/offers?reason=too_expensive: the retention desk's decision
#           (customer, plan, scores, tallies and past offers read; eligible offers ranked)
#   floor-32, offers-32  the floor and the decision again at 32 connections
set -euo pipefail
build=${1:?build directory}
duration=${2:-30}
connections=${3:-256}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

command -v wrk >/dev/null || { echo "bench_server: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
"$build/retain" demo --no-serve --customers 2000 --db "sqlite:$work/bench.db" -q >/dev/null
key=$("$build/retain" key add --name bench --scopes records:read,records:write --db "sqlite:$work/bench.db" 2>/dev/null)
auth="Authorization: Bearer $key"

port_min=$((20000 + RANDOM % 20000)); port_retain=$((port_min + 1))
"$build/bench/minimal_server" "$port_min" & pids+=($!)
"$build/retain" serve --db "sqlite:$work/bench.db" --port "$port_retain" >"$work/serve.log" 2>&1 & pids+=($!)
for _ in $(seq 50); do
  curl -fs "http://127.0.0.1:$port_retain/healthz" >/dev/null 2>&1 && curl -fs "http://127.0.0.1:$port_min/" >/dev/null 2>&1 && break
  sleep 0.2
done

run() {  # run NAME URL [wrk args...]
  local name=$1 url=$2; shift 2
  local out
  out=$(wrk -t2 -c"$connections" -d"${duration}s" --timeout 10s --latency "$@" "$url")
  local rps p50 p99 errors non2xx
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(awk '/Socket errors/ {gsub(",", ""); print $4 + $6 + $8 + $10}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  printf '%-44s %12s %10s %10s %8s %8s\n' "$name" "$rps" "$p50" "$p99" "${errors:-0}" "${non2xx:-0}"
  echo "$rps" >"$work/$name.rps"
}

echo "bench_server: ${duration}s per run, $connections keep-alive connections, wrk -t2, $(nproc) cores"
printf '%-44s %12s %10s %10s %8s %8s\n' "" "requests/s" "p50" "p99" "errors" "non-2xx"
run floor "http://127.0.0.1:$port_min/"
run read "http://127.0.0.1:$port_retain/v1/customers/C0000042" -H "$auth"
run write "http://127.0.0.1:$port_retain/" -H "$auth" -s "$here/post_purchase.lua"
sub=$(curl -fs -H "$auth" "http://127.0.0.1:$port_retain/v1/subscriptions?limit=1" | sed 's/.*"id":"\([^"]*\)".*/\1/')
run offers "http://127.0.0.1:$port_retain/v1/subscriptions/$sub/offers?reason=too_expensive" -H "$auth"
# The same two at a desk's own load (a few dozen agents' screens), where queueing on 2 cores
# does not dominate the latency.
all=$connections; connections=32
run floor-32 "http://127.0.0.1:$port_min/"
run offers-32 "http://127.0.0.1:$port_retain/v1/subscriptions/$sub/offers?reason=too_expensive" -H "$auth"
connections=$all
floor=$(cat "$work/floor.rps"); read_rps=$(cat "$work/read.rps"); write_rps=$(cat "$work/write.rps")
offers_rps=$(cat "$work/offers.rps")
awk -v f="$floor" -v r="$read_rps" -v w="$write_rps" -v o="$offers_rps" 'BEGIN {
  printf "read / floor = %.2f (goal >= 0.50); durable writes = %.0f/s (goal >= 10000); offer decisions = %.0f/s (goal >= 10000, p99 < 10 ms)\n", r / f, w, o }'
count=$("$build/retain" stats --format json --db "sqlite:$work/bench.db" | sed 's/.*"purchases":\([0-9]*\).*/\1/')
echo "purchases in the database after the run: $count"
