"""Telegram channel, no network: text splitting, UTF-16 lengths, button callback_data and commands.

bot/rasa/channels/telegram/text.py and the CallbackPayloads of output.py. Sending, the webhook and
polling against the fake Bot API are in tests/integration/test_telegram.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.rasa.channels.telegram.output import MAX_CALLBACK_DATA, CallbackPayloads
from bot.rasa.channels.telegram.text import command_text, split_text, telegram_length

LONG_PAYLOAD = '/show_unit{"unit_id": "kalundborg.drift.evidensbaseret-opgaveloesning.niveau-2"}'


def test_short_text_is_one_part_and_unchanged() -> None:
    text = "Titel (Org)\n\nBrødtekst med <b>, & og *stjerner*_\n\nKilde: X"
    assert split_text(text) == [text]
    assert split_text("  \n ") == []


def test_long_text_splits_on_paragraphs_under_the_limit() -> None:
    paragraphs = [f"Afsnit {i}: " + "ord " * 300 for i in range(12)]  # ~1210 characters each
    text = "\n\n".join(paragraphs)
    parts = split_text(text)
    assert len(parts) == 4
    assert all(telegram_length(p) <= 4096 for p in parts)
    assert "\n\n".join(parts) == text  # cut only between paragraphs, nothing reworded or lost
    assert all(p.startswith("Afsnit") for p in parts)


def test_long_paragraph_splits_on_lines_then_words_then_characters() -> None:
    lines = "\n".join(f"• punkt {i} " + "x" * 90 for i in range(100))
    parts = split_text(lines, limit=1000)
    assert all(telegram_length(p) <= 1000 for p in parts)
    assert "\n".join(parts) == lines
    word = "ø" * 2500
    assert split_text(word, limit=1000) == ["ø" * 1000, "ø" * 1000, "ø" * 500]


def test_length_counts_utf16_like_telegram() -> None:
    assert telegram_length("👍") == 2
    text = "👍" * 3000  # 6000 UTF-16 units
    parts = split_text(text)
    assert [telegram_length(p) for p in parts] == [4096, 1904]
    assert "".join(parts) == text  # no emoji cut in half


# --- buttons --------------------------------------------------------------------------------------------


def test_callback_data_is_the_payload_when_it_fits() -> None:
    callbacks = CallbackPayloads()
    assert callbacks.encode("/feedback_positive") == "/feedback_positive"
    assert callbacks.decode("/feedback_positive") == "/feedback_positive"
    assert len(callbacks) == 0


def test_long_payload_gets_a_short_deterministic_key() -> None:
    assert len(LONG_PAYLOAD.encode()) > MAX_CALLBACK_DATA
    callbacks = CallbackPayloads()
    key = callbacks.encode(LONG_PAYLOAD)
    assert key.startswith("#") and len(key.encode()) <= MAX_CALLBACK_DATA
    assert callbacks.decode(key) == LONG_PAYLOAD
    assert CallbackPayloads().encode(LONG_PAYLOAD) == key  # the same in every process
    assert CallbackPayloads().decode(key) is None  # … but a new process does not know it yet


def test_bytes_not_characters_count_and_the_map_is_bounded() -> None:
    danish = "Hvad står der om økonomistyring på niveau ét og to i Kalundborg?"  # < 64 chars, > 64 bytes
    assert len(danish) <= 64 < len(danish.encode())
    callbacks = CallbackPayloads(capacity=3)
    assert callbacks.decode(callbacks.encode(danish)) == danish
    assert callbacks.decode(callbacks.encode("#hashtag")) == "#hashtag"  # never mistaken for a key
    keys = [callbacks.encode(f"{LONG_PAYLOAD} {i}") for i in range(5)]
    assert len(callbacks) == 3
    assert callbacks.decode(keys[0]) is None and callbacks.decode(keys[4]) == f"{LONG_PAYLOAD} {4}"


def test_every_button_the_bot_can_send_fits(knowledge: Any, domain: Any) -> None:
    from actions.common import show_payload

    payloads = [show_payload(unit) for unit in knowledge.units]
    payloads += [b["payload"] for variants in domain.responses.values() for v in variants for b in v.get("buttons", [])]
    callbacks = CallbackPayloads()
    assert any(len(p.encode()) > MAX_CALLBACK_DATA for p in payloads)
    keys = {p: callbacks.encode(p) for p in payloads}
    assert all(1 <= len(k.encode()) <= MAX_CALLBACK_DATA for k in keys.values())
    assert len(set(keys.values())) == len(set(payloads))
    assert all(callbacks.decode(k) == p for p, k in keys.items())


# --- commands -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "intent"),
    [("/start", "/greet"), ("/start@lederassistent_test_bot", "/greet"), ("/start abc", "/greet"),
     ("/hjaelp", "/bot_capabilities"), ("/hjælp", "/bot_capabilities"), ("/help", "/bot_capabilities"),
     ("/HJAELP", "/bot_capabilities"), ("/ukendt", None), ("start", None), ("/show_unit{}", None)],
)
def test_commands_map_to_intents(text: str, intent: str | None) -> None:
    assert command_text(text) == intent
