"""Feedback on an answer ("Hjalp svaret?" buttons or free text), stored with question, unit and channel."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from typing_extensions import override

from actions.common import KnowledgeAction, after_answer, answer, button, org_name, question_from
from bot.core.answering import Answerer, correction_topic
from bot.insights.feedback import Feedback, feedback_repository
from bot.knowledge.repository import KnowledgeRepository
from bot.names import Slot

logger = logging.getLogger(__name__)


def record_feedback(tracker: Tracker, helpful: bool) -> None:
    """Store the feedback; a storage error is logged and never keeps the user from an answer."""
    text = tracker.latest_message.get("text") or ""
    comment = None if text.startswith("/") else text  # a button payload is not a comment
    try:
        feedback_repository().record(Feedback(
            created_at=datetime.now(timezone.utc),
            sender_id=tracker.sender_id,
            channel=tracker.get_latest_input_channel() or "unknown",
            question=tracker.get_slot(Slot.LAST_QUERY),
            unit_id=tracker.get_slot(Slot.LAST_UNIT),
            knowledge_version=tracker.get_slot(Slot.KNOWLEDGE_VERSION),
            helpful=helpful,
            comment=comment,
        ))
    except Exception:
        logger.exception("could not store feedback")


def is_feedback(tracker: Tracker) -> bool:
    """A 👍/👎 button always is (also under an older answer); typed text only right after an answer."""
    return (tracker.latest_message.get("text") or "").startswith("/") or after_answer(tracker)


class ActionFeedbackPositive(KnowledgeAction):
    """"Ja, tak" right after an answer; anything else classified so is asked of the knowledge."""

    @override
    def name(self) -> str:
        return "action_feedback_positive"

    @override
    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, finder: Answerer, repo: KnowledgeRepository
    ) -> list[EventType]:
        if not is_feedback(tracker):
            return answer(dispatcher, tracker, question_from(tracker, intent="ask_principle"), finder, repo)
        record_feedback(tracker, helpful=True)
        dispatcher.utter_message(response="utter_feedback_thanks")
        return []


class ActionNegativeFeedback(KnowledgeAction):
    """'Det var ikke det, jeg spurgte om': store it, apologise and offer the next best matches.

    Feedback counts only right after an answer: "hvad gør jeg, når jeg laver fejl?" is a question
    whatever the NLU says, and "nej, jeg mente tillid mellem leder og medarbejder" is the new question.
    """

    @override
    def name(self) -> str:
        return "action_negative_feedback"

    @override
    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, finder: Answerer, repo: KnowledgeRepository
    ) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        corrected = correction_topic(text)
        if corrected is not None or not is_feedback(tracker):
            if corrected is not None:
                record_feedback(tracker, helpful=False)
            question = question_from(tracker, text=corrected or text, intent="ask_principle")
            return answer(dispatcher, tracker, question, finder, repo)
        record_feedback(tracker, helpful=False)
        last_query = tracker.get_slot(Slot.LAST_QUERY)
        last_unit = tracker.get_slot(Slot.LAST_UNIT)
        if last_query:
            hits = finder.index.search(last_query, limit=6)
            options = [h.unit for h in hits if h.unit.id != last_unit and h.coverage > 0][:3]
            if options:
                dispatcher.utter_message(
                    response="utter_feedback_alternatives",
                    buttons=[button(u, f"{u.title} ({org_name(repo, u.organisation_id)})") for u in options],
                )
                return []
        dispatcher.utter_message(response="utter_feedback_sorry")
        return []
