"""Actions that answer a question with a knowledge unit."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from typing_extensions import override

from actions.common import KnowledgeAction, answer, answered, first_entity, question_from, utter_unit
from actions.followup import follow_up
from actions.overview import show_overview
from bot.core.answering import Answerer, asks_listing
from bot.knowledge.repository import KnowledgeRepository
from bot.names import Slot


class ActionAnswerQuestion(KnowledgeAction):
    """Every question-like turn: a principle, a level, the network guide or a fact.

    Also what the NLU called out of scope or was unsure of: the search decides whether the knowledge answers it.
    """

    @override
    def name(self) -> str:
        return "action_answer_question"

    @override
    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, finder: Answerer, repo: KnowledgeRepository
    ) -> list[EventType]:
        question = question_from(tracker)
        if tracker.get_slot(Slot.LAST_UNIT) and finder.names_no_topic(question.text):
            # "niveau 1", "og i Glostrup?", "fortæl mere": whatever the intent, it leans on the last answer.
            return follow_up(dispatcher, tracker, finder, repo)
        if asks_listing(question.text):
            # "hvilke felter er der?": a listing, whatever the intent.
            return show_overview(dispatcher, tracker, finder, repo)
        return answer(dispatcher, tracker, question, finder, repo)


class ActionShowUnit(KnowledgeAction):
    """A button press: show the unit named by the payload's unit_id."""

    @override
    def name(self) -> str:
        return "action_show_unit"

    @override
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
