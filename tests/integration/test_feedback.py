"""Feedback is stored with question, unit, knowledge version and channel; personal data is masked."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.feedback import ActionFeedbackPositive, ActionNegativeFeedback
from bot.insights.feedback import feedback_repository

SLOTS = {"last_unit": "kalundborg.drift.oekonomistyring", "last_query": "hvad med økonomi? ring 12345678",
         "knowledge_version": "abc123"}


def stored_since(start: datetime):
    return feedback_repository().between(start, datetime.now(timezone.utc) + timedelta(seconds=1))


@pytest.mark.usefixtures("use_knowledge_db")
def test_positive_button_is_stored(make_tracker, domain) -> None:
    start = datetime.now(timezone.utc)
    tracker = make_tracker("/feedback_positive", "feedback_positive", slots=SLOTS, sender="leder-1",
                           channel="telegram")
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionFeedbackPositive().run(dispatcher, tracker, domain.as_dict()))
    assert [m["response"] for m in dispatcher.messages] == ["utter_feedback_thanks"]
    [row] = [f for f in stored_since(start) if f.sender_id == "leder-1"]
    assert row.helpful and row.channel == "telegram" and row.unit_id == "kalundborg.drift.oekonomistyring"
    assert row.knowledge_version == "abc123" and row.comment is None
    assert row.question == "hvad med økonomi? ring [TELEFON]"


@pytest.mark.usefixtures("use_knowledge_db")
def test_free_text_complaint_is_stored_as_comment(make_tracker, domain) -> None:
    start = datetime.now(timezone.utc)
    text = "det var ikke det jeg spurgte om, skriv til mig på anne@example.dk"
    prompt = [{"event": "user", "text": "hvad med økonomi?"},
              {"event": "bot", "text": "Hjalp svaret?", "metadata": {"utter_action": "utter_ask_feedback"}}]
    tracker = make_tracker(text, "feedback_negative", slots=SLOTS, sender="leder-2", history=prompt)
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionNegativeFeedback().run(dispatcher, tracker, domain.as_dict()))
    [row] = [f for f in stored_since(start) if f.sender_id == "leder-2"]
    assert not row.helpful and row.channel == "rest"
    assert row.comment == "det var ikke det jeg spurgte om, skriv til mig på [E-MAIL]"
    assert dispatcher.messages[0]["response"] in ("utter_feedback_alternatives", "utter_feedback_sorry")
