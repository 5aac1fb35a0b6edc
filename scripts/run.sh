#!/usr/bin/env bash
# Start the action server (5055) and the Rasa server (5005, REST + socket.io, --enable-api);
# Ctrl-C stops both. Used by `make run`; `--background` starts both and returns once ready (tests, eval).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv
ACTIONS_PORT=${ACTIONS_PORT:-5055}
RASA_PORT=${RASA_PORT:-5005}
LOGDIR=${LOGDIR:-var/log}
mkdir -p "$LOGDIR"
MODEL=${MODEL:-models/lederassistent.tar.gz}
PIDFILE=${PIDFILE:-var/run.pids}
CREDENTIALS=${CREDENTIALS:-var/credentials.yml}

# Only the channels whose settings are in the environment (credentials.yml is the template).
CHANNELS=$("$VENV/bin/python" -m bot channels credentials --template credentials.yml --out "$CREDENTIALS")

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "Stopped."
}

wait_for() {  # url, name, seconds
  for _ in $(seq 1 "$3"); do
    if curl -fsS "$1" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  echo "ERROR: $2 did not start; see $LOGDIR/" >&2
  return 1
}

"$VENV/bin/rasa" run actions --actions actions --port "$ACTIONS_PORT" >"$LOGDIR/actions.log" 2>&1 &
pids+=($!)
"$VENV/bin/rasa" run --model "$MODEL" --enable-api --cors "*" --port "$RASA_PORT" \
  --endpoints endpoints.yml --credentials "$CREDENTIALS" >"$LOGDIR/rasa.log" 2>&1 &
pids+=($!)
echo "${pids[*]}" > "$PIDFILE"

if [ "${1:-}" = "--background" ]; then
  wait_for "http://localhost:$ACTIONS_PORT/health" "action server" 120
  wait_for "http://localhost:$RASA_PORT/status" "Rasa server" 240
  echo "Running: Rasa http://localhost:$RASA_PORT (pids ${pids[*]}; stop with: kill \$(cat $PIDFILE))"
  exit 0
fi

trap stop INT TERM EXIT
echo "Starting the action server on :$ACTIONS_PORT and Rasa on :$RASA_PORT (about a minute) …"
wait_for "http://localhost:$ACTIONS_PORT/health" "action server" 120
wait_for "http://localhost:$RASA_PORT/status" "Rasa server" 240
cat <<MSG

  Lederassistenten kører.
  REST:     curl -s localhost:$RASA_PORT/webhooks/rest/webhook -d '{"sender":"demo","message":"Hvad forventes af en niveau 2 leder om økonomistyring?"}'
$(echo "$CHANNELS" | sed 's/^/  /')
  Logs:     $LOGDIR/rasa.log, $LOGDIR/actions.log
  Stop:     Ctrl-C

MSG
wait -n "${pids[@]}"
echo "A server stopped; see $LOGDIR/." >&2
