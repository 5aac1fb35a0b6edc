"""A ``KnowledgeRepository`` held in memory, built from the knowledge files without a database.

The unit tests run the search, the answering and the actions over it (as cosmicpython's fake repository
does), so they need no database; the integration tests check that ``SqlKnowledgeRepository`` over SQLite
and PostgreSQL returns the same content. Its order is the database's: units by position, organisations by
id.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from typing_extensions import override

from bot.core.model import Document, KnowledgeSet, Organisation, Snapshot, Unit
from bot.knowledge import embeddings
from bot.knowledge.loader import load_knowledge
from bot.knowledge.publish import KNOWLEDGE_DIR, compute_embeddings, example_vectors
from bot.knowledge.repository import TreeReads


class InMemoryKnowledgeRepository(TreeReads):
    """The same reads as ``SqlKnowledgeRepository`` over one ``KnowledgeSet`` (and optional vectors)."""

    def __init__(self, knowledge: KnowledgeSet, vectors: dict[str, bytes] | None = None,
                 example_rows: list[bytes] | None = None) -> None:
        self._knowledge = knowledge
        self._units = tuple(sorted(knowledge.units, key=lambda u: u.position))
        self._by_id = {u.id: u for u in self._units}
        self._vectors = {key: np.frombuffer(value, dtype=np.float32) for key, value in (vectors or {}).items()}
        self._example_rows = example_rows or []

    @classmethod
    def from_directory(cls, directory: Path = KNOWLEDGE_DIR,
                       with_embeddings: bool = True) -> InMemoryKnowledgeRepository:
        """Load and validate the knowledge files; embed them (from the cache in var/) when asked and possible."""
        knowledge = load_knowledge(directory)
        if with_embeddings and embeddings.available():
            return cls(knowledge, compute_embeddings(knowledge), example_vectors(knowledge))
        return cls(knowledge)

    def version(self) -> str:
        """The version of the knowledge files this repository was built from."""
        return self._knowledge.version

    @override
    def get(self, unit_id: str) -> Unit | None:
        return self._by_id.get(unit_id)

    @override
    def find(self, kind: str | Sequence[str] | None = None, organisation: str | None = None,
             parent: str | None = None, level: int | None = None) -> list[Unit]:
        kinds = None if kind is None else {kind} if isinstance(kind, str) else set(kind)
        return [u for u in self._units
                if (kinds is None or u.kind in kinds)
                and (organisation is None or u.organisation_id == organisation)
                and (parent is None or u.parent_id == parent)
                and (level is None or u.level == level)]

    def organisations(self) -> list[Organisation]:
        """Every organisation, by id (the database's order)."""
        return sorted(self._knowledge.organisations, key=lambda o: o.id)

    def organisation(self, organisation_id: str) -> Organisation | None:
        """The organisation with this id; None if the files have none."""
        return next((o for o in self._knowledge.organisations if o.id == organisation_id), None)

    def document(self, document_id: str) -> Document | None:
        """The document with this id; None if the files have none."""
        return next((d for d in self._knowledge.documents if d.id == document_id), None)

    def snapshot(self) -> Snapshot:
        """All content, with the vectors given at construction (none: no embedding model in the snapshot)."""
        rows = self._example_rows
        vectors = np.vstack([np.frombuffer(r, dtype=np.float32) for r in rows]) if rows else None
        model = embeddings.MODEL_NAME if self._vectors else None
        return Snapshot(self.version(), self._units, tuple(self.organisations()), self._knowledge.documents,
                        dict(self._vectors), model, self._knowledge.examples, vectors)
