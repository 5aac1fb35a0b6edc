"""The HR report's classification is pure: hand-built tracker events in, turns, questions and groups out."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from bot.insights.data import (
    LOW_CONFIDENCE,
    SIMILARITY,
    Answer,
    EventRow,
    Question,
    Turn,
    attach_feedback,
    classify,
    classify_turns,
    group_similar,
    outcome,
    split_turns,
)
from bot.insights.feedback import Feedback

START = datetime(2025, 3, 1, tzinfo=timezone.utc)
END = datetime(2025, 4, 1, tzinfo=timezone.utc)
T0 = datetime(2025, 3, 3, 9, tzinfo=timezone.utc)
UNIT = "kalundborg.drift.sikker-drift"
OTHER_UNIT = "kalundborg.drift.oekonomistyring.niveau-2"


def user(text: str, at: datetime = T0, intent: str = "ask_principle", confidence: float = 0.95,
         channel: str | None = "rest") -> dict[str, Any]:
    """The data of a "user" row as Rasa's SQL tracker store saves it (the parts the report reads)."""
    data: dict[str, Any] = {"event": "user", "timestamp": at.timestamp(), "text": text,
                            "parse_data": {"intent": {"name": intent, "confidence": confidence}, "text": text}}
    if channel is not None:
        data["input_channel"] = channel
    return data


def bot(response: str) -> dict[str, Any]:
    return {"event": "bot", "text": f"({response})", "metadata": {"utter_action": response}}


def slot(value: str | None, name: str = "last_unit") -> dict[str, Any]:
    return {"event": "slot", "name": name, "value": value}


def show_unit(unit: str) -> str:
    """The payload of a unit button, as the channels send it."""
    return "/show_unit" + json.dumps({"unit_id": unit})


def exchange(sender: str, message: dict[str, Any], *responses: str, unit: str | None = None) -> list[EventRow]:
    """One user message, the bot's responses and the unit slot it set, as rows of the events table."""
    rows: list[EventRow] = [(sender, "user", message), *((sender, "bot", bot(r)) for r in responses)]
    return [*rows, (sender, "slot", slot(unit))] if unit else rows


def turn(message: dict[str, Any], *responses: str, unit: str | None = None, sender: str = "leder") -> Turn:
    return Turn(sender, f"{sender}#1", message, set(responses), unit)


# --- split_turns --------------------------------------------------------------------------------------------------

def test_split_turns_gives_each_user_message_what_followed_it() -> None:
    events = [
        ("leder", "session_started", {}),
        *exchange("leder", user("Hvad betyder sikker drift?"), "utter_knowledge_answer", "utter_ask_feedback",
                  unit=UNIT),
        *exchange("leder", user("tak", at=T0 + timedelta(minutes=1)), "utter_thanks"),
    ]
    first, second = split_turns(events)
    assert first.user["text"] == "Hvad betyder sikker drift?"
    assert first.responses == {"utter_knowledge_answer", "utter_ask_feedback"} and first.unit_id == UNIT
    assert second.user["text"] == "tak" and second.responses == {"utter_thanks"} and second.unit_id is None


def test_split_turns_numbers_conversations_by_session() -> None:
    events = [
        *exchange("leder", user("hej")),  # before any session_started: conversation 0
        ("leder", "session_started", {}),
        *exchange("leder", user("hej igen")),
        ("leder", "session_started", {}),
        *exchange("leder", user("og igen")),
        ("anden", "session_started", {}),
        *exchange("anden", user("hej")),
    ]
    assert [(t.sender_id, t.conversation) for t in split_turns(events)] == [
        ("leder", "leder#0"), ("leder", "leder#1"), ("leder", "leder#2"), ("anden", "anden#1")]


def test_split_turns_ignores_what_no_message_of_the_sender_came_before() -> None:
    events = [
        ("leder", "bot", bot("utter_greet")),  # the session greeting: no message yet
        *exchange("leder", user("Hvad betyder sikker drift?"), "utter_knowledge_answer", unit=UNIT),
        ("anden", "bot", bot("utter_greet")),  # another sender's events never join leder's turn
        ("anden", "slot", slot(OTHER_UNIT)),
    ]
    [only] = split_turns(events)
    assert only.sender_id == "leder" and only.responses == {"utter_knowledge_answer"} and only.unit_id == UNIT


def test_split_turns_reads_only_a_set_last_unit_slot() -> None:
    events = [
        ("leder", "user", user("Hvad betyder sikker drift?")),
        ("leder", "slot", slot(UNIT)),
        ("leder", "slot", slot(None)),  # reset later in the turn: the answered unit stays
        ("leder", "slot", slot("noget andet", name="organisation")),
        ("leder", "bot", {"event": "bot", "text": "svar uden metadata"}),
    ]
    [only] = split_turns(events)
    assert only.unit_id == UNIT and only.responses == {""}
    assert split_turns([]) == []


# --- outcome ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("intent", "confidence", "responses", "expected"), [
    ("ask_principle", 0.95, {"utter_knowledge_answer", "utter_ask_feedback"}, "answered"),
    ("ask_principle", 0.95, {"utter_knowledge_answer_page"}, "answered"),
    ("ask_overview", 0.95, {"utter_overview_fields"}, "listing"),
    ("ask_principle", 0.95, {"utter_choose_unit"}, "asked_which"),
    ("greet", 0.99, {"utter_greet"}, "other"),
    ("greet", 0.99, set(), "other"),
    ("ask_fact", 0.95, {"utter_no_match"}, "not_answered"),
    ("out_of_scope", 0.95, {"utter_out_of_scope"}, "out_of_scope"),
    ("ask_fact", 0.95, {"utter_suggest_units"}, "low_confidence"),
    ("nlu_fallback", 0.95, {"utter_knowledge_answer"}, "low_confidence"),
    ("ask_fact", LOW_CONFIDENCE - 0.01, {"utter_knowledge_answer"}, "low_confidence"),
    ("ask_fact", LOW_CONFIDENCE, {"utter_knowledge_answer"}, "answered"),
])
def test_outcome_of_each_kind_of_turn(intent: str, confidence: float, responses: set[str], expected: str) -> None:
    assert outcome(intent, confidence, responses) == expected


def test_outcome_puts_what_hr_must_know_first() -> None:
    # no answer beats everything, out of scope beats an uncertain answer, an uncertain answer beats an answer
    assert outcome("nlu_fallback", 0.2, {"utter_no_match", "utter_out_of_scope", "utter_knowledge_answer"}) \
        == "not_answered"
    assert outcome("nlu_fallback", 0.2, {"utter_out_of_scope", "utter_suggest_units"}) == "out_of_scope"
    assert outcome("ask_fact", 0.95, {"utter_suggest_units", "utter_knowledge_answer"}) == "low_confidence"
    assert outcome("ask_fact", 0.95, {"utter_knowledge_answer", "utter_overview_fields"}) == "answered"
    assert outcome("ask_fact", 0.95, {"utter_overview_fields", "utter_choose_unit"}) == "listing"


# --- classify -----------------------------------------------------------------------------------------------------

def test_classify_makes_a_question_of_each_typed_message() -> None:
    turns = [
        turn(user("  Hvad betyder sikker drift?  ", channel="telegram", confidence=0.91), "utter_knowledge_answer",
             unit=UNIT),
        turn(user("hvordan booker jeg et mødelokale", at=T0 + timedelta(minutes=1), intent="ask_fact",
                  confidence=0.88, channel=None), "utter_no_match"),
    ]
    questions, counts = classify(turns, START, END)
    assert questions == [
        Question(T0, "leder", "leder#1", "telegram", "Hvad betyder sikker drift?", "ask_principle", 0.91,
                 "answered", UNIT),
        Question(T0 + timedelta(minutes=1), "leder", "leder#1", "ukendt", "hvordan booker jeg et mødelokale",
                 "ask_fact", 0.88, "not_answered", None),
    ]
    assert questions[0].timestamp.tzinfo == timezone.utc
    assert counts == {UNIT: 1}


def test_classify_keeps_only_the_period() -> None:
    turns = [turn(user(text, at=at)) for text, at in [
        ("før", START - timedelta(seconds=1)), ("første", START), ("sidste", END - timedelta(seconds=1)),
        ("efter", END)]]
    questions, _ = classify(turns, START, END)
    assert [q.text for q in questions] == ["første", "sidste"]


def test_classify_counts_button_presses_for_their_unit_but_not_as_questions() -> None:
    turns = [
        turn(user(show_unit(OTHER_UNIT)), "utter_knowledge_answer", unit=UNIT),
        turn(user("/show_unit{ikke json"), "utter_knowledge_answer", unit=UNIT),  # falls back to the slot
        turn(user("/show_unit"), "utter_knowledge_answer"),  # no unit anywhere: not counted
        turn(user("/feedback_positive"), "utter_feedback_thanks", unit=UNIT),  # not a request for a unit
    ]
    questions, counts = classify(turns, START, END)
    assert questions == [] and counts == {OTHER_UNIT: 1, UNIT: 1}


def test_classify_gives_a_unit_only_to_answered_questions() -> None:
    turns = [
        turn(user("sikker drift"), "utter_knowledge_answer", unit=UNIT),
        turn(user("sikker drift igen"), "utter_knowledge_answer_page", unit=UNIT),
        turn(user("hvad siger KL om ledelse?"), "utter_choose_unit", unit=UNIT),  # slot left from before
        turn(user("   ")),  # nothing typed
        turn({"timestamp": T0.timestamp(), "text": "uden parse_data"}),
    ]
    questions, counts = classify(turns, START, END)
    assert [(q.text, q.outcome, q.unit_id) for q in questions] == [
        ("sikker drift", "answered", UNIT), ("sikker drift igen", "answered", UNIT),
        ("hvad siger KL om ledelse?", "asked_which", None), ("uden parse_data", "low_confidence", None)]
    assert (questions[-1].intent, questions[-1].confidence, questions[-1].channel) == ("", 0.0, "ukendt")
    assert counts == {UNIT: 2}


def test_classify_of_split_turns() -> None:
    events = [
        ("leder", "session_started", {}),
        *exchange("leder", user("Hvad betyder sikker drift?"), "utter_knowledge_answer", unit=UNIT),
        *exchange("leder", user(show_unit(UNIT), at=T0 + timedelta(minutes=1)),
                  "utter_knowledge_answer", unit=UNIT),
        *exchange("leder", user("booke mødelokale", at=T0 + timedelta(minutes=2), intent="nlu_fallback",
                                confidence=0.4), "utter_suggest_units"),
    ]
    questions, counts = classify(split_turns(events), START, END)
    assert [(q.conversation, q.outcome) for q in questions] == [("leder#1", "answered"), ("leder#1", "low_confidence")]
    assert counts == {UNIT: 2}


def test_classify_turns_lists_each_answer_with_who_got_it_and_where() -> None:
    turns = [
        turn(user("sikker drift", channel="telegram"), "utter_knowledge_answer", unit=UNIT, sender="a"),
        turn(user(show_unit(OTHER_UNIT), at=T0 + timedelta(minutes=1), channel=None), "utter_knowledge_answer",
             unit=OTHER_UNIT, sender="b"),
        turn(user("booke mødelokale", at=T0 + timedelta(minutes=2)), "utter_no_match", unit=UNIT, sender="a"),
    ]
    questions, answers = classify_turns(turns, START, END)
    assert [q.text for q in questions] == ["sikker drift", "booke mødelokale"]
    assert answers == [Answer(T0, "a", "telegram", UNIT),
                       Answer(T0 + timedelta(minutes=1), "b", "ukendt", OTHER_UNIT)]  # the press counts, no channel
    assert classify(turns, START, END) == (questions, {UNIT: 1, OTHER_UNIT: 1})


# --- attach_feedback ----------------------------------------------------------------------------------------------

def test_feedback_belongs_to_the_latest_answer_of_its_unit_before_it() -> None:
    def question(minute: int, unit: str | None, sender: str = "leder") -> Question:
        return Question(T0 + timedelta(minutes=minute), sender, f"{sender}#1", "rest", f"q{minute}", "ask_fact",
                        0.9, "answered" if unit else "not_answered", unit)

    questions = [question(0, UNIT), question(1, OTHER_UNIT), question(2, None), question(5, UNIT),
                 question(3, UNIT, sender="anden")]

    def feedback(minute: int, unit: str | None, helpful: bool, comment: str | None = None) -> Feedback:
        return Feedback(T0 + timedelta(minutes=minute), "leder", "rest", None, unit, "v1", helpful, comment)

    attach_feedback(questions, [feedback(4, UNIT, False, "forkert"), feedback(2, None, True)])
    # minute 4 on UNIT: q0 (q1 is another unit, q5 came later, q3 is another sender's); minute 2 without a unit:
    # the latest answered question before it, q1 (q2 was not answered)
    assert [(q.text, q.feedback, q.comment) for q in questions] == [
        ("q0", "negativ", "forkert"), ("q1", "positiv", ""), ("q2", "", ""), ("q5", "", ""), ("q3", "", "")]


# --- group_similar ------------------------------------------------------------------------------------------------

def asked(*texts: str) -> list[Question]:
    return [Question(T0 + timedelta(minutes=i), "leder", "leder#1", "rest", text, "ask_fact", 0.3, "low_confidence")
            for i, text in enumerate(texts)]


def texts_of(groups: list[list[Question]]) -> list[list[str]]:
    return [[q.text for q in group] for group in groups]


def test_group_similar_puts_the_biggest_topic_first() -> None:
    groups = group_similar(asked("hvor kan jeg parkere min cykel", "hvordan booker jeg et mødelokale",
                                 "booke mødelokale til mødet", "hvor må jeg parkere cykel",
                                 "Hvordan booker jeg mødelokale?", "bestille projektor"))
    assert texts_of(groups) == [
        ["hvordan booker jeg et mødelokale", "booke mødelokale til mødet", "Hvordan booker jeg mødelokale?"],
        ["hvor kan jeg parkere min cykel", "hvor må jeg parkere cykel"],
        ["bestille projektor"],
    ]


def test_group_similar_compares_with_the_first_question_of_a_group() -> None:
    # "mødet i mødelokalet" shares 2 of 3 terms with the second member but only 1 of 3 with the first
    groups = group_similar(asked("booke mødelokale", "booke mødelokale til mødet", "mødet i mødelokalet"))
    assert texts_of(groups) == [["booke mødelokale", "booke mødelokale til mødet"], ["mødet i mødelokalet"]]


def test_group_similar_joins_at_exactly_the_similarity_threshold() -> None:
    # {book, mod, modelokal} and {book, mod, projektor}: 2 shared of 4 = SIMILARITY; {book, projektor}: 1 of 4
    groups = group_similar(asked("booke mødelokale til mødet", "booke projektor til mødet", "booke projektor"))
    assert SIMILARITY == 0.5
    assert texts_of(groups) == [["booke mødelokale til mødet", "booke projektor til mødet"], ["booke projektor"]]


def test_group_similar_keeps_the_order_of_equal_groups_and_groups_questions_without_topic() -> None:
    groups = group_similar(asked("bestille projektor", "parkering af cykel", "hvad?", "hvordan?"))
    assert texts_of(groups) == [["hvad?", "hvordan?"], ["bestille projektor"], ["parkering af cykel"]]
    assert group_similar([]) == []
