"""The HR report's data: what leaders asked in a period, what the bot did with it, and what they thought of it.

Reading (Rasa's ``events`` table, the feedback table, the knowledge base for unit titles) is kept apart from the
pure steps in between (splitting events into turns, classifying turns into questions, attaching feedback, grouping
similar questions), so those can be tested with hand-built event dicts and no database.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from bot.core.text import terms
from bot.insights.feedback import Feedback, feedback_repository
from bot.insights.tables import EVENTS
from bot.knowledge.repository import KnowledgeUnavailable

LOW_CONFIDENCE = 0.6
SIMILARITY = 0.5
TOP_UNITS = 15
TAIL = timedelta(minutes=10)  # bot replies to a question asked just before the end of the period
ANSWERS = frozenset({"utter_knowledge_answer", "utter_knowledge_answer_page"})
TODO = ("not_answered", "low_confidence")  # the outcomes HR should act on
OUTCOMES = {  # each outcome as HR reads it, in the order the report lists them
    "answered": "Besvaret", "listing": "Oversigt vist", "asked_which": "Spurgt hvilken organisation",
    "low_confidence": "Usikkert svar", "not_answered": "Ikke besvaret", "out_of_scope": "Uden for emnet",
    "other": "Andet (hilsner, tak, tilbagemeldinger)",
}

EventRow = tuple[str, str, dict[str, Any]]  # (sender_id, type_name, data) of one row of the events table


@dataclass
class Question:
    """One question a leader typed (button presses are not questions) and how the bot handled it."""

    timestamp: datetime
    sender_id: str
    conversation: str
    channel: str
    text: str
    intent: str
    confidence: float
    outcome: str
    unit_id: str | None = None
    feedback: str = ""
    comment: str = ""


@dataclass(frozen=True)
class Answer:
    """One time the bot answered with a unit: a typed question or a press on the unit's button."""

    timestamp: datetime
    sender_id: str
    channel: str
    unit_id: str


@dataclass
class Turn:
    """One user message and what the bot said and set until the next user message."""

    sender_id: str
    conversation: str
    user: dict[str, Any]
    responses: set[str] = field(default_factory=set)
    unit_id: str | None = None


@dataclass
class ReportData:
    """Everything the report shows, read once, so rendering needs no database."""

    start: datetime
    end: datetime
    questions: list[Question]
    unit_counts: Counter[str]
    feedback: list[Feedback] | None  # None: the feedback table could not be read
    units: dict[str, tuple[str, str]]  # unit id -> (title, organisation)


def read_events(url: str, start: datetime, end: datetime) -> list[EventRow]:
    """Read the tracker store's user, bot, slot and session events of a period, per sender in order.

    Only these four event types are needed to rebuild the turns; the window runs ``TAIL`` past ``end`` so that
    the bot's reply to a question asked just before the end is still seen.

    Args:
        url: SQLAlchemy URL of Rasa's tracker store.
        start: First moment of the period (inclusive).
        end: End of the period (exclusive).

    Returns:
        ``(sender_id, type_name, data)`` rows, ordered by sender and then by event id; empty when Rasa has not
        created its ``events`` table yet.
    """
    engine = sa.create_engine(url, future=True)
    try:
        if not sa.inspect(engine).has_table("events"):
            return []
        query = (sa.select(EVENTS.c.sender_id, EVENTS.c.type_name, EVENTS.c.data)
                 .where(EVENTS.c.timestamp >= start.timestamp(), EVENTS.c.timestamp < (end + TAIL).timestamp(),
                        EVENTS.c.type_name.in_(("user", "bot", "slot", "session_started")))
                 .order_by(EVENTS.c.sender_id, EVENTS.c.id))
        with engine.connect() as conn:
            return [(r.sender_id, r.type_name, json.loads(r.data or "{}")) for r in conn.execute(query)]
    finally:
        engine.dispose()


def split_turns(events: Iterable[EventRow]) -> list[Turn]:
    """Group events into turns: each user message with the responses and answered unit that follow it.

    The tracker store keeps a flat event list; the outcome of a question is only known from what came after it,
    up to the sender's next message. Each ``session_started`` begins a new conversation of the same sender.

    Args:
        events: Rows as returned by :func:`read_events` (ordered by sender, then event id).

    Returns:
        The turns in event order; events before a sender's first message are ignored.
    """
    turns: list[Turn] = []
    sessions: Counter[str] = Counter()
    for sender_id, type_name, data in events:
        if type_name == "session_started":
            sessions[sender_id] += 1
        elif type_name == "user":
            turns.append(Turn(sender_id, f"{sender_id}#{sessions[sender_id]}", data))
        elif turns and turns[-1].sender_id == sender_id:
            if type_name == "bot":
                turns[-1].responses.add(str((data.get("metadata") or {}).get("utter_action") or ""))
            elif type_name == "slot" and data.get("name") == "last_unit" and data.get("value"):
                turns[-1].unit_id = str(data["value"])
    return turns


def outcome(intent: str, confidence: float, responses: set[str]) -> str:
    """Name what happened to a question, for the totals and HR's to-do list.

    The bot's responses decide, in order of what HR most needs to know: no answer, out of scope, an uncertain
    answer (suggestions, fallback or low NLU confidence), an answer, an overview, a question back.

    Args:
        intent: The NLU intent of the message.
        confidence: The NLU confidence of that intent.
        responses: Names of the responses (``utter_*``) the bot uttered in the turn.

    Returns:
        One of ``answered``, ``listing``, ``asked_which``, ``low_confidence``, ``not_answered``, ``out_of_scope``
        or ``other``.
    """
    if "utter_no_match" in responses:
        return "not_answered"
    if "utter_out_of_scope" in responses:
        return "out_of_scope"
    if "utter_suggest_units" in responses or intent == "nlu_fallback" or confidence < LOW_CONFIDENCE:
        return "low_confidence"
    if responses & ANSWERS:
        return "answered"
    if any(r.startswith("utter_overview_") for r in responses):
        return "listing"
    return "asked_which" if "utter_choose_unit" in responses else "other"


def _payload_unit(text: str, turn: Turn) -> str | None:
    """The unit a "/show_unit{...}" button press asked for."""
    try:
        unit = json.loads(text.removeprefix("/show_unit") or "{}").get("unit_id")
    except (ValueError, AttributeError):
        unit = None
    return str(unit) if unit else turn.unit_id


def _question(turn: Turn, when: datetime, text: str) -> Question:
    """The question a typed message asked; its unit only if the bot answered with one."""
    intent = (turn.user.get("parse_data") or {}).get("intent") or {}
    name, confidence = str(intent.get("name") or ""), float(intent.get("confidence") or 0.0)
    unit_id = turn.unit_id if turn.responses & ANSWERS else None
    return Question(when, turn.sender_id, turn.conversation, turn.user.get("input_channel") or "ukendt", text,
                    name, confidence, outcome(name, confidence, turn.responses), unit_id)


def classify_turns(turns: list[Turn], start: datetime, end: datetime) -> tuple[list[Question], list[Answer]]:
    """Turn the turns of a period into questions, and list every answer with a unit with who got it and where.

    Button payloads ("/...") are not questions a leader typed, so they are left out of the questions; a
    "/show_unit" press still counts as an answer with its unit, since the leader asked for it.

    Args:
        turns: Turns from :func:`split_turns`; those outside ``[start, end)`` or without text are skipped.
        start: First moment of the period (inclusive).
        end: End of the period (exclusive).

    Returns:
        The typed questions in turn order, and the answers with a unit (button presses included) in turn order.
    """
    questions: list[Question] = []
    answers: list[Answer] = []
    for turn in turns:
        when = datetime.fromtimestamp(float(turn.user.get("timestamp") or 0), timezone.utc)
        text = str(turn.user.get("text") or "").strip()
        if not start <= when < end or not text:
            continue
        channel = turn.user.get("input_channel") or "ukendt"
        if text.startswith("/"):
            unit = _payload_unit(text, turn) if text.startswith("/show_unit") else None
            if unit:
                answers.append(Answer(when, turn.sender_id, channel, unit))
            continue
        question = _question(turn, when, text)
        questions.append(question)
        if question.unit_id:
            answers.append(Answer(when, turn.sender_id, channel, question.unit_id))
    return questions, answers


def classify(turns: list[Turn], start: datetime, end: datetime) -> tuple[list[Question], Counter[str]]:
    """Turn the turns of a period into questions, and count how often each unit was answered.

    Button payloads ("/...") are not questions a leader typed, so they are left out of the questions; a
    "/show_unit" press still counts for its unit, since the leader asked for it.

    Args:
        turns: Turns from :func:`split_turns`; those outside ``[start, end)`` or without text are skipped.
        start: First moment of the period (inclusive).
        end: End of the period (exclusive).

    Returns:
        The typed questions in turn order, and the number of answers per unit id (button presses included).
    """
    questions, answers = classify_turns(turns, start, end)
    return questions, Counter(a.unit_id for a in answers)


def attach_feedback(questions: list[Question], feedback: list[Feedback]) -> None:
    """Mark each question with the feedback given on its answer, so the CSV shows both in one row.

    Feedback carries no question id: each piece belongs to the sender's latest answered question (of the same
    unit, when the feedback names one) at or before the moment it was given.

    Args:
        questions: The questions of the period; changed in place.
        feedback: The feedback of the period.
    """
    by_sender: dict[str, list[Question]] = defaultdict(list)
    for question in questions:
        by_sender[question.sender_id].append(question)
    for item in feedback:
        earlier = [q for q in by_sender[item.sender_id] if q.timestamp <= item.created_at
                   and q.unit_id and (item.unit_id is None or q.unit_id == item.unit_id)]
        if earlier:
            target = max(earlier, key=lambda q: q.timestamp)
            target.feedback, target.comment = ("positiv" if item.helpful else "negativ"), item.comment or ""


def jaccard(a: set[str], b: set[str]) -> float:
    """Overlap of two term sets (1.0 for two equal sets, also two empty ones), the measure of similar questions."""
    return 1.0 if a == b else len(a & b) / len(a | b)


def group_similar(questions: list[Question]) -> list[list[Question]]:
    """Group questions that ask about the same thing, so HR sees each missing topic once.

    Greedy: a question joins the group whose first question shares the most content terms with it (at least
    ``SIMILARITY`` by Jaccard), else it starts a new group.

    Args:
        questions: The questions to group, in the order they were asked.

    Returns:
        The groups, largest first (equal sizes keep the order of their first question); each keeps its
        questions in their order.
    """
    groups: list[tuple[set[str], list[Question]]] = []
    for question in questions:
        words = set(terms(question.text))
        best = max(groups, key=lambda g: jaccard(words, g[0]), default=None)
        if best is not None and jaccard(words, best[0]) >= SIMILARITY:
            best[1].append(question)
        else:
            groups.append((words, [question]))
    return sorted((members for _, members in groups), key=len, reverse=True)


def unit_names(unit_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Look up the title and organisation name of units, so HR reads titles rather than ids.

    Args:
        unit_ids: The ids to look up.

    Returns:
        ``unit id -> (title, organisation name)`` for the units found; empty when the knowledge base cannot be
        read (the report then still shows the ids).
    """
    from bot.knowledge.service import knowledge_service

    names: dict[str, tuple[str, str]] = {}
    try:
        repository = knowledge_service().repository
        organisations = {o.id: o.name for o in repository.organisations()}
        for unit_id in unit_ids:
            unit = repository.get(unit_id)
            if unit is not None:
                names[unit_id] = (unit.title, organisations.get(unit.organisation_id, unit.organisation_id))
    except (KnowledgeUnavailable, SQLAlchemyError):
        pass  # the report still shows the unit ids
    return names


def collect(tracker_url: str, start: datetime, end: datetime) -> ReportData:
    """Read and classify everything the report of a period shows.

    An unreadable feedback table does not stop the report: its sections then say so (``feedback`` is None).

    Args:
        tracker_url: SQLAlchemy URL of Rasa's tracker store.
        start: First moment of the period (inclusive).
        end: End of the period (exclusive).

    Returns:
        The questions with their feedback attached, the answer count per unit, the feedback, and the names of
        the most answered units and of the units with feedback.
    """
    questions, unit_counts = classify(split_turns(read_events(tracker_url, start, end)), start, end)
    feedback: list[Feedback] | None
    try:
        feedback = feedback_repository().between(start, end)
    except SQLAlchemyError:
        feedback = None
    attach_feedback(questions, feedback or [])
    wanted = {u for u, _ in unit_counts.most_common(TOP_UNITS)} | {f.unit_id for f in feedback or [] if f.unit_id}
    return ReportData(start, end, questions, unit_counts, feedback, unit_names(sorted(wanted)))
