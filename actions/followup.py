"""Follow-ups that only name a level, an organisation or a principle ("og niveau 1?", "hvad med Glostrup?")."""

from __future__ import annotations

import re

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import question_from
from actions.common import KnowledgeAction, answered, utter_decision, utter_unit
from bot.answering import Answerer, Question
from bot.knowledge import text as tx
from bot.knowledge.repository import KnowledgeRepository

OTHER_LEVEL = re.compile(r"\b(andet|anden|andre|modsatte)\b", re.IGNORECASE)


class ActionFollowUp(KnowledgeAction):
    def name(self) -> str:
        return "action_follow_up"

    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, finder: Answerer, repo: KnowledgeRepository
    ) -> list[EventType]:
        question = question_from(tracker)
        last_unit_id = tracker.get_slot("last_unit")
        last_query = tracker.get_slot("last_query")
        last_intent = tracker.get_slot("last_intent")
        last = repo.get(last_unit_id) if last_unit_id else None
        level = question.level if question.level is not None else tx.parse_level(question.text)
        if level is None and last is not None and last.level and OTHER_LEVEL.search(question.text):
            level = 3 - last.level
        organisation = question.organisation or finder.detect_organisation(question.text)

        # "og niveau 1?" after a pejlemærke or a level description: same pejlemærke, that level.
        if level is not None and last is not None and last.kind in ("pejlemaerke", "level_description"):
            pejlemaerke_id = last.parent_id if last.kind == "level_description" else last.id
            target = repo.level_description(pejlemaerke_id or "", level)
            if target is not None:
                utter_unit(dispatcher, target, repo)
                return answered(target, last_query, last_intent, finder.index.version)

        # "hvad med Glostrup?": the previous question, asked of that organisation.
        if organisation is not None and last_query and not question.principles:
            again = Question(last_query, last_intent, organisation, level)
            return utter_decision(dispatcher, finder.decide(again), repo, last_query, last_intent, finder.index.version)

        # "hvad med innovation?": a new topic, asked the way the previous question was.
        intent = last_intent or "ask_principle"
        if level is None and last is not None and last.kind == "level_description" and last_intent == "ask_level":
            level = last.level
        new = Question(question.text, intent, organisation, level, question.principles,
                       question.fields, question.network_themes)
        decision = finder.decide(new, context=last_query)
        return utter_decision(dispatcher, decision, repo, question.text, intent, finder.index.version)
