"""credentials.yml is a template: channels are on only when their settings are in the environment."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ruamel.yaml import YAML

from bot.generate.credentials import read_template, resolve, write_credentials
from tests.conftest import ROOT
from tests.fakes.channel_env import CHANNEL_ENV

TEMPLATE = ROOT / "credentials.yml"
TEAMS = "bot.rasa.channels.teams.input.TeamsInput"
TELEGRAM = "bot.rasa.channels.telegram.input.TelegramInput"
WEBCHAT = "bot.rasa.channels.webchat.WebChatInput"
REST = "bot.rasa.channels.rest.RestInput"


def test_without_secrets_only_rest_and_the_web_chat_are_on() -> None:
    settings = resolve(read_template(TEMPLATE), {})
    assert list(settings.enabled) == [REST, WEBCHAT]
    assert settings.enabled[WEBCHAT]["allowed_origins"] == ""
    assert settings.disabled[TEAMS] == ["TEAMS_APP_ID", "TEAMS_APP_PASSWORD", "TEAMS_TENANT_ID"]
    assert settings.disabled[TELEGRAM] == ["TELEGRAM_BOT_TOKEN"]
    assert "telegram (set TELEGRAM_BOT_TOKEN)" in settings.summary()


def test_required_values_and_defaults_are_filled_in() -> None:
    settings = resolve(read_template(TEMPLATE), {"TELEGRAM_BOT_TOKEN": "42:abc"})
    telegram = settings.enabled[TELEGRAM]
    assert telegram["token"] == "42:abc"
    assert telegram["mode"] == "webhook"
    assert telegram["webhook_secret"] == ""
    assert telegram["base_url"] == "https://api.telegram.org/bot"
    assert TEAMS in settings.disabled


def test_an_empty_variable_counts_as_unset() -> None:
    env = dict(CHANNEL_ENV, TEAMS_APP_PASSWORD="")
    settings = resolve(read_template(TEMPLATE), env)
    assert settings.disabled == {TEAMS: ["TEAMS_APP_PASSWORD"]}


def test_written_file_is_what_rasa_reads(tmp_path: Path) -> None:
    from rasa.shared.utils.io import read_config_file

    out = tmp_path / "credentials.yml"
    settings = write_credentials(TEMPLATE, out, CHANNEL_ENV)
    assert set(settings.enabled) == {REST, WEBCHAT, TEAMS, TELEGRAM}
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    rasa_view = read_config_file(str(out))
    assert rasa_view[TELEGRAM]["webhook_secret"] == CHANNEL_ENV["TELEGRAM_WEBHOOK_SECRET"]
    assert rasa_view[TEAMS]["tenant_id"] == CHANNEL_ENV["TEAMS_TENANT_ID"]
    assert rasa_view[WEBCHAT]["session_persistence"] is True


def test_cli_prints_which_channels_are_on(tmp_path: Path) -> None:
    out = tmp_path / "c.yml"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "channels", "credentials", "--out", str(out)],
        cwd=ROOT, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "TELEGRAM_BOT_TOKEN": "42:abc"},
        capture_output=True, text=True, check=True,
    )
    assert "Channels on:  rest, web-chat (socket.io), telegram" in result.stdout
    assert "Channel off:  teams" in result.stdout
    assert YAML(typ="safe").load(out.read_text())[TELEGRAM]["token"] == "42:abc"
