"""Faults on the production stack: what a leader sees when a part is down, and that it recovers by itself.

Each case breaks a real component (a stopped or killed process, a database that refuses connections)
and asks through nginx as a user would. The user must get a Danish apology within a few seconds, never
silence or an HTTP 500, and the next questions must be answered again once the part is back, without
restarting Rasa."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import uuid

import pytest

from tests.prod.conftest import ACTIONS_PORTS, PGPORT, RASA_PORTS, ROOT, Stack, texts

pytestmark = pytest.mark.prod

QUESTION = "Hvad forventes af en niveau 1 leder om økonomistyring?"
ANSWER = "Niveau 1"
APOLOGY_WITHIN_S = 12  # Rasa waits ACTION_TIMEOUT_SECONDS (8) for the action servers at most


def sender() -> str:
    return f"fejl-{uuid.uuid4().hex[:8]}"


def ask(stack: Stack, who: str, question: str = QUESTION, base: str | None = None) -> tuple[float, list[str]]:
    started = time.monotonic()
    status, body = stack.post(who, question, base=base)
    assert status == 200, f"HTTP {status}: {body}"
    return time.monotonic() - started, texts(body)


def answered_again(stack: Stack, within: float = 20.0, base: str | None = None) -> list[str]:
    """Ask (new conversations) until the real answer comes back; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        _, replies = ask(stack, sender(), base=base)
        if replies and ANSWER in replies[0]:
            return replies
        assert time.monotonic() < deadline, f"no answer {within} s after recovery; last reply {replies}"
        time.sleep(1)


def test_action_servers_hanging_give_an_apology_then_answers_resume(stack: Stack) -> None:
    names = [f"actions-{port}" for port in ACTIONS_PORTS]
    for name in names:
        stack.signal(name, signal.SIGSTOP)
    try:
        elapsed, replies = ask(stack, sender())
        assert replies == [stack.text("utter_technical_problem")]
        assert elapsed < APOLOGY_WITHIN_S
    finally:
        for name in names:
            stack.signal(name, signal.SIGCONT)
    assert ANSWER in answered_again(stack)[0]


def test_one_hanging_action_server_is_bypassed(stack: Stack) -> None:
    stack.signal(f"actions-{ACTIONS_PORTS[0]}", signal.SIGSTOP)
    try:
        for _ in range(4):  # nginx alternates, so at least one question meets the hanging server
            elapsed, replies = ask(stack, sender())
            assert ANSWER in replies[0] and elapsed < APOLOGY_WITHIN_S
    finally:
        stack.signal(f"actions-{ACTIONS_PORTS[0]}", signal.SIGCONT)


def test_action_servers_down_give_an_apology_and_answers_resume_when_they_are_back(stack: Stack) -> None:
    for port in ACTIONS_PORTS:
        stack.kill(f"actions-{port}")
    try:
        elapsed, replies = ask(stack, sender())
        assert replies == [stack.text("utter_technical_problem")] and elapsed < APOLOGY_WITHIN_S
    finally:
        for port in ACTIONS_PORTS:
            stack.start("actions", port)
    assert ANSWER in answered_again(stack)[0]


def test_knowledge_database_down_gives_an_apology_and_recovers_by_itself(stack: Stack) -> None:
    stack.psql("ALTER DATABASE lederbot ALLOW_CONNECTIONS false")
    try:
        stack.psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = 'lederbot'")
        time.sleep(2.5)  # the action servers re-check the knowledge version every 2 s
        _, replies = ask(stack, sender())
        assert replies == [stack.text("utter_knowledge_unavailable")]
    finally:
        stack.psql("ALTER DATABASE lederbot ALLOW_CONNECTIONS true")
    assert ANSWER in answered_again(stack)[0]


def test_postgresql_down_gives_an_apology_and_recovers_by_itself(stack: Stack) -> None:
    script = str(ROOT / "scripts" / "postgres.sh")
    subprocess.run([script, "stop"], check=True, env=stack.env)
    try:
        elapsed, replies = ask(stack, sender())
        # Rasa cannot read the conversation and the action server cannot read the knowledge: either apology.
        apologies = [[stack.text("utter_technical_problem")], [stack.text("utter_knowledge_unavailable")]]
        assert replies in apologies and elapsed < APOLOGY_WITHIN_S
    finally:
        subprocess.run([script], check=True, env=stack.env)
    assert ANSWER in answered_again(stack, within=30)[0]


def test_a_restarted_rasa_server_keeps_the_conversation(stack: Stack) -> None:
    port = RASA_PORTS[1]
    direct = f"http://127.0.0.1:{port}"  # this one server, not nginx: the restart must be of the one used
    who = sender()
    _, first = ask(stack, who, base=direct)
    assert "Niveau 1" in first[0] and "økonomistyring" in first[0]
    stack.signal(f"rasa-{port}", signal.SIGTERM)
    time.sleep(1)
    stack.start("rasa", port)
    _, follow_up = ask(stack, who, "og niveau 2?", base=direct)
    assert "Niveau 2" in follow_up[0] and "økonomistyring" in follow_up[0]


def test_unreachable_tracker_store_at_start_is_a_clear_error(stack: Stack) -> None:
    env = dict(stack.env, TRACKER_DB_URL=f"postgresql+psycopg2://postgres:pw@127.0.0.1:{PGPORT + 1}/nix",
               TRACKER_DB_WAIT_SECONDS="1", REDIS_HOST="127.0.0.1", REDIS_DB="0",
               ACTION_ENDPOINT_URL=f"http://127.0.0.1:{ACTIONS_PORTS[0]}/webhook")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "serve", "rasa", "--port", str(RASA_PORTS[1] + 20),
         "--endpoints", "endpoints.prod.yml", "--credentials", str(ROOT / "var" / "test-unreachable.yml")],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=180,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 3, output[-2000:]
    assert "tracker store database postgresql+psycopg2://postgres:***@127.0.0.1" in output
    assert "TRACKER_DB_URL" in output and "Traceback" not in output and ":pw@" not in output
