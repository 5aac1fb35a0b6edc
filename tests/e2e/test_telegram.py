"""Telegram against the real bot (webhook mode): questions, buttons, commands and the secret end to end.

Every test is marked `rasa`: it posts real Telegram updates to the trained bot (fixture `rasa_bot`) and
checks what it sends to the fake Bot API on TELEGRAM_FAKE_PORT (fixture `telegram_api`).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from typing import Any

import pytest

from bot.core.privacy import pseudonym
from bot.rasa.channels.telegram.settings import SECRET_HEADER
from tests.fakes.channel_env import SENDER_KEY, TELEGRAM_SECRET
from tests.fakes.telegram import FakeTelegram, callback_update, message_update

QUESTION = "Hvad forventes af en niveau 2 leder om økonomistyring?"

LEVEL_2 = "kalundborg.drift.oekonomistyring.niveau-2"

LEVEL_1 = "kalundborg.drift.oekonomistyring.niveau-1"


def send_to_bot(base_url: str, update: dict[str, Any], secret: str | None = TELEGRAM_SECRET) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    request = urllib.request.Request(
        f"{base_url}/webhooks/telegram/webhook", json.dumps(update).encode(), headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def new_chat() -> int:
    return int(uuid.uuid4().int % 10**9) + 10**9


def keys(sent: dict[str, Any]) -> dict[str, str]:
    return {k["text"]: k["callback_data"] for row in sent["reply_markup"]["inline_keyboard"] for k in row}


@pytest.mark.rasa
def test_question_then_button_over_the_webhook(rasa_bot: Any, telegram_api: FakeTelegram, repository: Any) -> None:
    chat = new_chat()
    assert send_to_bot(rasa_bot.base_url, message_update(telegram_api.next_update_id(), chat, QUESTION)) == 200
    answer = telegram_api.wait_for("sendMessage", lambda p: p["chat_id"] == chat)
    assert repository.get(LEVEL_2).text in answer["params"]["text"]
    assert "Kilde: Kalundborg Kommunes ledelses- og styringsgrundlag" in answer["params"]["text"]
    assert "parse_mode" not in answer["params"]
    assert "Niveau 1" in keys(answer["params"])
    feedback = telegram_api.wait_for("sendMessage", lambda p: p["chat_id"] == chat and p["text"] == "Hjalp svaret?")
    assert keys(feedback["params"]) == {"👍 Ja": "/feedback_positive", "👎 Nej": "/feedback_negative"}

    press = callback_update(telegram_api.next_update_id(), chat, keys(answer["params"])["Niveau 1"], answer["result"])
    assert send_to_bot(rasa_bot.base_url, press) == 200
    telegram_api.wait_for("answerCallbackQuery", lambda p: p["callback_query_id"] == press["callback_query"]["id"])
    texts = [p["text"] for p in telegram_api.sent(chat)]
    assert repository.get(LEVEL_1).text in texts[2]
    assert len(texts) == 4 and texts[3] == "Hjalp svaret?"


@pytest.mark.rasa
def test_feedback_button_reaches_the_bot(rasa_bot: Any, telegram_api: FakeTelegram, domain: Any) -> None:
    chat = new_chat()
    send_to_bot(rasa_bot.base_url, message_update(telegram_api.next_update_id(), chat, QUESTION))
    feedback = telegram_api.wait_for("sendMessage", lambda p: p["chat_id"] == chat and p["text"] == "Hjalp svaret?")
    press = callback_update(telegram_api.next_update_id(), chat, keys(feedback["params"])["👍 Ja"], feedback["result"])
    assert send_to_bot(rasa_bot.base_url, press) == 200
    thanks = domain.responses["utter_feedback_thanks"][0]["text"]
    assert telegram_api.sent(chat)[-1]["text"] == thanks


@pytest.mark.rasa
def test_wrong_or_missing_secret_is_refused(rasa_bot: Any, telegram_api: FakeTelegram) -> None:
    chat = new_chat()
    for secret in ("forkert-hemmelighed", None, ""):
        update = message_update(telegram_api.next_update_id(), chat, QUESTION)
        assert send_to_bot(rasa_bot.base_url, update, secret) == 403
    events = rasa_bot.tracker(pseudonym(str(chat), SENDER_KEY.encode()))["events"]
    assert not [e for e in events if e["event"] == "user"]
    assert telegram_api.sent(chat) == []


@pytest.mark.rasa
def test_start_and_hjaelp_reply_from_domain(rasa_bot: Any, telegram_api: FakeTelegram, domain: Any) -> None:
    chat = new_chat()
    assert send_to_bot(rasa_bot.base_url, message_update(telegram_api.next_update_id(), chat, "/start")) == 200
    assert telegram_api.sent(chat)[-1]["text"] == domain.responses["utter_greet"][0]["text"]

    assert send_to_bot(rasa_bot.base_url, message_update(telegram_api.next_update_id(), chat, "/hjaelp")) == 200
    capabilities = domain.responses["utter_capabilities"][0]
    sent = telegram_api.sent(chat)[-1]
    assert sent["text"] == capabilities["text"]
    assert list(keys(sent)) == [b["title"] for b in capabilities["buttons"]]

    # a capability button whose payload is longer than 64 bytes still asks its question
    message = next(c["result"] for c in reversed(telegram_api.calls("sendMessage")) if c["params"] == sent)
    press = callback_update(telegram_api.next_update_id(), chat, keys(sent)["Hvilke felter er der?"], message)
    assert send_to_bot(rasa_bot.base_url, press) == 200
    assert "Felterne i" in telegram_api.sent(chat)[-1]["text"]
