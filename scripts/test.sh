#!/usr/bin/env bash
# `make test`: every check, in order; later checks still run after a failure where they can.
# Ends with one summary line "N passed, N failed" (checks, not test cases).
set -uo pipefail
cd "$(dirname "$0")/.."
passed=0; failed=0; failures=()

step() {  # name, make target
  echo; echo "=== $1 ==="
  if make --no-print-directory "$2"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1)); failures+=("$1")
  fi
}

if ! make --no-print-directory install var/spacy-da/config.cfg; then
  echo "set-up failed"; echo "0 passed, 1 failed"; exit 1
fi
step "ruff" lint
step "mypy" typecheck
step "unit tests (no services)" unit
step "integration tests (SQLite, PostgreSQL, Redis, HTTP fakes)" integration
step "rasa data validate" validate
step "rasa train" train
if [ -f models/lederassistent.tar.gz ]; then
  step "rasa test (NLU, stories) + REST conversation tests" rasa-test
  # From a checkout no other user may enter (a clone under /root, a mktemp -d directory), as operations may
  # run it: nothing of the stack may depend on where the checkout lies (nginx's workers did).
  mode=$(stat -c %a .)
  chmod 700 .
  step "production stack: PostgreSQL, Redis, nginx, 2 Rasa + 2 action servers (scale-out, faults, fuzz, security)" test-prod
  chmod "$mode" .
else
  failed=$((failed + 1)); failures+=("rasa test (no model)")
fi
# The throw-away PostgreSQL and Redis of the unit tests (the production stack stops its own).
scripts/postgres.sh stop || true
scripts/redis.sh stop || true
echo
[ ${#failures[@]} -gt 0 ] && printf 'FAILED: %s\n' "${failures[@]}"
echo "checks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
