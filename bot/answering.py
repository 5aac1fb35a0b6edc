"""Decide what to answer: one unit, a choice between organisations, suggestions or nothing.

Pure logic over the knowledge service, so it is tested without Rasa; the actions only
turn a Decision into messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from bot.knowledge import text as tx
from bot.knowledge.model import Organisation, Unit
from bot.knowledge.search import Hit, SearchIndex

DecisionKind = Literal["answer", "choose", "suggest", "none"]

# Kind preferences per intent: multiplied into the search score.
INTENT_BOOSTS: dict[str, dict[str, float]] = {
    "ask_principle": {"value": 1.1, "pejlemaerke": 1.1, "theme": 1.1, "level_description": 0.8,
                      "theme_prose": 0.85, "quote": 0.7, "question_set": 0.85},
    "ask_level": {"level_description": 1.2, "pejlemaerke": 1.0, "quote": 0.6},
    "ask_network_questions": {"question_set": 1.4, "network_theme": 1.1, "section": 1.0, "quote": 0.6},
    "ask_fact": {"fact": 1.2, "survey": 1.2, "introduction": 1.15, "literature": 1.2, "contributors": 1.2,
                 "note": 1.15, "level_description": 0.8, "quote": 0.7},
}
DEFAULT_BOOST = {"level_description": 0.8, "theme_prose": 0.85, "quote": 0.7, "question_set": 0.9}

# Below these the best hit shares no real words with the question: say so instead of guessing.
MIN_COVERAGE = 0.34
MIN_NGRAM = 0.32
# A second unit this close to the best one makes the best one uncertain.
CLOSE_RATIO = 0.92


@dataclass(frozen=True)
class Decision:
    kind: DecisionKind
    unit: Unit | None = None
    options: tuple[Unit, ...] = ()
    hits: tuple[Hit, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class Question:
    text: str
    intent: str | None = None
    organisation: str | None = None
    level: int | None = None
    principles: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    network_themes: tuple[str, ...] = ()


def strip_organisation_names(text: str, names: Sequence[str]) -> str:
    for name in sorted(names, key=len, reverse=True):
        text = re.sub(rf"(?i)\b{re.escape(name)}(?:s)?\b", " ", text)
    return text


class Answerer:
    def __init__(self, index: SearchIndex, organisations: Iterable[Organisation]):
        self.index = index
        self.organisation_names: Mapping[str, Sequence[str]] = {
            o.id: (o.name, o.full_name, *o.synonyms) for o in organisations
        }

    def detect_organisation(self, text: str) -> str | None:
        folded = f" {tx.fold(text)} "
        for org_id, names in self.organisation_names.items():
            for name in names:
                if re.search(rf"\b{re.escape(tx.fold(name))}(s|'s)?\b", folded):
                    return org_id
        return None

    def _at_level(self, unit: Unit, level: int | None) -> Unit:
        """A pejlemærke asked at a level → its level description; a level description → the asked level."""
        if level is None:
            return unit
        base = unit
        if unit.kind == "level_description" and unit.parent_id:
            base = self.index.unit(unit.parent_id) or unit
        if base.kind != "pejlemaerke":
            return unit
        for child in self._children(base.id):
            if child.kind == "level_description" and child.level == level:
                return child
        return unit

    def _children(self, unit_id: str) -> list[Unit]:
        return [u for u in self.index._by_id.values() if u.parent_id == unit_id]

    def _prefer(self, unit: Unit, question: Question) -> Unit:
        """Map a hit to the unit a leader most likely wants."""
        if question.level is not None:
            return self._at_level(unit, question.level)
        if unit.kind == "level_description" and question.intent != "ask_level" and unit.parent_id:
            return self.index.unit(unit.parent_id) or unit
        if question.intent == "ask_network_questions" and unit.kind != "question_set":
            theme = unit
            while theme.kind != "network_theme" and theme.parent_id:
                parent = self.index.unit(theme.parent_id)
                if parent is None:
                    break
                theme = parent
            for child in self._children(theme.id):
                if child.kind == "question_set":
                    return child
        return unit

    def decide(self, question: Question) -> Decision:
        organisation = question.organisation or self.detect_organisation(question.text)
        level = question.level if question.level is not None else tx.parse_level(question.text)
        question = Question(question.text, question.intent, organisation, level, question.principles,
                            question.fields, question.network_themes)

        # An entity that already names one unit (synonym-mapped to its id) decides directly.
        for unit_id in question.principles:
            unit = self.index.unit(unit_id)
            if unit is not None and (organisation is None or unit.organisation_id == organisation):
                return Decision("answer", self._prefer(unit, question))

        names = [n for names in self.organisation_names.values() for n in names]
        query = tx.LEVEL_PATTERN.sub(" ", strip_organisation_names(question.text, names))
        boosts = INTENT_BOOSTS.get(question.intent or "", DEFAULT_BOOST)
        hits = self.index.search(query, organisation=organisation, boost_kinds=boosts, limit=12)
        if not hits:
            return Decision("none")
        top = hits[0]
        if top.coverage < MIN_COVERAGE and top.ngram < MIN_NGRAM:
            return Decision("none", hits=tuple(hits))

        # Collapse hits to preferred units, keeping order and the best score per unit.
        ranked: list[tuple[Unit, Hit]] = []
        seen: set[str] = set()
        for hit in hits:
            unit = self._prefer(hit.unit, question)
            if unit.id not in seen:
                seen.add(unit.id)
                ranked.append((unit, hit))
        best_unit, best_hit = ranked[0]

        if organisation is None:
            rivals = [
                (u, h) for u, h in ranked[1:]
                if u.organisation_id != best_unit.organisation_id and h.score >= best_hit.score * CLOSE_RATIO
                and h.coverage >= MIN_COVERAGE and _same_topic(h, best_hit)
            ]
            if rivals:
                options = [best_unit]
                orgs = {best_unit.organisation_id}
                for unit, _ in rivals:
                    if unit.organisation_id not in orgs:
                        options.append(unit)
                        orgs.add(unit.organisation_id)
                return Decision("choose", options=tuple(options[:3]), hits=tuple(hits))

        weak = best_hit.coverage < 0.5 and best_hit.ngram < 0.45
        if weak and len(ranked) > 1 and ranked[1][1].score >= best_hit.score * CLOSE_RATIO:
            return Decision("suggest", options=tuple(u for u, _ in ranked[:3]), hits=tuple(hits))
        return Decision("answer", best_unit, hits=tuple(hits))


def _same_topic(a: Hit, b: Hit) -> bool:
    return abs(a.coverage - b.coverage) < 0.2
