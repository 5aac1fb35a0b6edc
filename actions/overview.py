"""Overview questions: which fields, pejlemærker, themes or values there are."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import KnowledgeAction, answer, button, entity_values, first_entity, question_from
from bot.core import text as tx
from bot.core.answering import Answerer
from bot.core.model import Unit
from bot.knowledge.repository import KnowledgeRepository

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
    def name(self) -> str:
        return "action_show_overview"

    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, finder: Answerer, repo: KnowledgeRepository
    ) -> list[EventType]:
        return show_overview(dispatcher, tracker, finder, repo)


def _field(finder: Answerer, repo: KnowledgeRepository, text: str, tracker: Tracker) -> Unit | None:
    for value in entity_values(tracker, "field"):
        unit = repo.get(value)
        if unit is not None and unit.kind == "field":
            return unit
    listing = ASKS_FIELDS + ASKS_PEJLEMAERKER + ASKS_THEMES + ASKS_VALUES
    topic = " ".join(
        w for w in tx.tokens(text) if not any(f.startswith(s) for f in tx.word_forms(w) for s in listing)
    )
    hits = finder.index.search(topic, kinds=("field", "pejlemaerke"), limit=1) if topic.strip() else []
    if hits and hits[0].coverage >= 0.5:
        unit = hits[0].unit
        return unit if unit.kind == "field" else repo.get(unit.parent_id or "")
    return None


def _overview(
    dispatcher: CollectingDispatcher, finder: Answerer, repo: KnowledgeRepository, text: str,
    tracker: Tracker,
) -> list[EventType]:
    words = tx.word_forms(text)
    if not _has(words, ASKS_FIELDS + ASKS_PEJLEMAERKER + ASKS_THEMES + ASKS_VALUES + ASKS_OVERVIEW):
        # Not a listing question after all ("hvad beskriver KL's love?"): answer it.
        return answer(dispatcher, tracker, question_from(tracker, intent="ask_principle"), finder, repo)
    organisation = first_entity(tracker, "organisation") or finder.detect_organisation(text)
    fields = repo.find(kind="field")

    def source(units: list[Unit]) -> str:
        document = repo.document(units[0].document_id) if units else None
        return document.source_title if document else ""

    if _has(words, ASKS_PEJLEMAERKER):
        field = _field(finder, repo, text, tracker)
        if field is not None:
            children = [c for c in repo.children(field.id) if c.kind == "pejlemaerke"]
            dispatcher.utter_message(response="utter_overview_field", field=field.title,
                                     items=_items(children), buttons=[button(c) for c in children])
            return [SlotSet("last_unit", field.id)]
        grouped = "\n\n".join(
            f"{f.title}:\n{_items([c for c in repo.children(f.id) if c.kind == 'pejlemaerke'])}" for f in fields
        )
        dispatcher.utter_message(response="utter_overview_pejlemaerker", source=source(fields), items=grouped,
                                 buttons=[button(f) for f in fields])
        return []
    if _has(words, ASKS_FIELDS) and fields:
        dispatcher.utter_message(response="utter_overview_fields", source=source(fields), items=_items(fields),
                                 buttons=[button(f) for f in fields])
        return []
    if _has(words, ASKS_VALUES) or (organisation == "kl" and not _has(words, NETWORK_WORDS + ASKS_THEMES)):
        values = repo.find(kind="value")
        dispatcher.utter_message(response="utter_overview_values", source=source(values), items=_items(values),
                                 buttons=[button(v) for v in values])
        return []
    if _has(words, ASKS_THEMES) or _has(words, NETWORK_WORDS) or organisation == "glostrup":
        network = _has(words, NETWORK_WORDS) or organisation == "kl"
        glostrup = organisation == "glostrup" or not network
        shown = False
        if glostrup:
            themes = repo.find(kind="theme", organisation=organisation or "glostrup")
            if themes:
                dispatcher.utter_message(response="utter_overview_themes", source=source(themes),
                                         items=_items(themes), buttons=[button(t) for t in themes])
                shown = True
        if network or not shown:
            themes = repo.find(kind="network_theme")
            if themes:
                dispatcher.utter_message(response="utter_overview_themes", source=source(themes),
                                         items=_items(themes), buttons=[button(t) for t in themes])
        return []
    if organisation == "kalundborg" and fields:
        dispatcher.utter_message(response="utter_overview_fields", source=source(fields), items=_items(fields),
                                 buttons=[button(f) for f in fields])
        return []
    documents = []
    for org in repo.organisations():
        for unit in repo.find(organisation=org.id):
            document = repo.document(unit.document_id)
            if document and document.source_title not in documents:
                documents.append(document.source_title)
    dispatcher.utter_message(response="utter_overview_documents",
                             items="\n".join(f"• {d}" for d in documents))
    return []


def show_overview(
    dispatcher: CollectingDispatcher, tracker: Tracker, finder: Answerer, repo: KnowledgeRepository
) -> list[EventType]:
    """The listing the question asks for (fields, a field's pejlemærker, themes, values, the documents)."""
    return _overview(dispatcher, finder, repo, tracker.latest_message.get("text") or "", tracker)
