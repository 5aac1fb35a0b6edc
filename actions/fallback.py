"""Low NLU confidence and negative feedback: search, offer the best matches, or say what the bot can do."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import KnowledgeAction, utter_decision
from bot.answering import Answerer, Decision, Question
from bot.knowledge.model import Unit
from bot.knowledge.repository import KnowledgeRepository

# Without a trusted intent, answer directly only when the question's words are well covered.
DIRECT_ANSWER_COVERAGE = 0.67


class ActionFallbackSearch(KnowledgeAction):
    """NLU was unsure which intent this is: let the search decide, never guess blindly."""

    def name(self) -> str:
        return "action_fallback_search"

    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, finder: Answerer, repo: KnowledgeRepository
    ) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        decision = finder.decide(Question(text))
        if decision.kind == "answer" and decision.hits and decision.hits[0].coverage < DIRECT_ANSWER_COVERAGE:
            options: list[Unit] = []
            for hit in decision.hits:
                if hit.unit.id not in {u.id for u in options}:
                    options.append(hit.unit)
            decision = Decision("suggest", options=tuple(options[:3]), hits=decision.hits)
        return utter_decision(dispatcher, decision, repo, text, None, finder.index.version)
