"""Typed read access to the knowledge base. Actions use this, never SQL."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import Protocol

import numpy as np
from sqlalchemy import select
from sqlalchemy.engine import Engine, Row

from bot.core.model import Document, ExampleQuestion, Organisation, Snapshot, Unit
from bot.core.passages import passage_id
from bot.knowledge import tables as t


class KnowledgeUnavailable(Exception):
    """The knowledge database cannot be read (missing, empty or unreachable)."""


class KnowledgeRepository(Protocol):
    def version(self) -> str: ...
    def get(self, unit_id: str) -> Unit | None: ...
    def find(
        self,
        kind: str | Sequence[str] | None = None,
        organisation: str | None = None,
        parent: str | None = None,
        level: int | None = None,
    ) -> list[Unit]: ...
    def children(self, unit_id: str) -> list[Unit]: ...
    def siblings(self, unit_id: str) -> list[Unit]: ...
    def level_description(self, pejlemaerke_id: str, level: int) -> Unit | None: ...
    def organisation(self, organisation_id: str) -> Organisation | None: ...
    def organisations(self) -> list[Organisation]: ...
    def document(self, document_id: str) -> Document | None: ...
    def snapshot(self) -> Snapshot: ...


class SqlKnowledgeRepository:
    """KnowledgeRepository over SQLAlchemy Core; the same code serves SQLite and PostgreSQL."""

    def __init__(self, engine: Engine):
        self._engine = engine
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None

    # -- reading rows -------------------------------------------------------------
    def _query_units(self, where: Iterable = ()) -> list[Unit]:
        stmt = select(t.units)
        for clause in where:
            stmt = stmt.where(clause)
        stmt = stmt.order_by(t.units.c.position)
        try:
            with self._engine.connect() as conn:
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
        except Exception as exc:
            raise KnowledgeUnavailable(str(exc)) from exc
        return [_unit(row, items[row.id]) for row in rows]

    def version(self) -> str:
        try:
            with self._engine.connect() as conn:
                value = conn.execute(
                    select(t.knowledge_version.c.version).order_by(t.knowledge_version.c.id.desc()).limit(1)
                ).scalar_one_or_none()
        except Exception as exc:
            raise KnowledgeUnavailable(str(exc)) from exc
        if value is None:
            raise KnowledgeUnavailable("the knowledge base is empty; run `python -m bot knowledge load`")
        return str(value)

    def get(self, unit_id: str) -> Unit | None:
        found = self._query_units([t.units.c.id == unit_id])
        return found[0] if found else None

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

    def children(self, unit_id: str) -> list[Unit]:
        return self.find(parent=unit_id)

    def siblings(self, unit_id: str) -> list[Unit]:
        unit = self.get(unit_id)
        if unit is None or unit.parent_id is None:
            return []
        return [u for u in self.children(unit.parent_id) if u.id != unit_id]

    def level_description(self, pejlemaerke_id: str, level: int) -> Unit | None:
        found = self.find(kind="level_description", parent=pejlemaerke_id, level=level)
        return found[0] if found else None

    def organisations(self) -> list[Organisation]:
        try:
            with self._engine.connect() as conn:
                rows = conn.execute(select(t.organisations).order_by(t.organisations.c.id)).all()
        except Exception as exc:
            raise KnowledgeUnavailable(str(exc)) from exc
        return [Organisation(r.id, r.name, r.full_name, tuple(r.synonyms or ())) for r in rows]

    def organisation(self, organisation_id: str) -> Organisation | None:
        return next((o for o in self.organisations() if o.id == organisation_id), None)

    def document(self, document_id: str) -> Document | None:
        try:
            with self._engine.connect() as conn:
                row = conn.execute(select(t.documents).where(t.documents.c.id == document_id)).first()
        except Exception as exc:
            raise KnowledgeUnavailable(str(exc)) from exc
        return _document(row) if row is not None else None

    def snapshot(self) -> Snapshot:
        """All content of the current version; re-read only when the version changed."""
        version = self.version()
        with self._lock:
            if self._snapshot is not None and self._snapshot.version == version:
                return self._snapshot
            units = tuple(self._query_units())
            try:
                with self._engine.connect() as conn:
                    docs = tuple(_document(r) for r in conn.execute(select(t.documents)).all())
                    emb_rows = conn.execute(select(t.unit_embeddings)).all()
                    passage_rows = conn.execute(select(t.passage_embeddings)).all()
                    example_rows = conn.execute(select(t.example_questions).order_by(t.example_questions.c.id)).all()
                    model = conn.execute(
                        select(t.knowledge_version.c.embedding_model)
                        .order_by(t.knowledge_version.c.id.desc()).limit(1)
                    ).scalar_one_or_none()
            except Exception as exc:
                raise KnowledgeUnavailable(str(exc)) from exc
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


def _document(row: Row) -> Document:
    return Document(row.id, row.organisation_id, row.title, row.source_title, row.source_file, row.path, row.year)
