"""The Telegram channel's settings, checked when Rasa loads the channel, and the fixed protocol values.

The settings come from credentials.yml (``token``, ``mode``, ``webhook_secret``, ``base_url``), which
takes them from TELEGRAM_BOT_TOKEN, TELEGRAM_MODE, TELEGRAM_WEBHOOK_SECRET and TELEGRAM_API_BASE_URL.
A setting that cannot work stops the server with a :class:`ChannelConfigError` naming the variable,
rather than a bot that starts and then never answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.rasa.channels.base import ChannelConfigError

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
MODES = ("webhook", "polling")
WEBHOOK_PATH = "/webhooks/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram: "1-256 characters. Only characters A-Z, a-z, 0-9, _ and - are allowed."
SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")
ALLOWED_UPDATES = ("message", "callback_query")


@dataclass(frozen=True)
class TelegramSettings:
    """The bot token, webhook or polling mode, the webhook secret and the Bot API address."""

    token: str
    mode: str = "webhook"
    webhook_secret: str = ""
    base_url: str = DEFAULT_BASE_URL

    @classmethod
    def of(cls, token: Any, mode: Any = None, webhook_secret: Any = None, base_url: Any = None) -> TelegramSettings:
        """Settings from credentials.yml values, trimmed; an empty mode or base URL means the default.

        The values may be None or not strings (YAML), hence ``Any``.
        """
        return cls(
            token=str(token or "").strip(),
            mode=str(mode or "webhook").strip().lower(),
            webhook_secret=str(webhook_secret or "").strip(),
            base_url=str(base_url or "").strip() or DEFAULT_BASE_URL,
        )

    def check(self) -> TelegramSettings:
        """These settings, if they can work; else a ChannelConfigError that says which variable to set.

        Webhook mode needs the secret: without it anyone who knows the URL could post updates as any
        user. Telegram itself refuses a secret with other characters than A-Z, a-z, 0-9, _ and -.
        """
        if not self.token:
            raise ChannelConfigError(
                "Telegram: TELEGRAM_BOT_TOKEN er tom. Hent et token hos @BotFather (docs/telegram.md). "
                "/ TELEGRAM_BOT_TOKEN is empty."
            )
        if self.mode not in MODES:
            raise ChannelConfigError(
                f"Telegram: TELEGRAM_MODE skal være 'webhook' eller 'polling', ikke '{self.mode}'. "
                f"/ TELEGRAM_MODE must be 'webhook' or 'polling'."
            )
        if self.mode == "webhook" and not self.webhook_secret:
            raise ChannelConfigError(
                "Telegram i webhook-tilstand kræver TELEGRAM_WEBHOOK_SECRET, så kun Telegram kan kalde "
                f"{WEBHOOK_PATH}. Sæt den i .env (fx `python -c 'import secrets; print(secrets.token_urlsafe(32))'`), "
                "eller brug TELEGRAM_MODE=polling til lokal udvikling. "
                "/ Telegram webhook mode needs TELEGRAM_WEBHOOK_SECRET; refusing to start without it."
            )
        if self.webhook_secret and not SECRET_PATTERN.fullmatch(self.webhook_secret):
            raise ChannelConfigError(
                "Telegram: TELEGRAM_WEBHOOK_SECRET må kun bestå af 1-256 tegn A-Z, a-z, 0-9, _ og -. "
                "/ TELEGRAM_WEBHOOK_SECRET may only contain 1-256 characters A-Z, a-z, 0-9, _ and -."
            )
        return self
