"""The production stack for the tests marked ``prod``: scripts/run-prod.sh on its own ports.

PostgreSQL, Redis, nginx, two Rasa servers and two action servers are started once per session (about
a minute) and stopped afterwards. Tests talk to nginx as users would, and reach single servers by port
where a test is about one server (a restart, a kill)."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from rasa.shared.core.domain import Domain

ROOT = Path(__file__).resolve().parents[2]
NGINX_PORT = int(os.environ.get("TEST_PROD_PORT", "5250"))
RASA_PORTS = (NGINX_PORT + 1, NGINX_PORT + 2)
ACTIONS_PROXY_PORT = NGINX_PORT + 10
ACTIONS_PORTS = (NGINX_PORT + 11, NGINX_PORT + 12)
DEMO_PORT = NGINX_PORT + 35
HR_PORT = NGINX_PORT + 36
HR_NGINX_PORT = NGINX_PORT + 37
PGPORT = int(os.environ.get("TEST_PROD_PGPORT", "54359"))
REDIS_PORT = int(os.environ.get("TEST_PROD_REDIS_PORT", "63759"))
RATE_LIMIT = 30  # messages per sender and minute on the test stack
ORIGIN = f"http://localhost:{DEMO_PORT}"  # the intranet page's origin (WEBCHAT_ALLOWED_ORIGINS of the stack)


@dataclass
class Stack:
    env: dict[str, str]
    domain: Domain
    restarts: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{NGINX_PORT}"

    @property
    def token(self) -> str:
        return self.env["RASA_API_TOKEN"]

    def text(self, response: str) -> str:
        return str(self.domain.responses[response][0]["text"])

    def pids(self) -> dict[str, int]:
        lines = (Path(self.env["STACK_DIR"]) / "pids").read_text().split("\n")
        return {name: int(pid) for name, pid in (line.split() for line in lines if line.strip())}

    def signal(self, server: str, sig: signal.Signals) -> None:
        os.kill(self.pids()[server], sig)

    def kill(self, server: str) -> None:
        pid = self.pids()[server]
        os.kill(pid, signal.SIGKILL)
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            if Path(f"/proc/{pid}/status").exists() and "zombie" in Path(f"/proc/{pid}/status").read_text():
                return
            time.sleep(0.05)

    def start(self, kind: str, port: int) -> None:
        """Start one server again (after a kill) and wait until it answers."""
        subprocess.run([str(ROOT / "scripts" / "run-prod.sh"), "start-server", kind, str(port)],
                       check=True, env=self.env, cwd=ROOT, stdout=subprocess.DEVNULL)
        self.restarts.append(f"{kind}-{port}")

    def post(self, sender: str, message: Any, base: str | None = None, timeout: float = 60,
             raw: bytes | None = None) -> tuple[int, Any]:
        body = raw if raw is not None else json.dumps({"sender": sender, "message": message}).encode()
        request = urllib.request.Request(f"{base or self.base_url}/webhooks/rest/webhook", body,
                                         {"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.loads(response.read().decode() or "null")
        except urllib.error.HTTPError as error:
            payload = error.read().decode(errors="replace")
            try:
                return error.code, json.loads(payload)
            except ValueError:
                return error.code, payload

    def tracker(self, sender: str) -> dict[str, Any]:
        """The conversation from the shared tracker store, through the API of whichever Rasa server is up
        (the API is not on nginx's public port)."""
        for port in RASA_PORTS:
            url = f"http://127.0.0.1:{port}/conversations/{sender}/tracker?token={self.token}"
            try:
                with urllib.request.urlopen(url, timeout=30) as response:
                    return dict(json.loads(response.read()))
            except urllib.error.URLError as error:
                if isinstance(error, urllib.error.HTTPError) or port == RASA_PORTS[-1]:
                    raise
        raise AssertionError("unreachable")

    def polling_session(self) -> str:
        """Open a socket.io long-polling session through nginx, as a page on ORIGIN; its engine.io sid."""
        handshake = urllib.request.Request(f"{self.base_url}/socket.io/?EIO=4&transport=polling",
                                           headers={"Origin": ORIGIN})
        with urllib.request.urlopen(handshake, timeout=30) as response:
            return str(json.loads(response.read().decode()[1:])["sid"])  # "0{...}": engine.io open packet

    def psql(self, sql: str) -> str:
        command = ["psql", "-h", "127.0.0.1", "-p", str(PGPORT), "-U", "postgres", "-d", "postgres", "-tAc", sql]
        if os.getuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


def texts(messages: Any) -> list[str]:
    return [str(m.get("text") or "") for m in messages or [] if isinstance(m, dict)]


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    if not (ROOT / "models" / "lederassistent.tar.gz").exists():
        pytest.fail("no trained model: run `make train` first")
    env = dict(
        os.environ,
        STACK_DIR=str(ROOT / "var" / f"test-prod-{NGINX_PORT}"),
        NGINX_PORT=str(NGINX_PORT), RASA_PORTS=" ".join(map(str, RASA_PORTS)),
        ACTIONS_PROXY_PORT=str(ACTIONS_PROXY_PORT), ACTIONS_PORTS=" ".join(map(str, ACTIONS_PORTS)),
        DEMO_PORT=str(DEMO_PORT), PGPORT=str(PGPORT), REDIS_PORT=str(REDIS_PORT),
        HR_PORT=str(HR_PORT), HR_NGINX_PORT=str(HR_NGINX_PORT),
        PGDATA_DIR=f"/tmp/lederbot-test-pg-{PGPORT}", REDIS_DIR=f"/tmp/lederbot-test-redis-{REDIS_PORT}",
        RASA_API_TOKEN=secrets.token_urlsafe(24), REDIS_PASSWORD=secrets.token_urlsafe(16),
        RATE_LIMIT_MESSAGES=str(RATE_LIMIT), RATE_LIMIT_WINDOW_SECONDS="60",
        TEAMS_APP_ID="", TELEGRAM_BOT_TOKEN="",  # REST and socket.io are what these tests use
    )
    subprocess.run([str(ROOT / "scripts" / "run-prod.sh"), "--background"], check=True, env=env, cwd=ROOT)
    try:
        yield Stack(env, Domain.load(str(ROOT / "domain.yml")))
    finally:
        subprocess.run([str(ROOT / "scripts" / "run-prod.sh"), "stop"], check=False, env=env, cwd=ROOT)
