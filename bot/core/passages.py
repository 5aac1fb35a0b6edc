"""Item- and sentence-level passages of a unit, so one line of a list is findable on its own.

A Glostrup theme or a KL behaviour list is one unit of six to nine items; a question about one of
them ("mine folk tør ikke sige fra") shares few words with the whole unit, so the item's words drown
in the unit's. Each list item and each sentence of a unit's prose therefore becomes a passage of its
own in the search index, linked to its unit, and the answer shows the matching passage first.

Passages are derived, never stored in the knowledge files: HR edits units, the index splits them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from bot.core.model import Unit

SEPARATOR = "#"

# A sentence ends at . ! ? followed by space and a capital letter, digit or quote; never after an
# abbreviation ("bl.a. KL's formål", "fx. Gentofte").
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÆØÅ0-9»\"“–-])")
_ABBREVIATION = re.compile(r"(?:\b(?:bl\.a|f\.eks|fx|mv|osv|dvs|ca|jf|nr|pct|kl|evt|inkl|ekskl|s)\.)$", re.IGNORECASE)
MIN_WORDS = 4


@dataclass(frozen=True)
class Passage:
    """One list item or prose sentence of a unit."""

    unit_id: str
    position: int
    text: str

    @property
    def id(self) -> str:
        """The passage's id in the search index and the stored vectors (see ``passage_id``)."""
        return passage_id(self.unit_id, self.position)


def passage_id(unit_id: str, position: int) -> str:
    """The index id of a unit's passage: ``glostrup.rollen#3`` (``#`` never occurs in a unit id)."""
    return f"{unit_id}{SEPARATOR}{position}"


def sentences(text: str) -> list[str]:
    """The sentences of a prose text, paragraph by paragraph (a paragraph never joins the next)."""
    found: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        paragraph = " ".join(paragraph.split())
        if paragraph:
            found.extend(_join_abbreviations([s.strip() for s in _SENTENCE_END.split(paragraph) if s.strip()]))
    return found


def _join_abbreviations(parts: list[str]) -> list[str]:
    """Glue back what was split after an abbreviation."""
    joined: list[str] = []
    for part in parts:
        if joined and _ABBREVIATION.search(joined[-1]):
            joined[-1] = f"{joined[-1]} {part}"
        else:
            joined.append(part)
    return joined


def passages_of(unit: Unit) -> list[Passage]:
    """The unit's findable parts; none when the unit is a single sentence (the unit is its passage)."""
    parts = [s for s in sentences(unit.text) if not s.endswith(":")]  # "Det indebærer, at jeg:" leads in
    parts += list(unit.items)
    parts = [p for p in parts if len(p.split()) >= MIN_WORDS]
    if len(parts) < 2:
        return []
    return [Passage(unit.id, position, text) for position, text in enumerate(parts)]


def passage_unit(unit: Unit, passage: Passage) -> Unit:
    """A passage as an index entry: the unit's kind, place and level, the passage's words, no names.

    Its parent is the unit, so the unit's title (and synonyms) count as context, not as its name: a
    question naming the unit should find the unit, a question about one line should find the line.
    """
    return replace(
        unit, id=passage.id, title="", text=passage.text, items=(), parent_id=unit.id,
        headline=None, label=None, synonyms=(), keywords=(),
    )


def split_passage_id(entry_id: str) -> tuple[str, int] | None:
    """``"glostrup.rollen#3"`` → ``("glostrup.rollen", 3)``; None for a unit id."""
    unit_id, sep, position = entry_id.rpartition(SEPARATOR)
    if not sep or not position.isdigit():
        return None
    return unit_id, int(position)
