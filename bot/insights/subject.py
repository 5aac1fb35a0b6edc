"""The data subject's rights over one conversation: access (export) and erasure (delete).

A conversation is everything stored under its sender id: Rasa's tracker events (already masked by the
tracker store) and the feedback given in it. ``python -m bot privacy export --sender ID`` writes both as
JSON, ``delete --sender ID`` removes both, on SQLite and PostgreSQL alike. Rasa's own ``conversations``
API cannot do the second: it has no delete.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.insights import tables as t
from bot.insights.tables import EVENTS


@dataclass(frozen=True)
class Erased:
    """How many rows :func:`delete_conversation` removed."""

    events: int
    feedback: int


def export_conversation(tracker_engine: Engine, feedback_engine: Engine, sender_id: str) -> dict[str, Any]:
    """Everything stored about one conversation, in the order it happened, as JSON-ready data."""
    events: list[dict[str, Any]] = []
    if sa.inspect(tracker_engine).has_table("events"):
        with tracker_engine.connect() as conn:
            rows = conn.execute(sa.select(EVENTS).where(EVENTS.c.sender_id == sender_id)
                                .order_by(EVENTS.c.timestamp, EVENTS.c.id)).all()
        events = [{"type": r.type_name, "time": _iso(r.timestamp), **_event_fields(r.data)} for r in rows]
    t.metadata.create_all(feedback_engine)
    with feedback_engine.connect() as conn:
        rows = conn.execute(sa.select(t.feedback).where(t.feedback.c.sender_id == sender_id)
                            .order_by(t.feedback.c.created_at)).all()
    feedback = [{"time": r.created_at.isoformat(), "channel": r.channel, "question": r.question,
                 "unit_id": r.unit_id, "helpful": r.helpful, "comment": r.comment} for r in rows]
    return {"sender_id": sender_id, "exported_at": datetime.now(timezone.utc).isoformat(),
            "events": events, "feedback": feedback}


def delete_conversation(tracker_engine: Engine, feedback_engine: Engine, sender_id: str) -> Erased:
    """Remove one conversation's tracker events and feedback, each database in one transaction."""
    events = 0
    if sa.inspect(tracker_engine).has_table("events"):
        with tracker_engine.begin() as conn:
            events = conn.execute(sa.delete(EVENTS).where(EVENTS.c.sender_id == sender_id)).rowcount or 0
    t.metadata.create_all(feedback_engine)
    with feedback_engine.begin() as conn:
        feedback = conn.execute(sa.delete(t.feedback).where(t.feedback.c.sender_id == sender_id)).rowcount or 0
    return Erased(events, feedback)


def _iso(timestamp: float | None) -> str | None:
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat() if timestamp is not None else None


def _event_fields(data: str | None) -> dict[str, Any]:
    """What a person said or was told in an event: its text, intent, action or slot (not Rasa's internals)."""
    try:
        event = json.loads(data or "{}")
    except ValueError:
        return {}
    fields = {"text": event.get("text"), "action": event.get("name") if event.get("event") == "action" else None,
              "intent": (event.get("parse_data") or {}).get("intent", {}).get("name"),
              "slot": event.get("name") if event.get("event") == "slot" else None,
              "value": event.get("value") if event.get("event") == "slot" else None,
              "channel": event.get("input_channel")}
    return {k: v for k, v in fields.items() if v is not None}
