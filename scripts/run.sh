#!/usr/bin/env bash
# Start the action server (5055, on 127.0.0.1 only), the Rasa server (5005, REST + socket.io; its HTTP API
# needs RASA_API_TOKEN) and the web-chat demo page (DEMO_PORT, 8080); Ctrl-C stops them all. Used by
# `make run`; `--background` starts them and returns once ready (tests, eval).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv
# .env and the environment, merged by bot/settings.py (the environment wins where it is not empty).
eval "$("$VENV/bin/python" -m bot settings export)"
ACTIONS_PORT=${ACTIONS_PORT:-5055}
RASA_PORT=${RASA_PORT:-5005}
DEMO_PORT=${DEMO_PORT:-8080}
HR_PORT=${HR_PORT:-8081}
HR_KNOWLEDGE_DIR=${HR_KNOWLEDGE_DIR:-knowledge}  # the files the workbench edits (the tests give a copy)
HR_NLU_DIR=${HR_NLU_DIR:-nlu/generated}
DEMO_RASA_URL=${DEMO_RASA_URL:-http://localhost:$RASA_PORT}  # Rasa's address as the browser sees it
LOGDIR=${LOGDIR:-var/log}
mkdir -p "$LOGDIR"
MODEL=${MODEL:-models/lederassistent.tar.gz}
PIDFILE=${PIDFILE:-var/run.pids}
CREDENTIALS=${CREDENTIALS:-var/credentials.yml}
ENDPOINTS=${ENDPOINTS:-endpoints.yml}
# Browsers may call Rasa only from these origins (CORS and socket.io): by default the demo page.
export WEBCHAT_ALLOWED_ORIGINS=${WEBCHAT_ALLOWED_ORIGINS:-http://localhost:$DEMO_PORT,http://127.0.0.1:$DEMO_PORT}
# Rasa's HTTP API (/conversations, /model) needs a token: RASA_API_TOKEN, else one made once in var/.
source scripts/lib.sh
export RASA_API_TOKEN=${RASA_API_TOKEN:-$(made_once var/rasa-api-token)}

# Only the channels whose settings are in the environment (credentials.yml is the template).
CHANNELS=$("$VENV/bin/python" -m bot channels credentials --template credentials.yml --out "$CREDENTIALS")

pids=()  # the servers started; fail and wait_for (scripts/lib.sh) stop and watch them
logs=()  # the log of each pid
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "Stopped."
}

"$VENV/bin/python" -m bot serve actions --port "$ACTIONS_PORT" >"$LOGDIR/actions.log" 2>&1 &
pids+=($!); logs+=("$LOGDIR/actions.log")
"$VENV/bin/python" -m bot serve rasa --model "$MODEL" --port "$RASA_PORT" \
  --endpoints "$ENDPOINTS" --credentials "$CREDENTIALS" >"$LOGDIR/rasa.log" 2>&1 &
pids+=($!); logs+=("$LOGDIR/rasa.log")
# The HR workbench (bot/hr/web), on loopback; the demo page passes /hr/ on to it.
"$VENV/bin/python" -m bot hr serve --port "$HR_PORT" --dir "$HR_KNOWLEDGE_DIR" --nlu-dir "$HR_NLU_DIR" \
  >"$LOGDIR/hr.log" 2>&1 &
pids+=($!); logs+=("$LOGDIR/hr.log")
# The demo intranet page with the web-chat widget (tools/widget_demo.py; needs `make widget`).
DEMO=""
if [ -f widget/dist/lederbot-widget.js ]; then
  "$VENV/bin/python" -m bot widget serve --port "$DEMO_PORT" --rasa-url "$DEMO_RASA_URL" \
    --hr-url "http://127.0.0.1:$HR_PORT" >"$LOGDIR/widget.log" 2>&1 &
  pids+=($!); logs+=("$LOGDIR/widget.log")
  DEMO="http://localhost:$DEMO_PORT"
else
  echo "WARNING: widget/dist/lederbot-widget.js is missing, so no web-chat demo: run make widget" >&2
fi
echo "${pids[*]}" > "$PIDFILE"

if [ "${1:-}" = "--background" ]; then
  wait_for "http://localhost:$ACTIONS_PORT/health" "action server" 120 "$LOGDIR/actions.log"
  warm_up "$ACTIONS_PORT"
  wait_for "http://localhost:$RASA_PORT/status?token=$RASA_API_TOKEN" "Rasa server" 240 "$LOGDIR/rasa.log"
  [ -z "$DEMO" ] || wait_for "$DEMO/healthz" "web-chat demo" 30 "$LOGDIR/widget.log"
  wait_for "http://127.0.0.1:$HR_PORT/hr/login" "HR workbench" 60 "$LOGDIR/hr.log"
  echo "Running: Rasa http://localhost:$RASA_PORT${DEMO:+, Web-chat demo: $DEMO} (pids ${pids[*]}; stop with: kill \$(cat $PIDFILE))"
  exit 0
fi

trap stop INT TERM EXIT
echo "Starting the action server on :$ACTIONS_PORT, Rasa on :$RASA_PORT${DEMO:+ and the web-chat demo on :$DEMO_PORT} (about a minute) …"
wait_for "http://localhost:$ACTIONS_PORT/health" "action server" 120 "$LOGDIR/actions.log"
warm_up "$ACTIONS_PORT"
wait_for "http://localhost:$RASA_PORT/status?token=$RASA_API_TOKEN" "Rasa server" 240 "$LOGDIR/rasa.log"
[ -z "$DEMO" ] || wait_for "$DEMO/healthz" "web-chat demo" 30 "$LOGDIR/widget.log"
wait_for "http://127.0.0.1:$HR_PORT/hr/login" "HR workbench" 60 "$LOGDIR/hr.log"
cat <<MSG

  Lederassistenten kører.
  REST:     curl -s localhost:$RASA_PORT/webhooks/rest/webhook -d '{"sender":"demo","message":"Hvad forventes af en niveau 2 leder om økonomistyring?"}'
$(echo "$CHANNELS" | sed 's/^/  /')${DEMO:+
  Web-chat demo: $DEMO
  HR-værkstedet: $DEMO/hr/  (første bruger: .venv/bin/python -m bot hr add-user --username … --name … --role godkender)}
  API:      curl -s "localhost:$RASA_PORT/status?token=\$(cat var/rasa-api-token)"  (or your RASA_API_TOKEN)
  Logs:     $LOGDIR/rasa.log, $LOGDIR/actions.log
  Stop:     Ctrl-C

MSG
wait -n "${pids[@]}"
echo "A server stopped; see $LOGDIR/." >&2
