"""Shared fixtures: the real knowledge files loaded into a real database, the real Rasa domain."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import tempfile
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from bot.core.model import KnowledgeSet
from bot.knowledge.db import make_engine
from bot.knowledge.loader import load_knowledge
from bot.knowledge.memory import InMemoryKnowledgeRepository
from bot.knowledge.publish import load_into
from bot.knowledge.repository import SqlKnowledgeRepository
from bot.knowledge.service import KnowledgeService
from bot.settings import reset_settings

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE_DIR = ROOT / "knowledge"
SOURCES_DIR = ROOT.parent / "shared" / "sources"
PG_URL = os.environ.get(
    "KNOWLEDGE_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:54329/lederbot_test"
)


@pytest.fixture(scope="session")
def knowledge() -> KnowledgeSet:
    return load_knowledge(KNOWLEDGE_DIR)


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'knowledge.db'}"
    load_into(make_engine(url), KNOWLEDGE_DIR)
    return url


@pytest.fixture(scope="session")
def sqlite_engine(sqlite_url: str) -> Engine:
    return make_engine(sqlite_url)


@pytest.fixture(scope="session")
def pg_engine() -> Engine:
    """A real PostgreSQL (started by scripts/postgres.sh, which `make test` runs first)."""
    engine = make_engine(PG_URL)
    try:
        with engine.connect():
            pass
    except Exception as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL not running (scripts/postgres.sh): {exc}")
    load_into(engine, KNOWLEDGE_DIR, with_embeddings=False)
    return engine


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def any_engine(request: pytest.FixtureRequest) -> Engine:
    name = "sqlite_engine" if request.param == "sqlite" else "pg_engine"
    return request.getfixturevalue(name)


@pytest.fixture(scope="session")
def repository() -> InMemoryKnowledgeRepository:
    """The knowledge files in memory, with their vectors (from the cache in var/): no database."""
    return InMemoryKnowledgeRepository.from_directory(KNOWLEDGE_DIR)


@pytest.fixture(scope="session")
def service(repository: InMemoryKnowledgeRepository) -> KnowledgeService:
    return KnowledgeService(repository)


@pytest.fixture(scope="session")
def sql_repository(sqlite_engine: Engine) -> SqlKnowledgeRepository:
    return SqlKnowledgeRepository(sqlite_engine)


@pytest.fixture(autouse=True)
def fresh_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``get_settings()`` reads the environment once per process; a test that changes it gets a fresh read."""
    set_env, del_env = monkeypatch.setenv, monkeypatch.delenv

    def setenv(name: str, value: str, prepend: str | None = None) -> None:
        set_env(name, value, prepend)
        reset_settings()

    def delenv(name: str, raising: bool = True) -> None:
        del_env(name, raising)
        reset_settings()

    monkeypatch.setattr(monkeypatch, "setenv", setenv)
    monkeypatch.setattr(monkeypatch, "delenv", delenv)
    reset_settings()
    yield
    reset_settings()


@pytest.fixture(scope="session")
def domain() -> Any:
    from rasa.shared.core.domain import Domain

    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture
def use_knowledge_db(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point the actions at the test database (they read KNOWLEDGE_DB_URL lazily)."""
    monkeypatch.setenv("KNOWLEDGE_DB_URL", sqlite_url)
    return sqlite_url


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No TEAMS_* variable from the developer's shell; the path of an .env file that does not exist."""
    for name in list(os.environ):
        if name.startswith("TEAMS_"):
            monkeypatch.delenv(name)
    return tmp_path / "no.env"


@pytest.fixture
def make_tracker() -> Callable[..., Any]:
    from rasa_sdk import Tracker

    def _make(
        text: str,
        intent: str,
        entities: list[dict[str, Any]] | None = None,
        slots: dict[str, Any] | None = None,
        sender: str = "test-user",
        channel: str = "rest",
        history: list[dict[str, Any]] | None = None,
    ) -> Tracker:
        latest = {
            "text": text,
            "intent": {"name": intent, "confidence": 0.9},
            "entities": entities or [],
        }
        events = [*(history or []), {"event": "user", "text": text, "parse_data": latest, "input_channel": channel}]
        return Tracker(sender, slots or {}, latest, events, False, None, {}, "action_listen")

    return _make


TEST_RASA_PORT = int(os.environ.get("TEST_RASA_PORT", "5015"))
TEST_ACTIONS_PORT = int(os.environ.get("TEST_ACTIONS_PORT", "5065"))
TEST_DEMO_PORT = int(os.environ.get("DEMO_PORT", "5085"))
TEST_HR_PORT = int(os.environ.get("TEST_HR_PORT", "5095"))


@dataclass(frozen=True)
class RunningBot:
    """The real bot started once per test session: action server + Rasa with every channel on."""

    rasa_port: int
    actions_port: int
    env: dict[str, str]

    @property
    def base_url(self) -> str:
        return f"http://localhost:{self.rasa_port}"

    def tracker(self, sender: str) -> dict[str, Any]:
        """The conversation from Rasa's HTTP API (which needs the token)."""
        url = f"{self.base_url}/conversations/{sender}/tracker?token={self.env['RASA_API_TOKEN']}"
        with urllib.request.urlopen(url, timeout=30) as response:
            return dict(json.loads(response.read()))


@pytest.fixture(scope="session")
def rasa_bot() -> Iterator[RunningBot]:
    """Starts scripts/run.sh --background (about a minute) for all tests marked `rasa`.

    Teams and Telegram are on, pointed at the local fakes in tests/fakes/channel_env.py."""
    from tests.fakes.channel_env import CHANNEL_ENV

    if not (ROOT / "models" / "lederassistent.tar.gz").exists():
        pytest.fail("no trained model: run `make train` first")
    rasa_port, actions_port = TEST_RASA_PORT, TEST_ACTIONS_PORT
    # The bot answers from a copy of the knowledge in its own database, so the workbench tests can publish
    # (and roll back) without touching knowledge/, nlu/generated/ or var/knowledge.db.
    workdir = Path(tempfile.mkdtemp(prefix=f"lederbot-e2e-{rasa_port}-"))
    shutil.copytree(KNOWLEDGE_DIR, workdir / "knowledge")
    shutil.copytree(ROOT / "nlu" / "generated", workdir / "generated")
    knowledge_url = f"sqlite:///{workdir / 'knowledge.db'}"
    load_into(make_engine(knowledge_url), workdir / "knowledge")
    env = dict(
        os.environ, **CHANNEL_ENV,
        KNOWLEDGE_DB_URL=knowledge_url, HR_PORT=str(TEST_HR_PORT), HR_KNOWLEDGE_DIR=str(workdir / "knowledge"),
        HR_NLU_DIR=str(workdir / "generated"),
        RASA_PORT=str(rasa_port), ACTIONS_PORT=str(actions_port), DEMO_PORT=str(TEST_DEMO_PORT),
        ACTION_ENDPOINT_URL=f"http://localhost:{actions_port}/webhook",
        PIDFILE=str(ROOT / "var" / f"test-run-{rasa_port}.pids"),
        CREDENTIALS=str(ROOT / "var" / f"test-credentials-{rasa_port}.yml"),
        LOGDIR=str(ROOT / "var" / "log" / f"test-{rasa_port}"),
        RASA_API_TOKEN=secrets.token_urlsafe(24),
        WEBCHAT_ALLOWED_ORIGINS=f"http://localhost:{TEST_DEMO_PORT},http://127.0.0.1:{TEST_DEMO_PORT}",
    )
    subprocess.run([str(ROOT / "scripts" / "run.sh"), "--background"], check=True, env=env, cwd=ROOT)
    pids = Path(env["PIDFILE"]).read_text().split()
    try:
        yield RunningBot(rasa_port, actions_port, env)
    finally:
        subprocess.run(["kill", *pids], check=False)
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def botframework() -> Iterator[Any]:
    """The fake Bot Framework (OpenID/JWKS, token endpoint, connector) the test bot's Teams channel is
    configured for in tests/fakes/channel_env.py. One per session: the bot caches the signing keys it fetched."""
    from tests.fakes.botframework import FakeBotFramework, session_key

    with FakeBotFramework(keys=[session_key()]) as fake:
        yield fake


@pytest.fixture(scope="session")
def telegram_api() -> Iterator[Any]:
    """The fake Telegram Bot API the test bot's Telegram channel talks to (TELEGRAM_API_BASE_URL)."""
    from tests.fakes.channel_env import TELEGRAM_FAKE_PORT
    from tests.fakes.telegram import FakeTelegram

    with FakeTelegram(port=TELEGRAM_FAKE_PORT) as fake:
        yield fake
