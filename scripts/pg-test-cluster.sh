#!/usr/bin/env bash
# Start (start DIR PORT) or stop (stop DIR) a throwaway PostgreSQL cluster for the tests.
# As root the cluster runs as the postgres user, as PostgreSQL requires.
set -euo pipefail
action=$1; dir=$2; port=${3:-55432}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "$action" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
    as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
    as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres geoapp_test
    as_pg "$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -d geoapp_test -c "CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null
    echo "postgresql://postgres@127.0.0.1:$port/geoapp_test"
    ;;
  stop)
    as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
esac
