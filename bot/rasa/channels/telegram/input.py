"""Telegram channel for Rasa, built on python-telegram-bot 22 (replaces Rasa's aiogram connector).

credentials.yml::

    bot.rasa.channels.telegram.input.TelegramInput:
      token: ${TELEGRAM_BOT_TOKEN}
      mode: ${TELEGRAM_MODE:-webhook}          # webhook | polling
      webhook_secret: ${TELEGRAM_WEBHOOK_SECRET:-}
      base_url: ${TELEGRAM_API_BASE_URL:-https://api.telegram.org/bot}

* ``webhook``: Telegram POSTs updates to ``/webhooks/telegram/webhook``; a request without the right
  ``X-Telegram-Bot-Api-Secret-Token`` header gets 403 and is not processed. The webhook is registered
  separately (``python -m bot telegram set-webhook``): starting Rasa makes no call to Telegram.
* ``polling``: for local development without a public URL. When Rasa's server has started, the channel
  long-polls ``getUpdates`` in a background task and stops it on shutdown (:mod:`.polling`).

Both modes feed updates through :meth:`TelegramInput.handle_update`: text messages and button presses
(callback queries) go to Rasa as the user's message; ``/start`` and ``/hjaelp`` become the intents
``/greet`` and ``/bot_capabilities``, so the replies come from domain.yml. Replies are sent as plain text
(no parse_mode: nothing to escape, the text is exactly the bot's), split under Telegram's 4096-character
limit, with buttons as an inline keyboard on the last part (:mod:`.output`).

The parts: :mod:`.settings` (what credentials.yml gives, checked), :mod:`.client` (the Bot API client),
:mod:`.text` (lengths, splitting, commands), :mod:`.output`, :mod:`.polling`, and here the input channel.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Iterable
from functools import partial
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import CallbackQuery, Update
from telegram.error import TelegramError

from bot.core.privacy import pseudonym
from bot.rasa.channels.base import ChannelConfigError, OnNewMessage
from bot.rasa.channels.bounded import BoundedMap
from bot.rasa.channels.guard import Guard
from bot.rasa.channels.telegram.client import BotClient, LoopClient
from bot.rasa.channels.telegram.output import CallbackPayloads, TelegramOutput
from bot.rasa.channels.telegram.polling import Poller
from bot.rasa.channels.telegram.settings import DEFAULT_BASE_URL, SECRET_HEADER, TelegramSettings
from bot.rasa.channels.telegram.text import command_text
from bot.settings import get_settings

logger = logging.getLogger(__name__)

EXPIRED_BUTTON = "Knappen er ikke aktiv længere. Skriv dit spørgsmål igen."
SEEN_UPDATES = 1000  # remembered update ids, so an update Telegram sends again is answered once


class TelegramInput(InputChannel):
    """Telegram input channel: webhook (with secret) or long polling, both through :meth:`handle_update`.

    The polling timings are class attributes so that a test (or a subclass) can shorten them; they are
    handed to the :class:`Poller` when polling starts.
    """

    poll_timeout = 30  # seconds Telegram holds a getUpdates call open
    retry_delay = 1.0  # first back-off after a failed getUpdates; doubles up to max_retry_delay
    max_retry_delay = 60.0
    stop_grace = 10.0  # seconds an update being handled may take to finish when the server stops

    @classmethod
    def name(cls) -> str:
        """Rasa's name for the channel; it also makes the URL prefix /webhooks/telegram/."""
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TelegramInput:
        """The channel from its credentials.yml section; a ChannelConfigError names what is missing or wrong."""
        if not credentials:
            raise ChannelConfigError(
                "Telegram: no settings for bot.rasa.channels.telegram.input.TelegramInput in the credentials file "
                "(token, mode, webhook_secret, base_url); see credentials.yml and docs/telegram.md."
            )
        return cls(
            token=credentials.get("token"),
            mode=credentials.get("mode"),
            webhook_secret=credentials.get("webhook_secret"),
            base_url=credentials.get("base_url"),
        )

    def __init__(
        self, token: Any, mode: Any = "webhook", webhook_secret: Any = "", base_url: Any = DEFAULT_BASE_URL,
        sender_key: bytes | None = None,
    ) -> None:
        """Check the settings (raising ChannelConfigError) and set up; nothing is sent to Telegram yet.

        ``sender_key`` keys the pseudonymous sender ids (default: the settings' SENDER_ID_KEY).
        """
        self.settings = TelegramSettings.of(token, mode, webhook_secret, base_url).check()
        self.callbacks = CallbackPayloads()
        self._clients = LoopClient(self.settings.token, self.settings.base_url)
        self._app: Any = None
        self.guard = Guard.from_env()
        self._seen: BoundedMap[int, None] = BoundedMap(SEEN_UPDATES)
        self._poller: Poller | None = None
        self._sender_key = sender_key or get_settings().sender_key()
        logger.info("Telegram channel: %s mode", self.settings.mode)

    @property
    def mode(self) -> str:
        """``webhook`` or ``polling``."""
        return self.settings.mode

    def client(self) -> BotClient:
        """The Bot API client for the running event loop (its HTTP clients belong to one loop)."""
        return self._clients.get()

    async def close(self) -> None:
        """Close the HTTP clients (when the server has stopped)."""
        await self._clients.close()

    def get_output_channel(self, chat_id: str | None = None) -> TelegramOutput:
        """Where the replies to a Telegram user go: the chat the update came from."""
        return TelegramOutput(self.client, self.callbacks, chat_id)

    def sender_of(self, chat_id: str) -> str:
        """Rasa's sender id for a chat: a keyed hash, so the tracker store holds no Telegram id."""
        return pseudonym(chat_id, self._sender_key)

    # --- updates -----------------------------------------------------------------------------------

    async def handle_update(self, update: Update, on_new_message: OnNewMessage) -> None:
        """One update from Telegram (webhook or polling) -> at most one message to Rasa.

        An update Telegram sends again (it thinks the first was not delivered) is skipped. Nothing is
        raised: a failure is logged, so that one bad update neither stops polling nor makes Telegram
        retry the webhook call.
        """
        if not self._seen.first_time(update.update_id):
            logger.debug("Telegram: update %s already handled", update.update_id)
            return
        try:
            incoming = await self._incoming(update)
            if incoming is None:
                return
            text, chat_id = incoming
            message = UserMessage(text, self.get_output_channel(chat_id), self.sender_of(chat_id),
                                  input_channel=self.name())
            await self.guard.handle(message, on_new_message)
        except Exception:
            logger.exception("Telegram: could not handle update %s", update.update_id)

    async def _incoming(self, update: Update) -> tuple[str, str] | None:
        """The user's text (a command as its intent) and chat id, or None when there is nothing to answer."""
        if update.callback_query is not None:
            return await self._pressed(update.callback_query)
        message = update.message
        if message is None or not message.text:
            return None  # edits, stickers, photos, channel posts …: nothing to answer
        return command_text(message.text) or message.text, str(message.chat.id)

    async def _pressed(self, query: CallbackQuery) -> tuple[str, str] | None:
        """A button press: its payload and chat; the press is acknowledged (or told the button expired)."""
        chat = query.message.chat.id if query.message is not None else query.from_user.id
        payload = await self.callback_payload(self.sender_of(str(chat)), query.data or "", query.message)
        try:
            await self.client().bot.answer_callback_query(query.id, text=None if payload else EXPIRED_BUTTON)
        except TelegramError as error:  # e.g. "query is too old": still handle the press
            logger.warning("Telegram: answerCallbackQuery failed: %s", error.message)
        return (payload, str(chat)) if payload else None

    async def callback_payload(self, sender_id: str, data: str, message: Any = None) -> str | None:
        """The payload of a pressed button.

        From the key map; after a restart (empty map) from the buttons the bot sent in this
        conversation (Rasa's tracker); else the button's title, as if the user had typed it.
        """
        if not data:
            return None
        payload = self.callbacks.decode(data)
        if payload is not None:
            return payload
        payload = await self._payload_from_tracker(sender_id, data)
        if payload is not None:
            return payload
        markup = getattr(message, "reply_markup", None)
        for row in getattr(markup, "inline_keyboard", None) or ():
            for key in row:
                if key.callback_data == data:
                    logger.info("Telegram: unknown button key %s; sending its title", data)
                    return str(key.text)
        return None

    async def _payload_from_tracker(self, sender_id: str, data: str) -> str | None:
        agent = getattr(getattr(self._app, "ctx", None), "agent", None)
        store = getattr(agent, "tracker_store", None)
        if store is None:
            return None
        try:
            tracker = await store.retrieve(sender_id)
        except Exception:
            logger.exception("Telegram: could not read the conversation to resolve a button")
            return None
        for event in reversed(list(getattr(tracker, "events", None) or ())):
            for item in _buttons_of(event):
                payload = item.get("payload")
                if isinstance(payload, str) and CallbackPayloads.key(payload) == data:
                    self.callbacks.encode(payload)
                    return payload
        return None

    # --- polling -----------------------------------------------------------------------------------

    def start_polling(self, on_new_message: OnNewMessage) -> asyncio.Task[None]:
        """Start long polling in the running loop, with this channel's timings; returns the polling task."""
        self._poller = Poller(
            self.client, partial(self.handle_update, on_new_message=on_new_message),
            timeout=self.poll_timeout, retry_delay=self.retry_delay, max_retry_delay=self.max_retry_delay,
            stop_grace=self.stop_grace,
        )
        return self._poller.start()

    async def stop_polling(self) -> None:
        """Stop polling and confirm the handled updates to Telegram (see :meth:`Poller.stop`)."""
        poller, self._poller = self._poller, None
        if poller is not None:
            await poller.stop()

    # --- webhook -----------------------------------------------------------------------------------

    def secret_ok(self, header: str | None) -> bool:
        """True if the request's secret header is the configured webhook secret (compared in constant time)."""
        secret = self.settings.webhook_secret
        return bool(secret) and header is not None and hmac.compare_digest(header.encode(), secret.encode())

    async def receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        """One webhook call: 404 in polling mode, 403 without the secret, 400 for no Update, else handled (200)."""
        if self.mode != "webhook":
            return response.json({"error": "Telegram channel is in polling mode"}, status=404)
        if not self.secret_ok(request.headers.get(SECRET_HEADER)):
            logger.warning("Telegram webhook: wrong or missing %s header from %s", SECRET_HEADER, request.ip)
            return response.json({"error": "forbidden"}, status=403)
        try:
            data = request.json
            update = Update.de_json(data, self.client().bot) if isinstance(data, dict) else None
        except Exception:
            update = None
        if update is None:
            return response.json({"error": "expected a Telegram Update"}, status=400)
        self._app = request.app
        await self.handle_update(update, on_new_message)
        return response.json({"status": "ok"})

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """The routes Rasa mounts under /webhooks/telegram/, and the server hooks that run polling."""
        telegram_webhook = Blueprint("telegram_webhook", __name__)

        @telegram_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "mode": self.mode})

        @telegram_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            return await self.receive(request, on_new_message)

        self._add_listeners(telegram_webhook, on_new_message)
        return telegram_webhook

    def _add_listeners(self, blueprint: Blueprint, on_new_message: OnNewMessage) -> None:
        """Keep the app (its agent has the tracker store), start polling with the server, stop and close with it."""

        @blueprint.listener("before_server_start")
        async def remember_app(app: Any, _loop: Any) -> None:
            self._app = app

        self.guard.attach(blueprint)

        @blueprint.listener("after_server_start")
        async def start(app: Any, _loop: Any) -> None:
            if self.mode == "polling":
                self.start_polling(on_new_message)

        @blueprint.listener("before_server_stop")
        async def stop(app: Any, _loop: Any) -> None:
            if self.mode == "polling":
                await self.stop_polling()

        @blueprint.listener("after_server_stop")
        async def close(app: Any, _loop: Any) -> None:
            await self.close()


def _buttons_of(event: Any) -> Iterable[dict[str, Any]]:
    """The buttons of a bot message in Rasa's tracker (none for any other event)."""
    data = getattr(event, "data", None)
    if getattr(event, "type_name", None) != "bot" or not isinstance(data, dict):
        return ()
    return [item for item in data.get("buttons") or () if isinstance(item, dict)]
