"""Danish text normalisation for search: folding of æ/ø/å spellings, lemmas, stems, n-grams."""

from __future__ import annotations

import gzip
import json
import re
import threading
from functools import lru_cache
from pathlib import Path

import snowballstemmer

TOKEN = re.compile(r"[0-9a-zæøåéèüöä]+", re.IGNORECASE)
_LEMMATIZER_LOCK = threading.Lock()
_table: dict[str, str] | None = None
_stemmer = snowballstemmer.stemmer("danish")

# Words that carry no topic for search (question words, pronouns, fillers). Intent
# classification never uses this list: there, "hvad"/"hvordan"/"bør" matter.
SEARCH_STOP_WORDS = frozenset(
    """
    og i at er en et den det de der som på til med for af om har jeg du vi man hvad hvordan hvorfor
    hvilke hvilken hvilket hvem hvor hvornår skal kan bør må vil være ved fra så sig min mit mine
    din dit dine vores jer os mig dig han hun sin sit sine deres noget nogen nogle eller men også
    ikke mere meget hvis når da selv alle hver ud op ind over under efter blive bliver blev gøre gør
    siger sige står stå tale taler handler betyder betyde indebærer hvad's mon lige egentlig gerne
    fortæl fortælle vis se giv give dem her have havde få får fik hører høre uddybe uddyb forklar
    forklare nærmere niveau ok okay tak sagt skrevet skriver beskriver
    """.split()
)

LEVEL_PATTERN = re.compile(
    r"\b(?:niveau|niv\.?|nivau|niveu|level)\s*-?\s*(1|2|et|en|ét|to|én|ene?|one|two)\b", re.IGNORECASE
)
LEVEL_WORDS = {"1": 1, "2": 2, "et": 1, "en": 1, "ét": 1, "én": 1, "ene": 1, "one": 1, "to": 2, "two": 2}


_FOLD_TABLE = str.maketrans({"å": "a", "æ": "e", "ø": "o", "é": "e", "è": "e", "ü": "u", "ö": "o", "ä": "e"})


def fold(text: str) -> str:
    """Lower-case and fold Danish letters so 'oekonomi', 'okonomi' and 'økonomi' meet."""
    text = text.lower()
    text = text.replace("aa", "å").replace("ae", "æ").replace("oe", "ø")
    return text.translate(_FOLD_TABLE)


def fold_letters(text: str) -> str:
    """Lower-case and fold æ/ø/å only (no 'ae'/'oe'/'aa' digraphs)."""
    return text.lower().translate(_FOLD_TABLE)


def word_forms(text: str) -> set[str]:
    """Each word folded both ways, for matching word beginnings ("pejlemaerker" and "temaer" alike)."""
    return {form for word in tokens(text) for form in (fold(word), fold_letters(word))}


# Words that name the texts themselves; ignored in a question that also names a topic.
META_WORDS = frozenset(
    fold(w)
    for w in """
    guide guiden guides netværksguiden ledelsesgrundlag ledelsesgrundlaget ledelsesgrundlagets
    grundlag grundlaget grundlagets styringsgrundlag styringsgrundlaget tekst teksten dokument
    dokumentet publikation publikationen pjece pjecen
    """.split()
)


def tokens(text: str) -> list[str]:
    """The words of ``text``, lower-cased: runs of letters and digits, so "KL's" gives "kl" and "s"."""
    return [m.group(0).lower() for m in TOKEN.finditer(text)]


def _lemma_table() -> dict[str, str]:
    """The Danish lookup lemmatizer table of spaCy (spacy-lookups-data), read directly.

    It is the same table the NLU pipeline in var/spacy-da uses, without importing spaCy (and TensorFlow with
    it) into the action server.
    """
    global _table
    with _LEMMATIZER_LOCK:
        if _table is None:
            import spacy_lookups_data

            path = Path(str(spacy_lookups_data.da["lemma_lookup"]))  # stored gzipped beside the name it gives
            zipped = path.with_name(path.name + ".gz")
            with (gzip.open(zipped, "rt", encoding="utf-8") if zipped.exists() else path.open(encoding="utf-8")) as f:
                _table = dict(json.load(f))
    return _table


@lru_cache(maxsize=65536)
def lemma(word: str) -> str:
    """The word's lemma from spaCy's Danish lookup table, lower-cased; the word itself when the table lacks it."""
    return str(_lemma_table().get(word, word)).lower()


@lru_cache(maxsize=65536)
def term(word: str) -> str:
    """The search term of one word: its lemma, stemmed, folded."""
    return fold(_stemmer.stemWord(lemma(word)))


_FOLDED_STOP = frozenset(fold(w) for w in SEARCH_STOP_WORDS)


def is_stop(word: str) -> bool:
    """A word without topic, also when typed without æ/ø/å ("naar", "hvornaar")."""
    return word in SEARCH_STOP_WORDS or fold(word) in _FOLDED_STOP


def terms(text: str, keep_stop_words: bool = False) -> list[str]:
    """The search terms (see ``term``) of the text's words, stop words left out unless ``keep_stop_words``."""
    return [term(word) for word in tokens(text) if keep_stop_words or not is_stop(word)]


def char_ngrams(text: str, sizes: tuple[int, ...] = (3, 4, 5)) -> list[str]:
    """Character n-grams of each folded content word (with word boundaries), for compounds and typos."""
    grams: list[str] = []
    for word in tokens(text):
        if is_stop(word):
            continue
        padded = f"<{fold(word)}>"
        for n in sizes:
            grams.extend(padded[i : i + n] for i in range(max(1, len(padded) - n + 1)))
    return grams


def parse_level(text: str) -> int | None:
    """The first level (1 or 2) the text names ("niveau 2", "niv. et", "level two"); None when it names none."""
    match = LEVEL_PATTERN.search(text)
    if not match:
        return None
    return LEVEL_WORDS.get(match.group(1).lower())


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count 1), stopping early above ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]
