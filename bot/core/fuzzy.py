"""Which index terms a query term matches: exactly, with a typo, or as a compound part.

The rules (``Vocabulary.expand``), with the weight a match gets:
- 1.0: the term itself is in the index;
- 0.8: an unknown word of 5+ letters, as written, is within edit distance 1 (2 from 8 letters) of a
  word in the index (compared as written: a typo can stem oddly, "retnigen" → "retn");
- 0.6: an index term starts or ends with the query term (5+ letters) and is 3+ letters longer
  ("netverk" in "ledernetverk");
- 0.5: the query term starts or ends with an index term (5+ letters) that is 3+ letters shorter;
- 0.8: an unknown term (4+ letters) is within edit distance 1 (2 from 8 letters) of an index term.

Indexes make a look-up independent of the vocabulary's size: a hashed deletion neighbourhood
(SymSpell) gives the candidates for an edit distance, bisection in sorted words and sorted reversed
words gives the words starting or ending with a term, and a set the words a term starts or ends with.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache

import numpy as np

from bot.core import text as tx

W_EXACT, W_TYPO, W_LONGER, W_SHORTER = 1.0, 0.8, 0.6, 0.5
MIN_TYPO_WORD, MIN_FUZZY_TERM, MIN_COMPOUND_PART = 5, 4, 5
COMPOUND_EXTRA = 3  # a compound is at least this much longer than its part

Expansion = tuple[tuple[str, float], ...]


def typo_limit(length: int) -> int:
    """The edit distance tolerated for a word of this length."""
    return 1 if length < 8 else 2


def index_depth(length: int) -> int:
    """The most edits any search can tolerate to reach a word of this length (from 2 letters longer)."""
    return typo_limit(length + 2)


@lru_cache(maxsize=128)
def _powers(count: int) -> np.ndarray:
    """The hash multiplier's powers (mod 2**64) for strings of up to ``count`` letters."""
    mult, value, out = 0x100000001B3, 1, []
    for _ in range(count):
        out.append(value)
        value = value * mult % 2**64
    return np.array(out, dtype=np.uint64)


@lru_cache(maxsize=256)
def _kept_letters(length: int, depth: int) -> np.ndarray:
    """Each way to delete up to ``depth`` of ``length`` letters, as the positions kept (one row each).

    Rows are padded with ``length`` (a column of zeros, which adds nothing to a hash).
    """
    rows = []
    for count in range(min(depth, length) + 1):
        for deleted in itertools.combinations(range(length), count):
            kept = [i for i in range(length) if i not in deleted]
            rows.append(kept + [length] * count)
    return np.array(rows, dtype=np.intp).reshape(len(rows), length)


def _deletion_hashes(words: Sequence[str], length: int, depth: int) -> np.ndarray:
    """Hashes of the words (all of ``length`` letters) with up to ``depth`` letters deleted.

    One row per word, one column per way to delete.
    """
    codes = np.zeros((len(words), length + 1), dtype=np.uint64)
    codes[:, :length] = np.array([[ord(c) for c in w] for w in words], dtype=np.uint64).reshape(len(words), length)
    return codes[:, _kept_letters(length, depth)] @ _powers(length)  # polynomial hash mod 2**64


class DeletionIndex:
    """Candidates for an edit-distance search: words that share a string made by deleting letters.

    If two words are within (restricted Damerau-Levenshtein) distance k, at most k deletions from
    each give a common string: a substitution or a swap is one deletion on each side, an insertion one
    deletion on the other. Each word is indexed with its deletions up to ``depth(len(word))`` (the
    largest limit any search that can reach it uses), hashed into a sorted array; a search compares
    the query's deletions up to its limit. Hash collisions only add candidates: callers check each
    candidate exactly.
    """

    def __init__(self, words: Sequence[str], depth: Callable[[int], int]):
        self._longest = max((len(w) for w in words), default=0)
        hashes: list[np.ndarray] = []
        ids: list[np.ndarray] = []
        by_length: dict[int, list[int]] = {}
        for position, word in enumerate(words):
            by_length.setdefault(len(word), []).append(position)
        for length, positions in by_length.items():
            for chunk in range(0, len(positions), 1024):  # bounds the (words × deletions × letters) array
                part = positions[chunk : chunk + 1024]
                group = _deletion_hashes([words[p] for p in part], length, depth(length))
                hashes.append(group.ravel())
                ids.append(np.repeat(np.array(part, dtype=np.int32), group.shape[1]))
        all_hashes = np.concatenate(hashes) if hashes else np.zeros(0, dtype=np.uint64)
        all_ids = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int32)
        order = np.argsort(all_hashes)
        self._hashes = all_hashes[order]
        self._ids = all_ids[order]

    def candidates(self, word: str, limit: int) -> np.ndarray:
        """Positions (ascending) of the indexed words that may be within ``limit`` edits of ``word``."""
        if len(word) - limit > self._longest:
            return np.zeros(0, dtype=np.int32)
        query = np.unique(_deletion_hashes([word], len(word), limit))
        lo = np.searchsorted(self._hashes, query, "left")
        hi = np.searchsorted(self._hashes, query, "right")
        found = [self._ids[a:b] for a, b in zip(lo.tolist(), hi.tolist(), strict=True) if b > a]
        return np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int32)


class Vocabulary:
    """The index terms and the words they were written as, for expanding query terms."""

    def __init__(self, terms: Sequence[str], raw: Mapping[str, str], fuzzy: bool, cache_size: int = 4096):
        self._terms = list(terms)
        self._position = {t: i for i, t in enumerate(self._terms)}
        self._raw_words = list(raw)  # folded words as written, in index order
        self._raw_terms = list(raw.values())
        self._fuzzy = fuzzy
        if fuzzy:
            self._raw_index = DeletionIndex(self._raw_words, index_depth)
            self._term_index = DeletionIndex(self._terms, index_depth)
            self._by_start = sorted(range(len(self._terms)), key=self._terms.__getitem__)
            self._starts = [self._terms[i] for i in self._by_start]
            self._by_end = sorted(range(len(self._terms)), key=lambda i: self._terms[i][::-1])
            self._ends = [self._terms[i][::-1] for i in self._by_end]
        self._cached: Callable[[str, str], Expansion] = lru_cache(maxsize=cache_size)(self._expand)

    def __contains__(self, term: str) -> bool:
        return term in self._position

    def expand(self, term: str, word: str) -> Expansion:
        """The index terms that query ``term`` (from the folded ``word``) matches, with their weights.

        They come in the order: exact or typo'd word, then index order.
        """
        return self._cached(term, word)

    def _expand(self, q: str, word: str) -> Expansion:
        matches: list[tuple[str, float]] = []
        known = q in self._position
        if known:
            matches.append((q, W_EXACT))
        elif self._fuzzy and len(word) >= MIN_TYPO_WORD:
            limit = typo_limit(len(word))
            for i in self._raw_index.candidates(word, limit).tolist():
                raw = self._raw_words[i]
                if abs(len(raw) - len(word)) <= limit and tx.edit_distance(word, raw, limit) <= limit:
                    matches.append((self._raw_terms[i], W_TYPO))
        if self._fuzzy and len(q) >= MIN_FUZZY_TERM:
            found: dict[int, float] = {}
            if len(q) >= MIN_COMPOUND_PART:
                for i in self._longer_compounds(q):
                    found[i] = W_LONGER
            # Parts of the query term: index terms of 5 .. len(q) - 3 letters at its start or end.
            for size in range(MIN_COMPOUND_PART, len(q) - COMPOUND_EXTRA + 1):
                for part in (q[:size], q[-size:]):
                    if part in self._position:
                        found[self._position[part]] = W_SHORTER
            if not known:
                limit = typo_limit(len(q))
                for i in self._term_index.candidates(q, limit).tolist():
                    v = self._terms[i]
                    if v != q and abs(len(v) - len(q)) <= limit and tx.edit_distance(q, v, limit) <= limit:
                        found[i] = W_TYPO
            matches.extend((self._terms[i], found[i]) for i in sorted(found))
        return tuple(matches)

    def _longer_compounds(self, q: str) -> set[int]:
        """Positions of the index terms that start or end with ``q`` and are 3+ letters longer."""
        found: set[int] = set()
        for keys, positions, key in ((self._starts, self._by_start, q), (self._ends, self._by_end, q[::-1])):
            i = bisect.bisect_left(keys, key)
            while i < len(keys) and keys[i].startswith(key):
                if len(keys[i]) >= len(q) + COMPOUND_EXTRA:
                    found.add(positions[i])
                i += 1
        return found
