"""Decide what to answer: one unit (or one passage of it), a choice between organisations, suggestions or nothing.

Retrieval first: every question-like turn comes here, whatever intent the NLU gave it. The NLU's
intent only shapes preferences (kind boosts); whether the knowledge answers the question is decided
here, from the search and the scope model (``bot.core.scope``): a question that reads like the
out-of-scope examples is refused unless it names a unit, one that reads like the knowledge questions
is answered from its best match even when it shares few words with the text.

Pure logic over the knowledge service, so it is tested without Rasa; the actions only
turn a Decision into messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from bot.core import text as tx
from bot.core.model import Organisation, Unit
from bot.core.passages import Passage
from bot.core.scope import ScopeModel
from bot.core.search import Hit, SearchIndex
from bot.names import Intent, UnitKind

DecisionKind = Literal["answer", "choose", "suggest", "compare", "none"]

# Kind preferences per intent: multiplied into the search score.
INTENT_BOOSTS: dict[str, dict[str, float]] = {
    Intent.ASK_PRINCIPLE: {
        UnitKind.VALUE: 1.1, UnitKind.PEJLEMAERKE: 1.1, UnitKind.THEME: 1.1, UnitKind.LEVEL_DESCRIPTION: 0.8,
        UnitKind.THEME_PROSE: 0.85, UnitKind.QUOTE: 0.7, UnitKind.QUESTION_SET: 0.85,
    },
    Intent.ASK_LEVEL: {UnitKind.LEVEL_DESCRIPTION: 1.2, UnitKind.PEJLEMAERKE: 1.0, UnitKind.QUOTE: 0.6},
    Intent.ASK_NETWORK_QUESTIONS: {
        UnitKind.QUESTION_SET: 1.4, UnitKind.NETWORK_THEME: 1.1, UnitKind.SECTION: 1.0, UnitKind.QUOTE: 0.6,
    },
    Intent.ASK_FACT: {
        UnitKind.FACT: 1.2, UnitKind.SURVEY: 1.2, UnitKind.INTRODUCTION: 1.15, UnitKind.LITERATURE: 1.2,
        UnitKind.CONTRIBUTORS: 1.2, UnitKind.NOTE: 1.15, UnitKind.LEVEL_DESCRIPTION: 0.8, UnitKind.QUOTE: 0.7,
    },
}
DEFAULT_BOOST: dict[str, float] = {
    UnitKind.LEVEL_DESCRIPTION: 0.8, UnitKind.THEME_PROSE: 0.85, UnitKind.QUOTE: 0.7, UnitKind.QUESTION_SET: 0.9,
}

# Words in the question that point at a kind of unit ("feltet", "temaet", "spørgsmål", "adfærd"),
# matched on folded word beginnings.
KIND_HINTS: dict[str, dict[str, float]] = {
    "felt": {UnitKind.FIELD: 1.4},
    "tema": {UnitKind.THEME: 1.2, UnitKind.NETWORK_THEME: 1.2},
    "sporgsmal": {UnitKind.QUESTION_SET: 1.3},
    "adferd": {UnitKind.BEHAVIOUR: 1.3},
    "citat": {UnitKind.QUOTE: 1.6},
    "hvilke": {UnitKind.LIST: 1.2},
}
# Questions asking for reasons or explanation want a theme's explanatory prose, not its list.
EXPLAIN_WORDS = ("hvorfor", "uddyb", "forklar", "baggrund", "begrund")

ENTITY_BOOST = 1.25
# A follow-up ("og adfærden?", "hvad med evaluering?") most likely means the previous answer's own family.
FAMILY_BOOST = 1.2

# Below these the best hit shares no real words with the question: say so instead of guessing.
MIN_COVERAGE = 0.34
MIN_NGRAM = 0.32
# A second unit this close to the best one makes the best one uncertain.
CLOSE_RATIO = 0.92
# An equally complete match in another organisation's text this close makes the question ambiguous.
RIVAL_RATIO = 0.85
# Scope margins (``ScopeModel.outside_margin``, measured on the dev sets: out-of-scope questions
# ≥ -0.005, knowledge questions ≤ -0.013): above OUTSIDE the question reads like the out-of-scope
# examples; between UNSURE and OUTSIDE it is answered only from a well-covered match; below INSIDE a
# weak lexical match is still answered, since the question reads like the knowledge questions.
OUTSIDE_MARGIN = 0.0
UNSURE_MARGIN = -0.008
INSIDE_MARGIN = -0.02
# A question this similar to one of a unit's example questions (query–query cosine; dev: in-scope median
# 0.925, out-of-scope ≤ 0.903 but outside by the margin) asks for that unit, whatever words it uses.
EXAMPLE_SURE = 0.90
# A whole unit that scores this close to its best passage is shown whole (the question is about it).
WHOLE_UNIT_RATIO = 0.97


@dataclass(frozen=True)
class Decision:
    """What to answer; ``kind`` says which of the other fields matter.

    ``answer``: ``unit``, with the ``passage`` to show first if any; ``compare``: the pejlemærke in ``unit`` and
    its two level descriptions in ``options``; ``choose`` and ``suggest``: ``options``; ``none``: nothing, and
    ``outside`` when the question is not about the texts. ``hits`` are the search results it was decided on.
    """

    kind: DecisionKind
    unit: Unit | None = None
    options: tuple[Unit, ...] = ()
    hits: tuple[Hit, ...] = field(default=(), compare=False)
    passage: Passage | None = None  # the item or sentence of ``unit`` that answers, shown first
    outside: bool = False  # "none" because the question is not about the leadership texts


@dataclass(frozen=True)
class Question:
    """One turn as the answerer sees it: the text, the NLU's intent and entities, the previous answer's family.

    ``principles``, ``fields`` and ``network_themes`` are what the NLU's entities resolved to: a unit id, or the
    name as written when it names several units. ``organisation`` is an organisation id, ``level`` 1 or 2.
    """

    text: str
    intent: str | None = None
    organisation: str | None = None
    level: int | None = None
    principles: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    network_themes: tuple[str, ...] = ()
    near: tuple[str, ...] = ()  # the previous answer's unit and its family: likelier for a follow-up


def strip_organisation_names(text: str, names: Sequence[str]) -> str:
    """The text with each of ``names`` (also with a genitive s) blanked out, the longest names first."""
    for name in sorted(names, key=len, reverse=True):
        text = re.sub(rf"(?i)\b{re.escape(name)}(?:s)?\b", " ", text)
    return text


class Answerer:
    """Turns a ``Question`` into a ``Decision`` over one search index, retrieval first (see the module).

    ``home`` is the deployment's home organisation: a question naming none is answered from its texts and KL's
    first. ``scope``, when given, refuses questions that read like the out-of-scope examples.
    """

    def __init__(self, index: SearchIndex, organisations: Iterable[Organisation], home: str | None = None,
                 scope: ScopeModel | None = None):
        self.index = index
        self.scope = scope
        organisations = list(organisations)
        # A deployment's home organisation: questions naming none are answered from its texts and the shared
        # ones (KL's, which apply to every municipality) first.
        self.home = home
        self.shared = tuple(o.id for o in organisations if o.shared and o.id != home)
        self.organisation_names: Mapping[str, Sequence[str]] = {
            o.id: (o.name, o.full_name, *o.synonyms) for o in organisations
        }

    def detect_organisation(self, text: str) -> str | None:
        """The organisation the text names (name, full name or synonym, also as a genitive); None if none.

        When the text names several, the first of the ``organisations`` given to the answerer wins.
        """
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
        if unit.kind == UnitKind.LEVEL_DESCRIPTION and unit.parent_id:
            base = self.index.unit(unit.parent_id) or unit
        if base.kind != UnitKind.PEJLEMAERKE:
            return unit
        for child in self._children(base.id):
            if child.kind == UnitKind.LEVEL_DESCRIPTION and child.level == level:
                return child
        return unit

    def _children(self, unit_id: str) -> list[Unit]:
        return self.index.children(unit_id)

    def _prefer(self, unit: Unit, question: Question, explain: bool = False) -> Unit:
        """Map a hit to the unit a leader most likely wants."""
        if explain and unit.kind == UnitKind.THEME:
            prose = [c for c in self._children(unit.id) if c.kind == UnitKind.THEME_PROSE]
            if prose:
                return prose[0]
        if question.level is not None:
            return self._at_level(unit, question.level)
        if unit.kind == UnitKind.LEVEL_DESCRIPTION and unit.parent_id:
            # No level asked: the pejlemærke itself, with both levels as buttons.
            return self.index.unit(unit.parent_id) or unit
        if question.intent == Intent.ASK_NETWORK_QUESTIONS and unit.kind != UnitKind.QUESTION_SET:
            theme = unit
            while theme.kind != UnitKind.NETWORK_THEME and theme.parent_id:
                parent = self.index.unit(theme.parent_id)
                if parent is None:
                    break
                theme = parent
            for child in self._children(theme.id):
                if child.kind == UnitKind.QUESTION_SET:
                    return child
        return unit

    def family(self, unit_id: str | None) -> tuple[str, ...]:
        """A unit, its parent, its children and its siblings: what a follow-up to it most likely means."""
        unit = self.index.unit(unit_id) if unit_id else None
        if unit is None:
            return ()
        related = [unit.id, *(c.id for c in self._children(unit.id))]
        if unit.parent_id:
            related += [unit.parent_id, *(c.id for c in self._children(unit.parent_id))]
        return tuple(dict.fromkeys(related))

    def names_no_topic(self, text: str) -> bool:
        """"niveau 1", "og i Glostrup?", "fortæl mere": only levels, organisations and small words."""
        return not any(not tx.is_stop(w) and tx.fold(w) not in tx.META_WORDS and tx.fold(w) not in MORE_FOLDED
                       for w in tx.tokens(self._query_text(text)))

    def compare_levels(self, question: Question, pejlemaerke: Unit | None = None) -> Decision | None:
        """"sammenlign niveau 1 og 2 for økonomistyring": the pejlemærke with both level descriptions.

        ``pejlemaerke`` is the one in context when the question names none.
        """
        if not asks_level_comparison(question.text):
            return None
        if not self.names_no_topic(question.text) or pejlemaerke is None:
            organisation = question.organisation or self.detect_organisation(question.text)
            hits = self.index.search(self._query_text(question.text), organisation=organisation,
                                     kinds=(UnitKind.PEJLEMAERKE, UnitKind.LEVEL_DESCRIPTION), limit=1)
            pejlemaerke = hits[0].unit if hits else None
        if pejlemaerke is not None and pejlemaerke.kind == UnitKind.LEVEL_DESCRIPTION and pejlemaerke.parent_id:
            pejlemaerke = self.index.unit(pejlemaerke.parent_id)
        if pejlemaerke is None or pejlemaerke.kind != UnitKind.PEJLEMAERKE:
            return None
        levels = sorted((c for c in self._children(pejlemaerke.id) if c.kind == UnitKind.LEVEL_DESCRIPTION),
                        key=lambda c: c.level or 0)
        return Decision("compare", pejlemaerke, options=tuple(levels)) if len(levels) == 2 else None

    def decide(self, question: Question, context: str | None = None) -> Decision:
        """Decide on ``question``; ``context`` (the previous question) resolves "hvad så med …?" turns."""
        comparison = self.compare_levels(question)
        if comparison is not None:
            return comparison
        plain = replace(question, near=())
        if not context or self.index.has_unknown_words(question.text):
            return self._decide(plain)
        combined = replace(question, text=f"{question.text} {context}")
        named = bool(question.principles or question.fields or question.network_themes)
        leaning = REFERRING_START.search(question.text) or explains_only(question.text) or refers_back(question.text)
        if leaning and not named:
            # "hvad forventes der så af niveau 1?", "og hvilken adfærd hører til?": the previous question's
            # topic with this one's angle.
            decision = self._decide(combined)
            return decision if decision.kind == "answer" else self._decide(plain)
        # A turn that names a unit ("hvad med evaluering?") asks about that unit.
        own = self._decide(plain)
        if leaning and (own.kind in ("none", "suggest") or _uncertain(own)):
            decision = self._decide(combined)
            if decision.kind == "answer":
                return decision
        return own

    def _decide(self, question: Question) -> Decision:
        organisation = question.organisation or self.detect_organisation(question.text)
        if organisation is None and self.home:
            first = self._decide_within(question, (self.home, *self.shared))
            if first.kind == "answer":
                return first
        return self._decide_within(question, organisation)

    def _decide_within(self, question: Question, organisation: str | tuple[str, ...] | None) -> Decision:
        level = question.level if question.level is not None else tx.parse_level(question.text)
        question = Question(question.text, question.intent, organisation if isinstance(organisation, str) else None,
                            level, question.principles, question.fields, question.network_themes)
        query = self._query_text(question.text)
        boosts, explain = self._kind_boosts(question)
        # A level is only described for pejlemærker.
        kinds = (UnitKind.PEJLEMAERKE, UnitKind.LEVEL_DESCRIPTION) if level is not None else None
        hits = self.index.search(query, organisation=organisation, kinds=kinds, boost_kinds=boosts,
                                 boost_units=self._entity_boosts(question), limit=20)
        if not hits:
            return Decision("none")
        margin = self._outside_margin(query)
        if not self._credible(hits[0], margin, named=bool(question.principles or question.fields)):
            return Decision("none", hits=tuple(hits), outside=margin is not None and margin > UNSURE_MARGIN)
        ranked = self._rank(hits, question, explain)
        best_unit, best_hit = ranked[0][0], ranked[0][1]
        if organisation is None and level is None:
            options = self._rivals(ranked)
            if len(options) > 1:
                return Decision("choose", options=tuple(options[:3]), hits=tuple(hits))
        weak = best_hit.coverage < 0.5 and best_hit.ngram < 0.45 and (margin is None or margin > INSIDE_MARGIN)
        if weak and len(ranked) > 1 and ranked[1][1].score >= best_hit.score * CLOSE_RATIO:
            return Decision("suggest", options=tuple(u for u, _, _ in ranked[:3]), hits=tuple(hits))
        return Decision("answer", best_unit, hits=tuple(hits), passage=ranked[0][2])

    def _query_text(self, text: str) -> str:
        """The question without organisation names and levels, which filter rather than describe.

        It also has æ/ø/å written back where they were typed as ae/oe/aa ("ledernetvaerk"), so the embedding
        reads Danish.
        """
        names = [n for names in self.organisation_names.values() for n in names]
        return self.index.restore_letters(tx.LEVEL_PATTERN.sub(" ", strip_organisation_names(text, names)))

    def _entity_boosts(self, question: Question) -> dict[str, float]:
        """Units the NLU named (via generated synonyms) are more likely.

        They don't overrule the search, since a name can be part of a longer question. The previous answer's
        family (``question.near``) is boosted too, a little less.
        """
        boost_units: dict[str, float] = dict.fromkeys(question.near, FAMILY_BOOST)
        for unit_id in (*question.principles, *question.fields, *question.network_themes):
            unit = self.index.unit(unit_id)
            if unit is not None:
                boost_units[unit.id] = ENTITY_BOOST
                for child in self._children(unit.id):
                    if child.kind == UnitKind.LEVEL_DESCRIPTION:
                        boost_units[child.id] = ENTITY_BOOST
        return boost_units

    def _kind_boosts(self, question: Question) -> tuple[dict[str, float], bool]:
        """Kind preferences from the intent and from words that name a kind; whether reasons are asked."""
        boosts = dict(INTENT_BOOSTS.get(question.intent or "", DEFAULT_BOOST))
        folded_words = tx.word_forms(question.text)
        for stem, hinted in KIND_HINTS.items():
            if any(w.startswith(stem) for w in folded_words):
                for kind, factor in hinted.items():
                    boosts[kind] = boosts.get(kind, 1.0) * factor
        explain = any(w.startswith(e) for w in folded_words for e in EXPLAIN_WORDS)
        if explain:
            boosts["theme_prose"] = 1.2
        return boosts, explain

    def _outside_margin(self, query: str) -> float | None:
        """The scope model's margin for the question; None without a scope model (or embeddings)."""
        vector = self.index.query_vector(query) if self.scope is not None else None
        return self.scope.outside_margin(vector) if self.scope is not None and vector is not None else None

    @staticmethod
    def _credible(top: Hit, margin: float | None, named: bool) -> bool:
        """Whether the best hit may answer at all: a named unit always.

        Otherwise by the scope margin and how well the hit covers the question's words (without a scope
        model: by the words alone).
        """
        names_unit = named or (top.name >= 0.99 and top.coverage >= 0.6)
        if names_unit:
            return True
        if margin is None:
            return top.coverage >= MIN_COVERAGE or top.ngram >= MIN_NGRAM or top.example >= EXAMPLE_SURE
        if margin > OUTSIDE_MARGIN:
            return False
        lexical = top.coverage >= MIN_COVERAGE or top.ngram >= MIN_NGRAM
        if margin > UNSURE_MARGIN:
            return top.coverage >= 0.6
        return lexical or margin <= INSIDE_MARGIN or top.example >= EXAMPLE_SURE

    def _rank(self, hits: Sequence[Hit], question: Question, explain: bool) -> list[tuple[Unit, Hit, Passage | None]]:
        """Hits collapsed to the units a leader most likely wants, best first.

        Each comes with the passage to show first (None: the whole unit).
        """
        whole_hits = {h.unit.id: h for h in hits if h.passage is None}
        whole = {uid: h.score for uid, h in whole_hits.items()}
        ranked: list[tuple[Unit, Hit, Passage | None]] = []
        seen: set[str] = set()
        for hit in hits:
            unit = self._prefer(hit.unit, question, explain)
            # The theme itself (headline + commitments) unless its prose is clearly the better match.
            if (unit.kind == UnitKind.THEME_PROSE and not explain and unit.parent_id and hit.passage is None
                    and whole.get(unit.parent_id, 0.0) >= 0.6 * hit.score):
                unit = self.index.unit(unit.parent_id) or unit
            if unit.id in seen:
                continue
            seen.add(unit.id)
            passage = hit.passage if unit.id == hit.unit.id else None
            own = whole_hits.get(unit.id)
            # The whole unit when it scores about as well, or when the question is little more than its name.
            if passage is not None and own is not None and (
                    own.score >= WHOLE_UNIT_RATIO * hit.score or (own.name >= 0.99 and own.coverage >= 0.9)):
                passage = None
            ranked.append((unit, hit, passage))
        return ranked

    @staticmethod
    def _rivals(ranked: Sequence[tuple[Unit, Hit, Passage | None]]) -> list[Unit]:
        """The options to choose between: the best unit and its rivals in other organisations' texts.

        A rival is another organisation's unit that covers the question as fully ("innovation" is in both
        Kalundborg's and Glostrup's texts) and scores nearly as well, or that the question names just as well.
        """
        best_unit, best_hit = ranked[0][0], ranked[0][1]
        options = [best_unit]
        orgs = {best_unit.organisation_id}
        for unit, hit, _ in ranked[1:]:
            both_named = hit.name >= 0.99 and best_hit.name >= 0.99  # "innovation" names a unit in each
            if (unit.organisation_id not in orgs and hit.coverage >= 0.9 and _same_topic(hit, best_hit)
                    and (hit.score >= best_hit.score * RIVAL_RATIO or both_named)):
                options.append(unit)
                orgs.add(unit.organisation_id)
        return options


COMPARE_WORDS = re.compile(r"\b(sammenlign\w*|forskel\w*|adskil\w*|side om side|versus|vs)\b", re.IGNORECASE)
BOTH_PLURAL = re.compile(r"\b(begge|de to|to)\s+niveauer(ne)?\b", re.IGNORECASE)
BOTH_LEVELS = re.compile(r"\bniveau(?:erne)?\s*(1|et|én|en)\s*(?:og|,|/|&|vs\.?|versus|med)\s*(?:niveau\s*)?(2|to)\b",
                         re.IGNORECASE)
# Words that ask for more of the previous answer ("fortæl mere", "uddyb det").
MORE_WORDS = frozenset({"mere", "uddyb", "uddybe", "uddyber", "fortsæt", "teksten", "hele", "resten", "læs"})
MORE_FOLDED = frozenset(tx.fold(w) for w in MORE_WORDS)


def asks_level_comparison(text: str) -> bool:
    """Both levels asked side by side: "niveau 1 og 2", "forskellen på niveauerne", "sammenlign …"."""
    named = {tx.LEVEL_WORDS.get(m.group(1).lower()) for m in tx.LEVEL_PATTERN.finditer(text)}
    if BOTH_LEVELS.search(text) or BOTH_PLURAL.search(text) or {1, 2} <= named:
        return True
    folded = tx.fold(text)
    return bool(COMPARE_WORDS.search(text)) and "niveau" in folded


LISTING_CUE = re.compile(r"\b(hvilke|hvad er de|hvor mange|nævn|list\w*|oversigt|overblik)\b", re.IGNORECASE)
LISTED_KINDS = ("felter", "pejlemerker", "temaer", "verdier")


def asks_listing(text: str) -> bool:
    """"hvilke felter er der?", "hvad er de fem temaer": a listing of a kind (plural), not one unit."""
    forms = tx.word_forms(text)
    return bool(LISTING_CUE.search(text)) and any(f.startswith(k) for f in forms for k in LISTED_KINDS)


def asks_for_more(text: str) -> bool:
    """"fortæl mere", "kan du uddybe det?", "læs mere": more of the previous answer.

    Pair it with ``Answerer.names_no_topic`` to know that nothing new is named.
    """
    return 0 < len(tx.tokens(text)) <= 7 and bool(tx.word_forms(text) & MORE_FOLDED)


REFERRING_START = re.compile(r"^\s*(og|men|hvad med|hvad så med|samme)\b", re.IGNORECASE)
REFERRING_WORD = re.compile(r"\b(så|det|dette|den|denne|dem|også|hertil|dertil)\b|\btil\W*$", re.IGNORECASE)


CORRECTION = re.compile(
    r"^\W*(?:nej|næ|ikke det)?\W*(?:jeg\s+|vi\s+)?(?:mente|mener|tænkte på|tænker på|spurgte om|spørger om|"
    r"ville vide noget om|vil vide noget om)\s+(?P<topic>.+)$", re.IGNORECASE)


def correction_topic(text: str) -> str | None:
    """"nej, jeg mente tillid mellem leder og medarbejder" → "tillid mellem leder og medarbejder"."""
    match = CORRECTION.match(text.strip())
    if match is None:
        return None
    topic = match.group("topic").strip(" ?.!")
    return topic if any(not tx.is_stop(w) for w in tx.tokens(topic)) else None


def refers_back(text: str) -> bool:
    """A short question that leans on the previous one ("hvilken adfærd hører så til?")."""
    words = tx.tokens(text)
    return 0 < len(words) <= 9 and bool(REFERRING_START.search(text) or REFERRING_WORD.search(text))


def explains_only(text: str) -> bool:
    """"Kan du uddybe det?": asks for more on the previous answer, names nothing new."""
    forms = tx.word_forms(text)
    return 0 < len(tx.tokens(text)) <= 6 and any(w.startswith(e) for w in forms for e in EXPLAIN_WORDS)


def _uncertain(decision: Decision) -> bool:
    """The best hit is hardly better than the next one of the same kind (e.g. four question sets)."""
    hits = decision.hits
    return (len(hits) > 1 and hits[0].unit.kind == hits[1].unit.kind
            and hits[1].score >= 0.95 * hits[0].score) or (bool(hits) and hits[0].coverage < 0.6)


def _same_topic(a: Hit, b: Hit) -> bool:
    return abs(min(a.coverage, 1.0) - min(b.coverage, 1.0)) < 0.1
