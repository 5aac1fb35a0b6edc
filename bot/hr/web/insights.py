"""The insight page ("Indsigt"): what leaders asked in a period, what the bot did with it, and what to fix.

Any signed-in user may look. The page reads the conversations from the tracker store and the feedback from the
knowledge database through the readers the app was created with (``Workbench.tracker_events`` and
``Workbench.feedback``), for the chosen days and the same number of days before them, and counts as
``python -m bot report`` does (:mod:`bot.insights.insight`). Units are named by their published title and
organisation. A question without a (sure) answer offers the bot's own search hits for it: choosing one opens the
unit's form with the question's words already in the synonyms field (nothing is saved until HR saves).

Test traffic (sender ids starting with ``HR_TEST_SENDER_PREFIX``) is left out unless the page is asked to
include it. ``/hr/insights/questions.csv`` gives the shown questions in the CSV Danish Excel opens as it is.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response as BaseResponse

from bot.hr.web.context import workbench
from bot.hr.web.filters import LOCAL
from bot.insights.data import Question, attach_feedback, classify_turns, split_turns
from bot.insights.export import CONTENT_TYPE, questions_csv
from bot.insights.feedback import Feedback
from bot.insights.insight import (
    Filters,
    Period,
    PeriodData,
    apply_filters,
    channels,
    choose_days,
    figures,
    filter_choices,
    negative_feedback,
    outcomes,
    period_of_days,
    previous_days,
    synonym_words,
    top_units,
    unanswered_groups,
)

logger = logging.getLogger(__name__)
blueprint = Blueprint("insights", __name__)
MAX_GROUPS = 20  # each group asks the bot's search once
SUGGESTIONS = 5
MAX_SYNONYM_CHARS = 200
TRACKER_ERROR = "Samtalerne kunne ikke læses fra bottens database (TRACKER_DB_URL). Prøv igen senere."
FEEDBACK_ERROR = "Tilbagemeldingerne kunne ikke læses."


@dataclass(frozen=True)
class UnitName:
    """A unit as the page names it: its published title and its organisation's name."""

    id: str
    title: str
    organisation_id: str
    organisation: str


@dataclass(frozen=True)
class Choice:
    """What the page was asked to show: the days, the filters, and a problem with the dates (if any)."""

    first: date
    last: date
    filters: Filters
    error: str

    @property
    def period(self) -> Period:
        """The chosen days, from midnight Danish time."""
        return period_of_days(self.first, self.last, LOCAL)

    @property
    def previous(self) -> tuple[date, date]:
        """The days the trends compare with."""
        return previous_days(self.first, self.last)

    def query(self) -> dict[str, str]:
        """The choice as query parameters, for the CSV link."""
        query = {"from": self.first.isoformat(), "to": self.last.isoformat()}
        if self.filters.organisation:
            query["organisation"] = self.filters.organisation
        if self.filters.channel:
            query["channel"] = self.filters.channel
        if self.filters.include_test:
            query["test"] = "1"
        return query


@dataclass(frozen=True)
class Reading:
    """The chosen and the previous period, filtered, and what the filters or the databases left out."""

    current: PeriodData
    previous: PeriodData
    hidden_test: int  # questions of the chosen period from test senders, not counted
    channel_names: list[str]
    error: str


def _units() -> tuple[dict[str, UnitName], list[tuple[str, str]]]:
    """The published units by id with their names, and the organisations as ``(id, name)``."""
    current, _ = workbench().current()
    if current is None:
        return {}, []
    names = {o.id: o.name for o in current.organisations}
    units = {u.id: UnitName(u.id, u.title, u.organisation_id, names.get(u.organisation_id, u.organisation_id))
             for u in current.units}
    return units, [(o.id, o.name) for o in current.organisations]


def _choice(organisations: list[tuple[str, str]]) -> Choice:
    bench = workbench()
    today = bench.clock().astimezone(LOCAL).date()
    first, last, error = choose_days(request.args.get("from", ""), request.args.get("to", ""), today)
    organisation = request.args.get("organisation", "").strip()
    if organisation not in {o for o, _ in organisations}:
        organisation = ""
    filters = Filters(organisation=organisation, channel=request.args.get("channel", "").strip()[:100],
                      include_test=request.args.get("test") == "1",
                      test_prefix=bench.settings.hr_test_sender_prefix)
    return Choice(first, last, filters, error)


def _between(items: list[Feedback] | None, period: Period) -> list[Feedback] | None:
    return None if items is None else [f for f in items if period.start <= f.created_at < period.end]


def _read(choice: Choice, organisation_of: dict[str, str], compare: bool = True) -> Reading:
    """Read both periods once (events and feedback) and classify, attach and filter each."""
    bench = workbench()
    period = choice.period
    before = period_of_days(*choice.previous, LOCAL) if compare else period
    error = ""
    try:
        turns = split_turns(bench.tracker_events(before.start, period.end))
    except SQLAlchemyError:
        logger.exception("The insight page could not read the tracker store")
        turns, error = [], TRACKER_ERROR
    feedback: list[Feedback] | None
    try:
        feedback = bench.feedback(before.start, period.end)
    except SQLAlchemyError:
        logger.exception("The insight page could not read the feedback")
        feedback = None
    periods = []
    everything: list[Question] = []
    for span in (period, before) if compare else (period,):
        questions, answers = classify_turns(turns, span.start, span.end)
        in_span = _between(feedback, span)
        attach_feedback(questions, in_span or [])
        everything += questions
        periods.append((questions, answers, in_span))
    filtered = [apply_filters(*p, choice.filters, organisation_of) for p in periods]
    current = filtered[0]
    previous = filtered[1] if compare else PeriodData([], [], [])
    hidden = 0
    if not choice.filters.include_test:
        with_tests = Filters(choice.filters.organisation, choice.filters.channel, True, choice.filters.test_prefix)
        hidden = len(apply_filters(*periods[0], with_tests, organisation_of).questions) - len(current.questions)
    return Reading(current, previous, hidden, filter_choices(everything, feedback), error)


def _suggestions(question: str, units: dict[str, UnitName]) -> list[UnitName] | None:
    """The units the bot's own search finds for a question (each once, best first); None if the search fails."""
    try:
        hits = workbench().search(question)
    except Exception:  # the database is not loaded or not reachable: the page says so and stays up
        logger.exception("The insight page could not search for %r", question)
        return None
    found: dict[str, UnitName] = {}
    for hit in hits:
        unit = hit.unit
        found.setdefault(unit.id, units.get(unit.id) or UnitName(unit.id, unit.title, unit.organisation_id,
                                                                  unit.organisation_id))
    return list(found.values())[:SUGGESTIONS]


@blueprint.get("/insights")
def insights() -> str:
    """The insight page for the chosen days and filters, each figure against the days before."""
    units, organisations = _units()
    choice = _choice(organisations)
    reading = _read(choice, {u.id: u.organisation_id for u in units.values()})
    groups = unanswered_groups(reading.current.questions, MAX_GROUPS)
    return render_template(
        "insights.html", choice=choice, reading=reading, units=units, organisations=organisations,
        figures=figures(reading.current, reading.previous),
        top_units=top_units(reading.current, reading.previous),
        channels=channels(reading.current, reading.previous),
        outcomes=outcomes(reading.current, reading.previous),
        groups=[(group, _suggestions(group.question, units)) for group in groups],
        negative=negative_feedback(reading.current.feedback), feedback_error=FEEDBACK_ERROR,
        csv_query=choice.query())


@blueprint.get("/insights/questions.csv")
def questions_file() -> Response:
    """The shown period's questions (after the filters) as a CSV for Danish Excel, as a download."""
    units, organisations = _units()
    choice = _choice(organisations)
    reading = _read(choice, {u.id: u.organisation_id for u in units.values()}, compare=False)
    if reading.error:
        abort(503, description=reading.error)
    name = f"spoergsmaal-{choice.first.isoformat()}-til-{choice.last.isoformat()}.csv"
    return Response(questions_csv(reading.current.questions), content_type=CONTENT_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@blueprint.get("/insights/synonym")
def synonym() -> BaseResponse:
    """Open the chosen unit's form with the question's words put into its synonyms field (not saved yet)."""
    unit_id = request.args.get("unit", "").strip()
    words = synonym_words(request.args.get("synonym", ""))[:MAX_SYNONYM_CHARS]
    if not unit_id:
        abort(400, description="Vælg den enhed, synonymet skal tilføjes til.")
    if not words:
        abort(400, description="Skriv det synonym, der skal tilføjes.")
    return redirect(url_for("knowledge.unit", unit_id=unit_id, synonym=words))
