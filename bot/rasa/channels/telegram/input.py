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
  long-polls ``getUpdates`` in a background task and stops it on shutdown.

Both modes feed updates through :meth:`TelegramInput.handle_update`: text messages and button presses
(callback queries) go to Rasa as the user's message; ``/start`` and ``/hjaelp`` become the intents
``/greet`` and ``/bot_capabilities``, so the replies come from domain.yml. Replies are sent as plain text
(no parse_mode: nothing to escape, the text is exactly the bot's), split under Telegram's 4096-character
limit, with buttons as an inline keyboard on the last part.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import logging
import re
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import Conflict, Forbidden, InvalidToken, RetryAfter, TelegramError
from telegram.request import HTTPXRequest

from bot.rasa.channels.guard import Guard

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
MODES = ("webhook", "polling")
WEBHOOK_PATH = "/webhooks/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram: "1-256 characters. Only characters A-Z, a-z, 0-9, _ and - are allowed."
SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")
ALLOWED_UPDATES = ("message", "callback_query")

MAX_TEXT = 4096  # Telegram counts UTF-16 code units
MAX_CALLBACK_DATA = 64  # bytes

# Telegram commands -> the bot's intents; the replies come from domain.yml. Telegram only lets a bot
# register [a-z0-9_] commands, so /hjaelp is the registered one; /hjælp and /help work when typed.
COMMAND_INTENTS = {
    "start": "/greet",
    "hjaelp": "/bot_capabilities",
    "hjælp": "/bot_capabilities",
    "help": "/bot_capabilities",
}
# What `python -m bot telegram set-webhook` / `set-commands` registers (setMyCommands).
BOT_COMMANDS = (
    ("start", "Start og kort introduktion"),
    ("hjaelp", "Hvad kan lederassistenten svare på?"),
)
COMMAND = re.compile(r"^/(?P<name>[^\s@/]+)(?:@\w+)?(?:\s|$)")

EXPIRED_BUTTON = "Knappen er ikke aktiv længere. Skriv dit spørgsmål igen."


class TelegramConfigError(RasaException):
    """The Telegram settings cannot work; the message says which variable to set."""


@dataclass(frozen=True)
class TelegramSettings:
    token: str
    mode: str = "webhook"
    webhook_secret: str = ""
    base_url: str = DEFAULT_BASE_URL

    @classmethod
    def of(cls, token: Any, mode: Any = None, webhook_secret: Any = None, base_url: Any = None) -> TelegramSettings:
        return cls(
            token=str(token or "").strip(),
            mode=str(mode or "webhook").strip().lower(),
            webhook_secret=str(webhook_secret or "").strip(),
            base_url=str(base_url or "").strip() or DEFAULT_BASE_URL,
        )

    def check(self) -> TelegramSettings:
        if not self.token:
            raise TelegramConfigError(
                "Telegram: TELEGRAM_BOT_TOKEN er tom. Hent et token hos @BotFather (docs/telegram.md). "
                "/ TELEGRAM_BOT_TOKEN is empty."
            )
        if self.mode not in MODES:
            raise TelegramConfigError(
                f"Telegram: TELEGRAM_MODE skal være 'webhook' eller 'polling', ikke '{self.mode}'. "
                f"/ TELEGRAM_MODE must be 'webhook' or 'polling'."
            )
        if self.mode == "webhook" and not self.webhook_secret:
            raise TelegramConfigError(
                "Telegram i webhook-tilstand kræver TELEGRAM_WEBHOOK_SECRET, så kun Telegram kan kalde "
                f"{WEBHOOK_PATH}. Sæt den i .env (fx `python -c 'import secrets; print(secrets.token_urlsafe(32))'`), "
                "eller brug TELEGRAM_MODE=polling til lokal udvikling. "
                "/ Telegram webhook mode needs TELEGRAM_WEBHOOK_SECRET; refusing to start without it."
            )
        if self.webhook_secret and not SECRET_PATTERN.fullmatch(self.webhook_secret):
            raise TelegramConfigError(
                "Telegram: TELEGRAM_WEBHOOK_SECRET må kun bestå af 1-256 tegn A-Z, a-z, 0-9, _ og -. "
                "/ TELEGRAM_WEBHOOK_SECRET may only contain 1-256 characters A-Z, a-z, 0-9, _ and -."
            )
        return self


class BotClient:
    """A python-telegram-bot ``Bot`` with its own HTTP clients.

    Nothing here calls Telegram: ``Bot.initialize()`` (which would call getMe) is never used; the request
    objects are ready on construction and closed by :meth:`close`."""

    def __init__(self, token: str, base_url: str = DEFAULT_BASE_URL) -> None:
        self.request = HTTPXRequest(connection_pool_size=16, pool_timeout=10.0, read_timeout=10.0)
        self.updates_request = HTTPXRequest(connection_pool_size=1, read_timeout=10.0)
        self.bot = Bot(token, base_url=base_url, request=self.request, get_updates_request=self.updates_request)

    async def close(self) -> None:
        await asyncio.gather(self.request.shutdown(), self.updates_request.shutdown())


# --- text and buttons ------------------------------------------------------------------------------


def telegram_length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: an emoji outside the BMP counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split ``text`` into parts of at most ``limit`` (Telegram length), on paragraph boundaries first,
    then lines, then spaces; a single over-long word is cut between characters. Nothing is reworded."""
    if telegram_length(text) <= limit:
        return [text] if text.strip() else []
    separator = next((sep for sep in ("\n\n", "\n", " ") if sep in text), None)
    if separator is None:
        return _cut(text, limit)
    parts: list[str] = []
    current = ""
    for chunk in text.split(separator):
        candidate = f"{current}{separator}{chunk}" if current else chunk
        if telegram_length(candidate) <= limit:
            current = candidate
            continue
        if current.strip():
            parts.append(current)
        if telegram_length(chunk) <= limit:
            current = chunk
        else:
            pieces = split_text(chunk, limit)
            parts.extend(pieces[:-1])
            current = pieces[-1] if pieces else ""
    if current.strip():
        parts.append(current)
    return parts


def _cut(text: str, limit: int) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for char in text:
        width = telegram_length(char)
        if size + width > limit:
            parts.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += width
    if current:
        parts.append("".join(current))
    return [part for part in parts if part.strip()]


class CallbackPayloads:
    """Button payloads as ``callback_data`` (at most 64 bytes).

    A payload that fits is sent as it is. A longer one (``/show_unit{"unit_id": "kalundborg.…niveau-2"}``
    is up to ~90 bytes) is sent as ``#`` + a 128-bit hash of the payload, and the hash is remembered in a
    bounded LRU map. The key is deterministic, so after a restart (empty map) a pressed button can still be
    resolved by hashing the payloads of the buttons the bot sent in that conversation (see
    :meth:`TelegramInput.callback_payload`)."""

    PREFIX = "#"

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._payloads: OrderedDict[str, str] = OrderedDict()

    @classmethod
    def key(cls, payload: str) -> str:
        if len(payload.encode("utf-8")) <= MAX_CALLBACK_DATA and not payload.startswith(cls.PREFIX):
            return payload
        digest = hashlib.sha256(payload.encode("utf-8")).digest()[:16]
        return cls.PREFIX + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")

    def encode(self, payload: str) -> str:
        key = self.key(payload)
        if key != payload:
            self._payloads[key] = payload
            self._payloads.move_to_end(key)
            while len(self._payloads) > self.capacity:
                self._payloads.popitem(last=False)
        return key

    def decode(self, data: str) -> str | None:
        """The payload for ``data``, or None when it is a key this process does not know (any more)."""
        if not data.startswith(self.PREFIX):
            return data
        payload = self._payloads.get(data)
        if payload is not None:
            self._payloads.move_to_end(data)
        return payload

    def __len__(self) -> int:
        return len(self._payloads)


def button_rows(buttons: Sequence[dict[str, Any]], callbacks: CallbackPayloads) -> InlineKeyboardMarkup:
    """Rasa buttons as an inline keyboard: a few short titles (👍 Ja / 👎 Nej) share a row, otherwise one
    button per row so that long titles are readable."""
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


def command_text(text: str) -> str | None:
    """``/start`` -> ``/greet``, ``/hjaelp`` (also ``/hjælp``, ``/help``, ``/start@botnavn``) ->
    ``/bot_capabilities``; None for anything else."""
    match = COMMAND.match(text.strip())
    return COMMAND_INTENTS.get(match.group("name").lower()) if match else None


def _seconds(period: int | float | timedelta) -> float:
    return period.total_seconds() if isinstance(period, timedelta) else float(period)


# --- output ----------------------------------------------------------------------------------------


class TelegramOutput(OutputChannel):
    """Sends the bot's messages with ``sendMessage``: plain text, split at 4096, inline keyboard last."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    def __init__(self, client: Callable[[], BotClient], callbacks: CallbackPayloads) -> None:
        self._client = client
        self.callbacks = callbacks

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send(recipient_id, text, None)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._send(recipient_id, text, button_rows(buttons, self.callbacks) if buttons else None)

    async def _send(self, recipient_id: str, text: str, markup: InlineKeyboardMarkup | None) -> None:
        parts = split_text(text or "")
        if not parts:
            logger.warning("Telegram: not sending an empty message to %s", recipient_id)
            return
        chat_id: int | str = int(recipient_id) if re.fullmatch(r"-?\d+", recipient_id) else recipient_id
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
                await asyncio.sleep(min(_seconds(error.retry_after), 30.0))
            except Forbidden as error:  # the user blocked the bot or left the chat
                logger.warning("Telegram: cannot send to chat %s: %s", chat_id, error.message)
                return False
        return False


# --- input -----------------------------------------------------------------------------------------

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


class TelegramInput(InputChannel):
    """Telegram input channel: webhook (with secret) or long polling, both through :meth:`handle_update`."""

    poll_timeout = 30  # seconds Telegram holds a getUpdates call open
    retry_delay = 1.0  # first back-off after a failed getUpdates; doubles up to max_retry_delay
    max_retry_delay = 60.0
    stop_grace = 10.0  # seconds an update being handled may take to finish when the server stops

    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TelegramInput:
        if not credentials:
            raise TelegramConfigError(
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
        self, token: Any, mode: Any = "webhook", webhook_secret: Any = "", base_url: Any = DEFAULT_BASE_URL
    ) -> None:
        self.settings = TelegramSettings.of(token, mode, webhook_secret, base_url).check()
        self.callbacks = CallbackPayloads()
        self._client: BotClient | None = None
        self._client_loop: asyncio.AbstractEventLoop | None = None
        self._app: Any = None
        self.guard = Guard.from_env()
        self._seen: deque[int] = deque(maxlen=1000)
        self._poller: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self._offset: int | None = None
        self._busy = False
        logger.info("Telegram channel: %s mode", self.settings.mode)

    @property
    def mode(self) -> str:
        return self.settings.mode

    # The Bot's HTTP clients belong to the event loop they are used in; one client per loop.
    def client(self) -> BotClient:
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if self._client is None or (loop is not None and self._client_loop is not loop):
            self._client = BotClient(self.settings.token, self.settings.base_url)
            self._client_loop = loop
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            with contextlib.suppress(Exception):
                await client.close()

    def get_output_channel(self) -> TelegramOutput:
        return TelegramOutput(self.client, self.callbacks)

    # --- updates -----------------------------------------------------------------------------------

    async def handle_update(self, update: Update, on_new_message: OnNewMessage) -> None:
        """One update from Telegram (webhook or polling) -> at most one message to Rasa."""
        if update.update_id in self._seen:  # Telegram re-sends an update it thinks was not delivered
            logger.debug("Telegram: update %s already handled", update.update_id)
            return
        self._seen.append(update.update_id)
        try:
            incoming = await self._incoming(update)
            if incoming is None:
                return
            text, sender_id = incoming
            await self.guard.handle(
                UserMessage(text, self.get_output_channel(), sender_id, input_channel=self.name()), on_new_message
            )
        except Exception:
            logger.exception("Telegram: could not handle update %s", update.update_id)

    async def _incoming(self, update: Update) -> tuple[str, str] | None:
        query = update.callback_query
        if query is not None:
            chat = query.message.chat.id if query.message is not None else query.from_user.id
            payload = await self.callback_payload(str(chat), query.data or "", query.message)
            try:
                await self.client().bot.answer_callback_query(query.id, text=None if payload else EXPIRED_BUTTON)
            except TelegramError as error:  # e.g. "query is too old": still handle the press
                logger.warning("Telegram: answerCallbackQuery failed: %s", error.message)
            return (payload, str(chat)) if payload else None
        message = update.message
        if message is None or not message.text:
            return None  # edits, stickers, photos, channel posts …: nothing to answer
        return command_text(message.text) or message.text, str(message.chat.id)

    async def callback_payload(self, sender_id: str, data: str, message: Any = None) -> str | None:
        """The payload of a pressed button: from the map; after a restart from the buttons the bot sent
        in this conversation (Rasa's tracker); else the button's title, as if the user had typed it."""
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

    async def poll(self, on_new_message: OnNewMessage) -> None:
        """Long-poll getUpdates until :meth:`stop_polling`; every update goes through handle_update."""
        delay = self.retry_delay
        logger.info("Telegram: polling getUpdates (TELEGRAM_MODE=polling)")
        while not self._stop.is_set():
            try:
                updates = await self.client().bot.get_updates(
                    offset=self._offset, timeout=self.poll_timeout, allowed_updates=list(ALLOWED_UPDATES)
                )
            except InvalidToken:
                logger.error("Telegram rejected TELEGRAM_BOT_TOKEN (Unauthorized): polling stopped.")
                return
            except Conflict as error:
                logger.error(
                    "Telegram: %s. Polling and a webhook cannot both be active: run "
                    "`python -m bot telegram delete-webhook`, or use TELEGRAM_MODE=webhook.", error.message
                )
                await self._pause(delay)
                delay = min(delay * 2, self.max_retry_delay)
                continue
            except RetryAfter as error:
                await self._pause(_seconds(error.retry_after))
                continue
            except Exception as error:  # network down, Telegram errors: back off and try again
                logger.warning("Telegram: getUpdates failed (%s); retrying in %.0f s", error, delay)
                await self._pause(delay)
                delay = min(delay * 2, self.max_retry_delay)
                continue
            delay = self.retry_delay
            self._busy = True
            try:
                for update in updates:
                    if self._stop.is_set():
                        break
                    self._offset = update.update_id + 1
                    await self.handle_update(update, on_new_message)
            finally:
                self._busy = False
        logger.info("Telegram: polling stopped")

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._stop.wait(), timeout=seconds)

    def start_polling(self, on_new_message: OnNewMessage) -> asyncio.Task[None]:
        self._stop = asyncio.Event()
        self._poller = asyncio.get_running_loop().create_task(self.poll(on_new_message))
        return self._poller

    async def stop_polling(self) -> None:
        """Stop the loop (cancelling a pending getUpdates) and confirm the handled updates to Telegram,
        so that they are not delivered again at the next start."""
        self._stop.set()
        poller, self._poller = self._poller, None
        if poller is not None:
            if self._busy:  # let the answer being sent finish; a waiting getUpdates is simply cancelled
                with contextlib.suppress(asyncio.TimeoutError, Exception):
                    await asyncio.wait_for(asyncio.shield(poller), timeout=self.stop_grace)
            poller.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await poller
        if self._offset is not None:
            with contextlib.suppress(TelegramError, asyncio.TimeoutError):
                await asyncio.wait_for(
                    self.client().bot.get_updates(offset=self._offset, timeout=0, limit=1), timeout=5.0
                )

    # --- webhook -----------------------------------------------------------------------------------

    def secret_ok(self, header: str | None) -> bool:
        secret = self.settings.webhook_secret
        return bool(secret) and header is not None and hmac.compare_digest(header.encode(), secret.encode())

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        telegram_webhook = Blueprint("telegram_webhook", __name__)

        @telegram_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "mode": self.mode})

        @telegram_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
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

        @telegram_webhook.listener("before_server_start")
        async def remember_app(app: Any, _loop: Any) -> None:
            self._app = app

        self.guard.attach(telegram_webhook)

        @telegram_webhook.listener("after_server_start")
        async def start(app: Any, _loop: Any) -> None:
            if self.mode == "polling":
                self.start_polling(on_new_message)

        @telegram_webhook.listener("before_server_stop")
        async def stop(app: Any, _loop: Any) -> None:
            if self.mode == "polling":
                await self.stop_polling()

        @telegram_webhook.listener("after_server_stop")
        async def close(app: Any, _loop: Any) -> None:
            await self.close()

        return telegram_webhook


def _buttons_of(event: Any) -> Iterable[dict[str, Any]]:
    data = getattr(event, "data", None)
    if getattr(event, "type_name", None) != "bot" or not isinstance(data, dict):
        return ()
    return [item for item in data.get("buttons") or () if isinstance(item, dict)]
