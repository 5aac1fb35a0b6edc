"""Shared helpers for the actions: the knowledge service, rendering a unit, reading entities."""

from __future__ import annotations

import json
import logging
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from typing_extensions import override

from bot.core.answering import Answerer, Decision, Question
from bot.core.model import Unit
from bot.core.passages import Passage
from bot.knowledge.repository import KnowledgeRepository, KnowledgeUnavailable
from bot.knowledge.service import KnowledgeService, knowledge_service
from bot.names import Slot, UnitKind
from bot.settings import Settings, get_settings

logger = logging.getLogger(__name__)
MAX_BUTTONS = 6


class KnowledgeAction(Action, ABC):
    """An action that reads the knowledge base.

    If the database cannot be read, the user gets the Danish apology `utter_knowledge_unavailable` instead of
    silence or a stack trace.

    rasa-sdk creates actions without arguments, so ``service`` and ``settings`` default to the process's
    (``knowledge_service()``, ``get_settings()``), looked up per turn so a publish is seen; tests pass their own
    (as rasa-sdk's ``ActionQueryKnowledgeBase`` takes its knowledge base).
    """

    def __init__(self, service: KnowledgeService | None = None, settings: Settings | None = None) -> None:
        self._service = service
        self._settings = settings

    @override
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        try:
            finder, repo = answerer(self._service, self._settings)
            return self.respond(dispatcher, tracker, finder, repo)
        except KnowledgeUnavailable as exc:
            logger.error("knowledge unavailable in %s: %s", self.name(), exc)
            dispatcher.utter_message(response="utter_knowledge_unavailable")
            return []

    @abstractmethod
    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, finder: Answerer, repo: KnowledgeRepository
    ) -> list[EventType]:
        """Answer the turn with ``finder`` and ``repo``, both over the current knowledge version.

        The events returned are the action's. A ``KnowledgeUnavailable`` raised here becomes the apology.
        """


def answerer(service: KnowledgeService | None = None,
             settings: Settings | None = None) -> tuple[Answerer, KnowledgeRepository]:
    """The answerer over the current knowledge version (raises KnowledgeUnavailable)."""
    service = service or knowledge_service()
    index = service.index()
    home = (settings or get_settings()).home_organisation
    return Answerer(index, index.organisations, home=home, scope=service.scope()), service.repository


FEEDBACK_PROMPT = "utter_ask_feedback"


def after_answer(tracker: Tracker) -> bool:
    """Whether the bot's last message before this turn asked "Hjalp svaret?" (feedback can only mean that)."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                return False
            seen_user = True
        elif event.get("event") == "bot" and seen_user:
            return (event.get("metadata") or {}).get("utter_action") == FEEDBACK_PROMPT
    return False


def entity_values(tracker: Tracker, entity: str) -> list[str]:
    """The distinct values of ``entity`` in the latest message, as text, in the order the NLU found them."""
    values = []
    for e in tracker.latest_message.get("entities", []) or []:
        if e.get("entity") == entity and e.get("value") is not None:
            values.append(str(e["value"]))
    return list(dict.fromkeys(values))


def first_entity(tracker: Tracker, entity: str) -> str | None:
    """The first value of ``entity`` in the latest message; None when the NLU found none."""
    values = entity_values(tracker, entity)
    return values[0] if values else None


def entity_level(tracker: Tracker) -> int | None:
    """The ``level`` entity as 1 or 2; None when there is none or it is no level the knowledge describes."""
    value = first_entity(tracker, "level")
    return int(value) if value in ("1", "2") else None


def question_from(tracker: Tracker, text: str | None = None, intent: str | None = None) -> Question:
    """The latest message as a ``Question``, with the entities the NLU found.

    ``text`` and ``intent``, when given, replace the message's own (a corrected question, an assumed intent).
    """
    return Question(
        text=text if text is not None else (tracker.latest_message.get("text") or ""),
        intent=intent if intent is not None else (tracker.latest_message.get("intent") or {}).get("name"),
        organisation=first_entity(tracker, "organisation"),
        level=entity_level(tracker),
        principles=tuple(entity_values(tracker, "principle")),
        fields=tuple(entity_values(tracker, "field")),
        network_themes=tuple(entity_values(tracker, "network_theme")),
    )


def show_payload(unit: Unit) -> str:
    """A ``/show_unit`` payload naming the unit: a press skips the NLU and shows exactly this unit."""
    return "/show_unit" + json.dumps({"unit_id": unit.id}, ensure_ascii=False)


def button(unit: Unit, label: str | None = None) -> dict[str, str]:
    """A button that shows ``unit``, titled ``label`` or else the unit's own button label."""
    return {"title": label or unit.button_label, "payload": show_payload(unit)}


def org_name(repo: KnowledgeRepository, organisation_id: str) -> str:
    """The organisation's display name; its id when the repository does not know it."""
    org = repo.organisation(organisation_id)
    return org.name if org else organisation_id


def body_of(unit: Unit, children: Iterable[Unit] = ()) -> str:
    """The answer text of a unit: headline, text (a quote with its speaker) and items as bullets.

    A KL value also shows its "Vi …" list and its behaviour list from ``children``; a unit without text or
    items of its own lists its ``children`` by title (level descriptions left out).
    """
    parts = []
    if unit.headline:
        parts.append(unit.headline)
    if unit.kind == UnitKind.QUOTE and unit.text:
        parts.append(f"»{unit.text}« – {unit.speaker}")
    elif unit.text:
        parts.append(unit.text)
    if unit.items:
        parts.append("\n".join(f"• {item}" for item in unit.items))
    if unit.kind == UnitKind.VALUE:
        # A KL value is short: show it whole, with its "Vi … " list and its behaviour list.
        for child in children:
            if child.kind in (UnitKind.VALUE_LIST, UnitKind.BEHAVIOUR):
                parts.append("\n".join([child.text, *(f"• {item}" for item in child.items)]))
    elif not unit.text and not unit.items:
        listed = [c for c in children if c.kind != UnitKind.LEVEL_DESCRIPTION]
        if listed:
            parts.append("\n".join(f"• {c.title}" for c in listed))
    return "\n\n".join(parts)


def source_of(unit: Unit, repo: KnowledgeRepository) -> str:
    """The source line of an answer: the document's title and the section the unit sits in.

    The section path leaves out the unit's own title (the answer shows it), except for a field, value, theme,
    network theme or pejlemærke below another unit.
    """
    document = repo.document(unit.document_id)
    title = document.source_title if document else unit.document_id
    section = " › ".join(unit.section_path[:-1] or unit.section_path)
    titled = (UnitKind.FIELD, UnitKind.VALUE, UnitKind.THEME, UnitKind.NETWORK_THEME, UnitKind.PEJLEMAERKE)
    if unit.kind in titled and len(unit.section_path) > 1:
        section = " › ".join(unit.section_path)
    return f"{title} · {section}" if section else title


def next_step_buttons(unit: Unit, repo: KnowledgeRepository) -> list[dict[str, str]]:
    """The natural next steps: other level, sibling pejlemærker, a theme's questions, lists of a value."""
    buttons: list[dict[str, str]] = []
    children = repo.children(unit.id)
    if unit.kind == UnitKind.PEJLEMAERKE:
        buttons += [button(c) for c in children if c.kind == UnitKind.LEVEL_DESCRIPTION]
        buttons += [button(s) for s in repo.siblings(unit.id) if s.kind == UnitKind.PEJLEMAERKE]
    elif unit.kind == UnitKind.LEVEL_DESCRIPTION and unit.parent_id:
        buttons += [button(s) for s in repo.siblings(unit.id) if s.kind == UnitKind.LEVEL_DESCRIPTION]
        parent = repo.get(unit.parent_id)
        if parent is not None:
            buttons.append(button(parent))
    elif unit.kind in (UnitKind.FIELD, UnitKind.VALUE, UnitKind.THEME, UnitKind.NETWORK_THEME):
        buttons += [button(c) for c in children if c.kind != UnitKind.QUOTE]
    elif unit.kind == UnitKind.THEME_PROSE and unit.parent_id:
        parent = repo.get(unit.parent_id)
        if parent is not None:
            buttons.append(button(parent))
    elif unit.parent_id:
        parent = repo.get(unit.parent_id)
        if parent is not None and parent.kind == UnitKind.NETWORK_THEME:
            buttons += [button(c) for c in repo.children(parent.id)
                        if c.kind == UnitKind.QUESTION_SET and c.id != unit.id]
        if unit.kind == UnitKind.QUESTION_SET and parent is not None:
            buttons.append(button(parent))
        if parent is not None and parent.kind == UnitKind.VALUE:
            buttons += [button(s) for s in repo.siblings(unit.id) if s.kind != UnitKind.QUOTE]
    return buttons[:MAX_BUTTONS]


def utter_unit(dispatcher: CollectingDispatcher, unit: Unit, repo: KnowledgeRepository) -> None:
    """The whole unit with its source and next-step buttons, then the "Hjalp svaret?" prompt."""
    response = "utter_knowledge_answer_page" if unit.page else "utter_knowledge_answer"
    dispatcher.utter_message(
        response=response,
        title=unit.title,
        organisation=org_name(repo, unit.organisation_id),
        body=body_of(unit, repo.children(unit.id)),
        source=source_of(unit, repo),
        page=unit.page or "",
        buttons=next_step_buttons(unit, repo),
    )
    dispatcher.utter_message(response=FEEDBACK_PROMPT)


def utter_passage(dispatcher: CollectingDispatcher, unit: Unit, passage: Passage, repo: KnowledgeRepository) -> None:
    """One item or sentence first, then the unit it belongs to and the source.

    The whole unit is the first button.
    """
    response = "utter_passage_answer_page" if unit.page else "utter_passage_answer"
    dispatcher.utter_message(
        response=response,
        passage=passage.text,
        title=unit.title,
        organisation=org_name(repo, unit.organisation_id),
        source=source_of(unit, repo),
        page=unit.page or "",
        buttons=[button(unit, f"Hele teksten: {unit.button_label}"), *next_step_buttons(unit, repo)][:MAX_BUTTONS],
    )
    dispatcher.utter_message(response=FEEDBACK_PROMPT)


def answered(unit: Unit, query: str | None, intent: str | None, version: str) -> list[EventType]:
    """Slots after a knowledge answer: what was answered, for which question, from which knowledge version."""
    events: list[EventType] = [SlotSet(Slot.LAST_UNIT, unit.id), SlotSet(Slot.KNOWLEDGE_VERSION, version)]
    if query is not None:
        events += [SlotSet(Slot.LAST_QUERY, query), SlotSet(Slot.LAST_INTENT, intent)]
    return events


def utter_decision(
    dispatcher: CollectingDispatcher,
    decision: Decision,
    repo: KnowledgeRepository,
    query: str,
    intent: str | None,
    version: str,
) -> list[EventType]:
    """Turn a Decision into messages and slot events."""
    remember = [SlotSet(Slot.LAST_QUERY, query), SlotSet(Slot.LAST_INTENT, intent)]
    if decision.kind == "answer" and decision.unit is not None:
        if decision.passage is not None:
            utter_passage(dispatcher, decision.unit, decision.passage, repo)
        else:
            utter_unit(dispatcher, decision.unit, repo)
        return answered(decision.unit, query, intent, version)
    if decision.kind == "compare" and decision.unit is not None and len(decision.options) == 2:
        _utter_comparison(dispatcher, decision.unit, decision.options, repo)
        return answered(decision.unit, query, intent, version)
    if decision.kind in ("choose", "suggest"):
        _utter_options(dispatcher, decision, repo)
        return remember
    dispatcher.utter_message(response="utter_out_of_scope" if decision.outside else "utter_no_match")
    return []


def _utter_comparison(dispatcher: CollectingDispatcher, pejlemaerke: Unit, levels: Sequence[Unit],
                      repo: KnowledgeRepository) -> None:
    """Both levels of one pejlemærke side by side ("forskellen på niveau 1 og 2")."""
    first, second = levels
    dispatcher.utter_message(
        response="utter_compare_levels",
        title=pejlemaerke.title,
        organisation=org_name(repo, pejlemaerke.organisation_id),
        first_label=first.button_label, first=first.text,
        second_label=second.button_label, second=second.text,
        source=source_of(first, repo),
        buttons=[button(first), button(second), button(pejlemaerke)],
    )
    dispatcher.utter_message(response=FEEDBACK_PROMPT)


def _utter_options(dispatcher: CollectingDispatcher, decision: Decision, repo: KnowledgeRepository) -> None:
    """Units to choose between (both named) or to suggest (none sure enough), as buttons with organisation."""
    labelled = [(u, f"{u.title} ({org_name(repo, u.organisation_id)})") for u in decision.options]
    buttons = [button(u, label) for u, label in labelled]
    if decision.kind == "choose":
        options = "\n".join(f"• {label}" for _, label in labelled)
        dispatcher.utter_message(response="utter_choose_unit", options=options, buttons=buttons)
    else:
        dispatcher.utter_message(response="utter_suggest_units", buttons=buttons)


def answer(
    dispatcher: CollectingDispatcher, tracker: Tracker, question: Question, finder: Answerer, repo: KnowledgeRepository
) -> list[EventType]:
    """Search-backed answer to ``question``, with the previous question (and its unit) as context for follow-ups."""
    question, decision = decide_in_context(tracker, question, finder)
    return utter_decision(dispatcher, decision, repo, question.text, question.intent, finder.index.version)


def decide_in_context(tracker: Tracker, question: Question, finder: Answerer) -> tuple[Question, Decision]:
    """The decision on ``question`` with the previous question and its unit's family as context."""
    question = replace(question, near=finder.family(tracker.get_slot(Slot.LAST_UNIT)))
    return question, finder.decide(question, context=tracker.get_slot(Slot.LAST_QUERY))
