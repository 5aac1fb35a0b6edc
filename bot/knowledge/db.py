"""Engine creation from ``KNOWLEDGE_DB_URL`` (``Settings.knowledge_db_url``): built lazily, never at import time."""

from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import overload

from sqlalchemy import event
from sqlalchemy.engine import Engine, create_engine

from bot.settings import get_settings


def database_url() -> str:
    """The knowledge database's URL from the settings (``KNOWLEDGE_DB_URL``; default: var/knowledge.db)."""
    return get_settings().knowledge_db_url


@overload
def as_utc(moment: datetime) -> datetime: ...
@overload
def as_utc(moment: None) -> None: ...
def as_utc(moment: datetime | None) -> datetime | None:
    """A timestamp read from a ``DateTime(timezone=True)`` column, always aware: SQLite returns it naive, in UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)


def make_engine(url: str) -> Engine:
    """A new engine for ``url``; ``engine_for`` shares one per URL instead.

    For a SQLite file, its directory is created, and each connection turns foreign keys on and waits up to
    5 s for a locked database.
    """
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if str(path) not in ("", ":memory:"):
            path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()
    return engine


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """The process's shared engine for ``url``, created on first use."""
    return make_engine(url)


def default_engine() -> Engine:
    """The shared engine for the configured knowledge database (``database_url``)."""
    return engine_for(database_url())
