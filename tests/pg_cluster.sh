#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL 15 cluster for the tests.
#   pg_cluster.sh start DIR   initdb in a new temporary folder, start on a free loopback port,
#                             write the connection URL to DIR/url and the folder to DIR/data
#   pg_cluster.sh stop DIR    stop the cluster and remove the folder and DIR
#   pg_cluster.sh pause DIR   stop the server (its clients' connections are cut), keeping the data
#   pg_cluster.sh resume DIR  start it again on the same port
# As root, the server runs as the unprivileged 'postgres' user (PostgreSQL refuses root).
set -euo pipefail
action=${1:?start or stop}
dir=${2:?directory}

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bindir/initdb" ] || { echo "pg_cluster: PostgreSQL server not installed (run scripts/bootstrap)" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case "$action" in
  start)
    "$0" stop "$dir"
    mkdir -p "$dir"
    tmp=$(mktemp -d /tmp/retain-pg.XXXXXX)
    echo "$tmp" >"$dir/data"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$tmp"
    as_owner "$bindir/initdb" -D "$tmp/data" -U retain -A trust --no-sync -E UTF8 --locale=C.UTF-8 >"$tmp/initdb.log" 2>&1 ||
      { cat "$tmp/initdb.log" >&2; exit 1; }
    for attempt in 1 2 3 4 5 6 7 8; do
      port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
      if as_owner "$bindir/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w -t 30 \
           -o "-p $port -k $tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
           start >/dev/null 2>&1; then
        echo "postgresql://retain@127.0.0.1:$port/postgres" >"$dir/url"
        echo "pg_cluster: PostgreSQL running on port $port"
        exit 0
      fi
    done
    echo "pg_cluster: could not start PostgreSQL" >&2
    tail -n 20 "$tmp/server.log" >&2 || true
    exit 1
    ;;
  stop)
    if [ -f "$dir/data" ]; then
      tmp=$(cat "$dir/data")
      if [ -d "$tmp/data" ]; then
        as_owner "$bindir/pg_ctl" -D "$tmp/data" -m immediate -w stop >/dev/null 2>&1 || true
      fi
      case "$tmp" in /tmp/retain-pg.*) rm -rf "$tmp" ;; esac
    fi
    rm -rf "$dir"
    ;;
  pause)
    tmp=$(cat "$dir/data")
    as_owner "$bindir/pg_ctl" -D "$tmp/data" -m fast -w stop >/dev/null
    ;;
  resume)
    tmp=$(cat "$dir/data")
    url=$(cat "$dir/url")
    port=${url##*:}; port=${port%%/*}
    as_owner "$bindir/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w -t 30 \
      -o "-p $port -k $tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
    ;;
  *)
    echo "usage: pg_cluster.sh start|stop|pause|resume DIR" >&2
    exit 2
    ;;
esac
