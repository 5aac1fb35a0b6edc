"""Actions that answer a question with a knowledge unit."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    answered,
    answerer,
    entity_level,
    entity_values,
    first_entity,
    logger,
    utter_decision,
    utter_unit,
)
from bot.answering import Question
from bot.knowledge.repository import KnowledgeUnavailable


def question_from(tracker: Tracker, text: str | None = None, intent: str | None = None) -> Question:
    return Question(
        text=text if text is not None else (tracker.latest_message.get("text") or ""),
        intent=intent if intent is not None else (tracker.latest_message.get("intent") or {}).get("name"),
        organisation=first_entity(tracker, "organisation"),
        level=entity_level(tracker),
        principles=tuple(entity_values(tracker, "principle")),
        fields=tuple(entity_values(tracker, "field")),
        network_themes=tuple(entity_values(tracker, "network_theme")),
    )


class ActionAnswerQuestion(Action):
    """Questions about a principle, a level, the network guide's questions or a fact."""

    def name(self) -> str:
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return answer(dispatcher, tracker, question_from(tracker))


def answer(dispatcher: CollectingDispatcher, tracker: Tracker, question: Question) -> list[EventType]:
    """Search-backed answer to ``question``, with the previous question as context for follow-ups."""
    try:
        finder, repo = answerer()
        decision = finder.decide(question, context=tracker.get_slot("last_query"))
        return utter_decision(dispatcher, decision, repo, question.text, question.intent)
    except KnowledgeUnavailable as exc:
        logger.error("knowledge unavailable: %s", exc)
        dispatcher.utter_message(response="utter_knowledge_unavailable")
        return []


class ActionShowUnit(Action):
    """A button press: show the unit named by the payload's unit_id."""

    def name(self) -> str:
        return "action_show_unit"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        unit_id = first_entity(tracker, "unit_id")
        try:
            _, repo = answerer()
            unit = repo.get(unit_id) if unit_id else None
            if unit is None:
                dispatcher.utter_message(response="utter_no_match")
                return []
            utter_unit(dispatcher, unit, repo)
            return answered(unit, None, None)
        except KnowledgeUnavailable as exc:
            logger.error("knowledge unavailable: %s", exc)
            dispatcher.utter_message(response="utter_knowledge_unavailable")
            return []
