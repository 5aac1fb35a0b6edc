# shellcheck shell=bash
# Shell functions shared by scripts/run.sh and scripts/run-prod.sh (sourced, not run).
#
# run.sh keeps the servers it started in the arrays `pids` and `logs` (the log of each pid): fail stops them,
# and wait_for without a PID watches them all. run-prod.sh has no `pids`: its servers are stopped by its EXIT
# trap or by `run-prod.sh stop` (a failed `start-server` must leave the others running).

# fail MESSAGE [LOG]: say why, show the end of LOG (if it exists), stop the servers in `pids` (if any), exit 1.
# shellcheck disable=SC2154  # pids: the sourcing script's (above)
fail() {
  local pid
  echo "ERROR: $1" >&2
  [ -f "${2:-}" ] && tail -n 15 "$2" | sed 's/^/  | /' >&2
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  exit 1
}

# wait_for URL NAME SECONDS LOG [PID]: wait until URL answers (at most SECONDS); fail at once if a server exits
# first: the process PID when given (even empty: then it counts as exited), else any of `pids`.
# shellcheck disable=SC2154  # pids, logs: the sourcing script's (above)
wait_for() {
  local _ i
  for _ in $(seq 1 "$3"); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    if [ $# -ge 5 ]; then
      kill -0 "$5" 2>/dev/null || fail "$2 exited during start-up; see $4" "$4"
    else
      for i in "${!pids[@]}"; do
        kill -0 "${pids[$i]}" 2>/dev/null || fail "${logs[$i]} shows why a server exited before $2 was ready" "${logs[$i]}"
      done
    fi
    sleep 1
  done
  fail "$2 did not answer within $3 s; see $4" "$4"
}

# warm_up PORT: make the action server on PORT load the knowledge index, lemmatizer and embedding model
# now rather than on the first question.
warm_up() {
  curl -fsS -m 120 -o /dev/null -X POST "http://127.0.0.1:$1/webhook" -H 'Content-Type: application/json' \
    -d '{"next_action": "action_warm_up", "sender_id": "warm-up", "tracker": {"sender_id": "warm-up", "slots": {},
         "latest_message": {}, "events": [], "paused": false}, "domain": {}}' \
    || echo "WARNING: warm-up of the action server on :$1 failed; the first question will be slower" >&2
}

# made_once FILE: a random secret, created on first use and readable only by this user; prints it.
made_once() {
  [ -s "$1" ] || (umask 077; mkdir -p "$(dirname "$1")"; "${VENV:-.venv}/bin/python" -c \
    'import secrets; print(secrets.token_urlsafe(32))' > "$1")
  cat "$1"
}
