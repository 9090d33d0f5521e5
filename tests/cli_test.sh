#!/usr/bin/env bash
# The command line end to end, as a user types it: exit codes, messages, files written.
#   cli_test.sh PATH/TO/retain
set -uo pipefail
retain=${1:?path to retain}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
failures=0
passes=0

check() {  # check DESCRIPTION CONDITION...
  local what=$1; shift
  if "$@"; then passes=$((passes + 1)); else echo "FAIL: $what" >&2; failures=$((failures + 1)); fi
}
contains() { grep -qF -- "$2" <<<"$1"; }

# Unknown commands get a suggestion and exit code 2.
out=$("$retain" imprt 2>&1); code=$?
check "unknown command exits 2" test "$code" -eq 2
check "did you mean" contains "$out" "did you mean 'import'?"

# Import with a bad row: exit 3, FILE:LINE: field: reason, rejects file, the good rows kept.
cat >customers.csv <<'CSV'
id,name,email,locale
C1,Ann,ann@example.com,en
C2,Bo,not-an-email,da
C3,Inês,ines@example.pt,pt
CSV
out=$("$retain" import customers customers.csv --db sqlite:t.db 2>err.txt); code=$?
check "import with a rejected row exits 3" test "$code" -eq 3
check "summary counts" contains "$out" "read 3, inserted 2, updated 0, unchanged 0, rejected 1"
check "reject names file, line and field" contains "$(cat err.txt)" "customers.csv:3: email: 'not-an-email' is not an e-mail address"
check "rejects file holds the bad row" test "$(tail -n 1 customers.rejects.csv)" = "C2,Bo,not-an-email,da"

# Fixing the row and importing again adds just it; a third run changes nothing.
sed -i 's/not-an-email/bo@example.dk/' customers.csv
out=$("$retain" import customers customers.csv --db sqlite:t.db 2>&1); code=$?
check "fixed import exits 0" test "$code" -eq 0
check "fixed import inserts one" contains "$out" "inserted 1, updated 0, unchanged 2, rejected 0"
check "stale rejects removed" test ! -e customers.rejects.csv
out=$("$retain" import customers customers.csv --db sqlite:t.db 2>&1)
check "re-import says nothing changed" contains "$out" "nothing changed"

# Each import leaves one entry in the audit trail.
check "imports are audited" test "$(sqlite3 t.db "SELECT COUNT(*) FROM audit_log WHERE action = 'import.completed'")" -eq 3

# Foreign column names with --map, NDJSON by extension.
printf '{"ref":"E1","who":"C1","type":"store.visit","occurred_at":"2024-05-01T10:00:00Z"}\n' >events.ndjson
out=$("$retain" import events events.ndjson --map ref=id --map who=customer --db sqlite:t.db 2>&1); code=$?
check "--map imports" test "$code" -eq 0
check "--map inserted" contains "$out" "inserted 1"
out=$("$retain" stats --format json --db sqlite:t.db)
check "stats json" contains "$out" '"customers":3'
check "stats json events" contains "$out" '"events":1'

# Failed payments imported from the billing system open one recovery each, a paid retry settles
# it, and importing the same files again opens nothing more.
printf 'id,name,kind,price,currency,billing\nTV,TV Plus,plan,30.00,EUR,monthly\n' >plans.csv
printf 'id,customer,plan,started_at\nS1,C1,TV,2024-01-01\nS3,C3,TV,2024-01-01\n' >subscriptions.csv
printf 'id,customer,subscription,amount,currency,status,failure_reason,occurred_at\n%s\n%s\n%s\n%s\n' \
  'P1,C1,S1,30.00,EUR,failed,insufficient_funds,2024-05-01T06:00:00Z' \
  'P2,C1,S1,30.00,EUR,succeeded,,2024-05-04T06:00:00Z' \
  'P3,C3,S3,30.00,EUR,failed,expired_card,2024-05-01T06:00:00Z' \
  'P4,C3,S3,30.00,EUR,failed,expired_card,2024-05-04T06:00:00Z' >payments.csv
for f in plans subscriptions payments; do "$retain" import "$f" "$f.csv" -q --db sqlite:t.db >/dev/null || check "import $f" false; done
recoveries() { sqlite3 t.db "SELECT failed_payment || ':' || status || ':' || failed_attempts FROM payment_recoveries ORDER BY id" | tr '\n' ' '; }
check "one recovery per failed bill" test "$(recoveries)" = "P1:recovered:1 P3:retrying:2 "
"$retain" import payments payments.csv -q --db sqlite:t.db >/dev/null
check "re-import opens no recovery" test "$(recoveries)" = "P1:recovered:1 P3:retrying:2 "

# A database from a newer Retain is refused with exit code 7.
sqlite3 t.db "INSERT INTO schema_migrations VALUES (999, 'future', 0)"
out=$("$retain" stats --db sqlite:t.db 2>&1); code=$?
check "newer schema exits 7" test "$code" -eq 7
check "newer schema message" contains "$out" "upgrade retain"

# Bad flags and bad values.
out=$("$retain" migrate --timezone Mars/Base --db sqlite:u.db 2>&1); code=$?
check "bad time zone exits 2" test "$code" -eq 2
check "bad time zone message" contains "$out" "unknown time zone 'Mars/Base'"
out=$("$retain" import widgets x.csv --db sqlite:u.db 2>&1); code=$?
check "bad kind exits 2" test "$code" -eq 2
out=$("$retain" import customers missing.csv --db sqlite:u.db 2>&1); code=$?
check "missing file exits 4" test "$code" -eq 4
check "missing file names it" contains "$out" "missing.csv: cannot open"

# The demo world is deterministic and the same on both databases.
"$retain" demo --no-serve --customers 300 --seed 7 -q --db sqlite:a.db >/dev/null || check "demo a" false
"$retain" demo --no-serve --customers 300 --seed 7 -q --db sqlite:b.db >/dev/null || check "demo b" false
a=$("$retain" stats --format json --db sqlite:a.db)
check "demo deterministic" test "$a" = "$("$retain" stats --format json --db sqlite:b.db)"
check "demo has subscribers and walk-ins" contains "$a" '"customers":300'
desk=$(sqlite3 a.db "SELECT COUNT(*), SUM(status = 'saved') FROM cancel_requests")
check "demo has cancel calls" test "${desk%%|*}" -gt 0
care_sql="SELECT COUNT(*), SUM(status = 'closed'), SUM(channel = 'survey') FROM care_cases"
answers_sql="SELECT COUNT(*), SUM(score), SUM(follow_up_case > 0) FROM survey_responses"
care=$(sqlite3 a.db "$care_sql")
answers=$(sqlite3 a.db "$answers_sql")
check "demo has complaint cases" test "${care%%|*}" -gt 0
check "demo has survey answers" test "${answers%%|*}" -gt 0
check "demo cases and answers are deterministic" test "$care $answers" = "$(sqlite3 b.db "$care_sql") $(sqlite3 b.db "$answers_sql")"
outreach_sql="SELECT SUM(status = 'sent'), SUM(status = 'held_out') FROM deliveries WHERE source = 'campaign:spring-points'"
outreach=$(sqlite3 a.db "$outreach_sql")
check "demo has a campaign with a held-out group" test "${outreach%%|*}" -gt 0 -a "${outreach##*|}" -gt 0
check "demo campaign is deterministic" test "$outreach" = "$(sqlite3 b.db "$outreach_sql")"
out=$("$retain" demo --no-serve --customers 300 --seed 7 -q --db sqlite:a.db)
check "demo re-run changes nothing" test "$a" = "$("$retain" stats --format json --db sqlite:a.db)"
check "demo re-run makes no more calls" test "$desk" = "$(sqlite3 a.db "SELECT COUNT(*), SUM(status = 'saved') FROM cancel_requests")"
check "demo re-run opens no more cases nor surveys" test "$care $answers" = "$(sqlite3 a.db "$care_sql") $(sqlite3 a.db "$answers_sql")"
check "demo re-run sends no second campaign" test "$outreach" = "$(sqlite3 a.db "$outreach_sql")"
check "timelines match" test "$("$retain" timeline C0000001 --db sqlite:a.db)" = "$("$retain" timeline C0000001 --db sqlite:b.db)"

# Staff accounts and API keys from the command line.
out=$(printf 'a long password\n' | "$retain" user add ana --role supervisor --password-stdin --db sqlite:a.db 2>&1); code=$?
check "user add" test "$code" -eq 0
check "user add says so" contains "$out" "created ana (supervisor)"
out=$("$retain" user add bo --role wizard --db sqlite:a.db 2>&1 </dev/null); code=$?
check "bad role exits 2" test "$code" -eq 2
check "bad role names the choices" contains "$out" "choose agent, supervisor, marketing, analyst or admin"
out=$("$retain" user add cy --db sqlite:a.db </dev/null 2>&1)
check "generated password printed" contains "$out" "password: "
out=$("$retain" user list --db sqlite:a.db)
check "user list" contains "$out" "ana"
check "demo admin exists" contains "$out" "admin"
key=$("$retain" key add --name pos --scopes records:write --db sqlite:a.db 2>/dev/null)
check "key add prints the key" contains "$key" "rk_"
out=$("$retain" key add --name x --scopes everything --db sqlite:a.db 2>&1); code=$?
check "bad scope exits 2" test "$code" -eq 2

# A backup taken while a server writes: it is one consistent moment (every rule holds in what it
# restores) and holds every purchase acknowledged before it began.
backup_while_serving() {  # DB_URL EMPTY_TARGET_URL LABEL
  local db=$1 target=$2 label=$3 port=$((20000 + RANDOM % 20000)) k base before code
  k=$("$retain" key add --name "live-$label" --scopes records:read,records:write --db "$db" 2>/dev/null)
  base=$("$retain" stats --format json --db "$db" | sed 's/.*"purchases":\([0-9]*\).*/\1/')
  "$retain" serve --db "$db" --port "$port" >/dev/null 2>&1 &
  local server=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  touch "writing-$label"; echo 0 >"acked-$label"
  ( i=0
    while [ -f "writing-$label" ]; do
      i=$((i + 1))
      curl -fs -o /dev/null -H "Authorization: Bearer $k" -H 'Content-Type: application/json' \
        -d "{\"id\":\"LIVE-$label-$i\",\"customer\":\"C0000001\",\"currency\":\"EUR\",\"occurred_at\":\"2026-10-30T12:00:00Z\",\"total\":\"3.00\"}" \
        "http://127.0.0.1:$port/v1/purchases" && echo "$i" >"acked-$label"
    done ) &
  local writer=$!
  sleep 1
  before=$(cat "acked-$label")
  "$retain" backup "live-$label.backup" --db "$db" >/dev/null; code=$?
  sleep 0.5
  rm -f "writing-$label"; wait "$writer"; kill "$server"; wait "$server" 2>/dev/null
  check "$label: backup while serving exits 0" test "$code" -eq 0
  check "$label: writes went on during the backup" test "$(cat "acked-$label")" -gt "$before"
  out=$("$retain" restore "live-$label.backup" --db "$target" 2>&1); code=$?
  check "$label: the live backup restores and every rule holds" contains "$out" "every rule holds"
  local restored
  restored=$("$retain" stats --format json --db "$target" | sed 's/.*"purchases":\([0-9]*\).*/\1/')
  check "$label: it holds the $before purchases acknowledged before it began ($((restored - base)) in it)" \
    test "$((restored - base))" -ge "$before"
  check "$label: and none after the writes stopped" test "$((restored - base))" -le "$(cat "acked-$label")"
  echo "$label: a backup taken while serving holds $((restored - base)) new purchases: $before were acknowledged before it began, $(cat "acked-$label") by the end"
}

# A customer's personal data on request: exported whole, erased only with --yes, the rest kept.
"$retain" demo --no-serve --customers 50 --seed 3 -q --db sqlite:gdpr.db >/dev/null || check "demo gdpr" false
email=$(sqlite3 gdpr.db "SELECT email FROM customers WHERE external_id = 'C0000003'")
purchases_before=$("$retain" stats --format json --db sqlite:gdpr.db)
out=$("$retain" customer export C0000003 --db sqlite:gdpr.db); code=$?
check "customer export exits 0" test "$code" -eq 0
check "the export holds their e-mail" contains "$out" "$email"
check "the export names its tables" contains "$out" '"table": "purchases"'
out=$("$retain" customer erase C0000003 --reason "asked by e-mail" --db sqlite:gdpr.db 2>&1); code=$?
check "erase without --yes exits 2" test "$code" -eq 2
check "erase without --yes says what to do" contains "$out" "run again with --yes"
out=$("$retain" customer erase C0000003 --reason "asked by e-mail" --yes --db sqlite:gdpr.db); code=$?
check "erase exits 0" test "$code" -eq 0
check "erase says what it kept" contains "$out" "purchases, payments, points and coupons stay"
check "the e-mail is gone" test "$(sqlite3 gdpr.db "SELECT COUNT(*) FROM customers WHERE email = '$email'")" -eq 0
check "no record is lost" test "$purchases_before" = "$("$retain" stats --format json --db sqlite:gdpr.db)"
check "the erasure is audited" test "$(sqlite3 gdpr.db "SELECT COUNT(*) FROM audit_log WHERE action = 'customers.erased'")" -eq 1
check "every rule holds after erasure" contains "$("$retain" check --db sqlite:gdpr.db)" "every rule holds"
out=$("$retain" customer erase C0000003 --reason again --yes --db sqlite:gdpr.db); code=$?
check "erasing again changes nothing" contains "$out" "already erased"
"$retain" customer export NOPE --db sqlite:gdpr.db >/dev/null 2>&1; code=$?
check "export of an unknown customer exits 4" test "$code" -eq 4

# Check, backup and restore: the copy holds what the original does and keeps every rule.
out=$("$retain" check --db sqlite:a.db 2>&1); code=$?
check "check passes on the demo" test "$code" -eq 0
check "check says so" contains "$out" "every rule holds"
"$retain" backup a.backup --db sqlite:a.db >/dev/null; code=$?
check "backup exits 0" test "$code" -eq 0
out=$("$retain" backup a.backup --db sqlite:a.db 2>&1); code=$?
check "backup never overwrites" test "$code" -eq 5
check "backup says to choose a new name" contains "$out" "choose a new name"
out=$("$retain" restore a.backup --db sqlite:restored.db 2>&1); code=$?
check "restore exits 0" test "$code" -eq 0
check "restore checks the rules" contains "$out" "every rule holds"
check "restored stats match" test "$a" = "$("$retain" stats --format json --db sqlite:restored.db)"
check "restored timeline matches" test "$("$retain" timeline C0000001 --db sqlite:a.db)" = "$("$retain" timeline C0000001 --db sqlite:restored.db)"
out=$("$retain" restore a.backup --db sqlite:restored.db 2>&1); code=$?
check "restore over data needs --replace" test "$code" -eq 7
check "restore names --replace" contains "$out" "--replace"
printf 'id,name\n' >not-a-backup.csv
out=$("$retain" restore not-a-backup.csv --db sqlite:other.db 2>&1); code=$?
check "restore of a non-backup exits 2" test "$code" -eq 2
check "restore of a non-backup says so" contains "$out" "is not a Retain backup"
# A member's balance changed by hand breaks a rule: check names the member and exits 9.
sqlite3 restored.db "UPDATE loyalty_accounts SET balance = balance + 7 WHERE customer_id = (SELECT id FROM customers WHERE external_id = 'C0000004')"
out=$("$retain" check --db sqlite:restored.db 2>&1); code=$?
check "check finds a broken balance" test "$code" -eq 9
check "check names the member" contains "$out" "customer C0000004"
check "check json" contains "$("$retain" check --format json --db sqlite:restored.db)" '"ok":false'

pg_url_file=${RETAIN_TEST_PG_URL_FILE:-}
"$retain" demo --no-serve --customers 300 --seed 7 -q --db sqlite:live.db >/dev/null || check "demo live" false
backup_while_serving sqlite:live.db sqlite:live-restored.db sqlite

if [ -n "$pg_url_file" ] && [ -s "$pg_url_file" ]; then
  admin=$(cat "$pg_url_file")
  name="retain_cli_$$"
  psql -q "$admin" -c "CREATE DATABASE $name" >/dev/null
  pg="${admin%/*}/$name"
  "$retain" demo --no-serve --customers 300 --seed 7 -q --db "$pg" >/dev/null || check "demo on postgres" false
  check "demo on postgres matches sqlite" test "$a" = "$("$retain" stats --format json --db "$pg")"
  check "postgres timeline matches" test "$("$retain" timeline C0000001 --db sqlite:a.db)" = "$("$retain" timeline C0000001 --db "$pg")"
  check "check passes on postgres" contains "$("$retain" check --db "$pg")" "every rule holds"
  # pg_dump's archive, restored into an empty database and over a used one.
  psql -q "$admin" -c "CREATE DATABASE ${name}_copy" >/dev/null
  copy="${admin%/*}/${name}_copy"
  "$retain" backup pg.backup --db "$pg" >/dev/null || check "backup on postgres" false
  out=$("$retain" restore pg.backup --db "$copy" 2>&1); code=$?
  check "postgres restore exits 0" test "$code" -eq 0 || echo "$out" >&2
  check "postgres restored stats match" test "$a" = "$("$retain" stats --format json --db "$copy")"
  out=$("$retain" restore pg.backup --db "$copy" 2>&1); code=$?
  check "postgres restore over data needs --replace" test "$code" -eq 7
  "$retain" restore pg.backup --replace --db "$copy" >/dev/null; code=$?
  check "postgres restore --replace exits 0" test "$code" -eq 0
  check "postgres replaced stats match" test "$a" = "$("$retain" stats --format json --db "$copy")"
  out=$("$retain" restore a.backup --db "$copy" 2>&1); code=$?
  check "a SQLite backup does not restore into postgres" test "$code" -eq 2
  check "and says where it does" contains "$out" "sqlite:PATH"
  psql -q "$admin" -c "CREATE DATABASE ${name}_live" >/dev/null
  backup_while_serving "$pg" "${admin%/*}/${name}_live" postgres
  psql -q "$admin" -c "DROP DATABASE ${name}_live WITH (FORCE)" >/dev/null
  psql -q "$admin" -c "DROP DATABASE ${name}_copy WITH (FORCE)" >/dev/null
  psql -q "$admin" -c "DROP DATABASE $name WITH (FORCE)" >/dev/null
else
  echo "FAIL: no PostgreSQL test server (RETAIN_TEST_PG_URL_FILE)" >&2
  failures=$((failures + 1))
fi

echo "cli: $passes passed, $failures failed"
[ "$failures" -eq 0 ]
