"""Store and read leaders' feedback on answers (actions use this, never SQL)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from bot.core.privacy import mask
from bot.insights import tables as t
from bot.knowledge.db import as_utc


@dataclass(frozen=True)
class Feedback:
    """One leader's verdict on one answer, with the question, unit and knowledge version it was about.

    ``comment`` is the leader's own words when they typed instead of pressing a button. Read back from the
    database, question and comment are masked and ``created_at`` is timezone-aware.
    """

    created_at: datetime
    sender_id: str
    channel: str
    question: str | None
    unit_id: str | None
    knowledge_version: str | None
    helpful: bool
    comment: str | None = None


class FeedbackRepository:
    """The feedback table in one database, created on first use; :func:`feedback_repository` shares one per URL."""

    def __init__(self, engine: Engine):
        self._engine = engine
        self._ready = False

    def _ensure_table(self) -> None:
        if not self._ready:
            t.metadata.create_all(self._engine)
            self._ready = True

    def record(self, feedback: Feedback) -> None:
        """Store one piece of feedback; question and comment are masked before they are written."""
        self._ensure_table()
        with self._engine.begin() as conn:
            conn.execute(insert(t.feedback).values(
                created_at=feedback.created_at, sender_id=feedback.sender_id, channel=feedback.channel,
                question=mask(feedback.question), unit_id=feedback.unit_id,
                knowledge_version=feedback.knowledge_version, helpful=feedback.helpful,
                comment=mask(feedback.comment),
            ))

    def between(self, start: datetime, end: datetime) -> list[Feedback]:
        """The feedback given from ``start`` (inclusive) to ``end`` (exclusive), oldest first."""
        self._ensure_table()
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(t.feedback).where(t.feedback.c.created_at >= start, t.feedback.c.created_at < end)
                .order_by(t.feedback.c.created_at)
            ).all()
        return [Feedback(as_utc(r.created_at), r.sender_id, r.channel, r.question, r.unit_id, r.knowledge_version,
                         bool(r.helpful), r.comment) for r in rows]


def feedback_repository() -> FeedbackRepository:
    """Feedback lives in the knowledge database (KNOWLEDGE_DB_URL), in its own table."""
    from bot.knowledge.db import database_url, engine_for

    url = database_url()
    if url not in _repositories:
        _repositories[url] = FeedbackRepository(engine_for(url))
    return _repositories[url]


_repositories: dict[str, FeedbackRepository] = {}
