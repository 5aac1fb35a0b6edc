"""Delete conversations and feedback older than a retention period (`python -m bot privacy purge`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.insights import tables as t
from bot.insights.tables import EVENTS


@dataclass(frozen=True)
class PurgeResult:
    """How many rows :func:`purge` deleted: tracker events and feedback."""

    events: int
    feedback: int


def parse_age(text: str) -> timedelta:
    """'24h', '90d', '12w' or '6m' (months of 30 days)."""
    match = re.fullmatch(r"\s*(\d+)\s*([hdwm])\s*", text)
    if not match:
        raise ValueError(f"ukendt periode '{text}': brug fx 90d, 12w eller 6m")
    number, unit = int(match.group(1)), match.group(2)
    if unit == "h":
        return timedelta(hours=number)
    return timedelta(days=number * {"d": 1, "w": 7, "m": 30}[unit])


def purge(tracker_engine: Engine, feedback_engine: Engine, older_than: timedelta,
          now: datetime | None = None) -> PurgeResult:
    """Delete tracker events and feedback from before ``now - older_than`` (``now`` defaults to the present).

    A tracker database without Rasa's ``events`` table (Rasa has not run yet) is left alone. The cutoff
    applies to each event, not to whole conversations, so a conversation that spans it loses only its
    older part.
    """
    cutoff = (now or datetime.now(timezone.utc)) - older_than
    events = 0
    if sa.inspect(tracker_engine).has_table("events"):
        with tracker_engine.begin() as conn:
            events = conn.execute(sa.delete(EVENTS).where(EVENTS.c.timestamp < cutoff.timestamp())).rowcount
    t.metadata.create_all(feedback_engine)
    with feedback_engine.begin() as conn:
        feedback = conn.execute(sa.delete(t.feedback).where(t.feedback.c.created_at < cutoff)).rowcount
    return PurgeResult(events or 0, feedback or 0)
