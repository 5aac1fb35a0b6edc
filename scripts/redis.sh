#!/usr/bin/env bash
# A throw-away Redis server on 127.0.0.1 (Rasa's lock store, the shared rate limit), installed with apt if
# missing: own directory, own port, nothing written to disk. `redis.sh [start]` (idempotent) or `redis.sh stop`.
# Settings: REDIS_PORT (63790), REDIS_DIR (/tmp/lederbot-redis-$REDIS_PORT), REDIS_PASSWORD (optional).
set -euo pipefail
PORT=${REDIS_PORT:-63790}
DIR=${REDIS_DIR:-/tmp/lederbot-redis-$PORT}

if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
  echo "redis.sh: installing Redis with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq redis-server >/dev/null
  # The Debian package may start a system service on 6379; this project uses its own instance only.
  service redis-server stop >/dev/null 2>&1 || true
fi

cli() {
  if [ -n "${REDIS_PASSWORD:-}" ]; then REDISCLI_AUTH=$REDIS_PASSWORD redis-cli -h 127.0.0.1 -p "$PORT" "$@"
  else redis-cli -h 127.0.0.1 -p "$PORT" "$@"; fi
}

if [ "${1:-start}" = stop ]; then
  if [ -f "$DIR/redis.pid" ] && kill -0 "$(cat "$DIR/redis.pid")" 2>/dev/null; then
    kill "$(cat "$DIR/redis.pid")"
    for _ in $(seq 1 50); do kill -0 "$(cat "$DIR/redis.pid" 2>/dev/null)" 2>/dev/null || break; sleep 0.1; done
  fi
  exit 0
fi

if [ "$(cli ping 2>&1)" = PONG ]; then exit 0; fi  # ours, with this password, already running
if cli ping 2>/dev/null | grep -q PONG; then
  echo "redis.sh: another Redis (other password) runs on port $PORT; choose another REDIS_PORT" >&2
  exit 1
fi
mkdir -p "$DIR"
args=(--port "$PORT" --bind 127.0.0.1 --dir "$DIR" --daemonize yes --pidfile "$DIR/redis.pid"
      --logfile "$DIR/redis.log" --save "" --appendonly no)
[ -n "${REDIS_PASSWORD:-}" ] && args+=(--requirepass "$REDIS_PASSWORD")
redis-server "${args[@]}"
for _ in $(seq 1 50); do
  if [ "$(cli ping 2>&1)" = PONG ]; then exit 0; fi
  sleep 0.1
done
echo "redis.sh: Redis did not start on port $PORT; see $DIR/redis.log" >&2
exit 1
