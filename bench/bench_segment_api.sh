#!/usr/bin/env bash
# A segment counted end to end through `retain serve` over a world of N customers (default a
# million) with four purchases each on average: the first count after the server starts (which
# reads every customer's facts into memory), then counts against the facts kept in memory, counts
# right after purchases (which must see them), beside the peer: the same condition as one
# hand-written SQL query over the same SQLite file (sqlite3). Reports the server's peak memory.
#   bench_segment_api.sh BUILD_DIR [CUSTOMERS]
set -euo pipefail
build=${1:?build directory}
customers=${2:-1000000}
retain="$build/retain"
work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null
  wait 2>/dev/null || true
  if [ -n "${KEEP:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
db="sqlite:$work/s.db"

# The world: customers in three languages, a third of them without e-mail consent, and sales over
# the last two years, deterministic (seed 7).
python3 - "$customers" "$work" <<'PY'
import random, sys, datetime
n, work = int(sys.argv[1]), sys.argv[2]
rng = random.Random(7)
now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
with open(f"{work}/customers.csv", "w") as c, open(f"{work}/purchases.csv", "w") as p:
    c.write("id,name,email,locale,country,consent_email,first_contact_at\n")
    p.write("id,customer,occurred_at,total,currency\n")
    k = 0
    for i in range(n):
        cid = f"C{i:08d}"
        first = now - datetime.timedelta(days=rng.randint(30, 1500))
        c.write(f"{cid},Customer {i},c{i}@example.com,{rng.choice(['en', 'pt', 'da'])},PT,{'yes' if rng.random() < 0.66 else 'no'},"
                f"{first.strftime('%Y-%m-%dT%H:%M:%SZ')}\n")
        for _ in range(rng.choice([0, 1, 2, 3, 4, 5, 6, 7, 8])):
            k += 1
            at = now - datetime.timedelta(seconds=rng.randint(3600, 730 * 86400))
            p.write(f"P{k:09d},{cid},{at.strftime('%Y-%m-%dT%H:%M:%SZ')},{rng.randint(300, 4000) / 100:.2f},EUR\n")
PY
t0=$(date +%s.%N)
"$retain" import customers "$work/customers.csv" -q --db "$db" >/dev/null
"$retain" import purchases "$work/purchases.csv" -q --db "$db" >/dev/null
t1=$(date +%s.%N)
purchases=$(($(wc -l <"$work/purchases.csv") - 1))
printf 'bench password\n' | "$retain" user add bench --role admin --password-stdin --db "$db" >/dev/null
printf 'world: %s customers, %s purchases, imported in %.0f s\n' "$customers" "$purchases" "$(echo "$t1 - $t0" | bc)"

segment='days_since_last_purchase between 30 and 90 and locale in (\"pt\", \"da\") and email_consent = true'
"$retain" serve --db "$db" --port 0 >"$work/serve.out" 2>&1 &
server=$!
for _ in $(seq 100); do grep -q "http://" "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/serve.out" | head -n 1)
jar="$work/cookies"
csrf=$(curl -s -c "$jar" -X POST "$url/v1/session" -d '{"username":"bench","password":"bench password"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf_token"])')
count() {  # prints "seconds count facts_as_of", the seconds as curl measured the request
  curl -s -b "$jar" -H "X-CSRF-Token: $csrf" -X POST "$url/v1/segments/count" -d "{\"segment\": \"$segment\"}" \
    -w '\n%{time_total}' | python3 -c 'import json,sys; body, secs = sys.stdin.read().rsplit("\n", 1); b = json.loads(body); print(secs, b["count"], b["facts_as_of"])'
}
first=$(count)
times=()
for _ in 1 2 3 4 5; do times+=("$(count)"); done
# Three times: a new Danish customer with consent buys something 45 days ago; the next count must
# hold one more.
afters=()
for k in 1 2 3; do
  curl -s -b "$jar" -H "X-CSRF-Token: $csrf" -X POST "$url/v1/customers" \
    -d "{\"id\": \"BENCH-NEW-$k\", \"name\": \"Bench New\", \"locale\": \"da\", \"consent_email\": \"yes\"}" >/dev/null
  at=$(date -u -d '45 days ago' +%Y-%m-%dT%H:%M:%SZ)
  curl -s -b "$jar" -H "X-CSRF-Token: $csrf" -X POST "$url/v1/purchases" \
    -d "{\"id\": \"BENCH-P-$k\", \"customer\": \"BENCH-NEW-$k\", \"occurred_at\": \"$at\", \"total\": \"5.00\", \"currency\": \"EUR\"}" >/dev/null
  afters+=("$(count)")
done
after=${afters[2]}
peak=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
# The peer: the same condition as one SQL query over the same file, at the moment the server read
# the facts.
cut=$(date -u -d "$(echo "$first" | cut -d' ' -f3)" +%s)
peer_start=$(date +%s.%N)
peer=$(sqlite3 "$work/s.db" "SELECT COUNT(*) FROM customers c JOIN (SELECT customer_id, MAX(occurred_at) AS last FROM purchases
  WHERE kind = 'sale' AND occurred_at <= $cut GROUP BY customer_id) p ON p.customer_id = c.id
  WHERE ($cut - p.last) / 86400 BETWEEN 30 AND 90 AND c.locale IN ('pt', 'da') AND c.consent_email = 1")
peer_end=$(date +%s.%N)
python3 - "$first" "${afters[0]}" "${afters[1]}" "$after" "$peak" "$peer" "$(echo "$peer_end - $peer_start" | bc)" "${times[@]}" <<'PY'
import sys
first, afters, peak, peer, peer_s = sys.argv[1].split(), [a.split() for a in sys.argv[2:5]], int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7])
after = afters[-1]
warm = [a.split() for a in sys.argv[8:]]
secs = sorted(float(w[0]) for w in warm)
print(f"segment counted: {first[1]} customers match")
print(f"  first count after start (reads every customer's facts): {float(first[0]):8.3f} s")
print(f"  counts with the facts in memory, five:                  {secs[0] * 1e3:8.1f} - {secs[-1] * 1e3:.1f} ms")
print(f"  counts right after a new customer's purchase, three:     {', '.join(f'{float(a[0]) * 1e3:.1f}' for a in afters)} ms, {after[1]} match")
print(f"  peer, one SQL query over the same file (sqlite3):       {peer_s * 1e3:8.1f} ms, {peer} match (after the purchase)")
print(f"  median in memory vs the peer: {secs[len(secs) // 2] / peer_s:.2f}x; retain serve peak memory {peak / 1024:.0f} MB")
if int(after[1]) != peer:
    sys.exit(f"the counts differ: retain {after[1]}, sqlite {peer}")
for k, a in enumerate(afters):
    if int(a[1]) != int(first[1]) + k + 1:
        sys.exit(f"purchase {k + 1} did not show: {first[1]} before, {a[1]} after")
PY
