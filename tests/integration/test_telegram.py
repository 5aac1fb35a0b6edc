"""The Telegram channel (bot/rasa/channels/telegram/) against a local fake Bot API (tests/fakes/telegram.py).

The output channel, the webhook and polling through a real Sanic app, and the `python -m bot telegram`
command, each against a fake on an ephemeral port; no Rasa server. Text splitting, callback_data,
commands and settings need no network (tests/unit/test_telegram_*.py); the trained bot behind the
channel is tested in tests/e2e/test_telegram.py.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from rasa.core.channels.channel import UserMessage

from bot.cli import telegram as telegram_cli
from bot.core.privacy import pseudonym
from bot.rasa.channels.telegram.input import TelegramInput
from bot.rasa.channels.telegram.output import CallbackPayloads
from bot.rasa.channels.telegram.settings import SECRET_HEADER
from bot.settings import get_settings
from tests.conftest import ROOT
from tests.fakes.channel_env import TELEGRAM_SECRET, TELEGRAM_TOKEN
from tests.fakes.telegram import FakeTelegram, callback_update, message_update

QUESTION = "Hvad forventes af en niveau 2 leder om økonomistyring?"

LONG_PAYLOAD = '/show_unit{"unit_id": "kalundborg.drift.evidensbaseret-opgaveloesning.niveau-2"}'


# --- fixtures ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fake_api() -> Iterator[FakeTelegram]:
    """A fake Bot API on an ephemeral port for the unit tests."""
    with FakeTelegram(port=0) as fake:
        yield fake


@pytest.fixture
def api(fake_api: FakeTelegram) -> FakeTelegram:
    fake_api.reset()
    return fake_api


def channel(api: FakeTelegram, mode: str = "webhook") -> TelegramInput:
    secret = TELEGRAM_SECRET if mode == "webhook" else ""
    return TelegramInput.from_credentials(
        {"token": TELEGRAM_TOKEN, "mode": mode, "webhook_secret": secret, "base_url": api.base_url})


class Collector:
    """Stands in for Rasa's agent: records each UserMessage and answers it through the real output
    channel, as Rasa does ("Svar: <text>" plus a button)."""

    def __init__(self) -> None:
        self.messages: list[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.messages.append(message)
        await message.output_channel.send_response(
            message.sender_id,
            {"text": f"Svar: {message.text}", "buttons": [{"title": "Niveau 1", "payload": LONG_PAYLOAD}]},
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def sanic_app(tg: TelegramInput, on_new_message: Any, ctx: Any = None) -> AsyncIterator[str]:
    """The channel's blueprint in a real Sanic server, mounted where Rasa mounts it; yields the base URL."""
    from sanic import Sanic

    # test mode: Sanic 21.12 otherwise rewrites its protocol methods again for a second app in one process
    Sanic.test_mode = True
    app = Sanic(f"telegram_test_{uuid.uuid4().hex[:8]}")
    if ctx is not None:
        app.ctx.agent = ctx
    app.blueprint(tg.blueprint(on_new_message), url_prefix="/webhooks/telegram")
    port = _free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
    assert server is not None
    await server.startup()
    await server.before_start()
    await server.after_start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await server.before_stop()
        await server.close()
        await server.after_stop()


async def post_update(base: str, update: dict[str, Any], secret: str | None = TELEGRAM_SECRET) -> int:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    async with aiohttp.ClientSession() as session, session.post(
        f"{base}/webhooks/telegram/webhook", json=update, headers=headers
    ) as response:
        return response.status


# --- output channel ------------------------------------------------------------------------------------


def test_text_is_sent_verbatim_as_plain_text_with_an_inline_keyboard(api: FakeTelegram) -> None:
    tg = channel(api)
    text = "Titel (Org)\n\n<b>fed?</b> & <i>x</i> *y* _z_ [a](b)\n\nKilde: X › Y"

    async def send() -> None:
        await tg.get_output_channel().send_text_with_buttons(
            "4242", text, [{"title": "Niveau 1", "payload": LONG_PAYLOAD},
                           {"title": "Hvilke felter er der?", "payload": "Hvilke felter er der i Kalundborgs "
                                                                      "ledelses- og styringsgrundlag?"}])
        await tg.get_output_channel().send_text_with_buttons(
            "4242", "Hjalp svaret?", [{"title": "👍 Ja", "payload": "/feedback_positive"},
                                      {"title": "👎 Nej", "payload": "/feedback_negative"}])
        await tg.close()

    asyncio.run(send())
    first, second = api.sent(4242)
    assert first["text"] == text and "parse_mode" not in first  # nothing to escape, nothing changed
    rows = first["reply_markup"]["inline_keyboard"]
    assert [[k["text"] for k in row] for row in rows] == [["Niveau 1"], ["Hvilke felter er der?"]]
    assert tg.callbacks.decode(rows[0][0]["callback_data"]) == LONG_PAYLOAD
    assert [[k["callback_data"] for k in row] for row in second["reply_markup"]["inline_keyboard"]] == [
        ["/feedback_positive", "/feedback_negative"]]


def test_long_answer_is_split_with_buttons_on_the_last_part(api: FakeTelegram) -> None:
    tg = channel(api)
    text = "\n\n".join(f"Afsnit {i}. " + "Lang tekst om ledelse. " * 50 for i in range(8))  # ~9300 chars

    async def send() -> None:
        await tg.get_output_channel().send_response(
            "77", {"text": text, "buttons": [{"title": "Niveau 1", "payload": "/x"}]})
        await tg.close()

    asyncio.run(send())
    parts = api.sent(77)
    assert len(parts) == 3 and all(c["ok"] for c in api.calls("sendMessage"))
    assert "\n\n".join(p["text"] for p in parts) == text
    assert [("reply_markup" in p) for p in parts] == [False, False, True]


# --- webhook through a real Sanic app ------------------------------------------------------------------


def test_webhook_checks_the_secret_and_starts_without_calling_telegram(api: FakeTelegram) -> None:
    tg, rasa = channel(api), Collector()

    async def run() -> list[int]:
        async with sanic_app(tg, rasa) as base:
            assert api.calls() == []  # no getMe / setWebhook when the server starts
            statuses = [
                await post_update(base, message_update(1, 501, "hej"), secret="forkert"),
                await post_update(base, message_update(2, 501, "hej"), secret=None),
                await post_update(base, message_update(3, 501, "hej"), secret=TELEGRAM_SECRET + "x"),
            ]
            assert rasa.messages == [] and api.calls() == []
            statuses.append(await post_update(base, message_update(4, 501, QUESTION)))
            async with aiohttp.ClientSession() as session, session.post(
                f"{base}/webhooks/telegram/webhook", data=b"{not json", headers={SECRET_HEADER: TELEGRAM_SECRET}
            ) as response:
                statuses.append(response.status)
        return statuses

    assert asyncio.run(run()) == [403, 403, 403, 200, 400]
    # Rasa gets a pseudonym of the chat id (no Telegram id in the tracker store); the reply goes to the chat.
    expected = pseudonym("501", get_settings().sender_key())
    assert [(m.text, m.sender_id, m.input_channel) for m in rasa.messages] == [(QUESTION, expected, "telegram")]
    assert api.sent(501)[0]["text"] == f"Svar: {QUESTION}"
    assert {c["method"] for c in api.calls()} == {"sendMessage"}


def test_webhook_commands_and_button_presses(api: FakeTelegram) -> None:
    tg, rasa = channel(api), Collector()

    async def run() -> None:
        async with sanic_app(tg, rasa) as base:
            assert await post_update(base, message_update(10, 502, "/start")) == 200
            assert await post_update(base, message_update(11, 502, "/hjaelp@lederassistent_test_bot")) == 200
            sent = api.calls("sendMessage")[-1]["result"]  # the message with the button, as Telegram has it
            key = sent["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
            assert await post_update(base, callback_update(12, 502, key, sent)) == 200
            assert await post_update(base, callback_update(12, 502, key, sent)) == 200  # resent: ignored
            assert await post_update(base, {"update_id": 13, "edited_message": sent}) == 200

    asyncio.run(run())
    assert [m.text for m in rasa.messages] == ["/greet", "/bot_capabilities", LONG_PAYLOAD]
    answered = api.calls("answerCallbackQuery")
    assert [c["params"]["callback_query_id"] for c in answered] == ["50212"]
    assert "text" not in answered[0]["params"]


def test_a_button_key_unknown_after_a_restart_is_found_in_the_conversation(api: FakeTelegram) -> None:
    """A fresh process has an empty key map: the key is resolved from the buttons in Rasa's tracker."""
    from rasa.core.tracker_store import InMemoryTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import BotUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    store = InMemoryTrackerStore(Domain.empty())
    buttons = [{"title": "Niveau 1", "payload": LONG_PAYLOAD}]
    sender = pseudonym("503", get_settings().sender_key())  # the conversation is stored under the chat's pseudonym
    asyncio.run(store.save(DialogueStateTracker.from_events(sender, [BotUttered("Svar", {"buttons": buttons})])))
    key = CallbackPayloads.key(LONG_PAYLOAD)
    message = {"message_id": 9, "chat": {"id": 503, "type": "private"}, "date": 1, "text": "Svar",
               "reply_markup": {"inline_keyboard": [[{"text": "Niveau 1", "callback_data": key}]]}}
    other = CallbackPayloads.key(LONG_PAYLOAD + " ")
    gone = dict(message, reply_markup={"inline_keyboard": [[{"text": "Niveau 2", "callback_data": other}]]})
    tg, rasa = channel(api), Collector()

    async def run() -> None:
        async with sanic_app(tg, rasa, ctx=SimpleNamespace(tracker_store=store)) as base:
            await post_update(base, callback_update(20, 503, key, message))  # from the tracker
            await post_update(base, callback_update(21, 503, other, gone))  # not in the tracker: its title
            no_markup = {k: v for k, v in gone.items() if k != "reply_markup"}
            await post_update(base, callback_update(22, 503, other, no_markup))  # nothing to go on

    asyncio.run(run())
    assert [m.text for m in rasa.messages] == [LONG_PAYLOAD, "Niveau 2"]
    last = api.calls("answerCallbackQuery")[-1]["params"]
    assert last["text"].startswith("Knappen er ikke aktiv")


def test_webhook_route_is_off_in_polling_mode(api: FakeTelegram) -> None:
    tg, rasa = channel(api, "polling"), Collector()
    api.webhook = {"url": "https://example.org/webhooks/telegram/webhook"}  # getUpdates -> 409 Conflict

    async def run() -> int:
        async with sanic_app(tg, rasa) as base:
            return await post_update(base, message_update(30, 504, "hej"))

    assert asyncio.run(run()) == 404
    assert rasa.messages == []


# --- polling ---------------------------------------------------------------------------------------------


def test_polling_loop_answers_queued_messages_and_confirms_them(api: FakeTelegram) -> None:
    tg, rasa = channel(api, "polling"), Collector()
    tg.poll_timeout = 1
    first = api.next_update_id()
    api.queue_update(message_update(first, 601, QUESTION))

    async def run() -> None:
        tg.start_polling(rasa)
        await asyncio.to_thread(api.wait_for, "sendMessage", lambda p: p["chat_id"] == 601)
        second = api.next_update_id()
        api.queue_update(callback_update(second, 601, api.sent(601)[0]["reply_markup"]["inline_keyboard"][0][0][
            "callback_data"], api.calls("sendMessage")[0]["result"]))
        await asyncio.to_thread(api.wait_for, "sendMessage", lambda p: p["text"] == f"Svar: {LONG_PAYLOAD}")
        await tg.stop_polling()
        await tg.close()

    asyncio.run(run())
    assert [m.text for m in rasa.messages] == [QUESTION, LONG_PAYLOAD]
    polls = api.calls("getUpdates")
    assert polls[0]["params"]["allowed_updates"] == ["message", "callback_query"]
    assert polls[-1]["params"]["offset"] == first + 2  # handled updates confirmed on stop
    assert len(api.calls("answerCallbackQuery")) == 1


def test_polling_runs_with_the_server_and_stops_with_it(api: FakeTelegram) -> None:
    tg, rasa = channel(api, "polling"), Collector()
    tg.poll_timeout = 30  # a pending long poll must not hold up the shutdown

    async def run() -> None:
        async with sanic_app(tg, rasa):
            api.queue_update(message_update(api.next_update_id(), 602, "/start"))
            await asyncio.to_thread(api.wait_for, "sendMessage", lambda p: p["chat_id"] == 602)
        assert tg._poller is None

    asyncio.run(asyncio.wait_for(run(), timeout=20))
    assert [m.text for m in rasa.messages] == ["/greet"]


def test_polling_survives_a_webhook_conflict(api: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    tg, rasa = channel(api, "polling"), Collector()
    tg.poll_timeout, tg.retry_delay = 1, 0.05
    api.webhook = {"url": "https://example.org/webhooks/telegram/webhook"}
    api.queue_update(message_update(api.next_update_id(), 603, "hej"))

    async def run() -> None:
        tg.start_polling(rasa)
        await asyncio.to_thread(api.wait_for, "getUpdates", lambda _: True, 15.0, False)
        api.webhook = {}  # `python -m bot telegram delete-webhook`
        await asyncio.to_thread(api.wait_for, "sendMessage", lambda p: p["chat_id"] == 603, 30)
        await tg.stop_polling()
        await tg.close()

    with caplog.at_level(logging.ERROR, logger="bot.rasa.channels.telegram.polling"):
        asyncio.run(run())
    assert "delete-webhook" in caplog.text
    assert [m.text for m in rasa.messages] == ["hej"]


# --- python -m bot telegram -------------------------------------------------------------------------------


@pytest.fixture
def cli_env(api: FakeTelegram, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "TELEGRAM_MODE", "TELEGRAM_API_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text(f"# local\nTELEGRAM_BOT_TOKEN={TELEGRAM_TOKEN}\nTELEGRAM_MODE=webhook\n"
                        f"export TELEGRAM_WEBHOOK_SECRET='{TELEGRAM_SECRET}'\n")
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", api.base_url)
    return env_file


URL = "https://lederbot.example.dk/webhooks/telegram/webhook"


def test_set_webhook_registers_url_secret_and_commands(
    api: FakeTelegram, cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert telegram_cli.main(["set-webhook", "--url", URL, "--env-file", str(cli_env)]) == 0
    hook = api.wait_for("setWebhook")["params"]
    assert hook["url"] == URL and hook["secret_token"] == TELEGRAM_SECRET
    assert hook["allowed_updates"] == ["message", "callback_query"]
    commands = api.wait_for("setMyCommands")["params"]["commands"]
    assert [c["command"] for c in commands] == ["start", "hjaelp"]
    assert "Webhook sat for @lederassistent_test_bot" in capsys.readouterr().out

    assert telegram_cli.main(["info", "--env-file", str(cli_env)]) == 0
    assert f"Webhook:    {URL}" in capsys.readouterr().out
    assert telegram_cli.main(["delete-webhook", "--env-file", str(cli_env)]) == 0
    assert api.webhook == {} and len(api.calls("deleteWebhook")) == 1


@pytest.mark.parametrize(
    ("argv", "env", "status", "message"),
    [(["info"], {"TELEGRAM_BOT_TOKEN": ""}, 2, "TELEGRAM_BOT_TOKEN er ikke sat"),
     (["set-webhook", "--url", URL], {"TELEGRAM_WEBHOOK_SECRET": ""}, 2, "TELEGRAM_WEBHOOK_SECRET er ikke sat"),
     (["set-webhook", "--url", URL], {"TELEGRAM_WEBHOOK_SECRET": "med mellemrum"}, 2, "A-Z, a-z, 0-9"),
     (["set-webhook", "--url", "http://localhost:5005/webhooks/telegram/webhook"], {}, 2, "https://"),
     (["set-webhook", "--url", "https://x.dk:5005/webhooks/telegram/webhook"], {}, 2, "443, 80, 88 eller 8443"),
     (["info"], {"TELEGRAM_BOT_TOKEN": "999:wrong"}, 1, "Unauthorized"),
     (["info"], {"TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot"}, 1, "Kunne ikke nå Telegram")],
)
def test_cli_errors_are_clear(
    api: FakeTelegram, cli_env: Path, capsys: pytest.CaptureFixture[str],
    argv: list[str], env: dict[str, str], status: int, message: str,
) -> None:
    """``env`` overrides the .env file (an empty value removes the variable)."""
    lines = [line for line in cli_env.read_text().splitlines() if not any(name in line for name in env)]
    lines += [f"{name}={value}" for name, value in env.items() if value and name != "TELEGRAM_API_BASE_URL"]
    cli_env.write_text("\n".join(lines))
    with pytest.MonkeyPatch.context() as patch:
        if "TELEGRAM_API_BASE_URL" in env:
            patch.setenv("TELEGRAM_API_BASE_URL", env["TELEGRAM_API_BASE_URL"])
        assert telegram_cli.main([*argv, "--env-file", str(cli_env)]) == status
    err = capsys.readouterr().err
    assert message in err and "999:wrong" not in err
    assert api.calls("setWebhook") == []


def test_cli_is_reachable_as_python_m_bot_telegram(api: FakeTelegram, tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
           "TELEGRAM_API_BASE_URL": api.base_url}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "telegram", "info", "--env-file", str(tmp_path / "none")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "@lederassistent_test_bot" in result.stdout
    assert [c["method"] for c in api.calls()] == ["getMe", "getWebhookInfo"]
