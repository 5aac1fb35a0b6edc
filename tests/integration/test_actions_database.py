"""The actions over a real database that cannot be read: the Danish apology, never a stack trace."""

from __future__ import annotations

import asyncio
from pathlib import Path

from rasa_sdk.executor import CollectingDispatcher

from actions.answers import ActionAnswerQuestion
from actions.overview import ActionShowOverview


def test_a_missing_knowledge_database_gives_the_apology(make_tracker, domain, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("KNOWLEDGE_DB_URL", f"sqlite:///{tmp_path / 'missing.db'}")
    for action in (ActionAnswerQuestion(), ActionShowOverview()):
        dispatcher = CollectingDispatcher()
        tracker = make_tracker("hvad betyder evidensbaseret", "ask_principle")
        asyncio.run(action.run(dispatcher, tracker, domain.as_dict()))
        assert [m["response"] for m in dispatcher.messages] == ["utter_knowledge_unavailable"]
