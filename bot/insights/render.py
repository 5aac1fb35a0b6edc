"""The HR report's output: one self-contained HTML page (inline CSS, charts as inline PNG) and a CSV of questions.

Works only on :class:`~bot.insights.data.ReportData`, so nothing here reads a database. Every text from a
conversation is HTML-escaped: questions and comments are whatever leaders typed.
"""

from __future__ import annotations

import base64
import html
import io
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.insights.data import OUTCOMES, TODO, TOP_UNITS, Question, ReportData, group_similar
from bot.insights.export import questions_csv

EXAMPLES = 5
CSS = """body{font-family:system-ui,Segoe UI,Arial,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#1a202c}h1{color:#2b6cb0}h2{border-bottom:2px solid #e2e8f0;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;width:100%;margin:1em 0}th,td{border:1px solid #e2e8f0;padding:.35em .6em;
text-align:left;vertical-align:top}th{background:#edf2f7}.cards{display:flex;gap:1em;flex-wrap:wrap}
.card{background:#ebf4ff;border-radius:8px;padding:1em 1.4em;min-width:150px}.card b{display:block;font-size:1.8em}
.note{color:#4a5568;font-size:.9em}img{max-width:100%}.groups li{margin-bottom:.8em}"""


def write_csv(questions: list[Question], path: Path) -> None:
    """Write one row per question, for HR to filter and count in a spreadsheet.

    Args:
        questions: The questions of the report.
        path: The file to write (replaced), in the format Danish Excel opens as it is
            (:func:`bot.insights.export.questions_csv`: ``;``, UTF-8 with a BOM, decimal comma).
    """
    path.write_bytes(questions_csv(questions))


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
    """Render the key figures and the count per outcome, HR's first look at how well the bot did.

    The share answered leaves out greetings, thanks and feedback (outcome ``other``): they are not questions
    about content.

    Args:
        data: The report's data.

    Returns:
        HTML: the cards, a note on how the share is counted, and the outcome table.
    """
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
    """Render the questions per channel, to show where leaders use the bot.

    Args:
        data: The report's data.

    Returns:
        HTML: a table and a bar chart, or a note when there were no questions.
    """
    per_channel = Counter(q.channel for q in data.questions).most_common()
    if not per_channel:
        return "<p>Ingen spørgsmål i perioden.</p>"
    labels, values = [c for c, _ in per_channel], [n for _, n in per_channel]
    return _table(("Kanal", "Spørgsmål"), per_channel) + _chart(labels, values, "Spørgsmål pr. kanal", True)


def section_units(data: ReportData) -> str:
    """Render the most answered units with their feedback, to show which texts matter most to leaders.

    Args:
        data: The report's data.

    Returns:
        HTML: the top ``TOP_UNITS`` units with title, organisation, count, 👍 and 👎; or a note when nothing was
        answered.
    """
    votes: dict[str, Counter[bool]] = defaultdict(Counter)
    for item in data.feedback or []:
        votes[item.unit_id or ""][item.helpful] += 1
    rows = [(unit_id, *_title(data, unit_id), count, votes[unit_id][True], votes[unit_id][False])
            for unit_id, count in data.unit_counts.most_common(TOP_UNITS)]
    if not rows:
        return "<p>Ingen svar i perioden.</p>"
    return _table(("Enhed", "Titel", "Organisation", "Antal", "👍", "👎"), rows)


def section_todo(data: ReportData) -> str:
    """Render the questions without a (sure) answer, grouped by similarity: what HR should write texts for.

    Args:
        data: The report's data.

    Returns:
        HTML: a list of groups, largest first, each with its size, its outcomes and up to ``EXAMPLES`` distinct
        questions; or a note when every question was answered.
    """
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
    """Render the answers leaders marked as unhelpful, with their comments: the texts HR should improve.

    Args:
        data: The report's data.

    Returns:
        HTML: a table, or a note when there was none or the feedback could not be read.
    """
    if data.feedback is None:
        return "<p>Tilbagemeldingerne kunne ikke læses.</p>"
    rows = [(f.created_at.strftime("%d.%m.%Y"), f.unit_id or "–", _title(data, f.unit_id)[0], f.question or "",
             f.comment or "") for f in data.feedback if not f.helpful]
    return _table(("Dato", "Enhed", "Titel", "Spørgsmål", "Kommentar"), rows) if rows else "<p>Ingen i perioden.</p>"


def render_html(data: ReportData) -> str:
    """Render the whole report as one HTML page that needs no network, so it can be mailed or archived as is.

    Args:
        data: The report's data.

    Returns:
        The page: CSS inline, charts as inline PNG, every conversation text escaped.
    """
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
