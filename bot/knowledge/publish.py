"""Validate the knowledge files and load them into the database in one transaction."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy.engine import Engine

from bot.knowledge import embeddings
from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import KnowledgeSet
from bot.knowledge.passages import passage_unit, passages_of
from bot.knowledge.scope import embed_cached
from bot.knowledge.search import passage_text
from bot.knowledge.store import replace_knowledge

PROJECT_ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE_DIR = PROJECT_ROOT / "knowledge"
EMBEDDING_CACHE = PROJECT_ROOT / "var" / "embedding-cache.npz"
EXAMPLE_CACHE = PROJECT_ROOT / "var" / "example-cache.npz"


@dataclass(frozen=True)
class LoadResult:
    version: str
    units: int
    documents: int
    embedded: bool


def compute_embeddings(knowledge: KnowledgeSet, cache_path: Path = EMBEDDING_CACHE) -> dict[str, bytes]:
    """Passage embeddings for every unit and each of its items and sentences (``bot.knowledge.passages``),
    reusing a local cache keyed by the passage text, so a publish embeds only what changed."""
    by_id = {u.id: u for u in knowledge.units}
    passages = {u.id: passage_text(u, by_id.get(u.parent_id or "")) for u in knowledge.units}
    for unit in knowledge.units:
        for passage in passages_of(unit):
            passages[passage.id] = passage_text(passage_unit(unit, passage), unit)
    keys = {uid: hashlib.sha1(f"{embeddings.MODEL_NAME}\n{p}".encode()).hexdigest() for uid, p in passages.items()}
    cache: dict[str, np.ndarray] = {}
    if cache_path.exists():
        with np.load(cache_path) as data:
            cache = {k: data[k] for k in data.files}
    missing = [uid for uid in passages if keys[uid] not in cache]
    if missing:
        vectors = embeddings.embed_passages([passages[uid] for uid in missing])
        for uid, vec in zip(missing, vectors, strict=False):
            cache[keys[uid]] = vec.astype(np.float32)
        cache_path.parent.mkdir(parents=True, exist_ok=True)
        keep = {keys[uid]: cache[keys[uid]] for uid in passages}
        np.savez(cache_path, **keep)  # type: ignore[arg-type]
    return {uid: cache[keys[uid]].astype(np.float32).tobytes() for uid in passages}


def example_vectors(knowledge: KnowledgeSet, cache_path: Path = EXAMPLE_CACHE) -> list[bytes]:
    """Query embeddings of the example questions (compared with the leader's question, query to query)."""
    texts = [e.text for e in knowledge.examples]
    matrix = embed_cached(texts, embeddings.embed_query, cache_path, embeddings.MODEL_NAME)
    return [row.astype(np.float32).tobytes() for row in matrix] if texts else []


def load_into(engine: Engine, directory: Path = KNOWLEDGE_DIR, with_embeddings: bool | None = None) -> LoadResult:
    """Validate then replace; raises KnowledgeError (nothing written) when a file is invalid."""
    knowledge = load_knowledge(directory)
    use_embeddings = embeddings.available() if with_embeddings is None else with_embeddings
    vectors = compute_embeddings(knowledge) if use_embeddings else None
    examples = example_vectors(knowledge) if use_embeddings else None
    replace_knowledge(engine, knowledge, vectors, embeddings.MODEL_NAME if vectors else None, examples)
    return LoadResult(knowledge.version, len(knowledge.units), len(knowledge.documents), bool(vectors))
