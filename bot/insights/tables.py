"""Tables for feedback, next to the knowledge tables (same database, never replaced by a knowledge load)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Boolean, Column, DateTime, Integer, MetaData, String, Table, Text

from bot.settings import get_settings


def tracker_db_url() -> str:
    """Where Rasa's tracker store keeps conversations: TRACKER_DB_URL, default the SQLite file var/tracker.db."""
    return get_settings().tracker_db_url


# Rasa's own tracker-store table (rasa.core.tracker_store.SQLTrackerStore), read and pruned by the report, the
# retention purge and a data subject's export/delete; never created here.
EVENTS = sa.table("events", sa.column("id", sa.Integer), sa.column("sender_id", sa.String),
                  sa.column("type_name", sa.String), sa.column("timestamp", sa.Float), sa.column("data", sa.Text))

metadata = MetaData()

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("sender_id", String(255), nullable=False),
    Column("channel", String(100), nullable=False),
    Column("question", Text),                 # the question the answer was for (masked)
    Column("unit_id", String(200)),           # the knowledge unit that was answered
    Column("knowledge_version", String(64)),  # the knowledge version the answer came from
    Column("helpful", Boolean, nullable=False),
    Column("comment", Text),                  # free text such as "det var ikke det jeg spurgte om" (masked)
)
