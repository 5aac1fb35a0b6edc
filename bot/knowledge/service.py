"""Process-wide access to the repository and a search index that follows the loaded version."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np

from bot.core.scope import ScopeModel, scope_examples
from bot.core.search import SearchIndex, SearchOptions
from bot.knowledge import embeddings
from bot.knowledge.db import database_url, engine_for
from bot.knowledge.repository import KnowledgeRepository, SqlKnowledgeRepository

VERSION_CHECK_SECONDS = 2.0
PROJECT_ROOT = Path(__file__).resolve().parents[2]
NLU_FILE = PROJECT_ROOT / "nlu" / "nlu.yml"
SCOPE_CACHE = PROJECT_ROOT / "var" / "scope-embeddings.npz"


class KnowledgeService:
    """Holds one repository and rebuilds the search index when a new knowledge version is loaded."""

    def __init__(self, repository: KnowledgeRepository, options: SearchOptions = SearchOptions()):
        self.repository = repository
        self.options = options
        self._index: SearchIndex | None = None
        self._scope: ScopeModel | None = None
        self._scope_version: str | None = None
        self._scope_examples: tuple[np.ndarray, np.ndarray] | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    def index(self) -> SearchIndex:
        """The search index of the loaded version; raises ``KnowledgeUnavailable`` when it cannot be read.

        The version is checked at most every ``VERSION_CHECK_SECONDS``, so a publish is live within that time.
        """
        now = time.monotonic()
        with self._lock:
            if self._index is not None and now - self._checked_at < VERSION_CHECK_SECONDS:
                return self._index
            snapshot = self.repository.snapshot()  # raises KnowledgeUnavailable
            self._checked_at = now
            if self._index is None or self._index.version != snapshot.version:
                embed = embeddings.embed_query if (snapshot.embeddings and embeddings.available()) else None
                self._index = SearchIndex(snapshot, self.options, embed)
            return self._index

    def scope(self, knowledge_examples: bool = True) -> ScopeModel | None:
        """The in/out-of-scope model; None without embeddings or training data.

        Its examples are the NLU's example questions inside and outside the knowledge, and the knowledge's own
        example questions (inside; left out to measure what they add).
        """
        index = self.index()
        with self._lock:
            if self._scope_examples is None and self.options.semantic and embeddings.available() and NLU_FILE.exists():
                texts_in, texts_out = scope_examples(NLU_FILE)
                embed = embeddings.embed_queries
                self._scope_examples = (embeddings.cached(texts_in, embed, SCOPE_CACHE),
                                        embeddings.cached(texts_out, embed, SCOPE_CACHE.with_name("scope-outside.npz")))
            if self._scope_examples is None:
                return None
            if not knowledge_examples:
                return ScopeModel(*self._scope_examples)
            if self._scope is None or self._scope_version != index.version:
                inside, outside = self._scope_examples
                vectors = self.repository.snapshot().example_vectors
                if vectors is not None and len(vectors):
                    inside = np.vstack([inside, vectors])
                self._scope = ScopeModel(inside, outside)
                self._scope_version = index.version
            return self._scope


_services: dict[str, KnowledgeService] = {}
_services_lock = threading.Lock()


def knowledge_service(url: str | None = None) -> KnowledgeService:
    """The shared service for ``url`` (default: KNOWLEDGE_DB_URL); created on first use."""
    url = url or database_url()
    with _services_lock:
        if url not in _services:
            _services[url] = KnowledgeService(SqlKnowledgeRepository(engine_for(url)))
        return _services[url]
