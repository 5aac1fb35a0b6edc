"""Follow-ups: turns that lean on the previous answer.

They only name a level, an organisation or a principle ("og niveau 1?", "hvad med Glostrup?"), ask for more
("fortæl mere") or both levels side by side ("sammenlign niveau 1 og 2").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from typing_extensions import override

from actions.common import KnowledgeAction, answered, question_from, utter_decision, utter_unit
from bot.core import text as tx
from bot.core.answering import Answerer, Question, asks_for_more
from bot.core.model import Unit
from bot.knowledge.repository import KnowledgeRepository
from bot.names import Intent, Slot, UnitKind

OTHER_LEVEL = re.compile(r"\b(andet|anden|andre|modsatte)\b", re.IGNORECASE)


def more_of(last: Unit, repo: KnowledgeRepository) -> Unit:
    """What "fortæl mere" after ``last`` shows: a theme's explanatory prose, else the whole unit.

    After a passage answer, showing the whole unit gives the rest of it.
    """
    prose = [c for c in repo.children(last.id) if c.kind == UnitKind.THEME_PROSE]
    return prose[0] if prose else last


class ActionFollowUp(KnowledgeAction):
    """A turn the NLU calls ``follow_up``: it leans on the previous answer (see ``follow_up``)."""

    @override
    def name(self) -> str:
        return "action_follow_up"

    @override
    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, finder: Answerer, repo: KnowledgeRepository
    ) -> list[EventType]:
        return follow_up(dispatcher, tracker, finder, repo)


@dataclass(frozen=True)
class Context:
    """What the previous answer leaves for a follow-up: its unit, question and intent."""

    last: Unit | None
    query: str | None
    intent: str | None

    @classmethod
    def of(cls, tracker: Tracker, repo: KnowledgeRepository) -> Context:
        """The context the slots hold; ``last`` is None when no unit was answered or the knowledge lost it."""
        last_unit_id = tracker.get_slot(Slot.LAST_UNIT)
        return cls(repo.get(last_unit_id) if last_unit_id else None, tracker.get_slot(Slot.LAST_QUERY),
                   tracker.get_slot(Slot.LAST_INTENT))


def follow_up(
    dispatcher: CollectingDispatcher, tracker: Tracker, finder: Answerer, repo: KnowledgeRepository
) -> list[EventType]:
    """A turn that leans on the previous answer; a new topic is asked the way the previous question was."""
    question = question_from(tracker)
    context = Context.of(tracker, repo)
    version = finder.index.version
    last = context.last
    level = question.level if question.level is not None else tx.parse_level(question.text)
    if level is None and last is not None and last.level and OTHER_LEVEL.search(question.text):
        level = 3 - last.level
    organisation = question.organisation or finder.detect_organisation(question.text)
    comparison = finder.compare_levels(question, last)
    if comparison is not None:
        return utter_decision(dispatcher, comparison, repo, question.text, context.intent, version)
    target = _same_unit_target(question, finder, repo, context, level, organisation)
    if target is not None:
        utter_unit(dispatcher, target, repo)
        return answered(target, context.query, context.intent, version)
    # "hvad med Glostrup?": the previous question, asked of that organisation.
    if organisation is not None and context.query and not question.principles:
        again = Question(context.query, context.intent, organisation, level)
        return utter_decision(dispatcher, finder.decide(again), repo, context.query, context.intent, version)
    # "hvad med innovation?": a new topic, asked the way the previous question was.
    intent = context.intent or "ask_principle"
    if (level is None and last is not None and last.kind == UnitKind.LEVEL_DESCRIPTION
            and context.intent == Intent.ASK_LEVEL):
        level = last.level
    new = Question(question.text, intent, organisation, level, question.principles,
                   question.fields, question.network_themes, near=finder.family(last.id if last else None))
    decision = finder.decide(new, context=context.query)
    return utter_decision(dispatcher, decision, repo, question.text, intent, version)


def _same_unit_target(question: Question, finder: Answerer, repo: KnowledgeRepository, context: Context,
                      level: int | None, organisation: str | None) -> Unit | None:
    """More of the previous unit ("fortæl mere") or its other level ("og niveau 1?"); None otherwise."""
    last = context.last
    if last is None:
        return None
    if organisation is None and level is None and asks_for_more(question.text) \
            and finder.names_no_topic(question.text):
        return more_of(last, repo)
    if level is not None and last.kind in (UnitKind.PEJLEMAERKE, UnitKind.LEVEL_DESCRIPTION):
        pejlemaerke_id = last.parent_id if last.kind == UnitKind.LEVEL_DESCRIPTION else last.id
        return repo.level_description(pejlemaerke_id or "", level)
    return None
