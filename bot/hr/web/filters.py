"""How the templates say things in Danish: dates, statuses, roles, field and kind names."""

from __future__ import annotations

from datetime import date, datetime, timezone, tzinfo
from typing import Any

from flask import Flask

from bot.hr.accounts import Role
from bot.hr.changes import ChangeStatus
from bot.hr.web.forms import FIELD_NAMES, kind_name
from bot.insights.insight import channel_name

MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
          "november", "december")
STATUS_NAMES = {
    ChangeStatus.DRAFT: "Kladde", ChangeStatus.PROPOSED: "Til godkendelse", ChangeStatus.APPROVED: "Godkendt",
    ChangeStatus.PUBLISHED: "Udgivet", ChangeStatus.REJECTED: "Afvist",
}
CHANGE_NAMES = {"ændret": "Ændret", "tilføjet": "Tilføjet", "fjernet": "Fjernet"}


def _danish_time() -> tzinfo:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Europe/Copenhagen")
    except Exception:  # no time zone data in a slim image: UTC, and the page says so
        return timezone.utc


LOCAL = _danish_time()


def when(moment: datetime | None) -> str:
    """``4. december 2026 kl. 13.05`` in Danish time (the database keeps UTC; SQLite forgets the zone)."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    local = moment.astimezone(LOCAL)
    suffix = " (UTC)" if LOCAL is timezone.utc else ""
    return f"{local.day}. {MONTHS[local.month - 1]} {local.year} kl. {local:%H.%M}{suffix}"


def day(value: date | datetime) -> str:
    """``4. december 2026``; a moment is shown as its day in Danish time."""
    if isinstance(value, datetime):
        value = (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(LOCAL).date()
    return f"{value.day}. {MONTHS[value.month - 1]} {value.year}"


def status_name(status: ChangeStatus | str) -> str:
    """A change's status as HR says it."""
    return STATUS_NAMES.get(ChangeStatus(status), str(status))


def role_name(role: Role | str) -> str:
    """A role as HR says it."""
    return "Godkender" if Role(role) is Role.APPROVER else "Redaktør"


def field_name(name: str) -> str:
    """A unit field's Danish name ("text" → "Tekst")."""
    return FIELD_NAMES.get(name, name)


def hours_text(hours: float) -> str:
    """``8 timer``, ``1 time``, ``1,5 timer``."""
    number = f"{hours:g}".replace(".", ",")
    return f"{number} time" if hours == 1 else f"{number} timer"


def register(app: Flask) -> None:
    """Make the filters available to every template."""
    filters: dict[str, Any] = {
        "when": when, "status_name": status_name, "role_name": role_name, "field_name": field_name,
        "kind_name": kind_name, "change_name": lambda c: CHANGE_NAMES.get(c, c), "day": day,
        "channel_name": channel_name,
    }
    app.jinja_env.filters.update(filters)
