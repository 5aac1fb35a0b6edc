"""What the Telegram channel sends: plain text split at 4096, buttons as an inline keyboard.

A button's payload travels as its ``callback_data``, which Telegram limits to 64 bytes; a longer
payload (``/show_unit{"unit_id": "kalundborg.…niveau-2"}`` is up to ~90 bytes) travels as a short key
that :class:`CallbackPayloads` maps back (see there for what happens after a restart).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import re
from collections.abc import Callable, Sequence
from typing import Any

from rasa.core.channels.channel import OutputChannel
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import Forbidden, RetryAfter

from bot.rasa.channels.bounded import BoundedMap
from bot.rasa.channels.telegram.client import BotClient, retry_after_seconds
from bot.rasa.channels.telegram.text import split_text

logger = logging.getLogger(__name__)

MAX_CALLBACK_DATA = 64  # bytes


class CallbackPayloads:
    """Button payloads as ``callback_data`` (at most 64 bytes).

    A payload that fits is sent as it is. A longer one is sent as ``#`` + a 128-bit hash of the payload,
    and the hash is remembered in a bounded LRU map. The key is deterministic, so after a restart (empty
    map) a pressed button can still be resolved by hashing the payloads of the buttons the bot sent in
    that conversation (see :meth:`TelegramInput.callback_payload`).
    """

    PREFIX = "#"

    def __init__(self, capacity: int = 10_000) -> None:
        """Remember the payloads of at most ``capacity`` keys, the least recently used going first."""
        self.capacity = capacity
        self._payloads: BoundedMap[str, str] = BoundedMap(capacity)

    @classmethod
    def key(cls, payload: str) -> str:
        """The ``callback_data`` for ``payload``: itself if it fits (and cannot be taken for a key), else a hash."""
        if len(payload.encode("utf-8")) <= MAX_CALLBACK_DATA and not payload.startswith(cls.PREFIX):
            return payload
        digest = hashlib.sha256(payload.encode("utf-8")).digest()[:16]
        return cls.PREFIX + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")

    def encode(self, payload: str) -> str:
        """The ``callback_data`` for ``payload``, remembering the payload when the data is a key."""
        key = self.key(payload)
        if key != payload:
            self._payloads.put(key, payload)
        return key

    def decode(self, data: str) -> str | None:
        """The payload for ``data``, or None when it is a key this process does not know (any more)."""
        if not data.startswith(self.PREFIX):
            return data
        return self._payloads.get(data)

    def __len__(self) -> int:
        return len(self._payloads)


def button_rows(buttons: Sequence[dict[str, Any]], callbacks: CallbackPayloads) -> InlineKeyboardMarkup:
    """Rasa buttons as an inline keyboard.

    A few short titles (👍 Ja / 👎 Nej) share a row; otherwise each button has a row of its own, so
    that long titles are readable on a phone. A button with a URL opens it; the others send their
    payload (through :class:`CallbackPayloads`).
    """
    keys = []
    for item in buttons:
        title = str(item.get("title") or item.get("payload") or "")
        if not title:
            continue
        if item.get("url"):
            keys.append(InlineKeyboardButton(title, url=str(item["url"])))
        else:
            keys.append(InlineKeyboardButton(title, callback_data=callbacks.encode(str(item.get("payload") or title))))
    one_row = len(keys) <= 3 and all(len(key.text) <= 16 for key in keys)
    return InlineKeyboardMarkup([keys] if one_row else [[key] for key in keys])


class TelegramOutput(OutputChannel):
    """Sends the bot's messages with ``sendMessage``: plain text, split at 4096, inline keyboard last.

    Sending waits once when Telegram answers 429 (RetryAfter); a chat that blocked the bot is logged
    and skipped, so one user's block does not fail the conversation's other replies.
    """

    @classmethod
    def name(cls) -> str:
        """Rasa's name for this output channel."""
        return "telegram"

    def __init__(self, client: Callable[[], BotClient], callbacks: CallbackPayloads,
                 chat_id: str | None = None) -> None:
        """Send with the client ``client()`` returns (one per event loop) and encode buttons with ``callbacks``.

        ``chat_id`` is the chat the replies go to: Rasa's recipient id is a pseudonym (bot.core.privacy), which
        Telegram does not know; without it the recipient id is taken as the chat.
        """
        self._client = client
        self.callbacks = callbacks
        self.chat_id = chat_id

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """Send ``text`` to the chat ``recipient_id``, in several messages if it is long."""
        await self._send(recipient_id, text, None)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        """Send ``text`` with ``buttons`` as an inline keyboard under its last part."""
        await self._send(recipient_id, text, button_rows(buttons, self.callbacks) if buttons else None)

    async def _send(self, recipient_id: str, text: str, markup: InlineKeyboardMarkup | None) -> None:
        parts = split_text(text or "")
        if not parts:
            logger.warning("Telegram: not sending an empty message to %s", recipient_id)
            return
        target = self.chat_id or recipient_id
        chat_id: int | str = int(target) if re.fullmatch(r"-?\d+", target) else target
        for number, part in enumerate(parts, start=1):
            last = number == len(parts)
            if not await self._send_part(chat_id, part, markup if last else None):
                return

    async def _send_part(self, chat_id: int | str, text: str, markup: InlineKeyboardMarkup | None) -> bool:
        bot = self._client().bot
        for attempt in (1, 2):
            try:
                await bot.send_message(chat_id=chat_id, text=text, reply_markup=markup)
                return True
            except RetryAfter as error:
                if attempt == 2:
                    raise
                await asyncio.sleep(min(retry_after_seconds(error), 30.0))
            except Forbidden as error:  # the user blocked the bot or left the chat
                logger.warning("Telegram: cannot send to chat %s: %s", chat_id, error.message)
                return False
        return False
