#!/usr/bin/env bash
# `make run-prod`: the production set-up on this machine. PostgreSQL (knowledge base + tracker store),
# Redis (lock store, rate limit), two action servers and two Rasa servers, nginx in front of both kinds,
# and the web-chat demo page pointed at nginx. Throw-away PostgreSQL and Redis instances with their own
# ports and directories (installed with apt if missing); Ctrl-C stops everything.
#
#   scripts/run-prod.sh                 start, print the addresses, stop on Ctrl-C
#   scripts/run-prod.sh --background    start and return once every server answers (tests)
#   scripts/run-prod.sh stop            stop everything started by --background
#   scripts/run-prod.sh start-server rasa|actions PORT   start one more (or a restarted) server
#
# Ports and paths come from the environment (defaults below); the tests use their own.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV=$ROOT/.venv
# .env and the environment, merged by bot/settings.py (the environment wins where it is not empty).
eval "$("$VENV/bin/python" -m bot settings export)"
STACK_DIR=$(mkdir -p "${STACK_DIR:-var/prod}" && cd "${STACK_DIR:-var/prod}" && pwd)
export NGINX_PORT=${NGINX_PORT:-5005}
RASA_PORTS=${RASA_PORTS:-5006 5007}
ACTIONS_PORTS=${ACTIONS_PORTS:-5056 5057}
export ACTIONS_PROXY_PORT=${ACTIONS_PROXY_PORT:-5055}
DEMO_PORT=${DEMO_PORT:-8080}
HR_PORT=${HR_PORT:-5090}                        # the workbench's server, loopback
export HR_NGINX_PORT=${HR_NGINX_PORT:-5091}     # nginx's listener for it (not NGINX_PORT)
export HR_UPSTREAM=127.0.0.1:$HR_PORT
export PGPORT=${PGPORT:-54339}
export PGDATA_DIR=${PGDATA_DIR:-/tmp/lederbot-prod-pg-$PGPORT}
export PGDATABASES="lederbot lederbot_tracker"
export REDIS_PORT=${REDIS_PORT:-63780}
export REDIS_DIR=${REDIS_DIR:-/tmp/lederbot-prod-redis-$REDIS_PORT}
export NGINX_DIR=$STACK_DIR/nginx
PIDS=$STACK_DIR/pids  # "name pid" per line
LOGDIR=$STACK_DIR/log
mkdir -p "$LOGDIR"

source scripts/lib.sh

# --- the servers' settings (the same names as in deploy/ and docs/deploy.md) ---
export KNOWLEDGE_DB_URL=${PROD_KNOWLEDGE_DB_URL:-postgresql+psycopg2://postgres@127.0.0.1:$PGPORT/lederbot}
export TRACKER_DB_URL=${PROD_TRACKER_DB_URL:-postgresql+psycopg2://postgres@127.0.0.1:$PGPORT/lederbot_tracker}
export REDIS_HOST=127.0.0.1 REDIS_DB=${REDIS_DB:-0}
export REDIS_PASSWORD=${REDIS_PASSWORD:-$(made_once "$STACK_DIR/redis-password")}
export RASA_API_TOKEN=${RASA_API_TOKEN:-$(made_once var/rasa-api-token)}
export ACTION_ENDPOINT_URL=http://127.0.0.1:$ACTIONS_PROXY_PORT/webhook
export ACTION_TIMEOUT_SECONDS=${ACTION_TIMEOUT_SECONDS:-8}
export TICKET_LOCK_LIFETIME=${TICKET_LOCK_LIFETIME:-10}
export WEBCHAT_ALLOWED_ORIGINS=${WEBCHAT_ALLOWED_ORIGINS:-http://localhost:$DEMO_PORT,http://127.0.0.1:$DEMO_PORT}
export RASA_HOST=127.0.0.1 ACTIONS_HOST=127.0.0.1 ENDPOINTS=endpoints.prod.yml
export MODEL=${MODEL:-models/lederassistent.tar.gz}
RASA_SERVERS=""; for p in $RASA_PORTS; do RASA_SERVERS+="127.0.0.1:$p "; done
ACTION_SERVERS=""; for p in $ACTIONS_PORTS; do ACTION_SERVERS+="127.0.0.1:$p "; done
export RASA_SERVERS ACTION_SERVERS

stop_all() {
  if [ -f "$PIDS" ]; then
    while read -r _name pid; do kill "$pid" 2>/dev/null || true; done < "$PIDS"
    while read -r _name pid; do
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    done < "$PIDS"
    rm -f "$PIDS"
  fi
  scripts/nginx.sh stop || true
  scripts/redis.sh stop || true
  scripts/postgres.sh stop || true
}

launch() {  # kind port: start one server in the background, record its pid
  local log="$LOGDIR/$1-$2.log"
  if [ "$1" = rasa ]; then
    "$VENV/bin/python" -m bot serve rasa --port "$2" --credentials "$STACK_DIR/credentials-$2.yml" >"$log" 2>&1 &
  else
    "$VENV/bin/python" -m bot serve actions --port "$2" >"$log" 2>&1 &
  fi
  echo "$1-$2 $!" >> "$PIDS"
  LAUNCHED=$!
}

ready() {  # kind port pid
  if [ "$1" = rasa ]; then
    wait_for "http://127.0.0.1:$2/status?token=$RASA_API_TOKEN" "Rasa server :$2" 300 "$LOGDIR/rasa-$2.log" "$3"
  else
    wait_for "http://127.0.0.1:$2/health" "action server :$2" 120 "$LOGDIR/actions-$2.log" "$3"
    warm_up "$2"
  fi
}

case "${1:-}" in
  stop) stop_all; echo "Stopped."; exit 0 ;;
  start-server)
    launch "$2" "$3"; ready "$2" "$3" "$LAUNCHED"; echo "$2 :$3 running (pid $LAUNCHED)"; exit 0 ;;
esac

[ -f "$MODEL" ] || fail "no trained model at $MODEL: run make train"
[ -f "$PIDS" ] && stop_all
echo "Starting PostgreSQL (:$PGPORT) and Redis (:$REDIS_PORT) …"
scripts/postgres.sh
scripts/redis.sh
"$VENV/bin/python" -m bot knowledge load >"$LOGDIR/knowledge-load.log" 2>&1 \
  || fail "loading the knowledge base into PostgreSQL failed" "$LOGDIR/knowledge-load.log"

started=()
for p in $ACTIONS_PORTS; do launch actions "$p"; started+=("actions $p $LAUNCHED"); done
for p in $RASA_PORTS; do launch rasa "$p"; started+=("rasa $p $LAUNCHED"); done
# Retention runs by itself: conversations and feedback older than RETENTION_PERIOD go, once a day.
"$VENV/bin/python" -m bot privacy purge --older-than "${RETENTION_PERIOD:-90d}" --every 1d \
  >"$LOGDIR/retention.log" 2>&1 &
echo "retention $!" >> "$PIDS"
"$VENV/bin/python" -m bot hr serve --port "$HR_PORT" >"$LOGDIR/hr-$HR_PORT.log" 2>&1 &
echo "hr-$HR_PORT $!" >> "$PIDS"
HR_PID=$!
scripts/nginx.sh
DEMO=""
if [ -f widget/dist/lederbot-widget.js ]; then
  "$VENV/bin/python" -m bot widget serve --port "$DEMO_PORT" --rasa-url "http://localhost:$NGINX_PORT" \
    >"$LOGDIR/widget.log" 2>&1 &
  echo "widget-$DEMO_PORT $!" >> "$PIDS"
  DEMO="http://localhost:$DEMO_PORT"
fi
on_exit() { trap - INT TERM EXIT; stop_all; echo "Stopped."; }
if [ "${1:-}" != --background ]; then trap on_exit INT TERM EXIT; fi
echo "Starting ${#started[@]} servers (about a minute and a half) …"
# shellcheck disable=SC2086  # "kind port pid": ready takes them as three arguments
for s in "${started[@]}"; do ready $s; done
wait_for "http://127.0.0.1:$NGINX_PORT/" "nginx" 30 "$NGINX_DIR/error.log" \
  "$(cat "$NGINX_DIR/nginx.pid")"
wait_for "http://127.0.0.1:$HR_PORT/hr/login" "HR workbench" 60 "$LOGDIR/hr-$HR_PORT.log" "$HR_PID"

cat <<MSG

  Lederassistenten kører (produktionsopsætning):
  nginx:     http://localhost:$NGINX_PORT  → Rasa :${RASA_PORTS// /, :}  → nginx :$ACTIONS_PROXY_PORT → actions :${ACTIONS_PORTS// /, :}
  Databaser: PostgreSQL 127.0.0.1:$PGPORT (lederbot, lederbot_tracker), Redis 127.0.0.1:$REDIS_PORT (låse)${DEMO:+
  Web-chat demo: $DEMO}
  HR-værksted: http://localhost:$HR_NGINX_PORT/hr/ (egen port, ikke kanalporten $NGINX_PORT)
  Logs:      $LOGDIR/, $NGINX_DIR/
MSG
if [ "${1:-}" = --background ]; then
  echo "  Stop:      scripts/run-prod.sh stop"
  exit 0
fi
echo "  Stop:      Ctrl-C"
wait -n
echo "A server stopped; see $LOGDIR/." >&2
