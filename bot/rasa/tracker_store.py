"""Rasa tracker store that masks personal data before a conversation is written to the database.

Configured in endpoints.yml (`type: bot.rasa.tracker_store.MaskingSQLTrackerStore`); the database comes from
``TRACKER_DB_URL`` (default: the SQLite file var/tracker.db; PostgreSQL works the same way).

Rasa's own SQL tracker store retries an unreachable database for ever, logging a warning every five
seconds. This one waits ``TRACKER_DB_WAIT_SECONDS`` (30) for it and then stops the server with one clear
error line naming the database (password hidden) instead.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SlotSet, UserUttered
from sqlalchemy import create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.core.privacy import mask
from bot.insights.tables import tracker_db_url
from bot.settings import get_settings


def masked_event(event: Event) -> Event:
    """A copy of a user message (or of a slot holding user text, such as last_query) with personal data masked.

    Masked are CPR numbers, e-mail addresses and phone numbers; any other event is returned as it is.
    """
    if isinstance(event, SlotSet):
        if isinstance(event.value, str) and mask(event.value) != event.value:
            return SlotSet(event.key, mask(event.value), event.timestamp, event.metadata)
        return event
    if not isinstance(event, UserUttered):
        return event
    data = event.as_dict()
    data["text"] = mask(data.get("text"))
    parse = data.get("parse_data") or {}
    if parse.get("text"):
        parse["text"] = mask(parse["text"])
    for entity in parse.get("entities") or []:
        if isinstance(entity.get("value"), str):
            entity["value"] = mask(entity["value"])
    masked = Event.from_parameters(data)
    return masked if masked is not None else event


logger = logging.getLogger(__name__)


def wait_for_database(url: URL, seconds: float) -> None:
    """Return once the database answers; after ``seconds`` say why and end the process (exit code 3).

    Raising would not do: Sanic prints any exception from a start-up listener as a stack trace.
    """
    connect_args = {"connect_timeout": 3} if url.get_backend_name() == "postgresql" else {}
    engine = create_engine(url, future=True, connect_args=connect_args)
    deadline = time.monotonic() + seconds
    try:
        while True:
            try:
                with engine.connect():
                    return
            except SQLAlchemyError as error:
                reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
                if time.monotonic() >= deadline:
                    message = (f"ERROR: the tracker store database {url.render_as_string(hide_password=True)} "
                               f"cannot be reached ({reason}). Check TRACKER_DB_URL and that the database "
                               f"server runs; Rasa is not started.")
                    print(message, file=sys.stderr, flush=True)
                    sys.stdout.flush()
                    os._exit(3)
                logger.warning("tracker store database not reachable yet (%s); retrying", reason)
                time.sleep(2)
    finally:
        engine.dispose()


class MaskingSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store on ``TRACKER_DB_URL``, masking personal data in the events it writes.

    The host, database and credentials of endpoints.yml are ignored: the URL comes from the settings. Start-up
    waits for the database (``wait_for_database``).
    """

    def __init__(self, domain: Domain | None = None, **kwargs: Any) -> None:
        url = make_url(tracker_db_url())
        if url.get_backend_name() == "sqlite" and url.database:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        wait_for_database(url, get_settings().tracker_db_wait_seconds)
        for key in ("host", "dialect", "db", "port", "username", "password"):
            kwargs.pop(key, None)
        super().__init__(
            domain=domain,
            dialect=url.drivername,
            host=url.host,
            port=url.port,
            db=url.database or "",
            username=url.username,
            password=url.password,
            **kwargs,
        )

    def _additional_events(self, session: Any, tracker: Any) -> Iterator:
        for event in super()._additional_events(session, tracker):
            yield masked_event(event)
