#!/usr/bin/env bash
# A campaign end to end through `retain serve`: a demo world of N customers, a real SMTP server on
# loopback (tests/smtp_sink.py), the example template to every customer who may be e-mailed, a
# tenth held out; timed from scheduling until the campaign is sent, with the messages counted on
# the SMTP server's side and the server's peak memory.
#   bench_campaign.sh BUILD_DIR [CUSTOMERS]
set -euo pipefail
build=${1:?build directory}
customers=${2:-20000}
retain="$build/retain"
work=$(mktemp -d)
server=""
smtp=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null
  [ -n "$smtp" ] && kill "$smtp" 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
"$retain" demo --no-serve --customers "$customers" -q --db "sqlite:$work/c.db" >/dev/null
printf 'bench password\n' | "$retain" user add bench --role marketing --password-stdin --db "sqlite:$work/c.db" >/dev/null
/usr/bin/python3 tests/smtp_sink.py "$work/mail" &
smtp=$!
for _ in $(seq 100); do [ -f "$work/mail/port" ] && break; sleep 0.1; done
"$retain" serve --db "sqlite:$work/c.db" --port 0 --smtp-url "smtp://127.0.0.1:$(cat "$work/mail/port")" --smtp-rate 0 \
  --outreach-poll-ms 200 >"$work/serve.out" 2>&1 &
server=$!
for _ in $(seq 100); do grep -q "http://" "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/serve.out" | head -n 1)
jar="$work/cookies"
csrf=$(curl -s -c "$jar" -X POST "$url/v1/session" -d '{"username":"bench","password":"bench password"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf_token"])')
call() { curl -s -b "$jar" -H "X-CSRF-Token: $csrf" "$@"; }
call -X PUT "$url/v1/outreach/settings" -d '{"policy": {"quiet_start_hour": 0, "quiet_end_hour": 0,
  "caps": {"email": {"max": 100, "days": 1}}}}' >/dev/null
example=$(call "$url/v1/templates" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["example"]))')
call -X PUT "$url/v1/templates/points" -d "$example" >/dev/null
call -X PUT "$url/v1/campaigns/bench" -d '{"segment": "email_consent = true", "variants": [{"template": "points"}],
  "holdout_percent": 10}' >/dev/null
start=$(date +%s.%N)
call -X POST "$url/v1/campaigns/bench/schedule" >/dev/null
status=""
while [ "$status" != "sent" ]; do
  sleep 0.5
  status=$(call "$url/v1/campaigns/bench" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
done
end=$(date +%s.%N)
info=$(call "$url/v1/campaigns/bench")
sent=$(ls "$work/mail" | grep -c '\.eml$' || true)
peak=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
python3 - "$info" "$start" "$end" "$sent" "$peak" "$customers" <<'PY'
import json, sys
info, start, end, sent, peak, customers = json.loads(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
d = info["deliveries"]
secs = end - start
print(f"campaign over {customers} customers: audience {info['audience']}, sent {d.get('sent', 0)}, held out {d.get('held_out', 0)}, "
      f"skipped {d.get('skipped', 0)}; {sent} messages arrived at the SMTP server")
print(f"  {secs:.1f} s from scheduling to sent: {d.get('sent', 0) / secs:.0f} e-mails/s end to end; retain serve peak memory {peak / 1024:.0f} MB")
PY
