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
    knowledge = load_knowledge(directory)
    use_embeddings = embeddings.available() if with_embeddings is None else with_embeddings
    vectors = compute_embeddings(knowledge) if use_embeddings else None
    examples = example_vectors(knowledge) if use_embeddings else None
    replace_knowledge(engine, knowledge, vectors, embeddings.MODEL_NAME if vectors else None, examples)
    return LoadResult(knowledge.version, len(knowledge.units), len(knowledge.documents), bool(vectors))
