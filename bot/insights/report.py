"""HR insight report (`python -m bot report`): what leaders asked, what the bot answered, what HR should add.

Reads the Rasa tracker store (table ``events``) and the feedback table; writes one self-contained
``report.html`` (inline CSS, charts as inline PNG) and ``questions.csv`` (one row per user question).
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from sqlalchemy.exc import SQLAlchemyError

from bot.core.text import terms
from bot.insights.feedback import Feedback, feedback_repository
from bot.knowledge.repository import KnowledgeUnavailable

LOW_CONFIDENCE = 0.6
SIMILARITY = 0.5
TOP_UNITS = 15
EXAMPLES = 5
TAIL = timedelta(minutes=10)  # bot replies to a question asked just before the end of the period
ANSWERS = frozenset({"utter_knowledge_answer", "utter_knowledge_answer_page"})
TODO = ("not_answered", "low_confidence")
OUTCOMES = {
    "answered": "Besvaret", "listing": "Oversigt vist", "asked_which": "Spurgt hvilken organisation",
    "low_confidence": "Usikkert svar", "not_answered": "Ikke besvaret", "out_of_scope": "Uden for emnet",
    "other": "Andet (hilsner, tak, tilbagemeldinger)",
}
CSV_FIELDS = ("timestamp", "sender_id", "channel", "question", "intent", "confidence", "outcome", "unit_id",
              "feedback", "feedback_comment")
EVENTS = sa.table("events", sa.column("id", sa.Integer), sa.column("sender_id", sa.String),
                  sa.column("type_name", sa.String), sa.column("timestamp", sa.Float), sa.column("data", sa.Text))


@dataclass
class Question:
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
    start: datetime
    end: datetime
    questions: list[Question]
    unit_counts: Counter[str]
    feedback: list[Feedback] | None  # None: the feedback table could not be read
    units: dict[str, tuple[str, str]]  # unit id -> (title, organisation)


def read_events(url: str, start: datetime, end: datetime) -> list[tuple[str, str, dict[str, Any]]]:
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


def split_turns(events: Iterable[tuple[str, str, dict[str, Any]]]) -> list[Turn]:
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


def classify(turns: list[Turn], start: datetime, end: datetime) -> tuple[list[Question], Counter[str]]:
    """Questions in the period, and how often each unit was answered (button presses included)."""
    questions: list[Question] = []
    unit_counts: Counter[str] = Counter()
    for turn in turns:
        when = datetime.fromtimestamp(float(turn.user.get("timestamp") or 0), timezone.utc)
        text = str(turn.user.get("text") or "").strip()
        if not start <= when < end or not text:
            continue
        if text.startswith("/"):
            unit = _payload_unit(text, turn) if text.startswith("/show_unit") else None
            if unit:
                unit_counts[unit] += 1
            continue
        intent = (turn.user.get("parse_data") or {}).get("intent") or {}
        name, confidence = str(intent.get("name") or ""), float(intent.get("confidence") or 0.0)
        unit_id = turn.unit_id if turn.responses & ANSWERS else None
        questions.append(Question(when, turn.sender_id, turn.conversation, turn.user.get("input_channel") or "ukendt",
                                  text, name, confidence, outcome(name, confidence, turn.responses), unit_id))
        if unit_id:
            unit_counts[unit_id] += 1
    return questions, unit_counts


def attach_feedback(questions: list[Question], feedback: list[Feedback]) -> None:
    """Each piece of feedback belongs to the sender's latest answer (of the same unit) before it."""
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
    return 1.0 if a == b else len(a & b) / len(a | b)


def group_similar(questions: list[Question]) -> list[list[Question]]:
    """Greedy grouping: a question joins the most similar group (compared with its first question)."""
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
    questions, unit_counts = classify(split_turns(read_events(tracker_url, start, end)), start, end)
    feedback: list[Feedback] | None
    try:
        feedback = feedback_repository().between(start, end)
    except SQLAlchemyError:
        feedback = None
    attach_feedback(questions, feedback or [])
    wanted = {u for u, _ in unit_counts.most_common(TOP_UNITS)} | {f.unit_id for f in feedback or [] if f.unit_id}
    return ReportData(start, end, questions, unit_counts, feedback, unit_names(sorted(wanted)))


def write_csv(questions: list[Question], path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:  # BOM: Excel shows æ/ø/å correctly
        writer = csv.writer(handle)
        writer.writerow(CSV_FIELDS)
        for q in questions:
            writer.writerow([q.timestamp.isoformat(timespec="seconds"), q.sender_id, q.channel, q.text, q.intent,
                             f"{q.confidence:.3f}", q.outcome, q.unit_id or "", q.feedback, q.comment])


def _chart(labels: list[str], values: list[int], title: str, horizontal: bool = False) -> str:
    fig = Figure(figsize=(9, max(2.5, 0.4 * len(labels)) if horizontal else 3.2), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    if horizontal:
        ax.barh(labels[::-1], values[::-1], color="#2b6cb0")
    else:
        ax.bar(range(len(labels)), values, color="#2b6cb0")
        step = max(1, len(labels) // 15)
        ax.set_xticks(range(0, len(labels), step))
        ax.set_xticklabels(labels[::step], rotation=45, ha="right", fontsize=8)
    (ax.xaxis if horizontal else ax.yaxis).set_major_locator(MaxNLocator(integer=True))
    ax.set_title(title)
    ax.spines[["top", "right"]].set_visible(False)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{html.escape(title)}" src="data:image/png;base64,{data}">'


def _table(headers: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _days(data: ReportData) -> tuple[list[str], list[int]]:
    per_day = Counter(q.timestamp.date() for q in data.questions)
    first, last = data.start.date(), (data.end - timedelta(microseconds=1)).date()
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return [d.strftime("%d.%m") for d in days], [per_day.get(d, 0) for d in days]


def _title(data: ReportData, unit_id: str | None) -> tuple[str, str]:
    return data.units.get(unit_id or "", ("(titel ukendt)", "")) if unit_id else ("–", "")


def section_totals(data: ReportData) -> str:
    outcomes = Counter(q.outcome for q in data.questions)
    relevant = len(data.questions) - outcomes["other"]
    answered = outcomes["answered"] + outcomes["listing"]
    share = f"{answered / relevant:.0%}" if relevant else "–"
    feedback = data.feedback or []
    up, down = sum(f.helpful for f in feedback), sum(not f.helpful for f in feedback)
    cards = [("Spørgsmål", len(data.questions)), ("Samtaler", len({q.conversation for q in data.questions})),
             ("Andel besvaret", share), ("Tilbagemeldinger", f"👍 {up} / 👎 {down}")]
    html_cards = "".join(f'<div class="card"><b>{html.escape(str(v))}</b>{html.escape(k)}</div>' for k, v in cards)
    note = "" if data.feedback is not None else "<p class='note'>Tilbagemeldingerne kunne ikke læses.</p>"
    rows = [(label, outcomes[key]) for key, label in OUTCOMES.items()]
    return (f"<div class='cards'>{html_cards}</div>{note}<p class='note'>Andel besvaret: spørgsmål med et svar eller "
            f"en oversigt ({answered}) ud af {relevant} spørgsmål om indhold (hilsner o.l. ikke medregnet).</p>"
            + _table(("Udfald", "Antal"), rows))


def section_channels(data: ReportData) -> str:
    per_channel = Counter(q.channel for q in data.questions).most_common()
    if not per_channel:
        return "<p>Ingen spørgsmål i perioden.</p>"
    labels, values = [c for c, _ in per_channel], [n for _, n in per_channel]
    return _table(("Kanal", "Spørgsmål"), per_channel) + _chart(labels, values, "Spørgsmål pr. kanal", True)


def section_units(data: ReportData) -> str:
    votes: dict[str, Counter[bool]] = defaultdict(Counter)
    for item in data.feedback or []:
        votes[item.unit_id or ""][item.helpful] += 1
    rows = [(unit_id, *_title(data, unit_id), count, votes[unit_id][True], votes[unit_id][False])
            for unit_id, count in data.unit_counts.most_common(TOP_UNITS)]
    if not rows:
        return "<p>Ingen svar i perioden.</p>"
    return _table(("Enhed", "Titel", "Organisation", "Antal", "👍", "👎"), rows)


def section_todo(data: ReportData) -> str:
    groups = group_similar([q for q in data.questions if q.outcome in TODO])
    if not groups:
        return "<p>Alle spørgsmål blev besvaret sikkert.</p>"
    items = []
    for members in groups:
        examples = list(dict.fromkeys(q.text for q in members))[:EXAMPLES]
        kinds = Counter(OUTCOMES[q.outcome].lower() for q in members)
        summary = ", ".join(f"{n} {k}" for k, n in kinds.most_common())
        lis = "".join(f"<li>{html.escape(text)}</li>" for text in examples)
        items.append(f"<li><b>{len(members)} spørgsmål</b> <span class='note'>({html.escape(summary)})</span>"
                     f"<ul>{lis}</ul></li>")
    return "<ol class='groups'>" + "".join(items) + "</ol>"


def section_negative(data: ReportData) -> str:
    if data.feedback is None:
        return "<p>Tilbagemeldingerne kunne ikke læses.</p>"
    rows = [(f.created_at.strftime("%d.%m.%Y"), f.unit_id or "–", _title(data, f.unit_id)[0], f.question or "",
             f.comment or "") for f in data.feedback if not f.helpful]
    return _table(("Dato", "Enhed", "Titel", "Spørgsmål", "Kommentar"), rows) if rows else "<p>Ingen i perioden.</p>"


CSS = """body{font-family:system-ui,Segoe UI,Arial,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#1a202c}h1{color:#2b6cb0}h2{border-bottom:2px solid #e2e8f0;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;width:100%;margin:1em 0}th,td{border:1px solid #e2e8f0;padding:.35em .6em;
text-align:left;vertical-align:top}th{background:#edf2f7}.cards{display:flex;gap:1em;flex-wrap:wrap}
.card{background:#ebf4ff;border-radius:8px;padding:1em 1.4em;min-width:150px}.card b{display:block;font-size:1.8em}
.note{color:#4a5568;font-size:.9em}img{max-width:100%}.groups li{margin-bottom:.8em}"""


def render_html(data: ReportData) -> str:
    period = f"{data.start:%d.%m.%Y %H:%M} – {data.end:%d.%m.%Y %H:%M} (UTC)"
    labels, values = _days(data)
    per_day = _chart(labels, values, "Spørgsmål pr. dag") if data.questions else "<p>Ingen spørgsmål i perioden.</p>"
    sections = [
        ("Periode og nøgletal", f"<p>Periode: {html.escape(period)}</p>" + section_totals(data)),
        ("Spørgsmål pr. dag", per_day),
        ("Spørgsmål pr. kanal", section_channels(data)),
        (f"Mest efterspurgte emner (top {TOP_UNITS})", section_units(data)),
        ("Spørgsmål uden (sikkert) svar – grupperet efter lighed",
         "<p class='note'>HR's huskeliste: spørgsmål som lederassistenten ikke kunne besvare eller kun besvarede "
         "med lav sikkerhed. Lignende spørgsmål er samlet; de største grupper står først.</p>" + section_todo(data)),
        ("Svar med negativ tilbagemelding", section_negative(data)),
    ]
    body = "".join(f"<h2>{html.escape(title)}</h2>{content}" for title, content in sections)
    created = datetime.now(timezone.utc).strftime("%d.%m.%Y %H:%M")
    return (f'<!DOCTYPE html><html lang="da"><head><meta charset="utf-8"><title>Lederassistenten – indsigtsrapport'
            f"</title><style>{CSS}</style></head><body><h1>Lederassistenten – indsigtsrapport</h1>{body}"
            f"<p class='note'>Dannet {created} UTC. Spørgsmålene er maskeret for CPR-numre, e-mail og telefon."
            "</p></body></html>")


def build_report(tracker_url: str, start: datetime, end: datetime, out_dir: Path) -> tuple[Path, Path]:
    data = collect(tracker_url, start, end)
    out_dir.mkdir(parents=True, exist_ok=True)
    report, questions = out_dir / "report.html", out_dir / "questions.csv"
    report.write_text(render_html(data), encoding="utf-8")
    write_csv(data.questions, questions)
    return report, questions


def parse_moment(text: str) -> datetime:
    """'2026-11-01' (midnight UTC) or an ISO date-time; without a zone it is UTC."""
    value = datetime.fromisoformat(text)
    return value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)

