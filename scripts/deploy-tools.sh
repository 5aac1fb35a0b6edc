#!/usr/bin/env bash
# The tools tests/integration/test_deploy_files.py validates the deployment files with: docker-compose (`config`) and
# nginx (`nginx -t`), from Debian's packages when missing. Neither is started.
set -euo pipefail
missing=()
command -v docker-compose >/dev/null || { command -v docker >/dev/null && docker compose version >/dev/null 2>&1; } \
  || missing+=(docker-compose)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deploy-tools.sh: installing ${missing[*]} with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq "${missing[@]}" >/dev/null
service nginx stop >/dev/null 2>&1 || true  # the package may start the system service; not used here
