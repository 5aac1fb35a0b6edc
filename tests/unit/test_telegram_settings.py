"""Telegram channel settings, no network: what credentials.yml must give, and Rasa loading the channel.

A setting that cannot work stops Rasa with a ChannelConfigError naming the variable; loading the
channel makes no call to Telegram.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.rasa.channels.base import ChannelConfigError
from bot.rasa.channels.telegram.input import TelegramInput
from tests.conftest import ROOT
from tests.fakes.channel_env import TELEGRAM_SECRET, TELEGRAM_TOKEN


def test_webhook_mode_without_secret_refuses_to_start() -> None:
    with pytest.raises(ChannelConfigError, match="TELEGRAM_WEBHOOK_SECRET"):
        TelegramInput.from_credentials({"token": TELEGRAM_TOKEN, "mode": "webhook", "webhook_secret": ""})


@pytest.mark.parametrize(
    ("credentials", "message"),
    [({"token": "", "mode": "polling"}, "TELEGRAM_BOT_TOKEN"),
     ({"token": TELEGRAM_TOKEN, "mode": "push"}, "TELEGRAM_MODE"),
     ({"token": TELEGRAM_TOKEN, "mode": "webhook", "webhook_secret": "æøå med mellemrum"}, "A-Z, a-z, 0-9"),
     (None, "credentials")],
)
def test_bad_settings_are_named(credentials: dict[str, Any] | None, message: str) -> None:
    with pytest.raises(ChannelConfigError, match=message):
        TelegramInput.from_credentials(credentials)


def test_polling_needs_no_secret() -> None:
    tg = TelegramInput.from_credentials({"token": TELEGRAM_TOKEN, "mode": "polling", "webhook_secret": ""})
    assert tg.mode == "polling" and tg.settings.base_url == "https://api.telegram.org/bot"


def test_rasa_loads_the_channel_from_the_credentials_file(tmp_path: Path) -> None:
    from rasa.core.run import create_http_input_channels

    from bot.generate.credentials import write_credentials
    from tests.fakes.channel_env import CHANNEL_ENV

    out = tmp_path / "credentials.yml"
    write_credentials(ROOT / "credentials.yml", out, {k: v for k, v in CHANNEL_ENV.items() if "TELEGRAM" in k})
    channels = create_http_input_channels(None, str(out))
    tg = next(c for c in channels if c.name() == "telegram")
    assert isinstance(tg, TelegramInput)
    assert tg.settings.webhook_secret == TELEGRAM_SECRET
