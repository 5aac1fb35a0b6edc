#!/usr/bin/env bash
# Print the path of a Python 3.10 interpreter (Rasa 3.6 needs 3.10), or fail with a clear message.
set -u
candidates=()
[ -n "${PYTHON310:-}" ] && candidates+=("$PYTHON310")
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root 2>/dev/null)
  for p in "$root"/versions/3.10*/bin/python; do [ -x "$p" ] && candidates+=("$p"); done
fi
command -v python3.10 >/dev/null 2>&1 && candidates+=("$(command -v python3.10)")
candidates+=(/usr/bin/python3.10 /usr/local/bin/python3.10)
for c in "${candidates[@]}"; do
  if [ -x "$c" ] && PYENV_VERSION=3.10.13 "$c" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' 2>/dev/null; then
    echo "$c"
    exit 0
  fi
done
echo "ERROR: Python 3.10 not found. Rasa 3.6.21 needs Python 3.10: install it (e.g. 'pyenv install 3.10.13') or set PYTHON310=/path/to/python3.10." >&2
exit 1
