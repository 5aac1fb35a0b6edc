"""The one place the environment is read: a typed, validated ``Settings`` built once and passed in.

Before, 21 reads of ``os.environ`` sat in 11 modules, ``.env`` was parsed twice (the Makefile's ``sed`` and a
regex in the credentials writer) and the channel tools disagreed on whether an empty variable wins. Now:

* **One precedence rule.** A variable set to a non-empty value in the process environment wins; otherwise
  the value in ``.env`` (``KEY=value`` lines, ``export`` and surrounding quotes allowed); otherwise the
  default below. An empty value in the environment counts as unset, so ``FOO= make run`` cannot blank a
  secret kept in ``.env``.
* **Read once.** ``get_settings()`` reads on first use and keeps the result; the per-turn code (actions,
  channels) gets the object, never the environment. Tests build their own ``Settings.from_env({...})``.
* **Validated.** A port that is not a number, a negative wait, an unknown flag value: ``SettingsError``
  names the variable and, for ``.env``, the file and line.

The channels' own options (Teams, Telegram, web-chat, the guard's limits) stay with their channels, which
read them from ``Settings.env``: the merged mapping, also what ``${VAR}`` placeholders in ``credentials.yml``
and ``endpoints*.yml`` are filled from (``python -m bot serve rasa`` passes it to the Rasa process).
"""

from __future__ import annotations

import os
import re
import secrets
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Z_][A-Z0-9_]*)\s*=\s*(.*?)\s*$")
FALSE_WORDS = ("0", "false", "no", "nej", "off")
TRUE_WORDS = ("1", "true", "yes", "ja", "on")


class SettingsError(ValueError):
    """A setting has a value the program cannot use; the message names the variable and where it came from."""


def read_env_file(path: Path) -> dict[str, tuple[str, int]]:
    """``KEY=value`` lines of a ``.env`` file with their line numbers; a missing file is an empty mapping.

    Comments, blanks and ``export`` are allowed; one pair of surrounding quotes is removed.
    """
    values: dict[str, tuple[str, int]] = {}
    if not path.is_file():
        return values
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = ENV_LINE.match(line)
        if match:
            value = match.group(2)
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            values[match.group(1)] = (value, number)
    return values


@dataclass(frozen=True)
class Settings:
    """What the processes of this project are configured with (see ``.env.example`` for every variable)."""

    env: Mapping[str, str] = field(repr=False)
    env_file: Path
    knowledge_db_url: str
    tracker_db_url: str
    tracker_db_wait_seconds: float
    knowledge_embeddings: bool
    home_organisation: str | None
    rasa_host: str
    rasa_port: int
    actions_host: str
    actions_port: int
    action_endpoint_url: str
    model: str
    endpoints: str
    credentials: str
    # The HR workbench (bot/hr/web, ``python -m bot hr serve``).
    hr_secret_key: str | None = field(default=None, repr=False)
    sender_id_key: str | None = field(default=None, repr=False)
    hr_secure_cookies: bool = False
    hr_session_hours: float = 8.0
    hr_port: int = 8081
    hr_require_approval: bool = True
    hr_test_sender_prefix: str = "test-"  # the insight page leaves out senders whose id starts with this
    project_root: Path = PROJECT_ROOT

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, env_file: Path | None = None) -> Settings:
        """Merge ``.env`` and ``environ`` (default: the process environment) by the rule above and validate."""
        path = env_file or Path((environ or {}).get("ENV_FILE") or PROJECT_ROOT / ".env")
        from_file = read_env_file(path)
        process = dict(os.environ if environ is None else environ)
        merged = {key: value for key, (value, _) in from_file.items()}
        merged.update({key: value for key, value in process.items() if value})
        source = _Source(merged, from_file, path)
        return cls(
            env=merged,
            env_file=path,
            knowledge_db_url=source.text("KNOWLEDGE_DB_URL", f"sqlite:///{PROJECT_ROOT / 'var' / 'knowledge.db'}"),
            tracker_db_url=source.text("TRACKER_DB_URL", f"sqlite:///{PROJECT_ROOT / 'var' / 'tracker.db'}"),
            tracker_db_wait_seconds=source.number("TRACKER_DB_WAIT_SECONDS", 30.0),
            knowledge_embeddings=source.flag("KNOWLEDGE_EMBEDDINGS", True),
            home_organisation=source.text("HOME_ORGANISATION", "").lower() or None,
            rasa_host=source.text("RASA_HOST", "0.0.0.0"),
            rasa_port=source.port("RASA_PORT", 5005),
            actions_host=source.text("ACTIONS_HOST", "127.0.0.1"),
            actions_port=source.port("ACTIONS_PORT", 5055),
            action_endpoint_url=source.text(
                "ACTION_ENDPOINT_URL", f"http://localhost:{source.port('ACTIONS_PORT', 5055)}/webhook"),
            model=source.text("MODEL", "models/lederassistent.tar.gz"),
            endpoints=source.text("ENDPOINTS", "endpoints.yml"),
            credentials=source.text("CREDENTIALS", "var/credentials.yml"),
            hr_secret_key=source.secret("HR_SECRET_KEY", min_length=32),
            sender_id_key=source.secret("SENDER_ID_KEY", min_length=32),
            hr_secure_cookies=source.flag("HR_SECURE_COOKIES", False),
            hr_session_hours=source.hours("HR_SESSION_HOURS", 8.0),
            hr_port=source.port("HR_PORT", 8081),
            hr_require_approval=source.flag("HR_REQUIRE_APPROVAL", True),
            hr_test_sender_prefix=source.text("HR_TEST_SENDER_PREFIX", "test-"),
        )

    def process_env(self) -> dict[str, str]:
        """The environment for a Rasa process, so ``rasa run`` needs nothing from make.

        It is the merged variables plus the defaults ``endpoints*.yml`` expands (``${ACTION_ENDPOINT_URL}``).
        """
        return {**self.env, "ACTION_ENDPOINT_URL": self.action_endpoint_url}

    def sender_key(self) -> bytes:
        """The key of the pseudonymous sender ids: SENDER_ID_KEY, else one made once in var/sender-id-key.

        Production sets it (a lost key only means returning users start new conversations); for ``make run`` a
        key kept in var/ keeps conversations across restarts without anyone inventing one.
        """
        return (self.sender_id_key or made_once(self.project_root / "var" / "sender-id-key")).encode("utf-8")

    def value(self, name: str, default: str = "") -> str:
        """One variable of the merged environment, stripped (a channel's option, a placeholder's value)."""
        return self.env.get(name, default).strip() or default

    def shell_exports(self, names: list[str] | None = None) -> str:
        """``export KEY='value'`` lines of ``.env``'s variables (or ``names``) as merged, for the shell scripts.

        The scripts thus follow the same rule instead of parsing ``.env`` themselves.
        """
        keys = names if names is not None else sorted(read_env_file(self.env_file))
        return "".join(f"export {key}={shlex.quote(self.env[key])}\n" for key in keys if key in self.env)


@dataclass(frozen=True)
class _Source:
    """Typed reads of the merged mapping, with errors that say where a bad value came from."""

    merged: Mapping[str, str]
    from_file: Mapping[str, tuple[str, int]]
    path: Path

    def text(self, name: str, default: str) -> str:
        return self.merged.get(name, "").strip() or default

    def _fail(self, name: str, expected: str) -> SettingsError:
        where = "the environment"
        if name in self.from_file and self.merged.get(name) == self.from_file[name][0]:
            where = f"{self.path}:{self.from_file[name][1]}"
        return SettingsError(f"{name}={self.merged[name]!r} ({where}): expected {expected}")

    def number(self, name: str, default: float) -> float:
        raw = self.text(name, "")
        if not raw:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise self._fail(name, "a number of seconds") from None
        if value < 0:
            raise self._fail(name, "a number ≥ 0")
        return value

    def port(self, name: str, default: int) -> int:
        raw = self.text(name, "")
        if not raw:
            return default
        if not raw.isdigit() or not 0 < int(raw) < 65536:
            raise self._fail(name, "a port number 1–65535")
        return int(raw)

    def hours(self, name: str, default: float) -> float:
        value = self.number(name, default)
        if not 0 < value <= 24 * 31:
            raise self._fail(name, "a number of hours > 0 and at most 744 (31 days)")
        return value

    def secret(self, name: str, min_length: int) -> str | None:
        """A secret (unset: None); a short one is an error that never shows the value."""
        raw = self.text(name, "")
        if raw and len(raw) < min_length:
            where = "the environment"
            if name in self.from_file and self.merged.get(name) == self.from_file[name][0]:
                where = f"{self.path}:{self.from_file[name][1]}"
            raise SettingsError(f"{name} ({where}): expected at least {min_length} characters")
        return raw or None

    def flag(self, name: str, default: bool) -> bool:
        raw = self.text(name, "").lower()
        if not raw:
            return default
        if raw not in FALSE_WORDS + TRUE_WORDS:
            raise self._fail(name, "one of " + ", ".join(TRUE_WORDS + FALSE_WORDS))
        return raw in TRUE_WORDS


def made_once(path: Path) -> str:
    """A random secret kept in ``path`` (created readable by its owner only on first use)."""
    if path.is_file() and path.read_text(encoding="utf-8").strip():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(secrets.token_urlsafe(32) + "\n")
    temp.replace(path)
    return path.read_text(encoding="utf-8").strip()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read on first use (``reset_settings`` after changing the environment in a test)."""
    return Settings.from_env()


def reset_settings() -> None:
    """Forget the settings read so far, so the next ``get_settings()`` reads the environment again."""
    get_settings.cache_clear()


def set_process_default(name: str, value: str) -> None:
    """Give a library that reads the environment itself a value, unless the operator set one.

    Examples: OpenMP, rasa-sdk's ``SANIC_HOST``.
    """
    os.environ.setdefault(name, value)


def set_process_value(name: str, value: str) -> None:
    """Set a variable for this process and its children (a library reads it, e.g. rasa-sdk's ``SANIC_HOST``)."""
    os.environ[name] = value
