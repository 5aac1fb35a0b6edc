"""Low NLU confidence and negative feedback: search, offer the best matches, or say what the bot can do."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import answerer, button, logger, org_name, utter_decision
from bot.answering import Question
from bot.knowledge.model import Unit
from bot.knowledge.repository import KnowledgeUnavailable


class ActionFallbackSearch(Action):
    """NLU was unsure which intent this is: let the search decide, never guess blindly."""

    def name(self) -> str:
        return "action_fallback_search"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        try:
            finder, repo = answerer()
            decision = finder.decide(Question(text))
            if decision.kind == "answer" and decision.hits and decision.hits[0].coverage < 0.67:
                options: list[Unit] = []
                for hit in decision.hits:
                    if hit.unit.id not in {u.id for u in options}:
                        options.append(hit.unit)
                decision = type(decision)("suggest", options=tuple(options[:3]), hits=decision.hits)
            return utter_decision(dispatcher, decision, repo, text, None)
        except KnowledgeUnavailable as exc:
            logger.error("knowledge unavailable: %s", exc)
            dispatcher.utter_message(response="utter_knowledge_unavailable")
            return []


class ActionNegativeFeedback(Action):
    """'Det var ikke det, jeg spurgte om': apologise and offer the next best matches of the last question."""

    def name(self) -> str:
        return "action_negative_feedback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        last_query = tracker.get_slot("last_query")
        last_unit = tracker.get_slot("last_unit")
        try:
            if last_query:
                finder, repo = answerer()
                hits = finder.index.search(last_query, limit=6)
                options = [h.unit for h in hits if h.unit.id != last_unit and h.coverage > 0][:3]
                if options:
                    dispatcher.utter_message(
                        response="utter_feedback_alternatives",
                        buttons=[button(u, f"{u.title} ({org_name(repo, u.organisation_id)})") for u in options],
                    )
                    return []
        except KnowledgeUnavailable as exc:
            logger.error("knowledge unavailable: %s", exc)
        dispatcher.utter_message(response="utter_feedback_sorry")
        return []
