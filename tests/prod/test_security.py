"""Security of the production stack: the Rasa API needs the token, the servers behind nginx listen on
loopback only, and browsers may call the bot only from the allow-listed intranet origins."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.prod.conftest import ACTIONS_PORTS, ACTIONS_PROXY_PORT, NGINX_PORT, ORIGIN, RASA_PORTS, Stack

pytestmark = pytest.mark.prod

FOREIGN = "https://angriber.example"


def status_of(url: str, method: str = "GET", headers: dict[str, str] | None = None,
              body: bytes | None = None) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(url, body, headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


@pytest.mark.parametrize("method, path", [
    ("GET", "/status"), ("GET", "/conversations/nogen/tracker"), ("GET", "/domain"),
    ("PUT", "/model"), ("POST", "/conversations/nogen/messages"), ("POST", "/model/parse"),
])
def test_rasa_http_api_is_not_public_and_needs_the_token(stack: Stack, method: str, path: str) -> None:
    headers = {"Content-Type": "application/json"}
    for token in ("", "?token=forkert-token-der-er-langt-nok", f"?token={stack.token}"):
        status, _ = status_of(f"{stack.base_url}{path}{token}", method, headers, b"{}")
        assert status == 404, ("nginx's public port", method, path, status)
    for port in RASA_PORTS:
        for token in ("", "?token=forkert-token-der-er-langt-nok"):
            status, _ = status_of(f"http://127.0.0.1:{port}{path}{token}", method, headers, b"{}")
            assert status == 401, (port, method, path, token, status)
    assert status_of(f"http://127.0.0.1:{RASA_PORTS[0]}/status?token={stack.token}")[0] == 200
    assert status_of(f"{stack.base_url}/")[0] == 200  # the health check stays public


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.rsplit(":", 1)
            if state == "0A" and int(port_hex, 16) == port:  # 0A = LISTEN
                found.add(address)
    return found


def test_servers_behind_nginx_listen_on_loopback_only() -> None:
    loopback = {"0100007F"}  # 127.0.0.1 in /proc/net/tcp's byte order
    for port in (*RASA_PORTS, *ACTIONS_PORTS, ACTIONS_PROXY_PORT, NGINX_PORT):
        addresses = listening_addresses(port)
        assert addresses and addresses <= loopback, (port, addresses)


def test_cors_is_an_allow_list(stack: Stack) -> None:
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    _, headers = status_of(f"{stack.base_url}/webhooks/rest/webhook", "OPTIONS", {"Origin": FOREIGN, **preflight})
    assert "Access-Control-Allow-Origin" not in headers
    _, headers = status_of(f"{stack.base_url}/webhooks/rest/webhook", "OPTIONS", {"Origin": ORIGIN, **preflight})
    assert headers.get("Access-Control-Allow-Origin") == ORIGIN


def test_socketio_refuses_foreign_pages(stack: Stack) -> None:
    handshake = f"{stack.base_url}/socket.io/?EIO=4&transport=polling"
    assert status_of(handshake, headers={"Origin": FOREIGN})[0] == 400
    assert status_of(handshake, headers={"Origin": ORIGIN})[0] == 200


def test_the_hr_workbench_is_on_its_own_listener_never_on_the_channel_port(stack: Stack) -> None:
    """HR signs in on the workbench's own nginx listener; the port the chat clients (and, for the webhooks,
    the Internet) reach answers 404 for every workbench path."""
    from tests.prod.conftest import HR_NGINX_PORT, HR_PORT

    for path in ("/hr/", "/hr/login", "/hr/static/hr.css"):
        assert status_of(f"{stack.base_url}{path}")[0] == 404, path
    status, headers = status_of(f"http://127.0.0.1:{HR_NGINX_PORT}/hr/login")
    assert status == 200 and "lederbot_hr" in headers.get("Set-Cookie", "")
    assert "HttpOnly" in headers["Set-Cookie"] and "SameSite=Lax" in headers["Set-Cookie"]
    with urllib.request.urlopen(f"http://127.0.0.1:{HR_NGINX_PORT}/hr/changes", timeout=30) as response:
        assert "/hr/login" in response.url and 'name="password"' in response.read().decode()  # no session
    assert status_of(f"http://127.0.0.1:{HR_NGINX_PORT}/webhooks/rest/webhook", "POST", body=b"{}")[0] == 404
    assert HR_PORT != NGINX_PORT


def test_retention_runs_by_itself_in_the_stack(stack: Stack) -> None:
    """make run-prod starts the daily purge (RETENTION_PERIOD); its first run happens at start-up."""
    import time

    names = [line.split()[0] for line in (Path(stack.env["STACK_DIR"]) / "pids").read_text().split("\n") if line]
    assert "retention" in names
    log = Path(stack.env["STACK_DIR"]) / "log" / "retention.log"
    deadline = time.monotonic() + 60
    while "Slettet:" not in (log.read_text(encoding="utf-8") if log.exists() else ""):
        assert time.monotonic() < deadline, "the retention job did not run"
        time.sleep(1)
