"""What the bot would say, for a draft: a unit's answer and the answer to a question asked of the draft.

The preview runs the bot's own code (the actions' renderers, the answerer, the domain's response texts) over
the draft's knowledge held in memory, so HR sees exactly the chat's answer before anything is published. The
draft's passages are embedded through the same text-keyed cache as a publish, so only edited text costs time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk.executor import CollectingDispatcher

from actions.common import utter_decision, utter_unit
from bot.core.answering import Answerer, Question
from bot.core.model import KnowledgeSet
from bot.knowledge.memory import InMemoryKnowledgeRepository
from bot.knowledge.publish import compute_embeddings, example_vectors
from bot.knowledge.service import KnowledgeService
from bot.settings import PROJECT_ROOT, Settings


@dataclass(frozen=True)
class BotMessage:
    """One message of the bot as the chat shows it: its text and its buttons' titles."""

    text: str
    buttons: tuple[str, ...] = ()


@lru_cache(maxsize=1)
def _responses(domain_path: Path) -> dict[str, str]:
    domain = yaml.safe_load(domain_path.read_text(encoding="utf-8"))
    return {name: variants[0]["text"] for name, variants in domain["responses"].items() if variants[0].get("text")}


def render(dispatcher: CollectingDispatcher, domain_path: Path = PROJECT_ROOT / "domain.yml") -> list[BotMessage]:
    """The dispatcher's messages with the domain's templates filled, as the Rasa server does."""
    responses = _responses(domain_path)
    out = []
    for message in dispatcher.messages:
        template = responses.get(message.get("response") or "", message.get("text") or "")
        values = {k: str(v) for k, v in message.items()}
        text = re.sub(r"\{(\w+)\}", lambda m, values=values: values.get(m.group(1), m.group(0)), template)
        buttons = tuple(str(b.get("title", "")) for b in message.get("buttons") or [])
        out.append(BotMessage(text, buttons))
    return out


class DraftBot:
    """The answering part of the bot over one draft's knowledge."""

    def __init__(self, knowledge: KnowledgeSet, settings: Settings, semantic: bool = True) -> None:
        vectors = compute_embeddings(knowledge) if semantic else None
        examples = example_vectors(knowledge) if semantic else None
        self.repository = InMemoryKnowledgeRepository(knowledge, vectors, examples)
        self._service = KnowledgeService(self.repository)
        self._home = settings.home_organisation

    def _answerer(self) -> Answerer:
        index = self._service.index()
        return Answerer(index, index.organisations, home=self._home, scope=self._service.scope())

    def unit_answer(self, unit_id: str) -> list[BotMessage]:
        """The answer a leader gets when this unit is the answer (a button press shows the same)."""
        unit = self.repository.get(unit_id)
        if unit is None:
            return []
        dispatcher = CollectingDispatcher()
        utter_unit(dispatcher, unit, self.repository)
        return render(dispatcher)

    def ask(self, text: str) -> list[BotMessage]:
        """The answer to a question asked of the draft (one turn, no NLU: the search decides, as in the bot)."""
        dispatcher = CollectingDispatcher()
        question = Question(text.strip())
        decision = self._answerer().decide(question)
        utter_decision(dispatcher, decision, self.repository, question.text, None, self.repository.version())
        return render(dispatcher)


def messages_as_dicts(messages: list[BotMessage]) -> list[dict[str, Any]]:
    """For JSON (the workbench's live preview)."""
    return [{"text": m.text, "buttons": list(m.buttons)} for m in messages]
