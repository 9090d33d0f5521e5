#!/usr/bin/env bash
# The web app end to end in Debian's Chromium: a demo world, a staff account, `retain serve`, and
# web/tests/*.test.mjs under node's test runner.
#   web_test.sh PATH/TO/retain SOURCE_DIR [SCREENSHOT_DIR]
set -euo pipefail
retain=${1:?retain binary}
src=${2:?source directory}
shots=${3:-}
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

[ -f "$src/web/dist/index.html" ] || { echo "web_test: web/dist is not built (make build builds it)" >&2; exit 1; }
[ -x /usr/bin/chromium ] || { echo "web_test: /usr/bin/chromium is missing (scripts/bootstrap installs it)" >&2; exit 1; }
"$retain" demo --no-serve --customers 400 -q --db "sqlite:$work/web.db" >/dev/null
# The analytics screens read the stored refresh; compute it now rather than wait for the server's.
"$retain" analytics refresh --db "sqlite:$work/web.db" >/dev/null
printf 'web test password\n' | "$retain" user add tester --role agent --password-stdin --db "sqlite:$work/web.db" >/dev/null
printf 'supervisor password\n' | "$retain" user add boss --role supervisor --password-stdin --db "sqlite:$work/web.db" >/dev/null
printf 'marketing password\n' | "$retain" user add mia --role marketing --password-stdin --db "sqlite:$work/web.db" >/dev/null
printf 'admin password\n' | "$retain" user add dpo --role admin --password-stdin --db "sqlite:$work/web.db" >/dev/null
# A real SMTP server on loopback takes the campaigns' e-mail; the tests read it from $work/mail.
/usr/bin/python3 "$src/tests/smtp_sink.py" "$work/mail" &
smtp=$!
for _ in $(seq 100); do [ -f "$work/mail/port" ] && break; sleep 0.1; done
[ -f "$work/mail/port" ] || { echo "web_test: the SMTP server did not start (python3-aiosmtpd)" >&2; exit 1; }
"$retain" serve --db "sqlite:$work/web.db" --port 0 --web-root "$src/web/dist" --smtp-url "smtp://127.0.0.1:$(cat "$work/mail/port")" \
  --smtp-rate 0 --outreach-poll-ms 200 >"$work/serve.out" 2>&1 &
server=$!
for _ in $(seq 100); do grep -q "http://" "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/serve.out" | head -n 1)
[ -n "$url" ] || { echo "web_test: the server did not start:" >&2; cat "$work/serve.out" >&2; exit 1; }
[ -n "$shots" ] && mkdir -p "$shots"
cd "$src/web"
RETAIN_URL=$url RETAIN_USER=tester RETAIN_PASSWORD='web test password' RETAIN_SCREENSHOTS=$shots \
  RETAIN_SUPERVISOR=boss RETAIN_SUPERVISOR_PASSWORD='supervisor password' \
  RETAIN_MARKETER=mia RETAIN_MARKETER_PASSWORD='marketing password' RETAIN_MAILDIR="$work/mail" \
  RETAIN_ADMIN=dpo RETAIN_ADMIN_PASSWORD='admin password' \
  node --test --test-reporter=spec tests/ || {
    status=$?
    echo "web_test: the server's log (last 40 lines):" >&2
    tail -n 40 "$work/serve.out" >&2
    exit $status
  }
