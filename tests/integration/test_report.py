"""The HR report is built from real conversations (saved by the real tracker store) and real feedback."""

from __future__ import annotations

import asyncio
import csv
import html
import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.cli.main import main
from bot.insights.data import Question, group_similar
from bot.insights.feedback import Feedback, feedback_repository
from bot.knowledge.service import knowledge_service
from bot.rasa.tracker_store import MaskingSQLTrackerStore

SIKKER_DRIFT = "kalundborg.drift.sikker-drift"
OEKONOMI = "kalundborg.drift.oekonomistyring.niveau-2"
BOOKING = ("hvordan booker jeg et mødelokale", "booke mødelokale til mødet")
PARKING = "hvor kan jeg parkere min cykel"
SCRIPT = "<script>alert(1)</script> hvad siger grundlaget om tillid"


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> float:
    return datetime(2025, month, day, hour, minute, tzinfo=timezone.utc).timestamp()


def turn(stamp: float, text: str, intent: str, confidence: float, channel: str | None, *replies: str,
         unit: str | None = None) -> list[Event]:
    """One user message, the bot's replies (by response name) and the unit it answered."""
    parse = {"intent": {"name": intent, "confidence": confidence}, "entities": [], "text": text}
    events: list[Event] = [
        UserUttered(text, intent=parse["intent"], parse_data=parse, input_channel=channel, timestamp=stamp),
        ActionExecuted("action_answer_question", timestamp=stamp + 0.1),
    ]
    events += [BotUttered(f"({reply})", data={}, metadata={"utter_action": reply}, timestamp=stamp + 0.2)
               for reply in replies]
    if unit:
        events.append(SlotSet("last_unit", unit, timestamp=stamp + 0.3))
    return [*events, ActionExecuted("action_listen", timestamp=stamp + 0.4)]


def session(stamp: float) -> list[Event]:
    return [ActionExecuted("action_session_start", timestamp=stamp), SessionStarted(timestamp=stamp),
            ActionExecuted("action_listen", timestamp=stamp)]


ANSWER = ("utter_knowledge_answer", "utter_ask_feedback")
CONVERSATIONS: dict[str, list[Event]] = {
    "leder-a": [
        *session(at(3, 8, 59)),
        *turn(at(3, 9), "Hvad betyder sikker drift?", "ask_principle", 0.97, "rest", *ANSWER, unit=SIKKER_DRIFT),
        *turn(at(3, 9, 1), "/show_unit" + json.dumps({"unit_id": SIKKER_DRIFT}), "show_unit", 1.0, "rest", *ANSWER,
              unit=SIKKER_DRIFT),
        *turn(at(3, 9, 2), "/feedback_positive", "feedback_positive", 1.0, "rest", "utter_feedback_thanks"),
        *turn(at(3, 9, 5), BOOKING[0], "ask_fact", 0.88, "rest", "utter_no_match"),
    ],
    "leder-b": [
        *session(at(3, 13, 59)),
        *turn(at(3, 14), "sikker drift i Kalundborg", "ask_principle", 0.91, "telegram", *ANSWER, unit=SIKKER_DRIFT),
        *session(at(4, 7, 59)),
        *turn(at(4, 8), "hej", "greet", 0.99, "telegram", "utter_greet"),
        *turn(at(4, 8, 1), BOOKING[1], "nlu_fallback", 0.45, "telegram", "utter_suggest_units"),
        *turn(at(4, 8, 2), PARKING, "ask_fact", 0.7, "telegram", "utter_no_match"),
        *turn(at(4, 8, 3), SCRIPT, "ask_principle", 0.8, "telegram", "utter_no_match"),
    ],
    "leder-c": [
        *turn(at(5, 10), "Hvad forventes af en niveau 2 leder om økonomistyring?", "ask_level", 0.99, "socketio",
              *ANSWER, unit=OEKONOMI),
        *turn(at(5, 10, 1), "hvilke felter er der", "ask_overview", 0.93, "socketio", "utter_overview_fields"),
    ],
    "leder-d": [*turn(at(10, 12), "Hvad siger KL om ledelse?", "ask_principle", 0.9, None, "utter_choose_unit")],
    "uden-for": [
        *turn(at(20, 12, month=2), "gammelt spørgsmål om ferieplanlægning", "ask_fact", 0.9, "rest", "utter_no_match"),
        *turn(at(1, 0, month=4), "spørgsmål efter perioden om ferieplanlægning", "ask_fact", 0.9, "rest",
              "utter_no_match"),
    ],
}
FEEDBACK = [
    Feedback(datetime.fromtimestamp(at(3, 9, 2), timezone.utc), "leder-a", "rest", "Hvad betyder sikker drift?",
             SIKKER_DRIFT, "v1", True),
    Feedback(datetime.fromtimestamp(at(5, 10, 0) + 30, timezone.utc), "leder-c", "socketio",
             "Hvad forventes af en niveau 2 leder om økonomistyring?", OEKONOMI, "v1", False,
             "det var ikke det jeg spurgte om"),
    Feedback(datetime.fromtimestamp(at(20, 12, month=2) + 30, timezone.utc), "uden-for", "rest", "gammelt",
             OEKONOMI, "v1", False, "uden for perioden"),
]


@dataclass
class Report:
    html: str
    rows: list[dict[str, str]]
    printed: str


@pytest.fixture
def report(use_knowledge_db: str, domain: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
           capsys: pytest.CaptureFixture[str]) -> Report:
    monkeypatch.setenv("TRACKER_DB_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    store = MaskingSQLTrackerStore(domain=domain)
    for sender, events in CONVERSATIONS.items():
        asyncio.run(store.save(DialogueStateTracker.from_events(sender, events, slots=domain.slots)))
    repository = feedback_repository()
    stored = {(f.sender_id, f.created_at) for f in repository.between(datetime(2025, 1, 1, tzinfo=timezone.utc),
                                                                       datetime(2025, 6, 1, tzinfo=timezone.utc))}
    for item in FEEDBACK:  # the knowledge test database lives for the whole session: record each item once
        if (item.sender_id, item.created_at) not in stored:
            repository.record(item)
    out = tmp_path / "report"
    assert main(["report", "--since", "2025-03-01", "--until", "2025-04-01", "--out", str(out)]) == 0
    raw = (out / "questions.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM: Danish Excel reads UTF-8, the format the workbench gives too
    assert raw.decode("utf-8-sig").startswith("timestamp;sender_id;channel;question;")
    with (out / "questions.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    return Report((out / "report.html").read_text(encoding="utf-8"), rows, capsys.readouterr().out)


def test_csv_has_one_row_per_question_in_the_period(report: Report) -> None:
    assert "report.html" in report.printed and "questions.csv" in report.printed
    rows = report.rows
    assert Counter(r["channel"] for r in rows) == {"rest": 2, "telegram": 5, "socketio": 2, "ukendt": 1}
    assert Counter(r["timestamp"][:10] for r in rows) == {"2025-03-03": 3, "2025-03-04": 4, "2025-03-05": 2,
                                                          "2025-03-10": 1}
    assert not any(r["question"].startswith("/") or "ferieplanlægning" in r["question"] for r in rows)
    by_text = {r["question"]: r for r in rows}
    assert by_text["Hvad betyder sikker drift?"]["timestamp"] == "2025-03-03T09:00:00+00:00"
    assert by_text["Hvad betyder sikker drift?"]["unit_id"] == SIKKER_DRIFT
    assert by_text["Hvad betyder sikker drift?"]["feedback"] == "positiv"
    assert by_text["Hvad forventes af en niveau 2 leder om økonomistyring?"]["feedback"] == "negativ"
    assert {text: by_text[text]["outcome"] for text in (*BOOKING, PARKING, "hej", "hvilke felter er der",
                                                         "Hvad siger KL om ledelse?")} == {
        BOOKING[0]: "not_answered", BOOKING[1]: "low_confidence", PARKING: "not_answered", "hej": "other",
        "hvilke felter er der": "listing", "Hvad siger KL om ledelse?": "asked_which"}
    assert by_text[BOOKING[1]]["intent"] == "nlu_fallback" and by_text[BOOKING[1]]["confidence"] == "0,450"


def test_html_shows_units_groups_and_negative_feedback(report: Report) -> None:
    page = report.html
    unit = knowledge_service().repository.get(SIKKER_DRIFT)
    assert unit is not None
    first_row = re.findall(r"<tbody><tr>(.*?)</tr>", page.split("Mest efterspurgte")[1])[0]
    assert SIKKER_DRIFT in first_row and html.escape(unit.title) in first_row
    assert first_row.endswith("<td>3</td><td>1</td><td>0</td>")  # asked 3 times (one button press), 👍 1, 👎 0
    assert "<b>10</b>Spørgsmål" in page and "<b>5</b>Samtaler" in page and "👍 1 / 👎 1" in page

    todo = page.split("Spørgsmål uden (sikkert) svar")[1].split("<h2>")[0]
    groups = re.findall(r"<li><b>(\d+) spørgsmål</b>(.*?)</ul></li>", todo)
    booking = [body for size, body in groups if BOOKING[0] in body]
    assert len(booking) == 1 and BOOKING[1] in booking[0] and PARKING not in booking[0]
    assert groups[0][0] == "2" and len(groups) == 3

    negative = page.split("Svar med negativ tilbagemelding")[1]
    assert "det var ikke det jeg spurgte om" in negative and "uden for perioden" not in page


def test_html_is_escaped_and_self_contained(report: Report) -> None:
    page = report.html
    assert "<script" not in page.lower() and html.escape(SCRIPT) in page
    assert not re.search(r"https?://", page)
    assert len(re.findall(r'<img alt="[^"]*" src="data:image/png;base64,[A-Za-z0-9+/=]{100,}">', page)) == 2


def test_empty_period_still_writes_a_report(use_knowledge_db: str, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_DB_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    out = tmp_path / "out"
    assert main(["report", "--since", "2020-01-01", "--until", "2020-01-02", "--out", str(out)]) == 0
    assert "Ingen spørgsmål i perioden" in (out / "report.html").read_text(encoding="utf-8")
    assert (out / "questions.csv").read_text(encoding="utf-8-sig").strip().count("\n") == 0
    assert main(["report", "--since", "2020-01-02", "--until", "2020-01-01", "--out", str(out)]) == 2


def test_grouping_is_greedy_by_jaccard_of_content_terms() -> None:
    def question(text: str) -> Question:
        return Question(datetime(2025, 3, 1, tzinfo=timezone.utc) + timedelta(minutes=len(text)), "s", "s#0",
                        "rest", text, "ask_fact", 0.3, "low_confidence")

    texts = [PARKING, *BOOKING, "hvor må jeg parkere cykel", "Hvordan booker jeg mødelokale?", "hvad?"]
    groups = [[q.text for q in group] for group in group_similar([question(t) for t in texts])]
    assert groups == [[*BOOKING, "Hvordan booker jeg mødelokale?"], [PARKING, "hvor må jeg parkere cykel"], ["hvad?"]]
