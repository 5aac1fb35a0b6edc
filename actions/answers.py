"""Actions that answer a question with a knowledge unit."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    KnowledgeAction,
    answered,
    entity_level,
    entity_values,
    first_entity,
    utter_decision,
    utter_unit,
)
from bot.answering import Answerer, Question
from bot.knowledge.repository import KnowledgeRepository


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


def answer(
    dispatcher: CollectingDispatcher, tracker: Tracker, question: Question, finder: Answerer, repo: KnowledgeRepository
) -> list[EventType]:
    """Search-backed answer to ``question``, with the previous question as context for follow-ups."""
    decision = finder.decide(question, context=tracker.get_slot("last_query"))
    return utter_decision(dispatcher, decision, repo, question.text, question.intent, finder.index.version)


class ActionAnswerQuestion(KnowledgeAction):
    """Questions about a principle, a level, the network guide's questions or a fact."""

    def name(self) -> str:
        return "action_answer_question"

    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, finder: Answerer, repo: KnowledgeRepository
    ) -> list[EventType]:
        return answer(dispatcher, tracker, question_from(tracker), finder, repo)


class ActionShowUnit(KnowledgeAction):
    """A button press: show the unit named by the payload's unit_id."""

    def name(self) -> str:
        return "action_show_unit"

    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, finder: Answerer, repo: KnowledgeRepository
    ) -> list[EventType]:
        unit_id = first_entity(tracker, "unit_id")
        unit = repo.get(unit_id) if unit_id else None
        if unit is None:
            dispatcher.utter_message(response="utter_no_match")
            return []
        utter_unit(dispatcher, unit, repo)
        return answered(unit, None, None, finder.index.version)
