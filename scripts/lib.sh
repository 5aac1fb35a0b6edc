# Shell functions shared by scripts/run.sh and scripts/run-prod.sh (sourced, not run).

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
