"""HR insight report (`python -m bot report`): what leaders asked, what the bot answered, what HR should add.

Reads the Rasa tracker store (table ``events``) and the feedback table (:mod:`bot.insights.data`); writes one
self-contained ``report.html`` (inline CSS, charts as inline PNG) and ``questions.csv`` (one row per user
question) (:mod:`bot.insights.render`).
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from bot.insights.data import collect
from bot.insights.render import render_html, write_csv


def build_report(tracker_url: str, start: datetime, end: datetime, out_dir: Path) -> tuple[Path, Path]:
    """Write the report of a period, the one step the CLI needs: read once, then write both files.

    Args:
        tracker_url: SQLAlchemy URL of Rasa's tracker store.
        start: First moment of the period (inclusive).
        end: End of the period (exclusive).
        out_dir: Where ``report.html`` and ``questions.csv`` go (created if missing; files replaced).

    Returns:
        The paths of the HTML report and of the CSV.
    """
    data = collect(tracker_url, start, end)
    out_dir.mkdir(parents=True, exist_ok=True)
    report, questions = out_dir / "report.html", out_dir / "questions.csv"
    report.write_text(render_html(data), encoding="utf-8")
    write_csv(data.questions, questions)
    return report, questions


def parse_moment(text: str) -> datetime:
    """Parse a ``--since``/``--until`` value, so the period is in UTC like the tracker store's timestamps.

    Args:
        text: ``2026-11-01`` (midnight UTC) or an ISO date-time; without a zone it is taken as UTC.

    Returns:
        A timezone-aware datetime in UTC.

    Raises:
        ValueError: The text is not an ISO date or date-time.
    """
    value = datetime.fromisoformat(text)
    return value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)
