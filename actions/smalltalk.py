"""Greetings, thanks and "hvad kan du?": the domain's reply, unless the turn asks the knowledge.

The NLU hears "niveau 1 tak" as thanks and "kan du uddybe det" as a question about the bot. Such a turn
after an answer is a follow-up, and a real question with a greeting in front ("hej, hvad siger
glostrup om …") is a question; only what is neither gets the small-talk reply.
"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from typing_extensions import override

from actions.common import KnowledgeAction, decide_in_context, question_from, utter_decision
from actions.followup import follow_up
from bot.core import text as tx
from bot.core.answering import Answerer, asks_for_more
from bot.knowledge.repository import KnowledgeRepository
from bot.names import Slot

REPLIES = {
    "greet": "utter_greet",
    "goodbye": "utter_goodbye",
    "thanks": "utter_you_are_welcome",
    "bot_capabilities": "utter_capabilities",
}
# A question this long (content words) is asked of the knowledge whatever the NLU called it.
QUESTION_WORDS = 3


class ActionSmallTalk(KnowledgeAction):
    """Small talk, unless it is a follow-up or a question the knowledge answers."""

    @override
    def name(self) -> str:
        return "action_small_talk"

    @override
    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, finder: Answerer, repo: KnowledgeRepository
    ) -> list[EventType]:
        question = question_from(tracker)
        text = question.text
        if tracker.get_slot(Slot.LAST_UNIT) and (tx.parse_level(text) is not None or asks_for_more(text)):
            return follow_up(dispatcher, tracker, finder, repo)
        content = [w for w in tx.tokens(text) if not tx.is_stop(w)]
        if len(content) >= QUESTION_WORDS and not text.startswith("/"):
            question, decision = decide_in_context(tracker, question, finder)
            if decision.kind == "answer":
                return utter_decision(dispatcher, decision, repo, text, question.intent, finder.index.version)
        dispatcher.utter_message(response=REPLIES.get(question.intent or "", "utter_capabilities"))
        return []
