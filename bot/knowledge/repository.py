"""Typed read access to the knowledge base. Actions use this, never SQL."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Protocol

import numpy as np
from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine, Row
from typing_extensions import override

from bot.core.model import Document, ExampleQuestion, Organisation, Snapshot, Unit
from bot.core.passages import passage_id
from bot.knowledge import tables as t
from bot.names import UnitKind


class KnowledgeUnavailable(Exception):
    """The knowledge database cannot be read (missing, empty or unreachable)."""


class KnowledgeRepository(Protocol):
    """What the actions and the knowledge service read from the knowledge base.

    ``SqlKnowledgeRepository`` implements it, and ``InMemoryKnowledgeRepository`` for tests without a database.
    Any read of the database-backed one may raise ``KnowledgeUnavailable``.
    """

    def version(self) -> str:
        """The loaded knowledge version; a new value means new content (and a new ``snapshot``)."""

    def get(self, unit_id: str) -> Unit | None:
        """The unit with this id; None if there is none."""

    def find(
        self,
        kind: str | Sequence[str] | None = None,
        organisation: str | None = None,
        parent: str | None = None,
        level: int | None = None,
    ) -> list[Unit]:
        """The units matching every filter given, by position; ``kind`` may be one kind or several."""

    def children(self, unit_id: str) -> list[Unit]:
        """The units whose parent is ``unit_id``, by position."""

    def siblings(self, unit_id: str) -> list[Unit]:
        """The other children of the unit's parent; none for a top-level or unknown unit."""

    def level_description(self, pejlemaerke_id: str, level: int) -> Unit | None:
        """The pejlemærke's description of ``level`` (1 or 2); None if it has none."""

    def organisation(self, organisation_id: str) -> Organisation | None:
        """The organisation with this id; None if there is none."""

    def organisations(self) -> list[Organisation]:
        """Every organisation, by id."""

    def document(self, document_id: str) -> Document | None:
        """The document with this id; None if there is none."""

    def snapshot(self) -> Snapshot:
        """All content of the current version at once, for building the search index."""


class TreeReads(ABC):
    """The reads that follow from ``get`` and ``find``, shared by every repository (SQL and in-memory)."""

    @abstractmethod
    def get(self, unit_id: str) -> Unit | None:
        """The unit with this id; None if there is none."""

    @abstractmethod
    def find(self, kind: str | Sequence[str] | None = None, organisation: str | None = None,
             parent: str | None = None, level: int | None = None) -> list[Unit]:
        """The units matching every filter given, by position; ``kind`` may be one kind or several."""

    def children(self, unit_id: str) -> list[Unit]:
        """The units whose parent is ``unit_id``, by position."""
        return self.find(parent=unit_id)

    def siblings(self, unit_id: str) -> list[Unit]:
        """The other children of the unit's parent; none for a top-level or unknown unit."""
        unit = self.get(unit_id)
        if unit is None or unit.parent_id is None:
            return []
        return [u for u in self.children(unit.parent_id) if u.id != unit_id]

    def level_description(self, pejlemaerke_id: str, level: int) -> Unit | None:
        """The pejlemærke's description of ``level`` (1 or 2); None if it has none."""
        found = self.find(kind=UnitKind.LEVEL_DESCRIPTION, parent=pejlemaerke_id, level=level)
        return found[0] if found else None


class SqlKnowledgeRepository(TreeReads):
    """KnowledgeRepository over SQLAlchemy Core; the same code serves SQLite and PostgreSQL."""

    def __init__(self, engine: Engine):
        self._engine = engine
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        """A connection whose every failure (missing file, server down, no tables) is KnowledgeUnavailable.

        That is the one error the actions turn into the Danish apology.
        """
        try:
            with self._engine.connect() as conn:
                yield conn
        except KnowledgeUnavailable:
            raise
        except Exception as exc:
            raise KnowledgeUnavailable(str(exc)) from exc

    # -- reading rows -------------------------------------------------------------
    def _query_units(self, where: Iterable = ()) -> list[Unit]:
        stmt = select(t.units)
        for clause in where:
            stmt = stmt.where(clause)
        stmt = stmt.order_by(t.units.c.position)
        with self._reading() as conn:
            rows = conn.execute(stmt).all()
            ids = [r.id for r in rows]
            items: dict[str, list[str]] = {uid: [] for uid in ids}
            if ids:
                item_rows = conn.execute(
                    select(t.unit_items)
                    .where(t.unit_items.c.unit_id.in_(ids))
                    .order_by(t.unit_items.c.unit_id, t.unit_items.c.position)
                ).all()
                for item in item_rows:
                    items[item.unit_id].append(item.text)
        return [_unit(row, items[row.id]) for row in rows]

    def version(self) -> str:
        """The newest loaded version; raises ``KnowledgeUnavailable`` when none was loaded or none can be read."""
        with self._reading() as conn:
            value = conn.execute(
                select(t.knowledge_version.c.version).order_by(t.knowledge_version.c.id.desc()).limit(1)
            ).scalar_one_or_none()
        if value is None:
            raise KnowledgeUnavailable("the knowledge base is empty; run `python -m bot knowledge load`")
        return str(value)

    @override
    def get(self, unit_id: str) -> Unit | None:
        found = self._query_units([t.units.c.id == unit_id])
        return found[0] if found else None

    @override
    def find(
        self,
        kind: str | Sequence[str] | None = None,
        organisation: str | None = None,
        parent: str | None = None,
        level: int | None = None,
    ) -> list[Unit]:
        where = []
        if kind is not None:
            kinds = [kind] if isinstance(kind, str) else list(kind)
            where.append(t.units.c.kind.in_(kinds))
        if organisation is not None:
            where.append(t.units.c.organisation_id == organisation)
        if parent is not None:
            where.append(t.units.c.parent_id == parent)
        if level is not None:
            where.append(t.units.c.level == level)
        return self._query_units(where)

    def organisations(self) -> list[Organisation]:
        """Every organisation, by id."""
        with self._reading() as conn:
            rows = conn.execute(select(t.organisations).order_by(t.organisations.c.id)).all()
        return [_organisation(r) for r in rows]

    def organisation(self, organisation_id: str) -> Organisation | None:
        """The organisation with this id; None if there is none."""
        with self._reading() as conn:
            row = conn.execute(select(t.organisations).where(t.organisations.c.id == organisation_id)).first()
        return _organisation(row) if row is not None else None

    def document(self, document_id: str) -> Document | None:
        """The document with this id; None if there is none."""
        with self._reading() as conn:
            row = conn.execute(select(t.documents).where(t.documents.c.id == document_id)).first()
        return _document(row) if row is not None else None

    def snapshot(self) -> Snapshot:
        """All content of the current version; re-read only when the version changed."""
        version = self.version()
        with self._lock:
            if self._snapshot is not None and self._snapshot.version == version:
                return self._snapshot
            units = tuple(self._query_units())
            with self._reading() as conn:
                docs = tuple(_document(r) for r in conn.execute(select(t.documents)).all())
                emb_rows = conn.execute(select(t.unit_embeddings)).all()
                passage_rows = conn.execute(select(t.passage_embeddings)).all()
                example_rows = conn.execute(select(t.example_questions).order_by(t.example_questions.c.id)).all()
                model = conn.execute(
                    select(t.knowledge_version.c.embedding_model)
                    .order_by(t.knowledge_version.c.id.desc()).limit(1)
                ).scalar_one_or_none()
            embeddings = {r.unit_id: np.frombuffer(r.vector, dtype=np.float32) for r in emb_rows}
            embeddings.update({passage_id(r.unit_id, r.position): np.frombuffer(r.vector, dtype=np.float32)
                               for r in passage_rows})
            examples = tuple(ExampleQuestion(r.unit_id, r.position, r.text) for r in example_rows)
            vectors = (np.vstack([np.frombuffer(r.vector, dtype=np.float32) for r in example_rows])
                       if example_rows and all(r.vector for r in example_rows) else None)
            self._snapshot = Snapshot(version, units, tuple(self.organisations()), docs, embeddings, model,
                                      examples, vectors)
            return self._snapshot


def _unit(row: Row, items: list[str]) -> Unit:
    return Unit(
        id=row.id, kind=row.kind, title=row.title, document_id=row.document_id,
        organisation_id=row.organisation_id, position=row.position, text=row.text,
        items=tuple(items), parent_id=row.parent_id, level=row.level, label=row.label,
        headline=row.headline, speaker=row.speaker, page=row.page,
        synonyms=tuple(row.synonyms or ()), keywords=tuple(row.keywords or ()),
        section_path=tuple(row.section_path or ()),
    )


def _organisation(row: Row) -> Organisation:
    return Organisation(row.id, row.name, row.full_name, tuple(row.synonyms or ()), bool(row.shared))


def _document(row: Row) -> Document:
    return Document(row.id, row.organisation_id, row.title, row.source_title, row.source_file, row.path, row.year)
