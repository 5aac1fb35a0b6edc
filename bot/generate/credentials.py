"""Build the credentials file Rasa runs with from ``credentials.yml`` and the environment.

``credentials.yml`` names its settings as ``${VAR}`` (required) or ``${VAR:-default}`` (optional).
A channel with a required variable unset or empty is left out, so a machine without Teams or
Telegram secrets simply runs without those channels. Rasa itself would stop on an unset variable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import SafeConstructor

PLACEHOLDER = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)(?::-([^}]*))?\}")

# Readable names for `make run`'s list of channels.
LABELS = {
    "bot.rasa.channels.rest.RestInput": "rest",
    "bot.rasa.channels.webchat.WebChatInput": "web-chat (socket.io)",
    "bot.rasa.channels.teams.input.TeamsInput": "teams",
    "bot.rasa.channels.telegram.input.TelegramInput": "telegram",
}


@dataclass
class ChannelSettings:
    """The channels of ``credentials.yml`` resolved against the environment: those Rasa gets and those left out.

    ``enabled`` maps a channel to its settings (None: it has none); ``disabled`` maps a channel to the
    variables it is missing.
    """

    enabled: dict[str, Any] = field(default_factory=dict)
    disabled: dict[str, list[str]] = field(default_factory=dict)  # channel -> missing variables

    def summary(self) -> str:
        """Which channels are on and, for each one off, the variables to set: the lines ``make run`` shows."""
        on = ", ".join(label(name) for name in self.enabled) or "ingen"
        lines = [f"Channels on:  {on}"]
        for name, missing in self.disabled.items():
            lines.append(f"Channel off:  {label(name)} (set {', '.join(missing)})")
        return "\n".join(lines)


def label(channel: str) -> str:
    """A readable name for a channel's class path ("rest", "teams" …); the path itself when it has none."""
    return LABELS.get(channel, channel)


def _expand(value: Any, env: Mapping[str, str], missing: list[str]) -> Any:
    if isinstance(value, dict):
        return {key: _expand(item, env, missing) for key, item in value.items()}
    if isinstance(value, list):
        return [_expand(item, env, missing) for item in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        current = env.get(name, "")
        if current:
            return current
        if default is None:
            missing.append(name)
            return ""
        return default

    return PLACEHOLDER.sub(substitute, value)


def resolve(template: Mapping[str, Any], env: Mapping[str, str]) -> ChannelSettings:
    """Fill in each channel's ``${VAR}`` placeholders from ``env``.

    A channel with a required variable unset or empty is disabled rather than given an empty value.
    """
    settings = ChannelSettings()
    for channel, config in template.items():
        missing: list[str] = []
        expanded = _expand(dict(config or {}), env, missing)
        if missing:
            settings.disabled[channel] = missing
        else:
            settings.enabled[channel] = expanded or None
    return settings


class _TemplateConstructor(SafeConstructor):
    """Keeps ``${VAR}`` as written even in a process where Rasa has taught YAML to expand it."""


_TemplateConstructor.add_constructor("!env_var", SafeConstructor.construct_scalar)


def read_template(path: Path) -> dict[str, Any]:
    """``credentials.yml`` with its placeholders as written; ValueError unless it maps channels to settings."""
    yaml = YAML(typ="safe", pure=True)
    yaml.Constructor = _TemplateConstructor
    data = yaml.load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of channel names to settings")
    return data


def write_credentials(template_path: Path, out: Path, env: Mapping[str, str]) -> ChannelSettings:
    """Write the credentials file Rasa runs with (mode 0600: it holds secrets) and say which channels are on."""
    settings = resolve(read_template(template_path), env)
    out.parent.mkdir(parents=True, exist_ok=True)
    yaml = YAML()
    yaml.default_flow_style = False
    with out.open("w", encoding="utf-8") as handle:
        handle.write(f"# Generated from {template_path.name} by `python -m bot channels credentials`; do not edit.\n")
        yaml.dump(settings.enabled, handle)
    out.chmod(0o600)  # holds secrets from the environment
    return settings
