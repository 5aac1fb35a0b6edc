#!/usr/bin/env bash
# A throw-away PostgreSQL server on 127.0.0.1 for tests and the local production stack (installs it with
# apt if missing): own data directory, own port. `postgres.sh` or `postgres.sh start` starts it (idempotent)
# and creates the databases in PGDATABASES (default: lederbot_test); `postgres.sh stop` stops it.
# URL: postgresql+psycopg2://postgres@127.0.0.1:$PGPORT/<database> (trust authentication, loopback only).
set -euo pipefail
PORT=${PGPORT:-54329}
DATA=${PGDATA_DIR:-/tmp/lederbot-pg-$PORT}
DATABASES=${PGDATABASES:-lederbot_test}

pgbin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
BIN=$(pgbin)
if [ -z "$BIN" ] || [ ! -x "$BIN/postgres" ]; then
  echo "postgres.sh: installing PostgreSQL with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq postgresql >/dev/null
  BIN=$(pgbin)
fi

as_pg() {  # from /, since the postgres user may not enter the checkout
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

if [ "${1:-start}" = stop ]; then
  if as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    as_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
  fi
  exit 0
fi

if ! as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  if [ ! -f "$DATA/PG_VERSION" ]; then
    mkdir -p "$DATA"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$DATA"
    as_pg "$BIN/initdb" -D "$DATA" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  as_pg "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
    -o "-p $PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
fi
for db in $DATABASES; do
  as_pg "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$db'" \
    | grep -q 1 || as_pg "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$db"
done
