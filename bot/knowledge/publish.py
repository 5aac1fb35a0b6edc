"""Validate the knowledge files and load them into the database in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy.engine import Engine

from bot.core.model import KnowledgeSet
from bot.core.passages import passage_unit, passages_of
from bot.core.search import passage_text
from bot.knowledge import embeddings
from bot.knowledge.loader import load_knowledge
from bot.knowledge.store import replace_knowledge

PROJECT_ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE_DIR = PROJECT_ROOT / "knowledge"
EMBEDDING_CACHE = PROJECT_ROOT / "var" / "embedding-cache.npz"
EXAMPLE_CACHE = PROJECT_ROOT / "var" / "example-cache.npz"


@dataclass(frozen=True)
class LoadResult:
    """What ``load_into`` stored: the new version, its unit and document counts, whether vectors came with it."""

    version: str
    units: int
    documents: int
    embedded: bool


def compute_embeddings(knowledge: KnowledgeSet, cache_path: Path = EMBEDDING_CACHE) -> dict[str, bytes]:
    """Passage embeddings for every unit and each of its items and sentences (``bot.core.passages``).

    A local cache keyed by the passage text is reused, so a publish embeds only what changed.
    """
    by_id = {u.id: u for u in knowledge.units}
    passages = {u.id: passage_text(u, by_id.get(u.parent_id or "")) for u in knowledge.units}
    for unit in knowledge.units:
        for passage in passages_of(unit):
            passages[passage.id] = passage_text(passage_unit(unit, passage), unit)
    ids = list(passages)
    matrix = embeddings.cached([passages[uid] for uid in ids], embeddings.embed_passages, cache_path)
    return {uid: row.astype(np.float32).tobytes() for uid, row in zip(ids, matrix, strict=True)}


def example_vectors(knowledge: KnowledgeSet, cache_path: Path = EXAMPLE_CACHE) -> list[bytes]:
    """Query embeddings of the example questions (compared with the leader's question, query to query)."""
    texts = [e.text for e in knowledge.examples]
    matrix = embeddings.cached(texts, embeddings.embed_queries, cache_path)
    return [row.astype(np.float32).tobytes() for row in matrix] if texts else []


def load_into(engine: Engine, directory: Path = KNOWLEDGE_DIR, with_embeddings: bool | None = None) -> LoadResult:
    """Validate then replace; raises KnowledgeError (nothing written) when a file is invalid."""
    return store(engine, load_knowledge(directory), with_embeddings)


def store(engine: Engine, knowledge: KnowledgeSet, with_embeddings: bool | None = None) -> LoadResult:
    """Replace the database's knowledge with ``knowledge`` (already validated), with its vectors."""
    use_embeddings = embeddings.available() if with_embeddings is None else with_embeddings
    vectors = compute_embeddings(knowledge) if use_embeddings else None
    examples = example_vectors(knowledge) if use_embeddings else None
    replace_knowledge(engine, knowledge, vectors, embeddings.MODEL_NAME if vectors else None, examples)
    return LoadResult(knowledge.version, len(knowledge.units), len(knowledge.documents), bool(vectors))


@dataclass(frozen=True)
class Vanished:
    """A unit the live knowledge has and the files no longer do: renamed or removed."""

    unit_id: str
    title: str
    feedback: int  # leaders' feedback rows that point at it (the report will show them without a unit)


def vanished_units(engine: Engine, knowledge: KnowledgeSet) -> list[Vanished]:
    """The live units missing from ``knowledge``, with how much feedback refers to each.

    A renamed id passes every check of the files themselves; only against what is published does it show.
    An unreadable or empty database gives an empty list: there is nothing to compare with.
    """
    from sqlalchemy import func, select

    from bot.insights import tables as feedback_tables
    from bot.knowledge.repository import KnowledgeUnavailable, SqlKnowledgeRepository

    try:
        live = SqlKnowledgeRepository(engine).find()
    except KnowledgeUnavailable:
        return []
    kept = {u.id for u in knowledge.units}
    gone = [u for u in live if u.id not in kept]
    counts: dict[str, int] = {}
    if gone:
        fb = feedback_tables.feedback
        try:
            with engine.connect() as conn:
                rows = conn.execute(select(fb.c.unit_id, func.count()).where(
                    fb.c.unit_id.in_([u.id for u in gone])).group_by(fb.c.unit_id)).all()
            counts = {str(r[0]): int(r[1]) for r in rows}
        except Exception:  # no feedback table yet: nothing refers to the unit
            counts = {}
    return [Vanished(u.id, u.title, counts.get(u.id, 0)) for u in gone]
