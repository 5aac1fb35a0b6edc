"""Overview questions: which fields, pejlemærker, themes or values there are."""

from __future__ import annotations

from dataclasses import dataclass

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from typing_extensions import override

from actions.common import KnowledgeAction, answer, button, entity_values, first_entity, question_from
from bot.core import text as tx
from bot.core.answering import Answerer
from bot.core.model import Unit
from bot.knowledge.repository import KnowledgeRepository
from bot.names import Intent, Slot, UnitKind

# What a listing question asks for, recognised on the folded text (so "pejlemaerker" works too).
ASKS_FIELDS = ("felt", "felter", "feltet", "felterne")
ASKS_PEJLEMAERKER = ("pejlemerk", "pejlemerke", "pejlemerker", "pejlemerkerne")
ASKS_THEMES = ("tema", "temaer", "temaerne", "hovedtema", "hovedtemaer")
ASKS_VALUES = ("verdi", "verdier", "verdierne")
ASKS_OVERVIEW = ("overblik", "oversigt", "liste", "indhold")
NETWORK_WORDS = ("netverk", "ledernetverk", "guide", "guiden", "netverkene", "ledernetverkene")


def _has(words: set[str], stems: tuple[str, ...]) -> bool:
    return any(w.startswith(s) for w in words for s in stems)


def _items(units: list[Unit]) -> str:
    return "\n".join(f"• {u.title}" for u in units)


class ActionShowOverview(KnowledgeAction):
    """A listing question: which fields, pejlemærker, themes or values there are (see ``show_overview``)."""

    @override
    def name(self) -> str:
        return "action_show_overview"

    @override
    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, finder: Answerer, repo: KnowledgeRepository
    ) -> list[EventType]:
        return show_overview(dispatcher, tracker, finder, repo)


def _field(finder: Answerer, repo: KnowledgeRepository, text: str, tracker: Tracker) -> Unit | None:
    for value in entity_values(tracker, "field"):
        unit = repo.get(value)
        if unit is not None and unit.kind == UnitKind.FIELD:
            return unit
    listing = ASKS_FIELDS + ASKS_PEJLEMAERKER + ASKS_THEMES + ASKS_VALUES
    topic = " ".join(
        w for w in tx.tokens(text) if not any(f.startswith(s) for f in tx.word_forms(w) for s in listing)
    )
    hits = finder.index.search(topic, kinds=(UnitKind.FIELD, UnitKind.PEJLEMAERKE), limit=1) if topic.strip() else []
    if hits and hits[0].coverage >= 0.5:
        unit = hits[0].unit
        return unit if unit.kind == UnitKind.FIELD else repo.get(unit.parent_id or "")
    return None


@dataclass(frozen=True)
class _Listing:
    """One listing question: its words, the organisation it names (if any) and where to say it."""

    dispatcher: CollectingDispatcher
    finder: Answerer
    repo: KnowledgeRepository
    tracker: Tracker
    text: str
    words: set[str]
    organisation: str | None

    def asks(self, *stems: tuple[str, ...]) -> bool:
        return any(_has(self.words, group) for group in stems)

    def has(self, kind: UnitKind) -> bool:
        """Whether the named organisation has units of ``kind`` (what it lists comes from the knowledge)."""
        return self.organisation is not None and bool(self.repo.find(kind=kind, organisation=self.organisation))

    def say(self, response: str, units: list[Unit], **values: str) -> None:
        self.dispatcher.utter_message(response=response, source=_source(self.repo, units), items=_items(units),
                                      buttons=[button(u) for u in units], **values)


def _source(repo: KnowledgeRepository, units: list[Unit]) -> str:
    document = repo.document(units[0].document_id) if units else None
    return document.source_title if document else ""


def _overview(
    dispatcher: CollectingDispatcher, finder: Answerer, repo: KnowledgeRepository, text: str,
    tracker: Tracker,
) -> list[EventType]:
    words = tx.word_forms(text)
    if not _has(words, ASKS_FIELDS + ASKS_PEJLEMAERKER + ASKS_THEMES + ASKS_VALUES + ASKS_OVERVIEW):
        # Not a listing question after all ("hvad beskriver KL's love?"): answer it.
        return answer(dispatcher, tracker, question_from(tracker, intent=Intent.ASK_PRINCIPLE), finder, repo)
    organisation = first_entity(tracker, "organisation") or finder.detect_organisation(text)
    listing = _Listing(dispatcher, finder, repo, tracker, text, words, organisation)
    fields = repo.find(kind=UnitKind.FIELD)
    if listing.asks(ASKS_PEJLEMAERKER):
        return _pejlemaerker(listing, fields)
    if listing.asks(ASKS_FIELDS) and fields:
        listing.say("utter_overview_fields", fields)
        return []
    if listing.asks(ASKS_VALUES) or (listing.has(UnitKind.VALUE) and not listing.asks(NETWORK_WORDS, ASKS_THEMES)):
        listing.say("utter_overview_values", repo.find(kind=UnitKind.VALUE))
        return []
    if listing.asks(ASKS_THEMES, NETWORK_WORDS) or listing.has(UnitKind.THEME):
        _themes(listing)
        return []
    if listing.has(UnitKind.FIELD) and fields:
        listing.say("utter_overview_fields", fields)
        return []
    _documents(listing)
    return []


def _pejlemaerker(listing: _Listing, fields: list[Unit]) -> list[EventType]:
    """One field's pejlemærker when the question names a field, else every field's, grouped."""
    repo = listing.repo
    field = _field(listing.finder, repo, listing.text, listing.tracker)
    if field is not None:
        children = [c for c in repo.children(field.id) if c.kind == UnitKind.PEJLEMAERKE]
        listing.dispatcher.utter_message(response="utter_overview_field", field=field.title,
                                         items=_items(children), buttons=[button(c) for c in children])
        return [SlotSet(Slot.LAST_UNIT, field.id)]
    grouped = "\n\n".join(
        f"{f.title}:\n{_items([c for c in repo.children(f.id) if c.kind == UnitKind.PEJLEMAERKE])}" for f in fields
    )
    listing.dispatcher.utter_message(response="utter_overview_pejlemaerker", source=_source(repo, fields),
                                     items=grouped, buttons=[button(f) for f in fields])
    return []


def _themes(listing: _Listing) -> None:
    """An organisation's themes, the network guide's themes, or both when the question is unspecific."""
    network = listing.asks(NETWORK_WORDS) or listing.has(UnitKind.NETWORK_THEME)
    shown = False
    if listing.has(UnitKind.THEME) or not network:
        themes = listing.repo.find(kind=UnitKind.THEME, organisation=listing.organisation)
        if themes:
            listing.say("utter_overview_themes", themes)
            shown = True
    if network or not shown:
        themes = listing.repo.find(kind=UnitKind.NETWORK_THEME)
        if themes:
            listing.say("utter_overview_themes", themes)


def _documents(listing: _Listing) -> None:
    """Every source document, when the question lists nothing more specific."""
    documents: list[str] = []
    for org in listing.repo.organisations():
        for unit in listing.repo.find(organisation=org.id):
            document = listing.repo.document(unit.document_id)
            if document and document.source_title not in documents:
                documents.append(document.source_title)
    listing.dispatcher.utter_message(response="utter_overview_documents",
                                     items="\n".join(f"• {d}" for d in documents))


def show_overview(
    dispatcher: CollectingDispatcher, tracker: Tracker, finder: Answerer, repo: KnowledgeRepository
) -> list[EventType]:
    """The listing the question asks for (fields, a field's pejlemærker, themes, values, the documents)."""
    return _overview(dispatcher, finder, repo, tracker.latest_message.get("text") or "", tracker)
