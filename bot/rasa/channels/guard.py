"""What every channel does with a user's message before and after Rasa.

Before: control characters and bidi overrides go, an empty or over-long message and a sender over the
rate limit get a friendly reply instead of reaching Rasa, and Rasa's ``/intent{"entity": …}`` syntax is
only honoured for the payloads the bot's own buttons send (anything else is read as an ordinary
question, so a user cannot trigger actions or set slots by typing a payload).

After: if Rasa failed or said nothing (action server down or too slow, tracker store unreachable), the
user gets the Danish apology ``utter_technical_problem`` rather than silence or an HTTP 500.

All reply texts are ``domain.yml`` responses of the loaded model. Settings come from the environment:
``MAX_MESSAGE_CHARS`` (1000), ``RATE_LIMIT_MESSAGES`` per ``RATE_LIMIT_WINDOW_SECONDS`` (20 per 60),
``ACTION_TIMEOUT_SECONDS`` (5; how long Rasa waits for the action server). With ``REDIS_HOST`` set the
rate limit is counted in Redis, so it holds across several Rasa servers.
"""

from __future__ import annotations

import json
import logging
import re
import time
import unicodedata
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from rasa.core.channels.channel import UserMessage

from bot.rasa.channels.base import OnNewMessage
from bot.settings import get_settings

logger = logging.getLogger(__name__)

# Payloads the bot's buttons and the Telegram commands send (domain.yml, actions/common.py show_payload).
PLAIN_PAYLOADS = frozenset({"/feedback_positive", "/feedback_negative", "/greet", "/bot_capabilities"})
SHOW_UNIT = "/show_unit"
MAX_UNIT_ID = 200

# C0/C1 control characters except tab and newline, the bidi embedding/override/isolate marks, and lone
# surrogates (JSON "\ud800" decodes to one; it cannot be stored or sent as UTF-8).
_UNWANTED = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")


@dataclass(frozen=True)
class GuardSettings:
    """The guard's limits; the defaults are those the module docstring lists for unset variables."""

    max_chars: int = 1000
    rate_messages: int = 20
    rate_window: float = 60.0
    action_timeout: float = 5.0
    redis: Mapping[str, Any] | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> GuardSettings:
        """Read the settings from ``env`` (default: the process environment merged with ``.env``).

        A limit that is not a positive number falls back to its default (logged if it is no number at
        all), so zero or a typo does not switch a limit off. A REDIS_PORT or REDIS_DB that is not an
        integer raises ValueError. Redis counts the rate limit only when REDIS_HOST is set.
        """
        env = get_settings().env if env is None else env

        def number(name: str, default: float) -> float:
            raw = env.get(name, "").strip()
            try:
                value = float(raw) if raw else default
            except ValueError:
                logger.error("%s=%r is not a number; using %s", name, raw, default)
                return default
            return value if value > 0 else default

        redis = None
        if env.get("REDIS_HOST", "").strip():
            redis = {
                "host": env["REDIS_HOST"].strip(),
                "port": int(env.get("REDIS_PORT", "").strip() or 6379),
                "password": env.get("REDIS_PASSWORD") or None,
                "db": int(env.get("REDIS_DB", "").strip() or 0),
            }
        return cls(
            max_chars=int(number("MAX_MESSAGE_CHARS", cls.max_chars)),
            rate_messages=int(number("RATE_LIMIT_MESSAGES", cls.rate_messages)),
            rate_window=number("RATE_LIMIT_WINDOW_SECONDS", cls.rate_window),
            action_timeout=number("ACTION_TIMEOUT_SECONDS", cls.action_timeout),
            redis=redis,
        )


def clean_text(text: Any) -> str:
    """NFC-normalised text without control characters or bidi overrides, trimmed."""
    if not isinstance(text, str):
        return ""
    return _UNWANTED.sub("", unicodedata.normalize("NFC", text)).strip()


def is_button_payload(text: str) -> bool:
    """True only for the exact payloads the bot itself sends: no other intents, entities or confidences."""
    if text in PLAIN_PAYLOADS:
        return True
    if not text.startswith(SHOW_UNIT + "{"):
        return False
    try:
        entities = json.loads(text[len(SHOW_UNIT):])
    except ValueError:
        return False
    unit_id = entities.get("unit_id") if isinstance(entities, dict) else None
    return (
        set(entities) == {"unit_id"}
        and isinstance(unit_id, str)
        and 0 < len(unit_id) <= MAX_UNIT_ID
    )


def neutralise_payload(text: str) -> str:
    """A typed ``/anything{…}`` that is not one of the bot's payloads becomes an ordinary question."""
    if text.startswith("/") and not is_button_payload(text):
        return text.lstrip("/").strip()
    return text


class RateLimiter(Protocol):
    """Decides whether a sender may send one more message now."""

    async def allow(self, sender_id: str) -> bool:
        """Return True if the message may go to Rasa; call it once per message, as it may count the call."""


class MemoryRateLimiter:
    """A sliding window per sender, in this process (one Rasa server)."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._seen: dict[str, deque[float]] = {}

    async def allow(self, sender_id: str) -> bool:
        """Return True and count the message if the sender has had fewer than ``limit`` in the window.

        A refused message is not counted, so a sender who keeps trying is let in again once the window
        has moved past their earlier messages.
        """
        now = self.clock()
        times = self._seen.setdefault(sender_id, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) >= self.limit:
            return False
        times.append(now)
        if len(self._seen) > 50_000:  # forget idle senders
            for key in [k for k, v in self._seen.items() if not v or v[-1] <= now - self.window]:
                del self._seen[key]
        return True


class RedisRateLimiter:
    """A fixed window per sender counted in Redis, shared by every Rasa server.

    If Redis cannot be reached the message is let through (the limit protects the bot; it must not stop it).
    """

    def __init__(self, limit: int, window: float, connection: Mapping[str, Any]) -> None:
        import redis.asyncio as aioredis

        self.limit, self.window = limit, max(1, int(window))
        self.client = aioredis.Redis(**connection, socket_timeout=0.5, socket_connect_timeout=0.5)

    async def allow(self, sender_id: str) -> bool:
        """Return True if this is at most the sender's ``limit``-th message in the current window.

        Every call counts, refused ones too, and the count starts afresh at each whole multiple of the
        window (so up to twice the limit can pass around a window boundary). True when Redis is unreachable.
        """
        from redis.exceptions import RedisError

        key = f"lederbot:rate:{sender_id}:{int(time.time()) // self.window}"
        try:
            async with self.client.pipeline(transaction=True) as pipe:
                count, _ = await pipe.incr(key).expire(key, self.window + 1).execute()
        except (RedisError, OSError) as error:
            logger.warning("rate limit not checked, Redis unreachable: %s", error)
            return True
        return int(count) <= self.limit


@dataclass(frozen=True)
class Verdict:
    """The outcome of :meth:`Guard.check`: exactly one of the two fields is set."""

    text: str | None = None  # what goes to Rasa
    response: str | None = None  # or the domain response the user gets instead


class _Watched:
    """The channel's output, counting the bot messages Rasa sends through it."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.replies = 0

    def name(self) -> str:
        return str(self.inner.name())

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        self.replies += 1
        await self.inner.send_response(recipient_id, message)

    def __getattr__(self, item: str) -> Any:
        return getattr(self.inner, item)


def apply_action_timeout(seconds: float) -> None:
    """Bound how long Rasa waits for the action server to ``seconds``, for the whole process.

    Rasa 3.6 waits 5 minutes, fixed in ``rasa.core.actions.action``. The constant is read at call time,
    so setting it bounds the wait; the user then gets the apology.
    """
    import rasa.core.actions.action as rasa_action

    rasa_action.DEFAULT_REQUEST_TIMEOUT = seconds  # type: ignore[assignment]
    logger.debug("action server timeout: %.1f s", seconds)


class Guard:
    """The checks around Rasa that every channel shares (see the module docstring).

    One per channel; :meth:`attach` gives it the Sanic app, whose loaded model has the reply texts.
    """

    def __init__(self, settings: GuardSettings, limiter: RateLimiter | None = None) -> None:
        """Check with ``settings``; the rate limit is counted in Redis when the settings name one."""
        self.settings = settings
        if limiter is None:
            limiter = (RedisRateLimiter(settings.rate_messages, settings.rate_window, settings.redis)
                       if settings.redis else MemoryRateLimiter(settings.rate_messages, settings.rate_window))
        self.limiter = limiter
        self.app: Any = None

    @classmethod
    def from_env(cls) -> Guard:
        """A guard with the settings from the environment; also bounds Rasa's wait for the action server."""
        settings = GuardSettings.from_env()
        apply_action_timeout(settings.action_timeout)
        return cls(settings)

    def attach(self, blueprint: Any) -> None:
        """Keep the Sanic app (its agent has the domain with the reply texts)."""

        @blueprint.listener("before_server_start")
        async def _remember_app(app: Any, _loop: Any) -> None:
            self.app = app

    def response_text(self, name: str, app: Any = None) -> str | None:
        """The text of the domain response ``name`` in the loaded model, or None (logged) if it has none."""
        agent = getattr(getattr(app or self.app, "ctx", None), "agent", None)
        domain = getattr(agent, "domain", None)
        for variant in (getattr(domain, "responses", None) or {}).get(name) or []:
            if variant.get("text"):
                return str(variant["text"])
        logger.error("response %s not found in the loaded model's domain", name)
        return None

    async def check(self, sender_id: str, text: Any) -> Verdict:
        """What becomes of a message: the cleaned text for Rasa, or the response the user gets instead."""
        cleaned = clean_text(text)
        if not cleaned:
            return Verdict(response="utter_empty_message")
        if len(cleaned) > self.settings.max_chars:
            return Verdict(response="utter_message_too_long")
        if not await self.limiter.allow(sender_id):
            logger.info("rate limit reached for sender %s", sender_id)
            return Verdict(response="utter_rate_limited")
        question = neutralise_payload(cleaned)
        return Verdict(text=question) if question else Verdict(response="utter_empty_message")

    async def handle(self, message: UserMessage, on_new_message: OnNewMessage) -> None:
        """Check the message, pass it to Rasa, and make sure the user hears back."""
        output = message.output_channel
        verdict = await self.check(str(message.sender_id), message.text)
        if verdict.response:
            await self._say(output, message.sender_id, verdict.response)
            return
        watched = _Watched(output)
        message.text = verdict.text
        message.output_channel = watched  # type: ignore[assignment]
        try:
            await on_new_message(message)
        except Exception:
            logger.exception("handling a message from %s failed", message.sender_id)
        if watched.replies == 0:
            logger.warning("no reply to %s (action server or database unavailable?): apologising",
                           message.sender_id)
            await self._say(output, message.sender_id, "utter_technical_problem")

    async def _say(self, output: Any, sender_id: Any, response: str) -> None:
        text = self.response_text(response)
        if text is None:
            return
        try:
            await output.send_response(str(sender_id), {"text": text})
        except Exception:
            logger.exception("could not send %s to %s", response, sender_id)
