"""The same question gets the same answer text, source and buttons in every channel.

One real bot (fixture `rasa_bot`) asked over REST, socket.io (the web-chat widget's protocol, with a real
socket.io client), Telegram (webhook, replies recorded by the fake Bot API) and Microsoft Teams (signed
activity, replies recorded by the fake connector).
"""

from __future__ import annotations

import json
import queue
import urllib.request
import uuid
from typing import Any

import pytest
import socketio

from tests.conftest import TEST_DEMO_PORT, RunningBot
from tests.fakes.botframework import post_activity
from tests.fakes.channel_env import TELEGRAM_SECRET
from tests.fakes.telegram import message_update

pytestmark = pytest.mark.rasa

QUESTIONS = [
    "Hvad forventes af en niveau 2 leder om økonomistyring?",
    "Hvor længe bør et ledernetværk køre?",
    "Hvad indebærer relationerne i Glostrup?",
]

Reply = tuple[str, list[str]]  # text, button titles


def via_rest(bot: RunningBot, question: str) -> list[Reply]:
    request = urllib.request.Request(
        f"{bot.base_url}/webhooks/rest/webhook",
        json.dumps({"sender": f"same-{uuid.uuid4().hex[:8]}", "message": question}).encode(),
        {"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        messages = json.loads(response.read().decode())
    return [(m["text"], [b["title"] for b in m.get("buttons", [])]) for m in messages]


def via_socketio(bot: RunningBot, question: str, expected: int) -> list[Reply]:
    received: queue.Queue[dict[str, Any]] = queue.Queue()
    # A page on an allowed origin (WEBCHAT_ALLOWED_ORIGINS of the test bot: the demo page).
    client = socketio.Client(websocket_extra_options={"origin": f"http://localhost:{TEST_DEMO_PORT}"})
    client.on("bot_uttered", received.put)
    session = uuid.uuid4().hex
    client.connect(bot.base_url, transports=["websocket"])
    try:
        client.emit("session_request", {"session_id": session})
        client.emit("user_uttered", {"message": question, "session_id": session})
        messages = [received.get(timeout=60) for _ in range(expected)]
    finally:
        client.disconnect()
    return [(m["text"], [b["title"] for b in m.get("quick_replies", [])]) for m in messages]


def via_telegram(bot: RunningBot, api: Any, question: str, expected: int) -> list[Reply]:
    chat = int(uuid.uuid4().int % 10**9) + 10**9
    update = message_update(api.next_update_id(), chat, question)
    request = urllib.request.Request(
        f"{bot.base_url}/webhooks/telegram/webhook", json.dumps(update).encode(),
        {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200
    for _ in range(expected):
        api.wait_for("sendMessage", lambda p: p["chat_id"] == chat)
    sent = api.sent(chat)
    return [(p["text"], [k["text"] for row in (p.get("reply_markup") or {}).get("inline_keyboard", []) for k in row])
            for p in sent]


def via_teams(bot: RunningBot, fake: Any, question: str, expected: int) -> list[Reply]:
    activity = fake.message(question)
    status = post_activity(f"{bot.base_url}/webhooks/teams/webhook", activity, fake.channel_token())
    assert status == 202
    replies = fake.wait_for_replies(activity["conversation"]["id"], expected)
    return [(r.text, [b["title"] for b in r.buttons]) for r in replies]


@pytest.mark.parametrize("question", QUESTIONS)
def test_every_channel_gives_the_same_answer(rasa_bot: RunningBot, telegram_api: Any, botframework: Any,
                                             question: str) -> None:
    rest = via_rest(rasa_bot, question)
    assert len(rest) == 2 and "Kilde: " in rest[0][0] and rest[1][0] == "Hjalp svaret?"
    assert via_socketio(rasa_bot, question, len(rest)) == rest
    assert via_telegram(rasa_bot, telegram_api, question, len(rest)) == rest
    assert via_teams(rasa_bot, botframework, question, len(rest)) == rest
