#!/usr/bin/env bash
# Sustained mixed load on `retain serve`, on SQLite and on PostgreSQL, with wrk:
#   bench/bench_load.sh BUILD_DIR [SECONDS] [CONNECTIONS]
# For each database, on a fresh demo world (2,000 customers), four wrk processes run at once for
# SECONDS (default 60) over CONNECTIONS keep-alive connections in all (default 256), split
#   read 3/8      GET /v1/customers/{id}
#   purchase 1/4  POST /v1/purchases (new ones; each earns points and punches)
#   redeem 1/8    POST /v1/loyalty/redemptions (with an Idempotency-Key; spends points, issues a coupon)
#   offer 1/4     GET /v1/subscriptions/{id}/offers (the retention desk's decision)
# and report requests/s, p50 and p99 latency, socket errors and non-2xx answers per kind; the
# server's resident memory every 5 s (growth after the first 15 s of warm-up); the purchases and
# coupons in the database against the acknowledged requests; and `retain check`. The run is then
# repeated with hostile clients beside it (bench/load/hostile.py: 300 slowloris connections and 4
# clients sending 1 GiB bodies) to show they do not starve the others.
set -euo pipefail
build=$(cd "${1:?build directory}" && pwd)
duration=${2:-60}
connections=${3:-256}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  wait 2>/dev/null || true
  [ -f "$work/pg/url" ] && "$here/../tests/pg_cluster.sh" stop "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
command -v wrk >/dev/null || { echo "bench_load: wrk is not installed (apt-get install wrk)" >&2; exit 1; }

c_read=$((connections * 3 / 8)); c_purchase=$((connections / 4)); c_redeem=$((connections / 8))
c_offer=$((connections - c_read - c_purchase - c_redeem))

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

wrk_run() {  # NAME CONNECTIONS SCRIPT URL [HEADER]
  local name=$1 conns=$2 script=$3 url=$4
  wrk -t1 -c"$conns" -d"${duration}s" --timeout 10s --latency -s "$here/load/$script" -H "$auth" "$url" >"$work/$name.out" 2>&1
}

report() {  # NAME
  local out="$work/$1.out"
  local n rps p50 p99 errors non2xx
  n=$(awk '/requests in/ {print $1}' "$out")
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
  p50=$(awk '$1 == "50%" {print $2}' "$out")
  p99=$(awk '$1 == "99%" {print $2}' "$out")
  errors=$(awk '/Socket errors/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "$out")
  non2xx=$(awk '/Non-2xx/ {print $5}' "$out")
  printf '  %-10s %10s %12s %10s %10s %8s %8s\n' "$1" "$n" "$rps" "$p50" "$p99" "${errors:-0}" "${non2xx:-0}"
  echo "$n" >"$work/$1.n"
}

one_run() {  # LABEL DB_URL HOSTILE(0/1)
  local label=$1 db=$2 hostile=$3
  local port=$((20000 + RANDOM % 20000))
  "$build/retain" serve --db "$db" --port "$port" >"$work/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 300); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  local base="http://127.0.0.1:$port"
  local before_p before_c
  before_p=$(curl -fs -H "$auth" "$base/v1/stats" | sed 's/.*"purchases":\([0-9]*\).*/\1/')
  before_c=$(count_coupons "$db")
  export RUN="$label-$RANDOM"
  : >"$work/wal"
  ( while kill -0 "$server" 2>/dev/null; do
      rss_kib "$server"
      [[ "$db" == sqlite:* ]] && du -m "${db#sqlite:}-wal" 2>/dev/null | cut -f1 >>"$work/wal"
      sleep 5
    done ) >"$work/rss" &
  local sampler=$!
  local hostile_pid=""
  if [ "$hostile" = 1 ]; then
    python3 "$here/load/hostile.py" "$port" "$duration" 300 >"$work/hostile.out" 2>&1 &
    hostile_pid=$!
  fi
  wrk_run read "$c_read" read.lua "$base" &
  local w1=$!
  wrk_run purchase "$c_purchase" purchase.lua "$base" &
  local w2=$!
  wrk_run redeem "$c_redeem" redeem.lua "$base" &
  local w3=$!
  wrk_run offer "$c_offer" offer.lua "$base" &
  local w4=$!
  wait "$w1" "$w2" "$w3" "$w4"
  [ -n "$hostile_pid" ] && wait "$hostile_pid"
  sleep 1
  echo "$label: ${duration}s, $connections connections (read $c_read, purchase $c_purchase, redeem $c_redeem, offer $c_offer)$([ "$hostile" = 1 ] && echo ', with hostile clients')"
  printf '  %-10s %10s %12s %10s %10s %8s %8s\n' "" "requests" "requests/s" "p50" "p99" "errors" "non-2xx"
  for k in read purchase redeem offer; do report "$k"; done
  [ "$hostile" = 1 ] && echo "  hostile: $(cat "$work/hostile.out")"
  local after_p after_c
  after_p=$(curl -fs -H "$auth" "$base/v1/stats" | sed 's/.*"purchases":\([0-9]*\).*/\1/')
  after_c=$(count_coupons "$db")
  kill "$sampler" 2>/dev/null || true
  kill "$server"; wait "$server" 2>/dev/null || true
  server=""
  # wrk stops counting at the end with up to one request per connection unanswered: each kind's
  # stored count must lie between its acknowledged count and that plus its connections.
  verdict() {  # STORED ACKNOWLEDGED IN_FLIGHT
    if [ "$1" -ge "$2" ] && [ "$1" -le $(($2 + $3)) ]; then echo "none lost, none doubled"; else echo "MISMATCH"; fi
  }
  local np nr
  np=$(cat "$work/purchase.n"); nr=$(cat "$work/redeem.n")
  echo "  purchases stored: $((after_p - before_p)) for $np acknowledged, up to $c_purchase in flight at the end: $(verdict $((after_p - before_p)) "$np" "$c_purchase")"
  echo "  coupons issued: $((after_c - before_c)) for $nr acknowledged redemptions, up to $c_redeem in flight: $(verdict $((after_c - before_c)) "$nr" "$c_redeem")"
  awk 'NR == 1 {} {v[NR] = $1} END {
    w = (NR >= 4) ? 4 : 1; warm = v[w]; max = 0; for (i = w; i <= NR; i++) if (v[i] > max) max = v[i];
    printf "  memory (RSS): %.0f MiB after 15 s, %.0f MiB at the end, %.0f MiB at most after warm-up; growth after warm-up %+.1f MiB\n",
      warm / 1024, v[NR] / 1024, max / 1024, (v[NR] - warm) / 1024
    printf "  RSS every 15 s (MiB):"; for (i = 1; i <= NR; i += 3) printf " %.0f", v[i] / 1024; printf "\n" }' "$work/rss"
  if [[ "$db" == sqlite:* ]]; then
    echo "  database file $(du -m "${db#sqlite:}" | cut -f1) MiB, write-ahead log $(du -m "${db#sqlite:}-wal" 2>/dev/null | cut -f1) MiB at the end (largest seen: $(sort -n "$work/wal" | tail -1) MiB)"
  fi
  "$build/retain" check --db "$db" >"$work/check.out" 2>&1 && echo "  retain check: every rule holds" || { echo "  retain check FAILED:"; cat "$work/check.out"; }
}

count_coupons() {  # DB_URL
  if [[ "$1" == sqlite:* ]]; then
    sqlite3 "${1#sqlite:}" "SELECT COUNT(*) FROM coupons"
  else
    psql -qtA "$1" -c "SELECT COUNT(*) FROM coupons"
  fi
}

prepare() {  # DB_URL: the demo world, a key, and 200 members with points to redeem
  local db=$1
  "$build/retain" demo --no-serve --customers 2000 --db "$db" -q >/dev/null
  auth="Authorization: Bearer $("$build/retain" key add --name load --scopes records:read,records:write,loyalty:adjust --db "$db" 2>/dev/null)"
  local port=$((20000 + RANDOM % 20000))
  "$build/retain" serve --db "$db" --port "$port" >"$work/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 300); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  for i in $(seq 200); do
    curl -fs -o /dev/null -H "$auth" -H "Content-Type: application/json" -H "Idempotency-Key: load-points-$i" \
      -d "{\"program\":\"sub-points\",\"customer\":\"$(printf 'C%07d' "$i")\",\"points\":10000000,\"reason\":\"load test\"}" \
      "http://127.0.0.1:$port/v1/loyalty/adjustments"
  done
  SUBS=$(curl -fs -H "$auth" "http://127.0.0.1:$port/v1/subscriptions?limit=500" | grep -o '"id":"[^"]*-SUB[^"]*"' | cut -d'"' -f4 | paste -sd,)
  export SUBS
  kill "$server"; wait "$server" 2>/dev/null || true
  server=""
}

# DATABASES="sqlite postgres" and HOSTILE="0 1" choose the runs.
echo "bench_load: $(nproc) cores, wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}')"
for database in ${DATABASES:-sqlite postgres}; do
  if [ "$database" = sqlite ]; then
    url="sqlite:$work/load.db"
  else
    "$here/../tests/pg_cluster.sh" start "$work/pg" >/dev/null
    url=$(cat "$work/pg/url")
  fi
  prepare "$url"
  for hostile in ${HOSTILE:-0 1}; do one_run "$database" "$url" "$hostile"; done
done
