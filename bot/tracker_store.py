"""Rasa tracker store that masks personal data before a conversation is written to the database.

Configured in endpoints.yml (`type: bot.tracker_store.MaskingSQLTrackerStore`); the database comes from
``TRACKER_DB_URL`` (default: the SQLite file var/tracker.db; PostgreSQL works the same way).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SlotSet, UserUttered
from sqlalchemy.engine import make_url

from bot.insights.tables import tracker_db_url
from bot.privacy import mask


def masked_event(event: Event) -> Event:
    """A copy of a user message (or of a slot holding user text, such as last_query) with CPR numbers,
    e-mail addresses and phone numbers masked."""
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


class MaskingSQLTrackerStore(SQLTrackerStore):
    def __init__(self, domain: Domain | None = None, **kwargs: Any) -> None:
        url = make_url(tracker_db_url())
        if url.get_backend_name() == "sqlite" and url.database:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
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
