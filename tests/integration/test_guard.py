"""The message guard every channel uses (bot/rasa/channels/guard.py): limits, payload injection, apology."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.core.domain import Domain

from bot.cli.serve import ServeError, origins, rasa_command
from bot.rasa.channels.guard import (
    Guard,
    GuardSettings,
    MemoryRateLimiter,
    clean_text,
    is_button_payload,
    neutralise_payload,
)


@pytest.fixture(scope="module")
def app() -> Any:
    """What the guard needs of Rasa's Sanic app: the agent's domain (the real domain.yml)."""
    return SimpleNamespace(ctx=SimpleNamespace(agent=SimpleNamespace(domain=Domain.load("domain.yml"))))


def guard_for(app: Any, **settings: Any) -> Guard:
    guard = Guard(GuardSettings(**settings))
    guard.app = app
    return guard


def text_of(domain_app: Any, name: str) -> str:
    return str(domain_app.ctx.agent.domain.responses[name][0]["text"])


def run(guard: Guard, text: Any, handler: Any, sender: str = "leder-1") -> CollectingOutputChannel:
    collector = CollectingOutputChannel()
    asyncio.run(guard.handle(UserMessage(text, collector, sender, input_channel="rest"), handler))
    return collector


class Rasa:
    """Stands in for Rasa's on_new_message: records what reached it and answers (or not)."""

    def __init__(self, answer: bool = True, fail: bool = False) -> None:
        self.received: list[str] = []
        self.answer, self.fail = answer, fail

    async def __call__(self, message: UserMessage) -> None:
        self.received.append(message.text or "")
        if self.fail:
            raise RuntimeError("tracker store unreachable")
        if self.answer:
            await message.output_channel.send_response(message.sender_id, {"text": "svar"})


def test_bot_payloads_pass_and_everything_else_is_a_question() -> None:
    assert is_button_payload('/show_unit{"unit_id": "kalundborg.ledelse.sikker_drift"}')
    assert is_button_payload("/feedback_negative") and is_button_payload("/greet")
    for typed in ('/show_unit{"unit_id": "x", "last_unit": "y"}', '/show_unit{"unit_id": 7}',
                  "/show_unit@0.99{\"unit_id\": \"x\"}", "/restart", "/session_start", "/action_warm_up",
                  '/feedback_positive{"knowledge_version": "hacked"}', "/nlu_fallback", '/show_unit{"unit_id": ""}'):
        assert not is_button_payload(typed), typed
        assert not neutralise_payload(typed).startswith("/"), typed
    assert neutralise_payload("/restart") == "restart"
    assert neutralise_payload("Hvad er sikker drift?") == "Hvad er sikker drift?"


def test_clean_text_drops_controls_and_bidi_overrides_but_keeps_languages() -> None:
    assert clean_text("  Hvad\x00 er\x1b[31m ledelse?\u202e  ") == "Hvad er[31m ledelse?"
    assert clean_text("ما هي القيادة؟ 领导 👩‍💼") == "ما هي القيادة؟ 领导 👩‍💼"
    assert clean_text("linje 1\nlinje 2\t!") == "linje 1\nlinje 2\t!"
    assert clean_text(None) == "" and clean_text(42) == ""
    assert clean_text("ledelse\ud800?") == "ledelse?"


def test_empty_long_and_injected_messages(app: Any) -> None:
    guard, rasa = guard_for(app, max_chars=50), Rasa()
    for empty in ("", "   \n\t", "\x00\x01", "///"):
        assert run(guard, empty, rasa).messages[0]["text"] == text_of(app, "utter_empty_message")
    assert run(guard, "x" * 51, rasa).messages[0]["text"] == text_of(app, "utter_message_too_long")
    assert rasa.received == []
    run(guard, '/show_unit{"unit_id": "a", "last_query": "b"}', rasa)
    run(guard, '/show_unit{"unit_id": "glostrup.tema.1"}', rasa)
    assert rasa.received == ['show_unit{"unit_id": "a", "last_query": "b"}', '/show_unit{"unit_id": "glostrup.tema.1"}']


def test_rate_limit_per_sender_with_a_friendly_reply(app: Any) -> None:
    guard, rasa = guard_for(app, rate_messages=3, rate_window=60), Rasa()
    replies = [run(guard, f"spørgsmål {i}", rasa, sender="ivrig").messages[0]["text"] for i in range(5)]
    assert replies[:3] == ["svar"] * 3
    assert replies[3:] == [text_of(app, "utter_rate_limited")] * 2
    assert run(guard, "spørgsmål", rasa, sender="en-anden").messages[0]["text"] == "svar"
    assert len(rasa.received) == 4


def test_sliding_window_lets_the_sender_in_again() -> None:
    now = [0.0]
    limiter = MemoryRateLimiter(2, 10, clock=lambda: now[0])
    assert [asyncio.run(limiter.allow("a")) for _ in range(3)] == [True, True, False]
    now[0] = 10.5
    assert asyncio.run(limiter.allow("a"))


def test_silence_or_failure_becomes_the_apology(app: Any) -> None:
    apology = text_of(app, "utter_technical_problem")
    assert [m["text"] for m in run(guard_for(app), "Hvad er ledelse?", Rasa(answer=False)).messages] == [apology]
    assert [m["text"] for m in run(guard_for(app), "Hvad er ledelse?", Rasa(fail=True)).messages] == [apology]
    assert [m["text"] for m in run(guard_for(app), "Hvad er ledelse?", Rasa()).messages] == ["svar"]


def test_guard_settings_from_environment() -> None:
    settings = GuardSettings.from_env({"MAX_MESSAGE_CHARS": "200", "RATE_LIMIT_MESSAGES": "5",
                                       "RATE_LIMIT_WINDOW_SECONDS": "10", "ACTION_TIMEOUT_SECONDS": "3",
                                       "REDIS_HOST": "127.0.0.1", "REDIS_PORT": "6390"})
    assert (settings.max_chars, settings.rate_messages, settings.rate_window, settings.action_timeout) == (
        200, 5, 10.0, 3.0)
    assert settings.redis is not None and settings.redis["port"] == 6390
    assert GuardSettings.from_env({"MAX_MESSAGE_CHARS": "mange"}).max_chars == 1000
    assert GuardSettings.from_env({}).redis is None


def test_rasa_is_never_started_without_an_api_token_and_cors_is_a_list() -> None:
    args = SimpleNamespace(model="m.tar.gz", host="127.0.0.1", port=5005, endpoints="endpoints.yml",
                           credentials="var/c.yml")
    with pytest.raises(ServeError, match="RASA_API_TOKEN"):
        rasa_command(args, {})  # type: ignore[arg-type]
    with pytest.raises(ServeError, match="16"):
        rasa_command(args, {"RASA_API_TOKEN": "kort"})  # type: ignore[arg-type]
    env = {"RASA_API_TOKEN": "t" * 32, "WEBCHAT_ALLOWED_ORIGINS": "https://intra.kalundborg.dk/, https://x.dk"}
    command = rasa_command(args, env)  # type: ignore[arg-type]
    assert f"--auth-token={'t' * 32}" in command and "--enable-api" in command
    assert command[command.index("--cors") + 1:] == ["https://intra.kalundborg.dk", "https://x.dk"]
    assert "*" not in command and "--cors" not in rasa_command(args, {"RASA_API_TOKEN": "t" * 32})  # type: ignore[arg-type]
    assert origins({"WEBCHAT_ALLOWED_ORIGINS": ""}) == []


def test_a_token_that_starts_with_a_dash_reaches_rasa_as_the_token() -> None:
    """secrets.token_urlsafe() starts with "-" once in 64 tokens; Rasa's own parser must read it as the value."""
    from rasa.__main__ import create_argument_parser

    args = SimpleNamespace(model="m.tar.gz", host="127.0.0.1", port=5005, endpoints="endpoints.yml",
                           credentials="var/c.yml")
    env = {"RASA_API_TOKEN": "-Kx" + "t" * 30}
    parsed = create_argument_parser().parse_args(rasa_command(args, env)[1:])  # type: ignore[arg-type]
    assert parsed.auth_token == "-Kx" + "t" * 30 and parsed.enable_api
