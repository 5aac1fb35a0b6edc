"""`action_warm_up`: loads the knowledge index, the lemmatizer and the embedding model ahead of time.

It is called once by scripts/run.sh when the action server has started, so the first leader does not wait
while they load.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from typing_extensions import override

from actions.common import answerer
from bot.core.answering import Question
from bot.knowledge.repository import KnowledgeUnavailable
from bot.knowledge.service import KnowledgeService

logger = logging.getLogger(__name__)


class ActionWarmUp(Action):
    """Builds the search index and loads the embedding model before the first leader asks."""

    def __init__(self, service: KnowledgeService | None = None) -> None:
        self._service = service

    @override
    def name(self) -> str:
        return "action_warm_up"

    @override
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        start = time.perf_counter()
        try:
            finder, _repo = answerer(self._service)
            finder.decide(Question("Hvad forventes af en niveau 2 leder om økonomistyring?"))
        except KnowledgeUnavailable as exc:  # the first real question will apologise; nothing to warm
            logger.warning("warm-up: knowledge unavailable: %s", exc)
            return []
        logger.info("warm-up done in %.1f s", time.perf_counter() - start)
        return []
