#!/usr/bin/env bash
# nginx in front of several Rasa servers and several action servers (Debian's nginx-light, installed with
# apt if missing), with its own config, logs and pid in NGINX_DIR; nothing of the system nginx is used.
# `nginx.sh [start]` writes the config and starts (or reloads) it; `nginx.sh stop` stops it.
#   NGINX_PORT          where the chat clients connect (REST, socket.io, Teams, Telegram webhooks)
#   RASA_SERVERS        "host:port host:port" of the Rasa servers
#   ACTIONS_PROXY_PORT  loopback port Rasa calls the action servers through (ACTION_ENDPOINT_URL)
#   ACTION_SERVERS      "host:port host:port" of the action servers
#   ACTION_UPSTREAM_TIMEOUT  seconds one action server may take before the other is tried (3)
#   HR_NGINX_PORT, HR_UPSTREAM  the HR workbench's own listener and its server (host:port); never on NGINX_PORT
set -euo pipefail
DIR=${NGINX_DIR:?NGINX_DIR is not set}
PORT=${NGINX_PORT:?NGINX_PORT is not set}

if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  echo "nginx.sh: installing nginx with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq nginx-light >/dev/null
  service nginx stop >/dev/null 2>&1 || true  # the package may start the system service; not used here
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

# The HR workbench on a listener of its own (an intranet-only address in a real deployment), so it is never
# reachable on the channel port the chat clients and the Internet-facing webhooks use.
hr_server() {
  [ -n "${HR_NGINX_PORT:-}" ] || return 0
  cat <<HR
    server {
        listen 127.0.0.1:$HR_NGINX_PORT;
        client_max_body_size 1m;
        location /hr/ {
            proxy_pass http://${HR_UPSTREAM:?HR_UPSTREAM is not set};
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_read_timeout 120s;
        }
        location / {
            return 404;
        }
    }
HR
}
PID="$DIR/nginx.pid"

if [ "${1:-start}" = stop ]; then
  if [ -f "$PID" ] && kill -0 "$(cat "$PID")" 2>/dev/null; then
    "$NGINX" -p "$DIR" -c "$DIR/nginx.conf" -e "$DIR/error.log" -s quit 2>/dev/null || kill "$(cat "$PID")"
    for _ in $(seq 1 50); do [ -f "$PID" ] || break; sleep 0.1; done
  fi
  exit 0
fi

servers() {  # "a:1 b:2" -> nginx server lines
  for s in $1; do echo "        server $s max_fails=1 fail_timeout=5s;"; done
}
# nginx's workers write request bodies and proxied responses to temp files. Started by root they run as
# www-data, which may not enter the checkout (a clone under /root or in a mktemp -d directory): every body
# over the buffer then got a 500. Their temp files live in a directory made for them, outside the checkout;
# started by anyone else the workers run as that user, in a directory of theirs.
if [ "$(id -u)" -eq 0 ]; then
  WORKER_USER=www-data
  id -u "$WORKER_USER" >/dev/null 2>&1 || WORKER_USER=nobody
  USER_LINE="user $WORKER_USER;"
else
  WORKER_USER=$(id -un)
  USER_LINE=""
fi
TMP=${NGINX_TMP:-${TMPDIR:-/tmp}/lederbot-nginx-$(id -u)-$PORT}
mkdir -p "$DIR" "$TMP"
chown "$WORKER_USER" "$TMP"
chmod 700 "$TMP"
cat > "$DIR/nginx.conf" <<CONF
# Written by scripts/nginx.sh; see deploy/nginx/ for the container version.
$USER_LINE
worker_processes 2;
pid $PID;
error_log $DIR/error.log warn;
events { worker_connections 2048; }

http {
    access_log $DIR/access.log;
    client_body_temp_path $TMP/body;
    proxy_temp_path $TMP/proxy;
    fastcgi_temp_path $TMP/fastcgi;
    uwsgi_temp_path $TMP/uwsgi;
    scgi_temp_path $TMP/scgi;
    server_tokens off;

    map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }

    # REST, Teams, Telegram: any Rasa server can take any turn (shared tracker store, Redis lock store).
    # "zone": the nginx workers share which servers are down.
    upstream rasa {
        zone rasa 64k;
$(servers "${RASA_SERVERS:?RASA_SERVERS is not set}")
        keepalive 32;
    }
    # socket.io long-polling keeps state in one server's memory: the same client stays on the same server
    # (by the whole address; ip_hash would put a whole office subnet on one server).
    upstream rasa_socketio {
        zone rasa_socketio 64k;
        hash \$remote_addr consistent;
$(servers "$RASA_SERVERS")
    }
    upstream actions {
        zone actions 64k;
$(servers "${ACTION_SERVERS:?ACTION_SERVERS is not set}")
        keepalive 32;
    }

    server {
        listen 127.0.0.1:$PORT;
        client_max_body_size 64k;  # a chat message; the limit for users is MAX_MESSAGE_CHARS

        location /socket.io/ {
            proxy_pass http://rasa_socketio;
            proxy_http_version 1.1;
            proxy_set_header Upgrade \$http_upgrade;
            proxy_set_header Connection \$connection_upgrade;
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_connect_timeout 2s;
            proxy_read_timeout 120s;
        }
        # Users reach the channels (/webhooks/…, /socket.io/) and the health check, nothing else: Rasa's
        # HTTP API (/conversations, /model, /status) stays on the servers' own ports, behind its token.
        location = / {
            proxy_pass http://rasa;
        }
        location / {
            return 404;
        }
        location /webhooks/ {
            proxy_pass http://rasa;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
            # A server that is down (or dies mid-turn) is skipped and the turn goes to the other one;
            # a turn is safe to repeat (same answer), so POSTs are retried too.
            proxy_next_upstream error timeout http_502 http_503 non_idempotent;
            proxy_next_upstream_tries 3;
            proxy_connect_timeout 2s;
            proxy_read_timeout 60s;
        }
    }

$(hr_server)

    # Rasa -> action servers; loopback only, never published.
    server {
        listen 127.0.0.1:${ACTIONS_PROXY_PORT:?ACTIONS_PROXY_PORT is not set};
        client_max_body_size 8m;  # Rasa sends the whole conversation with every action call
        location / {
            proxy_pass http://actions;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_next_upstream error timeout http_502 http_503 non_idempotent;
            proxy_next_upstream_tries 2;
            proxy_connect_timeout 1s;
            proxy_read_timeout ${ACTION_UPSTREAM_TIMEOUT:-3}s;
        }
    }
}
CONF
"$NGINX" -t -q -p "$DIR" -c "$DIR/nginx.conf" -e "$DIR/error.log"
if [ -f "$PID" ] && kill -0 "$(cat "$PID")" 2>/dev/null; then
  "$NGINX" -p "$DIR" -c "$DIR/nginx.conf" -e "$DIR/error.log" -s reload
else
  "$NGINX" -p "$DIR" -c "$DIR/nginx.conf" -e "$DIR/error.log"
fi
