"""Drafts, approval, publishing, history and rollback of knowledge changes made in the workbench.

A change holds only the files it edits, each with the text it started from. Publishing checks that those
files on disk are still that text (an edit made meanwhile in git is a conflict, never overwritten), checks the
whole knowledge with the same rules as ``knowledge check``, writes the files, and loads them in one
transaction exactly as ``python -m bot knowledge publish`` does, so the running bot answers from the new
version within seconds. Every publish is a version with the full files, so any version can be restored (as
a new version). With ``require_approval`` a *godkender* other than the author must approve first.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine, Row

from bot.core.model import KnowledgeSet, Unit
from bot.hr import tables as t
from bot.hr import workspace as ws
from bot.hr.accounts import Account
from bot.knowledge.loader import Problem
from bot.knowledge.publish import load_into


class ChangeStatus(str, Enum):
    """Where a change is on its way to the bot."""

    DRAFT = "kladde"
    PROPOSED = "foreslaaet"
    APPROVED = "godkendt"
    PUBLISHED = "udgivet"
    REJECTED = "afvist"


class ChangeError(Exception):
    """A step the change cannot take now; the message is Danish, for HR."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


@dataclass(frozen=True)
class Change:
    """One change as HR sees it."""

    id: int
    author: str
    comment: str
    status: ChangeStatus
    base_files: dict[str, str]
    files: dict[str, str]
    created_at: datetime
    approved_by: str | None
    published_by: str | None
    version_id: int | None


@dataclass(frozen=True)
class Version:
    """One published version: who, when, why, and what changed, in words rather than YAML."""

    id: int
    published_at: datetime
    published_by: str
    comment: str
    knowledge_version: str
    summary: list[dict[str, Any]]
    rollback_of: int | None


def _now() -> datetime:
    return datetime.now(timezone.utc)


class ChangeDesk:
    """The workflow over the knowledge directory and database the bot reads."""

    def __init__(self, engine: Engine, directory: Path, require_approval: bool = True,
                 after_publish: Callable[[Path], object] | None = None, clock: Callable[[], datetime] = _now):
        self._engine = engine
        self.directory = directory
        self.require_approval = require_approval
        self._after_publish = after_publish
        self._clock = clock
        t.metadata.create_all(engine)

    # -- drafts -----------------------------------------------------------------------------------------
    def current_files(self) -> ws.Files:
        """The knowledge files as they are on disk now (what the bot was last published from)."""
        return ws.read_files(self.directory)

    def working_files(self, change: Change | None) -> ws.Files:
        """The files as the draft sees them: today's files with the draft's edits on top."""
        return {**self.current_files(), **(change.files if change else {})}

    def save_draft(self, author: Account, edited: Mapping[str, str], change_id: int | None = None,
                   comment: str = "") -> Change:
        """Keep edited files as (part of) a draft; only files that differ from today's are stored."""
        current = self.current_files()
        change = self.get(change_id) if change_id is not None else None
        if change is not None and change.status not in (ChangeStatus.DRAFT, ChangeStatus.REJECTED):
            raise ChangeError("Ændringen er sendt videre og kan ikke redigeres. Start en ny kladde.")
        files = {**(change.files if change else {}), **edited}
        files = {p: text for p, text in files.items() if current.get(p) != text}
        base = {p: current.get(p, "") for p in files}
        if change is not None:
            base = {p: change.base_files.get(p, base[p]) for p in files}
        now = self._clock()
        values = {"files": json.dumps(files, ensure_ascii=False), "base_files": json.dumps(base, ensure_ascii=False),
                  "updated_at": now, "status": ChangeStatus.DRAFT.value}
        if comment:
            values["comment"] = comment
        with self._engine.begin() as conn:
            if change is None:
                change_id = conn.execute(insert(t.changes).values(
                    author=author.username, created_at=now, comment=comment, **values)).inserted_primary_key[0]
            else:
                conn.execute(update(t.changes).where(t.changes.c.id == change.id).values(**values))
        return self._must_get(int(change_id or 0))

    def open_draft(self, user: Account) -> Change | None:
        """The user's open draft (one per user: the workbench puts every edit of theirs in it), if any."""
        drafts = [c for c in self.changes(ChangeStatus.DRAFT) if c.author == user.username]
        return drafts[0] if drafts else None

    def discard(self, change_id: int, user: Account) -> None:
        """Throw away a draft (or a rejected change) nobody else has seen approved; only its author may."""
        change = self._must_get(change_id)
        if change.author != user.username:
            raise ChangeError("Kun forfatteren kan kassere sin kladde.")
        if change.status not in (ChangeStatus.DRAFT, ChangeStatus.REJECTED):
            raise ChangeError("Kun en kladde eller en afvist ændring kan kasseres.")
        with self._engine.begin() as conn:
            conn.execute(delete(t.changes).where(t.changes.c.id == change.id))

    def check(self, change: Change) -> tuple[KnowledgeSet | None, list[Problem]]:
        """The draft's knowledge, or its problems in plain Danish with file and line."""
        return ws.check(self.working_files(change))

    # -- the four-eyes workflow ---------------------------------------------------------------------------
    def propose(self, change_id: int, user: Account, comment: str) -> Change:
        """Send the author's own draft to approval; refused while ``check`` finds problems or nothing changes."""
        change = self._must_get(change_id)
        if change.author != user.username:
            raise ChangeError("Kun forfatteren kan sende sin kladde til godkendelse.")
        self._require_valid(change)
        return self._set(change, ChangeStatus.PROPOSED, comment=comment or change.comment)

    def approve(self, change_id: int, user: Account) -> Change:
        """A godkender's approval of a proposed change; with ``require_approval`` never the author's own."""
        change = self._must_get(change_id)
        if not user.may_approve:
            raise ChangeError("Kun en godkender kan godkende ændringer.")
        if change.status is not ChangeStatus.PROPOSED:
            raise ChangeError("Kun en foreslået ændring kan godkendes.")
        if self.require_approval and change.author == user.username:
            raise ChangeError("Du kan ikke godkende din egen ændring: en anden godkender skal se den.")
        return self._set(change, ChangeStatus.APPROVED, approved_by=user.username, approved_at=self._clock())

    def reject(self, change_id: int, user: Account) -> Change:
        """Send a proposed or approved change back to its author, who may open it again as a draft."""
        if not user.may_approve:
            raise ChangeError("Kun en godkender kan afvise ændringer.")
        change = self._must_get(change_id)
        if change.status not in (ChangeStatus.PROPOSED, ChangeStatus.APPROVED):
            raise ChangeError("Kun en foreslået eller godkendt ændring kan afvises.")
        return self._set(change, ChangeStatus.REJECTED)

    def publish(self, change_id: int, user: Account) -> Version:
        """Write and load an approved change (or, without required approval, a proposed one)."""
        change = self._must_get(change_id)
        if not user.may_approve:
            raise ChangeError("Kun en godkender kan udgive.")
        ready = (ChangeStatus.APPROVED,) if self.require_approval else (ChangeStatus.APPROVED, ChangeStatus.PROPOSED)
        if change.status not in ready:
            raise ChangeError("Ændringen skal godkendes, før den kan udgives.")
        self._require_no_conflict(change)
        version = self._publish_files(self.working_files(change), user, change.comment, change_id=change.id)
        self._set(change, ChangeStatus.PUBLISHED, published_by=user.username, published_at=self._clock(),
                  version_id=version.id)
        return version

    def rollback(self, version_id: int, user: Account) -> Version:
        """Publish an earlier version's files again, as a new version (a godkender's one click)."""
        if not user.may_approve:
            raise ChangeError("Kun en godkender kan rulle tilbage.")
        with self._engine.connect() as conn:
            row = conn.execute(select(t.versions).where(t.versions.c.id == version_id)).first()
        if row is None:
            raise ChangeError(f"Version {version_id} findes ikke.")
        comment = f"Rullet tilbage til version {version_id}"
        return self._publish_files(json.loads(row.files), user, comment, rollback_of=version_id)

    # -- reading --------------------------------------------------------------------------------------------
    def get(self, change_id: int | None) -> Change | None:
        """The change with this id, or None."""
        if change_id is None:
            return None
        with self._engine.connect() as conn:
            row = conn.execute(select(t.changes).where(t.changes.c.id == change_id)).first()
        return _change(row) if row is not None else None

    def changes(self, *statuses: ChangeStatus) -> list[Change]:
        """The changes with these statuses (all without any), most recently updated first."""
        stmt = select(t.changes).order_by(t.changes.c.updated_at.desc())
        if statuses:
            stmt = stmt.where(t.changes.c.status.in_([s.value for s in statuses]))
        with self._engine.connect() as conn:
            return [_change(r) for r in conn.execute(stmt).all()]

    def versions(self) -> list[Version]:
        """Every published version, newest first."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(t.versions).order_by(t.versions.c.id.desc())).all()
        return [_version(r) for r in rows]

    # -- steps ------------------------------------------------------------------------------------------------
    def _must_get(self, change_id: int) -> Change:
        change = self.get(change_id)
        if change is None:
            raise ChangeError(f"Ændring {change_id} findes ikke.")
        return change

    def _set(self, change: Change, status: ChangeStatus, **values: Any) -> Change:
        with self._engine.begin() as conn:
            conn.execute(update(t.changes).where(t.changes.c.id == change.id).values(
                status=status.value, updated_at=self._clock(), **values))
        return self._must_get(change.id)

    def _require_valid(self, change: Change) -> KnowledgeSet:
        knowledge, problems = self.check(change)
        if knowledge is None:
            raise ChangeError("Ændringen har fejl, der skal rettes først.", problems)
        if not change.files:
            raise ChangeError("Kladden ændrer ikke noget.")
        return knowledge

    def _require_no_conflict(self, change: Change) -> None:
        current = self.current_files()
        moved = sorted(p for p, base in change.base_files.items() if current.get(p, "") != base)
        if moved:
            raise ChangeError("Filerne er ændret siden kladden blev startet (" + ", ".join(moved)
                              + "). Start en ny kladde ud fra den nuværende tekst.")

    def _publish_files(self, files: Mapping[str, str], user: Account, comment: str,
                       change_id: int | None = None, rollback_of: int | None = None) -> Version:
        before_files = self.current_files()
        before, _ = ws.check(before_files)
        after, problems = ws.check(files)
        if after is None:
            raise ChangeError("Versionen har fejl og kan ikke udgives.", problems)
        if not self.versions():  # the files as they were before the first publish can be restored too
            self._record(before_files, "system", "Udgangspunkt før første udgivelse", before, None, None, None)
        ws.write_files(self.directory, files)
        try:
            result = load_into(self._engine, self.directory)
        except Exception:
            ws.write_files(self.directory, before_files)  # nothing half-loaded: the old files stay live
            raise
        if self._after_publish is not None:
            self._after_publish(self.directory)
        return self._record(dict(files), user.username, comment, after, before, change_id, rollback_of,
                            knowledge_version=result.version)

    def _record(self, files: Mapping[str, str], who: str, comment: str, after: KnowledgeSet | None,
                before: KnowledgeSet | None, change_id: int | None, rollback_of: int | None,
                knowledge_version: str | None = None) -> Version:
        summary = summarise(before, after) if before is not None and after is not None else []
        with self._engine.begin() as conn:
            version_id = conn.execute(insert(t.versions).values(
                published_at=self._clock(), published_by=who, comment=comment,
                knowledge_version=knowledge_version or (after.version if after else ""),
                files=json.dumps(dict(files), ensure_ascii=False), summary=json.dumps(summary, ensure_ascii=False),
                change_id=change_id, rollback_of=rollback_of)).inserted_primary_key[0]
            row = conn.execute(select(t.versions).where(t.versions.c.id == version_id)).one()
        return _version(row)


SUMMARY_FIELDS = ("title", "headline", "text", "items", "synonyms", "keywords", "level")


def summarise(before: KnowledgeSet, after: KnowledgeSet) -> list[dict[str, Any]]:
    """What changed, unit by unit, in the words HR reads (not YAML): added, removed, or fields old → new."""
    old = {u.id: u for u in before.units}
    new = {u.id: u for u in after.units}
    out: list[dict[str, Any]] = []
    for unit_id in [*old, *(i for i in new if i not in old)]:
        if unit_id not in new:
            out.append({"unit": unit_id, "title": old[unit_id].title, "change": "fjernet"})
        elif unit_id not in old:
            out.append({"unit": unit_id, "title": new[unit_id].title, "change": "tilføjet",
                        "fields": _fields(new[unit_id])})
        else:
            changed = {f: [_show(getattr(old[unit_id], f)), _show(getattr(new[unit_id], f))]
                       for f in SUMMARY_FIELDS if getattr(old[unit_id], f) != getattr(new[unit_id], f)}
            if changed:
                out.append({"unit": unit_id, "title": new[unit_id].title, "change": "ændret", "fields": changed})
    return out


def _fields(unit: Unit) -> dict[str, list[str]]:
    return {f: ["", _show(getattr(unit, f))] for f in SUMMARY_FIELDS if getattr(unit, f)}


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return "\n".join(f"• {v}" for v in value)
    return "" if value is None else str(value)


def _change(row: Row) -> Change:
    return Change(row.id, row.author, row.comment or "", ChangeStatus(row.status), json.loads(row.base_files),
                  json.loads(row.files), row.created_at, row.approved_by, row.published_by, row.version_id)


def _version(row: Row) -> Version:
    return Version(row.id, row.published_at, row.published_by, row.comment or "", row.knowledge_version,
                   json.loads(row.summary), row.rollback_of)
